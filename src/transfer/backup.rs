//! Backup and restoration (vendor `cpe back-up [delay-time]`,
//! `cwmp.cpe.backup` / `backup_delay`): before a firmware or configuration
//! download is applied the configuration is saved; if no session with the
//! ACS succeeds within the delay after applying it (or after the reboot
//! that follows), the saved configuration is restored and the device
//! reboots, so a bad push cannot cut a router off its ACS for good.
//!
//! The guard is one state-file record; the archive lives in /etc/cwmpd,
//! which /lib/upgrade/keep.d/cwmpd keeps across sysupgrade. Pure: the agent
//! owns the clock and the System.

/// State-file key of the guard.
pub const RECORD: &str = "config_backup";

/// Where the saved configuration goes (router path).
pub const ARCHIVE: &str = "/etc/cwmpd/backup.tar.gz";

/// `backup_delay` when the option is not set: long enough for a router to
/// boot, bring its WAN up and reach the ACS.
pub const DEFAULT_DELAY_SECS: u32 = 300;

/// A saved configuration waiting for a successful session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guard {
    /// Router path of the archive.
    pub archive: String,
    /// CommandKey of the transfer that was applied.
    pub command_key: String,
}

impl Guard {
    pub fn to_record(&self) -> Vec<String> {
        vec![self.archive.clone(), self.command_key.clone()]
    }

    pub fn from_record(row: &[String]) -> Option<Guard> {
        match row {
            [archive, key] => Some(Guard {
                archive: archive.clone(),
                command_key: key.clone(),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_round_trip() {
        let g = Guard {
            archive: ARCHIVE.into(),
            command_key: "fw\t1".into(),
        };
        assert_eq!(Guard::from_record(&g.to_record()), Some(g));
        assert_eq!(Guard::from_record(&["x".to_string()]), None);
    }
}
