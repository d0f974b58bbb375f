//! Every parameter and object the engine's schema exposes exists in the
//! official TR-181 table (`shared/spec/tr181-params.tsv`, Device:2.19.1)
//! with the same type, access, list-ness, notification facet, length,
//! range and enumeration — except vendor `X_` parameters, listed below.

use std::collections::BTreeMap;

use cwmpd::datamodel::schema::{BaseType, Format, NotifyLimit};
use cwmpd::datamodel::Schema;

const TSV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/spec/tr181-params.tsv"
);

/// Vendor parameters we add on purpose (none yet).
const VENDOR: &[&str] = &[];

/// Tables TR-181 lets an ACS add to, with a fixed set of instances here
/// (GetParameterNames reports them not writable): OpenWrt has one NTP
/// client.
const FIXED_TABLES: &[&str] = &["Device.Time.Client.{i}."];

fn tsv() -> BTreeMap<String, BTreeMap<String, String>> {
    let text = std::fs::read_to_string(TSV).expect("tr181-params.tsv next to the repository");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let mut rows = BTreeMap::new();
    for line in lines {
        let row: BTreeMap<String, String> = header
            .iter()
            .zip(line.split('\t'))
            .map(|(h, v)| (h.to_string(), v.to_string()))
            .collect();
        if row["status"] != "deleted" {
            rows.insert(row["path"].clone(), row);
        }
    }
    rows
}

fn type_name(t: BaseType) -> &'static str {
    match t {
        BaseType::String => "string",
        BaseType::Int => "int",
        BaseType::UnsignedInt => "unsignedInt",
        BaseType::Long => "long",
        BaseType::UnsignedLong => "unsignedLong",
        BaseType::Boolean => "boolean",
        BaseType::DateTime => "dateTime",
        BaseType::Base64 => "base64",
        BaseType::HexBinary => "hexBinary",
        BaseType::Decimal => "decimal",
    }
}

#[test]
fn every_schema_entry_matches_tr181() {
    let rows = tsv();
    let schema = Schema::tr181();
    let mut vendor = Vec::new();
    for o in schema.objects() {
        let row = rows
            .get(o.path)
            .unwrap_or_else(|| panic!("{} not in TR-181", o.path));
        assert_eq!(row["kind"], "object", "{}", o.path);
        assert_eq!(row["multi_instance"] == "1", o.multi, "{} multi", o.path);
        assert_eq!(
            row["access"] == "readWrite",
            o.writable,
            "{} access",
            o.path
        );
    }
    for i in 0..schema.params().len() {
        let path = schema.param_path(i);
        let p = schema.param(i);
        if p.name.starts_with("X_") {
            vendor.push(path);
            continue;
        }
        let row = rows
            .get(&path)
            .unwrap_or_else(|| panic!("{path} not in TR-181"));
        assert_eq!(row["kind"], "parameter", "{path}");
        assert_eq!(row["type"], type_name(p.ty), "{path} type");
        assert_eq!(row["access"] == "readWrite", p.writable, "{path} access");
        assert_eq!(row["list"] == "1", p.list, "{path} list");
        assert_eq!(
            row["forced_inform"] == "1",
            p.forced_inform,
            "{path} forcedInform"
        );
        let notify = match p.notify {
            NotifyLimit::Normal => "normal",
            NotifyLimit::ForceEnabled => "forceEnabled",
            NotifyLimit::ForceDefaultEnabled => "forceDefaultEnabled",
            NotifyLimit::CanDeny => "canDeny",
        };
        assert_eq!(row["active_notify"], notify, "{path} activeNotify");
        assert_eq!(
            row["max_length"],
            p.max_length.map(|m| m.to_string()).unwrap_or_default(),
            "{path} maxLength"
        );
        let enums: Vec<&str> = if row["enums"].is_empty() {
            vec![]
        } else {
            row["enums"].split('|').collect()
        };
        assert_eq!(enums, p.enums, "{path} enums");
        let ranges: Vec<String> = p
            .ranges
            .iter()
            .map(|r| {
                format!(
                    "{}..{}",
                    r.min.map(|v| v.to_string()).unwrap_or_default(),
                    r.max.map(|v| v.to_string()).unwrap_or_default()
                )
            })
            .collect();
        assert_eq!(ranges.join("|"), row["range"], "{path} range");
        let secured = row["flags"].contains("secured") || row["flags"].contains("hidden");
        assert_eq!(secured, p.secured, "{path} secured");
        let format = match row["datatype"].as_str() {
            "IPv4Address" => Format::Ipv4Address,
            "MACAddress" => Format::MacAddress,
            _ => Format::Any,
        };
        assert_eq!(format, p.format, "{path} datatype");
        if let Some(t) = p.counts {
            let table = schema.objects()[t].path;
            assert_eq!(
                rows[table]["num_entries_param"], p.name,
                "{path} counts {table}"
            );
        }
    }
    assert_eq!(
        vendor,
        VENDOR.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    );
}

