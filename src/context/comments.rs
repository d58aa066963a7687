//! Documentation comments: is a token inside `///`, `//!`, `/** … */` or a Python docstring?
//! Markers are indexed once per text and only a bounded stretch before each token is read, so
//! the cost per token stays small whatever the file.

use super::data::DATA;

/// How far back an opening `/**` or docstring quote is looked for.
const LOOK_BACK: usize = 16 * 1024;

/// How far before a token its line may start for a `///` marker to count: a doc line is short.
const LINE_LOOK_BACK: usize = 512;

/// Where the block-comment openers and closers and the docstring quotes of one text are, found
/// once, so that each token asks in logarithmic time (a minified file holds many tokens).
pub struct CommentIndex<'a> {
    buf: &'a [u8],
    /// Per `block` pair: the openers followed by a space or line end, and the closers.
    blocks: Vec<(Vec<usize>, Vec<usize>)>,
    /// Per docstring quote: where it occurs.
    quotes: Vec<Vec<usize>>,
}

impl<'a> CommentIndex<'a> {
    pub fn new(buf: &'a [u8]) -> CommentIndex<'a> {
        let markers = &DATA.doc_comments;
        let blocks = markers
            .block
            .iter()
            .map(|(open, close)| {
                let opens = memchr::memmem::find_iter(buf, open.as_bytes())
                    .filter(|&at| {
                        // `src/**/x` is no comment: the opener is followed by a space or line end,
                        // and is not inside a string literal (`"src/** "`).
                        let next = buf.get(at + open.len()).copied();
                        next.is_none_or(|b| b == b' ' || b == b'\t' || b == b'\r' || b == b'\n')
                            && !in_string_literal(buf, at)
                    })
                    .collect();
                (opens, memchr::memmem::find_iter(buf, close.as_bytes()).collect())
            })
            .collect();
        let quotes =
            markers.docstring.iter().map(|quote| memchr::memmem::find_iter(buf, quote.as_bytes()).collect()).collect();
        CommentIndex { buf, blocks, quotes }
    }

    /// Whether the token starting at `offset` sits inside a documentation comment.
    pub fn in_doc_comment(&self, offset: usize) -> bool {
        let buf = self.buf;
        let offset = offset.min(buf.len());
        let markers = &DATA.doc_comments;
        let line_from = offset.saturating_sub(LINE_LOOK_BACK);
        let line_start = memchr::memrchr(b'\n', &buf[line_from..offset]).map(|i| line_from + i + 1);
        if let Some(line_start) = line_start.or((line_from == 0).then_some(0)) {
            let before = buf[line_start..offset].trim_ascii_start();
            if markers.line.iter().any(|marker| before.starts_with(marker.as_bytes())) {
                return true;
            }
        }
        let from = offset.saturating_sub(LOOK_BACK);
        let in_block = self.blocks.iter().any(|(opens, closes)| match last_before(opens, offset) {
            Some(open) if open >= from => {
                let after_open = closes.partition_point(|&close| close <= open);
                closes.get(after_open).is_none_or(|&close| close >= offset)
            }
            _ => false,
        });
        in_block
            || self.quotes.iter().zip(&markers.docstring).any(|(positions, quote)| {
                last_before(positions, offset)
                    .filter(|&at| at >= from && at + quote.len() <= offset)
                    .is_some_and(|at| opens_docstring(&buf[from..offset], at - from, quote.len(), from == 0))
            })
    }
}

/// How far back on its line a marker's string-literal check reads.
const QUOTE_LOOK_BACK: usize = 1024;

/// Whether `at` is the first non-blank byte of its line.
pub fn starts_line(buf: &[u8], at: usize) -> bool {
    let from = at.saturating_sub(QUOTE_LOOK_BACK);
    let line_start = memchr::memrchr(b'\n', &buf[from..at]).map(|i| from + i + 1);
    line_start.or((from == 0).then_some(0)).is_some_and(|start| buf[start..at].trim_ascii().is_empty())
}

/// Whether `at` lies inside a `"…"`, `'…'` or `` `…` `` string opened earlier on its line. A line
/// longer than the look-back counts as inside, so a marker there decides nothing.
fn in_string_literal(buf: &[u8], at: usize) -> bool {
    let from = at.saturating_sub(QUOTE_LOOK_BACK);
    let Some(line_start) = memchr::memrchr(b'\n', &buf[from..at]).map(|i| from + i + 1).or((from == 0).then_some(0))
    else {
        return true;
    };
    let mut open: Option<u8> = None;
    let mut previous = b' ';
    let mut bytes = buf[line_start..at].iter();
    while let Some(&b) = bytes.next() {
        match (open, b) {
            (Some(_), b'\\') => {
                bytes.next();
            }
            (Some(quote), _) if b == quote => open = None,
            (None, b'"' | b'`') => open = Some(b),
            // An apostrophe after a letter is one (`don't`), not a quote.
            (None, b'\'') if !previous.is_ascii_alphanumeric() => open = Some(b),
            _ => {}
        }
        previous = b;
    }
    open.is_some()
}

/// The last position in sorted `positions` before `offset`.
fn last_before(positions: &[usize], offset: usize) -> Option<usize> {
    let count = positions.partition_point(|&at| at < offset);
    count.checked_sub(1).map(|last| positions[last])
}

/// Whether the token starting at `offset` in `buf` sits inside a documentation comment (one
/// question; a scan asks a `CommentIndex`).
pub fn in_doc_comment(buf: &[u8], offset: usize) -> bool {
    CommentIndex::new(buf).in_doc_comment(offset)
}

/// The quote at `at` in `window` (which ends at the token) opens a docstring not closed before
/// the token: it starts its line, and the line before (blank lines skipped) ends a `def`/`class`
/// header with `:`, or there is none (the top of the file, or only `#` comments above).
/// `at_top` says whether `window` starts the text.
fn opens_docstring(window: &[u8], at: usize, quote_len: usize, at_top: bool) -> bool {
    if memchr::memmem::find(&window[at + quote_len..], &window[at..at + quote_len]).is_some() {
        return false;
    }
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
        assert!(!doc("const globs = [\"src/** \", \"docs/**\"];\nconst t = \"TOKEN\";"));
        assert!(!doc("let p = '/** ';\nlet t = \"TOKEN\";"));
        assert!(doc("f(); /** TOKEN */"));
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
    fn a_line_longer_than_the_look_back_is_not_read_to_its_start() {
        let mut text = String::from("/// ");
        text.push_str(&"x ".repeat(LOOK_BACK));
        text.push_str("TOKEN");
        assert!(!doc(&text));
    }

    #[test]
    fn only_a_bounded_stretch_before_the_token_is_read() {
        let mut text = String::from("/**\n");
        text.push_str(&"x\n".repeat(LOOK_BACK));
        text.push_str("TOKEN");
        assert!(!doc(&text));
    }
}
