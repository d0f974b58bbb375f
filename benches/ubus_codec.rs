//! Prints blobmsg encode/decode throughput on a netifd-style status reply
//! (the largest message the agent handles routinely). Figures, not asserts.

use cwmpd::backend::ubus::blob;
use cwmpd::backend::ubus::json;
use cwmpd::backend::ubus::msg::{Attrs, Message, MsgType};
use std::hint::black_box;
use std::time::Instant;

const STATUS: &str = r#"{ "up": true, "pending": false, "available": true, "autostart": true,
  "dynamic": false, "uptime": 5127, "l3_device": "eth1", "proto": "dhcp", "device": "eth1",
  "metric": 0, "dns_metric": 0, "delegation": true,
  "ipv4-address": [ { "address": "203.0.113.17", "mask": 24 } ],
  "ipv6-address": [], "ipv6-prefix": [], "ipv6-prefix-assignment": [],
  "route": [ { "target": "0.0.0.0", "mask": 0, "nexthop": "203.0.113.1", "source": "203.0.113.17/32" } ],
  "dns-server": [ "203.0.113.53" ], "dns-search": [], "neighbors": [],
  "inactive": { "ipv4-address": [], "ipv6-address": [], "route": [], "dns-server": [],
                "dns-search": [], "neighbors": [] },
  "data": { "leasetime": 86400 } }"#;

fn main() {
    let value = json::parse(STATUS).expect("valid JSON");
    let msg = Message::new(
        MsgType::Data,
        7,
        0x1234,
        Attrs {
            objid: Some(0x1234),
            data: Some(value),
            ..Attrs::default()
        },
    );
    let frame = msg.encode();
    let n = 200_000u32;

    let t = Instant::now();
    for _ in 0..n {
        black_box(black_box(&msg).encode());
    }
    let enc = t.elapsed();

    let t = Instant::now();
    for _ in 0..n {
        black_box(Message::decode(black_box(&frame)).expect("decodes"));
    }
    let dec = t.elapsed();

    let t = Instant::now();
    for _ in 0..n {
        black_box(json::parse(black_box(STATUS)).expect("parses"));
    }
    let js = t.elapsed();

    let per = |d: std::time::Duration| d.as_nanos() as f64 / f64::from(n);
    let mbps = |d: std::time::Duration| frame.len() as f64 * f64::from(n) / d.as_secs_f64() / 1e6;
    println!("netifd status frame: {} bytes", frame.len());
    println!("encode: {:.0} ns/msg ({:.0} MB/s)", per(enc), mbps(enc));
    println!("decode: {:.0} ns/msg ({:.0} MB/s)", per(dec), mbps(dec));
    println!("json parse: {:.0} ns/doc", per(js));
    black_box(blob::pad_len(1));
}
