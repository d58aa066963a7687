//! The subcommands, on top of everything else: each resolves its settings, drives the layers
//! below and returns the exit status.

pub mod decode;
pub mod git;
pub mod hook;
pub mod rules;
pub mod scan;
