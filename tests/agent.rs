//! The agent binary on a scratch root against the scripted test ACS, over
//! loopback HTTP (issue: agent runtime). Each test starts `cwmpd --root DIR`
//! as a real process, so persistence is tested across real restarts and
//! `kill -9`.

mod acs;
mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use acs::http::Auth;
use acs::script::{set_notification, AcsScript, Answer};
use acs::scripted::ScriptedAcs as TestAcs;
use cwmpd::cwmp::rpc::parameters::{GetParameterValues, ParameterValue, SetParameterValues};
use cwmpd::cwmp::xsd::ValueType;
use cwmpd::cwmp::{AcsRequest, CpeResponse};
use cwmpd::transport::digest::Algorithm;

struct Root(PathBuf);

impl Drop for Root {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(name: &str) -> Root {
    let dir = std::env::temp_dir().join(format!("cwmpd-agent-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("etc/config")).unwrap();
    Root(dir)
}

/// The shipped default config with the test's values filled in.
fn write_config(root: &Path, acs_url: &str, extra_cpe: &str) {
    let text = format!(
        "config cwmp 'cwmp'\n\toption enable '1'\n\toption log_level 'debug'\n\n\
         config acs 'acs'\n\toption url '{acs_url}'\n\toption username 'cpe1'\n\toption password 'secret1'\n\n\
         config cpe 'cpe'\n\toption username 'acs'\n\toption password 'crpass'\n\toption port '0'\n\
         \toption periodic_inform '0'\n\toption retry_min_wait '1'\n\toption retry_multiplier '1000'\n{extra_cpe}"
    );
    std::fs::write(root.join("etc/config/cwmp"), text).unwrap();
}

struct Agent(Child);

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_agent(root: &Path) -> Agent {
    Agent(
        Command::new(env!("CARGO_BIN_EXE_cwmpd"))
            .arg("--root")
            .arg(root)
            .arg("run")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start cwmpd"),
    )
}

async fn wait_for(what: &str, secs: u64, mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Writes each SOAP message to target/cwmp-e2e/<tag>/NN.xml and checks it
/// with ../shared/spec/validate.sh (official BBF XSDs, xmllint + xsltproc).
fn validate_wire(messages: &[Vec<u8>], tag: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/cwmp-e2e/{tag}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/spec/validate.sh");
    assert!(messages.len() >= 2, "no messages recorded");
    let mut failed = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let file = dir.join(format!("{i:02}.xml"));
        std::fs::write(&file, m).unwrap();
        let out = Command::new("sh")
            .arg(script)
            .arg(&file)
            .output()
            .expect("validate.sh");
        if !out.status.success() {
            failed.push(format!(
                "{}: {}",
                file.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "XSD-invalid messages:\n{}",
        failed.join("\n")
    );
}

fn events(acs: &TestAcs, n: usize) -> Vec<String> {
    acs.script.lock().unwrap().event_codes(n)
}

#[tokio::test]
async fn bootstrap_session_then_boot_only_after_restart() {
    let root = scratch("bootstrap");
    let mut script = AcsScript::new();
    script.push(AcsRequest::GetParameterValues(GetParameterValues {
        parameter_names: vec!["Device.ManagementServer.".into()],
    }));
    let acs = TestAcs::start(
        script,
        Auth::Digest {
            user: "cpe1".into(),
            pass: "secret1".into(),
            algorithms: vec![Algorithm::Md5],
        },
        None,
    )
    .await;
    write_config(&root.0, &acs.url(), "");
    let agent = start_agent(&root.0);
    wait_for("first session", 20, || {
        acs.script.lock().unwrap().sessions_completed >= 1
    })
    .await;
    let first = events(&acs, 0);
    assert!(
        first.contains(&"0 BOOTSTRAP".to_string()) && first.contains(&"1 BOOT".to_string()),
        "{first:?}"
    );
    {
        let s = acs.script.lock().unwrap();
        let Some((_, Answer::Response(CpeResponse::GetParameterValues(r)))) = s.answers.first()
        else {
            panic!("no GPV answer: {:?}", s.transcript)
        };
        let url = r
            .parameter_list
            .iter()
            .find(|p| p.name == "Device.ManagementServer.URL")
            .unwrap();
        assert_eq!(url.value, acs.url());
        let pw = r
            .parameter_list
            .iter()
            .find(|p| p.name == "Device.ManagementServer.Password")
            .unwrap();
        assert_eq!(pw.value, "", "passwords read back empty");
    }
    assert_eq!(
        acs.server.connections(),
        1,
        "one connection for the whole session"
    );
    let seen = acs.server.seen();
    assert!(
        seen.iter().any(|s| !s.authorized),
        "digest challenge happened"
    );
    let cookies = acs.authorized_cookies();
    assert!(
        cookies.len() >= 3 && cookies.iter().skip(1).all(|c| c.is_some()),
        "cookie echoed: {cookies:?}"
    );
    // The ACS counts the session at its 204; the agent records the
    // bootstrap right after. Killed before that, it would (rightly) send
    // BOOTSTRAP again, so wait for the record.
    let state = root.0.join("etc/cwmpd/state");
    wait_for("bootstrap recorded", 10, || {
        std::fs::read_to_string(&state).is_ok_and(|s| s.contains("bootstrapped_url"))
    })
    .await;
    drop(agent);

    // Restart: BOOT but no BOOTSTRAP (the URL was bootstrapped).
    let _agent = start_agent(&root.0);
    wait_for("second session", 20, || {
        acs.script.lock().unwrap().sessions_completed >= 2
    })
    .await;
    assert_eq!(events(&acs, 1), ["1 BOOT"]);
}

#[tokio::test]
async fn acs_sets_a_new_url_and_the_next_session_bootstraps_there() {
    let root = scratch("newurl");
    let acs2 = TestAcs::start(AcsScript::new(), Auth::None, None).await;
    let mut script = AcsScript::new();
    script.push(AcsRequest::SetParameterValues(SetParameterValues {
        parameter_list: vec![ParameterValue::new(
            "Device.ManagementServer.URL",
            acs2.url(),
            ValueType::String,
        )],
        parameter_key: "move-1".into(),
    }));
    let acs1 = TestAcs::start(script, Auth::None, None).await;
    write_config(&root.0, &acs1.url(), "");
    let _agent = start_agent(&root.0);
    wait_for("session on the new ACS", 20, || {
        !acs2.script.lock().unwrap().informs.is_empty()
    })
    .await;
    let ev = events(&acs2, 0);
    assert!(ev.contains(&"0 BOOTSTRAP".to_string()), "{ev:?}");
    let config = std::fs::read_to_string(root.0.join("etc/config/cwmp")).unwrap();
    assert!(
        config.contains(&acs2.url()),
        "URL written to UCI:\n{config}"
    );
    let inform = acs2.script.lock().unwrap().informs[0].clone();
    let key = inform
        .parameter_list
        .iter()
        .find(|p| p.name == "Device.ManagementServer.ParameterKey")
        .unwrap();
    assert_eq!(key.value, "move-1");
}

#[tokio::test]
async fn bad_set_parameter_values_changes_nothing() {
    let root = scratch("badspv");
    let mut script = AcsScript::new();
    script.push(AcsRequest::SetParameterValues(SetParameterValues {
        parameter_list: vec![
            ParameterValue::new(
                "Device.ManagementServer.PeriodicInformInterval",
                "0",
                ValueType::UnsignedInt,
            ),
            ParameterValue::new(
                "Device.ManagementServer.Username",
                "someone",
                ValueType::String,
            ),
            ParameterValue::new("Device.DeviceInfo.SerialNumber", "X", ValueType::String),
        ],
        parameter_key: "k".into(),
    }));
    let acs = TestAcs::start(script, Auth::None, None).await;
    write_config(&root.0, &acs.url(), "");
    let before = std::fs::read_to_string(root.0.join("etc/config/cwmp")).unwrap();
    let _agent = start_agent(&root.0);
    wait_for("session", 20, || {
        acs.script.lock().unwrap().sessions_completed >= 1
    })
    .await;
    let s = acs.script.lock().unwrap();
    let Some((_, Answer::Fault(f))) = s.answers.first() else {
        panic!("{:?}", s.transcript)
    };
    assert_eq!(f.fault_code.0, 9003);
    let codes: Vec<(String, u32)> = f
        .set_parameter_values_faults
        .iter()
        .map(|p| (p.parameter_name.clone(), p.fault_code.0))
        .collect();
    assert_eq!(
        codes,
        [
            (
                "Device.ManagementServer.PeriodicInformInterval".to_string(),
                9007
            ),
            ("Device.DeviceInfo.SerialNumber".to_string(), 9008)
        ]
    );
    assert_eq!(
        std::fs::read_to_string(root.0.join("etc/config/cwmp")).unwrap(),
        before
    );
}

#[tokio::test]
async fn acs_down_retries_with_back_off_and_keeps_events() {
    let root = scratch("retry");
    // A port with nothing listening: bind, note it, close.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}/acs", dead.local_addr().unwrap());
    drop(dead);
    write_config(&root.0, &dead_url, "");
    let _agent = start_agent(&root.0);
    let state = root.0.join("etc/cwmpd/state");
    wait_for("two failed attempts", 20, || {
        std::fs::read_to_string(&state).is_ok_and(|s| s.contains("retry_count\t2"))
    })
    .await;
    let text = std::fs::read_to_string(&state).unwrap();
    assert!(
        text.contains("event\t0 BOOTSTRAP"),
        "undelivered events kept:\n{text}"
    );
}

#[tokio::test]
async fn kill_9_mid_session_resends_the_events() {
    let root = scratch("kill9");
    let mut script = AcsScript::new();
    script.push(AcsRequest::GetRpcMethods);
    let acs = TestAcs::start(script, Auth::None, None).await;
    write_config(&root.0, &acs.url(), "");
    // First run: the Inform arrives and is never answered; kill -9 then.
    acs.stall.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut agent = start_agent(&root.0);
    wait_for("stalled Inform", 20, || !acs.server.seen().is_empty()).await;
    agent.0.kill().unwrap(); // SIGKILL: no clean-up runs
    agent.0.wait().unwrap();

    // Second run, same ACS, now answering: the undelivered BOOTSTRAP is
    // sent again together with the new BOOT.
    acs.stall.store(false, std::sync::atomic::Ordering::SeqCst);
    let _agent = start_agent(&root.0);
    wait_for("session after restart", 20, || {
        acs.script.lock().unwrap().sessions_completed >= 1
    })
    .await;
    let s = acs.script.lock().unwrap();
    let ev = s.event_codes(s.informs.len() - 1);
    assert!(
        ev.contains(&"0 BOOTSTRAP".to_string()) && ev.contains(&"1 BOOT".to_string()),
        "{ev:?}"
    );
    drop(s);
    let state = std::fs::read_to_string(root.0.join("etc/cwmpd/state")).unwrap();
    assert!(
        !state.contains("event\t0 BOOTSTRAP"),
        "delivered events forgotten:\n{state}"
    );
}

/// The ConnectionRequestURL the CPE announced in its last Inform.
fn cr_url(acs: &TestAcs) -> String {
    let s = acs.script.lock().unwrap();
    let inform = s.informs.last().expect("an Inform");
    inform
        .parameter_list
        .iter()
        .find(|p| p.name == "Device.ManagementServer.ConnectionRequestURL")
        .map(|p| p.value.clone())
        .expect("ConnectionRequestURL in the Inform")
}

fn curl_status(args: &[&str]) -> String {
    let out = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "10",
        ])
        .args(args)
        .output()
        .expect("curl runs (installed by .ci/deps)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn connection_request_by_curl_starts_a_session() {
    let root = scratch("cr");
    let acs = TestAcs::start(AcsScript::new(), Auth::None, None).await;
    write_config(&root.0, &acs.url(), "");
    let _agent = start_agent(&root.0);
    wait_for("first session", 20, || {
        acs.script.lock().unwrap().sessions_completed >= 1
    })
    .await;
    let url = cr_url(&acs);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(
        url.len() > "http://127.0.0.1:1/".len() + 16,
        "random path: {url}"
    );

    // Wrong password: 401 and no session.
    let bad = curl_status(&["--digest", "-u", "acs:wrong", &url]);
    assert_eq!(bad, "401");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        acs.script.lock().unwrap().informs.len(),
        1,
        "no session after a refused request"
    );

    // Right password (configured cwmp.cpe.username/password): 200 and a
    // session with 6 CONNECTION REQUEST.
    let started = Instant::now();
    let good = tokio::task::spawn_blocking({
        let url = url.clone();
        move || curl_status(&["--digest", "-u", "acs:crpass", &url])
    })
    .await
    .unwrap();
    assert_eq!(good, "200");
    wait_for("CR session", 20, || {
        acs.script.lock().unwrap().informs.len() >= 2
    })
    .await;
    let ev = events(&acs, 1);
    assert_eq!(
        ev,
        ["6 CONNECTION REQUEST"],
        "after {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn tls_session_checks_the_ca_and_the_host_name() {
    use acs::http::tls_config;
    use acs::pki::Ca;
    let root = scratch("tls");
    let ca = Ca::new("cwmpd test CA");
    let leaf = ca.server(&["localhost"]);
    let server_tls = tls_config(vec![leaf.der.clone()], leaf.key(), None);
    std::fs::create_dir_all(root.0.join("etc/ssl")).unwrap();
    ca.write(&root.0.join("etc/ssl"), "acs-ca.pem");
    let acs = TestAcs::start(AcsScript::new(), Auth::None, Some(server_tls)).await;
    let ca_option = "\toption ca_file '/etc/ssl/acs-ca.pem'\n";

    // Right CA, right name: a session.
    let url = acs.url_with_host("localhost");
    write_config(&root.0, &url, "");
    let mut cfg = std::fs::read_to_string(root.0.join("etc/config/cwmp")).unwrap();
    cfg = cfg.replace(
        "config acs 'acs'\n",
        &format!("config acs 'acs'\n{ca_option}"),
    );
    std::fs::write(root.0.join("etc/config/cwmp"), &cfg).unwrap();
    let agent = start_agent(&root.0);
    wait_for("TLS session", 20, || {
        acs.script.lock().unwrap().sessions_completed >= 1
    })
    .await;
    drop(agent);

    // Same server reached by IP: the name does not match → no session.
    let by_ip = cfg.replace(&url, &acs.url());
    std::fs::write(root.0.join("etc/config/cwmp"), by_ip).unwrap();
    let state = root.0.join("etc/cwmpd/state");
    let agent = start_agent(&root.0);
    wait_for("failed attempt (host name)", 20, || {
        std::fs::read_to_string(&state).is_ok_and(|s| s.contains("retry_count\t1"))
    })
    .await;
    drop(agent);
    assert_eq!(acs.script.lock().unwrap().informs.len(), 1);

    // Another CA: no session either.
    let other = Ca::new("someone else");
    other.write(&root.0.join("etc/ssl"), "acs-ca.pem");
    std::fs::write(root.0.join("etc/config/cwmp"), &cfg).unwrap();
    let _ = std::fs::remove_file(&state);
    let _agent = start_agent(&root.0);
    wait_for("failed attempt (CA)", 20, || {
        std::fs::read_to_string(&state).is_ok_and(|s| s.contains("retry_count\t1"))
    })
    .await;
    assert_eq!(acs.script.lock().unwrap().informs.len(), 1);
}

#[tokio::test]
async fn schedule_inform_survives_a_restart_and_reports_its_command_key() {
    use cwmpd::cwmp::rpc::control::ScheduleInform;
    let root = scratch("schedinf");
    let mut script = AcsScript::new();
    script.push(AcsRequest::ScheduleInform(ScheduleInform {
        delay_seconds: 2,
        command_key: "si-7".into(),
    }));
    let acs = TestAcs::start(script, Auth::None, None).await;
    write_config(&root.0, &acs.url(), "");
    let agent = start_agent(&root.0);
    let state = root.0.join("etc/cwmpd/state");
    wait_for("ScheduleInform recorded", 20, || {
        std::fs::read_to_string(&state)
            .is_ok_and(|s| s.contains("schedule_inform\t") && s.contains("\tsi-7"))
    })
    .await;
    drop(agent); // killed before the time comes
    let _agent = start_agent(&root.0);
    wait_for("scheduled session", 20, || {
        acs.script.lock().unwrap().informs.iter().any(|i| {
            i.events
                .iter()
                .any(|e| e.event_code.as_str() == "M ScheduleInform" && e.command_key == "si-7")
        })
    })
    .await;
    let s = acs.script.lock().unwrap();
    let inform = s
        .informs
        .iter()
        .find(|i| {
            i.events
                .iter()
                .any(|e| e.event_code.as_str() == "M ScheduleInform")
        })
        .unwrap();
    assert!(inform
        .events
        .iter()
        .any(|e| e.event_code.as_str() == "3 SCHEDULED"));
}

/// `cwmp.cpe.schedule_time` (the vendor's one-shot connection): one
/// `3 SCHEDULED` session when the time comes, and never again for that
/// time — not after a restart, not after a reload; a new time fires once.
#[tokio::test]
async fn schedule_time_fires_once_across_restart_and_reload() {
    use cwmpd::cwmp::xsd::DateTime;
    let root = scratch("schedtime");
    let acs = TestAcs::start(AcsScript::new(), Auth::None, None).await;
    let at = |secs_from_now: i64| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        format!(
            "\toption schedule_time '{}'\n",
            DateTime::from_unix(now + secs_from_now)
        )
    };
    let scheduled = |acs: &TestAcs| {
        acs.script
            .lock()
            .unwrap()
            .informs
            .iter()
            .filter(|i| {
                i.events
                    .iter()
                    .any(|e| e.event_code.as_str() == "3 SCHEDULED")
            })
            .count()
    };
    write_config(&root.0, &acs.url(), &at(2));
    let agent = start_agent(&root.0);
    wait_for("scheduled session", 20, || scheduled(&acs) == 1).await;
    let state = root.0.join("etc/cwmpd/state");
    // Killed only once the event was delivered (InformResponse) and the
    // served time saved: an undelivered 3 SCHEDULED would rightly be sent
    // again after the restart.
    wait_for("served time recorded, event delivered", 10, || {
        std::fs::read_to_string(&state)
            .is_ok_and(|s| s.contains("schedule_time_done\t") && !s.contains("3 SCHEDULED"))
    })
    .await;
    drop(agent);
    let before = acs.script.lock().unwrap().informs.len();

    // Restart with the time now in the past: a BOOT session, no SCHEDULED.
    let agent = start_agent(&root.0);
    wait_for("boot session", 20, || {
        acs.script.lock().unwrap().informs.len() > before
    })
    .await;
    assert_eq!(events(&acs, before), ["1 BOOT"]);
    // A reload (SIGHUP) with the same time changes nothing either.
    let pid = agent.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap()
        .success());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(scheduled(&acs), 1);
    // A new time fires once more.
    write_config(&root.0, &acs.url(), &at(1));
    assert!(Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap()
        .success());
    wait_for("second scheduled session", 20, || scheduled(&acs) == 2).await;
}

#[tokio::test]
async fn reboot_then_boot_and_m_reboot_with_the_command_key() {
    use cwmpd::cwmp::rpc::control::Reboot;
    let root = scratch("reboot");
    let mut script = AcsScript::new();
    script.push(AcsRequest::Reboot(Reboot {
        command_key: "rb-1".into(),
    }));
    let acs = TestAcs::start(script, Auth::None, None).await;
    write_config(&root.0, &acs.url(), "");
    let mut agent = start_agent(&root.0);
    // The device goes down after the session: the process ends by itself.
    let end = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(st) = agent.0.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < end, "agent did not stop for the reboot");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success());
    let log = std::fs::read_to_string(root.0.join("var/log/cwmpd-system.log")).unwrap();
    assert_eq!(log, "reboot\n");
    // "Power on": 1 BOOT and M Reboot with the CommandKey.
    let _agent = start_agent(&root.0);
    wait_for("session after reboot", 20, || {
        acs.script.lock().unwrap().informs.len() >= 2
    })
    .await;
    let s = acs.script.lock().unwrap();
    let ev: Vec<(String, String)> = s.informs[1]
        .events
        .iter()
        .map(|e| (e.event_code.to_string(), e.command_key.clone()))
        .collect();
    assert!(ev.contains(&("1 BOOT".into(), String::new())), "{ev:?}");
    assert!(ev.contains(&("M Reboot".into(), "rb-1".into())), "{ev:?}");
    assert!(!ev.iter().any(|(c, _)| c == "0 BOOTSTRAP"), "{ev:?}");
}

#[tokio::test]
async fn factory_reset_comes_back_with_bootstrap() {
    let root = scratch("factory");
    let mut script = AcsScript::new();
    script.push(AcsRequest::FactoryReset);
    let acs = TestAcs::start(script, Auth::None, None).await;
    write_config(&root.0, &acs.url(), "");
    let mut agent = start_agent(&root.0);
    let end = Instant::now() + Duration::from_secs(20);
    while agent.0.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < end,
            "agent did not stop for the factory reset"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let log = std::fs::read_to_string(root.0.join("var/log/cwmpd-system.log")).unwrap();
    assert_eq!(log, "factory-reset\n");
    let _agent = start_agent(&root.0);
    wait_for("session after reset", 20, || {
        acs.script.lock().unwrap().informs.len() >= 2
    })
    .await;
    let ev = events(&acs, 1);
    assert!(
        ev.contains(&"0 BOOTSTRAP".to_string()) && ev.contains(&"1 BOOT".to_string()),
        "{ev:?}"
    );
}

/// The agent on the data-model engine (src/model/): GPN/GPV of the whole
/// tree, an SPV across `cwmp` and `system`, a bad SPV that changes
/// nothing, SPA/GPA, and across a restart the ParameterKey in the Inform
/// and the attribute kept in the state file.
#[tokio::test]
async fn data_model_session_over_two_packages_and_a_restart() {
    use cwmpd::cwmp::rpc::attributes::{GetParameterAttributes, Notification};
    use cwmpd::cwmp::rpc::objects::{AddObject, DeleteObject};
    use cwmpd::cwmp::rpc::parameters::GetParameterNames;

    let root = scratch("model");
    std::fs::create_dir_all(root.0.join("proc")).unwrap();
    std::fs::write(root.0.join("proc/uptime"), "4242.10 8000.00\n").unwrap();
    std::fs::write(
        root.0.join("proc/meminfo"),
        "MemTotal:  249664 kB\nMemFree:  151208 kB\n",
    )
    .unwrap();
    std::fs::write(root.0.join("proc/stat"), "cpu  10 0 10 70 10 0 0 0 0 0\n").unwrap();
    std::fs::write(
        root.0.join("etc/config/system"),
        "config system\n\toption hostname 'OpenWrt'\n\toption timezone 'UTC'\n\n\
         config timeserver 'ntp'\n\toption enabled '1'\n",
    )
    .unwrap();
    std::fs::write(
        root.0.join("etc/config/network"),
        "config interface 'lan'\n\toption proto 'static'\n\toption ipaddr '192.168.1.1'\n\toption netmask '255.255.255.0'\n",
    )
    .unwrap();
    let tz = "Device.Time.LocalTimeZone";
    let mut script = AcsScript::new();
    script
        .push(AcsRequest::GetParameterNames(GetParameterNames {
            parameter_path: "Device.".into(),
            next_level: false,
        }))
        .push(AcsRequest::GetParameterValues(GetParameterValues {
            parameter_names: vec!["Device.".into()],
        }))
        .push(AcsRequest::SetParameterValues(SetParameterValues {
            parameter_list: vec![
                ParameterValue::new(
                    "Device.DeviceInfo.ProvisioningCode",
                    "PC-2",
                    ValueType::String,
                ),
                ParameterValue::new(tz, "CET-1CEST,M3.5.0,M10.5.0/3", ValueType::String),
            ],
            parameter_key: "two-pkgs".into(),
        }))
        .push(AcsRequest::SetParameterValues(SetParameterValues {
            parameter_list: vec![
                ParameterValue::new(tz, "EST5", ValueType::String),
                ParameterValue::new("Device.ManagementServer.URL", "ftp://x/", ValueType::String),
            ],
            parameter_key: "bad".into(),
        }))
        .push(set_notification(tz, Notification::PASSIVE))
        .push(AcsRequest::AddObject(AddObject {
            object_name: "Device.IP.Interface.".into(),
            parameter_key: "add".into(),
        }))
        .push(AcsRequest::SetParameterValues(SetParameterValues {
            parameter_list: vec![ParameterValue::new(
                "Device.IP.Interface.2.MaxMTUSize",
                "1400",
                ValueType::UnsignedInt,
            )],
            parameter_key: "mtu".into(),
        }))
        .push(AcsRequest::DeleteObject(DeleteObject {
            object_name: "Device.IP.Interface.2.".into(),
            parameter_key: "two-pkgs".into(),
        }));
    let acs = TestAcs::start(script, Auth::None, None).await;
    write_config(&root.0, &acs.url(), "");
    let agent = start_agent(&root.0);
    wait_for("first session", 20, || {
        acs.script.lock().unwrap().sessions_completed >= 1
    })
    .await;
    {
        let s = acs.script.lock().unwrap();
        let [(_, gpn), (_, gpv), (_, good), (_, bad), (_, spa), (_, add), (_, mtu), (_, del)] =
            &s.answers[..]
        else {
            panic!("{:?}", s.transcript)
        };
        let Answer::Response(CpeResponse::GetParameterNames(gpn)) = gpn else {
            panic!("{gpn:?}")
        };
        let Answer::Response(CpeResponse::GetParameterValues(gpv)) = gpv else {
            panic!("{gpv:?}")
        };
        let names: Vec<&str> = gpn
            .parameter_list
            .iter()
            .map(|p| p.name.as_str())
            .filter(|n| !n.ends_with('.'))
            .collect();
        let valued: Vec<&str> = gpv.parameter_list.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names, valued,
            "GPN and GPV of Device. list the same parameters"
        );
        let value = |n: &str| {
            gpv.parameter_list
                .iter()
                .find(|p| p.name == n)
                .map(|p| p.value.clone())
                .unwrap_or_else(|| panic!("{n} missing"))
        };
        assert_eq!(value("Device.DeviceInfo.UpTime"), "4242");
        assert_eq!(value("Device.ManagementServer.URL"), acs.url());
        assert_eq!(value("Device.ManagementServer.Password"), "");
        assert_eq!(value(tz), "UTC");
        assert!(
            matches!(good, Answer::Response(CpeResponse::SetParameterValues(_))),
            "{good:?}"
        );
        let Answer::Fault(f) = bad else {
            panic!("{bad:?}")
        };
        assert_eq!(f.fault_code.0, 9003);
        assert_eq!(f.set_parameter_values_faults.len(), 1, "{f:?}");
        assert_eq!(
            f.set_parameter_values_faults[0].parameter_name,
            "Device.ManagementServer.URL"
        );
        assert!(
            matches!(spa, Answer::Response(CpeResponse::SetParameterAttributes)),
            "{spa:?}"
        );
        let Answer::Response(CpeResponse::AddObject(add)) = add else {
            panic!("{add:?}")
        };
        assert_eq!(add.instance_number, 2);
        assert!(
            matches!(mtu, Answer::Response(CpeResponse::SetParameterValues(_))),
            "{mtu:?}"
        );
        assert!(
            matches!(del, Answer::Response(CpeResponse::DeleteObject(_))),
            "{del:?}"
        );
        // The deleted section is gone, lan is untouched.
        let network = std::fs::read_to_string(root.0.join("etc/config/network")).unwrap();
        assert!(
            !network.contains("cwmp1") && network.contains("192.168.1.1"),
            "{network}"
        );
    }
    let system = std::fs::read_to_string(root.0.join("etc/config/system")).unwrap();
    assert!(system.contains("CET-1CEST,M3.5.0,M10.5.0/3"), "{system}");
    assert!(!system.contains("EST5"), "the bad SPV wrote:\n{system}");
    let cwmp = std::fs::read_to_string(root.0.join("etc/config/cwmp")).unwrap();
    assert!(cwmp.contains("PC-2") && !cwmp.contains("ftp://"), "{cwmp}");
    // The real libuci `uci` reads both packages as the agent wrote them,
    // with nothing left pending.
    let uci = common::real_uci::RealUci::locate();
    let (conf, save) = (root.0.join("etc/config"), root.0.join("tmp/.uci"));
    let got = |what: &str| uci.ok(&conf, &save, &["get", what]).trim().to_string();
    assert_eq!(
        got("system.@system[0].timezone"),
        "CET-1CEST,M3.5.0,M10.5.0/3"
    );
    assert_eq!(got("cwmp.cpe.provisioning_code"), "PC-2");
    assert_eq!(got("cwmp.acs.url"), acs.url());
    assert_eq!(got("network.lan.ipaddr"), "192.168.1.1");
    assert_eq!(uci.ok(&conf, &save, &["changes"]), "");
    // Every message of the session, both ways, against the official XSD.
    validate_wire(&acs.script.lock().unwrap().wire, "data-model");

