//! Where scanned bytes came from: the file on disk (or `-`), the commit that holds it, and the
//! chain of members inside it (an archive member, a member of that member, a layer of an image).
//! Sources make a provenance; the scanner carries it to findings without asking what it means,
//! and every report renders it with `render`, so a new source needs no change downstream.

use std::sync::Arc;

/// What separates the file and each member in `render`: `bundle.zip!inner.zip!deep/secret.env`,
/// the form Java tools and `zipinfo` users know.
pub const MEMBER_SEPARATOR: char = '!';

/// The member names inside a file, outside in; empty for the file itself. Shared, so a child is
/// one small allocation and a clone per finding is a reference count.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Chain(Option<Arc<[Arc<str>]>>);

impl Chain {
    /// The file itself, no member.
    pub const NONE: Chain = Chain(None);

    pub fn is_empty(&self) -> bool {
        self.names().is_empty()
    }

    pub fn names(&self) -> &[Arc<str>] {
        self.0.as_deref().unwrap_or(&[])
    }

    /// This chain with `name` one level further in.
    pub fn child(&self, name: &str) -> Chain {
        let names: Vec<Arc<str>> = self.names().iter().cloned().chain(std::iter::once(Arc::from(name))).collect();
        Chain(Some(Arc::from(names)))
    }

    /// The names as owned strings, for a finding's `member` field.
    pub fn to_vec(&self) -> Vec<String> {
        self.names().iter().map(|name| name.to_string()).collect()
    }
}

/// Where a buffer or stream came from: enough to place every finding in it and to name it in a
/// warning.
#[derive(Clone, Debug)]
pub struct Provenance {
    /// The file on disk as the walk spelled it (relative to the folder scanned), `-` for
    /// standard input, or the path in the tree of a commit or of the index.
    pub path: Arc<str>,
    /// The commit a history blob was read at; `None` for files and staged blobs.
    pub commit: Option<Arc<str>>,
    pub chain: Chain,
    /// `render` of path and chain, made once: warnings and key origins name the place with it.
    shown: Arc<str>,
}

impl Provenance {
    /// A file on disk, or standard input (`-`).
    pub fn file(path: Arc<str>) -> Provenance {
        Provenance::at(path, None)
    }

    /// A blob at `path` in `commit` (`None`: in the index, or a file).
    pub fn at(path: Arc<str>, commit: Option<Arc<str>>) -> Provenance {
        Provenance { shown: Arc::clone(&path), path, commit, chain: Chain::NONE }
    }

    /// The member `name` inside these bytes (an archive member, an image layer): same file and
    /// commit, one more name in the chain.
    pub fn member(&self, name: &str) -> Provenance {
        let chain = self.chain.child(name);
        let shown = Arc::from(render(&self.path, chain.names()));
        Provenance { path: Arc::clone(&self.path), commit: self.commit.clone(), chain, shown }
    }

    /// The path and member chain as every report shows them (`render`).
    pub fn shown(&self) -> &Arc<str> {
        &self.shown
    }
}

/// The one rendering of a place in every format: the file, then each member after `!`
/// (`images/web.tar!abc/layer.tar!app/.env`); the file alone when there is no member.
pub fn render<S: AsRef<str>>(path: &str, chain: &[S]) -> String {
    let mut shown = String::with_capacity(path.len() + chain.iter().map(|name| name.as_ref().len() + 1).sum::<usize>());
    shown.push_str(path);
    for name in chain {
        shown.push(MEMBER_SEPARATOR);
        shown.push_str(name.as_ref());
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_renders_as_its_path_and_each_member_after_a_separator() {
        let file = Provenance::file(Arc::from("bundle.zip"));
        assert_eq!(&**file.shown(), "bundle.zip");
        assert!(file.chain.is_empty());
        let deep = file.member("inner.zip").member("deep/secret.env");
        assert_eq!(&**deep.shown(), "bundle.zip!inner.zip!deep/secret.env");
        assert_eq!(deep.chain.to_vec(), ["inner.zip", "deep/secret.env"]);
        assert_eq!(&*deep.path, "bundle.zip", "the path stays the file on disk");
        assert_eq!(render("dist/app.apk", &["classes.dex"]), "dist/app.apk!classes.dex");
    }

    #[test]
    fn a_member_keeps_the_commit_and_leaves_its_parent_unchanged() {
        let blob = Provenance::at(Arc::from("images/web.tar"), Some(Arc::from("abc")));
        let layer = blob.member("abc/layer.tar");
        let file = layer.member("app/.env");
        assert_eq!(file.commit.as_deref(), Some("abc"));
        assert_eq!(&**file.shown(), "images/web.tar!abc/layer.tar!app/.env");
        assert_eq!(layer.chain.to_vec(), ["abc/layer.tar"]);
        assert!(blob.chain.is_empty());
    }
}
