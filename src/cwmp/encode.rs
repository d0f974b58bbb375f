//! Encoding: [`Envelope`] → bytes, valid against the BBF XSD of the chosen
//! namespace. Element order follows the XSD sequences (cwmp-1-2.xsd and
//! cwmp-1-4.xsd); SOAP-encoded arrays carry `soap-enc:arrayType` with the
//! item count; parameter values carry `xsi:type` when known.

use crate::cwmp::event::EventStruct;
use crate::cwmp::fault::{SoapFault, SoapFaultCode};
use crate::cwmp::rpc::du::*;
use crate::cwmp::rpc::parameters::*;
use crate::cwmp::rpc::transfers::*;
use crate::cwmp::soap::*;
use crate::cwmp::xml::Writer;
use crate::cwmp::xsd::{self, DateTime, ValueType, XSD_NS};

/// Encode `env` in the namespace of `version`.
pub fn encode(env: &Envelope, version: CwmpVersion) -> Vec<u8> {
    let mut w = Writer::with_capacity(4096);
    w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    w.open_start("soap-env:Envelope");
    w.attr("xmlns:soap-env", SOAP_ENV_NS);
    w.attr("xmlns:soap-enc", SOAP_ENC_NS);
    w.attr("xmlns:xsd", XSD_NS);
    w.attr("xmlns:xsi", XSI_NS);
    w.attr("xmlns:cwmp", version.namespace());
    w.open_end();
    header(&mut w, &env.header);
    w.open("soap-env:Body");
    match &env.body {
        Body::AcsRequest(r) => acs_request(&mut w, r),
        Body::CpeResponse(r) => cpe_response(&mut w, r),
        Body::CpeRequest(r) => cpe_request(&mut w, r),
        Body::AcsResponse(r) => acs_response(&mut w, r),
        Body::Fault(f) => soap_fault(&mut w, f),
    }
    w.close("soap-env:Body");
    w.close("soap-env:Envelope");
    w.into_bytes()
}

fn header(w: &mut Writer, h: &Header) {
    let any = h.id.is_some()
        || h.hold_requests.is_some()
        || h.session_timeout.is_some()
        || h.supported_cwmp_versions.is_some()
        || h.use_cwmp_version.is_some();
    if !any {
        return;
    }
    w.open("soap-env:Header");
    // mustUnderstand values per the XSD: ID, HoldRequests and UseCWMPVersion
    // "1"; SupportedCWMPVersions "0"; SessionTimeout fixed "0" (left out).
    let must = |w: &mut Writer, name: &str, flag: &str, text: &str| {
        w.open_start(name);
        w.attr("soap-env:mustUnderstand", flag);
        w.open_end();
        w.text(text);
        w.close(name);
    };
    if let Some(id) = &h.id {
        must(w, "cwmp:ID", "1", id);
    }
    if let Some(hold) = h.hold_requests {
        must(w, "cwmp:HoldRequests", "1", xsd::format_bool(hold));
    }
    if let Some(t) = h.session_timeout {
        w.text_element("cwmp:SessionTimeout", &t.to_string());
    }
    if let Some(v) = &h.supported_cwmp_versions {
        must(w, "cwmp:SupportedCWMPVersions", "0", v);
    }
    if let Some(v) = &h.use_cwmp_version {
        must(w, "cwmp:UseCWMPVersion", "1", v);
    }
    // NoMoreRequests is deprecated (TR-069 §A.2.1.3): never sent.
    w.close("soap-env:Header");
}

// ---- helpers ---------------------------------------------------------------

fn el(w: &mut Writer, name: &str, text: &str) {
    w.text_element(name, text);
}

fn el_u32(w: &mut Writer, name: &str, v: u32) {
    w.text_element(name, &v.to_string());
}

fn el_i32(w: &mut Writer, name: &str, v: i32) {
    w.text_element(name, &v.to_string());
}

