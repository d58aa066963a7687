//! Path conventions: a path's folders and file name against the classes of `rules/contexts.toml`,
//! by whole component or word, so `tests/` and `jwk_test_vectors.rs` mark tests but `latest.py`
//! or `attestation/` do not.

use super::Context;
use super::data::DATA;

/// The context a path's conventions give it, with the folder (`tests/`) or file-name pattern
/// (`*_test.go`) that decided; `None` for source. `path` should be relative to the scanned root,
/// so folders above it (`/home/me/tests/repo`) do not count.
pub fn path_context(path: &str) -> Option<(Context, String)> {
    // `jwtscan git` reports messages, tags and notes at `.git/…` pseudo-paths, whose names (a
    // tag's, `refs/tags/tests/demo-example`) the repository chooses: they say nothing of the
    // place. A real `.git/` folder is no test or documentation either.
    if path.starts_with(".git/") {
        return None;
    }
    let mut components = path.split(['/', '\\']).filter(|part| !part.is_empty() && *part != "." && *part != "..");
    let file = components.next_back()?;
    let dirs: Vec<&str> = components.collect();
    for class in &DATA.paths {
        if let Some(dir) = dirs.iter().find(|dir| class.dirs.iter().any(|name| dir.eq_ignore_ascii_case(name))) {
            return Some((class.context, format!("{dir}/")));
        }
        if let Some(dir) = dirs.first().filter(|dir| class.root_dirs.iter().any(|name| dir.eq_ignore_ascii_case(name)))
        {
            return Some((class.context, format!("{dir}/")));
        }
        if let Some(&index) = class.files.matches(file).first() {
            return Some((class.context, class.file_patterns[index].clone()));
        }
        if let Some(word) =
            file.split(['_', '-', '.']).find(|word| class.words.iter().any(|name| word.eq_ignore_ascii_case(name)))
        {
            return Some((class.context, format!("`{word}` in the file name")));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(path: &str) -> Context {
        path_context(path).map_or(Context::Source, |(context, _)| context)
    }

    #[test]
    fn test_folders_and_file_names_of_each_ecosystem_are_tests() {
        for path in [
            "test/a.js",
            "tests/a.py",
            "src/__tests__/a.ts",
            "spec/models/user_spec.rb",
            "pkg/auth/testdata/token.txt",
            "fixtures/jwt.json",
            "pkg/auth/auth_test.go",
            "test_auth.py",
            "app/auth_test.py",
            "web/auth.spec.ts",
            "web/auth.test.tsx",
            "src/main/java/AuthTest.java",
            "src/test/java/com/acme/Auth.java",
            "Tests/AuthTests.swift",
            "lib/auth.test",
            "conftest.py",
        ] {
            assert_eq!(context(path), Context::Test, "{path}");
        }
    }

    #[test]
    fn git_pseudo_paths_are_source_whatever_a_tag_is_named() {
        for path in [".git/COMMIT_EDITMSG", ".git/refs/tags/tests/demo-example", ".git/refs/notes/docs"] {
            assert_eq!(context(path), Context::Source, "{path}");
        }
    }

    #[test]
    fn a_data_folder_at_the_top_of_the_tree_holds_fixtures_but_a_package_data_folder_ships() {
        // A crate's `data/` of test vectors (josekit: `data/jwk/EC_P-256_private.jwk`).
        assert_eq!(path_context("data/jwk/a.jwk"), Some((Context::Test, "data/".to_string())));
        assert_eq!(context("Data/pem/key.pem"), Context::Test);
        // A Python package's `data/` is installed with it.
        assert_eq!(context("mypkg/data/key.pem"), Context::Source);
        assert_eq!(context("src/data/token.txt"), Context::Source);
        // A file named `data` at the top is not a folder.
        assert_eq!(context("data"), Context::Source);
    }

    #[test]
    fn names_that_merely_contain_test_are_source() {
        for path in ["latest.py", "src/attestation.py", "attestation/keys.go", "contest/app.js", "src/Latest.java"] {
            assert_eq!(context(path), Context::Source, "{path}");
        }
    }

    #[test]
    fn docs_folders_and_markup_files_are_docs() {
        for path in ["docs/auth.html", "README.md", "guide/intro.rst", "manual.adoc", "doc/api.txt", "CHANGELOG"] {
            assert_eq!(context(path), Context::Docs, "{path}");
        }
    }

    #[test]
    fn example_folders_and_templates_are_examples() {
        for path in ["examples/basic.rs", "samples/app/main.go", ".env.example", "config.sample.yml", "demo/x.js"] {
            assert_eq!(context(path), Context::Example, "{path}");
        }
    }

    #[test]
    fn vendored_folders_are_vendor_even_when_they_hold_tests() {
        for path in ["vendor/github.com/x/y/token.go", "node_modules/jsonwebtoken/test/a.js", "third_party/jwt/a.c"] {
            assert_eq!(context(path), Context::Vendor, "{path}");
        }
    }

    #[test]
    fn minified_and_generated_files_are_generated() {
        for path in ["static/app.min.js", "dist/bundle.js", "api/service.pb.go", "proto/auth_pb2.py", "a.js.map"] {
            assert_eq!(context(path), Context::Generated, "{path}");
        }
    }

    #[test]
    fn folder_names_match_case_insensitively_and_windows_separators_split() {
        assert_eq!(context("Tests\\Auth.cs"), Context::Test);
        assert_eq!(context("Docs/a.txt"), Context::Docs);
    }

    #[test]
    fn the_deciding_part_is_named() {
        assert_eq!(path_context("a/tests/b.py"), Some((Context::Test, "tests/".to_string())));
        assert_eq!(path_context("pkg/a_test.go"), Some((Context::Test, "*_test.go".to_string())));
        assert_eq!(path_context("-"), None);
        assert_eq!(path_context(""), None);
    }

    #[test]
    fn whole_words_of_file_names_count_but_not_parts_of_words() {
        assert_eq!(context("src/algorithms/jwk_test_vectors.rs"), Context::Test);
        assert_eq!(context("src/rsa-test-keys.rs"), Context::Test);
        assert_eq!(context("config.example.json"), Context::Example);
        assert_eq!(context("src/contest.py"), Context::Source);
        assert_eq!(context("src/testimony.rs"), Context::Source);
        // A folder convention does not apply to a file of that name.
        assert_eq!(context("docs"), Context::Source);
    }
}
