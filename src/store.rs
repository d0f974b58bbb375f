//! Crash-safe persistent state of the agent (DESIGN.md "Persistence").
//!
//! What must survive a crash or a reboot: undelivered events with their
//! CommandKeys, ParameterKey, the ACS URL last bootstrapped against, the
//! Connection Request path and the retry count. It lives in one small text
//! file (`/etc/cwmpd/state` under `--root`), written as temp file + fsync +
//! rename + fsync of the directory, and only when something changed: flash
//! wears out, and most sessions change nothing here.
//!
//! Format: one record per line, `key<TAB>field<TAB>field...`, fields escaped
//! (`\\`, `\t`, `\n`). Unknown keys are kept verbatim so that a downgrade or
//! a later feature does not lose what it does not understand.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

const HEADER: &str = "# cwmpd state v1";

/// One event waiting for the InformResponse that acknowledges it
/// (TR-069 §3.7.1.5: an event is forgotten only once delivered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub code: String,
    pub command_key: String,
}

/// Everything the agent persists. Equality decides whether a save writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    pub pending_events: Vec<StoredEvent>,
    pub parameter_key: String,
    pub bootstrapped_url: Option<String>,
    pub cr_path: Option<String>,
    pub retry_count: u32,
    /// Records written by other parts (attributes, instance maps, transfers):
    /// `(key, fields)`, kept in order.
    pub records: Vec<(String, Vec<String>)>,
}

impl State {
    /// All records stored under `key`.
    pub fn records<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a [String]> + 'a {
        self.records
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, f)| f.as_slice())
    }

    /// Replaces every record stored under `key`.
    pub fn set_records(&mut self, key: &str, rows: Vec<Vec<String>>) {
        self.records.retain(|(k, _)| k != key);
        self.records
            .extend(rows.into_iter().map(|f| (key.to_string(), f)));
    }
}

