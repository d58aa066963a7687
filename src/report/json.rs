//! `--format json`: the schema docs/report-format.md documents, for scripts and baselines.

use std::io::Write;

use serde::Serialize;

use super::{Report, Summary};
use crate::finding::Finding;

#[derive(Serialize)]
struct JsonReport<'a> {
    tool: Tool,
    findings: &'a [Finding],
    summary: &'a Summary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let json = JsonReport {
        tool: Tool { name: env!("CARGO_PKG_NAME"), version: env!("CARGO_PKG_VERSION") },
        findings: &report.findings,
        summary: &report.summary,
    };
    serde_json::to_writer_pretty(&mut *out, &json)?;
    writeln!(out)
}
