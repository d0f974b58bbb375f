//! The in-memory form of a UCI package and its edits.
//!
//! Edits follow libuci's semantics (openwrt/uci `list.c`) so that replaying a
//! delta file here gives what `uci show` gives: an option whose value changes
//! moves to the end of its section, setting an empty value deletes, adding a
//! list item to a plain option turns it into a list.

use super::{valid_name, valid_text, valid_type, UciError};

/// An option's value: `option` lines give `Single`, `list` lines give `List`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Single(String),
    List(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The section's name; for anonymous sections the generated `cfgXXXXXX`.
    pub name: String,
    pub stype: String,
    pub anonymous: bool,
    /// Options in file order.
    pub options: Vec<(String, Value)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    pub sections: Vec<Section>,
    /// Sections ever created in this load; libuci's `n_section`, the counter
    /// part of generated anonymous names.
    created: u32,
}

/// libuci's djb hash step (`list.c` `djbhash`), masked to 31 bits after
/// every string. C `char` is signed on the x86/MIPS targets; names are only
/// hashed over section types, which are printable ASCII, so the sign never
/// matters for names we generate.
fn djb(mut hash: u32, s: &str) -> u32 {
    for b in s.bytes() {
        hash = (hash << 5)
            .wrapping_add(hash)
            .wrapping_add(b as i8 as i32 as u32);
    }
    hash & 0x7FFF_FFFF
}

/// The name libuci gives an anonymous section when it is created:
/// `cfg` + counter (`%02x`) + 16 bits of the hash of the type and the options
/// it has at that moment (none, when created by a `config` line or `add`).
pub fn anonymous_name(counter: u32, section: &Section) -> String {
    let mut hash = djb(5381, &section.stype);
    for (name, value) in &section.options {
        hash = djb(hash, name);
        if let Value::Single(v) = value {
            hash = djb(hash, v);
        }
    }
    format!("cfg{:02x}{:04x}", counter, hash % (1 << 16))
}

impl Section {
    pub fn get(&self, option: &str) -> Option<&Value> {
        self.options
            .iter()
            .find(|(n, _)| n == option)
            .map(|(_, v)| v)
    }

    /// The value of a plain option (None for a missing option or a list).
    pub fn get_str(&self, option: &str) -> Option<&str> {
        match self.get(option) {
            Some(Value::Single(s)) => Some(s),
            _ => None,
        }
    }

    /// The items of a list option; a plain option counts as one item.
    pub fn get_list(&self, option: &str) -> Vec<&str> {
        match self.get(option) {
            Some(Value::Single(s)) => vec![s.as_str()],
            Some(Value::List(items)) => items.iter().map(String::as_str).collect(),
            None => Vec::new(),
        }
    }

    fn option_index(&self, option: &str) -> Option<usize> {
        self.options.iter().position(|(n, _)| n == option)
    }
}

fn check_name(what: &str, name: &str) -> Result<(), UciError> {
    if valid_name(name) {
        Ok(())
    } else {
        Err(UciError::Invalid(format!(
            "{what} name {name:?} (only A-Z a-z 0-9 _ allowed)"
        )))
    }
}

fn check_type(stype: &str) -> Result<(), UciError> {
    if valid_type(stype) {
        Ok(())
    } else {
        Err(UciError::Invalid(format!(
            "section type {stype:?} (printable characters without blanks)"
        )))
    }
}

fn check_text(value: &str) -> Result<(), UciError> {
    if valid_text(value) {
        Ok(())
    } else {
        Err(UciError::Invalid(format!(
            "value {value:?} contains control characters"
        )))
    }
}

impl Package {
    pub fn new(name: &str) -> Package {
        Package {
            name: name.to_string(),
            sections: Vec::new(),
            created: 0,
        }
    }

    /// Index of a section given by name, `@type[i]` or `@[i]` (negative `i`
    /// counts from the end; libuci `uci_lookup_ext_section`).
    pub fn section_index(&self, sref: &str) -> Option<usize> {
        let Some(ext) = sref.strip_prefix('@') else {
            return self.sections.iter().position(|s| s.name == sref);
        };
        let (stype, rest) = ext.split_once('[')?;
        let idx: i64 = rest.strip_suffix(']')?.trim_start().parse().ok()?;
        if !stype.is_empty() && !valid_type(stype) {
            return None;
        }
        let matching: Vec<usize> = self
            .sections
            .iter()
            .enumerate()
            .filter(|(_, s)| stype.is_empty() || s.stype == stype)
            .map(|(i, _)| i)
            .collect();
        let idx = if idx < 0 {
            idx + matching.len() as i64
        } else {
            idx
        };
        usize::try_from(idx)
            .ok()
            .and_then(|i| matching.get(i).copied())
    }

