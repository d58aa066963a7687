//! Unit tests of the HMAC engines against the `hmac` crate, lane by lane, and of the search order.

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};

use std::sync::Mutex;

use super::lanes::{self, LaneBatch};
use super::scalar::Keyed;
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
/// signed by the `hmac` crate (the only one of its `Targets`), its key, and a case name.
fn hmac_cases() -> Vec<(Targets, Vec<u8>, String)> {
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
                let mut targets = Targets::new();
                targets.push_signed(alg, input.as_bytes(), &signature);
                cases.push((targets, key.clone(), format!("{alg:?} key {key_len} input {input_len}")));
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
    for (targets, key, case) in hmac_cases() {
        let group = &targets.groups()[0];
        assert_eq!(Keyed::default().digest(&key, group), targets[0].signature, "{case}");
        assert_ne!(Keyed::default().digest(&wrong_key(&key, 1), group), targets[0].signature, "{case}: a wrong key");
    }
}

/// The right key in the first lane, in the last, in a partial last batch, in two lanes (one in
/// each SHA-512 group), and nowhere: it verifies where it is and nowhere else, and the batch's
/// digests (what a group of several signatures is matched against) are the signature's words
/// there and not elsewhere.
fn assert_lanes_agree_with_the_hmac_crate(lanes: Option<lanes::Lanes>, engine: &str) {
    let batch = lanes.map_or(sha::LANES_256, |lanes| 2 * lanes.lanes512());
    for (targets, key, case) in hmac_cases() {
        let (group, target) = (&targets.groups()[0], &targets[0]);
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
            let (mut verified, mut digested) = (Vec::new(), Vec::new());
            for (c, chunk) in keys.chunks(batch).enumerate() {
                let mask = LaneBatch::new(lanes, chunk).verifies(group, target, chunk.len());
                verified.extend((0..32).filter(|j| mask & (1 << j) != 0).map(|j| c * batch + j));
                let digests = LaneBatch::new(lanes, chunk).digests(group, chunk.len());
                let is_signature = |j: usize| (0..8).all(|w| digests[w][j] == target.signature[w]);
                digested.extend((0..chunk.len()).filter(|&j| is_signature(j)).map(|j| c * batch + j));
            }
            assert_eq!(verified, right, "{engine}: {case}, {count} keys");
            assert_eq!(digested, right, "{engine}: {case}, {count} keys, digests");
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

/// The scalar path and every lane engine the CPU has.
fn engines() -> Vec<(Option<lanes::Lanes>, &'static str)> {
    let available = lane_engines().into_iter().filter_map(|(lanes, engine)| Some((Some(lanes?), engine)));
    [(None, "scalar")].into_iter().chain(available).collect()
}

fn assert_engine_agrees_with_the_hmac_crate((lanes, engine): (Option<lanes::Lanes>, &str)) {
    match lanes {
        Some(_) => assert_lanes_agree_with_the_hmac_crate(lanes, engine),
        None => eprintln!("no {engine} on this CPU: its lane path is not tested"),
    }
}

#[test]
fn the_scalar_batch_agrees_with_the_hmac_crate_in_every_position() {
    assert_lanes_agree_with_the_hmac_crate(None, "scalar");
}

#[test]
fn the_avx512_lane_hmac_path_agrees_with_the_hmac_crate_in_every_lane() {
    let [engine, ..] = lane_engines();
    assert_engine_agrees_with_the_hmac_crate(engine);
}

#[test]
fn the_avx2_lane_hmac_path_agrees_with_the_hmac_crate_in_every_lane() {
    let [_, engine, _] = lane_engines();
    assert_engine_agrees_with_the_hmac_crate(engine);
}

#[test]
fn the_avx2_path_as_detected_agrees_with_the_hmac_crate_in_every_lane() {
    let [.., engine] = lane_engines();
    assert_engine_agrees_with_the_hmac_crate(engine);
}

/// Targets of `tokens`, each an HS* token.
fn targets_of<T: AsRef<str>>(tokens: &[T]) -> Targets {
    let mut targets = Targets::new();
    for token in tokens {
        targets.push(token.as_ref()).unwrap();
    }
    targets
}

fn best(targets: &Targets) -> Vec<u64> {
    targets.iter().map(|target| target.best.load(Ordering::Relaxed)).collect()
}

#[test]
fn search_finds_the_earliest_verifying_candidate() {
    let targets = targets_of(&[hs256(b"k2", INPUT)]);
    // HMAC pads short keys with zeros: "k2" and "k2\0" are the same key.
    let candidates: Vec<&[u8]> = vec![b"k1", b"k2", b"k3", b"k2\0"];
    let found = Mutex::new(Vec::new());
    search(&targets, &candidates, 10, &|t, i| found.lock().unwrap().push((t, i)));
    assert_eq!(targets[0].best.load(Ordering::Relaxed), 11);
    assert!(found.into_inner().unwrap().contains(&(0, 1)));
}

/// `header.payload.signature` of `alg` with the claims `{}`, signed with `key`.
fn signed_by(key: &[u8], alg: &str) -> String {
    use base64::Engine as _;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let input = format!("{}.{}", b64(format!(r#"{{"alg":"{alg}"}}"#).as_bytes()), b64(b"{}"));
    let signature = match alg {
        "HS256" => signed::<Hmac<Sha256>>(key, &input),
        "HS384" => signed::<Hmac<Sha384>>(key, &input),
        _ => signed::<Hmac<Sha512>>(key, &input),
    };
    format!("{input}.{}", b64(&signature))
}

/// 100 candidates, `secret` at 37 and 90.
fn candidates() -> Vec<Vec<u8>> {
    let mut candidates: Vec<Vec<u8>> = (0..100).map(|i| format!("candidate-{i}").into_bytes()).collect();
    candidates[37] = b"secret".to_vec();
    candidates[90] = b"secret".to_vec();
    candidates
}

#[test]
fn search_finds_the_earliest_verifying_candidate_across_batches() {
    let candidates = candidates();
    for (lanes, engine) in engines() {
        for threads in [1, 2] {
            let targets = targets_of(&[
                signed_by(b"secret", "HS256"),
                signed_by(b"secret", "HS384"),
                signed_by(b"secret", "HS512"),
                signed_by(b"candidate-0", "HS512"),
                signed_by(b"candidate-99", "HS256"),
                signed_by(b"absent", "HS256"),
            ]);
            let found = Mutex::new(Vec::new());
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                search_with(lanes, &targets, &candidates, 1000, &|t, i| found.lock().unwrap().push((t, i)))
            });
            let case = format!("{engine}, threads {threads}");
            assert_eq!(best(&targets), [1037, 1037, 1037, 1000, 1099, u64::MAX], "{case}");
            let found = found.into_inner().unwrap();
            for expected in [(0, 37), (1, 37), (2, 37), (3, 0), (4, 99)] {
                assert!(found.contains(&expected), "{case}: {found:?}");
            }
        }
    }
}

/// `token` with the last byte of its signature changed: the leading word is the same.
fn with_last_byte_flipped(token: &str) -> String {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (input, signature) = token.rsplit_once('.').unwrap();
    let mut signature = engine.decode(signature).unwrap();
    *signature.last_mut().unwrap() ^= 1;
    format!("{input}.{}", engine.encode(signature))
}

/// Tokens over one signing input, found by different candidates, twice by the same one, never
/// (a key no candidate is, a key past the member's limit, a signature that only starts like a
/// found one), among 300 junk signatures, beside a token over another input: each member is
/// found at the index it is found at alone, by every engine and thread count.
#[test]
fn a_group_sharing_a_signing_input_finds_each_member_where_it_alone_is_found() {
    use base64::Engine as _;
    let candidates = candidates();
    for alg in ["HS256", "HS384", "HS512"] {
        let found_by_5 = signed_by(b"candidate-5", alg);
        let mut tokens = vec![
            signed_by(b"candidate-99", alg),
            signed_by(b"secret", alg),
            signed_by(b"candidate-0", alg),
            with_last_byte_flipped(&found_by_5),
            found_by_5,
            signed_by(b"absent", alg),
            signed_by(b"candidate-37", alg),
            signed_by(b"secret", alg),
            signed_by(b"candidate-64", alg),
            signed_by(b"secret", if alg == "HS256" { "HS512" } else { "HS256" }),
        ];
        let input = tokens[0].rsplit_once('.').unwrap().0.to_string();
        let junk_len = HashAlg::from_jws(alg).unwrap().output_len();
        let junk = |n: u16| {
            let signature: Vec<u8> = (0..junk_len).map(|i| (n as usize * 31 + i * 7) as u8).collect();
            format!("{input}.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature))
        };
        tokens.extend((0..300).map(junk));
        // Candidate 64 is past the limit of the member it signs.
        let limited = 8;
        let alone: Vec<u64> = tokens
            .iter()
            .enumerate()
            .map(|(t, token)| {
                let mut targets = targets_of(std::slice::from_ref(token));
                targets.iter_mut().for_each(|target| target.limit = if t == limited { 64 } else { u64::MAX });
                search(&targets, &candidates, 0, &|_, _| {});
                targets[0].best.load(Ordering::Relaxed)
            })
            .collect();
        let mut expected = vec![99, 37, 0, u64::MAX, 5, u64::MAX, u64::MAX, 37, u64::MAX, 37];
        expected.resize(tokens.len(), u64::MAX);
        assert_eq!(alone, expected, "{alg} alone");
        for (lanes, engine) in engines() {
            for threads in [1, 2] {
                let mut targets = targets_of(&tokens);
                assert_eq!(targets.groups().len(), 2, "{alg}");
                targets.get_mut(limited).unwrap().limit = 64;
                let found = Mutex::new(Vec::new());
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                pool.install(|| {
                    search_with(lanes, &targets, &candidates, 0, &|t, i| found.lock().unwrap().push((t, i)))
                });
                let case = format!("{alg}, {engine}, threads {threads}");
                assert_eq!(best(&targets), alone, "{case}");
                let found = found.into_inner().unwrap();
                for (t, &index) in alone.iter().enumerate().filter(|(_, index)| **index != u64::MAX) {
                    assert!(found.contains(&(t, index as usize)), "{case}: {t} at {index}: {found:?}");
                }
                assert!(found.iter().all(|&(t, i)| alone[t] <= i as u64), "{case}: {found:?}");
            }
        }
    }
}

#[test]
fn a_group_stops_being_checked_where_its_last_member_stops() {
    let candidates = candidates();
    let targets = targets_of(&[signed_by(b"candidate-0", "HS256"), signed_by(b"candidate-1", "HS256")]);
    assert_eq!(targets.groups()[0].stop(&targets), u64::MAX);
    search(&targets, &candidates[..1], 0, &|_, _| {});
    assert_eq!(targets.groups()[0].stop(&targets), u64::MAX, "a member is left to find");
    search(&targets, &candidates, 0, &|_, _| {});
    assert_eq!(best(&targets), [0, 1]);
    assert_eq!(targets.groups()[0].stop(&targets), 1);
}

#[test]
fn targets_need_an_hs_alg_and_a_full_length_signature() {
    let mut targets = Targets::new();
    assert_eq!(targets.push(&hs256(b"k", INPUT)), Some(0));
    assert_eq!(targets.push(&format!("{INPUT}.c2ln")), None);
    assert_eq!(targets.push("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."), None);
    assert_eq!(targets.len(), 1);
}

#[test]
fn keys_with_one_key_block_verify_the_same_tokens() {
    let targets = targets_of(&[hs256(b"abc", INPUT)]);
    let target = &targets[0];
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
        let token = targets_of(&[hs256(key, INPUT)]);
        let found = Mutex::new(Vec::new());
        search(&token, &[&long[..], &digest[..]], 0, &|_, i| found.lock().unwrap().push(i));
        assert_eq!(found.into_inner().unwrap(), [0], "the long key verifies what its digest signed");
    }
}
