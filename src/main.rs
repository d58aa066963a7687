//! The `jwtscan` binary: parses the arguments, runs, and maps the result to an exit status.

use std::io::ErrorKind;
use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    return_large_blocks();
    let args = jwtscan::cli::hoist_options(std::env::args_os().collect());
    let cli = match jwtscan::cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    match jwtscan::run(cli) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(err) => {
            // A closed pipe (`jwtscan | head`) is the reader's choice, not a failure.
            if err.chain().any(|cause| {
                cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            // No line of it may start a workflow command (`::error::`): each is prefixed.
            let text = jwtscan::redact::safe_lines(&format!("{err:#}"));
            for (index, line) in text.lines().enumerate() {
                eprintln!("jwtscan: {}{line}", if index == 0 { "error: " } else { "  " });
            }
            ExitCode::from(jwtscan::Exit::Usage as u8)
        }
    }
}

/// Blocks of 1 MiB and more (windows, decoded layers) are given back to the system when freed.
/// glibc raises its mmap threshold to 32 MiB after the first such block is freed, and from then on
/// keeps what each worker freed in that worker's arena: eight workers that each once decoded a
/// 16 MiB layer held eight copies, though the layers were decoded one at a time.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_blocks() {
    // SAFETY: mallopt only sets an allocator parameter; it runs before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_blocks() {}

/// `--help` and `--version` print as clap renders them; every other parse error gets the prefix
/// all of jwtscan's errors carry, so scripts and people can grep for one form.
fn usage_error(err: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind as Kind;
    if matches!(err.kind(), Kind::DisplayHelp | Kind::DisplayVersion | Kind::DisplayHelpOnMissingArgumentOrSubcommand) {
        let _ = err.print();
        return if err.use_stderr() { ExitCode::from(jwtscan::Exit::Usage as u8) } else { ExitCode::SUCCESS };
    }
    let rendered = err.render().to_string();
    let message = rendered.strip_prefix("error: ").unwrap_or(&rendered);
    eprint!("jwtscan: error: {message}");
    ExitCode::from(jwtscan::Exit::Usage as u8)
}
