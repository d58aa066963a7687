//! The config parser: arbitrary bytes as `--config FILE`. It must never panic, and every error
//! must name the file (docs/report-format.md: a bad config "is an error (exit 2) that names the key and the file").
#![no_main]

use std::path::PathBuf;
use std::sync::LazyLock;

use jwtscan::cli::ScanOptions;
use libfuzzer_sys::fuzz_target;

static PATH: LazyLock<PathBuf> =
    LazyLock::new(|| std::env::temp_dir().join(format!("jwtscan-fuzz-{}.toml", std::process::id())));

fuzz_target!(|data: &[u8]| {
    std::fs::write(&*PATH, data).expect("temp dir is writable");
    let options = ScanOptions { config: Some(PATH.clone()), ..ScanOptions::default() };
    if let Err(err) = jwtscan::config::resolve(&[], &options) {
        let message = format!("{err:#}");
        assert!(message.contains(&*PATH.to_string_lossy()), "error does not name the file: {message}");
    }
});
