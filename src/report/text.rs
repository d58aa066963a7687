//! `--format text`: for people at a terminal. Findings are grouped by token occurrence: the
//! location, the (redacted) token and its `token_sha256`, its header, identifying claims and
//! context once, then one line per rule it breaks, worst first. Tokens that fail the run come
//! first, most severe first, one block per token with its other places listed when it repeats;
//! the others follow as one line per file, most severe first with the severity shown, unless
//! `--verbose`.
//! Everything that comes from scanned content goes through `escape_visible`, so a file name or
//! claim cannot drive the terminal.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write;

use serde_json::{Map, Value};

use super::Report;
use super::details::{TokenDetails, truncate};
use crate::config::Settings;
use crate::context::Context;
use crate::finding::Finding;
use crate::severity::Severity;

/// Longest evidence value shown on a rule line.
const MAX_EVIDENCE_CHARS: usize = 80;

pub fn write(report: &Report, settings: &Settings, out: &mut dyn Write) -> std::io::Result<()> {
    let paint = Paint(settings.color);
    // The findings stream in report order (from disk, when there are many), so the layout is
    // made in passes: which severities fail the run and where each failing token sits, then one
    // block per failing token, most severe first, then the rest.
    let mut failing_severities = [false; Severity::ALL.len()];
    let mut others = 0;
    let mut repeats: HashMap<String, Repeat> = HashMap::new();
    report.findings.try_for_each_occurrence(|group| {
        if fails(group) {
            failing_severities[group[0].severity as usize] = true;
            repeats.entry(group[0].token_sha256.clone()).or_default().add(group);
        } else {
            others += group.len();
        }
        Ok(())
    })?;
    let mut printed: HashSet<String> = HashSet::new();
    for &severity in Severity::ALL.iter().rev().filter(|&&severity| failing_severities[severity as usize]) {
        report.findings.try_for_each_occurrence(|group| {
            let Some(repeat) = repeats.get(&group[0].token_sha256) else { return Ok(()) };
            if fails(group) && repeat.severity == Some(severity) && printed.insert(group[0].token_sha256.clone()) {
                write_group(group, settings, paint, out)?;
                repeat.write(paint, out)?;
                writeln!(out)?;
            }
            Ok(())
        })?;
    }
    if settings.verbose {
        report.findings.try_for_each_occurrence(|group| {
            if !fails(group) {
                write_group(group, settings, paint, out)?;
                writeln!(out)?;
            }
            Ok(())
        })?;
    } else if others > 0 {
        write_per_file(report, others, paint, out)?;
        writeln!(out)?;
    }
    if let Some(statistics) = &report.summary.statistics {
        write_statistics(statistics, out)?;
        writeln!(out)?;
    }
    writeln!(out, "{}", summary_line(report, paint))
}

fn fails(group: &[&Finding]) -> bool {
    group.iter().any(|finding| finding.fails)
}

/// Places listed under a failing token that repeats; the rest are counted.
const PLACES_LISTED: usize = 10;

/// Where one failing token occurs: its block is printed once, in the section of its most severe
/// occurrence, with the other places listed under it.
#[derive(Default)]
struct Repeat {
    severity: Option<Severity>,
    occurrences: usize,
    places: Vec<String>,
}

impl Repeat {
    fn add(&mut self, group: &[&Finding]) {
        let first = group[0];
        self.severity = self.severity.max(Some(first.severity));
        self.occurrences += 1;
        if self.places.len() <= PLACES_LISTED {
            let commit = first.commit.as_ref().map(|commit| format!("{} ", commit.chars().take(7).collect::<String>()));
            self.places.push(format!(
                "{}{}:{}:{} [{}]",
                commit.unwrap_or_default(),
                escape_visible(&first.location()),
                first.line,
                first.column,
                first.context
            ));
        }
    }

    /// `    also at  3 more places: b.go:4:2 [source], …` when the token repeats.
    fn write(&self, paint: Paint, out: &mut dyn Write) -> std::io::Result<()> {
        if self.occurrences < 2 {
            return Ok(());
        }
        let more = self.occurrences - 1;
        let listed: Vec<&str> = self.places.iter().skip(1).take(PLACES_LISTED).map(String::as_str).collect();
        let rest = more - listed.len();
        let tail = if rest > 0 { format!(", and {rest} more") } else { String::new() };
        let noun = plural(more as u64, "place", "places");
        writeln!(out, "    {} {more} more {noun}: {}{tail}", paint.apply("2", "also at"), listed.join(", "))
    }
}

