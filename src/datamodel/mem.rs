//! An in-memory provider for tests and benchmarks: values and tables in
//! maps, staged changes in a copy that `commit` swaps in. A parameter never
//! set reads as its type's zero value (first enumeration value for enums).

use std::collections::{BTreeMap, BTreeSet};

use crate::cwmp::rpc::parameters::ApplyStatus;
use crate::cwmp::{Fault, FaultCode};

use super::schema::{Node, Schema};
use super::tree::{ObjRef, Provider};

type ObjKey = (String, Vec<String>);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Data {
    /// (object template, instance keys) → parameter → value.
    values: BTreeMap<ObjKey, BTreeMap<String, String>>,
    /// (table template, parent keys) → instance keys in order.
    tables: BTreeMap<ObjKey, Vec<String>>,
}

/// See the module documentation.
#[derive(Debug, Clone)]
pub struct MemProvider {
    schema: Schema,
    committed: Data,
    staged: Option<Data>,
    next_key: u32,
    /// Parameter names whose changes apply only later (Status 1).
    pending: BTreeSet<String>,
    /// (parameter name, value) pairs the provider refuses with 9007.
    refused: BTreeSet<(String, String)>,
    /// Make the next commit fail (to test the engine's handling).
    pub fail_commit: bool,
    /// Number of successful commits (tests check that nothing was written).
    pub commits: usize,
}

impl MemProvider {
    pub fn new(schema: Schema) -> MemProvider {
        MemProvider {
            schema,
            committed: Data::default(),
            staged: None,
            next_key: 1,
            pending: BTreeSet::new(),
            refused: BTreeSet::new(),
            fail_commit: false,
            commits: 0,
        }
    }

    /// Sets a value directly (as the system would, not through the ACS).
    pub fn put(&mut self, template: &str, keys: &[&str], name: &str, value: &str) {
        let k = (
            template.to_string(),
            keys.iter().map(|s| s.to_string()).collect(),
        );
        self.committed
            .values
            .entry(k)
            .or_default()
            .insert(name.to_string(), value.to_string());
    }

    /// Adds an instance directly (as the system would).
    pub fn put_instance(&mut self, table: &str, parent_keys: &[&str], key: &str) {
        let k = (
            table.to_string(),
            parent_keys.iter().map(|s| s.to_string()).collect(),
        );
        let list = self.committed.tables.entry(k).or_default();
        if !list.iter().any(|e| e == key) {
            list.push(key.to_string());
        }
    }

    /// Removes an instance directly (as the system would).
    pub fn remove_instance(&mut self, table: &str, parent_keys: &[&str], key: &str) {
        let k = (
            table.to_string(),
            parent_keys.iter().map(|s| s.to_string()).collect(),
        );
        if let Some(list) = self.committed.tables.get_mut(&k) {
            list.retain(|e| e != key);
        }
    }

    /// Reverses the order of every table (a backend that lists differently).
    pub fn reverse_tables(&mut self) {
        for list in self.committed.tables.values_mut() {
            list.reverse();
        }
    }

    /// A committed value, if one was set.
    pub fn value(&self, template: &str, keys: &[&str], name: &str) -> Option<&str> {
        let k = (
            template.to_string(),
            keys.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        );
        self.committed.values.get(&k)?.get(name).map(String::as_str)
    }

    pub fn set_pending(&mut self, name: &str) {
        self.pending.insert(name.to_string());
    }

    pub fn refuse(&mut self, name: &str, value: &str) {
        self.refused.insert((name.to_string(), value.to_string()));
    }

    fn current(&self) -> &Data {
        self.staged.as_ref().unwrap_or(&self.committed)
    }

    fn staging(&mut self) -> &mut Data {
        self.staged.get_or_insert_with(|| self.committed.clone())
    }
}

fn key(obj: ObjRef<'_>) -> ObjKey {
    (obj.template.to_string(), obj.keys.to_vec())
}

impl Provider for MemProvider {
    fn get(&mut self, obj: ObjRef<'_>, name: &str) -> Result<String, Fault> {
        if let Some(v) = self
            .current()
            .values
            .get(&key(obj))
            .and_then(|m| m.get(name))
        {
            return Ok(v.clone());
        }
        match self.schema.lookup(&format!("{}{name}", obj.template)) {
            Some(Node::Param(i)) => {
                let def = self.schema.param(i);
                Ok(def
                    .enums
                    .first()
                    .copied()
                    .unwrap_or(def.ty.zero())
                    .to_string())
            }
            _ => Err(Fault::with_string(
                FaultCode::INVALID_PARAMETER_NAME,
                format!("{}{name}", obj.template),
            )),
        }
    }

