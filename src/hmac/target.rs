//! One distinct HS* token made ready for many checks: its signing input padded into blocks once,
//! with the message schedules the SIMD lanes share.

use std::sync::atomic::{AtomicU64, Ordering};

use super::sha::{self, Block256, Block512, HashAlg};

/// One distinct HS* token: its padded signing input and signature, and the occurrences it
/// stands for.
#[derive(Debug)]
pub struct Target {
    pub(crate) alg: HashAlg,
    pub(crate) blocks: FastTarget,
    /// Index of the earliest candidate that verified it (`u64::MAX`: none yet).
    pub(crate) best: AtomicU64,
    /// Candidates from this index on are not tried: the token's share of the byte budget.
    pub(crate) limit: u64,
    /// Bytes one check of this token hashes (`budget::check_bytes`).
    pub(crate) check_bytes: u64,
    pub(crate) signing_input_bytes: usize,
    pub(crate) occurrences: Vec<usize>,
}

impl Target {
    /// `None` unless `compact` is an HS256/384/512 JWS whose signature has the hash's length.
    pub fn new(compact: &str) -> Option<Target> {
        let token = crate::token::decode(compact)?;
        let alg = HashAlg::from_jws(token.alg()?)?;
        if token.signature.len() != alg.output_len() {
            return None;
        }
        let input = token.signing_input();
        let block = if alg == HashAlg::Sha256 { 64 } else { 128 };
        Some(Target {
            alg,
            blocks: FastTarget::new(alg, input.as_bytes(), &token.signature),
            best: AtomicU64::new(u64::MAX),
            limit: u64::MAX,
            check_bytes: crate::budget::check_bytes(input.len(), block),
            signing_input_bytes: input.len(),
            occurrences: Vec::new(),
        })
    }

    /// Candidates from this index on are skipped: after its earliest match, or past its budget.
    pub(crate) fn stop(&self) -> u64 {
        self.best.load(Ordering::Relaxed).min(self.limit)
    }

    /// Candidates from `index` on are not tried: a stage of the search this token has no budget
    /// for. Results come from what was recorded, so this says nothing about a match.
    pub(crate) fn stop_at(&self, index: u64) {
        self.best.fetch_min(index, Ordering::Relaxed);
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

#[derive(Debug)]
pub(crate) enum FastTarget {
    Sha256(Sha256Target),
    /// HS384 and HS512 (SHA-384 is SHA-512 with another IV, cut to 48 bytes).
    Sha512(Sha512Target),
}

impl FastTarget {
    pub(crate) fn new(alg: HashAlg, input: &[u8], signature: &[u8]) -> Self {
        match alg {
            HashAlg::Sha256 => {
                let padded = padded_after_key_block(input, 64, 8);
                let mut expected = [0u32; 8];
                for (word, bytes) in expected.iter_mut().zip(signature.chunks_exact(4)) {
                    *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
                }
                FastTarget::Sha256(Sha256Target {
                    inner_blocks: padded.chunks_exact(64).map(Block256::clone_from_slice).collect(),
                    schedules: padded.chunks_exact(64).map(sha::schedule256).collect(),
                    expected,
                })
            }
            HashAlg::Sha384 | HashAlg::Sha512 => {
                let padded = padded_after_key_block(input, 128, 16);
                FastTarget::Sha512(Sha512Target {
                    inner_blocks: padded.chunks_exact(128).map(Block512::clone_from_slice).collect(),
                    schedules: padded.chunks_exact(128).map(sha::schedule512).collect(),
                    expected: signature.into(),
                    expected_words: signature
                        .chunks_exact(8)
                        .map(|bytes| u64::from_be_bytes(bytes.try_into().unwrap_or([0; 8])))
                        .collect(),
                })
            }
        }
    }
}

#[derive(Debug)]
pub(crate) struct Sha256Target {
    pub(crate) inner_blocks: Vec<Block256>,
    /// Each inner block's `W[t] + K[t]`, for the SIMD lanes.
    pub(crate) schedules: Vec<[u32; 64]>,
    pub(crate) expected: [u32; 8],
}

#[derive(Debug)]
pub(crate) struct Sha512Target {
    pub(crate) inner_blocks: Vec<Block512>,
    pub(crate) schedules: Vec<[u64; 80]>,
    /// The signature: 48 bytes for HS384, 64 for HS512.
    pub(crate) expected: Box<[u8]>,
    /// The signature as big-endian words, for the SIMD lanes.
    pub(crate) expected_words: Box<[u64]>,
}
