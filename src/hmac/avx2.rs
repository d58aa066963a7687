//! The AVX2 engine: the AVX-512F code with 256-bit vectors (8 SHA-256 or 4 SHA-512 keys at a
//! time): no rotate or ternary-logic instructions, so rotates are two shifts and an or, and Ch
//! and Maj are built from and, andnot and xor.

use core::arch::x86_64::*;

use super::sha::{K256, K512, LANES_256, LANES_512, Pads256, Pads512};

macro_rules! ror32 {
    ($x:expr, $n:literal) => {
        _mm256_or_si256(_mm256_srli_epi32::<$n>($x), _mm256_slli_epi32::<{ 32 - $n }>($x))
    };
}

macro_rules! ror64 {
    ($x:expr, $n:literal) => {
        _mm256_or_si256(_mm256_srli_epi64::<$n>($x), _mm256_slli_epi64::<{ 64 - $n }>($x))
    };
}

macro_rules! xor3 {
    ($x:expr, $y:expr, $z:expr) => {
        _mm256_xor_si256(_mm256_xor_si256($x, $y), $z)
    };
}

// Maj as `b ^ ((a ^ b) & (b ^ c))`: a round's `b ^ c` is the previous round's `a ^ b`, which
// the compiler reuses within the unrolled rounds.
macro_rules! round256 {
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $wk:expr) => {
        let sigma1 = xor3!(ror32!($e, 6), ror32!($e, 11), ror32!($e, 25));
        let ch = _mm256_xor_si256(_mm256_and_si256($e, $f), _mm256_andnot_si256($e, $g));
        let t1 = _mm256_add_epi32(_mm256_add_epi32($h, sigma1), _mm256_add_epi32(ch, $wk));
        let sigma0 = xor3!(ror32!($a, 2), ror32!($a, 13), ror32!($a, 22));
        let maj = _mm256_xor_si256($b, _mm256_and_si256(_mm256_xor_si256($a, $b), _mm256_xor_si256($b, $c)));
        $d = _mm256_add_epi32($d, t1);
        $h = _mm256_add_epi32(t1, _mm256_add_epi32(sigma0, maj));
    };
}

macro_rules! round512 {
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $wk:expr) => {
        let sigma1 = xor3!(ror64!($e, 14), ror64!($e, 18), ror64!($e, 41));
        let ch = _mm256_xor_si256(_mm256_and_si256($e, $f), _mm256_andnot_si256($e, $g));
        let t1 = _mm256_add_epi64(_mm256_add_epi64($h, sigma1), _mm256_add_epi64(ch, $wk));
        let sigma0 = xor3!(ror64!($a, 28), ror64!($a, 34), ror64!($a, 39));
        let maj = _mm256_xor_si256($b, _mm256_and_si256(_mm256_xor_si256($a, $b), _mm256_xor_si256($b, $c)));
        $d = _mm256_add_epi64($d, t1);
        $h = _mm256_add_epi64(t1, _mm256_add_epi64(sigma0, maj));
    };
}

// Rows are as wide as the AVX-512F engine's; this engine uses the first half of each.

#[target_feature(enable = "avx2")]
#[inline]
fn load32<const N: usize>(rows: &[[u32; LANES_256]; N]) -> [__m256i; N] {
    let mut vectors = [_mm256_setzero_si256(); N];
    for (vector, row) in vectors.iter_mut().zip(rows) {
        // SAFETY: reads the first 32 of the 64 bytes of `row`; unaligned loads are allowed.
        *vector = unsafe { _mm256_loadu_si256(row.as_ptr().cast()) };
    }
    vectors
}

#[target_feature(enable = "avx2")]
#[inline]
fn store32(vectors: [__m256i; 8]) -> [[u32; LANES_256]; 8] {
    let mut rows = [[0u32; LANES_256]; 8];
    for (row, vector) in rows.iter_mut().zip(vectors) {
        // SAFETY: writes the first 32 of the 64 bytes of `row`.
        unsafe { _mm256_storeu_si256(row.as_mut_ptr().cast(), vector) };
    }
    rows
}

