//! Scripted whole CWMP sessions on a fake clock (issue: protocol core).
//! The ACS side is played by this test with the same codec; every message
//! the CPE emits is decoded back and checked.

use std::time::Duration;

use cwmpd::cwmp::rpc::control::GetRpcMethodsResponse;
use cwmpd::cwmp::rpc::inform::{DeviceId, Inform, InformResponse};
use cwmpd::cwmp::rpc::parameters::{
    GetParameterValues, GetParameterValuesResponse, ParameterValue,
};
use cwmpd::cwmp::rpc::transfers::{TransferComplete, TransferFault};
use cwmpd::cwmp::session::retry::RetryPolicy;
use cwmpd::cwmp::session::{
    Failure, Reply, RpcHandler, Session, SessionConfig, SessionEvent, Transmit,
};
use cwmpd::cwmp::xsd::{DateTime, ValueType};
use cwmpd::cwmp::{
    decode_from, encode, AcsRequest, AcsResponse, Body, CpeRequest, CpeResponse, CwmpVersion,
    Envelope, EventStruct, Fault, FaultCode, Header, Limits, Sender, SoapFault,
};

/// Answers GetParameterValues from a fixed table, GetRPCMethods with a list.
struct Model;

impl RpcHandler for Model {
    fn handle(&mut self, request: &AcsRequest) -> Result<CpeResponse, Fault> {
        match request {
            AcsRequest::GetRpcMethods => Ok(CpeResponse::GetRpcMethods(GetRpcMethodsResponse {
                method_list: vec!["GetRPCMethods".into(), "GetParameterValues".into()],
            })),
            AcsRequest::GetParameterValues(gpv) => {
                let mut out = Vec::new();
                for name in &gpv.parameter_names {
                    if name == "Device.DeviceInfo.UpTime" {
                        out.push(ParameterValue::new(name, "42", ValueType::UnsignedInt));
                    } else {
                        return Err(Fault::new(FaultCode::INVALID_PARAMETER_NAME));
                    }
                }
                Ok(CpeResponse::GetParameterValues(
                    GetParameterValuesResponse {
                        parameter_list: out,
                    },
                ))
            }
            _ => Err(Fault::new(FaultCode::REQUEST_DENIED)),
        }
    }
}

fn inform(events: &[&str], retry_count: u32) -> Inform {
    Inform {
        device_id: DeviceId {
            manufacturer: "OpenWrt".into(),
            oui: "00D09E".into(),
            product_class: "Router".into(),
            serial_number: "SN1".into(),
        },
        events: events.iter().map(|c| EventStruct::new(*c, "")).collect(),
        max_envelopes: 1,
        current_time: DateTime::from_unix(1_700_000_000),
        retry_count,
        parameter_list: vec![ParameterValue::new(
            "Device.RootDataModelVersion",
            "2.19",
            ValueType::String,
        )],
    }
}

fn acs(id: &str, body: Body, hold: bool, version: CwmpVersion) -> Reply {
    let env = Envelope {
        header: Header {
            id: Some(id.into()),
            hold_requests: hold.then_some(true),
            ..Header::default()
        },
        body,
    };
    Reply::Body(encode(&env, version))
}

fn inform_response() -> Body {
    Body::AcsResponse(AcsResponse::Inform(InformResponse { max_envelopes: 1 }))
}

fn acs_fault(code: u32) -> Body {
    Body::Fault(SoapFault::new(Fault::new(FaultCode(code))))
}

/// What the CPE sent, decoded as the ACS sees it.
#[derive(Debug)]
enum Sent {
    Empty,
    Msg(Box<Envelope>, CwmpVersion),
}

fn sent(t: Transmit) -> Sent {
    match t {
        Transmit::Empty => Sent::Empty,
        Transmit::Envelope(bytes) => {
            let d = decode_from(&bytes, Sender::Cpe, &Limits::default())
                .unwrap_or_else(|e| panic!("CPE sent undecodable message: {e}"));
            Sent::Msg(Box::new(d.envelope), d.version)
        }
    }
}

fn next(s: &mut Session, now: Duration) -> Sent {
    sent(s.poll_transmit(now).expect("session should transmit"))
}

