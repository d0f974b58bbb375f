//! The data-model engine's RPC rules (TR-069 §A.3.2.1–A.3.2.7) on the
//! in-memory provider over the generated TR-181 schema.

use std::cell::RefCell;
use std::rc::Rc;

use cwmpd::cwmp::rpc::attributes::{Notification, SetParameterAttributesStruct};
use cwmpd::cwmp::rpc::parameters::{ApplyStatus, ParameterValue};
use cwmpd::cwmp::xsd::ValueType;
use cwmpd::datamodel::mem::{MemProvider, SharedMem};
use cwmpd::datamodel::schema::{BaseType, ObjectDef, ParamDef, PARAM};
use cwmpd::datamodel::{DataModel, Schema};

const IPIF: &str = "Device.IP.Interface.{i}.";
const IPV4: &str = "Device.IP.Interface.{i}.IPv4Address.{i}.";
const ETH: &str = "Device.Ethernet.Interface.{i}.";

/// A small router: IP interfaces lan and wan (lan with one IPv4 address),
/// Ethernet ports eth0 and eth1.
fn router_mem() -> SharedMem {
    let mut m = MemProvider::new(Schema::tr181());
    m.put("Device.", &[], "RootDataModelVersion", "2.19");
    m.put("Device.DeviceInfo.", &[], "Manufacturer", "OpenWrt");
    m.put("Device.DeviceInfo.", &[], "SoftwareVersion", "24.10.0");
    m.put("Device.ManagementServer.", &[], "Password", "secret");
    m.put(
        "Device.ManagementServer.",
        &[],
        "ConnectionRequestURL",
        "http://192.0.2.1:7547/",
    );
    for (k, name) in [("lan", "br-lan"), ("wan", "eth1")] {
        m.put_instance(IPIF, &[], k);
        m.put(IPIF, &[k], "Name", name);
    }
    m.put_instance(IPV4, &["lan"], "lan_addr");
    m.put(IPV4, &["lan", "lan_addr"], "IPAddress", "192.168.1.1");
    for k in ["eth0", "eth1"] {
        m.put_instance(ETH, &[], k);
        m.put(ETH, &[k], "Name", k);
    }
    Rc::new(RefCell::new(m))
}

fn engine(mem: &SharedMem) -> DataModel {
    let mut dm = DataModel::new(Schema::tr181());
    dm.mount("Device.", Box::new(mem.clone()));
    dm
}

fn names(list: &[String]) -> Vec<String> {
    list.to_vec()
}

fn s(v: &str) -> String {
    v.to_string()
}

fn pv(name: &str, value: &str, ty: Option<ValueType>) -> ParameterValue {
    ParameterValue {
        name: s(name),
        value: s(value),
        value_type: ty,
    }
}

fn get(dm: &mut DataModel, name: &str) -> String {
    let v = dm.get_parameter_values(&[s(name)]).unwrap();
    assert_eq!(v.len(), 1, "{name}");
    v[0].value.clone()
}

fn code<T: std::fmt::Debug>(r: Result<T, cwmpd::cwmp::Fault>) -> u32 {
    r.unwrap_err().fault_code.0
}

#[test]
fn gpv_mixes_full_names_and_partial_paths() {
    let mem = router_mem();
    let mut dm = engine(&mem);
    let out = dm
        .get_parameter_values(&names(&[
            s("Device.DeviceInfo.Manufacturer"),
            s("Device.IP.Interface.1."),
        ]))
        .unwrap();
    assert_eq!(
        out[0],
        ParameterValue::new(
            "Device.DeviceInfo.Manufacturer",
            "OpenWrt",
            ValueType::String
        )
    );
    let find = |n: &str| {
        out.iter()
            .find(|p| p.name == n)
            .unwrap_or_else(|| panic!("{n} missing"))
    };
    assert_eq!(find("Device.IP.Interface.1.Name").value, "br-lan");
    assert_eq!(
        find("Device.IP.Interface.1.IPv4Address.1.IPAddress").value,
        "192.168.1.1"
    );
    assert_eq!(
        find("Device.IP.Interface.1.Enable").value_type,
        Some(ValueType::Boolean)
    );
    assert_eq!(
        find("Device.IP.Interface.1.Stats.BytesSent").value_type,
        Some(ValueType::UnsignedLong)
    );
    assert_eq!(
        find("Device.IP.Interface.1.IPv4AddressNumberOfEntries").value,
        "1"
    );
    assert!(out
        .iter()
        .all(|p| p.name == "Device.DeviceInfo.Manufacturer"
            || p.name.starts_with("Device.IP.Interface.1.")));
    assert!(
        !out.iter().any(|p| p.name.ends_with('.')),
        "GPV lists parameters only"
    );
    // Counts are computed from the instances.
    assert_eq!(get(&mut dm, "Device.IP.InterfaceNumberOfEntries"), "2");
    assert_eq!(
        get(&mut dm, "Device.Ethernet.InterfaceNumberOfEntries"),
        "2"
    );
    // A table path stands for all its instances.
    let all = dm
        .get_parameter_values(&[s("Device.IP.Interface.")])
        .unwrap();
    assert!(all
        .iter()
        .any(|p| p.name == "Device.IP.Interface.2.Name" && p.value == "eth1"));
}

