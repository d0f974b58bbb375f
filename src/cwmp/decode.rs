//! Decoding: bytes → [`Decoded`]. The XML is first read into a bounded tree
//! (`xml.rs`), then the SOAP envelope is checked and the one body element is
//! mapped to its message type. Elements are matched on namespace URI + local
//! name; argument elements (unqualified in the XSD) on local name alone, in
//! any order, unknown ones ignored — an ACS's quirks should not cost a fault.

use crate::cwmp::event::{EventCode, EventStruct};
use crate::cwmp::fault::{Fault, FaultCode, SetParameterValuesFault, SoapFault, SoapFaultCode};
use crate::cwmp::rpc::attributes::*;
use crate::cwmp::rpc::control::*;
use crate::cwmp::rpc::du::*;
use crate::cwmp::rpc::inform::*;
use crate::cwmp::rpc::objects::*;
use crate::cwmp::rpc::options::*;
use crate::cwmp::rpc::parameters::*;
use crate::cwmp::rpc::transfers::*;
use crate::cwmp::soap::*;
use crate::cwmp::xml::{self, Element, Ns, ReadLimits};
use crate::cwmp::xsd::{self, DateTime, ValueType};
use crate::cwmp::{DecodeError, Decoded, Limits};

type R<T> = Result<T, String>;

/// Decode a message sent by `sender`.
pub fn decode_from(bytes: &[u8], sender: Sender, limits: &Limits) -> Result<Decoded, DecodeError> {
    // The tree keeps at most this many elements: enough for a full array of
    // max_array_items structs (a SetParameterAttributesStruct has 6 elements
    // plus its AccessList items) and the envelope around it.
    let read_limits = ReadLimits {
        max_bytes: limits.max_envelope_bytes,
        max_depth: limits.max_depth,
        max_elements: limits.max_array_items.saturating_mul(8).saturating_add(256),
    };
    let doc = xml::read(bytes, &read_limits).map_err(DecodeError::Xml)?;
    let root = &doc.root;
    if root.ns != Ns::SoapEnv || root.local != "Envelope" {
        return Err(DecodeError::NotCwmp(format!(
            "root element is <{}>, not a SOAP 1.1 Envelope",
            root.local
        )));
    }
    let header_el = root
        .children
        .iter()
        .find(|c| c.ns == Ns::SoapEnv && c.local == "Header");
    let body_el = root
        .children
        .iter()
        .find(|c| c.ns == Ns::SoapEnv && c.local == "Body")
        .ok_or_else(|| DecodeError::NotCwmp("no soap-env:Body".into()))?;
    let msg = body_el
        .children
        .first()
        .ok_or_else(|| DecodeError::NotCwmp("empty soap-env:Body".into()))?;

    let id_el = header_el.and_then(|h| {
        h.children
            .iter()
            .find(|c| matches!(c.ns, Ns::Cwmp(_)) && c.local == "ID")
    });
    let id = id_el.map(|e| e.text.to_string());
    let is_fault = msg.ns == Ns::SoapEnv && msg.local == "Fault";
    let version = match msg.ns {
        Ns::Cwmp(v) => v,
        _ if is_fault => fault_version(msg)
            .or(id_el.and_then(|e| match e.ns {
                Ns::Cwmp(v) => Some(v),
                _ => None,
            }))
            .unwrap_or_default(),
        _ => {
            return Err(DecodeError::NotCwmp(format!(
                "body element <{}> is not in a CWMP namespace",
                msg.local
            )))
        }
    };
    let invalid = |reason: String| DecodeError::InvalidMessage {
        method: msg.local.to_string(),
        id: id.clone(),
        reason,
    };
    if doc.truncated {
        return Err(invalid(format!(
            "more than {} elements (array limit {})",
            read_limits.max_elements, limits.max_array_items
        )));
    }
    if body_el.children.len() > 1 {
        return Err(invalid("more than one element in soap-env:Body".into()));
    }
    let header = match header_el {
        Some(h) => decode_header(h).map_err(invalid)?,
        None => Header::default(),
    };
    let body = if is_fault {
        Body::Fault(decode_soap_fault(msg, limits).map_err(invalid)?)
    } else {
        let name = msg.local.as_str();
        let ctx = Ctx { limits };
        match (sender, name.ends_with("Response")) {
            (Sender::Acs, false) => Body::AcsRequest(ctx.acs_request(msg).map_err(invalid)?),
            (Sender::Acs, true) => match ctx.acs_response(msg).map_err(invalid)? {
                Some(r) => Body::AcsResponse(r),
                None => Body::AcsRequest(AcsRequest::Unsupported {
                    method: name.to_string(),
                }),
            },
            (Sender::Cpe, false) => Body::CpeRequest(ctx.cpe_request(msg).map_err(invalid)?),
            (Sender::Cpe, true) => match ctx.cpe_response(msg).map_err(invalid)? {
                Some(r) => Body::CpeResponse(r),
                None => Body::CpeRequest(CpeRequest::Unsupported {
                    method: name.to_string(),
                }),
            },
        }
    };
    Ok(Decoded {
        envelope: Envelope { header, body },
        version,
    })
}

