//! The HTTP(S) exchange with a file server, shared by Download and Upload:
//! URL checks, connect (TCP, then TLS with the ACS's policy), 401 answered
//! with Basic or Digest, redirects. What to do with the final response is
//! the caller's business ([`super::download`], [`super::upload`]).
//!
//! Rules (TR-069 §A.3.2.8 Download, §A.4.1.5 Upload, §3.4.5 redirects):
//! - only `http` and `https`; anything else is [`TransferError::UnsupportedScheme`];
//! - credentials come only from the Username/Password arguments; a URL
//!   with `user:pass@` is refused ([`TransferError::CredentialsInUrl`]) so
//!   a password never travels in a URL, a log line or the persisted queue;
//! - credentials are sent only in answer to a 401 challenge; Digest is
//!   preferred over Basic (RFC 7616 / RFC 7617);
//! - up to [`MAX_REDIRECTS`] redirects; never from https to http; a new
//!   server gets no credentials until it challenges;
//! - no byte moving for `idle_timeout` fails the transfer ([`super::idle`]).

use super::error::{redact_url, Stage, TransferError};
use super::idle::{Metered, Progress};
use crate::transport::acs_client::{basic_credentials, header_has_token, www_authenticate, Target};
use crate::transport::client_conn::{handshake, ClientBody, ClientSender, Socket};
use crate::transport::digest::{self, Challenge, DigestClient};
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, LOCATION};
use hyper::{Method, Request, Response, StatusCode};
use rustls::pki_types::ServerName;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

pub use super::download::{download, DownloadLimits};
pub use super::space::{FreeSpace, StatVfs};
pub use super::upload::{upload, UploadMethod};

/// Redirects followed for one transfer (TR-069 §3.4.5 lets the CPE bound
/// them; the same bound as the ACS client).
pub const MAX_REDIRECTS: u32 = 5;
/// A sensible `idle_timeout` when the configuration gives none.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Largest body read from a 401 or redirect answer before giving up on
/// reusing its connection.
const MAX_SIDE_BODY: usize = 64 * 1024;

/// Where a transfer goes and how to get in.
#[derive(Clone)]
pub struct TransferTarget {
    /// `http://` or `https://` URL from the RPC, without userinfo.
    pub url: String,
    /// Username/Password arguments of the RPC; empty username = none.
    pub username: String,
    pub password: String,
    /// TLS policy for `https` URLs, the ACS's one
    /// (`crate::transport::tls::client_config`). `None` fails `https`.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// Fail when no byte moves on the socket for this long.
    pub idle_timeout: Duration,
}

impl std::fmt::Debug for TransferTarget {
    /// Without the password, and with the URL redacted.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransferTarget")
            .field("url", &redact_url(&self.url))
            .field("username", &self.username)
            .field("tls", &self.tls.is_some())
            .field("idle_timeout", &self.idle_timeout)
            .finish_non_exhaustive()
    }
}

/// Checks a transfer URL and splits it. Cheap and local: callers run it
/// before anything else so a bad URL changes nothing.
pub fn check_url(url: &str) -> Result<(), TransferError> {
    parse_url(url).map(|_| ())
}

pub(crate) fn parse_url(url: &str) -> Result<Target, TransferError> {
    let invalid = |reason| TransferError::InvalidUrl {
        url: redact_url(url),
        reason,
    };
    let (scheme, rest) = url.split_once("://").ok_or_else(|| invalid("no scheme"))?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(TransferError::UnsupportedScheme {
            scheme: scheme.chars().take(32).collect::<String>().to_lowercase(),
        });
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if rest[..authority_end].contains('@') {
        return Err(TransferError::CredentialsInUrl);
    }
    Target::parse(url).map_err(|_| invalid("expected http(s)://host[:port]/path"))
}

/// What to send. The body is made by a closure because a 401 or a 307
/// makes us send it again.
pub(crate) struct Spec {
    pub(crate) method: Method,
    pub(crate) content_type: Option<&'static str>,
}

/// The final answer (not a 401, not a followed redirect). The sender keeps
/// the connection's task alive while the caller reads the body.
pub(crate) struct Answer {
    pub(crate) response: Response<Incoming>,
    _sender: ClientSender,
}

/// Credentials being sent after a 401.
enum AuthState {
    None,
    Basic(String),
    Digest(DigestClient),
}

