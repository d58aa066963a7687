//! `--baseline`: a previous JSON report hides the findings it holds, even after lines move.

use predicates::prelude::*;

use crate::cli::util::{Fixture, hits, stdout_json, unsigned, unsigned_other};

/// A fixture with one token in `src/app.js` and a baseline report of it in `baseline.json`.
fn with_baseline() -> Fixture {
    let fixture = Fixture::new();
    fixture.write("src/app.js", format!("const a = \"{}\";\n", unsigned()));
    fixture.cmd().args(["src", "--format", "json", "-o", "baseline.json"]).assert().code(1);
    fixture
}

#[test]
fn findings_in_the_baseline_are_not_reported() {
    let fixture = with_baseline();
    let report = stdout_json(fixture.cmd().args(["src", "--format", "json", "--baseline", "baseline.json"]));
    assert_eq!(report["summary"]["findings"], 0, "{report}");
    fixture.cmd().args(["src", "--baseline", "baseline.json"]).assert().code(0);
}

#[test]
fn the_baseline_survives_lines_inserted_above_the_token() {
    let fixture = with_baseline();
    fixture.write("src/app.js", format!("// new header\n\nimport x from 'y';\n  const a = \"{}\";\n", unsigned()));
    fixture.cmd().args(["src", "--baseline", "baseline.json"]).assert().code(0);
}

#[test]
fn new_tokens_are_still_reported_with_a_baseline() {
    let fixture = with_baseline();
    fixture.write("src/other.js", unsigned_other());
    let report = stdout_json(fixture.cmd().args(["src", "--format", "json", "--baseline", "baseline.json"]));
    let paths: Vec<String> = hits(&report).into_iter().map(|(_, path, _)| path).collect();
    assert!(!paths.is_empty() && paths.iter().all(|path| path == "src/other.js"), "{report}");
}

#[test]
fn the_same_token_in_another_file_is_not_covered_by_the_baseline() {
    let fixture = with_baseline();
    fixture.write("src/copy.js", unsigned());
    fixture
        .cmd()
        .args(["src", "--baseline", "baseline.json"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("src/copy.js"));
}

#[test]
fn a_baseline_that_is_not_a_json_report_exits_2_naming_the_file() {
    let fixture = with_baseline();
    fixture.write("notes.txt", "not json at all\n");
    fixture
        .cmd()
        .args(["src", "--baseline", "notes.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("notes.txt"));
    fixture
        .cmd()
        .args(["src", "--baseline", "absent.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("absent.json"));
}