fn el_bool(w: &mut Writer, name: &str, v: bool) {
    w.text_element(name, xsd::format_bool(v));
}

fn el_time(w: &mut Writer, name: &str, t: &DateTime) {
    w.text_element(name, &t.to_string());
}

/// `<name soap-enc:arrayType="item_type[n]">` … items … `</name>`.
fn array<T>(
    w: &mut Writer,
    name: &str,
    item_type: &str,
    items: &[T],
    mut item: impl FnMut(&mut Writer, &T),
) {
    w.open_start(name);
    w.attr(
        "soap-enc:arrayType",
        &format!("{item_type}[{}]", items.len()),
    );
    w.open_end();
    for i in items {
        item(w, i);
    }
    w.close(name);
}

fn strings(w: &mut Writer, name: &str, items: &[String]) {
    array(w, name, "xsd:string", items, |w, s| el(w, "string", s));
}

/// The `xsi:type` text for a value type (prefixes as declared on the Envelope).
fn type_attr(t: &ValueType) -> &str {
    match t {
        ValueType::String => "xsd:string",
        ValueType::Int => "xsd:int",
        ValueType::UnsignedInt => "xsd:unsignedInt",
        ValueType::Long => "xsd:long",
        ValueType::UnsignedLong => "xsd:unsignedLong",
        ValueType::Boolean => "xsd:boolean",
        ValueType::DateTime => "xsd:dateTime",
        // xsd has no "base64": base64Binary is the XML Schema type.
        ValueType::Base64 => "xsd:base64Binary",
        ValueType::HexBinary => "xsd:hexBinary",
        ValueType::Decimal => "xsd:decimal",
        ValueType::Other(s) => s,
    }
}

fn parameter_values(w: &mut Writer, list: &[ParameterValue]) {
    array(
        w,
        "ParameterList",
        "cwmp:ParameterValueStruct",
        list,
        |w, pv| {
            w.open("ParameterValueStruct");
            el(w, "Name", &pv.name);
            w.open_start("Value");
            if let Some(t) = &pv.value_type {
                w.attr("xsi:type", type_attr(t));
            }
            w.open_end();
            w.text(&pv.value);
            w.close("Value");
            w.close("ParameterValueStruct");
        },
    );
}

fn method_list(w: &mut Writer, name: &str, methods: &[String]) {
    w.open(name);
    strings(w, "MethodList", methods);
    w.close(name);
}

fn empty_rpc(w: &mut Writer, method: &str) {
    w.empty(&format!("cwmp:{method}"));
}

// ---- ACS → CPE requests --------------------------------------------------