/// Sends `spec` to `target.url`, answering challenges and following
/// redirects, and returns the final response head. `make_body` is a `dyn`
/// (and the body a [`ClientBody`]) so that Download and Upload share one
/// copy of this function.
pub(crate) async fn request(
    target: &TransferTarget,
    progress: &Arc<Progress>,
    spec: &Spec,
    make_body: &mut (dyn FnMut() -> Result<(ClientBody, Option<u64>), TransferError> + Send),
) -> Result<Answer, TransferError> {
    let mut current = parse_url(&target.url)?;
    let mut conn: Option<ClientSender> = None;
    let mut auth = AuthState::None;
    let mut auth_rounds = 0u32;
    let mut redirects = 0u32;
    let rng = ring::rand::SystemRandom::new();
    loop {
        if current.tls && target.tls.is_none() {
            return Err(TransferError::NoTlsConfig);
        }
        let mut sender = match conn.take() {
            Some(mut s) if !s.is_closed() => {
                // A kept-alive connection the server closed meanwhile:
                // open a fresh one.
                match s.ready().await {
                    Ok(()) => s,
                    Err(_) => connect(&current, target, progress).await?,
                }
            }
            _ => connect(&current, target, progress).await?,
        };
        let (body, length) = make_body()?;
        let authorization = authorization(&mut auth, target, &spec.method, &current.path, &rng);
        let req = build_request(spec, &current, length, authorization, body)?;
        let response = progress
            .guard(Stage::Transfer, async {
                sender.ready().await.map_err(TransferError::Http)?;
                sender.send_request(req).await.map_err(TransferError::Http)
            })
            .await?;
        let status = response.status();
        let closed = response
            .headers()
            .get_all(CONNECTION)
            .iter()
            .any(|v| header_has_token(v, "close"));
        if status == StatusCode::UNAUTHORIZED {
            let challenges = www_authenticate(response.headers());
            if drain(response, progress).await && !closed {
                conn = Some(sender);
            }
            auth_rounds += 1;
            answer_challenge(&mut auth, target, &current, &challenges, auth_rounds)?;
            continue;
        }
        if is_followed_redirect(&spec.method, status) {
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let drained = drain(response, progress).await;
            redirects += 1;
            if redirects > MAX_REDIRECTS {
                return Err(TransferError::Redirect(format!(
                    "more than {MAX_REDIRECTS} redirects"
                )));
            }
            let location =
                location.ok_or_else(|| TransferError::Redirect("no Location header".into()))?;
            let next = resolve(&current, &location)?;
            if current.tls && !next.tls {
                return Err(TransferError::Redirect("from https to http".into()));
            }
            if next.same_origin(&current) {
                if drained && !closed {
                    conn = Some(sender);
                }
            } else {
                // A new server challenges afresh before it gets credentials.
                auth = AuthState::None;
            }
            log::debug!("transfer redirected to {}", redact_url(&next.url()));
            current = next;
            auth_rounds = 0;
            continue;
        }
        return Ok(Answer {
            response,
            _sender: sender,
        });
    }
}

/// GET follows every redirect status; PUT/POST only 307/308, which keep
/// method and body (RFC 9110 §15.4.8-9); a 301/302/303 to an upload is a
/// failure rather than a silent change to GET.
fn is_followed_redirect(method: &Method, status: StatusCode) -> bool {
    match status {
        StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT => true,
        StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND | StatusCode::SEE_OTHER => {
            method == Method::GET
        }
        _ => false,
    }
}

fn resolve(current: &Target, location: &str) -> Result<Target, TransferError> {
    if location.starts_with('/') && !location.starts_with("//") {
        current
            .resolve(location)
            .map_err(|_| TransferError::InvalidUrl {
                url: redact_url(location),
                reason: "bad redirect Location",
            })
    } else {
        parse_url(location)
    }
}

fn answer_challenge(
    auth: &mut AuthState,
    target: &TransferTarget,
    current: &Target,
    challenges: &[Challenge],
    round: u32,
) -> Result<(), TransferError> {
    if target.username.is_empty() {
        return Err(TransferError::AuthFailed {
            reason: "the server wants credentials and none were given",
        });
    }
    let stale = challenges
        .iter()
        .any(|c| matches!(c, Challenge::Digest(d) if d.stale));
    // A 401 right after our credentials means they are wrong, unless only
    // the Digest nonce went stale (RFC 7616 §3.3); a stale nonce gets one
    // more try, never an endless loop.
    let sent_credentials = !matches!(auth, AuthState::None);
    if sent_credentials && (!stale || round > 2) {
        return Err(TransferError::AuthFailed {
            reason: "credentials refused",
        });
    }
    match digest::best_challenge(challenges) {
        Some(Challenge::Digest(d)) => *auth = AuthState::Digest(DigestClient::new(d.clone())),
        Some(Challenge::Basic { .. }) => {
            if !current.tls {
                // RFC 7617 §4: Basic sends the password in clear.
                log::warn!("file server asks for Basic authentication over plain HTTP");
            }
            *auth = AuthState::Basic(basic_credentials(&target.username, &target.password));
        }
        None => {
            return Err(TransferError::AuthFailed {
                reason: "no Basic or Digest challenge we can answer",
            })
        }
    }
    Ok(())
}

fn authorization(
    auth: &mut AuthState,
    target: &TransferTarget,
    method: &Method,
    path: &str,
    rng: &ring::rand::SystemRandom,
) -> Option<String> {
    match auth {
        AuthState::None => None,
        AuthState::Basic(h) => Some(h.clone()),
        AuthState::Digest(d) => {
            let mut cnonce = [0u8; 16];
            // Fails only without an OS entropy source; a zero cnonce is
            // then still a valid, weaker, answer.
            let _ = ring::rand::SecureRandom::fill(rng, &mut cnonce);
            Some(d.authorization(
                &target.username,
                &target.password,
                method.as_str(),
                path,
                &cnonce,
            ))
        }
    }
}

