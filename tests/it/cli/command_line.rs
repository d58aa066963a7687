//! The command line as people meet it: config discovery, `--exclude` and `--disable`, inline
//! ignores per rule, the one-line failure summary on stderr, size suffixes, "did you mean", one
//! error prefix, help that shows only what a subcommand reads, and `decode --show-secrets`.

use crate::cli::util::{Fixture, NOW, hits, json, rules_of, unsigned, unsigned_other};

/// A repository: `.git` at its root, the config there, a token two folders down.
fn repository(config: &str) -> Fixture {
    let fixture = Fixture::new();
    std::fs::create_dir_all(fixture.join(".git")).unwrap();
    fixture.write("jwtscan.toml", config).write("src/deep/app.env", format!("T={}\n", unsigned()));
    fixture
}

#[test]
fn a_scan_of_a_subfolder_uses_the_config_at_the_repository_root() {
    let fixture = repository("[rules]\ndisable = [\"alg-none\"]\n");
    let output = fixture.cmd().args(["--format", "json", "--now", NOW, "src/deep"]).output().unwrap();
    let report = json(&output.stdout);
    assert!(!rules_of(&report).contains(&"alg-none".to_string()), "{report}");
    assert_eq!(report["summary"]["config"], "jwtscan.toml");
}

#[test]
fn a_scan_of_a_file_uses_the_config_at_the_repository_root() {
    let fixture = repository("[rules]\ndisable = [\"alg-none\"]\n");
    let output =
        fixture.cmd().current_dir(fixture.join("src")).args(["--format", "json", "deep/app.env"]).output().unwrap();
    let report = json(&output.stdout);
    assert!(!rules_of(&report).contains(&"alg-none".to_string()), "{report}");
    let config = report["summary"]["config"].as_str().unwrap();
    assert!(config.ends_with("jwtscan.toml") && std::path::Path::new(config).is_absolute(), "{config}");
}

#[test]
fn verbose_names_the_config_used_or_none() {
    let fixture = repository("");
    let output = fixture.cmd().args(["-v", "--fail-on", "never", "src"]).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("jwtscan: config: jwtscan.toml\n"));
    let bare = Fixture::new();
    bare.write("a.txt", "nothing\n");
    let output = bare.cmd().args(["-v", "."]).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("jwtscan: config: none\n"));
    let report = json(&bare.cmd().args(["--format", "json", "."]).output().unwrap().stdout);
    assert_eq!(report["summary"]["config"], serde_json::Value::Null);
}

#[test]
fn the_sarif_summary_names_the_config() {
    let fixture = repository("");
    let output = fixture.cmd().args(["--format", "sarif", "--fail-on", "never", "."]).output().unwrap();
    let log = json(&output.stdout);
    assert_eq!(log["runs"][0]["properties"]["summary"]["config"], "jwtscan.toml");
}

#[test]
fn exclude_and_disable_flags_add_to_the_config_lists() {
    let fixture = repository("exclude = [\"vendor/**\"]\n[rules]\ndisable = [\"no-expiry\"]\n");
    fixture.write("vendor/v.env", unsigned()).write("fixtures/f.env", unsigned_other());
    let report = json(
        &fixture
            .cmd()
            .args(["--format", "json", "--now", NOW, "--exclude", "fixtures", "--exclude", "*.md"])
            .args(["--disable", "leaked-token", "--disable", "alg-none", "."])
            .output()
            .unwrap()
            .stdout,
    );
    assert_eq!(hits(&report), [], "vendor/ (config), fixtures (flag) excluded; the rest disabled: {report}");
    let report = json(
        &fixture.cmd().args(["--format", "json", "--now", NOW, "--exclude", "fixtures", "."]).output().unwrap().stdout,
    );
    let paths: Vec<String> = hits(&report).into_iter().map(|(_, path, _)| path).collect();
    assert!(!paths.is_empty() && paths.iter().all(|path| path == "src/deep/app.env"), "{paths:?}");
}

#[test]
fn disable_with_an_unknown_rule_is_a_usage_error() {
    let fixture = repository("");
    let output = fixture.cmd().args(["--disable", "alg-nope", "."]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("jwtscan: error: --disable alg-nope: unknown rule id"), "{stderr}");
}

