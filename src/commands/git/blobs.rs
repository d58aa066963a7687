//! The blob scan: each distinct blob read and scanned once, its findings placed at every path and
//! commit that hold it, keeping the oldest.

use std::collections::HashSet;
use std::hash::{BuildHasher as _, RandomState};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use gix::ObjectId;
use gix::hashtable::hash_table::HashTable;
use gix::objs::{Find as _, Kind};
use gix::prelude::Header as _;
use rayon::prelude::*;

use super::graph::{CommitInfo, Graph};
use super::oldest::{OldestFirst, oldest};
use super::short;
use crate::collect::{Collector, MAX_SIGNED_TOKENS, Occurrence, findings_budget};
use crate::config::Settings;
use crate::finding::{Finding, Site};
use crate::input::source::{self, Content};
use crate::pipeline::Scanner;
use crate::provenance::Provenance;

/// A worker's blob buffer is dropped after a blob larger than this, so one huge blob does not pin
/// its size for the rest of the scan.
pub(super) const BLOB_BUFFER_KEEP: usize = 64 << 20;
/// Blobs scanned between two checks of the pack pages (see `PackPages`): each check reads
/// `/proc/self/statm`, a few microseconds.
const BLOBS_PER_CHECK: usize = 8;

/// Where a blob was seen: the path, and the commit's place in parents-first order (`None` for
/// the index in `--staged` mode).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Place {
    pub(super) path: u32,
    pub(super) commit: Option<u32>,
}

/// What the traversal and the scan share about commits and paths. A place's commit indexes
/// `order`, the graph's commits in parents-first order: the hex id is made only for the few
/// commits a finding names.
#[derive(Default)]
pub(super) struct Catalog<'g> {
    pub(super) paths: Vec<Arc<str>>,
    pub(super) graph: Option<&'g Graph>,
    pub(super) order: Vec<u32>,
    /// Where the pseudo-paths of messages and notes start in `paths` (see `messages`): they come
    /// after every path of a tree.
    pub(super) first_pseudo: u32,
    /// The kind of object a job at each pseudo-path reads, from `first_pseudo` on.
    pub(super) pseudo_kinds: Vec<Kind>,
}

impl Catalog<'_> {
    /// Adds the pseudo-path `name`, whose jobs read objects of `kind`; paths of a tree must all
    /// be in already.
    pub(super) fn pseudo(&mut self, name: &str, kind: Kind) -> u32 {
        if self.pseudo_kinds.is_empty() {
            self.first_pseudo = self.paths.len() as u32;
        }
        self.paths.push(Arc::from(name));
        self.pseudo_kinds.push(kind);
        (self.paths.len() - 1) as u32
    }

    /// The kind of object a job first seen at `path` reads: a blob, or for a message a commit or
    /// a tag.
    fn kind(&self, path: u32) -> Kind {
        self.pseudo_kind(path).unwrap_or(Kind::Blob)
    }

    /// The kind of object read at `path` if it is a pseudo-path of a message or a note.
    fn pseudo_kind(&self, path: u32) -> Option<Kind> {
        path.checked_sub(self.first_pseudo).and_then(|at| self.pseudo_kinds.get(at as usize).copied())
    }

    fn commit(&self, place: Place) -> Option<(&CommitInfo, &str)> {
        let graph = self.graph?;
        let commit = graph.commits.get(*self.order.get(place.commit? as usize)? as usize)?;
        Some((commit, graph.author(commit)))
    }
}

/// The history's blobs as the diff records them: each distinct blob once, in the order first
/// seen, with its first place (32 bytes, and a 4-byte slot of the index that finds it by id).
/// The places after the first at another path (a copy, a rename) are rarer and kept apart. The
/// index hashes with a random key (see `Graph`).
#[derive(Default)]
pub(super) struct JobTable {
    firsts: Vec<(ObjectId, Place)>,
    index: HashTable<u32>,
    hasher: RandomState,
    more: Vec<(u32, Place)>,
    more_seen: HashSet<(u32, u32)>,
}

