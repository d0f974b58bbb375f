//! HTTP(S) side of the test ACS: counts connections, records requests,
//! challenges with Basic or Digest, optional TLS (with client-cert check),
//! and answers through a closure the test gives.

use bytes::Bytes;
use cwmpd::transport::digest::{Algorithm, DigestServer};
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderValue, AUTHORIZATION, WWW_AUTHENTICATE};
use hyper::{HeaderMap, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

/// What the test server demands before calling the handler.
pub enum Auth {
    None,
    Basic {
        user: String,
        pass: String,
    },
    Digest {
        user: String,
        pass: String,
        algorithms: Vec<Algorithm>,
    },
    /// Digest whose nonces go stale after one second.
    DigestShortLived {
        user: String,
        pass: String,
    },
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub conn: usize,
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Passed authentication (or none was required).
    pub authorized: bool,
}

/// The handler's answer.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
    pub delay: Duration,
}

impl Reply {
    pub fn new(status: u16) -> Reply {
        Reply {
            status,
            headers: vec![],
            body: Bytes::new(),
            delay: Duration::ZERO,
        }
    }
    pub fn body(mut self, b: &str) -> Reply {
        self.body = Bytes::copy_from_slice(b.as_bytes());
        self
    }
    pub fn header(mut self, k: &'static str, v: &str) -> Reply {
        self.headers.push((k, v.to_string()));
        self
    }
    pub fn delay(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }
}

pub type Handler = Arc<dyn Fn(&Seen, usize) -> Reply + Send + Sync>;

pub struct Options {
    pub auth: Auth,
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Drop each TCP connection this long after it was accepted, without
    /// a word (like an ACS's idle timeout).
    pub drop_after: Option<Duration>,
    pub handler: Handler,
}

impl Options {
    pub fn new(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Options {
        Options {
            auth: Auth::None,
            tls: None,
            drop_after: None,
            handler: Arc::new(handler),
        }
    }
}

pub struct TestAcs {
    pub addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestAcs {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestAcs {
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
    pub fn url(&self, scheme: &str, host: &str, path: &str) -> String {
        format!("{scheme}://{host}:{}{path}", self.addr.port())
    }

    pub async fn start(opts: Options) -> TestAcs {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let digest = match &opts.auth {
            Auth::Digest {
                user,
                pass,
                algorithms,
            } => Some(Arc::new(Mutex::new(
                DigestServer::new(b"test acs key", "acs", user, pass).with_algorithms(algorithms),
            ))),
            Auth::DigestShortLived { user, pass } => Some(Arc::new(Mutex::new(
                DigestServer::new(b"test acs key", "acs", user, pass).with_limits(1, 64),
            ))),
            _ => None,
        };
        let opts = Arc::new(opts);
        let (c2, s2) = (connections.clone(), seen.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let conn_id = c2.fetch_add(1, Ordering::SeqCst) + 1;
                let (opts, seen, digest) = (opts.clone(), s2.clone(), digest.clone());
                tokio::spawn(async move {
                    let drop_after = opts.drop_after.unwrap_or(Duration::from_secs(3600));
                    let tls_cfg = opts.tls.clone();
                    let svc =
                        hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                            let (opts, seen, digest) = (opts.clone(), seen.clone(), digest.clone());
                            async move {
                                Ok::<_, std::convert::Infallible>(
                                    serve(req, conn_id, &opts, &seen, digest.as_deref()).await,
                                )
                            }
                        });
                    match tls_cfg {
                        Some(cfg) => {
                            let Ok(tls) = tokio_rustls::TlsAcceptor::from(cfg).accept(tcp).await
                            else {
                                return;
                            };
                            let conn = hyper::server::conn::http1::Builder::new()
                                .serve_connection(TokioIo::new(tls), svc);
                            let _ = tokio::time::timeout(drop_after, conn).await;
                        }
                        None => {
                            let conn = hyper::server::conn::http1::Builder::new()
                                .serve_connection(TokioIo::new(tcp), svc);
                            let _ = tokio::time::timeout(drop_after, conn).await;
                        }
                    }
                });
            }
        });
        TestAcs {
            addr,
            connections,
            seen,
            task,
        }
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn serve(
    req: Request<hyper::body::Incoming>,
    conn: usize,
    opts: &Options,
    seen: &Mutex<Vec<Seen>>,
    digest: Option<&Mutex<DigestServer>>,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let auth = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let mut challenge = Vec::new();
    let authorized = match &opts.auth {
        Auth::None => true,
        Auth::Basic { user, pass } => {
            let ok =
                auth == Some(cwmpd::transport::acs_client::basic_credentials(user, pass).as_str());
            if !ok {
                challenge.push("Basic realm=\"acs\"".to_string());
            }
            ok
        }
        Auth::Digest { .. } | Auth::DigestShortLived { .. } => {
            let mut d = digest.unwrap().lock().unwrap();
            match d.verify(auth, parts.method.as_str(), &path, now_secs()) {
                Ok(()) => true,
                Err(e) => {
                    challenge = d.challenges(
                        now_secs(),
                        e == cwmpd::transport::digest::VerifyError::Stale,
                    );
                    false
                }
            }
        }
    };
    let s = Seen {
        conn,
        method: parts.method.to_string(),
        path,
        headers: parts.headers,
        body,
        authorized,
    };
    let index = {
        let mut v = seen.lock().unwrap();
        v.push(s.clone());
        v.len() - 1
    };
    if !authorized {
        let mut r = Response::new(Full::new(Bytes::new()));
        *r.status_mut() = StatusCode::UNAUTHORIZED;
        for c in challenge {
            r.headers_mut()
                .append(WWW_AUTHENTICATE, HeaderValue::from_str(&c).unwrap());
        }
        return r;
    }
    let reply = (opts.handler)(&s, index);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut r = Response::new(Full::new(reply.body));
    *r.status_mut() = StatusCode::from_u16(reply.status).unwrap();
    for (k, v) in reply.headers {
        r.headers_mut()
            .append(k, HeaderValue::from_str(&v).unwrap());
    }
    r
}

/// A rustls server config for the test ACS.
pub fn tls_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    client_ca: Option<CertificateDer<'static>>,
) -> Arc<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let b = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let b = match client_ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(ca).unwrap();
            let v = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .unwrap();
            b.with_client_cert_verifier(v)
        }
        None => b.with_no_client_auth(),
    };
    Arc::new(b.with_single_cert(chain, key).unwrap())
}
