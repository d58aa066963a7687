//! The per-buffer pipeline: find → decode → rules → findings, plus what the cross-file pass needs
//! (HS* token occurrences, key candidates). One `Scanner` per worker thread; its buffers are
//! reused so the hot path does not allocate for files without tokens.

mod deferral;
pub mod windows;

use std::io::Read;
use std::sync::Arc;

use crate::catalog::{Hit, id};
use crate::collect::{Collector, Occurrence, Origin, Unplaced};
use crate::config::Settings;
use crate::context::{self, Clues};
use crate::find::layers::Decoder;
use crate::find::{self, Candidate};
use crate::finding::{Finding, Locator, Position, Site, Subject};
use crate::hex::sha256_hex;
use crate::inline_ignore::{self, Directive};
use crate::keys::{self, Collect, KeyOrigin, LineCounter, Window, jwk};
use crate::provenance::Provenance;
use crate::rules::{self, private_jwk};
use crate::token;
use windows::{OVERLAP, WINDOW};

/// Occurrences of one token in one file that are reported; later ones are counted in a warning.
/// 2 M copies of one short token held 14 GB of findings; a reader needs the first few.
pub const REPEATS_LISTED: u64 = 64;
/// Distinct tokens per file whose checks are remembered for their repeats; past it, tokens are
/// checked each time (the memory stays bounded, the cost stays linear).
const REMEMBERED_TOKENS: usize = 4_096;

/// What the checks said about a token already seen in the current file.
struct Seen {
    hits: Vec<Hit>,
    hmac: bool,
    occurrences: u64,
    /// What its claims said (`Clues::relocated` adds what each place says).
    clues: Clues,
}

pub struct Scanner<'s> {
    settings: &'s Settings,
    ctx: rules::CheckSettings,
    candidates: Vec<Candidate>,
    hits: Vec<Hit>,
    buf: Vec<u8>,
    /// Per token SHA-256, for the current file (cleared by `finish_file`).
    seen: std::collections::HashMap<String, Seen>,
    /// Findings go to `Collector::unplaced`: a history blob's places are known only afterwards.
    placing_later: bool,
    /// Whether `jwtscan:ignore` comments silence findings (`settings.inline_ignore`, unless
    /// `reading_every_token` turned it off).
    inline_ignore: bool,
    /// In `git --range` mode, the ignore-comment lines the base commit already held: another
    /// one was added by the change being judged, so it silences nothing and is reported.
    honoured_ignores: Option<Arc<IgnoreLines>>,
    /// Named-line and literal key candidates of the file being read are left for a second
    /// reading (`collect::Deferred`); set by the walk for a file it can open again.
    pub defer_named: bool,
    /// Whether a window of the current file left its candidates to a second reading.
    deferred: bool,
    /// Only the string key candidates are wanted: the second reading of deferred files, whose
    /// tokens, PEM blocks, JWKs and findings the first reading already gave.
    keys_only: bool,
    deferral: deferral::Deferral,
}

/// Lines holding `jwtscan:` in the base versions of the files a range changes, as written (ends
/// trimmed), up to `MAX_BYTES`: a line not kept is not honoured, so the bound fails safe.
#[derive(Default, Debug)]
pub struct IgnoreLines {
    lines: std::collections::HashSet<Box<[u8]>>,
    bytes: usize,
}

impl IgnoreLines {
    const MAX_BYTES: usize = 16 << 20;

    /// Keeps the ignore-comment lines of `text` (a file of the base commit).
    pub fn add_text(&mut self, text: &[u8]) {
        for at in memchr::memmem::find_iter(text, b"jwtscan:") {
            let start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |i| i + 1);
            let end = memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |i| at + i);
            let line = text[start..end].trim_ascii();
            if self.bytes + line.len() > Self::MAX_BYTES {
                return;
            }
            if self.lines.insert(Box::from(line)) {
                self.bytes += line.len();
            }
        }
    }

    fn holds(&self, line: &[u8]) -> bool {
        self.lines.contains(line.trim_ascii())
    }
}

