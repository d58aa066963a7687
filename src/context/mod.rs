//! Where a finding lives and whether it fails the run: the `context` of a finding (source, test,
//! docs, example, vendor, generated) from its path, from published example tokens and keys, from
//! its claims and from the comment around it; issuer profiles that say what a token grants; and
//! the gate that decides, from the context and the policy, which findings fail a run.
//!
//! Everything here is pure and driven by data in `rules/` (embedded at build time, parsed once):
//! `contexts.toml` (path conventions, reserved names, documentation comments), `examples.toml`
//! (published tokens and keys by SHA-256) and `issuers.toml` (issuer profiles).

mod claims;
mod comments;
mod config;
mod data;
mod examples;
mod gate;
mod issuers;
mod paths;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use claims::{looks_real, names_example, reserved_name};
pub use comments::in_doc_comment;
pub use config::{ContextSection, Overrides};
pub use examples::{example_key, example_token};
pub use gate::{Action, Policy, Verdict};
pub use issuers::{Privilege, Profile, profile_for, profiles};
pub use paths::{after_test_marker, path_context};

/// Where a finding lives. Only `source` fails a run by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Context {
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

/// What is known about one finding when its context is decided.
#[derive(Clone, Copy, Debug, Default)]
pub struct Subject<'a> {
    /// The path as reported.
    pub path: &'a str,
    /// The path relative to the config file's folder, for `[context]` globs.
    pub config_relative: Option<&'a str>,
    /// `token_sha256` of the token, or the hash a key rule reports.
    pub sha256: &'a str,
    /// SHA-256 of the HMAC key that verified the token (`secret-in-repo`, `weak-secret`).
    pub key_sha256: Option<&'a str>,
    pub claims: Option<&'a Map<String, Value>>,
    /// The bytes around the finding and its offset in them, for the comment heuristics.
    pub text: Option<(&'a [u8], usize)>,
}

/// Decides the context of a finding. Precedence: a published example token or key (wherever it
/// is); a `[context]` glob from the config; a path convention; a test marker before it
/// (`#[cfg(test)]`); claims that name only reserved example names; a documentation comment;
/// otherwise `source`.
pub fn classify(subject: &Subject<'_>, overrides: &Overrides) -> Classification {
    let published = example_token(subject.sha256)
        .or_else(|| example_key(subject.sha256))
        .or_else(|| subject.key_sha256.and_then(example_key));
    if let Some(source) = published {
        return Classification { context: Context::Example, reason: Reason::Published(source) };
    }
    if let Some(context) = overrides.context_of(subject.config_relative.unwrap_or(subject.path)) {
        return Classification { context, reason: Reason::Config };
    }
    if let Some((context, part)) = path_context(subject.path) {
        return Classification { context, reason: Reason::Path(part) };
    }
    if let Some(marker) = subject.text.and_then(|(buf, offset)| after_test_marker(subject.path, buf, offset)) {
        return Classification { context: Context::Test, reason: Reason::TestMarker(marker) };
    }
    if subject.claims.is_some_and(names_example) {
        return Classification { context: Context::Example, reason: Reason::ExampleClaims };
    }
    if subject.text.is_some_and(|(buf, offset)| in_doc_comment(buf, offset)) {
        return Classification { context: Context::Docs, reason: Reason::DocComment };
    }
    Classification { context: Context::Source, reason: Reason::Default }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC7515_A1: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    fn sha(text: &str) -> String {
        crate::finding::sha256_hex(text.as_bytes())
    }

    fn claims(json: &str) -> Map<String, Value> {
        serde_json::from_str(json).unwrap()
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
        let hash = sha(RFC7515_A1);
        let subject = Subject { path: "src/auth.rs", sha256: &hash, ..Subject::default() };
        let found = classify(&subject, &Overrides::default());
        assert_eq!(found.context, Context::Example);
        assert!(found.reason.to_string().contains("RFC 7515 appendix A.1"), "{}", found.reason);
    }

    #[test]
    fn a_config_glob_wins_over_path_conventions() {
        let overrides = Overrides::from_section(&toml::from_str("source = [\"tests/live/**\"]").unwrap()).unwrap();
        let subject = Subject { path: "tests/live/token.txt", sha256: "00", ..Subject::default() };
        assert_eq!(classify(&subject, &overrides).context, Context::Source);
        let subject = Subject { path: "tests/unit/token.txt", sha256: "00", ..Subject::default() };
        assert_eq!(classify(&subject, &overrides).context, Context::Test);
    }

    #[test]
    fn config_globs_match_the_config_relative_path_when_given() {
        let overrides = Overrides::from_section(&toml::from_str("test = [\"qa/**\"]").unwrap()).unwrap();
        let subject =
            Subject { path: "../repo/qa/a.txt", config_relative: Some("qa/a.txt"), sha256: "00", ..Subject::default() };
        assert_eq!(classify(&subject, &overrides), Classification { context: Context::Test, reason: Reason::Config });
    }

    #[test]
    fn path_conventions_win_over_claims_and_comments() {
        let names = claims(r#"{"iss":"https://auth.example.com"}"#);
        let subject = Subject { path: "tests/a.py", sha256: "00", claims: Some(&names), ..Subject::default() };
        assert_eq!(classify(&subject, &Overrides::default()).context, Context::Test);
        let subject = Subject { path: "src/a.py", sha256: "00", claims: Some(&names), ..Subject::default() };
        assert_eq!(classify(&subject, &Overrides::default()).reason, Reason::ExampleClaims);
    }

    #[test]
    fn a_token_in_a_doc_comment_of_a_source_file_is_docs() {
        let text = b"/// let token = \"eyJ...\";\nfn main() {}";
        let subject = Subject { path: "src/lib.rs", sha256: "00", text: Some((text, 17)), ..Subject::default() };
        assert_eq!(classify(&subject, &Overrides::default()).context, Context::Docs);
        let text = b"// let token = \"eyJ...\";\nfn main() {}";
        let subject = Subject { path: "src/lib.rs", sha256: "00", text: Some((text, 16)), ..Subject::default() };
        assert_eq!(classify(&subject, &Overrides::default()).context, Context::Source);
    }

    #[test]
    fn a_published_key_marks_the_token_it_verified() {
        // RFC 7520 section 3.5 HMAC key, as decoded bytes.
        let key = crate::token::b64url_decode("hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg").unwrap();
        let key_hash = crate::finding::sha256_hex(&key);
        let subject = Subject { path: "src/a.rs", sha256: "00", key_sha256: Some(&key_hash), ..Subject::default() };
        assert_eq!(classify(&subject, &Overrides::default()).context, Context::Example);
    }
}
