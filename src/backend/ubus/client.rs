//! Async ubus client over ubusd's unix socket (openwrt-reference.md §4.5).
//!
//! One reader task per connection decodes frames and routes them: DATA and
//! STATUS to the request waiting on that `seq`, INVOKEs to our published
//! objects, event listeners and subscribers. Writes go through a channel to a
//! writer task, so replying (also from `Drop`) never blocks or awaits.
//!
//! Reconnects: a [`Client`] is one connection. When ubusd goes away every
//! pending call fails with [`Error::ConnectionClosed`], every event /
//! notification / request stream ends (`None`), and [`Client::closed`]
//! resolves. The owner then connects again and re-publishes its objects,
//! re-registers its event patterns and re-subscribes (object ids change,
//! §4.7); this module does not do that behind the caller's back.

use super::blob::BlobValue;
use super::msg::{self, Attrs, Message, MsgType, FRAME_PREFIX_LEN};
use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;
use tokio::sync::{mpsc, watch};
use tokio::task::{AbortHandle, JoinHandle};

/// ubusd's default socket.
pub const DEFAULT_SOCKET: &str = "/var/run/ubus/ubus.sock";
/// Default per-request timeout (what the `ubus` CLI uses).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The system object that handles event `register` / `send` (§4.5).
pub const EVENT_OBJECT_ID: u32 = 1;

/// ubus status codes (`enum ubus_msg_status`, §4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Ok = 0,
    InvalidCommand = 1,
    InvalidArgument = 2,
    MethodNotFound = 3,
    NotFound = 4,
    NoData = 5,
    PermissionDenied = 6,
    Timeout = 7,
    NotSupported = 8,
    UnknownError = 9,
    ConnectionFailed = 10,
    NoMemory = 11,
    ParseError = 12,
    SystemError = 13,
}

impl Status {
    /// Maps a wire code; codes this side does not know read as UnknownError.
    pub fn from_code(code: u32) -> Status {
        use Status::*;
        match code {
            0 => Ok,
            1 => InvalidCommand,
            2 => InvalidArgument,
            3 => MethodNotFound,
            4 => NotFound,
            5 => NoData,
            6 => PermissionDenied,
            7 => Timeout,
            8 => NotSupported,
            10 => ConnectionFailed,
            11 => NoMemory,
            12 => ParseError,
            13 => SystemError,
            _ => UnknownError,
        }
    }

    pub fn code(self) -> u32 {
        self as u32
    }
}

/// What can go wrong with a ubus operation.
#[derive(Debug)]
pub enum Error {
    /// ubusd or the object's owner answered with a non-OK status.
    Status(Status),
    /// No final STATUS within the timeout.
    Timeout,
    /// The connection to ubusd is gone (or was never completed).
    ConnectionClosed,
    /// Connecting or writing failed.
    Io(std::io::Error),
    /// The peer sent something that breaks the protocol.
    Protocol(String),
    /// The caller passed something ubus cannot carry (e.g. non-table args).
    InvalidInput(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Status(s) => write!(f, "ubus status {} ({s:?})", s.code()),
            Error::Timeout => write!(f, "ubus request timed out"),
            Error::ConnectionClosed => write!(f, "ubus connection closed"),
            Error::Io(e) => write!(f, "ubus socket: {e}"),
            Error::Protocol(m) => write!(f, "ubus protocol error: {m}"),
            Error::InvalidInput(m) => write!(f, "invalid ubus request: {m}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

/// An object found by LOOKUP.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectInfo {
    pub path: String,
    pub id: u32,
    pub type_id: u32,
    /// Table of methods, each a table `argname = blobmsg type id` (INT32).
    pub signature: BlobValue,
}

/// A method of a published object: its name and argument types (blobmsg
/// type ids from [`super::blob::blobmsg_type`]), which become its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Method {
    pub name: String,
    pub args: Vec<(String, u8)>,
}

impl Method {
    pub fn new(name: &str) -> Self {
        Method {
            name: name.to_owned(),
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &str, blobmsg_type: u8) -> Self {
        self.args.push((name.to_owned(), blobmsg_type));
        self
    }
}

/// An event received through [`Client::listen`].
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub name: String,
    pub data: BlobValue,
}

/// What a subscriber receives.
#[derive(Debug, Clone, PartialEq)]
pub enum Notification {
    /// The object sent a notification (`interface.update`, ...).
    Notify { kind: String, data: BlobValue },
    /// The target object went away; ubusd dropped the subscription.
    Unsubscribed { target: u32 },
}

/// What a published object receives.
#[derive(Debug)]
pub enum ObjectEvent {
    /// A method call; answer through [`Request::reply`] / its [`Responder`].
    Call(Request),
    /// Someone subscribed (true) or the last subscriber left (false).
    Subscribers(bool),
}

/// An incoming method call on a published object.
#[derive(Debug)]
pub struct Request {
    pub method: String,
    /// Arguments (a table; empty when the caller sent none).
    pub data: BlobValue,
    /// Caller identity as ubusd reports it (USER / GROUP attributes).
    pub user: Option<String>,
    pub group: Option<String>,
    pub responder: Responder,
}

impl Request {
    /// Answers with one reply table and status OK.
    pub fn reply(self, data: BlobValue) {
        self.responder.reply(data)
    }

