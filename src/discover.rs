//! Finds the config file a scan uses: `jwtscan.toml` or `.jwtscan.toml` in the folder of the
//! first PATH (the current folder for stdin), else in each folder above it up to the root of the
//! repository it is in, so a scan of a subfolder or of files named by pre-commit still uses the
//! repository's config. Outside a repository only the starting folder counts: a config in an
//! unrelated parent folder (a home folder) must not change a scan.

use std::path::{Path, PathBuf};

pub const CONFIG_NAMES: [&str; 2] = ["jwtscan.toml", ".jwtscan.toml"];

/// A repository root holds `.git`: a folder, or a file in worktrees and submodules.
pub fn is_repository_root(folder: &Path) -> bool {
    folder.join(".git").exists()
}

/// The config for a scan whose first PATH is `first_path`, as a path to show people: relative
/// to the current folder when it lies below it.
pub fn find_config(first_path: &Path) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    let start = start_folder(first_path, &cwd);
    let mut folders = Vec::new();
    let mut folder = Some(start.as_path());
    while let Some(current) = folder {
        folders.push(current.to_path_buf());
        if is_repository_root(current) {
            break;
        }
        folder = current.parent();
    }
    // No repository above: only the starting folder.
    if !folders.last().is_some_and(|last| is_repository_root(last)) {
        folders.truncate(1);
    }
    let found = folders.iter().find_map(|folder| in_folder(folder))?;
    Some(found.strip_prefix(&cwd).map(Path::to_path_buf).unwrap_or(found))
}

/// The config in `folder` itself, if any (the `git` command looks only in the repository root).
pub fn in_folder(folder: &Path) -> Option<PathBuf> {
    CONFIG_NAMES.iter().map(|name| folder.join(name)).find(|candidate| candidate.is_file())
}

/// The absolute folder the search starts in: the first PATH if it is a folder, the folder that
/// holds it if it is a file, the current folder for stdin or a path that does not exist.
fn start_folder(first_path: &Path, cwd: &Path) -> PathBuf {
    if first_path == Path::new("-") {
        return cwd.to_path_buf();
    }
    let absolute = normalize(&cwd.join(first_path));
    if absolute.is_dir() {
        absolute
    } else {
        absolute.parent().filter(|parent| parent.is_dir()).map_or_else(|| cwd.to_path_buf(), Path::to_path_buf)
    }
}

/// Removes `.` and resolves `..` lexically, so `./a/../b` compares equal to `b`.
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `find_config` reads the process's current folder, so the tests pass absolute paths and
    /// compare against absolute results (which `strip_prefix` leaves alone outside the cwd).
    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("repo/.git")).unwrap();
        std::fs::create_dir_all(dir.path().join("repo/src/deep")).unwrap();
        std::fs::write(dir.path().join("repo/src/deep/app.py"), "x = 1\n").unwrap();
        dir
    }

    #[test]
    fn a_subfolder_or_a_file_finds_the_config_at_the_repository_root() {
        let dir = tree();
        let root = dir.path().join("repo");
        std::fs::write(root.join("jwtscan.toml"), "").unwrap();
        assert_eq!(find_config(&root.join("src/deep")), Some(root.join("jwtscan.toml")));
        assert_eq!(find_config(&root.join("src/deep/app.py")), Some(root.join("jwtscan.toml")));
    }

    #[test]
    fn the_nearest_config_wins() {
        let dir = tree();
        let root = dir.path().join("repo");
        std::fs::write(root.join("jwtscan.toml"), "").unwrap();
        std::fs::write(root.join("src/.jwtscan.toml"), "").unwrap();
        assert_eq!(find_config(&root.join("src/deep")), Some(root.join("src/.jwtscan.toml")));
    }

    #[test]
    fn the_search_stops_at_the_repository_root() {
        let dir = tree();
        std::fs::write(dir.path().join("jwtscan.toml"), "").unwrap();
        assert_eq!(find_config(&dir.path().join("repo/src")), None, "above the repository is someone else's");
    }

    #[test]
    fn outside_a_repository_only_the_first_path_counts() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("a/jwtscan.toml"), "").unwrap();
        assert_eq!(find_config(&dir.path().join("a/b")), None);
        assert_eq!(find_config(&dir.path().join("a")), Some(dir.path().join("a/jwtscan.toml")));
    }
}
