//! Issue 17: a pull request is hostile input, its own `jwtscan.toml` and `.ignore` included.
//! Each case pins a promise with a small input that would show the cost curve if it came back:
//! cost bounded by work done, memory bounded for repeats and baselines, redaction of every copy,
//! no way around the gate from inside the change, and output that stays inert.
//! `scripts/hostile/measure.sh` measures the same attacks at growing sizes.

use std::path::Path;
use std::process::Command as StdCommand;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

use crate::cli::util::{b64, git, signed_hs256};

fn jwtscan() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_jwtscan"));
    command.timeout(Duration::from_secs(120));
    command.env_remove("GIT_DIR").env_remove("GIT_INDEX_FILE").env_remove("GITHUB_STEP_SUMMARY");
    command
}

struct Run {
    code: i32,
    json: Value,
    stderr: String,
}

impl Run {
    fn summary(&self, field: &str) -> u64 {
        self.json["summary"][field].as_u64().unwrap_or_else(|| panic!("summary.{field} in {}", self.json))
    }

    fn findings(&self, rule: &str) -> Vec<&Value> {
        self.json["findings"].as_array().expect("findings").iter().filter(|f| f["rule"] == rule).collect()
    }
}

fn run(args: &[&str], dir: &Path) -> Run {
    finish(jwtscan().current_dir(dir).args(args))
}

/// `scan --format json .` in `dir` with the per-file hash budget shrunk to `budget` bytes.
fn scan_with_hash_budget(dir: &Path, budget: &str) -> Run {
    finish(jwtscan().current_dir(dir).env("JWTSCAN_HASH_BUDGET", budget).args(["scan", "--format", "json", "."]))
}

fn finish(command: &mut Command) -> Run {
    let output = command.output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output.status.code().unwrap_or_else(|| panic!("killed by a signal; stderr: {stderr}"));
    let json = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    Run { code, json, stderr }
}

fn scan_json(args: &[&str], dir: &Path) -> Run {
    let run = run(&[&["scan", "--format", "json"], args].concat(), dir);
    assert!(run.code == 0 || run.code == 1, "exit {}; stderr: {}", run.code, run.stderr);
    run
}

