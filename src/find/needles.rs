//! One SIMD pass over a buffer for a few fixed strings: Teddy (packed) where the CPU has it, the
//! general Aho-Corasick automaton elsewhere. Case-insensitive words are searched as their lower,
//! Capitalised and UPPER spellings: 3 cased literals per word stay within Teddy's reach, where an
//! ASCII-case-insensitive search falls back to an automaton several times slower.

use aho_corasick::{Span, packed};

use super::buckets::{self, Plan};

pub(crate) struct Literals {
    engine: Engine,
    /// The index each needle as added stands for, where `planned` added them in another order.
    ids: Option<Box<[usize]>>,
}

enum Engine {
    Packed(packed::Searcher),
    Automaton(aho_corasick::AhoCorasick),
}

impl Literals {
    /// Leftmost-first over `needles`: at one position the earlier needle wins.
    #[cfg(test)]
    pub(crate) fn new<I, P>(needles: I) -> Literals
    where
        I: IntoIterator<Item = P> + Clone,
        P: AsRef<[u8]>,
    {
        Literals::build(needles, None)
    }

    /// Leftmost-first over `needles`, in slim Teddy with the buckets of `plan` (see `buckets`): as
    /// few false candidates as fat Teddy's 16 buckets, at half the cost a byte (docs/performance.md,
    /// "Which searcher").
    /// `JWTSCAN_NEEDLES=fat` builds what the build before did instead (`before`: fat Teddy, or
    /// aho-corasick's own choice), `slim` slim Teddy in the needles' order, so that
    /// `scripts/bench-cpu.sh` can count each on any CPU; the matches are the same.
    pub(crate) fn planned<P: AsRef<[u8]>>(needles: &[P], plan: &Plan, before: Option<bool>) -> Literals {
        match engine() {
            Choice::Fat => Literals::build(needles, before),
            Choice::Slim => Literals::build(needles, Some(false)),
            Choice::Planned => Literals::arranged(needles, plan).unwrap_or_else(|| Literals::build(needles, before)),
        }
    }

    /// Slim Teddy with `plan`'s buckets, if the plan fits `needles` (`buckets::arrange`).
    fn arranged<P: AsRef<[u8]>>(needles: &[P], plan: &Plan) -> Option<Literals> {
        let order = buckets::arrange(needles, plan)?;
        let mut literals = Literals::build(order.iter().map(|&index| needles[index].as_ref()), Some(false));
        literals.ids = Some(order.into_boxed_slice());
        Some(literals)
    }

    /// Fat Teddy (16 buckets, 16 bytes a step) where `fat` and the CPU has AVX2, slim Teddy (8
    /// buckets, 32 bytes a step) where not `fat`, aho-corasick's choice where `None`
    /// (`only_teddy_fat` is outside aho-corasick's semver promise: Cargo.lock pins the version).
    fn build<I, P>(needles: I, fat: Option<bool>) -> Literals
    where
        I: IntoIterator<Item = P> + Clone,
        P: AsRef<[u8]>,
    {
        let mut config = packed::Config::new();
        config.match_kind(packed::MatchKind::LeftmostFirst);
        // Fat Teddy needs AVX2; without it the default choice stands.
        for fat in [fat, None] {
            if let Some(searcher) = config.clone().only_teddy_fat(fat).builder().extend(needles.clone()).build() {
                return Literals { engine: Engine::Packed(searcher), ids: None };
            }
        }
        Literals::automaton(needles)
    }

    fn automaton<I, P>(needles: I) -> Literals
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        // A few dozen short literals are far below any automaton size limit: this cannot fail on
        // any input, only if a caller's needles were changed into something unbuildable.
        let automaton = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(needles)
            .expect("the needles build an automaton");
        Literals { engine: Engine::Automaton(automaton), ids: None }
    }

    /// The first needle at or after `at`: its span and index.
    pub(crate) fn find(&self, buf: &[u8], at: usize) -> Option<(std::ops::Range<usize>, usize)> {
        let span = Span::from(at.min(buf.len())..buf.len());
        let found = match &self.engine {
            Engine::Packed(searcher) => searcher.find_in(buf, span),
            Engine::Automaton(automaton) => automaton.find(aho_corasick::Input::new(buf).span(span)),
        }?;
        let index = found.pattern().as_usize();
        Some((found.range(), self.ids.as_ref().map_or(index, |ids| ids[index])))
    }
}

enum Choice {
    Planned,
    Fat,
    Slim,
}

/// `JWTSCAN_NEEDLES`: `fat` or `slim` (see `Literals::planned`), planned slim Teddy otherwise.
fn engine() -> &'static Choice {
    static CHOICE: std::sync::LazyLock<Choice> =
        std::sync::LazyLock::new(|| match std::env::var("JWTSCAN_NEEDLES").as_deref() {
            Ok("fat") => Choice::Fat,
            Ok("slim") => Choice::Slim,
            _ => Choice::Planned,
        });
    &CHOICE
}

