//! The verifier's outcomes and guards, through the library API.

use std::time::{Duration, Instant};

use jwtscan::verify::{Limits, Options, Outcome, Verification, Verifier};
use serde_json::json;

use super::idp::{Idp, Reply, Signer};

/// 2025-01-01T00:00:00Z.
const NOW: i64 = 1_735_689_600;

fn options(idp: &Idp) -> Options {
    Options { now: NOW, allow_private: true, ca_file: Some(idp.ca_file.clone()), limits: Limits::default() }
}

fn verify(options: Options, token: &str) -> Verification {
    Verifier::new(options).expect("verifier").verify(token)
}

fn assert_outcome(verification: &Verification, outcome: Outcome, reason: &str) {
    assert_eq!(verification.outcome, outcome, "{verification:?}");
    assert!(verification.reason.contains(reason), "reason {:?} lacks {reason:?}", verification.reason);
}

fn claims(iss: &str) -> serde_json::Value {
    json!({"iss": iss, "sub": "user-1", "iat": NOW - 60, "exp": NOW + 3600})
}

#[test]
fn a_token_signed_by_the_issuers_current_key_is_live() {
    let idp = Idp::start();
    let rsa = Signer::rsa();
    let issuer = idp.issuer("tenant", vec![rsa.jwk("rsa-1")]);
    let token = rsa.token("RS256", Some("rsa-1"), claims(&issuer));
    let verification = verify(options(&idp), &token);
    assert_outcome(
        &verification,
        Outcome::Live,
        "verifies under key \"rsa-1\" of 127.0.0.1; expires 2025-01-01T01:00:00Z",
    );
    assert_eq!(idp.requests(), 2, "discovery and key set");
}

#[test]
fn requests_carry_only_host_user_agent_and_accept() {
    let idp = Idp::start();
    let ec = Signer::p256();
    let issuer = idp.issuer("tenant", vec![ec.jwk("k1")]);
    let token = ec.token("ES256", Some("k1"), claims(&issuer));
    assert_eq!(verify(options(&idp), &token).outcome, Outcome::Live);
    let heads = idp.heads();
    assert_eq!(heads.len(), 2);
    assert!(heads[0].starts_with("GET /tenant/.well-known/openid-configuration HTTP/1.1\r\n"), "{heads:?}");
    assert!(heads[1].starts_with("GET /tenant/jwks HTTP/1.1\r\n"), "{heads:?}");
    for head in &heads {
        let mut names: Vec<String> = head
            .lines()
            .skip(1)
            .filter_map(|line| line.split_once(':'))
            .map(|(name, _)| name.to_ascii_lowercase())
            .collect();
        names.sort();
        assert_eq!(names, ["accept", "host", "user-agent"], "{head}");
        let agent = format!("user-agent: jwtscan/{}\r\n", env!("CARGO_PKG_VERSION"));
        assert!(head.to_ascii_lowercase().contains(&agent), "{head}");
        let signature = token.rsplit('.').next().expect("a signature");
        assert!(!head.contains(signature) && !head.contains("k1"), "nothing of the token is sent");
    }
}

#[test]
fn every_supported_algorithm_family_verifies() {
    let idp = Idp::start();
    let (rsa, ec, ed) = (Signer::rsa(), Signer::p256(), Signer::ed25519());
    let issuer = idp.issuer("multi", vec![rsa.jwk("rsa"), ec.jwk("ec"), ed.jwk("ed")]);
    let tokens = [
        rsa.token("RS512", Some("rsa"), claims(&issuer)),
        rsa.token("PS256", Some("rsa"), claims(&issuer)),
        ec.token("ES256", Some("ec"), claims(&issuer)),
        ed.token("EdDSA", Some("ed"), claims(&issuer)),
    ];
    let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let verifications = Verifier::new(options(&idp)).expect("verifier").verify_all(&refs);
    for verification in &verifications {
        assert_outcome(verification, Outcome::Live, "verifies under key");
    }
    assert_eq!(idp.requests(), 2, "one fetch for the issuer, however many tokens");
}

#[test]
fn an_expired_token_is_dead_without_any_request() {
    let idp = Idp::start();
    let ec = Signer::p256();
    let issuer = idp.issuer("tenant", vec![ec.jwk("k1")]);
    let token = ec.token("ES256", Some("k1"), json!({"iss": issuer, "exp": NOW - 10}));
    assert_outcome(&verify(options(&idp), &token), Outcome::Dead, "expired at 2024-12-31T23:59:50Z");
    assert_eq!(idp.requests(), 0);
}

