//! Our ubus client against the ubusd-compatible broker in tests/ubus_broker:
//! calls, published objects (deferred replies, unknown methods), lookups,
//! events, subscriptions, timeouts, connection loss, and netifd access
//! against a fake netifd written with the same client.

mod ubus_broker;

use cwmpd::backend::netifd::{self, Change, Family};
use cwmpd::backend::ubus::client::{Method, Notification, ObjectEvent};
use cwmpd::backend::ubus::{BlobValue, Client, Error, Status};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::timeout;
use ubus_broker::fake_netifd::fake_netifd;
use ubus_broker::Broker;

const WAIT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn netifd_status_address_and_dump() {
    let broker = Broker::start("netifd");
    let _netifd = fake_netifd(broker.socket()).await;
    let agent = Client::connect(broker.socket()).await.unwrap();

    let st = netifd::interface_status(&agent, "wan").await.unwrap();
    assert!(st.up);
    assert_eq!(st.l3_device.as_deref(), Some("eth1"));
    assert_eq!(st.uptime, Some(42));
    assert_eq!(
        netifd::interface_address(&agent, "wan", Family::V4)
            .await
            .unwrap(),
        Some("192.0.2.10".parse().unwrap())
    );
    assert_eq!(
        netifd::interface_address(&agent, "wan", Family::V6)
            .await
            .unwrap(),
        Some("2001:db8::1".parse().unwrap())
    );
    let all = netifd::dump(&agent).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].interface.as_deref(), Some("wan"));

    // An interface netifd does not have: its object does not exist.
    let err = netifd::interface_status(&agent, "lan").await.unwrap_err();
    assert!(netifd::is_not_found(&err), "{err:?}");
    // Through the generic object, the server's own status comes back.
    let err = agent
        .call(
            "network.interface",
            "status",
            &BlobValue::table([("interface", "lan".into())]),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Status(Status::NotFound)), "{err:?}");
}

#[tokio::test]
async fn netifd_change_stream_sees_new_address() {
    let broker = Broker::start("watch");
    let netifd_fake = fake_netifd(broker.socket()).await;
    let agent = Client::connect(broker.socket()).await.unwrap();
    let mut changes = netifd::watch(&agent).await.unwrap();

    netifd_fake.set_addr.send("198.51.100.7".into()).unwrap();
    let mut saw_update = false;
    let mut saw_up = false;
    while !(saw_update && saw_up) {
        match timeout(WAIT, changes.next()).await.unwrap().unwrap() {
            Change::Update { status } => {
                assert_eq!(status.interface.as_deref(), Some("wan"));
                assert_eq!(
                    status.first_address(Family::V4),
                    Some("198.51.100.7".parse().unwrap())
                );
                saw_update = true;
            }
            Change::Up { interface } => {
                assert_eq!(interface, "wan");
                saw_up = true;
            }
            other => panic!("unexpected change {other:?}"),
        }
    }
    assert_eq!(
        netifd::interface_address(&agent, "wan", Family::V4)
            .await
            .unwrap(),
        Some("198.51.100.7".parse().unwrap())
    );

    // netifd goes away: the subscription reports it.
    drop(netifd_fake);
    assert_eq!(
        timeout(WAIT, changes.next()).await.unwrap(),
        Some(Change::SourceLost)
    );
}

#[tokio::test]
async fn deferred_reply_multiple_data_and_unknown_method() {
    let broker = Broker::start("deferred");
    let server = Client::connect(broker.socket()).await.unwrap();
    let mut obj = server
        .add_object(
            "cwmp",
            &[
                Method::new("slow"),
                Method::new("many"),
                Method::new("release"),
            ],
        )
        .await
        .unwrap();
    assert!(obj.id >= 1024);
    tokio::spawn(async move {
        let mut parked = None;
        while let Some(ev) = obj.next().await {
            let ObjectEvent::Call(req) = ev else { continue };
            match req.method.as_str() {
                // Answered only when "release" arrives: a deferred reply.
                "slow" => parked = Some(req.responder),
                "release" => {
                    if let Some(r) = parked.take() {
                        r.reply(BlobValue::table([("done", true.into())]));
                    }
                    req.finish(Status::Ok);
                }
                _ => {
                    let r = &req.responder;
                    r.send_data(BlobValue::table([("n", 1.into())])).unwrap();
                    r.send_data(BlobValue::table([("n", 2.into())])).unwrap();
                    // Too big for one message: refused, nothing sent.
                    let huge = BlobValue::table([("x", "y".repeat(1 << 20).into())]);
                    assert!(matches!(r.send_data(huge), Err(Error::InvalidInput(_))));
                    assert!(matches!(r.send_data(1.into()), Err(Error::InvalidInput(_))));
                    req.finish(Status::Ok);
                }
            }
        }
    });

    let caller = Client::connect(broker.socket()).await.unwrap();
    let info = caller.lookup("cwmp").await.unwrap();
    let sig = info.signature.get("slow").unwrap();
    assert_eq!(sig, &BlobValue::empty_table());

    let c2 = caller.clone();
    let id = info.id;
    let slow = tokio::spawn(async move { c2.invoke(id, "slow", &BlobValue::empty_table()).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!slow.is_finished());
    caller
        .invoke(id, "release", &BlobValue::empty_table())
        .await
        .unwrap();
    let replies = timeout(WAIT, slow).await.unwrap().unwrap().unwrap();
    assert_eq!(replies, vec![BlobValue::table([("done", true.into())])]);

    let many = caller
        .invoke(id, "many", &BlobValue::empty_table())
        .await
        .unwrap();
    assert_eq!(
        many,
        vec![
            BlobValue::table([("n", 1.into())]),
            BlobValue::table([("n", 2.into())])
        ]
    );

    let err = caller
        .invoke(id, "nope", &BlobValue::empty_table())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Status(Status::MethodNotFound)),
        "{err:?}"
    );
    // Arguments must be a table.
    assert!(matches!(
        caller.invoke(id, "many", &BlobValue::Int32(1)).await,
        Err(Error::InvalidInput(_))
    ));
}

