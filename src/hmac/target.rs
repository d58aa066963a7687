//! The distinct HS* tokens made ready for many checks. Tokens with the same hash and signing input
//! form a group: its signing input is padded into blocks once, with the message schedules the SIMD
//! lanes share, and one HMAC per candidate serves every signature in it.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use super::sha::{self, Block256, Block512, HashAlg};

/// One distinct HS* token: its signature, its search state and the occurrences it stands for;
/// its signing input is its group's.
#[derive(Debug)]
pub struct Target {
    pub(crate) alg: HashAlg,
    /// The signature as big-endian words (of 32 bits for HS256, 64 for HS384 and HS512), zero
    /// past the hash's length.
    pub(crate) signature: [u64; 8],
    /// Index of the earliest candidate that verified it (`u64::MAX`: none yet).
    pub(crate) best: AtomicU64,
    /// Candidates from this index on are not tried: the token's share of the byte budget.
    pub(crate) limit: u64,
    pub(crate) signing_input_bytes: usize,
    pub(crate) occurrences: Vec<usize>,
}

impl Target {
    /// Candidates from this index on are skipped: after its earliest match, or past its budget.
    pub(crate) fn stop(&self) -> u64 {
        self.best.load(Ordering::Relaxed).min(self.limit)
    }

    /// Candidates from `index` on are not tried: a stage of the search this token has no budget
    /// for. Results come from what was recorded, so this says nothing about a match.
    pub(crate) fn stop_at(&self, index: u64) {
        self.best.fetch_min(index, Ordering::Relaxed);
    }

    /// The signature as the SHA-256 lanes compare it.
    pub(crate) fn signature256(&self) -> [u32; 8] {
        self.signature.map(|word| word as u32)
    }

    /// Words of the signature: 8 for HS256 and HS512, 6 for HS384.
    pub(crate) fn signature_words(&self) -> usize {
        match self.alg {
            HashAlg::Sha256 => 8,
            alg => alg.output_len() / 8,
        }
    }

    /// `key` as this token's HMAC uses it: hashed when longer than the hash's block, and padded
    /// with zeros to the block. Two keys with the same block verify the same tokens.
    pub(crate) fn key_block(&self, key: &[u8]) -> Box<[u8]> {
        match self.alg {
            HashAlg::Sha256 => Box::new(sha::key_block256(key)),
            alg => Box::new(sha::key_block512(key, alg)),
        }
    }

    /// Whether `key`'s block (see `key_block`) is `block`; hashes only a key longer than it.
    pub(crate) fn has_key_block(&self, key: &[u8], block: &[u8]) -> bool {
        match block.get(key.len()..) {
            // The first byte first: this runs over the whole built-in list for each token a
            // tree key verifies, and almost every entry differs there (a `memcmp` call each
            // was most of the cost).
            Some(padding) => {
                key.first().is_none_or(|first| block.first() == Some(first))
                    && block.starts_with(key)
                    && padding.iter().all(|&byte| byte == 0)
            }
            None => *self.key_block(key) == *block,
        }
    }
}

/// The tokens of one hash and one signing input: a check of a candidate is one HMAC whatever
/// the number of signatures, so a file of thousands of tokens that differ only in their
/// signature costs what one token costs.
#[derive(Debug)]
pub(crate) struct Group {
    pub(crate) alg: HashAlg,
    pub(crate) blocks: Blocks,
    /// The group's tokens, in the order they were added.
    pub(crate) members: Vec<usize>,
    /// The members by the leading word of their signature, sorted, for groups of several: a
    /// lane's digest is looked up rather than compared with each.
    by_leading: OnceLock<Box<[(u64, usize)]>>,
    /// Bytes one check hashes (`budget::check_bytes`).
    pub(crate) check_bytes: u64,
}

impl Group {
    /// The members whose signature's leading word is `word` (a candidate to compare in full).
    pub(crate) fn leading(&self, targets: &[Target], word: u64) -> impl Iterator<Item = usize> {
        let sorted = self.by_leading.get_or_init(|| {
            let mut sorted: Vec<(u64, usize)> = self.members.iter().map(|&t| (targets[t].signature[0], t)).collect();
            sorted.sort_unstable();
            sorted.into()
        });
        let start = sorted.partition_point(|&(leading, _)| leading < word);
        sorted[start..].iter().take_while(move |&&(leading, _)| leading == word).map(|&(_, t)| t)
    }

    /// Candidates from this index on are skipped for every member: where the last one stops.
    pub(crate) fn stop(&self, targets: &[Target]) -> u64 {
        self.members.iter().map(|&t| targets[t].stop()).max().unwrap_or(0)
    }
}

