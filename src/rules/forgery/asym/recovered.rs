//! `recovered-rsa-key`, under `--crack`: the RSA public key behind RS256/384/512 tokens that no
//! committed key verifies, from two of their signatures (`public_key::recover`, the gcd method).
//! Tokens are grouped by `kid`, `iss` and signature length (a key's tokens share all three; tokens
//! without a `kid` or an `iss` are grouped by what they have), and at most three pairs of a group
//! are tried (`PAIRS`). The cheap exponents (3 to 257, milliseconds a pair) are tried on every group
//! before e = 65537 (minutes a pair for a 2048-bit key) on any, within `--crack-time` of its own.
//! A recovered key then ties every RS token it verifies, of any group, and is a key like the
//! committed ones for `shared-rsa-prime` and, as a public HMAC candidate, for `secret-in-repo`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use dashu_int::UBig;

use super::Signed;
use crate::collect::Collector;
use crate::config::Settings;
use crate::finding::{Finding, Site, Subject};
use crate::hex::sha256_hex;
use crate::keys::asym::{AsymKey, Material};
use crate::keys::jwk::rsa_public_texts;
use crate::keys::{KeyForm, KeyOrigin};
use crate::mask::Crack;
use crate::public_key::Alg;
use crate::public_key::recover::{EXPONENTS, Outcome, RsToken, recover, verifies};
use crate::rules::forgery::progress::Progress;
use crate::rules::{Hit, id};

/// The pairs of a group's untied tokens tried per exponent class, in turn until one gives a key:
/// enough to step over one token of another key that shares the group's `kid`.
const PAIRS: [(usize, usize); 3] = [(0, 1), (0, 2), (1, 2)];
/// Tokens a finding names (by SHA-256 and place); `tokens` counts them all.
const MAX_LISTED: usize = 20;

/// A recovered key, the tokens it verifies (by place) and the group's `kid`.
pub(super) struct Found {
    pub(super) key: AsymKey,
    pub(super) tokens: Vec<usize>,
    kid: Option<String>,
    e: u32,
}

fn is_rs(alg: Alg) -> bool {
    matches!(alg, Alg::Rs256 | Alg::Rs384 | Alg::Rs512)
}

fn rs_token<'a>(signed: &'a Signed<'_>) -> RsToken<'a> {
    RsToken { alg: signed.alg, input: signed.input.as_bytes(), signature: &signed.signature }
}

/// A token's first place: path, line, column.
fn place<'a>(signed: &Signed<'a>) -> Option<(&'a str, u64, u64)> {
    signed.occurrences.first().map(|o| (&*o.path, o.start.line, o.start.column))
}

