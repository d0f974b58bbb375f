//! Event code and fault code rules the session state machine relies on.

use cwmpd::cwmp::*;

#[test]
fn single_and_multiple_events() {
    assert!(EventCode::from("M Download").is_multiple());
    assert!(EventCode::from("M X_00D09E_Foo").is_multiple());
    assert!(!EventCode::from("1 BOOT").is_multiple());
    assert!(!EventCode::from("X 00D09E vendor").is_multiple());
    assert!(EventCode::from("X 00D09E vendor").is_vendor());
    assert!(EventCode::from("M X_00D09E_Foo").is_vendor());
    assert!(!EventCode::from("M Reboot").is_vendor());
}

#[test]
fn retention_after_failed_session_and_reboot() {
    let kept_on_failure: Vec<&str> = EventCode::STANDARD
        .iter()
        .copied()
        .filter(|c| !EventCode::from(*c).kept_after_failed_session())
        .collect();
    assert_eq!(kept_on_failure, vec!["6 CONNECTION REQUEST"]);
    let lost_on_reboot: Vec<&str> = EventCode::STANDARD
        .iter()
        .copied()
        .filter(|c| !EventCode::from(*c).kept_across_reboot())
        .collect();
    assert_eq!(
        lost_on_reboot,
        vec![
            "1 BOOT",
            "4 VALUE CHANGE",
            "6 CONNECTION REQUEST",
            "8 DIAGNOSTICS COMPLETE",
            "13 WAKEUP"
        ]
    );
    // Vendor events are persisted.
    assert!(EventCode::from("X 00D09E vendor").kept_across_reboot());
    assert!(EventCode::from("M X_00D09E_Foo").kept_after_failed_session());
}

#[test]
fn completion_responses() {
    assert_eq!(
        EventCode::from("M Download").completion(),
        Completion::TransferCompleteResponse
    );
    assert_eq!(
        EventCode::from("7 TRANSFER COMPLETE").completion(),
        Completion::TransferCompleteResponse
    );
    assert_eq!(
        EventCode::from("M ChangeDUState").completion(),
        Completion::DuStateChangeCompleteResponse
    );
    assert_eq!(
        EventCode::from("9 REQUEST DOWNLOAD").completion(),
        Completion::RequestDownloadResponse
    );
    assert_eq!(
        EventCode::from("1 BOOT").completion(),
        Completion::InformResponse
    );
    assert_eq!(
        EventCode::from("M Reboot").completion(),
        Completion::InformResponse
    );
}

#[test]
fn fault_codes() {
    assert_eq!(
        FaultCode::INVALID_ARGUMENTS.soap_fault_code(),
        SoapFaultCode::Client
    );
    assert_eq!(
        FaultCode::METHOD_NOT_SUPPORTED.soap_fault_code(),
        SoapFaultCode::Server
    );
    assert_eq!(
        FaultCode::INVALID_PARAMETER_VALUE.soap_fault_code(),
        SoapFaultCode::Client
    );
    assert_eq!(
        FaultCode::NON_WRITABLE_PARAMETER.soap_fault_code(),
        SoapFaultCode::Client
    );
    assert_eq!(
        FaultCode::DOWNLOAD_FAILURE.soap_fault_code(),
        SoapFaultCode::Server
    );
    assert!(FaultCode(9850).is_vendor());
    assert!(!FaultCode(9005).is_vendor());
    let f = SoapFault::new(Fault::new(FaultCode::INVALID_PARAMETER_NAME));
    assert_eq!(f.fault_string, "CWMP fault");
    assert_eq!(f.detail.fault_string, "Invalid parameter name");
    assert_eq!(f.fault_code, SoapFaultCode::Client);
}
