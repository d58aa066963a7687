//! `sensitive-claim` and `pii-claim`: claim names and values that carry credentials or personal
//! data. Claim payloads are only base64, so anything in them is readable by whoever holds the
//! token. The lists live in `rules/claims.toml`; findings name the claim's path and the kind of
//! data, never the value.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::LazyLock;

use regex::RegexSet;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{CheckSettings, Hit, RuleId, alg_label, id, truncate};
use crate::token::Token;

/// At most this many claims are listed in one finding's evidence (`count` has the total).
const MAX_LISTED: usize = 20;
const PATH_SHOWN: usize = 200;
const PATH_IN_MESSAGE: usize = 80;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimsFile {
    sensitive: SectionFile,
    pii: SectionFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SectionFile {
    names: Vec<String>,
    contains: Vec<String>,
    #[serde(default)]
    skip_values: Vec<String>,
    #[serde(default)]
    values: Vec<ValueFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ValueFile {
    kind: String,
    pattern: String,
}

/// One list of `rules/claims.toml`, with its patterns compiled.
struct Section {
    names: Vec<String>,
    contains: Vec<String>,
    skip_values: Vec<String>,
    kinds: Vec<String>,
    /// Tells cheaply whether any pattern matches; `kinds[i]` names pattern `i`.
    patterns: RegexSet,
}

struct Lists {
    sensitive: Section,
    pii: Section,
}

static LISTS: LazyLock<Lists> = LazyLock::new(|| {
    let file: ClaimsFile = toml::from_str(include_str!("../../rules/claims.toml"))
        .expect("rules/claims.toml is checked by the test suite");
    Lists { sensitive: compile(file.sensitive), pii: compile(file.pii) }
});

fn compile(section: SectionFile) -> Section {
    let patterns = RegexSet::new(section.values.iter().map(|value| value.pattern.as_str()))
        .expect("rules/claims.toml patterns are checked by the test suite");
    Section {
        names: section.names.iter().map(|name| normalized(name)).collect(),
        contains: section.contains.iter().map(|name| normalized(name)).collect(),
        skip_values: section.skip_values.iter().map(|name| normalized(name)).collect(),
        kinds: section.values.into_iter().map(|value| value.kind).collect(),
        patterns,
    }
}

/// The claim-name lists in effect: the built-in ones plus `[claims]` from the config, normalised.
pub struct ClaimNames {
    sensitive: HashSet<String>,
    pii: HashSet<String>,
}

impl ClaimNames {
    pub fn new(extra_sensitive: &[String], extra_pii: &[String]) -> Self {
        let build = |builtin: &[String], extra: &[String]| -> HashSet<String> {
            builtin
                .iter()
                .cloned()
                .chain(extra.iter().map(|name| normalized(name)))
                .filter(|name| !name.is_empty())
                .collect()
        };
        ClaimNames {
            sensitive: build(&LISTS.sensitive.names, extra_sensitive),
            pii: build(&LISTS.pii.names, extra_pii),
        }
    }
}

/// Lower case, letters and digits only: `Pass_Word`, `pass-word` and `passWord` are one name.
fn normalize_into(name: &str, out: &mut String) {
    out.clear();
    for c in name.chars().filter(|c| c.is_alphanumeric()) {
        out.extend(c.to_lowercase());
    }
}

fn normalized(name: &str) -> String {
    let mut out = String::new();
    normalize_into(name, &mut out);
    out
}

/// How a claim name matched a list: exactly (takes numbers too) or by containing a term.
#[derive(Clone, Copy)]
struct NameMatch<'a> {
    kind: &'a str,
    exact: bool,
}

fn match_name<'a>(normal: &str, exact: &'a HashSet<String>, contains: &'a [String]) -> Option<NameMatch<'a>> {
    if let Some(kind) = exact.get(normal) {
        return Some(NameMatch { kind, exact: true });
    }
    contains.iter().find(|term| normal.contains(term.as_str())).map(|kind| NameMatch { kind, exact: false })
}

/// What a member's name says about the values below it; array elements inherit it.
#[derive(Clone, Copy, Default)]
struct Scope<'a> {
    sensitive: Option<NameMatch<'a>>,
    pii: Option<NameMatch<'a>>,
    skip_sensitive_values: bool,
    skip_pii_values: bool,
    /// Names ending in `id` hold identifiers, whose digits are not card numbers.
    id_like: bool,
    /// Inside a personal-data object already reported as a whole.
    pii_reported: bool,
}

