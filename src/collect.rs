//! What a scan collects before the report: findings, the HS* token occurrences and key candidates
//! the cross-file forgery pass needs, counts and per-file problems. One `Collector` per worker,
//! merged at the end; it sits below the scan and the forgery rules so both can fill it.

use std::sync::Arc;

use crate::catalog::Hit;
use crate::config::Settings;
use crate::context::Clues;
use crate::finding::{Finding, Position, Site, Subject};
use crate::keys::KeyStore;
use crate::provenance::Chain;
use crate::spill::{Sorted, Sorter};

/// One place a token was seen, kept for findings made after the walk (the forgery pass).
#[derive(Clone, Debug)]
pub struct Occurrence {
    pub path: Arc<str>,
    /// The members of `path` the token is in (see `provenance`).
    pub member: Chain,
    pub start: Position,
    pub end: Position,
    pub compact: Arc<str>,
    pub sha256: String,
    pub commit: Option<Arc<str>>,
    /// In history mode, the commit's time and author, which every finding at a commit carries
    /// (`evidence.commit_time`, `evidence.author`), those of the forgery pass too.
    pub history: Option<(i64, Arc<str>)>,
    pub clues: Clues,
    /// The layers the token was found inside, outside in; empty for a bare or wrapped token.
    pub encoding: Vec<&'static str>,
    /// Rules a `jwtscan: ignore[…]` comment on the token's line names: the forgery pass, which
    /// runs after the walk, must not report them either.
    pub silenced: Vec<&'static str>,
}

impl Occurrence {
    pub fn finding(&self, hit: Hit, show_secrets: bool) -> Finding {
        let site = Site {
            path: &self.path,
            member: &self.member,
            start: self.start,
            end: self.end,
            commit: self.commit.as_deref(),
            history: self.history.as_ref().map(|(time, author)| (*time, &**author)),
        };
        let mut finding = Finding::new(hit, &site, &self.subject(), show_secrets);
        finding.clues = self.clues.clone();
        finding
    }

    /// A token handed over whole (`jwtscan decode`), as if it were a one-line file `input`.
    pub fn whole(compact: &str) -> Occurrence {
        Occurrence {
            path: Arc::from("input"),
            member: Chain::NONE,
            start: Position { line: 1, column: 1 },
            end: Position { line: 1, column: 1 + compact.chars().count() as u64 },
            compact: Arc::from(compact),
            sha256: crate::hex::sha256_hex(compact.as_bytes()),
            commit: None,
            history: None,
            clues: Clues::default(),
            encoding: Vec::new(),
            silenced: Vec::new(),
        }
    }

    pub fn subject(&self) -> Subject {
        Subject::Token {
            compact: Arc::clone(&self.compact),
            sha256: self.sha256.clone(),
            encoding: self.encoding.clone(),
        }
    }
}

/// A finding before it has a place: what a history blob yields, made into one finding per path
/// and commit that hold the blob.
#[derive(Clone, Debug)]
pub struct Unplaced {
    pub hit: Hit,
    /// The members below the scanned blob the finding is in (see `provenance`).
    pub member: Chain,
    pub start: Position,
    pub end: Position,
    pub subject: Subject,
    pub clues: Clues,
}

/// Findings bytes one collector keeps in memory; past it they go to sorted runs on disk, so a scan
/// with millions of findings holds a few MB of them per thread (see `spill`). The environment
/// variable `JWTSCAN_FINDINGS_BUDGET` (bytes) sets it, so that tests can make any scan spill.
pub fn findings_budget() -> usize {
    static BUDGET: std::sync::LazyLock<usize> = std::sync::LazyLock::new(|| {
        std::env::var("JWTSCAN_FINDINGS_BUDGET").ok().and_then(|bytes| bytes.parse().ok()).unwrap_or(8 << 20)
    });
    *BUDGET
}

/// Asymmetric token occurrences kept per worker: the checks over them are pairwise.
pub const MAX_SIGNED_TOKENS: usize = 20_000;

/// Files whose named-line and literal key candidates the walk did not collect (for
/// `secret-in-repo`, and for naming where a weak secret is defined): read again after the walk
/// only when an HS token is left that the head of the weak list does not solve with a secret
/// shorter than any such candidate. Most trees hold no such token, and that collection cost a
/// sixth of their scan. At most `Deferred::BUDGET` bytes of paths per walk worker; past it the
/// worker collects as it reads.
#[derive(Default, Debug)]
pub struct Deferred {
    pub paths: Vec<std::path::PathBuf>,
    bytes: usize,
    /// How the source that deferred them reads them again: their string candidates, and notes.
    pub read_again: Option<ReadAgain>,
}

pub type ReadAgain = fn(&mut [std::path::PathBuf], &Settings) -> (KeyStore, Vec<String>);

impl Deferred {
    const BUDGET: usize = 4 << 20;

    pub fn has_room(&self) -> bool {
        self.bytes < Self::BUDGET
    }