fn fault_version(fault: &Element) -> Option<CwmpVersion> {
    match fault.child("detail")?.child("Fault")?.ns {
        Ns::Cwmp(v) => Some(v),
        _ => None,
    }
}

fn decode_header(h: &Element) -> R<Header> {
    let mut header = Header::default();
    for c in h.children.iter().filter(|c| matches!(c.ns, Ns::Cwmp(_))) {
        match c.local.as_str() {
            "ID" => header.id = Some(c.text.to_string()),
            "HoldRequests" => header.hold_requests = Some(parse_bool(c)?),
            "SessionTimeout" => header.session_timeout = Some(parse_u32(c)?),
            "SupportedCWMPVersions" => {
                header.supported_cwmp_versions = Some(c.text.trim().to_string())
            }
            "UseCWMPVersion" => header.use_cwmp_version = Some(c.text.trim().to_string()),
            // CWMP 1.0 header, deprecated since 1.1: tolerated, an empty
            // element counts as "true".
            "NoMoreRequests" => {
                header.no_more_requests = c.text.trim().is_empty() || parse_bool(c)?
            }
            _ => {}
        }
    }
    Ok(header)
}

fn decode_soap_fault(el: &Element, limits: &Limits) -> R<SoapFault> {
    let code_text = req(el, "faultcode")?.text.trim();
    // faultcode is a QName: strip whatever prefix the peer used.
    let local = code_text.rsplit(':').next().unwrap_or(code_text);
    let fault_code = match local {
        "Client" => SoapFaultCode::Client,
        "Server" => SoapFaultCode::Server,
        other => SoapFaultCode::Other(other.to_string()),
    };
    let fault_string = el
        .child("faultstring")
        .map(|e| e.text.to_string())
        .unwrap_or_default();
    let detail = req(req(el, "detail")?, "Fault")?;
    let mut spv_faults = Vec::new();
    for f in detail.children_named("SetParameterValuesFault") {
        if spv_faults.len() >= limits.max_array_items {
            return Err("too many SetParameterValuesFault elements".into());
        }
        spv_faults.push(SetParameterValuesFault {
            parameter_name: name_text(f, "ParameterName")?,
            fault_code: FaultCode(u32_of(f, "FaultCode")?),
            fault_string: opt_text(f, "FaultString").unwrap_or_default(),
        });
    }
    Ok(SoapFault {
        fault_code,
        fault_string,
        detail: Fault {
            fault_code: FaultCode(u32_of(detail, "FaultCode")?),
            fault_string: opt_text(detail, "FaultString").unwrap_or_default(),
            set_parameter_values_faults: spv_faults,
        },
    })
}

// ---- small typed accessors -------------------------------------------------

fn req<'a, 'x>(el: &'a Element<'x>, name: &str) -> R<&'a Element<'x>> {
    el.child(name)
        .ok_or_else(|| format!("<{}> lacks <{name}>", el.local))
}

