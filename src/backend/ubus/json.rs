//! JSON text ↔ [`BlobValue`], with the rules of libubox `blobmsg_json.c`
//! (openwrt-reference.md §4.4): objects → TABLE (member order kept), arrays →
//! ARRAY, strings → STRING, integers in `i32` range → INT32 else INT64,
//! booleans → INT8, other numbers → DOUBLE, `null` → UNSPEC.
//!
//! A small hand-written parser instead of serde_json: the agent only needs
//! this for `ubus`-style arguments and status output, and every dependency
//! ends up in a router's flash.

use super::blob::{BlobValue, MAX_DEPTH};
use std::fmt::{self, Write};

/// Why JSON text was refused, with the byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub what: &'static str,
    pub offset: usize,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid JSON: {} at byte {}", self.what, self.offset)
    }
}

impl std::error::Error for JsonError {}

/// Parses one JSON value (surrounding whitespace allowed, nothing else).
pub fn parse(text: &str) -> Result<BlobValue, JsonError> {
    let mut p = Parser {
        s: text.as_bytes(),
        pos: 0,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.pos != p.s.len() {
        return Err(p.err("trailing characters"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, what: &'static str) -> JsonError {
        JsonError {
            what,
            offset: self.pos,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Result<(), JsonError> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err("unexpected character"))
        }
    }

    fn literal(&mut self, word: &[u8], v: BlobValue) -> Result<BlobValue, JsonError> {
        if self.s[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.err("unknown literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<BlobValue, JsonError> {
        match self.peek() {
            None => Err(self.err("unexpected end")),
            Some(b'{') => {
                if depth >= MAX_DEPTH {
                    return Err(self.err("nesting too deep"));
                }
                self.pos += 1;
                let mut members = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(BlobValue::Table(members));
                }
                loop {
                    self.ws();
                    let key = self.string()?;
                    self.ws();
                    self.eat(b':')?;
                    self.ws();
                    let v = self.value(depth + 1)?;
                    // A repeated key replaces the earlier value in place, as
                    // json-c (and so blobmsg_json) does.
                    match members.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, slot)) => *slot = v,
                        None => members.push((key, v)),
                    }
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(BlobValue::Table(members));
                        }
                        _ => return Err(self.err("expected ',' or '}'")),
                    }
                }
            }
            Some(b'[') => {
                if depth >= MAX_DEPTH {
                    return Err(self.err("nesting too deep"));
                }
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(BlobValue::Array(items));
                }
                loop {
                    self.ws();
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(BlobValue::Array(items));
                        }
                        _ => return Err(self.err("expected ',' or ']'")),
                    }
                }
            }
            Some(b'"') => self.string().map(BlobValue::String),
            Some(b't') => self.literal(b"true", BlobValue::Bool(true)),
            Some(b'f') => self.literal(b"false", BlobValue::Bool(false)),
            Some(b'n') => self.literal(b"null", BlobValue::Unspec),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.err("unexpected character")),
        }
    }

    fn number(&mut self) -> Result<BlobValue, JsonError> {
        let start = self.pos;
        let mut integral = true;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = |p: &mut Self| {
            let from = p.pos;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.pos += 1;
            }
            p.pos > from
        };
        if !digits(self) {
            return Err(self.err("expected digits"));
        }
        if self.peek() == Some(b'.') {
            integral = false;
            self.pos += 1;
            if !digits(self) {
                return Err(self.err("expected digits after '.'"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integral = false;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.err("expected exponent digits"));
            }
        }
        // The slice holds only ASCII digits, sign, '.', 'e'.
        let text = std::str::from_utf8(&self.s[start..self.pos]).map_err(|_| self.err("number"))?;
        if integral {
            if let Ok(v) = text.parse::<i64>() {
                return Ok(BlobValue::int(v));
            }
        }
        // Beyond i64 (or fractional/exponent): a double.
        text.parse::<f64>()
            .map(BlobValue::Double)
            .map_err(|_| self.err("bad number"))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let Some(h) = self.s.get(self.pos..self.pos + 4) else {
            return Err(self.err("truncated \\u escape"));
        };
        let h = std::str::from_utf8(h).map_err(|_| self.err("bad \\u escape"))?;
        let v = u32::from_str_radix(h, 16).map_err(|_| self.err("bad \\u escape"))?;
        self.pos += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.eat(b'"')?;
        let mut out = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.err("unterminated string"));
            };
            self.pos += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return Err(self.err("unterminated escape"));
                    };
                    self.pos += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xd800..0xdc00).contains(&hi)
                                && self.s[self.pos..].starts_with(b"\\u")
                            {
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&lo) {
                                    return Err(self.err("bad surrogate pair"));
                                }
                                0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                            } else {
                                hi
                            };
                            char::from_u32(code).ok_or_else(|| self.err("bad \\u code point"))?
                        }
                        _ => return Err(self.err("unknown escape")),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                0..=0x1f => return Err(self.err("control character in string")),
                _ => out.push(c),
            }
        }
        // Input was &str and escapes produce UTF-8, so this cannot fail;
        // map the impossible case to an error rather than panic.
        String::from_utf8(out).map_err(|_| self.err("invalid UTF-8"))
    }
}

