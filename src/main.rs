//! The `cwmpd` binary: argument parsing, logging, and the agent's loop.
//!
//! ```text
//! cwmpd [--root DIR] [--ubus SOCKET] [run [--once]]   run the agent (default)
//! cwmpd [--root DIR] check-config     validate /etc/config/cwmp, exit 1 on errors
//! cwmpd [--root DIR] show configuration [--json]   effective settings
//! cwmpd [--root DIR] [--ubus SOCKET] show status [--json]
//!                                     the running agent's status (exit 3: not running)
//! cwmpd [--root DIR] dhcp-option43 IFACE HEX       udhcpc hook: ACS from option 43
//! cwmpd --version
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use cwmpd::agent::identity::{Identity, Overrides};
use cwmpd::agent::runtime::Agent;
use cwmpd::agent::settings::Settings;
use cwmpd::backend::uci::Store;
use cwmpd::config::Config;
use cwmpd::logging;
use cwmpd::paths::Root;
use cwmpd::{cli, dhcp};

fn usage() -> ExitCode {
    eprintln!(
        "usage: cwmpd [--root DIR] [--ubus SOCKET] [run [--once] | check-config \
         | show configuration|status [--json] | dhcp-option43 IFACE HEX] | --version"
    );
    ExitCode::from(2)
}

/// `/etc/config/cwmp` (with pending `uci set` changes from /tmp/.uci, as
/// libuci reads it) → validated configuration, or every error found.
fn load_config(root: &Root) -> Result<Config, Vec<String>> {
    let pkg = Store::new(root.dir())
        .load("cwmp")
        .map_err(|e| vec![e.to_string()])?;
    Config::from_package(&pkg).map_err(|e| e.0.iter().map(|e| e.to_string()).collect())
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    let mut root = Root::system();
    let mut command = None;
    let mut once = false;
    let mut ubus_socket: Option<PathBuf> = None;
    let mut json = false;
    let mut operands = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--version" | "-V" => {
                println!("cwmpd {}", env!("CARGO_PKG_VERSION"));
                return ExitCode::SUCCESS;
            }
            "--root" => match args.next() {
                Some(dir) => root = Root::new(PathBuf::from(dir)),
                None => return usage(),
            },
            "--once" => once = true,
            "--ubus" => match args.next() {
                Some(path) => ubus_socket = Some(PathBuf::from(path)),
                None => return usage(),
            },
            "--json" => json = true,
            "run" | "check-config" | "show" | "dhcp-option43" if command.is_none() => {
                command = Some(arg)
            }
            _ if matches!(command.as_deref(), Some("show" | "dhcp-option43")) => operands.push(arg),
            _ => return usage(),
        }
    }
    match command.as_deref().unwrap_or("run") {
        "check-config" => match load_config(&root) {
            Ok(_) => {
                println!("configuration OK");
                ExitCode::SUCCESS
            }
            Err(errors) => {
                for e in errors {
                    println!("{e}");
                }
                ExitCode::FAILURE
            }
        },
        "show" => match operands.as_slice() {
            [what] if what == "configuration" => show_configuration(&root, json),
            [what] if what == "status" => {
                let socket = ubus_socket
                    .unwrap_or_else(|| root.join(cwmpd::backend::ubus::client::DEFAULT_SOCKET));
                show_status(&root, &socket, json)
            }
            _ => usage(),
        },
        "dhcp-option43" => match operands.as_slice() {
            [interface, hex] => dhcp_option43(&root, interface, hex),
            _ => usage(),
        },
        _ => {
            let socket = ubus_socket
                .unwrap_or_else(|| root.join(cwmpd::backend::ubus::client::DEFAULT_SOCKET));
            run(root, once, socket)
        }
    }
}

