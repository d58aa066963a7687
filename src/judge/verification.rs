//! The cross-file verification pass: after the walk, each distinct token with findings is
//! verified once, and its findings carry the outcome. A live token's `leaked-token` becomes
//! `critical`; a dead or invalid one's drops to `low`.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::catalog::id;
use crate::config::Settings;
use crate::finding::Finding;
use crate::severity::Severity;
use crate::verify::{Limits, Options, Outcome, Verification, Verifier};

/// Distinct tokens per outcome, for the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub live: u64,
    pub dead: u64,
    pub invalid: u64,
    pub unknown: u64,
}

impl Counts {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Live => self.live += 1,
            Outcome::Dead => self.dead += 1,
            Outcome::Invalid => self.invalid += 1,
            Outcome::Unknown => self.unknown += 1,
        }
    }
}

/// The distinct tokens a report's findings hold, gathered one finding at a time (the findings may
/// stream from disk). Allowlisted and baselined findings are left out, so accepted tokens cause
/// no request.
#[derive(Default)]
pub struct Wanted(BTreeMap<String, Arc<str>>);

impl Wanted {
    pub fn offer(&mut self, finding: &Finding, settings: &Settings) {
        let accepted = settings.allowlist_tokens.contains(&finding.token_sha256)
            || settings.baseline.contains(&finding.fingerprint);
        if let (false, Some(whole)) = (accepted, &finding.compact)
            && !self.0.contains_key(&finding.token_sha256)
        {
            self.0.insert(finding.token_sha256.clone(), Arc::clone(&whole.0));
        }
    }
}

/// Each verified token's outcome, by `token_sha256`.
#[derive(Default)]
pub struct Outcomes(BTreeMap<String, Verification>);

impl Outcomes {
    /// Puts the outcome in the finding's evidence: a live token's `leaked-token` becomes
    /// `critical`, a dead or invalid one's `low`.
    pub fn apply(&self, finding: &mut Finding) {
        let Some(verification) = self.0.get(&finding.token_sha256) else { return };
        finding
            .evidence
            .insert("verification".into(), json!({"outcome": verification.outcome, "reason": verification.reason}));
        if finding.rule == id::LEAKED_TOKEN.as_str() {
            match verification.outcome {
                Outcome::Live => finding.severity = Severity::Critical,
                Outcome::Dead | Outcome::Invalid => finding.severity = Severity::Low,
                Outcome::Unknown => {}
            }
        }
    }
}

/// Verifies the `wanted` tokens when `--verify` is on; `None` when it is off.
pub fn pass(wanted: Wanted, settings: &Settings) -> Option<(Outcomes, Counts)> {
    let verify = settings.verify.as_ref()?;
    let options = Options {
        now: settings.now,
        allow_private: verify.allow_private,
        ca_file: verify.ca_file.clone(),
        limits: Limits::default(),
    };
    let compacts: Vec<&str> = wanted.0.values().map(|compact| &**compact).collect();
    let verifications: Vec<Verification> = match Verifier::new(options) {
        Ok(verifier) => verifier.verify_all(&compacts),
        // The CA file was read when the settings were made; only a file changed since fails here.
        Err(error) => compacts.iter().map(|_| Verification::unknown(format!("{error:#}"))).collect(),
    };
    let by_token: BTreeMap<String, Verification> = wanted.0.keys().cloned().zip(verifications).collect();
    let mut counts = Counts::default();
    for verification in by_token.values() {
        counts.add(verification.outcome);
    }
    Some((Outcomes(by_token), counts))
}

/// Whether the pass found this finding's token live under its issuer's published key: such a
/// token fails the run in any context.
pub fn is_live(finding: &Finding) -> bool {
    finding
        .evidence
        .get("verification")
        .and_then(|verification| verification.get("outcome"))
        .and_then(|outcome| outcome.as_str())
        == Some("live")
}
