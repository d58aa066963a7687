//! Opt-in liveness check of asymmetric tokens against their issuer's published keys (OIDC
//! discovery → `jwks_uri` → JWKS → local signature check → `exp`/`nbf`). Runs once per run over
//! the distinct tokens, after the walk; only the issuer's public metadata is fetched, nothing
//! found in a file is sent. Every failure to learn the answer is `unknown`, never `dead`.

mod address;
mod http;
pub(crate) mod keys;
mod url;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use serde::Serialize;
use serde_json::Value;

use crate::time::format_time;
use crate::token::{self, Form};
use keys::{Alg, Key, Verdict};
use url::HttpsUrl;

/// The verdict on one token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Verifies under the issuer's current key and is not expired: it works today.
    Live,
    /// Expired, or its key is no longer published.
    Dead,
    /// The issuer's key does not verify it.
    Invalid,
    /// The answer could not be learnt; the reason says why.
    Unknown,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Live => "live",
            Outcome::Dead => "dead",
            Outcome::Invalid => "invalid",
            Outcome::Unknown => "unknown",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub outcome: Outcome,
    pub reason: String,
}

impl Verification {
    fn new(outcome: Outcome, reason: impl Into<String>) -> Verification {
        Verification { outcome, reason: reason.into() }
    }

    pub(crate) fn unknown(reason: impl Into<String>) -> Verification {
        Verification::new(Outcome::Unknown, reason)
    }
}

/// Caps on the network work of one run.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Each request, from name lookup to the last body byte.
    pub per_request: Duration,
    /// All requests of the run together.
    pub overall: Duration,
    /// Requests in the run (two per issuer: discovery and key set).
    pub max_requests: usize,
    /// Largest response body; discovery documents and key sets are a few KiB.
    pub max_body: u64,
    /// Issuers fetched at once.
    pub threads: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            per_request: Duration::from_secs(5),
            overall: Duration::from_secs(30),
            max_requests: 64,
            max_body: 512 * 1024,
            threads: 4,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    /// "Now" for `exp`/`nbf`, in unix seconds.
    pub now: i64,
    /// Connect to loopback, private, link-local… addresses (internal identity providers).
    pub allow_private: bool,
    /// A PEM (or DER) file of extra CA certificates to trust.
    pub ca_file: Option<PathBuf>,
    pub limits: Limits,
}

pub struct Verifier {
    client: http::Client,
    now: i64,
    limits: Limits,
}

/// What a token offers for verification, read without any network access.
struct Prepared<'a> {
    issuer: HttpsUrl,
    alg: Alg,
    kid: Option<String>,
    input: &'a [u8],
    signature: Vec<u8>,
    exp: Option<i64>,
    nbf: Option<i64>,
}

/// Discovery document and key set.
const REQUESTS_PER_ISSUER: usize = 2;

/// Requests and time left in the run, shared by the fetching threads.
struct Budget {
    deadline: Instant,
    requests: AtomicUsize,
    per_request: Duration,
}

impl Budget {
    /// Takes an issuer's two requests at once, so none is spent on a half-fetched issuer.
    fn admit(&self) -> Result<(), String> {
        self.requests
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(REQUESTS_PER_ISSUER))
            .map(drop)
            .map_err(|_| "request budget of the run spent".to_owned())
    }

    /// The time cap of the next request: its own cap, or what is left of the run's.
    fn timeout(&self) -> Result<Duration, String> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err("time budget of the run spent".into());
        }
        Ok(left.min(self.per_request))
    }
}

impl Verifier {
    pub fn new(options: Options) -> Result<Verifier> {
        let extra_roots = match &options.ca_file {
            Some(path) => read_ca_file(path)?,
            None => Vec::new(),
        };
        let guards = http::Guards {
            allow_private: options.allow_private,
            extra_roots,
            per_request: options.limits.per_request,
            max_body: options.limits.max_body,
        };
        Ok(Verifier { client: http::Client::new(guards), now: options.now, limits: options.limits })
    }

    /// Verifies one token.
    pub fn verify(&self, compact: &str) -> Verification {
        self.verify_all(&[compact]).remove(0)
    }

    /// Verifies each token, in order. Each issuer is fetched once, a few issuers at a time.
    pub fn verify_all(&self, tokens: &[&str]) -> Vec<Verification> {
        let prepared: Vec<Result<Prepared<'_>, Verification>> =
            tokens.iter().map(|compact| prepare(compact, self.now)).collect();
        // Sorted by issuer so the budget, when it runs short, is spent the same way every run.
        let mut issuers: BTreeMap<&str, &HttpsUrl> = BTreeMap::new();
        for token in prepared.iter().flatten() {
            issuers.entry(token.issuer.text.as_str()).or_insert(&token.issuer);
        }
        let urls: Vec<&HttpsUrl> = issuers.into_values().collect();
        let fetched = self.fetch_all(&urls);
        prepared
            .iter()
            .map(|token| match token {
                Ok(token) => {
                    let index = urls.partition_point(|url| url.text < token.issuer.text);
                    let keys = fetched.get(index).and_then(OnceLock::get);
                    judge(token, keys, self.now)
                }
                Err(verification) => verification.clone(),
            })
            .collect()
    }

