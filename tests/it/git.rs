//! `jwtscan git`: history, `--since`, `--range`, `--staged`, and the repositories real projects
//! have (shallow, bare). Repositories are built with the `git` CLI in temporary folders.

use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;
use tempfile::TempDir;

/// Unsigned (`alg: none`) tokens, told apart by their `sub`.
fn token(sub: u8) -> String {
    let payload = match sub {
        1 => "eyJzdWIiOiIxIn0",
        2 => "eyJzdWIiOiIyIn0",
        3 => "eyJzdWIiOiIzIn0",
        4 => "eyJzdWIiOiI0In0",
        _ => "eyJzdWIiOiI1In0",
    };
    format!("eyJhbGciOiJub25lIn0.{payload}.")
}

struct Repo {
    dir: TempDir,
    clock: u32,
}

impl Repo {
    fn new() -> Repo {
        let repo = Repo { dir: tempfile::tempdir().unwrap(), clock: 0 };
        repo.git(&["-c", "init.defaultBranch=main", "init", "-q", "."]);
        repo
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, args: &[&str]) -> String {
        git_in(self.path(), args, self.clock)
    }

    fn write(&self, file: &str, text: &str) {
        let path = self.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Stages everything and commits; commits get increasing dates. Returns the commit's sha.
    fn commit(&mut self, message: &str) -> String {
        self.clock += 1;
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }
}

fn git_in(dir: &Path, args: &[&str], clock: u32) -> String {
    let date = format!("{} +0000", 1_700_000_000 + u64::from(clock) * 60);
    let output = Command::new("git")
        .args(["-c", "user.name=Test Author", "-c", "user.email=author@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

struct Run {
    code: i32,
    report: Value,
    stderr: String,
}

impl Run {
    fn findings(&self, rule: &str) -> Vec<&Value> {
        self.report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == rule).collect()
    }

    /// (path, commit) of every `alg-none` finding, sorted.
    fn unsigned(&self) -> Vec<(String, String)> {
        let mut found: Vec<(String, String)> = self
            .findings("alg-none")
            .iter()
            .map(|f| (f["path"].as_str().unwrap().to_string(), f["commit"].as_str().unwrap_or("").to_string()))
            .collect();
        found.sort();
        found
    }
}

fn jwtscan_git(repo: &Path, extra: &[&str]) -> Run {
    let output = Command::cargo_bin("jwtscan")
        .unwrap()
        .arg("git")
        .args(["--format", "json"])
        .args(extra)
        .arg(repo)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let report = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    Run { code: output.status.code().unwrap_or(-1), report, stderr: String::from_utf8_lossy(&output.stderr).into() }
}

#[test]
fn a_token_added_then_deleted_is_found_at_the_commit_that_added_it() {
    let mut repo = Repo::new();
    repo.write("README", "hello\n");
    repo.commit("first");
    repo.write("config/dev.env", &format!("A=1\nTOKEN={}\n", token(1)));
    let added = repo.commit("add token");
    std::fs::remove_file(repo.path().join("config/dev.env")).unwrap();
    repo.commit("remove token");

    let run = jwtscan_git(repo.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.unsigned(), [("config/dev.env".to_string(), added.clone())]);
    let finding = run.findings("alg-none")[0];
    assert_eq!((finding["line"].as_u64(), finding["column"].as_u64()), (Some(2), Some(7)));
    assert_eq!(finding["evidence"]["author"], "Test Author");
    assert_eq!(finding["evidence"]["commit_time"], "2023-11-14T22:15:20Z");
    let text = run.report.to_string();
    assert!(!text.contains("author@example.com"), "the author's email is personal data: {text}");
    assert!(!text.contains(&token(1)), "the token is redacted");
}

#[test]
fn a_token_kept_across_fifty_commits_is_one_finding_and_one_baseline_entry() {
    let mut repo = Repo::new();
    let first = {
        repo.write("app.cfg", &format!("version=0\ntoken={}\n", token(1)));
        repo.commit("v0")
    };
    for version in 1..50 {
        // The blob changes in every commit and the token moves down a line now and then.
        let padding = "\n".repeat(version / 10);
        repo.write("app.cfg", &format!("version={version}\n{padding}token={}\n", token(1)));
        repo.write(&format!("notes/{version}.txt"), &format!("{version}\n"));
        repo.commit(&format!("v{version}"));
    }

    let run = jwtscan_git(repo.path(), &[]);
    assert_eq!(run.unsigned(), [("app.cfg".to_string(), first)]);
    assert_eq!(run.report["summary"]["files_scanned"].as_u64(), Some(50 + 49), "each distinct blob once");

    let baseline = repo.path().join("baseline.json");
    std::fs::write(&baseline, run.report.to_string()).unwrap();
    let fingerprints: std::collections::HashSet<&str> =
        run.report["findings"].as_array().unwrap().iter().map(|f| f["fingerprint"].as_str().unwrap()).collect();
    assert_eq!(fingerprints.len(), run.report["findings"].as_array().unwrap().len());
    let again = jwtscan_git(repo.path(), &["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.report["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn one_blob_at_two_paths_is_scanned_once_and_reported_at_both() {
    let mut repo = Repo::new();
    let text = format!("t={}\n", token(1));
    repo.write("a.txt", &text);
    let first = repo.commit("a");
    repo.write("b/copy.txt", &text);
    let second = repo.commit("copy");

    let run = jwtscan_git(repo.path(), &[]);
    assert_eq!(run.unsigned(), [("a.txt".to_string(), first), ("b/copy.txt".to_string(), second)]);
    assert_eq!(run.report["summary"]["files_scanned"].as_u64(), Some(1));
}

#[test]
fn since_scans_only_commits_not_reachable_from_the_revision() {
    let mut repo = Repo::new();
    repo.write("old.txt", &token(1));
    let old = repo.commit("old");
    repo.write("new.txt", &token(2));
    let new = repo.commit("new");

    let run = jwtscan_git(repo.path(), &["--since", &old]);
    assert_eq!(run.unsigned(), [("new.txt".to_string(), new)]);
    let all = jwtscan_git(repo.path(), &[]);
    assert_eq!(all.unsigned().len(), 2);
}

#[test]
fn range_scans_the_commits_git_log_selects() {
    let mut repo = Repo::new();
    repo.write("base.txt", &token(1));
    let base = repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("feature.txt", &token(2));
    let feature = repo.commit("feature");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main.txt", &token(3));
    repo.commit("main moves on");

    let run = jwtscan_git(repo.path(), &["--range", "main..feature"]);
    assert_eq!(run.unsigned(), [("feature.txt".to_string(), feature.clone())]);
    let run = jwtscan_git(repo.path(), &["--range", &format!("{base}..feature")]);
    assert_eq!(run.unsigned(), [("feature.txt".to_string(), feature)]);
}

#[test]
fn range_does_not_blame_a_merge_of_the_base_branch_for_what_it_brings_in() {
    let mut repo = Repo::new();
    repo.write("base.txt", "clean\n");
    let base = repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("feature.txt", &token(2));
    let feature = repo.commit("feature");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main.txt", &token(3));
    let main = repo.commit("main moves on");
    repo.git(&["checkout", "-q", "feature"]);
    repo.clock += 1;
    repo.git(&["merge", "-q", "--no-edit", "main"]);

    // The pull request's view: main (with main.txt) is the base, the merge brings nothing new.
    let run = jwtscan_git(repo.path(), &["--range", &format!("{main}..feature")]);
    assert_eq!(run.unsigned(), [("feature.txt".to_string(), feature.clone())]);
    // From the old base, main's own commit is in the range and keeps the blame.
    let run = jwtscan_git(repo.path(), &["--range", &format!("{base}..feature")]);
    assert_eq!(run.unsigned(), [("feature.txt".to_string(), feature), ("main.txt".to_string(), main)]);
}

#[test]
fn staged_scans_only_what_the_index_adds_at_its_own_lines() {
    let mut repo = Repo::new();
    repo.write("a.txt", &format!("{}\n", token(1)));
    repo.commit("committed token");
    // Staged: a new token in a.txt (the committed one stays) and a new file.
    repo.write("a.txt", &format!("{}\nx {}\n", token(1), token(2)));
    repo.write("b.txt", &format!("one\n{}\n", token(3)));
    repo.git(&["add", "a.txt", "b.txt"]);
    // Not staged: lines above the staged token in b.txt, and a new file.
    repo.write("b.txt", &format!("zero\nhalf\none\n{}\n", token(3)));
    repo.write("c.txt", &token(4));

    let run = jwtscan_git(repo.path(), &["--staged"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut found: Vec<(String, u64, u64)> = run
        .findings("alg-none")
        .iter()
        .map(|f| (f["path"].as_str().unwrap().to_string(), f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap()))
        .collect();
    found.sort();
    assert_eq!(found, [("a.txt".to_string(), 2, 3), ("b.txt".to_string(), 2, 1)]);
    assert!(run.findings("alg-none").iter().all(|f| f.get("commit").is_none()));
}

/// The staged check compared token hashes with a private JWK's finding, which carries the hash of
/// its private member: a committed private JWK was reported again once its file changed.
#[test]
fn staged_does_not_report_a_committed_private_jwk_again_when_another_line_of_its_file_changes() {
    let mut repo = Repo::new();
    let jwk = r#"{"kty":"EC","crv":"P-256","x":"eA","y":"eQ","d":"c3RhZ2VkLXByaXZhdGU"}"#;
    repo.write("keys.json", &format!("{jwk}\n"));
    repo.commit("committed key");
    repo.write("keys.json", &format!("{jwk}\n\"unrelated\": 1\n"));
    repo.git(&["add", "keys.json"]);
    let run = jwtscan_git(repo.path(), &["--staged"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.findings("private-jwk").is_empty(), "{:?}", run.report);
    // A private JWK the index adds is still reported.
    let other = jwk.replace("c3RhZ2VkLXByaXZhdGU", "bmV3LXByaXZhdGU");
    repo.write("keys.json", &format!("{jwk}\n{other}\n"));
    repo.git(&["add", "keys.json"]);
    let run = jwtscan_git(repo.path(), &["--staged"]);
    assert_eq!(run.findings("private-jwk").len(), 1, "{:?}", run.report);
}

/// `--staged` told what `HEAD` already holds with the default layer depth, not the configured
/// one: a token nested deeper than the default, found in the staged blob by the configured depth,
/// was reported as new although `HEAD`'s version of the file holds it.
#[test]
fn staged_does_not_report_a_committed_token_nested_deeper_than_the_default_depth() {
    use base64::Engine as _;
    let mut layer = format!("token: {}", token(1)).into_bytes();
    for _ in 0..5 {
        layer = crate::bad_input::gzip(&layer);
    }
    let nested = base64::engine::general_purpose::STANDARD.encode(&layer);
    let mut repo = Repo::new();
    repo.write("jwtscan.toml", "[decode]\nmax_depth = 8\n");
    repo.write("blob.txt", &format!("x: {nested}\n"));
    repo.commit("committed nested token");
    repo.write("blob.txt", &format!("x: {nested}\nunrelated: 1\n"));
    repo.git(&["add", "blob.txt"]);
    let run = jwtscan_git(repo.path(), &["--staged"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.report["summary"]["files_scanned"].as_u64(), Some(1), "{:?}", run.report);
    assert!(run.unsigned().is_empty(), "{:?}", run.report);
    // The configured depth does find it: staged in a new file, it is reported.
    repo.write("copy.txt", &format!("x: {nested}\n"));
    repo.git(&["add", "copy.txt"]);
    let run = jwtscan_git(repo.path(), &["--staged"]);
    assert_eq!(run.unsigned(), [("copy.txt".to_string(), String::new())], "{}", run.stderr);
}

#[test]
fn staged_works_before_the_first_commit() {
    let repo = Repo::new();
    repo.write("first.txt", &token(1));
    repo.git(&["add", "first.txt"]);
    let run = jwtscan_git(repo.path(), &["--staged"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.unsigned(), [("first.txt".to_string(), String::new())]);
}

#[test]
fn staged_with_nothing_staged_is_clean() {
    let mut repo = Repo::new();
    repo.write("a.txt", &token(1));
    repo.commit("committed");
    let run = jwtscan_git(repo.path(), &["--staged"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.report["summary"]["files_scanned"].as_u64(), Some(0));
}

#[test]
fn a_shallow_clone_is_scanned_with_a_warning_that_history_is_truncated() {
    let mut origin = Repo::new();
    origin.write("old.txt", &token(1));
    origin.commit("old");
    origin.write("gone.txt", &token(2));
    origin.commit("gone soon");
    std::fs::remove_file(origin.path().join("gone.txt")).unwrap();
    let head = origin.commit("head");

    let clones = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
    git_in(clones.path(), &["clone", "-q", "--depth", "1", &url, "shallow"], 0);
    let run = jwtscan_git(&clones.path().join("shallow"), &[]);
    assert_eq!(run.unsigned(), [("old.txt".to_string(), head)]);
    assert!(run.stderr.contains("shallow"), "{}", run.stderr);
}

#[test]
fn a_bare_repository_is_scanned() {
    let mut origin = Repo::new();
    origin.write("a.txt", &token(1));
    let first = origin.commit("a");
    origin.git(&["tag", "-a", "v1", "-m", "release"]);
    origin.git(&["checkout", "-q", "-b", "side"]);
    origin.write("side.txt", &token(2));
    let side = origin.commit("side");

    let clones = tempfile::tempdir().unwrap();
    let url = format!("file://{}", origin.path().display());
    git_in(clones.path(), &["clone", "-q", "--bare", &url, "bare.git"], 0);
    let run = jwtscan_git(&clones.path().join("bare.git"), &[]);
    assert_eq!(run.unsigned(), [("a.txt".to_string(), first), ("side.txt".to_string(), side)]);
}

#[test]
fn branches_tags_and_the_stash_are_all_scanned() {
    let mut repo = Repo::new();
    repo.write("a.txt", "clean\n");
    repo.commit("a");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write("topic.txt", &token(1));
    repo.commit("topic");
    repo.git(&["tag", "lightweight"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["branch", "-q", "-D", "topic"]);
    repo.write("a.txt", &token(2));
    repo.git(&["stash", "-q"]);
    repo.write("a.txt", &token(3));
    repo.git(&["stash", "-q"]);

    let run = jwtscan_git(repo.path(), &[]);
    let paths: Vec<String> = run.unsigned().into_iter().map(|(path, _)| path).collect();
    assert_eq!(paths, ["a.txt", "a.txt", "topic.txt"], "both stash entries and the tag: {}", run.stderr);
}

#[test]
fn a_path_that_is_not_a_repository_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = jwtscan_git(dir.path(), &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not a git repository"), "{}", run.stderr);
}

#[test]
fn blobs_over_max_file_size_are_skipped_and_counted() {
    let mut repo = Repo::new();
    repo.write("big.txt", &format!("{}\n{}", token(1), "x".repeat(4096)));
    repo.write("small.txt", &token(2));
    repo.commit("both");
    let run = jwtscan_git(repo.path(), &["--max-file-size", "1024"]);
    assert_eq!(run.unsigned().into_iter().map(|(path, _)| path).collect::<Vec<_>>(), ["small.txt"]);
    assert_eq!(run.report["summary"]["skipped"].as_u64(), Some(1));
}

#[test]
fn config_at_the_work_tree_root_excludes_paths_and_inline_ignore_applies() {
    let mut repo = Repo::new();
    repo.write("jwtscan.toml", "exclude = [\"fixtures/**\"]\n");
    repo.write("fixtures/sample.txt", &token(1));
    repo.write("ignored.txt", &format!("{} # jwtscan:ignore\n", token(2)));
    repo.write("src/real.txt", &token(3));
    repo.commit("all");
    let run = jwtscan_git(repo.path(), &[]);
    assert_eq!(run.unsigned().into_iter().map(|(path, _)| path).collect::<Vec<_>>(), ["src/real.txt"]);
}

#[test]
fn a_corrupt_object_is_a_counted_error_and_the_scan_goes_on() {
    let mut repo = Repo::new();
    repo.write("a.txt", &token(1));
    repo.write("b.txt", "something else entirely\n");
    repo.commit("two files");
    let blob = repo.git(&["rev-parse", "HEAD:b.txt"]).trim().to_string();
    let object = repo.path().join(".git/objects").join(&blob[..2]).join(&blob[2..]);
    let mut permissions = std::fs::metadata(&object).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&object, permissions).unwrap();
    std::fs::write(&object, b"not zlib at all").unwrap();

    let run = jwtscan_git(repo.path(), &[]);
    assert_eq!(run.unsigned().into_iter().map(|(path, _)| path).collect::<Vec<_>>(), ["a.txt"]);
    assert_eq!(run.report["summary"]["errors"].as_u64(), Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("b.txt"), "{}", run.stderr);
}

#[test]
fn only_the_entries_a_commit_changes_in_a_wide_folder_are_new_blobs() {
    let mut repo = Repo::new();
    for file in 0..60 {
        repo.write(&format!("wide/f{file:02}.txt"), &format!("file {file}\n"));
    }
    repo.commit("sixty files");
    repo.write("wide/f30.txt", &format!("file 30\n{}\n", token(1)));
    repo.write("wide/f30a.txt", &token(2));
    std::fs::remove_file(repo.path().join("wide/f10.txt")).unwrap();
    let second = repo.commit("edit, add and remove in the middle");
    repo.write("wide/f59.txt", &token(3));
    let third = repo.commit("edit the last");

    let run = jwtscan_git(repo.path(), &[]);
    assert_eq!(
        run.unsigned(),
        [
            ("wide/f30.txt".to_string(), second.clone()),
            ("wide/f30a.txt".to_string(), second),
            ("wide/f59.txt".to_string(), third)
        ]
    );
    assert_eq!(run.report["summary"]["files_scanned"].as_u64(), Some(60 + 3));
}

#[test]
fn since_accepts_a_tag_and_range_accepts_a_symmetric_difference() {
    let mut repo = Repo::new();
    repo.write("base.txt", &token(1));
    repo.commit("base");
    repo.git(&["tag", "-a", "v1", "-m", "v1"]);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("feature.txt", &token(2));
    let feature = repo.commit("feature");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main.txt", &token(3));
    let main = repo.commit("main");

    let run = jwtscan_git(repo.path(), &["--since", "v1"]);
    assert_eq!(run.unsigned(), [("feature.txt".to_string(), feature.clone()), ("main.txt".to_string(), main.clone())]);
    let run = jwtscan_git(repo.path(), &["--range", "main...feature"]);
    assert_eq!(run.unsigned(), [("feature.txt".to_string(), feature), ("main.txt".to_string(), main)]);
    let bad = jwtscan_git(repo.path(), &["--since", "no-such-rev"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("no-such-rev"), "{}", bad.stderr);
}

#[test]
fn git_reads_the_config_at_the_repository_root_from_a_subfolder() {
    let mut repo = Repo::new();
    repo.write("jwtscan.toml", "[rules]\ndisable = [\"alg-none\"]\n");
    repo.write("sub/dir/t.env", &format!("T={}\n", token(1)));
    repo.commit("token");
    let run = jwtscan_git(&repo.path().join("sub/dir"), &[]);
    assert!(run.findings("alg-none").is_empty(), "{}", run.report);
    assert!(!run.findings("leaked-token").is_empty(), "{}", run.report);
    let config = run.report["summary"]["config"].as_str().unwrap();
    assert!(config.ends_with("jwtscan.toml"), "{config}");
}

#[test]
fn a_history_report_reads_the_same_whether_findings_spill_to_disk_or_stay_in_memory() {
    let mut repo = Repo::new();
    // The same token at the same place in several commits and paths: findings that tie on
    // (path, line, column, rule) keep one order either way.
    for round in 0..6u8 {
        repo.write("config/dev.env", &format!("TOKEN={}\nROUND={round}\n", token(1)));
        repo.write(&format!("tests/t{round}.py"), &format!("T = \"{}\"\n", token(2 + round % 3)));
        repo.commit(&format!("round {round}"));
    }
    repo.git(&["checkout", "-q", "-b", "side", "HEAD~3"]);
    repo.write("config/dev.env", &format!("TOKEN={}\nSIDE=1\n", token(1)));
    repo.commit("side");
    for format in ["json", "text", "sarif", "github"] {
        let run = |budget: &str| {
            let output = Command::cargo_bin("jwtscan")
                .unwrap()
                .args(["git", "--format", format, "--fail-on", "low", "--threads", "2"])
                .arg(repo.path())
                .env("JWTSCAN_FINDINGS_BUDGET", budget)
                .env_remove("GITHUB_STEP_SUMMARY")
                .env_remove("GIT_DIR")
                .env_remove("GIT_INDEX_FILE")
                .output()
                .unwrap();
            let stdout = crate::cli::util::without_timing(&output.stdout);
            (output.status.code(), stdout, String::from_utf8_lossy(&output.stderr).into_owned())
        };
        let in_memory = run("1000000000");
        assert!(in_memory.1.matches("alg-none").count() >= 2, "{format}: {}", in_memory.1);
        assert_eq!(run("0"), in_memory, "{format}");
    }
}

#[test]
fn a_weak_secret_found_in_history_carries_the_commit_time_and_author() {
    let mut repo = Repo::new();
    let weak = crate::cli::util::signed_hs256(r#"{"alg":"HS256"}"#, r#"{"sub":"1"}"#, b"secret");
    repo.write("app.env", &format!("TOKEN={weak}\n"));
    let added = repo.commit("add token");
    let run = jwtscan_git(repo.path(), &[]);
    let found = run.findings("weak-secret");
    assert_eq!(found.len(), 1, "{}", run.report);
    assert_eq!(found[0]["commit"], added.as_str());
    assert_eq!(found[0]["evidence"]["author"], "Test Author");
    assert_eq!(found[0]["evidence"]["commit_time"], "2023-11-14T22:14:20Z");
}
