//! A subquadratic gcd of big integers: a recursive half-gcd over `dashu-int`, whose own gcd is
//! Lehmer's (quadratic: hours for the two 134-Mbit numbers behind a pair of RS256 tokens) but
//! whose multiplication is an NTT past a few thousand words.
//!
//! A gcd is kept by any unimodular transform of the pair, so the reduction need not follow
//! Euclid's quotients exactly to be correct, only closely enough to be fast: the cofactors that
//! reduce the top half of two numbers, applied to the whole numbers, reduce them by about a
//! quarter of their length; signs and order are mended afterwards, and a plain division step
//! guarantees progress whenever a round makes little. With an NTT multiplication the cost is a
//! small multiple of one multiplication's times the recursion's depth.

use std::time::Instant;

use dashu_int::ops::{BitTest as _, DivRem as _, Gcd as _};
use dashu_int::{IBig, Sign, UBig};

/// Below this many bits the pair goes to `dashu-int`'s Lehmer gcd.
const PLAIN_BITS: usize = 1 << 15;
/// Below this many bits the half-gcd reduces by Lehmer steps instead of recursing.
const BASE_BITS: usize = 1 << 14;
/// Half-gcds of more bits than this look at the clock first (each takes milliseconds or more).
const CLOCKED_BITS: usize = 1 << 20;

/// Rows of a unimodular matrix `[t00, t01, t10, t11]`: the pair now is `T · (a, b)` of the pair
/// given.
type Matrix = [IBig; 4];

fn identity() -> Matrix {
    [IBig::ONE, IBig::ZERO, IBig::ZERO, IBig::ONE]
}

/// `m · t`.
fn product(m: &Matrix, t: &Matrix) -> Matrix {
    [
        &m[0] * &t[0] + &m[1] * &t[2],
        &m[0] * &t[1] + &m[1] * &t[3],
        &m[2] * &t[0] + &m[3] * &t[2],
        &m[2] * &t[1] + &m[3] * &t[3],
    ]
}

/// The greatest common divisor of `a` and `b` (`gcd(0, 0) = 0`); `None` once `deadline` has
/// passed (it is looked at every few milliseconds of work).
pub fn gcd(a: UBig, b: UBig, deadline: Option<Instant>) -> Option<UBig> {
    let (mut a, mut b) = if a >= b { (a, b) } else { (b, a) };
    loop {
        if b.is_zero() {
            return Some(a);
        }
        let bits = a.bit_len();
        if bits <= PLAIN_BITS {
            return Some((&a).gcd(&b));
        }
        if past(deadline) {
            return None;
        }
        // A long quotient is one division (`dashu-int`'s is divide and conquer), not a half-gcd.
        if bits - b.bit_len() > 64 {
            let r = &a % &b;
            (a, b) = (b, r);
            continue;
        }
        let mut state = hgcd(a, b, false, deadline)?;
        if state.a.bit_len() > bits - bits / 8 {
            state.divide();
        }
        (a, b) = (state.a, state.b);
    }
}

/// A pair being reduced, `a ≥ b`, and (when asked for) the transform that led to it.
struct State {
    a: UBig,
    b: UBig,
    t: Option<Matrix>,
}

impl State {
    /// The pair `m · (a, b)`, signs and order mended.
    fn transform(&mut self, m: &Matrix) {
        let a = IBig::from(std::mem::take(&mut self.a));
        let b = IBig::from(std::mem::take(&mut self.b));
        let na = &m[0] * &a + &m[1] * &b;
        let nb = &m[2] * &a + &m[3] * &b;
        drop((a, b));
        if let Some(t) = &mut self.t {
            *t = product(m, t);
        }
        self.settle(na, nb);
    }

    /// Takes `(na, nb)` as the pair: a row whose number is negative is negated, and the rows are
    /// swapped when `nb > na`; both keep the transform unimodular.
    fn settle(&mut self, na: IBig, nb: IBig) {
        let (sign_a, a) = na.into_parts();
        let (sign_b, b) = nb.into_parts();
        if let Some(t) = &mut self.t {
            if sign_a == Sign::Negative {
                t[0] = -std::mem::take(&mut t[0]);
                t[1] = -std::mem::take(&mut t[1]);
            }
            if sign_b == Sign::Negative {
                t[2] = -std::mem::take(&mut t[2]);
                t[3] = -std::mem::take(&mut t[3]);
            }
        }
        (self.a, self.b) = (a, b);
        if self.a < self.b {
            std::mem::swap(&mut self.a, &mut self.b);
            if let Some(t) = &mut self.t {
                t.swap(0, 2);
                t.swap(1, 3);
            }
        }
    }

