//! The transfer I/O layer (src/transfer) against a real HTTP(S) file server
//! on loopback: good, truncated, oversized, stalled, refused and redirected
//! downloads, uploads by PUT and POST, each failure with its TR-069 fault
//! code and no file left behind.

mod file_server;
#[allow(dead_code)]
#[path = "acs/pki.rs"]
mod pki;

use bytes::Bytes;
use cwmpd::transfer::client::{
    download, upload, DownloadLimits, FreeSpace, StatVfs, TransferTarget, UploadMethod,
};
use cwmpd::transfer::download::part_path;
use cwmpd::transfer::error::{Direction, TransferError};
use cwmpd::transport::tls::{client_config, TlsSettings};
use file_server::{Auth, FileServer, Serve};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const USER: &str = "cpe-user";
const PASS: &str = "pa55-w0rd!";

/// Deterministic bytes that are not a repeating pattern (xorshift).
fn payload(len: usize) -> Bytes {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut v = Vec::with_capacity(len);
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(len);
    Bytes::from(v)
}

fn target(url: &str) -> TransferTarget {
    TransferTarget {
        url: url.to_string(),
        username: String::new(),
        password: String::new(),
        tls: None,
        idle_timeout: Duration::from_secs(10),
    }
}

fn with_auth(mut t: TransferTarget, user: &str, pass: &str) -> TransferTarget {
    t.username = user.to_string();
    t.password = pass.to_string();
    t
}

fn limits(announced: u64) -> DownloadLimits {
    DownloadLimits {
        announced_size: announced,
        reserve_bytes: 0,
    }
}

fn dest(tag: &str) -> PathBuf {
    pki::temp_dir(tag).join("file.bin")
}

/// A failed download: the expected fault code, and neither the file nor
/// its `.part` on disk; the message never shows the password.
fn assert_failed(r: Result<u64, TransferError>, dest: &Path, fault: u32) -> TransferError {
    let e = r.expect_err("the download must fail");
    assert_eq!(e.fault_code(Direction::Download).0, fault, "{e}");
    assert!(!dest.exists(), "{} left behind", dest.display());
    assert!(!part_path(dest).exists(), ".part left behind");
    assert!(!e.to_string().contains(PASS), "{e}");
    e
}

/// A FreeSpace that reports `first` for `calls` calls, then `later`.
struct ScriptedSpace {
    first: u64,
    calls: u32,
    later: u64,
    used: AtomicU32,
}

impl FreeSpace for ScriptedSpace {
    fn available(&self, _dir: &Path) -> std::io::Result<u64> {
        let n = self.used.fetch_add(1, Ordering::SeqCst);
        Ok(if n < self.calls {
            self.first
        } else {
            self.later
        })
    }
}

fn fixed_space(bytes: u64) -> ScriptedSpace {
    ScriptedSpace {
        first: bytes,
        calls: 0,
        later: bytes,
        used: AtomicU32::new(0),
    }
}

struct Pki {
    ca: pki::Ca,
    dir: PathBuf,
}

impl Pki {
    fn new() -> Pki {
        Pki {
            ca: pki::Ca::new("transfer test CA"),
            dir: pki::temp_dir("transfer-pki"),
        }
    }

    /// The client TLS policy the agent uses for the ACS, trusting our CA.
    fn client(&self) -> Arc<rustls::ClientConfig> {
        let settings = TlsSettings {
            ca_file: Some(self.ca.write(&self.dir, "ca.pem")),
            ..TlsSettings::default()
        };
        client_config(&settings).unwrap()
    }

    fn server(&self) -> Arc<rustls::ServerConfig> {
        let leaf = self.ca.server(&["localhost"]);
        file_server::tls_config(vec![leaf.der.clone()], leaf.key())
    }
}

#[tokio::test]
async fn good_file_over_http_arrives_byte_for_byte() {
    let data = payload(3 * 1024 * 1024 + 123);
    let srv = FileServer::start(
        vec![("/fw.bin", Serve::File(data.clone()))],
        Auth::None,
        None,
    )
    .await;
    let d = dest("good");
    let n = download(
        &target(&srv.url("http", "127.0.0.1", "/fw.bin")),
        &limits(data.len() as u64),
        &d,
        &StatVfs,
    )
    .await
    .unwrap();
    assert_eq!(n, data.len() as u64);
    assert_eq!(std::fs::read(&d).unwrap(), data);
    assert!(!part_path(&d).exists());
}

