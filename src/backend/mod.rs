//! The I/O side of the data model: one source of system state per module.

pub mod netifd;
pub mod ubus;
pub mod uci;
