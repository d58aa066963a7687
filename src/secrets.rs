//! HMAC secret checks for HS256/384/512 tokens, run once after the walk over the distinct tokens:
//! `weak-secret` tries the built-in list (`rules/weak-secrets.txt`) and `--wordlist` files;
//! `secret-in-repo` tries key candidates collected from the scanned files, public keys included
//! (an HS* token that verifies under a public key is a key-confusion forgery).
//!
//! Collection happens on the hot path, so it is cheap and bounded, and it looks where keys are
//! defined: windows holding a hint (`secret`, `jwt`, `hmac`, `jose`, `signing`, in lower,
//! Capitalised or UPPER case, a PEM marker or `kty`), found in the token search's own SIMD pass,
//! and windows holding a token. Whether the tree holds HS* tokens is known only after the walk,
//! and reading files twice would cost more than keeping a few candidates. From hinted windows
//! come the lines that name a secret (`secret`, `key`, `jwt`, `token`, `hmac`, `pass`, `sign`,
//! `salt`, `auth`, `cred`): their quoted string literals of 8..=512 bytes (plus their unescaped
//! form and the literals inside an escaped JSON string) and the unquoted values of 8..=512 bytes
//! they assign (`JWT_SECRET=…`, `jwt.secret: …`); from windows holding a token, every string
//! literal, as a test defines its key beside its token; from both, PEM blocks and JWKs (see `jwk`).
//! Other literals are not kept: a large tree holds millions, and extracting them cost more than
//! the whole token scan. Only the candidates are kept, never the files, at most `STORE_BUDGET`
//! bytes of them per worker thread.
//!
//! A token found by `weak-secret` is not searched again by `secret-in-repo`: one finding per
//! token occurrence, from the more specific rule (a guessable secret stays guessable wherever it
//! is defined); when the weak secret is also defined in the tree, the finding says where.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use rayon::prelude::*;
use serde_json::Value;
use sha2::{Sha256, Sha384, Sha512};

use crate::config::Settings;
use crate::finding;
use crate::hmac_lanes::{self, Avx512, LANES_256, LANES_512, Pads256, Pads512};
use crate::literals::Literals;
use crate::rules::Hit;
use crate::scan::{Collector, Occurrence};

static WEAK_SECRETS: &[u8] = include_bytes!("../rules/weak-secrets.txt");

/// Shortest and longest string literal or value kept as a candidate: shorter strings are
/// identifiers and words (and the short guessable ones are in the weak list); longer ones are
/// text, not keys. PEM blocks and JWK forms are kept whole up to `MAX_PEM`.
pub const MIN_STRING: usize = 8;
pub const MAX_STRING: usize = 512;
const MAX_PEM: usize = 16 * 1024;
/// Memory the kept candidates may take, per worker and in all, counted with each entry's
/// bookkeeping (`ENTRY_BYTES`), not only its key bytes: 12 M short literals once held 2.4 GB
/// under a 32 MB count of key bytes. Past it candidates are dropped and counted in a warning.
pub const STORE_BUDGET: usize = 32 << 20;
pub const STORE_TOTAL: usize = 128 << 20;
/// What a kept candidate costs besides its key bytes: the map entry, the key's box and
/// allocation, and its origin.
const ENTRY_BYTES: usize = 128;
/// Bytes the `secret-in-repo` search may hash in all (about half a second on two cores): a large
/// tree holds hundreds of thousands of string literals, and checking each against each token
/// would grow with their product. Past it, each token meets only the most likely candidates.
const REPO_HASH_BUDGET: u64 = 512 << 20;
/// However many tokens share the budget, each is tried against at least this many candidates.
const REPO_MIN_CANDIDATES: usize = 20_000;
/// Wordlists are read in chunks of about this size, so a list of any length fits in memory.
const WORDLIST_CHUNK: usize = 4 << 20;

/// How a candidate key was derived from the file, named in the evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyForm {
    Literal,
    /// A string literal on a line that names a secret (`jwt.sign(payload, "…")`, `key = "…"`).
    NamedLiteral,
    Value,
    PemText,
    PemDer,
    JwkPem,
    JwkPkcs1Pem,
    JwkDer,
    JwkJson,
    OctKey,
    OctKeyText,
}

impl KeyForm {
    pub fn name(self) -> &'static str {
        match self {
            KeyForm::Literal => "string literal",
            KeyForm::NamedLiteral => "string literal beside a secret-like name",
            KeyForm::Value => "config value",
            KeyForm::PemText => "PEM text",
            KeyForm::PemDer => "PEM DER bytes",
            KeyForm::JwkPem => "JWK as PEM (SubjectPublicKeyInfo)",
            KeyForm::JwkPkcs1Pem => "JWK as PEM (PKCS#1)",
            KeyForm::JwkDer => "JWK as DER bytes",
            KeyForm::JwkJson => "JWK JSON text",
            KeyForm::OctKey => "oct JWK k (decoded)",
            KeyForm::OctKeyText => "oct JWK k (base64url text)",
        }
    }

    fn is_binary(self) -> bool {
        matches!(self, KeyForm::PemDer | KeyForm::JwkDer | KeyForm::OctKey)
    }
}

/// Where a candidate key was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyOrigin {
    pub path: Arc<str>,
    pub line: u64,
    pub form: KeyForm,
    pub public: bool,
    pub commit: Option<Arc<str>>,
}

impl KeyOrigin {
    /// Which origin a key found in several places is reported with, whatever the walk order:
    /// a public key first (a PEM text also written as a string literal is still key
    /// confusion), then the first by path and line.
    fn rank(&self) -> (bool, &str, u64, KeyForm, Option<&str>) {
        (!self.public, &self.path, self.line, self.form, self.commit.as_deref())
    }

    /// Which candidates are tried first when the check budget bites: public keys, then keys,
    /// values and string literals beside secret-like names, then any other string literal.
    fn likelihood(&self) -> (bool, bool, &str, u64) {
        (!self.public, self.form == KeyForm::Literal, &self.path, self.line)
    }
}

/// The distinct candidate keys one worker collected, bounded by `STORE_BUDGET` (and, merged, by
/// `STORE_TOTAL`); a key seen again costs nothing more.
#[derive(Default, Debug)]
pub struct KeyStore {
    keys: HashMap<Box<[u8]>, KeyOrigin>,
    bytes: usize,
    dropped: u64,
}

impl KeyStore {
    pub fn push(&mut self, key: &[u8], origin: KeyOrigin) {
        let path = Arc::clone(&origin.path);
        self.push_with(key, origin.public, &path, || origin);
    }

    /// `push` for the hot path: `origin` is built only when the key is new or may rank before
    /// the origin already kept (a public key, or an earlier path).
    pub fn push_with(&mut self, key: &[u8], public: bool, path: &str, origin: impl FnOnce() -> KeyOrigin) {
        if let Some(existing) = self.keys.get_mut(key) {
            if (!public, path) > (!existing.public, &*existing.path) {
                return;
            }
            let origin = origin();
            if origin.rank() < existing.rank() {
                *existing = origin;
            }
            return;
        }
        if self.bytes + key.len() + ENTRY_BYTES > STORE_BUDGET {
            self.dropped += 1;
            return;
        }
        self.bytes += key.len() + ENTRY_BYTES;
        self.keys.insert(key.into(), origin());
    }

