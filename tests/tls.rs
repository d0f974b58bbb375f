//! HTTPS to the test ACS with certificates made at test time (rcgen):
//! verification on, host name checked, mutual TLS.

mod acs;

use acs::http::{tls_config, Options, Reply, TestAcs};
use acs::pki::{temp_dir, Ca};
use bytes::Bytes;
use cwmpd::transport::acs_client::{AcsClientConfig, AcsSession, TransportError};
use cwmpd::transport::tls::{client_config, TlsError, TlsSettings};
use std::path::PathBuf;

struct Pki {
    ca: Ca,
    dir: PathBuf,
    ca_file: PathBuf,
}

fn pki() -> Pki {
    let ca = Ca::new("cwmpd test CA");
    let dir = temp_dir("tls");
    let ca_file = ca.write(&dir, "ca.pem");
    Pki { ca, dir, ca_file }
}

async fn https_acs(p: &Pki, names: &[&str], client_ca: bool) -> TestAcs {
    let leaf = p.ca.server(names);
    let mut opts = Options::new(|_, _| Reply::new(200).body("secure"));
    opts.tls = Some(tls_config(
        vec![leaf.der.clone()],
        leaf.key(),
        client_ca.then(|| p.ca.der()),
    ));
    TestAcs::start(opts).await
}

async fn post(url: &str, settings: &TlsSettings) -> Result<Bytes, TransportError> {
    let cfg = client_config(settings).expect("client config");
    let mut s = AcsSession::new(url, AcsClientConfig::new("", "", Some(cfg)))?;
    s.post(Bytes::from_static(b"<x/>"), "")
        .await
        .map(|r| r.body)
}

fn with_ca(p: &Pki) -> TlsSettings {
    TlsSettings {
        ca_file: Some(p.ca_file.clone()),
        ..TlsSettings::default()
    }
}

fn is_cert_error(e: &TransportError) -> bool {
    // rustls reports certificate failures as io errors wrapping rustls::Error.
    matches!(e, TransportError::Connect(io) if io.to_string().to_lowercase().contains("certificate"))
}

#[tokio::test(flavor = "current_thread")]
async fn good_ca_and_right_host_works() {
    let p = pki();
    let acs = https_acs(&p, &["localhost"], false).await;
    let body = post(&acs.url("https", "localhost", "/acs"), &with_ca(&p))
        .await
        .unwrap();
    assert_eq!(&body[..], b"secure");
}

#[tokio::test(flavor = "current_thread")]
async fn wrong_ca_fails() {
    let p = pki();
    let other = pki();
    let acs = https_acs(&p, &["localhost"], false).await;
    let err = post(&acs.url("https", "localhost", "/acs"), &with_ca(&other))
        .await
        .unwrap_err();
    assert!(is_cert_error(&err), "{err}");
    // The same server is accepted with verify = false (lab use).
    let insecure = TlsSettings {
        verify: false,
        ..with_ca(&other)
    };
    assert!(insecure.is_insecure());
    assert_eq!(
        &post(&acs.url("https", "localhost", "/acs"), &insecure)
            .await
            .unwrap()[..],
        b"secure"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn wrong_host_name_fails() {
    let p = pki();
    let acs = https_acs(&p, &["acs.example.net"], false).await;
    let err = post(&acs.url("https", "localhost", "/acs"), &with_ca(&p))
        .await
        .unwrap_err();
    assert!(is_cert_error(&err), "{err}");
    let err = post(&acs.url("https", "127.0.0.1", "/acs"), &with_ca(&p))
        .await
        .unwrap_err();
    assert!(is_cert_error(&err), "{err}");
}

#[tokio::test(flavor = "current_thread")]
async fn mutual_tls_needs_the_client_certificate() {
    let p = pki();
    let acs = https_acs(&p, &["localhost"], true).await;
    let url = acs.url("https", "localhost", "/acs");
    // Without a client certificate the server refuses the handshake.
    assert!(post(&url, &with_ca(&p)).await.is_err());
    let client = p.ca.client("cpe-0001");
    let (cert, key) = client.write(&p.dir, "client");
    let settings = TlsSettings {
        client_cert: Some(cert),
        client_key: Some(key),
        ..with_ca(&p)
    };
    assert_eq!(&post(&url, &settings).await.unwrap()[..], b"secure");
    // A certificate from another CA is refused too.
    let stranger = pki();
    let (cert, key) = stranger
        .ca
        .client("cpe-0001")
        .write(&stranger.dir, "client");
    let settings = TlsSettings {
        client_cert: Some(cert),
        client_key: Some(key),
        ..with_ca(&p)
    };
    assert!(post(&url, &settings).await.is_err());
}

#[test]
fn bad_files_give_clear_errors() {
    let p = pki();
    let missing = TlsSettings {
        ca_file: Some(p.dir.join("nope.pem")),
        ..TlsSettings::default()
    };
    let e = client_config(&missing).unwrap_err();
    assert!(
        matches!(&e, TlsError::File { path, .. } if path.ends_with("nope.pem")),
        "{e}"
    );
    let junk = p.dir.join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let e = client_config(&TlsSettings {
        ca_file: Some(junk),
        ..TlsSettings::default()
    })
    .unwrap_err();
    assert!(matches!(e, TlsError::File { .. }), "{e}");
    let half = TlsSettings {
        client_cert: Some(p.ca_file.clone()),
        ..with_ca(&p)
    };
    assert!(matches!(
        client_config(&half),
        Err(TlsError::IncompleteClientAuth)
    ));
    // Key that does not match the certificate.
    let a = p.ca.client("a").write(&p.dir, "a");
    let b = p.ca.client("b").write(&p.dir, "b");
    let mismatched = TlsSettings {
        client_cert: Some(a.0),
        client_key: Some(b.1),
        ..with_ca(&p)
    };
    assert!(client_config(&mismatched).is_err());
}
