//! Native ubus client: blob/blobmsg codec, message framing and an async
//! client over ubusd's unix socket (openwrt-reference.md §4).
//!
//! - [`blob`]: blob attributes and [`BlobValue`] (blobmsg) encode/decode.
//! - [`json`]: JSON text ↔ [`BlobValue`] with blobmsg_json's rules.
//! - [`msg`]: the message header and top-level attributes, 1 MiB framing.
//! - [`client`]: [`Client`] — calls, published objects, events, subscriptions.
//!
//! ```no_run
//! use cwmpd::backend::ubus::{BlobValue, Client, Status};
//! use cwmpd::backend::ubus::client::{Method, ObjectEvent};
//! # async fn demo() -> Result<(), cwmpd::backend::ubus::Error> {
//! let ubus = Client::connect_default().await?;
//! // Call a method (lookup + invoke); the first reply table.
//! let board = ubus.call("system", "board", &BlobValue::empty_table()).await?;
//! // Publish an object and serve it.
//! let mut obj = ubus.add_object("cwmp", &[Method::new("status")]).await?;
//! while let Some(ObjectEvent::Call(req)) = obj.next().await {
//!     match req.method.as_str() {
//!         "status" => req.reply(BlobValue::table([("enabled", true.into())])),
//!         _ => req.finish(Status::NotSupported),
//!     }
//! }
//! // Events.
//! let mut events = ubus.listen(&["network.interface"]).await?;
//! while let Some(ev) = events.next().await { let _ = (ev.name, ev.data); }
//! # let _ = board; Ok(()) }
//! ```

pub mod blob;
pub mod client;
pub mod json;
pub mod msg;

pub use blob::BlobValue;
pub use client::{Client, Error, Status};
