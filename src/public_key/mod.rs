//! A public key's material and the JWS algorithms that use it, and the one signature check with
//! `ring`: shared by the verification of tokens against an issuer's keys (`verify`) and the
//! checks of keys committed to the tree (`keys::asym`, `rules::forgery`).

pub mod gcd;
pub mod recover;

use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alg {
    Rs256,
    Rs384,
    Rs512,
    Ps256,
    Ps384,
    Ps512,
    Es256,
    Es384,
    EdDsa,
}

impl Alg {
    /// The algorithms verification covers; `None` for the rest (HMAC, `none`, ES512, ES256K…).
    pub fn from_name(name: &str) -> Option<Alg> {
        Some(match name {
            "RS256" => Alg::Rs256,
            "RS384" => Alg::Rs384,
            "RS512" => Alg::Rs512,
            "PS256" => Alg::Ps256,
            "PS384" => Alg::Ps384,
            "PS512" => Alg::Ps512,
            "ES256" => Alg::Es256,
            "ES384" => Alg::Es384,
            "EdDSA" => Alg::EdDsa,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Rs384 => "RS384",
            Alg::Rs512 => "RS512",
            Alg::Ps256 => "PS256",
            Alg::Ps384 => "PS384",
            Alg::Ps512 => "PS512",
            Alg::Es256 => "ES256",
            Alg::Es384 => "ES384",
            Alg::EdDsa => "EdDSA",
        }
    }
}

/// The public part of an RSA, EC P-256/P-384 or Ed25519 key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Material {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// An uncompressed SEC1 point (`04 || x || y`).
    P256(Vec<u8>),
    P384(Vec<u8>),
    Ed25519(Vec<u8>),
}

impl Material {
    /// What kind of key it is, as a message names it.
    pub fn kind(&self) -> &'static str {
        match self {
            Material::Rsa { .. } => "RSA",
            Material::P256(_) => "EC P-256",
            Material::P384(_) => "EC P-384",
            Material::Ed25519(_) => "Ed25519",
        }
    }

    /// Whether `alg` signs with a key of this kind.
    pub fn suits(&self, alg: Alg) -> bool {
        matches!(
            (self, alg),
            (Material::Rsa { .. }, Alg::Rs256 | Alg::Rs384 | Alg::Rs512 | Alg::Ps256 | Alg::Ps384 | Alg::Ps512)
                | (Material::P256(_), Alg::Es256)
                | (Material::P384(_), Alg::Es384)
                | (Material::Ed25519(_), Alg::EdDsa)
        )
    }

    /// Whether `signature` over `input` verifies under this key with `alg` (false for a key of
    /// another kind); `Err` when an RSA key is too small for `ring` to use, so the answer is open.
    pub fn verifies(&self, alg: Alg, input: &[u8], signature: &[u8]) -> Result<bool, String> {
        if !self.suits(alg) {
            return Ok(false);
        }
        let ok = match self {
            Material::Rsa { n, e } => {
                let bits = n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
                let params = rsa_params(alg, bits)
                    .ok_or_else(|| format!("{bits}-bit RSA key is too small for {}", alg.name()))?;
                RsaPublicKeyComponents { n, e }.verify(params, input, signature).is_ok()
            }
            Material::P256(point) => {
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point).verify(input, signature).is_ok()
            }
            Material::P384(point) => {
                UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, point).verify(input, signature).is_ok()
            }
            Material::Ed25519(x) => UnparsedPublicKey::new(&signature::ED25519, x).verify(input, signature).is_ok(),
        };
        Ok(ok)
    }
}

fn rsa_params(alg: Alg, bits: usize) -> Option<&'static signature::RsaParameters> {
    // Keys of 1024..2048 bits still verify RS256/RS512 tokens in the wild (`weak-rsa-key` flags
    // them); ring offers no such legacy form for the others.
    let legacy = (1024..2048).contains(&bits);
    if bits < 1024 || (legacy && !matches!(alg, Alg::Rs256 | Alg::Rs512)) {
        return None;
    }
    Some(match alg {
        Alg::Rs256 if legacy => &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        Alg::Rs512 if legacy => &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        Alg::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        Alg::Rs384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        Alg::Rs512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        Alg::Ps256 => &signature::RSA_PSS_2048_8192_SHA256,
        Alg::Ps384 => &signature::RSA_PSS_2048_8192_SHA384,
        Alg::Ps512 => &signature::RSA_PSS_2048_8192_SHA512,
        Alg::Es256 | Alg::Es384 | Alg::EdDsa => return None,
    })
}
