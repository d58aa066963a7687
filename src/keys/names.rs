//! The repository's own names, for secrets derived from them (`weak-secret`, source `derived`):
//! package, crate, module and image names from manifests, and environment variable names from
//! `.env*` templates and compose files. Only files recognised by name are read, and only their
//! first `MANIFEST_BYTES`: a tree without manifests costs one file-name check per file.

use std::collections::BTreeSet;

/// Bytes of a manifest looked at: names come first in every format here.
pub const MANIFEST_BYTES: usize = 64 << 10;
/// Names kept per run; a monorepo of thousands of packages is cut here, deterministically (the
/// set is ordered).
const MAX_NAMES: usize = 256;
const MIN_NAME: usize = 2;
const MAX_NAME: usize = 64;

/// Words that say what a secret is for, not whose it is: not base words of their own.
pub const GENERIC_WORDS: [&str; 24] = [
    "secret",
    "secrets",
    "jwt",
    "key",
    "keys",
    "token",
    "tokens",
    "signing",
    "sign",
    "auth",
    "hmac",
    "pass",
    "password",
    "api",
    "app",
    "the",
    "env",
    "private",
    "public",
    "access",
    "refresh",
    "salt",
    "cred",
    "credentials",
];
/// Parts of an environment variable name that make it name a secret (`LEDGER_JWT_SECRET`).
const SECRET_PARTS: [&str; 7] = ["SECRET", "JWT", "KEY", "TOKEN", "SIGN", "HMAC", "PASS"];

/// Which manifest a file is, by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Manifest {
    PackageJson,
    /// `Cargo.toml` and `pyproject.toml`: `name = "…"`.
    TomlName,
    GoMod,
    Pom,
    Compose,
    Env,
}

impl Manifest {
    /// The manifest kind of the file at `path` (`/`-separated or not), from its file name alone.
    pub fn of(path: &str) -> Option<Manifest> {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        Some(match name {
            "package.json" => Manifest::PackageJson,
            "Cargo.toml" | "pyproject.toml" => Manifest::TomlName,
            "go.mod" => Manifest::GoMod,
            "pom.xml" => Manifest::Pom,
            _ if name.starts_with(".env") => Manifest::Env,
            _ if (name.starts_with("docker-compose") || name.starts_with("compose"))
                && (name.ends_with(".yml") || name.ends_with(".yaml")) =>
            {
                Manifest::Compose
            }
            _ => return None,
        })
    }
}

/// A name as its words, lower case (`LEDGER_JWT_SECRET`, `ledger-jwt-secret` and `LedgerJwt…`
/// give `["ledger", "jwt", "secret"]`).
pub type Words = Vec<String>;

/// The names one scan gathered: whole names (as words) and the base words in them.
#[derive(Default, Debug, Clone)]
pub struct RepoNames {
    pub names: BTreeSet<Words>,
    /// Names not kept, past `MAX_NAMES`.
    pub dropped: u64,
}

impl RepoNames {
    /// Gathers the names in the first `MANIFEST_BYTES` of a manifest of kind `kind`.
    pub fn gather(&mut self, kind: Manifest, text: &[u8]) {
        let text = &text[..text.len().min(MANIFEST_BYTES)];
        let text = String::from_utf8_lossy(text);
        match kind {
            Manifest::PackageJson => {
                if let Some(name) = json_name(&text) {
                    // `@acme/ledger`: both the scope and the package.
                    for part in name.split('/') {
                        self.add(part.trim_start_matches('@'));
                    }
                }
            }
            Manifest::TomlName => {
                for line in text.lines() {
                    if let Some(value) = assigned(line, "name", '=') {
                        self.add(value);
                    }
                }
            }
            Manifest::GoMod => {
                if let Some(module) = text.lines().find_map(|line| line.trim().strip_prefix("module ")) {
                    let module = module.trim().trim_matches('"');
                    let mut segments = module.rsplit('/').filter(|segment| !is_version(segment));
                    // `github.com/acme/ledger`: the module and its owner.
                    for segment in segments.by_ref().take(2) {
                        if !segment.contains('.') {
                            self.add(segment);
                        }
                    }
                }
            }
            Manifest::Pom => {
                for tag in ["artifactId", "groupId"] {
                    if let Some(value) = xml_first(&text, tag) {
                        self.add(value.rsplit('.').next().unwrap_or(value));
                    }
                }
            }
            Manifest::Compose => {
                for line in text.lines() {
                    let trimmed = line.trim().trim_start_matches("- ");
                    if let Some(image) = assigned(trimmed, "image", ':') {
                        let image = image.rsplit('/').next().unwrap_or(image);
                        self.add(image.split([':', '@']).next().unwrap_or(image));
                    } else if let Some(name) = assigned(trimmed, "container_name", ':') {
                        self.add(name);
                    } else {
                        self.add_env(trimmed);
                    }
                }
            }
            Manifest::Env => {
                for line in text.lines() {
                    self.add_env(line.trim().trim_start_matches("export "));
                }
            }
        }
    }

    /// The variable a `NAME=…` or `NAME: …` line sets, when the name is upper case and names a
    /// secret.
    fn add_env(&mut self, line: &str) {
        let end = line.find(['=', ':']).unwrap_or(0);
        let name = line[..end].trim();
        let upper = name.len() >= 3
            && name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            && name.as_bytes()[0].is_ascii_uppercase();
        if upper && SECRET_PARTS.iter().any(|part| name.contains(part)) {
            self.add(name);
        }
    }

