//! Candidate secrets beside the built-in list: derived from the repository's own names (source
//! `derived`), and the list's most common words mangled as people do (source `mangled`). Both
//! are bounded lists, built once per run, deterministic.

use std::collections::HashSet;
use std::hash::BuildHasher as _;
use std::path::PathBuf;

use crate::keys::names::{GENERIC_WORDS, RepoNames, Words, split_words};

/// Derived candidates per run (about 60 ms of one core per HS256 token left unsolved).
const MAX_DERIVED: usize = 200_000;
/// The list's first words that are mangled, and the mangled candidates per run.
const MANGLED_WORDS: usize = 1_000;
const MAX_MANGLED: usize = 120_000;

const SEPARATORS: [&str; 4] = ["", "-", "_", "."];
/// What people put after a name: `ledger-jwt-secret`, `LedgerSigningKey`, `ledger_dev`.
const SUFFIXES: [&[&str]; 26] = [
    &["secret"],
    &["jwt"],
    &["key"],
    &["token"],
    &["signing"],
    &["jwt", "secret"],
    &["jwt", "key"],
    &["jwt", "token"],
    &["secret", "key"],
    &["signing", "key"],
    &["signing", "secret"],
    &["token", "secret"],
    &["auth"],
    &["auth", "secret"],
    &["api", "key"],
    &["dev"],
    &["prod"],
    &["test"],
    &["local"],
    &["staging"],
    &["secret", "dev"],
    &["secret", "prod"],
    &["jwt", "secret", "dev"],
    &["jwt", "secret", "prod"],
    &["123"],
    &["1"],
];
const PREFIXES: [&[&str]; 7] =
    [&["jwt"], &["secret"], &["my"], &["dev"], &["prod"], &["super", "secret"], &["jwt", "secret"]];
const YEARS: std::ops::RangeInclusive<u32> = 2010..=2030;
/// Host labels that name no one: `www.`, `auth.`, `login.` and top-level domains.
const ANONYMOUS_LABELS: [&str; 12] =
    ["www", "auth", "login", "id", "accounts", "sso", "com", "org", "net", "io", "co", "localhost"];

/// A fast hash for the candidate sets: with SipHash, hashing the few hundred thousand candidates
/// took about a third of building them (`perf`, docs/performance.md). Its seed is random per set.
type FastSet<T> = HashSet<T, foldhash::fast::RandomState>;

/// Distinct candidates in the order they were added. `seen` holds indices into `list`, so a
/// candidate is stored and hashed once.
struct Ordered {
    seen: hashbrown::HashTable<usize>,
    hasher: foldhash::fast::RandomState,
    list: Vec<Vec<u8>>,
    max: usize,
}

impl Ordered {
    fn new(max: usize) -> Self {
        Ordered { seen: hashbrown::HashTable::new(), hasher: Default::default(), list: Vec::new(), max }
    }

    fn full(&self) -> bool {
        self.list.len() >= self.max
    }

    /// Adds `candidate` unless it is there already; a `String` is moved in, a `&str` copied only
    /// when it is new.
    fn push(&mut self, candidate: impl AsRef<[u8]> + Into<Vec<u8>>) {
        if self.full() {
            return;
        }
        let hash = self.hasher.hash_one(candidate.as_ref());
        let list = &self.list;
        if self.seen.find(hash, |&i| list[i] == candidate.as_ref()).is_none() {
            let hasher = &self.hasher;
            self.seen.insert_unique(hash, list.len(), |&i| hasher.hash_one(list[i].as_slice()));
            self.list.push(candidate.into());
        }
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| first.to_ascii_uppercase().to_string() + chars.as_str())
}

