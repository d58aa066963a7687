//! The gate's own settings in history mode. A pull request can edit `jwtscan.toml`, `.ignore`,
//! `.gitignore` or the committed baseline, so in `git --range`/`--since` mode the config is read
//! from the range's base commit, and each such edit within the range is reported as a finding of
//! its own (`gate-config-changed`) for a reviewer to judge, instead of silently taking effect.
//!
//! Trees are compared by object id and only differing subtrees are entered, with an explicit
//! stack: no recursion, so no depth a crafted tree could exceed.

use std::collections::HashSet;

use crate::catalog::{Hit, id};
use crate::finding::{Finding, Position, Site, Subject};
use crate::hex::sha256_hex;
use gix::ObjectId;
use gix::objs::{Find as _, Kind, TreeRefIter};
use ignore::gitignore::GitignoreBuilder;

/// The config names jwtscan looks for at the root of the scanned tree.
pub const CONFIG_NAMES: [&str; 2] = ["jwtscan.toml", ".jwtscan.toml"];
/// Most lines of one `.gitignore` change judged, and most tracked files they are matched against:
/// beyond them the change is reported without the check (a change that large deserves a look).
const MAX_ADDED_LINES: usize = 10_000;
const MAX_FILES_CHECKED: usize = 1_000_000;
/// Evidence lists at most this many of the lines that cover tracked files.
const MAX_LINES_SHOWN: usize = 10;

/// One edit of a file that steers the gate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub path: String,
    /// `added`, `modified` or `deleted`.
    pub change: &'static str,
    /// For a `.gitignore`: the added lines that match tracked files.
    pub covering: Vec<String>,
    /// The file's blob after the change (`None` when deleted).
    pub blob: Option<ObjectId>,
}

/// A tree entry: name, whether it is a tree, and its id.
type Entry = (Vec<u8>, bool, ObjectId);

fn tree_entries(repo: &gix::Repository, tree: Option<ObjectId>, buf: &mut Vec<u8>) -> Result<Vec<Entry>, String> {
    let Some(tree) = tree else { return Ok(Vec::new()) };
    match repo.objects.try_find(&tree, buf) {
        Ok(Some(data)) if data.kind == Kind::Tree => Ok(TreeRefIter::from_bytes(data.data, repo.object_hash())
            .filter_map(Result::ok)
            .map(|entry| (entry.filename.to_vec(), entry.mode.is_tree(), entry.oid.to_owned()))
            .collect()),
        Ok(None) if tree.is_empty_tree() => Ok(Vec::new()),
        Ok(_) => Err(format!("tree {} cannot be read", tree.to_hex_with_len(7))),
        Err(err) => Err(format!("tree {}: {err}", tree.to_hex_with_len(7))),
    }
}

/// The blob at `path` (`/`-separated) in `tree`, if any.
pub fn blob_at(repo: &gix::Repository, tree: ObjectId, path: &str) -> Option<ObjectId> {
    let mut buf = Vec::new();
    let mut current = tree;
    let mut parts = path.split('/').peekable();
    while let Some(part) = parts.next() {
        let entries = tree_entries(repo, Some(current), &mut buf).ok()?;
        let (_, is_tree, id) = entries.into_iter().find(|(name, _, _)| name == part.as_bytes())?;
        match (parts.peek().is_some(), is_tree) {
            (true, true) => current = id,
            (false, false) => return Some(id),
            _ => return None,
        }
    }
    None
}

pub fn read_blob(repo: &gix::Repository, id: ObjectId) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    match repo.objects.try_find(&id, &mut buf) {
        Ok(Some(data)) if data.kind == Kind::Blob => Some(data.data.to_vec()),
        _ => None,
    }
}

/// The config file at the root of `tree`: its name and text.
pub fn config_in(repo: &gix::Repository, tree: ObjectId) -> Option<(&'static str, Vec<u8>)> {
    CONFIG_NAMES.iter().find_map(|&name| Some((name, read_blob(repo, blob_at(repo, tree, name)?)?)))
}

