//! The registry of per-token checks (rule metadata, ids and `Hit` are in `catalog`, below every
//! layer that reports).
//!
//! Each check is a small pure function over a decoded token and the per-thread `CheckSettings`
//! (named apart from `context::Context`, where a finding lives); adding a rule means an entry in
//! `rules/rules.toml`, a check in this folder and one line in `CHECKS`.

mod alg;
mod claims;
mod expiry;
pub mod forgery;
mod header;
mod jwe;
mod leaked_token;
pub mod private_jwk;
mod signature;

// For the checks in this folder, which name them as `super::…`.
use serde_json::Value;

use crate::catalog::{Hit, RuleId, id};
use crate::config::Settings;
use crate::token::Token;

pub use claims::ClaimNames;
pub use leaked_token::public_example;

/// What the checks need besides the token: the clock, the lifetime limit and the claim lists.
/// Built once per worker thread, so building may allocate; checking should not need to.
pub struct CheckSettings {
    pub now: i64,
    pub max_lifetime: i64,
    pub claims: ClaimNames,
}

impl CheckSettings {
    pub fn new(settings: &Settings) -> Self {
        CheckSettings {
            now: settings.now,
            max_lifetime: settings.max_lifetime,
            claims: ClaimNames::new(&settings.extra_sensitive_claims, &settings.extra_pii_claims),
        }
    }
}

