//! What gets scanned, and the exit statuses of `scan` and bare `jwtscan`.

use predicates::prelude::*;

use crate::cli::util::{Fixture, NOW, hits, hs256, json, rules_of, stdout_json, unsigned, without_elapsed};

#[test]
fn bare_jwtscan_scans_the_current_folder_like_scan() {
    let fixture = Fixture::new();
    fixture.write("src/app.js", format!("const t = \"{}\";\n", unsigned()));
    let bare = stdout_json(fixture.cmd().args(["--format", "json"]));
    let scan = stdout_json(fixture.cmd().args(["scan", "--format", "json"]));
    let explicit = stdout_json(fixture.cmd().args(["scan", ".", "--format", "json"]));
    assert_eq!(without_elapsed(bare.clone()), without_elapsed(scan));
    assert_eq!(without_elapsed(bare.clone()), without_elapsed(explicit));
    assert!(hits(&bare).contains(&("alg-none".to_string(), "src/app.js".to_string(), 1)), "{bare}");
}

#[test]
fn a_tree_without_tokens_exits_0_and_says_no_findings() {
    let fixture = Fixture::new();
    fixture.write("a.txt", "nothing to see\n").write("b/c.txt", "eyJ but not a token\n");
    fixture.cmd().assert().code(0).stdout(predicate::str::starts_with("no findings (2 files, 0 tokens"));
}

#[test]
fn a_finding_at_or_above_the_default_fail_on_exits_1() {
    let fixture = Fixture::new();
    fixture.write("a.txt", unsigned());
    fixture.cmd().assert().code(1).stdout(predicate::str::contains("alg-none"));
}

#[test]
fn fail_on_sets_the_threshold_and_never_disables_it() {
    let fixture = Fixture::new();
    fixture.write("a.txt", hs256());
    fixture.cmd().args(["--now", NOW, "--fail-on", "high"]).assert().code(1);
    fixture.cmd().args(["--now", NOW, "--fail-on", "critical"]).assert().code(0);
    fixture.write("b.txt", unsigned());
    fixture.cmd().args(["--now", NOW, "--fail-on", "critical"]).assert().code(1);
    fixture.cmd().args(["--fail-on", "never"]).assert().code(0).stdout(predicate::str::contains("alg-none"));
}

#[test]
fn a_bad_severity_is_a_usage_error() {
    let fixture = Fixture::new();
    fixture.cmd().args(["--fail-on", "urgent"]).assert().code(2);
    fixture.cmd().args(["--min-severity", "urgent"]).assert().code(2);
}

#[test]
fn min_severity_drops_lower_findings_from_the_report_and_the_exit_status() {
    let fixture = Fixture::new();
    fixture.write("a.txt", unsigned()).write("b.txt", hs256());
    let all = stdout_json(fixture.cmd().args(["--format", "json", "--now", NOW]));
    assert!(rules_of(&all).contains(&"leaked-token".to_string()), "{all}");
    let critical = stdout_json(fixture.cmd().args(["--format", "json", "--now", NOW, "--min-severity", "critical"]));
    assert_eq!(hits(&critical), [("alg-none".to_string(), "a.txt".to_string(), 1)]);
    assert_eq!(critical["summary"]["findings"], 1);

    let only_hs = Fixture::new();
    only_hs.write("b.txt", hs256());
    only_hs.cmd().args(["--now", NOW, "--min-severity", "critical"]).assert().code(0);
}

#[test]
fn now_accepts_unix_seconds_and_rfc3339_and_rejects_anything_else() {
    let fixture = Fixture::new();
    fixture.write("a.txt", unsigned());
    fixture.cmd().args(["--now", "1700000000"]).assert().code(1);
    fixture.cmd().args(["--now", "2023-11-14T22:13:20Z"]).assert().code(1);
    fixture.cmd().args(["--now", "2023-11-15T00:13:20+02:00"]).assert().code(1);
    fixture.cmd().args(["--now", "tomorrow"]).assert().code(2).stderr(predicate::str::contains("--now"));
}

#[test]
fn now_sets_the_clock_for_dates_in_the_text_report() {
    let fixture = Fixture::new();
    fixture.write("a.txt", unsigned());
    fixture.cmd().args(["--now", "1700003000"]).assert().stdout(predicate::str::contains("(expires in 10m)"));
    fixture.cmd().args(["--now", "2023-11-15T00:13:20Z"]).assert().stdout(predicate::str::contains("(expired 1h ago)"));
}

#[test]
fn a_path_that_does_not_exist_exits_2_naming_it() {
    let fixture = Fixture::new();
    fixture.write("a.txt", unsigned());
    fixture.cmd().args(["a.txt", "missing-dir"]).assert().code(2).stderr(predicate::str::contains("missing-dir"));
}

#[test]
fn hidden_files_are_scanned() {
    let fixture = Fixture::new();
    fixture.write(".env", format!("TOKEN={}\n", unsigned())).write(".config/app/settings", unsigned());
    let report = stdout_json(fixture.cmd().args(["--format", "json"]));
    let paths: Vec<String> = hits(&report).into_iter().map(|(_, path, _)| path).collect();
    assert!(paths.contains(&".env".to_string()), "{report}");
    assert!(paths.contains(&".config/app/settings".to_string()), "{report}");
}

