//! `no-expiry` and `long-lifetime`: a token that never expires, or lives longer than the
//! configured maximum, stays usable long after it leaks.

use super::{CheckSettings, Hit, alg_label, id, numeric_date};
use crate::time::format_duration;
use crate::token::Token;

/// Only JWS tokens with a JSON claims set are judged: a JWE's claims are encrypted and an opaque
/// payload has no claims, so silence there is "cannot tell", not "fine".
pub fn no_expiry(token: &Token<'_>, _: &CheckSettings, out: &mut Vec<Hit>) {
    let Some(claims) = token.claims() else { return };
    let alg = alg_label(token);
    match claims.get("exp") {
        None => out.push(Hit::new(id::NO_EXPIRY, format!("{alg} token has no expiry (exp)")).with("exp", "missing")),
        // RFC 7519 §4.1.4 requires a NumericDate; libraries ignore or reject anything else, and
        // the ones that ignore it accept the token forever.
        Some(exp) if numeric_date(exp).is_none() => out.push(
            Hit::new(id::NO_EXPIRY, format!("{alg} token's expiry (exp) is not a number")).with("exp", "not a number"),
        ),
        Some(_) => {}
    }
}

pub fn long_lifetime(token: &Token<'_>, ctx: &CheckSettings, out: &mut Vec<Hit>) {
    let Some(claims) = token.claims() else { return };
    let Some(exp) = claims.get("exp").and_then(numeric_date) else { return };
    let (start, basis) = match (claims.get("iat").and_then(numeric_date), claims.get("nbf").and_then(numeric_date)) {
        (Some(iat), _) => (iat, "exp - iat"),
        (None, Some(nbf)) => (nbf, "exp - nbf"),
        (None, None) => (ctx.now, "exp - now"),
    };
    let lifetime = exp.saturating_sub(start);
    if lifetime <= ctx.max_lifetime {
        return;
    }
    let alg = alg_label(token);
    out.push(
        Hit::new(
            id::LONG_LIFETIME,
            format!(
                "{alg} token lives {} ({basis}), more than the {} maximum",
                format_duration(lifetime),
                format_duration(ctx.max_lifetime)
            ),
        )
        .with("lifetime_seconds", lifetime)
        .with("max_lifetime_seconds", ctx.max_lifetime)
        .with("basis", basis),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::*;

    fn claims_hit(claims: &str, rule: &str) -> Option<crate::catalog::Hit> {
        rule_hit(&jws(r#"{"alg":"HS256"}"#, claims, &[1; 32]), rule)
    }

    #[test]
    fn no_expiry_fires_without_exp_and_with_a_non_numeric_exp() {
        assert_eq!(claims_hit(r#"{"sub":"1"}"#, "no-expiry").unwrap().message, "HS256 token has no expiry (exp)");
        assert!(claims_hit(r#"{"exp":"tomorrow"}"#, "no-expiry").is_some());
        assert!(claims_hit(r#"{"exp":1700000100}"#, "no-expiry").is_none());
        assert!(claims_hit(r#"{"exp":1700000100.5}"#, "no-expiry").is_none());
    }

    #[test]
    fn no_expiry_stays_silent_when_claims_cannot_be_read() {
        assert!(rule_hit(&jwe(r#"{"alg":"dir","enc":"A128GCM"}"#), "no-expiry").is_none());
        assert!(
            rule_hit(&format!("{}.{}.AQID", b64(br#"{"alg":"HS256"}"#), b64(b"plain text")), "no-expiry").is_none()
        );
    }

    #[test]
    fn long_lifetime_prefers_iat_then_nbf_then_now() {
        let day = 86_400;
        let hit = claims_hit(&format!(r#"{{"iat":{NOW},"nbf":{NOW},"exp":{}}}"#, NOW + 2 * day), "long-lifetime");
        let hit = hit.unwrap();
        assert_eq!(hit.evidence["basis"], "exp - iat");
        assert_eq!(hit.evidence["lifetime_seconds"], 2 * day);
        assert_eq!(hit.evidence["max_lifetime_seconds"], day);
        assert_eq!(hit.message, "HS256 token lives 2d (exp - iat), more than the 1d maximum");

        let hit = claims_hit(&format!(r#"{{"nbf":{NOW},"exp":{}}}"#, NOW + 3 * day), "long-lifetime").unwrap();
        assert_eq!(hit.evidence["basis"], "exp - nbf");
        let hit = claims_hit(&format!(r#"{{"exp":{}}}"#, NOW + 3 * day), "long-lifetime").unwrap();
        assert_eq!(hit.evidence["basis"], "exp - now");
    }

    #[test]
    fn long_lifetime_is_silent_at_or_under_the_limit_and_for_expired_tokens() {
        let day = 86_400;
        assert!(claims_hit(&format!(r#"{{"iat":{NOW},"exp":{}}}"#, NOW + day), "long-lifetime").is_none());
        assert!(claims_hit(&format!(r#"{{"exp":{}}}"#, NOW - 10), "long-lifetime").is_none());
        assert!(claims_hit(r#"{"iat":1}"#, "long-lifetime").is_none());
    }

    #[test]
    fn long_lifetime_honours_the_configured_maximum() {
        let ctx = crate::rules::CheckSettings::new(&crate::config::Settings {
            now: NOW,
            max_lifetime: 600,
            ..Default::default()
        });
        let token = jws(r#"{"alg":"HS256"}"#, &format!(r#"{{"iat":{NOW},"exp":{}}}"#, NOW + 3600), &[1; 32]);
        assert!(hits_with(&token, &ctx).iter().any(|hit| hit.rule == "long-lifetime"));
    }

    #[test]
    fn long_lifetime_survives_extreme_dates() {
        let hit = claims_hit(r#"{"iat":-9223372036854775808,"exp":9223372036854775807}"#, "long-lifetime").unwrap();
        assert_eq!(hit.evidence["lifetime_seconds"], i64::MAX);
    }
}
