//! Fuzz the CWMP envelope decoder from both sides. Beyond "no panic", every
//! message that decodes must re-encode and decode again to the same value
//! (the codec's round-trip property).
#![no_main]

use cwmpd::cwmp::{decode_from, encode, Limits, Sender};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    for sender in [Sender::Acs, Sender::Cpe] {
        if let Ok(decoded) = decode_from(data, sender, &limits) {
            let bytes = encode(&decoded.envelope, decoded.version);
            let again = decode_from(&bytes, sender, &limits)
                .expect("our own encoding must decode");
            let mut expected = decoded.envelope.clone();
            // NoMoreRequests is accepted but never sent.
            expected.header.no_more_requests = false;
            assert_eq!(again.envelope, expected, "round trip changed the message");
        }
    }
});
