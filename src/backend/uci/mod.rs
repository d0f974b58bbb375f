//! Native reader/writer of OpenWrt's UCI configuration format.
//!
//! Behaviour follows libuci (openwrt/uci `file.c`, `list.c`, `delta.c`) so
//! that what we read equals what `uci show` prints and what we write is read
//! back unchanged by libuci. See openwrt-reference.md §3.
//!
//! - [`parse`]: the config file grammar (§3.2) into a [`Package`].
//! - [`write`]: the `uci export` format and the `uci show` rendering.
//! - [`delta`]: the `/tmp/.uci/<pkg>` change files (§3.3).
//! - [`store`]: files under a root directory, locking, commit, revert.
//! - [`txn`]: a multi-package transaction for a CWMP session.

pub mod delta;
mod error;
mod model;
pub mod parse;
pub mod store;
pub mod txn;
pub mod write;

pub use error::UciError;
pub use model::{Package, Section, Value};
pub use store::Store;
pub use txn::Transaction;

/// `[A-Za-z0-9_]+`: section and option names (libuci `uci_validate_name`).
pub fn valid_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// `[A-Za-z0-9_-]+`: package (file) names (libuci `uci_validate_package`).
pub fn valid_package_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

/// Printable non-blank ASCII: section types (libuci `uci_validate_type`).
pub fn valid_type(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| (33..=126).contains(&c))
}

/// No control characters other than TAB, CR, LF (libuci `uci_validate_text`).
pub fn valid_text(s: &str) -> bool {
    s.bytes()
        .all(|c| c >= 32 || c == b'\t' || c == b'\n' || c == b'\r')
}
