//! The scripted test ACS used by integration tests and the README demo:
//! `http` is the HTTP(S) server (auth, TLS, connection accounting),
//! `script` the CWMP side, `scripted` joins them.
#![allow(dead_code)]

pub mod http;
pub mod pki;
pub mod script;
pub mod scripted;
