//! Device.IP.Interface.{i}. (TR-181) over the UCI `network` package: one
//! instance per `interface` section, keyed by the section name (= the
//! netifd interface name); the engine keeps the instance numbers stable.
//! AddObject creates an `interface` section (`proto none`), DeleteObject
//! removes it. IPv4Address.{i} is the static address of a `proto static`
//! interface (`ipaddr`/`netmask`).
//!
//! Live state comes from a netifd snapshot (`network.interface dump`)
//! taken by the agent before it builds the model (DESIGN.md "netifd
//! snapshot"): Status, the addresses of dynamic interfaces (DHCP, PPP...)
//! and the L3 device whose kernel counters (`/sys/class/net/<dev>/
//! statistics`) are `Stats.`. Without a snapshot (no ubus) the model is
//! UCI-only: Status is `Unknown` (or `Down` when disabled), dynamic
//! interfaces have no IPv4Address, and Stats read the UCI `device`.

use crate::backend::netifd::InterfaceStatus;
use crate::backend::uci::{Package, Section};
use crate::cwmp::{Fault, FaultCode};
use crate::datamodel::{ObjRef, Provider};
use crate::paths::Root;

use super::ethernet::COUNTERS;
use super::uci::{uci_bool, Op, SharedStage};

pub const TABLE: &str = "Device.IP.Interface.{i}.";
const V4: &str = "Device.IP.Interface.{i}.IPv4Address.{i}.";
const STATS: &str = "Device.IP.Interface.{i}.Stats.";
/// The one IPv4Address instance of a static interface.
const STATIC_KEY: &str = "static";
/// Keys of the addresses netifd reports for a dynamic interface: by
/// position (`dyn1`, `dyn2`...), so a DHCP renewal with a new address keeps
/// the instance number and shows up as a value change of IPAddress.
const DYNAMIC_PREFIX: &str = "dyn";

pub struct IpInterfaces {
    pub stage: SharedStage,
    pub root: Root,
    /// netifd's view of every interface; `None` when ubus is not there.
    pub netifd: Option<Vec<InterfaceStatus>>,
}

/// TR-181 `IP.Interface.{i}.Status` from netifd's flags.
pub fn interface_status(disabled: bool, netifd: Option<Option<&InterfaceStatus>>) -> &'static str {
    match netifd {
        // UCI-only: netifd's opinion is not known.
        None if disabled => "Down",
        None => "Unknown",
        // netifd does not know the interface (e.g. not reloaded yet).
        Some(None) => "NotPresent",
        Some(Some(s)) if s.up => "Up",
        // Its device is missing or has no link.
        Some(Some(s)) if !s.available => "LowerLayerDown",
        // Being set up (DHCP, PPP negotiation...): waiting on the peer.
        Some(Some(s)) if s.pending => "Dormant",
        Some(Some(_)) => "Down",
    }
}

