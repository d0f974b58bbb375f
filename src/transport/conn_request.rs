//! Connection Request server (TR-069 §3.2.2).
//!
//! The ACS asks the CPE to open a session by an HTTP GET to the
//! ConnectionRequestURL. The CPE MUST authenticate it with HTTP Digest
//! (§3.2.2: "the CPE MUST use digest authentication"), answer at once, and
//! MAY rate-limit. A valid request is reported on a channel; the agent folds
//! it into "one more session". Nothing here waits on the agent.

use super::digest::{DigestServer, VerifyError};
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{ALLOW, AUTHORIZATION, CONTENT_LENGTH, WWW_AUTHENTICATE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{mpsc, Semaphore};

/// Default Connection Request port (TR-069 §3.2.2 suggests 7547).
pub const DEFAULT_PORT: u16 = 7547;
/// Requests allowed per [`RATE_WINDOW`] before answering 503.
pub const RATE_MAX: usize = 50;
pub const RATE_WINDOW: Duration = Duration::from_secs(5);
/// Concurrent connections served; more are closed at once.
const MAX_CONNECTIONS: usize = 32;
/// Time a client gets to send its request head.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest life of one connection, so idle clients cannot hold all
/// [`MAX_CONNECTIONS`] slots and lock the ACS out.
const CONNECTION_LIFETIME: Duration = Duration::from_secs(30);

/// Settings of the `cpe` UCI section that shape this server.
#[derive(Debug, Clone)]
pub struct ConnRequestConfig {
    /// `None`: every address, IPv4 and IPv6 (one dual-stack socket, or IPv4
    /// only if the host has no IPv6). `Some(ip)`: that address only (the
    /// CPE's `interface` address).
    pub listen: Option<IpAddr>,
    /// TCP port; 0 picks a free one (tests).
    pub port: u16,
    /// Only request path answered, e.g. `/cwmp-cr`. Compared without query.
    pub path: String,
    /// Connection Request credentials. An empty username refuses every
    /// request (403): the server is never open.
    pub username: String,
    pub password: String,
    /// Digest realm announced.
    pub realm: String,
}

/// A Connection Request accepted: the agent should start a session with
/// the `6 CONNECTION REQUEST` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRequest {
    pub peer: SocketAddr,
}

/// Sliding-window rate limit over all requests, with time passed in.
#[derive(Debug)]
pub struct RateLimiter {
    max: usize,
    window: Duration,
    hits: VecDeque<Duration>,
}

impl RateLimiter {
    pub fn new(max: usize, window: Duration) -> RateLimiter {
        RateLimiter {
            max,
            window,
            hits: VecDeque::new(),
        }
    }

    /// Records a request at `now` (time since any fixed origin) and says
    /// whether it is within the limit. Refused requests are not counted, so
    /// a flood ends `window` after it stops.
    pub fn allow(&mut self, now: Duration) -> bool {
        while let Some(&t) = self.hits.front() {
            if now.saturating_sub(t) >= self.window {
                self.hits.pop_front();
            } else {
                break;
            }
        }
        if self.hits.len() >= self.max {
            return false;
        }
        self.hits.push_back(now);
        true
    }
}

/// What the server decided for one request; pure so it can be tested.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Accept,
    RateLimited,
    NotFound,
    MethodNotAllowed,
    Forbidden,
    BadRequest,
    Challenge { stale: bool },
}

struct State {
    limiter: RateLimiter,
    digest: Option<DigestServer>,
    path: String,
    origin: Instant,
}

impl State {
    fn decide(
        &mut self,
        method: &Method,
        target: &str,
        authorization: Option<&str>,
        now: Duration,
        unix_secs: u64,
    ) -> Verdict {
        if !self.limiter.allow(now) {
            return Verdict::RateLimited;
        }
        let path = target.split('?').next().unwrap_or(target);
        if path != self.path {
            return Verdict::NotFound;
        }
        if method != Method::GET {
            return Verdict::MethodNotAllowed;
        }
        let Some(digest) = self.digest.as_mut() else {
            return Verdict::Forbidden;
        };
        match digest.verify(authorization, method.as_str(), target, unix_secs) {
            Ok(()) => Verdict::Accept,
            Err(VerifyError::Malformed) => Verdict::BadRequest,
            Err(VerifyError::Stale) => Verdict::Challenge { stale: true },
            Err(_) => Verdict::Challenge { stale: false },
        }
    }
}

/// A bound Connection Request server, not yet serving.
pub struct ConnRequestServer {
    listener: TcpListener,
    state: Arc<Mutex<State>>,
}

fn unix_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Binds `[::]` with IPV6_V6ONLY off so IPv4 clients arrive as
/// IPv4-mapped addresses on the same socket.
fn bind_dual_stack(port: u16) -> std::io::Result<TcpListener> {
    use std::os::fd::AsRawFd;
    let socket = TcpSocket::new_v6()?;
    let off: libc::c_int = 0;
    // SAFETY: valid fd owned by `socket`, option value points to a live c_int
    // of the size passed.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_IPV6,
            libc::IPV6_V6ONLY,
            (&off as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port))?;
    socket.listen(64)
}

fn bind_one(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(64)
}

