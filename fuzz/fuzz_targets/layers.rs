//! The decoding layers over arbitrary bytes (as base64, percent, JSON-escaped or compressed text
//! or not): they never panic, every token found decodes, every chain stays within the depth, and
//! spans are in bounds.
#![no_main]

use jwtscan::find::layers::{DEFAULT_MAX_DEPTH, search_layers};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (found, _) = search_layers(data, DEFAULT_MAX_DEPTH);
    for token in &found {
        assert!(token.start <= token.end && token.end <= data.len(), "{token:?} out of bounds");
        assert!(token.encoding.len() <= usize::from(DEFAULT_MAX_DEPTH), "{token:?} deeper than the limit");
        assert!(jwtscan::token::decode(&token.token).is_some(), "{token:?} does not decode");
    }
});
