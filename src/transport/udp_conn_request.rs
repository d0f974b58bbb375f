//! UDP Connection Requests (TR-069 Annex G.2.1.4): pure checks, time
//! passed in. The socket that receives them is the STUN one
//! (src/agent/stun_task.rs).
//!
//! The ACS sends, in one UDP datagram, an HTTP GET request line such as
//! `GET http://198.51.100.4:7547?ts=1120673700&id=1234&un=cpe&cn=XTGR&sig=3545F7B5… HTTP/1.1`
//! where `ts` is the ACS's time (seconds since the Unix epoch), `id` a
//! message ID (the ACS repeats the same message for reliability), `un` the
//! ConnectionRequestUsername, `cn` a random cnonce, and `sig` the hex
//! HMAC-SHA1 of `ts`+`id`+`un`+`cn` (concatenated values) keyed with the
//! ConnectionRequestPassword. The CPE never answers a UDP Connection
//! Request; it acts on a valid one once.
//!
//! Checks, in order: rate limit (as the TCP server), form, username,
//! signature, then replay: `ts` must not be older than the newest accepted
//! one and a (`ts`, `id`) pair is acted on once (Annex G: ignore a message
//! whose ts is older than the last accepted, and repeats of an accepted
//! message ID). Freshness against our own clock (±[`MAX_CLOCK_SKEW`]) is
//! our addition, as far as we know not required by Annex G: replay state is
//! not persisted, so without it a captured datagram could be replayed after
//! every agent restart.
//!
//! Query values are percent-decoded before they are compared and signed
//! (Annex G does not say; with the plain ASCII values ACSes use, both
//! readings agree).

use std::time::Duration;

use ring::hmac;

use super::conn_request::{RateLimiter, RATE_MAX, RATE_WINDOW};

/// Largest |ts − our clock| accepted, seconds.
pub const MAX_CLOCK_SKEW: i64 = 600;
/// Longest request line looked at.
const MAX_LINE: usize = 2048;
/// IDs remembered for the newest accepted `ts` (an ACS sends a handful of
/// distinct requests per second at most; beyond this, older ones are
/// dropped and the oldest could be replayed within that same second).
const MAX_IDS: usize = 16;

/// The fields of a UDP Connection Request, percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpRequest {
    pub ts: i64,
    pub id: String,
    pub un: String,
    pub cn: String,
    pub sig: String,
}

/// Why a datagram was ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    RateLimited,
    Malformed,
    /// No Connection Request username configured: nothing is accepted.
    NotConfigured,
    WrongUsername,
    BadSignature,
    /// `ts` too far from our clock.
    Stale,
    /// `ts` older than the newest accepted, or this (`ts`, `id`) was accepted.
    Replayed,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Rejected::RateLimited => "rate limited",
            Rejected::Malformed => "not a valid UDP Connection Request",
            Rejected::NotConfigured => "no Connection Request username configured",
            Rejected::WrongUsername => "wrong username",
            Rejected::BadSignature => "wrong signature",
            Rejected::Stale => "timestamp too far from our clock (is NTP working?)",
            Rejected::Replayed => "repeated or older message",
        })
    }
}

fn unhex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hi = unhex(*b.get(i + 1)?)?;
                let lo = unhex(*b.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Parses the request line; the rest of the datagram (headers) is ignored.
pub fn parse(datagram: &[u8]) -> Option<UdpRequest> {
    let head = &datagram[..datagram.len().min(MAX_LINE)];
    let end = head
        .iter()
        .position(|&c| c == b'\r' || c == b'\n')
        .unwrap_or(head.len());
    let line = std::str::from_utf8(&head[..end]).ok()?;
    let mut parts = line.split(' ');
    let (method, uri, version) = (parts.next()?, parts.next()?, parts.next()?);
    if method != "GET" || !version.starts_with("HTTP/1.") || parts.next().is_some() {
        return None;
    }
    let query = uri.split_once('?')?.1;
    let (mut ts, mut id, mut un, mut cn, mut sig) = (None, None, None, None, None);
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=')?;
        let slot = match k {
            "ts" => &mut ts,
            "id" => &mut id,
            "un" => &mut un,
            "cn" => &mut cn,
            "sig" => &mut sig,
            _ => continue,
        };
        if slot.is_some() {
            return None; // A repeated field makes the request ambiguous.
        }
        *slot = Some(percent_decode(v)?);
    }
    let ts: String = ts?;
    if ts.is_empty() || !ts.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let req = UdpRequest {
        ts: ts.parse().ok()?,
        id: id?,
        un: un?,
        cn: cn?,
        sig: sig?,
    };
    (!req.id.is_empty()).then_some(req)
}

