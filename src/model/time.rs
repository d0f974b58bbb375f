//! Device.Time. (TR-181) over UCI `system`: Enable ↔ `system.ntp.enabled`,
//! LocalTimeZone ↔ `system.@system[0].timezone` (both are POSIX TZ
//! strings, e.g. `CET-1CEST,M3.5.0,M10.5.0/3`). CurrentLocalTime is the
//! caller's clock (`now`), given in UTC with its `Z` offset: a correct
//! instant without a TZ-rule evaluator on the router.

use crate::cwmp::xsd::DateTime;
use crate::cwmp::{Fault, FaultCode};
use crate::datamodel::{ObjRef, Provider};

use super::uci::{Kind, UciParam};

pub const OBJECT: &str = "Device.Time.";

pub const UCI: &[UciParam] = &[
    UciParam {
        name: "Enable",
        package: "system",
        section: "ntp",
        option: "enabled",
        // OpenWrt's sysntpd runs unless `enabled` says 0.
        default: "1",
        kind: Kind::Bool,
    },
    UciParam {
        name: "LocalTimeZone",
        package: "system",
        section: "@system[0]",
        option: "timezone",
        default: "UTC",
        kind: Kind::Text,
    },
];

/// CurrentLocalTime from the caller's clock (Unix seconds).
pub struct Clock {
    pub now: i64,
}

pub const CLOCK: &[&str] = &["CurrentLocalTime"];

impl Provider for Clock {
    fn get(&mut self, _obj: ObjRef<'_>, name: &str) -> Result<String, Fault> {
        match name {
            "CurrentLocalTime" => Ok(DateTime::from_unix(self.now).to_string()),
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
