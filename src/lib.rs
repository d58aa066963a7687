//! jwtscan: finds JSON Web Tokens in files and git history and judges each one.
//!
//! Data flows one way: `Settings` → walk → find → decode → rules → `Finding`s → cross-file
//! forgery pass → verification pass (opt-in) → sort, baseline and severity filters → report →
//! exit code.

pub mod baseline;
pub mod cli;
pub mod collect;
pub mod commands;
pub mod config;
pub mod find;
pub mod finding;
pub mod hex;
pub mod hmac;
pub mod input;
pub mod keys;
pub mod pipeline;
pub mod report;
pub mod rules;
pub mod severity;
pub mod time;
pub mod token;
pub mod verify;
pub mod wordlist;

use std::io::Write;
use std::time::Instant;

use anyhow::{Context as _, Result};

use crate::cli::{Cli, Command};
use crate::collect::Collector;
use crate::commands::{decode, git, rules as rules_command, scan};
use crate::config::Settings;
use crate::report::{Report, Summary};

/// Exit statuses from SPEC.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Clean = 0,
    Findings = 1,
    Usage = 2,
}

pub fn run(cli: Cli) -> Result<Exit> {
    match cli.command {
        None => scan::run(&cli.scan.paths, &cli.scan.options),
        Some(Command::Scan(args)) => scan::run(&args.paths, &args.options),
        Some(Command::Git(args)) => git::run(&args),
        Some(Command::Decode(args)) => decode::run(&args),
        Some(Command::Rules(args)) => rules_command::run(&args),
    }
}

/// Sorts, filters and summarises what the scan collected.
pub fn build_report(mut collector: Collector, settings: &Settings, started: Instant) -> Report {
    rules::forgery::pass(&mut collector, settings);
    let Collector { mut findings, tokens, files_scanned, bytes_scanned, skipped, errors, mut problems, .. } = collector;
    for finding in &mut findings {
        if let Some(&severity) = settings.severity_overrides.get(&finding.rule) {
            finding.severity = severity;
        }
    }
    let verification = verify::pass(&mut findings, settings);
    findings.retain(|finding| {
        finding.severity >= settings.min_severity
            && !settings.allowlist_tokens.contains(&finding.token_sha256)
            && !settings.baseline.contains(&finding.fingerprint)
    });
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    problems.sort_by_cached_key(ToString::to_string);
    let summary = Summary {
        files_scanned,
        bytes_scanned,
        tokens,
        findings: findings.len() as u64,
        skipped,
        errors,
        elapsed_ms: started.elapsed().as_millis() as u64,
        verification,
    };
    Report { findings, summary, problems }
}

/// Writes warnings to stderr and the report to stdout or `--output`; returns the exit status.
pub fn emit(report: &Report, settings: &Settings) -> Result<Exit> {
    let stderr = std::io::stderr();
    let mut stderr = stderr.lock();
    for problem in &report.problems {
        let _ = writeln!(stderr, "jwtscan: warning: {}", report::escape_visible(&problem.to_string()));
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
    let mut scanner = pipeline::Scanner::new(settings);
    let mut collector = Collector::default();
    scanner.scan_bytes(&std::sync::Arc::from("input"), None, text.as_bytes(), &mut collector);
    build_report(collector, settings, Instant::now()).findings
}
