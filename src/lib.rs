//! cwmpd: a TR-069 (CWMP) CPE agent for OpenWrt.
//!
//! The crate is a library plus the `cwmpd` binary so that integration tests,
//! benchmarks and fuzz targets exercise the same code the daemon runs.
//! See DESIGN.md at the repository root for the map of the parts.
pub mod agent;
pub mod backend;
pub mod cli;
pub mod cli_status;
pub mod config;
pub mod cwmp;
pub mod datamodel;
pub mod dhcp;
pub mod logging;
pub mod model;
pub mod paths;
pub mod pidfile;
pub mod store;
pub mod system;
pub mod transfer;
pub mod transport;
pub mod ubus_api;
