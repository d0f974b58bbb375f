//! Change files in the savedir, `/tmp/.uci/<pkg>` (openwrt-reference.md §3.3,
//! libuci `delta.c`).
//!
//! One change per line: `<prefix><pkg>.<section>[.<option>][='<value>']` with
//! prefix `+` add section, none set, `-` delete, `@` rename, `^` reorder,
//! `|` list add, `~` list delete. A line libuci cannot parse or apply is
//! skipped, as libuci does, so one bad line never hides the other changes.

use super::model::Package;
use super::parse::Cursor;
use super::write::quote;
use super::{valid_name, valid_package_name, valid_text, UciError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `+pkg.sec='type'`: an anonymous section with a known generated name.
    AddSection { section: String, stype: String },
    /// `pkg.sec='type'`: create or retype a named section.
    SetSection { section: String, stype: String },
    /// `pkg.sec.opt='value'`.
    SetOption {
        section: String,
        option: String,
        value: String,
    },
    /// `-pkg.sec`.
    DeleteSection { section: String },
    /// `-pkg.sec.opt`.
    DeleteOption { section: String, option: String },
    /// `-pkg.sec.opt='index'`: `index` None when the text is not a usable
    /// index (negative or no digits): then a list is left alone while a plain
    /// option is deleted, as libuci does.
    DeleteListIndex {
        section: String,
        option: String,
        index: Option<usize>,
    },
    /// `@pkg.sec='new'`.
    RenameSection { section: String, new_name: String },
    /// `@pkg.sec.opt='new'`.
    RenameOption {
        section: String,
        option: String,
        new_name: String,
    },
    /// `^pkg.sec='pos'`.
    Reorder { section: String, position: usize },
    /// `|pkg.sec.opt='value'`.
    ListAdd {
        section: String,
        option: String,
        value: String,
    },
    /// `~pkg.sec.opt='value'`.
    ListDel {
        section: String,
        option: String,
        value: String,
    },
}

impl Change {
    /// Apply to a package with libuci's semantics.
    pub fn apply(&self, pkg: &mut Package) -> Result<(), UciError> {
        match self {
            // Setting a section to an empty type deletes it (libuci `uci_set`).
            Change::AddSection { section, stype } | Change::SetSection { section, stype }
                if stype.is_empty() =>
            {
                pkg.delete_section(section)
            }
            Change::AddSection { section, stype } => pkg.add_named_anonymous(section, stype),
            Change::SetSection { section, stype } => pkg.set_section(section, stype),
            Change::SetOption {
                section,
                option,
                value,
            } => pkg.set_option(section, option, value),
            Change::DeleteSection { section } => pkg.delete_section(section),
            Change::DeleteOption { section, option } => pkg.delete_option(section, option),
            Change::DeleteListIndex {
                section,
                option,
                index,
            } => pkg.delete_list_index(section, option, *index),
            Change::RenameSection { section, new_name } => pkg.rename_section(section, new_name),
            Change::RenameOption {
                section,
                option,
                new_name,
            } => pkg.rename_option(section, option, new_name),
            Change::Reorder { section, position } => pkg.reorder(section, *position),
            Change::ListAdd {
                section,
                option,
                value,
            } => pkg.add_list(section, option, value),
            Change::ListDel {
                section,
                option,
                value,
            } => pkg.del_list(section, option, value),
        }
    }

    /// The section this change addresses (by real name).
    pub fn section(&self) -> &str {
        match self {
            Change::AddSection { section, .. }
            | Change::SetSection { section, .. }
            | Change::SetOption { section, .. }
            | Change::DeleteSection { section }
            | Change::DeleteOption { section, .. }
            | Change::DeleteListIndex { section, .. }
            | Change::RenameSection { section, .. }
            | Change::RenameOption { section, .. }
            | Change::Reorder { section, .. }
            | Change::ListAdd { section, .. }
            | Change::ListDel { section, .. } => section,
        }
    }

    /// The option this change addresses, if any.
    pub fn option(&self) -> Option<&str> {
        match self {
            Change::SetOption { option, .. }
            | Change::DeleteOption { option, .. }
            | Change::DeleteListIndex { option, .. }
            | Change::RenameOption { option, .. }
            | Change::ListAdd { option, .. }
            | Change::ListDel { option, .. } => Some(option),
            _ => None,
        }
    }