#[test]
fn a_kid_rotated_out_of_the_key_set_is_dead() {
    let idp = Idp::start();
    let (old, new) = (Signer::p256(), Signer::p256());
    let issuer = idp.issuer("tenant", vec![new.jwk("2025-01")]);
    let token = old.token("ES256", Some("2024-06"), claims(&issuer));
    assert_outcome(&verify(options(&idp), &token), Outcome::Dead, "key \"2024-06\" is no longer published");
}

#[test]
fn a_token_the_issuers_key_does_not_verify_is_invalid() {
    let idp = Idp::start();
    let (forger, real) = (Signer::p256(), Signer::p256());
    let issuer = idp.issuer("tenant", vec![real.jwk("k1")]);
    let token = forger.token("ES256", Some("k1"), claims(&issuer));
    assert_outcome(&verify(options(&idp), &token), Outcome::Invalid, "signature does not verify under key \"k1\"");
}

#[test]
fn a_token_not_yet_valid_is_still_live_and_says_from_when() {
    let idp = Idp::start();
    let ed = Signer::ed25519();
    let issuer = idp.issuer("tenant", vec![ed.jwk("ed")]);
    let token = ed.token("EdDSA", Some("ed"), json!({"iss": issuer, "nbf": NOW + 86_400}));
    let verification = verify(options(&idp), &token);
    assert_outcome(&verification, Outcome::Live, "never expires; valid from 2025-01-02T00:00:00Z");
}

#[test]
fn a_slow_issuer_times_out_as_unknown_not_dead() {
    let idp = Idp::start();
    let ec = Signer::p256();
    let issuer = idp.issuer("slow", vec![ec.jwk("k1")]);
    idp.route("/slow/jwks", Reply::Slow(Duration::from_secs(3), json!({"keys": [ec.jwk("k1")]})));
    let mut options = options(&idp);
    options.limits.per_request = Duration::from_millis(500);
    let started = Instant::now();
    let verification = verify(options, &ec.token("ES256", Some("k1"), claims(&issuer)));
    assert_outcome(&verification, Outcome::Unknown, "JWKS: timeout");
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
}

#[test]
fn the_overall_time_budget_caps_a_slow_issuer() {
    let idp = Idp::start();
    let ec = Signer::p256();
    let issuer = idp.issuer("slow", vec![ec.jwk("k1")]);
    idp.route("/slow/.well-known/openid-configuration", Reply::Slow(Duration::from_secs(3), json!({})));
    let mut options = options(&idp);
    options.limits.overall = Duration::from_millis(400);
    let started = Instant::now();
    let verification = verify(options, &ec.token("ES256", Some("k1"), claims(&issuer)));
    assert_outcome(&verification, Outcome::Unknown, "discovery: timeout");
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
}

#[test]
fn an_oversize_response_is_cut_off_as_unknown() {
    let idp = Idp::start();
    let ec = Signer::p256();
    let issuer = idp.issuer("big", vec![ec.jwk("k1")]);
    idp.route("/big/jwks", Reply::Oversize(2 * 1024 * 1024));
    let verification = verify(options(&idp), &ec.token("ES256", Some("k1"), claims(&issuer)));
    assert_outcome(&verification, Outcome::Unknown, "JWKS: response over 524288 bytes");
}

#[test]
fn a_redirect_is_refused_not_followed() {
    let idp = Idp::start();
    let ec = Signer::p256();
    let issuer = idp.issuer("moved", vec![ec.jwk("k1")]);
    idp.route("/moved/.well-known/openid-configuration", Reply::Redirect(idp.url("/elsewhere")));
    let verification = verify(options(&idp), &ec.token("ES256", Some("k1"), claims(&issuer)));
    assert_outcome(&verification, Outcome::Unknown, "discovery: redirect refused");
    assert_eq!(idp.requests(), 1, "the redirect target is never asked");
}

#[test]
fn an_untrusted_certificate_is_unknown_without_the_ca() {
    let idp = Idp::start();
    let ec = Signer::p256();
    let issuer = idp.issuer("tenant", vec![ec.jwk("k1")]);
    let mut options = options(&idp);
    options.ca_file = None;
    let verification = verify(options, &ec.token("ES256", Some("k1"), claims(&issuer)));
    assert_outcome(&verification, Outcome::Unknown, "discovery: TLS: invalid peer certificate: UnknownIssuer");
    assert_eq!(idp.requests(), 0, "no request is sent over an untrusted connection");
}

#[test]
fn a_loopback_issuer_is_refused_unless_private_addresses_are_allowed() {
    let idp = Idp::start();
    let ec = Signer::p256();
    let issuer = idp.issuer("tenant", vec![ec.jwk("k1")]);
    let mut options = options(&idp);
    options.allow_private = false;
    let verification = verify(options, &ec.token("ES256", Some("k1"), claims(&issuer)));
    assert_outcome(&verification, Outcome::Unknown, "discovery: blocked address 127.0.0.1 (loopback)");
    assert_eq!(idp.requests(), 0, "no connection to a refused address");
}