impl JobTable {
    /// Records that `blob` was seen at `place`; places must come oldest first. A blob seen again
    /// at a path it was already seen at is not recorded: the older place holds.
    pub(super) fn record(&mut self, blob: ObjectId, place: Place) {
        let hash = self.hasher.hash_one(blob);
        let firsts = &self.firsts;
        if let Some(&job) = self.index.find(hash, |&job| firsts[job as usize].0 == blob) {
            if firsts[job as usize].1.path != place.path && self.more_seen.insert((job, place.path)) {
                self.more.push((job, place));
            }
            return;
        }
        let job = self.firsts.len() as u32;
        self.firsts.push((blob, place));
        let (firsts, hasher) = (&self.firsts, &self.hasher);
        self.index.insert_unique(hash, job, |&job| hasher.hash_one(firsts[job as usize].0));
    }

    pub(super) fn finish(self) -> Jobs {
        let JobTable { mut firsts, mut more, .. } = self;
        firsts.shrink_to_fit();
        // Stable: the places of one blob stay oldest first.
        more.sort_by_key(|&(job, _)| job);
        more.shrink_to_fit();
        Jobs { firsts, more }
    }
}

/// The blobs `scan_blobs` reads, in order, each with every place it was seen at, oldest first
/// (see `JobTable`): `more` sorted by job.
pub(super) struct Jobs {
    firsts: Vec<(ObjectId, Place)>,
    more: Vec<(u32, Place)>,
}

impl Jobs {
    fn count(&self) -> usize {
        self.firsts.len()
    }

    /// Job `job`'s blob, its first place and the places after it.
    fn job(&self, job: usize) -> Option<(ObjectId, Place, impl Iterator<Item = Place> + '_)> {
        let &(blob, first) = self.firsts.get(job)?;
        let start = self.more.partition_point(|&(other, _)| (other as usize) < job);
        let more = self.more[start..].iter().take_while(move |&&(other, _)| other as usize == job);
        Some((blob, first, more.map(|&(_, place)| place)))
    }
}

/// Per-worker state of the blob scan.
pub(super) struct BlobWorker<'s> {
    pub(super) repo: gix::Repository,
    pub(super) scanner: Scanner<'s>,
    pub(super) buf: Vec<u8>,
    pub(super) out: Collector,
    /// Per fingerprint, the findings from the oldest place: one finding per (rule, path, token).
    pub(super) findings: OldestFirst<Finding>,
    /// Per (path, token), the HMAC occurrences from the oldest place, for the secrets pass.
    pub(super) hmac: OldestFirst<Occurrence>,
}

/// A blob worker's handle: no object cache, as each blob is read once, and a bounded pack cache
/// (see `PACK_CACHE_BYTES`).
pub(super) fn worker_repo(shared: &gix::ThreadSafeRepository) -> gix::Repository {
    super::bounded(shared.to_thread_local(), None)
}

/// Scans each blob once and fans its findings out to every place it was seen.
pub(super) fn scan_blobs(
    shared: &gix::ThreadSafeRepository,
    pages: &super::PackPages,
    settings: &Settings,
    catalog: &Catalog<'_>,
    jobs: &Jobs,
    pool: &rayon::ThreadPool,
    honoured: Option<Arc<crate::pipeline::IgnoreLines>>,
) -> Collector {
    let workers: Vec<Mutex<Option<BlobWorker<'_>>>> =
        (0..pool.current_num_threads().max(1)).map(|_| Mutex::new(None)).collect();
    // One findings budget for the run's deduplication and one for its HS occurrences, shared by
    // the workers, and the asymmetric tokens kept for the forgery pass counted per run, not per
    // worker (the merge keeps MAX_SIGNED_TOKENS of them in all): memory does not grow with the
    // thread count, and with one thread the same tokens are kept.
    let budget = findings_budget() / workers.len();
    let signed_room = AtomicUsize::new(MAX_SIGNED_TOKENS);
    // The pack pages are checked every BLOBS_PER_CHECK blobs and every RELEASE_BYTES read (see
    // `PackPages`): reading the oldest version of a file resolves its whole delta chain, and each
    // link touched maps 64 KB of pack (the kernel maps the pages around a fault too).
    let (read, scanned) = (AtomicU64::new(0), AtomicUsize::new(0));
    pool.install(|| {
        (0..jobs.count()).into_par_iter().for_each(|job| {
            let Some((blob, first, more)) = jobs.job(job) else { return };
            let slot = rayon::current_thread_index().unwrap_or(0) % workers.len();
            let mut guard = workers[slot].lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let worker = guard.get_or_insert_with(|| BlobWorker {
                repo: worker_repo(shared),
                scanner: match &honoured {
                    Some(lines) => Scanner::placing_later(settings).honouring_only(Arc::clone(lines)),
                    None => Scanner::placing_later(settings),
                },
                buf: Vec::new(),
                out: Collector::default(),
                findings: OldestFirst::new(budget),
                hmac: OldestFirst::new(budget),
            });
            worker.scan(blob, first, more, settings, catalog, &signed_room);
            let bytes = worker.buf.len() as u64 + super::PAGE_BYTES;
            drop(guard);
            let before = read.fetch_add(bytes, Ordering::Relaxed);
            let crossed = (before + bytes) / super::RELEASE_BYTES != before / super::RELEASE_BYTES;
            if crossed || scanned.fetch_add(1, Ordering::Relaxed) % BLOBS_PER_CHECK == BLOBS_PER_CHECK - 1 {
                pages.release();
            }
        });
    });
    let mut total = Collector::default();
    let (mut findings, mut hmac) = (Vec::new(), Vec::new());
    for worker in workers {
        let Some(worker) = worker.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()) else { continue };
        total.merge(worker.out);
        findings.push(worker.findings);
        hmac.push(worker.hmac);
    }
    // The scan has read its last object: the pack pages it touched go back (no more checks would
    // give them back, and the merge and the report kept them resident). The workers' scanners,
    // buffers and caches are gone: what they freed goes back before the merge allocates, and what
    // the merge's sources held, after it.
    pages.release_all();
    super::trim_heap();
    let mut problems = Vec::new();
    oldest(findings, &mut problems, |finding| total.push_finding(finding));
    oldest(hmac, &mut problems, |occurrence| total.hmac_tokens.push(occurrence));
    total.problems.extend(problems);
    super::trim_heap();
    total
}

