//! System actions that are not parameters (DESIGN.md "System actions"):
//! reboot and factory reset now; firmware, configuration backup/restore and
//! log export arrive with the transfer work.
//!
//! On a router (`--root /`) they run the OpenWrt commands. Under any other
//! root (host mode, tests, the demo) they are carried out as far as the
//! scratch root allows — a factory reset wipes the agent's state there — and
//! recorded, one line per action, in `/var/log/cwmpd-system.log` under the
//! root, so a test can assert them. After either action the agent stops, as
//! the router would go down.

use std::io::{self, Write};
use std::process::Command;

use crate::paths::Root;

/// What the agent asks of the device.
pub trait System: Send {
    /// Restart the device (TR-069 A.3.2.3 Reboot).
    fn reboot(&mut self) -> io::Result<()>;
    /// Back to factory settings, then restart (TR-069 A.4.1.4 FactoryReset).
    fn factory_reset(&mut self) -> io::Result<()>;
}

/// The real actions on OpenWrt.
pub struct OpenWrt;

fn run(program: &str, args: &[&str]) -> io::Result<()> {
    let status = Command::new(program).args(args).status()?;
    if status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!("{program} exited with {status}")))
    }
}

impl System for OpenWrt {
    fn reboot(&mut self) -> io::Result<()> {
        run("/sbin/reboot", &[])
    }

    fn factory_reset(&mut self) -> io::Result<()> {
        // `firstboot -y -r` as LuCI runs it; newer fstools ship it as
        // `factoryreset` (openwrt-reference.md §9.3).
        run("/sbin/firstboot", &["-y", "-r"]).or_else(|_| run("/sbin/factoryreset", &["-y", "-r"]))
    }
}

/// Host mode: record the action and do what a scratch root allows.
pub struct DryRun {
    root: Root,
}

impl DryRun {
    pub fn new(root: Root) -> DryRun {
        DryRun { root }
    }

    fn record(&self, action: &str) -> io::Result<()> {
        let path = self.root.join("/var/log/cwmpd-system.log");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        writeln!(f, "{action}")?;
        log::warn!("host mode: {action} recorded, not performed on this machine");
        Ok(())
    }
}

impl System for DryRun {
    fn reboot(&mut self) -> io::Result<()> {
        self.record("reboot")
    }

    fn factory_reset(&mut self) -> io::Result<()> {
        // firstboot wipes the overlay, and with it /etc/cwmpd/state: the
        // agent then starts with 0 BOOTSTRAP.
        match std::fs::remove_file(self.root.state_file()) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        self.record("factory-reset")
    }
}

/// The real system for `/`, the recording one for any other root.
pub fn for_root(root: &Root) -> Box<dyn System> {
    if root.dir() == std::path::Path::new("/") {
        Box::new(OpenWrt)
    } else {
        Box::new(DryRun::new(root.clone()))
    }
}