/// One line per file for the `findings` findings whose occurrences do not fail the run:
/// `tests/auth_test.go [test]: 12 findings, 4 tokens (3 weak-secret, 2 alg-none, …)`.
fn write_per_file(report: &Report, findings: usize, paint: Paint, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{}",
        paint.apply(
            "1",
            &format!(
                "Not failing the run: {findings} {} (--verbose shows them in full)",
                plural(findings as u64, "finding", "findings")
            )
        )
    )?;
    // Report order is by path: each file's occurrences follow each other. One line per file is
    // kept, to list the files most severe first (in path order within a severity).
    let mut files: Vec<FileLine> = Vec::new();
    report.findings.try_for_each_occurrence(|group| {
        if fails(group) {
            return Ok(());
        }
        if files.last().is_none_or(|file| file.path != group[0].path) {
            files.push(FileLine { path: group[0].path.clone(), ..FileLine::default() });
        }
        if let Some(file) = files.last_mut() {
            file.add(group);
        }
        Ok(())
    })?;
    files.sort_by_key(|file| std::cmp::Reverse(file.worst));
    files.into_iter().try_for_each(|file| file.write(paint, out))
}

/// What one file's line of `write_per_file` counts.
#[derive(Default)]
struct FileLine {
    path: String,
    worst: Option<Severity>,
    contexts: Vec<&'static str>,
    by_rule: Vec<(String, usize)>,
    findings: usize,
    tokens: usize,
}

impl FileLine {
    fn add(&mut self, group: &[&Finding]) {
        self.tokens += 1;
        for finding in group {
            self.findings += 1;
            self.worst = self.worst.max(Some(finding.severity));
            let context = finding.context.as_str();
            if !self.contexts.contains(&context) {
                self.contexts.push(context);
            }
            match self.by_rule.iter_mut().find(|(rule, _)| *rule == finding.rule) {
                Some((_, count)) => *count += 1,
                None => self.by_rule.push((finding.rule.clone(), 1)),
            }
        }
    }

    fn write(mut self, paint: Paint, out: &mut dyn Write) -> std::io::Result<()> {
        self.contexts.sort_unstable();
        self.by_rule.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let rules: Vec<String> = self.by_rule.iter().map(|(rule, count)| format!("{count} {rule}")).collect();
        let worst = self.worst.unwrap_or(Severity::Info);
        writeln!(
            out,
            "  {} {} [{}]: {} {}, {} {} ({})",
            paint.severity(worst, &format!("{:<8}", worst.as_str())),
            paint.apply("1", &escape_visible(&self.path)),
            self.contexts.join(", "),
            self.findings,
            plural(self.findings as u64, "finding", "findings"),
            self.tokens,
            plural(self.tokens as u64, "token", "tokens"),
            escape_visible(&rules.join(", ")),
        )
    }
}

/// `--statistics`: findings per rule (rows) and context (columns), as linters print them.
fn write_statistics(
    statistics: &std::collections::BTreeMap<String, super::ContextCounts>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let width = statistics.keys().map(|rule| rule.chars().count()).max().unwrap_or(0).max("rule".len());
    write!(out, "{:<width$}", "rule")?;
    for context in Context::ALL {
        write!(out, "  {:>9}", context.as_str())?;
    }
    writeln!(out, "  {:>9}", "total")?;
    let mut totals = super::ContextCounts::default();
    for (rule, counts) in statistics {
        write!(out, "{:<width$}", escape_visible(rule))?;
        for context in Context::ALL {
            write!(out, "  {:>9}", counts.get(context))?;
            for _ in 0..counts.get(context) {
                totals.add(context);
            }
        }
        writeln!(out, "  {:>9}", counts.total())?;
    }
    write!(out, "{:<width$}", "total")?;
    for context in Context::ALL {
        write!(out, "  {:>9}", totals.get(context))?;
    }
    writeln!(out, "  {:>9}", totals.total())
}

