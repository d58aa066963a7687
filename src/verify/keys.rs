//! An issuer's published JSON Web Key Set, and the signature check of a token against it: the
//! key chosen by `kid` as a relying party would, the signature verified locally with `ring`
//! (already linked for TLS), so the verdict needs no trust in anyone's word but the key's.

use serde_json::{Map, Value};

pub use crate::public_key::Alg;
use crate::public_key::Material;
use crate::token::b64url_decode;

/// Keys tried when a token names no `kid`; real sets hold two to five.
const MAX_TRIED: usize = 16;

#[derive(Clone, Debug)]
pub struct Key {
    kid: Option<String>,
    /// The key's `alg`, when it pins one.
    alg: Option<String>,
    /// False when `use` says the key is not for signatures.
    signing: bool,
    /// The public key, or why it is none that a supported algorithm uses.
    material: Result<Material, String>,
}

/// What the published keys say about one token's signature.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Verifies under the named key (`None`: the key has no `kid`).
    Verified(Option<String>),
    /// The issuer's key for this token does not verify it.
    Rejected(String),
    /// No published key can have signed it any more: the key was rotated out.
    Rotated(String),
    /// The keys leave the answer open.
    Undecided(String),
}

/// Reads the `keys` of a JWK Set; members that are not objects are skipped.
pub fn parse_set(document: &Value) -> Result<Vec<Key>, &'static str> {
    let keys = document.get("keys").and_then(Value::as_array).ok_or("JWKS has no keys array")?;
    Ok(keys.iter().filter_map(Value::as_object).map(parse_key).collect())
}

fn parse_key(members: &Map<String, Value>) -> Key {
    let text = |name: &str| members.get(name).and_then(Value::as_str);
    let bytes = |name: &str| text(name).and_then(b64url_decode);
    let material = match (text("kty"), text("crv")) {
        (Some("RSA"), _) => match (bytes("n"), bytes("e")) {
            (Some(n), Some(e)) => Ok(Material::Rsa { n: strip_zeros(n), e: strip_zeros(e) }),
            _ => Err("RSA key without n and e".into()),
        },
        (Some("EC"), Some(crv @ ("P-256" | "P-384"))) => {
            let width = if crv == "P-256" { 32 } else { 48 };
            match (bytes("x").and_then(|x| pad(x, width)), bytes("y").and_then(|y| pad(y, width))) {
                (Some(x), Some(y)) => {
                    let point = [&[4u8][..], &x, &y].concat();
                    Ok(if crv == "P-256" { Material::P256(point) } else { Material::P384(point) })
                }
                _ => Err(format!("{crv} key with bad coordinates")),
            }
        }
        (Some("OKP"), Some("Ed25519")) => match bytes("x").filter(|x| x.len() == 32) {
            Some(x) => Ok(Material::Ed25519(x)),
            None => Err("Ed25519 key with bad x".into()),
        },
        (kty, crv) => {
            Err(format!("{} {}", visible(kty.unwrap_or("untyped")), visible(crv.unwrap_or(""))).trim_end().to_owned())
        }
    };
    Key {
        kid: text("kid").map(str::to_owned),
        alg: text("alg").map(str::to_owned),
        signing: text("use").is_none_or(|u| u == "sig"),
        material,
    }
}

fn strip_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    bytes.drain(..zeros);
    bytes
}

/// Left-pads a coordinate to the curve's width (some encoders drop leading zeros).
fn pad(coordinate: Vec<u8>, width: usize) -> Option<Vec<u8>> {
    (coordinate.len() <= width).then(|| [vec![0; width - coordinate.len()], coordinate].concat())
}

impl Key {
    fn suits(&self, alg: Alg) -> bool {
        let family = self.material.as_ref().is_ok_and(|material| material.suits(alg));
        family && self.signing && self.alg.as_deref().is_none_or(|pinned| pinned == alg.name())
    }

    fn describe(&self) -> String {
        match &self.material {
            Ok(Material::Ed25519(_)) => "OKP Ed25519".into(),
            Ok(material) => material.kind().into(),
            Err(what) => what.clone(),
        }
    }