fn events(s: &mut Session) -> Vec<SessionEvent> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

fn method(x: &Sent) -> String {
    match x {
        Sent::Empty => "(empty)".into(),
        Sent::Msg(env, _) => env.body.method_name().to_string(),
    }
}

#[test]
fn bootstrap_session_with_one_acs_request() {
    let t0 = Duration::ZERO;
    let mut s = Session::new(
        SessionConfig::default(),
        inform(&["0 BOOTSTRAP", "1 BOOT"], 0),
        vec![],
    );
    let Sent::Msg(env, v) = next(&mut s, t0) else {
        panic!("Inform expected")
    };
    assert_eq!(v, CwmpVersion::V1_2);
    assert_eq!(
        env.header.supported_cwmp_versions.as_deref(),
        Some("1.0,1.1,1.2,1.3,1.4")
    );
    let Body::CpeRequest(CpeRequest::Inform(sent_inform)) = &env.body else {
        panic!()
    };
    assert_eq!(sent_inform.events.len(), 2);
    let inform_id = env.header.id.clone().unwrap();

    s.handle_reply(
        acs(&inform_id, inform_response(), false, CwmpVersion::V1_2),
        &mut Model,
    );
    assert_eq!(events(&mut s), [SessionEvent::InformAcknowledged]);
    assert!(matches!(next(&mut s, t0), Sent::Empty));

    let gpv = Body::AcsRequest(AcsRequest::GetParameterValues(GetParameterValues {
        parameter_names: vec!["Device.DeviceInfo.UpTime".into()],
    }));
    s.handle_reply(
        acs("1a1fee8a7b80000", gpv, false, CwmpVersion::V1_2),
        &mut Model,
    );
    let Sent::Msg(resp, _) = next(&mut s, t0) else {
        panic!()
    };
    assert_eq!(
        resp.header.id.as_deref(),
        Some("1a1fee8a7b80000"),
        "ID echoed"
    );
    let Body::CpeResponse(CpeResponse::GetParameterValues(r)) = resp.body else {
        panic!()
    };
    assert_eq!(r.parameter_list[0].value, "42");

    s.handle_reply(Reply::Empty, &mut Model);
    assert_eq!(events(&mut s), [SessionEvent::Ended(Ok(()))]);
    assert!(s.is_done());
    assert!(s.poll_transmit(t0).is_none());
}

#[test]
fn hold_requests_delays_transfer_complete_until_acs_is_done() {
    let t0 = Duration::ZERO;
    let tc = CpeRequest::TransferComplete(TransferComplete {
        command_key: "fw-1".into(),
        fault: TransferFault::success(),
        start_time: DateTime::from_unix(1_700_000_000),
        complete_time: DateTime::from_unix(1_700_000_100),
    });
    let mut s = Session::new(
        SessionConfig::default(),
        inform(&["1 BOOT", "7 TRANSFER COMPLETE", "M Download"], 0),
        vec![tc],
    );
    let mut order = vec![method(&next(&mut s, t0))];
    s.handle_reply(
        acs("i", inform_response(), true, CwmpVersion::V1_2),
        &mut Model,
    );
    // HoldRequests: the CPE must not send TransferComplete yet.
    order.push(method(&next(&mut s, t0)));
    s.handle_reply(
        acs(
            "a1",
            Body::AcsRequest(AcsRequest::GetRpcMethods),
            true,
            CwmpVersion::V1_2,
        ),
        &mut Model,
    );
    order.push(method(&next(&mut s, t0)));
    // The ACS is done; HoldRequests is lifted by the empty reply.
    s.handle_reply(Reply::Empty, &mut Model);
    order.push(method(&next(&mut s, t0)));
    s.handle_reply(
        acs(
            "tc",
            Body::AcsResponse(AcsResponse::TransferComplete),
            false,
            CwmpVersion::V1_2,
        ),
        &mut Model,
    );
    order.push(method(&next(&mut s, t0)));
    s.handle_reply(Reply::Empty, &mut Model);
    assert_eq!(
        order,
        [
            "Inform",
            "(empty)",
            "GetRPCMethodsResponse",
            "TransferComplete",
            "(empty)"
        ]
    );
    assert_eq!(
        events(&mut s),
        [
            SessionEvent::InformAcknowledged,
            SessionEvent::RequestAcknowledged(0),
            SessionEvent::Ended(Ok(()))
        ]
    );
}

