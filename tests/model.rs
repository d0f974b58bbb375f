//! The TR-181 providers (src/model/) on a fixture router tree
//! (tests/fixtures/model/router): values from /proc and UCI, a
//! SetParameterValues across `cwmp` and `system` read back with the real
//! libuci `uci`, and a bad one that changes nothing.

mod common;
mod ubus_broker;

use std::fs;
use std::path::{Path, PathBuf};

use common::real_uci::RealUci;
use cwmpd::agent::identity::Identity;
use cwmpd::cwmp::rpc::parameters::ParameterValue;
use cwmpd::cwmp::FaultCode;
use cwmpd::datamodel::DataModel;
use cwmpd::model::{build, Live};
use cwmpd::paths::Root;

struct Scratch(PathBuf);
impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// A private copy of the fixture router (the tests write to it).
fn router(tag: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("cwmpd-model-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/model/router"),
        &dir,
    );
    fs::create_dir_all(dir.join("tmp/.uci")).unwrap();
    Scratch(dir)
}

fn identity() -> Identity {
    Identity {
        manufacturer: "Example".into(),
        oui: "021122".into(),
        product_class: "Router".into(),
        serial_number: "SN0001".into(),
        software_version: "23.05.3".into(),
        hardware_version: "rev1".into(),
    }
}

/// 2024-03-01T12:00:00Z
const NOW: i64 = 1_709_294_400;

fn model(root: &Path) -> DataModel {
    build(
        &Root::new(root),
        Live {
            identity: identity(),
            connection_request_url: "http://192.0.2.1:7547/abc".into(),
            stun: Default::default(),
            now: NOW,
            netifd: None,
        },
    )
}

fn get(dm: &mut DataModel, name: &str) -> String {
    let list = dm.get_parameter_values(&[name.to_string()]).unwrap();
    assert_eq!(list.len(), 1, "{name}");
    list[0].value.clone()
}

fn pv(name: &str, value: &str) -> ParameterValue {
    ParameterValue {
        name: name.into(),
        value: value.into(),
        value_type: None,
    }
}

#[test]
fn values_come_from_proc_uci_and_live() {
    let r = router("values");
    let mut dm = model(&r.0);
    let expect = [
        ("Device.RootDataModelVersion", "2.19"),
        ("Device.DeviceInfo.Manufacturer", "Example"),
        ("Device.DeviceInfo.SoftwareVersion", "23.05.3"),
        ("Device.DeviceInfo.ProvisioningCode", "ABC"),
        ("Device.DeviceInfo.UpTime", "93784"),
        ("Device.DeviceInfo.MemoryStatus.Total", "249664"),
        ("Device.DeviceInfo.MemoryStatus.Free", "151208"),
        // busy = 4705+150+1120+0+255 = 6230 of 23000 jiffies → 27 %.
        ("Device.DeviceInfo.ProcessStatus.CPUUsage", "27"),
        (
            "Device.ManagementServer.URL",
            "http://acs.example.net:7547/cwmp",
        ),
        ("Device.ManagementServer.Username", "cpe"),
        ("Device.ManagementServer.Password", ""),
        ("Device.ManagementServer.ConnectionRequestPassword", ""),
        ("Device.ManagementServer.PeriodicInformEnable", "true"),
        ("Device.ManagementServer.PeriodicInformInterval", "3600"),
        // Not in the file: the agent's defaults.
        ("Device.ManagementServer.CWMPRetryMinimumWaitInterval", "5"),
        (
            "Device.ManagementServer.CWMPRetryIntervalMultiplier",
            "2000",
        ),
        (
            "Device.ManagementServer.ConnectionRequestURL",
            "http://192.0.2.1:7547/abc",
        ),
        // STUN off by default; nothing learnt (TR-181: NATDetected false).
        ("Device.ManagementServer.STUNEnable", "false"),
        ("Device.ManagementServer.STUNServerPort", "3478"),
        ("Device.ManagementServer.UDPConnectionRequestAddress", ""),
        ("Device.ManagementServer.NATDetected", "false"),
        (
            "Device.ManagementServer.SupportedConnReqMethods",
            "HTTP,STUN",
        ),
        ("Device.Time.Enable", "true"),
        ("Device.Time.LocalTimeZone", "UTC"),
        ("Device.Time.CurrentLocalTime", "2024-03-01T12:00:00Z"),
    ];
    for (name, value) in expect {
        assert_eq!(get(&mut dm, name), value, "{name}");
    }
    // A TR-181 parameter nobody implements is absent, not faked.
    let f = dm
        .get_parameter_values(&["Device.ManagementServer.KickURL".into()])
        .unwrap_err();
    assert_eq!(f.fault_code, FaultCode::INVALID_PARAMETER_NAME);
}

