//! ACS discovery through DHCP option 43 (TR-069 §3.1, "ACS discovery";
//! shared/openwrt-reference.md §6).
//!
//! The CPE announces vendor class `dslforum.org` (option 60); the DHCP
//! server answers with option 43 holding encapsulated sub-options
//! (code u8, length u8, value): 1 URL of the ACS, 2 ProvisioningCode,
//! 3 CWMPRetryMinimumWaitInterval, 4 CWMPRetryIntervalMultiplier, all as
//! text. busybox udhcpc hands option 43 to its hooks as `opt43=<hex>`; the
//! hook `/etc/udhcpc.user.d/50-cwmp` passes that hex to
//! `cwmpd dhcp-option43 <interface> <hex>`, which lands here.
//!
//! Decoding is pure ([`decode_hex`], [`decode_option43`]); [`store`] writes
//! the result to `/var/run/cwmpd/dhcp` (the agent reads `url=` from it) in
//! one atomic step, so a bad option changes nothing.

use std::fmt;
use std::io;

use crate::paths::Root;

/// What a DHCP server told us about the ACS. Absent sub-options are None.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DhcpAcs {
    pub url: Option<String>,
    pub provisioning_code: Option<String>,
    /// Seconds, TR-181 CWMPRetryMinimumWaitInterval unsignedInt[1:65535].
    pub retry_min_wait: Option<u32>,
    /// Thousandths, TR-181 CWMPRetryIntervalMultiplier unsignedInt[1000:65535].
    pub retry_multiplier: Option<u32>,
}

/// Why an option 43 was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opt43Error {
    Empty,
    /// Odd number of hex digits.
    OddHex,
    /// A character that is not a hex digit, at this position.
    NotHex(usize),
    /// Sub-option `code` at byte `at` runs past the end of the option.
    Truncated {
        code: u8,
        at: usize,
    },
    /// Sub-option `code` has a length its value cannot have.
    BadLength {
        code: u8,
        len: usize,
    },
    /// Sub-option `code` appears twice.
    Duplicate(u8),
    /// Sub-option `code` is not UTF-8 text.
    NotText(u8),
    /// Sub-option `code` holds a value outside its range or form.
    BadValue {
        code: u8,
        reason: String,
    },
    /// No TR-069 sub-option and not a bare URL either.
    Unrecognised,
}

impl fmt::Display for Opt43Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Opt43Error::Empty => write!(f, "option 43 is empty"),
            Opt43Error::OddHex => write!(f, "odd number of hex digits"),
            Opt43Error::NotHex(i) => write!(f, "not a hex digit at position {i}"),
            Opt43Error::Truncated { code, at } => {
                write!(f, "sub-option {code} at byte {at} is truncated")
            }
            Opt43Error::BadLength { code, len } => {
                write!(f, "sub-option {code} has an invalid length {len}")
            }
            Opt43Error::Duplicate(code) => write!(f, "sub-option {code} appears twice"),
            Opt43Error::NotText(code) => write!(f, "sub-option {code} is not UTF-8 text"),
            Opt43Error::BadValue { code, reason } => write!(f, "sub-option {code}: {reason}"),
            Opt43Error::Unrecognised => write!(
                f,
                "neither TR-069 sub-options nor an http(s) URL (not for this agent)"
            ),
        }
    }
}

impl std::error::Error for Opt43Error {}

/// busybox `opt<code>` form: hex digits, two per byte, no separators.
pub fn decode_hex(hex: &str) -> Result<Vec<u8>, Opt43Error> {
    let hex = hex.trim();
    if hex.is_empty() {
        return Err(Opt43Error::Empty);
    }
    let digits = hex.as_bytes();
    if digits.len() % 2 != 0 {
        return Err(Opt43Error::OddHex);
    }
    let nibble = |i: usize| -> Result<u8, Opt43Error> {
        let c = *digits.get(i).ok_or(Opt43Error::OddHex)?;
        (c as char)
            .to_digit(16)
            .map(|d| d as u8)
            .ok_or(Opt43Error::NotHex(i))
    };
    (0..digits.len() / 2)
        .map(|k| Ok(nibble(2 * k)? << 4 | nibble(2 * k + 1)?))
        .collect()
}

/// TR-181 `ManagementServer.URL` is string(256); DeviceInfo.ProvisioningCode string(64).
const MAX_URL: usize = 256;
const MAX_PROVISIONING_CODE: usize = 64;

/// The TR-069 sub-option codes (TR-069 Table 3 / §3.1).
const URL: u8 = 1;
const PROVISIONING_CODE: u8 = 2;
const RETRY_MIN_WAIT: u8 = 3;
const RETRY_MULTIPLIER: u8 = 4;

