//! Work budgets of the HMAC secret checks, in bytes hashed rather than in checks: one check
//! hashes the whole signing input, so a count of checks says nothing about time when a token's
//! claims hold megabytes. Each distinct token gets a share of the run's budget, never less than
//! what a token of ordinary size needs for the whole built-in list, never more than a cap; and
//! the tokens first seen in one file, and all the tokens of a run, share hard caps (`per_file`,
//! `per_run`), handed out in path and position order: past them a token meets fewer candidates,
//! or none, and is reported `unknown`. Tokens that share a hash and signing input are one check
//! per candidate (`hmac::Targets`), so they count as one token here: junk signatures over one
//! signing input cannot use the budget up.

/// Bytes that the candidates beyond the lists (derived, mangled, and the default mask's every
/// secret of up to 4 characters from `[a-z0-9]`) may hash in one run without `--crack`, over every
/// token they are tried on, breadth first (`rules::forgery::stages`). About 0.2 s of one Zen 4
/// core (AVX-512 lanes, 3-block checks): for ordinary tokens, the derived and mangled candidates
/// and the mask's 47,988 secrets of up to 3 characters for about 20 tokens, or those for 6 tokens
/// and the 1,679,616 secrets of 4 characters for one of them (the forgeable fixture tree needs
/// about 500 MB). A tree of many tokens signed with strong secrets so scans about as fast as
/// before these stages existed (docs/performance.md); `--crack` is bounded by time instead.
pub const EXTRA_PER_RUN: u64 = 640 << 20;

/// The budgets of one run; `Settings` holds one (tests shrink it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashBudget {
    /// Most bytes one token may have hashed, over all its candidates (about 0.15 s in release).
    pub per_token: u64,
    /// Least bytes a token gets however many share the run: the whole built-in list for signing
    /// inputs up to about 1.2 KB, so the budget never cuts the list short for ordinary tokens.
    pub floor: u64,
    /// Most bytes all tokens of a run may have hashed (the whole built-in list for about 1,200
    /// tokens of ordinary size).
    pub per_run: u64,
    /// Most bytes the tokens first seen in one file may have hashed (the whole built-in list for
    /// about 150 tokens of ordinary size; 5 s for 16,000 junk tokens on a busy 2-core machine):
    /// one file of junk tokens cannot hold the run for long.
    pub per_file: u64,
}

impl Default for HashBudget {
    /// `JWTSCAN_HASH_BUDGET` (a size, `40M`) sets `per_file`, so that tests can make a file
    /// run out of it without hashing gigabytes.
    fn default() -> Self {
        let per_file = std::env::var("JWTSCAN_HASH_BUDGET")
            .ok()
            .and_then(|size| crate::units::parse_size(&size).ok())
            .unwrap_or(2 << 30);
        HashBudget { per_token: 512 << 20, floor: 128 << 20, per_run: 16 << 30, per_file }
    }
}

impl HashBudget {
    /// The bytes each of `tokens` distinct tokens may have hashed.
    pub fn token_share(&self, tokens: usize) -> u64 {
        (self.per_run / tokens.max(1) as u64).clamp(self.floor.min(self.per_token), self.per_token)
    }

    /// How many candidates a token whose one check costs `check_bytes` may meet within `share`.
    pub fn candidates(share: u64, check_bytes: u64) -> u64 {
        share / check_bytes.max(1)
    }
}

/// Bytes one HMAC check of a `len`-byte signing input hashes: the padded inner message after the
/// (precomputed) key block, and the outer block. `block` is 64 for SHA-256, 128 for SHA-384/512,
/// whose length fields take 8 and 16 bytes.
pub fn check_bytes(len: usize, block: usize) -> u64 {
    let length_field = if block == 64 { 8 } else { 16 };
    let inner_blocks = (len + 1 + length_field).div_ceil(block);
    ((inner_blocks + 1) * block) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_costs_the_padded_signing_input_and_one_outer_block() {
        assert_eq!(check_bytes(0, 64), 128);
        assert_eq!(check_bytes(55, 64), 128);
        assert_eq!(check_bytes(56, 64), 192);
        assert_eq!(check_bytes(111, 128), 256);
        assert_eq!(check_bytes(1 << 20, 64), (1 << 20) + 128);
    }

    #[test]
    fn ordinary_tokens_meet_the_whole_built_in_list_however_many_share_the_run() {
        let budget = HashBudget::default();
        let list = 103_782;
        for tokens in [1, 100, 1_000_000] {
            let share = budget.token_share(tokens);
            assert!(HashBudget::candidates(share, check_bytes(1_200, 64)) >= list, "{tokens} tokens");
        }
    }

    #[test]
    fn a_huge_signing_input_meets_few_candidates() {
        let budget = HashBudget::default();
        let tried = HashBudget::candidates(budget.token_share(1), check_bytes(16 << 20, 64));
        assert!(tried < 64, "{tried}");
    }
}
