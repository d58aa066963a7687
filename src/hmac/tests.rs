//! Unit tests of the HMAC engines against the `hmac` crate, lane by lane, and of the search order.

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use super::lanes::{self, LaneBatch};
use super::scalar::Keyed;
use super::target::FastTarget;
use super::*;
use sha2::{Sha256, Sha384, Sha512};

fn hs256(key: &[u8], input: &str) -> String {
    use base64::Engine as _;
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
    mac.update(input.as_bytes());
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{input}.{sig}")
}

const INPUT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0";

fn signed<M: Mac + KeyInit>(key: &[u8], input: &str) -> Vec<u8> {
    let mut mac = <M as KeyInit>::new_from_slice(key).unwrap();
    mac.update(input.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Every hash, with keys shorter than, equal to and longer than each block (and around the
/// digest sizes), over inputs whose padding lands on every block-boundary case: a target
/// signed by the `hmac` crate, its key, and a case name.
fn hmac_cases() -> Vec<(Target, Vec<u8>, String)> {
    let key_lens = [0, 1, 31, 32, 55, 56, 63, 64, 65, 111, 112, 127, 128, 129, 200];
    let mut cases = Vec::new();
    for input_len in [0, 1, 55, 56, 63, 64, 111, 112, 119, 120, 127, 128, 200, 1000] {
        let input: Vec<u8> = (0..input_len).map(|i| b'a' + (i % 26) as u8).collect();
        let input = String::from_utf8(input).unwrap();
        for key_len in key_lens {
            let key: Vec<u8> = (0..key_len).map(|i| (i * 7 + key_len) as u8 ^ 0xa5).collect();
            for (alg, signature) in [
                (HashAlg::Sha256, signed::<Hmac<Sha256>>(&key, &input)),
                (HashAlg::Sha384, signed::<Hmac<Sha384>>(&key, &input)),
                (HashAlg::Sha512, signed::<Hmac<Sha512>>(&key, &input)),
            ] {
                let target = Target {
                    alg,
                    blocks: FastTarget::new(alg, input.as_bytes(), &signature),
                    best: AtomicU64::new(u64::MAX),
                    limit: u64::MAX,
                    check_bytes: 0,
                    signing_input_bytes: input.len(),
                    occurrences: Vec::new(),
                };
                cases.push((target, key.clone(), format!("{alg:?} key {key_len} input {input_len}")));
            }
        }
    }
    cases
}

/// Not the same HMAC key as `key` (a zero byte appended would be).
fn wrong_key(key: &[u8], n: u8) -> Vec<u8> {
    let mut wrong = key.to_vec();
    wrong.push(n | 1);
    wrong
}

/// The scalar compression path, used where the CPU lacks AVX-512F and AVX2, and for HS256 on
/// AVX2 where the CPU has SHA-NI.
#[test]
fn the_fast_hmac_path_agrees_with_the_hmac_crate() {
    for (target, key, case) in hmac_cases() {
        assert!(Keyed::default().verifies(&key, &target), "{case}");
        assert!(!Keyed::default().verifies(&wrong_key(&key, 1), &target), "{case}: a wrong key verified");
    }
}

/// The right key in the first lane, in the last, in a partial last batch, in two lanes (one in
/// each SHA-512 group), and nowhere: it verifies where it is and nowhere else.
fn assert_lanes_agree_with_the_hmac_crate(lanes: Option<lanes::Lanes>, engine: &str) {
    let Some(lanes) = lanes else {
        eprintln!("no {engine} on this CPU: its lane path is not tested");
        return;
    };
    let batch = 2 * lanes.lanes512();
    for (target, key, case) in hmac_cases() {
        let placements: [(usize, Vec<usize>); 5] = [
            (batch, vec![0]),
            (batch, vec![batch - 1]),
            (batch + 4, vec![batch + 3]),
            (batch, vec![1, batch / 2 + 1]),
            (batch, vec![]),
        ];
        for (count, right) in placements {
            let keys: Vec<Vec<u8>> =
                (0..count).map(|i| if right.contains(&i) { key.clone() } else { wrong_key(&key, i as u8) }).collect();
            let mut verified = Vec::new();
            for (c, chunk) in keys.chunks(batch).enumerate() {
                let mask = LaneBatch::new(lanes, chunk).verifies(&target, chunk.len());
                verified.extend((0..32).filter(|j| mask & (1 << j) != 0).map(|j| c * batch + j));
            }
            assert_eq!(verified, right, "{engine}: {case}, {count} keys");
        }
    }
}

/// Every engine `search_with` may be given: AVX-512F, AVX2 with SHA-256 in lanes, and AVX2 as
/// detected (SHA-256 one key at a time where the CPU has SHA-NI).
fn lane_engines() -> [(Option<lanes::Lanes>, &'static str); 3] {
    let avx2 = lanes::Avx2::detect();
    [
        (lanes::Avx512::detect().map(lanes::Lanes::Avx512), "AVX-512F"),
        (avx2.map(|avx2| lanes::Lanes::Avx2(avx2.with_sha256_lanes())), "AVX2 with SHA-256 lanes"),
        (avx2.map(lanes::Lanes::Avx2), "AVX2 as detected"),
    ]
}

#[test]
fn the_avx512_lane_hmac_path_agrees_with_the_hmac_crate_in_every_lane() {
    let [(lanes, engine), ..] = lane_engines();
    assert_lanes_agree_with_the_hmac_crate(lanes, engine);
}

#[test]
fn the_avx2_lane_hmac_path_agrees_with_the_hmac_crate_in_every_lane() {
    let [_, (lanes, engine), _] = lane_engines();
    assert_lanes_agree_with_the_hmac_crate(lanes, engine);
}

#[test]
fn the_avx2_path_as_detected_agrees_with_the_hmac_crate_in_every_lane() {
    let [.., (lanes, engine)] = lane_engines();
    assert_lanes_agree_with_the_hmac_crate(lanes, engine);
}

#[test]
fn search_finds_the_earliest_verifying_candidate() {
    let targets = vec![Target::new(&hs256(b"k2", INPUT)).unwrap()];
    // HMAC pads short keys with zeros: "k2" and "k2\0" are the same key.
    let candidates: Vec<&[u8]> = vec![b"k1", b"k2", b"k3", b"k2\0"];
    let found = Mutex::new(Vec::new());
    search(&targets, &candidates, 10, &|t, i| found.lock().unwrap().push((t, i)));
    assert_eq!(targets[0].best.load(Ordering::Relaxed), 11);
    assert!(found.into_inner().unwrap().contains(&(0, 1)));
}

#[test]
fn search_finds_the_earliest_verifying_candidate_across_batches() {
    let signed_by = |key: &[u8], alg: &str| {
        use base64::Engine as _;
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let input = format!("{}.{}", b64(format!(r#"{{"alg":"{alg}"}}"#).as_bytes()), b64(b"{}"));
        let signature = match alg {
            "HS256" => signed::<Hmac<Sha256>>(key, &input),
            "HS384" => signed::<Hmac<Sha384>>(key, &input),
            _ => signed::<Hmac<Sha512>>(key, &input),
        };
        format!("{input}.{}", b64(&signature))
    };
    let mut candidates: Vec<Vec<u8>> = (0..100).map(|i| format!("candidate-{i}").into_bytes()).collect();
    candidates[37] = b"secret".to_vec();
    candidates[90] = b"secret".to_vec();
    let available = lane_engines().into_iter().filter_map(|(lanes, engine)| Some((Some(lanes?), engine)));
    for (lanes, engine) in [(None, "scalar")].into_iter().chain(available) {
        for threads in [1, 2] {
            let targets: Vec<Target> = [
                signed_by(b"secret", "HS256"),
                signed_by(b"secret", "HS384"),
                signed_by(b"secret", "HS512"),
                signed_by(b"candidate-0", "HS512"),
                signed_by(b"candidate-99", "HS256"),
                signed_by(b"absent", "HS256"),
            ]
            .iter()
            .map(|token| Target::new(token).unwrap())
            .collect();
            let found = Mutex::new(Vec::new());
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                search_with(lanes, &targets, &candidates, 1000, &|t, i| found.lock().unwrap().push((t, i)))
            });
            let best: Vec<u64> = targets.iter().map(|target| target.best.load(Ordering::Relaxed)).collect();
            let case = format!("{engine}, threads {threads}");
            assert_eq!(best, [1037, 1037, 1037, 1000, 1099, u64::MAX], "{case}");
            let found = found.into_inner().unwrap();
            for expected in [(0, 37), (1, 37), (2, 37), (3, 0), (4, 99)] {
                assert!(found.contains(&expected), "{case}: {found:?}");
            }
        }
    }
}

#[test]
fn targets_need_an_hs_alg_and_a_full_length_signature() {
    assert!(Target::new(&hs256(b"k", INPUT)).is_some());
    assert!(Target::new(&format!("{INPUT}.c2ln")).is_none());
    assert!(Target::new("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.").is_none());
}

#[test]
fn keys_with_one_key_block_verify_the_same_tokens() {
    let target = Target::new(&hs256(b"abc", INPUT)).unwrap();
    let block = target.key_block(b"abc");
    assert!(target.has_key_block(b"abc\0\0", &block), "zero padding is the block's own");
    assert!(!target.has_key_block(b"abcd", &block));
    assert!(!target.has_key_block(b"ab", &block));
    // A key longer than the block is its SHA-256.
    let long = [7u8; 100];
    let digest: [u8; 32] = <Sha256 as sha2::Digest>::digest(long).into();
    let block = target.key_block(&long);
    assert!(target.has_key_block(&digest, &block));
    for key in [&long[..], &digest[..]] {
        let token = Target::new(&hs256(key, INPUT)).unwrap();
        let found = Mutex::new(Vec::new());
        search(std::slice::from_ref(&token), &[&long[..], &digest[..]], 0, &|_, i| found.lock().unwrap().push(i));
        assert_eq!(found.into_inner().unwrap(), [0], "the long key verifies what its digest signed");
    }
}
