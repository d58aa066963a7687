//! jwtscan: finds JSON Web Tokens in files and git history and judges each one.
//!
//! Data flows one way: `Settings` → walk → find → decode → rules → `Finding`s → cross-file
//! forgery pass → verification pass (opt-in) → sort, baseline and severity filters → report →
//! exit code.

pub mod baseline;
pub mod budget;
pub mod cli;
pub mod collect;
pub mod commands;
pub mod config;
pub mod context;
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
pub mod verify;
pub mod wordlist;

use std::io::Write;
use std::time::Instant;

use anyhow::{Context as _, Result};

use crate::cli::{Cli, Command};
use crate::collect::Collector;
use crate::commands::{decode, git, hook, rules as rules_command, scan};
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
        Some(Command::Hook(args)) => hook::run(args),
    }
}

/// Sorts, filters and summarises what the scan collected: issuer profiles and severity overrides,
/// the context of each finding, what is held back (allowlist, baseline, `--min-severity`, context
/// policy) and the gate's verdict on the rest.
pub fn build_report(mut collector: Collector, settings: &Settings, started: Instant) -> Report<'_> {
    rules::forgery::pass(&mut collector, settings);
    let merged = spill::Sorted::merge(collector.take_findings(), report::report_order);
    let Collector { tokens, files_scanned, bytes_scanned, skipped, errors, mut problems, ignored_inline, .. } =
        collector;
    problems.extend(merged.warnings().iter().cloned().map(collect::Problem::Note));
    let unreadable = |err: std::io::Error| {
        collect::Problem::Note(format!("findings written to a temporary file could not be read back: {err}"))
    };
    let mut wanted = verify::Wanted::default();
    if settings.verify.is_some()
        && let Err(err) = merged.iter().try_for_each(|finding| finding.map(|finding| wanted.offer(&finding, settings)))
    {
        problems.push(unreadable(err));
    }
    let (outcomes, verification) = verify::pass(wanted, settings).unzip();
    let judge = report::Judge::new(settings, outcomes.unwrap_or_default());
    let mut tally = report::Tally { fail_on: settings.fail_on, ..report::Tally::default() };
    // Judging keeps the report order, so the findings are judged in the order they are sorted.
    let findings = match merged.into_memory() {
        // The usual case: every finding is in memory, in one sorted list, judged once.
        Ok(sorted) => {
            let mut kept = Vec::with_capacity(sorted.len());
            for finding in sorted {
                let judged = judge.apply(finding);
                tally.add(&judged, settings.statistics);
                kept.extend(judged.ok());
            }
            report::Findings::from(kept)
        }
        // Merged from disk: judged as they are read, once here to count, then again by the writer.
        Err(merged) => {
            for finding in merged.iter() {
                match finding {
                    Ok(finding) => tally.add(&judge.apply(finding.into_owned()), settings.statistics),
                    Err(err) => {
                        problems.push(unreadable(err));
                        break;
                    }
                }
            }
            report::Findings::judged(merged, judge, tally.findings as usize)
        }
    };
    problems.sort_by_cached_key(ToString::to_string);
    problems.dedup();
    let report::Tally { findings: count, failing, contexts, statistics, mut held_back, .. } = tally;
    held_back.inline_ignore = ignored_inline;
    let summary = Summary {
        files_scanned,
        bytes_scanned,
        tokens,
        findings: count,
        skipped,
        errors,
        elapsed_ms: started.elapsed().as_millis() as u64,
        contexts,
        failing,
        held_back,
        config: settings.config.as_ref().map(|path| path.display().to_string()),
        statistics: settings.statistics.then_some(statistics),
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
    if let Some(path) = &settings.sarif_output {
        let file = std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        report::sarif::write(report, settings, &mut out)?;
        out.flush()?;
    }
    let Some(line) = failure_line(report, settings) else { return Ok(Exit::Clean) };
    let _ = writeln!(stderr, "{line}");
    Ok(Exit::Findings)
}

/// The one line on stderr that says why a run failed, whatever the format and wherever the
/// report went: `jwtscan: 12 findings fail the run (3 critical, 9 high); report in jwtscan.sarif`.
/// `None` when no finding fails the run (at or above `--fail-on`, in a context that counts).
pub fn failure_line(report: &Report, settings: &Settings) -> Option<String> {
    if report.summary.failing == 0 {
        return None;
    }
    let mut counts = [0u64; 5];
    // Counted as the findings stream by: a spilled report is read once more, never held.
    for finding in report.findings.iter().map_while(Result::ok).filter(|finding| finding.fails) {
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
    scan_text_at("input", text, settings)
}

/// `scan_text` as if the text were the file at `path` (relative to the scanned folder), for
/// tests of contexts.
pub fn scan_text_at(path: &str, text: &str, settings: &Settings) -> Vec<finding::Finding> {
    let mut scanner = pipeline::Scanner::new(settings);
    let mut collector = Collector::default();
    scanner.scan_bytes(&std::sync::Arc::from(path), None, text.as_bytes(), &mut collector);
    // Findings of one text are few: they never leave memory.
    build_report(collector, settings, Instant::now()).findings.to_vec().unwrap_or_default()
}