    pub fn push(&mut self, path: std::path::PathBuf, read_again: ReadAgain) {
        self.bytes += path.as_os_str().len() + std::mem::size_of::<std::path::PathBuf>();
        self.paths.push(path);
        self.read_again = Some(read_again);
    }

    fn merge(&mut self, other: Deferred) {
        self.bytes += other.bytes;
        self.paths.extend(other.paths);
        self.read_again = self.read_again.or(other.read_again);
    }

    /// The candidates of the deferred files, and notes on any that could not be read again.
    pub fn read(mut self, settings: &Settings) -> (KeyStore, Vec<String>) {
        match self.read_again {
            Some(read_again) if !self.paths.is_empty() => read_again(&mut self.paths, settings),
            _ => (KeyStore::default(), Vec::new()),
        }
    }
}

/// What scanning produced; one per worker, merged at the end.
#[derive(Default, Debug)]
pub struct Collector {
    /// Findings not yet spilled, in the order they were made; added by `push_finding` only, so
    /// that the budget sees every one.
    findings: Vec<Finding>,
    /// Findings past `findings_budget()`.
    pub spilled: Spilled,
    /// Findings of a scan whose places are decided later (`Scanner::placing_later`).
    pub unplaced: Vec<Unplaced>,
    /// HS256/384/512 token occurrences, for the weak-secret and secret-in-repo pass.
    pub hmac_tokens: Vec<Occurrence>,
    /// RS/PS/ES/EdDSA token occurrences, for the checks of committed private keys, shared RSA
    /// primes and reused ECDSA nonces; at most `MAX_SIGNED_TOKENS`, per worker and merged.
    pub signed_tokens: Vec<Occurrence>,
    /// Occurrences past `MAX_SIGNED_TOKENS`, not checked: counted in a warning.
    pub signed_dropped: u64,
    /// Candidate HMAC keys from the scanned files, for the secret-in-repo pass.
    pub keys: KeyStore,
    /// Files to read again for the candidates `keys` left out.
    pub deferred: Deferred,
    /// What the place of each asymmetric key in `keys.asym` says (a test module before it), by
    /// path, line and commit: findings on keys are made after the walk, when the text is gone.
    pub key_clues: std::collections::HashMap<KeyPlace, Clues>,
    /// The repository's own names (manifests, env templates), for derived secrets.
    pub names: crate::keys::names::RepoNames,
    pub tokens: u64,
    /// Findings not made because their line holds `jwtscan:ignore`.
    pub ignored_inline: u64,
    pub files_scanned: u64,
    /// Commit and tag messages and notes scanned (`jwtscan git`); not in `files_scanned`.
    pub messages_scanned: u64,
    pub bytes_scanned: u64,
    pub skipped: u64,
    /// Of `skipped`, the files over `--max-file-size`: content the scan did not see, which makes
    /// a `scan` incomplete (a FIFO or a socket is not content).
    pub oversized: u64,
    pub errors: u64,
    pub problems: Vec<Problem>,
}

/// A collector's findings on disk: a sorter still taking them, and the finished sorters of merged
/// collectors.
#[derive(Default)]
pub struct Spilled {
    sorter: Option<Sorter<Finding>>,
    parts: Vec<Sorted<Finding>>,
    /// Bytes of the findings in memory.
    bytes: usize,
}

impl Spilled {
    fn absorb(&mut self, other: Spilled) {
        self.parts.extend(other.parts);
        self.parts.extend(other.sorter.map(Sorter::finish));
    }

    /// Whether any finding went to disk.
    pub fn any(&self) -> bool {
        self.sorter.is_some() || !self.parts.is_empty()
    }
}

impl std::fmt::Debug for Spilled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spilled").field("any", &self.any()).field("bytes", &self.bytes).finish()
    }
}

/// A file the scan skipped or could not read, or a note about the scan as a whole: shown as a
/// warning on stderr and in the report's notifications, and counted in the summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Not scanned on purpose (over the size limit, a symbolic link, not a regular file).
    Skipped { path: String, reason: String },
    /// Could not be read, or read only in part.
    Error { path: String, reason: String },
    /// About the scan, not one file (a budget that bit, a shallow clone).
    Note(String),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Skipped { path, reason } => write!(f, "{path}: skipped: {reason}"),
            Problem::Error { path, reason } => write!(f, "{path}: {reason}"),
            Problem::Note(text) => f.write_str(text),
        }
    }
}

/// Where an asymmetric key was read: its path, line and commit.
pub type KeyPlace = (Arc<str>, u64, Option<Arc<str>>);

impl Collector {
    /// Reads the clues of the places of the asymmetric keys kept from `from` on, all read from
    /// `window`.
    pub fn place_keys(&mut self, from: usize, window: &[u8]) {
        let Some(fresh) = self.keys.asym.get(from..).filter(|fresh| !fresh.is_empty()) else { return };
        let text = crate::context::Surroundings::new(window);
        for key in fresh {
            let place = (Arc::clone(&key.path), key.line, key.commit.clone());
            self.key_clues.entry(place).or_insert_with(|| Clues::of_key("", &text, key.at));
        }
    }

