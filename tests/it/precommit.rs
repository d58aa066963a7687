//! The pre-commit hooks in `.pre-commit-hooks.yaml`, driven through the real `pre-commit` with the
//! test binary on PATH (the `-system` hooks; the others would build the wheel with maturin first).
//! Skipped, with a message, where `pre-commit` is not installed (a failure under CI's
//! `JWTSCAN_TEST_NO_SKIP`); `.ci/run` installs it.
#![cfg(unix)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ALG_NONE: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.";

fn pre_commit_installed() -> bool {
    let found = Command::new("pre-commit").arg("--version").output().is_ok_and(|out| out.status.success());
    if !found {
        crate::skip::skip("pre-commit is not installed (pip install pre-commit)");
    }
    found
}

fn path_with_jwtscan() -> OsString {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_jwtscan")).parent().unwrap().to_path_buf();
    let mut paths = vec![bin_dir];
    paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    std::env::join_paths(paths).unwrap()
}

/// A command isolated from the caller's git and pre-commit state.
fn command(program: &str, dir: &Path, cache: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env("PATH", path_with_jwtscan())
        .env("PRE_COMMIT_HOME", cache)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", cache)
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com");
    for var in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "PRE_COMMIT", "SKIP"] {
        cmd.env_remove(var);
    }
    cmd
}

fn run(mut cmd: Command) -> (Output, String) {
    let output = cmd.output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    eprintln!("{text}");
    (output, text)
}

fn git(dir: &Path, cache: &Path, args: &[&str]) -> (Output, String) {
    let mut cmd = command("git", dir, cache);
    cmd.args(args);
    run(cmd)
}

fn new_repo(cache: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = git(dir.path(), cache, &["init", "-q", "-b", "main"]);
    assert!(out.status.success());
    dir
}

fn try_repo(dir: &Path, cache: &Path) -> (Output, String) {
    let mut cmd = command("pre-commit", dir, cache);
    cmd.args(["try-repo", env!("CARGO_MANIFEST_DIR"), "jwtscan-system", "--color", "never"]);
    run(cmd)
}

#[test]
fn try_repo_refuses_a_staged_token_and_passes_clean_files() {
    if !pre_commit_installed() {
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let repo = new_repo(cache.path());
    std::fs::write(repo.path().join("README.md"), "hello\n").unwrap();
    git(repo.path(), cache.path(), &["add", "README.md"]);
    let (clean, text) = try_repo(repo.path(), cache.path());
    assert!(clean.status.success(), "clean files pass: {text}");
    assert!(text.contains("jwtscan (installed)") && text.contains("Passed"), "{text}");

    std::fs::write(repo.path().join("dev.env"), format!("TOKEN={ALG_NONE}\n")).unwrap();
    git(repo.path(), cache.path(), &["add", "dev.env"]);
    let (dirty, text) = try_repo(repo.path(), cache.path());
    assert_eq!(dirty.status.code(), Some(1), "{text}");
    assert!(text.contains("Failed") && text.contains("dev.env:1:7") && text.contains("critical  alg-none"), "{text}");
    assert!(!text.contains(ALG_NONE), "the hook output must not repeat the token");
}

/// A hooks repository holding this checkout's `.pre-commit-hooks.yaml` as one commit: enough for
/// the `system` hook, which needs no source, and independent of what this checkout has committed.
fn hooks_repo(cache: &Path) -> (tempfile::TempDir, String) {
    let hooks = new_repo(cache);
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    std::fs::copy(manifest, hooks.path().join(".pre-commit-hooks.yaml")).unwrap();
    git(hooks.path(), cache, &["add", "."]);
    let (out, text) = git(hooks.path(), cache, &["commit", "-q", "-m", "hooks"]);
    assert!(out.status.success(), "{text}");
    let (out, _) = git(hooks.path(), cache, &["rev-parse", "HEAD"]);
    (hooks, String::from_utf8(out.stdout).unwrap().trim().to_string())
}

#[test]
fn an_installed_hook_refuses_a_commit_that_adds_a_token() {
    if !pre_commit_installed() {
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let (hooks, rev) = hooks_repo(cache.path());
    let repo = new_repo(cache.path());
    let config = format!(
        "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: jwtscan-system\n",
        hooks.path().display()
    );
    std::fs::write(repo.path().join(".pre-commit-config.yaml"), config).unwrap();
    let mut install = command("pre-commit", repo.path(), cache.path());
    install.arg("install");
    let (out, text) = run(install);
    assert!(out.status.success(), "{text}");

    std::fs::write(repo.path().join("app.py"), "print('hi')\n").unwrap();
    git(repo.path(), cache.path(), &["add", "."]);
    let (out, text) = git(repo.path(), cache.path(), &["commit", "-m", "clean"]);
    assert!(out.status.success(), "a clean commit passes: {text}");

    std::fs::write(repo.path().join("settings.py"), format!("JWT = '{ALG_NONE}'\n")).unwrap();
    git(repo.path(), cache.path(), &["add", "settings.py"]);
    let (out, text) = git(repo.path(), cache.path(), &["commit", "-m", "add token"]);
    assert!(!out.status.success(), "the commit must be refused: {text}");
    assert!(text.contains("settings.py:1:8") && text.contains("critical  alg-none"), "{text}");
    let (log, _) = git(repo.path(), cache.path(), &["log", "--oneline"]);
    assert_eq!(String::from_utf8_lossy(&log.stdout).lines().count(), 1, "only the clean commit landed");
}

#[test]
fn named_files_are_scanned_without_walking_their_folder() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..50 {
        std::fs::write(dir.path().join(format!("other{i}.env")), ALG_NONE).unwrap();
    }
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/staged.env"), ALG_NONE).unwrap();
    std::fs::write(dir.path().join("clean.txt"), "nothing\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_jwtscan"))
        .current_dir(dir.path())
        .args(["scan", "--format", "json", "sub/staged.env", "clean.txt"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["summary"]["files_scanned"], 2);
    let paths: Vec<&str> = report["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert!(!paths.is_empty() && paths.iter().all(|path| *path == "sub/staged.env"), "{paths:?}");
}

#[test]
fn a_named_file_is_scanned_even_when_gitignore_lists_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".gitignore"), "*.env\n").unwrap();
    std::fs::write(dir.path().join("forced.env"), ALG_NONE).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_jwtscan"))
        .current_dir(dir.path())
        .args(["scan", "--format", "json", "forced.env"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["summary"]["files_scanned"], 1, "git add -f puts ignored files in a commit");
}

