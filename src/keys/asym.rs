//! Asymmetric keys the tree commits (PEM blocks and JWKs), as the public parts that verify a
//! token, and whether the private half is there too: the input of the checks that make a
//! committed RS/PS/ES/EdDSA token forgeable (a private key that verifies it, RSA moduli sharing a
//! prime). DER is read by its few fixed shapes (the algorithm OID, then the key's integers or
//! point), not by a general ASN.1 parser: what does not fit is skipped.

use std::sync::Arc;

use serde_json::{Map, Value};

pub use crate::public_key::Material;

/// Asymmetric keys kept per worker and in all: a tree of test fixtures holds dozens.
pub const MAX_ASYM: usize = 4_096;
/// Longest RSA modulus kept, in bytes (16384 bits).
const MAX_MODULUS: usize = 2_048;

/// An asymmetric key found in the tree.
#[derive(Clone, Debug)]
pub struct AsymKey {
    pub material: Material,
    /// The private half is committed too.
    pub private: bool,
    pub path: Arc<str>,
    pub line: u64,
    /// How it was written: `PEM (PKCS#1)`, `PEM (PKCS#8)`, `PEM (SEC1)`, `PEM (public)`, `JWK`.
    pub form: &'static str,
    pub commit: Option<Arc<str>>,
    /// Where its text starts in the window it was read from: the scanner reads the clues of
    /// its place (a test module before it) there, before the window goes.
    pub at: usize,
}

const RSA_OID: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const EC_OID: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const P256_OID: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const P384_OID: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
const ED25519_OID: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];

