//! jwtscan: finds JSON Web Tokens in files and git history and judges each one.
//!
//! Data flows one way: `Settings` → walk → find → decode → rules → `Finding`s → cross-file
//! forgery pass → sort, baseline and severity filters → report → exit code.

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
pub mod spill;
pub mod time;
pub mod token;
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
    let spilled = collector.spilled.any();
    let mut parts = collector.take_findings();
    let Collector { tokens, files_scanned, bytes_scanned, skipped, errors, mut problems, .. } = collector;
    let judge = report::Judge::new(settings);
    let findings = if !spilled && let Some(part) = parts.pop() {
        // The usual case: every finding is in memory, in one part.
        let mut findings: Vec<finding::Finding> =
            part.into_memory().into_iter().flatten().filter_map(|finding| judge.apply(finding)).collect();
        findings.sort_by(report::report_order);
        report::Findings::from(findings)
    } else {
        // Overrides and filters keep the report order: the merged runs are judged as they are
        // read, once here to count, then again by the report writer.
        let merged = spill::Sorted::merge(parts, report::report_order);
        problems.extend(merged.warnings().iter().cloned().map(collect::Problem::Note));
        let (mut count, mut max_severity) = (0, None);
        for finding in merged.iter() {
            match finding {
                Ok(finding) => {
                    if let Some(finding) = judge.apply(finding.into_owned()) {
                        count += 1;
                        max_severity = max_severity.max(Some(finding.severity));
                    }
                }
                Err(err) => {
                    problems.push(collect::Problem::Note(format!(
                        "findings written to a temporary file could not be read back: {err}"
                    )));
                    break;
                }
            }
        }
        report::Findings::judged(merged, judge, count, max_severity)
    };
    problems.sort_by_cached_key(ToString::to_string);
    let summary = Summary {
        files_scanned,
        bytes_scanned,
        tokens,
        findings: findings.len() as u64,
        skipped,
        errors,
        elapsed_ms: started.elapsed().as_millis() as u64,
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
        settings.fail_on.is_some_and(|threshold| report.findings.max_severity().is_some_and(|max| max >= threshold));
    Ok(if failed { Exit::Findings } else { Exit::Clean })
}

/// Scans one in-memory text with `settings` and returns the sorted findings: the entry point for
/// tests and the rule self-test.
pub fn scan_text(text: &str, settings: &Settings) -> Vec<finding::Finding> {
    let mut scanner = pipeline::Scanner::new(settings);
    let mut collector = Collector::default();
    scanner.scan_bytes(&std::sync::Arc::from("input"), None, text.as_bytes(), &mut collector);
    // Findings of one text are few: they never leave memory.
    build_report(collector, settings, Instant::now()).findings.to_vec().unwrap_or_default()
}
