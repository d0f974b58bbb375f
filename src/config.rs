//! `/etc/config/cwmp` → typed, validated configuration (DESIGN.md
//! "Configuration: UCI package `cwmp`"). Pure: takes the parsed package.
//!
//! Every option is a setting of the vendor CLIs (../shared/seeds): each bad
//! value gives an error naming the option (`cwmp.acs.url: ...`), all errors
//! are reported together, and nothing is taken from a configuration that
//! has any (the agent keeps its last good one).

use std::path::PathBuf;
use std::time::Duration;

use crate::backend::uci::Package;
use crate::cwmp::session::retry::RetryPolicy;
use crate::cwmp::xsd::DateTime;
use crate::transport::tls::TlsSettings;

/// Vendor limit on plaintext passwords (seed "Common errors": "The entered
/// password is plaintext and longer than 126 characters").
pub const MAX_PASSWORD_LEN: usize = 126;
/// Vendor limit on URLs ("Contain 256 characters at most"; TR-181 string(256)).
pub const MAX_URL_LEN: usize = 256;
/// TR-181 ManagementServer.Username / ConnectionRequestUsername: string(256).
pub const MAX_USERNAME_LEN: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcsConfig {
    pub url: String,
    pub username: String,
    pub password: String,
    pub default_url: String,
    pub default_username: String,
    pub default_password: String,
    pub dhcp_discovery: bool,
    pub ca_file: Option<String>,
    pub verify: bool,
    pub client_cert: Option<String>,
    pub client_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpeConfig {
    pub username: String,
    pub password: String,
    pub url: String,
    pub interface: String,
    pub port: u16,
    pub path: String,
    pub provisioning_code: String,
    pub periodic_inform: bool,
    pub periodic_interval: u32,
    /// Unix seconds; `None` when unset or the Unknown Time.
    pub periodic_time: Option<i64>,
    pub schedule_time: Option<i64>,
    pub timeout: u32,
    pub max_retries: u32,
    pub retry_min_wait: u32,
    pub retry_multiplier: u32,
    pub download: bool,
    pub upload: bool,
    pub backup: bool,
    pub backup_delay: u32,
    pub ipv6: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StunConfig {
    pub enable: bool,
    pub server: String,
    pub port: u16,
    pub username: String,
    pub password: String,
    pub min_keepalive: u32,
    pub max_keepalive: u32,
}

/// Operator overrides of the device identity (`config device 'device'`,
/// filled by the package's uci-defaults).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceConfig {
    pub manufacturer: String,
    pub oui: String,
    pub product_class: String,
    pub serial_number: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub enable: bool,
    pub log_level: String,
    pub acs: AcsConfig,
    pub cpe: CpeConfig,
    pub stun: StunConfig,
    pub device: DeviceConfig,
}

/// Reads options of one section, collecting errors that name them.
struct Reader<'a> {
    pkg: &'a Package,
    section: &'static str,
    errors: &'a mut Vec<String>,
}

