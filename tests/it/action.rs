//! `scripts/action.sh`, the logic of the GitHub Action, run with a fake GitHub environment: the
//! outputs it writes to GITHUB_OUTPUT, its exit statuses, how it installs jwtscan, and the
//! commits history mode scans for each event (pull request, push, new branch, fork).
#![cfg(unix)]

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// alg-none, leaked-token and no-expiry fire on it: three findings per token.
const ALG_NONE: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.";

/// A fake runner: its temp folder, output and summary files, and a workspace to scan.
struct Runner {
    temp: tempfile::TempDir,
    workspace: tempfile::TempDir,
}

impl Runner {
    fn new() -> Self {
        Runner { temp: tempfile::tempdir().unwrap(), workspace: tempfile::tempdir().unwrap() }
    }

    fn with_token() -> Self {
        let runner = Runner::new();
        runner.write("config/dev.env", &format!("TOKEN={ALG_NONE}\n"));
        runner
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.workspace.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn output_file(&self) -> PathBuf {
        self.temp.path().join("github_output")
    }

    fn summary_file(&self) -> PathBuf {
        self.temp.path().join("step_summary.md")
    }

    fn command(&self, step: &str) -> Command {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/action.sh");
        let mut cmd = Command::new("bash");
        cmd.arg(script).arg(step).current_dir(self.workspace.path());
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            if key.starts_with("GITHUB_") || key.starts_with("INPUT_") || key.starts_with("JWTSCAN_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("GITHUB_OUTPUT", self.output_file())
            .env("GITHUB_STEP_SUMMARY", self.summary_file())
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TEMP", self.temp.path())
            .env("JWTSCAN_BIN", env!("CARGO_BIN_EXE_jwtscan"));
        cmd
    }

    fn outputs(&self) -> HashMap<String, String> {
        let text = std::fs::read_to_string(self.output_file()).unwrap_or_default();
        text.lines()
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect()
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn run(cmd: &mut Command) -> Output {
    let output = cmd.output().unwrap();
    eprintln!("stdout:\n{}\nstderr:\n{}", stdout(&output), String::from_utf8_lossy(&output.stderr));
    output
}

#[test]
fn findings_are_annotated_counted_and_written_as_sarif() {
    let runner = Runner::with_token();
    let output = run(runner.command("run").env("INPUT_PATHS", ".").env("INPUT_CATEGORY", "jwt-main"));
    assert_eq!(output.status.code(), Some(0), "run leaves the verdict to finish");
    assert!(stdout(&output).contains("::error file=config/dev.env,line=1,"), "annotations go to the log");
    let outputs = runner.outputs();
    assert_eq!(outputs["findings"], "3");
    assert_eq!(outputs["exit-code"], "1");
    let sarif_path = PathBuf::from(&outputs["sarif"]);
    assert!(sarif_path.starts_with(runner.temp.path()), "{}", sarif_path.display());
    let log: Value = serde_json::from_slice(&std::fs::read(&sarif_path).unwrap()).unwrap();
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 3);
    assert_eq!(log["runs"][0]["automationDetails"]["id"], "jwt-main");
    let summary = std::fs::read_to_string(runner.summary_file()).unwrap();
    assert!(summary.contains("| critical | source | alg-none | config/dev.env:1:7 |"), "{summary}");
}

#[test]
fn finish_exits_with_the_scan_verdict() {
    let runner = Runner::new();
    let failed = run(runner.command("finish").env("JWTSCAN_EXIT_CODE", "1"));
    assert_eq!(failed.status.code(), Some(1));
    let passed = run(runner.command("finish").env("JWTSCAN_EXIT_CODE", "0"));
    assert_eq!(passed.status.code(), Some(0));
    let missing = run(&mut runner.command("finish"));
    assert_eq!(missing.status.code(), Some(2), "no verdict is a failure, never a pass");
}

#[test]
fn fail_on_above_every_finding_passes_but_still_counts_them() {
    let runner = Runner::new();
    runner.write("t.env", ALG_NONE);
    let output = run(runner.command("run").env("INPUT_FAIL_ON", "never"));
    assert_eq!(output.status.code(), Some(0));
    let outputs = runner.outputs();
    assert_eq!(outputs["findings"], "3");
    assert_eq!(outputs["exit-code"], "0");
}

#[test]
fn a_clean_tree_has_no_findings_and_passes() {
    let runner = Runner::new();
    runner.write("src/main.rs", "fn main() {}\n");
    let output = run(&mut runner.command("run"));
    assert_eq!(output.status.code(), Some(0));
    let outputs = runner.outputs();
    assert_eq!(outputs["findings"], "0");
    assert_eq!(outputs["exit-code"], "0");
    assert!(Path::new(&outputs["sarif"]).is_file());
}

#[test]
fn paths_one_per_line_may_hold_spaces_and_args_are_passed_on() {
    let runner = Runner::new();
    runner.write("with space/a.env", ALG_NONE);
    runner.write("b.env", ALG_NONE);
    runner.write("ignored/c.env", ALG_NONE);
    let output = run(runner
        .command("run")
        .env("INPUT_PATHS", "with space\nb.env\n")
        .env("INPUT_ARGS", "--min-severity critical"));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(runner.outputs()["findings"], "2", "one alg-none finding in each listed path");
}

#[test]
fn args_are_split_as_a_shell_splits_them_so_quotes_do_not_reach_jwtscan() {
    let runner = Runner::new();
    runner.write("docs/a.env", ALG_NONE);
    runner.write("my docs/b.env", ALG_NONE);
    runner.write("src/c.env", ALG_NONE);
    // Read word by word, `"docs/**"` kept its quotes and excluded nothing, silently.
    let output = run(runner.command("run").env("INPUT_ARGS", r#"--exclude "docs/**" --exclude 'my docs/**'"#));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(runner.outputs()["findings"], "3", "only src/c.env is scanned");
    let output = run(runner.command("run").env("INPUT_ARGS", r"--exclude docs/\*\* --exclude my\ docs/**"));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(runner.outputs()["findings"], "3", "backslashes escape as in a shell");
}

#[test]
fn args_are_never_expanded_or_run() {
    let runner = Runner::with_token();
    let marker = runner.temp.path().join("ran");
    for args in [format!("--exclude \"$(touch {})\"", marker.display()), format!("`touch {}`", marker.display())] {
        let output = run(runner.command("run").env("INPUT_ARGS", &args));
        assert_eq!(output.status.code(), Some(2), "{args}");
        assert!(stdout(&output).contains("is not expanded here"), "{args}");
    }
    let output = run(runner.command("run").env("INPUT_ARGS", "--exclude 'docs"));
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).contains("quote is not closed"));
    assert!(!marker.exists(), "nothing in args is run");
    // In single quotes, `$` is only a character.
    let output = run(runner.command("run").env("INPUT_ARGS", "--exclude '$HOME/**'"));
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn one_scan_writes_both_the_annotations_and_the_sarif_log() {
    let runner = Runner::with_token();
    let calls = runner.temp.path().join("calls");
    let wrapper = runner.temp.path().join("jwtscan-counting");
    std::fs::write(
        &wrapper,
        format!("#!/bin/sh\necho call >> '{}'\nexec '{}' \"$@\"\n", calls.display(), env!("CARGO_BIN_EXE_jwtscan")),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let output = run(runner.command("run").env("JWTSCAN_BIN", &wrapper));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&calls).unwrap().lines().count(), 1);
    assert!(stdout(&output).contains("::error file=config/dev.env"));
    let log: Value = serde_json::from_slice(&std::fs::read(&runner.outputs()["sarif"]).unwrap()).unwrap();
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 3);
}

#[test]
fn config_and_baseline_inputs_reach_the_scan() {
    let runner = Runner::with_token();
    runner.write("ci/jwtscan.toml", "fail_on = \"never\"\n");
    let json = Command::new(env!("CARGO_BIN_EXE_jwtscan"))
        .current_dir(runner.workspace.path())
        .args(["--format", "json", "-o", "ci/baseline.json", "config"])
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(1));
    runner.write("config/new.env", ALG_NONE);
    let output = run(runner
        .command("run")
        .env("INPUT_PATHS", "config")
        .env("INPUT_CONFIG", "ci/jwtscan.toml")
        .env("INPUT_BASELINE", "ci/baseline.json"));
    assert_eq!(output.status.code(), Some(0));
    let outputs = runner.outputs();
    assert_eq!(outputs["findings"], "3", "only the token that is not in the baseline");
    assert_eq!(outputs["exit-code"], "0", "fail_on from the config file");
}

#[test]
fn a_usage_error_fails_the_step_with_status_2() {
    let runner = Runner::with_token();
    let output = run(runner.command("run").env("INPUT_CONFIG", "missing.toml"));
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).contains("::error title=jwtscan action::jwtscan exited with status 2"));
    assert!(!runner.outputs().contains_key("exit-code"));
}

