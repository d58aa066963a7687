//! `--format github`: GitHub Actions workflow commands, one annotation per token occurrence (its
//! most severe rule as the title, the others in the message), plus a Markdown table of every
//! finding in the job summary when `GITHUB_STEP_SUMMARY` is set, failing and most severe first.
//!
//! GitHub shows at most 10 error, 10 warning and 10 notice annotations per step and drops the
//! rest unseen, so the most severe occurrences go first, each level stops at its cap, and one
//! last notice says how many more the job summary lists.
//!
//! Everything printed comes partly from scanned files (paths, claim values in messages), and the
//! runner treats any output line starting with `::` as a command. So every property and message
//! is escaped: CR and LF can never end the annotation line early, and `:` and `,` cannot end a
//! property. Each finding is exactly one line that starts with `::error`, `::warning` or `::notice`.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use super::Report;
use crate::config::Settings;
use crate::finding::Finding;
use crate::severity::Severity;

/// The job summary accepts 1 MiB per step; the table stops well before that, by rows and by bytes
/// (punctuation written as entities makes a row up to five times its text).
const MAX_SUMMARY_ROWS: usize = 1_000;
const MAX_SUMMARY_BYTES: usize = 1_000_000;
/// Longest table cell, in characters, so one odd claim value cannot flood the summary.
const MAX_CELL_CHARS: usize = 300;
/// Annotations GitHub shows per step and level; one notice is kept for the "more" line.
pub const MAX_ERRORS: usize = 10;
pub const MAX_WARNINGS: usize = 10;
pub const MAX_NOTICES: usize = 9;

pub fn write(report: &Report, settings: &Settings, out: &mut dyn Write) -> std::io::Result<()> {
    let _ = settings;
    let cwd = std::env::current_dir().ok();
    let summary_file = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|path| !path.is_empty());
    let mut shown = Shown::default();
    report.findings.try_for_each_occurrence(|group| {
        shown.offer(group);
        Ok(())
    })?;
    let (mut hidden_occurrences, mut hidden_findings) = (0usize, 0usize);
    for level in 0..3 {
        for group in &shown.kept[level] {
            let group: Vec<&Finding> = group.findings.iter().collect();
            writeln!(out, "{}", annotation(&group, cwd.as_deref()))?;
        }
        hidden_occurrences += shown.groups[level] - shown.kept[level].len();
        hidden_findings +=
            shown.findings[level] - shown.kept[level].iter().map(|group| group.findings.len()).sum::<usize>();
    }
    if hidden_occurrences > 0 {
        let place = if summary_file.is_some() {
            "the job summary lists every finding"
        } else {
            "`--format json` or `--format sarif` lists every finding"
        };
        let message = format!(
            "{hidden_occurrences} more token occurrences ({hidden_findings} findings) are not annotated, as GitHub \
             shows 10 errors and 10 warnings per step; {place}"
        );
        writeln!(out, "::notice title=jwtscan::{}", escape_data(&message))?;
    }
    let summary = &report.summary;
    writeln!(out, "jwtscan: {}", counts(summary))?;
    if let Some(path) = summary_file {
        let appended = std::fs::OpenOptions::new().create(true).append(true).open(&path).and_then(|file| {
            let mut file = std::io::BufWriter::new(file);
            file.write_all(step_summary(report).as_bytes())?;
            file.flush()
        });
        // The annotations are the report; a summary that cannot be written is worth a warning only.
        if let Err(err) = appended {
            eprintln!("jwtscan: warning: cannot append to GITHUB_STEP_SUMMARY {}: {err}", Path::new(&path).display());
        }
    }
    Ok(())
}

/// 0 error, 1 warning, 2 notice.
fn level(severity: Severity) -> usize {
    match severity {
        Severity::Critical | Severity::High => 0,
        Severity::Medium => 1,
        Severity::Low | Severity::Info => 2,
    }
}

