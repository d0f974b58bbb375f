//! Device.Time. (TR-181) over UCI `system`: Enable ↔ `system.ntp.enabled`,
//! LocalTimeZone ↔ `system.@system[0].timezone` (both are POSIX TZ
//! strings, e.g. `CET-1CEST,M3.5.0,M10.5.0/3`; TR-181 2.19 defines
//! LocalTimeZone as one). CurrentLocalTime is the caller's clock (`now`)
//! in that zone, with its UTC offset (src/model/tz.rs).
//!
//! The NTP servers are `Device.Time.Client.1.Servers` ↔ the list
//! `system.ntp.server`: TR-181 2.19 marks the old `NTPServer1..5` as
//! deleted and replaced them by the Client table (2.16), so a 2.19 model
//! carries the servers there. OpenWrt has one NTP client (sysntpd, the
//! `timeserver 'ntp'` section): one instance, no AddObject/DeleteObject.

use crate::cwmp::rpc::parameters::ApplyStatus;
use crate::cwmp::{Fault, FaultCode};
use crate::datamodel::{ObjRef, Provider};

use super::tz::PosixTz;
use super::uci::{uci_bool, Kind, Op, SharedStage, UciParam};

pub const OBJECT: &str = "Device.Time.";
pub const CLIENT_TABLE: &str = "Device.Time.Client.{i}.";

/// The UCI section of OpenWrt's NTP client.
const NTP_SECTION: &str = "ntp";

pub const UCI: &[UciParam] = &[
    UciParam {
        name: "Enable",
        package: "system",
        section: NTP_SECTION,
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
        kind: Kind::PosixTz,
    },
];

/// CurrentLocalTime from the caller's clock (Unix seconds) and the zone.
pub struct Clock {
    pub now: i64,
    pub stage: SharedStage,
}

pub const CLOCK: &[&str] = &["CurrentLocalTime"];

impl Clock {
    /// The configured zone; an unset or unreadable one is UTC (what
    /// OpenWrt's libc does with a TZ it cannot parse).
    fn zone(&self) -> PosixTz {
        let text = self
            .stage
            .borrow()
            .get("system", "@system[0]", "timezone")
            .unwrap_or_default();
        PosixTz::parse(&text).unwrap_or_else(|e| {
            log::warn!("system.@system[0].timezone: {e}; using UTC");
            PosixTz::utc()
        })
    }
}

impl Provider for Clock {
    fn get(&mut self, _obj: ObjRef<'_>, name: &str) -> Result<String, Fault> {
        match name {
            "CurrentLocalTime" => Ok(self.zone().local_time(self.now).to_string()),
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

/// `Device.Time.Client.{i}.` — the one sysntpd client.
pub struct NtpClient {
    pub stage: SharedStage,
}

impl NtpClient {
    fn no_such(obj: ObjRef<'_>, name: &str) -> Fault {
        Fault::with_string(
            FaultCode::INVALID_PARAMETER_NAME,
            format!("{}{name}", obj.template),
        )
    }
}

impl Provider for NtpClient {
    fn serves(&self, object: &str, name: &str) -> bool {
        object == CLIENT_TABLE && matches!(name, "Enable" | "Servers")
    }

    fn get(&mut self, obj: ObjRef<'_>, name: &str) -> Result<String, Fault> {
        let stage = self.stage.borrow();
        let pkg = stage
            .package("system")
            .ok_or_else(|| Fault::with_string(FaultCode::INTERNAL_ERROR, "system unreadable"))?;
        let sec = pkg
            .section(NTP_SECTION)
            .ok_or_else(|| Self::no_such(obj, name))?;
        match name {
            "Enable" => Ok(crate::cwmp::xsd::format_bool(uci_bool(
                sec.get_str("enabled").unwrap_or("1"),
            ))
            .to_string()),
            // TR-106 list of strings: comma-separated.
            "Servers" => Ok(sec.get_list("server").join(",")),
            _ => Err(Self::no_such(obj, name)),
        }
    }

    fn instances(&mut self, _table: ObjRef<'_>) -> Result<Vec<String>, Fault> {
        let stage = self.stage.borrow();
        let present = stage
            .package("system")
            .is_some_and(|p| p.section(NTP_SECTION).is_some());
        Ok(if present {
            vec![NTP_SECTION.to_string()]
        } else {
            Vec::new()
        })
    }

    fn set(&mut self, obj: ObjRef<'_>, name: &str, value: &str) -> Result<(), Fault> {
        let op = match name {
            "Enable" => Op::Set {
                package: "system".into(),
                section: NTP_SECTION.into(),
                option: "enabled".into(),
                value: if value == "true" { "1" } else { "0" }.into(),
            },
            "Servers" => Op::SetList {
                package: "system".into(),
                section: NTP_SECTION.into(),
                option: "server".into(),
                items: value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            },
            _ => {
                return Err(Fault::with_string(
                    FaultCode::NON_WRITABLE_PARAMETER,
                    format!("{}{name} is not writable", obj.template),
                ))
            }
        };
        self.stage.borrow_mut().stage(op)
    }

    fn adds_instances(&self, _table: &str) -> bool {
        false
    }

    fn add(&mut self, table: ObjRef<'_>) -> Result<String, Fault> {
        Err(Fault::with_string(
            FaultCode::REQUEST_DENIED,
            format!("{}: OpenWrt has one NTP client", table.template),
        ))
    }

    fn delete(&mut self, obj: ObjRef<'_>) -> Result<(), Fault> {
        Err(Fault::with_string(
            FaultCode::REQUEST_DENIED,
            format!("{}: OpenWrt has one NTP client", obj.template),
        ))
    }

    fn commit(&mut self) -> Result<ApplyStatus, Fault> {
        self.stage.borrow_mut().commit()
    }

    fn revert(&mut self) {
        self.stage.borrow_mut().revert()
    }
}