/// Renders a value as compact JSON (INT8 as `true`/`false`, UNSPEC as
/// `null`, like `blobmsg_format_json`). Non-finite doubles become `null`.
pub fn to_string(v: &BlobValue) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

fn write_value(out: &mut String, v: &BlobValue) {
    match v {
        BlobValue::Unspec => out.push_str("null"),
        BlobValue::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        BlobValue::Table(members) => {
            out.push('{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
        BlobValue::String(s) => write_string(out, s),
        BlobValue::Int64(n) => {
            let _ = write!(out, "{n}");
        }
        BlobValue::Int32(n) => {
            let _ = write!(out, "{n}");
        }
        BlobValue::Int16(n) => {
            let _ = write!(out, "{n}");
        }
        BlobValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        BlobValue::Double(d) if d.is_finite() => {
            let _ = write!(out, "{d:?}");
        }
        BlobValue::Double(_) => out.push_str("null"),
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_width_follows_blobmsg_json() {
        assert_eq!(parse("2147483647").unwrap(), BlobValue::Int32(i32::MAX));
        assert_eq!(parse("-2147483648").unwrap(), BlobValue::Int32(i32::MIN));
        assert_eq!(parse("2147483648").unwrap(), BlobValue::Int64(1 << 31));
        assert_eq!(
            parse("-2147483649").unwrap(),
            BlobValue::Int64(-(1 << 31) - 1)
        );
        assert_eq!(parse("1.5").unwrap(), BlobValue::Double(1.5));
        assert_eq!(parse("true").unwrap(), BlobValue::Bool(true));
        assert_eq!(parse("null").unwrap(), BlobValue::Unspec);
    }

    #[test]
    fn objects_keep_order_and_escapes_decode() {
        let v = parse(r#" { "b": [1, "x\u00e9\ud83d\ude00"], "a": {} } "#).unwrap();
        assert_eq!(
            v,
            BlobValue::table([
                (
                    "b",
                    BlobValue::Array(vec![BlobValue::Int32(1), "xé😀".into()])
                ),
                ("a", BlobValue::empty_table()),
            ])
        );
        assert_eq!(to_string(&v), r#"{"b":[1,"xé😀"],"a":{}}"#);
        assert_eq!(
            parse(r#"{"k": 1, "x": 0, "k": 2}"#).unwrap(),
            BlobValue::table([("k", 2.into()), ("x", 0.into())])
        );
    }

    #[test]
    fn bad_json_is_an_error() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "tru",
            "\"\\x\"",
            "01x",
            "1 2",
            "-",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
