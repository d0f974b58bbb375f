//! Device.DeviceInfo. (TR-181): identity from the agent's [`Identity`],
//! UpTime, MemoryStatus and ProcessStatus.CPUUsage from `/proc` under the
//! root; ProvisioningCode is the UCI option `cwmp.cpe.provisioning_code`.

use crate::agent::identity::Identity;
use crate::cwmp::{Fault, FaultCode};
use crate::datamodel::{ObjRef, Provider};
use crate::paths::Root;

use super::uci::{Kind, UciParam};

pub const OBJECT: &str = "Device.DeviceInfo.";

/// The parameters [`DeviceInfo`] serves, relative to `Device.DeviceInfo.`.
pub const PARAMS: &[&str] = &[
    "Manufacturer",
    "ManufacturerOUI",
    "ProductClass",
    "SerialNumber",
    "HardwareVersion",
    "SoftwareVersion",
    "UpTime",
    "MemoryStatus.Total",
    "MemoryStatus.Free",
    "ProcessStatus.CPUUsage",
];

pub const UCI: &[UciParam] = &[UciParam {
    name: "ProvisioningCode",
    package: "cwmp",
    section: "cpe",
    option: "provisioning_code",
    default: "",
    kind: Kind::Text,
}];

pub struct DeviceInfo {
    pub root: Root,
    pub identity: Identity,
}

fn unavailable(what: &str) -> Fault {
    Fault::with_string(FaultCode::INTERNAL_ERROR, format!("{what} is unavailable"))
}

/// Whole seconds since boot: first field of `/proc/uptime`.
pub fn uptime(text: &str) -> Option<u64> {
    let secs: f64 = text.split_whitespace().next()?.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then_some(secs as u64)
}

/// A `/proc/meminfo` field in KiB (TR-181 MemoryStatus is in KiB too).
pub fn meminfo_kib(text: &str, field: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let (k, rest) = line.split_once(':')?;
        (k == field).then(|| rest.split_whitespace().next()?.parse().ok())?
    })
}

/// CPU usage in percent since boot, from the `cpu` line of `/proc/stat`:
/// 100 × (busy jiffies) / (all jiffies), idle and iowait being not busy.
/// One call has one sample, so this is the since-boot average rather than
/// a recent one (TR-181 leaves the averaging period to the device).
pub fn cpu_usage(text: &str) -> Option<u32> {
    let line = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some("cpu"))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    let total: u64 = fields.iter().fold(0u64, |a, b| a.saturating_add(*b));
    let idle = fields.get(3).copied().unwrap_or(0) + fields.get(4).copied().unwrap_or(0);
    if total == 0 {
        return None;
    }
    Some((total.saturating_sub(idle).saturating_mul(100) / total) as u32)
}

impl DeviceInfo {
    fn proc(&self, file: &str) -> Result<String, Fault> {
        std::fs::read_to_string(self.root.join(file)).map_err(|_| unavailable(file))
    }
}

impl Provider for DeviceInfo {
    fn get(&mut self, obj: ObjRef<'_>, name: &str) -> Result<String, Fault> {
        let id = &self.identity;
        let mem = |field: &str| -> Result<String, Fault> {
            let text = self.proc("/proc/meminfo")?;
            meminfo_kib(&text, field)
                .map(|v| v.min(u64::from(u32::MAX)).to_string())
                .ok_or_else(|| unavailable(field))
        };
        Ok(match (obj.template, name) {
            (OBJECT, "Manufacturer") => id.manufacturer.clone(),
            (OBJECT, "ManufacturerOUI") => id.oui.clone(),
            (OBJECT, "ProductClass") => id.product_class.clone(),
            (OBJECT, "SerialNumber") => id.serial_number.clone(),
            (OBJECT, "HardwareVersion") => id.hardware_version.clone(),
            (OBJECT, "SoftwareVersion") => id.software_version.clone(),
            (OBJECT, "UpTime") => uptime(&self.proc("/proc/uptime")?)
                .map(|s| s.min(u64::from(u32::MAX)).to_string())
                .ok_or_else(|| unavailable("/proc/uptime"))?,
            ("Device.DeviceInfo.MemoryStatus.", "Total") => mem("MemTotal")?,
            ("Device.DeviceInfo.MemoryStatus.", "Free") => mem("MemFree")?,
            ("Device.DeviceInfo.ProcessStatus.", "CPUUsage") => {
                cpu_usage(&self.proc("/proc/stat")?)
                    .ok_or_else(|| unavailable("/proc/stat"))?
                    .to_string()
            }
            _ => {
                return Err(Fault::with_string(
                    FaultCode::INVALID_PARAMETER_NAME,
                    format!("{}{name}", obj.template),
                ))
            }
        })
    }

    fn instances(&mut self, _table: ObjRef<'_>) -> Result<Vec<String>, Fault> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_parsers() {
        assert_eq!(uptime("12345.67 2345.00\n"), Some(12345));
        assert_eq!(uptime("nonsense"), None);
        let mem = "MemTotal:         252000 kB\nMemFree:           81234 kB\n";
        assert_eq!(meminfo_kib(mem, "MemTotal"), Some(252000));
        assert_eq!(meminfo_kib(mem, "MemFree"), Some(81234));
        assert_eq!(meminfo_kib(mem, "Buffers"), None);
        // busy = 100+0+50+0+0+0+50 = 200 of 1000 (idle 700, iowait 100).
        assert_eq!(
            cpu_usage("cpu  100 0 50 700 100 0 50 0 0 0\ncpu0 1 2 3 4\n"),
            Some(20)
        );
        assert_eq!(cpu_usage("cpu  0 0 0 0\n"), None);
        assert_eq!(cpu_usage("cpu x y\n"), None);
    }
}
