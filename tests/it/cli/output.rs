//! Report formats, `--output`, the JSON fields docs/report-format.md pins, colour, and escaping of scanned text.

use predicates::prelude::*;

use crate::cli::util::{Fixture, NOW, b64, jwt, sha256_hex, stdout_json, unsigned};

#[test]
fn json_findings_carry_every_field_of_the_contract() {
    let fixture = Fixture::new();
    let token = unsigned();
    fixture.write("config/dev.env", format!("# dev\nAPI=é{token}\n"));
    let report = stdout_json(fixture.cmd().args(["--format", "json", "--now", NOW]));
    assert_eq!(report["tool"]["name"], "jwtscan");
    assert_eq!(report["tool"]["version"], env!("CARGO_PKG_VERSION"));
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["rule"] == "alg-none")
        .unwrap_or_else(|| panic!("no alg-none in {report}"));
    assert_eq!(finding["severity"], "critical");
    assert!(finding["message"].as_str().is_some_and(|message| !message.is_empty()));
    assert_eq!(finding["path"], "config/dev.env");
    assert_eq!((finding["line"].as_u64(), finding["column"].as_u64()), (Some(2), Some(6)));
    let end = 6 + token.chars().count() as u64;
    assert_eq!((finding["end_line"].as_u64(), finding["end_column"].as_u64()), (Some(2), Some(end)));
    assert_eq!(finding["token_sha256"], sha256_hex(&token));
    assert_eq!(finding["fingerprint"].as_str().map(str::len), Some(32));
    assert!(finding["evidence"].is_object());
    assert!(finding.get("commit").is_none());
    assert!(finding.get("details").is_none());
    let summary = &report["summary"];
    for field in ["files_scanned", "bytes_scanned", "tokens", "findings", "skipped", "errors", "elapsed_ms"] {
        assert!(summary[field].is_u64(), "{field} in {summary}");
    }
    assert_eq!(summary["findings"].as_u64(), Some(report["findings"].as_array().unwrap().len() as u64));
}

#[test]
fn output_writes_the_report_to_a_file_and_nothing_to_stdout() {
    let fixture = Fixture::new();
    fixture.write("src/a.txt", unsigned());
    fixture.cmd().args(["src", "--format", "json", "-o", "report.json"]).assert().code(1).stdout("");
    let report = crate::cli::util::json(&std::fs::read(fixture.join("report.json")).unwrap());
    assert!(crate::cli::util::rules_of(&report).contains(&"alg-none".to_string()));
    fixture.cmd().args(["src", "--output", "report.txt"]).assert().code(1).stdout("");
    let text = std::fs::read_to_string(fixture.join("report.txt")).unwrap();
    assert!(text.contains("src/a.txt:1:1") && !text.contains('\x1b'), "{text}");
}

#[test]
fn output_to_an_unwritable_place_is_an_error() {
    let fixture = Fixture::new();
    fixture.write("a.txt", "x\n");
    fixture
        .cmd()
        .args(["a.txt", "-o", "no/such/dir/report.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("report.json"));
}

#[test]
fn text_report_groups_rules_under_one_location_and_token() {
    let fixture = Fixture::new();
    fixture.write("app.js", format!("\n\nconst t = \"{}\";\n", unsigned()));
    let output = fixture.cmd().args(["--now", NOW]).output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text.matches("app.js:3:12").count(), 1, "{text}");
    assert!(text.contains("    header  {\"alg\":\"none\",\"typ\":\"JWT\"}"), "{text}");
    assert!(text.contains("sub: alice"), "{text}");
    assert!(text.contains("exp: 2023-11-14T23:13:20Z (expires in 1h)"), "{text}");
    let alg_none = text.find("critical  alg-none").unwrap_or_else(|| panic!("{text}"));
    let leaked = text.find("leaked-token").unwrap_or_else(|| panic!("{text}"));
    assert!(alg_none < leaked, "worst first: {text}");
    assert!(text.lines().last().unwrap().contains("findings (1 critical"), "{text}");
}

#[test]
fn control_characters_in_paths_and_claims_never_reach_the_terminal_raw() {
    let fixture = Fixture::new();
    // The header carries a C1 CSI (U+009B), which JSON encoders leave unescaped.
    let token = jwt("{\"alg\":\"none\",\"kid\":\"\u{9b}31m\u{202e}\"}", r#"{"sub":"x\u001b[2Jy"}"#, b"");
    fixture.write("evil\x1b[31m.txt", &token);
    let output = fixture.cmd().args(["--color", "never"]).output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    for raw in ['\x1b', '\u{9b}', '\u{202e}'] {
        assert!(!text.contains(raw), "{raw:?} in {text:?}");
    }
    assert!(text.contains("evil\\x1b[31m.txt:1:1"), "{text}");
    assert!(text.contains("\\x9b31m\\u{202e}"), "{text}");
}

#[test]
fn colour_follows_the_color_flag_and_is_off_when_piped() {
    let fixture = Fixture::new();
    fixture.write("a.txt", unsigned());
    let piped = fixture.cmd().output().unwrap();
    assert!(!piped.stdout.contains(&0x1b));
    let forced = fixture.cmd().args(["--color", "always"]).output().unwrap();
    assert!(String::from_utf8_lossy(&forced.stdout).contains("\x1b[1;31mcritical"));
    let never = fixture.cmd().args(["--color", "never"]).output().unwrap();
    assert!(!never.stdout.contains(&0x1b));
}

#[test]
fn an_encrypted_token_is_reported_without_claims() {
    let fixture = Fixture::new();
    let jwe = format!(
        "{}..{}.{}.{}",
        b64(r#"{"alg":"dir","enc":"A128GCM"}"#),
        b64("iviviviviviv"),
        b64("cipher"),
        b64("tagtagtagtagtagt")
    );
    fixture.write("a.txt", jwe);
    fixture.cmd().assert().code(1).stdout(predicate::str::contains("claims  encrypted (JWE)"));
}
