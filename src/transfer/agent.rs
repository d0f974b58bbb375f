//! Transfers as the agent runs them: start the next due one (one at a time,
//! as a task of its own so no session ever waits for it), apply what was
//! downloaded, and keep the TransferCompletes owed to the ACS.
//!
//! The agent owns a [`Transfers`] and lends it, for each step, what it
//! needs ([`Ctx`]); each step answers what the agent must do next
//! ([`Next`]). Steps run in the agent's loop, between sessions, so a flash
//! or a reboot never cuts a session short.
//!
//! Firmware (TR-069 §A.3.2.8, openwrt-reference.md §9.5): download to
//! /tmp, `sysupgrade -T`, backup if enabled, then the entry becomes
//! `Flashing { old_version }` with `7 TRANSFER COMPLETE` + `M Download`
//! raised, the agent persists all that (/etc/cwmpd is kept by sysupgrade)
//! and only then flashes. The restart judges the result by the software
//! version (`Queue::restarted`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::agent::events::EventQueue;
use crate::agent::settings::Settings;
use crate::cwmp::event::Completion;
use crate::cwmp::rpc::transfers::{FileType, TransferComplete, TransferFault};
use crate::cwmp::{EventCode, FaultCode};
use crate::paths::Root;
use crate::store::State;
use crate::system::System;
use crate::transport::tls;

use super::backup::{self, Guard};
use super::client::{download, upload, DownloadLimits, StatVfs, TransferTarget, UploadMethod};
use super::config_file::{classify, ConfigFile, MAX_EXPORT_TEXT};
use super::error::Direction;
use super::queue::{self, fault, Kind, Phase, Queue};
use super::rpc::redact_url;
use super::status::{self, LastTransfer, TransferStatus};
use super::window::{after_failure, decide, Decision};

/// Where a download lands (router path; /tmp is RAM on OpenWrt, which is
/// where sysupgrade wants its image).
pub const DOWNLOAD_FILE: &str = "/tmp/cwmpd-download";
/// What an Upload sends, made just before by the System.
pub const UPLOAD_CONFIG_FILE: &str = "/tmp/cwmpd-upload.tar.gz";
pub const UPLOAD_LOG_FILE: &str = "/tmp/cwmpd-upload.log";
/// Free space left untouched in /tmp while downloading.
pub const RESERVE_BYTES: u64 = 1 << 20;

/// A finished network transfer: bytes moved, or (fault, reason).
type JobResult = Result<u64, (FaultCode, String)>;

/// What the agent lends a step.
pub struct Ctx<'a> {
    pub root: &'a Root,
    pub settings: &'a Settings,
    pub system: &'a mut dyn System,
    pub events: &'a mut EventQueue,
    /// Unix seconds.
    pub now: i64,
    /// The software version running now (DeviceInfo.SoftwareVersion).
    pub version: &'a str,
}

/// What the agent does after a step (it persists in every case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Nothing,
    /// A TransferComplete is owed: open a session.
    Session,
    /// Persist, then call [`Transfers::flash`].
    Flash,
    /// Persist, then reboot (the agent stops).
    Reboot,
    /// The device is going down by itself (sysupgrade reboots): stop.
    Halt,
}

pub struct Transfers {
    pub queue: Queue,
    /// A configuration download imported UCI packages: the agent re-reads
    /// its own (`cwmp`) settings, as procd's reload trigger makes it do on
    /// a router.
    pub config_imported: bool,
    /// The latest finished transfer, for the status (kept after its
    /// TransferComplete is acknowledged and the entry left the queue).
    last: Option<LastTransfer>,
    guard: Option<Guard>,
    guard_deadline: Option<Instant>,
    tx: mpsc::UnboundedSender<JobResult>,
    rx: mpsc::UnboundedReceiver<JobResult>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// `cwmp.cpe.backup_delay`, or its default.
fn backup_delay(settings: &Settings) -> Duration {
    Duration::from_secs(u64::from(
        settings.backup_delay.unwrap_or(backup::DEFAULT_DELAY_SECS),
    ))
}

/// The rule for Upload's HTTP method: PUT (TR-069 §A.4.1.5 names HTTP PUT),
/// except when the URL's last path segment is a script (`.cgi`, `.php`,
/// `.asp`, `.aspx`, `.jsp`, `.pl`, `.py`), which takes the file as a POST body.
pub fn upload_method(url: &str) -> UploadMethod {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let last = path.rsplit('/').next().unwrap_or_default();
    let ext = last.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("cgi" | "php" | "asp" | "aspx" | "jsp" | "pl" | "py") => UploadMethod::Post,
        _ => UploadMethod::Put,
    }
}

