//! A small ubusd-compatible broker for integration tests, following the wire
//! protocol of openwrt-reference.md §4.5: HELLO, LOOKUP (exact, `prefix*`,
//! all), ADD_OBJECT / REMOVE_OBJECT with random ids ≥ 1024, INVOKE routing to
//! the owner with seq/peer rewriting, STATUS/DATA forwarding, events on
//! object 1 (register/send, patterns, no loop-back, `ubus.` names refused,
//! `ubus.object.add/remove`), SUBSCRIBE/UNSUBSCRIBE/NOTIFY and PING. No ACLs
//! (every client is treated as root, as ubusd does for uid 0).
#![allow(dead_code)]

pub mod fake_netifd;

use cwmpd::backend::ubus::msg::{self, Attrs, Message, MsgType, FRAME_PREFIX_LEN};
use cwmpd::backend::ubus::BlobValue;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const STATUS_OK: u32 = 0;
const INVALID_ARGUMENT: u32 = 2;
const METHOD_NOT_FOUND: u32 = 3;
const NOT_FOUND: u32 = 4;
const PERMISSION_DENIED: u32 = 6;
const EVENT_OBJECT: u32 = 1;

struct Obj {
    path: Option<String>,
    owner: u32,
    type_id: u32,
    signature: Option<BlobValue>,
    /// Subscriber object ids.
    subscribers: Vec<u32>,
}

#[derive(Default)]
struct State {
    clients: HashMap<u32, mpsc::UnboundedSender<Vec<u8>>>,
    objects: HashMap<u32, Obj>,
    /// (listener object id, pattern)
    listeners: Vec<(u32, String)>,
    rng: u64,
    event_seq: u16,
}

impl State {
    fn random(&mut self) -> u32 {
        // xorshift64: ids only need to be unpredictable-looking and unique.
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        (x >> 16) as u32
    }

    fn new_id(&mut self) -> u32 {
        loop {
            let id = self.random();
            if id >= 1024 && !self.objects.contains_key(&id) && !self.clients.contains_key(&id) {
                return id;
            }
        }
    }

    fn send(&self, client: u32, m: &Message) {
        if let Some(tx) = self.clients.get(&client) {
            let _ = tx.send(m.encode());
        }
    }

    fn emit_event(&mut self, from: u32, name: &str, data: BlobValue) {
        let targets: Vec<(u32, u32)> = self
            .listeners
            .iter()
            .filter(|(_, p)| pattern_matches(p, name))
            .filter_map(|(obj, _)| self.objects.get(obj).map(|o| (*obj, o.owner)))
            .filter(|(_, owner)| *owner != from)
            .collect();
        for (obj, owner) in targets {
            self.event_seq = self.event_seq.wrapping_add(1);
            let m = Message::new(
                MsgType::Invoke,
                self.event_seq,
                0,
                Attrs {
                    objid: Some(obj),
                    method: Some(name.to_owned()),
                    data: Some(data.clone()),
                    ..Attrs::default()
                },
            );
            self.send(owner, &m);
        }
    }

    fn remove_object(&mut self, id: u32) -> Option<Obj> {
        let obj = self.objects.remove(&id)?;
        // Subscribers of a vanished object are told (§4.5).
        for sub in &obj.subscribers {
            if let Some(s) = self.objects.get(sub) {
                let m = Message::new(
                    MsgType::Unsubscribe,
                    0,
                    0,
                    Attrs {
                        objid: Some(*sub),
                        target: Some(id),
                        ..Attrs::default()
                    },
                );
                self.send(s.owner, &m);
            }
        }
        // A vanished subscriber leaves its targets.
        let targets: Vec<u32> = self
            .objects
            .iter()
            .filter(|(_, o)| o.subscribers.contains(&id))
            .map(|(t, _)| *t)
            .collect();
        for t in targets {
            self.unsubscribe(id, t);
        }
        self.listeners.retain(|(o, _)| *o != id);
        if let Some(path) = &obj.path {
            let data =
                BlobValue::table([("id", BlobValue::from(id)), ("path", path.as_str().into())]);
            self.emit_event(0, "ubus.object.remove", data);
        }
        Some(obj)
    }

