//! What the signature bytes alone give away: `weak-rsa-key` (an RSA signature is as long as the
//! key's modulus) and `psychic-signature` (an ECDSA signature with r or s zero, CVE-2022-21449).

use super::{CheckSettings, Hit, id};
use crate::token::{Form, Token};

/// 2048 bits: the minimum RSA modulus RFC 7518 §3.3 allows.
const MIN_RSA_SIGNATURE_BYTES: usize = 256;

pub fn weak_rsa_key(token: &Token<'_>, _: &CheckSettings, out: &mut Vec<Hit>) {
    let Some(alg) = token.alg() else { return };
    let rsa = matches!(alg, "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" | "RS1");
    let bytes = token.signature.len();
    // An empty signature is `missing-signature`'s finding, not a key size.
    if token.form != Form::Jws || !rsa || bytes == 0 || bytes >= MIN_RSA_SIGNATURE_BYTES {
        return;
    }
    let bits = bytes * 8;
    out.push(
        Hit::new(id::WEAK_RSA_KEY, format!("{alg} signature is {bytes} bytes: an RSA key of about {bits} bits"))
            .with("signature_bytes", bytes)
            .with("modulus_bits", bits),
    );
}

pub fn psychic_signature(token: &Token<'_>, _: &CheckSettings, out: &mut Vec<Hit>) {
    let Some(alg) = token.alg() else { return };
    let half = match alg {
        "ES256" => 32,
        "ES384" => 48,
        "ES512" => 66,
        _ => return,
    };
    let signature = &token.signature;
    if token.form != Form::Jws || signature.is_empty() {
        return;
    }
    let Some((encoding, zero)) = raw_zero(signature, half).or_else(|| der_zero(signature)) else { return };
    out.push(
        Hit::new(id::PSYCHIC_SIGNATURE, format!("{alg} signature has {zero} = 0: a forged token (CVE-2022-21449)"))
            .with("encoding", encoding)
            .with("zero", zero),
    );
}

fn is_zero(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b == 0)
}

/// Which half of a raw `R || S` signature is zero. A signature of zeros of any other length is a
/// forgery attempt all the same, so it is reported as both halves zero.
fn raw_zero(signature: &[u8], half: usize) -> Option<(&'static str, &'static str)> {
    if is_zero(signature) {
        return Some(("raw", "r and s"));
    }
    if signature.len() != 2 * half {
        return None;
    }
    let (r, s) = signature.split_at(half);
    match (is_zero(r), is_zero(s)) {
        (true, true) => Some(("raw", "r and s")),
        (true, false) => Some(("raw", "r")),
        (false, true) => Some(("raw", "s")),
        (false, false) => None,
    }
}

/// The same check on an ASN.1 DER `SEQUENCE { INTEGER r, INTEGER s }`, which vulnerable Java
/// versions also accepted (the canonical exploit signature `MAYCAQACAQA` is r = 0, s = 0).
fn der_zero(signature: &[u8]) -> Option<(&'static str, &'static str)> {
    let (body, rest) = der_element(signature, 0x30)?;
    if !rest.is_empty() {
        return None;
    }
    let (r, after_r) = der_element(body, 0x02)?;
    let (s, after_s) = der_element(after_r, 0x02)?;
    if !after_s.is_empty() {
        return None;
    }
    match (is_zero(r), is_zero(s)) {
        (true, true) => Some(("der", "r and s")),
        (true, false) => Some(("der", "r")),
        (false, true) => Some(("der", "s")),
        (false, false) => None,
    }
}