#[test]
fn whole_tree_names_and_values_agree() {
    let r = router("tree");
    let mut dm = model(&r.0);
    let names = dm.get_parameter_names("Device.", false).unwrap();
    let values = dm.get_parameter_values(&["Device.".into()]).unwrap();
    let params: Vec<&str> = names
        .iter()
        .map(|n| n.name.as_str())
        .filter(|n| !n.ends_with('.'))
        .collect();
    let valued: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(params, valued);
    for obj in [
        "Device.",
        "Device.DeviceInfo.",
        "Device.DeviceInfo.MemoryStatus.",
        "Device.ManagementServer.",
        "Device.Time.",
    ] {
        assert!(names.iter().any(|n| n.name == obj), "{obj} missing");
    }
    let writable = |n: &str| names.iter().find(|i| i.name == n).unwrap().writable;
    assert!(writable("Device.ManagementServer.URL"));
    assert!(writable("Device.Time.LocalTimeZone"));
    assert!(!writable("Device.DeviceInfo.UpTime"));
    // ParameterKey is the engine's own and in every Inform.
    let inform = dm.inform_parameters().unwrap();
    let informed: Vec<&str> = inform.iter().map(|v| v.name.as_str()).collect();
    for n in [
        "Device.RootDataModelVersion",
        "Device.DeviceInfo.HardwareVersion",
        "Device.DeviceInfo.SoftwareVersion",
        "Device.DeviceInfo.ProvisioningCode",
        "Device.ManagementServer.ParameterKey",
        "Device.ManagementServer.ConnectionRequestURL",
    ] {
        assert!(informed.contains(&n), "{n} not in {informed:?}");
    }
}

#[test]
fn set_across_cwmp_and_system_is_read_back_by_real_uci() {
    let r = router("spv");
    let uci = RealUci::locate();
    let conf = r.0.join("etc/config");
    let save = r.0.join("tmp/.uci");
    let mut dm = model(&r.0);
    let status = dm
        .set_parameter_values(
            &[
                pv(
                    "Device.ManagementServer.URL",
                    "https://acs2.example.net/cwmp",
                ),
                pv("Device.ManagementServer.PeriodicInformEnable", "false"),
                pv("Device.ManagementServer.Password", "n3w"),
                pv("Device.DeviceInfo.ProvisioningCode", "XYZ"),
                pv("Device.Time.Enable", "0"),
                pv("Device.Time.LocalTimeZone", "CET-1CEST,M3.5.0,M10.5.0/3"),
            ],
            "key-1",
        )
        .unwrap();
    assert_eq!(status, cwmpd::cwmp::rpc::parameters::ApplyStatus::Applied);
    assert_eq!(dm.parameter_key(), "key-1");
    let got = |what: &str| uci.ok(&conf, &save, &["get", what]).trim().to_string();
    assert_eq!(got("cwmp.acs.url"), "https://acs2.example.net/cwmp");
    assert_eq!(got("cwmp.cpe.periodic_inform"), "0");
    assert_eq!(got("cwmp.acs.password"), "n3w");
    assert_eq!(got("cwmp.cpe.provisioning_code"), "XYZ");
    assert_eq!(got("system.ntp.enabled"), "0");
    assert_eq!(
        got("system.@system[0].timezone"),
        "CET-1CEST,M3.5.0,M10.5.0/3"
    );
    // Untouched options survive; nothing is left pending in the savedir.
    assert_eq!(got("system.@system[0].hostname"), "OpenWrt");
    assert_eq!(
        got("system.ntp.server"),
        "0.openwrt.pool.ntp.org 1.openwrt.pool.ntp.org"
    );
    assert_eq!(uci.ok(&conf, &save, &["changes"]), "");
    // And the model reads what it wrote (the password still reads empty).
    let mut again = model(&r.0);
    assert_eq!(get(&mut again, "Device.Time.Enable"), "false");
    assert_eq!(get(&mut again, "Device.ManagementServer.Password"), "");
}