    /// Answers with a status only.
    pub fn finish(self, status: Status) {
        self.responder.finish(status)
    }
}

/// Answers one call. It may be kept and used later (deferred reply); it
/// reuses the call's seq and peer as ubusd requires. Dropping it without
/// finishing answers UNKNOWN_ERROR so the caller is not left waiting.
#[derive(Debug)]
pub struct Responder {
    tx: mpsc::UnboundedSender<Vec<u8>>,
    seq: u16,
    peer: u32,
    objid: u32,
    done: bool,
}

impl Responder {
    /// Sends one DATA reply (a call may produce several). `data` must be a
    /// table and fit in a 1 MiB message, else nothing is sent.
    pub fn send_data(&self, data: BlobValue) -> Result<(), Error> {
        table_or_err(&data)?;
        let m = Message::new(
            MsgType::Data,
            self.seq,
            self.peer,
            Attrs {
                objid: Some(self.objid),
                data: Some(data),
                ..Attrs::default()
            },
        );
        let frame = m.encode();
        if frame.len() > msg::MAX_MSG_LEN + 8 {
            return Err(Error::InvalidInput("reply exceeds 1 MiB"));
        }
        self.tx.send(frame).map_err(|_| Error::ConnectionClosed)
    }

    /// Ends the call with `status`.
    pub fn finish(mut self, status: Status) {
        self.send_status(status);
    }

    /// One DATA reply, then status OK; UNKNOWN_ERROR if the reply could
    /// not be sent (not a table, or too big).
    pub fn reply(self, data: BlobValue) {
        let status = match self.send_data(data) {
            Ok(()) => Status::Ok,
            Err(_) => Status::UnknownError,
        };
        self.finish(status);
    }

