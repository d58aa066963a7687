//! Contexts and the fail gate: where a finding lives (path, published example, claims, comment),
//! what fails a run by default and with `--strict`, the `[context]` config, issuer profiles, and
//! how the reports show all of it.

use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;

use crate::cli::util::{Fixture, NOW, hs256, jwt, sha256_hex, stdout_json, unsigned};

const RFC7515_A1: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// Live at `NOW`, naming a real issuer and audience: fails wherever it sits.
fn real_looking() -> String {
    jwt(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        r#"{"iss":"https://login.acme-corp.io","aud":"https://api.acme-corp.io","sub":"svc","exp":4102444800}"#,
        &[0x3c; 32],
    )
}

fn fixtures(relative: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(relative)
}

/// A scan of a fixture tree inside this repository, without the repository's own config (which
/// excludes `tests/`).
fn scan_fixture_tree(fixture: &Fixture, tree: &str) -> assert_cmd::Command {
    fixture.write("empty.toml", "");
    let mut cmd = fixture.cmd();
    cmd.arg(fixtures(tree)).args(["--config", "empty.toml"]);
    cmd
}

/// `(path, rule) → context` of every finding.
fn contexts(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|finding| {
            (
                finding["path"].as_str().unwrap_or_default().to_string(),
                finding["rule"].as_str().unwrap_or_default().to_string(),
                finding["context"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn context_of(report: &Value, path: &str) -> String {
    let found: Vec<String> =
        contexts(report).into_iter().filter(|(p, _, _)| p == path).map(|(_, _, context)| context).collect();
    assert!(!found.is_empty(), "no finding in {path}: {report}");
    assert!(found.iter().all(|context| *context == found[0]), "{path}: {found:?}");
    found[0].clone()
}

#[test]
fn each_path_class_gets_its_context() {
    let fixture = Fixture::new();
    let cases = [
        ("src/auth.js", "source"),
        ("latest.py", "source"),
        ("attestation/keys.go", "source"),
        ("tests/auth.py", "test"),
        ("pkg/auth_test.go", "test"),
        ("test_auth.py", "test"),
        ("web/auth.spec.ts", "test"),
        ("src/test/java/AuthTest.java", "test"),
        ("spec/fixtures/token.txt", "test"),
        ("docs/guide.html", "docs"),
        ("README.md", "docs"),
        ("guide.rst", "docs"),
        ("examples/client.rs", "example"),
        (".env.example", "example"),
        ("vendor/lib/jwt.go", "vendor"),
        ("node_modules/pkg/index.js", "vendor"),
        ("third_party/a.c", "vendor"),
        ("static/app.min.js", "generated"),
    ];
    for (path, _) in cases {
        fixture.write(path, format!("t = \"{}\"\n", hs256()));
    }
    let report = stdout_json(fixture.cmd().args(["--format", "json", "--now", NOW, "--no-ignore"]));
    for (path, context) in cases {
        assert_eq!(context_of(&report, path), context, "{path}");
    }
}

#[test]
fn paths_are_classified_below_the_scanned_folder_only() {
    // The repository itself sits under `tests/fixtures/`: that must not make everything a test.
    let fixture = Fixture::new();
    let report = stdout_json(scan_fixture_tree(&fixture, "context/library").args(["--format", "json", "--now", NOW]));
    let lib = contexts(&report).into_iter().find(|(path, _, _)| path.ends_with("src/lib.rs")).expect("src/lib.rs");
    assert_ne!(lib.2, "test", "{report}");
}

#[test]
fn every_published_example_token_is_an_example_in_source_and_does_not_fail() {
    #[derive(serde::Deserialize)]
    struct Published {
        token: Vec<Token>,
    }
    #[derive(serde::Deserialize)]
    struct Token {
        source: String,
        text: String,
    }
    let mut published: Published =
        toml::from_str(&std::fs::read_to_string(fixtures("published/tokens.toml")).unwrap()).unwrap();
    // A detached-content JWS (RFC 7520 section 4.5) has no payload: not a token on its own.
    published.token.retain(|token| !token.source.contains("detached"));
    let fixture = Fixture::new();
    for (index, token) in published.token.iter().enumerate() {
        fixture.write(&format!("src/t{index}.txt"), &token.text);
    }
    let output = fixture.cmd().args(["--format", "json", "--now", NOW]).output().unwrap();
    let report = crate::cli::util::json(&output.stdout);
    for (index, token) in published.token.iter().enumerate() {
        assert_eq!(context_of(&report, &format!("src/t{index}.txt")), "example", "{}", token.source);
    }
    assert_eq!(output.status.code(), Some(0), "{report}");
}

#[test]
fn the_rfc_7515_token_in_src_is_an_example_and_names_its_source() {
    let fixture = Fixture::new();
    fixture.write("src/jws.rs", format!("const T: &str = \"{RFC7515_A1}\";\n"));
    let report = stdout_json(fixture.cmd().args(["--format", "json"]));
    assert_eq!(context_of(&report, "src/jws.rs"), "example");
    let reason = report["findings"][0]["evidence"]["context_reason"].as_str().unwrap_or_default();
    assert!(reason.contains("RFC 7515"), "{report}");
    fixture.cmd().assert().code(0);
    // Its leaked-token finding is `info`: strict makes it count, at `--fail-on info`.
    fixture.cmd().arg("--strict").assert().code(0);
    fixture.cmd().args(["--strict", "--fail-on", "info"]).assert().code(1);
}

#[test]
fn a_published_example_key_is_an_example_for_private_jwk() {
    let fixture = Fixture::new();
    // RFC 7517 appendix A.2, the EC private key.
    fixture.write(
        "src/keys.json",
        r#"{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","d":"870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE"}"#,
    );
    let report = stdout_json(fixture.cmd().args(["--format", "json"]));
    assert_eq!(contexts(&report), [("src/keys.json".into(), "private-jwk".into(), "example".into())]);
    fixture.cmd().assert().code(0);
}

#[test]
fn claims_naming_only_reserved_example_names_are_examples() {
    let fixture = Fixture::new();
    let example = jwt(
        r#"{"alg":"HS256"}"#,
        r#"{"iss":"https://auth.example.com","aud":"urn:example:api","exp":4102444800}"#,
        &[7; 32],
    );
    let mixed =
        jwt(r#"{"alg":"HS256"}"#, r#"{"iss":"https://auth.example.com","aud":"https://api.acme-corp.io"}"#, &[7; 32]);
    fixture.write("src/a.txt", &example).write("src/b.txt", &mixed);
    let report = stdout_json(fixture.cmd().args(["--format", "json", "--now", NOW]));
    assert_eq!(context_of(&report, "src/a.txt"), "example");
    assert_eq!(context_of(&report, "src/b.txt"), "source");
}

#[test]
fn tokens_in_documentation_comments_are_docs_and_in_plain_comments_source() {
    let fixture = Fixture::new();
    let token = hs256();
    fixture
        .write("src/lib.rs", format!("/// ```\n/// let t = \"{token}\";\n/// ```\npub fn f() {{}}\n"))
        .write(
            "src/api.ts",
            format!("/**\n * @example\n *   verify(\"{token}\")\n */\nexport function verify() {{}}\n"),
        )
        .write("src/mod.py", format!("def f():\n    \"\"\"Decode.\n\n    >>> f(\"{token}\")\n    \"\"\"\n"))
        .write("src/main.rs", format!("// temporary: {token}\n"));
    let report = stdout_json(fixture.cmd().args(["--format", "json", "--now", NOW]));
    assert_eq!(context_of(&report, "src/lib.rs"), "docs");
    assert_eq!(context_of(&report, "src/api.ts"), "docs");
    assert_eq!(context_of(&report, "src/mod.py"), "docs");
    assert_eq!(context_of(&report, "src/main.rs"), "source");
}

#[test]
fn a_library_style_repository_is_green_by_default_and_red_with_strict() {
    let fixture = Fixture::new();
    let output =
        scan_fixture_tree(&fixture, "context/library").args(["--format", "json", "--now", NOW]).output().unwrap();
    let report = crate::cli::util::json(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{report}");
    assert!(report["summary"]["findings"].as_u64().unwrap() >= 8, "{report}");
    assert_eq!(report["summary"]["failing"], 0);
    assert_eq!(report["summary"]["contexts"]["source"], 0, "{report}");
    scan_fixture_tree(&fixture, "context/library").args(["--now", NOW, "--strict"]).assert().code(1);
    fixture.write("strict.toml", "[context]\nstrict = true\n");
    let library = fixtures("context/library");
    fixture.cmd().arg(&library).args(["--now", NOW, "--config", "strict.toml"]).assert().code(1);
}

#[test]
fn a_real_looking_token_in_a_fixture_fails_the_run() {
    let fixture = Fixture::new();
    let output = scan_fixture_tree(&fixture, "context/leak").args(["--format", "json", "--now", NOW]).output().unwrap();
    let report = crate::cli::util::json(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert!(report["summary"]["failing"].as_u64().unwrap() >= 1, "{report}");
    assert_eq!(report["findings"][0]["context"], "test");
}

#[test]
fn the_same_token_moved_from_tests_into_src_or_a_config_file_fails() {
    let fixture = Fixture::new();
    fixture.write("tests/auth.rs", format!("const T: &str = \"{}\";\n", hs256()));
    fixture.cmd().args(["--now", NOW]).assert().code(0);
    std::fs::remove_file(fixture.join("tests/auth.rs")).unwrap();
    fixture.write("src/auth.rs", format!("const T: &str = \"{}\";\n", hs256()));
    fixture.cmd().args(["--now", NOW]).assert().code(1);
    std::fs::remove_file(fixture.join("src/auth.rs")).unwrap();
    fixture.write("config/app.env", format!("TOKEN={}\n", hs256()));
    fixture.cmd().args(["--now", NOW]).assert().code(1);
    // A real-looking token fails in tests/ too.
    fixture.write("tests/live.txt", real_looking());
    std::fs::remove_file(fixture.join("config/app.env")).unwrap();
    fixture.cmd().args(["--now", NOW]).assert().code(1);
}

#[test]
fn config_globs_and_policy_per_context_apply() {
    let fixture = Fixture::new();
    fixture.write("qa/login.txt", hs256()).write("vendor/x.txt", unsigned()).write("src/a.txt", "nothing");
    let report = stdout_json(fixture.cmd().args(["--format", "json", "--now", NOW]));
    assert_eq!(context_of(&report, "qa/login.txt"), "source");
    fixture.write("jwtscan.toml", "[context]\ntest = [\"qa/**\"]\n");
    let report = stdout_json(fixture.cmd().args(["--format", "json", "--now", NOW]));
    assert_eq!(context_of(&report, "qa/login.txt"), "test");
    assert_eq!(report["findings"][0]["evidence"]["context_reason"], "a [context] glob in the config file");
    fixture.cmd().args(["--now", NOW]).assert().code(0);
    fixture.write("jwtscan.toml", "[context]\ntest = [\"qa/**\"]\n[context.policy]\ntest = \"fail\"\n");
    fixture.cmd().args(["--now", NOW]).assert().code(1);
    fixture.write("jwtscan.toml", "[context.policy]\nvendor = \"ignore\"\nsource = \"report\"\n");
    let output = fixture.cmd().args(["--format", "json", "--now", NOW]).output().unwrap();
    let report = crate::cli::util::json(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{report}");
    assert!(contexts(&report).iter().all(|(path, _, _)| path != "vendor/x.txt"), "{report}");
    assert_eq!(report["summary"]["held_back"]["context_policy"], 2, "{report}");
    assert!(report["summary"]["config"].as_str().unwrap_or_default().ends_with("jwtscan.toml"), "{report}");
}

#[test]
fn a_bad_context_config_is_a_usage_error_naming_the_key() {
    let fixture = Fixture::new();
    fixture.write("jwtscan.toml", "[context.policy]\ntests = \"fail\"\n");
    fixture.cmd().assert().code(2).stderr(predicate::str::contains("context.policy.tests"));
    fixture.write("jwtscan.toml", "[context]\ndocs = [\"a[\"]\n");
    fixture.cmd().assert().code(2).stderr(predicate::str::contains("context.docs"));
}

#[test]
fn the_summary_counts_contexts_and_what_was_held_back() {
    let fixture = Fixture::new();
    fixture
        .write("src/a.txt", unsigned())
        .write("tests/b.txt", hs256())
        .write("src/c.txt", format!("{} # jwtscan:ignore\n", hs256()));
    let report = stdout_json(fixture.cmd().args(["--format", "json", "--now", NOW, "--min-severity", "low"]));
    let summary = &report["summary"];
    // alg-none and leaked-token on the unsigned token; the ignored line is held back.
    assert_eq!(summary["contexts"]["source"], 2, "{summary}");
    assert_eq!(summary["contexts"]["test"], 1, "{summary}");
    assert_eq!(summary["held_back"]["inline_ignore"], 1, "{summary}");
    assert_eq!(summary["config"], Value::Null);
    for context in ["source", "test", "docs", "example", "vendor", "generated"] {
        assert!(summary["contexts"][context].is_u64(), "{context}: {summary}");
    }
    for reason in ["context_policy", "baseline", "inline_ignore", "min_severity", "allowlist"] {
        assert!(summary["held_back"][reason].is_u64(), "{reason}: {summary}");
    }
}

#[test]
fn sarif_results_carry_the_context_and_non_failing_ones_are_notes() {
    let fixture = Fixture::new();
    fixture.write("src/a.txt", unsigned()).write("tests/b.txt", unsigned_in_test());
    let sarif = stdout_json(fixture.cmd().args(["--format", "sarif", "--now", NOW]));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    for result in results {
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
        let context = if uri.starts_with("tests/") { "test" } else { "source" };
        assert_eq!(result["properties"]["context"], context, "{result}");
        let tags = result["properties"]["tags"].as_array().unwrap();
        assert!(tags.contains(&Value::from(format!("context/{context}"))), "{result}");
        if context == "test" {
            assert_eq!(result["level"], "note", "{result}");
        } else if result["ruleId"] == "alg-none" {
            assert_eq!(result["level"], "error", "{result}");
        }
    }
}

fn unsigned_in_test() -> String {
    crate::cli::util::unsigned_other()
}

#[test]
fn github_annotations_of_non_failing_findings_are_notices() {
    let fixture = Fixture::new();
    fixture.write("tests/b.txt", unsigned());
    let output = fixture.cmd().args(["--format", "github", "--now", NOW]).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let annotations: Vec<&str> = text.lines().filter(|line| line.starts_with("::")).collect();
    assert!(!annotations.is_empty(), "{text}");
    assert!(annotations.iter().all(|line| line.starts_with("::notice")), "{text}");
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn text_shows_failing_findings_first_then_one_line_per_other_file() {
    let fixture = Fixture::new();
    fixture.write("a/tests/x.txt", unsigned()).write("b/src/y.txt", unsigned_in_test());
    let output = fixture.cmd().args(["--now", NOW, "--color", "never"]).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let failing = text.find("b/src/y.txt:1:1").expect("the failing finding in full");
    let other = text.find("a/tests/x.txt [test]").expect("one line for the test file");
    assert!(failing < other, "{text}");
    assert_eq!(text.matches("a/tests/x.txt").count(), 1, "{text}");
    assert!(text.contains(&sha256_hex(&unsigned_in_test())), "token_sha256 next to the token: {text}");
    let verbose = fixture.cmd().args(["--now", NOW, "--color", "never", "--verbose"]).output().unwrap();
    let verbose = String::from_utf8_lossy(&verbose.stdout);
    assert!(verbose.contains("a/tests/x.txt:1:1"), "{verbose}");
    assert!(verbose.contains(&sha256_hex(&unsigned())), "{verbose}");
}

#[test]
fn statistics_count_findings_per_rule_and_context() {
    let fixture = Fixture::new();
    fixture.write("src/a.txt", unsigned()).write("tests/b.txt", unsigned_in_test());
    let output = fixture.cmd().args(["--now", NOW, "--color", "never", "--statistics"]).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let row = text.lines().find(|line| line.trim_start().starts_with("alg-none")).expect("an alg-none row");
    let numbers: Vec<&str> = row.split_whitespace().skip(1).collect();
    assert_eq!(numbers, ["1", "1", "0", "0", "0", "0", "2"], "{text}");
    assert!(text.contains("source") && text.contains("generated"), "{text}");
}

#[test]
fn issuer_profiles_name_the_product_and_set_severity() {
    let fixture = Fixture::new();
    let anon = jwt(r#"{"alg":"HS256"}"#, r#"{"iss":"supabase","ref":"abcd","role":"anon","exp":4102444800}"#, &[9; 32]);
    let service = jwt(
        r#"{"alg":"HS256"}"#,
        r#"{"iss":"supabase","ref":"abcd","role":"service_role","exp":4102444800}"#,
        &[9; 32],
    );
    fixture.write("web/client.js", &anon).write("tests/admin.txt", &service);
    let output = fixture.cmd().args(["--format", "json", "--now", NOW]).output().unwrap();
    let report = crate::cli::util::json(&output.stdout);
    let leaked: Vec<&Value> =
        report["findings"].as_array().unwrap().iter().filter(|finding| finding["rule"] == "leaked-token").collect();
    let anon_finding = leaked.iter().find(|finding| finding["path"] == "web/client.js").unwrap();
    assert_eq!(anon_finding["severity"], "info");
    assert_eq!(anon_finding["evidence"]["product"], "Supabase anon key");
    let service_finding = leaked.iter().find(|finding| finding["path"] == "tests/admin.txt").unwrap();
    assert_eq!(service_finding["severity"], "critical");
    assert_eq!(service_finding["evidence"]["product"], "Supabase service_role key");
    // Privileged and live: fails from tests/ too.
    assert_eq!(output.status.code(), Some(1), "{report}");
    let text = fixture.cmd().args(["--now", NOW, "--color", "never"]).output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("Supabase service_role key"));
}

#[test]
fn rules_help_for_leaked_token_says_how_to_rotate_each_product() {
    let fixture = Fixture::new();
    fixture
        .cmd()
        .args(["rules", "leaked-token"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Supabase service_role key"))
        .stdout(predicate::str::contains("GitHub Actions OIDC token"))
        .stdout(predicate::str::contains("rotate the JWT secret"));
}
