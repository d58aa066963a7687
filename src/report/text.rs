//! `--format text`: for people at a terminal.

use std::io::Write;

use super::Report;
use crate::config::Settings;

pub fn write(report: &Report, settings: &Settings, out: &mut dyn Write) -> std::io::Result<()> {
    let _ = settings;
    for finding in &report.findings {
        writeln!(
            out,
            "{}:{}:{}: {} [{}] {}\n    {}",
            finding.path, finding.line, finding.column, finding.severity, finding.rule, finding.message, finding.token
        )?;
    }
    let summary = &report.summary;
    writeln!(
        out,
        "{} findings in {} files ({} tokens, {} skipped, {} errors) in {} ms",
        summary.findings, summary.files_scanned, summary.tokens, summary.skipped, summary.errors, summary.elapsed_ms
    )
}
