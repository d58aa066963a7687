//! Lines that name a secret (`JWT_SECRET=…`, `jwt.secret: …`, `key = "…"`): found with one SIMD
//! search for the name parts, and the unquoted value such a line assigns.

use std::sync::LazyLock;

use super::{KeyForm, KeyOrigin, KeyStore, LineCounter, string_could_be};
use crate::find::needles::Literals;

/// Words that make a line name a secret: its unquoted value is kept, and its string literals are
/// tried first when the check budget bites.
const SECRET_NAME_PARTS: [&str; 10] = ["secret", "key", "jwt", "token", "hmac", "pass", "sign", "salt", "auth", "cred"];

/// In slim Teddy with buckets chosen for them (`find::buckets::NAMES`): 30 needles of common words
/// (`key`, `token`, `pass`) left in the written order fill its 8 buckets with false candidates.
static SECRET_NAMES: LazyLock<Literals> =
    LazyLock::new(|| Literals::planned(&named_needles(), &crate::find::buckets::NAMES, Some(true)));

/// The needles of `SECRET_NAMES`: each name part in lower, Capitalised and UPPER case.
pub(crate) fn named_needles() -> Vec<String> {
    crate::find::needles::cased(&SECRET_NAME_PARTS, &[])
}

/// Keeps the unquoted value a named line assigns, if any.
pub(super) fn push_value(
    store: &mut KeyStore,
    lines: &mut LineCounter,
    buf: &[u8],
    range: &std::ops::Range<usize>,
    path: &str,
    origin: &dyn Fn(u64, KeyForm, bool) -> KeyOrigin,
) {
    if let Some(value) = assigned_value(&buf[range.clone()]) {
        store.push_with(value, false, path, || origin(lines.line_of(range.start), KeyForm::Value, false));
    }
}

/// The lines of `buf` starting before `limit` that hold a secret-like name, ascending, without
/// their line break.
pub(super) fn named_lines(buf: &[u8], limit: usize) -> Vec<std::ops::Range<usize>> {
    let mut named: Vec<std::ops::Range<usize>> = Vec::new();
    let mut at = 0;
    while let Some((hit, _)) = SECRET_NAMES.find(buf, at) {
        let start = memchr::memrchr(b'\n', &buf[..hit.start]).map_or(0, |i| i + 1);
        if start >= limit {
            break;
        }
        let end = memchr::memchr(b'\n', &buf[hit.end..]).map_or(buf.len(), |i| hit.end + i);
        named.push(start..end);
        at = end;
    }
    named
}

/// The unquoted value of `NAME=value` / `NAME: value` (env, properties, YAML, TOML) when NAME
/// looks like it names a secret; quoted values are left to `literals`.
fn assigned_value(line: &[u8]) -> Option<&[u8]> {
    let line = line.trim_ascii();
    let line = line.strip_prefix(b"export ").unwrap_or(line);
    let line = line.strip_prefix(b"- ").unwrap_or(line).trim_ascii_start();
    let name_len = line.iter().position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')))?;
    if name_len == 0 {
        return None;
    }
    // Most lines assign nothing: check the `=`/`:` before looking at the name.
    let rest = line[name_len..].trim_ascii_start();
    let rest = match rest.first() {
        Some(b'=' | b':') if rest.get(1) != Some(&b'=') => &rest[1..],
        _ => return None,
    };
    if !names_a_secret(&line[..name_len]) {
        return None;
    }
    let mut value = rest.trim_ascii();
    if let Some(comment) = memchr::memmem::find(value, b" #") {
        value = value[..comment].trim_ascii_end();
    }
    let value = value.strip_suffix(b";").or_else(|| value.strip_suffix(b",")).unwrap_or(value);
    match value.first() {
        None | Some(b'"' | b'\'' | b'`' | b'{' | b'[' | b'|' | b'>' | b'&' | b'*' | b'!') => None,
        _ if string_could_be(value) => Some(value),
        _ => None,
    }
}

/// Whether `name` holds one of `SECRET_NAME_PARTS` in any case. Most names hold none: a part is
/// compared only where a byte that starts one is, so a name is read about once.
fn names_a_secret(name: &[u8]) -> bool {
    static STARTS: [bool; 256] = {
        let mut table = [false; 256];
        let mut part = 0;
        while part < SECRET_NAME_PARTS.len() {
            let first = SECRET_NAME_PARTS[part].as_bytes()[0];
            table[first.to_ascii_lowercase() as usize] = true;
            table[first.to_ascii_uppercase() as usize] = true;
            part += 1;
        }
        table
    };
    (0..name.len()).any(|at| {
        STARTS[name[at] as usize]
            && SECRET_NAME_PARTS.iter().any(|part| {
                name[at..].get(..part.len()).is_some_and(|window| window.eq_ignore_ascii_case(part.as_bytes()))
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_names_a_secret_when_it_holds_a_part_in_any_case() {
        let slow = |name: &[u8]| {
            SECRET_NAME_PARTS
                .iter()
                .any(|part| name.windows(part.len()).any(|window| window.eq_ignore_ascii_case(part.as_bytes())))
        };
        let names = "JWT_SECRET jwt.sEcReT apiKey x ke monkey AUTHOR cre session_salt sig design PaSs tok_en c HMAC \
                     xxxxsecre secre_t créd k€y";
        for name in names.split(' ').chain([""]) {
            assert_eq!(names_a_secret(name.as_bytes()), slow(name.as_bytes()), "{name}");
        }
        assert!(names_a_secret(b"jwt.sEcReT") && !names_a_secret(b"secre_t"));
    }
}
