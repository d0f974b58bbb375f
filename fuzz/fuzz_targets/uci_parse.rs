//! Fuzz the UCI file and delta parsers: no input may panic, and whatever
//! parses must survive a write/read round trip unchanged.
#![no_main]

use cwmpd::backend::uci::{delta, parse::parse_package, write};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz");
    if let Ok(pkg) = parse_package("fuzz", data, path) {
        let text = write::file_content(&pkg);
        let again = parse_package("fuzz", text.as_bytes(), path)
            .expect("our own output must parse");
        assert_eq!(write::show(&again, true), write::show(&pkg, true));
        let mut replayed = pkg.clone();
        delta::replay(&mut replayed, data);
    }
    let _ = delta::parse_changes(data, "fuzz");
});