/// Decodes option 43's bytes. Either a sequence of sub-options starting
/// with one of codes 1..4, or (servers that send a bare URL) the whole
/// option as an http(s) URL. Unknown sub-option codes after the first are
/// skipped (bounds-checked), as the option may be shared with other vendors'
/// data; everything else malformed is an error.
pub fn decode_option43(bytes: &[u8]) -> Result<DhcpAcs, Opt43Error> {
    match bytes.first() {
        None => Err(Opt43Error::Empty),
        Some(URL..=RETRY_MULTIPLIER) => decode_sub_options(bytes),
        Some(_) => bare_url(bytes),
    }
}

fn decode_sub_options(bytes: &[u8]) -> Result<DhcpAcs, Opt43Error> {
    let mut acs = DhcpAcs::default();
    let mut at = 0;
    while at < bytes.len() {
        let code = bytes.get(at).copied().unwrap_or(0);
        // RFC 2132 §8.4: pad (0) and end (255) inside encapsulated options.
        if code == 0 {
            at += 1;
            continue;
        }
        if code == 255 {
            break;
        }
        let len = *bytes
            .get(at + 1)
            .ok_or(Opt43Error::Truncated { code, at })? as usize;
        let value = bytes
            .get(at + 2..at + 2 + len)
            .ok_or(Opt43Error::Truncated { code, at })?;
        at += 2 + len;
        if !(URL..=RETRY_MULTIPLIER).contains(&code) {
            continue;
        }
        if len == 0 {
            return Err(Opt43Error::BadLength { code, len });
        }
        let text = std::str::from_utf8(value).map_err(|_| Opt43Error::NotText(code))?;
        let duplicate = match code {
            URL => acs.url.replace(check_url(text, code)?).is_some(),
            PROVISIONING_CODE => acs
                .provisioning_code
                .replace(check_provisioning_code(text, code)?)
                .is_some(),
            RETRY_MIN_WAIT => acs
                .retry_min_wait
                .replace(number(text, code, 1, 65535)?)
                .is_some(),
            _ => acs
                .retry_multiplier
                .replace(number(text, code, 1000, 65535)?)
                .is_some(),
        };
        if duplicate {
            return Err(Opt43Error::Duplicate(code));
        }
    }
    Ok(acs)
}

/// icwmp-compatible fallback: the whole option is the ACS URL.
fn bare_url(bytes: &[u8]) -> Result<DhcpAcs, Opt43Error> {
    let text = std::str::from_utf8(bytes).map_err(|_| Opt43Error::Unrecognised)?;
    if !(text.starts_with("http://") || text.starts_with("https://")) {
        return Err(Opt43Error::Unrecognised);
    }
    Ok(DhcpAcs {
        url: Some(check_url(text, URL)?),
        ..DhcpAcs::default()
    })
}

fn bad(code: u8, reason: impl Into<String>) -> Opt43Error {
    Opt43Error::BadValue {
        code,
        reason: reason.into(),
    }
}

/// The same URL rules as `cwmp.acs.url`: http or https, a host, at most 256
/// characters, no blanks or control characters.
fn check_url(v: &str, code: u8) -> Result<String, Opt43Error> {
    if v.chars().count() > MAX_URL {
        return Err(bad(code, format!("URL longer than {MAX_URL} characters")));
    }
    if v.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(bad(code, "URL contains blanks or control characters"));
    }
    let rest = v
        .strip_prefix("http://")
        .or_else(|| v.strip_prefix("https://"))
        .ok_or_else(|| bad(code, format!("{v:?} is not an http(s) URL")))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.is_empty() || host.starts_with(':') {
        return Err(bad(code, format!("{v:?} has no host")));
    }
    Ok(v.to_string())
}

fn check_provisioning_code(v: &str, code: u8) -> Result<String, Opt43Error> {
    if v.chars().count() > MAX_PROVISIONING_CODE {
        return Err(bad(
            code,
            format!("longer than {MAX_PROVISIONING_CODE} characters"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(bad(code, "contains control characters"));
    }
    Ok(v.to_string())
}

fn number(v: &str, code: u8, min: u32, max: u32) -> Result<u32, Opt43Error> {
    match v.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) && v.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(bad(code, format!("{v:?} is not a number in {min}..={max}"))),
    }
}

/// The runtime file's text: one `key=value` line per value learned.
pub fn render(acs: &DhcpAcs) -> String {
    let mut out = String::new();
    if let Some(u) = &acs.url {
        out.push_str(&format!("url={u}\n"));
    }
    if let Some(p) = &acs.provisioning_code {
        out.push_str(&format!("provisioning_code={p}\n"));
    }
    if let Some(n) = acs.retry_min_wait {
        out.push_str(&format!("retry_min_wait={n}\n"));
    }
    if let Some(n) = acs.retry_multiplier {
        out.push_str(&format!("retry_multiplier={n}\n"));
    }
    out
}

/// Parses the runtime file's text back (what [`render`] wrote). Lines it
/// does not know, or values out of range, are skipped: the file is ours, but
/// it lives in a writable tmpfs.
pub fn parse(text: &str) -> DhcpAcs {
    let mut acs = DhcpAcs::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        match key {
            "url" => acs.url = check_url(value, URL).ok(),
            "provisioning_code" => {
                acs.provisioning_code = check_provisioning_code(value, PROVISIONING_CODE).ok()
            }
            "retry_min_wait" => acs.retry_min_wait = number(value, RETRY_MIN_WAIT, 1, 65535).ok(),
            "retry_multiplier" => {
                acs.retry_multiplier = number(value, RETRY_MULTIPLIER, 1000, 65535).ok()
            }
            _ => {}
        }
    }
    acs
}