#[test]
fn bad_set_changes_nothing_and_names_each_parameter() {
    let r = router("bad");
    let files = |root: &Path| {
        (
            fs::read(root.join("etc/config/cwmp")).unwrap(),
            fs::read(root.join("etc/config/system")).unwrap(),
        )
    };
    let before = files(&r.0);
    let mut dm = model(&r.0);
    // Schema checks first: every bad parameter named with its own code.
    let f = dm
        .set_parameter_values(
            &[
                pv("Device.Time.LocalTimeZone", "CET-1"),
                pv("Device.DeviceInfo.UpTime", "5"),
                pv("Device.ManagementServer.PeriodicInformInterval", "0"),
            ],
            "key-bad",
        )
        .unwrap_err();
    assert_eq!(f.fault_code, FaultCode::INVALID_ARGUMENTS);
    let mut faults: Vec<(String, FaultCode)> = f
        .set_parameter_values_faults
        .iter()
        .map(|p| (p.parameter_name.clone(), p.fault_code))
        .collect();
    faults.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        faults,
        vec![
            (
                "Device.DeviceInfo.UpTime".into(),
                FaultCode::NON_WRITABLE_PARAMETER
            ),
            (
                "Device.ManagementServer.PeriodicInformInterval".into(),
                FaultCode::INVALID_PARAMETER_VALUE
            ),
        ]
    );
    assert_eq!(files(&r.0), before, "a refused SPV must not write");
    // Then the provider's own check: the staged cwmp package must be a
    // configuration the agent accepts (it only speaks HTTP(S)).
    let f = dm
        .set_parameter_values(
            &[
                pv("Device.Time.LocalTimeZone", "CET-1"),
                pv("Device.ManagementServer.URL", "ftp://acs.example.net/"),
            ],
            "key-bad",
        )
        .unwrap_err();
    assert_eq!(f.set_parameter_values_faults.len(), 1, "{f:?}");
    let url_fault = &f.set_parameter_values_faults[0];
    assert_eq!(url_fault.parameter_name, "Device.ManagementServer.URL");
    assert_eq!(url_fault.fault_code, FaultCode::INVALID_PARAMETER_VALUE);
    assert!(
        url_fault.fault_string.contains("cwmp.acs.url"),
        "{}",
        url_fault.fault_string
    );
    assert_eq!(files(&r.0), before, "a refused SPV must not write");
    assert_eq!(dm.parameter_key(), "");
    // A good one afterwards is not polluted by the refused staging.
    dm.set_parameter_values(&[pv("Device.Time.LocalTimeZone", "CET-1")], "k2")
        .unwrap();
    assert_eq!(fs::read(r.0.join("etc/config/cwmp")).unwrap(), before.0);
    assert_ne!(fs::read(r.0.join("etc/config/system")).unwrap(), before.1);
}

#[test]
fn ethernet_interfaces_come_from_sysfs() {
    let r = router("eth");
    let mut dm = model(&r.0);
    // br-lan (a bridge) and lo have no `device`: not Ethernet interfaces.
    assert_eq!(
        get(&mut dm, "Device.Ethernet.InterfaceNumberOfEntries"),
        "1"
    );
    let e = "Device.Ethernet.Interface.1.";
    assert_eq!(get(&mut dm, &format!("{e}Name")), "eth0");
    assert_eq!(get(&mut dm, &format!("{e}Status")), "Up");
    assert_eq!(get(&mut dm, &format!("{e}MACAddress")), "02:11:22:33:44:55");
    assert_eq!(get(&mut dm, &format!("{e}Stats.BytesSent")), "1234567");
    assert_eq!(
        get(&mut dm, &format!("{e}Stats.DiscardPacketsReceived")),
        "5"
    );
    // What the kernel does not tell is not exposed.
    for absent in [
        format!("{e}Enable"),
        format!("{e}Stats.UnicastPacketsSent"),
        "Device.Ethernet.Interface.2.Name".to_string(),
    ] {
        let f = dm
            .get_parameter_values(std::slice::from_ref(&absent))
            .unwrap_err();
        assert_eq!(f.fault_code, FaultCode::INVALID_PARAMETER_NAME, "{absent}");
    }
    // A counter that moves is read afresh.
    fs::write(
        r.0.join("sys/class/net/eth0/statistics/tx_bytes"),
        "1234999\n",
    )
    .unwrap();
    assert_eq!(get(&mut dm, &format!("{e}Stats.BytesSent")), "1234999");
}

