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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context as _, Result, anyhow};
use gix::ObjectId;
use rayon::prelude::*;

use crate::cli::GitArgs;
use crate::collect::Collector;
use crate::commands::Exit;
use crate::config::Settings;
use blobs::{Catalog, JobTable, Place, scan_blobs};
use diff::{Changes, Differ};
use graph::Graph;
use graph::{ancestors, read_commit};
use select::{peel_to_commit, select};
use staged::staged;

mod blobs;
mod diff;
mod graph;
mod messages;
mod oldest;
mod select;
mod staged;

/// Trees nested deeper than this are not entered: real repositories stay far below it, and a
/// crafted one must not exhaust the stack. Never silently: each is an error, and an incomplete
/// history scan fails the run unless `--allow-incomplete`.
pub(super) const MAX_TREE_DEPTH: usize = 256;
/// Commits diffed in parallel before their changes are recorded: large enough to keep every
/// worker busy, small enough that the changes of a huge history are never all in memory.
const DIFF_BATCH: usize = 2048;
/// Commits diffed between two checks of the pack pages (see `PackPages`): each check reads
/// `/proc/self/statm`, a few microseconds, and a commit's trees can touch a few MB of pack (each
/// tree read resolves its delta chain, and each link maps 64 KB).
const COMMITS_PER_CHECK: usize = 32;
/// Object cache of each diffing worker: a tree is read again as the parent of the next commit,
/// which a few MB catch as well as 64 did. Blob workers have none: each blob is read once.
pub(super) const OBJECT_CACHE_BYTES: usize = 4 << 20;
/// Objects rebuilt from delta chains that each repository handle keeps (gix's pack cache), so
/// that a chain through one of them stops there. gix's default, 64 of them up to 96 MB a handle,
/// held the latest versions of lock files and translations (100 KB to 1 MB each): 250 MB at the
/// peak of a web application's history of 48,000 commits (docs/scale.md). Blob workers need a
/// few MB all the same: where each version of a file is a delta against the one before (as
/// `git fast-import` writes them), a blob read without the previous one cached resolves the
/// whole chain, which doubled the time of a scan.
pub(super) const PACK_CACHE_BYTES: usize = 8 << 20;
/// Object bytes read between two checks of the pack pages (see `PackPages`).
pub(super) const RELEASE_BYTES: u64 = 16 << 20;
/// Pack and index pages kept resident before they are given back (see `PackPages`).
const MAPPED_LIMIT: u64 = 32 << 20;
/// Commits read between two checks of the pack pages while the graph loads.
pub(super) const COMMITS_PER_RELEASE: usize = 4096;
/// What each object read counts towards `RELEASE_BYTES` besides its size: the pack pages around
/// it that the read touched.
pub(super) const PAGE_BYTES: u64 = 4096;

pub fn run(args: &GitArgs) -> Result<Exit> {
    let started = Instant::now();
    let repo =
        gix::discover(&args.repo).map_err(|err| anyhow!("{}: not a git repository ({err})", args.repo.display()))?;
    let repo = bounded(repo, None);
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
    let pages = PackPages::new(&repo);
    let mut collector = if args.staged {
        staged(&repo, &shared, &pages, &settings, &exclude, &pool)?
    } else {
        history(&repo, &shared, &pages, args, &settings, &exclude, &pool)?
    };
    let ranged = base_commit(&repo, args)?;
    if let Some(base) = ranged {
        gate_changes(&repo, &root, args, base, &mut collector)?;
    }
    let report = crate::commands::report::build_report(collector, &settings, started);
    let exit = crate::commands::report::emit(&report, &settings)?;
    // A change judged by the gate could pad its token's file past --max-file-size: in range mode a
    // skipped changed file leaves the change unjudged, as an unreadable one does.
    let skipped = if ranged.is_some() { report.summary.skipped } else { 0 };
    if (report.summary.errors > 0 || skipped > 0) && !args.allow_incomplete {
        eprintln!(
            "jwtscan: error: the history scan is incomplete: {} objects or trees could not be scanned and {skipped} \
             changed files were skipped (see the warnings); pass --allow-incomplete to accept that",
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
                out.push_finding(crate::gate::finding(&change, &base.to_string(), &tip.to_string()));
            }
        }
    }
    Ok(())
}

