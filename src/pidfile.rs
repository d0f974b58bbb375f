//! `/var/run/cwmpd.pid`: how `cwmpd dhcp-option43` (run by the udhcpc
//! hook) finds the running agent to ask it to reload (SIGHUP).
//!
//! On a router procd writes the file itself (`procd_set_param pidfile` in
//! the init script); in host mode (`--root`) the agent writes it with
//! [`write`] at start. A stale file is harmless: [`signal_reload`] only
//! signals a live process whose name is `cwmpd`.

use std::io;
use std::path::PathBuf;

use crate::paths::Root;

/// `/var/run/cwmpd.pid` under `root`.
pub fn path(root: &Root) -> PathBuf {
    root.join("/var/run/cwmpd.pid")
}

/// Records this process as the running agent.
pub fn write(root: &Root) -> io::Result<()> {
    crate::store::write_atomically(&path(root), format!("{}\n", std::process::id()).as_bytes())
}

/// Removes the file if it names this process (clean shutdown).
pub fn remove(root: &Root) {
    if read(root) == Some(std::process::id() as i32) {
        let _ = std::fs::remove_file(path(root));
    }
}

/// The pid in the file, if it holds a positive number.
pub fn read(root: &Root) -> Option<i32> {
    let text = std::fs::read_to_string(path(root)).ok()?;
    text.trim().parse::<i32>().ok().filter(|p| *p > 0)
}

/// Sends SIGHUP (the agent's "reload" signal) to the recorded agent.
/// Returns whether a signal was sent; Ok(false) when no agent runs.
pub fn signal_reload(root: &Root) -> io::Result<bool> {
    let Some(pid) = read(root) else {
        return Ok(false);
    };
    // Guard against a stale file naming a recycled pid: only a process whose
    // command name is cwmpd is signalled (Linux /proc/<pid>/comm).
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    if comm.trim_end() != "cwmpd" {
        return Ok(false);
    }
    // SAFETY: kill(2) with a checked positive pid and a valid signal number.
    if unsafe { libc::kill(pid, libc::SIGHUP) } == 0 {
        Ok(true)
    } else {
        Err(io::Error::last_os_error())
    }
}
