//! What the text report shows about a token besides its findings: the header and the few claims
//! that tell a person whose token it is and when it lives. The finding only keeps a redacted
//! token, so these are taken while the full token is still at hand, and taken so that they are
//! safe to print: long values are cut, private key members masked, and only the names of the
//! other claims (never their values) are kept.

use serde_json::{Map, Value};

use crate::config::Settings;
use crate::time::{format_duration, format_time};
use crate::token::{self, Payload};

/// Longest string value shown; longer ones are cut with `…`.
const MAX_VALUE_CHARS: usize = 64;
/// Longest header shown.
const MAX_HEADER_CHARS: usize = 400;
/// Most claim names listed.
const MAX_CLAIM_NAMES: usize = 32;
/// Claims whose values identify the token; shown in this order.
const SHOWN_CLAIMS: [&str; 6] = ["sub", "iss", "aud", "exp", "iat", "nbf"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenDetails {
    /// The header as compact JSON, sanitised.
    pub header: String,
    /// `(name, shown value)` for the claims in `SHOWN_CLAIMS` that are present; dates carry the
    /// time relative to `--now`.
    pub claims: Vec<(&'static str, String)>,
    /// The top-level claim names, in token order, cut short like values; past `MAX_CLAIM_NAMES`
    /// the last entry says how many more there are.
    pub claim_names: Vec<String>,
    /// Set when there is no claims set to show: `encrypted (JWE)` or `not a JSON object`.
    pub payload_note: Option<&'static str>,
}

impl TokenDetails {
    /// `None` when `compact` does not decode (it always does for a found token).
    pub fn of(compact: &str, settings: &Settings) -> Option<Self> {
        let token = token::decode(compact)?;
        let header = truncate(&serde_json::to_string(&sanitize(&Value::Object(token.header))).ok()?, MAX_HEADER_CHARS);
        let (claims, claim_names, payload_note) = match &token.payload {
            Payload::Claims(claims) => {
                let mut names: Vec<String> = claims
                    .keys()
                    .take(MAX_CLAIM_NAMES)
                    .map(|name| truncate(&crate::redact::scrub(name), MAX_VALUE_CHARS))
                    .collect();
                if claims.len() > MAX_CLAIM_NAMES {
                    names.push(format!("… {} more", claims.len() - MAX_CLAIM_NAMES));
                }
                (shown_claims(claims, settings.now), names, None)
            }
            Payload::Opaque | Payload::Truncated => (Vec::new(), Vec::new(), Some("not a JSON object")),
            Payload::Encrypted => (Vec::new(), Vec::new(), Some("encrypted (JWE)")),
        };
        Some(TokenDetails { header, claims, claim_names, payload_note })
    }
}

fn shown_claims(claims: &Map<String, Value>, now: i64) -> Vec<(&'static str, String)> {
    SHOWN_CLAIMS
        .iter()
        .filter_map(|&name| {
            let value = claims.get(name)?;
            let shown = match name {
                "exp" | "iat" | "nbf" => match unix_seconds(value) {
                    Some(seconds) => format!("{} ({})", format_time(seconds), relative(name, seconds, now)),
                    None => compact_json(value),
                },
                _ => match value {
                    Value::String(text) => truncate(&crate::redact::scrub(text), MAX_VALUE_CHARS),
                    other => compact_json(other),
                },
            };
            Some((name, shown))
        })
        .collect()
}

/// A NumericDate as whole seconds; fractions are allowed by RFC 7519 and dropped here.
pub fn unix_seconds(value: &Value) -> Option<i64> {
    if let Some(seconds) = value.as_i64() {
        return Some(seconds);
    }
    let float = value.as_f64()?;
    // Beyond ±2^53 a float no longer names one second, and the cast would saturate.
    (float.is_finite() && float.abs() < 9.0e15).then(|| float.floor() as i64)
}

/// How a date claim relates to `now`, in the words a person would use for that claim.
pub fn relative(claim: &str, seconds: i64, now: i64) -> String {
    let delta = seconds.saturating_sub(now);
    let span = format_duration(delta.saturating_abs());
    match claim {
        "exp" if delta <= 0 => format!("expired {span} ago"),
        "exp" => format!("expires in {span}"),
        "nbf" if delta > 0 => format!("not valid for another {span}"),
        _ if delta > 0 => format!("in {span}, in the future"),
        _ => format!("{span} ago"),
    }
}

fn compact_json(value: &Value) -> String {
    truncate(&serde_json::to_string(&sanitize(value)).unwrap_or_default(), MAX_VALUE_CHARS * 2)
}

/// Masks what `redact` masks in a header or claims (key members at any depth, a JWK given as a
/// JSON string, tokens), then cuts long strings.
fn sanitize(value: &Value) -> Value {
    let mut value = value.clone();
    crate::redact::mask_value(&mut value, false);
    cut_strings(value)
}

fn cut_strings(value: Value) -> Value {
    match value {
        Value::String(text) => Value::String(truncate(&text, MAX_VALUE_CHARS)),
        Value::Array(items) => Value::Array(items.into_iter().map(cut_strings).collect()),
        Value::Object(members) => Value::Object(
            members.into_iter().map(|(name, member)| (truncate(&name, MAX_VALUE_CHARS), cut_strings(member))).collect(),
        ),
        other => other,
    }
}

pub fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(text: &str) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
    }

    fn token(header: &str, claims: &str) -> String {
        format!("{}.{}.", b64(header), b64(claims))
    }

    fn settings_at(now: i64) -> Settings {
        Settings { now, ..Settings::default() }
    }

    #[test]
    fn shows_identity_and_dates_relative_to_now() {
        let compact = token(
            r#"{"alg":"none"}"#,
            r#"{"sub":"alice","aud":["api","web"],"iat":1700000000,"exp":1700003600,"password":"hunter2"}"#,
        );
        let details = TokenDetails::of(&compact, &settings_at(1_700_007_200)).unwrap();
        assert_eq!(details.header, r#"{"alg":"none"}"#);
        assert_eq!(
            details.claims,
            vec![
                ("sub", "alice".to_string()),
                ("aud", r#"["api","web"]"#.to_string()),
                ("exp", "2023-11-14T23:13:20Z (expired 1h ago)".to_string()),
                ("iat", "2023-11-14T22:13:20Z (2h ago)".to_string()),
            ]
        );
        assert_eq!(details.claim_names, ["sub", "aud", "iat", "exp", "password"]);
        assert!(!format!("{details:?}").contains("hunter2"));
    }

    #[test]
    fn masks_private_key_members_in_the_header_and_cuts_long_values() {
        let long = "x".repeat(500);
        let header = format!(r#"{{"alg":"RS256","jwk":{{"kty":"RSA","d":"supersecretexponent","n":"{long}"}}}}"#);
        let details = TokenDetails::of(&token(&header, "{}"), &settings_at(0)).unwrap();
        assert!(!details.header.contains("supersecretexponent"), "{}", details.header);
        assert!(details.header.contains(r#""d":"s**********t""#), "{}", details.header);
        assert!(details.header.len() < 200, "{}", details.header);
    }

    #[test]
    fn a_hostile_claims_set_is_shown_in_bounded_space() {
        let mut claims: Vec<String> = (0..100).map(|index| format!("\"claim{index}\":1")).collect();
        claims.insert(0, format!("\"{}\":1", "n".repeat(10_000)));
        let details =
            TokenDetails::of(&token(r#"{"alg":"none"}"#, &format!("{{{}}}", claims.join(","))), &settings_at(0));
        let details = details.unwrap();
        assert_eq!(details.claim_names.len(), MAX_CLAIM_NAMES + 1);
        assert_eq!(details.claim_names.last().map(String::as_str), Some("… 69 more"));
        assert!(details.claim_names.iter().all(|name| name.chars().count() <= MAX_VALUE_CHARS + 1));
    }

    #[test]
    fn future_dates_and_fractional_seconds_read_naturally() {
        assert_eq!(relative("exp", 100, 40), "expires in 1m");
        assert_eq!(relative("nbf", 100, 40), "not valid for another 1m");
        assert_eq!(relative("iat", 100, 40), "in 1m, in the future");
        assert_eq!(unix_seconds(&serde_json::json!(1.9)), Some(1));
        assert_eq!(unix_seconds(&serde_json::json!(1e300)), None);
    }

    #[test]
    fn notes_encrypted_and_opaque_payloads() {
        let jwe = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0..aXZpdml2aXZpdml2.Y2lwaGVy.dGFndGFndGFndGFn";
        assert_eq!(TokenDetails::of(jwe, &settings_at(0)).unwrap().payload_note, Some("encrypted (JWE)"));
        let opaque = format!("{}.aGVsbG8.", b64(r#"{"alg":"none"}"#));
        assert_eq!(TokenDetails::of(&opaque, &settings_at(0)).unwrap().payload_note, Some("not a JSON object"));
    }
}
