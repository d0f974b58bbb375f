//! `cwmpd show configuration [--json]`: every option of `/etc/config/cwmp`
//! with its effective value (defaults applied), like the vendor CLI's
//! `show cwmp configuration` (shared/seeds/001). Passwords are never
//! printed: `********` when set, empty when not.
//!
//! Pure: takes the validated [`Config`], returns text.

use crate::config::{Config, ConnectionRequest, LogLevel};

/// One setting's effective value, typed so the JSON form keeps types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    Bool(bool),
    Number(i64),
    Text(String),
    /// A password: only whether it is set.
    Secret(bool),
    /// An optional number left unset: the text form says what that means,
    /// JSON has `null`.
    Unset(&'static str),
}

/// One line of `show configuration`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// UCI section (`cwmp`, `acs`, `cpe`, `stun`).
    pub section: &'static str,
    /// UCI option name.
    pub option: &'static str,
    /// Human label, vendor-CLI style.
    pub label: &'static str,
    pub value: Shown,
    /// Unit appended to numbers in the text form (`s` for seconds).
    pub unit: &'static str,
}

const MASK: &str = "********";

fn text(v: &str) -> Shown {
    Shown::Text(v.to_string())
}

fn opt(v: &Option<String>) -> Shown {
    text(v.as_deref().unwrap_or(""))
}

fn num(n: impl Into<i64>) -> Shown {
    Shown::Number(n.into())
}

/// Every option of the `cwmp` package in file order, with its effective value.
pub fn settings(c: &Config) -> Vec<Setting> {
    let s = |section, option, label, value| Setting {
        section,
        option,
        label,
        value,
        unit: "",
    };
    let secs = |section, option, label, value| Setting {
        section,
        option,
        label,
        value,
        unit: "s",
    };
    let (cpe_url, cpe_interface) = match &c.cpe.connection_request {
        ConnectionRequest::Url(u) => (u.as_str(), ""),
        ConnectionRequest::Interface(i) => ("", i.as_str()),
        ConnectionRequest::Auto => ("", ""),
    };
    let log_level = match c.cwmp.log_level {
        LogLevel::Error => "error",
        LogLevel::Warn => "warn",
        LogLevel::Info => "info",
        LogLevel::Debug => "debug",
    };
    let a = &c.acs;
    let p = &c.cpe;
    let t = &c.stun;
    vec![
        s("cwmp", "enable", "CWMP status", Shown::Bool(c.cwmp.enable)),
        s("cwmp", "log_level", "Log level", text(log_level)),
        s("acs", "url", "ACS URL", opt(&a.url)),
        s("acs", "username", "ACS username", text(&a.username)),
        s(
            "acs",
            "password",
            "ACS password",
            Shown::Secret(!a.password.is_empty()),
        ),
        s("acs", "default_url", "ACS default URL", opt(&a.default_url)),
        s(
            "acs",
            "default_username",
            "ACS default username",
            text(&a.default_username),
        ),
        s(
            "acs",
            "default_password",
            "ACS default password",
            Shown::Secret(!a.default_password.is_empty()),
        ),
        s(
            "acs",
            "dhcp_discovery",
            "ACS DHCP discovery",
            Shown::Bool(a.dhcp_discovery),
        ),
        s("acs", "ca_file", "ACS CA file", opt(&a.ca_file)),
        s(
            "acs",
            "verify",
            "ACS certificate verification",
            Shown::Bool(a.verify),
        ),
        s(
            "acs",
            "client_cert",
            "ACS client certificate",
            opt(&a.client_cert),
        ),
        s("acs", "client_key", "ACS client key", opt(&a.client_key)),
        s("cpe", "username", "CPE username", text(&p.username)),
        s(
            "cpe",
            "password",
            "CPE password",
            Shown::Secret(!p.password.is_empty()),
        ),
        s("cpe", "url", "CPE URL", text(cpe_url)),
        s(
            "cpe",
            "interface",
            "CPE source interface name",
            text(cpe_interface),
        ),
        s("cpe", "port", "CPE port", num(p.port)),
        s("cpe", "path", "CPE path", text(&p.path)),
        s(
            "cpe",
            "provisioning_code",
            "CPE provisioning code",
            text(&p.provisioning_code),
        ),
        s(
            "cpe",
            "periodic_inform",
            "CPE inform status",
            Shown::Bool(p.periodic_inform),
        ),
        secs(
            "cpe",
            "periodic_interval",
            "CPE inform interval",
            num(p.periodic_interval),
        ),
        s(
            "cpe",
            "periodic_time",
            "CPE inform start-time",
            opt(&p.periodic_time),
        ),
        s(
            "cpe",
            "schedule_time",
            "CPE schedule time",
            opt(&p.schedule_time),
        ),
        secs("cpe", "timeout", "CPE wait timeout", num(p.timeout)),
        match p.max_retries {
            Some(n) => s("cpe", "max_retries", "CPE max retries", num(n)),
            None => s(
                "cpe",
                "max_retries",
                "CPE max retries",
                Shown::Unset("unlimited"),
            ),
        },
        secs(
            "cpe",
            "retry_min_wait",
            "CPE retry minimum wait",
            num(p.retry_min_wait),
        ),
        s(
            "cpe",
            "retry_multiplier",
            "CPE retry multiplier",
            num(p.retry_multiplier),
        ),
        s(
            "cpe",
            "download",
            "CPE download status",
            Shown::Bool(p.download),
        ),
        s("cpe", "upload", "CPE upload status", Shown::Bool(p.upload)),
        s("cpe", "backup", "CPE back up status", Shown::Bool(p.backup)),
        match p.backup_delay {
            Some(n) => secs("cpe", "backup_delay", "CPE back up delay time", num(n)),
            None => s(
                "cpe",
                "backup_delay",
                "CPE back up delay time",
                Shown::Unset(""),
            ),
        },
        s("cpe", "ipv6", "CPE IPv6", Shown::Bool(p.ipv6)),
        s("stun", "enable", "CPE STUN status", Shown::Bool(t.enable)),
        s("stun", "server", "CPE STUN server", opt(&t.server)),
        s("stun", "port", "CPE STUN port", num(t.port)),
        s("stun", "username", "CPE STUN username", text(&t.username)),
        s(
            "stun",
            "password",
            "CPE STUN password",
            Shown::Secret(!t.password.is_empty()),
        ),
        secs(
            "stun",
            "min_keepalive",
            "CPE STUN min-period",
            num(t.min_keepalive),
        ),
        if t.max_keepalive < 0 {
            s(
                "stun",
                "max_keepalive",
                "CPE STUN max-period",
                num(t.max_keepalive),
            )
        } else {
            secs(
                "stun",
                "max_keepalive",
                "CPE STUN max-period",
                num(t.max_keepalive),
            )
        },
    ]
}

