//! HTTP(S) between the agent and the ACS, both directions. Bodies are bytes:
//! this layer knows nothing of CWMP XML (DESIGN.md, "The lines between the
//! parts").
//!
//! - [`digest`]: RFC 7616 Digest, client and server, pure.
//! - [`tls`]: rustls client configuration (CA bundle, verify, mTLS).
//! - [`client_conn`]: the one socket and body type of outgoing connections.
//! - [`acs_client`]: one [`acs_client::AcsSession`] per CWMP session.
//! - [`conn_request`]: the Connection Request server (TR-069 §3.2.2).
//! - [`stun`], [`udp_conn_request`]: TR-069 Annex G (STUN binding codec,
//!   UDP Connection Request checks), pure; the task is src/agent/stun_task.rs.

pub mod acs_client;
pub mod client_conn;
pub mod conn_request;
pub mod digest;
pub mod stun;
pub mod tls;
pub mod udp_conn_request;
