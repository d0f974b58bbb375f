//! Changes: all-or-nothing SetParameterValues (TR-069 §A.3.2.1),
//! AddObject (§A.3.2.6) and DeleteObject (§A.3.2.7), and the instance-number
//! map that keeps `Device.IP.Interface.3.` the same interface across
//! restarts and reorderings of the backend's sections.

use std::collections::{BTreeMap, BTreeSet};

use crate::cwmp::rpc::parameters::{ApplyStatus, ParameterValue};
use crate::cwmp::{Fault, FaultCode, SetParameterValuesFault};

use super::ops::{DataModel, Target};
use super::path::{Path, Segment};
use super::tree::ObjRef;
use super::value;

/// Instance numbers per concrete table path (`Device.IP.Interface.` or
/// `Device.IP.Interface.3.IPv4Address.`), keyed by provider key. Numbers
/// are never reused while the map lives (TR-069 §A.2.2.1 / TR-106 §3.2.6:
/// an instance keeps its number; a new one gets a number not in use).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InstanceMap {
    tables: BTreeMap<String, Table>,
    dirty: bool,
    /// Instance paths (`Device.IP.Interface.2.`) that vanished from the
    /// backend since the last `take_vanished` (their attributes go too).
    vanished: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Table {
    next: u32,
    entries: Vec<(String, u32)>,
    /// Numbered by the provider's own keys (see `sync_numbered`): kept
    /// only to notice vanished instances, never persisted.
    volatile: bool,
}

impl Default for Table {
    fn default() -> Table {
        Table {
            next: 1,
            entries: Vec::new(),
            volatile: false,
        }
    }
}

impl InstanceMap {
    /// Brings the map for `table` in line with the provider's current keys:
    /// known keys keep their numbers, new keys get fresh ones (in provider
    /// order), vanished keys are forgotten. Returns `(number, key)` sorted by
    /// number.
    pub fn sync(&mut self, table: &str, keys: &[String]) -> Vec<(u32, String)> {
        let t = self.tables.entry(table.to_string()).or_default();
        let live: BTreeSet<&str> = keys.iter().map(String::as_str).collect();
        let mut gone = Vec::new();
        t.entries.retain(|(k, n)| {
            let keep = live.contains(k.as_str());
            if !keep {
                gone.push(*n);
            }
            keep
        });
        let mut changed = !gone.is_empty();
        for k in keys {
            if !t.entries.iter().any(|(e, _)| e == k) {
                if let Some(after) = t.next.checked_add(1) {
                    t.entries.push((k.clone(), t.next));
                    t.next = after;
                    changed = true;
                }
            }
        }
        let mut out: Vec<(u32, String)> = t.entries.iter().map(|(k, n)| (*n, k.clone())).collect();
        out.sort();
        for n in gone {
            let inst = format!("{table}{n}.");
            self.drop_below(&inst);
            self.vanished.push(inst);
        }
        self.dirty |= changed;
        out
    }

    /// Like [`InstanceMap::sync`] for a table whose keys ARE the instance
    /// numbers (decimal, > 0; others are skipped): processes by PID. Nothing
    /// is assigned, so nothing needs persisting — the state file in flash is
    /// not rewritten each time a process starts or ends. Vanished instances
    /// are still reported so their attributes go.
    pub fn sync_numbered(&mut self, table: &str, keys: &[String]) -> Vec<(u32, String)> {
        let mut out: Vec<(u32, String)> = keys
            .iter()
            .filter_map(|k| match k.parse::<u32>() {
                Ok(n) if n > 0 && n.to_string() == *k => Some((n, k.clone())),
                _ => None,
            })
            .collect();
        out.sort();
        out.dedup_by_key(|(n, _)| *n);
        let t = self.tables.entry(table.to_string()).or_default();
        t.volatile = true;
        let gone: Vec<u32> = t
            .entries
            .iter()
            .filter(|(_, n)| out.binary_search_by_key(n, |(m, _)| *m).is_err())
            .map(|(_, n)| *n)
            .collect();
        t.entries = out.iter().map(|(n, k)| (k.clone(), *n)).collect();
        for n in gone {
            let inst = format!("{table}{n}.");
            self.drop_below(&inst);
            self.vanished.push(inst);
        }
        out
    }

