//! HTTP Digest access authentication (RFC 7616, compatible with RFC 2617),
//! both sides, without any I/O: time and random bytes come in as parameters.
//!
//! Client side: [`parse_www_authenticate`] reads the challenges an ACS sends
//! with a 401, [`DigestClient`] answers one of them for every request of the
//! session (nonce count increasing, RFC 7616 §3.4).
//!
//! Server side: [`DigestServer`] issues the challenges of the Connection
//! Request server (TR-069 §3.2.2 requires Digest there) and verifies the
//! answers. Its nonces carry their issue time and a keyed hash, so they expire
//! and cannot be forged; the nonce count must grow per nonce, so a captured
//! `Authorization` header cannot be replayed.

use md5::{Digest as _, Md5};
use std::collections::HashMap;
use std::fmt::Write as _;

/// The hash algorithms of RFC 7616 §3.3 (`algorithm=` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Md5,
    Md5Sess,
    Sha256,
    Sha256Sess,
}

impl Algorithm {
    /// Parses the `algorithm` parameter value, case-insensitively.
    pub fn parse(s: &str) -> Option<Algorithm> {
        match s.to_ascii_uppercase().as_str() {
            "MD5" => Some(Algorithm::Md5),
            "MD5-SESS" => Some(Algorithm::Md5Sess),
            "SHA-256" => Some(Algorithm::Sha256),
            "SHA-256-SESS" => Some(Algorithm::Sha256Sess),
            _ => None,
        }
    }

    /// The token as written in headers.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
        }
    }

    fn is_session(self) -> bool {
        matches!(self, Algorithm::Md5Sess | Algorithm::Sha256Sess)
    }

    /// H(data) as lowercase hex (RFC 7616 §3.4.1).
    fn hash_hex(self, data: &[u8]) -> String {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => hex(&Md5::digest(data)),
            Algorithm::Sha256 | Algorithm::Sha256Sess => {
                hex(ring::digest::digest(&ring::digest::SHA256, data).as_ref())
            }
        }
    }
}

/// Lowercase hexadecimal of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Compares two byte strings in time that depends only on their lengths, so
/// a peer cannot learn a correct response prefix from timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    diff == 0
}

/// Why a header could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Empty header or no scheme.
    Empty,
    /// An unterminated quoted string or a stray character at byte `pos`.
    Syntax { pos: usize },
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::Empty => write!(f, "empty authentication header"),
            ParseError::Syntax { pos } => {
                write!(f, "malformed authentication header at byte {pos}")
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// One challenge or credentials: a scheme and its auth-params (RFC 9110
/// §11.2). Parameter names are lowercased; values are unquoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthItem {
    pub scheme: String,
    pub params: Vec<(String, String)>,
}

