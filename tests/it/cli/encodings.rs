//! Tokens inside other encodings (docs/encodings.md): one fixture per real-world carrier, each
//! reported at the outermost value with its chain, every rule applied, nothing re-leaked; and
//! decoys that must stay silent.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::cli::util::{Fixture, NOW, sha256_hex, signed_hs256, stdout_json, unsigned};

/// HS256 signed with `secret`: `weak-secret` fires on it wherever it is found.
fn weak() -> String {
    signed_hs256(r#"{"alg":"HS256","typ":"JWT"}"#, r#"{"sub":"dev","iat":1700000000}"#, b"secret")
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend(miniz_oxide::deflate::compress_to_vec(data, 6));
    out.extend([0; 8]);
    out
}

fn scan(fixture: &Fixture, extra: &[&str]) -> Value {
    stdout_json(fixture.cmd().args(["scan", "--format", "json", "--now", NOW]).args(extra).arg("."))
}

/// The findings of `rule` in `path`.
fn findings<'a>(report: &'a Value, path: &str, rule: &str) -> Vec<&'a Value> {
    report["findings"].as_array().unwrap().iter().filter(|f| f["path"] == path && f["rule"] == rule).collect()
}

fn chain(finding: &Value) -> Vec<&str> {
    finding["evidence"]["encoding"]
        .as_array()
        .map_or(Vec::new(), |chain| chain.iter().filter_map(Value::as_str).collect())
}

/// Line and column (1-based, in characters) of byte `at` of `text`.
fn line_column(text: &str, at: usize) -> (u64, u64) {
    let line = text[..at].matches('\n').count() as u64 + 1;
    let column = text[..at].rsplit('\n').next().unwrap().chars().count() as u64 + 1;
    (line, column)
}

fn location(finding: &Value) -> [u64; 4] {
    ["line", "column", "end_line", "end_column"].map(|key| finding[key].as_u64().unwrap())
}

/// Where `first` starts and `last` (found after it) ends in `text`.
fn span(text: &str, first: &str, last: &str) -> [u64; 4] {
    let start = text.find(first).unwrap_or_else(|| panic!("{first} in {text}"));
    let end = start + text[start..].find(last).unwrap() + last.len();
    let ((line, column), (end_line, end_column)) = (line_column(text, start), line_column(text, end));
    [line, column, end_line, end_column]
}

/// Asserts the one finding of `rule` in `path`: its chain, inner token, and span over `value`.
fn assert_found(report: &Value, path: &str, rule: &str, token: &str, encoding: &[&str], text: &str, value: &str) {
    let found = findings(report, path, rule);
    assert_eq!(found.len(), 1, "{path} {rule}: {report:#}");
    assert_eq!(chain(found[0]), encoding, "{path}");
    assert_eq!(found[0]["token_sha256"], sha256_hex(token), "{path}");
    assert_eq!(location(found[0]), span(text, value, value), "{path}");
}

#[test]
fn registry_credentials_basic_auth_and_data_urls_yield_their_tokens_at_the_outer_value() {
    let token = unsigned();
    let auth = STANDARD.encode(format!("serviceaccount:{token}"));
    let config =
        format!("{{\n  \"auths\": {{\n    \"quay.example.com\": {{\n      \"auth\": \"{auth}\"\n    }}\n  }}\n}}\n");
    let dockerconfigjson = STANDARD.encode(&config);
    let secret = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: pull\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {dockerconfigjson}\n"
    );
    let basic = STANDARD.encode(format!("{token}:x-oauth-basic"));
    let http = format!("GET /api HTTP/1.1\nHost: example.com\nAuthorization: Basic {basic}\n");
    let url = format!("data:,{}", percent_encode(&config));
    let machineconfig = format!(
        "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nspec:\n  config:\n    storage:\n      files:\n      - path: /var/lib/kubelet/config.json\n        contents:\n          source: {url}\n"
    );
    let fixture = Fixture::new();
    fixture
        .write(".docker/config.json", &config)
        .write("secret.yaml", &secret)
        .write("request.http", &http)
        .write("99-pull-secret.yaml", &machineconfig);
    let report = scan(&fixture, &[]);
    for rule in ["alg-none", "leaked-token"] {
        assert_found(&report, ".docker/config.json", rule, &token, &["base64"], &config, &auth);
        assert_found(&report, "secret.yaml", rule, &token, &["base64", "base64"], &secret, &dockerconfigjson);
        assert_found(&report, "request.http", rule, &token, &["base64"], &http, &basic);
        assert_found(&report, "99-pull-secret.yaml", rule, &token, &["percent", "base64"], &machineconfig, &url);
    }
    let stdout = serde_json::to_string(&report).unwrap();
    assert!(!stdout.contains(&token), "a decoded token is re-leaked");
}

