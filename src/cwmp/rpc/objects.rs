//! AddObject / DeleteObject (TR-069 §A.3.2.6–A.3.2.7).

use crate::cwmp::rpc::parameters::ApplyStatus;

/// ACS → CPE `AddObject`. `object_name` ends in "." (e.g. `Device.NAT.PortMapping.`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddObject {
    pub object_name: String,
    pub parameter_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddObjectResponse {
    pub instance_number: u32,
    pub status: ApplyStatus,
}

/// ACS → CPE `DeleteObject`. `object_name` is an instance path ending in ".".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteObject {
    pub object_name: String,
    pub parameter_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteObjectResponse {
    pub status: ApplyStatus,
}
