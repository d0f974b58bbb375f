//! The RPC messages, one file per family: plain data types, field names as
//! in TR-069 Annex A. The wire mapping is in `cwmp/decode.rs` and
//! `cwmp/encode.rs` (one place each, so the XSD element order is easy to
//! check against cwmp-1-2.xsd side by side).

pub mod attributes;
pub mod control;
pub mod du;
pub mod inform;
pub mod objects;
pub mod options;
pub mod parameters;
pub mod transfers;
