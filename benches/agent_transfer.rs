//! Figures for transfers through the whole agent (issue 5), printed, not
//! asserted: peak RSS (VmHWM) of the `cwmpd` process after it downloaded,
//! validated and "flashed" (host mode) a 1 MiB and a 64 MiB firmware image
//! from the loopback file server, and the wall time from the Download RPC's
//! session end to the flash record. Streaming means the peak does not grow
//! with the file size.
//!
//! `cargo bench --bench agent_transfer`; `CWMPD_BIN=target/release/cwmpd`
//! measures the size-optimised release build instead.

#[path = "../tests/acs/mod.rs"]
mod acs;
#[path = "../tests/file_server/mod.rs"]
mod file_server;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use acs::http::Auth;
use acs::script::AcsScript;
use acs::scripted::ScriptedAcs;
use bytes::Bytes;
use cwmpd::cwmp::rpc::transfers::{Download, FileType};
use cwmpd::cwmp::AcsRequest;
use file_server::{FileServer, Serve};

fn status_kib(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn binary() -> PathBuf {
    std::env::var_os("CWMPD_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_cwmpd")))
}

/// One run: (peak RSS KiB, seconds from session end to flash record).
async fn run(mib: u64) -> (u64, f64) {
    let root =
        std::env::temp_dir().join(format!("cwmpd-bench-transfer-{}-{mib}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("etc/config")).unwrap();
    // uImage magic, then 64 KiB chunks.
    let mut chunk = vec![0u8; 64 * 1024];
    chunk[..4].copy_from_slice(&[0x27, 0x05, 0x19, 0x56]);
    let count = mib * 16;
    let files = FileServer::start(
        vec![(
            "/fw.bin",
            Serve::Repeat {
                chunk: Bytes::from(chunk),
                count,
            },
        )],
        file_server::Auth::None,
        None,
    )
    .await;
    let mut script = AcsScript::new();
    script.push(AcsRequest::Download(Download {
        command_key: format!("bench-{mib}"),
        file_type: FileType::new(FileType::FIRMWARE_UPGRADE_IMAGE),
        url: files.url("http", "127.0.0.1", "/fw.bin"),
        username: String::new(),
        password: String::new(),
        file_size: (count * 64 * 1024) as u32,
        target_file_name: String::new(),
        delay_seconds: 0,
        success_url: String::new(),
        failure_url: String::new(),
    }));
    let acs = ScriptedAcs::start(script, Auth::None, None).await;
    std::fs::write(
        root.join("etc/config/cwmp"),
        format!(
            "config cwmp 'cwmp'\n\toption enable '1'\n\toption log_level 'error'\n\n\
             config acs 'acs'\n\toption url '{}'\n\n\
             config cpe 'cpe'\n\toption port '0'\n\toption periodic_inform '0'\n",
            acs.url()
        ),
    )
    .unwrap();
    let mut child = Command::new(binary())
        .arg("--root")
        .arg(&root)
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start cwmpd");
    let pid = child.id();
    let log = root.join("var/log/cwmpd-system.log");
    let mut session_end = None;
    let mut peak = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        peak = peak.max(status_kib(pid, "VmHWM:"));
        if session_end.is_none() && acs.script.lock().unwrap().sessions_completed >= 1 {
            session_end = Some(Instant::now());
        }
        if std::fs::read_to_string(&log).is_ok_and(|l| l.contains("flash ")) {
            break;
        }
        assert!(Instant::now() < deadline, "no flash recorded");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let secs = session_end
        .map(|t| t.elapsed().as_secs_f64())
        .unwrap_or(0.0);
    let _ = child.wait();
    check_size(&root, count * 64 * 1024);
    let _ = std::fs::remove_dir_all(&root);
    (peak, secs)
}

fn check_size(root: &Path, want: u64) {
    let got = std::fs::metadata(root.join("tmp/cwmpd-download"))
        .map(|m| m.len())
        .unwrap_or(0);
    assert_eq!(got, want, "downloaded image size");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    println!("binary: {}", binary().display());
    for mib in [1u64, 64] {
        let (peak, secs) = run(mib).await;
        println!(
            "firmware {mib:>3} MiB: cwmpd peak RSS {peak} KiB; download+validate+flash {secs:.2} s ({:.0} MiB/s incl. agent steps)",
            mib as f64 / secs.max(1e-9)
        );
    }
}
