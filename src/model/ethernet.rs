//! Device.Ethernet.Interface.{i}. (TR-181) from `/sys/class/net` under the
//! root: one instance per network device backed by hardware (it has a
//! `device` link; bridges, VLANs and `lo` do not), keyed by its name.
//! Read-only: Status, Name, MACAddress and the Stats the kernel counts
//! (`statistics/*`); the rest of the object is not exposed.

use crate::cwmp::{Fault, FaultCode};
use crate::datamodel::{ObjRef, Provider};
use crate::paths::Root;

pub const TABLE: &str = "Device.Ethernet.Interface.{i}.";
const STATS: &str = "Device.Ethernet.Interface.{i}.Stats.";

/// TR-181 Stats parameter → kernel counter file.
pub const COUNTERS: &[(&str, &str)] = &[
    ("BytesSent", "tx_bytes"),
    ("BytesReceived", "rx_bytes"),
    ("PacketsSent", "tx_packets"),
    ("PacketsReceived", "rx_packets"),
    ("ErrorsSent", "tx_errors"),
    ("ErrorsReceived", "rx_errors"),
    ("DiscardPacketsSent", "tx_dropped"),
    ("DiscardPacketsReceived", "rx_dropped"),
    ("MulticastPacketsReceived", "multicast"),
    ("Collisions", "collisions"),
];

pub struct Ethernet {
    pub root: Root,
}

fn no_such(what: String) -> Fault {
    Fault::with_string(FaultCode::INVALID_PARAMETER_NAME, what)
}

/// TR-181 Interface.Status of a kernel `operstate` (RFC 2863 ifOperStatus).
pub fn status(operstate: &str) -> &'static str {
    match operstate.trim() {
        "up" => "Up",
        "down" => "Down",
        "dormant" => "Dormant",
        "notpresent" => "NotPresent",
        "lowerlayerdown" => "LowerLayerDown",
        _ => "Unknown",
    }
}

impl Ethernet {
    fn read(&self, dev: &str, file: &str) -> Result<String, Fault> {
        let path = format!("/sys/class/net/{dev}/{file}");
        std::fs::read_to_string(self.root.join(&path))
            .map(|s| s.trim().to_string())
            .map_err(|_| {
                Fault::with_string(FaultCode::INTERNAL_ERROR, format!("{path} unreadable"))
            })
    }
}

impl Provider for Ethernet {
    fn serves(&self, object: &str, name: &str) -> bool {
        match object {
            TABLE => matches!(name, "Status" | "Name" | "MACAddress"),
            STATS => COUNTERS.iter().any(|(n, _)| *n == name),
            _ => false,
        }
    }

    fn get(&mut self, obj: ObjRef<'_>, name: &str) -> Result<String, Fault> {
        let Some(dev) = obj.keys.first() else {
            return Err(no_such(format!("{}{name}", obj.template)));
        };
        match (obj.template, name) {
            (TABLE, "Name") => Ok(dev.clone()),
            (TABLE, "Status") => Ok(status(&self.read(dev, "operstate")?).to_string()),
            (TABLE, "MACAddress") => self.read(dev, "address"),
            (STATS, _) => {
                let file = COUNTERS
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, f)| *f)
                    .ok_or_else(|| no_such(format!("{STATS}{name}")))?;
                let text = self.read(dev, &format!("statistics/{file}"))?;
                text.parse::<u64>().map(|v| v.to_string()).map_err(|_| {
                    Fault::with_string(FaultCode::INTERNAL_ERROR, format!("{dev} {file}: {text:?}"))
                })
            }
            _ => Err(no_such(format!("{}{name}", obj.template))),
        }
    }

    fn instances(&mut self, table: ObjRef<'_>) -> Result<Vec<String>, Fault> {
        if table.template != TABLE {
            return Ok(Vec::new());
        }
        let dir = self.root.join("/sys/class/net");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(Vec::new());
        };
        let mut devs: Vec<String> = entries
            .flatten()
            .filter(|e| e.path().join("device").exists())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        devs.sort();
        Ok(devs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operstate_maps_to_tr181_status() {
        assert_eq!(status("up\n"), "Up");
        assert_eq!(status("lowerlayerdown"), "LowerLayerDown");
        assert_eq!(status("testing"), "Unknown");
    }
}