/// What the last DHCP lease told us (empty when there is no file).
pub fn load(root: &Root) -> DhcpAcs {
    std::fs::read_to_string(root.dhcp_file())
        .map(|t| parse(&t))
        .unwrap_or_default()
}

/// Replaces `/var/run/cwmpd/dhcp` (under `root`) with `acs`, atomically.
pub fn store(root: &Root, acs: &DhcpAcs) -> io::Result<()> {
    crate::store::write_atomically(&root.dhcp_file(), render(acs).as_bytes())
}

/// The netifd interface whose DHCP answers are trusted for ACS discovery:
/// `cwmp.cpe.interface`, else `wan` (the same default the init script and
/// uci-defaults use). Read from the raw package so a configuration error
/// elsewhere does not stop discovery.
pub fn discovery_interface(pkg: Option<&crate::backend::uci::Package>) -> String {
    pkg.and_then(|p| p.get_str("cpe", "interface"))
        .filter(|i| !i.is_empty())
        .unwrap_or("wan")
        .to_string()
}

/// What `cwmpd dhcp-option43` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The lease is for another interface than the discovery one (named).
    OtherInterface(String),
    /// Stored; whether a running agent was signalled to reload.
    Stored { acs: DhcpAcs, signalled: bool },
}

/// `cwmpd dhcp-option43 <interface> <hex>`: decode, store, signal the agent.
/// On any error nothing is written.
pub fn apply_option43(root: &Root, interface: &str, hex: &str) -> Result<Outcome, String> {
    let pkg = crate::backend::uci::Store::new(root.dir())
        .load("cwmp")
        .ok();
    let wanted = discovery_interface(pkg.as_ref());
    if interface != wanted {
        return Ok(Outcome::OtherInterface(wanted));
    }
    let acs = decode_hex(hex)
        .and_then(|b| decode_option43(&b))
        .map_err(|e| format!("DHCP option 43 on {interface} rejected: {e}"))?;
    store(root, &acs).map_err(|e| format!("cannot write {}: {e}", root.dhcp_file().display()))?;
    let signalled = crate::pidfile::signal_reload(root)
        .map_err(|e| format!("stored, but cannot signal the agent: {e}"))?;
    Ok(Outcome::Stored { acs, signalled })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_errors() {
        assert_eq!(decode_hex("01Ff"), Ok(vec![1, 255]));
        assert_eq!(decode_hex("0"), Err(Opt43Error::OddHex));
        assert_eq!(decode_hex("0g"), Err(Opt43Error::NotHex(1)));
        assert_eq!(decode_hex(""), Err(Opt43Error::Empty));
        // A multi-byte character must not be split into "digits".
        assert!(decode_hex("é0").is_err());
    }

    #[test]
    fn runtime_file_round_trips() {
        let acs = DhcpAcs {
            url: Some("https://acs.example.net/cwmp".into()),
            provisioning_code: Some("PC=1".into()),
            retry_min_wait: Some(10),
            retry_multiplier: Some(1500),
        };
        assert_eq!(parse(&render(&acs)), acs);
        assert_eq!(
            parse("url=ftp://x\nretry_min_wait=0\njunk\n"),
            DhcpAcs::default()
        );
    }

    #[test]
    fn unknown_sub_options_are_skipped_within_bounds() {
        let acs = decode_option43(&[
            1, 8, b'h', b't', b't', b'p', b':', b'/', b'/', b'a', 9, 1, 0,
        ])
        .unwrap();
        assert_eq!(acs.url.as_deref(), Some("http://a"));
        assert_eq!(
            decode_option43(&[1, 8, b'h', b't', b't', b'p', b':', b'/', b'/', b'a', 9, 5, 0]),
            Err(Opt43Error::Truncated { code: 9, at: 10 })
        );
    }
}
