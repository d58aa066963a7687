//! The two URLs verification fetches, checked before any connection: the issuer (from a token's
//! `iss`, so attacker-chosen) and the `jwks_uri` its discovery document names. Strict on purpose:
//! only plain `https://host[:port]/path` survives, so nothing odd reaches the HTTP client.

/// Longest URL accepted; real issuers and key-set URLs are well under 200 bytes.
const MAX_URL: usize = 2048;

/// Key-set hosts that differ from their issuer's host by the provider's own published design.
const KNOWN_KEY_HOSTS: &[(&str, &str)] = &[("accounts.google.com", "www.googleapis.com")];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpsUrl {
    /// The URL as given (the issuer text is also what the discovery document must repeat).
    pub text: String,
    /// Lower-cased host; IPv6 literals keep their brackets.
    pub host: String,
    pub port: u16,
}

/// Parses an `https` URL with no user info, query or fragment (a query is allowed when `query`
/// is set: some providers version their key-set URL that way).
pub fn parse_https(text: &str, query: bool) -> Result<HttpsUrl, &'static str> {
    if text.len() > MAX_URL {
        return Err("URL too long");
    }
    if !text.bytes().all(|b| b.is_ascii_graphic() && b != b'\\' && b != b'#' && (query || b != b'?')) {
        return Err("not a plain URL");
    }
    let rest = match text.get(..8) {
        Some(scheme) if scheme.eq_ignore_ascii_case("https://") => &text[8..],
        _ => return Err("not https"),
    };
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    if authority.contains('@') {
        return Err("URL holds user info");
    }
    let (host, port) = split_port(authority).ok_or("bad host or port")?;
    let valid_host = if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        inner.parse::<std::net::Ipv6Addr>().is_ok()
    } else {
        !host.is_empty()
            && host.len() <= 253
            && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    };
    if !valid_host {
        return Err("bad host or port");
    }
    Ok(HttpsUrl { text: text.to_owned(), host: host.to_ascii_lowercase(), port })
}

fn split_port(authority: &str) -> Option<(&str, u16)> {
    let colon = match authority.rfind(':') {
        Some(colon) if !authority[colon..].contains(']') => colon,
        _ => return Some((authority, 443)),
    };
    let digits = &authority[colon + 1..];
    if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let port = digits.parse().ok().filter(|&port| port != 0)?;
    Some((&authority[..colon], port))
}

/// The OpenID discovery document of an issuer (OIDC Discovery §4: a trailing `/` is dropped).
pub fn discovery(issuer: &HttpsUrl) -> String {
    format!("{}/.well-known/openid-configuration", issuer.text.trim_end_matches('/'))
}

/// Whether a key-set URL may be fetched for this issuer: same host and port, or a known pair.
pub fn key_host_allowed(issuer: &HttpsUrl, keys: &HttpsUrl) -> bool {
    (issuer.host == keys.host && issuer.port == keys.port)
        || (issuer.port == 443
            && keys.port == 443
            && KNOWN_KEY_HOSTS.iter().any(|&(from, to)| issuer.host == from && keys.host == to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_host_port_and_keeps_the_text() {
        let url = parse_https("https://Login.Example.com:8443/tenant/v2.0", false).expect("valid");
        assert_eq!((url.host.as_str(), url.port), ("login.example.com", 8443));
        assert_eq!(url.text, "https://Login.Example.com:8443/tenant/v2.0");
        let url = parse_https("HTTPS://[::1]/", false).expect("valid");
        assert_eq!((url.host.as_str(), url.port), ("[::1]", 443));
    }

    #[test]
    fn refuses_other_schemes_user_info_and_odd_characters() {
        for (text, why) in [
            ("http://idp.example.com", "not https"),
            ("file:///etc/passwd", "not https"),
            ("https://user@idp.example.com", "URL holds user info"),
            ("https://idp.example.com/a b", "not a plain URL"),
            ("https://idp.example.com/#x", "not a plain URL"),
            ("https://idp.example.com/?x=1", "not a plain URL"),
            ("https://idp.example.com\\@evil", "not a plain URL"),
            ("https://idp.example.com\u{1b}[31m", "not a plain URL"),
            ("https://idp.example.com:0/", "bad host or port"),
            ("https://idp.example.com:99999/", "bad host or port"),
            ("https://:443/", "bad host or port"),
            ("https://[nope]/", "bad host or port"),
            ("https://idp_example.com/", "bad host or port"),
        ] {
            assert_eq!(parse_https(text, false), Err(why), "{text}");
        }
        assert!(parse_https("https://idp.example.com/keys?v=2", true).is_ok());
    }

    #[test]
    fn discovery_url_drops_a_trailing_slash() {
        let issuer = parse_https("https://idp.example.com/realm/", false).expect("valid");
        assert_eq!(discovery(&issuer), "https://idp.example.com/realm/.well-known/openid-configuration");
    }

    #[test]
    fn key_set_must_be_on_the_issuer_host_and_port() {
        let issuer = parse_https("https://idp.example.com", false).expect("valid");
        let same = parse_https("https://IDP.example.com/keys", true).expect("valid");
        let other_host = parse_https("https://evil.example.com/keys", true).expect("valid");
        let other_port = parse_https("https://idp.example.com:8443/keys", true).expect("valid");
        assert!(key_host_allowed(&issuer, &same));
        assert!(!key_host_allowed(&issuer, &other_host));
        assert!(!key_host_allowed(&issuer, &other_port));
        let google = parse_https("https://accounts.google.com", false).expect("valid");
        let certs = parse_https("https://www.googleapis.com/oauth2/v3/certs", true).expect("valid");
        assert!(key_host_allowed(&google, &certs));
        assert!(!key_host_allowed(&issuer, &certs));
    }
}
