//! Errors of the UCI backend. Every variant says which file or entry.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
pub enum UciError {
    /// A config or import file does not follow the grammar.
    Parse {
        file: PathBuf,
        line: usize,
        reason: String,
    },
    /// The addressed package, section or option does not exist.
    NotFound(String),
    /// A name, type or value libuci would reject, or an impossible change.
    Invalid(String),
    /// A file operation failed.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl UciError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        UciError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl fmt::Display for UciError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UciError::Parse { file, line, reason } => {
                write!(f, "{}:{}: parse error: {}", file.display(), line, reason)
            }
            UciError::NotFound(what) => write!(f, "entry not found: {what}"),
            UciError::Invalid(what) => write!(f, "invalid: {what}"),
            UciError::Io { path, source } => write!(f, "{}: {}", path.display(), source),
        }
    }
}

impl std::error::Error for UciError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            UciError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
