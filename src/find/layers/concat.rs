//! Tokens split over adjacent string literals: joined by `+` (Go, Java, Kotlin, JS/TS, C#,
//! Swift, Groovy), `.` (PHP), `<<` (Groovy, Ruby), by juxtaposition (Python, C/C++), or continued
//! by a backslash-newline, on one line or across lines, with line or block comments between them.
//! Groovy's slashy strings (`/eyJ…/ + /…/`) join only with `+` and with each other. Tried only
//! where a token's chain runs into the end of a literal.

use super::super::{URL, bare_at, is, left_boundary};
use super::{Found, Layer};

/// At most this many literals are joined, into at most this many bytes, with at most this much
/// space between two of them: far above any real token, and a bound on the work per hit.
const MAX_PIECES: usize = 64;
const MAX_LEN: usize = 64 << 10;
const MAX_GAP: usize = 256;

fn is_quote(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'`')
}

/// A literal's closing delimiter: a quote, or the `/` of a Groovy slashy string.
pub(in super::super) fn is_closer(b: u8) -> bool {
    is_quote(b) || b == b'/'
}

/// A character a token can hold inside a literal.
fn in_token(b: u8) -> bool {
    is(b, URL) || b == b'.' || b == b'='
}

/// The length of a backslash-newline at `at` (a literal continued on the next line).
fn continuation(buf: &[u8], at: usize) -> Option<usize> {
    match buf.get(at..)? {
        [b'\\', b'\n', ..] => Some(2),
        [b'\\', b'\r', b'\n', ..] => Some(3),
        _ => None,
    }
}

/// Past white space and comments (`// …`, `# …` to the end of the line, `/* … */`) from `at`,
/// never beyond `limit`: a comment between two pieces (`"eyJ…" + // header`) does not part them.
fn skip_space(buf: &[u8], mut at: usize, limit: usize) -> usize {
    while at < limit {
        match &buf[at..limit] {
            [b' ' | b'\t' | b'\r' | b'\n', ..] => at += 1,
            [b'/', b'/', ..] | [b'#', ..] => {
                at += memchr::memchr(b'\n', &buf[at..limit]).unwrap_or(limit - at);
            }
            [b'/', b'*', rest @ ..] => match memchr::memmem::find(rest, b"*/") {
                Some(end) => at += 2 + end + 2,
                None => return limit,
            },
            _ => break,
        }
    }
    at
}

/// Where the content of the literal after the one closed at `close` (its closing quote) begins,
/// if a joiner (or nothing) and an opening quote follow. A slashy string is closed by `/` and
/// joins only with `+` to another slashy string: a `/` after a token is far more often a path.
fn next_literal(buf: &[u8], close: usize) -> Option<usize> {
    let limit = buf.len().min(close + 1 + MAX_GAP);
    let slashy = buf.get(close) == Some(&b'/');
    let mut at = skip_space(buf, close + 1, limit);
    let joiner = match buf.get(at..limit)? {
        [b'+', ..] | [b'.', ..] => 1,
        [b'<', b'<', ..] => 2,
        _ => 0,
    };
    if slashy && buf.get(at) != Some(&b'+') {
        return None;
    }
    if joiner > 0 {
        at = skip_space(buf, at + joiner, limit);
    } else if let Some(len) = continuation(buf, at) {
        at = skip_space(buf, at + len, limit);
    }
    if slashy {
        return (at < limit && buf.get(at) == Some(&b'/')).then_some(at + 1);
    }
    // String prefixes: Python r/b/f/u, C# @/$, C/C++ L/u8.
    let prefix = buf.get(at..)?.iter().take(2).take_while(|b| b"rRbBfFuUL8@$".contains(b)).count();
    at += prefix;
    (at < limit && buf.get(at).is_some_and(|&b| is_quote(b))).then_some(at + 1)
}

/// At a bare-token hit whose dot chain ends at `chain_end`, just before a closing quote or a
/// backslash-newline: the token the literals joined from there spell, reported from its first
/// character to one past its last, and where the search resumes. `Err` with the end of the
/// literals walked unless the token reaches past the first literal.
pub(in super::super) fn joined_at(buf: &[u8], hit: usize, chain_end: usize) -> Result<(Found, usize), usize> {
    let (pieces, found) = join(buf, hit, chain_end);
    found.ok_or_else(|| pieces.last().map_or(chain_end, |piece| piece.end))
}

fn join(buf: &[u8], hit: usize, chain_end: usize) -> (Vec<std::ops::Range<usize>>, Option<(Found, usize)>) {
    if !left_boundary(buf, hit, URL) {
        return (Vec::new(), None);
    }
    let mut pieces = Vec::with_capacity(4);
    pieces.push(hit..chain_end);
    let mut total = chain_end - hit;
    let mut at = chain_end;
    while pieces.len() < MAX_PIECES && total < MAX_LEN {
        let start = match continuation(buf, at) {
            Some(len) => at + len,
            None if buf.get(at).is_some_and(|&b| is_closer(b)) => match next_literal(buf, at) {
                Some(start) => start,
                None => break,
            },
            None => break,
        };
        let end = start + buf[start..].iter().take(MAX_LEN).take_while(|&&b| in_token(b)).count();
        if end == start {
            break;
        }
        total += end - start;
        pieces.push(start..end);
        at = end;
    }
    let found = spelt(buf, hit, &pieces);
    (pieces, found)
}

/// The token the joined `pieces` spell, if it reaches past the first, and its end in `buf`.
fn spelt(buf: &[u8], hit: usize, pieces: &[std::ops::Range<usize>]) -> Option<(Found, usize)> {
    if pieces.len() < 2 {
        return None;
    }
    let joined: Vec<u8> = pieces.iter().flat_map(|piece| buf[piece.clone()].iter().copied()).collect();
    let token = bare_at(&joined, 0).0?;
    let mut before = 0;
    for piece in pieces {
        let len = piece.len();
        if token.end <= before + len {
            if before == 0 {
                return None;
            }
            let end = piece.start + (token.end - before);
            let text = String::from_utf8(joined[..token.end].to_vec()).ok()?;
            return Some((
                Found { start: hit, end, token: text, encoding: vec![Layer::Concatenated], registry: None },
                end,
            ));
        }
        before += len;
    }
    None
}
