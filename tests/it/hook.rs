//! `jwtscan hook pre-receive` and `jwtscan hook update` installed in a real bare repository and
//! driven by `git push`: a push that adds a leaked token is refused with a redacted message and
//! leaves the server's refs as they were; a clean push, a deletion and a new branch of commits
//! the server already has are accepted; a push that cannot be scanned is refused unless
//! `--fail-open`.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::cli::util::unsigned;

struct Server {
    dir: tempfile::TempDir,
}

impl Server {
    /// A bare repository `server.git` and a clone of it, `work`, with one clean commit pushed.
    fn new(hook: &str, hook_args: &str) -> Self {
        let server = Server { dir: tempfile::tempdir().unwrap() };
        server.git(server.dir.path(), &["init", "--quiet", "--bare", "server.git"]);
        server.git(server.dir.path(), &["init", "--quiet", "work"]);
        server.git(&server.work(), &["remote", "add", "origin", server.bare().to_str().unwrap()]);
        server.commit("README.md", "hello\n");
        assert!(server.push(&["main"]).status.success());
        server.install(hook, hook_args);
        server
    }

    fn bare(&self) -> PathBuf {
        self.dir.path().join("server.git")
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// Installs `hooks/NAME` running this build of jwtscan.
    fn install(&self, hook: &str, args: &str) {
        let path = self.bare().join("hooks").join(hook);
        let pass_on = if hook == "update" { " \"$@\"" } else { "" };
        let script = format!("#!/bin/sh\nexec '{}' hook {hook}{pass_on} {args}\n", env!("CARGO_BIN_EXE_jwtscan"));
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn command(&self, dir: &Path) -> Command {
        let mut cmd = Command::new("git");
        cmd.current_dir(dir)
            .env("HOME", self.dir.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .args(["-c", "init.defaultBranch=main", "-c", "advice.detachedHead=false"]);
        cmd
    }

    fn git(&self, dir: &Path, args: &[&str]) -> String {
        let output = self.command(dir).args(args).output().unwrap();
        assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    fn commit(&self, path: &str, text: &str) -> String {
        let file = self.work().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
        self.git(&self.work(), &["add", "."]);
        self.git(&self.work(), &["commit", "--quiet", "-m", path]);
        self.git(&self.work(), &["rev-parse", "HEAD"])
    }

    fn push(&self, refspecs: &[&str]) -> Output {
        self.command(&self.work()).args(["push", "--porcelain", "origin"]).args(refspecs).output().unwrap()
    }

    fn server_ref(&self, name: &str) -> Option<String> {
        let output = self.command(&self.bare()).args(["rev-parse", "--verify", "--quiet", name]).output().unwrap();
        output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn pre_receive_refuses_a_push_that_adds_a_leaked_token_and_accepts_a_clean_one() {
    let server = Server::new("pre-receive", "");
    let before = server.server_ref("main").unwrap();
    let token = unsigned();
    server.commit("config/app.env", &format!("TOKEN={token}\n"));
    let refused = server.push(&["main"]);
    let text = stderr(&refused);
    assert!(!refused.status.success(), "{text}");
    assert!(text.contains("remote: jwtscan: push refused: "), "{text}");
    assert!(text.contains("alg-none") && text.contains("config/app.env:1:7"), "{text}");
    assert!(!text.contains(&token), "the refusal never holds the whole token: {text}");
    assert_eq!(server.server_ref("main").as_deref(), Some(before.as_str()), "the ref did not move");

    // The same commit on a new branch is refused too: it is new to the server.
    let refused = server.push(&["main:refs/heads/feature"]);
    assert!(!refused.status.success(), "{}", stderr(&refused));
    assert_eq!(server.server_ref("refs/heads/feature"), None);

    // Drop the token commit; a clean commit is accepted.
    server.git(&server.work(), &["reset", "--quiet", "--hard", &before]);
    let clean = server.commit("src/main.rs", "fn main() {}\n");
    let accepted = server.push(&["main"]);
    assert!(accepted.status.success(), "{}", stderr(&accepted));
    assert_eq!(server.server_ref("main"), Some(clean));
}

#[test]
fn only_the_commits_a_push_adds_are_scanned() {
    let server = Server::new("pre-receive", "");
    // A token the server already holds (pushed before the hook existed) does not block later pushes.
    std::fs::remove_file(server.bare().join("hooks/pre-receive")).unwrap();
    server.commit("old.env", &format!("T={}\n", unsigned()));
    assert!(server.push(&["main"]).status.success());
    server.install("pre-receive", "");
    server.commit("src/lib.rs", "pub fn f() {}\n");
    let accepted = server.push(&["main"]);
    assert!(accepted.status.success(), "{}", stderr(&accepted));
    // A new branch at a commit the server has adds nothing; deleting it brings nothing either.
    let accepted = server.push(&["main:refs/heads/copy"]);
    assert!(accepted.status.success(), "{}", stderr(&accepted));
    let deleted = server.push(&[":refs/heads/copy"]);
    assert!(deleted.status.success(), "{}", stderr(&deleted));
    assert_eq!(server.server_ref("refs/heads/copy"), None);
}

#[test]
fn the_update_hook_refuses_the_ref_that_adds_a_token() {
    let server = Server::new("update", "");
    server.commit("a.env", &format!("T={}\n", unsigned()));
    let refused = server.push(&["main"]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("push refused"), "{}", stderr(&refused));
}

#[test]
fn fail_on_and_a_config_in_the_servers_head_decide_what_fails() {
    let server = Server::new("pre-receive", "--fail-on never");
    server.commit("a.env", &format!("T={}\n", unsigned()));
    let accepted = server.push(&["main"]);
    assert!(accepted.status.success(), "{}", stderr(&accepted));
}

#[test]
fn a_push_that_cannot_be_scanned_is_refused_unless_fail_open() {
    let server = Server::new("pre-receive", "--config /nonexistent/jwtscan.toml");
    server.commit("src/lib.rs", "pub fn f() {}\n");
    let refused = server.push(&["main"]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("could not be scanned in full"), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("--fail-open"), "{}", stderr(&refused));
    server.install("pre-receive", "--config /nonexistent/jwtscan.toml --fail-open");
    let accepted = server.push(&["main"]);
    assert!(accepted.status.success(), "{}", stderr(&accepted));
    assert!(stderr(&accepted).contains("push accepted unscanned (--fail-open)"), "{}", stderr(&accepted));
}

#[test]
fn a_bad_timeout_is_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_jwtscan"))
        .args(["hook", "pre-receive", "--timeout", "soon"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
