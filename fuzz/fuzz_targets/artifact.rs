//! Archive expansion over arbitrary bytes (as zip, tar, gzip, bzip2, xz or zstd, nested or not):
//! it never panics, stays within small bounds, and every leaf chain is within the depth.
#![no_main]

use std::io::{Cursor, Read};

use jwtscan::artifact::{Budget, Limits, Source, Visitor, detect, expand};
use libfuzzer_sys::fuzz_target;

struct Leaves {
    max_depth: usize,
    bytes: u64,
}

impl Visitor for Leaves {
    fn leaf(&mut self, chain: &[String], head: &[u8], rest: &mut dyn Read) {
        assert!(chain.len() <= 2 * self.max_depth, "{chain:?} deeper than the limit allows");
        let mut sink = Vec::new();
        if rest.read_to_end(&mut sink).is_ok() {
            self.bytes += (head.len() + sink.len()) as u64;
        }
    }

    fn warn(&mut self, _chain: &[String], _message: &str) {}
}

fuzz_target!(|data: &[u8]| {
    let Some(kind) = detect(data) else { return };
    let limits = Limits {
        member_bytes: 1 << 20,
        archive_bytes: 8 << 20,
        members: 1_000,
        buffered: 1 << 20,
        run_bytes: 8 << 20,
        ..Limits::default()
    };
    let budget = Budget::new(limits.run_bytes);
    let mut leaves = Leaves { max_depth: usize::from(limits.max_depth), bytes: 0 };
    expand(Source::Seekable(&mut Cursor::new(data)), kind, "fuzz", &limits, &budget, &mut leaves);
    assert!(leaves.bytes <= limits.members * limits.member_bytes);
});
