//! Issuer profiles from `rules/issuers.toml`: which product minted a token (Supabase, Kubernetes,
//! GitHub Actions, Auth0 …), what it grants, how to rotate it, and how privileged it is.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::severity::Severity;

/// Longest `iss` matched against the patterns; longer values match no profile.
const MAX_ISS: usize = 512;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Privilege {
    /// Meant to be public (a Supabase anon key).
    Public,
    /// One user's session.
    User,
    /// A service or machine credential.
    Privileged,
}

impl Privilege {
    pub fn as_str(self) -> &'static str {
        match self {
            Privilege::Public => "public",
            Privilege::User => "user",
            Privilege::Privileged => "privileged",
        }
    }
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub id: String,
    pub product: String,
    #[serde(default)]
    iss: Vec<String>,
    #[serde(default)]
    claims: BTreeMap<String, String>,
    pub privilege: Privilege,
    pub grants: String,
    pub rotate: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    issuer: Vec<Profile>,
}

static PROFILES: LazyLock<Vec<Profile>> =
    LazyLock::new(|| parse(include_str!("../../rules/issuers.toml")).expect("rules/issuers.toml is checked by a test"));

fn parse(text: &str) -> Result<Vec<Profile>, String> {
    let file: File = toml::from_str(text).map_err(|err| err.to_string())?;
    for profile in &file.issuer {
        if profile.iss.is_empty() && profile.claims.is_empty() {
            return Err(format!("issuer profile `{}` matches every token", profile.id));
        }
    }
    Ok(file.issuer)
}

/// Every profile, in matching order (for `jwtscan rules`).
pub fn profiles() -> &'static [Profile] {
    &PROFILES
}

impl Profile {
    fn matches(&self, claims: &Map<String, Value>) -> bool {
        let iss_ok = self.iss.is_empty()
            || claims
                .get("iss")
                .and_then(Value::as_str)
                .is_some_and(|iss| iss.len() <= MAX_ISS && self.iss.iter().any(|pattern| wildcard(pattern, iss)));
        iss_ok
            && self.claims.iter().all(|(name, want)| match claims.get(name) {
                None => false,
                Some(_) if want == "*" => true,
                Some(value) => value.as_str() == Some(want.as_str()),
            })
    }

    /// The severity of a finding by `rule` on a token of this product: `leaked-token` on a
    /// public-by-design token is `info`, and a live one from a privileged product `critical`.
    /// Other rules say something about the token itself (a forgeable signature is as bad on an
    /// anon key), so they keep theirs.
    pub fn severity(&self, rule: &str, severity: Severity) -> Severity {
        match (rule, self.privilege) {
            ("leaked-token", Privilege::Public) => Severity::Info,
            ("leaked-token", Privilege::Privileged) if severity >= Severity::High => Severity::Critical,
            _ => severity,
        }
    }
}

/// The product that minted a token, from its claims.
pub fn profile_for(claims: &Map<String, Value>) -> Option<&'static Profile> {
    PROFILES.iter().find(|profile| profile.matches(claims))
}

