//! ScheduleDownload time windows (TR-069 §A.4.1.8), as pure functions of
//! `now` (Unix seconds) so a unit test drives them on a fake clock.
//!
//! The RPC gives each window as offsets from its arrival; the agent turns
//! them into absolute times once ([`Window::from_rpc`]) and persists those,
//! so a restart does not shift the windows.

use crate::cwmp::rpc::transfers::TimeWindow;
use crate::cwmp::{Fault, FaultCode};

/// How a window may be used (`WindowMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `1 At Any Time`: whenever the CPE likes within the window.
    AtAnyTime,
    /// `2 Immediately`: as soon as the window opens.
    Immediately,
    /// `3 When Idle`: when the device is idle. The agent only starts
    /// transfers between sessions, which is its notion of idle.
    WhenIdle,
}

impl Mode {
    /// `4 Confirmation Needed` is refused: this device has no user
    /// interface to ask for a confirmation, and TR-069 forbids going ahead
    /// without one. Vendor modes (`X ...`) are refused as well.
    pub fn parse(s: &str) -> Result<Mode, Fault> {
        match s {
            "1 At Any Time" => Ok(Mode::AtAnyTime),
            "2 Immediately" => Ok(Mode::Immediately),
            "3 When Idle" => Ok(Mode::WhenIdle),
            "4 Confirmation Needed" => Err(Fault::with_string(
                FaultCode::INVALID_ARGUMENTS,
                "WindowMode 4 Confirmation Needed is not supported: no user to confirm",
            )),
            other => Err(Fault::with_string(
                FaultCode::INVALID_ARGUMENTS,
                format!("unsupported WindowMode {other:?}"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::AtAnyTime => "1 At Any Time",
            Mode::Immediately => "2 Immediately",
            Mode::WhenIdle => "3 When Idle",
        }
    }
}

/// One window in absolute Unix seconds, `start..=end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub end: i64,
    pub mode: Mode,
    /// Extra attempts after a failure inside this window; -1 = the CPE
    /// decides ([`DEFAULT_RETRIES`]).
    pub max_retries: i32,
}

/// Retries the agent allows itself when the ACS says -1.
pub const DEFAULT_RETRIES: u32 = 2;

/// Pause between two attempts inside a window.
pub const RETRY_WAIT_SECS: i64 = 10;

impl Window {
    /// Checks the RPC's list (1 or 2 windows, each `start <= end`, the
    /// second after the first: §A.4.1.8) and anchors it at `arrival`.
    pub fn from_rpc(list: &[TimeWindow], arrival: i64) -> Result<Vec<Window>, Fault> {
        let invalid = |why: &str| Fault::with_string(FaultCode::INVALID_ARGUMENTS, why);
        if list.is_empty() || list.len() > 2 {
            return Err(invalid("TimeWindowList must hold 1 or 2 windows"));
        }
        let mut out: Vec<Window> = Vec::with_capacity(list.len());
        for w in list {
            if w.window_end < w.window_start {
                return Err(invalid("WindowEnd is before WindowStart"));
            }
            if w.max_retries < -1 {
                return Err(invalid("MaxRetries must be -1 or more"));
            }
            let window = Window {
                start: arrival + i64::from(w.window_start),
                end: arrival + i64::from(w.window_end),
                mode: Mode::parse(&w.window_mode)?,
                max_retries: w.max_retries,
            };
            if let Some(prev) = out.last() {
                if window.start < prev.end {
                    return Err(invalid("time windows overlap or are out of order"));
                }
            }
            out.push(window);
        }
        Ok(out)
    }

    fn retries(&self) -> u32 {
        u32::try_from(self.max_retries).unwrap_or(DEFAULT_RETRIES)
    }
}

/// What to do with a scheduled transfer at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Inside a window: start now.
    Start,
    /// Before a window: wake up at this time.
    WaitUntil(i64),
    /// Every window is over (fault 9020).
    Missed,
}

pub fn decide(windows: &[Window], now: i64) -> Decision {
    for w in windows {
        if now < w.start {
            return Decision::WaitUntil(w.start);
        }
        if now <= w.end {
            return Decision::Start;
        }
    }
    Decision::Missed
}

/// After a failed attempt at `now` (the `attempts`-th one in the current
/// window): when to try again, or `None` when the windows allow no more.
/// Returns the new attempt counter with the time (0 when moving on to the
/// next window, whose retry budget is its own).
pub fn after_failure(windows: &[Window], now: i64, attempts: u32) -> Option<(i64, u32)> {
    let current = windows.iter().position(|w| now >= w.start && now <= w.end);
    if let Some(i) = current {
        let w = &windows[i];
        let again = now + RETRY_WAIT_SECS;
        if attempts <= w.retries() && again <= w.end {
            return Some((again, attempts));
        }
        return windows.get(i + 1).map(|next| (next.start, 0));
    }
    windows.iter().find(|w| w.start > now).map(|w| (w.start, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tw(start: u32, end: u32, mode: &str, retries: i32) -> TimeWindow {
        TimeWindow {
            window_start: start,
            window_end: end,
            window_mode: mode.into(),
            user_message: String::new(),
            max_retries: retries,
        }
    }

    #[test]
    fn windows_are_anchored_at_arrival_and_checked() {
        let w = Window::from_rpc(
            &[tw(10, 20, "1 At Any Time", 0), tw(30, 40, "3 When Idle", 1)],
            1000,
        )
        .unwrap();
        assert_eq!(
            (w[0].start, w[0].end, w[1].start, w[1].end),
            (1010, 1020, 1030, 1040)
        );
        let code = |list: &[TimeWindow]| Window::from_rpc(list, 0).unwrap_err().fault_code;
        assert_eq!(code(&[]), FaultCode::INVALID_ARGUMENTS);
        assert_eq!(
            code(&[tw(20, 10, "1 At Any Time", 0)]),
            FaultCode::INVALID_ARGUMENTS
        );
        assert_eq!(
            code(&[
                tw(0, 50, "1 At Any Time", 0),
                tw(40, 60, "1 At Any Time", 0)
            ]),
            FaultCode::INVALID_ARGUMENTS
        );
        assert_eq!(
            code(&[tw(0, 10, "4 Confirmation Needed", 0)]),
            FaultCode::INVALID_ARGUMENTS
        );
        assert_eq!(
            code(&[tw(0, 10, "1 At Any Time", -2)]),
            FaultCode::INVALID_ARGUMENTS
        );
        let three = [
            tw(0, 1, "1 At Any Time", 0),
            tw(2, 3, "1 At Any Time", 0),
            tw(4, 5, "1 At Any Time", 0),
        ];
        assert_eq!(code(&three), FaultCode::INVALID_ARGUMENTS);
    }

    #[test]
    fn decision_follows_the_fake_clock() {
        let w = Window::from_rpc(
            &[
                tw(100, 200, "2 Immediately", 0),
                tw(500, 600, "1 At Any Time", 0),
            ],
            0,
        )
        .unwrap();
        assert_eq!(decide(&w, 0), Decision::WaitUntil(100));
        assert_eq!(decide(&w, 100), Decision::Start);
        assert_eq!(decide(&w, 200), Decision::Start);
        assert_eq!(decide(&w, 201), Decision::WaitUntil(500));
        assert_eq!(decide(&w, 550), Decision::Start);
        assert_eq!(decide(&w, 601), Decision::Missed);
    }

    #[test]
    fn retries_stay_inside_their_window_then_move_on() {
        let w = Window::from_rpc(
            &[
                tw(0, 100, "1 At Any Time", 1),
                tw(1000, 1100, "1 At Any Time", 0),
            ],
            0,
        )
        .unwrap();
        // First failure at 5: one retry allowed, 10 s later.
        assert_eq!(after_failure(&w, 5, 1), Some((15, 1)));
        // Second failure: budget spent, next window.
        assert_eq!(after_failure(&w, 15, 2), Some((1000, 0)));
        // A retry that would fall outside the window is not made.
        assert_eq!(after_failure(&w, 95, 1), Some((1000, 0)));
        // Failure in the last window without retries: give up.
        assert_eq!(after_failure(&w, 1050, 1), None);
    }

    #[test]
    fn minus_one_lets_the_cpe_choose() {
        let w = Window::from_rpc(&[tw(0, 1000, "1 At Any Time", -1)], 0).unwrap();
        assert_eq!(after_failure(&w, 0, 1), Some((10, 1)));
        assert_eq!(after_failure(&w, 10, DEFAULT_RETRIES), Some((20, 2)));
        assert_eq!(after_failure(&w, 20, DEFAULT_RETRIES + 1), None);
    }
}