    pub fn section(&self, sref: &str) -> Option<&Section> {
        self.section_index(sref).and_then(|i| self.sections.get(i))
    }

    pub fn sections_of_type<'a>(&'a self, stype: &'a str) -> impl Iterator<Item = &'a Section> {
        self.sections.iter().filter(move |s| s.stype == stype)
    }

    pub fn get(&self, sref: &str, option: &str) -> Option<&Value> {
        self.section(sref).and_then(|s| s.get(option))
    }

    pub fn get_str(&self, sref: &str, option: &str) -> Option<&str> {
        self.section(sref).and_then(|s| s.get_str(option))
    }

    /// The `@type[i]` reference `uci show` prints for a section.
    pub fn extended_ref(&self, index: usize) -> Option<String> {
        let s = self.sections.get(index)?;
        if !s.anonymous {
            return Some(s.name.clone());
        }
        let nth = self.sections[..index]
            .iter()
            .filter(|o| o.stype == s.stype)
            .count();
        Some(format!("@{}[{}]", s.stype, nth))
    }

    fn section_mut(&mut self, sref: &str) -> Result<&mut Section, UciError> {
        let pkg = self.name.clone();
        self.section_index(sref)
            .and_then(|i| self.sections.get_mut(i))
            .ok_or_else(|| UciError::NotFound(format!("{pkg}.{sref}")))
    }

    fn push_section(&mut self, section: Section) {
        self.sections.push(section);
    }

    /// Create a named section, or change the type of an existing one
    /// (`uci set pkg.name=type`).
    pub fn set_section(&mut self, name: &str, stype: &str) -> Result<(), UciError> {
        check_type(stype)?;
        if let Some(i) = self.section_index(name) {
            if let Some(s) = self.sections.get_mut(i) {
                s.stype = stype.to_string();
            }
            return Ok(());
        }
        check_name("section", name)?;
        self.created += 1;
        self.push_section(Section {
            name: name.to_string(),
            stype: stype.to_string(),
            anonymous: false,
            options: Vec::new(),
        });
        Ok(())
    }

    /// Append an anonymous section (`uci add pkg type`); returns its name.
    pub fn add_section(&mut self, stype: &str) -> Result<String, UciError> {
        check_type(stype)?;
        self.created += 1;
        let mut section = Section {
            name: String::new(),
            stype: stype.to_string(),
            anonymous: true,
            options: Vec::new(),
        };
        section.name = anonymous_name(self.created, &section);
        let name = section.name.clone();
        self.push_section(section);
        Ok(name)
    }

    /// Replay of a delta `+pkg.name='type'`: a section with a given name that
    /// counts as anonymous (libuci `delta.c`).
    pub(crate) fn add_named_anonymous(&mut self, name: &str, stype: &str) -> Result<(), UciError> {
        self.set_section(name, stype)?;
        if let Some(s) = self
            .section_index(name)
            .and_then(|i| self.sections.get_mut(i))
        {
            s.anonymous = true;
        }
        Ok(())
    }

    /// `uci set pkg.sec.opt=value`. An empty value deletes the option; a
    /// changed value moves the option to the end of the section.
    pub fn set_option(&mut self, sref: &str, option: &str, value: &str) -> Result<(), UciError> {
        check_text(value)?;
        self.set_option_unchecked(sref, option, value)
    }

    /// `set_option` without the text check: libuci accepts any bytes in a
    /// config file's values and only checks text given on its command line.
    pub(crate) fn set_option_unchecked(
        &mut self,
        sref: &str,
        option: &str,
        value: &str,
    ) -> Result<(), UciError> {
        check_name("option", option)?;
        let s = self.section_mut(sref)?;
        let existing = s.option_index(option);
        if value.is_empty() {
            if let Some(i) = existing {
                s.options.remove(i);
            }
            return Ok(());
        }
        if let Some(i) = existing {
            if s.options.get(i).map(|(_, v)| v) == Some(&Value::Single(value.to_string())) {
                return Ok(());
            }
            s.options.remove(i);
        }
        s.options
            .push((option.to_string(), Value::Single(value.to_string())));
        Ok(())
    }

    /// Set a whole list at once (what a data model write of a list means):
    /// the option is replaced by exactly these items, at the end.
    pub fn set_list(&mut self, sref: &str, option: &str, items: &[String]) -> Result<(), UciError> {
        self.delete_option_if_present(sref, option)?;
        for item in items {
            self.add_list(sref, option, item)?;
        }
        Ok(())
    }

    /// `uci add_list pkg.sec.opt=value`.
    pub fn add_list(&mut self, sref: &str, option: &str, value: &str) -> Result<(), UciError> {
        check_text(value)?;
        self.add_list_unchecked(sref, option, value)
    }