impl AuthItem {
    /// The value of parameter `name` (lowercase), first occurrence.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

/// Parses a header value made of one or more `scheme param=value, ...`
/// items (a `WWW-Authenticate` with several challenges, or an
/// `Authorization`). A scheme followed by a token68 (e.g. `Basic dXNlcg==`)
/// keeps the token68 as a parameter named `""`.
pub fn parse_auth_items(value: &str) -> Result<Vec<AuthItem>, ParseError> {
    let b = value.as_bytes();
    let mut i = 0;
    let mut items: Vec<AuthItem> = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && (b[*i] == b' ' || b[*i] == b'\t') {
            *i += 1;
        }
    };
    loop {
        // Separators between items and parameters.
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t' || b[i] == b',') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        while i < b.len() && is_tchar(b[i]) {
            i += 1;
        }
        if i == start {
            return Err(ParseError::Syntax { pos: i });
        }
        let token = &value[start..i];
        let after_token = i;
        skip_ws(&mut i);
        if i < b.len() && b[i] == b'=' && !items.is_empty() {
            // `name = value`: a parameter of the current item, unless this is
            // token68 padding (handled where the scheme is read).
            i += 1;
            skip_ws(&mut i);
            let v = if i < b.len() && b[i] == b'"' {
                i += 1;
                let mut s = String::new();
                loop {
                    let Some(&c) = b.get(i) else {
                        return Err(ParseError::Syntax { pos: i });
                    };
                    match c {
                        b'"' => {
                            i += 1;
                            break;
                        }
                        b'\\' => {
                            // quoted-pair: the next character, whatever its
                            // UTF-8 length ('\\' is ASCII, so i + 1 is a
                            // character boundary).
                            let Some(n) = value.get(i + 1..).and_then(|r| r.chars().next()) else {
                                return Err(ParseError::Syntax { pos: i });
                            };
                            s.push(n);
                            i += 1 + n.len_utf8();
                        }
                        _ => {
                            // Copy one UTF-8 character whole.
                            let Some(ch) = value.get(i..).and_then(|r| r.chars().next()) else {
                                return Err(ParseError::Syntax { pos: i });
                            };
                            s.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                s
            } else {
                let vs = i;
                while i < b.len() && is_tchar(b[i]) {
                    i += 1;
                }
                value[vs..i].to_string()
            };
            skip_ws(&mut i);
            if i < b.len() && b[i] != b',' {
                return Err(ParseError::Syntax { pos: i });
            }
            if let Some(item) = items.last_mut() {
                item.params.push((token.to_ascii_lowercase(), v));
            }
        } else {
            // A new scheme. It may be followed by a token68.
            let mut item = AuthItem {
                scheme: token.to_string(),
                params: Vec::new(),
            };
            i = after_token;
            skip_ws(&mut i);
            let t68_start = i;
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b"-._~+/".contains(&b[j])) {
                j += 1;
            }
            let mut k = j;
            while k < b.len() && b[k] == b'=' {
                k += 1;
            }
            let mut end = k;
            while end < b.len() && (b[end] == b' ' || b[end] == b'\t') {
                end += 1;
            }
            // `realm="x"` or `nonce=abc` continue after the '=', so they are
            // not a token68; a token68 stands alone up to a comma or the end.
            if j > t68_start && (end >= b.len() || b[end] == b',') {
                item.params
                    .push((String::new(), value[t68_start..k].to_string()));
                i = k;
            }
            items.push(item);
        }
    }
    if items.is_empty() {
        return Err(ParseError::Empty);
    }
    Ok(items)
}

/// A Digest challenge from an ACS (RFC 7616 §3.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestChallenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    pub algorithm: Algorithm,
    /// `qop` offered `auth`. Without it the RFC 2069 compatibility form is used.
    pub qop_auth: bool,
    pub stale: bool,
}

/// One challenge of a `WWW-Authenticate` header the client understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Basic { realm: String },
    Digest(DigestChallenge),
}

/// Parses every challenge of a `WWW-Authenticate` value. Challenges of
/// unknown schemes, Digest with an unknown algorithm, or Digest offering only
/// `qop=auth-int` are left out (we cannot answer them).
pub fn parse_www_authenticate(value: &str) -> Result<Vec<Challenge>, ParseError> {
    let mut out = Vec::new();
    for item in parse_auth_items(value)? {
        if item.scheme.eq_ignore_ascii_case("basic") {
            out.push(Challenge::Basic {
                realm: item.param("realm").unwrap_or("").to_string(),
            });
        } else if item.scheme.eq_ignore_ascii_case("digest") {
            let (Some(realm), Some(nonce)) = (item.param("realm"), item.param("nonce")) else {
                continue;
            };
            let algorithm = match item.param("algorithm") {
                None => Algorithm::Md5,
                Some(a) => match Algorithm::parse(a) {
                    Some(a) => a,
                    None => continue,
                },
            };
            let (qop_auth, qop_present) = match item.param("qop") {
                None => (false, false),
                Some(q) => (
                    q.split(',').any(|t| t.trim().eq_ignore_ascii_case("auth")),
                    true,
                ),
            };
            if qop_present && !qop_auth {
                continue;
            }
            out.push(Challenge::Digest(DigestChallenge {
                realm: realm.to_string(),
                nonce: nonce.to_string(),
                opaque: item.param("opaque").map(str::to_string),
                algorithm,
                qop_auth,
                stale: item
                    .param("stale")
                    .is_some_and(|s| s.eq_ignore_ascii_case("true")),
            }));
        }
    }
    Ok(out)
}