/// Pages of the repository's mapped pack and index files that this process touched count in its
/// resident memory until the mapping goes, and gix keeps packs mapped for the whole run: over a
/// whole history that was the whole pack and index (250 MB of the 354 MB peak at 100,000
/// commits). So the touched pages are given back once they pass `MAPPED_LIMIT`; the next read
/// maps them in again from the page cache. Pack pages go first: each object is read about once,
/// so few come back. Index pages are looked up again for every object (a binary search over the
/// whole index), so they go only when the pack's alone were not enough: re-faulting them is what
/// costs system time. Linux only: elsewhere memory stays as it was.
pub(super) struct PackPages {
    #[cfg(target_os = "linux")]
    objects: PathBuf,
    /// File-backed resident bytes before the history is read (the binary's own pages).
    #[cfg(target_os = "linux")]
    baseline: u64,
}

impl PackPages {
    pub(super) fn new(repo: &gix::Repository) -> Self {
        #[cfg(target_os = "linux")]
        {
            let objects = repo.objects.store_ref().path();
            PackPages {
                objects: objects.canonicalize().unwrap_or_else(|_| objects.to_path_buf()),
                baseline: shared_resident().unwrap_or(0),
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = repo;
            PackPages {}
        }
    }

    #[cfg(target_os = "linux")]
    pub(super) fn release(&self) {
        let over = || shared_resident().is_some_and(|bytes| bytes.saturating_sub(self.baseline) >= MAPPED_LIMIT);
        if over() {
            self.give_back("pack");
            if over() {
                self.give_back("idx");
            }
        }
    }

    /// Gives back the pages of every mapped repository file named `*.{extension}`.
    #[cfg(target_os = "linux")]
    fn give_back(&self, extension: &str) {
        let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else { return };
        for line in maps.lines() {
            // `start-end perms offset device inode path`
            let mut fields = line.split_ascii_whitespace();
            let (Some(range), Some(perms)) = (fields.next(), fields.next()) else { continue };
            let Some(path) = fields.nth(3).map(Path::new) else { continue };
            if path.extension().is_none_or(|ext| ext != extension)
                || !path.starts_with(&self.objects)
                || perms.contains('w')
            {
                continue;
            }
            let Some((start, end)) = range.split_once('-') else { continue };
            let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16)) else {
                continue;
            };
            // SAFETY: the range is a read-only mapping of one of the repository's pack or index
            // files, as the kernel lists it. MADV_DONTNEED only drops this process's page-table
            // entries for it: the next read faults the same file bytes back in, so gix, reading
            // it from other threads, sees the same data. A failure leaves the pages mapped.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end.saturating_sub(start), libc::MADV_DONTNEED);
            }
        }
    }

    /// Gives back every touched page of the packs and indexes, over the limit or not: for when
    /// the history has been read, as the report that follows reads no object.
    #[cfg(target_os = "linux")]
    pub(super) fn release_all(&self) {
        self.give_back("pack");
        self.give_back("idx");
    }

    #[cfg(not(target_os = "linux"))]
    pub(super) fn release(&self) {}

    #[cfg(not(target_os = "linux"))]
    pub(super) fn release_all(&self) {}
}

/// Gives the allocator's free pages back to the system. glibc keeps what a thread freed in that
/// thread's arena, and the arenas' free pages count in the resident memory: after the blob scan,
/// the workers' scanners, buffers and pack caches stayed resident while the merge and the report
/// allocated anew.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub(super) fn trim_heap() {
    // SAFETY: malloc_trim only hands free memory of the allocator's arenas back to the system;
    // memory in use is not touched.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub(super) fn trim_heap() {}

