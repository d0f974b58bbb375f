//! Smoke test of a cross-built `cwmpd` under an emulator (CI's cross step,
//! `.ci/cross`): the binary a router would run, started through
//! qemu-user, against the scripted test ACS on loopback.
//!
//! `cargo run --example cross_smoke -- RUNNER... BINARY`
//! e.g. `cargo run --example cross_smoke -- qemu-mipsel target/.../cwmpd`.
//!
//! Checks, failing (exit 1) on the first that does not hold:
//! 1. `--version` prints `cwmpd <Cargo version>`;
//! 2. `check-config` accepts the shipped files/etc/config/cwmp and refuses
//!    a broken one (exit 1 naming the option);
//! 3. one full session (`run --once`) with HTTP Digest: the Inform carries
//!    `0 BOOTSTRAP` + `1 BOOT`, the ACS's GetRPCMethods, GetParameterValues
//!    and SetParameterValues are answered without a fault, the session ends
//!    cleanly, the agent exits 0 and the set value is in /etc/config/cwmp.

#[path = "../tests/acs/mod.rs"]
mod acs;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use acs::http::Auth;
use acs::script::{AcsScript, Answer};
use acs::scripted::ScriptedAcs;
use cwmpd::backend::uci::{Store, Transaction};
use cwmpd::cwmp::rpc::parameters::{GetParameterValues, ParameterValue, SetParameterValues};
use cwmpd::cwmp::xsd::ValueType;
use cwmpd::cwmp::AcsRequest;
use cwmpd::transport::digest::Algorithm;

const SHIPPED_CONFIG: &str = include_str!("../files/etc/config/cwmp");
/// Emulated start-up and a TLS-free session take well under this.
const LIMIT: Duration = Duration::from_secs(180);

type Failure = Box<dyn std::error::Error>;

struct Runner {
    argv: Vec<String>,
}

