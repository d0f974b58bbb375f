//! Fuzzes what a Connection Request peer controls in the Digest exchange:
//! the Authorization header (parser and verifier) and, for the ACS side,
//! a WWW-Authenticate header. Nothing may panic.
#![no_main]

use cwmpd::transport::digest::{parse_auth_items, parse_www_authenticate, DigestServer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_auth_items(header);
    let _ = parse_www_authenticate(header);
    let mut server = DigestServer::new(b"fuzz key", "cwmpd", "cpe", "secret");
    let _ = server.verify(Some(header), "GET", "/cwmp-cr", 1_000);
});
