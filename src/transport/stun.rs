//! STUN Binding Request / Response codec for TR-069 Annex G (TR-111
//! Part 2): pure bytes in, bytes out; no sockets, no clock.
//!
//! Annex G is written against "classic" STUN, RFC 3489, and says the
//! mechanism was not designed for RFC 5389. So requests are RFC 3489
//! messages: a 128-bit random transaction ID (no magic cookie), attribute
//! values a multiple of 4 bytes, and MESSAGE-INTEGRITY computed the RFC 3489
//! way (§11.2.8: HMAC-SHA1 over the message up to the attribute before
//! MESSAGE-INTEGRITY, zero-padded to a multiple of 64 bytes, with the
//! header length already counting MESSAGE-INTEGRITY).
//!
//! Responses are read leniently, as either kind of server may answer:
//! MAPPED-ADDRESS (RFC 3489) first, else XOR-MAPPED-ADDRESS (RFC 5389,
//! XOR-ed with the first bytes of the transaction ID, which is the magic
//! cookie in RFC 5389 messages); attributes padded RFC 5389-style are
//! skipped correctly; a response's MESSAGE-INTEGRITY is accepted in either
//! RFC's form.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use ring::hmac;

pub const HEADER_LEN: usize = 20;
pub const BINDING_REQUEST: u16 = 0x0001;
pub const BINDING_RESPONSE: u16 = 0x0101;
pub const BINDING_ERROR_RESPONSE: u16 = 0x0111;

pub const ATTR_MAPPED_ADDRESS: u16 = 0x0001;
pub const ATTR_USERNAME: u16 = 0x0006;
pub const ATTR_MESSAGE_INTEGRITY: u16 = 0x0008;
pub const ATTR_ERROR_CODE: u16 = 0x0009;
pub const ATTR_XOR_MAPPED_ADDRESS: u16 = 0x0020;
/// TR-069 Annex G (TR-111 Part 2): marks a Binding Request sent from the
/// UDP Connection Request address, so the ACS's STUN server knows the
/// binding it sees is the one to send UDP Connection Requests to.
pub const ATTR_CONNECTION_REQUEST_BINDING: u16 = 0xC001;
/// TR-069 Annex G: the binding (mapped address) changed; no value.
pub const ATTR_BINDING_CHANGE: u16 = 0xC002;
/// The value of CONNECTION-REQUEST-BINDING: "dslforum.org/TR-111 " with
/// its trailing space, 20 bytes (a multiple of 4, as RFC 3489 wants).
pub const CONNECTION_REQUEST_BINDING_VALUE: &[u8; 20] = b"dslforum.org/TR-111 ";
/// RFC 5389 magic cookie (only used to recognise RFC 5389 answers).
pub const MAGIC_COOKIE: [u8; 4] = [0x21, 0x12, 0xA4, 0x42];
const MESSAGE_INTEGRITY_LEN: usize = 20;

/// What goes into one Binding Request.
#[derive(Debug, Clone)]
pub struct BindingRequest<'a> {
    pub transaction_id: [u8; 16],
    /// Add BINDING-CHANGE: the binding is new or has just changed.
    pub binding_change: bool,
    /// USERNAME (`cwmp.stun.username`), when set.
    pub username: Option<&'a str>,
    /// Add MESSAGE-INTEGRITY keyed with this (`cwmp.stun.password`).
    pub integrity_key: Option<&'a [u8]>,
}

fn put_attr(out: &mut Vec<u8>, kind: u16, value: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    // RFC 3489: attribute values we send are a multiple of 4 bytes long, so
    // the length is the padded one (USERNAME is padded by the caller).
    let len = u16::try_from(value.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&value[..usize::from(len)]);
}

fn set_length(msg: &mut [u8], body_len: usize) {
    let len = u16::try_from(body_len).unwrap_or(u16::MAX).to_be_bytes();
    msg[2] = len[0];
    msg[3] = len[1];
}

/// RFC 3489 §11.2.8 MESSAGE-INTEGRITY over `prefix` (header + attributes
/// before MESSAGE-INTEGRITY, header length already final).
fn integrity_3489(key: &[u8], prefix: &[u8]) -> hmac::Tag {
    let k = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, key);
    let mut ctx = hmac::Context::with_key(&k);
    ctx.update(prefix);
    let pad = (64 - prefix.len() % 64) % 64;
    ctx.update(&[0u8; 64][..pad]);
    ctx.sign()
}

