//! The layering of `src/`: a module imports only modules in rows below its own, so data flows one
//! way. The table is the one docs/architecture.md shows (a test checks they agree). Every
//! `crate::` path counts, on a `use` line or inline, except in unit tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Bottom row first. Modules in one row do not import each other. A new module goes in a row; a
/// module that needs one above it is in the wrong row, or the item it needs is.
const LAYERS: &[&[&str]] = &[
    &[
        "artifact",
        "baseline",
        "discover",
        "escape",
        "hex",
        "mask",
        "provenance",
        "public_key",
        "severity",
        "spill",
        "suggest",
        "time",
        "token",
        "units",
        "wordlist",
    ],
    &["budget", "catalog", "cli", "find"],
    &["context", "hmac", "inline_ignore", "keys", "redact", "verify"],
    &["config"],
    &["finding"],
    &["collect", "gate"],
    &["rules"],
    &["pipeline"],
    &["input"],
    &["judge"],
    &["report"],
    &["commands"],
    &["lib", "main"],
];

fn row_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|row| row.contains(&module))
}

/// The top-level module a source file belongs to (`src/find/layers/mod.rs` → `find`).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.strip_suffix(".rs").map(str::to_string).unwrap_or(first)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The text of a file without its unit tests: a `tests.rs` file is all test, and a file's
/// `#[cfg(test)]` module comes last in this code base.
fn non_test_text(file: &Path) -> String {
    if file.file_name().is_some_and(|name| name == "tests.rs") {
        return String::new();
    }
    let text = std::fs::read_to_string(file).unwrap();
    match text.find("#[cfg(test)]") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

/// The modules `text` names as `crate::module`, including in `use crate::{a, b::c}` groups.
fn imported(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // One level of grouping: `crate::{a, b::c, self}`.
                let end = group.find('}').unwrap_or(group.len());
                for item in group[..end].split(',') {
                    let name = item.trim().split("::").next().unwrap_or("").trim();
                    if !name.is_empty() && name != "self" {
                        found.push(name.to_string());
                    }
                }
            } else {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                found.push(name);
            }
        }
    }
    found
}

fn violations() -> (Vec<String>, usize) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in &files {
        let module = module_of(&src, file);
        let Some(row) = row_of(&module) else {
            problems.push(format!("{}: module `{module}` is in no row of LAYERS", file.display()));
            continue;
        };
        for target in imported(&non_test_text(file)) {
            if target == module {
                continue;
            }
            checked += 1;
            match row_of(&target) {
                Some(other) if other < row => {}
                Some(other) => problems.push(format!(
                    "{}: `{module}` (row {row}) imports `{target}` (row {other}), which is not below it",
                    file.display()
                )),
                None => problems.push(format!("{}: imports `crate::{target}`, in no row of LAYERS", file.display())),
            }
        }
    }
    (problems, checked)
}

#[test]
fn no_module_imports_one_in_its_own_row_or_above() {
    let (problems, checked) = violations();
    assert!(checked > 100, "only {checked} imports were read: the reader is broken");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_import_reader_sees_use_lines_groups_and_inline_paths() {
    let text = "use crate::a::B;\nuse crate::{c, d::E, self};\nlet x = crate::f::g(); // crate::comment\n";
    assert_eq!(imported(text), ["a", "c", "d", "f"]);
}

#[test]
fn every_row_of_the_table_is_in_the_architecture_document() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md")).unwrap();
    let mut rows: BTreeMap<usize, String> = BTreeMap::new();
    for (index, row) in LAYERS.iter().enumerate() {
        rows.insert(
            index,
            format!("| {index} | {} |", row.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(" ")),
        );
    }
    for row in rows.values() {
        assert!(doc.contains(row.as_str()), "docs/architecture.md lacks the row\n{row}");
    }
}
