//! `rules/contexts.toml`, parsed once: path conventions, reserved example names and the markers
//! of documentation comments. A malformed file is a test failure, never a run-time error.

use std::sync::LazyLock;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use super::Context;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    path: Vec<PathClassText>,
    test_marker: Vec<TestMarker>,
    reserved_names: ReservedNames,
    doc_comments: DocComments,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PathClassText {
    context: Context,
    dirs: Vec<String>,
    #[serde(default)]
    root_dirs: Vec<String>,
    words: Vec<String>,
    files: Vec<String>,
}

/// Text after which the rest of a file of these extensions is test code (`#[cfg(test)]`).
#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TestMarker {
    pub extensions: Vec<String>,
    pub marker: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct ReservedNames {
    pub domains: Vec<String>,
    pub tlds: Vec<String>,
    pub hosts: Vec<String>,
    pub prefixes: Vec<String>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct DocComments {
    pub line: Vec<String>,
    pub block: Vec<(String, String)>,
    pub docstring: Vec<String>,
}

pub struct PathClass {
    pub context: Context,
    /// Lowercased folder names.
    pub dirs: Vec<String>,
    /// Lowercased folder names that count only as the first folder of a path (`data/` at the top
    /// of the scanned tree), where a package's own `data/` below it may ship.
    pub root_dirs: Vec<String>,
    /// Lowercased words of file names.
    pub words: Vec<String>,
    pub files: GlobSet,
    /// The glob texts, in `files` order, to name the one that matched.
    pub file_patterns: Vec<String>,
}

pub struct Data {
    pub paths: Vec<PathClass>,
    pub test_markers: Vec<TestMarker>,
    pub reserved: ReservedNames,
    pub doc_comments: DocComments,
}

pub static DATA: LazyLock<Data> = LazyLock::new(|| {
    parse(include_str!("../../rules/contexts.toml")).expect("rules/contexts.toml is checked by a test")
});

fn parse(text: &str) -> Result<Data, String> {
    let file: File = toml::from_str(text).map_err(|err| err.to_string())?;
    let mut paths = Vec::new();
    for class in file.path {
        let mut builder = GlobSetBuilder::new();
        for pattern in &class.files {
            builder.add(Glob::new(pattern).map_err(|err| format!("{pattern}: {err}"))?);
        }
        paths.push(PathClass {
            context: class.context,
            dirs: class.dirs.iter().map(|dir| dir.to_ascii_lowercase()).collect(),
            root_dirs: class.root_dirs.iter().map(|dir| dir.to_ascii_lowercase()).collect(),
            words: class.words.iter().map(|word| word.to_ascii_lowercase()).collect(),
            files: builder.build().map_err(|err| err.to_string())?,
            file_patterns: class.files,
        });
    }
    let mut reserved = file.reserved_names;
    for list in [&mut reserved.domains, &mut reserved.tlds, &mut reserved.hosts, &mut reserved.prefixes] {
        for name in list.iter_mut() {
            *name = name.to_ascii_lowercase();
        }
    }
    Ok(Data { paths, test_markers: file.test_marker, reserved, doc_comments: file.doc_comments })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_data_parses_and_covers_every_context_but_source() {
        let data = parse(include_str!("../../rules/contexts.toml")).unwrap();
        for context in Context::ALL.into_iter().filter(|context| *context != Context::Source) {
            assert!(data.paths.iter().any(|class| class.context == context), "{context} has no path class");
        }
        assert!(data.paths.iter().all(|class| class.context != Context::Source), "source is the default");
        assert!(!data.reserved.domains.is_empty() && !data.doc_comments.line.is_empty());
    }

    #[test]
    fn bad_data_is_an_error() {
        assert!(parse("path = []").is_err());
        let bad_glob = "test_marker = []\n[[path]]\ncontext = \"test\"\ndirs = []\nwords = []\nfiles = [\"a[\"]\n[reserved_names]\ndomains = []\ntlds = []\nhosts = []\nprefixes = []\n[doc_comments]\nline = []\nblock = []\ndocstring = []\n";
        assert!(parse(bad_glob).is_err());
        assert!(parse(&bad_glob.replace("a[", "a")).is_ok());
    }
}
