//! ubus messages: the 8-byte header and the container of top-level
//! attributes (openwrt-reference.md §4.2, §4.3). Pure: no I/O here.

use super::blob::{self, BlobValue, DecodeError, RawAttr, HEADER_LEN};

/// `UBUS_MAX_MSGLEN`: the largest padded container either side accepts.
pub const MAX_MSG_LEN: usize = 1 << 20;
/// Header (8) + container header (4): what a reader fetches first.
pub const FRAME_PREFIX_LEN: usize = 12;

/// Message types (`enum ubus_msg_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum MsgType {
    Hello = 0,
    Status = 1,
    Data = 2,
    Ping = 3,
    Lookup = 4,
    Invoke = 5,
    AddObject = 6,
    RemoveObject = 7,
    Subscribe = 8,
    Unsubscribe = 9,
    Notify = 10,
    Monitor = 11,
}

impl MsgType {
    pub fn from_u8(v: u8) -> Option<Self> {
        use MsgType::*;
        Some(match v {
            0 => Hello,
            1 => Status,
            2 => Data,
            3 => Ping,
            4 => Lookup,
            5 => Invoke,
            6 => AddObject,
            7 => RemoveObject,
            8 => Subscribe,
            9 => Unsubscribe,
            10 => Notify,
            11 => Monitor,
            _ => return None,
        })
    }
}

/// Top-level attribute ids (`enum ubus_msg_attr`).
pub mod attr_id {
    pub const STATUS: u8 = 1;
    pub const OBJPATH: u8 = 2;
    pub const OBJID: u8 = 3;
    pub const METHOD: u8 = 4;
    pub const OBJTYPE: u8 = 5;
    pub const SIGNATURE: u8 = 6;
    pub const DATA: u8 = 7;
    pub const TARGET: u8 = 8;
    pub const ACTIVE: u8 = 9;
    pub const NO_REPLY: u8 = 10;
    pub const SUBSCRIBERS: u8 = 11;
    pub const USER: u8 = 12;
    pub const GROUP: u8 = 13;
}

/// The attributes a message may carry; absent ones are `None`.
/// SIGNATURE and DATA hold blobmsg tables ([`BlobValue::Table`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attrs {
    pub status: Option<u32>,
    pub objpath: Option<String>,
    pub objid: Option<u32>,
    pub method: Option<String>,
    pub objtype: Option<u32>,
    pub signature: Option<BlobValue>,
    pub data: Option<BlobValue>,
    pub target: Option<u32>,
    pub active: Option<bool>,
    pub no_reply: Option<bool>,
    pub subscribers: Option<Vec<u32>>,
    pub user: Option<String>,
    pub group: Option<String>,
}

/// One ubus message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Raw type byte; [`Message::kind`] maps it. Unknown types are kept so a
    /// reader can skip them instead of failing the connection.
    pub msg_type: u8,
    pub seq: u16,
    pub peer: u32,
    pub attrs: Attrs,
}

/// Why a frame was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    BadVersion(u8),
    /// Container length below its header or above [`MAX_MSG_LEN`].
    BadLength(usize),
    Malformed(DecodeError),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::BadVersion(v) => write!(f, "ubus message version {v} (expected 0)"),
            FrameError::BadLength(n) => write!(f, "ubus message length {n} out of range"),
            FrameError::Malformed(e) => write!(f, "ubus message: {e}"),
        }
    }
}

impl std::error::Error for FrameError {}

impl From<DecodeError> for FrameError {
    fn from(e: DecodeError) -> Self {
        FrameError::Malformed(e)
    }
}

/// Checks the first 12 bytes of a frame and returns how many more bytes
/// belong to it (the container payload, padded).
pub fn frame_body_len(prefix: &[u8; FRAME_PREFIX_LEN]) -> Result<usize, FrameError> {
    if prefix[0] != 0 {
        return Err(FrameError::BadVersion(prefix[0]));
    }
    let word = u32::from_be_bytes([prefix[8], prefix[9], prefix[10], prefix[11]]);
    let raw = (word & 0x00ff_ffff) as usize;
    let padded = blob::pad_len(raw);
    if raw < HEADER_LEN || padded > MAX_MSG_LEN {
        return Err(FrameError::BadLength(raw));
    }
    Ok(padded - HEADER_LEN)
}

fn u32_of(a: &RawAttr<'_>) -> Result<u32, DecodeError> {
    <[u8; 4]>::try_from(a.payload)
        .map(u32::from_be_bytes)
        .map_err(|_| DecodeError {
            what: "u32 attribute of wrong length",
            offset: 0,
        })
}

fn u8_of(a: &RawAttr<'_>) -> Result<bool, DecodeError> {
    match a.payload {
        [b] => Ok(*b != 0),
        _ => Err(DecodeError {
            what: "u8 attribute of wrong length",
            offset: 0,
        }),
    }
}

