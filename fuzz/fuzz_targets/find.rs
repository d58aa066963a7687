//! The finder over arbitrary bytes: it never panics, and every candidate is an in-bounds span,
//! in position order, whose text decodes as a token (the finder's documented promise).
#![no_main]

use jwtscan::find::find_tokens;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut candidates = Vec::new();
    find_tokens(data, &mut candidates);
    let mut previous = 0;
    for candidate in &candidates {
        assert!(candidate.start <= candidate.end && candidate.end <= data.len(), "{candidate:?} out of bounds");
        assert!(candidate.start >= previous, "candidates out of order");
        previous = candidate.start;
        assert!(jwtscan::token::decode(candidate.compact(data)).is_some(), "{candidate:?} does not decode");
    }
});