fn acs_request(w: &mut Writer, r: &AcsRequest) {
    let tag = format!("cwmp:{}", r.method_name());
    match r {
        AcsRequest::GetRpcMethods
        | AcsRequest::FactoryReset
        | AcsRequest::GetQueuedTransfers
        | AcsRequest::GetAllQueuedTransfers
        | AcsRequest::Unsupported { .. } => return empty_rpc(w, r.method_name()),
        _ => {}
    }
    w.open(&tag);
    match r {
        AcsRequest::SetParameterValues(m) => {
            parameter_values(w, &m.parameter_list);
            el(w, "ParameterKey", &m.parameter_key);
        }
        AcsRequest::GetParameterValues(m) => strings(w, "ParameterNames", &m.parameter_names),
        AcsRequest::GetParameterNames(m) => {
            el(w, "ParameterPath", &m.parameter_path);
            el_bool(w, "NextLevel", m.next_level);
        }
        AcsRequest::SetParameterAttributes(m) => {
            array(
                w,
                "ParameterList",
                "cwmp:SetParameterAttributesStruct",
                &m.parameter_list,
                |w, s| {
                    w.open("SetParameterAttributesStruct");
                    el(w, "Name", &s.name);
                    el_bool(w, "NotificationChange", s.notification_change);
                    el_u32(w, "Notification", u32::from(s.notification.0));
                    el_bool(w, "AccessListChange", s.access_list_change);
                    strings(w, "AccessList", &s.access_list);
                    w.close("SetParameterAttributesStruct");
                },
            );
        }
        AcsRequest::GetParameterAttributes(m) => strings(w, "ParameterNames", &m.parameter_names),
        AcsRequest::AddObject(m) => {
            el(w, "ObjectName", &m.object_name);
            el(w, "ParameterKey", &m.parameter_key);
        }
        AcsRequest::DeleteObject(m) => {
            el(w, "ObjectName", &m.object_name);
            el(w, "ParameterKey", &m.parameter_key);
        }
        AcsRequest::Reboot(m) => el(w, "CommandKey", &m.command_key),
        AcsRequest::Download(m) => {
            el(w, "CommandKey", &m.command_key);
            el(w, "FileType", m.file_type.as_str());
            el(w, "URL", &m.url);
            el(w, "Username", &m.username);
            el(w, "Password", &m.password);
            el_u32(w, "FileSize", m.file_size);
            el(w, "TargetFileName", &m.target_file_name);
            el_u32(w, "DelaySeconds", m.delay_seconds);
            el(w, "SuccessURL", &m.success_url);
            el(w, "FailureURL", &m.failure_url);
        }
        AcsRequest::Upload(m) => {
            el(w, "CommandKey", &m.command_key);
            el(w, "FileType", m.file_type.as_str());
            el(w, "URL", &m.url);
            el(w, "Username", &m.username);
            el(w, "Password", &m.password);
            el_u32(w, "DelaySeconds", m.delay_seconds);
        }
        AcsRequest::ScheduleInform(m) => {
            el_u32(w, "DelaySeconds", m.delay_seconds);
            el(w, "CommandKey", &m.command_key);
        }
        AcsRequest::ScheduleDownload(m) => {
            el(w, "CommandKey", &m.command_key);
            el(w, "FileType", m.file_type.as_str());
            el(w, "URL", &m.url);
            el(w, "Username", &m.username);
            el(w, "Password", &m.password);
            el_u32(w, "FileSize", m.file_size);
            el(w, "TargetFileName", &m.target_file_name);
            array(
                w,
                "TimeWindowList",
                "cwmp:TimeWindowStruct",
                &m.time_window_list,
                |w, t| {
                    w.open("TimeWindowStruct");
                    el_u32(w, "WindowStart", t.window_start);
                    el_u32(w, "WindowEnd", t.window_end);
                    el(w, "WindowMode", &t.window_mode);
                    el(w, "UserMessage", &t.user_message);
                    el_i32(w, "MaxRetries", t.max_retries);
                    w.close("TimeWindowStruct");
                },
            );
        }
        AcsRequest::CancelTransfer(m) => el(w, "CommandKey", &m.command_key),
        AcsRequest::ChangeDuState(m) => {
            for op in &m.operations {
                du_operation(w, op);
            }
            if let Some(k) = &m.command_key {
                el(w, "CommandKey", k);
            }
        }
        AcsRequest::SetVouchers(m) => {
            array(
                w,
                "VoucherList",
                "soap-enc:base64",
                &m.voucher_list,
                |w, v| {
                    el(w, "base64", &xsd::base64_encode(v));
                },
            );
        }
        AcsRequest::GetOptions(m) => el(w, "OptionName", &m.option_name),
        AcsRequest::GetRpcMethods
        | AcsRequest::FactoryReset
        | AcsRequest::GetQueuedTransfers
        | AcsRequest::GetAllQueuedTransfers
        | AcsRequest::Unsupported { .. } => {}
    }
    w.close(&tag);
}