struct Found<'c> {
    path: String,
    kind: &'c str,
    by: &'static str,
}

struct Walk<'c> {
    ctx: &'c CheckSettings,
    path: String,
    normal: String,
    sensitive: Vec<Found<'c>>,
    sensitive_count: usize,
    pii: Vec<Found<'c>>,
    pii_count: usize,
}

impl<'c> Walk<'c> {
    fn member(&mut self, key: &str, value: &Value, pii_reported: bool) {
        let mark = self.path.len();
        push_key(&mut self.path, key);
        normalize_into(key, &mut self.normal);
        let lists = &*LISTS;
        let scope = Scope {
            sensitive: match_name(&self.normal, &self.ctx.claims.sensitive, &lists.sensitive.contains),
            pii: match_name(&self.normal, &self.ctx.claims.pii, &lists.pii.contains),
            skip_sensitive_values: lists.sensitive.skip_values.contains(&self.normal),
            skip_pii_values: lists.pii.skip_values.contains(&self.normal),
            id_like: self.normal.ends_with("id") || self.normal.ends_with("ids"),
            pii_reported,
        };
        self.value(value, scope);
        self.path.truncate(mark);
    }

    fn value(&mut self, value: &Value, mut scope: Scope<'c>) {
        match value {
            Value::Object(members) => {
                if let Some(name) = scope.pii.filter(|name| name.exact && !scope.pii_reported && !members.is_empty()) {
                    self.record_pii(name.kind, "name");
                    scope.pii_reported = true;
                }
                self.object(members, scope.pii_reported);
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    let mark = self.path.len();
                    let _ = write!(self.path, "[{index}]");
                    self.value(item, scope);
                    self.path.truncate(mark);
                }
            }
            Value::String(text) => self.leaf(Some(text), value, scope),
            Value::Number(_) => self.leaf(None, value, scope),
            Value::Bool(_) | Value::Null => {}
        }
    }

    fn object(&mut self, members: &Map<String, Value>, pii_reported: bool) {
        for (key, value) in members {
            self.member(key, value, pii_reported);
        }
    }

    fn leaf(&mut self, text: Option<&str>, value: &Value, scope: Scope<'c>) {
        let named = |name: Option<NameMatch<'c>>| -> Option<&'c str> {
            match (name, text) {
                (Some(name), Some(text)) if !text.is_empty() => Some(name.kind),
                (Some(name), None) if name.exact => Some(name.kind),
                _ => None,
            }
        };
        let sensitive = named(scope.sensitive).map(|kind| (kind, "name")).or_else(|| {
            if scope.skip_sensitive_values {
                return None;
            }
            let pattern = text.and_then(|text| first_match(&LISTS.sensitive, text));
            let card = || !scope.id_like && is_card_number_value(value);
            pattern.or_else(|| card().then_some("card-number")).map(|kind| (kind, "value"))
        });
        if let Some((kind, by)) = sensitive {
            self.record_sensitive(kind, by);
        }
        if scope.pii_reported {
            return;
        }
        let pii = named(scope.pii).map(|kind| (kind, "name")).or_else(|| {
            let text = text.filter(|_| !scope.skip_pii_values)?;
            first_match(&LISTS.pii, text).map(|kind| (kind, "value"))
        });
        if let Some((kind, by)) = pii {
            self.record_pii(kind, by);
        }
    }

    fn record_sensitive(&mut self, kind: &'c str, by: &'static str) {
        self.sensitive_count += 1;
        if self.sensitive.len() < MAX_LISTED {
            self.sensitive.push(Found { path: truncate(&self.path, PATH_SHOWN), kind, by });
        }
    }

    fn record_pii(&mut self, kind: &'c str, by: &'static str) {
        self.pii_count += 1;
        if self.pii.len() < MAX_LISTED {
            self.pii.push(Found { path: truncate(&self.path, PATH_SHOWN), kind, by });
        }
    }
}

