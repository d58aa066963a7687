//! Percent-encoding (`data:,` URLs, query strings, form bodies, `%2B`/`%2F`/`%3D` in base64):
//! the value around a hit, whether it is percent-encoded, and its decoding.

use std::ops::Range;

/// Bytes a URL or form value can hold unescaped: printable ASCII but for the quotes and angle
/// brackets that delimit it in source text and markup, `&` (between form fields) and `\`.
fn in_value(b: u8) -> bool {
    b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'`' | b'<' | b'>' | b'&' | b'\\')
}

/// The value holding `hit`, not reaching before `floor`.
pub(super) fn value_around(buf: &[u8], hit: usize, floor: usize) -> Range<usize> {
    let mut start = hit;
    while start > floor && in_value(buf[start - 1]) {
        start -= 1;
    }
    let mut end = hit;
    while buf.get(end).is_some_and(|&b| in_value(b)) {
        end += 1;
    }
    start..end
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|digit| digit as u8)
}

fn escape_at(text: &[u8], at: usize) -> Option<u8> {
    match text.get(at..at + 3) {
        Some([b'%', high, low]) => Some(hex(*high)? << 4 | hex(*low)?),
        _ => None,
    }
}

/// Whether `text` holds a `%HH` escape.
pub(super) fn holds_escape(text: &[u8]) -> bool {
    memchr::memchr_iter(b'%', text).any(|at| escape_at(text, at).is_some())
}

/// `text` with every `%HH` replaced by its byte; a `%` not followed by two hex digits, and `+`,
/// stay as they are (an unescaped `+` in a value is far more often base64 than a space).
pub(super) fn decode(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        match escape_at(text, at) {
            Some(byte) => {
                out.push(byte);
                at += 3;
            }
            None => {
                out.push(text[at]);
                at += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_in_either_case_and_keeps_broken_ones_and_plus() {
        assert_eq!(decode(b"%7B%22a%22%3a%22b%2Bc%2fd%3D%22%7D"), b"{\"a\":\"b+c/d=\"}");
        assert_eq!(decode(b"100%+a+b%4"), b"100%+a+b%4");
        assert_eq!(decode(b"%zz%"), b"%zz%");
    }

    #[test]
    fn a_value_ends_at_quotes_spaces_and_form_separators() {
        let text = b"source: \"data:,%7B%22a%22%7D\" x";
        assert_eq!(&text[value_around(text, 16, 0)], b"data:,%7B%22a%22%7D");
        let text = b"a=1&token=ab%2Bcd&b=2";
        assert_eq!(&text[value_around(text, 12, 0)], b"token=ab%2Bcd");
        assert_eq!(value_around(text, 12, 7), 7..17);
    }

    #[test]
    fn only_a_percent_with_two_hex_digits_is_an_escape() {
        assert!(holds_escape(b"data:,%7B"));
        assert!(!holds_escape(b"100% sure %zz %4"));
    }
}
