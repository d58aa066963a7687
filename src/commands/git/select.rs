//! Which commits `jwtscan git` starts from and which it leaves out: every reference (stash
//! entries included), `--since`, or `--range`.

use anyhow::{Context as _, Result, anyhow, bail};
use gix::ObjectId;
use gix::objs::Kind;

use crate::cli::GitArgs;
use crate::collect::Collector;
/// The commits to start from and the commits to leave out (with their ancestors), by mode.
pub(super) fn select(
    repo: &gix::Repository,
    args: &GitArgs,
    out: &mut Collector,
) -> Result<(Vec<ObjectId>, Vec<ObjectId>)> {
    if let Some(range) = &args.range {
        let spec =
            repo.rev_parse(range.as_str()).map_err(|err| anyhow!("--range {range}: cannot resolve ({err})"))?.detach();
        let commit = |id: ObjectId| peel_to_commit(repo, id).with_context(|| format!("--range {range}"));
        return Ok(match spec {
            gix::revision::plumbing::Spec::Range { from, to } => (vec![commit(to)?], vec![commit(from)?]),
            gix::revision::plumbing::Spec::Merge { theirs, ours } => {
                let (theirs, ours) = (commit(theirs)?, commit(ours)?);
                let base = repo.merge_base(theirs, ours).map(|id| vec![id.detach()]).unwrap_or_default();
                (vec![theirs, ours], base)
            }
            gix::revision::plumbing::Spec::Include(id) => (vec![commit(id)?], Vec::new()),
            _ => bail!("--range {range}: expected A..B (or A...B, or one revision)"),
        });
    }
    // Notes commits are read by `messages`, which places each note at the commit it annotates.
    let tips = all_tips(repo, false, out)?;
    let hidden = match &args.since {
        Some(rev) => {
            let id = repo
                .rev_parse_single(rev.as_str())
                .map_err(|err| anyhow!("--since {rev}: cannot resolve ({err})"))?
                .detach();
            vec![peel_to_commit(repo, id).with_context(|| format!("--since {rev}"))?]
        }
        None => Vec::new(),
    };
    Ok((tips, hidden))
}

pub(super) fn peel_to_commit(repo: &gix::Repository, id: ObjectId) -> Result<ObjectId> {
    let object = repo.find_object(id).map_err(|err| anyhow!("cannot read {id}: {err}"))?;
    let commit = object.peel_to_kind(Kind::Commit).map_err(|err| anyhow!("{id} does not name a commit: {err}"))?;
    Ok(commit.id)
}

/// Every commit a reference points to: branches, tags, remotes, notes (unless `!notes`), `HEAD`,
/// and every entry of the stash's reflog (only the newest stash has a reference).
pub(super) fn all_tips(repo: &gix::Repository, notes: bool, out: &mut Collector) -> Result<Vec<ObjectId>> {
    let mut tips = Vec::new();
    let mut not_commits = 0u64;
    let platform = repo.references().context("cannot read references")?;
    let references = platform.all().context("cannot read references")?;
    for reference in references {
        let mut reference = match reference {
            Ok(reference) => reference,
            Err(err) => {
                out.error("(references)", &format!("unreadable reference: {err}"));
                continue;
            }
        };
        let name = reference.name().as_bstr().to_string();
        if !notes && name.starts_with(super::messages::NOTES_PREFIX) {
            continue;
        }
        match reference.peel_to_id() {
            Ok(id) => match peel_to_commit(repo, id.detach()) {
                Ok(commit) => tips.push(commit),
                Err(_) => not_commits += 1,
            },
            Err(err) => out.error(&name, &format!("cannot resolve reference: {err}")),
        }
        if name == "refs/stash" {
            stash_entries(&reference, &mut tips);
        }
    }
    if let Ok(head) = repo.head_id() {
        tips.push(head.detach());
    }
    if not_commits > 0 {
        out.note(format!("{not_commits} reference(s) point to a tree or blob, not a commit: not scanned"));
    }
    tips.sort_unstable();
    tips.dedup();
    Ok(tips)
}

pub(super) fn stash_entries(reference: &gix::Reference<'_>, tips: &mut Vec<ObjectId>) {
    let mut platform = reference.log_iter();
    if let Ok(Some(entries)) = platform.all() {
        tips.extend(entries.filter_map(Result::ok).map(|line| line.new_oid()).filter(|id| !id.is_null()));
    }
}
