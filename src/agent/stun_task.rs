//! The STUN task (TR-069 Annex G, TR-111 Part 2): one UDP socket on the
//! Connection Request port number that both keeps the NAT binding alive
//! with Binding Requests to `cwmp.stun.server` (empty: the host of the ACS
//! URL in use, as TR-181 STUNServerAddress says) and receives UDP
//! Connection Requests. The agent owns it ([`Stun`]): started when
//! `cwmp.stun.enable` is on, restarted when its settings change, stopped
//! otherwise. Nothing of it is persisted.
//!
//! Timers: a Binding Request every `min_keepalive`..`max_keepalive`
//! seconds (a random point in that range, so a fleet of CPEs does not send
//! in step; TR-181 STUNMinimum/MaximumKeepAlivePeriod), retransmitted on
//! RFC 3489 §9.3's schedule (100 ms doubling to 1.6 s, 9 sends). The first
//! request after a start and one sent at once after the mapped address
//! changed carry BINDING-CHANGE (Annex G: the minimum period does not
//! apply to those). USERNAME goes in every request when configured;
//! MESSAGE-INTEGRITY only after the server asked for it with a 401 (TR-181
//! STUNUsername: "only if message integrity has been requested by the STUN
//! server").
//!
//! IPv4 only: Annex G is about NAT, which IPv6 deployments do not use the
//! same way; a server name with only IPv6 addresses is logged and skipped.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use crate::model::management_server::StunLive;
use crate::transport::conn_request::ConnectionRequest;
use crate::transport::stun::{self, BindingRequest, Integrity};
use crate::transport::udp_conn_request::{Guard, Rejected};

use super::settings::Settings;

/// Keep-alive upper bound when `max_keepalive` is -1 (no maximum).
const DEFAULT_MAX_KEEPALIVE: u64 = 60;
/// RFC 3489 §9.3: at most 9 transmissions of one request.
const MAX_SENDS: u32 = 9;
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// What the task runs with; a change restarts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StunSettings {
    pub server: String,
    pub server_port: u16,
    pub username: String,
    pub password: String,
    pub min_keepalive: u32,
    pub max_keepalive: i32,
    /// UDP port to bind: the Connection Request port (`cwmp.cpe.port`; 0
    /// lets the kernel choose, as for TCP).
    pub port: u16,
    pub cr_username: String,
    pub cr_password: String,
}

impl StunSettings {
    /// `None` when STUN is off, or when no server is set and the ACS URL
    /// in use (`acs_url`) gives no host either. TR-181
    /// ManagementServer.STUNServerAddress: an empty address means the host
    /// of the ACS URL.
    pub fn from_settings(s: &Settings, acs_url: Option<&str>) -> Option<StunSettings> {
        let t = &s.stun;
        let server = match t.server.as_deref().map(str::trim) {
            Some(v) if !v.is_empty() => v.to_string(),
            _ => acs_url.and_then(url_host)?,
        };
        t.enable.then(|| StunSettings {
            server,
            server_port: t.port,
            username: t.username.clone(),
            password: t.password.clone(),
            min_keepalive: t.min_keepalive,
            max_keepalive: t.max_keepalive,
            port: s.cr_port,
            cr_username: s.cr_username.clone(),
            cr_password: s.cr_password.clone(),
        })
    }
}

/// The host of an http(s) URL, without IPv6 brackets.
fn url_host(url: &str) -> Option<String> {
    let uri: hyper::Uri = url.parse().ok()?;
    let host = uri.host()?.trim_start_matches('[').trim_end_matches(']');
    (!host.is_empty()).then(|| host.to_string())
}

/// Seconds until the next keep-alive: a point in [min, max] picked by
/// `random` (min at least 1 s; max -1 → at most 60 s or min).
pub fn keepalive_interval(min: u32, max: i32, random: u64) -> Duration {
    let lo = u64::from(min.max(1));
    let hi = match u64::try_from(max) {
        Ok(m) => m.max(lo),
        Err(_) => lo.max(DEFAULT_MAX_KEEPALIVE),
    };
    Duration::from_secs(lo + random % (hi - lo + 1))
}

