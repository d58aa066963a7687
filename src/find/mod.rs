//! Finds compact JWS and JWE tokens in raw bytes, bare or wrapped in base64, without regexes.
//!
//! Most files hold no token, so for them the whole cost must be one SIMD literal search for the
//! few strings a token header can start with (`eyJ` is the base64url of `{"`). Only around a hit
//! are bytes looked at, through class tables, and only a span whose header decodes (into a stack
//! buffer) to a JSON object naming `alg` reaches the allocating decoder in [`crate::token`].
//! Every hit consumes the whole run it starts, found or not, so no byte is walked twice and
//! pathological input (a 20 MB `eyJeyJ…` line, 100,000 tokens on one line) stays linear.
//!
//! What counts as a token — the choices the tests pin:
//! - A token is a whole *dot chain*: a maximal run of base64url segments (each optionally padded
//!   with up to two `=`) joined by `.`, of exactly 3 (JWS) or 5 (JWE) segments. A chain of 4, or
//!   of more than 5, segments is a file name, domain, path or version string (`<jws>.json`,
//!   `x.<jws>`) and is not reported, even if 3 of its segments would decode.
//! - Except for a chain that ends in a `.` (the next byte is not base64url, or there is none):
//!   that `.` is a full stop after the token (`the token is <jws>.`), so when the chain has 4 or
//!   6 segments its empty last one is dropped.
//! - The byte before a token must not be a base64url character, nor a `.` that follows one: a
//!   token is never the tail of a longer run or chain. Escapes ending in such a character are let
//!   through: `\n`, `\t`, `\r`, `\b`, `\f`, `\uXXXX`, `\xXX` and `%XX` (JSON, C-like, URL-encoded).
//! - A JWS whose payload is JSON cut short (`Payload::Truncated`) is a truncated example. A
//!   JWS that is not `alg: none` and whose empty signature is followed by `<`, `[`, `{`, `$`,
//!   `*`, `.` or `…` is an elided one (`<header>.<payload>.<signature>`, `….***`). Neither is
//!   reported; a non-`none` token with a really empty signature still is (`missing-signature`).
//! - A base64 run (standard or URL alphabet, padding optional) that starts `ZXlK` (the base64 of
//!   `eyJ`) is decoded; if the text, minus trailing whitespace (`echo $jwt | base64`), is exactly
//!   one token, that token is reported at the run's span with `inner` holding its text. A run
//!   wrapped over lines of 64 or 76 characters (`base64`, `openssl base64`; continuation lines
//!   may be indented, as in a YAML block scalar) is joined and reported over all its lines.
//! - Headers that begin with whitespace after the `{` (`eyAi` = `{ "`, `ewo…` = `{\n`, `ew0K` =
//!   `{\r\n`) are found too: they ride in the same packed SIMD search at no measurable cost.
//! - In binary data (a buffer holding a NUL), a plain `eyJ` token may follow a letter or digit
//!   directly: dex strings follow their length byte, SQLite values the previous column's bytes.
//! - Tokens inside other encodings (base64 at any alignment, percent, JSON escapes, gzip/zlib,
//!   split string literals) are found by [`layers`], from needles in the same pass, where a hit
//!   is neither a bare token nor a whole-value wrapper.

pub(crate) mod buckets;
pub(crate) mod needles;
pub mod utf16;

use std::sync::LazyLock;

pub mod layers;

use crate::token::{self, Form, Payload};
use layers::{Decoder, Layer, Needle, Start, Walk};
use needles::Literals;

/// A token found in a buffer: `start..end` is its span in the buffer (the wrapper's or the
/// outermost encoded value's span for a wrapped or encoded token); `inner` holds the decoded token
/// text when it was wrapped or encoded; `encoding` the layers it was found inside, outside in
/// (empty for a bare token and for a whole-value base64 wrapper).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub start: usize,
    pub end: usize,
    pub inner: Option<String>,
    pub encoding: Vec<Layer>,
    /// The registry key of the pull-secret entry holding it inside a decoded layer; one in the
    /// text itself is read by the caller (`registry_key`).
    pub registry: Option<Box<str>>,
}

