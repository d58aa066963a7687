//! Walks the PATHs in parallel and feeds every regular file, and the target text of every
//! symbolic link, to a per-thread `Scanner`.
//! Hidden files are scanned, `.git/` never is, `.gitignore` is honoured with or without a git
//! repository, and every file that is not scanned is counted and explained.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use ignore::{WalkBuilder, WalkState};

use crate::artifact;
use crate::collect::Collector;
use crate::config::Settings;
use crate::input::source::{self, Content};
use crate::keys::KeyStore;
use crate::pipeline::Scanner;
use crate::provenance::Provenance;

pub fn scan_paths(settings: &Settings) -> Collector {
    let mut total = Collector::default();
    let mut roots = Vec::new();
    for path in &settings.paths {
        if path == Path::new("-") {
            let mut scanner = Scanner::new(settings);
            let stdin = &mut std::io::stdin().lock();
            if let Err(err) =
                source::scan(&mut scanner, &Provenance::file(Arc::from("-")), Content::Reader(stdin), &mut total)
            {
                total.error("-", &format!("cannot read standard input: {err}"));
            }
        } else {
            roots.push(path.clone());
        }
    }
    if roots.is_empty() {
        return total;
    }
    let excludes: Vec<(PathBuf, Option<PathBuf>)> = roots
        .iter()
        .map(|root| (root.clone(), settings.exclude.as_ref().and_then(|exclude| exclude.root_prefix(root))))
        .collect();
    let is_excluded = |path: &Path| -> bool {
        let Some(exclude) = &settings.exclude else { return false };
        excludes.iter().any(|(root, prefix)| {
            let (Some(prefix), Ok(relative)) = (prefix, path.strip_prefix(root)) else { return false };
            if prefix.as_os_str().is_empty() {
                exclude.matches(relative)
            } else if relative.as_os_str().is_empty() {
                exclude.matches(prefix)
            } else {
                exclude.matches(&prefix.join(relative))
            }
        })
    };

    let mut builder = WalkBuilder::new(&roots[0]);
    for root in &roots[1..] {
        builder.add(root);
    }
    let honour_ignores = !settings.no_ignore;
    builder
        .hidden(false)
        .ignore(honour_ignores)
        .git_ignore(honour_ignores)
        .git_global(honour_ignores)
        .git_exclude(honour_ignores)
        .parents(honour_ignores)
        .require_git(false)
        .follow_links(false)
        .threads(settings.threads)
        .filter_entry(|entry| entry.file_name() != ".git");

    let results = Mutex::new(Vec::new());
    // `JWTSCAN_KEYS=eager` collects every key candidate as the file is read, as builds before
    // did: the benches and tests compare the two.
    let defer = std::env::var_os("JWTSCAN_KEYS").is_none_or(|value| value != "eager");
    // Set once a worker meets a token that will need the deferred candidates: all collect as
    // they read from then on (`pipeline::deferral`).
    let collecting = AtomicBool::new(false);
    builder.build_parallel().run(|| {
        let mut worker = Worker {
            scanner: Scanner::new(settings),
            out: Collector::default(),
            results: &results,
            defer,
            collecting: &collecting,
        };
        Box::new(move |entry| {
            if let Ok(entry) = &entry
                && is_excluded(entry.path())
            {
                return WalkState::Skip;
            }
            worker.visit(entry, settings);
            WalkState::Continue
        })
    });
    for collector in results.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()) {
        total.merge(collector);
    }
    total
}

struct Worker<'s, 'r> {
    scanner: Scanner<'s>,
    out: Collector,
    results: &'r Mutex<Vec<Collector>>,
    /// Whether files that can be opened again leave their string key candidates for later.
    defer: bool,
    collecting: &'r AtomicBool,
}