#[test]
fn install_with_a_given_binary_uses_it() {
    let runner = Runner::new();
    let output = run(&mut runner.command("install"));
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains(env!("CARGO_PKG_VERSION")), "prints the version");
    assert_eq!(runner.outputs()["bin"], env!("CARGO_BIN_EXE_jwtscan"));
}

/// A fake release: `jwtscan-<version>-<target>.tar.gz` holding a script, and its `.sha256`.
fn fake_release(dir: &Path, version: &str, target: &str, checksum: Option<&str>) {
    let staging = dir.join("staging");
    std::fs::create_dir_all(&staging).unwrap();
    let bin = staging.join("jwtscan");
    std::fs::write(&bin, format!("#!/bin/sh\necho \"jwtscan {version} (release)\"\n")).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let archive = format!("jwtscan-{version}-{target}.tar.gz");
    let status = Command::new("tar")
        .arg("-czf")
        .arg(dir.join(&archive))
        .arg("-C")
        .arg(&staging)
        .arg("jwtscan")
        .status()
        .unwrap();
    assert!(status.success());
    let actual = jwtscan::hex::sha256_hex(&std::fs::read(dir.join(&archive)).unwrap());
    let line = format!("{}  {archive}\n", checksum.unwrap_or(&actual));
    std::fs::write(dir.join(format!("{archive}.sha256")), line).unwrap();
}