impl Candidate {
    /// The compact token text.
    pub fn compact<'a>(&'a self, buf: &'a [u8]) -> &'a str {
        match &self.inner {
            Some(inner) => inner,
            None => buf.get(self.start..self.end).and_then(|span| std::str::from_utf8(span).ok()).unwrap_or(""),
        }
    }
}

/// Appends every token in `buf` to `out`, in order of position, decoding layers to the default
/// depth.
pub fn find_tokens(buf: &[u8], out: &mut Vec<Candidate>) {
    let mut dec = Decoder::new(layers::DEFAULT_MAX_DEPTH, buf.len());
    find_in(buf, false, &mut dec, out);
}

/// `find_tokens`, and whether `buf` holds one of a hint word (`needles::HINTS`).
pub fn find_tokens_and_hint(buf: &[u8], out: &mut Vec<Candidate>) -> bool {
    let mut dec = Decoder::new(layers::DEFAULT_MAX_DEPTH, buf.len());
    find_in(buf, true, &mut dec, out)
}

/// Appends every token in `buf` to `out`, decoding layers within `dec`'s bounds. With `hints`,
/// also tells whether `buf` holds a hint word (`needles::HINTS`) (else returns true): they ride
/// in the same SIMD pass until the first one is seen, which costs far less than a second pass.
pub fn find_in(buf: &[u8], hints: bool, dec: &mut Decoder, out: &mut Vec<Candidate>) -> bool {
    if !hints {
        find_from(buf, 0, &PREFILTER, needles::hint_start, &mut Walk::default(), dec, out);
        return true;
    }
    find_hinted(buf, &WITH_HINTS, needles::hint_start, dec, out)
}

/// Where the hint word of hint needle `index` found at `hit` starts, if it is one and starts at
/// or after the search's start (`needles::hint_start`).
type HintStart = fn(buf: &[u8], hit: usize, index: usize, from: usize) -> Option<usize>;

/// `find_in` with hints, over `fused`: the token needles, then the hint needles.
fn find_hinted(
    buf: &[u8],
    fused: &Literals,
    hint_start: HintStart,
    dec: &mut Decoder,
    out: &mut Vec<Candidate>,
) -> bool {
    let mut walk = Walk::default();
    match find_from(buf, 0, fused, hint_start, &mut walk, dec, out) {
        Some(hint) => {
            find_from(buf, hint + 1, &PREFILTER, hint_start, &mut walk, dec, out);
            true
        }
        None => false,
    }
}

/// Appends the tokens from `at` on; stops at the first hint word (`needles::HINTS`), if the
/// prefilter has their needles, and returns where it starts.
fn find_from(
    buf: &[u8],
    mut at: usize,
    prefilter: &Literals,
    hint_start: HintStart,
    walk: &mut Walk,
    dec: &mut Decoder,
    out: &mut Vec<Candidate>,
) -> Option<usize> {
    let mut found = Vec::new();
    while let Some((span, needle)) = prefilter.find(buf, at) {
        let hit = span.start;
        let from = at;
        let resume = match Needle::of(needle) {
            Some(needle) => at_needle(buf, hit, needle, walk, dec, &mut found, out),
            // No token needle starts inside a hint word, so tokens before it are all found.
            None => match hint_start(buf, hit, needle - TOKEN_NEEDLES, from) {
                Some(start) => return Some(start),
                None => hit + 1,
            },
        };
        out.extend(found.drain(..).map(|found| Candidate {
            start: found.start,
            end: found.end,
            inner: Some(found.token),
            encoding: found.encoding,
            registry: found.registry,
        }));
        walk.floor = walk.floor.max(resume);
        at = resume.max(hit + 1);
    }
    None
}

