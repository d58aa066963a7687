//! CLI integration tests, one module per area, all running the built `jwtscan` in
//! temporary folders (see `util`). Tokens are built at run time so this source holds none.

mod baseline;
mod command_line;
mod config;
mod context;
mod decode;
mod encodings;
mod fail_closed;
mod output;
mod rules;
mod scan;
mod snapshots;
mod spill;
pub mod util;