/// The ACS's TLS policy (CA bundle, verification, client certificate)
/// for an https transfer URL; `None` for http.
fn tls_for(
    url: &str,
    root: &Root,
    settings: &Settings,
) -> Result<Option<Arc<rustls::ClientConfig>>, String> {
    if !url.get(..8).unwrap_or(url).eq_ignore_ascii_case("https://") {
        return Ok(None);
    }
    let s = settings.tls_under(root);
    if s.is_insecure() {
        log::warn!("cwmp.acs.verify is 0: the file server's certificate is NOT checked");
    }
    tls::client_config(&s).map(Some).map_err(|e| e.to_string())
}

impl Transfers {
    /// The queue and backup guard from the state file, after a (re)start:
    /// a flash in progress is judged by `ctx.version`, every finished
    /// transfer has its events pending, a guard starts its delay now.
    pub fn load(state: &State, ctx: &mut Ctx) -> Transfers {
        let mut queue = Queue::from_records(state.records(queue::RECORD));
        for i in queue.restarted(ctx.version, ctx.now) {
            if let Some(t) = queue.items().get(i) {
                if let Phase::Done(f) = &t.phase {
                    log::info!(
                        "transfer [{}] ended with the restart: fault {} {}",
                        t.command_key,
                        f.fault_code,
                        f.fault_string
                    );
                }
            }
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let guard = state.records(backup::RECORD).find_map(Guard::from_record);
        let guard_deadline = guard.as_ref().map(|g| {
            let delay = backup_delay(ctx.settings);
            log::warn!(
                "configuration backup {} armed: restored unless a session with the ACS succeeds within {} s",
                g.archive,
                delay.as_secs()
            );
            Instant::now() + delay
        });
        let t = Transfers {
            last: status::last_in(&queue),
            queue,
            config_imported: false,
            guard,
            guard_deadline,
            tx,
            rx,
            task: None,
        };
        t.raise_events(ctx.events);
        t
    }

    /// Every finished transfer has `7 TRANSFER COMPLETE` and its `M` event
    /// pending until its TransferComplete is acknowledged (raising twice is
    /// harmless: the queue merges them).
    fn raise_events(&self, events: &mut EventQueue) {
        for t in self.queue.items() {
            if matches!(t.phase, Phase::Done(_)) {
                events.raise(EventCode::TRANSFER_COMPLETE, "");
                events.raise(t.kind.event(), &t.command_key);
            }
        }
    }

    pub fn save(&self, state: &mut State) {
        state.set_records(queue::RECORD, self.queue.to_records());
        state.set_records(
            backup::RECORD,
            self.guard.iter().map(Guard::to_record).collect(),
        );
    }

    /// When the agent must call [`Transfers::on_timer`] next.
    pub fn wake(&self, now_unix: i64) -> Option<Instant> {
        let now = Instant::now();
        let queued = self
            .queue
            .next_wake()
            .map(|due| now + Duration::from_secs(due.saturating_sub(now_unix).max(0) as u64));
        // Nothing to start while one runs (its end wakes the agent anyway).
        let queued = queued.filter(|_| self.task.is_none() && !self.queue.is_busy());
        match (queued, self.guard_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The result of the running transfer (for the agent's `select!`).
    pub async fn finished(&mut self) -> Option<JobResult> {
        self.rx.recv().await
    }

    /// The TransferCompletes to send in the next session, in order.
    pub fn completions(&self) -> Vec<TransferComplete> {
        self.queue
            .completed()
            .into_iter()
            .map(|(_, tc)| tc)
            .collect()
    }

    /// The ACS acknowledged `tc` (TransferCompleteResponse): the entry and
    /// its events are done (TR-069 §3.7.1.5).
    pub fn acknowledged(&mut self, tc: &TransferComplete, events: &mut EventQueue) {
        if self.queue.acknowledged(tc).is_some() {
            events.request_acknowledged(Completion::TransferCompleteResponse, &tc.command_key);
            log::info!("TransferComplete [{}] acknowledged", tc.command_key);
        }
    }

    /// The ACS acknowledged `tc` in the session under way: the entry's
    /// record leaves the state file and its events are done, saved at once
    /// by the caller (TR-069 §3.7.1.5: once the TransferCompleteResponse
    /// has arrived the CPE must not send that TransferComplete again, even
    /// if it crashes before the session ends). The in-memory queue, lent
    /// to the session, follows with [`Transfers::acknowledged`] after it.
    pub fn acknowledged_in_state(
        state: &mut State,
        events: &mut EventQueue,
        tc: &TransferComplete,
    ) {
        let rows = queue::without_acknowledged(state.records(queue::RECORD), tc);
        state.set_records(queue::RECORD, rows);
        events.request_acknowledged(Completion::TransferCompleteResponse, &tc.command_key);
        state.pending_events = events.to_stored();
    }

    /// The queue and the last result as the status shows them.
    pub fn status(&self, now: i64, root: &Root) -> (Vec<TransferStatus>, Option<LastTransfer>) {
        let part = super::download::part_path(&root.join(DOWNLOAD_FILE));
        (status::snapshot(&self.queue, now, &part), self.last.clone())
    }

    /// A session with the ACS succeeded: the configuration that was
    /// applied did not cut the device off, the backup is no longer needed.
    pub fn session_succeeded(&mut self, root: &Root) {
        if let Some(g) = self.guard.take() {
            self.guard_deadline = None;
            match std::fs::remove_file(root.join(&g.archive)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => log::warn!("cannot remove {}: {e}", g.archive),
            }
            log::info!(
                "session with the ACS succeeded after applying [{}]: configuration backup discarded",
                g.command_key
            );
        }
    }

    /// Time-driven work: the backup delay, then due transfers.
    pub fn on_timer(&mut self, ctx: &mut Ctx) -> Next {
        if self.guard_deadline.is_some_and(|d| d <= Instant::now()) {
            return self.restore_backup(ctx);
        }
        self.start_due(ctx)
    }

    /// No session succeeded within the delay: back to the saved
    /// configuration and reboot.
    fn restore_backup(&mut self, ctx: &mut Ctx) -> Next {
        self.guard_deadline = None;
        let Some(g) = self.guard.take() else {
            return Next::Nothing;
        };
        log::warn!(
            "no successful session with the ACS within {} s after applying [{}]: restoring the configuration from {}",
            backup_delay(ctx.settings).as_secs(),
            g.command_key,
            g.archive
        );
        if let Err(e) = ctx.system.restore_config(&ctx.root.join(&g.archive)) {
            log::error!("configuration restore failed: {e}");
            return Next::Nothing;
        }
        // The ACS must not believe a rolled-back configuration is in place.
        for i in 0..self.queue.items().len() {
            if let Some(t) = self.queue.get_mut(i) {
                let is_config = t.file_type == FileType::VENDOR_CONFIGURATION_FILE;
                if is_config && t.command_key == g.command_key {
                    if let Phase::Done(f) = &t.phase {
                        if f.fault_code.0 == 0 {
                            t.phase = Phase::Done(fault(
                                FaultCode::DOWNLOAD_FAILURE,
                                "configuration rolled back: no session with the ACS after applying it",
                            ));
                        }
                    }
                }
            }
        }
        log::warn!("configuration restored; rebooting");
        Next::Reboot
    }

    /// Starts the next due transfer if none runs.
    fn start_due(&mut self, ctx: &mut Ctx) -> Next {
        let mut next = Next::Nothing;
        while self.task.is_none() {
            let Some(index) = self.queue.next_due(ctx.now) else {
                break;
            };
            let Some(t) = self.queue.get_mut(index) else {
                break;
            };
            if t.kind == Kind::ScheduleDownload {
                match decide(&t.windows, ctx.now) {
                    Decision::Start => {}
                    Decision::WaitUntil(at) => {
                        t.due = at;
                        continue;
                    }
                    Decision::Missed => {
                        // §A.4.1.8: every window passed without the download.
                        self.finish(
                            index,
                            fault(
                                FaultCode::TIME_WINDOW_EXPIRED,
                                "all time windows passed before the download could start",
                            ),
                            ctx,
                        );
                        next = Next::Session;
                        continue;
                    }
                }
            }
            if let Err(f) = self.spawn(index, ctx) {
                let code = f.fault_code;
                self.finish(index, f, ctx);
                log::warn!("transfer could not start: fault {code}");
                next = Next::Session;
            }
        }
        next
    }

    /// Prepares and launches entry `index` as a task.
    fn spawn(&mut self, index: usize, ctx: &mut Ctx) -> Result<(), TransferFault> {
        let Some(t) = self.queue.get_mut(index) else {
            return Ok(());
        };
        t.phase = Phase::Running;
        t.attempts += 1;
        if t.start_time.is_none() {
            t.start_time = Some(ctx.now);
        }
        let direction = if t.kind.is_download() {
            Direction::Download
        } else {
            Direction::Upload
        };
        let tls = tls_for(&t.url, ctx.root, ctx.settings).map_err(|e| {
            let code = if direction == Direction::Download {
                FaultCode::DOWNLOAD_FAILURE
            } else {
                FaultCode::UPLOAD_FAILURE
            };
            fault(code, format!("TLS configuration: {e}"))
        })?;
        let target = TransferTarget {
            url: t.url.clone(),
            username: t.username.clone(),
            password: t.password.clone(),
            tls,
            idle_timeout: ctx.settings.response_timeout,
        };
        if let Some(dir) = ctx.root.join(DOWNLOAD_FILE).parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let tx = self.tx.clone();
        log::info!(
            "transfer [{}] {} {} starts (attempt {})",
            t.command_key,
            t.file_type,
            redact_url(&t.url),
            t.attempts
        );
        let task = if t.kind.is_download() {
            let limits = DownloadLimits {
                announced_size: u64::from(t.file_size),
                reserve_bytes: RESERVE_BYTES,
            };
            let dest = ctx.root.join(DOWNLOAD_FILE);
            tokio::spawn(async move {
                let r = download(&target, &limits, &dest, &StatVfs).await;
                let _ = tx.send(r.map_err(|e| (e.fault_code(Direction::Download), e.to_string())));
            })
        } else {
            let source = self.upload_source(index, ctx)?;
            let method = upload_method(&target.url);
            tokio::spawn(async move {
                let r = upload(&target, method, &source).await;
                let _ = std::fs::remove_file(&source);
                let _ = tx.send(r.map_err(|e| (e.fault_code(Direction::Upload), e.to_string())));
            })
        };
        self.task = Some(task);
        Ok(())
    }

    /// Has the System make the file an Upload sends.
    fn upload_source(&self, index: usize, ctx: &mut Ctx) -> Result<PathBuf, TransferFault> {
        let file_type = self
            .queue
            .items()
            .get(index)
            .map(|t| t.file_type.clone())
            .unwrap_or_default();
        let (path, made) = if file_type == FileType::UPLOAD_VENDOR_LOG_FILE {
            let p = ctx.root.join(UPLOAD_LOG_FILE);
            let r = ctx.system.export_log(&p);
            (p, r)
        } else {
            let p = ctx.root.join(UPLOAD_CONFIG_FILE);
            let r = ctx.system.backup_config(&p);
            (p, r)
        };
        made.map_err(|e| {
            fault(
                FaultCode::UPLOAD_FAILURE,
                format!("cannot produce the file to upload: {e}"),
            )
        })?;
        Ok(path)
    }

    /// The running transfer ended.
    pub fn on_result(&mut self, result: JobResult, ctx: &mut Ctx) -> Next {
        self.task = None;
        let Some(index) = self
            .queue
            .items()
            .iter()
            .position(|t| t.phase == Phase::Running)
        else {
            return Next::Nothing;
        };
        let kind = self.queue.items()[index].kind;
        let next = match result {
            Err((code, why)) => self.failed(index, fault(code, why), ctx),
            Ok(bytes) if kind == Kind::Upload => {
                log::info!("upload done ({bytes} bytes)");
                self.finish(index, TransferFault::success(), ctx);
                Next::Session
            }
            Ok(bytes) => {
                log::info!("download done ({bytes} bytes)");
                self.apply(index, ctx)
            }
        };
        if next == Next::Nothing {
            // A retry may be due at once, or another transfer waits.
            return self.start_due(ctx);
        }
        next
    }

    /// A transfer failed: a ScheduleDownload may try again inside its
    /// windows; anything else reports the fault.
    fn failed(&mut self, index: usize, f: TransferFault, ctx: &mut Ctx) -> Next {
        let _ = std::fs::remove_file(ctx.root.join(DOWNLOAD_FILE));
        if let Some(t) = self.queue.get_mut(index) {
            log::warn!(
                "transfer [{}] failed: fault {} {}",
                t.command_key,
                f.fault_code,
                f.fault_string
            );
            if t.kind == Kind::ScheduleDownload {
                if let Some((at, attempts)) = after_failure(&t.windows, ctx.now, t.attempts) {
                    t.phase = Phase::Queued;
                    t.due = at;
                    t.attempts = attempts;
                    log::info!("transfer [{}] will try again at {at}", t.command_key);
                    return Next::Nothing;
                }
            }
        }
        self.finish(index, f, ctx);
        Next::Session
    }

    /// Entry `index` is complete with fault `f` (0 = success): its
    /// TransferComplete is owed from now on.
    fn finish(&mut self, index: usize, mut f: TransferFault, ctx: &mut Ctx) {
        if let Some(t) = self.queue.get_mut(index) {
            f.fault_code = queue::reportable(f.fault_code, t.kind.is_download());
            log::info!(
                "transfer [{}] complete: fault {} {}",
                t.command_key,
                f.fault_code,
                f.fault_string
            );
            self.last = Some(LastTransfer {
                command_key: t.command_key.clone(),
                fault_code: f.fault_code.0,
                fault_string: f.fault_string.clone(),
                time: ctx.now,
            });
            t.phase = Phase::Done(f);
            t.complete_time = Some(ctx.now);
        }
        self.raise_events(ctx.events);
    }

    /// Saves the configuration before applying entry `index`, when
    /// `cwmp.cpe.backup` is on.
    fn save_backup(&mut self, index: usize, ctx: &mut Ctx) -> Result<(), TransferFault> {
        if !ctx.settings.backup {
            return Ok(());
        }
        let key = self
            .queue
            .items()
            .get(index)
            .map(|t| t.command_key.clone())
            .unwrap_or_default();
        ctx.system
            .backup_config(&ctx.root.join(backup::ARCHIVE))
            .map_err(|e| {
                fault(
                    FaultCode::INTERNAL_ERROR,
                    format!("configuration backup failed, nothing applied: {e}"),
                )
            })?;
        log::info!(
            "configuration saved to {} before applying [{key}]",
            backup::ARCHIVE
        );
        self.guard = Some(Guard {
            archive: backup::ARCHIVE.into(),
            command_key: key,
        });
        self.guard_deadline = Some(Instant::now() + backup_delay(ctx.settings));
        Ok(())
    }

    /// Applies a downloaded file.
    fn apply(&mut self, index: usize, ctx: &mut Ctx) -> Next {
        let path = ctx.root.join(DOWNLOAD_FILE);
        let file_type = self.queue.items()[index].file_type.clone();
        let result = if file_type == FileType::FIRMWARE_UPGRADE_IMAGE {
            self.prepare_flash(index, ctx)
        } else {
            self.apply_config(index, ctx)
        };
        match result {
            Ok(next) => next,
            Err(f) => {
                let _ = std::fs::remove_file(&path);
                self.finish(index, f, ctx);
                Next::Session
            }
        }
    }

    /// Validates the image and marks the entry Flashing; the agent
    /// persists, then calls [`Transfers::flash`].
    fn prepare_flash(&mut self, index: usize, ctx: &mut Ctx) -> Result<Next, TransferFault> {
        let path = ctx.root.join(DOWNLOAD_FILE);
        ctx.system.validate_firmware(&path).map_err(|e| {
            fault(
                FaultCode::FILE_CORRUPTED,
                format!("image refused by the firmware check: {e}"),
            )
        })?;
        self.save_backup(index, ctx)?;
        if let Some(t) = self.queue.get_mut(index) {
            t.phase = Phase::Flashing {
                old_version: ctx.version.to_string(),
            };
            // Raised now and persisted with the record: the Inform after
            // the restart carries them (§A.3.2.8).
            ctx.events.raise(EventCode::TRANSFER_COMPLETE, "");
            ctx.events.raise(t.kind.event(), &t.command_key);
            log::warn!(
                "firmware [{}] validated; flashing over version {} (settings kept)",
                t.command_key,
                ctx.version
            );
        }
        Ok(Next::Flash)
    }

    /// Flashes the validated image (called once the Flashing record is on
    /// disk). Success does not come back on a router; in host mode the
    /// agent stops as if it had.
    pub fn flash(&mut self, ctx: &mut Ctx) -> Next {
        let path = ctx.root.join(DOWNLOAD_FILE);
        match ctx.system.flash_firmware(&path) {
            Ok(()) => Next::Halt,
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                if let Some(index) = self
                    .queue
                    .items()
                    .iter()
                    .position(|t| matches!(t.phase, Phase::Flashing { .. }))
                {
                    self.finish(
                        index,
                        fault(
                            FaultCode::DOWNLOAD_FAILURE,
                            format!("sysupgrade failed: {e}"),
                        ),
                        ctx,
                    );
                }
                Next::Session
            }
        }
    }

    /// A configuration file: a backup tarball (restore, reboot) or `uci
    /// export` text (import each package, reload).
    fn apply_config(&mut self, index: usize, ctx: &mut Ctx) -> Result<Next, TransferFault> {
        let path = ctx.root.join(DOWNLOAD_FILE);
        let corrupted = |why: String| fault(FaultCode::FILE_CORRUPTED, why);
        let head = read_head(&path, MAX_EXPORT_TEXT + 1).map_err(|e| {
            fault(
                FaultCode::INTERNAL_ERROR,
                format!("cannot read the file: {e}"),
            )
        })?;
        let format =
            classify(&head).map_err(|e| corrupted(format!("configuration file refused: {e}")))?;
        let failed_apply = |e: std::io::Error| {
            fault(
                FaultCode::INTERNAL_ERROR,
                format!("applying the configuration failed: {e}"),
            )
        };
        match format {
            ConfigFile::Backup => {
                ctx.system
                    .check_archive(&path)
                    .map_err(|e| corrupted(format!("not a readable tar.gz backup: {e}")))?;
                self.save_backup(index, ctx)?;
                ctx.system.restore_config(&path).map_err(failed_apply)?;
                let _ = std::fs::remove_file(&path);
                self.finish(index, TransferFault::success(), ctx);
                log::warn!("configuration backup restored; rebooting to apply it");
                Ok(Next::Reboot)
            }
            ConfigFile::Export(packages) => {
                self.save_backup(index, ctx)?;
                for (name, content) in &packages {
                    ctx.system.import_uci(name, content).map_err(failed_apply)?;
                }
                ctx.system.reload_config().map_err(failed_apply)?;
                let _ = std::fs::remove_file(&path);
                let names: Vec<&str> = packages.iter().map(|(n, _)| n.as_str()).collect();
                log::info!("configuration imported: {}", names.join(" "));
                self.config_imported = true;
                self.finish(index, TransferFault::success(), ctx);
                Ok(Next::Session)
            }
        }
    }
}

/// At most `limit` bytes from the start of `path`.
fn read_head(path: &std::path::Path, limit: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    std::fs::File::open(path)?
        .take(limit as u64)
        .read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_take_post_files_take_put() {
        assert_eq!(upload_method("http://h/upload.cgi"), UploadMethod::Post);
        assert_eq!(upload_method("https://h/a/b.PHP?x=1"), UploadMethod::Post);
        assert_eq!(upload_method("http://h/logs/cpe1.log"), UploadMethod::Put);
        assert_eq!(
            upload_method("https://bucket.s3/key.tgz?X-Amz-Signature=abc.php"),
            UploadMethod::Put
        );
        assert_eq!(upload_method("http://h/"), UploadMethod::Put);
    }
}
