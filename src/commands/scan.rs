//! `jwtscan scan` (and a bare `jwtscan PATH…`): walks the paths and reports.

use std::path::Path;
use std::time::Instant;

use anyhow::{Result, bail};

use super::Exit;
use super::report::{build_report, emit};
use crate::cli::ScanArgs;
use crate::collect::Collector;
use crate::config::Settings;
use crate::input::source::{self, Content};
use crate::input::walk;
use crate::provenance::Provenance;
use crate::{config, pipeline, suggest};

/// The subcommands, for "did you mean" when a PATH that does not exist is one of them mistyped.
const COMMANDS: [&str; 5] = ["scan", "git", "decode", "rules", "hook"];

pub fn run(args: &ScanArgs) -> Result<Exit> {
    let started = Instant::now();
    if let Some(first) = args.paths.first()
        && std::fs::symlink_metadata(first).is_err()
        && let Some(word) = first.to_str()
        && let Some(command) = suggest::closest(word, &COMMANDS)
    {
        bail!("`{word}` is neither a file nor a subcommand; did you mean `jwtscan {command}`?");
    }
    let mut settings = config::resolve(&args.paths, &args.options)?;
    settings.no_ignore = args.no_ignore;
    for path in &settings.paths {
        if path != Path::new("-") && std::fs::symlink_metadata(path).is_err() {
            bail!("{}: no such file or directory", path.display());
        }
    }
    let collector = walk::scan_paths(&settings);
    let (unread, oversized) = (collector.errors, collector.oversized);
    let report = build_report(collector, &settings, started);
    let exit = emit(&report, &settings)?;
    if let Some(line) = incomplete_line(unread, oversized)
        && !args.allow_incomplete
    {
        eprintln!("{line}");
        return Ok(Exit::Findings);
    }
    Ok(exit)
}

/// A gate must not pass what it could not read: the line that says so, `None` when every file was
/// read. FIFOs and sockets are not counted: they hold no committed content.
fn incomplete_line(unread: u64, oversized: u64) -> Option<String> {
    let files = |count: u64| if count == 1 { "1 file".to_string() } else { format!("{count} files") };
    let parts: Vec<String> = [
        (unread > 0).then(|| format!("{} could not be read", files(unread))),
        (oversized > 0).then(|| format!("{} skipped over --max-file-size", files(oversized))),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        return None;
    }
    Some(format!(
        "jwtscan: error: the scan is incomplete: {} (named in the warnings above); pass --allow-incomplete to \
         accept that",
        parts.join(" and ")
    ))
}

/// Scans one in-memory text with `settings` and returns the sorted findings: the entry point for
/// tests and the rule self-test.
pub fn scan_text(text: &str, settings: &Settings) -> Vec<crate::finding::Finding> {
    scan_text_at("input", text, settings)
}

/// `scan_text` as if the text were the file at `path` (relative to the scanned folder), for
/// tests of contexts.
pub fn scan_text_at(path: &str, text: &str, settings: &Settings) -> Vec<crate::finding::Finding> {
    let mut scanner = pipeline::Scanner::new(settings);
    let mut collector = Collector::default();
    let from = Provenance::file(std::sync::Arc::from(path));
    let content = Content::Bytes(text.as_bytes());
    if let Err(err) = source::scan(&mut scanner, &from, content, &mut collector) {
        collector.error(path, &format!("read error: {err}"));
    }
    // Findings of one text are few: they never leave memory.
    build_report(collector, settings, Instant::now()).findings.to_vec().unwrap_or_default()
}