#[test]
fn a_helm_release_secret_yields_the_tokens_of_its_manifest() {
    let token = unsigned();
    let release = format!(
        "{{\"name\":\"web\",\"manifest\":\"---\\nkind: Secret\\nstringData:\\n  token: {token}\\n\",\"version\":3}}"
    );
    let value = STANDARD.encode(STANDARD.encode(gzip(release.as_bytes())));
    let text = format!("apiVersion: v1\nkind: Secret\ntype: helm.sh/release.v1\ndata:\n  release: {value}\n");
    let fixture = Fixture::new();
    fixture.write("sh.helm.release.v1.web.v3.yaml", &text);
    let report = scan(&fixture, &[]);
    assert_found(
        &report,
        "sh.helm.release.v1.web.v3.yaml",
        "alg-none",
        &token,
        &["base64", "base64", "gzip"],
        &text,
        &value,
    );
}

/// HS256 signed with `key`.
fn hs256(key: &[u8], sub: &str) -> String {
    signed_hs256(r#"{"alg":"HS256","typ":"JWT"}"#, &format!(r#"{{"sub":"{sub}"}}"#), key)
}

#[test]
fn weak_secret_and_secret_in_repo_apply_to_tokens_inside_layers() {
    let weak = weak();
    let in_repo = hs256(b"q7-Zt9fK2-from-this-repo", "svc");
    let fixture = Fixture::new();
    fixture
        .write(
            "config.json",
            format!("{{\"auths\":{{\"r\":{{\"auth\":\"{}\"}}}}}}\n", STANDARD.encode(format!("ci:{weak}"))),
        )
        .write(".env", "JWT_SECRET=q7-Zt9fK2-from-this-repo\n")
        .write("request.http", format!("Authorization: Basic {}\n", STANDARD.encode(format!("svc:{in_repo}"))));
    let report = scan(&fixture, &[]);
    for (path, rule, token) in [("config.json", "weak-secret", &weak), ("request.http", "secret-in-repo", &in_repo)] {
        let found = findings(&report, path, rule);
        assert_eq!(found.len(), 1, "{path} {rule}: {report:#}");
        assert_eq!(chain(found[0]), ["base64"]);
        assert_eq!(found[0]["token_sha256"], sha256_hex(token));
        assert!(!serde_json::to_string(&report).unwrap().contains(token.as_str()));
    }
}

#[test]
fn fingerprints_of_encoded_tokens_survive_edits_elsewhere_and_sarif_carries_the_chain() {
    let token = unsigned();
    let line = format!("auth: {}\n", STANDARD.encode(format!("u:{token}")));
    let fixture = Fixture::new();
    fixture.write("a.yaml", &line);
    let fingerprints = |report: &Value| -> Vec<String> {
        report["findings"].as_array().unwrap().iter().map(|f| f["fingerprint"].as_str().unwrap().to_string()).collect()
    };
    let before = fingerprints(&scan(&fixture, &[]));
    fixture.write("a.yaml", format!("# a comment\nother: 1\n{line}"));
    let after = scan(&fixture, &[]);
    assert_eq!(fingerprints(&after), before);
    assert_eq!(after["findings"][0]["line"], 3);
    let sarif = stdout_json(fixture.cmd().args(["scan", "--format", "sarif", "--now", NOW, "."]));
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["properties"]["evidence"]["encoding"], serde_json::json!(["base64"]), "{sarif:#}");
}

