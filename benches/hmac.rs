//! HMAC candidate checks per second per core for HS256, HS384 and HS512 over a 200-byte signing
//! input, on every engine the CPU has (the first is the one `search` uses); HS256 is compared with
//! the same machine's `openssl speed -seconds 3 -hmac sha256` rate for 256-byte blocks.
//! The last line is the rate of one candidate against a group of 1,000 HS256 signatures over one
//! signing input, on the engine `search` uses. Run with `cargo bench --bench hmac`. Rates use CPU time where Linux reports it, as
//! `openssl speed` does, so other load on the machine does not skew the ratio.

use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use jwtscan::hmac::{Engine, Targets, search_on};
use sha2::{Sha256, Sha384, Sha512};

const CANDIDATES: usize = 100_000;
const MIN_TIME: Duration = Duration::from_secs(3);

fn main() {
    let candidates = candidate_keys();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a one-thread pool");
    let mut hs256 = None;
    for engine in Engine::available() {
        for alg in ["HS256", "HS384", "HS512"] {
            let mut targets = Targets::new();
            targets.push(&token_with_200_byte_signing_input(alg)).expect("an HS* token");
            let rate = checks_per_cpu_second(&pool, engine, &targets, &candidates);
            println!("jwtscan: {rate:>12.0} {alg} checks/s per core, {engine:?} (200-byte signing input)");
            if alg == "HS256" {
                hs256.get_or_insert(rate);
            }
        }
    }
    let mut group = Targets::new();
    let token = token_with_200_byte_signing_input("HS256");
    let input = token.rsplit_once('.').map_or("", |(input, _)| input);
    for n in 0..1_000u32 {
        let signature: Vec<u8> = (0..32u32).map(|i| (n.wrapping_mul(2_654_435_761) >> (i % 24)) as u8).collect();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature);
        group.push(&format!("{input}.{b64}")).expect("an HS256 token");
    }
    if let Some(&engine) = Engine::available().first() {
        let rate = checks_per_cpu_second(&pool, engine, &group, &candidates);
        println!("jwtscan: {rate:>12.0} HS256 checks/s per core, {engine:?}, one group of 1,000 signatures");
    }
    let hs256 = hs256.unwrap_or_default();
    match openssl_hmac_sha256_256_bytes() {
        Some(reference) => {
            println!("openssl: {reference:>12.0} HMAC-SHA256/s per core (256-byte blocks, openssl speed -seconds 3)");
            println!("ratio:   {:>12.2} (jwtscan HS256 / openssl)", hs256 / reference);
        }
        None => println!("openssl: not available, no reference rate"),
    }
}

fn checks_per_cpu_second(pool: &rayon::ThreadPool, engine: Engine, targets: &Targets, candidates: &[Vec<u8>]) -> f64 {
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    let mut checks = 0u64;
    while wall.elapsed() < MIN_TIME {
        pool.install(|| search_on(engine, targets, candidates, 0, &|_, _| panic!("no candidate is the key")));
        checks += candidates.len() as u64;
    }
    let seconds = match (cpu, cpu_seconds()) {
        (Some(before), Some(after)) if after > before => after - before,
        _ => wall.elapsed().as_secs_f64(),
    };
    checks as f64 / seconds
}

/// `header.payload` is exactly 200 bytes, signed with `alg` under a key no candidate equals.
fn token_with_200_byte_signing_input(alg: &str) -> String {
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let header = b64(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#).as_bytes());
    let payload = b64(format!(r#"{{"sub":"{}"}}"#, "x".repeat(112)).as_bytes());
    let input = format!("{header}.{payload}");
    assert_eq!(input.len(), 200);
    let key = b"the key is not among the candidates";
    let signature = match alg {
        "HS256" => mac::<Hmac<Sha256>>(key, &input),
        "HS384" => mac::<Hmac<Sha384>>(key, &input),
        _ => mac::<Hmac<Sha512>>(key, &input),
    };
    format!("{input}.{}", b64(&signature))
}

fn mac<M: Mac + KeyInit>(key: &[u8], input: &str) -> Vec<u8> {
    let mut mac = <M as KeyInit>::new_from_slice(key).expect("any key length");
    mac.update(input.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Keys of 8 to 39 bytes from a fixed xorshift sequence, like a wordlist's lines.
fn candidate_keys() -> Vec<Vec<u8>> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..CANDIDATES)
        .map(|_| {
            let len = 8 + (next() % 32) as usize;
            (0..len).map(|_| b'!' + (next() % 94) as u8).collect()
        })
        .collect()
}

/// User plus system CPU time of this process, from /proc (Linux).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Operations per CPU second from `openssl speed`'s "Doing hmac(sha256) … on 256 size blocks:
/// N hmac(sha256)'s in T s" line.
fn openssl_hmac_sha256_256_bytes() -> Option<f64> {
    let output =
        std::process::Command::new("openssl").args(["speed", "-seconds", "3", "-hmac", "sha256"]).output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    let line = text.lines().find(|line| line.contains("on 256 size blocks"))?;
    let (_, counts) = line.split_once(": ")?;
    let mut words = counts.split_whitespace();
    let operations: f64 = words.next()?.parse().ok()?;
    let seconds: f64 = words.last()?.trim_end_matches('s').parse().ok()?;
    (seconds > 0.0).then(|| operations / seconds)
}
