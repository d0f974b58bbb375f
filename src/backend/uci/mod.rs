//! UCI configuration files (openwrt-reference.md §3): read, change, write.
//!
//! Grammar (libuci `file.c`): `config <type> ['<name>']`, `option <name>
//! <value>`, `list <name> <value>`, `package <name>`; keywords may be
//! abbreviated to their first letter; `;` separates commands; `#` outside
//! quotes starts a comment; `'…'` is literal, `"…"` and bare words take a
//! backslash as "next character literally"; a backslash before the newline
//! continues the line. Writing follows `uci export`: one section per
//! block, values single-quoted, `'` written as `'\''`.

pub mod parse;

use std::fs;
use std::io;
use std::path::Path;

pub use parse::{parse, ParseError};

/// An option's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Single(String),
    List(Vec<String>),
}

/// One `config` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// `None` for an anonymous section.
    pub name: Option<String>,
    pub stype: String,
    pub options: Vec<(String, Value)>,
}

impl Section {
    pub fn get(&self, option: &str) -> Option<&Value> {
        self.options
            .iter()
            .find(|(k, _)| k == option)
            .map(|(_, v)| v)
    }

    /// The option as a single string (a list gives its items joined by a
    /// space, as `uci get` prints them).
    pub fn get_str(&self, option: &str) -> Option<String> {
        match self.get(option)? {
            Value::Single(s) => Some(s.clone()),
            Value::List(items) => Some(items.join(" ")),
        }
    }

    pub fn set(&mut self, option: &str, value: Value) {
        match self.options.iter_mut().find(|(k, _)| k == option) {
            Some((_, v)) => *v = value,
            None => self.options.push((option.to_string(), value)),
        }
    }

    pub fn remove(&mut self, option: &str) {
        self.options.retain(|(k, _)| k != option);
    }
}

/// One configuration file (`/etc/config/<package>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Package {
    pub sections: Vec<Section>,
}

impl Package {
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections
            .iter()
            .find(|s| s.name.as_deref() == Some(name))
    }

    pub fn section_mut(&mut self, name: &str) -> Option<&mut Section> {
        self.sections
            .iter_mut()
            .find(|s| s.name.as_deref() == Some(name))
    }

    /// `section.option` as a string.
    pub fn get(&self, section: &str, option: &str) -> Option<String> {
        self.section(section)?.get_str(option)
    }

    /// Sets `section.option`, creating the named section with type
    /// `stype` if it does not exist.
    pub fn set(&mut self, section: &str, stype: &str, option: &str, value: &str) {
        if self.section(section).is_none() {
            self.sections.push(Section {
                name: Some(section.to_string()),
                stype: stype.to_string(),
                options: Vec::new(),
            });
        }
        if let Some(s) = self.section_mut(section) {
            s.set(option, Value::Single(value.to_string()));
        }
    }

    /// The text `uci export` would print for this package, without the
    /// `package` line (the form of a file in /etc/config).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for s in &self.sections {
            out.push_str("\nconfig ");
            out.push_str(&s.stype);
            if let Some(name) = &s.name {
                out.push(' ');
                out.push_str(&quote(name));
            }
            out.push('\n');
            for (k, v) in &s.options {
                match v {
                    Value::Single(v) => {
                        out.push_str(&format!("\toption {k} {}\n", quote(v)));
                    }
                    Value::List(items) => {
                        for item in items {
                            out.push_str(&format!("\tlist {k} {}\n", quote(item)));
                        }
                    }
                }
            }
        }
        out.push('\n');
        out
    }
}

/// Single-quotes a value the way libuci's writer does (`'` → `'\''`).
pub fn quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "'\\''"))
}

/// Reads and parses a package file. A missing file is an empty package.
pub fn load(path: &Path) -> Result<Package, String> {
    match fs::read(path) {
        Ok(bytes) => {
            parse(&String::from_utf8_lossy(&bytes)).map_err(|e| format!("{}: {e}", path.display()))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Package::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Writes a package atomically (temp file + fsync + rename), keeping the
/// file's permission bits, as `uci commit` does.
pub fn save(path: &Path, package: &Package) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path).map(|m| m.permissions().mode()).ok();
    crate::store::write_atomically(path, package.to_text().as_bytes())?;
    if let Some(mode) = mode {
        fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}
