//! The HTTP(S) side of the scripted test ACS: a hyper server on loopback
//! that hands each POST to the `AcsScript`, sets a session cookie the way
//! GenieACS does, and can demand Basic or Digest credentials or speak TLS.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use cwmpd::transport::digest::DigestServer;

use super::script::AcsScript;

/// How the ACS authenticates the CPE.
#[derive(Clone)]
pub enum Auth {
    None,
    Basic { username: String, password: String },
    Digest { username: String, password: String },
}

/// What the server saw, for assertions.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub connections: usize,
    pub posts: usize,
    pub unauthorized: usize,
    /// `Cookie` header of every POST (None when absent).
    pub cookies: Vec<Option<String>>,
}

pub struct TestAcs {
    pub addr: SocketAddr,
    /// While set, POSTs are accepted and never answered (a hung ACS).
    pub stall: Arc<std::sync::atomic::AtomicBool>,
    pub script: Arc<Mutex<AcsScript>>,
    pub stats: Arc<Mutex<Stats>>,
    tls: bool,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestAcs {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Shared {
    stall: Arc<std::sync::atomic::AtomicBool>,
    script: Arc<Mutex<AcsScript>>,
    stats: Arc<Mutex<Stats>>,
    auth: Auth,
    digest: Option<Mutex<DigestServer>>,
}

impl TestAcs {
    /// Starts on 127.0.0.1 with a free port.
    pub async fn start(
        script: AcsScript,
        auth: Auth,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> TestAcs {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind test ACS");
        let addr = listener.local_addr().expect("local addr");
        let digest = match &auth {
            Auth::Digest { username, password } => Some(Mutex::new(DigestServer::new(
                b"test ACS digest key, not secret.",
                "test-acs",
                username,
                password,
            ))),
            _ => None,
        };
        let stall = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let shared = Arc::new(Shared {
            stall: stall.clone(),
            script: Arc::new(Mutex::new(script)),
            stats: Arc::new(Mutex::new(Stats::default())),
            auth,
            digest,
        });
        let (script, stats) = (shared.script.clone(), shared.stats.clone());
        let is_tls = tls.is_some();
        let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
        let task = tokio::spawn(async move {
            let mut connection = 0usize;
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                connection += 1;
                shared.stats.lock().unwrap().connections += 1;
                let shared = shared.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| {
                        let shared = shared.clone();
                        async move { Ok::<_, Infallible>(handle(&shared, connection, req).await) }
                    });
                    match acceptor {
                        Some(acceptor) => {
                            if let Ok(tls) = acceptor.accept(stream).await {
                                let _ = http1::Builder::new()
                                    .serve_connection(TokioIo::new(tls), svc)
                                    .await;
                            }
                        }
                        None => {
                            let _ = http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), svc)
                                .await;
                        }
                    }
                });
            }
        });
        TestAcs {
            addr,
            stall,
            script,
            stats,
            tls: is_tls,
            task,
        }
    }

    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}/acs", self.addr)
    }

    pub fn transcript(&self) -> Vec<String> {
        self.script.lock().unwrap().transcript.clone()
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn reply(status: StatusCode, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r
}

async fn handle(
    shared: &Shared,
    connection: usize,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let authorization = header("authorization");
    let cookie = header("cookie");
    let uri = req.uri().to_string();
    let method = req.method().as_str().to_string();
    if method != "POST" {
        return reply(StatusCode::METHOD_NOT_ALLOWED, Vec::new());
    }
    // Authentication, as an ACS does it (TR-069 §3.4.4).
    let challenge = match &shared.auth {
        Auth::None => None,
        Auth::Basic { username, password } => {
            let expected = format!(
                "Basic {}",
                cwmpd::cwmp::xsd::base64_encode(format!("{username}:{password}").as_bytes())
            );
            (authorization.as_deref() != Some(expected.as_str()))
                .then(|| vec!["Basic realm=\"test-acs\"".to_string()])
        }
        Auth::Digest { .. } => {
            let mut digest = shared
                .digest
                .as_ref()
                .expect("digest server")
                .lock()
                .unwrap();
            match digest.verify(authorization.as_deref(), &method, &uri, unix_now()) {
                Ok(()) => None,
                Err(e) => Some(digest.challenges(
                    unix_now(),
                    e == cwmpd::transport::digest::VerifyError::Stale,
                )),
            }
        }
    };
    if let Some(challenges) = challenge {
        shared.stats.lock().unwrap().unauthorized += 1;
        let mut r = reply(StatusCode::UNAUTHORIZED, Vec::new());
        for c in challenges {
            if let Ok(v) = c.parse() {
                r.headers_mut().append("www-authenticate", v);
            }
        }
        return r;
    }
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return reply(StatusCode::BAD_REQUEST, Vec::new()),
    };
    if shared.stall.load(std::sync::atomic::Ordering::SeqCst) {
        shared.stats.lock().unwrap().posts += 1;
        std::future::pending::<()>().await;
    }
    {
        let mut stats = shared.stats.lock().unwrap();
        stats.posts += 1;
        stats.cookies.push(cookie.clone());
    }
    let answer = shared.script.lock().unwrap().handle_post(&body);
    match answer {
        Ok(Some(xml)) => {
            let mut r = reply(StatusCode::OK, xml);
            r.headers_mut().insert(
                "content-type",
                "text/xml; charset=\"utf-8\"".parse().unwrap(),
            );
            if cookie.is_none() {
                let v = format!("session={connection}; Path=/");
                r.headers_mut().insert("set-cookie", v.parse().unwrap());
            }
            r
        }
        Ok(None) => reply(StatusCode::NO_CONTENT, Vec::new()),
        Err(e) => {
            shared
                .script
                .lock()
                .unwrap()
                .transcript
                .push(format!("ACS error: {e}"));
            reply(StatusCode::BAD_REQUEST, e.into_bytes())
        }
    }
}
