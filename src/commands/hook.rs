//! `jwtscan hook pre-receive` and `jwtscan hook update`: push protection for a server that
//! receives pushes (a bare repository, GitLab self-managed server hooks, Gitea/Forgejo, Gerrit).
//!
//! Git runs the hook before it updates any reference, with the pushed objects in a quarantine
//! directory it names in `GIT_OBJECT_DIRECTORY` (and the repository's own objects in
//! `GIT_ALTERNATE_OBJECT_DIRECTORIES`). The hook scans exactly the commits the push adds: those
//! reachable from the new values and from no existing reference, so a new branch is scanned
//! against every branch and tag the server has, and a deleted ref brings nothing. A failing
//! finding refuses the whole push with a short message on stderr, which git relays to the pusher
//! as `remote:` lines; tokens in it are redacted, as in every report.
//!
//! The scan runs under a time budget (`--timeout`). A push that could not be scanned in full (the
//! budget spent, an object unreadable, a config error) is refused unless `--fail-open`.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};
use gix::ObjectId;

use super::Exit;
use crate::cli::{HookArgs, HookKind, ScanOptions};
use crate::commands::report::build_report;
use crate::config;
use crate::report::escape_visible;

/// Failing findings the refusal lists; the count says how many more there are.
const SHOWN: usize = 10;
/// Standard input a pre-receive hook reads: one line per ref, ~100 bytes each; a push of
/// hundreds of thousands of refs stays well below.
const MAX_STDIN_BYTES: u64 = 64 << 20;

/// One line git gives a pre-receive hook: `OLD NEW REF`.
#[derive(Debug, PartialEq, Eq)]
pub struct Update {
    pub old: ObjectId,
    pub new: ObjectId,
    pub refname: String,
}

/// What the scan concluded, owned so it can leave the scanning thread.
struct Verdict {
    /// One line per failing finding, the first `SHOWN` in report order.
    lines: Vec<String>,
    failing: u64,
    by_severity: String,
    /// Objects or trees that could not be scanned.
    errors: u64,
    warnings: Vec<String>,
}

pub fn run(args: HookArgs) -> Result<Exit> {
    let budget = crate::time::parse_duration(&args.timeout)
        .filter(|seconds| *seconds > 0)
        .ok_or_else(|| anyhow!("--timeout {}: expected a duration such as 30s, 5m or 1h", args.timeout))?;
    let updates = match &args.kind {
        HookKind::PreReceive => {
            let mut text = String::new();
            std::io::stdin()
                .lock()
                .take(MAX_STDIN_BYTES)
                .read_to_string(&mut text)
                .context("cannot read the ref updates on standard input")?;
            parse_updates(&text)?
        }
        HookKind::Update { refname, old, new } => vec![parse_update(old, new, refname)?],
    };
    let mut tips: Vec<ObjectId> =
        updates.iter().filter(|update| !update.new.is_null()).map(|update| update.new).collect();
    tips.sort_unstable();
    tips.dedup();
    if tips.is_empty() {
        // Only deletions: nothing is added.
        return Ok(Exit::Clean);
    }
    let started = Instant::now();
    let (sender, receiver) = mpsc::channel();
    let scan_args = args.clone();
    // A scan past its budget is left behind: the process exits with the verdict, which ends it.
    std::thread::spawn(move || {
        let _ = sender.send(scan(&scan_args, &tips, started));
    });
    let verdict = match receiver.recv_timeout(Duration::from_secs(budget.unsigned_abs())) {
        Ok(Ok(verdict)) => verdict,
        Ok(Err(err)) => return Ok(incomplete(&args, &format!("{err:#}"))),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            let reason = format!("the scan did not finish within --timeout {}", args.timeout);
            return Ok(incomplete(&args, &reason));
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(incomplete(&args, "the scan stopped unexpectedly")),
    };
    for warning in &verdict.warnings {
        eprintln!("jwtscan: warning: {warning}");
    }
    if verdict.failing > 0 {
        let noun = if verdict.failing == 1 { "finding fails" } else { "findings fail" };
        eprintln!("jwtscan: push refused: {} {noun} in the commits it adds ({})", verdict.failing, verdict.by_severity);
        for line in &verdict.lines {
            eprintln!("jwtscan:   {line}");
        }
        if verdict.failing > verdict.lines.len() as u64 {
            eprintln!("jwtscan:   and {} more", verdict.failing - verdict.lines.len() as u64);
        }
        eprintln!(
            "jwtscan: remove each token from the commits that add it (rewrite them; a token that was \
             pushed anywhere must also be revoked), then push again. `jwtscan rules RULE` explains a rule."
        );
        return Ok(Exit::Findings);
    }
    if verdict.errors > 0 {
        let reason = format!("{} objects or trees could not be scanned (see the warnings)", verdict.errors);
        return Ok(incomplete(&args, &reason));
    }
    Ok(Exit::Clean)
}

