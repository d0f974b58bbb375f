//! The transfers as `ubus call cwmp status` and `cwmpd show status` show
//! them (README "ubus"): each queue entry with its CommandKey, kind,
//! FileType and state, and the last transfer result.
//!
//! Nothing secret leaves here: the queue holds the ACS's Username/Password
//! and URLs that may carry credentials or signed query strings, so only
//! the redacted URL (host and path) is shown and the credentials never are.

use std::path::PathBuf;

use crate::backend::ubus::BlobValue;

use super::queue::{Kind, Phase, Queue, Transfer};
use super::rpc::redact_url;
use super::window::{decide, Decision};

/// One queue entry as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferStatus {
    pub command_key: String,
    /// `download` (Download and ScheduleDownload) or `upload`.
    pub kind: &'static str,
    pub file_type: String,
    /// Scheme, host and path only.
    pub url: String,
    /// `queued`, `waiting_window`, `running`, `flashing`, or `completed`
    /// (its TransferComplete not yet acknowledged by the ACS).
    pub state: &'static str,
    /// Queued: earliest start (Unix seconds).
    pub due: i64,
    /// Completed: the TransferComplete fault (0 = success).
    pub fault_code: u32,
    pub fault_string: String,
    /// A running download: its partial file, whose size is the bytes
    /// received so far (read when the status is asked for, not stored).
    pub progress_file: Option<PathBuf>,
}

/// The most recent finished transfer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LastTransfer {
    pub command_key: String,
    pub fault_code: u32,
    pub fault_string: String,
    /// CompleteTime, Unix seconds; 0 = none since the agent started.
    pub time: i64,
}

fn state(t: &Transfer, now: i64) -> &'static str {
    match &t.phase {
        Phase::Queued if t.kind == Kind::ScheduleDownload => match decide(&t.windows, now) {
            Decision::WaitUntil(_) => "waiting_window",
            Decision::Start | Decision::Missed => "queued",
        },
        Phase::Queued => "queued",
        Phase::Running => "running",
        Phase::Flashing { .. } => "flashing",
        Phase::Done(_) => "completed",
    }
}

/// The queue as shown at `now`; `download_part` is where a running
/// download's bytes are being written.
pub fn snapshot(queue: &Queue, now: i64, download_part: &std::path::Path) -> Vec<TransferStatus> {
    queue
        .items()
        .iter()
        .map(|t| {
            let (fault_code, fault_string) = match &t.phase {
                Phase::Done(f) => (f.fault_code.0, f.fault_string.clone()),
                _ => (0, String::new()),
            };
            let running_download = t.phase == Phase::Running && t.kind.is_download();
            TransferStatus {
                command_key: t.command_key.clone(),
                kind: if t.kind.is_download() {
                    "download"
                } else {
                    "upload"
                },
                file_type: t.file_type.clone(),
                url: redact_url(&t.url),
                state: state(t, now),
                due: t.due,
                fault_code,
                fault_string,
                progress_file: running_download.then(|| download_part.to_path_buf()),
            }
        })
        .collect()
}

/// The latest finished entry of the queue (after a restart, before any
/// transfer finished in this run).
pub fn last_in(queue: &Queue) -> Option<LastTransfer> {
    queue
        .items()
        .iter()
        .filter_map(|t| match &t.phase {
            Phase::Done(f) => Some(LastTransfer {
                command_key: t.command_key.clone(),
                fault_code: f.fault_code.0,
                fault_string: f.fault_string.clone(),
                time: t.complete_time.unwrap_or(0),
            }),
            _ => None,
        })
        .max_by_key(|l| l.time)
}

impl TransferStatus {
    /// Bytes received so far by a running download (the partial file may
    /// not exist yet before the first byte, or already be renamed).
    pub fn bytes(&self) -> Option<u64> {
        let path = self.progress_file.as_ref()?;
        Some(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0))
    }

    pub fn to_blob(&self) -> BlobValue {
        let mut members = vec![
            ("command_key", BlobValue::from(self.command_key.as_str())),
            ("kind", self.kind.into()),
            ("file_type", self.file_type.as_str().into()),
            ("url", self.url.as_str().into()),
            ("state", self.state.into()),
        ];
        match self.state {
            "queued" | "waiting_window" => members.push(("due", BlobValue::int(self.due))),
            "completed" => {
                members.push(("fault_code", BlobValue::from(self.fault_code)));
                members.push(("fault_string", self.fault_string.as_str().into()));
            }
            _ => {}
        }
        if let Some(bytes) = self.bytes() {
            members.push(("bytes", BlobValue::int(bytes as i64)));
        }
        BlobValue::table(members)
    }
}

