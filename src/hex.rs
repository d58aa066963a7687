//! Hex digests and masked secrets: the small helpers every layer shows values with.

use sha2::{Digest, Sha256};

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// Masks a secret as `s****t`: first and last character for secrets of four or more, nothing
/// of shorter ones.
pub fn mask_secret(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    match chars.len() {
        0 => "(empty)".to_string(),
        1..=3 => "*".repeat(chars.len()),
        n => format!("{}{}{}", chars[0], "*".repeat(n.min(12) - 2), chars[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_keeps_only_the_ends_of_a_secret() {
        assert_eq!(mask_secret("secret"), "s****t");
        assert_eq!(mask_secret("abc"), "***");
        assert_eq!(mask_secret(""), "(empty)");
    }
}