    pub fn merge(&mut self, other: Collector) {
        self.findings.extend(other.findings);
        self.spilled.bytes += other.spilled.bytes;
        self.spilled.absorb(other.spilled);
        self.bound_findings();
        self.unplaced.extend(other.unplaced);
        self.hmac_tokens.extend(other.hmac_tokens);
        let room = MAX_SIGNED_TOKENS.saturating_sub(self.signed_tokens.len());
        let past_room = other.signed_tokens.len().saturating_sub(room) as u64;
        self.signed_dropped += other.signed_dropped + past_room;
        self.signed_tokens.extend(other.signed_tokens.into_iter().take(room));
        self.keys.merge(other.keys);
        self.deferred.merge(other.deferred);
        for (place, clues) in other.key_clues {
            self.key_clues.entry(place).or_insert(clues);
        }
        self.names.merge(other.names);
        self.tokens += other.tokens;
        self.ignored_inline += other.ignored_inline;
        self.files_scanned += other.files_scanned;
        self.messages_scanned += other.messages_scanned;
        self.bytes_scanned += other.bytes_scanned;
        self.skipped += other.skipped;
        self.oversized += other.oversized;
        self.errors += other.errors;
        self.problems.extend(other.problems);
    }

    /// Adds a finding; past `findings_budget()` the findings in memory go to sorted runs on disk.
    pub fn push_finding(&mut self, finding: Finding) {
        self.spilled.bytes += crate::spill::Spill::mem_size(&finding);
        self.findings.push(finding);
        self.bound_findings();
    }

    /// The findings still in memory, in the order they were made.
    pub fn findings_in_memory(&self) -> &[Finding] {
        &self.findings
    }

    fn bound_findings(&mut self) {
        let spilled = &mut self.spilled;
        if spilled.bytes <= findings_budget() {
            return;
        }
        let sorter = spilled.sorter.get_or_insert_with(|| Sorter::new(findings_budget(), crate::finding::report_order));
        for finding in self.findings.drain(..) {
            sorter.push(finding);
        }
        spilled.bytes = 0;
    }

    /// Keeps the findings, spilled or not, that `keep` accepts. Spilled ones are read back and
    /// bounded again as they are kept; one that cannot be read back ends the reading with a note.
    pub fn retain_findings(&mut self, mut keep: impl FnMut(&Finding) -> bool) {
        if !self.spilled.any() {
            self.findings.retain(|finding| keep(finding));
            return;
        }
        let merged = Sorted::merge(self.take_findings(), crate::finding::report_order);
        self.problems.extend(merged.warnings().iter().cloned().map(Problem::Note));
        for finding in merged.iter() {
            match finding {
                Ok(finding) if keep(&finding) => self.push_finding(finding.into_owned()),
                Ok(_) => {}
                Err(err) => {
                    self.problems.push(Problem::Note(format!(
                        "findings written to a temporary file could not be read back: {err}"
                    )));
                    break;
                }
            }
        }
    }

    /// Every finding, spilled or not: the parts to merge, in the order the findings were made.
    pub fn take_findings(&mut self) -> Vec<Sorted<Finding>> {
        let mut parts = std::mem::take(&mut self.spilled.parts);
        parts.extend(self.spilled.sorter.take().map(Sorter::finish));
        parts.push(Sorted::from_vec(std::mem::take(&mut self.findings), crate::finding::report_order));
        self.spilled = Spilled::default();
        parts
    }

    // Warnings quote paths and text from the input (a file named after a token, a rule name in
    // an ignore comment): every token in them is redacted here, once for every format.

    pub fn skip(&mut self, path: &str, reason: &str) {
        self.skipped += 1;
        let (path, reason) = (scrubbed(path), scrubbed(reason));
        self.problems.push(Problem::Skipped { path, reason });
    }

    pub fn error(&mut self, path: &str, reason: &str) {
        self.errors += 1;
        let (path, reason) = (scrubbed(path), scrubbed(reason));
        self.problems.push(Problem::Error { path, reason });
    }

    /// A warning about the scan as a whole; not counted as a skip or an error.
    pub fn note(&mut self, text: impl Into<String>) {
        self.problems.push(Problem::Note(scrubbed(&text.into())));
    }
}

fn scrubbed(text: &str) -> String {
    crate::redact::scrub(text).into_owned()
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

    /// Positions on a window's first line are offset by the characters before the window.
    pub fn shift(self, position: Position) -> Position {
        if position.line == self.line {
            Position { line: position.line, column: position.column + self.column }
        } else {
            position
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_signed(count: usize) -> Collector {
        let occurrence = Occurrence::whole("an RS256 token");
        Collector { signed_tokens: vec![occurrence; count], ..Collector::default() }
    }

    #[test]
    fn signed_tokens_past_the_bound_are_counted_when_collectors_merge() {
        let mut total = with_signed(15_000);
        let mut other = with_signed(10_000);
        other.signed_dropped = 3;
        total.merge(other);
        assert_eq!(total.signed_tokens.len(), MAX_SIGNED_TOKENS);
        assert_eq!(total.signed_dropped, 5_000 + 3);
    }
}
