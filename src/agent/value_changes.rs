//! Value changes detected but not yet delivered (TR-069 §3.2.1 `4 VALUE
//! CHANGE`), kept in the state file so an agent restart (procd respawn,
//! crash, package upgrade) does not lose them.
//!
//! A restart of the agent is not a reboot of the device: the kernel's
//! `boot_id` (proc(5), `/proc/sys/kernel/random/boot_id`) tells them
//! apart. After a real reboot the changes are dropped with the `4 VALUE
//! CHANGE` event (the event queue's reboot rule, src/cwmp/event.rs); after
//! a restart within the same boot they are reported in the next Inform,
//! the event raised again.

use crate::cwmp::rpc::parameters::ParameterValue;
use crate::cwmp::xsd::ValueType;
use crate::paths::Root;

/// State-file record of one undelivered change: `name<TAB>type<TAB>value`.
pub const RECORD: &str = "value_change";
/// State-file record of the boot the changes were seen in.
pub const BOOT_RECORD: &str = "boot_id";

/// The kernel's id of the current boot under `root`; `None` when it cannot
/// be read (host mode without /proc, fixture roots).
pub fn boot_id(root: &Root) -> Option<String> {
    std::fs::read_to_string(root.join("/proc/sys/kernel/random/boot_id"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Whether changes stored in boot `stored` are still to be reported now,
/// in boot `current`. When either is unknown the agent cannot tell a
/// restart from a reboot and keeps them: a duplicate report is harmless,
/// a lost one is not.
pub fn same_boot(stored: Option<&str>, current: Option<&str>) -> bool {
    match (stored, current) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

pub fn to_records(changes: &[ParameterValue]) -> Vec<Vec<String>> {
    changes
        .iter()
        .map(|pv| {
            vec![
                pv.name.clone(),
                pv.value_type
                    .as_ref()
                    .map(|t| t.xsd_name().to_string())
                    .unwrap_or_default(),
                pv.value.clone(),
            ]
        })
        .collect()
}

/// Rebuilds the changes; malformed rows are skipped (a damaged state file
/// must not stop the agent).
pub fn from_records<'a>(rows: impl IntoIterator<Item = &'a [String]>) -> Vec<ParameterValue> {
    rows.into_iter()
        .filter_map(|row| match row {
            [name, ty, value] if name.starts_with("Device.") => Some(ParameterValue {
                name: name.clone(),
                value: value.clone(),
                value_type: ValueType::from_xsd_name(ty),
            }),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_junk_is_skipped() {
        let changes = vec![
            ParameterValue::new("Device.Time.LocalTimeZone", "CET-1", ValueType::String),
            ParameterValue::new("Device.IP.Interface.1.Enable", "true", ValueType::Boolean),
        ];
        let rows = to_records(&changes);
        assert_eq!(from_records(rows.iter().map(Vec::as_slice)), changes);
        let junk = [
            vec!["x".to_string()],
            vec!["Nope.".into(), "".into(), "".into()],
        ];
        assert!(from_records(junk.iter().map(Vec::as_slice)).is_empty());
        assert!(same_boot(Some("a"), Some("a")));
        assert!(!same_boot(Some("a"), Some("b")));
        assert!(same_boot(None, Some("b")));
    }
}
