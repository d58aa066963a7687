//! From what a scan collected to the report on screen and the exit status: the cross-file
//! forgery pass, verification, judging and the summary (`build_report`), then writing it
//! (`emit`).

use std::io::Write;
use std::time::Instant;

use anyhow::{Context as _, Result};

use super::Exit;
use crate::collect::{self, Collector};
use crate::config::Settings;
use crate::judge::{self, verification};
use crate::report::{self, Report, Summary};
use crate::{escape, rules, severity, spill};

/// Sorts, filters and summarises what the scan collected: issuer profiles and severity overrides,
/// the context of each finding, what is held back (allowlist, baseline, `--min-severity`, context
/// policy) and the gate's verdict on the rest.
pub fn build_report(mut collector: Collector, settings: &Settings, started: Instant) -> Report<'_> {
    rules::forgery::pass(&mut collector, settings);
    let merged = spill::Sorted::merge(collector.take_findings(), crate::finding::report_order);
    let Collector {
        tokens,
        files_scanned,
        messages_scanned,
        bytes_scanned,
        skipped,
        errors,
        mut problems,
        ignored_inline,
        ..
    } = collector;
    problems.extend(merged.warnings().iter().cloned().map(collect::Problem::Note));
    let unreadable = |err: std::io::Error| {
        collect::Problem::Note(format!("findings written to a temporary file could not be read back: {err}"))
    };
    let mut wanted = verification::Wanted::default();
    if settings.verify.is_some()
        && let Err(err) = merged.iter().try_for_each(|finding| finding.map(|finding| wanted.offer(&finding, settings)))
    {
        problems.push(unreadable(err));
    }
    let (outcomes, verification) = verification::pass(wanted, settings).unzip();
    let judge = judge::Judge::new(settings, outcomes.unwrap_or_default());
    let mut tally = judge::Tally { fail_on: settings.fail_on, ..judge::Tally::default() };
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
    let judge::Tally { findings: count, failing, contexts, statistics, mut held_back, .. } = tally;
    held_back.inline_ignore = ignored_inline;
    let summary = Summary {
        files_scanned,
        messages_scanned,
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
        let _ = writeln!(stderr, "jwtscan: warning: {}", escape::terminal(&problem.to_string()));
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
        line.push_str(&format!("; report in {}", escape::terminal(&path.display().to_string())));
    }
    Some(line)
}
