//! Device.DeviceInfo.ProcessStatus.Process.{i}. (TR-181): one instance per
//! process, keyed by PID, from `/proc/<pid>/stat`, `status` and `cmdline`
//! under the root (proc(5)).
//!
//! The process list is read once per enumeration of the table (each
//! GetParameterValues / GetParameterNames walks the table first) and
//! answered from that snapshot: a process that ends between the listing
//! and the read of its parameters still answers consistently instead of
//! failing the whole GetParameterValues.

use std::collections::BTreeMap;

use crate::cwmp::{Fault, FaultCode};
use crate::datamodel::{ObjRef, Provider};
use crate::paths::Root;

pub const TABLE: &str = "Device.DeviceInfo.ProcessStatus.Process.{i}.";

/// TR-181 Command is a string(256).
const COMMAND_MAX: usize = 256;

/// What TR-181 asks of one process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    pub pid: u32,
    pub command: String,
    /// Virtual memory size in KiB (`VmSize`; 0 for kernel threads).
    pub size_kib: u32,
    /// 0 = highest (TR-181); the kernel's priority field clamped to 0..=99.
    pub priority: u32,
    /// User + system CPU time in milliseconds.
    pub cpu_time_ms: u32,
    pub state: &'static str,
}

/// TR-181 State of a proc(5) state letter.
fn state_name(letter: char) -> &'static str {
    match letter {
        'R' => "Running",
        'S' => "Sleeping",
        'D' => "Uninterruptible",
        'T' | 't' => "Stopped",
        'Z' | 'X' | 'x' => "Zombie",
        // I (idle kernel thread), P (parked), K, W: not doing anything.
        _ => "Idle",
    }
}

/// Parses `/proc/<pid>/stat`: `pid (comm) state ppid ...`. The command
/// name may hold spaces and parentheses, so it ends at the LAST `)`.
/// Returns (comm, state letter, utime+stime ticks, priority).
pub fn parse_stat(text: &str) -> Option<(String, char, u64, i64)> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_string();
    let rest: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // Fields after the command, from 0: state(3) ... utime(14) stime(15)
    // ... priority(18) in proc(5)'s one-based numbering.
    let state = rest.first()?.chars().next()?;
    let utime: u64 = rest.get(11)?.parse().ok()?;
    let stime: u64 = rest.get(12)?.parse().ok()?;
    let priority: i64 = rest.get(15)?.parse().ok()?;
    Some((comm, state, utime.saturating_add(stime), priority))
}

