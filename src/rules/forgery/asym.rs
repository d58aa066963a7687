//! The forgery checks of asymmetric tokens and keys, after the walk: a committed private key that
//! verifies a committed RS/PS/ES/EdDSA token (`secret-in-repo`), a committed private key at all
//! (`private-key`), under `--crack` the RSA key behind RS tokens no committed key verifies
//! (`recovered-rsa-key`), RSA moduli that share a prime (`shared-rsa-prime`, batch GCD, recovered
//! moduli included) and two ES tokens whose signatures share `r` (`ecdsa-nonce-reuse`). Every check is bounded: by the
//! number of keys and tokens kept (`asym::MAX_ASYM`, `collect::MAX_SIGNED_TOKENS`) and by
//! `MAX_VERIFICATIONS` and `MAX_MODULI` here.

mod recovered;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use dashu_int::UBig;
use dashu_int::ops::Gcd as _;
use num_bigint::BigUint;
use num_integer::Integer as _;

use crate::collect::{Collector, KeyPlace, Occurrence};
use crate::config::Settings;
use crate::context::Clues;
use crate::finding::{Finding, Position, Site, Subject};
use crate::hex::{hex, sha256_hex};
use crate::keys::asym::{AsymKey, Material};
use crate::public_key::Alg;
use crate::rules::{Hit, id};

/// Signature checks of tokens against keys per run (an RSA check is about 30 µs).
const MAX_VERIFICATIONS: usize = 100_000;
/// Distinct moduli in the batch GCD: its remainder tree's divisions grow with the square of the
/// product's size, about a tenth of a second at this many 2048-bit moduli.
const MAX_MODULI: usize = 512;

/// One distinct asymmetric token.
struct Signed<'a> {
    alg: Alg,
    input: &'a str,
    signature: Vec<u8>,
    occurrences: Vec<&'a Occurrence>,
}

fn distinct<'a>(occurrences: &'a [Occurrence], settings: &Settings) -> Vec<Signed<'a>> {
    let mut by_hash: BTreeMap<&str, Signed<'a>> = BTreeMap::new();
    for occurrence in occurrences {
        if settings.allowlist_tokens.contains(&occurrence.sha256) {
            continue;
        }
        if let Some(signed) = by_hash.get_mut(occurrence.sha256.as_str()) {
            signed.occurrences.push(occurrence);
            continue;
        }
        let Some(token) = crate::token::decode(&occurrence.compact) else { continue };
        let Some(alg) = token.alg().and_then(Alg::from_name) else { continue };
        let input = token.signing_input();
        // The signing input borrows the occurrence's text, which outlives the token.
        let input = &occurrence.compact[..input.len()];
        let signed = Signed { alg, input, signature: token.signature, occurrences: vec![occurrence] };
        by_hash.insert(&occurrence.sha256, signed);
    }
    by_hash.into_values().collect()
}

/// Keys by material, each once, at its first place (by path, then line).
fn distinct_keys(keys: &[AsymKey]) -> Vec<&AsymKey> {
    let mut by_material: BTreeMap<&Material, &AsymKey> = BTreeMap::new();
    for key in keys {
        let kept = by_material.entry(&key.material).or_insert(key);
        // The private half wins: it is what makes a token forgeable.
        if (!key.private, &key.path, key.line) < (!kept.private, &kept.path, kept.line) {
            *kept = key;
        }
    }
    by_material.into_values().collect()
}

/// A finding on `key`, with the clues its place gave (`Collector::key_clues`).
fn key_finding(key: &AsymKey, hit: Hit, settings: &Settings, clues: &HashMap<KeyPlace, Clues>) -> Finding {
    let site = Site {
        path: &key.path,
        member: &crate::provenance::Chain::NONE,
        start: Position { line: key.line, column: 1 },
        end: Position { line: key.line, column: 1 },
        commit: key.commit.as_deref(),
        history: None,
    };
    let (kind, public) = describe(&key.material);
    let sha256 = sha256_hex(&public);
    let shown = format!("{kind} key {} ({})", &sha256[..16], key.form);
    let subject = Subject::Key { redacted: shown.clone(), full: shown, sha256 };
    let mut finding = Finding::new(hit, &site, &subject, settings.show_secrets);
    if let Some(clues) = clues.get(&(Arc::clone(&key.path), key.line, key.commit.clone())) {
        finding.clues = clues.clone();
    }
    finding
}

