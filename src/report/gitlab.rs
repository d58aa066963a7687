//! `--format gitlab`: GitLab's secret-detection report (schema 15.1.0), for `artifacts: reports:
//! secret_detection:`. GitLab shows it in the merge request widget, the pipeline's security tab
//! and the vulnerability report.
//!
//! Written as the findings stream by, one vulnerability at a time, so a report of a million
//! findings holds none of them. Every reported finding is a vulnerability; one whose context does
//! not count (a test fixture, an example) carries GitLab's `flagged-as-likely-false-positive`
//! flag. `raw_source_code_extract` holds the redacted token, never the token: the report is an
//! artifact anyone with access to the pipeline can download.

use std::io::Write;

use serde_json::{Value, json};

use super::Report;
use crate::config::Settings;
use crate::finding::Finding;
use crate::severity::Severity;

pub const VERSION: &str = "15.1.0";
const SCHEMA: &str = "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v15.1.0/dist/secret-detection-report-format.json";
/// GitLab's own analyzers give this commit to findings of a work tree scan (no commit known).
const NO_COMMIT: &str = "0000000";
/// `solution` is at most 7,000 characters and `name` 255 in the schema.
const MAX_SOLUTION_CHARS: usize = 7000;
const MAX_NAME_CHARS: usize = 255;

pub fn write(report: &Report, settings: &Settings, out: &mut dyn Write) -> std::io::Result<()> {
    // `--now` pins the times, as it pins every date in the report.
    let end = settings.now;
    let start = end - (report.summary.elapsed_ms / 1000) as i64;
    let tool = json!({
        "id": "jwtscan",
        "name": "jwtscan",
        "url": env!("CARGO_PKG_REPOSITORY"),
        "vendor": { "name": "jwtscan" },
        "version": env!("CARGO_PKG_VERSION"),
    });
    let messages: Vec<Value> = report
        .problems
        .iter()
        .map(|problem| json!({ "level": "warn", "value": super::escape_visible(&problem.to_string()) }))
        .collect();
    let scan = json!({
        "analyzer": tool,
        "scanner": tool,
        "type": "secret_detection",
        "start_time": timestamp(start),
        "end_time": timestamp(end),
        "status": "success",
        "messages": messages,
    });
    // The envelope is written around the vulnerabilities, which stream.
    write!(out, "{{\"version\":\"{VERSION}\",\"schema\":\"{SCHEMA}\",\"scan\":")?;
    serde_json::to_writer(&mut *out, &scan)?;
    out.write_all(b",\"vulnerabilities\":[")?;
    let mut first = true;
    report.findings.try_for_each(|finding| {
        if !first {
            out.write_all(b",")?;
        }
        first = false;
        serde_json::to_writer(&mut *out, &vulnerability(finding)).map_err(std::io::Error::from)
    })?;
    out.write_all(b"]}\n")
}

/// One finding as a GitLab vulnerability.
pub fn vulnerability(finding: &Finding) -> Value {
    let meta = crate::catalog::meta(&finding.rule);
    let name = meta.map_or_else(|| finding.rule.clone(), |meta| meta.summary.trim().to_string());
    let mut location = json!({
        "file": finding.path,
        "start_line": finding.line,
        "end_line": finding.end_line,
        "commit": { "sha": finding.commit.as_deref().unwrap_or(NO_COMMIT) },
    });
    if finding.commit.is_none() {
        location["commit"]["message"] = json!("work tree: no commit");
    }
    let mut vulnerability = json!({
        "id": vulnerability_id(finding),
        "name": truncate(&name, MAX_NAME_CHARS),
        "description": super::escape_visible(&finding.message),
        "severity": severity(finding.severity),
        "identifiers": [{
            "type": "jwtscan_rule_id",
            "name": format!("jwtscan {}", finding.rule),
            "value": finding.rule,
            "url": format!("{}/blob/main/docs/rules.md#{}", env!("CARGO_PKG_REPOSITORY"), finding.rule),
        }],
        "location": location,
        "raw_source_code_extract": finding.token,
        "details": {
            "token_sha256": { "name": "token_sha256", "type": "text", "value": finding.token_sha256 },
            "fingerprint": { "name": "fingerprint", "type": "text", "value": finding.fingerprint },
            "context": { "name": "context", "type": "text", "value": finding.context.to_string() },
        },
    });
    if let Some(meta) = meta {
        vulnerability["solution"] = json!(truncate(meta.fix.trim(), MAX_SOLUTION_CHARS));
    }
    if !finding.counts {
        vulnerability["flags"] = json!([{
            "type": "flagged-as-likely-false-positive",
            "origin": "jwtscan",
            "description": format!("in {} context, which does not fail the run (docs/triage.md)", finding.context),
        }]);
    }
    vulnerability
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "Info",
        Severity::Low => "Low",
        Severity::Medium => "Medium",
        Severity::High => "High",
        Severity::Critical => "Critical",
    }
}

/// A UUID-shaped id, stable across runs: the fingerprint (rule, path, token) and the place, so
/// two occurrences of one token in one file are two vulnerabilities.
fn vulnerability_id(finding: &Finding) -> String {
    let key = format!(
        "{}\n{}:{}\n{}",
        finding.fingerprint,
        finding.line,
        finding.column,
        finding.commit.as_deref().unwrap_or_default()
    );
    let hex = crate::hex::sha256_hex(key.as_bytes());
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// `YYYY-MM-DDTHH:MM:SS`, as the schema's `start_time` and `end_time` want (UTC, no zone).
fn timestamp(seconds: i64) -> String {
    let text = crate::time::format_time(seconds.clamp(0, 253_402_300_799));
    text.trim_end_matches('Z').to_string()
}

fn truncate(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((end, _)) => text[..end].to_string(),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_no_zone_and_stay_in_range() {
        assert_eq!(timestamp(1_700_000_000), "2023-11-14T22:13:20");
        assert_eq!(timestamp(-5), "1970-01-01T00:00:00");
        assert_eq!(timestamp(i64::MAX), "9999-12-31T23:59:59");
    }

    #[test]
    fn truncation_counts_characters_not_bytes() {
        assert_eq!(truncate("ééé", 2), "éé");
        assert_eq!(truncate("ab", 5), "ab");
    }
}