#[target_feature(enable = "avx2")]
#[inline]
fn load64<const N: usize>(rows: &[[u64; LANES_512]; N]) -> [__m256i; N] {
    let mut vectors = [_mm256_setzero_si256(); N];
    for (vector, row) in vectors.iter_mut().zip(rows) {
        // SAFETY: reads the first 32 of the 64 bytes of `row`; unaligned loads are allowed.
        *vector = unsafe { _mm256_loadu_si256(row.as_ptr().cast()) };
    }
    vectors
}

#[target_feature(enable = "avx2")]
#[inline]
fn store64(vectors: [__m256i; 8]) -> [[u64; LANES_512]; 8] {
    let mut rows = [[0u64; LANES_512]; 8];
    for (row, vector) in rows.iter_mut().zip(vectors) {
        // SAFETY: writes the first 32 of the 64 bytes of `row`.
        unsafe { _mm256_storeu_si256(row.as_mut_ptr().cast(), vector) };
    }
    rows
}

#[target_feature(enable = "avx2")]
#[inline]
fn compress256_lanes(state: [__m256i; 8], message: [__m256i; 16]) -> [__m256i; 8] {
    let mut w = message;
    let out = rounds!(round256, state, 64, |t| {
        if t >= 16 {
            let (w15, w2) = (w[(t + 1) % 16], w[(t + 14) % 16]);
            let s0 = xor3!(ror32!(w15, 7), ror32!(w15, 18), _mm256_srli_epi32::<3>(w15));
            let s1 = xor3!(ror32!(w2, 17), ror32!(w2, 19), _mm256_srli_epi32::<10>(w2));
            w[t % 16] = _mm256_add_epi32(_mm256_add_epi32(w[t % 16], s0), _mm256_add_epi32(w[(t + 9) % 16], s1));
        }
        _mm256_add_epi32(w[t % 16], _mm256_set1_epi32(K256[t] as i32))
    });
    feed_forward32(state, out)
}

#[target_feature(enable = "avx2")]
#[inline]
fn compress256_shared(state: [__m256i; 8], wk: &[u32; 64]) -> [__m256i; 8] {
    let out = rounds!(round256, state, 64, |t| _mm256_set1_epi32(wk[t] as i32));
    feed_forward32(state, out)
}

#[target_feature(enable = "avx2")]
#[inline]
fn feed_forward32(state: [__m256i; 8], out: [__m256i; 8]) -> [__m256i; 8] {
    let mut next = state;
    for (word, add) in next.iter_mut().zip(out) {
        *word = _mm256_add_epi32(*word, add);
    }
    next
}

#[target_feature(enable = "avx2")]
pub(super) fn keyed256(iv: &[u32; 8], words: &[[u32; LANES_256]; 16]) -> [[u32; LANES_256]; 8] {
    let mut state = [_mm256_setzero_si256(); 8];
    for (vector, &word) in state.iter_mut().zip(iv) {
        *vector = _mm256_set1_epi32(word as i32);
    }
    store32(compress256_lanes(state, load32(words)))
}

#[target_feature(enable = "avx2")]
#[inline]
fn hmac256(pads: &Pads256, schedules: &[[u32; 64]]) -> [__m256i; 8] {
    let mut inner = load32(&pads.inner);
    for wk in schedules {
        inner = compress256_shared(inner, wk);
    }
    let zero = _mm256_setzero_si256();
    let mut message = [zero; 16];
    message[..8].copy_from_slice(&inner);
    message[8] = _mm256_set1_epi32(0x8000_0000_u32 as i32);
    message[15] = _mm256_set1_epi32((64 + 32) * 8);
    compress256_lanes(load32(&pads.outer), message)
}

#[target_feature(enable = "avx2")]
pub(super) fn verify256(pads: &Pads256, schedules: &[[u32; 64]], expected: &[u32; 8]) -> u16 {
    let outer = hmac256(pads, schedules);
    let mut equal = _mm256_set1_epi32(-1);
    for (word, &want) in outer.into_iter().zip(expected) {
        equal = _mm256_and_si256(equal, _mm256_cmpeq_epi32(word, _mm256_set1_epi32(want as i32)));
    }
    _mm256_movemask_ps(_mm256_castsi256_ps(equal)) as u16
}