impl Reader<'_> {
    fn raw(&self, option: &str) -> Option<String> {
        self.pkg.get(self.section, option)
    }

    fn err(&mut self, option: &str, why: impl std::fmt::Display) {
        self.errors
            .push(format!("cwmp.{}.{option}: {why}", self.section));
    }

    fn string(&mut self, option: &str, max: usize) -> String {
        let v = self.raw(option).unwrap_or_default();
        if v.chars().count() > max {
            self.err(option, format!("longer than {max} characters"));
        }
        v
    }

    fn password(&mut self, option: &str) -> String {
        let v = self.raw(option).unwrap_or_default();
        if v.chars().count() > MAX_PASSWORD_LEN {
            self.err(option, format!("longer than {MAX_PASSWORD_LEN} characters"));
        }
        if v.chars().any(|c| c.is_control()) {
            self.err(option, "contains control characters");
        }
        v
    }

    fn boolean(&mut self, option: &str, default: bool) -> bool {
        match self.raw(option).as_deref().map(str::trim) {
            None | Some("") => default,
            // The values libuci's config_get_bool accepts.
            Some("1" | "on" | "true" | "yes" | "enabled") => true,
            Some("0" | "off" | "false" | "no" | "disabled") => false,
            Some(other) => {
                self.err(option, format!("{other:?} is not a boolean (0/1)"));
                default
            }
        }
    }

    fn number(&mut self, option: &str, default: u32, min: u32, max: u32) -> u32 {
        match self.raw(option).as_deref().map(str::trim) {
            None | Some("") => default,
            Some(s) => match s.parse::<u32>() {
                Ok(n) if (min..=max).contains(&n) => n,
                _ => {
                    self.err(
                        option,
                        format!("{s:?} is not a whole number in {min}..{max}"),
                    );
                    default
                }
            },
        }
    }

    fn url(&mut self, option: &str) -> String {
        let v = self.raw(option).unwrap_or_default().trim().to_string();
        if !v.is_empty() {
            if let Err(why) = check_http_url(&v) {
                self.err(option, why);
            }
        }
        v
    }

    fn time(&mut self, option: &str) -> Option<i64> {
        let v = self.raw(option)?;
        let v = v.trim();
        if v.is_empty() {
            return None;
        }
        match DateTime::parse(v) {
            Some(t) if t == DateTime::UNKNOWN => None,
            Some(t) => Some(t.to_unix()),
            None => {
                self.err(
                    option,
                    format!("{v:?} is not a time like 2026-01-31T02:00:00Z"),
                );
                None
            }
        }
    }

    fn optional(&self, option: &str) -> Option<String> {
        self.raw(option).filter(|s| !s.trim().is_empty())
    }
}

/// An ACS URL must be http(s)://host[:port][/path] (vendor: "The ACS URL
/// must be in HTTP format"; TR-069 §3.1: the ACS URL is an HTTP(S) URL).
pub fn check_http_url(url: &str) -> Result<(), String> {
    if url.chars().count() > MAX_URL_LEN {
        return Err(format!("longer than {MAX_URL_LEN} characters"));
    }
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| format!("{url:?} is not an http:// or https:// URL"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or_else(|| format!("{url:?}: unterminated IPv6 address"))?;
        if let Some(port) = after.strip_prefix(':') {
            check_port(port, url)?;
        } else if !after.is_empty() {
            return Err(format!("{url:?}: junk after the IPv6 address"));
        }
        host
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => {
                check_port(port, url)?;
                host
            }
            None => authority,
        }
    };
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c == '@') {
        return Err(format!("{url:?} has no valid host"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{url:?} contains blanks"));
    }
    Ok(())
}

fn check_port(port: &str, url: &str) -> Result<(), String> {
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(()),
        _ => Err(format!("{url:?} has an invalid port")),
    }
}

