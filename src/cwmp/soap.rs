//! The SOAP 1.1 envelope as CWMP uses it (TR-069 §3.5, §A.2): the header
//! elements, the four groups of body messages and the SOAP Fault.

use crate::cwmp::fault::SoapFault;
use crate::cwmp::rpc::attributes::*;
use crate::cwmp::rpc::control::*;
use crate::cwmp::rpc::du::*;
use crate::cwmp::rpc::inform::*;
use crate::cwmp::rpc::objects::*;
use crate::cwmp::rpc::options::*;
use crate::cwmp::rpc::parameters::*;
use crate::cwmp::rpc::transfers::*;

pub const SOAP_ENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const SOAP_ENC_NS: &str = "http://schemas.xmlsoap.org/soap/encoding/";
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The CWMP namespace of a message (TR-069 §A.2.2). Protocol versions 1.3
/// and 1.4 did not get a namespace of their own: they use `cwmp-1-2`, which
/// is why this has three members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum CwmpVersion {
    /// `urn:dslforum-org:cwmp-1-0` (CWMP 1.0)
    V1_0,
    /// `urn:dslforum-org:cwmp-1-1` (CWMP 1.1)
    V1_1,
    /// `urn:dslforum-org:cwmp-1-2` (CWMP 1.2, 1.3, 1.4) — our default.
    #[default]
    V1_2,
}

impl CwmpVersion {
    pub fn namespace(self) -> &'static str {
        match self {
            CwmpVersion::V1_0 => "urn:dslforum-org:cwmp-1-0",
            CwmpVersion::V1_1 => "urn:dslforum-org:cwmp-1-1",
            CwmpVersion::V1_2 => "urn:dslforum-org:cwmp-1-2",
        }
    }

    pub fn from_namespace(ns: &str) -> Option<CwmpVersion> {
        match ns {
            "urn:dslforum-org:cwmp-1-0" => Some(CwmpVersion::V1_0),
            "urn:dslforum-org:cwmp-1-1" => Some(CwmpVersion::V1_1),
            "urn:dslforum-org:cwmp-1-2" => Some(CwmpVersion::V1_2),
            _ => None,
        }
    }
}

/// SOAP Header fields CWMP defines (TR-069 §A.2.1, Table 31 / §3.5).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Header {
    /// `cwmp:ID` (mustUnderstand="1"): an opaque string chosen by the sender
    /// of a request; the response MUST echo it unchanged.
    pub id: Option<String>,
    /// `cwmp:HoldRequests` (ACS → CPE only, mustUnderstand="1"): when true the
    /// CPE must not send requests in its next HTTP POST.
    pub hold_requests: Option<bool>,
    /// `cwmp:SessionTimeout` (CWMP 1.3+, CPE → ACS in the Inform): seconds.
    pub session_timeout: Option<u32>,
    /// `cwmp:SupportedCWMPVersions` (CWMP 1.3+, CPE → ACS, e.g. "1.0,1.1,1.2,1.3,1.4").
    pub supported_cwmp_versions: Option<String>,
    /// `cwmp:UseCWMPVersion` (CWMP 1.3+, ACS → CPE in the InformResponse, e.g. "1.4").
    pub use_cwmp_version: Option<String>,
    /// `cwmp:NoMoreRequests` (CWMP 1.0, deprecated): accepted on input, never
    /// sent — the encoder ignores this field.
    pub no_more_requests: bool,
}

/// A whole CWMP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub header: Header,
    pub body: Body,
}

impl Envelope {
    /// A message with only the `cwmp:ID` header set.
    pub fn new(id: Option<String>, body: Body) -> Envelope {
        Envelope {
            header: Header {
                id,
                ..Header::default()
            },
            body,
        }
    }

    /// The CPE's answer to a request: echoes the request's ID (TR-069 §A.2.1.1).
    pub fn cpe_response(request_id: Option<String>, response: CpeResponse) -> Envelope {
        Envelope::new(request_id, Body::CpeResponse(response))
    }

    /// A SOAP Fault answering a request (faultcode and faultstring per
    /// TR-069 §A.5), echoing the request's ID.
    pub fn fault(request_id: Option<String>, fault: crate::cwmp::fault::Fault) -> Envelope {
        Envelope::new(request_id, Body::Fault(SoapFault::new(fault)))
    }
}

