//! Redaction of every copy of secret material a report could carry: the token itself, key
//! material and tokens nested in its header or claims, tokens inside evidence and messages, and
//! tokens or key-like text quoted by config and baseline errors.
//!
//! A redacted token keeps its header so a person can recognise it, but a header may itself carry
//! the secret (an embedded JWK's `k` or `d`, a whole token in `kid`, a token in a `jku` query):
//! such a header is shown re-encoded with those values masked, so it still decodes to a header
//! that says what the token is, and no longer to the secret.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::hex::mask_secret;

/// JWK members that hold private or symmetric key material (RFC 7518 §6), at any depth.
pub const KEY_MEMBERS: [&str; 8] = ["k", "d", "p", "q", "dp", "dq", "qi", "oth"];
/// Payload characters a redacted token shows: six bytes of claims, never a whole value.
const PAYLOAD_PREFIX: usize = 8;
/// Runs of base64 or hex characters at least this long may be masked in error messages (see
/// `key_like`).
const KEY_LIKE_RUN: usize = 24;

/// Enough of a token to recognise it, never enough to replay it or to read a secret it carries:
/// the header (re-encoded with secrets masked when it holds any), the first payload characters,
/// and `[redacted]` for the rest. At least one payload character is always cut.
pub fn token(compact: &str) -> String {
    let mut parts = compact.splitn(3, '.');
    let header = parts.next().unwrap_or("");
    let payload = parts.next().unwrap_or("");
    let shown: String = payload.chars().take(PAYLOAD_PREFIX.min(payload.chars().count().saturating_sub(1))).collect();
    let ellipsis = if payload.len() > shown.len() { "…" } else { "" };
    format!("{}.{shown}{ellipsis}.[redacted]", header_shown(header))
}

/// The header part as a redacted token shows it.
fn header_shown(header: &str) -> Cow<'_, str> {
    let Some(mut json) = URL_SAFE_NO_PAD
        .decode(header.trim_end_matches('='))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
    else {
        // Not JSON: not a header the token search accepts, so nothing to mask but the text itself.
        return if holds_token(header) { Cow::Owned(scrub(header).into_owned()) } else { Cow::Borrowed(header) };
    };
    if !mask_value(&mut json, false) {
        return Cow::Borrowed(header);
    }
    Cow::Owned(URL_SAFE_NO_PAD.encode(serde_json::to_vec(&json).unwrap_or_default()))
}

/// Masks, in place, key members (`KEY_MEMBERS`, everything under them) and tokens inside string
/// values and member names; returns whether anything was masked.
pub fn mask_value(value: &mut Value, under_key_member: bool) -> bool {
    match value {
        Value::String(text) if under_key_member => {
            *text = mask_secret(text);
            true
        }
        // A JWK or key set given as a JSON string (`"jwk":"{\"kty\":…}"`) holds the same keys.
        Value::String(text) if text.trim_start().starts_with(['{', '[']) => {
            let Ok(mut inner) = serde_json::from_str::<Value>(text) else { return mask_text(text) };
            if !mask_value(&mut inner, false) {
                return false;
            }
            *text = inner.to_string();
            true
        }
        Value::String(text) => mask_text(text),
        Value::Array(items) => items.iter_mut().fold(false, |masked, item| mask_value(item, under_key_member) | masked),
        Value::Object(members) => mask_members(members, under_key_member),
        Value::Number(_) if under_key_member => {
            *value = Value::String("****".to_string());
            true
        }
        _ => false,
    }
}

/// Redacts the tokens in `text`; returns whether there were any.
fn mask_text(text: &mut String) -> bool {
    match scrub(text) {
        Cow::Owned(scrubbed) => {
            *text = scrubbed;
            true
        }
        Cow::Borrowed(_) => false,
    }
}

/// `mask_value` over an object's members: evidence maps are masked with it.
pub fn mask_members(members: &mut Map<String, Value>, under_key_member: bool) -> bool {
    let renamed: Vec<(String, String)> = members
        .keys()
        .filter_map(|name| match scrub(name) {
            Cow::Owned(scrubbed) => Some((name.clone(), scrubbed)),
            Cow::Borrowed(_) => None,
        })
        .collect();
    let mut masked = !renamed.is_empty();
    for (from, to) in renamed {
        if let Some(member) = members.remove(&from) {
            members.insert(to, member);
        }
    }
    for (name, member) in members.iter_mut() {
        masked |= mask_value(member, under_key_member || KEY_MEMBERS.contains(&name.as_str()));
    }
    masked
}

