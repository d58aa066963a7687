//! Header parameters that let the token choose its own verification key: `embedded-jwk`,
//! `key-url-header` and `kid-injection`.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::{CheckSettings, Hit, alg_label, id, truncate};
use crate::token::Token;

/// Evidence strings are cut here: enough to recognise the value, bounded whatever the token holds.
const KID_SHOWN: usize = 100;
const URL_SHOWN: usize = 200;

pub fn embedded_jwk(token: &Token<'_>, _: &CheckSettings, out: &mut Vec<Hit>) {
    let Some(jwk) = token.header.get("jwk") else { return };
    let alg = alg_label(token);
    let mut hit = Hit::new(id::EMBEDDED_JWK, format!("{alg} token header embeds its own verification key (jwk)"));
    if let Some(kty) = jwk.get("kty").and_then(Value::as_str) {
        hit = hit.with("kty", truncate(kty, 16));
    }
    // A private part in the header is worse still: the key itself has leaked with the token.
    let private = ["d", "p", "q", "k"].iter().any(|member| jwk.get(member).is_some());
    out.push(hit.with("private_key_material", private));
}

pub fn key_url_header(token: &Token<'_>, _: &CheckSettings, out: &mut Vec<Hit>) {
    let mut hit: Option<Hit> = None;
    let mut names = Vec::new();
    for name in ["jku", "x5u"] {
        let Some(value) = token.header.get(name) else { continue };
        let shown = match value {
            Value::String(url) => truncate(url, URL_SHOWN),
            other => truncate(&other.to_string(), URL_SHOWN),
        };
        hit = Some(hit.unwrap_or_else(|| Hit::new(id::KEY_URL_HEADER, "")).with(name, shown));
        names.push(name);
    }
    if let Some(mut hit) = hit {
        hit.message =
            format!("{} token header names a URL to fetch its key from ({})", alg_label(token), names.join(", "));
        out.push(hit);
    }
}

pub fn kid_injection(token: &Token<'_>, _: &CheckSettings, out: &mut Vec<Hit>) {
    let Some(kid) = token.header.get("kid").and_then(Value::as_str) else { return };
    let kinds = kid_problems(kid);
    if kinds.is_empty() {
        return;
    }
    let described: Vec<&str> = kinds.iter().map(|kind| describe(kind)).collect();
    out.push(
        Hit::new(id::KID_INJECTION, format!("kid header holds {}", described.join(" and ")))
            .with("kid", truncate(kid, KID_SHOWN))
            .with("kinds", kinds),
    );
}

fn describe(kind: &str) -> &'static str {
    match kind {
        "path-traversal" => "a file path",
        "sql" => "SQL syntax",
        _ => "shell metacharacters",
    }
}

/// SQL keywords are only looked for when the kid holds a space, tab, parenthesis or comment, since
/// an injection needs one of them to separate tokens and real key ids have none.
static SQL_KEYWORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\bunion\s+(all\s+)?select\b|\bselect\b.*\bfrom\b|\b(or|and)\s+\S+\s*=|\b(sleep|benchmark|pg_sleep)\s*\(|\bwaitfor\s+delay\b|\bdrop\s+table\b",
    )
    .expect("valid regex")
});

/// Which injection families `kid` shows signs of: `path-traversal`, `sql`, `shell`.
fn kid_problems(kid: &str) -> Vec<&'static str> {
    let mut kinds = Vec::new();
    if is_path(kid) {
        kinds.push("path-traversal");
    }
    if is_sql(kid) {
        kinds.push("sql");
    }
    if is_shell(kid) {
        kinds.push("shell");
    }
    kinds
}

fn is_path(kid: &str) -> bool {
    let bytes = kid.as_bytes();
    let traversal = kid.contains("../")
        || kid.contains("..\\")
        || kid == ".."
        || kid.ends_with("/..")
        || kid.ends_with("\\..")
        || contains_ignore_case(bytes, b"%2e%2e")
        || contains_ignore_case(bytes, b"..%2f")
        || contains_ignore_case(bytes, b"..%5c");
    let absolute = kid.starts_with('/')
        || kid.starts_with("\\\\")
        || matches!(bytes, [drive, b':', b'\\' | b'/', ..] if drive.is_ascii_alphabetic());
    // A NUL cuts the path short in C-based file APIs (`../../key\0.pem`).
    traversal || absolute || kid.contains('\0')
}

fn is_sql(kid: &str) -> bool {
    if kid.contains(['\'', '"']) || kid.contains("/*") || kid.contains(" --") || kid.contains("-- ") {
        return true;
    }
    kid.contains([' ', '\t', '(']) && SQL_KEYWORDS.is_match(kid)
}