    /// `Err` when the key is too weak for `ring` to use, so the answer stays open.
    fn verifies(&self, alg: Alg, input: &[u8], signature: &[u8]) -> Result<bool, String> {
        self.material.as_ref().map_or(Ok(false), |material| material.verifies(alg, input, signature))
    }
}

/// Checks a token's signature against the published keys, choosing the key by `kid`.
pub fn check(keys: &[Key], kid: Option<&str>, alg: Alg, input: &[u8], signature: &[u8]) -> Verdict {
    let name = alg.name();
    let Some(kid) = kid else {
        let suitable: Vec<&Key> = keys.iter().filter(|key| key.suits(alg)).take(MAX_TRIED).collect();
        return match try_keys(&suitable, alg, input, signature) {
            Ok(Some(key)) => Verdict::Verified(key.kid.clone()),
            Err(why) => Verdict::Undecided(why),
            Ok(None) => match suitable.len() {
                0 => Verdict::Rotated(format!("no {name} key is published")),
                1 => Verdict::Rejected(format!("signature does not verify under the issuer's {name} key")),
                n => Verdict::Undecided(format!("no kid, and none of {n} {name} keys verifies it")),
            },
        };
    };
    let shown = visible(kid);
    let named: Vec<&Key> = keys.iter().filter(|key| key.kid.as_deref() == Some(kid)).collect();
    let Some(first) = named.first() else {
        return Verdict::Rotated(format!("key \"{shown}\" is no longer published"));
    };
    let suitable: Vec<&Key> = named.iter().copied().filter(|key| key.suits(alg)).take(MAX_TRIED).collect();
    if suitable.is_empty() {
        return Verdict::Rejected(format!("key \"{shown}\" ({}) cannot verify {name}", first.describe()));
    }
    match try_keys(&suitable, alg, input, signature) {
        Ok(Some(key)) => Verdict::Verified(key.kid.clone()),
        Ok(None) => Verdict::Rejected(format!("signature does not verify under key \"{shown}\"")),
        Err(why) => Verdict::Undecided(why),
    }
}

fn try_keys<'k>(keys: &[&'k Key], alg: Alg, input: &[u8], signature: &[u8]) -> Result<Option<&'k Key>, String> {
    let mut unusable = None;
    for &key in keys {
        match key.verifies(alg, input, signature) {
            Ok(true) => return Ok(Some(key)),
            Ok(false) => {}
            Err(why) => unusable = Some(why),
        }
    }
    unusable.map_or(Ok(None), Err)
}

