//! UCI-backed parameters as declarative rows (DESIGN.md: "a parameter that
//! is one UCI option is one line"), and the staging they share.
//!
//! Every UCI-backed provider of one data model holds the same [`UciStage`],
//! so a SetParameterValues touching `cwmp` and `system` is one UCI
//! transaction: the first provider's `commit` writes all packages
//! (`Store::commit_with`), the others find nothing left to do.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use crate::backend::uci::{Package, Store, Transaction, UciError};
use crate::config::Config;
use crate::cwmp::rpc::parameters::ApplyStatus;
use crate::cwmp::xsd;
use crate::cwmp::{Fault, FaultCode};
use crate::datamodel::{ObjRef, Provider};

/// How the UCI text maps to the TR-181 value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// UCI `1`/`0` (also `on`, `yes`, `true`...) ↔ TR-106 `true`/`false`.
    Bool,
    /// Written, but reads back empty (TR-181: passwords read as "").
    Secret,
    /// A POSIX TZ string (src/model/tz.rs); one that does not parse is
    /// refused with 9007 rather than written for every program to misread.
    PosixTz,
}

/// One parameter = one UCI option.
#[derive(Debug, Clone, Copy)]
pub struct UciParam {
    /// Parameter name inside its object (`URL`).
    pub name: &'static str,
    pub package: &'static str,
    /// Section name or `@type[n]`.
    pub section: &'static str,
    pub option: &'static str,
    /// Read when the option is not set (the agent's own default).
    pub default: &'static str,
    pub kind: Kind,
}

/// One staged write.
#[derive(Debug, Clone)]
pub enum Op {
    /// `uci set package.section.option=value` (a missing named section is
    /// created with its name as type, as the `cwmp` package does).
    Set {
        package: String,
        section: String,
        option: String,
        value: String,
    },
    /// The list option replaced by exactly `items` (none: deleted).
    SetList {
        package: String,
        section: String,
        option: String,
        items: Vec<String>,
    },
    /// `uci set package.name=stype`.
    AddSection {
        package: String,
        name: String,
        stype: String,
    },
    /// `uci delete package.name`.
    DeleteSection { package: String, name: String },
}

impl Op {
    fn package(&self) -> &str {
        match self {
            Op::Set { package, .. }
            | Op::SetList { package, .. }
            | Op::AddSection { package, .. }
            | Op::DeleteSection { package, .. } => package,
        }
    }
}

/// The UCI store plus the writes staged by the current RPC.
#[derive(Debug)]
pub struct UciStage {
    store: Store,
    ops: Vec<Op>,
    /// Parsed packages with the file stamps they were read at: a
    /// GetParameterValues `Device.` reads `network` once per interface
    /// parameter, and parsing it each time was most of its cost. A stamp
    /// that differs (a `uci commit` renames a new file in, `uci set`
    /// appends to the delta) means a fresh read.
    cache: RefCell<BTreeMap<String, (Stamp, Rc<Package>)>>,
}

/// What identifies one version of a file: device, inode, size, mtime.
type FileStamp = Option<(u64, u64, u64, i64, i64)>;
/// The config file's and the delta file's stamps.
type Stamp = (FileStamp, FileStamp);

fn file_stamp(path: &std::path::Path) -> FileStamp {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino(), m.size(), m.mtime(), m.mtime_nsec()))
}

pub type SharedStage = Rc<RefCell<UciStage>>;

fn uci_fault(e: UciError) -> Fault {
    Fault::with_string(FaultCode::INTERNAL_ERROR, format!("uci: {e}"))
}

impl UciStage {
    pub fn new(store: Store) -> SharedStage {
        Rc::new(RefCell::new(UciStage {
            store,
            ops: Vec::new(),
            cache: RefCell::new(BTreeMap::new()),
        }))
    }

    /// The committed package (pending `uci set` deltas included), if readable.
    pub fn package(&self, package: &str) -> Option<Rc<Package>> {
        let stamp = (
            file_stamp(&self.store.config_path(package)),
            file_stamp(&self.store.delta_path(package)),
        );
        if let Some((seen, pkg)) = self.cache.borrow().get(package) {
            if *seen == stamp {
                return Some(pkg.clone());
            }
        }
        // Stamped before reading: a change during the read only makes the
        // next call read again.
        let pkg = Rc::new(self.store.load(package).ok()?);
        self.cache
            .borrow_mut()
            .insert(package.to_string(), (stamp, pkg.clone()));
        Some(pkg)
    }

    /// A committed option value (pending `uci set` deltas included, as `uci get` shows).
    pub fn get(&self, package: &str, section: &str, option: &str) -> Option<String> {
        let pkg = self.package(package)?;
        match pkg.get(section, option)? {
            crate::backend::uci::Value::Single(s) => Some(s.clone()),
            crate::backend::uci::Value::List(l) => Some(l.join(" ")),
        }
    }

