//! README.md promises what the binary does (and that `jwtscan scan .` on this repository is
//! clean); these tests keep the promises from drifting apart.

use jwtscan::rules::{self, RuleMeta};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md")
}

#[test]
fn readme_rule_docs_are_generated_from_rules_toml() {
    let readme = readme();
    let start = readme.find("<!-- rules:start -->\n").expect("rules:start marker") + "<!-- rules:start -->\n".len();
    let end = readme.find("<!-- rules:end -->").expect("rules:end marker");
    let all: Vec<&RuleMeta> = rules::all().iter().collect();
    let expected = jwtscan::commands::rules::markdown(&all);
    assert!(
        readme[start..end] == expected,
        "README.md's rule section is stale: regenerate it with `cargo run -- rules --format markdown`"
    );
}

#[test]
fn readme_gives_the_two_setup_commands_and_the_test_command_ci_runs() {
    let readme = readme();
    assert!(readme.contains("cargo run --release -- scan examples/demo"));
    assert!(readme.contains("\ncargo test "));
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).expect(".ci/run");
    assert!(ci.contains("\ncargo test"), ".ci/run runs the README's test command");
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
