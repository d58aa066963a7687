//! Sorting more items than memory should hold: items are kept in memory up to a byte budget; past
//! it they are sorted and written as a run to an unnamed temporary file, and at the end every run
//! is read back in one k-way merge. The merged order is the order a stable in-memory sort of the
//! items in push order gives, so a report written from it is byte-identical to one written from
//! memory, whatever the budget.
//!
//! Stability: a run holds items pushed before every item of a later run, so ties are broken by
//! run (then by position inside the run, which its stable sort kept). When several sorters are
//! merged (one per worker thread), ties across them are broken by the order they are given in.
//!
//! Memory stays bounded by the budget plus one buffered record per run being merged: runs are
//! merged into longer ones whenever `FAN_IN` runs of one length have piled up, so a merge never
//! reads from more than `FAN_IN` runs per level. If the temporary file cannot be written (no
//! space, no temporary directory), items stay in memory: the output stays right, the bound does
//! not, and `Sorted::warning` says why.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io;

/// An item that can leave memory.
pub trait Spill: Sized + Clone {
    /// Bytes the item holds in memory (its heap data and its own size): what the budget counts.
    fn mem_size(&self) -> usize;
    /// Appends the item's bytes to `out`.
    fn encode(&self, out: &mut Vec<u8>) -> io::Result<()>;
    /// The item `encode` wrote.
    fn decode(bytes: &[u8]) -> io::Result<Self>;
}

/// Runs of one level merged into one run of the next level once there are this many: the merge
/// reads at most `FAN_IN` runs per level at a time. Wide, as every merge decodes and encodes
/// each item again: 128 runs of 8 MB are a GB of findings per sorter before the first merge.
const FAN_IN: usize = 128;
/// Bytes read ahead from each run during a merge.
const READ_AHEAD: usize = 32 << 10;

/// A sorted run: `start..end` of the temporary file, `level` 0 when written from memory.
#[derive(Clone, Copy, Debug)]
struct Run {
    start: u64,
    end: u64,
    level: u32,
}

/// Collects items, spilling sorted runs past `budget` bytes.
pub struct Sorter<T> {
    compare: fn(&T, &T) -> Ordering,
    budget: usize,
    items: Vec<T>,
    bytes: usize,
    file: Option<File>,
    file_len: u64,
    runs: Vec<Run>,
    len: u64,
    warning: Option<String>,
}

impl<T: Spill> Sorter<T> {
    pub fn new(budget: usize, compare: fn(&T, &T) -> Ordering) -> Self {
        Sorter {
            compare,
            budget,
            items: Vec::new(),
            bytes: 0,
            file: None,
            file_len: 0,
            runs: Vec::new(),
            len: 0,
            warning: None,
        }
    }

    pub fn push(&mut self, item: T) {
        self.bytes += item.mem_size();
        self.items.push(item);
        self.len += 1;
        if self.bytes > self.budget
            && self.warning.is_none()
            && let Err(err) = self.spill()
        {
            self.warning = Some(format!("cannot write findings to a temporary file, keeping them in memory: {err}"));
        }
    }

    /// Items pushed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether any run was written to disk.
    pub fn spilled(&self) -> bool {
        !self.runs.is_empty()
    }

    /// Sorts what is left in memory; the result can be read, in order, as often as needed.
    pub fn finish(mut self) -> Sorted<T> {
        let compare = self.compare;
        self.items.sort_by(compare);
        let mut sources = Vec::with_capacity(self.runs.len() + 1);
        sources.extend(self.runs.iter().map(|run| Source::Run { file: 0, start: run.start, end: run.end }));
        sources.push(Source::Memory(0));
        Sorted {
            compare,
            files: self.file.into_iter().collect(),
            memory: vec![self.items],
            sources,
            len: self.len,
            warnings: self.warning.into_iter().collect(),
        }
    }

    /// Writes the items in memory as a sorted run, then merges runs while `FAN_IN` of one level
    /// have piled up.
    fn spill(&mut self) -> io::Result<()> {
        if self.file.is_none() {
            self.file = Some(tempfile::tempfile()?);
        }
        let Some(file) = self.file.as_ref() else { return Ok(()) };
        let compare = self.compare;
        self.items.sort_by(compare);
        let start = self.file_len;
        let mut writer = RunWriter::new(file, start);
        for item in &self.items {
            writer.write(item)?;
        }
        self.file_len = writer.finish()?;
        self.runs.push(Run { start, end: self.file_len, level: 0 });
        // The next run fills the same room: keep the capacity, not the items.
        self.items.clear();
        self.bytes = 0;
        loop {
            let count = self.runs.len();
            let level = self.runs[count - 1].level;
            if count < FAN_IN || !self.runs[count - FAN_IN..].iter().all(|run| run.level == level) {
                return Ok(());
            }
            let merged = self.runs.split_off(count - FAN_IN);
            let start = self.file_len;
            let mut writer = RunWriter::new(file, start);
            let mut readers: Vec<RunReader<'_>> =
                merged.iter().map(|run| RunReader::new(file, run.start, run.end)).collect();
            merge(&mut readers, compare, &mut |item: &T| writer.write(item))?;
            self.file_len = writer.finish()?;
            self.runs.push(Run { start, end: self.file_len, level: level + 1 });
        }
    }
}

