//! Every report format behind one `write`. A report is built once, sorted, then rendered.

pub(crate) mod details;
pub mod github;
mod json;
pub mod sarif;
mod text;

use std::borrow::Cow;
use std::io::Write;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cli::Format;
use crate::collect::Problem;
use crate::config::Settings;
use crate::finding::Finding;
use crate::severity::Severity;
use crate::spill::{Sorted, Spill};

pub use details::TokenDetails;
pub(crate) use text::Paint;
pub use text::escape_visible;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub tokens: u64,
    pub findings: u64,
    pub skipped: u64,
    pub errors: u64,
    pub elapsed_ms: u64,
    /// The config file the scan used, as found or given; null when it used none.
    #[serde(default)]
    pub config: Option<String>,
}

#[derive(Default)]
pub struct Report {
    pub findings: Findings,
    pub summary: Summary,
    /// Skipped and unreadable files and notes about the scan, in a stable order.
    pub problems: Vec<Problem>,
}

pub fn write(report: &Report, settings: &Settings, out: &mut dyn Write) -> std::io::Result<()> {
    match settings.format {
        Format::Text => text::write(report, settings, out),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, settings, out),
        Format::Github => github::write(report, settings, out),
    }
}

/// The findings of a report, in report order: in memory, or merged from sorted runs on disk when
/// there were more than memory should hold (see `spill`). Either way they read the same.
pub struct Findings {
    sorted: Sorted<Finding>,
    /// Applied as the findings are read, when they were merged from disk unjudged.
    judge: Option<Judge>,
    len: usize,
    max_severity: Option<Severity>,
}

impl Findings {
    /// Findings in report order, of which `judge` keeps `len`.
    pub fn judged(sorted: Sorted<Finding>, judge: Judge, len: usize, max_severity: Option<Severity>) -> Self {
        Findings { sorted, judge: Some(judge), len, max_severity }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The most severe finding's severity.
    pub fn max_severity(&self) -> Option<Severity> {
        self.max_severity
    }

    /// Whether some findings were read back from disk.
    pub fn spilled(&self) -> bool {
        self.sorted.spilled()
    }

    /// Each finding in report order; a temporary file that cannot be read back ends the sequence
    /// with its error.
    pub fn iter(&self) -> impl Iterator<Item = std::io::Result<Cow<'_, Finding>>> {
        self.sorted.iter().filter_map(|finding| match (&self.judge, finding) {
            (Some(judge), Ok(finding)) => judge.apply(finding.into_owned()).map(|finding| Ok(Cow::Owned(finding))),
            (_, finding) => Some(finding),
        })
    }

    /// `iter` for writers: stops at the first finding `each` fails on, or at a read error.
    pub fn try_for_each(&self, mut each: impl FnMut(&Finding) -> std::io::Result<()>) -> std::io::Result<()> {
        for finding in self.iter() {
            let finding = finding?;
            each(&finding)?;
        }
        Ok(())
    }

    /// All findings in memory, for tests and the rule self-test.
    pub fn to_vec(&self) -> std::io::Result<Vec<Finding>> {
        self.iter().map(|finding| finding.map(Cow::into_owned)).collect()
    }
}

impl Default for Findings {
    fn default() -> Self {
        Vec::new().into()
    }
}

/// Findings in the order given (a report builds them sorted).
impl From<Vec<Finding>> for Findings {
    fn from(findings: Vec<Finding>) -> Self {
        let max_severity = findings.iter().map(|finding| finding.severity).max();
        Findings { len: findings.len(), sorted: Sorted::in_order(findings, report_order), judge: None, max_severity }
    }
}

/// What a report keeps of a finding: severity overrides applied, then `--min-severity`, the
/// token allowlist and the baseline.
pub struct Judge {
    overrides: std::collections::HashMap<String, Severity>,
    min_severity: Severity,
    allowlist: std::collections::HashSet<String>,
    baseline: std::collections::HashSet<String>,
}

impl Judge {
    pub fn new(settings: &Settings) -> Self {
        Judge {
            overrides: settings.severity_overrides.clone(),
            min_severity: settings.min_severity,
            allowlist: settings.allowlist_tokens.clone(),
            baseline: settings.baseline.clone(),
        }
    }

    pub fn apply(&self, mut finding: Finding) -> Option<Finding> {
        if let Some(&severity) = self.overrides.get(&finding.rule) {
            finding.severity = severity;
        }
        let kept = finding.severity >= self.min_severity
            && !self.allowlist.contains(&finding.token_sha256)
            && !self.baseline.contains(&finding.fingerprint);
        kept.then_some(finding)
    }
}

/// The order every report uses, whatever the thread count.
pub fn report_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    a.sort_key().cmp(&b.sort_key())
}

/// A finding on disk is its JSON form plus the whole token the text report decodes again, which
/// JSON skips. The file is unnamed, readable by this process only, and gone when it exits.
impl Spill for Finding {
    fn mem_size(&self) -> usize {
        let strings = [&self.rule, &self.message, &self.path, &self.token, &self.token_sha256, &self.fingerprint];
        std::mem::size_of::<Self>()
            + strings.iter().map(|text| text.capacity()).sum::<usize>()
            + self.commit.as_ref().map_or(0, String::capacity)
            + self.evidence.iter().map(|(name, value)| 48 + name.capacity() + value_size(value)).sum::<usize>()
            // The whole token is shared by the findings of one occurrence: each counts its part.
            + self.compact.as_ref().map_or(0, |compact| compact.0.len() / std::sync::Arc::strong_count(&compact.0))
    }

    fn encode(&self, out: &mut Vec<u8>) -> std::io::Result<()> {
        let compact = self.compact.as_ref().map(|compact| &*compact.0);
        serde_json::to_writer(&mut *out, &(self, compact)).map_err(std::io::Error::other)
    }

    fn decode(bytes: &[u8]) -> std::io::Result<Self> {
        let (mut finding, compact): (Finding, Option<String>) =
            serde_json::from_slice(bytes).map_err(std::io::Error::other)?;
        finding.compact = compact.map(|compact| crate::finding::WholeToken(std::sync::Arc::from(compact)));
        Ok(finding)
    }
}

/// Bytes a JSON value holds, roughly.
fn value_size(value: &Value) -> usize {
    std::mem::size_of::<Value>()
        + match value {
            Value::String(text) => text.capacity(),
            Value::Array(items) => items.iter().map(value_size).sum(),
            Value::Object(map) => map.iter().map(|(name, value)| 48 + name.capacity() + value_size(value)).sum(),
            Value::Null | Value::Bool(_) | Value::Number(_) => 0,
        }
}
