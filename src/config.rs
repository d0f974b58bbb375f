//! The agent's configuration: UCI package `cwmp` (DESIGN.md "Configuration:
//! UCI package `cwmp`") parsed into typed settings.
//!
//! Pure: takes an already parsed [`Package`]; reading the file is the
//! runtime's job (`backend::uci::Store::load("cwmp")`). Every bad value is
//! reported, each error naming its option as `cwmp.<section>.<option>`.
//! Limits follow the vendor CLIs in shared/seeds (URL forms, 256-character
//! URLs, plaintext passwords of at most 126 characters) and the TR-181
//! `Device.ManagementServer.` ranges the same settings map to.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::backend::uci::{Package, Section, Value};

/// A bad value, named by its option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// `cwmp.<section>.<option>` (or two of them joined by ` and `).
    pub option: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.option, self.message)
    }
}

/// All errors found in one configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
}

/// `config cwmp 'cwmp'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct General {
    pub enable: bool,
    pub log_level: LogLevel,
}

/// `config acs 'acs'`: how to reach the ACS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acs {
    /// Configured ACS URL; None: use the DHCP-discovered one, then `default_url`.
    pub url: Option<String>,
    pub username: String,
    pub password: String,
    pub default_url: Option<String>,
    pub default_username: String,
    pub default_password: String,
    /// Accept an ACS URL from DHCP option 43 when `url` is empty.
    pub dhcp_discovery: bool,
    pub ca_file: Option<String>,
    /// Verify the ACS certificate (HTTPS).
    pub verify: bool,
    pub client_cert: Option<String>,
    pub client_key: Option<String>,
}

/// Where the Connection Request server listens / what URL is announced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionRequest {
    /// `url`: announced as given.
    Url(String),
    /// `interface`: the address of this netifd interface, with `port`/`path`.
    Interface(String),
    /// Neither: chosen from the address used to reach the ACS.
    Auto,
}

/// `config cpe 'cpe'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpe {
    /// Connection Request credentials (ACS → CPE).
    pub username: String,
    pub password: String,
    pub connection_request: ConnectionRequest,
    pub port: u16,
    pub path: String,
    pub provisioning_code: String,
    pub periodic_inform: bool,
    /// Seconds.
    pub periodic_interval: u32,
    /// TR-069 dateTime the periodic informs are aligned to.
    pub periodic_time: Option<String>,
    /// One-shot connection initiation (dateTime).
    pub schedule_time: Option<String>,
    /// Seconds without ACS response before a session fails.
    pub timeout: u32,
    /// None: retry forever.
    pub max_retries: Option<u32>,
    /// TR-069 3.2.1.1 session retry policy, seconds (m).
    pub retry_min_wait: u32,
    /// TR-069 3.2.1.1 retry multiplier (k) in thousandths.
    pub retry_multiplier: u32,
    pub download: bool,
    pub upload: bool,
    pub backup: bool,
    /// Seconds.
    pub backup_delay: Option<u32>,
    pub ipv6: bool,
}

/// `config stun 'stun'` (TR-069 Annex G).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stun {
    pub enable: bool,
    pub server: Option<String>,
    pub port: u16,
    pub username: String,
    pub password: String,
    /// Seconds.
    pub min_keepalive: u32,
    /// Seconds; -1 means no maximum.
    pub max_keepalive: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub cwmp: General,
    pub acs: Acs,
    pub cpe: Cpe,
    pub stun: Stun,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            cwmp: General {
                enable: true,
                log_level: LogLevel::Info,
            },
            acs: Acs {
                url: None,
                username: String::new(),
                password: String::new(),
                default_url: None,
                default_username: String::new(),
                default_password: String::new(),
                dhcp_discovery: true,
                ca_file: None,
                verify: true,
                client_cert: None,
                client_key: None,
            },
            cpe: Cpe {
                username: String::new(),
                password: String::new(),
                connection_request: ConnectionRequest::Auto,
                port: 7547,
                // Empty: the agent generates a random path once and keeps
                // it, so the Connection Request URL cannot be guessed.
                path: String::new(),
                provisioning_code: String::new(),
                periodic_inform: true,
                periodic_interval: 600,
                periodic_time: None,
                schedule_time: None,
                timeout: 30,
                max_retries: None,
                retry_min_wait: 5,
                retry_multiplier: 2000,
                download: true,
                upload: true,
                backup: false,
                backup_delay: None,
                ipv6: false,
            },
            stun: Stun {
                enable: false,
                server: None,
                port: 3478,
                username: String::new(),
                password: String::new(),
                min_keepalive: 20,
                max_keepalive: 60,
            },
        }
    }
}

