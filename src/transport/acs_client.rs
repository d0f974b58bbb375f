//! HTTP(S) client for one CWMP session with the ACS.
//!
//! One [`AcsSession`] per CWMP session: it opens ONE TCP/TLS connection and
//! sends every POST of the session on it (TR-069 §3.4.1: the CPE SHOULD keep
//! the connection for the whole session; ACSes such as GenieACS tie the
//! session to it). If the server closes it, the next POST reconnects with
//! the session's cookies and credentials. Cookies (§3.4.2), 401 answered
//! with Digest or Basic (§3.4.4) and redirects (§3.4.5) are kept for the
//! session only: drop the `AcsSession` when the session ends.

use super::client_conn::{client_body, handshake, ClientBody, ClientSender, Socket};
use super::digest::{self, Challenge, DigestClient};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{
    HeaderValue, AUTHORIZATION, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HOST, LOCATION,
    SET_COOKIE, WWW_AUTHENTICATE,
};
use hyper::{Method, Request, StatusCode, Uri};
use rustls::pki_types::ServerName;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

/// Maximum redirects followed in one session (TR-069 §3.4.5 allows the CPE
/// to limit them; 5 is the common bound).
pub const MAX_REDIRECTS: u32 = 5;
/// Default per-request timeout: the vendor "cpe timeout" default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default cap on a response body.
pub const DEFAULT_MAX_BODY: usize = 4 * 1024 * 1024;

/// Settings of one session's HTTP client.
#[derive(Clone)]
pub struct AcsClientConfig {
    /// ACS credentials (`acs.username` / `acs.password`); empty username
    /// means none: a 401 then ends the request with [`TransportError::AuthRequired`].
    pub username: String,
    pub password: String,
    /// Time allowed for one POST: connect, TLS, send and whole response.
    pub timeout: Duration,
    /// Largest response body accepted.
    pub max_body: usize,
    /// TLS configuration for `https` URLs (from `tls::client_config`).
    /// `None` makes `https` URLs fail.
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

impl AcsClientConfig {
    pub fn new(username: &str, password: &str, tls: Option<Arc<rustls::ClientConfig>>) -> Self {
        AcsClientConfig {
            username: username.to_string(),
            password: password.to_string(),
            timeout: DEFAULT_TIMEOUT,
            max_body: DEFAULT_MAX_BODY,
            tls,
        }
    }
}

/// What the ACS answered to one POST.
#[derive(Debug, Clone)]
pub struct AcsResponse {
    /// 200 (a SOAP envelope or empty) or 204 (ACS has nothing more).
    pub status: u16,
    pub body: Bytes,
    /// The server closed the connection after this response (the next POST
    /// reconnects).
    pub connection_closed: bool,
    /// Time from the call to the complete response, including any connect,
    /// TLS handshake, 401 round trip and redirect (a cheap timing hook).
    pub elapsed: Duration,
}

/// Why a POST failed. Anything here ends the CWMP session as failed; the
/// session retries with back-off (TR-069 §3.2.1.1).
#[derive(Debug)]
pub enum TransportError {
    /// The URL is not `http(s)://host[:port]/path`.
    InvalidUrl(String),
    /// `https` URL but no TLS configuration.
    NoTlsConfig,
    /// TCP connect or TLS handshake failed.
    Connect(std::io::Error),
    /// HTTP-level failure (connection reset mid-request, bad response).
    Http(hyper::Error),
    /// No complete answer within the timeout.
    Timeout,
    /// Body larger than the configured maximum.
    BodyTooLarge,
    /// A 401 and no credentials are configured.
    AuthRequired,
    /// Credentials refused (a second 401), or a challenge we cannot answer.
    AuthFailed,
    /// More than [`MAX_REDIRECTS`] redirects, or one without a usable Location.
    Redirect(String),
    /// A 4xx/5xx other than 401 (e.g. 400 or 503 answering an Inform).
    Status { status: u16, body: Bytes },
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::InvalidUrl(u) => write!(f, "invalid ACS URL {u:?}"),
            TransportError::NoTlsConfig => write!(f, "https URL without TLS configuration"),
            TransportError::Connect(e) => write!(f, "cannot connect to the ACS: {e}"),
            TransportError::Http(e) => write!(f, "HTTP error: {e}"),
            TransportError::Timeout => write!(f, "ACS did not answer in time"),
            TransportError::BodyTooLarge => write!(f, "ACS response body too large"),
            TransportError::AuthRequired => write!(f, "ACS requires credentials, none configured"),
            TransportError::AuthFailed => write!(f, "ACS refused the credentials"),
            TransportError::Redirect(r) => write!(f, "redirect: {r}"),
            TransportError::Status { status, .. } => write!(f, "ACS answered HTTP {status}"),
        }
    }
}

