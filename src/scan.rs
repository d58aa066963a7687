//! The per-buffer pipeline: find → decode → rules → findings, plus what the cross-file pass needs.
//! One `Scanner` per worker thread; its buffers are reused so the hot path does not allocate for
//! files without tokens.

use std::io::Read;
use std::sync::Arc;

use crate::config::Settings;
use crate::find::{self, Candidate};
use crate::finding::{self, Finding, Locator, Position};
use crate::rules::{self, Hit};
use crate::secrets::Window;
use crate::token;

/// One place a token was seen, kept for findings made after the walk (the secrets pass).
#[derive(Clone, Debug)]
pub struct Occurrence {
    pub path: Arc<str>,
    pub start: Position,
    pub end: Position,
    pub compact: String,
    pub sha256: String,
    pub commit: Option<Arc<str>>,
}

impl Occurrence {
    pub fn finding(&self, settings: &Settings, mut hit: Hit) -> Finding {
        if !settings.show_secrets {
            // Evidence and messages quote header and claim values, which may hold a whole token.
            hit.message = crate::redact::scrub(&hit.message).into_owned();
            crate::redact::mask_members(&mut hit.evidence, false);
        }
        let fingerprint = finding::fingerprint(hit.rule, &self.path, &self.sha256);
        Finding {
            rule: hit.rule.to_string(),
            severity: hit.severity,
            message: hit.message,
            path: self.path.to_string(),
            line: self.start.line,
            column: self.start.column,
            end_line: self.end.line,
            end_column: self.end.column,
            token: if settings.show_secrets { self.compact.clone() } else { finding::redact_token(&self.compact) },
            token_sha256: self.sha256.clone(),
            fingerprint,
            evidence: hit.evidence,
            commit: self.commit.as_deref().map(str::to_string),
            // Only the text report shows them; the other formats skip the second decode.
            details: (settings.format == crate::cli::Format::Text)
                .then(|| crate::report::TokenDetails::of(&self.compact, settings).map(Arc::new))
                .flatten(),
        }
    }
}

/// What scanning produced; one per worker, merged at the end.
#[derive(Default, Debug)]
pub struct Collector {
    pub findings: Vec<Finding>,
    /// HS256/384/512 token occurrences, for the weak-secret and secret-in-repo pass.
    pub hmac_tokens: Vec<Occurrence>,
    /// Candidate HMAC keys from the scanned files, for the secret-in-repo pass.
    pub keys: crate::secrets::KeyStore,
    pub tokens: u64,
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub skipped: u64,
    pub errors: u64,
    pub warnings: Vec<String>,
}

impl Collector {
    pub fn merge(&mut self, other: Collector) {
        self.findings.extend(other.findings);
        self.hmac_tokens.extend(other.hmac_tokens);
        self.keys.merge(other.keys);
        self.tokens += other.tokens;
        self.files_scanned += other.files_scanned;
        self.bytes_scanned += other.bytes_scanned;
        self.skipped += other.skipped;
        self.errors += other.errors;
        self.warnings.extend(other.warnings);
    }

    pub fn skip(&mut self, path: &str, reason: &str) {
        self.skipped += 1;
        self.warnings.push(format!("{path}: skipped: {reason}"));
    }

    pub fn error(&mut self, path: &str, reason: &str) {
        self.errors += 1;
        self.warnings.push(format!("{path}: {reason}"));
    }
}

/// Where a window of a file starts, so positions in it are positions in the file.
#[derive(Clone, Copy, Debug)]
pub struct Origin {
    pub line: u64,
    /// Characters on `line` before the window's first byte.
    pub column: u64,
}

impl Origin {
    pub const START: Origin = Origin { line: 1, column: 0 };
}

/// Files are read in windows of this size so memory stays bounded whatever the file size.
const WINDOW: usize = 16 << 20;
/// When a window holds no line break, this much of its end is scanned again with the next window
/// so a token across the cut is still found whole.
const OVERLAP: usize = 1 << 20;

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
}