    fn send_status(&mut self, status: Status) {
        if self.done {
            return;
        }
        self.done = true;
        let m = Message::new(
            MsgType::Status,
            self.seq,
            self.peer,
            Attrs {
                status: Some(status.code()),
                objid: Some(self.objid),
                ..Attrs::default()
            },
        );
        let _ = self.tx.send(m.encode());
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.send_status(Status::UnknownError);
    }
}

/// A published object: its id and the stream of calls to it.
pub struct Object {
    pub id: u32,
    pub path: String,
    events: mpsc::UnboundedReceiver<ObjectEvent>,
}

impl Object {
    /// Next call or subscriber change; `None` once the connection is gone.
    pub async fn next(&mut self) -> Option<ObjectEvent> {
        self.events.recv().await
    }
}

/// Events matching the patterns given to [`Client::listen`].
pub struct EventStream {
    /// The anonymous object the events are delivered to.
    pub object_id: u32,
    rx: mpsc::UnboundedReceiver<Event>,
}

impl EventStream {
    pub async fn next(&mut self) -> Option<Event> {
        self.rx.recv().await
    }
}

/// Notifications of one subscribed object.
pub struct Subscription {
    pub subscriber_id: u32,
    pub target: u32,
    rx: mpsc::UnboundedReceiver<Notification>,
}

impl Subscription {
    pub async fn next(&mut self) -> Option<Notification> {
        self.rx.recv().await
    }
}

enum Sink {
    Served {
        methods: Vec<String>,
        tx: mpsc::UnboundedSender<ObjectEvent>,
    },
    Events(mpsc::UnboundedSender<Event>),
    Subscriber(mpsc::UnboundedSender<Notification>),
}

struct Pending {
    peer: u32,
    tx: mpsc::UnboundedSender<Result<Message, String>>,
    /// For ADD_OBJECT: installed as soon as the DATA with the new id arrives,
    /// before any INVOKE for that id can be routed.
    new_object: Option<Sink>,
}

#[derive(Default)]
struct State {
    next_seq: u16,
    pending: HashMap<u16, Pending>,
    objects: HashMap<u32, Sink>,
}

struct Shared {
    tx: mpsc::UnboundedSender<Vec<u8>>,
    state: Mutex<State>,
    /// 32-bit: MIPS32 routers have no 64-bit atomics (~49 days is plenty).
    timeout_ms: AtomicU32,
    closed: watch::Receiver<bool>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means another task panicked mid-update; the
        // maps stay usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

struct Conn {
    shared: Arc<Shared>,
    client_id: u32,
    tasks: [JoinHandle<()>; 2],
}

impl Drop for Conn {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// A connection to ubusd. Cheap to clone; the connection closes when the
/// last clone is dropped.
#[derive(Clone)]
pub struct Client {
    conn: Arc<Conn>,
}

/// Reads one whole frame. An error here (EOF, bad version or length) is
/// fatal: the byte stream cannot be resynchronised.
async fn read_frame(r: &mut OwnedReadHalf) -> Result<Vec<u8>, Error> {
    let mut prefix = [0u8; FRAME_PREFIX_LEN];
    r.read_exact(&mut prefix).await?;
    let body_len = msg::frame_body_len(&prefix).map_err(|e| Error::Protocol(e.to_string()))?;
    let mut frame = Vec::with_capacity(FRAME_PREFIX_LEN + body_len);
    frame.extend_from_slice(&prefix);
    frame.resize(FRAME_PREFIX_LEN + body_len, 0);
    r.read_exact(&mut frame[FRAME_PREFIX_LEN..]).await?;
    Ok(frame)
}

async fn write_loop(mut w: OwnedWriteHalf, mut rx: mpsc::UnboundedReceiver<Vec<u8>>) {
    while let Some(frame) = rx.recv().await {
        if w.write_all(&frame).await.is_err() {
            break;
        }
    }
}

async fn read_loop(
    mut r: OwnedReadHalf,
    shared: Arc<Shared>,
    closed: watch::Sender<bool>,
    writer: AbortHandle,
) {
    while let Ok(frame) = read_frame(&mut r).await {
        match Message::decode(&frame) {
            Ok(m) => dispatch(&shared, m),
            // A well-framed message with bad contents costs only itself.
            Err(e) => reject(&shared, &frame, e.to_string()),
        }
    }
    let mut st = shared.state();
    st.pending.clear();
    st.objects.clear();
    drop(st);
    // Close our side too, so ubusd drops our objects at once.
    writer.abort();
    let _ = closed.send(true);
}

/// A malformed reply fails the request it answers (instead of leaving it
/// to time out); other malformed messages are dropped.
fn reject(shared: &Shared, frame: &[u8], why: String) {
    let (Some(&kind), Some(seq)) = (frame.get(1), frame.get(2..4)) else {
        return;
    };
    if kind != MsgType::Data as u8 && kind != MsgType::Status as u8 {
        return;
    }
    let seq = u16::from_be_bytes([seq[0], seq[1]]);
    if let Some(p) = shared.state().pending.remove(&seq) {
        let _ = p.tx.send(Err(why));
    }
}

fn reply_status(shared: &Shared, seq: u16, peer: u32, objid: u32, status: Status) {
    let m = Message::new(
        MsgType::Status,
        seq,
        peer,
        Attrs {
            status: Some(status.code()),
            objid: Some(objid),
            ..Attrs::default()
        },
    );
    let _ = shared.tx.send(m.encode());
}

fn dispatch(shared: &Shared, m: Message) {
    let Some(kind) = m.kind() else { return };
    let mut st = shared.state();
    match kind {
        MsgType::Data | MsgType::Status => {
            let Some(p) = st.pending.get_mut(&m.seq) else {
                return;
            };
            if p.peer != m.peer {
                return;
            }
            if let (MsgType::Data, Some(id)) = (kind, m.attrs.objid) {
                if let Some(sink) = p.new_object.take() {
                    st.objects.insert(id, sink);
                }
            }
            let Some(p) = st.pending.get(&m.seq) else {
                return;
            };
            let _ = p.tx.send(Ok(m.clone()));
            if kind == MsgType::Status {
                st.pending.remove(&m.seq);
            }
        }
        MsgType::Invoke => {
            let objid = m.attrs.objid.unwrap_or(0);
            let method = m.attrs.method.clone().unwrap_or_default();
            let data = m.attrs.data.clone().unwrap_or_else(BlobValue::empty_table);
            let wants_reply = m.peer != 0 && m.attrs.no_reply != Some(true);
            match st.objects.get(&objid) {
                Some(Sink::Served { methods, tx }) => {
                    if !methods.contains(&method) {
                        drop(st);
                        reply_status(shared, m.seq, m.peer, objid, Status::MethodNotFound);
                        return;
                    }
                    let call = Request {
                        method,
                        data,
                        user: m.attrs.user.clone(),
                        group: m.attrs.group.clone(),
                        responder: Responder {
                            tx: shared.tx.clone(),
                            seq: m.seq,
                            peer: m.peer,
                            objid,
                            done: !wants_reply,
                        },
                    };
                    if let Err(mpsc::error::SendError(ObjectEvent::Call(mut req))) =
                        tx.send(ObjectEvent::Call(call))
                    {
                        // The owner dropped its Object: answer as libubus
                        // does for an object it no longer has.
                        req.responder.done = true;
                        drop(st);
                        reply_status(shared, m.seq, m.peer, objid, Status::NotFound);
                    }
                }
                Some(Sink::Events(tx)) => {
                    let _ = tx.send(Event { name: method, data });
                }
                Some(Sink::Subscriber(tx)) => {
                    let _ = tx.send(Notification::Notify { kind: method, data });
                    drop(st);
                    if wants_reply {
                        reply_status(shared, m.seq, m.peer, objid, Status::Ok);
                    }
                }
                None => {
                    drop(st);
                    if wants_reply {
                        reply_status(shared, m.seq, m.peer, objid, Status::NotFound);
                    }
                }
            }
        }
        MsgType::Unsubscribe => {
            if let (Some(objid), Some(target)) = (m.attrs.objid, m.attrs.target) {
                if let Some(Sink::Subscriber(tx)) = st.objects.get(&objid) {
                    let _ = tx.send(Notification::Unsubscribed { target });
                }
            }
        }
        MsgType::Notify => {
            if let (Some(objid), Some(active)) = (m.attrs.objid, m.attrs.active) {
                if let Some(Sink::Served { tx, .. }) = st.objects.get(&objid) {
                    let _ = tx.send(ObjectEvent::Subscribers(active));
                }
            }
        }
        _ => {}
    }
}

fn table_or_err(v: &BlobValue) -> Result<(), Error> {
    match v {
        BlobValue::Table(_) => Ok(()),
        _ => Err(Error::InvalidInput("arguments must be a table")),
    }
}

impl Client {
    /// Connects to ubusd at `path` and waits for its HELLO.
    pub async fn connect(path: impl AsRef<Path>) -> Result<Client, Error> {
        let stream = UnixStream::connect(path).await?;
        let (mut r, w) = stream.into_split();
        let hello = tokio::time::timeout(DEFAULT_TIMEOUT, read_frame(&mut r))
            .await
            .map_err(|_| Error::Timeout)??;
        let hello = Message::decode(&hello).map_err(|e| Error::Protocol(e.to_string()))?;
        if hello.kind() != Some(MsgType::Hello) {
            return Err(Error::Protocol("first message is not HELLO".into()));
        }
        let (tx, wrx) = mpsc::unbounded_channel();
        let (closed_tx, closed_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            tx,
            state: Mutex::new(State::default()),
            timeout_ms: AtomicU32::new(DEFAULT_TIMEOUT.as_millis() as u32),
            closed: closed_rx,
        });
        let writer = tokio::spawn(write_loop(w, wrx));
        let reader = tokio::spawn(read_loop(
            r,
            shared.clone(),
            closed_tx,
            writer.abort_handle(),
        ));
        Ok(Client {
            conn: Arc::new(Conn {
                shared,
                client_id: hello.peer,
                tasks: [reader, writer],
            }),
        })
    }

