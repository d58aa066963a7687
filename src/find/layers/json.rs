//! JSON string escapes inside base64 (`\n` between wrapped lines, `\/` from PHP's encoder,
//! `\u002b`, `\u003d`): the escaped run around a hit, and the unescaping of JSON string text.

use std::ops::Range;

use super::super::{ANY64, LINE_WIDTHS, is};

/// An escape at `at` (its first byte a `\`) that stands for a base64 character, padding or a line
/// break: its length and byte.
fn escape_at(buf: &[u8], at: usize) -> Option<(usize, u8)> {
    if buf.get(at) != Some(&b'\\') || (at > 0 && buf[at - 1] == b'\\') {
        return None;
    }
    match buf.get(at + 1)? {
        b'/' => Some((2, b'/')),
        b'n' => Some((2, b'\n')),
        b'r' => Some((2, b'\r')),
        b't' => Some((2, b'\t')),
        b'u' => {
            let digits = std::str::from_utf8(buf.get(at + 2..at + 6)?).ok()?;
            let byte = u8::try_from(u32::from_str_radix(digits, 16).ok()?).ok()?;
            matches!(byte, b'+' | b'/' | b'=' | b'\n' | b'\r').then_some((6, byte))
        }
        _ => None,
    }
}

/// The run of base64 characters and escapes around the group at `group`, if an escape inside it
/// means it must be unescaped before it decodes: `\/` or `\u002b`-style escapes between base64
/// characters or as padding, or `\n` between lines of exactly 64 or 76 characters.
pub(super) fn escaped_run_around(buf: &[u8], group: usize, floor: usize) -> Option<Range<usize>> {
    let mut plain_start = group;
    while plain_start > floor && is(buf[plain_start - 1], ANY64) {
        plain_start -= 1;
    }
    let plain_end = group + buf[group..].iter().take_while(|&&b| is(b, ANY64)).count();
    let backslash = |at: Option<usize>| at.and_then(|at| buf.get(at)) == Some(&b'\\');
    if !backslash(Some(plain_end)) && !backslash(plain_start.checked_sub(1)) {
        return None;
    }
    let mut start = group;
    while start > floor {
        let escape = [2, 6].into_iter().find(|&len| {
            start
                .checked_sub(len)
                .filter(|&at| at >= floor)
                .and_then(|at| escape_at(buf, at))
                .is_some_and(|(found, byte)| found == len && byte != b'=')
        });
        match escape {
            Some(len) => start -= len,
            None if is(buf[start - 1], ANY64) => start -= 1,
            None => break,
        }
    }
    // Units from `start` (a base64 character, padding or escape) up to the end of the run and its
    // padding, summed up line by line as they close: a run of any length takes constant memory
    // (one entry per unit took 24 bytes per byte of a 16 MiB run, twice).
    let is_break = |byte: u8| matches!(byte, b'\n' | b'\r' | b'\t');
    let mut lines = Lines::default();
    let mut line: Option<Line> = None;
    let mut at = start;
    let mut padding = 0;
    let (mut line_len, mut width) = (0, None);
    while at < buf.len() && padding < 2 {
        let (len, byte) = match escape_at(buf, at) {
            Some(escape) => escape,
            None if is(buf[at], ANY64) || buf[at] == b'=' => (1, buf[at]),
            None => break,
        };
        if byte == b'=' {
            padding += 1;
        } else if padding > 0 {
            break;
        }
        if !is_break(byte) {
            line_len += 1;
        } else if line_len > 0 {
            // Past the hit, a line break continues the run only after a full-width line, so the
            // walk never runs on over lines it cannot join (each hit would walk them again).
            if at > group && (!LINE_WIDTHS.contains(&line_len) || width.is_some_and(|width| width != line_len)) {
                break;
            }
            width = Some(line_len);
            line_len = 0;
        }
        if is_break(byte) {
            if let Some(done) = line.take() {
                lines.close(done, group);
            }
        } else {
            let current = line.get_or_insert(Line { start: at, end: at, units: 0, escaped: false });
            current.end = at + len;
            current.units += 1;
            current.escaped |= len > 1;
        }
        at += len;
    }
    if let Some(done) = line {
        lines.close(done, group);
    }
    lines.chosen()
}

/// A stretch of units between escaped line breaks.
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
    units: usize,
    /// Whether one of its units is an escape.
    escaped: bool,
}

