//! `--format sarif`: every log validates against the SARIF 2.1.0 schema and carries what GitHub
//! code scanning reads (rules with help and security-severity, levels, fingerprints, limits).

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use assert_cmd::Command;
use jwtscan::collect::Problem;
use jwtscan::config::Settings;
use jwtscan::finding::Finding;
use jwtscan::report::{self, Report, Summary};
use jwtscan::severity::Severity;
use serde_json::Value;

const ALG_NONE: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.";

static VALIDATOR: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    // Vendored (tests/schemas/README.md says from where): the suite needs nothing beside the clone.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft4::options().should_validate_formats(true).build(&schema).unwrap()
});

fn assert_valid(log: &Value) {
    let errors: Vec<String> = VALIDATOR.iter_errors(log).map(|err| format!("{err} at {}", err.instance_path)).collect();
    assert!(errors.is_empty(), "SARIF log is not valid against the 2.1.0 schema:\n{}", errors.join("\n"));
}

fn jwtscan(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("jwtscan").unwrap();
    cmd.current_dir(dir).env_remove("GITHUB_STEP_SUMMARY");
    cmd
}

fn sarif_of(dir: &Path, args: &[&str]) -> Value {
    let output = jwtscan(dir).args(["scan", "--format", "sarif"]).args(args).output().unwrap();
    assert!(output.status.code().is_some_and(|code| code < 2), "{}", String::from_utf8_lossy(&output.stderr));
    let log: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_valid(&log);
    log
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().unwrap()
}

fn notifications(log: &Value) -> Vec<(String, String)> {
    log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|n| (n["level"].as_str().unwrap().to_string(), n["message"]["text"].as_str().unwrap().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn tree_with_token() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("config")).unwrap();
    std::fs::write(dir.path().join("config/dev.env"), format!("# dev\nTOKEN=\"{ALG_NONE}\"\n")).unwrap();
    dir
}

#[test]
fn a_scan_without_findings_is_valid_and_still_lists_every_rule() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("clean.txt"), "nothing here\n").unwrap();
    let log = sarif_of(dir.path(), &["."]);
    assert_eq!(log["version"], "2.1.0");
    assert!(results(&log).is_empty());
    let run = &log["runs"][0];
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "jwtscan");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
    assert!(driver["informationUri"].as_str().unwrap().starts_with("https://"));
    let ids: Vec<&str> = driver["rules"].as_array().unwrap().iter().map(|rule| rule["id"].as_str().unwrap()).collect();
    let expected: Vec<&str> = jwtscan::catalog::all().iter().map(|rule| rule.id.as_str()).collect();
    assert_eq!(ids, expected);
}

#[test]
fn every_rule_descriptor_has_help_levels_tags_and_a_numeric_security_severity() {
    let dir = tempfile::tempdir().unwrap();
    let log = sarif_of(dir.path(), &["."]);
    for rule in log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap() {
        let id = rule["id"].as_str().unwrap();
        for field in ["name", "shortDescription", "fullDescription"] {
            assert!(!rule[field].is_null(), "{id}: no {field}");
        }
        assert!(!rule["help"]["text"].as_str().unwrap().trim().is_empty(), "{id}: empty help.text");
        assert!(!rule["help"]["markdown"].as_str().unwrap().trim().is_empty(), "{id}: empty help.markdown");
        let severity = jwtscan::catalog::meta(id).unwrap().severity;
        let level = match severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "note",
        };
        assert_eq!(rule["defaultConfiguration"]["level"], level, "{id}");
        let properties = &rule["properties"];
        assert!(properties["tags"].as_array().unwrap().iter().any(|tag| tag == "security"), "{id}");
        assert!(properties["precision"].is_string(), "{id}");
        let score: f64 = properties["security-severity"].as_str().unwrap().parse().unwrap();
        assert!((0.1..=10.0).contains(&score), "{id}: {score}");
    }
}

#[test]
fn findings_carry_rule_level_location_and_the_json_fingerprint() {
    let dir = tree_with_token();
    let log = sarif_of(dir.path(), &["--sarif-category", "jwt/main"]);
    assert_eq!(log["runs"][0]["automationDetails"]["id"], "jwt/main");
    let json_out = jwtscan(dir.path()).args(["--format", "json"]).output().unwrap();
    let json: Value = serde_json::from_slice(&json_out.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let results = results(&log);
    assert_eq!(results.len(), findings.len());
    assert!(results.len() >= 2, "alg-none and leaked-token expected");
    let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    for (result, finding) in results.iter().zip(findings) {
        assert_eq!(result["ruleId"], finding["rule"]);
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let expected_level = match finding["severity"].as_str().unwrap() {
            "critical" | "high" => "error",
            "medium" => "warning",
            _ => "note",
        };
        assert_eq!(result["level"], expected_level);
        assert_eq!(result["message"]["text"], finding["message"]);
        assert_eq!(result["partialFingerprints"]["jwtscan/v1"], finding["fingerprint"]);
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "config/dev.env");
        let region = &location["region"];
        assert_eq!(region["startLine"], finding["line"]);
        assert_eq!(region["startColumn"], finding["column"]);
        assert_eq!(region["endLine"], finding["end_line"]);
        assert_eq!(region["endColumn"], finding["end_column"]);
        assert!(!result.to_string().contains(ALG_NONE), "the full token leaked into SARIF");
    }
}