impl LastTransfer {
    pub fn to_blob(&self) -> BlobValue {
        BlobValue::table([
            ("command_key", BlobValue::from(self.command_key.as_str())),
            ("fault_code", BlobValue::from(self.fault_code)),
            ("fault_string", self.fault_string.as_str().into()),
            ("time", BlobValue::int(self.time)),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cwmp::FaultCode;
    use crate::transfer::queue::fault;
    use crate::transfer::window::{Mode, Window};

    fn queue() -> Queue {
        let mut q = Queue::default();
        let mut fw = Transfer::new(
            Kind::Download,
            "fw-1",
            "1 Firmware Upgrade Image",
            "https://bob:hunter2@files.example/fw.bin?sig=abc",
            0,
        );
        fw.username = "acs-user".into();
        fw.password = "acs-secret".into();
        fw.phase = Phase::Running;
        q.add(fw).unwrap();
        let mut later = Transfer::new(
            Kind::ScheduleDownload,
            "sd-1",
            "3 Vendor Configuration File",
            "http://files.example/c",
            0,
        );
        later.windows = vec![Window {
            start: 500,
            end: 600,
            mode: Mode::AtAnyTime,
            max_retries: 0,
        }];
        q.add(later).unwrap();
        let mut delayed =
            Transfer::new(Kind::Upload, "up-2", "2 Vendor Log File", "http://h/u", 90);
        delayed.password = "other-secret".into();
        q.add(delayed).unwrap();
        let mut done = Transfer::new(Kind::Upload, "up-1", "2 Vendor Log File", "http://h/l", 0);
        done.phase = Phase::Done(fault(FaultCode::UPLOAD_FAILURE, "server said 500"));
        done.complete_time = Some(42);
        q.add(done).unwrap();
        q
    }

    #[test]
    fn every_entry_shows_its_kind_and_state() {
        let dir = std::env::temp_dir().join(format!("cwmpd-tstatus-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let part = dir.join("download.part");
        std::fs::write(&part, [0u8; 1234]).unwrap();
        let shown = snapshot(&queue(), 100, &part);
        let states: Vec<_> = shown
            .iter()
            .map(|t| (t.command_key.as_str(), t.kind, t.state))
            .collect();
        assert_eq!(
            states,
            [
                ("fw-1", "download", "running"),
                ("sd-1", "download", "waiting_window"),
                ("up-2", "upload", "queued"),
                ("up-1", "upload", "completed"),
            ]
        );
        assert_eq!(shown[0].bytes(), Some(1234), "bytes so far of the download");
        assert_eq!(shown[2].bytes(), None);
        assert_eq!(shown[3].fault_code, 9011);
        // Inside its window the ScheduleDownload just waits its turn.
        assert_eq!(snapshot(&queue(), 550, &part)[1].state, "queued");
        let blob = shown[3].to_blob();
        assert_eq!(
            blob.get("fault_code").and_then(BlobValue::as_i64),
            Some(9011)
        );
        assert_eq!(
            shown[2].to_blob().get("due").and_then(BlobValue::as_i64),
            Some(90)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn no_credentials_are_shown() {
        let shown = snapshot(&queue(), 0, std::path::Path::new("/nonexistent"));
        let text = format!(
            "{:?}",
            shown.iter().map(|t| t.to_blob()).collect::<Vec<_>>()
        );
        for secret in [
            "hunter2",
            "bob",
            "sig=abc",
            "acs-secret",
            "acs-user",
            "other-secret",
        ] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        assert_eq!(shown[0].url, "https://files.example/fw.bin");
        assert_eq!(shown[0].bytes(), Some(0), "running, no byte yet");
    }

    #[test]
    fn last_result_is_the_latest_finished() {
        let mut q = queue();
        assert_eq!(
            last_in(&q),
            Some(LastTransfer {
                command_key: "up-1".into(),
                fault_code: 9011,
                fault_string: "server said 500".into(),
                time: 42,
            })
        );
        let t = q.get_mut(0).unwrap();
        t.phase = Phase::Done(fault(FaultCode(0), ""));
        t.complete_time = Some(77);
        assert_eq!(last_in(&q).unwrap().command_key, "fw-1");
        assert_eq!(last_in(&Queue::default()), None);
    }
}
