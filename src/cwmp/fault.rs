//! CWMP fault codes and the `cwmp:Fault` structure (TR-069 §A.5, Table 11 for
//! CPE faults, ACS fault codes in §A.5 as well).
//!
//! Fault codes are an *open* newtype: any `u32` round-trips, so vendor codes
//! (9800–9899 CPE, 8800–8899 ACS) and codes from later amendments survive a
//! decode/encode cycle unchanged.

use std::fmt;

/// A CWMP fault code (`FaultCode` element). Open: any value is representable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FaultCode(pub u32);

impl FaultCode {
    // ACS fault codes (TR-069 §A.5.1).
    pub const ACS_METHOD_NOT_SUPPORTED: FaultCode = FaultCode(8000);
    pub const ACS_REQUEST_DENIED: FaultCode = FaultCode(8001);
    pub const ACS_INTERNAL_ERROR: FaultCode = FaultCode(8002);
    pub const ACS_INVALID_ARGUMENTS: FaultCode = FaultCode(8003);
    pub const ACS_RESOURCES_EXCEEDED: FaultCode = FaultCode(8004);
    pub const ACS_RETRY_REQUEST: FaultCode = FaultCode(8005);
    pub const ACS_VERSION_INCOMPATIBLE: FaultCode = FaultCode(8006);

    // CPE fault codes (TR-069 Table 11 / §A.5.2).
    pub const METHOD_NOT_SUPPORTED: FaultCode = FaultCode(9000);
    pub const REQUEST_DENIED: FaultCode = FaultCode(9001);
    pub const INTERNAL_ERROR: FaultCode = FaultCode(9002);
    pub const INVALID_ARGUMENTS: FaultCode = FaultCode(9003);
    pub const RESOURCES_EXCEEDED: FaultCode = FaultCode(9004);
    pub const INVALID_PARAMETER_NAME: FaultCode = FaultCode(9005);
    pub const INVALID_PARAMETER_TYPE: FaultCode = FaultCode(9006);
    pub const INVALID_PARAMETER_VALUE: FaultCode = FaultCode(9007);
    pub const NON_WRITABLE_PARAMETER: FaultCode = FaultCode(9008);
    pub const NOTIFICATION_REQUEST_REJECTED: FaultCode = FaultCode(9009);
    pub const DOWNLOAD_FAILURE: FaultCode = FaultCode(9010);
    pub const UPLOAD_FAILURE: FaultCode = FaultCode(9011);
    pub const TRANSFER_AUTHENTICATION_FAILURE: FaultCode = FaultCode(9012);
    pub const UNSUPPORTED_TRANSFER_PROTOCOL: FaultCode = FaultCode(9013);
    pub const MULTICAST_JOIN_FAILURE: FaultCode = FaultCode(9014);
    pub const FILE_SERVER_UNREACHABLE: FaultCode = FaultCode(9015);
    pub const FILE_ACCESS_FAILURE: FaultCode = FaultCode(9016);
    pub const DOWNLOAD_INCOMPLETE: FaultCode = FaultCode(9017);
    pub const FILE_CORRUPTED: FaultCode = FaultCode(9018);
    pub const FILE_AUTHENTICATION_FAILURE: FaultCode = FaultCode(9019);
    pub const TIME_WINDOW_EXPIRED: FaultCode = FaultCode(9020);
    pub const CANCELATION_NOT_PERMITTED: FaultCode = FaultCode(9021);
    pub const INVALID_UUID_FORMAT: FaultCode = FaultCode(9022);
    pub const UNKNOWN_EXECUTION_ENVIRONMENT: FaultCode = FaultCode(9023);
    pub const DISABLED_EXECUTION_ENVIRONMENT: FaultCode = FaultCode(9024);
    pub const DU_EE_MISMATCH: FaultCode = FaultCode(9025);
    pub const DUPLICATE_DEPLOYMENT_UNIT: FaultCode = FaultCode(9026);
    pub const SYSTEM_RESOURCES_EXCEEDED: FaultCode = FaultCode(9027);
    pub const UNKNOWN_DEPLOYMENT_UNIT: FaultCode = FaultCode(9028);
    pub const INVALID_DU_STATE: FaultCode = FaultCode(9029);
    pub const DU_DOWNGRADE_NOT_PERMITTED: FaultCode = FaultCode(9030);
    pub const DU_VERSION_NOT_SPECIFIED: FaultCode = FaultCode(9031);
    pub const DU_VERSION_EXISTS: FaultCode = FaultCode(9032);

    /// Vendor-specific CPE fault codes, TR-069 §A.5.2: 9800–9899.
    pub fn is_vendor(self) -> bool {
        (9800..=9899).contains(&self.0) || (8800..=8899).contains(&self.0)
    }

