//! The forgery rules, `weak-secret` and `secret-in-repo`, run once after the walk over the
//! distinct HS256/384/512 tokens: `weak-secret` tries the built-in list (`rules/weak-secrets.txt`)
//! and `--wordlist` files; `secret-in-repo` tries the key candidates collected from the scanned
//! files (`keys`), public keys included (an HS* token that verifies under a public key is a
//! key-confusion forgery). The HMAC checks themselves are the `hmac` engines'.
//!
//! A token found by `weak-secret` is not searched again by `secret-in-repo`: one finding per
//! token occurrence, from the more specific rule (a guessable secret stays guessable wherever it
//! is defined); when the weak secret is also defined in the tree, the finding says where.

mod asym;
mod derived;
mod messages;
mod progress;
mod stages;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::Ordering;

use crate::budget::HashBudget;
use crate::catalog::{Hit, id};
use crate::collect::{Collector, Deferred, Occurrence};
use crate::config::Settings;
use crate::hmac::{Target, Targets, search};
use crate::keys::{KeyOrigin, KeyStore, STORE_TOTAL};
use crate::wordlist::{stream_wordlist, weak_head, weak_secrets};
use messages::hit_for;

/// Bytes the `secret-in-repo` search may hash in all (about half a second on two cores): a large
/// tree holds hundreds of thousands of string literals, and checking each against each token
/// would grow with their product. Past it, each token meets only the most likely candidates.
const REPO_HASH_BUDGET: u64 = 512 << 20;
/// However many tokens share the budget, each is tried against at least this many candidates.
const REPO_MIN_CANDIDATES: usize = 20_000;

/// Where a checked candidate came from.
#[derive(Clone, Debug)]
pub(super) enum Source {
    BuiltIn,
    Wordlist(PathBuf),
    Repo(KeyOrigin),
    /// Built from the repository's names (`derived`).
    Derived,
    /// A common word mangled (`derived::mangled`).
    Mangled,
    /// Spelled by a mask (`mask`).
    Mask,
}

#[derive(Debug)]
pub(super) struct Match {
    index: u64,
    pub(super) secret: Vec<u8>,
    pub(super) source: Source,
}

/// Keeps a verification (target, candidate index, key, where the key came from) if it is the
/// target's earliest so far.
type Record<'a> = dyn Fn(usize, u64, &[u8], Source) + Sync + 'a;

/// Indices of at most `limit` repository keys, the likeliest first (see `KeyOrigin::likelihood`).
fn likely_first(repo_keys: &[(Box<[u8]>, KeyOrigin)], limit: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..repo_keys.len()).collect();
    order.sort_by(|&a, &b| repo_keys[a].1.likelihood().cmp(&repo_keys[b].1.likelihood()));
    order.truncate(limit);
    order
}

