//! Hostile input against the binary. Every case pins the same promise: the scan completes with the
//! exit status docs/report-format.md gives, and each file is either scanned or counted in `summary.skipped` /
//! `summary.errors` with a warning on stderr, never silently lost. Plus: output that scanned text
//! cannot abuse (terminal escapes, broken JSON, re-leaked tokens) and no network access.

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::cli::util::{b64, signed_hs256};

/// Size of a read window in `src/scan.rs`.
const WINDOW: usize = 16 << 20;

fn jwtscan() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_jwtscan"));
    // A hang (a FIFO opened for reading, a loop) fails the test instead of blocking the suite.
    command.timeout(Duration::from_secs(120));
    command
}

struct Run {
    code: i32,
    json: Value,
    stdout: Vec<u8>,
    stderr: String,
}

impl Run {
    fn summary(&self, field: &str) -> u64 {
        self.json["summary"][field].as_u64().unwrap_or_else(|| panic!("summary.{field} in {}", self.json))
    }

    fn findings(&self) -> &[Value] {
        self.json["findings"].as_array().expect("findings array")
    }
}

/// Runs a scan with `--format json` and checks what every case needs: no crash, exit 0 or 1,
/// valid JSON on stdout.
fn scan_json(args: &[&str], dir: &Path) -> Run {
    let output = jwtscan().current_dir(dir).args(["scan", "--format", "json"]).args(args).output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output.status.code().unwrap_or_else(|| panic!("killed by a signal; stderr: {stderr}"));
    assert!(code == 0 || code == 1, "exit {code}; stderr: {stderr}");
    let json = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("stdout is not JSON ({err}): {}", String::from_utf8_lossy(&output.stdout)));
    Run { code, json, stdout: output.stdout, stderr }
}