fn du_operation(w: &mut Writer, op: &DuOperation) {
    let opt = |w: &mut Writer, name: &str, v: &Option<String>| {
        if let Some(v) = v {
            el(w, name, v);
        }
    };
    w.open_start("Operations");
    match op {
        DuOperation::Install {
            url,
            uuid,
            username,
            password,
            execution_env_ref,
        } => {
            w.attr("xsi:type", "cwmp:InstallOpStruct");
            w.open_end();
            el(w, "URL", url);
            opt(w, "UUID", uuid);
            opt(w, "Username", username);
            opt(w, "Password", password);
            opt(w, "ExecutionEnvRef", execution_env_ref);
        }
        DuOperation::Update {
            uuid,
            version,
            url,
            username,
            password,
        } => {
            w.attr("xsi:type", "cwmp:UpdateOpStruct");
            w.open_end();
            opt(w, "UUID", uuid);
            opt(w, "Version", version);
            opt(w, "URL", url);
            opt(w, "Username", username);
            opt(w, "Password", password);
        }
        DuOperation::Uninstall {
            uuid,
            version,
            execution_env_ref,
        } => {
            w.attr("xsi:type", "cwmp:UninstallOpStruct");
            w.open_end();
            el(w, "UUID", uuid);
            opt(w, "Version", version);
            opt(w, "ExecutionEnvRef", execution_env_ref);
        }
    }
    w.close("Operations");
}

// ---- CPE → ACS responses -------------------------------------------------

fn cpe_response(w: &mut Writer, r: &CpeResponse) {
    let tag = format!("cwmp:{}", r.method_name());
    match r {
        CpeResponse::SetParameterAttributes
        | CpeResponse::Reboot
        | CpeResponse::FactoryReset
        | CpeResponse::ScheduleInform
        | CpeResponse::ScheduleDownload
        | CpeResponse::CancelTransfer
        | CpeResponse::ChangeDuState
        | CpeResponse::SetVouchers => return empty_rpc(w, r.method_name()),
        CpeResponse::GetRpcMethods(m) => return method_list(w, &tag, &m.method_list),
        _ => {}
    }
    w.open(&tag);
    match r {
        CpeResponse::SetParameterValues(m) => el_u32(w, "Status", m.status as u32),
        CpeResponse::GetParameterValues(m) => parameter_values(w, &m.parameter_list),
        CpeResponse::GetParameterNames(m) => {
            array(
                w,
                "ParameterList",
                "cwmp:ParameterInfoStruct",
                &m.parameter_list,
                |w, p| {
                    w.open("ParameterInfoStruct");
                    el(w, "Name", &p.name);
                    el_bool(w, "Writable", p.writable);
                    w.close("ParameterInfoStruct");
                },
            );
        }
        CpeResponse::GetParameterAttributes(m) => {
            array(
                w,
                "ParameterList",
                "cwmp:ParameterAttributeStruct",
                &m.parameter_list,
                |w, p| {
                    w.open("ParameterAttributeStruct");
                    el(w, "Name", &p.name);
                    el_u32(w, "Notification", u32::from(p.notification.0));
                    strings(w, "AccessList", &p.access_list);
                    w.close("ParameterAttributeStruct");
                },
            );
        }
        CpeResponse::AddObject(m) => {
            el_u32(w, "InstanceNumber", m.instance_number);
            el_u32(w, "Status", m.status as u32);
        }
        CpeResponse::DeleteObject(m) => el_u32(w, "Status", m.status as u32),
        CpeResponse::Download(m) | CpeResponse::Upload(m) => {
            el_u32(w, "Status", m.status as u32);
            el_time(w, "StartTime", &m.start_time);
            el_time(w, "CompleteTime", &m.complete_time);
        }
        CpeResponse::GetQueuedTransfers(m) => {
            array(
                w,
                "TransferList",
                "cwmp:QueuedTransferStruct",
                &m.transfer_list,
                |w, t| {
                    w.open("QueuedTransferStruct");
                    el(w, "CommandKey", &t.command_key);
                    el_u32(w, "State", t.state as u32);
                    w.close("QueuedTransferStruct");
                },
            );
        }
        CpeResponse::GetAllQueuedTransfers(m) => {
            array(
                w,
                "TransferList",
                "cwmp:AllQueuedTransferStruct",
                &m.transfer_list,
                |w, t| {
                    w.open("AllQueuedTransferStruct");
                    el(w, "CommandKey", &t.command_key);
                    el_u32(w, "State", t.state as u32);
                    el_bool(w, "IsDownload", t.is_download);
                    el(w, "FileType", t.file_type.as_str());
                    el_u32(w, "FileSize", t.file_size);
                    el(w, "TargetFileName", &t.target_file_name);
                    w.close("AllQueuedTransferStruct");
                },
            );
        }
        CpeResponse::GetOptions(m) => {
            array(
                w,
                "OptionList",
                "cwmp:OptionStruct",
                &m.option_list,
                |w, o| {
                    w.open("OptionStruct");
                    el(w, "OptionName", &o.option_name);
                    el_u32(w, "VoucherSN", o.voucher_sn);
                    el_u32(w, "State", o.state);
                    el_i32(w, "Mode", o.mode);
                    el_time(w, "StartDate", &o.start_date);
                    if let Some(e) = &o.expiration_date {
                        el_time(w, "ExpirationDate", e);
                    }
                    el_i32(w, "IsTransferable", o.is_transferable);
                    w.close("OptionStruct");
                },
            );
        }
        _ => {}
    }
    w.close(&tag);
}