/// Raw text of a required child (strings keep their whitespace).
fn text(el: &Element, name: &str) -> R<String> {
    Ok(req(el, name)?.text.to_string())
}

fn opt_text(el: &Element, name: &str) -> Option<String> {
    el.child(name).map(|c| c.text.to_string())
}

/// Text of a required child holding a name/path/URL: XML whitespace around
/// it is formatting (CRLF-indented ACS output), not content.
fn name_text(el: &Element, name: &str) -> R<String> {
    Ok(req(el, name)?.text.trim().to_string())
}

fn parse_bool(el: &Element) -> R<bool> {
    xsd::parse_bool(&el.text)
        .ok_or_else(|| format!("<{}>: '{}' is not a boolean", el.local, el.text))
}

fn parse_u32(el: &Element) -> R<u32> {
    xsd::parse_u32(&el.text)
        .ok_or_else(|| format!("<{}>: '{}' is not an unsignedInt", el.local, el.text))
}

fn bool_of(el: &Element, name: &str) -> R<bool> {
    parse_bool(req(el, name)?)
}

fn u32_of(el: &Element, name: &str) -> R<u32> {
    parse_u32(req(el, name)?)
}

fn i32_of(el: &Element, name: &str) -> R<i32> {
    let c = req(el, name)?;
    xsd::parse_i32(&c.text).ok_or_else(|| format!("<{name}>: '{}' is not an int", c.text))
}

fn datetime_of(el: &Element, name: &str) -> R<DateTime> {
    let c = req(el, name)?;
    DateTime::parse(&c.text).ok_or_else(|| format!("<{name}>: '{}' is not a dateTime", c.text))
}

fn file_type_of(el: &Element, name: &str) -> R<FileType> {
    Ok(FileType(name_text(el, name)?))
}

struct Ctx<'l> {
    limits: &'l Limits,
}

