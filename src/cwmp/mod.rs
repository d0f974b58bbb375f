//! The CWMP message codec: pure, no I/O. `decode` turns the bytes of an HTTP
//! body into an [`Envelope`]; `encode` turns an [`Envelope`] into bytes.
//! Both directions are supported for every message, so the same code serves
//! the agent and the test ACS.
//!
//! ```
//! use cwmpd::cwmp::*;
//! let request = br#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
//!     xmlns:cwmp="urn:dslforum-org:cwmp-1-0"><soap:Header><cwmp:ID soap:mustUnderstand="1">42</cwmp:ID>
//!     </soap:Header><soap:Body><cwmp:X_Vendor_Thing/></soap:Body></soap:Envelope>"#;
//! let decoded = decode(request, &Limits::default()).unwrap();
//! assert_eq!(decoded.version, CwmpVersion::V1_0);
//! let answer = match &decoded.envelope.body {
//!     Body::AcsRequest(AcsRequest::Unsupported { .. }) => Envelope::fault(
//!         decoded.envelope.header.id.clone(),
//!         Fault::new(FaultCode::METHOD_NOT_SUPPORTED),
//!     ),
//!     _ => unreachable!(),
//! };
//! // Answer in the namespace the ACS used.
//! let bytes = encode(&answer, decoded.version);
//! assert!(String::from_utf8(bytes).unwrap().contains("<FaultCode>9000</FaultCode>"));
//! ```

mod decode;
mod encode;
pub mod event;
pub mod fault;
pub mod rpc;
pub mod session;
pub mod soap;
mod xml;
pub mod xsd;

pub use event::{Completion, EventCode, EventStruct};
pub use fault::{Fault, FaultCode, SetParameterValuesFault, SoapFault, SoapFaultCode};
pub use soap::{
    AcsRequest, AcsResponse, Body, CpeRequest, CpeResponse, CwmpVersion, Envelope, Header, Sender,
};

use std::fmt;

/// Bounds on what `decode` accepts from a peer (hostile-input defence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest envelope in bytes (default 4 MiB).
    pub max_envelope_bytes: usize,
    /// Deepest element nesting (default 32; a CWMP envelope needs about 7).
    pub max_depth: usize,
    /// Most items in any one array / repeated list (default 10 000).
    pub max_array_items: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_envelope_bytes: 4 * 1024 * 1024,
            max_depth: 32,
            max_array_items: 10_000,
        }
    }
}

/// A message that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Not usable XML: not well-formed, truncated, not UTF-8, a DOCTYPE
    /// (refused: no DTDs, no entity expansion), an unknown entity, or a
    /// size/depth limit hit before the message could be identified.
    Xml(String),
    /// Well-formed XML, but not a SOAP 1.1 envelope carrying one CWMP
    /// message (wrong root, no Body, unknown cwmp namespace ...).
    NotCwmp(String),
    /// The message was identified (body element name, and the header ID if
    /// present) but its content is invalid: missing/extra elements, bad
    /// numbers, too many array items ... The session answers a request like
    /// this with fault 9003 (Invalid arguments) echoing `id`.
    InvalidMessage {
        method: String,
        id: Option<String>,
        reason: String,
    },
}

impl DecodeError {
    /// The fault a CPE answers with, when it can answer at all:
    /// `InvalidMessage` → 9003; `Xml`/`NotCwmp` → none (no method, no ID to
    /// answer; the session ends or ignores the POST).
    pub fn fault_code(&self) -> Option<FaultCode> {
        match self {
            DecodeError::InvalidMessage { .. } => Some(FaultCode::INVALID_ARGUMENTS),
            _ => None,
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Xml(r) => write!(f, "malformed XML: {r}"),
            DecodeError::NotCwmp(r) => write!(f, "not a CWMP envelope: {r}"),
            DecodeError::InvalidMessage { method, id, reason } => write!(
                f,
                "invalid {method} (ID {}): {reason}",
                id.as_deref().unwrap_or("none")
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

/// A decoded message plus the CWMP namespace it used (answer in the same one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub envelope: Envelope,
    pub version: CwmpVersion,
}

/// Decode a message sent by the ACS (what the CPE receives): requests,
/// responses to the CPE's requests, or a SOAP Fault. An empty HTTP body is
/// not an envelope — the session handles that before calling this.
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Decoded, DecodeError> {
    decode::decode_from(bytes, Sender::Acs, limits)
}

/// Decode a message sent by `sender` (the test ACS uses `Sender::Cpe`).
pub fn decode_from(bytes: &[u8], sender: Sender, limits: &Limits) -> Result<Decoded, DecodeError> {
    decode::decode_from(bytes, sender, limits)
}

/// Encode a message in the namespace of `version` (use
/// `CwmpVersion::default()`, cwmp-1-2, unless the peer chose an older one).
pub fn encode(env: &Envelope, version: CwmpVersion) -> Vec<u8> {
    encode::encode(env, version)
}
