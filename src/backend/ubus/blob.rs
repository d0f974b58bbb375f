//! libubox `blob` attributes and `blobmsg` values (openwrt-reference.md §4.3, §4.4).
//!
//! A blob attribute is a big-endian `u32` header — bit 31 EXTENDED, bits 30..24
//! the id, bits 23..0 the raw length (header + payload, without padding) —
//! followed by the payload and zero padding to a multiple of 4. A blobmsg
//! attribute is an EXTENDED blob whose id is the blobmsg type and whose
//! payload starts with a name header (`u16` length, name, NUL, padding).
//!
//! Decoding takes untrusted bytes from the ubus socket: every length is
//! checked against the bytes actually present and nesting is bounded, so a
//! malformed message yields a [`DecodeError`], never a panic.

use std::fmt;

/// Attributes start on 4-byte boundaries (`BLOB_ATTR_ALIGN`).
pub const ALIGN: usize = 4;
/// Size of a blob attribute header.
pub const HEADER_LEN: usize = 4;
const EXTENDED: u32 = 0x8000_0000;
const ID_MASK: u32 = 0x7f00_0000;
const ID_SHIFT: u32 = 24;
const LEN_MASK: u32 = 0x00ff_ffff;

/// Deepest table/array nesting accepted from a peer. Recursion depth is
/// bounded so a crafted 1 MiB message of nested tables cannot overflow the
/// stack; real ubus payloads (netifd status) nest 3–4 levels.
pub const MAX_DEPTH: usize = 64;

/// blobmsg type ids (`enum blobmsg_type`, §4.4).
pub mod blobmsg_type {
    pub const UNSPEC: u8 = 0;
    pub const ARRAY: u8 = 1;
    pub const TABLE: u8 = 2;
    pub const STRING: u8 = 3;
    pub const INT64: u8 = 4;
    pub const INT32: u8 = 5;
    pub const INT16: u8 = 6;
    /// Also BOOL.
    pub const INT8: u8 = 7;
    pub const DOUBLE: u8 = 8;
}

/// Rounds a length up to the attribute alignment.
pub fn pad_len(len: usize) -> usize {
    len.div_ceil(ALIGN) * ALIGN
}

/// Why bytes could not be decoded, and where (offset within the slice handed
/// to the decoder that failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub what: &'static str,
    pub offset: usize,
}

impl DecodeError {
    fn at(what: &'static str, offset: usize) -> Self {
        DecodeError { what, offset }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed blob: {} at byte {}", self.what, self.offset)
    }
}

impl std::error::Error for DecodeError {}

/// One raw blob attribute borrowed from a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawAttr<'a> {
    pub id: u8,
    pub extended: bool,
    /// Payload without header and without padding.
    pub payload: &'a [u8],
}

/// Iterates over back-to-back attributes (the children of a container).
pub struct AttrIter<'a> {
    buf: &'a [u8],
    pos: usize,
    failed: bool,
}

/// Walks the attributes packed in `buf`.
pub fn attrs(buf: &[u8]) -> AttrIter<'_> {
    AttrIter {
        buf,
        pos: 0,
        failed: false,
    }
}

impl<'a> Iterator for AttrIter<'a> {
    type Item = Result<RawAttr<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.buf.len() {
            return None;
        }
        let start = self.pos;
        let rest = &self.buf[start..];
        let Some(hdr) = rest.get(..HEADER_LEN) else {
            self.failed = true;
            return Some(Err(DecodeError::at("truncated attribute header", start)));
        };
        let word = u32::from_be_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]);
        let raw_len = (word & LEN_MASK) as usize;
        if raw_len < HEADER_LEN || raw_len > rest.len() {
            self.failed = true;
            return Some(Err(DecodeError::at(
                "attribute length out of bounds",
                start,
            )));
        }
        // The last child's padding is counted by its container, but tolerate
        // a sender that left it off.
        self.pos = start + pad_len(raw_len).min(rest.len());
        Some(Ok(RawAttr {
            id: ((word & ID_MASK) >> ID_SHIFT) as u8,
            extended: word & EXTENDED != 0,
            payload: &rest[HEADER_LEN..raw_len],
        }))
    }
}

/// Starts an attribute at the end of `out`; finish it with [`end_attr`].
/// Returns the offset of its header.
pub fn start_attr(out: &mut Vec<u8>, id: u8, extended: bool) -> usize {
    let start = out.len();
    let word = (u32::from(id & 0x7f) << ID_SHIFT) | if extended { EXTENDED } else { 0 };
    out.extend_from_slice(&word.to_be_bytes());
    start
}

