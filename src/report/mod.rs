//! Every report format behind one `write`. A report is built once, sorted, then rendered.

pub(crate) mod details;
pub mod github;
mod json;
pub mod sarif;
mod text;

use std::io::Write;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cli::Format;
use crate::collect::Problem;
use crate::config::Settings;
use crate::context::Context;
use crate::finding::Finding;

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
    /// Reported findings per context.
    #[serde(default)]
    pub contexts: ContextCounts,
    /// Reported findings that fail the run.
    #[serde(default)]
    pub failing: u64,
    /// Findings not reported, by why.
    #[serde(default)]
    pub held_back: HeldBack,
    /// The config file used, if any.
    #[serde(default)]
    pub config: Option<String>,
    /// Findings per rule and context, with `--statistics`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistics: Option<BTreeMap<String, ContextCounts>>,
    /// Distinct tokens per verification outcome; only with `--verify`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub verification: Option<crate::verify::Counts>,
}

/// A count per context, in the order of `Context::ALL`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextCounts {
    pub source: u64,
    pub test: u64,
    pub docs: u64,
    pub example: u64,
    pub vendor: u64,
    pub generated: u64,
}

impl ContextCounts {
    pub fn get(&self, context: Context) -> u64 {
        match context {
            Context::Source => self.source,
            Context::Test => self.test,
            Context::Docs => self.docs,
            Context::Example => self.example,
            Context::Vendor => self.vendor,
            Context::Generated => self.generated,
        }
    }

    pub fn add(&mut self, context: Context) {
        let slot = match context {
            Context::Source => &mut self.source,
            Context::Test => &mut self.test,
            Context::Docs => &mut self.docs,
            Context::Example => &mut self.example,
            Context::Vendor => &mut self.vendor,
            Context::Generated => &mut self.generated,
        };
        *slot += 1;
    }

    pub fn total(&self) -> u64 {
        Context::ALL.iter().map(|&context| self.get(context)).sum()
    }
}

/// Findings not reported: each counted once, under the first of these that applies.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldBack {
    /// `[allowlist] tokens`.
    pub allowlist: u64,
    /// In the `--baseline` report.
    pub baseline: u64,
    /// Below `--min-severity`.
    pub min_severity: u64,
    /// On a `jwtscan:ignore` line.
    pub inline_ignore: u64,
    /// In a context whose policy is `ignore`.
    pub context_policy: u64,
}

#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
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

/// The findings grouped by token occurrence (path, position, token, commit): groups in report
/// order, each most severe first.
pub(crate) fn group_by_occurrence(findings: &[Finding]) -> Vec<Vec<&Finding>> {
    let mut index: std::collections::HashMap<(&str, u64, u64, &str, Option<&str>), usize> =
        std::collections::HashMap::new();
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    for finding in findings {
        let key = (
            finding.path.as_str(),
            finding.line,
            finding.column,
            finding.token_sha256.as_str(),
            finding.commit.as_deref(),
        );
        let slot = *index.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        if let Some(group) = groups.get_mut(slot) {
            group.push(finding);
        }
    }
    for group in &mut groups {
        group.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.rule.cmp(&b.rule)));
    }
    groups
}
