//! The gate: whether a finding fails the run, is reported without failing it, or is held back,
//! from its context, severity and claims and the policy (`--fail-on`, `--strict`, and the
//! per-context policy of `jwtscan.toml`).

use serde::Deserialize;

use super::Context;
use crate::severity::Severity;

/// What the policy does with findings of one context.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Counts toward `--fail-on`.
    Fail,
    /// Reported and counted, never fails the run.
    Report,
    /// Held back from the report; counted in the summary.
    Ignore,
}

impl std::str::FromStr for Action {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "fail" => Ok(Action::Fail),
            "report" => Ok(Action::Report),
            "ignore" => Ok(Action::Ignore),
            _ => Err(format!("unknown policy `{s}` (expected fail, report or ignore)")),
        }
    }
}

/// What happens to one finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// At or above `--fail-on` in a context that fails (or a real-looking token anywhere).
    Fails,
    /// Reported, but does not fail the run.
    Reported,
    /// Held back by the context policy.
    Held,
}

impl Verdict {
    pub fn fails(self) -> bool {
        self == Verdict::Fails
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Every context counts (`--strict`, or `strict = true` under `[context]`).
    pub strict: bool,
    /// Per context, in `Context::ALL` order.
    pub actions: [Action; 6],
}

impl Default for Policy {
    fn default() -> Self {
        let mut actions = [Action::Report; 6];
        actions[Context::Source.index()] = Action::Fail;
        Policy { strict: false, actions }
    }
}

impl Policy {
    pub fn action(&self, context: Context) -> Action {
        if self.strict { Action::Fail } else { self.actions[context.index()] }
    }

    /// The action for one finding: a real-looking token that is not a published example counts
    /// wherever it sits.
    pub fn effective(&self, context: Context, looks_real: bool, published: bool) -> Action {
        if looks_real && !published { Action::Fail } else { self.action(context) }
    }

    /// The verdict on a finding, given `--fail-on`. `looks_real` (see `looks_real`) makes it count
    /// wherever it sits, unless it is a published example: a real credential pasted into a
    /// fixture still fails.
    pub fn decide(
        &self,
        fail_on: Option<Severity>,
        context: Context,
        severity: Severity,
        looks_real: bool,
        published: bool,
    ) -> Verdict {
        match self.effective(context, looks_real, published) {
            Action::Fail if fail_on.is_some_and(|threshold| severity >= threshold) => Verdict::Fails,
            Action::Fail | Action::Report => Verdict::Reported,
            Action::Ignore => Verdict::Held,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOW: Option<Severity> = Some(Severity::Low);

    #[test]
    fn by_default_only_source_findings_fail() {
        let policy = Policy::default();
        assert_eq!(policy.decide(LOW, Context::Source, Severity::High, false, false), Verdict::Fails);
        for context in Context::ALL.into_iter().filter(|context| *context != Context::Source) {
            assert_eq!(policy.decide(LOW, context, Severity::Critical, false, false), Verdict::Reported, "{context}");
        }
    }

    #[test]
    fn fail_on_still_sets_the_threshold() {
        let policy = Policy::default();
        let high = Some(Severity::High);
        assert_eq!(policy.decide(high, Context::Source, Severity::Medium, false, false), Verdict::Reported);
        assert_eq!(policy.decide(high, Context::Source, Severity::High, false, false), Verdict::Fails);
        assert_eq!(policy.decide(None, Context::Source, Severity::Critical, true, false), Verdict::Reported);
    }

    #[test]
    fn strict_makes_every_context_count() {
        let policy = Policy { strict: true, ..Policy::default() };
        let mut ignoring = policy.clone();
        ignoring.actions[Context::Test.index()] = Action::Ignore;
        for context in Context::ALL {
            assert_eq!(policy.decide(LOW, context, Severity::Low, false, true), Verdict::Fails, "{context}");
            assert_eq!(ignoring.decide(LOW, context, Severity::Low, false, false), Verdict::Fails, "{context}");
        }
    }

    #[test]
    fn a_real_looking_token_fails_wherever_it_sits_unless_published() {
        let mut policy = Policy::default();
        policy.actions[Context::Test.index()] = Action::Ignore;
        for context in Context::ALL {
            assert_eq!(policy.decide(LOW, context, Severity::High, true, false), Verdict::Fails, "{context}");
        }
        assert_eq!(policy.decide(LOW, Context::Example, Severity::High, true, true), Verdict::Reported);
    }

    #[test]
    fn per_context_policy_can_fail_report_or_hold_back() {
        let mut policy = Policy::default();
        policy.actions[Context::Test.index()] = Action::Fail;
        policy.actions[Context::Vendor.index()] = Action::Ignore;
        policy.actions[Context::Source.index()] = Action::Report;
        assert_eq!(policy.decide(LOW, Context::Test, Severity::Low, false, false), Verdict::Fails);
        assert_eq!(policy.decide(LOW, Context::Vendor, Severity::Critical, false, false), Verdict::Held);
        assert_eq!(policy.decide(LOW, Context::Source, Severity::Critical, false, false), Verdict::Reported);
    }

    #[test]
    fn actions_parse_from_their_names() {
        assert_eq!("ignore".parse::<Action>(), Ok(Action::Ignore));
        assert!("skip".parse::<Action>().is_err());
    }
}
