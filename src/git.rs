//! `jwtscan git`: scans every blob reachable in a repository's history, read with `gix` (no `git`
//! subprocess). Each distinct blob is read and scanned once, however many commits and paths share
//! it; its findings are reported once per (rule, path, token), at the oldest commit that brought
//! that blob to that path.
//!
//! Two phases. First the commits are put in parents-first order (oldest first among commits that
//! do not depend on each other) and each commit's tree is diffed against its parents', in
//! parallel, which yields the (blob, path) pairs the commit introduced; a sequential pass keeps
//! the first commit of each pair. Then the distinct blobs are scanned in parallel, one `Scanner`
//! and one thread-local repository handle per worker.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context as _, Result, anyhow, bail};
use gix::ObjectId;
use gix::objs::tree::{EntryKind, EntryMode, name_order};
use gix::objs::{Find as _, Kind, TreeRefIter};
use gix::prelude::Header as _;
use rayon::prelude::*;
use serde_json::Value;

use crate::Exit;
use crate::cli::GitArgs;
use crate::config::Settings;
use crate::finding::{self, Finding};
use crate::scan::{Collector, Occurrence, Scanner};

/// Trees nested deeper than this are not entered: real repositories stay far below it, and a
/// crafted one must not exhaust the stack. Never silently: each is an error, and an incomplete
/// history scan fails the run unless `--allow-incomplete`.
const MAX_TREE_DEPTH: usize = 256;
/// Commits diffed in parallel before their changes are recorded: large enough to keep every
/// worker busy, small enough that the changes of a huge history are never all in memory.
const DIFF_BATCH: usize = 4096;
/// Object cache of each diffing worker: a tree is read again as the parent of the next commit.
/// Blob workers have none: each blob is read once.
const OBJECT_CACHE_BYTES: usize = 64 << 20;
/// A worker's blob buffer is dropped after a blob larger than this, so one huge blob does not pin
/// its size for the rest of the scan.
const BLOB_BUFFER_KEEP: usize = 64 << 20;

pub fn run(args: &GitArgs) -> Result<Exit> {
    let started = Instant::now();
    let repo =
        gix::discover(&args.repo).map_err(|err| anyhow!("{}: not a git repository ({err})", args.repo.display()))?;
    let root = repo.workdir().unwrap_or_else(|| repo.git_dir()).to_path_buf();
    // In `--range`/`--since` mode the gate's settings come from the base commit: the change
    // being judged cannot switch its own gate off.
    let base = if args.options.config.is_none() { base_commit(&repo, args)? } else { None };
    let settings = match base {
        Some((base, tree)) => {
            let config = crate::gate::config_in(&repo, tree);
            let display = match &config {
                Some((name, _)) => format!("{}:{name}", short(&base)),
                None => format!("{} (no config)", short(&base)),
            };
            crate::config::resolve_from_commit(
                &root,
                &args.options,
                &display,
                config.as_ref().map(|(_, text)| &text[..]),
            )?
        }
        None => crate::config::resolve(std::slice::from_ref(&root), &args.options)?,
    };
    let exclude = PathFilter::new(&settings, &root);
    let pool =
        rayon::ThreadPoolBuilder::new().num_threads(settings.threads).build().context("cannot start worker threads")?;
    let shared = repo.clone().into_sync();
    let mut collector = if args.staged {
        staged(&repo, &shared, &settings, &exclude, &pool)?
    } else {
        history(&repo, &shared, args, &settings, &exclude, &pool)?
    };
    if let Some(base) = base_commit(&repo, args)? {
        gate_changes(&repo, &root, args, base, &mut collector)?;
    }
    let report = crate::build_report(collector, &settings, started);
    let exit = crate::emit(&report, &settings)?;
    if report.summary.errors > 0 && !args.allow_incomplete {
        eprintln!(
            "jwtscan: error: the history scan is incomplete: {} objects or trees could not be scanned (see the \
             warnings); pass --allow-incomplete to accept that",
            report.summary.errors
        );
        return Ok(Exit::Findings);
    }
    Ok(exit)
}

