//! Untrusted bytes from the ubus socket: the frame decoder and the blobmsg
//! decoder must return errors, never panic; whatever decodes must re-encode
//! to something that decodes to the same value.
#![no_main]

use cwmpd::backend::ubus::blob;
use cwmpd::backend::ubus::msg::Message;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Message::decode(data);
    if let Ok(v) = blob::decode_table(data) {
        let again = blob::decode_table(&blob::encode_members(&v));
        // NaN != NaN, so compare the encodings instead of the values.
        let again = again.expect("re-encoded value must decode");
        assert_eq!(blob::encode_members(&again), blob::encode_members(&v));
    }
});
