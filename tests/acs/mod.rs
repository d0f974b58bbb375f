//! The test ACS: an HTTP(S) server the integration tests drive. It grows
//! into the scripted CWMP test ACS; for now it knows HTTP, auth and TLS.
#![allow(dead_code)]

pub mod http;
pub mod pki;
