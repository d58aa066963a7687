//! The RSA public key behind two RS256/384/512 tokens signed by one key, from the tokens alone
//! (the gcd method): a PKCS #1 v1.5 signature `s` of the encoded message `m` has `s^e ≡ m (mod n)`,
//! so `n` divides `s1^e − m1` and `s2^e − m2`, and their gcd is `n` times a small cofactor. PS
//! tokens cannot be used: their encoded message is salted, so `m` is unknown.

use std::time::Instant;

use dashu_int::UBig;
use dashu_int::fast_div::ConstDivisor;
use dashu_int::ops::BitTest as _;
use sha2::Digest as _;

use super::Alg;

/// The public exponents tried, cheapest first, in two classes: for a modulus of k bits `s^e − m`
/// has about `k·e` bits, at most 526 kbit below 65537 (milliseconds a pair) but 134 Mbit (16 MiB,
/// minutes a pair) at e = 65537 for a 2048-bit key.
pub const EXPONENTS: [&[u32]; 2] = [&[3, 5, 17, 257], &[65_537]];
/// The largest `s^e − m` worked on, in bits: a 2048-bit key's at e = 65537 (16 MiB; the gcd's
/// peak memory is about 0.5 GB). A longer key is tried with the smaller exponents only.
const MAX_OPERAND_BITS: u64 = 2048 * 65_537;
/// A recovered modulus must have at least this many bits.
const MIN_BITS: usize = 512;
/// Prime factors below this are divided out of the gcd: the cofactor `gcd(k1, k2)` of
/// `s_i^e − m_i = k_i·n` is a product of small primes but for a rare large one.
const TRIAL_BOUND: u32 = 1 << 16;

/// An RS token's part: its algorithm, signing input and signature bytes.
#[derive(Clone, Copy)]
pub struct RsToken<'a> {
    pub alg: Alg,
    pub input: &'a [u8],
    pub signature: &'a [u8],
}

/// A recovered public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recovered {
    /// The modulus, big-endian, without leading zeros.
    pub n: Vec<u8>,
    pub e: u32,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Found(Recovered),
    /// No exponent tried gives a modulus both tokens verify under: they were signed by
    /// different keys (or with another exponent).
    NotFound,
    /// The deadline passed before every exponent was tried.
    OutOfTime,
}

/// The DER prefix of the `DigestInfo` for the hash `alg` signs with (RFC 8017 §9.2, note 1), and
/// the hash's length.
fn digest_info(alg: Alg) -> Option<(&'static [u8], usize)> {
    Some(match alg {
        Alg::Rs256 => (
            &[
                0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
                0x04, 0x20,
            ],
            32,
        ),
        Alg::Rs384 => (
            &[
                0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00,
                0x04, 0x30,
            ],
            48,
        ),
        Alg::Rs512 => (
            &[
                0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00,
                0x04, 0x40,
            ],
            64,
        ),
        _ => return None,
    })
}

/// EMSA-PKCS1-v1_5 (RFC 8017 §9.2) of `input` for `alg` in `len` bytes, as an integer: `None` for
/// an algorithm other than RS256/384/512 or a length too short to hold it.
pub fn encoded(alg: Alg, input: &[u8], len: usize) -> Option<UBig> {
    let (prefix, hash_len) = digest_info(alg)?;
    let hash = match alg {
        Alg::Rs256 => sha2::Sha256::digest(input).to_vec(),
        Alg::Rs384 => sha2::Sha384::digest(input).to_vec(),
        _ => sha2::Sha512::digest(input).to_vec(),
    };
    let t_len = prefix.len() + hash_len;
    if len < t_len + 11 {
        return None;
    }
    let mut em = Vec::with_capacity(len);
    em.extend_from_slice(&[0x00, 0x01]);
    em.resize(len - t_len - 1, 0xff);
    em.push(0x00);
    em.extend_from_slice(prefix);
    em.extend_from_slice(&hash);
    Some(UBig::from_be_bytes(&em))
}