/// The one element inside `soap-env:Body`, grouped by direction and role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    AcsRequest(AcsRequest),
    CpeResponse(CpeResponse),
    CpeRequest(CpeRequest),
    AcsResponse(AcsResponse),
    /// A SOAP Fault (either direction) answering the peer's request.
    Fault(SoapFault),
}

/// Who sent a message. Decoding needs it because GetRPCMethods and
/// GetRPCMethodsResponse exist in both directions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sender {
    Acs,
    Cpe,
}

/// ACS → CPE requests (TR-069 §A.3.1–A.3.2, Annex A.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcsRequest {
    GetRpcMethods,
    SetParameterValues(SetParameterValues),
    GetParameterValues(GetParameterValues),
    GetParameterNames(GetParameterNames),
    SetParameterAttributes(SetParameterAttributes),
    GetParameterAttributes(GetParameterAttributes),
    AddObject(AddObject),
    DeleteObject(DeleteObject),
    Reboot(Reboot),
    Download(Download),
    Upload(Upload),
    FactoryReset,
    ScheduleInform(ScheduleInform),
    ScheduleDownload(ScheduleDownload),
    CancelTransfer(CancelTransfer),
    GetQueuedTransfers,
    GetAllQueuedTransfers,
    ChangeDuState(ChangeDuState),
    SetVouchers(SetVouchers),
    GetOptions(GetOptions),
    /// A body element this codec does not know (vendor RPC, misspelling,
    /// a newer RPC). The session answers fault 9000 echoing the header ID.
    /// `method` is the element's local name. Encoding emits an empty element
    /// of that name in the cwmp namespace.
    Unsupported {
        method: String,
    },
}

/// CPE → ACS responses, one per [`AcsRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpeResponse {
    GetRpcMethods(GetRpcMethodsResponse),
    SetParameterValues(SetParameterValuesResponse),
    GetParameterValues(GetParameterValuesResponse),
    GetParameterNames(GetParameterNamesResponse),
    SetParameterAttributes,
    GetParameterAttributes(GetParameterAttributesResponse),
    AddObject(AddObjectResponse),
    DeleteObject(DeleteObjectResponse),
    Reboot,
    Download(TransferResponse),
    Upload(TransferResponse),
    FactoryReset,
    ScheduleInform,
    ScheduleDownload,
    CancelTransfer,
    GetQueuedTransfers(GetQueuedTransfersResponse),
    GetAllQueuedTransfers(GetAllQueuedTransfersResponse),
    ChangeDuState,
    SetVouchers,
    GetOptions(GetOptionsResponse),
}

/// CPE → ACS requests (TR-069 §A.3.3, Annex A.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpeRequest {
    Inform(Inform),
    TransferComplete(TransferComplete),
    AutonomousTransferComplete(AutonomousTransferComplete),
    GetRpcMethods,
    RequestDownload(RequestDownload),
    DuStateChangeComplete(DuStateChangeComplete),
    AutonomousDuStateChangeComplete(AutonomousDuStateChangeComplete),
    Kicked(Kicked),
    /// Unknown body element from a CPE (the ACS answers 8000).
    Unsupported {
        method: String,
    },
}

/// ACS → CPE responses, one per [`CpeRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcsResponse {
    Inform(InformResponse),
    TransferComplete,
    AutonomousTransferComplete,
    GetRpcMethods(GetRpcMethodsResponse),
    RequestDownload,
    DuStateChangeComplete,
    AutonomousDuStateChangeComplete,
    Kicked(KickedResponse),
}

impl AcsRequest {
    /// The RPC's element name (`"GetParameterValues"` ...).
    pub fn method_name(&self) -> &str {
        match self {
            AcsRequest::GetRpcMethods => "GetRPCMethods",
            AcsRequest::SetParameterValues(_) => "SetParameterValues",
            AcsRequest::GetParameterValues(_) => "GetParameterValues",
            AcsRequest::GetParameterNames(_) => "GetParameterNames",
            AcsRequest::SetParameterAttributes(_) => "SetParameterAttributes",
            AcsRequest::GetParameterAttributes(_) => "GetParameterAttributes",
            AcsRequest::AddObject(_) => "AddObject",
            AcsRequest::DeleteObject(_) => "DeleteObject",
            AcsRequest::Reboot(_) => "Reboot",
            AcsRequest::Download(_) => "Download",
            AcsRequest::Upload(_) => "Upload",
            AcsRequest::FactoryReset => "FactoryReset",
            AcsRequest::ScheduleInform(_) => "ScheduleInform",
            AcsRequest::ScheduleDownload(_) => "ScheduleDownload",
            AcsRequest::CancelTransfer(_) => "CancelTransfer",
            AcsRequest::GetQueuedTransfers => "GetQueuedTransfers",
            AcsRequest::GetAllQueuedTransfers => "GetAllQueuedTransfers",
            AcsRequest::ChangeDuState(_) => "ChangeDUState",
            AcsRequest::SetVouchers(_) => "SetVouchers",
            AcsRequest::GetOptions(_) => "GetOptions",
            AcsRequest::Unsupported { method } => method,
        }
    }
}

