//! JWE header checks: `jwe-compression` (compress-then-encrypt leaks the plaintext through its
//! length) and `pbes2-iterations` (a password-based key with too little or too much work).

use serde_json::Value;

use super::{CheckSettings, Hit, alg_label, id, truncate};
use crate::token::{Form, Token};

/// Below this many PBKDF2 iterations a guessed password is cheap to test (RFC 7518 §4.8.1.2
/// recommends at least 1000).
pub const MIN_P2C: u64 = 1_000;
/// Above this, a receiver that honours `p2c` spends seconds per token: a denial of service
/// (CVE-2022-36083). Libraries patched since cap inbound counts between 10,000 and 1,000,000, so
/// a count past this bound can only be meant to stall the receiver.
pub const MAX_P2C: u64 = 1_200_000;

pub fn jwe_compression(token: &Token<'_>, _: &CheckSettings, out: &mut Vec<Hit>) {
    if token.form != Form::Jwe {
        return;
    }
    let Some(zip) = token.header.get("zip") else { return };
    let shown = match zip {
        Value::String(text) => truncate(text, 16),
        other => truncate(&other.to_string(), 16),
    };
    out.push(
        Hit::new(id::JWE_COMPRESSION, format!("JWE compresses its plaintext before encrypting (zip \"{shown}\")"))
            .with("zip", shown),
    );
}

/// Missing or malformed `p2c` is reported too: RFC 7518 requires it, and a library that falls
/// back to a default of its own may pick a low one.
pub fn pbes2_iterations(token: &Token<'_>, _: &CheckSettings, out: &mut Vec<Hit>) {
    if token.form != Form::Jwe || !token.alg().is_some_and(|alg| alg.starts_with("PBES2-")) {
        return;
    }
    let alg = alg_label(token);
    let (problem, p2c) = match token.header.get("p2c") {
        None => ("has no iteration count (p2c)".to_string(), Value::Null),
        Some(value) => match value.as_u64() {
            Some(count) if count < MIN_P2C => {
                (format!("asks for {count} PBKDF2 iterations (p2c), fewer than {MIN_P2C}"), value.clone())
            }
            Some(count) if count > MAX_P2C => {
                (format!("asks for {count} PBKDF2 iterations (p2c), enough to stall a receiver"), value.clone())
            }
            Some(_) => return,
            None => ("has an iteration count (p2c) that is not a positive integer".to_string(), value.clone()),
        },
    };
    out.push(
        Hit::new(id::PBES2_ITERATIONS, format!("{alg} JWE {problem}"))
            .with("p2c", p2c)
            .with("min", MIN_P2C)
            .with("max", MAX_P2C),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::*;

    #[test]
    fn jwe_compression_fires_on_zip_in_a_jwe_only() {
        let hit = rule_hit(&jwe(r#"{"alg":"dir","enc":"A128GCM","zip":"DEF"}"#), "jwe-compression").unwrap();
        assert_eq!(hit.evidence["zip"], "DEF");
        assert!(rule_hit(&jwe(r#"{"alg":"dir","enc":"A128GCM"}"#), "jwe-compression").is_none());
        assert!(rule_hit(&jws(r#"{"alg":"HS256","zip":"DEF"}"#, "{}", &[1; 32]), "jwe-compression").is_none());
    }

    fn pbes2(p2c: &str) -> Option<crate::catalog::Hit> {
        let header = format!(r#"{{"alg":"PBES2-HS256+A128KW","enc":"A128GCM","p2s":"c2FsdHNhbHQ"{p2c}}}"#);
        rule_hit(&jwe(&header), "pbes2-iterations")
    }

    #[test]
    fn pbes2_iterations_flags_counts_outside_the_bounds() {
        assert_eq!(
            pbes2(r#","p2c":1"#).unwrap().message,
            "PBES2-HS256+A128KW JWE asks for 1 PBKDF2 iterations (p2c), fewer than 1000"
        );
        assert_eq!(pbes2(r#","p2c":999"#).unwrap().evidence["p2c"], 999);
        assert!(pbes2(r#","p2c":1200001"#).is_some());
        assert!(pbes2(r#","p2c":4294967295"#).is_some());
    }

    #[test]
    fn pbes2_iterations_accepts_counts_within_the_bounds() {
        for count in ["1000", "310000", "1200000"] {
            assert!(pbes2(&format!(r#","p2c":{count}"#)).is_none(), "{count}");
        }
    }

    #[test]
    fn pbes2_iterations_flags_missing_and_malformed_counts() {
        assert!(pbes2("").unwrap().evidence["p2c"].is_null());
        assert!(pbes2(r#","p2c":"10000""#).is_some());
        assert!(pbes2(r#","p2c":-5"#).is_some());
        assert!(pbes2(r#","p2c":2000.5"#).is_some());
    }

    #[test]
    fn pbes2_iterations_ignores_other_key_management() {
        assert!(rule_hit(&jwe(r#"{"alg":"A128KW","enc":"A128GCM","p2c":1}"#), "pbes2-iterations").is_none());
    }
}
