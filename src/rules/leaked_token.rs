//! `leaked-token`: every token found is a finding, graded by how much it still matters: live
//! tokens are high, expired ones low, and well-known public examples (RFC and jwt.io samples) info.

use super::{CheckSettings, Hit, alg_label, id, numeric_date};
use crate::hex::sha256_hex;
use crate::severity::Severity;
use crate::token::{Form, Token};

/// Where a well-known public example token comes from, by its `token_sha256` (the published
/// examples of `rules/examples.toml`).
pub fn public_example(token_sha256: &str) -> Option<&'static str> {
    crate::context::example_token(token_sha256)
}

pub fn check(token: &Token<'_>, ctx: &CheckSettings, out: &mut Vec<Hit>) {
    let alg = alg_label(token);
    let kind = match token.form {
        Form::Jws => "JWS",
        Form::Jwe => "JWE",
    };
    let sha256 = sha256_hex(token.compact.as_bytes());
    if let Some(source) = public_example(&sha256) {
        let message = format!("{alg} {kind} token is a well-known public example");
        out.push(
            Hit::new(id::LEAKED_TOKEN, message)
                .with_severity(Severity::Info)
                .with("alg", alg)
                .with("public_example", source),
        );
        return;
    }
    let exp = token.claims().and_then(|claims| claims.get("exp")).and_then(numeric_date);
    let hit = match exp {
        Some(exp) if exp < ctx.now => Hit::new(id::LEAKED_TOKEN, format!("expired {alg} {kind} token is committed"))
            .with_severity(Severity::Low)
            .with("alg", alg)
            .with("exp", exp)
            .with("expired_at", crate::time::format_time(exp)),
        _ => Hit::new(id::LEAKED_TOKEN, format!("{alg} {kind} token is committed")).with("alg", alg),
    };
    out.push(hit);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::*;

    const JWT_IO: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

    #[test]
    fn a_live_token_is_high() {
        let token = jws(r#"{"alg":"HS256"}"#, &format!(r#"{{"sub":"1","exp":{}}}"#, NOW + 60), &[1; 32]);
        let hit = rule_hit(&token, "leaked-token").unwrap();
        assert_eq!(hit.severity, Severity::High);
        assert_eq!(hit.message, "HS256 JWS token is committed");
    }

    #[test]
    fn an_expired_token_is_low_and_says_when_it_expired() {
        let token = jws(r#"{"alg":"HS256"}"#, r#"{"exp":1600000000}"#, &[1; 32]);
        let hit = rule_hit(&token, "leaked-token").unwrap();
        assert_eq!(hit.severity, Severity::Low);
        assert_eq!(hit.evidence["expired_at"], "2020-09-13T12:26:40Z");
    }

    #[test]
    fn public_example_tokens_are_info_even_when_expired() {
        let hit = rule_hit(JWT_IO, "leaked-token").unwrap();
        assert_eq!(hit.severity, Severity::Info);
        assert!(hit.evidence["public_example"].as_str().unwrap().contains("jwt.io"));
        // RFC 7519 §3.1, expired since 2011.
        let rfc = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(hit_of(rfc).severity, Severity::Info);
    }

    #[test]
    fn a_jwe_is_high_because_its_expiry_cannot_be_read() {
        let hit = rule_hit(&jwe(r#"{"alg":"dir","enc":"A256GCM"}"#), "leaked-token").unwrap();
        assert_eq!(hit.severity, Severity::High);
        assert_eq!(hit.message, "dir JWE token is committed");
    }

    #[test]
    fn every_rfc_example_token_is_recognised() {
        let payload = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
        let rs256 = "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
        let es256 = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
        for token in [
            format!("eyJhbGciOiJSUzI1NiJ9.{payload}.{rs256}"),
            format!("eyJhbGciOiJFUzI1NiJ9.{payload}.{es256}"),
            format!("eyJhbGciOiJub25lIn0.{payload}."),
        ] {
            assert!(public_example(&sha256_hex(token.as_bytes())).is_some(), "{token}");
        }
        assert!(public_example(&sha256_hex(b"eyJhbGciOiJub25lIn0.e30.")).is_none());
    }

    fn hit_of(token: &str) -> Hit {
        rule_hit(token, "leaked-token").unwrap()
    }
}
