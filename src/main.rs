//! The `cwmpd` binary: argument parsing, logging, and the agent's loop.
//!
//! ```text
//! cwmpd [--root DIR] [run [--once]]   run the agent (default)
//! cwmpd [--root DIR] check-config     validate /etc/config/cwmp, exit 1 on errors
//! cwmpd --version
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use cwmpd::agent::identity::{Identity, Overrides};
use cwmpd::agent::runtime::Agent;
use cwmpd::agent::uci_store::UciConfigStore;
use cwmpd::backend::uci;
use cwmpd::config::Config;
use cwmpd::logging;
use cwmpd::paths::Root;

fn usage() -> ExitCode {
    eprintln!("usage: cwmpd [--root DIR] [run [--once] | check-config] | --version");
    ExitCode::from(2)
}

fn load_config(root: &Root) -> Result<Config, Vec<String>> {
    let pkg = uci::load(&root.uci_config_dir().join("cwmp")).map_err(|e| vec![e])?;
    Config::from_package(&pkg)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    let mut root = Root::system();
    let mut command = None;
    let mut once = false;
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
        _ => run(root, once),
    }
}

fn run(root: Root, once: bool) -> ExitCode {
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
    logging::init(logging::parse_level(&config.log_level).unwrap_or(log::LevelFilter::Info));
    if !config.enable {
        log::info!("disabled (cwmp.cwmp.enable is 0)");
        return ExitCode::SUCCESS;
    }
    let identity = Identity::load(
        &root,
        &Overrides {
            manufacturer: Some(config.device.manufacturer.clone()),
            oui: Some(config.device.oui.clone()),
            product_class: Some(config.device.product_class.clone()),
            serial_number: Some(config.device.serial_number.clone()),
        },
    );
    let loader_root = root.clone();
    let loader = Box::new(move || load_config(&loader_root).map(|c| c.settings()));
    let store = Box::new(UciConfigStore::new(root.uci_config_dir().join("cwmp")));
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
        agent.run(|_| once).await;
        ExitCode::SUCCESS
    })
}
