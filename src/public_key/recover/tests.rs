use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

use super::*;

/// Keys and tokens made by `tests/fixtures/recovered/make.py`.
fn fixtures() -> Value {
    serde_json::from_str(include_str!("../../../tests/fixtures/recovered/tokens.json")).expect("valid fixture JSON")
}

/// A token's algorithm, signing input and signature.
fn parts(compact: &str) -> (Alg, String, Vec<u8>) {
    let (input, signature) = compact.rsplit_once('.').expect("a compact JWS");
    let header = input.split('.').next().expect("a header");
    let header: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    let alg = Alg::from_name(header["alg"].as_str().unwrap()).unwrap();
    (alg, input.to_string(), base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(signature).unwrap())
}

fn token(parts: &(Alg, String, Vec<u8>)) -> RsToken<'_> {
    RsToken { alg: parts.0, input: parts.1.as_bytes(), signature: &parts.2 }
}

fn tokens(fixtures: &Value, key: &str) -> Vec<(Alg, String, Vec<u8>)> {
    fixtures[key]["tokens"].as_array().unwrap().iter().map(|t| parts(t.as_str().unwrap())).collect()
}

fn modulus(fixtures: &Value, key: &str) -> Vec<u8> {
    let hex = fixtures[key]["n"].as_str().unwrap();
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
}

fn soon() -> Instant {
    Instant::now() + Duration::from_secs(60)
}

#[test]
fn two_rs256_tokens_of_one_key_give_its_modulus_and_exponent() {
    let fixtures = fixtures();
    let a = tokens(&fixtures, "a");
    let found = recover(&token(&a[0]), &token(&a[1]), &[3], soon());
    assert_eq!(found, Outcome::Found(Recovered { n: modulus(&fixtures, "a"), e: 3 }));
}

#[test]
fn tokens_of_two_keys_give_no_modulus() {
    let fixtures = fixtures();
    let (a, b) = (tokens(&fixtures, "a"), tokens(&fixtures, "b"));
    assert_eq!(recover(&token(&a[0]), &token(&b[0]), EXPONENTS[0], soon()), Outcome::NotFound);
}

#[test]
fn a_token_verifies_under_its_own_key_only() {
    let fixtures = fixtures();
    let (a, b) = (tokens(&fixtures, "a"), tokens(&fixtures, "b"));
    let n = UBig::from_be_bytes(&modulus(&fixtures, "a"));
    // RS256 and RS512 alike.
    assert!(verifies(&n, 3, &token(&a[0])));
    assert!(verifies(&n, 3, &token(&a[2])));
    assert!(!verifies(&n, 3, &token(&b[0])));
    assert!(!verifies(&n, 65_537, &token(&a[0])));
}

#[test]
fn the_encoded_message_is_pkcs1_v1_5_padding_then_the_digest_info() {
    let m = encoded(Alg::Rs256, b"x", 128).unwrap().to_be_bytes();
    // `to_be_bytes` drops the leading zero byte.
    assert_eq!(m.len(), 127);
    assert_eq!(m[0], 0x01);
    assert!(m[1..127 - 52].iter().all(|&byte| byte == 0xff));
    assert_eq!(m[127 - 52], 0x00);
    assert_eq!(&m[127 - 51..127 - 32], digest_info(Alg::Rs256).unwrap().0);
    assert_eq!(encoded(Alg::Ps256, b"x", 128), None);
    assert_eq!(encoded(Alg::Rs512, b"x", 64), None, "too short for a SHA-512 DigestInfo");
}

#[test]
fn the_same_signature_twice_recovers_nothing() {
    let fixtures = fixtures();
    let a = tokens(&fixtures, "a");
    assert_eq!(recover(&token(&a[0]), &token(&a[0]), &[3, 65_537], soon()), Outcome::NotFound);
}

#[test]
fn recovery_stops_at_its_deadline() {
    let fixtures = fixtures();
    let c = tokens(&fixtures, "c");
    assert_eq!(recover(&token(&c[0]), &token(&c[1]), EXPONENTS[0], Instant::now()), Outcome::OutOfTime);
}

#[test]
fn keys_over_2048_bits_are_not_tried_at_e_65537() {
    let long = (Alg::Rs256, "a.b".to_string(), vec![0x55; 384]);
    let other = (Alg::Rs256, "a.c".to_string(), vec![0x66; 384]);
    assert_eq!(
        recover(&token(&long), &token(&other), &[65_537], Instant::now() + Duration::from_secs(1)),
        Outcome::NotFound
    );
}
