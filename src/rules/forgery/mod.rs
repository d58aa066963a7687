//! The forgery rules, `weak-secret` and `secret-in-repo`, run once after the walk over the
//! distinct HS256/384/512 tokens: `weak-secret` tries the built-in list (`rules/weak-secrets.txt`)
//! and `--wordlist` files; `secret-in-repo` tries the key candidates collected from the scanned
//! files (`keys`), public keys included (an HS* token that verifies under a public key is a
//! key-confusion forgery). The HMAC checks themselves are the `hmac` engines'.
//!
//! A token found by `weak-secret` is not searched again by `secret-in-repo`: one finding per
//! token occurrence, from the more specific rule (a guessable secret stays guessable wherever it
//! is defined); when the weak secret is also defined in the tree, the finding says where.

mod messages;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;

use crate::collect::{Collector, Occurrence};
use crate::config::Settings;
use crate::hmac::{Target, search};
use crate::keys::{KeyOrigin, STORE_BUDGET};
use crate::rules::id;
use crate::wordlist::{stream_wordlist, weak_secrets};
use messages::hit_for;

/// HMAC checks the `secret-in-repo` search may spend in all (about half a second on two cores,
/// keying included): a large tree holds hundreds of thousands of string literals, and checking each against each token
/// would grow with their product. Past it, each token meets only the most likely candidates.
const REPO_CHECK_BUDGET: usize = 2_000_000;
/// However many tokens share the budget, each is tried against at least this many candidates.
const REPO_MIN_CANDIDATES: usize = 20_000;

/// Where a checked candidate came from.
#[derive(Clone, Debug)]
pub(super) enum Source {
    BuiltIn,
    Wordlist(PathBuf),
    Repo(KeyOrigin),
}

#[derive(Debug)]
pub(super) struct Match {
    index: u64,
    pub(super) secret: Vec<u8>,
    pub(super) source: Source,
}

/// Indices of at most `limit` repository keys, the likeliest first (see `KeyOrigin::likelihood`).
fn likely_first(repo_keys: &[(Box<[u8]>, KeyOrigin)], limit: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..repo_keys.len()).collect();
    order.sort_by(|&a, &b| repo_keys[a].1.likelihood().cmp(&repo_keys[b].1.likelihood()));
    order.truncate(limit);
    order
}

/// The cross-file pass: verifies every distinct HS* token against the weak list, the wordlists
/// and the collected keys, and adds a finding for every occurrence of each verified token.
pub fn pass(collector: &mut Collector, settings: &Settings) {
    let keys = std::mem::take(&mut collector.keys);
    if keys.dropped > 0 {
        collector.note(format!(
            "secret-in-repo: {} key candidates not kept (over {} MiB per thread)",
            keys.dropped,
            STORE_BUDGET >> 20
        ));
    }
    let weak_on = settings.rule_enabled(id::WEAK_SECRET);
    let repo_on = settings.rule_enabled(id::SECRET_IN_REPO);
    if collector.hmac_tokens.is_empty() || !(weak_on || repo_on) {
        return;
    }
    let targets = distinct_targets(&collector.hmac_tokens, settings);
    if targets.is_empty() {
        return;
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
    let run = || {
        let mut unreadable = Vec::new();
        let mut budget_note = None;
        let mut base = 0u64;
        if weak_on {
            let list = weak_secrets();
            search(&targets, list, base, &|t, i| record(t, base + i as u64, list[i], Source::BuiltIn));
            base += list.len() as u64;
            for path in &settings.wordlists {
                let all_solved = || targets.iter().all(Target::solved);
                if let Err(err) = stream_wordlist(path, &mut |lines| {
                    if all_solved() {
                        return false;
                    }
                    search(&targets, lines, base, &|t, i| {
                        record(t, base + i as u64, lines[i], Source::Wordlist(path.clone()))
                    });
                    base += lines.len() as u64;
                    true
                }) {
                    unreadable.push((path.display().to_string(), format!("cannot read wordlist: {err}")));
                }
            }
        }
        if repo_on && !repo_keys.is_empty() {
            let unsolved = targets.iter().filter(|target| !target.solved()).count().max(1);
            let per_token = (REPO_CHECK_BUDGET / unsolved).max(REPO_MIN_CANDIDATES);
            let order = likely_first(&repo_keys, per_token);
            if order.len() < repo_keys.len() {
                budget_note = Some(format!(
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
        (unreadable, budget_note)
    };
    let (unreadable, budget_note) = match rayon::ThreadPoolBuilder::new().num_threads(settings.threads).build() {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    };
    for (path, reason) in unreadable {
        collector.error(&path, &reason);
    }
    if let Some(note) = budget_note {
        collector.note(note);
    }
    let matches = matches.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
    for (target, found) in targets.iter().zip(matches) {
        let Some(found) = found else { continue };
        let hit = hit_for(target, &found, &repo_keys, settings);
        if !settings.rule_enabled(hit.rule) {
            continue;
        }
        for &occurrence in &target.occurrences {
            if let Some(occurrence) = collector.hmac_tokens.get(occurrence)
                && !occurrence.silenced.contains(&hit.rule.as_str())
            {
                collector.findings.push(occurrence.finding(hit.clone(), settings.show_secrets));
            }
        }
    }
}

/// One target per distinct HS* token, listing the occurrences it stands for; allowlisted tokens
/// are never reported, so never searched.
fn distinct_targets(occurrences: &[Occurrence], settings: &Settings) -> Vec<Target> {
    let mut by_hash: HashMap<&str, usize> = HashMap::new();
    let mut targets: Vec<Target> = Vec::new();
    let mut unusable: HashSet<&str> = HashSet::new();
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

#[cfg(test)]
mod tests {
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
}
