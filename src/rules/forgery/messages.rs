//! What the forgery rules say: the message and evidence of a `weak-secret` or `secret-in-repo`
//! hit, secrets masked unless `--show-secrets`.

use serde_json::Value;

use super::{Match, Source};
use crate::catalog::{Hit, id};
use crate::config::Settings;
use crate::hex::{hex, mask_secret};
use crate::hmac::{HashAlg, Target};
use crate::keys::{KeyForm, KeyOrigin};

pub(super) fn hit_for(
    target: &Target,
    found: &Match,
    repo_keys: &[(Box<[u8]>, KeyOrigin)],
    settings: &Settings,
) -> Hit {
    let alg = match target.alg {
        HashAlg::Sha256 => "HS256",
        HashAlg::Sha384 => "HS384",
        HashAlg::Sha512 => "HS512",
    };
    let key_bytes = found.secret.len();
    let min_key_bytes = target.alg.output_len();
    match &found.source {
        Source::BuiltIn | Source::Wordlist(_) | Source::Derived | Source::Mangled | Source::Mask => {
            let text = String::from_utf8_lossy(&found.secret);
            let shown = if settings.show_secrets { text.to_string() } else { mask_secret(&text) };
            let how = match found.source {
                Source::Derived => " derived from the repository's names".to_string(),
                Source::Mangled => " (a common word, mangled)".to_string(),
                Source::Mask => format!(" of {key_bytes} characters, found by trying every such secret"),
                _ => String::new(),
            };
            let message =
                format!("{alg} token is signed with a guessable secret{how}{}", short(key_bytes, min_key_bytes));
            let mut hit = Hit::new(id::WEAK_SECRET, message)
                .with("secret", shown)
                .with("key_bytes", key_bytes)
                .with("min_key_bytes", min_key_bytes);
            hit = match &found.source {
                Source::Wordlist(path) => hit.with("source", "wordlist").with("wordlist", path.display().to_string()),
                Source::Derived => hit.with("source", "derived"),
                Source::Mangled => hit.with("source", "mangled"),
                Source::Mask => hit.with("source", "mask"),
                _ => hit.with("source", "built-in"),
            };
            let defined = repo_keys
                .binary_search_by(|(key, _)| key[..].cmp(&found.secret[..]))
                .ok()
                .and_then(|i| repo_keys.get(i));
            if let Some((_, origin)) = defined {
                hit = hit.with("secret_path", origin.path.to_string()).with("secret_line", origin.line);
            }
            hit
        }
        Source::Repo(origin) => {
            let message = if origin.form.is_recovered() {
                format!(
                    "{alg} token verifies under the RSA public key recovered from the RS tokens at {}:{}: a \
                     key-confusion forgery",
                    origin.path, origin.line
                )
            } else if origin.public {
                format!(
                    "{alg} token verifies under the public key at {}:{}: a key-confusion forgery",
                    origin.path, origin.line
                )
            } else {
                format!(
                    "{alg} token is signed with a secret committed at {}:{}{}",
                    origin.path,
                    origin.line,
                    short(key_bytes, min_key_bytes)
                )
            };
            let mut hit = Hit::new(id::SECRET_IN_REPO, message)
                .with("secret_path", origin.path.to_string())
                .with("secret_line", origin.line)
                .with("public_key", origin.public)
                .with("key_form", origin.form.name())
                .with("key_bytes", key_bytes)
                .with("min_key_bytes", min_key_bytes);
            if let Some(commit) = &origin.commit {
                hit = hit.with("secret_commit", commit.to_string());
            }
            if settings.show_secrets {
                hit = hit.with("secret", shown_in_full(&found.secret, origin.form));
            }
            hit
        }
    }
}

/// What the message says of a key shorter than the hash (RFC 7518 §3.2 asks for at least as
/// many bytes as the hash's output).
fn short(key_bytes: usize, min_key_bytes: usize) -> String {
    if key_bytes < min_key_bytes {
        format!("; the key is {key_bytes} bytes, shorter than the {min_key_bytes} RFC 7518 §3.2 requires")
    } else {
        String::new()
    }
}

fn shown_in_full(secret: &[u8], form: KeyForm) -> Value {
    if form.is_binary() || std::str::from_utf8(secret).is_err() {
        Value::String(format!("hex:{}", hex(secret)))
    } else {
        Value::String(String::from_utf8_lossy(secret).into_owned())
    }
}
