//! One-line quoted string literals (`"…"`, `'…'`, `` `…` ``) of candidate length, with their
//! unescaped form and the literals nested in an escaped JSON string.

use super::{MAX_STRING, string_could_be};

/// Calls `keep(open, literal)` with every one-line quoted string opening before `limit` whose
/// length is in range (`open` is its opening quote's offset), then with its unescaped form when
/// that differs; with `nested`, also with the literals inside an escaped string
/// (`"{\"secret\":\"…\"}"`), at the outer literal's offset.
pub(super) fn literals(text: &[u8], limit: usize, nested: bool, keep: &mut dyn FnMut(usize, &[u8])) {
    let mut i = 0;
    while let Some(offset) = find3(b'"', b'\'', b'`', &text[i.min(limit)..limit]) {
        let open = i + offset;
        let Some((close, escaped)) = closing_quote(text, open) else {
            i = open + 1;
            continue;
        };
        let content = &text[open + 1..close];
        if string_could_be(content) {
            keep(open, content);
        }
        if escaped {
            let unescaped = unescape(content);
            if string_could_be(&unescaped) {
                keep(open, &unescaped);
            }
            if nested {
                literals(&unescaped, unescaped.len(), false, &mut |_, key| keep(open, key));
            }
        }
        i = close + 1;
    }
}

/// The closing quote of the string opening at `text[open]` on the same line, skipping escaped
/// quotes, and whether the string holds a backslash; bounded so a line full of unmatched quotes
/// stays linear.
fn closing_quote(text: &[u8], open: usize) -> Option<(usize, bool)> {
    let quote = text[open];
    let bound = text.len().min(open + 2 * MAX_STRING + 3);
    let mut j = open + 1;
    let mut escaped = false;
    while j < bound {
        let at = j + find3(quote, b'\\', b'\n', &text[j..bound])?;
        match text[at] {
            b'\n' => return None,
            b'\\' if text.get(at + 1) == Some(&b'\n') => return None,
            b'\\' => {
                escaped = true;
                j = at + 2;
            }
            _ => return Some((at, escaped)),
        }
    }
    None
}

/// `memchr3`, which is slow to start: looked for byte by byte first, as quotes in a line that
/// names a secret are often a few bytes apart (a minified search index: a million quotes in 5 MB).
fn find3(a: u8, b: u8, c: u8, haystack: &[u8]) -> Option<usize> {
    const NEAR: usize = 16;
    let near = haystack.len().min(NEAR);
    match haystack[..near].iter().position(|&byte| byte == a || byte == b || byte == c) {
        Some(at) => Some(at),
        None => memchr::memchr3(a, b, c, &haystack[near..]).map(|at| near + at),
    }
}

/// Undoes the backslash escapes common to JSON, JavaScript, Python and shell strings.
pub(super) fn unescape(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.iter();
    while let Some(&b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(b'n') => out.push(b'\n'),
            Some(b'r') => out.push(b'\r'),
            Some(b't') => out.push(b'\t'),
            Some(&other @ (b'"' | b'\'' | b'\\' | b'/' | b'`')) => out.push(other),
            Some(&other) => out.extend_from_slice(&[b'\\', other]),
            None => out.push(b'\\'),
        }
    }
    out
}
