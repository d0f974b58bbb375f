//! The parameters the agent runtime serves until the full TR-181 engine
//! (src/datamodel/) takes over: the Device.DeviceInfo. identity and the
//! Device.ManagementServer. settings. ManagementServer parameters are the
//! `cwmp` UCI options themselves, so an ACS write and a `uci set` overwrite
//! each other and the later wins (vendor rule).
//!
//! SetParameterValues is all or nothing (TR-069 §A.3.2.1): every value is
//! checked first; one bad value answers 9003 with a SetParameterValuesFault
//! per bad parameter and nothing is written.

use crate::cwmp::rpc::parameters::{ParameterInfo, ParameterValue};
use crate::cwmp::xsd::{self, ValueType};
use crate::cwmp::{Fault, FaultCode, SetParameterValuesFault};

/// What the handler needs from a data model.
pub trait ParamModel {
    fn get_values(&mut self, names: &[String]) -> Result<Vec<ParameterValue>, Fault>;
    fn get_names(&mut self, path: &str, next_level: bool) -> Result<Vec<ParameterInfo>, Fault>;
    fn set_values(&mut self, values: &[ParameterValue], parameter_key: &str) -> Result<(), Fault>;
}

/// Where writable parameters are stored: `(section, option)` of the `cwmp`
/// UCI package. `apply` writes every change and the ParameterKey in one
/// commit, or nothing.
pub trait ConfigStore {
    fn get(&self, section: &str, option: &str) -> Option<String>;
    fn apply(
        &mut self,
        changes: &[(String, String, String)],
        parameter_key: &str,
    ) -> Result<(), String>;
    /// The ParameterKey of the last `apply` since the previous call.
    fn take_parameter_key(&mut self) -> Option<String>;
}

/// Live values that do not come from the configuration.
#[derive(Debug, Clone, Default)]
pub struct Live {
    pub manufacturer: String,
    pub oui: String,
    pub product_class: String,
    pub serial_number: String,
    pub hardware_version: String,
    pub software_version: String,
    pub uptime_secs: u64,
    pub parameter_key: String,
    pub connection_request_url: String,
}

/// How a parameter is read and written.
#[derive(Debug, Clone, Copy)]
enum Source {
    Live(fn(&Live) -> String),
    /// A `cwmp` UCI option with its default; `hidden` reads back empty
    /// (passwords: TR-181 says they read as an empty string).
    Uci {
        section: &'static str,
        option: &'static str,
        default: &'static str,
        hidden: bool,
    },
}

#[derive(Debug, Clone)]
struct Def {
    name: &'static str,
    ty: ValueType,
    writable: bool,
    source: Source,
}

const fn uci(section: &'static str, option: &'static str, default: &'static str) -> Source {
    Source::Uci {
        section,
        option,
        default,
        hidden: false,
    }
}

const fn secret(section: &'static str, option: &'static str) -> Source {
    Source::Uci {
        section,
        option,
        default: "",
        hidden: true,
    }
}

use ValueType::{Boolean, DateTime as Dt, String as Str, UnsignedInt};

