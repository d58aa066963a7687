//! Where a finding lives and whether it fails the run: the `context` of a finding (source, test,
//! docs, example, vendor, generated) from its path, from published example tokens and keys, from
//! its claims and from the comment around it; issuer profiles that say what a token grants; and
//! the gate that decides, from the context and the policy, which findings fail a run.
//!
//! Everything here is pure and driven by data in `rules/` (embedded at build time, parsed once):
//! `contexts.toml` (path conventions, reserved names, documentation comments), `examples.toml`
//! (published tokens and keys by SHA-256) and `issuers.toml` (issuer profiles).

mod claims;
mod clues;
mod comments;
mod config;
mod data;
mod examples;
mod issuers;
mod paths;
mod policy;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use claims::{looks_real, names_example, reserved_name};
pub use clues::{Clues, StoredClues, Surroundings};
pub use comments::in_doc_comment;
pub use config::{ContextSection, Overrides};
pub use examples::{example_key, example_token};
pub use issuers::{Privilege, Profile, profile_for, profiles};
pub use paths::path_context;
pub use policy::{Action, Policy, Verdict};

/// Where a finding lives. Only `source` fails a run by default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Context {
    #[default]
    Source,
    Test,
    Docs,
    Example,
    Vendor,
    Generated,
}

impl Context {
    pub const ALL: [Context; 6] =
        [Context::Source, Context::Test, Context::Docs, Context::Example, Context::Vendor, Context::Generated];

    pub fn as_str(self) -> &'static str {
        match self {
            Context::Source => "source",
            Context::Test => "test",
            Context::Docs => "docs",
            Context::Example => "example",
            Context::Vendor => "vendor",
            Context::Generated => "generated",
        }
    }

    /// Position in `ALL`, for per-context tables.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Context {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Context::ALL
            .into_iter()
            .find(|context| context.as_str() == s)
            .ok_or_else(|| format!("unknown context `{s}` (expected source, test, docs, example, vendor or generated)"))
    }
}

/// Why a finding got its context; shown as `evidence.context_reason`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Nothing marked it otherwise.
    Default,
    /// A `[context]` glob in the config file.
    Config,
    /// A path convention from `rules/contexts.toml`; the matching component or file name.
    Path(String),
    /// A published example token or key; its source.
    Published(&'static str),
    /// The issuer and audience are reserved example names.
    ExampleClaims,
    /// Inside a documentation comment.
    DocComment,
    /// After a test marker such as `#[cfg(test)]`.
    TestMarker(&'static str),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Default => f.write_str("no test, docs, example, vendor or generated marker"),
            Reason::Config => f.write_str("a [context] glob in the config file"),
            Reason::Path(part) => write!(f, "path convention `{part}`"),
            Reason::Published(source) => write!(f, "published example: {source}"),
            Reason::ExampleClaims => f.write_str("issuer and audience are reserved example names"),
            Reason::DocComment => f.write_str("inside a documentation comment"),
            Reason::TestMarker(marker) => write!(f, "after `{marker}`"),
        }
    }
}

/// A finding's context and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classification {
    pub context: Context,
    pub reason: Reason,
}

/// Decides the context of a finding at `path` (relative to the scanned folder, so folders above
/// it do not count; `config_relative` is relative to the config file's folder, for `[context]`
/// globs). Precedence: a published example token or key, wherever it is; a `[context]` glob; a
/// path convention; a test marker before it (`#[cfg(test)]`); claims that name only reserved
/// example names; a documentation comment; otherwise `source`.
pub fn classify(path: &str, config_relative: Option<&str>, clues: &Clues, overrides: &Overrides) -> Classification {
    classify_at(path, &path_class(path, config_relative, overrides), clues)
}

/// What a path alone says: a `[context]` glob or a path convention. The same for every finding
/// in a file, so a report computes it once per path.
pub fn path_class(path: &str, config_relative: Option<&str>, overrides: &Overrides) -> Option<Classification> {
    if let Some(context) = overrides.context_of(config_relative.unwrap_or(path)) {
        return Some(Classification { context, reason: Reason::Config });
    }
    path_context(path).map(|(context, part)| Classification { context, reason: Reason::Path(part) })
}

