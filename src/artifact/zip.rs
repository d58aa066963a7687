//! Zip archives and the formats built on them (jar, war, apk, aab, whl, nupkg, vsix, xpi, ipa,
//! Office files). The central directory says where each member is; entries that overlap (the
//! trick behind 42 KB → petabyte bombs) make the zip refused outright.

use std::cell::Cell;

use zip::ZipArchive;

use super::bounds::Inflated;
use super::{Expander, ReadSeek};

impl Expander<'_> {
    /// Expands a zip opened at `depth`.
    pub(super) fn zip(&mut self, source: &mut dyn ReadSeek, depth: u8) {
        let mut archive = match ZipArchive::new(source) {
            Ok(archive) => archive,
            Err(err) => return self.warn(&format!("cannot read the zip: {err}")),
        };
        if archive.has_overlapping_entries().unwrap_or(false) {
            return self.warn("entries overlap (a zip bomb): not opened");
        }
        let cuts = Cell::new(None);
        for index in 0..archive.len() {
            let name = match archive.name_for_index(index) {
                Some(Ok(name)) => name.into_owned(),
                _ => format!("(entry {index})"),
            };
            let mut file = match archive.by_index(index) {
                Ok(file) => file,
                Err(err) => {
                    self.chain.push(name);
                    self.warn(&format!("cannot read: {err}"));
                    self.chain.pop();
                    continue;
                }
            };
            if file.is_dir() || file.is_symlink() {
                continue;
            }
            if !self.admit_member() {
                break;
            }
            let compressed = Cell::new(file.compressed_size());
            let bounds = (self.limits, self.budget, self.counters);
            let mut inflated = Inflated::new(&mut file, &compressed, bounds, &cuts);
            self.chain.push(name.clone());
            self.content(&mut inflated, &name, depth);
            if let Some(reason) = cuts.take() {
                self.warn(&reason);
            }
            self.chain.pop();
        }
    }
}
