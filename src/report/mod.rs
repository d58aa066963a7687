//! Every report format behind one `write`. A report is built once, sorted, then rendered.

pub(crate) mod details;
pub mod github;
mod json;
pub mod sarif;
mod text;

use std::io::Write;

use serde::{Deserialize, Serialize};

use crate::cli::Format;
use crate::collect::Problem;
use crate::config::Settings;
use crate::finding::Finding;

pub use details::TokenDetails;
pub(crate) use text::Paint;
pub use text::escape_visible;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub tokens: u64,
    pub findings: u64,
    pub skipped: u64,
    pub errors: u64,
    pub elapsed_ms: u64,
    /// The config file the scan used, as found or given; null when it used none.
    #[serde(default)]
    pub config: Option<String>,
    /// Distinct tokens per verification outcome; only with `--verify`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub verification: Option<crate::verify::Counts>,
}

#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub summary: Summary,
    /// Skipped and unreadable files and notes about the scan, in a stable order.
    pub problems: Vec<Problem>,
}

pub fn write(report: &Report, settings: &Settings, out: &mut dyn Write) -> std::io::Result<()> {
    match settings.format {
        Format::Text => text::write(report, settings, out),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, settings, out),
        Format::Github => github::write(report, settings, out),
    }
}
