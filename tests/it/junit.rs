//! `--format junit`: read back by a real JUnit reader (python's junitparser, which `.ci/run`
//! installs; skipped with a message where it is missing), and checked for well-formed XML with
//! hostile file names.
#![cfg(unix)]

use std::process::Command;

use crate::cli::util::{Fixture, unsigned};

/// What junitparser reads: per suite, its name, tests and failures, and each case's
/// (classname, name, failure type).
const READER: &str = r#"
import json, sys
from junitparser import JUnitXml, Failure
xml = JUnitXml.fromfile(sys.argv[1])
suites = []
for suite in xml:
    cases = []
    for case in suite:
        kinds = [result.type for result in case.result if isinstance(result, Failure)]
        cases.append([case.classname, case.name, kinds])
    suites.append({"name": suite.name, "tests": suite.tests, "failures": suite.failures, "cases": cases})
print(json.dumps(suites))
"#;

fn read_with_junitparser(path: &std::path::Path) -> Option<serde_json::Value> {
    let probe = Command::new("python3").args(["-c", "import junitparser"]).output();
    if !probe.as_ref().is_ok_and(|output| output.status.success()) {
        crate::skip::skip("python3 with junitparser is not installed (pip install junitparser)");
        return None;
    }
    let output = Command::new("python3").args(["-c", READER]).arg(path).output().unwrap();
    assert!(output.status.success(), "junitparser: {}", String::from_utf8_lossy(&output.stderr));
    Some(serde_json::from_slice(&output.stdout).unwrap())
}

#[test]
fn each_failing_finding_is_a_failed_test_case_grouped_by_file() {
    let fixture = Fixture::new();
    let token = unsigned();
    fixture
        .write("src/a.env", format!("T={token}\n"))
        .write("src/b.env", format!("X=1\nT={token}\n"))
        .write("tests/fixture.env", format!("T={token}\n"));
    let report = fixture.join("junit.xml");
    let output = fixture
        .cmd()
        .args(["scan", "--format", "junit", "--fail-on", "high", "-o"])
        .arg(&report)
        .arg("src")
        .arg("tests")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let xml = std::fs::read_to_string(&report).unwrap();
    assert!(!xml.contains(&token), "the whole token is never in the report");
    let Some(suites) = read_with_junitparser(&report) else { return };
    let suites = suites.as_array().unwrap();
    let names: Vec<&str> = suites.iter().map(|suite| suite["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["src/a.env", "src/b.env"], "only files with failing findings; the test fixture does not fail");
    for suite in suites {
        let cases = suite["cases"].as_array().unwrap();
        assert_eq!(suite["tests"], cases.len());
        assert_eq!(suite["failures"], cases.len());
        assert!(cases.iter().all(|case| case[2].as_array().is_some_and(|kinds| !kinds.is_empty())));
    }
    let b_cases = suites[1]["cases"].as_array().unwrap();
    assert!(b_cases.iter().any(|case| case[1].as_str().unwrap().starts_with("alg-none at line 2,")), "{b_cases:?}");
    assert!(b_cases.iter().all(|case| ["high", "critical"].contains(&case[2][0].as_str().unwrap())));
}

#[test]
fn a_run_where_nothing_fails_is_one_passing_test_case() {
    let fixture = Fixture::new();
    fixture.write("a.txt", "nothing\n");
    let report = fixture.join("junit.xml");
    let output = fixture.cmd().args(["scan", "--format", "junit", "-o"]).arg(&report).arg("a.txt").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let Some(suites) = read_with_junitparser(&report) else { return };
    assert_eq!(suites[0]["tests"], 1);
    assert_eq!(suites[0]["failures"], 0);
    assert_eq!(suites[0]["cases"][0][1], "no finding fails the run");
}

#[test]
fn hostile_file_names_keep_the_document_well_formed() {
    use std::os::unix::ffi::OsStrExt as _;
    let fixture = Fixture::new();
    let name = std::ffi::OsStr::from_bytes(b"q\"<&>'\x1b[31m\x01.env");
    std::fs::write(fixture.path().join(name), format!("T={}\n", unsigned())).unwrap();
    let report = fixture.join("junit.xml");
    fixture.cmd().args(["scan", "--format", "junit", "-o"]).arg(&report).arg(".").output().unwrap();
    let xml = std::fs::read_to_string(&report).unwrap();
    assert!(!xml.contains('\u{1b}') && !xml.contains('\u{1}'), "{xml}");
    let Some(suites) = read_with_junitparser(&report) else { return };
    let suite = suites[0]["name"].as_str().unwrap();
    assert!(suite.starts_with("q\"<&>'"), "{suite}");
}
