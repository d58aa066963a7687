//! CLI tests for weak-secret, secret-in-repo and private-jwk. Token fixtures come from
//! `tests/fixtures/secrets/make.py` (Python's hmac, an OpenSSL RSA key), so the Rust HMAC code
//! is checked against an independent implementation.

use std::path::Path;
use std::sync::LazyLock;

use assert_cmd::Command;
use serde_json::Value;

static FIXTURES: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../fixtures/secrets/tokens.json")).expect("valid fixture JSON")
});

fn fixture(pointer: &str) -> String {
    FIXTURES.pointer(pointer).and_then(Value::as_str).unwrap_or_else(|| panic!("no fixture {pointer}")).to_string()
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

/// Runs a JSON scan of `dir` with `args`; returns the report and the raw stdout.
pub(crate) fn scan(dir: &Path, args: &[&str]) -> (Value, String) {
    let (report, stdout, _) = scan_with_warnings(dir, args);
    (report, stdout)
}

/// `scan`, with its stderr (the warnings) too.
pub(crate) fn scan_with_warnings(dir: &Path, args: &[&str]) -> (Value, String, String) {
    scan_with_env(dir, args, &[])
}

/// `scan_with_warnings` with the environment variables `env` set.
pub(crate) fn scan_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (Value, String, String) {
    let output = Command::cargo_bin("jwtscan")
        .unwrap()
        .envs(env.iter().copied())
        .current_dir(dir)
        .args(["scan", "--format", "json", "--fail-on", "never"])
        .args(args)
        .arg(".")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "stderr: {stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    (serde_json::from_str(&stdout).unwrap(), stdout, stderr)
}

fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"].as_array().unwrap().iter().filter(|finding| finding["rule"] == rule).collect()
}

#[test]
fn tokens_signed_with_a_dozen_common_secrets_are_weak_and_the_secret_is_masked() {
    let dir = tempfile::tempdir().unwrap();
    let weak = FIXTURES["weak"].as_array().unwrap();
    let text: String = weak.iter().map(|entry| format!("token = {}\n", entry["token"].as_str().unwrap())).collect();
    write(dir.path(), "tokens.txt", &text);
    let (report, stdout) = scan(dir.path(), &[]);
    let found = findings(&report, "weak-secret");
    assert_eq!(found.len(), weak.len(), "{stdout}");
    for (line, entry) in weak.iter().enumerate() {
        let secret = entry["secret"].as_str().unwrap();
        let finding = found.iter().find(|finding| finding["line"] == line as u64 + 1).unwrap();
        assert_eq!(finding["column"], 9);
        assert_eq!(finding["evidence"]["source"], "built-in");
        assert_eq!(finding["evidence"]["key_bytes"], secret.len());
        let masked = finding["evidence"]["secret"].as_str().unwrap();
        if secret.len() >= 4 {
            assert_ne!(masked, secret);
        }
    }
    let hs512 = found.iter().find(|finding| finding["line"] == weak.len() as u64).unwrap();
    assert_eq!(hs512["evidence"]["min_key_bytes"], 64);
    assert_eq!(hs512["evidence"]["secret"], "s****t");
}

#[test]
fn a_token_signed_with_a_strong_random_secret_is_not_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", &fixture("/strong"));
    let (report, _) = scan(dir.path(), &[]);
    assert!(findings(&report, "weak-secret").is_empty());
    assert!(findings(&report, "secret-in-repo").is_empty());
    assert_eq!(findings(&report, "leaked-token").len(), 1);
}

#[test]
fn show_secrets_prints_the_weak_secret_in_full() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", &fixture("/weak/3/token"));
    let (report, _) = scan(dir.path(), &["--show-secrets"]);
    assert_eq!(findings(&report, "weak-secret")[0]["evidence"]["secret"], "your-256-bit-secret");
}

