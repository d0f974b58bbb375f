//! The OpenWrt package parts: shell files under files/ (sh -n, shellcheck),
//! the package Makefile's install list and version, DHCP option 43
//! (decoder, `cwmpd dhcp-option43`, the udhcpc hook run by a real `sh`, the
//! reload signal reaching a running agent), and `cwmpd show configuration`.
//! Everything runs the real `cwmpd` binary on scratch roots.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use cwmpd::backend::ubus::blob::BlobValue;
use cwmpd::backend::ubus::json;
use cwmpd::dhcp::{decode_hex, decode_option43, DhcpAcs, Opt43Error};

const BIN: &str = env!("CARGO_BIN_EXE_cwmpd");

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A scratch root with the shipped /etc/config/cwmp, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("cwmpd-package-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("etc/config")).unwrap();
        std::fs::copy(
            repo().join("files/etc/config/cwmp"),
            dir.join("etc/config/cwmp"),
        )
        .unwrap();
        Scratch(dir)
    }

    /// Appends `uci`-syntax text to the scratch /etc/config/cwmp; a later
    /// option line for the same section wins, as in libuci.
    fn config_append(&self, text: &str) {
        let path = self.0.join("etc/config/cwmp");
        let mut c = std::fs::read_to_string(&path).unwrap();
        c.push_str(text);
        std::fs::write(path, c).unwrap();
    }

    fn dhcp_file(&self) -> PathBuf {
        self.0.join("var/run/cwmpd/dhcp")
    }

    fn cwmpd(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .arg("--root")
            .arg(&self.0)
            .args(args)
            .output()
            .unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// TR-069 option 43 sub-options encoded as a DHCP server sends them.
fn encode(subs: &[(u8, &str)]) -> String {
    let mut out = Vec::new();
    for (code, value) in subs {
        out.push(*code);
        out.push(value.len() as u8);
        out.extend_from_slice(value.as_bytes());
    }
    hex(&out)
}

// ---------------------------------------------------------------- shell files

/// Every file under files/ (relative paths, sorted).
fn package_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, base, out);
            } else {
                out.push(path.strip_prefix(base).unwrap().to_path_buf());
            }
        }
    }
    let base = repo().join("files");
    let mut out = Vec::new();
    walk(&base, &base, &mut out);
    out.sort();
    out
}

/// Shell files: a `#!/bin/sh` first line (the init script's is
/// `#!/bin/sh /etc/rc.common`).
fn shell_files() -> Vec<PathBuf> {
    package_files()
        .into_iter()
        .filter(|p| {
            std::fs::read_to_string(repo().join("files").join(p))
                .map(|t| t.starts_with("#!/bin/sh"))
                .unwrap_or(false)
        })
        .collect()
}

#[test]
fn every_shell_file_parses_and_is_shellcheck_clean() {
    let files = shell_files();
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    for expected in [
        "etc/init.d/cwmpd",
        "etc/uci-defaults/90-cwmp",
        "etc/udhcpc.user.d/50-cwmp",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} not found among {names:?}"
        );
    }
    for f in &files {
        let path = repo().join("files").join(f);
        let n = Command::new("sh").arg("-n").arg(&path).output().unwrap();
        assert!(n.status.success(), "sh -n {}: {}", f.display(), stderr(&n));
        let sc = Command::new("shellcheck")
            .args(["-s", "sh"])
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("shellcheck is required (.ci/deps installs it): {e}"));
        assert!(
            sc.status.success(),
            "shellcheck -s sh {}:\n{}",
            f.display(),
            stdout(&sc)
        );
    }
}

#[test]
fn shellcheck_does_report_a_broken_script() {
    // The lint above must be able to fail: an unquoted variable in a test.
    let s = Scratch::new("shellcheck");
    let bad = s.0.join("bad.sh");
    std::fs::write(&bad, "#!/bin/sh\n[ -n $1 ] && echo $1\n").unwrap();
    let sc = Command::new("shellcheck")
        .args(["-s", "sh"])
        .arg(&bad)
        .output()
        .expect("shellcheck is required (.ci/deps installs it)");
    assert!(!sc.status.success());
}

// ---------------------------------------------------------------- Makefile

#[test]
fn makefile_installs_every_file_of_files_at_its_path() {
    let mk = std::fs::read_to_string(repo().join("openwrt/Makefile")).unwrap();
    for f in package_files() {
        let rel = f.display().to_string();
        let from = format!("$(PKG_BUILD_DIR)/files/{rel} $(1)/{rel}\n");
        assert!(
            mk.contains(&from),
            "openwrt/Makefile does not install files/{rel}"
        );
    }
    assert!(mk.contains("$(INSTALL_BIN) $(PKG_INSTALL_DIR)/bin/cwmpd $(1)/usr/sbin/cwmpd"));
    assert!(mk.contains("define Package/cwmpd/conffiles\n/etc/config/cwmp\nendef"));
    assert!(mk.contains("DEPENDS:=$(RUST_ARCH_DEPENDS) +ca-bundle"));
    assert!(mk.contains("$(eval $(call RustBinPackage,cwmpd))"));
}