#[test]
fn inline_ignores_name_rules_with_or_without_a_space() {
    let fixture = Fixture::new();
    let token = unsigned();
    fixture.write(
        "a.py",
        format!(
            "A = '{token}'  # jwtscan: ignore[alg-none]\nB = '{token}'  # jwtscan:ignore[alg-none, leaked-token]\n\
             C = '{token}'  # jwtscan:ignore\nD = '{token}'\n"
        ),
    );
    let report = json(&fixture.cmd().args(["--format", "json", "--now", NOW, "a.py"]).output().unwrap().stdout);
    let found: Vec<(String, u64)> = hits(&report).into_iter().map(|(rule, _, line)| (rule, line)).collect();
    assert_eq!(
        found,
        [("leaked-token".to_string(), 1), ("alg-none".to_string(), 4), ("leaked-token".to_string(), 4)],
        "{report}"
    );
    // One on line 1, two on line 2, and both of line 3's: every silenced finding is counted.
    assert_eq!(report["summary"]["held_back"]["inline_ignore"], 5, "{report}");
}

#[test]
fn an_unknown_rule_in_an_ignore_comment_is_a_warning_and_silences_nothing() {
    let fixture = Fixture::new();
    fixture.write("a.py", format!("A = '{}'  # jwtscan: ignore[alg-nonee]\n", unsigned()));
    let output = fixture.cmd().args(["--format", "json", "--now", NOW, "a.py"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("jwtscan: warning: a.py:1: unknown rule `alg-nonee` in a jwtscan:ignore comment"),
        "{stderr}"
    );
    assert!(rules_of(&json(&output.stdout)).contains(&"alg-none".to_string()));
}

#[test]
fn no_inline_ignore_reports_lines_that_name_rules_too() {
    let fixture = Fixture::new();
    fixture.write("a.py", format!("A = '{}'  # jwtscan: ignore[alg-none]\n", unsigned()));
    let report = json(&fixture.cmd().args(["--format", "json", "--no-inline-ignore", "a.py"]).output().unwrap().stdout);
    assert!(rules_of(&report).contains(&"alg-none".to_string()));
}

#[test]
fn a_failing_run_says_why_on_stderr_whatever_the_format() {
    let fixture = Fixture::new();
    fixture.write("a.env", format!("A={}\nB={}\n", unsigned(), unsigned_other()));
    for format in ["text", "json", "sarif", "github"] {
        let output = fixture.cmd().args(["--format", format, "--now", NOW, "-o", "report.out", "."]).output().unwrap();
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr, "jwtscan: 4 findings fail the run (2 critical, 2 high); report in report.out\n", "{format}");
    }
    let output =
        fixture.cmd().args(["--format", "json", "--now", NOW, "--fail-on", "critical", "a.env"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr, "jwtscan: 2 findings fail the run (2 critical)\n");
    let output = fixture.cmd().args(["--fail-on", "never", "a.env"]).output().unwrap();
    assert!(output.stderr.is_empty(), "a passing run prints nothing on stderr");
}

#[test]
fn max_file_size_takes_k_m_and_g_suffixes() {
    let fixture = Fixture::new();
    fixture.write("big.env", format!("{}\n{}", "x".repeat(3000), unsigned()));
    let report = json(&fixture.cmd().args(["--format", "json", "--max-file-size", "2K", "."]).output().unwrap().stdout);
    assert_eq!(
        (report["summary"]["skipped"].as_u64(), report["summary"]["files_scanned"].as_u64()),
        (Some(1), Some(0))
    );
    let report = json(&fixture.cmd().args(["--format", "json", "--max-file-size", "1M", "."]).output().unwrap().stdout);
    assert_eq!(report["summary"]["files_scanned"], 1);
    let output = fixture.cmd().args(["--max-file-size", "10X", "."]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("10M"));
}

#[test]
fn a_mistyped_subcommand_gets_did_you_mean() {
    let fixture = Fixture::new();
    for (typo, command) in [("scna", "scan"), ("decod", "decode"), ("rule", "rules"), ("gti", "git")] {
        let output = fixture.cmd().arg(typo).output().unwrap();
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&format!("did you mean `jwtscan {command}`?")), "{stderr}");
    }
    fixture.write("rule", "a file of that name is scanned\n");
    assert_eq!(fixture.cmd().arg("rule").output().unwrap().status.code(), Some(0));
}

#[test]
fn every_error_has_one_prefix() {
    let fixture = Fixture::new();
    for args in [&["--fail-on", "bogus"][..], &["--no-such-flag"], &["missing-path"], &["decode", "not-a-token"]] {
        let output = fixture.cmd().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("jwtscan: error: "), "{args:?}: {stderr}");
        assert!(!stderr.contains("\nerror: "), "{args:?}: {stderr}");
    }
}

