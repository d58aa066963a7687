//! Issue 23: a red run means a real risk. A library-style tree, an application tree and a pull
//! secret, built from the cases that failed runs wrongly (or passed them wrongly), each checked
//! for its verdict and the reason the report gives.

use serde_json::Value;

use crate::cli::util::{Fixture, NOW, b64, jwt, signed_hs256, stdout_json};

/// The findings of `report` at `path`.
fn at<'r>(report: &'r Value, path: &str) -> Vec<&'r Value> {
    report["findings"].as_array().unwrap().iter().filter(|finding| finding["path"] == path).collect()
}

fn rules<'r>(findings: &[&'r Value]) -> Vec<&'r str> {
    findings.iter().filter_map(|finding| finding["rule"].as_str()).collect()
}

/// Whether any of `findings` fails the run: JSON says so by the reason it gives.
fn failing(findings: &[&Value]) -> bool {
    findings.iter().any(|finding| finding["evidence"]["verdict_reason"].is_string())
}

fn reason<'r>(findings: &[&'r Value], key: &str) -> &'r str {
    findings.iter().find_map(|finding| finding["evidence"][key].as_str()).unwrap_or_default()
}

fn scan(fixture: &Fixture) -> Value {
    stdout_json(fixture.cmd().args(["--format", "json", "--now", NOW]))
}

