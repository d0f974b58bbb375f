//! The `cwmpd` binary: argument parsing, logging, and the agent's loop.
//!
//! ```text
//! cwmpd [--root DIR] [--ubus SOCKET] [run [--once]]   run the agent (default)
//! cwmpd [--root DIR] check-config     validate /etc/config/cwmp, exit 1 on errors
//! cwmpd --version
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use cwmpd::agent::identity::{Identity, Overrides};
use cwmpd::agent::runtime::Agent;
use cwmpd::agent::settings::Settings;
use cwmpd::agent::uci_store::UciConfigStore;
use cwmpd::backend::uci::Store;
use cwmpd::config::Config;
use cwmpd::logging;
use cwmpd::paths::Root;

fn usage() -> ExitCode {
    eprintln!(
        "usage: cwmpd [--root DIR] [--ubus SOCKET] [run [--once] | check-config] | --version"
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
            "run" | "check-config" if command.is_none() => command = Some(arg),
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
        _ => {
            let socket = ubus_socket
                .unwrap_or_else(|| root.join(cwmpd::backend::ubus::client::DEFAULT_SOCKET));
            run(root, once, socket)
        }
    }
}

fn run(root: Root, once: bool, ubus_socket: PathBuf) -> ExitCode {
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
    let store = Box::new(UciConfigStore::new(Store::new(root.dir())));
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
    runtime.block_on(async move {
        let mut agent = match Agent::new(root, loader, store, identity) {
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
        agent.run(|_| once).await;
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
