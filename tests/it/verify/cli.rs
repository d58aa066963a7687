//! `--verify` end to end: the built `jwtscan` against the local identity provider.

use serde_json::{Value, json};

use super::idp::{Idp, Signer};
use crate::cli::util::Fixture;

/// 2025-01-01T00:00:00Z, as `--now`.
const NOW: i64 = 1_735_689_600;

fn claims(iss: &str) -> Value {
    json!({"iss": iss, "sub": "user-1", "iat": NOW - 60, "exp": NOW + 3600})
}

/// A tree with one live token, and the provider that issued it.
fn live_tree() -> (Idp, Fixture) {
    let idp = Idp::start();
    let rsa = Signer::rsa();
    let issuer = idp.issuer("tenant", vec![rsa.jwk("rsa-1")]);
    let fixture = Fixture::new();
    fixture.write("app/config.env", format!("API_TOKEN={}\n", rsa.token("RS256", Some("rsa-1"), claims(&issuer))));
    (idp, fixture)
}

fn json_scan(fixture: &Fixture, extra: &[&str]) -> (Value, i32) {
    let output = fixture
        .cmd()
        .args(["scan", "--format", "json", "--now", &NOW.to_string()])
        .args(extra)
        .arg(".")
        .output()
        .expect("run jwtscan");
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!("stdout is not JSON; stderr: {}", String::from_utf8_lossy(&output.stderr));
    });
    (report, output.status.code().expect("exit code"))
}

fn leaked(report: &Value) -> Vec<&Value> {
    report["findings"].as_array().expect("findings").iter().filter(|f| f["rule"] == "leaked-token").collect()
}

#[test]
fn without_verify_no_connection_is_made() {
    let (idp, fixture) = live_tree();
    let (report, _) = json_scan(&fixture, &[]);
    assert_eq!(idp.requests(), 0);
    assert!(report["summary"].get("verification").is_none(), "{report}");
    let leaked = leaked(&report);
    assert!(!leaked.is_empty(), "{report}");
    assert!(leaked.iter().all(|f| f["evidence"].get("verification").is_none()), "{report}");
}

#[test]
fn a_live_token_is_critical_and_fails_the_run() {
    let (idp, fixture) = live_tree();
    let ca = idp.ca_file.display().to_string();
    let (report, code) =
        json_scan(&fixture, &["--verify", "--verify-ca", &ca, "--verify-allow-private", "--fail-on", "critical"]);
    let finding = leaked(&report)[0];
    assert_eq!(finding["severity"], "critical", "{finding}");
    assert_eq!(finding["evidence"]["verification"]["outcome"], "live", "{finding}");
    assert_eq!(report["summary"]["verification"], json!({"live": 1, "dead": 0, "invalid": 0, "unknown": 0}));
    assert_eq!(code, 1);
    assert_eq!(idp.requests(), 2);
}