    /// The number for a key just added by AddObject.
    pub fn assign(&mut self, table: &str, key: &str) -> u32 {
        let t = self.tables.entry(table.to_string()).or_default();
        if let Some((_, n)) = t.entries.iter().find(|(k, _)| k == key) {
            return *n;
        }
        let n = t.next;
        t.next = t.next.saturating_add(1);
        t.entries.push((key.to_string(), n));
        self.dirty = true;
        n
    }

    pub fn key_of(&self, table: &str, number: u32) -> Option<&str> {
        let t = self.tables.get(table)?;
        t.entries
            .iter()
            .find(|(_, n)| *n == number)
            .map(|(k, _)| k.as_str())
    }

    /// Forgets instance `number` of `table` and every table below it.
    pub fn remove(&mut self, table: &str, number: u32) {
        if let Some(t) = self.tables.get_mut(table) {
            t.entries.retain(|(_, n)| *n != number);
        }
        self.drop_below(&format!("{table}{number}."));
        self.dirty = true;
    }

    fn drop_below(&mut self, prefix: &str) {
        self.tables.retain(|k, _| !k.starts_with(prefix));
    }

    /// True once after every change (persist then).
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    /// Instances that disappeared from the backend (not through DeleteObject).
    pub fn take_vanished(&mut self) -> Vec<String> {
        std::mem::take(&mut self.vanished)
    }

    /// Records `[table path, next number, key, number, key, number ...]`.
    pub fn records(&self) -> Vec<Vec<String>> {
        self.tables
            .iter()
            .filter(|(_, t)| !t.volatile)
            .map(|(path, t)| {
                let mut row = vec![path.clone(), t.next.to_string()];
                for (k, n) in &t.entries {
                    row.push(k.clone());
                    row.push(n.to_string());
                }
                row
            })
            .collect()
    }

    /// Rebuilds from records; malformed rows are skipped.
    pub fn from_records<'a>(rows: impl IntoIterator<Item = &'a [String]>) -> InstanceMap {
        let mut tables = BTreeMap::new();
        for row in rows {
            let (Some(path), Some(next)) = (row.first(), row.get(1)) else {
                continue;
            };
            let Ok(mut next) = next.parse::<u32>() else {
                continue;
            };
            let rest = row.get(2..).unwrap_or(&[]);
            if rest.len() % 2 != 0 {
                continue;
            }
            let mut entries = Vec::new();
            for pair in rest.chunks(2) {
                if let [k, n] = pair {
                    if let Ok(n) = n.parse::<u32>() {
                        if n > 0 && !entries.iter().any(|(e, m)| e == k || *m == n) {
                            next = next.max(n.saturating_add(1));
                            entries.push((k.clone(), n));
                        }
                    }
                }
            }
            tables.insert(
                path.clone(),
                Table {
                    next,
                    entries,
                    volatile: false,
                },
            );
        }
        InstanceMap {
            tables,
            dirty: false,
            vanished: Vec::new(),
        }
    }
}

fn spv_fault(name: &str, f: Fault) -> SetParameterValuesFault {
    SetParameterValuesFault {
        parameter_name: name.to_string(),
        fault_code: f.fault_code,
        fault_string: f.fault_string,
    }
}

/// A set that passed every check, ready to stage.
struct Planned {
    name: String,
    provider: usize,
    template: &'static str,
    keys: Vec<String>,
    param: &'static str,
    value: String,
}