struct Output {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Runner {
    async fn run(&self, args: &[&str]) -> Result<Output, Failure> {
        let (program, rest) = self.argv.split_first().ok_or("no command given")?;
        let child = tokio::process::Command::new(program)
            .args(rest)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {program}: {e}"))?;
        let out = tokio::time::timeout(LIMIT, child.wait_with_output())
            .await
            .map_err(|_| format!("{args:?} did not finish within {LIMIT:?}"))??;
        Ok(Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }
}

fn check(ok: bool, what: &str, out: &Output) -> Result<(), Failure> {
    if ok {
        println!("smoke: ok: {what}");
        Ok(())
    } else {
        Err(format!(
            "{what}: FAILED (exit {:?})\n--- stdout\n{}--- stderr\n{}",
            out.code, out.stdout, out.stderr
        )
        .into())
    }
}

fn scratch(tag: &str) -> Result<PathBuf, Failure> {
    let dir = std::env::temp_dir().join(format!("cwmpd-smoke-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("etc/config"))?;
    Ok(dir)
}

fn write(root: &Path, path: &str, text: &str) -> Result<(), Failure> {
    let p = root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().ok_or("bad path")?)?;
    std::fs::write(p, text)?;
    Ok(())
}

/// `uci set cwmp.<section>.<option>=<value>` for each, one commit.
fn set_options(root: &Path, options: &[(&str, &str, &str)]) -> Result<(), Failure> {
    let store = Store::new(root);
    let mut txn = Transaction::new(&store);
    for (section, option, value) in options {
        txn.set_option("cwmp", section, option, value)?;
    }
    txn.commit()?;
    Ok(())
}

async fn version_and_config(runner: &Runner) -> Result<(), Failure> {
    let out = runner.run(&["--version"]).await?;
    let want = format!("cwmpd {}", env!("CARGO_PKG_VERSION"));
    check(
        out.code == Some(0) && out.stdout.trim() == want,
        &format!("--version prints {want:?}"),
        &out,
    )?;

    let root = scratch("config")?;
    write(&root, "/etc/config/cwmp", SHIPPED_CONFIG)?;
    let root_arg = root.to_string_lossy().into_owned();
    let out = runner.run(&["--root", &root_arg, "check-config"]).await?;
    check(
        out.code == Some(0) && out.stdout.trim() == "configuration OK",
        "check-config accepts the shipped /etc/config/cwmp",
        &out,
    )?;
    set_options(&root, &[("acs", "url", "ftp://acs.example.net/")])?;
    let out = runner.run(&["--root", &root_arg, "check-config"]).await?;
    check(
        out.code == Some(1) && out.stdout.contains("cwmp.acs.url"),
        "check-config refuses an ftp:// ACS URL, naming cwmp.acs.url",
        &out,
    )?;
    let _ = std::fs::remove_dir_all(&root);
    Ok(())
}

async fn one_session(runner: &Runner) -> Result<(), Failure> {
    let mut script = AcsScript::new();
    script.push(AcsRequest::GetRpcMethods);
    script.push(AcsRequest::GetParameterValues(GetParameterValues {
        parameter_names: vec!["Device.DeviceInfo.".into()],
    }));
    script.push(AcsRequest::SetParameterValues(SetParameterValues {
        parameter_list: vec![ParameterValue::new(
            "Device.ManagementServer.PeriodicInformInterval",
            "4321",
            ValueType::UnsignedInt,
        )],
        parameter_key: "smoke-1".into(),
    }));
    let acs = ScriptedAcs::start(
        script,
        Auth::Digest {
            user: "cpe-smoke".into(),
            pass: "smoke-secret".into(),
            algorithms: vec![Algorithm::Sha256],
        },
        None,
    )
    .await;

    let root = scratch("session")?;
    // The shipped file with the operator's settings, as
    // `uci set cwmp.acs.url=...; uci commit cwmp` leaves it.
    write(&root, "/etc/config/cwmp", SHIPPED_CONFIG)?;
    let url = acs.url();
    set_options(
        &root,
        &[
            ("acs", "url", url.as_str()),
            ("acs", "username", "cpe-smoke"),
            ("acs", "password", "smoke-secret"),
            ("cpe", "username", "acs"),
            ("cpe", "password", "cr-secret"),
            ("cpe", "port", "0"),
        ],
    )?;
    for (path, text) in [
        (
            "/etc/openwrt_release",
            "DISTRIB_ID='OpenWrt'\nDISTRIB_RELEASE='24.10.0'\n",
        ),
        ("/tmp/sysinfo/board_name", "smoke,router\n"),
        ("/tmp/sysinfo/model", "Smoke Router\n"),
        ("/sys/class/net/eth0/address", "02:00:5e:10:00:02\n"),
        ("/proc/uptime", "61.20 100.00\n"),
        (
            "/proc/meminfo",
            "MemTotal:  124000 kB\nMemFree:  90000 kB\n",
        ),
        ("/proc/stat", "cpu  100 0 50 5000 10 0 1 0 0 0\n"),
    ] {
        write(&root, path, text)?;
    }
    let root_arg = root.to_string_lossy().into_owned();
    let out = runner.run(&["--root", &root_arg, "run", "--once"]).await?;

    let s = acs.script.lock().map_err(|_| "ACS state poisoned")?;
    let events = if s.informs.is_empty() {
        Vec::new()
    } else {
        s.event_codes(0)
    };
    check(
        events.iter().any(|e| e == "0 BOOTSTRAP") && events.iter().any(|e| e == "1 BOOT"),
        &format!("Inform with 0 BOOTSTRAP + 1 BOOT (got {events:?})"),
        &out,
    )?;
    let faults: Vec<String> = s
        .answers
        .iter()
        .filter_map(|(req, a)| match a {
            Answer::Fault(f) => Some(format!("{req:?}: {}", f.fault_string)),
            Answer::Response(_) => None,
        })
        .collect();
    check(
        s.answers.len() == 3 && faults.is_empty() && s.queue.is_empty(),
        &format!(
            "GetRPCMethods, GetParameterValues, SetParameterValues answered ({} answers, faults {faults:?})",
            s.answers.len()
        ),
        &out,
    )?;
    check(
        s.sessions_completed == 1 && out.code == Some(0),
        "session ended with the final empty exchange, agent exited 0",
        &out,
    )?;
    let after = std::fs::read_to_string(root.join("etc/config/cwmp"))?;
    check(
        after
            .lines()
            .any(|l| l.trim() == "option periodic_interval '4321'"),
        "SetParameterValues reached /etc/config/cwmp",
        &out,
    )?;
    println!("smoke: session as the ACS saw it:");
    for line in &s.transcript {
        println!("  {line}");
    }
    let _ = std::fs::remove_dir_all(&root);
    Ok(())
}

fn main() -> std::process::ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.is_empty() {
        eprintln!("usage: cross_smoke RUNNER... BINARY   (e.g. qemu-mipsel path/to/cwmpd)");
        return std::process::ExitCode::from(2);
    }
    let runner = Runner { argv };
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Failure::from)
        .and_then(|rt| {
            rt.block_on(async {
                version_and_config(&runner).await?;
                one_session(&runner).await
            })
        });
    match result {
        Ok(()) => {
            println!("smoke: all checks passed for {}", runner.argv.join(" "));
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("smoke: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