/// The cross-file pass: verifies every distinct HS* token against the weak list, the wordlists
/// and the collected keys, and adds a finding for every occurrence of each verified token. Each
/// token meets candidates within its share of the byte budget; a token whose share ends before
/// the weak list and wordlists do is reported as `weak-secret` with an `unknown` result.
pub fn pass(collector: &mut Collector, settings: &Settings) {
    asym::pass(collector, settings);
    let keys = std::mem::take(&mut collector.keys);
    let deferred = std::mem::take(&mut collector.deferred);
    let weak_on = settings.rule_enabled(id::WEAK_SECRET);
    let repo_on = settings.rule_enabled(id::SECRET_IN_REPO);
    if collector.hmac_tokens.is_empty() || !(weak_on || repo_on) {
        note_dropped(collector, keys.dropped);
        return;
    }
    let mut targets = distinct_targets(&collector.hmac_tokens, settings);
    if targets.is_empty() {
        note_dropped(collector, keys.dropped);
        return;
    }
    // A group of tokens sharing a signing input costs one check per candidate: it takes one share.
    let share = settings.hash_budget.token_share(targets.groups().len());
    let (wordlists, repeated) = distinct_wordlists(&settings.wordlists);
    let listed = if weak_on {
        weak_secrets().len() as u64 + wordlists.iter().map(|path| count_lines(path)).sum::<u64>()
    } else {
        0
    };
    for note in allocate(&mut targets, &collector.hmac_tokens, &settings.hash_budget, share, listed) {
        collector.note(note);
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
    let extra = stages::Extra::new(&targets, &collector.hmac_tokens, std::mem::take(&mut collector.names), settings);
    if settings.crack.is_some() {
        let (derived, mangled, masked) = extra.counts();
        collector.note(format!(
            "crack: each HS token is tried against {} built-in, {derived} derived, {mangled} mangled and {masked} mask \
             candidates, besides the tree's keys and wordlists",
            weak_secrets().len()
        ));
        // Deep cracking is bounded by its time budget, not by bytes per token.
        for target in targets.iter_mut() {
            target.limit = u64::MAX;
        }
    }
    for (path, times) in repeated {
        collector.note(format!("wordlist {} is listed {times} times: read once", path.display()));
    }
    let run = |mut keys: KeyStore, deferred: Deferred| {
        let mut unreadable = Vec::new();
        let mut notes = Vec::new();
        if repo_on && !deferred.paths.is_empty() && (!weak_on || head_leaves_work(&targets, &record, &matches)) {
            let (more, unread) = deferred.read(settings);
            keys.merge(more);
            notes.extend(unread);
        }
        notes.extend(dropped_note(keys.dropped));
        let repo_keys = if repo_on { keys.into_sorted() } else { Vec::new() };
        if weak_on && repo_on && wordlists.is_empty() && !repo_keys.is_empty() {
            let weak_end = weak_then_repo(&targets, &repo_keys, &record, &mut notes);
            extra.search(&targets, weak_end + repo_keys.len() as u64, &record, &mut notes);
            return (unreadable, notes, weak_end, repo_keys);
        }
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
            let order = likely_first(&repo_keys, repo_keys.len());
            let per_token = repo_share(&targets, base, &repo_keys, &mut notes);
            search_repo(&targets, &repo_keys, &order[..per_token], base, &record);
        }
        if weak_on {
            extra.search(&targets, weak_end + repo_keys.len() as u64, &record, &mut notes);
        }
        (unreadable, notes, weak_end, repo_keys)
    };
    let (unreadable, notes, weak_end, repo_keys) = settings.on_threads(|| run(keys, deferred));
    for (path, reason) in unreadable {
        collector.error(&path, &reason);
    }
    for note in notes {
        collector.note(note);
    }
    let matches = matches.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut unknown = 0;
    for (target, found) in targets.iter().zip(matches) {
        // A token signed with a published example key (RFC 7520's HMAC key) is an example too.
        let published_key =
            found.as_ref().and_then(|found| crate::context::example_key(&crate::hex::sha256_hex(&found.secret)));
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
            let Some(occurrence) = collector.hmac_tokens.get(occurrence) else { continue };
            if occurrence.silenced.contains(&hit.rule.as_str()) {
                collector.ignored_inline += 1;
                continue;
            }
            let mut finding = occurrence.finding(hit.clone(), settings.show_secrets);
            finding.clues.published = finding.clues.published.or(published_key);
            collector.push_finding(finding);
        }
    }
    if unknown > 0 {
        collector.note(format!(
            "weak-secret: {unknown} HS tokens could not be tried against every candidate within the budget (at \
             most {} MiB hashed per token): reported as weak-secret with result `unknown`",
            share >> 20
        ));
    }
}

/// The warning for key candidates and asymmetric keys not kept (`KeyStore::dropped`), if any.
fn dropped_note(dropped: u64) -> Option<String> {
    (dropped > 0).then(|| {
        format!(
            "secret-in-repo: {dropped} key candidates not kept (over {} MiB of candidates, bookkeeping included)",
            STORE_TOTAL >> 20
        )
    })
}

fn note_dropped(collector: &mut Collector, dropped: u64) {
    if let Some(note) = dropped_note(dropped) {
        collector.note(note);
    }
}

/// Whether a token may still need the candidates the walk deferred (`collect::Deferred`), once the
/// head of the weak list is tried (`weak_then_repo` and the plain order both try it first, so the
/// matches are the ones they find): not when the head solves every token with a secret no
/// deferred candidate can equal, as then no later candidate can be a token's earliest match nor
/// name where its secret is defined.
fn head_leaves_work(targets: &Targets, record: &Record<'_>, matches: &Mutex<Vec<Option<Match>>>) -> bool {
    let head = weak_head();
    search(targets, head, 0, &|t, i| record(t, i as u64, head[i], Source::BuiltIn));
    let unsolved = targets.iter().any(|target| target.stop() > head.len() as u64);
    let matches = matches.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    unsolved || matches.iter().flatten().any(|found| crate::keys::string_could_be(&found.secret))
}