    // Restart: the ParameterKey and the attribute come back from the state file.
    drop(agent);
    let before = acs.script.lock().unwrap().sessions_completed;
    assert_eq!(
        before, 1,
        "one session only (no second BOOTSTRAP after the SPV)"
    );
    acs.script
        .lock()
        .unwrap()
        .push(AcsRequest::GetParameterAttributes(GetParameterAttributes {
            parameter_names: vec![tz.into()],
        }));
    let _agent = start_agent(&root.0);
    wait_for("second session", 20, || {
        acs.script.lock().unwrap().sessions_completed >= 2
    })
    .await;
    let s = acs.script.lock().unwrap();
    let inform = s.informs.last().unwrap();
    let param = |n: &str| {
        inform
            .parameter_list
            .iter()
            .find(|p| p.name == n)
            .map(|p| p.value.clone())
    };
    assert_eq!(
        param("Device.ManagementServer.ParameterKey").as_deref(),
        Some("two-pkgs")
    );
    assert_eq!(
        param("Device.DeviceInfo.ProvisioningCode").as_deref(),
        Some("PC-2")
    );
    let Some((_, Answer::Response(CpeResponse::GetParameterAttributes(gpa)))) = s.answers.last()
    else {
        panic!("{:?}", s.transcript)
    };
    assert_eq!(gpa.parameter_list.len(), 1);
    assert_eq!(gpa.parameter_list[0].notification, Notification::PASSIVE);
}

