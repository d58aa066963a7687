//! The blob scan: each distinct blob read and scanned once, its findings placed at every path and
//! commit that hold it, keeping the oldest.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use gix::ObjectId;
use gix::objs::{Find as _, Kind};
use gix::prelude::Header as _;
use rayon::prelude::*;

use super::short;
use crate::collect::{Collector, Occurrence};
use crate::config::Settings;
use crate::finding::{Finding, Site};
use crate::pipeline::Scanner;
/// A worker's blob buffer is dropped after a blob larger than this, so one huge blob does not pin
/// its size for the rest of the scan.
pub(super) const BLOB_BUFFER_KEEP: usize = 64 << 20;

/// Where a blob was seen first: the path, and the commit in parents-first order (`None` for the
/// index in `--staged` mode).
#[derive(Clone, Copy)]
pub(super) struct Place {
    pub(super) path: u32,
    pub(super) commit: Option<u32>,
}

/// What the traversal and the scan share about commits and paths.
#[derive(Default)]
pub(super) struct Catalog {
    pub(super) paths: Vec<Arc<str>>,
    pub(super) commits: Vec<CommitMeta>,
}

pub(super) struct CommitMeta {
    pub(super) sha: Arc<str>,
    pub(super) time: i64,
    pub(super) author: Arc<str>,
}

/// Items kept per key from the oldest place (commit order) that produced them.
pub(super) type Oldest<K, T> = HashMap<K, (Option<u32>, Vec<T>)>;

/// Per-worker state of the blob scan.
pub(super) struct BlobWorker<'s> {
    pub(super) repo: gix::Repository,
    pub(super) scanner: Scanner<'s>,
    pub(super) buf: Vec<u8>,
    pub(super) out: Collector,
    /// Per fingerprint, the findings from the oldest place: one finding per (rule, path, token).
    pub(super) findings: Oldest<String, Finding>,
    /// Per (path, token), the HMAC occurrences from the oldest place, for the secrets pass.
    pub(super) hmac: Oldest<(Arc<str>, String), Occurrence>,
}

/// Scans each blob once and fans its findings out to every place it was seen.
pub(super) fn scan_blobs(
    shared: &gix::ThreadSafeRepository,
    pages: &super::PackPages,
    settings: &Settings,
    catalog: &Catalog,
    jobs: &[(ObjectId, Vec<Place>)],
    pool: &rayon::ThreadPool,
) -> Collector {
    let workers: Vec<Mutex<Option<BlobWorker<'_>>>> =
        (0..pool.current_num_threads().max(1)).map(|_| Mutex::new(None)).collect();
    // A chunk of about RELEASE_BYTES at a time, then the pack pages are checked (see `PackPages`).
    let mut start = 0;
    let mut chunk = 256;
    while start < jobs.len() {
        let end = (start + chunk).min(jobs.len());
        let read = AtomicU64::new(0);
        pool.install(|| {
            jobs[start..end].par_iter().for_each(|(blob, places)| {
                let slot = rayon::current_thread_index().unwrap_or(0) % workers.len();
                let mut guard = workers[slot].lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                let worker = guard.get_or_insert_with(|| BlobWorker {
                    repo: {
                        let mut repo = shared.to_thread_local();
                        repo.object_cache_size(None);
                        repo
                    },
                    scanner: Scanner::placing_later(settings),
                    buf: Vec::new(),
                    out: Collector::default(),
                    findings: HashMap::new(),
                    hmac: HashMap::new(),
                });
                worker.scan(*blob, places, settings, catalog);
                read.fetch_add(worker.buf.len() as u64 + super::PAGE_BYTES, Ordering::Relaxed);
            });
        });
        pages.release();
        let per_blob = read.into_inner() / (end - start) as u64;
        chunk = (super::RELEASE_BYTES / per_blob.max(1)).clamp(64, 1 << 16) as usize;
        start = end;
    }
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

pub(super) fn keep_oldest<K: std::hash::Hash + Eq, T>(
    map: &mut Oldest<K, T>,
    key: K,
    order: Option<u32>,
    list: Vec<T>,
) {
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
            for unplaced in &found.unplaced {
                let site = Site {
                    path,
                    start: unplaced.start,
                    end: unplaced.end,
                    commit: commit.map(|commit| &*commit.sha),
                    history: commit.map(|commit| (commit.time, &*commit.author)),
                };
                let mut finding = Finding::new(unplaced.hit.clone(), &site, &unplaced.subject, settings.show_secrets);
                finding.clues = unplaced.clues.clone();
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
        found.unplaced.clear();
        found.hmac_tokens.clear();
        self.out.merge(found);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
