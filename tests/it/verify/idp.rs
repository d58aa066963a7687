//! A local HTTPS identity provider for the verification tests: a rustls server on 127.0.0.1
//! with a certificate from a throw-away CA, serving whatever routes a test sets (discovery
//! documents, key sets, redirects, slow or oversize answers), and counting the requests.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{Value, json};

/// How a route answers.
#[derive(Clone)]
pub enum Reply {
    Json(Value),
    Status(u16),
    Redirect(String),
    /// Waits before answering, to trip the client's time cap.
    Slow(Duration, Value),
    /// A body of this many bytes.
    Oversize(usize),
}

type Routes = Arc<Mutex<HashMap<String, Reply>>>;

pub struct Idp {
    pub port: u16,
    /// PEM of the CA that signed the server certificate, in a file for `--verify-ca`.
    pub ca_file: PathBuf,
    routes: Routes,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    _dir: tempfile::TempDir,
}

impl Idp {
    pub fn start() -> Idp {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA certificate");
        let server_key = KeyPair::generate().expect("server key");
        let server_params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).expect("server params");
        let server_cert = server_params.signed_by(&server_key, &ca).expect("server certificate");
        let dir = tempfile::tempdir().expect("temp dir");
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca.pem()).expect("write CA");

        let chain = vec![CertificateDer::from(server_cert.der().to_vec()), CertificateDer::from(ca.der().to_vec())];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("server config");
        let config = Arc::new(config);

        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let routes: Routes = Arc::default();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        {
            let (routes, requests, stop) = (Arc::clone(&routes), Arc::clone(&requests), Arc::clone(&stop));
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (config, routes, requests) = (Arc::clone(&config), Arc::clone(&routes), Arc::clone(&requests));
                    thread::spawn(move || serve(stream, config, &routes, &requests));
                }
            });
        }
        Idp { port, ca_file, routes, requests, stop, _dir: dir }
    }

    /// `https://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }

    pub fn route(&self, path: &str, reply: Reply) {
        self.routes.lock().expect("routes").insert(path.to_owned(), reply);
    }

    /// An issuer at `/{tenant}` whose discovery document points at `/{tenant}/jwks`.
    pub fn issuer(&self, tenant: &str, keys: Vec<Value>) -> String {
        let issuer = self.url(&format!("/{tenant}"));
        self.route(
            &format!("/{tenant}/.well-known/openid-configuration"),
            Reply::Json(json!({"issuer": issuer, "jwks_uri": format!("{issuer}/jwks")})),
        );
        self.route(&format!("/{tenant}/jwks"), Reply::Json(json!({ "keys": keys })));
        issuer
    }

    pub fn requests(&self) -> usize {
        self.requests.lock().expect("requests").len()
    }

    /// The request heads received so far (request line and headers).
    pub fn heads(&self) -> Vec<String> {
        self.requests.lock().expect("requests").clone()
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(mut tcp: TcpStream, config: Arc<rustls::ServerConfig>, routes: &Routes, requests: &Mutex<Vec<String>>) {
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(mut connection) = rustls::ServerConnection::new(config) else { return };
    let mut tls = rustls::Stream::new(&mut connection, &mut tcp);
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        match tls.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    requests.lock().expect("requests").push(head.clone());
    let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
    let reply = routes.lock().expect("routes").get(&path).cloned();
    let (status, extra, body) = match reply {
        Some(Reply::Json(value)) => (200, String::new(), value.to_string().into_bytes()),
        Some(Reply::Status(status)) => (status, String::new(), Vec::new()),
        Some(Reply::Redirect(location)) => (302, format!("location: {location}\r\n"), Vec::new()),
        Some(Reply::Slow(wait, value)) => {
            thread::sleep(wait);
            (200, String::new(), value.to_string().into_bytes())
        }
        Some(Reply::Oversize(size)) => (200, String::new(), vec![b' '; size]),
        None => (404, String::new(), Vec::new()),
    };
    let response = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n",
        body.len()
    );
    let _ = tls.write_all(response.as_bytes());
    let _ = tls.write_all(&body);
    let _ = tls.flush();
    connection.send_close_notify();
    let _ = connection.complete_io(&mut tcp);
    let _ = tcp.shutdown(Shutdown::Both);
}

