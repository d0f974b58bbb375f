//! netifd's interface state over ubus (openwrt-reference.md §5): typed
//! `network.interface.<name> status` / `network.interface dump`, resolving an
//! interface to its address (the CPE's ConnectionRequestURL and source
//! address), and a stream of interface changes.

use super::ubus::client::{Client, Error, Notification, Status};
use super::ubus::BlobValue;
use std::net::IpAddr;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Object whose notifications and event carry every interface change.
pub const INTERFACE_OBJECT: &str = "network.interface";

/// One address of `ipv4-address` / `ipv6-address`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub address: IpAddr,
    /// Prefix length.
    pub mask: u8,
}

/// The fields of netifd's interface status the agent uses (§5 table).
#[derive(Debug, Clone, PartialEq)]
pub struct InterfaceStatus {
    /// Present in `dump` entries and notifications, absent in `status`.
    pub interface: Option<String>,
    pub up: bool,
    pub pending: bool,
    pub available: bool,
    pub autostart: bool,
    pub dynamic: bool,
    /// Seconds since the interface came up (only when up).
    pub uptime: Option<u64>,
    pub l3_device: Option<String>,
    pub proto: Option<String>,
    pub device: Option<String>,
    pub ipv4: Vec<Address>,
    pub ipv6: Vec<Address>,
    pub dns_servers: Vec<String>,
    /// The whole status table, for fields not mapped above.
    pub raw: BlobValue,
}

/// Which address family to resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

fn flag(v: &BlobValue, key: &str) -> bool {
    v.get(key).and_then(BlobValue::as_bool).unwrap_or(false)
}

fn text(v: &BlobValue, key: &str) -> Option<String> {
    v.get(key).and_then(BlobValue::as_str).map(str::to_owned)
}

/// Entries whose address does not parse are skipped: one odd entry must not
/// hide the others.
fn addresses(v: &BlobValue, key: &str) -> Vec<Address> {
    v.get(key)
        .and_then(BlobValue::as_array)
        .unwrap_or(&[])
        .iter()
        .filter_map(|a| {
            let address = a.get("address")?.as_str()?.parse().ok()?;
            let mask = a.get("mask").and_then(BlobValue::as_i64).unwrap_or(0);
            Some(Address {
                address,
                mask: u8::try_from(mask).ok()?,
            })
        })
        .collect()
}

impl InterfaceStatus {
    /// Reads a status table. Missing fields take netifd's "absent" meaning
    /// (false / none / empty); a non-table is an error.
    pub fn from_blob(v: &BlobValue) -> Result<Self, Error> {
        if v.as_table().is_none() {
            return Err(Error::Protocol("interface status is not a table".into()));
        }
        Ok(InterfaceStatus {
            interface: text(v, "interface"),
            up: flag(v, "up"),
            pending: flag(v, "pending"),
            available: flag(v, "available"),
            autostart: flag(v, "autostart"),
            dynamic: flag(v, "dynamic"),
            uptime: v
                .get("uptime")
                .and_then(BlobValue::as_i64)
                .and_then(|u| u64::try_from(u).ok()),
            l3_device: text(v, "l3_device"),
            proto: text(v, "proto"),
            device: text(v, "device"),
            ipv4: addresses(v, "ipv4-address"),
            ipv6: addresses(v, "ipv6-address"),
            dns_servers: v
                .get("dns-server")
                .and_then(BlobValue::as_array)
                .unwrap_or(&[])
                .iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect(),
            raw: v.clone(),
        })
    }

    /// First address of `family`, if the interface is up and has one.
    pub fn first_address(&self, family: Family) -> Option<IpAddr> {
        if !self.up {
            return None;
        }
        let list = match family {
            Family::V4 => &self.ipv4,
            Family::V6 => &self.ipv6,
        };
        list.first().map(|a| a.address)
    }
}

/// `ubus call network.interface.<name> status`.
pub async fn interface_status(client: &Client, name: &str) -> Result<InterfaceStatus, Error> {
    let reply = client
        .call(
            &format!("{INTERFACE_OBJECT}.{name}"),
            "status",
            &BlobValue::empty_table(),
        )
        .await?;
    InterfaceStatus::from_blob(&reply)
}

/// `ubus call network.interface dump`: every interface with its name.
pub async fn dump(client: &Client) -> Result<Vec<InterfaceStatus>, Error> {
    let reply = client
        .call(INTERFACE_OBJECT, "dump", &BlobValue::empty_table())
        .await?;
    reply
        .get("interface")
        .and_then(BlobValue::as_array)
        .unwrap_or(&[])
        .iter()
        .map(InterfaceStatus::from_blob)
        .collect()
}

/// The first address of `family` on interface `name`; `Ok(None)` when the
/// interface is down or has none, `Error::Status(NotFound)` when netifd does
/// not know the interface.
pub async fn interface_address(
    client: &Client,
    name: &str,
    family: Family,
) -> Result<Option<IpAddr>, Error> {
    Ok(interface_status(client, name).await?.first_address(family))
}