    /// A transaction holding every staged write.
    fn replay(&self) -> Result<Transaction<'_>, UciError> {
        let mut txn = Transaction::new(&self.store);
        // Start from the cached parses; the commit re-reads under lock.
        for op in &self.ops {
            if let Some(pkg) = self.package(op.package()) {
                txn.seed(op.package(), Package::clone(&pkg));
            }
        }
        for op in &self.ops {
            match op {
                Op::Set {
                    package,
                    section,
                    option,
                    value,
                } => {
                    if txn.section(package, section)?.is_none() && !section.starts_with('@') {
                        // Named sections of the agent's own package are named
                        // after their type (`config acs 'acs'`): create one.
                        txn.set_section(package, section, section)?;
                    }
                    txn.set_option(package, section, option, value)?;
                }
                Op::SetList {
                    package,
                    section,
                    option,
                    items,
                } => {
                    let items: Vec<&str> = items.iter().map(String::as_str).collect();
                    txn.set_list(package, section, option, &items)?
                }
                Op::AddSection {
                    package,
                    name,
                    stype,
                } => txn.set_section(package, name, stype)?,
                Op::DeleteSection { package, name } => txn.delete_section(package, name)?,
            }
        }
        Ok(txn)
    }

    /// The staged `cwmp` package must still be a configuration the agent
    /// accepts (`cwmpd check-config`); `Err` names the bad options.
    fn check_cwmp(txn: &mut Transaction<'_>) -> Result<(), String> {
        let pkg = txn.package("cwmp").map_err(|e| e.to_string())?;
        Config::from_package(pkg)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Stages `option = value`; refused (9007) when the write cannot apply
    /// or leaves `cwmp.<section>.<option>` invalid.
    pub fn stage(&mut self, op: Op) -> Result<(), Fault> {
        let label = match &op {
            Op::Set {
                package,
                section,
                option,
                ..
            }
            | Op::SetList {
                package,
                section,
                option,
                ..
            } => format!("{package}.{section}.{option}"),
            Op::AddSection { package, name, .. } | Op::DeleteSection { package, name } => {
                format!("{package}.{name}")
            }
        };
        let touches_cwmp = op.package() == "cwmp";
        self.ops.push(op);
        let checked = match self.replay() {
            Err(e) => Err(e.to_string()),
            Ok(mut txn) if touches_cwmp => match Self::check_cwmp(&mut txn) {
                // Only a complaint about this very option refuses it; a
                // combination is judged at commit.
                Err(why) if why.contains(&label) => Err(why),
                _ => Ok(()),
            },
            Ok(_) => Ok(()),
        };
        checked.map_err(|why| {
            self.ops.pop();
            Fault::with_string(FaultCode::INVALID_PARAMETER_VALUE, why)
        })
    }

    /// Writes every staged change in one UCI commit, or nothing.
    pub fn commit(&mut self) -> Result<ApplyStatus, Fault> {
        if self.ops.is_empty() {
            return Ok(ApplyStatus::Applied);
        }
        let result = (|| {
            let mut txn = self.replay().map_err(uci_fault)?;
            if self.ops.iter().any(|o| o.package() == "cwmp") {
                Self::check_cwmp(&mut txn)
                    .map_err(|why| Fault::with_string(FaultCode::INVALID_PARAMETER_VALUE, why))?;
            }
            txn.commit().map_err(uci_fault)
        })();
        self.ops.clear();
        result.map(|()| ApplyStatus::Applied)
    }

    pub fn revert(&mut self) {
        self.ops.clear();
    }
}

/// A provider serving a table of [`UciParam`]s of one object.
pub struct UciParams {
    pub stage: SharedStage,
    pub rows: &'static [UciParam],
}

impl UciParams {
    fn row(&self, name: &str) -> Result<&'static UciParam, Fault> {
        self.rows
            .iter()
            .find(|r| r.name == name)
            .ok_or_else(|| Fault::with_string(FaultCode::INVALID_PARAMETER_NAME, name.to_string()))
    }
}

/// TR-106 boolean text of a UCI boolean (libuci/`config_get_bool` spellings).
pub fn uci_bool(text: &str) -> bool {
    matches!(text.trim(), "1" | "on" | "yes" | "true" | "enabled")
}

impl Provider for UciParams {
    fn get(&mut self, _obj: ObjRef<'_>, name: &str) -> Result<String, Fault> {
        let row = self.row(name)?;
        if row.kind == Kind::Secret {
            return Ok(String::new());
        }
        let raw = self
            .stage
            .borrow()
            .get(row.package, row.section, row.option)
            .unwrap_or_else(|| row.default.to_string());
        Ok(match row.kind {
            Kind::Bool => xsd::format_bool(uci_bool(&raw)).to_string(),
            Kind::Text | Kind::Secret | Kind::PosixTz => raw,
        })
    }

    fn instances(&mut self, _table: ObjRef<'_>) -> Result<Vec<String>, Fault> {
        Ok(Vec::new())
    }

    fn set(&mut self, _obj: ObjRef<'_>, name: &str, value: &str) -> Result<(), Fault> {
        let row = self.row(name)?;
        let value = match row.kind {
            Kind::Bool => if value == "true" { "1" } else { "0" }.to_string(),
            Kind::PosixTz => {
                super::tz::PosixTz::parse(value).map_err(|e| {
                    Fault::with_string(FaultCode::INVALID_PARAMETER_VALUE, e.to_string())
                })?;
                value.to_string()
            }
            Kind::Text | Kind::Secret => value.to_string(),
        };
        self.stage.borrow_mut().stage(Op::Set {
            package: row.package.to_string(),
            section: row.section.to_string(),
            option: row.option.to_string(),
            value,
        })
    }

    fn commit(&mut self) -> Result<ApplyStatus, Fault> {
        self.stage.borrow_mut().commit()
    }

    fn revert(&mut self) {
        self.stage.borrow_mut().revert()
    }
}
