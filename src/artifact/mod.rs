//! Archives, compressed streams and container images as sources: given the bytes of a file or
//! blob that [`detect`] says is one, [`expand`] walks its members, descending into members that
//! are archives themselves, and hands every leaf to a [`Visitor`] with its chain of member names
//! (`bundle.zip!inner.zip!deep/secret.env` is the chain `["inner.zip", "deep/secret.env"]` under
//! the file `bundle.zip`).
//!
//! The kind is told by content (magic bytes), never by the name. Docker `save` tarballs and OCI
//! image layouts need no code of their own: a `layer.tar` member or a gzip/zstd blob under
//! `blobs/sha256/` is one more archive, and the layer digest is in its member name or path.
//!
//! Nothing is ever written to disk: member names (`../../x`, `/etc/passwd`, symbolic links) are
//! only names. Hostile input is bounded by [`Limits`] and a [`Budget`] shared by the run's
//! threads; hitting a bound is a warning to the visitor and makes the expansion incomplete,
//! never a panic, and memory stays bounded: members stream, only a zip inside another archive
//! is read into memory (up to `Limits::buffered`).

mod bounds;
mod compress;
mod tar;
mod zip;

use std::io::{self, Cursor, Read, Seek};
use std::sync::atomic::{AtomicU64, Ordering};

use bounds::{Capped, Counters};

/// How archives are opened, and the bounds on the work one may cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Archives opened inside one another, the outermost included (`[archives] max_depth`); a
    /// compressed tar counts once; 0 opens none.
    pub max_depth: u8,
    /// Bytes of one member scanned; the rest of a larger one is not.
    pub member_bytes: u64,
    /// Bytes decompressed for one outermost archive, all its members and nested archives together.
    pub archive_bytes: u64,
    /// A stream or zip entry may not inflate past this many times its compressed size...
    pub ratio: u64,
    /// ...once past this many bytes (small members of highly repetitive text are fine).
    pub ratio_floor: u64,
    /// Members of one outermost archive, nested ones included.
    pub members: u64,
    /// Bytes of a zip nested in another archive read into memory to be opened (a zip needs
    /// random access); a larger one is scanned as raw bytes.
    pub buffered: u64,
    /// Bytes decompressed by the whole run (`Budget`).
    pub run_bytes: u64,
}

pub const DEFAULT_MAX_DEPTH: u8 = 4;
/// The largest `[archives] max_depth` accepted.
pub const MAX_DEPTH_LIMIT: u8 = 16;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: DEFAULT_MAX_DEPTH,
            member_bytes: 256 << 20,
            archive_bytes: 4 << 30,
            ratio: 200,
            ratio_floor: 1 << 20,
            members: 100_000,
            buffered: 64 << 20,
            run_bytes: 32 << 30,
        }
    }
}

/// Decompressed bytes the whole run may still produce, shared by its threads.
#[derive(Debug)]
pub struct Budget {
    left: AtomicU64,
}

impl Budget {
    pub fn new(bytes: u64) -> Self {
        Budget { left: AtomicU64::new(bytes) }
    }

    /// Takes `bytes` from the budget; false when fewer are left, and then none are.
    fn take(&self, bytes: u64) -> bool {
        let taken =
            self.left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| left.checked_sub(bytes)).is_ok();
        if !taken {
            self.left.store(0, Ordering::Relaxed);
        }
        taken
    }

    fn spent(&self) -> bool {
        self.left.load(Ordering::Relaxed) == 0
    }
}

/// What a buffer holds, by its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Zip and everything built on it: jar, war, apk, aab, whl, nupkg, vsix, xpi, ipa, Office.
    Zip,
    Tar,
    Gzip,
    Bzip2,
    Xz,
    Zstd,
}

/// How many leading bytes [`detect`] needs to tell every kind (a tar's magic is at 257).
pub const HEAD: usize = 512;

/// The archive or compression kind of content starting with `head`, by magic bytes.
pub fn detect(head: &[u8]) -> Option<Kind> {
    const BZIP2_BLOCK: &[u8] = &[0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
    const BZIP2_END: &[u8] = &[0x17, 0x72, 0x45, 0x38, 0x50, 0x90];
    match head {
        [b'P', b'K', 3, 4, ..] | [b'P', b'K', 5, 6, ..] | [b'P', b'K', 7, 8, b'P', b'K', 3, 4, ..] => Some(Kind::Zip),
        [0x1f, 0x8b, 8, ..] => Some(Kind::Gzip),
        [b'B', b'Z', b'h', b'1'..=b'9', rest @ ..] if rest.starts_with(BZIP2_BLOCK) || rest.starts_with(BZIP2_END) => {
            Some(Kind::Bzip2)
        }
        [0xFD, b'7', b'z', b'X', b'Z', 0, ..] => Some(Kind::Xz),
        [0x28, 0xB5, 0x2F, 0xFD, ..] => Some(Kind::Zstd),
        _ if head.get(257..262) == Some(b"ustar") => Some(Kind::Tar),
        _ => None,
    }
}

/// Receives what an expansion finds.
pub trait Visitor {
    /// A member that is not an archive (or is one too deep or too large to open): `chain` names
    /// it from the outermost archive's first member inwards; its content is `head` then `rest`.
    fn leaf(&mut self, chain: &[String], head: &[u8], rest: &mut dyn Read);
    /// A bound was hit or a member could not be read, at `chain` (empty: the archive itself).
    fn warn(&mut self, chain: &[String], message: &str);
}

/// Whether every member of an archive was scanned whole.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub incomplete: bool,
    /// Nothing could be read as the archive its magic bytes promised (a warning said why): the
    /// caller scans it as raw bytes, as it would any file.
    pub unopened: bool,
}

