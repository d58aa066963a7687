//! `--format sarif`: a SARIF 2.1.0 log shaped for GitHub code scanning.
//!
//! Every rule is described in `tool.driver.rules` (even with no findings) so code scanning can show
//! help for any alert; results carry the finding fingerprint under a versioned key so alerts survive
//! edits that move lines. GitHub refuses a run over 25,000 results or 10 MB gzipped: past either
//! limit the most severe results are kept and a notification says how many were left out.
//!
//! Locations: a relative path is written as a relative URI (to `%SRCROOT%`, the working folder);
//! an absolute path inside the working folder is made relative to it, since code scanning only
//! places alerts by repository-relative URIs and the action runs from the checkout; any other
//! path (absolute elsewhere, or climbing out with `..`) becomes a `file://` URI, which is never
//! ambiguous. The log is written compact: it is for machines, and compact JSON keeps about twice
//! as many results inside GitHub's size limit as pretty-printed JSON.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Component, Path};

use serde_json::{Map, Value, json};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification, PhysicalLocation,
    PropertyBag, Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run,
    RunAutomationDetails, Sarif, Tool, ToolComponent,
};

use super::Report;
use crate::catalog::{self, RuleMeta};
use crate::collect::Problem;
use crate::config::Settings;
use crate::finding::Finding;
use crate::severity::Severity;

/// The `partialFingerprints` key; bump the version if the fingerprint recipe ever changes.
pub const FINGERPRINT_KEY: &str = "jwtscan/v1";
/// GitHub code scanning rejects runs with more results than this.
pub const MAX_RESULTS: usize = 25_000;
/// GitHub rejects uploads over 10 MB gzipped. Deflate never grows its input by more than 5 bytes
/// per 64 KiB stored block plus an 18-byte gzip frame (under 1 KB for 10 MB), so a log whose
/// uncompressed size stays under this bound is accepted whatever it holds, without a gzip crate.
pub const MAX_BYTES: usize = 9_900_000;
/// Per-file warnings beyond this many are summarised in one notification, keeping the log small.
pub const MAX_NOTIFICATIONS: usize = 1_000;
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SOURCE_ROOT: &str = "%SRCROOT%";
/// Room kept for the notification that reports omitted results (written after sizing).
const OMISSION_NOTE_ROOM: usize = 1024;

/// The limits a log is held to; tests use smaller ones.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_results: usize,
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_results: MAX_RESULTS, max_bytes: MAX_BYTES }
    }
}

pub fn write(report: &Report, settings: &Settings, out: &mut dyn Write) -> std::io::Result<()> {
    let cwd = std::env::current_dir().ok();
    let log = build(report, settings, cwd.as_deref(), Limits::default())?;
    serde_json::to_writer(&mut *out, &log)?;
    writeln!(out)
}

/// Builds the log. `cwd` is the folder relative URIs are relative to.
pub fn build(report: &Report, settings: &Settings, cwd: Option<&Path>, limits: Limits) -> std::io::Result<Sarif> {
    let all_rules = catalog::all();
    let driver = ToolComponent::builder()
        .name(env!("CARGO_PKG_NAME"))
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(all_rules.iter().map(|rule| rule_descriptor(rule, settings)).collect::<Vec<_>>())
        .build();

    let mut notifications = warning_notifications(&report.problems);
    let mut invocation = Invocation::builder().execution_successful(true).build();
    let mut run = Run::builder().tool(Tool::builder().driver(driver).build()).results(Vec::new()).build();
    run.column_kind = Some(json!("unicodeCodePoints"));
    run.automation_details = settings.sarif_category.as_ref().map(|id| RunAutomationDetails::builder().id(id).build());
    run.properties = Some(PropertyBag::builder().additional_properties(summary_properties(report)).build());
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications.clone());
    }
    run.invocations = Some(vec![invocation.clone()]);
    let mut log = Sarif::builder().schema(SCHEMA_URI).version(json!("2.1.0")).runs(vec![run]).build();

    // Severity first, report order among equals: what is kept when a limit bites. The findings
    // may be on disk, so they are read in order, three times: for their severities, for the sizes
    // of the results that may be kept, and for the results kept.
    let mut severities = Vec::with_capacity(report.findings.len());
    report.findings.try_for_each(|finding| {
        severities.push(finding.severity);
        Ok(())
    })?;
    let mut order: Vec<usize> = (0..severities.len()).collect();
    order.sort_by_key(|&index| Reverse(severities[index]));
    order.truncate(limits.max_results);
    let mut sizes: HashMap<usize, usize> = order.iter().map(|&index| (index, 0)).collect();
    let mut index = 0;
    report.findings.try_for_each(|finding| {
        if let Some(size) = sizes.get_mut(&index) {
            // One more byte for the comma between array elements.
            *size = serialized_len(&sarif_result(finding, all_rules, cwd)) + 1;
        }
        index += 1;
        Ok(())
    })?;
    let base = serialized_len(&log) + OMISSION_NOTE_ROOM;
    let mut budget = limits.max_bytes.saturating_sub(base);
    let mut keep = vec![false; severities.len()];
    for index in order {
        let size = sizes.get(&index).copied().unwrap_or(usize::MAX);
        if size > budget {
            break;
        }
        budget -= size;
        keep[index] = true;
    }
    let mut kept: Vec<SarifResult> = Vec::new();
    let mut index = 0;
    report.findings.try_for_each(|finding| {
        if keep[index] {
            kept.push(sarif_result(finding, all_rules, cwd));
        }
        index += 1;
        Ok(())
    })?;

    let omitted = report.findings.len() - kept.len();
    if omitted > 0 {
        notifications.push(notification(
            "warning",
            format!(
                "{omitted} of {total} findings are not in this SARIF log: GitHub code scanning accepts at most \
                 {max_results} results per run and 10 MB per upload (this log stays under {max_bytes} bytes \
                 uncompressed), so the most severe were kept. `--format json` writes them all.",
                total = report.findings.len(),
                max_results = limits.max_results,
                max_bytes = limits.max_bytes,
            ),
        ));
        invocation.tool_execution_notifications = Some(notifications);
        if let Some(properties) = log.runs[0].properties.as_mut() {
            properties.additional_properties.insert("omittedResults".to_string(), json!(omitted));
        }
    }
    let run = &mut log.runs[0];
    run.invocations = Some(vec![invocation]);
    run.results = Some(kept);
    Ok(log)
}

