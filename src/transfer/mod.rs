//! File transfers for Download and Upload (TR-069 §A.3.2.8, §A.4.1.5): the
//! I/O layer only. It moves bytes between an HTTP(S) file server and a
//! local file and says why it failed ([`error::TransferError`] →
//! fault code); the queue, the RPCs and what is done with the file live
//! elsewhere.
//!
//! - [`client`]: URL rules, connect/TLS/auth/redirects, the public entry
//!   points ([`client::download`], [`client::upload`]) re-exported there.
//! - [`download`]: stream to `<dest>.part`, size and space checks, rename.
//! - [`upload`]: stream a file as PUT/POST.
//! - [`space`]: free space (statvfs).
//! - [`idle`]: the "no byte moved" timeout.
//! - [`error`]: failures and their TR-069 fault codes.

pub mod client;
pub mod download;
pub mod error;
pub mod idle;
pub mod space;
pub mod upload;
