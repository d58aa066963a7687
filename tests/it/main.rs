//! The integration tests: one binary (each test binary links the crate again), one module per
//! area, as ripgrep does. Fixtures are in `tests/fixtures`, snapshots beside their module.

mod action;
mod artifacts;
mod bad_input;
mod cli;
mod counted;
mod deferred;
mod forgeable;
mod git;
mod github;
mod gitlab;
mod hook;
mod hostile;
mod junit;
mod layers;
mod member;
mod precommit;
mod readme;
mod recovered;
mod rule_examples;
mod sarif;
mod secrets;
mod skip;
mod verify;
