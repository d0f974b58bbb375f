//! The idle timeout of a transfer: it fails when no byte moves on the
//! socket, in either direction, for the configured time. A firmware image
//! over a slow link may take many minutes, so a total deadline would be
//! wrong; a server that stops sending is what must be caught.
//!
//! [`Metered`] wraps the socket (below TLS) and stamps every read or write
//! that moved bytes; [`Progress::guard`] races a future against the stamp
//! getting older than the timeout.

use super::error::{Stage, TransferError};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

/// When bytes last moved, shared by the socket wrapper and the watchdog.
#[derive(Debug)]
pub(crate) struct Progress {
    start: Instant,
    /// Milliseconds after `start` of the last byte moved. 32 bits because
    /// 32-bit MIPS has no 64-bit atomics; it saturates after 49 days, past
    /// which a transfer is no longer watched for stalls.
    last_ms: AtomicU32,
    idle: Duration,
}

impl Progress {
    /// A zero `idle` (unset configuration) means
    /// [`super::client::DEFAULT_IDLE_TIMEOUT`], not "fail at once".
    pub(crate) fn new(idle: Duration) -> Arc<Progress> {
        let idle = if idle.is_zero() {
            super::client::DEFAULT_IDLE_TIMEOUT
        } else {
            idle
        };
        Arc::new(Progress {
            start: Instant::now(),
            last_ms: AtomicU32::new(0),
            idle,
        })
    }

    /// Records activity now (also called when a new phase starts, so the
    /// time spent on local work does not count as a stall).
    pub(crate) fn touch(&self) {
        let ms = u32::try_from(self.start.elapsed().as_millis()).unwrap_or(u32::MAX);
        self.last_ms.fetch_max(ms, Ordering::Relaxed);
    }

    /// `None` when the timeout is too large to represent (no stall ever).
    fn deadline(&self) -> Option<Instant> {
        self.start
            .checked_add(Duration::from_millis(u64::from(
                self.last_ms.load(Ordering::Relaxed),
            )))?
            .checked_add(self.idle)
    }

    /// Resolves once nothing moved for the idle timeout.
    async fn stalled(&self) {
        loop {
            match self.deadline() {
                Some(deadline) if Instant::now() >= deadline => return,
                Some(deadline) => tokio::time::sleep_until(deadline).await,
                None => tokio::time::sleep(Duration::from_secs(86_400)).await,
            }
        }
    }

    /// Runs `fut`, failing with [`TransferError::Timeout`] at `stage` if
    /// the socket goes quiet for the idle timeout first.
    pub(crate) async fn guard<T>(
        &self,
        stage: Stage,
        fut: impl Future<Output = Result<T, TransferError>>,
    ) -> Result<T, TransferError> {
        self.touch();
        tokio::select! {
            r = fut => r,
            () = self.stalled() => Err(TransferError::Timeout { stage }),
        }
    }
}

/// A socket that reports every byte moved to a [`Progress`].
pub(crate) struct Metered<T> {
    inner: T,
    progress: Arc<Progress>,
}

impl<T> Metered<T> {
    pub(crate) fn new(inner: T, progress: Arc<Progress>) -> Metered<T> {
        Metered { inner, progress }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Metered<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.progress.touch();
        }
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Metered<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.progress.touch();
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn guard_fails_only_after_quiet_time() {
        let p = Progress::new(Duration::from_millis(400));
        let ok = p
            .guard(Stage::Transfer, async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                Ok(1)
            })
            .await;
        assert_eq!(ok.unwrap(), 1);
        let p2 = p.clone();
        // Activity every 100 ms keeps a 1.2 s operation alive.
        let ok = p
            .guard(Stage::Transfer, async move {
                for _ in 0..12 {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    p2.touch();
                }
                Ok(())
            })
            .await;
        assert!(ok.is_ok());
        let err = p
            .guard(Stage::Connect, async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                Ok(())
            })
            .await;
        assert!(matches!(
            err,
            Err(TransferError::Timeout {
                stage: Stage::Connect
            })
        ));
    }

    #[tokio::test]
    async fn absurd_timeouts_neither_panic_nor_fire_at_once() {
        for idle in [Duration::MAX, Duration::ZERO] {
            let p = Progress::new(idle);
            let r = p
                .guard(Stage::Transfer, async {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Ok(())
                })
                .await;
            assert!(r.is_ok(), "{idle:?}");
        }
    }
}
