//! Compressed streams: gzip, bzip2, xz, zstd. What comes out is one member, named after the
//! stream with its suffix taken off (`app.log.gz!app.log`), unless it is a tar: a `.tar.gz` is
//! one archive, its members are the tar's (`site.tgz!etc/app.env`).

use std::cell::Cell;
use std::io::Read;

use super::bounds::{Counted, Inflated};
use super::{Expander, HEAD, Kind, base_name, detect, read_head};

/// Memory an xz block's dictionary may take, in KiB: `xz -9` uses 64 MiB.
const XZ_MEMORY_KB: u32 = 128 << 10;

/// Suffixes taken off a stream's name to name what it holds, with what replaces them.
const SUFFIXES: [(&str, &str); 14] = [
    (".tgz", ".tar"),
    (".taz", ".tar"),
    (".tbz2", ".tar"),
    (".tbz", ".tar"),
    (".txz", ".tar"),
    (".tzst", ".tar"),
    (".gz", ""),
    (".gzip", ""),
    (".z", ""),
    (".bz2", ""),
    (".bz", ""),
    (".xz", ""),
    (".zst", ""),
    (".zstd", ""),
];

/// The name of what the stream named `name` holds: its base name without the compression
/// suffix, or the base name itself when it has none (an OCI blob is named by its digest).
pub(super) fn inner_name(name: &str) -> String {
    let base = base_name(name);
    let lower = base.to_ascii_lowercase();
    for (suffix, replacement) in SUFFIXES {
        if lower.len() > suffix.len() && lower.ends_with(suffix) {
            return format!("{}{replacement}", &base[..base.len() - suffix.len()]);
        }
    }
    base.to_string()
}

impl Expander<'_> {
    /// Decompresses a stream of `kind` named `name`, opened at `depth`, and expands what it holds.
    pub(super) fn decompress(&mut self, kind: Kind, source: &mut dyn Read, name: &str, depth: u8) {
        let compressed = Cell::new(0);
        let mut counted = Counted { inner: source, count: &compressed };
        let mut decoder: Box<dyn Read + '_> = match kind {
            Kind::Gzip => Box::new(flate2::read::MultiGzDecoder::new(&mut counted)),
            Kind::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(&mut counted)),
            Kind::Xz => Box::new(lzma_rust2::XzReader::new_mem_limit(&mut counted, true, XZ_MEMORY_KB)),
            Kind::Zstd => match ruzstd::decoding::StreamingDecoder::new(&mut counted) {
                Ok(decoder) => Box::new(decoder),
                Err(err) => return self.warn(&format!("cannot read the zstd stream: {err}")),
            },
            Kind::Zip | Kind::Tar => return self.stream(kind, &mut counted, name, depth),
        };
        let cut = Cell::new(None);
        let bounds = (self.limits, self.budget, self.counters);
        let mut inflated = Inflated::new(&mut decoder, &compressed, bounds, &cut);
        let mut head = [0u8; HEAD];
        let len = match read_head(&mut inflated, &mut head) {
            Ok(len) => len,
            Err(err) => return self.warn(&format!("cannot decompress: {err}")),
        };
        let head = &head[..len];
        let named = detect(head) != Some(Kind::Tar);
        let inner = if named { inner_name(name) } else { name.to_string() };
        if named {
            self.chain.push(inner.clone());
        }
        self.content_from(head, &mut inflated, &inner, depth, true);
        if let Some(reason) = cut.take() {
            self.warn(&reason);
        }
        if named {
            self.chain.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_holds_its_name_without_the_compression_suffix() {
        assert_eq!(inner_name("logs/app.log.gz"), "app.log");
        assert_eq!(inner_name("dump.SQL.XZ"), "dump.SQL");
        assert_eq!(inner_name("site.tgz"), "site.tar");
        assert_eq!(inner_name("blobs/sha256/9f86d081"), "9f86d081");
        assert_eq!(inner_name(".gz"), ".gz");
    }
}