/// A push that could not be scanned in full: refused, or accepted with a warning under
/// `--fail-open`.
fn incomplete(args: &HookArgs, reason: &str) -> Exit {
    let reason = escape_visible(&crate::redact::safe_lines(reason)).into_owned();
    if args.fail_open {
        eprintln!("jwtscan: warning: push accepted unscanned (--fail-open): {reason}");
        Exit::Clean
    } else {
        eprintln!(
            "jwtscan: push refused: it could not be scanned in full: {reason} (the hook fails closed; --fail-open accepts such pushes)"
        );
        Exit::Findings
    }
}

/// Parses what git gives a pre-receive hook: one `OLD NEW REF` line per updated ref.
pub fn parse_updates(text: &str) -> Result<Vec<Update>> {
    let mut updates = Vec::new();
    for line in text.lines().filter(|line| !line.is_empty()) {
        let mut fields = line.splitn(3, ' ');
        let (Some(old), Some(new), Some(refname)) = (fields.next(), fields.next(), fields.next()) else {
            bail!("expected `OLD NEW REF` lines on standard input, as git gives a pre-receive hook");
        };
        updates.push(parse_update(old, new, refname)?);
    }
    Ok(updates)
}

fn parse_update(old: &str, new: &str, refname: &str) -> Result<Update> {
    let id = |text: &str| {
        ObjectId::from_hex(text.as_bytes())
            .map_err(|_| anyhow!("{}: not an object id", escape_visible(&text.chars().take(80).collect::<String>())))
    };
    Ok(Update { old: id(old)?, new: id(new)?, refname: refname.to_string() })
}

fn scan(args: &HookArgs, tips: &[ObjectId], started: Instant) -> Result<Verdict> {
    let mut shared = gix::ThreadSafeRepository::discover(&args.repo)
        .map_err(|err| anyhow!("{}: not a git repository ({err})", args.repo.display()))?;
    // Held until the scan ends: the object store reads through it.
    let _quarantine = use_quarantine(&mut shared)?;
    let repo = shared.to_thread_local();
    let root = repo.workdir().unwrap_or_else(|| repo.git_dir()).to_path_buf();
    let options = ScanOptions {
        fail_on: args.fail_on,
        config: args.config.clone(),
        strict: args.strict,
        ..ScanOptions::default()
    };
    let settings = if args.config.is_some() {
        config::resolve(std::slice::from_ref(&root), &options)?
    } else {
        // The gate's config comes from what the server already has, never from the push.
        let head = repo.head_commit().ok();
        let found = head.as_ref().and_then(|commit| {
            let tree = commit.tree_id().ok()?.detach();
            crate::gate::config_in(&repo, tree)
        });
        let display = match (&head, &found) {
            (Some(commit), Some((name, _))) => format!("{}:{name}", commit.id().shorten_or_id()),
            _ => "HEAD (no config)".to_string(),
        };
        config::resolve_from_commit(&root, &options, &display, found.as_ref().map(|(_, text)| &text[..]))?
    };
    let collector = super::git::scan_pushed(&shared, tips, &settings)?;
    let report = build_report(collector, &settings, started);
    let mut lines = Vec::new();
    let mut counts = [0u64; 5];
    for finding in report.findings.iter() {
        let finding = finding.context("findings written to a temporary file could not be read back")?;
        if !finding.fails {
            continue;
        }
        counts[finding.severity as usize] += 1;
        if lines.len() < SHOWN {
            let commit = finding.commit.as_deref().map_or("", |commit| &commit[..commit.len().min(7)]);
            lines.push(
                escape_visible(&format!(
                    "{:<8} {:<20} {}:{}:{} {commit} {}",
                    finding.severity.as_str(),
                    finding.rule,
                    finding.path,
                    finding.line,
                    finding.column,
                    finding.token
                ))
                .into_owned(),
            );
        }
    }
    let by_severity: Vec<String> = crate::severity::Severity::ALL
        .iter()
        .rev()
        .filter(|severity| counts[**severity as usize] > 0)
        .map(|severity| format!("{} {}", counts[*severity as usize], severity.as_str()))
        .collect();
    Ok(Verdict {
        lines,
        failing: counts.iter().sum(),
        by_severity: by_severity.join(", "),
        errors: report.summary.errors,
        warnings: report.problems.iter().map(|problem| escape_visible(&problem.to_string()).into_owned()).collect(),
    })
}

