//! Documentation comments: is a token inside `///`, `//!`, `/** … */` or a Python docstring?
//! Only the bytes just before the token are read (at most `LOOK_BACK`), so the cost per finding
//! is bounded whatever the file.

use super::data::DATA;

/// How far back an opening `/**` or docstring quote is looked for.
const LOOK_BACK: usize = 16 * 1024;

/// Whether the token starting at `offset` in `buf` sits inside a documentation comment.
pub fn in_doc_comment(buf: &[u8], offset: usize) -> bool {
    let offset = offset.min(buf.len());
    let line_start = memchr::memrchr(b'\n', &buf[..offset]).map_or(0, |i| i + 1);
    let before = buf[line_start..offset].trim_ascii_start();
    let markers = &DATA.doc_comments;
    if markers.line.iter().any(|marker| before.starts_with(marker.as_bytes())) {
        return true;
    }
    let window = &buf[offset.saturating_sub(LOOK_BACK)..offset];
    let at_top = offset <= LOOK_BACK;
    markers.block.iter().any(|(open, close)| in_block(window, open.as_bytes(), close.as_bytes()))
        || markers.docstring.iter().any(|quote| in_docstring(window, quote.as_bytes(), at_top))
}

/// The last `open` (followed by a space or line end, so `src/**/x` is no comment) is not closed
/// before the end of `window`.
fn in_block(window: &[u8], open: &[u8], close: &[u8]) -> bool {
    let mut end = window.len();
    while let Some(at) = memchr::memmem::rfind(&window[..end], open) {
        let next = window.get(at + open.len()).copied();
        if next.is_none_or(|b| b == b' ' || b == b'\t' || b == b'\r' || b == b'\n') {
            return memchr::memmem::find(&window[at + open.len()..], close).is_none();
        }
        end = at;
    }
    false
}

/// The last `quote` before the end of `window` opens a docstring: it starts its line, and the line
/// before (blank lines skipped) ends a `def`/`class` header with `:`, or there is none (the top of
/// the file, or only `#` comments above). `at_top` says whether `window` starts the text.
fn in_docstring(window: &[u8], quote: &[u8], at_top: bool) -> bool {
    let Some(at) = memchr::memmem::rfind(window, quote) else { return false };
    let line_start = memchr::memrchr(b'\n', &window[..at]).map_or(0, |i| i + 1);
    let lead = window[line_start..at].trim_ascii_start();
    if !(lead.is_empty() || matches!(lead, b"r" | b"R" | b"u" | b"U")) {
        return false;
    }
    let mut above = &window[..line_start];
    loop {
        let trimmed = above.trim_ascii_end();
        if trimmed.is_empty() {
            return at_top;
        }
        let start = memchr::memrchr(b'\n', trimmed).map_or(0, |i| i + 1);
        let line = trimmed[start..].trim_ascii_start();
        if line.ends_with(b":") {
            return true;
        }
        if !line.starts_with(b"#") {
            return false;
        }
        above = &trimmed[..start];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the `TOKEN` in `text` is in a documentation comment.
    fn doc(text: &str) -> bool {
        in_doc_comment(text.as_bytes(), text.find("TOKEN").unwrap())
    }

    #[test]
    fn rust_and_csharp_line_doc_comments_count() {
        assert!(doc("/// let t = \"TOKEN\";"));
        assert!(doc("    //! TOKEN"));
        assert!(doc("#' @examples TOKEN"));
    }

    #[test]
    fn ordinary_comments_and_code_do_not_count() {
        assert!(!doc("// prod token: TOKEN"));
        assert!(!doc("# TOKEN"));
        assert!(!doc("let t = \"TOKEN\"; /// trailing"));
        assert!(!doc("/* plain block TOKEN */"));
    }

    #[test]
    fn an_open_javadoc_or_jsdoc_block_counts_until_it_closes() {
        assert!(doc("/**\n * Example:\n *   TOKEN\n */\nfunction f() {}"));
        assert!(doc("/** TOKEN */"));
        assert!(!doc("/**\n * docs\n */\nconst t = \"TOKEN\";"));
        assert!(!doc("const glob = \"src/**/*.js\";\nconst t = \"TOKEN\";"));
    }

    #[test]
    fn python_docstrings_count_after_def_class_or_at_the_top() {
        assert!(doc("def f():\n    \"\"\"Decode.\n\n    >>> decode(\"TOKEN\")\n    \"\"\"\n"));
        assert!(doc("class A:\n    '''\n    TOKEN\n    '''\n"));
        assert!(doc("#!/usr/bin/env python\n\"\"\"Module docs: TOKEN\"\"\"\n"));
        assert!(doc("\"\"\"TOKEN\"\"\""));
    }

    #[test]
    fn triple_quoted_strings_that_are_not_docstrings_do_not_count() {
        assert!(!doc("QUERY = \"\"\"\nTOKEN\n\"\"\"\n"));
        assert!(!doc("def f():\n    \"\"\"Docs.\"\"\"\n    return \"TOKEN\"\n"));
        assert!(!doc("x = 1\n\"\"\"\nTOKEN\n\"\"\""));
    }

    #[test]
    fn only_a_bounded_stretch_before_the_token_is_read() {
        let mut text = String::from("/**\n");
        text.push_str(&"x\n".repeat(LOOK_BACK));
        text.push_str("TOKEN");
        assert!(!doc(&text));
    }
}