#[test]
fn ip_interfaces_are_network_sections_and_add_delete_edit_them() {
    let r = router("ip");
    let uci = RealUci::locate();
    let conf = r.0.join("etc/config");
    let save = r.0.join("tmp/.uci");
    let mut dm = model(&r.0);
    assert_eq!(get(&mut dm, "Device.IP.InterfaceNumberOfEntries"), "3");
    assert_eq!(get(&mut dm, "Device.IP.Interface.2.Name"), "lan");
    assert_eq!(get(&mut dm, "Device.IP.Interface.2.Enable"), "true");
    assert_eq!(
        get(&mut dm, "Device.IP.Interface.2.IPv4Address.1.IPAddress"),
        "192.168.1.1"
    );
    assert_eq!(
        get(&mut dm, "Device.IP.Interface.2.IPv4Address.1.SubnetMask"),
        "255.255.255.0"
    );
    assert_eq!(
        get(&mut dm, "Device.IP.Interface.3.IPv4AddressNumberOfEntries"),
        "0",
        "a DHCP interface has no static address"
    );

    let (n, _) = dm.add_object("Device.IP.Interface.", "add-1").unwrap();
    assert_eq!(n, 4);
    let got = |what: &str| uci.ok(&conf, &save, &["get", what]).trim().to_string();
    assert_eq!(got("network.cwmp1"), "interface");
    assert_eq!(got("network.cwmp1.proto"), "none");
    dm.set_parameter_values(
        &[
            pv("Device.IP.Interface.4.MaxMTUSize", "1400"),
            pv("Device.IP.Interface.4.Enable", "false"),
        ],
        "set-1",
    )
    .unwrap();
    assert_eq!(got("network.cwmp1.mtu"), "1400");
    assert_eq!(got("network.cwmp1.disabled"), "1");
    assert_eq!(get(&mut dm, "Device.IP.Interface.4.Enable"), "false");

    dm.delete_object("Device.IP.Interface.4.", "del-1").unwrap();
    assert!(!uci
        .run(&conf, &save, &["get", "network.cwmp1"])
        .status
        .success());
    assert_eq!(get(&mut dm, "Device.IP.InterfaceNumberOfEntries"), "3");
    // Numbers stay: lan is still 2, and the deleted 4 is gone.
    assert_eq!(get(&mut dm, "Device.IP.Interface.2.Name"), "lan");
    let f = dm
        .get_parameter_values(&["Device.IP.Interface.4.Name".into()])
        .unwrap_err();
    assert_eq!(f.fault_code, FaultCode::INVALID_PARAMETER_NAME);
    assert_eq!(got("network.lan.ipaddr"), "192.168.1.1/24");
    assert_eq!(dm.parameter_key(), "del-1");
}

