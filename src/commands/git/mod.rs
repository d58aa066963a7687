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

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, Result, anyhow};
use gix::ObjectId;
use rayon::prelude::*;

use crate::Exit;
use crate::cli::GitArgs;
use crate::collect::Collector;
use crate::config::Settings;
use blobs::{Catalog, CommitMeta, Place, scan_blobs};
use diff::{Changes, Differ};
use graph::Graph;
use graph::{ancestors, read_commit};
use select::{peel_to_commit, select};
use staged::staged;

mod blobs;
mod diff;
mod graph;
mod select;
mod staged;

/// Trees nested deeper than this are not entered: real repositories stay far below it, and a
/// crafted one must not exhaust the stack. Never silently: each is an error, and an incomplete
/// history scan fails the run unless `--allow-incomplete`.
pub(super) const MAX_TREE_DEPTH: usize = 256;
/// Commits diffed in parallel before their changes are recorded: large enough to keep every
/// worker busy, small enough that the changes of a huge history are never all in memory.
const DIFF_BATCH: usize = 4096;
/// Object cache of each diffing worker: a tree is read again as the parent of the next commit.
/// Blob workers have none: each blob is read once.
pub(super) const OBJECT_CACHE_BYTES: usize = 64 << 20;

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
            let text = config.as_ref().map(|(_, text)| &text[..]);
            crate::config::resolve_from_commit(&root, &args.options, &display, text)?
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
pub(super) struct PathFilter<'s> {
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
        out.note("the repository has no commits: nothing to scan (see --staged)".to_string());
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
        out.note(
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
        out.note(format!("{path}: submodules are not followed; scan their repositories separately"));
    }
    drop(seen);
    let jobs: Vec<(ObjectId, Vec<Place>)> =
        blob_order.into_iter().map(|blob| (blob, blobs.remove(&blob).unwrap_or_default())).collect();
    let scanned = scan_blobs(shared, settings, &catalog, &jobs, pool);
    out.merge(scanned);
    Ok(out)
}

pub(super) fn short(id: &ObjectId) -> String {
    id.to_hex_with_len(7).to_string()
}
