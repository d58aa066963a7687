//! Which needles share a bucket of slim Teddy (8 buckets, 32 bytes a step), chosen from measured
//! byte frequencies rather than left to the order the needles are written in.
//!
//! Teddy flags a position when the low and high nibbles of the bytes there are among those of
//! some needle of one bucket, so a bucket whose needles differ in every byte accepts the cross
//! product of their nibbles: `ewo` + `SDR` + `gni` in one bucket also accepts `cti` (of every
//! `function`), `edi` and `et_`, each a candidate to verify. aho-corasick puts a needle whose first three
//! bytes' low nibbles are new into bucket `7 - id % 8` and any other into the bucket of the first
//! needle sharing them, so the order the needles are added in decides the buckets. Left to the
//! written order, the fused token and hint search flagged 6.2 positions a KiB of source (40 MB of
//! the tree in docs/performance.md); with the plans below, chosen by a local search over splits
//! of the needles' 20 nibble prefixes into 8 buckets scored on that sample, 0.18: as few as fat
//! Teddy's 16 buckets, at half its loop's cost a byte.

/// The needles of each of slim Teddy's 8 buckets. The last bucket must be the rarest: it gets
/// the first needle added, which `arrange` repeats where a slot must be filled.
pub(crate) type Plan = [&'static [&'static str]; 8];

/// The token needles (`layers::needles`) then the hint needles (`needles::HINTS`).
pub(crate) const FUSED: Plan = [
    &["eyJ", "eyAi", "V5S"],
    &["leU", "BEGIN "],
    &["ecret", "ECRET"],
    &["gning", "GNING", "kty"],
    &["H4sI", "hmac", "Hmac", "HMAC"],
    &["ZXlK", "jwt", "Jwt", "JWT", "jose", "Jose", "JOSE"],
    &["ewog", "ewoi", "ewoJ", "ew0K"],
    &["SDRzS", "eJw", "eJx", "eJy", "eJz"],
];

/// The token needles alone: after a hint word, without the forgery checks, and in decoded layers.
pub(crate) const TOKENS: Plan = [
    &["ew0K"],
    &["H4sI"],
    &["ZXlK", "V5S"],
    &["SDRzS"],
    &["eyJ", "eyAi"],
    &["leU"],
    &["ewog", "ewoi", "ewoJ"],
    &["eJw", "eJx", "eJy", "eJz"],
];

/// The words of a line that names a secret (`keys::named`), in their three cases: measured on
/// the files holding a hint word, where that search runs.
pub(crate) const NAMES: Plan = [
    &["auth", "Auth", "AUTH"],
    &["key", "Key", "KEY"],
    &["pass", "Pass", "PASS"],
    &["token", "Token", "TOKEN", "sign", "Sign", "SIGN"],
    &["secret", "Secret", "SECRET"],
    &["cred", "Cred", "CRED"],
    &["jwt", "Jwt", "JWT", "hmac", "Hmac", "HMAC"],
    &["salt", "Salt", "SALT"],
];

/// Teddy's fingerprint of a needle: the low nibbles of its first three bytes.
fn nibbles(needle: &[u8]) -> Option<[u8; 3]> {
    match needle {
        [a, b, c, ..] => Some([a & 15, b & 15, c & 15]),
        _ => None,
    }
}

