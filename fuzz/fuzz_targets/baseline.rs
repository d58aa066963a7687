//! The baseline reader: arbitrary bytes as `--baseline FILE`. It must never panic, and every
//! error must name the file.
#![no_main]

use std::path::PathBuf;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

static PATH: LazyLock<PathBuf> =
    LazyLock::new(|| std::env::temp_dir().join(format!("jwtscan-fuzz-{}.json", std::process::id())));

fuzz_target!(|data: &[u8]| {
    std::fs::write(&*PATH, data).expect("temp dir is writable");
    if let Err(err) = jwtscan::baseline::load(&PATH) {
        let message = format!("{err:#}");
        assert!(message.contains(&*PATH.to_string_lossy()), "error does not name the file: {message}");
    }
});
