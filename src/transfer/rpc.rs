//! The transfer RPCs as the session's handler answers them: checks, then a
//! queue entry; the transfer itself runs after the session (TR-069
//! §A.3.2.8 Status 1: "not yet completed", times are the Unknown Time).
//!
//! Choices where TR-069 leaves room, all refusals of the RPC itself so the
//! ACS learns at once and nothing is queued:
//! - `cwmp.cpe.download '0'` / `upload '0'` (vendor "disable download /
//!   upload"): 9001 Request denied, logged with the option's name.
//! - a FileType this agent does not handle: 9003 Invalid arguments;
//! - a URL that is not http:// or https://: 9013 Unsupported protocol;
//! - a full queue: 9004 Resources exceeded;
//! - ScheduleDownload window mode 4 (Confirmation Needed): 9003.
//!
//! TargetFileName, SuccessURL and FailureURL are accepted and not used
//! (files always go to fixed paths under /tmp; no browser to redirect).

use crate::cwmp::rpc::transfers::{
    FileType, GetAllQueuedTransfersResponse, GetQueuedTransfersResponse, TransferResponse,
    TransferStatus,
};
use crate::cwmp::xsd::DateTime;
use crate::cwmp::{AcsRequest, CpeResponse, Fault, FaultCode};

use super::queue::{Kind, Queue, Transfer};
use super::window::{decide, Decision, Window};

/// What the handler needs besides the queue.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// `cwmp.cpe.download`.
    pub download: bool,
    /// `cwmp.cpe.upload`.
    pub upload: bool,
    /// Unix seconds when the request arrived.
    pub now: i64,
}

pub const DOWNLOAD_TYPES: [&str; 2] = [
    FileType::FIRMWARE_UPGRADE_IMAGE,
    FileType::VENDOR_CONFIGURATION_FILE,
];
pub const UPLOAD_TYPES: [&str; 2] = [
    FileType::UPLOAD_VENDOR_CONFIGURATION_FILE,
    FileType::UPLOAD_VENDOR_LOG_FILE,
];

/// `url` without credentials and query, for logs.
pub fn redact_url(url: &str) -> String {
    let no_query = url.split(['?', '#']).next().unwrap_or_default();
    match no_query.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = match rest.find('/') {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            let host = authority.rsplit('@').next().unwrap_or_default();
            format!("{scheme}://{host}{path}")
        }
        None => "(not a URL)".into(),
    }
}

/// The I/O layer's URL rules, checked before anything is queued: a
/// scheme other than http/https is 9013, a URL carrying `user:pass@` or
/// otherwise unusable is 9003.
fn check_url(url: &str) -> Result<(), Fault> {
    use super::error::TransferError;
    match super::client::check_url(url) {
        Ok(()) => Ok(()),
        Err(e @ TransferError::UnsupportedScheme { .. }) => Err(Fault::with_string(
            FaultCode::UNSUPPORTED_TRANSFER_PROTOCOL,
            e.to_string(),
        )),
        Err(e) => Err(Fault::with_string(
            FaultCode::INVALID_ARGUMENTS,
            e.to_string(),
        )),
    }
}

fn check_type(file_type: &FileType, supported: &[&str]) -> Result<(), Fault> {
    if supported.contains(&file_type.as_str()) {
        Ok(())
    } else {
        Err(Fault::with_string(
            FaultCode::INVALID_ARGUMENTS,
            format!(
                "unsupported FileType {:?} (supported: {})",
                file_type.as_str(),
                supported.join(", ")
            ),
        ))
    }
}

fn denied(rpc: &str, option: &str) -> Fault {
    log::warn!("{rpc} refused: cwmp.cpe.{option} is 0 (transfers of this kind are disabled)");
    Fault::with_string(
        FaultCode::REQUEST_DENIED,
        format!("{rpc} is disabled on this device (cwmp.cpe.{option})"),
    )
}

/// Status 1: the transfer happens after this session.
fn pending() -> TransferResponse {
    TransferResponse {
        status: TransferStatus::Pending,
        start_time: DateTime::UNKNOWN,
        complete_time: DateTime::UNKNOWN,
    }
}

