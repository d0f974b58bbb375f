//! The agent's queue of undelivered Inform events and its bookkeeping
//! (TR-069 §3.7.1.5). The rules about each code live in
//! `cwmp::event::EventCode`; this queue applies them at the moments the
//! agent sees: an event raised, an Inform acknowledged, a CPE request
//! acknowledged, a session failed, a reboot.

use crate::cwmp::event::{Completion, EventCode, EventStruct};
use crate::store::StoredEvent;

/// Undelivered events, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventQueue {
    pending: Vec<EventStruct>,
}

impl EventQueue {
    pub fn from_stored(stored: &[StoredEvent]) -> EventQueue {
        EventQueue {
            pending: stored
                .iter()
                .map(|e| EventStruct::new(e.code.clone(), e.command_key.clone()))
                .collect(),
        }
    }

    pub fn to_stored(&self) -> Vec<StoredEvent> {
        self.pending
            .iter()
            .map(|e| StoredEvent {
                code: e.event_code.0.clone(),
                command_key: e.command_key.clone(),
            })
            .collect()
    }

    pub fn pending(&self) -> &[EventStruct] {
        &self.pending
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    pub fn contains(&self, code: &str) -> bool {
        self.pending.iter().any(|e| e.event_code.0 == code)
    }

    /// Raises an event. Single events merge with an undelivered one of the
    /// same code; `M` events are one per CommandKey (Table 7 "cumulative
    /// behaviour"). A BOOTSTRAP clears what it supersedes.
    pub fn raise(&mut self, code: &str, command_key: &str) {
        let ev = EventStruct::new(code, command_key);
        if ev.event_code.0 == EventCode::BOOTSTRAP {
            self.pending
                .retain(|e| !e.event_code.discarded_by_bootstrap());
        }
        let duplicate = self.pending.iter().any(|e| {
            e.event_code == ev.event_code
                && (!ev.event_code.is_multiple() || e.command_key == ev.command_key)
        });
        if !duplicate {
            self.pending.push(ev);
        }
    }

    /// The InformResponse arrived: every event of `delivered` that needs
    /// nothing more is done (§3.7.1.5 "Required Successful Response").
    pub fn inform_acknowledged(&mut self, delivered: &[EventStruct]) {
        self.pending.retain(|e| {
            !(delivered.contains(e) && e.event_code.completion() == Completion::InformResponse)
        });
    }

    /// The ACS acknowledged a CPE request whose completion kind is `done`
    /// (e.g. a TransferCompleteResponse): the events waiting for it, with
    /// the request's CommandKey, are done. The generic code (`7 TRANSFER
    /// COMPLETE`...) goes once no `M` event waits for the same response.
    pub fn request_acknowledged(&mut self, done: Completion, command_key: &str) {
        self.pending.retain(|e| {
            !(e.event_code.is_multiple()
                && e.event_code.completion() == done
                && e.command_key == command_key)
        });
        let still_waiting = self
            .pending
            .iter()
            .any(|e| e.event_code.is_multiple() && e.event_code.completion() == done);
        if !still_waiting {
            self.pending
                .retain(|e| e.event_code.is_multiple() || e.event_code.completion() != done);
        }
    }

    /// A session failed: drop what must not be retried (§3.7.1.5).
    pub fn session_failed(&mut self) {
        self.pending
            .retain(|e| e.event_code.kept_after_failed_session());
    }

    /// The agent (re)started: drop what does not survive a reboot.
    pub fn rebooted(&mut self) {
        self.pending.retain(|e| e.event_code.kept_across_reboot());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(q: &EventQueue) -> Vec<String> {
        q.pending()
            .iter()
            .map(|e| format!("{}|{}", e.event_code, e.command_key))
            .collect()
    }

    #[test]
    fn single_events_merge_multiple_events_keep_command_keys() {
        let mut q = EventQueue::default();
        q.raise("2 PERIODIC", "");
        q.raise("2 PERIODIC", "");
        q.raise("M ScheduleInform", "a");
        q.raise("M ScheduleInform", "b");
        q.raise("M ScheduleInform", "a");
        assert_eq!(
            codes(&q),
            ["2 PERIODIC|", "M ScheduleInform|a", "M ScheduleInform|b"]
        );
    }

    #[test]
    fn inform_response_completes_only_inform_completed_events() {
        let mut q = EventQueue::default();
        q.raise("1 BOOT", "");
        q.raise("7 TRANSFER COMPLETE", "");
        q.raise("M Download", "fw-1");
        let delivered = q.pending().to_vec();
        q.raise("6 CONNECTION REQUEST", ""); // raised mid-session
        q.inform_acknowledged(&delivered);
        assert_eq!(
            codes(&q),
            [
                "7 TRANSFER COMPLETE|",
                "M Download|fw-1",
                "6 CONNECTION REQUEST|"
            ]
        );
        q.request_acknowledged(Completion::TransferCompleteResponse, "fw-1");
        assert_eq!(codes(&q), ["6 CONNECTION REQUEST|"]);
    }

    #[test]
    fn transfer_complete_stays_while_another_transfer_waits() {
        let mut q = EventQueue::default();
        q.raise("7 TRANSFER COMPLETE", "");
        q.raise("M Download", "a");
        q.raise("M Upload", "b");
        q.request_acknowledged(Completion::TransferCompleteResponse, "a");
        assert_eq!(codes(&q), ["7 TRANSFER COMPLETE|", "M Upload|b"]);
        q.request_acknowledged(Completion::TransferCompleteResponse, "b");
        assert!(q.is_empty());
    }

    #[test]
    fn failed_session_and_reboot_discard_by_the_rules() {
        let mut q = EventQueue::default();
        for c in [
            "1 BOOT",
            "4 VALUE CHANGE",
            "6 CONNECTION REQUEST",
            "M Reboot",
        ] {
            q.raise(c, "");
        }
        q.session_failed();
        assert_eq!(codes(&q), ["1 BOOT|", "4 VALUE CHANGE|", "M Reboot|"]);
        q.rebooted();
        assert_eq!(codes(&q), ["M Reboot|"]);
    }

    #[test]
    fn bootstrap_supersedes_older_events() {
        let mut q = EventQueue::default();
        q.raise("2 PERIODIC", "");
        q.raise("1 BOOT", "");
        q.raise("0 BOOTSTRAP", "");
        assert_eq!(codes(&q), ["1 BOOT|", "0 BOOTSTRAP|"]);
    }

    #[test]
    fn stored_form_round_trips() {
        let mut q = EventQueue::default();
        q.raise("M Reboot", "k\t1");
        q.raise("1 BOOT", "");
        assert_eq!(EventQueue::from_stored(&q.to_stored()), q);
    }
}
