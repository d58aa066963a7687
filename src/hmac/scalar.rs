//! The scalar engine: one candidate key at a time, straight to `sha2`'s compression function (which
//! uses SHA-NI where the CPU has it), its pad states computed once per key.

use super::sha::{Block256, Block512, HashAlg, SHA256_IV, SHA384_IV, SHA512_IV, key_block256, key_block512};
use super::target::{Blocks, Group};

/// A candidate's HMAC pad states for each hash, computed on first use and reused for every group.
#[derive(Default)]
pub(crate) struct Keyed {
    sha256: Option<Sha256Keyed>,
    sha384: Option<Sha512Keyed>,
    sha512: Option<Sha512Keyed>,
}

impl Keyed {
    /// `key`'s HMAC over `group`'s signing input as big-endian words, as `Target::signature`
    /// holds them.
    pub(crate) fn digest(&mut self, key: &[u8], group: &Group) -> [u64; 8] {
        match &group.blocks {
            Blocks::Sha256 { inner_blocks, .. } => {
                self.sha256.get_or_insert_with(|| Sha256Keyed::new(key)).digest(inner_blocks).map(u64::from)
            }
            Blocks::Sha512 { inner_blocks, .. } => {
                let slot = if group.alg == HashAlg::Sha384 { &mut self.sha384 } else { &mut self.sha512 };
                slot.get_or_insert_with(|| Sha512Keyed::new(key, group.alg)).digest(inner_blocks, group.alg)
            }
        }
    }
}

pub(crate) struct Sha256Keyed {
    inner: [u32; 8],
    outer: [u32; 8],
}

impl Sha256Keyed {
    pub(crate) fn new(key: &[u8]) -> Self {
        let key_block = key_block256(key);
        let pad_state = |pad: u8| {
            let mut state = SHA256_IV;
            sha2::compress256(&mut state, &[Block256::from(key_block.map(|b| b ^ pad))]);
            state
        };
        Sha256Keyed { inner: pad_state(0x36), outer: pad_state(0x5c) }
    }

    pub(crate) fn digest(&self, inner_blocks: &[Block256]) -> [u32; 8] {
        let mut inner = self.inner;
        sha2::compress256(&mut inner, inner_blocks);
        // The outer hash covers the 64-byte key block, then the 32-byte inner digest.
        let mut block = [0u8; 64];
        for (bytes, word) in block.chunks_exact_mut(4).zip(inner) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        block[32] = 0x80;
        block[56..].copy_from_slice(&((64u64 + 32) * 8).to_be_bytes());
        let mut outer = self.outer;
        sha2::compress256(&mut outer, &[Block256::from(block)]);
        outer
    }
}

pub(crate) struct Sha512Keyed {
    inner: [u64; 8],
    outer: [u64; 8],
}

impl Sha512Keyed {
    pub(crate) fn new(key: &[u8], alg: HashAlg) -> Self {
        let key_block = key_block512(key, alg);
        let iv = if alg == HashAlg::Sha384 { SHA384_IV } else { SHA512_IV };
        let pad_state = |pad: u8| {
            let mut state = iv;
            sha2::compress512(&mut state, &[Block512::from(key_block.map(|b| b ^ pad))]);
            state
        };
        Sha512Keyed { inner: pad_state(0x36), outer: pad_state(0x5c) }
    }

    /// The digest's words, those past SHA-384's six zero.
    pub(crate) fn digest(&self, inner_blocks: &[Block512], alg: HashAlg) -> [u64; 8] {
        let digest_len = alg.output_len();
        let mut inner = self.inner;
        sha2::compress512(&mut inner, inner_blocks);
        // The outer hash covers the 128-byte key block, then the inner digest (cut for SHA-384).
        let mut block = [0u8; 128];
        for (bytes, word) in block.chunks_exact_mut(8).zip(inner) {
            bytes.copy_from_slice(&word.to_be_bytes());
        }
        block[digest_len..].fill(0);
        block[digest_len] = 0x80;
        block[112..].copy_from_slice(&((128u128 + digest_len as u128) * 8).to_be_bytes());
        let mut outer = self.outer;
        sha2::compress512(&mut outer, &[Block512::from(block)]);
        outer[digest_len / 8..].fill(0);
        outer
    }
}