fn rule_descriptor(rule: &RuleMeta, settings: &Settings) -> ReportingDescriptor {
    let severity = settings.severity_overrides.get(&rule.id).copied().unwrap_or(rule.severity);
    let mut configuration = ReportingConfiguration::builder().level(json!(level_name(severity))).build();
    if settings.disabled_rules.contains(&rule.id) {
        configuration.enabled = Some(false);
    }
    // GitHub only reads security-severity on rules tagged `security`.
    let mut tags = vec!["security".to_string()];
    tags.extend(rule.tags.iter().filter(|tag| tag.as_str() != "security").cloned());
    let mut properties = BTreeMap::new();
    properties.insert("precision".to_string(), json!(rule.precision));
    properties.insert("security-severity".to_string(), json!(security_severity(severity)));
    ReportingDescriptor::builder()
        .id(&rule.id)
        .name(&rule.name)
        .short_description(MultiformatMessageString::builder().text(&rule.summary).build())
        .full_description(MultiformatMessageString::builder().text(format!("{} {}", rule.what, rule.why)).build())
        .help(MultiformatMessageString::builder().text(help_text(rule)).markdown(rule.help_markdown()).build())
        .default_configuration(configuration)
        .properties(PropertyBag::builder().tags(tags).additional_properties(properties).build())
        .build()
}

fn help_text(rule: &RuleMeta) -> String {
    let mut text =
        format!("What it does:\n{}\n\nWhy is this bad:\n{}\n\nHow to fix:\n{}\n", rule.what, rule.why, rule.fix);
    if !rule.references.is_empty() {
        text.push_str("\nReferences:\n");
        for reference in &rule.references {
            text.push_str(&format!("- {reference}\n"));
        }
    }
    text
}

/// critical and high → error, medium → warning, low and info → note.
pub fn level_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn result_level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

/// GitHub's bands: 9.0+ critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low. `info` gets the
/// lowest low score rather than 0.0, which GitHub would show as no severity at all.
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.1",
    }
}

