//! The cross-file verification pass: after the walk, each distinct token with findings is
//! verified once, and its findings carry the outcome. A live token's `leaked-token` becomes
//! `critical`; a dead or invalid one's drops to `low`.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Limits, Options, Outcome, Verification, Verifier};
use crate::config::Settings;
use crate::finding::Finding;
use crate::rules::id;
use crate::severity::Severity;

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

/// Verifies the tokens of `findings` when `--verify` is on; `None` when it is off. Allowlisted
/// and baselined findings are left out, so accepted tokens cause no request.
pub fn pass(findings: &mut [Finding], settings: &Settings) -> Option<Counts> {
    let verify = settings.verify.as_ref()?;
    let mut tokens: BTreeMap<&str, Arc<str>> = BTreeMap::new();
    for finding in findings.iter() {
        let accepted = settings.allowlist_tokens.contains(&finding.token_sha256)
            || settings.baseline.contains(&finding.fingerprint);
        if let (false, Some(whole)) = (accepted, &finding.compact) {
            tokens.entry(&finding.token_sha256).or_insert_with(|| Arc::clone(&whole.0));
        }
    }
    let options = Options {
        now: settings.now,
        allow_private: verify.allow_private,
        ca_file: verify.ca_file.clone(),
        limits: Limits::default(),
    };
    let compacts: Vec<&str> = tokens.values().map(|compact| &**compact).collect();
    let verifications: Vec<Verification> = match Verifier::new(options) {
        Ok(verifier) => verifier.verify_all(&compacts),
        // The CA file was read when the settings were made; only a file changed since fails here.
        Err(error) => compacts.iter().map(|_| Verification::unknown(format!("{error:#}"))).collect(),
    };
    let by_token: BTreeMap<String, Verification> =
        tokens.keys().map(|sha| sha.to_string()).zip(verifications).collect();
    let mut counts = Counts::default();
    for verification in by_token.values() {
        counts.add(verification.outcome);
    }
    for finding in findings.iter_mut() {
        let Some(verification) = by_token.get(&finding.token_sha256) else { continue };
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
    Some(counts)
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
