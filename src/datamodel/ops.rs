//! The engine: GetParameterValues, GetParameterNames, Get/SetParameterAttributes
//! (TR-069 §A.3.2.2–A.3.2.5) over mounted providers, plus what the agent
//! needs around them (Inform parameters, value-change polling, persistence).
//! SetParameterValues / AddObject / DeleteObject live in `txn.rs`.

use crate::cwmp::rpc::attributes::{
    Notification, ParameterAttribute, SetParameterAttributesStruct,
};
use crate::cwmp::rpc::parameters::{ParameterInfo, ParameterValue};
use crate::cwmp::{Fault, FaultCode};

use super::notify::{self, Attributes, Snapshot, ValueChanges};
use super::path::{Path, Segment};
use super::schema::{NotifyLimit, Schema};
use super::tree::{ObjRef, Provider, Tree};
use super::txn::InstanceMap;
use super::value::wire_type;

/// Served by the engine itself: it is the engine's own state (TR-069 §3.7.1.1 / A.3.2.1).
pub const PARAMETER_KEY: &str = "Device.ManagementServer.ParameterKey";

/// Store record keys for `State::set_records` (src/store.rs).
pub const RECORDS_INSTANCES: &str = "dm.instances";
pub const RECORDS_ATTRIBUTES: &str = "dm.attributes";

/// What a path resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A single object or an instance (`Device.IP.Interface.3.`).
    Object {
        obj: usize,
        path: String,
        keys: Vec<String>,
    },
    /// A table without instance number (`Device.IP.Interface.`); `keys` are the parents'.
    Table {
        obj: usize,
        path: String,
        keys: Vec<String>,
    },
    Param {
        param: usize,
        path: String,
        keys: Vec<String>,
    },
}

/// A parameter found below a path: index, full name, instance keys.
type ParamHit = (usize, String, Vec<String>);

/// One entry of a walk below a path.
#[derive(Debug, Clone)]
enum Item {
    Object {
        path: String,
        writable: bool,
    },
    Param {
        param: usize,
        path: String,
        keys: Vec<String>,
    },
}

/// What changed since the last poll (see [`DataModel::poll_value_changes`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChangeReport {
    /// Changed parameters with notification 1 or 2 and their new values.
    pub changed: Vec<ParameterValue>,
    /// At least one is active: start a session with `4 VALUE CHANGE` now.
    pub active: bool,
}

/// Which parts of the engine state changed since the last `take_dirty`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dirty {
    pub instances: bool,
    pub attributes: bool,
    pub parameter_key: bool,
}

/// The data model: schema + providers + engine-owned state.
pub struct DataModel {
    pub(crate) schema: Schema,
    pub(crate) tree: Tree,
    pub(crate) instances: InstanceMap,
    pub(crate) attributes: Attributes,
    pub(crate) parameter_key: String,
    pub(crate) key_dirty: bool,
    pub(crate) baseline: Option<Snapshot>,
    /// Per parameter: the provider serving it (None: engine-served or not served).
    param_route: Vec<Option<usize>>,
    /// Per parameter: exposed at all.
    served: Vec<bool>,
    /// Per object: exposed (it or something below it is served).
    visible: Vec<bool>,
}

fn no_such(path: &str) -> Fault {
    Fault::with_string(
        FaultCode::INVALID_PARAMETER_NAME,
        format!("{path}: no such parameter or object"),
    )
}

