//! Multi-buffer HMAC-SHA-256/384/512 checks: one candidate key per SIMD lane. AVX-512F holds 16
//! keys per SHA-256 batch and 8 per SHA-512 batch; AVX2 holds 8 and 4.
//!
//! A token's inner message blocks are the same for every candidate; only the starting state (the
//! key's ipad state) differs per lane. So each inner block's `W[t] + K[t]` is computed once per
//! token in scalar code, and a lane check is just the round function with a broadcast constant.
//! Only the keying blocks and the outer block have per-lane message words.
//!
//! This file holds what the SIMD engines share (detection, pad states, schedules, the dispatch and
//! the batch of keys); the round functions are in `avx512` and `avx2`.

use super::scalar::Keyed;
use super::sha::{
    HashAlg, LANES_256, LANES_512, Pads256, Pads512, SHA256_IV, SHA384_IV, SHA512_IV, key_block256, key_block512,
};
use super::target::{Blocks, Group, Target};
#[cfg(target_arch = "x86_64")]
use super::{avx2, avx512};

/// Proof that the CPU has AVX-512F: a value exists only where runtime detection succeeded.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx512(Detected);

/// Proof that the CPU has AVX2.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2 {
    _detected: Detected,
    /// SHA-NI checks one SHA-256 key no slower than AVX2 checks eight (2.36 M against 2.30 M HS256
    /// checks/s per core, medians on a Xeon with both), so where the CPU has it SHA-256 stays on
    /// the scalar path; without it the scalar path is about 8 times slower and lanes win.
    sha256: bool,
}

#[cfg(target_arch = "x86_64")]
type Detected = ();
#[cfg(not(target_arch = "x86_64"))]
type Detected = core::convert::Infallible;

impl Avx512 {
    pub(crate) fn detect() -> Option<Avx512> {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx512f") {
            return Some(Avx512(()));
        }
        None
    }
}

impl Avx2 {
    pub(crate) fn detect() -> Option<Avx2> {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            return Some(Avx2 { _detected: (), sha256: !std::is_x86_feature_detected!("sha") });
        }
        None
    }

    /// The same engine with SHA-256 in lanes whatever the CPU, to compare the two.
    pub(crate) fn with_sha256_lanes(self) -> Avx2 {
        Avx2 { sha256: true, ..self }
    }
}

/// A SIMD engine the CPU has; its vectors hold `lanes512` SHA-512 keys or twice as many SHA-256
/// keys.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Lanes {
    Avx512(Avx512),
    Avx2(Avx2),
}

impl Lanes {
    /// The widest engine the CPU has: AVX-512F, else AVX2.
    pub(crate) fn detect() -> Option<Lanes> {
        Avx512::detect().map(Lanes::Avx512).or_else(|| Avx2::detect().map(Lanes::Avx2))
    }

    /// Whether `pads256` and `verify256` are worth calling; else SHA-256 keys are best checked one
    /// at a time.
    pub(crate) fn sha256(self) -> bool {
        match self {
            Lanes::Avx512(_) => true,
            Lanes::Avx2(avx2) => avx2.sha256,
        }
    }

    pub(crate) fn lanes512(self) -> usize {
        match self {
            Lanes::Avx512(_) => LANES_512,
            Lanes::Avx2(_) => 4,
        }
    }

    /// HMAC pad states of one key block per lane (keys already hashed or zero-padded to 64 bytes).
    pub(crate) fn pads256(self, key_blocks: &[[u8; 64]; LANES_256], iv: &[u32; 8]) -> Pads256 {
        let (mut ipad, mut opad) = ([[0u32; LANES_256]; 16], [[0u32; LANES_256]; 16]);
        for (lane, block) in key_blocks.iter().enumerate() {
            for (j, bytes) in block.chunks_exact(4).enumerate() {
                let word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
                ipad[j][lane] = word ^ 0x3636_3636;
                opad[j][lane] = word ^ 0x5c5c_5c5c;
            }
        }
        match self {
            // SAFETY: an `Avx512` exists only where AVX-512F was detected at run time.
            #[cfg(target_arch = "x86_64")]
            Lanes::Avx512(_) => unsafe {
                Pads256 { inner: avx512::keyed256(iv, &ipad), outer: avx512::keyed256(iv, &opad) }
            },
            // SAFETY: an `Avx2` exists only where AVX2 was detected at run time.
            #[cfg(target_arch = "x86_64")]
            Lanes::Avx2(_) => unsafe { Pads256 { inner: avx2::keyed256(iv, &ipad), outer: avx2::keyed256(iv, &opad) } },
            #[cfg(not(target_arch = "x86_64"))]
            Lanes::Avx512(Avx512(never)) | Lanes::Avx2(Avx2 { _detected: never, .. }) => match never {},
        }
    }

