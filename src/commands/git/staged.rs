//! `git --staged`: the index entries whose blob differs from `HEAD`'s, scanned as staged, minus
//! what `HEAD`'s version of each file already holds.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use gix::ObjectId;
use gix::objs::tree::EntryMode;
use gix::objs::{Find as _, Kind, TreeRefIter};

use super::blobs::{Catalog, JobTable, Place, scan_blobs};
use super::{MAX_TREE_DEPTH, PathFilter, short};
use crate::collect::Collector;
use crate::config::Settings;
use crate::input::source::{self, Content};
use crate::pipeline::Scanner;
use crate::provenance::Provenance;
/// `--staged`: the index entries whose blob differs from `HEAD`'s at the same path, scanned as
/// staged; tokens that `HEAD`'s version of the file already holds are not reported (they are not
/// what this commit adds).
pub(super) fn staged(
    repo: &gix::Repository,
    shared: &gix::ThreadSafeRepository,
    pages: &super::PackPages,
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
    let mut jobs = JobTable::default();
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
        jobs.record(entry.id, Place { path: path_id, commit: None });
    }
    if unmerged {
        out.note("the index has unmerged entries: only resolved files are scanned".to_string());
    }
    let jobs = jobs.finish();
    let mut scanned = scan_blobs(shared, pages, settings, &catalog, &jobs, pool, None);
    let mut committed: HashMap<String, HashSet<String>> = HashMap::new();
    let mut buf = Vec::new();
    let mut scanner = Scanner::placing_later(settings).reading_every_token();
    let mut keep = |path: &str, sha256: &str| -> bool {
        let subjects = committed.entry(path.to_string()).or_insert_with(|| match head_files.get(path.as_bytes()) {
            Some(blob) => subjects_in_blob(repo, *blob, path, &mut scanner, &mut buf),
            None => HashSet::new(),
        });
        !subjects.contains(sha256)
    };
    scanned.retain_findings(|finding| keep(&finding.path, &finding.token_sha256));
    scanned.hmac_tokens.retain(|occurrence| keep(&occurrence.path, &occurrence.sha256));
    out.merge(scanned);
    Ok(out)
}

/// What findings in the committed blob at `path` are about, by the SHA-256 findings carry: the
/// subject of every finding the staged scan would make there, and every HS* token the forgery
/// pass would judge (empty when the blob cannot be read: then every staged finding counts as
/// new). Found by the same scanner, source door and settings as the staged blobs, so a layer
/// depth, a disabled rule or an archive member is seen alike on both sides.
fn subjects_in_blob(
    repo: &gix::Repository,
    blob: ObjectId,
    path: &str,
    scanner: &mut Scanner<'_>,
    buf: &mut Vec<u8>,
) -> HashSet<String> {
    let Ok(Some(data)) = repo.objects.try_find(&blob, buf) else { return HashSet::new() };
    let mut found = Collector::default();
    let from = Provenance::at(Arc::from(path), None);
    // In memory: nothing to fail on a read; an unreadable blob is the empty set above.
    if source::scan(scanner, &from, Content::Bytes(data.data), &mut found).is_err() {
        return HashSet::new();
    }
    let subjects = found.unplaced.iter().map(|unplaced| unplaced.subject.sha256().to_string());
    subjects.chain(found.hmac_tokens.iter().map(|occurrence| occurrence.sha256.clone())).collect()
}

/// Maps every blob path under `tree` to its blob.
pub(super) fn flatten_tree(
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