#[test]
fn a_repeated_token_is_reported_at_every_occurrence() {
    let dir = tempfile::tempdir().unwrap();
    let token = fixture("/weak/0/token");
    write(dir.path(), "a.txt", &format!("{token}\n{token}\n"));
    write(dir.path(), "b/c.txt", &token);
    let (report, _) = scan(dir.path(), &[]);
    let found = findings(&report, "weak-secret");
    let places: Vec<(String, u64)> =
        found.iter().map(|f| (f["path"].as_str().unwrap().to_string(), f["line"].as_u64().unwrap())).collect();
    assert_eq!(places, [("a.txt".to_string(), 1), ("a.txt".to_string(), 2), ("b/c.txt".to_string(), 1)]);
}

#[test]
fn wordlists_from_flags_and_config_add_candidates() {
    let dir = tempfile::tempdir().unwrap();
    let secret = fixture("/wordlist/secret");
    write(dir.path(), "token.txt", &fixture("/wordlist/token"));
    write(dir.path(), "lists/team.txt", &format!("first\r\n\r\n{secret}\r\nlast\r\n"));
    let (report, _) = scan(dir.path(), &[]);
    assert!(findings(&report, "weak-secret").is_empty());

    let (report, stdout) = scan(dir.path(), &["--wordlist", "lists/team.txt"]);
    let found = findings(&report, "weak-secret");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["evidence"]["source"], "wordlist");
    assert!(found[0]["evidence"]["wordlist"].as_str().unwrap().ends_with("team.txt"));
    assert!(!stdout.contains(&secret));

    write(dir.path(), "jwtscan.toml", "wordlists = [\"lists/team.txt\"]\n");
    let (report, _) = scan(dir.path(), &[]);
    assert_eq!(findings(&report, "weak-secret").len(), 1);
}

#[test]
fn a_missing_wordlist_is_a_usage_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("jwtscan")
        .unwrap()
        .current_dir(dir.path())
        .args(["scan", "--wordlist", "no-such-list.txt", "."])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no-such-list.txt"));
}

/// Each format defines one fixture secret; the token signed with it lives in another file.
#[test]
fn secret_in_repo_finds_a_secret_defined_in_another_file_in_each_format() {
    let secret = |form: &str| fixture(&format!("/repo/{form}/secret"));
    let definitions = [
        ("env", ".env", format!("# app\nDATABASE_URL=postgres://db\nJWT_SECRET={}\n", secret("env")), 3),
        ("yaml", "config/app.yaml", format!("server:\n  port: 8080\njwt:\n  secret: {}\n", secret("yaml")), 4),
        ("json", "config.json", format!("{{\n  \"auth\": {{\n    \"secret\": \"{}\"\n  }}\n}}\n", secret("json")), 3),
        ("toml", "settings.toml", format!("[jwt]\nsecret = \"{}\"\n", secret("toml")), 2),
        ("properties", "application.properties", format!("server.port=8080\njwt.secret={}\n", secret("properties")), 2),
        (
            "js_sign",
            "src/auth.js",
            format!(
                "const jwt = require('jsonwebtoken');\n\nexports.issue = (user) =>\n  jwt.sign({{ sub: user.id }}, '{}');\n",
                secret("js_sign")
            ),
            4,
        ),
        ("python", "app/auth.py", format!("import jwt\nKEY = b\"{}\"\n", secret("python")), 2),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut tokens = String::new();
    for (form, path, text, _) in &definitions {
        write(dir.path(), path, text);
        tokens.push_str(&format!("{form}: {}\n", fixture(&format!("/repo/{form}/token"))));
    }
    write(dir.path(), "tests/tokens.txt", &tokens);
    let (report, stdout) = scan(dir.path(), &[]);
    let found = findings(&report, "secret-in-repo");
    assert_eq!(found.len(), definitions.len(), "{stdout}");
    for (index, (form, path, _, line)) in definitions.iter().enumerate() {
        let finding = found.iter().find(|f| f["line"] == index as u64 + 1).unwrap();
        assert_eq!(finding["path"], "tests/tokens.txt");
        assert_eq!(finding["evidence"]["secret_path"], *path, "{form}");
        assert_eq!(finding["evidence"]["secret_line"], *line, "{form}");
        assert_eq!(finding["evidence"]["public_key"], false);
        assert!(!stdout.contains(&secret(form)), "{form} secret shown");
    }
    assert!(findings(&report, "weak-secret").is_empty());
}

#[test]
fn a_weak_secret_defined_in_the_tree_is_reported_once_as_weak_secret_saying_where() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".env", "JWT_SECRET=changeme\n");
    write(dir.path(), "t.txt", &fixture("/weak/4/token"));
    let (report, _) = scan(dir.path(), &[]);
    assert!(findings(&report, "secret-in-repo").is_empty());
    let found = findings(&report, "weak-secret");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["evidence"]["secret"], "c******e");
    assert_eq!(found[0]["evidence"]["secret_path"], ".env");
}

