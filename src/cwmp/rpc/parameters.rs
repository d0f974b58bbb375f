//! Parameter value and name RPCs (TR-069 §A.3.2.1–A.3.2.3):
//! SetParameterValues, GetParameterValues, GetParameterNames and responses.

use crate::cwmp::xsd::ValueType;

/// `ParameterValueStruct`: a name, the value text, and its `xsi:type`.
///
/// `value` is the text exactly as received (entities resolved, XML line
/// ends normalised, no trimming): for numeric/boolean/dateTime parameters
/// the data model applies XSD whitespace collapsing before parsing.
/// `value_type` is `None` when the ACS sent a Value without `xsi:type`
/// (accepted; the data model then checks the text against the parameter's
/// own type). The CPE always fills it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterValue {
    pub name: String,
    pub value: String,
    pub value_type: Option<ValueType>,
}

impl ParameterValue {
    pub fn new(name: impl Into<String>, value: impl Into<String>, ty: ValueType) -> ParameterValue {
        ParameterValue {
            name: name.into(),
            value: value.into(),
            value_type: Some(ty),
        }
    }
}

/// The `Status` of SetParameterValues/AddObject/DeleteObject responses
/// (TR-069 §A.3.2.1): 0 = applied, 1 = committed but applied only later
/// (e.g. after a reboot).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApplyStatus {
    Applied = 0,
    Pending = 1,
}

/// ACS → CPE `SetParameterValues`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetParameterValues {
    pub parameter_list: Vec<ParameterValue>,
    /// Written to Device.ManagementServer.ParameterKey on success (may be empty).
    pub parameter_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetParameterValuesResponse {
    pub status: ApplyStatus,
}

/// ACS → CPE `GetParameterValues`: full names and/or partial paths (ending in ".").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetParameterValues {
    pub parameter_names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetParameterValuesResponse {
    pub parameter_list: Vec<ParameterValue>,
}

/// ACS → CPE `GetParameterNames`. An empty `parameter_path` means the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetParameterNames {
    pub parameter_path: String,
    pub next_level: bool,
}

/// `ParameterInfoStruct`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterInfo {
    pub name: String,
    pub writable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetParameterNamesResponse {
    pub parameter_list: Vec<ParameterInfo>,
}