impl Ctx<'_> {
    /// The item elements of a SOAP-encoded array child, bounded by the limit.
    fn items<'a, 'x>(&self, el: &'a Element<'x>, name: &str) -> R<&'a [Element<'x>]> {
        let arr = req(el, name)?;
        if arr.children.len() > self.limits.max_array_items {
            return Err(format!(
                "<{name}> has {} items, more than the limit of {}",
                arr.children.len(),
                self.limits.max_array_items
            ));
        }
        Ok(&arr.children)
    }

    fn strings(&self, el: &Element, name: &str) -> R<Vec<String>> {
        Ok(self
            .items(el, name)?
            .iter()
            .map(|i| i.text.trim().to_string())
            .collect())
    }

    fn parameter_values(&self, el: &Element, name: &str) -> R<Vec<ParameterValue>> {
        self.items(el, name)?
            .iter()
            .map(|pv| {
                let value = req(pv, "Value")?;
                Ok(ParameterValue {
                    name: name_text(pv, "Name")?,
                    value: value.text.to_string(),
                    value_type: value
                        .xsi_type
                        .as_ref()
                        .map(|(ns, local)| value_type(*ns, local)),
                })
            })
            .collect()
    }

    fn acs_request(&self, el: &Element) -> R<AcsRequest> {
        Ok(match el.local.as_str() {
            "GetRPCMethods" => AcsRequest::GetRpcMethods,
            "SetParameterValues" => AcsRequest::SetParameterValues(SetParameterValues {
                parameter_list: self.parameter_values(el, "ParameterList")?,
                // Some ACSes omit an empty ParameterKey; treat as empty.
                parameter_key: opt_text(el, "ParameterKey").unwrap_or_default(),
            }),
            "GetParameterValues" => AcsRequest::GetParameterValues(GetParameterValues {
                parameter_names: self.strings(el, "ParameterNames")?,
            }),
            "GetParameterNames" => AcsRequest::GetParameterNames(GetParameterNames {
                parameter_path: name_text(el, "ParameterPath")?,
                next_level: bool_of(el, "NextLevel")?,
            }),
            "SetParameterAttributes" => {
                let list = self
                    .items(el, "ParameterList")?
                    .iter()
                    .map(|s| {
                        Ok(SetParameterAttributesStruct {
                            name: name_text(s, "Name")?,
                            notification_change: bool_of(s, "NotificationChange")?,
                            notification: notification_of(s)?,
                            access_list_change: bool_of(s, "AccessListChange")?,
                            access_list: self.strings(s, "AccessList")?,
                        })
                    })
                    .collect::<R<_>>()?;
                AcsRequest::SetParameterAttributes(SetParameterAttributes {
                    parameter_list: list,
                })
            }
            "GetParameterAttributes" => {
                AcsRequest::GetParameterAttributes(GetParameterAttributes {
                    parameter_names: self.strings(el, "ParameterNames")?,
                })
            }
            "AddObject" => AcsRequest::AddObject(AddObject {
                object_name: name_text(el, "ObjectName")?,
                parameter_key: opt_text(el, "ParameterKey").unwrap_or_default(),
            }),
            "DeleteObject" => AcsRequest::DeleteObject(DeleteObject {
                object_name: name_text(el, "ObjectName")?,
                parameter_key: opt_text(el, "ParameterKey").unwrap_or_default(),
            }),
            "Reboot" => AcsRequest::Reboot(Reboot {
                command_key: opt_text(el, "CommandKey").unwrap_or_default(),
            }),
            "Download" => AcsRequest::Download(Download {
                command_key: text(el, "CommandKey")?,
                file_type: file_type_of(el, "FileType")?,
                url: name_text(el, "URL")?,
                username: opt_text(el, "Username").unwrap_or_default(),
                password: opt_text(el, "Password").unwrap_or_default(),
                file_size: u32_of(el, "FileSize")?,
                target_file_name: opt_text(el, "TargetFileName").unwrap_or_default(),
                delay_seconds: u32_of(el, "DelaySeconds")?,
                success_url: opt_text(el, "SuccessURL").unwrap_or_default(),
                failure_url: opt_text(el, "FailureURL").unwrap_or_default(),
            }),
            "Upload" => AcsRequest::Upload(Upload {
                command_key: text(el, "CommandKey")?,
                file_type: file_type_of(el, "FileType")?,
                url: name_text(el, "URL")?,
                username: opt_text(el, "Username").unwrap_or_default(),
                password: opt_text(el, "Password").unwrap_or_default(),
                delay_seconds: u32_of(el, "DelaySeconds")?,
            }),
            "FactoryReset" => AcsRequest::FactoryReset,
            "ScheduleInform" => AcsRequest::ScheduleInform(ScheduleInform {
                delay_seconds: u32_of(el, "DelaySeconds")?,
                command_key: opt_text(el, "CommandKey").unwrap_or_default(),
            }),
            "ScheduleDownload" => {
                let windows = self
                    .items(el, "TimeWindowList")?
                    .iter()
                    .map(|w| {
                        Ok(TimeWindow {
                            window_start: u32_of(w, "WindowStart")?,
                            window_end: u32_of(w, "WindowEnd")?,
                            window_mode: name_text(w, "WindowMode")?,
                            user_message: opt_text(w, "UserMessage").unwrap_or_default(),
                            max_retries: i32_of(w, "MaxRetries")?,
                        })
                    })
                    .collect::<R<_>>()?;
                AcsRequest::ScheduleDownload(ScheduleDownload {
                    command_key: text(el, "CommandKey")?,
                    file_type: file_type_of(el, "FileType")?,
                    url: name_text(el, "URL")?,
                    username: opt_text(el, "Username").unwrap_or_default(),
                    password: opt_text(el, "Password").unwrap_or_default(),
                    file_size: u32_of(el, "FileSize")?,
                    target_file_name: opt_text(el, "TargetFileName").unwrap_or_default(),
                    time_window_list: windows,
                })
            }
            "CancelTransfer" => AcsRequest::CancelTransfer(CancelTransfer {
                command_key: text(el, "CommandKey")?,
            }),
            "GetQueuedTransfers" => AcsRequest::GetQueuedTransfers,
            "GetAllQueuedTransfers" => AcsRequest::GetAllQueuedTransfers,
            "ChangeDUState" => {
                let ops: Vec<&Element> = el.children_named("Operations").collect();
                if ops.is_empty() {
                    return Err("ChangeDUState without Operations".into());
                }
                if ops.len() > self.limits.max_array_items {
                    return Err("too many Operations".into());
                }
                AcsRequest::ChangeDuState(ChangeDuState {
                    operations: ops.into_iter().map(du_operation).collect::<R<_>>()?,
                    command_key: opt_text(el, "CommandKey"),
                })
            }
            "SetVouchers" => AcsRequest::SetVouchers(SetVouchers {
                voucher_list: self
                    .items(el, "VoucherList")?
                    .iter()
                    .map(|v| {
                        xsd::base64_decode(&v.text)
                            .ok_or_else(|| "voucher is not base64".to_string())
                    })
                    .collect::<R<_>>()?,
            }),
            "GetOptions" => AcsRequest::GetOptions(GetOptions {
                option_name: opt_text(el, "OptionName").unwrap_or_default(),
            }),
            other => AcsRequest::Unsupported {
                method: other.to_string(),
            },
        })
    }

    /// `Ok(None)`: not a response name this codec knows.
    fn cpe_response(&self, el: &Element) -> R<Option<CpeResponse>> {
        Ok(Some(match el.local.as_str() {
            "GetRPCMethodsResponse" => CpeResponse::GetRpcMethods(self.rpc_methods(el)?),
            "SetParameterValuesResponse" => {
                CpeResponse::SetParameterValues(SetParameterValuesResponse {
                    status: apply_status(el)?,
                })
            }
            "GetParameterValuesResponse" => {
                CpeResponse::GetParameterValues(GetParameterValuesResponse {
                    parameter_list: self.parameter_values(el, "ParameterList")?,
                })
            }
            "GetParameterNamesResponse" => self.parameter_infos(el)?,
            "SetParameterAttributesResponse" => CpeResponse::SetParameterAttributes,
            "GetParameterAttributesResponse" => self.parameter_attributes(el)?,
            "AddObjectResponse" => CpeResponse::AddObject(AddObjectResponse {
                instance_number: u32_of(el, "InstanceNumber")?,
                status: apply_status(el)?,
            }),
            "DeleteObjectResponse" => CpeResponse::DeleteObject(DeleteObjectResponse {
                status: apply_status(el)?,
            }),
            "RebootResponse" => CpeResponse::Reboot,
            "DownloadResponse" => CpeResponse::Download(transfer_response(el)?),
            "UploadResponse" => CpeResponse::Upload(transfer_response(el)?),
            "FactoryResetResponse" => CpeResponse::FactoryReset,
            "ScheduleInformResponse" => CpeResponse::ScheduleInform,
            "ScheduleDownloadResponse" => CpeResponse::ScheduleDownload,
            "CancelTransferResponse" => CpeResponse::CancelTransfer,
            "GetQueuedTransfersResponse" => self.queued_transfers(el)?,
            "GetAllQueuedTransfersResponse" => self.all_queued_transfers(el)?,
            "ChangeDUStateResponse" => CpeResponse::ChangeDuState,
            "SetVouchersResponse" => CpeResponse::SetVouchers,
            "GetOptionsResponse" => self.options(el)?,
            _ => return Ok(None),
        }))
    }

    fn rpc_methods(&self, el: &Element) -> R<GetRpcMethodsResponse> {
        Ok(GetRpcMethodsResponse {
            method_list: self.strings(el, "MethodList")?,
        })
    }

    fn parameter_infos(&self, el: &Element) -> R<CpeResponse> {
        let list = self
            .items(el, "ParameterList")?
            .iter()
            .map(|p| {
                Ok(ParameterInfo {
                    name: name_text(p, "Name")?,
                    writable: bool_of(p, "Writable")?,
                })
            })
            .collect::<R<_>>()?;
        Ok(CpeResponse::GetParameterNames(GetParameterNamesResponse {
            parameter_list: list,
        }))
    }

    fn parameter_attributes(&self, el: &Element) -> R<CpeResponse> {
        let list = self
            .items(el, "ParameterList")?
            .iter()
            .map(|p| {
                Ok(ParameterAttribute {
                    name: name_text(p, "Name")?,
                    notification: notification_of(p)?,
                    access_list: self.strings(p, "AccessList")?,
                })
            })
            .collect::<R<_>>()?;
        Ok(CpeResponse::GetParameterAttributes(
            GetParameterAttributesResponse {
                parameter_list: list,
            },
        ))
    }

    fn queued_transfers(&self, el: &Element) -> R<CpeResponse> {
        let list = self
            .items(el, "TransferList")?
            .iter()
            .map(|t| {
                Ok(QueuedTransfer {
                    command_key: text(t, "CommandKey")?,
                    state: transfer_state(t)?,
                })
            })
            .collect::<R<_>>()?;
        Ok(CpeResponse::GetQueuedTransfers(
            GetQueuedTransfersResponse {
                transfer_list: list,
            },
        ))
    }

    fn all_queued_transfers(&self, el: &Element) -> R<CpeResponse> {
        let list = self
            .items(el, "TransferList")?
            .iter()
            .map(|t| {
                Ok(AllQueuedTransfer {
                    command_key: text(t, "CommandKey")?,
                    state: transfer_state(t)?,
                    is_download: bool_of(t, "IsDownload")?,
                    file_type: file_type_of(t, "FileType")?,
                    file_size: u32_of(t, "FileSize")?,
                    target_file_name: opt_text(t, "TargetFileName").unwrap_or_default(),
                })
            })
            .collect::<R<_>>()?;
        Ok(CpeResponse::GetAllQueuedTransfers(
            GetAllQueuedTransfersResponse {
                transfer_list: list,
            },
        ))
    }

    fn options(&self, el: &Element) -> R<CpeResponse> {
        let list = self
            .items(el, "OptionList")?
            .iter()
            .map(|o| {
                Ok(OptionInfo {
                    option_name: name_text(o, "OptionName")?,
                    voucher_sn: u32_of(o, "VoucherSN")?,
                    state: u32_of(o, "State")?,
                    mode: i32_of(o, "Mode")?,
                    start_date: datetime_of(o, "StartDate")?,
                    expiration_date: match o.child("ExpirationDate") {
                        Some(_) => Some(datetime_of(o, "ExpirationDate")?),
                        None => None,
                    },
                    is_transferable: i32_of(o, "IsTransferable")?,
                })
            })
            .collect::<R<_>>()?;
        Ok(CpeResponse::GetOptions(GetOptionsResponse {
            option_list: list,
        }))
    }

    fn cpe_request(&self, el: &Element) -> R<CpeRequest> {
        Ok(match el.local.as_str() {
            "Inform" => {
                let d = req(el, "DeviceId")?;
                let events = self
                    .items(el, "Event")?
                    .iter()
                    .map(|e| {
                        Ok(EventStruct {
                            event_code: EventCode(name_text(e, "EventCode")?),
                            command_key: opt_text(e, "CommandKey").unwrap_or_default(),
                        })
                    })
                    .collect::<R<_>>()?;
                CpeRequest::Inform(Inform {
                    device_id: DeviceId {
                        manufacturer: text(d, "Manufacturer")?,
                        oui: name_text(d, "OUI")?,
                        product_class: opt_text(d, "ProductClass").unwrap_or_default(),
                        serial_number: text(d, "SerialNumber")?,
                    },
                    events,
                    max_envelopes: u32_of(el, "MaxEnvelopes")?,
                    current_time: datetime_of(el, "CurrentTime")?,
                    retry_count: u32_of(el, "RetryCount")?,
                    parameter_list: self.parameter_values(el, "ParameterList")?,
                })
            }
            "TransferComplete" => CpeRequest::TransferComplete(TransferComplete {
                command_key: text(el, "CommandKey")?,
                fault: transfer_fault(el)?,
                start_time: datetime_of(el, "StartTime")?,
                complete_time: datetime_of(el, "CompleteTime")?,
            }),
            "AutonomousTransferComplete" => {
                CpeRequest::AutonomousTransferComplete(AutonomousTransferComplete {
                    announce_url: opt_text(el, "AnnounceURL").unwrap_or_default(),
                    transfer_url: name_text(el, "TransferURL")?,
                    is_download: bool_of(el, "IsDownload")?,
                    file_type: file_type_of(el, "FileType")?,
                    file_size: u32_of(el, "FileSize")?,
                    target_file_name: opt_text(el, "TargetFileName").unwrap_or_default(),
                    fault: transfer_fault(el)?,
                    start_time: datetime_of(el, "StartTime")?,
                    complete_time: datetime_of(el, "CompleteTime")?,
                })
            }
            "GetRPCMethods" => CpeRequest::GetRpcMethods,
            "RequestDownload" => CpeRequest::RequestDownload(RequestDownload {
                file_type: file_type_of(el, "FileType")?,
                file_type_arg: self
                    .items(el, "FileTypeArg")?
                    .iter()
                    .map(|a| {
                        Ok(FileTypeArg {
                            name: text(a, "Name")?,
                            value: text(a, "Value")?,
                        })
                    })
                    .collect::<R<_>>()?,
            }),
            "DUStateChangeComplete" => {
                let results: Vec<&Element> = el.children_named("Results").collect();
                if results.is_empty() || results.len() > self.limits.max_array_items {
                    return Err("DUStateChangeComplete needs 1.. Results".into());
                }
                CpeRequest::DuStateChangeComplete(DuStateChangeComplete {
                    results: results.into_iter().map(op_result).collect::<R<_>>()?,
                    command_key: opt_text(el, "CommandKey"),
                })
            }
            "AutonomousDUStateChangeComplete" => {
                let results: Vec<&Element> = el.children_named("Results").collect();
                if results.is_empty() || results.len() > self.limits.max_array_items {
                    return Err("AutonomousDUStateChangeComplete needs 1.. Results".into());
                }
                CpeRequest::AutonomousDuStateChangeComplete(AutonomousDuStateChangeComplete {
                    results: results
                        .into_iter()
                        .map(|r| {
                            Ok(AutonOpResult {
                                result: op_result(r)?,
                                operation_performed: name_text(r, "OperationPerformed")?,
                            })
                        })
                        .collect::<R<_>>()?,
                })
            }
            "Kicked" => CpeRequest::Kicked(Kicked {
                command: text(el, "Command")?,
                referer: text(el, "Referer")?,
                arg: text(el, "Arg")?,
                next: text(el, "Next")?,
            }),
            other => CpeRequest::Unsupported {
                method: other.to_string(),
            },
        })
    }

    /// `Ok(None)`: not a response name this codec knows.
    fn acs_response(&self, el: &Element) -> R<Option<AcsResponse>> {
        Ok(Some(match el.local.as_str() {
            "InformResponse" => AcsResponse::Inform(InformResponse {
                max_envelopes: u32_of(el, "MaxEnvelopes")?,
            }),
            "TransferCompleteResponse" => AcsResponse::TransferComplete,
            "AutonomousTransferCompleteResponse" => AcsResponse::AutonomousTransferComplete,
            "GetRPCMethodsResponse" => AcsResponse::GetRpcMethods(self.rpc_methods(el)?),
            "RequestDownloadResponse" => AcsResponse::RequestDownload,
            "DUStateChangeCompleteResponse" => AcsResponse::DuStateChangeComplete,
            "AutonomousDUStateChangeCompleteResponse" => {
                AcsResponse::AutonomousDuStateChangeComplete
            }
            "KickedResponse" => AcsResponse::Kicked(KickedResponse {
                next_url: text(el, "NextURL")?,
            }),
            _ => return Ok(None),
        }))
    }
}

