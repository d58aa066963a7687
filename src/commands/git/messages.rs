//! Commit messages, annotated tags' messages and notes: text a repository carries outside its
//! trees, as able to hold a token as any file. Each becomes a job of the blob scan (`scan_blobs`),
//! so it goes through the same door, rules, budgets, size cap, ignore comments and oldest-place
//! deduplication as a blob, and is reported at a pseudo-path under `.git/` that git never lets a
//! tree hold (`.git` is refused as a path component), with the commit it belongs to:
//!
//! - a commit's message at `COMMIT_MESSAGE`, at that commit;
//! - an annotated tag's message at `.git/<its reference>` (`.git/refs/tags/v1`), at the commit the
//!   tag points to;
//! - a note at `.git/<its notes reference>` (`.git/refs/notes/commits`), at the commit it is
//!   about. Every note the notes reference's history ever held is read, as every blob of a
//!   branch's history is.
//!
//! Only what belongs to a selected commit is read: in `--range`/`--since` mode the messages of
//! the range's commits and the tags and notes on them; with every commit selected, also the tags
//! and notes on anything else (a tree, a blob, an unreachable commit), at no commit.

use std::collections::HashSet;

use gix::ObjectId;
use gix::objs::{Find as _, Kind};
use gix::prelude::Header as _;

use super::blobs::{Catalog, JobTable, Place};
use super::diff::{Changes, Differ};
use super::graph::{Graph, ancestors, read_commit};
use super::{PackPages, PathFilter, short};
use crate::collect::Collector;

/// Where every commit message is reported: the file git writes a message to before committing.
pub(super) const COMMIT_MESSAGE: &str = ".git/COMMIT_EDITMSG";
/// References that hold notes; their commits are read here, not as history of their own.
pub(super) const NOTES_PREFIX: &str = "refs/notes/";
/// Tags of tags followed before the chain is given up as an error: git makes one level; a loop
/// cannot be built (an object cannot name its own id), a long chain can.
const MAX_TAG_CHAIN: usize = 64;

/// The part of a commit or tag object `scan_blobs` scans: everything after the headers (the
/// message, and a tag's signature after it). Headers end at the first empty line: a header's
/// continuation lines (a signature's) start with a space.
pub(super) fn message(object: &[u8]) -> &[u8] {
    memchr::memmem::find(object, b"\n\n").map_or(&[], |end| &object[end + 2..])
}

/// Records the messages of the selected commits, the annotated tags and the notes as jobs of the
/// blob scan, after the blobs (their paths come last in `catalog`, see `Catalog::kind`). `full`:
/// every commit is selected, so tags and notes on anything else are read too, at no commit.
pub(super) fn record(
    repo: &gix::Repository,
    pages: &PackPages,
    graph: &Graph,
    catalog: &mut Catalog<'_>,
    jobs: &mut JobTable,
    full: bool,
    out: &mut Collector,
) {
    catalog.first_pseudo = catalog.paths.len() as u32;
    let mut rank = vec![0u32; graph.commits.len()];
    for (position, &at) in catalog.order.iter().enumerate() {
        rank[at as usize] = position as u32;
    }
    let at_commit = |id: &ObjectId| graph.position(id).map(|at| rank[at]);

    let commit_path = catalog.pseudo(COMMIT_MESSAGE, Kind::Commit);
    for (position, &at) in catalog.order.iter().enumerate() {
        jobs.record(graph.commits[at as usize].id, Place { path: commit_path, commit: Some(position as u32) });
    }

    let platform = match repo.references() {
        Ok(platform) => platform,
        Err(err) => return out.error("(references)", &format!("cannot read references: {err}")),
    };
    let references = match platform.all() {
        Ok(references) => references,
        Err(err) => return out.error("(references)", &format!("cannot read references: {err}")),
    };
    let mut places: Vec<(ObjectId, Place)> = Vec::new();
    for reference in references {
        let reference = match reference {
            Ok(reference) => reference,
            Err(err) => {
                out.error("(references)", &format!("unreadable reference: {err}"));
                continue;
            }
        };
        let name = reference.name().as_bstr().to_string();
        let Some(target) = reference.try_id().map(|id| id.detach()) else { continue };
        if name.starts_with(NOTES_PREFIX) {
            let path = catalog.pseudo(&format!(".git/{name}"), Kind::Blob);
            notes(repo, pages, &name, target, path, &at_commit, full, &mut places, out);
        } else {
            tags(repo, &name, target, catalog, &at_commit, full, &mut places, out);
        }
    }
    // Oldest place first, as `JobTable::record` wants; `None` (no commit) sorts first.
    places.sort_by_key(|&(_, place)| place.commit);
    for (id, place) in places {
        jobs.record(id, place);
    }
}

