//! `--format github`: one workflow-command annotation per token occurrence, most severe first and
//! capped as GitHub displays them, escaped so that nothing from a scanned file can start a
//! workflow command of its own, plus the job summary table of every finding.

use std::path::Path;

use assert_cmd::Command;
use jwtscan::finding::Finding;
use jwtscan::report::github::annotation;
use jwtscan::severity::Severity;
use serde_json::Map;

/// alg-none (critical), leaked-token (high) and no-expiry (medium) fire on it.
const ALG_NONE: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.";

fn jwtscan(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("jwtscan").unwrap();
    cmd.current_dir(dir).env_remove("GITHUB_STEP_SUMMARY");
    cmd
}

/// A finding made by hand, for report writers: `alg-none` at line 3, failing the run.
pub(crate) fn finding(severity: Severity, message: &str, path: &str) -> Finding {
    Finding {
        rule: "alg-none".to_string(),
        severity,
        message: message.to_string(),
        path: path.to_string(),
        member: Vec::new(),
        line: 3,
        column: 11,
        end_line: 3,
        end_column: 60,
        token: "eyJhbGciOiJub25lIn0.eyJzdWIi….[redacted]".to_string(),
        token_sha256: "0".repeat(64),
        fingerprint: "f".repeat(32),
        evidence: Map::new(),
        commit: None,
        compact: None,
        context: jwtscan::context::Context::Source,
        clues: jwtscan::context::Clues::default(),
        fails: true,
        counts: true,
    }
}

/// Every line the runner sees must be one of ours: an annotation or the closing summary.
fn assert_only_our_commands(stdout: &str) {
    for line in stdout.lines() {
        let ours = ["::error file=", "::warning file=", "::notice file=", "::notice title=jwtscan::", "jwtscan: "];
        assert!(ours.iter().any(|prefix| line.starts_with(prefix)), "foreign line: {line:?}");
    }
}

#[test]
fn a_token_becomes_one_annotation_titled_by_its_most_severe_rule() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dev.env"), format!("# dev\n\nTOKEN={ALG_NONE}\n")).unwrap();
    let output = jwtscan(dir.path()).args(["--format", "github"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_only_our_commands(&stdout);
    let first = stdout.lines().next().unwrap();
    assert_eq!(
        first,
        "::error file=dev.env,line=3,endLine=3,col=7,endColumn=55,title=jwtscan alg-none (critical)::\
         token is unsigned (alg \"none\")%0Aalso: leaked-token (high), no-expiry (medium)%0A\
         token: eyJhbGciOiJub25lIn0.eyJzdWIi….[redacted]"
    );
    assert_eq!(stdout.lines().count(), 2, "one annotation and the summary line: {stdout}");
    assert!(!stdout.contains(ALG_NONE), "the full token leaked into the log");
    assert!(
        stdout.ends_with("jwtscan: 3 findings (3 failing the run) in 1 file (1 token, 0 skipped, 0 errors)\n"),
        "{stdout}"
    );
}

#[test]
fn severities_map_to_error_warning_and_notice() {
    let command = |severity| annotation(&[&finding(severity, "m", "a.env")], None);
    assert!(command(Severity::Critical).starts_with("::error "));
    assert!(command(Severity::High).starts_with("::error "));
    assert!(command(Severity::Medium).starts_with("::warning "));
    assert!(command(Severity::Low).starts_with("::notice "));
    assert!(command(Severity::Info).starts_with("::notice "));
}

#[test]
fn columns_are_given_only_for_single_line_spans() {
    let single = annotation(&[&finding(Severity::High, "m", "a.env")], None);
    assert!(single.contains(",col=11,endColumn=60,"), "{single}");
    let mut spanning = finding(Severity::High, "m", "a.env");
    spanning.end_line = 5;
    let multi = annotation(&[&spanning], None);
    assert!(multi.contains("line=3,endLine=5,title="), "{multi}");
    assert!(!multi.contains("col="), "{multi}");
}

#[test]
fn messages_and_properties_are_escaped() {
    let line = annotation(&[&finding(Severity::High, "100% bad\r\n::add-mask::secret", "a,b:c%.env")], None);
    assert_eq!(
        line,
        "::error file=a%2Cb%3Ac%25.env,line=3,endLine=3,col=11,endColumn=60,title=jwtscan alg-none (high)::\
         100%25 bad%0D%0A::add-mask::secret%0Atoken: eyJhbGciOiJub25lIn0.eyJzdWIi….[redacted]"
    );
    assert_eq!(line.lines().count(), 1);
}

#[test]
fn a_message_cannot_start_a_workflow_command() {
    let line = annotation(&[&finding(Severity::Low, "x\n::set-output name=pwned::1\n::add-mask::y", "a.env")], None);
    assert_only_our_commands(&line);
    assert_eq!(line.lines().count(), 1);
}

#[cfg(unix)]
#[test]
fn a_file_name_cannot_start_a_workflow_command() {
    let dir = tempfile::tempdir().unwrap();
    let evil = "x\n::set-output name=pwned::1\r\n::add-mask::y,z:w.env";
    std::fs::write(dir.path().join(evil), ALG_NONE).unwrap();
    let output = jwtscan(dir.path()).args(["--format", "github", "--min-severity", "high", "."]).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_only_our_commands(&stdout);
    assert_eq!(stdout.lines().count(), 2, "one annotation for the token and the summary: {stdout}");
    assert!(stdout.contains("file=x%0A%3A%3Aset-output name=pwned%3A%3A1%0D%0A%3A%3Aadd-mask%3A%3Ay%2Cz%3Aw.env,"));
}

#[test]
fn the_job_summary_gets_an_escaped_markdown_table_appended() {
    let dir = tempfile::tempdir().unwrap();
    let name = if cfg!(windows) { "a[b].env" } else { "a|b\n<img>.env" };
    std::fs::write(dir.path().join(name), ALG_NONE).unwrap();
    let runner = tempfile::tempdir().unwrap();
    let summary = runner.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    jwtscan(dir.path())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["--format", "github", "--fail-on", "never", "--min-severity", "high", "."])
        .assert()
        .success();
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with("earlier step\n### jwtscan\n"), "appends: {text}");
    assert!(text.contains("2 findings (0 failing the run) in 1 file ("), "{text}");
    assert!(
        text.contains("| Severity | Context | Rule | Location | Message |\n| --- | --- | --- | --- | --- |\n"),
        "{text}"
    );
    let rows: Vec<&str> =
        text.lines().filter(|line| line.starts_with("| critical") || line.starts_with("| high")).collect();
    assert_eq!(rows.len(), 2, "{text}");
    for row in rows {
        assert_eq!(row.matches('|').count(), 6, "a cell broke out of its column: {row}");
    }
    let escaped = if cfg!(windows) { "a&#91;b&#93;.env:1:1" } else { "a&#124;b<br>&#60;img&#62;.env:1:1" };
    assert!(text.contains(escaped), "{text}");
}

