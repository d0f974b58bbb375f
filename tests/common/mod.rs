//! One example of every CWMP message, shared by the codec tests.
#![allow(dead_code)]

pub mod real_uci;

use cwmpd::cwmp::rpc::attributes::*;
use cwmpd::cwmp::rpc::control::*;
use cwmpd::cwmp::rpc::du::*;
use cwmpd::cwmp::rpc::inform::*;
use cwmpd::cwmp::rpc::objects::*;
use cwmpd::cwmp::rpc::options::*;
use cwmpd::cwmp::rpc::parameters::*;
use cwmpd::cwmp::rpc::transfers::*;
use cwmpd::cwmp::xsd::{DateTime, ValueType};
use cwmpd::cwmp::*;

pub fn t(s: &str) -> DateTime {
    DateTime::parse(s).unwrap()
}

pub fn env(id: &str, body: Body) -> Envelope {
    Envelope {
        header: Header {
            id: Some(id.to_string()),
            ..Header::default()
        },
        body,
    }
}

fn pv(name: &str, value: &str, ty: ValueType) -> ParameterValue {
    ParameterValue::new(name, value, ty)
}

fn s(v: &str) -> String {
    v.to_string()
}

/// Messages the ACS sends: (kind, envelope).
pub fn acs_messages() -> Vec<(&'static str, Envelope)> {
    use AcsRequest as Q;
    let q = |id: &str, r: AcsRequest| env(id, Body::AcsRequest(r));
    let mut inform_response = env(
        "1001",
        Body::AcsResponse(AcsResponse::Inform(InformResponse { max_envelopes: 1 })),
    );
    inform_response.header.use_cwmp_version = Some(s("1.4"));
    inform_response.header.hold_requests = Some(false);
    vec![
        ("GetRPCMethods", q("acs-1", Q::GetRpcMethods)),
        (
            "SetParameterValues",
            q(
                "acs-2",
                Q::SetParameterValues(SetParameterValues {
                    parameter_list: vec![
                        pv(
                            "Device.ManagementServer.PeriodicInformInterval",
                            "600",
                            ValueType::UnsignedInt,
                        ),
                        pv(
                            "Device.WiFi.SSID.1.SSID",
                            "Café <&> \"net\"",
                            ValueType::String,
                        ),
                        pv("Device.WiFi.Radio.1.Enable", "true", ValueType::Boolean),
                        pv(
                            "Device.Time.LocalTimeZone",
                            "CET-1CEST,M3.5.0,M10.5.0/3",
                            ValueType::String,
                        ),
                        pv("Device.X_00D09E_Offset", "-5", ValueType::Int),
                        pv("Device.X_00D09E_Blob", "AAEC", ValueType::Base64),
                        pv(
                            "Device.X_00D09E_When",
                            "2025-03-01T10:00:00Z",
                            ValueType::DateTime,
                        ),
                    ],
                    parameter_key: s("pk-17"),
                }),
            ),
        ),
        (
            "GetParameterValues",
            q(
                "acs-3",
                Q::GetParameterValues(GetParameterValues {
                    parameter_names: vec![s("Device.DeviceInfo.UpTime"), s("Device.IP.Interface.")],
                }),
            ),
        ),
        (
            "GetParameterNames",
            q(
                "acs-4",
                Q::GetParameterNames(GetParameterNames {
                    parameter_path: s("Device.IP."),
                    next_level: true,
                }),
            ),
        ),
        (
            "SetParameterAttributes",
            q(
                "acs-5",
                Q::SetParameterAttributes(SetParameterAttributes {
                    parameter_list: vec![
                        SetParameterAttributesStruct {
                            name: s("Device.DeviceInfo.SoftwareVersion"),
                            notification_change: true,
                            notification: Notification::ACTIVE,
                            access_list_change: true,
                            access_list: vec![s("Subscriber")],
                        },
                        SetParameterAttributesStruct {
                            name: s("Device.IP.Interface."),
                            notification_change: true,
                            notification: Notification::PASSIVE,
                            access_list_change: false,
                            access_list: vec![],
                        },
                    ],
                }),
            ),
        ),
        (
            "GetParameterAttributes",
            q(
                "acs-6",
                Q::GetParameterAttributes(GetParameterAttributes {
                    parameter_names: vec![s("Device.DeviceInfo.")],
                }),
            ),
        ),
        (
            "AddObject",
            q(
                "acs-7",
                Q::AddObject(AddObject {
                    object_name: s("Device.NAT.PortMapping."),
                    parameter_key: s("pk-18"),
                }),
            ),
        ),
        (
            "DeleteObject",
            q(
                "acs-8",
                Q::DeleteObject(DeleteObject {
                    object_name: s("Device.NAT.PortMapping.3."),
                    parameter_key: s(""),
                }),
            ),
        ),
        (
            "Reboot",
            q(
                "acs-9",
                Q::Reboot(Reboot {
                    command_key: s("reboot-1"),
                }),
            ),
        ),
        (
            "Download",
            q(
                "acs-10",
                Q::Download(Download {
                    command_key: s("fw-2.1"),
                    file_type: FileType::new(FileType::FIRMWARE_UPGRADE_IMAGE),
                    url: s("https://files.example.net/fw.bin?a=1&b=2"),
                    username: s("u"),
                    password: s("p"),
                    file_size: 12_345_678,
                    target_file_name: s("fw.bin"),
                    delay_seconds: 0,
                    success_url: s(""),
                    failure_url: s(""),
                }),
            ),
        ),
        (
            "Upload",
            q(
                "acs-11",
                Q::Upload(Upload {
                    command_key: s("cfg-up"),
                    file_type: FileType::new(FileType::UPLOAD_VENDOR_CONFIGURATION_FILE),
                    url: s("https://files.example.net/up/"),
                    username: s(""),
                    password: s(""),
                    delay_seconds: 5,
                }),
            ),
        ),
        ("FactoryReset", q("acs-12", Q::FactoryReset)),
        (
            "ScheduleInform",
            q(
                "acs-13",
                Q::ScheduleInform(ScheduleInform {
                    delay_seconds: 60,
                    command_key: s("si-1"),
                }),
            ),
        ),
        (
            "ScheduleDownload",
            q(
                "acs-14",
                Q::ScheduleDownload(ScheduleDownload {
                    command_key: s("sd-1"),
                    file_type: FileType::new(FileType::FIRMWARE_UPGRADE_IMAGE),
                    url: s("http://files.example.net/fw.bin"),
                    username: s(""),
                    password: s(""),
                    file_size: 0,
                    target_file_name: s(""),
                    time_window_list: vec![
                        TimeWindow {
                            window_start: 0,
                            window_end: 3600,
                            window_mode: s("1 At Any Time"),
                            user_message: s(""),
                            max_retries: -1,
                        },
                        TimeWindow {
                            window_start: 7200,
                            window_end: 10800,
                            window_mode: s("3 When Idle"),
                            user_message: s("Upgrading"),
                            max_retries: 2,
                        },
                    ],
                }),
            ),
        ),
        (
            "CancelTransfer",
            q(
                "acs-15",
                Q::CancelTransfer(CancelTransfer {
                    command_key: s("sd-1"),
                }),
            ),
        ),
        ("GetQueuedTransfers", q("acs-16", Q::GetQueuedTransfers)),
        (
            "GetAllQueuedTransfers",
            q("acs-17", Q::GetAllQueuedTransfers),
        ),
        (
            "ChangeDUState",
            q(
                "acs-18",
                Q::ChangeDuState(ChangeDuState {
                    operations: vec![
                        DuOperation::Install {
                            url: s("http://files.example.net/app.ipk"),
                            uuid: Some(s("6ba7b810-9dad-11d1-80b4-00c04fd430c8")),
                            username: None,
                            password: None,
                            execution_env_ref: Some(s("Device.SoftwareModules.ExecEnv.1")),
                        },
                        DuOperation::Update {
                            uuid: Some(s("6ba7b811-9dad-11d1-80b4-00c04fd430c8")),
                            version: Some(s("2.0")),
                            url: Some(s("http://files.example.net/app2.ipk")),
                            username: Some(s("u")),
                            password: Some(s("p")),
                        },
                        DuOperation::Uninstall {
                            uuid: s("6ba7b812-9dad-11d1-80b4-00c04fd430c8"),
                            version: None,
                            execution_env_ref: None,
                        },
                    ],
                    command_key: Some(s("du-1")),
                }),
            ),
        ),
        (
            "SetVouchers",
            q(
                "acs-19",
                Q::SetVouchers(SetVouchers {
                    voucher_list: vec![b"voucher one".to_vec(), vec![0, 1, 2, 255]],
                }),
            ),
        ),
        (
            "GetOptions",
            q(
                "acs-20",
                Q::GetOptions(GetOptions {
                    option_name: s("X_00D09E_Turbo"),
                }),
            ),
        ),
        ("InformResponse", inform_response),
        (
            "TransferCompleteResponse",
            env("cpe-2", Body::AcsResponse(AcsResponse::TransferComplete)),
        ),
        (
            "AutonomousTransferCompleteResponse",
            env(
                "cpe-3",
                Body::AcsResponse(AcsResponse::AutonomousTransferComplete),
            ),
        ),
        (
            "GetRPCMethodsResponse",
            env(
                "cpe-4",
                Body::AcsResponse(AcsResponse::GetRpcMethods(GetRpcMethodsResponse {
                    method_list: vec![
                        s("Inform"),
                        s("TransferComplete"),
                        s("GetRPCMethods"),
                        s("RequestDownload"),
                    ],
                })),
            ),
        ),
        (
            "RequestDownloadResponse",
            env("cpe-5", Body::AcsResponse(AcsResponse::RequestDownload)),
        ),
        (
            "DUStateChangeCompleteResponse",
            env(
                "cpe-6",
                Body::AcsResponse(AcsResponse::DuStateChangeComplete),
            ),
        ),
        (
            "AutonomousDUStateChangeCompleteResponse",
            env(
                "cpe-7",
                Body::AcsResponse(AcsResponse::AutonomousDuStateChangeComplete),
            ),
        ),
        (
            "KickedResponse",
            env(
                "cpe-8",
                Body::AcsResponse(AcsResponse::Kicked(KickedResponse {
                    next_url: s("http://acs.example.net/welcome"),
                })),
            ),
        ),
        (
            "ACSFault",
            env(
                "cpe-9",
                Body::Fault(SoapFault::new(Fault::new(FaultCode::ACS_RETRY_REQUEST))),
            ),
        ),
    ]
}