#[test]
fn help_lists_severities_and_defaults_and_only_what_a_subcommand_reads() {
    let fixture = Fixture::new();
    // Whitespace collapsed, as clap wraps long help lines to the terminal's width.
    let help = |args: &[&str]| {
        let text = String::from_utf8(fixture.cmd().args(args).output().unwrap().stdout).unwrap();
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let scan = help(&["scan", "--help"]);
    for expected in [
        "info, low, medium, high, critical, or never",
        "[default: low",
        "[default: 50M]",
        "--no-ignore",
        "--exclude",
        "--disable",
    ] {
        assert!(scan.contains(expected), "scan --help lacks {expected}: {scan}");
    }
    let git = help(&["git", "--help"]);
    assert!(git.contains("--range") && !git.contains("--no-ignore"), "{git}");
    let decode = help(&["decode", "--help"]);
    assert!(
        decode.contains("--show-secrets") && !decode.contains("--fail-on") && !decode.contains("--baseline"),
        "{decode}"
    );
    let rules = help(&["rules", "--help"]);
    assert!(!rules.contains("--fail-on") && !rules.contains("--now"), "{rules}");
    assert!(help(&["--help"]).contains("Severities, lowest first: info, low, medium, high, critical."));
}

#[test]
fn decode_shows_the_guessed_secret_only_with_show_secrets() {
    let fixture = Fixture::new();
    // The jwt.io sample, signed with `your-256-bit-secret`.
    let sample = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    let masked = String::from_utf8(fixture.cmd().args(["decode", sample]).output().unwrap().stdout).unwrap();
    assert!(masked.contains("y**********t") && !masked.contains("your-256-bit-secret"), "{masked}");
    let shown =
        String::from_utf8(fixture.cmd().args(["decode", "--show-secrets", sample]).output().unwrap().stdout).unwrap();
    assert!(shown.contains("\"secret\":\"your-256-bit-secret\""), "{shown}");
}

#[test]
fn an_ignore_comment_naming_a_forgery_rule_silences_the_pass_after_the_walk() {
    let fixture = Fixture::new();
    // The jwt.io sample, signed with a built-in weak secret.
    let sample = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    fixture.write("a.py", format!("A = '{sample}'  # jwtscan: ignore[weak-secret]\nB = '{sample}'\n"));
    let report = json(&fixture.cmd().args(["--format", "json", "a.py"]).output().unwrap().stdout);
    let weak: Vec<u64> =
        hits(&report).into_iter().filter(|(rule, _, _)| rule == "weak-secret").map(|(_, _, line)| line).collect();
    assert_eq!(weak, [2], "{report}");
    assert!(hits(&report).iter().any(|(rule, _, line)| rule == "no-expiry" && *line == 1), "{report}");
    assert_eq!(report["summary"]["held_back"]["inline_ignore"], 1, "{report}");
}

#[test]
fn options_before_the_subcommand_apply_to_it() {
    let fixture = Fixture::new();
    fixture.write("config/app.env", format!("T={}\n", unsigned()));
    // Without the hoist, `scan` was taken for a path and the run a usage error.
    let output = fixture.cmd().args(["--fail-on", "never", "scan", "config"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let report = json(&fixture.cmd().args(["--format", "json", "--now", NOW, "scan", "."]).output().unwrap().stdout);
    assert_eq!(report["summary"]["tokens"], 1);
    let report = json(&fixture.cmd().args(["--format=json", "-j", "1", "scan", "config"]).output().unwrap().stdout);
    assert_eq!(report["summary"]["files_scanned"], 1);
    let decoded = fixture.cmd().args(["--format", "json", "decode", &unsigned()]).output().unwrap();
    assert_eq!(json(&decoded.stdout)["header"]["alg"], "none");
    // An option the subcommand does not read is its usual usage error.
    let output = fixture.cmd().args(["--no-ignore", "decode", &unsigned()]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("jwtscan: error: unexpected argument '--no-ignore'"));
}

#[test]
fn verbose_before_git_applies_to_the_history_scan() {
    let fixture = Fixture::new();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git").args(args).current_dir(fixture.path()).status().unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "--quiet"]);
    fixture.write("a.txt", "nothing\n");
    git(&["add", "a.txt"]);
    git(&["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "one"]);
    let output = fixture.cmd().args(["-v", "git"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("config"), "-v names the config used");
}

#[test]
fn disable_takes_a_comma_separated_list() {
    let fixture = Fixture::new();
    fixture.write("a.env", format!("T={}\n", unsigned()));
    let report = json(
        &fixture
            .cmd()
            .args(["--format", "json", "--now", NOW, "--disable", "alg-none,pii-claim", "."])
            .output()
            .unwrap()
            .stdout,
    );
    let rules = rules_of(&report);
    assert!(rules.iter().any(|rule| rule == "leaked-token"), "other rules still report: {rules:?}");
    assert!(!rules.iter().any(|rule| rule == "alg-none"), "{rules:?}");
}