/// The commit whose settings judge a `--range A..B` (A, or the merge base of `A...B`) or a
/// `--since REV` (REV), with its tree; `None` in the other modes.
fn base_commit(repo: &gix::Repository, args: &GitArgs) -> Result<Option<(ObjectId, ObjectId)>> {
    let base = if let Some(range) = &args.range {
        let spec =
            repo.rev_parse(range.as_str()).map_err(|err| anyhow!("--range {range}: cannot resolve ({err})"))?.detach();
        match spec {
            gix::revision::plumbing::Spec::Range { from, .. } => Some(peel_to_commit(repo, from)?),
            gix::revision::plumbing::Spec::Merge { theirs, ours } => {
                let (theirs, ours) = (peel_to_commit(repo, theirs)?, peel_to_commit(repo, ours)?);
                repo.merge_base(theirs, ours).ok().map(|id| id.detach())
            }
            _ => None,
        }
    } else if let Some(rev) = &args.since {
        let id = repo.rev_parse_single(rev.as_str()).map_err(|err| anyhow!("--since {rev}: cannot resolve ({err})"))?;
        Some(peel_to_commit(repo, id.detach())?)
    } else {
        None
    };
    let Some(base) = base else { return Ok(None) };
    let mut buf = Vec::new();
    let commit = read_commit(repo, base, &mut buf).map_err(|err| anyhow!("base commit {}: {err}", short(&base)))?;
    Ok(Some((base, commit.tree)))
}

/// Reports each change the range makes to the gate's own files (see `gate`), against each of the
/// range's tips.
fn gate_changes(
    repo: &gix::Repository,
    root: &Path,
    args: &GitArgs,
    (base, base_tree): (ObjectId, ObjectId),
    out: &mut Collector,
) -> Result<()> {
    let mut scratch = Collector::default();
    let (tips, _) = select(repo, args, &mut scratch)?;
    let baseline = args.options.baseline.as_ref().and_then(|path| {
        let absolute = std::fs::canonicalize(path).ok()?;
        let root = std::fs::canonicalize(root).ok()?;
        Some(absolute.strip_prefix(root).ok()?.to_string_lossy().replace('\\', "/"))
    });
    let mut reported = HashSet::new();
    let mut buf = Vec::new();
    for tip in tips {
        let tree = match read_commit(repo, tip, &mut buf) {
            Ok(commit) => commit.tree,
            Err(err) => {
                out.error(&short(&tip), &format!("unreadable commit: {err}"));
                continue;
            }
        };
        let (changes, errors) = crate::gate::changes(repo, base_tree, tree, baseline.as_deref());
        for message in errors {
            out.error(&short(&tip), &message);
        }
        for change in changes {
            if reported.insert(change.path.clone()) {
                out.findings.push(crate::gate::finding(&change, &base.to_string(), &tip.to_string()));
            }
        }
    }
    Ok(())
}

/// Config `exclude` globs, applied to blob paths relative to the repository root.
struct PathFilter<'s> {
    exclude: Option<(&'s crate::config::Exclude, PathBuf)>,
}

impl<'s> PathFilter<'s> {
    fn new(settings: &'s Settings, root: &Path) -> Self {
        let exclude =
            settings.exclude.as_ref().and_then(|exclude| exclude.root_prefix(root).map(|prefix| (exclude, prefix)));
        PathFilter { exclude }
    }

    fn excludes(&self, path: &[u8]) -> bool {
        let Some((exclude, prefix)) = &self.exclude else { return false };
        let path = String::from_utf8_lossy(path);
        exclude.matches(&prefix.join(path.as_ref()))
    }
}

/// A commit to diff, with what its findings show.
struct CommitInfo {
    id: ObjectId,
    tree: ObjectId,
    /// Every parent the commit names, whether selected, hidden or absent.
    parents: Vec<ObjectId>,
    time: i64,
    author: Arc<str>,
}

/// Where a blob was seen first: the path, and the commit in parents-first order (`None` for the
/// index in `--staged` mode).
#[derive(Clone, Copy)]
struct Place {
    path: u32,
    commit: Option<u32>,
}

/// What the traversal and the scan share about commits and paths.
#[derive(Default)]
struct Catalog {
    paths: Vec<Arc<str>>,
    commits: Vec<CommitMeta>,
}

struct CommitMeta {
    sha: Arc<str>,
    time: i64,
    author: Arc<str>,
}

