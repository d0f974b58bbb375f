//! Native ubus client: blob/blobmsg codec, message framing and an async
//! client over ubusd's unix socket (openwrt-reference.md §4).

pub mod blob;
pub mod client;
pub mod json;
pub mod msg;

pub use blob::BlobValue;
pub use client::{Client, Error, Status};
