//! Bounded reads: a file is read in windows of `WINDOW` bytes so memory stays bounded whatever its
//! size, cut at a line break where one is near, so a token is always seen whole in one window.

use std::io::Read;

use crate::collect::Origin;
use crate::finding::char_count;

/// Files are read in windows of this size so memory stays bounded whatever the file size.
pub const WINDOW: usize = 16 << 20;
/// When a window holds no line break, this much of its end is scanned again with the next window
/// so a token across the cut is still found whole.
pub const OVERLAP: usize = 1 << 20;

/// A window: its bytes, where it starts in the file, where its own tokens end (`limit`) and how
/// many new bytes it brought.
pub struct Window<'a> {
    pub buf: &'a [u8],
    pub origin: Origin,
    pub limit: usize,
    pub read: usize,
}

/// Reads `reader` to the end into `buf` a window at a time and calls `scan` with each window: tokens
/// starting before its `limit` belong to it, the rest to the next.
pub fn each_window(reader: &mut impl Read, buf: &mut Vec<u8>, scan: &mut dyn FnMut(Window<'_>)) -> std::io::Result<()> {
    let mut origin = Origin::START;
    loop {
        let want = WINDOW - buf.len();
        let read = read_up_to(reader, buf, want)?;
        if read < want {
            scan(Window { buf, origin, limit: buf.len(), read });
            return Ok(());
        }
        let cut = match memchr::memrchr(b'\n', &buf[WINDOW / 2..]) {
            Some(index) => WINDOW / 2 + index + 1,
            None => cut_inside_line(buf),
        };
        scan(Window { buf, origin, limit: cut, read });
        let consumed = &buf[..cut];
        match memchr::memrchr(b'\n', consumed) {
            Some(last) => {
                origin.line += memchr::memchr_iter(b'\n', consumed).count() as u64;
                origin.column = char_count(&consumed[last + 1..]);
            }
            None => origin.column += char_count(consumed),
        }
        buf.drain(..cut);
    }
}

/// Where to cut a full window whose second half holds no line break. A token that runs into the
/// window's end moves whole into the next window: the cut goes before the first token prefix in
/// the run of token characters that reaches the end, however long that run is. Otherwise the last
/// OVERLAP bytes are scanned again, as a token may also start just before them.
fn cut_inside_line(buf: &[u8]) -> usize {
    let fallback = buf.len() - OVERLAP;
    let run_start = buf.iter().rposition(|&b| !is_token_byte(b)).map_or(0, |index| index + 1);
    let run = &buf[run_start..];
    let prefix = [memchr::memmem::find(run, b"eyJ"), memchr::memmem::find(run, b"ZXlK")].into_iter().flatten().min();
    match prefix.map(|offset| run_start + offset) {
        Some(start) if start > 0 => start.min(fallback),
        _ => fallback,
    }
}

/// Bytes a compact token or its base64 wrapper can hold.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'=' | b'+' | b'/')
}

fn read_up_to(reader: &mut impl Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<usize> {
    reader.take(want as u64).read_to_end(buf)
}