fn history(
    repo: &gix::Repository,
    shared: &gix::ThreadSafeRepository,
    args: &GitArgs,
    settings: &Settings,
    exclude: &PathFilter<'_>,
    pool: &rayon::ThreadPool,
) -> Result<Collector> {
    let mut out = Collector::default();
    let (tips, hidden_tips) = select(repo, args, &mut out)?;
    if tips.is_empty() {
        out.warnings.push("the repository has no commits: nothing to scan (see --staged)".to_string());
    }
    let shallow: HashSet<ObjectId> = match repo.shallow_commits() {
        Ok(Some(commits)) => commits.iter().copied().collect(),
        Ok(None) => HashSet::new(),
        Err(err) => {
            out.error("(shallow file)", &format!("cannot read the shallow file: {err}"));
            HashSet::new()
        }
    };
    let hidden = ancestors(repo, &hidden_tips, &shallow, &mut out);
    let graph = Graph::load(repo, &tips, &hidden, &shallow, &mut out);
    let order = graph.parents_first();
    let full = hidden.is_empty();
    if graph.commits.iter().any(|commit| shallow.contains(&commit.id)) {
        out.warnings.push(
            "shallow clone: history is truncated; blobs at the oldest fetched commits are attributed to them \
             (fetch the full history, e.g. `fetch-depth: 0`, to scan it all)"
                .to_string(),
        );
    }

    let mut catalog = Catalog::default();
    let mut path_ids: HashMap<Vec<u8>, u32> = HashMap::new();
    let mut seen: HashSet<(ObjectId, u32)> = HashSet::new();
    let mut blobs: HashMap<ObjectId, Vec<Place>> = HashMap::new();
    let mut blob_order: Vec<ObjectId> = Vec::new();
    let mut submodule: Option<String> = None;
    // Commits are diffed in parallel a batch at a time (the batch's changes stay bounded), then
    // recorded in `order`, so the first commit to record a pair is the oldest.
    for batch in order.chunks(DIFF_BATCH) {
        let changes: Vec<Changes> = pool.install(|| {
            batch
                .par_iter()
                .map_init(
                    || Differ::new(shared.to_thread_local(), exclude),
                    |differ, &index| differ.commit_changes(&graph.commits[index], &graph, &shallow, full),
                )
                .collect()
        });
        for (&index, commit_changes) in batch.iter().zip(changes) {
            let commit = &graph.commits[index];
            let commit_index = catalog.commits.len() as u32;
            catalog.commits.push(CommitMeta {
                sha: Arc::from(commit.id.to_string()),
                time: commit.time,
                author: Arc::clone(&commit.author),
            });
            for message in commit_changes.errors {
                out.error(&short(&commit.id), &message);
            }
            if submodule.is_none() {
                submodule = commit_changes.submodules.into_iter().next();
            }
            for (blob, path) in commit_changes.blobs {
                let next = path_ids.len() as u32;
                let path_id = *path_ids.entry(path).or_insert_with_key(|path| {
                    catalog.paths.push(Arc::from(String::from_utf8_lossy(path).as_ref()));
                    next
                });
                if seen.insert((blob, path_id)) {
                    let places = blobs.entry(blob).or_insert_with(|| {
                        blob_order.push(blob);
                        Vec::new()
                    });
                    places.push(Place { path: path_id, commit: Some(commit_index) });
                }
            }
        }
    }
    if let Some(path) = submodule {
        out.warnings.push(format!("{path}: submodules are not followed; scan their repositories separately"));
    }
    drop(seen);
    let jobs: Vec<(ObjectId, Vec<Place>)> =
        blob_order.into_iter().map(|blob| (blob, blobs.remove(&blob).unwrap_or_default())).collect();
    let scanned = scan_blobs(shared, settings, &catalog, &jobs, pool);
    out.merge(scanned);
    Ok(out)
}