    /// One delta file line (with its newline) for package `pkg`.
    pub fn to_line(&self, pkg: &str) -> String {
        let target = |section: &str, option: Option<&str>| match option {
            Some(o) => format!("{pkg}.{section}.{o}"),
            None => format!("{pkg}.{section}"),
        };
        let (prefix, path, value) = match self {
            Change::AddSection { section, stype } => {
                ("+", target(section, None), Some(stype.clone()))
            }
            Change::SetSection { section, stype } => {
                ("", target(section, None), Some(stype.clone()))
            }
            Change::SetOption {
                section,
                option,
                value,
            } => ("", target(section, Some(option)), Some(value.clone())),
            Change::DeleteSection { section } => ("-", target(section, None), None),
            Change::DeleteOption { section, option } => ("-", target(section, Some(option)), None),
            Change::DeleteListIndex {
                section,
                option,
                index,
            } => (
                "-",
                target(section, Some(option)),
                Some(index.map_or_else(|| "-1".to_string(), |i| i.to_string())),
            ),
            Change::RenameSection { section, new_name } => {
                ("@", target(section, None), Some(new_name.clone()))
            }
            Change::RenameOption {
                section,
                option,
                new_name,
            } => ("@", target(section, Some(option)), Some(new_name.clone())),
            Change::Reorder { section, position } => {
                ("^", target(section, None), Some(position.to_string()))
            }
            Change::ListAdd {
                section,
                option,
                value,
            } => ("|", target(section, Some(option)), Some(value.clone())),
            Change::ListDel {
                section,
                option,
                value,
            } => ("~", target(section, Some(option)), Some(value.clone())),
        };
        match value {
            Some(v) => format!("{prefix}{path}={}\n", quote(&v)),
            None => format!("{prefix}{path}\n"),
        }
    }
}

/// Parse one delta entry (already unquoted) into a change for `pkg`; None if
/// libuci would reject it (`uci_parse_delta_tuple`, `uci_parse_ptr`).
fn parse_entry(arg: &str, pkg: &str) -> Option<Change> {
    let (prefix, rest) = match arg.as_bytes().first() {
        Some(b'+' | b'-' | b'@' | b'^' | b'|' | b'~') => arg.split_at(1),
        _ => ("", arg),
    };
    let (path, value) = match rest.split_once('=') {
        Some((p, v)) => (p, Some(v.to_string())),
        None => (rest, None),
    };
    let mut parts = path.split('.');
    let package = parts.next()?;
    let section = parts.next()?.to_string();
    let option = parts.next().map(str::to_string);
    if parts.next().is_some() || !valid_package_name(package) || package != pkg {
        return None;
    }
    // `@type[i]` references never appear in delta files.
    if !valid_name(&section) {
        return None;
    }
    if option.as_deref().is_some_and(|o| !valid_name(o)) {
        return None;
    }
    if value.as_deref().is_some_and(|v| !valid_text(v)) {
        return None;
    }
    if prefix != "-" && value.is_none() {
        return None;
    }
    let v = value.unwrap_or_default();
    Some(match (prefix, option) {
        ("+", None) => Change::AddSection { section, stype: v },
        ("+", Some(option)) | ("", Some(option)) => Change::SetOption {
            section,
            option,
            value: v,
        },
        ("", None) => Change::SetSection { section, stype: v },
        ("-", None) => Change::DeleteSection { section },
        ("-", Some(option)) if v.is_empty() => Change::DeleteOption { section, option },
        ("-", Some(option)) => Change::DeleteListIndex {
            section,
            option,
            index: leading_int(&v),
        },
        ("@", None) => {
            if !valid_name(&v) {
                return None;
            }
            Change::RenameSection {
                section,
                new_name: v,
            }
        }
        ("@", Some(option)) => {
            if !valid_name(&v) {
                return None;
            }
            Change::RenameOption {
                section,
                option,
                new_name: v,
            }
        }
        ("^", None) => Change::Reorder {
            section,
            position: leading_uint(&v),
        },
        ("|", Some(option)) => Change::ListAdd {
            section,
            option,
            value: v,
        },
        ("~", Some(option)) => Change::ListDel {
            section,
            option,
            value: v,
        },
        _ => return None,
    })
}

/// `sscanf("%d")` for a list index: leading blanks, optional sign, digits.
fn leading_int(s: &str) -> Option<usize> {
    let t = s.trim_start();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    let n: usize = digits.get(..end)?.parse().ok()?;
    if neg && n != 0 {
        return None;
    }
    Some(n)
}

/// `strtoul` for a reorder position (no digits gives 0).
fn leading_uint(s: &str) -> usize {
    let t = s.trim_start();
    let t = t.strip_prefix('+').unwrap_or(t);
    let end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    t.get(..end).and_then(|d| d.parse().ok()).unwrap_or(0)
}

/// Parse a delta file's text for package `pkg`: the changes libuci would
/// apply, in order. Lines libuci would reject are dropped.
pub fn parse_changes(text: &[u8], pkg: &str) -> Vec<Change> {
    let mut out = Vec::new();
    let mut cur = Cursor::new(text);
    while !cur.at_eof() {
        cur.start_line();
        if cur.line_is_empty() {
            continue;
        }
        let Ok(arg) = cur.next_arg() else { continue };
        if !cur.rest_is_empty() {
            continue;
        }
        if let Some(change) = parse_entry(&arg, pkg) {
            out.push(change);
        }
    }
    out
}

/// Replay a delta file onto `pkg`; changes that do not apply (missing
/// section…) are skipped like libuci does. Returns how many applied.
pub fn replay(pkg: &mut Package, text: &[u8]) -> usize {
    let name = pkg.name.clone();
    parse_changes(text, &name)
        .iter()
        .filter(|c| c.apply(pkg).is_ok())
        .count()
}
