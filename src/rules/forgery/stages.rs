//! The candidates tried after the built-in list, the wordlists and the tree's keys, on the tokens
//! those left unsolved: secrets derived from the repository's names, mangled common words, then
//! short secrets by mask (`--crack`: longer masks, within a time budget, with progress).
//!
//! Without `--crack` these stages share one byte budget per run (`EXTRA_PER_RUN`), handed out
//! breadth first: every unsolved token meets the derived candidates before any meets the mangled
//! ones, and the mask's keys of each length before any token meets the next length. A tree of
//! many tokens signed with strong secrets so costs a bounded fraction of a second, and what it
//! buys first is what finds the most: names, common words, then the shortest secrets.

use std::time::{Duration, Instant};

use super::progress::Progress;
use super::{Record, Source, derived};
use crate::budget::EXTRA_PER_RUN;
use crate::collect::Occurrence;
use crate::config::Settings;
use crate::hmac::{Target, Targets, search};
use crate::keys::names::RepoNames;
use crate::mask::{CHUNK, Crack, DEFAULT_MASK, Mask};
use crate::wordlist::weak_secrets;

pub(super) struct Extra<'s> {
    names: RepoNames,
    roots: &'s [std::path::PathBuf],
    /// The tokens' `iss` claims, sorted.
    issuers: Vec<String>,
    masks: Vec<Mask>,
    crack: Option<&'s Crack>,
    /// Each target's first place (path, line, column): the budget serves tokens in this order,
    /// whatever order the workers found them in, as the list's budget does.
    places: Vec<(std::sync::Arc<str>, u64, u64)>,
}

impl<'s> Extra<'s> {
    pub(super) fn new(targets: &Targets, occurrences: &[Occurrence], names: RepoNames, settings: &'s Settings) -> Self {
        let first = |target: &Target| target.occurrences.first().and_then(|&i| occurrences.get(i));
        let mut issuers: Vec<String> = targets
            .iter()
            .filter_map(|target| {
                let token = crate::token::decode(&first(target)?.compact)?;
                token.claims()?.get("iss")?.as_str().map(str::to_owned)
            })
            .collect();
        issuers.sort();
        issuers.dedup();
        let masks = match &settings.crack {
            Some(crack) => crack.masks.clone(),
            None => Mask::parse(DEFAULT_MASK).into_iter().collect(),
        };
        Extra {
            names,
            roots: &settings.paths,
            issuers,
            masks,
            crack: settings.crack.as_ref(),
            places: targets
                .iter()
                .map(|target| {
                    target
                        .occurrences
                        .iter()
                        .filter_map(|&i| occurrences.get(i))
                        .map(|occurrence| (occurrence.path.clone(), occurrence.start.line, occurrence.start.column))
                        .min()
                        .unwrap_or_else(|| (std::sync::Arc::from(""), 0, 0))
                })
                .collect(),
        }
    }

    /// The derived and the mangled candidates: built only when a token is left to try them on.
    fn lists(&self) -> [(Vec<Vec<u8>>, Source); 2] {
        [
            (derived::derived(&self.names, self.roots, &self.issuers), Source::Derived),
            (derived::mangled(weak_secrets()), Source::Mangled),
        ]
    }

    /// How many candidates each source holds: derived, mangled, mask.
    pub(super) fn counts(&self) -> (usize, usize, u64) {
        let [(derived, _), (mangled, _)] = self.lists();
        (derived.len(), mangled.len(), self.masks.iter().map(Mask::keys).sum())
    }

    /// Tries the derived, mangled and mask candidates from index `base` on.
    pub(super) fn search(&self, targets: &Targets, mut base: u64, record: &Record<'_>, notes: &mut Vec<String>) {
        if targets.iter().all(|target| target.stop() <= base) {
            return;
        }
        let mut grants = self.crack.is_none().then(|| Grants::new(targets, &self.places, EXTRA_PER_RUN));
        for (list, source) in self.lists() {
            if let Some(grants) = &mut grants {
                grants.grant(targets, base, base + list.len() as u64);
            }
            search(targets, &list, base, &|t, i| record(t, base + i as u64, &list[i], source.clone()));
            base += list.len() as u64;
        }
        self.search_masks(targets, base, record, notes, grants.as_mut());
        if let Some(grants) = grants
            && grants.cut > 0
        {
            notes.push(format!(
                "weak-secret: {} HS tokens were not tried against every derived, mangled and short candidate (the \
                 mask {DEFAULT_MASK}) within the run's budget of {} MiB hashed beyond the lists; --crack tries them all",
                grants.cut,
                EXTRA_PER_RUN >> 20
            ));
        }
    }

    /// The masks' keys from index `base` on, one length at a time; with `grants`, each length is
    /// granted to the tokens still unsolved before any is tried.
    fn search_masks(
        &self,
        targets: &Targets,
        mut base: u64,
        record: &Record<'_>,
        notes: &mut Vec<String>,
        mut grants: Option<&mut Grants>,
    ) {
        let deadline = self.crack.map(|crack| Instant::now() + crack.time);
        let mut progress = Progress::new(self.crack.is_some(), Duration::from_millis(100));
        let mut keys = Vec::with_capacity(CHUNK);
        for (m, mask) in self.masks.iter().enumerate() {
            let total = mask.keys();
            let mut done = 0u64;
            for end in mask.length_ends() {
                if let Some(grants) = grants.as_deref_mut() {
                    grants.grant(targets, base + done, base.saturating_add(end));
                }
                while done < end {
                    if targets.iter().all(|target| target.stop() <= base + done) {
                        break;
                    }
                    if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                        notes.push(format!(
                            "crack: the time budget of {} s ran out in mask {} of {}: {done} of {total} keys tried \
                             ({:.1}%); later masks not tried",
                            self.crack.map_or(0, |crack| crack.time.as_secs()),
                            m + 1,
                            self.masks.len(),
                            100.0 * done as f64 / total as f64
                        ));
                        return;
                    }
                    mask.chunk(done, CHUNK.min((end - done) as usize), &mut keys);
                    let at = base + done;
                    search(targets, &keys, at, &|t, i| record(t, at + i as u64, keys[i].as_ref(), Source::Mask));
                    done += keys.len() as u64;
                    progress.show(|elapsed| {
                        format!(
                            "crack: mask {}: {:5.1}% of {total} keys, {:.1} M keys/s",
                            m + 1,
                            100.0 * done as f64 / total.max(1) as f64,
                            done as f64 / elapsed.as_secs_f64().max(1e-3) / 1e6
                        )
                    });
                }
                done = end;
            }
            base = base.saturating_add(total);
        }
    }
}

