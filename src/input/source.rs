//! The one door from every source to the scanner. A file on disk, standard input, a symbolic
//! link's target, a history blob and a staged blob all hand their bytes here with a
//! `Provenance`; the scanner behind it never learns where they came from.
//!
//! What a source's bytes may hold besides text is routed here, once, for every source, by its
//! first bytes: an archive, compressed stream or image layer is expanded (`crate::artifact`)
//! and each member scanned with `from.member(name)…`, so the walk, `git` history and
//! `git --staged` all see inside it alike; UTF-16 text is decoded to UTF-8 first
//! (`find::utf16`); anything else goes to the scanner as it is.

use std::io::{self, Cursor, Read, SeekFrom};

use crate::artifact::{self, ReadSeek, Visitor};
use crate::collect::Collector;
use crate::find::utf16;
use crate::pipeline::Scanner;
use crate::provenance::{Provenance, render};

/// The bytes of one source.
pub enum Content<'a> {
    /// Already in memory: a blob, a link's target.
    Bytes(&'a [u8]),
    /// A file: read in bounded windows, and where a zip's directory points.
    Seekable(&'a mut dyn ReadSeek),
    /// A file whose start `Scanner::read_start` has read (and whether that was all of it).
    Started(&'a mut dyn ReadSeek, bool),
    /// A stream, read in bounded windows: standard input.
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
    let settings = scanner.settings();
    let archives = settings.archives.max_depth > 0;
    match content {
        Content::Bytes(buf) => {
            let head = &buf[..buf.len().min(artifact::HEAD)];
            if let Some(kind) = artifact::detect(head).filter(|_| archives) {
                let source = artifact::Source::Seekable(&mut Cursor::new(buf));
                if !expand(scanner, from, source, kind, out) {
                    scanner.scan_bytes(from, buf, out);
                }
                return Ok(());
            }
            match utf16::detect(head) {
                Some((order, mark)) => scan_utf16(scanner, from, &buf[..mark], &mut &buf[mark..], order, out),
                None => {
                    scanner.scan_bytes(from, buf, out);
                    Ok(())
                }
            }
        }
        Content::Seekable(source) => {
            let (_, at_end) = scanner.read_start(&mut *source)?;
            scan(scanner, from, Content::Started(source, at_end), out)
        }
        Content::Started(source, at_end) => {
            let start = scanner.started();
            let head = &start[..start.len().min(artifact::HEAD)];
            let (archive, utf16) = (artifact::detect(head).filter(|_| archives), utf16::detect(head));
            if let Some(kind) = archive {
                source.seek(SeekFrom::Start(0))?;
                if !expand(scanner, from, artifact::Source::Seekable(&mut *source), kind, out) {
                    source.seek(SeekFrom::Start(0))?;
                    return scanner.scan_reader(from, source, out);
                }
                return Ok(());
            }
            match utf16 {
                Some((order, mark)) => {
                    let start = scanner.take_start();
                    let mut body = Cursor::new(&start[mark..]).chain(source);
                    scan_utf16(scanner, from, &[], &mut body, order, out)
                }
                None if at_end => scanner.scan_rest(from, io::empty(), out),
                None => scanner.scan_rest(from, source, out),
            }
        }
        Content::Reader(source) => {
            let mut head = [0u8; artifact::HEAD];
            let len = artifact::read_head(source, &mut head)?;
            let head = &head[..len];
            if let Some(kind) = artifact::detect(head).filter(|_| archives) {
                // Not rewound: a stream that turns out not to be the archive it began like is
                // only warned about.
                let mut stream = Cursor::new(head).chain(source);
                expand(scanner, from, artifact::Source::Stream(&mut stream), kind, out);
                return Ok(());
            }
            scan_text(scanner, from, head, source, out)
        }
    }
}

/// Expands an archive into the scanner; false when it could not be opened at all (a warning
/// says why), so the caller scans its raw bytes as it would any file.
fn expand(
    scanner: &mut Scanner<'_>,
    from: &Provenance,
    source: artifact::Source<'_>,
    kind: artifact::Kind,
    out: &mut Collector,
) -> bool {
    let settings = scanner.settings();
    let mut leaves = Leaves { scanner, from, out };
    let outcome = artifact::expand(source, kind, &from.path, &settings.archives, &settings.archive_budget, &mut leaves);
    if !outcome.unopened {
        out.files_scanned += 1;
    }
    !outcome.unopened
}

/// Text that starts with `head` and goes on in `rest`: decoded first if it is UTF-16.
fn scan_text(
    scanner: &mut Scanner<'_>,
    from: &Provenance,
    head: &[u8],
    rest: &mut dyn Read,
    out: &mut Collector,
) -> io::Result<()> {
    match utf16::detect(head) {
        Some((order, mark)) => {
            let mut body = Cursor::new(&head[mark..]).chain(rest);
            scan_utf16(scanner, from, &[], &mut body, order, out)
        }
        None => scanner.scan_reader(from, Cursor::new(head).chain(rest), out),
    }
}

/// Reads UTF-16 text whole (it is at most `--max-file-size`, or a member's cap) and scans it
/// decoded; `mark` (its byte-order mark, if read apart) is left out.
fn scan_utf16(
    scanner: &mut Scanner<'_>,
    from: &Provenance,
    mark: &[u8],
    body: &mut dyn Read,
    order: utf16::Order,
    out: &mut Collector,
) -> io::Result<()> {
    let mut raw = Vec::new();
    let read = body.read_to_end(&mut raw);
    let mut text = Vec::with_capacity(raw.len());
    utf16::decode(&raw, order, &mut text);
    drop(raw);
    scanner.scan_bytes(from, &text, out);
    out.bytes_scanned += mark.len() as u64;
    read.map(|_| ())
}

/// Scans each leaf member of an archive as a file of its own; bounds hit and members that
/// cannot be read are counted errors, named by the member's place.
struct Leaves<'a, 's> {
    scanner: &'a mut Scanner<'s>,
    from: &'a Provenance,
    out: &'a mut Collector,
}

impl Visitor for Leaves<'_, '_> {
    fn leaf(&mut self, chain: &[String], head: &[u8], rest: &mut dyn Read) {
        let member = chain.iter().fold(self.from.clone(), |from, name| from.member(name));
        if let Err(err) = scan_text(self.scanner, &member, head, rest, self.out) {
            self.out.error(member.shown(), &format!("read error: {err}"));
        }
    }

    fn warn(&mut self, chain: &[String], message: &str) {
        self.out.error(&render(self.from.shown(), chain), message);
    }
}
