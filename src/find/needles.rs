//! One SIMD pass over a buffer for a few fixed strings: Teddy (packed) where the CPU has it, the
//! general Aho-Corasick automaton elsewhere. Case-insensitive words are searched as their lower,
//! Capitalised and UPPER spellings: 3 cased literals per word stay within Teddy's reach, where an
//! ASCII-case-insensitive search falls back to an automaton several times slower.

use aho_corasick::{Span, packed};

pub(crate) enum Literals {
    Packed(packed::Searcher),
    Automaton(aho_corasick::AhoCorasick),
}

impl Literals {
    /// Leftmost-first over `needles`: at one position the earlier needle wins.
    pub(crate) fn new<I, P>(needles: I) -> Literals
    where
        I: IntoIterator<Item = P> + Clone,
        P: AsRef<[u8]>,
    {
        Literals::build(needles, None)
    }

    /// `new` in fat Teddy (16 buckets, 16 bytes a step) where the CPU has AVX2. Slim Teddy puts
    /// more than 8 kinds of needle in 8 buckets: with the token needles and the hint needles
    /// together (30 needles, 20 distinct prefixes), confirming its false candidates costs more
    /// than the scan; over the 1.3 GB real tree the fat searcher took 100 ms, the slim one 142 ms
    /// (`only_teddy_fat` is outside aho-corasick's semver promise: Cargo.lock pins the version).
    pub(crate) fn fat<I, P>(needles: I) -> Literals
    where
        I: IntoIterator<Item = P> + Clone,
        P: AsRef<[u8]>,
    {
        Literals::build(needles, Some(fat_teddy()))
    }

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
                return Literals::Packed(searcher);
            }
        }
        // A few dozen short literals are far below any automaton size limit: this cannot fail on
        // any input, only if a caller's needles were changed into something unbuildable.
        Literals::Automaton(
            aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                .build(needles)
                .expect("the needles build an automaton"),
        )
    }

    /// The first needle at or after `at`: its span and index.
    pub(crate) fn find(&self, buf: &[u8], at: usize) -> Option<(std::ops::Range<usize>, usize)> {
        let span = Span::from(at.min(buf.len())..buf.len());
        let found = match self {
            Literals::Packed(searcher) => searcher.find_in(buf, span),
            Literals::Automaton(automaton) => automaton.find(aho_corasick::Input::new(buf).span(span)),
        }?;
        Some((found.range(), found.pattern().as_usize()))
    }
}

/// Whether `Literals::fat` builds fat Teddy: `JWTSCAN_NEEDLES=fat` or `slim` decides, so that
/// `scripts/bench-cpu.sh` can count both on any CPU; otherwise fat, as measured in
/// docs/performance.md.
fn fat_teddy() -> bool {
    static FAT: std::sync::LazyLock<bool> =
        std::sync::LazyLock::new(|| std::env::var("JWTSCAN_NEEDLES").map_or(true, |engine| engine != "slim"));
    *FAT
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

    #[test]
    fn fat_and_slim_teddy_find_the_same_needles_of_the_fused_search() {
        let hints = HINTS.iter().map(|hint| hint.needle.as_bytes().to_vec());
        let needles: Vec<Vec<u8>> = crate::find::token_needles().chain(hints).collect();
        let (fat, slim) = (Literals::build(&needles, Some(true)), Literals::build(&needles, Some(false)));
        // Every needle, and every needle but its last byte (a candidate Teddy must reject).
        let mut text = b"eyA ecre gnin ".to_vec();
        for needle in &needles {
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
        let found = matches(&fat);
        assert_eq!(found.len(), needles.len(), "{found:?}");
        assert_eq!(matches(&slim), found);
    }

    #[test]
    fn the_automaton_fallback_finds_what_teddy_finds() {
        let needles = ["eyJ", "ZXlK", "kty"];
        let automaton = Literals::Automaton(
            aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                .build(needles)
                .unwrap(),
        );
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