/// Why the state file could not be read.
#[derive(Debug)]
pub enum StoreError {
    Io(io::Error),
    /// A line the reader does not understand: `(line number, reason)`.
    Corrupt(usize, String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Io(e) => write!(f, "state file: {e}"),
            StoreError::Corrupt(line, why) => write!(f, "state file line {line}: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<io::Error> for StoreError {
    fn from(e: io::Error) -> Self {
        StoreError::Io(e)
    }
}

/// The state file and the last state known to be on disk.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    on_disk: State,
}

impl Store {
    /// Opens (or starts) the state file at `path`. A missing file is an
    /// empty state: first start, or after a factory reset.
    pub fn open(path: impl Into<PathBuf>) -> Result<(Store, State), StoreError> {
        let path = path.into();
        let state = match fs::read(&path) {
            Ok(bytes) => parse(&String::from_utf8_lossy(&bytes))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => State::default(),
            Err(e) => return Err(e.into()),
        };
        Ok((
            Store {
                path,
                on_disk: state.clone(),
            },
            state,
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `state` if it differs from what is on disk. Returns whether a
    /// write happened.
    pub fn save(&mut self, state: &State) -> io::Result<bool> {
        if *state == self.on_disk {
            return Ok(false);
        }
        write_atomically(&self.path, render(state).as_bytes())?;
        self.on_disk = state.clone();
        Ok(true)
    }
}

/// temp file in the same directory + fsync + rename + fsync of the directory:
/// after a crash the file is either the old or the new version, never a mix.
pub fn write_atomically(path: &Path, data: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".into());
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
    }
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    // The rename itself must reach the disk too.
    File::open(dir)?.sync_all()
}

fn render(state: &State) -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    let mut line = |key: &str, fields: &[&str]| {
        out.push_str(key);
        for f in fields {
            out.push('\t');
            out.push_str(&escape(f));
        }
        out.push('\n');
    };
    line("parameter_key", &[&state.parameter_key]);
    if let Some(url) = &state.bootstrapped_url {
        line("bootstrapped_url", &[url]);
    }
    if let Some(path) = &state.cr_path {
        line("cr_path", &[path]);
    }
    line("retry_count", &[&state.retry_count.to_string()]);
    for ev in &state.pending_events {
        line("event", &[&ev.code, &ev.command_key]);
    }
    for (key, fields) in &state.records {
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        line(key, &fields);
    }
    out
}

fn parse(text: &str) -> Result<State, StoreError> {
    let mut state = State::default();
    for (idx, raw) in text.lines().enumerate() {
        let lineno = idx + 1;
        if raw.is_empty() || raw.starts_with('#') {
            continue;
        }
        let mut parts = raw.split('\t');
        let key = parts.next().unwrap_or_default();
        let fields: Vec<String> = parts
            .map(unescape)
            .collect::<Result<_, _>>()
            .map_err(|why| StoreError::Corrupt(lineno, why))?;
        let one = |fields: &[String]| -> Result<String, StoreError> {
            match fields {
                [v] => Ok(v.clone()),
                _ => Err(StoreError::Corrupt(
                    lineno,
                    format!("{key} takes one field"),
                )),
            }
        };
        match key {
            "parameter_key" => state.parameter_key = one(&fields)?,
            "bootstrapped_url" => state.bootstrapped_url = Some(one(&fields)?),
            "cr_path" => state.cr_path = Some(one(&fields)?),
            "retry_count" => {
                state.retry_count = one(&fields)?.parse().map_err(|_| {
                    StoreError::Corrupt(lineno, "retry_count is not a number".into())
                })?
            }
            "event" => match fields.as_slice() {
                [code, key] => state.pending_events.push(StoredEvent {
                    code: code.clone(),
                    command_key: key.clone(),
                }),
                _ => {
                    return Err(StoreError::Corrupt(
                        lineno,
                        "event takes a code and a command key".into(),
                    ))
                }
            },
            _ => state.records.push((key.to_string(), fields)),
        }
    }
    Ok(state)
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            other => return Err(format!("bad escape {other:?}")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> State {
        State {
            pending_events: vec![
                StoredEvent {
                    code: "1 BOOT".into(),
                    command_key: String::new(),
                },
                StoredEvent {
                    code: "M Reboot".into(),
                    command_key: "key\twith\ttabs\\and\nnewline".into(),
                },
            ],
            parameter_key: "pk-7".into(),
            bootstrapped_url: Some("https://acs.example.net/cwmp".into()),
            cr_path: Some("a1b2c3".into()),
            retry_count: 3,
            records: vec![("attr".into(), vec!["Device.X".into(), "2".into()])],
        }
    }

    #[test]
    fn round_trip_through_the_file() {
        let dir = tempdir();
        let path = dir.join("etc/cwmpd/state");
        let (mut store, initial) = Store::open(&path).unwrap();
        assert_eq!(initial, State::default());
        assert!(store.save(&sample()).unwrap());
        let (_, back) = Store::open(&path).unwrap();
        assert_eq!(back, sample());
    }

    #[test]
    fn unchanged_state_is_not_rewritten() {
        let dir = tempdir();
        let path = dir.join("state");
        let (mut store, _) = Store::open(&path).unwrap();
        assert!(store.save(&sample()).unwrap());
        let before = fs::metadata(&path).unwrap().modified().unwrap();
        assert!(!store.save(&sample()).unwrap());
        assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), before);
        let mut changed = sample();
        changed.retry_count = 4;
        assert!(store.save(&changed).unwrap());
    }

    #[test]
    fn corrupt_lines_are_reported_with_their_number() {
        let dir = tempdir();
        let path = dir.join("state");
        fs::write(&path, "# cwmpd state v1\nretry_count\tmany\n").unwrap();
        match Store::open(&path) {
            Err(StoreError::Corrupt(2, _)) => {}
            other => panic!("expected corrupt line 2, got {other:?}"),
        }
        fs::write(&path, "event\tonly-code\n").unwrap();
        assert!(matches!(Store::open(&path), Err(StoreError::Corrupt(1, _))));
        fs::write(&path, "parameter_key\tbad\\q\n").unwrap();
        assert!(matches!(Store::open(&path), Err(StoreError::Corrupt(1, _))));
    }

    #[test]
    fn unknown_records_survive() {
        let dir = tempdir();
        let path = dir.join("state");
        fs::write(&path, "future_thing\ta\tb\n").unwrap();
        let (mut store, mut state) = Store::open(&path).unwrap();
        assert_eq!(state.records("future_thing").count(), 1);
        state.retry_count = 1;
        store.save(&state).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("future_thing\ta\tb\n"), "{text}");
    }

    fn tempdir() -> PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "cwmpd-store-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }
}