#[test]
fn each_outcome_is_reported_and_counted() {
    let idp = Idp::start();
    let (current, retired, forger) = (Signer::p256(), Signer::p256(), Signer::p256());
    let issuer = idp.issuer("tenant", vec![current.jwk("k2")]);
    let fixture = Fixture::new();
    let hmac = format!(
        "{}.{}.c2lnbmF0dXJlLWJ5dGVz",
        crate::cli::util::b64(r#"{"alg":"HS256"}"#),
        crate::cli::util::b64(claims(&issuer).to_string())
    );
    fixture.write(
        "tokens.txt",
        [
            current.token("ES256", Some("k2"), claims(&issuer)),
            retired.token("ES256", Some("k1"), claims(&issuer)),
            forger.token("ES256", Some("k2"), claims(&issuer)),
            current.token("ES256", Some("k2"), json!({"iss": issuer, "exp": NOW - 5})),
            hmac,
        ]
        .join("\n"),
    );
    let ca = idp.ca_file.display().to_string();
    let (report, _) = json_scan(&fixture, &["--verify", "--verify-ca", &ca, "--verify-allow-private"]);
    let outcomes: Vec<(u64, String, String)> = leaked(&report)
        .iter()
        .map(|f| {
            let verification = &f["evidence"]["verification"];
            (f["line"].as_u64().expect("line"), verification["outcome"].to_string(), f["severity"].to_string())
        })
        .collect();
    let expected = [
        (1, "\"live\"", "\"critical\""),
        (2, "\"dead\"", "\"low\""),
        (3, "\"invalid\"", "\"low\""),
        (4, "\"dead\"", "\"low\""),
        (5, "\"unknown\"", "\"high\""),
    ];
    let expected: Vec<(u64, String, String)> =
        expected.iter().map(|(line, outcome, severity)| (*line, outcome.to_string(), severity.to_string())).collect();
    assert_eq!(outcomes, expected, "{report}");
    assert_eq!(report["summary"]["verification"], json!({"live": 1, "dead": 2, "invalid": 1, "unknown": 1}));
    assert_eq!(idp.requests(), 2, "one issuer, fetched once");
}

#[test]
fn the_config_key_turns_verification_on_and_no_verify_wins() {
    let (idp, fixture) = live_tree();
    fixture.write("jwtscan.toml", "verify = true\n");
    let ca = idp.ca_file.display().to_string();
    let (report, _) = json_scan(&fixture, &["--verify-ca", &ca, "--verify-allow-private"]);
    assert_eq!(leaked(&report)[0]["evidence"]["verification"]["outcome"], "live");
    let before = idp.requests();
    let (report, _) = json_scan(&fixture, &["--no-verify", "--verify-ca", &ca, "--verify-allow-private"]);
    assert!(report["summary"].get("verification").is_none());
    assert_eq!(idp.requests(), before);
}

#[test]
fn a_local_issuer_is_refused_without_allow_private() {
    let (idp, fixture) = live_tree();
    let ca = idp.ca_file.display().to_string();
    let (report, _) = json_scan(&fixture, &["--verify", "--verify-ca", &ca]);
    let verification = &leaked(&report)[0]["evidence"]["verification"];
    assert_eq!(verification["outcome"], "unknown");
    assert_eq!(verification["reason"], "discovery: blocked address 127.0.0.1 (loopback)");
    assert_eq!(leaked(&report)[0]["severity"], "high", "unknown changes nothing");
    assert_eq!(idp.requests(), 0);
}

#[test]
fn text_and_sarif_show_the_outcome() {
    let (idp, fixture) = live_tree();
    let ca = idp.ca_file.display().to_string();
    let verify = ["--verify", "--verify-ca", &ca, "--verify-allow-private", "--now", "1735689600"];
    let text = fixture.cmd().args(verify).args(["--color", "never", "."]).output().expect("run");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("    verify  live (verifies under key \"rsa-1\" of 127.0.0.1;"), "{text}");
    assert!(text.contains("verified: 1 live, 0 dead, 0 invalid, 0 unknown"), "{text}");
    let sarif = fixture.cmd().args(verify).args(["--format", "sarif", "."]).output().expect("run");
    let sarif: Value = serde_json::from_slice(&sarif.stdout).expect("SARIF");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert!(results.iter().any(|r| r["properties"]["evidence"]["verification"]["outcome"] == "live"), "{sarif}");
}

#[test]
fn decode_verify_reports_the_outcome_of_one_token() {
    let idp = Idp::start();
    let ed = Signer::ed25519();
    let issuer = idp.issuer("tenant", vec![ed.jwk("ed")]);
    let token = ed.token("EdDSA", Some("ed"), claims(&issuer));
    let ca = idp.ca_file.display().to_string();
    let fixture = Fixture::new();
    let args = ["decode", "--verify", "--verify-ca", &ca, "--verify-allow-private", "--now", "1735689600"];
    let output = fixture.cmd().args(args).args(["--format", "json", &token]).output().expect("run");
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json["verification"]["outcome"], "live", "{json}");
    let output = fixture.cmd().args(args).args(["--color", "never", &token]).output().expect("run");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Verification live (verifies under key \"ed\""), "{text}");
    let output = fixture.cmd().args(["decode", "--format", "json", &token]).output().expect("run");
    let json: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert!(json.get("verification").is_none(), "no --verify, no verification");
}

#[test]
fn an_unreadable_ca_file_is_a_usage_error() {
    let (_idp, fixture) = live_tree();
    fixture.cmd().args(["--verify", "--verify-ca", "missing.pem", "."]).assert().code(2);
    fixture
        .cmd()
        .args(["decode", "--verify", "--verify-ca", "missing.pem", "eyJhbGciOiJub25lIn0.e30."])
        .assert()
        .code(2);
}

#[test]
fn a_live_token_in_a_test_fixture_still_fails_the_run() {
    let idp = Idp::start();
    let rsa = Signer::rsa();
    let issuer = idp.issuer("tenant", vec![rsa.jwk("rsa-1")]);
    let fixture = Fixture::new();
    fixture.write("tests/fixtures/auth.env", format!("TOKEN={}\n", rsa.token("RS256", Some("rsa-1"), claims(&issuer))));
    let (report, code) = json_scan(&fixture, &[]);
    assert_eq!(leaked(&report)[0]["context"], "test", "{report}");
    assert_eq!(code, 0, "a loopback-issued fixture token does not fail without --verify: {report}");
    let ca = idp.ca_file.display().to_string();
    let (report, code) = json_scan(&fixture, &["--verify", "--verify-ca", &ca, "--verify-allow-private"]);
    let finding = leaked(&report)[0];
    assert_eq!(finding["evidence"]["verification"]["outcome"], "live", "{finding}");
    assert_eq!(finding["context"], "test", "{finding}");
    assert_eq!(code, 1, "a live token fails the run wherever it sits: {report}");
}