#[tokio::test]
async fn good_file_over_https_with_digest_and_unknown_size() {
    let pki = Pki::new();
    let data = payload(700_000);
    let srv = FileServer::start(
        vec![("/cfg?v=2", Serve::Chunked(data.clone()))],
        Auth::Digest {
            user: USER.into(),
            pass: PASS.into(),
        },
        Some(pki.server()),
    )
    .await;
    let mut t = with_auth(
        target(&srv.url("https", "localhost", "/cfg?v=2")),
        USER,
        PASS,
    );
    t.tls = Some(pki.client());
    let d = dest("https-digest");
    let n = download(&t, &limits(0), &d, &StatVfs).await.unwrap();
    assert_eq!(n, data.len() as u64);
    assert_eq!(std::fs::read(&d).unwrap(), data);
    let seen = srv.seen();
    assert_eq!(seen.len(), 2, "one challenge, one authorized GET");
    assert!(!seen[0].authorized && seen[1].authorized);
    assert!(seen[1]
        .authorization
        .as_deref()
        .unwrap()
        .starts_with("Digest "));
}

#[tokio::test]
async fn basic_auth_download() {
    let data = payload(10_000);
    let srv = FileServer::start(
        vec![("/f", Serve::File(data.clone()))],
        Auth::Basic {
            user: USER.into(),
            pass: PASS.into(),
        },
        None,
    )
    .await;
    let d = dest("basic");
    let t = with_auth(target(&srv.url("http", "127.0.0.1", "/f")), USER, PASS);
    download(&t, &limits(0), &d, &StatVfs).await.unwrap();
    assert_eq!(std::fs::read(&d).unwrap(), data);
    assert_eq!(srv.seen().iter().filter(|r| r.authorized).count(), 1);
}