/// Without `--crack`, the stages beyond the lists share `EXTRA_PER_RUN` bytes hashed, breadth
/// first: each stage (the derived list, the mangled list, each length of the mask's keys) is
/// granted to every group of tokens (sharing a signing input) it may still solve, in place
/// order, before the next stage is tried; a group costs one check per candidate. A token past
/// the budget stops where its group's grant ends.
struct Grants {
    /// Groups in the order of their first place.
    order: Vec<usize>,
    left: u64,
    /// Tokens that stopped short of a stage's end for want of budget.
    cut: usize,
}

impl Grants {
    fn new(targets: &Targets, places: &[(std::sync::Arc<str>, u64, u64)], bytes: u64) -> Self {
        let groups = targets.groups();
        let first = |g: usize| groups[g].members.iter().filter_map(|&t| places.get(t)).min();
        let mut order: Vec<usize> = (0..groups.len()).collect();
        order.sort_by_cached_key(|&g| first(g));
        Grants { order, left: bytes, cut: 0 }
    }

    /// Grants the candidates `start..end` to the groups that reach `start` with a token unsolved.
    fn grant(&mut self, targets: &Targets, start: u64, end: u64) {
        for &g in &self.order {
            let group = &targets.groups()[g];
            let to = end.min(group.stop(targets));
            if to <= start {
                continue;
            }
            let per_check = group.check_bytes.max(1);
            let reached = to.min(start.saturating_add(self.left / per_check));
            self.left -= (reached - start) * per_check;
            if reached < to {
                for &t in &group.members {
                    if targets[t].stop() > reached {
                        targets[t].stop_at(reached);
                        self.cut += 1;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// HS256 tokens whose checks cost 128 bytes each, built here so that the tree holds no token:
    /// one per `(n, key)`, signing the claims `{"n":n}` with `key`.
    fn targets(tokens: &[(u8, &[u8])]) -> Targets {
        use base64::Engine as _;
        use hmac::{Hmac, Mac};
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let mut targets = Targets::new();
        for &(n, key) in tokens {
            let input = format!("eyJhbGciOiJIUzI1NiJ9.{}", b64(format!(r#"{{"n":{n}}}"#).as_bytes()));
            let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).unwrap();
            mac.update(input.as_bytes());
            targets.push(&format!("{input}.{}", b64(&mac.finalize().into_bytes()))).unwrap();
        }
        targets
    }

    #[test]
    fn the_budget_grants_each_stage_to_every_token_in_place_order_before_the_next() {
        let targets = targets(&[(0, b"k"), (1, b"k"), (2, b"k")]);
        assert_eq!(targets.groups()[0].check_bytes, 128);
        let places: Vec<(Arc<str>, u64, u64)> = [3, 1, 2].map(|line| (Arc::from("a.txt"), line, 1)).into();
        // Stage one (10 candidates) for all three, then 25 of stage two's 60: the token first seen
        // gets its 20, the second 5, the third none.
        let mut grants = Grants::new(&targets, &places, (3 * 10 + 25) * 128);
        grants.grant(&targets, 0, 10);
        grants.grant(&targets, 10, 30);
        let stops: Vec<u64> = targets.iter().map(Target::stop).collect();
        assert_eq!(stops, [10, u64::MAX, 15]);
        assert_eq!(grants.cut, 2);
        // Past the budget no token is granted the next stage.
        grants.grant(&targets, 30, 40);
        assert_eq!(targets.iter().map(Target::stop).collect::<Vec<_>>(), [10, 30, 15]);
        assert_eq!(grants.cut, 3);
    }

    #[test]
    fn tokens_sharing_a_signing_input_are_granted_a_stage_for_the_cost_of_one() {
        // Tokens 0 and 1 sign one input with two keys; token 2 signs another.
        let targets = targets(&[(0, b"k"), (0, b"other"), (1, b"k")]);
        assert_eq!(targets.groups().len(), 2);
        let places: Vec<(Arc<str>, u64, u64)> = [3, 1, 2].map(|line| (Arc::from("a.txt"), line, 1)).into();
        // Two groups' worth of stage one, then 25 of stage two: the shared group (first seen on
        // line 1) gets its 20 for both its tokens, the other token 5.
        let mut grants = Grants::new(&targets, &places, (2 * 10 + 25) * 128);
        grants.grant(&targets, 0, 10);
        grants.grant(&targets, 10, 30);
        assert_eq!(targets.iter().map(Target::stop).collect::<Vec<_>>(), [u64::MAX, u64::MAX, 15]);
        assert_eq!(grants.cut, 1);
        // Past the budget both tokens of the group stop where its grant ends.
        grants.grant(&targets, 30, 40);
        assert_eq!(targets.iter().map(Target::stop).collect::<Vec<_>>(), [30, 30, 15]);
        assert_eq!(grants.cut, 3);
    }
}