    /// Connects to ubusd's default socket ([`DEFAULT_SOCKET`]).
    pub async fn connect_default() -> Result<Client, Error> {
        Client::connect(DEFAULT_SOCKET).await
    }

    /// Our client id as ubusd announced it in HELLO.
    pub fn id(&self) -> u32 {
        self.conn.client_id
    }

    /// Sets the timeout of every later request of this connection.
    pub fn set_timeout(&self, t: Duration) {
        self.shared().timeout_ms.store(
            u32::try_from(t.as_millis()).unwrap_or(u32::MAX),
            Ordering::Relaxed,
        );
    }

    pub fn is_connected(&self) -> bool {
        !*self.shared().closed.borrow()
    }

    /// Resolves when the connection to ubusd is lost.
    pub async fn closed(&self) {
        let mut rx = self.shared().closed.clone();
        let _ = rx.wait_for(|c| *c).await;
    }

    fn shared(&self) -> &Arc<Shared> {
        &self.conn.shared
    }

    /// Sends a request and collects its DATA replies until the STATUS with
    /// the same seq. A non-OK status is an error.
    async fn request(
        &self,
        kind: MsgType,
        peer: u32,
        attrs: Attrs,
        new_object: Option<Sink>,
    ) -> Result<Vec<Message>, Error> {
        match self.request_status(kind, peer, attrs, new_object).await? {
            (Status::Ok, replies) => Ok(replies),
            (status, _) => Err(Error::Status(status)),
        }
    }