/// SetParameterAttributes notification 2 (active) on Device.Time.LocalTimeZone,
/// then a change behind the ACS's back (`/etc/config/system` edited): the
/// agent opens a session with `4 VALUE CHANGE` and the new value.
#[tokio::test]
async fn active_notification_reports_a_value_change() {
    use cwmpd::cwmp::rpc::attributes::Notification;

    let root = scratch("valuechange");
    let system = root.0.join("etc/config/system");
    std::fs::write(&system, "config system\n\toption timezone 'UTC'\n").unwrap();
    let tz = "Device.Time.LocalTimeZone";
    let mut script = AcsScript::new();
    script.push(set_notification(tz, Notification::ACTIVE));
    let acs = TestAcs::start(script, Auth::None, None).await;
    write_config(&root.0, &acs.url(), "");
    let _agent = start_agent(&root.0);
    wait_for("first session", 20, || {
        acs.script.lock().unwrap().sessions_completed >= 1
    })
    .await;
    std::fs::write(&system, "config system\n\toption timezone 'CET-1'\n").unwrap();
    wait_for("value-change session", 20, || {
        acs.script.lock().unwrap().sessions_completed >= 2
    })
    .await;
    assert!(
        events(&acs, 1).contains(&"4 VALUE CHANGE".to_string()),
        "{:?}",
        events(&acs, 1)
    );
    let s = acs.script.lock().unwrap();
    let changed = s.informs[1]
        .parameter_list
        .iter()
        .find(|p| p.name == tz)
        .unwrap_or_else(|| panic!("{:?}", s.informs[1].parameter_list));
    assert_eq!(changed.value, "CET-1");
    validate_wire(&s.wire, "value-change");
}