    pub fn merge(&mut self, other: KeyStore) {
        self.dropped += other.dropped;
        for (key, origin) in other.keys {
            match self.keys.get_mut(&key) {
                Some(existing) if origin.rank() < existing.rank() => *existing = origin,
                Some(_) => {}
                None if self.bytes + key.len() + ENTRY_BYTES > STORE_TOTAL => self.dropped += 1,
                None => {
                    self.bytes += key.len() + ENTRY_BYTES;
                    self.keys.insert(key, origin);
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys sorted, for binary search.
    fn into_sorted(self) -> Vec<(Box<[u8]>, KeyOrigin)> {
        let mut keys: Vec<_> = self.keys.into_iter().collect();
        keys.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        keys
    }
}

/// What a window without a token must hold for its candidates to be collected (see
/// `find::find_tokens_and_hint`); JWK member names are lower case. `BEGIN ` stands for a PEM
/// marker: in the token search's pass, `-----BEGIN ` would cost a quarter of its speed, as dashes
/// are everywhere in Markdown and YAML.
pub(crate) fn hint_needles() -> Vec<String> {
    crate::literals::cased(&["secret", "jwt", "hmac", "jose", "signing"], &["BEGIN ", "kty"])
}

/// Words that make a line name a secret: its unquoted value is kept, and its string literals are
/// tried first when the check budget bites.
const SECRET_NAME_PARTS: [&str; 10] = ["secret", "key", "jwt", "token", "hmac", "pass", "sign", "salt", "auth", "cred"];

static SECRET_NAMES: LazyLock<Literals> = LazyLock::new(|| Literals::cased(&SECRET_NAME_PARTS, &[]));

/// A window of a file (`buf`, whose first byte starts line `first_line`) and what the token
/// search learnt about it; candidates are collected where they start before `limit`.
pub struct Window<'a> {
    pub buf: &'a [u8],
    pub first_line: u64,
    pub limit: usize,
    /// It holds one of `hint_needles`.
    pub hinted: bool,
    /// A token starts in it before `limit`.
    pub holds_token: bool,
}

/// Collects the key candidates of one window. Work happens only around hits of SIMD literal
/// searches (hints, names, quotes, PEM markers): a loop over every line cost more than reading
/// the file.
pub fn collect(path: &Arc<str>, commit: Option<&Arc<str>>, window: &Window, store: &mut KeyStore) {
    let Window { buf, first_line, limit, hinted, holds_token } = *window;
    if !hinted && !holds_token {
        return;
    }
    let origin = |line: u64, form: KeyForm, public: bool| KeyOrigin {
        path: Arc::clone(path),
        line,
        form,
        public,
        commit: commit.cloned(),
    };
    let named = named_lines(buf, limit);
    let mut lines = LineCounter::new(buf, first_line);
    let push_literal = |store: &mut KeyStore, lines: &mut LineCounter, open: usize, key: &[u8], form: KeyForm| {
        store.push_with(key, false, path, || origin(lines.line_of(open), form, false));
    };
    if holds_token {
        // Beside a token every literal is a candidate: a test defines its key next to its token.
        let mut values = named.iter().peekable();
        let mut current: Option<&std::ops::Range<usize>> = None;
        literals(buf, limit, true, &mut |open, key| {
            while let Some(range) = values.next_if(|range| range.start <= open) {
                push_value(store, &mut lines, buf, range, path, &origin);
                current = Some(range);
            }
            let form = if current.is_some_and(|range| range.contains(&open)) {
                KeyForm::NamedLiteral
            } else {
                KeyForm::Literal
            };
            push_literal(store, &mut lines, open, key, form);
        });
        for range in values {
            push_value(store, &mut lines, buf, range, path, &origin);
        }
    } else {
        for range in &named {
            push_value(store, &mut lines, buf, range, path, &origin);
            literals(&buf[range.clone()], range.len(), true, &mut |open, key| {
                push_literal(store, &mut lines, range.start + open, key, KeyForm::NamedLiteral);
            });
        }
    }
    let mut lines = LineCounter::new(buf, first_line);
    let mut begins = memchr::memmem::find_iter(buf, b"-----BEGIN ").peekable();
    while let Some(begin) = begins.next() {
        if begin >= limit {
            break;
        }
        // A block ends before the next one begins: searching no further keeps this linear.
        let next = begins.peek().copied().unwrap_or(buf.len());
        if let Some(block) = pem_block(&buf[begin..next]) {
            let line = lines.line_of(begin);
            for (key, form) in block.forms() {
                store.push(&key, origin(line, form, block.public));
            }
        }
    }
}

/// Keeps the unquoted value a named line assigns, if any.
fn push_value(
    store: &mut KeyStore,
    lines: &mut LineCounter,
    buf: &[u8],
    range: &std::ops::Range<usize>,
    path: &str,
    origin: &dyn Fn(u64, KeyForm, bool) -> KeyOrigin,
) {
    if let Some(value) = assigned_value(&buf[range.clone()]) {
        store.push_with(value, false, path, || origin(lines.line_of(range.start), KeyForm::Value, false));
    }
}

/// The lines of `buf` starting before `limit` that hold a secret-like name, ascending, without
/// their line break.
fn named_lines(buf: &[u8], limit: usize) -> Vec<std::ops::Range<usize>> {
    let mut named: Vec<std::ops::Range<usize>> = Vec::new();
    let mut at = 0;
    while let Some((hit, _)) = SECRET_NAMES.find(buf, at) {
        let start = memchr::memrchr(b'\n', &buf[..hit.start]).map_or(0, |i| i + 1);
        if start >= limit {
            break;
        }
        let end = memchr::memchr(b'\n', &buf[hit.end..]).map_or(buf.len(), |i| hit.end + i);
        named.push(start..end);
        at = end;
    }
    named
}

/// Counts lines up to ascending offsets.
pub(crate) struct LineCounter<'a> {
    buf: &'a [u8],
    cursor: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    pub(crate) fn new(buf: &'a [u8], first_line: u64) -> Self {
        LineCounter { buf, cursor: 0, line: first_line }
    }

    pub(crate) fn line_of(&mut self, offset: usize) -> u64 {
        let offset = offset.min(self.buf.len());
        if offset >= self.cursor {
            self.line += memchr::memchr_iter(b'\n', &self.buf[self.cursor..offset]).count() as u64;
            self.cursor = offset;
        }
        self.line
    }
}

/// Calls `keep(open, literal)` with every one-line quoted string opening before `limit` whose
/// length is in range (`open` is its opening quote's offset), then with its unescaped form when
/// that differs; with `nested`, also with the literals inside an escaped string
/// (`"{\"secret\":\"…\"}"`), at the outer literal's offset.
fn literals(text: &[u8], limit: usize, nested: bool, keep: &mut dyn FnMut(usize, &[u8])) {
    let mut i = 0;
    while let Some(offset) = memchr::memchr3(b'"', b'\'', b'`', &text[i.min(limit)..limit]) {
        let open = i + offset;
        let Some(close) = closing_quote(text, open) else {
            i = open + 1;
            continue;
        };
        let content = &text[open + 1..close];
        if (MIN_STRING..=MAX_STRING).contains(&content.len()) {
            keep(open, content);
        }
        if memchr::memchr(b'\\', content).is_some() {
            let unescaped = unescape(content);
            if (MIN_STRING..=MAX_STRING).contains(&unescaped.len()) {
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
/// quotes; bounded so a line full of unmatched quotes stays linear.
fn closing_quote(text: &[u8], open: usize) -> Option<usize> {
    let quote = text[open];
    let bound = text.len().min(open + 2 * MAX_STRING + 3);
    let mut j = open + 1;
    while j < bound {
        let at = j + memchr::memchr3(quote, b'\\', b'\n', &text[j..bound])?;
        match text[at] {
            b'\n' => return None,
            b'\\' if text.get(at + 1) == Some(&b'\n') => return None,
            b'\\' => j = at + 2,
            _ => return Some(at),
        }
    }
    None
}

/// Undoes the backslash escapes common to JSON, JavaScript, Python and shell strings.
fn unescape(text: &[u8]) -> Vec<u8> {
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

/// The unquoted value of `NAME=value` / `NAME: value` (env, properties, YAML, TOML) when NAME
/// looks like it names a secret; quoted values are left to `literals`.
fn assigned_value(line: &[u8]) -> Option<&[u8]> {
    let line = line.trim_ascii();
    let line = line.strip_prefix(b"export ").unwrap_or(line);
    let line = line.strip_prefix(b"- ").unwrap_or(line).trim_ascii_start();
    let name_len = line.iter().position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')))?;
    if name_len == 0 {
        return None;
    }
    // Most lines assign nothing: check the `=`/`:` before looking at the name.
    let rest = line[name_len..].trim_ascii_start();
    let rest = match rest.first() {
        Some(b'=' | b':') if rest.get(1) != Some(&b'=') => &rest[1..],
        _ => return None,
    };
    let name = &line[..name_len];
    let names_a_secret = SECRET_NAME_PARTS.iter().any(|part| {
        name.len() >= part.len() && name.windows(part.len()).any(|window| window.eq_ignore_ascii_case(part.as_bytes()))
    });
    if !names_a_secret {
        return None;
    }
    let mut value = rest.trim_ascii();
    if let Some(comment) = memchr::memmem::find(value, b" #") {
        value = value[..comment].trim_ascii_end();
    }
    let value = value.strip_suffix(b";").or_else(|| value.strip_suffix(b",")).unwrap_or(value);
    match value.first() {
        None | Some(b'"' | b'\'' | b'`' | b'{' | b'[' | b'|' | b'>' | b'&' | b'*' | b'!') => None,
        _ if (MIN_STRING..=MAX_STRING).contains(&value.len()) => Some(value),
        _ => None,
    }
}

/// A PEM block found in a file, normalised the way a library sees it after reading a PEM file.
struct PemBlock {
    /// Lines trimmed, escaped `\n` undone, joined by `\n`, without a final newline.
    text: Vec<u8>,
    /// The block as it appears in the file, when that differs (CRLF, indentation), and the line
    /// break after it in the file: a library reading a CRLF PEM file gets that text.
    raw: Option<(Vec<u8>, &'static [u8])>,
    der: Option<Vec<u8>>,
    public: bool,
}

impl PemBlock {
    fn forms(&self) -> Vec<(Vec<u8>, KeyForm)> {
        let mut forms = Vec::with_capacity(6);
        let mut with_newline = self.text.clone();
        with_newline.push(b'\n');
        forms.push((self.text.clone(), KeyForm::PemText));
        forms.push((with_newline, KeyForm::PemText));
        if let Some((raw, line_break)) = &self.raw {
            forms.push((raw.clone(), KeyForm::PemText));
            forms.push(([raw.as_slice(), line_break].concat(), KeyForm::PemText));
        }
        if let Some(der) = &self.der {
            forms.push((der.clone(), KeyForm::PemDer));
        }
        forms
    }
}

/// Parses the PEM block starting at `text[0]` (`-----BEGIN `).
fn pem_block(text: &[u8]) -> Option<PemBlock> {
    let text = &text[..text.len().min(MAX_PEM)];
    let label_start = b"-----BEGIN ".len();
    let label_len = memchr::memmem::find(&text[label_start..], b"-----")?;
    let label = &text[label_start..label_start + label_len];
    if label.is_empty() || label.len() > 64 || !label.iter().all(|&b| b.is_ascii_uppercase() || b == b' ' || b == b'#')
    {
        return None;
    }
    let end_marker = [b"-----END ".as_slice(), label, b"-----"].concat();
    let end = memchr::memmem::find(text, &end_marker)? + end_marker.len();
    let raw = &text[..end];
    let unescaped;
    let source = if memchr::memmem::find(raw, b"\\n").is_some() {
        unescaped = unescape(raw);
        &unescaped[..]
    } else {
        raw
    };
    let lines: Vec<&[u8]> =
        source.split(|&b| b == b'\n').map(<[u8]>::trim_ascii).filter(|line| !line.is_empty()).collect();
    let normalised = lines.join(&b'\n');
    let body: Vec<u8> = lines
        .iter()
        .skip(1)
        .take(lines.len().saturating_sub(2))
        .filter(|line| memchr::memchr(b':', line).is_none())
        .flat_map(|line| line.iter().copied())
        .collect();
    let der = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.decode(&body).ok()
    };
    let label = String::from_utf8_lossy(label);
    Some(PemBlock {
        raw: (raw != normalised.as_slice()).then(|| {
            let line_break: &'static [u8] = if text[end..].starts_with(b"\r\n") { b"\r\n" } else { b"\n" };
            (raw.to_vec(), line_break)
        }),
        text: normalised,
        der,
        public: label.contains("PUBLIC KEY") || label.contains("CERTIFICATE"),
    })
}

/// Where a checked candidate came from.
#[derive(Clone, Debug)]
enum Source {
    BuiltIn,
    Wordlist(PathBuf),
    Repo(KeyOrigin),
}

#[derive(Debug)]
struct Match {
    index: u64,
    secret: Vec<u8>,
    source: Source,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HashAlg {
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlg {
    fn name(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "HS256",
            HashAlg::Sha384 => "HS384",
            HashAlg::Sha512 => "HS512",
        }
    }

    fn from_jws(alg: &str) -> Option<HashAlg> {
        match alg {
            "HS256" => Some(HashAlg::Sha256),
            "HS384" => Some(HashAlg::Sha384),
            "HS512" => Some(HashAlg::Sha512),
            _ => None,
        }
    }

    /// RFC 7518 §3.2: a key of the same size as the hash output or larger.
    fn output_len(self) -> usize {
        match self {
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }
}

/// One distinct HS* token: its padded signing input and signature, and the occurrences it
/// stands for.
#[derive(Debug)]
pub struct Target {
    alg: HashAlg,
    blocks: FastTarget,
    /// Index of the earliest candidate that verified it (`u64::MAX`: none yet).
    best: AtomicU64,
    /// Candidates from this index on are not tried: the token's share of the byte budget.
    limit: u64,
    /// Bytes one check of this token hashes (`budget::check_bytes`).
    check_bytes: u64,
    signing_input_bytes: usize,
    occurrences: Vec<usize>,
}

impl Target {
    /// `None` unless `compact` is an HS256/384/512 JWS whose signature has the hash's length.
    pub fn new(compact: &str) -> Option<Target> {
        let token = crate::token::decode(compact)?;
        let alg = HashAlg::from_jws(token.alg()?)?;
        if token.signature.len() != alg.output_len() {
            return None;
        }
        let input = token.signing_input();
        let block = if alg == HashAlg::Sha256 { 64 } else { 128 };
        Some(Target {
            alg,
            blocks: FastTarget::new(alg, input.as_bytes(), &token.signature),
            best: AtomicU64::new(u64::MAX),
            limit: u64::MAX,
            check_bytes: crate::budget::check_bytes(input.len(), block),
            signing_input_bytes: input.len(),
            occurrences: Vec::new(),
        })
    }

    /// Candidates from this index on are skipped: after its earliest match, or past its budget.
    fn stop(&self) -> u64 {
        self.best.load(Ordering::Relaxed).min(self.limit)
    }
}

/// A candidate's HMAC pad states for each hash, computed on first use and reused for every token.
#[derive(Default)]
struct Keyed {
    sha256: Option<Sha256Keyed>,
    sha384: Option<Sha512Keyed>,
    sha512: Option<Sha512Keyed>,
}

impl Keyed {
    fn verifies(&mut self, key: &[u8], target: &Target) -> bool {
        match &target.blocks {
            FastTarget::Sha256(blocks) => self.sha256.get_or_insert_with(|| Sha256Keyed::new(key)).verifies(blocks),
            FastTarget::Sha512(blocks) => {
                let slot = if target.alg == HashAlg::Sha384 { &mut self.sha384 } else { &mut self.sha512 };
                slot.get_or_insert_with(|| Sha512Keyed::new(key, target.alg)).verifies(blocks)
            }
        }
    }
}

// A batch is one SHA-256 vector of keys and two SHA-512 ones.
const _: () = assert!(LANES_256 == 2 * LANES_512);

/// Pad states of a batch of up to `2 * lanes512` candidates, one per SIMD lane, computed per hash
/// on first use and reused for every token of that hash.
struct LaneBatch<'a, K> {
    lanes: hmac_lanes::Lanes,
    keys: &'a [K],
    sha256: Option<Pads256>,
    /// Where SHA-256 is faster one key at a time.
    sha256_keyed: Option<Vec<Sha256Keyed>>,
    /// One entry per `lanes512` keys.
    sha384: [Option<Pads512>; 2],
    sha512: [Option<Pads512>; 2],
}

impl<'a, K: AsRef<[u8]>> LaneBatch<'a, K> {
    fn new(lanes: hmac_lanes::Lanes, keys: &'a [K]) -> Self {
        LaneBatch {
            lanes,
            keys: &keys[..keys.len().min(2 * lanes.lanes512())],
            sha256: None,
            sha256_keyed: None,
            sha384: [None, None],
            sha512: [None, None],
        }
    }

    /// A bit per key, the first key lowest, that verifies `target`; keys from `skip_from` on may
    /// be left unchecked.
    fn verifies(&mut self, target: &Target, skip_from: usize) -> u32 {
        let (lanes, keys) = (self.lanes, self.keys);
        let mask = match &target.blocks {
            FastTarget::Sha256(blocks) if !lanes.sha256() => {
                let keyed = self
                    .sha256_keyed
                    .get_or_insert_with(|| keys.iter().map(|key| Sha256Keyed::new(key.as_ref())).collect());
                let verified = keyed.iter().take(skip_from).enumerate().filter(|(_, keyed)| keyed.verifies(blocks));
                verified.fold(0, |mask, (j, _)| mask | 1 << j)
            }
            FastTarget::Sha256(blocks) => {
                let pads = self.sha256.get_or_insert_with(|| {
                    let mut key_blocks = [[0u8; 64]; LANES_256];
                    for (block, key) in key_blocks.iter_mut().zip(keys) {
                        *block = key_block256(key.as_ref());
                    }
                    lanes.pads256(&key_blocks, &SHA256_IV)
                });
                u32::from(lanes.verify256(pads, &blocks.schedules, &blocks.expected))
            }
            FastTarget::Sha512(blocks) => {
                let alg = target.alg;
                let (slots, iv) =
                    if alg == HashAlg::Sha384 { (&mut self.sha384, SHA384_IV) } else { (&mut self.sha512, SHA512_IV) };
                let width = lanes.lanes512();
                let mut mask = 0u32;
                for (g, (slot, group)) in slots.iter_mut().zip(keys.chunks(width)).enumerate() {
                    if g * width >= skip_from {
                        break;
                    }
                    let pads = slot.get_or_insert_with(|| {
                        let mut key_blocks = [[0u8; 128]; LANES_512];
                        for (block, key) in key_blocks.iter_mut().zip(group) {
                            *block = key_block512(key.as_ref(), alg);
                        }
                        lanes.pads512(&key_blocks, &iv)
                    });
                    mask |= u32::from(lanes.verify512(pads, &blocks.schedules, &blocks.expected_words)) << (g * width);
                }
                mask
            }
        };
        // Lanes past the last key hold padding keys.
        mask & ((1u32 << keys.len()) - 1)
    }
}

// HMAC checks are the whole cost of the pass, so they skip the `Mac` buffering: the signing
// input is padded into blocks once per token, each candidate's pad states once per candidate, and
// a check is just the compression calls. With AVX-512F they run 16 or 8 candidates at a time, with
// AVX2 4 for HS384/512 and 8 for HS256 where the CPU lacks SHA-NI (`LaneBatch`, `hmac_lanes`);
// otherwise one at a time (`Keyed`, `Sha256Keyed`).

type Block256 = sha2::digest::generic_array::GenericArray<u8, sha2::digest::consts::U64>;
type Block512 = sha2::digest::generic_array::GenericArray<u8, sha2::digest::consts::U128>;

const SHA256_IV: [u32; 8] =
    [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
const SHA384_IV: [u64; 8] = [
    0xcbbb9d5dc1059ed8,
    0x629a292a367cd507,
    0x9159015a3070dd17,
    0x152fecd8f70e5939,
    0x67332667ffc00b31,
    0x8eb44a8768581511,
    0xdb0c2e0d64f98fa7,
    0x47b5481dbefa4fa4,
];
const SHA512_IV: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

/// MD-style padding of `input` as the tail of a message that starts with one `block`-byte key
/// block; the length field is `length_bytes` wide.
fn padded_after_key_block(input: &[u8], block: usize, length_bytes: usize) -> Vec<u8> {
    let bit_len = ((block + input.len()) as u128) * 8;
    let mut padded = input.to_vec();
    padded.push(0x80);
    while padded.len() % block != block - length_bytes {
        padded.push(0);
    }
    padded.extend_from_slice(&bit_len.to_be_bytes()[16 - length_bytes..]);
    padded
}

#[derive(Debug)]
enum FastTarget {
    Sha256(Sha256Target),
    /// HS384 and HS512 (SHA-384 is SHA-512 with another IV, cut to 48 bytes).
    Sha512(Sha512Target),
}

impl FastTarget {
    fn new(alg: HashAlg, input: &[u8], signature: &[u8]) -> Self {
        match alg {
            HashAlg::Sha256 => {
                let padded = padded_after_key_block(input, 64, 8);
                let mut expected = [0u32; 8];
                for (word, bytes) in expected.iter_mut().zip(signature.chunks_exact(4)) {
                    *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
                }
                FastTarget::Sha256(Sha256Target {
                    inner_blocks: padded.chunks_exact(64).map(Block256::clone_from_slice).collect(),
                    schedules: padded.chunks_exact(64).map(hmac_lanes::schedule256).collect(),
                    expected,
                })
            }
            HashAlg::Sha384 | HashAlg::Sha512 => {
                let padded = padded_after_key_block(input, 128, 16);
                FastTarget::Sha512(Sha512Target {
                    inner_blocks: padded.chunks_exact(128).map(Block512::clone_from_slice).collect(),
                    schedules: padded.chunks_exact(128).map(hmac_lanes::schedule512).collect(),
                    expected: signature.into(),
                    expected_words: signature
                        .chunks_exact(8)
                        .map(|bytes| u64::from_be_bytes(bytes.try_into().unwrap_or([0; 8])))
                        .collect(),
                })
            }
        }
    }
}

#[derive(Debug)]
struct Sha256Target {
    inner_blocks: Vec<Block256>,
    /// Each inner block's `W[t] + K[t]`, for the SIMD lanes.
    schedules: Vec<[u32; 64]>,
    expected: [u32; 8],
}

/// The HMAC key block: the key zero-padded, or its digest if longer than the block.
fn key_block256(key: &[u8]) -> [u8; 64] {
    use sha2::Digest as _;
    let mut key_block = [0u8; 64];
    if key.len() > 64 {
        key_block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        key_block[..key.len()].copy_from_slice(key);
    }
    key_block
}

fn key_block512(key: &[u8], alg: HashAlg) -> [u8; 128] {
    use sha2::Digest as _;
    let mut key_block = [0u8; 128];
    if key.len() > 128 {
        if alg == HashAlg::Sha384 {
            key_block[..48].copy_from_slice(&Sha384::digest(key));
        } else {
            key_block[..64].copy_from_slice(&Sha512::digest(key));
        }
    } else {
        key_block[..key.len()].copy_from_slice(key);
    }
    key_block
}

struct Sha256Keyed {
    inner: [u32; 8],
    outer: [u32; 8],
}

impl Sha256Keyed {
    fn new(key: &[u8]) -> Self {
        let key_block = key_block256(key);
        let pad_state = |pad: u8| {
            let mut state = SHA256_IV;
            sha2::compress256(&mut state, &[Block256::from(key_block.map(|b| b ^ pad))]);
            state
        };
        Sha256Keyed { inner: pad_state(0x36), outer: pad_state(0x5c) }
    }

    fn verifies(&self, target: &Sha256Target) -> bool {
        let mut inner = self.inner;
        sha2::compress256(&mut inner, &target.inner_blocks);
        // The outer hash covers the 64-byte key block, then the 32-byte inner digest.
        let mut block = [0u8; 64];
        for (bytes, word) in block.chunks_exact_mut(4).zip(inner) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        block[32] = 0x80;
        block[56..].copy_from_slice(&((64u64 + 32) * 8).to_be_bytes());
        let mut outer = self.outer;
        sha2::compress256(&mut outer, &[Block256::from(block)]);
        outer == target.expected
    }
}

#[derive(Debug)]
struct Sha512Target {
    inner_blocks: Vec<Block512>,
    schedules: Vec<[u64; 80]>,
    /// The signature: 48 bytes for HS384, 64 for HS512.
    expected: Box<[u8]>,
    /// The signature as big-endian words, for the SIMD lanes.
    expected_words: Box<[u64]>,
}

struct Sha512Keyed {
    inner: [u64; 8],
    outer: [u64; 8],
}

impl Sha512Keyed {
    fn new(key: &[u8], alg: HashAlg) -> Self {
        let key_block = key_block512(key, alg);
        let iv = if alg == HashAlg::Sha384 { SHA384_IV } else { SHA512_IV };
        let pad_state = |pad: u8| {
            let mut state = iv;
            sha2::compress512(&mut state, &[Block512::from(key_block.map(|b| b ^ pad))]);
            state
        };
        Sha512Keyed { inner: pad_state(0x36), outer: pad_state(0x5c) }
    }

    fn verifies(&self, target: &Sha512Target) -> bool {
        let digest_len = target.expected.len();
        let mut inner = self.inner;
        sha2::compress512(&mut inner, &target.inner_blocks);
        // The outer hash covers the 128-byte key block, then the inner digest (cut for SHA-384).
        let mut block = [0u8; 128];
        for (bytes, word) in block.chunks_exact_mut(8).zip(inner) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        block[digest_len..].fill(0);
        block[digest_len] = 0x80;
        block[112..].copy_from_slice(&((128u128 + digest_len as u128) * 8).to_be_bytes());
        let mut outer = self.outer;
        sha2::compress512(&mut outer, &[Block512::from(block)]);
        let mut produced = [0u8; 64];
        for (bytes, word) in produced.chunks_exact_mut(8).zip(outer) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        produced[..digest_len] == *target.expected
    }
}

/// Indices of at most `limit` repository keys, the likeliest first (see `KeyOrigin::likelihood`).
fn likely_first(repo_keys: &[(Box<[u8]>, KeyOrigin)], limit: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..repo_keys.len()).collect();
    order.sort_by(|&a, &b| repo_keys[a].1.likelihood().cmp(&repo_keys[b].1.likelihood()));
    order.truncate(limit);
    order
}

/// How the HMAC checks run: one candidate at a time, or one per SIMD lane. `search` takes the
/// first of `available`, except that on `Avx2` it checks HS256 one candidate at a time where the
/// CPU has SHA-NI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Scalar,
    Avx2,
    Avx512,
}

impl Engine {
    /// The engines this CPU can run, fastest first.
    pub fn available() -> Vec<Engine> {
        [Engine::Avx512, Engine::Avx2, Engine::Scalar]
            .into_iter()
            .filter(|&engine| engine == Engine::Scalar || engine.lanes().is_some())
            .collect()
    }

    /// `None` for the scalar path and for an engine the CPU lacks.
    fn lanes(self) -> Option<hmac_lanes::Lanes> {
        match self {
            Engine::Scalar => None,
            Engine::Avx2 => hmac_lanes::Avx2::detect().map(|avx2| hmac_lanes::Lanes::Avx2(avx2.with_sha256_lanes())),
            Engine::Avx512 => Avx512::detect().map(hmac_lanes::Lanes::Avx512),
        }
    }
}

/// Checks every candidate against every target no earlier candidate verified; candidate `i`
/// has global index `base + i`, and `found(target, i)` is called for each verification that
/// may be the earliest. Deterministic whatever the thread count: a target skips only the
/// candidates after its earliest match so far.
pub fn search<K: AsRef<[u8]> + Sync>(
    targets: &[Target],
    candidates: &[K],
    base: u64,
    found: &(dyn Fn(usize, usize) + Sync),
) {
    search_with(hmac_lanes::Lanes::detect(), targets, candidates, base, found);
}

/// `search` on `engine`, or on the scalar path if the CPU lacks it: for comparing engines.
pub fn search_on<K: AsRef<[u8]> + Sync>(
    engine: Engine,
    targets: &[Target],
    candidates: &[K],
    base: u64,
    found: &(dyn Fn(usize, usize) + Sync),
) {
    search_with(engine.lanes(), targets, candidates, base, found);
}

/// `search` with SIMD lanes where `lanes` is given, else one candidate at a time.
fn search_with<K: AsRef<[u8]> + Sync>(
    lanes: Option<hmac_lanes::Lanes>,
    targets: &[Target],
    candidates: &[K],
    base: u64,
    found: &(dyn Fn(usize, usize) + Sync),
) {
    // The scalar path keeps the batch size of the widest lanes so its parallel split is unchanged.
    let batch = lanes.map_or(LANES_256, |lanes| 2 * lanes.lanes512());
    candidates.par_chunks(batch).enumerate().with_min_len(16).for_each(|(c, chunk)| {
        let first = c * batch;
        let Some(lanes) = lanes else {
            for (j, key) in chunk.iter().enumerate() {
                let index = base + (first + j) as u64;
                let mut keyed = Keyed::default();
                for (t, target) in targets.iter().enumerate() {
                    if target.stop() <= index {
                        continue;
                    }
                    if keyed.verifies(key.as_ref(), target) {
                        target.best.fetch_min(index, Ordering::Relaxed);
                        found(t, first + j);
                    }
                }
            }
            return;
        };
        let mut batch = LaneBatch::new(lanes, chunk);
        let first_index = base + first as u64;
        for (t, target) in targets.iter().enumerate() {
            // Keys from `skip_from` on come after the target's earliest match so far.
            let skip_from = target.stop().saturating_sub(first_index).min(chunk.len() as u64);
            if skip_from == 0 {
                continue;
            }
            let mut mask = batch.verifies(target, skip_from as usize);
            while mask != 0 {
                let j = mask.trailing_zeros() as usize;
                mask &= mask - 1;
                let index = first_index + j as u64;
                if target.stop() <= index {
                    break;
                }
                target.best.fetch_min(index, Ordering::Relaxed);
                found(t, first + j);
            }
        }
    });
}

/// The built-in list, one secret a line; the first line is the empty secret.
pub fn weak_secrets() -> &'static [&'static [u8]] {
    static LIST: LazyLock<Vec<&'static [u8]>> = LazyLock::new(|| {
        let text = WEAK_SECRETS.strip_suffix(b"\n").unwrap_or(WEAK_SECRETS);
        text.split(|&b| b == b'\n').collect()
    });
    &LIST
}

/// A missing or unreadable wordlist is a usage error, found before the walk starts.
pub fn check_wordlists(paths: &[PathBuf]) -> anyhow::Result<()> {
    for path in paths {
        let metadata = std::fs::File::open(path)
            .and_then(|file| file.metadata())
            .map_err(|err| anyhow::anyhow!("cannot read wordlist {}: {err}", path.display()))?;
        if !metadata.is_file() {
            anyhow::bail!("wordlist {} is not a file", path.display());
        }
    }
    Ok(())
}

/// The cross-file pass: verifies every distinct HS* token against the weak list, the wordlists
/// and the collected keys, and adds a finding for every occurrence of each verified token. Each
/// token meets candidates within its share of the byte budget; a token whose share ends before
/// the weak list and wordlists do is reported as `weak-secret` with an `unknown` result.
pub fn pass(collector: &mut Collector, settings: &Settings) {
    let keys = std::mem::take(&mut collector.keys);
    if keys.dropped > 0 {
        collector.warnings.push(format!(
            "secret-in-repo: {} key candidates not kept (over {} MiB of candidates, bookkeeping included)",
            keys.dropped,
            STORE_TOTAL >> 20
        ));
    }
    let weak_on = settings.rule_enabled("weak-secret");
    let repo_on = settings.rule_enabled("secret-in-repo");
    if collector.hmac_tokens.is_empty() || !(weak_on || repo_on) {
        return;
    }
    let mut targets = distinct_targets(&collector.hmac_tokens, settings);
    if targets.is_empty() {
        return;
    }
    let share = settings.hash_budget.token_share(targets.len());
    for target in &mut targets {
        target.limit = crate::budget::HashBudget::candidates(share, target.check_bytes);
    }
    let matches: Mutex<Vec<Option<Match>>> = Mutex::new((0..targets.len()).map(|_| None).collect());
    let record = |target: usize, index: u64, secret: &[u8], source: Source| {
        let mut matches = matches.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(slot) = matches.get_mut(target)
            && slot.as_ref().is_none_or(|found| index < found.index)
        {
            *slot = Some(Match { index, secret: secret.to_vec(), source });
        }
    };
    let repo_keys = if repo_on { keys.into_sorted() } else { Vec::new() };
    let (wordlists, repeated) = distinct_wordlists(&settings.wordlists);
    for (path, times) in repeated {
        collector.warnings.push(format!("wordlist {} is listed {times} times: read once", path.display()));
    }
    let run = || {
        let mut unreadable = Vec::new();
        let mut notes = Vec::new();
        let mut base = 0u64;
        if weak_on {
            let list = weak_secrets();
            search(&targets, list, base, &|t, i| record(t, base + i as u64, list[i], Source::BuiltIn));
            base += list.len() as u64;
            let mut seen = SeenLines::default();
            for path in &wordlists {
                if let Err(err) = stream_wordlist(path, &mut |lines| {
                    if targets.iter().all(|target| target.stop() <= base) {
                        return false;
                    }
                    let lines = seen.new_lines(lines);
                    search(&targets, &lines, base, &|t, i| {
                        record(t, base + i as u64, lines[i], Source::Wordlist(path.clone()))
                    });
                    base += lines.len() as u64;
                    true
                }) {
                    unreadable.push((path.display().to_string(), format!("cannot read wordlist: {err}")));
                }
            }
            if seen.repeats > 0 {
                notes.push(format!("wordlists: {} repeated lines tried once", seen.repeats));
            }
        }
        let weak_end = base;
        if repo_on && !repo_keys.is_empty() {
            // One check of each unsolved token per candidate: the run's repository budget in bytes
            // says how many candidates they all meet.
            let per_candidate: u64 =
                targets.iter().filter(|target| target.stop() > base).map(|target| target.check_bytes).sum();
            let per_token =
                ((REPO_HASH_BUDGET / per_candidate.max(1)) as usize).max(REPO_MIN_CANDIDATES).min(repo_keys.len());
            let order = likely_first(&repo_keys, per_token);
            if order.len() < repo_keys.len() {
                notes.push(format!(
                    "secret-in-repo: {} HS tokens and {} candidate keys are over the check budget; each token was \
                     tried against the {per_token} most likely (public keys and secret-named values first)",
                    targets.len(),
                    repo_keys.len()
                ));
            }
            let keys: Vec<&[u8]> = order.iter().map(|&index| &repo_keys[index].0[..]).collect();
            search(&targets, &keys, base, &|t, i| {
                if let Some((key, origin)) = order.get(i).and_then(|&index| repo_keys.get(index)) {
                    record(t, base + i as u64, key, Source::Repo(origin.clone()))
                }
            });
        }
        (unreadable, notes, weak_end)
    };
    let (unreadable, notes, weak_end) = match rayon::ThreadPoolBuilder::new().num_threads(settings.threads).build() {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    };
    for (path, reason) in unreadable {
        collector.error(&path, &reason);
    }
    collector.warnings.extend(notes);
    let matches = matches.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut unknown = 0;
    for (target, found) in targets.iter().zip(matches) {
        let hit = match found {
            Some(found) => hit_for(target, &found, &repo_keys, settings),
            None if weak_on && target.limit < weak_end => {
                unknown += 1;
                unknown_hit(target, share)
            }
            None => continue,
        };
        if !settings.rule_enabled(hit.rule) {
            continue;
        }
        for &occurrence in &target.occurrences {
            if let Some(occurrence) = collector.hmac_tokens.get(occurrence) {
                collector.findings.push(occurrence.finding(settings, hit.clone()));
            }
        }
    }
    if unknown > 0 {
        collector.warnings.push(format!(
            "weak-secret: {unknown} HS tokens have signing inputs too large to try every candidate within the \
             budget of {} MiB hashed per token: reported as weak-secret with result `unknown`",
            share >> 20
        ));
    }
}

/// The finding for a token whose budget ran out before the weak list and wordlists did: not
/// known to be safe, so not silent, but below the severities that a found secret carries.
fn unknown_hit(target: &Target, share: u64) -> Hit {
    Hit::new(
        "weak-secret",
        format!(
            "{} token's signing input ({} bytes) is too large to try every guessable secret within the budget",
            target.alg.name(),
            target.signing_input_bytes
        ),
    )
    .with_severity(crate::severity::Severity::Low)
    .with("result", "unknown")
    .with("candidates_tried", target.limit)
    .with("signing_input_bytes", target.signing_input_bytes)
    .with("budget_bytes", share)
}

/// The wordlists to read, each once however often and however spelled it is listed, and those
/// listed more than once with their count.
fn distinct_wordlists(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, usize)>) {
    let mut seen: HashMap<PathBuf, usize> = HashMap::new();
    let mut distinct = Vec::new();
    for path in paths {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| crate::config::normalize(path));
        let count = seen.entry(key).or_insert(0);
        if *count == 0 {
            distinct.push(path.clone());
        }
        *count += 1;
    }
    let mut repeated: Vec<(PathBuf, usize)> = distinct
        .iter()
        .filter_map(|path| {
            let key = std::fs::canonicalize(path).unwrap_or_else(|_| crate::config::normalize(path));
            seen.get(&key).filter(|&&count| count > 1).map(|&count| (path.clone(), count))
        })
        .collect();
    repeated.sort();
    (distinct, repeated)
}

/// Wordlist lines already tried, by a 64-bit keyed hash (random keys: a crafted line cannot
/// collide with another on purpose), up to `MAX_SEEN_LINES`: past that, repeats cost time but no
/// memory (the byte budget still bounds the time).
#[derive(Default)]
struct SeenLines {
    hashes: std::collections::HashSet<u64>,
    keys: std::collections::hash_map::RandomState,
    repeats: u64,
}

const MAX_SEEN_LINES: usize = 4_000_000;

impl SeenLines {
    fn new_lines<'l>(&mut self, lines: &[&'l [u8]]) -> Vec<&'l [u8]> {
        use std::hash::BuildHasher as _;
        let mut fresh = Vec::with_capacity(lines.len());
        for &line in lines {
            let hash = self.keys.hash_one(line);
            if self.hashes.contains(&hash) {
                self.repeats += 1;
                continue;
            }
            if self.hashes.len() < MAX_SEEN_LINES {
                self.hashes.insert(hash);
            }
            fresh.push(line);
        }
        fresh
    }
}

