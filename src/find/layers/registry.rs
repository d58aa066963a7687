//! Pull secrets: the registry a token authenticates to, from the Docker `auths` map it sits in
//! (`config.json`, a Kubernetes `.dockerconfigjson`), so that a token there counts as a
//! credential for that registry even without an `iss`.

/// How far before a token its `auths` map and registry key are looked for.
const LOOK_BACK: usize = 4096;
/// Longest registry key taken.
const MAX_KEY: usize = 256;

/// The key of the `auths` entry whose object holds `at` (`"registry.redhat.io": {"auth": "…"}`),
/// as written; `None` unless an `"auths"` member opens before it within the look-back.
pub fn registry_key(text: &[u8], at: usize) -> Option<&str> {
    let at = at.min(text.len());
    let from = at.saturating_sub(LOOK_BACK);
    let window = &text[from..at];
    let auths = memchr::memmem::rfind(window, b"\"auths\"")?;
    let entry = &window[auths + 7..];
    // The entry's object opens at the last `{` and has not closed before the token.
    let open = memchr::memrchr(b'{', entry)?;
    if memchr::memchr(b'}', &entry[open..]).is_some() {
        return None;
    }
    let before = entry[..open].trim_ascii_end().strip_suffix(b":")?.trim_ascii_end().strip_suffix(b"\"")?;
    let quote = memchr::memrchr(b'"', before)?;
    let key = &before[quote + 1..];
    if key.is_empty() || key.len() > MAX_KEY || key.iter().any(|b| b.is_ascii_whitespace() || *b == b'\\') {
        return None;
    }
    std::str::from_utf8(key).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> Option<&str> {
        registry_key(text.as_bytes(), text.find("TOKEN").unwrap())
    }

    #[test]
    fn the_entry_holding_the_token_names_the_registry() {
        let config = r#"{"auths":{"quay.io":{"auth":"x"},"registry.redhat.io":{"auth":"TOKEN","email":""}}}"#;
        assert_eq!(key(config), Some("registry.redhat.io"));
        let pretty = "{\n  \"auths\": {\n    \"https://index.docker.io/v1/\": {\n      \"auth\": \"TOKEN\"\n";
        assert_eq!(key(pretty), Some("https://index.docker.io/v1/"));
    }

    #[test]
    fn without_an_auths_map_or_outside_an_entry_there_is_none() {
        assert_eq!(key(r#"{"registry.redhat.io":{"auth":"TOKEN"}}"#), None);
        assert_eq!(key(r#"{"auths":{"quay.io":{"auth":"x"}},"token":"TOKEN"}"#), None);
    }
}
