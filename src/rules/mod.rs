//! Rule metadata (from `rules/rules.toml`, the one source for `jwtscan rules`, SARIF descriptors
//! and the docs) and the registry of per-token checks.

use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::config::Settings;
use crate::severity::Severity;
use crate::token::Token;

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
    toml::from_str::<RulesFile>(include_str!("../../rules/rules.toml"))
        .expect("rules/rules.toml is checked by the test suite")
        .rule
});

pub fn all() -> &'static [RuleMeta] {
    &RULES
}

pub fn meta(id: &str) -> Option<&'static RuleMeta> {
    RULES.iter().find(|rule| rule.id == id)
}

pub fn default_severity(id: &str) -> Severity {
    meta(id).map_or(Severity::Medium, |rule| rule.severity)
}

/// What one check found about one token.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub evidence: Map<String, Value>,
}

impl Hit {
    pub fn new(rule: &'static str, message: impl Into<String>) -> Self {
        Hit { rule, severity: default_severity(rule), message: message.into(), evidence: Map::new() }
    }

    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.evidence.insert(key.to_string(), value.into());
        self
    }
}

/// What the checks need besides the token: the clock and the configured lists.
pub struct Context {
    pub now: i64,
    pub max_lifetime: i64,
}

impl Context {
    pub fn new(settings: &Settings) -> Self {
        Context { now: settings.now, max_lifetime: settings.max_lifetime }
    }
}

/// Runs every single-token check.
pub fn check_token(token: &Token<'_>, ctx: &Context, out: &mut Vec<Hit>) {
    let _ = ctx;
    out.push(Hit::new("leaked-token", "a JSON Web Token is committed"));
    if token.alg().is_some_and(|alg| alg.eq_ignore_ascii_case("none")) {
        out.push(Hit::new("alg-none", "token is unsigned (alg none)"));
    }
}
