//! What a finding's bytes say about its context, gathered where the bytes are (the scan), so the
//! context can be decided later, once the path is known (a history blob is placed after its scan).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::data::{DATA, TestMarker};
use super::issuers::Profile;
use super::{cite, claims, comments, examples, issuers};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Clues {
    /// The published example this token or key is.
    pub published: Option<&'static str>,
    /// A test marker (`#[cfg(test)]`) earlier in the text; it counts for its file types only.
    pub test_marker: Option<&'static TestMarker>,
    pub doc_comment: bool,
    /// The claims name only reserved example names.
    pub example_names: bool,
    /// Live and naming a real issuer or audience, or a live privileged product.
    pub looks_real: bool,
    /// Why it looks real, when it does: said in `evidence.verdict_reason` when it fails.
    pub why_real: Option<String>,
    /// The RFC or draft section cited just before it (`rfc7520#section-5.7`): a published vector.
    pub citation: Option<String>,
    /// The product that minted the token.
    pub profile: Option<&'static Profile>,
}

/// The first test marker in a text that is an attribute: first on its line. The same text in a
/// string literal (`"#[cfg(test)]"`) or after code marks nothing.
pub fn first_test_marker(text: &[u8]) -> Option<(usize, &'static TestMarker)> {
    DATA.test_markers
        .iter()
        .filter_map(|marker| {
            memchr::memmem::find_iter(text, marker.marker.as_bytes())
                .find(|&at| comments::starts_line(text, at))
                .map(|at| (at, marker))
        })
        .min_by_key(|(at, _)| *at)
}

/// What one scanned text says around its findings: built once per text that holds a finding.
pub struct Surroundings<'a> {
    text: &'a [u8],
    cites: cite::CiteIndex,
    comments: comments::CommentIndex<'a>,
    marker: Option<(usize, &'static TestMarker)>,
}

/// What a token carries besides its claims that says whether it is real: its algorithm and
/// signature length (the RSA modulus size), and the registry host of a pull-secret entry.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokenFacts<'a> {
    pub alg: Option<&'a str>,
    pub signature_len: usize,
    /// The registry key of the `auths` entry the token sits in, if any; a real host makes the
    /// token real.
    pub registry: Option<&'a str>,
}

/// Words near a token that say it is a test double (read case-insensitively).
const FIXTURE_WORDS: [&str; 9] =
    ["skipexpirycheck", "skipexpiry", "ignoreexpiration", "insecureskip", "mock", "fake", "dummy", "fixture", "stub"];
/// How far before and after a token its fixture words are looked for.
const FIXTURE_BEFORE: usize = 2048;
const FIXTURE_AFTER: usize = 512;
/// How far before a token or key a citation of its RFC section is looked for.
const CITATION_BEFORE: usize = 1024;

impl<'a> Surroundings<'a> {
    pub fn new(text: &'a [u8]) -> Surroundings<'a> {
        Surroundings {
            text,
            comments: comments::CommentIndex::new(text),
            marker: first_test_marker(text),
            cites: cite::CiteIndex::new(text),
        }
    }

    /// The RFC or IETF draft section cited in the stretch before `offset`, the closest first.
    fn citation(&self, offset: usize) -> Option<String> {
        self.cites.citation(self.text, offset, CITATION_BEFORE)
    }

    /// The first fixture word within a short stretch around `offset`.
    fn fixture_word(&self, offset: usize) -> Option<&'static str> {
        let from = offset.saturating_sub(FIXTURE_BEFORE);
        let to = self.text.len().min(offset.saturating_add(FIXTURE_AFTER));
        let near = self.text.get(from..to)?.to_ascii_lowercase();
        FIXTURE_WORDS.into_iter().find(|word| memchr::memmem::find(&near, word.as_bytes()).is_some())
    }

    fn marker_before(&self, offset: usize) -> Option<&'static TestMarker> {
        self.marker.filter(|(at, _)| *at < offset).map(|(_, marker)| marker)
    }
}

