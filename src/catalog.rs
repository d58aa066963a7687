//! The rule catalog: rule metadata (from `rules/rules.toml`, the one source for `jwtscan rules`,
//! SARIF descriptors and the docs), the typed rule ids, and `Hit`, what a check says. A leaf
//! every layer may use: it imports only severities.

use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::severity::Severity;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub summary: String,
    pub what: String,
    pub why: String,
    pub fix: String,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub precision: String,
    /// File contents on which the rule must fire (checked by the self-test).
    #[serde(default)]
    pub examples: Vec<String>,
    /// File contents on which the rule must stay silent.
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

#[derive(Deserialize)]
struct RulesFile {
    rule: Vec<RuleMeta>,
}

static RULES: LazyLock<Vec<RuleMeta>> = LazyLock::new(|| {
    toml::from_str::<RulesFile>(include_str!("../rules/rules.toml"))
        .expect("rules/rules.toml is checked by the test suite")
        .rule
});

impl RuleMeta {
    /// The rule's help as Markdown: SARIF `help.markdown` and the sections of docs/rules.md.
    pub fn help_markdown(&self) -> String {
        let mut text = format!(
            "**What it does.** {}\n\n**Why is this bad.** {}\n\n**How to fix.** {}\n",
            self.what.trim(),
            self.why.trim(),
            self.fix.trim()
        );
        if !self.references.is_empty() {
            let links: Vec<String> = self.references.iter().map(|reference| format!("<{reference}>")).collect();
            text.push_str(&format!("\n**References.** {}\n", links.join(", ")));
        }
        text
    }
}

pub fn all() -> &'static [RuleMeta] {
    &RULES
}

pub fn meta(id: &str) -> Option<&'static RuleMeta> {
    RULES.iter().find(|rule| rule.id == id)
}

pub fn default_severity(id: &str) -> Severity {
    meta(id).map_or(Severity::Medium, |rule| rule.severity)
}

/// A rule id. Only the constants in `id`, generated from `rules/rules.toml` by `build.rs`, exist:
/// a check that names an unknown rule does not compile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId(&'static str);

impl RuleId {
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl std::ops::Deref for RuleId {
    type Target = str;

    fn deref(&self) -> &str {
        self.0
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `pad`, not `write_str`: reports align rule ids with width specifiers.
        f.pad(self.0)
    }
}

/// The rule ids, one constant per `[[rule]]` of `rules/rules.toml` (`id::ALG_NONE` is
/// `"alg-none"`), and `id::ALL` in file order.
pub mod id {
    use super::RuleId;

    include!(concat!(env!("OUT_DIR"), "/rule_ids.rs"));
}

/// What one check found about one token.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub rule: RuleId,
    pub severity: Severity,
    pub message: String,
    pub evidence: Map<String, Value>,
}

impl Hit {
    pub fn new(rule: RuleId, message: impl Into<String>) -> Self {
        Hit { rule, severity: default_severity(&rule), message: message.into(), evidence: Map::new() }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.evidence.insert(key.to_string(), value.into());
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}