/// What the literal pass does at the hit of a token needle, in the buffer given and in a decoded
/// layer alike (`walk.depth`): appends bare and whole-value wrapped tokens to `out` and tokens
/// inside layers to `found`; returns where the search resumes.
fn at_needle(
    buf: &[u8],
    hit: usize,
    needle: Needle,
    walk: &mut Walk,
    dec: &mut Decoder,
    found: &mut Vec<layers::Found>,
    out: &mut Vec<Candidate>,
) -> usize {
    match needle {
        Needle::Bare => bare_or_split_at(buf, hit, walk, dec, found, out),
        Needle::Wrapped => match wrapped_at(buf, hit) {
            (Some(candidate), end) => {
                out.push(candidate);
                end
            }
            (None, end) => layers::at_hit(buf, hit, 0, walk, dec, found).max(end),
        },
        Needle::Layer(Start::Back(back)) => layers::at_hit(buf, hit, back, walk, dec, found),
        Needle::Layer(Start::Run) if left_boundary(buf, hit, ANY64) => layers::at_hit(buf, hit, 0, walk, dec, found),
        Needle::Layer(Start::Run) => hit + 1,
    }
}

/// At a bare-token needle: the token split over string literals from here, else the bare token,
/// else the base64 of a JSON object starting here; returns where the search resumes.
fn bare_or_split_at(
    buf: &[u8],
    hit: usize,
    walk: &mut Walk,
    dec: &mut Decoder,
    found: &mut Vec<layers::Found>,
    out: &mut Vec<Candidate>,
) -> usize {
    let (bare, end) = bare_at(buf, hit);
    let at_literal_end = buf.get(end).is_some_and(|&b| layers::is_closer(b) || b == b'\\');
    if at_literal_end && dec.enabled() && hit >= walk.joined_until {
        match layers::joined_at(buf, hit, end) {
            Ok((split, resume)) if bare.as_ref().is_none_or(|bare| split.end > bare.end) => {
                found.push(split);
                return resume;
            }
            Ok(_) => {}
            Err(walked) => walk.joined_until = walked,
        }
    }
    if let Some(bare) = bare.or_else(|| packed_at(buf, hit, walk)) {
        out.push(bare);
        return end;
    }
    if !left_boundary(buf, hit, ANY64) {
        return end;
    }
    layers::at_hit(buf, hit, 0, walk, dec, found).max(end)
}

/// Byte classes: a character of the base64url alphabet, of the standard one, a hex digit.
const URL: u8 = 1;
const STD: u8 = 2;
const HEX: u8 = 4;
/// Either base64 alphabet: what a wrapper run is made of.
const ANY64: u8 = URL | STD;

static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        let mut class = 0;
        if b.is_ascii_alphanumeric() {
            class |= URL | STD;
        }
        if b == b'-' || b == b'_' {
            class |= URL;
        }
        if b == b'+' || b == b'/' {
            class |= STD;
        }
        if b.is_ascii_hexdigit() {
            class |= HEX;
        }
        table[byte] = class;
        byte += 1;
    }
    table
};

fn is(b: u8, class: u8) -> bool {
    CLASS[b as usize] & class != 0
}