impl BindingRequest<'_> {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(96);
        out.extend_from_slice(&BINDING_REQUEST.to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&self.transaction_id);
        put_attr(
            &mut out,
            ATTR_CONNECTION_REQUEST_BINDING,
            CONNECTION_REQUEST_BINDING_VALUE,
        );
        if self.binding_change {
            put_attr(&mut out, ATTR_BINDING_CHANGE, &[]);
        }
        if let Some(user) = self.username {
            // RFC 3489 §11.2.6: USERNAME's length is a multiple of 4; the
            // value is padded with zero bytes (our choice of filler).
            let mut value = user.as_bytes().to_vec();
            value.truncate(512);
            while value.len() % 4 != 0 {
                value.push(0);
            }
            put_attr(&mut out, ATTR_USERNAME, &value);
        }
        if let Some(key) = self.integrity_key {
            let body = out.len() - HEADER_LEN + 4 + MESSAGE_INTEGRITY_LEN;
            set_length(&mut out, body);
            let tag = integrity_3489(key, &out);
            put_attr(&mut out, ATTR_MESSAGE_INTEGRITY, tag.as_ref());
        }
        let body = out.len() - HEADER_LEN;
        set_length(&mut out, body);
        out
    }
}

/// Whether a datagram looks like STUN rather than a UDP Connection Request
/// (an HTTP request line starts with a letter; STUN's first two bits are 0).
pub fn looks_like_stun(datagram: &[u8]) -> bool {
    datagram.len() >= HEADER_LEN && datagram[0] & 0xC0 == 0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    TooShort,
    /// The header length disagrees with the datagram.
    BadLength,
    /// An attribute runs past the end of the message.
    Truncated,
}

/// A decoded message; attribute values borrow the datagram.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    pub kind: u16,
    pub transaction_id: [u8; 16],
    /// (type, value, offset of the attribute header in `raw`)
    attrs: Vec<(u16, &'a [u8], usize)>,
    raw: &'a [u8],
}

/// At most this many attributes are looked at (a datagram is small anyway).
const MAX_ATTRS: usize = 64;

pub fn decode(datagram: &[u8]) -> Result<Message<'_>, DecodeError> {
    let header = datagram.get(..HEADER_LEN).ok_or(DecodeError::TooShort)?;
    let kind = u16::from_be_bytes([header[0], header[1]]);
    let len = usize::from(u16::from_be_bytes([header[2], header[3]]));
    let mut transaction_id = [0u8; 16];
    transaction_id.copy_from_slice(&header[4..HEADER_LEN]);
    let raw = datagram
        .get(..HEADER_LEN + len)
        .ok_or(DecodeError::BadLength)?;
    let mut attrs = Vec::new();
    let mut at = HEADER_LEN;
    while at < raw.len() && attrs.len() < MAX_ATTRS {
        let head = raw.get(at..at + 4).ok_or(DecodeError::Truncated)?;
        let t = u16::from_be_bytes([head[0], head[1]]);
        let l = usize::from(u16::from_be_bytes([head[2], head[3]]));
        let value = raw.get(at + 4..at + 4 + l).ok_or(DecodeError::Truncated)?;
        attrs.push((t, value, at));
        // RFC 5389 pads to 4 bytes; RFC 3489 lengths are already multiples.
        at += 4 + l.div_ceil(4) * 4;
    }
    Ok(Message {
        kind,
        transaction_id,
        attrs,
        raw,
    })
}

/// Outcome of checking a response's MESSAGE-INTEGRITY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Integrity {
    Absent,
    Valid,
    Invalid,
}