/// Sets each target's candidate limit: `share` of the bytes hashed, within what is left of its
/// file's and the run's budgets. A group of tokens sharing a signing input is charged once, as
/// one token, and its tokens get the same limit: one HMAC per candidate checks them all. Groups
/// are served in the order of their first occurrence (path, then position), so the cut falls
/// the same way on every run; each is charged what the `listed` candidates (the weak list and
/// wordlists) cost it, at most its share. A group whose charge is cut meets only the candidates
/// it can afford, maybe none (`unknown` results). Returns one warning per file, and one for the
/// run, whose budget ran out.
fn allocate(
    targets: &mut Targets,
    occurrences: &[Occurrence],
    budget: &HashBudget,
    share: u64,
    listed: u64,
) -> Vec<String> {
    let first_seen = |target: &Target| {
        target
            .occurrences
            .iter()
            .filter_map(|&index| occurrences.get(index))
            .map(|occurrence| (&*occurrence.path, occurrence.start.line, occurrence.start.column))
            .min()
            .unwrap_or(("", 0, 0))
    };
    let groups: Vec<(Vec<usize>, u64)> =
        targets.groups().iter().map(|group| (group.members.clone(), group.check_bytes)).collect();
    let group_seen = |members: &[usize]| members.iter().map(|&t| first_seen(&targets[t])).min().unwrap_or(("", 0, 0));
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by_cached_key(|&g| group_seen(&groups[g].0));
    let mut run_left = budget.per_run;
    let mut file: (&str, u64) = ("", budget.per_file);
    let (mut cut_in_file, mut cut_in_run) = (0u64, 0u64);
    let mut notes = Vec::new();
    let end_file = |path: &str, cut: &mut u64, notes: &mut Vec<String>| {
        if *cut > 0 {
            notes.push(format!(
                "weak-secret: {path}: {cut} HS tokens past the file's budget of {} MiB hashed: reported with \
                 result `unknown`",
                budget.per_file >> 20
            ));
        }
        *cut = 0;
    };
    let mut limits = vec![u64::MAX; targets.len()];
    for g in order {
        let (members, check_bytes) = &groups[g];
        let (path, _, _) = group_seen(members);
        if path != file.0 {
            end_file(file.0, &mut cut_in_file, &mut notes);
            file = (path, budget.per_file);
        }
        let wanted = share.min(listed.saturating_mul(*check_bytes));
        let (file_left, run_before) = (file.1, run_left);
        let granted = wanted.min(file_left).min(run_before);
        file.1 -= granted;
        run_left -= granted;
        let mut limit = HashBudget::candidates(share, *check_bytes);
        if granted < wanted {
            limit = HashBudget::candidates(granted, *check_bytes);
            if file_left <= run_before {
                cut_in_file += members.len() as u64;
            } else {
                cut_in_run += members.len() as u64;
            }
        }
        for &t in members {
            limits[t] = limit;
        }
    }
    end_file(file.0, &mut cut_in_file, &mut notes);
    if cut_in_run > 0 {
        notes.push(format!(
            "weak-secret: {cut_in_run} HS tokens past the run's budget of {} MiB hashed: reported with result `unknown`",
            budget.per_run >> 20
        ));
    }
    for (target, limit) in targets.iter_mut().zip(limits) {
        target.limit = limit;
    }
    notes
}

/// Lines in the wordlist at `path` (0 when it cannot be read: the search reports that).
fn count_lines(path: &std::path::Path) -> u64 {
    use std::io::Read as _;
    let Ok(mut file) = std::fs::File::open(path) else { return 0 };
    let mut buf = vec![0u8; 1 << 20];
    let mut lines = 1;
    while let Ok(read) = file.read(&mut buf) {
        if read == 0 {
            break;
        }
        lines += memchr::memchr_iter(b'\n', &buf[..read]).count() as u64;
    }
    lines
}

/// How many repository candidates each token still unsolved at `base` meets: one check of each
/// group of tokens sharing a signing input per candidate, within `REPO_HASH_BUDGET` in all; when
/// that is fewer than all, a note says so.
fn repo_share(targets: &Targets, base: u64, repo_keys: &[(Box<[u8]>, KeyOrigin)], notes: &mut Vec<String>) -> usize {
    let groups = targets.groups().iter();
    let per_candidate: u64 = groups.filter(|group| group.stop(targets) > base).map(|group| group.check_bytes).sum();
    let per_token = ((REPO_HASH_BUDGET / per_candidate.max(1)) as usize).max(REPO_MIN_CANDIDATES).min(repo_keys.len());
    if per_token < repo_keys.len() {
        notes.push(format!(
            "secret-in-repo: {} HS tokens and {} candidate keys are over the check budget; each token was \
             tried against the {per_token} most likely (public keys and secret-named values first)",
            targets.len(),
            repo_keys.len()
        ));
    }
    per_token
}

