//! jwtscan: finds JSON Web Tokens in files and git history and judges each one.
//!
//! Data flows one way: `Settings` → sources (`input`) → find → decode → rules → `Finding`s →
//! cross-file forgery pass → verification pass (opt-in) → judge → report → exit code. Each module
//! imports only the rows below its own in the layer table of docs/architecture.md (checked by
//! the `layers` test); `commands` runs the subcommands.

pub mod artifact;
pub mod baseline;
pub mod budget;
pub mod catalog;
pub mod cli;
pub mod collect;
pub mod commands;
pub mod config;
pub mod context;
pub mod discover;
pub mod escape;
pub mod find;
pub mod finding;
pub mod gate;
pub mod hex;
pub mod hmac;
pub mod inline_ignore;
pub mod input;
pub mod judge;
pub mod keys;
pub mod mask;
pub mod pipeline;
pub mod provenance;
pub mod public_key;
pub mod redact;
pub mod report;
pub mod rules;
pub mod severity;
pub mod spill;
pub mod suggest;
pub mod time;
pub mod token;
pub mod units;
pub mod verify;
pub mod wordlist;

pub use commands::scan::{scan_text, scan_text_at};
pub use commands::{Exit, run};