    fn instances(&mut self, table: ObjRef<'_>) -> Result<Vec<String>, Fault> {
        Ok(self
            .current()
            .tables
            .get(&key(table))
            .cloned()
            .unwrap_or_default())
    }

    fn set(&mut self, obj: ObjRef<'_>, name: &str, value: &str) -> Result<(), Fault> {
        if self
            .refused
            .contains(&(name.to_string(), value.to_string()))
        {
            return Err(Fault::with_string(
                FaultCode::INVALID_PARAMETER_VALUE,
                format!("{name}: {value:?} refused"),
            ));
        }
        let k = key(obj);
        self.staging()
            .values
            .entry(k)
            .or_default()
            .insert(name.to_string(), value.to_string());
        Ok(())
    }

    fn add(&mut self, table: ObjRef<'_>) -> Result<String, Fault> {
        let new = format!("mem{}", self.next_key);
        self.next_key += 1;
        let k = key(table);
        self.staging()
            .tables
            .entry(k)
            .or_default()
            .push(new.clone());
        Ok(new)
    }

    fn delete(&mut self, obj: ObjRef<'_>) -> Result<(), Fault> {
        let Some((last, parents)) = obj.keys.split_last() else {
            return Err(Fault::new(FaultCode::INVALID_PARAMETER_NAME));
        };
        let table = (obj.template.to_string(), parents.to_vec());
        let data = self.staging();
        let Some(list) = data.tables.get_mut(&table) else {
            return Err(Fault::new(FaultCode::INVALID_PARAMETER_NAME));
        };
        list.retain(|k| k != last);
        // Everything below the instance goes too.
        let below =
            |t: &str, ks: &[String]| t.starts_with(obj.template) && ks.starts_with(obj.keys);
        data.values.retain(|(t, ks), _| !below(t, ks));
        data.tables
            .retain(|(t, ks), _| !(below(t, ks) && ks.len() >= obj.keys.len()));
        Ok(())
    }

    fn commit(&mut self) -> Result<ApplyStatus, Fault> {
        if std::mem::take(&mut self.fail_commit) {
            self.staged = None;
            return Err(Fault::with_string(
                FaultCode::INTERNAL_ERROR,
                "commit failed (test)",
            ));
        }
        let Some(staged) = self.staged.take() else {
            return Ok(ApplyStatus::Applied);
        };
        let pending = staged.values.iter().any(|(k, m)| {
            m.iter().any(|(n, v)| {
                self.pending.contains(n)
                    && self.committed.values.get(k).and_then(|c| c.get(n)) != Some(v)
            })
        });
        self.committed = staged;
        self.commits += 1;
        Ok(if pending {
            ApplyStatus::Pending
        } else {
            ApplyStatus::Applied
        })
    }

    fn revert(&mut self) {
        self.staged = None;
    }
}

/// A [`MemProvider`] the test keeps a handle on after mounting it (to change
/// values "behind the ACS's back" or to look at what was committed).
pub type SharedMem = std::rc::Rc<std::cell::RefCell<MemProvider>>;

impl Provider for SharedMem {
    fn get(&mut self, obj: ObjRef<'_>, name: &str) -> Result<String, Fault> {
        self.borrow_mut().get(obj, name)
    }
    fn instances(&mut self, table: ObjRef<'_>) -> Result<Vec<String>, Fault> {
        self.borrow_mut().instances(table)
    }
    fn set(&mut self, obj: ObjRef<'_>, name: &str, value: &str) -> Result<(), Fault> {
        self.borrow_mut().set(obj, name, value)
    }
    fn add(&mut self, table: ObjRef<'_>) -> Result<String, Fault> {
        self.borrow_mut().add(table)
    }
    fn delete(&mut self, obj: ObjRef<'_>) -> Result<(), Fault> {
        self.borrow_mut().delete(obj)
    }
    fn commit(&mut self) -> Result<ApplyStatus, Fault> {
        self.borrow_mut().commit()
    }
    fn revert(&mut self) {
        self.borrow_mut().revert()
    }
}
