//! The CWMP session state machine, sans-I/O (TR-069 §3.7).
//!
//! The session knows CWMP, not HTTP: the driver feeds it what the ACS
//! answered (`handle_reply`), transport failures (`handle_failure`) and the
//! passing of time (`handle_timeout`), and polls what to send next
//! (`poll_transmit`), when it wants to be woken up (`poll_timeout`) and what
//! happened (`poll_event`). Time is a monotonic `Duration` passed in, so a
//! whole session runs on a fake clock in a unit test.
//!
//! Order of a session (TR-069 §3.7.1, Figure 3 / §3.7.2):
//! 1. The CPE POSTs Inform; the ACS answers InformResponse.
//! 2. The CPE sends its own queued requests (TransferComplete, ...) one by
//!    one, unless the ACS holds them off with `HoldRequests` = true.
//! 3. The CPE POSTs an empty body; from then on each HTTP response carries
//!    an ACS request, which the CPE answers in the next POST.
//! 4. An empty HTTP response (204 or 200 with no body) while the CPE has
//!    nothing left to send ends the session successfully (§3.7.2.4).

pub mod retry;

use std::collections::VecDeque;
use std::time::Duration;

use crate::cwmp::rpc::inform::Inform;
use crate::cwmp::{
    decode, encode, AcsRequest, AcsResponse, Body, CpeRequest, CpeResponse, CwmpVersion,
    DecodeError, Decoded, Envelope, Fault, FaultCode, Header, Limits, SoapFault,
};

/// How often a fault 8005 (Retry request) to Inform is answered by sending
/// the Inform again in the same session before the session counts as failed.
pub const MAX_INFORM_RETRIES: u32 = 3;

/// The CWMP versions this agent implements, announced in the Inform header
/// (TR-069 §3.5, Annex A.2.2: SupportedCWMPVersions).
pub const SUPPORTED_VERSIONS: &str = "1.0,1.1,1.2,1.3,1.4";

/// Settings of one session.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// How long to wait for each HTTP response of the ACS before the session
    /// fails (vendor "cpe timeout", `cwmp.cpe.timeout`, default 30 s).
    pub response_timeout: Duration,
    /// Decoder limits for what the ACS sends.
    pub limits: Limits,
    /// The version offered in the Inform; the ACS may answer in an older one.
    pub version: CwmpVersion,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            response_timeout: Duration::from_secs(30),
            limits: Limits::default(),
            version: CwmpVersion::default(),
        }
    }
}

/// What the driver must send next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transmit {
    /// POST this SOAP envelope.
    Envelope(Vec<u8>),
    /// POST with an empty body (Content-Length 0): the CPE has nothing to ask.
    Empty,
}

/// What the ACS answered, as the transport saw it (HTTP errors and 4xx/5xx
/// go to `handle_failure`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// 204 No Content, or 200 with an empty body.
    Empty,
    /// 200 with a body.
    Body(Vec<u8>),
}

/// Executes the ACS's requests. The data model, transfers and system
/// actions plug in here; the session only carries the answer back.
pub trait RpcHandler {
    fn handle(&mut self, request: &AcsRequest) -> Result<CpeResponse, Fault>;
}

/// Why a session failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Connection refused, reset, TLS error, HTTP error status ...
    Transport(String),
    /// No answer within the response timeout.
    Timeout,
    /// The ACS answered Inform (or one of our requests) with a fault.
    AcsFault(FaultCode, String),
    /// The ACS sent something that is not CWMP or breaks the session order.
    Protocol(String),
}

/// Things the driver acts on, in the order they happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEvent {
    /// InformResponse received: the events carried by the Inform are
    /// delivered (TR-069 §3.7.1.5: an event is kept until this moment).
    InformAcknowledged,
    /// The ACS acknowledged the CPE request at this position of the list
    /// given to `Session::new` (TransferComplete etc.).
    RequestAcknowledged(usize),
    /// The session ended; no more transmits will come.
    Ended(Result<(), Failure>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// Inform to be sent (again after an 8005).
    SendInform,
    AwaitInformResponse,
    /// Between messages: decide what the CPE sends next.
    Idle,
    AwaitRequestResponse(usize),
    /// Empty POST or an RPC response sent; waiting for the ACS.
    AwaitAcs,
    Done,
}