impl CpeResponse {
    /// The response element name (`"GetParameterValuesResponse"` ...).
    pub fn method_name(&self) -> &'static str {
        match self {
            CpeResponse::GetRpcMethods(_) => "GetRPCMethodsResponse",
            CpeResponse::SetParameterValues(_) => "SetParameterValuesResponse",
            CpeResponse::GetParameterValues(_) => "GetParameterValuesResponse",
            CpeResponse::GetParameterNames(_) => "GetParameterNamesResponse",
            CpeResponse::SetParameterAttributes => "SetParameterAttributesResponse",
            CpeResponse::GetParameterAttributes(_) => "GetParameterAttributesResponse",
            CpeResponse::AddObject(_) => "AddObjectResponse",
            CpeResponse::DeleteObject(_) => "DeleteObjectResponse",
            CpeResponse::Reboot => "RebootResponse",
            CpeResponse::Download(_) => "DownloadResponse",
            CpeResponse::Upload(_) => "UploadResponse",
            CpeResponse::FactoryReset => "FactoryResetResponse",
            CpeResponse::ScheduleInform => "ScheduleInformResponse",
            CpeResponse::ScheduleDownload => "ScheduleDownloadResponse",
            CpeResponse::CancelTransfer => "CancelTransferResponse",
            CpeResponse::GetQueuedTransfers(_) => "GetQueuedTransfersResponse",
            CpeResponse::GetAllQueuedTransfers(_) => "GetAllQueuedTransfersResponse",
            CpeResponse::ChangeDuState => "ChangeDUStateResponse",
            CpeResponse::SetVouchers => "SetVouchersResponse",
            CpeResponse::GetOptions(_) => "GetOptionsResponse",
        }
    }
}

impl CpeRequest {
    pub fn method_name(&self) -> &str {
        match self {
            CpeRequest::Inform(_) => "Inform",
            CpeRequest::TransferComplete(_) => "TransferComplete",
            CpeRequest::AutonomousTransferComplete(_) => "AutonomousTransferComplete",
            CpeRequest::GetRpcMethods => "GetRPCMethods",
            CpeRequest::RequestDownload(_) => "RequestDownload",
            CpeRequest::DuStateChangeComplete(_) => "DUStateChangeComplete",
            CpeRequest::AutonomousDuStateChangeComplete(_) => "AutonomousDUStateChangeComplete",
            CpeRequest::Kicked(_) => "Kicked",
            CpeRequest::Unsupported { method } => method,
        }
    }
}

impl AcsResponse {
    pub fn method_name(&self) -> &'static str {
        match self {
            AcsResponse::Inform(_) => "InformResponse",
            AcsResponse::TransferComplete => "TransferCompleteResponse",
            AcsResponse::AutonomousTransferComplete => "AutonomousTransferCompleteResponse",
            AcsResponse::GetRpcMethods(_) => "GetRPCMethodsResponse",
            AcsResponse::RequestDownload => "RequestDownloadResponse",
            AcsResponse::DuStateChangeComplete => "DUStateChangeCompleteResponse",
            AcsResponse::AutonomousDuStateChangeComplete => {
                "AutonomousDUStateChangeCompleteResponse"
            }
            AcsResponse::Kicked(_) => "KickedResponse",
        }
    }
}

impl Body {
    /// The element name of the body content (`"Fault"` for a SOAP Fault).
    pub fn method_name(&self) -> &str {
        match self {
            Body::AcsRequest(r) => r.method_name(),
            Body::CpeResponse(r) => r.method_name(),
            Body::CpeRequest(r) => r.method_name(),
            Body::AcsResponse(r) => r.method_name(),
            Body::Fault(_) => "Fault",
        }
    }
}