/// One target per distinct token text, each listing the occurrences it stands for.
/// One target per distinct HS* token; allowlisted tokens are never reported, so never searched.
fn distinct_targets(occurrences: &[Occurrence], settings: &Settings) -> Vec<Target> {
    let mut by_hash: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut targets: Vec<Target> = Vec::new();
    let mut unusable: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for (index, occurrence) in occurrences.iter().enumerate() {
        if unusable.contains(occurrence.sha256.as_str()) || settings.allowlist_tokens.contains(&occurrence.sha256) {
            continue;
        }
        if let Some(&target) = by_hash.get(occurrence.sha256.as_str()) {
            targets[target].occurrences.push(index);
            continue;
        }
        match Target::new(&occurrence.compact) {
            Some(mut target) => {
                target.occurrences.push(index);
                by_hash.insert(&occurrence.sha256, targets.len());
                targets.push(target);
            }
            None => {
                unusable.insert(&occurrence.sha256);
            }
        }
    }
    targets
}

fn hit_for(target: &Target, found: &Match, repo_keys: &[(Box<[u8]>, KeyOrigin)], settings: &Settings) -> Hit {
    let alg = match target.alg {
        HashAlg::Sha256 => "HS256",
        HashAlg::Sha384 => "HS384",
        HashAlg::Sha512 => "HS512",
    };
    let key_bytes = found.secret.len();
    let min_key_bytes = target.alg.output_len();
    match &found.source {
        Source::BuiltIn | Source::Wordlist(_) => {
            let text = String::from_utf8_lossy(&found.secret);
            let shown = if settings.show_secrets { text.to_string() } else { finding::mask_secret(&text) };
            let mut hit = Hit::new("weak-secret", format!("{alg} token is signed with a guessable secret"))
                .with("secret", shown)
                .with("key_bytes", key_bytes)
                .with("min_key_bytes", min_key_bytes);
            hit = match &found.source {
                Source::Wordlist(path) => hit.with("source", "wordlist").with("wordlist", path.display().to_string()),
                _ => hit.with("source", "built-in"),
            };
            let defined = repo_keys
                .binary_search_by(|(key, _)| key[..].cmp(&found.secret[..]))
                .ok()
                .and_then(|i| repo_keys.get(i));
            if let Some((_, origin)) = defined {
                hit = hit.with("secret_path", origin.path.to_string()).with("secret_line", origin.line);
            }
            hit
        }
        Source::Repo(origin) => {
            let message = if origin.public {
                format!(
                    "{alg} token verifies under the public key at {}:{}: a key-confusion forgery",
                    origin.path, origin.line
                )
            } else {
                format!("{alg} token is signed with a secret committed at {}:{}", origin.path, origin.line)
            };
            let mut hit = Hit::new("secret-in-repo", message)
                .with("secret_path", origin.path.to_string())
                .with("secret_line", origin.line)
                .with("public_key", origin.public)
                .with("key_form", origin.form.name())
                .with("key_bytes", key_bytes)
                .with("min_key_bytes", min_key_bytes);
            if let Some(commit) = &origin.commit {
                hit = hit.with("secret_commit", commit.to_string());
            }
            if settings.show_secrets {
                hit = hit.with("secret", shown_in_full(&found.secret, origin.form));
            }
            hit
        }
    }
}