#[test]
fn fault_8005_to_inform_is_retried_then_gives_up() {
    let t0 = Duration::ZERO;
    let mut s = Session::new(SessionConfig::default(), inform(&["2 PERIODIC"], 0), vec![]);
    for _ in 0..3 {
        assert_eq!(method(&next(&mut s, t0)), "Inform");
        s.handle_reply(
            acs("x", acs_fault(8005), false, CwmpVersion::V1_2),
            &mut Model,
        );
        assert!(
            events(&mut s).is_empty(),
            "8005 retries in the same session"
        );
    }
    assert_eq!(method(&next(&mut s, t0)), "Inform");
    s.handle_reply(
        acs("x", inform_response(), false, CwmpVersion::V1_2),
        &mut Model,
    );
    assert_eq!(events(&mut s), [SessionEvent::InformAcknowledged]);

    let mut s = Session::new(SessionConfig::default(), inform(&["2 PERIODIC"], 0), vec![]);
    for _ in 0..4 {
        next(&mut s, t0);
        s.handle_reply(
            acs("x", acs_fault(8005), false, CwmpVersion::V1_2),
            &mut Model,
        );
    }
    assert!(matches!(
        events(&mut s).as_slice(),
        [SessionEvent::Ended(Err(Failure::AcsFault(
            FaultCode(8005),
            _
        )))]
    ));
}

#[test]
fn acs_fault_to_inform_fails_the_session() {
    let mut s = Session::new(SessionConfig::default(), inform(&["2 PERIODIC"], 0), vec![]);
    next(&mut s, Duration::ZERO);
    s.handle_reply(
        acs("x", acs_fault(8001), false, CwmpVersion::V1_2),
        &mut Model,
    );
    assert!(matches!(
        events(&mut s).as_slice(),
        [SessionEvent::Ended(Err(Failure::AcsFault(
            FaultCode(8001),
            _
        )))]
    ));
    assert!(s.poll_transmit(Duration::ZERO).is_none());
}

