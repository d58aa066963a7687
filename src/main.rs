//! The `jwtscan` binary: parses the arguments, runs, and maps the result to an exit status.

use std::io::ErrorKind;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = jwtscan::cli::Cli::parse();
    match jwtscan::run(cli) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(err) => {
            // A closed pipe (`jwtscan | head`) is the reader's choice, not a failure.
            if err.chain().any(|cause| {
                cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("jwtscan: error: {err:#}");
            ExitCode::from(jwtscan::Exit::Usage as u8)
        }
    }
}
