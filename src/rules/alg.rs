//! Checks on the `alg` header and the signature's presence: `alg-none`, `deprecated-alg` and
//! `missing-signature`.

use super::{CheckSettings, Hit, alg_label, id, truncate};
use crate::token::{Form, Token};

/// JWS `alg` values defined by RFC 7518 (HMAC, RSA, ECDSA, RSASSA-PSS), RFC 8037 (`EdDSA`),
/// RFC 8812 (`ES256K`) and RFC 9864 (the fully-specified `Ed25519` and `Ed448` that succeed
/// `EdDSA`: flagging the recommended replacement would push users backwards). `none` is left to
/// `alg-none`; `RS1` (RFC 8812) and `HS1` are Prohibited in the IANA registry and so not listed.
const JWS_ALGS: &[&str] = &[
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512",
    "EdDSA", "ES256K", "Ed25519", "Ed448",
];

fn is_none(alg: &str) -> bool {
    alg.eq_ignore_ascii_case("none")
}

pub fn alg_none(token: &Token<'_>, _: &CheckSettings, out: &mut Vec<Hit>) {
    let Some(alg) = token.alg() else { return };
    if token.form == Form::Jws && is_none(alg) {
        out.push(
            Hit::new(id::ALG_NONE, format!("token is unsigned (alg \"{}\")", truncate(alg, 16)))
                .with("alg", alg)
                .with("signature_bytes", token.signature.len()),
        );
    }
}

pub fn deprecated_alg(token: &Token<'_>, _: &CheckSettings, out: &mut Vec<Hit>) {
    let Some(alg) = token.alg() else { return };
    let reason = match token.form {
        Form::Jws if is_none(alg) || JWS_ALGS.contains(&alg) => return,
        Form::Jws if matches!(alg, "HS1" | "RS1") => "prohibited in the IANA JOSE registry (SHA-1)",
        Form::Jws => "not a registered JWS algorithm",
        Form::Jwe if alg == "RSA1_5" => "RSAES-PKCS1-v1_5 key wrapping is open to padding-oracle attacks",
        Form::Jwe => return,
    };
    let shown = truncate(alg, 32);
    out.push(
        Hit::new(id::DEPRECATED_ALG, format!("token uses algorithm \"{shown}\": {reason}"))
            .with("alg", shown)
            .with("reason", reason),
    );
}

pub fn missing_signature(token: &Token<'_>, _: &CheckSettings, out: &mut Vec<Hit>) {
    let alg = alg_label(token);
    if token.form == Form::Jws && !is_none(&alg) && token.signature_segment().is_empty() {
        out.push(Hit::new(id::MISSING_SIGNATURE, format!("{alg} token has an empty signature")).with("alg", alg));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::*;

    fn fires(header: &str, signature: &[u8], rule: &str) -> bool {
        rule_hit(&jws(header, r#"{"sub":"1"}"#, signature), rule).is_some()
    }

    #[test]
    fn alg_none_fires_in_any_letter_case() {
        for alg in ["none", "None", "NONE", "nOnE"] {
            assert!(fires(&format!(r#"{{"alg":"{alg}"}}"#), b"", "alg-none"), "{alg}");
        }
        assert!(!fires(r#"{"alg":"HS256"}"#, &[1; 32], "alg-none"));
        assert!(!fires(r#"{"alg":"nonce"}"#, &[1; 32], "alg-none"));
    }

    #[test]
    fn alg_none_ignores_jwe() {
        assert!(rule_hit(&jwe(r#"{"alg":"none","enc":"A128GCM"}"#), "alg-none").is_none());
    }

    #[test]
    fn deprecated_alg_flags_prohibited_and_unregistered_jws_algs() {
        for alg in ["HS1", "RS1", "hs256", "HS224", "ES256k", "RSA-OAEP"] {
            assert!(fires(&format!(r#"{{"alg":"{alg}"}}"#), &[1; 32], "deprecated-alg"), "{alg}");
        }
    }

    #[test]
    fn deprecated_alg_accepts_registered_algs_and_leaves_none_to_alg_none() {
        for alg in ["HS256", "RS512", "PS384", "ES512", "EdDSA", "ES256K", "Ed25519", "none", "NONE"] {
            assert!(!fires(&format!(r#"{{"alg":"{alg}"}}"#), &[1; 32], "deprecated-alg"), "{alg}");
        }
    }

    #[test]
    fn deprecated_alg_on_jwe_flags_only_rsa1_5() {
        let fires_jwe = |alg: &str| rule_hit(&jwe(&format!(r#"{{"alg":"{alg}","enc":"A128GCM"}}"#)), "deprecated-alg");
        assert_eq!(fires_jwe("RSA1_5").unwrap().evidence["alg"], "RSA1_5");
        for alg in ["RSA-OAEP", "RSA-OAEP-256", "A128KW", "dir", "ECDH-ES+A256KW", "A256GCMKW", "PBES2-HS256+A128KW"] {
            assert!(fires_jwe(alg).is_none(), "{alg}");
        }
    }

    #[test]
    fn missing_signature_fires_for_signed_algs_with_an_empty_signature() {
        let hit = rule_hit(&jws(r#"{"alg":"HS256"}"#, "{}", b""), "missing-signature").unwrap();
        assert_eq!(hit.message, "HS256 token has an empty signature");
        assert!(!fires(r#"{"alg":"none"}"#, b"", "missing-signature"));
        assert!(!fires(r#"{"alg":"HS256"}"#, &[0; 32], "missing-signature"));
        assert!(hit_jwe_missing().is_none());
    }

    fn hit_jwe_missing() -> Option<crate::catalog::Hit> {
        rule_hit(&jwe(r#"{"alg":"dir","enc":"A128GCM"}"#), "missing-signature")
    }
}
