//! Judging: what a report makes of each finding the scan made. The issuer profile's and the
//! config's severity, its context and why, the verification outcome, whether it is held back
//! (allowlist, baseline, `--min-severity`, context policy) and the gate's verdict on the rest.
//! `report/` renders judged findings and decides nothing.

pub mod places;
pub mod verification;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::Settings;
use crate::context::Context;
use crate::finding::Finding;

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
    places: places::Places,
    outcomes: verification::Outcomes,
    /// The last path judged and its class: findings come grouped by path.
    last_path: std::cell::RefCell<Option<(String, Option<crate::context::Classification>)>>,
}

impl<'s> Judge<'s> {
    pub fn new(settings: &'s Settings, outcomes: verification::Outcomes) -> Self {
        Judge { settings, places: places::Places::new(settings), outcomes, last_path: std::cell::RefCell::new(None) }
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
        let real = finding.clues.looks_real || verification::is_live(&finding);
        let published = finding.clues.published.is_some();
        let verdict = settings.policy.decide(settings.fail_on, finding.context, finding.severity, real, published);
        finding.fails = verdict.fails();
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
