//! Every report format behind one `write`. A report is built once, sorted, then rendered.

pub(crate) mod details;
pub mod github;
pub mod gitlab;
mod json;
pub mod junit;
pub mod sarif;
mod text;

use std::borrow::Cow;
use std::io::Write;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cli::Format;
use crate::collect::Problem;
use crate::config::Settings;
use crate::finding::Finding;
use crate::judge::{ContextCounts, HeldBack, Judge};
use crate::spill::Sorted;

pub use details::TokenDetails;
pub(crate) use text::Paint;
pub use text::escape_visible;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub files_scanned: u64,
    /// Commit and tag messages and notes (`jwtscan git`); absent when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub messages_scanned: u64,
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
    pub verification: Option<crate::judge::verification::Counts>,
}

fn is_zero(count: &u64) -> bool {
    *count == 0
}

#[derive(Default)]
pub struct Report<'s> {
    pub findings: Findings<'s>,
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
        Format::Gitlab => gitlab::write(report, settings, out),
        Format::Junit => junit::write(report, settings, out),
    }
}

/// The findings of a report, in report order: in memory, or merged from sorted runs on disk when
/// there were more than memory should hold (see `spill`). Either way they read the same.
pub struct Findings<'s> {
    sorted: Sorted<Finding>,
    /// Applied as the findings are read, when they were merged from disk unjudged.
    judge: Option<Judge<'s>>,
    len: usize,
}

impl<'s> Findings<'s> {
    /// Findings in report order, of which `judge` keeps `len`.
    pub fn judged(sorted: Sorted<Finding>, judge: Judge<'s>, len: usize) -> Self {
        Findings { sorted, judge: Some(judge), len }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether some findings were read back from disk.
    pub fn spilled(&self) -> bool {
        self.sorted.spilled()
    }

    /// Each finding in report order; a temporary file that cannot be read back ends the sequence
    /// with its error.
    pub fn iter(&self) -> impl Iterator<Item = std::io::Result<Cow<'_, Finding>>> {
        self.sorted.iter().filter_map(|finding| match (&self.judge, finding) {
            (Some(judge), Ok(finding)) => judge.apply(finding.into_owned()).ok().map(|finding| Ok(Cow::Owned(finding))),
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

    /// The findings one place (path, line, column) at a time, grouped by token occurrence (see
    /// `group_by_occurrence`): report order sorts by place first, so only one place's findings
    /// are held at once.
    pub fn try_for_each_occurrence(
        &self,
        mut each: impl FnMut(&[&Finding]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut place: Vec<Finding> = Vec::new();
        let mut flush = |place: &mut Vec<Finding>| -> std::io::Result<()> {
            for group in group_by_occurrence(place) {
                each(&group)?;
            }
            place.clear();
            Ok(())
        };
        for finding in self.iter() {
            let finding = finding?;
            if place.first().is_some_and(|first| {
                (&first.path, &first.member, first.line, first.column)
                    != (&finding.path, &finding.member, finding.line, finding.column)
            }) {
                flush(&mut place)?;
            }
            place.push(finding.into_owned());
        }
        flush(&mut place)
    }

    /// All findings in memory, for tests and the rule self-test.
    pub fn to_vec(&self) -> std::io::Result<Vec<Finding>> {
        self.iter().map(|finding| finding.map(Cow::into_owned)).collect()
    }
}

impl Default for Findings<'_> {
    fn default() -> Self {
        Vec::new().into()
    }
}

/// Findings already judged, in the order given (a report builds them sorted).
impl From<Vec<Finding>> for Findings<'_> {
    fn from(findings: Vec<Finding>) -> Self {
        Findings { len: findings.len(), sorted: Sorted::in_order(findings, crate::finding::report_order), judge: None }
    }
}

/// The findings grouped by token occurrence (path, member, position, token, commit): groups in report
/// order, each most severe first.
pub(crate) fn group_by_occurrence(findings: &[Finding]) -> Vec<Vec<&Finding>> {
    type Key<'a> = (&'a str, &'a [String], u64, u64, &'a str, Option<&'a str>);
    let mut index: std::collections::HashMap<Key<'_>, usize> = std::collections::HashMap::new();
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    for finding in findings {
        let key = (
            finding.path.as_str(),
            finding.member.as_slice(),
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