/// The objects issue 4 asks for are there with all their current
/// parameters (minus `…NumberOfEntries` of tables we do not serve).
#[test]
fn implemented_objects_are_complete() {
    let rows = tsv();
    let schema = Schema::tr181();
    let ours: Vec<String> = (0..schema.params().len())
        .map(|i| schema.param_path(i))
        .collect();
    for obj in [
        "Device.DeviceInfo.",
        "Device.DeviceInfo.MemoryStatus.",
        "Device.DeviceInfo.ProcessStatus.",
        "Device.ManagementServer.",
        "Device.Time.",
        "Device.IP.Interface.{i}.",
        "Device.IP.Interface.{i}.IPv4Address.{i}.",
        "Device.IP.Interface.{i}.Stats.",
        "Device.Ethernet.Interface.{i}.",
        "Device.Ethernet.Interface.{i}.Stats.",
    ] {
        let mut n = 0;
        for (path, row) in rows.range(obj.to_string()..) {
            if !path.starts_with(obj) {
                break;
            }
            let rest = &path[obj.len()..];
            if row["kind"] != "parameter" || rest.contains('.') || row["flags"].contains("command")
            {
                continue;
            }
            if rest.ends_with("NumberOfEntries") {
                continue;
            }
            assert!(ours.contains(path), "{path} missing");
            n += 1;
        }
        assert!(n > 0, "{obj}");
    }
    assert!(ours.contains(&"Device.RootDataModelVersion".to_string()));
    assert!(ours.contains(&"Device.IP.InterfaceNumberOfEntries".to_string()));
}

/// `Device.IP.Interface.3.Stats.BytesSent` → `Device.IP.Interface.{i}.Stats.BytesSent`.
fn template_of(name: &str) -> String {
    name.split('.')
        .map(|seg| {
            if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                "{i}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// What the agent really exposes — GPN and GPV `Device.` on the fixture
/// router tests/fixtures/router8 with its netifd snapshot, every provider
/// mounted — is in TR-181 2.19 with the same access (GPN's Writable) and
/// the same type (GPV's xsi:type; lists travel as strings).
#[test]
fn every_exposed_parameter_matches_tr181() {
    use cwmpd::agent::identity::Identity;
    use cwmpd::backend::netifd::InterfaceStatus;
    use cwmpd::backend::ubus::{json, BlobValue};
    use cwmpd::model::{build, Live};

    let rows = tsv();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/router8");
    let dump =
        json::parse(&std::fs::read_to_string(root.join("netifd-dump.json")).unwrap()).unwrap();
    let netifd: Vec<InterfaceStatus> = dump
        .get("interface")
        .and_then(BlobValue::as_array)
        .unwrap()
        .iter()
        .map(|v| InterfaceStatus::from_blob(v).unwrap())
        .collect();
    let mut dm = build(
        &cwmpd::paths::Root::new(&root),
        Live {
            identity: Identity {
                manufacturer: "Example".into(),
                oui: "021122".into(),
                product_class: "Router8".into(),
                serial_number: "R8-0001".into(),
                software_version: "23.05.3".into(),
                hardware_version: "rev1".into(),
            },
            connection_request_url: "http://203.0.113.17:7547/x".into(),
            stun: Default::default(),
            now: 1_709_294_400,
            netifd: Some(netifd),
        },
    );
    let names = dm.get_parameter_names("Device.", false).unwrap();
    let values = dm.get_parameter_values(&["Device.".to_string()]).unwrap();
    assert!(values.len() > 400, "{} values", values.len());
    let mut problems = Vec::new();
    for n in &names {
        let mut template = template_of(&n.name);
        // A table (`Device.IP.Interface.`) is the `{i}` object's row.
        if !rows.contains_key(&template) && template.ends_with('.') {
            template.push_str("{i}.");
        }
        let Some(row) = rows.get(&template) else {
            if !VENDOR.contains(&template.as_str()) {
                problems.push(format!("{} ({template}) not in TR-181", n.name));
            }
            continue;
        };
        let writable = row["access"] == "readWrite" && !FIXED_TABLES.contains(&template.as_str());
        if writable != n.writable {
            problems.push(format!(
                "{}: writable {} but TR-181 says {}",
                n.name, n.writable, row["access"]
            ));
        }
    }
    for v in &values {
        let template = template_of(&v.name);
        let Some(row) = rows.get(&template) else {
            continue; // reported above
        };
        let want = if row["list"] == "1" {
            "string"
        } else {
            row["type"].as_str()
        };
        let got = v.value_type.as_ref().map(|t| t.xsd_name()).unwrap_or("");
        if got != want {
            problems.push(format!("{}: type {got} but TR-181 says {want}", v.name));
        }
    }
    // Every parameter GPN lists has a value, and the other way round.
    let listed: Vec<&str> = names
        .iter()
        .map(|n| n.name.as_str())
        .filter(|n| !n.ends_with('.'))
        .collect();
    let valued: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
    if listed != valued {
        problems.push("GPN and GPV list different parameters".into());
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
