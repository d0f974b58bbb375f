//! System actions that are not parameters (DESIGN.md "System actions"):
//! reboot, factory reset, firmware check and flash, configuration backup,
//! restore and import, log export (openwrt-reference.md §9).
//!
//! On a router (`--root /`) they run the OpenWrt commands. Under any other
//! root (host mode, tests, the demo) they are carried out as far as the
//! scratch root allows — a factory reset wipes the agent's state there — and
//! recorded, one line per action, in `/var/log/cwmpd-system.log` under the
//! root, so a test can assert them. After either action the agent stops, as
//! the router would go down.

use std::io::{self, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::paths::Root;

/// What the agent asks of the device.
pub trait System: Send {
    /// Restart the device (TR-069 A.3.2.3 Reboot).
    fn reboot(&mut self) -> io::Result<()>;
    /// Back to factory settings, then restart (TR-069 A.4.1.4 FactoryReset).
    fn factory_reset(&mut self) -> io::Result<()>;
    /// Checks that `image` is a firmware image this device accepts
    /// (`sysupgrade -T`); `Err` says why not.
    fn validate_firmware(&mut self, image: &Path) -> io::Result<()>;
    /// Flashes `image` keeping the settings (`sysupgrade`); on a router
    /// this does not come back.
    fn flash_firmware(&mut self, image: &Path) -> io::Result<()>;
    /// Saves the configuration as a tar.gz (`sysupgrade -b`).
    fn backup_config(&mut self, archive: &Path) -> io::Result<()>;
    /// Checks that `archive` is a readable tar.gz (`tar -tzf`).
    fn check_archive(&mut self, archive: &Path) -> io::Result<()>;
    /// Unpacks a configuration backup over the system (`sysupgrade -r`);
    /// a reboot must follow.
    fn restore_config(&mut self, archive: &Path) -> io::Result<()>;
    /// Replaces UCI package `package` with `content` (`uci import`).
    fn import_uci(&mut self, package: &str, content: &str) -> io::Result<()>;
    /// Lets services pick up changed configuration (`reload_config`).
    fn reload_config(&mut self) -> io::Result<()>;
    /// Writes the system log to `dest` (`logread`).
    fn export_log(&mut self, dest: &Path) -> io::Result<()>;
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

/// Runs `program` with stdin from `input` and stdout into `out` (if any).
fn run_io(program: &str, args: &[&str], input: Option<&str>, out: Option<&Path>) -> io::Result<()> {
    let mut cmd = Command::new(program);
    cmd.args(args);
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    if let Some(path) = out {
        cmd.stdout(std::fs::File::create(path)?);
    }
    cmd.stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        stdin.write_all(text.as_bytes())?;
    }
    let output = child.wait_with_output()?;
    if output.status.success() {
        Ok(())
    } else {
        let why = String::from_utf8_lossy(&output.stderr);
        let why = why.trim();
        Err(io::Error::other(format!(
            "{program} exited with {}{}{}",
            output.status,
            if why.is_empty() { "" } else { ": " },
            why.chars().take(300).collect::<String>()
        )))
    }
}

fn path_str(p: &Path) -> io::Result<&str> {
    p.to_str()
        .ok_or_else(|| io::Error::other(format!("path {} is not UTF-8", p.display())))
}

/// `tar -tzf`: the same check on a router (busybox tar) and a host.
fn list_archive(archive: &Path) -> io::Result<()> {
    run_io(
        "tar",
        &["-tzf", path_str(archive)?],
        None,
        Some(Path::new("/dev/null")),
    )
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

    fn validate_firmware(&mut self, image: &Path) -> io::Result<()> {
        run_io("/sbin/sysupgrade", &["-T", path_str(image)?], None, None)
    }

    fn flash_firmware(&mut self, image: &Path) -> io::Result<()> {
        // Settings are kept (no -n); /lib/upgrade/keep.d/cwmpd keeps
        // /etc/cwmpd, where the pending TransferComplete waits.
        run_io("/sbin/sysupgrade", &[path_str(image)?], None, None)
    }

    fn backup_config(&mut self, archive: &Path) -> io::Result<()> {
        run_io("/sbin/sysupgrade", &["-b", path_str(archive)?], None, None)
    }

    fn check_archive(&mut self, archive: &Path) -> io::Result<()> {
        list_archive(archive)
    }

    fn restore_config(&mut self, archive: &Path) -> io::Result<()> {
        run_io("/sbin/sysupgrade", &["-r", path_str(archive)?], None, None)
    }

    fn import_uci(&mut self, package: &str, content: &str) -> io::Result<()> {
        run_io("/sbin/uci", &["import", package], Some(content), None)
    }

    fn reload_config(&mut self) -> io::Result<()> {
        run("/sbin/reload_config", &[])
    }

    fn export_log(&mut self, dest: &Path) -> io::Result<()> {
        run_io("/sbin/logread", &[], None, Some(dest))
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

    /// `path` as the router would name it (without the root prefix).
    fn router_path(&self, path: &Path) -> String {
        match path.strip_prefix(self.root.dir()) {
            Ok(rel) => format!("/{}", rel.display()),
            Err(_) => path.display().to_string(),
        }
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

    /// A host cannot run the platform checks of sysupgrade; it checks what
    /// it can: the file starts like an image sysupgrade takes (uImage, TRX,
    /// squashfs, FIT/device tree, gzip, or a sysupgrade tar).
    fn validate_firmware(&mut self, image: &Path) -> io::Result<()> {
        let mut head = [0u8; 512];
        let n = {
            use std::io::Read;
            let mut f = std::fs::File::open(image)?;
            let mut n = 0;
            while n < head.len() {
                let got = f.read(&mut head[n..])?;
                if got == 0 {
                    break;
                }
                n += got;
            }
            n
        };
        let head = &head[..n];
        let known = head.starts_with(&[0x27, 0x05, 0x19, 0x56]) // uImage
            || head.starts_with(b"HDR0") // Broadcom TRX
            || head.starts_with(b"hsqs") // squashfs
            || head.starts_with(&[0xd0, 0x0d, 0xfe, 0xed]) // FIT
            || head.starts_with(&[0x1f, 0x8b]) // gzip (x86 images)
            || head.starts_with(b"sysupgrade-"); // sysupgrade tar
        self.record(&format!("validate {}", self.router_path(image)))?;
        if known {
            Ok(())
        } else {
            Err(io::Error::other("not a firmware image (unknown format)"))
        }
    }

    fn flash_firmware(&mut self, image: &Path) -> io::Result<()> {
        self.record(&format!("flash {}", self.router_path(image)))
    }

    /// A real tar.gz of `<root>/etc/config`, as `sysupgrade -b` would
    /// hold it.
    fn backup_config(&mut self, archive: &Path) -> io::Result<()> {
        if let Some(dir) = archive.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let root = path_str(self.root.dir())?.to_string();
        run_io(
            "tar",
            &["-czf", path_str(archive)?, "-C", &root, "etc/config"],
            None,
            None,
        )?;
        self.record(&format!("backup {}", self.router_path(archive)))
    }

    fn check_archive(&mut self, archive: &Path) -> io::Result<()> {
        list_archive(archive)
    }

    /// Unpacks into the root, as sysupgrade -r unpacks into `/`.
    fn restore_config(&mut self, archive: &Path) -> io::Result<()> {
        let root = path_str(self.root.dir())?.to_string();
        run_io(
            "tar",
            &["-xzf", path_str(archive)?, "-C", &root, "--no-same-owner"],
            None,
            None,
        )?;
        self.record(&format!("restore-backup {}", self.router_path(archive)))
    }

    fn import_uci(&mut self, package: &str, content: &str) -> io::Result<()> {
        if !crate::backend::uci::valid_package_name(package) {
            return Err(io::Error::other(format!(
                "invalid package name {package:?}"
            )));
        }
        crate::store::write_atomically(
            &self.root.uci_config_dir().join(package),
            content.as_bytes(),
        )?;
        self.record(&format!("uci-import {package}"))
    }

    fn reload_config(&mut self) -> io::Result<()> {
        self.record("reload-config")
    }

    /// `<root>/var/log/messages` when the test or demo root has one, else
    /// the actions recorded so far: some real text either way.
    fn export_log(&mut self, dest: &Path) -> io::Result<()> {
        let messages = self.root.join("/var/log/messages");
        let text = match std::fs::read(&messages) {
            Ok(bytes) => bytes,
            Err(_) => {
                let recorded =
                    std::fs::read(self.root.join("/var/log/cwmpd-system.log")).unwrap_or_default();
                let mut t = b"cwmpd host mode: no syslog; system actions recorded:\n".to_vec();
                t.extend_from_slice(&recorded);
                t
            }
        };
        std::fs::write(dest, text)?;
        self.record(&format!("logread > {}", self.router_path(dest)))
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