impl std::error::Error for TransportError {}

/// The parts of an ACS URL this client needs.
/// `pub(crate)`: the file-transfer client (src/transfer) parses its URLs
/// the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) tls: bool,
    /// Host without IPv6 brackets.
    pub(crate) host: String,
    pub(crate) port: u16,
    /// Value of the Host header (`host[:port]`, brackets kept).
    pub(crate) authority: String,
    /// origin-form request target.
    pub(crate) path: String,
}

impl Target {
    pub(crate) fn parse(url: &str) -> Result<Target, TransportError> {
        let bad = || TransportError::InvalidUrl(url.to_string());
        let uri: Uri = url.parse().map_err(|_| bad())?;
        let tls = match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("https") => true,
            Some(s) if s.eq_ignore_ascii_case("http") => false,
            _ => return Err(bad()),
        };
        let authority = uri.authority().ok_or_else(bad)?;
        // Userinfo in the URL is not supported: credentials come from config.
        if authority.as_str().contains('@') {
            return Err(bad());
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']');
        if host.is_empty() {
            return Err(bad());
        }
        let port = authority.port_u16().unwrap_or(if tls { 443 } else { 80 });
        let path = uri
            .path_and_query()
            .map(|p| p.as_str())
            .filter(|p| !p.is_empty())
            .unwrap_or("/")
            .to_string();
        Ok(Target {
            tls,
            host: host.to_string(),
            port,
            authority: authority.as_str().to_string(),
            path,
        })
    }

    pub(crate) fn same_origin(&self, other: &Target) -> bool {
        self.tls == other.tls
            && self.host.eq_ignore_ascii_case(&other.host)
            && self.port == other.port
    }

    /// Resolves a Location header against this target (absolute URL or
    /// absolute path).
    pub(crate) fn resolve(&self, location: &str) -> Result<Target, TransportError> {
        if location.starts_with('/') && !location.starts_with("//") {
            let mut t = self.clone();
            t.path = location.to_string();
            Ok(t)
        } else {
            Target::parse(location)
        }
    }

    pub(crate) fn url(&self) -> String {
        format!(
            "{}://{}{}",
            if self.tls { "https" } else { "http" },
            self.authority,
            self.path
        )
    }
}

/// Session cookies (TR-069 §3.4.2: the CPE MUST return cookies the ACS sets
/// for the rest of the session). Attributes are ignored except `Max-Age=0`
/// / a non-positive Max-Age, which deletes the cookie.
#[derive(Debug, Default, Clone)]
pub struct CookieJar {
    cookies: Vec<(String, String)>,
}

impl CookieJar {
    /// Takes one `Set-Cookie` value. Malformed values are ignored.
    pub fn store(&mut self, set_cookie: &str) {
        let mut parts = set_cookie.split(';');
        let Some((name, value)) = parts.next().and_then(|nv| nv.split_once('=')) else {
            return;
        };
        let name = name.trim();
        if name.is_empty() {
            return;
        }
        let value = value.trim().to_string();
        let expired = parts.any(|attr| {
            attr.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("max-age")
                    && v.trim().parse::<i64>().is_ok_and(|n| n <= 0)
            })
        });
        self.cookies.retain(|(n, _)| n != name);
        if !expired {
            self.cookies.push((name.to_string(), value));
        }
    }

    /// The `Cookie` header value, if any cookie is held.
    pub fn header(&self) -> Option<String> {
        if self.cookies.is_empty() {
            return None;
        }
        Some(
            self.cookies
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("; "),
        )
    }

    pub fn clear(&mut self) {
        self.cookies.clear();
    }
}

/// Credentials being sent pre-emptively after a first 401.
enum AuthState {
    None,
    Basic(String),
    Digest(DigestClient),
}

