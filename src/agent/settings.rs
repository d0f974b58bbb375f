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
    /// `cwmp.cpe.ipv6`: announce the interface's IPv6 address.
    pub cr_ipv6: bool,
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
    /// `cwmp.cpe.backup`: save the configuration before applying a
    /// downloaded firmware or configuration, restore it when no session
    /// succeeds within `backup_delay` seconds afterwards.
    pub backup: bool,
    pub backup_delay: Option<u32>,
    /// `config stun 'stun'` (src/agent/stun_task.rs).
    pub stun: crate::config::Stun,
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

impl Settings {
    /// The ACS's TLS settings with their files looked up under `root` (the
    /// default CA bundle when none is configured). Transfers use the same.
    pub fn tls_under(&self, root: &crate::paths::Root) -> TlsSettings {
        let mut s = self.tls.clone();
        s.ca_file = Some(
            s.ca_file
                .map(|p| root.join(&p.to_string_lossy()))
                .unwrap_or_else(|| root.join(crate::transport::tls::DEFAULT_CA_BUNDLE)),
        );
        s.client_cert = s.client_cert.map(|p| root.join(&p.to_string_lossy()));
        s.client_key = s.client_key.map(|p| root.join(&p.to_string_lossy()));
        s
    }

    /// The runtime view of a validated configuration.
    pub fn from_config(c: &crate::config::Config) -> Settings {
        use crate::config::ConnectionRequest;
        use crate::cwmp::xsd::DateTime;
        let time = |t: &Option<String>| {
            t.as_deref()
                .and_then(DateTime::parse)
                .filter(|d| *d != DateTime::UNKNOWN)
                .map(|d| d.to_unix())
        };
        let nonempty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        let (cr_url, cr_interface) = match &c.cpe.connection_request {
            ConnectionRequest::Url(u) => (Some(u.clone()), None),
            ConnectionRequest::Interface(i) => (None, Some(i.clone())),
            ConnectionRequest::Auto => (None, None),
        };
        Settings {
            enabled: c.cwmp.enable,
            acs_url: c.acs.url.clone(),
            acs_username: c.acs.username.clone(),
            acs_password: c.acs.password.clone(),
            default_url: c.acs.default_url.clone(),
            default_username: c.acs.default_username.clone(),
            default_password: c.acs.default_password.clone(),
            dhcp_discovery: c.acs.dhcp_discovery,
            tls: TlsSettings {
                ca_file: c.acs.ca_file.as_ref().map(Into::into),
                verify: c.acs.verify,
                client_cert: c.acs.client_cert.as_ref().map(Into::into),
                client_key: c.acs.client_key.as_ref().map(Into::into),
            },
            cr_username: c.cpe.username.clone(),
            cr_password: c.cpe.password.clone(),
            cr_url,
            cr_interface,
            cr_port: c.cpe.port,
            cr_ipv6: c.cpe.ipv6,
            cr_path: nonempty(&c.cpe.path),
            provisioning_code: c.cpe.provisioning_code.clone(),
            periodic_enable: c.cpe.periodic_inform,
            periodic_interval: c.cpe.periodic_interval,
            periodic_time: time(&c.cpe.periodic_time),
            schedule_time: time(&c.cpe.schedule_time),
            response_timeout: Duration::from_secs(u64::from(c.cpe.timeout)),
            max_retries: c.cpe.max_retries.unwrap_or(0),
            retry: RetryPolicy {
                min_wait_secs: c.cpe.retry_min_wait,
                multiplier: c.cpe.retry_multiplier,
            },
            download: c.cpe.download,
            upload: c.cpe.upload,
            backup: c.cpe.backup,
            backup_delay: c.cpe.backup_delay,
            stun: c.stun.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn acs_selection_order_is_configured_then_dhcp_then_default() {
        let mut c = Config::default();
        c.acs.default_url = Some("http://default.example/".into());
        c.acs.dhcp_discovery = true;
        let s = Settings::from_config(&c);
        let pick = |s: &Settings, dhcp: Option<&str>| s.acs_target(dhcp).map(|t| (t.url, t.origin));
        assert_eq!(
            pick(&s, None),
            Some(("http://default.example/".into(), UrlOrigin::Default))
        );
        assert_eq!(
            pick(&s, Some("http://dhcp.example/")),
            Some(("http://dhcp.example/".into(), UrlOrigin::Dhcp))
        );
        c.acs.url = Some("https://configured.example/".into());
        let s = Settings::from_config(&c);
        assert_eq!(
            pick(&s, Some("http://dhcp.example/")),
            Some(("https://configured.example/".into(), UrlOrigin::Configured))
        );
        // Discovery off: the DHCP URL is ignored.
        c.acs.url = None;
        c.acs.dhcp_discovery = false;
        let s = Settings::from_config(&c);
        assert_eq!(
            pick(&s, Some("http://dhcp.example/")).map(|t| t.1),
            Some(UrlOrigin::Default)
        );
    }
}
