//! `jwtscan.toml` / `.jwtscan.toml` discovery, `--config`, and every key the tests can observe.

use predicates::prelude::*;

use crate::cli::util::{Fixture, hits, rules_of, sha256_hex, stdout_json, unsigned, unsigned_other};

fn with_token() -> Fixture {
    let fixture = Fixture::new();
    fixture.write("src/a.txt", unsigned());
    fixture
}

#[test]
fn jwtscan_toml_in_the_scanned_folder_is_read() {
    let fixture = with_token();
    fixture.cmd().assert().code(1);
    fixture.write("jwtscan.toml", "fail_on = \"never\"\n");
    fixture.cmd().assert().code(0);
}

#[test]
fn dot_jwtscan_toml_is_read_too() {
    let fixture = with_token();
    fixture.write(".jwtscan.toml", "fail_on = \"never\"\n");
    fixture.cmd().assert().code(0);
}

#[test]
fn the_config_is_looked_up_in_the_first_path() {
    let fixture = Fixture::new();
    fixture.write("project/jwtscan.toml", "fail_on = \"never\"\n").write("project/a.txt", unsigned());
    fixture.cmd().arg("project").assert().code(0);
}

#[test]
fn config_flag_names_a_file_anywhere() {
    let fixture = with_token();
    fixture.write("ops/strict.toml", "fail_on = \"never\"\n");
    fixture.cmd().args(["--config", "ops/strict.toml"]).assert().code(0);
    fixture
        .cmd()
        .args(["--config", "ops/missing.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.toml"));
}

#[test]
fn flags_override_the_config_file() {
    let fixture = with_token();
    fixture.write("jwtscan.toml", "fail_on = \"never\"\n");
    fixture.cmd().args(["--fail-on", "low"]).assert().code(1);
}

#[test]
fn an_unknown_key_exits_2_naming_the_key_and_the_file() {
    let fixture = with_token();
    fixture.write("jwtscan.toml", "fail_on = \"never\"\nfail-onn = \"low\"\n");
    fixture
        .cmd()
        .assert()
        .code(2)
        .stderr(predicate::str::contains("fail-onn").and(predicate::str::contains("jwtscan.toml")));
}

#[test]
fn an_unknown_rule_id_or_bad_severity_exits_2_naming_the_key() {
    let fixture = with_token();
    fixture.write("jwtscan.toml", "[rules]\ndisable = [\"alg-nope\"]\n");
    fixture
        .cmd()
        .assert()
        .code(2)
        .stderr(predicate::str::contains("alg-nope").and(predicate::str::contains("rules.disable")));
    fixture.write("jwtscan.toml", "[rules.severity]\nalg-none = \"urgent\"\n");
    fixture.cmd().assert().code(2).stderr(predicate::str::contains("rules.severity.alg-none"));
}

#[test]
fn exclude_globs_are_relative_to_the_config_folder() {
    let fixture = Fixture::new();
    fixture
        .write("jwtscan.toml", "exclude = [\"tests/fixtures/**\", \"*.log\"]\n")
        .write("tests/fixtures/tokens.txt", unsigned())
        .write("logs/app.log", unsigned())
        .write("src/app.js", unsigned());
    let report = stdout_json(fixture.cmd().args(["--format", "json"]));
    let paths: Vec<String> = hits(&report).into_iter().map(|(_, path, _)| path).collect();
    assert!(!paths.is_empty() && paths.iter().all(|path| path == "src/app.js"), "{report}");
}

#[test]
fn disabled_rules_are_not_reported() {
    let fixture = with_token();
    fixture.write("jwtscan.toml", "[rules]\ndisable = [\"alg-none\"]\n");
    let report = stdout_json(fixture.cmd().args(["--format", "json"]));
    let rules = rules_of(&report);
    assert!(!rules.contains(&"alg-none".to_string()) && rules.contains(&"leaked-token".to_string()), "{report}");
}

#[test]
fn rule_severity_overrides_apply_to_the_report_and_the_exit_status() {
    let fixture = with_token();
    fixture.write(
        "jwtscan.toml",
        "fail_on = \"high\"\n[rules]\ndisable = [\"leaked-token\"]\n[rules.severity]\nalg-none = \"low\"\n",
    );
    let report = stdout_json(fixture.cmd().args(["--format", "json"]));
    let finding = &report["findings"][0];
    assert_eq!((finding["rule"].as_str(), finding["severity"].as_str()), (Some("alg-none"), Some("low")), "{report}");
    fixture.cmd().assert().code(0);
}

#[test]
fn min_severity_in_the_config_filters_the_report() {
    let fixture = with_token();
    fixture.write("jwtscan.toml", "min_severity = \"critical\"\n");
    let report = stdout_json(fixture.cmd().args(["--format", "json"]));
    assert_eq!(rules_of(&report), ["alg-none"]);
}

#[test]
fn allowlisted_tokens_are_never_reported() {
    let fixture = with_token();
    fixture.write("src/b.txt", unsigned_other());
    fixture.write("jwtscan.toml", format!("[allowlist]\ntokens = [\"{}\"]\n", sha256_hex(&unsigned())));
    let report = stdout_json(fixture.cmd().args(["--format", "json"]));
    let paths: Vec<String> = hits(&report).into_iter().map(|(_, path, _)| path).collect();
    assert!(!paths.is_empty() && paths.iter().all(|path| path == "src/b.txt"), "{report}");
    fixture.write("jwtscan.toml", "[allowlist]\ntokens = [\"abc\"]\n");
    fixture.cmd().assert().code(2).stderr(predicate::str::contains("allowlist.tokens"));
}

#[test]
fn max_lifetime_takes_a_duration_and_rejects_anything_else() {
    let fixture = with_token();
    for good in ["\"2h\"", "\"30m\"", "\"7d\"", "3600"] {
        fixture.write("jwtscan.toml", format!("max_lifetime = {good}\n"));
        fixture.cmd().assert().code(1);
    }
    fixture.write("jwtscan.toml", "max_lifetime = \"forever\"\n");
    fixture
        .cmd()
        .assert()
        .code(2)
        .stderr(predicate::str::contains("max_lifetime").and(predicate::str::contains("jwtscan.toml")));
}

#[test]
fn a_top_level_key_after_a_table_gets_a_hint() {
    let fixture = Fixture::new();
    fixture.write("a.txt", "nothing\n");
    for (config, key, table) in [
        ("[rules]\ndisable = []\nfail_on = \"high\"\n", "fail_on", "[rules]"),
        ("[rules.severity]\r\nno-expiry = \"low\"\r\n\r\nexclude = [\"x\"]\r\n", "exclude", "[rules.severity]"),
    ] {
        fixture.write("jwtscan.toml", config);
        let output = fixture.cmd().arg("a.txt").output().unwrap();
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr
                .contains(&format!("hint: `{key}` is a top-level key, but in TOML every key after the `{table}` line")),
            "{stderr}"
        );
    }
    fixture.write("jwtscan.toml", "[rules]\nbogus = 1\n");
    let stderr = String::from_utf8_lossy(&fixture.cmd().arg("a.txt").output().unwrap().stderr).into_owned();
    assert!(!stderr.contains("hint:"), "only top-level keys get the hint: {stderr}");
}