/// Picks the strongest challenge we can answer: Digest SHA-256 over Digest
/// MD5 (RFC 7616 §3.7: prefer the first supported, strongest one), Digest over
/// Basic.
pub fn best_challenge(challenges: &[Challenge]) -> Option<&Challenge> {
    let rank = |c: &Challenge| match c {
        Challenge::Digest(d) => match d.algorithm {
            Algorithm::Sha256 | Algorithm::Sha256Sess => 3,
            Algorithm::Md5 | Algorithm::Md5Sess => 2,
        },
        Challenge::Basic { .. } => 1,
    };
    // max_by_key keeps the last maximum; iterate reversed to keep the first.
    challenges.iter().rev().max_by_key(|c| rank(c))
}

/// Quotes `s` as an HTTP quoted-string.
fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            q.push('\\');
        }
        q.push(c);
    }
    q.push('"');
    q
}

/// The inputs of one Digest computation (RFC 7616 §3.4.1).
pub struct DigestInput<'a> {
    pub algorithm: Algorithm,
    pub username: &'a str,
    pub realm: &'a str,
    pub password: &'a str,
    pub method: &'a str,
    pub uri: &'a str,
    pub nonce: &'a str,
    /// `Some((nc, cnonce))` when qop=auth is used.
    pub qop_auth: Option<(u32, &'a str)>,
}

/// The `response` value for `input`.
pub fn compute_response(input: &DigestInput<'_>) -> String {
    let alg = input.algorithm;
    let mut ha1 =
        alg.hash_hex(format!("{}:{}:{}", input.username, input.realm, input.password).as_bytes());
    if alg.is_session() {
        let cnonce = input.qop_auth.map(|(_, c)| c).unwrap_or("");
        ha1 = alg.hash_hex(format!("{ha1}:{}:{cnonce}", input.nonce).as_bytes());
    }
    let ha2 = alg.hash_hex(format!("{}:{}", input.method, input.uri).as_bytes());
    match input.qop_auth {
        Some((nc, cnonce)) => {
            alg.hash_hex(format!("{ha1}:{}:{nc:08x}:{cnonce}:auth:{ha2}", input.nonce).as_bytes())
        }
        None => alg.hash_hex(format!("{ha1}:{}:{ha2}", input.nonce).as_bytes()),
    }
}

/// The client side of Digest for one challenge: counts requests made with
/// its nonce so each `Authorization` carries a fresh `nc`.
#[derive(Debug, Clone)]
pub struct DigestClient {
    challenge: DigestChallenge,
    nc: u32,
}

impl DigestClient {
    pub fn new(challenge: DigestChallenge) -> DigestClient {
        DigestClient { challenge, nc: 0 }
    }

    pub fn challenge(&self) -> &DigestChallenge {
        &self.challenge
    }

    /// The `Authorization` header value for one request. `cnonce_bytes` come
    /// from the caller's random source (RFC 7616 §3.4: the cnonce must be
    /// unpredictable); they are hex-encoded.
    pub fn authorization(
        &mut self,
        username: &str,
        password: &str,
        method: &str,
        uri: &str,
        cnonce_bytes: &[u8],
    ) -> String {
        self.nc = self.nc.wrapping_add(1);
        let cnonce = hex(cnonce_bytes);
        authorization_header(
            &self.challenge,
            username,
            password,
            method,
            uri,
            self.nc,
            &cnonce,
        )
    }
}

