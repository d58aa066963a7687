//! The forgeable tree (`tests/fixtures/forgeable`, made by its `make.py` with Python's hmac and
//! `cryptography`, and P-256 by hand for the reused nonce): every token whose key an attacker can
//! recover is found by a default scan, by the rule and source expected, and the decoys signed
//! with strong keys are silent.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use serde_json::Value;

/// A copy of the tree outside the repository, whose `jwtscan.toml` excludes `tests/`.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/forgeable/tree")), dir.path());
    dir
}

fn copy(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir(&target).unwrap();
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// One default scan for every test here: the mask makes each scan cost seconds in a debug build.
static REPORT: LazyLock<Value> = LazyLock::new(|| scan(&[]));

fn scan(args: &[&str]) -> Value {
    crate::secrets::scan(tree().path(), args).0
}

const FORGERY: [&str; 5] = ["weak-secret", "secret-in-repo", "shared-rsa-prime", "ecdsa-nonce-reuse", "private-key"];

/// The forgery findings per token SHA-256: (rule, source).
fn forgery_by_token(report: &Value) -> BTreeMap<String, (String, Option<String>)> {
    let mut found = BTreeMap::new();
    for finding in report["findings"].as_array().unwrap() {
        let rule = finding["rule"].as_str().unwrap();
        if !FORGERY.contains(&rule) || rule == "private-key" {
            continue;
        }
        let sha = finding["token_sha256"].as_str().unwrap_or_default().to_string();
        let source = finding["evidence"]["source"].as_str().map(str::to_owned);
        found.insert(sha, (rule.to_string(), source));
    }
    found
}

#[test]
fn every_recoverable_token_is_found_by_default_and_the_strong_decoys_are_silent() {
    let expected: Vec<Value> =
        serde_json::from_str(include_str!("../fixtures/forgeable/expected.json")).expect("valid fixture JSON");
    let found = forgery_by_token(&REPORT);
    let mut decoys = 0;
    for case in &expected {
        let sha = case["token_sha256"].as_str().unwrap();
        match case["rule"].as_str() {
            Some("first-use") => {}
            Some(rule) => {
                let (got, source) = found.get(sha).unwrap_or_else(|| panic!("not found: {case}"));
                assert_eq!(got, rule, "{case}");
                assert_eq!(source.as_deref(), case["source"].as_str(), "{case}");
            }
            None => {
                decoys += 1;
                assert!(!found.contains_key(sha), "decoy reported: {case} as {:?}", found.get(sha));
            }
        }
    }
    assert_eq!(decoys, 5, "the fixture holds five decoys");
}

#[test]
fn committed_pem_private_keys_are_reported_and_public_ones_are_not() {
    let report = &*REPORT;
    let mut paths: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["rule"] == "private-key")
        .map(|finding| finding["path"].as_str().unwrap())
        .collect();
    paths.sort_unstable();
    assert_eq!(paths, ["keys/ec.pem", "keys/ed25519.pem", "keys/signing.pem"]);
}

/// Keys were collected only for `secret-in-repo`, so disabling it silenced the rules on
/// committed private keys too.
#[test]
fn disabling_the_hmac_rules_keeps_the_private_key_and_shared_prime_findings() {
    let rules_of = |report: &Value, rule: &str| -> Vec<String> {
        let findings = report["findings"].as_array().unwrap().iter();
        let mut paths: Vec<String> =
            findings.filter(|finding| finding["rule"] == rule).map(|finding| finding["path"].to_string()).collect();
        paths.sort_unstable();
        paths
    };
    let without = scan(&["--disable", "secret-in-repo", "--disable", "weak-secret"]);
    for rule in ["private-key", "shared-rsa-prime"] {
        let expected = rules_of(&REPORT, rule);
        assert!(!expected.is_empty(), "the default scan has no {rule} finding");
        assert_eq!(rules_of(&without, rule), expected, "{rule}");
    }
}

#[test]
fn a_short_secret_finding_says_the_key_is_shorter_than_the_hash() {
    let report = &*REPORT;
    let short = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["evidence"]["source"] == "mask")
        .expect("a mask finding");
    let message = short["message"].as_str().unwrap();
    assert!(message.contains("shorter than the 32 RFC 7518 §3.2 requires"), "{message}");
    assert!(!message.contains("zq7x") && !message.contains("k9"), "the secret is not shown: {message}");
}
