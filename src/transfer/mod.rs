//! File transfers for Download and Upload (TR-069 §A.3.2.8, §A.4.1.5,
//! §A.4.1.7–8) and what is done with the files (DESIGN.md "Transfers").
//!
//! The I/O layer moves bytes between an HTTP(S) file server and a local
//! file and says why it failed ([`error::TransferError`] → fault code):
//! - [`client`]: URL rules, connect/TLS/auth/redirects, the public entry
//!   points ([`client::download`], [`client::upload`]) re-exported there.
//! - [`download`]: stream to `<dest>.part`, size and space checks, rename.
//! - [`upload`]: stream a file as PUT/POST.
//! - [`space`]: free space (statvfs).
//! - [`idle`]: the "no byte moved" timeout.
//! - [`error`]: failures and their TR-069 fault codes.
//!
//! The queue and the RPCs:
//! - [`rpc`]: the transfer RPCs as the session answers them.
//! - [`queue`]: queued/running/completed transfers, persisted.
//! - [`window`]: ScheduleDownload time windows (pure, fake-clock tested).
//! - [`agent`]: starting transfers and applying what was downloaded.
//! - [`config_file`]: the two accepted configuration-file formats.
//! - [`backup`]: backup and restoration (vendor `cpe back-up`).
//! - [`status`]: the queue as `ubus call cwmp status` shows it.

pub mod agent;
pub mod backup;
pub mod client;
pub mod config_file;
pub mod download;
pub mod error;
pub mod idle;
pub mod queue;
pub mod rpc;
pub mod space;
pub mod status;
pub mod upload;
pub mod window;