#[test]
fn gpv_empty_path_is_the_whole_model() {
    let mem = router_mem();
    let mut dm = engine(&mem);
    let all = dm.get_parameter_values(&[s("")]).unwrap();
    let root = dm.get_parameter_values(&[s("Device.")]).unwrap();
    assert_eq!(all, root);
    assert!(all
        .iter()
        .any(|p| p.name == "Device.RootDataModelVersion" && p.value == "2.19"));
    assert!(all
        .iter()
        .any(|p| p.name == "Device.Ethernet.Interface.2.Stats.PacketsSent"));
}

#[test]
fn gpv_unknown_names_fault_the_whole_request_with_9005() {
    let mem = router_mem();
    let mut dm = engine(&mem);
    for bad in [
        "Device.Nope",
        "Device.IP.Interface.9.",
        "Device.IP.Interface.9.Name",
        "Device.DeviceInfo",
        "Device.DeviceInfo.Manufacturer.",
        "Device.IP.Interface.Name",
        "Device.WiFi.",
        "Device.IP.Interface.1.Stats.BytesSent.Extra",
    ] {
        assert_eq!(
            code(dm.get_parameter_values(&[s("Device.DeviceInfo.Manufacturer"), s(bad)])),
            9005,
            "{bad}"
        );
    }
}

#[test]
fn secured_parameters_read_empty() {
    let mem = router_mem();
    let mut dm = engine(&mem);
    assert_eq!(get(&mut dm, "Device.ManagementServer.Password"), "");
}

