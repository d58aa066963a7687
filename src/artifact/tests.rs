//! Unit tests of archive expansion: every format, nesting, names that are only names, and the
//! bounds on hostile input.

use std::io::{Cursor, Read};

use super::*;

#[path = "../../tests/support/archives.rs"]
mod archives;
use archives::{bzip2, gzip, tar_entry, tar_of, xz, zip_of, zstd};

#[derive(Default)]
struct Seen {
    leaves: Vec<(String, Vec<u8>)>,
    warnings: Vec<(String, String)>,
}

impl Visitor for Seen {
    fn leaf(&mut self, chain: &[String], head: &[u8], rest: &mut dyn Read) {
        let mut content = head.to_vec();
        if let Err(err) = rest.read_to_end(&mut content) {
            self.warnings.push((chain.join("!"), format!("read error: {err}")));
        }
        self.leaves.push((chain.join("!"), content));
    }

    fn warn(&mut self, chain: &[String], message: &str) {
        self.warnings.push((chain.join("!"), message.to_string()));
    }
}

impl Seen {
    fn chains(&self) -> Vec<&str> {
        self.leaves.iter().map(|(chain, _)| chain.as_str()).collect()
    }

    fn warned(&self, text: &str) -> bool {
        self.warnings.iter().any(|(_, message)| message.contains(text))
    }
}

fn expand_with(bytes: &[u8], name: &str, limits: &Limits) -> (Seen, Outcome) {
    let kind = detect(bytes).expect("an archive");
    let mut seen = Seen::default();
    let budget = Budget::new(limits.run_bytes);
    let outcome = expand(Source::Seekable(&mut Cursor::new(bytes)), kind, name, limits, &budget, &mut seen);
    (seen, outcome)
}

fn expand_all(bytes: &[u8], name: &str) -> Seen {
    let (seen, outcome) = expand_with(bytes, name, &Limits::default());
    assert!(!outcome.incomplete, "{:?}", seen.warnings);
    seen
}

const SECRET: &[u8] = b"TOKEN=eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.\n";

#[test]
fn each_kind_is_told_by_its_magic_bytes_not_its_name() {
    assert_eq!(detect(&zip_of(&[("a", b"x")])), Some(Kind::Zip));
    assert_eq!(detect(&zip_of(&[])), Some(Kind::Zip));
    assert_eq!(detect(&tar_of(&[("a", b"x")])), Some(Kind::Tar));
    assert_eq!(detect(&gzip(b"x")), Some(Kind::Gzip));
    assert_eq!(detect(&bzip2(b"x")), Some(Kind::Bzip2));
    assert_eq!(detect(&bzip2(b"")), Some(Kind::Bzip2));
    assert_eq!(detect(&xz(b"x")), Some(Kind::Xz));
    assert_eq!(detect(&zstd(b"x")), Some(Kind::Zstd));
    for text in [&b"PK is a prefix"[..], b"BZh9 not a block", b"", b"\x1f\x8b", SECRET] {
        assert_eq!(detect(text), None, "{:?}", String::from_utf8_lossy(text));
    }
}

#[test]
fn a_zip_member_is_a_leaf_named_by_its_path_in_the_zip() {
    let seen = expand_all(&zip_of(&[("config/app.env", SECRET), ("dir/", b""), ("README", b"hi")]), "a.zip");
    assert_eq!(seen.chains(), ["config/app.env", "README"]);
    assert_eq!(seen.leaves[0].1, SECRET);
}

#[test]
fn archives_inside_archives_nest_their_names() {
    let inner = zip_of(&[("deep/secret.env", SECRET)]);
    let seen = expand_all(&zip_of(&[("inner.zip", &inner)]), "bundle.zip");
    assert_eq!(seen.chains(), ["inner.zip!deep/secret.env"]);
    let tgz = gzip(&tar_of(&[("etc/app.env", SECRET)]));
    let seen = expand_all(&zip_of(&[("site.tgz", &tgz)]), "bundle.zip");
    assert_eq!(seen.chains(), ["site.tgz!etc/app.env"], "a .tar.gz is one archive");
}

#[test]
fn a_tar_yields_its_files_and_only_names_its_links_dirs_and_whiteouts() {
    let mut tar = tar_entry("../../x", SECRET, b'0', "");
    tar.extend(tar_entry("/etc/abs", b"abs", b'0', ""));
    tar.extend(tar_entry("link", b"", b'2', "../../../etc/passwd"));
    tar.extend(tar_entry("hard", b"", b'1', "../../x"));
    tar.extend(tar_entry("dir/", b"", b'5', ""));
    tar.extend(tar_entry("app/.wh.secret.env", b"", b'0', ""));
    tar.extend(tar_entry("app/.wh..wh..opq", b"", b'0', ""));
    tar.extend_from_slice(&[0u8; 1024]);
    let seen = expand_all(&tar, "layer.tar");
    assert_eq!(seen.chains(), ["../../x", "/etc/abs"]);
    assert_eq!(seen.leaves[0].1, SECRET);
}

