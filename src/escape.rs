//! One escaping routine per output kind, for every text that quotes scanned input (paths, claim
//! names, header values, config values in errors): terminal, workflow command (message and
//! property), Markdown (the job summary) and SARIF. Each keeps the text readable and makes it
//! inert where it lands: it cannot move the cursor, end a command early, start a new one, reorder
//! what is shown (bidi controls), or become a link.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Control characters and the Unicode controls that reorder displayed text (Trojan Source).
fn is_hostile(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Hostile characters as visible `\xNN` / `\u{NNNN}` text; the rest unchanged.
fn visible(text: &str, keep: fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_hostile(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !is_hostile(c) || keep(c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    Cow::Owned(out)
}

/// For a terminal (text report, warnings, errors): every control character made visible, line
/// breaks included, so one quoted value stays on its line.
pub fn terminal(text: &str) -> Cow<'_, str> {
    visible(text, |_| false)
}

/// A workflow command's message: controls made visible except line breaks, which the runner's
/// own escaping (`%0A`) carries; `%` escaped first so no escape can be forged.
pub fn workflow_data(text: &str) -> String {
    workflow(text, false)
}

/// A workflow command's property value (`file=`, `title=`): as a message, plus `:` and `,`, which
/// would end the property.
pub fn workflow_property(text: &str) -> String {
    workflow(text, true)
}

fn workflow(text: &str, property: bool) -> String {
    let shown = visible(text, |c| c == '\n' || c == '\r');
    let mut out = String::with_capacity(shown.len());
    for c in shown.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            _ => out.push(c),
        }
    }
    out
}

/// A Markdown table cell of at most `max_chars` characters (then `…`): `|` and line breaks cannot
/// break the table, punctuation that Markdown or HTML would act on is written as an entity, and
/// what GitHub would autolink (`www.`, `scheme://`, `user@host`) gets a zero-width space that
/// keeps it from being recognised.
pub fn markdown(text: &str, max_chars: usize) -> String {
    const BREAK: char = '\u{200b}';
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().take(max_chars + 1).collect();
    for (index, &c) in chars.iter().enumerate() {
        if index == max_chars {
            out.push('…');
            break;
        }
        let next = chars.get(index + 1).copied();
        match c {
            '\r' if next == Some('\n') => {}
            '\r' | '\n' => out.push_str("<br>"),
            c if is_hostile(c) => out.push(char::REPLACEMENT_CHARACTER),
            '@' => {
                out.push(BREAK);
                out.push('@');
            }
            ':' if next == Some('/') => {
                out.push(':');
                out.push(BREAK);
            }
            '.' if index >= 3 && chars[index - 3..index].iter().collect::<String>().eq_ignore_ascii_case("www") => {
                out.push(BREAK);
                out.push('.');
            }
            c if c.is_ascii_punctuation() && !matches!(c, '.' | ',' | '-' | '/' | ':' | '=' | '@') => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// A SARIF message or property: JSON escaping already covers C0 controls, so this makes visible
/// what it does not: DEL, C1 controls and bidi controls, which code-scanning views would render.
pub fn sarif(text: &str) -> Cow<'_, str> {
    visible(text, |c| c == '\n' || c == '\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "a\u{1b}[2J\u{9b}31m\u{202e}b\u{7f}";

    #[test]
    fn terminal_text_shows_every_control_and_bidi_character() {
        assert_eq!(terminal(HOSTILE), "a\\x1b[2J\\x9b31m\\u{202e}b\\x7f");
        assert_eq!(terminal("line\nbreak"), "line\\x0abreak");
        assert!(matches!(terminal("plain é"), Cow::Borrowed(_)));
    }

    #[test]
    fn workflow_commands_stay_on_one_line_and_properties_cannot_end_early() {
        assert_eq!(workflow_data("50%\r\n::error::x"), "50%25%0D%0A::error::x");
        assert_eq!(workflow_property("a:b,c\u{1b}\u{202e}"), "a%3Ab%2Cc\\x1b\\u{202e}");
        // A visible escape's backslash is not a runner escape: `%` is the only one.
        assert_eq!(workflow_data("%0A"), "%250A");
    }

    #[test]
    fn markdown_cells_break_no_table_render_no_markup_and_link_nothing() {
        assert_eq!(markdown("a|b\nc<img src=x>[l](u)", 300), "a&#124;b<br>c&#60;img src=x&#62;&#91;l&#93;&#40;u&#41;");
        let cell = markdown("see www.evil.example, https://evil.example and admin@evil.example", 300);
        for autolink in ["www.", "https://", "n@e"] {
            assert!(!cell.contains(autolink), "{autolink} in {cell}");
        }
        assert_eq!(markdown(&"x".repeat(1000), 300).chars().count(), 301);
        assert!(!markdown(HOSTILE, 300).contains(['\u{1b}', '\u{202e}', '\u{9b}']));
    }

    #[test]
    fn sarif_text_keeps_line_breaks_and_shows_bidi_and_c1_controls() {
        assert_eq!(sarif("a\nb\u{202e}\u{85}"), "a\nb\\u{202e}\\x85");
    }
}
