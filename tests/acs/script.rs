//! The CWMP side of the scripted test ACS: what it answers to each POST of
//! the CPE, and a transcript a person can read. HTTP lives in `http.rs`.
//!
//! A session plays like a real ACS (GenieACS-style): Inform →
//! InformResponse; each CPE request → its response; an empty POST or an
//! RPC response → the next queued RPC, or an empty 204 when none is left.

use std::collections::VecDeque;

use cwmpd::cwmp::rpc::attributes::{
    Notification, SetParameterAttributes, SetParameterAttributesStruct,
};
use cwmpd::cwmp::rpc::control::GetRpcMethodsResponse;
use cwmpd::cwmp::rpc::inform::{Inform, InformResponse};
use cwmpd::cwmp::{
    decode_from, encode, AcsRequest, AcsResponse, Body, CpeRequest, CpeResponse, CwmpVersion,
    Envelope, Fault, FaultCode, Header, Limits, Sender, SoapFault,
};

/// SetParameterAttributes turning `notification` on for one parameter
/// (what an ACS sends before it expects 4 VALUE CHANGE Informs).
pub fn set_notification(name: &str, notification: Notification) -> AcsRequest {
    AcsRequest::SetParameterAttributes(SetParameterAttributes {
        parameter_list: vec![SetParameterAttributesStruct {
            name: name.into(),
            notification_change: true,
            notification,
            access_list_change: false,
            access_list: Vec::new(),
        }],
    })
}

/// One CPE answer to an RPC the ACS issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Response(CpeResponse),
    Fault(Fault),
}

/// State of the test ACS across sessions.
#[derive(Debug, Default)]
pub struct AcsScript {
    /// RPCs to issue in the next session(s), in order.
    pub queue: VecDeque<AcsRequest>,
    /// Answer the next N Informs with this fault (e.g. 8005) first.
    pub inform_faults: VecDeque<u32>,
    /// Set HoldRequests in every message of the session.
    pub hold_requests: bool,
    /// Namespace to answer in (defaults to the CPE's).
    pub force_version: Option<CwmpVersion>,
    /// Answer the next TransferComplete, then hang every later POST (a
    /// crash test: the CPE has the TransferCompleteResponse, the session
    /// never ends).
    pub hang_after_transfer_complete: bool,
    /// Set when that TransferCompleteResponse went out (read by scripted.rs).
    pub hang_now: bool,
    pub informs: Vec<Inform>,
    pub cpe_requests: Vec<CpeRequest>,
    pub answers: Vec<(AcsRequest, Answer)>,
    pub transcript: Vec<String>,
    pub sessions_completed: usize,
    /// When each Inform arrived and each session ended (for benchmarks).
    pub inform_times: Vec<std::time::Instant>,
    pub end_times: Vec<std::time::Instant>,
    /// Every SOAP message of every session as it went over the wire, CPE's
    /// and ACS's (empty POSTs and 204s left out), for XSD validation.
    pub wire: Vec<Vec<u8>>,
    in_flight: Option<AcsRequest>,
    version: CwmpVersion,
    next_id: u64,
}

impl AcsScript {
    pub fn new() -> AcsScript {
        AcsScript::default()
    }

    /// The event codes of the `n`-th Inform received.
    pub fn event_codes(&self, n: usize) -> Vec<String> {
        self.informs[n]
            .events
            .iter()
            .map(|e| e.event_code.to_string())
            .collect()
    }

    pub fn push(&mut self, request: AcsRequest) -> &mut Self {
        self.queue.push_back(request);
        self
    }

    fn log(&mut self, line: String) {
        self.transcript.push(line);
    }

    /// One HTTP POST from the CPE; `None` answers 204 No Content.
    pub fn handle_post(&mut self, body: &[u8]) -> Result<Option<Vec<u8>>, String> {
        if !body.iter().all(|b| b.is_ascii_whitespace()) {
            self.wire.push(body.to_vec());
        }
        let answer = self.answer_post(body);
        if let Ok(Some(reply)) = &answer {
            self.wire.push(reply.clone());
        }
        answer
    }