    /// As `request`, but a non-OK status comes back with the DATA replies
    /// that preceded it (a method may explain its refusal, as `ubus call`
    /// shows).
    async fn request_status(
        &self,
        kind: MsgType,
        peer: u32,
        attrs: Attrs,
        new_object: Option<Sink>,
    ) -> Result<(Status, Vec<Message>), Error> {
        let shared = self.shared();
        if !self.is_connected() {
            return Err(Error::ConnectionClosed);
        }
        let (tx, mut rx) = mpsc::unbounded_channel();
        let seq = {
            let mut st = shared.state();
            // Skip seqs still in flight after a wrap-around.
            let mut seq = st.next_seq.wrapping_add(1);
            while st.pending.contains_key(&seq) {
                seq = seq.wrapping_add(1);
            }
            st.next_seq = seq;
            st.pending.insert(
                seq,
                Pending {
                    peer,
                    tx,
                    new_object,
                },
            );
            seq
        };
        let frame = Message::new(kind, seq, peer, attrs).encode();
        if frame.len() > msg::MAX_MSG_LEN + 8 {
            shared.state().pending.remove(&seq);
            return Err(Error::InvalidInput("message exceeds 1 MiB"));
        }
        if shared.tx.send(frame).is_err() {
            shared.state().pending.remove(&seq);
            return Err(Error::ConnectionClosed);
        }
        let timeout = Duration::from_millis(u64::from(shared.timeout_ms.load(Ordering::Relaxed)));
        let collect = async {
            let mut replies = Vec::new();
            while let Some(m) = rx.recv().await {
                let m = m.map_err(Error::Protocol)?;
                if m.kind() == Some(MsgType::Status) {
                    let Some(code) = m.attrs.status else {
                        return Err(Error::Protocol("STATUS without a status code".into()));
                    };
                    return Ok((Status::from_code(code), replies));
                }
                replies.push(m);
            }
            Err(Error::ConnectionClosed)
        };
        match tokio::time::timeout(timeout, collect).await {
            Ok(r) => r,
            Err(_) => {
                shared.state().pending.remove(&seq);
                Err(Error::Timeout)
            }
        }
    }