impl Worker<'_, '_> {
    fn visit(&mut self, entry: Result<ignore::DirEntry, ignore::Error>, settings: &Settings) {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                self.out.error(&walk_error_path(&err), &err.to_string());
                return;
            }
        };
        let Some(file_type) = entry.file_type() else {
            self.out.error(&entry.path().display().to_string(), "cannot read file type");
            return;
        };
        if file_type.is_dir() {
            return;
        }
        let path = entry.path();
        let display = shown(path);
        if file_type.is_symlink() {
            // Not followed (it may point anywhere, or loop), but its target text is content a
            // change can carry like any file's: a link can hold a token.
            match std::fs::read_link(path) {
                Ok(target) => {
                    let text = target.as_os_str().as_encoded_bytes();
                    let from = Provenance::file(Arc::from(display.as_str()));
                    if let Err(err) = source::scan(&mut self.scanner, &from, Content::Bytes(text), &mut self.out) {
                        self.out.error(&display, &format!("read error: {err}"));
                    }
                }
                Err(err) => self.out.error(&display, &format!("cannot read symbolic link: {err}")),
            }
            return;
        }
        if !file_type.is_file() {
            self.out.skip(&display, "not a regular file");
            return;
        }
        let mut file = match File::open(path) {
            Ok(file) => file,
            Err(err) => {
                self.out.error(&display, &format!("cannot open: {err}"));
                return;
            }
        };
        let at_end = match self.scanner.read_start(&mut file) {
            Ok((_, at_end)) => at_end,
            Err(err) => {
                self.out.error(&display, &format!("read error: {err}"));
                return;
            }
        };
        // Most files fit in the first window, which tells their size: a `stat` a file cost a
        // thirtieth of a scan of many small files.
        let start = self.scanner.started();
        if !at_end || start.len() as u64 > settings.max_file_size {
            // An archive (an image tarball is often larger) is opened whatever its size: its
            // members stream, within the archive bounds.
            let archive = settings.archives.max_depth > 0
                && artifact::detect(&start[..start.len().min(artifact::HEAD)]).is_some();
            match file.metadata() {
                Ok(metadata) if metadata.len() > settings.max_file_size && !archive => {
                    let reason = format!("{} bytes is over --max-file-size {}", metadata.len(), settings.max_file_size);
                    self.out.skip(&display, &reason);
                    self.out.oversized += 1;
                    return;
                }
                Ok(_) => {}
                Err(err) => {
                    self.out.error(&display, &format!("cannot stat: {err}"));
                    return;
                }
            }
        }
        // Opened again by the path the walk gave: a name that is not UTF-8 would not survive.
        self.scanner.defer_named = self.defer
            && !self.collecting.load(Ordering::Relaxed)
            && self.out.deferred.has_room()
            && path.to_str().is_some();
        self.scan_file(&display, Content::Started(&mut file, at_end));
        self.scanner.defer_named = false;
        if self.scanner.needs_deferred_keys() {
            self.collecting.store(true, Ordering::Relaxed);
        }
        if self.scanner.take_deferred() {
            self.out.deferred.push(path.to_path_buf(), collect_deferred);
        }
    }

    /// A file that fails mid-read (removed from a network share, an I/O error) is counted as an
    /// error; findings from the windows already scanned are kept.
    fn scan_file(&mut self, display: &str, content: Content<'_>) {
        let from = Provenance::file(Arc::from(display));
        if let Err(err) = source::scan(&mut self.scanner, &from, content, &mut self.out) {
            self.out.error(display, &format!("read error: {err}"));
        }
    }
}

impl Drop for Worker<'_, '_> {
    fn drop(&mut self) {
        let out = std::mem::take(&mut self.out);
        let mut results = self.results.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        results.push(out);
    }
}

/// The string candidates of the files whose collection the walk deferred (`collect::Deferred`),
/// read again in path order, in parallel; a file that can no longer be read is counted in the
/// returned notes, not as a scan error (it was scanned).
fn collect_deferred(paths: &mut [PathBuf], settings: &Settings) -> (KeyStore, Vec<String>) {
    use rayon::prelude::*;
    paths.sort_unstable();
    let (keys, unread) = settings.on_threads(|| {
        paths
            .par_iter()
            .fold(
                || (Scanner::collecting_keys_only(settings), Collector::default(), 0u64),
                |(mut scanner, mut out, mut unread), path| {
                    let display = shown(path);
                    let from = Provenance::file(Arc::from(display.as_str()));
                    let scanned = File::open(path)
                        .and_then(|mut file| source::scan(&mut scanner, &from, Content::Seekable(&mut file), &mut out));
                    unread += u64::from(scanned.is_err());
                    (scanner, out, unread)
                },
            )
            .map(|(_, out, unread)| (out.keys, unread))
            .reduce(
                || (KeyStore::default(), 0),
                |(mut keys, unread), (more, more_unread)| {
                    keys.merge(more);
                    (keys, unread + more_unread)
                },
            )
    });
    let notes = (unread > 0)
        .then(|| format!("secret-in-repo: {unread} files could not be read again for their key candidates"))
        .into_iter()
        .collect();
    (keys, notes)
}