type Check = fn(&Token<'_>, &CheckSettings, &mut Vec<Hit>);

/// Every single-token check. `weak-secret`, `secret-in-repo` and `private-jwk` are not here: they
/// need the wordlists, the whole tree or JWK objects rather than one token.
const CHECKS: &[Check] = &[
    leaked_token::check,
    alg::alg_none,
    alg::deprecated_alg,
    alg::missing_signature,
    expiry::no_expiry,
    expiry::long_lifetime,
    claims::check,
    header::embedded_jwk,
    header::key_url_header,
    header::kid_injection,
    signature::weak_rsa_key,
    signature::psychic_signature,
    jwe::jwe_compression,
    jwe::pbes2_iterations,
];

/// Runs every single-token check.
pub fn check_token(token: &Token<'_>, ctx: &CheckSettings, out: &mut Vec<Hit>) {
    for check in CHECKS {
        check(token, ctx, out);
    }
}

/// The token's `alg` for messages and evidence, bounded because a forged header can hold anything;
/// decoding guarantees `alg` exists, so the fallback is cosmetic.
fn alg_label(token: &Token<'_>) -> String {
    truncate(token.alg().unwrap_or("unknown-alg"), 32)
}

/// Cuts `text` to at most `max` characters (marking the cut), so evidence stays bounded whatever
/// a token holds.
fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// A JSON NumericDate as whole seconds: integers as they are, fractions floored, out-of-range
/// values clamped. `None` for anything that is not a number.
fn numeric_date(value: &Value) -> Option<i64> {
    if let Some(seconds) = value.as_i64() {
        return Some(seconds);
    }
    if value.as_u64().is_some() {
        return Some(i64::MAX);
    }
    let seconds = value.as_f64()?;
    // `as` saturates at the i64 bounds, which is the clamping we want.
    seconds.is_finite().then_some(seconds.floor() as i64)
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Builds tokens from JSON text so unit tests read as header + claims, not base64.

    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::{CheckSettings, Hit, check_token};
    use crate::config::Settings;
    use crate::token;

    pub const NOW: i64 = 1_700_000_000;

    pub fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// A compact JWS from a header JSON text, a payload text and raw signature bytes.
    pub fn jws(header: &str, payload: &str, signature: &[u8]) -> String {
        format!("{}.{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()), b64(signature))
    }

    /// A compact JWE with the given header and dummy (but valid) other parts.
    pub fn jwe(header: &str) -> String {
        format!("{}.ZW5jcnlwdGVka2V5.aXZpdml2aXZpdml2.Y2lwaGVydGV4dA.dGFndGFndGFndGFndGFn", b64(header.as_bytes()))
    }

    pub fn context() -> CheckSettings {
        CheckSettings::new(&Settings { now: NOW, ..Settings::default() })
    }

    /// Every hit all checks produce for `compact`.
    pub fn hits(compact: &str) -> Vec<Hit> {
        hits_with(compact, &context())
    }

    pub fn hits_with(compact: &str, ctx: &CheckSettings) -> Vec<Hit> {
        let token = token::decode(compact).expect("test token decodes");
        let mut out = Vec::new();
        check_token(&token, ctx, &mut out);
        out
    }

    /// The hit for `rule`, if any; panics if the rule fired twice (one finding per rule and token).
    pub fn rule_hit(compact: &str, rule: &str) -> Option<Hit> {
        let mut found = hits(compact).into_iter().filter(|hit| hit.rule == rule);
        let first = found.next();
        assert!(found.next().is_none(), "{rule} fired twice");
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_honour_width_specifiers_so_the_decode_table_stays_aligned() {
        assert_eq!(format!("{:<10}|", id::ALG_NONE), "alg-none  |");
    }

    #[test]
    fn a_token_with_every_header_and_claim_problem_fires_each_of_their_checks_once() {
        use test_support::*;
        let everything = jws(
            r#"{"alg":"RS256","jwk":{"kty":"RSA"},"jku":"https://x","kid":"../k"}"#,
            r#"{"password":"p","email":"a@mail.acme.io"}"#,
            &[1; 16],
        );
        let mut fired: Vec<&str> = hits(&everything).iter().map(|hit| hit.rule.as_str()).collect();
        fired.sort_unstable();
        let expected = [
            "embedded-jwk",
            "key-url-header",
            "kid-injection",
            "leaked-token",
            "no-expiry",
            "pii-claim",
            "sensitive-claim",
            "weak-rsa-key",
        ];
        assert_eq!(fired, expected);
    }

    #[test]
    fn checks_survive_headers_and_claims_of_unexpected_types() {
        use test_support::*;
        let headers = [
            r#"{"alg":"","kid":null,"jwk":"x","jku":5,"x5u":{"a":1}}"#,
            r#"{"alg":"RS256","kid":["../x"],"jwk":[],"zip":7}"#,
            r#"{"alg":"ES256","kid":"\u0000\n\r","typ":{"nested":[[[[]]]]}}"#,
        ];
        let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
        let claims = [
            r#"{"exp":"soon","iat":[],"nbf":{},"password":null}"#.to_string(),
            r#"{"exp":1e300,"iat":-1e300,"":"","\u0000":"4111111111111111"}"#.to_string(),
            format!(r#"{{"deep":{deep},"email":{{}},"card":18446744073709551615}}"#),
        ];
        for header in headers {
            for payload in &claims {
                for signature in [&[][..], &[0; 1], &[0; 64], &[0x30, 0x81]] {
                    hits(&jws(header, payload, signature));
                }
            }
        }
        for header in
            [r#"{"alg":"PBES2-HS256+A128KW","enc":"A128GCM","p2c":null,"zip":{}}"#, r#"{"alg":"RSA1_5","enc":""}"#]
        {
            hits(&jwe(header));
        }
    }

    #[test]
    fn truncate_cuts_on_character_boundaries() {
        assert_eq!(truncate("ééé", 2), "éé…");
        assert_eq!(truncate("ab", 2), "ab");
    }

    #[test]
    fn numeric_dates_accept_integers_and_fractions_only() {
        assert_eq!(numeric_date(&serde_json::json!(5)), Some(5));
        assert_eq!(numeric_date(&serde_json::json!(5.9)), Some(5));
        assert_eq!(numeric_date(&serde_json::json!(u64::MAX)), Some(i64::MAX));
        assert_eq!(numeric_date(&serde_json::json!(-1e300)), Some(i64::MIN));
        assert_eq!(numeric_date(&serde_json::json!("5")), None);
    }
}
