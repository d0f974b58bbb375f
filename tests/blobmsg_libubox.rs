//! Our blobmsg codec against libubox's own C implementation (vendored in the
//! `libubox-sys` crate, built with cmake and json-c at test build time; if it
//! cannot be built this test binary does not build, so the comparison never
//! silently disappears).
//!
//! - JSON → blobmsg: `blobmsg_add_json_from_string` vs `json::parse` +
//!   `encode_members`, byte for byte, over a corpus.
//! - C bytes → our decoder → the same value.
//! - Our bytes → libubox `blobmsg_format_json_with_cb` → JSON that parses
//!   back to the value we encoded (libubox reads what we write).
//! - Types JSON cannot produce (INT16, INT64 in i32 range, UNSPEC in arrays)
//!   via `blobmsg_add_field`.

use cwmpd::backend::ubus::blob::{self, blobmsg_type, BlobValue};
use cwmpd::backend::ubus::json;
use libubox_sys as ub;
use std::ffi::{CStr, CString};

const CORPUS: &[&str] = &[
    "{}",
    r#"{"interface": "wan"}"#,
    r#"{"up": true, "pending": false}"#,
    r#"{"": 1, "a": "", "bb": "x", "ccc": "yz", "dddd": "1234"}"#,
    r#"{"i32max": 2147483647, "i32min": -2147483648, "over": 2147483648, "under": -2147483649}"#,
    r#"{"i64max": 9223372036854775807, "i64min": -9223372036854775808, "zero": 0, "neg": -1}"#,
    r#"{"d": 1.5, "e": -0.25, "f": 1e10, "g": 3.141592653589793, "h": 0.0}"#,
    r#"{"n": null, "arr": [null, 1, "two", true, 2.5, [], {}]}"#,
    r#"{"utf8": "grüße — 日本語 😀", "schlüssel": "ß", "esc": "a\"b\\c\nd\te\u0001"}"#,
    r#"{"nested": {"a": {"b": {"c": [1, [2, [3, {"d": "deep"}]]]}}}, "after": 7}"#,
    r#"{"ipv4-address": [{"address": "203.0.113.17", "mask": 24}], "ipv6-address": [],
        "route": [{"target": "0.0.0.0", "mask": 0, "nexthop": "203.0.113.1", "source": "203.0.113.17/32"}],
        "data": {"leasetime": 86400}, "uptime": 5127, "l3_device": "eth1"}"#,
    r#"{"long": "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"}"#,
    r#"{"dup": 1, "other": 0, "dup": 2}"#,
];

/// libubox's JSON formatter drops empty member names (it prints `{1}`), so
/// the round trip through its formatter is checked on the other entries;
/// the byte comparison covers empty names.
fn has_empty_name(text: &str) -> bool {
    text.contains("\"\":")
}

/// A libubox `blob_buf`, freed on drop.
struct CBuf(ub::blob_buf);

impl CBuf {
    fn new() -> Self {
        let mut b = CBuf(ub::blob_buf::default());
        let rc = unsafe { ub::blob_buf_init(&mut b.0, 0) };
        assert_eq!(rc, 0, "blob_buf_init failed");
        b
    }

    /// The members libubox wrote: the payload of its container attribute.
    fn members(&self) -> Vec<u8> {
        let head = self.0.head as *const u8;
        let hdr = unsafe { std::slice::from_raw_parts(head, 4) };
        let raw = (u32::from_be_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]) & 0x00ff_ffff) as usize;
        unsafe { std::slice::from_raw_parts(head.add(4), raw - 4) }.to_vec()
    }
}

impl Drop for CBuf {
    fn drop(&mut self) {
        unsafe { ub::blob_buf_free(&mut self.0) };
    }
}

fn c_encode_json(text: &str) -> Vec<u8> {
    let mut b = CBuf::new();
    let s = CString::new(text).unwrap();
    let ok = unsafe { ub::blobmsg_add_json_from_string(&mut b.0, s.as_ptr()) };
    assert!(ok, "libubox refused {text}");
    b.members()
}

