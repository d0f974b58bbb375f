//! Why a file transfer failed, and the TR-069 fault code that reports it.
//!
//! The codes come from TR-069 Table 11 (§A.5.2). 9015 to 9019 are defined as
//! *download* failures only; an Upload reports 9011 for everything except
//! an authentication failure (9012) and an unsupported scheme (9013).

use crate::cwmp::FaultCode;
use std::fmt;
use std::io;

/// Which RPC the transfer belongs to: the same cause maps to different
/// fault codes for Download and Upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Download,
    Upload,
}

/// Where a stall happened: before the connection was up (the server cannot
/// be reached, 9015) or after (the transfer cannot complete, 9017).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Connect,
    Transfer,
}

/// A failed transfer. `Display` never shows a password or URL userinfo:
/// URLs with userinfo are refused before anything else, and URLs in errors
/// go through [`redact_url`].
#[derive(Debug)]
pub enum TransferError {
    /// Not `scheme://host[:port]/path`, or a redirect Location we cannot use.
    InvalidUrl { url: String, reason: &'static str },
    /// A scheme other than http/https (ftp, tftp, file, ...).
    UnsupportedScheme { scheme: String },
    /// `user:pass@` in the URL: TR-069 passes credentials as the Username
    /// and Password arguments; a URL carrying them would end up in logs
    /// and in the persisted queue, so it is refused.
    CredentialsInUrl,
    /// `https` URL but no TLS configuration was given.
    NoTlsConfig,
    /// Name resolution or TCP connect failed.
    Connect(io::Error),
    /// TLS handshake failed; `certificate_refused` when the server's
    /// certificate did not verify (wrong CA, wrong name, expired).
    Tls {
        certificate_refused: bool,
        detail: String,
    },
    /// The HTTP exchange broke (reset, malformed response).
    Http(hyper::Error),
    /// 401 with no credentials to give, credentials refused, or a
    /// challenge we cannot answer.
    AuthFailed { reason: &'static str },
    /// A final status that is not success (404, 403, 500, ...).
    Status { status: u16 },
    /// Too many redirects, a redirect without Location, or https → http.
    Redirect(String),
    /// No byte moved for the idle timeout.
    Timeout { stage: Stage },
    /// The server closed before sending all it announced.
    Truncated { got: u64, expected: u64 },
    /// More bytes than the announced FileSize.
    TooLarge { got: u64, limit: u64 },
    /// Content-Length disagrees with the FileSize the ACS announced.
    SizeMismatch { announced: u64, content_length: u64 },
    /// Not enough free space (before or during the transfer).
    NoSpace { needed: u64, available: u64 },
    /// Local file error (creating, writing, renaming, reading the source).
    Io(io::Error),
}

impl TransferError {
    /// The CWMP fault code for TransferComplete (or the Download/Upload
    /// response), TR-069 Table 11.
    pub fn fault_code(&self, direction: Direction) -> FaultCode {
        use TransferError as E;
        match (direction, self) {
            (_, E::UnsupportedScheme { .. }) => FaultCode::UNSUPPORTED_TRANSFER_PROTOCOL,
            // 9012 "file transfer server authentication failure": either
            // side failed to authenticate the other.
            (_, E::AuthFailed { .. })
            | (
                _,
                E::Tls {
                    certificate_refused: true,
                    ..
                },
            ) => FaultCode::TRANSFER_AUTHENTICATION_FAILURE,
            (Direction::Upload, _) => FaultCode::UPLOAD_FAILURE,
            (Direction::Download, e) => match e {
                E::Connect(_)
                | E::Tls { .. }
                | E::Timeout {
                    stage: Stage::Connect,
                } => FaultCode::FILE_SERVER_UNREACHABLE,
                E::Status { .. } => FaultCode::FILE_ACCESS_FAILURE,
                E::Http(_) | E::Timeout { .. } | E::Truncated { .. } => {
                    FaultCode::DOWNLOAD_INCOMPLETE
                }
                // The bytes are not the file the ACS described.
                E::TooLarge { .. } | E::SizeMismatch { .. } => FaultCode::FILE_CORRUPTED,
                _ => FaultCode::DOWNLOAD_FAILURE,
            },
        }
    }
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use TransferError as E;
        match self {
            E::InvalidUrl { url, reason } => write!(f, "invalid URL {url:?}: {reason}"),
            E::UnsupportedScheme { scheme } => {
                write!(
                    f,
                    "unsupported transfer protocol {scheme:?} (http and https only)"
                )
            }
            E::CredentialsInUrl => write!(
                f,
                "the URL carries user information; credentials go in Username/Password"
            ),
            E::NoTlsConfig => write!(f, "https URL but no TLS configuration"),
            E::Connect(e) => write!(f, "cannot connect to the file server: {e}"),
            E::Tls {
                certificate_refused: true,
                detail,
            } => write!(f, "file server certificate refused: {detail}"),
            E::Tls { detail, .. } => write!(f, "TLS handshake failed: {detail}"),
            E::Http(e) => write!(f, "HTTP error: {e}"),
            E::AuthFailed { reason } => write!(f, "authentication failed: {reason}"),
            E::Status { status } => write!(f, "file server answered HTTP {status}"),
            E::Redirect(r) => write!(f, "redirect refused: {r}"),
            E::Timeout {
                stage: Stage::Connect,
            } => write!(f, "file server did not answer in time"),
            E::Timeout { .. } => write!(f, "transfer stalled past the idle timeout"),
            E::Truncated { got, expected } => {
                write!(f, "transfer truncated: {got} of {expected} bytes")
            }
            E::TooLarge { got, limit } => {
                write!(
                    f,
                    "file larger than announced: over {limit} bytes ({got} so far)"
                )
            }
            E::SizeMismatch {
                announced,
                content_length,
            } => write!(
                f,
                "Content-Length {content_length} differs from the announced FileSize {announced}"
            ),
            E::NoSpace { needed, available } => write!(
                f,
                "not enough free space: {needed} bytes needed, {available} available"
            ),
            E::Io(e) => write!(f, "local file error: {e}"),
        }
    }
}

impl std::error::Error for TransferError {}

/// `url` without any `userinfo@` part, for errors and logs.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest_start = scheme_end + 3;
    let rest = &url[rest_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***@{}", &url[..rest_start], &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(e: &TransferError, d: Direction) -> u32 {
        e.fault_code(d).0
    }