/// Every spelling of `words`: each separator, in UPPER, Capitalised, Title Each, camel and lower
/// case. Each is spelt in one scratch string and copied only when new: derivation pushes
/// hundreds of thousands of spellings, many of them repeats.
fn spellings(words: &[&str], out: &mut Ordered) {
    let mut spelt = String::new();
    for separator in SEPARATORS {
        let join = |spelt: &mut String, word_case: &dyn Fn(usize, &mut str)| {
            spelt.clear();
            for (i, word) in words.iter().enumerate() {
                if i > 0 {
                    spelt.push_str(separator);
                }
                let start = spelt.len();
                spelt.push_str(word);
                word_case(i, &mut spelt[start..]);
            }
        };
        join(&mut spelt, &|_, _| {});
        spelt.make_ascii_uppercase();
        out.push(spelt.as_str());
        // Capitalised as a whole: with an empty first word, the first letter is a later word's.
        join(&mut spelt, &|_, _| {});
        capitalise(&mut spelt);
        out.push(spelt.as_str());
        join(&mut spelt, &|_, word| capitalise(word));
        out.push(spelt.as_str());
        // camel case: the first word Capitalised, then all in lower case (so an UPPER first
        // word is lowered too), the others Capitalised.
        if !words.is_empty() {
            join(&mut spelt, &|i, word| {
                if i == 0 {
                    word.make_ascii_lowercase();
                } else {
                    capitalise(word);
                }
            });
            out.push(spelt.as_str());
        }
        join(&mut spelt, &|_, _| {});
        out.push(spelt.as_str());
        if words.len() < 2 {
            break;
        }
    }
}

/// `capitalised`, in place.
fn capitalise(word: &mut str) {
    if let Some(first) = word.get_mut(..1) {
        first.make_ascii_uppercase();
    }
}

/// The bases derivation starts from, likeliest first: the scanned folders' names, the tokens'
/// issuer hosts, then the gathered names, each whole and each without its generic words.
fn bases(names: &RepoNames, roots: &[PathBuf], issuers: &[String]) -> Vec<Words> {
    let mut bases: Vec<Words> = Vec::new();
    let mut add = |words: Words| {
        if !words.is_empty() && !bases.contains(&words) {
            bases.push(words);
        }
    };
    for root in roots {
        let absolute = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
        if let Some(name) = absolute.file_name().and_then(|name| name.to_str()) {
            add(split_words(name));
        }
    }
    for issuer in issuers {
        let host = issuer.split("://").nth(1).unwrap_or(issuer);
        let host = host.split(['/', ':', '?']).next().unwrap_or(host);
        let labels: Vec<&str> = host.split('.').collect();
        // The last label is the top-level domain.
        for label in labels.iter().take(labels.len().saturating_sub(1)) {
            if label.len() >= 3 && !ANONYMOUS_LABELS.contains(label) {
                add(split_words(label));
            }
        }
    }
    for words in &names.names {
        add(words.clone());
        let specific: Words = words.iter().filter(|word| !GENERIC_WORDS.contains(&word.as_str())).cloned().collect();
        add(specific);
    }
    bases
}

/// Candidates derived from the repository's names, at most `MAX_DERIVED`.
pub(super) fn derived(names: &RepoNames, roots: &[PathBuf], issuers: &[String]) -> Vec<Vec<u8>> {
    let mut out = Ordered::new(MAX_DERIVED);
    for base in bases(names, roots, issuers) {
        if out.full() {
            break;
        }
        let base: Vec<&str> = base.iter().map(String::as_str).collect();
        spellings(&base, &mut out);
        for suffix in SUFFIXES {
            spellings(&[&base[..], suffix].concat(), &mut out);
        }
        for prefix in PREFIXES {
            spellings(&[prefix, &base[..]].concat(), &mut out);
        }
        for year in YEARS {
            let year = year.to_string();
            spellings(&[&base[..], &[year.as_str()]].concat(), &mut out);
            spellings(&[&base[..], &["secret", year.as_str()]].concat(), &mut out);
            out.push(format!("{}{year}", base.concat()));
        }
    }
    out.list
}

/// Leet substitutions of the simple kind (`p4ssw0rd`), all at once.
fn leet(word: &str) -> String {
    word.chars()
        .map(|c| match c {
            'a' => '4',
            'e' => '3',
            'i' => '1',
            'o' => '0',
            's' => '5',
            't' => '7',
            other => other,
        })
        .collect()
}

