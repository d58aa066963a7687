//! Candidate secrets beside the built-in list: derived from the repository's own names (source
//! `derived`), and the list's most common words mangled as people do (source `mangled`). Both
//! are bounded lists, built once per run, deterministic.

use std::collections::HashSet;
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

/// Distinct candidates in the order they were added.
struct Ordered {
    seen: HashSet<Vec<u8>>,
    list: Vec<Vec<u8>>,
    max: usize,
}

impl Ordered {
    fn new(max: usize) -> Self {
        Ordered { seen: HashSet::new(), list: Vec::new(), max }
    }

    fn full(&self) -> bool {
        self.list.len() >= self.max
    }

    fn push(&mut self, candidate: String) {
        if !self.full() && !self.seen.contains(candidate.as_bytes()) {
            self.seen.insert(candidate.clone().into_bytes());
            self.list.push(candidate.into_bytes());
        }
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| first.to_ascii_uppercase().to_string() + chars.as_str())
}

/// Every spelling of `words`: each separator, in lower, UPPER, Capitalised, Title Each and camel
/// case.
fn spellings(words: &[&str], out: &mut Ordered) {
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
    let listed: HashSet<&[u8]> = list.iter().copied().collect();
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
        out.push(lower.chars().rev().collect());
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