impl Config {
    /// Parses and validates the `cwmp` package.
    pub fn from_package(pkg: &Package) -> Result<Config, Vec<String>> {
        let mut errors = Vec::new();
        let mut r = Reader {
            pkg,
            section: "cwmp",
            errors: &mut errors,
        };
        let enable = r.boolean("enable", true);
        let log_level = r.raw("log_level").unwrap_or_else(|| "info".into());
        if crate::logging::parse_level(&log_level).is_none() {
            r.err(
                "log_level",
                format!("{log_level:?} is not error, warning, info or debug"),
            );
        }

        let mut r = Reader {
            pkg,
            section: "acs",
            errors: &mut errors,
        };
        let acs = AcsConfig {
            url: r.url("url"),
            username: r.string("username", MAX_USERNAME_LEN),
            password: r.password("password"),
            default_url: r.url("default_url"),
            default_username: r.string("default_username", MAX_USERNAME_LEN),
            default_password: r.password("default_password"),
            dhcp_discovery: r.boolean("dhcp_discovery", false),
            ca_file: r.optional("ca_file"),
            verify: r.boolean("verify", true),
            client_cert: r.optional("client_cert"),
            client_key: r.optional("client_key"),
        };
        if acs.client_cert.is_some() != acs.client_key.is_some() {
            r.err("client_key", "client_cert and client_key go together");
        }

        let mut r = Reader {
            pkg,
            section: "cpe",
            errors: &mut errors,
        };
        let url = r.raw("url").unwrap_or_default().trim().to_string();
        if !url.is_empty() {
            if !url.starts_with("http://") {
                // Vendor: "The CPE URL must be in HTTP format".
                r.err("url", format!("{url:?} is not an http:// URL"));
            } else if let Err(why) = check_http_url(&url) {
                r.err("url", why);
            }
        }
        let interface = r.raw("interface").unwrap_or_default().trim().to_string();
        if !url.is_empty() && !interface.is_empty() {
            // The CLI offers either a CPE URL or a source interface.
            r.err(
                "interface",
                "cwmp.cpe.url and cwmp.cpe.interface are mutually exclusive",
            );
        }
        let path = r.raw("path").unwrap_or_default();
        if path
            .chars()
            .any(|c| c.is_whitespace() || c == '?' || c == '#')
        {
            r.err("path", "must be a plain URL path");
        }
        let cpe = CpeConfig {
            username: r.string("username", MAX_USERNAME_LEN),
            password: r.password("password"),
            url,
            interface,
            port: r.number("port", 7547, 0, 65535) as u16,
            path,
            provisioning_code: r.string("provisioning_code", 64),
            periodic_inform: r.boolean("periodic_inform", true),
            periodic_interval: r.number("periodic_interval", 600, 1, u32::MAX),
            periodic_time: r.time("periodic_time"),
            schedule_time: r.time("schedule_time"),
            timeout: r.number("timeout", 30, 1, 3600),
            max_retries: r.number("max_retries", 0, 0, 65535),
            retry_min_wait: r.number("retry_min_wait", 5, 1, 65535),
            retry_multiplier: r.number("retry_multiplier", 2000, 1000, 65535),
            download: r.boolean("download", true),
            upload: r.boolean("upload", true),
            backup: r.boolean("backup", false),
            backup_delay: r.number("backup_delay", 300, 1, 86_400),
            ipv6: r.boolean("ipv6", false),
        };

        let mut r = Reader {
            pkg,
            section: "stun",
            errors: &mut errors,
        };
        let stun = StunConfig {
            enable: r.boolean("enable", false),
            server: r.string("server", 256),
            port: r.number("port", 3478, 1, 65535) as u16,
            username: r.string("username", MAX_USERNAME_LEN),
            password: r.password("password"),
            min_keepalive: r.number("min_keepalive", 20, 1, 86_400),
            max_keepalive: r.number("max_keepalive", 60, 1, 86_400),
        };
        if stun.min_keepalive > stun.max_keepalive {
            r.err("min_keepalive", "greater than max_keepalive");
        }
        if stun.enable && stun.server.trim().is_empty() {
            r.err("server", "STUN is enabled without a server");
        }
        let mut r = Reader {
            pkg,
            section: "device",
            errors: &mut errors,
        };
        let device = DeviceConfig {
            manufacturer: r.string("manufacturer", 64),
            oui: r.string("oui", 6),
            product_class: r.string("product_class", 64),
            serial_number: r.string("serial_number", 64),
        };
        if !device.oui.is_empty() && !device.oui.chars().all(|c| c.is_ascii_hexdigit()) {
            r.err("oui", "must be six hexadecimal digits");
        }
        if errors.is_empty() {
            Ok(Config {
                enable,
                log_level,
                acs,
                cpe,
                stun,
                device,
            })
        } else {
            Err(errors)
        }
    }