/// The signature an ACS puts in `sig` (lower-case hex).
pub fn signature(password: &str, ts: i64, id: &str, un: &str, cn: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, password.as_bytes());
    let text = format!("{ts}{id}{un}{cn}");
    hmac::sign(&key, text.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn signature_ok(password: &str, r: &UdpRequest) -> bool {
    let s = r.sig.as_bytes();
    if s.len() != 40 {
        return false;
    }
    let mut tag = [0u8; 20];
    for (i, t) in tag.iter_mut().enumerate() {
        match (unhex(s[2 * i]), unhex(s[2 * i + 1])) {
            (Some(hi), Some(lo)) => *t = hi << 4 | lo,
            _ => return false,
        }
    }
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, password.as_bytes());
    let text = format!("{}{}{}{}", r.ts, r.id, r.un, r.cn);
    // Constant-time comparison.
    hmac::verify(&key, text.as_bytes(), &tag).is_ok()
}

/// Accept/ignore decisions for one listener, remembering what was accepted.
#[derive(Debug)]
pub struct Guard {
    limiter: RateLimiter,
    newest_ts: Option<i64>,
    ids_at_newest: Vec<String>,
}

impl Default for Guard {
    fn default() -> Self {
        Guard {
            limiter: RateLimiter::new(RATE_MAX, RATE_WINDOW),
            newest_ts: None,
            ids_at_newest: Vec::new(),
        }
    }
}

