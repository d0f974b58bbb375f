//! Control RPCs (TR-069 §A.3.1.1, §A.3.2.8, §A.3.2.10, §A.4.1.3):
//! GetRPCMethods (both directions), Reboot, FactoryReset, ScheduleInform,
//! and the CPE → ACS Kicked RPC.

/// `GetRPCMethodsResponse` (either direction): the method names supported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetRpcMethodsResponse {
    pub method_list: Vec<String>,
}

/// ACS → CPE `Reboot`. The CommandKey comes back in the `M Reboot` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reboot {
    pub command_key: String,
}

/// ACS → CPE `ScheduleInform`: one Inform with `3 SCHEDULED` + `M ScheduleInform`
/// after `delay_seconds` (must be > 0, else 9003 — a session rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleInform {
    pub delay_seconds: u32,
    pub command_key: String,
}

/// CPE → ACS `Kicked` (TR-069 §A.4.1.3; web-page "kick" mechanism).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kicked {
    pub command: String,
    pub referer: String,
    pub arg: String,
    pub next: String,
}

/// ACS → CPE `KickedResponse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KickedResponse {
    pub next_url: String,
}
