//! When the walk stops leaving string key candidates for later (`collect::Deferred`): once it
//! meets an HS token that will make the forgery pass read the deferred files again, collecting
//! as the files are read costs less than reading them twice. Only the files read before that
//! are read again; which files those are changes the cost, never the findings.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::hmac::{Targets, search};
use crate::wordlist::weak_head;

/// Distinct tokens a scanner checks (the head of the weak list, about a tenth of a millisecond
/// each) before it stops deferring anyway: a tree of many HS tokens needs the candidates.
const MAX_CHECKED: usize = 64;

#[derive(Default)]
pub(super) struct Deferral {
    checked: HashSet<String>,
    needs_keys: bool,
    /// One thread of its own for the checks: the walk's threads are not rayon's, and the global
    /// pool would take every core whatever `--threads` says.
    pool: Option<rayon::ThreadPool>,
}

impl Deferral {
    /// Notes an HS token (`compact`, of SHA-256 `sha256`) the scan met.
    pub(super) fn meet(&mut self, compact: &str, sha256: &str) {
        if self.needs_keys || self.checked.contains(sha256) {
            return;
        }
        if self.checked.len() >= MAX_CHECKED {
            self.needs_keys = true;
            return;
        }
        self.checked.insert(sha256.to_string());
        if self.pool.is_none() {
            self.pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().ok();
        }
        self.needs_keys = match &self.pool {
            Some(pool) => pool.install(|| needs_deferred_keys(compact)),
            None => true,
        };
    }

    /// Whether a token met so far will have the deferred files read again.
    pub(super) fn needs_keys(&self) -> bool {
        self.needs_keys
    }
}

/// Whether the forgery pass will want the string candidates for `compact`: unless the head of
/// the weak list, which it tries first, verifies it with a secret no such candidate can equal.
fn needs_deferred_keys(compact: &str) -> bool {
    let mut targets = Targets::new();
    if targets.push(compact).is_none() {
        // Not an HS token the pass can check: it needs nothing.
        return false;
    }
    let head = weak_head();
    let earliest = AtomicU64::new(u64::MAX);
    search(&targets, head, 0, &|_, i| {
        earliest.fetch_min(i as u64, Ordering::Relaxed);
    });
    let earliest = earliest.into_inner();
    usize::try_from(earliest).ok().and_then(|i| head.get(i)).is_none_or(|secret| crate::keys::string_could_be(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_the_list_head_solves_with_a_short_secret_needs_no_deferred_keys() {
        let token = crate::rules::forgery::tests::hs256_token(r#"{"sub":"1"}"#, b"secret");
        assert!(!needs_deferred_keys(&token));
    }

    #[test]
    fn a_token_unsolved_by_the_head_or_solved_with_a_long_secret_needs_them() {
        let unsolved = crate::rules::forgery::tests::hs256_token(r#"{"sub":"1"}"#, b"in-no-list-3e8a1f");
        assert!(needs_deferred_keys(&unsolved));
        let long = weak_head().iter().find(|secret| crate::keys::string_could_be(secret)).unwrap();
        let solved = crate::rules::forgery::tests::hs256_token(r#"{"sub":"1"}"#, long);
        assert!(needs_deferred_keys(&solved));
    }

    #[test]
    fn past_its_check_budget_a_scanner_stops_deferring() {
        let mut deferral = Deferral::default();
        for i in 0..MAX_CHECKED {
            deferral.meet("not a token", &format!("{i:064x}"));
        }
        assert!(!deferral.needs_keys());
        deferral.meet("not a token", "another");
        assert!(deferral.needs_keys());
    }
}
