//! Inform / InformResponse (TR-069 §A.3.3.1).

use crate::cwmp::event::EventStruct;
use crate::cwmp::rpc::parameters::ParameterValue;
use crate::cwmp::xsd::DateTime;

/// `DeviceIdStruct` (TR-069 §A.3.3.1). OUI is six upper-case hex digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceId {
    pub manufacturer: String,
    pub oui: String,
    pub product_class: String,
    pub serial_number: String,
}

/// CPE → ACS `Inform`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inform {
    pub device_id: DeviceId,
    /// At most 64 events (XSD `EventList` maxOccurs).
    pub events: Vec<EventStruct>,
    /// TR-069 §A.3.3.1: CWMP 1.4 CPEs send 1 (ignored by the ACS).
    pub max_envelopes: u32,
    pub current_time: DateTime,
    pub retry_count: u32,
    pub parameter_list: Vec<ParameterValue>,
}

/// ACS → CPE `InformResponse`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InformResponse {
    pub max_envelopes: u32,
}