/// What happened to an interface.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// `network.interface` event `ifup`.
    Up { interface: String },
    /// `network.interface` event `ifdown`, or notification `interface.down`.
    Down { interface: String },
    /// Notification `interface.update` (addresses, routes, data, link...)
    /// with the full new status.
    Update { status: Box<InterfaceStatus> },
    /// netifd's object went away (netifd restarted): call [`watch`] again
    /// once it is back (`ubus.object.add` for `network.interface`).
    SourceLost,
}

impl Change {
    pub fn interface(&self) -> Option<&str> {
        match self {
            Change::Up { interface } | Change::Down { interface } => Some(interface),
            Change::Update { status } => status.interface.as_deref(),
            Change::SourceLost => None,
        }
    }
}

/// Stream of interface changes from [`watch`].
pub struct InterfaceChanges {
    rx: mpsc::UnboundedReceiver<Change>,
    tasks: [JoinHandle<()>; 2],
}

impl Drop for InterfaceChanges {
    fn drop(&mut self) {
        // Stop forwarding; the anonymous listener objects stay registered
        // on ubusd until the connection closes (harmless, events to them
        // are discarded).
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl InterfaceChanges {
    /// Next change; `None` once the ubus connection is gone.
    pub async fn next(&mut self) -> Option<Change> {
        self.rx.recv().await
    }
}

fn change_from_event(data: &BlobValue) -> Option<Change> {
    let interface = text(data, "interface")?;
    match data.get("action")?.as_str()? {
        "ifup" => Some(Change::Up { interface }),
        "ifdown" => Some(Change::Down { interface }),
        _ => None,
    }
}

fn change_from_notification(kind: &str, data: &BlobValue) -> Option<Change> {
    match kind {
        "interface.update" => InterfaceStatus::from_blob(data)
            .ok()
            .map(|s| Change::Update {
                status: Box::new(s),
            }),
        "interface.down" => text(data, "interface").map(|interface| Change::Down { interface }),
        _ => None,
    }
}

/// Watches every interface: listens to the `network.interface` event (ifup /
/// ifdown) and subscribes to the `network.interface` object's notifications
/// (`interface.update` with the full status, `interface.down`), §5. Needs a
/// tokio runtime (two forwarding tasks, ending with the connection).
pub async fn watch(client: &Client) -> Result<InterfaceChanges, Error> {
    let mut events = client.listen(&[INTERFACE_OBJECT]).await?;
    let target = client.lookup(INTERFACE_OBJECT).await?;
    let mut sub = client.subscribe(target.id).await?;
    let (tx, rx) = mpsc::unbounded_channel();
    let tx2 = tx.clone();
    let from_events = tokio::spawn(async move {
        while let Some(ev) = events.next().await {
            if let Some(change) = change_from_event(&ev.data) {
                if tx.send(change).is_err() {
                    break;
                }
            }
        }
    });
    let from_notifications = tokio::spawn(async move {
        while let Some(n) = sub.next().await {
            let change = match n {
                Notification::Notify { kind, data } => change_from_notification(&kind, &data),
                Notification::Unsubscribed { .. } => Some(Change::SourceLost),
            };
            if let Some(change) = change {
                if tx2.send(change).is_err() {
                    break;
                }
            }
        }
    });
    Ok(InterfaceChanges {
        rx,
        tasks: [from_events, from_notifications],
    })
}

/// True when `e` means "no such interface" (so callers can tell a missing
/// interface from a broken connection).
pub fn is_not_found(e: &Error) -> bool {
    matches!(e, Error::Status(Status::NotFound))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::ubus::json;

    #[test]
    fn reads_the_documented_status_shape() {
        let v = json::parse(
            r#"{ "up": true, "pending": false, "available": true, "autostart": true,
              "dynamic": false, "uptime": 5127, "l3_device": "eth1", "proto": "dhcp",
              "device": "eth1", "ipv4-address": [ { "address": "203.0.113.17", "mask": 24 } ],
              "ipv6-address": [ { "address": "2001:db8::5", "mask": 64 }, { "address": "bogus", "mask": 1 } ],
              "dns-server": [ "203.0.113.53" ], "data": { "leasetime": 86400 } }"#,
        )
        .unwrap();
        let s = InterfaceStatus::from_blob(&v).unwrap();
        assert!(s.up && s.available && !s.pending);
        assert_eq!(s.uptime, Some(5127));
        assert_eq!(s.l3_device.as_deref(), Some("eth1"));
        assert_eq!(s.proto.as_deref(), Some("dhcp"));
        assert_eq!(
            s.ipv4,
            vec![Address {
                address: "203.0.113.17".parse().unwrap(),
                mask: 24
            }]
        );
        assert_eq!(s.ipv6.len(), 1);
        assert_eq!(
            s.first_address(Family::V6),
            Some("2001:db8::5".parse().unwrap())
        );
        assert_eq!(s.dns_servers, vec!["203.0.113.53".to_string()]);
    }

    #[test]
    fn down_interface_has_no_address() {
        let v =
            json::parse(r#"{"up": false, "ipv4-address": [{"address": "192.0.2.1", "mask": 24}]}"#)
                .unwrap();
        let s = InterfaceStatus::from_blob(&v).unwrap();
        assert_eq!(s.first_address(Family::V4), None);
        assert!(InterfaceStatus::from_blob(&BlobValue::Int32(1)).is_err());
    }
}