    /// One Euclid step, `(a, b) → (b, a mod b)`; nothing when `b` is zero.
    fn divide(&mut self) {
        if self.b.is_zero() {
            return;
        }
        let (q, r) = (&self.a).div_rem(&self.b);
        self.a = std::mem::replace(&mut self.b, r);
        if let Some(t) = &mut self.t {
            let q = IBig::from(q);
            let row0 = [std::mem::take(&mut t[0]), std::mem::take(&mut t[1])];
            t[0] = &row0[0] - &q * &t[2];
            t[1] = &row0[1] - &q * &t[3];
            t.swap(0, 2);
            t.swap(1, 3);
        }
    }

    /// Lehmer steps on the top 64 bits, or one division step when they allow none, keeping
    /// `b ≥ 2^s` through the top's steps (a division step may go below).
    fn step(&mut self, s: usize) {
        let n = self.a.bit_len();
        let shift = n.saturating_sub(64);
        // Exact tops allow every step; truncated ones only those whose remainder stays above the
        // cofactors' size (2^32), where the truncation's error cannot change a quotient by much.
        let floor = s.saturating_sub(shift).max(if shift == 0 { 0 } else { 32 });
        let cofactors =
            (floor < 64).then(|| lehmer(top64(&self.a, shift), top64(&self.b, shift), 1 << floor)).flatten();
        let Some([x0, y0, x1, y1]) = cofactors else {
            self.divide();
            return;
        };
        let a = IBig::from(std::mem::take(&mut self.a));
        let b = IBig::from(std::mem::take(&mut self.b));
        let na = &a * x0 + &b * y0;
        let nb = &a * x1 + &b * y1;
        drop((a, b));
        if let Some(t) = &mut self.t {
            let m = [IBig::from(x0), IBig::from(y0), IBig::from(x1), IBig::from(y1)];
            *t = product(&m, t);
        }
        self.settle(na, nb);
    }
}

/// Bits `shift..shift + 64` of `x`.
fn top64(x: &UBig, shift: usize) -> u64 {
    let words = x.as_words();
    let (index, offset) = (shift / 64, shift % 64);
    let word = |i: usize| words.get(i).copied().unwrap_or(0);
    if offset == 0 { word(index) } else { (word(index) >> offset) | (word(index + 1) << (64 - offset)) }
}

/// Euclid on two words while each remainder stays at least `floor`: the cofactors
/// `[x0, y0, x1, y1]` of the last two remainders (`r = x·a + y·b`), `None` when no step did.
/// A cofactor is at most `a / floor`, so below 2^32 whenever `floor ≥ 2^32`; with a lower
/// floor the tops are exact and small.
fn lehmer(a: u64, b: u64, floor: u64) -> Option<[i64; 4]> {
    let (mut r0, mut r1) = (a, b);
    let (mut x0, mut y0, mut x1, mut y1) = (1i64, 0i64, 0i64, 1i64);
    let mut stepped = false;
    while r1 > 0 && r1 >= floor {
        let q = r0 / r1;
        let r2 = r0 - q * r1;
        if r2 < floor {
            break;
        }
        // Cofactors stay below a / r2 ≤ 2^64 / floor; with exact (small) tops q fits too.
        let q = i64::try_from(q).ok()?;
        let (nx, ny) = (x0.checked_sub(q.checked_mul(x1)?)?, y0.checked_sub(q.checked_mul(y1)?)?);
        (r0, r1, x0, y0, x1, y1) = (r1, r2, x1, y1, nx, ny);
        stepped = true;
    }
    stepped.then_some([x0, y0, x1, y1])
}

fn past(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|deadline| Instant::now() >= deadline)
}

/// The half-gcd: `(a, b)` of `n` bits, `a ≥ b`, reduced by a unimodular transform until
/// `b < 2^s` with `s = n/2 + 1`, so about half their length; with `want`, the transform too.
/// `None` once `deadline` has passed.
fn hgcd(a: UBig, b: UBig, want: bool, deadline: Option<Instant>) -> Option<State> {
    let n = a.bit_len();
    let s = n / 2 + 1;
    let mut state = State { a, b, t: want.then(identity) };
    if state.b.bit_len() <= s {
        return Some(state);
    }
    if n > CLOCKED_BITS && past(deadline) {
        return None;
    }
    if n > BASE_BITS {
        // The top n − s bits, halved, reduce the whole pair to about 3n/4 bits.
        let top = hgcd(&state.a >> s, &state.b >> s, true, deadline)?;
        if let Some(t) = top.t {
            state.transform(&t);
        }
        if state.a.bit_len() >= n {
            state.divide();
        }
        let m = state.a.bit_len();
        if state.b.bit_len() > s && m > s + 2 {
            // The top 2(m − s) bits, halved, reduce the pair to about s bits; at least one low
            // bit goes, so the recursion is on fewer bits than this call's.
            let p = (2 * s).saturating_sub(m).max(1);
            let top = hgcd(&state.a >> p, &state.b >> p, true, deadline)?;
            if let Some(t) = top.t {
                state.transform(&t);
            }
        }
    }
    while state.b.bit_len() > s {
        state.step(s);
    }
    Some(state)
}

#[cfg(test)]
mod tests;
