//! `recovered-rsa-key` (`--crack`): the RSA public key behind RS tokens that no committed key
//! verifies, recovered from two of their signatures (`tests/fixtures/recovered`, made by its
//! `make.py`: 1024-bit keys with e = 3, recovered in milliseconds).

use std::path::Path;
use std::sync::LazyLock;

use serde_json::Value;

static FIXTURES: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../fixtures/recovered/tokens.json")).expect("valid fixture JSON")
});

fn token(key: &str, i: usize) -> &'static str {
    FIXTURES[key]["tokens"][i].as_str().unwrap()
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

fn tree(files: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// The modulus of fixture key `key`.
fn modulus(key: &str) -> Vec<u8> {
    let n = FIXTURES[key]["n"].as_str().unwrap();
    (0..n.len()).step_by(2).map(|i| u8::from_str_radix(&n[i..i + 2], 16).unwrap()).collect()
}

/// The `rule` findings of a JSON scan, its output and its warnings.
fn findings_of(rule: &str, dir: &Path, args: &[&str]) -> (Vec<Value>, String, String) {
    let (report, stdout, stderr) = crate::secrets::scan_with_warnings(dir, args);
    let found =
        report["findings"].as_array().unwrap().iter().filter(|finding| finding["rule"] == rule).cloned().collect();
    (found, stdout, stderr)
}

/// The `recovered-rsa-key` findings of a JSON scan, its output and its warnings.
fn recovered(dir: &Path, args: &[&str]) -> (Vec<Value>, String, String) {
    findings_of("recovered-rsa-key", dir, args)
}

#[test]
fn two_rs256_tokens_with_no_committed_key_are_tied_to_one_recovered_modulus() {
    let dir = tree(&[
        ("a.env", format!("ALICE={}\nBOB={}\n", token("a", 0), token("a", 1))),
        // An RS512 token without a kid: in no pair, tied because it verifies under the key.
        ("b.txt", format!("carol = {}\n", token("a", 2))),
    ]);
    let (found, stdout, _) = recovered(dir.path(), &["--crack"]);
    assert_eq!(found.len(), 1, "{stdout}");
    let evidence = &found[0]["evidence"];
    assert_eq!(evidence["recovered_key"], sha256_hex(&modulus("a")));
    assert_eq!(evidence["modulus_bits"], 1024);
    assert_eq!(evidence["public_exponent"], 3);
    assert_eq!(evidence["kid"], "k1");
    assert_eq!(evidence["tokens"], 3);
    let tied: Vec<&str> = evidence["token_sha256s"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    let expected: Vec<String> = (0..3).map(|i| sha256_hex(token("a", i).as_bytes())).collect();
    assert_eq!(tied, expected);
    assert_eq!(evidence["token_places"], serde_json::json!(["a.env:1", "a.env:2", "b.txt:1"]));
    assert_eq!((&found[0]["path"], &found[0]["line"]), (&Value::from("a.env"), &Value::from(1)));
    // A public key, but the tokens themselves stay unprinted.
    for i in 0..3 {
        assert!(!stdout.contains(token("a", i)));
    }
}

#[test]
fn a_default_scan_recovers_no_key() {
    let dir = tree(&[("a.env", format!("ALICE={}\nBOB={}\n", token("a", 0), token("a", 1)))]);
    let (found, _, _) = recovered(dir.path(), &[]);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn two_tokens_of_different_keys_with_one_kid_recover_nothing_and_the_budget_is_reported() {
    let dir = tree(&[("a.env", format!("ALICE={}\nMALLORY={}\n", token("a", 0), token("b", 0)))]);
    // The cheap exponents fail at once; e = 65537 meets the budget of one second.
    let (found, _, stderr) = recovered(dir.path(), &["--crack", "--crack-time", "1"]);
    assert!(found.is_empty(), "{found:?}");
    let warning = "recovered-rsa-key: the time budget of 1 s (--crack-time) ran out at e = 65537: pairs of RS tokens \
                   tried to the end: 1, keys recovered: 0; 1 of 1 groups";
    assert!(stderr.contains(warning), "{stderr}");
}

/// `n`, `e` as the SubjectPublicKeyInfo PEM text OpenSSL writes (64-character lines, final
/// newline): encoded here apart from jwtscan's own encoder.
fn spki_pem(n: &[u8], e: &[u8]) -> String {
    fn der(tag: u8, content: &[u8]) -> Vec<u8> {
        let len = content.len();
        let mut out = vec![tag];
        match len {
            0..0x80 => out.push(len as u8),
            0x80..0x100 => out.extend([0x81, len as u8]),
            _ => out.extend([0x82, (len >> 8) as u8, len as u8]),
        }
        out.extend_from_slice(content);
        out
    }
    let uint = |bytes: &[u8]| der(0x02, &[if bytes[0] & 0x80 != 0 { &[0u8][..] } else { &[] }, bytes].concat());
    let pkcs1 = der(0x30, &[uint(n), uint(e)].concat());
    let rsa_encryption = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];
    let spki = der(0x30, &[der(0x30, &rsa_encryption), der(0x03, &[&[0u8][..], &pkcs1].concat())].concat());
    let body = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, spki);
    let lines: Vec<&str> = body.as_bytes().chunks(64).map(|line| std::str::from_utf8(line).unwrap()).collect();
    format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", lines.join("\n"))
}

/// An HS256 token whose HMAC secret is the PEM text of an RSA public key that no file holds, but
/// that two RS tokens of the tree give away: a key-confusion forgery, found only under `--crack`.
#[test]
fn an_hs256_token_signed_with_the_recovered_public_key_is_a_key_confusion_forgery() {
    assert_eq!(FIXTURES["a"]["e"], 3);
    let forged = crate::cli::util::signed_hs256(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        r#"{"sub":"admin","iss":"https://login.acme.dev"}"#,
        spki_pem(&modulus("a"), &[3]).as_bytes(),
    );
    let dir = tree(&[
        ("a.env", format!("ALICE={}\nBOB={}\n", token("a", 0), token("a", 1))),
        ("session.txt", format!("cookie = {forged}\n")),
    ]);
    let forgery = |args: &[&str]| {
        let (mut found, stdout, _) = findings_of("secret-in-repo", dir.path(), args);
        found.retain(|finding| finding["path"] == "session.txt");
        (found, stdout)
    };
    let (found, stdout) = forgery(&["--crack"]);
    assert_eq!(found.len(), 1, "{stdout}");
    let evidence = &found[0]["evidence"];
    assert_eq!(evidence["public_key"], true);
    assert_eq!(evidence["key_form"], "recovered RSA key as PEM (SubjectPublicKeyInfo)");
    assert_eq!((&evidence["secret_path"], &evidence["secret_line"]), (&Value::from("a.env"), &Value::from(1)));
    let message = found[0]["message"].as_str().unwrap();
    assert!(message.contains("recovered from the RS tokens at a.env:1: a key-confusion forgery"), "{message}");
    assert!(!stdout.contains(&forged) && !stdout.contains("BEGIN PUBLIC KEY"), "{stdout}");
    let (found, stdout) = forgery(&[]);
    assert!(found.is_empty(), "{stdout}");
}

/// A pair at e = 65537 takes minutes, so on a terminal recovery says which group it is at, and
/// clears the line before the report; piped (a CI log), stderr holds no progress line.
#[test]
fn recovery_progress_shows_on_a_terminal_only_and_is_cleared() {
    let dir = tree(&[("a.env", format!("ALICE={}\nBOB={}\n", token("a", 0), token("a", 1)))]);
    let (found, _, stderr) = recovered(dir.path(), &["--crack"]);
    assert_eq!(found.len(), 1);
    assert!(!stderr.contains("recovered-rsa-key: e ="), "{stderr}");
    // util-linux `script` runs the command on a pseudo-terminal and copies what it wrote.
    let command = format!("{} scan --crack --fail-on never .", env!("CARGO_BIN_EXE_jwtscan"));
    let output = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::null())
        .output()
        .ok();
    let Some(output) = output.filter(|output| output.status.success()) else {
        crate::skip::skip("cannot run jwtscan on a pseudo-terminal with util-linux `script`");
        return;
    };
    let shown = String::from_utf8_lossy(&output.stdout);
    let line = "\r\x1b[Krecovered-rsa-key: e = 3 to 257, group 1 of 1 (keys recovered: 0), 0 of 60 s\r\x1b[K";
    assert!(shown.contains(line), "{shown:?}");
}