    /// Objects whose path equals `pattern`, or starts with it when it ends
    /// in `*`; all objects for `None`.
    pub async fn lookup_all(&self, pattern: Option<&str>) -> Result<Vec<ObjectInfo>, Error> {
        let attrs = Attrs {
            objpath: pattern.map(str::to_owned),
            ..Attrs::default()
        };
        let replies = match self.request(MsgType::Lookup, 0, attrs, None).await {
            Ok(r) => r,
            // ubusd answers NOT_FOUND when nothing matched.
            Err(Error::Status(Status::NotFound)) => Vec::new(),
            Err(e) => return Err(e),
        };
        Ok(replies
            .into_iter()
            .filter_map(|m| {
                let a = m.attrs;
                Some(ObjectInfo {
                    path: a.objpath?,
                    id: a.objid?,
                    type_id: a.objtype.unwrap_or(0),
                    signature: a.signature.unwrap_or_else(BlobValue::empty_table),
                })
            })
            .collect())
    }

    /// The object at exactly `path`; `Error::Status(NotFound)` if none.
    pub async fn lookup(&self, path: &str) -> Result<ObjectInfo, Error> {
        if path.ends_with('*') {
            return Err(Error::InvalidInput("lookup takes an exact path"));
        }
        self.lookup_all(Some(path))
            .await?
            .into_iter()
            .find(|o| o.path == path)
            .ok_or(Error::Status(Status::NotFound))
    }

    /// Calls `method` on object `obj` with `args` (a table); returns the
    /// reply tables in order.
    pub async fn invoke(
        &self,
        obj: u32,
        method: &str,
        args: &BlobValue,
    ) -> Result<Vec<BlobValue>, Error> {
        table_or_err(args)?;
        let attrs = Attrs {
            objid: Some(obj),
            method: Some(method.to_owned()),
            // Always present, even empty (§4.5).
            data: Some(args.clone()),
            ..Attrs::default()
        };
        let replies = self.request(MsgType::Invoke, obj, attrs, None).await?;
        Ok(replies.into_iter().filter_map(|m| m.attrs.data).collect())
    }

    /// LOOKUP then INVOKE; the first reply table (empty table if none).
    pub async fn call(
        &self,
        path: &str,
        method: &str,
        args: &BlobValue,
    ) -> Result<BlobValue, Error> {
        let obj = self.lookup(path).await?;
        let mut replies = self.invoke(obj.id, method, args).await?;
        Ok(if replies.is_empty() {
            BlobValue::empty_table()
        } else {
            replies.swap_remove(0)
        })
    }

    /// LOOKUP then INVOKE, keeping the reply tables whatever the final
    /// status: `(status, replies)`. Transport failures are still errors.
    pub async fn call_with_status(
        &self,
        path: &str,
        method: &str,
        args: &BlobValue,
    ) -> Result<(Status, Vec<BlobValue>), Error> {
        table_or_err(args)?;
        let obj = self.lookup(path).await?;
        let attrs = Attrs {
            objid: Some(obj.id),
            method: Some(method.to_owned()),
            data: Some(args.clone()),
            ..Attrs::default()
        };
        let (status, replies) = self
            .request_status(MsgType::Invoke, obj.id, attrs, None)
            .await?;
        Ok((
            status,
            replies.into_iter().filter_map(|m| m.attrs.data).collect(),
        ))
    }

    async fn add_raw(&self, attrs: Attrs, sink: Sink) -> Result<u32, Error> {
        let replies = self
            .request(MsgType::AddObject, 0, attrs, Some(sink))
            .await?;
        replies
            .iter()
            .find_map(|m| m.attrs.objid)
            .ok_or_else(|| Error::Protocol("ADD_OBJECT reply without an object id".into()))
    }

