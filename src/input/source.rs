//! The one door from every source to the scanner. A file on disk, standard input, a symbolic
//! link's target, a history blob and a staged blob all hand their bytes here with a
//! `Provenance`; the scanner behind it never learns where they came from.
//!
//! What a source's bytes may hold besides text (an archive's members, an image's layers) is
//! expanded here, once, for every source: each member is fed back through `scan` with
//! `from.member(name)`, so the walk, `git` history and `git --staged` all see inside it alike.

use std::io::Read;

use crate::collect::Collector;
use crate::pipeline::Scanner;
use crate::provenance::Provenance;

/// The bytes of one source.
pub enum Content<'a> {
    /// Already in memory: a blob, a link's target.
    Bytes(&'a [u8]),
    /// A stream, read in bounded windows: a file, standard input.
    Reader(&'a mut dyn Read),
}

/// Scans `content`, which came from `from`, into `out`. A read error is returned after the
/// findings of what was read are kept; the caller counts it against its own name for the place.
pub fn scan(
    scanner: &mut Scanner<'_>,
    from: &Provenance,
    content: Content<'_>,
    out: &mut Collector,
) -> std::io::Result<()> {
    match content {
        Content::Bytes(buf) => {
            scanner.scan_bytes(from, buf, out);
            Ok(())
        }
        Content::Reader(reader) => scanner.scan_reader(from, reader, out),
    }
}
