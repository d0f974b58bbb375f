//! Runs one sans-I/O `Session` over a real connection to the ACS: the only
//! place where the session meets the network and the clock.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::cwmp::session::{Failure, Reply, RpcHandler, Session, SessionEvent, Transmit};

/// What the driver needs from the HTTP layer: POST a body (empty = the
/// CWMP empty POST) and get the ACS's reply. HTTP errors (4xx/5xx,
/// connection failures, TLS) come back as `Err` with a readable reason.
pub trait AcsLink {
    fn post(&mut self, body: Option<Vec<u8>>) -> impl Future<Output = Result<Reply, String>>;
}

/// Drives `session` to its end. `on_event` sees every session event as it
/// happens (InformAcknowledged must be persisted before the session goes
/// on, so that a crash after it does not resend delivered events).
pub async fn drive<L: AcsLink>(
    session: &mut Session,
    link: &mut L,
    handler: &mut dyn RpcHandler,
    mut on_event: impl FnMut(&SessionEvent),
) -> Result<(), Failure> {
    let epoch = Instant::now();
    loop {
        while let Some(ev) = session.poll_event() {
            on_event(&ev);
            if let SessionEvent::Ended(result) = ev {
                return result;
            }
        }
        let now = epoch.elapsed();
        let Some(out) = session.poll_transmit(now) else {
            // Nothing to send and not ended cannot happen; fail safe.
            session.handle_failure("session stalled");
            continue;
        };
        let body = match out {
            Transmit::Envelope(bytes) => Some(bytes),
            Transmit::Empty => None,
        };
        let wait = session
            .poll_timeout()
            .map(|deadline| deadline.saturating_sub(now))
            .unwrap_or(Duration::from_secs(30));
        match tokio::time::timeout(wait, link.post(body)).await {
            Ok(Ok(reply)) => session.handle_reply(reply, handler),
            Ok(Err(reason)) => session.handle_failure(reason),
            Err(_) => session.handle_timeout(epoch.elapsed()),
        }
    }
}