impl DataModel {
    /// SetParameterValues (TR-069 §A.3.2.1): every value is checked first;
    /// one or more bad ones → fault 9003 listing each bad parameter
    /// (9005/9006/9007/9008) and nothing changes. On success the
    /// ParameterKey becomes `parameter_key` and the status says whether the
    /// changes are live (0) or take effect later (1).
    pub fn set_parameter_values(
        &mut self,
        list: &[ParameterValue],
        parameter_key: &str,
    ) -> Result<ApplyStatus, Fault> {
        let mut faults = Vec::new();
        let mut plan = Vec::new();
        let mut seen = BTreeSet::new();
        for pv in list {
            if !seen.insert(pv.name.as_str()) {
                // §A.3.2.1: a parameter given twice is an invalid argument.
                return Err(Fault::with_string(
                    FaultCode::INVALID_ARGUMENTS,
                    format!("{} appears more than once", pv.name),
                ));
            }
            match self.plan_set(pv) {
                Ok(p) => plan.push(p),
                Err(f) => faults.push(spv_fault(&pv.name, f)),
            }
        }
        // Providers get their say (e.g. a dangling reference) before anything
        // is committed; a refusal there is reported the same way.
        let mut touched = BTreeSet::new();
        if faults.is_empty() {
            for p in &plan {
                touched.insert(p.provider);
                let Some(prov) = self.tree.provider(p.provider) else {
                    continue;
                };
                let obj = ObjRef {
                    template: p.template,
                    keys: &p.keys,
                };
                if let Err(f) = prov.set(obj, p.param, &p.value) {
                    faults.push(spv_fault(&p.name, f));
                }
            }
        }
        if !faults.is_empty() {
            self.revert(&touched);
            let mut fault = Fault::new(FaultCode::INVALID_ARGUMENTS);
            fault.set_parameter_values_faults = faults;
            return Err(fault);
        }
        let status = self.commit(&touched)?;
        self.parameter_key = parameter_key.to_string();
        self.key_dirty = true;
        // Changes the ACS makes itself are not value changes to report
        // (TR-069 §A.3.2.4), so the baseline takes the new values.
        if let Some(base) = self.baseline.as_mut() {
            for p in &plan {
                if base.contains_key(&p.name) {
                    base.insert(p.name.clone(), p.value.clone());
                }
            }
        }
        Ok(status)
    }

    fn plan_set(&mut self, pv: &ParameterValue) -> Result<Planned, Fault> {
        let path = Path::parse(&pv.name)?;
        if path.partial {
            return Err(Fault::with_string(
                FaultCode::INVALID_PARAMETER_NAME,
                format!("{} is not a parameter", pv.name),
            ));
        }
        let Target::Param { param, keys, .. } = self.resolve(&path)? else {
            return Err(Fault::with_string(
                FaultCode::INVALID_PARAMETER_NAME,
                format!("{} is not a parameter", pv.name),
            ));
        };
        let def = self.schema.param(param).clone();
        let template = self.schema.object(def.object).path;
        let provider = match self.param_provider(param) {
            Some(p) if def.writable => p,
            _ => {
                return Err(Fault::with_string(
                    FaultCode::NON_WRITABLE_PARAMETER,
                    format!("{} is not writable", pv.name),
                ))
            }
        };
        let value = value::validate(&def, pv)?;
        Ok(Planned {
            name: pv.name.clone(),
            provider,
            template,
            keys,
            param: def.name,
            value,
        })
    }

    fn revert(&mut self, touched: &BTreeSet<usize>) {
        for &i in touched {
            if let Some(p) = self.tree.provider(i) {
                p.revert();
            }
        }
    }

