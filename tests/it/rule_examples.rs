//! Self-test of `rules/rules.toml`: every rule is documented, every example makes its rule fire
//! and no negative example does. Examples are scanned as whole files through the public API, so a
//! finder or decoder change that breaks a rule shows up here.

use std::collections::HashSet;

use jwtscan::catalog;
use jwtscan::config::Settings;
use jwtscan::context::Context;
use jwtscan::severity::Severity;

/// `now` for every example, pinned so expiry rules do not drift with the clock
/// (2023-11-14T22:13:20Z).
const NOW: i64 = 1_700_000_000;

/// Rules judged on history rather than on file contents: their examples are changes, checked in
/// the `hostile` tests.
fn judges_text(rule: &catalog::RuleMeta) -> bool {
    !rule.tags.iter().any(|tag| tag == "gate")
}

fn settings() -> Settings {
    Settings { now: NOW, ..Settings::default() }
}

/// The settings a rule's examples are scanned with: rules tagged `crack` run under `--crack` only
/// (with no masks, and a budget of a second, which a negative example may spend).
fn settings_for(rule: &catalog::RuleMeta) -> Settings {
    if !rule.tags.iter().any(|tag| tag == "crack") {
        return settings();
    }
    let crack = jwtscan::mask::Crack { masks: Vec::new(), time: std::time::Duration::from_secs(1) };
    Settings { crack: Some(crack), ..settings() }
}

fn fired(text: &str, settings: &Settings) -> Vec<String> {
    jwtscan::scan_text(text, settings).into_iter().map(|finding| finding.rule).collect()
}

#[test]
fn rule_ids_are_unique_and_the_registry_matches_rules_toml() {
    let ids: Vec<&str> = catalog::all().iter().map(|rule| rule.id.as_str()).collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate rule ids in {ids:?}");
    let registry: Vec<&str> = catalog::id::ALL.iter().map(|id| id.as_str()).collect();
    assert_eq!(ids, registry, "the generated rule ids follow rules.toml");
}

#[test]
fn every_rule_is_documented() {
    for rule in catalog::all() {
        let id = &rule.id;
        for (field, text) in [("summary", &rule.summary), ("what", &rule.what), ("why", &rule.why), ("fix", &rule.fix)]
        {
            assert!(!text.trim().is_empty() && !text.contains("TODO"), "{id}: `{field}` is empty or TODO");
        }
        assert!(!rule.references.is_empty(), "{id}: no references");
        for reference in &rule.references {
            assert!(reference.starts_with("https://"), "{id}: reference {reference} is not an https URL");
        }
        assert!(rule.tags.iter().any(|tag| tag == "security"), "{id}: no `security` tag");
        assert!(
            matches!(rule.precision.as_str(), "very-high" | "high" | "medium" | "low"),
            "{id}: precision `{}` is not a SARIF precision",
            rule.precision
        );
        let pascal: String = id.split('-').map(|word| word[..1].to_uppercase() + &word[1..]).collect();
        assert_eq!(rule.name, pascal, "{id}: name should be the PascalCase id");
    }
}

#[test]
fn every_rule_has_examples_and_negative_examples() {
    for rule in catalog::all() {
        assert!(!rule.examples.is_empty(), "{}: no examples", rule.id);
        assert!(!rule.negative_examples.is_empty(), "{}: no negative examples", rule.id);
    }
}

#[test]
fn every_example_fires_its_rule_once() {
    let mut failures = Vec::new();
    for rule in catalog::all().iter().filter(|rule| judges_text(rule)) {
        let settings = settings_for(rule);
        for example in &rule.examples {
            let fired = fired(example, &settings);
            let count = fired.iter().filter(|id| **id == rule.id).count();
            if count != 1 {
                failures.push(format!("{}: fired {count} times on {example:?} (all: {fired:?})", rule.id));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn no_negative_example_fires_its_rule() {
    let mut failures = Vec::new();
    for rule in catalog::all().iter().filter(|rule| judges_text(rule)) {
        let settings = settings_for(rule);
        for example in &rule.negative_examples {
            if fired(example, &settings).contains(&rule.id) {
                failures.push(format!("{}: fired on negative example {example:?}", rule.id));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What an example must never see repeated in a finding: its tokens, and for key rules the
/// private member's value (`"d": "…"`, `k: …`).
fn secrets_in(example: &str) -> Vec<&str> {
    let mut secrets: Vec<&str> = example
        .split(|c: char| c.is_whitespace() || matches!(c, '=' | '"' | '\''))
        .filter(|word| word.starts_with("eyJ") && word.matches('.').count() >= 2)
        .collect();
    // A PEM private key's body, line by line.
    if let Some(begin) = example.find("PRIVATE KEY-----") {
        let body = &example[begin..];
        let end = body.find("-----END").unwrap_or(body.len());
        secrets.extend(body[..end].lines().skip(1).filter(|line| line.len() >= 16));
    }
    for marker in ["\"d\": \"", "\"k\": \"", "k: ", "d: "] {
        for (at, _) in example.match_indices(marker) {
            let value = &example[at + marker.len()..];
            let end = value.find(['"', '\n']).unwrap_or(value.len());
            secrets.push(&value[..end]);
        }
    }
    secrets
}

#[test]
fn findings_never_repeat_a_whole_token_or_private_key() {
    for rule in catalog::all().iter().filter(|rule| judges_text(rule)) {
        let settings = settings_for(rule);
        for example in &rule.examples {
            let secrets = secrets_in(example);
            assert!(!secrets.is_empty(), "{}: example without a token or key: {example:?}", rule.id);
            for finding in jwtscan::scan_text(example, &settings) {
                let shown = format!("{} {} {:?}", finding.message, finding.token, finding.evidence);
                for secret in &secrets {
                    assert!(!shown.contains(secret), "{}: a {} finding repeats {secret}", rule.id, finding.rule);
                }
            }
        }
    }
}

#[test]
fn every_example_fails_the_run_in_source_and_is_reported_without_failing_in_tests() {
    for rule in jwtscan::catalog::all() {
        let base = settings_for(rule);
        for example in &rule.examples {
            let in_source = jwtscan::scan_text_at("src/app.txt", example, &base);
            // Rules about particular files (gate-config-changed: the config file) fire elsewhere.
            let Some(finding) = in_source.iter().find(|finding| finding.rule == rule.id) else { continue };
            // A published example (an RFC key) is an example wherever it is, and fails only with strict.
            let published = finding.clues.published.is_some();
            let expected = if published { Context::Example } else { Context::Source };
            assert_eq!(finding.context, expected, "{}: {example}", rule.id);
            assert_eq!(finding.fails, !published && finding.severity >= Severity::Low, "{}: {example}", rule.id);
            let in_tests = jwtscan::scan_text_at("tests/fixtures/app.txt", example, &base);
            let finding = in_tests.iter().find(|finding| finding.rule == rule.id).expect("fires");
            let expected = if published { Context::Example } else { Context::Test };
            assert_eq!(finding.context, expected, "{}: {example}", rule.id);
            assert_eq!(finding.fails, finding.clues.looks_real && !published, "{}: {example}", rule.id);
            let strict = jwtscan::context::Policy { strict: true, ..Default::default() };
            let verdict = strict.decide(base.fail_on, finding.context, finding.severity, false, published);
            assert_eq!(verdict.fails(), finding.severity >= Severity::Low, "strict {}: {example}", rule.id);
        }
    }
}
