//! Key-candidate collection on the hot path, for the forgery rules (`secret-in-repo`): string
//! literals, named values, PEM blocks and JWKs, kept in a bounded per-worker `KeyStore`.
//!
//! Collection is cheap and bounded, and it looks where keys are defined: windows holding a hint
//! (`secret`, `jwt`, `hmac`, `jose`, `signing`, in lower, Capitalised or UPPER case, a PEM marker
//! or `kty`), found in the token search's own SIMD pass, and windows holding a token. Whether the
//! tree holds HS* tokens that need them is known only after the walk: a file the walk can open
//! again leaves its string candidates (all but PEM blocks and JWKs) to a second reading, done
//! only then (`collect::Deferred`). From hinted windows come the lines that name a secret (`secret`,
//! `key`, `jwt`, `token`, `hmac`, `pass`, `sign`, `salt`, `auth`, `cred`): their quoted string
//! literals of 8..=512 bytes (plus their unescaped form and the literals inside an escaped JSON
//! string) and the unquoted values of 8..=512 bytes they assign (`JWT_SECRET=…`, `jwt.secret: …`);
//! from windows holding a token, every string literal, as a test defines its key beside its token;
//! from both, PEM blocks and JWKs (see `jwk`). Other literals are not kept: a large tree holds
//! millions, and extracting them cost more than the whole token scan. Only the candidates are
//! kept, never the files, at most `STORE_BUDGET` bytes of them per worker thread.

pub mod asym;
pub mod jwk;
mod literals;
mod named;
pub mod names;
mod pem;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;

use literals::literals;
#[cfg(test)]
pub(crate) use named::named_needles;
use named::{named_lines, push_value};
use pem::pem_block;

/// Shortest and longest string literal or value kept as a candidate: shorter strings are
/// identifiers and words (and the short guessable ones are in the weak list); longer ones are
/// text, not keys. PEM blocks and JWK forms are kept whole up to `MAX_PEM`.
const MIN_STRING: usize = 8;
const MAX_STRING: usize = 512;

/// Whether a string literal or value candidate could be `secret`: they are all
/// `MIN_STRING..=MAX_STRING` bytes long.
pub fn string_could_be(secret: &[u8]) -> bool {
    (MIN_STRING..=MAX_STRING).contains(&secret.len())
}
const MAX_PEM: usize = 16 * 1024;
/// Memory the kept candidates may take, per worker and in all, counted with each entry's
/// bookkeeping (`ENTRY_BYTES`), not only its key bytes: 12 M short literals once held 2.4 GB
/// under a 32 MB count of key bytes. Past it candidates are dropped and counted in a warning.
pub const STORE_BUDGET: usize = 32 << 20;
pub const STORE_TOTAL: usize = 128 << 20;
/// What a kept candidate costs besides its key bytes: the map entry, the key's box and
/// allocation, and its origin.
const ENTRY_BYTES: usize = 128;

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
    /// An RSA public key recovered from RS tokens' signatures (`--crack`), in the forms a JWK's is.
    RecoveredPem,
    RecoveredPkcs1Pem,
    RecoveredDer,
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
            KeyForm::RecoveredPem => "recovered RSA key as PEM (SubjectPublicKeyInfo)",
            KeyForm::RecoveredPkcs1Pem => "recovered RSA key as PEM (PKCS#1)",
            KeyForm::RecoveredDer => "recovered RSA key as DER bytes",
        }
    }

    pub fn is_binary(self) -> bool {
        matches!(self, KeyForm::PemDer | KeyForm::JwkDer | KeyForm::OctKey | KeyForm::RecoveredDer)
    }

    pub fn is_recovered(self) -> bool {
        matches!(self, KeyForm::RecoveredPem | KeyForm::RecoveredPkcs1Pem | KeyForm::RecoveredDer)
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
    pub(crate) fn likelihood(&self) -> (bool, bool, &str, u64) {
        (!self.public, self.form == KeyForm::Literal, &self.path, self.line)
    }
}