/// `words` as written, Capitalised and in UPPER case, then `exact` as given.
pub(crate) fn cased(words: &[&str], exact: &[&str]) -> Vec<String> {
    let mut needles: Vec<String> = Vec::with_capacity(3 * words.len() + exact.len());
    for word in words {
        let mut capitalised = word.to_string();
        if let Some(first) = capitalised.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        needles.extend([word.to_string(), capitalised, word.to_ascii_uppercase()]);
    }
    needles.extend(exact.iter().map(|needle| needle.to_string()));
    needles.dedup();
    needles
}

/// What a window without a token must hold for its candidates to be collected (see
/// `find_tokens_and_hint`), the hint words: `secret`, `jwt`, `hmac`, `jose` and `signing` in lower,
/// Capitalised or UPPER case, `BEGIN ` (for a PEM marker: in the token search's pass, `-----BEGIN `
/// would cost a quarter of its speed, as dashes are everywhere in Markdown and YAML) and `kty` (JWK
/// member names are lower case).
///
/// They ride in the token search as needles: each `needle` counts where one of `before`
/// precedes it. The fused search finds needles by their first three bytes (Teddy's fingerprint),
/// and `sec`, `Sec` and `sig` are everywhere in source (`section`, `sigaction`, `Signal`): searched
/// from `ecret` and `gning`, whose fingerprints are rare, the hint words cost the token pass about
/// a twentieth instead of about double.
pub(crate) struct Hint {
    pub(crate) needle: &'static str,
    pub(crate) before: &'static [&'static str],
}

pub(crate) const HINTS: [Hint; 15] = {
    const AS_IS: &[&str] = &[""];
    [
        Hint { needle: "ecret", before: &["s", "S"] },
        Hint { needle: "ECRET", before: &["S"] },
        Hint { needle: "jwt", before: AS_IS },
        Hint { needle: "Jwt", before: AS_IS },
        Hint { needle: "JWT", before: AS_IS },
        Hint { needle: "hmac", before: AS_IS },
        Hint { needle: "Hmac", before: AS_IS },
        Hint { needle: "HMAC", before: AS_IS },
        Hint { needle: "jose", before: AS_IS },
        Hint { needle: "Jose", before: AS_IS },
        Hint { needle: "JOSE", before: AS_IS },
        Hint { needle: "gning", before: &["si", "Si"] },
        Hint { needle: "GNING", before: &["SI"] },
        Hint { needle: "BEGIN ", before: AS_IS },
        Hint { needle: "kty", before: AS_IS },
    ]
};

