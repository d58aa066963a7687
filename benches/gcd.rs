//! The subquadratic gcd of `public_key::gcd` on random pairs of 1 to 32 Mbit (or the sizes given
//! in Mbit as arguments), beside `dashu-int`'s own (Lehmer) gcd up to 1 Mbit: the time per
//! doubling shows the growth (4× per doubling is quadratic). With the argument `rsa`, the
//! recovery of a 2048-bit RSA modulus (e = 65537) from two RS256 tokens of
//! `tests/fixtures/recovered/tokens.json` instead. Times are of the process's CPU, so other load on
//! the machine skews them less. Run with `cargo bench --bench gcd [-- rsa]`; `/usr/bin/time -v`
//! gives the peak memory.

use dashu_int::UBig;
use dashu_int::ops::Gcd as _;
use jwtscan::public_key::gcd::gcd;

fn main() {
    if std::env::args().nth(1).as_deref() == Some("rsa") {
        return rsa();
    }
    let sizes: Vec<f64> = std::env::args().skip(1).filter_map(|arg| arg.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0] } else { sizes };
    let mut state = 1u64;
    for mbit in sizes {
        let bits = (mbit * f64::from(1 << 20)) as usize;
        let (a, b) = (number(&mut state, bits), number(&mut state, bits));
        let started = cpu_seconds();
        let g = gcd(a.clone(), b.clone(), None).expect("no deadline");
        let ours = cpu_seconds() - started;
        let lehmer = (mbit <= 1.0).then(|| {
            let started = cpu_seconds();
            assert_eq!((&a).gcd(&b), g);
            cpu_seconds() - started
        });
        let lehmer = lehmer.map_or(String::new(), |s| format!(", dashu-int's Lehmer gcd {s:.2} s"));
        println!("{mbit:>5} Mbit: half-gcd {ours:.2} s{lehmer}");
    }
}

fn rsa() {
    use base64::Engine as _;
    use jwtscan::public_key::Alg;
    use jwtscan::public_key::recover::{Outcome, RsToken, recover};
    let fixtures: serde_json::Value =
        serde_json::from_str(include_str!("../tests/fixtures/recovered/tokens.json")).expect("valid fixture JSON");
    let parts: Vec<(String, Vec<u8>)> = fixtures["c"]["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .map(|token| {
            let (input, signature) = token.as_str().and_then(|t| t.rsplit_once('.')).expect("a compact JWS");
            let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(signature).expect("base64url");
            (input.to_string(), signature)
        })
        .collect();
    let token = |i: usize| RsToken { alg: Alg::Rs256, input: parts[i].0.as_bytes(), signature: &parts[i].1 };
    let far = std::time::Instant::now() + std::time::Duration::from_secs(3600);
    let started = cpu_seconds();
    let outcome = recover(&token(0), &token(1), &[65_537], far);
    let seconds = cpu_seconds() - started;
    let found = matches!(&outcome, Outcome::Found(key) if jwtscan::hex::hex(&key.n) == fixtures["c"]["n"]);
    println!("2048-bit RSA, e = 65537, two RS256 tokens: {seconds:.1} s, modulus recovered: {found}");
}

/// The CPU time of this process so far.
fn cpu_seconds() -> f64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `now` is a valid timespec for the call to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    now.tv_sec as f64 + now.tv_nsec as f64 * 1e-9
}

/// A random number of exactly `bits` bits (splitmix64).
fn number(state: &mut u64, bits: usize) -> UBig {
    let words: Vec<u64> = (0..bits / 64)
        .map(|_| {
            *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = *state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        })
        .collect();
    let mut x = UBig::from_words(&words);
    x.set_bit(bits - 1);
    x
}
