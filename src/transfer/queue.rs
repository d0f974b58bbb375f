//! The transfer queue: what the ACS asked for (Download, ScheduleDownload,
//! Upload), where each stands, and the TransferComplete still owed for it.
//! Pure: time comes in as `now` (Unix seconds).
//!
//! A transfer goes Queued → Running → (Flashing →) Done and leaves the
//! queue when the ACS acknowledges its TransferComplete. GetQueuedTransfers
//! and GetAllQueuedTransfers (TR-069 §A.4.1.1/§A.4.1.6) show exactly these
//! entries: Queued = 1 not yet started, Running/Flashing = 2 in progress,
//! Done = 3 completed. The whole queue is persisted in the agent's state file
//! (`/etc/cwmpd/state`, kept across sysupgrade by keep.d) as `transfer`
//! records, credentials included, because a queued transfer must still work
//! after a reboot; they are never logged.

use crate::cwmp::rpc::transfers::{
    AllQueuedTransfer, FileType, QueuedTransfer, TransferComplete, TransferFault, TransferState,
};
use crate::cwmp::xsd::DateTime;
use crate::cwmp::{EventCode, Fault, FaultCode};

use super::window::{Mode, Window};

/// The state-file key of a queue entry.
pub const RECORD: &str = "transfer";

/// At most this many entries (the XSD's maxOccurs of TransferList is 16,
/// so GetAllQueuedTransfers can always report every one). A new request
/// beyond it is refused with 9004 Resources exceeded.
pub const MAX_TRANSFERS: usize = 16;

/// Which RPC asked for the transfer: it names the `M` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Download,
    ScheduleDownload,
    Upload,
}

impl Kind {
    pub fn event(self) -> &'static str {
        match self {
            Kind::Download => EventCode::M_DOWNLOAD,
            Kind::ScheduleDownload => EventCode::M_SCHEDULE_DOWNLOAD,
            Kind::Upload => EventCode::M_UPLOAD,
        }
    }

    pub fn is_download(self) -> bool {
        self != Kind::Upload
    }

    fn as_str(self) -> &'static str {
        match self {
            Kind::Download => "download",
            Kind::ScheduleDownload => "schedule_download",
            Kind::Upload => "upload",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        match s {
            "download" => Some(Kind::Download),
            "schedule_download" => Some(Kind::ScheduleDownload),
            "upload" => Some(Kind::Upload),
            _ => None,
        }
    }
}

/// Where a transfer stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Queued,
    Running,
    /// The image was handed to sysupgrade; the restart tells whether it
    /// took: the software version then differs from `old_version`.
    Flashing {
        old_version: String,
    },
    /// Finished; the TransferComplete with this fault (0 = success) is owed.
    Done(TransferFault),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub kind: Kind,
    pub command_key: String,
    pub file_type: String,
    pub url: String,
    pub username: String,
    pub password: String,
    pub file_size: u32,
    pub target_file_name: String,
    /// Earliest start (arrival + DelaySeconds).
    pub due: i64,
    /// ScheduleDownload only.
    pub windows: Vec<Window>,
    /// Attempts made in the current window.
    pub attempts: u32,
    pub phase: Phase,
    pub start_time: Option<i64>,
    pub complete_time: Option<i64>,
}

impl Transfer {
    pub fn new(kind: Kind, command_key: &str, file_type: &str, url: &str, due: i64) -> Transfer {
        Transfer {
            kind,
            command_key: command_key.into(),
            file_type: file_type.into(),
            url: url.into(),
            username: String::new(),
            password: String::new(),
            file_size: 0,
            target_file_name: String::new(),
            due,
            windows: Vec::new(),
            attempts: 0,
            phase: Phase::Queued,
            start_time: None,
            complete_time: None,
        }
    }

    pub fn state(&self) -> TransferState {
        match self.phase {
            Phase::Queued => TransferState::NotYetStarted,
            Phase::Running | Phase::Flashing { .. } => TransferState::InProgress,
            Phase::Done(_) => TransferState::Completed,
        }
    }