/// The value as the text form shows it.
fn display(s: &Setting) -> String {
    match &s.value {
        Shown::Bool(true) => "enable".into(),
        Shown::Bool(false) => "disable".into(),
        Shown::Number(n) => format!("{n}{}", s.unit),
        Shown::Text(t) => t.clone(),
        Shown::Secret(true) => MASK.into(),
        Shown::Secret(false) => String::new(),
        Shown::Unset(meaning) => meaning.to_string(),
    }
}

/// Text form: `label  cwmp.section.option  : value`, one line per setting,
/// columns aligned. A value is printed with its UCI key so an operator
/// knows which `uci set cwmp.…` changes it.
pub fn render_text(c: &Config) -> String {
    let rows = settings(c);
    let label_w = rows.iter().map(|r| r.label.len()).max().unwrap_or(0);
    let key_w = rows
        .iter()
        .map(|r| "cwmp.".len() + r.section.len() + 1 + r.option.len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for r in &rows {
        let key = format!("cwmp.{}.{}", r.section, r.option);
        let line = format!("{:<label_w$}  {:<key_w$}  : {}", r.label, key, display(r));
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// JSON form: `{"<section>":{"<option>":value,...},...}`; booleans and
/// numbers typed, unset text as "", unset numbers as null, passwords masked.
pub fn render_json(c: &Config) -> String {
    let rows = settings(c);
    let mut out = String::from("{");
    let mut current: Option<&str> = None;
    for r in &rows {
        if current != Some(r.section) {
            if current.is_some() {
                out.push_str("},");
            }
            out.push_str(&json_string(r.section));
            out.push_str(":{");
            current = Some(r.section);
        } else {
            out.push(',');
        }
        out.push_str(&json_string(r.option));
        out.push(':');
        match &r.value {
            Shown::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Shown::Number(n) => out.push_str(&n.to_string()),
            Shown::Text(t) => out.push_str(&json_string(t)),
            Shown::Secret(set) => out.push_str(&json_string(if *set { MASK } else { "" })),
            Shown::Unset(_) => out.push_str("null"),
        }
    }
    if current.is_some() {
        out.push('}');
    }
    out.push_str("}\n");
    out
}

/// RFC 8259 §7 string: quote, backslash and control characters escaped.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(json_string("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\u0001é\"");
    }

    #[test]
    fn passwords_are_masked_in_both_forms() {
        let mut c = Config::default();
        c.acs.password = "s3cret\"".into();
        let t = render_text(&c);
        let j = render_json(&c);
        assert!(!t.contains("s3cret") && !j.contains("s3cret"));
        assert!(t
            .lines()
            .any(|l| l.starts_with("ACS password ") && l.ends_with(": ********")));
        assert!(j.contains("\"password\":\"********\""));
        assert!(j.contains("\"default_password\":\"\""));
    }
}
