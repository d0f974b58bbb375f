//! Untrusted datagrams on the STUN / UDP Connection Request port (TR-069
//! Annex G): the STUN decoder and every accessor, and the UDP Connection
//! Request checks, must never panic.
#![no_main]

use cwmpd::transport::{stun, udp_conn_request};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = stun::decode(data) {
        let _ = (m.mapped_address(), m.error_code(), m.integrity(b"key"));
    }
    let mut guard = udp_conn_request::Guard::default();
    let _ = guard.check(data, "acs", "pw", 1_700_000_000, std::time::Duration::ZERO);
});
