//! UTF-16 text (Windows `.reg` exports, PowerShell scripts, some .NET and Visual Studio files):
//! told by its byte-order mark or, without one, by the NUL in every other byte that ASCII text
//! takes in UTF-16, and decoded to UTF-8 before tokens are looked for, so columns count the
//! characters of the decoded text.

/// The byte order of UTF-16 text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    Little,
    Big,
}

/// How many leading bytes `detect` looks at.
pub const HEAD: usize = 512;

/// Code units of mostly-ASCII text needed before text without a mark is taken for UTF-16.
const MIN_UNITS: usize = 16;

/// The byte order of the text starting with `head`, and the length of its byte-order mark, if it
/// is UTF-16: a mark (`FF FE`, `FE FF`, not the UTF-32 one `FF FE 00 00`), or at least 16 code
/// units of which nine in ten are printable ASCII or whitespace with a NUL beside them.
pub fn detect(head: &[u8]) -> Option<(Order, usize)> {
    let head = &head[..head.len().min(HEAD)];
    let marked = match head {
        [0xFF, 0xFE, 0, 0, ..] => return None,
        [0xFF, 0xFE, rest @ ..] => Some((Order::Little, rest)),
        [0xFE, 0xFF, rest @ ..] => Some((Order::Big, rest)),
        _ => None,
    };
    // Invalid UTF-8 can start with a mark too: the text after it must hold a line break or
    // other ASCII (a NUL beside it), and no surrogate out of place.
    if let Some((order, rest)) = marked {
        let units = || rest.chunks_exact(2).map(|unit| unit_of(unit, order));
        let ascii = rest.len() < 2 || units().any(|unit| unit < 0x80);
        // One error is a pair cut by the end of `head`.
        let paired = char::decode_utf16(units()).filter(Result::is_err).count() <= 1;
        return (ascii && paired).then_some((order, 2));
    }
    let units = head.len() / 2;
    // Most files hold no NUL at all: one SIMD pass turns them away (counting units cost about
    // 3,000 instructions a file).
    if units < MIN_UNITS || memchr::memchr(0, head).is_none() {
        return None;
    }
    let text = |b: u8| matches!(b, b'\t' | b'\n' | b'\r' | 0x20..=0x7E);
    // Nine in ten text units is at most one in ten others: a binary file is turned away after a
    // few of its units, not all of them.
    let mostly_text = |order: Order| {
        let mut others = 0;
        head.chunks_exact(2).all(|unit| {
            let is_text = match order {
                Order::Little => unit[1] == 0 && text(unit[0]),
                Order::Big => unit[0] == 0 && text(unit[1]),
            };
            others += usize::from(!is_text);
            others * 10 <= units
        })
    };
    [Order::Little, Order::Big].into_iter().find(|&order| mostly_text(order)).map(|order| (order, 0))
}

/// Appends `bytes` (UTF-16 without its mark) decoded to UTF-8 to `out`; a lone surrogate or odd
/// last byte becomes U+FFFD, as a text editor would show it.
pub fn decode(bytes: &[u8], order: Order, out: &mut Vec<u8>) {
    out.reserve(bytes.len() / 2);
    let units = bytes.chunks_exact(2).map(|unit| unit_of(unit, order));
    let mut utf8 = [0u8; 4];
    for decoded in char::decode_utf16(units) {
        let ch = decoded.unwrap_or(char::REPLACEMENT_CHARACTER);
        out.extend_from_slice(ch.encode_utf8(&mut utf8).as_bytes());
    }
    if bytes.len() % 2 == 1 {
        out.extend_from_slice(char::REPLACEMENT_CHARACTER.encode_utf8(&mut utf8).as_bytes());
    }
}

fn unit_of(unit: &[u8], order: Order) -> u16 {
    match order {
        Order::Little => u16::from_le_bytes([unit[0], unit[1]]),
        Order::Big => u16::from_be_bytes([unit[0], unit[1]]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(text: &str, order: Order, bom: bool) -> Vec<u8> {
        let mut bytes = Vec::new();
        if bom {
            bytes.extend_from_slice(match order {
                Order::Little => &[0xFF, 0xFE],
                Order::Big => &[0xFE, 0xFF],
            });
        }
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&match order {
                Order::Little => unit.to_le_bytes(),
                Order::Big => unit.to_be_bytes(),
            });
        }
        bytes
    }

    #[test]
    fn a_byte_order_mark_names_the_order_and_is_left_out_of_the_text() {
        for order in [Order::Little, Order::Big] {
            let bytes = encode("k=v ✓ 𝄞\n", order, true);
            assert_eq!(detect(&bytes), Some((order, 2)));
            let mut out = Vec::new();
            decode(&bytes[2..], order, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), "k=v ✓ 𝄞\n");
        }
    }

    #[test]
    fn ascii_text_without_a_mark_is_told_by_its_nuls() {
        let text = "Windows Registry Editor Version 5.00\r\n";
        assert_eq!(detect(&encode(text, Order::Little, false)), Some((Order::Little, 0)));
        assert_eq!(detect(&encode(text, Order::Big, false)), Some((Order::Big, 0)));
    }

    #[test]
    fn text_without_a_mark_is_utf16_up_to_one_unit_in_ten_that_is_not_text() {
        let units = |others: usize| -> Vec<u8> {
            let mut bytes = encode(&"a".repeat(100 - others), Order::Little, false);
            bytes.extend([0x01, 0x01].repeat(others));
            bytes
        };
        assert_eq!(detect(&units(10)), Some((Order::Little, 0)));
        assert_eq!(detect(&units(11)), None);
    }

    #[test]
    fn utf8_text_binary_data_and_utf32_are_not_utf16() {
        assert_eq!(detect(b"plain text that is long enough to be judged by its bytes\n"), None);
        let binary: Vec<u8> = (0..512u32).map(|i| (i * 7 % 256) as u8).collect();
        assert_eq!(detect(&binary), None);
        assert_eq!(detect(&[0u8; 512]), None);
        assert_eq!(detect(&[0xFF, 0xFE, 0, 0, b'a', 0, 0, 0]), None);
        assert_eq!(detect(b"\xff\xfe\xc3(\x80 key=eyJhbGciOiJSUzI1NiJ9"), None, "invalid UTF-8 after a mark");
        assert_eq!(detect(&encode("short", Order::Little, false)), None);
    }

    #[test]
    fn a_lone_surrogate_and_an_odd_last_byte_decode_to_replacement_characters() {
        let mut out = Vec::new();
        decode(&[0x00, 0xD8, b'a', 0, 0x41], Order::Little, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "\u{FFFD}a\u{FFFD}");
    }
}