#[test]
fn gpn_next_level_on_root_object_table_and_parameter() {
    let mem = router_mem();
    let mut dm = engine(&mem);
    let gpn = |dm: &mut DataModel, p: &str, nl: bool| -> Vec<(String, bool)> {
        dm.get_parameter_names(p, nl)
            .unwrap()
            .into_iter()
            .map(|i| (i.name, i.writable))
            .collect()
    };
    assert_eq!(gpn(&mut dm, "", true), vec![(s("Device."), false)]);
    let top = gpn(&mut dm, "Device.", true);
    for want in [
        "Device.DeviceInfo.",
        "Device.ManagementServer.",
        "Device.Time.",
        "Device.IP.",
        "Device.Ethernet.",
    ] {
        assert!(top.contains(&(s(want), false)), "{want} in {top:?}");
    }
    assert!(top.contains(&(s("Device.RootDataModelVersion"), false)));
    assert!(top
        .iter()
        .all(|(n, _)| n.matches('.').count() == 1
            || (n.ends_with('.') && n.matches('.').count() == 2)));

    let ip = gpn(&mut dm, "Device.IP.", true);
    assert_eq!(
        ip,
        vec![
            (s("Device.IP.InterfaceNumberOfEntries"), false),
            (s("Device.IP.Interface."), true)
        ]
    );
    assert_eq!(
        gpn(&mut dm, "Device.IP.Interface.", true),
        vec![
            (s("Device.IP.Interface.1."), true),
            (s("Device.IP.Interface.2."), true)
        ]
    );
    // Ethernet.Interface is a read-only table: instances cannot be deleted.
    assert_eq!(
        gpn(&mut dm, "Device.Ethernet.Interface.", true),
        vec![
            (s("Device.Ethernet.Interface.1."), false),
            (s("Device.Ethernet.Interface.2."), false)
        ]
    );
    let inst = gpn(&mut dm, "Device.IP.Interface.1.", true);
    assert!(inst.contains(&(s("Device.IP.Interface.1.Enable"), true)));
    assert!(inst.contains(&(s("Device.IP.Interface.1.Status"), false)));
    assert!(inst.contains(&(s("Device.IP.Interface.1.IPv4Address."), true)));
    assert!(inst.contains(&(s("Device.IP.Interface.1.Stats."), false)));
    assert!(
        !inst
            .iter()
            .any(|(n, _)| n.starts_with("Device.IP.Interface.1.Stats.B")),
        "next level only"
    );

    // NextLevel false: the path itself plus everything below it.
    let sub = gpn(&mut dm, "Device.IP.Interface.1.", false);
    assert_eq!(sub[0], (s("Device.IP.Interface.1."), true));
    assert!(sub.contains(&(s("Device.IP.Interface.1.Stats.BytesSent"), false)));
    assert!(sub.contains(&(s("Device.IP.Interface.1.IPv4Address.1."), true)));
    assert!(sub.contains(&(s("Device.IP.Interface.1.IPv4Address.1.IPAddress"), true)));
    let whole = gpn(&mut dm, "", false);
    assert_eq!(whole[0], (s("Device."), false));
    assert!(whole.contains(&(s("Device.Ethernet.Interface.2.Stats."), false)));

    // A parameter: itself with NextLevel false, 9003 with NextLevel true.
    assert_eq!(
        gpn(&mut dm, "Device.IP.Interface.2.Enable", false),
        vec![(s("Device.IP.Interface.2.Enable"), true)]
    );
    assert_eq!(
        code(dm.get_parameter_names("Device.IP.Interface.2.Enable", true)),
        9003
    );
    assert_eq!(
        code(dm.get_parameter_names("Device.IP.Interface.3.", false)),
        9005
    );
    assert_eq!(code(dm.get_parameter_names("Device.Bogus.", true)), 9005);
}

#[test]
fn spv_applies_and_updates_the_parameter_key() {
    let mem = router_mem();
    let mut dm = engine(&mem);
    let status = dm
        .set_parameter_values(
            &[
                pv(
                    "Device.IP.Interface.1.Enable",
                    "1",
                    Some(ValueType::Boolean),
                ),
                pv(
                    "Device.ManagementServer.PeriodicInformInterval",
                    "300",
                    Some(ValueType::UnsignedInt),
                ),
                pv(
                    "Device.IP.Interface.1.IPv4Address.1.IPAddress",
                    "10.0.0.1",
                    None,
                ),
            ],
            "key-1",
        )
        .unwrap();
    assert_eq!(status, ApplyStatus::Applied);
    assert_eq!(
        get(&mut dm, "Device.IP.Interface.1.Enable"),
        "true",
        "canonical boolean"
    );
    assert_eq!(
        get(&mut dm, "Device.ManagementServer.PeriodicInformInterval"),
        "300"
    );
    assert_eq!(
        get(&mut dm, "Device.IP.Interface.1.IPv4Address.1.IPAddress"),
        "10.0.0.1"
    );
    assert_eq!(
        get(&mut dm, "Device.ManagementServer.ParameterKey"),
        "key-1"
    );
    assert_eq!(dm.parameter_key(), "key-1");
    assert!(dm.take_dirty().parameter_key);
    assert_eq!(mem.borrow().commits, 1, "one commit for the whole request");
}

#[test]
fn spv_reports_pending_when_the_provider_applies_later() {
    let mem = router_mem();
    mem.borrow_mut().set_pending("LowerLayers");
    let mut dm = engine(&mem);
    let status = dm
        .set_parameter_values(&[pv("Device.IP.Interface.2.Alias", "wan", None)], "a")
        .unwrap();
    assert_eq!(status, ApplyStatus::Applied);
    let status = dm
        .set_parameter_values(
            &[
                pv("Device.IP.Interface.2.Alias", "wan2", None),
                pv(
                    "Device.IP.Interface.2.LowerLayers",
                    "Device.Ethernet.Interface.2",
                    None,
                ),
            ],
            "b",
        )
        .unwrap();
    assert_eq!(
        status,
        ApplyStatus::Pending,
        "one parameter applied later makes the whole request 1"
    );
    assert_eq!(dm.parameter_key(), "b");
}