/// The commits to start from and the commits to leave out (with their ancestors), by mode.
fn select(repo: &gix::Repository, args: &GitArgs, out: &mut Collector) -> Result<(Vec<ObjectId>, Vec<ObjectId>)> {
    if let Some(range) = &args.range {
        let spec =
            repo.rev_parse(range.as_str()).map_err(|err| anyhow!("--range {range}: cannot resolve ({err})"))?.detach();
        let commit = |id: ObjectId| peel_to_commit(repo, id).with_context(|| format!("--range {range}"));
        return Ok(match spec {
            gix::revision::plumbing::Spec::Range { from, to } => (vec![commit(to)?], vec![commit(from)?]),
            gix::revision::plumbing::Spec::Merge { theirs, ours } => {
                let (theirs, ours) = (commit(theirs)?, commit(ours)?);
                let base = repo.merge_base(theirs, ours).map(|id| vec![id.detach()]).unwrap_or_default();
                (vec![theirs, ours], base)
            }
            gix::revision::plumbing::Spec::Include(id) => (vec![commit(id)?], Vec::new()),
            _ => bail!("--range {range}: expected A..B (or A...B, or one revision)"),
        });
    }
    let tips = all_tips(repo, out)?;
    let hidden = match &args.since {
        Some(rev) => {
            let id = repo
                .rev_parse_single(rev.as_str())
                .map_err(|err| anyhow!("--since {rev}: cannot resolve ({err})"))?
                .detach();
            vec![peel_to_commit(repo, id).with_context(|| format!("--since {rev}"))?]
        }
        None => Vec::new(),
    };
    Ok((tips, hidden))
}

fn peel_to_commit(repo: &gix::Repository, id: ObjectId) -> Result<ObjectId> {
    let object = repo.find_object(id).map_err(|err| anyhow!("cannot read {id}: {err}"))?;
    let commit = object.peel_to_kind(Kind::Commit).map_err(|err| anyhow!("{id} does not name a commit: {err}"))?;
    Ok(commit.id)
}

/// Every commit a reference points to: branches, tags, remotes, notes, `HEAD`, and every entry of
/// the stash's reflog (only the newest stash has a reference).
fn all_tips(repo: &gix::Repository, out: &mut Collector) -> Result<Vec<ObjectId>> {
    let mut tips = Vec::new();
    let mut not_commits = 0u64;
    let platform = repo.references().context("cannot read references")?;
    let references = platform.all().context("cannot read references")?;
    for reference in references {
        let mut reference = match reference {
            Ok(reference) => reference,
            Err(err) => {
                out.error("(references)", &format!("unreadable reference: {err}"));
                continue;
            }
        };
        let name = reference.name().as_bstr().to_string();
        match reference.peel_to_id() {
            Ok(id) => match peel_to_commit(repo, id.detach()) {
                Ok(commit) => tips.push(commit),
                Err(_) => not_commits += 1,
            },
            Err(err) => out.error(&name, &format!("cannot resolve reference: {err}")),
        }
        if name == "refs/stash" {
            stash_entries(&reference, &mut tips);
        }
    }
    if let Ok(head) = repo.head_id() {
        tips.push(head.detach());
    }
    if not_commits > 0 {
        out.warnings.push(format!("{not_commits} reference(s) point to a tree or blob, not a commit: not scanned"));
    }
    tips.sort_unstable();
    tips.dedup();
    Ok(tips)
}

fn stash_entries(reference: &gix::Reference<'_>, tips: &mut Vec<ObjectId>) {
    let mut platform = reference.log_iter();
    if let Ok(Some(entries)) = platform.all() {
        tips.extend(entries.filter_map(Result::ok).map(|line| line.new_oid()).filter(|id| !id.is_null()));
    }
}

