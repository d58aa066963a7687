//! The `[context]` section of `jwtscan.toml`: globs that put paths in a context, the strict
//! switch, and the policy per context.
//!
//! ```toml
//! [context]
//! strict = false               # true: every context counts toward --fail-on (as --strict)
//! test = ["qa/**", "*.fixture.json"]
//! source = ["examples/deploy/**"]   # count these as source after all
//!
//! [context.policy]             # fail | report | ignore, per context
//! test = "report"
//! vendor = "ignore"
//! ```

use std::collections::BTreeMap;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use super::{Action, Context, Policy};

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
pub struct ContextSection {
    pub strict: Option<bool>,
    #[serde(default)]
    source: Vec<String>,
    #[serde(default)]
    test: Vec<String>,
    #[serde(default)]
    docs: Vec<String>,
    #[serde(default)]
    example: Vec<String>,
    #[serde(default)]
    vendor: Vec<String>,
    #[serde(default)]
    generated: Vec<String>,
    #[serde(default)]
    policy: BTreeMap<String, String>,
}

impl ContextSection {
    fn globs(&self, context: Context) -> &[String] {
        match context {
            Context::Source => &self.source,
            Context::Test => &self.test,
            Context::Docs => &self.docs,
            Context::Example => &self.example,
            Context::Vendor => &self.vendor,
            Context::Generated => &self.generated,
        }
    }

    /// `policy` with this section's `strict` and `[context.policy]` applied. Errors name the key.
    pub fn apply_policy(&self, policy: &mut Policy) -> Result<(), String> {
        if let Some(strict) = self.strict {
            policy.strict = strict;
        }
        for (name, action) in &self.policy {
            let context: Context = name.parse().map_err(|err| format!("`context.policy.{name}`: {err}"))?;
            policy.actions[context.index()] =
                action.parse::<Action>().map_err(|err| format!("`context.policy.{name}`: {err}"))?;
        }
        Ok(())
    }
}

/// Config globs per context, tried before the built-in conventions: `source` first (so a path can
/// be taken back), then in the built-in order.
#[derive(Debug, Default)]
pub struct Overrides {
    sets: Vec<(Context, GlobSet)>,
}

const ORDER: [Context; 6] =
    [Context::Source, Context::Vendor, Context::Generated, Context::Test, Context::Example, Context::Docs];

impl Overrides {
    /// Globs follow `exclude`: one without a `/` matches at any depth, one with a `/` is anchored
    /// at the config file's folder, and a folder pattern covers everything below it.
    pub fn from_section(section: &ContextSection) -> Result<Overrides, String> {
        let mut sets = Vec::new();
        for context in ORDER {
            let patterns = section.globs(context);
            if patterns.is_empty() {
                continue;
            }
            let mut builder = GlobSetBuilder::new();
            for pattern in patterns {
                let anchored = if pattern.contains('/') {
                    pattern.trim_start_matches('/').to_string()
                } else {
                    format!("**/{pattern}")
                };
                let folder = anchored.trim_end_matches('/').trim_end_matches("/**").to_string();
                for glob in [anchored.clone(), format!("{folder}/**")] {
                    let glob = GlobBuilder::new(&glob)
                        .literal_separator(true)
                        .build()
                        .map_err(|err| format!("`context.{context}`: {pattern}: {err}"))?;
                    builder.add(glob);
                }
            }
            sets.push((context, builder.build().map_err(|err| format!("`context.{context}`: {err}"))?));
        }
        Ok(Overrides { sets })
    }

    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }

    /// The context a config glob gives `path` (relative to the config file's folder).
    pub fn context_of(&self, path: &str) -> Option<Context> {
        if self.sets.is_empty() {
            return None;
        }
        let path = path.strip_prefix("./").unwrap_or(path);
        self.sets.iter().find(|(_, globs)| globs.is_match(path)).map(|(context, _)| *context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(text: &str) -> ContextSection {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn globs_follow_gitignore_habits() {
        let overrides =
            Overrides::from_section(&section("test = [\"qa\", \"*.fixture.json\", \"/e2e/data/**\"]")).unwrap();
        assert_eq!(overrides.context_of("qa/login.txt"), Some(Context::Test));
        assert_eq!(overrides.context_of("app/qa/login.txt"), Some(Context::Test));
        assert_eq!(overrides.context_of("app/login.fixture.json"), Some(Context::Test));
        assert_eq!(overrides.context_of("e2e/data/a.json"), Some(Context::Test));
        assert_eq!(overrides.context_of("x/e2e/data/a.json"), None);
        assert_eq!(overrides.context_of("./qa/a"), Some(Context::Test));
        assert_eq!(overrides.context_of("src/qa.rs"), None);
    }

    #[test]
    fn source_globs_win_over_other_contexts() {
        let overrides =
            Overrides::from_section(&section("test = [\"tests/**\"]\nsource = [\"tests/live/**\"]")).unwrap();
        assert_eq!(overrides.context_of("tests/live/a"), Some(Context::Source));
        assert_eq!(overrides.context_of("tests/unit/a"), Some(Context::Test));
    }

    #[test]
    fn a_bad_glob_or_policy_names_its_key() {
        let err = Overrides::from_section(&section("docs = [\"a[\"]")).unwrap_err();
        assert!(err.contains("context.docs"), "{err}");
        let mut policy = Policy::default();
        let err = section("[policy]\ntests = \"fail\"").apply_policy(&mut policy).unwrap_err();
        assert!(err.contains("context.policy.tests"), "{err}");
        let err = section("[policy]\ntest = \"maybe\"").apply_policy(&mut policy).unwrap_err();
        assert!(err.contains("context.policy.test") && err.contains("fail, report or ignore"), "{err}");
        assert!(toml::from_str::<ContextSection>("tests = []").is_err());
    }

    #[test]
    fn strict_and_policy_apply_to_the_policy() {
        let mut policy = Policy::default();
        section("strict = true\n[policy]\nvendor = \"ignore\"\ntest = \"fail\"").apply_policy(&mut policy).unwrap();
        assert!(policy.strict);
        assert_eq!(policy.actions[Context::Vendor.index()], Action::Ignore);
        assert_eq!(policy.actions[Context::Test.index()], Action::Fail);
        assert_eq!(policy.actions[Context::Source.index()], Action::Fail);
    }

    #[test]
    fn an_empty_section_overrides_nothing() {
        let overrides = Overrides::from_section(&ContextSection::default()).unwrap();
        assert!(overrides.is_empty());
        assert_eq!(overrides.context_of("tests/a"), None);
    }
}
