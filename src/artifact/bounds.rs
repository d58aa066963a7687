//! The readers that bound an expansion: decompressed bytes per archive and per run, the ratio of
//! a stream or zip entry, and the bytes of one member handed to the visitor.

use std::cell::Cell;
use std::io::{self, Read};

use super::{Budget, Limits};

/// What one outermost archive has cost so far, shared by its nested readers.
#[derive(Default)]
pub(super) struct Counters {
    pub(super) members: Cell<u64>,
    pub(super) leaves: Cell<u64>,
    pub(super) bytes: Cell<u64>,
    /// Set when the archive's or the run's bytes are spent: no further member is opened.
    pub(super) stopped: Cell<bool>,
    /// Streams cut so far: a tar whose stream was cut ends in a read error that is not news.
    pub(super) cuts: Cell<u64>,
}

/// Counts the compressed bytes a decompressor reads.
pub(super) struct Counted<'a> {
    pub(super) inner: &'a mut dyn Read,
    pub(super) count: &'a Cell<u64>,
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// The output of a decompressor (a stream or a zip entry): it ends early, with the reason left
/// in `cut`, when the stream outgrows its ratio or the archive or run runs out of bytes.
pub(super) struct Inflated<'a> {
    inner: &'a mut dyn Read,
    /// Compressed bytes behind the output so far (or the entry's whole compressed size).
    compressed: &'a Cell<u64>,
    produced: u64,
    limits: &'a Limits,
    budget: &'a Budget,
    counters: &'a Counters,
    cut: &'a Cell<Option<String>>,
    /// A bound was hit: the stream reads as ended from then on.
    stopped: bool,
}

impl<'a> Inflated<'a> {
    pub(super) fn new(
        inner: &'a mut dyn Read,
        compressed: &'a Cell<u64>,
        (limits, budget, counters): (&'a Limits, &'a Budget, &'a Counters),
        cut: &'a Cell<Option<String>>,
    ) -> Self {
        Inflated { inner, compressed, produced: 0, limits, budget, counters, cut, stopped: false }
    }
}

/// Bytes asked of a decompressor at once: the bounds are checked at this grain.
const CHUNK: usize = 64 << 10;

impl Read for Inflated<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.stopped {
            return Ok(0);
        }
        let len = buf.len().min(CHUNK);
        let n = self.inner.read(&mut buf[..len])?;
        self.produced += n as u64;
        let bytes = self.counters.bytes.get() + n as u64;
        self.counters.bytes.set(bytes);
        let limits = self.limits;
        let reason = if self.produced > limits.ratio_floor
            && self.produced > limits.ratio.saturating_mul(self.compressed.get())
        {
            Some(format!(
                "decompressed past {} times its compressed size (a bomb?): the rest is not scanned",
                limits.ratio
            ))
        } else if bytes > limits.archive_bytes {
            self.counters.stopped.set(true);
            Some(format!(
                "more than {} bytes decompressed from one archive: the rest is not scanned",
                limits.archive_bytes
            ))
        } else if !self.budget.take(n as u64) {
            self.counters.stopped.set(true);
            Some(format!("the run's {} decompressed bytes are spent: the rest is not scanned", limits.run_bytes))
        } else {
            None
        };
        match reason {
            Some(reason) => {
                self.stopped = true;
                self.counters.cuts.set(self.counters.cuts.get() + 1);
                self.cut.set(Some(reason));
                Ok(0)
            }
            None => Ok(n),
        }
    }
}

/// A member's content up to a cap; remembers whether more was there.
pub(super) struct Capped<'a> {
    inner: &'a mut dyn Read,
    left: u64,
    cut: bool,
}

impl<'a> Capped<'a> {
    pub(super) fn new(inner: &'a mut dyn Read, cap: u64) -> Self {
        Capped { inner, left: cap, cut: false }
    }

    /// Whether the content went on past the cap (checked once the reader is done).
    pub(super) fn cut(&mut self) -> bool {
        if !self.cut && self.left == 0 {
            let mut probe = [0u8; 1];
            self.cut = matches!(self.inner.read(&mut probe), Ok(1));
        }
        self.cut
    }
}

impl Read for Capped<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let len = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        if len == 0 {
            return Ok(0);
        }
        let n = self.inner.read(&mut buf[..len])?;
        self.left -= n as u64;
        Ok(n)
    }
}