/// The order to add `needles` in (indices into it, the last bucket's first needle repeated where
/// a slot must be filled) for aho-corasick's slim Teddy to build `plan`'s buckets. `None` if the
/// plan does not hold every needle exactly once, holds a needle shorter than three bytes, or
/// splits needles of one fingerprint (Teddy keeps those together).
pub(crate) fn arrange<P: AsRef<[u8]>>(needles: &[P], plan: &Plan) -> Option<Vec<usize>> {
    const BUCKETS: usize = 8;
    let mut used = vec![false; needles.len()];
    // Per bucket, its fingerprints' needles in the needles' order, a fingerprint first seen first.
    let mut groups: Vec<std::collections::VecDeque<Vec<usize>>> = vec![Default::default(); BUCKETS];
    let mut bucket_of = std::collections::HashMap::new();
    for (bucket, words) in plan.iter().enumerate() {
        let mut members: Vec<usize> = Vec::with_capacity(words.len());
        for word in *words {
            let index = needles.iter().position(|needle| needle.as_ref() == word.as_bytes())?;
            if std::mem::replace(&mut used[index], true) {
                return None;
            }
            members.push(index);
        }
        members.sort_unstable();
        for index in members {
            let print = nibbles(needles[index].as_ref())?;
            if *bucket_of.entry(print).or_insert(bucket) != bucket {
                return None;
            }
            match groups[bucket].iter_mut().find(|group| nibbles(needles[group[0]].as_ref()) == Some(print)) {
                Some(group) => group.push(index),
                None => groups[bucket].push_back(vec![index]),
            }
        }
    }
    if used.contains(&false) || groups[BUCKETS - 1].is_empty() {
        return None;
    }
    // Slot `i` starts a fingerprint in bucket `7 - i % 8`; a slot whose bucket has none left takes
    // a needle whose fingerprint is placed (in the needles' order within it), else the filler.
    let mut order: Vec<usize> = Vec::with_capacity(needles.len() + BUCKETS);
    let mut pending = std::collections::VecDeque::new();
    while groups.iter().any(|left| !left.is_empty()) || !pending.is_empty() {
        let bucket = BUCKETS - 1 - order.len() % BUCKETS;
        if let Some(group) = groups[bucket].pop_front() {
            order.push(group[0]);
            pending.extend(group[1..].iter().copied());
        } else if let Some(next) = pending.pop_front() {
            order.push(next);
        } else {
            order.push(order[0]);
        }
    }
    Some(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// aho-corasick's rule (`packed::teddy::generic::Teddy::new`, the version Cargo.lock pins).
    fn buckets_built<'a>(needles: &[&'a [u8]]) -> Vec<Vec<&'a [u8]>> {
        let mut buckets = vec![Vec::new(); 8];
        let mut by_print = std::collections::HashMap::new();
        for (id, needle) in needles.iter().enumerate() {
            let bucket = *by_print.entry(nibbles(needle).unwrap()).or_insert(7 - id % 8);
            if !buckets[bucket].contains(needle) {
                buckets[bucket].push(*needle);
            }
        }
        buckets
    }

    fn check(needles: &[Vec<u8>], plan: &Plan) {
        let order = arrange(needles, plan).expect("the plan holds every needle once");
        let added: Vec<&[u8]> = order.iter().map(|&i| needles[i].as_slice()).collect();
        let mut built = buckets_built(&added);
        for bucket in &mut built {
            bucket.sort_unstable();
        }
        for (bucket, words) in plan.iter().enumerate() {
            let mut want: Vec<&[u8]> = words.iter().map(|word| word.as_bytes()).collect();
            want.sort_unstable();
            assert_eq!(built[bucket], want, "bucket {bucket}");
        }
        // Needles of one fingerprint keep their order: leftmost-first picks the earlier one.
        for pair in order.windows(2) {
            let (a, b) = (&needles[pair[0]], &needles[pair[1]]);
            assert!(nibbles(a) != nibbles(b) || pair[0] <= pair[1], "{a:?} {b:?}");
        }
    }

    #[test]
    fn every_plan_builds_its_buckets_in_slim_teddy() {
        let tokens: Vec<Vec<u8>> = crate::find::token_needles().collect();
        check(&tokens, &TOKENS);
        let hints = crate::find::needles::HINTS.iter().map(|hint| hint.needle.as_bytes().to_vec());
        check(&tokens.iter().cloned().chain(hints).collect::<Vec<_>>(), &FUSED);
        let names: Vec<Vec<u8>> = crate::keys::named_needles().into_iter().map(String::into_bytes).collect();
        check(&names, &NAMES);
    }

    #[test]
    fn a_plan_missing_a_needle_or_splitting_a_fingerprint_is_refused() {
        let needles = [b"jwt".to_vec(), b"JWT".to_vec(), b"kty".to_vec()];
        let split: Plan = [&["jwt"], &["JWT"], &[], &[], &[], &[], &[], &["kty"]];
        assert_eq!(arrange(&needles, &split), None);
        let missing: Plan = [&["jwt", "JWT"], &[], &[], &[], &[], &[], &[], &[]];
        assert_eq!(arrange(&needles, &missing), None);
        let whole: Plan = [&["kty"], &[], &[], &[], &[], &[], &[], &["jwt", "JWT"]];
        assert_eq!(arrange(&needles, &whole), Some(vec![0, 1, 0, 0, 0, 0, 0, 2]));
    }
}