pub struct Scanner<'s> {
    settings: &'s Settings,
    ctx: rules::Context,
    candidates: Vec<Candidate>,
    hits: Vec<Hit>,
    buf: Vec<u8>,
    /// Per token SHA-256, for the current file (cleared by `finish_file`).
    seen: std::collections::HashMap<String, Seen>,
}

impl<'s> Scanner<'s> {
    pub fn new(settings: &'s Settings) -> Self {
        Scanner {
            settings,
            ctx: rules::Context::new(settings),
            candidates: Vec::new(),
            hits: Vec::new(),
            buf: Vec::new(),
            seen: std::collections::HashMap::new(),
        }
    }

    /// Ends a file: repeats past `REPEATS_LISTED` are counted in one warning per token.
    fn finish_file(&mut self, path: &str, out: &mut Collector) {
        let mut unlisted: Vec<u64> = self
            .seen
            .drain()
            .filter(|(_, seen)| seen.occurrences > REPEATS_LISTED)
            .map(|(_, seen)| seen.occurrences - REPEATS_LISTED)
            .collect();
        unlisted.sort_unstable();
        for more in unlisted {
            out.warnings.push(format!(
                "{path}: {more} more occurrences of the same token not listed (the first {REPEATS_LISTED} are)"
            ));
        }
    }

