//! Text renderings of a package: the config file / `uci export` format and
//! the `uci show` lines (openwrt-reference.md §3.4, libuci `file.c`
//! `uci_export_package`, `cli.c` `uci_show_*`).

use super::model::{Package, Value};

/// Single-quote a value the way libuci does: `'` becomes `'\''`.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// A section type is written bare by libuci; types it accepts may still hold
/// characters the parser treats specially, and those we quote so the file
/// reads back the same.
fn type_word(stype: &str) -> String {
    if !stype.contains(['\'', '"', '\\', '#', ';']) {
        stype.to_string()
    } else {
        quote(stype)
    }
}

/// The export format. `header` adds the `package <name>` line (as `uci
/// export` prints it; committed files have none). `name_anonymous` writes
/// generated names too (`uci -n export`).
pub fn export(pkg: &Package, header: bool, name_anonymous: bool) -> String {
    let mut out = String::new();
    if header {
        out.push_str(&format!("package {}\n", pkg.name));
    }
    for s in &pkg.sections {
        out.push_str(&format!("\nconfig {}", type_word(&s.stype)));
        if !s.anonymous || name_anonymous {
            out.push_str(&format!(" {}", quote(&s.name)));
        }
        out.push('\n');
        for (name, value) in &s.options {
            match value {
                Value::Single(v) => out.push_str(&format!("\toption {} {}\n", name, quote(v))),
                Value::List(items) => {
                    for item in items {
                        out.push_str(&format!("\tlist {} {}\n", name, quote(item)));
                    }
                }
            }
        }
    }
    out.push('\n');
    out
}

/// The config file content as libuci's commit writes it.
pub fn file_content(pkg: &Package) -> String {
    export(pkg, false, false)
}

/// `uci show <pkg>` output; `extended` is the default `@type[i]` form,
/// false is `uci -X show` (generated names).
pub fn show(pkg: &Package, extended: bool) -> String {
    let mut out = String::new();
    for (i, s) in pkg.sections.iter().enumerate() {
        let sref = if extended {
            pkg.extended_ref(i).unwrap_or_else(|| s.name.clone())
        } else {
            s.name.clone()
        };
        out.push_str(&format!("{}.{}={}\n", pkg.name, sref, s.stype));
        for (name, value) in &s.options {
            out.push_str(&format!("{}.{}.{}=", pkg.name, sref, name));
            match value {
                Value::Single(v) => out.push_str(&quote(v)),
                Value::List(items) => {
                    let shown: Vec<String> = items.iter().map(|v| quote(v)).collect();
                    out.push_str(&shown.join(" "));
                }
            }
            out.push('\n');
        }
    }
    out
}