/// Where a merged sequence comes from: a run of one of the files, or an in-memory list.
#[derive(Clone, Copy, Debug)]
enum Source {
    Run { file: usize, start: u64, end: u64 },
    Memory(usize),
}

/// Items in sorted order, from memory and from runs on disk.
pub struct Sorted<T> {
    compare: fn(&T, &T) -> Ordering,
    files: Vec<File>,
    memory: Vec<Vec<T>>,
    sources: Vec<Source>,
    len: u64,
    warnings: Vec<String>,
}

impl<T: Spill> Sorted<T> {
    /// Items kept in memory only, sorted stably: what `Sorter` gives without spilling.
    pub fn from_vec(mut items: Vec<T>, compare: fn(&T, &T) -> Ordering) -> Self {
        items.sort_by(compare);
        Sorted::in_order(items, compare)
    }

    /// Items already in order, kept as given.
    pub fn in_order(items: Vec<T>, compare: fn(&T, &T) -> Ordering) -> Self {
        Sorted {
            compare,
            len: items.len() as u64,
            files: Vec::new(),
            memory: vec![items],
            sources: vec![Source::Memory(0)],
            warnings: Vec::new(),
        }
    }

    /// One sequence of all `parts`; items that compare equal come in the order of `parts`.
    pub fn merge(parts: Vec<Sorted<T>>, compare: fn(&T, &T) -> Ordering) -> Self {
        let mut merged = Sorted {
            compare,
            files: Vec::new(),
            memory: Vec::new(),
            sources: Vec::new(),
            len: 0,
            warnings: Vec::new(),
        };
        for part in parts {
            let (files, memory) = (merged.files.len(), merged.memory.len());
            merged.sources.extend(part.sources.into_iter().map(|source| match source {
                Source::Run { file, start, end } => Source::Run { file: files + file, start, end },
                Source::Memory(index) => Source::Memory(memory + index),
            }));
            merged.files.extend(part.files);
            merged.memory.extend(part.memory);
            merged.len += part.len;
            merged.warnings.extend(part.warnings);
        }
        merged
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The items when they are all in memory in one list (a `from_vec` or `in_order`, alone or
    /// merged with empty parts), else the sequence unchanged.
    pub fn into_memory(mut self) -> Result<Vec<T>, Self> {
        let mut lists = self.sources.iter().filter_map(|source| match source {
            Source::Memory(index) => Some(*index),
            Source::Run { .. } => None,
        });
        match (lists.next(), lists.next(), self.spilled()) {
            (Some(index), None, false) => Ok(std::mem::take(&mut self.memory[index])),
            (None, None, false) => Ok(Vec::new()),
            _ => Err(self),
        }
    }

    /// Whether some items are on disk.
    pub fn spilled(&self) -> bool {
        self.sources.iter().any(|source| matches!(source, Source::Run { .. }))
    }

    /// Why items stayed in memory past the budget, if they did.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The items in order; items on disk are decoded as they come, so memory stays flat.
    pub fn iter(&self) -> Iter<'_, T> {
        let heads = BinaryHeap::with_capacity(self.sources.len());
        let readers = self
            .sources
            .iter()
            .map(|source| match *source {
                Source::Run { file, start, end } => Reader::Run(RunReader::new(&self.files[file], start, end)),
                Source::Memory(index) => Reader::Memory(self.memory[index].iter()),
            })
            .collect();
        Iter { compare: self.compare, readers, heads, started: false, failed: false }
    }
}

/// One merge input being read.
enum Reader<'a, T> {
    Run(RunReader<'a>),
    Memory(std::slice::Iter<'a, T>),
}

impl<'a, T: Spill> Reader<'a, T> {
    fn next(&mut self) -> io::Result<Option<Cow<'a, T>>> {
        match self {
            Reader::Run(run) => Ok(run.next::<T>()?.map(Cow::Owned)),
            Reader::Memory(items) => Ok(items.next().map(Cow::Borrowed)),
        }
    }
}

/// The next item of one merge input; the heap's top is the smallest, the earliest input on ties.
struct Head<'a, T: Clone> {
    item: Cow<'a, T>,
    source: usize,
    compare: fn(&T, &T) -> Ordering,
}

