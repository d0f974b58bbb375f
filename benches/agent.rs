//! Figures for the agent runtime (issue: agent runtime), printed, not
//! asserted: idle RSS of the `cwmpd` process, time from a Connection
//! Request to the Inform reaching the ACS, and the wall time of a session
//! with 100 RPCs. Everything on loopback against the scripted test ACS.
//!
//! `cargo bench --bench agent` measures the bench-profile binary; set
//! `CWMPD_BIN=target/release/cwmpd` (after `cargo build --release`) to
//! measure the size-optimised release build a router runs.

#[path = "../tests/acs/mod.rs"]
mod acs;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use acs::http::Auth;
use acs::script::AcsScript;
use acs::scripted::ScriptedAcs;
use cwmpd::cwmp::rpc::parameters::GetParameterValues;
use cwmpd::cwmp::AcsRequest;
use cwmpd::transport::digest::{parse_www_authenticate, Challenge, DigestClient};

fn status_kib(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// GET with HTTP Digest, in two requests on one connection; returns the
/// instant just before the authenticated request was written.
fn connection_request(url: &str, user: &str, pass: &str) -> Instant {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (authority, path) = rest.split_at(rest.find('/').expect("path"));
    let mut s = TcpStream::connect(authority).expect("connect CR server");
    let head = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\n\r\n");
    s.write_all(head.as_bytes()).unwrap();
    let reply = read_head(&mut s);
    let challenge = reply
        .lines()
        .filter_map(|l| {
            l.strip_prefix("WWW-Authenticate: ")
                .or_else(|| l.strip_prefix("www-authenticate: "))
        })
        .filter_map(|v| parse_www_authenticate(v).ok())
        .flatten()
        .find_map(|c| match c {
            Challenge::Digest(d) => Some(d),
            _ => None,
        })
        .expect("digest challenge");
    let auth =
        DigestClient::new(challenge).authorization(user, pass, "GET", path, b"0123456789abcdef");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nAuthorization: {auth}\r\n\r\n");
    let t0 = Instant::now();
    s.write_all(req.as_bytes()).unwrap();
    let reply = read_head(&mut s);
    assert!(reply.starts_with("HTTP/1.1 200"), "CR refused: {reply}");
    t0
}

fn read_head(s: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).unwrap_or(0) == 0 {
            break;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    // Skip a body announced with Content-Length.
    if let Some(n) = head.lines().find_map(|l| {
        l.to_ascii_lowercase()
            .strip_prefix("content-length: ")
            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
    }) {
        let mut body = vec![0u8; n];
        let _ = s.read_exact(&mut body);
    }
    head
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn wait_for(mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < end, "timed out");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let bin =
        std::env::var("CWMPD_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_cwmpd").to_string());
    let dir = std::env::temp_dir().join(format!("cwmpd-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("etc/config")).unwrap();
    let acs = ScriptedAcs::start(AcsScript::new(), Auth::None, None).await;
    let config = format!(
        "config cwmp 'cwmp'\n\toption log_level 'error'\nconfig acs 'acs'\n\toption url '{}'\n\
         config cpe 'cpe'\n\toption username 'acs'\n\toption password 'crpass'\n\toption port '0'\n\
         \toption periodic_inform '0'\n",
        acs.url()
    );
    std::fs::write(dir.join("etc/config/cwmp"), config).unwrap();
    let mut child = Command::new(&bin)
        .arg("--root")
        .arg(&dir)
        .arg("run")
        .stderr(Stdio::null())
        .spawn()
        .expect("start cwmpd");
    let pid = child.id();
    wait_for(|| acs.script.lock().unwrap().sessions_completed >= 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss = status_kib(pid, "VmRSS:");
    let hwm = status_kib(pid, "VmHWM:");

    let cr = {
        let s = acs.script.lock().unwrap();
        s.informs[0]
            .parameter_list
            .iter()
            .find(|p| p.name == "Device.ManagementServer.ConnectionRequestURL")
            .map(|p| p.value.clone())
            .unwrap()
    };
    // Connection Request → Inform at the ACS, 20 times.
    let mut latencies = Vec::new();
    for i in 0..20 {
        let cr = cr.clone();
        let t0 = tokio::task::spawn_blocking(move || connection_request(&cr, "acs", "crpass"))
            .await
            .unwrap();
        wait_for(|| acs.script.lock().unwrap().inform_times.len() >= i + 2).await;
        let t1 = *acs.script.lock().unwrap().inform_times.last().unwrap();
        latencies.push(t1.duration_since(t0));
        wait_for(|| acs.script.lock().unwrap().sessions_completed >= i + 2).await;
    }

    // A session with 100 GetParameterValues, started by a Connection Request.
    {
        let mut s = acs.script.lock().unwrap();
        for _ in 0..100 {
            s.push(AcsRequest::GetParameterValues(GetParameterValues {
                parameter_names: vec![
                    "Device.DeviceInfo.".into(),
                    "Device.ManagementServer.".into(),
                ],
            }));
        }
    }
    let done_before = acs.script.lock().unwrap().sessions_completed;
    let cr2 = cr.clone();
    let t0 = tokio::task::spawn_blocking(move || connection_request(&cr2, "acs", "crpass"))
        .await
        .unwrap();
    wait_for(|| acs.script.lock().unwrap().sessions_completed > done_before).await;
    let t_end = *acs.script.lock().unwrap().end_times.last().unwrap();
    let hwm_after = status_kib(pid, "VmHWM:");
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);

    let size = std::fs::metadata(&bin).map(|m| m.len()).unwrap_or(0);
    println!(
        "cwmpd binary: {} ({} KiB)",
        PathBuf::from(&bin).display(),
        size / 1024
    );
    println!("idle RSS after one session: {rss} KiB (peak so far {hwm} KiB)");
    println!(
        "Connection Request -> Inform at the ACS: median {:?}, min {:?}, max {:?} (20 runs)",
        median(latencies.clone()),
        latencies.iter().min().unwrap(),
        latencies.iter().max().unwrap()
    );
    println!(
        "session with 100 GetParameterValues (CR to final 204): {:?}; peak RSS {hwm_after} KiB",
        t_end.duration_since(t0)
    );
}