#[test]
fn spv_is_all_or_nothing_with_one_fault_per_bad_parameter() {
    let mem = router_mem();
    let mut dm = engine(&mem);
    dm.set_parameter_values(
        &[pv("Device.IP.Interface.1.Enable", "false", None)],
        "before",
    )
    .unwrap();
    let commits = mem.borrow().commits;
    let fault = dm
        .set_parameter_values(
            &[
                pv(
                    "Device.IP.Interface.1.Enable",
                    "true",
                    Some(ValueType::Boolean),
                ),
                pv(
                    "Device.ManagementServer.PeriodicInformInterval",
                    "300",
                    Some(ValueType::String),
                ),
                pv("Device.ManagementServer.PeriodicInformInterval2", "1", None),
                pv("Device.IP.Interface.1.MaxMTUSize", "10", None),
                pv("Device.IP.Interface.1.Status", "Up", None),
                pv("Device.IP.Interface.7.Enable", "true", None),
                pv("Device.IP.Interface.1.", "true", None),
            ],
            "after",
        )
        .unwrap_err();
    assert_eq!(fault.fault_code.0, 9003);
    let got: Vec<(&str, u32)> = fault
        .set_parameter_values_faults
        .iter()
        .map(|f| (f.parameter_name.as_str(), f.fault_code.0))
        .collect();
    assert_eq!(
        got,
        vec![
            ("Device.ManagementServer.PeriodicInformInterval", 9006),
            ("Device.ManagementServer.PeriodicInformInterval2", 9005),
            ("Device.IP.Interface.1.MaxMTUSize", 9007),
            ("Device.IP.Interface.1.Status", 9008),
            ("Device.IP.Interface.7.Enable", 9005),
            ("Device.IP.Interface.1.", 9005),
        ]
    );
    assert_eq!(
        get(&mut dm, "Device.IP.Interface.1.Enable"),
        "false",
        "the good value was not applied"
    );
    assert_eq!(
        dm.parameter_key(),
        "before",
        "ParameterKey changes only on success"
    );
    assert_eq!(mem.borrow().commits, commits);
}

#[test]
fn spv_provider_refusal_rolls_back_every_provider() {
    let main = router_mem();
    let mgmt = Rc::new(RefCell::new(MemProvider::new(Schema::tr181())));
    let mut dm = engine(&main);
    dm.mount("Device.ManagementServer.", Box::new(mgmt.clone()));
    main.borrow_mut().refuse("LowerLayers", "Device.Nothing.1");
    let fault = dm
        .set_parameter_values(
            &[
                pv(
                    "Device.ManagementServer.URL",
                    "https://acs.example.net/",
                    None,
                ),
                pv(
                    "Device.IP.Interface.1.LowerLayers",
                    "Device.Nothing.1",
                    None,
                ),
            ],
            "k",
        )
        .unwrap_err();
    assert_eq!(fault.fault_code.0, 9003);
    assert_eq!(fault.set_parameter_values_faults.len(), 1);
    assert_eq!(fault.set_parameter_values_faults[0].fault_code.0, 9007);
    assert_eq!(
        get(&mut dm, "Device.ManagementServer.URL"),
        "",
        "staged URL was reverted"
    );
    assert_eq!((main.borrow().commits, mgmt.borrow().commits), (0, 0));
    // Both succeed together; each provider served its own subtree.
    dm.set_parameter_values(
        &[
            pv(
                "Device.ManagementServer.URL",
                "https://acs.example.net/",
                None,
            ),
            pv(
                "Device.IP.Interface.1.LowerLayers",
                "Device.Ethernet.Interface.1",
                None,
            ),
        ],
        "k2",
    )
    .unwrap();
    assert_eq!(
        mgmt.borrow().value("Device.ManagementServer.", &[], "URL"),
        Some("https://acs.example.net/")
    );
    assert_eq!(
        main.borrow().value("Device.ManagementServer.", &[], "URL"),
        None
    );
}

#[test]
fn spv_commit_failure_is_an_internal_error_and_keeps_the_key() {
    let mem = router_mem();
    let mut dm = engine(&mem);
    mem.borrow_mut().fail_commit = true;
    let f = dm
        .set_parameter_values(&[pv("Device.IP.Interface.1.Enable", "true", None)], "k")
        .unwrap_err();
    assert_eq!(f.fault_code.0, 9002);
    assert_eq!(dm.parameter_key(), "");
    assert_eq!(get(&mut dm, "Device.IP.Interface.1.Enable"), "false");
}