    fn unsubscribe(&mut self, subscriber: u32, target: u32) -> bool {
        let Some(t) = self.objects.get_mut(&target) else {
            return false;
        };
        let before = t.subscribers.len();
        t.subscribers.retain(|s| *s != subscriber);
        let (after, owner) = (t.subscribers.len(), t.owner);
        if before > 0 && after == 0 {
            self.send(owner, &active_msg(target, false));
        }
        before != after
    }
}

fn active_msg(obj: u32, active: bool) -> Message {
    Message::new(
        MsgType::Notify,
        0,
        0,
        Attrs {
            objid: Some(obj),
            active: Some(active),
            ..Attrs::default()
        },
    )
}

fn pattern_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

/// A running broker; stops when dropped.
pub struct Broker {
    pub path: PathBuf,
    task: JoinHandle<()>,
    state: Arc<Mutex<State>>,
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Broker {
    /// Starts a broker on a fresh socket under the system temp dir.
    pub fn start(tag: &str) -> Broker {
        let path = std::env::temp_dir().join(format!(
            "cwmpd-ubus-test-{}-{}.sock",
            tag,
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path).expect("bind broker socket");
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
            | 1;
        let state = Arc::new(Mutex::new(State {
            rng: seed,
            ..State::default()
        }));
        let st = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve_client(stream, st.clone()));
            }
        });
        Broker { path, task, state }
    }

    pub fn socket(&self) -> &Path {
        &self.path
    }

    /// Disconnects every client (as a ubusd restart would).
    pub fn kick_all(&self) {
        let mut st = self.state.lock().unwrap();
        st.clients.clear();
        let ids: Vec<u32> = st.objects.keys().copied().collect();
        for id in ids {
            st.remove_object(id);
        }
    }

    /// Number of live subscribers of object `id`.
    pub fn subscriber_count(&self, id: u32) -> usize {
        self.state
            .lock()
            .unwrap()
            .objects
            .get(&id)
            .map(|o| o.subscribers.len())
            .unwrap_or(0)
    }
}

async fn read_message(r: &mut tokio::net::unix::OwnedReadHalf) -> Option<Message> {
    let mut prefix = [0u8; FRAME_PREFIX_LEN];
    r.read_exact(&mut prefix).await.ok()?;
    let body = msg::frame_body_len(&prefix).ok()?;
    let mut frame = prefix.to_vec();
    frame.resize(FRAME_PREFIX_LEN + body, 0);
    r.read_exact(&mut frame[FRAME_PREFIX_LEN..]).await.ok()?;
    Message::decode(&frame).ok()
}

async fn serve_client(stream: UnixStream, state: Arc<Mutex<State>>) {
    let (mut r, mut w) = stream.into_split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let id = {
        let mut st = state.lock().unwrap();
        let id = st.new_id();
        st.clients.insert(id, tx.clone());
        id
    };
    let _ = tx.send(Message::new(MsgType::Hello, 0, id, Attrs::default()).encode());
    // Writer: ends when the client entry (and this tx) are dropped.
    drop(tx);
    let writer = tokio::spawn(async move {
        while let Some(frame) = rx.recv().await {
            if w.write_all(&frame).await.is_err() {
                break;
            }
        }
    });
    while let Some(m) = read_message(&mut r).await {
        let mut st = state.lock().unwrap();
        if !st.clients.contains_key(&id) {
            break;
        }
        handle(&mut st, id, m);
    }
    let mut st = state.lock().unwrap();
    st.clients.remove(&id);
    let owned: Vec<u32> = st
        .objects
        .iter()
        .filter(|(_, o)| o.owner == id)
        .map(|(k, _)| *k)
        .collect();
    for o in owned {
        st.remove_object(o);
    }
    drop(st);
    writer.abort();
}

fn status(seq: u16, peer: u32, code: u32, objid: Option<u32>) -> Message {
    Message::new(
        MsgType::Status,
        seq,
        peer,
        Attrs {
            status: Some(code),
            objid,
            ..Attrs::default()
        },
    )
}

