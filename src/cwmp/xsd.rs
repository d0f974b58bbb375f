//! XML Schema / TR-106 value types used on the wire (TR-069 §A.2.1 and
//! TR-106 §3.2: boolean, int, unsignedInt, long, unsignedLong, dateTime,
//! base64, hexBinary, string, decimal) and their parse/format helpers.

use std::fmt;

/// The XML Schema namespace that `xsi:type` values point into.
pub const XSD_NS: &str = "http://www.w3.org/2001/XMLSchema";

/// The `xsi:type` of a parameter Value. Open: an unknown QName an ACS sends
/// is kept (as `Other`, with its local name / `prefix:local` text) instead of
/// failing the whole request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ValueType {
    String,
    Int,
    UnsignedInt,
    Long,
    UnsignedLong,
    Boolean,
    DateTime,
    Base64,
    HexBinary,
    Decimal,
    /// A type outside the XML Schema namespace or not listed above; the text
    /// is the attribute value as received.
    Other(String),
}

impl ValueType {
    /// The local name in the XML Schema namespace (`"unsignedInt"` ...), or
    /// the stored text for `Other`.
    pub fn xsd_name(&self) -> &str {
        match self {
            ValueType::String => "string",
            ValueType::Int => "int",
            ValueType::UnsignedInt => "unsignedInt",
            ValueType::Long => "long",
            ValueType::UnsignedLong => "unsignedLong",
            ValueType::Boolean => "boolean",
            ValueType::DateTime => "dateTime",
            ValueType::Base64 => "base64",
            ValueType::HexBinary => "hexBinary",
            ValueType::Decimal => "decimal",
            ValueType::Other(s) => s,
        }
    }

    /// The type for a local name in the XML Schema namespace.
    /// `base64Binary` (the XSD name) and `base64` (the TR-106 / SOAP-ENC
    /// name) both map to `Base64`.
    pub fn from_xsd_name(local: &str) -> Option<ValueType> {
        Some(match local {
            "string" => ValueType::String,
            "int" => ValueType::Int,
            "unsignedInt" => ValueType::UnsignedInt,
            "long" => ValueType::Long,
            "unsignedLong" => ValueType::UnsignedLong,
            "boolean" => ValueType::Boolean,
            "dateTime" => ValueType::DateTime,
            "base64" | "base64Binary" => ValueType::Base64,
            "hexBinary" => ValueType::HexBinary,
            "decimal" => ValueType::Decimal,
            _ => return None,
        })
    }
}

/// Parse an `xsd:boolean` ("true", "false", "1", "0"; surrounding whitespace
/// is collapsed per XSD whiteSpace=collapse).
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// Canonical `xsd:boolean` text. We send "true"/"false" (TR-069 §A.2.1
/// allows both forms; the words are what the BBF samples use).
pub fn format_bool(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// Parse an `xsd:unsignedInt` (no sign other than an optional '+').
pub fn parse_u32(s: &str) -> Option<u32> {
    let t = s.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// Parse an `xsd:int`.
pub fn parse_i32(s: &str) -> Option<i32> {
    let t = s.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = t.strip_prefix('+').unwrap_or(t);
    t.parse().ok()
}

/// An `xsd:dateTime` as TR-069 uses it (TR-106 §3.2.2): calendar fields,
/// optional fractional seconds and an optional UTC offset. The "unknown
/// time" of TR-069 is `0001-01-01T00:00:00Z` ([`DateTime::UNKNOWN`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    /// Fraction of a second, in nanoseconds (0 = none written).
    pub nanosecond: u32,
    /// Offset from UTC in minutes; `None` when the text had no zone
    /// (local time, TR-106 allows this for times not tied to UTC).
    pub offset_minutes: Option<i16>,
}

impl DateTime {
    /// TR-106 §3.2.2: the Unknown Time.
    pub const UNKNOWN: DateTime = DateTime {
        year: 1,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        nanosecond: 0,
        offset_minutes: Some(0),
    };

    /// A UTC time from seconds since the Unix epoch (caller passes `now`;
    /// the codec never reads the clock). Years beyond 9999 clamp to 9999.
    pub fn from_unix(secs: i64) -> DateTime {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        DateTime {
            year: y.clamp(1, 9999) as u16,
            month: m,
            day: d,
            hour: (rem / 3600) as u8,
            minute: (rem % 3600 / 60) as u8,
            second: (rem % 60) as u8,
            nanosecond: 0,
            offset_minutes: Some(0),
        }
    }

    /// Seconds since the Unix epoch (a missing zone is read as UTC).
    pub fn to_unix(&self) -> i64 {
        let days = days_from_civil(i64::from(self.year), self.month, self.day);
        let offset = i64::from(self.offset_minutes.unwrap_or(0)) * 60;
        days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - offset
    }

    /// Parse `YYYY-MM-DDThh:mm:ss[.f+][Z|(+|-)hh:mm]`. Only four-digit,
    /// positive years (what TR-069 peers send). Extra fraction digits beyond
    /// nanoseconds are dropped.
    pub fn parse(text: &str) -> Option<DateTime> {
        let s = text.trim().as_bytes();
        let num = |from: usize, len: usize| -> Option<u32> {
            let part = s.get(from..from + len)?;
            if !part.iter().all(u8::is_ascii_digit) {
                return None;
            }
            Some(
                part.iter()
                    .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0')),
            )
        };
        let sep = |at: usize, c: u8| s.get(at) == Some(&c);
        if !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T') && sep(13, b':') && sep(16, b':')) {
            return None;
        }
        let year = num(0, 4)?;
        let month = num(5, 2)?;
        let day = num(8, 2)?;
        let hour = num(11, 2)?;
        let minute = num(14, 2)?;
        let second = num(17, 2)?;
        let mut pos = 19;
        let mut nanosecond = 0u32;
        if sep(pos, b'.') {
            pos += 1;
            let start = pos;
            let mut scale = 100_000_000u32;
            while let Some(b) = s.get(pos).filter(|b| b.is_ascii_digit()) {
                nanosecond += u32::from(b - b'0') * scale;
                scale /= 10;
                pos += 1;
            }
            if pos == start {
                return None;
            }
        }
        let offset_minutes = match s.get(pos) {
            None => None,
            Some(b'Z') if pos + 1 == s.len() => Some(0),
            Some(&sign @ (b'+' | b'-')) if pos + 6 == s.len() && sep(pos + 3, b':') => {
                let oh = num(pos + 1, 2)?;
                let om = num(pos + 4, 2)?;
                if oh > 14 || om > 59 {
                    return None;
                }
                let total = (oh * 60 + om) as i16;
                Some(if sign == b'-' { -total } else { total })
            }
            _ => return None,
        };
        let valid = year >= 1
            && (1..=12).contains(&month)
            && day >= 1
            && day <= u32::from(days_in_month(year as u16, month as u8))
            && (hour < 24 || (hour == 24 && minute == 0 && second == 0 && nanosecond == 0))
            && minute < 60
            && second < 60;
        if !valid {
            return None;
        }
        Some(DateTime {
            year: year as u16,
            month: month as u8,
            day: day as u8,
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
            nanosecond,
            offset_minutes,
        })
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )?;
        if self.nanosecond != 0 {
            let frac = format!("{:09}", self.nanosecond);
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        match self.offset_minutes {
            None => Ok(()),
            Some(0) => f.write_str("Z"),
            Some(m) => {
                let sign = if m < 0 { '-' } else { '+' };
                let a = m.unsigned_abs();
                write!(f, "{}{:02}:{:02}", sign, a / 60, a % 60)
            }
        }
    }
}