/// TR-181 AddressingType of a netifd protocol.
fn addressing_type(proto: &str) -> &'static str {
    match proto {
        "dhcp" => "DHCP",
        "ppp" | "pppoe" | "pppoa" | "pptp" | "l2tp" | "3g" => "IPCP",
        _ => "Static",
    }
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
    /// netifd's status of interface `name`: `None` without a snapshot,
    /// `Some(None)` when netifd does not list it.
    fn live(&self, name: &str) -> Option<Option<&InterfaceStatus>> {
        self.netifd
            .as_ref()
            .map(|all| all.iter().find(|s| s.interface.as_deref() == Some(name)))
    }

    /// The kernel device carrying the interface's traffic: netifd's
    /// `l3_device`, else the UCI `device` option.
    fn l3_device(&self, sec: &Section) -> Option<String> {
        self.live(&sec.name)
            .flatten()
            .and_then(|s| s.l3_device.clone())
            .or_else(|| sec.get_str("device").map(str::to_string))
    }

    /// A kernel counter of `dev`; 0 when the device is absent (a down or
    /// unplugged interface has counted nothing; the kernel resets the
    /// counters when the device is created again).
    fn counter(&self, dev: Option<&str>, file: &str) -> Result<String, Fault> {
        let Some(dev) = dev.filter(|d| !d.is_empty() && !d.contains('/')) else {
            return Ok("0".into());
        };
        let path = self
            .root
            .join(&format!("/sys/class/net/{dev}/statistics/{file}"));
        match std::fs::read_to_string(&path) {
            Ok(text) => text
                .trim()
                .parse::<u64>()
                .map(|v| v.to_string())
                .map_err(|_| {
                    Fault::with_string(
                        FaultCode::INTERNAL_ERROR,
                        format!("{}: {text:?}", path.display()),
                    )
                }),
            Err(_) => Ok("0".into()),
        }
    }

    /// (address, mask) of a dynamic address key, from netifd.
    fn dynamic_address(&self, sec: &Section, key: &str) -> Option<(String, String)> {
        let idx: usize = key.strip_prefix(DYNAMIC_PREFIX)?.parse().ok()?;
        let status = self.live(&sec.name)??;
        let a = status.ipv4.get(idx.checked_sub(1)?)?;
        Some((a.address.to_string(), netmask(u32::from(a.mask))))
    }

    fn network(&self) -> Result<std::rc::Rc<Package>, Fault> {
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
            TABLE => matches!(name, "Enable" | "Name" | "MaxMTUSize" | "Status"),
            V4 => matches!(
                name,
                "IPAddress" | "SubnetMask" | "AddressingType" | "Status"
            ),
            // Collisions is Ethernet-only; IP.Interface.Stats has the rest.
            STATS => COUNTERS
                .iter()
                .any(|(n, _)| *n == name && *n != "Collisions"),
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
            (TABLE, "Status") => {
                let disabled = uci_bool(sec.get_str("disabled").unwrap_or("0"));
                interface_status(disabled, self.live(&sec.name)).to_string()
            }
            (STATS, _) => {
                let file = COUNTERS
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, f)| *f)
                    .ok_or_else(|| no_such(format!("{STATS}{name}")))?;
                return self.counter(self.l3_device(sec).as_deref(), file);
            }
            (V4, _) if obj.keys.get(1).is_some_and(|k| k != STATIC_KEY) => {
                let key = obj.keys.get(1).map(String::as_str).unwrap_or("");
                let (addr, mask) = self
                    .dynamic_address(sec, key)
                    .ok_or_else(|| no_such(format!("{}{name}", obj.template)))?;
                match name {
                    "IPAddress" => addr,
                    "SubnetMask" => mask,
                    "AddressingType" => {
                        addressing_type(sec.get_str("proto").unwrap_or("")).to_string()
                    }
                    // netifd lists only addresses it has applied.
                    "Status" => "Enabled".to_string(),
                    _ => return Err(no_such(format!("{}{name}", obj.template))),
                }
            }
            (V4, "IPAddress") => static_address(sec).0,
            (V4, "SubnetMask") => static_address(sec).1,
            (V4, "AddressingType") => "Static".to_string(),
            (V4, "Status") => {
                // Enabled once netifd has applied it; without netifd, the
                // configuration is all there is to go by.
                let applied = match self.live(&sec.name) {
                    None => !uci_bool(sec.get_str("disabled").unwrap_or("0")),
                    Some(s) => s.is_some_and(|s| {
                        s.up && s
                            .ipv4
                            .iter()
                            .any(|a| a.address.to_string() == static_address(sec).0)
                    }),
                };
                if applied { "Enabled" } else { "Disabled" }.to_string()
            }
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
            V4 => {
                let Some(sec) = table.keys.first().and_then(|k| pkg.section(k)) else {
                    return Ok(Vec::new());
                };
                if sec.get_str("proto") == Some("static") {
                    vec![STATIC_KEY.to_string()]
                } else {
                    let n = self.live(&sec.name).flatten().map_or(0, |s| s.ipv4.len());
                    (1..=n).map(|i| format!("{DYNAMIC_PREFIX}{i}")).collect()
                }
            }
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
            (V4, "IPAddress" | "SubnetMask")
                if obj.keys.get(1).is_some_and(|k| k != STATIC_KEY) =>
            {
                Err(Fault::with_string(
                    FaultCode::NON_WRITABLE_PARAMETER,
                    format!("{}{name}: a dynamic address (set by netifd)", obj.template),
                ))
            }
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
    use super::*;

    #[test]
    fn status_from_netifd_flags() {
        let s = |json: &str| {
            InterfaceStatus::from_blob(&crate::backend::ubus::json::parse(json).unwrap()).unwrap()
        };
        let up = s(r#"{"up": true, "available": true}"#);
        let pending = s(r#"{"up": false, "pending": true, "available": true}"#);
        let no_dev = s(r#"{"up": false, "available": false}"#);
        let down = s(r#"{"up": false, "available": true}"#);
        assert_eq!(interface_status(false, Some(Some(&up))), "Up");
        assert_eq!(interface_status(false, Some(Some(&pending))), "Dormant");
        assert_eq!(
            interface_status(false, Some(Some(&no_dev))),
            "LowerLayerDown"
        );
        assert_eq!(interface_status(true, Some(Some(&down))), "Down");
        assert_eq!(interface_status(false, Some(None)), "NotPresent");
        assert_eq!(interface_status(false, None), "Unknown");
        assert_eq!(interface_status(true, None), "Down");
        assert_eq!(addressing_type("pppoe"), "IPCP");
    }

    #[test]
    fn prefix_to_mask() {
        assert_eq!(netmask(24), "255.255.255.0");
        assert_eq!(netmask(0), "0.0.0.0");
        assert_eq!(netmask(32), "255.255.255.255");
    }
}