    /// The TransferComplete for a finished transfer.
    pub fn transfer_complete(&self) -> Option<TransferComplete> {
        let Phase::Done(fault) = &self.phase else {
            return None;
        };
        let time = |t: Option<i64>| t.map(DateTime::from_unix).unwrap_or(DateTime::UNKNOWN);
        Some(TransferComplete {
            command_key: self.command_key.clone(),
            fault: fault.clone(),
            start_time: time(self.start_time),
            complete_time: time(self.complete_time),
        })
    }
}

/// A TransferComplete fault with its string.
pub fn fault(code: FaultCode, text: impl Into<String>) -> TransferFault {
    TransferFault {
        fault_code: code,
        fault_string: text.into(),
    }
}

/// The code TransferComplete may carry for `code`: the XSD's
/// TransferCompleteCPEFaultCodeType allows 0, 9001, 9002, 9010–9012 and
/// 9014–9020 (and extension/vendor codes); anything else (9013 from a
/// redirect to another scheme, say) becomes the generic download (9010) or
/// upload (9011) failure.
pub fn reportable(code: FaultCode, is_download: bool) -> FaultCode {
    match code.0 {
        0 | 9001 | 9002 | 9010..=9012 | 9014..=9020 | 9033..=9899 => code,
        _ if is_download => FaultCode::DOWNLOAD_FAILURE,
        _ => FaultCode::UPLOAD_FAILURE,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Queue {
    items: Vec<Transfer>,
}

impl Queue {
    pub fn items(&self) -> &[Transfer] {
        &self.items
    }

    pub fn get_mut(&mut self, index: usize) -> Option<&mut Transfer> {
        self.items.get_mut(index)
    }

    /// Adds a request; 9004 when the queue is full (§A.3.2.8: the CPE may
    /// refuse with Resources exceeded).
    pub fn add(&mut self, t: Transfer) -> Result<(), Fault> {
        if self.items.len() >= MAX_TRANSFERS {
            return Err(Fault::with_string(
                FaultCode::RESOURCES_EXCEEDED,
                format!("transfer queue full ({MAX_TRANSFERS} transfers)"),
            ));
        }
        self.items.push(t);
        Ok(())
    }

    /// CancelTransfer (§A.4.1.7): removes the not-yet-started transfers with
    /// this CommandKey. When none is queued (running, done, or unknown:
    /// none of them can be cancelled any more) the answer is 9021.
    pub fn cancel(&mut self, command_key: &str) -> Result<usize, Fault> {
        let before = self.items.len();
        self.items
            .retain(|t| !(t.command_key == command_key && t.phase == Phase::Queued));
        let removed = before - self.items.len();
        if removed == 0 {
            return Err(Fault::with_string(
                FaultCode::CANCELATION_NOT_PERMITTED,
                format!("no queued transfer with CommandKey {command_key:?} (in progress, completed or unknown)"),
            ));
        }
        Ok(removed)
    }

    /// GetQueuedTransfers: every entry, in the order received.
    pub fn queued(&self) -> Vec<QueuedTransfer> {
        self.items
            .iter()
            .map(|t| QueuedTransfer {
                command_key: t.command_key.clone(),
                state: t.state(),
            })
            .collect()
    }

    /// GetAllQueuedTransfers.
    pub fn all_queued(&self) -> Vec<AllQueuedTransfer> {
        self.items
            .iter()
            .map(|t| AllQueuedTransfer {
                command_key: t.command_key.clone(),
                state: t.state(),
                is_download: t.kind.is_download(),
                file_type: FileType::new(t.file_type.clone()),
                file_size: t.file_size,
                target_file_name: t.target_file_name.clone(),
            })
            .collect()
    }

    pub fn is_busy(&self) -> bool {
        self.items
            .iter()
            .any(|t| matches!(t.phase, Phase::Running | Phase::Flashing { .. }))
    }

    /// The finished transfers whose TransferComplete is owed, in order.
    pub fn completed(&self) -> Vec<(usize, TransferComplete)> {
        self.items
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.transfer_complete().map(|tc| (i, tc)))
            .collect()
    }

    /// The ACS acknowledged this TransferComplete: its entry leaves the
    /// queue. Matched by content, as earlier acknowledgements move indices.
    pub fn acknowledged(&mut self, done: &TransferComplete) -> Option<Transfer> {
        if let Some(i) = self
            .items
            .iter()
            .position(|t| t.transfer_complete().as_ref() == Some(done))
        {
            return Some(self.items.remove(i));
        }
        None
    }

    /// The agent (re)started. A flash is judged by the software version
    /// now running; a transfer cut off by the restart failed. Returns the
    /// entries that changed to Done, for logging and events.
    pub fn restarted(&mut self, running_version: &str, now: i64) -> Vec<usize> {
        let mut changed = Vec::new();
        for (i, t) in self.items.iter_mut().enumerate() {
            let outcome = match &t.phase {
                Phase::Flashing { old_version } if old_version == running_version => fault(
                    FaultCode::DOWNLOAD_FAILURE,
                    format!(
                        "firmware not installed: the device came back on the old version {old_version}"
                    ),
                ),
                Phase::Flashing { .. } => TransferFault::success(),
                Phase::Running => {
                    let code = if t.kind.is_download() {
                        FaultCode::DOWNLOAD_FAILURE
                    } else {
                        FaultCode::UPLOAD_FAILURE
                    };
                    fault(code, "transfer interrupted by a restart of the device")
                }
                _ => continue,
            };
            t.phase = Phase::Done(outcome);
            t.complete_time = Some(now);
            changed.push(i);
        }
        changed
    }

    /// The next queued transfer whose time has come, if nothing runs.
    pub fn next_due(&self, now: i64) -> Option<usize> {
        if self.is_busy() {
            return None;
        }
        self.items
            .iter()
            .position(|t| t.phase == Phase::Queued && t.due <= now)
    }

    /// Earliest `due` of the queued transfers (for the agent's timer).
    pub fn next_wake(&self) -> Option<i64> {
        self.items
            .iter()
            .filter(|t| t.phase == Phase::Queued)
            .map(|t| t.due)
            .min()
    }

    pub fn to_records(&self) -> Vec<Vec<String>> {
        self.items.iter().map(to_record).collect()
    }

    /// Reads the records back; a record that does not parse is dropped
    /// with a warning rather than stopping the agent.
    pub fn from_records<'a>(rows: impl Iterator<Item = &'a [String]>) -> Queue {
        let items = rows
            .filter_map(|row| {
                let t = from_record(row);
                if t.is_none() {
                    log::warn!("state file: unreadable transfer record dropped");
                }
                t
            })
            .collect();
        Queue { items }
    }
}