#[tokio::test]
async fn unknown_object_and_lookup_patterns() {
    let broker = Broker::start("lookup");
    let server = Client::connect(broker.socket()).await.unwrap();
    let _a = server
        .add_object("test.a", &[Method::new("x")])
        .await
        .unwrap();
    let _b = server
        .add_object("test.b", &[Method::new("y")])
        .await
        .unwrap();
    let _c = server.add_object("other", &[]).await.unwrap();
    // Paths are unique.
    assert!(matches!(
        server.add_object("test.a", &[]).await,
        Err(Error::Status(Status::InvalidArgument))
    ));

    let caller = Client::connect(broker.socket()).await.unwrap();
    assert!(matches!(
        caller.lookup("missing").await,
        Err(Error::Status(Status::NotFound))
    ));
    assert!(matches!(
        caller.invoke(7, "x", &BlobValue::empty_table()).await,
        Err(Error::Status(Status::NotFound))
    ));
    let prefix: Vec<String> = caller
        .lookup_all(Some("test.*"))
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.path)
        .collect();
    assert_eq!(prefix, vec!["test.a".to_string(), "test.b".to_string()]);
    assert_eq!(caller.lookup_all(None).await.unwrap().len(), 3);
    assert!(caller.lookup_all(Some("zzz*")).await.unwrap().is_empty());
}

#[tokio::test]
async fn request_times_out() {
    let broker = Broker::start("timeout");
    let server = Client::connect(broker.socket()).await.unwrap();
    let mut obj = server
        .add_object("mute", &[Method::new("hang")])
        .await
        .unwrap();
    let (keep_tx, mut keep_rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        // Keep every responder alive, never answer.
        while let Some(ObjectEvent::Call(req)) = obj.next().await {
            keep_tx.send(req).unwrap();
        }
    });
    let caller = Client::connect(broker.socket()).await.unwrap();
    caller.set_timeout(Duration::from_millis(200));
    let id = caller.lookup("mute").await.unwrap().id;
    let err = caller
        .invoke(id, "hang", &BlobValue::empty_table())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout), "{err:?}");
    // The late answer is dropped, and the connection keeps working.
    let req = keep_rx.recv().await.unwrap();
    req.reply(BlobValue::empty_table());
    assert_eq!(caller.lookup("mute").await.unwrap().id, id);
}

#[tokio::test]
async fn dropped_responder_answers_unknown_error() {
    let broker = Broker::start("drop");
    let server = Client::connect(broker.socket()).await.unwrap();
    let mut obj = server
        .add_object("lazy", &[Method::new("m")])
        .await
        .unwrap();
    tokio::spawn(async move {
        while let Some(ObjectEvent::Call(req)) = obj.next().await {
            drop(req);
        }
    });
    let caller = Client::connect(broker.socket()).await.unwrap();
    let err = caller
        .call("lazy", "m", &BlobValue::empty_table())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Status(Status::UnknownError)),
        "{err:?}"
    );
}

#[tokio::test]
async fn events_patterns_no_loopback_and_reserved_names() {
    let broker = Broker::start("events");
    let a = Client::connect(broker.socket()).await.unwrap();
    let b = Client::connect(broker.socket()).await.unwrap();
    let mut a_events = a.listen(&["net.*"]).await.unwrap();
    let mut b_events = b.listen(&["*"]).await.unwrap();

    let payload = BlobValue::table([("k", "v".into())]);
    a.send_event("net.up", &payload).await.unwrap();
    b.send_event("other", &payload).await.unwrap();
    b.send_event("net.down", &payload).await.unwrap();

    // b sees a's event; a sees only b's matching one, never its own.
    let ev = timeout(WAIT, b_events.next()).await.unwrap().unwrap();
    assert_eq!((ev.name.as_str(), &ev.data), ("net.up", &payload));
    let ev = timeout(WAIT, a_events.next()).await.unwrap().unwrap();
    assert_eq!(ev.name, "net.down");
    assert!(timeout(Duration::from_millis(100), a_events.next())
        .await
        .is_err());

    assert!(matches!(
        a.send_event("ubus.object.add", &payload).await,
        Err(Error::Status(Status::PermissionDenied))
    ));

    // ubusd's own object events reach listeners.
    let _o = a.add_object("fresh", &[]).await.unwrap();
    let ev = timeout(WAIT, b_events.next()).await.unwrap().unwrap();
    assert_eq!(ev.name, "ubus.object.add");
    assert_eq!(
        ev.data.get("path").and_then(BlobValue::as_str),
        Some("fresh")
    );
}

