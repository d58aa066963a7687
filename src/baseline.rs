//! Reads a previous JSON report as a baseline: the set of fingerprints not to report again. The
//! baseline may come from the change being judged, so it is read as a stream (only the
//! fingerprints are kept, never the findings) and refused above a size cap.

use std::collections::HashSet;
use std::fmt;
use std::io::BufReader;
use std::path::Path;

use anyhow::{Context as _, Result, bail};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Largest baseline read: a JSON report of about a million findings.
pub const MAX_BYTES: u64 = 256 << 20;
/// Fingerprints are 32 hex digits; anything much longer is not one.
const MAX_FINGERPRINT: usize = 128;

pub fn load(path: &Path) -> Result<HashSet<String>> {
    let display = path.display();
    let file = std::fs::File::open(path).with_context(|| format!("cannot read baseline {display}"))?;
    let size = file.metadata().with_context(|| format!("cannot read baseline {display}"))?.len();
    if size > MAX_BYTES {
        bail!("baseline {display} is {} MiB, over the {} MiB limit", size >> 20, MAX_BYTES >> 20);
    }
    let mut reader = serde_json::Deserializer::from_reader(BufReader::new(file));
    let found = Report.deserialize(&mut reader).and_then(|found| reader.end().map(|()| found));
    match found {
        Ok(Some(fingerprints)) => Ok(fingerprints),
        Ok(None) => bail!("baseline {display} has no `findings` array (expected a `jwtscan --format json` report)"),
        Err(err) if err.is_io() => Err(err).with_context(|| format!("cannot read baseline {display}")),
        Err(err) => Err(err).with_context(|| format!("baseline {display} is not a JSON report")),
    }
}

/// The report object: `findings` is read, every other member skipped unread.
struct Report;

impl<'de> DeserializeSeed<'de> for Report {
    type Value = Option<HashSet<String>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Report {
    type Value = Option<HashSet<String>>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a jwtscan JSON report object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fingerprints = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "findings" && fingerprints.is_none() {
                fingerprints = Some(map.next_value_seed(Findings)?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(fingerprints)
    }
}

/// The `findings` array, reduced to its fingerprints as it is read.
struct Findings;

impl<'de> DeserializeSeed<'de> for Findings {
    type Value = HashSet<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Findings {
    type Value = HashSet<String>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a `findings` array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut fingerprints = HashSet::new();
        while let Some(fingerprint) = seq.next_element_seed(Fingerprint)? {
            fingerprints.insert(fingerprint);
        }
        Ok(fingerprints)
    }
}

/// One finding, reduced to its `fingerprint`.
struct Fingerprint;

impl<'de> DeserializeSeed<'de> for Fingerprint {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Fingerprint {
    type Value = String;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a finding object with a string `fingerprint`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fingerprint: Option<String> = None;
        while let Some(key) = map.next_key::<String>()? {
            if key != "fingerprint" {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            match map.next_value::<serde_json::Value>()? {
                serde_json::Value::String(text) if text.len() <= MAX_FINGERPRINT => fingerprint = Some(text),
                _ => return Err(de::Error::custom("a finding's `fingerprint` is not a fingerprint string")),
            }
        }
        fingerprint.ok_or_else(|| de::Error::custom("a finding has no string `fingerprint`"))
    }
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