// ---- CPE → ACS requests --------------------------------------------------

fn transfer_fault(w: &mut Writer, f: &TransferFault) {
    w.open("FaultStruct");
    el_u32(w, "FaultCode", f.fault_code.0);
    el(w, "FaultString", &f.fault_string);
    w.close("FaultStruct");
}

fn op_result(w: &mut Writer, r: &OpResult, performed: Option<&str>) {
    el(w, "UUID", &r.uuid);
    el(w, "DeploymentUnitRef", &r.deployment_unit_ref);
    el(w, "Version", &r.version);
    el(w, "CurrentState", &r.current_state);
    el_bool(w, "Resolved", r.resolved);
    el(w, "ExecutionUnitRefList", &r.execution_unit_ref_list);
    el_time(w, "StartTime", &r.start_time);
    el_time(w, "CompleteTime", &r.complete_time);
    w.open("Fault");
    el_u32(w, "FaultCode", r.fault.fault_code.0);
    if let Some(s) = &r.fault.fault_string {
        el(w, "FaultString", s);
    }
    w.close("Fault");
    if let Some(p) = performed {
        el(w, "OperationPerformed", p);
    }
}

fn cpe_request(w: &mut Writer, r: &CpeRequest) {
    let tag = format!("cwmp:{}", r.method_name());
    if matches!(
        r,
        CpeRequest::GetRpcMethods | CpeRequest::Unsupported { .. }
    ) {
        return empty_rpc(w, r.method_name());
    }
    w.open(&tag);
    match r {
        CpeRequest::Inform(m) => {
            w.open("DeviceId");
            el(w, "Manufacturer", &m.device_id.manufacturer);
            el(w, "OUI", &m.device_id.oui);
            el(w, "ProductClass", &m.device_id.product_class);
            el(w, "SerialNumber", &m.device_id.serial_number);
            w.close("DeviceId");
            array(
                w,
                "Event",
                "cwmp:EventStruct",
                &m.events,
                |w, e: &EventStruct| {
                    w.open("EventStruct");
                    el(w, "EventCode", e.event_code.as_str());
                    el(w, "CommandKey", &e.command_key);
                    w.close("EventStruct");
                },
            );
            el_u32(w, "MaxEnvelopes", m.max_envelopes);
            el_time(w, "CurrentTime", &m.current_time);
            el_u32(w, "RetryCount", m.retry_count);
            parameter_values(w, &m.parameter_list);
        }
        CpeRequest::TransferComplete(m) => {
            el(w, "CommandKey", &m.command_key);
            transfer_fault(w, &m.fault);
            el_time(w, "StartTime", &m.start_time);
            el_time(w, "CompleteTime", &m.complete_time);
        }
        CpeRequest::AutonomousTransferComplete(m) => {
            el(w, "AnnounceURL", &m.announce_url);
            el(w, "TransferURL", &m.transfer_url);
            el_bool(w, "IsDownload", m.is_download);
            el(w, "FileType", m.file_type.as_str());
            el_u32(w, "FileSize", m.file_size);
            el(w, "TargetFileName", &m.target_file_name);
            transfer_fault(w, &m.fault);
            el_time(w, "StartTime", &m.start_time);
            el_time(w, "CompleteTime", &m.complete_time);
        }
        CpeRequest::RequestDownload(m) => {
            el(w, "FileType", m.file_type.as_str());
            array(
                w,
                "FileTypeArg",
                "cwmp:ArgStruct",
                &m.file_type_arg,
                |w, a| {
                    w.open("ArgStruct");
                    el(w, "Name", &a.name);
                    el(w, "Value", &a.value);
                    w.close("ArgStruct");
                },
            );
        }
        CpeRequest::DuStateChangeComplete(m) => {
            for r in &m.results {
                w.open("Results");
                op_result(w, r, None);
                w.close("Results");
            }
            if let Some(k) = &m.command_key {
                el(w, "CommandKey", k);
            }
        }
        CpeRequest::AutonomousDuStateChangeComplete(m) => {
            for r in &m.results {
                w.open("Results");
                op_result(w, &r.result, Some(&r.operation_performed));
                w.close("Results");
            }
        }
        CpeRequest::Kicked(m) => {
            el(w, "Command", &m.command);
            el(w, "Referer", &m.referer);
            el(w, "Arg", &m.arg);
            el(w, "Next", &m.next);
        }
        CpeRequest::GetRpcMethods | CpeRequest::Unsupported { .. } => {}
    }
    w.close(&tag);
}

