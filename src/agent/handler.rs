//! Answers the ACS's requests during a session (the session's `RpcHandler`).
//!
//! Parameters go to the data model; actions that must wait for the end of
//! the session (Reboot, FactoryReset, ScheduleInform, a configuration
//! change) are
//! recorded in `AfterSession` and carried out by the agent once the session
//! is over.

use crate::cwmp::rpc::attributes::GetParameterAttributesResponse;
use crate::cwmp::rpc::control::GetRpcMethodsResponse;
use crate::cwmp::rpc::objects::{AddObjectResponse, DeleteObjectResponse};
use crate::cwmp::rpc::parameters::{
    GetParameterNamesResponse, GetParameterValuesResponse, SetParameterValuesResponse,
};
use crate::cwmp::session::RpcHandler;
use crate::cwmp::{AcsRequest, CpeResponse, Fault, FaultCode};
use crate::datamodel::DataModel;
use crate::transfer::queue::Queue;
use crate::transfer::rpc::Policy;

/// What the session asked for that happens after it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AfterSession {
    /// CommandKey of a Reboot RPC (TR-069 A.3.2.3: reboot after the session).
    pub reboot: Option<String>,
    /// A FactoryReset RPC (A.4.1.4), carried out after the session.
    pub factory_reset: bool,
    /// (delay seconds, CommandKey) of ScheduleInform RPCs.
    pub scheduled: Vec<(u32, String)>,
    /// The configuration changed (SetParameterValues / AddObject /
    /// DeleteObject committed).
    pub config_changed: bool,
}

pub struct Handler<'a> {
    pub model: &'a mut DataModel,
    pub after: AfterSession,
    /// Download/Upload/ScheduleDownload queue here; the agent runs them
    /// after the session (`crate::transfer::rpc`).
    pub transfers: &'a mut Queue,
    pub policy: Policy,
}

/// The RPCs this agent implements (answer to GetRPCMethods, TR-069
/// §A.3.1.1). Only what the handler below really does is listed.
pub const METHODS: [&str; 17] = [
    "GetRPCMethods",
    "GetParameterValues",
    "SetParameterValues",
    "GetParameterNames",
    "GetParameterAttributes",
    "SetParameterAttributes",
    "AddObject",
    "DeleteObject",
    "ScheduleInform",
    "Reboot",
    "FactoryReset",
    "Download",
    "Upload",
    "ScheduleDownload",
    "CancelTransfer",
    "GetQueuedTransfers",
    "GetAllQueuedTransfers",
];

impl RpcHandler for Handler<'_> {
    fn handle(&mut self, request: &AcsRequest) -> Result<CpeResponse, Fault> {
        match request {
            AcsRequest::GetRpcMethods => Ok(CpeResponse::GetRpcMethods(GetRpcMethodsResponse {
                method_list: METHODS.iter().map(|m| m.to_string()).collect(),
            })),
            AcsRequest::GetParameterValues(g) => {
                let list = self.model.get_parameter_values(&g.parameter_names)?;
                Ok(CpeResponse::GetParameterValues(
                    GetParameterValuesResponse {
                        parameter_list: list,
                    },
                ))
            }
            AcsRequest::GetParameterNames(g) => {
                let list = self
                    .model
                    .get_parameter_names(&g.parameter_path, g.next_level)?;
                Ok(CpeResponse::GetParameterNames(GetParameterNamesResponse {
                    parameter_list: list,
                }))
            }
            AcsRequest::SetParameterValues(s) => {
                let status = self
                    .model
                    .set_parameter_values(&s.parameter_list, &s.parameter_key)?;
                // The agent re-reads its configuration after the session.
                self.after.config_changed = true;
                Ok(CpeResponse::SetParameterValues(
                    SetParameterValuesResponse { status },
                ))
            }
            AcsRequest::GetParameterAttributes(g) => {
                let list = self.model.get_parameter_attributes(&g.parameter_names)?;
                Ok(CpeResponse::GetParameterAttributes(
                    GetParameterAttributesResponse {
                        parameter_list: list,
                    },
                ))
            }
            AcsRequest::SetParameterAttributes(s) => {
                self.model.set_parameter_attributes(&s.parameter_list)?;
                Ok(CpeResponse::SetParameterAttributes)
            }
            AcsRequest::AddObject(a) => {
                let (instance_number, status) =
                    self.model.add_object(&a.object_name, &a.parameter_key)?;
                self.after.config_changed = true;
                Ok(CpeResponse::AddObject(AddObjectResponse {
                    instance_number,
                    status,
                }))
            }
            AcsRequest::DeleteObject(d) => {
                let status = self.model.delete_object(&d.object_name, &d.parameter_key)?;
                self.after.config_changed = true;
                Ok(CpeResponse::DeleteObject(DeleteObjectResponse { status }))
            }
            AcsRequest::Reboot(r) => {
                self.after.reboot = Some(r.command_key.clone());
                Ok(CpeResponse::Reboot)
            }
            AcsRequest::FactoryReset => {
                self.after.factory_reset = true;
                Ok(CpeResponse::FactoryReset)
            }
            AcsRequest::ScheduleInform(s) => {
                // A.3.2.10: DelaySeconds must be greater than zero.
                if s.delay_seconds == 0 {
                    return Err(Fault::with_string(
                        FaultCode::INVALID_ARGUMENTS,
                        "DelaySeconds must be greater than 0",
                    ));
                }
                self.after
                    .scheduled
                    .push((s.delay_seconds, s.command_key.clone()));
                Ok(CpeResponse::ScheduleInform)
            }
            other => match crate::transfer::rpc::handle(other, self.transfers, &self.policy) {
                Some(answer) => answer,
                // Not implemented: say so (9000) rather than pretend.
                None => Err(Fault::new(FaultCode::METHOD_NOT_SUPPORTED)),
            },
        }
    }
}