/// Answers a transfer RPC, or `None` when `request` is not one.
pub fn handle(
    request: &AcsRequest,
    queue: &mut Queue,
    policy: &Policy,
) -> Option<Result<CpeResponse, Fault>> {
    Some(match request {
        AcsRequest::Download(d) => (|| {
            if !policy.download {
                return Err(denied("Download", "download"));
            }
            check_type(&d.file_type, &DOWNLOAD_TYPES)?;
            check_url(&d.url)?;
            let mut t = Transfer::new(
                Kind::Download,
                &d.command_key,
                d.file_type.as_str(),
                &d.url,
                policy.now + i64::from(d.delay_seconds),
            );
            t.username = d.username.clone();
            t.password = d.password.clone();
            t.file_size = d.file_size;
            t.target_file_name = d.target_file_name.clone();
            queue.add(t)?;
            log::info!(
                "Download [{}] {} from {} queued, in {} s",
                d.command_key,
                d.file_type.as_str(),
                redact_url(&d.url),
                d.delay_seconds
            );
            Ok(CpeResponse::Download(pending()))
        })(),
        AcsRequest::Upload(u) => (|| {
            if !policy.upload {
                return Err(denied("Upload", "upload"));
            }
            check_type(&u.file_type, &UPLOAD_TYPES)?;
            check_url(&u.url)?;
            let mut t = Transfer::new(
                Kind::Upload,
                &u.command_key,
                u.file_type.as_str(),
                &u.url,
                policy.now + i64::from(u.delay_seconds),
            );
            t.username = u.username.clone();
            t.password = u.password.clone();
            queue.add(t)?;
            log::info!(
                "Upload [{}] {} to {} queued, in {} s",
                u.command_key,
                u.file_type.as_str(),
                redact_url(&u.url),
                u.delay_seconds
            );
            Ok(CpeResponse::Upload(pending()))
        })(),
        AcsRequest::ScheduleDownload(s) => (|| {
            if !policy.download {
                return Err(denied("ScheduleDownload", "download"));
            }
            check_type(&s.file_type, &DOWNLOAD_TYPES)?;
            check_url(&s.url)?;
            let windows = Window::from_rpc(&s.time_window_list, policy.now)?;
            let due = match decide(&windows, policy.now) {
                Decision::WaitUntil(t) => t,
                Decision::Start | Decision::Missed => policy.now,
            };
            let mut t = Transfer::new(
                Kind::ScheduleDownload,
                &s.command_key,
                s.file_type.as_str(),
                &s.url,
                due,
            );
            t.username = s.username.clone();
            t.password = s.password.clone();
            t.file_size = s.file_size;
            t.target_file_name = s.target_file_name.clone();
            t.windows = windows;
            queue.add(t)?;
            log::info!(
                "ScheduleDownload [{}] {} from {} queued, first window at {due}",
                s.command_key,
                s.file_type.as_str(),
                redact_url(&s.url)
            );
            Ok(CpeResponse::ScheduleDownload)
        })(),
        AcsRequest::CancelTransfer(c) => queue.cancel(&c.command_key).map(|n| {
            log::info!(
                "CancelTransfer [{}]: {n} queued transfer(s) removed",
                c.command_key
            );
            CpeResponse::CancelTransfer
        }),
        AcsRequest::GetQueuedTransfers => Ok(CpeResponse::GetQueuedTransfers(
            GetQueuedTransfersResponse {
                transfer_list: queue.queued(),
            },
        )),
        AcsRequest::GetAllQueuedTransfers => Ok(CpeResponse::GetAllQueuedTransfers(
            GetAllQueuedTransfersResponse {
                transfer_list: queue.all_queued(),
            },
        )),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cwmp::rpc::transfers::{
        CancelTransfer, Download, ScheduleDownload, TimeWindow, Upload,
    };

    fn download(key: &str, ft: &str, url: &str) -> AcsRequest {
        AcsRequest::Download(Download {
            command_key: key.into(),
            file_type: FileType::new(ft),
            url: url.into(),
            username: "u".into(),
            password: "p".into(),
            file_size: 10,
            target_file_name: "x.bin".into(),
            delay_seconds: 30,
            success_url: String::new(),
            failure_url: String::new(),
        })
    }

    fn policy() -> Policy {
        Policy {
            download: true,
            upload: true,
            now: 1000,
        }
    }

    fn code(r: Option<Result<CpeResponse, Fault>>) -> FaultCode {
        r.unwrap().unwrap_err().fault_code
    }

    #[test]
    fn download_is_queued_with_status_1_and_unknown_times() {
        let mut q = Queue::default();
        let r = handle(
            &download("k1", FileType::FIRMWARE_UPGRADE_IMAGE, "http://h/fw"),
            &mut q,
            &policy(),
        );
        let Some(Ok(CpeResponse::Download(resp))) = r else {
            panic!("{r:?}")
        };
        assert_eq!(resp.status, TransferStatus::Pending);
        assert_eq!(resp.start_time, DateTime::UNKNOWN);
        assert_eq!(q.items()[0].due, 1030);
        assert_eq!(q.items()[0].password, "p");
    }

    #[test]
    fn refusals() {
        let mut q = Queue::default();
        let off = Policy {
            download: false,
            upload: false,
            now: 0,
        };
        let fw = download("k", FileType::FIRMWARE_UPGRADE_IMAGE, "http://h/fw");
        assert_eq!(code(handle(&fw, &mut q, &off)), FaultCode::REQUEST_DENIED);
        let up = AcsRequest::Upload(Upload {
            command_key: "u".into(),
            file_type: FileType::new(FileType::UPLOAD_VENDOR_LOG_FILE),
            url: "http://h/up".into(),
            username: String::new(),
            password: String::new(),
            delay_seconds: 0,
        });
        assert_eq!(code(handle(&up, &mut q, &off)), FaultCode::REQUEST_DENIED);
        let web = download("k", FileType::WEB_CONTENT, "http://h/w");
        assert_eq!(
            code(handle(&web, &mut q, &policy())),
            FaultCode::INVALID_ARGUMENTS
        );
        let ftp = download("k", FileType::FIRMWARE_UPGRADE_IMAGE, "ftp://h/fw");
        assert_eq!(
            code(handle(&ftp, &mut q, &policy())),
            FaultCode::UNSUPPORTED_TRANSFER_PROTOCOL
        );
        let creds = download("k", FileType::FIRMWARE_UPGRADE_IMAGE, "http://u:p@h/fw");
        assert_eq!(
            code(handle(&creds, &mut q, &policy())),
            FaultCode::INVALID_ARGUMENTS
        );
        assert!(q.items().is_empty(), "nothing queued by a refusal");
        let sd = AcsRequest::ScheduleDownload(ScheduleDownload {
            command_key: "s".into(),
            file_type: FileType::new(FileType::FIRMWARE_UPGRADE_IMAGE),
            url: "http://h/fw".into(),
            username: String::new(),
            password: String::new(),
            file_size: 0,
            target_file_name: String::new(),
            time_window_list: vec![TimeWindow {
                window_start: 10,
                window_end: 20,
                window_mode: "1 At Any Time".into(),
                user_message: String::new(),
                max_retries: 0,
            }],
        });
        assert_eq!(code(handle(&sd, &mut q, &off)), FaultCode::REQUEST_DENIED);
        assert!(matches!(
            handle(&sd, &mut q, &policy()),
            Some(Ok(CpeResponse::ScheduleDownload))
        ));
        assert_eq!(q.items()[0].due, 1010);
        let cancel = AcsRequest::CancelTransfer(CancelTransfer {
            command_key: "s".into(),
        });
        assert!(matches!(
            handle(&cancel, &mut q, &policy()),
            Some(Ok(CpeResponse::CancelTransfer))
        ));
        assert_eq!(
            code(handle(&cancel, &mut q, &policy())),
            FaultCode::CANCELATION_NOT_PERMITTED
        );
        assert!(handle(&AcsRequest::FactoryReset, &mut q, &policy()).is_none());
    }

    #[test]
    fn urls_are_logged_without_secrets() {
        assert_eq!(
            redact_url("https://user:pw@files.example/fw.bin?token=abc"),
            "https://files.example/fw.bin"
        );
        assert_eq!(redact_url("http://h"), "http://h");
        assert_eq!(redact_url("garbage"), "(not a URL)");
    }
}