/// `show configuration`: the effective settings, or the errors that stop
/// the agent from using the file.
fn show_configuration(root: &Root, json: bool) -> ExitCode {
    match load_config(root) {
        Ok(c) if json => print!("{}", cli::render_json(&c)),
        Ok(c) => print!("{}", cli::render_text(&c)),
        Err(errors) => {
            for e in errors {
                eprintln!("{e}");
            }
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// Exit status of `show status` when the agent is not running (the LSB
/// init-script convention for "program is not running").
const NOT_RUNNING: u8 = 3;

/// `show status`: the running agent's `cwmp status` over ubus.
fn show_status(root: &Root, socket: &std::path::Path, json: bool) -> ExitCode {
    use cwmpd::backend::ubus::{BlobValue, Client, Error, Status};
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let reply = runtime.block_on(async {
        let client = Client::connect(socket).await?;
        client.set_timeout(std::time::Duration::from_secs(5));
        client
            .call(cwmpd::ubus_api::OBJECT, "status", &BlobValue::empty_table())
            .await
    });
    let not_running = |why: String| {
        let disabled = load_config(root).is_ok_and(|c| !c.cwmp.enable);
        eprintln!(
            "cwmpd is not running ({why}){}",
            if disabled {
                "; it is disabled: cwmp.cwmp.enable is 0"
            } else {
                ""
            }
        );
        ExitCode::from(NOT_RUNNING)
    };
    match reply {
        Ok(status) if json => {
            println!("{}", cwmpd::backend::ubus::json::to_string(&status));
            ExitCode::SUCCESS
        }
        Ok(status) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            print!("{}", cwmpd::cli_status::render_text(&status, now));
            ExitCode::SUCCESS
        }
        Err(Error::Status(Status::NotFound)) => not_running("no ubus object cwmp".to_string()),
        Err(e @ (Error::Io(_) | Error::ConnectionClosed)) => {
            not_running(format!("ubus at {} not reachable: {e}", socket.display()))
        }
        Err(e) => {
            eprintln!("cwmpd status over ubus: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The udhcpc hook's entry: errors are logged and leave everything as it was.
fn dhcp_option43(root: &Root, interface: &str, hex: &str) -> ExitCode {
    logging::init(log::LevelFilter::Info);
    match dhcp::apply_option43(root, interface, hex) {
        Ok(dhcp::Outcome::OtherInterface(wanted)) => {
            log::debug!("DHCP option 43 on {interface} ignored (discovery uses {wanted})");
            ExitCode::SUCCESS
        }
        Ok(dhcp::Outcome::Stored { acs, signalled }) => {
            log::info!(
                "DHCP option 43 on {interface}: ACS URL {:?}{}",
                acs.url.as_deref().unwrap_or(""),
                if signalled { ", agent reloading" } else { "" }
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            log::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run(root: Root, once: bool, ubus_socket: PathBuf) -> ExitCode {
    // procd sends SIGHUP for reloads (init script `reload_signal HUP`), and
    // an interface trigger can fire right after start. Until the agent's
    // handler is installed, a SIGHUP must not kill it (default action):
    // ignore it; the configuration is read fresh below anyway.
    // SAFETY: setting a signal disposition to SIG_IGN is async-signal-safe
    // and affects no Rust state.
    unsafe {
        libc::signal(libc::SIGHUP, libc::SIG_IGN);
    }
    let config = match load_config(&root) {
        Ok(c) => c,
        Err(errors) => {
            logging::init(log::LevelFilter::Info);
            for e in errors {
                log::error!("configuration: {e}");
            }
            return ExitCode::FAILURE;
        }
    };
    logging::init(logging::level_filter(config.cwmp.log_level));
    if !config.cwmp.enable {
        log::info!("disabled (cwmp.cwmp.enable is 0)");
        return ExitCode::SUCCESS;
    }
    let identity = Identity::load(&root, &device_overrides(&root));
    let loader_root = root.clone();
    let loader = Box::new(move || load_config(&loader_root).map(|c| Settings::from_config(&c)));
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            log::error!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let root_for_pid = root.clone();
    runtime.block_on(async move {
        let mut agent = match Agent::new(root, loader, identity) {
            Ok(a) => a,
            Err(e) => {
                log::error!("{e}");
                return ExitCode::FAILURE;
            }
        };
        // The `cwmp` ubus object, when ubusd is there (on a router it is;
        // on a host without one the agent runs without it).
        match cwmpd::backend::ubus::Client::connect(&ubus_socket).await {
            Ok(client) => {
                agent.attach_ubus(client.clone());
                let status = agent.status_handle();
                let commands = agent.command_sender();
                tokio::spawn(async move {
                    if let Err(e) = cwmpd::ubus_api::serve(client, status, commands).await {
                        log::error!("ubus object cwmp: {e}");
                    }
                });
            }
            Err(e) => log::info!(
                "ubus at {} not available ({e}): no cwmp object",
                ubus_socket.display()
            ),
        }
        if let Err(e) = cwmpd::pidfile::write(&root_for_pid) {
            log::warn!("pid file: {e}");
        }
        agent.run(|_| once).await;
        cwmpd::pidfile::remove(&root_for_pid);
        ExitCode::SUCCESS
    })
}

/// `cwmp.device.*`: identity overrides written by the package's
/// uci-defaults or the operator (optional; OpenWrt's own files otherwise).
fn device_overrides(root: &Root) -> Overrides {
    let pkg = Store::new(root.dir()).load("cwmp").ok();
    let get = |o: &str| {
        pkg.as_ref()
            .and_then(|p| p.get_str("device", o))
            .map(str::to_string)
    };
    Overrides {
        manufacturer: get("manufacturer"),
        oui: get("oui"),
        product_class: get("product_class"),
        serial_number: get("serial_number"),
    }
}
