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
use serde_json::Value;

use crate::cli::Format;
use crate::collect::Problem;
use crate::config::Settings;
use crate::context::Context;
use crate::finding::Finding;
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
    /// Kept from failing the run by their context: held back under an `ignore` policy, or
    /// reported at or above `--fail-on` in a context that does not count (`report`).
    pub context_policy: u64,
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
                (&first.path, first.line, first.column) != (&finding.path, finding.line, finding.column)
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
        Findings { len: findings.len(), sorted: Sorted::in_order(findings, report_order), judge: None }
    }
}

/// Why a finding is not reported; each is counted in `summary.held_back`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Held {
    Allowlist,
    Baseline,
    MinSeverity,
    ContextPolicy,
}

/// What a report makes of a finding the scan made: the issuer profile's and the config's
/// severity, its context and why, the verification outcome, then whether it is held back
/// (allowlist, baseline, `--min-severity`, context policy) and the gate's verdict on the rest.
/// The same for a finding wherever it is judged, so findings spilled to disk are judged as they
/// are read back.
pub struct Judge<'s> {
    settings: &'s Settings,
    places: crate::context::Places,
    outcomes: crate::verify::Outcomes,
    /// The last path judged and its class: findings come grouped by path.
    last_path: std::cell::RefCell<Option<(String, Option<crate::context::Classification>)>>,
}

impl<'s> Judge<'s> {
    pub fn new(settings: &'s Settings, outcomes: crate::verify::Outcomes) -> Self {
        Judge {
            settings,
            places: crate::context::Places::new(settings),
            outcomes,
            last_path: std::cell::RefCell::new(None),
        }
    }

    pub fn apply(&self, mut finding: Finding) -> Result<Finding, Held> {
        let settings = self.settings;
        if let Some(profile) = finding.clues.profile {
            finding.severity = profile.severity(&finding.rule, finding.severity);
            finding.evidence.insert("product".into(), profile.product.clone().into());
        }
        if let Some(&severity) = settings.severity_overrides.get(&finding.rule) {
            finding.severity = severity;
        }
        let (relative, config_relative) = self.places.relative(&finding.path);
        let found = {
            let mut last = self.last_path.borrow_mut();
            if last.as_ref().is_none_or(|(path, _)| *path != finding.path) {
                let class =
                    crate::context::path_class(relative, config_relative.as_deref(), &settings.context_overrides);
                *last = Some((finding.path.clone(), class));
            }
            let by_path = last.as_ref().map(|(_, class)| class).unwrap_or(&None);
            crate::context::classify_at(relative, by_path, &finding.clues)
        };
        finding.context = found.context;
        finding.evidence.insert("context_reason".into(), found.reason.to_string().into());
        self.outcomes.apply(&mut finding);
        if settings.allowlist_tokens.contains(&finding.token_sha256) {
            return Err(Held::Allowlist);
        }
        if settings.baseline.contains(&finding.fingerprint) {
            return Err(Held::Baseline);
        }
        if finding.severity < settings.min_severity {
            return Err(Held::MinSeverity);
        }
        let live = crate::verify::is_live(&finding);
        let real = finding.clues.looks_real || live;
        let published = finding.clues.published.is_some();
        let verdict = settings.policy.decide(settings.fail_on, finding.context, finding.severity, real, published);
        finding.fails = verdict.fails();
        if finding.fails {
            let why = settings.policy.fail_reason(finding.context, finding.clues.why_real.as_deref(), live);
            finding.evidence.insert("verdict_reason".into(), why.into());
        }
        finding.counts = settings.policy.effective(finding.context, real, published) == crate::context::Action::Fail;
        if verdict == crate::context::Verdict::Held {
            return Err(Held::ContextPolicy);
        }
        Ok(finding)
    }
}

/// The counts a summary gives of what the report holds and what it held back.
#[derive(Default)]
pub struct Tally {
    /// `--fail-on`: a reported finding at or above it that does not count was held back from
    /// failing by its context.
    pub fail_on: Option<crate::severity::Severity>,
    pub findings: u64,
    pub failing: u64,
    pub contexts: ContextCounts,
    pub statistics: BTreeMap<String, ContextCounts>,
    pub held_back: HeldBack,
}

impl Tally {
    pub fn add(&mut self, judged: &Result<Finding, Held>, statistics: bool) {
        match judged {
            Ok(finding) => {
                self.findings += 1;
                self.failing += u64::from(finding.fails);
                if !finding.counts && self.fail_on.is_some_and(|threshold| finding.severity >= threshold) {
                    self.held_back.context_policy += 1;
                }
                self.contexts.add(finding.context);
                if statistics {
                    self.statistics.entry(finding.rule.clone()).or_default().add(finding.context);
                }
            }
            Err(held) => {
                let count = match held {
                    Held::Allowlist => &mut self.held_back.allowlist,
                    Held::Baseline => &mut self.held_back.baseline,
                    Held::MinSeverity => &mut self.held_back.min_severity,
                    Held::ContextPolicy => &mut self.held_back.context_policy,
                };
                *count += 1;
            }
        }
    }
}

/// The order every report uses, whatever the thread count.
pub fn report_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    a.sort_key().cmp(&b.sort_key())
}

/// A finding on disk is its JSON form, the whole token the text report decodes again (which JSON
/// skips) and the clues its context is decided by. The file is unnamed, readable by this process
/// only, and gone when it exits.
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
        serde_json::to_writer(&mut *out, &(self, compact, self.clues.stored())).map_err(std::io::Error::other)
    }

    fn decode(bytes: &[u8]) -> std::io::Result<Self> {
        let (mut finding, compact, clues): (Finding, Option<String>, crate::context::StoredClues) =
            serde_json::from_slice(bytes).map_err(std::io::Error::other)?;
        finding.compact = compact.map(|compact| crate::finding::WholeToken(std::sync::Arc::from(compact)));
        finding.clues = crate::context::Clues::restore(&clues);
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
