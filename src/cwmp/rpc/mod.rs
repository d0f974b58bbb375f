//! The RPC messages, one file per family. Each file holds the plain data
//! types; decoding and encoding of a family lives beside its types.

pub mod attributes;
pub mod control;
pub mod du;
pub mod inform;
pub mod objects;
pub mod options;
pub mod parameters;
pub mod transfers;
