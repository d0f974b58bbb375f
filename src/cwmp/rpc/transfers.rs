//! File transfer RPCs (TR-069 §A.3.2.8–A.3.2.9, §A.3.2.11, §A.4.1.1–A.4.1.2,
//! §A.4.1.5, §A.4.2.1 ...): Download, Upload, ScheduleDownload,
//! CancelTransfer, GetQueuedTransfers, GetAllQueuedTransfers,
//! TransferComplete, AutonomousTransferComplete, RequestDownload.

use crate::cwmp::fault::FaultCode;
use crate::cwmp::xsd::DateTime;

/// A `FileType` string, e.g. `"1 Firmware Upgrade Image"`,
/// `"3 Vendor Configuration File"`, `"X 00D09E Foo"`. Open newtype; the
/// session decides which ones it supports (9003/9013 otherwise).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileType(pub String);

impl FileType {
    // Download file types (TR-069 §A.3.2.8).
    pub const FIRMWARE_UPGRADE_IMAGE: &'static str = "1 Firmware Upgrade Image";
    pub const WEB_CONTENT: &'static str = "2 Web Content";
    pub const VENDOR_CONFIGURATION_FILE: &'static str = "3 Vendor Configuration File";
    pub const TONE_FILE: &'static str = "4 Tone File";
    pub const RINGER_FILE: &'static str = "5 Ringer File";
    // Upload file types (TR-069 §A.4.1.5 / §A.3.2.9).
    pub const UPLOAD_VENDOR_CONFIGURATION_FILE: &'static str = "1 Vendor Configuration File";
    pub const UPLOAD_VENDOR_LOG_FILE: &'static str = "2 Vendor Log File";

    pub fn new(s: impl Into<String>) -> FileType {
        FileType(s.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `Status` of DownloadResponse / UploadResponse (TR-069 §A.3.2.8):
/// 0 = transfer completed and applied (StartTime/CompleteTime meaningful),
/// 1 = not yet completed (a TransferComplete follows; times are Unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransferStatus {
    Completed = 0,
    Pending = 1,
}

/// ACS → CPE `Download`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    pub command_key: String,
    pub file_type: FileType,
    pub url: String,
    pub username: String,
    pub password: String,
    pub file_size: u32,
    pub target_file_name: String,
    pub delay_seconds: u32,
    pub success_url: String,
    pub failure_url: String,
}

/// CPE → ACS `DownloadResponse` / `UploadResponse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferResponse {
    pub status: TransferStatus,
    pub start_time: DateTime,
    pub complete_time: DateTime,
}

/// ACS → CPE `Upload`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub command_key: String,
    pub file_type: FileType,
    pub url: String,
    pub username: String,
    pub password: String,
    pub delay_seconds: u32,
}

/// `TimeWindowStruct` of ScheduleDownload (TR-069 §A.4.1.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeWindow {
    /// Seconds after the ScheduleDownload's arrival.
    pub window_start: u32,
    pub window_end: u32,
    /// `"1 At Any Time"`, `"2 Immediately"`, `"3 When Idle"`,
    /// `"4 Confirmation Needed"` or `"X <OUI> ..."`.
    pub window_mode: String,
    pub user_message: String,
    /// -1 = CPE decides.
    pub max_retries: i32,
}

/// ACS → CPE `ScheduleDownload` (1 or 2 time windows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleDownload {
    pub command_key: String,
    pub file_type: FileType,
    pub url: String,
    pub username: String,
    pub password: String,
    pub file_size: u32,
    pub target_file_name: String,
    pub time_window_list: Vec<TimeWindow>,
}

/// ACS → CPE `CancelTransfer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelTransfer {
    pub command_key: String,
}

/// `TransferStateType` (TR-069 §A.4.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransferState {
    NotYetStarted = 1,
    InProgress = 2,
    Completed = 3,
}

/// `QueuedTransferStruct`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedTransfer {
    pub command_key: String,
    pub state: TransferState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetQueuedTransfersResponse {
    /// At most 16 (XSD).
    pub transfer_list: Vec<QueuedTransfer>,
}

/// `AllQueuedTransferStruct`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllQueuedTransfer {
    pub command_key: String,
    pub state: TransferState,
    pub is_download: bool,
    pub file_type: FileType,
    pub file_size: u32,
    pub target_file_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetAllQueuedTransfersResponse {
    /// At most 16 (XSD).
    pub transfer_list: Vec<AllQueuedTransfer>,
}

/// `TransferCompleteFaultStruct`: code 0 with empty string = success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferFault {
    pub fault_code: FaultCode,
    pub fault_string: String,
}

impl TransferFault {
    /// FaultCode 0: no fault.
    pub fn success() -> TransferFault {
        TransferFault {
            fault_code: FaultCode(0),
            fault_string: String::new(),
        }
    }
}

/// CPE → ACS `TransferComplete`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferComplete {
    pub command_key: String,
    pub fault: TransferFault,
    pub start_time: DateTime,
    pub complete_time: DateTime,
}

/// CPE → ACS `AutonomousTransferComplete`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutonomousTransferComplete {
    pub announce_url: String,
    pub transfer_url: String,
    pub is_download: bool,
    pub file_type: FileType,
    pub file_size: u32,
    pub target_file_name: String,
    pub fault: TransferFault,
    pub start_time: DateTime,
    pub complete_time: DateTime,
}

/// `ArgStruct` of RequestDownload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileTypeArg {
    pub name: String,
    pub value: String,
}

/// CPE → ACS `RequestDownload`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestDownload {
    pub file_type: FileType,
    /// At most 16 (XSD).
    pub file_type_arg: Vec<FileTypeArg>,
}