/// The distinct candidate keys one worker collected, bounded by `STORE_BUDGET` (and, merged, by
/// `STORE_TOTAL`); a key seen again costs nothing more.
#[derive(Default, Debug)]
pub struct KeyStore {
    /// Every literal of a token's window is looked up here, so the hash is a fast one: SipHash
    /// took a tenth of key collection. Its seed is random per map, so a scanned tree cannot be
    /// made to collide without seeing it.
    keys: HashMap<Box<[u8]>, KeyOrigin, foldhash::fast::RandomState>,
    bytes: usize,
    /// Candidates not kept, over `STORE_BUDGET` or `STORE_TOTAL`.
    pub dropped: u64,
    /// Asymmetric keys (public parts, and whether the private half is committed), at most
    /// `asym::MAX_ASYM`; past it they are counted in `dropped`.
    pub asym: Vec<asym::AsymKey>,
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

    pub fn push_asym(&mut self, key: asym::AsymKey) {
        if self.asym.len() >= asym::MAX_ASYM {
            self.dropped += 1;
        } else {
            self.asym.push(key);
        }
    }

    pub fn merge(&mut self, other: KeyStore) {
        self.dropped += other.dropped;
        for key in other.asym {
            self.push_asym(key);
        }
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
    pub fn into_sorted(self) -> Vec<(Box<[u8]>, KeyOrigin)> {
        let mut keys: Vec<_> = self.keys.into_iter().collect();
        keys.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        keys
    }
}

/// A window of a file (`buf`, whose first byte starts line `first_line`) and what the token
/// search learnt about it; candidates are collected where they start before `limit`.
pub struct Window<'a> {
    pub buf: &'a [u8],
    pub first_line: u64,
    pub limit: usize,
    /// It holds a hint word (`find::needles::HINTS`).
    pub hinted: bool,
    /// A token starts in it before `limit`.
    pub holds_token: bool,
    pub collect: Collect,
}

/// Which candidates of a window are collected. A file the walk can open again leaves its named
/// lines' and its token's string literals and values to a second reading, done only if a token
/// needs them (`collect::Deferred`); that reading takes those alone, as the first one gave the
/// PEM blocks (and counted the ones past the bounds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collect {
    All,
    AllButStrings,
    StringsOnly,
}

/// Collects the key candidates of one window. Work happens only around hits of SIMD literal
/// searches (hints, names, quotes, PEM markers): a loop over every line cost more than reading
/// the file.
pub fn collect(path: &Arc<str>, commit: Option<&Arc<str>>, window: &Window, store: &mut KeyStore) {
    let Window { buf, first_line, limit, hinted, holds_token, collect } = *window;
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
    if collect != Collect::AllButStrings {
        collect_named_lines(buf, first_line, limit, holds_token, path, &origin, store);
    }
    if collect == Collect::StringsOnly {
        return;
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
            if let Some((material, private, form)) =
                block.der.as_deref().and_then(|der| asym::from_pem(&block.label, der))
            {
                store.push_asym(asym::AsymKey {
                    material,
                    private,
                    path: Arc::clone(path),
                    line,
                    form,
                    commit: commit.cloned(),
                    at: begin,
                });
            }
        }
    }
}

/// The string literals and values of `buf`'s lines that name a secret, and, when `holds_token`,
/// every string literal of it.
fn collect_named_lines(
    buf: &[u8],
    first_line: u64,
    limit: usize,
    holds_token: bool,
    path: &Arc<str>,
    origin: &dyn Fn(u64, KeyForm, bool) -> KeyOrigin,
    store: &mut KeyStore,
) {
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
                push_value(store, &mut lines, buf, range, path, origin);
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
            push_value(store, &mut lines, buf, range, path, origin);
        }
    } else {
        for range in &named {
            push_value(store, &mut lines, buf, range, path, origin);
            literals(&buf[range.clone()], range.len(), true, &mut |open, key| {
                push_literal(store, &mut lines, range.start + open, key, KeyForm::NamedLiteral);
            });
        }
    }
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
