//! The whole per-buffer pipeline (find → decode → rules → findings). Scanning the bytes in memory
//! and streaming them through the windowed reader must agree, positions must be sane, the
//! findings must serialize, and no finding may carry a whole token (the default redacts).
#![no_main]

use std::sync::{Arc, LazyLock};

use jwtscan::config::Settings;
use jwtscan::collect::Collector;
use jwtscan::pipeline::Scanner;
use libfuzzer_sys::fuzz_target;

static SETTINGS: LazyLock<Settings> = LazyLock::new(Settings::default);

fuzz_target!(|data: &[u8]| {
    let path: Arc<str> = Arc::from("fuzz");
    let mut scanner = Scanner::new(&SETTINGS);
    let mut whole = Collector::default();
    let from = jwtscan::provenance::Provenance::file(path);
    scanner.scan_bytes(&from, data, &mut whole);
    let mut streamed = Collector::default();
    scanner.scan_reader(&from, data, &mut streamed).expect("reading a slice cannot fail");
    assert_eq!(whole.findings_in_memory(), streamed.findings_in_memory());
    assert_eq!(whole.tokens, streamed.tokens);

    let lines = 1 + newlines(data) as u64;
    for finding in whole.findings_in_memory() {
        assert!(finding.line >= 1 && finding.column >= 1, "{finding:?}");
        assert!((finding.end_line, finding.end_column) > (finding.line, finding.column), "{finding:?}");
        assert!(finding.end_line <= lines, "{finding:?}");
    }
    let text = debug_text(whole.findings_in_memory());
    let mut candidates = Vec::new();
    jwtscan::find::find_tokens(data, &mut candidates);
    for candidate in &candidates {
        let compact = candidate.compact(data);
        if !compact.ends_with("..") {
            assert!(!text.contains(compact), "a finding holds the whole token {compact}");
        }
    }
});

fn newlines(data: &[u8]) -> usize {
    data.iter().filter(|&&b| b == b'\n').count()
}

fn debug_text(findings: &[jwtscan::finding::Finding]) -> String {
    let mut text = String::new();
    for finding in findings {
        text.push_str(&format!("{finding:?}\n"));
    }
    text
}