#[test]
fn install_with_a_version_downloads_the_runner_target_and_checks_its_sha256() {
    let runner = Runner::new();
    let release = tempfile::tempdir().unwrap();
    fake_release(release.path(), "1.2.3", "aarch64-apple-darwin", None);
    let output = run(runner
        .command("install")
        .env_remove("JWTSCAN_BIN")
        .env("INPUT_VERSION", "v1.2.3")
        .env("RUNNER_OS", "macOS")
        .env("RUNNER_ARCH", "ARM64")
        .env("JWTSCAN_DOWNLOAD_BASE", format!("file://{}", release.path().display())));
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("jwtscan 1.2.3 (release)"));
    let bin = PathBuf::from(&runner.outputs()["bin"]);
    assert_eq!(bin, runner.temp.path().join("jwtscan-1.2.3-aarch64-apple-darwin/jwtscan"));
}

#[test]
fn install_refuses_a_download_whose_checksum_does_not_match() {
    let runner = Runner::new();
    let release = tempfile::tempdir().unwrap();
    fake_release(release.path(), "1.2.3", "x86_64-unknown-linux-musl", Some(&"ab".repeat(32)));
    let output = run(runner
        .command("install")
        .env_remove("JWTSCAN_BIN")
        .env("INPUT_VERSION", "1.2.3")
        .env("JWTSCAN_DOWNLOAD_BASE", format!("file://{}", release.path().display())));
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).contains("checksum mismatch"), "{}", stdout(&output));
    assert!(!runner.outputs().contains_key("bin"));
    assert!(!runner.temp.path().join("jwtscan-1.2.3-x86_64-unknown-linux-musl/jwtscan").exists(), "never unpacked");
}

