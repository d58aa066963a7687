//! JSON Web Keys in file text: parsed for the `private-jwk` rule (keys holding private material:
//! `d` of RSA, EC and OKP keys, `k` of `oct` keys), and key candidates for `secret-in-repo` (the
//! PEM, DER and JSON forms of public keys that key-confused libraries feed to HMAC, and `oct`
//! secrets).
//!
//! Keys are found from their `kty` member, in JSON objects (standalone, in a JWKS `keys` array,
//! or inside a JSON string with escaped quotes) and in YAML mappings. Only windows holding `kty`
//! are looked at.

use base64::Engine as _;
use serde_json::{Map, Value};

use super::{KeyForm, KeyOrigin, KeyStore};

/// How far around `kty` a JSON key object may extend; real JWKs are a few KiB at most.
const MAX_OBJECT: usize = 64 * 1024;

/// A key found in the text, with the byte span of its private member if it has one.
pub struct FoundKey {
    pub members: Map<String, Value>,
    /// The key object as written (unescaped), for the JSON-text candidate.
    json: Option<Vec<u8>>,
    pub private: Option<PrivateMember>,
}

pub struct PrivateMember {
    pub name: &'static str,
    pub value: String,
    /// Its span in the buffer: the member name to the end of its value.
    pub start: usize,
    pub end: usize,
}

/// Calls `each(kty_offset, key)` for every key of `buf` whose `kty` starts before `limit`.
pub fn each_key(buf: &[u8], limit: usize, each: &mut dyn FnMut(usize, &FoundKey)) {
    let mut hits = memchr::memmem::find_iter(buf, b"kty").peekable();
    let mut previous = 0;
    while let Some(at) = hits.next() {
        if at >= limit {
            break;
        }
        // A key object holds one `kty`, so it lies between its neighbours': bounding the search
        // by them keeps a window full of `kty` linear.
        let span = previous..hits.peek().copied().unwrap_or(buf.len());
        previous = at + 3;
        if let Some(key) = json_key(buf, at, span.clone()).or_else(|| yaml_key(buf, at, span)) {
            each(at, &key);
        }
    }
}

/// Keeps the forms of `key` a library may use as an HMAC key.
pub fn collect(key: &FoundKey, origin: impl Fn(KeyForm, bool) -> KeyOrigin, store: &mut KeyStore) {
    for (bytes, form, public) in candidates(key) {
        store.push(&bytes, origin(form, public));
    }
}

/// The JSON object around a `"kty"` member (or `\"kty\"` inside an escaped JSON string).
fn json_key(buf: &[u8], at: usize, span: std::ops::Range<usize>) -> Option<FoundKey> {
    let before = &buf[..at];
    let escaped = before.ends_with(b"\\\"");
    if !before.ends_with(b"\"") {
        return None;
    }
    let after = &buf[at + 3..];
    let after = if escaped { after.strip_prefix(b"\\\"")? } else { after.strip_prefix(b"\"")? };
    if after.trim_ascii_start().first() != Some(&b':') {
        return None;
    }
    let open = enclosing_open_brace(buf, at, span.start)?;
    let close = matching_close_brace(buf, open, span.end)?;
    let raw = &buf[open..=close];
    let json = if escaped { unescape_quotes(raw) } else { raw.to_vec() };
    let members: Map<String, Value> = serde_json::from_slice(&json).ok()?;
    let private = private_name(&members).and_then(|(name, value)| {
        let quoted = if escaped { format!("\\\"{name}\\\"") } else { format!("\"{name}\"") };
        let mut from = 0;
        while let Some(offset) = memchr::memmem::find(&raw[from..], quoted.as_bytes()) {
            let start = from + offset;
            let rest = &raw[start + quoted.len()..];
            if rest.trim_ascii_start().first() == Some(&b':') {
                let value_end = memchr::memmem::find(rest, value.as_bytes()).map(|i| i + value.len());
                let end = value_end.map_or(start + quoted.len(), |i| start + quoted.len() + i + 1);
                return Some(PrivateMember { name, value, start: open + start, end: open + end.min(raw.len()) });
            }
            from = start + 1;
        }
        None
    });
    Some(FoundKey { members, json: Some(json), private })
}

fn unescape_quotes(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter();
    while let Some(&b) = bytes.next() {
        if b == b'\\' {
            match bytes.next() {
                Some(&next) => out.push(next),
                None => out.push(b),
            }
        } else {
            out.push(b);
        }
    }
    out
}