fn build_request(
    spec: &Spec,
    current: &Target,
    length: Option<u64>,
    authorization: Option<String>,
    body: ClientBody,
) -> Result<Request<ClientBody>, TransferError> {
    let mut b = Request::builder()
        .method(spec.method.clone())
        .uri(current.path.as_str())
        .header(HOST, current.authority.as_str())
        .header("User-Agent", concat!("cwmpd/", env!("CARGO_PKG_VERSION")));
    if let Some(len) = length {
        b = b.header(CONTENT_LENGTH, len);
    }
    if let Some(ct) = spec.content_type {
        b = b.header(CONTENT_TYPE, ct);
    }
    if let Some(a) = authorization {
        b = b.header(AUTHORIZATION, a);
    }
    b.body(body).map_err(|_| TransferError::InvalidUrl {
        url: redact_url(&current.url()),
        reason: "cannot build a request for it",
    })
}

/// Reads and drops a small side body (401, redirect). True when it was
/// read completely, so the connection can carry the next request.
async fn drain(response: Response<Incoming>, progress: &Progress) -> bool {
    let body = Limited::new(response.into_body(), MAX_SIDE_BODY);
    progress
        .guard(Stage::Transfer, async { Ok(body.collect().await.is_ok()) })
        .await
        .unwrap_or(false)
}

async fn connect(
    current: &Target,
    target: &TransferTarget,
    progress: &Arc<Progress>,
) -> Result<ClientSender, TransferError> {
    progress
        .guard(Stage::Connect, async {
            let tcp = TcpStream::connect((current.host.as_str(), current.port))
                .await
                .map_err(TransferError::Connect)?;
            let _ = tcp.set_nodelay(true);
            let io: Box<dyn Socket> = Box::new(Metered::new(tcp, progress.clone()));
            if current.tls {
                let config = target.tls.clone().ok_or(TransferError::NoTlsConfig)?;
                let name = ServerName::try_from(current.host.clone()).map_err(|_| {
                    TransferError::InvalidUrl {
                        url: redact_url(&current.url()),
                        reason: "host is not a valid TLS server name",
                    }
                })?;
                let tls = tokio_rustls::TlsConnector::from(config)
                    .connect(name, io)
                    .await
                    .map_err(tls_error)?;
                handshake(Box::new(tls), "file server").await
            } else {
                handshake(io, "file server").await
            }
            .map_err(TransferError::Http)
        })
        .await
}

/// tokio-rustls reports rustls errors inside an io::Error; a certificate
/// the configured CAs do not accept is told apart (fault 9012).
fn tls_error(e: std::io::Error) -> TransferError {
    let rustls_error = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
    TransferError::Tls {
        certificate_refused: matches!(rustls_error, Some(rustls::Error::InvalidCertificate(_))),
        detail: e.to_string(),
    }
}

/// The body of a final response as a stream of data chunks.
pub(crate) async fn next_chunk(body: &mut Incoming) -> Option<Result<Bytes, hyper::Error>> {
    loop {
        match body.frame().await? {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    return Some(Ok(data));
                }
                // Trailers carry nothing a transfer needs.
            }
            Err(e) => return Some(Err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_rules() {
        assert!(parse_url("http://files.example.net/fw.bin").is_ok());
        assert!(parse_url("HTTPS://[::1]:8443/a?b=c").is_ok());
        for (url, scheme) in [
            ("ftp://h/f", "ftp"),
            ("tftp://h/f", "tftp"),
            ("file:///etc/passwd", "file"),
        ] {
            match parse_url(url) {
                Err(TransferError::UnsupportedScheme { scheme: s }) => assert_eq!(s, scheme),
                other => panic!("{url}: {other:?}"),
            }
        }
        assert!(matches!(
            parse_url("http://user:secret@h/f"),
            Err(TransferError::CredentialsInUrl)
        ));
        // An @ in the path is not userinfo.
        assert!(parse_url("http://h/a@b").is_ok());
        for bad in ["", "fw.bin", "http://", "http:///x"] {
            assert!(
                matches!(parse_url(bad), Err(TransferError::InvalidUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn uploads_do_not_turn_into_gets() {
        assert!(is_followed_redirect(&Method::GET, StatusCode::FOUND));
        assert!(is_followed_redirect(&Method::GET, StatusCode::SEE_OTHER));
        assert!(!is_followed_redirect(&Method::PUT, StatusCode::FOUND));
        assert!(!is_followed_redirect(&Method::POST, StatusCode::SEE_OTHER));
        assert!(is_followed_redirect(
            &Method::PUT,
            StatusCode::TEMPORARY_REDIRECT
        ));
        assert!(!is_followed_redirect(
            &Method::GET,
            StatusCode::NOT_MODIFIED
        ));
    }

    #[test]
    fn debug_hides_the_password() {
        let t = TransferTarget {
            url: "http://h/f".into(),
            username: "u".into(),
            password: "hunter2".into(),
            tls: None,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
        };
        assert!(!format!("{t:?}").contains("hunter2"));
    }
}
