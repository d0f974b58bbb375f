//! Download: stream a file from an HTTP(S) server to disk (TR-069
//! §A.3.2.8). The body goes to `<dest>.part` chunk by chunk and is renamed
//! to `dest` only when complete and of the right size; on any failure the
//! partial file is deleted. Memory use does not depend on the file size.
//!
//! Size and space rules:
//! - the FileSize argument (`announced_size`, 0 = unknown) and the
//!   response's Content-Length must agree when both are given;
//! - the expected size (FileSize, else Content-Length) must fit in the free
//!   space minus `reserve_bytes`: checked before connecting (FileSize),
//!   after the response head (Content-Length), and every
//!   [`SPACE_CHECK_INTERVAL`] bytes during the transfer;
//! - more bytes than expected fail at once, fewer at the end fail as
//!   truncated.
//!
//! Writes are plain blocking `write(2)` calls of one chunk: downloads land
//! in `/tmp` (tmpfs, RAM) on OpenWrt, where they never wait on a device.

use super::client::{next_chunk, request, Spec, TransferTarget};
use super::error::{Stage, TransferError};
use super::idle::Progress;
use super::space::FreeSpace;
use crate::transport::client_conn::client_body;
use http_body_util::Empty;
use hyper::header::CONTENT_LENGTH;
use hyper::{Method, StatusCode};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Free space is re-checked each time this many bytes were written.
pub const SPACE_CHECK_INTERVAL: u64 = 1024 * 1024;

/// Size bounds of one download.
#[derive(Debug, Clone, Copy, Default)]
pub struct DownloadLimits {
    /// FileSize from the Download RPC; 0 = unknown (then Content-Length,
    /// when present, is the expected size).
    pub announced_size: u64,
    /// Free space to leave untouched on the destination file system.
    pub reserve_bytes: u64,
}

/// Downloads `target` to `dest` and returns the number of bytes written.
/// On error neither `dest` nor `<dest>.part` is left behind (an existing
/// `dest` from before is not touched).
pub async fn download(
    target: &TransferTarget,
    limits: &DownloadLimits,
    dest: &Path,
    space: &dyn FreeSpace,
) -> Result<u64, TransferError> {
    let part = part_path(dest);
    let result = fetch(target, limits, dest, &part, space).await;
    if result.is_err() {
        if let Err(e) = std::fs::remove_file(&part) {
            if e.kind() != io::ErrorKind::NotFound {
                log::warn!("cannot remove {}: {e}", part.display());
            }
        }
    }
    result
}

/// `<dest>.part`.
pub fn part_path(dest: &Path) -> PathBuf {
    let mut s = dest.as_os_str().to_owned();
    s.push(".part");
    PathBuf::from(s)
}

async fn fetch(
    target: &TransferTarget,
    limits: &DownloadLimits,
    dest: &Path,
    part: &Path,
    space: &dyn FreeSpace,
) -> Result<u64, TransferError> {
    super::client::check_url(&target.url)?;
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let reserve = limits.reserve_bytes;
    if limits.announced_size > 0 {
        ensure_space(space, dir, limits.announced_size, reserve)?;
    }
    let progress = Progress::new(target.idle_timeout);
    let spec = Spec {
        method: Method::GET,
        content_type: None,
    };
    let answer = request(target, &progress, &spec, &mut || {
        Ok((client_body(Empty::<bytes::Bytes>::new()), None))
    })
    .await?;
    let status = answer.response.status();
    if status != StatusCode::OK {
        return Err(TransferError::Status {
            status: status.as_u16(),
        });
    }
    // hyper has already refused a malformed Content-Length.
    let content_length = answer
        .response
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let expected = match (limits.announced_size, content_length) {
        (0, cl) => cl,
        (announced, Some(cl)) if cl != announced => {
            return Err(TransferError::SizeMismatch {
                announced,
                content_length: cl,
            })
        }
        (announced, _) => Some(announced),
    };
    if let Some(n) = expected {
        ensure_space(space, dir, n, reserve)?;
    }
    let mut file = create_part(part)?;
    let mut body = answer.response.into_body();
    let mut got = 0u64;
    progress
        .guard(Stage::Transfer, async {
            let mut next_check = SPACE_CHECK_INTERVAL;
            while let Some(chunk) = next_chunk(&mut body).await {
                let data = chunk.map_err(|e| body_error(e, got, expected))?;
                let total = got.saturating_add(data.len() as u64);
                if let Some(limit) = expected.filter(|&l| total > l) {
                    return Err(TransferError::TooLarge { got: total, limit });
                }
                file.write_all(&data)
                    .map_err(|e| write_error(e, expected, total))?;
                got = total;
                if got >= next_check {
                    next_check = got.saturating_add(SPACE_CHECK_INTERVAL);
                    let remaining = expected.map_or(0, |e| e.saturating_sub(got));
                    ensure_space(space, dir, remaining, reserve)?;
                }
            }
            Ok(())
        })
        .await?;
    if let Some(e) = expected.filter(|&e| got < e) {
        return Err(TransferError::Truncated { got, expected: e });
    }
    file.sync_all().map_err(TransferError::Io)?;
    drop(file);
    std::fs::rename(part, dest).map_err(TransferError::Io)?;
    Ok(got)
}

/// Fails unless `needed` bytes fit with `reserve` bytes left over.
fn ensure_space(
    space: &dyn FreeSpace,
    dir: &Path,
    needed: u64,
    reserve: u64,
) -> Result<(), TransferError> {
    let available = space.available(dir).map_err(TransferError::Io)?;
    let wanted = needed.saturating_add(reserve);
    if available < wanted {
        return Err(TransferError::NoSpace {
            needed: wanted,
            available,
        });
    }
    Ok(())
}

/// A fresh, private `.part` (a stale one from an interrupted run is
/// replaced). 0600: configuration files may hold secrets.
fn create_part(part: &Path) -> Result<File, TransferError> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(part)
        .map_err(TransferError::Io)
}

/// The server closing before the announced end is a truncation. hyper
/// reports it as an incomplete message, or as a body error caused by an
/// `UnexpectedEof` when the Content-Length was not reached.
fn body_error(e: hyper::Error, got: u64, expected: Option<u64>) -> TransferError {
    let early_eof = e.is_incomplete_message()
        || std::error::Error::source(&e)
            .and_then(|s| s.downcast_ref::<io::Error>())
            .is_some_and(|io| io.kind() == io::ErrorKind::UnexpectedEof);
    match expected {
        Some(expected) if early_eof => TransferError::Truncated { got, expected },
        _ => TransferError::Http(e),
    }
}

fn write_error(e: io::Error, expected: Option<u64>, total: u64) -> TransferError {
    if e.raw_os_error() == Some(libc::ENOSPC) {
        return TransferError::NoSpace {
            needed: expected.unwrap_or(total),
            available: 0,
        };
    }
    TransferError::Io(e)
}
