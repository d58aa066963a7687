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
    /// What in its header or claims JSON strict parsers reject and common verifiers accept
    /// (see `lenient`): read anyway, and said in `leaked-token`'s evidence.
    pub unusual_json: Vec<&'static str>,
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
    let mut unusual_json = Vec::new();
    let header = match parse_lenient(&b64url_decode(segments[0])?, &mut unusual_json).ok()? {
        Value::Object(map) => map,
        _ => return None,
    };
    header.get("alg")?.as_str()?;
    match form {
        Form::Jws => {
            let payload_bytes = b64url_decode(segments[1])?;
            let signature = b64url_decode(segments[2])?;
            let payload = match parse_lenient(&payload_bytes, &mut unusual_json) {
                Ok(Value::Object(claims)) => Payload::Claims(claims),
                // Only running out of input means "cut short".
                Err(err) if err.classify() == serde_json::error::Category::Eof => Payload::Truncated,
                _ => Payload::Opaque,
            };
            Some(Token { compact, form, header, payload, signature, unusual_json })
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
            Some(Token { compact, form, header, payload: Payload::Encrypted, signature: Vec::new(), unusual_json })
        }
    }
}

/// Deepest nesting kept when JSON is read leniently: below serde_json's limit of 128.
const LENIENT_DEPTH: usize = 100;

/// JSON as common verifiers read it: serde_json first; if it refuses, once more after `lenient`
/// has mended what they accept (a number out of range, a lone surrogate, nesting past serde's
/// limit), each mend named in `unusual`. Errors are serde's, of the text as given.
fn parse_lenient(bytes: &[u8], unusual: &mut Vec<&'static str>) -> Result<Value, serde_json::Error> {
    let err = match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => return Ok(value),
        Err(err) if err.classify() == serde_json::error::Category::Eof => return Err(err),
        Err(err) => err,
    };
    let mut mended = Vec::new();
    let found = lenient(bytes, &mut mended);
    if found.is_empty() {
        return Err(err);
    }
    let value = serde_json::from_slice::<Value>(&mended).map_err(|_| err)?;
    for what in found {
        if !unusual.contains(&what) {
            unusual.push(what);
        }
    }
    Ok(value)
}

/// Copies JSON `text` to `out`, mending what strict parsers refuse: a number out of the `f64`
/// range becomes the largest finite one, a lone UTF-16 surrogate escape `\ufffd`, and a value
/// nested deeper than `LENIENT_DEPTH` `null`. Returns what it mended. One pass, linear.
fn lenient(text: &[u8], out: &mut Vec<u8>) -> Vec<&'static str> {
    let mut found: Vec<&'static str> = Vec::new();
    let mut note = |what: &'static str| {
        if !found.contains(&what) {
            found.push(what);
        }
    };
    let mut depth = 0usize;
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        match b {
            b'"' => {
                out.push(b);
                i += 1;
                while i < text.len() && text[i] != b'"' {
                    if text[i] == b'\\' && text.get(i + 1) == Some(&b'u') {
                        let unit = hex4(text, i + 2);
                        let low = hex4(text, i + 8).filter(|_| text.get(i + 6..i + 8) == Some(b"\\u"));
                        match unit {
                            Some(0xD800..=0xDBFF) if low.is_some_and(|low| (0xDC00..=0xDFFF).contains(&low)) => {
                                out.extend_from_slice(&text[i..i + 12]);
                                i += 12;
                            }
                            Some(0xD800..=0xDFFF) => {
                                note("lone UTF-16 surrogate");
                                out.extend_from_slice(b"\\ufffd");
                                i += 6;
                            }
                            _ => {
                                out.extend_from_slice(&text[i..(i + 2).min(text.len())]);
                                i += 2;
                            }
                        }
                        continue;
                    }
                    let step = if text[i] == b'\\' { 2 } else { 1 };
                    out.extend_from_slice(&text[i..(i + step).min(text.len())]);
                    i += step;
                }
                if i < text.len() {
                    out.push(b'"');
                    i += 1;
                }
            }
            b'-' | b'0'..=b'9' => {
                let end = i + text[i..]
                    .iter()
                    .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                    .unwrap_or(text.len() - i);
                let number = std::str::from_utf8(&text[i..end]).ok().and_then(|n| n.parse::<f64>().ok());
                match number {
                    Some(n) if n.is_infinite() => {
                        note("number out of range");
                        out.extend_from_slice(if n < 0.0 {
                            b"-1.7976931348623157e308"
                        } else {
                            b"1.7976931348623157e308"
                        });
                    }
                    _ => out.extend_from_slice(&text[i..end]),
                }
                i = end;
            }
            b'[' | b'{' if depth >= LENIENT_DEPTH => {
                note("nesting deeper than 100");
                out.extend_from_slice(b"null");
                i = skip_value(text, i);
            }
            b'[' | b'{' => {
                depth += 1;
                out.push(b);
                i += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                out.push(b);
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    found
}

/// The four hex digits at `at` as a number.
fn hex4(text: &[u8], at: usize) -> Option<u32> {
    let digits = std::str::from_utf8(text.get(at..at + 4)?).ok()?;
    u32::from_str_radix(digits, 16).ok()
}

/// One past the array or object opening at `start`, strings skipped.
fn skip_value(text: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < text.len() {
        match text[i] {
            b'"' => {
                i += 1;
                while i < text.len() && text[i] != b'"' {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    text.len()
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
        // [1, 2
        assert_eq!(decode("eyJhbGciOiJIUzI1NiJ9.WzEsIDI.c2ln").unwrap().payload, Payload::Truncated);
    }

    fn encoded(json: &str) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    #[test]
    fn json_strict_parsers_refuse_but_verifiers_accept_is_read_and_named() {
        let deep = format!("{{\"sub\":\"1\",\"x\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        let cases = [
            (r#"{"alg":"HS256","x":1e999}"#, r#"{"exp":1e400}"#, vec!["number out of range"]),
            (r#"{"alg":"HS256","kid":"\ud800"}"#, r#"{"sub":"\udc00x"}"#, vec!["lone UTF-16 surrogate"]),
            (r#"{"alg":"HS256"}"#, deep.as_str(), vec!["nesting deeper than 100"]),
        ];
        for (header, claims, unusual) in cases {
            let compact = format!("{}.{}.c2ln", encoded(header), encoded(claims));
            let token = decode(&compact).unwrap_or_else(|| panic!("{header} {claims}"));
            assert_eq!(token.alg(), Some("HS256"));
            assert!(token.claims().is_some(), "{claims}");
            assert_eq!(token.unusual_json, unusual, "{header} {claims}");
        }
        assert_eq!(decode(JWT_IO).unwrap().unusual_json, Vec::<&str>::new());
    }

    #[test]
    fn lenient_reading_keeps_valid_pairs_and_escapes() {
        let mut out = Vec::new();
        let found = lenient(br#"{"a":"\ud83d\ude00 \" \\u","b":[-1e999,2.5]}"#, &mut out);
        assert_eq!(found, ["number out of range"]);
        let value: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value["a"], "\u{1f600} \" \\u");
        assert_eq!(value["b"][0], -f64::MAX);
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
