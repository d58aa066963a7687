//! The `.gitignore` reader of the gate check (`gate::covering_lines`): arbitrary bytes as the old
//! and new versions of a `.gitignore` in a pull request. It must never panic, and a line it names
//! must be one the new version adds.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (old, new) = match data.iter().position(|&b| b == 0xff) {
        Some(cut) => (&data[..cut], &data[cut + 1..]),
        None => (&[][..], data),
    };
    let files: Vec<String> = ["a.env", "src/main.rs", "target/x/y", ".env", "docs/a b.md"].map(String::from).to_vec();
    for line in jwtscan::gate::covering_lines(old, new, &files) {
        let new_text = String::from_utf8_lossy(new);
        assert!(new_text.contains(line.as_str()), "{line:?} is not in the new text");
    }
});