#[test]
fn split_literals_in_each_language_are_joined() {
    let token = unsigned();
    let (a, rest) = token.split_at(30);
    let (b, c) = rest.split_at(30);
    let sources = [
        ("main.go", format!("package main\n\nconst token = \"{a}\" +\n\t\"{b}\" +\n\t\"{c}\"\n")),
        ("Main.java", format!("class Main {{\n  String t = \"{a}\"\n      + \"{b}\"\n      + \"{c}\";\n}}\n")),
        ("app.kt", format!("val t = \"{a}\" +\n    \"{b}\" +\n    \"{c}\"\n")),
        ("app.ts", format!("const t: string = '{a}' +\n  `{b}` +\n  \"{c}\";\n")),
        ("Program.cs", format!("var t = @\"{a}\"\n    + \"{b}\"\n    + \"{c}\";\n")),
        ("main.swift", format!("let t = \"{a}\" +\n    \"{b}\" +\n    \"{c}\"\n")),
        ("index.php", format!("<?php\n$t = '{a}' .\n    '{b}' .\n    '{c}';\n")),
        ("app.py", format!("TOKEN = (\n    \"{a}\"\n    \"{b}\"\n    \"{c}\"\n)\n")),
        ("main.c", format!("static const char *t = \"{a}\"\n    \"{b}\"\n    \"{c}\";\n")),
        ("macro.h", format!("#define TOKEN \"{a}\\\n{b}\\\n{c}\"\n")),
    ];
    let fixture = Fixture::new();
    for (path, text) in &sources {
        fixture.write(path, text);
    }
    let report = scan(&fixture, &[]);
    for (path, text) in &sources {
        let found = findings(&report, path, "alg-none");
        assert_eq!(found.len(), 1, "{path}: {report:#}");
        assert_eq!(chain(found[0]), ["concatenated"], "{path}");
        assert_eq!(found[0]["token_sha256"], sha256_hex(&token), "{path}");
        assert_eq!(location(found[0]), span(text, a, c), "{path}");
    }
}

#[test]
fn decoys_in_encodings_and_literals_yield_nothing() {
    let fixture = Fixture::new();
    fixture
        .write("docs.txt", STANDARD.encode("Every JWT header starts with eyJ, the base64 of {\" in JSON."))
        .write(
            "basic.http",
            format!("Authorization: Basic {}\n", STANDARD.encode("admin:correct-horse-battery-staple")),
        )
        .write("config.json", format!("{{\"auths\":{{\"r\":{{\"auth\":\"{}\"}}}}}}", STANDARD.encode("user:hunter2")))
        .write("prose.js", "const msg = \"a JWT starts with eyJ\" +\n  \" and has two dots.\";\n")
        .write("handlers.go", "func handleUpdate(w http.ResponseWriter) { fileUpload(moduleUrl) }\n");
    let report = scan(&fixture, &[]);
    assert_eq!(report["findings"], Value::Array(Vec::new()), "{report:#}");
}

#[test]
fn the_text_report_shows_the_chain_on_the_token_header_line() {
    let token = unsigned();
    let fixture = Fixture::new();
    fixture.write("auth.txt", format!("auth: {}\n", STANDARD.encode(format!("u:{token}"))));
    let output = fixture.cmd().args(["scan", "--now", NOW, "--color", "never", "."]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let header = stdout.lines().find(|line| line.contains("auth.txt:1:7")).unwrap_or_else(|| panic!("{stdout}"));
    assert!(header.contains("base64"), "{stdout}");
    assert!(!stdout.contains(&token));
}

#[test]
fn max_depth_zero_in_the_config_turns_layers_off() {
    let token = unsigned();
    let fixture = Fixture::new();
    fixture
        .write("auth.txt", format!("auth: {}\n", STANDARD.encode(format!("u:{token}"))))
        .write("wrapped.txt", format!("t: {}\n", STANDARD.encode(&token)));
    let report = scan(&fixture, &[]);
    assert_eq!(findings(&report, "auth.txt", "alg-none").len(), 1);
    fixture.write("jwtscan.toml", "[decode]\nmax_depth = 0\n");
    let report = scan(&fixture, &[]);
    assert!(findings(&report, "auth.txt", "alg-none").is_empty());
    // The whole-value wrapper is not a layer: it is found at any depth, without a chain.
    let wrapped = findings(&report, "wrapped.txt", "alg-none");
    assert_eq!(wrapped.len(), 1);
    assert!(wrapped[0]["evidence"].get("encoding").is_none());
    fixture.write("jwtscan.toml", "[decode]\nmax_depth = 99\n");
    let output = fixture.cmd().args(["scan", "."]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("max_depth"));
}