fn repo_file(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// The wheel-based hooks repository is published from packaging/pre-commit at each release: it
/// must pin the wheel of this very version and offer the same hooks, run the same way.
#[test]
fn the_pre_commit_package_pins_this_version_and_mirrors_the_hooks() {
    let version = env!("CARGO_PKG_VERSION");
    let package = repo_file("packaging/pre-commit/pyproject.toml");
    assert!(package.contains(&format!("\nversion = \"{version}\"\n")), "{package}");
    assert!(package.contains(&format!("dependencies = [\"jwtscan=={version}\"]")), "{package}");
    let mirror = repo_file("packaging/pre-commit/.pre-commit-hooks.yaml");
    let here = repo_file(".pre-commit-hooks.yaml");
    for (id, entry) in [
        ("jwtscan", "jwtscan git --staged"),
        ("jwtscan-staged", "jwtscan git --staged"),
        ("jwtscan-files", "jwtscan scan"),
    ] {
        for manifest in [&mirror, &here] {
            let hook = manifest.split("- id: ").find(|hook| hook.starts_with(&format!("{id}\n"))).expect(id);
            assert!(hook.contains(&format!("entry: {entry}\n")), "{hook}");
        }
    }
    assert_eq!(mirror.matches("language: python").count(), 3, "every mirror hook installs the wheel");
    assert!(!here.contains("language: rust"), "pre-commit's rust hooks build without Cargo.lock");
    let wheel = repo_file("pyproject.toml");
    assert!(wheel.contains("bindings = \"bin\"") && wheel.contains("build-backend = \"maturin\""), "{wheel}");
    assert!(wheel.contains("\nlocked = true\n"), "a wheel built from source uses Cargo.lock: {wheel}");
}

/// A repository with `id` from this checkout's hooks installed and one commit holding a token
/// made before the hook (a repository adopting jwtscan).
fn repo_with_hook_and_an_old_token(id: &str, cache: &Path) -> (tempfile::TempDir, tempfile::TempDir) {
    let (hooks, rev) = hooks_repo(cache);
    let repo = new_repo(cache);
    std::fs::write(repo.path().join("settings.py"), format!("JWT = '{ALG_NONE}'\n")).unwrap();
    git(repo.path(), cache, &["add", "."]);
    let (out, text) = git(repo.path(), cache, &["commit", "-m", "before jwtscan"]);
    assert!(out.status.success(), "{text}");
    let config =
        format!("repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: {id}\n", hooks.path().display());
    std::fs::write(repo.path().join(".pre-commit-config.yaml"), config).unwrap();
    let mut install = command("pre-commit", repo.path(), cache);
    install.arg("install");
    let (out, text) = run(install);
    assert!(out.status.success(), "{text}");
    (hooks, repo)
}

#[test]
fn the_staged_hook_lets_a_file_that_already_holds_a_token_be_edited_and_refuses_a_new_one() {
    if !pre_commit_installed() {
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let (_hooks, repo) = repo_with_hook_and_an_old_token("jwtscan-system-staged", cache.path());
    std::fs::write(repo.path().join("settings.py"), format!("JWT = '{ALG_NONE}'\nDEBUG = False\n")).unwrap();
    git(repo.path(), cache.path(), &["add", "."]);
    let (out, text) = git(repo.path(), cache.path(), &["commit", "-m", "edit"]);
    assert!(out.status.success(), "an edit next to an old token passes: {text}");

    // Another unsigned token: `{"sub":"9"}`.
    std::fs::write(repo.path().join("new.py"), "T = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiI5In0.'\n").unwrap();
    git(repo.path(), cache.path(), &["add", "new.py"]);
    let (out, text) = git(repo.path(), cache.path(), &["commit", "-m", "new token"]);
    assert!(!out.status.success(), "a token the commit adds is refused: {text}");
    assert!(text.contains("new.py"), "{text}");
}

#[test]
fn the_whole_file_hook_refuses_an_edit_to_a_file_that_holds_a_token() {
    if !pre_commit_installed() {
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let (_hooks, repo) = repo_with_hook_and_an_old_token("jwtscan-system", cache.path());
    std::fs::write(repo.path().join("settings.py"), format!("JWT = '{ALG_NONE}'\nDEBUG = False\n")).unwrap();
    git(repo.path(), cache.path(), &["add", "."]);
    let (out, text) = git(repo.path(), cache.path(), &["commit", "-m", "edit"]);
    assert!(!out.status.success(), "{text}");
}