fn shown_in_full(secret: &[u8], form: KeyForm) -> Value {
    if form.is_binary() || std::str::from_utf8(secret).is_err() {
        Value::String(format!("hex:{}", finding::hex(secret)))
    } else {
        Value::String(String::from_utf8_lossy(secret).into_owned())
    }
}

/// Feeds the non-empty lines of a wordlist to `each`, `WORDLIST_CHUNK` bytes at a time (CR
/// stripped); stops early when `each` returns false. A line longer than a chunk is skipped.
fn stream_wordlist(path: &Path, each: &mut dyn FnMut(&[&[u8]]) -> bool) -> std::io::Result<()> {
    let mut file = std::fs::File::open(path)?;
    let mut buf: Vec<u8> = Vec::with_capacity(WORDLIST_CHUNK);
    let mut skipping_long_line = false;
    loop {
        let filled = buf.len();
        let read = (&mut file).take((WORDLIST_CHUNK - filled) as u64).read_to_end(&mut buf)?;
        let at_end = read == 0 || buf.len() < WORDLIST_CHUNK;
        let complete = if at_end { buf.len() } else { memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1) };
        if complete == 0 && !at_end {
            // No line break in a whole chunk: drop it and the rest of that line.
            buf.clear();
            skipping_long_line = true;
            continue;
        }
        let mut lines: Vec<&[u8]> = buf[..complete]
            .split(|&b| b == b'\n')
            .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
            .filter(|line| !line.is_empty())
            .collect();
        if skipping_long_line && !lines.is_empty() {
            lines.remove(0);
        }
        skipping_long_line = false;
        if !lines.is_empty() && !each(&lines) {
            return Ok(());
        }
        if at_end {
            return Ok(());
        }
        buf.drain(..complete);
    }
}