impl Clues {
    /// Clues about a token with `claims` (none for a JWE) starting at `offset` in a text.
    pub fn of_token(
        sha256: &str,
        claims: Option<&Map<String, Value>>,
        now: i64,
        text: &Surroundings<'_>,
        offset: usize,
    ) -> Clues {
        Clues::of_token_with(sha256, claims, &TokenFacts::default(), now, text, offset)
    }

    /// `of_token`, with what the token carries besides its claims. A token looks real when it is
    /// live and names a real host, comes from a privileged profile or sits in a registry's pull
    /// secret; unless it is a fixture: at least two signs of one, one of them in the token itself
    /// (an example subject or name, the jwt.io issue time, an RSA key under 2048 bits), the other
    /// from it or its surroundings (`SkipExpiryCheck`, `mock`, `fake` … nearby). Surroundings alone
    /// never make a real token a fixture.
    pub fn of_token_with(
        sha256: &str,
        claims: Option<&Map<String, Value>>,
        facts: &TokenFacts<'_>,
        now: i64,
        text: &Surroundings<'_>,
        offset: usize,
    ) -> Clues {
        let profile = claims.and_then(issuers::profile_for);
        let privileged = profile.is_some_and(|profile| profile.privilege == issuers::Privilege::Privileged);
        let why_real = claims.and_then(|claims| {
            let registry_host = facts.registry.and_then(claims::real_registry);
            let registry = || {
                let host = registry_host.as_deref()?;
                match claims.get("exp").and_then(Value::as_f64) {
                    Some(exp) if exp <= now as f64 => None,
                    Some(_) => Some(format!("live, in the pull secret of the registry {host}")),
                    None => Some(format!("never expires, in the pull secret of the registry {host}")),
                }
            };
            let reason = claims::real_reason(claims, now, privileged).or_else(registry)?;
            if privileged || registry_host.is_some() {
                return Some(reason);
            }
            let mut signs = claims::fixture_claims(claims);
            let rsa = facts.alg.is_some_and(|alg| alg.starts_with("RS") || alg.starts_with("PS"));
            if rsa && (1..256).contains(&facts.signature_len) {
                signs.push("an RSA key under 2048 bits");
            }
            let fixture = !signs.is_empty() && (signs.len() >= 2 || text.fixture_word(offset).is_some());
            (!fixture).then_some(reason)
        });
        Clues {
            published: examples::example_token(sha256),
            test_marker: text.marker_before(offset),
            doc_comment: text.comments.in_doc_comment(offset),
            example_names: claims.is_some_and(claims::names_example),
            looks_real: why_real.is_some(),
            why_real,
            citation: text.citation(offset),
            profile,
        }
    }

    /// Clues about a key whose private member hashes to `sha256`, at `offset` in a text.
    pub fn of_key(sha256: &str, text: &Surroundings<'_>, offset: usize) -> Clues {
        Clues {
            published: examples::example_key(sha256),
            test_marker: text.marker_before(offset),
            doc_comment: text.comments.in_doc_comment(offset),
            citation: text.citation(offset),
            ..Clues::default()
        }
    }

    /// These clues of a token seen before, for its occurrence at `offset` in a text: what the
    /// claims said stays, what the place says is read again.
    pub fn relocated(&self, text: &Surroundings<'_>, offset: usize) -> Clues {
        Clues {
            test_marker: text.marker_before(offset),
            doc_comment: text.comments.in_doc_comment(offset),
            citation: text.citation(offset),
            ..self.clone()
        }
    }

    /// The test marker, if the file at `path` is of a type it applies to.
    pub fn test_marker_for(&self, path: &str) -> Option<&'static str> {
        let extension = path.rsplit_once('.').map(|(_, extension)| extension)?;
        self.test_marker
            .filter(|marker| marker.extensions.iter().any(|known| known == extension))
            .map(|marker| marker.marker.as_str())
    }
}

/// Clues as a finding spilled to disk keeps them: the built-in data they point into, by text and
/// position, so that reading the finding back restores the same references.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct StoredClues {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    test_marker: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    profile: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    why_real: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    citation: Option<String>,
    #[serde(default)]
    flags: u8,
}