impl DataModel {
    pub fn new(schema: Schema) -> DataModel {
        let mut dm = DataModel {
            schema,
            tree: Tree::default(),
            instances: InstanceMap::default(),
            attributes: Attributes::default(),
            parameter_key: String::new(),
            key_dirty: false,
            baseline: None,
            param_route: Vec::new(),
            served: Vec::new(),
            visible: Vec::new(),
        };
        dm.recompute();
        dm
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Mounts a provider on an object template (`Device.DeviceInfo.`,
    /// `Device.IP.Interface.{i}.`); the longest mount serving a path wins.
    /// Parameters of the schema no provider serves are not exposed.
    pub fn mount(&mut self, prefix: &str, provider: Box<dyn Provider>) {
        self.mount_all(vec![(prefix.to_string(), provider)]);
    }

    /// Mounts several providers and computes the routes once: the routing
    /// pass walks the whole schema, so doing it per mount made building a
    /// router's model (~30 mounts) cost milliseconds per session.
    pub fn mount_all(&mut self, mounts: Vec<(String, Box<dyn Provider>)>) {
        for (prefix, provider) in mounts {
            self.tree.mount(&prefix, provider);
        }
        self.recompute();
    }

    /// Restores the persisted engine state (records as written by
    /// [`DataModel::instance_records`] / [`DataModel::attribute_records`]).
    pub fn restore<'a>(
        &mut self,
        instances: impl IntoIterator<Item = &'a [String]>,
        attributes: impl IntoIterator<Item = &'a [String]>,
        parameter_key: &str,
    ) {
        self.instances = InstanceMap::from_records(instances);
        self.attributes = Attributes::from_records(attributes);
        self.parameter_key = parameter_key.to_string();
    }

    pub fn instance_records(&self) -> Vec<Vec<String>> {
        self.instances.records()
    }

    pub fn attribute_records(&self) -> Vec<Vec<String>> {
        self.attributes.records()
    }

    pub fn parameter_key(&self) -> &str {
        &self.parameter_key
    }

    /// What to persist now (each flag is reset by this call).
    pub fn take_dirty(&mut self) -> Dirty {
        Dirty {
            instances: self.instances.take_dirty(),
            attributes: self.attributes.take_dirty(),
            parameter_key: std::mem::take(&mut self.key_dirty),
        }
    }

    fn recompute(&mut self) {
        let s = &self.schema;
        self.param_route = (0..s.params().len())
            .map(|p| {
                let def = s.param(p);
                let object = s.object(def.object).path;
                self.tree.route(&s.param_path(p)).filter(|&i| {
                    self.tree
                        .provider_ref(i)
                        .is_some_and(|pr| pr.serves(object, def.name))
                })
            })
            .collect();
        self.served = vec![false; s.params().len()];
        self.visible = vec![false; s.objects().len()];
        // Objects are stored parents first, so children are decided first here.
        for o in (0..s.objects().len()).rev() {
            let def = s.object(o);
            if def.multi && self.tree.route(def.path).is_none() {
                continue; // nobody lists its instances
            }
            let mut any = def.multi;
            for &p in s.child_params(o) {
                let served = match s.param(p).counts {
                    Some(table) => self.visible[table],
                    None => self.param_route[p].is_some() || s.param_path(p) == PARAMETER_KEY,
                };
                self.served[p] = served;
                any |= served;
            }
            any |= s.child_objects(o).iter().any(|&c| self.visible[c]);
            self.visible[o] = any;
        }
        if let Some(root) = self.visible.first_mut() {
            *root = true;
        }
    }

    /// The provider that serves parameter `param` (None for engine-served ones).
    pub(crate) fn param_provider(&self, param: usize) -> Option<usize> {
        self.param_route.get(param).copied().flatten()
    }

    /// Resolves a parsed path against schema and instances (9005 if nothing is there).
    pub(crate) fn resolve(&mut self, path: &Path) -> Result<Target, Fault> {
        let text = path.to_string();
        let mut cur = Target::Object {
            obj: 0,
            path: "Device.".to_string(),
            keys: Vec::new(),
        };
        let n = path.segments.len();
        for (i, seg) in path.segments.iter().enumerate().skip(1) {
            let last = i + 1 == n;
            cur = match (cur, seg) {
                (Target::Object { obj, path: p, keys }, Segment::Name(name)) => {
                    if last && !path.partial {
                        let s = &self.schema;
                        let param = s
                            .child_params(obj)
                            .iter()
                            .copied()
                            .find(|&c| s.param(c).name == name && self.served[c])
                            .ok_or_else(|| no_such(&text))?;
                        Target::Param {
                            param,
                            path: format!("{p}{name}"),
                            keys,
                        }
                    } else {
                        let s = &self.schema;
                        let child = s
                            .child_objects(obj)
                            .iter()
                            .copied()
                            .find(|&c| s.object_segment(c) == name && self.visible[c])
                            .ok_or_else(|| no_such(&text))?;
                        let sub = format!("{p}{name}.");
                        if s.object(child).multi {
                            Target::Table {
                                obj: child,
                                path: sub,
                                keys,
                            }
                        } else {
                            Target::Object {
                                obj: child,
                                path: sub,
                                keys,
                            }
                        }
                    }
                }
                (
                    Target::Table {
                        obj,
                        path: p,
                        mut keys,
                    },
                    Segment::Instance(num),
                ) => {
                    let list = self.list_instances(obj, &p, &keys)?;
                    let key = list
                        .into_iter()
                        .find(|(k, _)| k == num)
                        .map(|(_, key)| key)
                        .ok_or_else(|| no_such(&text))?;
                    keys.push(key);
                    Target::Object {
                        obj,
                        path: format!("{p}{num}."),
                        keys,
                    }
                }
                _ => return Err(no_such(&text)),
            };
        }
        match cur {
            Target::Param { .. } if path.partial => Err(no_such(&text)),
            Target::Object { .. } | Target::Table { .. } if !path.partial => Err(no_such(&text)),
            t => Ok(t),
        }
    }

    /// GetParameterNames' Writable of table `obj` and its instances: the
    /// schema allows Add/DeleteObject and the provider does them.
    fn table_writable(&self, obj: usize) -> bool {
        let def = self.schema.object(obj);
        def.multi
            && def.writable
            && self
                .tree
                .route(def.path)
                .and_then(|i| self.tree.provider_ref(i))
                .is_none_or(|p| p.adds_instances(def.path))
    }

    /// The instances of table `obj` at concrete `table_path`, numbered.
    pub(crate) fn list_instances(
        &mut self,
        obj: usize,
        table_path: &str,
        parent_keys: &[String],
    ) -> Result<Vec<(u32, String)>, Fault> {
        let template = self.schema.object(obj).path;
        let Some(p) = self
            .tree
            .route(template)
            .and_then(|i| self.tree.provider(i))
        else {
            return Ok(Vec::new());
        };
        let numbered = p.numbers_are_keys(template);
        let found = p.instances(ObjRef {
            template,
            keys: parent_keys,
        })?;
        Ok(if numbered {
            self.instances.sync_numbered(table_path, &found)
        } else {
            self.instances.sync(table_path, &found)
        })
    }

    fn collect_object(
        &mut self,
        obj: usize,
        path: &str,
        keys: &[String],
        recurse: bool,
        out: &mut Vec<Item>,
    ) -> Result<(), Fault> {
        let s = &self.schema;
        for &p in s.child_params(obj) {
            if self.served[p] {
                out.push(Item::Param {
                    param: p,
                    path: format!("{path}{}", s.param(p).name),
                    keys: keys.to_vec(),
                });
            }
        }
        let children: Vec<usize> = s
            .child_objects(obj)
            .iter()
            .copied()
            .filter(|&c| self.visible[c])
            .collect();
        for c in children {
            let multi = self.schema.object(c).multi;
            let writable = self.table_writable(c);
            let sub = format!("{path}{}.", self.schema.object_segment(c));
            out.push(Item::Object {
                path: sub.clone(),
                writable,
            });
            if recurse {
                if multi {
                    self.collect_table(c, &sub, keys, true, out)?;
                } else {
                    self.collect_object(c, &sub, keys, true, out)?;
                }
            }
        }
        Ok(())
    }

    fn collect_table(
        &mut self,
        obj: usize,
        table_path: &str,
        parent_keys: &[String],
        recurse: bool,
        out: &mut Vec<Item>,
    ) -> Result<(), Fault> {
        let writable = self.table_writable(obj);
        for (n, key) in self.list_instances(obj, table_path, parent_keys)? {
            let inst = format!("{table_path}{n}.");
            out.push(Item::Object {
                path: inst.clone(),
                writable,
            });
            if recurse {
                let mut keys = parent_keys.to_vec();
                keys.push(key);
                self.collect_object(obj, &inst, &keys, true, out)?;
            }
        }
        Ok(())
    }

    /// Everything below a target (not the target itself).
    fn collect(&mut self, target: &Target, recurse: bool) -> Result<Vec<Item>, Fault> {
        let mut out = Vec::new();
        match target {
            Target::Param { param, path, keys } => out.push(Item::Param {
                param: *param,
                path: path.clone(),
                keys: keys.clone(),
            }),
            Target::Object { obj, path, keys } => {
                self.collect_object(*obj, path, keys, recurse, &mut out)?
            }
            Target::Table { obj, path, keys } => {
                self.collect_table(*obj, path, keys, recurse, &mut out)?
            }
        }
        Ok(out)
    }

    /// The full parameter names and (param index) below a name or partial path.
    fn params_below(&mut self, name: &str) -> Result<(Vec<ParamHit>, bool), Fault> {
        let path = Path::parse(name)?;
        let target = self.resolve(&path)?;
        let explicit = matches!(target, Target::Param { .. });
        let items = self.collect(&target, true)?;
        let params = items
            .into_iter()
            .filter_map(|i| match i {
                Item::Param { param, path, keys } => Some((param, path, keys)),
                Item::Object { .. } => None,
            })
            .collect();
        Ok((params, explicit))
    }

    fn value_of(
        &mut self,
        param: usize,
        path: String,
        keys: &[String],
    ) -> Result<ParameterValue, Fault> {
        let def = self.schema.param(param).clone();
        let ty = wire_type(&def);
        let text = if def.secured {
            // TR-106 §A.2.7.1 (secured/hidden): always read as an empty string.
            String::new()
        } else if let Some(table) = def.counts {
            let base = path.strip_suffix(def.name).unwrap_or(&path);
            let table_path = format!("{base}{}.", self.schema.object_segment(table));
            self.list_instances(table, &table_path, keys)?
                .len()
                .to_string()
        } else if path == PARAMETER_KEY {
            self.parameter_key.clone()
        } else {
            let template = self.schema.object(def.object).path;
            let Some(p) = self
                .param_provider(param)
                .and_then(|i| self.tree.provider(i))
            else {
                return Err(no_such(&path));
            };
            p.get(ObjRef { template, keys }, def.name)?
        };
        Ok(ParameterValue {
            name: path,
            value: text,
            value_type: Some(ty),
        })
    }

    /// GetParameterValues (TR-069 §A.3.2.2): full names and partial paths in
    /// any mix; a partial path stands for every parameter below it; the
    /// empty name is `Device.`. One unknown name faults the whole request (9005).
    pub fn get_parameter_values(&mut self, names: &[String]) -> Result<Vec<ParameterValue>, Fault> {
        let mut out = Vec::new();
        for name in names {
            let (params, _) = self.params_below(name)?;
            for (param, path, keys) in params {
                out.push(self.value_of(param, path, &keys)?);
            }
        }
        Ok(out)
    }

    /// GetParameterNames (TR-069 §A.3.2.3). Objects end in `.`; an object is
    /// writable when AddObject (tables) / DeleteObject (instances) is allowed.
    /// NextLevel false: the path itself and everything below; true: only the
    /// level below, and for the empty path just `Device.`. NextLevel true
    /// with a parameter name is 9003.
    pub fn get_parameter_names(
        &mut self,
        path: &str,
        next_level: bool,
    ) -> Result<Vec<ParameterInfo>, Fault> {
        if path.is_empty() && next_level {
            return Ok(vec![ParameterInfo {
                name: "Device.".to_string(),
                writable: false,
            }]);
        }
        let parsed = Path::parse(path)?;
        let target = self.resolve(&parsed)?;
        let mut out = Vec::new();
        match &target {
            Target::Param { .. } if next_level => {
                return Err(Fault::with_string(
                    FaultCode::INVALID_ARGUMENTS,
                    format!("{path}: NextLevel true needs an object path"),
                ))
            }
            Target::Param { .. } => {}
            Target::Object { obj, path: p, .. } if !next_level => {
                out.push(ParameterInfo {
                    name: p.clone(),
                    writable: self.table_writable(*obj),
                });
            }
            Target::Table { obj, path: p, .. } if !next_level => {
                out.push(ParameterInfo {
                    name: p.clone(),
                    writable: self.table_writable(*obj),
                });
            }
            _ => {}
        }
        for item in self.collect(&target, !next_level)? {
            out.push(match item {
                Item::Object { path, writable } => ParameterInfo {
                    name: path,
                    writable,
                },
                Item::Param { param, path, .. } => ParameterInfo {
                    name: path,
                    writable: self.schema.param(param).writable
                        && self.param_provider(param).is_some(),
                },
            });
        }
        Ok(out)
    }

    /// GetParameterAttributes (TR-069 §A.3.2.5).
    pub fn get_parameter_attributes(
        &mut self,
        names: &[String],
    ) -> Result<Vec<ParameterAttribute>, Fault> {
        let mut out = Vec::new();
        for name in names {
            let (params, _) = self.params_below(name)?;
            for (param, path, _) in params {
                let limit = self.schema.param(param).notify;
                out.push(ParameterAttribute {
                    notification: self.attributes.notification(&path, limit),
                    access_list: self.attributes.access_list(&path).to_vec(),
                    name: path,
                });
            }
        }
        Ok(out)
    }

    /// SetParameterAttributes (TR-069 §A.3.2.4), all or nothing. Notification
    /// 0/1/2 only (3–6, lightweight notification, are refused: 9009). Named
    /// explicitly, a forceEnabled parameter refuses anything but 2 and a
    /// canDeny parameter refuses 2 (9009); under a partial path those
    /// parameters keep their setting and the rest change. AccessList knows
    /// only "Subscriber" (§A.3.2.4); anything else is 9003.
    pub fn set_parameter_attributes(
        &mut self,
        list: &[SetParameterAttributesStruct],
    ) -> Result<(), Fault> {
        type Change = (
            String,
            NotifyLimit,
            Option<Notification>,
            Option<Vec<String>>,
        );
        let mut plan: Vec<Change> = Vec::new();
        for s in list {
            if s.notification_change && s.notification > Notification::ACTIVE {
                return Err(Fault::with_string(
                    FaultCode::NOTIFICATION_REQUEST_REJECTED,
                    format!(
                        "{}: notification {} is not supported",
                        s.name, s.notification.0
                    ),
                ));
            }
            if s.access_list_change {
                if let Some(bad) = s.access_list.iter().find(|e| *e != "Subscriber") {
                    return Err(Fault::with_string(
                        FaultCode::INVALID_ARGUMENTS,
                        format!("{}: unknown AccessList entry {bad:?}", s.name),
                    ));
                }
            }
            let (params, explicit) = self.params_below(&s.name)?;
            for (param, path, _) in params {
                let limit = self.schema.param(param).notify;
                let mut notification = None;
                if s.notification_change {
                    let refused = match limit {
                        NotifyLimit::ForceEnabled => s.notification != Notification::ACTIVE,
                        NotifyLimit::CanDeny => s.notification == Notification::ACTIVE,
                        NotifyLimit::Normal | NotifyLimit::ForceDefaultEnabled => false,
                    };
                    if refused && explicit {
                        return Err(Fault::with_string(
                            FaultCode::NOTIFICATION_REQUEST_REJECTED,
                            format!(
                                "{path}: notification {} refused for this parameter",
                                s.notification.0
                            ),
                        ));
                    }
                    if !refused {
                        notification = Some(s.notification);
                    }
                }
                let access = s.access_list_change.then(|| s.access_list.clone());
                plan.push((path, limit, notification, access));
            }
        }
        for (path, limit, notification, access) in plan {
            if let Some(n) = notification {
                self.attributes.set_notification(&path, n, limit);
            }
            if let Some(a) = access {
                self.attributes.set_access_list(&path, a);
            }
        }
        Ok(())
    }

    /// The forced-inform parameters (TR-069 §3.7.1.1 / TR-181 forcedInform)
    /// with their current values, for every Inform.
    pub fn inform_parameters(&mut self) -> Result<Vec<ParameterValue>, Fault> {
        let names: Vec<String> = (0..self.schema.params().len())
            .filter(|&p| self.served[p] && self.schema.param(p).forced_inform)
            .map(|p| self.schema.param_path(p))
            .filter(|p| !p.contains("{i}"))
            .collect();
        let mut out = Vec::new();
        for n in names {
            out.extend(self.get_parameter_values(&[n])?);
        }
        Ok(out)
    }

    /// Values of every parameter whose notification is 1 or 2.
    pub fn watched_values(&mut self) -> Result<Snapshot, Fault> {
        let root = Target::Object {
            obj: 0,
            path: "Device.".to_string(),
            keys: Vec::new(),
        };
        let mut snap = Snapshot::new();
        for item in self.collect(&root, true)? {
            if let Item::Param { param, path, keys } = item {
                let limit = self.schema.param(param).notify;
                if self.attributes.notification(&path, limit) != Notification::OFF {
                    let v = self.value_of(param, path, &keys)?;
                    snap.insert(v.name, v.value);
                }
            }
        }
        Ok(snap)
    }

    /// Value-change detection (TR-069 §3.2.1 `4 VALUE CHANGE`): compares
    /// the watched values with the previous poll; the first poll only sets
    /// the baseline. Changes the ACS made with SetParameterValues are not
    /// reported (the baseline already has them).
    pub fn poll_value_changes(&mut self) -> Result<ChangeReport, Fault> {
        let now = self.watched_values()?;
        let Some(old) = self.baseline.replace(now) else {
            return Ok(ChangeReport::default());
        };
        let new = self.baseline.as_ref().cloned().unwrap_or_default();
        let attrs = &self.attributes;
        let schema = &self.schema;
        let limit_of = |name: &str| -> NotifyLimit {
            let template = Path::parse(name).map(|p| p.template()).unwrap_or_default();
            match schema.lookup(&template) {
                Some(super::schema::Node::Param(i)) => schema.param(i).notify,
                _ => NotifyLimit::Normal,
            }
        };
        let ValueChanges { changed, active } =
            notify::diff(&old, &new, |name| attrs.notification(name, limit_of(name)));
        let mut report = ChangeReport {
            changed: Vec::new(),
            active,
        };
        for name in changed {
            let template = Path::parse(&name).map(|p| p.template()).unwrap_or_default();
            let ty = match schema.lookup(&template) {
                Some(super::schema::Node::Param(i)) => wire_type(schema.param(i)),
                _ => crate::cwmp::xsd::ValueType::String,
            };
            let value = new.get(&name).cloned().unwrap_or_default();
            report.changed.push(ParameterValue {
                name,
                value,
                value_type: Some(ty),
            });
        }
        Ok(report)
    }
}