#[cfg(test)]
mod tests {
    use hmac::digest::KeyInit;
    use hmac::{Hmac, Mac};

    use super::*;

    fn window(text: &str, holds_token: bool) -> Window<'_> {
        let hinted = crate::find::find_tokens_and_hint(text.as_bytes(), &mut Vec::new());
        Window { buf: text.as_bytes(), first_line: 1, limit: text.len(), hinted, holds_token }
    }

    fn collected(text: &str) -> Vec<(String, u64, KeyForm)> {
        collected_beside(text, false)
    }

    fn collected_beside(text: &str, holds_token: bool) -> Vec<(String, u64, KeyForm)> {
        let mut store = KeyStore::default();
        collect(&Arc::from("f"), None, &window(text, holds_token), &mut store);
        store
            .keys
            .into_iter()
            .map(|(key, origin)| (String::from_utf8_lossy(&key).into_owned(), origin.line, origin.form))
            .collect()
    }

    fn has(found: &[(String, u64, KeyForm)], key: &str, line: u64) -> bool {
        found.iter().any(|(k, l, _)| k == key && *l == line)
    }

    #[test]
    fn the_built_in_list_keeps_the_empty_secret_and_has_no_carriage_returns() {
        let list = weak_secrets();
        assert_eq!(list[0], b"");
        assert!(list.len() > 100_000);
        assert!(list.iter().all(|secret| !secret.contains(&b'\r')));
        assert!(list.contains(&b"your-256-bit-secret".as_slice()));
    }

    #[test]
    fn hinted_text_yields_values_and_literals_on_lines_naming_a_secret() {
        let text = "# jwt config\nJWT_SECRET=plain-env-value-1 # note\nname: not-a-secret-value\n\
                    jwt.secret: yaml-value-12345\nconst apiKey = 'js-literal-123';\nconst k = 'unnamed-literal';\n\
                    short = \"abc\"\n";
        let found = collected(text);
        assert!(has(&found, "plain-env-value-1", 2), "{found:?}");
        assert!(has(&found, "yaml-value-12345", 4), "{found:?}");
        assert!(has(&found, "js-literal-123", 5), "{found:?}");
        assert!(found.iter().all(|(_, _, form)| matches!(form, KeyForm::Value | KeyForm::NamedLiteral)));
        let unwanted = ["not-a-secret-value", "unnamed-literal", "abc"];
        assert!(!found.iter().any(|(k, _, _)| unwanted.contains(&k.as_str())), "{found:?}");
    }

    #[test]
    fn text_without_a_hint_or_a_token_yields_nothing() {
        assert!(collected("const apiKey = 'js-literal-123';\n").is_empty());
    }

    #[test]
    fn beside_a_token_every_literal_is_kept_and_named_ones_say_so() {
        let text =
            "let t = \"eyJ...\";\nconst k = 'unnamed-literal';\nmy_key = \"named-literal\"\nSIGN_KEY=a-config-value\n";
        let found = collected_beside(text, true);
        assert!(found.contains(&("unnamed-literal".into(), 2, KeyForm::Literal)), "{found:?}");
        assert!(found.contains(&("named-literal".into(), 3, KeyForm::NamedLiteral)), "{found:?}");
        assert!(found.contains(&("a-config-value".into(), 4, KeyForm::Value)), "{found:?}");
    }

    #[test]
    fn a_quote_never_closes_on_a_later_line() {
        let found = collected_beside("a = 'open \\\nsecret = \"on-the-next-line\"\n", true);
        assert!(has(&found, "on-the-next-line", 2), "{found:?}");
        assert!(!found.iter().any(|(k, _, _)| k.contains("open")), "{found:?}");
    }

    #[test]
    fn collects_literals_inside_an_escaped_json_string() {
        let found = collected(r#"config = "{\"secret\":\"nested-value-99\"}""#);
        assert!(has(&found, "nested-value-99", 1), "{found:?}");
    }

    #[test]
    fn a_pem_block_yields_its_text_with_and_without_newline_and_its_der() {
        let text = "x = \"-----BEGIN PUBLIC KEY-----\\nTUlJQg==\\n-----END PUBLIC KEY-----\\n\"\n";
        let mut store = KeyStore::default();
        collect(&Arc::from("f"), None, &window(text, false), &mut store);
        let pem = b"-----BEGIN PUBLIC KEY-----\nTUlJQg==\n-----END PUBLIC KEY-----".to_vec();
        let keys: Vec<_> = store.keys.iter().filter(|(_, origin)| origin.public).map(|(k, _)| k.to_vec()).collect();
        // The unescaped string literal is the same text: the key keeps its public origin.
        let with_newline = [pem.as_slice(), b"\n"].concat();
        assert!(store.keys.get(with_newline.as_slice()).is_some_and(|origin| origin.public));
        assert!(keys.contains(&pem));
        assert!(keys.contains(&[pem.as_slice(), b"\n"].concat()));
        assert!(keys.contains(&b"MIIB".to_vec()));
    }

    #[test]
    fn a_crlf_pem_file_also_yields_its_text_as_read() {
        let text = "-----BEGIN PUBLIC KEY-----\r\nTUlJQg==\r\n-----END PUBLIC KEY-----\r\n";
        let mut store = KeyStore::default();
        collect(&Arc::from("f"), None, &window(text, false), &mut store);
        assert!(store.keys.contains_key(text.as_bytes()));
        assert!(store.keys.contains_key(text.trim_end().as_bytes()));
    }

    #[test]
    fn unmatched_quotes_do_not_hide_later_literals() {
        let found = collected("it's a jwt: \"literal-after-12\"\n");
        assert!(has(&found, "literal-after-12", 1), "{found:?}");
    }

    fn hs256(key: &[u8], input: &str) -> String {
        use base64::Engine as _;
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
        mac.update(input.as_bytes());
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{input}.{sig}")
    }

    const INPUT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0";

    fn signed<M: Mac + KeyInit>(key: &[u8], input: &str) -> Vec<u8> {
        let mut mac = <M as KeyInit>::new_from_slice(key).unwrap();
        mac.update(input.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// Every hash, with keys shorter than, equal to and longer than each block (and around the
    /// digest sizes), over inputs whose padding lands on every block-boundary case: a target
    /// signed by the `hmac` crate, its key, and a case name.
    fn hmac_cases() -> Vec<(Target, Vec<u8>, String)> {
        let key_lens = [0, 1, 31, 32, 55, 56, 63, 64, 65, 111, 112, 127, 128, 129, 200];
        let mut cases = Vec::new();
        for input_len in [0, 1, 55, 56, 63, 64, 111, 112, 119, 120, 127, 128, 200, 1000] {
            let input: Vec<u8> = (0..input_len).map(|i| b'a' + (i % 26) as u8).collect();
            let input = String::from_utf8(input).unwrap();
            for key_len in key_lens {
                let key: Vec<u8> = (0..key_len).map(|i| (i * 7 + key_len) as u8 ^ 0xa5).collect();
                for (alg, signature) in [
                    (HashAlg::Sha256, signed::<Hmac<Sha256>>(&key, &input)),
                    (HashAlg::Sha384, signed::<Hmac<Sha384>>(&key, &input)),
                    (HashAlg::Sha512, signed::<Hmac<Sha512>>(&key, &input)),
                ] {
                    let target = Target {
                        alg,
                        blocks: FastTarget::new(alg, input.as_bytes(), &signature),
                        best: AtomicU64::new(u64::MAX),
                        limit: u64::MAX,
                        check_bytes: 0,
                        signing_input_bytes: input.len(),
                        occurrences: Vec::new(),
                    };
                    cases.push((target, key.clone(), format!("{alg:?} key {key_len} input {input_len}")));
                }
            }
        }
        cases
    }

    /// Not the same HMAC key as `key` (a zero byte appended would be).
    fn wrong_key(key: &[u8], n: u8) -> Vec<u8> {
        let mut wrong = key.to_vec();
        wrong.push(n | 1);
        wrong
    }

    /// The scalar compression path, used where the CPU lacks AVX-512F and AVX2, and for HS256 on
    /// AVX2 where the CPU has SHA-NI.
    #[test]
    fn the_fast_hmac_path_agrees_with_the_hmac_crate() {
        for (target, key, case) in hmac_cases() {
            assert!(Keyed::default().verifies(&key, &target), "{case}");
            assert!(!Keyed::default().verifies(&wrong_key(&key, 1), &target), "{case}: a wrong key verified");
        }
    }

    /// The right key in the first lane, in the last, in a partial last batch, in two lanes (one in
    /// each SHA-512 group), and nowhere: it verifies where it is and nowhere else.
    fn assert_lanes_agree_with_the_hmac_crate(lanes: Option<hmac_lanes::Lanes>, engine: &str) {
        let Some(lanes) = lanes else {
            eprintln!("no {engine} on this CPU: its lane path is not tested");
            return;
        };
        let batch = 2 * lanes.lanes512();
        for (target, key, case) in hmac_cases() {
            let placements: [(usize, Vec<usize>); 5] = [
                (batch, vec![0]),
                (batch, vec![batch - 1]),
                (batch + 4, vec![batch + 3]),
                (batch, vec![1, batch / 2 + 1]),
                (batch, vec![]),
            ];
            for (count, right) in placements {
                let keys: Vec<Vec<u8>> = (0..count)
                    .map(|i| if right.contains(&i) { key.clone() } else { wrong_key(&key, i as u8) })
                    .collect();
                let mut verified = Vec::new();
                for (c, chunk) in keys.chunks(batch).enumerate() {
                    let mask = LaneBatch::new(lanes, chunk).verifies(&target, chunk.len());
                    verified.extend((0..32).filter(|j| mask & (1 << j) != 0).map(|j| c * batch + j));
                }
                assert_eq!(verified, right, "{engine}: {case}, {count} keys");
            }
        }
    }

    /// Every engine `search_with` may be given: AVX-512F, AVX2 with SHA-256 in lanes, and AVX2 as
    /// detected (SHA-256 one key at a time where the CPU has SHA-NI).
    fn lane_engines() -> [(Option<hmac_lanes::Lanes>, &'static str); 3] {
        let avx2 = hmac_lanes::Avx2::detect();
        [
            (Avx512::detect().map(hmac_lanes::Lanes::Avx512), "AVX-512F"),
            (avx2.map(|avx2| hmac_lanes::Lanes::Avx2(avx2.with_sha256_lanes())), "AVX2 with SHA-256 lanes"),
            (avx2.map(hmac_lanes::Lanes::Avx2), "AVX2 as detected"),
        ]
    }

    #[test]
    fn the_avx512_lane_hmac_path_agrees_with_the_hmac_crate_in_every_lane() {
        let [(lanes, engine), ..] = lane_engines();
        assert_lanes_agree_with_the_hmac_crate(lanes, engine);
    }

    #[test]
    fn the_avx2_lane_hmac_path_agrees_with_the_hmac_crate_in_every_lane() {
        let [_, (lanes, engine), _] = lane_engines();
        assert_lanes_agree_with_the_hmac_crate(lanes, engine);
    }

    #[test]
    fn the_avx2_path_as_detected_agrees_with_the_hmac_crate_in_every_lane() {
        let [.., (lanes, engine)] = lane_engines();
        assert_lanes_agree_with_the_hmac_crate(lanes, engine);
    }

    #[test]
    fn over_the_budget_public_keys_and_secret_values_are_tried_before_literals() {
        let origin = |path: &str, form: KeyForm, public: bool| KeyOrigin {
            path: Arc::from(path),
            line: 1,
            form,
            public,
            commit: None,
        };
        let keys: Vec<(Box<[u8]>, KeyOrigin)> = vec![
            (Box::from(&b"a-literal"[..]), origin("a.js", KeyForm::Literal, false)),
            (Box::from(&b"b-value"[..]), origin("z.env", KeyForm::Value, false)),
            (Box::from(&b"c-public-pem"[..]), origin("y.pem", KeyForm::PemText, true)),
            (Box::from(&b"d-literal"[..]), origin("b.js", KeyForm::Literal, false)),
            (Box::from(&b"e-named"[..]), origin("c.js", KeyForm::NamedLiteral, false)),
        ];
        assert_eq!(likely_first(&keys, 3), [2, 4, 1]);
        assert_eq!(likely_first(&keys, 10), [2, 4, 1, 0, 3]);
    }

    #[test]
    fn search_finds_the_earliest_verifying_candidate() {
        let targets = vec![Target::new(&hs256(b"k2", INPUT)).unwrap()];
        // HMAC pads short keys with zeros: "k2" and "k2\0" are the same key.
        let candidates: Vec<&[u8]> = vec![b"k1", b"k2", b"k3", b"k2\0"];
        let found = Mutex::new(Vec::new());
        search(&targets, &candidates, 10, &|t, i| found.lock().unwrap().push((t, i)));
        assert_eq!(targets[0].best.load(Ordering::Relaxed), 11);
        assert!(found.into_inner().unwrap().contains(&(0, 1)));
    }

    #[test]
    fn search_finds_the_earliest_verifying_candidate_across_batches() {
        let signed_by = |key: &[u8], alg: &str| {
            use base64::Engine as _;
            let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
            let input = format!("{}.{}", b64(format!(r#"{{"alg":"{alg}"}}"#).as_bytes()), b64(b"{}"));
            let signature = match alg {
                "HS256" => signed::<Hmac<Sha256>>(key, &input),
                "HS384" => signed::<Hmac<Sha384>>(key, &input),
                _ => signed::<Hmac<Sha512>>(key, &input),
            };
            format!("{input}.{}", b64(&signature))
        };
        let mut candidates: Vec<Vec<u8>> = (0..100).map(|i| format!("candidate-{i}").into_bytes()).collect();
        candidates[37] = b"secret".to_vec();
        candidates[90] = b"secret".to_vec();
        let available = lane_engines().into_iter().filter_map(|(lanes, engine)| Some((Some(lanes?), engine)));
        for (lanes, engine) in [(None, "scalar")].into_iter().chain(available) {
            for threads in [1, 2] {
                let targets: Vec<Target> = [
                    signed_by(b"secret", "HS256"),
                    signed_by(b"secret", "HS384"),
                    signed_by(b"secret", "HS512"),
                    signed_by(b"candidate-0", "HS512"),
                    signed_by(b"candidate-99", "HS256"),
                    signed_by(b"absent", "HS256"),
                ]
                .iter()
                .map(|token| Target::new(token).unwrap())
                .collect();
                let found = Mutex::new(Vec::new());
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                pool.install(|| {
                    search_with(lanes, &targets, &candidates, 1000, &|t, i| found.lock().unwrap().push((t, i)))
                });
                let best: Vec<u64> = targets.iter().map(|target| target.best.load(Ordering::Relaxed)).collect();
                let case = format!("{engine}, threads {threads}");
                assert_eq!(best, [1037, 1037, 1037, 1000, 1099, u64::MAX], "{case}");
                let found = found.into_inner().unwrap();
                for expected in [(0, 37), (1, 37), (2, 37), (3, 0), (4, 99)] {
                    assert!(found.contains(&expected), "{case}: {found:?}");
                }
            }
        }
    }

    #[test]
    fn targets_need_an_hs_alg_and_a_full_length_signature() {
        assert!(Target::new(&hs256(b"k", INPUT)).is_some());
        assert!(Target::new(&format!("{INPUT}.c2ln")).is_none());
        assert!(Target::new("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.").is_none());
    }

    #[test]
    fn wordlists_stream_in_chunks_without_empty_lines_or_carriage_returns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("list.txt");
        let mut text = String::new();
        for i in 0..400_000 {
            text.push_str(&format!("word{i}\r\n"));
            if i % 1000 == 0 {
                text.push('\n');
            }
        }
        text.push_str("last-without-newline");
        std::fs::write(&path, &text).unwrap();
        let (mut chunks, mut lines, mut last) = (0, 0, Vec::new());
        stream_wordlist(&path, &mut |chunk| {
            chunks += 1;
            lines += chunk.len();
            assert!(chunk.iter().all(|line| !line.is_empty() && !line.ends_with(b"\r")));
            last = chunk[chunk.len() - 1].to_vec();
            true
        })
        .unwrap();
        assert!(chunks > 1);
        assert_eq!(lines, 400_001);
        assert_eq!(last, b"last-without-newline");
    }

    fn hs256_token(claims: &str, key: &[u8]) -> String {
        use base64::Engine as _;
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let input = format!("{}.{}", b64(br#"{"alg":"HS256"}"#), b64(claims.as_bytes()));
        let signature = signed::<Hmac<Sha256>>(key, &input);
        format!("{input}.{}", b64(&signature))
    }

    #[test]
    fn a_token_over_its_byte_budget_is_reported_unknown_with_the_candidates_it_could_afford() {
        let budget = crate::budget::HashBudget { per_token: 128 * 500, floor: 0, per_run: 128 * 500 };
        let settings = Settings { hash_budget: budget, ..Settings::default() };
        let findings = crate::scan_text(&hs256_token(r#"{"sub":"1"}"#, b"not-in-the-list-8d7f"), &settings);
        let unknown: Vec<_> = findings.iter().filter(|f| f.rule == "weak-secret").collect();
        assert_eq!(unknown.len(), 1, "{findings:?}");
        assert_eq!(unknown[0].evidence["result"], "unknown");
        assert_eq!(unknown[0].evidence["candidates_tried"], 500);
        // A secret early in the list is still found within the same budget.
        let findings = crate::scan_text(&hs256_token(r#"{"sub":"1"}"#, b"secret"), &settings);
        let found = findings.iter().find(|f| f.rule == "weak-secret").unwrap();
        assert!(found.evidence.get("result").is_none(), "{found:?}");
    }

    #[test]
    fn repeated_wordlist_lines_are_tried_once() {
        let mut seen = SeenLines::default();
        let first: Vec<&[u8]> = vec![b"a", b"b", b"a"];
        assert_eq!(seen.new_lines(&first), [b"a", b"b"]);
        assert_eq!(seen.new_lines(&[b"b", b"c"]), [b"c"]);
        assert_eq!(seen.repeats, 2);
    }

    #[test]
    fn a_wordlist_listed_under_several_spellings_is_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("w.txt");
        std::fs::write(&list, "x\n").unwrap();
        let spelled = [list.clone(), dir.path().join(".").join("w.txt"), list.clone()];
        let (distinct, repeated) = distinct_wordlists(&spelled);
        assert_eq!(distinct, std::slice::from_ref(&list));
        assert_eq!(repeated, [(list, 3)]);
    }
}