    /// The SOAP `faultcode` that goes with this CWMP fault (TR-069 Table 11 for
    /// CPE faults, §A.5.1 for ACS faults): "Client" when the sender of the
    /// request is to blame (bad arguments, names, types, values, non-writable,
    /// cancelation not permitted), "Server" otherwise. Vendor and unknown codes
    /// default to "Server".
    pub fn soap_fault_code(self) -> SoapFaultCode {
        match self.0 {
            8003 | 9003 | 9005 | 9006 | 9007 | 9008 | 9021 => SoapFaultCode::Client,
            _ => SoapFaultCode::Server,
        }
    }

    /// The standard fault string for a known code (TR-069 Table 11), if any.
    pub fn description(self) -> Option<&'static str> {
        Some(match self.0 {
            8000 | 9000 => "Method not supported",
            8001 | 9001 => "Request denied (no reason specified)",
            8002 | 9002 => "Internal error",
            8003 | 9003 => "Invalid arguments",
            8004 | 9004 => "Resources exceeded",
            8005 => "Retry request",
            8006 => "ACS version incompatible with CPE",
            9005 => "Invalid parameter name",
            9006 => "Invalid parameter type",
            9007 => "Invalid parameter value",
            9008 => "Attempt to set a non-writable parameter",
            9009 => "Notification request rejected",
            9010 => "File transfer failure",
            9011 => "Upload failure",
            9012 => "File transfer server authentication failure",
            9013 => "Unsupported protocol for file transfer",
            9014 => "File transfer failure: unable to join multicast group",
            9015 => "File transfer failure: unable to contact file server",
            9016 => "File transfer failure: unable to access file",
            9017 => "File transfer failure: unable to complete download",
            9018 => "File transfer failure: file corrupted or otherwise unusable",
            9019 => "File transfer failure: file authentication failure",
            9020 => {
                "File transfer failure: unable to complete download within specified time windows"
            }
            9021 => "Cancelation of file transfer not permitted in current transfer state",
            9022 => "Invalid UUID format",
            9023 => "Unknown Execution Environment",
            9024 => "Disabled Execution Environment",
            9025 => "Deployment Unit to Execution Environment mismatch",
            9026 => "Duplicate Deployment Unit",
            9027 => "System resources exceeded",
            9028 => "Unknown Deployment Unit",
            9029 => "Invalid Deployment Unit state",
            9030 => "Invalid Deployment Unit update: downgrade not permitted",
            9031 => "Invalid Deployment Unit update: version not specified",
            9032 => "Invalid Deployment Unit update: version already exists",
            _ => return None,
        })
    }
}

impl fmt::Display for FaultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// SOAP 1.1 `faultcode` (TR-069 §A.5: "Client" or "Server"; sent unqualified
/// or with the soap-env prefix, we send `Client`/`Server` as the samples do).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SoapFaultCode {
    Client,
    Server,
    /// Anything else an ACS sent (e.g. `VersionMismatch`), kept verbatim
    /// (local part only, prefix stripped).
    Other(String),
}

/// One per-parameter failure inside a SetParameterValues fault (TR-069 §A.5.2:
/// the CPE lists every parameter in error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetParameterValuesFault {
    pub parameter_name: String,
    pub fault_code: FaultCode,
    pub fault_string: String,
}

/// The `cwmp:Fault` element inside `soap-env:Fault/detail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub fault_code: FaultCode,
    pub fault_string: String,
    /// Only for a SetParameterValues fault; empty otherwise.
    pub set_parameter_values_faults: Vec<SetParameterValuesFault>,
}

impl Fault {
    /// A fault with the standard description as its string (or "Vendor fault"
    /// / "Fault" for codes without one).
    pub fn new(code: FaultCode) -> Fault {
        let text = code.description().unwrap_or(if code.is_vendor() {
            "Vendor fault"
        } else {
            "Fault"
        });
        Fault {
            fault_code: code,
            fault_string: text.to_string(),
            set_parameter_values_faults: Vec::new(),
        }
    }

    /// A fault with a specific string.
    pub fn with_string(code: FaultCode, text: impl Into<String>) -> Fault {
        Fault {
            fault_code: code,
            fault_string: text.into(),
            set_parameter_values_faults: Vec::new(),
        }
    }
}

/// The whole `soap-env:Fault` as it travels in a Body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoapFault {
    pub fault_code: SoapFaultCode,
    /// TR-069 §A.5: always "CWMP fault".
    pub fault_string: String,
    pub detail: Fault,
}

impl SoapFault {
    /// Wrap a CWMP fault the way TR-069 §A.5 requires: faultcode derived from
    /// the CWMP code, faultstring "CWMP fault".
    pub fn new(detail: Fault) -> SoapFault {
        SoapFault {
            fault_code: detail.fault_code.soap_fault_code(),
            fault_string: "CWMP fault".to_string(),
            detail,
        }
    }
}