/// The state-file records `rows` without the (first) one whose
/// TransferComplete is `done`: the record removal of an acknowledgement,
/// made on the persisted rows while the session holds the queue itself.
pub fn without_acknowledged<'a>(
    rows: impl Iterator<Item = &'a [String]>,
    done: &TransferComplete,
) -> Vec<Vec<String>> {
    let mut removed = false;
    rows.filter(|row| {
        let matches = !removed
            && from_record(row)
                .and_then(|t| t.transfer_complete())
                .as_ref()
                == Some(done);
        removed |= matches;
        !matches
    })
    .map(<[String]>::to_vec)
    .collect()
}

fn opt_time(t: Option<i64>) -> String {
    t.map(|t| t.to_string()).unwrap_or_default()
}

fn to_record(t: &Transfer) -> Vec<String> {
    let (phase, a, b) = match &t.phase {
        Phase::Queued => ("queued", String::new(), String::new()),
        Phase::Running => ("running", String::new(), String::new()),
        Phase::Flashing { old_version } => ("flashing", old_version.clone(), String::new()),
        Phase::Done(f) => ("done", f.fault_code.0.to_string(), f.fault_string.clone()),
    };
    let windows = t
        .windows
        .iter()
        .map(|w| {
            format!(
                "{},{},{},{}",
                w.start,
                w.end,
                w.mode.as_str(),
                w.max_retries
            )
        })
        .collect::<Vec<_>>()
        .join(";");
    vec![
        t.kind.as_str().into(),
        t.command_key.clone(),
        t.file_type.clone(),
        t.url.clone(),
        t.username.clone(),
        t.password.clone(),
        t.file_size.to_string(),
        t.target_file_name.clone(),
        t.due.to_string(),
        windows,
        t.attempts.to_string(),
        phase.into(),
        a,
        b,
        opt_time(t.start_time),
        opt_time(t.complete_time),
    ]
}