fn write_group(group: &[&Finding], settings: &Settings, paint: Paint, out: &mut dyn Write) -> std::io::Result<()> {
    let Some(first) = group.first() else { return Ok(()) };
    // History findings read like `git log --oneline`: `abc1234 path:line:col`.
    if let Some(commit) = &first.commit {
        let short: String = commit.chars().take(7).collect();
        write!(out, "{} ", paint.apply("33", &escape_visible(&short)))?;
    }
    let location = format!("{}:{}:{}", escape_visible(&first.location()), first.line, first.column);
    write!(out, "{}", paint.apply("1", &location))?;
    write!(out, "  {}", paint.apply("2", &escape_visible(&first.token)))?;
    if let Some(Value::Array(chain)) = first.evidence.get("encoding") {
        let names: Vec<&str> = chain.iter().filter_map(Value::as_str).collect();
        write!(out, "  {}", paint.apply("2", &format!("(in {})", escape_visible(&names.join(" > ")))))?;
    }
    // The allowlist value, ready to copy into `[allowlist] tokens`.
    writeln!(out, "  {}", paint.apply("2", &format!("token_sha256 {}", first.token_sha256)))?;
    // Once per occurrence, here: only this report shows them.
    if let Some(details) = first.compact.as_ref().and_then(|whole| TokenDetails::of(&whole.0, settings)) {
        writeln!(out, "    {}  {}", paint.apply("2", "header"), escape_visible(&details.header))?;
        if let Some(note) = details.payload_note {
            writeln!(out, "    {}  {note}", paint.apply("2", "claims"))?;
        } else if !details.claims.is_empty() {
            let shown: Vec<String> =
                details.claims.iter().map(|(name, value)| format!("{name}: {}", escape_visible(value))).collect();
            writeln!(out, "    {}  {}", paint.apply("2", "claims"), shown.join(" · "))?;
        }
        if !details.claim_names.is_empty() {
            let names: Vec<Cow<'_, str>> = details.claim_names.iter().map(|name| escape_visible(name)).collect();
            writeln!(out, "    {}   {}", paint.apply("2", "names"), names.join(", "))?;
        }
    }
    let reason = first.evidence.get("context_reason").and_then(Value::as_str).unwrap_or_default();
    writeln!(out, "    {} {} ({})", paint.apply("2", "context"), first.context, escape_visible(reason))?;
    if let Some(product) = first.evidence.get("product").and_then(Value::as_str) {
        writeln!(out, "    {} {}", paint.apply("2", "product"), escape_visible(product))?;
    }
    if let Some(why) = group.iter().find_map(|finding| finding.evidence.get("verdict_reason").and_then(Value::as_str)) {
        writeln!(out, "    {}   {}", paint.apply("2", "fails"), escape_visible(why))?;
    }
    if let Some((outcome, reason)) = verification(first) {
        let style = match outcome {
            "live" => "1;31",
            "unknown" => "33",
            _ => "32",
        };
        writeln!(
            out,
            "    {}  {} ({})",
            paint.apply("2", "verify"),
            paint.apply(style, outcome),
            escape_visible(reason)
        )?;
    }
    let rule_width = group.iter().map(|finding| finding.rule.chars().count()).max().unwrap_or(0);
    for finding in group {
        let severity = format!("{:<8}", finding.severity.as_str());
        let rule = format!("{:<rule_width$}", escape_visible(&finding.rule));
        write!(
            out,
            "    {}  {}  {}",
            paint.severity(finding.severity, &severity),
            rule,
            escape_visible(&finding.message)
        )?;
        let evidence = evidence_summary(&finding.evidence);
        if !evidence.is_empty() {
            write!(out, "  {}", paint.apply("2", &format!("({})", escape_visible(&evidence))))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// The `--verify` outcome and reason of a finding's token.
fn verification(finding: &Finding) -> Option<(&str, &str)> {
    let verification = finding.evidence.get("verification")?;
    Some((verification.get("outcome")?.as_str()?, verification.get("reason")?.as_str()?))
}

/// `key: value, …` with strings unquoted and every value cut short.
fn evidence_summary(evidence: &Map<String, Value>) -> String {
    let mut text = String::new();
    // The encoding chain, the context, the product and why it fails are the occurrence's, shown
    // once above; the verification outcome has its own line.
    for (key, value) in evidence.iter().filter(|(key, _)| {
        !matches!(key.as_str(), "encoding" | "context_reason" | "product" | "verification" | "verdict_reason")
    }) {
        if !text.is_empty() {
            text.push_str(", ");
        }
        let shown = match value {
            Value::String(string) => truncate(string, MAX_EVIDENCE_CHARS),
            other => truncate(&other.to_string(), MAX_EVIDENCE_CHARS),
        };
        let _ = write!(text, "{key}: {shown}");
    }
    text
}

fn summary_line(report: &Report, paint: Paint) -> String {
    let summary = &report.summary;
    let messages = match summary.messages_scanned {
        0 => String::new(),
        count => format!(", {count} {}", plural(count, "message", "messages")),
    };
    let totals = format!(
        "{} {}{messages}, {} {}, {} skipped, {} {}, {} ms",
        summary.files_scanned,
        plural(summary.files_scanned, "file", "files"),
        summary.tokens,
        plural(summary.tokens, "token", "tokens"),
        summary.skipped,
        summary.errors,
        plural(summary.errors, "error", "errors"),
        summary.elapsed_ms,
    );
    let totals = match &summary.verification {
        Some(counts) => format!(
            "{totals}; verified: {} live, {} dead, {} invalid, {} unknown",
            counts.live, counts.dead, counts.invalid, counts.unknown
        ),
        None => totals,
    };
    if report.findings.is_empty() {
        return format!("{} ({totals}){}", paint.apply("1;32", "no findings"), held_back(summary));
    }
    let mut counts = [0u64; Severity::ALL.len()];
    // Report order is by path: each path's findings follow each other.
    let mut files_with_findings = 0;
    let mut last_path: Option<String> = None;
    for finding in report.findings.iter().map_while(Result::ok) {
        if let Some(count) = counts.get_mut(finding.severity as usize) {
            *count += 1;
        }
        if last_path.as_deref() != Some(finding.path.as_str()) {
            files_with_findings += 1;
            last_path = Some(finding.path.clone());
        }
    }
    let by_severity: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .filter_map(|&severity| {
            let count = counts.get(severity as usize).copied().unwrap_or(0);
            (count > 0).then(|| paint.severity(severity, &format!("{count} {severity}")))
        })
        .collect();
    let count = report.findings.len() as u64;
    let failing = summary.failing;
    let failing = if failing > 0 {
        paint.apply("1;31", &format!("{failing} failing the run")).into_owned()
    } else {
        paint.apply("1;32", "none failing the run").into_owned()
    };
    format!(
        "{} ({}), {failing}, in {files_with_findings} of {totals}{}",
        paint.apply("1", &format!("{count} {}", plural(count, "finding", "findings"))),
        by_severity.join(", "),
        held_back(summary),
    )
}

/// `; held back: 2 baseline, 1 inline ignore`, or nothing.
fn held_back(summary: &super::Summary) -> String {
    let held = &summary.held_back;
    let parts: Vec<String> = [
        (held.allowlist, "allowlist"),
        (held.baseline, "baseline"),
        (held.min_severity, "below --min-severity"),
        (held.inline_ignore, "inline ignore"),
        (held.context_policy, "context policy"),
    ]
    .iter()
    .filter(|(count, _)| *count > 0)
    .map(|(count, why)| format!("{count} {why}"))
    .collect();
    if parts.is_empty() { String::new() } else { format!("; held back: {}", parts.join(", ")) }
}

fn plural(count: u64, one: &'static str, many: &'static str) -> &'static str {
    if count == 1 { one } else { many }
}

/// ANSI styling, or nothing when colour is off.
#[derive(Clone, Copy)]
pub(crate) struct Paint(pub bool);

impl Paint {
    pub(crate) fn apply<'t>(self, style: &str, text: &'t str) -> Cow<'t, str> {
        if self.0 { Cow::Owned(format!("\x1b[{style}m{text}\x1b[0m")) } else { Cow::Borrowed(text) }
    }

    pub(crate) fn severity(self, severity: Severity, text: &str) -> String {
        let style = match severity {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "34",
        };
        self.apply(style, text).into_owned()
    }
}