/// What the choice of an escaped run needs to know of its lines.
#[derive(Default)]
struct Lines {
    count: usize,
    first: Option<Line>,
    last: Option<Line>,
    /// Whether every line before the last is as long as the first.
    full: bool,
    /// The line holding the hit's group.
    holding: Option<Line>,
}

impl Lines {
    fn close(&mut self, line: Line, group: usize) {
        match (self.first, self.last) {
            (Some(first), Some(last)) => self.full &= last.units == first.units,
            _ => {
                self.first = Some(line);
                self.full = true;
            }
        }
        if line.start <= group && group < line.end {
            self.holding = Some(line);
        }
        self.last = Some(line);
        self.count += 1;
    }

    /// The whole run when its lines are wrapped at 64 or 76 characters; else the line holding the
    /// hit, if an escape inside it means it must be unescaped before it decodes.
    fn chosen(&self) -> Option<Range<usize>> {
        if let (Some(first), Some(last)) = (self.first, self.last)
            && self.count > 1
            && LINE_WIDTHS.contains(&first.units)
            && self.full
            && last.units <= first.units
        {
            return Some(first.start..last.end);
        }
        self.holding.filter(|line| line.escaped).map(|line| line.start..line.end)
    }
}

/// JSON string text with its escapes decoded; a broken escape stays as it is, a lone surrogate
/// becomes U+FFFD.
pub(super) fn unescape(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        if text[at] != b'\\' || at + 1 >= text.len() {
            out.push(text[at]);
            at += 1;
            continue;
        }
        let simple = match text[at + 1] {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(8),
            b'f' => Some(12),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            _ => None,
        };
        if let Some(byte) = simple {
            out.push(byte);
            at += 2;
            continue;
        }
        let unit = |from: usize| {
            let digits = text.get(from..from + 4)?;
            u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
        };
        match (text[at + 1], unit(at + 2)) {
            (b'u', Some(high @ 0xD800..=0xDBFF)) => {
                let low = (text.get(at + 6..at + 8) == Some(b"\\u")).then(|| unit(at + 8)).flatten();
                match low {
                    Some(low @ 0xDC00..=0xDFFF) => {
                        let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                        push_char(&mut out, char::from_u32(code));
                        at += 12;
                    }
                    _ => {
                        push_char(&mut out, None);
                        at += 6;
                    }
                }
            }
            (b'u', Some(code)) => {
                push_char(&mut out, char::from_u32(code));
                at += 6;
            }
            _ => {
                out.push(b'\\');
                at += 1;
            }
        }
    }
    out
}

fn push_char(out: &mut Vec<u8>, c: Option<char>) {
    let mut utf8 = [0u8; 4];
    out.extend_from_slice(c.unwrap_or(char::REPLACEMENT_CHARACTER).encode_utf8(&mut utf8).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_every_json_escape() {
        assert_eq!(
            unescape(br#"a\"b\\c\/d\n\r\t\b\f\u0041\u00e9\ud83d\ude00"#),
            "a\"b\\c/d\n\r\t\u{8}\u{c}Aé😀".as_bytes()
        );
    }

    #[test]
    fn broken_escapes_stay_and_lone_surrogates_are_replaced() {
        assert_eq!(unescape(br"\q\u12\"), br"\q\u12\");
        assert_eq!(unescape(br"\ud800x"), "\u{FFFD}x".as_bytes());
    }

    #[test]
    fn an_escaped_run_spans_lines_joined_by_escaped_newlines_and_slashes() {
        let text = br#""auth": "QUFB\/QkJC\/Q0ND\u003d", x"#;
        let span = escaped_run_around(text, 15, 0).unwrap();
        assert_eq!(&text[span.clone()], br"QUFB\/QkJC\/Q0ND\u003d");
        assert_eq!(unescape(&text[span]), b"QUFB/QkJC/Q0ND=");
    }

    #[test]
    fn a_run_only_next_to_escapes_is_not_an_escaped_run() {
        let text = br#"{\"auth\":\"QUFBQkJCQ0ND\"}\n"#;
        assert_eq!(escaped_run_around(text, 12, 0), None);
        let text = br"line\nQUFBQkJCQ0ND\n";
        assert_eq!(escaped_run_around(text, 6, 0), None);
        let wrapped = format!("{}\\n{}\\nQUFB", "Q".repeat(64), "R".repeat(64));
        assert_eq!(escaped_run_around(wrapped.as_bytes(), 70, 0), Some(0..wrapped.len()));
    }
}
