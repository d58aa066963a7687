//! The decoder and the single-token rules. Random text almost never gets past base64, so an
//! input whose first byte is odd is read as segments separated by 0xFF, each base64url-encoded
//! here: the fuzzer then mutates the JSON of the header and claims directly.
#![no_main]

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jwtscan::config::Settings;
use jwtscan::finding::redact_token;
use jwtscan::rules::{self, CheckSettings};
use libfuzzer_sys::fuzz_target;

static SETTINGS: LazyLock<Settings> = LazyLock::new(Settings::default);

fuzz_target!(|data: &[u8]| {
    let compact = match data.split_first() {
        Some((&mode, rest)) if mode & 1 == 1 => {
            rest.split(|&b| b == 0xff).map(|part| URL_SAFE_NO_PAD.encode(part)).collect::<Vec<_>>().join(".")
        }
        _ => String::from_utf8_lossy(data).into_owned(),
    };
    let Some(token) = jwtscan::token::decode(&compact) else { return };
    assert!(compact.starts_with(token.signing_input()));
    assert!(compact.ends_with(token.signature_segment()));
    let ctx = CheckSettings::new(&SETTINGS);
    let mut hits = Vec::new();
    rules::check_token(&token, &ctx, &mut hits);
    for hit in &hits {
        assert!(jwtscan::catalog::meta(hit.rule.as_str()).is_some(), "hit for unknown rule {}", hit.rule.as_str());
        let evidence = format!("{:?}", hit.evidence);
        assert!(!evidence.contains(&compact), "evidence of {} holds the whole token", hit.rule);
    }
    // A header-only token ("h..") has nothing to cut: the header is always shown.
    if !compact.ends_with("..") {
        assert!(!redact_token(&compact).contains(&compact), "redaction kept the whole token");
    }
});
