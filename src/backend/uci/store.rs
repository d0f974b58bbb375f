//! UCI files under a root directory: reading with the pending changes,
//! staging changes, commit and revert (openwrt-reference.md §3.1, §3.3;
//! libuci `file.c` `uci_file_commit`, `delta.c`, `util.c` `uci_open_stream`).
//!
//! Locking matches libuci so the agent, the `uci` CLI and rpcd can work on the
//! same files: readers take `flock(LOCK_SH)`, writers `flock(LOCK_EX)` on the
//! config file itself; a commit holds the config file's exclusive lock while
//! it re-reads, replays the changes, writes a temporary file and renames it.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use super::delta::{self, Change};
use super::model::Package;
use super::parse::parse_package;
use super::write::file_content;
use super::{valid_package_name, UciError};

/// Mode of config files libuci creates (`UCI_FILEMODE`).
const NEW_FILE_MODE: u32 = 0o600;

/// Where the UCI files live.
#[derive(Debug, Clone)]
pub struct Store {
    /// `/etc/config`.
    pub confdir: PathBuf,
    /// `/tmp/.uci`: pending changes.
    pub savedir: PathBuf,
    /// `/var/run/uci`: if `<dir>/<pkg>` exists it replaces `/etc/config/<pkg>`.
    pub overridedir: PathBuf,
}

fn lock(file: &File, path: &Path, exclusive: bool) -> Result<(), UciError> {
    let op = if exclusive {
        libc::LOCK_EX
    } else {
        libc::LOCK_SH
    };
    // SAFETY: flock on a file descriptor we own for the call's duration.
    let rc = unsafe { libc::flock(file.as_raw_fd(), op) };
    if rc == 0 {
        return Ok(());
    }
    let err = std::io::Error::last_os_error();
    // libuci tolerates file systems without flock.
    if err.raw_os_error() == Some(libc::ENOSYS) {
        return Ok(());
    }
    Err(UciError::io(path, err))
}

fn read_all(file: &mut File, path: &Path) -> Result<Vec<u8>, UciError> {
    let mut text = Vec::new();
    file.seek(SeekFrom::Start(0))
        .and_then(|_| file.read_to_end(&mut text))
        .map_err(|e| UciError::io(path, e))?;
    Ok(text)
}

/// A package opened for commit: its files locked exclusively.
pub(crate) struct Locked {
    path: PathBuf,
    /// None when the package has no file yet (the rename creates it).
    _config: Option<File>,
    mode: u32,
    delta: Option<(PathBuf, File)>,
    /// Whether the delta file held changes that were applied.
    delta_used: bool,
    /// The file's bytes before the commit (None: there was no file), to
    /// put back if another package of the same commit cannot be installed.
    original: Option<Vec<u8>>,
}

/// A fully prepared new config file, not yet renamed into place.
pub(crate) struct Prepared {
    locked: Locked,
    temp: PathBuf,
}

impl Store {
    /// The standard OpenWrt locations under `root` (`/` on a device).
    pub fn new(root: impl AsRef<Path>) -> Store {
        let root = root.as_ref();
        Store {
            confdir: root.join("etc/config"),
            savedir: root.join("tmp/.uci"),
            overridedir: root.join("var/run/uci"),
        }
    }

    fn check_name(pkg: &str) -> Result<(), UciError> {
        if valid_package_name(pkg) {
            Ok(())
        } else {
            Err(UciError::Invalid(format!(
                "package name {pkg:?} (only A-Z a-z 0-9 _ - allowed)"
            )))
        }
    }

    /// The file the package is read from and written to.
    pub fn config_path(&self, pkg: &str) -> PathBuf {
        let over = self.overridedir.join(pkg);
        if over.exists() {
            over
        } else {
            self.confdir.join(pkg)
        }
    }

    pub fn delta_path(&self, pkg: &str) -> PathBuf {
        self.savedir.join(pkg)
    }

