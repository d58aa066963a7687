//! Content that is not plain text, routed before the scanner sees it: archives and compressed
//! streams are expanded (`crate::artifact`) and each member scanned as a file of its own; UTF-16
//! text is decoded to UTF-8 first. Everything else goes to the scanner as it is, after a look
//! at its first bytes.

use std::io::{self, Cursor, Read, SeekFrom};
use std::sync::Arc;

use crate::artifact::{self, Budget, Visitor};
use crate::collect::Collector;
use crate::config::Settings;
use crate::find::utf16;
use crate::pipeline::Scanner;

/// Bytes looked at before deciding: enough for every magic number and the UTF-16 test.
const HEAD: usize = artifact::HEAD;

/// What content is, by its first bytes.
enum Route {
    Archive(artifact::Kind),
    Utf16(utf16::Order, usize),
    Plain,
}

fn route(head: &[u8], settings: &Settings) -> Route {
    if settings.archives.max_depth > 0
        && let Some(kind) = artifact::detect(head)
    {
        return Route::Archive(kind);
    }
    match utf16::detect(head) {
        Some((order, mark)) => Route::Utf16(order, mark),
        None => Route::Plain,
    }
}

/// Where a member sits: the file, then the member chain, joined by `!`.
pub fn member_path(path: &str, chain: &[String]) -> String {
    let mut out = path.to_string();
    for name in chain {
        out.push('!');
        out.push_str(name);
    }
    out
}

/// Scans `source`, read from its start, named `path`: a file on disk or a blob in memory.
pub fn scan_source(
    scanner: &mut Scanner<'_>,
    path: &Arc<str>,
    source: &mut dyn artifact::ReadSeek,
    budget: &Budget,
    out: &mut Collector,
) -> io::Result<()> {
    let settings = scanner.settings();
    let mut head = [0u8; HEAD];
    let len = read_head(source, &mut head)?;
    let head = &head[..len];
    match route(head, settings) {
        Route::Plain => scanner.scan_reader(path, None, Cursor::new(head).chain(source), out),
        Route::Utf16(order, mark) => scan_utf16(scanner, path, head, source, (order, mark), out),
        Route::Archive(kind) => {
            source.seek(SeekFrom::Start(0))?;
            let mut leaves = Leaves { scanner, path, out };
            if artifact::expand(source, kind, path, &settings.archives, budget, &mut leaves).unopened {
                source.seek(SeekFrom::Start(0))?;
                return scanner.scan_reader(path, None, source, out);
            }
            out.files_scanned += 1;
            Ok(())
        }
    }
}

/// Reads a UTF-16 text whole (it is at most `--max-file-size`, or a member's cap) and scans
/// it decoded.
fn scan_utf16(
    scanner: &mut Scanner<'_>,
    path: &Arc<str>,
    head: &[u8],
    rest: &mut dyn Read,
    (order, mark): (utf16::Order, usize),
    out: &mut Collector,
) -> io::Result<()> {
    let mut raw = head.to_vec();
    rest.read_to_end(&mut raw)?;
    let mut text = Vec::new();
    utf16::decode(&raw[mark..], order, &mut text);
    drop(raw);
    scanner.scan_bytes(path, None, &text, out);
    Ok(())
}

fn read_head(source: &mut dyn Read, head: &mut [u8]) -> io::Result<usize> {
    let mut len = 0;
    while len < head.len() {
        match source.read(&mut head[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(len)
}

/// Scans each leaf member as a file; bounds hit and unreadable members are counted errors.
struct Leaves<'a, 's> {
    scanner: &'a mut Scanner<'s>,
    path: &'a Arc<str>,
    out: &'a mut Collector,
}

impl Visitor for Leaves<'_, '_> {
    fn leaf(&mut self, chain: &[String], head: &[u8], rest: &mut dyn Read) {
        let path: Arc<str> = Arc::from(member_path(self.path, chain));
        let result = match utf16::detect(head) {
            Some(route) => scan_utf16(self.scanner, &path, head, rest, route, self.out),
            None => self.scanner.scan_reader(&path, None, Cursor::new(head).chain(rest), self.out),
        };
        if let Err(err) = result {
            self.out.error(&path, &format!("read error: {err}"));
        }
    }

    fn warn(&mut self, chain: &[String], message: &str) {
        self.out.error(&member_path(self.path, chain), message);
    }
}
