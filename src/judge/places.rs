//! Paths as the context rules see them: below the scanned folder (so a repository checked out
//! under `/home/me/tests/` is not all tests), and below the config file's folder for `[context]`
//! globs.

use std::path::PathBuf;

use crate::config::Settings;
use crate::discover::normalize;

pub struct Places {
    /// The folders scanned, as reported paths start with them (no `./`, no trailing `/`).
    roots: Vec<String>,
    /// The current folder and the config file's folder, when there are `[context]` globs.
    config: Option<(PathBuf, PathBuf)>,
}

impl Places {
    pub fn new(settings: &Settings) -> Places {
        let mut roots: Vec<String> = settings
            .paths
            .iter()
            .filter(|path| path.is_dir())
            .map(|path| {
                let text = path.to_string_lossy();
                let mut text = text.as_ref();
                while let Some(rest) = text.strip_prefix("./") {
                    text = rest;
                }
                text.trim_end_matches('/').to_string()
            })
            .filter(|root| !root.is_empty() && root != ".")
            .collect();
        roots.sort_by_key(|root| std::cmp::Reverse(root.len()));
        let config = match (&settings.config_base, settings.context_overrides.is_empty()) {
            (Some(base), false) => std::env::current_dir().ok().map(|cwd| (cwd, base.clone())),
            _ => None,
        };
        Places { roots, config }
    }

    /// `path` below its scanned folder, and below the config file's folder when `[context]` globs
    /// need it.
    pub fn relative<'a>(&self, path: &'a str) -> (&'a str, Option<String>) {
        let below_root = self
            .roots
            .iter()
            .find_map(|root| path.strip_prefix(root.as_str()).and_then(|rest| rest.strip_prefix('/')))
            .unwrap_or(path);
        let below_config = self.config.as_ref().and_then(|(cwd, base)| {
            let absolute = normalize(&cwd.join(path));
            let relative = absolute.strip_prefix(base).ok()?;
            Some(relative.to_string_lossy().replace('\\', "/"))
        });
        (below_root, below_config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places(paths: &[&str]) -> Places {
        let settings = Settings { paths: paths.iter().map(PathBuf::from).collect(), ..Settings::default() };
        Places::new(&settings)
    }

    #[test]
    fn paths_are_taken_below_the_scanned_folder() {
        let places = places(&["./src/", "src/context", "Cargo.toml", "."]);
        assert_eq!(places.relative("src/context/paths.rs").0, "paths.rs");
        assert_eq!(places.relative("src/lib.rs").0, "lib.rs");
        // A file named on the command line, and paths under `.`, keep their whole path.
        assert_eq!(places.relative("Cargo.toml").0, "Cargo.toml");
        assert_eq!(places.relative("tests/a.rs").0, "tests/a.rs");
        assert_eq!(places.relative("srcx/a.rs").0, "srcx/a.rs");
    }

    #[test]
    fn without_context_globs_no_config_relative_path_is_computed() {
        assert_eq!(places(&["."]).relative("a.rs").1, None);
    }
}
