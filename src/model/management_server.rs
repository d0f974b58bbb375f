//! Device.ManagementServer. (TR-181) over the agent's own configuration
//! `/etc/config/cwmp`, so an ACS write and a `uci set` overwrite each other
//! and the later wins. ParameterKey is the engine's; ConnectionRequestURL
//! is the live value the agent computed.

use crate::cwmp::{Fault, FaultCode};
use crate::datamodel::{ObjRef, Provider};

use super::uci::{Kind, UciParam};

pub const OBJECT: &str = "Device.ManagementServer.";

const fn cwmp(
    name: &'static str,
    section: &'static str,
    option: &'static str,
    default: &'static str,
    kind: Kind,
) -> UciParam {
    UciParam {
        name,
        package: "cwmp",
        section,
        option,
        default,
        kind,
    }
}

/// Defaults are the agent's own (src/config.rs) so what is read is what runs.
pub const UCI: &[UciParam] = &[
    cwmp("URL", "acs", "url", "", Kind::Text),
    cwmp("Username", "acs", "username", "", Kind::Text),
    cwmp("Password", "acs", "password", "", Kind::Secret),
    cwmp(
        "PeriodicInformEnable",
        "cpe",
        "periodic_inform",
        "1",
        Kind::Bool,
    ),
    cwmp(
        "PeriodicInformInterval",
        "cpe",
        "periodic_interval",
        "600",
        Kind::Text,
    ),
    cwmp(
        "PeriodicInformTime",
        "cpe",
        "periodic_time",
        "0001-01-01T00:00:00Z",
        Kind::Text,
    ),
    cwmp(
        "ConnectionRequestUsername",
        "cpe",
        "username",
        "",
        Kind::Text,
    ),
    cwmp(
        "ConnectionRequestPassword",
        "cpe",
        "password",
        "",
        Kind::Secret,
    ),
    cwmp(
        "CWMPRetryMinimumWaitInterval",
        "cpe",
        "retry_min_wait",
        "5",
        Kind::Text,
    ),
    cwmp(
        "CWMPRetryIntervalMultiplier",
        "cpe",
        "retry_multiplier",
        "2000",
        Kind::Text,
    ),
    // TR-069 Annex G: `config stun 'stun'` (src/agent/stun_task.rs).
    cwmp("STUNEnable", "stun", "enable", "0", Kind::Bool),
    cwmp("STUNServerAddress", "stun", "server", "", Kind::Text),
    cwmp("STUNServerPort", "stun", "port", "3478", Kind::Text),
    cwmp("STUNUsername", "stun", "username", "", Kind::Text),
    cwmp("STUNPassword", "stun", "password", "", Kind::Secret),
    cwmp(
        "STUNMaximumKeepAlivePeriod",
        "stun",
        "max_keepalive",
        "60",
        Kind::Text,
    ),
    cwmp(
        "STUNMinimumKeepAlivePeriod",
        "stun",
        "min_keepalive",
        "20",
        Kind::Text,
    ),
];

/// What the STUN task learnt (TR-069 Annex G); empty/false while STUN is
/// off or before the first Binding Response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StunLive {
    /// `host:port` of the NAT binding (TR-181 UDPConnectionRequestAddress).
    pub udp_connection_request_address: String,
    /// The mapped address differs from our source address and port.
    pub nat_detected: bool,
}

/// Live values: ConnectionRequestURL as the agent announces it, and the
/// STUN results.
pub struct Live {
    pub connection_request_url: String,
    pub stun: StunLive,
}

pub const LIVE: &[&str] = &[
    "ConnectionRequestURL",
    "UDPConnectionRequestAddress",
    "NATDetected",
    "SupportedConnReqMethods",
];

impl Provider for Live {
    fn get(&mut self, _obj: ObjRef<'_>, name: &str) -> Result<String, Fault> {
        match name {
            "ConnectionRequestURL" => Ok(self.connection_request_url.clone()),
            "UDPConnectionRequestAddress" => Ok(self.stun.udp_connection_request_address.clone()),
            "NATDetected" => Ok(self.stun.nat_detected.to_string()),
            // HTTP (TR-069 §3.2.2) and STUN (Annex G UDP); no XMPP.
            "SupportedConnReqMethods" => Ok("HTTP,STUN".into()),
            _ => Err(Fault::with_string(
                FaultCode::INVALID_PARAMETER_NAME,
                format!("{OBJECT}{name}"),
            )),
        }
    }

    fn instances(&mut self, _table: ObjRef<'_>) -> Result<Vec<String>, Fault> {
        Ok(Vec::new())
    }
}
