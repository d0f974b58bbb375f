//! Our ubus object `cwmp` (DESIGN.md "What the user sees"):
//!
//! - `status`: what the agent is doing (ACS in use and where its URL came
//!   from, last session, next periodic inform, retries, pending events, the
//!   Connection Request URL, counters);
//! - `inform {"event": "..."}`: open a session now (default event
//!   `6 CONNECTION REQUEST`: a connection asked for out of schedule);
//! - `reload`: re-read `/etc/config/cwmp` (same as SIGHUP);
//! - `get {"path": "Device.ManagementServer."}`: parameter values, for scripts;
//! - `set {"parameters": {"Device.X": "v", ...}}`: TR-181 values applied as
//!   one SetParameterValues transaction (all or nothing); a refusal answers
//!   INVALID_ARGUMENT with the fault and each parameter's fault code.
//!
//! This task only translates: the agent's loop owns the state and answers
//! commands through a channel, so a slow ubus caller never blocks a session.

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use crate::backend::ubus::blob::blobmsg_type;
use crate::backend::ubus::client::{Method, ObjectEvent};
use crate::backend::ubus::{BlobValue, Client, Error, Status};
use crate::cwmp::rpc::parameters::{ApplyStatus, ParameterValue};
use crate::cwmp::{Fault, FaultCode};
use crate::transfer::status::{LastTransfer, TransferStatus};

/// A snapshot of the agent, updated by its loop.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentStatus {
    pub enabled: bool,
    pub acs_url: String,
    /// `uci`, `dhcp`, `default`, or empty when no ACS is known.
    pub acs_url_origin: String,
    pub connection_request_url: String,
    /// Unix times; 0 = never.
    pub last_session_start: i64,
    pub last_session_end: i64,
    /// `success`, `failed`, or empty before the first session.
    pub last_session_result: String,
    pub last_session_fault: String,
    pub next_periodic_inform: i64,
    pub retry_count: u32,
    pub pending_events: Vec<String>,
    pub sessions_ok: u64,
    pub sessions_failed: u64,
    /// The transfer queue (no credentials; see `transfer::status`).
    pub transfers: Vec<TransferStatus>,
    pub last_transfer: Option<LastTransfer>,
}

impl AgentStatus {
    pub fn to_blob(&self) -> BlobValue {
        let int = |v: i64| BlobValue::int(v);
        BlobValue::table([
            ("enabled", BlobValue::from(self.enabled)),
            ("acs_url", self.acs_url.as_str().into()),
            ("acs_url_origin", self.acs_url_origin.as_str().into()),
            (
                "connection_request_url",
                self.connection_request_url.as_str().into(),
            ),
            (
                "last_session",
                BlobValue::table([
                    ("start", int(self.last_session_start)),
                    ("end", int(self.last_session_end)),
                    ("result", self.last_session_result.as_str().into()),
                    ("fault", self.last_session_fault.as_str().into()),
                ]),
            ),
            ("next_periodic_inform", int(self.next_periodic_inform)),
            ("retry_count", BlobValue::from(self.retry_count)),
            (
                "pending_events",
                BlobValue::Array(
                    self.pending_events
                        .iter()
                        .map(|e| BlobValue::from(e.as_str()))
                        .collect(),
                ),
            ),
            (
                "counters",
                BlobValue::table([
                    ("sessions_ok", int(self.sessions_ok as i64)),
                    ("sessions_failed", int(self.sessions_failed as i64)),
                ]),
            ),
            (
                "transfers",
                BlobValue::Array(self.transfers.iter().map(TransferStatus::to_blob).collect()),
            ),
            (
                "last_transfer",
                self.last_transfer.clone().unwrap_or_default().to_blob(),
            ),
        ])
    }
}

/// What the ubus object asks of the agent's loop.
#[derive(Debug)]
pub enum Command {
    /// Raise these events (or `6 CONNECTION REQUEST`) and connect now.
    Inform(Vec<String>),
    Reload,
    /// Parameter values under a path, as (name, value) pairs.
    Get(
        String,
        oneshot::Sender<Result<Vec<(String, String)>, String>>,
    ),
    /// Values set by a local script: applied like an ACS
    /// SetParameterValues, but the ParameterKey stays the ACS's.
    Set(
        Vec<ParameterValue>,
        oneshot::Sender<Result<ApplyStatus, Fault>>,
    ),
    /// netifd reported a change of some interface (not sent by ubus
    /// callers: by the agent's own netifd watcher).
    InterfaceChanged,
}

pub const OBJECT: &str = "cwmp";