/// A signing key of the test issuer, with its public JWK.
pub enum Signer {
    Rsa(RsaKeyPair),
    P256(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

impl Signer {
    /// The fixed RSA 2048 test key: generating one per run would cost seconds in debug builds.
    pub fn rsa() -> Signer {
        let der = include_bytes!("../../fixtures/verify/rsa-2048.der");
        Signer::Rsa(RsaKeyPair::from_der(der).expect("RSA fixture (DER RSAPrivateKey)"))
    }

    pub fn p256() -> Signer {
        let rng = SystemRandom::new();
        let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).expect("P-256 key");
        Signer::P256(EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).expect("P-256 key"))
    }

    pub fn ed25519() -> Signer {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).expect("Ed25519 key");
        Signer::Ed25519(Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("Ed25519 key"))
    }

    pub fn jwk(&self, kid: &str) -> Value {
        match self {
            Signer::Rsa(key) => {
                let (n, e) = rsa_public_parts(key.public().as_ref());
                json!({"kty": "RSA", "kid": kid, "use": "sig", "n": B64.encode(n), "e": B64.encode(e)})
            }
            Signer::P256(key) => {
                let point = key.public_key().as_ref();
                json!({"kty": "EC", "crv": "P-256", "kid": kid, "x": B64.encode(&point[1..33]), "y": B64.encode(&point[33..])})
            }
            Signer::Ed25519(key) => {
                json!({"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": B64.encode(key.public_key().as_ref())})
            }
        }
    }

    /// A compact JWS over `claims`, with `kid` in the header when given. RSA signs with `alg`
    /// (RS* or PS*); the others use their only algorithm.
    pub fn token(&self, alg: &str, kid: Option<&str>, claims: Value) -> String {
        let mut header = json!({"alg": alg, "typ": "JWT"});
        if let Some(kid) = kid {
            header["kid"] = json!(kid);
        }
        let input = format!("{}.{}", B64.encode(header.to_string()), B64.encode(claims.to_string()));
        let rng = SystemRandom::new();
        let signature = match self {
            Signer::Rsa(key) => {
                let padding: &dyn signature::RsaEncoding = match alg {
                    "RS256" => &signature::RSA_PKCS1_SHA256,
                    "RS384" => &signature::RSA_PKCS1_SHA384,
                    "RS512" => &signature::RSA_PKCS1_SHA512,
                    "PS256" => &signature::RSA_PSS_SHA256,
                    "PS384" => &signature::RSA_PSS_SHA384,
                    _ => &signature::RSA_PSS_SHA512,
                };
                let mut out = vec![0; key.public().modulus_len()];
                key.sign(padding, &rng, input.as_bytes(), &mut out).expect("RSA sign");
                out
            }
            Signer::P256(key) => key.sign(&rng, input.as_bytes()).expect("ECDSA sign").as_ref().to_vec(),
            Signer::Ed25519(key) => key.sign(input.as_bytes()).as_ref().to_vec(),
        };
        format!("{input}.{}", B64.encode(signature))
    }
}

/// `n` and `e` from a DER `RSAPublicKey` (a SEQUENCE of two INTEGERs).
fn rsa_public_parts(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    fn element(der: &[u8]) -> (&[u8], &[u8]) {
        let (len, header) = match der[1] {
            short if short < 0x80 => (usize::from(short), 2),
            long => {
                let count = usize::from(long & 0x7f);
                (der[2..2 + count].iter().fold(0, |acc, &b| (acc << 8) | usize::from(b)), 2 + count)
            }
        };
        (&der[header..header + len], &der[header + len..])
    }
    let (sequence, _) = element(der);
    let (n, rest) = element(sequence);
    let (e, _) = element(rest);
    let strip = |bytes: &[u8]| bytes.iter().skip_while(|&&b| b == 0).copied().collect();
    (strip(n), strip(e))
}