/// The built-in list's first `MANGLED_WORDS` words through best64-like rules (capitalise, upper,
/// append digits, years and `!`, leet, duplicate), without what the list already holds.
pub(super) fn mangled(list: &[&[u8]]) -> Vec<Vec<u8>> {
    let listed: FastSet<&[u8]> = list.iter().copied().collect();
    let mut out = Ordered::new(MAX_MANGLED);
    let words = list
        .iter()
        .filter_map(|word| std::str::from_utf8(word).ok())
        .filter(|word| (3..=16).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_alphanumeric()))
        .take(MANGLED_WORDS);
    const APPENDED: [&str; 16] =
        ["1", "12", "123", "1234", "!", "!!", "1!", "123!", "@", "#", "0", "2", "7", "9", "69", "01"];
    for word in words {
        let lower = word.to_ascii_lowercase();
        let forms = [lower.clone(), capitalised(&lower), lower.to_ascii_uppercase()];
        for form in &forms {
            out.push(form.clone());
            for appended in APPENDED {
                out.push(format!("{form}{appended}"));
            }
            for year in YEARS {
                out.push(format!("{form}{year}"));
            }
        }
        let capital = capitalised(&lower);
        for year in YEARS {
            out.push(format!("{capital}{year}!"));
        }
        let leeted = leet(&lower);
        out.push(capitalised(&leeted));
        out.push(format!("{leeted}!"));
        out.push(format!("{leeted}123"));
        out.push(leeted);
        out.push(format!("{lower}{lower}"));
        out.push(lower.chars().rev().collect::<String>());
    }
    out.list.retain(|candidate| !listed.contains(candidate.as_slice()));
    out.list
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(list: &[Vec<u8>], secret: &str) -> bool {
        list.iter().any(|candidate| candidate == secret.as_bytes())
    }

    /// The spellings as first written, one allocation each: what `spellings` must still give.
    fn spellings_oracle(words: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        for separator in SEPARATORS {
            let lower = words.join(separator);
            out.push(lower.to_ascii_uppercase());
            out.push(capitalised(&lower));
            let title: Vec<String> = words.iter().map(|word| capitalised(word)).collect();
            out.push(title.join(separator));
            if let Some((first, rest)) = title.split_first() {
                out.push([first.to_ascii_lowercase()].iter().chain(rest).cloned().collect::<Vec<_>>().join(separator));
            }
            out.push(lower);
            if words.len() < 2 {
                break;
            }
        }
        out
    }

    #[test]
    fn spellings_are_those_of_one_string_per_spelling_in_the_same_order() {
        let cases: [&[&str]; 8] = [
            &[],
            &[""],
            &["ledger"],
            &["ledger", "jwt", "secret"],
            &["LEDGER", "Jwt", "2024"],
            &["élan", "über", "x"],
            &["a", "", "b"],
            &["", "b"],
        ];
        for words in cases {
            let mut expected = Ordered::new(usize::MAX);
            for spelling in spellings_oracle(words) {
                expected.push(spelling);
            }
            let mut out = Ordered::new(usize::MAX);
            spellings(words, &mut out);
            assert_eq!(out.list, expected.list, "{words:?}");
        }
    }

    #[test]
    fn ordered_keeps_the_first_of_each_candidate_up_to_its_maximum() {
        let mut out = Ordered::new(3);
        for candidate in ["b", "a", "b", "c", "a", "d"] {
            out.push(candidate);
        }
        assert_eq!(out.list, [b"b".to_vec(), b"a".to_vec(), b"c".to_vec()]);
    }

    #[test]
    fn an_env_name_gives_its_spellings_and_its_own_word_with_suffixes_and_years() {
        let mut names = RepoNames::default();
        names.add("LEDGER_JWT_SECRET");
        let list = derived(&names, &[], &[]);
        for secret in ["ledger_jwt_secret", "ledger-jwt-secret", "LedgerJwtSecret", "ledger-secret-2024", "Ledger2019"]
        {
            assert!(has(&list, secret), "{secret}");
        }
        assert!(list.len() <= MAX_DERIVED);
    }

    #[test]
    fn issuer_hosts_and_folder_names_are_bases() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("billing-service");
        std::fs::create_dir(&root).unwrap();
        let list = derived(&RepoNames::default(), &[root], &["https://auth.payroll.example.com/".to_string()]);
        for secret in ["billing-service-secret", "payroll_jwt_secret", "PAYROLL-DEV", "example.key"] {
            assert!(has(&list, secret), "{secret}");
        }
        assert!(!has(&list, "auth-secret"), "`auth.` names no one");
    }

    #[test]
    fn mangling_capitalises_appends_and_leets_without_repeating_the_list() {
        let list: Vec<&[u8]> = vec![b"", b"password", b"Password1", b"secret"];
        let mangled = mangled(&list);
        for secret in ["Password2024!", "p455w0rd", "secret123!", "SECRET!", "Secret2019"] {
            assert!(has(&mangled, secret), "{secret}");
        }
        assert!(!has(&mangled, "Password1"), "listed already");
        assert!(mangled.len() <= MAX_MANGLED);
    }
}
