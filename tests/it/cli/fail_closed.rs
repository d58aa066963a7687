//! `scan` fails closed, as `git` does: what it was given but could not read (a file it cannot
//! open, one over `--max-file-size`) fails the run unless `--allow-incomplete`; a path named on
//! the command line that does not exist is a usage error.

use crate::cli::util::Fixture;

fn code(output: &std::process::Output) -> Option<i32> {
    output.status.code()
}

#[test]
fn a_file_over_max_file_size_fails_the_scan_and_the_summary_says_why() {
    let fixture = Fixture::new();
    fixture.write("big.bin", "x".repeat(4096)).write("small.txt", "nothing here\n");
    let output = fixture.cmd().args(["scan", "--max-file-size", "1K", "."]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(code(&output), Some(1), "{stderr}");
    assert!(stderr.contains("big.bin: skipped"), "the warning names the file: {stderr}");
    assert!(
        stderr.contains("the scan is incomplete: 1 file skipped over --max-file-size")
            && stderr.contains("--allow-incomplete"),
        "{stderr}"
    );
}

#[test]
fn a_named_file_over_max_file_size_fails_too_and_allow_incomplete_accepts_it() {
    let fixture = Fixture::new();
    fixture.write("big.bin", "x".repeat(4096));
    let output = fixture.cmd().args(["scan", "--max-file-size", "1K", "big.bin"]).output().unwrap();
    assert_eq!(code(&output), Some(1));
    let output =
        fixture.cmd().args(["scan", "--max-file-size", "1K", "--allow-incomplete", "big.bin"]).output().unwrap();
    assert_eq!(code(&output), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("incomplete"));
}

#[test]
fn a_named_path_that_does_not_exist_is_a_usage_error() {
    let fixture = Fixture::new();
    fixture.write("here.txt", "nothing\n");
    let output = fixture.cmd().args(["scan", "here.txt", "gone.txt"]).output().unwrap();
    assert_eq!(code(&output), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("gone.txt: no such file or directory"));
}

#[test]
fn a_complete_scan_without_findings_passes() {
    let fixture = Fixture::new();
    fixture.write("a.txt", "nothing\n");
    let output = fixture.cmd().args(["scan", "."]).output().unwrap();
    assert_eq!(code(&output), Some(0));
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// A FIFO holds no committed content: skipping it leaves the scan complete.
#[cfg(unix)]
#[test]
fn a_skipped_fifo_does_not_make_the_scan_incomplete() {
    let fixture = Fixture::new();
    fixture.write("a.txt", "nothing\n");
    let status = std::process::Command::new("mkfifo").arg(fixture.join("pipe")).status().expect("mkfifo runs");
    assert!(status.success());
    let output = fixture.cmd().args(["scan", "."]).output().unwrap();
    assert_eq!(code(&output), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
}