    /// Publishes an object at `path` with `methods`. Calls arrive on the
    /// returned [`Object`]; unknown methods are answered METHOD_NOT_FOUND
    /// here without reaching it.
    pub async fn add_object(&self, path: &str, methods: &[Method]) -> Result<Object, Error> {
        let signature = BlobValue::Table(
            methods
                .iter()
                .map(|m| {
                    let args = m
                        .args
                        .iter()
                        .map(|(n, t)| (n.clone(), BlobValue::Int32(i32::from(*t))))
                        .collect();
                    (m.name.clone(), BlobValue::Table(args))
                })
                .collect(),
        );
        let (tx, rx) = mpsc::unbounded_channel();
        let sink = Sink::Served {
            methods: methods.iter().map(|m| m.name.clone()).collect(),
            tx,
        };
        let attrs = Attrs {
            objpath: Some(path.to_owned()),
            signature: Some(signature),
            ..Attrs::default()
        };
        let id = self.add_raw(attrs, sink).await?;
        Ok(Object {
            id,
            path: path.to_owned(),
            events: rx,
        })
    }

    /// Withdraws one of our objects (published, listener or subscriber).
    pub async fn remove_object(&self, id: u32) -> Result<(), Error> {
        let attrs = Attrs {
            objid: Some(id),
            ..Attrs::default()
        };
        self.request(MsgType::RemoveObject, 0, attrs, None).await?;
        self.shared().state().objects.remove(&id);
        Ok(())
    }

    /// Sends notification `kind` with `data` to the subscribers of our
    /// object `obj`, without waiting for them (NO_REPLY, as netifd does).
    pub fn notify(&self, obj: u32, kind: &str, data: &BlobValue) -> Result<(), Error> {
        table_or_err(data)?;
        let m = Message::new(
            MsgType::Notify,
            0,
            obj,
            Attrs {
                objid: Some(obj),
                method: Some(kind.to_owned()),
                data: Some(data.clone()),
                no_reply: Some(true),
                ..Attrs::default()
            },
        );
        self.shared()
            .tx
            .send(m.encode())
            .map_err(|_| Error::ConnectionClosed)
    }

    /// Receives the events matching `patterns` (exact name, `prefix*`, or
    /// `*` for all). Our own events are not looped back by ubusd.
    pub async fn listen(&self, patterns: &[&str]) -> Result<EventStream, Error> {
        let (tx, rx) = mpsc::unbounded_channel();
        let id = self.add_raw(Attrs::default(), Sink::Events(tx)).await?;
        for p in patterns {
            // ubusd's policy wants INT32 exactly; like libubus's
            // blobmsg_add_u32, carry the u32 id's bits in it.
            let object = BlobValue::Int32(id as i32);
            let args = BlobValue::table([("object", object), ("pattern", (*p).into())]);
            if let Err(e) = self.invoke(EVENT_OBJECT_ID, "register", &args).await {
                let _ = self.remove_object(id).await;
                return Err(e);
            }
        }
        Ok(EventStream { object_id: id, rx })
    }

    /// Sends event `name` with payload `data` (a table).
    pub async fn send_event(&self, name: &str, data: &BlobValue) -> Result<(), Error> {
        table_or_err(data)?;
        let args = BlobValue::table([("id", name.into()), ("data", data.clone())]);
        self.invoke(EVENT_OBJECT_ID, "send", &args)
            .await
            .map(|_| ())
    }

    /// Subscribes to the notifications of object `target`.
    pub async fn subscribe(&self, target: u32) -> Result<Subscription, Error> {
        let (tx, rx) = mpsc::unbounded_channel();
        let id = self.add_raw(Attrs::default(), Sink::Subscriber(tx)).await?;
        let attrs = Attrs {
            objid: Some(id),
            target: Some(target),
            ..Attrs::default()
        };
        if let Err(e) = self.request(MsgType::Subscribe, 0, attrs, None).await {
            let _ = self.remove_object(id).await;
            return Err(e);
        }
        Ok(Subscription {
            subscriber_id: id,
            target,
            rx,
        })
    }
}
