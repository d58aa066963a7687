//! gzip and zlib streams inside a decoded layer, inflated up to a ratio and an absolute cap so a
//! compression bomb costs a bounded, small amount of work.

use super::Layer;

/// Inflated bytes allowed per compressed byte: text and JSON deflate by 3–15×, a bomb by ~1000×.
const RATIO: usize = 50;
/// Inflated bytes allowed per stream, whatever the ratio.
const ABSOLUTE: usize = 16 << 20;

/// The kind of compressed stream `buf` holds and its deflate data (gzip) or whole stream (zlib).
pub(super) fn compressed(buf: &[u8]) -> Option<(Layer, &[u8])> {
    match buf {
        [0x1f, 0x8b, 8, flags, _, _, _, _, _, _, rest @ ..] => gzip_body(*flags, rest).map(|body| (Layer::Gzip, body)),
        [cmf, flg, ..]
            if cmf & 0x0f == 8
                && cmf >> 4 <= 7
                && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0
                && flg & 0x20 == 0 =>
        {
            Some((Layer::Zlib, buf))
        }
        _ => None,
    }
}

/// The deflate data after a gzip header's optional fields (RFC 1952 §2.3).
fn gzip_body(flags: u8, mut rest: &[u8]) -> Option<&[u8]> {
    const FHCRC: u8 = 2;
    const FEXTRA: u8 = 4;
    const FNAME: u8 = 8;
    const FCOMMENT: u8 = 16;
    if flags & FEXTRA != 0 {
        let len = usize::from(u16::from_le_bytes([*rest.first()?, *rest.get(1)?]));
        rest = rest.get(2 + len..)?;
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let end = memchr::memchr(0, rest)?;
            rest = &rest[end + 1..];
        }
    }
    if flags & FHCRC != 0 {
        rest = rest.get(2..)?;
    }
    Some(rest)
}

/// How many bytes a stream of `len` compressed bytes may inflate to, within `budget`.
pub(super) fn limit(len: usize, budget: usize) -> usize {
    len.saturating_mul(RATIO).min(ABSOLUTE).min(budget)
}

/// Inflates `stream` up to `limit` bytes: what came out, and whether the cap cut it short. A
/// corrupt or truncated stream gives what inflated before the damage.
pub(super) fn inflate(kind: Layer, stream: &[u8], limit: usize) -> (Vec<u8>, bool) {
    use miniz_oxide::inflate::{TINFLStatus, decompress_to_vec_with_limit, decompress_to_vec_zlib_with_limit};
    let result = match kind {
        Layer::Zlib => decompress_to_vec_zlib_with_limit(stream, limit),
        _ => decompress_to_vec_with_limit(stream, limit),
    };
    match result {
        Ok(out) => (out, false),
        Err(err) => {
            let capped = err.status == TINFLStatus::HasMoreOutput;
            (err.output, capped)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use miniz_oxide::deflate::{compress_to_vec, compress_to_vec_zlib};

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
        out.extend(compress_to_vec(data, 6));
        out.extend([0; 8]);
        out
    }

    #[test]
    fn inflates_gzip_with_optional_header_fields_and_zlib() {
        let data = b"{\"token\":\"abc\"}".repeat(10);
        assert_eq!(
            compressed(&gzip(&data)).map(|(kind, body)| inflate(kind, body, 1 << 20)),
            Some((data.clone(), false))
        );
        let mut named = vec![0x1f, 0x8b, 8, 8 | 4, 0, 0, 0, 0, 0, 0xff, 2, 0, b'x', b'y', b'f', b'.', b'j', 0];
        named.extend(compress_to_vec(&data, 6));
        assert_eq!(compressed(&named).map(|(kind, body)| inflate(kind, body, 1 << 20)), Some((data.clone(), false)));
        let zlib = compress_to_vec_zlib(&data, 6);
        assert_eq!(
            compressed(&zlib).map(|(kind, body)| (kind, inflate(kind, body, 1 << 20))),
            Some((Layer::Zlib, (data, false)))
        );
    }

    #[test]
    fn a_bomb_stops_at_the_cap() {
        let bomb = gzip(&vec![0u8; 16 << 20]);
        let (kind, body) = compressed(&bomb).unwrap();
        let cap = limit(body.len(), usize::MAX);
        assert!(cap < 4 << 20, "{cap}");
        let started = std::time::Instant::now();
        let (out, capped) = inflate(kind, body, cap);
        assert!(capped);
        assert_eq!(out.len(), cap);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn text_is_not_taken_for_a_stream() {
        for text in [&b"xyz is not zlib"[..], b"\x1f\x8b", b"hello", b""] {
            assert_eq!(compressed(text).map(|(kind, _)| kind), None, "{text:?}");
        }
    }
}