impl ConnRequestServer {
    /// Binds the listening socket. `key` is a random secret for the Digest
    /// nonces (from the agent's random source).
    pub fn bind(config: &ConnRequestConfig, key: &[u8]) -> std::io::Result<ConnRequestServer> {
        let listener = match config.listen {
            Some(ip) => bind_one(SocketAddr::new(ip, config.port))?,
            None => match bind_dual_stack(config.port) {
                Ok(l) => l,
                // No IPv6 on this host: IPv4 only.
                Err(_) => bind_one(SocketAddr::from(([0, 0, 0, 0], config.port)))?,
            },
        };
        let digest = (!config.username.is_empty())
            .then(|| DigestServer::new(key, &config.realm, &config.username, &config.password));
        Ok(ConnRequestServer {
            listener,
            state: Arc::new(Mutex::new(State {
                limiter: RateLimiter::new(RATE_MAX, RATE_WINDOW),
                digest,
                path: config.path.clone(),
                origin: Instant::now(),
            })),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until the task is dropped/aborted. Each accepted request is
    /// sent with `try_send`: if the channel is full a session is already
    /// pending, which is all a Connection Request asks for.
    pub async fn serve(self, notify: mpsc::Sender<ConnectionRequest>) {
        let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
        loop {
            let (stream, peer) = match self.listener.accept().await {
                Ok(x) => x,
                Err(e) => {
                    // EMFILE and the like: back off instead of spinning.
                    log::warn!("connection request accept: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let Ok(permit) = slots.clone().try_acquire_owned() else {
                continue; // Too many connections: drop this one.
            };
            let state = self.state.clone();
            let notify = notify.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                        let resp = handle(&state, &notify, peer, &req);
                        async move { Ok::<_, std::convert::Infallible>(resp) }
                    });
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .max_buf_size(16 * 1024)
                    .serve_connection(TokioIo::new(stream), service);
                match tokio::time::timeout(CONNECTION_LIFETIME, conn).await {
                    Ok(Err(e)) => log::debug!("connection request from {peer}: {e}"),
                    Ok(Ok(())) => {}
                    Err(_) => log::debug!("connection request from {peer}: connection too long"),
                }
                drop(permit);
            });
        }
    }
}

fn handle(
    state: &Mutex<State>,
    notify: &mpsc::Sender<ConnectionRequest>,
    peer: SocketAddr,
    req: &Request<hyper::body::Incoming>,
) -> Response<Full<Bytes>> {
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .to_string();
    // Several Authorization headers make the request ambiguous.
    let mut auths = req.headers().get_all(AUTHORIZATION).iter();
    let first = auths.next();
    let ambiguous = auths.next().is_some();
    let auth = first.and_then(|v| v.to_str().ok());
    let Ok(mut st) = state.lock() else {
        return status_only(StatusCode::INTERNAL_SERVER_ERROR);
    };
    let now = st.origin.elapsed();
    let unix = unix_secs();
    let verdict = if ambiguous {
        if st.limiter.allow(now) {
            Verdict::BadRequest
        } else {
            Verdict::RateLimited
        }
    } else {
        st.decide(req.method(), &target, auth, now, unix)
    };
    match verdict {
        Verdict::Accept => {
            drop(st);
            log::info!("connection request from {peer}");
            let _ = notify.try_send(ConnectionRequest { peer });
            status_only(StatusCode::OK)
        }
        Verdict::RateLimited => status_only(StatusCode::SERVICE_UNAVAILABLE),
        Verdict::NotFound => status_only(StatusCode::NOT_FOUND),
        Verdict::MethodNotAllowed => {
            let mut r = status_only(StatusCode::METHOD_NOT_ALLOWED);
            r.headers_mut()
                .insert(ALLOW, hyper::header::HeaderValue::from_static("GET"));
            r
        }
        Verdict::Forbidden => status_only(StatusCode::FORBIDDEN),
        Verdict::BadRequest => status_only(StatusCode::BAD_REQUEST),
        Verdict::Challenge { stale } => {
            let mut r = status_only(StatusCode::UNAUTHORIZED);
            if let Some(d) = st.digest.as_mut() {
                for c in d.challenges(unix, stale) {
                    if let Ok(v) = hyper::header::HeaderValue::from_str(&c) {
                        r.headers_mut().append(WWW_AUTHENTICATE, v);
                    }
                }
            }
            r
        }
    }
}

fn status_only(status: StatusCode) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_LENGTH, hyper::header::HeaderValue::from_static("0"));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limiter_window() {
        let mut l = RateLimiter::new(3, Duration::from_secs(5));
        let s = Duration::from_secs;
        assert!(l.allow(s(0)) && l.allow(s(1)) && l.allow(s(2)));
        assert!(!l.allow(s(3)));
        assert!(!l.allow(s(4)));
        assert!(l.allow(s(5))); // the hit at 0 left the window
        assert!(!l.allow(s(5)));
        assert!(l.allow(s(100)));
    }

    fn state(user: &str) -> State {
        State {
            limiter: RateLimiter::new(RATE_MAX, RATE_WINDOW),
            digest: (!user.is_empty()).then(|| DigestServer::new(b"k", "r", user, "pw")),
            path: "/cr".into(),
            origin: Instant::now(),
        }
    }

    #[test]
    fn verdicts() {
        let mut s = state("u");
        let t = Duration::ZERO;
        assert_eq!(
            s.decide(&Method::GET, "/other", None, t, 0),
            Verdict::NotFound
        );
        assert_eq!(
            s.decide(&Method::POST, "/cr", None, t, 0),
            Verdict::MethodNotAllowed
        );
        assert_eq!(
            s.decide(&Method::GET, "/cr", None, t, 0),
            Verdict::Challenge { stale: false }
        );
        assert_eq!(
            s.decide(&Method::GET, "/cr", Some("Digest username=\"u\""), t, 0),
            Verdict::BadRequest
        );
        let mut open = state("");
        assert_eq!(
            open.decide(&Method::GET, "/cr", None, t, 0),
            Verdict::Forbidden
        );
        let mut flood = state("u");
        for _ in 0..RATE_MAX {
            flood.decide(&Method::GET, "/cr", None, t, 0);
        }
        assert_eq!(
            flood.decide(&Method::GET, "/cr", None, t, 0),
            Verdict::RateLimited
        );
    }
}