/// A source that can be read at any offset: a file on disk, a blob in memory.
pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// Where an archive's bytes are read from.
pub enum Source<'a> {
    /// A file or a blob in memory: a zip is read where its directory points.
    Seekable(&'a mut dyn ReadSeek),
    /// A stream (standard input): a zip in it is read into memory first, up to
    /// `Limits::buffered`.
    Stream(&'a mut dyn Read),
}

/// Expands `source`, an archive of `kind` named `name` (its path or blob path), into `visitor`.
pub fn expand(
    source: Source<'_>,
    kind: Kind,
    name: &str,
    limits: &Limits,
    budget: &Budget,
    visitor: &mut dyn Visitor,
) -> Outcome {
    let counters = Counters::default();
    let mut expander = Expander { limits, budget, counters: &counters, visitor, chain: Vec::new(), incomplete: false };
    if budget.spent() {
        expander.warn("not opened: the run's archive budget is spent");
        return Outcome { incomplete: true, unopened: true };
    }
    match (kind, source) {
        (Kind::Zip, Source::Seekable(source)) => expander.zip(source, 1),
        (_, Source::Seekable(source)) => expander.stream(kind, source, name, 1),
        (_, Source::Stream(source)) => expander.stream(kind, source, name, 1),
    }
    let unopened = expander.incomplete && counters.members.get() == 0 && counters.leaves.get() == 0;
    Outcome { incomplete: expander.incomplete, unopened }
}

/// One expansion: the chain of the member being read, and what it has cost.
struct Expander<'e> {
    limits: &'e Limits,
    budget: &'e Budget,
    counters: &'e Counters,
    visitor: &'e mut dyn Visitor,
    chain: Vec<String>,
    incomplete: bool,
}

impl Expander<'_> {
    fn warn(&mut self, message: &str) {
        self.incomplete = true;
        self.visitor.warn(&self.chain, message);
    }

    /// Whether another member may be opened: the counts are checked once per member.
    fn admit_member(&mut self) -> bool {
        let members = self.counters.members.get() + 1;
        self.counters.members.set(members);
        if members > self.limits.members {
            if members == self.limits.members + 1 {
                let message = format!("more than {} members: the rest are not scanned", self.limits.members);
                self.visitor.warn(&self.chain, &message);
                self.incomplete = true;
            }
            return false;
        }
        !self.counters.stopped.get()
    }

    /// A stream archive (tar) or compressed stream of `kind`, opened at `depth`.
    fn stream(&mut self, kind: Kind, source: &mut dyn Read, name: &str, depth: u8) {
        match kind {
            Kind::Tar => self.tar(source, depth),
            Kind::Zip => {
                let mut buffered = Vec::new();
                let cap = self.limits.buffered;
                match source.take(cap + 1).read_to_end(&mut buffered) {
                    Ok(_) if buffered.len() as u64 > cap => {
                        self.warn(&format!("a zip of more than {cap} bytes inside an archive: scanned as raw bytes"));
                        let (head, rest) = buffered.split_at(HEAD.min(buffered.len()));
                        self.leaf_of(head, &mut rest.chain(source));
                    }
                    Ok(_) => self.zip(&mut Cursor::new(&buffered[..]), depth),
                    Err(err) => self.warn(&format!("cannot read: {err}")),
                }
            }
            Kind::Gzip | Kind::Bzip2 | Kind::Xz | Kind::Zstd => self.decompress(kind, source, name, depth),
        }
    }

    /// The content of a member named `name` in an archive at `depth`: opened if it is an
    /// archive and may be, else handed to the visitor.
    fn content(&mut self, source: &mut dyn Read, name: &str, depth: u8) {
        let mut head = [0u8; HEAD];
        match read_head(source, &mut head) {
            Ok(len) => self.content_from(&head[..len], source, name, depth, false),
            Err(err) => self.warn(&format!("cannot read: {err}")),
        }
    }

    /// `content` once its first bytes are read. `in_stream`: the content came out of a
    /// decompressor, so a tar in it is the same archive (a `.tar.gz`), not one level deeper.
    fn content_from(&mut self, head: &[u8], rest: &mut dyn Read, name: &str, depth: u8, in_stream: bool) {
        let Some(kind) = detect(head) else { return self.leaf_of(head, rest) };
        let depth = if in_stream && kind == Kind::Tar { depth } else { depth + 1 };
        if depth > self.limits.max_depth {
            let max = self.limits.max_depth;
            self.warn(&format!("an archive deeper than [archives] max_depth {max}: scanned as raw bytes"));
            return self.leaf_of(head, rest);
        }
        self.stream(kind, &mut Cursor::new(head).chain(rest), name, depth);
    }

    /// Hands a leaf to the visitor, at most `member_bytes` of it.
    fn leaf_of(&mut self, head: &[u8], rest: &mut dyn Read) {
        let cap = self.limits.member_bytes.saturating_sub(head.len() as u64);
        let mut capped = Capped::new(rest, cap);
        self.counters.leaves.set(self.counters.leaves.get() + 1);
        self.visitor.leaf(&self.chain, head, &mut capped);
        if capped.cut() {
            let cap = self.limits.member_bytes;
            self.warn(&format!("member larger than {cap} bytes: only the first {cap} are scanned"));
        }
    }
}

/// Reads up to `head.len()` bytes, fewer only at the end of `source`.
pub fn read_head(source: &mut dyn Read, head: &mut [u8]) -> io::Result<usize> {
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

/// The last `/`-separated part of a path or member name.
fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

#[cfg(test)]
mod tests;
