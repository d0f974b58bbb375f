//! Backends: the agent's access to the system it manages.

pub mod uci;