#[tokio::test]
async fn truncated_file_is_9017() {
    let srv = FileServer::start(
        vec![
            (
                "/t",
                Serve::Truncated {
                    sent: payload(50_000),
                    claimed: 100_000,
                },
            ),
            ("/short", Serve::Chunked(payload(60_000))),
        ],
        Auth::None,
        None,
    )
    .await;
    let d = dest("truncated");
    // A clean end of a chunked body short of the announced FileSize.
    let r = download(
        &target(&srv.url("http", "127.0.0.1", "/short")),
        &limits(100_000),
        &d,
        &StatVfs,
    )
    .await;
    let e = assert_failed(r, &d, 9017);
    assert!(
        matches!(
            e,
            TransferError::Truncated {
                got: 60_000,
                expected: 100_000
            }
        ),
        "{e:?}"
    );
    for announced in [0, 100_000] {
        let r = download(
            &target(&srv.url("http", "127.0.0.1", "/t")),
            &limits(announced),
            &d,
            &StatVfs,
        )
        .await;
        let e = assert_failed(r, &d, 9017);
        assert!(
            matches!(
                e,
                TransferError::Truncated {
                    expected: 100_000,
                    ..
                }
            ),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn more_than_the_announced_size_is_9018() {
    let data = payload(20_000);
    let srv = FileServer::start(
        vec![
            ("/cl", Serve::File(data.clone())),
            ("/chunked", Serve::Chunked(data.clone())),
        ],
        Auth::None,
        None,
    )
    .await;
    let d = dest("oversized");
    // Content-Length says more than FileSize: refused at the head.
    let r = download(
        &target(&srv.url("http", "127.0.0.1", "/cl")),
        &limits(5_000),
        &d,
        &StatVfs,
    )
    .await;
    let e = assert_failed(r, &d, 9018);
    assert!(matches!(e, TransferError::SizeMismatch { .. }), "{e:?}");
    // No Content-Length: stopped as soon as the bytes pass FileSize.
    let r = download(
        &target(&srv.url("http", "127.0.0.1", "/chunked")),
        &limits(5_000),
        &d,
        &StatVfs,
    )
    .await;
    let e = assert_failed(r, &d, 9018);
    assert!(
        matches!(e, TransferError::TooLarge { limit: 5_000, .. }),
        "{e:?}"
    );
}

#[tokio::test]
async fn wrong_or_missing_credentials_are_9012() {
    let data = payload(1000);
    for auth in [
        Auth::Basic {
            user: USER.into(),
            pass: "other".into(),
        },
        Auth::Digest {
            user: USER.into(),
            pass: "other".into(),
        },
    ] {
        let srv = FileServer::start(vec![("/f", Serve::File(data.clone()))], auth, None).await;
        let d = dest("wrong-auth");
        let url = srv.url("http", "127.0.0.1", "/f");
        let r = download(
            &with_auth(target(&url), USER, PASS),
            &limits(0),
            &d,
            &StatVfs,
        )
        .await;
        assert_failed(r, &d, 9012);
        // Exactly one retry with credentials: no loop against a server that
        // keeps refusing.
        assert_eq!(srv.seen().len(), 2);
        let r = download(&target(&url), &limits(0), &d, &StatVfs).await;
        assert_failed(r, &d, 9012);
    }
}

#[tokio::test]
async fn missing_file_is_9016_and_server_error_too() {
    let srv = FileServer::start(vec![("/boom", Serve::Status(500))], Auth::None, None).await;
    let d = dest("404");
    for path in ["/nope", "/boom"] {
        let r = download(
            &target(&srv.url("http", "127.0.0.1", path)),
            &limits(0),
            &d,
            &StatVfs,
        )
        .await;
        assert_failed(r, &d, 9016);
    }
}

#[tokio::test]
async fn stalled_server_hits_the_idle_timeout_9017() {
    let srv = FileServer::start(
        vec![(
            "/slow",
            Serve::Stall {
                sent: payload(30_000),
                claimed: 1_000_000,
            },
        )],
        Auth::None,
        None,
    )
    .await;
    let d = dest("slow");
    let mut t = target(&srv.url("http", "127.0.0.1", "/slow"));
    t.idle_timeout = Duration::from_millis(300);
    let started = Instant::now();
    let r = download(&t, &limits(0), &d, &StatVfs).await;
    let e = assert_failed(r, &d, 9017);
    assert!(matches!(e, TransferError::Timeout { .. }), "{e:?}");
    // Well before the server's hour of silence ends.
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn unreachable_server_is_9015() {
    // Bind then drop: a loopback port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let d = dest("unreachable");
    let r = download(
        &target(&format!("http://127.0.0.1:{port}/f")),
        &limits(0),
        &d,
        &StatVfs,
    )
    .await;
    assert_failed(r, &d, 9015);
}

#[tokio::test]
async fn redirects_are_followed_within_bounds() {
    let data = payload(40_000);
    let other =
        FileServer::start(vec![("/real", Serve::File(data.clone()))], Auth::None, None).await;
    let srv = FileServer::start(
        vec![
            ("/a", Serve::Redirect("/b".into())),
            (
                "/b",
                Serve::Redirect(other.url("http", "127.0.0.1", "/real")),
            ),
            ("/loop", Serve::Redirect("/loop".into())),
            ("/ftp", Serve::Redirect("ftp://127.0.0.1/f".into())),
        ],
        Auth::None,
        None,
    )
    .await;
    let d = dest("redirect");
    download(
        &target(&srv.url("http", "127.0.0.1", "/a")),
        &limits(0),
        &d,
        &StatVfs,
    )
    .await
    .unwrap();
    assert_eq!(std::fs::read(&d).unwrap(), data);
    std::fs::remove_file(&d).unwrap();

    let r = download(
        &target(&srv.url("http", "127.0.0.1", "/loop")),
        &limits(0),
        &d,
        &StatVfs,
    )
    .await;
    let e = assert_failed(r, &d, 9010);
    assert!(matches!(e, TransferError::Redirect(_)), "{e:?}");
    // The /loop requests: the first plus five followed redirects.
    assert_eq!(srv.seen().iter().filter(|r| r.path == "/loop").count(), 6);

    let r = download(
        &target(&srv.url("http", "127.0.0.1", "/ftp")),
        &limits(0),
        &d,
        &StatVfs,
    )
    .await;
    assert_failed(r, &d, 9013);
}

#[tokio::test]
async fn credentials_do_not_follow_a_redirect_to_another_server() {
    let data = payload(1000);
    let other = FileServer::start(vec![("/f", Serve::File(data.clone()))], Auth::None, None).await;
    let srv = FileServer::start(
        vec![("/go", Serve::Redirect(other.url("http", "127.0.0.1", "/f")))],
        Auth::Basic {
            user: USER.into(),
            pass: PASS.into(),
        },
        None,
    )
    .await;
    let d = dest("redirect-auth");
    let t = with_auth(target(&srv.url("http", "127.0.0.1", "/go")), USER, PASS);
    download(&t, &limits(0), &d, &StatVfs).await.unwrap();
    assert_eq!(std::fs::read(&d).unwrap(), data);
    let seen = other.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].authorization, None,
        "credentials leaked to the new host"
    );
}

#[tokio::test]
async fn https_server_outside_the_trusted_ca_is_refused() {
    let pki = Pki::new();
    let rogue = pki::Ca::new("someone else");
    let leaf = rogue.server(&["localhost"]);
    let srv = FileServer::start(
        vec![("/f", Serve::File(payload(1000)))],
        Auth::None,
        Some(file_server::tls_config(vec![leaf.der.clone()], leaf.key())),
    )
    .await;
    let d = dest("rogue");
    let mut t = target(&srv.url("https", "localhost", "/f"));
    t.tls = Some(pki.client());
    let r = download(&t, &limits(0), &d, &StatVfs).await;
    let e = assert_failed(r, &d, 9012);
    assert!(
        matches!(
            e,
            TransferError::Tls {
                certificate_refused: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(srv.seen().is_empty(), "no request reached the server");
    // https without any TLS configuration: refused, never plaintext.
    t.tls = None;
    let r = download(&t, &limits(0), &d, &StatVfs).await;
    assert!(matches!(
        assert_failed(r, &d, 9010),
        TransferError::NoTlsConfig
    ));
}

#[tokio::test]
async fn other_schemes_and_credentials_in_the_url_are_refused() {
    let d = dest("schemes");
    for url in [
        "ftp://127.0.0.1/fw.bin",
        "tftp://127.0.0.1/fw.bin",
        "file:///etc/passwd",
    ] {
        let r = download(&target(url), &limits(0), &d, &StatVfs).await;
        assert_failed(r, &d, 9013);
    }
    let url = format!("http://{USER}:{PASS}@127.0.0.1:9/f");
    let r = download(&target(&url), &limits(0), &d, &StatVfs).await;
    let e = assert_failed(r, &d, 9010);
    assert!(matches!(e, TransferError::CredentialsInUrl));
}

#[tokio::test]
async fn not_enough_space_is_refused_before_and_during() {
    let data = payload(3 * 1024 * 1024);
    let srv = FileServer::start(vec![("/f", Serve::File(data.clone()))], Auth::None, None).await;
    let url = srv.url("http", "127.0.0.1", "/f");
    let d = dest("space");
    let len = data.len() as u64;

    // FileSize known: refused before contacting the server.
    let r = download(&target(&url), &limits(len), &d, &fixed_space(len - 1)).await;
    let e = assert_failed(r, &d, 9010);
    assert!(matches!(e, TransferError::NoSpace { .. }), "{e:?}");
    assert!(srv.seen().is_empty());

    // The reserve counts: exactly enough for the file but not the reserve.
    let tight = DownloadLimits {
        announced_size: len,
        reserve_bytes: 4096,
    };
    let r = download(&target(&url), &tight, &d, &fixed_space(len + 4095)).await;
    assert_failed(r, &d, 9010);

    // FileSize 0: the Content-Length decides, after the response head.
    let r = download(&target(&url), &limits(0), &d, &fixed_space(1000)).await;
    assert_failed(r, &d, 9010);
    assert_eq!(srv.seen().len(), 1);

    // Space vanishing mid-transfer (another writer): the 1 MiB re-check
    // stops it and removes the partial file.
    let shrinking = ScriptedSpace {
        first: 1 << 40,
        calls: 2,
        later: 10,
        used: AtomicU32::new(0),
    };
    let r = download(&target(&url), &limits(len), &d, &shrinking).await;
    assert_failed(r, &d, 9010);
    assert!(shrinking.used.load(Ordering::SeqCst) >= 3);

    // And with room it works.
    download(&target(&url), &limits(len), &d, &fixed_space(len))
        .await
        .unwrap();
    assert_eq!(std::fs::read(&d).unwrap().len() as u64, len);
}

#[tokio::test]
async fn upload_put_with_digest_and_post_with_basic_over_https() {
    let content = payload(300_000);
    let src = pki::temp_dir("upload").join("backup.tar.gz");
    std::fs::write(&src, &content).unwrap();

    let srv = FileServer::start(
        vec![("/up/backup", Serve::Store)],
        Auth::Digest {
            user: USER.into(),
            pass: PASS.into(),
        },
        None,
    )
    .await;
    let t = with_auth(
        target(&srv.url("http", "127.0.0.1", "/up/backup")),
        USER,
        PASS,
    );
    let n = upload(&t, UploadMethod::Put, &src).await.unwrap();
    assert_eq!(n, content.len() as u64);
    let seen = srv.seen();
    let ok: Vec<_> = seen.iter().filter(|r| r.authorized).collect();
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].method, "PUT");
    assert_eq!(ok[0].body, content);

    let pki = Pki::new();
    let srv = FileServer::start(
        vec![("/logs", Serve::Store)],
        Auth::Basic {
            user: USER.into(),
            pass: PASS.into(),
        },
        Some(pki.server()),
    )
    .await;
    let mut t = with_auth(target(&srv.url("https", "localhost", "/logs")), USER, PASS);
    t.tls = Some(pki.client());
    upload(&t, UploadMethod::Post, &src).await.unwrap();
    let seen = srv.seen();
    let ok: Vec<_> = seen.iter().filter(|r| r.authorized).collect();
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].method, "POST");
    assert_eq!(ok[0].body, content);
    assert_eq!(
        ok[0].authorization.as_deref(),
        Some(cwmpd::transport::acs_client::basic_credentials(USER, PASS).as_str())
    );
}

#[tokio::test]
async fn upload_failures_are_9011_9012_9013() {
    let src = pki::temp_dir("upload-fail").join("log.txt");
    std::fs::write(&src, b"some log lines\n").unwrap();
    let srv = FileServer::start(
        vec![
            ("/err", Serve::Status(500)),
            ("/store", Serve::Store),
            ("/moved", Serve::Redirect("/store".into())),
        ],
        Auth::Basic {
            user: USER.into(),
            pass: PASS.into(),
        },
        None,
    )
    .await;
    let code = |r: Result<u64, TransferError>| {
        let e = r.expect_err("the upload must fail");
        assert!(!e.to_string().contains(PASS));
        e.fault_code(Direction::Upload).0
    };
    let good = with_auth(target(&srv.url("http", "127.0.0.1", "/err")), USER, PASS);
    assert_eq!(code(upload(&good, UploadMethod::Put, &src).await), 9011);
    let bad = with_auth(
        target(&srv.url("http", "127.0.0.1", "/store")),
        USER,
        "nope",
    );
    assert_eq!(code(upload(&bad, UploadMethod::Put, &src).await), 9012);
    let ftp = with_auth(target("ftp://127.0.0.1/store"), USER, PASS);
    assert_eq!(code(upload(&ftp, UploadMethod::Put, &src).await), 9013);
    let missing = src.with_file_name("no-such-file");
    let t = with_auth(target(&srv.url("http", "127.0.0.1", "/store")), USER, PASS);
    assert_eq!(code(upload(&t, UploadMethod::Put, &missing).await), 9011);
    // Nothing was stored by the refused attempts.
    assert!(srv
        .seen()
        .iter()
        .all(|r| !(r.authorized && r.path == "/store")));
}
