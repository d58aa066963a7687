//! `--format gitlab`: every report validates against GitLab's secret-detection report schema
//! (15.1.0, vendored in tests/schemas), names the rule, redacts the token and flags findings whose
//! context does not count.

use std::path::Path;
use std::sync::LazyLock;

use serde_json::Value;

use crate::cli::util::{Fixture, NOW, unsigned};

static VALIDATOR: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/secret-detection-report-format-15.1.0.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft7::options().should_validate_formats(true).build(&schema).unwrap()
});

fn assert_valid(report: &Value) {
    let errors: Vec<String> =
        VALIDATOR.iter_errors(report).map(|err| format!("{err} at {}", err.instance_path)).collect();
    assert!(errors.is_empty(), "not a valid GitLab secret-detection report:\n{}", errors.join("\n"));
}

fn gitlab_report(fixture: &Fixture, args: &[&str]) -> (Value, Option<i32>) {
    let output = fixture.cmd().args(["scan", "--format", "gitlab", "--now", NOW]).args(args).output().unwrap();
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("not JSON ({err}): {}", String::from_utf8_lossy(&output.stdout)));
    (report, output.status.code())
}

#[test]
fn a_report_with_findings_is_schema_valid_and_redacted() {
    let fixture = Fixture::new();
    let token = unsigned();
    fixture.write("src/app.env", format!("T={token}\n")).write("tests/fixture.env", format!("T={token}\n"));
    let (report, code) = gitlab_report(&fixture, &["."]);
    assert_eq!(code, Some(1));
    assert_valid(&report);
    assert_eq!(report["scan"]["type"], "secret_detection");
    assert_eq!(report["scan"]["end_time"], "2023-11-14T22:13:20");
    let vulnerabilities = report["vulnerabilities"].as_array().unwrap();
    let alg_none: Vec<&Value> = vulnerabilities.iter().filter(|v| v["identifiers"][0]["value"] == "alg-none").collect();
    assert_eq!(alg_none.len(), 2, "{vulnerabilities:#?}");
    let source = alg_none.iter().find(|v| v["location"]["file"] == "src/app.env").unwrap();
    assert_eq!(source["severity"], "Critical");
    assert_eq!(source["location"]["start_line"], 1);
    assert!(source.get("flags").is_none(), "a source finding is not flagged");
    let test = alg_none.iter().find(|v| v["location"]["file"] == "tests/fixture.env").unwrap();
    assert_eq!(test["flags"][0]["type"], "flagged-as-likely-false-positive");
    let text = serde_json::to_string(&report).unwrap();
    assert!(!text.contains(&token), "the whole token is never in the report");
    let ids: std::collections::HashSet<&str> = vulnerabilities.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), vulnerabilities.len(), "ids are unique");
}

#[test]
fn an_empty_report_with_warnings_is_schema_valid() {
    let fixture = Fixture::new();
    fixture.write("a.txt", "nothing\n").write("big.bin", "x".repeat(4096));
    let (report, code) = gitlab_report(&fixture, &["--max-file-size", "1K", "--allow-incomplete", "."]);
    assert_eq!(code, Some(0));
    assert_valid(&report);
    assert_eq!(report["vulnerabilities"].as_array().unwrap().len(), 0);
    assert_eq!(report["scan"]["messages"][0]["level"], "warn");
}

#[test]
fn history_findings_carry_their_commit() {
    let fixture = Fixture::new();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(fixture.path())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "--quiet"]);
    fixture.write("app.env", format!("T={}\n", unsigned()));
    git(&["add", "app.env"]);
    git(&["commit", "--quiet", "-m", "add"]);
    let output = fixture.cmd().args(["git", "--format", "gitlab", "--now", NOW]).output().unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_valid(&report);
    let sha = report["vulnerabilities"][0]["location"]["commit"]["sha"].as_str().unwrap();
    assert_eq!(sha.len(), 40, "{sha}");
}

#[test]
fn the_schema_check_rejects_a_broken_report() {
    let broken = serde_json::json!({"version": "15.1.0", "scan": {}, "vulnerabilities": [{"id": ""}]});
    assert!(!VALIDATOR.is_valid(&broken));
}