#[test]
fn skipped_and_unreadable_files_become_tool_execution_notifications() {
    let dir = tree_with_token();
    std::fs::write(dir.path().join("big.txt"), "x".repeat(4096)).unwrap();
    let log = sarif_of(dir.path(), &["--max-file-size", "1000", "."]);
    let notes = notifications(&log);
    assert!(
        notes.iter().any(|(level, text)| level == "note" && text.contains("big.txt") && text.contains("skipped")),
        "{notes:?}"
    );
    assert_eq!(log["runs"][0]["properties"]["summary"]["skipped"], 1);
    assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], true);
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_warnings_in_the_log() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tree_with_token();
    let locked = dir.path().join("locked.env");
    std::fs::write(&locked, ALG_NONE).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_ok() {
        // Running as root: permissions cannot make a file unreadable; a FIFO is the other warning.
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
        let fifo = dir.path().join("pipe.env");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let notes = notifications(&sarif_of(dir.path(), &["."]));
        assert!(notes.iter().any(|(_, text)| text.contains("pipe.env")), "{notes:?}");
        return;
    }
    let notes = notifications(&sarif_of(dir.path(), &["."]));
    assert!(notes.iter().any(|(level, text)| level == "warning" && text.contains("locked.env")), "{notes:?}");
}

#[test]
fn awkward_file_names_become_valid_percent_encoded_uris() {
    let dir = tempfile::tempdir().unwrap();
    let name = if cfg!(windows) { "a b%é#.env" } else { "a b:%é#?.env" };
    std::fs::write(dir.path().join(name), ALG_NONE).unwrap();
    let log = sarif_of(dir.path(), &["."]);
    let uri = results(&log)[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
    let expected = if cfg!(windows) { "a%20b%25%C3%A9%23.env" } else { "a%20b%3A%25%C3%A9%23%3F.env" };
    assert_eq!(uri, expected);
}

#[test]
fn absolute_paths_outside_the_working_folder_are_file_uris() {
    let tree = tree_with_token();
    let elsewhere = tempfile::tempdir().unwrap();
    let root: PathBuf = tree.path().canonicalize().unwrap();
    let log = sarif_of(elsewhere.path(), &[root.to_str().unwrap()]);
    let artifact = &results(&log)[0]["locations"][0]["physicalLocation"]["artifactLocation"];
    let uri = artifact["uri"].as_str().unwrap();
    assert!(uri.starts_with("file:///") && uri.ends_with("/config/dev.env"), "{uri}");
    assert!(artifact["uriBaseId"].is_null(), "an absolute URI takes no base");
}

#[test]
fn absolute_paths_inside_the_working_folder_are_relative() {
    let tree = tree_with_token();
    let root: PathBuf = tree.path().canonicalize().unwrap();
    let log = sarif_of(&root, &[root.to_str().unwrap()]);
    let artifact = &results(&log)[0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(artifact["uri"], "config/dev.env");
    assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
}

fn synthetic(index: usize, severity: Severity) -> Finding {
    let path = format!("src/module{}/file{index}.env", index % 97);
    Finding {
        rule: if severity == Severity::Critical { "alg-none" } else { "leaked-token" }.to_string(),
        line: index as u64 + 1,
        column: 5,
        end_line: index as u64 + 1,
        end_column: 90,
        token_sha256: format!("{index:064x}"),
        fingerprint: format!("{index:032x}"),
        ..crate::github::finding(severity, "a JSON Web Token is committed", &path)
    }
}

#[test]
fn more_findings_than_github_accepts_keep_the_most_severe_within_both_limits() {
    const TOTAL: usize = 30_000;
    const CRITICAL_EVERY: usize = 6;
    let findings: Vec<Finding> = (0..TOTAL)
        .map(|i| synthetic(i, if i % CRITICAL_EVERY == 0 { Severity::Critical } else { Severity::Low }))
        .collect();
    let report = Report {
        summary: Summary { findings: TOTAL as u64, ..Summary::default() },
        findings: findings.into(),
        problems: (0..2_000)
            .map(|i| Problem::Skipped { path: format!("vendor/f{i}"), reason: "symbolic link not followed".into() })
            .collect(),
    };
    let settings = Settings { format: jwtscan::cli::Format::Sarif, ..Settings::default() };
    let mut out = Vec::new();
    report::write(&report, &settings, &mut out).unwrap();
    assert!(out.len() <= report::sarif::MAX_BYTES, "{} bytes", out.len());
    let log: Value = serde_json::from_slice(&out).unwrap();
    assert_valid(&log);
    let kept = results(&log);
    assert!(kept.len() <= report::sarif::MAX_RESULTS);
    assert!(kept.len() < TOTAL);
    let critical = kept.iter().filter(|result| result["ruleId"] == "alg-none").count();
    assert_eq!(critical, TOTAL.div_ceil(CRITICAL_EVERY), "every critical finding is kept");
    let lines: Vec<u64> =
        kept.iter().map(|r| r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap()).collect();
    assert!(lines.windows(2).all(|pair| pair[0] < pair[1]), "kept results stay in report order");
    let notes = notifications(&log);
    let omitted = TOTAL - kept.len();
    assert!(notes.iter().any(|(_, text)| text.starts_with(&format!("{omitted} of {TOTAL} findings"))), "omission");
    assert_eq!(notes.len(), report::sarif::MAX_NOTIFICATIONS + 2, "warnings are capped, plus two summaries");
}

#[test]
fn the_schema_check_rejects_a_broken_log() {
    let dir = tree_with_token();
    let mut log = sarif_of(dir.path(), &["."]);
    log["runs"][0]["results"][0]["level"] = Value::from("fatal");
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = Value::from(0);
    let errors: Vec<String> = VALIDATOR.iter_errors(&log).map(|err| err.to_string()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
}