/// One CWMP session.
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    state: State,
    /// Version used on output; starts at the configured one and falls back
    /// to the ACS's when it answers in an older namespace (§3.5).
    version: CwmpVersion,
    inform: Inform,
    inform_attempts: u32,
    /// CPE requests not yet acknowledged: (index given by the caller, request).
    requests: VecDeque<(usize, CpeRequest)>,
    /// Set by the ACS through the HoldRequests header; cleared by any
    /// message without it (TR-069 §3.7.1.4 / A.4.2.2).
    hold_requests: bool,
    /// What goes out next.
    outgoing: Option<Transmit>,
    /// The CPE has posted an empty body and has nothing new since.
    sent_empty: bool,
    deadline: Option<Duration>,
    events: VecDeque<SessionEvent>,
    next_id: u64,
}

impl Session {
    /// Starts a session that will send `inform` and then `requests` in order.
    pub fn new(config: SessionConfig, inform: Inform, requests: Vec<CpeRequest>) -> Session {
        let version = config.version;
        Session {
            config,
            state: State::SendInform,
            version,
            inform,
            inform_attempts: 0,
            requests: requests.into_iter().enumerate().collect(),
            hold_requests: false,
            outgoing: None,
            sent_empty: false,
            deadline: None,
            events: VecDeque::new(),
            next_id: 1,
        }
    }

    /// The version the session speaks now.
    pub fn version(&self) -> CwmpVersion {
        self.version
    }

    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The next thing to send, if any. `now` arms the response timeout.
    pub fn poll_transmit(&mut self, now: Duration) -> Option<Transmit> {
        if self.state == State::SendInform {
            self.inform_attempts += 1;
            let env = Envelope {
                header: Header {
                    id: Some(self.new_id()),
                    supported_cwmp_versions: Some(SUPPORTED_VERSIONS.to_string()),
                    ..Header::default()
                },
                body: Body::CpeRequest(CpeRequest::Inform(self.inform.clone())),
            };
            self.outgoing = Some(Transmit::Envelope(encode(&env, self.version)));
            self.state = State::AwaitInformResponse;
        } else if self.state == State::Idle {
            self.next_cpe_message();
        }
        let out = self.outgoing.take()?;
        self.deadline = Some(now + self.config.response_timeout);
        Some(out)
    }

