//! The only network code in jwtscan: a GET of public JSON (discovery documents and key sets)
//! under fixed guards. The URLs come from hostile tokens, so the client follows no redirect,
//! keeps no cookies, ignores proxy settings, caps size and time, and connects only to addresses
//! it vetted itself (the resolver below), so a second DNS answer cannot rebind the connection.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::tls::{Certificate, RootCerts, TlsConfig};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use super::address;

/// What the client may do; fixed for a run.
pub struct Guards {
    pub allow_private: bool,
    /// Extra trust anchors (DER), from `--verify-ca`.
    pub extra_roots: Vec<Vec<u8>>,
    pub per_request: Duration,
    pub max_body: u64,
}

pub struct Client {
    agent: ureq::Agent,
    per_request: Duration,
    max_body: u64,
}

/// The resolver's refusal, carried through ureq's error type to name the address.
#[derive(Debug)]
struct Blocked {
    ip: IpAddr,
    why: &'static str,
}

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "blocked address {} ({})", self.ip, self.why)
    }
}

impl std::error::Error for Blocked {}

/// Resolves as usual, then refuses the whole answer if any address is local: a name that mixes
/// public and private answers is a rebinding attempt, not an identity provider. The connector
/// connects to exactly these addresses, so nothing is looked up twice.
#[derive(Debug)]
struct VettingResolver {
    allow_private: bool,
}

impl Resolver for VettingResolver {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addresses = DefaultResolver::default().resolve(uri, config, timeout)?;
        if !self.allow_private {
            for address in addresses.iter() {
                if let Some(why) = address::refusal(address.ip()) {
                    return Err(ureq::Error::Other(Box::new(Blocked { ip: address.ip(), why })));
                }
            }
        }
        Ok(addresses)
    }
}

impl Client {
    pub fn new(guards: Guards) -> Client {
        // Mozilla's roots as shipped in the binary, not the system store: the verdict then means
        // the same on every machine, and a TLS-intercepting proxy's root in the system store
        // cannot vouch for a fake issuer. An internal CA comes in explicitly (`--verify-ca`).
        let mut roots: Vec<Certificate<'static>> =
            webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().map(|der| Certificate::from_der(der.as_ref())).collect();
        roots.extend(guards.extra_roots.iter().map(|der| Certificate::from_der(der).to_owned()));
        let tls = TlsConfig::builder()
            .root_certs(RootCerts::Specific(Arc::new(roots)))
            .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .build();
        let config = Config::builder()
            .tls_config(tls)
            .https_only(true)
            .max_redirects(0)
            .http_status_as_error(false)
            .proxy(None)
            .user_agent(concat!("jwtscan/", env!("CARGO_PKG_VERSION")))
            .timeout_global(Some(guards.per_request))
            .max_response_header_size(16 * 1024)
            .build();
        let resolver = VettingResolver { allow_private: guards.allow_private };
        Client {
            agent: ureq::Agent::with_parts(config, DefaultConnector::default(), resolver),
            per_request: guards.per_request,
            max_body: guards.max_body,
        }
    }

    /// GETs `url` and parses the body as JSON, within `timeout`; `Err` holds the reason.
    pub fn get_json(&self, url: &str, timeout: Duration) -> Result<Value, String> {
        let request = self.agent.get(url).header("accept", "application/json");
        let result = if timeout < self.per_request {
            request.config().timeout_global(Some(timeout)).build().call()
        } else {
            request.call()
        };
        let mut response = result.map_err(|error| describe(&error))?;
        let status = response.status().as_u16();
        if (300..400).contains(&status) {
            return Err("redirect refused".into());
        }
        if status != 200 {
            return Err(format!("HTTP {status}"));
        }
        let body =
            response.body_mut().with_config().limit(self.max_body).read_to_vec().map_err(|error| describe(&error))?;
        serde_json::from_slice(&body).map_err(|_| "response is not JSON".into())
    }
}

/// The DER certificates of a PEM text (other PEM sections are skipped).
pub fn pem_certificates(pem: &[u8]) -> Vec<Vec<u8>> {
    ureq::tls::parse_pem(pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => Some(cert.der().to_vec()),
            _ => None,
        })
        .collect()
}

/// A short, stable reason for a failed request (no server-supplied text is echoed).
fn describe(error: &ureq::Error) -> String {
    match error {
        ureq::Error::Timeout(_) => "timeout".into(),
        ureq::Error::Other(inner) => match inner.downcast_ref::<Blocked>() {
            Some(blocked) => blocked.to_string(),
            None => "network error".into(),
        },
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        ureq::Error::BodyExceedsLimit(limit) => format!("response over {limit} bytes"),
        ureq::Error::LargeResponseHeader(..) => "response headers too large".into(),
        ureq::Error::Rustls(tls) => format!("TLS: {tls}"),
        ureq::Error::Tls(what) => format!("TLS: {what}"),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => "timeout".into(),
        // The handshake reports certificate failures as I/O errors wrapping rustls's own.
        ureq::Error::Io(io) => match io.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
            Some(tls) => format!("TLS: {tls}"),
            None => format!("network error: {}", io.kind()),
        },
        ureq::Error::Protocol(_) => "malformed HTTP response".into(),
        _ => "network error".into(),
    }
}
