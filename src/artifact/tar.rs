//! Tar archives (ustar, GNU, PAX), read as a stream: a `docker save` tarball, a layer, a `.tgz`.
//! Only regular files are members: directories, links and devices are names, and whiteouts
//! (`.wh.*`, a layer deleting a file of the one below) are skipped.

use std::cell::Cell;
use std::io::{self, Read};

use tar::EntryType;

use super::{Expander, base_name};

/// Bytes the tar reader may read between two members: headers, a GNU long name or a PAX record.
/// It reads those whole into memory, so a hostile 4 GB "long name" must stop here.
const HEADER_BYTES: u64 = 1 << 20;

/// Lets the tar reader read at most `left` bytes (the headers between members); the members'
/// own content is read with the gate open (`u64::MAX`).
struct Gate<'a> {
    inner: &'a mut dyn Read,
    left: &'a Cell<u64>,
}

impl Read for Gate<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.left.get();
        if left == 0 {
            return Err(io::Error::other(format!("more than {HEADER_BYTES} bytes of headers between two members")));
        }
        let len = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..len])?;
        self.left.set(left - n as u64);
        Ok(n)
    }
}

impl Expander<'_> {
    /// Expands a tar archive opened at `depth`.
    pub(super) fn tar(&mut self, source: &mut dyn Read, depth: u8) {
        let left = Cell::new(HEADER_BYTES);
        let mut archive = tar::Archive::new(Gate { inner: source, left: &left });
        let cuts = self.counters.cuts.get();
        let mut entries = match archive.entries() {
            Ok(entries) => entries,
            Err(err) => return self.warn(&format!("cannot read the tar: {err}")),
        };
        loop {
            left.set(HEADER_BYTES);
            let mut entry = match entries.next() {
                None => break,
                Some(Ok(entry)) => entry,
                Some(Err(err)) => {
                    // A stream cut by a bound already said why the tar ends early.
                    if self.counters.cuts.get() == cuts {
                        self.warn(&format!("cannot read the tar: {err}"));
                    }
                    break;
                }
            };
            left.set(u64::MAX);
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let member = matches!(entry.header().entry_type(), EntryType::Regular | EntryType::Continuous)
                && !base_name(&name).starts_with(".wh.");
            if member {
                if !self.admit_member() {
                    break;
                }
                self.chain.push(name.clone());
                self.content(&mut entry, &name, depth);
                self.chain.pop();
            }
            // The reader skips what is left of a member by reading it: read it here, gate open.
            if let Err(err) = io::copy(&mut entry, &mut io::sink()) {
                if self.counters.cuts.get() == cuts {
                    self.warn(&format!("cannot read the tar: {err}"));
                }
                break;
            }
        }
    }
}