#[test]
fn spv_same_parameter_twice_is_9003() {
    let mem = router_mem();
    let mut dm = engine(&mem);
    let p = pv("Device.IP.Interface.1.Enable", "true", None);
    let f = dm.set_parameter_values(&[p.clone(), p], "k").unwrap_err();
    assert_eq!(f.fault_code.0, 9003);
}

#[test]
fn add_and_delete_object() {
    let mem = router_mem();
    let mut dm = engine(&mem);
    let (n, status) = dm.add_object("Device.IP.Interface.", "add-1").unwrap();
    assert_eq!((n, status), (3, ApplyStatus::Applied));
    assert_eq!(dm.parameter_key(), "add-1");
    assert_eq!(get(&mut dm, "Device.IP.Interface.3.Enable"), "false");
    assert_eq!(get(&mut dm, "Device.IP.InterfaceNumberOfEntries"), "3");
    let (m, _) = dm
        .add_object("Device.IP.Interface.3.IPv4Address.", "add-2")
        .unwrap();
    assert_eq!(m, 1);
    dm.set_parameter_values(
        &[pv(
            "Device.IP.Interface.3.IPv4Address.1.IPAddress",
            "10.1.1.1",
            None,
        )],
        "s",
    )
    .unwrap();

    // AddObject faults (§A.3.2.6 lists 9001–9005; a name that is not a
    // writable table is an invalid name).
    for bad in [
        "Device.Ethernet.Interface.",
        "Device.IP.Interface.1.",
        "Device.DeviceInfo.",
        "Device.IP.Interface",
        "Device.Nope.",
        "Device.IP.Interface.1.Stats.",
    ] {
        assert_eq!(code(dm.add_object(bad, "x")), 9005, "{bad}");
    }
    assert_eq!(dm.parameter_key(), "s");

    assert_eq!(
        dm.delete_object("Device.IP.Interface.2.", "del-1").unwrap(),
        ApplyStatus::Applied
    );
    assert_eq!(dm.parameter_key(), "del-1");
    assert_eq!(
        code(dm.get_parameter_values(&[s("Device.IP.Interface.2.")])),
        9005
    );
    assert_eq!(
        get(&mut dm, "Device.IP.Interface.3.IPv4Address.1.IPAddress"),
        "10.1.1.1",
        "others keep numbers"
    );
    for bad in [
        "Device.IP.Interface.2.",
        "Device.IP.Interface.",
        "Device.Ethernet.Interface.1.",
        "Device.DeviceInfo.",
        "Device.IP.Interface.1.Enable",
    ] {
        assert_eq!(code(dm.delete_object(bad, "x")), 9005, "{bad}");
    }
    // Deleting a parent takes its children along.
    dm.delete_object("Device.IP.Interface.3.", "del-2").unwrap();
    assert_eq!(
        code(dm.get_parameter_values(&[s("Device.IP.Interface.3.IPv4Address.1.")])),
        9005
    );
    // Numbers are not reused.
    assert_eq!(dm.add_object("Device.IP.Interface.", "add-3").unwrap().0, 4);
}

#[test]
fn instance_numbers_survive_a_restart_and_a_reordering() {
    let mem = router_mem();
    let mut dm = engine(&mem);
    dm.get_parameter_values(&[s("Device.")]).unwrap();
    let (added, _) = dm.add_object("Device.IP.Interface.", "k").unwrap();
    dm.delete_object("Device.IP.Interface.1.", "k").unwrap();
    assert!(dm.take_dirty().instances);
    let before = dm
        .get_parameter_values(&[s("Device.IP.Interface.")])
        .unwrap();
    let inst_rows = dm.instance_records();
    let attr_rows = dm.attribute_records();
    let key = dm.parameter_key().to_string();

    // "Restart": a fresh engine over a backend that lists sections in another order.
    mem.borrow_mut().reverse_tables();
    let mut dm2 = DataModel::new(Schema::tr181());
    dm2.mount("Device.", Box::new(mem.clone()));
    dm2.restore(
        inst_rows.iter().map(Vec::as_slice),
        attr_rows.iter().map(Vec::as_slice),
        &key,
    );
    let after = dm2
        .get_parameter_values(&[s("Device.IP.Interface.")])
        .unwrap();
    let mut a = after.clone();
    let mut b = before.clone();
    a.sort_by(|x, y| x.name.cmp(&y.name));
    b.sort_by(|x, y| x.name.cmp(&y.name));
    assert_eq!(a, b);
    assert_eq!(get(&mut dm2, "Device.IP.Interface.2.Name"), "eth1");
    assert_eq!(
        get(&mut dm2, &format!("Device.IP.Interface.{added}.Name")),
        ""
    );
    assert_eq!(dm2.parameter_key(), "k");
    // A section created outside the ACS gets a fresh number, not the deleted 1.
    mem.borrow_mut().put_instance(IPIF, &[], "guest");
    let names: Vec<String> = dm2
        .get_parameter_names("Device.IP.Interface.", true)
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(
        names,
        vec![
            s("Device.IP.Interface.2."),
            s("Device.IP.Interface.3."),
            s("Device.IP.Interface.4.")
        ]
    );
}