/// The agent's handle on the task.
#[derive(Default)]
pub struct Stun {
    task: Option<tokio::task::JoinHandle<()>>,
    running: Option<StunSettings>,
    live: Arc<Mutex<StunLive>>,
    /// Set by the agent's run loop: only then may a task be spawned.
    active: bool,
}

impl Drop for Stun {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

impl Stun {
    /// Starts, restarts or stops the task to match `settings`.
    pub fn start(
        &mut self,
        settings: &Settings,
        acs_url: Option<&str>,
        notify: &mpsc::Sender<ConnectionRequest>,
    ) {
        self.active = true;
        self.apply(settings, acs_url, notify);
    }

    /// Like [`Stun::start`] but only once the run loop started it (a reload).
    pub fn apply(
        &mut self,
        settings: &Settings,
        acs_url: Option<&str>,
        notify: &mpsc::Sender<ConnectionRequest>,
    ) {
        if !self.active {
            return;
        }
        let wanted = StunSettings::from_settings(settings, acs_url);
        let alive = self.task.as_ref().is_some_and(|t| !t.is_finished());
        if wanted == self.running && (alive || wanted.is_none()) {
            return;
        }
        if let Some(t) = self.task.take() {
            t.abort();
        }
        if wanted.is_none() {
            // TR-181: with STUN off NATDetected is false, and nothing is
            // listening. A restart keeps the last values until the first
            // answer, so a settings change alone is not a value change.
            if let Ok(mut l) = self.live.lock() {
                *l = StunLive::default();
            }
        }
        self.running = wanted.clone();
        match wanted {
            Some(cfg) => {
                let live = self.live.clone();
                let notify = notify.clone();
                self.task = Some(tokio::spawn(run(cfg, live, notify)));
            }
            None => log::debug!("STUN off (cwmp.stun.enable)"),
        }
    }