    fn fetch_all(&self, issuers: &[&HttpsUrl]) -> Vec<OnceLock<Result<Vec<Key>, String>>> {
        let results: Vec<OnceLock<Result<Vec<Key>, String>>> = issuers.iter().map(|_| OnceLock::new()).collect();
        let budget = Budget {
            deadline: Instant::now() + self.limits.overall,
            requests: AtomicUsize::new(self.limits.max_requests),
            per_request: self.limits.per_request,
        };
        let next = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..self.limits.threads.clamp(1, 16).min(issuers.len()) {
                scope.spawn(|| {
                    loop {
                        let index = next.fetch_add(1, Ordering::SeqCst);
                        let Some(issuer) = issuers.get(index) else { break };
                        let _ = results[index].set(self.fetch_keys(issuer, &budget));
                    }
                });
            }
        });
        results
    }

    /// Discovery document, then the key set it names; `Err` is the `unknown` reason.
    fn fetch_keys(&self, issuer: &HttpsUrl, budget: &Budget) -> Result<Vec<Key>, String> {
        budget.admit()?;
        let timeout = budget.timeout()?;
        let discovery =
            self.client.get_json(&url::discovery(issuer), timeout).map_err(|why| format!("discovery: {why}"))?;
        if discovery.get("issuer").and_then(Value::as_str) != Some(issuer.text.as_str()) {
            return Err("discovery document names another issuer".into());
        }
        let jwks_uri = discovery.get("jwks_uri").and_then(Value::as_str).ok_or("discovery document has no jwks_uri")?;
        let jwks_url = url::parse_https(jwks_uri, true).map_err(|why| format!("jwks_uri: {why}"))?;
        if !url::key_host_allowed(issuer, &jwks_url) {
            return Err(format!("jwks_uri is on another host ({})", keys::visible(&jwks_url.host)));
        }
        let timeout = budget.timeout()?;
        let set = self.client.get_json(&jwks_url.text, timeout).map_err(|why| format!("JWKS: {why}"))?;
        keys::parse_set(&set).map_err(str::to_owned)
    }
}

/// Reads the CA certificates of `--verify-ca`: PEM (any number) or one DER certificate; each must
/// parse as a trust anchor, so a wrong file is an error before the scan, not a silent miss.
pub fn read_ca_file(path: &std::path::Path) -> Result<Vec<Vec<u8>>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read CA file {}", path.display()))?;
    let mut roots = http::pem_certificates(&bytes);
    if roots.is_empty() && bytes.first() == Some(&0x30) {
        roots.push(bytes);
    }
    let mut store = rustls::RootCertStore::empty();
    for der in &roots {
        store.add(der.clone().into()).with_context(|| format!("{}: not a usable CA certificate", path.display()))?;
    }
    if roots.is_empty() {
        bail!("{}: no certificate found (expected PEM or DER)", path.display());
    }
    Ok(roots)
}

/// Reads what verification needs from a token, or the verdict when no fetch can help.
fn prepare(compact: &str, now: i64) -> Result<Prepared<'_>, Verification> {
    let token = token::decode(compact).ok_or_else(|| Verification::unknown("not a decodable token"))?;
    if token.form == Form::Jwe {
        return Err(Verification::unknown("encrypted token (JWE): no published key verifies it"));
    }
    let alg_name = token.alg().unwrap_or_default();
    if alg_name.eq_ignore_ascii_case("none") {
        return Err(Verification::unknown("unsigned token (alg none)"));
    }
    if alg_name.starts_with("HS") {
        return Err(Verification::unknown("HMAC: the secret is not published"));
    }
    let alg = Alg::from_name(alg_name)
        .ok_or_else(|| Verification::unknown(format!("alg {} is not supported", keys::visible(alg_name))))?;
    let claims = token.claims().ok_or_else(|| Verification::unknown("no claims set"))?;
    let time = |name: &str| claims.get(name).and_then(Value::as_f64).map(|seconds| seconds.floor() as i64);
    let (exp, nbf) = (time("exp"), time("nbf"));
    // An expired token cannot be used whatever the keys say: no request is made for it.
    if let Some(exp) = exp.filter(|&exp| exp <= now) {
        return Err(Verification::new(Outcome::Dead, format!("expired at {}", format_time(exp))));
    }
    let iss = match claims.get("iss") {
        None => return Err(Verification::unknown("no iss claim")),
        Some(Value::String(iss)) => iss,
        Some(_) => return Err(Verification::unknown("iss is not a string")),
    };
    let issuer = url::parse_https(iss, false).map_err(|why| Verification::unknown(format!("issuer: {why}")))?;
    let kid = match token.header.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return Err(Verification::unknown("kid is not a string")),
    };
    let input = token.signing_input().as_bytes();
    Ok(Prepared { issuer, alg, kid, input, signature: token.signature, exp, nbf })
}

fn judge(token: &Prepared<'_>, keys: Option<&Result<Vec<Key>, String>>, now: i64) -> Verification {
    let keys = match keys {
        Some(Ok(keys)) => keys,
        Some(Err(why)) => return Verification::unknown(why.clone()),
        None => return Verification::unknown("issuer not fetched"),
    };
    match keys::check(keys, token.kid.as_deref(), token.alg, token.input, &token.signature) {
        Verdict::Verified(kid) => {
            let key =
                kid.map_or_else(|| "the issuer's key".to_owned(), |kid| format!("key \"{}\"", keys::visible(&kid)));
            let mut reason = format!("verifies under {key} of {}", token.issuer.host);
            match token.exp {
                Some(exp) => reason.push_str(&format!("; expires {}", format_time(exp))),
                None => reason.push_str("; never expires"),
            }
            if let Some(nbf) = token.nbf.filter(|&nbf| nbf > now) {
                reason.push_str(&format!("; valid from {}", format_time(nbf)));
            }
            Verification::new(Outcome::Live, reason)
        }
        Verdict::Rejected(why) => Verification::new(Outcome::Invalid, why),
        Verdict::Rotated(why) => Verification::new(Outcome::Dead, why),
        Verdict::Undecided(why) => Verification::unknown(why),
    }
}