/// The HTTP side of one CWMP session.
pub struct AcsSession {
    config: AcsClientConfig,
    target: Target,
    conn: Option<ClientSender>,
    cookies: CookieJar,
    auth: AuthState,
    redirects: u32,
    connections_opened: u32,
    rng: ring::rand::SystemRandom,
}

impl AcsSession {
    /// Prepares a session to `url`. Opens nothing yet.
    pub fn new(url: &str, config: AcsClientConfig) -> Result<AcsSession, TransportError> {
        let target = Target::parse(url)?;
        if target.tls && config.tls.is_none() {
            return Err(TransportError::NoTlsConfig);
        }
        Ok(AcsSession {
            config,
            target,
            conn: None,
            cookies: CookieJar::default(),
            auth: AuthState::None,
            redirects: 0,
            connections_opened: 0,
            rng: ring::rand::SystemRandom::new(),
        })
    }

    /// The URL in use: the configured one, or where a redirect sent us.
    pub fn url(&self) -> String {
        self.target.url()
    }

    /// How many TCP connections this session opened (1 when keep-alive
    /// held throughout). Useful for logs and tests.
    pub fn connections_opened(&self) -> u32 {
        self.connections_opened
    }

    /// The session's cookies.
    pub fn cookies(&self) -> &CookieJar {
        &self.cookies
    }

    /// Sends one POST and returns the ACS's answer. An empty `body` is the
    /// CPE's empty POST (TR-069 §3.4.1: `Content-Length: 0`, no
    /// Content-Type, no SOAPAction). With a body, `soap_action` is sent as
    /// the SOAPAction header value (may be empty).
    pub async fn post(
        &mut self,
        body: Bytes,
        soap_action: &str,
    ) -> Result<AcsResponse, TransportError> {
        let timeout = self.config.timeout;
        let started = tokio::time::Instant::now();
        match tokio::time::timeout(timeout, self.post_inner(body, soap_action)).await {
            Ok(r) => r.map(|mut resp| {
                resp.elapsed = started.elapsed();
                resp
            }),
            Err(_) => {
                // The connection's state is unknown after a timeout.
                self.conn = None;
                Err(TransportError::Timeout)
            }
        }
    }

    /// Drops the connection (end of session).
    pub fn close(&mut self) {
        self.conn = None;
        self.cookies.clear();
    }

