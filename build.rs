//! Generates the rule-id constants from `rules/rules.toml`, the one source of rule metadata, so a
//! check that names an unknown rule does not compile.

use std::fmt::Write as _;

fn main() {
    println!("cargo::rerun-if-changed=rules/rules.toml");
    let toml = std::fs::read_to_string("rules/rules.toml").expect("rules/rules.toml is readable");
    let ids: Vec<&str> = toml.lines().filter_map(|line| line.strip_prefix("id = \"")?.strip_suffix('"')).collect();
    let mut out = String::new();
    for id in &ids {
        let name = id.to_ascii_uppercase().replace('-', "_");
        writeln!(out, "/// `{id}`\npub const {name}: RuleId = RuleId(\"{id}\");").unwrap();
    }
    let all: Vec<String> = ids.iter().map(|id| id.to_ascii_uppercase().replace('-', "_")).collect();
    writeln!(
        out,
        "/// Every rule, in `rules.toml` order.\npub const ALL: [RuleId; {}] = [{}];",
        ids.len(),
        all.join(", ")
    )
    .unwrap();
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("rule_ids.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
