//! "3 Vendor Configuration File" downloads: which of the two accepted
//! formats a file is, checked before anything is applied
//! (openwrt-reference.md §9.5).
//!
//! - a `sysupgrade -b` backup: a gzip'd tar (checked with `tar -tzf` by the
//!   System), restored with `sysupgrade -r`, then a reboot;
//! - a `uci export` text: one or more `package <name>` blocks, each parsed
//!   with our UCI reader (the libuci grammar) and imported package by
//!   package, then `reload_config`.
//!
//! Anything else is refused (9018 File corrupted) and changes nothing.

use std::path::Path;

use crate::backend::uci::{parse::parse_package, valid_package_name, write, Package};

/// The largest `uci export` text accepted (a whole router's config is a few
/// tens of KiB).
pub const MAX_EXPORT_TEXT: usize = 1 << 20;

#[derive(Debug, PartialEq, Eq)]
pub enum ConfigFile {
    /// A gzip stream: must be a sysupgrade backup tar.gz.
    Backup,
    /// Parsed `uci export` text: (package, file content to import).
    Export(Vec<(String, String)>),
}

/// Tells the format from the content and checks the text form completely.
pub fn classify(bytes: &[u8]) -> Result<ConfigFile, String> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(ConfigFile::Backup);
    }
    if bytes.len() > MAX_EXPORT_TEXT {
        return Err(format!(
            "configuration text larger than {MAX_EXPORT_TEXT} bytes"
        ));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| "neither a gzip'd backup nor UTF-8 uci export text".to_string())?;
    parse_export(text).map(ConfigFile::Export)
}

/// Splits `uci export` output at its `package` lines and parses each block.
pub fn parse_export(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut blocks: Vec<(String, String)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut words = line.split_whitespace();
        if words.next() == Some("package") {
            let name = words
                .next()
                .map(|w| w.trim_matches(['\'', '"']))
                .ok_or_else(|| format!("line {}: package without a name", n + 1))?;
            if !valid_package_name(name) || words.next().is_some() {
                return Err(format!("line {}: bad package line", n + 1));
            }
            if blocks.iter().any(|(p, _)| p == name) {
                return Err(format!("package {name} appears twice"));
            }
            blocks.push((name.to_string(), String::new()));
            continue;
        }
        match blocks.last_mut() {
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
            None if line.trim().is_empty() || line.trim_start().starts_with('#') => {}
            None => {
                return Err(format!(
                    "line {}: uci export text must start with a package line",
                    n + 1
                ))
            }
        }
    }
    if blocks.is_empty() {
        return Err("no package in the configuration text".into());
    }
    blocks
        .into_iter()
        .map(|(name, body)| {
            let pkg: Package = parse_package(&name, body.as_bytes(), Path::new(&name))
                .map_err(|e| format!("package {name}: {e}"))?;
            Ok((name, write::file_content(&pkg)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_text_is_split_and_normalised() {
        let text = "package network\n\nconfig interface 'lan'\n\toption proto 'static'\n\n\
                    package system\n\nconfig system\n\toption hostname 'r1'\n";
        let ConfigFile::Export(pkgs) = classify(text.as_bytes()).unwrap() else {
            panic!("not export text")
        };
        assert_eq!(pkgs.len(), 2);
        assert_eq!(pkgs[0].0, "network");
        assert!(pkgs[0].1.contains("option proto 'static'"), "{}", pkgs[0].1);
        assert_eq!(pkgs[1].0, "system");
        assert!(pkgs[1].1.contains("hostname 'r1'"));
    }

    #[test]
    fn gzip_is_a_backup() {
        assert_eq!(classify(&[0x1f, 0x8b, 8, 0]).unwrap(), ConfigFile::Backup);
    }

    #[test]
    fn garbage_is_refused() {
        for bad in [
            &b"config interface 'lan'\n"[..], // no package line
            b"package net work\n",            // bad name
            b"package a\nconfig x 'y'\n\toption 'unterminated\n",
            b"package a\npackage a\n",
            b"\xff\xfe binary",
            b"",
        ] {
            assert!(classify(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