/// Whether `token` verifies under the public key `(n, e)`: its signature is as long as `n` and
/// below it, and `s^e mod n` is its encoded message.
pub fn verifies(n: &UBig, e: u32, token: &RsToken<'_>) -> bool {
    let len = n.bit_len().div_ceil(8);
    let s = UBig::from_be_bytes(token.signature);
    if token.signature.len() != len || &s >= n || n.bit_len() < 2 {
        return false;
    }
    let Some(m) = encoded(token.alg, token.input, len) else { return false };
    let ring = ConstDivisor::new(n.clone());
    ring.reduce(s).pow(&UBig::from(e)).residue() == m
}

/// The deadline passed.
struct Late;

/// `s^e − m` for `token`, by squarings from the exponent's top bit, looking at the clock between
/// them (the last squarings of a 2048-bit `s` at e = 65537 take about half a second each);
/// `None` for a token whose `s^e` is not above `m`.
fn multiple(token: &RsToken<'_>, e: u32, deadline: Instant) -> Result<Option<UBig>, Late> {
    let s = UBig::from_be_bytes(token.signature);
    let Some(m) = encoded(token.alg, token.input, token.signature.len()) else { return Ok(None) };
    let mut power = UBig::ONE;
    for bit in (0..u32::BITS - e.leading_zeros()).rev() {
        if Instant::now() >= deadline {
            return Err(Late);
        }
        power = power.sqr();
        if e >> bit & 1 == 1 {
            power *= &s;
        }
    }
    Ok((power > m).then(|| power - m))
}

/// Divides out of `g` every prime factor below `TRIAL_BOUND`.
fn strip_small_factors(mut g: UBig) -> UBig {
    let mut p = 2u32;
    while p < TRIAL_BOUND {
        let divisor = UBig::from(p);
        while !g.is_zero() && (&g % &divisor).is_zero() {
            g /= &divisor;
        }
        // Odd numbers after 2: composite ones divide nothing by then.
        p += if p == 2 { 1 } else { 2 };
    }
    g
}

/// The public key that signed both `a` and `b`, tried with each of `exponents` in turn until
/// `deadline`.
pub fn recover(a: &RsToken<'_>, b: &RsToken<'_>, exponents: &[u32], deadline: Instant) -> Outcome {
    match each_exponent(a, b, exponents, deadline) {
        Ok(Some(key)) => Outcome::Found(key),
        Ok(None) => Outcome::NotFound,
        Err(Late) => Outcome::OutOfTime,
    }
}

fn each_exponent(
    a: &RsToken<'_>,
    b: &RsToken<'_>,
    exponents: &[u32],
    deadline: Instant,
) -> Result<Option<Recovered>, Late> {
    let len = a.signature.len();
    // Two signatures of one message are one equation, whose gcd is the whole number.
    if b.signature.len() != len || a.signature == b.signature {
        return Ok(None);
    }
    for &e in exponents {
        if u64::from(e) * 8 * len as u64 > MAX_OPERAND_BITS {
            continue;
        }
        let (Some(x), Some(y)) = (multiple(a, e, deadline)?, multiple(b, e, deadline)?) else { continue };
        let g = super::gcd::gcd(x, y, Some(deadline)).ok_or(Late)?;
        // A cofactor of more than a few words is not small primes: another key, or bad luck.
        if g.bit_len() > 8 * len + 1024 {
            continue;
        }
        let n = strip_small_factors(g);
        let bits = n.bit_len();
        // The signature is as long as the modulus (RFC 8017 §8.2.1, I2OSP to k octets).
        if bits >= MIN_BITS && bits.div_ceil(8) == len && verifies(&n, e, a) && verifies(&n, e, b) {
            return Ok(Some(Recovered { n: n.to_be_bytes().into_vec(), e }));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests;
