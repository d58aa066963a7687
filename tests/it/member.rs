//! Findings inside a member of a file (an archive member, an image layer): every format names the
//! file on disk as the place and the member chain beside it, rendered one way
//! (`provenance::render`), and a finding in the file itself reads as it always did.

use std::sync::Arc;

use jwtscan::catalog::{Hit, id};
use jwtscan::cli::Format;
use jwtscan::config::Settings;
use jwtscan::finding::{Finding, Position, Site, Subject};
use jwtscan::provenance::Provenance;
use jwtscan::report::{Report, Summary};
use serde_json::Value;

const ALG_NONE: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.";

/// An `alg-none` finding at 3:11 in `from`, made by the one constructor every finding goes through.
fn finding_in(from: &Provenance) -> Finding {
    let site = Site {
        path: &from.path,
        member: &from.chain,
        start: Position { line: 3, column: 11 },
        end: Position { line: 3, column: 11 + ALG_NONE.len() as u64 },
        commit: from.commit.as_deref(),
        history: None,
    };
    let subject = Subject::Token {
        compact: Arc::from(ALG_NONE),
        sha256: jwtscan::hex::sha256_hex(ALG_NONE.as_bytes()),
        encoding: Vec::new(),
    };
    let mut finding = Finding::new(Hit::new(id::ALG_NONE, "unsigned token"), &site, &subject, false);
    finding.fails = true;
    finding.counts = true;
    finding
}

fn nested() -> Provenance {
    Provenance::file(Arc::from("bundle.zip")).member("inner.zip").member("deep/secret.env")
}

fn render(findings: Vec<Finding>, format: Format) -> String {
    let report = Report {
        summary: Summary { findings: findings.len() as u64, failing: findings.len() as u64, ..Summary::default() },
        findings: findings.into(),
        problems: Vec::new(),
    };
    let settings = Settings { format, color: false, ..Settings::default() };
    let mut out = Vec::new();
    jwtscan::report::write(&report, &settings, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn json_lists_the_member_chain_beside_the_path_on_disk() {
    let report: Value = serde_json::from_str(&render(vec![finding_in(&nested())], Format::Json)).unwrap();
    let finding = &report["findings"][0];
    assert_eq!(finding["path"], "bundle.zip");
    assert_eq!(finding["member"], serde_json::json!(["inner.zip", "deep/secret.env"]));
}

#[test]
fn json_leaves_member_out_for_a_finding_in_the_file_itself() {
    let report: Value =
        serde_json::from_str(&render(vec![finding_in(&Provenance::file(Arc::from("a.env")))], Format::Json)).unwrap();
    let finding = report["findings"][0].as_object().unwrap();
    assert_eq!(finding["path"], "a.env");
    assert!(!finding.contains_key("member"), "{finding:?}");
}

#[test]
fn text_shows_the_chain_after_the_path_with_the_line_and_column() {
    let text = render(vec![finding_in(&nested())], Format::Text);
    assert!(text.contains("bundle.zip!inner.zip!deep/secret.env:3:11  "), "{text}");
}

#[test]
fn sarif_locates_the_file_on_disk_and_names_the_chain_in_the_message_and_properties() {
    let log: Value = serde_json::from_str(&render(vec![finding_in(&nested())], Format::Sarif)).unwrap();
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "bundle.zip");
    let message = result["message"]["text"].as_str().unwrap();
    assert!(message.ends_with("(in bundle.zip!inner.zip!deep/secret.env)"), "{message}");
    assert_eq!(result["properties"]["member"], serde_json::json!(["inner.zip", "deep/secret.env"]));
}

#[test]
fn sarif_of_a_finding_in_the_file_itself_has_no_member_property() {
    let log: Value =
        serde_json::from_str(&render(vec![finding_in(&Provenance::file(Arc::from("a.env")))], Format::Sarif)).unwrap();
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["message"]["text"], "unsigned token");
    assert!(result["properties"].get("member").is_none(), "{result}");
}

#[test]
fn github_annotates_the_file_on_disk_and_names_the_chain_in_the_message() {
    let output = render(vec![finding_in(&nested())], Format::Github);
    let annotation = output.lines().find(|line| line.starts_with("::error ")).unwrap();
    assert!(annotation.starts_with("::error file=bundle.zip,line=3,"), "{annotation}");
    assert!(annotation.contains("%0Ain: bundle.zip!inner.zip!deep/secret.env"), "{annotation}");
}

#[test]
fn a_member_has_its_own_fingerprint_and_the_file_itself_keeps_the_old_one() {
    let file = finding_in(&Provenance::file(Arc::from("bundle.zip")));
    let member = finding_in(&nested());
    let sibling = finding_in(&Provenance::file(Arc::from("bundle.zip")).member("other.env"));
    assert_ne!(file.fingerprint, member.fingerprint);
    assert_ne!(member.fingerprint, sibling.fingerprint);
    // What `Finding::new` gave before members existed: rule, path and token only.
    let old = finding_in(&Provenance::file(Arc::from("a.env")));
    assert_eq!(old.fingerprint, "8af8587ed88de9490326f8c57110c8a9");
}

#[test]
fn a_member_name_that_holds_a_token_is_redacted_like_the_token() {
    let from = Provenance::file(Arc::from("bundle.zip")).member(&format!("keys/{ALG_NONE}/app.env"));
    let finding = finding_in(&from);
    assert_eq!(finding.member.len(), 1);
    assert!(!finding.member[0].contains(ALG_NONE), "{:?}", finding.member);
    for format in [Format::Text, Format::Json, Format::Sarif, Format::Github] {
        let output = render(vec![finding_in(&from)], format);
        assert!(!output.contains(ALG_NONE), "{format:?}: {output}");
    }
}

#[test]
fn members_sort_after_their_file_and_group_apart() {
    let file = finding_in(&Provenance::file(Arc::from("bundle.zip")));
    let member = finding_in(&nested());
    let mut findings = vec![member.clone(), file.clone()];
    findings.sort_by(jwtscan::finding::report_order);
    assert_eq!(findings, [file, member]);
    let text = render(findings, Format::Text);
    assert!(text.contains("bundle.zip:3:11  "), "{text}");
    assert!(text.contains("bundle.zip!inner.zip!deep/secret.env:3:11  "), "{text}");
}
