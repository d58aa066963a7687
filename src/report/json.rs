//! `--format json`: the schema docs/report-format.md documents, for scripts and baselines.

use std::io::Write;

use std::cell::RefCell;

use serde::{Serialize, Serializer};

use super::{Findings, Report, Summary};

#[derive(Serialize)]
struct JsonReport<'a> {
    tool: Tool,
    findings: Streamed<'a>,
    summary: &'a Summary,
}

/// The findings as a JSON array written as they are read (they may come from disk); a read
/// error ends the array early and is kept for `write` to return.
struct Streamed<'a> {
    findings: &'a Findings<'a>,
    error: &'a RefCell<Option<std::io::Error>>,
}

impl Serialize for Streamed<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.findings.iter().map_while(|finding| match finding {
            Ok(finding) => Some(finding),
            Err(err) => {
                *self.error.borrow_mut() = Some(err);
                None
            }
        }))
    }
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let error = RefCell::new(None);
    let json = JsonReport {
        tool: Tool { name: env!("CARGO_PKG_NAME"), version: env!("CARGO_PKG_VERSION") },
        findings: Streamed { findings: &report.findings, error: &error },
        summary: &report.summary,
    };
    serde_json::to_writer_pretty(&mut *out, &json)?;
    if let Some(err) = error.into_inner() {
        return Err(err);
    }
    writeln!(out)
}