/// Checks the repository keys `order[i]` (candidate index `base + i`) against every target.
fn search_repo(
    targets: &Targets,
    repo_keys: &[(Box<[u8]>, KeyOrigin)],
    order: &[usize],
    base: u64,
    record: &Record<'_>,
) {
    let keys: Vec<&[u8]> = order.iter().map(|&index| &repo_keys[index].0[..]).collect();
    search(targets, &keys, base, &|t, i| {
        if let Some((key, origin)) = order.get(i).and_then(|&index| repo_keys.get(index)) {
            record(t, base + i as u64, key, Source::Repo(origin.clone()))
        }
    });
}

/// The built-in list then the repository keys, with the result of trying them in that order, but
/// without checking the whole list against a token that a repository key verifies: a test signs
/// its tokens with the key it defines, and each such token cost a pass over the list. The common
/// weak secrets (`WEAK_HEAD`) are tried first; the repository keys that the whole order would
/// have reached are tried next, on the tokens still unsolved; a token one of them verifies is
/// then matched to the list by key equality (`Target::key_block`), not by HMAC, and the rest of
/// the list is checked against the others only. Returns where the list ends in candidate indices.
fn weak_then_repo(
    targets: &Targets,
    repo_keys: &[(Box<[u8]>, KeyOrigin)],
    record: &Record<'_>,
    notes: &mut Vec<String>,
) -> u64 {
    let list = weak_secrets();
    let head = weak_head().len();
    let weak_end = list.len() as u64;
    search(targets, &list[..head], 0, &|t, i| record(t, i as u64, list[i], Source::BuiltIn));
    let order = likely_first(repo_keys, repo_keys.len());
    // The tokens unsolved now include all those unsolved after the whole list, so they meet no
    // more candidates than those will: the probe is a prefix of what the whole order tries.
    let probed = repo_share(targets, weak_end, repo_keys, &mut Vec::new());
    search_repo(targets, repo_keys, &order[..probed], weak_end, record);
    let mut verified = Vec::new();
    for (t, target) in targets.iter().enumerate() {
        let best = target.best.load(Ordering::Relaxed);
        let Some(&index) = best.checked_sub(weak_end).and_then(|i| order.get(i as usize)) else { continue };
        let block = target.key_block(&repo_keys[index].0);
        let until = usize::try_from(target.limit).unwrap_or(usize::MAX).min(list.len());
        let weak = (head..until).find(|&i| target.has_key_block(list[i], &block));
        if let Some(i) = weak {
            record(t, i as u64, list[i], Source::BuiltIn);
        }
        verified.push((t, weak.map_or(best, |i| i as u64)));
        // Out of the rest of the list's search: its result is known.
        target.best.store(0, Ordering::Relaxed);
    }
    search(targets, &list[head..], head as u64, &|t, i| record(t, (head + i) as u64, list[head + i], Source::BuiltIn));
    for (t, best) in verified {
        targets[t].best.store(best, Ordering::Relaxed);
    }
    let per_token = repo_share(targets, weak_end, repo_keys, notes);
    if per_token > probed {
        search_repo(targets, repo_keys, &order[probed..per_token], weak_end + probed as u64, record);
    }
    weak_end
}