/// A `cargo` that records its arguments and installs a stub where `--root` says.
fn fake_cargo(dir: &Path) -> PathBuf {
    let cargo = dir.join("cargo");
    let script = r#"#!/bin/sh
echo "$@" > "$(dirname "$0")/cargo-args"
while [ $# -gt 0 ]; do
  if [ "$1" = "--root" ]; then root=$2; fi
  shift
done
mkdir -p "$root/bin"
printf '#!/bin/sh\necho "jwtscan from source"\n' > "$root/bin/jwtscan"
chmod +x "$root/bin/jwtscan"
"#;
    std::fs::write(&cargo, script).unwrap();
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    cargo
}

fn path_with(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    std::env::join_paths(paths).unwrap()
}

#[test]
fn a_local_action_with_no_release_ref_builds_its_source_with_cargo_locked() {
    let runner = Runner::new();
    let tools = tempfile::tempdir().unwrap();
    fake_cargo(tools.path());
    let output = run(runner
        .command("install")
        .env_remove("JWTSCAN_BIN")
        .env("PATH", path_with(tools.path()))
        .env("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR")));
    assert_eq!(output.status.code(), Some(0));
    let args = std::fs::read_to_string(tools.path().join("cargo-args")).unwrap();
    let root = runner.temp.path().join("jwtscan-source");
    assert_eq!(
        args.trim(),
        format!("install --locked --path {} --root {}", env!("CARGO_MANIFEST_DIR"), root.display())
    );
    assert_eq!(PathBuf::from(&runner.outputs()["bin"]), root.join("bin/jwtscan"));
}

#[test]
fn a_runner_without_a_release_binary_builds_from_source() {
    let runner = Runner::new();
    let tools = tempfile::tempdir().unwrap();
    fake_cargo(tools.path());
    let output = run(runner
        .command("install")
        .env_remove("JWTSCAN_BIN")
        .env("INPUT_VERSION", "1.2.3")
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "ARM")
        .env("PATH", path_with(tools.path())));
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("jwtscan from source"));
}

#[test]
fn a_version_that_could_escape_the_url_is_refused() {
    let runner = Runner::new();
    let output = run(runner.command("install").env_remove("JWTSCAN_BIN").env("INPUT_VERSION", "1.0/../../evil"));
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).contains("version must look like 1.2.3"));
}

#[test]
fn a_release_tag_ref_downloads_that_release_without_a_version_input() {
    let runner = Runner::new();
    let release = tempfile::tempdir().unwrap();
    fake_release(release.path(), "0.4.2", "x86_64-unknown-linux-musl", None);
    let output = run(runner
        .command("install")
        .env_remove("JWTSCAN_BIN")
        .env("JWTSCAN_ACTION_REF", "v0.4.2")
        .env("JWTSCAN_DOWNLOAD_BASE", format!("file://{}", release.path().display())));
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("jwtscan 0.4.2 (release)"), "{}", stdout(&output));
}

/// An action checkout whose Cargo.toml names `version`, as a commit of a release tag holds.
fn action_source(version: &str) -> tempfile::TempDir {
    let source = tempfile::tempdir().unwrap();
    std::fs::write(
        source.path().join("Cargo.toml"),
        format!("[package]\nname = \"jwtscan\"\nversion = \"{version}\"\nedition = \"2024\"\n"),
    )
    .unwrap();
    source
}

#[test]
fn a_commit_sha_ref_downloads_the_release_its_cargo_toml_names() {
    let runner = Runner::new();
    let release = tempfile::tempdir().unwrap();
    fake_release(release.path(), "0.5.0", "x86_64-unknown-linux-musl", None);
    let source = action_source("0.5.0");
    let output = run(runner
        .command("install")
        .env_remove("JWTSCAN_BIN")
        .env("JWTSCAN_ACTION_REF", "0123456789abcdef0123456789abcdef01234567")
        .env("GITHUB_ACTION_PATH", source.path())
        .env("JWTSCAN_DOWNLOAD_BASE", format!("file://{}", release.path().display())));
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("jwtscan 0.5.0 (release)"), "{}", stdout(&output));
}

