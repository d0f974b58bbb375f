//! Issue 4's figures on a fixture router with 10 interfaces
//! (tests/fixtures/router8: UCI network/system/cwmp, sysfs counters, 35
//! processes, a netifd dump as the live snapshot):
//!
//! - GetParameterValues `Device.`: wall time (median of N) and the number
//!   of parameters returned, model build (once per session) apart;
//! - GetParameterNames `Device.` NextLevel false: time and count;
//! - SetParameterValues of 20 parameters across `cwmp`, `system` and
//!   `network`, commit (temp files + renames) included;
//! - peak RSS (VmHWM) of a fresh process that builds the model and runs one
//!   GPV `Device.`, next to the VmHWM of the same process doing nothing:
//!   the bench re-runs itself with `--child gpv` / `--child idle`.
//!
//! Figures, not asserts. `cargo bench --bench model_router`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cwmpd::agent::identity::Identity;
use cwmpd::backend::netifd::InterfaceStatus;
use cwmpd::backend::ubus::{json, BlobValue};
use cwmpd::cwmp::rpc::parameters::ParameterValue;
use cwmpd::cwmp::xsd::ValueType;
use cwmpd::datamodel::DataModel;
use cwmpd::model::{build, Live};
use cwmpd::paths::Root;

const RUNS: usize = 101;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/router8")
}

fn snapshot(root: &Path) -> Vec<InterfaceStatus> {
    let text = std::fs::read_to_string(root.join("netifd-dump.json")).expect("netifd-dump.json");
    let dump = json::parse(&text).expect("dump JSON");
    dump.get("interface")
        .and_then(BlobValue::as_array)
        .expect("interface array")
        .iter()
        .map(|v| InterfaceStatus::from_blob(v).expect("status"))
        .collect()
}

fn live(root: &Path) -> Live {
    Live {
        identity: Identity {
            manufacturer: "Example".into(),
            oui: "021122".into(),
            product_class: "Router8".into(),
            serial_number: "R8-0001".into(),
            software_version: "23.05.3".into(),
            hardware_version: "rev1".into(),
        },
        connection_request_url: "http://203.0.113.17:7547/abc".into(),
        stun: Default::default(),
        now: 1_709_294_400,
        netifd: Some(snapshot(root)),
    }
}

fn model(root: &Path) -> DataModel {
    build(&Root::new(root), live(root))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let dest = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).expect("copy");
        }
    }
}

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// Child mode: one model build + one GPV `Device.` (or nothing), then the
/// process's peak RSS on stdout.
fn child(what: &str) {
    let root = fixture();
    let mut count = 0;
    if what == "gpv" {
        let mut dm = model(&root);
        count = dm
            .get_parameter_values(&["Device.".to_string()])
            .expect("GPV")
            .len();
    }
    println!("{} {count}", vm_hwm_kib());
}

fn run_child(what: &str) -> (u64, usize) {
    let out = std::process::Command::new(std::env::current_exe().expect("exe"))
        .args(["--child", what])
        .output()
        .expect("child");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace();
    let hwm = it.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    let count = it.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    (hwm, count)
}

