//! The time and duration parsers behind `--now` and `max_lifetime`, and the formatters that show
//! claim times: none may panic on any text or any i64.
#![no_main]

use jwtscan::time::{format_duration, format_time, parse_duration, parse_time};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(seconds) = parse_time(&text) {
        format_time(seconds);
    }
    if let Some(seconds) = parse_duration(&text) {
        assert!(seconds > 0);
        format_duration(seconds);
    }
    if let Some(bytes) = data.get(..8) {
        let seconds = i64::from_le_bytes(bytes.try_into().expect("eight bytes"));
        format_time(seconds);
        format_duration(seconds);
    }
});
