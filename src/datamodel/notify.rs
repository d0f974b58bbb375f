//! Parameter attributes (TR-069 §A.3.2.4/5: Notification and AccessList)
//! and value-change detection for the `4 VALUE CHANGE` event (§3.2.1:
//! passive changes ride along in the next Inform, an active change is a
//! reason to start a session now).

use std::collections::BTreeMap;

use crate::cwmp::rpc::attributes::Notification;

use super::schema::NotifyLimit;

/// The stored attributes of one parameter (only non-default ones are kept).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attr {
    pub notification: Option<Notification>,
    pub access_list: Vec<String>,
}

/// Attributes by full parameter name. Serialises to records for src/store.rs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attributes {
    map: BTreeMap<String, Attr>,
    dirty: bool,
}

/// The notification a parameter has when the ACS never set one
/// (TR-106 activeNotify: forceEnabled / forceDefaultEnabled start active).
pub fn default_notification(limit: NotifyLimit) -> Notification {
    match limit {
        NotifyLimit::ForceEnabled | NotifyLimit::ForceDefaultEnabled => Notification::ACTIVE,
        NotifyLimit::Normal | NotifyLimit::CanDeny => Notification::OFF,
    }
}

impl Attributes {
    /// The effective notification of `name`.
    pub fn notification(&self, name: &str, limit: NotifyLimit) -> Notification {
        if limit == NotifyLimit::ForceEnabled {
            return Notification::ACTIVE;
        }
        self.map
            .get(name)
            .and_then(|a| a.notification)
            .unwrap_or_else(|| default_notification(limit))
    }

    pub fn access_list(&self, name: &str) -> &[String] {
        self.map.get(name).map_or(&[], |a| a.access_list.as_slice())
    }

    pub fn set_notification(&mut self, name: &str, n: Notification, limit: NotifyLimit) {
        let entry = self.map.entry(name.to_string()).or_default();
        entry.notification = (n != default_notification(limit)).then_some(n);
        self.prune(name);
        self.dirty = true;
    }

    pub fn set_access_list(&mut self, name: &str, list: Vec<String>) {
        self.map.entry(name.to_string()).or_default().access_list = list;
        self.prune(name);
        self.dirty = true;
    }

    fn prune(&mut self, name: &str) {
        if self.map.get(name).is_some_and(|a| *a == Attr::default()) {
            self.map.remove(name);
        }
    }

    /// Forgets attributes of parameters below `prefix` (a deleted instance).
    pub fn remove_below(&mut self, prefix: &str) {
        let before = self.map.len();
        self.map.retain(|k, _| !k.starts_with(prefix));
        self.dirty |= before != self.map.len();
    }

    /// Names with a stored non-default notification.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }

    /// True once after every change (persist then).
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    /// Records `[name, notification or "", access list entries...]`.
    pub fn records(&self) -> Vec<Vec<String>> {
        self.map
            .iter()
            .map(|(name, a)| {
                let mut row = vec![
                    name.clone(),
                    a.notification.map_or(String::new(), |n| n.0.to_string()),
                ];
                row.extend(a.access_list.iter().cloned());
                row
            })
            .collect()
    }

    /// Rebuilds from records; malformed rows are skipped (a damaged state
    /// file must not stop the agent).
    pub fn from_records<'a>(rows: impl IntoIterator<Item = &'a [String]>) -> Attributes {
        let mut map = BTreeMap::new();
        for row in rows {
            let (Some(name), Some(n)) = (row.first(), row.get(1)) else {
                continue;
            };
            let notification = if n.is_empty() {
                None
            } else {
                match n.parse::<u8>() {
                    Ok(v) if v <= 2 => Some(Notification(v)),
                    _ => continue,
                }
            };
            let attr = Attr {
                notification,
                access_list: row.get(2..).unwrap_or(&[]).to_vec(),
            };
            map.insert(name.clone(), attr);
        }
        Attributes { map, dirty: false }
    }
}

/// Values of the watched parameters at one moment, by full name.
pub type Snapshot = BTreeMap<String, String>;

/// What changed between two snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValueChanges {
    /// Changed parameters with notification ≥ 1, by name, sorted.
    pub changed: Vec<String>,
    /// True when at least one of them has active notification (2): the agent
    /// starts a session with `4 VALUE CHANGE` now instead of waiting.
    pub active: bool,
}

/// Compares snapshots. A parameter that appears or disappears (instance
/// added/deleted) is not a value change; only a different value of a
/// parameter present in both is (TR-069 §A.3.2.4).
pub fn diff(
    old: &Snapshot,
    new: &Snapshot,
    notification: impl Fn(&str) -> Notification,
) -> ValueChanges {
    let mut out = ValueChanges::default();
    for (name, value) in new {
        let Some(before) = old.get(name) else {
            continue;
        };
        if before == value {
            continue;
        }
        let n = notification(name);
        if n == Notification::OFF {
            continue;
        }
        out.active |= n == Notification::ACTIVE;
        out.changed.push(name.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(items: &[(&str, &str)]) -> Snapshot {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn passive_and_active_changes() {
        let old = snap(&[("A", "1"), ("B", "x"), ("C", "same"), ("Gone", "1")]);
        let new = snap(&[("A", "2"), ("B", "y"), ("C", "same"), ("New", "1")]);
        let passive = diff(&old, &new, |n| {
            if n == "A" {
                Notification::PASSIVE
            } else {
                Notification::OFF
            }
        });
        assert_eq!(
            passive,
            ValueChanges {
                changed: vec!["A".into()],
                active: false
            }
        );
        let active = diff(&old, &new, |n| {
            if n == "B" {
                Notification::ACTIVE
            } else {
                Notification::PASSIVE
            }
        });
        assert_eq!(
            active,
            ValueChanges {
                changed: vec!["A".into(), "B".into()],
                active: true
            }
        );
        assert_eq!(
            diff(&old, &old, |_| Notification::ACTIVE),
            ValueChanges::default()
        );
    }

    #[test]
    fn attributes_round_trip_through_records_and_keep_only_non_defaults() {
        let mut a = Attributes::default();
        a.set_notification("Device.X", Notification::PASSIVE, NotifyLimit::Normal);
        a.set_notification(
            "Device.Y",
            Notification::OFF,
            NotifyLimit::ForceDefaultEnabled,
        );
        a.set_access_list("Device.Z", vec!["Subscriber".into()]);
        a.set_notification("Device.W", Notification::OFF, NotifyLimit::Normal);
        assert!(a.take_dirty());
        assert!(!a.take_dirty());
        let rows = a.records();
        assert_eq!(rows.len(), 3, "{rows:?}");
        let b = Attributes::from_records(rows.iter().map(Vec::as_slice));
        assert_eq!(
            b.notification("Device.X", NotifyLimit::Normal),
            Notification::PASSIVE
        );
        assert_eq!(
            b.notification("Device.Y", NotifyLimit::ForceDefaultEnabled),
            Notification::OFF
        );
        assert_eq!(
            b.notification("Device.V", NotifyLimit::ForceDefaultEnabled),
            Notification::ACTIVE
        );
        assert_eq!(b.access_list("Device.Z"), ["Subscriber".to_string()]);
        let junk = [vec!["Device.Q".to_string(), "7".to_string()], vec![]];
        assert_eq!(
            Attributes::from_records(junk.iter().map(Vec::as_slice))
                .records()
                .len(),
            0
        );
    }
}