/// 20 parameters over cwmp (8), system (3) and network (9); `round`
/// alternates the values so every run really changes the files.
fn spv_list(round: usize) -> Vec<ParameterValue> {
    let odd = round % 2 == 1;
    let s = |name: &str, v: String| ParameterValue::new(name, v, ValueType::String);
    let u = |name: &str, v: u32| ParameterValue::new(name, v.to_string(), ValueType::UnsignedInt);
    let b = |name: &str, v: bool| ParameterValue::new(name, v.to_string(), ValueType::Boolean);
    let ms = "Device.ManagementServer.";
    let mut list = vec![
        s(
            &format!("{ms}URL"),
            format!("https://acs{}.example.net/cwmp", round % 2),
        ),
        s(&format!("{ms}Username"), format!("user{}", round % 2)),
        s(&format!("{ms}Password"), format!("pw{round}")),
        b(&format!("{ms}PeriodicInformEnable"), true),
        u(
            &format!("{ms}PeriodicInformInterval"),
            3600 + (round % 2) as u32,
        ),
        s(
            &format!("{ms}ConnectionRequestUsername"),
            format!("cr{}", round % 2),
        ),
        s(
            &format!("{ms}ConnectionRequestPassword"),
            format!("crpw{round}"),
        ),
        s(
            "Device.DeviceInfo.ProvisioningCode",
            format!("PC{}", round % 2),
        ),
        b("Device.Time.Enable", true),
        s(
            "Device.Time.LocalTimeZone",
            if odd {
                "CET-1CEST,M3.5.0,M10.5.0/3"
            } else {
                "UTC"
            }
            .into(),
        ),
        s(
            "Device.Time.Client.1.Servers",
            format!("ntp{}.example.net,ntp9.example.net", round % 2),
        ),
    ];
    for i in [2, 3, 5, 6, 7] {
        list.push(u(
            &format!("Device.IP.Interface.{i}.MaxMTUSize"),
            1400 + (round % 2) as u32 * 10 + i,
        ));
    }
    for i in [5, 6, 7, 8] {
        list.push(b(
            &format!("Device.IP.Interface.{i}.Enable"),
            !odd || i != 8,
        ));
    }
    list
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == "--child") {
        child(args.get(pos + 1).map(String::as_str).unwrap_or("idle"));
        return;
    }
    let root = fixture();
    let all = vec!["Device.".to_string()];

    let builds: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            black_box(model(&root));
            t.elapsed()
        })
        .collect();

    let mut dm = model(&root);
    let mut gpv_count = 0;
    let gpv: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            let list = dm.get_parameter_values(black_box(&all)).expect("GPV");
            let d = t.elapsed();
            gpv_count = list.len();
            d
        })
        .collect();
    let mut gpn_count = 0;
    let gpn: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            let list = dm.get_parameter_names("Device.", false).expect("GPN");
            let d = t.elapsed();
            gpn_count = list.len();
            d
        })
        .collect();

    // SPV on a private copy (it writes the files).
    let scratch = std::env::temp_dir().join(format!("cwmpd-bench-router8-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    copy_tree(&root, &scratch);
    std::fs::create_dir_all(scratch.join("tmp/.uci")).expect("savedir");
    let spv_runs = 41;
    let spv: Vec<Duration> = (0..spv_runs)
        .map(|round| {
            let list = spv_list(round);
            assert_eq!(list.len(), 20);
            // A model per SPV, as in a session; its build is not counted.
            let mut dm = model(&scratch);
            let t = Instant::now();
            dm.set_parameter_values(&list, &format!("k{round}"))
                .unwrap_or_else(|f| panic!("SPV: {f:?}"));
            t.elapsed()
        })
        .collect();
    let _ = std::fs::remove_dir_all(&scratch);

    let (idle_hwm, _) = run_child("idle");
    let (gpv_hwm, child_count) = run_child("gpv");

    println!("model_router: tests/fixtures/router8 (10 IP interfaces, 7 Ethernet, 35 processes, netifd snapshot)");
    println!(
        "  model build (per session):       median {:?} of {RUNS}",
        median(builds)
    );
    println!(
        "  GPV Device.:                      median {:?} of {RUNS}, {gpv_count} parameters",
        median(gpv)
    );
    println!(
        "  GPN Device. NextLevel=false:      median {:?} of {RUNS}, {gpn_count} names",
        median(gpn)
    );
    println!(
        "  SPV 20 params / 3 packages+commit: median {:?} of {spv_runs}",
        median(spv)
    );
    println!(
        "  peak RSS (VmHWM), fresh process:  {gpv_hwm} KiB after build + GPV Device. ({child_count} parameters); {idle_hwm} KiB for the same process idle"
    );
}