fn from_record(row: &[String]) -> Option<Transfer> {
    let [kind, key, file_type, url, user, pass, size, target, due, windows, attempts, phase, a, b, start, complete] =
        row
    else {
        return None;
    };
    let time = |s: &str| -> Option<Option<i64>> {
        if s.is_empty() {
            Some(None)
        } else {
            s.parse().ok().map(Some)
        }
    };
    let windows = if windows.is_empty() {
        Vec::new()
    } else {
        windows
            .split(';')
            .map(|w| {
                let mut f = w.splitn(4, ',');
                let start = f.next()?.parse().ok()?;
                let end = f.next()?.parse().ok()?;
                let mode = Mode::parse(f.next()?).ok()?;
                let max_retries = f.next()?.parse().ok()?;
                Some(Window {
                    start,
                    end,
                    mode,
                    max_retries,
                })
            })
            .collect::<Option<Vec<_>>>()?
    };
    let phase = match phase.as_str() {
        "queued" => Phase::Queued,
        "running" => Phase::Running,
        "flashing" => Phase::Flashing {
            old_version: a.clone(),
        },
        "done" => Phase::Done(fault(FaultCode(a.parse().ok()?), b.clone())),
        _ => return None,
    };
    Some(Transfer {
        kind: Kind::parse(kind)?,
        command_key: key.clone(),
        file_type: file_type.clone(),
        url: url.clone(),
        username: user.clone(),
        password: pass.clone(),
        file_size: size.parse().ok()?,
        target_file_name: target.clone(),
        due: due.parse().ok()?,
        windows,
        attempts: attempts.parse().ok()?,
        phase,
        start_time: time(start)?,
        complete_time: time(complete)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Queue {
        let mut q = Queue::default();
        let mut a = Transfer::new(
            Kind::Download,
            "fw-1",
            "1 Firmware Upgrade Image",
            "http://h/fw",
            100,
        );
        a.username = "u\tser".into();
        a.password = "p;a,ss".into();
        a.file_size = 1234;
        q.add(a).unwrap();
        let mut b = Transfer::new(
            Kind::ScheduleDownload,
            "sd-1",
            "3 Vendor Configuration File",
            "http://h/c",
            0,
        );
        b.windows = vec![Window {
            start: 10,
            end: 20,
            mode: Mode::WhenIdle,
            max_retries: -1,
        }];
        q.add(b).unwrap();
        let mut c = Transfer::new(Kind::Upload, "up-1", "2 Vendor Log File", "http://h/log", 0);
        c.phase = Phase::Done(fault(FaultCode::UPLOAD_FAILURE, "server said 500"));
        c.start_time = Some(5);
        c.complete_time = Some(6);
        q.add(c).unwrap();
        q
    }

    #[test]
    fn only_transfer_complete_codes_are_reported() {
        assert_eq!(reportable(FaultCode(9017), true), FaultCode(9017));
        assert_eq!(reportable(FaultCode(0), true), FaultCode(0));
        assert_eq!(
            reportable(FaultCode(9013), true),
            FaultCode::DOWNLOAD_FAILURE
        );
        assert_eq!(
            reportable(FaultCode(9003), false),
            FaultCode::UPLOAD_FAILURE
        );
    }

    #[test]
    fn records_round_trip() {
        let q = sample();
        let rows = q.to_records();
        let back = Queue::from_records(rows.iter().map(Vec::as_slice));
        assert_eq!(back, q);
        let broken = [vec!["download".to_string(), "x".into()]];
        assert!(Queue::from_records(broken.iter().map(Vec::as_slice))
            .items()
            .is_empty());
    }

    #[test]
    fn states_are_reported_truthfully() {
        let mut q = sample();
        q.get_mut(1).unwrap().phase = Phase::Running;
        let states: Vec<_> = q.queued().iter().map(|t| t.state).collect();
        assert_eq!(
            states,
            [
                TransferState::NotYetStarted,
                TransferState::InProgress,
                TransferState::Completed
            ]
        );
        let all = q.all_queued();
        assert!(all[0].is_download && !all[2].is_download);
        assert_eq!(all[0].file_size, 1234);
        assert_eq!(all[1].file_type.as_str(), "3 Vendor Configuration File");
    }

    #[test]
    fn cancel_removes_queued_only() {
        let mut q = sample();
        assert_eq!(q.cancel("fw-1"), Ok(1));
        assert_eq!(
            q.cancel("up-1").unwrap_err().fault_code,
            FaultCode::CANCELATION_NOT_PERMITTED
        );
        q.get_mut(0).unwrap().phase = Phase::Running;
        assert_eq!(
            q.cancel("sd-1").unwrap_err().fault_code,
            FaultCode::CANCELATION_NOT_PERMITTED
        );
        assert_eq!(
            q.cancel("nope").unwrap_err().fault_code,
            FaultCode::CANCELATION_NOT_PERMITTED
        );
    }

    #[test]
    fn full_queue_is_resources_exceeded() {
        let mut q = Queue::default();
        for i in 0..MAX_TRANSFERS {
            q.add(Transfer::new(
                Kind::Upload,
                &i.to_string(),
                "2 Vendor Log File",
                "http://h/",
                0,
            ))
            .unwrap();
        }
        let f = q
            .add(Transfer::new(
                Kind::Upload,
                "x",
                "2 Vendor Log File",
                "http://h/",
                0,
            ))
            .unwrap_err();
        assert_eq!(f.fault_code, FaultCode::RESOURCES_EXCEEDED);
    }

    #[test]
    fn one_at_a_time_and_only_when_due() {
        let mut q = sample();
        assert_eq!(q.next_due(50), Some(1));
        assert_eq!(q.next_due(100), Some(0));
        assert_eq!(q.next_wake(), Some(0));
        q.get_mut(1).unwrap().phase = Phase::Running;
        assert_eq!(q.next_due(1000), None);
    }

    #[test]
    fn restart_judges_the_flash_by_the_version() {
        let mut q = sample();
        q.get_mut(0).unwrap().phase = Phase::Flashing {
            old_version: "23.05.0".into(),
        };
        q.get_mut(1).unwrap().phase = Phase::Running;
        let mut same = q.clone();
        assert_eq!(q.restarted("24.10.0", 77), vec![0, 1]);
        let tc = q.items()[0].transfer_complete().unwrap();
        assert_eq!(tc.fault.fault_code, FaultCode(0));
        assert_eq!(tc.complete_time, DateTime::from_unix(77));
        assert_eq!(
            q.items()[1].transfer_complete().unwrap().fault.fault_code,
            FaultCode::DOWNLOAD_FAILURE
        );
        same.restarted("23.05.0", 77);
        let tc = same.items()[0].transfer_complete().unwrap();
        assert_eq!(tc.fault.fault_code, FaultCode::DOWNLOAD_FAILURE);
        assert!(tc.fault.fault_string.contains("old version"), "{tc:?}");
    }

    #[test]
    fn completed_then_acknowledged_leaves_the_queue() {
        let mut q = sample();
        let done = q.completed();
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].1.command_key, "up-1");
        assert_eq!(done[0].1.start_time, DateTime::from_unix(5));
        assert!(q.acknowledged(&done[0].1).is_some());
        assert!(q.acknowledged(&done[0].1).is_none(), "already gone");
        assert_eq!(q.items().len(), 2);
    }

    #[test]
    fn acknowledged_record_leaves_the_persisted_rows() {
        let q = sample();
        let rows = q.to_records();
        let done = q.completed()[0].1.clone();
        let left = without_acknowledged(rows.iter().map(Vec::as_slice), &done);
        assert_eq!(left.len(), 2);
        assert!(left.iter().all(|r| r[1] != "up-1"), "{left:?}");
        assert_eq!(left, rows[..2].to_vec(), "the others are kept as they were");
        let again = without_acknowledged(left.iter().map(Vec::as_slice), &done);
        assert_eq!(again, left, "nothing else removed");
    }
}
