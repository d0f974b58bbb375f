//! Plays one whole CWMP session between the CPE session state machine and
//! the scripted test ACS, in memory, and prints it. Every message goes
//! through the real codec both ways (encode on one side, decode on the
//! other). Run: `cargo run --example session_demo`.

#[path = "../tests/acs/script.rs"]
mod script;

use std::collections::BTreeMap;
use std::time::Duration;

use cwmpd::cwmp::rpc::control::GetRpcMethodsResponse;
use cwmpd::cwmp::rpc::inform::{DeviceId, Inform};
use cwmpd::cwmp::rpc::parameters::{
    ApplyStatus, GetParameterValues, GetParameterValuesResponse, ParameterValue,
    SetParameterValues, SetParameterValuesResponse,
};
use cwmpd::cwmp::session::{Reply, RpcHandler, Session, SessionConfig, SessionEvent, Transmit};
use cwmpd::cwmp::xsd::{DateTime, ValueType};
use cwmpd::cwmp::{AcsRequest, CpeResponse, EventStruct, Fault, FaultCode};

/// A parameter table in memory: enough for a session to read and write.
struct Table(BTreeMap<String, String>);

impl RpcHandler for Table {
    fn handle(&mut self, request: &AcsRequest) -> Result<CpeResponse, Fault> {
        match request {
            AcsRequest::GetRpcMethods => Ok(CpeResponse::GetRpcMethods(GetRpcMethodsResponse {
                method_list: ["GetRPCMethods", "GetParameterValues", "SetParameterValues"]
                    .map(String::from)
                    .to_vec(),
            })),
            AcsRequest::GetParameterValues(g) => {
                let mut list = Vec::new();
                for name in &g.parameter_names {
                    let hits: Vec<_> = self
                        .0
                        .iter()
                        .filter(|(k, _)| k.starts_with(name.as_str()))
                        .collect();
                    if hits.is_empty() {
                        return Err(Fault::new(FaultCode::INVALID_PARAMETER_NAME));
                    }
                    list.extend(
                        hits.into_iter()
                            .map(|(k, v)| ParameterValue::new(k, v, ValueType::String)),
                    );
                }
                Ok(CpeResponse::GetParameterValues(
                    GetParameterValuesResponse {
                        parameter_list: list,
                    },
                ))
            }
            AcsRequest::SetParameterValues(s) => {
                if let Some(bad) = s
                    .parameter_list
                    .iter()
                    .find(|p| !self.0.contains_key(&p.name))
                {
                    return Err(Fault::with_string(
                        FaultCode::INVALID_PARAMETER_NAME,
                        bad.name.clone(),
                    ));
                }
                for p in &s.parameter_list {
                    self.0.insert(p.name.clone(), p.value.clone());
                }
                Ok(CpeResponse::SetParameterValues(
                    SetParameterValuesResponse {
                        status: ApplyStatus::Applied,
                    },
                ))
            }
            _ => Err(Fault::new(FaultCode::METHOD_NOT_SUPPORTED)),
        }
    }
}

fn main() {
    let mut table = Table(
        [
            ("Device.DeviceInfo.Manufacturer", "OpenWrt"),
            ("Device.DeviceInfo.SoftwareVersion", "24.10.0"),
            ("Device.ManagementServer.PeriodicInformInterval", "600"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
    );
    let mut acs = script::AcsScript::new();
    acs.push(AcsRequest::GetRpcMethods);
    acs.push(AcsRequest::GetParameterValues(GetParameterValues {
        parameter_names: vec!["Device.DeviceInfo.".into()],
    }));
    acs.push(AcsRequest::SetParameterValues(SetParameterValues {
        parameter_list: vec![ParameterValue::new(
            "Device.ManagementServer.PeriodicInformInterval",
            "3600",
            ValueType::UnsignedInt,
        )],
        parameter_key: "demo-1".into(),
    }));
    let inform = Inform {
        device_id: DeviceId {
            manufacturer: "OpenWrt".into(),
            oui: "00D09E".into(),
            product_class: "Router".into(),
            serial_number: "DEMO0001".into(),
        },
        events: vec![
            EventStruct::new("0 BOOTSTRAP", ""),
            EventStruct::new("1 BOOT", ""),
        ],
        max_envelopes: 1,
        current_time: DateTime::from_unix(1_700_000_000),
        retry_count: 0,
        parameter_list: vec![ParameterValue::new(
            "Device.RootDataModelVersion",
            "2.19",
            ValueType::String,
        )],
    };
    let mut session = Session::new(SessionConfig::default(), inform, Vec::new());
    let now = Duration::ZERO;
    let mut exit = 0;
    while let Some(out) = session.poll_transmit(now) {
        let body = match out {
            Transmit::Envelope(bytes) => bytes,
            Transmit::Empty => Vec::new(),
        };
        match acs.handle_post(&body) {
            Ok(Some(reply)) => session.handle_reply(Reply::Body(reply), &mut table),
            Ok(None) => session.handle_reply(Reply::Empty, &mut table),
            Err(e) => {
                eprintln!("ACS error: {e}");
                session.handle_failure(e);
            }
        }
    }
    for line in &acs.transcript {
        println!("{line}");
    }
    while let Some(ev) = session.poll_event() {
        if let SessionEvent::Ended(result) = ev {
            match result {
                Ok(()) => println!("session ended: success"),
                Err(e) => {
                    println!("session ended: failed ({e:?})");
                    exit = 1;
                }
            }
        }
    }
    std::process::exit(exit);
}