/// libubox formats a container holding `members` as JSON.
fn c_format(members: &[u8]) -> String {
    let mut container = Vec::new();
    let start = blob::start_attr(&mut container, 0, false);
    container.extend_from_slice(members);
    blob::end_attr(&mut container, start);
    let out = unsafe {
        ub::blobmsg_format_json_with_cb(
            container.as_mut_ptr() as *mut ub::blob_attr,
            true,
            None,
            std::ptr::null_mut(),
            -1,
        )
    };
    assert!(!out.is_null(), "libubox could not format our bytes");
    let s = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_owned();
    unsafe { libc_free(out as *mut std::ffi::c_void) };
    s
}

extern "C" {
    #[link_name = "free"]
    fn libc_free(p: *mut std::ffi::c_void);
}

/// Doubles go through libubox's text formatting; compare them numerically.
fn same_value(a: &BlobValue, b: &BlobValue) -> bool {
    match (a, b) {
        (BlobValue::Double(x), BlobValue::Double(y)) => (x - y).abs() <= 1e-6 * x.abs().max(1.0),
        // libubox prints integral doubles without a fraction ("0"), which
        // reads back as an integer.
        (BlobValue::Double(x), other) | (other, BlobValue::Double(x)) => {
            other.as_i64().is_some_and(|i| i as f64 == *x)
        }
        (BlobValue::Array(x), BlobValue::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q))
        }
        (BlobValue::Table(x), BlobValue::Table(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kp, p), (kq, q))| kp == kq && same_value(p, q))
        }
        _ => a == b,
    }
}

#[test]
fn json_encoding_matches_libubox_byte_for_byte() {
    for text in CORPUS {
        let ours_value = json::parse(text).unwrap();
        let ours = blob::encode_members(&ours_value);
        let theirs = c_encode_json(text);
        assert_eq!(ours, theirs, "encoding differs for {text}");
        assert_eq!(
            blob::decode_table(&theirs).unwrap(),
            ours_value,
            "decoding libubox bytes of {text}"
        );
    }
}

#[test]
fn libubox_reads_what_we_write() {
    for text in CORPUS.iter().filter(|t| !has_empty_name(t)) {
        let value = json::parse(text).unwrap();
        let formatted = c_format(&blob::encode_members(&value));
        let back = json::parse(&formatted).unwrap_or_else(|e| panic!("{formatted}: {e}"));
        assert!(
            same_value(&back, &value),
            "libubox read {text} as {formatted}"
        );
    }
}

#[test]
fn typed_fields_match_blobmsg_add_field() {
    let mut b = CBuf::new();
    let add = |b: &mut CBuf, ty: u32, name: &str, data: &[u8]| {
        let n = CString::new(name).unwrap();
        let rc = unsafe {
            ub::blobmsg_add_field(
                &mut b.0,
                ty as i32,
                n.as_ptr(),
                data.as_ptr() as *const std::ffi::c_void,
                data.len() as u32,
            )
        };
        assert_eq!(rc, 0);
    };
    // libubox stores integers big-endian itself (blobmsg_add_u16 etc. call
    // cpu_to_be*), so pass BE bytes to the raw field adder.
    add(
        &mut b,
        blobmsg_type::INT16.into(),
        "s",
        &(-2i16).to_be_bytes(),
    );
    add(
        &mut b,
        blobmsg_type::INT64.into(),
        "small64",
        &5i64.to_be_bytes(),
    );
    add(&mut b, blobmsg_type::INT8.into(), "b", &[1]);
    add(&mut b, blobmsg_type::UNSPEC.into(), "u", &[]);
    add(&mut b, blobmsg_type::STRING.into(), "str", b"abc\0");
    add(
        &mut b,
        blobmsg_type::DOUBLE.into(),
        "d",
        &(-7.125f64).to_bits().to_be_bytes(),
    );
    let expected = BlobValue::table([
        ("s", BlobValue::Int16(-2)),
        ("small64", BlobValue::Int64(5)),
        ("b", BlobValue::Bool(true)),
        ("u", BlobValue::Unspec),
        ("str", "abc".into()),
        ("d", BlobValue::Double(-7.125)),
    ]);
    let theirs = b.members();
    assert_eq!(blob::encode_members(&expected), theirs);
    assert_eq!(blob::decode_table(&theirs).unwrap(), expected);
}
