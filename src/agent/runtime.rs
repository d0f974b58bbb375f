//! The agent's main loop: when to open a session, what goes into it, and
//! what to remember afterwards (DESIGN.md "Runtime shape", "Persistence").
//!
//! One tokio current-thread runtime; the Connection Request server runs as
//! its own task and reaches this loop through a channel, so a request that
//! arrives mid-session is answered at once and folded into "one more
//! session after this one".

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::cwmp::rpc::inform::{DeviceId, Inform};
use crate::cwmp::rpc::parameters::ParameterValue;
use crate::cwmp::session::{Failure, Reply, Session, SessionConfig, SessionEvent};
use crate::cwmp::xsd::DateTime;
use crate::cwmp::{CpeRequest, EventCode};
use crate::datamodel::notify::Snapshot;
use crate::datamodel::{DataModel, RECORDS_ATTRIBUTES, RECORDS_INSTANCES};
use crate::paths::Root;
use crate::store::{State, Store};
use crate::transfer::agent::{Ctx, Next, Transfers};
use crate::transport::acs_client::{AcsClientConfig, AcsSession};
use crate::transport::conn_request::{ConnRequestConfig, ConnRequestServer, ConnectionRequest};
use crate::transport::tls;
use crate::ubus_api::{AgentStatus, Command};
use std::sync::{Arc, Mutex};

use super::driver::{drive, AcsLink};
use super::events::EventQueue;
use super::handler::{AfterSession, Handler};
use super::identity::Identity;
use super::schedule::next_periodic_inform;
use super::settings::{AcsTarget, Settings};

mod local_set;

/// Loads the configuration afresh (UCI `cwmp` → `Settings`); `Err` lists
/// the bad options, and the agent keeps its last good settings.
pub type SettingsLoader = Box<dyn FnMut() -> Result<Settings, Vec<String>>>;

pub struct Agent {
    root: Root,
    settings: Settings,
    loader: SettingsLoader,
    identity: Identity,
    store: Store,
    state: State,
    events: EventQueue,
    session_wanted: bool,
    /// When to retry after a failed session.
    retry_at: Option<Instant>,
    /// Unix time of the next periodic Inform; `last_periodic` anchors it.
    next_periodic: Option<i64>,
    last_periodic: i64,
    /// ScheduleInform RPCs not yet due: (Unix time due, CommandKey).
    /// Persisted, so a restart before the time keeps the promise.
    scheduled: Vec<(i64, String)>,
    /// The `cwmp.cpe.schedule_time` already served. Persisted, so neither a
    /// restart nor a reload fires a past time again; a new time fires once.
    schedule_time_done: Option<i64>,
    cr_rx: mpsc::Receiver<ConnectionRequest>,
    cr_tx: mpsc::Sender<ConnectionRequest>,
    cr_task: Option<tokio::task::JoinHandle<()>>,
    cr_key: [u8; 32],
    status: Arc<Mutex<AgentStatus>>,
    cmd_tx: mpsc::Sender<Command>,
    cmd_rx: mpsc::Receiver<Command>,
    cr_url: String,
    /// The Connection Request server's bound port.
    cr_port: u16,
    /// ubusd, when there is one: netifd for the CR interface address.
    ubus: Option<crate::backend::ubus::Client>,
    system: Box<dyn crate::system::System>,
    /// Reboot / FactoryReset asked for in the session, done after it.
    actions: AfterSession,
    /// The device is going down (reboot, factory reset): the loop ends.
    halted: bool,
    /// Values of the parameters with notification on, as last seen.
    watch_baseline: Option<Snapshot>,
    /// Changed notified parameters for the next Inform (TR-069 §3.2.1).
    changed_params: Vec<ParameterValue>,
    next_watch: Instant,
    /// Download/Upload/ScheduleDownload: queue, running task, backup guard.
    transfers: Transfers,
    /// netifd's last `dump` (None without ubus), refreshed at each session,
    /// ubus `get` and interface change; the model's IP tables read it.
    netifd: Option<Vec<crate::backend::netifd::InterfaceStatus>>,
    /// STUN keep-alives and UDP Connection Requests (TR-069 Annex G).
    stun: super::stun_task::Stun,
}

/// How often parameters with notification on are compared with their last
/// values (TR-069 leaves the interval to the CPE; the whole poll reads a
/// few small files).
const WATCH_INTERVAL: Duration = Duration::from_secs(5);

