//! The selected commits and their parent links, read once, and the parents-first order the diff
//! records them in.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Arc;

use anyhow::Result;
use gix::ObjectId;
use gix::objs::{Find as _, Kind};

use super::short;
use crate::collect::Collector;
/// A commit to diff, with what its findings show.
pub(super) struct CommitInfo {
    pub(super) id: ObjectId,
    pub(super) tree: ObjectId,
    /// Every parent the commit names, whether selected, hidden or absent.
    pub(super) parents: Vec<ObjectId>,
    pub(super) time: i64,
    pub(super) author: Arc<str>,
}

/// Reads a commit: its tree, parents, committer time and author name.
pub(super) fn read_commit(repo: &gix::Repository, id: ObjectId, buf: &mut Vec<u8>) -> Result<CommitInfo, String> {
    let data = match repo.objects.try_find(&id, buf) {
        Ok(Some(data)) => data,
        Ok(None) => return Err("object not found".to_string()),
        Err(err) => return Err(err.to_string()),
    };
    if data.kind != Kind::Commit {
        return Err(format!("expected a commit, found a {}", data.kind));
    }
    let commit = gix::objs::CommitRef::from_bytes(data.data, repo.object_hash()).map_err(|err| err.to_string())?;
    let author = commit.author().map(|author| author.trim().name.to_string()).unwrap_or_default();
    let time = commit.committer().map(|committer| committer.seconds()).unwrap_or_default();
    Ok(CommitInfo { id, tree: commit.tree(), parents: commit.parents().collect(), time, author: Arc::from(author) })
}

/// Every commit reachable from `tips`, themselves included. Parents of
/// shallow commits are not there and are not looked for.
pub(super) fn ancestors(
    repo: &gix::Repository,
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

/// The selected commits and their parent links.
pub(super) struct Graph {
    pub(super) commits: Vec<CommitInfo>,
    pub(super) index: HashMap<ObjectId, usize>,
}

impl Graph {
    pub(super) fn load(
        repo: &gix::Repository,
        tips: &[ObjectId],
        hidden: &HashSet<ObjectId>,
        shallow: &HashSet<ObjectId>,
        out: &mut Collector,
    ) -> Graph {
        let mut graph = Graph { commits: Vec::new(), index: HashMap::new() };
        let mut queue: Vec<ObjectId> = tips.iter().copied().filter(|id| !hidden.contains(id)).collect();
        let mut visited = HashSet::new();
        let mut authors: HashMap<Arc<str>, Arc<str>> = HashMap::new();
        let mut buf = Vec::new();
        while let Some(id) = queue.pop() {
            if !visited.insert(id) {
                continue;
            }
            match read_commit(repo, id, &mut buf) {
                Ok(mut commit) => {
                    commit.author = Arc::clone(authors.entry(Arc::clone(&commit.author)).or_insert(commit.author));
                    if !shallow.contains(&id) {
                        queue.extend(commit.parents.iter().filter(|parent| !hidden.contains(*parent)).copied());
                    }
                    graph.index.insert(id, graph.commits.len());
                    graph.commits.push(commit);
                }
                Err(err) => out.error(&short(&id), &format!("unreadable commit: {err}")),
            }
        }
        graph
    }

    /// Indices of the commits with every parent before its children, the oldest (by committer
    /// time) first among those that are ready: so "the first commit that brought a blob" is the
    /// oldest one even across unrelated branches.
    pub(super) fn parents_first(&self) -> Vec<usize> {
        let mut waiting: Vec<usize> = vec![0; self.commits.len()];
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); self.commits.len()];
        for (index, commit) in self.commits.iter().enumerate() {
            for parent in &commit.parents {
                if let Some(&parent_index) = self.index.get(parent)
                    && parent_index != index
                {
                    waiting[index] += 1;
                    children[parent_index].push(index);
                }
            }
        }
        let mut ready: BinaryHeap<Reverse<(i64, ObjectId, usize)>> = BinaryHeap::new();
        for (index, &count) in waiting.iter().enumerate() {
            if count == 0 {
                ready.push(Reverse((self.commits[index].time, self.commits[index].id, index)));
            }
        }
        let mut order = Vec::with_capacity(self.commits.len());
        while let Some(Reverse((_, _, index))) = ready.pop() {
            order.push(index);
            for &child in &children[index] {
                waiting[child] -= 1;
                if waiting[child] == 0 {
                    ready.push(Reverse((self.commits[child].time, self.commits[child].id, child)));
                }
            }
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn commit(byte: u8, time: i64, parents: &[u8]) -> CommitInfo {
        let id = |byte: u8| ObjectId::from_bytes_or_panic(&[byte; 20]);
        CommitInfo {
            id: id(byte),
            tree: id(0),
            parents: parents.iter().map(|&parent| id(parent)).collect(),
            time,
            author: Arc::from(""),
        }
    }

    pub(super) fn graph(commits: Vec<CommitInfo>) -> Graph {
        let index = commits.iter().enumerate().map(|(index, commit)| (commit.id, index)).collect();
        Graph { commits, index }
    }

    #[test]
    pub(super) fn parents_come_before_children_even_when_their_clock_is_later() {
        // 2's parent 1 claims a later time (a skewed clock): it must still come first.
        let graph = graph(vec![commit(2, 100, &[1]), commit(1, 500, &[]), commit(3, 50, &[])]);
        assert_eq!(graph.parents_first(), [2, 1, 0]);
    }

    #[test]
    pub(super) fn unrelated_branches_interleave_oldest_first() {
        let graph = graph(vec![
            commit(1, 10, &[]),
            commit(2, 30, &[1]),
            commit(3, 20, &[]),
            commit(4, 40, &[3]),
            commit(5, 50, &[2, 4]),
        ]);
        assert_eq!(graph.parents_first(), [0, 2, 1, 3, 4]);
    }
}