fn sarif_result(finding: &Finding, all_rules: &[RuleMeta], cwd: Option<&Path>) -> SarifResult {
    let (uri, relative) = artifact_uri(&finding.path, cwd);
    let mut artifact = ArtifactLocation::builder().uri(uri).build();
    if relative {
        artifact.uri_base_id = Some(SOURCE_ROOT.to_string());
    }
    let start_line = position(finding.line);
    let region = Region::builder()
        .start_line(start_line)
        .start_column(position(finding.column))
        .end_line(position(finding.end_line).max(start_line))
        .end_column(position(finding.end_column))
        .build();
    let location = Location::builder()
        .physical_location(PhysicalLocation::builder().artifact_location(artifact).region(region).build())
        .build();
    let mut properties = BTreeMap::new();
    properties.insert("severity".to_string(), json!(finding.severity));
    properties.insert("context".to_string(), json!(finding.context));
    properties.insert("token".to_string(), json!(finding.token));
    properties.insert("token_sha256".to_string(), json!(finding.token_sha256));
    if !finding.evidence.is_empty() {
        properties.insert("evidence".to_string(), Value::Object(finding.evidence.clone()));
    }
    if let Some(commit) = &finding.commit {
        properties.insert("commit".to_string(), json!(commit));
    }
    // The physical location is the file a viewer can open; the member inside it is named in the
    // message and here.
    let message = if finding.member.is_empty() {
        crate::escape::sarif(&finding.message)
    } else {
        properties.insert("member".to_string(), json!(finding.member));
        let text = format!("{} (in {})", finding.message, finding.location());
        std::borrow::Cow::Owned(crate::escape::sarif(&text).into_owned())
    };
    let mut result = SarifResult::builder()
        .rule_id(&finding.rule)
        .level(if finding.counts { result_level(finding.severity) } else { ResultLevel::Note })
        .message(Message::builder().text(message).build())
        .locations(vec![location])
        .partial_fingerprints(BTreeMap::from([(FINGERPRINT_KEY.to_string(), finding.fingerprint.clone())]))
        .properties(
            PropertyBag::builder()
                .tags(vec![format!("context/{}", finding.context)])
                .additional_properties(properties)
                .build(),
        )
        .build();
    result.rule_index = all_rules.iter().position(|rule| rule.id == finding.rule).map(|index| index as i64);
    result
}

/// SARIF lines and columns start at 1; a finding never has 0, but the schema must hold whatever.
fn position(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX).max(1)
}

fn summary_properties(report: &Report) -> BTreeMap<String, Value> {
    let summary = serde_json::to_value(&report.summary).unwrap_or_else(|_| Value::Object(Map::new()));
    BTreeMap::from([("summary".to_string(), summary)])
}

fn warning_notifications(warnings: &[Problem]) -> Vec<Notification> {
    let mut notifications: Vec<Notification> = warnings
        .iter()
        .take(MAX_NOTIFICATIONS)
        .map(|warning| {
            // Skips are expected (size limit, symlinks); anything else is a file the scan could not read.
            let level = if matches!(warning, Problem::Skipped { .. }) { "note" } else { "warning" };
            notification(level, crate::escape::sarif(&warning.to_string()).into_owned())
        })
        .collect();
    if warnings.len() > MAX_NOTIFICATIONS {
        notifications.push(notification(
            "note",
            format!(
                "{} more skipped or unreadable files are not listed; the summary counts them all",
                warnings.len() - MAX_NOTIFICATIONS
            ),
        ));
    }
    notifications
}

fn notification(level: &str, text: String) -> Notification {
    let mut notification = Notification::builder().message(Message::builder().text(text).build()).build();
    notification.level = Some(json!(level));
    notification
}

/// The URI for a finding's path, and whether it is relative to `%SRCROOT%`.
pub fn artifact_uri(path: &str, cwd: Option<&Path>) -> (String, bool) {
    let native = Path::new(path);
    if native.is_absolute() {
        if let Some(relative) = cwd.and_then(|cwd| native.strip_prefix(cwd).ok())
            && !relative.as_os_str().is_empty()
        {
            return (encode_components(relative), true);
        }
        return (file_uri(native), false);
    }
    let climbs = native.components().any(|component| component == Component::ParentDir);
    match (climbs, cwd) {
        (true, Some(cwd)) => (file_uri(&crate::discover::normalize(&cwd.join(native))), false),
        _ => (encode_components(native), true),
    }
}

fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for component in path.components() {
        match component {
            Component::Prefix(prefix) => {
                // `C:` stays readable: the colon is legal in a file URI's first path segment.
                uri.push('/');
                uri.push_str(&prefix.as_os_str().to_string_lossy().replace('\\', "/"));
            }
            Component::RootDir => {}
            Component::Normal(part) => {
                uri.push('/');
                percent_encode(&part.to_string_lossy(), &mut uri);
            }
            Component::CurDir | Component::ParentDir => {}
        }
    }
    if uri == "file://" {
        uri.push('/');
    }
    uri
}

fn encode_components(path: &Path) -> String {
    let mut uri = String::new();
    for component in path.components() {
        if let Component::Normal(part) = component {
            if !uri.is_empty() {
                uri.push('/');
            }
            percent_encode(&part.to_string_lossy(), &mut uri);
        }
    }
    if uri.is_empty() {
        // Standard input (`-`) and other paths without a name part keep their spelling.
        percent_encode(path.to_string_lossy().as_ref(), &mut uri);
    }
    uri
}