fn string_of(a: &RawAttr<'_>) -> Result<String, DecodeError> {
    match a.payload.split_last() {
        Some((0, text)) => Ok(String::from_utf8_lossy(text).into_owned()),
        _ => Err(DecodeError {
            what: "string attribute not NUL-terminated",
            offset: 0,
        }),
    }
}

impl Message {
    pub fn new(kind: MsgType, seq: u16, peer: u32, attrs: Attrs) -> Self {
        Message {
            msg_type: kind as u8,
            seq,
            peer,
            attrs,
        }
    }

    pub fn kind(&self) -> Option<MsgType> {
        MsgType::from_u8(self.msg_type)
    }

    /// Decodes a whole frame (header + container). Unknown attribute ids are
    /// skipped (newer ubusd versions may add some); known ones with the wrong
    /// shape are an error.
    pub fn decode(frame: &[u8]) -> Result<Message, FrameError> {
        let Some(prefix) = frame.get(..FRAME_PREFIX_LEN) else {
            return Err(FrameError::BadLength(frame.len()));
        };
        let mut p = [0u8; FRAME_PREFIX_LEN];
        p.copy_from_slice(prefix);
        let body_len = frame_body_len(&p)?;
        let raw = (u32::from_be_bytes([p[8], p[9], p[10], p[11]]) & 0x00ff_ffff) as usize;
        let Some(body) = frame.get(FRAME_PREFIX_LEN..FRAME_PREFIX_LEN + body_len) else {
            return Err(FrameError::BadLength(frame.len()));
        };
        let body = &body[..raw - HEADER_LEN];
        let mut attrs = Attrs::default();
        for a in blob::attrs(body) {
            let a = a?;
            use attr_id as id;
            match a.id {
                id::STATUS => attrs.status = Some(u32_of(&a)?),
                id::OBJPATH => attrs.objpath = Some(string_of(&a)?),
                id::OBJID => attrs.objid = Some(u32_of(&a)?),
                id::METHOD => attrs.method = Some(string_of(&a)?),
                id::OBJTYPE => attrs.objtype = Some(u32_of(&a)?),
                id::SIGNATURE => attrs.signature = Some(blob::decode_table(a.payload)?),
                id::DATA => attrs.data = Some(blob::decode_table(a.payload)?),
                id::TARGET => attrs.target = Some(u32_of(&a)?),
                id::ACTIVE => attrs.active = Some(u8_of(&a)?),
                id::NO_REPLY => attrs.no_reply = Some(u8_of(&a)?),
                id::SUBSCRIBERS => {
                    let mut ids = Vec::new();
                    for s in blob::attrs(a.payload) {
                        ids.push(u32_of(&s?)?);
                    }
                    attrs.subscribers = Some(ids);
                }
                id::USER => attrs.user = Some(string_of(&a)?),
                id::GROUP => attrs.group = Some(string_of(&a)?),
                _ => {}
            }
        }
        Ok(Message {
            msg_type: p[1],
            seq: u16::from_be_bytes([p[2], p[3]]),
            peer: u32::from_be_bytes([p[4], p[5], p[6], p[7]]),
            attrs,
        })
    }

