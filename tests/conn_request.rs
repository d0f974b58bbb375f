//! The Connection Request server against the real `curl` (TR-069 §3.2.2).
//! Loopback only.

use cwmpd::transport::conn_request::{
    ConnRequestConfig, ConnRequestServer, ConnectionRequest, RATE_MAX,
};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;
use tokio::process::Command;
use tokio::sync::mpsc;

struct Cr {
    port: u16,
    rx: mpsc::Receiver<ConnectionRequest>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Cr {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn start(listen: Option<IpAddr>, username: &str) -> Cr {
    let config = ConnRequestConfig {
        listen,
        port: 0,
        path: "/cwmp-cr".into(),
        username: username.into(),
        password: "s3cr3t".into(),
        realm: "cwmpd".into(),
    };
    let server =
        ConnRequestServer::bind(&config, b"test key, 32 bytes long.........").expect("bind");
    let port = server.local_addr().expect("addr").port();
    let (tx, rx) = mpsc::channel(4);
    let task = tokio::spawn(server.serve(tx));
    Cr { port, rx, task }
}

/// Runs curl, returns (stdout, stderr).
async fn curl(args: &[&str]) -> (String, String) {
    let out = Command::new("curl")
        .args(["-s", "-S", "--max-time", "10"])
        .args(args)
        .output()
        .await
        .expect("curl runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn status(args: &[&str]) -> String {
    let mut a = vec!["-o", "/dev/null", "-w", "%{http_code}"];
    a.extend_from_slice(args);
    curl(&a).await.0
}

async fn no_notification(rx: &mut mpsc::Receiver<ConnectionRequest>) {
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(rx.try_recv().is_err(), "unexpected notification");
}

#[tokio::test(flavor = "current_thread")]
async fn curl_digest_right_and_wrong_password_ipv4_and_ipv6() {
    let mut cr = start(None, "cpe");
    let v4 = format!("http://127.0.0.1:{}/cwmp-cr", cr.port);
    let v6 = format!("http://[::1]:{}/cwmp-cr", cr.port);

    assert_eq!(status(&["--digest", "-u", "cpe:s3cr3t", &v4]).await, "200");
    let n = tokio::time::timeout(Duration::from_secs(2), cr.rx.recv())
        .await
        .expect("notified")
        .expect("open");
    assert!(n.peer.ip().to_canonical().is_loopback());

    assert_eq!(
        status(&["-g", "--digest", "-u", "cpe:s3cr3t", &v6]).await,
        "200"
    );
    assert!(cr.rx.recv().await.is_some());

    assert_eq!(status(&["--digest", "-u", "cpe:wrong", &v4]).await, "401");
    assert_eq!(
        status(&["--digest", "-u", "other:s3cr3t", &v4]).await,
        "401"
    );
    assert_eq!(status(&[&v4]).await, "401");
    // Basic is never accepted, even with the right password.
    assert_eq!(status(&["--basic", "-u", "cpe:s3cr3t", &v4]).await, "401");
    no_notification(&mut cr.rx).await;
}

#[tokio::test(flavor = "current_thread")]
async fn challenges_offer_sha256_and_md5() {
    let cr = start(Some(IpAddr::V4(Ipv4Addr::LOCALHOST)), "cpe");
    let url = format!("http://127.0.0.1:{}/cwmp-cr", cr.port);
    let (headers, _) = curl(&["-D", "-", "-o", "/dev/null", &url]).await;
    let lower = headers.to_ascii_lowercase();
    assert!(lower.contains("algorithm=sha-256"), "{headers}");
    assert!(lower.contains("algorithm=md5"), "{headers}");
    assert!(lower.contains("qop=\"auth\""), "{headers}");
}

#[tokio::test(flavor = "current_thread")]
async fn no_credentials_configured_refuses_everything() {
    let mut cr = start(None, "");
    let url = format!("http://127.0.0.1:{}/cwmp-cr", cr.port);
    assert_eq!(status(&["--digest", "-u", ":", &url]).await, "403");
    assert_eq!(status(&[&url]).await, "403");
    no_notification(&mut cr.rx).await;
}

#[tokio::test(flavor = "current_thread")]
async fn wrong_method_and_path() {
    let mut cr = start(None, "cpe");
    let url = format!("http://127.0.0.1:{}/cwmp-cr", cr.port);
    assert_eq!(
        status(&["-X", "POST", "--digest", "-u", "cpe:s3cr3t", &url]).await,
        "405"
    );
    assert_eq!(status(&["-X", "PUT", &url]).await, "405");
    let other = format!("http://127.0.0.1:{}/other", cr.port);
    assert_eq!(
        status(&["--digest", "-u", "cpe:s3cr3t", &other]).await,
        "404"
    );
    assert_eq!(
        status(&["-H", "Authorization: Digest garbage=\"", &url]).await,
        "400"
    );
    no_notification(&mut cr.rx).await;
}

#[tokio::test(flavor = "current_thread")]
async fn replayed_authorization_header_is_refused() {
    let mut cr = start(None, "cpe");
    let url = format!("http://127.0.0.1:{}/cwmp-cr", cr.port);
    // Let curl authenticate once and capture the header it sent.
    let (_, verbose) = curl(&[
        "-v",
        "-o",
        "/dev/null",
        "--digest",
        "-u",
        "cpe:s3cr3t",
        &url,
    ])
    .await;
    let header = verbose
        .lines()
        .find_map(|l| l.strip_prefix("> Authorization: "))
        .expect("curl sent Authorization")
        .trim()
        .to_string();
    assert!(cr.rx.recv().await.is_some());
    // curl picked the first, strongest challenge.
    assert!(header.contains("algorithm=SHA-256"), "{header}");
    let h = format!("Authorization: {header}");
    assert_eq!(status(&["-H", &h, &url]).await, "401");
    assert_eq!(status(&["-H", &h, &url]).await, "401");
    no_notification(&mut cr.rx).await;
}

#[tokio::test(flavor = "current_thread")]
async fn flood_gets_503() {
    let mut cr = start(None, "cpe");
    let url = format!("http://127.0.0.1:{}/cwmp-cr", cr.port);
    // One curl run with many URLs: RATE_MAX + 10 requests well within 5 s.
    let mut args = vec!["-w", "%{http_code}\n", "-o", "/dev/null"];
    let n = RATE_MAX + 10;
    for _ in 0..n {
        args.push(&url);
    }
    // Only the first URL's body goes to /dev/null; the others print theirs,
    // which are empty.
    let (out, _) = curl(&args).await;
    let codes: Vec<&str> = out.lines().collect();
    assert_eq!(codes.len(), n);
    assert!(codes[..RATE_MAX].iter().all(|c| *c == "401"), "{codes:?}");
    assert!(codes[RATE_MAX..].iter().all(|c| *c == "503"), "{codes:?}");
    // Even the right password is refused while the flood lasts.
    assert_eq!(status(&["--digest", "-u", "cpe:s3cr3t", &url]).await, "503");
    no_notification(&mut cr.rx).await;
}
