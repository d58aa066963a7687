//! A reported finding, and the pieces that make it safe and stable to report: character-based
//! locations computed only for findings, redaction, and fingerprints that ignore line numbers.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::catalog::Hit;
use crate::context::{Clues, Context};
use crate::hex::hex;
use crate::provenance::Chain;
use crate::severity::Severity;
use crate::spill::Spill;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    /// Where the finding lives (see `context`); decided in `build_report`.
    #[serde(default)]
    pub context: Context,
    pub message: String,
    /// The file on disk (or in the commit's tree); a finding inside an archive names the archive.
    pub path: String,
    /// The members inside `path` the finding is in, outside in (`provenance::render` shows them);
    /// empty, and left out of the JSON, for a finding in the file itself.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub member: Vec<String>,
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
    /// The whole token, for the text report's header and claims; never serialized.
    #[serde(skip)]
    pub compact: Option<WholeToken>,
    /// What the scanned bytes said about the context; never serialized.
    #[serde(skip)]
    pub clues: Clues,
    /// Whether the finding fails the run (the gate's verdict); never serialized.
    #[serde(skip)]
    pub fails: bool,
    /// Whether its context counts toward failing, whatever `--fail-on` says: SARIF levels and
    /// annotations follow it; never serialized.
    #[serde(skip)]
    pub counts: bool,
}

/// A whole token kept beside its finding; debug output never shows it.
#[derive(Clone, PartialEq)]
pub struct WholeToken(pub Arc<str>);

impl std::fmt::Debug for WholeToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WholeToken([redacted])")
    }
}

/// What a finding is about.
#[derive(Clone, Debug)]
pub enum Subject {
    /// A token: shown redacted unless `--show-secrets`.
    /// `encoding`: the layers it was found inside, outside in (`evidence.encoding`).
    Token { compact: Arc<str>, sha256: String, encoding: Vec<&'static str> },
    /// A key: its members with the private one masked, or all of them with `--show-secrets`.
    Key { redacted: String, full: String, sha256: String },
}

impl Subject {
    /// What allowlists, fingerprints and `git --staged` know the subject by.
    pub fn sha256(&self) -> &str {
        match self {
            Subject::Token { sha256, .. } | Subject::Key { sha256, .. } => sha256,
        }
    }
}

/// Where a finding is.
pub struct Site<'a> {
    pub path: &'a str,
    pub member: &'a Chain,
    pub start: Position,
    pub end: Position,
    pub commit: Option<&'a str>,
    /// The commit's time and author, shown in the evidence of findings from history blobs.
    pub history: Option<(i64, &'a str)>,
}

impl Finding {
    /// The one way to build a finding (token, key or history): location, fingerprint and
    /// redaction are decided here.
    pub fn new(mut hit: Hit, site: &Site<'_>, subject: &Subject, show_secrets: bool) -> Finding {
        if !show_secrets {
            // Evidence and messages quote header and claim values, which may hold a whole token.
            hit.message = crate::redact::scrub(&hit.message).into_owned();
            crate::redact::mask_members(&mut hit.evidence, false);
        }
        let (token, compact) = match subject {
            Subject::Token { compact, .. } => {
                let shown = if show_secrets { compact.to_string() } else { redact_token(compact) };
                (shown, Some(WholeToken(Arc::clone(compact))))
            }
            Subject::Key { redacted, full, .. } => ((if show_secrets { full } else { redacted }).clone(), None),
        };
        let sha256 = subject.sha256();
        let mut evidence = hit.evidence;
        if let Subject::Token { encoding, .. } = subject
            && !encoding.is_empty()
        {
            evidence.insert("encoding".into(), Value::from(encoding.clone()));
        }
        if let Some((time, author)) = site.history {
            evidence.insert("commit_time".into(), Value::from(crate::time::format_time(time)));
            evidence.insert("author".into(), Value::from(author));
        }
        // A member name is text from inside the scanned bytes: it may quote a token.
        let member: Vec<String> = site
            .member
            .names()
            .iter()
            .map(|name| if show_secrets { name.to_string() } else { crate::redact::scrub(name).into_owned() })
            .collect();
        Finding {
            rule: hit.rule.to_string(),
            severity: hit.severity,
            context: Context::Source,
            message: hit.message,
            // A file may be named after a token: the path is shown as any other copy of it is.
            path: if show_secrets { site.path.to_string() } else { crate::redact::scrub(site.path).into_owned() },
            fingerprint: fingerprint(&hit.rule, site.path, &member, sha256),
            member,
            line: site.start.line,
            column: site.start.column,
            end_line: site.end.line,
            end_column: site.end.column,
            token,
            token_sha256: sha256.to_string(),
            evidence,
            commit: site.commit.map(str::to_string),
            compact,
            clues: Clues::default(),
            fails: false,
            counts: false,
        }
    }

