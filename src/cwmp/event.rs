//! Inform event codes (TR-069 §3.7.1.5, Table 7) and the rules the session
//! state machine needs about them: single vs multiple ("M ...") events, which
//! response completes an event, which events a failed session keeps and
//! which survive a reboot.
//!
//! Event codes are an *open* newtype over the exact string: vendor events
//! (`X <OUI> <name>`), vendor methods (`M X_<OUI>_...`) and codes from later
//! amendments round-trip unchanged.

use std::fmt;

/// An `EventCode` string, e.g. `"1 BOOT"`, `"M Download"`, `"X 00D09E vendor"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventCode(pub String);

/// Which response from the ACS completes delivery of an event (TR-069
/// §3.7.1.5, "Required Successful Response for Completion"). Until that
/// response arrives the event stays pending (subject to the discard rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Completion {
    /// The InformResponse alone completes it.
    InformResponse,
    /// InformResponse plus a TransferCompleteResponse.
    TransferCompleteResponse,
    /// InformResponse plus an AutonomousTransferCompleteResponse.
    AutonomousTransferCompleteResponse,
    /// InformResponse plus a DUStateChangeCompleteResponse.
    DuStateChangeCompleteResponse,
    /// InformResponse plus an AutonomousDUStateChangeCompleteResponse.
    AutonomousDuStateChangeCompleteResponse,
    /// InformResponse plus a RequestDownloadResponse.
    RequestDownloadResponse,
    /// InformResponse plus a KickedResponse.
    KickedResponse,
}

impl EventCode {
    pub const BOOTSTRAP: &'static str = "0 BOOTSTRAP";
    pub const BOOT: &'static str = "1 BOOT";
    pub const PERIODIC: &'static str = "2 PERIODIC";
    pub const SCHEDULED: &'static str = "3 SCHEDULED";
    pub const VALUE_CHANGE: &'static str = "4 VALUE CHANGE";
    pub const KICKED: &'static str = "5 KICKED";
    pub const CONNECTION_REQUEST: &'static str = "6 CONNECTION REQUEST";
    pub const TRANSFER_COMPLETE: &'static str = "7 TRANSFER COMPLETE";
    pub const DIAGNOSTICS_COMPLETE: &'static str = "8 DIAGNOSTICS COMPLETE";
    pub const REQUEST_DOWNLOAD: &'static str = "9 REQUEST DOWNLOAD";
    pub const AUTONOMOUS_TRANSFER_COMPLETE: &'static str = "10 AUTONOMOUS TRANSFER COMPLETE";
    pub const DU_STATE_CHANGE_COMPLETE: &'static str = "11 DU STATE CHANGE COMPLETE";
    pub const AUTONOMOUS_DU_STATE_CHANGE_COMPLETE: &'static str =
        "12 AUTONOMOUS DU STATE CHANGE COMPLETE";
    pub const WAKEUP: &'static str = "13 WAKEUP";
    pub const M_REBOOT: &'static str = "M Reboot";
    pub const M_SCHEDULE_INFORM: &'static str = "M ScheduleInform";
    pub const M_DOWNLOAD: &'static str = "M Download";
    pub const M_SCHEDULE_DOWNLOAD: &'static str = "M ScheduleDownload";
    pub const M_UPLOAD: &'static str = "M Upload";
    pub const M_CHANGE_DU_STATE: &'static str = "M ChangeDUState";

    /// Every standard event code of TR-069 Amendment 6 Table 7.
    pub const STANDARD: [&'static str; 20] = [
        Self::BOOTSTRAP,
        Self::BOOT,
        Self::PERIODIC,
        Self::SCHEDULED,
        Self::VALUE_CHANGE,
        Self::KICKED,
        Self::CONNECTION_REQUEST,
        Self::TRANSFER_COMPLETE,
        Self::DIAGNOSTICS_COMPLETE,
        Self::REQUEST_DOWNLOAD,
        Self::AUTONOMOUS_TRANSFER_COMPLETE,
        Self::DU_STATE_CHANGE_COMPLETE,
        Self::AUTONOMOUS_DU_STATE_CHANGE_COMPLETE,
        Self::WAKEUP,
        Self::M_REBOOT,
        Self::M_SCHEDULE_INFORM,
        Self::M_DOWNLOAD,
        Self::M_SCHEDULE_DOWNLOAD,
        Self::M_UPLOAD,
        Self::M_CHANGE_DU_STATE,
    ];