/// A hostile `kid` or key type shown in a reason: printable ASCII, at most 64 characters.
pub fn visible(text: &str) -> String {
    let mut shown: String =
        text.chars().take(64).map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' }).collect();
    if text.chars().count() > 64 {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use ring::rand::SystemRandom;
    use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _};
    use serde_json::json;

    const INPUT: &[u8] = b"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0";

    fn p256() -> EcdsaKeyPair {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("keygen");
        EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).expect("key")
    }

    fn p256_jwk(key: &EcdsaKeyPair, kid: Option<&str>) -> Value {
        let point = key.public_key().as_ref();
        let mut jwk =
            json!({"kty": "EC", "crv": "P-256", "x": B64.encode(&point[1..33]), "y": B64.encode(&point[33..])});
        if let Some(kid) = kid {
            jwk["kid"] = json!(kid);
        }
        jwk
    }

    fn sign(key: &EcdsaKeyPair) -> Vec<u8> {
        key.sign(&SystemRandom::new(), INPUT).expect("sign").as_ref().to_vec()
    }

    fn set(keys: Vec<Value>) -> Vec<Key> {
        parse_set(&json!({ "keys": keys })).expect("a key set")
    }

    #[test]
    fn verifies_under_the_key_named_by_kid() {
        let (signer, other) = (p256(), p256());
        let keys = set(vec![p256_jwk(&other, Some("old")), p256_jwk(&signer, Some("new"))]);
        assert_eq!(check(&keys, Some("new"), Alg::Es256, INPUT, &sign(&signer)), Verdict::Verified(Some("new".into())));
    }

    #[test]
    fn a_kid_missing_from_the_set_means_rotated() {
        let signer = p256();
        let keys = set(vec![p256_jwk(&signer, Some("new"))]);
        let verdict = check(&keys, Some("old"), Alg::Es256, INPUT, &sign(&signer));
        assert_eq!(verdict, Verdict::Rotated("key \"old\" is no longer published".into()));
    }

    #[test]
    fn the_named_key_failing_means_rejected() {
        let (signer, other) = (p256(), p256());
        let keys = set(vec![p256_jwk(&other, Some("k1"))]);
        let verdict = check(&keys, Some("k1"), Alg::Es256, INPUT, &sign(&signer));
        assert_eq!(verdict, Verdict::Rejected("signature does not verify under key \"k1\"".into()));
    }

    #[test]
    fn without_kid_one_key_decides_and_several_leave_it_open_unless_one_verifies() {
        let (signer, a, b) = (p256(), p256(), p256());
        let signature = sign(&signer);
        let one = set(vec![p256_jwk(&a, None)]);
        assert!(matches!(check(&one, None, Alg::Es256, INPUT, &signature), Verdict::Rejected(_)));
        let several = set(vec![p256_jwk(&a, Some("a")), p256_jwk(&b, Some("b"))]);
        let verdict = check(&several, None, Alg::Es256, INPUT, &signature);
        assert_eq!(verdict, Verdict::Undecided("no kid, and none of 2 ES256 keys verifies it".into()));
        let with_signer = set(vec![p256_jwk(&a, Some("a")), p256_jwk(&signer, Some("s"))]);
        assert_eq!(check(&with_signer, None, Alg::Es256, INPUT, &signature), Verdict::Verified(Some("s".into())));
        assert!(matches!(check(&set(vec![]), None, Alg::Es256, INPUT, &signature), Verdict::Rotated(_)));
    }

    #[test]
    fn a_key_of_another_type_or_use_cannot_verify() {
        let signer = p256();
        let mut encryption = p256_jwk(&signer, Some("k"));
        encryption["use"] = json!("enc");
        let keys = set(vec![encryption]);
        let verdict = check(&keys, Some("k"), Alg::Es256, INPUT, &sign(&signer));
        assert_eq!(verdict, Verdict::Rejected("key \"k\" (EC P-256) cannot verify ES256".into()));
        let keys = set(vec![json!({"kid": "k", "kty": "oct", "k": "c2VjcmV0"})]);
        let verdict = check(&keys, Some("k"), Alg::Es256, INPUT, &sign(&signer));
        assert_eq!(verdict, Verdict::Rejected("key \"k\" (oct) cannot verify ES256".into()));
    }

    #[test]
    fn verifies_ed25519() {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).expect("keygen");
        let signer = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("key");
        let jwk = json!({"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": B64.encode(signer.public_key().as_ref())});
        let signature = signer.sign(INPUT);
        assert_eq!(
            check(&set(vec![jwk]), Some("ed"), Alg::EdDsa, INPUT, signature.as_ref()),
            Verdict::Verified(Some("ed".into()))
        );
    }

    #[test]
    fn a_tiny_rsa_key_leaves_the_answer_open() {
        let keys = set(vec![json!({"kty": "RSA", "kid": "r", "n": B64.encode([0xc5u8; 64]), "e": "AQAB"})]);
        let verdict = check(&keys, Some("r"), Alg::Rs256, INPUT, &[1; 64]);
        assert_eq!(verdict, Verdict::Undecided("512-bit RSA key is too small for RS256".into()));
    }

    #[test]
    fn hostile_kid_is_shown_printable_and_short() {
        assert_eq!(visible("a\u{1b}[2Jb"), "a?[2Jb");
        assert_eq!(visible(&"x".repeat(100)).chars().count(), 65);
    }

    #[test]
    fn a_set_without_keys_is_an_error() {
        assert!(parse_set(&json!({"issuer": "x"})).is_err());
    }
}
