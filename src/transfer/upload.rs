//! Upload: send a local file to an HTTP(S) server (TR-069 §A.4.1.5), PUT
//! by default, POST when asked. The file is streamed from disk with a
//! Content-Length; any 2xx is success.
//!
//! A 401 is answered with the credentials and the file is sent again (the
//! first copy went to a server that refused it). Uploads are small
//! (configuration backups, logs), so this costs less than the round trip an
//! `Expect: 100-continue` would need, which hyper's client does not do.

use super::client::{request, Spec, TransferTarget};
use super::error::{Stage, TransferError};
use super::idle::Progress;
use crate::transport::client_conn::client_body;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, SizeHint};
use hyper::Method;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Chunk read from the source file per body frame.
const CHUNK: usize = 64 * 1024;
/// Response body of an upload is read and dropped up to this size.
const MAX_RESPONSE_BODY: usize = 64 * 1024;

/// HTTP method of an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UploadMethod {
    #[default]
    Put,
    Post,
}

/// Uploads `source` to `target` and returns the number of bytes sent.
pub async fn upload(
    target: &TransferTarget,
    method: UploadMethod,
    source: &Path,
) -> Result<u64, TransferError> {
    super::client::check_url(&target.url)?;
    let meta = std::fs::metadata(source).map_err(TransferError::Io)?;
    if !meta.is_file() {
        return Err(TransferError::Io(io::Error::new(
            io::ErrorKind::InvalidInput,
            "upload source is not a regular file",
        )));
    }
    // The length is fixed now: a log that grows while it is sent is cut
    // here; one that shrinks fails the upload.
    let len = meta.len();
    let progress = Progress::new(target.idle_timeout);
    let spec = Spec {
        method: match method {
            UploadMethod::Put => Method::PUT,
            UploadMethod::Post => Method::POST,
        },
        content_type: Some("application/octet-stream"),
    };
    let answer = request(target, &progress, &spec, &mut || {
        let file = File::open(source).map_err(TransferError::Io)?;
        Ok((client_body(FileBody::new(file, len)), Some(len)))
    })
    .await?;
    let status = answer.response.status();
    let body = http_body_util::Limited::new(answer.response.into_body(), MAX_RESPONSE_BODY);
    // The answer's body says nothing we need; a broken one after a 2xx
    // head does not undo the upload.
    let _ = progress
        .guard(Stage::Transfer, async { Ok(body.collect().await.is_ok()) })
        .await;
    if !status.is_success() {
        return Err(TransferError::Status {
            status: status.as_u16(),
        });
    }
    Ok(len)
}

/// A request body read from a file in [`CHUNK`]s, exactly `remaining`
/// bytes long. Reads are blocking but short: the sources are local files
/// (backups and logs in /tmp).
struct FileBody {
    file: File,
    remaining: u64,
}

impl FileBody {
    fn new(file: File, len: u64) -> FileBody {
        FileBody {
            file,
            remaining: len,
        }
    }
}

impl Body for FileBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let want = usize::try_from(self.remaining).map_or(CHUNK, |r| r.min(CHUNK));
        let mut buf = vec![0u8; want];
        let n = match self.file.read(&mut buf) {
            Ok(0) => {
                return Poll::Ready(Some(Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "upload source shrank while being sent",
                ))))
            }
            Ok(n) => n,
            Err(e) => return Poll::Ready(Some(Err(e))),
        };
        buf.truncate(n);
        self.remaining -= n as u64;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(buf)))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}