fn transfer_response(el: &Element) -> R<TransferResponse> {
    Ok(TransferResponse {
        status: match u32_of(el, "Status")? {
            0 => TransferStatus::Completed,
            1 => TransferStatus::Pending,
            n => return Err(format!("Status {n} is not 0 or 1")),
        },
        start_time: datetime_of(el, "StartTime")?,
        complete_time: datetime_of(el, "CompleteTime")?,
    })
}

/// Map a resolved `xsi:type` to a [`ValueType`]. Types outside the XML
/// Schema namespace are kept with our canonical prefix so they re-encode.
fn value_type(ns: Ns, local: &str) -> ValueType {
    match ns {
        Ns::Xsd => ValueType::from_xsd_name(local)
            .unwrap_or_else(|| ValueType::Other(format!("xsd:{local}"))),
        Ns::SoapEnc if local == "base64" => ValueType::Base64,
        Ns::SoapEnc => ValueType::Other(format!("soap-enc:{local}")),
        Ns::Cwmp(_) => ValueType::Other(format!("cwmp:{local}")),
        _ => ValueType::Other(local.to_string()),
    }
}

fn notification_of(el: &Element) -> R<Notification> {
    let n = u32_of(el, "Notification")?;
    u8::try_from(n)
        .map(Notification)
        .map_err(|_| format!("Notification {n} out of range"))
}

