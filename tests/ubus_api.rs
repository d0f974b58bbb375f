//! The agent's ubus object `cwmp`, called through the project's ubus
//! client over a broker that follows ubusd's wire protocol (ubusd itself
//! is not installable here). The agent is the real `cwmpd` binary.

mod acs;
#[path = "common/real_uci.rs"]
mod real_uci;
mod ubus_broker;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use acs::http::Auth;
use acs::script::AcsScript;
use acs::scripted::ScriptedAcs;
use cwmpd::backend::ubus::{json, BlobValue, Client, Status};
use cwmpd::cwmp::rpc::parameters::{ParameterValue, SetParameterValues};
use cwmpd::cwmp::xsd::ValueType;
use cwmpd::cwmp::AcsRequest;
use ubus_broker::Broker;

struct Agent(Child);

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The real binary on a fresh scratch root, talking to `acs` and to the
/// broker as its ubusd; `extra_cpe` adds options to the cpe section.
fn start_agent(
    tag: &str,
    broker: &Broker,
    acs: &ScriptedAcs,
    extra_cpe: &str,
) -> (Agent, std::path::PathBuf) {
    let root = std::env::temp_dir().join(format!("cwmpd-ubus-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("etc/config")).unwrap();
    std::fs::write(
        root.join("etc/config/cwmp"),
        format!(
            "config acs 'acs'\n\toption url '{}'\nconfig cpe 'cpe'\n{extra_cpe}\toption port '0'\n\toption periodic_inform '0'\n",
            acs.url()
        ),
    )
    .unwrap();
    let agent = Agent(
        Command::new(env!("CARGO_BIN_EXE_cwmpd"))
            .arg("--root")
            .arg(&root)
            .arg("--ubus")
            .arg(broker.socket())
            .arg("run")
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    (agent, root)
}

#[tokio::test]
async fn status_inform_and_get_through_ubus() {
    let broker = Broker::start("cwmp-object");
    let acs = ScriptedAcs::start(AcsScript::new(), Auth::None, None).await;
    let (_agent, root) = start_agent("api", &broker, &acs, "");
    wait_for("first session", || {
        acs.script.lock().unwrap().sessions_completed >= 1
    })
    .await;

    let ubus = Client::connect(broker.socket()).await.unwrap();
    // The object appears once the agent has connected.
    let mut status = BlobValue::empty_table();
    for _ in 0..100 {
        match ubus.call("cwmp", "status", &BlobValue::empty_table()).await {
            Ok(s)
                if s.get("last_session")
                    .and_then(|l| l.get("result"))
                    .and_then(BlobValue::as_str)
                    == Some("success") =>
            {
                status = s;
                break;
            }
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    assert_eq!(
        status.get("acs_url").and_then(BlobValue::as_str),
        Some(acs.url().as_str()),
        "{status:?}"
    );
    assert_eq!(
        status.get("acs_url_origin").and_then(BlobValue::as_str),
        Some("uci")
    );
    assert!(status
        .get("connection_request_url")
        .and_then(BlobValue::as_str)
        .is_some_and(|u| u.starts_with("http://127.0.0.1:")));
    assert_eq!(
        status
            .get("pending_events")
            .and_then(BlobValue::as_array)
            .map(<[_]>::len),
        Some(0)
    );

    // inform: a session now, with the event asked for.
    let r = ubus
        .call(
            "cwmp",
            "inform",
            &BlobValue::table([("event", BlobValue::from("2 PERIODIC"))]),
        )
        .await
        .unwrap();
    assert_eq!(r.get("queued").and_then(BlobValue::as_bool), Some(true));
    wait_for("inform session", || {
        acs.script.lock().unwrap().informs.len() >= 2
    })
    .await;
    let events = acs.script.lock().unwrap().event_codes(1);
    assert_eq!(events, ["2 PERIODIC"]);

    // get: parameter values for scripts.
    let values = ubus
        .call(
            "cwmp",
            "get",
            &BlobValue::table([("path", BlobValue::from("Device.ManagementServer.URL"))]),
        )
        .await
        .unwrap();
    assert_eq!(
        values
            .get("Device.ManagementServer.URL")
            .and_then(BlobValue::as_str),
        Some(acs.url().as_str())
    );
    let unknown = ubus
        .call(
            "cwmp",
            "get",
            &BlobValue::table([("path", BlobValue::from("Device.Nope."))]),
        )
        .await;
    assert!(unknown.is_err(), "{unknown:?}");
    let _ = std::fs::remove_dir_all(&root);
}

/// `cwmp.cpe.interface`: the ConnectionRequestURL carries the interface's
/// address from netifd, and a new address opens a session with
/// `4 VALUE CHANGE` (TR-181: ConnectionRequestURL notifies actively).
#[tokio::test]
async fn interface_address_change_sends_value_change() {
    let broker = Broker::start("cwmp-netifd");
    let netifd = ubus_broker::fake_netifd::fake_netifd(broker.socket()).await;
    let acs = ScriptedAcs::start(AcsScript::new(), Auth::None, None).await;
    let (_agent, root) = start_agent("netifd", &broker, &acs, "\toption interface 'wan'\n");
    let cr_url = |n: usize| {
        acs.script.lock().unwrap().informs[n]
            .parameter_list
            .iter()
            .find(|p| p.name == "Device.ManagementServer.ConnectionRequestURL")
            .map(|p| p.value.clone())
            .unwrap()
    };
    wait_for("first session", || {
        acs.script.lock().unwrap().sessions_completed >= 1
    })
    .await;
    assert!(cr_url(0).starts_with("http://192.0.2.10:"), "{}", cr_url(0));
    // Give the agent's netifd watcher time to subscribe, then renumber.
    tokio::time::sleep(Duration::from_millis(300)).await;
    netifd.set_addr.send("192.0.2.77".into()).unwrap();
    wait_for("value change session", || {
        acs.script.lock().unwrap().informs.len() >= 2
    })
    .await;
    let events = acs.script.lock().unwrap().event_codes(1);
    assert_eq!(events, ["4 VALUE CHANGE"]);
    assert!(cr_url(1).starts_with("http://192.0.2.77:"), "{}", cr_url(1));
    let _ = std::fs::remove_dir_all(&root);
}

/// The model's IP.Interface live state comes from netifd through the
/// agent: `ubus call cwmp get` on a root whose `network` has a DHCP `wan`
/// shows netifd's status and address, and a renewal's new address.
#[tokio::test]
async fn ip_interface_state_from_netifd_through_the_agent() {
    let broker = Broker::start("cwmp-ipstate");
    let netifd = ubus_broker::fake_netifd::fake_netifd(broker.socket()).await;
    let acs = ScriptedAcs::start(AcsScript::new(), Auth::None, None).await;
    let (_agent, root) = start_agent("ipstate", &broker, &acs, "");
    std::fs::write(
        root.join("etc/config/network"),
        "config interface 'wan'\n\toption device 'eth1'\n\toption proto 'dhcp'\n",
    )
    .unwrap();
    wait_for("first session", || {
        acs.script.lock().unwrap().sessions_completed >= 1
    })
    .await;
    let ubus = Client::connect(broker.socket()).await.unwrap();
    let get = |path: &'static str| {
        let ubus = ubus.clone();
        async move {
            let v = ubus
                .call(
                    "cwmp",
                    "get",
                    &BlobValue::table([("path", BlobValue::from(path))]),
                )
                .await
                .unwrap();
            v.get(path)
                .and_then(BlobValue::as_str)
                .map(str::to_string)
                .unwrap_or_default()
        }
    };
    assert_eq!(get("Device.IP.Interface.1.Status").await, "Up");
    assert_eq!(
        get("Device.IP.Interface.1.IPv4Address.1.IPAddress").await,
        "192.0.2.10"
    );
    netifd.set_addr.send("192.0.2.77".into()).unwrap();
    let mut seen = String::new();
    for _ in 0..100 {
        seen = get("Device.IP.Interface.1.IPv4Address.1.IPAddress").await;
        if seen == "192.0.2.77" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen, "192.0.2.77");
    let _ = std::fs::remove_dir_all(&root);
}

/// The `cwmp` object, once the agent has published it.
async fn object_ready(ubus: &Client) {
    for _ in 0..200 {
        if ubus.lookup("cwmp").await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the agent never published the cwmp object");
}

fn set_args(pairs: &[(&str, BlobValue)]) -> BlobValue {
    BlobValue::table([(
        "parameters",
        BlobValue::table(pairs.iter().map(|(k, v)| (k.to_string(), v.clone()))),
    )])
}

async fn get_value(ubus: &Client, name: &str) -> String {
    let values = ubus
        .call(
            "cwmp",
            "get",
            &BlobValue::table([("path", BlobValue::from(name))]),
        )
        .await
        .unwrap();
    values
        .get(name)
        .and_then(BlobValue::as_str)
        .unwrap_or_else(|| panic!("{name} missing in {values:?}"))
        .to_string()
}

/// `set`: applied through the data model's SetParameterValues transaction
/// into UCI (read back with the real `uci`); the ACS's ParameterKey stays;
/// a local change of an active-notification parameter (ProvisioningCode,
/// TR-181 forced active) opens a `4 VALUE CHANGE` session carrying it; and
/// a new ManagementServer.URL is picked up by the same reload an ACS SPV
/// triggers: the agent bootstraps at the new ACS.
#[tokio::test]
async fn set_applies_values_like_an_acs_spv() {
    let broker = Broker::start("cwmp-set");
    let mut script = AcsScript::new();
    script.push(AcsRequest::SetParameterValues(SetParameterValues {
        parameter_list: vec![ParameterValue::new(
            "Device.ManagementServer.PeriodicInformEnable",
            "false",
            ValueType::Boolean,
        )],
        parameter_key: "acs-key-7".into(),
    }));
    let acs = ScriptedAcs::start(script, Auth::None, None).await;
    let (_agent, root) = start_agent("set", &broker, &acs, "");
    wait_for("first session", || {
        acs.script.lock().unwrap().sessions_completed >= 1
    })
    .await;
    let ubus = Client::connect(broker.socket()).await.unwrap();
    object_ready(&ubus).await;

    let (status, replies) = ubus
        .call_with_status(
            "cwmp",
            "set",
            &set_args(&[
                // A number and a string: scripts may send either.
                (
                    "Device.ManagementServer.PeriodicInformInterval",
                    BlobValue::int(1234),
                ),
                ("Device.DeviceInfo.ProvisioningCode", "LOCAL-1".into()),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(status, Status::Ok, "{replies:?}");
    assert_eq!(
        replies[0].get("status").and_then(BlobValue::as_i64),
        Some(0)
    );

    let uci = real_uci::RealUci::locate();
    let conf = root.join("etc/config");
    let save = root.join("uci-save");
    std::fs::create_dir_all(&save).unwrap();
    for (key, want) in [
        ("cwmp.cpe.periodic_interval", "1234"),
        ("cwmp.cpe.provisioning_code", "LOCAL-1"),
    ] {
        let out = uci.run(&conf, &save, &["get", key]);
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), want, "{key}");
    }
    assert_eq!(
        get_value(&ubus, "Device.ManagementServer.ParameterKey").await,
        "acs-key-7",
        "a local set must leave the ACS's ParameterKey"
    );

    wait_for("value change session", || {
        acs.script.lock().unwrap().informs.len() >= 2
    })
    .await;
    {
        let s = acs.script.lock().unwrap();
        assert_eq!(s.event_codes(1), ["4 VALUE CHANGE"]);
        assert!(
            s.informs[1]
                .parameter_list
                .iter()
                .any(|p| p.name == "Device.DeviceInfo.ProvisioningCode" && p.value == "LOCAL-1"),
            "{:?}",
            s.informs[1].parameter_list
        );
    }

    // A new ACS URL set locally: the agent re-reads its configuration and
    // bootstraps there (TR-069 §3.7.1.5: BOOTSTRAP for a new ACS URL).
    let acs2 = ScriptedAcs::start(AcsScript::new(), Auth::None, None).await;
    let (status, replies) = ubus
        .call_with_status(
            "cwmp",
            "set",
            &set_args(&[("Device.ManagementServer.URL", acs2.url().into())]),
        )
        .await
        .unwrap();
    assert_eq!(status, Status::Ok, "{replies:?}");
    wait_for("session at the new ACS", || {
        !acs2.script.lock().unwrap().informs.is_empty()
    })
    .await;
    let events = acs2.script.lock().unwrap().event_codes(0);
    assert!(events.iter().any(|e| e == "0 BOOTSTRAP"), "{events:?}");
    let _ = std::fs::remove_dir_all(&root);
}

/// `set` is all or nothing: one bad value and one read-only parameter
/// among good ones → INVALID_ARGUMENT with fault 9003 and each refused
/// parameter's own code (9007, 9008), and the configuration files stay
/// byte-identical. Malformed arguments are refused with a message.
#[tokio::test]
async fn set_refuses_bad_values_and_changes_nothing() {
    let broker = Broker::start("cwmp-set-bad");
    let acs = ScriptedAcs::start(AcsScript::new(), Auth::None, None).await;
    let (_agent, root) = start_agent("setbad", &broker, &acs, "");
    wait_for("first session", || {
        acs.script.lock().unwrap().sessions_completed >= 1
    })
    .await;
    let ubus = Client::connect(broker.socket()).await.unwrap();
    object_ready(&ubus).await;
    let config = root.join("etc/config/cwmp");
    let before = std::fs::read(&config).unwrap();

    let (status, replies) = ubus
        .call_with_status(
            "cwmp",
            "set",
            &set_args(&[
                // Good on its own (the file says periodic_inform '0').
                (
                    "Device.ManagementServer.PeriodicInformEnable",
                    "true".into(),
                ),
                (
                    "Device.ManagementServer.PeriodicInformInterval",
                    "soon".into(),
                ),
                ("Device.DeviceInfo.Manufacturer", "Someone".into()),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(status, Status::InvalidArgument);
    let reply = &replies[0];
    assert_eq!(
        reply.get("fault_code").and_then(BlobValue::as_i64),
        Some(9003)
    );
    let faults: Vec<(String, i64)> = reply
        .get("faults")
        .and_then(BlobValue::as_array)
        .unwrap()
        .iter()
        .map(|f| {
            (
                f.get("parameter")
                    .and_then(BlobValue::as_str)
                    .unwrap()
                    .to_string(),
                f.get("fault_code").and_then(BlobValue::as_i64).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        faults,
        [
            (
                "Device.ManagementServer.PeriodicInformInterval".to_string(),
                9007
            ),
            ("Device.DeviceInfo.Manufacturer".to_string(), 9008),
        ]
    );
    assert_eq!(std::fs::read(&config).unwrap(), before);
    assert_eq!(
        get_value(&ubus, "Device.ManagementServer.PeriodicInformEnable").await,
        "false"
    );

    for (args, what) in [
        (BlobValue::empty_table(), "no parameters"),
        (
            BlobValue::table([("parameters", BlobValue::from("Device.X=1"))]),
            "parameters not a table",
        ),
        (set_args(&[]), "empty table"),
        (
            set_args(&[(
                "Device.ManagementServer.PeriodicInformEnable",
                BlobValue::table([("x", BlobValue::from(1))]),
            )]),
            "a table as a value",
        ),
    ] {
        let (status, replies) = ubus.call_with_status("cwmp", "set", &args).await.unwrap();
        assert_eq!(status, Status::InvalidArgument, "{what}");
        let message = replies[0].get("error").and_then(BlobValue::as_str);
        assert!(
            message.is_some_and(|m| !m.is_empty()),
            "{what}: {replies:?}"
        );
    }
    assert_eq!(std::fs::read(&config).unwrap(), before);
    let _ = std::fs::remove_dir_all(&root);
}

/// `cwmpd show status` as a child process; async because the broker runs
/// on this test's runtime and must keep answering meanwhile.
async fn show_status(
    root: &std::path::Path,
    socket: &std::path::Path,
    json: bool,
) -> std::process::Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_cwmpd"));
    cmd.arg("--root")
        .arg(root)
        .arg("--ubus")
        .arg(socket)
        .args(["show", "status"]);
    if json {
        cmd.arg("--json");
    }
    cmd.output().await.unwrap()
}

/// `cwmpd show status`: the running agent's snapshot for a person, and the
/// same data as JSON for scripts; exit 3 with a clear message when the
/// agent is not there.
#[tokio::test]
async fn show_status_reads_the_running_agent() {
    let broker = Broker::start("cwmp-show");
    let acs = ScriptedAcs::start(AcsScript::new(), Auth::None, None).await;

    // Before the agent runs: ubusd there, no cwmp object.
    let idle = std::env::temp_dir().join(format!("cwmpd-show-idle-{}", std::process::id()));
    std::fs::create_dir_all(idle.join("etc/config")).unwrap();
    std::fs::write(
        idle.join("etc/config/cwmp"),
        "config cwmp 'cwmp'\n\toption enable '0'\n",
    )
    .unwrap();
    let out = show_status(&idle, broker.socket(), false).await;
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim(),
        "cwmpd is not running (no ubus object cwmp); it is disabled: cwmp.cwmp.enable is 0"
    );
    assert!(out.stdout.is_empty());
    // No ubusd at all.
    let out = show_status(&idle, &idle.join("no-ubus.sock"), true).await;
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("cwmpd is not running (ubus at ")
            && err.contains("no-ubus.sock not reachable"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&idle);

    let (agent, root) = start_agent("show", &broker, &acs, "");
    wait_for("first session", || {
        acs.script.lock().unwrap().sessions_completed >= 1
    })
    .await;
    let ubus = Client::connect(broker.socket()).await.unwrap();
    object_ready(&ubus).await;
    // The snapshot is updated right after the session's end is recorded.
    let mut text = String::new();
    for _ in 0..100 {
        let out = show_status(&root, broker.socket(), false).await;
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        text = String::from_utf8(out.stdout).unwrap();
        if text.contains("Sessions succeeded     : 1\n") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let field = |label: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(label))
            .and_then(|rest| rest.trim_start().strip_prefix(": "))
            .unwrap_or_else(|| panic!("{label} missing in\n{text}"))
            .to_string()
    };
    assert_eq!(field("CWMP status"), "enable");
    assert_eq!(field("ACS URL "), acs.url());
    assert_eq!(field("ACS URL source"), "configuration (cwmp.acs.url)");
    assert!(field("Connection Request URL").starts_with("http://127.0.0.1:"));
    assert!(field("Last session end").ends_with(" ago)"), "{text}");
    assert_eq!(field("Last session result"), "success");
    assert_eq!(field("Next periodic inform"), "not scheduled");
    assert_eq!(field("Retry count"), "0");
    assert_eq!(field("Pending events"), "none");
    assert_eq!(field("Sessions succeeded"), "1");
    assert_eq!(field("Sessions failed"), "0");
    assert_eq!(field("Transfers"), "none");
    assert_eq!(field("Last transfer"), "none");
    assert_eq!(text.lines().count(), 15, "{text}");

    let out = show_status(&root, broker.socket(), true).await;
    assert_eq!(out.status.code(), Some(0));
    let parsed = json::parse(&String::from_utf8(out.stdout).unwrap()).unwrap();
    let live = ubus
        .call("cwmp", "status", &BlobValue::empty_table())
        .await
        .unwrap();
    assert_eq!(
        parsed, live,
        "--json is the agent's snapshot as ubus gives it"
    );

    // The agent stops: not running again.
    drop(agent);
    let mut code = None;
    for _ in 0..100 {
        code = show_status(&root, broker.socket(), false)
            .await
            .status
            .code();
        if code == Some(3) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(code, Some(3));
    let _ = std::fs::remove_dir_all(&root);
}