#[test]
fn a_token_signed_with_a_public_key_in_the_tree_is_a_key_confusion_forgery() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "keys/public.pem", &fixture("/public_pem"));
    let tokens = ["pem", "pem_without_newline", "der"].map(|form| fixture(&format!("/confusion/{form}"))).join("\n");
    write(dir.path(), "tokens.txt", &tokens);
    let (report, stdout) = scan(dir.path(), &[]);
    let found = findings(&report, "secret-in-repo");
    assert_eq!(found.len(), 3, "{stdout}");
    for finding in &found {
        assert_eq!(finding["evidence"]["secret_path"], "keys/public.pem");
        assert_eq!(finding["evidence"]["secret_line"], 1);
        assert_eq!(finding["evidence"]["public_key"], true);
        assert!(finding["message"].as_str().unwrap().contains("key-confusion"));
    }
}

#[test]
fn a_public_jwk_in_the_tree_catches_a_token_signed_with_its_pem_form() {
    let dir = tempfile::tempdir().unwrap();
    let jwks = serde_json::json!({ "keys": [FIXTURES["jwk"].clone()] });
    write(dir.path(), "public/jwks.json", &serde_json::to_string_pretty(&jwks).unwrap());
    write(dir.path(), "tokens.txt", &format!("{}\n{}\n", fixture("/confusion/pem"), fixture("/confusion/der")));
    let (report, stdout) = scan(dir.path(), &[]);
    let found = findings(&report, "secret-in-repo");
    assert_eq!(found.len(), 2, "{stdout}");
    assert!(
        found.iter().all(|f| f["evidence"]["public_key"] == true && f["evidence"]["secret_path"] == "public/jwks.json")
    );
    assert!(findings(&report, "private-jwk").is_empty());
}

#[test]
fn disabling_both_secret_rules_skips_the_pass() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "t.txt", &fixture("/weak/0/token"));
    write(dir.path(), "jwtscan.toml", "[rules]\ndisable = [\"weak-secret\", \"secret-in-repo\"]\n");
    let (report, _) = scan(dir.path(), &[]);
    assert!(findings(&report, "weak-secret").is_empty());
}

const D: &str = "X4cTteJY_gn4FYPsXB8rdXix5vwsg1FLN5E3EaG6RJoVH-HLLKD9M7dx5oo7GURknchnrRweUkC7hT5fJLM0WbFAKNLWY2vv7B6NqXSzUvxT0_YSfqijwp3RTzlBaCxWp4doFk5N2o8Gy_nHNKroADIkJ46pRUohsXywbReAdYaMwFs9tv8d_cPVY3i07a3t8MN6TNwm0dSawm9v47UiCl3Sk5ZiG7xojPLu4sbg1U2jx4IBTNBznbJSzFHK66jT8bgkuqsk0GjskDJk19Z4qwjwbsnn4j2WBii3RL-Us2lGVkY8fkFzme1z0HbIkfz0Y6mqnOYtqc0X4jfcKoAC8Q";