impl Guard {
    /// Judges one datagram. `now_unix` is our clock, `now_mono` any
    /// monotonic time (the rate limit window). On `Ok` the request is
    /// recorded as accepted.
    pub fn check(
        &mut self,
        datagram: &[u8],
        username: &str,
        password: &str,
        now_unix: i64,
        now_mono: Duration,
    ) -> Result<UdpRequest, Rejected> {
        if !self.limiter.allow(now_mono) {
            return Err(Rejected::RateLimited);
        }
        let req = parse(datagram).ok_or(Rejected::Malformed)?;
        if username.is_empty() {
            return Err(Rejected::NotConfigured);
        }
        if req.un != username {
            return Err(Rejected::WrongUsername);
        }
        if !signature_ok(password, &req) {
            return Err(Rejected::BadSignature);
        }
        if (req.ts - now_unix).abs() > MAX_CLOCK_SKEW {
            return Err(Rejected::Stale);
        }
        match self.newest_ts {
            Some(t) if req.ts < t => return Err(Rejected::Replayed),
            Some(t) if req.ts == t => {
                if self.ids_at_newest.contains(&req.id) {
                    return Err(Rejected::Replayed);
                }
                if self.ids_at_newest.len() >= MAX_IDS {
                    self.ids_at_newest.remove(0);
                }
                self.ids_at_newest.push(req.id.clone());
            }
            _ => {
                self.newest_ts = Some(req.ts);
                self.ids_at_newest = vec![req.id.clone()];
            }
        }
        Ok(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn datagram(ts: i64, id: &str, un: &str, sig: &str) -> Vec<u8> {
        format!(
            "GET http://192.0.2.9:7547?ts={ts}&id={id}&un={un}&cn=XTGRWIPC6D3IPXS3&sig={sig} HTTP/1.1\r\nHost: 192.0.2.9:7547\r\n\r\n"
        )
        .into_bytes()
    }

    fn signed(ts: i64, id: &str, un: &str, pw: &str) -> Vec<u8> {
        datagram(ts, id, un, &signature(pw, ts, id, un, "XTGRWIPC6D3IPXS3"))
    }

    /// The RFC 2202 case 2 text ("what do ya want for nothing?", key
    /// "Jefe") split over id, un and cn: the concatenation rule is tested
    /// against a direct HMAC of the joined text, and ring's HMAC-SHA1
    /// against the RFC's digest.
    #[test]
    fn signature_is_hmac_sha1_over_the_concatenated_values() {
        let sig = signature("Jefe", 0, "what do ya", " want for", " nothing?");
        // ts=0 adds the leading "0".
        let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, b"Jefe");
        let expect = hmac::sign(&key, b"0what do ya want for nothing?");
        let hex: String = expect.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(sig, hex);
        // RFC 2202 case 2 itself, to pin ring's HMAC-SHA1.
        let rfc = hmac::sign(&key, b"what do ya want for nothing?");
        assert_eq!(
            rfc.as_ref(),
            [
                0xef, 0xfc, 0xdf, 0x6a, 0xe5, 0xeb, 0x2f, 0xa2, 0xd2, 0x74, 0x16, 0xd5, 0xf1, 0x84,
                0xdf, 0x9c, 0x25, 0x9a, 0x7c, 0x79
            ]
        );
    }

    #[test]
    fn accepts_a_valid_request_once_and_in_order() {
        let mut g = Guard::default();
        let t = Duration::ZERO;
        let now = 1_700_000_000;
        let ok = signed(now, "1", "acs", "pw");
        assert!(g.check(&ok, "acs", "pw", now, t).is_ok());
        // The ACS repeating the same message: acted on once.
        assert_eq!(g.check(&ok, "acs", "pw", now, t), Err(Rejected::Replayed));
        // Another message in the same second: accepted.
        assert!(g
            .check(&signed(now, "2", "acs", "pw"), "acs", "pw", now, t)
            .is_ok());
        // Older than the newest accepted: ignored.
        assert_eq!(
            g.check(&signed(now - 1, "3", "acs", "pw"), "acs", "pw", now, t),
            Err(Rejected::Replayed)
        );
        assert!(g
            .check(&signed(now + 5, "1", "acs", "pw"), "acs", "pw", now, t)
            .is_ok());
        // Upper-case hex signature is fine.
        let sig = signature("pw", now + 6, "9", "acs", "c").to_uppercase();
        let d = format!(
            "GET http://h:1?ts={}&id=9&un=acs&cn=c&sig={sig} HTTP/1.1",
            now + 6
        );
        assert!(g.check(d.as_bytes(), "acs", "pw", now, t).is_ok());
    }

    #[test]
    fn refusals() {
        let mut g = Guard::default();
        let t = Duration::ZERO;
        let now = 1_700_000_000;
        let check = |g: &mut Guard, d: &[u8]| g.check(d, "acs", "pw", now, t).unwrap_err();
        assert_eq!(
            check(&mut g, &signed(now, "1", "acs", "nope")),
            Rejected::BadSignature
        );
        assert_eq!(
            check(&mut g, &signed(now, "1", "bob", "pw")),
            Rejected::WrongUsername
        );
        assert_eq!(
            check(&mut g, &datagram(now, "1", "acs", "zz")),
            Rejected::BadSignature
        );
        assert_eq!(
            check(&mut g, &signed(now - MAX_CLOCK_SKEW - 1, "1", "acs", "pw")),
            Rejected::Stale
        );
        assert_eq!(
            check(&mut g, &signed(now + MAX_CLOCK_SKEW + 1, "1", "acs", "pw")),
            Rejected::Stale
        );
        assert_eq!(
            g.check(&signed(now, "1", "", "pw"), "", "pw", now, t),
            Err(Rejected::NotConfigured)
        );
        for bad in [
            &b"POST http://h:1?ts=1&id=1&un=a&cn=c&sig=00 HTTP/1.1"[..],
            b"GET http://h:1 HTTP/1.1",
            b"GET http://h:1?ts=1&id=1&un=a&cn=c HTTP/1.1",
            b"GET http://h:1?ts=-1&id=1&un=a&cn=c&sig=0 HTTP/1.1",
            b"GET http://h:1?ts=1&ts=2&id=1&un=a&cn=c&sig=0 HTTP/1.1",
            b"GET http://h:1?ts=1&id=&un=a&cn=c&sig=0 HTTP/1.1",
            b"GET http://h:1?ts=99999999999999999999999&id=1&un=a&cn=c&sig=0 HTTP/1.1",
            b"GET http://h:1?ts=1&id=1&un=%zz&cn=c&sig=0 HTTP/1.1",
            b"GET http://h:1?ts=1&id=1&un=a&cn=c&sig=0",
            b"\xff\xfe",
            b"",
        ] {
            assert_eq!(
                check(&mut g, bad),
                Rejected::Malformed,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        // Nothing above was accepted: a valid one still goes through.
        assert!(g
            .check(&signed(now, "1", "acs", "pw"), "acs", "pw", now, t)
            .is_ok());
    }

    #[test]
    fn percent_encoded_username() {
        let mut g = Guard::default();
        let now = 1_700_000_000;
        let sig = signature("pw", now, "1", "a b&c", "n");
        let d = format!("GET http://h:1?ts={now}&id=1&un=a%20b%26c&cn=n&sig={sig} HTTP/1.1");
        assert!(g
            .check(d.as_bytes(), "a b&c", "pw", now, Duration::ZERO)
            .is_ok());
    }

    #[test]
    fn rate_limited_like_the_tcp_server() {
        let mut g = Guard::default();
        for _ in 0..RATE_MAX {
            let _ = g.check(b"junk", "acs", "pw", 0, Duration::ZERO);
        }
        assert_eq!(
            g.check(&signed(0, "1", "acs", "pw"), "acs", "pw", 0, Duration::ZERO),
            Err(Rejected::RateLimited)
        );
        assert!(g
            .check(&signed(0, "1", "acs", "pw"), "acs", "pw", 0, RATE_WINDOW)
            .is_ok());
    }

    #[test]
    fn hostile_datagrams_never_panic() {
        let mut x: u32 = 7;
        let base = signed(1, "1", "acs", "pw");
        for i in 0..3000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let mut d = base.clone();
            let n = (x as usize >> 8) % d.len();
            d[n] = (x >> 16) as u8;
            if i % 3 == 0 {
                d.truncate(n);
            }
            let _ = Guard::default().check(&d, "acs", "pw", 1, Duration::ZERO);
        }
    }
}