    /// The agent's runtime view (paths are made absolute on the router;
    /// the agent resolves them under its root).
    pub fn settings(&self) -> crate::agent::settings::Settings {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        crate::agent::settings::Settings {
            enabled: self.enable,
            acs_url: opt(&self.acs.url),
            acs_username: self.acs.username.clone(),
            acs_password: self.acs.password.clone(),
            default_url: opt(&self.acs.default_url),
            default_username: self.acs.default_username.clone(),
            default_password: self.acs.default_password.clone(),
            dhcp_discovery: self.acs.dhcp_discovery,
            tls: TlsSettings {
                ca_file: self.acs.ca_file.as_ref().map(PathBuf::from),
                verify: self.acs.verify,
                client_cert: self.acs.client_cert.as_ref().map(PathBuf::from),
                client_key: self.acs.client_key.as_ref().map(PathBuf::from),
            },
            cr_username: self.cpe.username.clone(),
            cr_password: self.cpe.password.clone(),
            cr_url: opt(&self.cpe.url),
            cr_interface: opt(&self.cpe.interface),
            cr_port: self.cpe.port,
            cr_path: opt(&self.cpe.path),
            provisioning_code: self.cpe.provisioning_code.clone(),
            periodic_enable: self.cpe.periodic_inform,
            periodic_interval: self.cpe.periodic_interval,
            periodic_time: self.cpe.periodic_time,
            schedule_time: self.cpe.schedule_time,
            response_timeout: Duration::from_secs(u64::from(self.cpe.timeout)),
            max_retries: self.cpe.max_retries,
            retry: RetryPolicy {
                min_wait_secs: self.cpe.retry_min_wait,
                multiplier: self.cpe.retry_multiplier,
            },
            download: self.cpe.download,
            upload: self.cpe.upload,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::uci::parse;

    fn errors(text: &str) -> Vec<String> {
        Config::from_package(&parse(text).unwrap()).unwrap_err()
    }

    #[test]
    fn shipped_default_parses_with_documented_defaults() {
        let text = include_str!("../files/etc/config/cwmp");
        let c = Config::from_package(&parse(text).unwrap()).unwrap();
        assert!(c.acs.verify);
        assert_eq!(c.cpe.port, 7547);
        assert!(c.cpe.periodic_inform);
        assert_eq!(c.cpe.periodic_interval, 600);
        assert_eq!(c.cpe.timeout, 30);
        assert_eq!((c.cpe.retry_min_wait, c.cpe.retry_multiplier), (5, 2000));
        assert!(c.cpe.download && c.cpe.upload && !c.cpe.backup);
        assert_eq!(
            (c.stun.port, c.stun.min_keepalive, c.stun.max_keepalive),
            (3478, 20, 60)
        );
    }

    #[test]
    fn each_bad_value_names_its_option() {
        let cases = [
            (
                "config acs 'acs'\n\toption url 'ftp://x/'\n",
                "cwmp.acs.url",
            ),
            ("config acs 'acs'\n\toption url 'http://'\n", "cwmp.acs.url"),
            (
                "config acs 'acs'\n\toption url 'http://h:99999/'\n",
                "cwmp.acs.url",
            ),
            ("config cpe 'cpe'\n\toption port '70000'\n", "cwmp.cpe.port"),
            (
                "config cpe 'cpe'\n\toption periodic_interval '0'\n",
                "cwmp.cpe.periodic_interval",
            ),
            (
                "config cpe 'cpe'\n\toption retry_multiplier '999'\n",
                "cwmp.cpe.retry_multiplier",
            ),
            (
                "config cpe 'cpe'\n\toption url 'http://1.2.3.4/'\n\toption interface 'wan'\n",
                "cwmp.cpe.interface",
            ),
            (
                "config cpe 'cpe'\n\toption periodic_time 'tomorrow'\n",
                "cwmp.cpe.periodic_time",
            ),
            (
                "config cpe 'cpe'\n\toption periodic_inform 'maybe'\n",
                "cwmp.cpe.periodic_inform",
            ),
            (
                "config cwmp 'cwmp'\n\toption log_level 'loud'\n",
                "cwmp.cwmp.log_level",
            ),
            (
                "config acs 'acs'\n\toption client_cert '/c.pem'\n",
                "cwmp.acs.client_key",
            ),
        ];
        for (text, option) in cases {
            let e = errors(text);
            assert!(e.iter().any(|m| m.starts_with(option)), "{text:?} → {e:?}");
        }
        let long = "x".repeat(MAX_PASSWORD_LEN + 1);
        let e = errors(&format!("config acs 'acs'\n\toption password '{long}'\n"));
        assert!(e[0].starts_with("cwmp.acs.password"), "{e:?}");
    }

    #[test]
    fn all_errors_are_reported_together() {
        let e = errors("config acs 'acs'\n\toption url 'x'\nconfig cpe 'cpe'\n\toption port 'x'\n");
        assert_eq!(e.len(), 2, "{e:?}");
    }

    #[test]
    fn empty_package_is_valid_defaults() {
        let c = Config::from_package(&Package::default()).unwrap();
        assert!(c.enable);
        assert_eq!(c.acs.url, "");
        assert_eq!(c.settings().acs_target(None), None);
    }
}
