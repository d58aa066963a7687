//! A one-line progress report on a terminal's stderr, for the `--crack` stages that run for
//! seconds or minutes (the masks, the recovery of RSA keys). Off when stderr is no terminal: CI
//! logs and redirected output get the notes at the end only.

use std::io::{IsTerminal as _, Write as _};
use std::time::{Duration, Instant};

pub(super) struct Progress {
    on: bool,
    every: Duration,
    started: Instant,
    shown: Option<Instant>,
}

impl Progress {
    /// Reports when `on` and stderr is a terminal, at most once every `every`.
    pub(super) fn new(on: bool, every: Duration) -> Self {
        Progress { on: on && std::io::stderr().is_terminal(), every, started: Instant::now(), shown: None }
    }

    /// Shows the line `line` makes of the time since the start, unless the last one is younger
    /// than `every`.
    pub(super) fn show(&mut self, line: impl FnOnce(Duration) -> String) {
        if !self.on || self.shown.is_some_and(|shown| shown.elapsed() < self.every) {
            return;
        }
        self.shown = Some(Instant::now());
        let _ = write!(std::io::stderr(), "\r\x1b[K{}", line(self.started.elapsed()));
    }
}

/// The line is cleared however the stage ends, so the warnings after it start on a clean line.
impl Drop for Progress {
    fn drop(&mut self) {
        if self.on && self.shown.is_some() {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
    }
}
