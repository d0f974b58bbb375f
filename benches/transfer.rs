//! Figures for the transfer I/O layer (issue 5), printed, not asserted:
//! download throughput on loopback and the process's peak RSS while
//! downloading 8 MiB and 64 MiB files over HTTP and HTTPS. Streaming means
//! the peak must not grow with the file size.
//!
//! The file server runs on its own thread and runtime; the download runs
//! on a current-thread runtime like the daemon's. Files are generated on
//! the fly (one 64 KiB chunk repeated), written to the temp dir, removed.
//!
//! `cargo bench --bench transfer`

#[path = "../tests/file_server/mod.rs"]
mod file_server;
#[allow(dead_code)]
#[path = "../tests/acs/pki.rs"]
mod pki;

use bytes::Bytes;
use cwmpd::transfer::client::{download, DownloadLimits, StatVfs, TransferTarget};
use cwmpd::transport::tls::{client_config, TlsSettings};
use file_server::{Auth, FileServer, Serve};
use std::sync::Arc;
use std::time::{Duration, Instant};

const MIB: u64 = 1024 * 1024;
const CHUNK: usize = 64 * 1024;
const RUNS: usize = 3;

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Resets VmHWM to the current RSS (Linux ≥ 4.0); false if refused, then
/// the peaks printed are peaks since the start of the process.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn chunk() -> Bytes {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut v = Vec::with_capacity(CHUNK);
    while v.len() < CHUNK {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    Bytes::from(v)
}

/// Starts the server on its own thread; returns its port.
fn start_server(tls: Option<Arc<rustls::ServerConfig>>) -> u16 {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let c = chunk();
            let routes = vec![
                (
                    "/8m",
                    Serve::Repeat {
                        chunk: c.clone(),
                        count: 8 * MIB / CHUNK as u64,
                    },
                ),
                (
                    "/64m",
                    Serve::Repeat {
                        chunk: c,
                        count: 64 * MIB / CHUNK as u64,
                    },
                ),
            ];
            let srv = FileServer::start(routes, Auth::None, tls).await;
            tx.send(srv.addr.port()).unwrap();
            // Serve until the process exits.
            std::future::pending::<()>().await;
            drop(srv);
        });
    });
    rx.recv().unwrap()
}

fn main() {
    let pki_dir = pki::temp_dir("bench-transfer");
    let ca = pki::Ca::new("bench CA");
    let leaf = ca.server(&["localhost"]);
    let server_tls = file_server::tls_config(vec![leaf.der.clone()], leaf.key());
    let client_tls = client_config(&TlsSettings {
        ca_file: Some(ca.write(&pki_dir, "ca.pem")),
        ..TlsSettings::default()
    })
    .unwrap();
    let http_port = start_server(None);
    let https_port = start_server(Some(server_tls));

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dest = pki_dir.join("download.bin");
    let peak_resettable = reset_peak();
    println!(
        "transfer bench: loopback, {} runs each, 64 KiB server chunks, dest {}",
        RUNS,
        dest.display()
    );
    println!(
        "baseline: VmRSS {} KiB, VmHWM {} KiB (peak reset per case: {peak_resettable})",
        status_kib("VmRSS:"),
        status_kib("VmHWM:")
    );
    for (scheme, port, tls) in [
        ("http", http_port, None),
        ("https", https_port, Some(client_tls.clone())),
    ] {
        for (path, size) in [("/8m", 8 * MIB), ("/64m", 64 * MIB)] {
            let target = TransferTarget {
                url: format!("{scheme}://localhost:{port}{path}"),
                username: String::new(),
                password: String::new(),
                tls: tls.clone(),
                idle_timeout: Duration::from_secs(30),
            };
            let limits = DownloadLimits {
                announced_size: size,
                reserve_bytes: 0,
            };
            reset_peak();
            let hwm_before = status_kib("VmHWM:");
            let mut rates = Vec::new();
            for _ in 0..RUNS {
                let t0 = Instant::now();
                let n = rt
                    .block_on(download(&target, &limits, &dest, &StatVfs))
                    .expect("download");
                let secs = t0.elapsed().as_secs_f64();
                assert_eq!(n, size);
                rates.push(size as f64 / MIB as f64 / secs);
                std::fs::remove_file(&dest).unwrap();
            }
            rates.sort_by(|a, b| a.total_cmp(b));
            let hwm_after = status_kib("VmHWM:");
            println!(
                "{scheme:5} {:>2} MiB: median {:7.1} MiB/s (min {:7.1}, max {:7.1}); \
                 VmHWM before {hwm_before} KiB, after {hwm_after} KiB (+{} KiB)",
                size / MIB,
                rates[RUNS / 2],
                rates[0],
                rates[RUNS - 1],
                hwm_after.saturating_sub(hwm_before)
            );
        }
    }
    let _ = std::fs::remove_dir_all(&pki_dir);
}
