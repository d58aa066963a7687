//! The subcommands, on top of everything else: each resolves its settings, drives the layers
//! below and returns the exit status.

pub mod decode;
pub mod git;
pub mod hook;
pub mod report;
pub mod rules;
pub mod scan;

use anyhow::Result;

use crate::cli::{Cli, Command};

/// Exit statuses, as docs/report-format.md documents them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Clean = 0,
    Findings = 1,
    Usage = 2,
}

pub fn run(cli: Cli) -> Result<Exit> {
    match cli.command {
        None => scan::run(&cli.scan),
        Some(Command::Scan(args)) => scan::run(&args),
        Some(Command::Git(args)) => git::run(&args),
        Some(Command::Decode(args)) => decode::run(&args),
        Some(Command::Rules(args)) => rules::run(&args),
        Some(Command::Hook(args)) => hook::run(args),
    }
}