/// Where the hint word whose needle `HINTS[index]` was found at `hit` starts, if one does at or
/// after `from` (where the search started: a word starting before it was not searched).
pub(crate) fn hint_start(buf: &[u8], hit: usize, index: usize, from: usize) -> Option<usize> {
    let hint = HINTS.get(index)?;
    hint.before.iter().find_map(|before| {
        let start = hit.checked_sub(before.len()).filter(|&start| start >= from)?;
        buf[start..hit].eq(before.as_bytes()).then_some(start)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hint_word_counts_only_where_its_prefix_precedes_the_needle_within_the_search() {
        let ecret = HINTS.iter().position(|hint| hint.needle == "ecret").unwrap();
        let buf = b"a Secret, a decret";
        assert_eq!(hint_start(buf, 3, ecret, 0), Some(2));
        // `decret` is no hint word: its needle follows no `s`.
        assert_eq!(hint_start(buf, 13, ecret, 0), None);
        // A search resuming inside `Secret` did not see its start: that word is not this search's.
        assert_eq!(hint_start(buf, 3, ecret, 3), None);
        let kty = HINTS.iter().position(|hint| hint.needle == "kty").unwrap();
        assert_eq!(hint_start(b"\"kty\"", 1, kty, 1), Some(1));
    }

    #[test]
    fn cased_words_match_in_lower_capitalised_and_upper_case_only() {
        let words = Literals::new(cased(&["secret"], &["kty"]));
        for text in ["a secret", "jwtSecret", "JWT_SECRET", "\"kty\""] {
            assert!(words.find(text.as_bytes(), 0).is_some(), "{text}");
        }
        for text in ["sEcReT", "KTY", "secre t"] {
            assert!(words.find(text.as_bytes(), 0).is_none(), "{text}");
        }
    }

    /// Every needle, and every needle but its last byte (a candidate Teddy must reject), in the
    /// matches of fat Teddy, slim Teddy in the needles' order and slim Teddy with `plan`'s buckets.
    fn same_matches_in_every_engine(needles: &[Vec<u8>], plan: &Plan) {
        let mut text = b"eyA ecre gnin ".to_vec();
        for needle in needles {
            text.extend_from_slice(needle);
            text.push(b' ');
            text.extend_from_slice(&needle[..needle.len() - 1]);
            text.extend_from_slice(b"..");
        }
        let matches = |literals: &Literals| {
            let mut found = Vec::new();
            while let Some((range, pattern)) =
                literals.find(&text, found.last().map_or(0, |(range, _): &(std::ops::Range<usize>, usize)| range.end))
            {
                found.push((range, pattern));
            }
            found
        };
        let found = matches(&Literals::build(needles, Some(true)));
        assert_eq!(found.len(), needles.len(), "{found:?}");
        assert_eq!(matches(&Literals::build(needles, Some(false))), found);
        assert_eq!(matches(&Literals::arranged(needles, plan).expect("the plan fits")), found);
        assert_eq!(matches(&Literals::automaton(needles)), found);
    }

    #[test]
    fn every_engine_finds_the_same_needles_of_each_search() {
        let tokens: Vec<Vec<u8>> = crate::find::token_needles().collect();
        same_matches_in_every_engine(&tokens, &buckets::TOKENS);
        let hints = HINTS.iter().map(|hint| hint.needle.as_bytes().to_vec());
        same_matches_in_every_engine(&tokens.iter().cloned().chain(hints).collect::<Vec<_>>(), &buckets::FUSED);
        let names: Vec<Vec<u8>> = crate::keys::named_needles().into_iter().map(String::into_bytes).collect();
        same_matches_in_every_engine(&names, &buckets::NAMES);
    }

    /// The buckets aho-corasick built, read from its `Debug` output (`buckets: [[PatternID(..), ..], ..]`),
    /// as the needles each holds; `None` where it built no Teddy (a CPU without SSSE3).
    fn teddy_buckets(literals: &Literals, needles: &[Vec<u8>]) -> Option<Vec<Vec<String>>> {
        let Engine::Packed(searcher) = &literals.engine else { return None };
        let debug = format!("{searcher:?}");
        // The Rabin-Karp fallback's buckets come first: Teddy's follow its name.
        let teddy = &debug[debug.find("Teddy")?..];
        let list = &teddy[teddy.find("buckets: [")? + "buckets: [".len()..];
        let mut buckets = Vec::new();
        let mut bucket: Option<Vec<String>> = None;
        let mut number = String::new();
        for c in list.chars() {
            match c {
                '0'..='9' => number.push(c),
                _ if !number.is_empty() => {
                    let id: usize = number.parse().ok()?;
                    let index = literals.ids.as_ref().map_or(id, |ids| ids[id]);
                    let needle = String::from_utf8(needles[index].clone()).ok()?;
                    let words = bucket.as_mut()?;
                    if !words.contains(&needle) {
                        words.push(needle);
                    }
                    number.clear();
                }
                _ => {}
            }
            match c {
                '[' => bucket = Some(Vec::new()),
                ']' => match bucket.take() {
                    Some(mut words) => {
                        words.sort_unstable();
                        buckets.push(words);
                    }
                    None => break,
                },
                _ => {}
            }
        }
        Some(buckets)
    }

    #[test]
    fn aho_corasick_builds_the_planned_buckets() {
        let tokens: Vec<Vec<u8>> = crate::find::token_needles().collect();
        let hints = HINTS.iter().map(|hint| hint.needle.as_bytes().to_vec());
        let fused: Vec<Vec<u8>> = tokens.iter().cloned().chain(hints).collect();
        let names: Vec<Vec<u8>> = crate::keys::named_needles().into_iter().map(String::into_bytes).collect();
        for (needles, plan) in [(&tokens, &buckets::TOKENS), (&fused, &buckets::FUSED), (&names, &buckets::NAMES)] {
            let literals = Literals::arranged(needles, plan).expect("the plan fits");
            let Some(built) = teddy_buckets(&literals, needles) else { continue };
            let planned: Vec<Vec<String>> = plan
                .iter()
                .map(|words| {
                    let mut words: Vec<String> = words.iter().map(|word| word.to_string()).collect();
                    words.sort_unstable();
                    words
                })
                .collect();
            assert_eq!(built, planned);
        }
    }

    #[test]
    fn the_automaton_fallback_finds_what_teddy_finds() {
        let needles = ["eyJ", "ZXlK", "kty"];
        let automaton = Literals::automaton(needles);
        let packed = Literals::new(needles);
        let text = b"xx ZXlKeyJ kty eyJ";
        let mut at = 0;
        while let Some((range, pattern)) = packed.find(text, at) {
            assert_eq!(automaton.find(text, at), Some((range.clone(), pattern)));
            at = range.end;
        }
        assert_eq!(automaton.find(text, at), None);
    }
}