/// Publishes `cwmp` and serves it until the ubus connection ends.
pub async fn serve(
    client: Client,
    status: Arc<Mutex<AgentStatus>>,
    commands: mpsc::Sender<Command>,
) -> Result<(), Error> {
    let methods = [
        Method::new("status"),
        Method::new("inform").arg("event", blobmsg_type::STRING),
        Method::new("reload"),
        Method::new("get").arg("path", blobmsg_type::STRING),
        Method::new("set").arg("parameters", blobmsg_type::TABLE),
    ];
    let mut object = client.add_object(OBJECT, &methods).await?;
    while let Some(event) = object.next().await {
        let ObjectEvent::Call(req) = event else {
            continue;
        };
        match req.method.as_str() {
            "status" => {
                let snapshot = status.lock().map(|s| s.clone()).unwrap_or_default();
                req.reply(snapshot.to_blob());
            }
            "inform" => {
                let events: Vec<String> = match req.data.get("event") {
                    None => Vec::new(),
                    Some(v) => match v.as_str() {
                        Some(e) if !e.trim().is_empty() => vec![e.trim().to_string()],
                        _ => {
                            req.finish(Status::InvalidArgument);
                            continue;
                        }
                    },
                };
                match commands.try_send(Command::Inform(events)) {
                    Ok(()) => req.reply(BlobValue::table([("queued", true.into())])),
                    Err(_) => req.finish(Status::UnknownError),
                }
            }
            "reload" => match commands.try_send(Command::Reload) {
                Ok(()) => req.finish(Status::Ok),
                Err(_) => req.finish(Status::UnknownError),
            },
            "get" => {
                let Some(path) = req.data.get("path").and_then(BlobValue::as_str) else {
                    req.finish(Status::InvalidArgument);
                    continue;
                };
                let (tx, rx) = oneshot::channel();
                if commands
                    .send(Command::Get(path.to_string(), tx))
                    .await
                    .is_err()
                {
                    req.finish(Status::UnknownError);
                    continue;
                }
                // Answer later without holding up other callers.
                tokio::spawn(async move {
                    match rx.await {
                        Ok(Ok(values)) => req.reply(BlobValue::table(
                            values.into_iter().map(|(k, v)| (k, BlobValue::from(v))),
                        )),
                        Ok(Err(_)) => req.finish(Status::NotFound),
                        Err(_) => req.finish(Status::UnknownError),
                    }
                });
            }
            "set" => {
                let values = match set_arguments(&req.data) {
                    Ok(v) => v,
                    Err(message) => {
                        reply_error(req, Status::InvalidArgument, &message);
                        continue;
                    }
                };
                let (tx, rx) = oneshot::channel();
                if commands.send(Command::Set(values, tx)).await.is_err() {
                    req.finish(Status::UnknownError);
                    continue;
                }
                tokio::spawn(async move {
                    match rx.await {
                        Ok(Ok(status)) => req.reply(BlobValue::table([(
                            "status",
                            BlobValue::int(status as i64),
                        )])),
                        Ok(Err(fault)) => {
                            // 9002 is ours, not the caller's doing.
                            let status = if fault.fault_code == FaultCode::INTERNAL_ERROR {
                                Status::UnknownError
                            } else {
                                Status::InvalidArgument
                            };
                            let data = fault_to_blob(&fault);
                            let _ = req.responder.send_data(data);
                            req.finish(status);
                        }
                        Err(_) => req.finish(Status::UnknownError),
                    }
                });
            }
            _ => req.finish(Status::MethodNotFound),
        }
    }
    Ok(())
}

/// An error reply a person can read: `{"error": message}` then `status`
/// (`ubus call` prints the data and exits non-zero).
fn reply_error(req: crate::backend::ubus::client::Request, status: Status, message: &str) {
    let _ = req
        .responder
        .send_data(BlobValue::table([("error", BlobValue::from(message))]));
    req.finish(status);
}

/// `{"parameters": {"Device.X": "v", ...}}` → the values to set. Numbers
/// and booleans are taken in their TR-069 text form (`3600`, `true`), so
/// `ubus call cwmp set '{"parameters":{"...Interval":3600}}'` works too;
/// the data model checks each value against the parameter's type.
pub fn set_arguments(data: &BlobValue) -> Result<Vec<ParameterValue>, String> {
    let Some(members) = data.get("parameters").and_then(BlobValue::as_table) else {
        return Err("expected {\"parameters\": {\"Device.Name\": \"value\", ...}}".into());
    };
    if members.is_empty() {
        return Err("no parameters given".into());
    }
    members
        .iter()
        .map(|(name, value)| {
            let text = match value {
                BlobValue::String(s) => s.clone(),
                BlobValue::Bool(b) => b.to_string(),
                v => match v.as_i64() {
                    Some(n) => n.to_string(),
                    None => {
                        return Err(format!("{name}: value must be a string, number or boolean"))
                    }
                },
            };
            // No xsi:type: the schema's type applies (a script cannot be
            // expected to name xsd types).
            Ok(ParameterValue {
                name: name.clone(),
                value: text,
                value_type: None,
            })
        })
        .collect()
}

/// A SetParameterValues fault as ubus data: the fault, and for 9003 each
/// refused parameter with its own code (TR-069 §A.3.2.1 SetParameterValuesFault).
pub fn fault_to_blob(fault: &Fault) -> BlobValue {
    let mut members = vec![
        ("fault_code", BlobValue::int(i64::from(fault.fault_code.0))),
        ("fault_string", fault.fault_string.as_str().into()),
    ];
    if !fault.set_parameter_values_faults.is_empty() {
        let list = fault
            .set_parameter_values_faults
            .iter()
            .map(|f| {
                BlobValue::table([
                    ("parameter", BlobValue::from(f.parameter_name.as_str())),
                    ("fault_code", BlobValue::int(i64::from(f.fault_code.0))),
                    ("fault_string", f.fault_string.as_str().into()),
                ])
            })
            .collect();
        members.push(("faults", BlobValue::Array(list)));
    }
    BlobValue::table(members)
}
