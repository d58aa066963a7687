//! Turns the text of a compact JWS or JWE into its decoded parts. Pure: no I/O, no allocation
//! beyond the decoded parts, and `None` for anything that is not a real token, so callers can
//! treat "decodes" as "is a token".

use serde_json::{Map, Value};

/// Longest header segment we are willing to decode; real headers are a few hundred bytes.
const MAX_HEADER_SEGMENT: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    Jws,
    Jwe,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    /// A JWS payload that is a JSON object: the claims set.
    Claims(Map<String, Value>),
    /// A JWS payload that decodes but is not a JSON object (RFC 7515 allows any octets).
    Opaque,
    /// A JWS payload that is JSON cut short: the mark of a truncated example in documentation.
    Truncated,
    /// A JWE: the payload is encrypted.
    Encrypted,
}

#[derive(Clone, Debug)]
pub struct Token<'a> {
    /// The compact serialization, exactly as found.
    pub compact: &'a str,
    pub form: Form,
    pub header: Map<String, Value>,
    pub payload: Payload,
    /// The decoded JWS signature; empty for JWE and for unsigned tokens.
    pub signature: Vec<u8>,
}

impl<'a> Token<'a> {
    pub fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    pub fn claims(&self) -> Option<&Map<String, Value>> {
        match &self.payload {
            Payload::Claims(claims) => Some(claims),
            _ => None,
        }
    }

    /// The JWS signing input (`header.payload`), the bytes a MAC or signature covers.
    pub fn signing_input(&self) -> &'a str {
        match self.compact.rfind('.') {
            Some(dot) if self.form == Form::Jws => &self.compact[..dot],
            _ => self.compact,
        }
    }

    /// The raw base64url signature segment of a JWS (may be empty).
    pub fn signature_segment(&self) -> &'a str {
        match self.form {
            Form::Jws => self.compact.rsplit('.').next().unwrap_or(""),
            Form::Jwe => "",
        }
    }
}

/// Decodes a compact token. Returns `None` unless the first segment is a base64url JSON object
/// with a string `alg` (and, for a five-part JWE, a string `enc`), and every other segment is
/// valid base64url.
pub fn decode(compact: &str) -> Option<Token<'_>> {
    let mut segments = [""; 5];
    let mut count = 0;
    for segment in compact.split('.') {
        if count == 5 {
            return None;
        }
        segments[count] = segment;
        count += 1;
    }
    let form = match count {
        3 => Form::Jws,
        5 => Form::Jwe,
        _ => return None,
    };
    if segments[0].is_empty() || segments[0].len() > MAX_HEADER_SEGMENT {
        return None;
    }
    let header = match serde_json::from_slice::<Value>(&b64url_decode(segments[0])?).ok()? {
        Value::Object(map) => map,
        _ => return None,
    };
    header.get("alg")?.as_str()?;
    match form {
        Form::Jws => {
            let payload_bytes = b64url_decode(segments[1])?;
            let signature = b64url_decode(segments[2])?;
            let payload = match serde_json::from_slice::<Value>(&payload_bytes) {
                Ok(Value::Object(claims)) => Payload::Claims(claims),
                // Only running out of input means "cut short"; numbers out of range or nesting
                // past serde_json's limit are hostile or odd payloads of real tokens.
                Err(err) if err.classify() == serde_json::error::Category::Eof => Payload::Truncated,
                _ => Payload::Opaque,
            };
            Some(Token { compact, form, header, payload, signature })
        }
        Form::Jwe => {
            header.get("enc")?.as_str()?;
            // The IV and tag are never empty; the encrypted key is empty for `dir`/ECDH-ES.
            if segments[2].is_empty() || segments[3].is_empty() || segments[4].is_empty() {
                return None;
            }
            for segment in &segments[1..] {
                if !is_b64url(segment) {
                    return None;
                }
            }
            Some(Token { compact, form, header, payload: Payload::Encrypted, signature: Vec::new() })
        }
    }
}

fn is_b64url(segment: &str) -> bool {
    let unpadded = segment.trim_end_matches('=');
    unpadded.len() % 4 != 1 && unpadded.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Decodes base64url, tolerating `=` padding and non-canonical trailing bits, as lenient JWT
/// libraries do; rejects any other character.
pub fn b64url_decode(segment: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    LENIENT.decode(segment).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWT_IO: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

    #[test]
    fn decodes_the_jwt_io_sample() {
        let token = decode(JWT_IO).expect("valid token");
        assert_eq!(token.form, Form::Jws);
        assert_eq!(token.alg(), Some("HS256"));
        assert_eq!(token.claims().unwrap()["name"], "John Doe");
        assert_eq!(token.signature.len(), 32);
        assert_eq!(token.signing_input(), &JWT_IO[..JWT_IO.rfind('.').unwrap()]);
    }

    #[test]
    fn accepts_an_unsigned_token_with_an_empty_signature() {
        let token = decode("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.").expect("alg none token");
        assert_eq!(token.alg(), Some("none"));
        assert!(token.signature.is_empty());
    }

    #[test]
    fn rejects_a_header_without_alg_and_non_object_headers() {
        // {"typ":"JWT"}
        assert!(decode("eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxIn0.c2ln").is_none());
        // "abc"
        assert!(decode("ImFiYyI.eyJzdWIiOiIxIn0.c2ln").is_none());
    }

    #[test]
    fn rejects_wrong_segment_counts_and_bad_base64() {
        assert!(decode("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0").is_none());
        assert!(decode("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.a.b").is_none());
        assert!(decode("eyJhbGciOiJub25lIn0.e$J.c2ln").is_none());
    }

    #[test]
    fn accepts_padded_segments_and_opaque_payloads() {
        let token = decode("eyJhbGciOiJIUzI1NiJ9.aGVsbG8=.c2ln").expect("padded payload");
        assert_eq!(token.payload, Payload::Opaque);
    }

    #[test]
    fn only_json_cut_short_is_a_truncated_payload() {
        // {"sub":"1
        assert_eq!(decode("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx.c2ln").unwrap().payload, Payload::Truncated);
        // {"exp":1e400}
        assert_eq!(decode("eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjFlNDAwfQ.c2ln").unwrap().payload, Payload::Opaque);
    }

    #[test]
    fn decodes_a_jwe_with_alg_and_enc() {
        // {"alg":"dir","enc":"A128GCM"}
        let jwe = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0..aXZpdml2aXZpdml2.Y2lwaGVy.dGFndGFndGFndGFn";
        let token = decode(jwe).expect("valid JWE");
        assert_eq!(token.form, Form::Jwe);
        assert_eq!(token.payload, Payload::Encrypted);
        // {"alg":"dir"} without enc is not a JWE
        assert!(decode("eyJhbGciOiJkaXIifQ..aXY.Y2lwaGVy.dGFn").is_none());
    }
}
