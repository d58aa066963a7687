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

/// The `script` of the GitLab CI template, as the runner's shell gets it.
fn template_script() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/gitlab/jwtscan.gitlab-ci.yml");
    let template = std::fs::read_to_string(path).unwrap();
    let start = template.find("  script:\n    - |\n").expect("a script block") + "  script:\n    - |\n".len();
    template[start..]
        .lines()
        .take_while(|line| line.is_empty() || line.starts_with("      "))
        .map(|line| line.strip_prefix("      ").unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(unix)]
#[test]
fn the_ci_template_scans_a_merge_requests_commits_and_writes_the_report() {
    let fixture = Fixture::new();
    let git = |args: &[&str]| -> String {
        let output = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"])
            .args(args)
            .current_dir(fixture.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "git {args:?}");
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    };
    git(&["init", "--quiet"]);
    fixture.write("old.env", format!("T={}\n", unsigned()));
    git(&["add", "."]);
    git(&["commit", "--quiet", "-m", "before the merge request"]);
    let base = git(&["rev-parse", "HEAD"]);
    fixture.write("src/lib.rs", "pub fn f() {}\n");
    git(&["add", "."]);
    git(&["commit", "--quiet", "-m", "clean change"]);
    let head = git(&["rev-parse", "HEAD"]);
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_jwtscan")).parent().unwrap().to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let run = |vars: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new("sh");
        cmd.args(["-ec", &template_script()]).current_dir(fixture.path()).env("PATH", &path);
        for (key, value) in vars {
            cmd.env(key, value);
        }
        let status = cmd.status().unwrap();
        let report: Value =
            serde_json::from_slice(&std::fs::read(fixture.join("gl-secret-detection-report.json")).unwrap()).unwrap();
        assert_valid(&report);
        (status.code(), report["vulnerabilities"].as_array().unwrap().len())
    };
    // A merge request: only its commits, which add no token. The token before it does not count.
    let (code, found) = run(&[("CI_MERGE_REQUEST_DIFF_BASE_SHA", &base), ("CI_COMMIT_SHA", &head)]);
    assert_eq!((code, found), (Some(0), 0));
    // The default branch: the work tree, token included.
    let (code, found) = run(&[("CI_COMMIT_SHA", &head)]);
    assert_eq!(code, Some(1));
    assert!(found > 0);
    let (code, _) = run(&[("CI_COMMIT_SHA", &head), ("JWTSCAN_FAIL_ON", "never")]);
    assert_eq!(code, Some(0));
}
