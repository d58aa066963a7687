//! Past the findings memory budget, findings go to sorted runs in a temporary file and are merged
//! back for the report: every format must read byte for byte as when they all stay in memory.

use crate::cli::util::{Fixture, NOW, hs256, signed_hs256, unsigned, unsigned_other, without_timing};

/// HS256 signed with `secret`, which the built-in list holds: the cross-file pass adds a
/// `weak-secret` finding after the walk.
fn weak_hs256(sub: &str) -> String {
    signed_hs256(r#"{"alg":"HS256","typ":"JWT"}"#, &format!(r#"{{"sub":"{sub}"}}"#), b"secret")
}

#[test]
fn every_format_reads_the_same_whether_findings_spill_to_disk_or_stay_in_memory() {
    let fixture = Fixture::new();
    let mut many = String::new();
    for i in 0..30 {
        // Several tokens on one line, the same token again, a weak one: ties on path and line.
        many.push_str(&format!("{} {} {}\n", unsigned(), hs256(), weak_hs256(&format!("user-{i}"))));
    }
    fixture
        .write("logs/many.log", &many)
        .write("a.env", format!("TOKEN={}\n", unsigned_other()))
        .write("tests/login_test.py", format!("TOKEN = \"{}\"\n", weak_hs256("test")))
        .write("src/z.js", format!("const t = \"{}\";\n", weak_hs256("z")));
    // Failing occurrences (listed most severe first, one pass per severity), the others per file
    // or in full, per-rule statistics.
    let option_sets: [&[&str]; 3] =
        [&["--fail-on", "never", "--verbose"], &["--fail-on", "medium", "--statistics"], &["--fail-on", "low"]];
    for options in option_sets {
        for format in ["json", "text", "sarif", "github"] {
            let run = |budget: &str| {
                let output = fixture
                    .cmd()
                    .args(["scan", "--format", format, "--now", NOW, "--threads", "2"])
                    .args(options)
                    .arg(".")
                    .env("JWTSCAN_FINDINGS_BUDGET", budget)
                    .env_remove("GITHUB_STEP_SUMMARY")
                    .output()
                    .expect("run jwtscan");
                assert!(
                    output.status.code().is_some_and(|code| code < 2),
                    "{format}: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
                (
                    output.status.code(),
                    without_timing(&output.stdout),
                    String::from_utf8_lossy(&output.stderr).into_owned(),
                )
            };
            let in_memory = run("1000000000");
            // A budget of 0 bytes writes every finding to disk as it comes.
            let spilled = run("0");
            // GitHub annotations stop at 10 errors: the rest is counted in one notice.
            let shown = match (format, options[1]) {
                ("github", _) => 4,
                ("text", "never") => 30,
                ("text", _) => 1,
                _ => 30,
            };
            assert!(in_memory.1.matches("weak-secret").count() >= shown, "{format} {options:?}: {}", in_memory.1);
            assert_eq!(spilled, in_memory, "{format} {options:?}");
        }
    }
}
