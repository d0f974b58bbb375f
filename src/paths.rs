//! Where the agent's files are. On a router every path is absolute; with
//! `--root DIR` (host mode, tests, the README demo) the same paths are
//! looked up under DIR, so nothing outside it is read or written.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root(PathBuf);

impl Root {
    pub fn new(dir: impl Into<PathBuf>) -> Root {
        Root(dir.into())
    }

    /// The system root `/`.
    pub fn system() -> Root {
        Root(PathBuf::from("/"))
    }

    pub fn dir(&self) -> &Path {
        &self.0
    }

    /// `abs` (an absolute path as on the router) under this root.
    pub fn join(&self, abs: &str) -> PathBuf {
        self.0.join(abs.trim_start_matches('/'))
    }

    /// `/etc/config`: the UCI configuration directory.
    pub fn uci_config_dir(&self) -> PathBuf {
        self.join("/etc/config")
    }

    /// `/tmp/.uci`: libuci's shared save (delta) directory.
    pub fn uci_save_dir(&self) -> PathBuf {
        self.join("/tmp/.uci")
    }

    /// The agent's persistent state (DESIGN.md "Persistence"); `/etc` so it
    /// survives reboots, listed in keep.d so it survives sysupgrade.
    pub fn state_file(&self) -> PathBuf {
        self.join("/etc/cwmpd/state")
    }

    /// Runtime values learned from DHCP option 43 by the udhcpc hook.
    pub fn dhcp_file(&self) -> PathBuf {
        self.join("/var/run/cwmpd/dhcp")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_paths_land_under_the_root() {
        let r = Root::new("/tmp/scratch");
        assert_eq!(
            r.join("/etc/config/cwmp"),
            PathBuf::from("/tmp/scratch/etc/config/cwmp")
        );
        assert_eq!(
            Root::system().join("/etc/cwmpd/state"),
            PathBuf::from("/etc/cwmpd/state")
        );
    }
}
