//! A reported finding, and the pieces that make it safe and stable to report: character-based
//! locations computed only for findings, redaction, and fingerprints that ignore line numbers.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::severity::Severity;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub path: String,
    pub line: u64,
    pub column: u64,
    pub end_line: u64,
    pub end_column: u64,
    pub token: String,
    pub token_sha256: String,
    pub fingerprint: String,
    pub evidence: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub commit: Option<String>,
    /// Header and identifying claims for the text report; never serialized.
    #[serde(skip)]
    pub details: Option<std::sync::Arc<crate::report::TokenDetails>>,
}

impl Finding {
    /// The order every report uses, whatever the thread count.
    pub fn sort_key(&self) -> (&str, u64, u64, &str, &str) {
        (&self.path, self.line, self.column, &self.rule, &self.token_sha256)
    }
}

/// A 1-based line and character column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: u64,
    pub column: u64,
}

/// Converts byte offsets into positions. Cheap to create; each lookup scans only the bytes since
/// the previous lookup, so offsets should be asked for in ascending order (earlier ones still work,
/// they restart from the start of their line, or of the buffer).
pub struct Locator<'a> {
    buf: &'a [u8],
    base_line: u64,
    cursor: usize,
    line: u64,
    line_start: usize,
    /// Characters from `line_start` to `cursor`: kept so many tokens on one long line (minified
    /// code) do not each count the line from its start.
    chars_before_cursor: u64,
}

impl<'a> Locator<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self::with_base_line(buf, 1)
    }

    /// For a window of a larger file whose first byte starts line `base_line`.
    pub fn with_base_line(buf: &'a [u8], base_line: u64) -> Self {
        Locator { buf, base_line, cursor: 0, line: base_line, line_start: 0, chars_before_cursor: 0 }
    }

    pub fn position(&mut self, offset: usize) -> Position {
        let offset = offset.min(self.buf.len());
        if offset < self.cursor {
            if offset < self.line_start {
                self.line = self.base_line;
                self.line_start = 0;
            }
            self.cursor = self.line_start;
            self.chars_before_cursor = 0;
        }
        let span = &self.buf[self.cursor..offset];
        match memchr::memrchr(b'\n', span) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', span).count() as u64;
                self.line_start = self.cursor + last + 1;
                self.chars_before_cursor = char_count(&self.buf[self.line_start..offset]);
            }
            None => self.chars_before_cursor += char_count(span),
        }
        self.cursor = offset;
        Position { line: self.line, column: self.chars_before_cursor + 1 }
    }

    /// The bytes of the line that holds `offset`, without its line terminator.
    pub fn line_at(&self, offset: usize) -> &'a [u8] {
        &self.buf[self.line_range(offset)]
    }

    /// Where the line that holds `offset` starts and ends (before its line terminator).
    pub fn line_range(&self, offset: usize) -> std::ops::Range<usize> {
        let offset = offset.min(self.buf.len());
        let start = memchr::memrchr(b'\n', &self.buf[..offset]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &self.buf[offset..]).map_or(self.buf.len(), |i| offset + i);
        start..end
    }
}

/// Counts characters the way a UTF-8 decoder that replaces each invalid byte would: every byte
/// that is not a continuation byte starts a character.
pub fn char_count(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count() as u64
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// Stable across edits that move lines and across commits: rule, path and token only.
pub fn fingerprint(rule: &str, path: &str, token_sha256: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [rule, path, token_sha256] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex(&hasher.finalize()[..16])
}

/// Enough of a token to recognise it, never enough to replay it or to read a secret its header
/// carries (see `redact::token`).
pub fn redact_token(compact: &str) -> String {
    crate::redact::token(compact)
}

/// Masks a secret as `s****t`: first and last character for secrets of four or more, nothing
/// of shorter ones.
pub fn mask_secret(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    match chars.len() {
        0 => "(empty)".to_string(),
        1..=3 => "*".repeat(chars.len()),
        n => format!("{}{}{}", chars[0], "*".repeat(n.min(12) - 2), chars[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "é€ x\nab token";
        let mut locator = Locator::new(text.as_bytes());
        let x = text.find('x').unwrap();
        assert_eq!(locator.position(x), Position { line: 1, column: 4 });
        let token = text.find("token").unwrap();
        assert_eq!(locator.position(token), Position { line: 2, column: 4 });
        assert_eq!(locator.position(x), Position { line: 1, column: 4 });
    }

    #[test]
    fn positions_on_one_long_line_are_counted_incrementally_and_backwards() {
        let text = "é€ a b\nxé y z\nw";
        let mut locator = Locator::new(text.as_bytes());
        let expected = [('a', 1, 4), ('b', 1, 6), ('y', 2, 4), ('z', 2, 6), ('x', 2, 1), ('a', 1, 4), ('w', 3, 1)];
        for (c, line, column) in expected {
            assert_eq!(locator.position(text.find(c).unwrap()), Position { line, column }, "{c}");
        }
    }

    #[test]
    fn invalid_utf8_bytes_count_as_one_character_each() {
        let text = b"\xff\xfeab";
        assert_eq!(Locator::new(text).position(2).column, 3);
    }

    #[test]
    fn line_at_returns_the_whole_line_without_terminator() {
        let text = b"one\ntwo jwtscan:ignore\nthree";
        assert_eq!(Locator::new(text).line_at(6), b"two jwtscan:ignore");
    }

    #[test]
    fn fingerprints_ignore_location_but_not_rule_path_or_token() {
        let a = fingerprint("alg-none", "a.txt", "00");
        assert_eq!(a, fingerprint("alg-none", "a.txt", "00"));
        assert_ne!(a, fingerprint("no-expiry", "a.txt", "00"));
        assert_ne!(a, fingerprint("alg-none", "b.txt", "00"));
    }

    #[test]
    fn redaction_never_keeps_the_whole_token() {
        let unsigned = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.";
        let redacted = redact_token(unsigned);
        assert_eq!(redacted, "eyJhbGciOiJub25lIn0.eyJzdWIi….[redacted]");
        assert!(!redacted.contains(unsigned));
    }

    #[test]
    fn redaction_of_an_unsigned_token_with_a_short_payload_does_not_keep_the_whole_token() {
        for unsigned in ["eyJhbGciOiJub25lIn0.e30.", "eyJhbGciOiJub25lIn0.eyJhIjoxfQ."] {
            let redacted = redact_token(unsigned);
            assert!(!redacted.contains(unsigned), "{redacted}");
            assert!(redacted.starts_with("eyJhbGciOiJub25lIn0.e") && redacted.ends_with("….[redacted]"), "{redacted}");
        }
    }

    #[test]
    fn masking_keeps_only_the_ends_of_a_secret() {
        assert_eq!(mask_secret("secret"), "s****t");
        assert_eq!(mask_secret("abc"), "***");
        assert_eq!(mask_secret(""), "(empty)");
    }
}
