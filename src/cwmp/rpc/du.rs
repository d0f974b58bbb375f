//! Software module management (TR-069 Amendment 3+, §A.4.1.10–A.4.2.3):
//! ChangeDUState, DUStateChangeComplete, AutonomousDUStateChangeComplete.

use crate::cwmp::fault::FaultCode;
use crate::cwmp::xsd::DateTime;

/// One `Operations` element of ChangeDUState; the kind travels as
/// `xsi:type="cwmp:InstallOpStruct"` etc. Element order is the XSD's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DuOperation {
    Install {
        url: String,
        uuid: Option<String>,
        username: Option<String>,
        password: Option<String>,
        execution_env_ref: Option<String>,
    },
    Update {
        uuid: Option<String>,
        version: Option<String>,
        url: Option<String>,
        username: Option<String>,
        password: Option<String>,
    },
    Uninstall {
        uuid: String,
        version: Option<String>,
        execution_env_ref: Option<String>,
    },
}

/// ACS → CPE `ChangeDUState`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeDuState {
    /// At least one.
    pub operations: Vec<DuOperation>,
    pub command_key: Option<String>,
}

/// `DeploymentUnitFaultStruct` (FaultCode 0 = success).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuFault {
    pub fault_code: FaultCode,
    pub fault_string: Option<String>,
}

/// `OpResultStruct`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpResult {
    pub uuid: String,
    pub deployment_unit_ref: String,
    pub version: String,
    /// `Installed`, `Uninstalled` or `Failed`.
    pub current_state: String,
    pub resolved: bool,
    pub execution_unit_ref_list: String,
    pub start_time: DateTime,
    pub complete_time: DateTime,
    pub fault: DuFault,
}

/// CPE → ACS `DUStateChangeComplete`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuStateChangeComplete {
    /// At least one.
    pub results: Vec<OpResult>,
    pub command_key: Option<String>,
}

/// `AutonOpResultStruct`: an OpResult plus the operation performed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutonOpResult {
    pub result: OpResult,
    /// `Install`, `Update`, `Uninstall` or vendor-specific.
    pub operation_performed: String,
}

/// CPE → ACS `AutonomousDUStateChangeComplete`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutonomousDuStateChangeComplete {
    /// At least one.
    pub results: Vec<AutonOpResult>,
}
