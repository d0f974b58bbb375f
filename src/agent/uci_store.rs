//! `ConfigStore` over the `cwmp` UCI package: ManagementServer writes land
//! in `/etc/config/cwmp` through a UCI transaction (staged, validated as a
//! whole, committed atomically), so the ACS and `uci set` overwrite each
//! other and the later wins.

use crate::backend::uci::{Store, Transaction};
use crate::config::Config;

use super::params::ConfigStore;

const PACKAGE: &str = "cwmp";

pub struct UciConfigStore {
    store: Store,
    /// The ParameterKey of the last successful SetParameterValues, for the
    /// agent to persist.
    parameter_key: Option<String>,
}

impl UciConfigStore {
    pub fn new(store: Store) -> UciConfigStore {
        UciConfigStore {
            store,
            parameter_key: None,
        }
    }
}

impl ConfigStore for UciConfigStore {
    fn get(&self, section: &str, option: &str) -> Option<String> {
        let pkg = self.store.load(PACKAGE).ok()?;
        pkg.get_str(section, option).map(str::to_string)
    }

    fn apply(
        &mut self,
        changes: &[(String, String, String)],
        parameter_key: &str,
    ) -> Result<(), String> {
        let mut txn = Transaction::new(&self.store);
        for (section, option, value) in changes {
            let exists = txn
                .section(PACKAGE, section)
                .map_err(|e| e.to_string())?
                .is_some();
            if !exists {
                // Sections of the cwmp package are named after their type.
                txn.set_section(PACKAGE, section, section)
                    .map_err(|e| e.to_string())?;
            }
            txn.set_option(PACKAGE, section, option, value)
                .map_err(|e| e.to_string())?;
        }
        // The result as a whole must be a configuration `cwmpd check-config`
        // accepts; otherwise nothing is written.
        let staged = txn.package(PACKAGE).map_err(|e| e.to_string())?;
        Config::from_package(staged).map_err(|e| e.to_string())?;
        txn.commit().map_err(|e| e.to_string())?;
        self.parameter_key = Some(parameter_key.to_string());
        Ok(())
    }

    fn take_parameter_key(&mut self) -> Option<String> {
        self.parameter_key.take()
    }
}