#[test]
fn silent_acs_times_out_at_the_configured_limit() {
    let cfg = SessionConfig {
        response_timeout: Duration::from_secs(30),
        ..SessionConfig::default()
    };
    let mut s = Session::new(cfg, inform(&["2 PERIODIC"], 0), vec![]);
    let t0 = Duration::from_secs(1000);
    next(&mut s, t0);
    assert_eq!(s.poll_timeout(), Some(t0 + Duration::from_secs(30)));
    s.handle_timeout(t0 + Duration::from_millis(29_999));
    assert!(events(&mut s).is_empty());
    s.handle_timeout(t0 + Duration::from_secs(30));
    assert_eq!(events(&mut s), [SessionEvent::Ended(Err(Failure::Timeout))]);
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn unknown_rpc_gets_9000_and_malformed_request_gets_9003() {
    let t0 = Duration::ZERO;
    let mut s = Session::new(
        SessionConfig::default(),
        inform(&["6 CONNECTION REQUEST"], 0),
        vec![],
    );
    next(&mut s, t0);
    s.handle_reply(
        acs("i", inform_response(), false, CwmpVersion::V1_2),
        &mut Model,
    );
    next(&mut s, t0);
    let unknown = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-2"><soap:Header><cwmp:ID soap:mustUnderstand="1">u-1</cwmp:ID></soap:Header><soap:Body><cwmp:X_ACME_Frobnicate/></soap:Body></soap:Envelope>"#;
    s.handle_reply(Reply::Body(unknown.to_vec()), &mut Model);
    let Sent::Msg(env, _) = next(&mut s, t0) else {
        panic!()
    };
    assert_eq!(env.header.id.as_deref(), Some("u-1"));
    let Body::Fault(f) = env.body else {
        panic!("fault expected")
    };
    assert_eq!(f.detail.fault_code, FaultCode(9000));

    let malformed = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-2"><soap:Header><cwmp:ID soap:mustUnderstand="1">m-2</cwmp:ID></soap:Header><soap:Body><cwmp:GetParameterNames><ParameterPath>Device.</ParameterPath><NextLevel>maybe</NextLevel></cwmp:GetParameterNames></soap:Body></soap:Envelope>"#;
    s.handle_reply(Reply::Body(malformed.to_vec()), &mut Model);
    let Sent::Msg(env, _) = next(&mut s, t0) else {
        panic!()
    };
    assert_eq!(env.header.id.as_deref(), Some("m-2"));
    let Body::Fault(f) = env.body else {
        panic!("fault expected")
    };
    assert_eq!(f.detail.fault_code, FaultCode(9003));

    s.handle_reply(Reply::Empty, &mut Model);
    assert_eq!(events(&mut s).last(), Some(&SessionEvent::Ended(Ok(()))));
}

#[test]
fn falls_back_to_the_namespace_the_acs_answers_in() {
    let t0 = Duration::ZERO;
    let mut s = Session::new(SessionConfig::default(), inform(&["1 BOOT"], 0), vec![]);
    next(&mut s, t0);
    s.handle_reply(
        acs("i", inform_response(), false, CwmpVersion::V1_0),
        &mut Model,
    );
    assert_eq!(s.version(), CwmpVersion::V1_0);
    next(&mut s, t0);
    s.handle_reply(
        acs(
            "g",
            Body::AcsRequest(AcsRequest::GetRpcMethods),
            false,
            CwmpVersion::V1_0,
        ),
        &mut Model,
    );
    let Sent::Msg(_, v) = next(&mut s, t0) else {
        panic!()
    };
    assert_eq!(v, CwmpVersion::V1_0);
}

#[test]
fn garbage_from_the_acs_ends_the_session_as_failed() {
    let mut s = Session::new(SessionConfig::default(), inform(&["1 BOOT"], 0), vec![]);
    next(&mut s, Duration::ZERO);
    s.handle_reply(Reply::Body(b"<html>503</html>".to_vec()), &mut Model);
    assert!(matches!(
        events(&mut s).as_slice(),
        [SessionEvent::Ended(Err(Failure::Protocol(_)))]
    ));
}

/// A driver loop on a fake clock: an ACS that is down for the first four
/// attempts, then answers. Checks RetryCount in each Inform and that every
/// wait falls in the TR-069 §3.2.1.1 window for that retry.
#[test]
fn retries_back_off_within_the_exact_windows() {
    let policy = RetryPolicy::default();
    let mut now = Duration::ZERO;
    let mut retry_count = 0u32;
    let mut rng_state = 0x2545_f491_4f6c_dd1du64;
    let mut rng = move || {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        rng_state
    };
    let mut waits = Vec::new();
    for attempt in 0..6 {
        let mut s = Session::new(
            SessionConfig::default(),
            inform(&["1 BOOT"], retry_count),
            vec![],
        );
        let Sent::Msg(env, _) = next(&mut s, now) else {
            panic!()
        };
        let Body::CpeRequest(CpeRequest::Inform(i)) = env.body else {
            panic!()
        };
        assert_eq!(
            i.retry_count, retry_count,
            "RetryCount of attempt {attempt}"
        );
        if attempt < 4 {
            s.handle_failure("connection refused");
            assert!(matches!(
                events(&mut s).as_slice(),
                [SessionEvent::Ended(Err(Failure::Transport(_)))]
            ));
            retry_count += 1;
            let wait = policy.wait(retry_count, rng());
            let (lo, hi) = policy.window(retry_count);
            assert!(wait >= lo && wait <= hi);
            waits.push((lo.as_secs(), hi.as_secs()));
            now += wait;
        } else {
            s.handle_reply(
                acs("i", inform_response(), false, CwmpVersion::V1_2),
                &mut Model,
            );
            next(&mut s, now);
            s.handle_reply(Reply::Empty, &mut Model);
            assert_eq!(events(&mut s).last(), Some(&SessionEvent::Ended(Ok(()))));
            break;
        }
    }
    assert_eq!(waits, [(5, 10), (10, 20), (20, 40), (40, 80)]);
    assert!(now >= Duration::from_secs(75) && now <= Duration::from_secs(150));
}
