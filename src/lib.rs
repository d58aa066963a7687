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

/// Sorts, filters and summarises what the scan collected: issuer profiles and severity overrides,
/// the context of each finding, what is held back (allowlist, baseline, `--min-severity`, context
/// policy) and the gate's verdict on the rest.
pub fn build_report(mut collector: Collector, settings: &Settings, started: Instant) -> Report {
    rules::forgery::pass(&mut collector, settings);
    let Collector {
        mut findings,
        tokens,
        files_scanned,
        bytes_scanned,
        skipped,
        errors,
        mut problems,
        ignored_inline,
        ..
    } = collector;
    let places = context::Places::new(settings);
    let mut by_path: std::collections::HashMap<String, Option<context::Classification>> = Default::default();
    for finding in &mut findings {
        if let Some(profile) = finding.clues.profile {
            finding.severity = profile.severity(&finding.rule, finding.severity);
            finding.evidence.insert("product".into(), profile.product.clone().into());
        }
        if let Some(&severity) = settings.severity_overrides.get(&finding.rule) {
            finding.severity = severity;
        }
        let (relative, config_relative) = places.relative(&finding.path);
        let path_class = by_path
            .entry(finding.path.clone())
            .or_insert_with(|| context::path_class(relative, config_relative.as_deref(), &settings.context_overrides));
        let found = context::classify_at(relative, path_class, &finding.clues);
        finding.context = found.context;
        finding.evidence.insert("context_reason".into(), found.reason.to_string().into());
    }
    let verification = verify::pass(&mut findings, settings);
    let mut held_back = report::HeldBack { inline_ignore: ignored_inline, ..report::HeldBack::default() };
    findings.retain_mut(|finding| {
        let count = if settings.allowlist_tokens.contains(&finding.token_sha256) {
            &mut held_back.allowlist
        } else if settings.baseline.contains(&finding.fingerprint) {
            &mut held_back.baseline
        } else if finding.severity < settings.min_severity {
            &mut held_back.min_severity
        } else {
            let published = finding.clues.published.is_some();
            let verdict = settings.policy.decide(
                settings.fail_on,
                finding.context,
                finding.severity,
                finding.clues.looks_real || verify::is_live(finding),
                published,
            );
            finding.fails = verdict.fails();
            finding.counts = settings.policy.effective(
                finding.context,
                finding.clues.looks_real || verify::is_live(finding),
                published,
            ) == context::Action::Fail;
            if verdict != context::Verdict::Held {
                return true;
            }
            &mut held_back.context_policy
        };
        *count += 1;
        false
    });
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    problems.sort_by_cached_key(ToString::to_string);
    problems.dedup();
    let mut contexts = report::ContextCounts::default();
    let mut statistics: std::collections::BTreeMap<String, report::ContextCounts> = Default::default();
    for finding in &findings {
        contexts.add(finding.context);
        if settings.statistics {
            statistics.entry(finding.rule.clone()).or_default().add(finding.context);
        }
    }
    let summary = Summary {
        files_scanned,
        bytes_scanned,
        tokens,
        findings: findings.len() as u64,
        skipped,
        errors,
        elapsed_ms: started.elapsed().as_millis() as u64,
        contexts,
        failing: findings.iter().filter(|finding| finding.fails).count() as u64,
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
    let Some(line) = failure_line(report, settings) else { return Ok(Exit::Clean) };
    let _ = writeln!(stderr, "{line}");
    Ok(Exit::Findings)
}

/// The one line on stderr that says why a run failed, whatever the format and wherever the
/// report went: `jwtscan: 12 findings fail the run (3 critical, 9 high); report in jwtscan.sarif`.
/// `None` when no finding fails the run (at or above `--fail-on`, in a context that counts).
pub fn failure_line(report: &Report, settings: &Settings) -> Option<String> {
    let mut counts = [0u64; 5];
    for finding in report.findings.iter().filter(|finding| finding.fails) {
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
    build_report(collector, settings, Instant::now()).findings
}