/// Builds an `Authorization: Digest ...` value with a given nc and cnonce.
pub fn authorization_header(
    ch: &DigestChallenge,
    username: &str,
    password: &str,
    method: &str,
    uri: &str,
    nc: u32,
    cnonce: &str,
) -> String {
    let qop = ch.qop_auth.then_some((nc, cnonce));
    let response = compute_response(&DigestInput {
        algorithm: ch.algorithm,
        username,
        realm: &ch.realm,
        password,
        method,
        uri,
        nonce: &ch.nonce,
        qop_auth: qop,
    });
    let mut h = format!(
        "Digest username={}, realm={}, nonce={}, uri={}, algorithm={}, response=\"{response}\"",
        quote(username),
        quote(&ch.realm),
        quote(&ch.nonce),
        quote(uri),
        ch.algorithm.name(),
    );
    if let Some((nc, cnonce)) = qop {
        let _ = write!(h, ", qop=auth, nc={nc:08x}, cnonce={}", quote(cnonce));
    }
    if let Some(o) = &ch.opaque {
        let _ = write!(h, ", opaque={}", quote(o));
    }
    h
}

/// Why a request's credentials were refused by [`DigestServer::verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// No `Authorization` header, or not a Digest one.
    Missing,
    /// The header does not parse or lacks a required parameter.
    Malformed,
    /// The nonce is ours but too old: challenge again with `stale=true`.
    Stale,
    /// Forged nonce, wrong user, wrong password, wrong URI or realm.
    BadCredentials,
    /// The nonce count did not increase: a replayed header.
    Replay,
}

impl std::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            VerifyError::Missing => "no Digest credentials",
            VerifyError::Malformed => "malformed Digest credentials",
            VerifyError::Stale => "stale nonce",
            VerifyError::BadCredentials => "wrong Digest credentials",
            VerifyError::Replay => "replayed Digest credentials",
        };
        f.write_str(s)
    }
}

impl std::error::Error for VerifyError {}

/// Server-side Digest: issues and verifies challenges for one realm and one
/// user (the Connection Request credentials of TR-069 §3.2.2).
pub struct DigestServer {
    key: ring::hmac::Key,
    realm: String,
    username: String,
    password: String,
    /// Seconds a nonce stays valid.
    nonce_lifetime: u64,
    /// Issue counter, so nonces issued in the same second differ.
    seq: u64,
    /// Highest nc accepted per nonce; bounded by `max_nonces`.
    used: HashMap<String, (u64, u32)>,
    max_nonces: usize,
    /// Algorithms offered, one challenge each, in this order.
    algorithms: Vec<Algorithm>,
}

/// Default nonce lifetime (seconds).
pub const DEFAULT_NONCE_LIFETIME: u64 = 300;
/// Default number of nonces whose nonce counts are remembered.
pub const DEFAULT_MAX_NONCES: usize = 256;

