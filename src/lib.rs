//! jwtscan: finds JSON Web Tokens in files and git history and judges each one.
//!
//! Data flows one way: `Settings` → walk → find → decode → rules → `Finding`s → cross-file
//! secrets pass → sort, baseline and severity filters → report → exit code.

pub mod baseline;
pub mod cli;
pub mod config;
pub mod decode;
pub mod find;
pub mod finding;
pub mod git;
mod hmac_lanes;
pub mod jwk;
mod literals;
pub mod report;
pub mod rules;
pub mod rules_command;
pub mod scan;
pub mod secrets;
pub mod severity;
pub mod time;
pub mod token;
pub mod verify;
pub mod walk;

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context as _, Result, bail};

use crate::cli::{Cli, Command};
use crate::config::Settings;
use crate::report::{Report, Summary};
use crate::scan::Collector;

/// Exit statuses from SPEC.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Clean = 0,
    Findings = 1,
    Usage = 2,
}

pub fn run(cli: Cli) -> Result<Exit> {
    match cli.command {
        None => scan_command(&cli.scan.paths, &cli.scan.options),
        Some(Command::Scan(args)) => scan_command(&args.paths, &args.options),
        Some(Command::Git(args)) => git::run(&args),
        Some(Command::Decode(args)) => decode::run(&args),
        Some(Command::Rules(args)) => rules_command::run(&args),
    }
}

fn scan_command(paths: &[std::path::PathBuf], options: &cli::ScanOptions) -> Result<Exit> {
    let started = Instant::now();
    let settings = config::resolve(paths, options)?;
    for path in &settings.paths {
        if path != Path::new("-") && std::fs::symlink_metadata(path).is_err() {
            bail!("{}: no such file or directory", path.display());
        }
    }
    let collector = walk::scan_paths(&settings);
    let report = build_report(collector, &settings, started);
    emit(&report, &settings)
}

/// Sorts, filters and summarises what the scan collected.
pub fn build_report(mut collector: Collector, settings: &Settings, started: Instant) -> Report {
    secrets::pass(&mut collector, settings);
    let Collector { mut findings, tokens, files_scanned, bytes_scanned, skipped, errors, mut warnings, .. } = collector;
    for finding in &mut findings {
        if let Some(&severity) = settings.severity_overrides.get(&finding.rule) {
            finding.severity = severity;
        }
    }
    findings.retain(|finding| {
        finding.severity >= settings.min_severity
            && !settings.allowlist_tokens.contains(&finding.token_sha256)
            && !settings.baseline.contains(&finding.fingerprint)
    });
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    warnings.sort();
    let summary = Summary {
        files_scanned,
        bytes_scanned,
        tokens,
        findings: findings.len() as u64,
        skipped,
        errors,
        elapsed_ms: started.elapsed().as_millis() as u64,
    };
    Report { findings, summary, warnings }
}

/// Writes warnings to stderr and the report to stdout or `--output`; returns the exit status.
pub fn emit(report: &Report, settings: &Settings) -> Result<Exit> {
    let stderr = std::io::stderr();
    let mut stderr = stderr.lock();
    for warning in &report.warnings {
        let _ = writeln!(stderr, "jwtscan: warning: {}", report::escape_visible(warning));
    }
    match &settings.output {
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            report::write(report, settings, &mut out)?;
            out.flush()?;
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            report::write(report, settings, &mut out)?;
            out.flush()?;
        }
    }
    let failed =
        settings.fail_on.is_some_and(|threshold| report.findings.iter().any(|finding| finding.severity >= threshold));
    Ok(if failed { Exit::Findings } else { Exit::Clean })
}

/// Scans one in-memory text with `settings` and returns the sorted findings: the entry point for
/// tests and the rule self-test.
pub fn scan_text(text: &str, settings: &Settings) -> Vec<finding::Finding> {
    let mut scanner = scan::Scanner::new(settings);
    let mut collector = Collector::default();
    scanner.scan_bytes(&std::sync::Arc::from("input"), None, text.as_bytes(), &mut collector);
    build_report(collector, settings, Instant::now()).findings
}