/// The token occurrences a report annotates, chosen while its findings stream by (one place's
/// findings at a time, see `Findings::try_for_each_occurrence`) so that only the shown groups are
/// held: the groups most severe first and otherwise in report order, each level up to its cap.
#[derive(Default)]
struct Shown {
    /// Per level, the groups that pass its cap so far.
    kept: [Vec<Group>; 3],
    /// Per level, all groups and all findings seen.
    groups: [usize; 3],
    findings: [usize; 3],
    seen: usize,
}

/// One token occurrence: its findings most severe first, and its rank in report order.
struct Group {
    findings: Vec<Finding>,
    seen: usize,
}

impl Shown {
    /// Takes the next occurrence in report order, its findings most severe first.
    fn offer(&mut self, group: &[&Finding]) {
        let level = level(group[0].severity);
        self.groups[level] += 1;
        self.findings[level] += group.len();
        self.seen += 1;
        let cap = [MAX_ERRORS, MAX_WARNINGS, MAX_NOTICES][level];
        let kept = &mut self.kept[level];
        // A later group ranks after every kept one at least as severe: when the last of a full
        // level is, this one would be cut at once.
        if kept.len() == cap && kept.last().is_some_and(|last| last.findings[0].severity >= group[0].severity) {
            return;
        }
        kept.push(Group { findings: group.iter().map(|&finding| finding.clone()).collect(), seen: self.seen });
        kept.sort_by_key(|group| (std::cmp::Reverse(group.findings[0].severity), group.seen));
        kept.truncate(cap);
    }
}

/// The workflow command for one token occurrence: `group` holds its findings, most severe first.
pub fn annotation(group: &[&Finding], cwd: Option<&Path>) -> String {
    let finding = group[0];
    // By severity when its context counts toward failing the run, a notice otherwise.
    let command = if finding.counts { ["error", "warning", "notice"][level(finding.severity)] } else { "notice" };
    let mut line = format!("::{command} file={}", escape_property(&annotation_path(&finding.path, cwd)));
    let _ = write!(line, ",line={},endLine={}", finding.line, finding.end_line);
    // GitHub only honours columns on single-line annotations.
    if finding.line == finding.end_line {
        let _ = write!(line, ",col={},endColumn={}", finding.column, finding.end_column);
    }
    let title = format!("jwtscan {} ({})", finding.rule, finding.severity);
    let _ = write!(line, ",title={}::", escape_property(&title));
    let mut message = finding.message.clone();
    if group.len() > 1 {
        let others: Vec<String> =
            group[1..].iter().map(|other| format!("{} ({})", other.rule, other.severity)).collect();
        let _ = write!(message, "\nalso: {}", others.join(", "));
    }
    let _ = write!(message, "\ntoken: {}", finding.token);
    if !finding.counts {
        let _ = write!(message, "\ncontext: {} (does not fail the run)", finding.context);
    }
    if let Some(verification) = finding.evidence.get("verification") {
        let field = |name: &str| verification.get(name).and_then(serde_json::Value::as_str).unwrap_or_default();
        let _ = write!(message, "\nverified: {} ({})", field("outcome"), field("reason"));
    }
    if let Some(commit) = &finding.commit {
        let _ = write!(message, "\ncommit: {commit}");
    }
    // Annotations attach to the file in the checkout; the member inside it is named here.
    if !finding.member.is_empty() {
        let _ = write!(message, "\nin: {}", finding.location());
    }
    line.push_str(&escape_data(&message));
    line
}

/// Annotations attach to repository-relative paths; the action runs from the checkout root.
fn annotation_path(path: &str, cwd: Option<&Path>) -> String {
    let native = Path::new(path);
    if native.is_absolute()
        && let Some(relative) = cwd.and_then(|cwd| native.strip_prefix(cwd).ok())
        && !relative.as_os_str().is_empty()
    {
        return relative.to_string_lossy().replace('\\', "/");
    }
    path.strip_prefix("./").unwrap_or(path).to_string()
}

/// The runner's escaping for a command's message.
pub fn escape_data(text: &str) -> String {
    crate::escape::workflow_data(text)
}

/// The runner's escaping for a command's property values: as data, plus the separators.
pub fn escape_property(text: &str) -> String {
    crate::escape::workflow_property(text)
}

