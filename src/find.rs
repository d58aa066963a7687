//! Finds candidate tokens in raw bytes. Only spans whose text decodes as a token are returned.

use std::sync::LazyLock;

use regex::bytes::Regex;

/// A token found in a buffer: `start..end` is its span in the buffer (the wrapper's span for a
/// base64-wrapped token); `inner` holds the decoded token text when it was wrapped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub start: usize,
    pub end: usize,
    pub inner: Option<String>,
}

impl Candidate {
    /// The compact token text.
    pub fn compact<'a>(&'a self, buf: &'a [u8]) -> &'a str {
        match &self.inner {
            Some(inner) => inner,
            None => std::str::from_utf8(&buf[self.start..self.end]).unwrap_or(""),
        }
    }
}

static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)eyJ[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]*\.[A-Za-z0-9_=-]*(?:\.[A-Za-z0-9_=-]*\.[A-Za-z0-9_=-]*)?")
        .expect("valid regex")
});

/// Appends every token in `buf` to `out`, in order of position.
pub fn find_tokens(buf: &[u8], out: &mut Vec<Candidate>) {
    if memchr::memmem::find(buf, b"eyJ").is_none() {
        return;
    }
    for m in TOKEN.find_iter(buf) {
        let text = std::str::from_utf8(m.as_bytes()).unwrap_or("");
        if crate::token::decode(text).is_some() {
            out.push(Candidate { start: m.start(), end: m.end(), inner: None });
        }
    }
}