/// rust-values.mk sets CARGO_PROFILE_RELEASE_PANIC=unwind in the variables
/// rust-package.mk defines with `=`; our append must follow the include
/// (before it, the include would reset the variable) and name abort.
#[test]
fn makefile_keeps_panic_abort_over_the_feed_default() {
    let mk = std::fs::read_to_string(repo().join("openwrt/Makefile")).unwrap();
    let lines: Vec<&str> = mk.lines().collect();
    let include = lines
        .iter()
        .position(|l| l.starts_with("include ") && l.ends_with("/lang/rust/rust-package.mk"))
        .expect("rust-package.mk include");
    let fix = lines
        .iter()
        .position(|l| *l == "CARGO_PKG_VARS+= CARGO_PROFILE_RELEASE_PANIC=abort")
        .expect("panic=abort override");
    assert!(fix > include, "the override must come after the include");
    let build = lines
        .iter()
        .position(|l| l.starts_with("$(eval $(call RustBinPackage"))
        .unwrap();
    assert!(fix < build);
    // Cargo.toml itself asks for abort (the CI and SDK builds agree).
    let cargo = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap();
    let release = cargo.split("[profile.release]").nth(1).unwrap();
    let release = release.split("\n[").next().unwrap();
    assert!(release.lines().any(|l| l.trim() == "panic = \"abort\""));
}

/// The CI scripts (bash) are held to the same lint as the package's shell
/// files.
#[test]
fn ci_scripts_are_shellcheck_clean() {
    let dir = repo().join(".ci");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if !text.starts_with("#!/usr/bin/env bash") && !text.starts_with("#!/bin/sh") {
            continue;
        }
        let sc = Command::new("shellcheck")
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("shellcheck is required (.ci/deps installs it): {e}"));
        assert!(
            sc.status.success(),
            "shellcheck {}:\n{}",
            path.display(),
            stdout(&sc)
        );
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} scripts under .ci/");
}

#[test]
fn makefile_version_is_cargo_version() {
    // Run the Makefile's own $(shell ...) for PKG_VERSION on this tree.
    let mk = std::fs::read_to_string(repo().join("openwrt/Makefile")).unwrap();
    let line = mk
        .lines()
        .find_map(|l| l.strip_prefix("PKG_VERSION:=$(shell "))
        .expect("PKG_VERSION from $(shell ...)");
    let cmd = line
        .strip_suffix(')')
        .unwrap()
        .replace("$(CWMPD_SOURCE_DIR)", &repo().display().to_string());
    let out = Command::new("sh").arg("-c").arg(&cmd).output().unwrap();
    assert_eq!(stdout(&out).trim(), env!("CARGO_PKG_VERSION"), "{cmd}");
}

#[test]
fn keep_d_keeps_the_state_directory() {
    let keep = std::fs::read_to_string(repo().join("files/lib/upgrade/keep.d/cwmpd")).unwrap();
    let kept: Vec<&str> = keep.lines().collect();
    assert_eq!(kept, ["/etc/cwmpd/"]);
    let state = cwmpd::paths::Root::system().state_file();
    assert!(state.starts_with(kept[0]), "{}", state.display());
}

// ---------------------------------------------------------------- option 43 decoder

/// shared/openwrt-reference.md §6.2.
const EXAMPLE: &str =
    "011c687474703a2f2f6163732e6578616d706c652e636f6d3a373534372f020450433031030135040432303030";