    pub(crate) fn add_list_unchecked(
        &mut self,
        sref: &str,
        option: &str,
        value: &str,
    ) -> Result<(), UciError> {
        check_name("option", option)?;
        let s = self.section_mut(sref)?;
        match s.option_index(option) {
            Some(i) => {
                let (_, old) = s.options.remove(i);
                match old {
                    Value::List(mut items) => {
                        items.push(value.to_string());
                        s.options
                            .insert(i, (option.to_string(), Value::List(items)));
                    }
                    // libuci converts a plain option into a new list, which
                    // lands at the end of the section.
                    Value::Single(first) => s.options.push((
                        option.to_string(),
                        Value::List(vec![first, value.to_string()]),
                    )),
                }
            }
            None => s
                .options
                .push((option.to_string(), Value::List(vec![value.to_string()]))),
        }
        Ok(())
    }

    /// `uci del_list pkg.sec.opt=value`: removes every equal item; a plain
    /// or missing option is left alone.
    pub fn del_list(&mut self, sref: &str, option: &str, value: &str) -> Result<(), UciError> {
        let s = self.section_mut(sref)?;
        if let Some(i) = s.option_index(option) {
            if let Some((_, Value::List(items))) = s.options.get_mut(i) {
                items.retain(|v| v != value);
            }
        }
        Ok(())
    }

    /// `uci delete pkg.sec`.
    pub fn delete_section(&mut self, sref: &str) -> Result<(), UciError> {
        let i = self
            .section_index(sref)
            .ok_or_else(|| UciError::NotFound(format!("{}.{sref}", self.name)))?;
        self.sections.remove(i);
        Ok(())
    }

    /// `uci delete pkg.sec.opt`.
    pub fn delete_option(&mut self, sref: &str, option: &str) -> Result<(), UciError> {
        let pkg = self.name.clone();
        let s = self.section_mut(sref)?;
        let i = s
            .option_index(option)
            .ok_or_else(|| UciError::NotFound(format!("{pkg}.{sref}.{option}")))?;
        s.options.remove(i);
        Ok(())
    }

    fn delete_option_if_present(&mut self, sref: &str, option: &str) -> Result<(), UciError> {
        let s = self.section_mut(sref)?;
        if let Some(i) = s.option_index(option) {
            s.options.remove(i);
        }
        Ok(())
    }

    /// `uci delete pkg.sec.opt=index`: one list item (None: an index that
    /// matches no item); on a plain option the whole option goes (as libuci
    /// does).
    pub fn delete_list_index(
        &mut self,
        sref: &str,
        option: &str,
        index: Option<usize>,
    ) -> Result<(), UciError> {
        let pkg = self.name.clone();
        let s = self.section_mut(sref)?;
        let i = s
            .option_index(option)
            .ok_or_else(|| UciError::NotFound(format!("{pkg}.{sref}.{option}")))?;
        match s.options.get_mut(i) {
            Some((_, Value::List(items))) => {
                if let Some(i) = index.filter(|&i| i < items.len()) {
                    items.remove(i);
                }
            }
            _ => {
                s.options.remove(i);
            }
        }
        Ok(())
    }

    /// `uci rename pkg.sec=new`: the section keeps its place and stops being
    /// anonymous.
    pub fn rename_section(&mut self, sref: &str, new_name: &str) -> Result<(), UciError> {
        check_name("section", new_name)?;
        let s = self.section_mut(sref)?;
        s.name = new_name.to_string();
        s.anonymous = false;
        Ok(())
    }

    /// `uci rename pkg.sec.opt=new`.
    pub fn rename_option(
        &mut self,
        sref: &str,
        option: &str,
        new_name: &str,
    ) -> Result<(), UciError> {
        check_name("option", new_name)?;
        let pkg = self.name.clone();
        let s = self.section_mut(sref)?;
        let entry = s
            .options
            .iter_mut()
            .find(|(n, _)| n == option)
            .ok_or_else(|| UciError::NotFound(format!("{pkg}.{sref}.{option}")))?;
        entry.0 = new_name.to_string();
        Ok(())
    }

    /// `uci reorder pkg.sec=pos`: moves the section to position `pos`
    /// (clamped to the end).
    pub fn reorder(&mut self, sref: &str, pos: usize) -> Result<(), UciError> {
        let i = self
            .section_index(sref)
            .ok_or_else(|| UciError::NotFound(format!("{}.{sref}", self.name)))?;
        let s = self.sections.remove(i);
        let pos = pos.min(self.sections.len());
        self.sections.insert(pos, s);
        Ok(())
    }
}
