//! Object and parameter definitions (TR-106 §3 / TR-181 Device:2): type,
//! access, list, ranges, enumerations, maximum length and notification
//! limits. The TR-181 part is the generated table `tr181_table.rs`; vendors
//! add `X_<OUI>_` parameters with [`Schema::add_param`].
//!
//! Paths here are *templates*: `{i}` stands for an instance number
//! (`Device.IP.Interface.{i}.Stats.`).

use std::collections::BTreeMap;

use crate::cwmp::xsd::ValueType;

/// CWMP base types (TR-106 §3.2, TR-069 §A.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BaseType {
    String,
    Int,
    UnsignedInt,
    Long,
    UnsignedLong,
    Boolean,
    DateTime,
    Base64,
    HexBinary,
    Decimal,
}

impl BaseType {
    /// The `xsi:type` used on the wire for a value of this type.
    pub fn value_type(self) -> ValueType {
        match self {
            BaseType::String => ValueType::String,
            BaseType::Int => ValueType::Int,
            BaseType::UnsignedInt => ValueType::UnsignedInt,
            BaseType::Long => ValueType::Long,
            BaseType::UnsignedLong => ValueType::UnsignedLong,
            BaseType::Boolean => ValueType::Boolean,
            BaseType::DateTime => ValueType::DateTime,
            BaseType::Base64 => ValueType::Base64,
            BaseType::HexBinary => ValueType::HexBinary,
            BaseType::Decimal => ValueType::Decimal,
        }
    }

    /// The value a parameter of this type has when nothing was set.
    pub fn zero(self) -> &'static str {
        match self {
            BaseType::Int
            | BaseType::UnsignedInt
            | BaseType::Long
            | BaseType::UnsignedLong
            | BaseType::Decimal => "0",
            BaseType::Boolean => "false",
            // TR-106 §3.2.2: the Unknown Time.
            BaseType::DateTime => "0001-01-01T00:00:00Z",
            BaseType::String | BaseType::Base64 | BaseType::HexBinary => "",
        }
    }
}

/// The `activeNotify` facet of a parameter (TR-106 §A.2.7.1 / TR-069 §A.3.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotifyLimit {
    /// Any of 0/1/2 may be set; default off.
    Normal,
    /// Active notification is always on and cannot be turned off.
    ForceEnabled,
    /// Active by default; the ACS may turn it off.
    ForceDefaultEnabled,
    /// The CPE may refuse active notification (fast-changing values such as
    /// counters); we always refuse it.
    CanDeny,
}

/// A string format from a TR-106 named data type that we check
/// (TR-106 §3.2 / tr-106-types.xml patterns). Both allow the empty string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Any,
    /// Dotted-quad IPv4 address (TR-106 `IPv4Address`).
    Ipv4Address,
    /// Six colon-separated hex pairs (TR-106 `MACAddress`).
    MacAddress,
}

/// An inclusive integer range facet; `None` means unbounded on that side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub min: Option<i64>,
    pub max: Option<i64>,
}

/// One object. Multi-instance objects (tables) end in `{i}.`; for them
/// `writable` means AddObject/DeleteObject are allowed (TR-106 §A.2.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectDef {
    pub path: &'static str,
    pub multi: bool,
    pub writable: bool,
    pub max_entries: Option<u32>,
}

/// The defaults generated table entries start from (`..OBJ`).
pub const OBJ: ObjectDef = ObjectDef {
    path: "",
    multi: false,
    writable: false,
    max_entries: None,
};

/// One parameter: `object` is the index of its object in the object list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamDef {
    pub object: usize,
    pub name: &'static str,
    pub ty: BaseType,
    /// A comma-separated list of `ty` items, sent as `xsd:string` (TR-106 §3.2.3).
    pub list: bool,
    pub writable: bool,
    /// Always sent in Inform (TR-069 §3.7.1.1 / TR-181 forcedInform).
    pub forced_inform: bool,
    pub notify: NotifyLimit,
    /// Passwords and keys: read back as an empty string (TR-106 §A.2.7.1 secured/hidden).
    pub secured: bool,
    /// Maximum length of the string (or of the whole list for lists).
    pub max_length: Option<u32>,
    /// Allowed ranges; a value must lie in one of them (empty: any).
    pub ranges: &'static [Range],
    /// Allowed values for strings (empty: any).
    pub enums: &'static [&'static str],
    /// For `…NumberOfEntries`: the table whose instances it counts. The
    /// engine answers these itself from the instance list.
    pub counts: Option<usize>,
    /// Named-type format checked on writes.
    pub format: Format,
}

/// The defaults generated table entries start from (`..PARAM`).
pub const PARAM: ParamDef = ParamDef {
    object: 0,
    name: "",
    ty: BaseType::String,
    list: false,
    writable: false,
    forced_inform: false,
    notify: NotifyLimit::Normal,
    secured: false,
    max_length: None,
    ranges: &[],
    enums: &[],
    counts: None,
    format: Format::Any,
};

/// A schema node found by template path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    Object(usize),
    Param(usize),
}

/// The parameters and objects we implement, indexed for lookup by template
/// path and for walking children in schema order.
#[derive(Debug, Clone)]
pub struct Schema {
    objects: Vec<ObjectDef>,
    params: Vec<ParamDef>,
    index: BTreeMap<String, Node>,
    /// Per object: child objects (index) and own parameters (index), in order.
    child_objects: Vec<Vec<usize>>,
    child_params: Vec<Vec<usize>>,
    parent: Vec<Option<usize>>,
}

/// Why a vendor definition was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError(pub String);

