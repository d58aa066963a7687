use dashu_int::UBig;
use dashu_int::ops::Gcd as _;

use super::*;

/// splitmix64: reproducible inputs without a crate.
struct Random(u64);

impl Random {
    fn word(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number of exactly `bits` bits (at least 1).
    fn number(&mut self, bits: usize) -> UBig {
        let words: Vec<u64> = (0..bits.div_ceil(64)).map(|_| self.word()).collect();
        let mut x = UBig::from_words(&words);
        x.clear_high_bits(bits);
        x.set_bit(bits - 1);
        x
    }
}

fn full(a: &UBig, b: &UBig) -> UBig {
    gcd(a.clone(), b.clone(), None).expect("no deadline")
}

fn check(a: &UBig, b: &UBig) {
    let expected = a.gcd(b);
    assert_eq!(full(a, b), expected, "gcd of {} and {} bits", a.bit_len(), b.bit_len());
    assert_eq!(full(b, a), expected, "gcd of {} and {} bits, swapped", b.bit_len(), a.bit_len());
}

#[test]
fn gcd_agrees_with_lehmer_on_random_pairs_of_many_sizes() {
    let mut random = Random(1);
    for bits in [1, 63, 64, 65, 1000, 4095, 4097, 20_000, 32_769, 50_000, 100_003, 250_000] {
        let (a, b) = (random.number(bits), random.number(bits));
        check(&a, &b);
        let c = random.number(bits - bits / 3);
        check(&a, &c);
    }
}

#[test]
fn gcd_finds_a_large_common_factor() {
    let mut random = Random(2);
    for (factor, cofactor) in [(2048, 60_000), (30_000, 90_000), (100_000, 100_000), (64, 200_000)] {
        let g = random.number(factor);
        let (x, y) = (random.number(cofactor), random.number(cofactor));
        let (a, b) = (&g * &x, &g * &y);
        check(&a, &b);
        // x and y may share small factors, so the gcd is a multiple of g.
        assert!((full(&a, &b) % &g).is_zero());
    }
}

#[test]
fn gcd_of_degenerate_pairs_is_exact() {
    let mut random = Random(3);
    let a = random.number(120_000);
    let zero = UBig::ZERO;
    assert_eq!(full(&a, &a), a);
    assert_eq!(full(&a, &zero), a);
    assert_eq!(full(&zero, &a), a);
    assert_eq!(full(&zero, &zero), zero);
    let multiple = &a * random.number(70_000);
    assert_eq!(full(&multiple, &a), a);
    assert_eq!(full(&a, &multiple), a);
    let one = UBig::ONE;
    assert_eq!(full(&a, &one), one);
    // A long quotient, then a short remainder.
    let b = random.number(40_000);
    check(&(&a * &b + UBig::from(12345u32)), &b);
}

#[test]
fn gcd_of_consecutive_fibonacci_numbers_with_all_quotients_one_is_one() {
    let (mut a, mut b) = (UBig::ONE, UBig::ONE);
    while a.bit_len() < 60_000 {
        (a, b) = (&a + &b, a);
    }
    assert_eq!(full(&a, &b), UBig::ONE);
    let g = Random(4).number(3000);
    assert_eq!(full(&(&a * &g), &(&b * &g)), g);
}

#[test]
fn gcd_of_powers_of_two_minus_one_follows_their_exponents() {
    // gcd(2^i − 1, 2^j − 1) = 2^gcd(i, j) − 1: quotients are huge and remainders structured.
    let ones = |n: usize| UBig::ONE << n;
    for (i, j) in [(60_000usize, 45_000usize), (99_991, 65_537), (80_000, 80_000)] {
        let (a, b) = (ones(i) - UBig::ONE, ones(j) - UBig::ONE);
        let g = (ones(num_integer::Integer::gcd(&i, &j))) - UBig::ONE;
        assert_eq!(full(&a, &b), g, "2^{i} − 1, 2^{j} − 1");
    }
}

#[test]
fn half_gcd_transform_maps_the_pair_given_to_the_pair_returned_and_halves_it() {
    let mut random = Random(5);
    for bits in [5000, 9000, 40_000] {
        let (a, b) = (random.number(bits), random.number(bits - 7));
        let state = hgcd(a.clone(), b.clone(), true, None).expect("no deadline");
        let t = state.t.expect("a transform was asked for");
        let (a, b) = (IBig::from(a), IBig::from(b));
        assert_eq!(&t[0] * &a + &t[1] * &b, IBig::from(state.a.clone()));
        assert_eq!(&t[2] * &a + &t[3] * &b, IBig::from(state.b.clone()));
        assert!(state.a >= state.b);
        assert!(state.b.bit_len() <= bits / 2 + 1);
        assert!(state.a.bit_len() <= bits / 2 + 64, "{} of {bits} bits left", state.a.bit_len());
    }
}

#[test]
fn gcd_gives_up_once_its_deadline_has_passed() {
    let mut random = Random(6);
    let (a, b) = (random.number(1 << 21), random.number(1 << 21));
    assert_eq!(gcd(a, b, Some(Instant::now())), None);
}
