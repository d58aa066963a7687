//! `jwtscan decode`: the offline jwt.io. Decodes one token given as an argument or on standard
//! input (a token inside a larger text, such as an `Authorization: Bearer` line, is found too),
//! prints its header, claims and dates, and runs the single-token rules on it. Nothing is fetched
//! unless `--verify` asks for the issuer's keys, and nothing is redacted: the user handed over
//! the token. Exit status: 0 whenever a token was
//! decoded, whatever the findings (this is an inspection tool, not a gate); 2 when the input holds
//! no token.

use std::io::{Read, Write};

use anyhow::{Context as _, Result, bail};
use serde::Serialize;
use serde_json::{Map, Value};

use super::Exit;
use crate::catalog::{Hit, id};
use crate::cli::{DecodeArgs, ListFormat};
use crate::collect::{Collector, Occurrence};
use crate::config::{self, Settings};
use crate::find;
use crate::report::details::{relative, unix_seconds};
use crate::report::{Paint, escape_visible};
use crate::rules;
use crate::severity::Severity;
use crate::time::format_time;
use crate::token::{self, Form, Payload, Token};
use crate::verify::{self, Verification};

/// Standard input is read up to this size; a token is a few kilobytes at most.
const MAX_INPUT: u64 = 1 << 20;
const DATE_CLAIMS: [&str; 3] = ["exp", "iat", "nbf"];

pub fn run(args: &DecodeArgs) -> Result<Exit> {
    let input = match args.token.as_deref() {
        None | Some("-") => read_stdin()?,
        Some(text) => text.to_string(),
    };
    let Some(found) = locate(&input) else {
        bail!("no JSON Web Token found in the input (expected a compact JWS `header.payload.signature` or a JWE)");
    };
    let Some(token) = token::decode(&found.compact) else {
        bail!("no JSON Web Token found in the input");
    };
    let mut settings = Settings {
        color: config::color_enabled(args.color, true),
        show_secrets: args.show_secrets,
        ..Settings::default()
    };
    if let Some(now) = &args.now {
        settings.now = config::parse_now(now)?;
    }
    let hits = findings(&token, &found.compact, &settings);
    let verification = if args.verify.verify {
        let options = verify::Options {
            now: settings.now,
            allow_private: args.verify.verify_allow_private,
            ca_file: args.verify.verify_ca.clone(),
            limits: verify::Limits::default(),
        };
        Some(verify::Verifier::new(options)?.verify(&found.compact))
    } else {
        None
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        ListFormat::Text => write_text(&token, &found, &hits, verification.as_ref(), &settings, &mut out)?,
        ListFormat::Json => write_json(&token, &hits, verification.as_ref(), &mut out)?,
    }
    out.flush()?;
    Ok(Exit::Clean)
}

fn read_stdin() -> Result<String> {
    let mut buf = Vec::new();
    std::io::stdin().lock().take(MAX_INPUT + 1).read_to_end(&mut buf).context("cannot read standard input")?;
    if buf.len() as u64 > MAX_INPUT {
        bail!("standard input is over {MAX_INPUT} bytes; pass the token alone");
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// The token the input holds, and how it was found.
struct Found {
    compact: String,
    wrapped: bool,
    /// Tokens in the input besides the one decoded.
    others: usize,
}

fn locate(input: &str) -> Option<Found> {
    let trimmed = input.trim();
    if token::decode(trimmed).is_some() {
        return Some(Found { compact: trimmed.to_string(), wrapped: false, others: 0 });
    }
    // A Kubernetes secret value or similar: the whole input is the token in standard base64.
    if let Some(inner) = unwrap_base64(trimmed) {
        return Some(Found { compact: inner, wrapped: true, others: 0 });
    }
    let mut candidates = Vec::new();
    find::find_tokens(trimmed.as_bytes(), &mut candidates);
    let first = candidates.first()?;
    Some(Found {
        compact: first.compact(trimmed.as_bytes()).to_string(),
        wrapped: first.inner.is_some(),
        others: candidates.len().saturating_sub(1),
    })
}

fn unwrap_base64(text: &str) -> Option<String> {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    let bytes = STANDARD.decode(text).ok()?;
    let inner = std::str::from_utf8(&bytes).ok()?.trim();
    token::decode(inner).is_some().then(|| inner.to_string())
}

/// The single-token rules, plus `weak-secret`: an offline jwt.io should say when the secret is
/// guessable. `leaked-token` is about a token sitting in a file, so it is left out here.
fn findings(token: &Token<'_>, compact: &str, settings: &Settings) -> Vec<Hit> {
    let mut hits = Vec::new();
    rules::check_token(token, &rules::CheckSettings::new(settings), &mut hits);
    hits.retain(|hit| hit.rule != "leaked-token");
    // The forgery pass over this token alone, with the same severity, allowlist and baseline
    // filters as a scan.
    let mut collector = Collector::default();
    collector.hmac_tokens.push(Occurrence::whole(compact));
    let report = super::report::build_report(collector, settings, std::time::Instant::now());
    let findings = report.findings.to_vec().unwrap_or_default();
    for weak in findings.into_iter().filter(|finding| finding.rule == "weak-secret") {
        hits.push(Hit {
            rule: id::WEAK_SECRET,
            severity: weak.severity,
            message: weak.message,
            evidence: weak.evidence,
        });
    }
    hits.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.rule.cmp(&b.rule)));
    hits
}

