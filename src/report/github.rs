//! `--format github`: GitHub Actions workflow commands, one annotation per finding, plus a
//! Markdown table in the job summary when `GITHUB_STEP_SUMMARY` is set.
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

/// The job summary accepts 1 MiB per step; the table stops well before that.
const MAX_SUMMARY_ROWS: usize = 1_000;
/// Longest table cell, in characters, so one odd claim value cannot flood the summary.
const MAX_CELL_CHARS: usize = 300;

pub fn write(report: &Report, settings: &Settings, out: &mut dyn Write) -> std::io::Result<()> {
    let _ = settings;
    let cwd = std::env::current_dir().ok();
    for finding in &report.findings {
        writeln!(out, "{}", annotation(finding, cwd.as_deref()))?;
    }
    let summary = &report.summary;
    writeln!(
        out,
        "jwtscan: {} findings in {} files ({} tokens, {} skipped, {} errors)",
        summary.findings, summary.files_scanned, summary.tokens, summary.skipped, summary.errors
    )?;
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|path| !path.is_empty()) {
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

/// The workflow command for one finding.
pub fn annotation(finding: &Finding, cwd: Option<&Path>) -> String {
    let command = match finding.severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    };
    let mut line = format!("::{command} file={}", escape_property(&annotation_path(&finding.path, cwd)));
    let _ = write!(line, ",line={},endLine={}", finding.line, finding.end_line);
    // GitHub only honours columns on single-line annotations.
    if finding.line == finding.end_line {
        let _ = write!(line, ",col={},endColumn={}", finding.column, finding.end_column);
    }
    let title = format!("jwtscan {} ({})", finding.rule, finding.severity);
    let _ = write!(line, ",title={}::", escape_property(&title));
    let mut message = format!("{}\ntoken: {}", finding.message, finding.token);
    if let Some(verification) = finding.evidence.get("verification") {
        let field = |name: &str| verification.get(name).and_then(serde_json::Value::as_str).unwrap_or_default();
        let _ = write!(message, "\nverified: {} ({})", field("outcome"), field("reason"));
    }
    if let Some(commit) = &finding.commit {
        let _ = write!(message, "\ncommit: {commit}");
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
    escape(text, false)
}

/// The runner's escaping for a command's property values: as data, plus the separators.
pub fn escape_property(text: &str) -> String {
    escape(text, true)
}

fn escape(text: &str, property: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            _ => out.push(c),
        }
    }
    out
}

/// A Markdown section for the job summary: counts and one table row per finding.
pub fn step_summary(report: &Report) -> String {
    let summary = &report.summary;
    let mut text = String::from("### jwtscan\n\n");
    let _ = writeln!(
        text,
        "**{} findings** in {} files ({} tokens, {} skipped, {} errors).\n",
        summary.findings, summary.files_scanned, summary.tokens, summary.skipped, summary.errors
    );
    if report.findings.is_empty() {
        return text;
    }
    text.push_str("| Severity | Rule | Location | Message |\n| --- | --- | --- | --- |\n");
    for finding in report.findings.iter().take(MAX_SUMMARY_ROWS) {
        let location = format!("{}:{}:{}", finding.path, finding.line, finding.column);
        let _ = writeln!(
            text,
            "| {} | {} | {} | {} |",
            finding.severity,
            markdown_cell(&finding.rule),
            markdown_cell(&location),
            markdown_cell(&finding.message)
        );
    }
    if report.findings.len() > MAX_SUMMARY_ROWS {
        let _ = writeln!(
            text,
            "\n{} more findings are not listed here; the annotations and `--format json` have them all.",
            report.findings.len() - MAX_SUMMARY_ROWS
        );
    }
    text.push('\n');
    text
}

/// One table cell: `|` and newlines cannot break the table, and Markdown or HTML from a scanned
/// file renders as the plain characters it is (no links, images or formatting).
pub fn markdown_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut count = 0;
    while let Some(c) = chars.next() {
        count += 1;
        if count > MAX_CELL_CHARS {
            out.push('…');
            break;
        }
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("<br>");
            }
            '\n' => out.push_str("<br>"),
            c if c.is_control() => out.push(char::REPLACEMENT_CHARACTER),
            c if c.is_ascii_punctuation() && !matches!(c, '.' | ',' | '-' | '/' | ':' | '=' | '@') => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
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
