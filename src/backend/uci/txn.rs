//! A transaction over several UCI packages, for one CWMP session.
//!
//! TR-069 A.3.2.1 (SetParameterValues) requires that either all parameters
//! of a request are applied or none is; a session may also touch several
//! packages (network, wireless, cwmp…). Changes are staged in memory, every
//! read sees them, and [`Transaction::commit`] hands them all to
//! [`Store::commit_with`], which applies every package's changes before it
//! writes any file. [`Transaction::revert`] (or dropping) discards them.

use std::collections::BTreeMap;

use super::delta::Change;
use super::model::{Package, Section, Value};
use super::store::Store;
use super::UciError;

struct Staged {
    /// The package as seen by this transaction (file + savedir + our changes).
    view: Package,
    changes: Vec<Change>,
}

pub struct Transaction<'s> {
    store: &'s Store,
    packages: BTreeMap<String, Staged>,
}

impl<'s> Transaction<'s> {
    pub fn new(store: &'s Store) -> Self {
        Transaction {
            store,
            packages: BTreeMap::new(),
        }
    }

    /// Uses `view` as package `pkg`'s current state (a parse the caller
    /// already holds, as `Store::load` would give it) unless the
    /// transaction has already read it. [`Transaction::commit`] re-reads
    /// every file under lock whatever the view was.
    pub fn seed(&mut self, pkg: &str, view: Package) {
        self.packages.entry(pkg.to_string()).or_insert(Staged {
            view,
            changes: Vec::new(),
        });
    }

    fn staged(&mut self, pkg: &str) -> Result<&mut Staged, UciError> {
        if !self.packages.contains_key(pkg) {
            let view = self.store.load(pkg)?;
            self.packages.insert(
                pkg.to_string(),
                Staged {
                    view,
                    changes: Vec::new(),
                },
            );
        }
        self.packages
            .get_mut(pkg)
            .ok_or_else(|| UciError::NotFound(format!("package {pkg}")))
    }

    /// The package including this transaction's staged changes.
    pub fn package(&mut self, pkg: &str) -> Result<&Package, UciError> {
        Ok(&self.staged(pkg)?.view)
    }

    /// A section by name or `@type[i]`, as staged.
    pub fn section(&mut self, pkg: &str, sref: &str) -> Result<Option<&Section>, UciError> {
        Ok(self.staged(pkg)?.view.section(sref))
    }

    pub fn get(&mut self, pkg: &str, sref: &str, option: &str) -> Result<Option<&Value>, UciError> {
        Ok(self.staged(pkg)?.view.get(sref, option))
    }

    /// Apply a change to the view and record it; a change that does not
    /// apply is refused and nothing is recorded.
    fn record(&mut self, pkg: &str, change: Change) -> Result<(), UciError> {
        let staged = self.staged(pkg)?;
        change.apply(&mut staged.view)?;
        staged.changes.push(change);
        Ok(())
    }

    /// The real name of a section given by name or `@type[i]`.
    fn resolve(&mut self, pkg: &str, sref: &str) -> Result<String, UciError> {
        self.staged(pkg)?
            .view
            .section(sref)
            .map(|s| s.name.clone())
            .ok_or_else(|| UciError::NotFound(format!("{pkg}.{sref}")))
    }

    /// Set a plain option (an empty value deletes it, as in UCI).
    pub fn set_option(
        &mut self,
        pkg: &str,
        sref: &str,
        option: &str,
        value: &str,
    ) -> Result<(), UciError> {
        let section = self.resolve(pkg, sref)?;
        self.record(
            pkg,
            Change::SetOption {
                section,
                option: option.to_string(),
                value: value.to_string(),
            },
        )
    }

    /// Replace an option by a list of exactly these items (none: deleted).
    pub fn set_list(
        &mut self,
        pkg: &str,
        sref: &str,
        option: &str,
        items: &[&str],
    ) -> Result<(), UciError> {
        let section = self.resolve(pkg, sref)?;
        if self.staged(pkg)?.view.get(&section, option).is_some() {
            self.delete_option(pkg, &section, option)?;
        }
        for item in items {
            self.add_list(pkg, &section, option, item)?;
        }
        Ok(())
    }

    pub fn add_list(
        &mut self,
        pkg: &str,
        sref: &str,
        option: &str,
        value: &str,
    ) -> Result<(), UciError> {
        let section = self.resolve(pkg, sref)?;
        self.record(
            pkg,
            Change::ListAdd {
                section,
                option: option.to_string(),
                value: value.to_string(),
            },
        )
    }

    pub fn del_list(
        &mut self,
        pkg: &str,
        sref: &str,
        option: &str,
        value: &str,
    ) -> Result<(), UciError> {
        let section = self.resolve(pkg, sref)?;
        self.record(
            pkg,
            Change::ListDel {
                section,
                option: option.to_string(),
                value: value.to_string(),
            },
        )
    }

    /// Create a named section (or retype an existing one).
    pub fn set_section(&mut self, pkg: &str, name: &str, stype: &str) -> Result<(), UciError> {
        self.record(
            pkg,
            Change::SetSection {
                section: name.to_string(),
                stype: stype.to_string(),
            },
        )
    }

    /// Append an anonymous section; returns its generated `cfgXXXXXX` name,
    /// valid for the rest of the transaction.
    pub fn add_section(&mut self, pkg: &str, stype: &str) -> Result<String, UciError> {
        let staged = self.staged(pkg)?;
        let mut probe = staged.view.clone();
        let name = probe.add_section(stype)?;
        self.record(
            pkg,
            Change::AddSection {
                section: name.clone(),
                stype: stype.to_string(),
            },
        )?;
        Ok(name)
    }

    pub fn delete_section(&mut self, pkg: &str, sref: &str) -> Result<(), UciError> {
        let section = self.resolve(pkg, sref)?;
        self.record(pkg, Change::DeleteSection { section })
    }

    pub fn delete_option(&mut self, pkg: &str, sref: &str, option: &str) -> Result<(), UciError> {
        let section = self.resolve(pkg, sref)?;
        self.record(
            pkg,
            Change::DeleteOption {
                section,
                option: option.to_string(),
            },
        )
    }

    pub fn rename_section(
        &mut self,
        pkg: &str,
        sref: &str,
        new_name: &str,
    ) -> Result<(), UciError> {
        let section = self.resolve(pkg, sref)?;
        self.record(
            pkg,
            Change::RenameSection {
                section,
                new_name: new_name.to_string(),
            },
        )
    }

    /// True when nothing is staged.
    pub fn is_empty(&self) -> bool {
        self.packages.values().all(|s| s.changes.is_empty())
    }

    /// Names of the packages with staged changes (for `config.change`
    /// notifications and service reloads after commit).
    pub fn touched(&self) -> Vec<String> {
        self.packages
            .iter()
            .filter(|(_, s)| !s.changes.is_empty())
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// Write every touched package atomically. Like `uci commit`, pending
    /// changes others staged in the savedir for these packages are committed
    /// too. On error no file has been changed, unless the error is in the
    /// final rename step of one package (reported).
    pub fn commit(self) -> Result<(), UciError> {
        let work: Vec<(String, Vec<Change>)> = self
            .packages
            .into_iter()
            .filter(|(_, s)| !s.changes.is_empty())
            .map(|(n, s)| (n, s.changes))
            .collect();
        if work.is_empty() {
            return Ok(());
        }
        self.store.commit_with(&work)
    }

    /// Drop everything staged.
    pub fn revert(self) {}
}
