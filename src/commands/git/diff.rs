//! Tree diffs: the (blob, path) pairs a commit brings that none of its parents has, read from raw
//! tree objects so a diff can start and stop at byte offsets.

use std::collections::HashSet;

use anyhow::Result;
use gix::ObjectId;
use gix::objs::tree::{EntryKind, name_order};
use gix::objs::{Find as _, Kind};

use super::graph::{Graph, read_commit};
use super::{MAX_TREE_DEPTH, OBJECT_CACHE_BYTES, PathFilter, bounded, short};
/// What one commit brought: (blob, path) pairs not in its parents.
#[derive(Default)]
pub(super) struct Changes {
    pub(super) blobs: Vec<(ObjectId, Vec<u8>)>,
    pub(super) submodules: Vec<String>,
    pub(super) errors: Vec<String>,
}

/// Diffs trees on one worker thread.
pub(super) struct Differ<'e, 's> {
    pub(super) repo: gix::Repository,
    pub(super) exclude: &'e PathFilter<'s>,
    pub(super) buffers: Vec<Vec<u8>>,
    pub(super) path: Vec<u8>,
}

impl<'e, 's> Differ<'e, 's> {
    pub(super) fn new(repo: gix::Repository, exclude: &'e PathFilter<'s>) -> Self {
        Differ { repo: bounded(repo, Some(OBJECT_CACHE_BYTES)), exclude, buffers: Vec::new(), path: Vec::new() }
    }

    /// The (blob, path) pairs of `commit`'s tree that none of its parents has. With every parent
    /// in the selection (`full`), diffing against the first parent is enough: what the other
    /// parents hold was recorded when they were visited. Otherwise the pairs are checked against
    /// every parent.
    pub(super) fn commit_changes(
        &mut self,
        at: usize,
        graph: &Graph,
        shallow: &HashSet<ObjectId>,
        full: bool,
    ) -> Changes {
        let mut changes = Changes::default();
        let commit = &graph.commits[at];
        let boundary = shallow.contains(&commit.id);
        let parents = graph.parents(at);
        let mut parent_trees = Vec::with_capacity(parents.len());
        for parent in parents {
            let tree = match graph.position(parent) {
                Some(index) => Some(graph.commits[index].tree),
                None if boundary => None,
                None => {
                    let mut buf = self.buffers.pop().unwrap_or_default();
                    let tree = match read_commit(&self.repo, *parent, &mut buf) {
                        Ok(parent) => Some(parent.tree),
                        Err(err) => {
                            changes.errors.push(format!("parent {}: {err}", short(parent)));
                            None
                        }
                    };
                    self.buffers.push(buf);
                    tree
                }
            };
            parent_trees.push(tree);
        }
        let first = parent_trees.first().copied().flatten();
        self.path.clear();
        self.diff(first, commit.tree, 0, &mut changes);
        if !full && parent_trees.len() > 1 {
            for other in parent_trees[1..].iter().copied() {
                let mut against = Changes::default();
                self.path.clear();
                self.diff(other, commit.tree, 0, &mut against);
                let new_there: HashSet<(ObjectId, Vec<u8>)> = against.blobs.into_iter().collect();
                changes.blobs.retain(|pair| new_there.contains(pair));
            }
        }
        changes
    }

    /// Appends the blobs under `new` that differ from `old` at the same path; `self.path` holds the
    /// folder both trees sit at ("" or ending in `/`).
    pub(super) fn diff(&mut self, old: Option<ObjectId>, new: ObjectId, depth: usize, out: &mut Changes) {
        if old == Some(new) {
            return;
        }
        if depth > MAX_TREE_DEPTH {
            out.errors.push(format!("{}: trees nested too deeply, not entered", String::from_utf8_lossy(&self.path)));
            return;
        }
        let mut new_buf = self.buffers.pop().unwrap_or_default();
        let mut old_buf = self.buffers.pop().unwrap_or_default();
        self.diff_loaded(old, new, depth, &mut old_buf, &mut new_buf, out);
        self.buffers.push(old_buf);
        self.buffers.push(new_buf);
    }