    /// The package as committed, without pending changes.
    pub fn load_committed(&self, pkg: &str) -> Result<Package, UciError> {
        Self::check_name(pkg)?;
        let path = self.config_path(pkg);
        let mut file = File::open(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => UciError::NotFound(format!("package {pkg}")),
            _ => UciError::io(&path, e),
        })?;
        lock(&file, &path, false)?;
        let text = read_all(&mut file, &path)?;
        parse_package(pkg, &text, &path)
    }

    /// The pending changes of a package (the savedir delta file).
    pub fn changes(&self, pkg: &str) -> Result<Vec<Change>, UciError> {
        Self::check_name(pkg)?;
        let path = self.delta_path(pkg);
        match File::open(&path) {
            Ok(mut f) => {
                lock(&f, &path, false)?;
                Ok(delta::parse_changes(&read_all(&mut f, &path)?, pkg))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(UciError::io(&path, e)),
        }
    }

    /// The package as `uci show` sees it: the file plus pending changes.
    pub fn load(&self, pkg: &str) -> Result<Package, UciError> {
        let mut package = self.load_committed(pkg)?;
        for change in self.changes(pkg)? {
            // Changes that no longer apply are skipped, as libuci does.
            let _ = change.apply(&mut package);
        }
        Ok(package)
    }

    /// Names of the packages in the config dir (files without a `.`).
    pub fn list_packages(&self) -> Result<Vec<String>, UciError> {
        let dir = fs::read_dir(&self.confdir).map_err(|e| UciError::io(&self.confdir, e))?;
        let mut names: Vec<String> = dir
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| valid_package_name(n))
            .collect();
        names.sort();
        Ok(names)
    }

    /// Append changes to the package's delta file without committing
    /// (what `uci set` does).
    pub fn stage(&self, pkg: &str, changes: &[Change]) -> Result<(), UciError> {
        Self::check_name(pkg)?;
        fs::create_dir_all(&self.savedir).map_err(|e| UciError::io(&self.savedir, e))?;
        let path = self.delta_path(pkg);
        let mut f = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(NEW_FILE_MODE)
            .open(&path)
            .map_err(|e| UciError::io(&path, e))?;
        lock(&f, &path, true)?;
        let text: String = changes.iter().map(|c| c.to_line(pkg)).collect();
        f.write_all(text.as_bytes())
            .and_then(|_| f.flush())
            .map_err(|e| UciError::io(&path, e))
    }

    /// Drop pending changes of a package, a section or one option (`uci
    /// revert pkg[.sec[.opt]]`).
    pub fn revert(
        &self,
        pkg: &str,
        section: Option<&str>,
        option: Option<&str>,
    ) -> Result<(), UciError> {
        Self::check_name(pkg)?;
        let path = self.delta_path(pkg);
        let mut f = match OpenOptions::new().read(true).write(true).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(UciError::io(&path, e)),
        };
        lock(&f, &path, true)?;
        let kept: String = delta::parse_changes(&read_all(&mut f, &path)?, pkg)
            .iter()
            .filter(|c| {
                let sec_match = section.is_none_or(|s| c.section() == s);
                let opt_match = option.is_none_or(|o| c.option() == Some(o));
                !(sec_match && opt_match)
            })
            .map(|c| c.to_line(pkg))
            .collect();
        f.set_len(0)
            .and_then(|_| f.seek(SeekFrom::Start(0)))
            .and_then(|_| f.write_all(kept.as_bytes()))
            .map_err(|e| UciError::io(&path, e))
    }

    /// Commit the pending changes of one package (`uci commit pkg`).
    pub fn commit(&self, pkg: &str) -> Result<(), UciError> {
        self.commit_with(&[(pkg.to_string(), Vec::new())])
    }

    /// Commit several packages at once: each package's file is re-read,
    /// its pending delta file and then `extra` changes are applied. Every
    /// package is locked, read and changed before anything is written, so an
    /// error in any of them leaves all files untouched. Extra changes must
    /// all apply (unlike replayed delta lines, which libuci skips).
    pub fn commit_with(&self, packages: &[(String, Vec<Change>)]) -> Result<(), UciError> {
        // One entry per package (locking a file twice from this process
        // would block on ourselves), in name order: a fixed lock order keeps
        // two committing agents from deadlocking.
        let mut merged: std::collections::BTreeMap<&str, Vec<&Change>> = Default::default();
        for (pkg, extra) in packages {
            merged.entry(pkg.as_str()).or_default().extend(extra.iter());
        }
        let mut staged = Vec::new();
        for (pkg, extra) in merged {
            let (locked, mut package) = self.lock_and_read(pkg)?;
            for change in extra {
                change.apply(&mut package)?;
            }
            staged.push((locked, package));
        }
        // Phase 1: every package's new file is written to its temporary
        // file. A failure here removes the temporaries: nothing changed.
        let mut prepared: Vec<Prepared> = Vec::new();
        for (locked, package) in staged {
            match Self::prepare(locked, &package) {
                Ok(p) => prepared.push(p),
                Err(e) => {
                    for p in &prepared {
                        let _ = fs::remove_file(&p.temp);
                    }
                    return Err(e);
                }
            }
        }
        // Phase 2: the renames. If one fails (EXDEV when the config file is
        // a symlink to another file system, EISDIR, ...), the packages
        // already renamed get their previous bytes back, so a commit of
        // several packages changes all of them or none (TR-069 A.3.2.1).
        let mut installed: Vec<&Prepared> = Vec::new();
        for p in &prepared {
            if let Err(e) = Self::install(p) {
                for done in installed.iter().rev() {
                    if let Err(undo) = Self::restore(done) {
                        log::error!("uci: cannot restore {}: {undo}", done.locked.path.display());
                    }
                }
                for p in &prepared {
                    let _ = fs::remove_file(&p.temp);
                }
                return Err(e);
            }
            installed.push(p);
        }
        // Phase 3: the pending deltas that went into the files are emptied,
        // only now that every file is in place.
        let mut first_error = None;
        for p in &prepared {
            if let (Some((dpath, f)), true) = (&p.locked.delta, p.locked.delta_used) {
                if let Err(e) = f.set_len(0) {
                    first_error.get_or_insert(UciError::io(dpath, e));
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Lock a package's config file (created if missing) and delta file,
    /// read both and replay the delta.
    fn lock_and_read(&self, pkg: &str) -> Result<(Locked, Package), UciError> {
        Self::check_name(pkg)?;
        let path = self.config_path(pkg);
        let (config, mode, mut package, original) =
            match OpenOptions::new().read(true).write(true).open(&path) {
                Ok(mut config) => {
                    lock(&config, &path, true)?;
                    let mode = config
                        .metadata()
                        .map_err(|e| UciError::io(&path, e))?
                        .permissions()
                        .mode()
                        & 0o7777;
                    let text = read_all(&mut config, &path)?;
                    let package = parse_package(pkg, &text, &path)?;
                    (Some(config), mode, package, Some(text))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    (None, NEW_FILE_MODE, Package::new(pkg), None)
                }
                Err(e) => return Err(UciError::io(&path, e)),
            };
        let dpath = self.delta_path(pkg);
        let mut delta_used = false;
        let delta = match OpenOptions::new().read(true).write(true).open(&dpath) {
            Ok(mut f) => {
                lock(&f, &dpath, true)?;
                let dtext = read_all(&mut f, &dpath)?;
                delta_used = delta::replay(&mut package, &dtext) > 0;
                Some((dpath, f))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(UciError::io(&dpath, e)),
        };
        let locked = Locked {
            path,
            _config: config,
            mode,
            delta,
            delta_used,
            original,
        };
        Ok((locked, package))
    }

    /// Write `.<pkg>.uci-XXXXXX` next to the config file, fsync it, give it
    /// the old file's mode.
    fn prepare(locked: Locked, package: &Package) -> Result<Prepared, UciError> {
        let dir = locked
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let temp = write_temp(
            &dir,
            &package.name,
            file_content(package).as_bytes(),
            locked.mode,
        )?;
        Ok(Prepared { locked, temp })
    }

    /// Renames the prepared file over the config file (through a symlink,
    /// as libuci does with realpath).
    fn install(p: &Prepared) -> Result<(), UciError> {
        let target = fs::canonicalize(&p.locked.path).unwrap_or_else(|_| p.locked.path.clone());
        fs::rename(&p.temp, &target).map_err(|e| UciError::io(&target, e))?;
        sync_dir(&target);
        Ok(())
    }

    /// Undoes [`Store::install`]: the previous bytes go back (by the same
    /// temp + rename), or the file goes if there was none.
    fn restore(p: &Prepared) -> Result<(), UciError> {
        let target = fs::canonicalize(&p.locked.path).unwrap_or_else(|_| p.locked.path.clone());
        let Some(original) = &p.locked.original else {
            return fs::remove_file(&target).map_err(|e| UciError::io(&target, e));
        };
        let dir = target
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = write_temp(&dir, &name, original, p.locked.mode)?;
        if let Err(e) = fs::rename(&temp, &target) {
            let _ = fs::remove_file(&temp);
            return Err(UciError::io(&target, e));
        }
        sync_dir(&target);
        Ok(())
    }
}

/// Makes a rename in `path`'s directory durable; not fatal where unsupported.
fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent() {
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// Writes `data` to a new `.<pkg>.uci-XXXXXX` in `dir`, fsynced, with
/// `mode`; on any error the temporary file is removed.
fn write_temp(dir: &Path, pkg: &str, data: &[u8], mode: u32) -> Result<PathBuf, UciError> {
    let (temp, mut file) = create_temp(dir, pkg)?;
    let result = lock(&file, &temp, true)
        .and_then(|_| {
            file.write_all(data)
                .and_then(|_| file.sync_all())
                .map_err(|e| UciError::io(&temp, e))
        })
        .and_then(|_| {
            fs::set_permissions(&temp, fs::Permissions::from_mode(mode))
                .map_err(|e| UciError::io(&temp, e))
        });
    match result {
        Ok(()) => Ok(temp),
        Err(e) => {
            let _ = fs::remove_file(&temp);
            Err(e)
        }
    }
}

/// Create `<dir>/.<pkg>.uci-XXXXXX` exclusively (mkstemp's job).
fn create_temp(dir: &Path, pkg: &str) -> Result<(PathBuf, File), UciError> {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
        ^ std::process::id().rotate_left(16);
    for attempt in 0u32..100 {
        let suffix = seed
            .wrapping_mul(2_654_435_761)
            .wrapping_add(attempt.wrapping_mul(40_503))
            & 0xFF_FFFF;
        let path = dir.join(format!(".{pkg}.uci-{suffix:06x}"));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(NEW_FILE_MODE)
            .open(&path)
        {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(UciError::io(&path, e)),
        }
    }
    Err(UciError::Invalid(format!(
        "cannot create a temporary file in {}",
        dir.display()
    )))
}