/// Every gate file that differs between `base` and `head`: root configs, `baseline` (a path
/// relative to the repository root), every `.ignore`, and every `.gitignore` whose added lines
/// cover files tracked in `head`. Errors reading trees are returned as messages.
pub fn changes(
    repo: &gix::Repository,
    base: ObjectId,
    head: ObjectId,
    baseline: Option<&str>,
) -> (Vec<Change>, Vec<String>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    let mut buf = Vec::new();
    let mut stack: Vec<(String, Option<ObjectId>, Option<ObjectId>)> = vec![(String::new(), Some(base), Some(head))];
    while let Some((folder, old, new)) = stack.pop() {
        let (old_entries, new_entries) = match (tree_entries(repo, old, &mut buf), tree_entries(repo, new, &mut buf)) {
            (Ok(old), Ok(new)) => (old, new),
            (Err(err), _) | (_, Err(err)) => {
                errors.push(format!("{}: {err}", if folder.is_empty() { "/" } else { &folder }));
                continue;
            }
        };
        let mut names: Vec<&[u8]> = old_entries.iter().chain(&new_entries).map(|(name, _, _)| &name[..]).collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            let find = |entries: &[Entry], tree: bool| {
                entries.iter().find(|(n, is_tree, _)| &n[..] == name && *is_tree == tree).map(|(_, _, id)| *id)
            };
            let path = format!("{folder}{}", String::from_utf8_lossy(name));
            let (old_tree, new_tree) = (find(&old_entries, true), find(&new_entries, true));
            if old_tree != new_tree && (old_tree.is_some() || new_tree.is_some()) {
                stack.push((format!("{path}/"), old_tree, new_tree));
            }
            let (old_blob, new_blob) = (find(&old_entries, false), find(&new_entries, false));
            if old_blob == new_blob {
                continue;
            }
            let change = match (old_blob, new_blob) {
                (None, _) => "added",
                (_, None) => "deleted",
                _ => "modified",
            };
            let is_config = folder.is_empty() && CONFIG_NAMES.contains(&path.as_str());
            if is_config || name == b".ignore" || baseline == Some(path.as_str()) {
                found.push(Change { path, change, covering: Vec::new(), blob: new_blob });
            } else if name == b".gitignore" && new_blob.is_some() {
                let old_text = old_blob.and_then(|id| read_blob(repo, id)).unwrap_or_default();
                let new_text = new_blob.and_then(|id| read_blob(repo, id)).unwrap_or_default();
                let files = head_files_under(repo, head, &folder, &mut errors);
                let covering = covering_lines(&old_text, &new_text, &files);
                if !covering.is_empty() {
                    found.push(Change { path, change, covering, blob: new_blob });
                }
            }
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    (found, errors)
}

/// Paths of the files tracked under `folder` (`""` or ending in `/`) in `head`, relative to it.
fn head_files_under(repo: &gix::Repository, head: ObjectId, folder: &str, errors: &mut Vec<String>) -> Vec<String> {
    let mut buf = Vec::new();
    let mut root = Some(head);
    for part in folder.split('/').filter(|part| !part.is_empty()) {
        root = tree_entries(repo, root, &mut buf)
            .ok()
            .and_then(|entries| entries.into_iter().find(|(name, is_tree, _)| *is_tree && name == part.as_bytes()))
            .map(|(_, _, id)| id);
    }
    let mut files = Vec::new();
    let mut stack = vec![(String::new(), root)];
    while let Some((prefix, tree)) = stack.pop() {
        match tree_entries(repo, tree, &mut buf) {
            Ok(entries) => {
                for (name, is_tree, id) in entries {
                    let path = format!("{prefix}{}", String::from_utf8_lossy(&name));
                    if is_tree {
                        stack.push((format!("{path}/"), Some(id)));
                    } else if files.len() < MAX_FILES_CHECKED {
                        files.push(path);
                    }
                }
            }
            Err(err) => errors.push(format!("{folder}{prefix}: {err}")),
        }
    }
    files
}

/// The lines `new` adds to a `.gitignore` (relative to `old`) that match one of `files` (paths
/// relative to the `.gitignore`'s folder), in the order they first match; at most
/// `MAX_LINES_SHOWN`. Any bytes are accepted: a line that is not a valid pattern matches nothing.
pub fn covering_lines(old: &[u8], new: &[u8], files: &[String]) -> Vec<String> {
    let old_lines: HashSet<&str> = lines(old).collect();
    let mut builder = GitignoreBuilder::new("");
    let mut added = 0;
    for line in lines(new).filter(|line| !old_lines.contains(line)).take(MAX_ADDED_LINES) {
        if builder.add_line(None, line).is_ok() {
            added += 1;
        }
    }
    if added == 0 {
        return Vec::new();
    }
    let Ok(matcher) = builder.build() else { return Vec::new() };
    let mut covering: Vec<String> = Vec::new();
    for file in files {
        if let ignore::Match::Ignore(glob) = matcher.matched_path_or_any_parents(file, false) {
            let line = glob.original().to_string();
            if !covering.contains(&line) {
                covering.push(line);
                if covering.len() == MAX_LINES_SHOWN {
                    break;
                }
            }
        }
    }
    covering
}

/// Pattern lines: not blank, not comments.
fn lines(text: &[u8]) -> impl Iterator<Item = &str> {
    text.split(|&b| b == b'\n')
        .filter_map(|line| std::str::from_utf8(line).ok())
        .map(|line| line.trim_end_matches('\r'))
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
}

/// The finding for one change, attributed to `commit` (the range's tip).
pub fn finding(change: &Change, base: &str, commit: &str) -> Finding {
    let what = match CONFIG_NAMES.contains(&change.path.as_str()) {
        true => "the jwtscan config",
        false if change.path.ends_with(".gitignore") => "a .gitignore rule that covers tracked files",
        false if change.path.ends_with(".ignore") => "an .ignore file",
        false => "the baseline",
    };
    let message = format!(
        "{what} changed in the scanned range ({}): the scan used the base commit's settings; review the change",
        change.change
    );
    let mut hit = Hit::new(id::GATE_CONFIG_CHANGED, message).with("change", change.change).with("base", base);
    if !change.covering.is_empty() {
        hit = hit.with("lines", change.covering.clone());
    }
    // The subject is the file's new content, named by its blob id; there is no token to show.
    let sha256 = change.blob.map_or_else(|| sha256_hex(b""), |blob| blob.to_string());
    let subject = Subject::Key { redacted: String::new(), full: String::new(), sha256 };
    let at = Position { line: 1, column: 1 };
    let member = crate::provenance::Chain::NONE;
    let site = Site { path: &change.path, member: &member, start: at, end: at, commit: Some(commit), history: None };
    Finding::new(hit, &site, &subject, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(paths: &[&str]) -> Vec<String> {
        paths.iter().map(|path| path.to_string()).collect()
    }

    #[test]
    fn added_gitignore_lines_that_cover_tracked_files_are_named() {
        let tracked = files(&["src/app.rs", "config/dev.env", "target/x"]);
        let covering = covering_lines(b"target/\n", b"target/\n# a comment\n*.env\nbuild/\n", &tracked);
        assert_eq!(covering, ["*.env"]);
        assert_eq!(covering_lines(b"", b"src/\n", &tracked), ["src/"]);
        assert!(covering_lines(b"", b"*.log\n\n", &tracked).is_empty());
        assert!(covering_lines(b"*.env\n", b"*.env\n", &tracked).is_empty(), "a line already there is not new");
    }

    #[test]
    fn hostile_gitignore_bytes_do_not_panic_and_cover_no_tracked_file() {
        let tracked = files(&["a"]);
        for text in [&b"\xff\xfe[\n"[..], b"[z-a]\n", b"\\\n", b"!\n", b"\0\n"] {
            assert!(covering_lines(b"", text, &tracked).is_empty(), "{:?}", String::from_utf8_lossy(text));
        }
        // A glob that matches everything is still read as one, however it is spelled.
        assert_eq!(covering_lines(b"", b"**/**/**/***\n", &tracked), ["**/**/**/***"]);
    }
}
