//! `ConfigStore` over the `cwmp` UCI package: ManagementServer writes land
//! in `/etc/config/cwmp`, committed atomically (temp file + rename), so the
//! ACS and `uci set` overwrite each other and the later wins.

use std::path::PathBuf;

use crate::backend::uci;

use super::params::ConfigStore;

pub struct UciConfigStore {
    path: PathBuf,
    /// The ParameterKey of the last successful SetParameterValues, for the
    /// agent to persist.
    parameter_key: Option<String>,
}

impl UciConfigStore {
    pub fn new(path: PathBuf) -> UciConfigStore {
        UciConfigStore {
            path,
            parameter_key: None,
        }
    }
}

impl ConfigStore for UciConfigStore {
    fn get(&self, section: &str, option: &str) -> Option<String> {
        uci::load(&self.path).ok()?.get(section, option)
    }

    fn apply(
        &mut self,
        changes: &[(String, String, String)],
        parameter_key: &str,
    ) -> Result<(), String> {
        let mut pkg = uci::load(&self.path)?;
        for (section, option, value) in changes {
            // Sections of the cwmp package are named after their type.
            pkg.set(section, section, option, value);
        }
        // Validate the result as a whole before anything is written: an
        // ACS must not be able to store what `uci`/LuCI would refuse.
        crate::config::Config::from_package(&pkg).map_err(|e| e.join("; "))?;
        uci::save(&self.path, &pkg).map_err(|e| format!("{}: {e}", self.path.display()))?;
        self.parameter_key = Some(parameter_key.to_string());
        Ok(())
    }

    fn take_parameter_key(&mut self) -> Option<String> {
        self.parameter_key.take()
    }
}
