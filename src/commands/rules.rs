//! `jwtscan rules [ID]`: every rule with its default severity, or one rule's full help (What /
//! Why / Fix / Examples / References), from the same `rules/rules.toml` the scanner and SARIF
//! descriptors use, so the help cannot drift from what runs.

use std::io::Write;

use anyhow::{Result, bail};
use serde::Serialize;

use super::Exit;
use crate::catalog::{self, RuleMeta};
use crate::cli::{ColorChoice, RulesArgs, RulesFormat};
use crate::context;
use crate::report::Paint;
use crate::severity::Severity;

pub fn run(args: &RulesArgs) -> Result<Exit> {
    let selected: Vec<&RuleMeta> = match &args.id {
        None => catalog::all().iter().collect(),
        Some(id) => match catalog::meta(id) {
            Some(rule) => vec![rule],
            None => {
                let ids: Vec<&str> = catalog::all().iter().map(|rule| rule.id.as_str()).collect();
                bail!("unknown rule id `{id}`; valid ids: {}", ids.join(", "));
            }
        },
    };
    let paint = Paint(crate::config::color_enabled(ColorChoice::Auto, true));
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match (args.format, args.id.is_some()) {
        (RulesFormat::Text, false) => write_list(&selected, paint, &mut out)?,
        (RulesFormat::Text, true) => {
            for rule in &selected {
                write_help(rule, paint, &mut out)?;
            }
        }
        (RulesFormat::Json, false) => {
            write_json(&selected.iter().map(|rule| JsonRule::from(*rule)).collect::<Vec<_>>(), &mut out)?
        }
        (RulesFormat::Json, true) => {
            for rule in &selected {
                write_json(&JsonRule::from(*rule), &mut out)?;
            }
        }
        (RulesFormat::Markdown, _) => out.write_all(markdown(&selected).as_bytes())?,
    }
    out.flush()?;
    Ok(Exit::Clean)
}

/// The rule table and one section per rule, as docs/rules.md embeds them (a test keeps them equal).
pub fn markdown(rules: &[&RuleMeta]) -> String {
    let mut text = String::from("| rule | default severity | finds |\n| --- | --- | --- |\n");
    for rule in rules {
        text.push_str(&format!("| [`{id}`](#{id}) | {} | {} |\n", rule.severity, rule.summary, id = rule.id));
    }
    for rule in rules {
        text.push_str(&format!("\n### {}\n\n{}\n\n{}", rule.id, rule.summary, rule.help_markdown()));
    }
    text
}

/// How findings get their context and what fails a run: after the rule list, and in the help of
/// `leaked-token` (docs/triage.md has the full text).
const CONTEXTS: &str = "\
Every finding has a context: source, test, docs, example, vendor or generated. In this order:
a published example token or key (JOSE RFCs, jwt.io, vendor samples, by SHA-256) is `example`
wherever it is; `[context]` globs in jwtscan.toml; path conventions by whole folder or file-name
word (tests/, __tests__/, spec/, testdata/, fixtures/, *_test.go, test_*.py, *.spec.ts,
*Test.java, docs/, *.md, examples/, vendor/, node_modules/, *.min.js, ...); a Rust token after
#[cfg(test)] is `test`; claims whose issuer and audience are all reserved example names
(example.com/.net/.org, *.example, *.test, *.invalid, localhost, urn:example:) are `example`;
a token in a documentation comment (///, //!, /** */, a Python docstring) is `docs`.
Only `source` findings fail a run by default, and any token that looks real wherever it sits:
live (or without exp) and naming a real issuer or audience, or from a privileged product.
--strict (or strict = true under [context]) makes every context count.";

fn write_list(rules: &[&RuleMeta], paint: Paint, out: &mut dyn Write) -> std::io::Result<()> {
    let width = rules.iter().map(|rule| rule.id.len()).max().unwrap_or(0);
    for rule in rules {
        let severity = format!("{:<8}", rule.severity.as_str());
        writeln!(out, "{:<width$}  {}  {}", rule.id, paint.severity(rule.severity, &severity), rule.summary)?;
    }
    writeln!(out, "\n{CONTEXTS}")
}

/// The issuer profiles: what each product's token grants and how to rotate it.
fn write_profiles(paint: Paint, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "\n{}", paint.apply("1", "Issuer profiles"))?;
    writeln!(out, "  A token from one of these products names it in `evidence.product`. public: leaked-token is")?;
    writeln!(out, "  info; privileged: a live token is critical and fails the run wherever it sits.")?;
    for profile in context::profiles() {
        writeln!(out, "\n  {} ({})", paint.apply("1", &profile.product), profile.privilege.as_str())?;
        writeln!(out, "    Grants: {}", profile.grants)?;
        writeln!(out, "    Rotate: {}", profile.rotate)?;
    }
    writeln!(out, "\n{}", paint.apply("1", "Contexts"))?;
    write_indented(CONTEXTS, out)
}