    /// UDPConnectionRequestAddress and NATDetected as last learnt.
    pub fn live(&self) -> StunLive {
        self.live.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn random<const N: usize>() -> [u8; N] {
    use ring::rand::SecureRandom;
    let mut out = [0u8; N];
    // The system RNG does not fail on Linux; a zero transaction ID would
    // still work, only be guessable.
    let _ = ring::rand::SystemRandom::new().fill(&mut out);
    out
}

/// A Binding Request waiting for its response.
struct Pending {
    tid: [u8; 16],
    bytes: Vec<u8>,
    sends: u32,
    binding_change: bool,
    with_integrity: bool,
}

/// What the shell does when the core's timer fires.
enum Due {
    /// Send these bytes to the server (a retransmission).
    Send(Vec<u8>),
    /// Look the server up, then call [`Client::begin`].
    Resolve,
    Nothing,
}

/// The STUN client, synchronous (sans-I/O): datagrams and time in,
/// datagrams out, so every rule is a plain unit test; the async task
/// around it only moves bytes and waits.
struct Client {
    cfg: StunSettings,
    live: Arc<Mutex<StunLive>>,
    local_port: u16,
    server: Option<SocketAddr>,
    /// Our source address towards the server (NAT detection).
    local_ip: Option<IpAddr>,
    mapped: Option<SocketAddr>,
    /// The server asked for MESSAGE-INTEGRITY (401): send it from now on.
    integrity: bool,
    pending: Option<Pending>,
    wake: Instant,
}

impl Client {
    fn next_keepalive(&mut self, now: Instant) {
        let r = u64::from_le_bytes(random());
        let wait = keepalive_interval(self.cfg.min_keepalive, self.cfg.max_keepalive, r);
        // min_keepalive may be up to u32::MAX seconds: never overflow.
        self.wake = now
            .checked_add(wait)
            .unwrap_or_else(|| now + Duration::from_secs(86_400));
    }

    /// A new transaction to the current server; `None` (and the next
    /// keep-alive scheduled) when there is no server address.
    fn transaction(&mut self, binding_change: bool, now: Instant) -> Option<Vec<u8>> {
        if self.server.is_none() {
            self.pending = None;
            self.next_keepalive(now);
            return None;
        }
        let tid = random();
        let with_integrity = self.integrity;
        let bytes = BindingRequest {
            transaction_id: tid,
            binding_change,
            username: Some(self.cfg.username.as_str()).filter(|u| !u.is_empty()),
            integrity_key: with_integrity.then_some(self.cfg.password.as_bytes()),
        }
        .encode();
        self.pending = Some(Pending {
            tid,
            bytes: bytes.clone(),
            sends: 1,
            binding_change,
            with_integrity,
        });
        self.wake = now + Duration::from_millis(100);
        Some(bytes)
    }

    /// After the shell looked the server up: the keep-alive's request.
    fn begin(
        &mut self,
        server: Option<SocketAddr>,
        local_ip: Option<IpAddr>,
        now: Instant,
    ) -> Option<Vec<u8>> {
        self.server = server;
        self.local_ip = local_ip;
        let first = self.mapped.is_none();
        self.transaction(first, now)
    }

    fn on_timer(&mut self, now: Instant) -> Due {
        let Some(p) = self.pending.as_mut() else {
            return Due::Resolve;
        };
        if p.sends >= MAX_SENDS {
            log::warn!(
                "STUN server {}:{} did not answer a Binding Request",
                self.cfg.server,
                self.cfg.server_port
            );
            self.pending = None;
            self.next_keepalive(now);
            return Due::Nothing;
        }
        p.sends += 1;
        // 100 ms, doubling up to 1.6 s (RFC 3489 §9.3).
        self.wake = now + Duration::from_millis(100 << (p.sends - 1).min(4));
        Due::Send(p.bytes.clone())
    }

    /// A STUN datagram; returns a request to send at once, if any.
    fn on_stun(&mut self, datagram: &[u8], now: Instant) -> Option<Vec<u8>> {
        // Undecodable datagrams and answers to no pending transaction
        // (late retransmission answers, strays) are dropped silently.
        let msg = stun::decode(datagram).ok()?;
        let p = self
            .pending
            .as_ref()
            .filter(|p| p.tid == msg.transaction_id)?;
        if p.with_integrity && msg.integrity(self.cfg.password.as_bytes()) != Integrity::Valid {
            log::warn!("STUN: response without valid MESSAGE-INTEGRITY ignored");
            return None;
        }
        let binding_change = p.binding_change;
        match msg.kind {
            stun::BINDING_RESPONSE => {
                self.pending = None;
                match msg.mapped_address() {
                    Some(mapped) => self.learnt(mapped, binding_change, now),
                    None => {
                        log::warn!("STUN: Binding Response without MAPPED-ADDRESS");
                        self.next_keepalive(now);
                        None
                    }
                }
            }
            stun::BINDING_ERROR_RESPONSE => {
                self.pending = None;
                let code = msg.error_code().unwrap_or(0);
                if code == 401 && !self.integrity && !self.cfg.username.is_empty() {
                    log::info!("STUN server asks for MESSAGE-INTEGRITY: sending it");
                    self.integrity = true;
                    return self.transaction(binding_change, now);
                }
                if code == 401 && self.cfg.username.is_empty() {
                    log::warn!(
                        "STUN server asks for authentication: set cwmp.stun.username and password"
                    );
                } else {
                    log::warn!("STUN server answered error {code}");
                }
                self.next_keepalive(now);
                None
            }
            _ => None,
        }
    }

    /// A Binding Response told us our mapped address.
    fn learnt(
        &mut self,
        mapped: SocketAddr,
        sent_binding_change: bool,
        now: Instant,
    ) -> Option<Vec<u8>> {
        let mapped = SocketAddr::new(mapped.ip().to_canonical(), mapped.port());
        let local = self.local_ip.map(|ip| SocketAddr::new(ip, self.local_port));
        // TR-181 NATDetected: the mapped address differs from our source
        // address and port.
        let nat = local != Some(mapped);
        let changed = self.mapped != Some(mapped);
        if let Ok(mut l) = self.live.lock() {
            l.udp_connection_request_address = mapped.to_string();
            l.nat_detected = nat;
        }
        if changed {
            log::info!("STUN: UDP Connection Request address {mapped} (NAT detected: {nat})");
        }
        let first = self.mapped.is_none();
        self.mapped = Some(mapped);
        if changed && !first && !sent_binding_change {
            // Annex G: tell the server at once, not at the next keep-alive.
            self.transaction(true, now)
        } else {
            self.next_keepalive(now);
            None
        }
    }
}

/// The server's IPv4 address and our source address towards it (a
/// connected UDP socket picks the route without sending anything).
async fn resolve(host: &str, port: u16) -> (Option<SocketAddr>, Option<IpAddr>) {
    let name = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let server = match tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host(name)).await {
        Ok(Ok(mut addrs)) => addrs.find(|a| a.is_ipv4()),
        Ok(Err(e)) => {
            log::warn!("STUN server {host}: {e}");
            return (None, None);
        }
        Err(_) => None,
    };
    let Some(server) = server else {
        log::warn!("STUN server {host}: no IPv4 address (only IPv4 is used)");
        return (None, None);
    };
    let probe = UdpSocket::bind("0.0.0.0:0").await;
    let local = match probe {
        Ok(s) => match s.connect(server).await {
            Ok(()) => s.local_addr().ok().map(|a| a.ip()),
            Err(_) => None,
        },
        Err(_) => None,
    };
    (Some(server), local)
}

/// A datagram that is not STUN: maybe a UDP Connection Request.
fn udp_connection_request(
    guard: &mut Guard,
    cfg: &StunSettings,
    datagram: &[u8],
    peer: SocketAddr,
    since: Duration,
    notify: &mpsc::Sender<ConnectionRequest>,
) {
    match guard.check(
        datagram,
        &cfg.cr_username,
        &cfg.cr_password,
        unix_now(),
        since,
    ) {
        Ok(req) => {
            log::info!("UDP connection request from {peer} (id {})", req.id);
            let _ = notify.try_send(ConnectionRequest { peer });
        }
        Err(Rejected::RateLimited) => {
            log::debug!("UDP connection request from {peer}: rate limited");
        }
        Err(e) => log::warn!("UDP connection request from {peer} ignored: {e}"),
    }
}

/// The task, a thin async shell around [`Client`]: binds, then serves
/// datagrams and timers until aborted.
async fn run(
    cfg: StunSettings,
    live: Arc<Mutex<StunLive>>,
    notify: mpsc::Sender<ConnectionRequest>,
) {
    let sock = match UdpSocket::bind(format!("0.0.0.0:{}", cfg.port).as_str()).await {
        Ok(s) => s,
        Err(e) => {
            log::error!(
                "STUN: cannot bind UDP port {} (cwmp.cpe.port): {e}; no UDP Connection Requests",
                cfg.port
            );
            return;
        }
    };
    let local_port = sock.local_addr().map(|a| a.port()).unwrap_or(cfg.port);
    log::info!(
        "UDP connection requests on port {local_port}; STUN server {}:{}",
        cfg.server,
        cfg.server_port
    );
    let mut client = Client {
        cfg,
        live,
        local_port,
        server: None,
        local_ip: None,
        mapped: None,
        integrity: false,
        pending: None,
        wake: Instant::now(),
    };
    let mut guard = Guard::default();
    let origin = Instant::now();
    let mut buf = vec![0u8; 2048];
    loop {
        // One future (a receive bounded by the client's next timer) rather
        // than a select! over two: less code in a tight flash budget.
        let received = tokio::time::timeout_at(client.wake.into(), sock.recv_from(&mut buf)).await;
        let out = match received {
            Ok(Ok((n, peer))) => {
                let d = buf.get(..n).unwrap_or_default();
                if stun::looks_like_stun(d) {
                    client.on_stun(d, Instant::now())
                } else {
                    let since = origin.elapsed();
                    udp_connection_request(&mut guard, &client.cfg, d, peer, since, &notify);
                    None
                }
            }
            Ok(Err(e)) => {
                // ICMP errors surface here on Linux; do not spin.
                log::debug!("STUN socket: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                None
            }
            Err(_) => match client.on_timer(Instant::now()) {
                Due::Send(bytes) => Some(bytes),
                Due::Nothing => None,
                Due::Resolve => {
                    let (server, local_ip) =
                        resolve(&client.cfg.server, client.cfg.server_port).await;
                    client.begin(server, local_ip, Instant::now())
                }
            },
        };
        if let (Some(bytes), Some(server)) = (out, client.server) {
            if let Err(e) = sock.send_to(&bytes, server).await {
                log::warn!("STUN: send to {server}: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keepalive_stays_within_min_and_max() {
        let s = |min, max, r| keepalive_interval(min, max, r).as_secs();
        assert_eq!(s(20, 60, 0), 20);
        assert_eq!(s(20, 60, 40), 60);
        assert_eq!(s(20, 60, 41), 20);
        assert!((0..1000).all(|r| (20..=60).contains(&s(20, 60, r))));
        assert_eq!(s(0, 0, 5), 1);
        assert_eq!(s(30, 30, 99), 30);
        // No maximum: up to 60 s, or the minimum if larger.
        assert!((0..1000).all(|r| (20..=60).contains(&s(20, -1, r))));
        assert_eq!(s(300, -1, 7), 300);
        assert_eq!(s(u32::MAX, -1, u64::MAX), u64::from(u32::MAX));
    }

    fn client(username: &str) -> Client {
        Client {
            cfg: StunSettings {
                server: "192.0.2.1".into(),
                server_port: 3478,
                username: username.into(),
                password: "pw".into(),
                min_keepalive: 20,
                max_keepalive: 60,
                port: 7547,
                cr_username: "acs".into(),
                cr_password: "cr".into(),
            },
            live: Default::default(),
            local_port: 7547,
            server: None,
            local_ip: None,
            mapped: None,
            integrity: false,
            pending: None,
            wake: Instant::now(),
        }
    }

    fn response(req: &[u8], mapped: &str) -> Vec<u8> {
        let d = stun::decode(req).unwrap();
        stun::encode_binding_response(&d.transaction_id, mapped.parse().unwrap(), false)
    }

    fn error_401(req: &[u8]) -> Vec<u8> {
        let d = stun::decode(req).unwrap();
        let mut m = vec![1, 0x11, 0, 8];
        m.extend_from_slice(&d.transaction_id);
        m.extend_from_slice(&[0, 9, 0, 4, 0, 0, 4, 1]);
        m
    }

    #[test]
    fn binding_then_nat_then_binding_change_at_once() {
        let mut c = client("");
        let t = Instant::now();
        let server = "192.0.2.1:3478".parse().ok();
        let local = "10.0.0.2".parse().ok();
        let first = c.begin(server, local, t).unwrap();
        assert!(stun::decode(&first)
            .unwrap()
            .has_attr(stun::ATTR_BINDING_CHANGE));
        // Same address and port as ours: no NAT; next keep-alive in 20..60 s.
        assert_eq!(c.on_stun(&response(&first, "10.0.0.2:7547"), t), None);
        assert!(!c.live.lock().unwrap().nat_detected);
        assert!(c.wake >= t + Duration::from_secs(20) && c.wake <= t + Duration::from_secs(60));
        // A stray or repeated response changes nothing.
        assert_eq!(c.on_stun(&response(&first, "198.51.100.1:1"), t), None);
        assert_eq!(
            c.live.lock().unwrap().udp_connection_request_address,
            "10.0.0.2:7547"
        );
        // The keep-alive (no BINDING-CHANGE) learns a new public address:
        // a request with BINDING-CHANGE goes out at once.
        assert!(matches!(c.on_timer(t), Due::Resolve));
        let keep = c.begin(server, local, t).unwrap();
        assert!(!stun::decode(&keep)
            .unwrap()
            .has_attr(stun::ATTR_BINDING_CHANGE));
        let change = c.on_stun(&response(&keep, "203.0.113.5:40000"), t).unwrap();
        assert!(stun::decode(&change)
            .unwrap()
            .has_attr(stun::ATTR_BINDING_CHANGE));
        let l = c.live.lock().unwrap().clone();
        assert_eq!(l.udp_connection_request_address, "203.0.113.5:40000");
        assert!(l.nat_detected);
        // Its answer (same address) needs no further request.
        assert_eq!(c.on_stun(&response(&change, "203.0.113.5:40000"), t), None);
    }

    #[test]
    fn integrity_only_after_401_and_only_with_a_username() {
        let t = Instant::now();
        let server = "192.0.2.1:3478".parse().ok();
        let mut c = client("cpe");
        let r1 = c.begin(server, None, t).unwrap();
        let d1 = stun::decode(&r1).unwrap();
        assert!(d1.has_attr(stun::ATTR_USERNAME) && !d1.has_attr(stun::ATTR_MESSAGE_INTEGRITY));
        let r2 = c.on_stun(&error_401(&r1), t).unwrap();
        assert_eq!(
            stun::decode(&r2).unwrap().integrity(b"pw"),
            stun::Integrity::Valid
        );
        // A response without MESSAGE-INTEGRITY is not trusted now.
        assert_eq!(c.on_stun(&response(&r2, "10.0.0.2:7547"), t), None);
        assert_eq!(c.live.lock().unwrap().udp_connection_request_address, "");
        // Without a username: no integrity, wait for the next keep-alive.
        let mut c = client("");
        let r1 = c.begin(server, None, t).unwrap();
        assert_eq!(c.on_stun(&error_401(&r1), t), None);
        assert!(c.pending.is_none() && !c.integrity);
    }

    #[test]
    fn retransmits_on_the_rfc3489_schedule_then_gives_up() {
        let t = Instant::now();
        let mut c = client("");
        let r = c.begin("192.0.2.1:3478".parse().ok(), None, t).unwrap();
        let mut waits = vec![c.wake - t];
        for _ in 1..MAX_SENDS {
            match c.on_timer(t) {
                Due::Send(b) => assert_eq!(b, r),
                _ => panic!("expected a retransmission"),
            }
            waits.push(c.wake - t);
        }
        let ms: Vec<u128> = waits.iter().map(|d| d.as_millis()).collect();
        assert_eq!(ms, [100, 200, 400, 800, 1600, 1600, 1600, 1600, 1600]);
        assert!(matches!(c.on_timer(t), Due::Nothing));
        assert!(c.pending.is_none());
        // No server address: nothing sent, try again at the next keep-alive.
        assert_eq!(c.begin(None, None, t), None);
    }

    #[test]
    fn settings_need_enable_and_a_server_or_an_acs_host() {
        let mut c = crate::config::Config::default();
        let acs = Some("https://acs.example.net:7548/cwmp");
        assert_eq!(
            StunSettings::from_settings(&Settings::from_config(&c), acs),
            None
        );
        c.stun.enable = true;
        c.stun.server = Some("stun.example.net".into());
        c.cpe.port = 7547;
        let s = StunSettings::from_settings(&Settings::from_config(&c), acs).unwrap();
        assert_eq!(
            (s.server.as_str(), s.server_port, s.port),
            ("stun.example.net", 3478, 7547)
        );
        // TR-181 STUNServerAddress: empty means the host of the ACS URL.
        for empty in [None, Some("  ".to_string())] {
            c.stun.server = empty;
            let settings = Settings::from_config(&c);
            let s = StunSettings::from_settings(&settings, acs).unwrap();
            assert_eq!(s.server, "acs.example.net");
            let v6 = StunSettings::from_settings(&settings, Some("http://[2001:db8::1]/")).unwrap();
            assert_eq!(v6.server, "2001:db8::1");
            assert_eq!(StunSettings::from_settings(&settings, None), None);
            assert_eq!(
                StunSettings::from_settings(&settings, Some("not a url")),
                None
            );
        }
    }
}