/// Appends `key` to a claim path: `.name` for plain names, `["…"]` (JSON-quoted) for the rest.
fn push_key(path: &mut String, key: &str) {
    let plain = !key.is_empty() && key.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '$'));
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push('[');
        path.push_str(&Value::from(key).to_string());
        path.push(']');
    }
}

fn first_match<'a>(section: &'a Section, text: &str) -> Option<&'a str> {
    let index = section.patterns.matches(text).into_iter().next()?;
    section.kinds.get(index).map(String::as_str)
}

fn is_card_number_value(value: &Value) -> bool {
    match value {
        Value::String(text) => is_card_number(text),
        Value::Number(number) => {
            number.as_u64().is_some_and(|n| n >= 1_000_000_000_000 && is_card_number(&n.to_string()))
        }
        _ => false,
    }
}

/// 13 to 19 digits (spaces or dashes between groups allowed) with a known card prefix and length
/// and a valid Luhn check digit. The prefix check keeps random 16-digit ids out.
fn is_card_number(text: &str) -> bool {
    let mut digits = [0u8; 19];
    let mut count = 0;
    for (index, byte) in text.bytes().enumerate() {
        match byte {
            b'0'..=b'9' => {
                let Some(slot) = digits.get_mut(count) else { return false };
                *slot = byte - b'0';
                count += 1;
            }
            b' ' | b'-' if index > 0 && count > 0 => {}
            _ => return false,
        }
    }
    let digits = &digits[..count];
    count >= 13 && card_prefix_fits(digits) && luhn(digits)
}