/// A DER element at `der[0]`: its tag, content and what follows it.
fn element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let count = (first & 0x7f) as usize;
        if count == 0 || count > 3 || rest.len() < count {
            return None;
        }
        let len = rest[..count].iter().fold(0usize, |len, &b| len << 8 | b as usize);
        (len, &rest[count..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The first two INTEGERs of the SEQUENCE at `der[0]`, after `skip` others: `n` and `e` of an
/// RSAPublicKey (`skip` 0) or RSAPrivateKey (`skip` 1, the version).
fn rsa_integers(der: &[u8], skip: usize) -> Option<Material> {
    let (0x30, mut body, _) = element(der)? else { return None };
    let mut integers = Vec::new();
    while integers.len() < skip + 2 {
        let (0x02, value, rest) = element(body)? else { return None };
        integers.push(value);
        body = rest;
    }
    let strip = |bytes: &[u8]| bytes.iter().position(|&b| b != 0).map_or_else(Vec::new, |at| bytes[at..].to_vec());
    let (n, e) = (strip(integers[skip]), strip(integers[skip + 1]));
    (!n.is_empty() && n.len() <= MAX_MODULUS && !e.is_empty() && e.len() <= 8).then_some(Material::Rsa { n, e })
}

/// The EC point in a SEC1 ECPrivateKey or SubjectPublicKeyInfo, for the curve named in `der`.
fn ec_point(der: &[u8]) -> Option<Material> {
    let find = |needle: &[u8]| memchr::memmem::find(der, needle);
    let (marker, len): (&[u8], usize) = if find(P256_OID).is_some() {
        (&[0x03, 0x42, 0x00, 0x04], 65)
    } else if find(P384_OID).is_some() {
        (&[0x03, 0x62, 0x00, 0x04], 97)
    } else {
        return None;
    };
    let at = find(marker)? + 3;
    let point = der.get(at..at + len)?.to_vec();
    Some(if len == 65 { Material::P256(point) } else { Material::P384(point) })
}

/// The key in a PEM block's DER, by its label; `None` for what is not a key of a known shape.
pub fn from_pem(label: &str, der: &[u8]) -> Option<(Material, bool, &'static str)> {
    let has = |needle: &[u8]| memchr::memmem::find(der, needle).is_some();
    match label {
        "RSA PRIVATE KEY" => Some((rsa_integers(der, 1)?, true, "PEM (PKCS#1)")),
        "RSA PUBLIC KEY" => Some((rsa_integers(der, 0)?, false, "PEM (PKCS#1 public)")),
        "EC PRIVATE KEY" => Some((ec_point(der)?, true, "PEM (SEC1)")),
        "PRIVATE KEY" | "PUBLIC KEY" | "CERTIFICATE" => {
            let private = label == "PRIVATE KEY";
            let form = match label {
                "PRIVATE KEY" => "PEM (PKCS#8)",
                "PUBLIC KEY" => "PEM (public)",
                _ => "PEM (certificate)",
            };
            if let Some(at) = memchr::memmem::find(der, RSA_OID) {
                // After the OID and its NULL: an OCTET STRING holding RSAPrivateKey (PKCS#8) or a
                // BIT STRING holding RSAPublicKey (SubjectPublicKeyInfo, certificates).
                let after = der.get(at + RSA_OID.len()..)?;
                let after = after.strip_prefix(&[0x05, 0x00]).unwrap_or(after);
                let (tag, content, _) = element(after)?;
                let material = match tag {
                    0x04 => rsa_integers(content, 1)?,
                    0x03 => rsa_integers(content.get(1..)?, 0)?,
                    _ => return None,
                };
                return Some((material, private, form));
            }
            if has(EC_OID) {
                return Some((ec_point(der)?, private, form));
            }
            if let Some(at) = memchr::memmem::find(der, ED25519_OID) {
                let after = &der[at + ED25519_OID.len()..];
                let public = if private {
                    // PKCS#8: OCTET STRING { OCTET STRING seed }.
                    let (0x04, outer, _) = element(after)? else { return None };
                    let (0x04, seed, _) = element(outer)? else { return None };
                    let pair = ring::signature::Ed25519KeyPair::from_seed_unchecked(seed).ok()?;
                    ring::signature::KeyPair::public_key(&pair).as_ref().to_vec()
                } else {
                    let (0x03, bits, _) = element(after)? else { return None };
                    bits.get(1..)?.to_vec()
                };
                return (public.len() == 32).then_some((Material::Ed25519(public), private, form));
            }
            None
        }
        _ => None,
    }
}

/// The key of a JWK's members (RSA, EC P-256/P-384, OKP Ed25519), and whether it holds `d`.
pub fn from_jwk(members: &Map<String, Value>) -> Option<(Material, bool)> {
    let member = |name: &str| members.get(name).and_then(Value::as_str).and_then(crate::token::b64url_decode);
    let private = members.contains_key("d");
    let point = |width: usize| {
        let (x, y) = (member("x")?, member("y")?);
        (x.len() == width && y.len() == width).then(|| [&[4u8][..], &x, &y].concat())
    };
    let material = match (members.get("kty")?.as_str()?, members.get("crv").and_then(Value::as_str)) {
        ("RSA", _) => {
            let (n, e) = (member("n")?, member("e")?);
            let n = n[n.iter().position(|&b| b != 0)?..].to_vec();
            (n.len() <= MAX_MODULUS && !e.is_empty() && e.len() <= 8).then_some(Material::Rsa { n, e })?
        }
        ("EC", Some("P-256")) => Material::P256(point(32)?),
        ("EC", Some("P-384")) => Material::P384(point(48)?),
        ("OKP", Some("Ed25519")) => Material::Ed25519(member("x").filter(|x| x.len() == 32)?),
        _ => return None,
    };
    Some((material, private))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_past_the_buffer_are_refused() {
        assert!(element(&[0x30, 0x82, 0xff, 0xff, 0x00]).is_none());
        assert!(element(&[0x30]).is_none());
        assert_eq!(element(&[0x02, 0x01, 0x05, 0xaa]), Some((0x02, &[0x05][..], &[0xaa][..])));
    }

    #[test]
    fn an_rsa_private_key_gives_its_modulus_and_exponent() {
        // SEQUENCE { INTEGER 0, INTEGER n, INTEGER e, ... }
        let der = [0x30, 0x0b, 0x02, 0x01, 0x00, 0x02, 0x03, 0x00, 0xc3, 0x51, 0x02, 0x01, 0x03];
        let (material, private, _) = from_pem("RSA PRIVATE KEY", &der).unwrap();
        assert_eq!(material, Material::Rsa { n: vec![0xc3, 0x51], e: vec![3] });
        assert!(private);
        assert!(from_pem("DSA PRIVATE KEY", &der).is_none());
    }
}