    fn answer_post(&mut self, body: &[u8]) -> Result<Option<Vec<u8>>, String> {
        if body.iter().all(|b| b.is_ascii_whitespace()) {
            self.log("CPE → ACS  (empty POST)".into());
            return Ok(self.next_request());
        }
        let decoded = decode_from(body, Sender::Cpe, &Limits::default())
            .map_err(|e| format!("undecodable message from the CPE: {e}"))?;
        let id = decoded.envelope.header.id.clone();
        match decoded.envelope.body {
            Body::CpeRequest(CpeRequest::Inform(inform)) => {
                self.version = self.force_version.unwrap_or(decoded.version);
                self.in_flight = None;
                let events: Vec<String> = inform
                    .events
                    .iter()
                    .map(|e| {
                        if e.command_key.is_empty() {
                            e.event_code.to_string()
                        } else {
                            format!("{} [{}]", e.event_code, e.command_key)
                        }
                    })
                    .collect();
                self.log(format!(
                    "CPE → ACS  Inform  events: {}  retry: {}  ({} parameters)",
                    events.join(", "),
                    inform.retry_count,
                    inform.parameter_list.len()
                ));
                for p in &inform.parameter_list {
                    self.log(format!("             {} = {}", p.name, p.value));
                }
                self.informs.push(inform);
                self.inform_times.push(std::time::Instant::now());
                if let Some(code) = self.inform_faults.pop_front() {
                    self.log(format!("ACS → CPE  Fault {code}"));
                    let fault = Body::Fault(SoapFault::new(Fault::new(FaultCode(code))));
                    return Ok(Some(self.envelope(id, fault)));
                }
                self.log("ACS → CPE  InformResponse".into());
                let body =
                    Body::AcsResponse(AcsResponse::Inform(InformResponse { max_envelopes: 1 }));
                Ok(Some(self.envelope(id, body)))
            }
            Body::CpeRequest(request) => {
                self.log(format!("CPE → ACS  {}", request.method_name()));
                let response = match &request {
                    CpeRequest::TransferComplete(_) => {
                        self.hang_now = self.hang_after_transfer_complete;
                        AcsResponse::TransferComplete
                    }
                    CpeRequest::AutonomousTransferComplete(_) => {
                        AcsResponse::AutonomousTransferComplete
                    }
                    CpeRequest::GetRpcMethods => {
                        AcsResponse::GetRpcMethods(GetRpcMethodsResponse {
                            method_list: vec![
                                "Inform".into(),
                                "GetRPCMethods".into(),
                                "TransferComplete".into(),
                            ],
                        })
                    }
                    CpeRequest::RequestDownload(_) => AcsResponse::RequestDownload,
                    CpeRequest::DuStateChangeComplete(_) => AcsResponse::DuStateChangeComplete,
                    CpeRequest::AutonomousDuStateChangeComplete(_) => {
                        AcsResponse::AutonomousDuStateChangeComplete
                    }
                    other => {
                        return Err(format!("unexpected {} from the CPE", other.method_name()))
                    }
                };
                self.log(format!("ACS → CPE  {}", response.method_name()));
                self.cpe_requests.push(request);
                Ok(Some(self.envelope(id, Body::AcsResponse(response))))
            }
            Body::CpeResponse(resp) => {
                self.log(format!(
                    "CPE → ACS  {}{}",
                    resp.method_name(),
                    summary(&resp)
                ));
                let request = self
                    .in_flight
                    .take()
                    .ok_or_else(|| format!("{} without a request", resp.method_name()))?;
                self.answers.push((request, Answer::Response(resp)));
                Ok(self.next_request())
            }
            Body::Fault(f) => {
                self.log(format!(
                    "CPE → ACS  Fault {} {}{}",
                    f.detail.fault_code,
                    f.detail.fault_string,
                    f.detail
                        .set_parameter_values_faults
                        .iter()
                        .map(|p| format!(
                            "\n             {}: {} {}",
                            p.parameter_name, p.fault_code, p.fault_string
                        ))
                        .collect::<String>()
                ));
                let request = self
                    .in_flight
                    .take()
                    .ok_or_else(|| "fault without a request".to_string())?;
                self.answers.push((request, Answer::Fault(f.detail)));
                Ok(self.next_request())
            }
            other => Err(format!("unexpected {} from the CPE", other.method_name())),
        }
    }

    fn next_request(&mut self) -> Option<Vec<u8>> {
        match self.queue.pop_front() {
            Some(request) => {
                self.log(format!(
                    "ACS → CPE  {}{}",
                    request.method_name(),
                    request_summary(&request)
                ));
                self.next_id += 1;
                let id = Some(format!(
                    "acs-{:x}",
                    0x01a1_fee8_a7b8_0000_u64 + self.next_id
                ));
                self.in_flight = Some(request.clone());
                Some(self.envelope(id, Body::AcsRequest(request)))
            }
            None => {
                self.log("ACS → CPE  (204 No Content: session ends)".into());
                self.sessions_completed += 1;
                self.end_times.push(std::time::Instant::now());
                None
            }
        }
    }

    fn envelope(&self, id: Option<String>, body: Body) -> Vec<u8> {
        let env = Envelope {
            header: Header {
                id,
                hold_requests: self.hold_requests.then_some(true),
                ..Header::default()
            },
            body,
        };
        encode(&env, self.version)
    }
}

fn request_summary(r: &AcsRequest) -> String {
    match r {
        AcsRequest::GetParameterValues(g) => format!("  {}", g.parameter_names.join(" ")),
        AcsRequest::GetParameterNames(g) => {
            format!("  {:?} next-level={}", g.parameter_path, g.next_level)
        }
        AcsRequest::SetParameterValues(s) => s
            .parameter_list
            .iter()
            .map(|p| format!("\n             {} := {}", p.name, p.value))
            .collect(),
        AcsRequest::AddObject(a) => format!("  {}", a.object_name),
        AcsRequest::DeleteObject(d) => format!("  {}", d.object_name),
        AcsRequest::ScheduleInform(s) => format!("  in {} s [{}]", s.delay_seconds, s.command_key),
        AcsRequest::Reboot(r) => format!("  [{}]", r.command_key),
        _ => String::new(),
    }
}

fn summary(r: &CpeResponse) -> String {
    match r {
        CpeResponse::GetParameterValues(g) => g
            .parameter_list
            .iter()
            .map(|p| format!("\n             {} = {}", p.name, p.value))
            .collect(),
        CpeResponse::GetParameterNames(g) => format!("  ({} names)", g.parameter_list.len()),
        CpeResponse::SetParameterValues(s) => format!("  status {}", s.status as u8),
        CpeResponse::AddObject(a) => format!("  instance {}", a.instance_number),
        CpeResponse::GetRpcMethods(m) => format!("  {}", m.method_list.join(" ")),
        _ => String::new(),
    }
}