/// Whether `text` holds a compact token (or a base64-wrapped one).
pub fn holds_token(text: &str) -> bool {
    let mut found = Vec::new();
    crate::find::find_tokens(text.as_bytes(), &mut found);
    !found.is_empty()
}

/// `text` with every token in it replaced by its redaction.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let mut found = Vec::new();
    crate::find::find_tokens(text.as_bytes(), &mut found);
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for candidate in &found {
        if candidate.start < at || !text.is_char_boundary(candidate.start) || !text.is_char_boundary(candidate.end) {
            continue;
        }
        out.push_str(&text[at..candidate.start]);
        // The inner token of a base64 wrapper is shown redacted; the wrapper text never.
        out.push_str(&token(candidate.compact(text.as_bytes())));
        at = candidate.end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// An error message made safe to print: tokens redacted, runs that look like keys (base64, hex,
/// PEM bodies) cut to their first four characters and their length.
pub fn error_message(text: &str) -> String {
    mask_runs(text, false)
}

/// `error_message` for text that quotes a file the scanned change may have written (a config, a
/// baseline, an ignore comment): a key there can be short (a 128-bit `oct` key is 22 characters,
/// a weak secret fewer). So what such a message quotes (between backticks or double quotes, and
/// the source lines a parser error shows, `12 | …`) is cut whole when it looks like a short key
/// too (`short_key_like`, from 6 characters), with only its length shown.
pub fn input_message(text: &str) -> String {
    mask_runs(text, true)
}

fn mask_runs(text: &str, quoted_keys: bool) -> String {
    let scrubbed = scrub(text);
    let mut out = String::with_capacity(scrubbed.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String, quoted: bool| {
        if quoted && short_key_like(run) {
            out.push_str(&format!("…({} characters hidden)", run.chars().count()));
        } else if key_like(run) {
            let head: String = run.chars().take(4).collect();
            out.push_str(&format!("{head}…({} characters hidden)", run.chars().count()));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for line in scrubbed.split_inclusive('\n') {
        let excerpt = quoted_keys && is_source_excerpt(line);
        let (mut backticks, mut quotes) = (false, false);
        for c in line.chars() {
            if c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_') {
                run.push(c);
                continue;
            }
            flush(&mut run, &mut out, quoted_keys && (excerpt || backticks || quotes));
            match c {
                '`' => backticks = !backticks,
                '"' => quotes = !quotes,
                _ => {}
            }
            out.push(c);
        }
        flush(&mut run, &mut out, quoted_keys && (excerpt || backticks || quotes));
    }
    out
}

/// A line a parser error quotes from its input: `12 | text` (TOML, as `toml` prints it).
fn is_source_excerpt(line: &str) -> bool {
    let line = line.trim_start();
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && line[digits..].starts_with(" |")
}

/// An error from reading a file the scanned change may have written (config, baseline), made safe
/// for the terminal: `error_message`, then every line's control characters made visible. Line
/// breaks stay (parser errors quote the offending line below the message).
pub fn error(err: &anyhow::Error) -> anyhow::Error {
    let masked = input_message(&format!("{err:#}"));
    anyhow::anyhow!("{}", masked.split('\n').map(crate::escape::terminal).collect::<Vec<_>>().join("\n"))
}

/// `error_message` with each line escaped for a terminal.
pub fn safe_lines(text: &str) -> String {
    let masked = error_message(text);
    masked.split('\n').map(crate::escape::terminal).collect::<Vec<_>>().join("\n")
}

/// Keys and secrets are long, mix digits with both letter cases (base64) or are long hex; a path
/// is split by `/` into short segments, a config key is one word.
fn key_like(run: &str) -> bool {
    let longest_segment = run.split('/').map(str::len).max().unwrap_or(0);
    if run.len() < KEY_LIKE_RUN || longest_segment < 16 {
        return false;
    }
    let has = |test: fn(&u8) -> bool| run.as_bytes().iter().any(test);
    let mixed = has(u8::is_ascii_digit) && has(u8::is_ascii_uppercase) && has(u8::is_ascii_lowercase);
    mixed || (longest_segment >= 32 && run.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A run of 6 or more characters that mixes letters with digits or both letter cases, or that
/// is all hex from 16: what a short key or secret looks like, and a config word
/// (`fail_on`, `leaked-token`, `high`) does not.
fn short_key_like(run: &str) -> bool {
    let longest_segment = run.split('/').map(str::len).max().unwrap_or(0);
    if longest_segment < 6 {
        return false;
    }
    let has = |test: fn(&u8) -> bool| run.as_bytes().iter().any(test);
    let (digit, upper, lower) = (has(u8::is_ascii_digit), has(u8::is_ascii_uppercase), has(u8::is_ascii_lowercase));
    (digit && (upper || lower))
        || (upper && lower)
        || (longest_segment >= 16 && run.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(text: &str) -> String {
        URL_SAFE_NO_PAD.encode(text)
    }

    fn decoded_header(redacted: &str) -> String {
        let header = redacted.split('.').next().unwrap();
        String::from_utf8(URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap()
    }

    const INNER: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJpbm5lciJ9.";

    #[test]
    fn a_plain_header_is_kept_as_it_is() {
        let compact = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.";
        assert_eq!(token(compact), "eyJhbGciOiJub25lIn0.eyJzdWIi….[redacted]");
    }

    #[test]
    fn key_members_of_an_embedded_jwk_are_masked_in_the_header() {
        let header = b64(r#"{"alg":"HS256","jwk":{"kty":"oct","k":"c2VjcmV0LWtleS1tYXRlcmlhbA"}}"#);
        let redacted = token(&format!("{header}.eyJzdWIiOiIxIn0.c2ln"));
        let shown = decoded_header(&redacted);
        assert!(!shown.contains("c2VjcmV0LWtleS1tYXRlcmlhbA"), "{shown}");
        assert!(shown.contains(r#""kty":"oct""#) && shown.contains(r#""k":"c"#), "{shown}");
        for member in ["d", "p", "q", "dp", "dq", "qi"] {
            let header = b64(&format!(r#"{{"alg":"RS256","jwk":{{"kty":"RSA","{member}":"cHJpdmF0ZS1wYXJ0"}}}}"#));
            let shown = decoded_header(&token(&format!("{header}.e30.c2ln")));
            assert!(!shown.contains("cHJpdmF0ZS1wYXJ0"), "{member}: {shown}");
        }
        let header = b64(r#"{"alg":"RS256","jwk":{"oth":[{"r":"b3RoLXByaW1l","d":"b3RoLWQ"}]}}"#);
        let shown = decoded_header(&token(&format!("{header}.e30.c2ln")));
        assert!(!shown.contains("b3RoLXByaW1l") && !shown.contains("b3RoLWQ"), "{shown}");
    }

    #[test]
    fn a_token_in_a_header_value_or_name_is_redacted() {
        for header in [
            format!(r#"{{"alg":"HS256","kid":"{INNER}"}}"#),
            format!(r#"{{"alg":"RS256","jku":"https://x.example/jwks?t={INNER}"}}"#),
            format!(r#"{{"alg":"RS256","{INNER}":1}}"#),
        ] {
            let redacted = token(&format!("{}.e30.c2ln", b64(&header)));
            let shown = decoded_header(&redacted);
            assert!(!shown.contains(INNER), "{shown}");
            assert!(shown.contains("[redacted]"), "{shown}");
        }
    }

    #[test]
    fn scrub_redacts_every_token_in_a_text_and_leaves_the_rest() {
        let text = format!("kid {INNER} and {INNER}!");
        let scrubbed = scrub(&text);
        assert!(!scrubbed.contains(INNER), "{scrubbed}");
        assert!(scrubbed.starts_with("kid eyJhbGciOiJub25lIn0.") && scrubbed.ends_with("[redacted]!"), "{scrubbed}");
        assert!(matches!(scrub("no token here"), Cow::Borrowed(_)));
    }

    #[test]
    fn error_messages_hide_tokens_and_key_like_runs_but_keep_words_and_paths() {
        let text = format!(
            "invalid config file ./cfg/jwtscan.toml: `tokens`: `{INNER}` or c2VjcmV0LWtleS1tYXRlcmlhbC1jYW5hcnk"
        );
        let safe = error_message(&text);
        assert!(!safe.contains(INNER) && !safe.contains("c2VjcmV0LWtleS1tYXRlcmlhbC1jYW5hcnk"), "{safe}");
        assert!(safe.contains("./cfg/jwtscan.toml") && safe.contains("c2Vj…(35 characters hidden)"), "{safe}");
    }
}