fn handle(st: &mut State, cl: u32, m: Message) {
    let Some(kind) = m.kind() else { return };
    let (seq, peer) = (m.seq, m.peer);
    let a = m.attrs.clone();
    match kind {
        MsgType::Ping => {
            let mut echo = m.clone();
            echo.msg_type = MsgType::Data as u8;
            st.send(cl, &echo);
        }
        MsgType::Lookup => {
            let mut found: Vec<(u32, String, u32, Option<BlobValue>)> = st
                .objects
                .iter()
                .filter_map(|(id, o)| {
                    let path = o.path.clone()?;
                    let ok = match &a.objpath {
                        None => true,
                        Some(p) => pattern_matches(p, &path),
                    };
                    ok.then(|| (*id, path, o.type_id, o.signature.clone()))
                })
                .collect();
            found.sort_by(|x, y| x.1.cmp(&y.1));
            for (id, path, type_id, sig) in &found {
                let d = Message::new(
                    MsgType::Data,
                    seq,
                    peer,
                    Attrs {
                        objpath: Some(path.clone()),
                        objid: Some(*id),
                        objtype: Some(*type_id),
                        signature: Some(sig.clone().unwrap_or_else(BlobValue::empty_table)),
                        ..Attrs::default()
                    },
                );
                st.send(cl, &d);
            }
            let code = if found.is_empty() {
                NOT_FOUND
            } else {
                STATUS_OK
            };
            st.send(cl, &status(seq, peer, code, None));
        }
        MsgType::AddObject => {
            if let Some(p) = &a.objpath {
                if st
                    .objects
                    .values()
                    .any(|o| o.path.as_deref() == Some(p.as_str()))
                {
                    st.send(cl, &status(seq, peer, INVALID_ARGUMENT, None));
                    return;
                }
            }
            let id = st.new_id();
            let type_id = if a.signature.is_some() {
                st.new_id()
            } else {
                0
            };
            st.objects.insert(
                id,
                Obj {
                    path: a.objpath.clone(),
                    owner: cl,
                    type_id,
                    signature: a.signature.clone(),
                    subscribers: Vec::new(),
                },
            );
            let d = Message::new(
                MsgType::Data,
                seq,
                peer,
                Attrs {
                    objid: Some(id),
                    objtype: (type_id != 0).then_some(type_id),
                    ..Attrs::default()
                },
            );
            st.send(cl, &d);
            st.send(cl, &status(seq, peer, STATUS_OK, None));
            if let Some(path) = a.objpath {
                let data = BlobValue::table([("id", BlobValue::from(id)), ("path", path.into())]);
                st.emit_event(0, "ubus.object.add", data);
            }
        }
        MsgType::RemoveObject => {
            let id = a.objid.unwrap_or(0);
            if st.objects.get(&id).map(|o| o.owner) != Some(cl) {
                st.send(cl, &status(seq, peer, NOT_FOUND, None));
                return;
            }
            let obj = st.remove_object(id);
            let type_id = obj.map(|o| o.type_id).unwrap_or(0);
            let d = Message::new(
                MsgType::Data,
                seq,
                peer,
                Attrs {
                    objid: Some(id),
                    objtype: (type_id != 0).then_some(type_id),
                    ..Attrs::default()
                },
            );
            st.send(cl, &d);
            st.send(cl, &status(seq, peer, STATUS_OK, None));
        }
        MsgType::Invoke if a.objid == Some(EVENT_OBJECT) => {
            let data = a.data.unwrap_or_else(BlobValue::empty_table);
            let code = match a.method.as_deref() {
                Some("register") => {
                    // ubusd's blobmsg policy: INT32 exactly, read as u32.
                    let obj = match data.get("object") {
                        Some(BlobValue::Int32(v)) => Some(i64::from(*v as u32)),
                        _ => None,
                    };
                    let pattern = data.get("pattern").and_then(BlobValue::as_str);
                    match (obj, pattern) {
                        (Some(o), Some(p))
                            if st.objects.get(&(o as u32)).map(|x| x.owner) == Some(cl) =>
                        {
                            st.listeners.push((o as u32, p.to_owned()));
                            STATUS_OK
                        }
                        _ => INVALID_ARGUMENT,
                    }
                }
                Some("send") => {
                    match (data.get("id").and_then(BlobValue::as_str), data.get("data")) {
                        (Some(name), _) if name.starts_with("ubus.") => PERMISSION_DENIED,
                        (Some(name), Some(payload)) => {
                            let (name, payload) = (name.to_owned(), payload.clone());
                            st.emit_event(cl, &name, payload);
                            STATUS_OK
                        }
                        _ => INVALID_ARGUMENT,
                    }
                }
                _ => METHOD_NOT_FOUND,
            };
            st.send(cl, &status(seq, peer, code, Some(EVENT_OBJECT)));
        }
        MsgType::Invoke => {
            let id = a.objid.unwrap_or(0);
            let Some(owner) = st.objects.get(&id).map(|o| o.owner) else {
                st.send(cl, &status(seq, peer, NOT_FOUND, Some(id)));
                return;
            };
            let fwd = Message::new(
                MsgType::Invoke,
                seq,
                cl,
                Attrs {
                    objid: Some(id),
                    method: a.method,
                    user: Some("root".into()),
                    group: Some("root".into()),
                    data: a.data,
                    ..Attrs::default()
                },
            );
            st.send(owner, &fwd);
        }
        MsgType::Status | MsgType::Data => {
            // A reply of an object owner: route by peer (the caller's client
            // id) and rewrite peer to the object id.
            let Some(objid) = a.objid else { return };
            if st.objects.get(&objid).map(|o| o.owner) != Some(cl) {
                return;
            }
            if (kind == MsgType::Status && a.status.is_none())
                || (kind == MsgType::Data && a.data.is_none())
            {
                return;
            }
            let mut out = m;
            out.peer = objid;
            st.send(peer, &out);
        }
        MsgType::Subscribe => {
            let (Some(sub), Some(target)) = (a.objid, a.target) else {
                st.send(cl, &status(seq, peer, INVALID_ARGUMENT, None));
                return;
            };
            if st.objects.get(&sub).map(|o| o.owner) != Some(cl) {
                st.send(cl, &status(seq, peer, NOT_FOUND, None));
                return;
            }
            let Some(t) = st.objects.get_mut(&target) else {
                st.send(cl, &status(seq, peer, NOT_FOUND, None));
                return;
            };
            let first = t.subscribers.is_empty();
            if !t.subscribers.contains(&sub) {
                t.subscribers.push(sub);
            }
            let owner = t.owner;
            if first {
                st.send(owner, &active_msg(target, true));
            }
            st.send(cl, &status(seq, peer, STATUS_OK, None));
        }
        MsgType::Unsubscribe => {
            let (Some(sub), Some(target)) = (a.objid, a.target) else {
                st.send(cl, &status(seq, peer, INVALID_ARGUMENT, None));
                return;
            };
            let code = if st.unsubscribe(sub, target) {
                STATUS_OK
            } else {
                NOT_FOUND
            };
            st.send(cl, &status(seq, peer, code, None));
        }
        MsgType::Notify => {
            let id = a.objid.unwrap_or(0);
            let Some(subs) = st
                .objects
                .get(&id)
                .filter(|o| o.owner == cl)
                .map(|o| o.subscribers.clone())
            else {
                st.send(cl, &status(seq, peer, NOT_FOUND, None));
                return;
            };
            let no_reply = a.no_reply == Some(true);
            if !no_reply {
                let m = Message::new(
                    MsgType::Status,
                    seq,
                    peer,
                    Attrs {
                        status: Some(STATUS_OK),
                        objid: Some(id),
                        subscribers: Some(subs.clone()),
                        ..Attrs::default()
                    },
                );
                st.send(cl, &m);
            }
            for s in subs {
                let Some(owner) = st.objects.get(&s).map(|o| o.owner) else {
                    continue;
                };
                let fwd = Message::new(
                    MsgType::Invoke,
                    seq,
                    cl,
                    Attrs {
                        objid: Some(s),
                        method: a.method.clone(),
                        data: a.data.clone(),
                        no_reply: no_reply.then_some(true),
                        user: Some("root".into()),
                        group: Some("root".into()),
                        ..Attrs::default()
                    },
                );
                st.send(owner, &fwd);
            }
        }
        _ => {}
    }
}