impl<'s> Scanner<'s> {
    pub fn new(settings: &'s Settings) -> Self {
        Scanner {
            settings,
            ctx: rules::CheckSettings::new(settings),
            candidates: Vec::new(),
            hits: Vec::new(),
            buf: Vec::new(),
            seen: std::collections::HashMap::new(),
            placing_later: false,
            inline_ignore: settings.inline_ignore,
            honoured_ignores: None,
            defer_named: false,
            deferred: false,
            keys_only: false,
            deferral: deferral::Deferral::default(),
        }
    }

    /// Whether an HS token read so far will have the deferred files read again: deferring more
    /// would only cost a second reading of them too.
    pub fn needs_deferred_keys(&self) -> bool {
        self.deferral.needs_keys()
    }

    /// Whether the file just read left candidates to a second reading (see `defer_named`).
    pub fn take_deferred(&mut self) -> bool {
        std::mem::take(&mut self.deferred)
    }

    pub fn settings(&self) -> &'s Settings {
        self.settings
    }

    /// This scanner with `jwtscan:ignore` comments not read: for telling what a committed file
    /// already holds (`git --staged`), where a silenced token is still one it holds.
    pub fn reading_every_token(self) -> Self {
        Scanner { inline_ignore: false, ..self }
    }

    /// Honours only the ignore comments `lines` holds (see `honoured_ignores`).
    pub fn honouring_only(mut self, lines: Arc<IgnoreLines>) -> Self {
        self.honoured_ignores = Some(lines);
        self
    }

    /// Ends a file: repeats past `REPEATS_LISTED` are counted in one note per token.
    fn finish_file(&mut self, path: &str, out: &mut Collector) {
        let mut unlisted: Vec<u64> = self
            .seen
            .drain()
            .filter(|(_, seen)| seen.occurrences > REPEATS_LISTED)
            .map(|(_, seen)| seen.occurrences - REPEATS_LISTED)
            .collect();
        unlisted.sort_unstable();
        for more in unlisted {
            out.note(format!(
                "{path}: {more} more occurrences of the same token not listed (the first {REPEATS_LISTED} are)"
            ));
        }
    }

    /// A scanner that only collects string key candidates, all of them as it reads (see
    /// `keys_only`).
    pub fn collecting_keys_only(settings: &'s Settings) -> Self {
        Scanner { keys_only: true, ..Scanner::new(settings) }
    }

    /// A scanner whose findings are placed by the caller (see `Collector::unplaced`).
    pub fn placing_later(settings: &'s Settings) -> Self {
        Scanner { placing_later: true, ..Scanner::new(settings) }
    }

    /// Adds the finding of `hit` at `start..end` in `from`, or leaves it unplaced.
    fn report(
        &self,
        out: &mut Collector,
        from: &Provenance,
        hit: Hit,
        (start, end): (Position, Position),
        (subject, clues): (Subject, &Clues),
    ) {
        if self.placing_later {
            let member = from.chain.clone();
            out.unplaced.push(Unplaced { hit, member, start, end, subject, clues: clues.clone() });
        } else {
            let site = Site {
                path: &from.path,
                member: &from.chain,
                start,
                end,
                commit: from.commit.as_deref(),
                history: None,
            };
            let mut finding = Finding::new(hit, &site, &subject, self.settings.show_secrets);
            finding.clues = clues.clone();
            out.push_finding(finding);
        }
    }

    /// Reads `reader` to the end in bounded windows and scans it. Sources call it through
    /// `input::source::scan`, not directly.
    pub fn scan_reader(&mut self, from: &Provenance, reader: impl Read, out: &mut Collector) -> std::io::Result<()> {
        self.buf.clear();
        self.scan_rest(from, reader, out)
    }

    /// Reads the start of `reader`, up to a window, into the scanner's buffer and returns it, and
    /// whether it is all `reader` holds. A source routes by those first bytes, then scans on
    /// with `scan_rest`: a file is not read twice, nor read once more for its first bytes (a
    /// system call per file, a tenth of a scan of many small files).
    pub fn read_start(&mut self, mut reader: impl Read) -> std::io::Result<(&[u8], bool)> {
        self.buf.clear();
        let read = windows::read_up_to(&mut reader, &mut self.buf, WINDOW)?;
        Ok((&self.buf, read < WINDOW))
    }

    /// The bytes `read_start` read.
    pub fn started(&self) -> &[u8] {
        &self.buf
    }

    /// The bytes `read_start` read, taken from the scanner (which reads into a new buffer next).
    pub fn take_start(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    /// Scans what `read_start` read and the rest of `reader` (`std::io::empty()` when the start
    /// was all there is).
    pub fn scan_rest(&mut self, from: &Provenance, mut reader: impl Read, out: &mut Collector) -> std::io::Result<()> {
        let mut buf = std::mem::take(&mut self.buf);
        let largest = usize::try_from(self.settings.max_file_size).unwrap_or(usize::MAX);
        let result = windows::each_window(&mut reader, &mut buf, largest, &mut |window| {
            out.bytes_scanned += window.read as u64;
            self.scan_buffer(from, window.buf, window.origin, window.limit, out);
        });
        if buf.capacity() > WINDOW + OVERLAP {
            buf = Vec::new();
        }
        self.buf = buf;
        out.files_scanned += 1;
        self.finish_file(from.shown(), out);
        result
    }

    /// Scans a whole in-memory buffer (a blob, a link's target, a test string). Sources call it
    /// through `input::source::scan`, not directly.
    pub fn scan_bytes(&mut self, from: &Provenance, buf: &[u8], out: &mut Collector) {
        out.files_scanned += 1;
        out.bytes_scanned += buf.len() as u64;
        self.scan_buffer(from, buf, Origin::START, buf.len(), out);
        self.finish_file(from.shown(), out);
    }

    /// Scans `buf`, reporting tokens that start before `limit` (the rest belong to the next window).
    fn scan_buffer(&mut self, from: &Provenance, buf: &[u8], origin: Origin, limit: usize, out: &mut Collector) {
        // Warnings and key origins name the member when there is one (`Provenance::shown`).
        let path = from.shown();
        self.candidates.clear();
        let collect_keys = self.collects_keys();
        let mut decoder = Decoder::new(self.settings.max_depth, buf.len());
        // `kty` is a hint: a window searched for hints and holding none holds no JWK either.
        let hinted = find::find_in(buf, collect_keys, &mut decoder, &mut self.candidates);
        if let Some(warning) = decoder.stats.warning() {
            out.error(path, &warning);
        }
        let holds_token = self.candidates.iter().any(|candidate| candidate.start < limit);
        if origin.line == 1
            && origin.column == 0
            && self.settings.rule_enabled(id::WEAK_SECRET)
            && let Some(kind) = keys::names::Manifest::of(path)
        {
            out.names.gather(kind, buf);
        }
        let asym_before = out.keys.asym.len();
        if collect_keys {
            let collect = if self.keys_only {
                Collect::StringsOnly
            } else if self.defer_named && from.chain.is_empty() {
                Collect::AllButStrings
            } else {
                // A member of an archive cannot be opened again on its own: collected now.
                Collect::All
            };
            self.deferred |= collect == Collect::AllButStrings && (hinted || holds_token);
            let window = Window { buf, first_line: origin.line, limit, hinted, holds_token, collect };
            keys::collect(path, from.commit.as_ref(), &window, &mut out.keys);
        }
        if self.keys_only {
            return;
        }
        if hinted {
            self.scan_keys(from, buf, origin, limit, out);
        }
        out.place_keys(asym_before, buf);
        if !holds_token {
            return;
        }
        let mut locator = Locator::with_base_line(buf, origin.line);
        let candidates = std::mem::take(&mut self.candidates);
        // The last line whose ignore comments were read: tokens on one long line share one reading.
        let mut checked_line: Option<(std::ops::Range<usize>, Directive)> = None;
        let surroundings = context::Surroundings::new(buf);
        let pull_secret = memchr::memmem::find(buf, b"\"auths\"").is_some();
        for candidate in candidates.iter().filter(|candidate| candidate.start < limit) {
            let compact = candidate.compact(buf);
            let sha256 = sha256_hex(compact.as_bytes());
            // A token seen before in this file is not decoded or checked again.
            let known = self.seen.contains_key(&sha256);
            let token = if known { None } else { token::decode(compact) };
            if !known && token.is_none() {
                continue;
            }
            out.tokens += 1;
            let start = origin.shift(locator.position(candidate.start));
            let directive = if self.inline_ignore {
                self.line_directive(&locator, buf, candidate.start, (from, start.line), out, &mut checked_line)
            } else {
                Directive::None
            };
            if directive == Directive::All {
                out.ignored_inline += match (&token, self.seen.get(&sha256)) {
                    (_, Some(seen)) => seen.hits.len() as u64,
                    (Some(token), None) => {
                        self.hits.clear();
                        rules::check_token(token, &self.ctx, &mut self.hits);
                        self.hits.iter().filter(|hit| self.settings.rule_enabled(hit.rule)).count() as u64
                    }
                    (None, None) => 0,
                };
                continue;
            }
            let mut hmac = false;
            let mut signed = false;
            let mut clues = None;
            if let Some(token) = &token {
                self.hits.clear();
                rules::check_token(token, &self.ctx, &mut self.hits);
                self.hits.retain(|hit| self.settings.rule_enabled(hit.rule));
                hmac = token.alg().is_some_and(|alg| matches!(alg, "HS256" | "HS384" | "HS512"));
                signed = token.alg().is_some_and(|alg| crate::verify::keys::Alg::from_name(alg).is_some());
                let facts = context::TokenFacts {
                    alg: token.alg(),
                    signature_len: token.signature.len(),
                    registry: candidate.registry.as_deref().or_else(|| {
                        pull_secret.then(|| crate::find::layers::registry_key(buf, candidate.start)).flatten()
                    }),
                };
                let found =
                    Clues::of_token_with(&sha256, token.claims(), &facts, self.ctx.now, &surroundings, candidate.start);
                if self.seen.len() < REMEMBERED_TOKENS {
                    let seen = Seen { hits: self.hits.clone(), hmac, occurrences: 0, clues: found.clone() };
                    self.seen.insert(sha256.clone(), seen);
                }
                clues = Some(found);
            }
            if let Some(seen) = self.seen.get_mut(&sha256) {
                seen.occurrences += 1;
                if seen.occurrences > REPEATS_LISTED {
                    continue;
                }
                self.hits.clone_from(&seen.hits);
                hmac = seen.hmac;
                if clues.is_none() {
                    clues = Some(seen.clues.relocated(&surroundings, candidate.start));
                }
            }
            let clues = clues.unwrap_or_default();
            let occurrence = Occurrence {
                path: Arc::clone(&from.path),
                member: from.chain.clone(),
                start,
                end: origin.shift(locator.position(candidate.end)),
                compact: Arc::from(compact),
                sha256,
                commit: from.commit.clone(),
                history: None,
                clues,
                encoding: candidate.encoding.iter().map(|layer| layer.name()).collect(),
                silenced: match directive {
                    Directive::Rules(ids) => ids,
                    Directive::None | Directive::All => Vec::new(),
                },
            };
            let mut hits = std::mem::take(&mut self.hits);
            for hit in hits.drain(..) {
                if !self.settings.rule_enabled(hit.rule) {
                    continue;
                }
                if occurrence.silenced.contains(&hit.rule.as_str()) {
                    out.ignored_inline += 1;
                    continue;
                }
                let span = (occurrence.start, occurrence.end);
                self.report(out, from, hit, span, (occurrence.subject(), &occurrence.clues));
            }
            self.hits = hits;
            if hmac {
                if self.defer_named {
                    self.deferral.meet(&occurrence.compact, &occurrence.sha256);
                }
                out.hmac_tokens.push(occurrence);
            } else if signed && out.signed_tokens.len() < crate::collect::MAX_SIGNED_TOKENS {
                out.signed_tokens.push(occurrence);
            } else if signed {
                out.signed_dropped += 1;
            }
        }
        self.candidates = candidates;
    }

    /// The ignore comments on the line around `offset`, read once per line. In range mode one the
    /// base commit did not hold is reported (`gate-config-changed`) and silences nothing.
    fn line_directive(
        &self,
        locator: &Locator<'_>,
        buf: &[u8],
        offset: usize,
        (from, line): (&Provenance, u64),
        out: &mut Collector,
        checked_line: &mut Option<(std::ops::Range<usize>, Directive)>,
    ) -> Directive {
        if let Some((range, directive)) = checked_line
            && range.contains(&offset)
        {
            return directive.clone();
        }
        let range = locator.line_range(offset);
        let text = &buf[range.clone()];
        let mut directive = read_ignores(from.shown(), text, line, out);
        if let Some(honoured) = &self.honoured_ignores
            && !directive.is_none()
            && !honoured.holds(text)
            && self.settings.rule_enabled(id::GATE_CONFIG_CHANGED)
        {
            directive = Directive::None;
            let hit = Hit::new(
                id::GATE_CONFIG_CHANGED,
                "a jwtscan:ignore comment added in the scanned range: not honoured; review the change",
            )
            .with("change", "inline-ignore");
            let mut tagged = b"jwtscan inline-ignore\n".to_vec();
            tagged.extend_from_slice(text);
            let subject = Subject::Key { redacted: String::new(), full: String::new(), sha256: sha256_hex(&tagged) };
            let at = Position { line, column: 1 };
            self.report(out, from, hit, (at, at), (subject, &Clues::default()));
        }
        *checked_line = Some((range, directive.clone()));
        directive
    }

    /// Whether keys are collected: for `secret-in-repo`, and the asymmetric ones for `private-key`
    /// and `shared-rsa-prime` too, so that disabling `secret-in-repo` alone does not silence them.
    fn collects_keys(&self) -> bool {
        [id::SECRET_IN_REPO, id::PRIVATE_KEY, id::SHARED_RSA_PRIME]
            .into_iter()
            .any(|rule| self.settings.rule_enabled(rule))
    }

    /// The JWKs of a window whose `kty` starts before `limit`: `private-jwk` findings and, for
    /// `secret-in-repo`, their key candidates.
    fn scan_keys(&self, from: &Provenance, buf: &[u8], origin: Origin, limit: usize, out: &mut Collector) {
        let path = from.shown();
        let report = self.settings.rule_enabled(id::PRIVATE_JWK);
        let collect = self.collects_keys();
        if !(report || collect) || memchr::memmem::find(buf, b"kty").is_none() {
            return;
        }
        let mut locator = Locator::with_base_line(buf, origin.line);
        let mut lines = LineCounter::new(buf, origin.line);
        // Built once, at the first private key: a JWKS of many keys must not index the text per key.
        let mut surroundings = None;
        // Keys on one long line (a one-line JWKS) share one reading of its ignore comments.
        let mut checked_line = None;
        jwk::each_key(buf, limit, &mut |at, key| {
            if collect {
                let line = lines.line_of(at);
                let origin = |form, public| KeyOrigin {
                    path: Arc::clone(path),
                    line,
                    form,
                    public,
                    commit: from.commit.clone(),
                };
                jwk::collect(key, origin, &mut out.keys);
                if let Some((material, private)) = keys::asym::from_jwk(&key.members) {
                    let path = Arc::clone(path);
                    let form = "JWK";
                    out.keys.push_asym(keys::asym::AsymKey {
                        material,
                        private,
                        path,
                        line,
                        form,
                        commit: from.commit.clone(),
                        at,
                    });
                }
            }
            if !report {
                return;
            }
            let Some(private) = private_jwk::check(key) else { return };
            let span = (origin.shift(locator.position(private.start)), origin.shift(locator.position(private.end)));
            if self.inline_ignore
                && self
                    .line_directive(&locator, buf, private.start, (from, span.0.line), out, &mut checked_line)
                    .silences(id::PRIVATE_JWK.as_str())
            {
                out.ignored_inline += 1;
                return;
            }
            let surroundings = surroundings.get_or_insert_with(|| context::Surroundings::new(buf));
            let clues = Clues::of_key(&private.member_sha256, surroundings, private.start);
            let subject = Subject::Key { redacted: private.redacted, full: private.full, sha256: private.sha256 };
            self.report(out, from, private.hit, span, (subject, &clues));
        });
    }
}