    /// Commits every touched provider. Each commit is atomic on its own; if
    /// a later one fails the earlier ones cannot be undone, so the fault is
    /// 9002 (Internal error) and the rest are reverted.
    fn commit(&mut self, touched: &BTreeSet<usize>) -> Result<ApplyStatus, Fault> {
        let mut status = ApplyStatus::Applied;
        let mut failed = None;
        for &i in touched {
            let Some(p) = self.tree.provider(i) else {
                continue;
            };
            if failed.is_some() {
                p.revert();
                continue;
            }
            match p.commit() {
                Ok(ApplyStatus::Pending) => status = ApplyStatus::Pending,
                Ok(ApplyStatus::Applied) => {}
                Err(f) => failed = Some(f),
            }
        }
        match failed {
            None => Ok(status),
            Some(f) => Err(Fault::with_string(
                FaultCode::INTERNAL_ERROR,
                format!("commit failed: {}", f.fault_string),
            )),
        }
    }

    /// AddObject (TR-069 §A.3.2.6): `object_name` is a table path ending in
    /// `.` (`Device.IP.Interface.`). Not a table we serve, or a table that
    /// does not allow AddObject → 9005 (Table 11 ties 9008 to
    /// SetParameterValues only; for AddObject the name is what is invalid);
    /// table full (maxEntries) → 9004. Returns the new instance number.
    pub fn add_object(
        &mut self,
        object_name: &str,
        parameter_key: &str,
    ) -> Result<(u32, ApplyStatus), Fault> {
        let bad = |why: &str| {
            Fault::with_string(
                FaultCode::INVALID_PARAMETER_NAME,
                format!("{object_name}: {why}"),
            )
        };
        let path = Path::parse(object_name)?;
        if !path.partial {
            return Err(bad("an object name ends in a dot"));
        }
        let Target::Table {
            obj,
            path: table_path,
            keys,
        } = self.resolve(&path)?
        else {
            return Err(bad("not a multi-instance object"));
        };
        let def = self.schema.object(obj).clone();
        let Some(provider) = self.tree.route(def.path).filter(|_| def.writable) else {
            return Err(bad("instances cannot be added"));
        };
        let existing = self.list_instances(obj, &table_path, &keys)?;
        if def
            .max_entries
            .is_some_and(|m| existing.len() >= m as usize)
        {
            return Err(Fault::with_string(
                FaultCode::RESOURCES_EXCEEDED,
                format!("{object_name} is full"),
            ));
        }
        let touched = BTreeSet::from([provider]);
        let Some(prov) = self.tree.provider(provider) else {
            return Err(bad("no provider"));
        };
        let key = match prov.add(ObjRef {
            template: def.path,
            keys: &keys,
        }) {
            Ok(k) => k,
            Err(f) => {
                prov.revert();
                return Err(f);
            }
        };
        let status = self.commit(&touched)?;
        let number = self.instances.assign(&table_path, &key);
        self.parameter_key = parameter_key.to_string();
        self.key_dirty = true;
        Ok((number, status))
    }