#[test]
fn reference_example_decodes_to_its_four_values() {
    let acs = decode_option43(&decode_hex(EXAMPLE).unwrap()).unwrap();
    assert_eq!(
        acs,
        DhcpAcs {
            url: Some("http://acs.example.com:7547/".into()),
            provisioning_code: Some("PC01".into()),
            retry_min_wait: Some(5),
            retry_multiplier: Some(2000),
        }
    );
    // Upper-case hex, other order, only some sub-options.
    let acs = decode_option43(
        &decode_hex(&encode(&[(4, "1500"), (1, "https://acs.example.net/cwmp")]).to_uppercase())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(acs.url.as_deref(), Some("https://acs.example.net/cwmp"));
    assert_eq!(acs.retry_multiplier, Some(1500));
    assert_eq!(acs.provisioning_code, None);
    assert_eq!(acs.retry_min_wait, None);
}

#[test]
fn bare_url_is_accepted_only_when_it_is_a_url() {
    let acs = decode_option43(b"http://10.0.0.1:7547/acs").unwrap();
    assert_eq!(acs.url.as_deref(), Some("http://10.0.0.1:7547/acs"));
    assert_eq!(acs.provisioning_code, None);
    assert_eq!(
        decode_option43(b"MSFT 5.0 vendor data"),
        Err(Opt43Error::Unrecognised)
    );
    assert_eq!(
        decode_option43(&[0xff, 0x00, 0x80]),
        Err(Opt43Error::Unrecognised)
    );
}

#[test]
fn malformed_options_are_errors() {
    let dec = |h: &str| decode_hex(h).and_then(|b| decode_option43(&b));
    // Truncated: the length says 28 bytes, 1 follows; no length byte at all.
    assert_eq!(dec("011c68"), Err(Opt43Error::Truncated { code: 1, at: 0 }));
    assert_eq!(dec("01"), Err(Opt43Error::Truncated { code: 1, at: 0 }));
    // The whole example minus its last byte: sub-option 4 is cut short.
    assert_eq!(
        dec(&EXAMPLE[..EXAMPLE.len() - 2]),
        Err(Opt43Error::Truncated { code: 4, at: 39 })
    );
    assert_eq!(dec("0100"), Err(Opt43Error::BadLength { code: 1, len: 0 }));
    assert_eq!(dec("011"), Err(Opt43Error::OddHex));
    assert_eq!(dec("01zz"), Err(Opt43Error::NotHex(2)));
    assert_eq!(dec("  "), Err(Opt43Error::Empty));
    assert_eq!(dec("0102c328"), Err(Opt43Error::NotText(1)));
    assert_eq!(
        dec(&encode(&[(1, "http://a/"), (1, "http://b/")])),
        Err(Opt43Error::Duplicate(1))
    );
    for bad in [
        encode(&[(1, "ftp://acs/")]),
        encode(&[(1, "http:///path")]),
        encode(&[(1, "http://a b/")]),
        encode(&[(2, "PC\u{1}")]),
        encode(&[(2, &"P".repeat(65))]),
        encode(&[(3, "0")]),
        encode(&[(3, "65536")]),
        encode(&[(3, "+5")]),
        encode(&[(4, "999")]),
        encode(&[(4, "two")]),
    ] {
        assert!(
            matches!(dec(&bad), Err(Opt43Error::BadValue { .. })),
            "{bad}: {:?}",
            dec(&bad)
        );
    }
}

// ---------------------------------------------------------------- cwmpd dhcp-option43

#[test]
fn dhcp_option43_stores_the_values_for_the_agent() {
    let s = Scratch::new("opt43-store");
    let out = s.cwmpd(&["dhcp-option43", "wan", EXAMPLE]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(s.dhcp_file()).unwrap(),
        "url=http://acs.example.com:7547/\nprovisioning_code=PC01\nretry_min_wait=5\nretry_multiplier=2000\n"
    );
    // A later lease without provisioning code replaces the whole file.
    let out = s.cwmpd(&["dhcp-option43", "wan", &encode(&[(1, "https://acs2/")])]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(s.dhcp_file()).unwrap(),
        "url=https://acs2/\n"
    );
}

#[test]
fn dhcp_option43_errors_leave_the_file_untouched() {
    let s = Scratch::new("opt43-bad");
    assert!(s.cwmpd(&["dhcp-option43", "wan", EXAMPLE]).status.success());
    let before = std::fs::read(s.dhcp_file()).unwrap();
    for bad in [
        "011c68",
        "011",
        "nothex",
        "ff00ff",
        "0102c328",
        &EXAMPLE[..EXAMPLE.len() - 2],
    ] {
        let out = s.cwmpd(&["dhcp-option43", "wan", bad]);
        assert!(!out.status.success(), "{bad} accepted");
        assert!(
            stderr(&out).contains("DHCP option 43 on wan rejected"),
            "{bad}: {}",
            stderr(&out)
        );
        assert_eq!(std::fs::read(s.dhcp_file()).unwrap(), before, "{bad}");
    }
    // Never created by a bad option either.
    let fresh = Scratch::new("opt43-bad-fresh");
    assert!(!fresh
        .cwmpd(&["dhcp-option43", "wan", "011c68"])
        .status
        .success());
    assert!(!fresh.dhcp_file().exists());
}

#[test]
fn dhcp_option43_only_listens_to_the_discovery_interface() {
    let s = Scratch::new("opt43-iface");
    let out = s.cwmpd(&["dhcp-option43", "lan", EXAMPLE]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!s.dhcp_file().exists());

    s.config_append("\nconfig cpe 'cpe'\n\toption interface 'wwan'\n");
    assert!(s.cwmpd(&["dhcp-option43", "wan", EXAMPLE]).status.success());
    assert!(!s.dhcp_file().exists());
    assert!(s
        .cwmpd(&["dhcp-option43", "wwan", EXAMPLE])
        .status
        .success());
    assert!(s.dhcp_file().exists());
}

#[test]
fn dhcp_option43_usage_errors() {
    let s = Scratch::new("opt43-usage");
    assert_eq!(s.cwmpd(&["dhcp-option43", "wan"]).status.code(), Some(2));
    assert_eq!(
        s.cwmpd(&["dhcp-option43", "wan", EXAMPLE, "x"])
            .status
            .code(),
        Some(2)
    );
}

/// Runs files/etc/udhcpc.user.d/50-cwmp the way netifd's dhcp.script does:
/// sourced by `sh` with the event as $1 and the lease in the environment.
/// `cwmpd` is the real binary, pointed at the scratch root.
fn run_hook(s: &Scratch, event: &str, env: &[(&str, &str)]) -> Output {
    let hook = repo().join("files/etc/udhcpc.user.d/50-cwmp");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(r#"cwmpd() { "$CWMPD_BIN" --root "$CWMPD_ROOT" "$@"; }; . "$CWMPD_HOOK""#)
        .arg("dhcp.script")
        .arg(event)
        .env("CWMPD_BIN", BIN)
        .env("CWMPD_ROOT", &s.0)
        .env("CWMPD_HOOK", hook)
        .env_remove("opt43")
        .env_remove("INTERFACE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn udhcpc_hook_hands_option43_to_the_agent() {
    let s = Scratch::new("hook");
    for event in ["deconfig", "leasefail", "nak"] {
        let out = run_hook(&s, event, &[("INTERFACE", "wan"), ("opt43", EXAMPLE)]);
        assert!(out.status.success(), "{event}: {}", stderr(&out));
        assert!(!s.dhcp_file().exists(), "{event}");
    }
    let out = run_hook(&s, "bound", &[("INTERFACE", "wan")]);
    assert!(out.status.success());
    assert!(!s.dhcp_file().exists());

    let out = run_hook(&s, "bound", &[("INTERFACE", "wan"), ("opt43", EXAMPLE)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::read_to_string(s.dhcp_file())
        .unwrap()
        .starts_with("url=http://acs.example.com:7547/\n"));

    // A bad option on renew: logged, the DHCP script carries on, file kept.
    let before = std::fs::read(s.dhcp_file()).unwrap();
    let out = run_hook(&s, "renew", &[("INTERFACE", "wan"), ("opt43", "011c68")]);
    assert!(out.status.success(), "the hook must not fail dhcp.script");
    assert!(stderr(&out).contains("rejected"), "{}", stderr(&out));
    assert_eq!(std::fs::read(s.dhcp_file()).unwrap(), before);

    let out = run_hook(
        &s,
        "renew",
        &[
            ("INTERFACE", "wan"),
            ("opt43", &encode(&[(1, "http://new/")])),
        ],
    );
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(s.dhcp_file()).unwrap(),
        "url=http://new/\n"
    );
}

#[test]
fn a_running_agent_reloads_when_option43_arrives() {
    let s = Scratch::new("reload");
    // Kernel-chosen Connection Request port; no ACS URL yet.
    s.config_append("\nconfig cpe 'cpe'\n\toption port '0'\n");
    let mut agent = Command::new(BIN)
        .arg("--root")
        .arg(&s.0)
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let err = agent.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let wait_for = |what: &str| -> Vec<String> {
        let mut seen = Vec::new();
        while let Ok(line) = rx.recv_timeout(Duration::from_secs(20)) {
            let hit = line.contains(what);
            seen.push(line);
            if hit {
                return seen;
            }
        }
        panic!("agent never logged {what:?}; it logged {seen:?}");
    };
    wait_for("connection requests on port");
    // What procd does on a router (procd_set_param pidfile).
    let pidfile = s.0.join("var/run/cwmpd.pid");
    std::fs::create_dir_all(pidfile.parent().unwrap()).unwrap();
    std::fs::write(&pidfile, format!("{}\n", agent.id())).unwrap();

    // An unreachable ACS (discard port) so the session fails fast.
    let out = s.cwmpd(&[
        "dhcp-option43",
        "wan",
        &encode(&[(1, "http://127.0.0.1:9/")]),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("agent reloading"), "{}", stderr(&out));
    wait_for("configuration reloaded");

    // A stale pid file naming a process that is not cwmpd is not signalled.
    let mut sleeper = Command::new("sleep").arg("30").spawn().unwrap();
    std::fs::write(&pidfile, format!("{}\n", sleeper.id())).unwrap();
    let out = s.cwmpd(&["dhcp-option43", "wan", EXAMPLE]);
    assert!(out.status.success());
    assert!(!stderr(&out).contains("agent reloading"));
    assert!(sleeper.try_wait().unwrap().is_none(), "sleep was signalled");
    let _ = sleeper.kill();
    let _ = sleeper.wait();

    let _ = agent.kill();
    let _ = agent.wait();
}

// ---------------------------------------------------------------- show configuration

#[test]
fn show_configuration_of_the_shipped_file() {
    let s = Scratch::new("show");
    let out = s.cwmpd(&["show", "configuration"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = [
        "CWMP status                   cwmp.cwmp.enable            : enable",
        "Log level                     cwmp.cwmp.log_level         : info",
        "ACS URL                       cwmp.acs.url                :",
        "ACS username                  cwmp.acs.username           :",
        "ACS password                  cwmp.acs.password           :",
        "ACS default URL               cwmp.acs.default_url        :",
        "ACS default username          cwmp.acs.default_username   :",
        "ACS default password          cwmp.acs.default_password   :",
        "ACS DHCP discovery            cwmp.acs.dhcp_discovery     : enable",
        "ACS CA file                   cwmp.acs.ca_file            :",
        "ACS certificate verification  cwmp.acs.verify             : enable",
        "ACS client certificate        cwmp.acs.client_cert        :",
        "ACS client key                cwmp.acs.client_key         :",
        "CPE username                  cwmp.cpe.username           :",
        "CPE password                  cwmp.cpe.password           :",
        "CPE URL                       cwmp.cpe.url                :",
        "CPE source interface name     cwmp.cpe.interface          :",
        "CPE port                      cwmp.cpe.port               : 7547",
        "CPE path                      cwmp.cpe.path               :",
        "CPE provisioning code         cwmp.cpe.provisioning_code  :",
        "CPE inform status             cwmp.cpe.periodic_inform    : enable",
        "CPE inform interval           cwmp.cpe.periodic_interval  : 600s",
        "CPE inform start-time         cwmp.cpe.periodic_time      :",
        "CPE schedule time             cwmp.cpe.schedule_time      :",
        "CPE wait timeout              cwmp.cpe.timeout            : 30s",
        "CPE max retries               cwmp.cpe.max_retries        : unlimited",
        "CPE retry minimum wait        cwmp.cpe.retry_min_wait     : 5s",
        "CPE retry multiplier          cwmp.cpe.retry_multiplier   : 2000",
        "CPE download status           cwmp.cpe.download           : enable",
        "CPE upload status             cwmp.cpe.upload             : enable",
        "CPE back up status            cwmp.cpe.backup             : disable",
        "CPE back up delay time        cwmp.cpe.backup_delay       :",
        "CPE IPv6                      cwmp.cpe.ipv6               : disable",
        "CPE STUN status               cwmp.stun.enable            : disable",
        "CPE STUN server               cwmp.stun.server            :",
        "CPE STUN port                 cwmp.stun.port              : 3478",
        "CPE STUN username             cwmp.stun.username          :",
        "CPE STUN password             cwmp.stun.password          :",
        "CPE STUN min-period           cwmp.stun.min_keepalive     : 20s",
        "CPE STUN max-period           cwmp.stun.max_keepalive     : 60s",
    ];
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    for (i, (got, want)) in lines.iter().zip(expected.iter()).enumerate() {
        assert_eq!(got, want, "line {}", i + 1);
    }
    assert_eq!(lines.len(), expected.len());
}

#[test]
fn show_configuration_reflects_edits_and_masks_passwords() {
    let s = Scratch::new("show-edit");
    s.config_append(
        "\nconfig acs 'acs'\n\toption url 'https://acs.example.net/cwmp'\n\toption password 'Pa\"ss\\\\w'\n\
         \nconfig cpe 'cpe'\n\toption interface 'wan'\n\toption password 'x'\n\toption max_retries '3'\n\
         \toption periodic_interval '86400'\n\toption provisioning_code 'say \"hi\"'\n",
    );
    let out = s.cwmpd(&["show", "configuration"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let value = |key: &str| -> String {
        text.lines()
            .find(|l| l.contains(&format!(" {key} ")))
            .unwrap_or_else(|| panic!("{key} missing"))
            .split_once(" : ")
            .map_or(String::new(), |(_, v)| v.to_string())
    };
    assert_eq!(value("cwmp.acs.url"), "https://acs.example.net/cwmp");
    assert_eq!(value("cwmp.acs.password"), "********");
    assert_eq!(value("cwmp.cpe.password"), "********");
    assert_eq!(value("cwmp.stun.password"), "");
    assert_eq!(value("cwmp.cpe.interface"), "wan");
    assert_eq!(value("cwmp.cpe.max_retries"), "3");
    assert_eq!(value("cwmp.cpe.periodic_interval"), "86400s");
    assert!(!text.contains("Pa\"ss"));

    let out = s.cwmpd(&["show", "configuration", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains("Pa\\\"ss"));
    assert!(json_c_accepts(&text), "json-c refused {text}");
    let v = json::parse(&text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
    let get = |sec: &str, opt: &str| v.get(sec).and_then(|t| t.get(opt)).cloned();
    let string = |s: &str| Some(BlobValue::String(s.into()));
    assert_eq!(get("acs", "url"), string("https://acs.example.net/cwmp"));
    assert_eq!(get("acs", "password"), string("********"));
    assert_eq!(get("acs", "default_password"), string(""));
    assert_eq!(get("cpe", "provisioning_code"), string("say \"hi\""));
    assert_eq!(get("cwmp", "enable"), Some(BlobValue::Bool(true)));
    assert_eq!(get("cpe", "backup_delay"), Some(BlobValue::Unspec));
    assert!(matches!(
        get("cpe", "periodic_interval"),
        Some(BlobValue::Int32(86400) | BlobValue::Int64(86400))
    ));
    assert!(matches!(
        get("cpe", "max_retries"),
        Some(BlobValue::Int32(3) | BlobValue::Int64(3))
    ));
}

/// Whether json-c (through libubox's blobmsg_add_json_from_string, the
/// parser ubus/rpcd use on a router) accepts `text` as a JSON object.
fn json_c_accepts(text: &str) -> bool {
    use libubox_sys as ub;
    let c = std::ffi::CString::new(text).unwrap();
    let mut buf = ub::blob_buf::default();
    // SAFETY: a zeroed blob_buf initialised, used and freed here only.
    unsafe {
        assert_eq!(ub::blob_buf_init(&mut buf, 0), 0);
        let ok = ub::blobmsg_add_json_from_string(&mut buf, c.as_ptr());
        ub::blob_buf_free(&mut buf);
        ok
    }
}

#[test]
fn json_c_check_can_fail() {
    assert!(json_c_accepts(r#"{"a":"b\"c"}"#));
    assert!(!json_c_accepts(r#"{"a":"b"c"}"#));
}

#[test]
fn show_configuration_refuses_a_bad_file() {
    let s = Scratch::new("show-bad");
    s.config_append("\nconfig cpe 'cpe'\n\toption port 'seventy'\n");
    let out = s.cwmpd(&["show", "configuration"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cwmp.cpe.port"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    assert_eq!(s.cwmpd(&["show"]).status.code(), Some(2));
    // `show status` exists (tests/ubus_api.rs); an unknown subject is a
    // usage error.
    assert_eq!(s.cwmpd(&["show", "everything"]).status.code(), Some(2));
}

/// Every option of the shipped /etc/config/cwmp, as `cwmp.<section>.<option>`.
fn shipped_options() -> Vec<String> {
    let path = repo().join("files/etc/config/cwmp");
    // libuci (and our parser, which matches it) drops options whose value is
    // empty when loading; the shipped file sets most options to ''. Give
    // each a placeholder value so the parser lists every option.
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace(" ''", " 'x'");
    let pkg = cwmpd::backend::uci::parse::parse_package("cwmp", text.as_bytes(), &path).unwrap();
    let mut out = Vec::new();
    for sec in &pkg.sections {
        for (opt, _) in &sec.options {
            out.push(format!("cwmp.{}.{}", sec.name, opt));
        }
    }
    assert!(out.len() > 30, "{out:?}");
    out
}

#[test]
fn every_shipped_option_is_shown_and_documented() {
    let s = Scratch::new("show-all");
    let out = s.cwmpd(&["show", "configuration"]);
    let text = stdout(&out);
    let json_text = stdout(&s.cwmpd(&["show", "configuration", "--json"]));
    let v = json::parse(&json_text).unwrap();
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme
        .split_once("\n## Configuration\n")
        .map(|(_, rest)| rest.split("\n## ").next().unwrap_or(rest))
        .expect("README.md has a Configuration section");
    let options = shipped_options();
    for key in &options {
        assert_eq!(
            text.lines()
                .filter(|l| l.contains(&format!(" {key} ")))
                .count(),
            1,
            "{key} not shown exactly once"
        );
        let mut parts = key.split('.').skip(1);
        let (sec, opt) = (parts.next().unwrap(), parts.next().unwrap());
        assert!(
            v.get(sec).and_then(|t| t.get(opt)).is_some(),
            "{key} not in --json"
        );
        assert!(
            section.contains(&format!("`{key}`")),
            "{key} not documented in README.md"
        );
    }
    // And nothing shown that the shipped file does not have.
    assert_eq!(text.lines().count(), options.len());
}

// ---------------------------------------------------------------- uci-defaults

/// The real libuci `uci` CLI the libuci-sys dev-dependency builds
/// (`target/<profile>/build/libuci-sys-*/out/{bin,lib}`, as
/// tests/common/real_uci.rs finds it): (binary, library dir).
fn real_uci() -> (PathBuf, PathBuf) {
    let exe = std::env::current_exe().unwrap();
    let build = exe.parent().and_then(Path::parent).unwrap().join("build");
    std::fs::read_dir(&build)
        .unwrap()
        .flatten()
        .map(|e| e.path().join("out"))
        .find(|out| {
            out.parent()
                .and_then(|p| p.file_name())
                .is_some_and(|n| n.to_string_lossy().starts_with("libuci-sys-"))
                && out.join("bin/uci").is_file()
        })
        .map(|out| (out.join("bin/uci"), out.join("lib")))
        .unwrap_or_else(|| panic!("real `uci` not built under {}", build.display()))
}

/// Runs files/etc/uci-defaults/90-cwmp as /etc/init.d/boot does (sourced by
/// `sh`), with the real libuci `uci` CLI working on the scratch root's
/// /etc/config and the identity files read under IPKG_INSTROOT.
fn run_uci_defaults(s: &Scratch) -> Output {
    let (uci, libdir) = real_uci();
    let script = repo().join("files/etc/uci-defaults/90-cwmp");
    let out = Command::new("sh")
        .arg("-c")
        .arg(
            r#"uci() { "$UCI_BIN" -c "$IPKG_INSTROOT/etc/config" -t "$IPKG_INSTROOT/tmp/.uci" "$@"; }
               . "$SCRIPT""#,
        )
        .env("UCI_BIN", uci)
        .env("LD_LIBRARY_PATH", libdir)
        .env("IPKG_INSTROOT", &s.0)
        .env("SCRIPT", script)
        .output()
        .unwrap();
    assert!(out.status.success(), "90-cwmp failed: {}", stderr(&out));
    out
}

fn uci_get(s: &Scratch, key: &str) -> Option<String> {
    let (uci, libdir) = real_uci();
    let out = Command::new(uci)
        .env("LD_LIBRARY_PATH", libdir)
        .arg("-c")
        .arg(s.0.join("etc/config"))
        .arg("-t")
        .arg(s.0.join("tmp/.uci"))
        .args(["get", key])
        .output()
        .unwrap();
    out.status
        .success()
        .then(|| stdout(&out).trim_end().to_string())
}

fn identity_root(name: &str, network: &str) -> Scratch {
    let s = Scratch::new(name);
    // /tmp exists on a router; libuci creates /tmp/.uci in it.
    std::fs::create_dir_all(s.0.join("tmp")).unwrap();
    std::fs::write(s.0.join("etc/config/network"), network).unwrap();
    std::fs::write(
        s.0.join("etc/openwrt_release"),
        "DISTRIB_ID='OpenWrt'\nDISTRIB_RELEASE='24.10.2'\nDISTRIB_TARGET='ath79/generic'\n",
    )
    .unwrap();
    for (dev, mac) in [("lo", "00:00:00:00:00:00"), ("eth0", "a4:2b:b0:01:02:03")] {
        let d = s.0.join("sys/class/net").join(dev);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("address"), format!("{mac}\n")).unwrap();
    }
    s
}

const WAN_DHCP: &str = "config interface 'wan'\n\toption device 'eth0'\n\toption proto 'dhcp'\n";

#[test]
fn uci_defaults_fill_identity_and_request_option43_once() {
    let s = identity_root("defaults", WAN_DHCP);
    run_uci_defaults(&s);
    assert_eq!(uci_get(&s, "cwmp.device").as_deref(), Some("device"));
    assert_eq!(
        uci_get(&s, "cwmp.device.manufacturer").as_deref(),
        Some("OpenWrt")
    );
    assert_eq!(
        uci_get(&s, "cwmp.device.product_class").as_deref(),
        Some("ath79/generic")
    );
    assert_eq!(uci_get(&s, "cwmp.device.oui").as_deref(), Some("A42BB0"));
    assert_eq!(
        uci_get(&s, "cwmp.device.serial_number").as_deref(),
        Some("A42BB0010203")
    );
    assert_eq!(uci_get(&s, "network.wan.reqopts").as_deref(), Some("43"));
    assert_eq!(
        uci_get(&s, "network.wan.vendorid").as_deref(),
        Some("dslforum.org")
    );
    // Committed, nothing left pending.
    assert!(
        !s.0.join("tmp/.uci/cwmp").exists()
            || std::fs::read(s.0.join("tmp/.uci/cwmp")).unwrap().is_empty()
    );

    // Idempotent: a second run changes no byte.
    let cwmp = std::fs::read(s.0.join("etc/config/cwmp")).unwrap();
    let network = std::fs::read(s.0.join("etc/config/network")).unwrap();
    run_uci_defaults(&s);
    assert_eq!(std::fs::read(s.0.join("etc/config/cwmp")).unwrap(), cwmp);
    assert_eq!(
        std::fs::read(s.0.join("etc/config/network")).unwrap(),
        network
    );

    // The added `config device` section keeps the file valid for the agent.
    let out = s.cwmpd(&["check-config"]);
    assert!(out.status.success(), "{}", stdout(&out));
}

#[test]
fn uci_defaults_fail_so_boot_retries_when_uci_cannot_save() {
    let s = identity_root("defaults-fail", WAN_DHCP);
    // No /tmp: libuci cannot create its save directory, every set fails.
    std::fs::remove_dir_all(s.0.join("tmp")).unwrap();
    let before = std::fs::read(s.0.join("etc/config/cwmp")).unwrap();
    let (uci, libdir) = real_uci();
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#"uci() { "$UCI_BIN" -c "$IPKG_INSTROOT/etc/config" -t "$IPKG_INSTROOT/tmp/.uci" "$@"; }
               . "$SCRIPT""#)
        .env("UCI_BIN", uci)
        .env("LD_LIBRARY_PATH", libdir)
        .env("IPKG_INSTROOT", &s.0)
        .env("SCRIPT", repo().join("files/etc/uci-defaults/90-cwmp"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(std::fs::read(s.0.join("etc/config/cwmp")).unwrap(), before);
}

#[test]
fn uci_defaults_keep_what_is_already_set() {
    let s = identity_root(
        "defaults-keep",
        "config interface 'wan'\n\toption proto 'dhcp'\n\toption reqopts '1 3 6'\n\toption vendorid 'MSFT 5.0'\n",
    );
    s.config_append(
        "\nconfig device 'device'\n\toption serial_number 'SN-1'\n\toption manufacturer 'ACME'\n",
    );
    run_uci_defaults(&s);
    assert_eq!(
        uci_get(&s, "cwmp.device.serial_number").as_deref(),
        Some("SN-1")
    );
    assert_eq!(
        uci_get(&s, "cwmp.device.manufacturer").as_deref(),
        Some("ACME")
    );
    assert_eq!(uci_get(&s, "cwmp.device.oui").as_deref(), Some("A42BB0"));
    assert_eq!(
        uci_get(&s, "network.wan.reqopts").as_deref(),
        Some("1 3 6 43")
    );
    // One vendor class only: the operator's stays.
    assert_eq!(
        uci_get(&s, "network.wan.vendorid").as_deref(),
        Some("MSFT 5.0")
    );
    run_uci_defaults(&s);
    assert_eq!(
        uci_get(&s, "network.wan.reqopts").as_deref(),
        Some("1 3 6 43")
    );
}

#[test]
fn uci_defaults_follow_discovery_settings() {
    // Discovery off: the network is left alone.
    let s = identity_root("defaults-off", WAN_DHCP);
    s.config_append("\nconfig acs 'acs'\n\toption dhcp_discovery '0'\n");
    let before = std::fs::read(s.0.join("etc/config/network")).unwrap();
    run_uci_defaults(&s);
    assert_eq!(
        std::fs::read(s.0.join("etc/config/network")).unwrap(),
        before
    );

    // Another discovery interface: only that one is changed, and only if it
    // is a DHCP client.
    let s = identity_root(
        "defaults-iface",
        "config interface 'wan'\n\toption proto 'dhcp'\n\nconfig interface 'wwan'\n\toption proto 'dhcp'\n\nconfig interface 'lan'\n\toption proto 'static'\n",
    );
    s.config_append("\nconfig cpe 'cpe'\n\toption interface 'wwan'\n");
    run_uci_defaults(&s);
    assert_eq!(uci_get(&s, "network.wwan.reqopts").as_deref(), Some("43"));
    assert_eq!(uci_get(&s, "network.wan.reqopts"), None);
    let s2 = identity_root(
        "defaults-static",
        "config interface 'lan'\n\toption proto 'static'\n",
    );
    s2.config_append("\nconfig cpe 'cpe'\n\toption interface 'lan'\n");
    run_uci_defaults(&s2);
    assert_eq!(uci_get(&s2, "network.lan.reqopts"), None);
}