fn address(value: &[u8], xor: Option<&[u8; 16]>) -> Option<SocketAddr> {
    let family = *value.get(1)?;
    let mut port = u16::from_be_bytes([*value.get(2)?, *value.get(3)?]);
    if let Some(tid) = xor {
        port ^= u16::from_be_bytes([tid[0], tid[1]]);
    }
    let ip = match family {
        1 => {
            let mut a: [u8; 4] = value.get(4..8)?.try_into().ok()?;
            if let Some(tid) = xor {
                a.iter_mut().zip(tid).for_each(|(b, k)| *b ^= k);
            }
            IpAddr::V4(Ipv4Addr::from(a))
        }
        2 => {
            let mut a: [u8; 16] = value.get(4..20)?.try_into().ok()?;
            if let Some(tid) = xor {
                a.iter_mut().zip(tid).for_each(|(b, k)| *b ^= k);
            }
            IpAddr::V6(Ipv6Addr::from(a))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

impl Message<'_> {
    pub fn attr(&self, kind: u16) -> Option<&[u8]> {
        self.attrs.iter().find(|a| a.0 == kind).map(|a| a.1)
    }

    pub fn has_attr(&self, kind: u16) -> bool {
        self.attr(kind).is_some()
    }

    /// The reflexive address the server saw: MAPPED-ADDRESS, else
    /// XOR-MAPPED-ADDRESS.
    pub fn mapped_address(&self) -> Option<SocketAddr> {
        if let Some(a) = self
            .attr(ATTR_MAPPED_ADDRESS)
            .and_then(|v| address(v, None))
        {
            return Some(a);
        }
        self.attr(ATTR_XOR_MAPPED_ADDRESS)
            .and_then(|v| address(v, Some(&self.transaction_id)))
    }

    /// ERROR-CODE as a number (class × 100 + number), e.g. 401.
    pub fn error_code(&self) -> Option<u16> {
        let v = self.attr(ATTR_ERROR_CODE)?;
        let class = u16::from(*v.get(2)? & 0x07);
        let number = u16::from(*v.get(3)?);
        Some(class * 100 + number)
    }

    /// Checks MESSAGE-INTEGRITY keyed with `key`, accepting the RFC 3489
    /// form and the RFC 5389 one (no padding, length up to the attribute).
    pub fn integrity(&self, key: &[u8]) -> Integrity {
        let Some(&(_, tag, at)) = self.attrs.iter().find(|a| a.0 == ATTR_MESSAGE_INTEGRITY) else {
            return Integrity::Absent;
        };
        if tag.len() != MESSAGE_INTEGRITY_LEN {
            return Integrity::Invalid;
        }
        let prefix = &self.raw[..at];
        if integrity_3489(key, prefix).as_ref() == tag {
            return Integrity::Valid;
        }
        let mut adjusted = prefix.to_vec();
        set_length(&mut adjusted, at + 4 + MESSAGE_INTEGRITY_LEN - HEADER_LEN);
        let k = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, key);
        match hmac::verify(&k, &adjusted, tag) {
            Ok(()) => Integrity::Valid,
            Err(_) => Integrity::Invalid,
        }
    }
}

/// Encodes a Binding Response (used by tests and by anyone checking the
/// decoder): MAPPED-ADDRESS, optionally XOR-MAPPED-ADDRESS too.
pub fn encode_binding_response(
    transaction_id: &[u8; 16],
    mapped: SocketAddr,
    xor: bool,
) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&BINDING_RESPONSE.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(transaction_id);
    let value = |x: Option<&[u8; 16]>| {
        let mut v = vec![0u8];
        let mut port = mapped.port();
        if let Some(tid) = x {
            port ^= u16::from_be_bytes([tid[0], tid[1]]);
        }
        let mut ip = match mapped.ip() {
            IpAddr::V4(a) => {
                v.push(1);
                a.octets().to_vec()
            }
            IpAddr::V6(a) => {
                v.push(2);
                a.octets().to_vec()
            }
        };
        if let Some(tid) = x {
            ip.iter_mut().zip(tid).for_each(|(b, k)| *b ^= k);
        }
        v.extend_from_slice(&port.to_be_bytes());
        v.extend_from_slice(&ip);
        v
    };
    if xor {
        put_attr(
            &mut out,
            ATTR_XOR_MAPPED_ADDRESS,
            &value(Some(transaction_id)),
        );
    } else {
        put_attr(&mut out, ATTR_MAPPED_ADDRESS, &value(None));
    }
    let body = out.len() - HEADER_LEN;
    set_length(&mut out, body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TID: [u8; 16] = [
        0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    ];

    #[test]
    fn request_layout_is_rfc3489_with_the_tr111_attributes() {
        let m = BindingRequest {
            transaction_id: [7; 16],
            binding_change: true,
            username: Some("cpe"),
            integrity_key: None,
        }
        .encode();
        assert_eq!(&m[..2], &[0, 1]);
        assert_eq!(usize::from(u16::from_be_bytes([m[2], m[3]])), m.len() - 20);
        assert_eq!(&m[4..20], &[7; 16]);
        // CONNECTION-REQUEST-BINDING, 20 bytes.
        assert_eq!(&m[20..24], &[0xC0, 0x01, 0, 20]);
        assert_eq!(&m[24..44], b"dslforum.org/TR-111 ");
        // BINDING-CHANGE, empty.
        assert_eq!(&m[44..48], &[0xC0, 0x02, 0, 0]);
        // USERNAME padded to 4.
        assert_eq!(&m[48..56], &[0, 6, 0, 4, b'c', b'p', b'e', 0]);
        assert_eq!(m.len(), 56);
        let d = decode(&m).unwrap();
        assert_eq!(d.kind, BINDING_REQUEST);
        assert!(d.has_attr(ATTR_BINDING_CHANGE));
        assert_eq!(d.integrity(b"k"), Integrity::Absent);
    }

    /// MESSAGE-INTEGRITY computed independently here, from the RFC 3489
    /// text: HMAC-SHA1 over header+attributes before it, padded to 64.
    #[test]
    fn message_integrity_is_rfc3489_and_round_trips() {
        let m = BindingRequest {
            transaction_id: [9; 16],
            binding_change: false,
            username: Some("user"),
            integrity_key: Some(b"secret"),
        }
        .encode();
        let n = m.len();
        assert_eq!(&m[n - 24..n - 20], &[0, 8, 0, 20]);
        assert_eq!(usize::from(u16::from_be_bytes([m[2], m[3]])), n - 20);
        let mut text = m[..n - 24].to_vec();
        text.resize(text.len().div_ceil(64) * 64, 0);
        let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, b"secret");
        assert_eq!(hmac::sign(&key, &text).as_ref(), &m[n - 20..]);
        let d = decode(&m).unwrap();
        assert_eq!(d.integrity(b"secret"), Integrity::Valid);
        assert_eq!(d.integrity(b"other"), Integrity::Invalid);
        let mut tampered = m.clone();
        tampered[30] ^= 1;
        assert_eq!(
            decode(&tampered).unwrap().integrity(b"secret"),
            Integrity::Invalid
        );
    }

    #[test]
    fn rfc5389_style_integrity_is_accepted_in_responses() {
        let mut m = encode_binding_response(&TID, "192.0.2.1:5".parse().unwrap(), false);
        let at = m.len();
        set_length(&mut m, at + 24 - HEADER_LEN);
        let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, b"pw");
        let tag = hmac::sign(&key, &m);
        put_attr(&mut m, ATTR_MESSAGE_INTEGRITY, tag.as_ref());
        assert_eq!(decode(&m).unwrap().integrity(b"pw"), Integrity::Valid);
    }

    #[test]
    fn mapped_and_xor_mapped_addresses() {
        for addr in ["203.0.113.7:40000", "[2001:db8::1]:7547"] {
            let a: SocketAddr = addr.parse().unwrap();
            for xor in [false, true] {
                let m = encode_binding_response(&TID, a, xor);
                let d = decode(&m).unwrap();
                assert_eq!(d.kind, BINDING_RESPONSE);
                assert_eq!(d.transaction_id, TID);
                assert_eq!(d.mapped_address(), Some(a), "{addr} xor={xor}");
            }
        }
        // RFC 5389 worked value: XOR-MAPPED-ADDRESS of 192.0.2.1:32853 with
        // the magic cookie is port 0xA147, address 0xE112A643.
        let mut m = vec![1, 1, 0, 12];
        m.extend_from_slice(&TID);
        m.extend_from_slice(&[0, 0x20, 0, 8, 0, 1, 0xA1, 0x47, 0xE1, 0x12, 0xA6, 0x43]);
        assert_eq!(
            decode(&m).unwrap().mapped_address(),
            Some("192.0.2.1:32853".parse().unwrap())
        );
    }

    #[test]
    fn error_code() {
        let mut m = vec![1, 0x11, 0, 12];
        m.extend_from_slice(&TID);
        m.extend_from_slice(&[0, 9, 0, 8, 0, 0, 4, 1, b'A', b'u', b't', b'h']);
        let d = decode(&m).unwrap();
        assert_eq!(d.kind, BINDING_ERROR_RESPONSE);
        assert_eq!(d.error_code(), Some(401));
        assert_eq!(d.mapped_address(), None);
    }

    #[test]
    fn hostile_datagrams_never_panic() {
        assert_eq!(decode(&[]).unwrap_err(), DecodeError::TooShort);
        let mut m = vec![1, 1, 0, 8];
        m.extend_from_slice(&TID);
        assert_eq!(decode(&m).unwrap_err(), DecodeError::BadLength);
        m.extend_from_slice(&[0, 1, 0xFF, 0xFF, 0, 0, 0, 0]);
        assert_eq!(decode(&m).unwrap_err(), DecodeError::Truncated);
        // Every prefix and every single-byte corruption of valid messages,
        // plus pseudo-random noise: decoding and every accessor must not
        // panic.
        let good = [
            encode_binding_response(&TID, "[2001:db8::1]:1".parse().unwrap(), true),
            BindingRequest {
                transaction_id: TID,
                binding_change: true,
                username: Some("abcde"),
                integrity_key: Some(b"k"),
            }
            .encode(),
        ];
        let poke = |b: &[u8]| {
            if let Ok(d) = decode(b) {
                let _ = (d.mapped_address(), d.error_code(), d.integrity(b"k"));
            }
            let _ = looks_like_stun(b);
        };
        for g in &good {
            for n in 0..=g.len() {
                poke(&g[..n]);
            }
            for i in 0..g.len() {
                for v in [0u8, 1, 2, 0x7F, 0xFF] {
                    let mut c = g.clone();
                    c[i] = v;
                    poke(&c);
                }
            }
        }
        let mut x: u32 = 12345;
        for _ in 0..2000 {
            let mut b = vec![0u8; (x % 120) as usize];
            for byte in b.iter_mut() {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                *byte = (x >> 16) as u8;
            }
            if b.len() >= 4 {
                b[0] &= 0x01;
                let l = (b.len().saturating_sub(20)) as u16;
                b[2..4].copy_from_slice(&l.to_be_bytes());
            }
            poke(&b);
        }
    }
}