/// Writes the raw length of the attribute started at `start` (everything
/// appended since) and pads `out` to the alignment.
pub fn end_attr(out: &mut Vec<u8>, start: usize) {
    let raw_len = (out.len() - start) as u32 & LEN_MASK;
    let mut word = [0u8; 4];
    word.copy_from_slice(&out[start..start + 4]);
    let word = (u32::from_be_bytes(word) & !LEN_MASK) | raw_len;
    out[start..start + 4].copy_from_slice(&word.to_be_bytes());
    out.resize(pad_len(out.len()), 0);
}

/// Appends a plain (non-extended) attribute with the given payload.
pub fn put_attr(out: &mut Vec<u8>, id: u8, payload: &[u8]) {
    let start = start_attr(out, id, false);
    out.extend_from_slice(payload);
    end_attr(out, start);
}

/// A blobmsg value. Tables keep their members in wire order (names may
/// repeat on the wire; lookups return the first match).
#[derive(Debug, Clone, PartialEq)]
pub enum BlobValue {
    /// UNSPEC, JSON `null`.
    Unspec,
    Array(Vec<BlobValue>),
    Table(Vec<(String, BlobValue)>),
    String(String),
    Int64(i64),
    Int32(i32),
    Int16(i16),
    /// INT8 on the wire. libubox reads it as a bool (`!!u8`), and so do we:
    /// any non-zero byte decodes to `true`.
    Bool(bool),
    Double(f64),
}

impl BlobValue {
    /// An empty table (the DATA of an argument-less call).
    pub fn empty_table() -> Self {
        BlobValue::Table(Vec::new())
    }

