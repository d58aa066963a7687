//! The JWK detector over arbitrary bytes: no panic, findings sit inside the input, and a
//! private-jwk finding never carries the private member's value (the default redacts it).
#![no_main]

use std::sync::{Arc, LazyLock};

use jwtscan::config::Settings;
use jwtscan::scan::{Collector, Origin};
use libfuzzer_sys::fuzz_target;

static SETTINGS: LazyLock<Settings> = LazyLock::new(Settings::default);

fuzz_target!(|data: &[u8]| {
    let path: Arc<str> = Arc::from("fuzz");
    let mut out = Collector::default();
    jwtscan::jwk::scan(&SETTINGS, &path, None, data, Origin::START, data.len(), &mut out);
    let lines = 1 + data.iter().filter(|&&b| b == b'\n').count() as u64;
    for finding in &out.findings {
        assert_eq!(finding.rule, "private-jwk");
        assert!(finding.line >= 1 && finding.column >= 1 && finding.end_line <= lines, "{finding:?}");
        assert!(finding.token.contains("[redacted]"), "{finding:?}");
    }
});
