//! What a bound leaves unchecked is counted in a warning, whatever else the tree holds: nothing
//! is lost silently (docs/security.md).

use std::path::Path;
use std::process::{Command, Stdio};

use crate::cli::util::b64;

/// The warnings of a scan of `dir`. The report is not read: 20,000 findings parsed would hold
/// this harness at 150 MB, which other tests' memory measurements would see (`peak_rss_mb`).
fn warnings(dir: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_jwtscan"))
        .current_dir(dir)
        .args(["scan", "--fail-on", "never", "."])
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "stderr: {stderr}");
    stderr
}

/// Past 4,096 asymmetric keys (here Ed25519 JWKs) the rest are counted, in a tree without a
/// token too (one whose token needs the string candidates: `deferred.rs`).
#[test]
fn keys_past_the_bound_are_warned_about_in_a_tree_without_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<String> = (0..4_200u32)
        .map(|i| {
            let mut x = [7u8; 32];
            x[..4].copy_from_slice(&i.to_be_bytes());
            format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{}"}}"#, b64(x))
        })
        .collect();
    std::fs::write(dir.path().join("jwks.json"), format!("{{\"keys\":[\n{}\n]}}\n", keys.join(",\n"))).unwrap();
    let warnings = warnings(dir.path());
    assert!(warnings.contains("key candidates not kept"), "{warnings}");
}

/// Past 20,000 RS/PS/ES/EdDSA token occurrences kept for the checks against the tree's keys,
/// the rest are counted.
#[test]
fn signed_tokens_past_the_bound_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let header = b64(r#"{"alg":"RS256"}"#);
    let tokens: String =
        (0..20_005u32).map(|i| format!("{header}.{}.{}\n", b64(format!(r#"{{"n":{i}}}"#)), b64([1u8; 256]))).collect();
    std::fs::write(dir.path().join("tokens.log"), tokens).unwrap();
    let warnings = warnings(dir.path());
    assert!(warnings.contains("5 RS/PS/ES/EdDSA token occurrences past the 20000 kept"), "{warnings}");
}