impl DigestServer {
    /// `key` is a secret from the caller's random source (32 bytes is plenty),
    /// fixed for the server's lifetime.
    pub fn new(key: &[u8], realm: &str, username: &str, password: &str) -> DigestServer {
        DigestServer {
            key: ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key),
            realm: realm.to_string(),
            username: username.to_string(),
            password: password.to_string(),
            nonce_lifetime: DEFAULT_NONCE_LIFETIME,
            seq: 0,
            used: HashMap::new(),
            max_nonces: DEFAULT_MAX_NONCES,
            algorithms: vec![Algorithm::Sha256, Algorithm::Md5],
        }
    }

    /// Offers `algorithms` (in order) instead of SHA-256 then MD5. An empty
    /// list keeps the default.
    pub fn with_algorithms(mut self, algorithms: &[Algorithm]) -> DigestServer {
        if !algorithms.is_empty() {
            self.algorithms = algorithms.to_vec();
        }
        self
    }

    pub fn with_limits(mut self, nonce_lifetime: u64, max_nonces: usize) -> DigestServer {
        self.nonce_lifetime = nonce_lifetime;
        self.max_nonces = max_nonces.max(1);
        self
    }

    pub fn realm(&self) -> &str {
        &self.realm
    }

    fn nonce_tag(&self, ts: u64, seq: u64) -> String {
        let mut msg = Vec::with_capacity(16 + self.realm.len());
        msg.extend_from_slice(&ts.to_be_bytes());
        msg.extend_from_slice(&seq.to_be_bytes());
        msg.extend_from_slice(self.realm.as_bytes());
        let tag = ring::hmac::sign(&self.key, &msg);
        // 128 bits of the tag are enough against forgery and keep headers short.
        hex(tag.as_ref().get(..16).unwrap_or(tag.as_ref()))
    }

    /// A fresh nonce: `<ts hex 16><seq hex 16><tag hex 32>`.
    pub fn new_nonce(&mut self, now_secs: u64) -> String {
        self.seq = self.seq.wrapping_add(1);
        format!(
            "{now_secs:016x}{:016x}{}",
            self.seq,
            self.nonce_tag(now_secs, self.seq)
        )
    }

    /// Checks that `nonce` is one of ours; returns its issue time.
    fn check_nonce(&self, nonce: &str) -> Option<u64> {
        if nonce.len() != 64 || !nonce.is_ascii() {
            return None;
        }
        let ts = u64::from_str_radix(nonce.get(..16)?, 16).ok()?;
        let seq = u64::from_str_radix(nonce.get(16..32)?, 16).ok()?;
        let tag = self.nonce_tag(ts, seq);
        constant_time_eq(tag.as_bytes(), nonce.get(32..)?.as_bytes()).then_some(ts)
    }

    /// `WWW-Authenticate` values to send with a 401: one challenge per
    /// algorithm, by default SHA-256 first (RFC 7616 §3.7), each with its
    /// own nonce.
    pub fn challenges(&mut self, now_secs: u64, stale: bool) -> Vec<String> {
        self.algorithms
            .clone()
            .into_iter()
            .map(|alg| {
                let nonce = self.new_nonce(now_secs);
                let mut h = format!(
                    "Digest realm={}, qop=\"auth\", algorithm={}, nonce=\"{nonce}\"",
                    quote(&self.realm),
                    alg.name()
                );
                if stale {
                    h.push_str(", stale=true");
                }
                h
            })
            .collect()
    }

    /// Verifies an `Authorization` header for a request with `method` and
    /// request-target `uri`. On success the nonce count is recorded so the
    /// same header is refused next time.
    pub fn verify(
        &mut self,
        authorization: Option<&str>,
        method: &str,
        uri: &str,
        now_secs: u64,
    ) -> Result<(), VerifyError> {
        let header = authorization.ok_or(VerifyError::Missing)?;
        let items = parse_auth_items(header).map_err(|_| VerifyError::Malformed)?;
        let item = items
            .iter()
            .find(|i| i.scheme.eq_ignore_ascii_case("digest"))
            .ok_or(VerifyError::Missing)?;
        let get = |n: &str| item.param(n).ok_or(VerifyError::Malformed);
        let username = get("username")?;
        let realm = get("realm")?;
        let nonce = get("nonce")?;
        let d_uri = get("uri")?;
        let response = get("response")?;
        // Without qop there is no nonce count and so no replay protection:
        // we always offer qop=auth and insist on it.
        let qop = get("qop")?;
        if !qop.eq_ignore_ascii_case("auth") {
            return Err(VerifyError::Malformed);
        }
        let nc_s = get("nc")?;
        if nc_s.len() != 8 {
            return Err(VerifyError::Malformed);
        }
        let nc = u32::from_str_radix(nc_s, 16).map_err(|_| VerifyError::Malformed)?;
        let cnonce = get("cnonce")?;
        let algorithm = match item.param("algorithm") {
            None => Algorithm::Md5,
            Some(a) => Algorithm::parse(a).ok_or(VerifyError::Malformed)?,
        };
        let issued = self.check_nonce(nonce).ok_or(VerifyError::BadCredentials)?;
        if realm != self.realm || d_uri != uri {
            return Err(VerifyError::BadCredentials);
        }
        let expected = compute_response(&DigestInput {
            algorithm,
            username: &self.username,
            realm: &self.realm,
            password: &self.password,
            method,
            uri,
            nonce,
            qop_auth: Some((nc, cnonce)),
        });
        let user_ok = constant_time_eq(username.as_bytes(), self.username.as_bytes());
        let resp_ok = constant_time_eq(
            expected.as_bytes(),
            response.to_ascii_lowercase().as_bytes(),
        );
        if !(user_ok & resp_ok) {
            return Err(VerifyError::BadCredentials);
        }
        // Only a correct response says anything about freshness.
        if now_secs.saturating_sub(issued) > self.nonce_lifetime || issued > now_secs + 60 {
            return Err(VerifyError::Stale);
        }
        match self.used.get_mut(nonce) {
            Some((_, last)) if nc <= *last => return Err(VerifyError::Replay),
            Some((_, last)) => *last = nc,
            None => {
                self.forget_old(now_secs);
                self.used.insert(nonce.to_string(), (issued, nc));
            }
        }
        Ok(())
    }

    /// Bounds the replay table: expired nonces go first (they fail as Stale
    /// anyway), then the oldest ones. A forgotten unexpired nonce could be
    /// replayed, so the bound should exceed the nonces used in a lifetime;
    /// the rate limit in front of the server keeps that true.
    fn forget_old(&mut self, now_secs: u64) {
        let lifetime = self.nonce_lifetime;
        self.used
            .retain(|_, (issued, _)| now_secs.saturating_sub(*issued) <= lifetime);
        while self.used.len() >= self.max_nonces {
            let oldest = self
                .used
                .iter()
                .min_by_key(|(_, (issued, _))| *issued)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => {
                    self.used.remove(&k);
                }
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7616 §3.9.1.
    const R7616_NONCE: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    const R7616_CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    const R7616_OPAQUE: &str = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";

    fn rfc7616(alg: Algorithm) -> String {
        compute_response(&DigestInput {
            algorithm: alg,
            username: "Mufasa",
            realm: "http-auth@example.org",
            password: "Circle of Life",
            method: "GET",
            uri: "/dir/index.html",
            nonce: R7616_NONCE,
            qop_auth: Some((1, R7616_CNONCE)),
        })
    }

    #[test]
    fn rfc7616_md5_vector() {
        assert_eq!(rfc7616(Algorithm::Md5), "8ca523f5e9506fed4657c9700eebdbec");
    }

    #[test]
    fn rfc7616_sha256_vector() {
        assert_eq!(
            rfc7616(Algorithm::Sha256),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    #[test]
    fn rfc2617_vector_through_parsed_challenge() {
        let h = r#"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#;
        let ch = parse_www_authenticate(h).unwrap();
        let Challenge::Digest(d) = &ch[0] else {
            panic!("not digest")
        };
        assert!(d.qop_auth);
        assert_eq!(d.algorithm, Algorithm::Md5);
        let a = authorization_header(
            d,
            "Mufasa",
            "Circle Of Life",
            "GET",
            "/dir/index.html",
            1,
            "0a4f113b",
        );
        assert!(
            a.contains(r#"response="6629fae49393a05397450978507c4ef1""#),
            "{a}"
        );
        assert!(a.contains("nc=00000001"));
        assert!(a.contains(r#"opaque="5ccc069c403ebaf9f0171e9517f40e41""#));
    }

    #[test]
    fn parses_rfc7616_multi_challenge_and_prefers_sha256() {
        let h = format!(
            "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256, nonce=\"{R7616_NONCE}\", opaque=\"{R7616_OPAQUE}\", Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=MD5, nonce=\"{R7616_NONCE}\", opaque=\"{R7616_OPAQUE}\", Basic realm=\"x\""
        );
        let ch = parse_www_authenticate(&h).unwrap();
        assert_eq!(ch.len(), 3);
        assert_eq!(ch[2], Challenge::Basic { realm: "x".into() });
        let Some(Challenge::Digest(best)) = best_challenge(&ch) else {
            panic!()
        };
        assert_eq!(best.algorithm, Algorithm::Sha256);
        assert_eq!(best.opaque.as_deref(), Some(R7616_OPAQUE));
        let a = authorization_header(
            best,
            "Mufasa",
            "Circle of Life",
            "GET",
            "/dir/index.html",
            1,
            R7616_CNONCE,
        );
        assert!(a.contains("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"));
    }

    #[test]
    fn parser_handles_escapes_case_and_token68() {
        let items = parse_auth_items(r#"BASIC REALM="a \"q\" \\ b" , digest NONCE=abc, Realm="r""#)
            .unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].param("realm"), Some(r#"a "q" \ b"#));
        assert_eq!(items[1].param("nonce"), Some("abc"));
        assert_eq!(items[1].param("realm"), Some("r"));
        let t = parse_auth_items("Basic dXNlcjpwYXNz==").unwrap();
        assert_eq!(t[0].param(""), Some("dXNlcjpwYXNz=="));
        let t = parse_auth_items("Negotiate, Basic realm=\"z\"").unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].param("realm"), Some("z"));
    }

    #[test]
    fn parser_rejects_garbage_without_panicking() {
        for bad in [
            "",
            "   ",
            "Digest realm=\"open",
            "Digest realm=\"x\" junk",
            "=",
            "Digest a=\"\\",
        ] {
            assert!(parse_auth_items(bad).is_err(), "{bad:?}");
        }
        // Unknown algorithm and auth-int-only challenges are skipped.
        let c = parse_www_authenticate(
            "Digest realm=a, nonce=b, algorithm=SHA-512-256, Digest realm=a, nonce=b, qop=auth-int",
        )
        .unwrap();
        assert!(c.is_empty());
    }

    #[test]
    fn sess_algorithms_differ_from_plain() {
        assert_ne!(rfc7616(Algorithm::Md5Sess), rfc7616(Algorithm::Md5));
        assert_eq!(rfc7616(Algorithm::Sha256Sess).len(), 64);
    }

    fn answer(server_hdr: &str, pass: &str, uri: &str, nc: u32, cnonce: &str) -> String {
        let ch = parse_www_authenticate(server_hdr).unwrap();
        let Challenge::Digest(d) = &ch[0] else {
            panic!()
        };
        authorization_header(d, "cpe", pass, "GET", uri, nc, cnonce)
    }

    #[test]
    fn server_accepts_good_and_refuses_bad_replayed_forged_stale() {
        let mut s = DigestServer::new(
            b"k3y-material-for-the-test-000000",
            "cwmpd",
            "cpe",
            "s3cret",
        );
        let chs = s.challenges(1000, false);
        assert_eq!(chs.len(), 2);
        assert!(chs[0].contains("SHA-256") && chs[1].contains("MD5"));
        for ch in &chs {
            let good = answer(ch, "s3cret", "/cr", 1, "c1");
            assert_eq!(s.verify(Some(&good), "GET", "/cr", 1001), Ok(()));
            // Same header again: replay.
            assert_eq!(
                s.verify(Some(&good), "GET", "/cr", 1002),
                Err(VerifyError::Replay)
            );
            // Higher nc with same nonce is fine.
            let next = answer(ch, "s3cret", "/cr", 2, "c2");
            assert_eq!(s.verify(Some(&next), "GET", "/cr", 1002), Ok(()));
            let wrong = answer(ch, "nope", "/cr", 3, "c3");
            assert_eq!(
                s.verify(Some(&wrong), "GET", "/cr", 1002),
                Err(VerifyError::BadCredentials)
            );
            let other_uri = answer(ch, "s3cret", "/other", 4, "c4");
            assert_eq!(
                s.verify(Some(&other_uri), "GET", "/cr", 1002),
                Err(VerifyError::BadCredentials)
            );
        }
        // Stale after the lifetime.
        let ch = s.challenges(2000, false).remove(0);
        let late = answer(&ch, "s3cret", "/cr", 1, "x");
        assert_eq!(
            s.verify(Some(&late), "GET", "/cr", 2000 + DEFAULT_NONCE_LIFETIME + 1),
            Err(VerifyError::Stale)
        );
        // Forged nonce: same shape, tag not ours.
        let forged_nonce = format!("{:016x}{:016x}{}", 2000u64, 1u64, "0".repeat(32));
        let forged = format!("Digest realm=\"cwmpd\", qop=\"auth\", nonce=\"{forged_nonce}\"");
        // A nonce issued under another key is just as foreign.
        let mut other = DigestServer::new(b"another key", "cwmpd", "cpe", "s3cret");
        let foreign = answer(&other.challenges(2000, false)[0], "s3cret", "/cr", 1, "x");
        assert_eq!(
            s.verify(Some(&foreign), "GET", "/cr", 2001),
            Err(VerifyError::BadCredentials)
        );
        let f = answer(&forged, "s3cret", "/cr", 1, "x");
        assert_eq!(
            s.verify(Some(&f), "GET", "/cr", 2001),
            Err(VerifyError::BadCredentials)
        );
        assert_eq!(
            s.verify(None, "GET", "/cr", 2001),
            Err(VerifyError::Missing)
        );
        assert_eq!(
            s.verify(Some("Basic Y3BlOnMzY3JldA=="), "GET", "/cr", 2001),
            Err(VerifyError::Missing)
        );
        assert_eq!(
            s.verify(Some("Digest username=\"cpe\""), "GET", "/cr", 2001),
            Err(VerifyError::Malformed)
        );
    }

    #[test]
    fn server_replay_table_is_bounded() {
        let mut s = DigestServer::new(b"key", "r", "cpe", "pw").with_limits(300, 4);
        for i in 0..20u64 {
            let ch = s.challenges(100 + i, false).remove(0);
            let a = answer(&ch, "pw", "/", 1, "c");
            assert_eq!(s.verify(Some(&a), "GET", "/", 100 + i), Ok(()));
            assert!(s.used.len() <= 4);
        }
    }

    #[test]
    fn client_counts_nonce_uses() {
        let ch = DigestChallenge {
            realm: "r".into(),
            nonce: "n".into(),
            opaque: None,
            algorithm: Algorithm::Md5,
            qop_auth: true,
            stale: false,
        };
        let mut c = DigestClient::new(ch);
        let a1 = c.authorization("u", "p", "POST", "/acs", &[1, 2]);
        let a2 = c.authorization("u", "p", "POST", "/acs", &[1, 2]);
        assert!(a1.contains("nc=00000001") && a1.contains("cnonce=\"0102\""));
        assert!(a2.contains("nc=00000002"));
    }

    /// Cheap in-tree fuzzing: pseudo-random strings built from header-ish
    /// pieces must never panic the parser or the verifier.
    #[test]
    fn random_headers_never_panic() {
        let pieces = [
            "Digest",
            "Basic",
            " ",
            ",",
            "=",
            "\"",
            "\\",
            "realm",
            "nonce",
            "qop=auth",
            "nc=00000001",
            "é",
            "\\é",
            "ü\"",
            "algorithm=SHA-256",
            "uri=\"/cr\"",
            "\t",
            "==",
            "response=",
            "username=\"cpe\"",
            "cnonce=x",
            "/",
            "ø",
        ];
        let mut server = DigestServer::new(b"k", "r", "cpe", "pw");
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let mut h = String::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let n = (x % 12) as usize;
            for k in 0..n {
                let idx = ((x >> (k * 5)) % pieces.len() as u64) as usize;
                h.push_str(pieces[idx]);
            }
            let _ = parse_auth_items(&h);
            let _ = parse_www_authenticate(&h);
            let _ = server.verify(Some(&h), "GET", "/cr", 1);
        }
    }

    #[test]
    fn quoted_pair_with_multibyte_char() {
        let items = parse_auth_items("Digest realm=\"a\\éb\"").unwrap();
        assert_eq!(items[0].param("realm"), Some("aéb"));
        assert!(parse_auth_items("Digest realm=\"a\\é").is_err());
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
