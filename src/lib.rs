//! jwtscan: finds JSON Web Tokens in files and git history and judges each one.
//!
//! Data flows one way: `Settings` → walk → find → decode → rules → `Finding`s → cross-file
//! forgery pass → sort, baseline and severity filters → report → exit code.

pub mod baseline;
pub mod budget;
pub mod cli;
pub mod collect;
pub mod commands;
pub mod config;
pub mod discover;
pub mod escape;
pub mod find;
pub mod finding;
pub mod gate;
pub mod hex;
pub mod hmac;
pub mod inline_ignore;
pub mod input;
pub mod keys;
pub mod pipeline;
pub mod redact;
pub mod report;
pub mod rules;
pub mod severity;
pub mod spill;
pub mod suggest;
pub mod time;
pub mod token;
pub mod units;
pub mod wordlist;

use std::io::Write;
use std::time::Instant;

use anyhow::{Context as _, Result};

use crate::cli::{Cli, Command};
use crate::collect::Collector;
use crate::commands::{decode, git, rules as rules_command, scan};
use crate::config::Settings;
use crate::report::{Report, Summary};

/// Exit statuses, as docs/report-format.md documents them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Clean = 0,
    Findings = 1,
    Usage = 2,
}

pub fn run(cli: Cli) -> Result<Exit> {
    match cli.command {
        None => scan::run(&cli.scan),
        Some(Command::Scan(args)) => scan::run(&args),
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
    problems.dedup();
    let summary = Summary {
        files_scanned,
        bytes_scanned,
        tokens,
        findings: findings.len() as u64,
        skipped,
        errors,
        elapsed_ms: started.elapsed().as_millis() as u64,
        config: settings.config.as_ref().map(|path| path.display().to_string()),
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
    let Some(line) = failure_line(report, settings) else { return Ok(Exit::Clean) };
    let _ = writeln!(stderr, "{line}");
    Ok(Exit::Findings)
}

/// The one line on stderr that says why a run failed, whatever the format and wherever the
/// report went: `jwtscan: 12 findings fail the run (3 critical, 9 high); report in jwtscan.sarif`.
/// `None` when no finding is at or above `--fail-on`.
pub fn failure_line(report: &Report, settings: &Settings) -> Option<String> {
    let threshold = settings.fail_on?;
    if report.findings.max_severity().is_none_or(|max| max < threshold) {
        return None;
    }
    let mut counts = [0u64; 5];
    // Counted as the findings stream by: a spilled report is read once more, never held.
    for finding in report.findings.iter().map_while(Result::ok).filter(|finding| finding.severity >= threshold) {
        counts[finding.severity as usize] += 1;
    }
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let by_severity: Vec<String> = severity::Severity::ALL
        .iter()
        .rev()
        .filter(|severity| counts[**severity as usize] > 0)
        .map(|severity| format!("{} {}", counts[*severity as usize], severity.as_str()))
        .collect();
    let noun = if total == 1 { "finding fails" } else { "findings fail" };
    let mut line = format!("jwtscan: {total} {noun} the run ({})", by_severity.join(", "));
    if let Some(path) = &settings.output {
        line.push_str(&format!("; report in {}", report::escape_visible(&path.display().to_string())));
    }
    Some(line)
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