/// `VmSize` of `/proc/<pid>/status` in KiB.
pub fn parse_vm_size(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix("VmSize:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

/// The command line (NUL-separated arguments) as one string, cut to 256
/// characters at a character boundary; `None` when empty (kernel threads).
fn command_line(raw: &[u8]) -> Option<String> {
    let text: String = String::from_utf8_lossy(raw)
        .split('\0')
        .filter(|a| !a.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if text.is_empty() {
        return None;
    }
    Some(text.chars().take(COMMAND_MAX).collect())
}

/// Clock ticks per second of /proc's time fields.
fn ticks_per_second() -> u64 {
    // SAFETY: sysconf has no memory-safety preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(t).ok().filter(|t| *t > 0).unwrap_or(100)
}

/// One process under `root`, or `None` if it is gone or unreadable.
pub fn read_process(root: &Root, pid: u32, ticks: u64) -> Option<ProcessInfo> {
    let dir = root.join(&format!("/proc/{pid}"));
    let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
    let (comm, state, cpu_ticks, priority) = parse_stat(&stat)?;
    let size = std::fs::read_to_string(dir.join("status"))
        .ok()
        .and_then(|s| parse_vm_size(&s))
        .unwrap_or(0);
    let command = std::fs::read(dir.join("cmdline"))
        .ok()
        .and_then(|raw| command_line(&raw))
        .unwrap_or_else(|| format!("[{comm}]").chars().take(COMMAND_MAX).collect());
    let cpu_ms = cpu_ticks.saturating_mul(1000) / ticks.max(1);
    Some(ProcessInfo {
        pid,
        command,
        size_kib: u32::try_from(size).unwrap_or(u32::MAX),
        // Real-time tasks have negative priorities: they are the highest.
        priority: priority.clamp(0, 99) as u32,
        cpu_time_ms: u32::try_from(cpu_ms).unwrap_or(u32::MAX),
        state: state_name(state),
    })
}

/// Every process under `root`, by PID.
pub fn read_all(root: &Root) -> BTreeMap<u32, ProcessInfo> {
    let ticks = ticks_per_second();
    let Ok(dir) = std::fs::read_dir(root.join("/proc")) else {
        return BTreeMap::new();
    };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| read_process(root, pid, ticks).map(|p| (pid, p)))
        .collect()
}

pub struct Processes {
    pub root: Root,
    /// The snapshot of the last table listing.
    pub seen: BTreeMap<u32, ProcessInfo>,
}

impl Provider for Processes {
    fn serves(&self, object: &str, name: &str) -> bool {
        object == TABLE
            && matches!(
                name,
                "PID" | "Command" | "Size" | "Priority" | "CPUTime" | "State"
            )
    }

    fn get(&mut self, obj: ObjRef<'_>, name: &str) -> Result<String, Fault> {
        let no_such = || {
            Fault::with_string(
                FaultCode::INVALID_PARAMETER_NAME,
                format!("{}{name}", obj.template),
            )
        };
        let pid: u32 = obj
            .keys
            .first()
            .and_then(|k| k.parse().ok())
            .ok_or_else(no_such)?;
        if !self.seen.contains_key(&pid) {
            let p = read_process(&self.root, pid, ticks_per_second()).ok_or_else(no_such)?;
            self.seen.insert(pid, p);
        }
        let p = self.seen.get(&pid).ok_or_else(no_such)?;
        Ok(match name {
            "PID" => p.pid.to_string(),
            "Command" => p.command.clone(),
            "Size" => p.size_kib.to_string(),
            "Priority" => p.priority.to_string(),
            "CPUTime" => p.cpu_time_ms.to_string(),
            "State" => p.state.to_string(),
            _ => return Err(no_such()),
        })
    }

    // The PID is the instance number: a persisted map would rewrite the
    // state file in flash whenever a process starts or ends.
    fn numbers_are_keys(&self, _table: &str) -> bool {
        true
    }

    fn instances(&mut self, _table: ObjRef<'_>) -> Result<Vec<String>, Fault> {
        self.seen = read_all(&self.root);
        Ok(self.seen.keys().map(u32::to_string).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_spaces_and_parentheses_in_the_name() {
        let stat = "1234 (odd) name)) S 1 1234 1234 0 -1 4194560 120 0 0 0 250 130 0 0 20 0 1 0 900 4575232 300 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 0 0 0 0 0 0\n";
        assert_eq!(
            parse_stat(stat),
            Some(("odd) name)".to_string(), 'S', 380, 20))
        );
        assert_eq!(parse_stat("12 (x) R 1"), None);
        assert_eq!(parse_stat("garbage"), None);
        // A real-time thread (priority -51) is clamped to the highest, 0.
        let rt = "9 (migration/0) S 2 0 0 0 -1 69238848 0 0 0 0 0 7 0 0 -100 0 1 0 2 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 17 0 99 1 0 0 0\n";
        assert_eq!(parse_stat(rt).map(|s| s.3), Some(-100));
    }

    #[test]
    fn status_size_states_and_command_lines() {
        assert_eq!(
            parse_vm_size("Name:\tdnsmasq\nVmPeak:\t  2000 kB\nVmSize:\t    1796 kB\n"),
            Some(1796)
        );
        assert_eq!(parse_vm_size("Name:\tkthreadd\n"), None);
        assert_eq!(state_name('D'), "Uninterruptible");
        assert_eq!(state_name('I'), "Idle");
        assert_eq!(
            command_line(b"/usr/sbin/dnsmasq\0-C\0/var/etc/dnsmasq.conf\0"),
            Some("/usr/sbin/dnsmasq -C /var/etc/dnsmasq.conf".to_string())
        );
        assert_eq!(command_line(b""), None);
        let long = vec![b'a'; 400];
        assert_eq!(command_line(&long).map(|c| c.len()), Some(256));
    }
}