#[target_feature(enable = "avx2")]
pub(super) fn digest256(pads: &Pads256, schedules: &[[u32; 64]]) -> [[u32; LANES_256]; 8] {
    store32(hmac256(pads, schedules))
}

#[target_feature(enable = "avx2")]
#[inline]
fn compress512_lanes(state: [__m256i; 8], message: [__m256i; 16]) -> [__m256i; 8] {
    let mut w = message;
    let out = rounds!(round512, state, 80, |t| {
        if t >= 16 {
            let (w15, w2) = (w[(t + 1) % 16], w[(t + 14) % 16]);
            let s0 = xor3!(ror64!(w15, 1), ror64!(w15, 8), _mm256_srli_epi64::<7>(w15));
            let s1 = xor3!(ror64!(w2, 19), ror64!(w2, 61), _mm256_srli_epi64::<6>(w2));
            w[t % 16] = _mm256_add_epi64(_mm256_add_epi64(w[t % 16], s0), _mm256_add_epi64(w[(t + 9) % 16], s1));
        }
        _mm256_add_epi64(w[t % 16], _mm256_set1_epi64x(K512[t] as i64))
    });
    feed_forward64(state, out)
}

#[target_feature(enable = "avx2")]
#[inline]
fn compress512_shared(state: [__m256i; 8], wk: &[u64; 80]) -> [__m256i; 8] {
    let out = rounds!(round512, state, 80, |t| _mm256_set1_epi64x(wk[t] as i64));
    feed_forward64(state, out)
}

#[target_feature(enable = "avx2")]
#[inline]
fn feed_forward64(state: [__m256i; 8], out: [__m256i; 8]) -> [__m256i; 8] {
    let mut next = state;
    for (word, add) in next.iter_mut().zip(out) {
        *word = _mm256_add_epi64(*word, add);
    }
    next
}

#[target_feature(enable = "avx2")]
pub(super) fn keyed512(iv: &[u64; 8], words: &[[u64; LANES_512]; 16]) -> [[u64; LANES_512]; 8] {
    let mut state = [_mm256_setzero_si256(); 8];
    for (vector, &word) in state.iter_mut().zip(iv) {
        *vector = _mm256_set1_epi64x(word as i64);
    }
    store64(compress512_lanes(state, load64(words)))
}

#[target_feature(enable = "avx2")]
#[inline]
fn hmac512(pads: &Pads512, schedules: &[[u64; 80]], digest_words: usize) -> [__m256i; 8] {
    let mut inner = load64(&pads.inner);
    for wk in schedules {
        inner = compress512_shared(inner, wk);
    }
    let digest_words = digest_words.min(8);
    let zero = _mm256_setzero_si256();
    let mut message = [zero; 16];
    message[..digest_words].copy_from_slice(&inner[..digest_words]);
    if let Some(word) = message.get_mut(digest_words) {
        *word = _mm256_set1_epi64x(0x8000_0000_0000_0000_u64 as i64);
    }
    message[15] = _mm256_set1_epi64x((128 + 8 * digest_words as i64) * 8);
    compress512_lanes(load64(&pads.outer), message)
}

#[target_feature(enable = "avx2")]
pub(super) fn verify512(pads: &Pads512, schedules: &[[u64; 80]], expected: &[u64]) -> u8 {
    let outer = hmac512(pads, schedules, expected.len());
    let mut equal = _mm256_set1_epi64x(-1);
    for (word, &want) in outer.into_iter().zip(expected) {
        equal = _mm256_and_si256(equal, _mm256_cmpeq_epi64(word, _mm256_set1_epi64x(want as i64)));
    }
    _mm256_movemask_pd(_mm256_castsi256_pd(equal)) as u8
}

#[target_feature(enable = "avx2")]
pub(super) fn digest512(pads: &Pads512, schedules: &[[u64; 80]], digest_words: usize) -> [[u64; LANES_512]; 8] {
    store64(hmac512(pads, schedules, digest_words))
}