    /// When the driver must call `handle_timeout` if nothing arrived.
    pub fn poll_timeout(&self) -> Option<Duration> {
        if self.state == State::Done {
            None
        } else {
            self.deadline
        }
    }

    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.events.pop_front()
    }

    /// Time passed; fails the session if the ACS kept us waiting too long.
    pub fn handle_timeout(&mut self, now: Duration) {
        if let Some(deadline) = self.deadline {
            if now >= deadline && self.state != State::Done {
                self.fail(Failure::Timeout);
            }
        }
    }

    /// The transport could not deliver or got an HTTP error.
    pub fn handle_failure(&mut self, reason: impl Into<String>) {
        if self.state != State::Done {
            self.fail(Failure::Transport(reason.into()));
        }
    }

    /// The ACS answered the last transmit.
    pub fn handle_reply(&mut self, reply: Reply, handler: &mut dyn RpcHandler) {
        self.deadline = None;
        let bytes = match reply {
            Reply::Empty => return self.on_empty_reply(),
            Reply::Body(bytes) => bytes,
        };
        let (env, version) = match decode(&bytes, &self.config.limits) {
            Ok(Decoded { envelope, version }) => (envelope, version),
            Err(err) => return self.on_undecodable(err),
        };
        // §3.5: if the ACS answers in an older namespace, the rest of the
        // session uses that one.
        if version < self.version {
            self.version = version;
        }
        self.hold_requests = env.header.hold_requests.unwrap_or(false);
        let id = env.header.id.clone();
        match (self.state.clone(), env.body) {
            (State::AwaitInformResponse, Body::AcsResponse(AcsResponse::Inform(_))) => {
                self.events.push_back(SessionEvent::InformAcknowledged);
                self.state = State::Idle;
            }
            (State::AwaitInformResponse, Body::Fault(SoapFault { detail, .. })) => {
                // A.5.1: 8005 "Retry request" asks the CPE to send the
                // Inform again.
                if detail.fault_code == FaultCode::ACS_RETRY_REQUEST
                    && self.inform_attempts <= MAX_INFORM_RETRIES
                {
                    self.state = State::SendInform;
                } else {
                    self.fail(Failure::AcsFault(detail.fault_code, detail.fault_string));
                }
            }
            (State::AwaitRequestResponse(index), Body::AcsResponse(resp)) => {
                match self.requests.front() {
                    Some((i, req)) if *i == index && answers(&resp, req) => {
                        self.requests.pop_front();
                        self.events
                            .push_back(SessionEvent::RequestAcknowledged(index));
                        self.state = State::Idle;
                    }
                    _ => self.fail(Failure::Protocol(format!(
                        "{} does not answer the pending request",
                        resp.method_name()
                    ))),
                }
            }
            (State::AwaitRequestResponse(_), Body::Fault(SoapFault { detail, .. })) => {
                if detail.fault_code == FaultCode::ACS_RETRY_REQUEST {
                    // Send the same request again.
                    self.state = State::Idle;
                } else {
                    self.fail(Failure::AcsFault(detail.fault_code, detail.fault_string));
                }
            }
            (State::AwaitAcs, Body::AcsRequest(request)) => {
                let body = match request {
                    // A.5.2: 9000 for a method the CPE does not implement.
                    AcsRequest::Unsupported { .. } => {
                        Body::Fault(SoapFault::new(Fault::new(FaultCode::METHOD_NOT_SUPPORTED)))
                    }
                    ref request => match handler.handle(request) {
                        Ok(resp) => Body::CpeResponse(resp),
                        Err(fault) => Body::Fault(SoapFault::new(fault)),
                    },
                };
                self.respond(id, body);
            }
            (state, body) => self.fail(Failure::Protocol(format!(
                "unexpected {} while {:?}",
                body.method_name(),
                state
            ))),
        }
    }

    fn on_empty_reply(&mut self) {
        // An empty message carries no HoldRequests header: it is false again.
        self.hold_requests = false;
        match self.state {
            State::AwaitAcs if self.sent_empty && self.requests.is_empty() => {
                self.finish(Ok(()));
            }
            // The ACS has nothing more but we still hold requests back (or
            // answered its last request): send what is left, then empty.
            State::AwaitAcs => self.state = State::Idle,
            State::AwaitInformResponse => {
                self.fail(Failure::Protocol("empty reply to Inform".into()))
            }
            State::AwaitRequestResponse(_) => {
                self.fail(Failure::Protocol("empty reply to a CPE request".into()))
            }
            _ => {}
        }
    }

    fn on_undecodable(&mut self, err: DecodeError) {
        match (&self.state, &err) {
            // A request we can still identify gets 9003 (A.5.2) echoing its
            // ID; the session goes on.
            (State::AwaitAcs, DecodeError::InvalidMessage { id, .. }) => {
                let fault = Fault::with_string(FaultCode::INVALID_ARGUMENTS, err.to_string());
                self.respond(id.clone(), Body::Fault(SoapFault::new(fault)));
            }
            _ => self.fail(Failure::Protocol(err.to_string())),
        }
    }

    fn respond(&mut self, id: Option<String>, body: Body) {
        let env = Envelope {
            header: Header {
                id,
                ..Header::default()
            },
            body,
        };
        self.outgoing = Some(Transmit::Envelope(encode(&env, self.version)));
        // `sent_empty` stays: answering the ACS is not a new CPE request
        // (§3.7.2.4), so the ACS's next empty reply ends the session.
        self.state = State::AwaitAcs;
    }

    /// In `Idle`: the next CPE request, or the empty POST.
    fn next_cpe_message(&mut self) {
        if !self.hold_requests {
            if let Some((index, request)) = self.requests.front() {
                let env = Envelope {
                    header: Header {
                        id: Some(self.id_string()),
                        ..Header::default()
                    },
                    body: Body::CpeRequest(request.clone()),
                };
                let index = *index;
                self.next_id += 1;
                self.outgoing = Some(Transmit::Envelope(encode(&env, self.version)));
                self.state = State::AwaitRequestResponse(index);
                return;
            }
        }
        self.outgoing = Some(Transmit::Empty);
        self.sent_empty = true;
        self.state = State::AwaitAcs;
    }

    fn new_id(&mut self) -> String {
        let id = self.id_string();
        self.next_id += 1;
        id
    }

    fn id_string(&self) -> String {
        format!("cwmpd-{}", self.next_id)
    }

    fn fail(&mut self, failure: Failure) {
        self.finish(Err(failure));
    }

    fn finish(&mut self, result: Result<(), Failure>) {
        self.state = State::Done;
        self.deadline = None;
        self.outgoing = None;
        self.events.push_back(SessionEvent::Ended(result));
    }
}

/// Whether `resp` is the ACS's answer to `req`: the response element is
/// the request's name plus "Response" (TR-069 §A.3).
fn answers(resp: &AcsResponse, req: &CpeRequest) -> bool {
    resp.method_name().strip_suffix("Response") == Some(req.method_name())
}