    async fn post_inner(
        &mut self,
        body: Bytes,
        soap_action: &str,
    ) -> Result<AcsResponse, TransportError> {
        // One fresh 401 answer per request (two if the nonce went stale).
        let mut auth_rounds = 0;
        loop {
            let (resp, closed) = self.exchange(&body, soap_action).await?;
            let status = resp.status();
            match status {
                StatusCode::UNAUTHORIZED => {
                    let challenges = www_authenticate(resp.headers());
                    let body_res = self.read_body(resp).await;
                    if closed {
                        self.conn = None;
                    }
                    drop(body_res);
                    auth_rounds += 1;
                    if auth_rounds > 2 {
                        return Err(TransportError::AuthFailed);
                    }
                    self.answer_challenge(&challenges, auth_rounds)?;
                }
                StatusCode::MOVED_PERMANENTLY
                | StatusCode::FOUND
                | StatusCode::TEMPORARY_REDIRECT
                | StatusCode::PERMANENT_REDIRECT => {
                    let location = resp
                        .headers()
                        .get(LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    let _ = self.read_body(resp).await;
                    self.redirects += 1;
                    if self.redirects > MAX_REDIRECTS {
                        return Err(TransportError::Redirect(format!(
                            "more than {MAX_REDIRECTS} redirects"
                        )));
                    }
                    let location =
                        location.ok_or_else(|| TransportError::Redirect("no Location".into()))?;
                    let next = self.target.resolve(&location)?;
                    if next.tls && self.config.tls.is_none() {
                        return Err(TransportError::NoTlsConfig);
                    }
                    if closed || !next.same_origin(&self.target) {
                        self.conn = None;
                    }
                    if !next.same_origin(&self.target) {
                        // New server, new challenge.
                        self.auth = AuthState::None;
                    }
                    self.target = next;
                    auth_rounds = 0;
                }
                _ => {
                    let body = self.read_body(resp).await;
                    if closed {
                        self.conn = None;
                    }
                    let body = body?;
                    if status.is_client_error()
                        || status.is_server_error()
                        || status.is_redirection()
                    {
                        return Err(TransportError::Status {
                            status: status.as_u16(),
                            body,
                        });
                    }
                    return Ok(AcsResponse {
                        status: status.as_u16(),
                        body,
                        connection_closed: closed || self.conn.is_none(),
                        elapsed: Duration::ZERO,
                    });
                }
            }
        }
    }

    fn answer_challenge(
        &mut self,
        challenges: &[Challenge],
        round: u32,
    ) -> Result<(), TransportError> {
        if self.config.username.is_empty() {
            return Err(TransportError::AuthRequired);
        }
        let stale = challenges
            .iter()
            .any(|c| matches!(c, Challenge::Digest(d) if d.stale));
        // A second 401 right after our credentials means they are wrong,
        // unless the server says only the nonce was stale (RFC 7616 §3.3).
        let sent_credentials = !matches!(self.auth, AuthState::None);
        if round > 1 && sent_credentials && !stale {
            return Err(TransportError::AuthFailed);
        }
        match digest::best_challenge(challenges) {
            Some(Challenge::Digest(d)) => {
                self.auth = AuthState::Digest(DigestClient::new(d.clone()));
            }
            Some(Challenge::Basic { .. }) => {
                if !self.target.tls {
                    // RFC 7617 §4: Basic sends the password in clear; we do
                    // it only because the ACS offers nothing better.
                    log::warn!("ACS asks for Basic authentication over plain HTTP");
                }
                self.auth = AuthState::Basic(basic_credentials(
                    &self.config.username,
                    &self.config.password,
                ));
            }
            None => return Err(TransportError::AuthFailed),
        }
        Ok(())
    }

    async fn read_body(
        &mut self,
        resp: hyper::Response<hyper::body::Incoming>,
    ) -> Result<Bytes, TransportError> {
        let limited = Limited::new(resp.into_body(), self.config.max_body);
        match limited.collect().await {
            Ok(c) => Ok(c.to_bytes()),
            Err(e) => {
                self.conn = None;
                match e.downcast::<hyper::Error>() {
                    Ok(h) => Err(TransportError::Http(*h)),
                    Err(_) => Err(TransportError::BodyTooLarge),
                }
            }
        }
    }

    fn authorization(&mut self) -> Option<String> {
        match &mut self.auth {
            AuthState::None => None,
            AuthState::Basic(h) => Some(h.clone()),
            AuthState::Digest(d) => {
                let mut cnonce = [0u8; 16];
                // SystemRandom only fails if the OS has no entropy source;
                // a zero cnonce then is still a valid (weaker) answer.
                let _ = ring::rand::SecureRandom::fill(&self.rng, &mut cnonce);
                Some(d.authorization(
                    &self.config.username,
                    &self.config.password,
                    "POST",
                    &self.target.path,
                    &cnonce,
                ))
            }
        }
    }

    fn build_request(
        &mut self,
        body: &Bytes,
        soap_action: &str,
    ) -> Result<Request<ClientBody>, TransportError> {
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(self.target.path.as_str())
            .header(HOST, self.target.authority.as_str())
            .header(CONTENT_LENGTH, body.len());
        if !body.is_empty() {
            b = b
                .header(CONTENT_TYPE, "text/xml; charset=\"utf-8\"")
                .header("SOAPAction", soap_action);
        }
        if let Some(c) = self.cookies.header() {
            b = b.header(COOKIE, c);
        }
        if let Some(a) = self.authorization() {
            b = b.header(AUTHORIZATION, a);
        }
        b.body(client_body(Full::new(body.clone())))
            .map_err(|e| TransportError::InvalidUrl(e.to_string()))
    }

    /// Sends the request on the session connection, (re)connecting if
    /// needed. Returns the response head and whether the server closes.
    async fn exchange(
        &mut self,
        body: &Bytes,
        soap_action: &str,
    ) -> Result<(hyper::Response<hyper::body::Incoming>, bool), TransportError> {
        let mut reused = true;
        loop {
            let mut sender = match self.conn.take() {
                Some(s) if !s.is_closed() => s,
                _ => {
                    reused = false;
                    self.connect().await?
                }
            };
            if sender.ready().await.is_err() {
                if reused {
                    reused = false;
                    continue;
                }
                return Err(TransportError::Connect(std::io::Error::other(
                    "connection closed",
                )));
            }
            let req = self.build_request(body, soap_action)?;
            match sender.send_request(req).await {
                Ok(resp) => {
                    for v in resp.headers().get_all(SET_COOKIE) {
                        if let Ok(s) = v.to_str() {
                            self.cookies.store(s);
                        }
                    }
                    let closed = resp
                        .headers()
                        .get_all(CONNECTION)
                        .iter()
                        .any(|v| header_has_token(v, "close"));
                    if !closed {
                        self.conn = Some(sender);
                    }
                    return Ok((resp, closed));
                }
                // The server closed a kept-alive connection before answering
                // (its idle timeout raced our request): reconnect once.
                Err(e)
                    if reused
                        && (e.is_canceled() || e.is_incomplete_message() || e.is_closed()) =>
                {
                    reused = false;
                    continue;
                }
                Err(e) => return Err(TransportError::Http(e)),
            }
        }
    }

    async fn connect(&mut self) -> Result<ClientSender, TransportError> {
        let tcp = TcpStream::connect((self.target.host.as_str(), self.target.port))
            .await
            .map_err(TransportError::Connect)?;
        let _ = tcp.set_nodelay(true);
        self.connections_opened += 1;
        if self.target.tls {
            let config = self.config.tls.clone().ok_or(TransportError::NoTlsConfig)?;
            let name = ServerName::try_from(self.target.host.clone())
                .map_err(|_| TransportError::InvalidUrl(self.target.url()))?;
            // Boxed below TLS too: one TLS stream type with the transfers.
            let tls = tokio_rustls::TlsConnector::from(config)
                .connect(name, Box::new(tcp) as Box<dyn Socket>)
                .await
                .map_err(TransportError::Connect)?;
            handshake(Box::new(tls), "ACS").await
        } else {
            handshake(Box::new(tcp), "ACS").await
        }
        .map_err(TransportError::Http)
    }
}

pub(crate) fn header_has_token(v: &HeaderValue, token: &str) -> bool {
    v.to_str()
        .map(|s| s.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        .unwrap_or(false)
}

/// All challenges of all `WWW-Authenticate` headers; unparsable ones skipped.
pub(crate) fn www_authenticate(headers: &hyper::HeaderMap) -> Vec<Challenge> {
    headers
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| digest::parse_www_authenticate(v).ok())
        .flatten()
        .collect()
}

/// `Basic base64(user:pass)` (RFC 7617).
pub fn basic_credentials(username: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64(format!("{username}:{password}").as_bytes())
    )
}