/// Reads a commit: its tree, parents, committer time and author name.
fn read_commit(repo: &gix::Repository, id: ObjectId, buf: &mut Vec<u8>) -> Result<CommitInfo, String> {
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
fn ancestors(
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
struct Graph {
    commits: Vec<CommitInfo>,
    index: HashMap<ObjectId, usize>,
}

impl Graph {
    fn load(
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
    fn parents_first(&self) -> Vec<usize> {
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

/// What one commit brought: (blob, path) pairs not in its parents.
#[derive(Default)]
struct Changes {
    blobs: Vec<(ObjectId, Vec<u8>)>,
    submodules: Vec<String>,
    errors: Vec<String>,
}

/// Diffs trees on one worker thread.
struct Differ<'e, 's> {
    repo: gix::Repository,
    exclude: &'e PathFilter<'s>,
    buffers: Vec<Vec<u8>>,
    path: Vec<u8>,
}

impl<'e, 's> Differ<'e, 's> {
    fn new(mut repo: gix::Repository, exclude: &'e PathFilter<'s>) -> Self {
        repo.object_cache_size(OBJECT_CACHE_BYTES);
        Differ { repo, exclude, buffers: Vec::new(), path: Vec::new() }
    }

    /// The (blob, path) pairs of `commit`'s tree that none of its parents has. With every parent
    /// in the selection (`full`), diffing against the first parent is enough: what the other
    /// parents hold was recorded when they were visited. Otherwise the pairs are checked against
    /// every parent.
    fn commit_changes(
        &mut self,
        commit: &CommitInfo,
        graph: &Graph,
        shallow: &HashSet<ObjectId>,
        full: bool,
    ) -> Changes {
        let mut changes = Changes::default();
        let boundary = shallow.contains(&commit.id);
        let mut parent_trees = Vec::with_capacity(commit.parents.len());
        for parent in &commit.parents {
            let tree = match graph.index.get(parent) {
                Some(&index) => graph.commits.get(index).map(|parent| parent.tree),
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
    fn diff(&mut self, old: Option<ObjectId>, new: ObjectId, depth: usize, out: &mut Changes) {
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

    fn diff_loaded(
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
    fn tree<'b>(&self, id: ObjectId, buf: &'b mut Vec<u8>, out: &mut Changes) -> Option<&'b [u8]> {
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
struct RawEntry<'a> {
    mode: u32,
    name: &'a [u8],
    id: &'a [u8],
    end: usize,
}

impl RawEntry<'_> {
    fn kind(&self) -> EntryKind {
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
fn entry_at(data: &[u8], offset: usize, hash_len: usize) -> Option<Result<RawEntry<'_>, ()>> {
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

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const CHUNK: usize = 64;
    let len = a.len().min(b.len());
    let mut at = 0;
    while at + CHUNK <= len && a[at..at + CHUNK] == b[at..at + CHUNK] {
        at += CHUNK;
    }
    at + a[at..len].iter().zip(&b[at..len]).take_while(|(x, y)| x == y).count()
}

fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const CHUNK: usize = 64;
    let len = a.len().min(b.len());
    let mut at = 0;
    while at + CHUNK <= len && a[a.len() - at - CHUNK..a.len() - at] == b[b.len() - at - CHUNK..b.len() - at] {
        at += CHUNK;
    }
    at + a[..a.len() - at].iter().rev().zip(b[..b.len() - at].iter().rev()).take_while(|(x, y)| x == y).count()
}

fn short(id: &ObjectId) -> String {
    id.to_hex_with_len(7).to_string()
}

/// Items kept per key from the oldest place (commit order) that produced them.
type Oldest<K, T> = HashMap<K, (Option<u32>, Vec<T>)>;

/// Per-worker state of the blob scan.
struct BlobWorker<'s> {
    repo: gix::Repository,
    scanner: Scanner<'s>,
    buf: Vec<u8>,
    out: Collector,
    /// Per fingerprint, the findings from the oldest place: one finding per (rule, path, token).
    findings: Oldest<String, Finding>,
    /// Per (path, token), the HMAC occurrences from the oldest place, for the secrets pass.
    hmac: Oldest<(Arc<str>, String), Occurrence>,
}

/// Scans each blob once and fans its findings out to every place it was seen.
fn scan_blobs(
    shared: &gix::ThreadSafeRepository,
    settings: &Settings,
    catalog: &Catalog,
    jobs: &[(ObjectId, Vec<Place>)],
    pool: &rayon::ThreadPool,
) -> Collector {
    let workers: Vec<Mutex<Option<BlobWorker<'_>>>> =
        (0..pool.current_num_threads().max(1)).map(|_| Mutex::new(None)).collect();
    pool.install(|| {
        jobs.par_iter().for_each(|(blob, places)| {
            let slot = rayon::current_thread_index().unwrap_or(0) % workers.len();
            let mut guard = workers[slot].lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let worker = guard.get_or_insert_with(|| BlobWorker {
                repo: {
                    let mut repo = shared.to_thread_local();
                    repo.object_cache_size(None);
                    repo
                },
                scanner: Scanner::new(settings),
                buf: Vec::new(),
                out: Collector::default(),
                findings: HashMap::new(),
                hmac: HashMap::new(),
            });
            worker.scan(*blob, places, settings, catalog);
        });
    });
    let mut total = Collector::default();
    let mut findings: Oldest<String, Finding> = HashMap::new();
    let mut hmac: Oldest<(Arc<str>, String), Occurrence> = HashMap::new();
    for worker in workers {
        let Some(worker) = worker.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()) else { continue };
        total.merge(worker.out);
        for (key, (order, list)) in worker.findings {
            keep_oldest(&mut findings, key, order, list);
        }
        for (key, (order, list)) in worker.hmac {
            keep_oldest(&mut hmac, key, order, list);
        }
    }
    total.findings.extend(findings.into_values().flat_map(|(_, list)| list));
    total.hmac_tokens.extend(hmac.into_values().flat_map(|(_, list)| list));
    total
}

fn keep_oldest<K: std::hash::Hash + Eq, T>(map: &mut Oldest<K, T>, key: K, order: Option<u32>, list: Vec<T>) {
    match map.entry(key) {
        std::collections::hash_map::Entry::Vacant(slot) => {
            slot.insert((order, list));
        }
        std::collections::hash_map::Entry::Occupied(mut slot) => {
            let (kept, kept_list) = slot.get_mut();
            if order < *kept {
                *kept = order;
                *kept_list = list;
            } else if order == *kept {
                kept_list.extend(list);
            }
        }
    }
}

impl BlobWorker<'_> {
    fn scan(&mut self, blob: ObjectId, places: &[Place], settings: &Settings, catalog: &Catalog) {
        let Some(first) = places.first() else { return };
        let first_path = catalog.paths.get(first.path as usize).cloned().unwrap_or_else(|| Arc::from("?"));
        let display = || match first.commit.and_then(|commit| catalog.commits.get(commit as usize)) {
            Some(commit) => format!("{}:{first_path}", commit.sha.get(..7).unwrap_or(&commit.sha)),
            None => first_path.to_string(),
        };
        match self.repo.objects.try_header(&blob) {
            Ok(Some(header)) if header.size() > settings.max_file_size => {
                let reason = format!("{} bytes is over --max-file-size {}", header.size(), settings.max_file_size);
                self.out.skip(&display(), &reason);
                return;
            }
            Ok(Some(_)) => {}
            Ok(None) => return self.out.error(&display(), &format!("blob {} is missing", short(&blob))),
            Err(err) => return self.out.error(&display(), &format!("blob {}: {err}", short(&blob))),
        }
        let data = match self.repo.objects.try_find(&blob, &mut self.buf) {
            Ok(Some(data)) if data.kind == Kind::Blob => data.data,
            Ok(Some(data)) => {
                let reason = format!("{}: expected a blob, found a {}", short(&blob), data.kind);
                return self.out.error(&display(), &reason);
            }
            Ok(None) => return self.out.error(&display(), &format!("blob {} is missing", short(&blob))),
            Err(err) => return self.out.error(&display(), &format!("blob {}: {err}", short(&blob))),
        };
        // A fresh collector does not allocate until the blob holds a token.
        let mut found = Collector::default();
        self.scanner.scan_bytes(&first_path, None, data, &mut found);
        if self.buf.capacity() > BLOB_BUFFER_KEEP {
            self.buf = Vec::new();
        }
        for place in places {
            let Some(path) = catalog.paths.get(place.path as usize) else { continue };
            let commit = place.commit.and_then(|commit| catalog.commits.get(commit as usize));
            for finding in &found.findings {
                let mut finding = finding.clone();
                finding.path = path.to_string();
                finding.fingerprint = finding::fingerprint(&finding.rule, path, &finding.token_sha256);
                if let Some(commit) = commit {
                    finding.commit = Some(commit.sha.to_string());
                    finding.evidence.insert("commit_time".into(), Value::from(crate::time::format_time(commit.time)));
                    finding.evidence.insert("author".into(), Value::from(commit.author.as_ref()));
                }
                let key = finding.fingerprint.clone();
                keep_oldest(&mut self.findings, key, place.commit, vec![finding]);
            }
            for occurrence in &found.hmac_tokens {
                let mut occurrence = occurrence.clone();
                occurrence.path = Arc::clone(path);
                occurrence.commit = commit.map(|commit| Arc::clone(&commit.sha));
                let key = (Arc::clone(path), occurrence.sha256.clone());
                keep_oldest(&mut self.hmac, key, place.commit, vec![occurrence]);
            }
        }
        found.findings.clear();
        found.hmac_tokens.clear();
        self.out.merge(found);
    }
}

/// `--staged`: the index entries whose blob differs from `HEAD`'s at the same path, scanned as
/// staged; tokens that `HEAD`'s version of the file already holds are not reported (they are not
/// what this commit adds).
fn staged(
    repo: &gix::Repository,
    shared: &gix::ThreadSafeRepository,
    settings: &Settings,
    exclude: &PathFilter<'_>,
    pool: &rayon::ThreadPool,
) -> Result<Collector> {
    if repo.workdir().is_none() {
        bail!("--staged needs a work tree: {} is a bare repository", repo.git_dir().display());
    }
    let mut out = Collector::default();
    // In a pre-commit hook git may stage into a temporary index (`git commit -a`, `git commit FILE`).
    let index_path = std::env::var_os("GIT_INDEX_FILE").map_or_else(|| repo.index_path(), PathBuf::from);
    let index = gix::index::File::at_or_default(&index_path, repo.object_hash(), false, Default::default())
        .with_context(|| format!("cannot read the index {}", index_path.display()))?;
    let head_tree = match repo.head() {
        Ok(head) if head.is_unborn() => None,
        Ok(_) => Some(repo.head_tree_id().context("cannot read HEAD's tree")?.detach()),
        Err(err) => bail!("cannot read HEAD: {err}"),
    };
    let mut head_files: HashMap<Vec<u8>, ObjectId> = HashMap::new();
    if let Some(tree) = head_tree {
        let mut buf = Vec::new();
        let mut path = Vec::new();
        flatten_tree(repo, tree, &mut path, 0, &mut buf, &mut head_files, &mut out);
    }
    let mut catalog = Catalog::default();
    let mut jobs: HashMap<ObjectId, Vec<Place>> = HashMap::new();
    let mut unmerged = false;
    for entry in index.entries() {
        if entry.stage_raw() != 0 {
            unmerged = true;
            continue;
        }
        use gix::index::entry::Mode;
        if !matches!(entry.mode, Mode::FILE | Mode::FILE_EXECUTABLE | Mode::SYMLINK) {
            continue;
        }
        let path: &[u8] = entry.path(&index);
        if head_files.get(path) == Some(&entry.id) || exclude.excludes(path) {
            continue;
        }
        let path_id = catalog.paths.len() as u32;
        catalog.paths.push(Arc::from(String::from_utf8_lossy(path).as_ref()));
        jobs.entry(entry.id).or_default().push(Place { path: path_id, commit: None });
    }
    if unmerged {
        out.warnings.push("the index has unmerged entries: only resolved files are scanned".to_string());
    }
    let jobs: Vec<(ObjectId, Vec<Place>)> = jobs.into_iter().collect();
    let mut scanned = scan_blobs(shared, settings, &catalog, &jobs, pool);
    let mut committed: HashMap<String, HashSet<String>> = HashMap::new();
    let mut buf = Vec::new();
    let mut keep = |path: &str, sha256: &str| -> bool {
        let tokens = committed.entry(path.to_string()).or_insert_with(|| match head_files.get(path.as_bytes()) {
            Some(blob) => tokens_in_blob(repo, *blob, &mut buf),
            None => HashSet::new(),
        });
        !tokens.contains(sha256)
    };
    scanned.findings.retain(|finding| keep(&finding.path, &finding.token_sha256));
    scanned.hmac_tokens.retain(|occurrence| keep(&occurrence.path, &occurrence.sha256));
    out.merge(scanned);
    Ok(out)
}

/// The SHA-256 of every token in a committed blob (empty when it cannot be read: then every
/// staged token counts as new).
fn tokens_in_blob(repo: &gix::Repository, blob: ObjectId, buf: &mut Vec<u8>) -> HashSet<String> {
    let Ok(Some(data)) = repo.objects.try_find(&blob, buf) else { return HashSet::new() };
    let mut candidates = Vec::new();
    crate::find::find_tokens(data.data, &mut candidates);
    candidates.iter().map(|candidate| finding::sha256_hex(candidate.compact(data.data).as_bytes())).collect()
}

/// Maps every blob path under `tree` to its blob.
fn flatten_tree(
    repo: &gix::Repository,
    tree: ObjectId,
    path: &mut Vec<u8>,
    depth: usize,
    buf: &mut Vec<u8>,
    files: &mut HashMap<Vec<u8>, ObjectId>,
    out: &mut Collector,
) {
    if depth > MAX_TREE_DEPTH {
        let folder = String::from_utf8_lossy(path).into_owned();
        out.error(&folder, "trees nested too deeply, not entered");
        return;
    }
    let entries: Vec<(EntryMode, Vec<u8>, ObjectId)> = match repo.objects.try_find(&tree, buf) {
        Ok(Some(data)) if data.kind == Kind::Tree => TreeRefIter::from_bytes(data.data, repo.object_hash())
            .filter_map(Result::ok)
            .map(|entry| (entry.mode, entry.filename.to_vec(), entry.oid.to_owned()))
            .collect(),
        _ => {
            out.error("HEAD", &format!("tree {} cannot be read", short(&tree)));
            return;
        }
    };
    let folder = path.len();
    for (mode, name, oid) in entries {
        path.truncate(folder);
        path.extend_from_slice(&name);
        if mode.is_tree() {
            path.push(b'/');
            flatten_tree(repo, oid, path, depth + 1, buf, files, out);
        } else if mode.is_blob() {
            files.insert(path.clone(), oid);
        }
    }
    path.truncate(folder);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(byte: u8, time: i64, parents: &[u8]) -> CommitInfo {
        let id = |byte: u8| ObjectId::from_bytes_or_panic(&[byte; 20]);
        CommitInfo {
            id: id(byte),
            tree: id(0),
            parents: parents.iter().map(|&parent| id(parent)).collect(),
            time,
            author: Arc::from(""),
        }
    }

    fn graph(commits: Vec<CommitInfo>) -> Graph {
        let index = commits.iter().enumerate().map(|(index, commit)| (commit.id, index)).collect();
        Graph { commits, index }
    }

    #[test]
    fn parents_come_before_children_even_when_their_clock_is_later() {
        // 2's parent 1 claims a later time (a skewed clock): it must still come first.
        let graph = graph(vec![commit(2, 100, &[1]), commit(1, 500, &[]), commit(3, 50, &[])]);
        assert_eq!(graph.parents_first(), [2, 1, 0]);
    }

    #[test]
    fn unrelated_branches_interleave_oldest_first() {
        let graph = graph(vec![
            commit(1, 10, &[]),
            commit(2, 30, &[1]),
            commit(3, 20, &[]),
            commit(4, 40, &[3]),
            commit(5, 50, &[2, 4]),
        ]);
        assert_eq!(graph.parents_first(), [0, 2, 1, 3, 4]);
    }

    #[test]
    fn raw_tree_entries_parse_and_reject_garbage() {
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
    fn common_prefix_and_suffix_count_equal_bytes_at_each_end() {
        let a: Vec<u8> = (0..200u8).collect();
        let mut b = a.clone();
        b[130] = 0;
        assert_eq!(common_prefix(&a, &b), 130);
        assert_eq!(common_suffix(&a, &b), 69);
        assert_eq!(common_prefix(&a, &a[..50]), 50);
        assert_eq!(common_suffix(b"xabc", b"abc"), 3);
    }

    #[test]
    fn keep_oldest_keeps_every_item_of_the_oldest_place_only() {
        let mut map: HashMap<&str, (Option<u32>, Vec<u8>)> = HashMap::new();
        keep_oldest(&mut map, "fp", Some(5), vec![1]);
        keep_oldest(&mut map, "fp", Some(2), vec![2]);
        keep_oldest(&mut map, "fp", Some(2), vec![3]);
        keep_oldest(&mut map, "fp", Some(9), vec![4]);
        assert_eq!(map["fp"], (Some(2), vec![2, 3]));
    }
}