#[test]
fn the_git_folder_is_never_scanned() {
    let fixture = Fixture::new();
    fixture.write(".git/config", unsigned()).write(".git/objects/info/packs", unsigned()).write("a.txt", "x\n");
    fixture.cmd().assert().code(0);
    fixture.cmd().arg("--no-ignore").assert().code(0);
}

#[test]
fn gitignore_is_honoured_outside_a_git_repository_unless_no_ignore() {
    let fixture = Fixture::new();
    fixture
        .write(".gitignore", "ignored.txt\nbuild/\n")
        .write("ignored.txt", unsigned())
        .write("build/out.js", unsigned());
    fixture.cmd().assert().code(0);
    let report = stdout_json(fixture.cmd().args(["--no-ignore", "--format", "json"]));
    let paths: Vec<String> = hits(&report).into_iter().map(|(_, path, _)| path).collect();
    assert!(paths.contains(&"ignored.txt".to_string()) && paths.contains(&"build/out.js".to_string()), "{report}");
}

#[test]
fn files_over_max_file_size_are_skipped_and_counted() {
    let fixture = Fixture::new();
    fixture.write("big.txt", format!("{}\n{}", "x".repeat(100), unsigned())).write("small.txt", "tiny\n");
    let output = fixture.cmd().args(["--max-file-size", "50", "--format", "json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "a file over --max-file-size makes the scan incomplete");
    let report = json(&output.stdout);
    assert_eq!(report["summary"]["skipped"], 1);
    assert_eq!(report["summary"]["files_scanned"], 1);
    assert_eq!(report["summary"]["findings"], 0);
    assert!(String::from_utf8_lossy(&output.stderr).contains("big.txt"), "{output:?}");
    fixture.cmd().args(["--max-file-size", "100000"]).assert().code(1);
}

#[test]
fn one_thread_and_four_threads_give_the_same_report() {
    let fixture = Fixture::new();
    for index in 0..24 {
        let token = if index % 3 == 0 { unsigned() } else { hs256() };
        fixture.write(&format!("d{}/sub{}/f{index}.txt", index % 4, index % 2), format!("line\n  {token}\n{token}\n"));
    }
    let one = stdout_json(fixture.cmd().args(["--format", "json", "--now", NOW, "--threads", "1"]));
    let four = stdout_json(fixture.cmd().args(["--format", "json", "--now", NOW, "--threads", "4"]));
    assert_eq!(one["summary"]["findings"].as_u64(), Some(24 * 2 + 8 * 2), "{one}");
    assert_eq!(without_elapsed(one), without_elapsed(four));
}

#[test]
fn zero_threads_is_a_usage_error() {
    Fixture::new().cmd().args(["--threads", "0"]).assert().code(2).stderr(predicate::str::contains("--threads"));
}

#[test]
fn tokens_are_redacted_unless_show_secrets() {
    let fixture = Fixture::new();
    let token = hs256();
    let signature = token.rsplit('.').next().unwrap().to_string();
    fixture.write("a.txt", &token);
    for format in ["text", "json"] {
        let output = fixture.cmd().args(["--format", format]).output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(!stdout.contains(&signature), "{format}: {stdout}");
        assert!(stdout.contains("[redacted]"), "{format}: {stdout}");
        let shown = fixture.cmd().args(["--format", format, "--show-secrets"]).output().unwrap();
        assert!(String::from_utf8_lossy(&shown.stdout).contains(&token), "{format}");
    }
}

#[test]
fn inline_ignore_silences_its_line_unless_no_inline_ignore() {
    let fixture = Fixture::new();
    fixture.write("a.py", format!("TOKEN = \"{}\"  # jwtscan:ignore\n", unsigned()));
    let report = stdout_json(fixture.cmd().args(["--format", "json"]));
    assert_eq!(report["summary"]["findings"], 0, "{report}");
    assert_eq!(report["summary"]["tokens"], 1, "{report}");
    let audited = stdout_json(fixture.cmd().args(["--format", "json", "--no-inline-ignore"]));
    assert!(rules_of(&audited).contains(&"alg-none".to_string()), "{audited}");
}

#[test]
fn standard_input_is_scanned_as_path_dash() {
    let fixture = Fixture::new();
    let output = fixture
        .cmd()
        .args(["-", "--format", "json"])
        .write_stdin(format!("Authorization: Bearer {}\n", unsigned()))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output.stdout);
    assert!(hits(&report).contains(&("alg-none".to_string(), "-".to_string(), 1)), "{report}");
    assert_eq!(report["findings"][0]["column"], 23);
}

#[test]
fn paths_are_reported_as_reached_from_each_path_given() {
    let fixture = Fixture::new();
    fixture.write("src/a.txt", unsigned()).write("other/deep/b.txt", unsigned()).write("skipped/c.txt", unsigned());
    let report = stdout_json(fixture.cmd().args(["src/a.txt", "other", "--format", "json"]));
    let mut paths: Vec<String> = hits(&report).into_iter().map(|(_, path, _)| path).collect();
    paths.dedup();
    assert_eq!(paths, ["other/deep/b.txt", "src/a.txt"]);

    let absolute = fixture.join("src");
    let report = stdout_json(fixture.cmd().arg(&absolute).args(["--format", "json"]));
    let expected = absolute.join("a.txt").display().to_string();
    let found = hits(&report);
    assert!(!found.is_empty() && found.iter().all(|(_, path, _)| *path == expected), "{report}");
}
