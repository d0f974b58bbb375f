//! Logging to stderr, which procd hands to logd (`procd_set_param stderr 1`),
//! so `logread` shows it with the daemon facility. One line per record,
//! prefixed with the level; the level comes from `cwmp.cwmp.log_level`.
//! Secrets are never passed to the logger in the first place.

use log::{Level, LevelFilter, Log, Metadata, Record};

struct StderrLogger;

static LOGGER: StderrLogger = StderrLogger;

impl Log for StderrLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let level = match record.level() {
            Level::Error => "error",
            Level::Warn => "warning",
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Trace => "trace",
        };
        eprintln!("cwmpd[{}]: {level}: {}", std::process::id(), record.args());
    }

    fn flush(&self) {}
}

/// Installs the logger (once; later calls only change the level).
pub fn init(level: LevelFilter) {
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(level);
}

/// The filter for a configured level (`cwmp.cwmp.log_level`).
pub fn level_filter(level: crate::config::LogLevel) -> LevelFilter {
    use crate::config::LogLevel;
    match level {
        LogLevel::Error => LevelFilter::Error,
        LogLevel::Warn => LevelFilter::Warn,
        LogLevel::Info => LevelFilter::Info,
        LogLevel::Debug => LevelFilter::Debug,
    }
}