/// Maximum URL length (seeds: "Contain 256 characters at most").
const MAX_URL: usize = 256;
/// Maximum plaintext password (seeds, "Common Errors").
const MAX_PASSWORD: usize = 126;
/// TR-181 ManagementServer.Username / ConnectionRequestUsername: string(256).
const MAX_USERNAME: usize = 256;
/// TR-181 DeviceInfo.ProvisioningCode: string(64).
const MAX_PROVISIONING_CODE: usize = 64;

/// Reads options of one section, collecting errors.
struct Reader<'a> {
    section_name: &'static str,
    section: Option<&'a Section>,
    errors: &'a mut Vec<ConfigError>,
}

impl Reader<'_> {
    fn fail(&mut self, option: &str, message: impl Into<String>) {
        self.errors.push(ConfigError {
            option: format!("cwmp.{}.{}", self.section_name, option),
            message: message.into(),
        });
    }

    /// The option's text; a list where one value is expected is an error.
    fn text(&mut self, option: &str) -> Option<String> {
        match self.section.and_then(|s| s.get(option)) {
            None => None,
            Some(Value::Single(v)) => Some(v.clone()),
            Some(Value::List(_)) => {
                self.fail(option, "expected a single value, found a list");
                None
            }
        }
    }

    /// UCI booleans as `config_get_bool` accepts them.
    fn boolean(&mut self, option: &str, default: bool) -> bool {
        let Some(v) = self.text(option) else {
            return default;
        };
        match v.as_str() {
            "1" | "on" | "true" | "yes" | "enabled" => true,
            "0" | "off" | "false" | "no" | "disabled" => false,
            _ => {
                self.fail(option, format!("{v:?} is not a boolean (use 1 or 0)"));
                default
            }
        }
    }

    fn number<T>(&mut self, option: &str, default: T, min: i64, max: i64) -> T
    where
        T: TryFrom<i64> + Copy,
    {
        self.optional_number(option, min, max).unwrap_or(default)
    }

    fn optional_number<T>(&mut self, option: &str, min: i64, max: i64) -> Option<T>
    where
        T: TryFrom<i64>,
    {
        let v = self.text(option)?;
        match v.trim().parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => T::try_from(n).ok(),
            _ => {
                self.fail(
                    option,
                    format!("{v:?} is not a whole number in {min}..={max}"),
                );
                None
            }
        }
    }

    /// Free text of bounded length without control characters.
    fn string(&mut self, option: &str, max: usize) -> String {
        let Some(v) = self.text(option) else {
            return String::new();
        };
        if v.chars().count() > max {
            self.fail(option, format!("longer than {max} characters"));
            return String::new();
        }
        if v.chars().any(char::is_control) {
            self.fail(option, "contains control characters");
            return String::new();
        }
        v
    }

    fn optional_string(&mut self, option: &str, max: usize) -> Option<String> {
        Some(self.string(option, max)).filter(|s| !s.is_empty())
    }

    /// An absolute file path, or nothing.
    fn path(&mut self, option: &str) -> Option<String> {
        let v = self.optional_string(option, 4096)?;
        if v.starts_with('/') {
            Some(v)
        } else {
            self.fail(option, format!("{v:?} is not an absolute path"));
            None
        }
    }

    /// An ACS URL: http or https, a host, at most 256 characters.
    fn acs_url(&mut self, option: &str) -> Option<String> {
        let v = self.optional_string(option, MAX_URL)?;
        match check_acs_url(&v) {
            Ok(()) => Some(v),
            Err(m) => {
                self.fail(option, m);
                None
            }
        }
    }

    fn date_time(&mut self, option: &str) -> Option<String> {
        let v = self.optional_string(option, 64)?;
        if is_date_time(&v) {
            Some(v)
        } else {
            self.fail(
                option,
                format!("{v:?} is not a dateTime like 2024-01-31T02:00:00Z"),
            );
            None
        }
    }
}