/// Reads objects the way git's hook environment says to: a pushed commit is only in the
/// quarantine directory until every hook has accepted the push. gix does not read
/// `GIT_OBJECT_DIRECTORY` itself, so the store is rebuilt over an empty object directory (in a
/// temporary folder, never inside the repository) whose alternates are the quarantine and the
/// repository's own objects. Outside a hook nothing changes.
fn use_quarantine(shared: &mut gix::ThreadSafeRepository) -> Result<Option<tempfile::TempDir>> {
    let Some(objects) = std::env::var_os("GIT_OBJECT_DIRECTORY").filter(|dir| !dir.is_empty()) else {
        return Ok(None);
    };
    let mut dirs = vec![PathBuf::from(objects)];
    if let Some(alternates) = std::env::var_os("GIT_ALTERNATE_OBJECT_DIRECTORIES") {
        dirs.extend(std::env::split_paths(&alternates).filter(|dir| !dir.as_os_str().is_empty()));
    }
    let folder = tempfile::tempdir().context("cannot create a temporary folder")?;
    std::fs::create_dir_all(folder.path().join("info"))?;
    let mut listing = String::new();
    for dir in &dirs {
        let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.clone());
        let Some(text) = absolute.to_str().filter(|text| !text.contains('\n')) else {
            bail!("{}: an object directory path git's alternates cannot list", Path::new(dir).display());
        };
        listing.push_str(text);
        listing.push('\n');
    }
    std::fs::write(folder.path().join("info").join("alternates"), listing)?;
    let hash = shared.to_thread_local().object_hash();
    let store = gix::odb::Store::at_opts(
        folder.path().to_path_buf(),
        hash,
        &mut std::iter::empty(),
        gix::odb::store::init::Options::default(),
    )
    .context("cannot open the pushed objects")?;
    shared.objects = gix::features::threading::OwnShared::new(store);
    Ok(Some(folder))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const ZERO: &str = "0000000000000000000000000000000000000000";

    #[test]
    fn update_lines_parse_and_a_deletion_has_a_null_new_value() {
        let updates =
            parse_updates(&format!("{A} {ZERO} refs/heads/gone\n{ZERO} {A} refs/heads/new branch\n")).unwrap();
        assert_eq!(updates.len(), 2);
        assert!(updates[0].new.is_null());
        assert!(updates[1].old.is_null());
        assert_eq!(updates[1].refname, "refs/heads/new branch");
    }

    #[test]
    fn a_malformed_line_is_an_error_that_echoes_no_long_value() {
        assert!(parse_updates("just-one-field\n").is_err());
        let long = "x".repeat(500);
        let err = parse_updates(&format!("{long} {A} refs/heads/main")).unwrap_err().to_string();
        assert!(err.len() < 200, "{err}");
    }
}