fn unsigned(claims: &str) -> String {
    format!("{}.{}.", b64(br#"{"alg":"none"}"#), b64(claims.as_bytes()))
}

/// An HS256 token with `header` signed under a secret in no list.
fn hs256_with(header: &str, claims: &str) -> String {
    signed_hs256(header, claims, b"no-list-holds-this-9f8e7d6c5b4a")
}

fn hs256(claims: &str) -> String {
    hs256_with(r#"{"alg":"HS256","typ":"JWT"}"#, claims)
}

fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, contents).expect("write fixture");
}

fn leaked(text: &[u8], needles: &[&str]) -> Vec<String> {
    let text = String::from_utf8_lossy(text);
    needles.iter().filter(|needle| text.contains(**needle)).map(|needle| needle.to_string()).collect()
}

// ---- cost is bounded by work done ----

/// 14 s per MB of claims before: every weak-list candidate hashed the whole signing input.
#[test]
fn weak_secret_on_a_huge_signing_input_stops_at_the_byte_budget_and_says_unknown() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "big.txt", hs256(&format!(r#"{{"sub":"1","blob":"{}"}}"#, "A".repeat(4 << 20))));
    let run = scan_json(&[], dir.path());
    assert_eq!(run.summary("tokens"), 1);
    let unknown = run.findings("weak-secret");
    assert_eq!(unknown.len(), 1, "{}", run.json);
    assert_eq!(unknown[0]["evidence"]["result"], "unknown", "{}", unknown[0]);
    assert_eq!(unknown[0]["severity"], "low");
    let tried = unknown[0]["evidence"]["candidates_tried"].as_u64().unwrap();
    assert!(tried < 1_000, "{tried} candidates: the built-in list alone has 103,781");
    assert!(run.stderr.contains("budget"), "{}", run.stderr);
}

/// A config that lists one wordlist 1,000 times read it 1,000 times.
#[test]
fn a_wordlist_listed_many_times_is_read_once_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "words.txt", "alpha-secret\nbeta-secret\nalpha-secret\n");
    let listed = ["\"words.txt\"", "\"./words.txt\""].repeat(500).join(", ");
    write(dir.path(), "jwtscan.toml", format!("wordlists = [{listed}]\n"));
    write(dir.path(), "t.txt", hs256(r#"{"sub":"1"}"#));
    let run = scan_json(&["--wordlist", "words.txt"], dir.path());
    assert!(run.stderr.contains("words.txt") && run.stderr.contains("read once"), "{}", run.stderr);
}

/// 2 M copies of one short token took 14.3 GB: every occurrence held as findings.
#[test]
fn a_token_repeated_in_one_file_is_reported_up_to_a_cap_and_the_rest_counted() {
    let dir = tempfile::tempdir().unwrap();
    let token = unsigned(r#"{"sub":"1"}"#);
    write(dir.path(), "many.txt", format!("{token}\n").repeat(20_000));
    let run = scan_json(&[], dir.path());
    assert_eq!(run.summary("tokens"), 20_000, "every occurrence is still counted");
    let listed = run.findings("alg-none").len();
    assert!((1..=100).contains(&listed), "{listed} alg-none findings");
    assert!(run.stderr.contains("many.txt") && run.stderr.contains("more occurrences"), "{}", run.stderr);
}

/// 12 M short literals held 2.4 GB of key candidates while the budget counted 32 MB of key bytes.
/// A token no list solves makes the scan read them (they are left for later otherwise).
#[test]
fn key_candidates_are_bounded_by_their_memory_and_the_drop_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let rows: String = (0..800_000).map(|i| format!("secret_{i} = \"k{i:09}\"\n")).collect();
    write(dir.path(), "keys.py", rows);
    write(dir.path(), "token.txt", hs256(r#"{"sub":"1"}"#));
    let run = scan_json(&[], dir.path());
    assert!(run.stderr.contains("key candidates not kept"), "{}", run.stderr);
}

#[test]
fn a_baseline_over_the_size_cap_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = std::fs::File::create(dir.path().join("huge.json")).unwrap();
    file.set_len(300 << 20).unwrap();
    let run = run(&["scan", "--baseline", "huge.json", "."], dir.path());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("huge.json") && run.stderr.contains("MiB"), "{}", run.stderr);
}

// ---- redaction covers every copy ----

#[test]
fn key_material_and_tokens_inside_headers_and_claims_never_reach_any_format() {
    let dir = tempfile::tempdir().unwrap();
    let inner = unsigned(r#"{"sub":"inner-canary"}"#);
    let oct = "a2V5LWNhbmFyeS1vY3Qtc2VjcmV0";
    let rsa_d = "cnNhLWNhbmFyeS1wcml2YXRlLWV4cG9uZW50";
    let tokens = [
        hs256_with(&format!(r#"{{"alg":"HS256","jwk":{{"kty":"oct","k":"{oct}"}}}}"#), r#"{"sub":"1"}"#),
        hs256_with(&format!(r#"{{"alg":"RS256","jwk":{{"kty":"RSA","n":"AQAB","e":"AQAB","d":"{rsa_d}"}}}}"#), "{}"),
        hs256_with(&format!(r#"{{"alg":"HS256","kid":"{inner}"}}"#), r#"{"sub":"2"}"#),
        hs256_with(&format!(r#"{{"alg":"HS256","jku":"https://x.example/k?t={inner}"}}"#), r#"{"sub":"3"}"#),
        unsigned(&format!(r#"{{"sub":"4","refresh":"{inner}"}}"#)),
    ];
    let text: String = tokens.iter().enumerate().map(|(i, token)| format!("T{i}={token}\n")).collect();
    write(dir.path(), "leaks.env", text);
    let needles = [inner.as_str(), oct, rsa_d];
    for format in ["text", "json", "sarif", "github"] {
        let output = jwtscan().current_dir(dir.path()).args(["scan", "--format", format, "."]).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "--format {format}");
        assert_eq!(leaked(&output.stdout, &needles), Vec::<String>::new(), "stdout of --format {format}");
        assert_eq!(leaked(&output.stderr, &needles), Vec::<String>::new(), "stderr of --format {format}");
    }
}

#[test]
fn config_and_baseline_errors_never_print_a_token_or_key() {
    let dir = tempfile::tempdir().unwrap();
    let token = hs256(r#"{"sub":"pasted-by-mistake"}"#);
    let key = "c2VjcmV0LWtleS1tYXRlcmlhbC1jYW5hcnktMTIzNDU2Nzg5MA";
    write(dir.path(), "allow.toml", format!("[allowlist]\ntokens = [\"{token}\"]\n"));
    write(dir.path(), "syntax.toml", format!("fail_on = {token}\n"));
    write(dir.path(), "value.toml", format!("fail_on = \"{key}\"\n"));
    write(dir.path(), "base.json", format!(r#"{{"findings":[{{"fingerprint":{{"k":"{key}"}}}}],"t":"{token}"}}"#));
    let cases: [&[&str]; 4] = [
        &["scan", "--config", "allow.toml", "."],
        &["scan", "--config", "syntax.toml", "."],
        &["scan", "--config", "value.toml", "."],
        &["scan", "--baseline", "base.json", "."],
    ];
    for args in cases {
        let run = run(args, dir.path());
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert_eq!(leaked(run.stderr.as_bytes(), &[&token, key]), Vec::<String>::new(), "{args:?}: {}", run.stderr);
    }
}

// ---- the gate cannot be switched off from the change it judges ----

fn commit_all(dir: &Path, message: &str) -> String {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
    git(dir, &["rev-parse", "HEAD"])
}

/// A repository whose base commit holds nothing; returns its sha.
fn base_repo(dir: &Path) -> String {
    git(dir, &["-c", "init.defaultBranch=main", "init", "-q", "."]);
    write(dir, "README", "base\n");
    commit_all(dir, "base")
}

#[test]
fn a_pull_request_cannot_switch_the_gate_off_with_its_own_config_or_ignore_files() {
    for (name, text) in [
        ("jwtscan.toml", "fail_on = \"never\"\n"),
        ("jwtscan.toml", "exclude = [\"**\"]\n"),
        (".jwtscan.toml", "[rules]\ndisable = [\"alg-none\", \"leaked-token\", \"no-expiry\"]\n"),
        (".ignore", "*\n"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let base = base_repo(dir.path());
        write(dir.path(), name, text);
        write(dir.path(), "app.env", format!("T={}\n", unsigned(r#"{"sub":"pr"}"#)));
        let head = commit_all(dir.path(), "pr");
        let run = run(&["git", "--format", "json", "--range", &format!("{base}..{head}"), "."], dir.path());
        assert_eq!(run.code, 1, "{name}: {text}: {}", run.stderr);
        let changed = run.findings("gate-config-changed");
        assert_eq!(changed.len(), 1, "{name}: {}", run.json);
        assert_eq!(changed[0]["path"], name);
        assert_eq!(changed[0]["severity"], "high");
        assert_eq!(run.findings("alg-none").len(), 1, "{name}: the base config applies: {}", run.json);
    }
}

#[test]
fn a_gitignore_line_that_covers_a_tracked_file_in_the_range_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.env", "nothing\n");
    let base = base_repo(dir.path());
    write(dir.path(), ".gitignore", "target/\n*.env\n");
    let head = commit_all(dir.path(), "pr");
    let run = run(&["git", "--format", "json", "--range", &format!("{base}..{head}"), "."], dir.path());
    let changed = run.findings("gate-config-changed");
    assert_eq!(changed.len(), 1, "{}", run.json);
    assert_eq!(changed[0]["path"], ".gitignore");
}

#[test]
fn a_token_in_a_tree_deeper_than_the_walk_fails_the_history_scan_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["-c", "init.defaultBranch=main", "init", "-q", "."]);
    let deep = vec!["d"; 257].join("/");
    write(dir.path(), &format!("{deep}/t.txt"), "plain text, no token\n");
    commit_all(dir.path(), "deep");
    let failed = run(&["git", "--format", "json", "."], dir.path());
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert!(failed.stderr.contains("--allow-incomplete"), "{}", failed.stderr);
    let allowed = run(&["git", "--format", "json", "--allow-incomplete", "."], dir.path());
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    assert!(allowed.summary("errors") >= 1);
}

#[test]
fn a_symlink_whose_target_text_is_a_token_is_scanned_in_both_modes() {
    let dir = tempfile::tempdir().unwrap();
    base_repo(dir.path());
    let token = unsigned(r#"{"sub":"link"}"#);
    std::os::unix::fs::symlink(&token, dir.path().join("link")).unwrap();
    commit_all(dir.path(), "link");
    let scanned = scan_json(&[], dir.path());
    assert_eq!(scanned.findings("alg-none").len(), 1, "scan: {}", scanned.stderr);
    let history = run(&["git", "--format", "json", "."], dir.path());
    assert_eq!(history.findings("alg-none").len(), 1, "git: {}", history.stderr);
}

#[test]
fn a_token_longer_than_the_read_window_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let token = unsigned(&format!(r#"{{"blob":"{}"}}"#, "A".repeat(17 << 20)));
    write(dir.path(), "long.txt", format!("x {token}\n"));
    let run = scan_json(&[], dir.path());
    assert_eq!(run.summary("tokens"), 1, "{}", run.stderr);
    assert_eq!(run.findings("alg-none").len(), 1);
}

// ---- output stays inert ----

#[test]
fn config_values_quoted_in_errors_cannot_drive_the_terminal_or_the_runner() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "jwtscan.toml", "fail_on = \"\\u001b]0;owned\\u0007\\n::error::forged \\u202e\"\n");
    let run = run(&["scan", "."], dir.path());
    assert_eq!(run.code, 2);
    assert!(!run.stderr.contains('\x1b') && !run.stderr.contains('\u{202e}'), "{:?}", run.stderr);
    assert!(run.stderr.lines().all(|line| !line.starts_with("::")), "{:?}", run.stderr);
}

#[test]
fn annotation_file_properties_hold_no_escape_or_bidi_control() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "evil\u{1b}[2J\u{202e}vne.txt", unsigned(r#"{"sub":"1"}"#));
    let output = jwtscan().current_dir(dir.path()).args(["scan", "--format", "github", "."]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("file="), "{stdout}");
    assert!(!stdout.contains('\x1b') && !stdout.contains('\u{202e}'), "{stdout:?}");
}

#[test]
fn the_step_summary_stays_under_1_mib_with_a_note_and_links_nothing_from_input() {
    let dir = tempfile::tempdir().unwrap();
    // Punctuation is written as HTML entities, five bytes a character: rows grow large.
    let long = "(".repeat(200);
    for i in 0..1_500 {
        write(dir.path(), &format!("www.evil.example/{long}-{i}.txt"), unsigned(&format!(r#"{{"sub":"{i}"}}"#)));
    }
    write(dir.path(), "mail/admin@evil.example.txt", unsigned(r#"{"sub":"mail"}"#));
    let summary = dir.path().join("summary.md");
    let output = jwtscan()
        .current_dir(dir.path())
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["scan", "--format", "github", "."])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.len() < 1 << 20, "{} bytes", text.len());
    assert!(text.contains("not listed"), "a note says the table was cut");
    for autolink in ["www.evil", "admin@evil"] {
        assert!(!text.contains(autolink), "{autolink} would be autolinked");
    }
}

/// `gate-config-changed` examples are changes, not file contents: `PATH` on the first line, then
/// what the range writes there, on top of a base that tracks `app.env`.
#[test]
fn every_gate_config_changed_example_fires_once_and_no_negative_one_fires() {
    let rule = jwtscan::catalog::meta("gate-config-changed").expect("the rule exists");
    let cases = rule.examples.iter().map(|example| (example, 1)).chain(rule.negative_examples.iter().map(|e| (e, 0)));
    for (example, expected) in cases {
        let (path, content) = example.split_once('\n').expect("PATH, a line break, then content");
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["-c", "init.defaultBranch=main", "init", "-q", "."]);
        write(dir.path(), "app.env", "nothing secret\n");
        write(dir.path(), "README.md", "base\n");
        let base = commit_all(dir.path(), "base");
        write(dir.path(), path, content);
        let head = commit_all(dir.path(), "change");
        let run = run(&["git", "--format", "json", "--range", &format!("{base}..{head}"), "."], dir.path());
        assert_eq!(run.findings("gate-config-changed").len(), expected, "{example:?}: {}", run.json);
    }
}

// ---- issue 24: hostile pull requests, round two ----

fn range(dir: &Path, base: &str, head: &str, extra: &[&str]) -> Run {
    let span = format!("{base}..{head}");
    run(&[&["git", "--format", "json", "--range", &span], extra, &["."]].concat(), dir)
}

fn paths_of<'r>(found: &[&'r Value]) -> Vec<&'r str> {
    found.iter().map(|finding| finding["path"].as_str().expect("a path")).collect()
}

/// `git --range` exited 0 with `inline_ignore: 2`: the change silenced its own token.
#[test]
fn an_inline_ignore_added_in_the_range_is_reported_and_silences_nothing() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["-c", "init.defaultBranch=main", "init", "-q", "."]);
    write(dir.path(), "old.env", format!("T={} # jwtscan:ignore\n", unsigned(r#"{"sub":"reviewed"}"#)));
    let base = commit_all(dir.path(), "base");
    write(dir.path(), "old.env", format!("T={} # jwtscan:ignore\nX=1\n", unsigned(r#"{"sub":"reviewed"}"#)));
    let added = format!(
        "A={} # jwtscan:ignore\nB={}  # jwtscan: ignore[alg-none, leaked-token]\n",
        unsigned(r#"{"sub":"pr-a"}"#),
        unsigned(r#"{"sub":"pr-b"}"#)
    );
    write(dir.path(), "app.env", added);
    let head = commit_all(dir.path(), "pr");
    let run = range(dir.path(), &base, &head, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(paths_of(&run.findings("alg-none")), ["app.env", "app.env"], "{}", run.json);
    let gate = run.findings("gate-config-changed");
    assert_eq!(paths_of(&gate), ["app.env", "app.env"], "{}", run.json);
    assert_eq!((gate[0]["line"].as_u64(), gate[1]["line"].as_u64()), (Some(1), Some(2)));
    let held = &run.json["summary"]["held_back"]["inline_ignore"];
    assert_eq!(held, 3, "the base's ignore still silences its token's 3 findings: {}", run.json);
}

/// A pull request padded its token's file past `--max-file-size`: a warning, exit 0.
#[test]
fn a_changed_file_over_the_size_cap_fails_the_range_scan_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let base = base_repo(dir.path());
    write(dir.path(), "big.env", format!("T={}\n{}\n", unsigned(r#"{"sub":"padded"}"#), "#".repeat(4_000)));
    let head = commit_all(dir.path(), "pr");
    let failed = range(dir.path(), &base, &head, &["--max-file-size", "1K"]);
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert!(failed.stderr.contains("big.env") && failed.stderr.contains("--allow-incomplete"), "{}", failed.stderr);
    let allowed = range(dir.path(), &base, &head, &["--max-file-size", "1K", "--allow-incomplete"]);
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    assert_eq!(allowed.summary("skipped"), 1);
}

fn junk_hs256(claims: &str, signature: &[u8]) -> String {
    format!("{}.{}.{}", b64(br#"{"alg":"HS256","typ":"JWT"}"#), b64(claims.as_bytes()), b64(signature))
}

/// 16 k distinct junk HS256 tokens in one file took 75.7 s: each met the whole weak list.
/// `JWTSCAN_HASH_BUDGET` shrinks the per-file budget to about three tokens' worth.
#[test]
fn distinct_junk_hs256_tokens_in_one_file_stop_at_the_file_budget_with_unknown_results() {
    let dir = tempfile::tempdir().unwrap();
    let junk: String = (0..40).map(|i| junk_hs256(&format!(r#"{{"n":{i}}}"#), &[i as u8; 32]) + "\n").collect();
    write(dir.path(), "a-junk.txt", junk);
    write(dir.path(), "b-one.txt", hs256(r#"{"sub":"one"}"#));
    let run = scan_with_hash_budget(dir.path(), "40M");
    let stderr = &run.stderr;
    let unknown: Vec<&Value> =
        run.findings("weak-secret").into_iter().filter(|f| f["evidence"]["result"] == "unknown").collect();
    let paths = paths_of(&unknown);
    assert!((30..40).contains(&paths.len()), "{} unknown: {stderr}", paths.len());
    assert!(paths.iter().all(|path| *path == "a-junk.txt"), "{paths:?}");
    assert!(stderr.contains("a-junk.txt") && stderr.contains("budget"), "{stderr}");
}

/// Junk tokens that differ only in their signature each cost a pass over the weak list: 300 of
/// them took minutes, and with the budget per token the ones past the file's budget were
/// `unknown`. One HMAC per candidate now checks every signature over one signing input, and the
/// group is charged once: the file's budget (shrunk here to about two tokens' worth) covers the
/// 301 tokens sharing the first input and the next token; the tokens over other inputs after
/// them are still cut at the budget.
#[test]
fn junk_hs256_tokens_sharing_one_signing_input_cost_the_file_budget_once() {
    let dir = tempfile::tempdir().unwrap();
    let junk: String = (0..300u16).map(|i| junk_hs256(r#"{"sub":"same"}"#, &[i.to_le_bytes()[0]; 32]) + "\n").collect();
    let real = signed_hs256(r#"{"alg":"HS256","typ":"JWT"}"#, r#"{"sub":"same"}"#, b"secret");
    let distinct: String = (0..3).map(|i| junk_hs256(&format!(r#"{{"n":{i}}}"#), &[i as u8; 32]) + "\n").collect();
    write(dir.path(), "same.txt", format!("{real}\n{junk}{distinct}"));
    let started = std::time::Instant::now();
    let run = scan_with_hash_budget(dir.path(), "40M");
    let weak = run.findings("weak-secret");
    let found: Vec<&&Value> = weak.iter().filter(|f| f["evidence"].get("result").is_none()).collect();
    assert_eq!(found.len(), 1, "{}", run.json);
    assert_eq!(found[0]["line"], 1);
    let unknown: Vec<u64> = weak
        .iter()
        .filter(|f| f["evidence"]["result"] == "unknown")
        .map(|f| f["line"].as_u64().expect("a line"))
        .collect();
    assert!(
        !unknown.is_empty() && unknown.iter().all(|&line| line > 301),
        "unknown on lines {unknown:?}: {}",
        run.stderr
    );
    assert!(run.stderr.contains("same.txt") && run.stderr.contains("budget"), "{}", run.stderr);
    assert!(started.elapsed() < Duration::from_secs(60), "{:?}", started.elapsed());
}

/// 2,000 junk tokens over one signing input, then one over the same input signed with a listed
/// secret: each token was charged the whole weak list, so the file's default budget (2 GiB, about
/// 107 such tokens) ran out long before the last, which was `unknown`. The group costs one
/// token's checks, and the last is found.
#[test]
fn a_weak_token_after_thousands_sharing_its_signing_input_is_found_within_the_default_budget() {
    let dir = tempfile::tempdir().unwrap();
    let claims = r#"{"sub":"admin","role":"root"}"#;
    let junk: String = (0..2_000u16).map(|i| junk_hs256(claims, &i.to_le_bytes().repeat(16)) + "\n").collect();
    let real = signed_hs256(r#"{"alg":"HS256","typ":"JWT"}"#, claims, b"secret");
    write(dir.path(), "tokens.txt", format!("{junk}{real}\n"));
    let run = scan_json(&[], dir.path());
    assert_eq!(run.summary("tokens"), 2_001);
    let weak = run.findings("weak-secret");
    assert_eq!(weak.len(), 1, "{}", run.stderr);
    assert_eq!(weak[0]["line"], 2_001);
    assert!(weak[0]["evidence"].get("result").is_none(), "{}", weak[0]);
    assert!(!run.stderr.contains("budget"), "{}", run.stderr);
}

/// Peak resident memory of `jwtscan` run with `args` in `dir`, and its exit code. The kernel's
/// peak for a child includes the peak of the process that spawned it (the child ran in its memory
/// until exec), and this harness holds what other tests hold at the time: 254 MB once in CI. So a
/// fresh copy of this test binary, small, spawns the child and reports what `wait4` says of it.
#[cfg(target_os = "linux")]
fn peak_rss_mb(dir: &Path, args: &[&str]) -> (i32, u64) {
    let helper = StdCommand::new(std::env::current_exe().unwrap())
        .args(["hostile::peak_rss_of_a_child_spawned_by_a_small_process", "--exact", "--ignored", "--nocapture"])
        .args(["--test-threads", "1"])
        .env(PEAK_RSS_DIR, dir)
        .env(PEAK_RSS_ARGS, args.join("\n"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&helper.stdout);
    let line =
        stdout.lines().find_map(|line| line.split_once("peak-rss ").map(|(_, rest)| rest)).unwrap_or_else(|| {
            panic!("no measurement from the helper: {stdout}{}", String::from_utf8_lossy(&helper.stderr))
        });
    let (code, kb) = line.split_once(' ').unwrap();
    (code.parse().unwrap(), kb.parse::<u64>().unwrap() / 1024)
}

#[cfg(target_os = "linux")]
const PEAK_RSS_DIR: &str = "JWTSCAN_TEST_PEAK_RSS_DIR";
#[cfg(target_os = "linux")]
const PEAK_RSS_ARGS: &str = "JWTSCAN_TEST_PEAK_RSS_ARGS";

/// The spawning half of `peak_rss_mb`, run by it in a fresh process; alone it does nothing.
#[cfg(target_os = "linux")]
#[test]
#[ignore = "run by peak_rss_mb in a fresh process"]
#[expect(clippy::zombie_processes, reason = "reaped by wait4, which also gives its rusage")]
fn peak_rss_of_a_child_spawned_by_a_small_process() {
    let (Some(dir), Some(args)) = (std::env::var_os(PEAK_RSS_DIR), std::env::var(PEAK_RSS_ARGS).ok()) else {
        return;
    };
    let child = StdCommand::new(env!("CARGO_BIN_EXE_jwtscan"))
        .current_dir(dir)
        .args(args.split('\n'))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for the child just spawned, which nothing else waits for.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t);
    println!("peak-rss {} {}", libc::WEXITSTATUS(status), usage.ru_maxrss);
}

/// A 16 MiB JSON-escaped base64 run broken by `\/` held 763 MB for one file, 5.8 GB at -j 8: the
/// escaped run around a needle (`ZXlK` inside each piece) was walked into 24 bytes per byte, twice.
#[cfg(target_os = "linux")]
#[test]
fn json_escaped_base64_broken_by_escaped_slashes_stays_within_the_memory_bound() {
    let dir = tempfile::tempdir().unwrap();
    let run: String = "QUJD".repeat(511) + "ZXlK" + &"QUJD".repeat(512) + "\\/";
    let text = format!("{{\"blob\":\"{}\"}}\n", run.repeat((16 << 20) / run.len()));
    for i in 0..8 {
        write(dir.path(), &format!("f{i}.json"), &text);
    }
    let (code, peak) = peak_rss_mb(dir.path(), &["scan", "-j", "8", "--format", "json", "."]);
    assert!(code == 0 || code == 1, "exit {code}");
    // The goal is 200 MB for the release build (170 MB measured); this debug build peaks at about
    // 181 MB. Before the bound it took 5.8 GB.
    assert!(peak <= 250, "{peak} MB peak at -j 8");
}

/// 80 k private `oct` keys on one line took 70 s: each key's ignore lookup read the whole line.
/// Fewer keys, spaced out: the line is as long (12 MB), the findings fewer, so the time is the
/// lookup's (120 GB of line reads when quadratic) and not the report's.
#[test]
fn a_one_line_jwks_of_many_private_keys_scans_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let pad = " ".repeat(1_200);
    let keys: Vec<String> =
        (0..10_000).map(|i| format!(r#"{{"kty":"oct","kid":"{i}","k":"a2V5LXtp{i:08}"}}{pad}"#)).collect();
    write(dir.path(), "jwks.json", format!("{{\"keys\":[{}]}}", keys.join(",")));
    let started = std::time::Instant::now();
    let run = scan_json(&["--disable", "secret-in-repo"], dir.path());
    let elapsed = started.elapsed();
    assert_eq!(run.findings("private-jwk").len(), 10_000, "{}", run.stderr);
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?} (debug build)");
}

/// The unknown-rule warning quoted the whole bracket content, a token too, on stderr and in SARIF.
#[test]
fn a_token_named_as_a_rule_in_an_ignore_comment_is_redacted_in_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let named = unsigned(r#"{"sub":"named-in-an-ignore"}"#);
    write(dir.path(), "a.env", format!("T={}  # jwtscan: ignore[{named}]\n", unsigned(r#"{"sub":"1"}"#)));
    for format in ["text", "json", "sarif", "github"] {
        let output = jwtscan().current_dir(dir.path()).args(["scan", "--format", format, "."]).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("unknown rule"), "--format {format}: {stderr}");
        assert_eq!(leaked(&output.stdout, &[&named]), Vec::<String>::new(), "stdout of --format {format}");
        assert_eq!(leaked(&output.stderr, &[&named]), Vec::<String>::new(), "stderr of --format {format}");
    }
}

/// A file named after a token showed the whole token as its path in every format.
#[test]
fn a_file_whose_name_is_a_token_is_redacted_in_every_path_of_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let name = unsigned(r#"{"sub":"in-a-file-name"}"#);
    write(dir.path(), &format!("conf/{name}"), format!("T={}\n", unsigned(r#"{"sub":"1"}"#)));
    for format in ["text", "json", "sarif", "github"] {
        let output =
            jwtscan().current_dir(dir.path()).args(["scan", "--verbose", "--format", format, "."]).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "--format {format}");
        assert!(String::from_utf8_lossy(&output.stdout).contains("conf/"), "--format {format}");
        assert_eq!(leaked(&output.stdout, &[&name]), Vec::<String>::new(), "stdout of --format {format}");
        assert_eq!(leaked(&output.stderr, &[&name]), Vec::<String>::new(), "stderr of --format {format}");
    }
}

/// A 128-bit `oct` key (22 characters) was short of the key-like length and echoed in the error.
#[test]
fn a_short_key_in_the_config_is_not_echoed_in_its_error() {
    let dir = tempfile::tempdir().unwrap();
    let keys = ["GawgguFyGrWKav7AX4VKUg", "hJtXIZ2uSN5kbQfbtTNWbg", "s3cr3tv4lue"];
    for (i, key) in keys.iter().enumerate() {
        write(dir.path(), &format!("c{i}.toml"), format!("fail_on = \"{key}\"\n"));
        write(dir.path(), &format!("d{i}.toml"), format!("[rules]\ndisable = [\"{key}\"]\n"));
        write(dir.path(), &format!("e{i}.toml"), format!("fail_on = {key}\n"));
    }
    for (i, key) in keys.iter().enumerate() {
        for config in [format!("c{i}.toml"), format!("d{i}.toml"), format!("e{i}.toml")] {
            let run = run(&["scan", "--config", &config, "."], dir.path());
            assert_eq!(run.code, 2, "{config}: {}", run.stderr);
            assert!(!run.stderr.contains(key), "{config}: {}", run.stderr);
        }
    }
}

/// A `jwk` header given as a JSON string escaped the masking that a `jwk` object gets.
#[test]
fn a_jwk_or_key_set_given_as_json_strings_in_the_header_is_masked() {
    let dir = tempfile::tempdir().unwrap();
    let (oct, oct2) = ("c3RyaW5nLWp3ay1jYW5hcnk", "c3RyaW5nLWtleXMtY2FuYXJ5");
    let jwk = serde_json::to_string(&format!(r#"{{"kty":"oct","k":"{oct}"}}"#)).unwrap();
    let keys = serde_json::to_string(&format!(r#"{{"kty":"oct","k":"{oct2}"}}"#)).unwrap();
    let tokens = [
        hs256_with(&format!(r#"{{"alg":"HS256","jwk":{jwk}}}"#), r#"{"sub":"1"}"#),
        hs256_with(&format!(r#"{{"alg":"HS256","keys":[{keys}]}}"#), r#"{"sub":"2"}"#),
    ];
    write(dir.path(), "t.env", tokens.join("\n"));
    for format in ["text", "json", "sarif", "github"] {
        let output =
            jwtscan().current_dir(dir.path()).args(["scan", "--verbose", "--format", format, "."]).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "--format {format}");
        assert_eq!(leaked(&output.stdout, &[oct, oct2]), Vec::<String>::new(), "stdout of --format {format}");
    }
}

/// `token_sha256` of an `oct` key was `sha256(k)`: the built-in list reverses a weak one.
#[test]
fn an_oct_private_jwk_is_not_fingerprinted_by_the_sha256_of_its_key() {
    use sha2::Digest as _;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "jwks.json", r#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#);
    let run = scan_json(&["--disable", "secret-in-repo"], dir.path());
    let found = run.findings("private-jwk");
    assert_eq!(found.len(), 1, "{}", run.json);
    let sha = found[0]["token_sha256"].as_str().unwrap().to_string();
    for guess in [&b"c2VjcmV0"[..], b"secret"] {
        let plain: String = sha2::Sha256::digest(guess).iter().map(|b| format!("{b:02x}")).collect();
        assert_ne!(sha, plain);
    }
}

/// Commit messages, tag messages and notes were never read.
#[test]
fn tokens_in_commit_and_tag_messages_and_notes_are_reported_at_the_commit() {
    let dir = tempfile::tempdir().unwrap();
    let base = base_repo(dir.path());
    let (in_commit, in_tag, in_note) =
        (unsigned(r#"{"sub":"commit-msg"}"#), unsigned(r#"{"sub":"tag-msg"}"#), unsigned(r#"{"sub":"note"}"#));
    git(dir.path(), &["commit", "-q", "--allow-empty", "-m", &format!("fix login\n\ntoken: {in_commit}\n")]);
    let head = git(dir.path(), &["rev-parse", "HEAD"]);
    git(dir.path(), &["tag", "-a", "v1", "-m", &format!("release {in_tag}")]);
    git(dir.path(), &["notes", "add", "-m", &format!("debug {in_note}"), "HEAD"]);
    let history = run(&["git", "--format", "json", "."], dir.path());
    let found = history.findings("alg-none");
    for token in [&in_commit, &in_tag, &in_note] {
        let at: Vec<&&Value> =
            found.iter().filter(|f| f["token_sha256"] == jwtscan::hex::sha256_hex(token.as_bytes())).collect();
        assert_eq!(at.len(), 1, "{token}: {}", history.json);
        assert_eq!(at[0]["commit"], head.as_str(), "{}", at[0]);
    }
    let ranged = range(dir.path(), &base, &head, &[]);
    assert_eq!(ranged.code, 1, "{}", ranged.stderr);
    let shas: Vec<&Value> = ranged.findings("alg-none").iter().map(|f| &f["token_sha256"]).collect();
    for token in [&in_commit, &in_note] {
        assert!(shas.contains(&&Value::from(jwtscan::hex::sha256_hex(token.as_bytes()))), "{}", ranged.json);
    }
}

/// In range mode only the range's commits speak: the base's message and a tag on the base are
/// not the change's, and a message that quotes the jwt.io example fails nothing.
#[test]
fn a_base_commits_message_and_a_published_example_in_a_message_do_not_fail_the_range() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["-c", "init.defaultBranch=main", "init", "-q", "."]);
    write(dir.path(), "README", "base\n");
    let in_base = unsigned(r#"{"sub":"base-msg"}"#);
    let base = commit_all(dir.path(), &format!("base\n\nold token {in_base}\n"));
    git(dir.path(), &["tag", "-a", "v0", "-m", &format!("base tag {in_base}")]);
    git(dir.path(), &["notes", "add", "-m", &format!("base note {in_base}"), "HEAD"]);
    const JWT_IO: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    commit_all(dir.path(), "docs: no token here");
    let head = commit_all(dir.path(), &format!("docs: decode the jwt.io example\n\n{JWT_IO}\n"));
    let ranged = range(dir.path(), &base, &head, &[]);
    assert_eq!(ranged.code, 0, "{}\n{}", ranged.json, ranged.stderr);
    assert_eq!(ranged.summary("messages_scanned"), 2, "the two commits of the range: {}", ranged.json);
    let base_sha = Value::from(jwtscan::hex::sha256_hex(in_base.as_bytes()));
    let all = ranged.json["findings"].as_array().expect("findings");
    assert!(all.iter().all(|f| f["token_sha256"] != base_sha), "{}", ranged.json);
    // The whole history holds the base's token once per place, each at the base commit.
    let history = run(&["git", "--format", "json", "."], dir.path());
    let at_base: Vec<&Value> =
        history.findings("alg-none").into_iter().filter(|f| f["token_sha256"] == base_sha).collect();
    let places = [".git/COMMIT_EDITMSG", ".git/refs/notes/commits", ".git/refs/tags/v0"];
    assert_eq!(paths_of(&at_base), places, "{}", history.json);
    for finding in at_base {
        assert_eq!(finding["commit"], base.as_str(), "{finding}");
    }
}

/// An ignore comment in a range's commit message is one the change added: it silences nothing.
#[test]
fn an_ignore_comment_in_a_commit_message_of_the_range_silences_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let base = base_repo(dir.path());
    let token = unsigned(r#"{"sub":"ignored-in-msg"}"#);
    let head = commit_all(dir.path(), &format!("wip\n\nT={token} # jwtscan:ignore\n"));
    let ranged = range(dir.path(), &base, &head, &[]);
    assert_eq!(ranged.code, 1, "{}", ranged.stderr);
    assert_eq!(paths_of(&ranged.findings("alg-none")), [".git/COMMIT_EDITMSG"], "{}", ranged.json);
    assert_eq!(paths_of(&ranged.findings("gate-config-changed")), [".git/COMMIT_EDITMSG"], "{}", ranged.json);
    // The whole history honours it, as it would in a file.
    let history = run(&["git", "--format", "json", "."], dir.path());
    assert_eq!(history.findings("alg-none").len(), 0, "{}", history.json);
}

/// A message is capped like a file: past `--max-file-size` it is skipped, which in range mode
/// leaves the change unjudged.
#[test]
fn a_commit_message_over_the_size_cap_is_a_skip_that_fails_the_range() {
    let dir = tempfile::tempdir().unwrap();
    let base = base_repo(dir.path());
    let token = unsigned(r#"{"sub":"padded-msg"}"#);
    let head = commit_all(dir.path(), &format!("pad\n\n{token}\n{}\n", "#".repeat(4_000)));
    let failed = range(dir.path(), &base, &head, &["--max-file-size", "1K"]);
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert!(failed.stderr.contains(".git/COMMIT_EDITMSG"), "{}", failed.stderr);
    assert_eq!(failed.summary("skipped"), 1);
    assert_eq!(failed.findings("alg-none").len(), 0, "{}", failed.json);
}

/// A tag's name is the repository's to choose, a token too: its pseudo-path is redacted like a
/// file name, and every format shows a message's place the same way.
#[test]
fn a_message_finding_renders_its_pseudo_path_in_every_format_with_a_token_tag_name_redacted() {
    let dir = tempfile::tempdir().unwrap();
    base_repo(dir.path());
    let named = hs256(r#"{"sub":"in-a-tag-name"}"#);
    let in_tag = unsigned(r#"{"sub":"tag-body"}"#);
    git(dir.path(), &["tag", "-a", &format!("rel/{named}"), "-m", &format!("release\n\n{in_tag}\n")]);
    let head = git(dir.path(), &["rev-parse", "HEAD"]);
    for format in ["text", "json", "sarif", "github"] {
        let output = jwtscan().current_dir(dir.path()).args(["git", "--format", format, "."]).output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(1), "--format {format}: {stdout}");
        assert!(stdout.contains(".git/refs/tags/rel/"), "--format {format}: {stdout}");
        assert_eq!(leaked(&output.stdout, &[&named, &in_tag]), Vec::<String>::new(), "stdout of --format {format}");
        assert_eq!(leaked(&output.stderr, &[&named, &in_tag]), Vec::<String>::new(), "stderr of --format {format}");
    }
    let sarif = jwtscan().current_dir(dir.path()).args(["git", "--format", "sarif", "."]).output().unwrap();
    let sarif: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    let location = &result["locations"][0]["physicalLocation"];
    let uri = location["artifactLocation"]["uri"].as_str().expect("a uri");
    assert!(uri.starts_with(".git/refs/tags/rel/"), "{uri}");
    assert_eq!(
        (location["region"]["startLine"].as_u64(), location["region"]["startColumn"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(result["properties"]["commit"], head.as_str(), "{result}");
    let plain = jwtscan().current_dir(dir.path()).args(["git", "--format", "text", "."]).output().unwrap();
    let plain = String::from_utf8_lossy(&plain.stdout);
    assert!(plain.contains(&format!("{} .git/refs/tags/rel/", &head[..7])), "{plain}");
    assert!(plain.contains("1 file, 2 messages"), "the base commit's and the tag's: {plain}");
}