/// Resident bytes backed by files, the third field of `/proc/self/statm` (in pages).
#[cfg(target_os = "linux")]
fn shared_resident() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_ascii_whitespace().nth(2)?.parse().ok()?;
    // SAFETY: sysconf only reads a system constant.
    let page_size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * u64::try_from(page_size).ok()?)
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
    pages: &PackPages,
    args: &GitArgs,
    settings: &Settings,
    exclude: &PathFilter<'_>,
    pool: &rayon::ThreadPool,
) -> Result<Collector> {
    let mut out = Collector::default();
    let (tips, hidden_tips) = select(repo, args, &mut out)?;
    // In range mode only the ignore comments the base already held are honoured.
    let base_tree = base_commit(repo, args)?.map(|(_, tree)| tree);
    history_between(repo, shared, pages, (tips, hidden_tips), base_tree, settings, exclude, pool, out)
}

/// The commits a push adds, for `jwtscan hook` (before the push updates any reference): those
/// reachable from `tips` and from no reference, scanned as history mode scans them.
pub(crate) fn scan_pushed(
    shared: &gix::ThreadSafeRepository,
    tips: &[ObjectId],
    settings: &Settings,
) -> Result<Collector> {
    let repo = bounded(shared.to_thread_local(), None);
    let mut out = Collector::default();
    let hidden = select::all_tips(&repo, true, &mut out)?;
    let mut commits = Vec::new();
    for &tip in tips {
        match peel_to_commit(&repo, tip) {
            Ok(commit) => commits.push(commit),
            Err(err) => out.note(format!("{}: not scanned: {err:#}", short(&tip))),
        }
    }
    let root = repo.workdir().unwrap_or_else(|| repo.git_dir()).to_path_buf();
    let exclude = PathFilter::new(settings, &root);
    let pool =
        rayon::ThreadPoolBuilder::new().num_threads(settings.threads).build().context("cannot start worker threads")?;
    let pages = PackPages::new(&repo);
    history_between(&repo, shared, &pages, (commits, hidden), None, settings, &exclude, &pool, out)
}

/// Scans the commits reachable from the first list and from none of the second.
#[allow(clippy::too_many_arguments)]
fn history_between(
    repo: &gix::Repository,
    shared: &gix::ThreadSafeRepository,
    pages: &PackPages,
    (tips, hidden_tips): (Vec<ObjectId>, Vec<ObjectId>),
    base_tree: Option<ObjectId>,
    settings: &Settings,
    exclude: &PathFilter<'_>,
    pool: &rayon::ThreadPool,
    mut out: Collector,
) -> Result<Collector> {
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
    let hidden = ancestors(repo, pages, &hidden_tips, &shallow, &mut out);
    let graph = Graph::load(repo, pages, &tips, &hidden, &shallow, &mut out);
    let full = hidden.is_empty();
    drop(hidden);
    if graph.commits.iter().any(|commit| shallow.contains(&commit.id)) {
        out.note(
            "shallow clone: history is truncated; blobs at the oldest fetched commits are attributed to them \
             (fetch the full history, e.g. `fetch-depth: 0`, to scan it all)"
                .to_string(),
        );
    }

    let mut catalog = Catalog { graph: Some(&graph), order: graph.parents_first(), ..Catalog::default() };
    let mut path_ids: HashMap<Vec<u8>, u32> = HashMap::new();
    let mut jobs = JobTable::default();
    let mut submodule: Option<String> = None;
    let diffed = AtomicUsize::new(0);
    // Commits are diffed in parallel a batch at a time (the batch's changes stay bounded), then
    // recorded in `order`, so the first commit to record a pair is the oldest.
    for (batch_index, batch) in catalog.order.chunks(DIFF_BATCH).enumerate() {
        let changes: Vec<Changes> = pool.install(|| {
            batch
                .par_iter()
                .map_init(
                    || Differ::new(shared.to_thread_local(), exclude),
                    |differ, &at| {
                        let changes = differ.commit_changes(at as usize, &graph, &shallow, full);
                        if diffed.fetch_add(1, Ordering::Relaxed) % COMMITS_PER_CHECK == COMMITS_PER_CHECK - 1 {
                            pages.release();
                        }
                        changes
                    },
                )
                .collect()
        });
        for (offset, (&at, commit_changes)) in batch.iter().zip(changes).enumerate() {
            let commit = &graph.commits[at as usize];
            let commit_index = (batch_index * DIFF_BATCH + offset) as u32;
            for message in commit_changes.errors {
                out.error(&short(&commit.id), &message);
            }
            if submodule.is_none() {
                submodule = commit_changes.submodules.into_iter().next();
            }
            for (blob, path) in commit_changes.blobs {
                let next = path_ids.len() as u32;
                let path = *path_ids.entry(path).or_insert_with_key(|path| {
                    catalog.paths.push(Arc::from(String::from_utf8_lossy(path).as_ref()));
                    next
                });
                jobs.record(blob, Place { path, commit: Some(commit_index) });
            }
        }
    }
    if let Some(path) = submodule {
        out.note(format!("{path}: submodules are not followed; scan their repositories separately"));
    }
    drop(path_ids);
    messages::record(repo, pages, &graph, &mut catalog, &mut jobs, full, &mut out);
    let jobs = jobs.finish();
    let honoured = match base_tree {
        Some(base_tree) if settings.inline_ignore => Some(Arc::new(base_ignores(repo, base_tree, &catalog, settings))),
        _ => None,
    };
    let scanned = scan_blobs(shared, pages, settings, &catalog, &jobs, pool, honoured);
    out.merge(scanned);
    Ok(out)
}