    /// Reads `reader` to the end in bounded windows and scans it.
    pub fn scan_reader(
        &mut self,
        path: &Arc<str>,
        commit: Option<&Arc<str>>,
        mut reader: impl Read,
        out: &mut Collector,
    ) -> std::io::Result<()> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let result = self.scan_windows(path, commit, &mut reader, &mut buf, out);
        if buf.capacity() > WINDOW + OVERLAP {
            buf = Vec::new();
        }
        self.buf = buf;
        out.files_scanned += 1;
        self.finish_file(path, out);
        result
    }

    fn scan_windows(
        &mut self,
        path: &Arc<str>,
        commit: Option<&Arc<str>>,
        reader: &mut impl Read,
        buf: &mut Vec<u8>,
        out: &mut Collector,
    ) -> std::io::Result<()> {
        let mut origin = Origin::START;
        // A window grows while one token in progress fills it, up to the file-size limit: a
        // token longer than a window is still found whole.
        let largest = usize::try_from(self.settings.max_file_size).unwrap_or(usize::MAX).max(WINDOW);
        let mut window = WINDOW;
        loop {
            let want = window - buf.len();
            let read = read_up_to(reader, buf, want)?;
            out.bytes_scanned += read as u64;
            if read < want {
                self.scan_buffer(path, commit, buf, origin, buf.len(), out);
                return Ok(());
            }
            let cut = match memchr::memrchr(b'\n', &buf[window / 2..]) {
                Some(index) => window / 2 + index + 1,
                None => match cut_inside_line(buf) {
                    Some(cut) => cut,
                    None if window < largest => {
                        window = window.saturating_mul(2).min(largest);
                        continue;
                    }
                    None => buf.len() - OVERLAP,
                },
            };
            self.scan_buffer(path, commit, buf, origin, cut, out);
            let consumed = &buf[..cut];
            match memchr::memrchr(b'\n', consumed) {
                Some(last) => {
                    origin.line += memchr::memchr_iter(b'\n', consumed).count() as u64;
                    origin.column = finding::char_count(&consumed[last + 1..]);
                }
                None => origin.column += finding::char_count(consumed),
            }
            buf.drain(..cut);
        }
    }

    /// Scans a whole in-memory buffer (a blob, stdin already read, a test string).
    pub fn scan_bytes(&mut self, path: &Arc<str>, commit: Option<&Arc<str>>, buf: &[u8], out: &mut Collector) {
        out.files_scanned += 1;
        out.bytes_scanned += buf.len() as u64;
        self.scan_buffer(path, commit, buf, Origin::START, buf.len(), out);
        self.finish_file(path, out);
    }

    /// Scans `buf`, reporting tokens that start before `limit` (the rest belong to the next window).
    fn scan_buffer(
        &mut self,
        path: &Arc<str>,
        commit: Option<&Arc<str>>,
        buf: &[u8],
        origin: Origin,
        limit: usize,
        out: &mut Collector,
    ) {
        self.candidates.clear();
        let collect_keys = self.settings.rule_enabled("secret-in-repo");
        // `kty` is a hint: a window searched for hints and holding none holds no JWK either.
        let hinted = if collect_keys {
            find::find_tokens_and_hint(buf, &mut self.candidates)
        } else {
            find::find_tokens(buf, &mut self.candidates);
            true
        };
        let holds_token = self.candidates.iter().any(|candidate| candidate.start < limit);
        if collect_keys {
            let window = Window { buf, first_line: origin.line, limit, hinted, holds_token };
            crate::secrets::collect(path, commit, &window, &mut out.keys);
        }
        if hinted {
            crate::jwk::scan(self.settings, path, commit, buf, origin, limit, out);
        }
        if !holds_token {
            return;
        }
        let mut locator = Locator::with_base_line(buf, origin.line);
        let candidates = std::mem::take(&mut self.candidates);
        // The last line checked for `jwtscan:ignore`: tokens on one long line share one search.
        let mut checked_line: Option<(std::ops::Range<usize>, bool)> = None;
        for candidate in candidates.iter().filter(|candidate| candidate.start < limit) {
            let compact = candidate.compact(buf);
            let sha256 = finding::sha256_hex(compact.as_bytes());
            // A token seen before in this file is not decoded or checked again.
            let known = self.seen.contains_key(&sha256);
            let token = if known { None } else { token::decode(compact) };
            if !known && token.is_none() {
                continue;
            }
            out.tokens += 1;
            if self.settings.inline_ignore && line_is_ignored(&locator, buf, candidate.start, &mut checked_line) {
                continue;
            }
            if let Some(token) = &token {
                self.hits.clear();
                rules::check_token(token, &self.ctx, &mut self.hits);
                self.hits.retain(|hit| self.settings.rule_enabled(hit.rule));
                let hmac = token.alg().is_some_and(|alg| matches!(alg, "HS256" | "HS384" | "HS512"));
                if self.seen.len() < REMEMBERED_TOKENS {
                    self.seen.insert(sha256.clone(), Seen { hits: self.hits.clone(), hmac, occurrences: 0 });
                } else {
                    self.emit(candidate, compact, sha256, hmac, &mut locator, origin, path, commit, out);
                    continue;
                }
            }
            let Some(seen) = self.seen.get_mut(&sha256) else { continue };
            seen.occurrences += 1;
            if seen.occurrences > REPEATS_LISTED {
                continue;
            }
            self.hits.clone_from(&seen.hits);
            let hmac = seen.hmac;
            self.emit(candidate, compact, sha256, hmac, &mut locator, origin, path, commit, out);
        }
        self.candidates = candidates;
    }
}

impl Scanner<'_> {
    /// Reports one occurrence with the hits in `self.hits`.
    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        candidate: &Candidate,
        compact: &str,
        sha256: String,
        hmac: bool,
        locator: &mut Locator<'_>,
        origin: Origin,
        path: &Arc<str>,
        commit: Option<&Arc<str>>,
        out: &mut Collector,
    ) {
        let occurrence = Occurrence {
            path: Arc::clone(path),
            start: shift(locator.position(candidate.start), origin),
            end: shift(locator.position(candidate.end), origin),
            compact: compact.to_string(),
            sha256,
            commit: commit.cloned(),
        };
        for hit in self.hits.drain(..) {
            out.findings.push(occurrence.finding(self.settings, hit));
        }
        if hmac {
            out.hmac_tokens.push(occurrence);
        }
    }
}

