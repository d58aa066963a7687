//! `jwtscan scan` (and a bare `jwtscan PATH…`): walks the paths and reports.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Result, bail};

use crate::cli::ScanOptions;
use crate::input::walk;
use crate::{Exit, build_report, config, emit};

pub fn run(paths: &[PathBuf], options: &ScanOptions) -> Result<Exit> {
    let started = Instant::now();
    let settings = config::resolve(paths, options)?;
    for path in &settings.paths {
        if path != Path::new("-") && std::fs::symlink_metadata(path).is_err() {
            bail!("{}: no such file or directory", path.display());
        }
    }
    let collector = walk::scan_paths(&settings);
    let report = build_report(collector, &settings, started);
    emit(&report, &settings)
}