/// `classify`, with the path's own class already known.
pub fn classify_at(path: &str, by_path: &Option<Classification>, clues: &Clues) -> Classification {
    if let Some(source) = clues.published {
        return Classification { context: Context::Example, reason: Reason::Published(source) };
    }
    if let Some(found) = by_path {
        return found.clone();
    }
    if let Some(marker) = clues.test_marker_for(path) {
        return Classification { context: Context::Test, reason: Reason::TestMarker(marker) };
    }
    if clues.example_names {
        return Classification { context: Context::Example, reason: Reason::ExampleClaims };
    }
    if clues.doc_comment {
        return Classification { context: Context::Docs, reason: Reason::DocComment };
    }
    Classification { context: Context::Source, reason: Reason::Default }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value};

    use super::*;

    const RFC7515_A1: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const NOW: i64 = 1_700_000_000;

    fn token_clues(claims: &str, text: &str) -> Clues {
        let claims: Map<String, Value> = serde_json::from_str(claims).unwrap();
        let at = text.find("TOKEN").unwrap_or(0);
        Clues::of_token("00", Some(&claims), NOW, &Surroundings::new(text.as_bytes()), at)
    }

    fn context(path: &str, clues: &Clues) -> Context {
        classify(path, None, clues, &Overrides::default()).context
    }

    #[test]
    fn context_names_round_trip_and_index_matches_all() {
        for (index, context) in Context::ALL.into_iter().enumerate() {
            assert_eq!(context.as_str().parse::<Context>(), Ok(context));
            assert_eq!(context.index(), index);
            assert_eq!(serde_json::to_value(context).unwrap(), context.as_str());
        }
        assert!("tests".parse::<Context>().is_err());
    }

    #[test]
    fn a_published_token_is_an_example_even_in_source() {
        let sha = crate::hex::sha256_hex(RFC7515_A1.as_bytes());
        let clues = Clues::of_token(&sha, None, NOW, &Surroundings::new(b""), 0);
        let found = classify("src/auth.rs", None, &clues, &Overrides::default());
        assert_eq!(found.context, Context::Example);
        assert!(found.reason.to_string().contains("RFC 7515 appendix A.1"), "{}", found.reason);
    }

    #[test]
    fn a_config_glob_wins_over_path_conventions() {
        let overrides = Overrides::from_section(&toml::from_str("source = [\"tests/live/**\"]").unwrap()).unwrap();
        let clues = Clues::default();
        assert_eq!(classify("tests/live/token.txt", None, &clues, &overrides).context, Context::Source);
        assert_eq!(classify("tests/unit/token.txt", None, &clues, &overrides).context, Context::Test);
    }

    #[test]
    fn config_globs_match_the_config_relative_path_when_given() {
        let overrides = Overrides::from_section(&toml::from_str("test = [\"qa/**\"]").unwrap()).unwrap();
        let found = classify("a.txt", Some("qa/a.txt"), &Clues::default(), &overrides);
        assert_eq!(found, Classification { context: Context::Test, reason: Reason::Config });
    }

    #[test]
    fn path_conventions_win_over_markers_claims_and_comments() {
        let clues = token_clues(r#"{"iss":"https://auth.example.com"}"#, "/// TOKEN");
        assert_eq!(context("docs/a.py", &clues), Context::Docs);
        assert_eq!(classify("src/a.py", None, &clues, &Overrides::default()).reason, Reason::ExampleClaims);
    }

    #[test]
    fn a_cfg_test_module_in_a_rust_source_file_is_test_code() {
        let clues = token_clues("{}", "fn f() {}\n#[cfg(test)]\nmod tests { const T: &str = \"TOKEN\"; }");
        assert_eq!(context("src/lib.rs", &clues), Context::Test);
        assert_eq!(context("src/lib.py", &clues), Context::Source);
    }

    #[test]
    fn a_token_in_a_doc_comment_of_a_source_file_is_docs() {
        assert_eq!(context("src/lib.rs", &token_clues("{}", "/// let token = \"TOKEN\";")), Context::Docs);
        assert_eq!(context("src/lib.rs", &token_clues("{}", "// let token = \"TOKEN\";")), Context::Source);
    }

    #[test]
    fn reasons_say_what_decided() {
        let found = classify("pkg/a_test.go", None, &Clues::default(), &Overrides::default());
        assert_eq!(found.reason.to_string(), "path convention `*_test.go`");
        let found = classify("src/a.go", None, &Clues::default(), &Overrides::default());
        assert_eq!(found, Classification { context: Context::Source, reason: Reason::Default });
    }
}
