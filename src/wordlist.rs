//! Candidate HMAC secrets read from lists: the built-in `rules/weak-secrets.txt` and the
//! `--wordlist` files, streamed in bounded chunks. Config checks the files before the walk; the
//! forgery rules read them after it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

static WEAK_SECRETS: &[u8] = include_bytes!("../rules/weak-secrets.txt");

/// Wordlists are read in chunks of about this size, so a list of any length fits in memory.
const WORDLIST_CHUNK: usize = 4 << 20;

/// The built-in list, one secret a line; the first line is the empty secret.
pub fn weak_secrets() -> &'static [&'static [u8]] {
    static LIST: LazyLock<Vec<&'static [u8]>> = LazyLock::new(|| {
        let text = WEAK_SECRETS.strip_suffix(b"\n").unwrap_or(WEAK_SECRETS);
        text.split(|&b| b == b'\n').collect()
    });
    &LIST
}

/// How many of the built-in list's first entries (the commonest weak secrets) are tried on every
/// token before anything else.
pub const WEAK_HEAD: usize = 1_024;

/// The built-in list's first `WEAK_HEAD` entries.
pub fn weak_head() -> &'static [&'static [u8]] {
    let list = weak_secrets();
    &list[..list.len().min(WEAK_HEAD)]
}

/// A missing or unreadable wordlist is a usage error, found before the walk starts.
pub fn check_wordlists(paths: &[PathBuf]) -> anyhow::Result<()> {
    for path in paths {
        let metadata = std::fs::File::open(path)
            .and_then(|file| file.metadata())
            .map_err(|err| anyhow::anyhow!("cannot read wordlist {}: {err}", path.display()))?;
        if !metadata.is_file() {
            anyhow::bail!("wordlist {} is not a file", path.display());
        }
    }
    Ok(())
}

/// Feeds the non-empty lines of a wordlist to `each`, `WORDLIST_CHUNK` bytes at a time (CR
/// stripped); stops early when `each` returns false. A line longer than a chunk is skipped.
pub(crate) fn stream_wordlist(path: &Path, each: &mut dyn FnMut(&[&[u8]]) -> bool) -> std::io::Result<()> {
    let mut file = std::fs::File::open(path)?;
    let mut buf: Vec<u8> = Vec::with_capacity(WORDLIST_CHUNK);
    let mut skipping_long_line = false;
    loop {
        let filled = buf.len();
        let read = (&mut file).take((WORDLIST_CHUNK - filled) as u64).read_to_end(&mut buf)?;
        let at_end = read == 0 || buf.len() < WORDLIST_CHUNK;
        let complete = if at_end { buf.len() } else { memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1) };
        if complete == 0 && !at_end {
            // No line break in a whole chunk: drop it and the rest of that line.
            buf.clear();
            skipping_long_line = true;
            continue;
        }
        let mut lines: Vec<&[u8]> = buf[..complete]
            .split(|&b| b == b'\n')
            .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
            .filter(|line| !line.is_empty())
            .collect();
        if skipping_long_line && !lines.is_empty() {
            lines.remove(0);
        }
        skipping_long_line = false;
        if !lines.is_empty() && !each(&lines) {
            return Ok(());
        }
        if at_end {
            return Ok(());
        }
        buf.drain(..complete);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_list_keeps_the_empty_secret_and_has_no_carriage_returns() {
        let list = weak_secrets();
        assert_eq!(list[0], b"");
        assert!(list.len() > 100_000);
        assert!(list.iter().all(|secret| !secret.contains(&b'\r')));
        assert!(list.contains(&b"your-256-bit-secret".as_slice()));
    }

    #[test]
    fn wordlists_stream_in_chunks_without_empty_lines_or_carriage_returns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("list.txt");
        let mut text = String::new();
        for i in 0..400_000 {
            text.push_str(&format!("word{i}\r\n"));
            if i % 1000 == 0 {
                text.push('\n');
            }
        }
        text.push_str("last-without-newline");
        std::fs::write(&path, &text).unwrap();
        let (mut chunks, mut lines, mut last) = (0, 0, Vec::new());
        stream_wordlist(&path, &mut |chunk| {
            chunks += 1;
            lines += chunk.len();
            assert!(chunk.iter().all(|line| !line.is_empty() && !line.ends_with(b"\r")));
            last = chunk[chunk.len() - 1].to_vec();
            true
        })
        .unwrap();
        assert!(chunks > 1);
        assert_eq!(lines, 400_001);
        assert_eq!(last, b"last-without-newline");
    }
}