    /// A bit per lane whose key's HMAC over the inner blocks (given by `schedules`) is `expected`.
    pub(crate) fn verify256(self, pads: &Pads256, schedules: &[[u32; 64]], expected: &[u32; 8]) -> u16 {
        match self {
            // SAFETY: an `Avx512` exists only where AVX-512F was detected at run time.
            #[cfg(target_arch = "x86_64")]
            Lanes::Avx512(_) => unsafe { avx512::verify256(pads, schedules, expected) },
            // SAFETY: an `Avx2` exists only where AVX2 was detected at run time.
            #[cfg(target_arch = "x86_64")]
            Lanes::Avx2(_) => unsafe { avx2::verify256(pads, schedules, expected) },
            #[cfg(not(target_arch = "x86_64"))]
            Lanes::Avx512(Avx512(never)) | Lanes::Avx2(Avx2 { _detected: never, .. }) => match never {},
        }
    }

    /// Each lane's HMAC over the inner blocks given by `schedules`, word-major.
    pub(crate) fn digest256(self, pads: &Pads256, schedules: &[[u32; 64]]) -> [[u32; LANES_256]; 8] {
        match self {
            // SAFETY: an `Avx512` exists only where AVX-512F was detected at run time.
            #[cfg(target_arch = "x86_64")]
            Lanes::Avx512(_) => unsafe { avx512::digest256(pads, schedules) },
            // SAFETY: an `Avx2` exists only where AVX2 was detected at run time.
            #[cfg(target_arch = "x86_64")]
            Lanes::Avx2(_) => unsafe { avx2::digest256(pads, schedules) },
            #[cfg(not(target_arch = "x86_64"))]
            Lanes::Avx512(Avx512(never)) | Lanes::Avx2(Avx2 { _detected: never, .. }) => match never {},
        }
    }

    /// Pad states for SHA-512 or SHA-384 (by `iv`) of one 128-byte key block per lane.
    pub(crate) fn pads512(self, key_blocks: &[[u8; 128]; LANES_512], iv: &[u64; 8]) -> Pads512 {
        let (mut ipad, mut opad) = ([[0u64; LANES_512]; 16], [[0u64; LANES_512]; 16]);
        for (lane, block) in key_blocks.iter().enumerate() {
            for (j, bytes) in block.chunks_exact(8).enumerate() {
                let word = u64::from_be_bytes(bytes.try_into().unwrap_or([0; 8]));
                ipad[j][lane] = word ^ 0x3636_3636_3636_3636;
                opad[j][lane] = word ^ 0x5c5c_5c5c_5c5c_5c5c;
            }
        }
        match self {
            // SAFETY: an `Avx512` exists only where AVX-512F was detected at run time.
            #[cfg(target_arch = "x86_64")]
            Lanes::Avx512(_) => unsafe {
                Pads512 { inner: avx512::keyed512(iv, &ipad), outer: avx512::keyed512(iv, &opad) }
            },
            // SAFETY: an `Avx2` exists only where AVX2 was detected at run time.
            #[cfg(target_arch = "x86_64")]
            Lanes::Avx2(_) => unsafe { Pads512 { inner: avx2::keyed512(iv, &ipad), outer: avx2::keyed512(iv, &opad) } },
            #[cfg(not(target_arch = "x86_64"))]
            Lanes::Avx512(Avx512(never)) | Lanes::Avx2(Avx2 { _detected: never, .. }) => match never {},
        }
    }