/// Keeps RFC 3986 unreserved characters; everything else (including `:` and `%`, which would make
/// a relative path read as a scheme or an escape) is percent-encoded as UTF-8.
fn percent_encode(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in text.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 15)] as char);
        }
    }
}

fn serialized_len<T: serde::Serialize>(value: &T) -> usize {
    struct Counter(usize);
    impl Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // Serialising these types into memory cannot fail; a failure would only under-count.
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(path: &str, severity: Severity, line: u64) -> Finding {
        Finding {
            rule: "leaked-token".to_string(),
            severity,
            message: "a JSON Web Token is committed".to_string(),
            path: path.to_string(),
            member: Vec::new(),
            line,
            column: 1,
            end_line: line,
            end_column: 10,
            token: "eyJhbGciOiJub25lIn0.e30.[redacted]".to_string(),
            token_sha256: "0".repeat(64),
            fingerprint: format!("fp{line}"),
            evidence: Map::new(),
            commit: None,
            compact: None,
            context: crate::context::Context::Source,
            clues: crate::context::Clues::default(),
            fails: true,
            counts: true,
        }
    }

    #[test]
    fn relative_paths_stay_relative_and_are_percent_encoded() {
        let cwd = Path::new("/work/repo");
        assert_eq!(artifact_uri("src/a b.env", Some(cwd)), ("src/a%20b.env".to_string(), true));
        assert_eq!(artifact_uri("./src/x.env", Some(cwd)), ("src/x.env".to_string(), true));
        assert_eq!(artifact_uri("c:colon.txt", Some(cwd)), ("c%3Acolon.txt".to_string(), true));
        assert_eq!(artifact_uri("100%.txt", Some(cwd)), ("100%25.txt".to_string(), true));
        assert_eq!(artifact_uri("dé.txt", Some(cwd)), ("d%C3%A9.txt".to_string(), true));
    }

    #[cfg(unix)]
    #[test]
    fn absolute_paths_under_the_working_folder_become_relative_others_file_uris() {
        let cwd = Path::new("/work/repo");
        assert_eq!(artifact_uri("/work/repo/config/dev.env", Some(cwd)), ("config/dev.env".to_string(), true));
        assert_eq!(artifact_uri("/etc/app/a b.env", Some(cwd)), ("file:///etc/app/a%20b.env".to_string(), false));
        assert_eq!(artifact_uri("../other/t.txt", Some(cwd)), ("file:///work/other/t.txt".to_string(), false));
        assert_eq!(artifact_uri("/etc/x", None), ("file:///etc/x".to_string(), false));
    }

    #[test]
    fn levels_follow_severity() {
        assert_eq!(level_name(Severity::Critical), "error");
        assert_eq!(level_name(Severity::High), "error");
        assert_eq!(level_name(Severity::Medium), "warning");
        assert_eq!(level_name(Severity::Low), "note");
        assert_eq!(level_name(Severity::Info), "note");
    }

    #[test]
    fn the_result_limit_keeps_the_most_severe_in_report_order() {
        let report = Report {
            findings: vec![
                finding("a", Severity::Low, 1),
                finding("b", Severity::Critical, 2),
                finding("c", Severity::Medium, 3),
                finding("d", Severity::Critical, 4),
            ]
            .into(),
            ..Report::default()
        };
        let log = build(&report, &Settings::default(), None, Limits { max_results: 2, max_bytes: MAX_BYTES }).unwrap();
        let run = &log.runs[0];
        let kept: Vec<_> = run.results.as_ref().unwrap().iter().map(|r| r.partial_fingerprints.clone()).collect();
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].as_ref().unwrap()[FINGERPRINT_KEY], "fp2");
        assert_eq!(kept[1].as_ref().unwrap()[FINGERPRINT_KEY], "fp4");
        let notes = run.invocations.as_ref().unwrap()[0].tool_execution_notifications.as_ref().unwrap();
        assert!(notes.iter().any(|n| n.message.text.as_deref().unwrap_or("").starts_with("2 of 4 findings")));
    }

    #[test]
    fn the_size_limit_holds_whatever_the_findings() {
        let findings: Vec<Finding> = (1..=2000).map(|line| finding("some/path.env", Severity::High, line)).collect();
        let report = Report { findings: findings.into(), ..Report::default() };
        // Room for the rule descriptors (every rule's full help) and part of the results.
        let limits = Limits { max_results: MAX_RESULTS, max_bytes: 200_000 };
        let log = build(&report, &Settings::default(), None, limits).unwrap();
        let size = serde_json::to_vec(&log).unwrap().len();
        assert!(size <= limits.max_bytes, "{size} bytes");
        let kept = log.runs[0].results.as_ref().unwrap().len();
        assert!(kept > 0 && kept < 2000, "{kept} results kept");
    }
}
