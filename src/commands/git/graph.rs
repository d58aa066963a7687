//! The selected commits and their parent links, read once, and the parents-first order the diff
//! records them in.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::hash::{BuildHasher as _, RandomState};

use anyhow::Result;
use gix::ObjectId;
use gix::hashtable::hash_table::HashTable;
use gix::objs::{Find as _, Kind};

use super::short;
use crate::collect::Collector;

/// A commit as read from its object.
pub(super) struct Commit<'b> {
    pub(super) tree: ObjectId,
    /// Every parent the commit names, whether selected, hidden or absent.
    pub(super) parents: Vec<ObjectId>,
    pub(super) time: i64,
    pub(super) author: &'b gix::bstr::BStr,
}

/// Reads a commit: its tree, parents, committer time and author name.
pub(super) fn read_commit<'b>(
    repo: &gix::Repository,
    id: ObjectId,
    buf: &'b mut Vec<u8>,
) -> Result<Commit<'b>, String> {
    let data = match repo.objects.try_find(&id, buf) {
        Ok(Some(data)) => data,
        Ok(None) => return Err("object not found".to_string()),
        Err(err) => return Err(err.to_string()),
    };
    if data.kind != Kind::Commit {
        return Err(format!("expected a commit, found a {}", data.kind));
    }
    let commit = gix::objs::CommitRef::from_bytes(data.data, repo.object_hash()).map_err(|err| err.to_string())?;
    let author = commit.author().map(|author| author.trim().name).unwrap_or_default();
    let time = commit.committer().map(|committer| committer.seconds()).unwrap_or_default();
    Ok(Commit { tree: commit.tree(), parents: commit.parents().collect(), time, author })
}

/// Every commit reachable from `tips`, themselves included. Parents of
/// shallow commits are not there and are not looked for.
pub(super) fn ancestors(
    repo: &gix::Repository,
    pages: &super::PackPages,
    tips: &[ObjectId],
    shallow: &HashSet<ObjectId>,
    out: &mut Collector,
) -> HashSet<ObjectId> {
    let mut found = HashSet::new();
    let mut queue: Vec<ObjectId> = tips.to_vec();
    let mut buf = Vec::new();
    while let Some(id) = queue.pop() {
        if !found.insert(id) {
            continue;
        }
        if found.len() % super::COMMITS_PER_RELEASE == 0 {
            pages.release();
        }
        match read_commit(repo, id, &mut buf) {
            Ok(commit) if !shallow.contains(&id) => {
                queue.extend(commit.parents.into_iter().filter(|parent| !found.contains(parent)))
            }
            Ok(_) => {}
            Err(err) => out.error(&short(&id), &format!("unreadable commit: {err}")),
        }
    }
    found
}

/// What the graph keeps of a selected commit: 56 bytes, its parents apart.
pub(super) struct CommitInfo {
    pub(super) id: ObjectId,
    pub(super) tree: ObjectId,
    pub(super) time: i64,
    /// Index into `Graph::authors`.
    author: u32,
    /// Where this commit's parents end in `Graph::parents`; they start where the previous
    /// commit's end.
    parents_end: u32,
}

/// The selected commits and their parent links, about 85 bytes a commit: every parent id in one
/// vector, each author name once, and an index holding only positions (the ids are the
/// commits'). The index hashes with a random key, as `HashMap` does: a crafted repository can
/// choose ids that share their first bytes, not ids that collide under an unknown key.
pub(super) struct Graph {
    pub(super) commits: Vec<CommitInfo>,
    parents: Vec<ObjectId>,
    authors: Vec<Box<str>>,
    index: HashTable<u32>,
    hasher: RandomState,
}

impl Graph {
    fn new() -> Self {
        Graph {
            commits: Vec::new(),
            parents: Vec::new(),
            authors: Vec::new(),
            index: HashTable::new(),
            hasher: RandomState::new(),
        }
    }

    pub(super) fn load(
        repo: &gix::Repository,
        pages: &super::PackPages,
        tips: &[ObjectId],
        hidden: &HashSet<ObjectId>,
        shallow: &HashSet<ObjectId>,
        out: &mut Collector,
    ) -> Graph {
        let mut graph = Graph::new();
        let mut queue: Vec<ObjectId> = tips.iter().copied().filter(|id| !hidden.contains(id)).collect();
        let mut unreadable = HashSet::new();
        let mut authors: HashMap<Vec<u8>, u32> = HashMap::new();
        let mut buf = Vec::new();
        let mut visited = 0usize;
        while let Some(id) = queue.pop() {
            if graph.position(&id).is_some() || unreadable.contains(&id) {
                continue;
            }
            visited += 1;
            if visited.is_multiple_of(super::COMMITS_PER_RELEASE) {
                pages.release();
            }
            match read_commit(repo, id, &mut buf) {
                Ok(commit) => {
                    let author = match authors.get(commit.author) {
                        Some(&author) => author,
                        None => {
                            let author = graph.authors.len() as u32;
                            graph.authors.push(commit.author.to_string().into_boxed_str());
                            authors.insert(commit.author.to_vec(), author);
                            author
                        }
                    };
                    if !shallow.contains(&id) {
                        queue.extend(commit.parents.iter().filter(|parent| !hidden.contains(*parent)).copied());
                    }
                    graph.push(id, commit.tree, &commit.parents, commit.time, author);
                }
                Err(err) => {
                    unreadable.insert(id);
                    out.error(&short(&id), &format!("unreadable commit: {err}"));
                }
            }
        }
        graph.commits.shrink_to_fit();
        graph.parents.shrink_to_fit();
        graph
    }