/// A key's kind and the bytes that identify it (the modulus, the point).
fn describe(material: &Material) -> (&'static str, Vec<u8>) {
    let public = match material {
        Material::Rsa { n, .. } => n,
        Material::P256(point) | Material::P384(point) => point,
        Material::Ed25519(public) => public,
    };
    (material.kind(), public.clone())
}

fn push_on_tokens(collector: &mut Collector, signed: &Signed<'_>, hit: &Hit, settings: &Settings) {
    for occurrence in &signed.occurrences {
        if occurrence.silenced.contains(&hit.rule.as_str()) {
            collector.ignored_inline += 1;
            continue;
        }
        collector.push_finding(occurrence.finding(hit.clone(), settings.show_secrets));
    }
}

pub fn pass(collector: &mut Collector, settings: &Settings) {
    if collector.signed_dropped > 0 {
        collector.note(format!(
            "asymmetric checks: {} RS/PS/ES/EdDSA token occurrences past the {} kept were not checked against the \
             tree's keys",
            collector.signed_dropped,
            crate::collect::MAX_SIGNED_TOKENS
        ));
    }
    let keys = std::mem::take(&mut collector.keys.asym);
    let occurrences = std::mem::take(&mut collector.signed_tokens);
    let tokens = distinct(&occurrences, settings);
    let keys = distinct_keys(&keys);
    if settings.rule_enabled(id::PRIVATE_KEY) {
        for key in keys.iter().filter(|key| key.private && key.form.starts_with("PEM")) {
            let (kind, _) = describe(&key.material);
            let hit = Hit::new(id::PRIVATE_KEY, format!("{kind} private key is committed ({})", key.form))
                .with("key_type", kind)
                .with("key_form", key.form);
            let finding = key_finding(key, hit, settings, &collector.key_clues);
            collector.push_finding(finding);
        }
    }
    let mut verifications = 0usize;
    let mut verified_by: Vec<Option<&AsymKey>> = vec![None; tokens.len()];
    for (signed, verified) in tokens.iter().zip(&mut verified_by) {
        for key in &keys {
            if verifications >= MAX_VERIFICATIONS {
                break;
            }
            verifications += 1;
            if key.material.verifies(signed.alg, signed.input.as_bytes(), &signed.signature).unwrap_or(false) {
                *verified = Some(key);
                break;
            }
        }
    }
    if verifications >= MAX_VERIFICATIONS {
        collector.note(format!(
            "secret-in-repo: {} asymmetric tokens and {} keys are over the {MAX_VERIFICATIONS} signature checks \
             of a run: some pairs were not checked",
            tokens.len(),
            keys.len()
        ));
    }
    if settings.rule_enabled(id::SECRET_IN_REPO) {
        for (signed, key) in tokens.iter().zip(&verified_by) {
            let Some(key) = key.filter(|key| key.private) else { continue };
            let hit = Hit::new(
                id::SECRET_IN_REPO,
                format!(
                    "{} token verifies under the private key committed at {}:{}: anyone with the tree can sign tokens",
                    signed.alg.name(),
                    key.path,
                    key.line
                ),
            )
            .with("secret_path", key.path.to_string())
            .with("secret_line", key.line)
            .with("public_key", false)
            .with("key_form", format!("private key, {}", key.form));
            push_on_tokens(collector, signed, &hit, settings);
        }
    }
    // Under --crack, keys recovered from RS tokens verify them and join the committed ones.
    let recovered = match &settings.crack {
        Some(crack) if settings.rule_enabled(id::RECOVERED_RSA_KEY) => {
            recovered::recover_keys(collector, &tokens, &verified_by, crack)
        }
        _ => Vec::new(),
    };
    recovered::report(collector, &tokens, &recovered, settings);
    recovered::offer_as_hmac_keys(collector, &tokens, &recovered);
    let mut keys = keys;
    for found in &recovered {
        keys.push(&found.key);
        for &i in &found.tokens {
            verified_by[i] = Some(&found.key);
        }
    }
    if settings.rule_enabled(id::SHARED_RSA_PRIME) {
        shared_primes(collector, &keys, &tokens, &verified_by, settings);
    }
    if settings.rule_enabled(id::ECDSA_NONCE_REUSE) {
        nonce_reuse(collector, &tokens, settings);
    }
}