    pub fn new(code: impl Into<String>) -> EventCode {
        EventCode(code.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// "Multiple" cumulative behaviour (TR-069 Table 7): `M <method>` events
    /// carry the CommandKey of the method that caused them, so several of them
    /// with different CommandKeys may be pending at once. Every other event
    /// is "single": at most one instance is pending; a new occurrence merges
    /// with the undelivered one.
    pub fn is_multiple(&self) -> bool {
        self.0.starts_with("M ")
    }

    /// A vendor event `X <OUI> <name>` (TR-069 Table 7 note) or a vendor
    /// method event `M X_<...>`.
    pub fn is_vendor(&self) -> bool {
        self.0.starts_with("X ") || self.0.starts_with("M X_")
    }

    /// Which ACS response completes delivery of this event (TR-069 §3.7.1.5).
    /// Vendor `M X_...` events that come from a Kicked RPC are completed by
    /// the KickedResponse; other vendor events by the InformResponse.
    pub fn completion(&self) -> Completion {
        match self.0.as_str() {
            Self::TRANSFER_COMPLETE
            | Self::M_DOWNLOAD
            | Self::M_UPLOAD
            | Self::M_SCHEDULE_DOWNLOAD => Completion::TransferCompleteResponse,
            Self::AUTONOMOUS_TRANSFER_COMPLETE => Completion::AutonomousTransferCompleteResponse,
            Self::DU_STATE_CHANGE_COMPLETE | Self::M_CHANGE_DU_STATE => {
                Completion::DuStateChangeCompleteResponse
            }
            Self::AUTONOMOUS_DU_STATE_CHANGE_COMPLETE => {
                Completion::AutonomousDuStateChangeCompleteResponse
            }
            Self::REQUEST_DOWNLOAD => Completion::RequestDownloadResponse,
            Self::KICKED => Completion::KickedResponse,
            _ => Completion::InformResponse,
        }
    }

    /// Whether an undelivered event is kept for the next attempt when a
    /// session fails (TR-069 §3.7.1.5: the CPE retries undelivered events on
    /// the retry schedule of §3.2.1.1). The one exception is
    /// `6 CONNECTION REQUEST`: it answers one specific request from the ACS,
    /// so it is not carried into a retry (a new Connection Request makes a
    /// new one).
    pub fn kept_after_failed_session(&self) -> bool {
        self.0 != Self::CONNECTION_REQUEST
    }

    /// Whether an undelivered event survives a reboot of the CPE (TR-069
    /// §3.7.1.5 discard conditions). Discarded on reboot:
    /// - `1 BOOT`: the reboot itself raises a fresh `1 BOOT`;
    /// - `4 VALUE CHANGE`: `1 BOOT` tells the ACS that anything may have
    ///   changed, and the changed values are not kept across the reboot;
    /// - `6 CONNECTION REQUEST`: tied to the session it was made for;
    /// - `8 DIAGNOSTICS COMPLETE`: diagnostic results do not survive a reboot;
    /// - `13 WAKEUP`: tied to the wake-up it reported.
    ///
    /// Everything else (BOOTSTRAP, PERIODIC, SCHEDULED, KICKED, transfer and
    /// DU completion events, all `M ...` events and vendor events) must be
    /// persisted and delivered after the reboot.
    pub fn kept_across_reboot(&self) -> bool {
        !matches!(
            self.0.as_str(),
            Self::BOOT
                | Self::VALUE_CHANGE
                | Self::CONNECTION_REQUEST
                | Self::DIAGNOSTICS_COMPLETE
                | Self::WAKEUP
        )
    }

    /// `0 BOOTSTRAP` wipes the slate (TR-069 §3.7.1.5: a CPE bootstrapping
    /// to a new ACS does not carry undelivered events meant for the old one
    /// into the new relationship). Whether an event that is *already
    /// pending* when a new BOOTSTRAP is raised gets discarded: everything
    /// except a pending BOOTSTRAP/BOOT (those describe the same start-up).
    /// Events raised after the BOOTSTRAP are not affected.
    pub fn discarded_by_bootstrap(&self) -> bool {
        self.0 != Self::BOOTSTRAP && self.0 != Self::BOOT
    }
}

impl fmt::Display for EventCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for EventCode {
    fn from(s: &str) -> EventCode {
        EventCode(s.to_string())
    }
}

/// One `EventStruct` of an Inform: code plus the CommandKey of the method
/// that caused it (empty for non-`M` events).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventStruct {
    pub event_code: EventCode,
    pub command_key: String,
}

impl EventStruct {
    pub fn new(code: impl Into<String>, command_key: impl Into<String>) -> EventStruct {
        EventStruct {
            event_code: EventCode(code.into()),
            command_key: command_key.into(),
        }
    }
}