    /// A table from `(name, value)` pairs, in order.
    pub fn table<K: Into<String>>(members: impl IntoIterator<Item = (K, BlobValue)>) -> Self {
        BlobValue::Table(members.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// An integer with blobmsg_json's width rule: INT32 when it fits, else
    /// INT64 (what C services expect, §4.4).
    pub fn int(v: i64) -> Self {
        match i32::try_from(v) {
            Ok(small) => BlobValue::Int32(small),
            Err(_) => BlobValue::Int64(v),
        }
    }

    /// The blobmsg type id of this value.
    pub fn type_id(&self) -> u8 {
        use blobmsg_type as t;
        match self {
            BlobValue::Unspec => t::UNSPEC,
            BlobValue::Array(_) => t::ARRAY,
            BlobValue::Table(_) => t::TABLE,
            BlobValue::String(_) => t::STRING,
            BlobValue::Int64(_) => t::INT64,
            BlobValue::Int32(_) => t::INT32,
            BlobValue::Int16(_) => t::INT16,
            BlobValue::Bool(_) => t::INT8,
            BlobValue::Double(_) => t::DOUBLE,
        }
    }

    /// First member named `key` of a table; `None` for other values.
    pub fn get(&self, key: &str) -> Option<&BlobValue> {
        match self {
            BlobValue::Table(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            BlobValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// Any integer width, widened.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            BlobValue::Int64(v) => Some(v),
            BlobValue::Int32(v) => Some(v.into()),
            BlobValue::Int16(v) => Some(v.into()),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            BlobValue::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            BlobValue::Double(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[BlobValue]> {
        match self {
            BlobValue::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_table(&self) -> Option<&[(String, BlobValue)]> {
        match self {
            BlobValue::Table(members) => Some(members),
            _ => None,
        }
    }
}

impl From<&str> for BlobValue {
    fn from(s: &str) -> Self {
        BlobValue::String(s.to_owned())
    }
}

impl From<String> for BlobValue {
    fn from(s: String) -> Self {
        BlobValue::String(s)
    }
}

impl From<bool> for BlobValue {
    fn from(b: bool) -> Self {
        BlobValue::Bool(b)
    }
}

impl From<i32> for BlobValue {
    fn from(v: i32) -> Self {
        BlobValue::Int32(v)
    }
}

impl From<u32> for BlobValue {
    /// ubus ids and counters are `u32`; like blobmsg_json they go out as
    /// INT32 when they fit, else INT64.
    fn from(v: u32) -> Self {
        BlobValue::int(i64::from(v))
    }
}

impl From<i64> for BlobValue {
    fn from(v: i64) -> Self {
        BlobValue::Int64(v)
    }
}

impl From<f64> for BlobValue {
    fn from(v: f64) -> Self {
        BlobValue::Double(v)
    }
}

/// Bytes of a C string as libubox stores it: text up to the first NUL
/// (C callers use `strlen`, so an embedded NUL ends the string).
fn c_str_bytes(s: &str) -> &[u8] {
    let b = s.as_bytes();
    match b.iter().position(|&c| c == 0) {
        Some(n) => &b[..n],
        None => b,
    }
}

/// Appends one blobmsg attribute `name = value` (`name` empty for array
/// elements). Names longer than 65535 bytes are cut to fit the `u16`.
pub fn put_blobmsg(out: &mut Vec<u8>, name: &str, value: &BlobValue) {
    let start = start_attr(out, value.type_id(), true);
    let name = c_str_bytes(name);
    let name = &name[..name.len().min(usize::from(u16::MAX))];
    out.extend_from_slice(&(name.len() as u16).to_be_bytes());
    out.extend_from_slice(name);
    out.push(0);
    out.resize(pad_len(out.len()), 0);
    match value {
        BlobValue::Unspec => {}
        BlobValue::Array(items) => {
            for item in items {
                put_blobmsg(out, "", item);
            }
        }
        BlobValue::Table(members) => put_table_members(out, members),
        BlobValue::String(s) => {
            out.extend_from_slice(c_str_bytes(s));
            out.push(0);
        }
        BlobValue::Int64(v) => out.extend_from_slice(&v.to_be_bytes()),
        BlobValue::Int32(v) => out.extend_from_slice(&v.to_be_bytes()),
        BlobValue::Int16(v) => out.extend_from_slice(&v.to_be_bytes()),
        BlobValue::Bool(b) => out.push(u8::from(*b)),
        BlobValue::Double(v) => out.extend_from_slice(&v.to_bits().to_be_bytes()),
    }
    end_attr(out, start);
}

/// Appends the members of a table back-to-back (what a ubus DATA attribute
/// or a `blob_buf` filled with `blobmsg_add_*` holds).
pub fn put_table_members(out: &mut Vec<u8>, members: &[(String, BlobValue)]) {
    for (name, value) in members {
        put_blobmsg(out, name, value);
    }
}

/// Encodes the members of a table (or, for any other value, the single
/// unnamed attribute) the way libubus sends a DATA payload.
pub fn encode_members(value: &BlobValue) -> Vec<u8> {
    let mut out = Vec::new();
    match value {
        BlobValue::Table(members) => put_table_members(&mut out, members),
        other => put_blobmsg(&mut out, "", other),
    }
    out
}

/// Decodes one blobmsg attribute into `(name, value)`.
pub fn decode_blobmsg(attr: &RawAttr<'_>) -> Result<(String, BlobValue), DecodeError> {
    decode_blobmsg_at(attr, 0)
}

fn decode_blobmsg_at(attr: &RawAttr<'_>, depth: usize) -> Result<(String, BlobValue), DecodeError> {
    if !attr.extended {
        return Err(DecodeError::at(
            "blobmsg attribute without EXTENDED flag",
            0,
        ));
    }
    let p = attr.payload;
    let Some(len_bytes) = p.get(..2) else {
        return Err(DecodeError::at("truncated blobmsg name header", 0));
    };
    let name_len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
    let hdr_len = pad_len(2 + name_len + 1);
    if p.len() < hdr_len {
        return Err(DecodeError::at("blobmsg name longer than attribute", 0));
    }
    if p[2 + name_len] != 0 {
        return Err(DecodeError::at(
            "blobmsg name not NUL-terminated",
            2 + name_len,
        ));
    }
    let name = String::from_utf8_lossy(&p[2..2 + name_len]).into_owned();
    let data = &p[hdr_len..];
    let value = decode_value(attr.id, data, depth).map_err(|e| DecodeError {
        what: e.what,
        offset: e.offset + HEADER_LEN + hdr_len,
    })?;
    Ok((name, value))
}

fn fixed<const N: usize>(data: &[u8]) -> Result<[u8; N], DecodeError> {
    <[u8; N]>::try_from(data).map_err(|_| DecodeError::at("integer/double of wrong length", 0))
}

fn decode_value(type_id: u8, data: &[u8], depth: usize) -> Result<BlobValue, DecodeError> {
    use blobmsg_type as t;
    Ok(match type_id {
        t::UNSPEC => BlobValue::Unspec,
        t::ARRAY | t::TABLE => {
            if depth >= MAX_DEPTH {
                return Err(DecodeError::at("nesting too deep", 0));
            }
            let members = decode_members_at(data, depth + 1)?;
            if type_id == t::ARRAY {
                BlobValue::Array(members.into_iter().map(|(_, v)| v).collect())
            } else {
                BlobValue::Table(members)
            }
        }
        t::STRING => match data.split_last() {
            Some((0, text)) => {
                // C readers stop at the first NUL.
                let text = match text.iter().position(|&c| c == 0) {
                    Some(n) => &text[..n],
                    None => text,
                };
                BlobValue::String(String::from_utf8_lossy(text).into_owned())
            }
            _ => return Err(DecodeError::at("string not NUL-terminated", 0)),
        },
        t::INT64 => BlobValue::Int64(i64::from_be_bytes(fixed(data)?)),
        t::INT32 => BlobValue::Int32(i32::from_be_bytes(fixed(data)?)),
        t::INT16 => BlobValue::Int16(i16::from_be_bytes(fixed(data)?)),
        t::INT8 => BlobValue::Bool(fixed::<1>(data)?[0] != 0),
        t::DOUBLE => BlobValue::Double(f64::from_bits(u64::from_be_bytes(fixed(data)?))),
        _ => return Err(DecodeError::at("unknown blobmsg type", 0)),
    })
}

/// Decodes back-to-back blobmsg attributes (a table's members, a DATA
/// payload) into `(name, value)` pairs.
pub fn decode_members(buf: &[u8]) -> Result<Vec<(String, BlobValue)>, DecodeError> {
    decode_members_at(buf, 0)
}

fn decode_members_at(buf: &[u8], depth: usize) -> Result<Vec<(String, BlobValue)>, DecodeError> {
    let mut out = Vec::new();
    let mut offset = 0usize;
    for attr in attrs(buf) {
        let attr = attr.map_err(|e| DecodeError {
            what: e.what,
            offset: e.offset,
        })?;
        let member = decode_blobmsg_at(&attr, depth).map_err(|e| DecodeError {
            what: e.what,
            offset: e.offset + offset,
        })?;
        offset += pad_len(HEADER_LEN + attr.payload.len());
        out.push(member);
    }
    Ok(out)
}

/// Decodes a DATA payload into a [`BlobValue::Table`].
pub fn decode_table(buf: &[u8]) -> Result<BlobValue, DecodeError> {
    decode_members(buf).map(BlobValue::Table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    #[test]
    fn string_member_matches_reference_bytes() {
        // §4.6: `"interface": "wan"` inside the INVOKE DATA.
        let v = BlobValue::table([("interface", BlobValue::from("wan"))]);
        assert_eq!(
            encode_members(&v),
            hex("83 00 00 14 00 09 69 6e 74 65 72 66 61 63 65 00 77 61 6e 00")
        );
    }

    #[test]
    fn bool_member_matches_reference_bytes() {
        // §4.6: `"up": true`; raw length 13, padded to 16.
        let bytes = hex("87 00 00 0d 00 02 75 70 00 00 00 00 01 00 00 00");
        let v = BlobValue::table([("up", BlobValue::Bool(true))]);
        assert_eq!(encode_members(&v), bytes);
        assert_eq!(decode_table(&bytes).unwrap(), v);
    }

    #[test]
    fn nested_values_round_trip() {
        let v = BlobValue::table([
            (
                "a",
                BlobValue::Array(vec![1.into(), "x".into(), BlobValue::Unspec]),
            ),
            ("", BlobValue::table([("d", BlobValue::Double(-1.5))])),
            ("big", BlobValue::Int64(i64::MIN)),
            ("s16", BlobValue::Int16(-2)),
            ("ü", "ß€".into()),
        ]);
        assert_eq!(decode_table(&encode_members(&v)).unwrap(), v);
    }

    #[test]
    fn malformed_input_is_an_error() {
        // Length past the end.
        assert!(decode_members(&hex("83 00 00 30 00 00 00 00")).is_err());
        // Length below the header size.
        assert!(decode_members(&hex("83 00 00 02")).is_err());
        // Truncated header.
        assert!(decode_members(&hex("83 00")).is_err());
        // Not extended.
        assert!(decode_members(&hex("03 00 00 08 00 00 00 00")).is_err());
        // String without NUL.
        assert!(decode_members(&hex("83 00 00 09 00 00 00 00 41")).is_err());
        // INT32 with 2 bytes.
        assert!(decode_members(&hex("85 00 00 0a 00 00 00 00 00 01")).is_err());
        // Unknown type 9.
        assert!(decode_members(&hex("89 00 00 08 00 00 00 00")).is_err());
        // Name length beyond the attribute.
        assert!(decode_members(&hex("83 00 00 08 00 20 00 00")).is_err());
    }

    #[test]
    fn truncated_and_corrupted_input_never_panics() {
        let v = BlobValue::table([
            (
                "a",
                BlobValue::Array(vec![1.into(), "xy".into(), BlobValue::Unspec]),
            ),
            (
                "t",
                BlobValue::table([("d", BlobValue::Double(2.0)), ("b", true.into())]),
            ),
            ("i", BlobValue::Int64(-7)),
        ]);
        let bytes = encode_members(&v);
        for cut in 0..bytes.len() {
            let _ = decode_members(&bytes[..cut]);
        }
        for i in 0..bytes.len() {
            for x in [0x00, 0x01, 0x7f, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[i] = x;
                let _ = decode_members(&b);
            }
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowing() {
        let mut v = BlobValue::Unspec;
        for _ in 0..(MAX_DEPTH + 5) {
            v = BlobValue::Array(vec![v]);
        }
        let bytes = encode_members(&BlobValue::table([("x", v)]));
        let err = decode_members(&bytes).unwrap_err();
        assert_eq!(err.what, "nesting too deep");
    }
}
