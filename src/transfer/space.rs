//! Free space of the file system a download lands on. A trait so tests
//! can simulate a full disk; [`StatVfs`] is the real one.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Bytes an unprivileged writer may still use in the file system of `dir`.
pub trait FreeSpace: Send + Sync {
    fn available(&self, dir: &Path) -> io::Result<u64>;
}

/// statvfs(2): `f_bavail * f_frsize` (blocks free to non-root users, so a
/// download never eats the root reserve the system needs to keep running).
#[derive(Debug, Clone, Copy, Default)]
pub struct StatVfs;

impl FreeSpace for StatVfs {
    fn available(&self, dir: &Path) -> io::Result<u64> {
        let path = CString::new(dir.as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL byte in path"))?;
        // SAFETY: statvfs is plain old data; all-zero is a valid value.
        let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: `path` is a valid NUL-terminated string and `st` a valid
        // out-pointer for the duration of the call.
        let rc = unsafe { libc::statvfs(path.as_ptr(), &mut st) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        // The field widths differ between libcs (u32 on 32-bit musl).
        #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
        let (blocks, size) = (u64::from(st.f_bavail), u64::from(st.f_frsize));
        Ok(blocks.saturating_mul(size))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statvfs_sees_the_temp_dir_and_refuses_a_missing_one() {
        let free = StatVfs.available(&std::env::temp_dir()).unwrap();
        assert!(free > 0);
        let missing = std::env::temp_dir().join("cwmpd-no-such-dir/x/y");
        assert!(StatVfs.available(&missing).is_err());
    }
}