/// Takes up to `wanted` of what is left of `room`; returns how much it took.
fn reserve(room: &AtomicUsize, wanted: usize) -> usize {
    match room.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| Some(left.saturating_sub(wanted))) {
        Ok(left) | Err(left) => left.min(wanted),
    }
}

impl BlobWorker<'_> {
    fn scan(
        &mut self,
        blob: ObjectId,
        first: Place,
        more: impl Iterator<Item = Place>,
        settings: &Settings,
        catalog: &Catalog<'_>,
        signed_room: &AtomicUsize,
    ) {
        let first_path = catalog.paths.get(first.path as usize).cloned().unwrap_or_else(|| Arc::from("?"));
        let display = || match catalog.commit(first) {
            Some((commit, _)) => format!("{}:{first_path}", short(&commit.id)),
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
        let expected = catalog.kind(first.path);
        let data = match self.repo.objects.try_find(&blob, &mut self.buf) {
            Ok(Some(data)) if data.kind == expected && expected == Kind::Blob => data.data,
            Ok(Some(data)) if data.kind == expected => super::messages::message(data.data),
            Ok(Some(data)) => {
                let reason = format!("{}: expected a {expected}, found a {}", short(&blob), data.kind);
                return self.out.error(&display(), &reason);
            }
            Ok(None) => return self.out.error(&display(), &format!("blob {} is missing", short(&blob))),
            Err(err) => return self.out.error(&display(), &format!("blob {}: {err}", short(&blob))),
        };
        // A fresh collector does not allocate until the blob holds a token.
        let mut found = Collector::default();
        let from = Provenance::at(Arc::clone(&first_path), None);
        if let Err(err) = source::scan(&mut self.scanner, &from, Content::Bytes(data), &mut found) {
            found.error(&display(), &format!("blob {}: {err}", short(&blob)));
        }
        if !found.signed_tokens.is_empty() {
            let kept = reserve(signed_room, found.signed_tokens.len());
            found.signed_dropped += (found.signed_tokens.len() - kept) as u64;
            found.signed_tokens.truncate(kept);
        }
        // A message or a note is no file of the tree.
        if catalog.pseudo_kind(first.path).is_some() {
            found.files_scanned = 0;
            found.messages_scanned += 1;
        }
        if self.buf.capacity() > BLOB_BUFFER_KEEP {
            self.buf = Vec::new();
        }
        if found.unplaced.is_empty() && found.hmac_tokens.is_empty() {
            self.out.merge(found);
            return;
        }
        for place in std::iter::once(first).chain(more) {
            let Some(path) = catalog.paths.get(place.path as usize) else { continue };
            let commit = catalog.commit(place);
            let sha = commit.map(|(commit, _)| commit.id.to_string());
            for unplaced in &found.unplaced {
                let site = Site {
                    path,
                    member: &unplaced.member,
                    start: unplaced.start,
                    end: unplaced.end,
                    commit: sha.as_deref(),
                    history: commit.map(|(commit, author)| (commit.time, author)),
                };
                let mut finding = Finding::new(unplaced.hit.clone(), &site, &unplaced.subject, settings.show_secrets);
                finding.clues = unplaced.clues.clone();
                self.findings.push(finding.fingerprint.clone(), place.commit, finding);
            }
            for occurrence in &found.hmac_tokens {
                let mut occurrence = occurrence.clone();
                occurrence.path = Arc::clone(path);
                occurrence.commit = sha.as_deref().map(Arc::from);
                occurrence.history = commit.map(|(commit, author)| (commit.time, Arc::from(author)));
                // Git paths hold no NUL: the key is the pair.
                let key = format!("{path}\0{}", occurrence.sha256);
                self.hmac.push(key, place.commit, occurrence);
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

    fn place(path: u32, commit: u32) -> Place {
        Place { path, commit: Some(commit) }
    }

    fn places(jobs: &Jobs) -> Vec<(ObjectId, Vec<Place>)> {
        (0..jobs.count())
            .filter_map(|job| jobs.job(job))
            .map(|(blob, first, more)| (blob, std::iter::once(first).chain(more).collect()))
            .collect()
    }

    #[test]
    fn the_signed_token_room_is_shared_by_the_workers_and_never_overdrawn() {
        let room = AtomicUsize::new(1000);
        let granted: Vec<usize> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..4)
                .map(|worker| {
                    let room = &room;
                    scope.spawn(move || (0..200).map(|n| reserve(room, (n * 7 + worker) % 13)).sum::<usize>())
                })
                .collect();
            workers.into_iter().map(|worker| worker.join().unwrap()).collect()
        });
        assert_eq!(granted.iter().sum::<usize>(), 1000, "{granted:?}");
        assert_eq!(room.load(Ordering::Relaxed), 0);
        assert_eq!(reserve(&room, 5), 0);
        let room = AtomicUsize::new(10);
        assert_eq!((reserve(&room, 4), reserve(&room, 4), reserve(&room, 4)), (4, 4, 2));
    }

    #[test]
    fn job_table_keeps_each_blob_once_in_first_seen_order_with_each_new_path_oldest_first() {
        let id = |byte: u8| ObjectId::from_bytes_or_panic(&[byte; 20]);
        let mut table = JobTable::default();
        table.record(id(7), place(0, 0));
        table.record(id(3), place(1, 0));
        table.record(id(7), place(0, 1)); // same path again: the older place holds
        table.record(id(7), place(2, 2));
        table.record(id(3), place(2, 3));
        table.record(id(7), place(1, 4));
        table.record(id(7), place(2, 5)); // (7, path 2) already recorded at commit 2
        table.record(id(9), place(1, 6));
        let jobs = table.finish();
        assert_eq!(
            places(&jobs),
            [
                (id(7), vec![place(0, 0), place(2, 2), place(1, 4)]),
                (id(3), vec![place(1, 0), place(2, 3)]),
                (id(9), vec![place(1, 6)]),
            ]
        );
        assert!(jobs.job(3).is_none());
    }

    #[test]
    fn job_table_matches_a_map_of_place_lists_over_many_blobs() {
        // Enough blobs for the index to grow many times, with ids that share their first bytes.
        let id = |n: u32| {
            let mut bytes = [0u8; 20];
            bytes[..4].copy_from_slice(&(n % 97).to_le_bytes());
            bytes[16..].copy_from_slice(&n.to_le_bytes());
            ObjectId::from_bytes_or_panic(&bytes)
        };
        let mut table = JobTable::default();
        let mut expected: Vec<(ObjectId, Vec<Place>)> = Vec::new();
        let mut seen: std::collections::HashMap<ObjectId, usize> = std::collections::HashMap::new();
        for step in 0..20_000u32 {
            let (blob, at) = (id(step * 7919 % 5000), place(step % 13, step));
            table.record(blob, at);
            let job = *seen.entry(blob).or_insert_with(|| {
                expected.push((blob, Vec::new()));
                expected.len() - 1
            });
            if expected[job].1.iter().all(|place| place.path != at.path) {
                expected[job].1.push(at);
            }
        }
        assert_eq!(places(&table.finish()), expected);
    }
}