fn apply_status(el: &Element) -> R<ApplyStatus> {
    match u32_of(el, "Status")? {
        0 => Ok(ApplyStatus::Applied),
        1 => Ok(ApplyStatus::Pending),
        n => Err(format!("Status {n} is not 0 or 1")),
    }
}

fn transfer_state(el: &Element) -> R<TransferState> {
    match u32_of(el, "State")? {
        1 => Ok(TransferState::NotYetStarted),
        2 => Ok(TransferState::InProgress),
        3 => Ok(TransferState::Completed),
        n => Err(format!("transfer State {n} is not 1, 2 or 3")),
    }
}

fn transfer_fault(el: &Element) -> R<TransferFault> {
    let f = req(el, "FaultStruct")?;
    Ok(TransferFault {
        fault_code: FaultCode(u32_of(f, "FaultCode")?),
        fault_string: opt_text(f, "FaultString").unwrap_or_default(),
    })
}

fn du_operation(op: &Element) -> R<DuOperation> {
    let kind = op.xsi_type.as_ref().map(|(_, l)| l.as_str()).unwrap_or("");
    let opt = |n: &str| op.child(n).map(|c| c.text.trim().to_string());
    Ok(match kind {
        "InstallOpStruct" => DuOperation::Install {
            url: name_text(op, "URL")?,
            uuid: opt("UUID"),
            username: op.child("Username").map(|c| c.text.to_string()),
            password: op.child("Password").map(|c| c.text.to_string()),
            execution_env_ref: opt("ExecutionEnvRef"),
        },
        "UpdateOpStruct" => DuOperation::Update {
            uuid: opt("UUID"),
            version: opt("Version"),
            url: opt("URL"),
            username: op.child("Username").map(|c| c.text.to_string()),
            password: op.child("Password").map(|c| c.text.to_string()),
        },
        "UninstallOpStruct" => DuOperation::Uninstall {
            uuid: name_text(op, "UUID")?,
            version: opt("Version"),
            execution_env_ref: opt("ExecutionEnvRef"),
        },
        other => return Err(format!("unknown ChangeDUState operation type '{other}'")),
    })
}

fn op_result(r: &Element) -> R<OpResult> {
    let f = req(r, "Fault")?;
    Ok(OpResult {
        uuid: name_text(r, "UUID")?,
        deployment_unit_ref: text(r, "DeploymentUnitRef")?,
        version: text(r, "Version")?,
        current_state: name_text(r, "CurrentState")?,
        resolved: bool_of(r, "Resolved")?,
        execution_unit_ref_list: text(r, "ExecutionUnitRefList")?,
        start_time: datetime_of(r, "StartTime")?,
        complete_time: datetime_of(r, "CompleteTime")?,
        fault: DuFault {
            fault_code: FaultCode(u32_of(f, "FaultCode")?),
            fault_string: opt_text(f, "FaultString"),
        },
    })
}
