//! `jwtscan decode`: the offline jwt.io.

use predicates::prelude::*;

use crate::cli::util::{Fixture, NOW, b64, hs256, json, jwt, signed_hs256, unsigned};

#[test]
fn decode_prints_header_claims_dates_signature_and_findings_and_exits_0() {
    let fixture = Fixture::new();
    let output = fixture.cmd().args(["decode", &unsigned(), "--now", NOW]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "Token JWS, alg none",
        "Header\n{\n  \"alg\": \"none\",\n  \"typ\": \"JWT\"\n}\n",
        "\"sub\": \"alice\"",
        "exp  2023-11-14T23:13:20Z  expires in 1h",
        "iat  2023-11-14T22:13:20Z  0s ago",
        "Signature empty",
        "critical  alg-none",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from\n{text}");
    }
    assert!(!text.contains("leaked-token"), "{text}");
}

#[test]
fn decode_shows_the_signature_length() {
    let fixture = Fixture::new();
    fixture.cmd().args(["decode", &hs256()]).assert().code(0).stdout(predicate::str::contains("Signature 32 bytes"));
}

#[test]
fn decode_reads_standard_input_with_dash_or_no_argument() {
    let fixture = Fixture::new();
    for args in [vec!["decode", "-"], vec!["decode"]] {
        fixture
            .cmd()
            .args(&args)
            .write_stdin(format!("\n  {}  \n", unsigned()))
            .assert()
            .code(0)
            .stdout(predicate::str::contains("\"sub\": \"alice\""));
    }
}

#[test]
fn decode_finds_a_token_inside_a_header_line() {
    let fixture = Fixture::new();
    fixture
        .cmd()
        .arg("decode")
        .write_stdin(format!("Authorization: Bearer {}\n", hs256()))
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"sub\": \"bob\""));
}

#[test]
fn decode_unwraps_a_base64_wrapped_token() {
    use base64::Engine as _;
    let wrapped = base64::engine::general_purpose::STANDARD.encode(hs256());
    Fixture::new().cmd().args(["decode", &wrapped]).assert().code(0).stdout(
        predicate::str::contains("decoded from its base64 wrapper").and(predicate::str::contains("\"sub\": \"bob\"")),
    );
}

#[test]
fn decode_json_has_header_claims_and_findings() {
    let fixture = Fixture::new();
    let output = fixture.cmd().args(["decode", "--format", "json", &unsigned()]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let decoded = json(&output.stdout);
    assert_eq!(decoded["header"]["alg"], "none");
    assert_eq!(decoded["claims"]["sub"], "alice");
    assert_eq!(decoded["dates"]["exp"], "2023-11-14T23:13:20Z");
    assert_eq!(decoded["signature_length"], 0);
    let rules: Vec<&str> =
        decoded["findings"].as_array().unwrap().iter().filter_map(|hit| hit["rule"].as_str()).collect();
    assert!(rules.contains(&"alg-none") && !rules.contains(&"leaked-token"), "{decoded}");
}

#[test]
fn decode_of_a_jwe_says_the_payload_is_encrypted() {
    let fixture = Fixture::new();
    let jwe = format!(
        "{}..{}.{}.{}",
        b64(r#"{"alg":"dir","enc":"A256GCM"}"#),
        b64("iviviviviviv"),
        b64("x"),
        b64("tagtagtagtagtagt")
    );
    fixture
        .cmd()
        .args(["decode", &jwe])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Token JWE, alg dir, enc A256GCM").and(predicate::str::contains("encrypted")));
    let decoded = json(&fixture.cmd().args(["decode", "--format", "json", &jwe]).output().unwrap().stdout);
    assert_eq!(decoded["claims"], serde_json::Value::Null);
}

#[test]
fn decode_of_something_that_is_not_a_token_exits_2() {
    let fixture = Fixture::new();
    fixture
        .cmd()
        .args(["decode", "hello.world.again"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no JSON Web Token"));
    fixture.cmd().arg("decode").write_stdin("").assert().code(2);
}

#[test]
fn decode_rejects_a_bad_now() {
    Fixture::new()
        .cmd()
        .args(["decode", &unsigned(), "--now", "someday"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--now"));
}

#[test]
fn decode_escapes_control_characters_in_claims() {
    let token = jwt(r#"{"alg":"none"}"#, "{\"sub\":\"a\u{9b}2Jb\",\"name\":\"\u{202e}gnp.exe\"}", b"");
    let output = Fixture::new().cmd().args(["decode", &token]).output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(!text.contains('\u{9b}') && !text.contains('\u{202e}'), "{text:?}");
    assert!(text.contains("a\\x9b2Jb") && text.contains("\\u{202e}gnp.exe"), "{text}");
}

#[test]
fn decode_names_a_guessable_hmac_secret_masked() {
    let token = signed_hs256(r#"{"alg":"HS256"}"#, r#"{"sub":"dave"}"#, b"secret");
    let fixture = Fixture::new();
    let output = fixture.cmd().args(["decode", &token]).output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("critical  weak-secret"), "{text}");
    assert!(text.contains("s****t") && !text.contains("\"secret\":\"secret\""), "{text}");
}
