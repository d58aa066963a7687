//! `jwtscan scan` (and a bare `jwtscan PATH…`): walks the paths and reports.

use std::path::Path;
use std::time::Instant;

use anyhow::{Result, bail};

use crate::cli::ScanArgs;
use crate::input::walk;
use crate::{Exit, build_report, config, emit, suggest};

/// The subcommands, for "did you mean" when a PATH that does not exist is one of them mistyped.
const COMMANDS: [&str; 4] = ["scan", "git", "decode", "rules"];

pub fn run(args: &ScanArgs) -> Result<Exit> {
    let started = Instant::now();
    if let Some(first) = args.paths.first()
        && std::fs::symlink_metadata(first).is_err()
        && let Some(word) = first.to_str()
        && let Some(command) = suggest::closest(word, &COMMANDS)
    {
        bail!("`{word}` is neither a file nor a subcommand; did you mean `jwtscan {command}`?");
    }
    let mut settings = config::resolve(&args.paths, &args.options)?;
    settings.no_ignore = args.no_ignore;
    for path in &settings.paths {
        if path != Path::new("-") && std::fs::symlink_metadata(path).is_err() {
            bail!("{}: no such file or directory", path.display());
        }
    }
    let collector = walk::scan_paths(&settings);
    let report = build_report(collector, &settings, started);
    emit(&report, &settings)
}