/// `*` matches any run of characters (including none); everything else matches itself. Linear
/// in practice: on a mismatch only the last `*` is retried.
fn wildcard(pattern: &str, text: &str) -> bool {
    let (pattern, text) = (pattern.as_bytes(), text.as_bytes());
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(json: &str) -> Option<&'static str> {
        let claims: Map<String, Value> = serde_json::from_str(json).unwrap();
        profile_for(&claims).map(|profile| profile.id.as_str())
    }

    #[test]
    fn the_embedded_profiles_parse_with_unique_ids_and_help() {
        let profiles = parse(include_str!("../../rules/issuers.toml")).unwrap();
        let mut ids: Vec<&str> = profiles.iter().map(|profile| profile.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), profiles.len());
        for profile in &profiles {
            assert!(!profile.product.is_empty() && !profile.grants.is_empty() && !profile.rotate.is_empty());
        }
    }

    #[test]
    fn a_profile_without_conditions_is_an_error() {
        let text = "[[issuer]]\nid = \"x\"\nproduct = \"X\"\nprivilege = \"user\"\ngrants = \"g\"\nrotate = \"r\"\n";
        assert!(parse(text).is_err());
        assert!(parse(&text.replace("[[issuer]]\n", "[[issuer]]\niss = [\"x\"]\n")).is_ok());
        assert!(parse(&text.replace("user", "admin")).is_err());
    }

    #[test]
    fn supabase_keys_are_told_apart_by_role() {
        assert_eq!(profile(r#"{"iss":"supabase","ref":"abc","role":"anon"}"#), Some("supabase-anon"));
        assert_eq!(profile(r#"{"iss":"supabase","ref":"abc","role":"service_role"}"#), Some("supabase-service-role"));
        assert_eq!(
            profile(r#"{"iss":"https://abc.supabase.co/auth/v1","role":"authenticated"}"#),
            Some("supabase-user")
        );
    }

    #[test]
    fn kubernetes_github_and_gitlab_tokens_are_recognised() {
        assert_eq!(
            profile(r#"{"iss":"kubernetes/serviceaccount","kubernetes.io/serviceaccount/namespace":"default"}"#),
            Some("kubernetes-service-account-legacy")
        );
        assert_eq!(
            profile(r#"{"iss":"https://oidc.eks.eu-west-1.amazonaws.com/id/X","kubernetes.io":{"namespace":"a"}}"#),
            Some("kubernetes-service-account")
        );
        assert_eq!(
            profile(r#"{"iss":"https://token.actions.githubusercontent.com","repository":"o/r"}"#),
            Some("github-actions-oidc")
        );
        assert_eq!(
            profile(r#"{"iss":"https://gitlab.com","project_path":"g/p","pipeline_id":"1"}"#),
            Some("gitlab-ci-id-token")
        );
    }

    #[test]
    fn identity_providers_are_recognised_by_issuer() {
        assert_eq!(profile(r#"{"iss":"https://securetoken.google.com/my-app"}"#), Some("firebase-id-token"));
        assert_eq!(profile(r#"{"iss":"https://accounts.google.com"}"#), Some("google-id-token"));
        assert_eq!(profile(r#"{"iss":"sa@proj.iam.gserviceaccount.com"}"#), Some("google-service-account-jwt"));
        assert_eq!(
            profile(r#"{"iss":"https://acme.eu.auth0.com/","gty":"client-credentials"}"#),
            Some("auth0-machine-to-machine")
        );
        assert_eq!(profile(r#"{"iss":"https://acme.eu.auth0.com/"}"#), Some("auth0"));
        assert_eq!(profile(r#"{"iss":"https://acme.okta.com/oauth2/default"}"#), Some("okta"));
        assert_eq!(
            profile(r#"{"iss":"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"}"#),
            Some("aws-cognito")
        );
        assert_eq!(
            profile(r#"{"iss":"https://login.microsoftonline.com/t/v2.0","idtyp":"app"}"#),
            Some("entra-id-app")
        );
        assert_eq!(profile(r#"{"iss":"https://sts.windows.net/t/"}"#), Some("entra-id"));
        assert_eq!(profile(r#"{"iss":"https://appleid.apple.com"}"#), Some("apple-id-token"));
        assert_eq!(profile(r#"{"iss":"https://sso.acme.io/realms/main"}"#), Some("keycloak"));
    }

    #[test]
    fn lookalike_issuers_match_no_profile() {
        assert_eq!(profile(r#"{"iss":"https://token.actions.githubusercontent.com.evil.io"}"#), None);
        assert_eq!(profile(r#"{"iss":"https://accounts.google.com.evil.io"}"#), None);
        assert_eq!(profile(r#"{"iss":"supabase"}"#), None);
        assert_eq!(profile(r#"{"iss":42,"role":"anon"}"#), None);
    }

    #[test]
    fn leaked_token_severity_follows_privilege_and_other_rules_keep_theirs() {
        let by_id = |id: &str| profiles().iter().find(|profile| profile.id == id).unwrap();
        assert_eq!(by_id("supabase-anon").severity("leaked-token", Severity::High), Severity::Info);
        assert_eq!(by_id("supabase-anon").severity("weak-secret", Severity::Critical), Severity::Critical);
        assert_eq!(by_id("supabase-service-role").severity("leaked-token", Severity::High), Severity::Critical);
        assert_eq!(by_id("supabase-service-role").severity("leaked-token", Severity::Low), Severity::Low);
        assert_eq!(by_id("okta").severity("leaked-token", Severity::High), Severity::High);
    }

    #[test]
    fn wildcards_match_runs_of_any_characters() {
        assert!(wildcard("https://*.auth0.com/", "https://a.b.auth0.com/"));
        assert!(wildcard("*", ""));
        assert!(wildcard("a*b*c", "aXbYbZc"));
        assert!(!wildcard("https://*.auth0.com/", "https://auth0.com/"));
        assert!(!wildcard("a*b", "a"));
        let long = "a".repeat(MAX_ISS);
        assert!(!wildcard("*b*b*b*b", &long));
    }
}
