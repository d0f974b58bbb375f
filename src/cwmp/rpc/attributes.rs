//! Parameter attribute RPCs (TR-069 §A.3.2.4–A.3.2.5).

/// Notification attribute (TR-069 §A.3.2.4; values 3–6 are the lightweight
/// notification modes of CWMP 1.4). Open newtype: the data model decides
/// which values it accepts (9009 otherwise), the codec keeps any 0–255.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Notification(pub u8);

impl Notification {
    pub const OFF: Notification = Notification(0);
    pub const PASSIVE: Notification = Notification(1);
    pub const ACTIVE: Notification = Notification(2);
}

/// One `SetParameterAttributesStruct`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetParameterAttributesStruct {
    /// Full name or partial path.
    pub name: String,
    pub notification_change: bool,
    pub notification: Notification,
    pub access_list_change: bool,
    /// Entities allowed to write besides the ACS; TR-069 defines only "Subscriber".
    pub access_list: Vec<String>,
}

/// ACS → CPE `SetParameterAttributes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetParameterAttributes {
    pub parameter_list: Vec<SetParameterAttributesStruct>,
}

/// ACS → CPE `GetParameterAttributes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetParameterAttributes {
    pub parameter_names: Vec<String>,
}

/// `ParameterAttributeStruct`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterAttribute {
    pub name: String,
    pub notification: Notification,
    pub access_list: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetParameterAttributesResponse {
    pub parameter_list: Vec<ParameterAttribute>,
}
