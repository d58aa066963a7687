//! Published example tokens and keys (the JOSE RFCs, jwt.io, vendor documentation), recognised by
//! SHA-256 from `rules/examples.toml`: a finding on one of them is an `example` for every rule.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    token: Vec<TokenEntry>,
    key: Vec<KeyEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenEntry {
    sha256: String,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    sha256: String,
    #[serde(default)]
    secret_sha256: Option<String>,
    source: String,
}

struct Examples {
    tokens: HashMap<String, String>,
    keys: HashMap<String, String>,
}

static EXAMPLES: LazyLock<Examples> = LazyLock::new(|| {
    parse(include_str!("../../rules/examples.toml")).expect("rules/examples.toml is checked by a test")
});

fn parse(text: &str) -> Result<Examples, String> {
    let file: File = toml::from_str(text).map_err(|err| err.to_string())?;
    let mut tokens = HashMap::new();
    for entry in file.token {
        check_hash(&entry.sha256)?;
        tokens.insert(entry.sha256, entry.source);
    }
    let mut keys = HashMap::new();
    for entry in file.key {
        check_hash(&entry.sha256)?;
        if let Some(secret) = entry.secret_sha256 {
            check_hash(&secret)?;
            keys.insert(secret, entry.source.clone());
        }
        keys.insert(entry.sha256, entry.source);
    }
    Ok(Examples { tokens, keys })
}

fn check_hash(hash: &str) -> Result<(), String> {
    if hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(format!("`{hash}` is not a lowercase hex SHA-256"))
    }
}

/// Where a published example token comes from, by its `token_sha256`.
pub fn example_token(sha256: &str) -> Option<&'static str> {
    EXAMPLES.tokens.get(sha256).map(String::as_str)
}

/// Where a published example key comes from, by the SHA-256 of its private member as written
/// (`d`, or `k` of an `oct` key) or of an `oct` key's decoded bytes.
pub fn example_key(sha256: &str) -> Option<&'static str> {
    EXAMPLES.keys.get(sha256).map(String::as_str)
}

/// The built-in text of a source named `text`, as `example_token` and `example_key` give it.
pub fn source(text: &str) -> Option<&'static str> {
    static SOURCES: LazyLock<std::collections::HashSet<&'static str>> =
        LazyLock::new(|| EXAMPLES.tokens.values().chain(EXAMPLES.keys.values()).map(String::as_str).collect());
    SOURCES.get(text).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex::sha256_hex;

    #[derive(Deserialize)]
    struct Published {
        #[serde(default)]
        token: Vec<PublishedToken>,
        #[serde(default)]
        key: Vec<PublishedKey>,
    }

    #[derive(Deserialize)]
    struct PublishedToken {
        source: String,
        text: String,
    }

    #[derive(Deserialize)]
    struct PublishedKey {
        source: String,
        jwk: String,
    }

    fn published() -> Published {
        let mut tokens: Published = toml::from_str(include_str!("../../tests/fixtures/published/tokens.toml")).unwrap();
        let keys: Published = toml::from_str(include_str!("../../tests/fixtures/published/keys.toml")).unwrap();
        tokens.key = keys.key;
        tokens
    }

    /// Every published text whose source starts with `prefix` hashes to an entry with that source.
    fn check_source(prefix: &str) {
        let published = published();
        let mut seen = 0;
        for token in published.token.iter().filter(|token| token.source.starts_with(prefix)) {
            assert_eq!(
                example_token(&sha256_hex(token.text.as_bytes())),
                Some(token.source.as_str()),
                "{}",
                token.source
            );
            seen += 1;
        }
        for key in published.key.iter().filter(|key| key.source.starts_with(prefix)) {
            let jwk: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&key.jwk).unwrap();
            let member = if jwk["kty"] == "oct" { "k" } else { "d" };
            let text = jwk[member].as_str().unwrap();
            assert_eq!(example_key(&sha256_hex(text.as_bytes())), Some(key.source.as_str()), "{}", key.source);
            if member == "k" {
                let bytes = crate::token::b64url_decode(text).unwrap();
                assert_eq!(example_key(&sha256_hex(&bytes)), Some(key.source.as_str()), "{}", key.source);
            }
            seen += 1;
        }
        assert!(seen > 0, "no published text for {prefix}");
    }

    #[test]
    fn rfc_7515_examples_hash_to_their_entries() {
        check_source("RFC 7515");
    }

    #[test]
    fn rfc_7516_examples_hash_to_their_entries() {
        check_source("RFC 7516");
    }

    #[test]
    fn rfc_7517_example_keys_hash_to_their_entries() {
        check_source("RFC 7517");
    }

    #[test]
    fn rfc_7518_example_keys_hash_to_their_entries() {
        check_source("RFC 7518");
    }

    #[test]
    fn rfc_7519_examples_hash_to_their_entries() {
        check_source("RFC 7519");
    }

    #[test]
    fn rfc_7520_examples_hash_to_their_entries() {
        check_source("RFC 7520");
    }

    #[test]
    fn rfc_8037_examples_hash_to_their_entries() {
        check_source("RFC 8037");
    }

    #[test]
    fn rfc_7797_examples_hash_to_their_entries() {
        check_source("RFC 7797");
    }

    #[test]
    fn jwt_io_sample_hashes_to_its_entry() {
        check_source("jwt.io");
    }

    #[test]
    fn supabase_local_development_keys_hash_to_their_entries() {
        check_source("Supabase");
    }

    #[test]
    fn every_listed_hash_comes_from_a_published_text() {
        let published = published();
        let mut from_texts: Vec<String> =
            published.token.iter().map(|token| sha256_hex(token.text.as_bytes())).collect();
        for key in &published.key {
            let jwk: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&key.jwk).unwrap();
            let text = jwk.get("d").or_else(|| jwk.get("k")).and_then(|v| v.as_str()).unwrap();
            from_texts.push(sha256_hex(text.as_bytes()));
            if jwk["kty"] == "oct" {
                from_texts.push(sha256_hex(&crate::token::b64url_decode(text).unwrap()));
            }
        }
        for hash in EXAMPLES.tokens.keys().chain(EXAMPLES.keys.keys()) {
            assert!(from_texts.contains(hash), "{hash} is listed without a published text");
        }
    }

    #[test]
    fn the_data_parses_and_bad_hashes_are_errors() {
        assert!(EXAMPLES.tokens.len() >= 34 && EXAMPLES.keys.len() >= 30);
        assert!(parse("token = [{ sha256 = \"ABC\", source = \"x\" }]\nkey = []").is_err());
        assert!(parse("token = []\nkey = [{ sha256 = \"00\", source = \"x\" }]").is_err());
        assert!(parse("token = []\nkey = []\nextra = 1").is_err());
    }

    #[test]
    fn unknown_hashes_are_not_examples() {
        assert_eq!(example_token(&sha256_hex(b"eyJhbGciOiJub25lIn0.e30.")), None);
        assert_eq!(example_key(&"0".repeat(64)), None);
    }
}