    /// Keeps `name` split into words, if it has a usable length.
    pub fn add(&mut self, name: &str) {
        let name = name.trim().trim_matches(['"', '\'']);
        if !(MIN_NAME..=MAX_NAME).contains(&name.len()) {
            return;
        }
        let words = split_words(name);
        if !words.is_empty() {
            self.keep(words);
        }
    }

    /// Past `MAX_NAMES`, the first names in sorted order are the ones kept, not the first to
    /// arrive: files are read in parallel, and the derived secrets must not depend on the order.
    fn keep(&mut self, words: Words) {
        if self.names.contains(&words) {
            return;
        }
        self.names.insert(words);
        if self.names.len() > MAX_NAMES {
            self.names.pop_last();
            self.dropped += 1;
        }
    }

    pub fn merge(&mut self, other: RepoNames) {
        self.dropped += other.dropped;
        for words in other.names {
            self.keep(words);
        }
    }
}

/// `LedgerJwtSecret`, `ledger-jwt_secret.v2` → `["ledger", "jwt", "secret", "v2"]`.
pub fn split_words(name: &str) -> Words {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

fn is_version(segment: &str) -> bool {
    segment.len() >= 2 && segment.starts_with('v') && segment[1..].bytes().all(|b| b.is_ascii_digit())
}

/// The value of `key = "value"` (or `key: value`) on `line`, unquoted.
fn assigned<'t>(line: &'t str, key: &str, sign: char) -> Option<&'t str> {
    let rest = line.trim().strip_prefix(key)?.trim_start().strip_prefix(sign)?;
    let value = rest.trim().trim_matches(['"', '\'']);
    (!value.is_empty()).then_some(value)
}

/// The first `"name": "…"` of a JSON text.
fn json_name(text: &str) -> Option<&str> {
    let at = text.find("\"name\"")?;
    let rest = text[at + 6..].trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    rest.split('"').next()
}

fn xml_first<'t>(text: &'t str, tag: &str) -> Option<&'t str> {
    let open = format!("<{tag}>");
    let start = text.find(&open)? + open.len();
    let end = text[start..].find('<')?;
    Some(text[start..start + end].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gathered(path: &str, text: &str) -> Vec<String> {
        let mut names = RepoNames::default();
        names.gather(Manifest::of(path).unwrap(), text.as_bytes());
        names.names.iter().map(|words| words.join("_")).collect()
    }

    #[test]
    fn manifests_are_known_by_file_name_only() {
        assert_eq!(Manifest::of("a/b/package.json"), Some(Manifest::PackageJson));
        assert_eq!(Manifest::of("deploy/docker-compose.prod.yml"), Some(Manifest::Compose));
        assert_eq!(Manifest::of(".env.example"), Some(Manifest::Env));
        assert_eq!(Manifest::of("src/package.json.bak"), None);
        assert_eq!(Manifest::of("src/main.rs"), None);
    }

    #[test]
    fn each_manifest_gives_its_package_module_or_image_name() {
        assert_eq!(gathered("package.json", r#"{"name": "@acme/ledger-api", "version": "1"}"#), ["acme", "ledger_api"]);
        assert_eq!(gathered("Cargo.toml", "[package]\nname = \"ledger_core\"\n"), ["ledger_core"]);
        assert_eq!(gathered("go.mod", "module github.com/acme/ledger/v2\n\ngo 1.22\n"), ["acme", "ledger"]);
        assert_eq!(
            gathered("pom.xml", "<project><groupId>com.acme</groupId><artifactId>LedgerSvc</artifactId>"),
            ["acme", "ledger_svc"]
        );
        assert_eq!(
            gathered("compose.yaml", "services:\n  api:\n    image: ghcr.io/acme/ledger-api:1.2\n"),
            ["ledger_api"]
        );
    }

    #[test]
    fn env_templates_give_the_names_of_secret_variables_only() {
        let names = gathered(".env.example", "DATABASE_URL=\nexport LEDGER_JWT_SECRET=changeme\nlower_key=1\n");
        assert_eq!(names, ["ledger_jwt_secret"]);
        let names = gathered("docker-compose.yml", "    environment:\n      - BILLING_SIGNING_KEY=${X}\n");
        assert_eq!(names, ["billing_signing_key"]);
    }

    #[test]
    fn names_are_bounded_per_run() {
        let mut names = RepoNames::default();
        for i in 0..MAX_NAMES + 10 {
            names.add(&format!("pkg{i}"));
        }
        assert_eq!(names.names.len(), MAX_NAMES);
        assert_eq!(names.dropped, 10);
    }

    #[test]
    fn the_names_kept_past_the_bound_do_not_depend_on_the_order_files_were_read() {
        let gathered = |range: std::ops::Range<usize>| {
            let mut names = RepoNames::default();
            for i in range {
                names.add(&format!("pkg{i:04}"));
            }
            names
        };
        let (mut forward, mut backward) = (gathered(0..200), gathered(200..400));
        forward.merge(gathered(200..400));
        backward.merge(gathered(0..200));
        assert_eq!(forward.names.len(), MAX_NAMES);
        assert_eq!(forward.names, backward.names);
        assert!(forward.names.contains(&split_words("pkg0000")));
    }
}