fn is_shell(kid: &str) -> bool {
    if kid.contains(['|', ';', '`', '<', '>', '\n', '\r']) || kid.contains("$(") || kid.contains("${") {
        return true;
    }
    // A lone `&` is common in URL-shaped kids (`?a=1&b=2`); as a command separator it stands
    // doubled, next to a space, or at the end.
    let bytes = kid.as_bytes();
    bytes.iter().enumerate().any(|(index, &byte)| {
        byte == b'&' && {
            let before = index.checked_sub(1).and_then(|i| bytes.get(i));
            let after = bytes.get(index + 1);
            after.is_none_or(|b| b.is_ascii_whitespace() || *b == b'&')
                || before.is_some_and(|b| b.is_ascii_whitespace())
        }
    })
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::*;

    fn header_hit(header: &str, rule: &str) -> Option<Hit> {
        rule_hit(&jws(header, r#"{"sub":"1"}"#, &[1; 256]), rule)
    }

    #[test]
    fn embedded_jwk_fires_on_a_jwk_header_and_notes_private_parts() {
        let hit = header_hit(r#"{"alg":"RS256","jwk":{"kty":"RSA","n":"AQAB","e":"AQAB"}}"#, "embedded-jwk").unwrap();
        assert_eq!(hit.evidence["kty"], "RSA");
        assert_eq!(hit.evidence["private_key_material"], false);
        let hit = header_hit(r#"{"alg":"HS256","jwk":{"kty":"oct","k":"c2VjcmV0"}}"#, "embedded-jwk").unwrap();
        assert_eq!(hit.evidence["private_key_material"], true);
        assert!(header_hit(r#"{"alg":"RS256","kid":"1"}"#, "embedded-jwk").is_none());
    }

    #[test]
    fn embedded_jwk_applies_to_jwe_headers_too() {
        assert!(rule_hit(&jwe(r#"{"alg":"ECDH-ES","enc":"A128GCM","jwk":{"kty":"EC"}}"#), "embedded-jwk").is_some());
    }

    #[test]
    fn key_url_header_reports_both_urls_in_one_finding() {
        let hit = header_hit(
            r#"{"alg":"RS256","jku":"https://a.example/jwks","x5u":"https://b.example/c"}"#,
            "key-url-header",
        )
        .unwrap();
        assert_eq!(hit.evidence["jku"], "https://a.example/jwks");
        assert_eq!(hit.evidence["x5u"], "https://b.example/c");
        assert!(hit.message.contains("(jku, x5u)"));
        assert!(header_hit(r#"{"alg":"RS256","x5c":["MIIB"]}"#, "key-url-header").is_none());
    }

    #[test]
    fn key_url_evidence_is_bounded() {
        let url = format!("https://a.example/{}", "x".repeat(1000));
        let hit = header_hit(&format!(r#"{{"alg":"RS256","jku":"{url}"}}"#), "key-url-header").unwrap();
        assert_eq!(hit.evidence["jku"].as_str().unwrap().chars().count(), URL_SHOWN + 1);
    }

    #[test]
    fn kid_injection_recognises_each_family() {
        let cases = [
            ("../../../../dev/null", vec!["path-traversal"]),
            ("..\\..\\keys\\k", vec!["path-traversal"]),
            ("/dev/null", vec!["path-traversal"]),
            ("C:\\keys\\k.pem", vec!["path-traversal"]),
            ("%2E%2E%2Fetc%2Fpasswd", vec!["path-traversal"]),
            ("key\0.pem", vec!["path-traversal"]),
            ("x' UNION SELECT 'secret", vec!["sql"]),
            ("1 union all select key from keys", vec!["sql"]),
            ("k1 OR 1=1", vec!["sql"]),
            ("k1/**/union/**/select", vec!["sql"]),
            ("key1 --", vec!["sql"]),
            ("key|whoami", vec!["shell"]),
            ("key; rm -rf /", vec!["shell"]),
            ("$(id)", vec!["shell"]),
            ("`id`", vec!["shell"]),
            ("k && id", vec!["shell"]),
            ("k&", vec!["shell"]),
        ];
        for (kid, kinds) in cases {
            assert_eq!(kid_problems(kid), kinds, "{kid:?}");
        }
    }

    #[test]
    fn kid_injection_accepts_ordinary_key_ids() {
        for kid in [
            "2024-01-key",
            "NjVBRjY5MDlCMUIwNzU4RTA2QzZFMDQ4QzQ2MDAyQjVDNjk1RTM2Qg",
            "a--b_c",
            "d9f1c0e2-4b1c-4bb0-9a63-5d7a2ec3b0c1",
            "https://keys.example/k?a=1&b=2",
            "key.pem",
            "or",
        ] {
            assert!(kid_problems(kid).is_empty(), "{kid:?}");
        }
    }

    #[test]
    fn kid_injection_shows_a_bounded_kid_and_ignores_non_string_kids() {
        let long = format!("../{}", "a".repeat(500));
        let hit = header_hit(&format!(r#"{{"alg":"HS256","kid":"{long}"}}"#), "kid-injection").unwrap();
        assert_eq!(hit.evidence["kid"].as_str().unwrap().chars().count(), KID_SHOWN + 1);
        assert_eq!(hit.message, "kid header holds a file path");
        assert!(header_hit(r#"{"alg":"HS256","kid":["../x"]}"#, "kid-injection").is_none());
    }
}
