//! HMAC-SHA-256/384/512 checks of many candidate keys against a few HS* tokens: the engine choice
//! and the parallel search. The engines live one per file: `scalar` (one key at a time, SHA-NI
//! where the CPU has it), and the multi-buffer `lanes` with `avx512` and `avx2`.

/// Eight SHA rounds with the working variables renamed rather than moved; `$wk` is the round's
/// `W[t] + K[t]` in terms of `$t`.
#[cfg(target_arch = "x86_64")]
macro_rules! rounds {
    ($round:ident, $state:expr, $count:expr, |$t:ident| $wk:expr) => {{
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = $state;
        let mut step = 0;
        while step < $count {
            let $t = step;
            $round!(a, b, c, d, e, f, g, h, $wk);
            let $t = step + 1;
            $round!(h, a, b, c, d, e, f, g, $wk);
            let $t = step + 2;
            $round!(g, h, a, b, c, d, e, f, $wk);
            let $t = step + 3;
            $round!(f, g, h, a, b, c, d, e, $wk);
            let $t = step + 4;
            $round!(e, f, g, h, a, b, c, d, $wk);
            let $t = step + 5;
            $round!(d, e, f, g, h, a, b, c, $wk);
            let $t = step + 6;
            $round!(c, d, e, f, g, h, a, b, $wk);
            let $t = step + 7;
            $round!(b, c, d, e, f, g, h, a, $wk);
            step += 8;
        }
        [a, b, c, d, e, f, g, h]
    }};
}

// After the macro: the engines use it.
#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
mod lanes;
mod scalar;
mod sha;
mod target;
#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicU64, Ordering};

use lanes::LaneBatch;
use rayon::prelude::*;
use sha::LANES_256;
use target::Group;
pub use target::{Target, Targets};

pub(crate) use sha::HashAlg;

// HMAC checks are the whole cost of the pass, so they skip the `Mac` buffering: the signing
// input is padded into blocks once per group of tokens that share it, each candidate's pad states
// once per candidate, and a check is just the compression calls. With AVX-512F they run 16 or 8
// candidates at a time, with AVX2 4 for HS384/512 and 8 for HS256 where the CPU lacks SHA-NI
// (`LaneBatch`, `lanes`); otherwise one at a time (`Keyed`, `Sha256Keyed`). A group of one
// compares its signature in the vector registers; a larger group gets the lanes' digests and
// looks each up among its signatures, sorted by leading word, so an attacker's thousands of
// signatures over one input cost one HMAC per candidate and a binary search.

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
    pub(crate) fn lanes(self) -> Option<lanes::Lanes> {
        match self {
            Engine::Scalar => None,
            Engine::Avx2 => lanes::Avx2::detect().map(|avx2| lanes::Lanes::Avx2(avx2.with_sha256_lanes())),
            Engine::Avx512 => lanes::Avx512::detect().map(lanes::Lanes::Avx512),
        }
    }
}

/// Checks every candidate against every target no earlier candidate verified; candidate `i`
/// has global index `base + i`, and `found(target, i)` is called for each verification that
/// may be the earliest. Deterministic whatever the thread count: a target skips only the
/// candidates after its earliest match so far. Each candidate's HMAC over a signing input is
/// computed once for the group of targets that share it (`Targets`).
pub fn search<K: AsRef<[u8]> + Sync>(
    targets: &Targets,
    candidates: &[K],
    base: u64,
    found: &(dyn Fn(usize, usize) + Sync),
) {
    search_with(lanes::Lanes::detect(), targets, candidates, base, found);
}

/// `search` on `engine`, or on the scalar path if the CPU lacks it: for comparing engines.
pub fn search_on<K: AsRef<[u8]> + Sync>(
    engine: Engine,
    targets: &Targets,
    candidates: &[K],
    base: u64,
    found: &(dyn Fn(usize, usize) + Sync),
) {
    search_with(engine.lanes(), targets, candidates, base, found);
}

/// `search` with SIMD lanes where `lanes` is given, else one candidate at a time.
pub(crate) fn search_with<K: AsRef<[u8]> + Sync>(
    lanes: Option<lanes::Lanes>,
    targets: &Targets,
    candidates: &[K],
    base: u64,
    found: &(dyn Fn(usize, usize) + Sync),
) {
    // The groups that may meet a candidate of this call, each with where it stops: where its last
    // member does. Members only ever stop earlier during a search, so a value read once stays an
    // upper bound; it is lowered after a member is found, so a group whose members are all found
    // stops being hashed. Groups already stopped (solved, or past their budget) are left out here
    // rather than skipped in every batch: a file of junk tokens cut to no candidates is thousands.
    let active: Vec<(&Group, AtomicU64)> = targets
        .groups()
        .iter()
        .filter_map(|group| {
            let stop = group.stop(targets);
            (stop > base).then(|| (group, AtomicU64::new(stop)))
        })
        .collect();
    if active.is_empty() {
        return;
    }
    // The scalar path keeps the batch size of the widest lanes so its parallel split is unchanged.
    let batch = lanes.map_or(LANES_256, |lanes| 2 * lanes.lanes512());
    candidates.par_chunks(batch).enumerate().with_min_len(16).for_each(|(c, chunk)| {
        let first = c * batch;
        let first_index = base + first as u64;
        let mut batch = LaneBatch::new(lanes, chunk);
        for (group, stop) in &active {
            if let [t] = group.members[..] {
                let target = &targets[t];
                // Keys from `skip_from` on come after the target's earliest match so far.
                let skip_from = target.stop().saturating_sub(first_index).min(chunk.len() as u64);
                if skip_from == 0 {
                    continue;
                }
                let mut mask = batch.verifies(group, target, skip_from as usize);
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
                continue;
            }
            let skip_from = stop.load(Ordering::Relaxed).saturating_sub(first_index).min(chunk.len() as u64) as usize;
            if skip_from == 0 {
                continue;
            }
            let digests = batch.digests(group, skip_from);
            let mut any = false;
            for (j, &leading) in digests[0].iter().enumerate().take(skip_from) {
                let index = first_index + j as u64;
                for t in group.leading(targets, leading) {
                    let target = &targets[t];
                    let words = target.signature_words();
                    if target.stop() <= index || (1..words).any(|w| digests[w][j] != target.signature[w]) {
                        continue;
                    }
                    target.best.fetch_min(index, Ordering::Relaxed);
                    found(t, first + j);
                    any = true;
                }
            }
            if any {
                stop.fetch_min(group.stop(targets), Ordering::Relaxed);
            }
        }
    });
}
