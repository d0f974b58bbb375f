//! The README's first command: the agent on a scratch root against the
//! scripted test ACS on loopback, printing the session.
//!
//! `cargo run --example demo [DIR]` — DIR (default: a fresh temp dir) gets
//! the shipped `/etc/config/cwmp` with the test ACS's URL and credentials
//! filled in, plus a few OpenWrt identity and /proc files (what a router
//! has and a scratch root lacks). The ACS demands HTTP
//! Digest, then asks for the RPC methods, reads DeviceInfo and
//! ManagementServer, changes the periodic inform interval and ends.

#[path = "../tests/acs/mod.rs"]
mod acs;

use std::path::PathBuf;

use acs::http::Auth;
use acs::script::AcsScript;
use acs::scripted::ScriptedAcs;
use cwmpd::agent::identity::{Identity, Overrides};
use cwmpd::agent::runtime::Agent;
use cwmpd::agent::settings::Settings;
use cwmpd::backend::uci::{Store, Transaction};
use cwmpd::config::Config;
use cwmpd::cwmp::rpc::parameters::{
    GetParameterNames, GetParameterValues, ParameterValue, SetParameterValues,
};
use cwmpd::cwmp::xsd::ValueType;
use cwmpd::cwmp::AcsRequest;
use cwmpd::paths::Root;
use cwmpd::transport::digest::Algorithm;

const DEFAULT_CONFIG: &str = include_str!("../files/etc/config/cwmp");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("cwmpd-demo-{}", std::process::id())));
    let root = Root::new(&dir);
    cwmpd::logging::init(log::LevelFilter::Info);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(demo(root))
}

async fn demo(root: Root) -> Result<(), Box<dyn std::error::Error>> {
    let mut script = AcsScript::new();
    script.push(AcsRequest::GetRpcMethods);
    script.push(AcsRequest::GetParameterValues(GetParameterValues {
        parameter_names: vec!["Device.DeviceInfo.".into()],
    }));
    script.push(AcsRequest::GetParameterNames(GetParameterNames {
        parameter_path: "Device.ManagementServer.".into(),
        next_level: true,
    }));
    script.push(AcsRequest::SetParameterValues(SetParameterValues {
        parameter_list: vec![ParameterValue::new(
            "Device.ManagementServer.PeriodicInformInterval",
            "3600",
            ValueType::UnsignedInt,
        )],
        parameter_key: "demo-1".into(),
    }));
    let acs = ScriptedAcs::start(
        script,
        Auth::Digest {
            user: "cpe-demo".into(),
            pass: "demo-secret".into(),
            algorithms: vec![Algorithm::Sha256],
        },
        None,
    )
    .await;

    // The shipped configuration, set up as an operator would with
    // `uci set cwmp.acs.url=...; uci commit cwmp`.
    let config_file = root.uci_config_dir().join("cwmp");
    std::fs::create_dir_all(root.uci_config_dir())?;
    std::fs::write(&config_file, DEFAULT_CONFIG)?;
    let uci = Store::new(root.dir());
    let mut txn = Transaction::new(&uci);
    for (section, option, value) in [
        ("acs", "url", acs.url()),
        ("acs", "username", "cpe-demo".into()),
        ("acs", "password", "demo-secret".into()),
        ("cpe", "username", "acs".into()),
        ("cpe", "password", "cr-secret".into()),
        ("cpe", "port", "0".into()),
    ] {
        txn.set_option("cwmp", section, option, &value)?;
    }
    txn.commit()?;
    for (path, text) in [
        ("/etc/openwrt_release", "DISTRIB_ID='OpenWrt'\nDISTRIB_RELEASE='24.10.0'\nDISTRIB_REVISION='r28427-6df0e3d02a'\n"),
        ("/tmp/sysinfo/board_name", "demo,router\n"),
        ("/tmp/sysinfo/model", "Demo Router v1\n"),
        ("/sys/class/net/eth0/address", "02:00:5e:10:00:01\n"),
        ("/proc/uptime", "5127.42 10013.57\n"),
        ("/proc/meminfo", "MemTotal:         249664 kB\nMemFree:          176404 kB\nMemAvailable:     190112 kB\n"),
        ("/proc/stat", "cpu  4705 150 1120 1629784 820 0 95 0 0 0\n"),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().ok_or("bad path")?)?;
        std::fs::write(p, text)?;
    }
    println!("scratch root: {}", root.dir().display());
    println!("test ACS:     {} (HTTP Digest SHA-256)\n", acs.url());

    let load_root = root.clone();
    let load = move || {
        let pkg = Store::new(load_root.dir())
            .load("cwmp")
            .map_err(|e| vec![e.to_string()])?;
        Config::from_package(&pkg)
            .map(|c| Settings::from_config(&c))
            .map_err(|e| vec![e.to_string()])
    };
    let identity = Identity::load(&root, &Overrides::default());
    let mut agent = Agent::new(root.clone(), Box::new(load), identity)?;
    // One session, then stop.
    agent.run(|_| true).await;

    println!("\n--- the session, as the ACS saw it ---");
    for line in acs.transcript() {
        println!("{line}");
    }
    let config = std::fs::read_to_string(&config_file)?;
    let interval = config
        .lines()
        .find(|l| l.contains("periodic_interval"))
        .unwrap_or_default()
        .trim();
    println!("\n/etc/config/cwmp after the session: {interval}");
    println!("TCP connections used: {}", acs.server.connections());
    Ok(())
}