/// A Markdown section for the job summary: counts and one table row per finding.
pub fn step_summary(report: &Report) -> String {
    let summary = &report.summary;
    let mut text = String::from("### jwtscan\n\n");
    let _ = writeln!(text, "{}.\n", counts(summary));
    if report.findings.is_empty() {
        return text;
    }
    text.push_str("| Severity | Context | Rule | Location | Message |\n| --- | --- | --- | --- | --- |\n");
    // Failing findings first, most severe first, report order among equals: the rows a reader
    // acts on lead, and the cap cuts the least important. Only the rows that can be shown are kept.
    let mut rows: Vec<(RowRank, String)> = Vec::new();
    for (index, finding) in report.findings.iter().map_while(Result::ok).enumerate() {
        let location = format!("{}:{}:{}", finding.location(), finding.line, finding.column);
        let row = format!(
            "| {} | {} | {} | {} | {} |\n",
            finding.severity,
            finding.context,
            markdown_cell(&finding.rule),
            markdown_cell(&location),
            markdown_cell(&finding.message)
        );
        rows.push(((!finding.fails, std::cmp::Reverse(finding.severity), index), row));
        if rows.len() >= 2 * MAX_SUMMARY_ROWS {
            rows.sort_unstable_by_key(|(key, _)| *key);
            rows.truncate(MAX_SUMMARY_ROWS);
        }
    }
    rows.sort_unstable_by_key(|(key, _)| *key);
    rows.truncate(MAX_SUMMARY_ROWS);
    let mut listed = 0;
    for (_, row) in rows {
        if text.len() + row.len() > MAX_SUMMARY_BYTES {
            break;
        }
        text.push_str(&row);
        listed += 1;
    }
    if report.findings.len() > listed {
        let _ = writeln!(
            text,
            "\n{} more findings are not listed here (the summary holds at most {MAX_SUMMARY_ROWS} rows and 1 MiB); \
             `--format json` has them all.",
            report.findings.len() - listed
        );
    }
    text.push('\n');
    text
}

/// Where a job summary row goes: not failing after failing, then most severe, then report order.
type RowRank = (bool, std::cmp::Reverse<Severity>, usize);

/// `3 findings (2 failing the run) in 1 file (1 token, 0 skipped, 0 errors)`: the closing line of
/// the annotations, the job summary's and the JUnit report's.
pub fn counts(summary: &super::Summary) -> String {
    let noun = |count: u64, one: &str, many: &str| format!("{count} {}", if count == 1 { one } else { many });
    format!(
        "{} ({} failing the run) in {} ({}, {} skipped, {})",
        noun(summary.findings, "finding", "findings"),
        summary.failing,
        noun(summary.files_scanned, "file", "files"),
        noun(summary.tokens, "token", "tokens"),
        summary.skipped,
        noun(summary.errors, "error", "errors"),
    )
}

/// One table cell (see `escape::markdown`).
pub fn markdown_cell(text: &str) -> String {
    crate::escape::markdown(text, MAX_CELL_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escaping_keeps_commands_on_one_line() {
        assert_eq!(escape_data("a%b\r\n::add-mask::x"), "a%25b%0D%0A::add-mask::x");
    }

    #[test]
    fn property_escaping_also_covers_separators() {
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn cells_cannot_break_the_table_or_inject_markup() {
        let cell = markdown_cell("a|b\nc<img src=x>[l](u)");
        assert_eq!(cell, "a&#124;b<br>c&#60;img src=x&#62;&#91;l&#93;&#40;u&#41;");
    }

    #[test]
    fn long_cells_are_cut() {
        assert_eq!(markdown_cell(&"x".repeat(1000)).chars().count(), MAX_CELL_CHARS + 1);
    }

    #[cfg(unix)]
    #[test]
    fn absolute_paths_under_the_working_folder_are_made_relative() {
        let cwd = Path::new("/repo");
        assert_eq!(annotation_path("/repo/a/b.env", Some(cwd)), "a/b.env");
        assert_eq!(annotation_path("./a.env", Some(cwd)), "a.env");
    }
}