    /// DeleteObject (TR-069 §A.3.2.7): `object_name` is an instance path
    /// (`Device.IP.Interface.3.`). Unknown instance, not an instance, or a
    /// table that does not allow DeleteObject → 9005.
    pub fn delete_object(
        &mut self,
        object_name: &str,
        parameter_key: &str,
    ) -> Result<ApplyStatus, Fault> {
        let bad = |why: &str| {
            Fault::with_string(
                FaultCode::INVALID_PARAMETER_NAME,
                format!("{object_name}: {why}"),
            )
        };
        let path = Path::parse(object_name)?;
        let Some(Segment::Instance(number)) = path.segments.last().cloned() else {
            return Err(bad("not an instance"));
        };
        if !path.partial {
            return Err(bad("an object name ends in a dot"));
        }
        let Target::Object {
            obj,
            path: inst_path,
            keys,
        } = self.resolve(&path)?
        else {
            return Err(bad("not an instance"));
        };
        let def = self.schema.object(obj).clone();
        let Some(provider) = self.tree.route(def.path).filter(|_| def.writable) else {
            return Err(bad("instances cannot be deleted"));
        };
        let Some(prov) = self.tree.provider(provider) else {
            return Err(bad("no provider"));
        };
        if let Err(f) = prov.delete(ObjRef {
            template: def.path,
            keys: &keys,
        }) {
            prov.revert();
            return Err(f);
        }
        let status = self.commit(&BTreeSet::from([provider]))?;
        let table_path = inst_path
            .strip_suffix(&format!("{number}."))
            .unwrap_or(&inst_path)
            .to_string();
        self.instances.remove(&table_path, number);
        self.attributes.remove_below(&inst_path);
        self.parameter_key = parameter_key.to_string();
        self.key_dirty = true;
        Ok(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn numbers_survive_reordering_and_are_not_reused() {
        let mut m = InstanceMap::default();
        let t = "Device.IP.Interface.";
        assert_eq!(
            m.sync(t, &keys(&["lan", "wan"])),
            vec![(1, "lan".into()), (2, "wan".into())]
        );
        assert!(m.take_dirty());
        assert_eq!(
            m.sync(t, &keys(&["wan", "lan"])),
            vec![(1, "lan".into()), (2, "wan".into())]
        );
        assert!(!m.take_dirty(), "a reordering is not a change");
        assert_eq!(
            m.sync(t, &keys(&["wan", "guest"])),
            vec![(2, "wan".into()), (3, "guest".into())]
        );
        assert_eq!(
            m.sync(t, &keys(&["wan", "guest", "lan"])),
            vec![(2, "wan".into()), (3, "guest".into()), (4, "lan".into())]
        );
    }

    #[test]
    fn records_round_trip_and_bad_rows_are_skipped() {
        let mut m = InstanceMap::default();
        m.sync("Device.IP.Interface.", &keys(&["lan", "wan"]));
        m.sync("Device.IP.Interface.1.IPv4Address.", &keys(&["lan"]));
        m.remove("Device.IP.Interface.", 2);
        let rows = m.records();
        let back = InstanceMap::from_records(rows.iter().map(Vec::as_slice));
        assert_eq!(back.key_of("Device.IP.Interface.", 1), Some("lan"));
        assert_eq!(
            back.key_of("Device.IP.Interface.1.IPv4Address.", 1),
            Some("lan")
        );
        let mut back = back;
        assert_eq!(
            back.assign("Device.IP.Interface.", "new"),
            3,
            "2 is not reused"
        );
        let junk = [keys(&["T."]), keys(&["T.", "x"]), keys(&["T.", "1", "k"])];
        assert_eq!(
            InstanceMap::from_records(junk.iter().map(Vec::as_slice))
                .records()
                .len(),
            0
        );
    }

    #[test]
    fn removing_an_instance_drops_its_subtables() {
        let mut m = InstanceMap::default();
        m.sync("Device.IP.Interface.", &keys(&["lan"]));
        m.sync("Device.IP.Interface.1.IPv4Address.", &keys(&["a"]));
        m.sync("Device.IP.Interface.", &keys(&[]));
        assert_eq!(m.key_of("Device.IP.Interface.1.IPv4Address.", 1), None);
        assert_eq!(
            m.take_vanished(),
            vec!["Device.IP.Interface.1.".to_string()]
        );
    }

    #[test]
    fn numbered_tables_use_their_keys_and_are_never_persisted() {
        let t = "Device.DeviceInfo.ProcessStatus.Process.";
        let mut m = InstanceMap::default();
        assert_eq!(
            m.sync_numbered(t, &keys(&["1234", "1", "x", "0", "01"])),
            vec![(1, "1".to_string()), (1234, "1234".to_string())]
        );
        assert!(!m.take_dirty(), "nothing to persist");
        assert!(m.records().is_empty());
        m.sync_numbered(t, &keys(&["1", "77"]));
        assert_eq!(m.take_vanished(), vec![format!("{t}1234.")]);
        assert!(!m.take_dirty());
        assert!(m.records().is_empty());
    }
}