#[test]
fn the_version_input_overrides_the_release_of_the_ref() {
    let runner = Runner::new();
    let release = tempfile::tempdir().unwrap();
    fake_release(release.path(), "0.3.0", "x86_64-unknown-linux-musl", None);
    let output = run(runner
        .command("install")
        .env_remove("JWTSCAN_BIN")
        .env("JWTSCAN_ACTION_REF", "v0.4.2")
        .env("INPUT_VERSION", "0.3.0")
        .env("JWTSCAN_DOWNLOAD_BASE", format!("file://{}", release.path().display())));
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("jwtscan 0.3.0 (release)"), "{}", stdout(&output));
}

#[test]
fn a_ref_whose_release_has_no_binary_falls_back_to_cargo_with_a_warning() {
    let runner = Runner::new();
    let empty_release = tempfile::tempdir().unwrap();
    let tools = tempfile::tempdir().unwrap();
    fake_cargo(tools.path());
    let output = run(runner
        .command("install")
        .env_remove("JWTSCAN_BIN")
        .env("JWTSCAN_ACTION_REF", "v9.9.9")
        .env("PATH", path_with(tools.path()))
        .env("JWTSCAN_DOWNLOAD_BASE", format!("file://{}", empty_release.path().display())));
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.contains("::warning title=jwtscan action::no jwtscan 9.9.9 release binary"), "{text}");
    assert!(text.contains("jwtscan from source"), "{text}");
}

#[test]
fn an_explicit_version_that_cannot_be_downloaded_fails_instead_of_building_something_else() {
    let runner = Runner::new();
    let empty_release = tempfile::tempdir().unwrap();
    let tools = tempfile::tempdir().unwrap();
    fake_cargo(tools.path());
    let output = run(runner
        .command("install")
        .env_remove("JWTSCAN_BIN")
        .env("INPUT_VERSION", "9.9.9")
        .env("PATH", path_with(tools.path()))
        .env("JWTSCAN_DOWNLOAD_BASE", format!("file://{}", empty_release.path().display())));
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).contains("cannot download jwtscan 9.9.9"), "{}", stdout(&output));
    assert!(!tools.path().join("cargo-args").exists(), "cargo must not run");
}

/// Unsigned tokens, told apart by their `sub`.
fn token(sub: u8) -> String {
    let payload = ["eyJzdWIiOiIxIn0", "eyJzdWIiOiIyIn0", "eyJzdWIiOiIzIn0"][usize::from(sub - 1)];
    format!("eyJhbGciOiJub25lIn0.{payload}.")
}

const ZEROS: &str = "0000000000000000000000000000000000000000";