fn write_help(rule: &RuleMeta, paint: Paint, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{} ({}): {}", paint.apply("1", &rule.id), rule.name, rule.summary)?;
    write!(
        out,
        "Default severity: {} · Precision: {}",
        paint.severity(rule.severity, rule.severity.as_str()),
        rule.precision
    )?;
    if !rule.tags.is_empty() {
        write!(out, " · Tags: {}", rule.tags.join(", "))?;
    }
    writeln!(out)?;
    for (title, text) in [("What it does", &rule.what), ("Why is this bad", &rule.why), ("How to fix", &rule.fix)] {
        writeln!(out, "\n{}", paint.apply("1", title))?;
        write_indented(text, out)?;
    }
    for (title, examples) in [("Fires on", &rule.examples), ("Stays silent on", &rule.negative_examples)] {
        if examples.is_empty() {
            continue;
        }
        writeln!(out, "\n{}", paint.apply("1", title))?;
        for (index, example) in examples.iter().enumerate() {
            if index > 0 {
                writeln!(out)?;
            }
            write_indented(example, out)?;
        }
    }
    if rule.id == "leaked-token" {
        write_profiles(paint, out)?;
    }
    if !rule.references.is_empty() {
        writeln!(out, "\n{}", paint.apply("1", "References"))?;
        for reference in &rule.references {
            writeln!(out, "  - {reference}")?;
        }
    }
    Ok(())
}

fn write_indented(text: &str, out: &mut dyn Write) -> std::io::Result<()> {
    for line in text.trim_end().lines() {
        if line.is_empty() {
            writeln!(out)?;
        } else {
            writeln!(out, "  {line}")?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonRule<'a> {
    id: &'a str,
    name: &'a str,
    severity: Severity,
    summary: &'a str,
    what: &'a str,
    why: &'a str,
    fix: &'a str,
    references: &'a [String],
    tags: &'a [String],
    precision: &'a str,
}

impl<'a> From<&'a RuleMeta> for JsonRule<'a> {
    fn from(rule: &'a RuleMeta) -> Self {
        JsonRule {
            id: &rule.id,
            name: &rule.name,
            severity: rule.severity,
            summary: &rule.summary,
            what: &rule.what,
            why: &rule.why,
            fix: &rule.fix,
            references: &rule.references,
            tags: &rule.tags,
            precision: &rule.precision,
        }
    }
}

fn write_json(value: &impl Serialize, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_one_aligned_line_per_rule() {
        let all: Vec<&RuleMeta> = catalog::all().iter().collect();
        let mut out = Vec::new();
        write_list(&all, Paint(false), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let rule_lines = text.lines().filter(|line| all.iter().any(|rule| line.starts_with(&format!("{} ", rule.id))));
        assert_eq!(rule_lines.count(), all.len());
        assert!(text.contains("Every finding has a context"), "{text}");
        let alg_none = text.lines().find(|line| line.starts_with("alg-none ")).unwrap();
        assert!(alg_none.contains(" critical "), "{alg_none}");
    }

    #[test]
    fn help_has_every_section() {
        let rule = catalog::meta("leaked-token").unwrap();
        let mut out = Vec::new();
        write_help(rule, Paint(false), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let first_line = |help: &'static str| help.lines().next().unwrap_or_default().trim();
        for section in [
            "What it does",
            "Why is this bad",
            "How to fix",
            "References",
            first_line(&rule.what),
            first_line(&rule.fix),
        ] {
            assert!(text.contains(section), "{section} missing from\n{text}");
        }
    }
}