// ---- ACS → CPE responses -------------------------------------------------

fn acs_response(w: &mut Writer, r: &AcsResponse) {
    let tag = format!("cwmp:{}", r.method_name());
    match r {
        AcsResponse::Inform(m) => {
            w.open(&tag);
            el_u32(w, "MaxEnvelopes", m.max_envelopes);
            w.close(&tag);
        }
        AcsResponse::GetRpcMethods(m) => method_list(w, &tag, &m.method_list),
        AcsResponse::Kicked(m) => {
            w.open(&tag);
            el(w, "NextURL", &m.next_url);
            w.close(&tag);
        }
        AcsResponse::TransferComplete
        | AcsResponse::AutonomousTransferComplete
        | AcsResponse::RequestDownload
        | AcsResponse::DuStateChangeComplete
        | AcsResponse::AutonomousDuStateChangeComplete => empty_rpc(w, r.method_name()),
    }
}

// ---- SOAP Fault (TR-069 §A.5) ----------------------------------------------

fn soap_fault(w: &mut Writer, f: &SoapFault) {
    w.open("soap-env:Fault");
    let code = match &f.fault_code {
        SoapFaultCode::Client => "Client",
        SoapFaultCode::Server => "Server",
        SoapFaultCode::Other(s) => s,
    };
    el(w, "faultcode", code);
    el(w, "faultstring", &f.fault_string);
    w.open("detail");
    w.open("cwmp:Fault");
    el_u32(w, "FaultCode", f.detail.fault_code.0);
    el(w, "FaultString", &f.detail.fault_string);
    for p in &f.detail.set_parameter_values_faults {
        w.open("SetParameterValuesFault");
        el(w, "ParameterName", &p.parameter_name);
        el_u32(w, "FaultCode", p.fault_code.0);
        el(w, "FaultString", &p.fault_string);
        w.close("SetParameterValuesFault");
    }
    w.close("cwmp:Fault");
    w.close("detail");
    w.close("soap-env:Fault");
}