fn spa(name: &str, n: u8) -> SetParameterAttributesStruct {
    SetParameterAttributesStruct {
        name: s(name),
        notification_change: true,
        notification: Notification(n),
        access_list_change: false,
        access_list: Vec::new(),
    }
}

fn notif(dm: &mut DataModel, name: &str) -> u8 {
    let a = dm.get_parameter_attributes(&[s(name)]).unwrap();
    assert_eq!(a.len(), 1);
    a[0].notification.0
}

#[test]
fn spa_and_gpa_notification_rules() {
    let mem = router_mem();
    let mut dm = engine(&mem);
    // Defaults: forceEnabled/forceDefaultEnabled start active, others off.
    assert_eq!(notif(&mut dm, "Device.DeviceInfo.SoftwareVersion"), 2);
    assert_eq!(
        notif(&mut dm, "Device.ManagementServer.ConnectionRequestURL"),
        2
    );
    assert_eq!(notif(&mut dm, "Device.IP.Interface.1.Name"), 0);

    dm.set_parameter_attributes(&[
        spa("Device.IP.Interface.1.Name", 2),
        spa("Device.IP.Interface.1.Stats.", 1),
    ])
    .unwrap();
    assert_eq!(notif(&mut dm, "Device.IP.Interface.1.Name"), 2);
    assert_eq!(notif(&mut dm, "Device.IP.Interface.1.Stats.BytesSent"), 1);
    assert_eq!(notif(&mut dm, "Device.IP.Interface.2.Stats.BytesSent"), 0);
    assert!(dm.take_dirty().attributes);

    // forceEnabled cannot be turned off; forceDefaultEnabled can.
    assert_eq!(
        code(dm.set_parameter_attributes(&[spa("Device.DeviceInfo.SoftwareVersion", 0)])),
        9009
    );
    dm.set_parameter_attributes(&[spa("Device.ManagementServer.ConnectionRequestURL", 0)])
        .unwrap();
    assert_eq!(
        notif(&mut dm, "Device.ManagementServer.ConnectionRequestURL"),
        0
    );
    // canDeny: active refused by name; under a partial path the others change.
    assert_eq!(
        code(dm.set_parameter_attributes(&[spa("Device.IP.Interface.1.Stats.BytesSent", 2)])),
        9009
    );
    dm.set_parameter_attributes(&[spa("Device.DeviceInfo.", 2)])
        .unwrap();
    assert_eq!(notif(&mut dm, "Device.DeviceInfo.Manufacturer"), 2);
    assert_eq!(
        notif(&mut dm, "Device.DeviceInfo.UpTime"),
        0,
        "UpTime is canDeny"
    );
    dm.set_parameter_attributes(&[spa("Device.DeviceInfo.", 0)])
        .unwrap();
    assert_eq!(
        notif(&mut dm, "Device.DeviceInfo.SoftwareVersion"),
        2,
        "forced stays active"
    );
    // Lightweight notification (3–6) is not supported.
    for n in 3..=6 {
        assert_eq!(
            code(dm.set_parameter_attributes(&[spa("Device.IP.Interface.1.Name", n)])),
            9009
        );
    }
    // All or nothing: a bad second entry leaves the first unapplied.
    assert_eq!(
        code(dm.set_parameter_attributes(&[
            spa("Device.IP.Interface.2.Name", 1),
            spa("Device.Nope", 1)
        ])),
        9005
    );
    assert_eq!(notif(&mut dm, "Device.IP.Interface.2.Name"), 0);

    // AccessList: "Subscriber" only; NotificationChange false keeps the value.
    let mut acl = spa("Device.IP.Interface.1.Name", 0);
    acl.notification_change = false;
    acl.access_list_change = true;
    acl.access_list = vec![s("Subscriber")];
    dm.set_parameter_attributes(std::slice::from_ref(&acl))
        .unwrap();
    let a = dm
        .get_parameter_attributes(&[s("Device.IP.Interface.1.Name")])
        .unwrap();
    assert_eq!(
        (a[0].notification.0, a[0].access_list.clone()),
        (2, vec![s("Subscriber")])
    );
    acl.access_list = vec![s("Neighbour")];
    assert_eq!(code(dm.set_parameter_attributes(&[acl])), 9003);

    // GPA over a partial path lists every parameter below it.
    let stats = dm
        .get_parameter_attributes(&[s("Device.IP.Interface.1.Stats.")])
        .unwrap();
    assert!(stats.len() > 10 && stats.iter().all(|a| a.notification.0 == 1));

    // Attributes persist; a deleted instance forgets its attributes.
    let rows = dm.attribute_records();
    let mut dm2 = engine(&mem);
    dm2.restore(
        dm.instance_records().iter().map(Vec::as_slice),
        rows.iter().map(Vec::as_slice),
        "",
    );
    assert_eq!(notif(&mut dm2, "Device.IP.Interface.1.Name"), 2);
    assert_eq!(
        notif(&mut dm2, "Device.ManagementServer.ConnectionRequestURL"),
        0
    );
    dm2.delete_object("Device.IP.Interface.1.", "k").unwrap();
    assert!(!dm2
        .attribute_records()
        .iter()
        .any(|r| r[0].starts_with("Device.IP.Interface.1.")));
}