    #[test]
    fn download_fault_codes_follow_table_11() {
        let d = Direction::Download;
        let refused = || io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(
            code(
                &TransferError::UnsupportedScheme {
                    scheme: "ftp".into()
                },
                d
            ),
            9013
        );
        assert_eq!(code(&TransferError::AuthFailed { reason: "x" }, d), 9012);
        let cert = TransferError::Tls {
            certificate_refused: true,
            detail: String::new(),
        };
        assert_eq!(code(&cert, d), 9012);
        let tls = TransferError::Tls {
            certificate_refused: false,
            detail: String::new(),
        };
        assert_eq!(code(&tls, d), 9015);
        assert_eq!(code(&TransferError::Connect(refused()), d), 9015);
        let connect_timeout = TransferError::Timeout {
            stage: Stage::Connect,
        };
        assert_eq!(code(&connect_timeout, d), 9015);
        assert_eq!(code(&TransferError::Status { status: 404 }, d), 9016);
        let stalled = TransferError::Timeout {
            stage: Stage::Transfer,
        };
        assert_eq!(code(&stalled, d), 9017);
        let truncated = TransferError::Truncated {
            got: 1,
            expected: 2,
        };
        assert_eq!(code(&truncated, d), 9017);
        assert_eq!(code(&TransferError::TooLarge { got: 3, limit: 2 }, d), 9018);
        let mismatch = TransferError::SizeMismatch {
            announced: 1,
            content_length: 2,
        };
        assert_eq!(code(&mismatch, d), 9018);
        let no_space = TransferError::NoSpace {
            needed: 2,
            available: 1,
        };
        assert_eq!(code(&no_space, d), 9010);
        assert_eq!(code(&TransferError::Io(refused()), d), 9010);
        assert_eq!(code(&TransferError::CredentialsInUrl, d), 9010);
    }

    #[test]
    fn upload_faults_are_9011_except_auth_and_scheme() {
        let u = Direction::Upload;
        assert_eq!(
            code(
                &TransferError::UnsupportedScheme {
                    scheme: "tftp".into()
                },
                u
            ),
            9013
        );
        assert_eq!(code(&TransferError::AuthFailed { reason: "x" }, u), 9012);
        for e in [
            TransferError::Status { status: 404 },
            TransferError::Status { status: 500 },
            TransferError::Timeout {
                stage: Stage::Transfer,
            },
            TransferError::Connect(io::Error::from(io::ErrorKind::ConnectionRefused)),
            TransferError::NoTlsConfig,
        ] {
            assert_eq!(code(&e, u), 9011, "{e}");
        }
    }

    #[test]
    fn urls_in_messages_lose_their_userinfo() {
        assert_eq!(
            redact_url("http://bob:s3cret@h:8/p@q"),
            "http://***@h:8/p@q"
        );
        assert_eq!(redact_url("https://h/x"), "https://h/x");
        assert_eq!(redact_url("garbage@"), "garbage@");
        let e = TransferError::InvalidUrl {
            url: redact_url("http://u:pw@[::1/"),
            reason: "bad",
        };
        assert!(!e.to_string().contains("pw"));
    }
}
