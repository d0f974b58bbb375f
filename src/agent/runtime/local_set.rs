//! `ubus call cwmp set`: TR-181 values from a local script, applied through
//! the same data model and UCI transaction as an ACS SetParameterValues
//! (all or nothing, the same per-parameter faults).
//!
//! What differs from the ACS's SPV, and why:
//! - the ParameterKey stays as the ACS last set it (TR-069 §A.3.2.1: it
//!   identifies the ACS's own configuration updates);
//! - the change is not the ACS's own, so it IS a value change to report
//!   (TR-069 §A.3.2.4 only exempts changes made by the ACS): the watch
//!   baseline is left alone and polled at once, so an active-notification
//!   parameter opens a `4 VALUE CHANGE` session now.
//!
//! Runs between sessions only (the loop is the one caller), so it never
//! interleaves with a session's own transaction.

use crate::cwmp::rpc::parameters::{ApplyStatus, ParameterValue};
use crate::cwmp::Fault;

use super::Agent;

impl Agent {
    pub(super) fn local_set(&mut self, values: &[ParameterValue]) -> Result<ApplyStatus, Fault> {
        let mut model = self.model(self.cr_url.clone());
        let key = model.parameter_key().to_string();
        let result = model.set_parameter_values(values, &key);
        self.keep_model_state(&mut model);
        if result.is_ok() {
            let names: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
            log::info!("set by a local caller: {}", names.join(", "));
            // What the agent does after an ACS SPV: re-read its own
            // configuration (the values may be Device.ManagementServer.*).
            self.reload();
            self.watch_values();
        }
        self.persist();
        result
    }
}
