//! A temporary folder to scan, the command to scan it with, and tokens made to order.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Digest as _;

/// "Now" for tests that pin dates: the `iat` of the tokens below (2023-11-14T22:13:20Z).
pub const NOW: &str = "1700000000";

pub struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Self {
        Fixture { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Writes `contents` to `relative`, creating folders as needed.
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> &Self {
        let path = self.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folders");
        }
        std::fs::write(&path, contents).expect("write fixture file");
        self
    }

    /// `jwtscan` with the fixture as its working folder.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_jwtscan"));
        cmd.current_dir(self.path()).env_remove("NO_COLOR");
        cmd
    }
}

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// `header` and `claims` signed with HS256 under `key`.
pub fn signed_hs256(header: &str, claims: &str, key: &[u8]) -> String {
    let input = format!("{}.{}", b64(header), b64(claims));
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(input.as_bytes());
    format!("{input}.{}", b64(mac.finalize().into_bytes()))
}

pub fn jwt(header: &str, claims: &str, signature: &[u8]) -> String {
    format!("{}.{}.{}", b64(header), b64(claims), b64(signature))
}

/// `alg: none`: fires `alg-none` (critical) and `leaked-token`.
pub fn unsigned() -> String {
    jwt(r#"{"alg":"none","typ":"JWT"}"#, r#"{"sub":"alice","iat":1700000000,"exp":1700003600}"#, b"")
}

/// A second, different unsigned token.
pub fn unsigned_other() -> String {
    jwt(r#"{"alg":"none"}"#, r#"{"sub":"carol","iat":1700000000,"exp":1700003600}"#, b"")
}

/// HS256 with a signature no secret produces: at `NOW` only `leaked-token` (high) fires.
pub fn hs256() -> String {
    jwt(r#"{"alg":"HS256","typ":"JWT"}"#, r#"{"sub":"bob","iat":1700000000,"exp":1700003600}"#, &[0x5a; 32])
}

pub fn sha256_hex(text: &str) -> String {
    sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

pub fn json(output: &[u8]) -> Value {
    serde_json::from_slice(output).unwrap_or_else(|err| panic!("not JSON ({err}): {}", String::from_utf8_lossy(output)))
}

pub fn stdout_json(cmd: &mut Command) -> Value {
    json(&cmd.output().expect("run jwtscan").stdout)
}

/// `(rule, path, line)` of every finding in a JSON report.
pub fn hits(report: &Value) -> Vec<(String, String, u64)> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap_or_default().to_string(),
                finding["path"].as_str().unwrap_or_default().to_string(),
                finding["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

pub fn rules_of(report: &Value) -> Vec<String> {
    hits(report).into_iter().map(|(rule, _, _)| rule).collect()
}

/// The report without its one unstable field.
pub fn without_elapsed(mut report: Value) -> Value {
    if let Some(summary) = report.get_mut("summary").and_then(Value::as_object_mut) {
        summary.remove("elapsed_ms");
    }
    report
}

/// The report with its timing taken out: the one part two runs do not share.
pub fn without_timing(output: &[u8]) -> String {
    let text = String::from_utf8_lossy(output);
    let mut kept = String::with_capacity(text.len());
    for (i, part) in text.split("elapsed_ms").enumerate() {
        if i > 0 {
            kept.push_str("elapsed_ms");
            kept.push_str(part.trim_start_matches(|c: char| c == '"' || c == ':' || c == ' ' || c.is_ascii_digit()));
        } else {
            kept.push_str(part);
        }
    }
    // The text report ends `…, 12 ms` or `…, 12 ms; held back: …`.
    let trimmed = kept.trim_end();
    let (body, held) =
        trimmed.rsplit_once("; held back").map_or((trimmed, ""), |(body, _)| (body, &trimmed[body.len()..]));
    match body.rsplit_once(", ") {
        Some((head, tail)) if tail.ends_with(" ms") => format!("{head}{held}"),
        _ => kept,
    }
}

/// Runs git in `dir` as a throwaway identity, untouched by the machine's config; its trimmed
/// stdout, or a panic with its stderr.
pub fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let output = std::process::Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}