/// What the ignore comments on `line_text` (line `line` of `path`) silence; an unknown rule id
/// in one is a warning.
fn read_ignores(path: &str, line_text: &[u8], line: u64, out: &mut Collector) -> Directive {
    let mut unknown = Vec::new();
    let directive = inline_ignore::parse(line_text, &mut unknown);
    for id in unknown {
        // The name is the input's: a token or key there is shown as error text is, redacted.
        let id = crate::redact::input_message(&id);
        out.note(format!("{path}:{line}: unknown rule `{id}` in a jwtscan:ignore comment (see `jwtscan rules`)"));
    }
    directive
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNSIGNED: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.";

    fn scan(text: &[u8]) -> Collector {
        let settings = Settings::default();
        let mut scanner = Scanner::new(&settings);
        let mut out = Collector::default();
        scanner.scan_reader(&Provenance::file(Arc::from("f")), text, &mut out).unwrap();
        out
    }

    #[test]
    fn a_token_repeated_in_a_file_is_listed_up_to_the_cap_and_the_rest_counted() {
        let out = scan(format!("{UNSIGNED}\n").repeat(1_000).as_bytes());
        assert_eq!(out.tokens, 1_000);
        let listed: Vec<_> = out.findings_in_memory().iter().filter(|f| f.rule == "alg-none").collect();
        assert_eq!(listed.len() as u64, REPEATS_LISTED);
        assert_eq!(listed.iter().map(|f| f.line).max(), Some(REPEATS_LISTED), "the first ones are listed");
        let notes: Vec<String> = out.problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            notes,
            [format!("f: {} more occurrences of the same token not listed (the first 64 are)", 1_000 - REPEATS_LISTED)]
        );
    }

    #[test]
    fn finds_the_position_of_a_token_after_multibyte_text() {
        let out = scan(format!("é\n€€ {UNSIGNED}\n").as_bytes());
        let finding = out.findings_in_memory().iter().find(|f| f.rule == "alg-none").unwrap();
        assert_eq!((finding.line, finding.column), (2, 4));
        assert_eq!((finding.end_line, finding.end_column), (2, 4 + UNSIGNED.len() as u64));
    }

    #[test]
    fn inline_ignore_silences_only_its_line() {
        let out = scan(format!("{UNSIGNED} # jwtscan:ignore\n{UNSIGNED}\n").as_bytes());
        assert_eq!(out.tokens, 2);
        let lines: Vec<u64> = out.findings_in_memory().iter().map(|f| f.line).collect();
        assert!(!lines.is_empty() && lines.iter().all(|&line| line == 2), "{lines:?}");
    }

    #[test]
    fn tokens_in_later_windows_keep_their_file_positions() {
        let mut text = Vec::new();
        let filler = "x".repeat(99) + "\n";
        while text.len() < WINDOW + 10 {
            text.extend_from_slice(filler.as_bytes());
        }
        let lines_before = text.len() as u64 / 100;
        text.extend_from_slice(format!("ab {UNSIGNED}").as_bytes());
        let out = scan(&text);
        let finding = out.findings_in_memory().iter().find(|f| f.rule == "alg-none").unwrap();
        assert_eq!((finding.line, finding.column), (lines_before + 1, 4));
        assert_eq!(out.bytes_scanned, text.len() as u64);
    }

    #[test]
    fn a_token_on_a_line_longer_than_a_window_is_found_once_at_its_column() {
        let mut text = vec![b'x'; WINDOW - 100];
        text.push(b' ');
        text.extend_from_slice(UNSIGNED.as_bytes());
        text.push(b' ');
        text.extend(std::iter::repeat_n(b'y', WINDOW));
        let out = scan(&text);
        let found: Vec<_> = out.findings_in_memory().iter().filter(|f| f.rule == "alg-none").collect();
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].line, found[0].column), (1, WINDOW as u64 - 100 + 2));
    }

    #[test]
    fn a_token_longer_than_the_overlap_across_the_window_cut_is_found_whole() {
        use base64::Engine as _;
        let claims = format!("{{\"blob\":\"{}\"}}", "A".repeat(3 * OVERLAP));
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims);
        let token = format!("{}{payload}.", &UNSIGNED[..UNSIGNED.find('.').unwrap() + 1]);
        let mut text = b"x\n".to_vec();
        text.resize(WINDOW / 4, b'x');
        // The token starts before the last OVERLAP bytes and ends after the window.
        text.extend(std::iter::repeat_n(b'y', WINDOW - text.len() - 2 * OVERLAP));
        let column = text.len() as u64 - 1;
        text.extend_from_slice(token.as_bytes());
        let out = scan(&text);
        assert_eq!(out.tokens, 1);
        let finding = out.findings_in_memory().iter().find(|f| f.rule == "alg-none").unwrap();
        assert_eq!((finding.line, finding.column), (2, column));
        assert_eq!(finding.end_column, column + token.len() as u64);
    }
}