/// Standard base64 with padding (RFC 4648 §4).
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
        assert_eq!(
            basic_credentials("Aladdin", "open sesame"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
    }

    #[test]
    fn target_parsing() {
        let t = Target::parse("https://[::1]:8443/acs?x=1").unwrap();
        assert!(t.tls);
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("::1", 8443, "/acs?x=1")
        );
        assert_eq!(t.authority, "[::1]:8443");
        let t = Target::parse("http://acs.example.net").unwrap();
        assert_eq!((t.port, t.path.as_str()), (80, "/"));
        for bad in [
            "ftp://x/",
            "acs.example.net",
            "http://u:p@h/",
            "",
            "http:///x",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
        let r = t.resolve("/other").unwrap();
        assert_eq!(r.url(), "http://acs.example.net/other");
        assert!(r.same_origin(&t));
    }

    #[test]
    fn cookie_jar() {
        let mut j = CookieJar::default();
        assert_eq!(j.header(), None);
        j.store("session=abc; Path=/; HttpOnly");
        j.store("b=2");
        j.store("session=def");
        assert_eq!(j.header().as_deref(), Some("b=2; session=def"));
        j.store("b=; Max-Age=0");
        j.store("garbage");
        j.store("=x");
        assert_eq!(j.header().as_deref(), Some("session=def"));
        j.clear();
        assert_eq!(j.header(), None);
    }
}