#[test]
fn value_changes_passive_active_and_not_for_acs_writes() {
    let mem = router_mem();
    let mut dm = engine(&mem);
    dm.set_parameter_attributes(&[spa("Device.IP.Interface.1.Name", 1)])
        .unwrap();
    assert_eq!(
        dm.poll_value_changes().unwrap().changed,
        vec![],
        "first poll is the baseline"
    );

    mem.borrow_mut().put(IPIF, &["lan"], "Name", "br-lan2");
    let r = dm.poll_value_changes().unwrap();
    assert_eq!(
        r.changed,
        vec![ParameterValue::new(
            "Device.IP.Interface.1.Name",
            "br-lan2",
            ValueType::String
        )]
    );
    assert!(!r.active);
    assert!(
        dm.poll_value_changes().unwrap().changed.is_empty(),
        "reported once"
    );

    // ProvisioningCode is forceEnabled: a change by the system is active…
    mem.borrow_mut()
        .put("Device.DeviceInfo.", &[], "ProvisioningCode", "ABC");
    let r = dm.poll_value_changes().unwrap();
    assert!(r.active);
    assert_eq!(r.changed[0].name, "Device.DeviceInfo.ProvisioningCode");
    // …but not a change the ACS made itself.
    dm.set_parameter_values(
        &[pv("Device.DeviceInfo.ProvisioningCode", "DEF", None)],
        "k",
    )
    .unwrap();
    assert_eq!(dm.poll_value_changes().unwrap(), Default::default());
    // Off parameters are not watched.
    mem.borrow_mut().put(IPIF, &["wan"], "Name", "eth9");
    assert!(dm.poll_value_changes().unwrap().changed.is_empty());
}

#[test]
fn inform_parameters_are_the_forced_inform_ones() {
    let mem = router_mem();
    let mut dm = engine(&mem);
    let names: Vec<String> = dm
        .inform_parameters()
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(
        names,
        vec![
            s("Device.RootDataModelVersion"),
            s("Device.DeviceInfo.HardwareVersion"),
            s("Device.DeviceInfo.SoftwareVersion"),
            s("Device.DeviceInfo.ProvisioningCode"),
            s("Device.ManagementServer.ParameterKey"),
            s("Device.ManagementServer.ConnectionRequestURL"),
            s("Device.ManagementServer.AliasBasedAddressing"),
        ]
    );
}