/// The RS tokens no key verified, grouped by (`kid`, `iss`, signature length), each group's tokens
/// and the groups in place order.
fn groups(tokens: &[Signed<'_>], verified_by: &[Option<&AsymKey>]) -> Vec<(Option<String>, Vec<usize>)> {
    let mut by_key: BTreeMap<(Option<String>, Option<String>, usize), Vec<usize>> = BTreeMap::new();
    for (i, signed) in tokens.iter().enumerate() {
        if !is_rs(signed.alg) || verified_by[i].is_some() {
            continue;
        }
        let Some(token) = signed.occurrences.first().and_then(|o| crate::token::decode(&o.compact)) else { continue };
        let kid = token.header.get("kid").and_then(|kid| kid.as_str()).map(str::to_owned);
        let iss = token.claims().and_then(|claims| claims.get("iss")?.as_str()).map(str::to_owned);
        by_key.entry((kid, iss, signed.signature.len())).or_default().push(i);
    }
    let mut groups: Vec<(Option<String>, Vec<usize>)> = by_key
        .into_iter()
        .filter(|(_, members)| members.len() >= 2)
        .map(|((kid, _, _), mut members)| {
            members.sort_by_key(|&i| place(&tokens[i]));
            (kid, members)
        })
        .collect();
    groups.sort_by_key(|(_, members)| place(&tokens[members[0]]));
    groups
}

/// Recovers the keys of the groups within `--crack-time`, and says how far it got if that ran out.
pub(super) fn recover_keys(
    collector: &mut Collector,
    tokens: &[Signed<'_>],
    verified_by: &[Option<&AsymKey>],
    crack: &Crack,
) -> Vec<Found> {
    let groups = groups(tokens, verified_by);
    let deadline = Instant::now() + crack.time;
    let mut tied = vec![false; tokens.len()];
    let mut found = Vec::new();
    let mut tried = 0usize;
    // A pair at e = 65537 takes minutes: each pair is announced as it starts.
    let mut progress = Progress::new(true, Duration::ZERO);
    for (phase, exponents) in EXPONENTS.iter().enumerate() {
        for (g, (kid, members)) in groups.iter().enumerate() {
            let mut failed = 0;
            loop {
                let untied: Vec<usize> = members.iter().copied().filter(|&i| !tied[i]).collect();
                let Some(&(x, y)) = PAIRS.get(failed).filter(|&&(_, y)| y < untied.len()) else { break };
                progress.show(|elapsed| {
                    let exponents = match exponents {
                        [first, .., last] => format!("{first} to {last}"),
                        _ => exponents.iter().map(u32::to_string).collect(),
                    };
                    format!(
                        "recovered-rsa-key: e = {exponents}, group {} of {} (keys recovered: {}), {} of {} s",
                        g + 1,
                        groups.len(),
                        found.len(),
                        elapsed.as_secs(),
                        crack.time.as_secs()
                    )
                });
                match recover(&rs_token(&tokens[untied[x]]), &rs_token(&tokens[untied[y]]), exponents, deadline) {
                    Outcome::Found(key) => {
                        tried += 1;
                        failed = 0;
                        let n = UBig::from_be_bytes(&key.n);
                        let mut verified: Vec<usize> = (0..tokens.len())
                            .filter(|&i| is_rs(tokens[i].alg) && verified_by[i].is_none() && !tied[i])
                            .filter(|&i| verifies(&n, key.e, &rs_token(&tokens[i])))
                            .collect();
                        verified.sort_by_key(|&i| place(&tokens[i]));
                        for &i in &verified {
                            tied[i] = true;
                        }
                        found.push(Found {
                            key: as_key(key.n, key.e, &tokens[untied[x]]),
                            tokens: verified,
                            kid: kid.clone(),
                            e: key.e,
                        });
                    }
                    Outcome::NotFound => {
                        tried += 1;
                        failed += 1;
                    }
                    Outcome::OutOfTime => {
                        let from = if phase == 0 { 0 } else { g };
                        let left = groups[from..]
                            .iter()
                            .filter(|(_, members)| members.iter().filter(|&&i| !tied[i]).count() >= 2)
                            .count();
                        collector.note(format!(
                            "recovered-rsa-key: the time budget of {} s (--crack-time) ran out at e = {}: pairs of RS \
                             tokens tried to the end: {tried}, keys recovered: {}; {left} of {} groups of RS tokens \
                             (by kid, iss and signature length) not tried at e = 65537",
                            crack.time.as_secs(),
                            exponents.last().copied().unwrap_or_default(),
                            found.len(),
                            groups.len()
                        ));
                        return found;
                    }
                }
            }
        }
    }
    found
}

/// A recovered key as a key of the tree, at the first token of the pair that gave it.
fn as_key(n: Vec<u8>, e: u32, signed: &Signed<'_>) -> AsymKey {
    let e = e.to_be_bytes();
    let e = e[e.iter().position(|&b| b != 0).unwrap_or(3)..].to_vec();
    let first = signed.occurrences.first();
    AsymKey {
        material: Material::Rsa { n, e },
        private: false,
        path: first.map_or_else(|| std::sync::Arc::from(""), |o| o.path.clone()),
        line: first.map_or(0, |o| o.start.line),
        form: "recovered from RS tokens",
        commit: first.and_then(|o| o.commit.clone()),
        at: 0,
    }
}

/// One `recovered-rsa-key` finding per key, at its first token by place.
pub(super) fn report(collector: &mut Collector, tokens: &[Signed<'_>], found: &[Found], settings: &Settings) {
    for key in found {
        let Material::Rsa { n, .. } = &key.key.material else { continue };
        let Some(first) = key.tokens.first().and_then(|&i| tokens[i].occurrences.first()) else { continue };
        if first.silenced.contains(&id::RECOVERED_RSA_KEY.as_str()) {
            collector.ignored_inline += 1;
            continue;
        }
        let bits = n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
        let sha256 = sha256_hex(n);
        let kid = key.kid.as_deref().map_or_else(String::new, |kid| format!(" (kid {kid:?})"));
        let listed = || key.tokens.iter().take(MAX_LISTED).filter_map(|&i| tokens[i].occurrences.first());
        let hit = Hit::new(
            id::RECOVERED_RSA_KEY,
            format!(
                "RSA public key ({bits} bits, e = {}) recovered from the signatures of RS tokens{kid}: it verifies {} \
                 tokens no committed key does",
                key.e,
                key.tokens.len()
            ),
        )
        .with("recovered_key", sha256.clone())
        .with("modulus_bits", bits)
        .with("public_exponent", key.e)
        .with("n", base64_url(n))
        .with("tokens", key.tokens.len())
        .with("token_sha256s", listed().map(|o| o.sha256.clone()).collect::<Vec<_>>())
        .with("token_places", listed().map(|o| format!("{}:{}", o.path, o.start.line)).collect::<Vec<_>>());
        let hit = match &key.kid {
            Some(kid) => hit.with("kid", kid.clone()),
            None => hit,
        };
        let site = Site {
            path: &first.path,
            member: &first.member,
            start: first.start,
            end: first.end,
            commit: first.commit.as_deref(),
            history: first.history.as_ref().map(|(time, author)| (*time, &**author)),
        };
        let shown = format!("RSA key {} (recovered, {bits} bits)", &sha256[..16]);
        let subject = Subject::Key { redacted: shown.clone(), full: shown, sha256 };
        let mut finding = Finding::new(hit, &site, &subject, settings.show_secrets);
        finding.clues = first.clues.clone();
        collector.push_finding(finding);
    }
}

/// Each recovered key's PEM and DER texts join the tree's keys as public HMAC candidates, at the
/// key's first token: an HS token that verifies under one is a key-confusion forgery made with a
/// key the tree never published (`secret-in-repo`).
pub(super) fn offer_as_hmac_keys(collector: &mut Collector, tokens: &[Signed<'_>], found: &[Found]) {
    let forms = [KeyForm::RecoveredPkcs1Pem, KeyForm::RecoveredPem, KeyForm::RecoveredDer];
    for key in found {
        let Material::Rsa { n, e } = &key.key.material else { continue };
        let Some(first) = key.tokens.first().and_then(|&i| tokens[i].occurrences.first()) else { continue };
        for (text, form, public) in rsa_public_texts(n, e, forms) {
            let origin = KeyOrigin {
                path: first.path.clone(),
                line: first.start.line,
                form,
                public,
                commit: first.commit.clone(),
            };
            collector.keys.push(&text, origin);
        }
    }
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
