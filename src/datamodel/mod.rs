//! The TR-181 data-model engine. PURE: no files, sockets or clocks; the
//! backends behind [`tree::Provider`] do the I/O.
//!
//! The agent owns one [`ops::DataModel`], mounts providers on it and calls
//! its RPC methods; `instances`, `attributes` and the ParameterKey are the
//! engine state it persists (see [`ops::DataModel::records`]).

pub mod mem;
pub mod notify;
pub mod ops;
pub mod path;
pub mod schema;
// Generated, one entry per line; `cargo fmt` would spread it over 1500 lines.
#[rustfmt::skip]
mod tr181_table;
pub mod tree;
pub mod txn;
pub mod value;

pub use ops::DataModel;
pub use path::Path;
pub use schema::Schema;
pub use tree::{ObjRef, Provider};