/// The annotated tags `name` points to (a tag of a tag too), placed at the commit they peel to.
#[allow(clippy::too_many_arguments)]
fn tags(
    repo: &gix::Repository,
    name: &str,
    target: ObjectId,
    catalog: &mut Catalog<'_>,
    at_commit: &dyn Fn(&ObjectId) -> Option<u32>,
    full: bool,
    places: &mut Vec<(ObjectId, Place)>,
    out: &mut Collector,
) {
    let mut chain = Vec::new();
    let mut id = target;
    let mut buf = Vec::new();
    loop {
        let kind = match repo.objects.try_header(&id) {
            Ok(Some(header)) => header.kind(),
            // A reference to a missing object is reported where the tips are read; a tag whose
            // target is missing points to no selected commit, so only a full scan reads it.
            Ok(None) | Err(_) if chain.is_empty() || !full => return,
            Ok(None) | Err(_) => {
                out.error(name, &format!("tag {} points to a missing object", short(chain.last().unwrap_or(&id))));
                break;
            }
        };
        if kind != Kind::Tag {
            break;
        }
        if chain.len() == MAX_TAG_CHAIN {
            return out.error(name, &format!("more than {MAX_TAG_CHAIN} tags of tags, not followed"));
        }
        chain.push(id);
        let next = match repo.objects.try_find(&id, &mut buf) {
            Ok(Some(data)) => gix::objs::TagRefIter::from_bytes(data.data, repo.object_hash()).target_id().ok(),
            Ok(None) | Err(_) => None,
        };
        match next {
            Some(next) => id = next,
            None => return out.error(name, &format!("tag {} is unreadable", short(&id))),
        }
    }
    if chain.is_empty() {
        return;
    }
    let commit = at_commit(&id);
    if commit.is_none() && !full {
        return;
    }
    let path = catalog.pseudo(&format!(".git/{name}"), Kind::Tag);
    places.extend(chain.into_iter().map(|tag| (tag, Place { path, commit })));
}

/// Every note the history of the notes reference `name` (at `tip`) ever held, placed at the
/// commit it is about. A notes tree names each note by the id of the object it annotates, split
/// into folders (`ab/cdef…`) as the notes grow.
#[allow(clippy::too_many_arguments)]
fn notes(
    repo: &gix::Repository,
    pages: &PackPages,
    name: &str,
    tip: ObjectId,
    path: u32,
    at_commit: &dyn Fn(&ObjectId) -> Option<u32>,
    full: bool,
    places: &mut Vec<(ObjectId, Place)>,
    out: &mut Collector,
) {
    let tip = match super::select::peel_to_commit(repo, tip) {
        Ok(tip) => tip,
        Err(err) => return out.error(name, &format!("{err:#}")),
    };
    let commits = ancestors(repo, pages, &[tip], &HashSet::new(), out);
    let unfiltered = PathFilter { exclude: None };
    let mut differ = Differ::new(repo.clone(), &unfiltered);
    let mut buf = Vec::new();
    let mut changes = Changes::default();
    let mut sorted: Vec<ObjectId> = commits.into_iter().collect();
    sorted.sort_unstable();
    for commit in sorted {
        // `ancestors` has reported the commits it could not read.
        let Ok(read) = read_commit(repo, commit, &mut buf) else { continue };
        let (tree, parent) = (read.tree, read.parents.first().copied());
        let parent_tree = parent.and_then(|parent| read_commit(repo, parent, &mut buf).ok().map(|parent| parent.tree));
        differ.path.clear();
        differ.diff(parent_tree, tree, 0, &mut changes);
    }
    for message in changes.errors {
        out.error(name, &message);
    }
    let hex_len = repo.object_hash().len_in_hex();
    for (blob, note_path) in changes.blobs {
        let hex: Vec<u8> = note_path.into_iter().filter(|&byte| byte != b'/').collect();
        let about = (hex.len() == hex_len).then(|| ObjectId::from_hex(&hex).ok()).flatten();
        let commit = about.as_ref().and_then(at_commit);
        if commit.is_some() || full {
            places.push((blob, Place { path, commit }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_is_what_follows_the_headers_a_signature_header_included() {
        let commit = b"tree 1\nauthor A <a> 1 +0000\ngpgsig -----BEGIN\n \n -----END\n\nsubject\n\nbody\n";
        assert_eq!(message(commit), b"subject\n\nbody\n");
        assert_eq!(message(b"tree 1\nauthor A <a> 1 +0000\n"), b"");
        assert_eq!(message(b"object 1\ntype commit\ntag v1\n\n"), b"");
    }
}