fn check_acs_url(v: &str) -> Result<(), String> {
    let rest = v
        .strip_prefix("http://")
        .or_else(|| v.strip_prefix("https://"))
        .ok_or_else(|| format!("{v:?} must start with http:// or https://"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.is_empty() || host.starts_with(':') {
        return Err(format!("{v:?} has no host"));
    }
    if v.chars().any(|c| c.is_control() || c == ' ') {
        return Err(format!("{v:?} contains blanks or control characters"));
    }
    Ok(())
}

/// The seeds' CPE URL form `http://ip[:port]/…`: an IP literal, not a name.
fn check_cpe_url(v: &str) -> Result<(), String> {
    let rest = v
        .strip_prefix("http://")
        .ok_or_else(|| format!("{v:?} must have the form http://ip[:port]/"))?;
    let (authority, _path) = rest
        .split_once('/')
        .ok_or_else(|| format!("{v:?} must end the address with '/' (http://ip[:port]/)"))?;
    let port = if let Some(r) = authority.strip_prefix('[') {
        let (h, after) = r
            .split_once(']')
            .ok_or_else(|| format!("{v:?}: unterminated IPv6 address"))?;
        if h.parse::<Ipv6Addr>().is_err() {
            return Err(format!("{v:?}: {h:?} is not an IPv6 address"));
        }
        after.strip_prefix(':')
    } else {
        let (h, p) = match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        if h.parse::<Ipv4Addr>().is_err() {
            return Err(format!(
                "{v:?}: {h:?} is not an IP address (names are not allowed)"
            ));
        }
        p
    };
    if let Some(p) = port {
        match p.parse::<u16>() {
            Ok(n) if n > 0 => {}
            _ => return Err(format!("{v:?}: bad port {p:?}")),
        }
    }
    Ok(())
}

/// TR-069 dateTime (XML Schema): `YYYY-MM-DDTHH:MM:SS[.frac][Z|±HH:MM]`.
fn is_date_time(v: &str) -> bool {
    let b = v.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let base = b.len() >= 19
        && digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && b.get(10) == Some(&b'T')
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19);
    if !base {
        return false;
    }
    let mut rest = v.get(19..).unwrap_or("");
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = frac.get(n..).unwrap_or("");
    }
    match rest.as_bytes() {
        [] | [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

fn find_section<'a>(pkg: &'a Package, name: &'a str) -> Option<&'a Section> {
    // The named section, else the first section of that type.
    pkg.section(name)
        .or_else(|| pkg.sections_of_type(name).next())
}

impl Config {
    /// Build the configuration from the parsed `cwmp` package. Missing
    /// sections and options take their defaults; every bad value is reported.
    pub fn from_package(pkg: &Package) -> Result<Config, ConfigErrors> {
        let d = Config::default();
        let mut errors = Vec::new();

        let mut r = Reader {
            section_name: "cwmp",
            section: find_section(pkg, "cwmp"),
            errors: &mut errors,
        };
        let enable = r.boolean("enable", d.cwmp.enable);
        let log_level = match r.text("log_level").as_deref() {
            None | Some("") => d.cwmp.log_level,
            Some("error") => LogLevel::Error,
            Some("warn") | Some("warning") => LogLevel::Warn,
            Some("info") => LogLevel::Info,
            Some("debug") => LogLevel::Debug,
            Some(other) => {
                r.fail(
                    "log_level",
                    format!("{other:?} is not one of error, warn, info, debug"),
                );
                d.cwmp.log_level
            }
        };
        let cwmp = General { enable, log_level };

        let mut r = Reader {
            section_name: "acs",
            section: find_section(pkg, "acs"),
            errors: &mut errors,
        };
        let acs = Acs {
            url: r.acs_url("url"),
            username: r.string("username", MAX_USERNAME),
            password: r.string("password", MAX_PASSWORD),
            default_url: r.acs_url("default_url"),
            default_username: r.string("default_username", MAX_USERNAME),
            default_password: r.string("default_password", MAX_PASSWORD),
            dhcp_discovery: r.boolean("dhcp_discovery", d.acs.dhcp_discovery),
            ca_file: r.path("ca_file"),
            verify: r.boolean("verify", d.acs.verify),
            client_cert: r.path("client_cert"),
            client_key: r.path("client_key"),
        };
        if acs.client_cert.is_some() != acs.client_key.is_some() {
            errors.push(ConfigError {
                option: "cwmp.acs.client_cert and cwmp.acs.client_key".into(),
                message: "must be set together".into(),
            });
        }

        let mut r = Reader {
            section_name: "cpe",
            section: find_section(pkg, "cpe"),
            errors: &mut errors,
        };
        let url = r.optional_string("url", MAX_URL);
        let url = url.and_then(|u| match check_cpe_url(&u) {
            Ok(()) => Some(u),
            Err(m) => {
                r.fail("url", m);
                None
            }
        });
        let interface = r.optional_string("interface", 64);
        if let Some(i) = &interface {
            if !i
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'@'))
            {
                r.fail("interface", format!("{i:?} is not an interface name"));
            }
        }
        let connection_request = match (url, interface) {
            (Some(_), Some(_)) => {
                r.errors.push(ConfigError {
                    option: "cwmp.cpe.url and cwmp.cpe.interface".into(),
                    message: "are mutually exclusive; set only one".into(),
                });
                ConnectionRequest::Auto
            }
            (Some(u), None) => ConnectionRequest::Url(u),
            (None, Some(i)) => ConnectionRequest::Interface(i),
            (None, None) => ConnectionRequest::Auto,
        };
        let path = match r.optional_string("path", MAX_URL) {
            None => d.cpe.path.clone(),
            Some(p) if p.starts_with('/') && !p.contains(char::is_whitespace) => p,
            Some(p) => {
                r.fail(
                    "path",
                    format!("{p:?} must start with '/' and have no blanks"),
                );
                d.cpe.path.clone()
            }
        };
        let cpe = Cpe {
            username: r.string("username", MAX_USERNAME),
            password: r.string("password", MAX_PASSWORD),
            connection_request,
            // 0 lets the kernel pick a free port (host mode, tests); the
            // announced ConnectionRequestURL always carries the bound port.
            port: r.number("port", d.cpe.port, 0, 65535),
            path,
            provisioning_code: r.string("provisioning_code", MAX_PROVISIONING_CODE),
            periodic_inform: r.boolean("periodic_inform", d.cpe.periodic_inform),
            // TR-181 PeriodicInformInterval: unsignedInt[1:].
            periodic_interval: r.number(
                "periodic_interval",
                d.cpe.periodic_interval,
                1,
                u32::MAX as i64,
            ),
            periodic_time: r.date_time("periodic_time"),
            schedule_time: r.date_time("schedule_time"),
            timeout: r.number("timeout", d.cpe.timeout, 1, 3600),
            max_retries: r.optional_number("max_retries", 0, u32::MAX as i64),
            // TR-181 CWMPRetryMinimumWaitInterval unsignedInt[1:65535],
            // CWMPRetryIntervalMultiplier unsignedInt[1000:65535].
            retry_min_wait: r.number("retry_min_wait", d.cpe.retry_min_wait, 1, 65535),
            retry_multiplier: r.number("retry_multiplier", d.cpe.retry_multiplier, 1000, 65535),
            download: r.boolean("download", d.cpe.download),
            upload: r.boolean("upload", d.cpe.upload),
            backup: r.boolean("backup", d.cpe.backup),
            backup_delay: r.optional_number("backup_delay", 0, u32::MAX as i64),
            ipv6: r.boolean("ipv6", d.cpe.ipv6),
        };

        let mut r = Reader {
            section_name: "stun",
            section: find_section(pkg, "stun"),
            errors: &mut errors,
        };
        let stun = Stun {
            enable: r.boolean("enable", d.stun.enable),
            server: r.optional_string("server", MAX_URL),
            port: r.number("port", d.stun.port, 1, 65535),
            username: r.string("username", MAX_USERNAME),
            password: r.string("password", MAX_PASSWORD),
            // TR-181 STUNMinimumKeepAlivePeriod unsignedInt,
            // STUNMaximumKeepAlivePeriod int[-1:].
            min_keepalive: r.number("min_keepalive", d.stun.min_keepalive, 0, u32::MAX as i64),
            max_keepalive: r.number("max_keepalive", d.stun.max_keepalive, -1, i32::MAX as i64),
        };
        if stun.max_keepalive >= 0 && (stun.max_keepalive as i64) < stun.min_keepalive as i64 {
            errors.push(ConfigError {
                option: "cwmp.stun.min_keepalive and cwmp.stun.max_keepalive".into(),
                message: "min_keepalive exceeds max_keepalive".into(),
            });
        }

        if errors.is_empty() {
            Ok(Config {
                cwmp,
                acs,
                cpe,
                stun,
            })
        } else {
            Err(ConfigErrors(errors))
        }
    }
}
