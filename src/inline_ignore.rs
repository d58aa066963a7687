//! Inline ignore comments, in the syntax linters users know: `jwtscan:ignore` silences every rule
//! on its line, `jwtscan: ignore[rule-a, rule-b]` only those rules (a space after the colon is
//! allowed, as in `# noqa: E501` or `# type: ignore[misc]`).

use crate::catalog;

/// What the ignore comments on one line silence.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Directive {
    /// No ignore comment.
    #[default]
    None,
    /// A bare `jwtscan:ignore` (or an empty list): every rule.
    All,
    /// Only these rule ids (known ones; unknown ids are reported separately and silence nothing).
    Rules(Vec<&'static str>),
}

impl Directive {
    pub fn silences(&self, rule: &str) -> bool {
        match self {
            Directive::None => false,
            Directive::All => true,
            Directive::Rules(ids) => ids.contains(&rule),
        }
    }

    pub fn is_none(&self) -> bool {
        *self == Directive::None
    }

    fn merge(self, other: Directive) -> Directive {
        match (self, other) {
            (Directive::All, _) | (_, Directive::All) => Directive::All,
            (Directive::None, other) | (other, Directive::None) => other,
            (Directive::Rules(mut ids), Directive::Rules(more)) => {
                for id in more {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                Directive::Rules(ids)
            }
        }
    }
}

const MARKER: &[u8] = b"jwtscan:";
/// A rule list longer than this is not a rule list: bounds the work on a hostile line.
const MAX_LIST: usize = 1024;

/// Reads every ignore comment on `line`. Unknown rule ids inside brackets are pushed to
/// `unknown` (for a warning); they silence nothing, so a typo never hides a finding it did not name.
pub fn parse(line: &[u8], unknown: &mut Vec<String>) -> Directive {
    let mut directive = Directive::None;
    for at in memchr::memmem::find_iter(line, MARKER) {
        let rest = &line[at + MARKER.len()..];
        let skipped = rest.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
        let Some(after) = rest[skipped..].strip_prefix(b"ignore") else { continue };
        // `jwtscan:ignored` or `jwtscan:ignore_x` is a different word.
        if after.first().is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        directive = directive.merge(rule_list(after, unknown));
    }
    directive
}

fn rule_list(after: &[u8], unknown: &mut Vec<String>) -> Directive {
    let Some(list) = after.strip_prefix(b"[") else { return Directive::All };
    let Some(end) = list.iter().take(MAX_LIST).position(|&b| b == b']') else { return Directive::All };
    let mut ids = Vec::new();
    for name in list[..end].split(|&b| b == b',') {
        let name = name.trim_ascii();
        if name.is_empty() {
            continue;
        }
        let text = String::from_utf8_lossy(name);
        match catalog::meta(&text) {
            Some(rule) => ids.push(rule.id.as_str()),
            None => unknown.push(text.into_owned()),
        }
    }
    let named_any = !ids.is_empty() || list[..end].iter().any(|b| !b.is_ascii_whitespace() && *b != b',');
    if named_any { Directive::Rules(ids) } else { Directive::All }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directive(line: &str) -> (Directive, Vec<String>) {
        let mut unknown = Vec::new();
        let directive = parse(line.as_bytes(), &mut unknown);
        (directive, unknown)
    }

    #[test]
    fn bare_ignore_with_or_without_a_space_silences_every_rule() {
        for line in ["x = 1  # jwtscan:ignore", "x = 1  // jwtscan: ignore", "<!-- jwtscan:\tignore -->"] {
            assert_eq!(directive(line), (Directive::All, vec![]), "{line}");
        }
    }

    #[test]
    fn a_rule_list_silences_only_the_rules_it_names() {
        let (found, unknown) = directive("t = '…'  # jwtscan: ignore[no-expiry, leaked-token]");
        assert_eq!(found, Directive::Rules(vec!["no-expiry", "leaked-token"]));
        assert!(unknown.is_empty());
        assert!(found.silences("no-expiry") && found.silences("leaked-token") && !found.silences("alg-none"));
        let (found, _) = directive("# jwtscan:ignore[alg-none]");
        assert_eq!(found, Directive::Rules(vec!["alg-none"]));
    }

    #[test]
    fn unknown_ids_are_reported_and_silence_nothing() {
        let (found, unknown) = directive("# jwtscan: ignore[no-expiri]");
        assert_eq!(found, Directive::Rules(vec![]));
        assert_eq!(unknown, ["no-expiri"]);
        assert!(!found.silences("no-expiry"));
        let (found, unknown) = directive("# jwtscan: ignore[no-expiry, bogus]");
        assert_eq!(found, Directive::Rules(vec!["no-expiry"]));
        assert_eq!(unknown, ["bogus"]);
    }

    #[test]
    fn an_empty_or_unclosed_list_means_every_rule() {
        assert_eq!(directive("# jwtscan:ignore[]").0, Directive::All);
        assert_eq!(directive("# jwtscan:ignore[ , ]").0, Directive::All);
        assert_eq!(directive("# jwtscan:ignore[no-expiry").0, Directive::All);
    }

    #[test]
    fn other_words_after_the_marker_are_not_ignores() {
        assert_eq!(directive("jwtscan:ignored here").0, Directive::None);
        assert_eq!(directive("see jwtscan: docs").0, Directive::None);
        assert_eq!(directive("no marker at all").0, Directive::None);
    }

    #[test]
    fn several_comments_on_a_line_add_up() {
        let (found, _) = directive("# jwtscan:ignore[alg-none] jwtscan:ignore[no-expiry]");
        assert_eq!(found, Directive::Rules(vec!["alg-none", "no-expiry"]));
        let (found, _) = directive("# jwtscan:ignore[alg-none] jwtscan:ignore");
        assert_eq!(found, Directive::All);
    }

    #[test]
    fn a_huge_unclosed_list_costs_bounded_work() {
        let line = format!("# jwtscan:ignore[{}", "a,".repeat(1_000_000));
        assert_eq!(directive(&line).0, Directive::All);
    }
}
