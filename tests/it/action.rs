//! `scripts/action.sh`, the logic of the GitHub Action, run with a fake GitHub environment: the
//! outputs it writes to GITHUB_OUTPUT, its exit statuses, and how it installs jwtscan.
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
    assert!(summary.contains("| critical | alg-none | config/dev.env:1:7 |"), "{summary}");
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
fn install_without_a_version_builds_the_action_source_with_cargo_locked() {
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
