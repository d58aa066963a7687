//! The walk leaves the string key candidates of the files it can open again for later, and reads
//! those files again only when an HS token may need them (docs/performance.md, "Key candidates
//! read only when a token needs them"). Whether it does or collects them as it reads
//! (`JWTSCAN_KEYS=eager`), the report and the warnings are the same.

use std::path::Path;

use serde_json::Value;

use crate::cli::util::signed_hs256;

const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// The JSON report (its elapsed time left out) and the warnings of a scan of `dir`.
fn scan(dir: &Path, eager: bool) -> (Value, String) {
    let env: &[(&str, &str)] = if eager { &[("JWTSCAN_KEYS", "eager")] } else { &[] };
    let (mut report, _, stderr) = crate::secrets::scan_with_env(dir, &["--now", "1767225600"], env);
    report["summary"]["elapsed_ms"] = Value::Null;
    (report, stderr)
}

fn assert_same_as_eager(dir: &Path) -> Value {
    let (deferred, deferred_warnings) = scan(dir, false);
    let (eager, eager_warnings) = scan(dir, true);
    assert_eq!(deferred, eager, "reports differ");
    assert_eq!(deferred_warnings, eager_warnings, "warnings differ");
    deferred
}

fn write(dir: &Path, name: &str, contents: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

fn rules_with_secret_path(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|finding| {
            let path = finding["evidence"]["secret_path"].as_str()?;
            Some((finding["rule"].as_str().unwrap().to_string(), path.to_string()))
        })
        .collect()
}

/// Named secrets everywhere, and a token whose short listed secret (`secret`) no candidate can
/// equal: the files are not read again, and the report is the same.
#[test]
fn a_token_solved_by_a_short_listed_secret_gives_the_eager_report() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..20 {
        write(dir.path(), &format!("config/app{i}.env"), &format!("JWT_SECRET=committed-secret-number-{i}\n"));
    }
    write(dir.path(), "docs/token.md", &signed_hs256(HEADER, r#"{"sub":"1"}"#, b"secret"));
    let report = assert_same_as_eager(dir.path());
    let rules: Vec<&str> = report["findings"].as_array().unwrap().iter().filter_map(|f| f["rule"].as_str()).collect();
    assert!(rules.contains(&"weak-secret"), "{rules:?}");
}

/// A token signed with a named value of another file: found by `secret-in-repo` from the
/// candidates read again.
#[test]
fn a_token_signed_with_a_committed_value_is_found_from_the_deferred_candidates() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "config/prod.env", "JWT_SECRET=committed-secret-4f1e9a7c\n");
    write(dir.path(), "src/app.py", "SIGNING_KEY = \"another-one-b8d2c6e0\"\n");
    write(dir.path(), "tests/token.txt", &signed_hs256(HEADER, r#"{"sub":"1"}"#, b"committed-secret-4f1e9a7c"));
    let report = assert_same_as_eager(dir.path());
    assert_eq!(rules_with_secret_path(&report), [("secret-in-repo".to_string(), "config/prod.env".to_string())]);
}

/// A long listed secret also written in the tree: the `weak-secret` finding names where it is
/// defined, which only the deferred candidates know.
#[test]
fn a_long_listed_secret_defined_in_the_tree_is_named_from_the_deferred_candidates() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/auth.js", "const jwtSecret = \"your-256-bit-secret\";\n");
    write(dir.path(), "README.md", &signed_hs256(HEADER, r#"{"sub":"1"}"#, b"your-256-bit-secret"));
    let report = assert_same_as_eager(dir.path());
    assert_eq!(rules_with_secret_path(&report), [("weak-secret".to_string(), "src/auth.js".to_string())]);
}

/// The shipped trees: the demo, and the forgeable tree (every forgery rule, decoys, keys).
#[test]
fn the_demo_and_forgeable_trees_give_the_eager_reports() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_same_as_eager(&root.join("examples/demo"));
    assert_same_as_eager(&root.join("tests/fixtures/forgeable/tree"));
}

/// Past 4,096 asymmetric keys the rest are counted in a warning. A tree whose token needs the
/// deferred candidates has its files read again: their PEM keys, counted during the walk, are not
/// counted twice.
#[test]
fn keys_past_the_bound_are_counted_once_when_the_files_are_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let pems: Vec<String> = (0..4_200u32)
        .map(|i| {
            let mut spki = vec![0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
            spki.extend(i.to_be_bytes());
            spki.extend([7u8; 28]);
            let body = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, spki);
            format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n")
        })
        .collect();
    write(dir.path(), "keys/signing.pem", &pems.concat());
    write(dir.path(), "token.txt", &signed_hs256(HEADER, r#"{"sub":"1"}"#, b"in-no-list-nor-the-tree-5d2a"));
    assert_same_as_eager(dir.path());
}