#[test]
fn a_key_set_on_another_host_is_refused() {
    let idp = Idp::start();
    let ec = Signer::p256();
    let issuer = idp.url("/tenant");
    let elsewhere = format!("https://localhost:{}/tenant/jwks", idp.port);
    idp.route(
        "/tenant/.well-known/openid-configuration",
        Reply::Json(json!({"issuer": issuer, "jwks_uri": elsewhere})),
    );
    let verification = verify(options(&idp), &ec.token("ES256", Some("k1"), claims(&issuer)));
    assert_outcome(&verification, Outcome::Unknown, "jwks_uri is on another host (localhost)");
    assert_eq!(idp.requests(), 1);
}

#[test]
fn a_discovery_document_for_another_issuer_is_refused() {
    let idp = Idp::start();
    let ec = Signer::p256();
    let issuer = idp.issuer("tenant", vec![ec.jwk("k1")]);
    idp.route(
        "/tenant/.well-known/openid-configuration",
        Reply::Json(json!({"issuer": idp.url("/other"), "jwks_uri": format!("{issuer}/jwks")})),
    );
    let verification = verify(options(&idp), &ec.token("ES256", Some("k1"), claims(&issuer)));
    assert_outcome(&verification, Outcome::Unknown, "discovery document names another issuer");
}

#[test]
fn an_http_error_is_unknown_not_dead() {
    let idp = Idp::start();
    let ec = Signer::p256();
    let issuer = idp.issuer("gone", vec![]);
    idp.route("/gone/jwks", Reply::Status(503));
    let verification = verify(options(&idp), &ec.token("ES256", Some("k1"), claims(&issuer)));
    assert_outcome(&verification, Outcome::Unknown, "JWKS: HTTP 503");
}

#[test]
fn a_refused_connection_is_unknown_not_dead() {
    let idp = Idp::start();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("address").port();
    drop(closed);
    let ec = Signer::p256();
    let token = ec.token("ES256", Some("k1"), claims(&format!("https://127.0.0.1:{port}")));
    let verification = verify(options(&idp), &token);
    assert_eq!(verification.outcome, Outcome::Unknown, "{verification:?}");
    assert!(verification.reason.starts_with("discovery: "), "{verification:?}");
}

#[test]
fn tokens_that_no_fetch_can_settle_are_unknown_without_any_request() {
    let idp = Idp::start();
    let ec = Signer::p256();
    let issuer = idp.issuer("tenant", vec![ec.jwk("k1")]);
    let hmac = {
        use base64::Engine as _;
        let b64 = |v: serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.c2ln", b64(json!({"alg": "HS256"})), b64(claims(&issuer)))
    };
    let cases = [
        (hmac, "HMAC: the secret is not published"),
        (ec.token("ES256", Some("k1"), json!({"sub": "x"})), "no iss claim"),
        (ec.token("ES256", Some("k1"), claims(&idp.url("/t").replace("https", "http"))), "issuer: not https"),
        (ec.token("ES512", Some("k1"), claims(&issuer)), "alg ES512 is not supported"),
    ];
    let verifier = Verifier::new(options(&idp)).expect("verifier");
    for (token, reason) in &cases {
        assert_outcome(&verifier.verify(token), Outcome::Unknown, reason);
    }
    assert_eq!(idp.requests(), 0);
}

#[test]
fn the_request_budget_leaves_later_issuers_unknown() {
    let idp = Idp::start();
    let ec = Signer::p256();
    let first = idp.issuer("a", vec![ec.jwk("k1")]);
    let second = idp.issuer("b", vec![ec.jwk("k1")]);
    let mut options = options(&idp);
    options.limits.max_requests = 2;
    options.limits.threads = 1;
    let tokens = [ec.token("ES256", Some("k1"), claims(&second)), ec.token("ES256", Some("k1"), claims(&first))];
    let verifications = Verifier::new(options).expect("verifier").verify_all(&[&tokens[0], &tokens[1]]);
    assert_outcome(&verifications[1], Outcome::Live, "verifies");
    assert_outcome(&verifications[0], Outcome::Unknown, "request budget of the run spent");
    assert_eq!(idp.requests(), 2);
}

#[test]
fn an_unreadable_ca_file_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("ca.pem");
    std::fs::write(&path, "not a certificate").expect("write");
    let options = Options { now: NOW, allow_private: false, ca_file: Some(path), limits: Limits::default() };
    let error = Verifier::new(options).err().expect("an error");
    assert!(error.to_string().contains("no certificate found"), "{error:#}");
}
