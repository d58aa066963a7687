//! README.md and docs/ promise what the binary does (and that `jwtscan scan .` on this repository
//! is clean); these tests keep the promises from drifting apart.

use jwtscan::catalog::{self, RuleMeta};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md")
}

#[test]
fn the_rule_reference_in_docs_is_generated_from_rules_toml() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md")).expect("docs/rules.md");
    let start = doc.find("<!-- rules:start -->\n").expect("rules:start marker") + "<!-- rules:start -->\n".len();
    let end = doc.find("<!-- rules:end -->").expect("rules:end marker");
    let all: Vec<&RuleMeta> = catalog::all().iter().collect();
    let expected = jwtscan::commands::rules::markdown(&all);
    assert!(
        doc[start..end] == expected,
        "docs/rules.md is stale: regenerate between its markers with `cargo run -- rules --format markdown`"
    );
}

#[test]
fn readme_gives_the_two_setup_commands_and_the_test_command_ci_runs() {
    let readme = readme();
    assert!(readme.contains("cargo run --release -- scan examples/demo"));
    let test_line = readme.lines().find(|line| line.starts_with("cargo test")).expect("a `cargo test` line");
    let test_command = test_line.split('#').next().unwrap().trim();
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).expect(".ci/run");
    assert!(
        ci.lines().any(|line| line.trim() == test_command),
        ".ci/run must run exactly the README's test command `{test_command}`"
    );
}

#[test]
fn the_repository_scans_clean_under_its_own_config() {
    let output = assert_cmd::Command::cargo_bin("jwtscan")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["scan", "--format", "json", "."])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    assert_eq!(report["findings"], serde_json::json!([]), "jwtscan.toml should exclude or allowlist every test token");
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn the_readme_demo_command_scans_the_demo_under_its_own_config() {
    let output = assert_cmd::Command::cargo_bin("jwtscan")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["scan", "--format", "json", "examples/demo"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    assert_eq!(
        report["summary"]["config"], "examples/demo/jwtscan.toml",
        "not the repository's, which excludes examples/"
    );
    assert!(report["summary"]["findings"].as_u64() > Some(10), "{}", report["summary"]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn the_docs_give_the_real_rule_count_and_report_format_lists_every_rule_id() {
    let count = catalog::all().len();
    let readme = readme();
    assert!(readme.contains(&format!("The {count} rules are listed")), "README.md must say {count} rules");
    let contract = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/report-format.md")).unwrap();
    let start = contract.find(&format!("The {count} rule ids (")).expect("report-format.md gives the real count");
    let list = &contract[start..start + contract[start..].find(')').unwrap() + 1];
    for rule in catalog::all() {
        assert!(list.contains(&format!("`{}`", rule.id)), "report-format.md does not list {}", rule.id);
    }
}
