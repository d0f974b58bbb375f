//! Who the device is, for the Inform's DeviceId and the forced-inform
//! DeviceInfo parameters (TR-069 §A.3.3.1; TR-181 Device.DeviceInfo.).
//!
//! Sources, first hit wins: the `cwmp.device` UCI section (filled by the
//! package's uci-defaults or by the operator), then what OpenWrt itself
//! publishes: `/etc/openwrt_release` (DISTRIB_*), `/tmp/sysinfo/model` and
//! `board_name` (written at boot from the device tree / board.json), and the
//! MAC address of the first Ethernet device for OUI and serial number.

use std::fs;

use crate::paths::Root;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub manufacturer: String,
    /// Six upper-case hex digits (the XSD pattern of DeviceIdStruct.OUI).
    pub oui: String,
    pub product_class: String,
    pub serial_number: String,
    pub software_version: String,
    pub hardware_version: String,
}

/// Operator overrides (UCI `cwmp.device.*`), each optional.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub manufacturer: Option<String>,
    pub oui: Option<String>,
    pub product_class: Option<String>,
    pub serial_number: Option<String>,
}

/// Reads a shell `KEY='value'` file such as /etc/openwrt_release.
fn shell_var(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches(['\'', '"']).to_string())
    })
}

fn read_trimmed(root: &Root, path: &str) -> Option<String> {
    let s = fs::read_to_string(root.join(path)).ok()?;
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// The MAC address of the first of these devices that has one.
fn first_mac(root: &Root) -> Option<String> {
    ["eth0", "br-lan", "lan1", "wan", "eth1"]
        .iter()
        .find_map(|dev| {
            let mac = read_trimmed(root, &format!("/sys/class/net/{dev}/address"))?;
            let hex: String = mac.chars().filter(|c| c.is_ascii_hexdigit()).collect();
            (hex.len() == 12 && hex != "000000000000").then(|| hex.to_ascii_uppercase())
        })
}

fn valid_oui(s: &str) -> Option<String> {
    let up = s.trim().to_ascii_uppercase();
    (up.len() == 6 && up.chars().all(|c| c.is_ascii_hexdigit())).then_some(up)
}

impl Identity {
    pub fn load(root: &Root, overrides: &Overrides) -> Identity {
        let release = fs::read_to_string(root.join("/etc/openwrt_release")).unwrap_or_default();
        let mac = first_mac(root);
        let pick = |o: &Option<String>| o.as_ref().filter(|s| !s.trim().is_empty()).cloned();
        let software_version = match (
            shell_var(&release, "DISTRIB_RELEASE"),
            shell_var(&release, "DISTRIB_REVISION"),
        ) {
            (Some(r), Some(rev)) => format!("{r} {rev}"),
            (Some(r), None) => r,
            _ => env!("CARGO_PKG_VERSION").to_string(),
        };
        Identity {
            manufacturer: pick(&overrides.manufacturer)
                .or_else(|| shell_var(&release, "DISTRIB_ID"))
                .unwrap_or_else(|| "OpenWrt".into()),
            oui: overrides
                .oui
                .as_deref()
                .and_then(valid_oui)
                .or_else(|| mac.as_ref().map(|m| m[..6].to_string()))
                .unwrap_or_else(|| "000000".into()),
            product_class: pick(&overrides.product_class)
                .or_else(|| read_trimmed(root, "/tmp/sysinfo/board_name"))
                .unwrap_or_else(|| "OpenWrt".into()),
            serial_number: pick(&overrides.serial_number)
                .or(mac)
                .unwrap_or_else(|| "000000000000".into()),
            software_version,
            hardware_version: read_trimmed(root, "/tmp/sysinfo/model")
                .unwrap_or_else(|| "unknown".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_openwrt_files_and_mac() {
        let dir = std::env::temp_dir().join(format!("cwmpd-identity-{}", std::process::id()));
        let root = Root::new(&dir);
        fs::create_dir_all(root.join("/etc")).unwrap();
        fs::create_dir_all(root.join("/tmp/sysinfo")).unwrap();
        fs::create_dir_all(root.join("/sys/class/net/eth0")).unwrap();
        fs::write(
            root.join("/etc/openwrt_release"),
            "DISTRIB_ID='OpenWrt'\nDISTRIB_RELEASE='24.10.0'\nDISTRIB_REVISION='r28427'\n",
        )
        .unwrap();
        fs::write(root.join("/tmp/sysinfo/board_name"), "glinet,gl-mt3000\n").unwrap();
        fs::write(root.join("/tmp/sysinfo/model"), "GL.iNet GL-MT3000\n").unwrap();
        fs::write(
            root.join("/sys/class/net/eth0/address"),
            "94:83:c4:12:34:56\n",
        )
        .unwrap();
        let id = Identity::load(&root, &Overrides::default());
        assert_eq!(id.manufacturer, "OpenWrt");
        assert_eq!(id.oui, "9483C4");
        assert_eq!(id.serial_number, "9483C4123456");
        assert_eq!(id.product_class, "glinet,gl-mt3000");
        assert_eq!(id.software_version, "24.10.0 r28427");
        assert_eq!(id.hardware_version, "GL.iNet GL-MT3000");
        let o = Overrides {
            oui: Some("00d09e".into()),
            serial_number: Some("SN-1".into()),
            ..Overrides::default()
        };
        let id = Identity::load(&root, &o);
        assert_eq!(
            (id.oui.as_str(), id.serial_number.as_str()),
            ("00D09E", "SN-1")
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn empty_root_still_gives_a_valid_device_id() {
        let id = Identity::load(&Root::new("/nonexistent-cwmpd"), &Overrides::default());
        assert_eq!(id.oui, "000000");
        assert!(!id.serial_number.is_empty());
    }
}
