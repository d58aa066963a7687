//! The AVX-512F engine: the SHA-256 and SHA-512 round functions on 512-bit vectors, 16 SHA-256
//! or 8 SHA-512 keys at a time, with rotate and ternary-logic instructions.

use core::arch::x86_64::*;

use super::sha::{K256, K512, LANES_256, LANES_512, Pads256, Pads512};

macro_rules! round256 {
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $wk:expr) => {
        let sigma1 = _mm512_ternarylogic_epi32::<0x96>(
            _mm512_ror_epi32::<6>($e),
            _mm512_ror_epi32::<11>($e),
            _mm512_ror_epi32::<25>($e),
        );
        let ch = _mm512_ternarylogic_epi32::<0xca>($e, $f, $g);
        let t1 = _mm512_add_epi32(_mm512_add_epi32($h, sigma1), _mm512_add_epi32(ch, $wk));
        let sigma0 = _mm512_ternarylogic_epi32::<0x96>(
            _mm512_ror_epi32::<2>($a),
            _mm512_ror_epi32::<13>($a),
            _mm512_ror_epi32::<22>($a),
        );
        let maj = _mm512_ternarylogic_epi32::<0xe8>($a, $b, $c);
        $d = _mm512_add_epi32($d, t1);
        $h = _mm512_add_epi32(t1, _mm512_add_epi32(sigma0, maj));
    };
}

macro_rules! round512 {
    ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $wk:expr) => {
        let sigma1 = _mm512_ternarylogic_epi64::<0x96>(
            _mm512_ror_epi64::<14>($e),
            _mm512_ror_epi64::<18>($e),
            _mm512_ror_epi64::<41>($e),
        );
        let ch = _mm512_ternarylogic_epi64::<0xca>($e, $f, $g);
        let t1 = _mm512_add_epi64(_mm512_add_epi64($h, sigma1), _mm512_add_epi64(ch, $wk));
        let sigma0 = _mm512_ternarylogic_epi64::<0x96>(
            _mm512_ror_epi64::<28>($a),
            _mm512_ror_epi64::<34>($a),
            _mm512_ror_epi64::<39>($a),
        );
        let maj = _mm512_ternarylogic_epi64::<0xe8>($a, $b, $c);
        $d = _mm512_add_epi64($d, t1);
        $h = _mm512_add_epi64(t1, _mm512_add_epi64(sigma0, maj));
    };
}

// Loads and stores are plain loops: a closure passed to `array::map` is not inlined into
// target_feature code, and an out-of-line call per vector costs more than the work.

#[target_feature(enable = "avx512f")]
#[inline]
fn load32<const N: usize>(rows: &[[u32; LANES_256]; N]) -> [__m512i; N] {
    let mut vectors = [_mm512_setzero_si512(); N];
    for (vector, row) in vectors.iter_mut().zip(rows) {
        // SAFETY: reads exactly the 64 bytes of `row`; unaligned loads are allowed.
        *vector = unsafe { _mm512_loadu_si512(row.as_ptr().cast()) };
    }
    vectors
}

#[target_feature(enable = "avx512f")]
#[inline]
fn store32(vectors: [__m512i; 8]) -> [[u32; LANES_256]; 8] {
    let mut rows = [[0u32; LANES_256]; 8];
    for (row, vector) in rows.iter_mut().zip(vectors) {
        // SAFETY: writes exactly the 64 bytes of `row`.
        unsafe { _mm512_storeu_si512(row.as_mut_ptr().cast(), vector) };
    }
    rows
}

#[target_feature(enable = "avx512f")]
#[inline]
fn load64<const N: usize>(rows: &[[u64; LANES_512]; N]) -> [__m512i; N] {
    let mut vectors = [_mm512_setzero_si512(); N];
    for (vector, row) in vectors.iter_mut().zip(rows) {
        // SAFETY: reads exactly the 64 bytes of `row`; unaligned loads are allowed.
        *vector = unsafe { _mm512_loadu_si512(row.as_ptr().cast()) };
    }
    vectors
}

