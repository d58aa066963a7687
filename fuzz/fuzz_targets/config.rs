//! The config parser: arbitrary bytes as `--config FILE`. It must never panic, and every error
//! must name the file (docs/report-format.md: a bad config "is an error (exit 2) that names the
//! key and the file") and quote no token or control character.
#![no_main]

use std::path::PathBuf;
use std::sync::LazyLock;

use jwtscan::cli::ScanOptions;
use libfuzzer_sys::fuzz_target;

/// Issue 17: an error quotes no token found in the input and no control character that could
/// drive the terminal or the Actions runner.
fn assert_safe(data: &[u8], message: &str) {
    let hostile = |c: char| (c.is_control() && c != '\n') || ('\u{202a}'..='\u{202e}').contains(&c);
    assert!(!message.chars().any(hostile), "{message:?}");
    let mut tokens = Vec::new();
    jwtscan::find::find_tokens(data, &mut tokens);
    for token in &tokens {
        let compact = token.compact(data);
        assert!(compact.is_empty() || !message.contains(compact), "error quotes a token: {message}");
    }
}

static PATH: LazyLock<PathBuf> =
    LazyLock::new(|| std::env::temp_dir().join(format!("jwtscan-fuzz-{}.toml", std::process::id())));

fuzz_target!(|data: &[u8]| {
    std::fs::write(&*PATH, data).expect("temp dir is writable");
    let options = ScanOptions { config: Some(PATH.clone()), ..ScanOptions::default() };
    if let Err(err) = jwtscan::config::resolve(&[], &options) {
        let message = format!("{err:#}");
        assert!(message.contains(&*PATH.to_string_lossy()), "error does not name the file: {message}");
        assert_safe(data, &message);
    }
});