/// Batch GCD (a product tree, then a tree of the other moduli's products): for each modulus, the
/// gcd of it with the product of all the others, without computing each pair. Down the tree each
/// node keeps the product of every other node of its level modulo itself, from its parent's and
/// its sibling's, so the divisions are of a node's size; the textbook remainder tree (the product
/// modulo each node's square) divides numbers twice as long and took twice the time at 512
/// moduli. The gcds are the same: for a modulus n of the product P, (P mod n²) / n = (P / n) mod n.
/// The nodes of a level are independent: they are computed in parallel, on the caller's rayon pool.
fn batch_gcd(moduli: &[BigUint]) -> Vec<BigUint> {
    use rayon::prelude::*;
    // `dashu-int` multiplies and divides the upper levels' long numbers subquadratically and its
    // gcd is Lehmer's: 2,048-bit moduli by the hundred took num-bigint most of a scan without tokens.
    let moduli: Vec<UBig> = moduli.iter().map(|n| UBig::from_be_bytes(&n.to_bytes_be())).collect();
    let mut levels = vec![moduli.clone()];
    while levels.last().is_some_and(|level| level.len() > 1) {
        let Some(level) = levels.last() else { break };
        let next = level.par_chunks(2).map(|pair| pair.iter().product()).collect();
        levels.push(next);
    }
    // The root has no other node.
    let mut others = vec![UBig::ONE];
    levels.pop();
    while let Some(level) = levels.pop() {
        others = level
            .par_iter()
            .enumerate()
            .map(|(i, node)| {
                let parent = &others[i / 2] % node;
                match level.get(i ^ 1) {
                    Some(sibling) => (parent * (sibling % node)) % node,
                    // An odd node out is its parent.
                    None => parent,
                }
            })
            .collect();
    }
    moduli.par_iter().zip(others).map(|(n, other)| BigUint::from_bytes_be(&other.gcd(n).to_be_bytes())).collect()
}