impl<T: Clone> PartialEq for Head<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<T: Clone> Eq for Head<'_, T> {}

impl<T: Clone> PartialOrd for Head<'_, T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: Clone> Ord for Head<'_, T> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: `BinaryHeap` pops its largest element.
        (self.compare)(&other.item, &self.item).then_with(|| other.source.cmp(&self.source))
    }
}

/// The merged items of a `Sorted`, each once, in order; a read error ends the sequence after
/// yielding it.
pub struct Iter<'a, T: Clone> {
    compare: fn(&T, &T) -> Ordering,
    readers: Vec<Reader<'a, T>>,
    heads: BinaryHeap<Head<'a, T>>,
    started: bool,
    failed: bool,
}

impl<'a, T: Spill> Iterator for Iter<'a, T> {
    type Item = io::Result<Cow<'a, T>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        if !self.started {
            self.started = true;
            for source in 0..self.readers.len() {
                if let Err(err) = self.refill(source) {
                    self.failed = true;
                    return Some(Err(err));
                }
            }
        }
        let head = self.heads.pop()?;
        if let Err(err) = self.refill(head.source) {
            self.failed = true;
            return Some(Err(err));
        }
        Some(Ok(head.item))
    }
}

impl<'a, T: Spill> Iter<'a, T> {
    fn refill(&mut self, source: usize) -> io::Result<()> {
        if let Some(item) = self.readers[source].next()? {
            self.heads.push(Head { item, source, compare: self.compare });
        }
        Ok(())
    }
}

/// Merges sorted runs into `write`, ties in the order of `readers`.
fn merge<T: Spill>(
    readers: &mut [RunReader<'_>],
    compare: fn(&T, &T) -> Ordering,
    write: &mut dyn FnMut(&T) -> io::Result<()>,
) -> io::Result<()> {
    let mut heads: BinaryHeap<Head<'_, T>> = BinaryHeap::with_capacity(readers.len());
    for (source, reader) in readers.iter_mut().enumerate() {
        if let Some(item) = reader.next::<T>()? {
            heads.push(Head { item: Cow::Owned(item), source, compare });
        }
    }
    while let Some(head) = heads.pop() {
        write(&head.item)?;
        if let Some(item) = readers[head.source].next::<T>()? {
            heads.push(Head { item: Cow::Owned(item), source: head.source, compare });
        }
    }
    Ok(())
}

/// Appends length-prefixed records to the temporary file from `at` on.
struct RunWriter<'a> {
    file: &'a File,
    at: u64,
    buf: Vec<u8>,
    record: Vec<u8>,
}

impl<'a> RunWriter<'a> {
    fn new(file: &'a File, at: u64) -> Self {
        RunWriter { file, at, buf: Vec::with_capacity(READ_AHEAD), record: Vec::new() }
    }

    fn write<T: Spill>(&mut self, item: &T) -> io::Result<()> {
        self.record.clear();
        item.encode(&mut self.record)?;
        let len = u32::try_from(self.record.len()).map_err(|_| io::Error::other("item over 4 GiB"))?;
        self.buf.extend_from_slice(&len.to_le_bytes());
        self.buf.extend_from_slice(&self.record);
        if self.buf.len() >= READ_AHEAD {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        write_all_at(self.file, &self.buf, self.at)?;
        self.at += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    /// Where the run ends.
    fn finish(mut self) -> io::Result<u64> {
        self.flush()?;
        Ok(self.at)
    }
}

/// Reads the records of one run, `READ_AHEAD` bytes at a time, with positional reads so any
/// number of runs of one file can be read at once.
struct RunReader<'a> {
    file: &'a File,
    at: u64,
    end: u64,
    buf: Vec<u8>,
    pos: usize,
}

impl<'a> RunReader<'a> {
    fn new(file: &'a File, start: u64, end: u64) -> Self {
        RunReader { file, at: start, end, buf: Vec::new(), pos: 0 }
    }

    fn next<T: Spill>(&mut self) -> io::Result<Option<T>> {
        let Some(header) = self.take(4)? else { return Ok(None) };
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let Some(record) = self.take(len)? else { return Err(truncated()) };
        T::decode(record).map(Some)
    }

    /// The next `len` bytes of the run; `None` at its end.
    fn take(&mut self, len: usize) -> io::Result<Option<&[u8]>> {
        if self.buf.len() - self.pos < len {
            let left = self.end - self.at;
            if left == 0 && self.pos == self.buf.len() {
                return Ok(None);
            }
            self.buf.drain(..self.pos);
            self.pos = 0;
            let want = (len - self.buf.len()).max(READ_AHEAD).min(usize::try_from(left).unwrap_or(usize::MAX));
            let have = self.buf.len();
            self.buf.resize(have + want, 0);
            read_exact_at(self.file, &mut self.buf[have..], self.at)?;
            self.at += want as u64;
            if self.buf.len() < len {
                return Err(truncated());
            }
        }
        let bytes = &self.buf[self.pos..self.pos + len];
        self.pos += len;
        Ok(Some(bytes))
    }
}

fn truncated() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "temporary findings file is truncated")
}

