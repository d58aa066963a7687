//! The candidates tried after the built-in list, the wordlists and the tree's keys, on the tokens
//! those left unsolved: secrets derived from the repository's names, mangled common words, then
//! short secrets by mask (`--crack`: longer masks, within a time budget, with progress).

use std::io::{IsTerminal as _, Write as _};
use std::time::{Duration, Instant};

use super::{Record, Source, derived};
use crate::budget::MASK_PER_RUN;
use crate::collect::Occurrence;
use crate::config::Settings;
use crate::hmac::{Target, search};
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
    /// Each target's token SHA-256: which tokens the mask budget covers is decided by cost, then
    /// by it, whatever order the workers found them in.
    shas: Vec<String>,
}

impl<'s> Extra<'s> {
    pub(super) fn new(
        targets: &[Target],
        occurrences: &[Occurrence],
        names: RepoNames,
        settings: &'s Settings,
    ) -> Self {
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
            shas: targets
                .iter()
                .map(|target| first(target).map_or_else(String::new, |occurrence| occurrence.sha256.clone()))
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
    pub(super) fn search(&self, targets: &[Target], mut base: u64, record: &Record<'_>, notes: &mut Vec<String>) {
        if targets.iter().all(|target| target.stop() <= base) {
            return;
        }
        for (list, source) in self.lists() {
            search(targets, &list, base, &|t, i| record(t, base + i as u64, &list[i], source.clone()));
            base += list.len() as u64;
        }
        let deadline = self.crack.map(|crack| Instant::now() + crack.time);
        if self.crack.is_none() {
            self.bound_masks(targets, base, notes);
        }
        let mut progress = Progress::new(self.crack.is_some() && std::io::stderr().is_terminal());
        let mut keys = Vec::with_capacity(CHUNK);
        for (m, mask) in self.masks.iter().enumerate() {
            let total = mask.keys();
            let mut done = 0u64;
            while done < total {
                if targets.iter().all(|target| target.stop() <= base + done) {
                    break;
                }
                if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                    progress.clear();
                    notes.push(format!(
                        "crack: the time budget of {} s ran out in mask {} of {}: {done} of {total} keys tried ({:.1}%); \
                         later masks not tried",
                        self.crack.map_or(0, |crack| crack.time.as_secs()),
                        m + 1,
                        self.masks.len(),
                        100.0 * done as f64 / total as f64
                    ));
                    return;
                }
                mask.chunk(done, CHUNK, &mut keys);
                let at = base + done;
                search(targets, &keys, at, &|t, i| record(t, at + i as u64, keys[i].as_ref(), Source::Mask));
                done += keys.len() as u64;
                progress.show(m, done, total);
            }
            base += total;
        }
        progress.clear();
    }

    /// Without `--crack`, the mask's keys are checked against the tokens still unsolved, the
    /// cheapest first, as long as `MASK_PER_RUN` bytes allow: a tree of many unsolved tokens
    /// must not take seconds per token. The others stop before the mask; a note says how many.
    fn bound_masks(&self, targets: &[Target], base: u64, notes: &mut Vec<String>) {
        let keys: u64 = self.masks.iter().map(Mask::keys).sum();
        let mut unsolved: Vec<usize> = (0..targets.len()).filter(|&t| targets[t].stop() > base).collect();
        unsolved.sort_by_key(|&t| (targets[t].check_bytes, self.shas.get(t)));
        let mut spent = 0u64;
        let mut skipped = 0;
        for t in unsolved {
            let cost = targets[t].check_bytes.saturating_mul(keys);
            if spent.saturating_add(cost) <= MASK_PER_RUN {
                spent += cost;
            } else {
                targets[t].stop_at(base);
                skipped += 1;
            }
        }
        if skipped > 0 {
            notes.push(format!(
                "weak-secret: {skipped} HS tokens were not tried against the short secrets of the mask {DEFAULT_MASK} \
                 (over the run's budget of {} MiB hashed for masks; --crack tries them all)",
                MASK_PER_RUN >> 20
            ));
        }
    }
}

/// A one-line progress report on a terminal's stderr, at most ten times a second.
struct Progress {
    on: bool,
    started: Instant,
    shown: Option<Instant>,
}

impl Progress {
    fn new(on: bool) -> Self {
        Progress { on, started: Instant::now(), shown: None }
    }

    fn show(&mut self, mask: usize, done: u64, total: u64) {
        if !self.on || self.shown.is_some_and(|shown| shown.elapsed() < Duration::from_millis(100)) {
            return;
        }
        self.shown = Some(Instant::now());
        let rate = done as f64 / self.started.elapsed().as_secs_f64().max(1e-3);
        let _ = write!(
            std::io::stderr(),
            "\r\x1b[Kcrack: mask {}: {:5.1}% of {total} keys, {:.1} M keys/s",
            mask + 1,
            100.0 * done as f64 / total.max(1) as f64,
            rate / 1e6
        );
    }

    fn clear(&mut self) {
        if self.on && self.shown.is_some() {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
    }
}