/// How a walked path is shown and opened again: `./src/a.rs` and `src/a.rs` are one file, and one
/// spelling keeps fingerprints stable. A UTF-8 name (nearly all) skips the lossy conversion.
fn shown(path: &Path) -> String {
    let path = path.strip_prefix(".").unwrap_or(path);
    match path.to_str() {
        Some(text) => text.to_string(),
        None => path.display().to_string(),
    }
}

fn walk_error_path(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { path, .. } => path.display().to_string(),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => walk_error_path(err),
        _ => "(walk)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Yields `data`, then fails, like a file truncated or removed under the reader.
    struct FailingReader<'a> {
        data: &'a [u8],
    }

    impl std::io::Seek for FailingReader<'_> {
        fn seek(&mut self, _: std::io::SeekFrom) -> std::io::Result<u64> {
            Err(std::io::Error::other("not seekable"))
        }
    }

    impl std::io::Read for FailingReader<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.data.is_empty() {
                return Err(std::io::Error::other("device vanished"));
            }
            let n = buf.len().min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    static READS_AGAIN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    fn counted_read_again(paths: &mut [PathBuf], settings: &Settings) -> (KeyStore, Vec<String>) {
        READS_AGAIN.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        collect_deferred(paths, settings)
    }

    /// Scans a tree of a named secret and a token signed with `secret`: the rules found, and
    /// whether the files were read again for their candidates.
    fn scan_named_secret_and_token(secret: &[u8]) -> (Vec<String>, bool) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("app.env"), "JWT_SECRET=committed-secret-4f1e9a7c\n").unwrap();
        let token = crate::rules::forgery::tests::hs256_token(r#"{"sub":"1"}"#, secret);
        std::fs::write(dir.path().join("token.txt"), token).unwrap();
        let settings = Settings { paths: vec![dir.path().to_path_buf()], ..Settings::default() };
        let mut collector = scan_paths(&settings);
        // Which files a token that needs the candidates makes the walk collect as it reads
        // depends on the walk's order; a token that needs none makes it defer both.
        if secret == b"secret" {
            assert_eq!(collector.deferred.paths.len(), 2, "{:?}", collector.deferred.paths);
            assert!(collector.keys.is_empty(), "no string candidate is collected during the walk");
        }
        collector.deferred.read_again = Some(counted_read_again);
        let before = READS_AGAIN.load(std::sync::atomic::Ordering::SeqCst);
        crate::rules::forgery::pass(&mut collector, &settings);
        let read_again = READS_AGAIN.load(std::sync::atomic::Ordering::SeqCst) > before;
        let mut rules: Vec<String> = collector.findings_in_memory().iter().map(|f| f.rule.to_string()).collect();
        rules.retain(|rule| rule.contains("secret"));
        (rules, read_again)
    }

    #[test]
    fn deferred_files_are_read_again_only_when_a_token_may_need_their_candidates() {
        assert_eq!(scan_named_secret_and_token(b"secret"), (vec!["weak-secret".to_string()], false));
        assert_eq!(
            scan_named_secret_and_token(b"committed-secret-4f1e9a7c"),
            (vec!["secret-in-repo".to_string()], true)
        );
        assert_eq!(scan_named_secret_and_token(b"in-no-list-nor-the-tree-7c3b"), (Vec::<String>::new(), true));
    }

    #[test]
    fn a_read_error_mid_file_is_counted_and_named_in_a_warning() {
        let settings = Settings::default();
        let results = Mutex::new(Vec::new());
        let mut worker = Worker {
            scanner: Scanner::new(&settings),
            out: Collector::default(),
            results: &results,
            defer: false,
            collecting: &AtomicBool::new(false),
        };
        let mut reader = FailingReader { data: b"eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0. and more" };
        worker.scan_file("dir/f.txt", Content::Seekable(&mut reader));
        drop(worker);
        let out = results.into_inner().unwrap().pop().unwrap();
        assert_eq!(out.errors, 1);
        assert_eq!(
            out.problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["dir/f.txt: read error: device vanished"]
        );
    }
}
