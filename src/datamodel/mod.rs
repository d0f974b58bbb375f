//! The TR-181 data-model engine. PURE: no files, sockets or clocks; the
//! backends behind [`tree::Provider`] do the I/O.
//!
//! How the agent uses it:
//!
//! ```text
//! let mut dm = DataModel::new(Schema::tr181());
//! dm.mount("Device.DeviceInfo.", Box::new(device_info_provider));
//! dm.mount("Device.IP.Interface.{i}.", Box::new(netifd_provider));   // longest prefix wins
//! dm.restore(state.records(RECORDS_INSTANCES), state.records(RECORDS_ATTRIBUTES),
//!            &state.parameter_key);
//! // per RPC:
//! dm.get_parameter_values(&req.parameter_names)          -> Vec<ParameterValue> | Fault
//! dm.get_parameter_names(&req.parameter_path, req.next_level) -> Vec<ParameterInfo> | Fault
//! dm.set_parameter_values(&req.parameter_list, &req.parameter_key) -> ApplyStatus | Fault
//! dm.add_object(&req.object_name, &req.parameter_key)    -> (instance, ApplyStatus) | Fault
//! dm.delete_object(&req.object_name, &req.parameter_key) -> ApplyStatus | Fault
//! dm.get_parameter_attributes(&names) / dm.set_parameter_attributes(&list)
//! // per Inform: dm.inform_parameters(); periodically: dm.poll_value_changes()
//! // after each RPC: let d = dm.take_dirty(); persist what d says:
//! state.set_records(RECORDS_INSTANCES, dm.instance_records());
//! state.set_records(RECORDS_ATTRIBUTES, dm.attribute_records());
//! state.parameter_key = dm.parameter_key().to_string();
//! ```

pub mod mem;
pub mod notify;
pub mod ops;
pub mod path;
pub mod schema;
// Generated, one entry per line; `cargo fmt` would spread it over 1500 lines.
#[rustfmt::skip]
mod tr181_table;
pub mod tree;
pub mod txn;
pub mod value;

pub use ops::{ChangeReport, DataModel, Dirty, RECORDS_ATTRIBUTES, RECORDS_INSTANCES};
pub use path::Path;
pub use schema::Schema;
pub use tree::{ObjRef, Provider};