/// A SetParameterValues over several packages whose last rename fails
/// for real: `/etc/config/system` is a symlink to a file on another file
/// system (/dev/shm), so the rename of the new `system` over it fails with
/// EXDEV after `cwmp` was already renamed into place. The commit must put
/// `cwmp` back: fault 9002, every file byte-identical, no temporary left.
#[test]
fn failed_rename_of_one_package_leaves_every_package_unchanged() {
    use std::os::unix::fs::MetadataExt;
    let r = router("xdev");
    let conf = r.0.join("etc/config");
    let shm = Path::new("/dev/shm");
    assert_ne!(
        fs::metadata(shm).unwrap().dev(),
        fs::metadata(&conf).unwrap().dev(),
        "the test needs /dev/shm on another file system than {}",
        conf.display()
    );
    let elsewhere = shm.join(format!("cwmpd-xdev-system-{}", std::process::id()));
    fs::copy(conf.join("system"), &elsewhere).unwrap();
    fs::remove_file(conf.join("system")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, conf.join("system")).unwrap();
    let files = || {
        (
            fs::read_to_string(conf.join("cwmp")).unwrap(),
            fs::read_to_string(conf.join("network")).unwrap(),
            fs::read_to_string(&elsewhere).unwrap(),
        )
    };
    let before = files();
    let mut dm = model(&r.0);
    let f = dm
        .set_parameter_values(
            &[
                pv("Device.ManagementServer.URL", "https://acs3.example.net/"),
                pv("Device.IP.Interface.1.MaxMTUSize", "1400"),
                pv("Device.Time.LocalTimeZone", "CET-1"),
            ],
            "key-xdev",
        )
        .unwrap_err();
    let after = files();
    let _ = fs::remove_file(&elsewhere);
    assert_eq!(f.fault_code, FaultCode::INTERNAL_ERROR, "{f:?}");
    assert_eq!(after, before, "cwmp/network must be restored");
    let leftovers: Vec<String> = fs::read_dir(&conf)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporaries left: {leftovers:?}");
    assert_eq!(dm.parameter_key(), "", "a failed SPV keeps the old key");
}

#[test]
fn processes_come_from_proc_pid_files() {
    let r = router("proc");
    let mut dm = model(&r.0);
    let list = dm
        .get_parameter_values(&["Device.DeviceInfo.ProcessStatus.".to_string()])
        .unwrap();
    let value = |name: &str| {
        list.iter()
            .find(|p| p.name == name)
            .map(|p| p.value.clone())
            .unwrap_or_else(|| panic!("{name} missing from {list:?}"))
    };
    assert_eq!(
        value("Device.DeviceInfo.ProcessStatus.ProcessNumberOfEntries"),
        "3"
    );
    // The PID is the instance number: 1 procd, 2 kthreadd, 1234 dnsmasq.
    let p = "Device.DeviceInfo.ProcessStatus.Process.";
    assert_eq!(value(&format!("{p}1.PID")), "1");
    assert_eq!(value(&format!("{p}1.Command")), "/sbin/procd");
    assert_eq!(value(&format!("{p}1.Size")), "1608");
    assert_eq!(value(&format!("{p}1.State")), "Sleeping");
    // (150 + 250) ticks at 100 Hz = 4 s.
    assert_eq!(value(&format!("{p}1.CPUTime")), "4000");
    assert_eq!(value(&format!("{p}1.Priority")), "20");
    // A kernel thread: no command line, no memory.
    assert_eq!(value(&format!("{p}2.Command")), "[kthreadd]");
    assert_eq!(value(&format!("{p}2.Size")), "0");
    assert_eq!(
        value(&format!("{p}1234.Command")),
        "/usr/sbin/dnsmasq -C /var/etc/dnsmasq.conf.cfg01411c -k"
    );
    assert_eq!(value(&format!("{p}1234.State")), "Running");
    assert_eq!(value(&format!("{p}1234.Priority")), "25");
    assert_eq!(value(&format!("{p}1234.CPUTime")), "500");
    // A process that ends keeps no instance; the others keep their numbers,
    // and none of them is written to the state (no flash write per process).
    assert!(
        !dm.instance_records()
            .iter()
            .any(|row| row[0].contains("ProcessStatus")),
        "process numbers must not be persisted"
    );
    fs::remove_dir_all(r.0.join("proc/2")).unwrap();
    assert_eq!(
        get(
            &mut dm,
            "Device.DeviceInfo.ProcessStatus.ProcessNumberOfEntries"
        ),
        "2"
    );
    assert_eq!(get(&mut dm, &format!("{p}1234.PID")), "1234");
    let gone = dm.get_parameter_values(&[format!("{p}2.PID")]).unwrap_err();
    assert_eq!(gone.fault_code, FaultCode::INVALID_PARAMETER_NAME);
}