/// JWK members are strings and arrays of strings, so braces can be counted without parsing.
fn enclosing_open_brace(buf: &[u8], at: usize, floor: usize) -> Option<usize> {
    let floor = floor.max(at.saturating_sub(MAX_OBJECT));
    let mut depth = 0usize;
    for i in (floor..at).rev() {
        match buf[i] {
            b'}' => depth += 1,
            b'{' if depth == 0 => return Some(i),
            b'{' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn matching_close_brace(buf: &[u8], open: usize, ceiling: usize) -> Option<usize> {
    let ceiling = buf.len().min(ceiling).min(open + MAX_OBJECT);
    let mut depth = 0usize;
    for (i, &b) in buf.iter().enumerate().take(ceiling).skip(open) {
        match b {
            b'{' => depth += 1,
            b'}' if depth == 1 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The private member a key holds: `d` for RSA, EC and OKP, `k` for `oct`.
fn private_name(members: &Map<String, Value>) -> Option<(&'static str, String)> {
    let name = match members.get("kty")?.as_str()? {
        "oct" => "k",
        "RSA" | "EC" | "OKP" => "d",
        _ => return None,
    };
    let value = members.get(name)?.as_str()?;
    (!value.is_empty()).then(|| (name, value.to_string()))
}

/// A `kty:` key in a YAML mapping: its sibling `name: value` lines at the same indentation.
fn yaml_key(buf: &[u8], at: usize, span: std::ops::Range<usize>) -> Option<FoundKey> {
    let line_start = memchr::memrchr(b'\n', &buf[..at]).map_or(0, |i| i + 1);
    let prefix = &buf[line_start..at];
    let item = prefix.trim_ascii_start().strip_prefix(b"-").map(<[u8]>::trim_ascii);
    if !(prefix.iter().all(|b| *b == b' ') || item.is_some_and(<[u8]>::is_empty)) {
        return None;
    }
    if buf.get(at + 3) != Some(&b':') {
        return None;
    }
    let indent = at - line_start;
    let starts_item = prefix.contains(&b'-');
    let mut pairs: Vec<YamlPair> = Vec::new();
    let mut add = |line_start: usize, line: &[u8], key_offset: usize| {
        if let Some(mut pair) = line.get(key_offset..).and_then(yaml_pair) {
            pair.start += line_start + key_offset;
            pair.end += line_start + key_offset;
            pairs.push(pair);
        }
    };
    // The kty line and the lines above it, up to the start of the list item or mapping.
    let mut cursor = line_start;
    let mut at_item_start = starts_item;
    add(line_start, &buf[line_start..line_end(buf, line_start)], indent);
    while cursor > span.start && !at_item_start {
        let previous_start = memchr::memrchr(b'\n', &buf[..cursor - 1]).map_or(0, |i| i + 1);
        let line = &buf[previous_start..cursor - 1];
        cursor = previous_start;
        match yaml_indent(line, indent) {
            Indent::Same => add(previous_start, line, indent),
            Indent::Item => {
                add(previous_start, line, indent);
                at_item_start = true;
            }
            Indent::Deeper | Indent::Blank => {}
            Indent::Shallower => break,
        }
    }
    let mut next = line_end(buf, line_start) + 1;
    while next < span.end {
        let end = line_end(buf, next);
        let line = &buf[next..end];
        match yaml_indent(line, indent) {
            Indent::Same => add(next, line, indent),
            Indent::Deeper | Indent::Blank => {}
            Indent::Item | Indent::Shallower => break,
        }
        next = end + 1;
    }
    // Members ending in a comma are a JavaScript or Python object literal, not YAML: there an
    // unquoted value is an expression (`k: b64u(key)`, `d: jwk.d`), never key material.
    let code = pairs.iter().any(|pair| pair.comma);
    let mut members = Map::new();
    let mut private_at: Vec<(String, usize, usize)> = Vec::new();
    for pair in pairs {
        if !pair.quoted && (code || !plain_scalar(&pair.name, &pair.value)) {
            continue;
        }
        private_at.push((pair.name.clone(), pair.start, pair.end));
        members.entry(pair.name).or_insert(Value::String(pair.value));
    }
    let private = private_name(&members).and_then(|(name, value)| {
        let (_, start, end) = private_at.iter().find(|(member, _, _)| member == name)?;
        Some(PrivateMember { name, value, start: *start, end: *end })
    });
    Some(FoundKey { members, json: None, private })
}

/// Whether an unquoted YAML value of member `name` is a literal: no call, operator or separator,
/// and for the private members (`d`, `k`) base64url text, which key material always is.
fn plain_scalar(name: &str, value: &str) -> bool {
    if value.bytes().any(|b| matches!(b, b'(' | b')' | b',' | b';' | b' ' | b'+' | b'{' | b'[')) {
        return false;
    }
    !matches!(name, "d" | "k") || value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'='))
}

fn line_end(buf: &[u8], start: usize) -> usize {
    memchr::memchr(b'\n', &buf[start.min(buf.len())..]).map_or(buf.len(), |i| start + i)
}

enum Indent {
    Same,
    /// `- name: value` whose name sits at the indentation: the first line of a list item.
    Item,
    Deeper,
    Shallower,
    Blank,
}

fn yaml_indent(line: &[u8], indent: usize) -> Indent {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let spaces = line.iter().take_while(|b| **b == b' ').count();
    let rest = &line[spaces..];
    if rest.is_empty() || rest.starts_with(b"#") {
        return Indent::Blank;
    }
    if rest.starts_with(b"- ") || rest == b"-" {
        let key_column = spaces + 1 + rest[1..].iter().take_while(|b| **b == b' ').count();
        return if key_column == indent {
            Indent::Item
        } else if spaces < indent {
            Indent::Shallower
        } else {
            Indent::Deeper
        };
    }
    match spaces.cmp(&indent) {
        std::cmp::Ordering::Equal => Indent::Same,
        std::cmp::Ordering::Greater => Indent::Deeper,
        std::cmp::Ordering::Less => Indent::Shallower,
    }
}

/// One `name: value` line of a mapping: offsets are relative to the name until placed.
struct YamlPair {
    name: String,
    value: String,
    start: usize,
    /// One past the value.
    end: usize,
    /// The value was a quoted string: a literal whatever the surrounding syntax.
    quoted: bool,
    /// The line ends in a comma after the value (an object literal in code).
    comma: bool,
}

/// `name: value` with a scalar value (quotes, a trailing comma and comments removed).
fn yaml_pair(text: &[u8]) -> Option<YamlPair> {
    let text = text.strip_suffix(b"\r").unwrap_or(text);
    let colon = memchr::memchr(b':', text)?;
    let name = std::str::from_utf8(&text[..colon]).ok()?.trim().trim_matches(|c| c == '"' || c == '\'');
    if name.is_empty() || name.contains(' ') {
        return None;
    }
    let after = &text[colon + 1..];
    let leading = after.len() - after.trim_ascii_start().len();
    let value_start = colon + 1 + leading;
    let mut value = &text[value_start..];
    let value_end;
    let quoted = matches!(value.first(), Some(b'"' | b'\''));
    let comma;
    if let Some(quote @ (b'"' | b'\'')) = value.first().copied() {
        let close = memchr::memchr(quote, &value[1..])?;
        value_end = value_start + close + 2;
        comma = text[value_end..].trim_ascii_start().starts_with(b",");
        value = &value[1..=close];
    } else {
        if let Some(comment) = memchr::memmem::find(value, b" #").or_else(|| memchr::memmem::find(value, b" //")) {
            value = &value[..comment];
        }
        value = value.trim_ascii_end();
        comma = value.ends_with(b",");
        value = value.strip_suffix(b",").unwrap_or(value).trim_ascii_end();
        value_end = value_start + value.len();
    }
    if value.is_empty() {
        return None;
    }
    let value = String::from_utf8_lossy(value).into_owned();
    Some(YamlPair { name: name.to_string(), value, start: 0, end: value_end, quoted, comma })
}

/// The forms of a key a library may use as an HMAC key: (bytes, form, is it a public key).
fn candidates(key: &FoundKey) -> Vec<(Vec<u8>, KeyForm, bool)> {
    let mut out = Vec::new();
    let member = |name: &str| key.members.get(name).and_then(Value::as_str).and_then(crate::token::b64url_decode);
    let kty = key.members.get("kty").and_then(Value::as_str).unwrap_or("");
    if kty == "oct" {
        if let Some(text) = key.members.get("k").and_then(Value::as_str) {
            out.push((text.as_bytes().to_vec(), KeyForm::OctKeyText, false));
        }
        if let Some(bytes) = member("k") {
            out.push((bytes, KeyForm::OctKey, false));
        }
        return out;
    }
    if let Some(json) = &key.json {
        out.push((json.clone(), KeyForm::JwkJson, key.private.is_none()));
    }
    let crv = key.members.get("crv").and_then(Value::as_str).unwrap_or("");
    let spki = match kty {
        "RSA" => {
            let (Some(n), Some(e)) = (member("n"), member("e")) else { return out };
            out.extend(rsa_public_texts(&n, &e, [KeyForm::JwkPkcs1Pem, KeyForm::JwkPem, KeyForm::JwkDer]));
            return out;
        }
        "EC" => match (member("x"), member("y")) {
            (Some(x), Some(y)) => ec_spki(crv, &x, &y),
            _ => None,
        },
        "OKP" => member("x").and_then(|x| okp_spki(crv, &x)),
        _ => None,
    };
    if let Some(spki) = spki {
        push_pem(&mut out, "PUBLIC KEY", &spki, KeyForm::JwkPem);
        out.push((spki, KeyForm::JwkDer, true));
    }
    out
}

/// The texts of the RSA public key (`n`, `e`) a library may take as an HMAC key, as the forms
/// `[pkcs1, spki, der]` name them: PKCS#1 PEM and SubjectPublicKeyInfo PEM (each with and without
/// its final newline), then the SubjectPublicKeyInfo DER bytes.
pub(crate) fn rsa_public_texts(n: &[u8], e: &[u8], [pkcs1, spki, der]: [KeyForm; 3]) -> Vec<(Vec<u8>, KeyForm, bool)> {
    let mut out = Vec::new();
    let pkcs1_der = rsa_public_key(n, e);
    push_pem(&mut out, "RSA PUBLIC KEY", &pkcs1_der, pkcs1);
    let spki_der = rsa_spki(&pkcs1_der);
    push_pem(&mut out, "PUBLIC KEY", &spki_der, spki);
    out.push((spki_der, der, true));
    out
}

fn push_pem(out: &mut Vec<(Vec<u8>, KeyForm, bool)>, label: &str, der: &[u8], form: KeyForm) {
    let text = pem(label, der);
    out.push((text.trim_end().as_bytes().to_vec(), form, true));
    out.push((text.into_bytes(), form, true));
}

/// PEM text with 64-character lines and a final newline, as OpenSSL writes it.
pub fn pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut text = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        text.push_str(&String::from_utf8_lossy(chunk));
        text.push('\n');
    }
    text.push_str(&format!("-----END {label}-----\n"));
    text
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

fn der_uint(bytes: &[u8]) -> Vec<u8> {
    let trimmed = &bytes[bytes.iter().take_while(|b| **b == 0).count()..];
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_none_or(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(trimmed);
    der(0x02, &content)
}

fn bit_string(bytes: &[u8]) -> Vec<u8> {
    der(0x03, &[&[0u8][..], bytes].concat())
}

const RSA_ENCRYPTION: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];

/// PKCS#1 RSAPublicKey.
fn rsa_public_key(n: &[u8], e: &[u8]) -> Vec<u8> {
    der(0x30, &[der_uint(n), der_uint(e)].concat())
}

/// SubjectPublicKeyInfo wrapping a PKCS#1 RSAPublicKey.
fn rsa_spki(pkcs1: &[u8]) -> Vec<u8> {
    let algorithm = der(0x30, &[RSA_ENCRYPTION, &[0x05, 0x00]].concat());
    der(0x30, &[algorithm, bit_string(pkcs1)].concat())
}

fn ec_spki(crv: &str, x: &[u8], y: &[u8]) -> Option<Vec<u8>> {
    let curve: &[u8] = match crv {
        "P-256" => &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
        "P-384" => &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22],
        "P-521" => &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23],
        "secp256k1" => &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a],
        _ => return None,
    };
    let algorithm = der(0x30, &[EC_PUBLIC_KEY, curve].concat());
    let point = [&[0x04u8][..], x, y].concat();
    Some(der(0x30, &[algorithm, bit_string(&point)].concat()))
}