/// The finding for a token whose budget ran out before the weak list and wordlists did: not
/// known to be safe, so not silent, but below the severities that a found secret carries.
fn unknown_hit(target: &Target, share: u64) -> Hit {
    Hit::new(
        id::WEAK_SECRET,
        format!(
            "{} token ({} bytes signed) could not be tried against every guessable secret within the budget",
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
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| crate::discover::normalize(path));
        let count = seen.entry(key).or_insert(0);
        if *count == 0 {
            distinct.push(path.clone());
        }
        *count += 1;
    }
    let mut repeated: Vec<(PathBuf, usize)> = distinct
        .iter()
        .filter_map(|path| {
            let key = std::fs::canonicalize(path).unwrap_or_else(|_| crate::discover::normalize(path));
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

/// One target per distinct HS* token, listing the occurrences it stands for; allowlisted tokens
/// are never reported, so never searched.
fn distinct_targets(occurrences: &[Occurrence], settings: &Settings) -> Targets {
    let mut by_hash: HashMap<&str, usize> = HashMap::new();
    let mut targets = Targets::new();
    let mut unusable: HashSet<&str> = HashSet::new();
    for (index, occurrence) in occurrences.iter().enumerate() {
        if unusable.contains(occurrence.sha256.as_str()) || settings.allowlist_tokens.contains(&occurrence.sha256) {
            continue;
        }
        let known = by_hash.get(occurrence.sha256.as_str()).copied();
        match known.or_else(|| targets.push(&occurrence.compact)) {
            Some(target) => {
                by_hash.insert(&occurrence.sha256, target);
                if let Some(target) = targets.get_mut(target) {
                    target.occurrences.push(index);
                }
            }
            None => {
                unusable.insert(&occurrence.sha256);
            }
        }
    }
    targets
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::keys::KeyForm;

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

    pub(crate) fn hs256_token(claims: &str, key: &[u8]) -> String {
        use base64::Engine as _;
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let input = format!("{}.{}", b64(br#"{"alg":"HS256"}"#), b64(claims.as_bytes()));
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).unwrap();
        mac.update(input.as_bytes());
        format!("{input}.{}", b64(&mac.finalize().into_bytes()))
    }

    #[test]
    fn a_token_over_its_byte_budget_is_reported_unknown_with_the_candidates_it_could_afford() {
        let budget =
            crate::budget::HashBudget { per_token: 128 * 500, floor: 0, per_run: 128 * 500, per_file: 1 << 30 };
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
    fn tokens_sharing_a_signing_input_are_charged_the_file_budget_once() {
        use base64::Engine as _;
        let real = hs256_token(r#"{"sub":"1"}"#, b"secret");
        let (input, _) = real.rsplit_once('.').unwrap();
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let list_cost = weak_secrets().len() as u64 * crate::budget::check_bytes(input.len(), 64);
        let budget = HashBudget { per_token: list_cost, floor: 0, per_run: 1 << 40, per_file: list_cost };
        let settings = Settings { hash_budget: budget, ..Settings::default() };
        let weak = |text: &str| -> Vec<crate::finding::Finding> {
            crate::scan_text(text, &settings).into_iter().filter(|f| f.rule == "weak-secret").collect()
        };
        // 200 junk signatures, then the real one, over one signing input: the file's budget, one
        // token's worth, checks them all.
        let text: String = (0..200u8).map(|n| format!("{input}.{}\n", b64(&[n; 32]))).collect::<String>() + &real;
        let found = weak(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].line, found[0].evidence.get("result")), (201, None), "{found:?}");
        // Over another signing input, the token before it takes the whole budget.
        let text = format!("{}\n{real}", hs256_token(r#"{"sub":"2"}"#, b"not-listed-5e1d"));
        let found = weak(&text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].line, &found[0].evidence["result"]), (2, &serde_json::json!("unknown")), "{found:?}");
        assert_eq!(found[0].evidence["candidates_tried"], 0, "{found:?}");
    }

    /// A built-in secret past `WEAK_HEAD` that a string literal can hold as is.
    fn listed_past_the_head() -> &'static str {
        let list = weak_secrets();
        let found = (crate::wordlist::WEAK_HEAD..list.len())
            .map(|i| list[i])
            .find(|secret| (8..=64).contains(&secret.len()) && secret.iter().all(|b| b.is_ascii_alphanumeric()));
        std::str::from_utf8(found.unwrap()).unwrap()
    }

    #[test]
    fn a_listed_secret_also_defined_in_the_tree_is_weak_secret_with_where_it_is_defined() {
        let secret = listed_past_the_head();
        let text = format!("const key = \"{secret}\";\n{}\n", hs256_token(r#"{"sub":"1"}"#, secret.as_bytes()));
        let findings = crate::scan_text(&text, &Settings::default());
        let rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).filter(|r| r.contains("secret")).collect();
        assert_eq!(rules, ["weak-secret"], "{findings:?}");
        let found = findings.iter().find(|f| f.rule == "weak-secret").unwrap();
        assert_eq!(found.evidence["secret_line"], 1, "{found:?}");
    }

    #[test]
    fn a_tree_key_that_pads_a_listed_secret_with_zeros_finds_the_listed_secret() {
        // HMAC pads a short key with zeros: `secret\0` signs as `secret` does, so the list wins.
        let secret = listed_past_the_head();
        let token = hs256_token(r#"{"sub":"1"}"#, secret.as_bytes());
        let findings = crate::scan_text(&format!("key = \"{secret}\0\"\n{token}\n"), &Settings::default());
        let found = findings.iter().find(|f| f.rule.contains("secret")).unwrap();
        assert_eq!(found.rule, "weak-secret", "{findings:?}");
        // Signed with a key only the tree defines, the token is `secret-in-repo`.
        let token = hs256_token(r#"{"sub":"1"}"#, b"only-in-this-tree-4f1c");
        let findings = crate::scan_text(&format!("key = \"only-in-this-tree-4f1c\"\n{token}\n"), &Settings::default());
        assert!(findings.iter().any(|f| f.rule == "secret-in-repo"), "{findings:?}");
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