    /// The order every report uses, whatever the thread count: the members of one file follow
    /// the file itself, each in name order.
    pub fn sort_key(&self) -> (&str, &[String], u64, u64, &str, &str) {
        (&self.path, &self.member, self.line, self.column, &self.rule, &self.token_sha256)
    }

    /// The file and the member chain as every report shows them (`provenance::render`).
    pub fn location(&self) -> std::borrow::Cow<'_, str> {
        if self.member.is_empty() {
            std::borrow::Cow::Borrowed(&self.path)
        } else {
            std::borrow::Cow::Owned(crate::provenance::render(&self.path, &self.member))
        }
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

/// Stable across edits that move lines and across commits: rule, path, member chain and token
/// only. The members come after the path and only when there are some, so a finding in a file
/// itself keeps the fingerprint it had before members existed (baselines stay valid).
fn fingerprint(rule: &str, path: &str, member: &[String], token_sha256: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [rule, path].into_iter().chain(member.iter().map(String::as_str)).chain([token_sha256]) {
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

/// The order every report uses, whatever the thread count.
pub fn report_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    a.sort_key().cmp(&b.sort_key())
}

/// A finding on disk is its JSON form, the whole token the text report decodes again (which JSON
/// skips) and the clues its context is decided by. The file is unnamed, readable by this process
/// only, and gone when it exits.
impl Spill for Finding {
    fn mem_size(&self) -> usize {
        let strings = [&self.rule, &self.message, &self.path, &self.token, &self.token_sha256, &self.fingerprint];
        std::mem::size_of::<Self>()
            + strings.iter().map(|text| text.capacity()).sum::<usize>()
            + self.commit.as_ref().map_or(0, String::capacity)
            + self.member.iter().map(|name| std::mem::size_of::<String>() + name.capacity()).sum::<usize>()
            + self.evidence.iter().map(|(name, value)| 48 + name.capacity() + value_size(value)).sum::<usize>()
            // The whole token is shared by the findings of one occurrence: each counts its part.
            + self.compact.as_ref().map_or(0, |compact| compact.0.len() / std::sync::Arc::strong_count(&compact.0))
    }

    fn encode(&self, out: &mut Vec<u8>) -> std::io::Result<()> {
        let compact = self.compact.as_ref().map(|compact| &*compact.0);
        serde_json::to_writer(&mut *out, &(self, compact, self.clues.stored())).map_err(std::io::Error::other)
    }

    fn decode(bytes: &[u8]) -> std::io::Result<Self> {
        let (mut finding, compact, clues): (Finding, Option<String>, crate::context::StoredClues) =
            serde_json::from_slice(bytes).map_err(std::io::Error::other)?;
        finding.compact = compact.map(|compact| WholeToken(std::sync::Arc::from(compact)));
        finding.clues = crate::context::Clues::restore(&clues);
        Ok(finding)
    }
}

/// Bytes a JSON value holds, roughly.
fn value_size(value: &Value) -> usize {
    std::mem::size_of::<Value>()
        + match value {
            Value::String(text) => text.capacity(),
            Value::Array(items) => items.iter().map(value_size).sum(),
            Value::Object(map) => map.iter().map(|(name, value)| 48 + name.capacity() + value_size(value)).sum(),
            Value::Null | Value::Bool(_) | Value::Number(_) => 0,
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
        let a = fingerprint("alg-none", "a.txt", &[], "00");
        assert_eq!(a, fingerprint("alg-none", "a.txt", &[], "00"));
        assert_ne!(a, fingerprint("no-expiry", "a.txt", &[], "00"));
        assert_ne!(a, fingerprint("alg-none", "b.txt", &[], "00"));
    }

    #[test]
    fn a_fingerprint_without_members_is_the_one_made_before_members_existed() {
        // The value of rule, path and token alone, as 0.1 reports and baselines hold it.
        assert_eq!(fingerprint("alg-none", "a.txt", &[], "00"), "120266f1ea512098198e4658bba7cdbe");
    }

    #[test]
    fn a_fingerprint_tells_members_apart_from_the_file_and_from_each_other() {
        let file = fingerprint("alg-none", "a.zip", &[], "00");
        let member = fingerprint("alg-none", "a.zip", &["b.env".to_string()], "00");
        let deeper = fingerprint("alg-none", "a.zip", &["b.zip".to_string(), "b.env".to_string()], "00");
        assert_ne!(file, member);
        assert_ne!(member, deeper);
        assert_ne!(member, fingerprint("alg-none", "a.zip", &["c.env".to_string()], "00"));
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
}
