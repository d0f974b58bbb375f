//! A file server on loopback for the transfer tests and the transfer
//! bench: HTTP or HTTPS, no auth / Basic / Digest, and routes that serve a
//! good file, a truncated one, a stalled one, a status, a redirect, or
//! store an upload. Bodies are streamed through a channel so a route can
//! stop early or go silent like a misbehaving server.
#![allow(dead_code)]

use bytes::Bytes;
use cwmpd::transport::acs_client::basic_credentials;
use cwmpd::transport::digest::{DigestServer, VerifyError};
use http_body_util::BodyExt;
use hyper::body::{Body, Frame};
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_LENGTH, LOCATION, WWW_AUTHENTICATE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// What the server demands before serving a route.
#[derive(Clone)]
pub enum Auth {
    None,
    Basic { user: String, pass: String },
    Digest { user: String, pass: String },
}

/// What one path serves.
#[derive(Clone)]
pub enum Serve {
    /// 200 with Content-Length, sent in 16 KiB chunks.
    File(Bytes),
    /// 200 without Content-Length (chunked encoding).
    Chunked(Bytes),
    /// 200 announcing `claimed` bytes, sending `sent`, then closing.
    Truncated { sent: Bytes, claimed: u64 },
    /// 200 announcing `claimed` bytes, sending `sent`, then silence with
    /// the connection kept open.
    Stall { sent: Bytes, claimed: u64 },
    /// 200 with `chunk` repeated `count` times (large files for the bench
    /// without holding them in memory).
    Repeat { chunk: Bytes, count: u64 },
    /// This status, empty body.
    Status(u16),
    /// 302 to this Location.
    Redirect(String),
    /// PUT/POST: keep the body, answer 201.
    Store,
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub authorized: bool,
    pub body: Bytes,
}

struct State {
    routes: Vec<(String, Serve)>,
    auth: Auth,
    digest: Option<Mutex<DigestServer>>,
    seen: Mutex<Vec<Recorded>>,
}

pub struct FileServer {
    pub addr: SocketAddr,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FileServer {
    pub async fn start(
        routes: Vec<(&str, Serve)>,
        auth: Auth,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> FileServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let digest = match &auth {
            Auth::Digest { user, pass } => Some(Mutex::new(DigestServer::new(
                b"file server key",
                "files",
                user,
                pass,
            ))),
            _ => None,
        };
        let state = Arc::new(State {
            routes: routes
                .into_iter()
                .map(|(p, s)| (p.to_string(), s))
                .collect(),
            auth,
            digest,
            seen: Mutex::new(Vec::new()),
        });
        let st = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let (st, tls) = (st.clone(), tls.clone());
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        let st = st.clone();
                        async move { Ok::<_, Infallible>(serve(req, &st).await) }
                    });
                    let http = hyper::server::conn::http1::Builder::new();
                    match tls {
                        Some(cfg) => {
                            let Ok(s) = tokio_rustls::TlsAcceptor::from(cfg).accept(tcp).await
                            else {
                                return;
                            };
                            let _ = http.serve_connection(TokioIo::new(s), svc).await;
                        }
                        None => {
                            let _ = http.serve_connection(TokioIo::new(tcp), svc).await;
                        }
                    }
                });
            }
        });
        FileServer { addr, state, task }
    }

    /// `scheme://host:port/path`; use host "localhost" for HTTPS (the
    /// test certificates name it).
    pub fn url(&self, scheme: &str, host: &str, path: &str) -> String {
        format!("{scheme}://{host}:{}{path}", self.addr.port())
    }

    pub fn seen(&self) -> Vec<Recorded> {
        self.state.seen.lock().unwrap().clone()
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A response body fed by a task through a channel: it ends when the task
/// drops the sender.
pub struct ChannelBody(mpsc::Receiver<Bytes>);

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|b| Ok(Frame::data(b))))
    }
}

fn respond(
    status: u16,
    feed: impl FnOnce(mpsc::Sender<Bytes>) + Send + 'static,
) -> Response<ChannelBody> {
    let (tx, rx) = mpsc::channel(8);
    feed(tx);
    let mut r = Response::new(ChannelBody(rx));
    *r.status_mut() = StatusCode::from_u16(status).unwrap();
    r
}

fn empty(status: u16) -> Response<ChannelBody> {
    respond(status, drop)
}

fn with_length(mut r: Response<ChannelBody>, len: u64) -> Response<ChannelBody> {
    r.headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from(len));
    r
}

/// Sends `data` in 16 KiB chunks, then waits `then` before ending.
fn stream(data: Bytes, then: Option<Duration>) -> impl FnOnce(mpsc::Sender<Bytes>) + Send {
    move |tx| {
        tokio::spawn(async move {
            let mut at = 0;
            while at < data.len() {
                let end = (at + 16 * 1024).min(data.len());
                if tx.send(data.slice(at..end)).await.is_err() {
                    return;
                }
                at = end;
            }
            if let Some(d) = then {
                tokio::time::sleep(d).await;
            }
            drop(tx);
        });
    }
}

async fn serve(req: Request<hyper::body::Incoming>, st: &State) -> Response<ChannelBody> {
    let (parts, body) = req.into_parts();
    // Read the request body first, as real servers do before answering
    // an upload (also before a 401).
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
    let authorization = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut challenges = Vec::new();
    let authorized = match &st.auth {
        Auth::None => true,
        Auth::Basic { user, pass } => {
            let ok = authorization.as_deref() == Some(basic_credentials(user, pass).as_str());
            if !ok {
                challenges.push("Basic realm=\"files\"".to_string());
            }
            ok
        }
        Auth::Digest { .. } => {
            let mut d = st.digest.as_ref().unwrap().lock().unwrap();
            match d.verify(
                authorization.as_deref(),
                parts.method.as_str(),
                &path,
                now_secs(),
            ) {
                Ok(()) => true,
                Err(e) => {
                    challenges = d.challenges(now_secs(), e == VerifyError::Stale);
                    false
                }
            }
        }
    };
    st.seen.lock().unwrap().push(Recorded {
        method: parts.method.to_string(),
        path: path.clone(),
        authorization,
        authorized,
        body,
    });
    if !authorized {
        let mut r = empty(401);
        for c in challenges {
            r.headers_mut()
                .append(WWW_AUTHENTICATE, HeaderValue::from_str(&c).unwrap());
        }
        return r;
    }
    let Some(route) = st
        .routes
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, s)| s.clone())
    else {
        return empty(404);
    };
    match route {
        Serve::File(data) => {
            with_length(respond(200, stream(data.clone(), None)), data.len() as u64)
        }
        Serve::Chunked(data) => respond(200, stream(data, None)),
        Serve::Truncated { sent, claimed } => {
            with_length(respond(200, stream(sent, None)), claimed)
        }
        Serve::Stall { sent, claimed } => with_length(
            respond(200, stream(sent, Some(Duration::from_secs(3600)))),
            claimed,
        ),
        Serve::Repeat { chunk, count } => {
            let len = chunk.len() as u64 * count;
            let r = respond(200, move |tx| {
                tokio::spawn(async move {
                    for _ in 0..count {
                        if tx.send(chunk.clone()).await.is_err() {
                            return;
                        }
                    }
                });
            });
            with_length(r, len)
        }
        Serve::Status(s) => empty(s),
        Serve::Redirect(to) => {
            let mut r = empty(302);
            r.headers_mut()
                .insert(LOCATION, HeaderValue::from_str(&to).unwrap());
            r
        }
        Serve::Store => empty(201),
    }
}

/// A rustls server configuration for one certificate chain.
pub fn tls_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Arc<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    Arc::new(config)
}