/// The parent template of an object template: `A.B.{i}.` → `A.`, `A.B.` → `A.`.
pub fn parent_template(path: &str) -> Option<&str> {
    let t = path.strip_suffix('.')?;
    let t = t.strip_suffix(".{i}").unwrap_or(t);
    let cut = t.rfind('.')?;
    path.get(..=cut)
}

impl Schema {
    /// The TR-181 parameters we implement (the generated table).
    pub fn tr181() -> Schema {
        let mut s = Schema {
            objects: Vec::new(),
            params: Vec::new(),
            index: BTreeMap::new(),
            child_objects: Vec::new(),
            child_params: Vec::new(),
            parent: Vec::new(),
        };
        for o in super::tr181_table::OBJECTS {
            // The generated table is ordered parents first (TSV order).
            let _ = s.push_object(o.clone());
        }
        for p in super::tr181_table::PARAMS {
            let _ = s.push_param(p.clone());
        }
        s
    }

    fn push_object(&mut self, def: ObjectDef) -> Result<usize, SchemaError> {
        if self.index.contains_key(def.path) {
            return Err(SchemaError(format!("{} defined twice", def.path)));
        }
        let parent = match parent_template(def.path) {
            None => None,
            Some(p) => match self.index.get(p) {
                Some(Node::Object(i)) => Some(*i),
                _ => return Err(SchemaError(format!("{}: parent {p} not defined", def.path))),
            },
        };
        let idx = self.objects.len();
        self.index.insert(def.path.to_string(), Node::Object(idx));
        if let Some(p) = parent {
            self.child_objects[p].push(idx);
        }
        self.parent.push(parent);
        self.objects.push(def);
        self.child_objects.push(Vec::new());
        self.child_params.push(Vec::new());
        Ok(idx)
    }

    fn push_param(&mut self, def: ParamDef) -> Result<usize, SchemaError> {
        let Some(obj) = self.objects.get(def.object) else {
            return Err(SchemaError(format!(
                "{}: no object {}",
                def.name, def.object
            )));
        };
        let path = format!("{}{}", obj.path, def.name);
        if def.name.is_empty() || def.name.contains('.') || self.index.contains_key(&path) {
            return Err(SchemaError(format!("{path}: bad or duplicate name")));
        }
        let idx = self.params.len();
        self.index.insert(path, Node::Param(idx));
        self.child_params[def.object].push(idx);
        self.params.push(def);
        Ok(idx)
    }

    /// Adds a vendor object (`…X_<OUI>_Name.`); its parent must exist.
    pub fn add_object(&mut self, def: ObjectDef) -> Result<usize, SchemaError> {
        self.push_object(def)
    }

    /// Adds a vendor parameter to the object at template path `object`.
    pub fn add_param(&mut self, object: &str, mut def: ParamDef) -> Result<usize, SchemaError> {
        match self.index.get(object) {
            Some(Node::Object(i)) => def.object = *i,
            _ => return Err(SchemaError(format!("{object}: no such object"))),
        }
        self.push_param(def)
    }

    pub fn lookup(&self, template: &str) -> Option<Node> {
        self.index.get(template).copied()
    }

    pub fn object(&self, idx: usize) -> &ObjectDef {
        &self.objects[idx]
    }

    pub fn param(&self, idx: usize) -> &ParamDef {
        &self.params[idx]
    }

    pub fn objects(&self) -> &[ObjectDef] {
        &self.objects
    }

    pub fn params(&self) -> &[ParamDef] {
        &self.params
    }

    pub fn child_objects(&self, idx: usize) -> &[usize] {
        &self.child_objects[idx]
    }

    pub fn child_params(&self, idx: usize) -> &[usize] {
        &self.child_params[idx]
    }

    pub fn parent(&self, idx: usize) -> Option<usize> {
        self.parent[idx]
    }

    /// Full template path of a parameter.
    pub fn param_path(&self, idx: usize) -> String {
        let p = &self.params[idx];
        format!("{}{}", self.objects[p.object].path, p.name)
    }

    /// The last segment of an object template (`Interface` for
    /// `Device.IP.Interface.{i}.`), which is how it appears under its parent.
    pub fn object_segment(&self, idx: usize) -> &str {
        let path = self.objects[idx].path;
        let t = path.strip_suffix('.').unwrap_or(path);
        let t = t.strip_suffix(".{i}").unwrap_or(t);
        t.rsplit('.').next().unwrap_or(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_table_loads_completely() {
        let s = Schema::tr181();
        assert_eq!(s.objects().len(), super::super::tr181_table::OBJECTS.len());
        assert_eq!(s.params().len(), super::super::tr181_table::PARAMS.len());
        assert_eq!(s.lookup("Device."), Some(Node::Object(0)));
        assert!(matches!(
            s.lookup("Device.IP.Interface.{i}.Stats.BytesSent"),
            Some(Node::Param(_))
        ));
    }

    #[test]
    fn parent_templates() {
        assert_eq!(
            parent_template("Device.IP.Interface.{i}."),
            Some("Device.IP.")
        );
        assert_eq!(parent_template("Device.IP."), Some("Device."));
        assert_eq!(parent_template("Device."), None);
    }

    #[test]
    fn vendor_param_needs_an_existing_object() {
        let mut s = Schema::tr181();
        let def = ParamDef {
            name: "X_0000FF_Flag",
            ty: BaseType::Boolean,
            writable: true,
            ..PARAM
        };
        assert!(s.add_param("Device.Nope.", def.clone()).is_err());
        assert!(s.add_param("Device.DeviceInfo.", def.clone()).is_ok());
        assert!(
            s.add_param("Device.DeviceInfo.", def).is_err(),
            "duplicate refused"
        );
    }
}