#[test]
fn a_compressed_stream_holds_one_member_named_without_its_suffix() {
    for (bytes, name) in [(gzip(SECRET), "app.log.gz"), (bzip2(SECRET), "app.log.bz2"), (xz(SECRET), "app.log.xz")] {
        let seen = expand_all(&bytes, name);
        assert_eq!(seen.chains(), ["app.log"], "{name}");
        assert_eq!(seen.leaves[0].1, SECRET);
    }
    let seen = expand_all(&zstd(SECRET), "dump.sql.zst");
    assert_eq!(seen.chains(), ["dump.sql"]);
    assert_eq!(seen.leaves[0].1, SECRET);
}

#[test]
fn compressed_tars_are_one_archive_whatever_the_compression() {
    let tar = tar_of(&[("app/.env", SECRET)]);
    for (bytes, name) in
        [(gzip(&tar), "a.tgz"), (bzip2(&tar), "a.tar.bz2"), (xz(&tar), "a.txz"), (zstd(&tar), "a.tzst")]
    {
        let seen = expand_all(&bytes, name);
        assert_eq!(seen.chains(), ["app/.env"], "{name}");
    }
}

#[test]
fn a_docker_save_tarball_and_an_oci_blob_show_the_layer_in_the_chain() {
    let layer = tar_of(&[("app/.env", SECRET)]);
    let docker = tar_of(&[
        ("manifest.json", br#"[{"Layers":["abc123/layer.tar"]}]"#),
        ("abc123/layer.tar", &layer),
        ("blobs/sha256/9f86d081", &gzip(&layer)),
    ]);
    let seen = expand_all(&docker, "web.tar");
    assert_eq!(seen.chains(), ["manifest.json", "abc123/layer.tar!app/.env", "blobs/sha256/9f86d081!app/.env"]);
}

#[test]
fn a_zip_bomb_of_one_highly_compressed_entry_stops_at_the_ratio() {
    let bomb = zip_of(&[("zeros.txt", &vec![0u8; 64 << 20])]);
    assert!(bomb.len() < 1 << 20, "{}", bomb.len());
    let (seen, outcome) = expand_with(&bomb, "bomb.zip", &Limits::default());
    assert!(outcome.incomplete);
    assert!(seen.warned("times its compressed size"), "{:?}", seen.warnings);
    assert!(seen.leaves[0].1.len() < 16 << 20, "{}", seen.leaves[0].1.len());
}

/// A zip whose central directory lists `copies` entries, named apart, that all point at one
/// local entry.
fn overlapping_zip(copies: u16) -> Vec<u8> {
    let single = zip_of(&[("a.txt", &vec![b'a'; 1 << 16])]);
    let cd_start = u32::from_le_bytes(single[single.len() - 6..single.len() - 2].try_into().unwrap()) as usize;
    let eocd = single.len() - 22;
    let record = &single[cd_start..eocd];
    let mut out = single[..cd_start].to_vec();
    for copy in 0..copies {
        let mut renamed = record.to_vec();
        renamed[46..51].copy_from_slice(format!("{copy:05}").as_bytes());
        out.extend_from_slice(&renamed);
    }
    let mut end = single[eocd..].to_vec();
    end[8..10].copy_from_slice(&copies.to_le_bytes());
    end[10..12].copy_from_slice(&copies.to_le_bytes());
    end[12..16].copy_from_slice(&(record.len() as u32 * u32::from(copies)).to_le_bytes());
    out.extend_from_slice(&end);
    out
}

#[test]
fn a_zip_whose_entries_overlap_is_refused_as_a_bomb() {
    let (seen, outcome) = expand_with(&overlapping_zip(1_000), "overlap.zip", &Limits::default());
    assert!(outcome.incomplete);
    assert!(seen.warned("entries overlap"), "{:?}", seen.warnings);
    assert!(seen.leaves.is_empty());
}

#[test]
fn archives_past_max_depth_are_scanned_as_raw_bytes_with_a_warning() {
    let mut nested = zip_of(&[("secret.env", SECRET)]);
    for level in 0..5 {
        nested = zip_of(&[(&format!("level{level}.zip"), &nested)]);
    }
    let (seen, outcome) = expand_with(&nested, "outer.zip", &Limits::default());
    assert!(outcome.incomplete);
    assert!(seen.warned("deeper than [archives] max_depth 4"), "{:?}", seen.warnings);
    assert_eq!(seen.chains(), ["level4.zip!level3.zip!level2.zip!level1.zip"]);
    assert_eq!(detect(&seen.leaves[0].1), Some(Kind::Zip));
}

#[test]
fn a_gzip_nested_in_itself_stops_at_the_depth_limit() {
    let mut nested = SECRET.to_vec();
    for _ in 0..50 {
        nested = gzip(&nested);
    }
    let (seen, outcome) = expand_with(&nested, "x.gz", &Limits::default());
    assert!(outcome.incomplete);
    assert_eq!(seen.leaves.len(), 1);
    assert!(seen.warned("deeper than"), "{:?}", seen.warnings);
}

#[test]
fn members_past_the_count_are_not_scanned() {
    let names: Vec<String> = (0..20).map(|i| format!("m{i}")).collect();
    let members: Vec<(&str, &[u8])> = names.iter().map(|name| (name.as_str(), SECRET)).collect();
    let limits = Limits { members: 5, ..Limits::default() };
    for archive in [zip_of(&members), tar_of(&members)] {
        let (seen, outcome) = expand_with(&archive, "many", &limits);
        assert!(outcome.incomplete);
        assert_eq!(seen.leaves.len(), 5);
        assert!(seen.warned("more than 5 members"), "{:?}", seen.warnings);
    }
}

#[test]
fn a_member_past_its_cap_is_scanned_in_part() {
    let limits = Limits { member_bytes: 1_000, ..Limits::default() };
    let (seen, outcome) = expand_with(&tar_of(&[("big.txt", &vec![b'x'; 5_000])]), "a.tar", &limits);
    assert!(outcome.incomplete);
    assert_eq!(seen.leaves[0].1.len(), 1_000);
    assert!(seen.warned("larger than 1000 bytes"), "{:?}", seen.warnings);
}

#[test]
fn the_archive_and_run_byte_bounds_stop_decompression() {
    let members: Vec<(String, Vec<u8>)> = (0..10).map(|i| (format!("m{i}"), vec![b'y'; 100_000])).collect();
    let members: Vec<(&str, &[u8])> = members.iter().map(|(n, c)| (n.as_str(), c.as_slice())).collect();
    let archive = zip_of(&members);
    let per_archive = Limits { archive_bytes: 250_000, ratio: u64::MAX, ..Limits::default() };
    let (seen, outcome) = expand_with(&archive, "a.zip", &per_archive);
    assert!(outcome.incomplete && seen.leaves.len() < 4, "{}", seen.leaves.len());
    assert!(seen.warned("from one archive"), "{:?}", seen.warnings);

    let per_run = Limits { run_bytes: 250_000, ratio: u64::MAX, ..Limits::default() };
    let budget = Budget::new(per_run.run_bytes);
    let mut seen = Seen::default();
    let outcome =
        expand(Source::Seekable(&mut Cursor::new(&archive)), Kind::Zip, "a.zip", &per_run, &budget, &mut seen);
    assert!(outcome.incomplete && seen.warned("spent"), "{:?}", seen.warnings);
    let mut later = Seen::default();
    assert!(
        expand(Source::Seekable(&mut Cursor::new(&archive)), Kind::Zip, "b.zip", &per_run, &budget, &mut later)
            .incomplete
    );
    assert!(later.leaves.is_empty() && later.warned("spent"), "{:?}", later.warnings);
}

#[test]
fn a_huge_gnu_long_name_is_refused_not_read_into_memory() {
    let mut tar = tar_entry("././@LongLink", &vec![b'n'; 4 << 20], b'L', "");
    tar.extend(tar_entry("after", SECRET, b'0', ""));
    let (seen, outcome) = expand_with(&gzip(&tar), "a.tgz", &Limits::default());
    assert!(outcome.incomplete);
    assert!(seen.warned("bytes of headers"), "{:?}", seen.warnings);
}

#[test]
fn truncated_and_corrupted_archives_warn_and_never_panic() {
    let tar = tar_of(&[("a/.env", SECRET), ("b", &[7u8; 3000])]);
    let inner = zip_of(&[("in.txt", SECRET)]);
    let samples =
        [zip_of(&[("a", SECRET), ("b.zip", &inner)]), tar.clone(), gzip(&tar), bzip2(&tar), xz(&tar), zstd(&tar)];
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let (mut found, mut warned) = (0, 0);
    for sample in &samples {
        for cut in (0..sample.len()).step_by(97) {
            let mut bytes = sample[..cut.max(1)].to_vec();
            if bytes.len() > 600 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = 512 + (state as usize % (bytes.len() - 512));
                bytes[at] ^= 0x5a;
            }
            let Some(kind) = detect(&bytes) else { continue };
            let mut seen = Seen::default();
            let budget = Budget::new(1 << 30);
            expand(Source::Seekable(&mut Cursor::new(&bytes)), kind, "x", &Limits::default(), &budget, &mut seen);
            found += seen.leaves.iter().filter(|(_, content)| content == SECRET).count();
            warned += seen.warnings.len();
        }
    }
    assert!(found > 10 && warned > 10, "{found} found, {warned} warnings");
}

#[test]
fn content_that_only_looks_like_an_archive_is_left_to_be_scanned_raw() {
    for fake in [&b"PK\x03\x04 not a zip at all"[..], b"\x1f\x8b\x08 not gzip", b"\x28\xb5\x2f\xfd not zstd"] {
        let (seen, outcome) = expand_with(fake, "fake", &Limits::default());
        assert!(outcome.incomplete && outcome.unopened, "{:?}", seen.warnings);
        assert_eq!(seen.warnings.len(), 1, "{:?}", seen.warnings);
    }
    let (_, outcome) = expand_with(&zip_of(&[("a", SECRET)]), "real.zip", &Limits::default());
    assert!(!outcome.unopened);
}
