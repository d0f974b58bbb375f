//! The agent's ubus object `cwmp`, called through the project's ubus
//! client over a broker that follows ubusd's wire protocol (ubusd itself
//! is not installable here). The agent is the real `cwmpd` binary.

mod acs;
mod ubus_broker;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use acs::http::Auth;
use acs::script::AcsScript;
use acs::scripted::ScriptedAcs;
use cwmpd::backend::ubus::{BlobValue, Client};
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
