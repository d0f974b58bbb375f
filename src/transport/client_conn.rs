//! One socket type and one body type for every outgoing HTTP/1.1
//! connection: ACS sessions ([`super::acs_client`]) and file transfers
//! (`crate::transfer::client`), over plain TCP or TLS, metered or not.
//!
//! Why: hyper's client connection (its HTTP/1 state machine, dispatcher
//! and body encoder) is generic over the socket and the request body, and
//! the compiler emits a full copy of it for each pair used. Four sockets
//! (TCP, TLS, metered TCP, TLS over metered TCP) and three bodies (SOAP
//! envelope, empty GET, upload file) cost the mipsel binary well over
//! 100 KB of duplicated code; behind one boxed socket and one boxed body
//! there is a single copy. The price is one indirect call per socket poll
//! and per body frame, nothing next to a syscall.

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::BodyExt;
use hyper::body::Body;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

/// The error type of a [`ClientBody`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Any byte stream a client connection can run on.
pub trait Socket: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Socket for T {}

/// The request body type of every client connection.
pub type ClientBody = UnsyncBoxBody<Bytes, BoxError>;

/// The sending half of a client connection.
pub type ClientSender = SendRequest<ClientBody>;

/// Boxes a request body into a [`ClientBody`].
pub fn client_body<B>(body: B) -> ClientBody
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    body.map_err(Into::into).boxed_unsync()
}

/// Runs the HTTP/1.1 handshake on `socket` (boxed by the caller: this
/// function exists once) and spawns the connection task, which ends by
/// itself when the server closes or the sender is dropped; `peer` names
/// the other side in the debug line logged when it ends.
pub async fn handshake(
    socket: Box<dyn Socket>,
    peer: &'static str,
) -> Result<ClientSender, hyper::Error> {
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(socket)).await?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            log::debug!("{peer} connection ended: {e}");
        }
    });
    Ok(sender)
}