fn op_result(uuid: &str, fault: u32) -> OpResult {
    OpResult {
        uuid: s(uuid),
        deployment_unit_ref: s("Device.SoftwareModules.DeploymentUnit.1"),
        version: s("1.0"),
        current_state: s(if fault == 0 { "Installed" } else { "Failed" }),
        resolved: fault == 0,
        execution_unit_ref_list: s("Device.SoftwareModules.ExecutionUnit.1"),
        start_time: t("2025-01-01T12:00:00Z"),
        complete_time: t("2025-01-01T12:00:05Z"),
        fault: DuFault {
            fault_code: FaultCode(fault),
            fault_string: if fault == 0 {
                None
            } else {
                Some(s("Unknown Execution Environment"))
            },
        },
    }
}

/// Every standard event code plus vendor ones, as one Inform carries them.
pub fn all_events() -> Vec<EventStruct> {
    let mut v: Vec<EventStruct> = EventCode::STANDARD
        .iter()
        .map(|c| EventStruct::new(*c, if c.starts_with("M ") { "ck-1" } else { "" }))
        .collect();
    v.push(EventStruct::new("X 00D09E vendor", ""));
    v.push(EventStruct::new("M X_00D09E_Kick", "ck-2"));
    v
}

/// Messages the CPE sends: (kind, envelope).
pub fn cpe_messages() -> Vec<(&'static str, Envelope)> {
    use CpeResponse as P;
    let p = |id: &str, r: CpeResponse| env(id, Body::CpeResponse(r));
    let mut inform = env(
        "1001",
        Body::CpeRequest(CpeRequest::Inform(Inform {
            device_id: DeviceId {
                manufacturer: s("ExampleCo"),
                oui: s("00D09E"),
                product_class: s("HomeRouter"),
                serial_number: s("SN0123456789"),
            },
            events: all_events(),
            max_envelopes: 1,
            current_time: t("2025-01-01T12:00:00Z"),
            retry_count: 0,
            parameter_list: vec![
                pv("Device.RootDataModelVersion", "2.19", ValueType::String),
                pv(
                    "Device.DeviceInfo.HardwareVersion",
                    "rev-A",
                    ValueType::String,
                ),
                pv(
                    "Device.DeviceInfo.SoftwareVersion",
                    "1.0.0",
                    ValueType::String,
                ),
                pv("Device.DeviceInfo.ProvisioningCode", "", ValueType::String),
                pv(
                    "Device.ManagementServer.ParameterKey",
                    "pk-17",
                    ValueType::String,
                ),
                pv(
                    "Device.ManagementServer.ConnectionRequestURL",
                    "http://192.0.2.10:7547/cr",
                    ValueType::String,
                ),
                pv(
                    "Device.ManagementServer.AliasBasedAddressing",
                    "false",
                    ValueType::Boolean,
                ),
            ],
        })),
    );
    inform.header.session_timeout = Some(30);
    inform.header.supported_cwmp_versions = Some(s("1.0,1.1,1.2,1.3,1.4"));
    let transfer = TransferResponse {
        status: TransferStatus::Pending,
        start_time: DateTime::UNKNOWN,
        complete_time: DateTime::UNKNOWN,
    };
    let mut spv_fault = Fault::new(FaultCode::INVALID_ARGUMENTS);
    spv_fault.set_parameter_values_faults = vec![
        SetParameterValuesFault {
            parameter_name: s("Device.ManagementServer.PeriodicInformInterval"),
            fault_code: FaultCode::INVALID_PARAMETER_VALUE,
            fault_string: s("Invalid parameter value"),
        },
        SetParameterValuesFault {
            parameter_name: s("Device.DeviceInfo.UpTime"),
            fault_code: FaultCode::NON_WRITABLE_PARAMETER,
            fault_string: s("Attempt to set a non-writable parameter"),
        },
    ];
    vec![
        ("Inform", inform),
        (
            "TransferComplete",
            env(
                "cpe-2",
                Body::CpeRequest(CpeRequest::TransferComplete(TransferComplete {
                    command_key: s("fw-2.1"),
                    fault: TransferFault {
                        fault_code: FaultCode::DOWNLOAD_FAILURE,
                        fault_string: s("File transfer failure"),
                    },
                    start_time: t("2025-01-01T12:00:00Z"),
                    complete_time: t("2025-01-01T12:01:00.5Z"),
                })),
            ),
        ),
        (
            "AutonomousTransferComplete",
            env(
                "cpe-3",
                Body::CpeRequest(CpeRequest::AutonomousTransferComplete(
                    AutonomousTransferComplete {
                        announce_url: s(""),
                        transfer_url: s("http://files.example.net/fw.bin"),
                        is_download: true,
                        file_type: FileType::new(FileType::FIRMWARE_UPGRADE_IMAGE),
                        file_size: 1000,
                        target_file_name: s(""),
                        fault: TransferFault::success(),
                        start_time: t("2025-01-01T12:00:00Z"),
                        complete_time: t("2025-01-01T12:01:00Z"),
                    },
                )),
            ),
        ),
        (
            "GetRPCMethods",
            env("cpe-4", Body::CpeRequest(CpeRequest::GetRpcMethods)),
        ),
        (
            "RequestDownload",
            env(
                "cpe-5",
                Body::CpeRequest(CpeRequest::RequestDownload(RequestDownload {
                    file_type: FileType::new(FileType::FIRMWARE_UPGRADE_IMAGE),
                    file_type_arg: vec![FileTypeArg {
                        name: s("Version"),
                        value: s("2.1"),
                    }],
                })),
            ),
        ),
        (
            "DUStateChangeComplete",
            env(
                "cpe-6",
                Body::CpeRequest(CpeRequest::DuStateChangeComplete(DuStateChangeComplete {
                    results: vec![
                        op_result("6ba7b810-9dad-11d1-80b4-00c04fd430c8", 0),
                        op_result("6ba7b811-9dad-11d1-80b4-00c04fd430c8", 9023),
                    ],
                    command_key: Some(s("du-1")),
                })),
            ),
        ),
        (
            "AutonomousDUStateChangeComplete",
            env(
                "cpe-7",
                Body::CpeRequest(CpeRequest::AutonomousDuStateChangeComplete(
                    AutonomousDuStateChangeComplete {
                        results: vec![AutonOpResult {
                            result: op_result("6ba7b813-9dad-11d1-80b4-00c04fd430c8", 0),
                            operation_performed: s("Install"),
                        }],
                    },
                )),
            ),
        ),
        (
            "Kicked",
            env(
                "cpe-8",
                Body::CpeRequest(CpeRequest::Kicked(Kicked {
                    command: s("setup"),
                    referer: s("http://portal.example.net/"),
                    arg: s("a=1"),
                    next: s("http://portal.example.net/done"),
                })),
            ),
        ),
        (
            "GetRPCMethodsResponse",
            p(
                "acs-1",
                P::GetRpcMethods(GetRpcMethodsResponse {
                    method_list: [
                        "GetRPCMethods",
                        "SetParameterValues",
                        "GetParameterValues",
                        "GetParameterNames",
                    ]
                    .map(String::from)
                    .to_vec(),
                }),
            ),
        ),
        (
            "SetParameterValuesResponse",
            p(
                "acs-2",
                P::SetParameterValues(SetParameterValuesResponse {
                    status: ApplyStatus::Applied,
                }),
            ),
        ),
        (
            "GetParameterValuesResponse",
            p(
                "acs-3",
                P::GetParameterValues(GetParameterValuesResponse {
                    parameter_list: vec![
                        pv("Device.DeviceInfo.UpTime", "3600", ValueType::UnsignedInt),
                        pv("Device.IP.Interface.1.Enable", "true", ValueType::Boolean),
                        pv(
                            "Device.IP.Interface.1.Name",
                            "wan\r\nline2\ttab",
                            ValueType::String,
                        ),
                        pv(
                            "Device.Time.CurrentLocalTime",
                            "2025-01-01T13:00:00+01:00",
                            ValueType::DateTime,
                        ),
                        pv(
                            "Device.IP.Interface.1.Stats.BytesSent",
                            "18446744073709551615",
                            ValueType::UnsignedLong,
                        ),
                        pv("Device.X_00D09E_Temp", "-3", ValueType::Int),
                        pv(
                            "Device.X_00D09E_Big",
                            "-9223372036854775808",
                            ValueType::Long,
                        ),
                        pv("Device.X_00D09E_Hex", "0aff", ValueType::HexBinary),
                        pv("Device.X_00D09E_B64", "AAEC", ValueType::Base64),
                        pv("Device.X_00D09E_Dec", "1.5", ValueType::Decimal),
                    ],
                }),
            ),
        ),
        (
            "GetParameterNamesResponse",
            p(
                "acs-4",
                P::GetParameterNames(GetParameterNamesResponse {
                    parameter_list: vec![
                        ParameterInfo {
                            name: s("Device.IP.Interface."),
                            writable: true,
                        },
                        ParameterInfo {
                            name: s("Device.IP.IPv4Capable"),
                            writable: false,
                        },
                    ],
                }),
            ),
        ),
        (
            "SetParameterAttributesResponse",
            p("acs-5", P::SetParameterAttributes),
        ),
        (
            "GetParameterAttributesResponse",
            p(
                "acs-6",
                P::GetParameterAttributes(GetParameterAttributesResponse {
                    parameter_list: vec![
                        ParameterAttribute {
                            name: s("Device.DeviceInfo.SoftwareVersion"),
                            notification: Notification::ACTIVE,
                            access_list: vec![],
                        },
                        ParameterAttribute {
                            name: s("Device.DeviceInfo.ProvisioningCode"),
                            notification: Notification::OFF,
                            access_list: vec![s("Subscriber")],
                        },
                    ],
                }),
            ),
        ),
        (
            "AddObjectResponse",
            p(
                "acs-7",
                P::AddObject(AddObjectResponse {
                    instance_number: 4,
                    status: ApplyStatus::Applied,
                }),
            ),
        ),
        (
            "DeleteObjectResponse",
            p(
                "acs-8",
                P::DeleteObject(DeleteObjectResponse {
                    status: ApplyStatus::Pending,
                }),
            ),
        ),
        ("RebootResponse", p("acs-9", P::Reboot)),
        (
            "DownloadResponse",
            p("acs-10", P::Download(transfer.clone())),
        ),
        (
            "UploadResponse",
            p(
                "acs-11",
                P::Upload(TransferResponse {
                    status: TransferStatus::Completed,
                    start_time: t("2025-01-01T12:00:00Z"),
                    complete_time: t("2025-01-01T12:00:02Z"),
                }),
            ),
        ),
        ("FactoryResetResponse", p("acs-12", P::FactoryReset)),
        ("ScheduleInformResponse", p("acs-13", P::ScheduleInform)),
        ("ScheduleDownloadResponse", p("acs-14", P::ScheduleDownload)),
        ("CancelTransferResponse", p("acs-15", P::CancelTransfer)),
        (
            "GetQueuedTransfersResponse",
            p(
                "acs-16",
                P::GetQueuedTransfers(GetQueuedTransfersResponse {
                    transfer_list: vec![
                        QueuedTransfer {
                            command_key: s("fw-2.1"),
                            state: TransferState::InProgress,
                        },
                        QueuedTransfer {
                            command_key: s("sd-1"),
                            state: TransferState::NotYetStarted,
                        },
                    ],
                }),
            ),
        ),
        (
            "GetAllQueuedTransfersResponse",
            p(
                "acs-17",
                P::GetAllQueuedTransfers(GetAllQueuedTransfersResponse {
                    transfer_list: vec![AllQueuedTransfer {
                        command_key: s("fw-2.1"),
                        state: TransferState::Completed,
                        is_download: true,
                        file_type: FileType::new(FileType::FIRMWARE_UPGRADE_IMAGE),
                        file_size: 12_345_678,
                        target_file_name: s("fw.bin"),
                    }],
                }),
            ),
        ),
        ("ChangeDUStateResponse", p("acs-18", P::ChangeDuState)),
        ("SetVouchersResponse", p("acs-19", P::SetVouchers)),
        (
            "GetOptionsResponse",
            p(
                "acs-20",
                P::GetOptions(GetOptionsResponse {
                    option_list: vec![
                        OptionInfo {
                            option_name: s("X_00D09E_Turbo"),
                            voucher_sn: 42,
                            state: 3,
                            mode: 1,
                            start_date: t("2025-01-01T00:00:00Z"),
                            expiration_date: Some(t("2026-01-01T00:00:00Z")),
                            is_transferable: 0,
                        },
                        OptionInfo {
                            option_name: s("X_00D09E_Basic"),
                            voucher_sn: 7,
                            state: 1,
                            mode: 2,
                            start_date: t("2025-01-01T00:00:00Z"),
                            expiration_date: None,
                            is_transferable: 1,
                        },
                    ],
                }),
            ),
        ),
        (
            "Fault",
            env(
                "acs-21",
                Body::Fault(SoapFault::new(Fault::new(FaultCode::METHOD_NOT_SUPPORTED))),
            ),
        ),
        (
            "SetParameterValuesFault",
            env("acs-2", Body::Fault(SoapFault::new(spv_fault))),
        ),
        (
            "VendorFault",
            env(
                "acs-22",
                Body::Fault(SoapFault::new(Fault::with_string(
                    FaultCode(9850),
                    "Vendor: flash busy",
                ))),
            ),
        ),
    ]
}

/// Inform variants, one per event code that must validate on its own.
pub fn single_event_informs() -> Vec<(String, Envelope)> {
    let (_, base) = cpe_messages().into_iter().next().unwrap();
    all_events()
        .into_iter()
        .map(|e| {
            let mut m = base.clone();
            if let Body::CpeRequest(CpeRequest::Inform(i)) = &mut m.body {
                i.events = vec![e.clone()];
            }
            let kind = format!("Inform-{}", e.event_code.as_str().replace(' ', "_"));
            (kind, m)
        })
        .collect()
}

/// Directory for generated samples: `$CARGO_TARGET_DIR/cwmp-samples/`
/// (or `<crate>/target/cwmp-samples/`).
pub fn samples_dir() -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("cwmp-samples")
}
