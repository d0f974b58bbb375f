//! rustls client configuration for HTTPS to the ACS.
//!
//! Verification is on by default: the ACS certificate must chain to a CA in
//! the bundle and match the URL's host name (TR-069 §3.2: the CPE MUST
//! authenticate the ACS when TLS is used). `verify = false` exists for labs;
//! it accepts any certificate and the caller must log a warning each session
//! ([`TlsSettings::is_insecure`]). An optional client certificate gives mTLS.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The CA bundle used when no `ca_file` is configured (Debian/OpenWrt
/// `ca-certificates` path).
pub const DEFAULT_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// TLS options of the `acs` UCI section. Paths are already resolved against
/// the root directory by the caller.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    /// CA bundle (PEM); `None` means [`DEFAULT_CA_BUNDLE`].
    pub ca_file: Option<PathBuf>,
    /// `false` turns every certificate check off.
    pub verify: bool,
    /// Client certificate chain (PEM) for mutual TLS.
    pub client_cert: Option<PathBuf>,
    /// Private key (PEM: PKCS#8, PKCS#1 or SEC1) of `client_cert`.
    pub client_key: Option<PathBuf>,
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            ca_file: None,
            verify: true,
            client_cert: None,
            client_key: None,
        }
    }
}

impl TlsSettings {
    /// True when the ACS certificate is not checked; the caller logs a
    /// warning for every session made so.
    pub fn is_insecure(&self) -> bool {
        !self.verify
    }
}

/// Why a TLS configuration could not be built. Names the file at fault.
#[derive(Debug)]
pub enum TlsError {
    /// A file could not be read or holds no usable PEM item.
    File { path: PathBuf, reason: String },
    /// `client_cert` without `client_key` or the reverse.
    IncompleteClientAuth,
    /// rustls refused the configuration (e.g. key does not match cert).
    Rustls(rustls::Error),
}

impl std::fmt::Display for TlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TlsError::File { path, reason } => write!(f, "{}: {reason}", path.display()),
            TlsError::IncompleteClientAuth => {
                write!(f, "client_cert and client_key must be set together")
            }
            TlsError::Rustls(e) => write!(f, "TLS configuration: {e}"),
        }
    }
}

impl std::error::Error for TlsError {}

impl From<rustls::Error> for TlsError {
    fn from(e: rustls::Error) -> Self {
        TlsError::Rustls(e)
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn file_err(path: &Path, reason: impl std::fmt::Display) -> TlsError {
    TlsError::File {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Reads every certificate of a PEM file; at least one is required.
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| file_err(path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_err(path, e))?;
    if certs.is_empty() {
        return Err(file_err(path, "no certificate found"));
    }
    Ok(certs)
}

/// Reads the first private key of a PEM file.
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| file_err(path, e))
}

/// Builds the client configuration. Reads files: call it once per session
/// (so a changed CA bundle is picked up) or when the settings change.
pub fn client_config(settings: &TlsSettings) -> Result<Arc<ClientConfig>, TlsError> {
    let builder =
        ClientConfig::builder_with_provider(provider()).with_safe_default_protocol_versions()?;
    let builder = if settings.verify {
        let ca = settings
            .ca_file
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CA_BUNDLE));
        let mut roots = RootCertStore::empty();
        // Bundles may hold certificates rustls cannot parse; keep the rest
        // but insist on at least one usable anchor.
        let (added, _ignored) = roots.add_parsable_certificates(load_certs(&ca)?);
        if added == 0 {
            return Err(file_err(&ca, "no usable CA certificate"));
        }
        builder.with_root_certificates(roots)
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyServerCert(provider())))
    };
    let mut config = match (&settings.client_cert, &settings.client_key) {
        (Some(cert), Some(key)) => {
            builder.with_client_auth_cert(load_certs(cert)?, load_key(key)?)?
        }
        (None, None) => builder.with_no_client_auth(),
        _ => return Err(TlsError::IncompleteClientAuth),
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// The `verify = false` verifier: any certificate, any name. Handshake
/// signatures are still checked so the peer at least holds the key of the
/// certificate it shows.
#[derive(Debug)]
struct AcceptAnyServerCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
