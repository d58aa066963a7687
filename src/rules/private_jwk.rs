//! `private-jwk`: a JSON Web Key in a file holds private material (`d` of RSA, EC and OKP keys,
//! `k` of `oct` keys). The one key rule: it judges keys the scan parsed (`keys::jwk`), not tokens.

use serde_json::{Map, Value};

use super::Hit;
use super::id;
use crate::hex::sha256_hex;
use crate::keys::jwk::FoundKey;

/// What the rule found about a key: the hit, the span of the private member in the buffer, and
/// the key as shown (private member masked) and in full (for `--show-secrets`).
pub struct PrivateKey {
    pub hit: Hit,
    pub start: usize,
    pub end: usize,
    pub redacted: String,
    pub full: String,
    /// The key's identity for allowlists and fingerprints (`token_sha256`): see `fingerprint`.
    pub sha256: String,
    /// Of the private member's value: for the published example keys only, never shown.
    pub member_sha256: String,
}

/// SHA-256 over a domain tag and the whole key as canonical JSON (members sorted by name), not
/// over the private member alone: `sha256(k)` of an `oct` key named a weak secret to anyone who
/// hashes the built-in list; this digest needs every member, `kid` included, to be guessed too.
pub fn fingerprint(members: &Map<String, Value>) -> String {
    let sorted: std::collections::BTreeMap<&String, &Value> = members.iter().collect();
    let canonical = serde_json::to_vec(&sorted).unwrap_or_default();
    let mut text = b"jwtscan private-jwk v1\n".to_vec();
    text.extend_from_slice(&canonical);
    sha256_hex(&text)
}

fn is_base64url(value: &str) -> bool {
    let value = value.trim_end_matches('=');
    !value.is_empty() && value.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

pub fn check(key: &FoundKey) -> Option<PrivateKey> {
    // A placeholder (`[redacted]`, `...`, `<your key>`) holds no key material: only base64url does.
    let private = key.private.as_ref().filter(|private| is_base64url(&private.value))?;
    let kty = key.members.get("kty").and_then(Value::as_str).unwrap_or("");
    let mut shown = Map::new();
    for name in ["kty", "kid", "crv", "alg", "use"] {
        if let Some(value) = key.members.get(name).filter(|value| !value.is_object() && !value.is_array()) {
            shown.insert(name.to_string(), value.clone());
        }
    }
    let mut hit =
        Hit::new(id::PRIVATE_JWK, format!("JSON Web Key ({kty}) holds private material (`{}`)", private.name));
    hit.evidence = shown.clone();
    hit.evidence.insert("member".to_string(), Value::from(private.name));
    shown.insert(private.name.to_string(), Value::from("[redacted]"));
    Some(PrivateKey {
        hit,
        start: private.start,
        end: private.end,
        redacted: Value::Object(shown).to_string(),
        full: Value::Object(key.members.clone()).to_string(),
        sha256: fingerprint(&key.members),
        member_sha256: sha256_hex(private.value.as_bytes()),
    })
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;
    use crate::finding::Finding;

    fn scan_text(text: &str) -> Vec<Finding> {
        crate::scan_text(text, &Settings::default()).into_iter().filter(|f| f.rule == "private-jwk").collect()
    }

    const RSA_PRIVATE: &str = r#"{"kty":"RSA","kid":"k1","n":"sXch","e":"AQAB","d":"c2VjcmV0LWQ"}"#;

    #[test]
    fn a_placeholder_private_member_is_no_key_material() {
        for placeholder in ["[redacted]", "...", "<your key>", "=="] {
            let text = format!(r#"{{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"{placeholder}"}}"#);
            assert!(crate::scan_text(&text, &crate::config::Settings::default()).is_empty(), "{placeholder}");
        }
        let real = r#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"c2VjcmV0LWQ"}"#;
        assert!(!crate::scan_text(real, &crate::config::Settings::default()).is_empty());
    }

    #[test]
    fn a_private_rsa_key_is_reported_at_its_d_member_with_the_value_redacted() {
        let text = format!("x\n  {RSA_PRIVATE}\n");
        let findings = scan_text(&text);
        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(finding.line, 2);
        assert_eq!(finding.column, 3 + RSA_PRIVATE.find("\"d\"").unwrap() as u64);
        assert_eq!(finding.token, r#"{"kty":"RSA","kid":"k1","d":"[redacted]"}"#);
        assert_ne!(finding.token_sha256, crate::hex::sha256_hex(b"c2VjcmV0LWQ"));
        let members: serde_json::Map<String, serde_json::Value> = serde_json::from_str(RSA_PRIVATE).unwrap();
        assert_eq!(finding.token_sha256, super::fingerprint(&members));
        assert!(!finding.token.contains("c2VjcmV0LWQ"));
    }

    #[test]
    fn public_keys_are_not_findings() {
        let findings =
            scan_text(r#"{"keys":[{"kty":"RSA","kid":"k1","n":"sXch","e":"AQAB"},{"kty":"oct","kid":"x"}]}"#);
        assert!(findings.is_empty());
    }

    #[test]
    fn finds_keys_in_a_jwks_in_escaped_json_and_in_yaml() {
        let jwks = r#"{"keys":[{"kty":"EC","crv":"P-256","x":"eA","y":"eQ","d":"ZA"},{"kty":"oct","k":"c2VjcmV0"}]}"#;
        assert_eq!(scan_text(jwks).len(), 2);
        let escaped = r#"JWKS="{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"eA\",\"d\":\"ZA\"}]}""#;
        let findings = scan_text(escaped);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].evidence["kty"], "OKP");
        let yaml = "keys:\n  - kid: a\n    kty: RSA\n    n: sXch\n    e: AQAB\n    d: \"ZGRk\"  # oops\n  - kty: RSA\n    n: sXch\n    e: AQAB\n";
        let findings = scan_text(yaml);
        assert_eq!(findings.len(), 1);
        assert_eq!((findings[0].line, findings[0].column), (6, 5));
        assert_eq!(findings[0].evidence["kid"], "a");
    }

    #[test]
    fn expressions_in_an_object_literal_are_not_key_material() {
        for code in [
            "const jwk = {\n  kty: 'oct',\n  k: b64u(key),\n};\n",
            "const jwk = {\n  kty: 'oct',\n  k: lib.base64url.encode(secret),\n  alg: 'HS256'\n};\n",
            "jwk = {\n    kty: 'RSA',\n    n: n,\n    e: e,\n    d: privateExponent\n}\n",
            "key:\n  kty: oct\n  k: base64url(secret)\n",
        ] {
            assert!(scan_text(code).is_empty(), "{code}");
        }
    }

    #[test]
    fn string_literals_in_an_object_literal_are_key_material() {
        let code = "const jwk = {\n  kty: 'oct',\n  k: 'c2VjcmV0LWtleS1tYXRlcmlhbA',\n};\n";
        let findings = scan_text(code);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].line, 3);
        assert_eq!(scan_text("key:\n  kty: oct\n  k: c2VjcmV0LWtleS1tYXRlcmlhbA\n").len(), 1);
    }
}
