//! Transfers through the real agent binary (issue 5): `cwmpd --root DIR`
//! on a scratch root with the recording (dry-run) System, the scripted test
//! ACS, and the loopback HTTP(S) file server of tests/file_server (good,
//! truncated, stalled files, uploads stored). Every action the System takes
//! is read back from `<root>/var/log/cwmpd-system.log`.

mod acs;
mod common;
mod file_server;
mod ubus_broker;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use acs::http::Auth;
use acs::script::{AcsScript, Answer};
use acs::scripted::ScriptedAcs as TestAcs;
use bytes::Bytes;
use cwmpd::backend::ubus::{BlobValue, Client};
use cwmpd::cwmp::rpc::transfers::{
    CancelTransfer, Download, FileType, ScheduleDownload, TimeWindow, TransferComplete,
    TransferState, TransferStatus, Upload,
};
use cwmpd::cwmp::xsd::DateTime;
use cwmpd::cwmp::{AcsRequest, CpeRequest, CpeResponse, FaultCode};
use file_server::{FileServer, Recorded, Serve};

struct Root(PathBuf);

impl Drop for Root {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(name: &str) -> Root {
    let dir = std::env::temp_dir().join(format!("cwmpd-transfers-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("etc/config")).unwrap();
    set_release(&dir, "23.05.0");
    std::fs::write(
        dir.join("etc/config/system"),
        "\nconfig system\n\toption hostname 'before'\n",
    )
    .unwrap();
    Root(dir)
}

fn set_release(root: &Path, version: &str) {
    std::fs::write(
        root.join("etc/openwrt_release"),
        format!("DISTRIB_ID='OpenWrt'\nDISTRIB_RELEASE='{version}'\nDISTRIB_REVISION='r1'\n"),
    )
    .unwrap();
}

/// The agent's config; `timeout` is also the transfers' idle timeout.
fn write_config(root: &Path, acs_url: &str, extra_cpe: &str) {
    let text = format!(
        "config cwmp 'cwmp'\n\toption enable '1'\n\toption log_level 'debug'\n\n\
         config acs 'acs'\n\toption url '{acs_url}'\n\n\
         config cpe 'cpe'\n\toption port '0'\n\toption timeout '2'\n\
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
    let log = std::fs::File::create(root.join("agent.log")).unwrap();
    Agent(
        Command::new(env!("CARGO_BIN_EXE_cwmpd"))
            .arg("--root")
            .arg(root)
            .arg("run")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start cwmpd"),
    )
}

async fn wait_for(what: &str, secs: u64, root: &Path, mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        if Instant::now() > end {
            let log = std::fs::read_to_string(root.join("agent.log")).unwrap_or_default();
            panic!("timed out waiting for {what}\nagent log:\n{log}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The agent exits by itself (after a flash or reboot in host mode).
async fn wait_exit(agent: &mut Agent, root: &Path, secs: u64) {
    wait_for("the agent to stop", secs, root, || {
        matches!(agent.0.try_wait(), Ok(Some(_)))
    })
    .await;
}

fn system_log(root: &Path) -> String {
    std::fs::read_to_string(root.join("var/log/cwmpd-system.log")).unwrap_or_default()
}

fn transfer_completes(acs: &TestAcs) -> Vec<TransferComplete> {
    acs.script
        .lock()
        .unwrap()
        .cpe_requests
        .iter()
        .filter_map(|r| match r {
            CpeRequest::TransferComplete(tc) => Some(tc.clone()),
            _ => None,
        })
        .collect()
}

fn answers(acs: &TestAcs) -> Vec<Answer> {
    acs.script
        .lock()
        .unwrap()
        .answers
        .iter()
        .map(|(_, a)| a.clone())
        .collect()
}

fn download(key: &str, file_type: &str, url: &str, size: usize) -> AcsRequest {
    AcsRequest::Download(Download {
        command_key: key.into(),
        file_type: FileType::new(file_type),
        url: url.into(),
        username: "files".into(),
        password: "s3cret-pw".into(),
        file_size: size as u32,
        target_file_name: "ignored.bin".into(),
        delay_seconds: 0,
        success_url: String::new(),
        failure_url: String::new(),
    })
}

fn upload(key: &str, file_type: &str, url: &str, delay: u32) -> AcsRequest {
    AcsRequest::Upload(Upload {
        command_key: key.into(),
        file_type: FileType::new(file_type),
        url: url.into(),
        username: "files".into(),
        password: "s3cret-pw".into(),
        delay_seconds: delay,
    })
}

/// A plausible firmware image: uImage magic, then payload.
fn firmware_image(len: usize) -> Vec<u8> {
    let mut v = vec![0x27, 0x05, 0x19, 0x56];
    v.extend((0..len - 4).map(|i| (i % 251) as u8));
    v
}

/// Serves `files` (path → bytes) behind Basic auth `files`/`s3cret-pw`;
/// `/up/...` and `/cgi-bin/...` store uploads.
async fn file_server(files: Vec<(&'static str, Vec<u8>)>) -> FileServer {
    let mut routes: Vec<(&str, Serve)> = files
        .into_iter()
        .map(|(p, body)| (p, Serve::File(Bytes::from(body))))
        .collect();
    routes.push(("/up/cpe.log", Serve::Store));
    routes.push(("/cgi-bin/store.cgi", Serve::Store));
    FileServer::start(
        routes,
        file_server::Auth::Basic {
            user: "files".into(),
            pass: "s3cret-pw".into(),
        },
        None,
    )
    .await
}

/// A server whose one file misbehaves as `serve` says.
async fn broken_server(serve: Serve) -> (FileServer, String) {
    let server = FileServer::start(vec![("/fw.bin", serve)], file_server::Auth::None, None).await;
    let url = server.url("http", "127.0.0.1", "/fw.bin");
    (server, url)
}

fn scripted(requests: Vec<AcsRequest>) -> AcsScript {
    let mut s = AcsScript::new();
    for r in requests {
        s.push(r);
    }
    s
}

#[tokio::test]
async fn firmware_is_flashed_then_reported_after_the_restart() {
    let root = scratch("fw-ok");
    let image = firmware_image(300_000);
    let files = file_server(vec![("/fw.bin", image.clone())]).await;
    let url = files.url("http", "127.0.0.1", "/fw.bin");
    let acs = TestAcs::start(
        scripted(vec![download(
            "fw-24.10",
            FileType::FIRMWARE_UPGRADE_IMAGE,
            &url,
            image.len(),
        )]),
        Auth::None,
        None,
    )
    .await;
    write_config(&root.0, &acs.url(), "");
    let mut agent = start_agent(&root.0);
    wait_exit(&mut agent, &root.0, 30).await;

    // Status 1 with the Unknown Time (the transfer happens after the session).
    match answers(&acs).first() {
        Some(Answer::Response(CpeResponse::Download(r))) => {
            assert_eq!(r.status, TransferStatus::Pending);
            assert_eq!(r.start_time, DateTime::UNKNOWN);
            assert_eq!(r.complete_time, DateTime::UNKNOWN);
        }
        other => panic!("no DownloadResponse: {other:?}"),
    }
    let log = system_log(&root.0);
    assert_eq!(
        log, "validate /tmp/cwmpd-download\nflash /tmp/cwmpd-download\n",
        "validated, then flashed"
    );
    let state = std::fs::read_to_string(root.0.join("etc/cwmpd/state")).unwrap();
    assert!(state.contains("\tflashing\t23.05.0 r1\t"), "{state}");
    let agent_log = std::fs::read_to_string(root.0.join("agent.log")).unwrap();
    assert!(
        !agent_log.contains("s3cret-pw"),
        "password in the log:\n{agent_log}"
    );
    let flashed = std::fs::read(root.0.join("tmp/cwmpd-download")).unwrap();
    assert_eq!(
        flashed, image,
        "the image handed to sysupgrade is the file served"
    );

    // The device comes back on the new version.
    set_release(&root.0, "24.10.0");
    let _agent = start_agent(&root.0);
    wait_for("TransferComplete", 20, &root.0, || {
        !transfer_completes(&acs).is_empty()
    })
    .await;
    let informs = acs.script.lock().unwrap().informs.clone();
    let ev: Vec<(String, String)> = informs[1]
        .events
        .iter()
        .map(|e| (e.event_code.to_string(), e.command_key.clone()))
        .collect();
    for want in [
        ("1 BOOT", ""),
        ("7 TRANSFER COMPLETE", ""),
        ("M Download", "fw-24.10"),
    ] {
        assert!(
            ev.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} missing from {ev:?}"
        );
    }
    let tc = &transfer_completes(&acs)[0];
    assert_eq!(tc.command_key, "fw-24.10");
    assert_eq!(tc.fault.fault_code, FaultCode(0), "{tc:?}");
    assert_ne!(tc.start_time, DateTime::UNKNOWN);
    assert!(tc.complete_time.to_unix() >= tc.start_time.to_unix());
    validate_transfer_complete("TransferComplete-agent-success", tc);
    // Acknowledged: the record and the events are gone.
    let state_file = root.0.join("etc/cwmpd/state");
    wait_for("transfer record removed", 10, &root.0, || {
        std::fs::read_to_string(&state_file)
            .is_ok_and(|s| !s.contains("transfer\t") && !s.contains("TRANSFER COMPLETE"))
    })
    .await;
}

#[tokio::test]
async fn firmware_that_did_not_take_is_reported_as_9010() {
    let root = scratch("fw-old");
    let image = firmware_image(10_000);
    let files = file_server(vec![("/fw.bin", image.clone())]).await;
    let url = files.url("http", "127.0.0.1", "/fw.bin");
    let acs = TestAcs::start(
        scripted(vec![download(
            "fw-x",
            FileType::FIRMWARE_UPGRADE_IMAGE,
            &url,
            0,
        )]),
        Auth::None,
        None,
    )
    .await;
    write_config(&root.0, &acs.url(), "");
    let mut agent = start_agent(&root.0);
    wait_exit(&mut agent, &root.0, 30).await;
    assert!(system_log(&root.0).contains("flash /tmp/cwmpd-download"));
    // /etc/openwrt_release unchanged: still the old version.
    let _agent = start_agent(&root.0);
    wait_for("TransferComplete", 20, &root.0, || {
        !transfer_completes(&acs).is_empty()
    })
    .await;
    let tc = &transfer_completes(&acs)[0];
    assert_eq!(tc.command_key, "fw-x");
    assert_eq!(tc.fault.fault_code, FaultCode::DOWNLOAD_FAILURE);
    assert!(
        tc.fault.fault_string.contains("old version 23.05.0"),
        "{tc:?}"
    );
    validate_transfer_complete("TransferComplete-agent-old-version", tc);
}

#[tokio::test]
async fn broken_downloads_end_in_their_fault_and_no_flash() {
    let root = scratch("fw-bad");
    let image = firmware_image(50_000);
    let files = file_server(vec![
        ("/fw.bin", image.clone()),
        ("/not-firmware.bin", b"<html>login page</html>".to_vec()),
    ])
    .await;
    let good = files.url("http", "127.0.0.1", "/fw.bin");
    let (_t, truncated) = broken_server(Serve::Truncated {
        sent: Bytes::copy_from_slice(&image[..20_000]),
        claimed: 50_000,
    })
    .await;
    let (_s, slow) = broken_server(Serve::Stall {
        sent: Bytes::copy_from_slice(&image[..1000]),
        claimed: 50_000,
    })
    .await;
    let mut wrong_auth = download("auth", FileType::FIRMWARE_UPGRADE_IMAGE, &good, 0);
    if let AcsRequest::Download(d) = &mut wrong_auth {
        d.password = "wrong".into();
    }
    let fw = FileType::FIRMWARE_UPGRADE_IMAGE;
    let acs = TestAcs::start(
        scripted(vec![
            download("truncated", fw, &truncated, 50_000),
            // Announced 40000, served 50000.
            download("oversized", fw, &good, 40_000),
            wrong_auth,
            download("slow", fw, &slow, 50_000),
            download(
                "refused",
                fw,
                &files.url("http", "127.0.0.1", "/not-firmware.bin"),
                0,
            ),
        ]),
        Auth::None,
        None,
    )
    .await;
    write_config(&root.0, &acs.url(), "");
    let _agent = start_agent(&root.0);
    wait_for("five TransferCompletes", 40, &root.0, || {
        transfer_completes(&acs).len() >= 5
    })
    .await;
    let got: Vec<(String, u32)> = transfer_completes(&acs)
        .iter()
        .map(|tc| (tc.command_key.clone(), tc.fault.fault_code.0))
        .collect();
    assert_eq!(
        got,
        [
            ("truncated".to_string(), 9017),
            ("oversized".to_string(), 9018),
            ("auth".to_string(), 9012),
            ("slow".to_string(), 9017),
            ("refused".to_string(), 9018),
        ]
    );
    for tc in transfer_completes(&acs) {
        assert!(!tc.fault.fault_string.is_empty(), "{tc:?}");
        validate_transfer_complete(&format!("TransferComplete-agent-{}", tc.command_key), &tc);
    }
    let log = system_log(&root.0);
    assert!(!log.contains("flash"), "nothing flashed:\n{log}");
    assert_eq!(
        log, "validate /tmp/cwmpd-download\n",
        "only the html was checked"
    );
    assert!(
        !root.0.join("tmp/cwmpd-download").exists(),
        "failed files removed"
    );
    let agent_log = std::fs::read_to_string(root.0.join("agent.log")).unwrap();
    assert!(!agent_log.contains("s3cret-pw"), "password in the log");
}

#[tokio::test]
async fn uci_export_text_is_imported_and_reloaded() {
    let root = scratch("cfg-uci");
    let text = b"package system\n\nconfig system\n\toption hostname 'pushed-by-acs'\n\toption timezone 'UTC'\n".to_vec();
    let files = file_server(vec![
        ("/cfg.txt", text.clone()),
        ("/garbage.txt", b"hostname=pushed\n".to_vec()),
    ])
    .await;
    let cfg = FileType::VENDOR_CONFIGURATION_FILE;
    let acs = TestAcs::start(
        scripted(vec![
            download(
                "bad-cfg",
                cfg,
                &files.url("http", "127.0.0.1", "/garbage.txt"),
                0,
            ),
            download(
                "cfg-1",
                cfg,
                &files.url("http", "127.0.0.1", "/cfg.txt"),
                text.len(),
            ),
        ]),
        Auth::None,
        None,
    )
    .await;
    write_config(&root.0, &acs.url(), "");
    let _agent = start_agent(&root.0);
    wait_for("two TransferCompletes", 30, &root.0, || {
        transfer_completes(&acs).len() >= 2
    })
    .await;
    let tcs = transfer_completes(&acs);
    assert_eq!(tcs[0].command_key, "bad-cfg");
    assert_eq!(tcs[0].fault.fault_code, FaultCode::FILE_CORRUPTED);
    assert_eq!(tcs[1].command_key, "cfg-1");
    assert_eq!(tcs[1].fault.fault_code, FaultCode(0), "{:?}", tcs[1]);
    assert_eq!(
        system_log(&root.0),
        "uci-import system\nreload-config\n",
        "the refused file changed nothing"
    );
    // The real libuci reads what was imported.
    let uci = common::real_uci::RealUci::locate();
    let out = uci.run(
        &root.0.join("etc/config"),
        &root.0.join("tmp/.uci"),
        &["get", "system.@system[0].hostname"],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "pushed-by-acs");
}

#[tokio::test]
async fn backup_tarball_is_restored_then_the_device_reboots() {
    let root = scratch("cfg-tgz");
    // A sysupgrade-style backup made with the real tar.
    let src = root.0.join("backup-src");
    std::fs::create_dir_all(src.join("etc/config")).unwrap();
    std::fs::write(
        src.join("etc/config/system"),
        "\nconfig system\n\toption hostname 'from-backup'\n",
    )
    .unwrap();
    let tgz = root.0.join("backup.tar.gz");
    let ok = Command::new("tar")
        .arg("-czf")
        .arg(&tgz)
        .arg("-C")
        .arg(&src)
        .arg("etc/config/system")
        .status()
        .unwrap();
    assert!(ok.success());
    let bytes = std::fs::read(&tgz).unwrap();
    let files = file_server(vec![("/backup.tar.gz", bytes)]).await;
    let acs = TestAcs::start(
        scripted(vec![download(
            "restore-1",
            FileType::VENDOR_CONFIGURATION_FILE,
            &files.url("http", "127.0.0.1", "/backup.tar.gz"),
            0,
        )]),
        Auth::None,
        None,
    )
    .await;
    write_config(&root.0, &acs.url(), "");
    let mut agent = start_agent(&root.0);
    wait_exit(&mut agent, &root.0, 30).await;
    assert_eq!(
        system_log(&root.0),
        "restore-backup /tmp/cwmpd-download\nreboot\n"
    );
    let system = std::fs::read_to_string(root.0.join("etc/config/system")).unwrap();
    assert!(system.contains("from-backup"), "{system}");
    // After the reboot: TransferComplete success.
    let _agent = start_agent(&root.0);
    wait_for("TransferComplete", 20, &root.0, || {
        !transfer_completes(&acs).is_empty()
    })
    .await;
    let tc = &transfer_completes(&acs)[0];
    assert_eq!(
        (tc.command_key.as_str(), tc.fault.fault_code),
        ("restore-1", FaultCode(0))
    );
}

#[tokio::test]
async fn uploads_reach_the_server_with_the_right_content() {
    let root = scratch("upload");
    std::fs::create_dir_all(root.0.join("var/log")).unwrap();
    std::fs::write(
        root.0.join("var/log/messages"),
        "Jan  1 00:00:01 router kernel: hello from the log\n",
    )
    .unwrap();
    let files = file_server(vec![]).await;
    let acs = TestAcs::start(
        scripted(vec![
            upload(
                "log-1",
                FileType::UPLOAD_VENDOR_LOG_FILE,
                &files.url("http", "127.0.0.1", "/up/cpe.log"),
                0,
            ),
            upload(
                "cfg-up",
                FileType::UPLOAD_VENDOR_CONFIGURATION_FILE,
                &files.url("http", "127.0.0.1", "/cgi-bin/store.cgi"),
                0,
            ),
        ]),
        Auth::None,
        None,
    )
    .await;
    write_config(&root.0, &acs.url(), "");
    let _agent = start_agent(&root.0);
    wait_for("two TransferCompletes", 30, &root.0, || {
        transfer_completes(&acs).len() >= 2
    })
    .await;
    for tc in transfer_completes(&acs) {
        assert_eq!(tc.fault.fault_code, FaultCode(0), "{tc:?}");
    }
    let seen: Vec<Recorded> = files.seen().into_iter().filter(|s| s.authorized).collect();
    let log = seen
        .iter()
        .find(|s| s.path == "/up/cpe.log")
        .expect("log upload");
    assert_eq!(log.method, "PUT");
    assert_eq!(
        &log.body[..],
        b"Jan  1 00:00:01 router kernel: hello from the log\n"
    );
    let cfg = seen
        .iter()
        .find(|s| s.path == "/cgi-bin/store.cgi")
        .expect("config upload");
    assert_eq!(cfg.method, "POST", "a script URL takes a POST");
    // The body is a tar.gz of /etc/config: the real tar lists it.
    let tgz = root.0.join("received.tar.gz");
    std::fs::write(&tgz, &cfg.body).unwrap();
    let out = Command::new("tar").arg("-tzf").arg(&tgz).output().unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(listing.contains("etc/config/system"), "{listing}");
    assert!(listing.contains("etc/config/cwmp"), "{listing}");
    let actions = system_log(&root.0);
    assert_eq!(
        actions,
        "logread > /tmp/cwmpd-upload.log\nbackup /tmp/cwmpd-upload.tar.gz\n"
    );
    assert!(
        !root.0.join("tmp/cwmpd-upload.log").exists(),
        "temp file removed"
    );
}

#[tokio::test]
async fn queue_is_listed_cancelled_and_kept_across_a_restart() {
    let root = scratch("queue");
    let later = |key: &str| {
        let mut d = download(
            key,
            FileType::FIRMWARE_UPGRADE_IMAGE,
            "http://127.0.0.1:9/fw",
            1234,
        );
        if let AcsRequest::Download(d) = &mut d {
            d.delay_seconds = 3600;
        }
        d
    };
    let acs = TestAcs::start(
        scripted(vec![
            later("dl-late"),
            upload(
                "up-late",
                FileType::UPLOAD_VENDOR_LOG_FILE,
                "http://127.0.0.1:9/u",
                3600,
            ),
            AcsRequest::GetAllQueuedTransfers,
            AcsRequest::CancelTransfer(CancelTransfer {
                command_key: "dl-late".into(),
            }),
            AcsRequest::CancelTransfer(CancelTransfer {
                command_key: "dl-late".into(),
            }),
            AcsRequest::GetQueuedTransfers,
        ]),
        Auth::None,
        None,
    )
    .await;
    write_config(&root.0, &acs.url(), "");
    let agent = start_agent(&root.0);
    wait_for("first session", 20, &root.0, || {
        acs.script.lock().unwrap().sessions_completed >= 1
    })
    .await;
    let a = answers(&acs);
    match &a[2] {
        Answer::Response(CpeResponse::GetAllQueuedTransfers(r)) => {
            let list: Vec<_> = r
                .transfer_list
                .iter()
                .map(|t| {
                    (
                        t.command_key.as_str(),
                        t.state,
                        t.is_download,
                        t.file_type.as_str(),
                        t.file_size,
                    )
                })
                .collect();
            assert_eq!(
                list,
                [
                    (
                        "dl-late",
                        TransferState::NotYetStarted,
                        true,
                        FileType::FIRMWARE_UPGRADE_IMAGE,
                        1234
                    ),
                    (
                        "up-late",
                        TransferState::NotYetStarted,
                        false,
                        FileType::UPLOAD_VENDOR_LOG_FILE,
                        0
                    ),
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        a[3],
        Answer::Response(CpeResponse::CancelTransfer)
    ));
    match &a[4] {
        Answer::Fault(f) => assert_eq!(f.fault_code, FaultCode::CANCELATION_NOT_PERMITTED),
        other => panic!("second cancel: {other:?}"),
    }
    match &a[5] {
        Answer::Response(CpeResponse::GetQueuedTransfers(r)) => {
            assert_eq!(r.transfer_list.len(), 1);
            assert_eq!(r.transfer_list[0].command_key, "up-late");
        }
        other => panic!("{other:?}"),
    }
    // GetRPCMethods lists what is implemented.
    let state_file = root.0.join("etc/cwmpd/state");
    wait_for("queue persisted", 10, &root.0, || {
        std::fs::read_to_string(&state_file).is_ok_and(|s| s.contains("up-late"))
    })
    .await;
    drop(agent);
    acs.script
        .lock()
        .unwrap()
        .push(AcsRequest::GetQueuedTransfers)
        .push(AcsRequest::GetRpcMethods);
    let _agent = start_agent(&root.0);
    wait_for("second session", 20, &root.0, || {
        acs.script.lock().unwrap().sessions_completed >= 2
    })
    .await;
    let a = answers(&acs);
    match &a[6] {
        Answer::Response(CpeResponse::GetQueuedTransfers(r)) => {
            let keys: Vec<_> = r
                .transfer_list
                .iter()
                .map(|t| t.command_key.as_str())
                .collect();
            assert_eq!(keys, ["up-late"], "the queue survived the restart");
        }
        other => panic!("{other:?}"),
    }
    match &a[7] {
        Answer::Response(CpeResponse::GetRpcMethods(m)) => {
            for rpc in [
                "Download",
                "Upload",
                "ScheduleDownload",
                "CancelTransfer",
                "GetQueuedTransfers",
                "GetAllQueuedTransfers",
            ] {
                assert!(m.method_list.iter().any(|x| x == rpc), "{rpc}");
            }
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn switches_off_refuse_with_9001() {
    let root = scratch("switches");
    let url = "http://127.0.0.1:9/x";
    let acs = TestAcs::start(
        scripted(vec![
            download("d", FileType::FIRMWARE_UPGRADE_IMAGE, url, 0),
            AcsRequest::ScheduleDownload(ScheduleDownload {
                command_key: "sd".into(),
                file_type: FileType::new(FileType::FIRMWARE_UPGRADE_IMAGE),
                url: url.into(),
                username: String::new(),
                password: String::new(),
                file_size: 0,
                target_file_name: String::new(),
                time_window_list: vec![window(0, 60)],
            }),
            upload("u", FileType::UPLOAD_VENDOR_LOG_FILE, url, 0),
            AcsRequest::GetAllQueuedTransfers,
        ]),
        Auth::None,
        None,
    )
    .await;
    write_config(
        &root.0,
        &acs.url(),
        "\toption download '0'\n\toption upload '0'\n",
    );
    let _agent = start_agent(&root.0);
    wait_for("session", 20, &root.0, || {
        acs.script.lock().unwrap().sessions_completed >= 1
    })
    .await;
    let a = answers(&acs);
    for (i, rpc) in ["Download", "ScheduleDownload", "Upload"]
        .iter()
        .enumerate()
    {
        match &a[i] {
            Answer::Fault(f) => assert_eq!(f.fault_code, FaultCode::REQUEST_DENIED, "{rpc}"),
            other => panic!("{rpc}: {other:?}"),
        }
    }
    match &a[3] {
        Answer::Response(CpeResponse::GetAllQueuedTransfers(r)) => {
            assert!(r.transfer_list.is_empty(), "nothing queued")
        }
        other => panic!("{other:?}"),
    }
    let log = std::fs::read_to_string(root.0.join("agent.log")).unwrap();
    assert!(log.contains("cwmp.cpe.download is 0"), "{log}");
    assert!(log.contains("cwmp.cpe.upload is 0"), "{log}");
}

fn window(start: u32, end: u32) -> TimeWindow {
    TimeWindow {
        window_start: start,
        window_end: end,
        window_mode: "1 At Any Time".into(),
        user_message: String::new(),
        max_retries: 0,
    }
}

#[tokio::test]
async fn schedule_download_whose_window_passed_while_busy_is_9020() {
    let root = scratch("window");
    let (_s, slow) = broken_server(Serve::Stall {
        sent: Bytes::from(vec![0x27; 100]),
        claimed: 5000,
    })
    .await;
    let acs = TestAcs::start(
        scripted(vec![
            // Occupies the transfer slot for the 2 s idle timeout.
            download("busy", FileType::FIRMWARE_UPGRADE_IMAGE, &slow, 5000),
            AcsRequest::ScheduleDownload(ScheduleDownload {
                command_key: "sd-1".into(),
                file_type: FileType::new(FileType::FIRMWARE_UPGRADE_IMAGE),
                url: slow.clone(),
                username: String::new(),
                password: String::new(),
                file_size: 0,
                target_file_name: String::new(),
                time_window_list: vec![window(0, 1)],
            }),
        ]),
        Auth::None,
        None,
    )
    .await;
    write_config(&root.0, &acs.url(), "");
    let _agent = start_agent(&root.0);
    wait_for("two TransferCompletes", 30, &root.0, || {
        transfer_completes(&acs).len() >= 2
    })
    .await;
    let tcs = transfer_completes(&acs);
    assert_eq!(tcs[0].command_key, "busy");
    assert_eq!(tcs[1].command_key, "sd-1");
    assert_eq!(
        tcs[1].fault.fault_code,
        FaultCode::TIME_WINDOW_EXPIRED,
        "{:?}",
        tcs[1]
    );
    assert_eq!(tcs[1].start_time, DateTime::UNKNOWN, "never started");
    validate_transfer_complete("TransferComplete-agent-9020", &tcs[1]);
    let informs = acs.script.lock().unwrap().informs.clone();
    assert!(informs.iter().any(|i| i
        .events
        .iter()
        .any(|e| e.event_code.to_string() == "M ScheduleDownload" && e.command_key == "sd-1")));
}

#[tokio::test]
async fn configuration_is_restored_when_the_acs_is_gone_after_a_flash() {
    let root = scratch("restore");
    let image = firmware_image(20_000);
    let files = file_server(vec![("/fw.bin", image.clone())]).await;
    let url = files.url("http", "127.0.0.1", "/fw.bin");
    let acs = TestAcs::start(
        scripted(vec![download(
            "fw-bad",
            FileType::FIRMWARE_UPGRADE_IMAGE,
            &url,
            0,
        )]),
        Auth::None,
        None,
    )
    .await;
    write_config(
        &root.0,
        &acs.url(),
        "\toption backup '1'\n\toption backup_delay '2'\n",
    );
    let mut agent = start_agent(&root.0);
    wait_exit(&mut agent, &root.0, 30).await;
    assert_eq!(
        system_log(&root.0),
        "validate /tmp/cwmpd-download\nbackup /etc/cwmpd/backup.tar.gz\nflash /tmp/cwmpd-download\n"
    );
    // The new firmware came up with a configuration that cannot reach the
    // ACS any more.
    set_release(&root.0, "24.10.0");
    std::fs::write(
        root.0.join("etc/config/system"),
        "\nconfig system\n\toption hostname 'broken'\n",
    )
    .unwrap();
    drop(acs);
    let mut agent = start_agent(&root.0);
    wait_exit(&mut agent, &root.0, 20).await;
    assert_eq!(
        system_log(&root.0),
        "validate /tmp/cwmpd-download\nbackup /etc/cwmpd/backup.tar.gz\nflash /tmp/cwmpd-download\n\
         restore-backup /etc/cwmpd/backup.tar.gz\nreboot\n"
    );
    let system = std::fs::read_to_string(root.0.join("etc/config/system")).unwrap();
    assert!(system.contains("'before'"), "restored:\n{system}");
    let state = std::fs::read_to_string(root.0.join("etc/cwmpd/state")).unwrap();
    assert!(
        !state.contains("config_backup"),
        "the guard fires once:\n{state}"
    );
}

#[tokio::test]
async fn a_successful_session_discards_the_backup() {
    let root = scratch("keep");
    let text = b"package system\n\nconfig system\n\toption hostname 'ok'\n".to_vec();
    let files = file_server(vec![("/cfg.txt", text)]).await;
    let acs = TestAcs::start(
        scripted(vec![download(
            "cfg-ok",
            FileType::VENDOR_CONFIGURATION_FILE,
            &files.url("http", "127.0.0.1", "/cfg.txt"),
            0,
        )]),
        Auth::None,
        None,
    )
    .await;
    write_config(
        &root.0,
        &acs.url(),
        "\toption backup '1'\n\toption backup_delay '3'\n",
    );
    let _agent = start_agent(&root.0);
    wait_for("TransferComplete", 20, &root.0, || {
        !transfer_completes(&acs).is_empty()
    })
    .await;
    let archive = root.0.join("etc/cwmpd/backup.tar.gz");
    wait_for("backup discarded", 10, &root.0, || !archive.exists()).await;
    // Past the delay: nothing restored.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        system_log(&root.0),
        "backup /etc/cwmpd/backup.tar.gz\nuci-import system\nreload-config\n"
    );
    let log = std::fs::read_to_string(root.0.join("agent.log")).unwrap();
    assert!(log.contains("configuration backup discarded"), "{log}");
}

/// The TransferComplete the agent really sent, re-encoded by our codec
/// (what the agent put on the wire), is valid against the official XSD.
fn validate_transfer_complete(kind: &str, tc: &TransferComplete) {
    use cwmpd::cwmp::{encode, Body, CwmpVersion, Envelope, Header};
    let env = Envelope {
        header: Header {
            id: Some("cwmpd-1".into()),
            ..Header::default()
        },
        body: Body::CpeRequest(CpeRequest::TransferComplete(tc.clone())),
    };
    let dir = common::samples_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{kind}.xml"));
    std::fs::write(&path, encode(&env, CwmpVersion::default())).unwrap();
    let out = Command::new("sh")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/spec/validate.sh"
        ))
        .arg(&path)
        .output()
        .expect("run validate.sh (needs xmllint, xsltproc)");
    assert!(
        out.status.success(),
        "{} not XSD-valid:\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn https_downloads_follow_the_acs_tls_policy() {
    use acs::pki::Ca;
    let root = scratch("https");
    let ca = Ca::new("cwmpd transfers CA");
    let leaf = ca.server(&["localhost"]);
    std::fs::create_dir_all(root.0.join("etc/ssl")).unwrap();
    ca.write(&root.0.join("etc/ssl"), "acs-ca.pem");
    let text = b"package system\n\nconfig system\n\toption hostname 'over-tls'\n".to_vec();
    let files = FileServer::start(
        vec![("/cfg.txt", Serve::File(Bytes::from(text)))],
        file_server::Auth::None,
        Some(file_server::tls_config(vec![leaf.der.clone()], leaf.key())),
    )
    .await;
    let cfg = FileType::VENDOR_CONFIGURATION_FILE;
    let acs = TestAcs::start(
        scripted(vec![
            // The certificate names localhost, not 127.0.0.1.
            download(
                "wrong-name",
                cfg,
                &files.url("https", "127.0.0.1", "/cfg.txt"),
                0,
            ),
            download(
                "tls-ok",
                cfg,
                &files.url("https", "localhost", "/cfg.txt"),
                0,
            ),
        ]),
        Auth::None,
        None,
    )
    .await;
    write_config(&root.0, &acs.url(), "");
    let conf = std::fs::read_to_string(root.0.join("etc/config/cwmp")).unwrap();
    std::fs::write(
        root.0.join("etc/config/cwmp"),
        conf.replace(
            "config acs 'acs'\n",
            "config acs 'acs'\n\toption ca_file '/etc/ssl/acs-ca.pem'\n",
        ),
    )
    .unwrap();
    let _agent = start_agent(&root.0);
    wait_for("two TransferCompletes", 30, &root.0, || {
        transfer_completes(&acs).len() >= 2
    })
    .await;
    let got: Vec<(String, u32)> = transfer_completes(&acs)
        .iter()
        .map(|tc| (tc.command_key.clone(), tc.fault.fault_code.0))
        .collect();
    assert_eq!(
        got,
        [("wrong-name".to_string(), 9012), ("tls-ok".to_string(), 0)]
    );
    let system = std::fs::read_to_string(root.0.join("etc/config/system")).unwrap();
    assert!(system.contains("over-tls"), "{system}");
}

#[tokio::test]
async fn schedule_download_runs_inside_its_window() {
    let root = scratch("window-ok");
    let text = b"package system\n\nconfig system\n\toption hostname 'scheduled'\n".to_vec();
    let files = file_server(vec![("/cfg.txt", text)]).await;
    let acs = TestAcs::start(
        scripted(vec![
            AcsRequest::ScheduleDownload(ScheduleDownload {
                command_key: "sd-ok".into(),
                file_type: FileType::new(FileType::VENDOR_CONFIGURATION_FILE),
                url: files.url("http", "127.0.0.1", "/cfg.txt"),
                username: "files".into(),
                password: "s3cret-pw".into(),
                file_size: 0,
                target_file_name: String::new(),
                // Opens 2 s after the RPC.
                time_window_list: vec![window(2, 120)],
            }),
            AcsRequest::GetQueuedTransfers,
        ]),
        Auth::None,
        None,
    )
    .await;
    write_config(&root.0, &acs.url(), "");
    let started = Instant::now();
    let _agent = start_agent(&root.0);
    wait_for("TransferComplete", 30, &root.0, || {
        !transfer_completes(&acs).is_empty()
    })
    .await;
    // Windows are whole seconds from the RPC's arrival second: the window
    // opens between 1 and 2 s after the RPC.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "not before the window"
    );
    match &answers(&acs)[1] {
        Answer::Response(CpeResponse::GetQueuedTransfers(r)) => {
            assert_eq!(r.transfer_list.len(), 1);
            assert_eq!(r.transfer_list[0].state, TransferState::NotYetStarted);
        }
        other => panic!("{other:?}"),
    }
    let tc = &transfer_completes(&acs)[0];
    assert_eq!(
        (tc.command_key.as_str(), tc.fault.fault_code),
        ("sd-ok", FaultCode(0))
    );
    let informs = acs.script.lock().unwrap().informs.clone();
    let last = informs.last().unwrap();
    assert!(last
        .events
        .iter()
        .any(|e| e.event_code.to_string() == "M ScheduleDownload" && e.command_key == "sd-ok"));
    let system = std::fs::read_to_string(root.0.join("etc/config/system")).unwrap();
    assert!(system.contains("scheduled"), "{system}");
}

#[tokio::test]
async fn a_running_transfer_does_not_hold_sessions_back() {
    use cwmpd::cwmp::rpc::control::ScheduleInform;
    let root = scratch("nonblocking");
    let (_s, slow) = broken_server(Serve::Stall {
        sent: Bytes::from(vec![0x27; 100]),
        claimed: 5000,
    })
    .await;
    let acs = TestAcs::start(
        scripted(vec![
            download("stalls", FileType::FIRMWARE_UPGRADE_IMAGE, &slow, 5000),
            AcsRequest::ScheduleInform(ScheduleInform {
                delay_seconds: 1,
                command_key: "meanwhile".into(),
            }),
        ]),
        Auth::None,
        None,
    )
    .await;
    // A 6 s idle timeout keeps the download hanging well past the
    // scheduled session.
    write_config(&root.0, &acs.url(), "\toption timeout '6'\n");
    let _agent = start_agent(&root.0);
    wait_for("the scheduled session", 20, &root.0, || {
        acs.script.lock().unwrap().sessions_completed >= 2
    })
    .await;
    assert!(
        transfer_completes(&acs).is_empty(),
        "the download is still running while the session happened"
    );
    assert!(acs
        .script
        .lock()
        .unwrap()
        .event_codes(1)
        .contains(&"M ScheduleInform".to_string()));
    wait_for("TransferComplete", 30, &root.0, || {
        !transfer_completes(&acs).is_empty()
    })
    .await;
    assert_eq!(
        transfer_completes(&acs)[0].fault.fault_code,
        FaultCode::DOWNLOAD_INCOMPLETE
    );
}

/// The agent as `start_agent`, also serving its `cwmp` ubus object on
/// `broker`.
fn start_agent_on_ubus(root: &Path, broker: &ubus_broker::Broker) -> Agent {
    let log = std::fs::File::create(root.join("agent.log")).unwrap();
    Agent(
        Command::new(env!("CARGO_BIN_EXE_cwmpd"))
            .arg("--root")
            .arg(root)
            .arg("--ubus")
            .arg(broker.socket())
            .arg("run")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start cwmpd"),
    )
}

/// `ubus call cwmp status` until `cond` holds for it.
async fn status_when(
    ubus: &Client,
    what: &str,
    root: &Path,
    mut cond: impl FnMut(&BlobValue) -> bool,
) -> BlobValue {
    let end = Instant::now() + Duration::from_secs(20);
    let mut last = None;
    loop {
        if let Ok(s) = ubus.call("cwmp", "status", &BlobValue::empty_table()).await {
            if cond(&s) {
                return s;
            }
            last = Some(s);
        }
        if Instant::now() > end {
            let log = std::fs::read_to_string(root.join("agent.log")).unwrap_or_default();
            panic!("timed out waiting for {what}; last status {last:?}\nagent log:\n{log}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn str_of<'a>(v: &'a BlobValue, key: &str) -> Option<&'a str> {
    v.get(key).and_then(BlobValue::as_str)
}

/// CancelTransfer while the download runs (TR-069 §A.4.1.7: a transfer in
/// progress cannot be cancelled) is 9021, and the download goes on to its
/// own end. The status shows it running with its bytes, never its
/// credentials, then the result.
#[tokio::test]
async fn cancel_while_running_is_9021_and_the_status_shows_the_transfer() {
    let root = scratch("cancel-running");
    let broker = ubus_broker::Broker::start("transfers-cancel");
    // 100 bytes of 5000, then silence: the idle timeout ends it as 9017.
    let server = FileServer::start(
        vec![(
            "/fw.bin",
            Serve::Stall {
                sent: Bytes::from(vec![0x27; 100]),
                claimed: 5000,
            },
        )],
        file_server::Auth::Basic {
            user: "files".into(),
            pass: "s3cret-pw".into(),
        },
        None,
    )
    .await;
    let url = server.url("http", "127.0.0.1", "/fw.bin");
    let acs = TestAcs::start(
        scripted(vec![download(
            "stalls",
            FileType::FIRMWARE_UPGRADE_IMAGE,
            &url,
            5000,
        )]),
        Auth::None,
        None,
    )
    .await;
    write_config(&root.0, &acs.url(), "\toption timeout '8'\n");
    let _agent = start_agent_on_ubus(&root.0, &broker);
    wait_for("first session", 20, &root.0, || {
        acs.script.lock().unwrap().sessions_completed >= 1
    })
    .await;
    let ubus = Client::connect(broker.socket()).await.unwrap();
    let status = status_when(
        &ubus,
        "the download running with its 100 bytes",
        &root.0,
        |s| {
            s.get("transfers")
                .and_then(BlobValue::as_array)
                .and_then(<[_]>::first)
                .is_some_and(|t| {
                    str_of(t, "state") == Some("running")
                        && t.get("bytes").and_then(BlobValue::as_i64) == Some(100)
                })
        },
    )
    .await;
    let t = &status
        .get("transfers")
        .and_then(BlobValue::as_array)
        .unwrap()[0];
    assert_eq!(str_of(t, "command_key"), Some("stalls"));
    assert_eq!(str_of(t, "kind"), Some("download"));
    assert_eq!(
        str_of(t, "file_type"),
        Some(FileType::FIRMWARE_UPGRADE_IMAGE)
    );
    assert_eq!(str_of(t, "url"), Some(url.as_str()));
    let shown = format!("{status:?}");
    assert!(!shown.contains("s3cret-pw"), "password shown: {shown}");
    let cli = tokio::process::Command::new(env!("CARGO_BIN_EXE_cwmpd"))
        .arg("--root")
        .arg(&root.0)
        .arg("--ubus")
        .arg(broker.socket())
        .args(["show", "status"])
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&cli.stdout);
    assert!(
        text.contains("stalls download (1 Firmware Upgrade Image) running, 100 bytes so far"),
        "{text}\n{}",
        String::from_utf8_lossy(&cli.stderr)
    );

    // A session while it runs: the ACS tries to cancel it.
    acs.script
        .lock()
        .unwrap()
        .push(AcsRequest::CancelTransfer(CancelTransfer {
            command_key: "stalls".into(),
        }))
        .push(AcsRequest::GetQueuedTransfers);
    ubus.call("cwmp", "inform", &BlobValue::empty_table())
        .await
        .unwrap();
    wait_for("the session with CancelTransfer", 20, &root.0, || {
        acs.script.lock().unwrap().sessions_completed >= 2
    })
    .await;
    let a = answers(&acs);
    match &a[1] {
        Answer::Fault(f) => assert_eq!(f.fault_code, FaultCode::CANCELATION_NOT_PERMITTED),
        other => panic!("CancelTransfer of a running download: {other:?}"),
    }
    match &a[2] {
        Answer::Response(CpeResponse::GetQueuedTransfers(r)) => {
            assert_eq!(r.transfer_list.len(), 1);
            assert_eq!(r.transfer_list[0].command_key, "stalls");
            assert_eq!(r.transfer_list[0].state, TransferState::InProgress);
        }
        other => panic!("{other:?}"),
    }
    assert!(transfer_completes(&acs).is_empty(), "still running");

    // It ends by itself, as it would have without the cancel attempt.
    wait_for("TransferComplete", 30, &root.0, || {
        !transfer_completes(&acs).is_empty()
    })
    .await;
    let tc = &transfer_completes(&acs)[0];
    assert_eq!(tc.command_key, "stalls");
    assert_eq!(tc.fault.fault_code, FaultCode::DOWNLOAD_INCOMPLETE);
    assert!(!system_log(&root.0).contains("flash"), "no flash");
    let status = status_when(&ubus, "the acknowledged result", &root.0, |s| {
        s.get("transfers")
            .and_then(BlobValue::as_array)
            .is_some_and(<[_]>::is_empty)
    })
    .await;
    let last = status.get("last_transfer").unwrap();
    assert_eq!(str_of(last, "command_key"), Some("stalls"));
    assert_eq!(
        last.get("fault_code").and_then(BlobValue::as_i64),
        Some(i64::from(FaultCode::DOWNLOAD_INCOMPLETE.0))
    );
    assert!(last.get("time").and_then(BlobValue::as_i64).unwrap_or(0) > 0);
}

/// The agent killed (SIGKILL) right after the ACS acknowledged a
/// TransferComplete, before the session could end: the acknowledgement is
/// already on disk, so after the restart neither the TransferComplete nor
/// its `7 TRANSFER COMPLETE` / `M Download` events are sent again
/// (TR-069 §3.7.1.5).
#[tokio::test]
async fn kill_9_after_transfer_complete_response_does_not_resend_it() {
    let root = scratch("kill9-tc");
    let acs = TestAcs::start(
        scripted(vec![download(
            "refused",
            FileType::FIRMWARE_UPGRADE_IMAGE,
            "http://127.0.0.1:9/fw.bin",
            1000,
        )]),
        Auth::None,
        None,
    )
    .await;
    acs.script.lock().unwrap().hang_after_transfer_complete = true;
    write_config(&root.0, &acs.url(), "");
    let mut agent = start_agent(&root.0);
    // The download fails at once; the next session carries its
    // TransferComplete, answered; the CPE's next POST then hangs.
    wait_for(
        "the POST after the TransferCompleteResponse",
        20,
        &root.0,
        || {
            acs.stall.load(std::sync::atomic::Ordering::SeqCst)
                && acs
                    .server
                    .seen()
                    .last()
                    .is_some_and(|p| p.body.iter().all(u8::is_ascii_whitespace))
        },
    )
    .await;
    agent.0.kill().unwrap(); // SIGKILL: no clean-up runs
    agent.0.wait().unwrap();
    assert_eq!(transfer_completes(&acs).len(), 1);
    assert_eq!(acs.script.lock().unwrap().sessions_completed, 1);
    let state = std::fs::read_to_string(root.0.join("etc/cwmpd/state")).unwrap();
    assert!(
        !state.contains("refused"),
        "acknowledged, still saved:\n{state}"
    );

    {
        let mut s = acs.script.lock().unwrap();
        s.hang_after_transfer_complete = false;
    }
    acs.stall.store(false, std::sync::atomic::Ordering::SeqCst);
    let _agent = start_agent(&root.0);
    wait_for("session after restart", 20, &root.0, || {
        acs.script.lock().unwrap().sessions_completed >= 2
    })
    .await;
    let s = acs.script.lock().unwrap();
    let ev = s.event_codes(s.informs.len() - 1);
    assert!(ev.contains(&"1 BOOT".to_string()), "{ev:?}");
    assert!(
        !ev.iter()
            .any(|e| e == "7 TRANSFER COMPLETE" || e == "M Download"),
        "acknowledged transfer reported again: {ev:?}"
    );
    drop(s);
    assert_eq!(transfer_completes(&acs).len(), 1, "not sent again");
}