#[test]
fn unmounted_subtrees_are_not_exposed() {
    let mem = router_mem();
    let mut dm = DataModel::new(Schema::tr181());
    dm.mount("Device.DeviceInfo.", Box::new(mem.clone()));
    let top: Vec<String> = dm
        .get_parameter_names("Device.", true)
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    // ManagementServer stays: the engine serves its ParameterKey itself.
    assert_eq!(
        top,
        vec![s("Device.DeviceInfo."), s("Device.ManagementServer.")]
    );
    assert_eq!(code(dm.get_parameter_values(&[s("Device.IP.")])), 9005);
    assert_eq!(get(&mut dm, "Device.DeviceInfo.Manufacturer"), "OpenWrt");
}

#[test]
fn named_type_formats_are_checked_on_set() {
    let mem = router_mem();
    let mut dm = engine(&mem);
    let f = dm
        .set_parameter_values(
            &[pv(
                "Device.IP.Interface.1.IPv4Address.1.IPAddress",
                "192.168.1.300",
                None,
            )],
            "k",
        )
        .unwrap_err();
    assert_eq!(f.set_parameter_values_faults[0].fault_code.0, 9007);
}

#[test]
fn vendor_table_with_max_entries_refuses_a_third_instance_with_9004() {
    let mut schema = Schema::tr181();
    schema
        .add_object(ObjectDef {
            path: "Device.X_0000FF_Rule.{i}.",
            multi: true,
            writable: true,
            max_entries: Some(2),
        })
        .unwrap();
    schema
        .add_param(
            "Device.X_0000FF_Rule.{i}.",
            ParamDef {
                name: "Enable",
                ty: BaseType::Boolean,
                writable: true,
                ..PARAM
            },
        )
        .unwrap();
    let mem = Rc::new(RefCell::new(MemProvider::new(schema.clone())));
    let mut dm = DataModel::new(schema);
    dm.mount("Device.", Box::new(mem.clone()));
    assert_eq!(dm.add_object("Device.X_0000FF_Rule.", "a").unwrap().0, 1);
    assert_eq!(dm.add_object("Device.X_0000FF_Rule.", "b").unwrap().0, 2);
    assert_eq!(code(dm.add_object("Device.X_0000FF_Rule.", "c")), 9004);
    assert_eq!(dm.parameter_key(), "b");
    dm.set_parameter_values(
        &[pv(
            "Device.X_0000FF_Rule.2.Enable",
            "true",
            Some(ValueType::Boolean),
        )],
        "d",
    )
    .unwrap();
    assert_eq!(get(&mut dm, "Device.X_0000FF_Rule.2.Enable"), "true");
}

/// Names an ACS may send, however broken, get one of the RPC faults of
/// TR-069 Table 11 and never a panic.
#[test]
fn hostile_names_get_faults_not_panics() {
    let mem = router_mem();
    let mut dm = engine(&mem);
    let pieces = [
        "Device",
        ".",
        "IP",
        "Interface",
        "1",
        "2",
        "0",
        "99",
        "{i}",
        "[lan]",
        "Stats",
        "Name",
        "",
        "..",
        "X_",
        "4294967296",
        "IPv4Address",
        "Enable",
        "ä",
        " ",
        "DeviceInfo",
        "ManagementServer",
        "ParameterKey",
    ];
    let mut seed = 0x2545_f491_u64;
    let allowed = [9003, 9004, 9005, 9006, 9007, 9008, 9009];
    for _ in 0..4000 {
        let mut name = String::new();
        let len = (seed % 9) as usize;
        for _ in 0..len {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            name.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
        }
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let check = |r: Result<(), cwmpd::cwmp::Fault>| {
            if let Err(f) = r {
                assert!(allowed.contains(&f.fault_code.0), "{name:?}: {f:?}");
            }
        };
        check(dm.get_parameter_values(&[name.clone()]).map(drop));
        check(dm.get_parameter_names(&name, seed & 1 == 0).map(drop));
        check(dm.get_parameter_attributes(&[name.clone()]).map(drop));
        check(
            dm.set_parameter_values(&[pv(&name, "x", None)], "k")
                .map(drop),
        );
        check(dm.set_parameter_attributes(&[spa(&name, 7)]).map(drop));
        check(dm.add_object(&name, "k").map(drop));
        check(dm.delete_object(&name, "k").map(drop));
    }
    // The model still answers as a whole.
    assert!(dm.get_parameter_values(&[s("")]).is_ok());
}