/// Splits one DER element with `tag` off the front of `input`: (contents, remainder).
fn der_element(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&first, rest) = input.split_first()?;
    if first != tag {
        return None;
    }
    let (&len_byte, rest) = rest.split_first()?;
    let (len, rest) = match len_byte {
        0..=0x7f => (usize::from(len_byte), rest),
        0x81 => {
            let (&len, rest) = rest.split_first()?;
            (usize::from(len), rest)
        }
        0x82 => {
            let (bytes, rest) = rest.split_at_checked(2)?;
            (usize::from(bytes[0]) << 8 | usize::from(bytes[1]), rest)
        }
        _ => return None,
    };
    rest.split_at_checked(len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::*;

    fn with_signature(alg: &str, signature: &[u8], rule: &str) -> Option<Hit> {
        rule_hit(&jws(&format!(r#"{{"alg":"{alg}"}}"#), r#"{"sub":"1"}"#, signature), rule)
    }

    #[test]
    fn weak_rsa_key_estimates_the_modulus_from_the_signature_length() {
        let hit = with_signature("RS256", &[7; 128], "weak-rsa-key").unwrap();
        assert_eq!(hit.evidence["signature_bytes"], 128);
        assert_eq!(hit.evidence["modulus_bits"], 1024);
        assert_eq!(hit.message, "RS256 signature is 128 bytes: an RSA key of about 1024 bits");
        assert!(with_signature("PS512", &[7; 64], "weak-rsa-key").is_some());
    }

    #[test]
    fn weak_rsa_key_accepts_2048_bit_keys_and_other_algs() {
        assert!(with_signature("RS256", &[7; 256], "weak-rsa-key").is_none());
        assert!(with_signature("RS256", &[7; 512], "weak-rsa-key").is_none());
        assert!(with_signature("RS256", b"", "weak-rsa-key").is_none());
        assert!(with_signature("HS256", &[7; 32], "weak-rsa-key").is_none());
        assert!(with_signature("ES256", &[7; 64], "weak-rsa-key").is_none());
    }

    #[test]
    fn psychic_signature_flags_zero_halves_of_raw_signatures() {
        let mut signature = [5u8; 64];
        signature[..32].fill(0);
        assert_eq!(with_signature("ES256", &signature, "psychic-signature").unwrap().evidence["zero"], "r");
        let mut signature = [5u8; 96];
        signature[48..].fill(0);
        assert_eq!(with_signature("ES384", &signature, "psychic-signature").unwrap().evidence["zero"], "s");
        let hit = with_signature("ES512", &[0; 132], "psychic-signature").unwrap();
        assert_eq!((&hit.evidence["encoding"], &hit.evidence["zero"]), (&"raw".into(), &"r and s".into()));
    }

    #[test]
    fn psychic_signature_flags_the_canonical_der_exploit() {
        let token = format!("{}.{}.MAYCAQACAQA", b64(br#"{"alg":"ES256"}"#), b64(br#"{"sub":"admin"}"#));
        let hit = rule_hit(&token, "psychic-signature").unwrap();
        assert_eq!(hit.evidence["encoding"], "der");
        assert_eq!(hit.evidence["zero"], "r and s");
        assert_eq!(hit.message, "ES256 signature has r and s = 0: a forged token (CVE-2022-21449)");
    }

    #[test]
    fn psychic_signature_accepts_real_signatures() {
        // RFC 7515 A.3
        let rfc = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
        assert!(rule_hit(rfc, "psychic-signature").is_none());
        assert!(with_signature("HS256", &[0; 32], "psychic-signature").is_none());
        // DER with non-zero integers, and truncated DER.
        assert!(with_signature("ES256", &[0x30, 6, 2, 1, 1, 2, 1, 1], "psychic-signature").is_none());
        assert!(with_signature("ES256", &[0x30, 6, 2, 1, 0], "psychic-signature").is_none());
    }

    #[test]
    fn der_parsing_handles_long_lengths_and_rejects_trailing_bytes() {
        let mut long = vec![0x30, 0x81, 0x86, 0x02, 0x41];
        long.extend([0; 0x41]);
        long.extend([0x02, 0x41]);
        long.extend([9; 0x41]);
        assert_eq!(der_zero(&long), Some(("der", "r")));
        assert_eq!(der_zero(&[0x30, 6, 2, 1, 0, 2, 1, 0, 0]), None);
        assert_eq!(der_zero(&[0x30, 0x83, 0, 0, 0]), None);
    }
}