    fn push(&mut self, id: ObjectId, tree: ObjectId, parents: &[ObjectId], time: i64, author: u32) {
        let position = self.commits.len() as u32;
        self.parents.extend_from_slice(parents);
        let parents_end = self.parents.len() as u32;
        self.commits.push(CommitInfo { id, tree, time, author, parents_end });
        let (commits, hasher) = (&self.commits, &self.hasher);
        self.index.insert_unique(hasher.hash_one(id), position, |&at| hasher.hash_one(commits[at as usize].id));
    }

    /// Where commit `id` is in `commits`, if it was selected.
    pub(super) fn position(&self, id: &ObjectId) -> Option<usize> {
        self.index.find(self.hasher.hash_one(id), |&at| self.commits[at as usize].id == *id).map(|&at| at as usize)
    }

    /// The parents commit `at` names, whether selected, hidden or absent.
    pub(super) fn parents(&self, at: usize) -> &[ObjectId] {
        let start = at.checked_sub(1).map_or(0, |previous| self.commits[previous].parents_end as usize);
        &self.parents[start..self.commits[at].parents_end as usize]
    }

    pub(super) fn author(&self, commit: &CommitInfo) -> &str {
        self.authors.get(commit.author as usize).map_or("", |author| author)
    }

    /// Positions of the commits with every parent before its children, the oldest (by committer
    /// time) first among those that are ready: so "the first commit that brought a blob" is the
    /// oldest one even across unrelated branches.
    pub(super) fn parents_first(&self) -> Vec<u32> {
        let count = self.commits.len();
        let mut waiting: Vec<u32> = vec![0; count];
        // Children by parent, flat: `children[starts[parent]..starts[parent + 1]]`.
        let mut starts: Vec<u32> = vec![0; count + 1];
        let mut links: Vec<(u32, u32)> = Vec::new();
        for (index, waiting) in waiting.iter_mut().enumerate() {
            for parent in self.parents(index) {
                if let Some(parent_index) = self.position(parent)
                    && parent_index != index
                {
                    *waiting += 1;
                    starts[parent_index + 1] += 1;
                    links.push((parent_index as u32, index as u32));
                }
            }
        }
        for at in 1..=count {
            starts[at] += starts[at - 1];
        }
        let mut children: Vec<u32> = vec![0; links.len()];
        let mut next: Vec<u32> = starts[..count].to_vec();
        for (parent, child) in links {
            children[next[parent as usize] as usize] = child;
            next[parent as usize] += 1;
        }
        drop(next);
        let mut ready: BinaryHeap<Reverse<(i64, ObjectId, u32)>> = BinaryHeap::new();
        for (index, &count) in waiting.iter().enumerate() {
            if count == 0 {
                ready.push(Reverse((self.commits[index].time, self.commits[index].id, index as u32)));
            }
        }
        let mut order = Vec::with_capacity(count);
        while let Some(Reverse((_, _, index))) = ready.pop() {
            order.push(index);
            let index = index as usize;
            for &child in &children[starts[index] as usize..starts[index + 1] as usize] {
                let child = child as usize;
                waiting[child] -= 1;
                if waiting[child] == 0 {
                    ready.push(Reverse((self.commits[child].time, self.commits[child].id, child as u32)));
                }
            }
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(byte: u8) -> ObjectId {
        ObjectId::from_bytes_or_panic(&[byte; 20])
    }

    fn graph(commits: &[(u8, i64, &[u8])]) -> Graph {
        let mut graph = Graph::new();
        for &(byte, time, parents) in commits {
            let parents: Vec<ObjectId> = parents.iter().map(|&parent| id(parent)).collect();
            graph.push(id(byte), id(0), &parents, time, 0);
        }
        graph
    }

    #[test]
    fn parents_come_before_children_even_when_their_clock_is_later() {
        // 2's parent 1 claims a later time (a skewed clock): it must still come first.
        let graph = graph(&[(2, 100, &[1]), (1, 500, &[]), (3, 50, &[])]);
        assert_eq!(graph.parents_first(), [2, 1, 0]);
    }

    #[test]
    fn unrelated_branches_interleave_oldest_first() {
        let graph = graph(&[(1, 10, &[]), (2, 30, &[1]), (3, 20, &[]), (4, 40, &[3]), (5, 50, &[2, 4])]);
        assert_eq!(graph.parents_first(), [0, 2, 1, 3, 4]);
    }

    #[test]
    fn each_commit_keeps_its_own_parents_and_is_found_by_id() {
        let graph = graph(&[(5, 50, &[2, 4]), (1, 10, &[]), (2, 30, &[1, 9, 1])]);
        assert_eq!(graph.parents(0), [id(2), id(4)]);
        assert!(graph.parents(1).is_empty());
        assert_eq!(graph.parents(2), [id(1), id(9), id(1)]);
        assert_eq!([5, 1, 2, 9].map(|byte| graph.position(&id(byte))), [Some(0), Some(1), Some(2), None]);
    }

    #[test]
    fn a_commit_record_stays_56_bytes() {
        assert_eq!(std::mem::size_of::<CommitInfo>(), 56);
    }
}