const DOC_COMMENT: u8 = 1;
const EXAMPLE_NAMES: u8 = 2;
const LOOKS_REAL: u8 = 4;

impl Clues {
    pub fn stored(&self) -> StoredClues {
        StoredClues {
            published: self.published.map(str::to_string),
            test_marker: self
                .test_marker
                .and_then(|marker| DATA.test_markers.iter().position(|known| std::ptr::eq(known, marker))),
            profile: self
                .profile
                .and_then(|profile| issuers::profiles().iter().position(|known| std::ptr::eq(known, profile))),
            why_real: self.why_real.clone(),
            citation: self.citation.clone(),
            flags: [
                (self.doc_comment, DOC_COMMENT),
                (self.example_names, EXAMPLE_NAMES),
                (self.looks_real, LOOKS_REAL),
            ]
            .iter()
            .filter(|(set, _)| *set)
            .fold(0, |flags, (_, bit)| flags | bit),
        }
    }

    /// The clues `stored` kept; a reference into data this build does not have is dropped.
    pub fn restore(stored: &StoredClues) -> Clues {
        Clues {
            published: stored.published.as_deref().and_then(examples::source),
            test_marker: stored.test_marker.and_then(|index| DATA.test_markers.get(index)),
            doc_comment: stored.flags & DOC_COMMENT != 0,
            example_names: stored.flags & EXAMPLE_NAMES != 0,
            looks_real: stored.flags & LOOKS_REAL != 0,
            why_real: stored.why_real.clone(),
            citation: stored.citation.clone(),
            profile: stored.profile.and_then(|index| issuers::profiles().get(index)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn claims(json: &str) -> Map<String, Value> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn token_clues_read_claims_comments_and_markers() {
        let text = Surroundings::new(b"#[cfg(test)]\n/// TOKEN\n");
        let names = claims(r#"{"iss":"https://login.acme.io","role":"x"}"#);
        let clues = Clues::of_token("00", Some(&names), NOW, &text, 17);
        assert!(clues.doc_comment && clues.looks_real && !clues.example_names);
        assert_eq!(clues.test_marker_for("src/a.rs"), Some("#[cfg(test)]"));
        assert_eq!(clues.test_marker_for("src/a.py"), None);
        assert_eq!(Clues::of_token("00", None, NOW, &text, 0).test_marker, None);
    }

    #[test]
    fn a_test_marker_in_a_string_literal_or_after_code_marks_nothing() {
        for text in ["let m = \"#[cfg(test)]\";\nTOKEN", "x(); #[cfg(test)]\nTOKEN", "// see #[cfg(test)]\nTOKEN"] {
            let at = text.find("TOKEN").unwrap();
            assert_eq!(
                Clues::of_token("00", None, NOW, &Surroundings::new(text.as_bytes()), at).test_marker,
                None,
                "{text}"
            );
        }
        let text = "const A: &str = \"#[cfg(test)]\";\n\n    #[cfg(test)]\nmod t { TOKEN }";
        let clues = Clues::of_token("00", None, NOW, &Surroundings::new(text.as_bytes()), text.find("TOKEN").unwrap());
        assert!(clues.test_marker.is_some());
    }

    #[test]
    fn a_token_after_a_top_level_test_function_is_test_code_in_rust_only() {
        let text = "pub fn sign() {}\n\n#[test]\nfn verifies() {\n    let t = \"TOKEN\";\n}\n";
        let at = text.find("TOKEN").unwrap();
        let clues = Clues::of_token("00", None, NOW, &Surroundings::new(text.as_bytes()), at);
        assert_eq!(clues.test_marker_for("src/token.rs"), Some("#[test]"));
        assert_eq!(clues.test_marker_for("src/token.py"), None);
        // Code before the first test function is not test code.
        let before = Clues::of_token("00", None, NOW, &Surroundings::new(text.as_bytes()), 3);
        assert_eq!(before.test_marker, None);
        let tokio = "#[tokio::test]\nasync fn f() { TOKEN }";
        let clues =
            Clues::of_token("00", None, NOW, &Surroundings::new(tokio.as_bytes()), tokio.find("TOKEN").unwrap());
        assert_eq!(clues.test_marker_for("a.rs"), Some("#[tokio::test]"));
    }

    #[test]
    fn a_fixture_needs_a_sign_in_the_token_and_a_second_one() {
        let fixture = claims(r#"{"iss":"https://login.acme.io","sub":"1234567890"}"#);
        let rs1024 = TokenFacts { alg: Some("RS256"), signature_len: 128, registry: None };
        let beside = |text: &str| {
            let at = text.find("TOKEN").unwrap();
            Clues::of_token_with(
                "00",
                Some(&fixture),
                &TokenFacts::default(),
                NOW,
                &Surroundings::new(text.as_bytes()),
                at,
            )
        };
        assert!(beside("t := TOKEN").looks_real);
        assert!(!beside("opts.SkipExpiryCheck = true\nt := TOKEN").looks_real);
        let key = Clues::of_token_with("00", Some(&fixture), &rs1024, NOW, &Surroundings::new(b""), 0);
        assert!(!key.looks_real);
        // Surroundings alone never make a real token a fixture.
        let real = claims(r#"{"iss":"https://login.acme.io","sub":"u-81f2"}"#);
        let text = Surroundings::new(b"mock fake dummy TOKEN");
        assert!(Clues::of_token("00", Some(&real), NOW, &text, 16).looks_real);
    }

    #[test]
    fn a_token_in_a_registry_pull_secret_looks_real_without_an_issuer() {
        let bare = claims(r#"{"sub":"robot"}"#);
        let facts = TokenFacts { registry: Some("registry.redhat.io"), ..TokenFacts::default() };
        let clues = Clues::of_token_with("00", Some(&bare), &facts, NOW, &Surroundings::new(b""), 0);
        assert_eq!(
            clues.why_real.as_deref(),
            Some("never expires, in the pull secret of the registry registry.redhat.io")
        );
        assert!(!Clues::of_token("00", Some(&bare), NOW, &Surroundings::new(b""), 0).looks_real);
    }

    #[test]
    fn a_privileged_profile_makes_a_live_token_look_real() {
        let service = claims(r#"{"iss":"supabase","role":"service_role"}"#);
        let clues = Clues::of_token("00", Some(&service), NOW, &Surroundings::new(b""), 0);
        assert!(clues.looks_real);
        assert_eq!(clues.profile.map(|profile| profile.id.as_str()), Some("supabase-service-role"));
        let anon = claims(r#"{"iss":"supabase","role":"anon"}"#);
        assert!(!Clues::of_token("00", Some(&anon), NOW, &Surroundings::new(b""), 0).looks_real);
    }

    #[test]
    fn stored_clues_restore_the_same_references() {
        let text = Surroundings::new(b"#[cfg(test)]\n/// TOKEN\n");
        let names = claims(r#"{"iss":"supabase","role":"service_role"}"#);
        let example = crate::hex::sha256_hex(b"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
        let all = Clues {
            published: Clues::of_key(&example, &text, 0).published,
            ..Clues::of_token("00", Some(&names), NOW, &text, 17)
        };
        assert!(all.published.is_some() && all.test_marker.is_some() && all.profile.is_some() && all.doc_comment);
        for clues in [all, Clues::default()] {
            let json = serde_json::to_string(&clues.stored()).unwrap();
            let restored = Clues::restore(&serde_json::from_str(&json).unwrap());
            assert_eq!(restored, clues);
            assert!(restored.test_marker.zip(clues.test_marker).is_none_or(|(a, b)| std::ptr::eq(a, b)));
        }
    }

    #[test]
    fn key_clues_know_published_keys() {
        // RFC 8037 appendix A.1, the Ed25519 `d`.
        let sha = crate::hex::sha256_hex(b"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
        assert!(Clues::of_key(&sha, &Surroundings::new(b""), 0).published.unwrap().contains("RFC 8037"));
    }
}