/// The 6-bit value of a base64 character of either alphabet; `NOT64` for anything else.
const NOT64: u8 = 0xFF;
static VALUE: [u8; 256] = {
    let mut table = [NOT64; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut i = 0;
    while i < 64 {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table[b'-' as usize] = 62;
    table[b'_' as usize] = 63;
    table
};

/// Literals a bare token starts with: the base64url of `{"`, `{ "`, `{\n` + `  `/`"`/tab, and
/// `{\r\n`. Four bytes where three would be ambiguous (`ewo` is in "framework").
const BARE: [&[u8]; 6] = [b"eyJ", b"eyAi", b"ewog", b"ewoi", b"ewoJ", b"ew0K"];
/// The base64 of `eyJ`: where a wrapped token starts.
const WRAPPED: &[u8] = b"ZXlK";

pub(crate) fn token_needles() -> impl Iterator<Item = Vec<u8>> {
    layers::needles().map(<[u8]>::to_vec)
}

static PREFILTER: LazyLock<Literals> =
    LazyLock::new(|| Literals::planned(&token_needles().collect::<Vec<_>>(), &buckets::TOKENS, None));

/// How many needles `token_needles` gives: the hint needles come after them.
const TOKEN_NEEDLES: usize = BARE.len() + 1 + layers::NEEDLES.len();

/// The token needles, then the hint needles.
static WITH_HINTS: LazyLock<Literals> = LazyLock::new(|| {
    let hints = needles::HINTS.iter().map(|hint| hint.needle.as_bytes().to_vec());
    Literals::planned(&token_needles().chain(hints).collect::<Vec<_>>(), &buckets::FUSED, Some(true))
});

/// The bare token starting at `start`, if any, and where searching resumes: the end of the run.
fn bare_at(buf: &[u8], start: usize) -> (Option<Candidate>, usize) {
    let chain = Chain::walk(buf, start);
    if !left_boundary(buf, start, URL) {
        return (None, chain.end);
    }
    let found = chain.token_end().filter(|&end| is_token(buf, start, end));
    (found.map(|end| Candidate { start, end, inner: None, encoding: Vec::new(), registry: None }), chain.end)
}

/// In binary data, a token packed against the bytes before it: a dex string after its length
/// byte, a SQLite value after the previous column's bytes. There the byte before is often a
/// letter or digit, so the left boundary is waived, but only in a buffer holding a NUL (text keeps
/// `x<jws>` silent), only for the plain `eyJ` header, and only after a dot-free byte (a dotted
/// prefix still makes a file name).
fn packed_at(buf: &[u8], start: usize, walk: &mut Walk) -> Option<Candidate> {
    if !buf[start..].starts_with(b"eyJ") || left_boundary(buf, start, URL) || buf[start - 1] == b'.' {
        return None;
    }
    if !*walk.binary.get_or_insert_with(|| memchr::memchr(0, buf).is_some()) {
        return None;
    }
    let found = Chain::walk(buf, start).token_end().filter(|&end| is_token(buf, start, end));
    found.map(|end| Candidate { start, end, inner: None, encoding: Vec::new(), registry: None })
}

/// Up to this many segment separators are remembered; a longer chain is never a token.
const MAX_SEGMENTS: usize = 6;

/// A maximal run of base64url segments joined by `.`.
struct Chain {
    /// Positions of the first dots.
    dots: [usize; MAX_SEGMENTS],
    segments: usize,
    end: usize,
}

impl Chain {
    fn walk(buf: &[u8], start: usize) -> Chain {
        let mut chain = Chain { dots: [0; MAX_SEGMENTS], segments: 0, end: start };
        let mut at = start;
        loop {
            let segment_start = at;
            while buf.get(at).is_some_and(|&b| is(b, URL)) {
                at += 1;
            }
            if at > segment_start {
                at = skip_padding(buf, at, URL);
            }
            chain.segments += 1;
            match buf.get(at) {
                Some(b'.') => {
                    if let Some(dot) = chain.dots.get_mut(chain.segments - 1) {
                        *dot = at;
                    }
                    at += 1;
                }
                _ => break,
            }
        }
        chain.end = at;
        chain
    }

    /// Where the token this chain holds ends, if its shape is one.
    fn token_end(&self) -> Option<usize> {
        match self.segments {
            3 | 5 => Some(self.end),
            4 | 6 => {
                let last_dot = self.dots[self.segments - 2];
                (self.end == last_dot + 1).then_some(last_dot)
            }
            _ => None,
        }
    }
}

/// Skips `=` padding (at most two) after a segment, unless more of `class` follows: then the `=`
/// was not padding but the end of the run.
fn skip_padding(buf: &[u8], at: usize, class: u8) -> usize {
    let mut end = at;
    while end - at < 2 && buf.get(end) == Some(&b'=') {
        end += 1;
    }
    match buf.get(end) {
        Some(&b) if end > at && (b == b'=' || is(b, class)) => at,
        _ => end,
    }
}

/// True when the byte before `start` does not make the run starting there the tail of a longer
/// one of `class` (or of a dot chain), or ends an escape sequence.
fn left_boundary(buf: &[u8], start: usize, class: u8) -> bool {
    let Some(before) = start.checked_sub(1).and_then(|at| buf.get(at)) else { return true };
    if *before == b'.' {
        return !start.checked_sub(2).and_then(|at| buf.get(at)).is_some_and(|&b| is(b, URL));
    }
    if !is(*before, class) {
        return true;
    }
    let head = &buf[..start.min(buf.len())];
    let hex_tail = |n: usize| head.len() >= n && head[head.len() - n..].iter().all(|&b| is(b, HEX));
    let byte_from_end = |n: usize| head.len().checked_sub(n).map(|at| head[at]);
    (byte_from_end(2) == Some(b'\\') && matches!(before, b'n' | b't' | b'r' | b'b' | b'f'))
        || (byte_from_end(6) == Some(b'\\') && byte_from_end(5) == Some(b'u') && hex_tail(4))
        || (byte_from_end(4) == Some(b'\\') && byte_from_end(3) == Some(b'x') && hex_tail(2))
        || (byte_from_end(3) == Some(b'%') && hex_tail(2))
}

/// Headers longer than this many characters skip the stack pre-check and go to the full decoder.
const STACK_HEADER: usize = 1364;

/// Whether `buf[start..end]`, a chain of the right shape, is a token worth reporting.
fn is_token(buf: &[u8], start: usize, end: usize) -> bool {
    let Some(text) = buf.get(start..end).and_then(|span| std::str::from_utf8(span).ok()) else { return false };
    let mut segments = text.split('.');
    let header = segments.next().unwrap_or("");
    let jwe = text.bytes().filter(|&b| b == b'.').count() == 4;
    if !header_names_alg(header.as_bytes(), jwe) || text.split('.').any(|segment| unpadded_len(segment) % 4 == 1) {
        return false;
    }
    let Some(token) = token::decode(text) else { return false };
    if token.form == Form::Jws {
        if token.payload == Payload::Truncated {
            return false;
        }
        if token.signature_segment().is_empty()
            && !token.alg().is_some_and(|alg| alg.eq_ignore_ascii_case("none"))
            && elided(&buf[end..])
        {
            return false;
        }
    }
    true
}

/// The cheap test that rejects almost every non-token before anything is allocated: the header
/// decodes to something that opens a JSON object and names `alg` (and `enc` for a JWE).
fn header_names_alg(header: &[u8], jwe: bool) -> bool {
    if header.len() > STACK_HEADER {
        return true;
    }
    let mut decoded = [0u8; STACK_HEADER / 4 * 3 + 2];
    let Some(len) = decode_into(header, &mut decoded) else { return false };
    let json = &decoded[..len];
    json.trim_ascii_start().first() == Some(&b'{')
        && memchr::memmem::find(json, b"\"alg\"").is_some()
        && (!jwe || memchr::memmem::find(json, b"\"enc\"").is_some())
}

fn unpadded_len(segment: &str) -> usize {
    segment.trim_end_matches('=').len()
}

/// Whether what follows an empty signature marks it as left out rather than absent.
fn elided(after: &[u8]) -> bool {
    matches!(after.first(), Some(b'<' | b'[' | b'{' | b'$' | b'*' | b'.')) || after.starts_with("…".as_bytes())
}

/// Decodes base64 of either alphabet into `out`, tolerating missing padding and non-zero trailing
/// bits (as lenient JWT libraries do). `None` for a bad character or length, or too small `out`.
fn decode_into(input: &[u8], out: &mut [u8]) -> Option<usize> {
    let input = input.strip_suffix(b"==").or_else(|| input.strip_suffix(b"=")).unwrap_or(input);
    let tail = input.len() % 4;
    if tail == 1 {
        return None;
    }
    let len = input.len() / 4 * 3 + tail.saturating_sub(1);
    let out = out.get_mut(..len)?;
    let mut written = 0;
    for chunk in input.chunks(4) {
        let mut acc = 0u32;
        for &c in chunk {
            let value = VALUE[c as usize];
            if value == NOT64 {
                return None;
            }
            acc = acc << 6 | u32::from(value);
        }
        acc <<= 6 * (4 - chunk.len()) as u32;
        let bytes = acc.to_be_bytes();
        let produced = chunk.len() - 1;
        out.get_mut(written..written + produced)?.copy_from_slice(&bytes[1..1 + produced]);
        written += produced;
    }
    Some(written)
}

/// The base64-wrapped token whose wrapper starts at `start`, and where searching resumes.
fn wrapped_at(buf: &[u8], start: usize) -> (Option<Candidate>, usize) {
    let mut first_end = start;
    while buf.get(first_end).is_some_and(|&b| is(b, ANY64)) {
        first_end += 1;
    }
    first_end = skip_padding(buf, first_end, ANY64);
    if !left_boundary(buf, start, ANY64) {
        return (None, first_end);
    }
    let lines_end = wrapped_lines_end(buf, start, first_end);
    let first_line = &buf[start..first_end];
    if !wrapped_header_names_alg(first_line, lines_end > first_end) {
        return (None, lines_end);
    }
    if lines_end > first_end {
        let joined: Vec<u8> = buf[start..lines_end].iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
        if let Some(inner) = unwrap_token(&joined) {
            return (
                Some(Candidate { start, end: lines_end, inner: Some(inner), encoding: Vec::new(), registry: None }),
                lines_end,
            );
        }
    }
    match unwrap_token(first_line) {
        Some(inner) => (
            Some(Candidate { start, end: first_end, inner: Some(inner), encoding: Vec::new(), registry: None }),
            first_end,
        ),
        None => (None, lines_end),
    }
}

/// Line widths of wrapped base64: GNU `base64` (76) and OpenSSL / PEM (64).
const LINE_WIDTHS: [usize; 2] = [64, 76];

/// Where a base64 run that is wrapped over lines (`echo $jwt | base64`) ends: while the current
/// line is exactly a standard width, the next line, indented or not (a Go raw string's lines
/// start at column 0), continues it if it holds only base64 and no more than that width; the last
/// line may end in the quote closing its string. `first_end` when the run is not wrapped.
fn wrapped_lines_end(buf: &[u8], start: usize, first_end: usize) -> usize {
    let width = first_end - start;
    if !LINE_WIDTHS.contains(&width) || buf.get(first_end - 1) == Some(&b'=') {
        return first_end;
    }
    let mut end = first_end;
    loop {
        let mut at = end;
        if buf.get(at) == Some(&b'\r') {
            at += 1;
        }
        if buf.get(at) != Some(&b'\n') {
            return end;
        }
        at += 1;
        while matches!(buf.get(at), Some(b' ' | b'\t')) {
            at += 1;
        }
        let line_start = at;
        while buf.get(at).is_some_and(|&b| is(b, ANY64)) {
            at += 1;
        }
        let len = at - line_start;
        let line_end = skip_padding(buf, at, ANY64);
        // The last line may close the string it is in (a Go raw string, a quoted value).
        let closes = matches!(buf.get(line_end), Some(b'`' | b'"' | b'\''));
        if len == 0 || len > width || !(closes || matches!(buf.get(line_end), None | Some(b'\r' | b'\n'))) {
            return end;
        }
        end = line_end;
        if len < width || line_end > at || closes {
            return end;
        }
    }
}

/// The token a base64 run holds, minus trailing whitespace, if it holds exactly one.
fn unwrap_token(run: &[u8]) -> Option<String> {
    let mut decoded = vec![0u8; run.len() / 4 * 3 + 2];
    let len = decode_into(run, &mut decoded)?;
    decoded.truncate(len);
    let inner_len = decoded.trim_ascii_end().len();
    decoded.truncate(inner_len);
    match bare_at(&decoded, 0) {
        (Some(token), _) if token.end == decoded.len() => String::from_utf8(decoded).ok(),
        _ => None,
    }
}

/// The pre-check for a wrapper, on the stack: the decoded text's first segment is a header that
/// names `alg`. Wrappers whose header is not within `run` (a long header, or one continued on the
/// next lines) go on to the full decoder.
fn wrapped_header_names_alg(run: &[u8], more_lines: bool) -> bool {
    const PREFIX: usize = STACK_HEADER / 4 * 4;
    let whole = !more_lines && run.len() <= PREFIX;
    let prefix = &run[..run.len().min(PREFIX)];
    let mut decoded = [0u8; PREFIX / 4 * 3];
    let Some(len) = decode_into(prefix, &mut decoded) else { return false };
    match memchr::memchr(b'.', &decoded[..len]) {
        Some(dot) => header_names_alg(&decoded[..dot], false),
        None => !whole,
    }
}

#[cfg(test)]
mod tests;
