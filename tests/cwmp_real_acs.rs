//! Messages written the way real ACSes write them: other prefixes
//! (SOAP-ENV, soapenv, ns0), default namespaces, cwmp-1-0/1-1, hex and
//! other opaque IDs, empty ParameterPath / CommandKey, values without
//! xsi:type, CRLF indentation. Fixtures: tests/fixtures/cwmp/real/.

use cwmpd::cwmp::rpc::control::Reboot;
use cwmpd::cwmp::rpc::parameters::*;
use cwmpd::cwmp::xsd::ValueType;
use cwmpd::cwmp::*;

fn fixture(name: &str) -> Result<Decoded, DecodeError> {
    let path = format!(
        "{}/tests/fixtures/cwmp/real/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap();
    decode(&bytes, &Limits::default())
}

#[test]
fn genieacs_style_get_parameter_names_with_empty_path() {
    let d = fixture("genieacs-gpn-empty-path.xml").unwrap();
    assert_eq!(d.version, CwmpVersion::V1_0);
    assert_eq!(d.envelope.header.id.as_deref(), Some("1a1fee8a7b80000"));
    assert_eq!(
        d.envelope.body,
        Body::AcsRequest(AcsRequest::GetParameterNames(GetParameterNames {
            parameter_path: String::new(),
            next_level: false,
        }))
    );
}

#[test]
fn openacs_style_crlf_and_untyped_values() {
    let d = fixture("openacs-spv-crlf-untyped.xml").unwrap();
    assert_eq!(d.version, CwmpVersion::V1_0);
    assert_eq!(d.envelope.header.id.as_deref(), Some("7"));
    assert!(!d.envelope.header.no_more_requests);
    let Body::AcsRequest(AcsRequest::SetParameterValues(spv)) = d.envelope.body else {
        panic!("not SPV");
    };
    assert_eq!(spv.parameter_key, "");
    assert_eq!(
        spv.parameter_list,
        vec![
            ParameterValue {
                name: "Device.ManagementServer.PeriodicInformInterval".into(),
                value: "300".into(),
                value_type: None,
            },
            ParameterValue {
                name: "Device.WiFi.SSID.1.SSID".into(),
                value: "Home & Garden".into(),
                value_type: Some(ValueType::String),
            },
        ]
    );
}

#[test]
fn default_namespaces_and_other_prefixes() {
    let d = fixture("default-namespaces-gpv.xml").unwrap();
    assert_eq!(d.version, CwmpVersion::V1_1);
    assert_eq!(d.envelope.header.id.as_deref(), Some("ACS-0042"));
    assert_eq!(
        d.envelope.body,
        Body::AcsRequest(AcsRequest::GetParameterValues(GetParameterValues {
            parameter_names: vec![
                "Device.DeviceInfo.".into(),
                "Device.ManagementServer.URL".into(),
                "Device.Time.CurrentLocalTime".into(),
            ],
        }))
    );
}

#[test]
fn ns0_prefixes_and_empty_command_key() {
    let d = fixture("ns0-reboot-empty-commandkey.xml").unwrap();
    assert_eq!(d.version, CwmpVersion::V1_2);
    assert_eq!(d.envelope.header.id.as_deref(), Some("0x1F"));
    assert_eq!(
        d.envelope.body,
        Body::AcsRequest(AcsRequest::Reboot(Reboot {
            command_key: String::new()
        }))
    );
}

#[test]
fn hold_requests_header() {
    let d = fixture("hold-requests-inform-response.xml").unwrap();
    assert_eq!(d.envelope.header.hold_requests, Some(true));
    assert_eq!(d.envelope.body.method_name(), "InformResponse");
}

#[test]
fn acs_fault_with_prefixed_faultcode() {
    let d = fixture("acs-fault-retry.xml").unwrap();
    let Body::Fault(f) = d.envelope.body else {
        panic!("not a fault")
    };
    assert_eq!(f.fault_code, SoapFaultCode::Server);
    assert_eq!(f.detail.fault_code, FaultCode::ACS_RETRY_REQUEST);
    assert_eq!(d.version, CwmpVersion::V1_0);
}

#[test]
fn download_with_empty_fields_and_padded_url() {
    let d = fixture("download-empty-fields.xml").unwrap();
    let Body::AcsRequest(AcsRequest::Download(dl)) = d.envelope.body else {
        panic!("not a Download")
    };
    assert_eq!(dl.url, "http://10.0.0.1/fw.bin");
    assert_eq!(dl.command_key, "");
    assert_eq!(dl.username, "");
    assert_eq!(dl.file_type.as_str(), "1 Firmware Upgrade Image");
}

#[test]
fn unknown_rpc_is_unsupported_not_an_error() {
    let d = fixture("vendor-rpc.xml").unwrap();
    assert_eq!(d.envelope.header.id.as_deref(), Some("v-1"));
    assert_eq!(
        d.envelope.body,
        Body::AcsRequest(AcsRequest::Unsupported {
            method: "X_00D09E_Diagnose".into()
        })
    );
}

#[test]
fn malformed_request_keeps_method_and_id_for_fault_9003() {
    let err = fixture("malformed-gpn.xml").unwrap_err();
    match &err {
        DecodeError::InvalidMessage { method, id, reason } => {
            assert_eq!(method, "GetParameterNames");
            assert_eq!(id.as_deref(), Some("bad-1"));
            assert!(reason.contains("NextLevel"), "{reason}");
        }
        other => panic!("expected InvalidMessage, got {other:?}"),
    }
    assert_eq!(err.fault_code(), Some(FaultCode::INVALID_ARGUMENTS));
}

#[test]
fn acs_response_answers_get_rpc_methods() {
    // An ACS answering the CPE's GetRPCMethods: decoded as an AcsResponse.
    let xml = br#"<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/" xmlns:c="urn:dslforum-org:cwmp-1-2"><e:Header><c:ID e:mustUnderstand="1">cpe-1</c:ID></e:Header><e:Body><c:GetRPCMethodsResponse><MethodList><string>Inform</string><string>TransferComplete</string></MethodList></c:GetRPCMethodsResponse></e:Body></e:Envelope>"#;
    let d = decode(xml, &Limits::default()).unwrap();
    assert_eq!(
        d.envelope.body,
        Body::AcsResponse(AcsResponse::GetRpcMethods(
            cwmpd::cwmp::rpc::control::GetRpcMethodsResponse {
                method_list: vec!["Inform".into(), "TransferComplete".into()]
            }
        ))
    );
}
