//! Routing a path to the provider that serves it, and the [`Provider`]
//! trait backends implement (UCI, netifd, procfs ... later; `mem` now).
//!
//! Providers are mounted on an object *template* (`Device.IP.Interface.{i}.`)
//! and serve everything below it unless a longer mount takes over. They see
//! objects as a template plus the provider keys of its instances (e.g. UCI
//! section names), never instance numbers: the engine maps keys to numbers
//! (see `txn::InstanceMap`) so numbers stay stable across restarts.

use crate::cwmp::rpc::parameters::ApplyStatus;
use crate::cwmp::{Fault, FaultCode};

/// One concrete object as a provider sees it: its template and the keys of
/// each `{i}` in it, outermost first. For a table (`instances`, `add`),
/// `template` is the table's `…{i}.` template and `keys` those of its parents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjRef<'a> {
    pub template: &'a str,
    pub keys: &'a [String],
}

/// A source of parameter values. `set`, `add` and `delete` are *staged*:
/// nothing is visible to others until `commit`, and `revert` drops all
/// staged changes (that is how SetParameterValues stays all or nothing,
/// TR-069 §A.3.2.1). Reads may see the staged state.
pub trait Provider {
    /// The value of parameter `name` of `obj`, as canonical text.
    fn get(&mut self, obj: ObjRef<'_>, name: &str) -> Result<String, Fault>;

    /// Whether parameter `name` of object template `object` is really
    /// served. A provider mounted on a table or object may implement only
    /// part of TR-181 there; the rest is then not exposed (9005) rather than
    /// faked. Default: everything below the mount.
    fn serves(&self, object: &str, name: &str) -> bool {
        let _ = (object, name);
        true
    }

    /// The keys of the instances of table `table`, in a stable order.
    fn instances(&mut self, table: ObjRef<'_>) -> Result<Vec<String>, Fault>;

    /// Stages a value already checked against the schema. A provider may
    /// still refuse it (9007, e.g. a reference to nothing).
    fn set(&mut self, obj: ObjRef<'_>, name: &str, value: &str) -> Result<(), Fault> {
        let _ = (obj, value);
        Err(Fault::with_string(
            FaultCode::NON_WRITABLE_PARAMETER,
            format!("{name} is not writable"),
        ))
    }

    /// Whether AddObject/DeleteObject can work on table `table` (a
    /// template) at all: GetParameterNames reports a writable table only
    /// then (TR-069 §A.3.2.3 Writable), even where TR-181 allows it but this
    /// device has a fixed set (one NTP client). Default: as the schema says.
    fn adds_instances(&self, table: &str) -> bool {
        let _ = table;
        true
    }

    /// Whether the keys of `table`'s instances are their instance numbers
    /// (decimal, > 0), for tables of short-lived entries such as processes
    /// by PID: the engine then neither maps nor persists them. A kernel
    /// reuses a PID only after wrapping around, so a number still names
    /// one instance for as long as it exists (TR-069 §A.2.2.1). Default:
    /// no, numbers are assigned and kept across restarts.
    fn numbers_are_keys(&self, table: &str) -> bool {
        let _ = table;
        false
    }

    /// Stages a new instance of `table`; returns its key.
    fn add(&mut self, table: ObjRef<'_>) -> Result<String, Fault> {
        Err(Fault::with_string(
            FaultCode::REQUEST_DENIED,
            format!("cannot add to {}", table.template),
        ))
    }

    /// Stages the deletion of instance `obj` (and everything below it).
    fn delete(&mut self, obj: ObjRef<'_>) -> Result<(), Fault> {
        Err(Fault::with_string(
            FaultCode::REQUEST_DENIED,
            format!("cannot delete {}", obj.template),
        ))
    }

    /// Makes the staged changes real, all or nothing. `Pending` when they
    /// take effect only later (TR-069 §A.3.2.1 Status 1, e.g. after a
    /// service restart at session end).
    fn commit(&mut self) -> Result<ApplyStatus, Fault> {
        Ok(ApplyStatus::Applied)
    }

    /// Drops every staged change.
    fn revert(&mut self) {}
}

/// The mounted providers.
#[derive(Default)]
pub struct Tree {
    mounts: Vec<(String, Box<dyn Provider>)>,
}

impl Tree {
    /// Mounts `provider` on object template `prefix` (ends in `.`), or on
    /// one parameter (`Device.DeviceInfo.UpTime`: that name only).
    pub fn mount(&mut self, prefix: &str, provider: Box<dyn Provider>) {
        self.mounts.retain(|(p, _)| p != prefix);
        self.mounts.push((prefix.to_string(), provider));
    }

    /// The provider serving `template` (longest mounted prefix).
    pub fn route(&self, template: &str) -> Option<usize> {
        self.mounts
            .iter()
            .enumerate()
            .filter(|(_, (p, _))| {
                // A parameter mount serves exactly that name (`…Total` is
                // not `…TotalPersistent`); an object mount everything below.
                if p.ends_with('.') {
                    template.starts_with(p.as_str())
                } else {
                    template == p
                }
            })
            .max_by_key(|(_, (p, _))| p.len())
            .map(|(i, _)| i)
    }

    pub fn provider(&mut self, idx: usize) -> Option<&mut (dyn Provider + 'static)> {
        self.mounts.get_mut(idx).map(|(_, p)| p.as_mut())
    }

    pub fn provider_ref(&self, idx: usize) -> Option<&(dyn Provider + 'static)> {
        self.mounts.get(idx).map(|(_, p)| p.as_ref())
    }

    pub fn len(&self) -> usize {
        self.mounts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.mounts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Nothing;
    impl Provider for Nothing {
        fn get(&mut self, _: ObjRef<'_>, _: &str) -> Result<String, Fault> {
            Ok(String::new())
        }
        fn instances(&mut self, _: ObjRef<'_>) -> Result<Vec<String>, Fault> {
            Ok(Vec::new())
        }
    }

    #[test]
    fn longest_prefix_wins() {
        let mut t = Tree::default();
        t.mount("Device.IP.", Box::new(Nothing));
        t.mount("Device.IP.Interface.{i}.Stats.", Box::new(Nothing));
        assert_eq!(t.route("Device.IP.Interface.{i}.Name"), Some(0));
        assert_eq!(t.route("Device.IP.Interface.{i}.Stats.BytesSent"), Some(1));
        assert_eq!(t.route("Device.Time.Enable"), None);
        t.mount("Device.DeviceInfo.MemoryStatus.Total", Box::new(Nothing));
        assert_eq!(t.route("Device.DeviceInfo.MemoryStatus.Total"), Some(2));
        assert_eq!(
            t.route("Device.DeviceInfo.MemoryStatus.TotalPersistent"),
            None,
            "a parameter mount serves that name only"
        );
        assert_eq!(
            t.route("Device.IPX.Foo"),
            None,
            "whole segments only: prefixes end in a dot"
        );
    }
}
