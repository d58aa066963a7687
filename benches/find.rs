//! Throughput of `find_tokens` against a plain `memmem("eyJ")` pass (what `rg -c eyJ` does), so a
//! slowdown of the finder on token-free input shows up as a ratio, not a guess.
//!
//! `cargo bench --bench find` uses generated inputs; `cargo bench --bench find -- FILE...` measures
//! the given files instead (put them in /dev/shm to keep the disk out of it).
//! `FIND_BENCH_ONLY=find|memmem|none` runs one side only, for `perf stat -e task-clock`.

use std::hint::black_box;
use std::time::Instant;

use jwtscan::find::{Candidate, find_tokens};

const TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

const RUNS: usize = 15;

const SOURCE: &str = r#"    /// Returns the key for `name`, or a default key when the map has none.
    pub fn key_for(&self, name: &str) -> Result<Key, Error> {
        let entry = self.entries.get(name).ok_or_else(|| Error::Missing(name.to_string()))?;
        if entry.expires_at < now() { return Err(Error::Expired { name: name.into(), at: entry.expires_at }); }
        // They say every framework eventually grows a config loader; this is ours.
        Ok(Key { id: entry.id, bytes: base64::decode(&entry.value).map_err(Error::Decode)? })
    }
"#;

fn main() {
    // CPU time (`perf stat -e task-clock`) of one side is steadier than wall time on a shared machine.
    let only = std::env::var("FIND_BENCH_ONLY").ok();
    let only = only.as_deref();
    let args: Vec<String> = std::env::args().skip(1).filter(|arg| !arg.starts_with("--")).collect();
    let inputs: Vec<(String, Vec<u8>)> = if args.is_empty() {
        vec![
            ("(a) 100 MB source text, no eyJ".into(), clean()),
            ("(b) source text, a token per 64 KB".into(), typical()),
        ]
    } else {
        args.iter().map(|path| (path.clone(), std::fs::read(path).expect("readable input"))).collect()
    };
    for (name, buf) in &inputs {
        let mb = buf.len() as f64 / 1e6;
        let eyj = memchr::memmem::Finder::new(b"eyJ");
        let mut out: Vec<Candidate> = Vec::new();
        let (mut baseline, mut finder, mut hits, mut found) = (f64::MAX, f64::MAX, 0, 0);
        // Interleaved, best of many: the figures must survive a machine shared with other jobs.
        for _ in 0..RUNS {
            if matches!(only, None | Some("memmem")) {
                let (time, count) = timed(|| eyj.find_iter(buf).count());
                (baseline, hits) = (baseline.min(time), count);
            }
            if matches!(only, None | Some("find")) {
                let (time, count) = timed(|| {
                    out.clear();
                    find_tokens(buf, &mut out);
                    out.len()
                });
                (finder, found) = (finder.min(time), count);
            }
        }
        println!("{name}: {mb:.0} MB");
        println!("  memmem eyJ   {:7.0} MB/s  ({hits} hits)", mb / baseline);
        println!(
            "  find_tokens  {:7.0} MB/s  ({found} tokens)  {:.2}x the memmem time",
            mb / finder,
            finder / baseline
        );
    }
}

fn timed(f: impl FnOnce() -> usize) -> (f64, usize) {
    let start = Instant::now();
    let result = black_box(f());
    (start.elapsed().as_secs_f64(), result)
}

fn clean() -> Vec<u8> {
    SOURCE.as_bytes().iter().copied().cycle().take(100_000_000).collect()
}

fn typical() -> Vec<u8> {
    let mut buf = Vec::with_capacity(100_100_000);
    while buf.len() < 100_000_000 {
        while buf.len() % 65_536 > 1_000 {
            buf.extend_from_slice(SOURCE.as_bytes());
        }
        buf.extend_from_slice(format!("    const TOKEN: &str = \"{TOKEN}\";\n").as_bytes());
        buf.extend_from_slice(SOURCE.as_bytes());
    }
    buf
}