#[test]
fn private_jwks_are_found_in_every_container_and_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let rsa = format!(r#"{{"kty":"RSA","kid":"rsa-1","n":"sXch","e":"AQAB","d":"{D}","p":"cA","q":"cQ"}}"#);
    write(dir.path(), "standalone.json", &rsa);
    write(
        dir.path(),
        "jwks.json",
        &format!(
            "{{\n  \"keys\": [\n    {{\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"eA\", \"y\": \"eQ\"}},\n    \
             {{\"kty\": \"oct\", \"kid\": \"hmac\", \"k\": \"{D}\"}}\n  ]\n}}\n"
        ),
    );
    write(
        dir.path(),
        "keys.yaml",
        &format!("jwks:\n  keys:\n    - kty: OKP\n      crv: Ed25519\n      x: eA\n      d: {D}\n"),
    );
    write(
        dir.path(),
        "app.env",
        &format!("JWKS=\"{{\\\"kty\\\":\\\"EC\\\",\\\"crv\\\":\\\"P-256\\\",\\\"d\\\":\\\"{D}\\\"}}\"\n"),
    );
    let (report, stdout) = scan(dir.path(), &[]);
    let found = findings(&report, "private-jwk");
    let places: Vec<(String, u64)> =
        found.iter().map(|f| (f["path"].as_str().unwrap().to_string(), f["line"].as_u64().unwrap())).collect();
    assert_eq!(
        places,
        [("app.env".into(), 1), ("jwks.json".into(), 4), ("keys.yaml".into(), 6), ("standalone.json".into(), 1)]
    );
    assert!(!stdout.contains(D), "private material printed");
    let oct = found.iter().find(|f| f["path"] == "jwks.json").unwrap();
    assert_eq!(oct["evidence"]["member"], "k");
    assert_eq!(oct["token"], r#"{"kty":"oct","kid":"hmac","k":"[redacted]"}"#);
    // Not sha256(k): that names a weak `oct` key to anyone who hashes the built-in list.
    assert_ne!(oct["token_sha256"], jwtscan::hex::sha256_hex(D.as_bytes()));
}

#[test]
fn public_only_jwks_are_not_findings_in_any_container() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "standalone.json", r#"{"kty":"RSA","kid":"rsa-1","n":"sXch","e":"AQAB"}"#);
    write(
        dir.path(),
        "jwks.json",
        r#"{"keys":[{"kty":"EC","crv":"P-256","x":"eA","y":"eQ"},{"kty":"oct","kid":"k"}]}"#,
    );
    write(
        dir.path(),
        "keys.yaml",
        "keys:\n  - kty: OKP\n    crv: Ed25519\n    x: eA\n  - kty: RSA\n    n: sXch\n    e: AQAB\n",
    );
    write(dir.path(), "app.env", "JWKS=\"{\\\"kty\\\":\\\"EC\\\",\\\"crv\\\":\\\"P-256\\\",\\\"x\\\":\\\"eA\\\"}\"\n");
    let (report, _) = scan(dir.path(), &[]);
    assert!(findings(&report, "private-jwk").is_empty());
}

#[test]
fn the_examples_of_the_secret_rules_fire_and_their_negative_examples_do_not() {
    let settings = jwtscan::config::Settings::default();
    for id in ["weak-secret", "secret-in-repo", "private-jwk"] {
        let rule = jwtscan::catalog::meta(id).unwrap();
        assert!(!rule.examples.is_empty() && !rule.negative_examples.is_empty(), "{id}");
        for example in &rule.examples {
            let found = jwtscan::scan_text(example, &settings);
            assert!(found.iter().any(|finding| finding.rule == id), "{id} silent on {example}");
        }
        for example in &rule.negative_examples {
            let found = jwtscan::scan_text(example, &settings);
            assert!(found.iter().all(|finding| finding.rule != id), "{id} fired on {example}");
        }
    }
}

#[test]
fn show_secrets_prints_the_repo_secret_and_the_private_key_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let secret = fixture("/repo/env/secret");
    write(dir.path(), ".env", &format!("JWT_SECRET={secret}\n"));
    write(dir.path(), "t.txt", &fixture("/repo/env/token"));
    write(dir.path(), "k.json", &format!(r#"{{"kty":"oct","k":"{D}"}}"#));
    let (report, stdout) = scan(dir.path(), &[]);
    assert!(!stdout.contains(&secret) && !stdout.contains(D));
    assert!(findings(&report, "secret-in-repo")[0]["evidence"].get("secret").is_none());
    let (report, _) = scan(dir.path(), &["--show-secrets"]);
    assert_eq!(findings(&report, "secret-in-repo")[0]["evidence"]["secret"], secret.as_str());
    assert!(findings(&report, "private-jwk")[0]["token"].as_str().unwrap().contains(D));
}
