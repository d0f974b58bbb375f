//! Parameter paths (TR-069 §A.2.2.1, TR-106 §3.1): `Device.IP.Interface.1.Name`
//! is a parameter, `Device.IP.` a partial path (an object, trailing dot),
//! `Device.IP.Interface.1.` an instance. The empty path means the root,
//! `Device.` (TR-069 §A.3.2.1/3). A name that cannot be a parameter path is
//! fault 9005 (Invalid parameter name).

use std::fmt;

use crate::cwmp::{Fault, FaultCode};

/// Longest path accepted (TR-069 §A.3.2.1: ParameterName is string(256)).
pub const MAX_PATH_LEN: usize = 256;

/// One segment: a name or an instance number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    Name(String),
    Instance(u32),
}

/// A parsed path. `partial` is true when the text ended in `.` (an object).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Path {
    pub segments: Vec<Segment>,
    pub partial: bool,
}

fn invalid(text: &str, why: &str) -> Fault {
    Fault::with_string(
        FaultCode::INVALID_PARAMETER_NAME,
        format!("Invalid parameter name {text:?}: {why}"),
    )
}

impl Path {
    /// The root object `Device.`.
    pub fn root() -> Path {
        Path {
            segments: vec![Segment::Name("Device".to_string())],
            partial: true,
        }
    }

    /// Parses a name from an RPC. Empty → `Device.`.
    pub fn parse(text: &str) -> Result<Path, Fault> {
        if text.is_empty() {
            return Ok(Path::root());
        }
        if text.len() > MAX_PATH_LEN {
            return Err(invalid(text, "longer than 256 characters"));
        }
        let (body, partial) = match text.strip_suffix('.') {
            Some(b) => (b, true),
            None => (text, false),
        };
        let mut segments = Vec::new();
        for seg in body.split('.') {
            if seg.is_empty() {
                return Err(invalid(text, "empty segment"));
            }
            if seg.bytes().all(|b| b.is_ascii_digit()) {
                // Instance numbers start at 1, no leading zeros (TR-106 §3.1).
                if seg.starts_with('0') {
                    return Err(invalid(
                        text,
                        "instance numbers start at 1, without leading zeros",
                    ));
                }
                let n: u32 = seg
                    .parse()
                    .map_err(|_| invalid(text, "instance number too large"))?;
                segments.push(Segment::Instance(n));
            } else if seg.starts_with('[') {
                // Alias-based addressing (TR-069 §A.2.2.1) is not supported:
                // ManagementServer.AliasBasedAddressing reads false.
                return Err(invalid(text, "alias-based addressing is not supported"));
            } else if seg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                && seg
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            {
                segments.push(Segment::Name(seg.to_string()));
            } else {
                return Err(invalid(text, "bad character in a name"));
            }
        }
        if segments.first() != Some(&Segment::Name("Device".to_string())) {
            return Err(invalid(text, "the root object is Device."));
        }
        if !partial && matches!(segments.last(), Some(Segment::Instance(_))) {
            return Err(invalid(text, "an instance path ends in a dot"));
        }
        Ok(Path { segments, partial })
    }

    /// The schema template: instance numbers replaced by `{i}`.
    pub fn template(&self) -> String {
        let mut s = String::new();
        for (i, seg) in self.segments.iter().enumerate() {
            if i > 0 {
                s.push('.');
            }
            match seg {
                Segment::Name(n) => s.push_str(n),
                Segment::Instance(_) => s.push_str("{i}"),
            }
        }
        if self.partial {
            s.push('.');
        }
        s
    }

    /// The instance numbers in order.
    pub fn instances(&self) -> Vec<u32> {
        self.segments
            .iter()
            .filter_map(|s| match s {
                Segment::Instance(n) => Some(*n),
                Segment::Name(_) => None,
            })
            .collect()
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            match seg {
                Segment::Name(n) => f.write_str(n)?,
                Segment::Instance(n) => write!(f, "{n}")?,
            }
        }
        if self.partial {
            f.write_str(".")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> u32 {
        Path::parse(text).unwrap_err().fault_code.0
    }

    #[test]
    fn parses_full_partial_and_instance_paths() {
        let p = Path::parse("Device.IP.Interface.3.Stats.BytesSent").unwrap();
        assert!(!p.partial);
        assert_eq!(p.template(), "Device.IP.Interface.{i}.Stats.BytesSent");
        assert_eq!(p.instances(), vec![3]);
        let p = Path::parse("Device.IP.Interface.12.").unwrap();
        assert!(p.partial);
        assert_eq!(p.template(), "Device.IP.Interface.{i}.");
        assert_eq!(p.to_string(), "Device.IP.Interface.12.");
    }

    #[test]
    fn empty_path_is_the_root() {
        assert_eq!(Path::parse("").unwrap(), Path::root());
        assert_eq!(Path::root().to_string(), "Device.");
    }

    #[test]
    fn bad_paths_are_9005() {
        for bad in [
            "Device..IP.",
            "Device.IP.Interface.0.",
            "Device.IP.Interface.01.",
            "Device.IP.Interface.99999999999.",
            "InternetGatewayDevice.",
            ".Device.",
            "Device.IP.Interface.1",
            "Device.IP.Interface.[lan].",
            "Device.IP.Na me",
            "Device.IP.Ä",
        ] {
            assert_eq!(code(bad), 9005, "{bad}");
        }
        assert_eq!(code(&format!("Device.{}", "A".repeat(260))), 9005);
    }
}