    /// Encodes the frame; attributes go out in id order, which is also the
    /// order libubus and ubusd write them in for every message they send.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        out.push(0);
        out.push(self.msg_type);
        out.extend_from_slice(&self.seq.to_be_bytes());
        out.extend_from_slice(&self.peer.to_be_bytes());
        let container = blob::start_attr(&mut out, 0, false);
        let a = &self.attrs;
        use attr_id as id;
        let put_str = |out: &mut Vec<u8>, i: u8, s: &str| {
            let mut payload = s.as_bytes().to_vec();
            payload.push(0);
            blob::put_attr(out, i, &payload);
        };
        if let Some(v) = a.status {
            blob::put_attr(&mut out, id::STATUS, &v.to_be_bytes());
        }
        if let Some(s) = &a.objpath {
            put_str(&mut out, id::OBJPATH, s);
        }
        if let Some(v) = a.objid {
            blob::put_attr(&mut out, id::OBJID, &v.to_be_bytes());
        }
        if let Some(s) = &a.method {
            put_str(&mut out, id::METHOD, s);
        }
        if let Some(v) = a.objtype {
            blob::put_attr(&mut out, id::OBJTYPE, &v.to_be_bytes());
        }
        if let Some(sig) = &a.signature {
            blob::put_attr(&mut out, id::SIGNATURE, &blob::encode_members(sig));
        }
        if let Some(data) = &a.data {
            blob::put_attr(&mut out, id::DATA, &blob::encode_members(data));
        }
        if let Some(v) = a.target {
            blob::put_attr(&mut out, id::TARGET, &v.to_be_bytes());
        }
        if let Some(v) = a.active {
            blob::put_attr(&mut out, id::ACTIVE, &[u8::from(v)]);
        }
        if let Some(v) = a.no_reply {
            blob::put_attr(&mut out, id::NO_REPLY, &[u8::from(v)]);
        }
        if let Some(ids) = &a.subscribers {
            let start = blob::start_attr(&mut out, id::SUBSCRIBERS, false);
            for s in ids {
                blob::put_attr(&mut out, 0, &s.to_be_bytes());
            }
            blob::end_attr(&mut out, start);
        }
        if let Some(s) = &a.user {
            put_str(&mut out, id::USER, s);
        }
        if let Some(s) = &a.group {
            put_str(&mut out, id::GROUP, s);
        }
        blob::end_attr(&mut out, container);
        out
    }
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
    fn hello_matches_reference() {
        let bytes = hex("00 00 00 00 1a 2b 3c 4d 00 00 00 04");
        let m = Message::decode(&bytes).unwrap();
        assert_eq!(m.kind(), Some(MsgType::Hello));
        assert_eq!(m.peer, 0x1a2b_3c4d);
        assert_eq!(m.encode(), bytes);
    }

    #[test]
    fn lookup_matches_reference() {
        let bytes = hex(
            "00 04 00 01 00 00 00 00 00 00 00 1c 02 00 00 16 6e 65 74 77 6f 72 6b 2e 69 6e 74 65 \
             72 66 61 63 65 00 00 00",
        );
        assert_eq!(bytes.len(), 36);
        let m = Message::new(
            MsgType::Lookup,
            1,
            0,
            Attrs {
                objpath: Some("network.interface".into()),
                ..Attrs::default()
            },
        );
        assert_eq!(m.encode(), bytes);
        assert_eq!(Message::decode(&bytes).unwrap(), m);
    }

    #[test]
    fn invoke_matches_reference() {
        let bytes = hex(
            "00 05 00 02 5e 6f 7a 8b 00 00 00 30 03 00 00 08 5e 6f 7a 8b 04 00 00 0b 73 74 61 74 \
             75 73 00 00 07 00 00 18 83 00 00 14 00 09 69 6e 74 65 72 66 61 63 65 00 77 61 6e 00",
        );
        assert_eq!(bytes.len(), 56);
        let m = Message::new(
            MsgType::Invoke,
            2,
            0x5e6f_7a8b,
            Attrs {
                objid: Some(0x5e6f_7a8b),
                method: Some("status".into()),
                data: Some(BlobValue::table([("interface", "wan".into())])),
                ..Attrs::default()
            },
        );
        assert_eq!(m.encode(), bytes);
        assert_eq!(Message::decode(&bytes).unwrap(), m);
    }

    #[test]
    fn status_matches_reference() {
        let bytes = hex(
            "00 01 00 02 5e 6f 7a 8b 00 00 00 14 01 00 00 08 00 00 00 00 03 00 00 08 5e 6f 7a 8b",
        );
        let m = Message::new(
            MsgType::Status,
            2,
            0x5e6f_7a8b,
            Attrs {
                status: Some(0),
                objid: Some(0x5e6f_7a8b),
                ..Attrs::default()
            },
        );
        assert_eq!(m.encode(), bytes);
        assert_eq!(Message::decode(&bytes).unwrap(), m);
    }

    #[test]
    fn frame_limits_are_enforced() {
        let mut p = [0u8; FRAME_PREFIX_LEN];
        p[8..12].copy_from_slice(&(MAX_MSG_LEN as u32 + 4).to_be_bytes());
        assert!(matches!(frame_body_len(&p), Err(FrameError::BadLength(_))));
        p[8..12].copy_from_slice(&2u32.to_be_bytes());
        assert!(matches!(frame_body_len(&p), Err(FrameError::BadLength(_))));
        p[8..12].copy_from_slice(&(MAX_MSG_LEN as u32).to_be_bytes());
        assert_eq!(frame_body_len(&p), Ok(MAX_MSG_LEN - 4));
        p[0] = 1;
        assert_eq!(frame_body_len(&p), Err(FrameError::BadVersion(1)));
    }

    #[test]
    fn wrong_attribute_shapes_are_errors() {
        // OBJID with 2 bytes.
        let bad = hex("00 05 00 02 00 00 00 01 00 00 00 0c 03 00 00 06 00 01 00 00");
        assert!(Message::decode(&bad).is_err());
        // Container shorter than the frame says.
        let short = hex("00 05 00 02 00 00 00 01 00 00 00 0c 03 00 00 08");
        assert!(Message::decode(&short).is_err());
    }
}