#[test]
fn no_summary_is_written_without_the_variable_or_with_another_format() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.env"), ALG_NONE).unwrap();
    let summary = dir.path().join("summary.md");
    jwtscan(dir.path()).env("GITHUB_STEP_SUMMARY", &summary).args(["--format", "json", "t.env"]).assert().code(1);
    assert!(!summary.exists());
}

/// Tokens told apart by their `sub`; each is unsigned, so its most severe rule is alg-none.
fn unsigned(n: usize) -> String {
    use base64::Engine as _;
    let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{{\"sub\":\"{n}\",\"exp\":1}}"));
    format!("eyJhbGciOiJub25lIn0.{claims}.")
}

#[test]
fn annotations_stop_at_ten_errors_and_say_how_many_more_the_summary_lists() {
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..25).map(|n| format!("T{n}={}", unsigned(n))).collect();
    std::fs::write(dir.path().join("many.env"), lines.join("\n")).unwrap();
    let runner = tempfile::tempdir().unwrap();
    let summary = runner.path().join("summary.md");
    let output =
        jwtscan(dir.path()).env("GITHUB_STEP_SUMMARY", &summary).args(["--format", "github"]).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_only_our_commands(&stdout);
    assert_eq!(stdout.lines().filter(|line| line.starts_with("::error ")).count(), 10, "{stdout}");
    let more: Vec<&str> = stdout.lines().filter(|line| line.starts_with("::notice title=jwtscan::")).collect();
    assert_eq!(more.len(), 1, "{stdout}");
    assert!(more[0].contains("15 more token occurrences (30 findings)"), "{}", more[0]);
    assert!(more[0].contains("the job summary lists every finding"), "{}", more[0]);
    let table = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(table.lines().filter(|line| line.starts_with("| critical | source | alg-none")).count(), 25, "{table}");
}

#[test]
fn the_most_severe_occurrences_are_annotated_first() {
    let dir = tempfile::tempdir().unwrap();
    // A medium-only token first in the file, then an unsigned one (critical).
    let expired = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbg";
    std::fs::write(dir.path().join("a.env"), format!("A={expired}\nB={ALG_NONE}\n")).unwrap();
    let output = jwtscan(dir.path()).args(["--format", "github", "--fail-on", "never"]).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let first = stdout.lines().next().unwrap();
    assert!(first.starts_with("::error file=a.env,line=2,"), "{stdout}");
}

#[test]
fn the_job_summary_lists_failing_and_most_severe_findings_first() {
    let dir = tempfile::tempdir().unwrap();
    // By path, `a.env` (a high-only token) would come before `b.env` (criticals).
    let high_only =
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIiwiZXhwIjo0MTAyNDQ0ODAwfQ.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbg";
    std::fs::write(dir.path().join("a.env"), format!("A={high_only}\n")).unwrap();
    std::fs::write(dir.path().join("b.env"), format!("B={ALG_NONE}\n")).unwrap();
    std::fs::create_dir(dir.path().join("tests")).unwrap();
    std::fs::write(dir.path().join("tests/c.env"), format!("C={ALG_NONE}\n")).unwrap();
    let runner = tempfile::tempdir().unwrap();
    let summary = runner.path().join("summary.md");
    jwtscan(dir.path()).env("GITHUB_STEP_SUMMARY", &summary).args(["--format", "github", "."]).assert().code(1);
    let table = std::fs::read_to_string(&summary).unwrap();
    let rows: Vec<(&str, &str)> = table
        .lines()
        .filter(|line| line.starts_with("| ") && !line.starts_with("| Severity") && !line.starts_with("| ---"))
        .map(|line| {
            let cells: Vec<&str> = line.split(" | ").collect();
            (cells[0].trim_start_matches("| "), cells[1])
        })
        .collect();
    assert_eq!(rows.first(), Some(&("critical", "source")), "{table}");
    let first_test = rows.iter().position(|(_, context)| *context == "test").expect("the test fixture is listed");
    assert!(rows[..first_test].iter().all(|(_, context)| *context == "source"), "failing rows first: {table}");
    let severities: Vec<&str> = rows[..first_test].iter().map(|(severity, _)| *severity).collect();
    let rank = |severity: &str| ["critical", "high", "medium", "low", "info"].iter().position(|s| *s == severity);
    assert!(severities.windows(2).all(|pair| rank(pair[0]) <= rank(pair[1])), "{severities:?}");
}
