//! The integration tests: one binary (each test binary links the crate again), one module per
//! area, as ripgrep does. Fixtures are in `tests/fixtures`, snapshots beside their module.

mod action;
mod bad_input;
mod cli;
mod forgeable;
mod git;
mod github;
mod hostile;
mod precommit;
mod readme;
mod rule_examples;
mod sarif;
mod secrets;
mod verify;