/// Shows terminal control characters and bidirectional overrides as visible escapes (`\x1b`,
/// `\u{202e}`), so scanned text can neither drive the terminal nor reorder what is shown, and a
/// reader can still see what the file holds.
pub fn escape_visible(text: &str) -> Cow<'_, str> {
    crate::escape::terminal(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Summary;

    const UNSIGNED: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.";

    fn render(report: &Report, color: bool) -> String {
        let settings = Settings { color, ..Settings::default() };
        let mut out = Vec::new();
        write(report, &settings, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn report_of(text: &str) -> Report<'static> {
        report_with(crate::scan_text(text, &Settings::default()))
    }

    fn report_with(findings: Vec<Finding>) -> Report<'static> {
        Report {
            summary: Summary {
                files_scanned: 1,
                tokens: 1,
                findings: findings.len() as u64,
                failing: findings.iter().filter(|finding| finding.fails).count() as u64,
                ..Summary::default()
            },
            findings: findings.into(),
            problems: Vec::new(),
        }
    }

    #[test]
    fn prints_each_occurrence_once_with_its_rules_worst_first() {
        let text = render(&report_of(&format!("x\n  {UNSIGNED}\n")), false);
        assert_eq!(
            text,
            "input:2:3  eyJhbGciOiJub25lIn0.eyJzdWIi….[redacted]  token_sha256 \
             dc8d4e4a385192fbff2a1495073d1d6c1c9a66a7e4fbf5852442ad0f9b9fe65b\n    header  {\"alg\":\"none\"}\n    \
             claims  sub: 1\n    names   sub\n    context source (no test, docs, example, vendor or generated marker)\n    \
             fails   source: code that ships counts toward --fail-on\n    critical  alg-none      token is unsigned (alg \"none\")  (alg: none, signature_bytes: 0)\n    \
             high      leaked-token  none JWS token is committed  (alg: none)\n    medium    no-expiry     none token has \
             no expiry (exp)  (exp: missing)\n\n3 findings (1 critical, 1 high, 1 medium), 3 failing the run, in 1 of 1 \
             file, 1 token, 0 skipped, 0 errors, 0 ms\n"
        );
    }

    #[test]
    fn says_no_findings_when_there_are_none() {
        let report = Report { summary: Summary { files_scanned: 3, ..Summary::default() }, ..Report::default() };
        assert_eq!(render(&report, false), "no findings (3 files, 0 tokens, 0 skipped, 0 errors, 0 ms)\n");
    }

    #[test]
    fn control_characters_from_scanned_content_are_shown_escaped() {
        let mut findings = crate::scan_text(UNSIGNED, &Settings::default());
        for finding in &mut findings {
            finding.path = "evil\x1b[2J\u{202e}.txt".to_string();
            finding.evidence.insert("kid".to_string(), Value::String("\x1b]0;pwned\x07".to_string()));
        }
        let text = render(&report_with(findings), false);
        assert!(!text.contains('\x1b') && !text.contains('\u{202e}') && !text.contains('\x07'), "{text:?}");
        assert!(text.contains("evil\\x1b[2J\\u{202e}.txt:1:1"), "{text}");
        assert!(text.contains("kid: \\x1b]0;pwned\\x07)"), "{text}");
    }

    #[test]
    fn colours_only_when_enabled() {
        let report = report_of(UNSIGNED);
        assert!(!render(&report, false).contains('\x1b'));
        assert!(render(&report, true).contains("\x1b[1;31mcritical"));
    }

    #[test]
    fn the_same_token_at_the_same_place_in_two_commits_is_two_groups() {
        let mut findings = crate::scan_text(UNSIGNED, &Settings::default());
        let mut other = findings.clone();
        for finding in &mut other {
            finding.commit = Some("b".repeat(40));
        }
        findings.extend(other);
        let text = render(&report_with(findings), false);
        assert_eq!(text.matches("input:1:1").count(), 2, "{text}");
        assert!(text.contains("bbbbbbb input:"), "{text}");
    }

    #[test]
    fn a_failing_token_that_repeats_is_one_block_listing_its_places() {
        let mut findings = Vec::new();
        for path in ["a.env", "b.env", "c.env"] {
            findings.extend(crate::scan_text_at(path, UNSIGNED, &Settings::default()));
        }
        findings.sort_by(crate::finding::report_order);
        let text = render(&report_with(findings), false);
        assert_eq!(text.matches("token_sha256").count(), 1, "{text}");
        assert!(text.contains("also at 2 more places: b.env:1:1 [source], c.env:1:1 [source]\n"), "{text}");
    }

    #[test]
    fn files_that_do_not_fail_are_listed_most_severe_first_with_the_severity() {
        // Expired, signed with no known secret: low findings only.
        let sample = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAwOTAwLCJlbWFpbCI6ImFkYUBsb3ZlbGFjZS5pbyJ9.75sr1mHve1h0rVmeLFIxWnt722VhCEk93Gn-_y1FR5c";
        let mut findings = crate::scan_text_at("docs/a.md", sample, &Settings::default());
        findings.extend(crate::scan_text_at("tests/z.txt", UNSIGNED, &Settings::default()));
        findings.sort_by(crate::finding::report_order);
        let text = render(&report_with(findings), false);
        let critical = text.find("  critical tests/z.txt [test]").unwrap_or_else(|| panic!("{text}"));
        let low = text.find("  low      docs/a.md [docs]").unwrap_or_else(|| panic!("{text}"));
        assert!(critical < low, "{text}");
    }
}
