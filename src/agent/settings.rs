//! The agent's view of its configuration: what the session loop needs,
//! already resolved (defaults applied, paths under the root). Built from
//! the validated UCI `Config`; keeping the two apart lets the agent reload
//! atomically: a bad new configuration never replaces a good `Settings`.

use std::time::Duration;

use crate::cwmp::session::retry::RetryPolicy;
use crate::transport::tls::TlsSettings;

/// Where the ACS URL in use came from (vendor rule: CLI/ACS-set values win
/// over DHCP; the default ACS is the last fallback).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlOrigin {
    /// `cwmp.acs.url`, set with uci/LuCI or by the ACS itself.
    Configured,
    /// DHCP option 43, stored at run time by the udhcpc hook.
    Dhcp,
    /// `cwmp.acs.default_url`.
    Default,
}

impl UrlOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            UrlOrigin::Configured => "uci",
            UrlOrigin::Dhcp => "dhcp",
            UrlOrigin::Default => "default",
        }
    }
}

/// The ACS to talk to, with the credentials that go with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcsTarget {
    pub url: String,
    pub username: String,
    pub password: String,
    pub origin: UrlOrigin,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub enabled: bool,
    pub acs_url: Option<String>,
    pub acs_username: String,
    pub acs_password: String,
    pub default_url: Option<String>,
    pub default_username: String,
    pub default_password: String,
    pub dhcp_discovery: bool,
    pub tls: TlsSettings,
    pub cr_username: String,
    pub cr_password: String,
    /// `cwmp.cpe.url`: the Connection Request URL announced as is.
    pub cr_url: Option<String>,
    /// `cwmp.cpe.interface`: the logical interface whose address goes into
    /// the Connection Request URL.
    pub cr_interface: Option<String>,
    pub cr_port: u16,
    /// `cwmp.cpe.path`; `None` → a random path generated once and persisted.
    pub cr_path: Option<String>,
    pub provisioning_code: String,
    pub periodic_enable: bool,
    pub periodic_interval: u32,
    /// PeriodicInformTime as Unix seconds; `None` = Unknown Time.
    pub periodic_time: Option<i64>,
    /// One-shot connection at this Unix time (vendor "schedule a connection").
    pub schedule_time: Option<i64>,
    pub response_timeout: Duration,
    /// Vendor "maximum number of connection retries"; 0 = unlimited.
    pub max_retries: u32,
    pub retry: RetryPolicy,
    pub download: bool,
    pub upload: bool,
}

impl Settings {
    /// The ACS in use: configured, else DHCP-discovered (when discovery is
    /// on), else the default ACS.
    pub fn acs_target(&self, dhcp_url: Option<&str>) -> Option<AcsTarget> {
        if let Some(url) = self.acs_url.as_deref().filter(|u| !u.is_empty()) {
            return Some(AcsTarget {
                url: url.to_string(),
                username: self.acs_username.clone(),
                password: self.acs_password.clone(),
                origin: UrlOrigin::Configured,
            });
        }
        if self.dhcp_discovery {
            if let Some(url) = dhcp_url.filter(|u| !u.is_empty()) {
                return Some(AcsTarget {
                    url: url.to_string(),
                    username: self.acs_username.clone(),
                    password: self.acs_password.clone(),
                    origin: UrlOrigin::Dhcp,
                });
            }
        }
        self.default_url
            .as_deref()
            .filter(|u| !u.is_empty())
            .map(|url| AcsTarget {
                url: url.to_string(),
                username: self.default_username.clone(),
                password: self.default_password.clone(),
                origin: UrlOrigin::Default,
            })
    }
}