/// The ignore-comment lines of the base commit's versions of the paths the range changes: the
/// only ones a range scan honours (see `Scanner::honouring_only`).
fn base_ignores(
    repo: &gix::Repository,
    base_tree: ObjectId,
    catalog: &Catalog<'_>,
    settings: &Settings,
) -> crate::pipeline::IgnoreLines {
    let mut lines = crate::pipeline::IgnoreLines::default();
    for path in &catalog.paths {
        let Some(blob) = crate::gate::blob_at(repo, base_tree, path) else { continue };
        let small = repo.find_header(blob).is_ok_and(|header| header.size() <= settings.max_file_size);
        if let Some(text) = small.then(|| crate::gate::read_blob(repo, blob)).flatten() {
            lines.add_text(&text);
        }
    }
    lines
}

/// A repository handle whose caches hold at most `object_cache` bytes of objects (`None`: no
/// object cache) and `PACK_CACHE_BYTES` of objects rebuilt from delta chains.
pub(super) fn bounded(mut repo: gix::Repository, object_cache: Option<usize>) -> gix::Repository {
    repo.object_cache_size(object_cache);
    repo.objects.set_pack_cache(|| delta_cache(PACK_CACHE_BYTES));
    repo
}

fn delta_cache(bytes: usize) -> Box<gix::odb::cache::PackCache> {
    Box::new(gix::odb::pack::cache::lru::StaticLinkedList::<64>::new(bytes))
}

pub(super) fn short(id: &ObjectId) -> String {
    id.to_hex_with_len(7).to_string()
}

#[cfg(test)]
mod tests {
    use gix::odb::pack::cache::DecodeEntry as _;

    use super::*;

    #[test]
    fn every_worker_keeps_a_bounded_delta_cache_and_only_diff_workers_an_object_cache() {
        let dir = tempfile::tempdir().unwrap();
        let shared = gix::init(dir.path()).unwrap().into_sync();
        let blobs = blobs::worker_repo(&shared);
        assert!(blobs.objects.has_pack_cache());
        assert!(!blobs.objects.has_object_cache());
        let filter = PathFilter { exclude: None };
        let differ = Differ::new(shared.to_thread_local(), &filter);
        assert!(differ.repo.objects.has_pack_cache());
        assert!(differ.repo.objects.has_object_cache());
    }

    #[test]
    fn the_delta_cache_gives_back_older_objects_past_pack_cache_bytes() {
        let mut cache = delta_cache(PACK_CACHE_BYTES);
        let half = vec![7u8; PACK_CACHE_BYTES / 2];
        for offset in 0..3 {
            cache.put(0, offset, &half, gix::objs::Kind::Blob, 1);
        }
        let mut out = Vec::new();
        assert!(cache.get(0, 0, &mut out).is_none());
        assert_eq!(cache.get(0, 2, &mut out), Some((gix::objs::Kind::Blob, 1)));
        assert_eq!(out, half);
    }
}