fn okp_spki(crv: &str, x: &[u8]) -> Option<Vec<u8>> {
    let oid: &[u8] = match crv {
        "X25519" => &[0x06, 0x03, 0x2b, 0x65, 0x6e],
        "X448" => &[0x06, 0x03, 0x2b, 0x65, 0x6f],
        "Ed25519" => &[0x06, 0x03, 0x2b, 0x65, 0x70],
        "Ed448" => &[0x06, 0x03, 0x2b, 0x65, 0x71],
        _ => return None,
    };
    Some(der(0x30, &[der(0x30, oid), bit_string(x)].concat()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_jwk_becomes_the_public_key_pem_openssl_writes() {
        // n and e of a 512-bit test key, and `openssl rsa -pubout` of it.
        let n = crate::token::b64url_decode(
            "qQUdACTbYLww0gVZH_4xkTR3govsfUwFPZVF7XScM3SerDLoDCc75o4dWtWOhJ0H_1prLVyj9E4Dt8GiKQStxw",
        )
        .unwrap();
        let spki = rsa_spki(&rsa_public_key(&n, &[1, 0, 1]));
        let expected = "-----BEGIN PUBLIC KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKkFHQAk22C8MNIFWR/+MZE0d4KL7H1M\nBT2VRe10nDN0nqwy6AwnO+aOHVrVjoSdB/9aay1co/ROA7fBoikErccCAwEAAQ==\n-----END PUBLIC KEY-----\n";
        assert_eq!(pem("PUBLIC KEY", &spki), expected);
    }
}