/// The table. Types and access follow TR-181 2.19 (tr181-params.tsv).
const DEFS: &[Def] = &[
    Def {
        name: "Device.RootDataModelVersion",
        ty: Str,
        writable: false,
        source: Source::Live(|_| "2.19".into()),
    },
    Def {
        name: "Device.DeviceInfo.Manufacturer",
        ty: Str,
        writable: false,
        source: Source::Live(|l| l.manufacturer.clone()),
    },
    Def {
        name: "Device.DeviceInfo.ManufacturerOUI",
        ty: Str,
        writable: false,
        source: Source::Live(|l| l.oui.clone()),
    },
    Def {
        name: "Device.DeviceInfo.ProductClass",
        ty: Str,
        writable: false,
        source: Source::Live(|l| l.product_class.clone()),
    },
    Def {
        name: "Device.DeviceInfo.SerialNumber",
        ty: Str,
        writable: false,
        source: Source::Live(|l| l.serial_number.clone()),
    },
    Def {
        name: "Device.DeviceInfo.HardwareVersion",
        ty: Str,
        writable: false,
        source: Source::Live(|l| l.hardware_version.clone()),
    },
    Def {
        name: "Device.DeviceInfo.SoftwareVersion",
        ty: Str,
        writable: false,
        source: Source::Live(|l| l.software_version.clone()),
    },
    Def {
        name: "Device.DeviceInfo.ProvisioningCode",
        ty: Str,
        writable: true,
        source: uci("cpe", "provisioning_code", ""),
    },
    Def {
        name: "Device.DeviceInfo.UpTime",
        ty: UnsignedInt,
        writable: false,
        source: Source::Live(|l| l.uptime_secs.to_string()),
    },
    Def {
        name: "Device.ManagementServer.URL",
        ty: Str,
        writable: true,
        source: uci("acs", "url", ""),
    },
    Def {
        name: "Device.ManagementServer.Username",
        ty: Str,
        writable: true,
        source: uci("acs", "username", ""),
    },
    Def {
        name: "Device.ManagementServer.Password",
        ty: Str,
        writable: true,
        source: secret("acs", "password"),
    },
    Def {
        name: "Device.ManagementServer.PeriodicInformEnable",
        ty: Boolean,
        writable: true,
        source: uci("cpe", "periodic_inform", "1"),
    },
    Def {
        name: "Device.ManagementServer.PeriodicInformInterval",
        ty: UnsignedInt,
        writable: true,
        source: uci("cpe", "periodic_interval", "600"),
    },
    Def {
        name: "Device.ManagementServer.PeriodicInformTime",
        ty: Dt,
        writable: true,
        source: uci("cpe", "periodic_time", "0001-01-01T00:00:00Z"),
    },
    Def {
        name: "Device.ManagementServer.ParameterKey",
        ty: Str,
        writable: false,
        source: Source::Live(|l| l.parameter_key.clone()),
    },
    Def {
        name: "Device.ManagementServer.ConnectionRequestURL",
        ty: Str,
        writable: false,
        source: Source::Live(|l| l.connection_request_url.clone()),
    },
    Def {
        name: "Device.ManagementServer.ConnectionRequestUsername",
        ty: Str,
        writable: true,
        source: uci("cpe", "username", ""),
    },
    Def {
        name: "Device.ManagementServer.ConnectionRequestPassword",
        ty: Str,
        writable: true,
        source: secret("cpe", "password"),
    },
    Def {
        name: "Device.ManagementServer.CWMPRetryMinimumWaitInterval",
        ty: UnsignedInt,
        writable: true,
        source: uci("cpe", "retry_min_wait", "5"),
    },
    Def {
        name: "Device.ManagementServer.CWMPRetryIntervalMultiplier",
        ty: UnsignedInt,
        writable: true,
        source: uci("cpe", "retry_multiplier", "2000"),
    },
];

/// The Inform's forced parameters (TR-181 `forcedInform`) that this table
/// implements.
pub const FORCED_INFORM: [&str; 6] = [
    "Device.RootDataModelVersion",
    "Device.DeviceInfo.HardwareVersion",
    "Device.DeviceInfo.SoftwareVersion",
    "Device.DeviceInfo.ProvisioningCode",
    "Device.ManagementServer.ParameterKey",
    "Device.ManagementServer.ConnectionRequestURL",
];

pub struct TableModel<'a> {
    pub live: Live,
    pub config: &'a mut dyn ConfigStore,
}

impl TableModel<'_> {
    fn value(&self, def: &Def) -> String {
        match def.source {
            Source::Live(f) => f(&self.live),
            Source::Uci { hidden: true, .. } => String::new(),
            Source::Uci {
                section,
                option,
                default,
                ..
            } => self
                .config
                .get(section, option)
                .unwrap_or_else(|| default.to_string()),
        }
    }

    fn matching(path: &str) -> Result<Vec<&'static Def>, Fault> {
        // The empty path is the whole model (TR-069 §A.3.2.2).
        let hits: Vec<&Def> = DEFS
            .iter()
            .filter(|d| {
                if path.is_empty() {
                    true
                } else if path.ends_with('.') {
                    d.name.starts_with(path)
                } else {
                    d.name == path
                }
            })
            .collect();
        if hits.is_empty() {
            Err(Fault::with_string(
                FaultCode::INVALID_PARAMETER_NAME,
                format!("{path}: no such parameter"),
            ))
        } else {
            Ok(hits)
        }
    }
}

/// Checks `value` against the parameter's type and range (9007 otherwise).
fn check(def: &Def, value: &str) -> Result<String, (FaultCode, String)> {
    let bad = |why: &str| (FaultCode::INVALID_PARAMETER_VALUE, why.to_string());
    match def.ty {
        Boolean => xsd::parse_bool(value)
            .map(|b| if b { "1".into() } else { "0".into() })
            .ok_or_else(|| bad("not a boolean")),
        UnsignedInt => {
            let n = xsd::parse_u32(value).ok_or_else(|| bad("not an unsignedInt"))?;
            let range = match def.name {
                "Device.ManagementServer.PeriodicInformInterval" => 1..=u32::MAX,
                "Device.ManagementServer.CWMPRetryMinimumWaitInterval" => 1..=65535,
                "Device.ManagementServer.CWMPRetryIntervalMultiplier" => 1000..=65535,
                _ => 0..=u32::MAX,
            };
            if range.contains(&n) {
                Ok(n.to_string())
            } else {
                Err(bad("out of range"))
            }
        }
        Dt => xsd::DateTime::parse(value)
            .map(|_| value.trim().to_string())
            .ok_or_else(|| bad("not a dateTime")),
        _ => {
            // TR-181: ManagementServer.URL is a URL of at most 256 chars;
            // the agent only speaks HTTP(S) to an ACS.
            if def.name == "Device.ManagementServer.URL"
                && !(value.starts_with("http://") || value.starts_with("https://"))
            {
                return Err(bad("URL must start with http:// or https://"));
            }
            if value.len() > 256 {
                return Err(bad("longer than 256 characters"));
            }
            Ok(value.to_string())
        }
    }
}

