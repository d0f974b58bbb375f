//! The scripted test ACS used by integration tests and the README demo.
#![allow(dead_code)]

pub mod http;
pub mod script;
