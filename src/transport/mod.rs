//! HTTP(S) between the agent and the ACS, both directions. Bodies are bytes:
//! this layer knows nothing of CWMP XML (DESIGN.md, "The lines between the
//! parts").

pub mod acs_client;
pub mod conn_request;
pub mod digest;
pub mod tls;