#[test]
fn a_library_tree_fails_only_on_what_ships_and_says_why() {
    let fixture = Fixture::new();
    let vector = jwt(r#"{"alg":"HS256","kid":"018c0ae5"}"#, r#"{"iss":"hobbiton.example","n":1}"#, &[7; 32]);
    let fixture_token = jwt(
        r#"{"alg":"RS256"}"#,
        r#"{"sub":"1234567890","name":"John Doe","email":"john@example.com","iss":"https://issuer.example.com","aud":"https://api.acme.io"}"#,
        &[3; 128],
    );
    let pq = jwt(r#"{"alg":"ML-DSA-44"}"#, r#"{"sub":"x","exp":1600000000}"#, &[1; 64]);
    let weak = signed_hs256(r#"{"alg":"HS256"}"#, r#"{"sub":"42","exp":1600000000}"#, b"secret");
    fixture
        .write("src/jose/jwk.js", "export const jwk = {\n  kty: 'oct',\n  k: b64u(key),\n  alg: 'HS256',\n};\n")
        .write(
            "src/jose/vectors.go",
            format!("// https://www.rfc-editor.org/rfc/rfc7520#section-5.7\nconst jws = `{vector}`\n"),
        )
        .write(
            "pkg/auth/verify_test.go",
            format!(
                "func TestVerify(t *testing.T) {{\n\topts.SkipExpiryCheck = true\n\ttok := \"{fixture_token}\"\n}}\n"
            ),
        )
        .write("src/pq.ts", format!("export const sample = '{pq}';\n"))
        .write(
            "src/globs.rs",
            format!(
                "const MARK: &str = \"#[cfg(test)]\";\nconst GLOB: &str = \"src/** \";\nconst T: &str = \"{weak}\";\n"
            ),
        );
    let output = fixture.cmd().args(["--format", "json", "--now", NOW]).output().unwrap();
    let report = crate::cli::util::json(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{report}");

    assert!(at(&report, "src/jose/jwk.js").is_empty(), "an expression is no key: {report}");

    let cited = at(&report, "src/jose/vectors.go");
    assert!(!cited.is_empty() && cited.iter().all(|finding| finding["context"] == "example"), "{report}");
    assert_eq!(reason(&cited, "context_reason"), "published example: the file cites RFC 7520 section 5.7 beside it");
    assert!(!failing(&cited));

    let test = at(&report, "pkg/auth/verify_test.go");
    assert!(!test.is_empty() && !failing(&test), "a fixture is not real: {report}");

    let pq = at(&report, "src/pq.ts");
    assert!(!rules(&pq).contains(&"deprecated-alg"), "{report}");
    assert_eq!(reason(&pq, "alg_status"), "IETF draft");

    let marked = at(&report, "src/globs.rs");
    assert!(marked.iter().all(|finding| finding["context"] == "source"), "string literals mark nothing: {report}");
    assert!(rules(&marked).contains(&"weak-secret") && failing(&marked), "{report}");
    // The weak-secret token fails, and the ML-DSA sample, as source: three findings, each with its reason.
    assert_eq!(report["summary"]["failing"], 3, "{report}");
    let reasons = report["findings"].as_array().unwrap().iter().filter(|f| f["evidence"]["verdict_reason"].is_string());
    assert_eq!(reasons.count(), 3, "{report}");
    assert_eq!(reason(&marked, "verdict_reason"), "source: code that ships counts toward --fail-on");
}

#[test]
fn an_application_tree_fails_on_real_credentials_wherever_they_sit() {
    let fixture = Fixture::new();
    let live = jwt(r#"{"alg":"RS256"}"#, r#"{"iss":"https://login.acme.io","sub":"svc-billing"}"#, &[9; 256]);
    let userinfo = jwt(
        r#"{"alg":"RS256"}"#,
        r#"{"iss":"https://svc:Pa55w0rd@idp.acme.io/","sub":"ghp_0123456789abcdefghijABCDEFGHIJ012345","exp":1600000000}"#,
        &[9; 256],
    );
    let account = jwt(
        r#"{"alg":"RS256"}"#,
        r#"{"iss":"kubernetes/serviceaccount","kubernetes.io/serviceaccount/namespace":"ci","kubernetes.io/serviceaccount/secret.name":"deployer-token-x7k2p","sub":"system:serviceaccount:ci:deployer","exp":1600000000}"#,
        &[9; 256],
    );
    let profile = jwt(
        r#"{"alg":"RS256"}"#,
        r#"{"sub":"u-1","email":"user@example.com","email_verified":"true","exp":1600000000}"#,
        &[9; 256],
    );
    fixture
        .write("tests/fixtures/session.json", format!("{{\"token\": \"{live}\"}}\n"))
        .write("tests/fixtures/idp.json", format!("{{\"token\": \"{userinfo}\"}}\n"))
        .write("tests/fixtures/account.json", format!("{{\"token\": \"{account}\"}}\n"))
        .write("tests/fixtures/profile.json", format!("{{\"token\": \"{profile}\"}}\n"));
    let report = scan(&fixture);

    let session = at(&report, "tests/fixtures/session.json");
    assert!(failing(&session), "{report}");
    assert_eq!(
        reason(&session, "verdict_reason"),
        "looks real in test: never expires, names the real host login.acme.io"
    );

    let idp = at(&report, "tests/fixtures/idp.json");
    let sensitive =
        idp.iter().find(|finding| finding["rule"] == "sensitive-claim").expect("credentials in iss and sub");
    let kinds: Vec<&str> =
        sensitive["evidence"]["claims"].as_array().unwrap().iter().filter_map(|claim| claim["kind"].as_str()).collect();
    assert_eq!(kinds, ["password-in-url", "github-token"], "{sensitive}");

    assert!(!rules(&at(&report, "tests/fixtures/account.json")).contains(&"sensitive-claim"), "{report}");
    assert!(!rules(&at(&report, "tests/fixtures/profile.json")).contains(&"pii-claim"), "{report}");
}

#[test]
fn a_registry_pull_secret_holds_a_real_credential_without_an_issuer() {
    let fixture = Fixture::new();
    let robot = jwt(r#"{"alg":"RS512"}"#, r#"{"sub":"b1c0ffee"}"#, &[5; 512]);
    let auth = b64(format!("robot:{robot}"));
    let config = format!("{{\"auths\":{{\"registry.redhat.io\":{{\"auth\":\"{auth}\",\"email\":\"\"}}}}}}");
    let secret = format!(
        "apiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {}\n",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &config)
    );
    let local = jwt(r#"{"alg":"RS512"}"#, r#"{"sub":"dev"}"#, &[6; 512]);
    let local_config = format!("{{\"auths\":{{\"localhost:5000\":{{\"auth\":\"{}\"}}}}}}", b64(format!("dev:{local}")));
    fixture
        .write("samples/openshift/pull-secret.yaml", secret)
        .write("samples/docker/config.json", config)
        .write("samples/local/config.json", local_config);
    let report = scan(&fixture);
    for path in ["samples/openshift/pull-secret.yaml", "samples/docker/config.json"] {
        let found = at(&report, path);
        assert!(!found.is_empty() && found.iter().all(|finding| finding["context"] == "example"), "{path}: {report}");
        assert!(failing(&found), "{path}: {report}");
        assert_eq!(
            reason(&found, "verdict_reason"),
            "looks real in example: never expires, in the pull secret of the registry registry.redhat.io",
            "{path}"
        );
    }
    assert!(!failing(&at(&report, "samples/local/config.json")), "a local registry is no real host: {report}");
}

/// RFC 7520 section 5.2 (RSA-OAEP, A256GCM), as `tests/fixtures/published/tokens.toml` holds it.
fn rfc7520_5_2() -> String {
    let published: toml::Table = toml::from_str(include_str!("../../fixtures/published/tokens.toml")).unwrap();
    published["token"]
        .as_array()
        .unwrap()
        .iter()
        .find(|token| token["source"].as_str() == Some("RFC 7520 section 5.2 (RSA-OAEP, A256GCM)"))
        .and_then(|token| token["text"].as_str())
        .unwrap()
        .to_string()
}

#[test]
fn fixture_folders_test_functions_split_vectors_and_every_published_vector_hold_a_library_green() {
    let fixture = Fixture::new();
    let weak = signed_hs256(r#"{"alg":"HS256"}"#, r#"{"sub":"42","exp":1600000000}"#, b"secret");
    let rfc8037 = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
    let (head, tail) = rfc8037.split_at(90);
    fixture
        .write("data/jwt/HS256.jwt", format!("{weak}\n"))
        .write(
            "src/token.rs",
            format!("pub fn verify() {{}}\n\n#[test]\nfn verifies() {{\n    let t = \"{weak}\";\n}}\n"),
        )
        .write(
            "src/test/groovy/JwsSpec.groovy",
            format!("def \"verifies\"() {{\n    given:\n    def t = /{head}/ +\n        /{tail}/\n}}\n"),
        )
        .write("src/jwe.rs", format!("pub const RFC7520_5_2: &str = \"{}\";\n", rfc7520_5_2()));
    let output = fixture.cmd().args(["--format", "json", "--now", NOW]).output().unwrap();
    let report = crate::cli::util::json(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{report}");

    let data = at(&report, "data/jwt/HS256.jwt");
    assert!(rules(&data).contains(&"weak-secret") && !failing(&data), "{report}");
    assert_eq!(reason(&data, "context_reason"), "path convention `data/`");
    let test_fn = at(&report, "src/token.rs");
    assert!(!test_fn.is_empty() && test_fn.iter().all(|finding| finding["context"] == "test"), "{report}");
    assert_eq!(reason(&test_fn, "context_reason"), "after `#[test]`");
    let groovy = at(&report, "src/test/groovy/JwsSpec.groovy");
    assert_eq!(reason(&groovy, "context_reason"), "published example: RFC 8037 appendix A.4 (EdDSA, Ed25519)");
    let jwe = at(&report, "src/jwe.rs");
    assert_eq!(reason(&jwe, "context_reason"), "published example: RFC 7520 section 5.2 (RSA-OAEP, A256GCM)");

    // The same weak token in a package's own `data/` ships: it fails.
    fixture.write("mypkg/data/HS256.jwt", format!("{weak}\n"));
    let report = scan(&fixture);
    let shipped = at(&report, "mypkg/data/HS256.jwt");
    assert!(failing(&shipped) && shipped.iter().all(|finding| finding["context"] == "source"), "{report}");
}

/// A PEM private key in a Rust test module (jwt-simple, pem and rcgen keep theirs there) failed
/// the run: key findings are made after the walk, and took no clue from the text before them.
#[test]
fn a_pem_private_key_in_a_test_module_is_test_and_one_in_code_fails() {
    let keys = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/forgeable/tree/keys");
    let (pem, other) = (keys.join("ec.pem"), keys.join("signing.pem"));
    let (pem, other) = (std::fs::read_to_string(pem).unwrap(), std::fs::read_to_string(other).unwrap());
    let fixture = Fixture::new();
    fixture
        .write(
            "src/lib.rs",
            format!("pub fn sign() {{}}\n\n#[cfg(test)]\nmod tests {{\n    const KEY: &str = \"{pem}\";\n}}\n"),
        )
        .write("src/keys.rs", format!("pub const KEY: &str = \"{other}\";\n"));
    let report = scan(&fixture);
    let in_test = at(&report, "src/lib.rs");
    assert_eq!(rules(&in_test), ["private-key"], "{report}");
    assert_eq!(in_test[0]["context"], "test", "{report}");
    assert!(!failing(&in_test), "{report}");
    let in_code = at(&report, "src/keys.rs");
    assert_eq!(rules(&in_code), ["private-key"], "{report}");
    assert!(failing(&in_code), "{report}");
}