/// A passive value change is detected (the 5 s poll) but not delivered
/// before the agent stops: it is in the state file, and the Inform after
/// the restart (same boot: /proc/sys/kernel/random/boot_id unchanged)
/// carries `4 VALUE CHANGE` with the changed parameter.
#[tokio::test]
async fn undelivered_value_change_survives_an_agent_restart() {
    use cwmpd::cwmp::rpc::attributes::Notification;

    let root = scratch("vc-restart");
    let boot_id = root.0.join("proc/sys/kernel/random/boot_id");
    std::fs::create_dir_all(boot_id.parent().unwrap()).unwrap();
    std::fs::write(&boot_id, "0b5e7d6c-1111-2222-3333-444455556666\n").unwrap();
    let system = root.0.join("etc/config/system");
    std::fs::write(&system, "config system\n\toption timezone 'UTC'\n").unwrap();
    let tz = "Device.Time.LocalTimeZone";
    let mut script = AcsScript::new();
    script.push(set_notification(tz, Notification::PASSIVE));
    let acs = TestAcs::start(script, Auth::None, None).await;
    write_config(&root.0, &acs.url(), "");
    let agent = start_agent(&root.0);
    wait_for("first session", 20, || {
        acs.script.lock().unwrap().sessions_completed >= 1
    })
    .await;
    std::fs::write(&system, "config system\n\toption timezone 'CET-1'\n").unwrap();
    let state_file = cwmpd::paths::Root::new(&root.0).state_file();
    wait_for("the change in the state file", 20, || {
        std::fs::read_to_string(&state_file).is_ok_and(|s| s.contains("CET-1"))
    })
    .await;
    // Passive: no session of its own.
    assert_eq!(acs.script.lock().unwrap().informs.len(), 1);
    drop(agent);
    let _agent = start_agent(&root.0);
    wait_for("session after the restart", 20, || {
        acs.script.lock().unwrap().sessions_completed >= 2
    })
    .await;
    let ev = events(&acs, 1);
    assert!(ev.contains(&"1 BOOT".to_string()), "{ev:?}");
    assert!(ev.contains(&"4 VALUE CHANGE".to_string()), "{ev:?}");
    let s = acs.script.lock().unwrap();
    let changed = s.informs[1]
        .parameter_list
        .iter()
        .find(|p| p.name == tz)
        .unwrap_or_else(|| panic!("{:?}", s.informs[1].parameter_list));
    assert_eq!(changed.value, "CET-1");
    validate_wire(&s.wire, "value-change-restart");
}