fn write_text(
    token: &Token<'_>,
    found: &Found,
    hits: &[Hit],
    verification: Option<&Verification>,
    settings: &Settings,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let paint = Paint(settings.color);
    let algorithm = token.alg().unwrap_or("?");
    let kind = match token.form {
        Form::Jws => format!("JWS, alg {algorithm}"),
        Form::Jwe => {
            let enc = token.header.get("enc").and_then(Value::as_str).unwrap_or("?");
            format!("JWE, alg {algorithm}, enc {enc}")
        }
    };
    writeln!(out, "{} {}", paint.apply("1", "Token"), escape_visible(&kind))?;
    if found.wrapped {
        writeln!(out, "  (decoded from its base64 wrapper)")?;
    }
    if found.others > 0 {
        writeln!(out, "  (the input holds {} more token(s); this is the first)", found.others)?;
    }
    writeln!(out, "\n{}", paint.apply("1", "Header"))?;
    writeln!(out, "{}", pretty(&token.header))?;
    writeln!(out, "\n{}", paint.apply("1", "Claims"))?;
    match &token.payload {
        Payload::Claims(claims) => {
            writeln!(out, "{}", pretty(claims))?;
            let dates: Vec<(&str, i64)> =
                DATE_CLAIMS.iter().filter_map(|&name| Some((name, unix_seconds(claims.get(name)?)?))).collect();
            if !dates.is_empty() {
                writeln!(out, "\n{} (now {})", paint.apply("1", "Dates"), format_time(settings.now))?;
                for (name, seconds) in dates {
                    writeln!(out, "  {name}  {}  {}", format_time(seconds), relative(name, seconds, settings.now))?;
                }
            }
        }
        Payload::Opaque | Payload::Truncated => writeln!(out, "(the payload is not a JSON object)")?,
        Payload::Encrypted => writeln!(out, "(encrypted: a JWE payload cannot be read without the key)")?,
    }
    if token.form == Form::Jws {
        let signature = match token.signature.len() {
            0 => "empty".to_string(),
            1 => "1 byte".to_string(),
            n => format!("{n} bytes"),
        };
        writeln!(out, "\n{} {signature}", paint.apply("1", "Signature"))?;
    }
    if let Some(verification) = verification {
        writeln!(
            out,
            "\n{} {} ({})",
            paint.apply("1", "Verification"),
            verification.outcome.name(),
            escape_visible(&verification.reason)
        )?;
    }
    writeln!(out, "\n{}", paint.apply("1", "Findings"))?;
    if hits.is_empty() {
        writeln!(out, "  {}", paint.apply("32", "none"))?;
    }
    let rule_width = hits.iter().map(|hit| hit.rule.len()).max().unwrap_or(0);
    for hit in hits {
        let severity = format!("{:<8}", hit.severity.as_str());
        write!(
            out,
            "  {}  {:<rule_width$}  {}",
            paint.severity(hit.severity, &severity),
            hit.rule,
            escape_visible(&hit.message)
        )?;
        if !hit.evidence.is_empty() {
            write!(out, "  {}", escape_visible(&Value::Object(hit.evidence.clone()).to_string()))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// Pretty JSON, escaped line by line so its own line breaks survive. JSON already escapes C0
/// controls inside strings; this catches DEL, C1 controls and bidirectional overrides.
fn pretty(map: &Map<String, Value>) -> String {
    let json = serde_json::to_string_pretty(map).unwrap_or_default();
    json.lines().map(escape_visible).collect::<Vec<_>>().join("\n")
}

#[derive(Serialize)]
struct JsonDecode<'a> {
    form: &'static str,
    header: &'a Map<String, Value>,
    claims: Option<&'a Map<String, Value>>,
    /// `exp`, `iat` and `nbf` as RFC 3339 dates.
    dates: Map<String, Value>,
    signature_length: usize,
    findings: Vec<JsonHit<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification: Option<&'a Verification>,
}

#[derive(Serialize)]
struct JsonHit<'a> {
    rule: &'static str,
    severity: Severity,
    message: &'a str,
    evidence: &'a Map<String, Value>,
}

fn write_json(
    token: &Token<'_>,
    hits: &[Hit],
    verification: Option<&Verification>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let claims = token.claims();
    let dates = DATE_CLAIMS
        .iter()
        .filter_map(|&name| {
            let seconds = unix_seconds(claims?.get(name)?)?;
            Some((name.to_string(), Value::String(format_time(seconds))))
        })
        .collect();
    let json = JsonDecode {
        form: match token.form {
            Form::Jws => "JWS",
            Form::Jwe => "JWE",
        },
        header: &token.header,
        claims,
        dates,
        signature_length: token.signature.len(),
        findings: hits
            .iter()
            .map(|hit| JsonHit {
                rule: hit.rule.as_str(),
                severity: hit.severity,
                message: &hit.message,
                evidence: &hit.evidence,
            })
            .collect(),
        verification,
    };
    serde_json::to_writer_pretty(&mut *out, &json)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNSIGNED: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.";

    #[test]
    fn finds_a_token_alone_or_inside_a_line() {
        assert_eq!(locate(&format!("  {UNSIGNED}\n")).unwrap().compact, UNSIGNED);
        let found = locate(&format!("Authorization: Bearer {UNSIGNED}")).unwrap();
        assert_eq!((found.compact.as_str(), found.others), (UNSIGNED, 0));
        assert!(locate("hello.world.again").is_none());
        use base64::Engine as _;
        let wrapped = base64::engine::general_purpose::STANDARD.encode(format!("{UNSIGNED}\n"));
        let found = locate(&wrapped).unwrap();
        assert_eq!((found.compact.as_str(), found.wrapped), (UNSIGNED, true));
    }

    #[test]
    fn text_shows_header_claims_dates_and_findings_but_not_leaked_token() {
        // {"alg":"none"} . {"sub":"1","exp":1700000000}
        let compact = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwiZXhwIjoxNzAwMDAwMDAwfQ.";
        let token = token::decode(compact).unwrap();
        let settings = Settings { now: 1_700_003_600, ..Settings::default() };
        let hits = findings(&token, compact, &settings);
        let found = Found { compact: compact.to_string(), wrapped: false, others: 0 };
        let mut out = Vec::new();
        write_text(&token, &found, &hits, None, &settings, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\"alg\": \"none\""), "{text}");
        assert!(text.contains("exp  2023-11-14T22:13:20Z  expired 1h ago"), "{text}");
        assert!(text.contains("Signature empty"), "{text}");
        assert!(text.contains("critical  alg-none"), "{text}");
        assert!(!text.contains("leaked-token"), "{text}");
    }

    #[test]
    fn json_has_header_claims_and_findings() {
        let token = token::decode(UNSIGNED).unwrap();
        let hits = findings(&token, UNSIGNED, &Settings::default());
        let mut out = Vec::new();
        write_json(&token, &hits, None, &mut out).unwrap();
        let json: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(json["header"]["alg"], "none");
        assert_eq!(json["claims"]["sub"], "1");
        assert_eq!(json["findings"][0]["rule"], "alg-none");
    }
}
