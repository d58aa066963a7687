//! `--format junit`: a JUnit XML test report, which Jenkins, GitLab, Azure DevOps, CircleCI and
//! most CI systems show as test results. Each file with findings that fail the run is a test
//! suite named by its path, and each such finding one failed test case in it. Findings that do
//! not fail the run are not tests. A run where nothing fails is one passing test case, so a CI
//! that reads the report sees a pass rather than an empty report.
//!
//! Two passes over the findings (which may be on disk): the first counts the failing findings per
//! file, which each `<testsuite>` states before its test cases, the second writes them. Only the
//! per-file counts are held.

use std::collections::HashMap;
use std::io::Write;

use super::Report;
use crate::config::Settings;
use crate::finding::Finding;

pub fn write(report: &Report, settings: &Settings, out: &mut dyn Write) -> std::io::Result<()> {
    let _ = settings;
    let mut per_file: HashMap<String, u64> = HashMap::new();
    report.findings.try_for_each(|finding| {
        if finding.fails {
            *per_file.entry(finding.path.clone()).or_default() += 1;
        }
        Ok(())
    })?;
    let failing: u64 = per_file.values().sum();
    let seconds = format!("{:.3}", report.summary.elapsed_ms as f64 / 1000.0);
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="jwtscan" tests="{}" failures="{failing}" errors="0" time="{seconds}">"#,
        failing.max(1)
    )?;
    if failing == 0 {
        writeln!(
            out,
            r#"  <testsuite name="jwtscan" tests="1" failures="0" errors="0" skipped="0" time="{seconds}">"#
        )?;
        writeln!(out, r#"    <testcase name="no finding fails the run" classname="jwtscan" time="{seconds}"/>"#)?;
    }
    let mut open: Option<String> = None;
    report.findings.try_for_each(|finding| {
        if !finding.fails {
            return Ok(());
        }
        if open.as_deref() != Some(finding.path.as_str()) {
            if open.is_some() {
                writeln!(out, "  </testsuite>")?;
            }
            let count = per_file.get(&finding.path).copied().unwrap_or_default();
            writeln!(
                out,
                r#"  <testsuite name="{}" tests="{count}" failures="{count}" errors="0" skipped="0" time="0">"#,
                attribute(&finding.path)
            )?;
            open = Some(finding.path.clone());
        }
        write_case(finding, out)
    })?;
    if open.is_some() || failing == 0 {
        if failing == 0 {
            write_system_out(report, out)?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// One failing finding as a failed test case: what and where in the attributes, the detail a
/// reader needs to act on it in the body. The token is the report's redacted form.
fn write_case(finding: &Finding, out: &mut dyn Write) -> std::io::Result<()> {
    let name = format!("{} at line {}, column {}", finding.rule, finding.line, finding.column);
    let mut detail = format!(
        "{}:{}:{}\nrule: {} ({})\ncontext: {}\ntoken: {}\ntoken_sha256: {}\nfingerprint: {}\n",
        finding.path,
        finding.line,
        finding.column,
        finding.rule,
        finding.severity,
        finding.context,
        finding.token,
        finding.token_sha256,
        finding.fingerprint
    );
    if let Some(commit) = &finding.commit {
        detail.push_str(&format!("commit: {commit}\n"));
    }
    detail.push_str(&format!("help: jwtscan rules {}\n", finding.rule));
    writeln!(
        out,
        r#"    <testcase name="{}" classname="{}" file="{}" line="{}" time="0">"#,
        attribute(&name),
        attribute(&finding.path),
        attribute(&finding.path),
        finding.line
    )?;
    writeln!(
        out,
        r#"      <failure message="{}" type="{}">{}</failure>"#,
        attribute(&format!("{} {}: {}", finding.severity, finding.rule, finding.message)),
        finding.severity,
        text(&detail)
    )?;
    writeln!(out, "    </testcase>")
}

/// The summary line and the warnings, for a run without failing findings.
fn write_system_out(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let mut body = format!("{}\n", super::github::counts(&report.summary));
    for problem in &report.problems {
        body.push_str(&format!("warning: {problem}\n"));
    }
    writeln!(out, "    <system-out>{}</system-out>", text(&body))
}

/// Text for an attribute value: markup and both quotes escaped, line breaks kept as references.
fn attribute(value: &str) -> String {
    escape(value, true)
}

/// Text for element content.
fn text(value: &str) -> String {
    escape(value, false)
}

/// XML 1.0 escaping. Characters XML 1.0 cannot hold at all (most C0 controls, U+FFFE, U+FFFF)
/// come from hostile file names or claims: they are written as visible `\u{…}` text, so the
/// document stays well-formed and the name stays recognisable.
fn escape(value: &str, in_attribute: bool) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' if in_attribute => escaped.push_str("&quot;"),
            '\'' if in_attribute => escaped.push_str("&apos;"),
            '\n' if in_attribute => escaped.push_str("&#10;"),
            '\r' => escaped.push_str("&#13;"),
            '\t' if in_attribute => escaped.push_str("&#9;"),
            '\t' | '\n' => escaped.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {
                escaped.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_quotes_and_controls_cannot_break_the_document() {
        assert_eq!(attribute("a<b>&\"c'\n"), "a&lt;b&gt;&amp;&quot;c&apos;&#10;");
        assert_eq!(text("x\u{1b}[31m\u{0}\ty\n"), "x\\u{1b}[31m\\u{0}\ty\n");
        assert_eq!(text("]]>"), "]]&gt;");
    }
}