#[test]
fn local_time_follows_the_zone_and_ntp_servers_are_the_client_list() {
    let r = router("time");
    let uci = RealUci::locate();
    let conf = r.0.join("etc/config");
    let save = r.0.join("tmp/.uci");
    let mut dm = model(&r.0);
    // NOW is 2024-03-01T12:00:00Z; the fixture zone is UTC.
    assert_eq!(
        get(&mut dm, "Device.Time.CurrentLocalTime"),
        "2024-03-01T12:00:00Z"
    );
    assert_eq!(
        get(&mut dm, "Device.Time.Client.1.Servers"),
        "0.openwrt.pool.ntp.org,1.openwrt.pool.ntp.org"
    );
    assert_eq!(get(&mut dm, "Device.Time.ClientNumberOfEntries"), "1");
    dm.set_parameter_values(
        &[
            pv("Device.Time.LocalTimeZone", "CET-1CEST,M3.5.0,M10.5.0/3"),
            pv(
                "Device.Time.Client.1.Servers",
                "ntp1.example.net,ntp2.example.net,ntp3.example.net",
            ),
        ],
        "tz",
    )
    .unwrap();
    assert_eq!(
        uci.ok(&conf, &save, &["get", "system.ntp.server"]).trim(),
        "ntp1.example.net ntp2.example.net ntp3.example.net"
    );
    let mut dm = model(&r.0);
    // March 1st is winter time in Central Europe: +01:00.
    assert_eq!(
        get(&mut dm, "Device.Time.CurrentLocalTime"),
        "2024-03-01T13:00:00+01:00"
    );
    // A summer instant in the same zone (2024-07-01T12:00:00Z): +02:00.
    let mut summer = build(
        &Root::new(&r.0),
        Live {
            identity: identity(),
            connection_request_url: String::new(),
            stun: Default::default(),
            now: 1_719_835_200,
            netifd: None,
        },
    );
    assert_eq!(
        get(&mut summer, "Device.Time.CurrentLocalTime"),
        "2024-07-01T14:00:00+02:00"
    );
    // A zone that is not a POSIX TZ string is refused, nothing written.
    let before = fs::read(conf.join("system")).unwrap();
    let f = dm
        .set_parameter_values(&[pv("Device.Time.LocalTimeZone", "Europe/Paris")], "bad-tz")
        .unwrap_err();
    assert_eq!(
        f.set_parameter_values_faults[0].fault_code,
        FaultCode::INVALID_PARAMETER_VALUE
    );
    assert_eq!(fs::read(conf.join("system")).unwrap(), before);
    let f = dm.add_object("Device.Time.Client.", "add-ntp").unwrap_err();
    assert_eq!(f.fault_code, FaultCode::REQUEST_DENIED);
}