fn shared_primes(
    collector: &mut Collector,
    keys: &[&AsymKey],
    tokens: &[Signed<'_>],
    verified_by: &[Option<&AsymKey>],
    settings: &Settings,
) {
    let rsa: Vec<(&AsymKey, BigUint)> = keys
        .iter()
        .filter_map(|key| match &key.material {
            Material::Rsa { n, .. } => Some((*key, BigUint::from_bytes_be(n))),
            _ => None,
        })
        .filter(|(_, n)| n.bits() >= 64)
        .collect();
    if rsa.len() < 2 {
        return;
    }
    if rsa.len() > MAX_MODULI {
        collector.note(format!(
            "shared-rsa-prime: {} distinct RSA moduli, over the {MAX_MODULI} compared: the first {MAX_MODULI} by \
             place were",
            rsa.len()
        ));
    }
    let rsa = &rsa[..rsa.len().min(MAX_MODULI)];
    let moduli: Vec<BigUint> = rsa.iter().map(|(_, n)| n.clone()).collect();
    let gcds = settings.on_threads(|| batch_gcd(&moduli));
    let one = BigUint::from(1u8);
    let weak: Vec<usize> = (0..rsa.len()).filter(|&i| gcds[i] > one).collect();
    let mut factored: HashMap<&[u8], String> = HashMap::new();
    // One finding per pair, at the later key by place: the earlier one is named in it.
    for (a, &i) in weak.iter().enumerate() {
        for &j in &weak[a + 1..] {
            if moduli[i].gcd(&moduli[j]) == one {
                continue;
            }
            let (first, second) = if (&rsa[i].0.path, rsa[i].0.line) <= (&rsa[j].0.path, rsa[j].0.line) {
                (rsa[i].0, rsa[j].0)
            } else {
                (rsa[j].0, rsa[i].0)
            };
            let bits = moduli[i].bits().max(moduli[j].bits());
            let hit = Hit::new(
                id::SHARED_RSA_PRIME,
                format!(
                    "RSA key ({}) shares a prime with the key at {}:{}: one gcd factors both",
                    second.form, first.path, first.line
                ),
            )
            .with("modulus_bits", bits)
            .with("other_path", first.path.to_string())
            .with("other_line", first.line)
            .with("private_key", second.private || first.private);
            let finding = key_finding(second, hit, settings, &collector.key_clues);
            collector.push_finding(finding);
        }
        let (key, _) = rsa[i];
        if let Material::Rsa { n, .. } = &key.material {
            factored.insert(n, format!("{}:{}", key.path, key.line));
        }
    }
    for (signed, key) in tokens.iter().zip(verified_by) {
        let Some(key) = key else { continue };
        let Material::Rsa { n, .. } = &key.material else { continue };
        let Some(place) = factored.get(&n[..]) else { continue };
        let hit = Hit::new(
            id::SHARED_RSA_PRIME,
            format!(
                "{} token is signed by the RSA key at {place}, whose modulus shares a prime: forgeable",
                signed.alg.name()
            ),
        )
        .with("key_path", key.path.to_string())
        .with("key_line", key.line);
        push_on_tokens(collector, signed, &hit, settings);
    }
}

/// Two ES tokens over different inputs whose signatures share `r` were signed with the same
/// nonce: from the two, the signing key follows by arithmetic modulo the curve's order.
fn nonce_reuse(collector: &mut Collector, tokens: &[Signed<'_>], settings: &Settings) {
    let mut by_r: BTreeMap<(&str, &[u8]), Vec<usize>> = BTreeMap::new();
    for (i, signed) in tokens.iter().enumerate() {
        let half = match signed.alg {
            Alg::Es256 => 32,
            Alg::Es384 => 48,
            _ => continue,
        };
        if signed.signature.len() != 2 * half {
            continue;
        }
        by_r.entry((signed.alg.name(), &signed.signature[..half])).or_default().push(i);
    }
    for ((alg, r), group) in by_r {
        // The first use by place is where the nonce was spent; each later token reuses it.
        let place = |i: usize| tokens[i].occurrences.first().map(|o| (o.path.clone(), o.start.line, o.start.column));
        let mut group = group;
        group.sort_by_key(|&i| place(i));
        let Some((&first, later)) = group.split_first() else { continue };
        let Some((path, line, _)) = place(first) else { continue };
        for &i in later {
            if tokens[i].input == tokens[first].input {
                continue;
            }
            let hit = Hit::new(
                id::ECDSA_NONCE_REUSE,
                format!(
                    "{alg} token reuses the signature nonce of the token at {path}:{line} (same r): the private key is recoverable"
                ),
            )
            .with("r_prefix", hex(&r[..4]))
            .with("other_path", path.to_string())
            .with("other_line", line)
            .with("tokens_sharing_r", group.len());
            push_on_tokens(collector, &tokens[i], &hit, settings);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_gcd_finds_the_moduli_that_share_a_prime_and_only_those() {
        let n = |a: u64, b: u64| BigUint::from(a) * BigUint::from(b);
        let moduli = [n(1_000_003, 1_000_033), n(1_000_037, 1_000_039), n(1_000_003, 1_000_081)];
        let gcds = batch_gcd(&moduli);
        assert_eq!(gcds, [BigUint::from(1_000_003u64), BigUint::from(1u8), BigUint::from(1_000_003u64)]);
    }

    #[test]
    fn batch_gcd_gives_each_modulus_its_gcd_with_the_product_of_the_others() {
        let primes: [u64; 9] =
            [1_000_003, 1_000_033, 1_000_037, 1_000_039, 1_000_081, 1_000_099, 1_000_117, 1_000_121, 1_000_133];
        let n = |a: usize, b: usize| BigUint::from(primes[a]) * BigUint::from(primes[b]);
        // Odd and even level sizes, a repeated modulus, a prime shared three ways.
        for moduli in [
            vec![n(0, 1)],
            vec![n(0, 1), n(2, 3)],
            vec![n(0, 1), n(2, 3), n(4, 5), n(1, 6), n(7, 8)],
            vec![n(0, 1), n(2, 3), n(0, 1), n(4, 5), n(6, 2), n(7, 8), n(5, 8)],
        ] {
            let pairwise: Vec<BigUint> = (0..moduli.len())
                .map(|i| {
                    let others: BigUint = (0..moduli.len()).filter(|&j| j != i).map(|j| &moduli[j]).product();
                    others.gcd(&moduli[i])
                })
                .collect();
            assert_eq!(batch_gcd(&moduli), pairwise, "{moduli:?}");
        }
    }
}