#[target_feature(enable = "avx512f")]
#[inline]
fn store64(vectors: [__m512i; 8]) -> [[u64; LANES_512]; 8] {
    let mut rows = [[0u64; LANES_512]; 8];
    for (row, vector) in rows.iter_mut().zip(vectors) {
        // SAFETY: writes exactly the 64 bytes of `row`.
        unsafe { _mm512_storeu_si512(row.as_mut_ptr().cast(), vector) };
    }
    rows
}

/// One SHA-256 compression of a block whose 16 message words differ per lane.
#[target_feature(enable = "avx512f")]
#[inline]
fn compress256_lanes(state: [__m512i; 8], message: [__m512i; 16]) -> [__m512i; 8] {
    // The schedule runs in a 16-word ring, one word ahead of each round that needs it.
    let mut w = message;
    let out = rounds!(round256, state, 64, |t| {
        if t >= 16 {
            let (w15, w2) = (w[(t + 1) % 16], w[(t + 14) % 16]);
            let s0 = _mm512_ternarylogic_epi32::<0x96>(
                _mm512_ror_epi32::<7>(w15),
                _mm512_ror_epi32::<18>(w15),
                _mm512_srli_epi32::<3>(w15),
            );
            let s1 = _mm512_ternarylogic_epi32::<0x96>(
                _mm512_ror_epi32::<17>(w2),
                _mm512_ror_epi32::<19>(w2),
                _mm512_srli_epi32::<10>(w2),
            );
            w[t % 16] = _mm512_add_epi32(_mm512_add_epi32(w[t % 16], s0), _mm512_add_epi32(w[(t + 9) % 16], s1));
        }
        _mm512_add_epi32(w[t % 16], _mm512_set1_epi32(K256[t] as i32))
    });
    feed_forward32(state, out)
}

/// One SHA-256 compression of a block that is the same in every lane, given as `W[t] + K[t]`.
#[target_feature(enable = "avx512f")]
#[inline]
fn compress256_shared(state: [__m512i; 8], wk: &[u32; 64]) -> [__m512i; 8] {
    let out = rounds!(round256, state, 64, |t| _mm512_set1_epi32(wk[t] as i32));
    feed_forward32(state, out)
}

#[target_feature(enable = "avx512f")]
#[inline]
fn feed_forward32(state: [__m512i; 8], out: [__m512i; 8]) -> [__m512i; 8] {
    let mut next = state;
    for (word, add) in next.iter_mut().zip(out) {
        *word = _mm512_add_epi32(*word, add);
    }
    next
}

#[target_feature(enable = "avx512f")]
pub(super) fn keyed256(iv: &[u32; 8], words: &[[u32; LANES_256]; 16]) -> [[u32; LANES_256]; 8] {
    let mut state = [_mm512_setzero_si512(); 8];
    for (vector, &word) in state.iter_mut().zip(iv) {
        *vector = _mm512_set1_epi32(word as i32);
    }
    store32(compress256_lanes(state, load32(words)))
}

/// Each lane's HMAC over the inner blocks given by `schedules`: the outer hash's state.
#[target_feature(enable = "avx512f")]
#[inline]
fn hmac256(pads: &Pads256, schedules: &[[u32; 64]]) -> [__m512i; 8] {
    let mut inner = load32(&pads.inner);
    for wk in schedules {
        inner = compress256_shared(inner, wk);
    }
    // The outer hash covers the key block, then the 32-byte inner digest and its padding.
    let zero = _mm512_setzero_si512();
    let mut message = [zero; 16];
    message[..8].copy_from_slice(&inner);
    message[8] = _mm512_set1_epi32(0x8000_0000_u32 as i32);
    message[15] = _mm512_set1_epi32((64 + 32) * 8);
    compress256_lanes(load32(&pads.outer), message)
}

#[target_feature(enable = "avx512f")]
pub(super) fn verify256(pads: &Pads256, schedules: &[[u32; 64]], expected: &[u32; 8]) -> u16 {
    let outer = hmac256(pads, schedules);
    let mut mask = u16::MAX;
    for (word, &want) in outer.into_iter().zip(expected) {
        mask &= _mm512_cmpeq_epi32_mask(word, _mm512_set1_epi32(want as i32));
    }
    mask
}

#[target_feature(enable = "avx512f")]
pub(super) fn digest256(pads: &Pads256, schedules: &[[u32; 64]]) -> [[u32; LANES_256]; 8] {
    store32(hmac256(pads, schedules))
}