/// State-file record of a pending ScheduleInform: `due<TAB>CommandKey`.
const SCHEDULE_RECORD: &str = "schedule_inform";
const SCHEDULE_TIME_DONE_RECORD: &str = "schedule_time_done";

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn random_bytes<const N: usize>() -> [u8; N] {
    use ring::rand::SecureRandom;
    let mut out = [0u8; N];
    // The system RNG does not fail on Linux; if it ever did, a fixed key
    // would only weaken nonce unpredictability, not correctness.
    let _ = ring::rand::SystemRandom::new().fill(&mut out);
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The HTTP client as the session driver sees it.
struct Link(AcsSession);

impl AcsLink for Link {
    async fn post(&mut self, body: Option<Vec<u8>>) -> Result<Reply, String> {
        let body = body.map(Bytes::from).unwrap_or_default();
        match self.0.post(body, "").await {
            Ok(r) if r.status == 204 || r.body.iter().all(|b| b.is_ascii_whitespace()) => {
                Ok(Reply::Empty)
            }
            Ok(r) => Ok(Reply::Body(r.body.to_vec())),
            Err(e) => Err(e.to_string()),
        }
    }
}

impl Agent {
    /// Loads persisted state and raises the start-up events: `1 BOOT`
    /// always, `0 BOOTSTRAP` when no session ever succeeded against the
    /// current ACS URL (first start, factory reset, new URL).
    pub fn new(
        root: Root,
        mut loader: SettingsLoader,
        identity: Identity,
    ) -> Result<Agent, String> {
        let settings = loader().map_err(|errors| errors.join("; "))?;
        let (store, state) = Store::open(root.state_file()).map_err(|e| e.to_string())?;
        let mut events = EventQueue::from_stored(&state.pending_events);
        events.rebooted();
        events.raise(EventCode::BOOT, "");
        let (cr_tx, cr_rx) = mpsc::channel(1);
        let (cmd_tx, cmd_rx) = mpsc::channel(8);
        let root_for_system = root.clone();
        let mut system = crate::system::for_root(&root_for_system);
        let transfers = Transfers::load(
            &state,
            &mut Ctx {
                root: &root,
                settings: &settings,
                system: system.as_mut(),
                events: &mut events,
                now: unix_now(),
                version: &identity.software_version,
            },
        );
        let mut agent = Agent {
            root,
            settings,
            loader,
            identity,
            store,
            state,
            events,
            session_wanted: true,
            retry_at: None,
            next_periodic: None,
            last_periodic: unix_now(),
            scheduled: Vec::new(),
            schedule_time_done: None,
            cr_rx,
            cr_tx,
            cr_task: None,
            cr_key: random_bytes(),
            status: Arc::new(Mutex::new(AgentStatus::default())),
            cmd_tx,
            cmd_rx,
            cr_url: String::new(),
            cr_port: 0,
            ubus: None,
            system,
            actions: AfterSession::default(),
            halted: false,
            watch_baseline: None,
            changed_params: Vec::new(),
            next_watch: Instant::now() + WATCH_INTERVAL,
            transfers,
            netifd: None,
            stun: Default::default(),
        };
        agent.scheduled = agent
            .state
            .records(SCHEDULE_RECORD)
            .filter_map(|row| match row {
                [due, key] => Some((due.parse().ok()?, key.clone())),
                _ => None,
            })
            .collect();
        agent.schedule_time_done = agent
            .state
            .records(SCHEDULE_TIME_DONE_RECORD)
            .find_map(|row| row.first()?.parse().ok());
        agent.restore_value_changes();
        agent.check_bootstrap();
        if agent.state.cr_path.is_none() {
            agent.state.cr_path = Some(hex(&random_bytes::<12>()));
        }
        agent.persist();
        Ok(agent)
    }

    /// Value changes not delivered before the agent stopped: reported
    /// again unless the device rebooted since (src/agent/value_changes.rs).
    fn restore_value_changes(&mut self) {
        use super::value_changes as vc;
        let stored_boot = self
            .state
            .records(vc::BOOT_RECORD)
            .next()
            .and_then(|r| r.first().cloned());
        let boot = vc::boot_id(&self.root);
        let changes = vc::from_records(self.state.records(vc::RECORD));
        if !changes.is_empty() && vc::same_boot(stored_boot.as_deref(), boot.as_deref()) {
            log::info!("{} value change(s) not yet delivered", changes.len());
            self.changed_params = changes;
            self.events.raise(EventCode::VALUE_CHANGE, "");
        }
        self.state
            .set_records(vc::BOOT_RECORD, boot.into_iter().map(|b| vec![b]).collect());
    }

    /// What `ubus call cwmp status` shows; kept current by the loop.
    pub fn status_handle(&self) -> Arc<Mutex<AgentStatus>> {
        self.status.clone()
    }

    /// Where the `cwmp` ubus object sends its commands.
    pub fn command_sender(&self) -> mpsc::Sender<Command> {
        self.cmd_tx.clone()
    }

    fn update_status(&self) {
        let target = self.target();
        if let Ok(mut st) = self.status.lock() {
            st.enabled = self.settings.enabled;
            st.acs_url = target.as_ref().map(|t| t.url.clone()).unwrap_or_default();
            st.acs_url_origin = target
                .as_ref()
                .map(|t| t.origin.as_str().to_string())
                .unwrap_or_default();
            st.connection_request_url = self.cr_url.clone();
            st.next_periodic_inform = self.next_periodic.unwrap_or(0);
            st.retry_count = self.state.retry_count;
            st.pending_events = self
                .events
                .pending()
                .iter()
                .map(|e| e.event_code.to_string())
                .collect();
            (st.transfers, st.last_transfer) = self.transfers.status(unix_now(), &self.root);
        }
    }

    /// Uses `client` for netifd: the Connection Request interface's address
    /// and its changes (TR-181: ConnectionRequestURL notifies actively by
    /// default, so a new address opens a session with `4 VALUE CHANGE`).
    pub fn attach_ubus(&mut self, client: crate::backend::ubus::Client) {
        let tx = self.cmd_tx.clone();
        let c = client.clone();
        tokio::spawn(async move {
            while c.is_connected() {
                if let Ok(mut changes) = crate::backend::netifd::watch(&c).await {
                    while let Some(change) = changes.next().await {
                        if change == crate::backend::netifd::Change::SourceLost {
                            break;
                        }
                        if tx.send(Command::InterfaceChanged).await.is_err() {
                            return;
                        }
                    }
                }
                // netifd not (yet) there, or restarted: look again later.
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        });
        self.ubus = Some(client);
    }

    async fn on_command(&mut self, command: Command) {
        match command {
            Command::Inform(events) => {
                if events.is_empty() {
                    self.events.raise(EventCode::CONNECTION_REQUEST, "");
                }
                for e in &events {
                    self.events.raise(e, "");
                }
                self.persist();
                self.session_wanted = true;
            }
            Command::Reload => self.reload(),
            Command::InterfaceChanged => {
                self.refresh_netifd().await;
                // Interface state is part of the model: look for notified
                // changes now rather than at the next poll.
                self.watch_values();
                let Some(target) = self.target() else { return };
                let url = self.connection_request_url(&target.url, self.cr_port).await;
                if !self.cr_url.is_empty() && url != self.cr_url {
                    log::info!("Connection Request URL is now {url}");
                    self.cr_url = url;
                    self.events.raise(EventCode::VALUE_CHANGE, "");
                    self.persist();
                    self.session_wanted = true;
                }
            }
            Command::Get(path, reply) => {
                self.refresh_netifd().await;
                let mut model = self.model(self.cr_url.clone());
                let result = model
                    .get_parameter_values(std::slice::from_ref(&path))
                    .map(|list| list.into_iter().map(|p| (p.name, p.value)).collect())
                    .map_err(|f| f.fault_string);
                let _ = reply.send(result);
            }
            Command::Set(values, reply) => {
                let _ = reply.send(self.local_set(&values));
            }
        }
    }

    /// Takes a fresh netifd snapshot (`network.interface dump`) for the
    /// model; without ubus the model is UCI-only (None). If netifd does not
    /// answer, the last snapshot stays: flipping to UCI-only values would
    /// report every interface as changed to the ACS.
    async fn refresh_netifd(&mut self) {
        let Some(client) = self.ubus.as_ref() else {
            return;
        };
        let dump = crate::backend::netifd::dump(client);
        match tokio::time::timeout(Duration::from_secs(2), dump).await {
            Ok(Ok(all)) => self.netifd = Some(all),
            Ok(Err(e)) => log::warn!("netifd dump: {e}"),
            Err(_) => log::warn!("netifd dump: no answer within 2 s"),
        }
    }

    /// The ACS URL learned from DHCP option 43 (written by the udhcpc hook).
    fn dhcp_url(&self) -> Option<String> {
        crate::dhcp::load(&self.root).url
    }

    fn target(&self) -> Option<AcsTarget> {
        self.settings.acs_target(self.dhcp_url().as_deref())
    }

    /// TR-069 §3.7.1.5 / Table 7: BOOTSTRAP on first contact and whenever
    /// the ACS URL differs from the one last bootstrapped against.
    fn check_bootstrap(&mut self) {
        if let Some(t) = self.target() {
            if self.state.bootstrapped_url.as_deref() != Some(t.url.as_str())
                && !self.events.contains(EventCode::BOOTSTRAP)
            {
                // A new reason to connect now; a BOOTSTRAP already pending
                // waits for its retry like any undelivered event.
                self.events.raise(EventCode::BOOTSTRAP, "");
                self.session_wanted = true;
            }
        }
    }

    fn persist(&mut self) {
        self.state.pending_events = self.events.to_stored();
        let rows = self
            .scheduled
            .iter()
            .map(|(due, key)| vec![due.to_string(), key.clone()])
            .collect();
        self.state.set_records(SCHEDULE_RECORD, rows);
        let done = self.schedule_time_done.map(|t| vec![t.to_string()]);
        self.state
            .set_records(SCHEDULE_TIME_DONE_RECORD, done.into_iter().collect());
        self.transfers.save(&mut self.state);
        self.state.set_records(
            super::value_changes::RECORD,
            super::value_changes::to_records(&self.changed_params),
        );
        if let Err(e) = self.store.save(&self.state) {
            log::error!("cannot write {}: {e}", self.store.path().display());
        }
        self.update_status();
    }

    fn cr_path(&self) -> String {
        let p = self
            .settings
            .cr_path
            .clone()
            .or_else(|| self.state.cr_path.clone())
            .unwrap_or_default();
        format!("/{}", p.trim_start_matches('/'))
    }

    /// (Re)starts the Connection Request server with the current settings.
    pub fn start_cr_server(&mut self) -> std::io::Result<u16> {
        if let Some(task) = self.cr_task.take() {
            task.abort();
        }
        let config = ConnRequestConfig {
            listen: None,
            port: self.settings.cr_port,
            path: self.cr_path(),
            username: self.settings.cr_username.clone(),
            password: self.settings.cr_password.clone(),
            realm: "cwmpd".into(),
        };
        let server = ConnRequestServer::bind(&config, &self.cr_key)?;
        let port = server.local_addr()?.port();
        self.cr_task = Some(tokio::spawn(server.serve(self.cr_tx.clone())));
        log::info!("connection requests on port {port}, path {}", config.path);
        Ok(port)
    }

    /// The ConnectionRequestURL: `cwmp.cpe.url` if set, else
    /// `http://<our address towards the ACS>:<port>/<path>` — the vendor
    /// default "selected based on the ACS URL".
    async fn connection_request_url(&self, acs_url: &str, port: u16) -> String {
        if let Some(url) = self.settings.cr_url.clone().filter(|u| !u.is_empty()) {
            return url;
        }
        let host = match self.interface_address().await {
            Some(host) => host,
            None => source_address(acs_url)
                .await
                .unwrap_or_else(|| "0.0.0.0".into()),
        };
        format!("http://{host}:{port}{}", self.cr_path())
    }

    /// The address of `cwmp.cpe.interface` from netifd, if configured and
    /// known; IPv6 when `cwmp.cpe.ipv6` is on.
    async fn interface_address(&self) -> Option<String> {
        let iface = self.settings.cr_interface.as_deref()?;
        let client = self.ubus.as_ref()?;
        let family = if self.settings.cr_ipv6 {
            crate::backend::netifd::Family::V6
        } else {
            crate::backend::netifd::Family::V4
        };
        match crate::backend::netifd::interface_address(client, iface, family).await {
            Ok(Some(ip)) => Some(match ip {
                std::net::IpAddr::V4(a) => a.to_string(),
                std::net::IpAddr::V6(a) => format!("[{a}]"),
            }),
            Ok(None) => {
                log::warn!("interface {iface} has no address (cwmp.cpe.interface)");
                None
            }
            Err(e) => {
                log::warn!("netifd: status of {iface} (cwmp.cpe.interface): {e}");
                None
            }
        }
    }

    /// Runs until `stop` says so (after each session) or a shutdown signal.
    pub async fn run(&mut self, mut stop: impl FnMut(&Agent) -> bool) {
        // Signal handlers first: a procd reload may come at once.
        let mut hup = signal(tokio::signal::unix::SignalKind::hangup());
        let mut term = signal(tokio::signal::unix::SignalKind::terminate());

        self.cr_port = match self.start_cr_server() {
            Ok(p) => p,
            Err(e) => {
                log::error!(
                    "connection request server: cannot bind port {}: {e}",
                    self.settings.cr_port
                );
                self.settings.cr_port
            }
        };
        let acs_url = self.target().map(|t| t.url);
        self.stun
            .start(&self.settings, acs_url.as_deref(), &self.cr_tx);
        loop {
            if self.session_wanted {
                self.session_wanted = false;
                self.session(self.cr_port).await;
                if self.halted || stop(self) {
                    return;
                }
                // What the session queued, or what waited for it to end.
                self.transfer_step(|t, ctx| t.on_timer(ctx));
                if self.halted {
                    return;
                }
                continue;
            }
            let wake = self.next_wake();
            tokio::select! {
                Some(_) = self.cr_rx.recv() => {
                    log::info!("connection request accepted");
                    self.events.raise(EventCode::CONNECTION_REQUEST, "");
                    self.persist();
                    self.session_wanted = true;
                }
                _ = tokio::time::sleep_until(wake.into()) => {
                    self.on_timer();
                    self.transfer_step(|t, ctx| t.on_timer(ctx));
                }
                Some(result) = self.transfers.finished() => {
                    self.transfer_step(|t, ctx| t.on_result(result, ctx));
                }
                Some(command) = self.cmd_rx.recv() => self.on_command(command).await,
                _ = recv(&mut hup) => self.reload(),
                _ = recv(&mut term) => {
                    log::info!("terminating");
                    return;
                }
            }
            if self.halted {
                return;
            }
        }
    }

    /// Runs one transfer step with what it needs from the agent, then does
    /// what the step asks: persist always; a session; the flash once the
    /// Flashing record is on disk; a reboot.
    fn transfer_step(&mut self, step: impl FnOnce(&mut Transfers, &mut Ctx) -> Next) {
        let mut ctx = Ctx {
            root: &self.root,
            settings: &self.settings,
            system: self.system.as_mut(),
            events: &mut self.events,
            now: unix_now(),
            version: &self.identity.software_version,
        };
        let next = step(&mut self.transfers, &mut ctx);
        if std::mem::take(&mut self.transfers.config_imported) {
            self.reload();
        }
        self.persist();
        match next {
            Next::Nothing => {}
            Next::Session => self.session_wanted = true,
            Next::Flash => self.transfer_step(Transfers::flash),
            Next::Halt => {
                log::warn!("sysupgrade is flashing the new firmware; the agent stops");
                self.halted = true;
            }
            Next::Reboot => {
                log::warn!("rebooting to complete a transfer");
                match self.system.reboot() {
                    Ok(()) => self.halted = true,
                    Err(e) => log::error!("reboot failed: {e}"),
                }
            }
        }
    }

    fn next_wake(&mut self) -> Instant {
        let now = Instant::now();
        let mut wake = now + Duration::from_secs(3600);
        let mut consider = |t: Instant| {
            if t < wake {
                wake = t;
            }
        };
        if let Some(t) = self.retry_at {
            consider(t);
        }
        if let Some(t) = self.transfers.wake(unix_now()) {
            consider(t);
        }
        consider(self.next_watch);
        let now_unix = unix_now();
        let in_secs =
            |unix: i64| now + Duration::from_secs(unix.saturating_sub(now_unix).max(0) as u64);
        for (t, _) in &self.scheduled {
            consider(in_secs(*t));
        }
        if self.settings.periodic_enable {
            let next = *self.next_periodic.get_or_insert_with(|| {
                next_periodic_inform(
                    now_unix,
                    self.last_periodic,
                    self.settings.periodic_interval,
                    self.settings.periodic_time,
                )
            });
            consider(in_secs(next));
        }
        if let Some(t) = self
            .settings
            .schedule_time
            .filter(|t| self.schedule_time_done != Some(*t))
        {
            consider(in_secs(t));
        }
        wake
    }

    fn on_timer(&mut self) {
        let now = Instant::now();
        let now_unix = unix_now();
        if self.retry_at.is_some_and(|t| t <= now) {
            self.retry_at = None;
            self.session_wanted = true;
        }
        if self.next_watch <= now {
            self.next_watch = now + WATCH_INTERVAL;
            self.watch_values();
        }
        let (due, later): (Vec<_>, Vec<_>) =
            self.scheduled.drain(..).partition(|(t, _)| *t <= now_unix);
        self.scheduled = later;
        for (_, key) in due {
            // TR-069 §A.3.2.10: ScheduleInform → 3 SCHEDULED + M ScheduleInform.
            self.events.raise(EventCode::SCHEDULED, "");
            self.events.raise(EventCode::M_SCHEDULE_INFORM, &key);
            self.session_wanted = true;
        }
        if let Some(next) = self.next_periodic.filter(|n| *n <= now_unix) {
            self.last_periodic = next;
            self.next_periodic = None;
            if self.settings.periodic_enable {
                self.events.raise(EventCode::PERIODIC, "");
                self.session_wanted = true;
            }
        }
        if let Some(t) = self
            .settings
            .schedule_time
            .filter(|t| *t <= now_unix && self.schedule_time_done != Some(*t))
        {
            // The vendor's one-shot "schedule a connection initiation":
            // reported as 3 SCHEDULED (it is a scheduled Inform, though not
            // from the ScheduleInform RPC, so without M ScheduleInform).
            log::info!("scheduled connection time {t} reached");
            self.schedule_time_done = Some(t);
            self.events.raise(EventCode::SCHEDULED, "");
            self.session_wanted = true;
        }
        self.persist();
    }

    /// SIGHUP or a configuration change: adopt the new settings if valid.
    pub fn reload(&mut self) {
        match (self.loader)() {
            Ok(new) => {
                let cr_changed = new.cr_port != self.settings.cr_port
                    || new.cr_username != self.settings.cr_username
                    || new.cr_password != self.settings.cr_password
                    || new.cr_path != self.settings.cr_path;
                self.settings = new;
                let acs_url = self.target().map(|t| t.url);
                self.stun
                    .apply(&self.settings, acs_url.as_deref(), &self.cr_tx);
                self.next_periodic = None;
                self.check_bootstrap();
                self.persist();
                if cr_changed && self.cr_task.is_some() {
                    match self.start_cr_server() {
                        Ok(port) => self.cr_port = port,
                        Err(e) => log::error!("connection request server: {e}"),
                    }
                }
                log::info!("configuration reloaded");
            }
            Err(errors) => {
                for e in errors {
                    log::error!("configuration: {e}");
                }
                log::error!("keeping the previous configuration");
            }
        }
    }

    /// The data model over the files under the root, with the engine
    /// state (ParameterKey, instance numbers, attributes) from the state file.
    fn model(&self, cr_url: String) -> DataModel {
        let live = crate::model::Live {
            identity: self.identity.clone(),
            connection_request_url: cr_url,
            stun: self.stun.live(),
            now: unix_now(),
            netifd: self.netifd.clone(),
        };
        let mut dm = crate::model::build(&self.root, live);
        dm.restore(
            self.state.records(RECORDS_INSTANCES),
            self.state.records(RECORDS_ATTRIBUTES),
            &self.state.parameter_key,
        );
        dm
    }

    /// Value-change detection (TR-069 §3.2.1 `4 VALUE CHANGE`): compares
    /// the parameters with notification on against the last poll; active
    /// ones open a session now, passive ones wait for the next Inform.
    fn watch_values(&mut self) {
        let mut dm = self.model(self.cr_url.clone());
        dm.baseline = self.watch_baseline.take();
        match dm.poll_value_changes() {
            Ok(report) if !report.changed.is_empty() => {
                for pv in report.changed {
                    log::info!("value change: {} = {:?}", pv.name, pv.value);
                    self.changed_params.retain(|p| p.name != pv.name);
                    self.changed_params.push(pv);
                }
                self.events.raise(EventCode::VALUE_CHANGE, "");
                if report.active {
                    self.session_wanted = true;
                }
                self.persist();
            }
            Ok(_) => {}
            Err(f) => log::warn!("value-change poll: {}", f.fault_string),
        }
        self.watch_baseline = dm.baseline.take();
    }

    /// Copies what the session changed in the engine state into `State`
    /// (saved by the next `persist`).
    fn keep_model_state(&mut self, dm: &mut DataModel) {
        let dirty = dm.take_dirty();
        if dirty.instances {
            self.state
                .set_records(RECORDS_INSTANCES, dm.instance_records());
        }
        if dirty.attributes {
            self.state
                .set_records(RECORDS_ATTRIBUTES, dm.attribute_records());
        }
        if dirty.parameter_key {
            self.state.parameter_key = dm.parameter_key().to_string();
        }
    }

    /// One session, start to end, with its bookkeeping.
    async fn session(&mut self, cr_port: u16) {
        let Some(target) = self.target() else {
            log::warn!("no ACS URL (cwmp.acs.url, DHCP or cwmp.acs.default_url): not connecting");
            return;
        };
        if self.settings.tls.is_insecure() && target.url.starts_with("https") {
            log::warn!("cwmp.acs.verify is 0: the ACS certificate is NOT checked");
        }
        let cr_url = self.connection_request_url(&target.url, cr_port).await;
        self.cr_url = cr_url.clone();
        let started_unix = unix_now();
        if let Ok(mut st) = self.status.lock() {
            st.last_session_start = started_unix;
        }
        self.refresh_netifd().await;
        let mut model = self.model(cr_url);
        let delivered = self.events.pending().to_vec();
        let event_names: Vec<String> = delivered.iter().map(|e| e.event_code.to_string()).collect();
        log::info!(
            "session to {} ({}), events: {}",
            target.url,
            target.origin.as_str(),
            event_names.join(", ")
        );
        let link = self.open_link(&target);
        let device_id = DeviceId {
            manufacturer: self.identity.manufacturer.clone(),
            oui: self.identity.oui.clone(),
            product_class: self.identity.product_class.clone(),
            serial_number: self.identity.serial_number.clone(),
        };
        let session_config = SessionConfig {
            response_timeout: self.settings.response_timeout,
            ..SessionConfig::default()
        };
        let retry_count = self.state.retry_count;

        let mut parameter_list = match model.inform_parameters() {
            Ok(list) => list,
            Err(f) => {
                log::error!("Inform parameters: {}", f.fault_string);
                Vec::new()
            }
        };
        // Changed notified parameters go with the Inform (TR-069 §A.3.3.1).
        for pv in &self.changed_params {
            if !parameter_list.iter().any(|p| p.name == pv.name) {
                parameter_list.push(pv.clone());
            }
        }
        let inform = Inform {
            device_id,
            events: delivered.clone(),
            max_envelopes: 1,
            current_time: DateTime::from_unix(unix_now()),
            retry_count,
            parameter_list,
        };
        // TransferCompletes owed go after the Inform (TR-069 §3.7.1.5).
        let completions = self.transfers.completions();
        let requests = completions
            .iter()
            .cloned()
            .map(CpeRequest::TransferComplete)
            .collect();
        let mut acknowledged = Vec::new();
        let policy = crate::transfer::rpc::Policy {
            download: self.settings.download,
            upload: self.settings.upload,
            now: unix_now(),
        };
        let (result, after) = match link {
            Err(e) => (Err(Failure::Transport(e)), AfterSession::default()),
            Ok(mut link) => {
                let mut session = Session::new(session_config, inform, requests);
                let mut handler = Handler {
                    model: &mut model,
                    after: AfterSession::default(),
                    transfers: &mut self.transfers.queue,
                    policy,
                };
                let events = &mut self.events;
                let store = &mut self.store;
                let state = &mut self.state;
                let result = drive(&mut session, &mut link, &mut handler, |ev| {
                    if let SessionEvent::RequestAcknowledged(i) = ev {
                        acknowledged.push(*i);
                        // Persist at once: a crash after this point must not
                        // send this TransferComplete again.
                        if let Some(tc) = completions.get(*i) {
                            Transfers::acknowledged_in_state(state, events, tc);
                            let _ = store.save(state);
                        }
                    }
                    if *ev == SessionEvent::InformAcknowledged {
                        // Persist at once: a crash after this point must not
                        // send these events again.
                        events.inform_acknowledged(&delivered);
                        state.pending_events = events.to_stored();
                        let _ = store.save(state);
                    }
                })
                .await;
                link.0.close();
                (result, handler.after)
            }
        };
        for i in acknowledged {
            if let Some(tc) = completions.get(i) {
                self.transfers.acknowledged(tc, &mut self.events);
            }
        }
        self.keep_model_state(&mut model);
        // What the ACS set or started watching in this session is the new
        // reference (its own changes are not value changes to report).
        self.watch_baseline = model.watched_values().ok();
        match &result {
            Ok(()) => {
                self.changed_params.clear();
                self.state.retry_count = 0;
                self.retry_at = None;
                // Any BOOTSTRAP pending at the start went out in this
                // session's Inform and was acknowledged.
                self.state.bootstrapped_url = Some(target.url.clone());
                self.transfers.session_succeeded(&self.root);
                log::info!("session ended");
            }
            Err(failure) => {
                self.events.session_failed();
                self.state.retry_count = self.state.retry_count.saturating_add(1);
                let limit = self.settings.max_retries;
                if limit > 0 && self.state.retry_count >= limit {
                    log::warn!(
                        "session failed ({failure:?}); {limit} attempts failed (cwmp.cpe.max_retries): waiting for the next periodic or scheduled inform"
                    );
                    self.retry_at = None;
                } else {
                    let random = u64::from_le_bytes(random_bytes());
                    let wait = self.settings.retry.wait(self.state.retry_count, random);
                    log::warn!(
                        "session failed ({failure:?}); retry {} in {:?}",
                        self.state.retry_count,
                        wait
                    );
                    self.retry_at = Some(Instant::now() + wait);
                }
            }
        }
        // After the bookkeeping above: a reload must see this session's
        // URL as bootstrapped, or it raises a second 0 BOOTSTRAP.
        self.after_session(after);
        if let Ok(mut st) = self.status.lock() {
            st.last_session_end = unix_now();
            match &result {
                Ok(()) => {
                    st.last_session_result = "success".into();
                    st.last_session_fault.clear();
                    st.sessions_ok += 1;
                }
                Err(f) => {
                    st.last_session_result = "failed".into();
                    st.last_session_fault = format!("{f:?}");
                    st.sessions_failed += 1;
                }
            }
        }
        self.check_bootstrap();
        self.persist();
        self.device_actions();
    }

    fn open_link(&self, target: &AcsTarget) -> Result<Link, String> {
        let tls = if target.url.starts_with("https://") {
            let s = self.settings.tls_under(&self.root);
            Some(tls::client_config(&s).map_err(|e| e.to_string())?)
        } else {
            None
        };
        let mut cfg = AcsClientConfig::new(&target.username, &target.password, tls);
        cfg.timeout = self.settings.response_timeout;
        AcsSession::new(&target.url, cfg)
            .map(Link)
            .map_err(|e| e.to_string())
    }

    /// Reboot / FactoryReset once the session is over and everything is
    /// saved (TR-069 A.3.2.3: the CPE reboots after the session ends). The
    /// `M Reboot` event with its CommandKey is persisted first, so the next
    /// start reports `1 BOOT` + `M Reboot`.
    fn device_actions(&mut self) {
        let actions = std::mem::take(&mut self.actions);
        if actions.factory_reset {
            log::warn!("FactoryReset requested by the ACS");
            match self.system.factory_reset() {
                Ok(()) => self.halted = true,
                Err(e) => log::error!("factory reset failed: {e}"),
            }
        } else if let Some(key) = actions.reboot {
            self.events.raise(EventCode::M_REBOOT, &key);
            self.persist();
            log::warn!("Reboot requested by the ACS (CommandKey {key:?})");
            match self.system.reboot() {
                Ok(()) => self.halted = true,
                Err(e) => log::error!("reboot failed: {e}"),
            }
        }
    }

    fn after_session(&mut self, after: AfterSession) {
        self.actions.reboot = after.reboot;
        self.actions.factory_reset = after.factory_reset;
        let now = unix_now();
        for (delay, key) in after.scheduled {
            self.scheduled.push((now + i64::from(delay), key));
        }
        if after.config_changed {
            self.reload();
        }
    }
}

async fn recv(s: &mut Option<tokio::signal::unix::Signal>) {
    match s {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}

fn signal(kind: tokio::signal::unix::SignalKind) -> Option<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(kind).ok()
}

/// Our source address towards the ACS host: a connected UDP socket picks
/// the route without sending anything.
async fn source_address(acs_url: &str) -> Option<String> {
    let rest = acs_url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let with_port = if authority.starts_with('[') {
        if authority.contains("]:") {
            authority.to_string()
        } else {
            format!("{authority}:80")
        }
    } else if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let addr = tokio::net::lookup_host(with_port).await.ok()?.next()?;
    let bind = if addr.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let sock = tokio::net::UdpSocket::bind(bind).await.ok()?;
    sock.connect(addr).await.ok()?;
    let local = sock.local_addr().ok()?.ip();
    Some(match local {
        std::net::IpAddr::V4(a) => a.to_string(),
        std::net::IpAddr::V6(a) => format!("[{a}]"),
    })
}