#[cfg(unix)]
fn write_all_at(file: &File, buf: &[u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, at)
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(windows)]
fn write_all_at(file: &File, mut buf: &[u8], mut at: u64) -> io::Result<()> {
    while !buf.is_empty() {
        let written = std::os::windows::fs::FileExt::seek_write(file, buf, at)?;
        if written == 0 {
            return Err(io::Error::from(io::ErrorKind::WriteZero));
        }
        buf = &buf[written..];
        at += written as u64;
    }
    Ok(())
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut at: u64) -> io::Result<()> {
    while !buf.is_empty() {
        let read = std::os::windows::fs::FileExt::seek_read(file, buf, at)?;
        if read == 0 {
            return Err(truncated());
        }
        buf = &mut buf[read..];
        at += read as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key that ties often and a tag that tells tied items apart, as findings on one line do.
    #[derive(Clone, Debug, PartialEq, Eq)]
    struct Item {
        key: u32,
        tag: String,
    }

    impl Spill for Item {
        fn mem_size(&self) -> usize {
            std::mem::size_of::<Self>() + self.tag.capacity()
        }

        fn encode(&self, out: &mut Vec<u8>) -> io::Result<()> {
            out.extend_from_slice(&self.key.to_le_bytes());
            out.extend_from_slice(self.tag.as_bytes());
            Ok(())
        }

        fn decode(bytes: &[u8]) -> io::Result<Self> {
            let (key, tag) = bytes.split_at_checked(4).ok_or_else(|| io::Error::other("short record"))?;
            let tag = String::from_utf8(tag.to_vec()).map_err(io::Error::other)?;
            Ok(Item { key: u32::from_le_bytes(key.try_into().map_err(io::Error::other)?), tag })
        }
    }

    fn by_key(a: &Item, b: &Item) -> Ordering {
        a.key.cmp(&b.key)
    }

    /// Deterministic pseudo-random items: keys in 0..spread, so ties are common.
    fn items(count: usize, spread: u32) -> Vec<Item> {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        (0..count)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                Item { key: (state % u64::from(spread)) as u32, tag: format!("item-{i}-{}", "x".repeat(i % 40)) }
            })
            .collect()
    }

    fn collect(sorted: &Sorted<Item>) -> Vec<Item> {
        sorted.iter().map(|item| item.unwrap().into_owned()).collect()
    }

    fn stable_sorted(mut items: Vec<Item>) -> Vec<Item> {
        items.sort_by(by_key);
        items
    }

    fn spilled(items: &[Item], budget: usize) -> Sorted<Item> {
        let mut sorter = Sorter::new(budget, by_key);
        for item in items {
            sorter.push(item.clone());
        }
        sorter.finish()
    }

    #[test]
    fn spilled_items_come_back_in_the_order_of_a_stable_in_memory_sort() {
        let items = items(5000, 50);
        let expected = stable_sorted(items.clone());
        for budget in [0, 1, 500, 4096, 100_000, usize::MAX] {
            let sorted = spilled(&items, budget);
            assert_eq!(sorted.spilled(), budget < usize::MAX, "budget {budget}");
            assert_eq!(sorted.len(), 5000);
            assert_eq!(collect(&sorted), expected, "budget {budget}");
        }
    }

    #[test]
    fn enough_runs_to_merge_on_disk_keep_the_stable_order() {
        // A budget of one item writes a run per item: several levels of FAN_IN merges.
        let items = items(FAN_IN * FAN_IN + 7, 9);
        assert_eq!(collect(&spilled(&items, 0)), stable_sorted(items));
    }

    #[test]
    fn a_sorted_sequence_can_be_read_twice() {
        let items = items(300, 20);
        let sorted = spilled(&items, 1000);
        assert_eq!(collect(&sorted), collect(&sorted));
    }

    #[test]
    fn merged_parts_equal_one_stable_sort_of_their_concatenation() {
        let all = items(3000, 30);
        let (first, second) = all.split_at(1234);
        let parts = vec![spilled(first, 2000), Sorted::from_vec(second.to_vec(), by_key)];
        let merged = Sorted::merge(parts, by_key);
        assert_eq!(merged.len(), 3000);
        assert_eq!(collect(&merged), stable_sorted(all));
    }

    #[test]
    fn nothing_pushed_reads_as_empty() {
        let sorted = spilled(&[], 0);
        assert!(sorted.is_empty() && !sorted.spilled());
        assert_eq!(sorted.iter().count(), 0);
    }
}