    /// As `verify256`; `expected` has 6 words for HS384 and 8 for HS512.
    pub(crate) fn verify512(self, pads: &Pads512, schedules: &[[u64; 80]], expected: &[u64]) -> u8 {
        match self {
            // SAFETY: an `Avx512` exists only where AVX-512F was detected at run time.
            #[cfg(target_arch = "x86_64")]
            Lanes::Avx512(_) => unsafe { avx512::verify512(pads, schedules, expected) },
            // SAFETY: an `Avx2` exists only where AVX2 was detected at run time.
            #[cfg(target_arch = "x86_64")]
            Lanes::Avx2(_) => unsafe { avx2::verify512(pads, schedules, expected) },
            #[cfg(not(target_arch = "x86_64"))]
            Lanes::Avx512(Avx512(never)) | Lanes::Avx2(Avx2 { _detected: never, .. }) => match never {},
        }
    }

    /// As `digest256`, of `digest_words` words (6 for SHA-384, 8 for SHA-512).
    pub(crate) fn digest512(
        self,
        pads: &Pads512,
        schedules: &[[u64; 80]],
        digest_words: usize,
    ) -> [[u64; LANES_512]; 8] {
        match self {
            // SAFETY: an `Avx512` exists only where AVX-512F was detected at run time.
            #[cfg(target_arch = "x86_64")]
            Lanes::Avx512(_) => unsafe { avx512::digest512(pads, schedules, digest_words) },
            // SAFETY: an `Avx2` exists only where AVX2 was detected at run time.
            #[cfg(target_arch = "x86_64")]
            Lanes::Avx2(_) => unsafe { avx2::digest512(pads, schedules, digest_words) },
            #[cfg(not(target_arch = "x86_64"))]
            Lanes::Avx512(Avx512(never)) | Lanes::Avx2(Avx2 { _detected: never, .. }) => match never {},
        }
    }
}

// A batch is one SHA-256 vector of keys and two SHA-512 ones.
const _: () = assert!(LANES_256 == 2 * LANES_512);

/// A batch's digests, word-major: `[w][j]` is word `w` of key `j`'s HMAC, as `Target::signature`
/// holds words.
pub(crate) type Digests = [[u64; LANES_256]; 8];

/// Pad states of a batch of up to `2 * lanes512` candidates (`LANES_256` on the scalar path), one
/// per SIMD lane, computed per hash on first use and reused for every group of that hash.
pub(crate) struct LaneBatch<'a, K> {
    /// `None`: every hash one key at a time.
    lanes: Option<Lanes>,
    keys: &'a [K],
    sha256: Option<Pads256>,
    /// Where a hash is checked one key at a time: each key's pad states.
    keyed: Option<Vec<Keyed>>,
    /// One entry per `lanes512` keys.
    sha384: [Option<Pads512>; 2],
    sha512: [Option<Pads512>; 2],
}

impl<'a, K: AsRef<[u8]>> LaneBatch<'a, K> {
    pub(crate) fn new(lanes: Option<Lanes>, keys: &'a [K]) -> Self {
        let size = lanes.map_or(LANES_256, |lanes| 2 * lanes.lanes512());
        LaneBatch {
            lanes,
            keys: &keys[..keys.len().min(size)],
            sha256: None,
            keyed: None,
            sha384: [None, None],
            sha512: [None, None],
        }
    }

    /// The SIMD engine for `alg`, unless its keys are best checked one at a time.
    fn lanes_for(&self, alg: HashAlg) -> Option<Lanes> {
        self.lanes.filter(|lanes| alg != HashAlg::Sha256 || lanes.sha256())
    }

    fn keyed(&mut self) -> &mut [Keyed] {
        let keys = self.keys;
        self.keyed.get_or_insert_with(|| keys.iter().map(|_| Keyed::default()).collect())
    }

