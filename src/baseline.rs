//! Reads a previous JSON report as a baseline: the set of fingerprints not to report again.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context as _, Result, bail};
use serde_json::Value;

pub fn load(path: &Path) -> Result<HashSet<String>> {
    let display = path.display();
    let text = std::fs::read(path).with_context(|| format!("cannot read baseline {display}"))?;
    let report: Value =
        serde_json::from_slice(&text).with_context(|| format!("baseline {display} is not a JSON report"))?;
    let Some(findings) = report.get("findings").and_then(Value::as_array) else {
        bail!("baseline {display} has no `findings` array (expected a `jwtscan --format json` report)");
    };
    let mut fingerprints = HashSet::with_capacity(findings.len());
    for finding in findings {
        match finding.get("fingerprint").and_then(Value::as_str) {
            Some(fingerprint) => fingerprints.insert(fingerprint.to_string()),
            None => bail!("baseline {display}: a finding has no string `fingerprint`"),
        };
    }
    Ok(fingerprints)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fingerprints_from_a_json_report() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        std::fs::write(&path, r#"{"findings":[{"fingerprint":"ab"},{"fingerprint":"cd"}],"summary":{}}"#).unwrap();
        let set = load(&path).unwrap();
        assert!(set.contains("ab") && set.contains("cd"));
    }

    #[test]
    fn rejects_non_json_and_reports_without_findings_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("base.json");
        std::fs::write(&path, "not json").unwrap();
        assert!(format!("{:#}", load(&path).unwrap_err()).contains("base.json"));
        std::fs::write(&path, "{}").unwrap();
        assert!(load(&path).unwrap_err().to_string().contains("findings"));
    }
}