/// The distinct HS* tokens of a search, in the order they were added, and their groups.
#[derive(Debug, Default)]
pub struct Targets {
    targets: Vec<Target>,
    groups: Vec<Group>,
    /// Each group by its hash and the SHA-256 of its signing input.
    by_input: HashMap<(HashAlg, [u8; 32]), usize>,
}

impl Targets {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `compact` as the next target and returns its index; `None` unless it is an
    /// HS256/384/512 JWS whose signature has the hash's length.
    pub fn push(&mut self, compact: &str) -> Option<usize> {
        let token = crate::token::decode(compact)?;
        let alg = HashAlg::from_jws(token.alg()?)?;
        if token.signature.len() != alg.output_len() {
            return None;
        }
        Some(self.push_signed(alg, token.signing_input().as_bytes(), &token.signature))
    }

    /// Adds the token of `alg` that signs `input` with `signature` (of the hash's length).
    pub(crate) fn push_signed(&mut self, alg: HashAlg, input: &[u8], signature: &[u8]) -> usize {
        use sha2::Digest as _;
        let t = self.targets.len();
        let key = (alg, sha2::Sha256::digest(input).into());
        let block = if alg == HashAlg::Sha256 { 64 } else { 128 };
        let check_bytes = crate::budget::check_bytes(input.len(), block);
        let groups = &mut self.groups;
        let group = *self.by_input.entry(key).or_insert_with(|| {
            groups.push(Group {
                alg,
                blocks: Blocks::new(alg, input),
                members: Vec::new(),
                by_leading: OnceLock::new(),
                check_bytes,
            });
            groups.len() - 1
        });
        let group_of = &mut self.groups[group];
        group_of.members.push(t);
        group_of.by_leading.take();
        let mut words = [0u64; 8];
        let width = if alg == HashAlg::Sha256 { 4 } else { 8 };
        for (word, bytes) in words.iter_mut().zip(signature.chunks_exact(width)) {
            *word = bytes.iter().fold(0, |word, &byte| word << 8 | u64::from(byte));
        }
        self.targets.push(Target {
            alg,
            signature: words,
            best: AtomicU64::new(u64::MAX),
            limit: u64::MAX,
            signing_input_bytes: input.len(),
            occurrences: Vec::new(),
        });
        t
    }

    pub(crate) fn groups(&self) -> &[Group] {
        &self.groups
    }

    pub(crate) fn get_mut(&mut self, t: usize) -> Option<&mut Target> {
        self.targets.get_mut(t)
    }

    /// Every target, to set limits: the order is the groups', so it cannot be changed here.
    pub(crate) fn iter_mut(&mut self) -> std::slice::IterMut<'_, Target> {
        self.targets.iter_mut()
    }
}

impl std::ops::Deref for Targets {
    type Target = [Target];

    fn deref(&self) -> &[Target] {
        &self.targets
    }
}

/// MD-style padding of `input` as the tail of a message that starts with one `block`-byte key
/// block; the length field is `length_bytes` wide.
fn padded_after_key_block(input: &[u8], block: usize, length_bytes: usize) -> Vec<u8> {
    let bit_len = ((block + input.len()) as u128) * 8;
    let mut padded = input.to_vec();
    padded.push(0x80);
    while padded.len() % block != block - length_bytes {
        padded.push(0);
    }
    padded.extend_from_slice(&bit_len.to_be_bytes()[16 - length_bytes..]);
    padded
}

/// A signing input padded into the inner hash's blocks, with each block's `W[t] + K[t]` for the
/// SIMD lanes.
#[derive(Debug)]
pub(crate) enum Blocks {
    Sha256 {
        inner_blocks: Vec<Block256>,
        schedules: Vec<[u32; 64]>,
    },
    /// HS384 and HS512 (SHA-384 is SHA-512 with another IV, cut to 48 bytes).
    Sha512 {
        inner_blocks: Vec<Block512>,
        schedules: Vec<[u64; 80]>,
    },
}

impl Blocks {
    pub(crate) fn new(alg: HashAlg, input: &[u8]) -> Self {
        match alg {
            HashAlg::Sha256 => {
                let padded = padded_after_key_block(input, 64, 8);
                Blocks::Sha256 {
                    inner_blocks: padded.chunks_exact(64).map(Block256::clone_from_slice).collect(),
                    schedules: padded.chunks_exact(64).map(sha::schedule256).collect(),
                }
            }
            HashAlg::Sha384 | HashAlg::Sha512 => {
                let padded = padded_after_key_block(input, 128, 16);
                Blocks::Sha512 {
                    inner_blocks: padded.chunks_exact(128).map(Block512::clone_from_slice).collect(),
                    schedules: padded.chunks_exact(128).map(sha::schedule512).collect(),
                }
            }
        }
    }
}
