//! "Did you mean …?" for mistyped names: the closest candidate by edit distance, if close enough
//! to be a typo rather than a different word.

/// The candidate closest to `word`, when at most a third of its characters (at least one) differ.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    // Names are short; a long word cannot be a typo of one and is not worth the quadratic work.
    if word.is_empty() || word.len() > 64 {
        return None;
    }
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|candidate| (distance(word, candidate), *candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, candidate)| candidate)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbouring characters (the most common typo) each cost one.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1).min(rows[i][j - 1] + 1).min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMANDS: [&str; 4] = ["scan", "git", "decode", "rules"];

    #[test]
    fn typos_of_a_subcommand_find_it() {
        assert_eq!(closest("scna", &COMMANDS), Some("scan"));
        assert_eq!(closest("sacn", &COMMANDS), Some("scan"));
        assert_eq!(closest("decod", &COMMANDS), Some("decode"));
        assert_eq!(closest("rule", &COMMANDS), Some("rules"));
        assert_eq!(closest("gti", &COMMANDS), Some("git"));
    }

    #[test]
    fn other_words_find_nothing() {
        assert_eq!(closest("src", &COMMANDS), None);
        assert_eq!(closest("config", &COMMANDS), None);
        assert_eq!(closest("scan", &COMMANDS), Some("scan"));
        assert_eq!(closest(&"x".repeat(10_000), &COMMANDS), None);
        assert_eq!(closest("", &COMMANDS), None);
    }
}