fn card_prefix_fits(digits: &[u8]) -> bool {
    let prefix = |n: usize| digits.iter().take(n).fold(0u32, |acc, &d| acc * 10 + u32::from(d));
    let len = digits.len();
    let (p1, p2, p3, p4) = (prefix(1), prefix(2), prefix(3), prefix(4));
    match () {
        // Visa
        _ if p1 == 4 => matches!(len, 13 | 16 | 19),
        // Mastercard
        _ if (51..=55).contains(&p2) || (2221..=2720).contains(&p4) => len == 16,
        // American Express
        _ if p2 == 34 || p2 == 37 => len == 15,
        // Discover, JCB, UnionPay
        _ if p4 == 6011 || (644..=649).contains(&p3) || p2 == 65 || (3528..=3589).contains(&p4) || p2 == 62 => {
            (16..=19).contains(&len)
        }
        // Diners Club
        _ if (300..=305).contains(&p3) || matches!(p2, 36 | 38 | 39) => (14..=19).contains(&len),
        _ => false,
    }
}

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(index, &digit)| {
            let digit = u32::from(digit);
            if index % 2 == 1 {
                let doubled = digit * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                digit
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

pub fn check(token: &Token<'_>, ctx: &CheckSettings, out: &mut Vec<Hit>) {
    let Some(claims) = token.claims() else { return };
    let mut walk = Walk {
        ctx,
        path: String::new(),
        normal: String::new(),
        sensitive: Vec::new(),
        sensitive_count: 0,
        pii: Vec::new(),
        pii_count: 0,
    };
    walk.object(claims, false);
    let alg = alg_label(token);
    if let Some(hit) =
        build_hit(id::SENSITIVE_CLAIM, "a credential", "credentials", &alg, &walk.sensitive, walk.sensitive_count)
    {
        out.push(hit);
    }
    if let Some(hit) = build_hit(id::PII_CLAIM, "personal data", "personal data", &alg, &walk.pii, walk.pii_count) {
        out.push(hit);
    }
}

fn build_hit(rule: RuleId, one: &str, many: &str, alg: &str, found: &[Found<'_>], count: usize) -> Option<Hit> {
    let first = found.first()?;
    let path = truncate(&first.path, PATH_IN_MESSAGE);
    let message = if count == 1 {
        format!("{alg} token carries {one} in claim `{path}` ({})", first.kind)
    } else {
        format!("{alg} token carries {many} in {count} claims, first `{path}` ({})", first.kind)
    };
    let listed: Vec<Value> = found
        .iter()
        .map(|found| {
            let mut entry = Map::new();
            entry.insert("claim".into(), found.path.clone().into());
            entry.insert("kind".into(), found.kind.into());
            entry.insert("matched".into(), found.by.into());
            Value::Object(entry)
        })
        .collect();
    Some(Hit::new(rule, message).with("claims", listed).with("count", count))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::rules::test_support::*;

    fn claims_hit(claims: &str, rule: &str) -> Option<Hit> {
        rule_hit(&jws(r#"{"alg":"HS256"}"#, claims, &[1; 32]), rule)
    }

    fn paths(hit: &Hit) -> Vec<String> {
        hit.evidence["claims"].as_array().unwrap().iter().map(|c| c["claim"].as_str().unwrap().to_string()).collect()
    }

    #[test]
    fn the_claim_lists_parse_and_compile() {
        assert!(LISTS.sensitive.names.contains(&"password".to_string()));
        assert_eq!(LISTS.sensitive.kinds.len(), LISTS.sensitive.patterns.len());
        assert!(!LISTS.pii.kinds.is_empty());
        for section in [&LISTS.sensitive, &LISTS.pii] {
            for name in section.names.iter().chain(&section.contains) {
                assert_eq!(name, &normalized(name), "claims.toml names must be given normalised");
            }
        }
    }

    #[test]
    fn names_are_normalised_for_case_and_separators() {
        for name in ["password", "Pass_Word", "PASS-WORD", "passWord"] {
            let hit = claims_hit(&format!(r#"{{"{name}":"hunter2"}}"#), "sensitive-claim").unwrap();
            assert_eq!(hit.evidence["claims"][0]["kind"], "password", "{name}");
        }
        for name in ["api-key", "apiKey", "API_KEY"] {
            assert!(claims_hit(&format!(r#"{{"{name}":"k"}}"#), "sensitive-claim").is_some(), "{name}");
        }
    }

    #[test]
    fn nested_objects_and_arrays_are_searched_and_the_path_is_reported() {
        let claims = r#"{"user":{"name":"x","credentials":[{"password":"hunter2"}]},"weird.key":{"secret":"s"}}"#;
        let hit = claims_hit(claims, "sensitive-claim").unwrap();
        assert_eq!(paths(&hit), ["user.credentials[0].password", r#"["weird.key"].secret"#]);
        assert_eq!(hit.evidence["count"], 2);
        assert_eq!(
            hit.message,
            "HS256 token carries credentials in 2 claims, first `user.credentials[0].password` (password)"
        );
    }

    #[test]
    fn the_value_never_appears_in_the_finding() {
        let hit =
            claims_hit(r#"{"password":"hunter2-very-secret","k":"AKIAIOSFODNN7EXAMPLE"}"#, "sensitive-claim").unwrap();
        let text = format!("{} {}", hit.message, Value::Object(hit.evidence.clone()));
        assert!(!text.contains("hunter2") && !text.contains("AKIAIOSFODNN7EXAMPLE"), "{text}");
    }

    #[test]
    fn metadata_about_credentials_is_not_a_credential() {
        for claims in [
            r#"{"password_changed_at":1700000000}"#,
            r#"{"has_password":true}"#,
            r#"{"password":""}"#,
            r#"{"secret":null}"#,
            r#"{"client_secret_expires_at":0}"#,
        ] {
            assert!(claims_hit(claims, "sensitive-claim").is_none(), "{claims}");
        }
        assert!(claims_hit(r#"{"pin":1234}"#, "sensitive-claim").is_some());
    }

    #[test]
    fn credential_values_are_recognised_under_any_name() {
        let cases = [
            (r#"{"card":"4111 1111 1111 1111"}"#, "card-number"),
            (r#"{"n":5500005555555559}"#, "card-number"),
            (r#"{"k":"-----BEGIN RSA PRIVATE KEY-----\nMIIE"}"#, "private-key"),
            (r#"{"k":"-----BEGIN PRIVATE KEY-----"}"#, "private-key"),
            (r#"{"aws":"AKIAIOSFODNN7EXAMPLE"}"#, "aws-access-key-id"),
            (r#"{"db":"postgres://app:hunter2@db.internal/app"}"#, "password-in-url"),
            (r#"{"tax":"123-45-6789"}"#, "us-ssn"),
        ];
        for (claims, kind) in cases {
            let hit = claims_hit(claims, "sensitive-claim").unwrap_or_else(|| panic!("{claims}"));
            assert_eq!(hit.evidence["claims"][0]["kind"], kind, "{claims}");
            assert_eq!(hit.evidence["claims"][0]["matched"], "value");
        }
    }

    #[test]
    fn card_numbers_need_luhn_a_card_prefix_and_a_non_id_name() {
        assert!(is_card_number("4111111111111111"));
        assert!(is_card_number("378282246310005"));
        assert!(is_card_number("4111-1111-1111-1111"));
        assert!(!is_card_number("4111111111111112"), "bad check digit");
        assert!(!is_card_number("1234567812345670"), "Luhn-valid but no card prefix");
        assert!(!is_card_number("411111111111"), "too short");
        assert!(!is_card_number("-4111111111111111"));
        assert!(claims_hit(r#"{"user_id":"4111111111111111"}"#, "sensitive-claim").is_none());
        assert!(claims_hit(r#"{"sub":"4111111111111111"}"#, "sensitive-claim").is_none());
        assert!(claims_hit(r#"{"iat":1700000000,"exp":1700003600}"#, "sensitive-claim").is_none());
    }

    #[test]
    fn pii_names_and_values_are_found() {
        let hit = claims_hit(r#"{"given_name":"Ada","contact":{"mail":"x"},"other":"ada@example.com"}"#, "pii-claim");
        let hit = hit.unwrap();
        assert_eq!(paths(&hit), ["given_name", "contact.mail", "other"]);
        assert_eq!(hit.evidence["claims"][2]["kind"], "email");
        assert!(claims_hit(r#"{"tel":"+49 30 1234567"}"#, "pii-claim").is_some());
        assert!(claims_hit(r#"{"birthDate":"1990-01-01"}"#, "pii-claim").is_some());
    }

    #[test]
    fn a_personal_data_object_is_reported_once() {
        let hit =
            claims_hit(r#"{"address":{"street_address":"1 Main St","postal_code":"12345"}}"#, "pii-claim").unwrap();
        assert_eq!(paths(&hit), ["address"]);
    }

    #[test]
    fn pii_stays_quiet_for_verification_flags_and_service_identities() {
        for claims in [
            r#"{"email_verified":true}"#,
            r#"{"iss":"robot@project.iam.example.com"}"#,
            r#"{"sub":"1234567890","name":"service","role":"admin"}"#,
        ] {
            assert!(claims_hit(claims, "pii-claim").is_none(), "{claims}");
        }
    }

    #[test]
    fn configured_names_are_added_to_the_built_in_ones() {
        let settings = Settings {
            now: NOW,
            extra_sensitive_claims: vec!["Tenant-Key".into()],
            extra_pii_claims: vec!["employee_id".into()],
            ..Settings::default()
        };
        let ctx = CheckSettings::new(&settings);
        let token = jws(r#"{"alg":"HS256"}"#, r#"{"tenant_key":"t","employeeId":"e1"}"#, &[1; 32]);
        let rules: Vec<_> = hits_with(&token, &ctx).into_iter().map(|hit| hit.rule.as_str()).collect();
        assert!(rules.contains(&"sensitive-claim") && rules.contains(&"pii-claim"), "{rules:?}");
        let plain: Vec<_> = hits(&token).into_iter().map(|hit| hit.rule.as_str()).collect();
        assert!(!plain.contains(&"sensitive-claim") && !plain.contains(&"pii-claim"), "{plain:?}");
    }

    #[test]
    fn evidence_lists_are_bounded() {
        let claims: Vec<String> = (0..50).map(|i| format!(r#""password{i}":"x""#)).collect();
        let hit = claims_hit(&format!("{{{}}}", claims.join(",")), "sensitive-claim").unwrap();
        assert_eq!(hit.evidence["claims"].as_array().unwrap().len(), MAX_LISTED);
        assert_eq!(hit.evidence["count"], 50);
    }
}