impl Runner {
    fn git(&self, args: &[&str]) -> String {
        let output = Command::new("git")
            .args(["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(self.workspace.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.temp.path())
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .output()
            .unwrap();
        assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap().trim().to_string()
    }

    /// A repository in the workspace: `main.env` on `main` holds token 1.
    fn repository() -> (Self, String) {
        let runner = Runner::new();
        runner.git(&["-c", "init.defaultBranch=main", "init", "-q", "."]);
        runner.write("main.env", &format!("T={}\n", token(1)));
        runner.commit("main");
        let head = runner.head();
        (runner, head)
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
    }

    fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"])
    }

    /// `run` in history mode for an event; the SARIF result paths, sorted.
    fn scan_history(&self, event: &str, vars: &[(&str, &str)]) -> (Output, Vec<String>) {
        let mut cmd = self.command("run");
        cmd.env("INPUT_MODE", "git").env("GITHUB_EVENT_NAME", event).env("GITHUB_REPOSITORY", "jwtscan/jwtscan");
        for (key, value) in vars {
            cmd.env(key, value);
        }
        let output = run(&mut cmd);
        let mut paths = Vec::new();
        if let Some(sarif) = self.outputs().get("sarif").filter(|path| !path.is_empty()) {
            let log: Value = serde_json::from_slice(&std::fs::read(sarif).unwrap()).unwrap();
            for result in log["runs"][0]["results"].as_array().unwrap() {
                let uri = &result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
                paths.push(uri.as_str().unwrap().to_string());
            }
        }
        paths.sort();
        paths.dedup();
        (output, paths)
    }
}

#[test]
fn a_pull_request_scans_its_base_to_head_commits_only() {
    let (runner, base) = Runner::repository();
    runner.git(&["checkout", "-q", "-b", "feature"]);
    runner.write("feature.env", &format!("T={}\n", token(2)));
    runner.commit("feature");
    let head = runner.head();
    let (output, paths) = runner.scan_history(
        "pull_request",
        &[("JWTSCAN_EVENT_BASE", &base), ("JWTSCAN_EVENT_HEAD", &head), ("JWTSCAN_EVENT_HEAD_REPO", "jwtscan/jwtscan")],
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(paths, ["feature.env"], "the base branch's token is not the pull request's");
    assert_eq!(runner.outputs()["exit-code"], "1");
}

#[test]
fn a_push_scans_the_commits_between_before_and_after() {
    let (runner, before) = Runner::repository();
    runner.write("second.env", &format!("T={}\n", token(2)));
    runner.commit("second");
    runner.write("third.env", &format!("T={}\n", token(3)));
    runner.commit("third");
    let after = runner.head();
    let (output, paths) = runner.scan_history(
        "push",
        &[("JWTSCAN_EVENT_BEFORE", &before), ("JWTSCAN_EVENT_AFTER", &after), ("GITHUB_REF", "refs/heads/main")],
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(paths, ["second.env", "third.env"]);
}

#[test]
fn the_first_push_of_a_branch_scans_the_commits_no_other_branch_has() {
    let (runner, _) = Runner::repository();
    runner.git(&["checkout", "-q", "-b", "feature"]);
    runner.write("feature.env", &format!("T={}\n", token(2)));
    runner.commit("feature");
    let after = runner.head();
    // As actions/checkout leaves it: the pushed branch also as a remote-tracking branch.
    runner.git(&["update-ref", "refs/remotes/origin/feature", &after]);
    let (output, paths) = runner.scan_history(
        "push",
        &[("JWTSCAN_EVENT_BEFORE", ZEROS), ("JWTSCAN_EVENT_AFTER", &after), ("GITHUB_REF", "refs/heads/feature")],
    );
    assert_eq!(output.status.code(), Some(0), "an all-zero before is not an error");
    assert_eq!(paths, ["feature.env"], "main's commits are not the new branch's");
    assert!(stdout(&output).contains("::notice title=jwtscan action::new refs/heads/feature"));
}

#[test]
fn the_first_push_of_a_repository_scans_all_of_it() {
    let (runner, after) = Runner::repository();
    let (output, paths) = runner.scan_history(
        "push",
        &[("JWTSCAN_EVENT_BEFORE", ZEROS), ("JWTSCAN_EVENT_AFTER", &after), ("GITHUB_REF", "refs/heads/main")],
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(paths, ["main.env"]);
}

#[test]
fn a_push_that_deletes_a_branch_scans_nothing_and_passes() {
    let (runner, before) = Runner::repository();
    let (output, paths) = runner.scan_history(
        "push",
        &[("JWTSCAN_EVENT_BEFORE", &before), ("JWTSCAN_EVENT_AFTER", ZEROS), ("GITHUB_REF", "refs/heads/gone")],
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(paths.is_empty());
    let outputs = runner.outputs();
    assert_eq!((outputs["findings"].as_str(), outputs["exit-code"].as_str()), ("0", "0"));
    assert_eq!(outputs["upload"], "false");
}

#[test]
fn a_pull_request_whose_base_is_not_fetched_asks_for_fetch_depth_0() {
    let (runner, head) = Runner::repository();
    let missing = "1111111111111111111111111111111111111111";
    let (output, _) =
        runner.scan_history("pull_request", &[("JWTSCAN_EVENT_BASE", missing), ("JWTSCAN_EVENT_HEAD", &head)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).contains("fetch-depth: 0"), "{}", stdout(&output));
}

#[test]
fn event_values_that_are_not_commit_ids_are_refused() {
    let (runner, head) = Runner::repository();
    let (output, _) = runner
        .scan_history("pull_request", &[("JWTSCAN_EVENT_BASE", "--output=/tmp/x"), ("JWTSCAN_EVENT_HEAD", &head)]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn sarif_is_uploaded_for_a_pull_request_from_the_same_repository() {
    let runner = Runner::with_token();
    let output = run(runner
        .command("run")
        .env("INPUT_SARIF", "true")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_REPOSITORY", "jwtscan/jwtscan")
        .env("JWTSCAN_EVENT_HEAD_REPO", "jwtscan/jwtscan"));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(runner.outputs()["upload"], "true");
    assert_eq!(runner.outputs()["exit-code"], "1", "the upload comes before the verdict");
}

#[test]
fn sarif_upload_is_skipped_with_a_notice_for_a_pull_request_from_a_fork() {
    let runner = Runner::with_token();
    let output = run(runner
        .command("run")
        .env("INPUT_SARIF", "true")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_REPOSITORY", "jwtscan/jwtscan")
        .env("JWTSCAN_EVENT_HEAD_REPO", "someone/jwtscan"));
    assert_eq!(output.status.code(), Some(0));
    let outputs = runner.outputs();
    assert_eq!(outputs["upload"], "false");
    assert_eq!(outputs["exit-code"], "1", "the verdict stands");
    assert!(stdout(&output).contains("::notice title=jwtscan action::pull request from the fork someone/jwtscan"));
}

#[test]
fn sarif_is_not_uploaded_unless_asked() {
    let runner = Runner::with_token();
    run(&mut runner.command("run"));
    assert_eq!(runner.outputs()["upload"], "false");
}

#[test]
fn an_unknown_mode_is_a_usage_error() {
    let runner = Runner::with_token();
    let output = run(runner.command("run").env("INPUT_MODE", "history"));
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).contains("mode must be scan or git"));
}

/// The script reads the event only through the variables action.yml maps, and the upload step
/// sits between the scan and the verdict: pin both, as no test can run action.yml itself.
#[test]
fn action_yml_maps_the_event_and_uploads_before_the_verdict() {
    let action = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml")).unwrap();
    for mapping in [
        "JWTSCAN_ACTION_REF: ${{ github.action_ref }}",
        "JWTSCAN_EVENT_BASE: ${{ github.event.pull_request.base.sha }}",
        "JWTSCAN_EVENT_HEAD: ${{ github.event.pull_request.head.sha }}",
        "JWTSCAN_EVENT_HEAD_REPO: ${{ github.event.pull_request.head.repo.full_name }}",
        "JWTSCAN_EVENT_BEFORE: ${{ github.event.before }}",
        "JWTSCAN_EVENT_AFTER: ${{ github.event.after }}",
        "INPUT_MODE: ${{ inputs.mode }}",
        "INPUT_SARIF: ${{ inputs.sarif }}",
        "if: steps.run.outputs.upload == 'true'",
    ] {
        assert!(action.contains(mapping), "action.yml lacks `{mapping}`");
    }
    let upload = action.find("upload-sarif@").unwrap();
    assert!(action.find("action.sh\" run").unwrap() < upload && upload < action.find("action.sh\" finish").unwrap());
    for line in action.lines().filter(|line| line.contains("uses:")) {
        let reference = line.split('@').nth(1).unwrap_or_default();
        assert!(reference.len() >= 40 && reference[..40].bytes().all(|b| b.is_ascii_hexdigit()), "not pinned: {line}");
    }
}