/// A compact JWS from header and claims JSON text, with a 256-byte RS256-sized signature so the
/// token is not an HMAC one (which would send it through the secrets pass).
fn jws(header: &str, claims: &str) -> String {
    format!("{}.{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()), b64([7; 256]))
}

/// An unsigned (`alg: none`) token: the signature part is empty.
fn unsigned(claims: &str) -> String {
    format!("{}.{}.", b64(br#"{"alg":"none"}"#), b64(claims.as_bytes()))
}

fn rs256(claims: &str) -> String {
    jws(r#"{"alg":"RS256","typ":"JWT"}"#, claims)
}

/// An HS256 token signed with `secret`.
fn hs256(claims: &str, secret: &[u8]) -> String {
    signed_hs256(r#"{"alg":"HS256","typ":"JWT"}"#, claims, secret)
}

fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), contents).expect("write fixture");
}

// ---- file contents ----

#[test]
fn a_token_in_a_file_with_invalid_utf8_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let token = rs256(r#"{"sub":"1"}"#);
    write(dir.path(), "bad.txt", [b"\xff\xfe\xc3(\x80 key=".as_slice(), token.as_bytes(), b"\n\xed\xa0\x80"].concat());
    let run = scan_json(&[], dir.path());
    assert_eq!(run.summary("files_scanned"), 1);
    assert_eq!(run.summary("tokens"), 1);
    let finding = &run.findings()[0];
    // Each invalid byte counts as one character: 5 before the token's line text, then "key=".
    assert_eq!((finding["line"].as_u64(), finding["column"].as_u64()), (Some(1), Some(10)));
}

#[test]
fn a_token_between_nul_bytes_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let token = rs256(r#"{"sub":"1"}"#);
    write(dir.path(), "blob.bin", [&[0u8; 1000][..], token.as_bytes(), &[0u8; 1000]].concat());
    let run = scan_json(&[], dir.path());
    assert_eq!(run.summary("files_scanned"), 1);
    assert_eq!(run.summary("tokens"), 1);
}

/// A decision, not an accident: jwtscan matches tokens as ASCII bytes, so a UTF-16 file is
/// scanned (counted) but its tokens are not found. Tokens live in UTF-8/ASCII config and source;
/// decoding every file as UTF-16 too would double the work for a case not seen in practice.
#[test]
fn a_utf16_file_is_scanned_but_its_tokens_are_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let token = rs256(r#"{"sub":"1"}"#);
    for (name, bom, big_endian) in [("le.txt", [0xff, 0xfe], false), ("be.txt", [0xfe, 0xff], true)] {
        let mut bytes = bom.to_vec();
        for unit in format!("token={token}\n").encode_utf16() {
            bytes.extend_from_slice(&if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() });
        }
        write(dir.path(), name, bytes);
    }
    let run = scan_json(&[], dir.path());
    assert_eq!(run.summary("files_scanned"), 2);
    assert_eq!(run.summary("tokens"), 0);
    assert_eq!(run.summary("skipped") + run.summary("errors"), 0);
}

#[test]
fn tokens_at_both_ends_of_a_20_mb_single_line_are_found_at_their_columns() {
    let dir = tempfile::tempdir().unwrap();
    let first = rs256(r#"{"sub":"first"}"#);
    let last = rs256(r#"{"sub":"last"}"#);
    let filler_len = 20_000_000;
    let mut text = Vec::with_capacity(filler_len + 1000);
    text.extend_from_slice(first.as_bytes());
    text.push(b' ');
    text.resize(text.len() + filler_len, b'x');
    text.push(b' ');
    let last_column = text.len() as u64 + 1;
    text.extend_from_slice(last.as_bytes());
    write(dir.path(), "long.txt", &text);

    let run = scan_json(&[], dir.path());
    assert_eq!(run.summary("tokens"), 2);
    assert_eq!(run.summary("bytes_scanned"), text.len() as u64);
    let mut columns: Vec<_> = run.findings().iter().map(|f| (f["line"].as_u64(), f["column"].as_u64())).collect();
    columns.dedup();
    assert_eq!(columns, [(Some(1), Some(1)), (Some(1), Some(last_column))]);
}

#[test]
fn all_100000_tokens_in_one_file_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..100_000 {
        text.push_str(&rs256(&format!(r#"{{"sub":"{i}","exp":4102444800}}"#)));
        text.push(if i % 10 == 9 { '\n' } else { ' ' });
    }
    write(dir.path(), "many.txt", text);
    // Only the count matters here; `critical` keeps the report (and the test) small.
    let run = scan_json(&["--min-severity", "critical"], dir.path());
    assert_eq!(run.summary("tokens"), 100_000);
}

/// Regression: each token's column and `jwtscan:ignore` check scanned its whole line again, so
/// a minified file with many tokens on one line took quadratic time (minutes for 1.6 MB). The
/// command's timeout is the guard; the assertions pin the counts and the last column.
#[test]
fn all_100000_tokens_on_one_line_are_counted_and_located() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..100_000 {
        text.push_str(&rs256(&format!(r#"{{"sub":"{i}"}}"#)));
        text.push(' ');
    }
    let last = unsigned(r#"{"sub":"last"}"#);
    let last_column = text.chars().count() as u64 + 1;
    text.push_str(&last);
    text.push_str(" # jwtscan:ignore");
    write(dir.path(), "minified.js", &text);
    // Only the last token is critical (alg none): the report stays small.
    let run = scan_json(&["--no-inline-ignore", "--min-severity", "critical"], dir.path());
    assert_eq!(run.summary("tokens"), 100_001);
    assert_eq!(run.findings().len(), 1);
    assert_eq!(run.findings()[0]["column"].as_u64(), Some(last_column));
    let run = scan_json(&["--min-severity", "critical"], dir.path());
    assert_eq!((run.summary("tokens"), run.findings().len()), (100_001, 0), "the line is ignored");
}

/// Builds a file whose token starts `before` bytes ahead of the 16 MiB window boundary, preceded
/// by filler that has a line break `newline_back` bytes before the token (or none).
fn token_across_the_window_cut(newline_back: Option<usize>, before: usize) -> (Vec<u8>, String, u64, u64) {
    let token = rs256(r#"{"sub":"across the cut"}"#);
    assert!(token.len() > before);
    let start = WINDOW - before;
    let mut text = vec![b'x'; start];
    // A token must not continue a run of base64url characters: a space sets it apart.
    text[start - 1] = b' ';
    if let Some(back) = newline_back {
        text[start - back] = b'\n';
    }
    text.extend_from_slice(token.as_bytes());
    text.extend_from_slice(b" tail\n");
    let (line, column) = match newline_back {
        Some(back) => (2, back as u64),
        None => (1, start as u64 + 1),
    };
    (text, token, line, column)
}

#[test]
fn a_token_across_the_read_window_cut_is_found_once_whole() {
    for (newline_back, before) in [(None, 100), (None, 1), (Some(1), 50), (Some(3_000_000), 200), (Some(9_000_000), 10)]
    {
        let dir = tempfile::tempdir().unwrap();
        let (text, token, line, column) = token_across_the_window_cut(newline_back, before);
        write(dir.path(), "cut.txt", &text);
        let run = scan_json(&["--show-secrets"], dir.path());
        let case = format!("newline {newline_back:?} token {before} bytes before the cut");
        assert_eq!(run.summary("tokens"), 1, "{case}");
        let finding = &run.findings()[0];
        assert_eq!(finding["token"], token.as_str(), "{case}");
        assert_eq!((finding["line"].as_u64(), finding["column"].as_u64()), (Some(line), Some(column)), "{case}");
    }
}

/// Found by reasoning about the window cut: a token longer than the 1 MiB overlap that crosses
/// the cut was lost when its line had no break in the window's second half.
#[test]
fn a_token_with_a_10_mb_claim_across_the_window_cut_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let token = rs256(&format!(r#"{{"sub":"1","blob":"{}"}}"#, "A".repeat(10_000_000)));
    let mut text = b"x\n".to_vec();
    text.resize(8_000_000, b'x');
    text.extend_from_slice(token.as_bytes());
    write(dir.path(), "big.txt", &text);
    let run = scan_json(&[], dir.path());
    assert_eq!(run.summary("tokens"), 1);
    assert_eq!(run.findings()[0]["line"], 2);
}

/// Tokens up to a read window (16 MiB of text) are found whole; a 10 MB claim is 13.3 MB encoded.
#[test]
fn a_token_with_10_mb_claim_values_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let (sub, password) = ("v".repeat(10_000_000), "p".repeat(1_000_000));
    write(dir.path(), "big.txt", rs256(&format!(r#"{{"sub":"{sub}","password":"{password}"}}"#)));
    let run = scan_json(&[], dir.path());
    assert_eq!(run.summary("tokens"), 1);
    assert!(run.stdout.len() < 1_000_000, "a claim value must not be copied into the report whole");
}

#[test]
fn a_file_over_max_file_size_is_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "big.txt", format!("{}\n", rs256("{}")).repeat(10));
    write(dir.path(), "small.txt", "nothing");
    let run = scan_json(&["--max-file-size", "100"], dir.path());
    assert_eq!(run.summary("skipped"), 1);
    assert_eq!(run.summary("files_scanned"), 1);
    assert_eq!(run.summary("tokens"), 0);
    assert!(run.stderr.contains("big.txt") && run.stderr.contains("max-file-size"), "{}", run.stderr);
}

/// Memory stays bounded on a huge file: the scan reads 3 GB in 16 MiB windows (peak RSS measured
/// by hand with `/usr/bin/time -v`, see docs/contributing.md). Sparse, so it costs no disk, but
/// reading 3 GB takes a while in a debug build: run with `cargo test -- --ignored`.
#[test]
#[ignore = "reads 3 GB: slow in a debug build"]
fn a_3_gb_sparse_file_is_scanned_in_bounded_windows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sparse.bin");
    let mut file = std::fs::File::create(&path).unwrap();
    let token = rs256(r#"{"sub":"at the end"}"#);
    let size: u64 = 3 << 30;
    file.set_len(size - token.len() as u64).unwrap();
    std::io::Seek::seek(&mut file, std::io::SeekFrom::End(0)).unwrap();
    file.write_all(token.as_bytes()).unwrap();
    drop(file);
    let run = scan_json(&["--max-file-size", "4000000000"], dir.path());
    assert_eq!(run.summary("bytes_scanned"), size);
    assert_eq!(run.summary("tokens"), 1);
}

// ---- claims ----

#[test]
fn claims_nested_100000_deep_stay_a_token_and_do_not_overflow_the_stack() {
    let dir = tempfile::tempdir().unwrap();
    let depth = 100_000;
    let arrays = format!(r#"{{"sub":{}1{}}}"#, "[".repeat(depth), "]".repeat(depth));
    let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
    write(dir.path(), "deep.txt", format!("{}\n{}\n", rs256(&arrays), rs256(&objects)));
    // A header nested that deep is not a token: it must be dropped, not crash the scan.
    write(dir.path(), "deep-header.txt", jws(&objects, "{}"));
    let run = scan_json(&[], dir.path());
    assert_eq!(run.summary("files_scanned"), 2);
    assert_eq!(run.summary("tokens"), 2);
}

pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend(miniz_oxide::deflate::compress_to_vec(data, 9));
    out.extend([0; 8]);
    out
}

#[test]
fn a_gzip_bomb_in_base64_stops_at_the_inflate_cap_with_a_counted_warning() {
    let dir = tempfile::tempdir().unwrap();
    // 64 MiB of zeros deflate to 64 KB, 1000:1 like a 10 GB bomb: the ratio cap, not the size
    // the stream claims, bounds the work.
    let bomb = gzip(&vec![0u8; 64 << 20]);
    write(dir.path(), "release.yaml", format!("data:\n  release: {}\n", STANDARD.encode(STANDARD.encode(&bomb))));
    let started = std::time::Instant::now();
    let run = scan_json(&[], dir.path());
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    assert_eq!(run.summary("files_scanned"), 1);
    assert_eq!(run.summary("errors"), 1);
    assert!(
        run.stderr.contains("release.yaml: decoding stopped") && run.stderr.contains("inflate cap"),
        "{}",
        run.stderr
    );
}

#[test]
fn layers_nested_100_deep_stop_at_the_depth_limit_with_a_counted_warning() {
    let dir = tempfile::tempdir().unwrap();
    let token = rs256(r#"{"sub":"deep"}"#);
    let mut layer = format!("token: {token}").into_bytes();
    for _ in 0..100 {
        layer = gzip(&layer);
    }
    write(dir.path(), "deep.txt", format!("x: {}\n", STANDARD.encode(&layer)));
    let run = scan_json(&[], dir.path());
    assert_eq!(run.summary("tokens"), 0);
    assert_eq!(run.summary("errors"), 1);
    assert!(run.stderr.contains("deeper than [decode] max_depth"), "{}", run.stderr);
}

#[test]
fn duplicate_claim_and_header_keys_do_not_break_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let token =
        jws(r#"{"alg":"RS256","alg":"none","typ":"JWT"}"#, r#"{"exp":1,"exp":4102444800,"sub":"a","sub":{"x":1}}"#);
    write(dir.path(), "dup.txt", token);
    let run = scan_json(&[], dir.path());
    assert_eq!(run.summary("tokens"), 1);
}

#[test]
fn exp_values_out_of_range_or_of_the_wrong_type_do_not_break_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for exp in ["1e400", "-1e400", "-1", "\"tomorrow\"", "1e20", "-9223372036854775809", "18446744073709551616", "null"]
    {
        for claim in ["exp", "iat", "nbf"] {
            text.push_str(&rs256(&format!(r#"{{"{claim}":{exp},"iat":0}}"#)));
            text.push('\n');
        }
    }
    write(dir.path(), "exp.txt", text);
    for now in ["--now=0", "--now=-9223372036854775808", "--now=9223372036854775807"] {
        let run = scan_json(&[now], dir.path());
        assert_eq!(run.summary("tokens"), 24, "{now}");
    }
}

// ---- special files ----

/// Links are never followed, so loops and dangling links cost nothing; their target text is
/// scanned like a small file (a link can carry a token, issue 17).
#[test]
fn symlink_loops_and_dangling_symlinks_are_scanned_as_their_target_text_only() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("loop-b", dir.path().join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", dir.path().join("loop-b")).unwrap();
    std::os::unix::fs::symlink(".", dir.path().join("self")).unwrap();
    std::os::unix::fs::symlink("missing", dir.path().join("dangling")).unwrap();
    write(dir.path(), "real.txt", rs256("{}"));
    let run = scan_json(&[], dir.path());
    assert_eq!(run.summary("files_scanned"), 5);
    assert_eq!(run.summary("tokens"), 1);
    assert_eq!(run.summary("skipped") + run.summary("errors"), 0, "{}", run.stderr);
}

#[test]
fn a_fifo_and_a_socket_are_skipped_without_being_opened() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(status.success());
    let _listener = std::os::unix::net::UnixListener::bind(dir.path().join("sock")).unwrap();
    write(dir.path(), "real.txt", rs256("{}"));
    // Opening the FIFO would block forever: the command's timeout turns that into a failure.
    let run = scan_json(&[], dir.path());
    assert_eq!(run.summary("files_scanned"), 1);
    assert_eq!(run.summary("skipped"), 2);
    assert!(run.stderr.contains("pipe") && run.stderr.contains("sock"), "{}", run.stderr);
    // Named on the command line, a FIFO is skipped too.
    let run = scan_json(&["pipe"], dir.path());
    assert_eq!((run.summary("files_scanned"), run.summary("skipped")), (0, 1));
}

/// Runs the binary as `nobody` so permissions apply (the suite may run as root, which reads
/// anything). Returns `None`, after saying why, where that is not possible.
fn scan_json_as_nobody(dir: &Path) -> Option<Run> {
    use std::os::unix::fs::MetadataExt as _;
    // Not root (a CI runner's user): permissions already apply to this user.
    if std::fs::metadata(dir).expect("the test folder").uid() != 0 {
        return Some(scan_json(&[], dir));
    }
    let probe = std::process::Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", env!("CARGO_BIN_EXE_jwtscan"), "--version"])
        .output();
    if !probe.as_ref().is_ok_and(|output| output.status.success()) {
        crate::skip::skip(&format!("cannot run jwtscan as nobody with setpriv ({probe:?})"));
        return None;
    }
    let output = Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", env!("CARGO_BIN_EXE_jwtscan")])
        .args(["scan", "--format", "json"])
        .current_dir(dir)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output.status.code().expect("exit code");
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    Some(Run { code, json: serde_json::from_slice(&output.stdout).expect("JSON"), stdout: output.stdout, stderr })
}

#[test]
fn an_unreadable_directory_and_file_are_counted_as_errors() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    write(&locked, "inside.txt", rs256("{}"));
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    write(dir.path(), "secret.txt", rs256("{}"));
    std::fs::set_permissions(dir.path().join("secret.txt"), std::fs::Permissions::from_mode(0o000)).unwrap();
    write(dir.path(), "open.txt", rs256("{}"));
    std::fs::set_permissions(dir.path().join("open.txt"), std::fs::Permissions::from_mode(0o644)).unwrap();

    let run = scan_json_as_nobody(dir.path());
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    let Some(run) = run else { return };
    assert_eq!(run.summary("files_scanned"), 1);
    assert_eq!(run.summary("errors"), 2, "{}", run.stderr);
    assert!(run.stderr.contains("locked") && run.stderr.contains("secret.txt"), "{}", run.stderr);
    assert_eq!(run.code, 1, "the readable token still fails the scan");
}

// ---- file names ----

fn hostile_names(dir: &Path) -> Vec<std::ffi::OsString> {
    use std::os::unix::ffi::OsStringExt as _;
    let names: Vec<std::ffi::OsString> = [
        b"latin1-\xe9t\xe9.txt".to_vec(),
        b"new\nline.txt".to_vec(),
        b"quote\"back\\slash.txt".to_vec(),
        b"esc-\x1b[31mred\x1b[0m.txt".to_vec(),
        b"tab\tcr\r.txt".to_vec(),
    ]
    .into_iter()
    .map(std::ffi::OsString::from_vec)
    .collect();
    for name in &names {
        std::fs::write(dir.join(name), rs256(r#"{"sub":"1"}"#)).unwrap();
    }
    names
}

#[test]
fn json_and_sarif_stay_valid_for_file_names_that_are_not_utf8_or_hold_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let names = hostile_names(dir.path());
    let run = scan_json(&[], dir.path());
    assert_eq!(run.summary("files_scanned"), names.len() as u64);
    let paths: Vec<&str> = run.findings().iter().filter_map(|f| f["path"].as_str()).collect();
    assert!(paths.iter().any(|path| path.contains("new\nline")), "{paths:?}");
    assert!(!run.stdout.contains(&0x1b), "raw ESC in JSON");
    assert!(!run.stderr.contains('\x1b'), "raw ESC on stderr");

    let output = jwtscan().current_dir(dir.path()).args(["scan", "--format", "sarif"]).output().unwrap();
    let sarif: Value = serde_json::from_slice(&output.stdout).expect("SARIF is JSON");
    assert!(!output.stdout.contains(&0x1b));
    assert!(sarif.is_object());
}

#[test]
fn text_output_escapes_control_characters_in_file_names() {
    let dir = tempfile::tempdir().unwrap();
    hostile_names(dir.path());
    let output = jwtscan().current_dir(dir.path()).args(["scan", "--format", "text"]).output().unwrap();
    assert!(!output.stdout.contains(&0x1b), "raw ESC in text output");
    assert!(!output.stdout.contains(&b'\r'), "raw CR in text output");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("new\nline"), "raw newline inside a path: {text}");
}

// ---- configuration files ----

fn assert_usage_error(args: &[&str], dir: &Path, names: &str) {
    let output = jwtscan().current_dir(dir).args(args).output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains(names), "stderr does not name {names}: {stderr}");
}

#[test]
fn a_malformed_config_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "jwtscan.toml", "fail_on = [\n\u{0}\u{7}");
    write(dir.path(), "bad.toml", b"\xff\xfe not utf-8");
    assert_usage_error(&["scan", "."], dir.path(), "jwtscan.toml");
    assert_usage_error(&["scan", "--config", "bad.toml", "."], dir.path(), "bad.toml");
}

#[test]
fn a_baseline_that_is_not_json_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "base.json", "<html>not json</html>");
    write(dir.path(), "array.json", "[1,2,3]");
    write(dir.path(), "deep.json", "[".repeat(100_000));
    for name in ["base.json", "array.json", "deep.json", "missing.json"] {
        assert_usage_error(&["scan", "--baseline", name, "."], dir.path(), name);
    }
}

#[test]
fn a_missing_wordlist_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", hs256(r#"{"sub":"1"}"#, b"x"));
    assert_usage_error(&["scan", "--wordlist", "no-such-list.txt", "."], dir.path(), "no-such-list.txt");
}

// ---- output that cannot be abused ----

#[test]
fn a_claim_holding_terminal_escapes_never_reaches_the_terminal_raw() {
    let dir = tempfile::tempdir().unwrap();
    let claims = r#"{"sub":"\u001b[31mred\u001b]0;title\u0007","email":"\u001b[2Ja@b.c","password":"\u009b31m"}"#;
    write(dir.path(), "esc.txt", jws(r#"{"alg":"none","kid":"\u001b[5m"}"#, claims));
    for format in ["text", "json", "sarif", "github"] {
        let output = jwtscan().current_dir(dir.path()).args(["scan", "--format", format]).output().unwrap();
        for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
            assert!(!bytes.contains(&0x1b), "raw ESC on {stream} with --format {format}");
            // U+009B is a one-character CSI for some terminals; JSON need not escape it.
            if matches!(format, "text" | "github") {
                let csi = bytes.windows(2).any(|pair| pair == [0xc2, 0x9b]);
                assert!(!csi, "raw CSI on {stream} with --format {format}");
            }
        }
    }
}

/// A tree with every kind of leaked material jwtscan reports on.
struct Leaks {
    dir: tempfile::TempDir,
    /// Texts that no report may contain unless `--show-secrets`.
    tokens: Vec<String>,
    secrets: Vec<String>,
}

fn leaky_tree() -> Leaks {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    let repo_secret = "leak-canary-Xq9v7Hs2";
    let weak = hs256(r#"{"sub":"weak","exp":4102444800}"#, b"secret");
    let in_repo = hs256(r#"{"sub":"in repo"}"#, repo_secret.as_bytes());
    let admin = unsigned(r#"{"sub":"admin"}"#);
    let short_unsigned = unsigned("{}");
    let signed = rs256(r#"{"sub":"rs","password":"hunter2-canary"}"#);
    let jwe = format!("{}..aXZpdml2aXZpdml2.Y2lwaGVydGV4dA.dGFndGFndGFndGFn", b64(br#"{"alg":"dir","enc":"A128GCM"}"#));
    let wrapped = STANDARD.encode(signed.as_bytes());
    let private_d = "bGVhay1jYW5hcnktcHJpdmF0ZS1rZXktZA";
    // Issue 17: secrets inside a token's own header and claims (an embedded JWK's `k`, a whole
    // token in `kid`, in a `jku` query or in a claim) must not decode out of the redacted token.
    let nested = unsigned(r#"{"sub":"nested-canary"}"#);
    let header_k = "bGVhay1jYW5hcnktaGVhZGVyLWs";
    let header_secrets = [
        jws(&format!(r#"{{"alg":"RS256","jwk":{{"kty":"oct","k":"{header_k}"}}}}"#), r#"{"sub":"jwk"}"#),
        jws(&format!(r#"{{"alg":"RS256","kid":"{nested}"}}"#), r#"{"sub":"kid"}"#),
        jws(&format!(r#"{{"alg":"RS256","jku":"https://keys.example/jwks?t={nested}"}}"#), r#"{"sub":"jku"}"#),
        rs256(&format!(r#"{{"sub":"claim","refresh":"{nested}"}}"#)),
    ];
    write(path, "headers.env", header_secrets.iter().map(|token| format!("T={token}\n")).collect::<String>());
    write(path, ".env", format!("WEAK={weak}\nUNSIGNED={admin}\nSHORT={short_unsigned}\n"));
    write(path, "config.yaml", format!("jwt_secret: {repo_secret}\ntoken: {in_repo}\nenc: {jwe}\n"));
    write(path, "secret.yaml", format!("apiVersion: v1\nkind: Secret\ndata:\n  token: {wrapped}\n"));
    write(path, "app.js", format!("const t = '{signed}';\n"));
    write(
        path,
        "jwks.json",
        format!(r#"{{"keys":[{{"kty":"EC","crv":"P-256","x":"eA","y":"eQ","d":"{private_d}"}}]}}"#),
    );
    Leaks {
        dir,
        tokens: [vec![weak, in_repo, admin, short_unsigned, signed, jwe, wrapped], header_secrets.to_vec()].concat(),
        secrets: vec![
            repo_secret.to_string(),
            private_d.to_string(),
            "hunter2-canary".to_string(),
            nested,
            header_k.to_string(),
        ],
    }
}

fn leaked_in(text: &[u8], needles: &[String]) -> Vec<String> {
    let text = String::from_utf8_lossy(text);
    needles.iter().filter(|needle| text.contains(needle.as_str())).cloned().collect()
}

#[test]
fn no_report_format_prints_a_whole_token_or_secret_without_show_secrets() {
    let leaks = leaky_tree();
    let needles: Vec<String> = leaks.tokens.iter().chain(&leaks.secrets).cloned().collect();
    for format in ["text", "json", "sarif", "github"] {
        let report = leaks.dir.path().join(format!("report.{format}"));
        let report_arg = report.to_str().unwrap();
        for args in [vec!["scan", "--format", format, "."], vec!["scan", "--format", format, "-o", report_arg, "."]] {
            let output = jwtscan().current_dir(leaks.dir.path()).args(&args).output().unwrap();
            assert!(matches!(output.status.code(), Some(0 | 1)), "{args:?}: {output:?}");
            assert_eq!(leaked_in(&output.stdout, &needles), Vec::<String>::new(), "stdout of {args:?}");
            assert_eq!(leaked_in(&output.stderr, &needles), Vec::<String>::new(), "stderr of {args:?}");
        }
        let written = std::fs::read(&report).unwrap();
        assert!(!written.is_empty());
        assert_eq!(leaked_in(&written, &needles), Vec::<String>::new(), "{}", report.display());
        std::fs::remove_file(report).unwrap();
    }
}

#[test]
fn show_secrets_prints_the_whole_tokens() {
    let leaks = leaky_tree();
    for format in ["text", "json"] {
        let output = jwtscan()
            .current_dir(leaks.dir.path())
            .args(["scan", "--show-secrets", "--format", format])
            .output()
            .unwrap();
        let shown = leaked_in(&output.stdout, &leaks.tokens);
        // The base64 wrapper is reported as its inner token, so its own text need not appear.
        let expected: Vec<_> = leaks.tokens.iter().filter(|t| !t.starts_with("ZXlK")).cloned().collect();
        assert_eq!(shown, expected, "--format {format}");
    }
}

/// jwtscan never fetches what a token points to: a `jku`/`x5u`/`x5c` URL aimed at a local
/// listener must see no connection.
#[test]
fn key_urls_in_tokens_are_never_fetched() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let header = format!(r#"{{"alg":"RS256","jku":"{url}","x5u":"{url}","kid":"{url}"}}"#);
    write(dir.path(), "t.txt", jws(&header, &format!(r#"{{"iss":"{url}"}}"#)));
    let run = scan_json(&[], dir.path());
    assert_eq!(run.summary("tokens"), 1);
    match listener.accept() {
        Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("jwtscan connected to a URL from a token: {other:?}"),
    }
}

/// The other half of "no network": one HTTP client in the dependency tree (ureq, for the opt-in
/// `--verify`), and only the verification client names it.
#[test]
fn the_only_http_client_is_confined_to_the_verification_client() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap();
    let clients = ["reqwest", "hyper", "curl", "isahc", "attohttpc", "surf", "h2", "native-tls", "openssl"];
    for line in lock.lines() {
        if let Some(name) = line.strip_prefix("name = ").map(|name| name.trim_matches('"')) {
            assert!(!clients.contains(&name), "Cargo.lock holds the HTTP crate {name}");
        }
    }
    let mut users = Vec::new();
    let mut folders = vec![root.join("src")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if std::fs::read_to_string(&path).unwrap_or_default().contains("ureq::") {
                users.push(path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    assert_eq!(users, ["src/verify/http.rs"]);
}