    pub(super) fn diff_loaded(
        &mut self,
        old: Option<ObjectId>,
        new: ObjectId,
        depth: usize,
        old_buf: &mut Vec<u8>,
        new_buf: &mut Vec<u8>,
        out: &mut Changes,
    ) {
        let hash_len = self.repo.object_hash().len_in_bytes();
        let Some(new_data) = self.tree(new, new_buf, out) else { return };
        let old_data = old.and_then(|old| self.tree(old, old_buf, out)).unwrap_or(&[]);
        // Most commits change a few entries of a tree: what lies before the first differing byte
        // is the same in both trees at the same offsets, and equal tails are equal entries.
        let prefix = common_prefix(old_data, new_data);
        let suffix = common_suffix(old_data, new_data);
        let mut new_at = 0;
        while let Some(Ok(entry)) = entry_at(new_data, new_at, hash_len) {
            if entry.end > prefix {
                break;
            }
            new_at = entry.end;
        }
        let mut old_at = new_at;
        let mut old_next = entry_at(old_data, old_at, hash_len);
        let folder = self.path.len();
        loop {
            let remaining = new_data.len() - new_at;
            if remaining == old_data.len() - old_at && remaining <= suffix {
                break;
            }
            let entry = match entry_at(new_data, new_at, hash_len) {
                None => break,
                Some(Ok(entry)) => entry,
                Some(Err(())) => {
                    out.errors.push(format!("tree {} is malformed", short(&new)));
                    break;
                }
            };
            new_at = entry.end;
            let is_tree = entry.kind() == EntryKind::Tree;
            let mut same: Option<RawEntry<'_>> = None;
            loop {
                match old_next {
                    Some(Ok(previous)) => {
                        match name_order(previous.name, previous.kind() == EntryKind::Tree, entry.name, is_tree) {
                            std::cmp::Ordering::Less => {}
                            std::cmp::Ordering::Equal => same = Some(previous),
                            std::cmp::Ordering::Greater => break,
                        }
                        old_at = previous.end;
                        old_next = entry_at(old_data, old_at, hash_len);
                        if same.is_some() {
                            break;
                        }
                    }
                    Some(Err(())) => {
                        out.errors.push(format!("tree {} is malformed", old.map_or_else(String::new, |id| short(&id))));
                        old_next = None;
                    }
                    None => break,
                }
            }
            if same.is_some_and(|previous| previous.id == entry.id) {
                continue;
            }
            self.path.truncate(folder);
            self.path.extend_from_slice(entry.name);
            if self.exclude.excludes(&self.path) {
                continue;
            }
            let Ok(id) = ObjectId::try_from(entry.id) else { continue };
            match entry.kind() {
                EntryKind::Tree => {
                    self.path.push(b'/');
                    let old_tree = same
                        .filter(|previous| previous.kind() == EntryKind::Tree)
                        .and_then(|previous| ObjectId::try_from(previous.id).ok());
                    self.diff(old_tree, id, depth + 1, out);
                }
                // A link's blob is its target text, which can carry a token like any file.
                EntryKind::Blob | EntryKind::BlobExecutable | EntryKind::Link => {
                    out.blobs.push((id, self.path.clone()))
                }
                EntryKind::Commit if out.submodules.is_empty() => {
                    out.submodules.push(String::from_utf8_lossy(&self.path).into_owned());
                }
                EntryKind::Commit => {}
            }
        }
        self.path.truncate(folder);
    }

    /// Loads a tree, or records why it cannot be read.
    pub(super) fn tree<'b>(&self, id: ObjectId, buf: &'b mut Vec<u8>, out: &mut Changes) -> Option<&'b [u8]> {
        match self.repo.objects.try_find(&id, buf) {
            Ok(Some(data)) if data.kind == Kind::Tree => Some(data.data),
            Ok(Some(data)) => {
                out.errors.push(format!("{}: expected a tree, found a {}", short(&id), data.kind));
                None
            }
            Ok(None) if id.is_empty_tree() => Some(&[]),
            Ok(None) => {
                out.errors.push(format!("tree {} is missing", short(&id)));
                None
            }
            Err(err) => {
                out.errors.push(format!("tree {}: {err}", short(&id)));
                None
            }
        }
    }
}