/// IP.Interface live state from a netifd `dump` taken over the test ubus
/// broker from the fake netifd (wan: DHCP, up, 192.0.2.10/24 on eth1):
/// Status, the DHCP address as IPv4Address.1, Stats from eth1's counters;
/// lan (absent from that netifd) is NotPresent. Without a snapshot the
/// same tree is UCI-only.
#[tokio::test]
async fn ip_interface_state_comes_from_a_netifd_dump() {
    use cwmpd::backend::{netifd, ubus::Client};
    let r = router("netifd");
    let stats = r.0.join("sys/class/net/eth1/statistics");
    fs::create_dir_all(&stats).unwrap();
    for (file, v) in [
        ("tx_bytes", "7000"),
        ("rx_bytes", "9000"),
        ("rx_packets", "90"),
    ] {
        fs::write(stats.join(file), format!("{v}\n")).unwrap();
    }
    let broker = ubus_broker::Broker::start("model-netifd");
    let fake = ubus_broker::fake_netifd::fake_netifd(broker.socket()).await;
    let client = Client::connect(broker.socket()).await.unwrap();
    let snapshot = netifd::dump(&client).await.unwrap();
    let with = |snapshot: Option<Vec<netifd::InterfaceStatus>>| {
        build(
            &Root::new(&r.0),
            Live {
                identity: identity(),
                connection_request_url: String::new(),
                stun: Default::default(),
                now: NOW,
                netifd: snapshot,
            },
        )
    };
    let mut dm = with(Some(snapshot));
    // Instances: 1 loopback, 2 lan, 3 wan (UCI order).
    let wan = "Device.IP.Interface.3.";
    assert_eq!(get(&mut dm, &format!("{wan}Status")), "Up");
    assert_eq!(
        get(&mut dm, &format!("{wan}IPv4AddressNumberOfEntries")),
        "1"
    );
    assert_eq!(
        get(&mut dm, &format!("{wan}IPv4Address.1.IPAddress")),
        "192.0.2.10"
    );
    assert_eq!(
        get(&mut dm, &format!("{wan}IPv4Address.1.SubnetMask")),
        "255.255.255.0"
    );
    assert_eq!(
        get(&mut dm, &format!("{wan}IPv4Address.1.AddressingType")),
        "DHCP"
    );
    assert_eq!(
        get(&mut dm, &format!("{wan}IPv4Address.1.Status")),
        "Enabled"
    );
    assert_eq!(get(&mut dm, &format!("{wan}Stats.BytesSent")), "7000");
    assert_eq!(get(&mut dm, &format!("{wan}Stats.PacketsReceived")), "90");
    // Counters the device lacks read as 0 (fixture has only three files).
    assert_eq!(get(&mut dm, &format!("{wan}Stats.ErrorsSent")), "0");
    assert_eq!(get(&mut dm, "Device.IP.Interface.2.Status"), "NotPresent");
    assert_eq!(
        get(&mut dm, "Device.IP.Interface.2.IPv4Address.1.Status"),
        "Disabled",
        "lan's static address is not applied by this netifd"
    );
    // lan's counters come from its UCI device (br-lan) without netifd's help.
    assert_eq!(
        get(&mut dm, "Device.IP.Interface.2.Stats.BytesSent"),
        fs::read_to_string(r.0.join("sys/class/net/br-lan/statistics/tx_bytes"))
            .unwrap()
            .trim()
    );
    // A DHCP address is not the ACS's to set.
    let f = dm
        .set_parameter_values(
            &[pv(&format!("{wan}IPv4Address.1.IPAddress"), "192.0.2.99")],
            "k",
        )
        .unwrap_err();
    assert_eq!(
        f.set_parameter_values_faults[0].fault_code,
        FaultCode::NON_WRITABLE_PARAMETER
    );

    // A renewal with a new address: same instance, new value.
    fake.set_addr.send("192.0.2.77".into()).unwrap();
    let mut renewed = None;
    for _ in 0..100 {
        let now = netifd::dump(&client).await.unwrap();
        if now[0].ipv4[0].address.to_string() == "192.0.2.77" {
            renewed = Some(now);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let mut dm2 = with(renewed);
    assert_eq!(
        get(&mut dm2, &format!("{wan}IPv4Address.1.IPAddress")),
        "192.0.2.77"
    );

    // No ubus: UCI only.
    let mut bare = with(None);
    assert_eq!(get(&mut bare, &format!("{wan}Status")), "Unknown");
    assert_eq!(
        get(&mut bare, &format!("{wan}IPv4AddressNumberOfEntries")),
        "0"
    );
    assert_eq!(
        get(&mut bare, "Device.IP.Interface.2.IPv4Address.1.Status"),
        "Enabled"
    );
    // wan's UCI device is eth1 too.
    assert_eq!(get(&mut bare, &format!("{wan}Stats.BytesSent")), "7000");
}

/// One model (one session) reads a package once per file version: a
/// `uci set` by someone else (the delta file grows) and a `uci commit`
/// (a new file is renamed in) are both seen by the next read.
#[test]
fn a_session_model_sees_uci_changes_made_behind_its_back() {
    let r = router("cache");
    let uci = RealUci::locate();
    let conf = r.0.join("etc/config");
    let save = r.0.join("tmp/.uci");
    let mut dm = model(&r.0);
    let tz = "Device.Time.LocalTimeZone";
    assert_eq!(get(&mut dm, tz), "UTC");
    uci.ok(&conf, &save, &["set", "system.@system[0].timezone=EST5"]);
    assert_eq!(
        get(&mut dm, tz),
        "EST5",
        "pending delta, as `uci get` shows"
    );
    uci.ok(&conf, &save, &["commit", "system"]);
    assert_eq!(get(&mut dm, tz), "EST5");
    uci.ok(&conf, &save, &["set", "system.@system[0].timezone=CET-1"]);
    uci.ok(&conf, &save, &["commit", "system"]);
    assert_eq!(get(&mut dm, tz), "CET-1");
    assert_eq!(
        get(&mut dm, "Device.Time.CurrentLocalTime"),
        "2024-03-01T13:00:00+01:00"
    );
}

/// Device.ManagementServer.STUN* are the `cwmp.stun` options (TR-069
/// Annex G; src/agent/stun_task.rs runs them), checked by the agent's own
/// configuration reader: a minimum keep-alive above the maximum is refused
/// and writes nothing; STUN on without a server is fine (TR-181
/// STUNServerAddress: empty means the ACS host).
#[test]
fn stun_parameters_are_the_cwmp_stun_options() {
    let r = router("stun");
    let uci = RealUci::locate();
    let conf = r.0.join("etc/config");
    let save = r.0.join("tmp/.uci");
    let before = fs::read(conf.join("cwmp")).unwrap();
    let mut dm = model(&r.0);
    // A rule between options is found at commit time, naming them.
    let f = dm
        .set_parameter_values(
            &[
                pv("Device.ManagementServer.STUNMinimumKeepAlivePeriod", "100"),
                pv("Device.ManagementServer.STUNMaximumKeepAlivePeriod", "50"),
            ],
            "s0",
        )
        .unwrap_err();
    assert_eq!(f.fault_code, FaultCode::INVALID_ARGUMENTS, "{f:?}");
    assert!(
        f.set_parameter_values_faults
            .iter()
            .any(|p| p.fault_string.contains("cwmp.stun.min_keepalive")),
        "{f:?}"
    );
    assert_eq!(fs::read(conf.join("cwmp")).unwrap(), before);
    dm.set_parameter_values(&[pv("Device.ManagementServer.STUNEnable", "true")], "s0")
        .unwrap();
    assert_eq!(
        get(
            &mut model(&r.0),
            "Device.ManagementServer.STUNServerAddress"
        ),
        ""
    );
    dm.set_parameter_values(
        &[
            pv("Device.ManagementServer.STUNEnable", "true"),
            pv(
                "Device.ManagementServer.STUNServerAddress",
                "stun.example.net",
            ),
            pv("Device.ManagementServer.STUNServerPort", "3479"),
            pv("Device.ManagementServer.STUNUsername", "cpe-stun"),
            pv("Device.ManagementServer.STUNPassword", "s3cret"),
            pv("Device.ManagementServer.STUNMinimumKeepAlivePeriod", "30"),
            pv("Device.ManagementServer.STUNMaximumKeepAlivePeriod", "-1"),
        ],
        "s1",
    )
    .unwrap();
    let got = |what: &str| uci.ok(&conf, &save, &["get", what]).trim().to_string();
    assert_eq!(got("cwmp.stun.enable"), "1");
    assert_eq!(got("cwmp.stun.server"), "stun.example.net");
    assert_eq!(got("cwmp.stun.port"), "3479");
    assert_eq!(got("cwmp.stun.username"), "cpe-stun");
    assert_eq!(got("cwmp.stun.password"), "s3cret");
    assert_eq!(got("cwmp.stun.min_keepalive"), "30");
    assert_eq!(got("cwmp.stun.max_keepalive"), "-1");
    let mut again = model(&r.0);
    assert_eq!(
        get(&mut again, "Device.ManagementServer.STUNEnable"),
        "true"
    );
    assert_eq!(get(&mut again, "Device.ManagementServer.STUNPassword"), "");
    assert_eq!(
        get(
            &mut again,
            "Device.ManagementServer.STUNMaximumKeepAlivePeriod"
        ),
        "-1"
    );
}
