//! Claims heuristics: does a token name only reserved example names (`example.com`, `*.test`,
//! `urn:example:` …), and does it look like a real credential (live, naming a real issuer or
//! audience, or a privileged product)?

use serde_json::{Map, Value};

use super::data::DATA;

/// Longest claim value looked at; longer ones are not names.
const MAX_NAME: usize = 512;

/// Whether `value` is a reserved example name: a URL, email address or host under a reserved
/// domain or top-level label, a loopback host, or an `urn:example:` name.
pub fn reserved_name(value: &str) -> bool {
    let reserved = &DATA.reserved;
    let lowered = value.trim().to_ascii_lowercase();
    if reserved.prefixes.iter().any(|prefix| lowered.starts_with(prefix.as_str())) {
        return true;
    }
    let Some(host) = host_of(&lowered) else { return false };
    reserved.hosts.iter().any(|name| *name == host)
        || reserved.domains.iter().any(|domain| host == *domain || host.ends_with(&format!(".{domain}")))
        || host.rsplit('.').next().is_some_and(|tld| reserved.tlds.iter().any(|name| name == tld))
}

/// Whether `value` names a host that could be a real service: a domain with an alphabetic top-level
/// label, or an IPv4 address off loopback, and not a reserved name. Bare words (`joe`, `test`,
/// `issuer`) are not: fixtures use them, real issuers are URLs or domains.
fn real_name(value: &str) -> bool {
    if reserved_name(value) {
        return false;
    }
    let lowered = value.trim().to_ascii_lowercase();
    let Some(host) = host_of(&lowered) else { return false };
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() == 4 && labels.iter().all(|label| label.parse::<u8>().is_ok()) {
        return labels[0] != "127" && host != "0.0.0.0";
    }
    labels.len() >= 2
        && labels.iter().all(|label| !label.is_empty())
        && labels.last().is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// The host a name refers to: of a URL (`https://user@host:443/path`), of an email address, or the
/// value itself when it is a bare host. `None` for anything else (spaces, empty).
fn host_of(value: &str) -> Option<&str> {
    if value.is_empty() || value.len() > MAX_NAME || value.contains(char::is_whitespace) {
        return None;
    }
    let rest = match value.find("://") {
        Some(at) => &value[at + 3..],
        None => value,
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = if let Some(bracketed) = host.strip_prefix('[') {
        bracketed.split(']').next()?
    } else if host.matches(':').count() == 1 {
        host.split(':').next()?
    } else {
        host
    };
    let host = host.trim_end_matches('.');
    (!host.is_empty()).then_some(host)
}

/// The string values of a claim that is a string or an array of strings.
fn names<'a>(claims: &'a Map<String, Value>, claim: &str) -> Vec<&'a str> {
    match claims.get(claim) {
        Some(Value::String(value)) => vec![value.as_str()],
        Some(Value::Array(values)) => values.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether the names a token carries are all reserved example names: its issuer and audience, or,
/// when it has neither, its subject and email. A token naming nothing is not an example by claims.
pub fn names_example(claims: &Map<String, Value>) -> bool {
    let mut named: Vec<&str> = names(claims, "iss");
    named.extend(names(claims, "aud"));
    if named.is_empty() {
        named.extend(names(claims, "sub"));
        named.extend(names(claims, "email"));
    }
    !named.is_empty() && named.iter().all(|name| reserved_name(name))
}

/// Whether a token looks like a real credential wherever it sits: live at `now` (or without a
/// readable `exp`), and naming a real issuer or audience, or matching a privileged issuer profile.
pub fn looks_real(claims: &Map<String, Value>, now: i64, privileged: bool) -> bool {
    real_reason(claims, now, privileged).is_some()
}

/// Why a token looks like a real credential (see `looks_real`), or `None`. An issuer that is a
/// reserved example name (`issuer.example.com`) makes it an example whatever its audience says.
pub fn real_reason(claims: &Map<String, Value>, now: i64, privileged: bool) -> Option<String> {
    let live = match claims.get("exp").and_then(Value::as_f64) {
        Some(exp) if exp > now as f64 => "live",
        Some(_) => return None,
        None => "never expires",
    };
    if privileged {
        return Some(format!("{live}, from a privileged issuer profile"));
    }
    let issuers = names(claims, "iss");
    if issuers.iter().any(|name| reserved_name(name)) {
        return None;
    }
    let host = issuers.into_iter().chain(names(claims, "aud")).find(|name| real_name(name))?;
    let host = host_of(&host.trim().to_ascii_lowercase()).map(|host| host.chars().take(80).collect::<String>())?;
    Some(format!("{live}, names the real host {host}"))
}

/// The host of a registry key (`registry.redhat.io`, `https://index.docker.io/v1/`) when it is
/// a real one, not a reserved or loopback name.
pub fn real_registry(key: &str) -> Option<String> {
    let lowered = key.trim().to_ascii_lowercase();
    if !real_name(&lowered) {
        return None;
    }
    host_of(&lowered).map(|host| host.chars().take(80).collect())
}

/// Subjects, names and issue times that fixtures copy from the jwt.io sample and tutorials.
const EXAMPLE_SUBJECTS: [&str; 4] = ["1234567890", "0123456789", "user123", "test-user"];
const EXAMPLE_NAMES: [&str; 4] = ["john doe", "jane doe", "john smith", "test user"];
const JWT_IO_IAT: i64 = 1_516_239_022;

/// What in a token's own claims says it is a fixture: the jwt.io sample's subject, name or issue
/// time, an example person, an email under a reserved domain.
pub fn fixture_claims(claims: &Map<String, Value>) -> Vec<&'static str> {
    let mut signs = Vec::new();
    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(|value| value.trim().to_ascii_lowercase());
    if text("sub").is_some_and(|sub| EXAMPLE_SUBJECTS.contains(&sub.as_str())) {
        signs.push("an example subject");
    }
    if text("name").is_some_and(|name| EXAMPLE_NAMES.contains(&name.as_str())) {
        signs.push("an example name");
    }
    if names(claims, "email").into_iter().any(reserved_name) {
        signs.push("an example email address");
    }
    if claims.get("iat").and_then(Value::as_i64) == Some(JWT_IO_IAT) {
        signs.push("the jwt.io sample's issue time");
    }
    signs
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn claims(json: &str) -> Map<String, Value> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn reserved_domains_tlds_hosts_and_urns_are_reserved() {
        for name in [
            "https://example.com",
            "https://auth.example.org/realms/x",
            "example.net",
            "alice@example.com",
            "https://issuer.example",
            "https://api.test:8443/",
            "http://service.invalid",
            "http://localhost:8080",
            "http://127.0.0.1:3000/auth",
            "http://[::1]:80",
            "urn:example:client",
            "URN:EXAMPLE:audience",
            "https://EXAMPLE.COM.",
        ] {
            assert!(reserved_name(name), "{name}");
        }
    }

    #[test]
    fn real_and_lookalike_names_are_not_reserved() {
        for name in [
            "https://accounts.google.com",
            "https://example.co",
            "https://myexample.com",
            "https://example.com.evil.io",
            "urn:acme:example",
            "joe",
            "",
        ] {
            assert!(!reserved_name(name), "{name}");
        }
    }

    #[test]
    fn hosts_are_taken_from_urls_emails_and_bare_names() {
        assert_eq!(host_of("https://user:pw@auth.acme.io:443/x?y#z"), Some("auth.acme.io"));
        assert_eq!(host_of("bob@acme.io"), Some("acme.io"));
        assert_eq!(host_of("acme.io"), Some("acme.io"));
        assert_eq!(host_of("http://[::1]:80/"), Some("::1"));
        assert_eq!(host_of("two words"), None);
        assert_eq!(host_of(&"a".repeat(MAX_NAME + 1)), None);
    }

    #[test]
    fn a_token_naming_only_example_issuer_and_audience_is_an_example() {
        assert!(names_example(&claims(r#"{"iss":"https://server.example.com","aud":["urn:example:api"]}"#)));
        assert!(names_example(&claims(r#"{"sub":"alice@example.org"}"#)));
        assert!(!names_example(&claims(r#"{"iss":"https://server.example.com","aud":"https://api.acme.io"}"#)));
        assert!(!names_example(&claims(r#"{"sub":"1234567890","name":"John Doe"}"#)));
        assert!(!names_example(&claims(r#"{}"#)));
    }

    #[test]
    fn issuer_and_audience_hide_subject_and_email() {
        // A real issuer makes it real even when the subject's email is an example address.
        assert!(!names_example(&claims(r#"{"iss":"https://login.acme.io","email":"a@example.com"}"#)));
    }

    #[test]
    fn a_live_token_with_a_real_issuer_or_audience_looks_real() {
        assert!(looks_real(&claims(r#"{"iss":"https://login.acme.io","exp":1800000000}"#), NOW, false));
        assert!(looks_real(&claims(r#"{"aud":["urn:example:x","https://api.acme.io"]}"#), NOW, false));
        assert!(looks_real(&claims(r#"{"iss":"https://10.0.3.7/auth"}"#), NOW, false));
    }

    #[test]
    fn expired_example_or_nameless_tokens_do_not_look_real() {
        assert!(!looks_real(&claims(r#"{"iss":"https://login.acme.io","exp":1600000000}"#), NOW, false));
        assert!(!looks_real(&claims(r#"{"iss":"https://login.example.com"}"#), NOW, false));
        assert!(!looks_real(&claims(r#"{"iss":"joe","aud":"test"}"#), NOW, false));
        assert!(!looks_real(&claims(r#"{"sub":"1"}"#), NOW, false));
        assert!(!looks_real(&claims(r#"{"iss":"http://localhost:9000"}"#), NOW, false));
    }

    #[test]
    fn a_reserved_issuer_is_an_example_whatever_the_audience() {
        let fixture = claims(r#"{"iss":"https://issuer.example.com","aud":"https://api.acme.io","sub":"1234567890"}"#);
        assert!(!looks_real(&fixture, NOW, false));
        assert_eq!(fixture_claims(&fixture), ["an example subject"]);
    }

    #[test]
    fn the_reason_names_liveness_and_the_real_host() {
        let reason = real_reason(&claims(r#"{"aud":"https://svc:pw@API.acme.io:443/x"}"#), NOW, false);
        assert_eq!(reason.as_deref(), Some("never expires, names the real host api.acme.io"));
        let reason = real_reason(&claims(r#"{"iss":"k8s","exp":1800000000}"#), NOW, true);
        assert_eq!(reason.as_deref(), Some("live, from a privileged issuer profile"));
    }

    #[test]
    fn jwt_io_sample_claims_are_fixture_signs() {
        let sample = claims(r#"{"sub":"1234567890","name":"John Doe","iat":1516239022,"email":"john@example.com"}"#);
        assert_eq!(fixture_claims(&sample).len(), 4);
        assert!(fixture_claims(&claims(r#"{"sub":"u-81f2","name":"Ada"}"#)).is_empty());
    }

    #[test]
    fn a_live_privileged_profile_looks_real_without_a_domain() {
        assert!(looks_real(&claims(r#"{"iss":"kubernetes/serviceaccount"}"#), NOW, true));
        assert!(!looks_real(&claims(r#"{"iss":"kubernetes/serviceaccount","exp":1}"#), NOW, true));
    }
}