#[tokio::test]
async fn subscribe_notify_and_target_removal() {
    let broker = Broker::start("subscribe");
    let owner = Client::connect(broker.socket()).await.unwrap();
    let mut obj = owner.add_object("src", &[]).await.unwrap();
    let watcher = Client::connect(broker.socket()).await.unwrap();
    let mut sub = watcher.subscribe(obj.id).await.unwrap();
    assert_eq!(broker.subscriber_count(obj.id), 1);
    assert!(matches!(
        timeout(WAIT, obj.next()).await.unwrap(),
        Some(ObjectEvent::Subscribers(true))
    ));

    let data = BlobValue::table([("x", 1.into())]);
    owner.notify(obj.id, "thing.changed", &data).unwrap();
    assert_eq!(
        timeout(WAIT, sub.next()).await.unwrap(),
        Some(Notification::Notify {
            kind: "thing.changed".into(),
            data
        })
    );

    owner.remove_object(obj.id).await.unwrap();
    assert_eq!(
        timeout(WAIT, sub.next()).await.unwrap(),
        Some(Notification::Unsubscribed { target: obj.id })
    );
    assert!(matches!(
        watcher.subscribe(obj.id).await,
        Err(Error::Status(Status::NotFound))
    ));
}

#[tokio::test]
async fn connection_loss_is_reported() {
    let broker = Broker::start("loss");
    let server = Client::connect(broker.socket()).await.unwrap();
    let mut obj = server
        .add_object("gone", &[Method::new("m")])
        .await
        .unwrap();
    let caller = Client::connect(broker.socket()).await.unwrap();
    let mut events = caller.listen(&["*"]).await.unwrap();
    assert!(caller.is_connected());
    broker.kick_all();
    timeout(WAIT, caller.closed()).await.unwrap();
    assert!(!caller.is_connected());
    assert!(timeout(WAIT, events.next()).await.unwrap().is_none());
    assert!(timeout(WAIT, obj.next()).await.unwrap().is_none());
    assert!(matches!(
        caller.lookup("gone").await,
        Err(Error::ConnectionClosed)
    ));
    // A new connection works (the reconnect path of the agent).
    let again = Client::connect(broker.socket()).await.unwrap();
    assert!(matches!(
        again.lookup("gone").await,
        Err(Error::Status(Status::NotFound))
    ));
}

/// A hand-scripted peer: sends HELLO, then answers the first request with a
/// malformed DATA (OBJID of 2 bytes) and the second one properly.
#[tokio::test]
async fn malformed_reply_fails_only_its_request() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let path = std::env::temp_dir().join(format!("cwmpd-ubus-raw-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        s.write_all(&[0, 0, 0, 0, 0, 0, 0x10, 0x01, 0, 0, 0, 4])
            .await
            .unwrap();
        for round in 0..2u8 {
            let mut prefix = [0u8; 12];
            s.read_exact(&mut prefix).await.unwrap();
            let len = u32::from_be_bytes([prefix[8], prefix[9], prefix[10], prefix[11]]) as usize;
            let mut rest = vec![0u8; len.div_ceil(4) * 4 - 4];
            s.read_exact(&mut rest).await.unwrap();
            let (seq0, seq1) = (prefix[2], prefix[3]);
            if round == 0 {
                // DATA, container 12: OBJID attr with raw length 6.
                s.write_all(&[
                    0, 2, seq0, seq1, 0, 0, 0, 0, 0, 0, 0, 12, 3, 0, 0, 6, 0, 1, 0, 0,
                ])
                .await
                .unwrap();
            } else {
                // STATUS NOT_FOUND.
                s.write_all(&[
                    0, 1, seq0, seq1, 0, 0, 0, 0, 0, 0, 0, 12, 1, 0, 0, 8, 0, 0, 0, 4,
                ])
                .await
                .unwrap();
            }
        }
        // Keep the socket open until the client is done.
        let mut buf = [0u8; 1];
        let _ = s.read(&mut buf).await;
    });
    let client = Client::connect(&path).await.unwrap();
    assert_eq!(client.id(), 0x1001);
    assert!(matches!(client.lookup("x").await, Err(Error::Protocol(_))));
    assert!(client.is_connected());
    assert!(matches!(
        client.lookup("x").await,
        Err(Error::Status(Status::NotFound))
    ));
    let _ = std::fs::remove_file(&path);
}