/// One SHA-512 compression of a block whose 16 message words differ per lane.
#[target_feature(enable = "avx512f")]
#[inline]
fn compress512_lanes(state: [__m512i; 8], message: [__m512i; 16]) -> [__m512i; 8] {
    let mut w = message;
    let out = rounds!(round512, state, 80, |t| {
        if t >= 16 {
            let (w15, w2) = (w[(t + 1) % 16], w[(t + 14) % 16]);
            let s0 = _mm512_ternarylogic_epi64::<0x96>(
                _mm512_ror_epi64::<1>(w15),
                _mm512_ror_epi64::<8>(w15),
                _mm512_srli_epi64::<7>(w15),
            );
            let s1 = _mm512_ternarylogic_epi64::<0x96>(
                _mm512_ror_epi64::<19>(w2),
                _mm512_ror_epi64::<61>(w2),
                _mm512_srli_epi64::<6>(w2),
            );
            w[t % 16] = _mm512_add_epi64(_mm512_add_epi64(w[t % 16], s0), _mm512_add_epi64(w[(t + 9) % 16], s1));
        }
        _mm512_add_epi64(w[t % 16], _mm512_set1_epi64(K512[t] as i64))
    });
    feed_forward64(state, out)
}

#[target_feature(enable = "avx512f")]
#[inline]
fn compress512_shared(state: [__m512i; 8], wk: &[u64; 80]) -> [__m512i; 8] {
    let out = rounds!(round512, state, 80, |t| _mm512_set1_epi64(wk[t] as i64));
    feed_forward64(state, out)
}

#[target_feature(enable = "avx512f")]
#[inline]
fn feed_forward64(state: [__m512i; 8], out: [__m512i; 8]) -> [__m512i; 8] {
    let mut next = state;
    for (word, add) in next.iter_mut().zip(out) {
        *word = _mm512_add_epi64(*word, add);
    }
    next
}

#[target_feature(enable = "avx512f")]
pub(super) fn keyed512(iv: &[u64; 8], words: &[[u64; LANES_512]; 16]) -> [[u64; LANES_512]; 8] {
    let mut state = [_mm512_setzero_si512(); 8];
    for (vector, &word) in state.iter_mut().zip(iv) {
        *vector = _mm512_set1_epi64(word as i64);
    }
    store64(compress512_lanes(state, load64(words)))
}

/// Each lane's HMAC over the inner blocks given by `schedules`, of `digest_words` words (6 for
/// SHA-384, 8 for SHA-512): the outer hash's state.
#[target_feature(enable = "avx512f")]
#[inline]
fn hmac512(pads: &Pads512, schedules: &[[u64; 80]], digest_words: usize) -> [__m512i; 8] {
    let mut inner = load64(&pads.inner);
    for wk in schedules {
        inner = compress512_shared(inner, wk);
    }
    // The outer hash covers the key block, then the inner digest and its padding.
    let digest_words = digest_words.min(8);
    let zero = _mm512_setzero_si512();
    let mut message = [zero; 16];
    message[..digest_words].copy_from_slice(&inner[..digest_words]);
    if let Some(word) = message.get_mut(digest_words) {
        *word = _mm512_set1_epi64(0x8000_0000_0000_0000_u64 as i64);
    }
    message[15] = _mm512_set1_epi64((128 + 8 * digest_words as i64) * 8);
    compress512_lanes(load64(&pads.outer), message)
}

#[target_feature(enable = "avx512f")]
pub(super) fn verify512(pads: &Pads512, schedules: &[[u64; 80]], expected: &[u64]) -> u8 {
    let outer = hmac512(pads, schedules, expected.len());
    let mut mask = u8::MAX;
    for (word, &want) in outer.into_iter().zip(expected) {
        mask &= _mm512_cmpeq_epi64_mask(word, _mm512_set1_epi64(want as i64));
    }
    mask
}

#[target_feature(enable = "avx512f")]
pub(super) fn digest512(pads: &Pads512, schedules: &[[u64; 80]], digest_words: usize) -> [[u64; LANES_512]; 8] {
    store64(hmac512(pads, schedules, digest_words))
}
