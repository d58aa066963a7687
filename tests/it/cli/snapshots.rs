//! Golden text and JSON reports for one small tree. Timings and the version are redacted; the
//! rest (locations, redaction, fingerprints, grouping) is pinned.

use crate::cli::util::{Fixture, NOW, hs256, unsigned};

fn fixture() -> Fixture {
    let fixture = Fixture::new();
    fixture
        .write(".env", format!("# local settings\nAPI_TOKEN={}\n", hs256()))
        .write("src/client.js", format!("const admin = \"{}\";\n", unsigned()))
        .write("README.md", "# demo\nNo tokens here.\n");
    fixture
}

fn run(args: &[&str]) -> String {
    let output = fixture().cmd().args(["--now", NOW, "--threads", "1"]).args(args).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn text_report() {
    insta::with_settings!({filters => vec![(r"\d+ ms", "[elapsed] ms")]}, {
        insta::assert_snapshot!(run(&["--color", "never"]));
    });
}

#[test]
fn json_report() {
    insta::with_settings!({filters => vec![
        (r#""elapsed_ms": \d+"#, r#""elapsed_ms": "[elapsed]""#),
        (r#""version": "[^"]+""#, r#""version": "[version]""#),
    ]}, {
        insta::assert_snapshot!(run(&["--format", "json"]));
    });
}