    /// A bit per key, the first key lowest, that verifies `target` of `group` (its only member);
    /// keys from `skip_from` on may be left unchecked.
    pub(crate) fn verifies(&mut self, group: &Group, target: &Target, skip_from: usize) -> u32 {
        let mask = match (self.lanes_for(group.alg), &group.blocks) {
            (None, _) => {
                let keys = self.keys;
                let keyed = self.keyed().iter_mut().zip(keys).take(skip_from);
                let verified = keyed.map(|(keyed, key)| keyed.digest(key.as_ref(), group) == target.signature);
                verified.enumerate().fold(0, |mask, (j, verified)| mask | u32::from(verified) << j)
            }
            (Some(lanes), Blocks::Sha256 { schedules, .. }) => {
                u32::from(lanes.verify256(self.pads256(lanes), schedules, &target.signature256()))
            }
            (Some(lanes), Blocks::Sha512 { schedules, .. }) => {
                let expected = &target.signature[..target.signature_words()];
                let width = lanes.lanes512();
                let mut mask = 0u32;
                for g in 0..self.keys.len().div_ceil(width).min(2) {
                    if g * width >= skip_from {
                        break;
                    }
                    let pads = self.pads512(lanes, group.alg, g);
                    mask |= u32::from(lanes.verify512(pads, schedules, expected)) << (g * width);
                }
                mask
            }
        };
        // Lanes past the last key hold padding keys.
        mask & ((1u32 << self.keys.len()) - 1)
    }

    /// Each key's HMAC over `group`'s signing input, for keys before `skip_from` (the others may
    /// be left unchecked, as may lanes past the last key).
    pub(crate) fn digests(&mut self, group: &Group, skip_from: usize) -> Digests {
        let mut digests = [[0u64; LANES_256]; 8];
        match (self.lanes_for(group.alg), &group.blocks) {
            (None, _) => {
                let keys = self.keys;
                for (j, (keyed, key)) in self.keyed().iter_mut().zip(keys).take(skip_from).enumerate() {
                    for (row, word) in digests.iter_mut().zip(keyed.digest(key.as_ref(), group)) {
                        row[j] = word;
                    }
                }
            }
            (Some(lanes), Blocks::Sha256 { schedules, .. }) => {
                let words = lanes.digest256(self.pads256(lanes), schedules);
                for (row, lane_words) in digests.iter_mut().zip(words) {
                    *row = lane_words.map(u64::from);
                }
            }
            (Some(lanes), Blocks::Sha512 { schedules, .. }) => {
                let digest_words = group.alg.output_len() / 8;
                let width = lanes.lanes512();
                for g in 0..self.keys.len().div_ceil(width).min(2) {
                    if g * width >= skip_from {
                        break;
                    }
                    let words = lanes.digest512(self.pads512(lanes, group.alg, g), schedules, digest_words);
                    // SHA-384's digest is the state's first six words.
                    for (row, lane_words) in digests.iter_mut().zip(words).take(digest_words) {
                        row[g * width..(g + 1) * width].copy_from_slice(&lane_words[..width]);
                    }
                }
            }
        }
        digests
    }

    fn pads256(&mut self, lanes: Lanes) -> &Pads256 {
        let keys = self.keys;
        self.sha256.get_or_insert_with(|| {
            let mut key_blocks = [[0u8; 64]; LANES_256];
            for (block, key) in key_blocks.iter_mut().zip(keys) {
                *block = key_block256(key.as_ref());
            }
            lanes.pads256(&key_blocks, &SHA256_IV)
        })
    }

    /// Pad states of the `g`th `lanes512` keys.
    fn pads512(&mut self, lanes: Lanes, alg: HashAlg, g: usize) -> &Pads512 {
        let width = lanes.lanes512();
        let group = &self.keys[g * width..self.keys.len().min((g + 1) * width)];
        let (slots, iv) =
            if alg == HashAlg::Sha384 { (&mut self.sha384, SHA384_IV) } else { (&mut self.sha512, SHA512_IV) };
        slots[g].get_or_insert_with(|| {
            let mut key_blocks = [[0u8; 128]; LANES_512];
            for (block, key) in key_blocks.iter_mut().zip(group) {
                *block = key_block512(key.as_ref(), alg);
            }
            lanes.pads512(&key_blocks, &iv)
        })
    }
}