fn line_is_ignored(
    locator: &Locator<'_>,
    buf: &[u8],
    offset: usize,
    checked_line: &mut Option<(std::ops::Range<usize>, bool)>,
) -> bool {
    if let Some((range, ignored)) = checked_line
        && range.contains(&offset)
    {
        return *ignored;
    }
    let range = locator.line_range(offset);
    let ignored = memchr::memmem::find(&buf[range.clone()], b"jwtscan:ignore").is_some();
    *checked_line = Some((range, ignored));
    ignored
}

/// Where to cut a full window whose second half holds no line break. A token that runs into the
/// window's end moves whole into the next window: the cut goes before the first token prefix in
/// the run of token characters that reaches the end, however long that run is; `None` when that
/// token starts the window (it fills it: the window must grow). Otherwise the last OVERLAP bytes
/// are scanned again, as a token may also start just before them.
fn cut_inside_line(buf: &[u8]) -> Option<usize> {
    let fallback = buf.len() - OVERLAP;
    let run_start = buf.iter().rposition(|&b| !is_token_byte(b)).map_or(0, |index| index + 1);
    let run = &buf[run_start..];
    let prefix = [memchr::memmem::find(run, b"eyJ"), memchr::memmem::find(run, b"ZXlK")].into_iter().flatten().min();
    match prefix.map(|offset| run_start + offset) {
        Some(0) => None,
        Some(start) => Some(start.min(fallback)),
        None => Some(fallback),
    }
}

/// Bytes a compact token or its base64 wrapper can hold.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'=' | b'+' | b'/')
}

/// Positions on a window's first line are offset by the characters before the window.
fn shift(position: Position, origin: Origin) -> Position {
    if position.line == origin.line {
        Position { line: position.line, column: position.column + origin.column }
    } else {
        position
    }
}

fn read_up_to(reader: &mut impl Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<usize> {
    reader.take(want as u64).read_to_end(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNSIGNED: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.";

    fn scan(text: &[u8]) -> Collector {
        let settings = Settings::default();
        let mut scanner = Scanner::new(&settings);
        let mut out = Collector::default();
        scanner.scan_reader(&Arc::from("f"), None, text, &mut out).unwrap();
        out
    }

    #[test]
    fn finds_the_position_of_a_token_after_multibyte_text() {
        let out = scan(format!("é\n€€ {UNSIGNED}\n").as_bytes());
        let finding = out.findings.iter().find(|f| f.rule == "alg-none").unwrap();
        assert_eq!((finding.line, finding.column), (2, 4));
        assert_eq!((finding.end_line, finding.end_column), (2, 4 + UNSIGNED.len() as u64));
    }

    #[test]
    fn a_token_repeated_in_a_file_is_listed_up_to_the_cap_and_the_rest_counted() {
        let out = scan(format!("{UNSIGNED}\n").repeat(1_000).as_bytes());
        assert_eq!(out.tokens, 1_000);
        let listed = out.findings.iter().filter(|f| f.rule == "alg-none").count() as u64;
        assert_eq!(listed, REPEATS_LISTED);
        assert_eq!(
            out.warnings,
            [format!("f: {} more occurrences of the same token not listed (the first 64 are)", 1_000 - REPEATS_LISTED)]
        );
        let last = out.findings.iter().filter(|f| f.rule == "alg-none").map(|f| f.line).max();
        assert_eq!(last, Some(REPEATS_LISTED), "the first occurrences are the ones listed");
    }

    #[test]
    fn inline_ignore_silences_only_its_line() {
        let out = scan(format!("{UNSIGNED} # jwtscan:ignore\n{UNSIGNED}\n").as_bytes());
        assert_eq!(out.tokens, 2);
        assert!(out.findings.iter().all(|f| f.line == 2));
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
        let finding = out.findings.iter().find(|f| f.rule == "alg-none").unwrap();
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
        let found: Vec<_> = out.findings.iter().filter(|f| f.rule == "alg-none").collect();
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
        let finding = out.findings.iter().find(|f| f.rule == "alg-none").unwrap();
        assert_eq!((finding.line, finding.column), (2, column));
        assert_eq!(finding.end_column, column + token.len() as u64);
    }
}
