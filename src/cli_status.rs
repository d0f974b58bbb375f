//! `cwmpd show status [--json]`: the vendor CLI's `show cwmp status`
//! ("the current running status of CWMP", shared/seeds/001 Table 1-1),
//! read from the running agent's `ubus call cwmp status` snapshot.
//!
//! Pure: takes the ubus reply and the current Unix time, returns text. A
//! field the agent did not send (an older agent) shows as `?` rather than
//! a guess.

use crate::backend::ubus::BlobValue;
use crate::cwmp::xsd::DateTime;

/// `2026-11-21 20:40:05 UTC`.
fn utc(secs: i64) -> String {
    let t = DateTime::from_unix(secs);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// `1h 2m 5s`, most significant units only.
fn span(secs: i64) -> String {
    let s = secs.unsigned_abs();
    let (d, h, m, s) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

/// A past event: time and how long ago, or `never` for 0.
fn when_past(secs: Option<i64>, now: i64) -> String {
    match secs {
        None => "?".into(),
        Some(0) => "never".into(),
        Some(t) if t <= now => format!("{} ({} ago)", utc(t), span(now - t)),
        Some(t) => utc(t),
    }
}

fn text(v: Option<&BlobValue>) -> String {
    v.and_then(BlobValue::as_str).unwrap_or("?").to_string()
}

fn number(v: Option<&BlobValue>) -> String {
    v.and_then(BlobValue::as_i64)
        .map(|n| n.to_string())
        .unwrap_or_else(|| "?".into())
}

/// Where the ACS URL in use came from, in words.
fn origin(code: &str) -> String {
    match code {
        "uci" => "configuration (cwmp.acs.url)".into(),
        "dhcp" => "DHCP option 43".into(),
        "default" => "default (cwmp.acs.default_url)".into(),
        "" => "none".into(),
        other => other.into(),
    }
}

/// One queue entry in words: `fw-1 download (1 Firmware Upgrade Image)
/// running, 1234 bytes so far`.
fn transfer(t: &BlobValue, now: i64) -> String {
    let field = |k: &str| t.get(k).and_then(BlobValue::as_str).unwrap_or("?");
    let state = match field("state") {
        "queued" => match t.get("due").and_then(BlobValue::as_i64) {
            Some(due) if due > now => format!("queued, not before {}", utc(due)),
            _ => "queued".to_string(),
        },
        "waiting_window" => "waiting for its time window".to_string(),
        "running" => match t.get("bytes").and_then(BlobValue::as_i64) {
            Some(b) => format!("running, {b} bytes so far"),
            None => "running".to_string(),
        },
        "completed" => format!(
            "completed with fault {}, TransferComplete not yet acknowledged",
            number(t.get("fault_code"))
        ),
        other => other.to_string(),
    };
    format!(
        "{} {} ({}) {state}",
        field("command_key"),
        field("kind"),
        field("file_type")
    )
}

/// Rows of `label : value`, in the order a person reads them.
pub fn rows(status: &BlobValue, now: i64) -> Vec<(&'static str, String)> {
    let get = |k: &str| status.get(k);
    let last = get("last_session");
    let last_get = |k: &str| last.and_then(|l| l.get(k));
    let counters = get("counters");
    let enabled = match get("enabled").and_then(BlobValue::as_bool) {
        Some(true) => "enable".to_string(),
        Some(false) => "disable".to_string(),
        None => "?".to_string(),
    };
    let acs_url = text(get("acs_url"));
    let result = match last_get("result").and_then(BlobValue::as_str) {
        Some("") => "none yet".to_string(),
        Some(r) => r.to_string(),
        None => "?".to_string(),
    };
    let next = match get("next_periodic_inform").and_then(BlobValue::as_i64) {
        None => "?".to_string(),
        Some(0) => "not scheduled".to_string(),
        Some(t) if t >= now => format!("{} (in {})", utc(t), span(t - now)),
        Some(t) => format!("{} (due)", utc(t)),
    };
    let pending = match get("pending_events").and_then(BlobValue::as_array) {
        None => "?".to_string(),
        Some([]) => "none".to_string(),
        Some(list) => list
            .iter()
            .map(|e| e.as_str().unwrap_or("?"))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let transfers = match get("transfers").and_then(BlobValue::as_array) {
        None => "?".to_string(),
        Some([]) => "none".to_string(),
        Some(list) => list
            .iter()
            .map(|t| transfer(t, now))
            .collect::<Vec<_>>()
            .join("; "),
    };
    let last_transfer = get("last_transfer");
    let last_transfer = match (
        last_transfer.and_then(|l| l.get("command_key")),
        last_transfer
            .and_then(|l| l.get("time"))
            .and_then(BlobValue::as_i64),
    ) {
        (_, Some(0)) => "none".to_string(),
        (Some(key), time) => format!(
            "{} fault {} at {}",
            text(Some(key)),
            number(last_transfer.and_then(|l| l.get("fault_code"))),
            when_past(time, now)
        ),
        _ => "?".to_string(),
    };
    vec![
        ("CWMP status", enabled),
        (
            "ACS URL",
            if acs_url.is_empty() {
                "none".into()
            } else {
                acs_url
            },
        ),
        (
            "ACS URL source",
            origin(
                get("acs_url_origin")
                    .and_then(BlobValue::as_str)
                    .unwrap_or("?"),
            ),
        ),
        (
            "Connection Request URL",
            text(get("connection_request_url")),
        ),
        (
            "Last session start",
            when_past(last_get("start").and_then(BlobValue::as_i64), now),
        ),
        (
            "Last session end",
            when_past(last_get("end").and_then(BlobValue::as_i64), now),
        ),
        ("Last session result", result),
        ("Last session fault", text(last_get("fault"))),
        ("Next periodic inform", next),
        ("Retry count", number(get("retry_count"))),
        ("Pending events", pending),
        (
            "Sessions succeeded",
            number(counters.and_then(|c| c.get("sessions_ok"))),
        ),
        (
            "Sessions failed",
            number(counters.and_then(|c| c.get("sessions_failed"))),
        ),
        ("Transfers", transfers),
        ("Last transfer", last_transfer),
    ]
}

/// Text form: `label : value`, one line each, labels padded to one column
/// (the layout of `show configuration` and the vendor CLIs).
pub fn render_text(status: &BlobValue, now: i64) -> String {
    let rows = rows(status, now);
    let width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (label, value) in rows {
        let line = format!("{label:<width$} : {value}");
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::status::{LastTransfer, TransferStatus};
    use crate::ubus_api::AgentStatus;

    #[test]
    fn every_field_of_the_snapshot_is_shown() {
        let now = 1_763_750_000;
        let st = AgentStatus {
            enabled: true,
            acs_url: "https://acs.example.net/cwmp".into(),
            acs_url_origin: "dhcp".into(),
            connection_request_url: "http://192.0.2.1:7547/abc".into(),
            last_session_start: now - 65,
            last_session_end: now - 63,
            last_session_result: "failed".into(),
            last_session_fault: "Transport(\"refused\")".into(),
            next_periodic_inform: now + 3600,
            retry_count: 2,
            pending_events: vec!["1 BOOT".into(), "2 PERIODIC".into()],
            sessions_ok: 8,
            sessions_failed: 2,
            transfers: vec![
                TransferStatus {
                    command_key: "fw-1".into(),
                    kind: "download",
                    file_type: "1 Firmware Upgrade Image".into(),
                    url: "https://files.example/fw.bin".into(),
                    state: "running",
                    due: 0,
                    fault_code: 0,
                    fault_string: String::new(),
                    progress_file: None,
                },
                TransferStatus {
                    command_key: "up-1".into(),
                    kind: "upload",
                    file_type: "2 Vendor Log File".into(),
                    url: "http://files.example/up".into(),
                    state: "completed",
                    due: 0,
                    fault_code: 9011,
                    fault_string: "server said 500".into(),
                    progress_file: None,
                },
            ],
            last_transfer: Some(LastTransfer {
                command_key: "up-1".into(),
                fault_code: 9011,
                fault_string: "server said 500".into(),
                time: now - 5,
            }),
        };
        let text = render_text(&st.to_blob(), now);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "CWMP status            : enable",
                "ACS URL                : https://acs.example.net/cwmp",
                "ACS URL source         : DHCP option 43",
                "Connection Request URL : http://192.0.2.1:7547/abc",
                "Last session start     : 2025-11-21 18:32:15 UTC (1m 5s ago)",
                "Last session end       : 2025-11-21 18:32:17 UTC (1m 3s ago)",
                "Last session result    : failed",
                "Last session fault     : Transport(\"refused\")",
                "Next periodic inform   : 2025-11-21 19:33:20 UTC (in 1h 0m)",
                "Retry count            : 2",
                "Pending events         : 1 BOOT, 2 PERIODIC",
                "Sessions succeeded     : 8",
                "Sessions failed        : 2",
                "Transfers              : fw-1 download (1 Firmware Upgrade Image) running; \
                 up-1 upload (2 Vendor Log File) completed with fault 9011, \
                 TransferComplete not yet acknowledged",
                "Last transfer          : up-1 fault 9011 at 2025-11-21 18:33:15 UTC (5s ago)",
            ]
        );
    }

    #[test]
    fn a_fresh_agent_and_missing_fields_read_plainly() {
        let text = render_text(&AgentStatus::default().to_blob(), 1000);
        assert!(text.contains("Last session start     : never\n"), "{text}");
        assert!(text.contains("Last session result    : none yet\n"));
        assert!(text.contains("Next periodic inform   : not scheduled\n"));
        assert!(text.contains("ACS URL                : none\n"));
        assert!(text.contains("Pending events         : none\n"));
        assert!(text.contains("Transfers              : none\n"), "{text}");
        assert!(text.contains("Last transfer          : none\n"), "{text}");
        let partial = render_text(&BlobValue::empty_table(), 1000);
        assert!(
            partial.contains("Retry count            : ?\n"),
            "{partial}"
        );
    }
}
