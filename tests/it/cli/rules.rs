//! `jwtscan rules`: the list, one rule's help, and the JSON form.

use predicates::prelude::*;

use crate::cli::util::json;

/// Every rule id the contract names (docs/report-format.md, docs/rules.md).
/// The rule ids in `rules/rules.toml` order; `tests/rule_examples.rs` pins them to the contract's list.
fn spec_ids() -> Vec<&'static str> {
    jwtscan::catalog::all().iter().map(|rule| rule.id.as_str()).collect()
}

fn jwtscan() -> assert_cmd::Command {
    assert_cmd::Command::new(env!("CARGO_BIN_EXE_jwtscan"))
}

#[test]
fn rules_lists_every_spec_rule_with_its_default_severity() {
    let output = jwtscan().arg("rules").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    let rule_lines =
        text.lines().filter(|line| spec_ids().iter().any(|id| line.split_whitespace().next() == Some(*id)));
    assert_eq!(rule_lines.count(), spec_ids().len(), "{text}");
    for id in spec_ids() {
        assert!(text.lines().any(|line| line.split_whitespace().next() == Some(id)), "{id} missing from\n{text}");
    }
    let alg_none = text.lines().find(|line| line.starts_with("alg-none ")).unwrap();
    assert_eq!(alg_none.split_whitespace().nth(1), Some("critical"));
}

#[test]
fn rules_with_an_id_shows_the_full_help() {
    jwtscan().args(["rules", "alg-none"]).assert().code(0).stdout(
        predicate::str::starts_with("alg-none (AlgNone): ")
            .and(predicate::str::contains("Default severity: critical"))
            .and(predicate::str::contains("What it does"))
            .and(predicate::str::contains("Why is this bad"))
            .and(predicate::str::contains("How to fix")),
    );
}

#[test]
fn an_unknown_rule_id_exits_2_listing_the_valid_ids() {
    jwtscan()
        .args(["rules", "alg-nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("alg-nope").and(predicate::str::contains("leaked-token, alg-none")));
}

#[test]
fn rules_json_is_an_array_of_complete_rule_objects() {
    let output = jwtscan().args(["rules", "--format", "json"]).output().unwrap();
    let rules = json(&output.stdout);
    let rules = rules.as_array().expect("array");
    assert_eq!(rules.len(), spec_ids().len());
    for rule in rules {
        for field in ["id", "name", "severity", "summary", "what", "why", "fix", "precision"] {
            assert!(rule[field].is_string(), "{field} in {rule}");
        }
        assert!(rule["references"].is_array() && rule["tags"].is_array(), "{rule}");
    }
    let ids: Vec<&str> = rules.iter().filter_map(|rule| rule["id"].as_str()).collect();
    assert_eq!(ids, spec_ids());
}

#[test]
fn rules_json_with_an_id_is_that_rule_object() {
    let rule = json(&jwtscan().args(["rules", "no-expiry", "--format", "json"]).output().unwrap().stdout);
    assert_eq!((rule["id"].as_str(), rule["severity"].as_str()), (Some("no-expiry"), Some("medium")));
}
