//! A fake netifd for tests, built with the project's ubus client on the
//! test broker: `network.interface` (status {interface}, dump) and
//! `network.interface.wan` (status), with a WAN address that can change.

use std::sync::{Arc, Mutex};

use cwmpd::backend::ubus::blob::blobmsg_type;
use cwmpd::backend::ubus::client::{Method, ObjectEvent};
use cwmpd::backend::ubus::{json, BlobValue, Client, Status};
use tokio::sync::mpsc;

pub fn wan_status(addr: &str) -> BlobValue {
    json::parse(&format!(
        r#"{{"up": true, "pending": false, "available": true, "autostart": true, "dynamic": false,
            "uptime": 42, "l3_device": "eth1", "proto": "dhcp", "device": "eth1",
            "ipv4-address": [{{"address": "{addr}", "mask": 24}}],
            "ipv6-address": [{{"address": "2001:db8::1", "mask": 64}}],
            "dns-server": ["192.0.2.53"], "data": {{}}}}"#
    ))
    .unwrap()
}

pub fn with_name(name: &str, status: &BlobValue) -> BlobValue {
    let mut members = vec![("interface".to_string(), BlobValue::from(name))];
    members.extend(status.as_table().unwrap().iter().cloned());
    BlobValue::Table(members)
}

/// A fake netifd: `network.interface` (status {interface}, dump) and
/// `network.interface.wan` (status). `set_addr` changes the WAN address and
/// raises `interface.update` notifications and an `ifup` event, as netifd
/// does on a DHCP renewal with a new lease.
pub struct FakeNetifd {
    _client: Client,
    pub set_addr: mpsc::UnboundedSender<String>,
}

pub async fn fake_netifd(socket: &std::path::Path) -> FakeNetifd {
    let client = Client::connect(socket).await.unwrap();
    let mut iface = client
        .add_object(
            "network.interface",
            &[
                Method::new("status").arg("interface", blobmsg_type::STRING),
                Method::new("dump"),
            ],
        )
        .await
        .unwrap();
    let mut wan = client
        .add_object("network.interface.wan", &[Method::new("status")])
        .await
        .unwrap();
    let addr = Arc::new(Mutex::new("192.0.2.10".to_string()));
    let (set_addr, mut addr_rx) = mpsc::unbounded_channel::<String>();
    let c = client.clone();
    let (iface_id, wan_id) = (iface.id, wan.id);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                ev = iface.next() => {
                    let Some(ObjectEvent::Call(req)) = ev else {
                        if ev.is_none() { break; }
                        continue;
                    };
                    let status = wan_status(&addr.lock().unwrap());
                    match req.method.as_str() {
                        "status" => match req.data.get("interface").and_then(BlobValue::as_str) {
                            Some("wan") => req.reply(status),
                            Some(_) => req.finish(Status::NotFound),
                            None => req.finish(Status::InvalidArgument),
                        },
                        _ => req.reply(BlobValue::table([(
                            "interface",
                            BlobValue::Array(vec![with_name("wan", &status)]),
                        )])),
                    }
                }
                ev = wan.next() => {
                    match ev {
                        Some(ObjectEvent::Call(req)) => {
                            let status = wan_status(&addr.lock().unwrap());
                            req.reply(status);
                        }
                        Some(_) => {}
                        None => break,
                    }
                }
                new = addr_rx.recv() => {
                    let Some(new) = new else { break };
                    *addr.lock().unwrap() = new.clone();
                    let status = with_name("wan", &wan_status(&new));
                    c.notify(iface_id, "interface.update", &status).unwrap();
                    c.notify(wan_id, "interface.update", &status).unwrap();
                    let ev = BlobValue::table([("action", "ifup".into()), ("interface", "wan".into())]);
                    c.send_event("network.interface", &ev).await.unwrap();
                }
            }
        }
    });
    FakeNetifd {
        _client: client,
        set_addr,
    }
}