fn is_leap(year: u16) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// well-known civil-calendar arithmetic).
fn days_from_civil(y: i64, m: u8, d: u8) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encode bytes as `xsd:base64Binary` (RFC 4648 alphabet, padded, no line
/// breaks).
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decode `xsd:base64Binary`; XML whitespace inside is ignored (ACSes often
/// wrap long vouchers). `None` on any other invalid character or bad padding.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    let mut pad = 0usize;
    let mut count = 0usize;
    for &c in text.as_bytes() {
        let v = match c {
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            b'=' => {
                pad += 1;
                count += 1;
                continue;
            }
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        if pad > 0 {
            return None; // data after padding
        }
        count += 1;
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if count % 4 != 0 || pad > 2 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_round_trip() {
        for s in [
            "0001-01-01T00:00:00Z",
            "2025-01-01T13:00:00+01:00",
            "2024-02-29T23:59:59.125-05:30",
            "2025-06-01T00:00:00",
        ] {
            let d = DateTime::parse(s).unwrap();
            assert_eq!(d.to_string(), s);
        }
        assert_eq!(DateTime::parse("2023-02-29T00:00:00Z"), None);
        assert_eq!(DateTime::parse("2023-01-01 00:00:00Z"), None);
        assert_eq!(DateTime::parse("2023-01-01T00:00:00Zjunk"), None);
    }

    #[test]
    fn unix_conversion() {
        let d = DateTime::from_unix(1_700_000_000);
        assert_eq!(d.to_string(), "2023-11-14T22:13:20Z");
        assert_eq!(d.to_unix(), 1_700_000_000);
        assert_eq!(DateTime::from_unix(0).to_string(), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn base64() {
        for data in [&b""[..], b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"] {
            let e = base64_encode(data);
            assert_eq!(base64_decode(&e).unwrap(), data);
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_decode("Zm9v\r\nYmFy").unwrap(), b"foobar");
        assert_eq!(base64_decode("Zm9=v"), None);
        assert_eq!(base64_decode("Zm9"), None);
        assert_eq!(base64_decode("Zm9*"), None);
    }

    #[test]
    fn numbers_and_bools() {
        assert_eq!(parse_u32(" 42 "), Some(42));
        assert_eq!(parse_u32("-1"), None);
        assert_eq!(parse_u32("4294967296"), None);
        assert_eq!(parse_i32("-7"), Some(-7));
        assert_eq!(parse_i32("+7"), Some(7));
        assert_eq!(parse_i32("--7"), None);
        assert_eq!(parse_bool("1"), Some(true));
        assert_eq!(parse_bool("False"), None);
    }
}