/// One entry of a raw tree object, `<octal mode> <name>\0<object id>`, ending at `end`.
#[derive(Clone, Copy)]
pub(super) struct RawEntry<'a> {
    pub(super) mode: u32,
    pub(super) name: &'a [u8],
    pub(super) id: &'a [u8],
    pub(super) end: usize,
}

impl RawEntry<'_> {
    pub(super) fn kind(&self) -> EntryKind {
        match self.mode & 0o170000 {
            0o040000 => EntryKind::Tree,
            0o100000 if self.mode & 0o111 != 0 => EntryKind::BlobExecutable,
            0o100000 => EntryKind::Blob,
            0o120000 => EntryKind::Link,
            _ => EntryKind::Commit,
        }
    }
}

/// The entry at `offset` of a raw tree: `None` at the end, `Some(Err)` where the bytes are not
/// an entry. Parsed here rather than with gix's iterator so the diff can start and stop at byte
/// offsets.
pub(super) fn entry_at(data: &[u8], offset: usize, hash_len: usize) -> Option<Result<RawEntry<'_>, ()>> {
    let rest = data.get(offset..).filter(|rest| !rest.is_empty())?;
    let Some(space) = memchr::memchr(b' ', rest) else { return Some(Err(())) };
    let digits = &rest[..space];
    if digits.is_empty() || digits.len() > 7 || !digits.iter().all(|digit| (b'0'..=b'7').contains(digit)) {
        return Some(Err(()));
    }
    let mode = digits.iter().fold(0u32, |mode, digit| mode * 8 + u32::from(digit - b'0'));
    let after = &rest[space + 1..];
    let Some(nul) = memchr::memchr(0, after) else { return Some(Err(())) };
    let Some(id) = after.get(nul + 1..nul + 1 + hash_len) else { return Some(Err(())) };
    Some(Ok(RawEntry { mode, name: &after[..nul], id, end: offset + space + 1 + nul + 1 + hash_len }))
}

pub(super) fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const CHUNK: usize = 64;
    let len = a.len().min(b.len());
    let mut at = 0;
    while at + CHUNK <= len && a[at..at + CHUNK] == b[at..at + CHUNK] {
        at += CHUNK;
    }
    at + a[at..len].iter().zip(&b[at..len]).take_while(|(x, y)| x == y).count()
}

pub(super) fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const CHUNK: usize = 64;
    let len = a.len().min(b.len());
    let mut at = 0;
    while at + CHUNK <= len && a[a.len() - at - CHUNK..a.len() - at] == b[b.len() - at - CHUNK..b.len() - at] {
        at += CHUNK;
    }
    at + a[..a.len() - at].iter().rev().zip(b[..b.len() - at].iter().rev()).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn raw_tree_entries_parse_and_reject_garbage() {
        let mut tree = b"100644 a.txt\0".to_vec();
        tree.extend([7u8; 20]);
        tree.extend(b"40000 dir\0");
        tree.extend([9u8; 20]);
        let first = entry_at(&tree, 0, 20).unwrap().unwrap();
        assert_eq!((first.name, first.kind(), first.id), (&b"a.txt"[..], EntryKind::Blob, &[7u8; 20][..]));
        let second = entry_at(&tree, first.end, 20).unwrap().unwrap();
        assert_eq!((second.name, second.kind(), second.end), (&b"dir"[..], EntryKind::Tree, tree.len()));
        assert!(entry_at(&tree, second.end, 20).is_none());
        assert!(entry_at(b"100644 cut\0abc", 0, 20).unwrap().is_err());
        assert!(entry_at(b"10x644 a\0", 0, 20).unwrap().is_err());
    }

    #[test]
    pub(super) fn common_prefix_and_suffix_count_equal_bytes_at_each_end() {
        let a: Vec<u8> = (0..200u8).collect();
        let mut b = a.clone();
        b[130] = 0;
        assert_eq!(common_prefix(&a, &b), 130);
        assert_eq!(common_suffix(&a, &b), 69);
        assert_eq!(common_prefix(&a, &a[..50]), 50);
        assert_eq!(common_suffix(b"xabc", b"abc"), 3);
    }
}
