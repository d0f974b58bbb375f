//! The daemon: owns the session, the data model, the store and the
//! scheduler (DESIGN.md "Runtime shape").

pub mod driver;
pub mod events;
pub mod handler;
pub mod identity;
pub mod runtime;
pub mod schedule;
pub mod settings;
pub mod stun_task;
pub mod value_changes;
