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

/// Reads `reader` to the end into `buf` (which may hold its first bytes already) a window at a
/// time and calls `scan` with each window: tokens
/// starting before its `limit` belong to it, the rest to the next. A window grows while one token
/// in progress fills it, up to `largest` bytes: a token longer than a window is still seen whole.
pub fn each_window(
    reader: &mut impl Read,
    buf: &mut Vec<u8>,
    largest: usize,
    scan: &mut dyn FnMut(Window<'_>),
) -> std::io::Result<()> {
    let mut origin = Origin::START;
    let largest = largest.max(WINDOW);
    let mut window = WINDOW;
    let mut read = buf.len();
    loop {
        let want = window - buf.len();
        let more = read_up_to(reader, buf, want)?;
        read += more;
        if more < want {
            scan(Window { buf, origin, limit: buf.len(), read });
            return Ok(());
        }
        let cut = match memchr::memrchr(b'\n', &buf[window / 2..]) {
            Some(index) => window / 2 + index + 1,
            None => match cut_inside_line(buf) {
                Some(cut) => cut,
                None if window < largest => {
                    window = window.saturating_mul(2).min(largest);
                    continue;
                }
                None => buf.len() - OVERLAP,
            },
        };
        scan(Window { buf, origin, limit: cut, read });
        read = 0;
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
/// the run of token characters that reaches the end, however long that run is; `None` when that
/// token starts the window (it fills it: the window must grow). Otherwise the last OVERLAP bytes
/// are scanned again, as a token may also start just before them.
fn cut_inside_line(buf: &[u8]) -> Option<usize> {
    let fallback = buf.len() - OVERLAP;
    let run_start = buf.iter().rposition(|&b| !is_token_byte(b)).map_or(0, |index| index + 1);
    let run = &buf[run_start..];
    let prefix = [memchr::memmem::find(run, b"eyJ"), memchr::memmem::find(run, b"ZXlK")].into_iter().flatten().min();
    match prefix.map(|offset| run_start + offset) {
        Some(0) => None,
        Some(start) => Some(start.min(fallback)),
        None => Some(fallback),
    }
}

/// Bytes a compact token or its base64 wrapper can hold.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'=' | b'+' | b'/')
}

pub fn read_up_to(reader: &mut impl Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<usize> {
    reader.take(want as u64).read_to_end(buf)
}