impl ParamModel for TableModel<'_> {
    fn get_values(&mut self, names: &[String]) -> Result<Vec<ParameterValue>, Fault> {
        let mut out = Vec::new();
        for name in names {
            for def in Self::matching(name)? {
                out.push(ParameterValue::new(
                    def.name,
                    self.value(def),
                    def.ty.clone(),
                ));
            }
        }
        Ok(out)
    }

    fn get_names(&mut self, path: &str, next_level: bool) -> Result<Vec<ParameterInfo>, Fault> {
        if !path.is_empty() && !path.ends_with('.') {
            let def = Self::matching(path)?;
            if next_level {
                // A.3.2.2: NextLevel true with a parameter name is invalid.
                return Err(Fault::new(FaultCode::INVALID_ARGUMENTS));
            }
            return Ok(def
                .into_iter()
                .map(|d| ParameterInfo {
                    name: d.name.into(),
                    writable: d.writable,
                })
                .collect());
        }
        let base = if path.is_empty() { "Device." } else { path };
        let defs = Self::matching(base)?;
        let mut out: Vec<ParameterInfo> = Vec::new();
        let mut push = |name: String, writable: bool| {
            if !out.iter().any(|p| p.name == name) {
                out.push(ParameterInfo { name, writable });
            }
        };
        if !next_level {
            push(base.to_string(), false);
        }
        for def in defs {
            let rest = &def.name[base.len()..];
            let parts: Vec<&str> = rest.split('.').collect();
            if next_level {
                match parts.as_slice() {
                    [leaf] => push(format!("{base}{leaf}"), def.writable),
                    [obj, ..] => push(format!("{base}{obj}."), false),
                    [] => {}
                }
            } else {
                // Every object on the way, then the parameter.
                let mut prefix = base.to_string();
                for obj in &parts[..parts.len().saturating_sub(1)] {
                    prefix.push_str(obj);
                    prefix.push('.');
                    push(prefix.clone(), false);
                }
                push(def.name.to_string(), def.writable);
            }
        }
        Ok(out)
    }

    fn set_values(&mut self, values: &[ParameterValue], parameter_key: &str) -> Result<(), Fault> {
        let mut faults = Vec::new();
        let mut changes = Vec::new();
        for (i, pv) in values.iter().enumerate() {
            // A.3.2.1: the same parameter twice in one request is invalid.
            if values[..i].iter().any(|o| o.name == pv.name) {
                return Err(Fault::with_string(
                    FaultCode::INVALID_ARGUMENTS,
                    format!("{} appears twice", pv.name),
                ));
            }
            let fault = |code: FaultCode, text: String| SetParameterValuesFault {
                parameter_name: pv.name.clone(),
                fault_code: code,
                fault_string: text,
            };
            let Some(def) = DEFS.iter().find(|d| d.name == pv.name) else {
                faults.push(fault(
                    FaultCode::INVALID_PARAMETER_NAME,
                    "no such parameter".into(),
                ));
                continue;
            };
            if !def.writable {
                faults.push(fault(FaultCode::NON_WRITABLE_PARAMETER, "read-only".into()));
                continue;
            }
            if let Some(ty) = &pv.value_type {
                if *ty != def.ty {
                    faults.push(fault(
                        FaultCode::INVALID_PARAMETER_TYPE,
                        format!("expected {}", def.ty.xsd_name()),
                    ));
                    continue;
                }
            }
            match check(def, &pv.value) {
                Ok(v) => {
                    if let Source::Uci {
                        section, option, ..
                    } = def.source
                    {
                        changes.push((section.to_string(), option.to_string(), v));
                    }
                }
                Err((code, why)) => faults.push(fault(code, why)),
            }
        }
        if !faults.is_empty() {
            return Err(Fault {
                fault_code: FaultCode::INVALID_ARGUMENTS,
                fault_string: "Invalid arguments".into(),
                set_parameter_values_faults: faults,
            });
        }
        self.config
            .apply(&changes, parameter_key)
            .map_err(|e| Fault::with_string(FaultCode::INTERNAL_ERROR, e))
    }
}
