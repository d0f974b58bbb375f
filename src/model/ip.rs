//! Device.IP.Interface.{i}. (TR-181) over the UCI `network` package: one
//! instance per `interface` section, keyed by the section name (= the
//! netifd interface name); the engine keeps the instance numbers stable.
//! AddObject creates an `interface` section (`proto none`), DeleteObject
//! removes it. IPv4Address.{i} is the static address of a `proto static`
//! interface (`ipaddr`/`netmask`). Status and Stats need netifd / the
//! kernel device and are not exposed here.

use crate::backend::uci::{Package, Section};
use crate::cwmp::{Fault, FaultCode};
use crate::datamodel::{ObjRef, Provider};

use super::uci::{uci_bool, Op, SharedStage};

pub const TABLE: &str = "Device.IP.Interface.{i}.";
const V4: &str = "Device.IP.Interface.{i}.IPv4Address.{i}.";
/// The one IPv4Address instance of a static interface.
const STATIC_KEY: &str = "static";

pub struct IpInterfaces {
    pub stage: SharedStage,
}

fn no_such(what: String) -> Fault {
    Fault::with_string(FaultCode::INVALID_PARAMETER_NAME, what)
}

/// `a.b.c.d` of a prefix length (0–32).
fn netmask(prefix: u32) -> String {
    let bits: u32 = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix.min(32))
    };
    std::net::Ipv4Addr::from(bits).to_string()
}

/// (address, mask) of a static interface; `ipaddr` may be `a.b.c.d/len`.
fn static_address(sec: &Section) -> (String, String) {
    let raw = sec
        .get_list("ipaddr")
        .first()
        .copied()
        .unwrap_or("")
        .to_string();
    match raw.split_once('/') {
        Some((addr, len)) => (
            addr.to_string(),
            len.parse().map(netmask).unwrap_or_default(),
        ),
        None => (raw, sec.get_str("netmask").unwrap_or("").to_string()),
    }
}

impl IpInterfaces {
    fn network(&self) -> Result<Package, Fault> {
        self.stage
            .borrow()
            .package("network")
            .ok_or_else(|| Fault::with_string(FaultCode::INTERNAL_ERROR, "network unreadable"))
    }

    fn set(&mut self, section: &str, option: &str, value: String) -> Result<(), Fault> {
        self.stage.borrow_mut().stage(Op::Set {
            package: "network".into(),
            section: section.into(),
            option: option.into(),
            value,
        })
    }
}

impl Provider for IpInterfaces {
    fn serves(&self, object: &str, name: &str) -> bool {
        match object {
            TABLE => matches!(name, "Enable" | "Name" | "MaxMTUSize"),
            V4 => matches!(name, "IPAddress" | "SubnetMask" | "AddressingType"),
            _ => false,
        }
    }

    fn get(&mut self, obj: ObjRef<'_>, name: &str) -> Result<String, Fault> {
        let pkg = self.network()?;
        let Some(sec) = obj.keys.first().and_then(|k| pkg.section(k)) else {
            return Err(no_such(format!("{}{name}", obj.template)));
        };
        Ok(match (obj.template, name) {
            (TABLE, "Name") => sec.name.clone(),
            // netifd: `option disabled 1` keeps an interface down.
            (TABLE, "Enable") => {
                crate::cwmp::xsd::format_bool(!uci_bool(sec.get_str("disabled").unwrap_or("0")))
                    .to_string()
            }
            (TABLE, "MaxMTUSize") => sec.get_str("mtu").unwrap_or("1500").to_string(),
            (V4, "IPAddress") => static_address(sec).0,
            (V4, "SubnetMask") => static_address(sec).1,
            (V4, "AddressingType") => "Static".to_string(),
            _ => return Err(no_such(format!("{}{name}", obj.template))),
        })
    }

    fn instances(&mut self, table: ObjRef<'_>) -> Result<Vec<String>, Fault> {
        // No (readable) `network` package: no interfaces, rather than a
        // fault on every GetParameterValues `Device.` (host mode, tests).
        let Ok(pkg) = self.network() else {
            return Ok(Vec::new());
        };
        Ok(match table.template {
            TABLE => pkg
                .sections_of_type("interface")
                .map(|s| s.name.clone())
                .collect(),
            V4 => table
                .keys
                .first()
                .and_then(|k| pkg.section(k))
                .filter(|s| s.get_str("proto") == Some("static"))
                .map(|_| vec![STATIC_KEY.to_string()])
                .unwrap_or_default(),
            _ => Vec::new(),
        })
    }

    fn set(&mut self, obj: ObjRef<'_>, name: &str, value: &str) -> Result<(), Fault> {
        let Some(section) = obj.keys.first().cloned() else {
            return Err(no_such(format!("{}{name}", obj.template)));
        };
        match (obj.template, name) {
            (TABLE, "Enable") => {
                let disabled = if value == "true" { "" } else { "1" };
                self.set(&section, "disabled", disabled.to_string())
            }
            (TABLE, "MaxMTUSize") => self.set(&section, "mtu", value.to_string()),
            (V4, "IPAddress") => self.set(&section, "ipaddr", value.to_string()),
            (V4, "SubnetMask") => self.set(&section, "netmask", value.to_string()),
            _ => Err(Fault::with_string(
                FaultCode::NON_WRITABLE_PARAMETER,
                format!("{}{name} is not writable", obj.template),
            )),
        }
    }

    fn add(&mut self, table: ObjRef<'_>) -> Result<String, Fault> {
        if table.template != TABLE {
            return Err(Fault::with_string(
                FaultCode::REQUEST_DENIED,
                format!("cannot add to {}", table.template),
            ));
        }
        let pkg = self.network()?;
        let name = (1u32..)
            .map(|n| format!("cwmp{n}"))
            .find(|n| pkg.section(n).is_none())
            .unwrap_or_default();
        let mut stage = self.stage.borrow_mut();
        stage.stage(Op::AddSection {
            package: "network".into(),
            name: name.clone(),
            stype: "interface".into(),
        })?;
        stage.stage(Op::Set {
            package: "network".into(),
            section: name.clone(),
            option: "proto".into(),
            value: "none".into(),
        })?;
        Ok(name)
    }

    fn delete(&mut self, obj: ObjRef<'_>) -> Result<(), Fault> {
        match (obj.template, obj.keys) {
            (TABLE, [name]) => self.stage.borrow_mut().stage(Op::DeleteSection {
                package: "network".into(),
                name: name.clone(),
            }),
            _ => Err(Fault::with_string(
                FaultCode::REQUEST_DENIED,
                format!("cannot delete {}", obj.template),
            )),
        }
    }

    fn commit(&mut self) -> Result<crate::cwmp::rpc::parameters::ApplyStatus, Fault> {
        self.stage.borrow_mut().commit()
    }

    fn revert(&mut self) {
        self.stage.borrow_mut().revert()
    }
}

#[cfg(test)]
mod tests {
    use super::netmask;

    #[test]
    fn prefix_to_mask() {
        assert_eq!(netmask(24), "255.255.255.0");
        assert_eq!(netmask(0), "0.0.0.0");
        assert_eq!(netmask(32), "255.255.255.255");
    }
}
