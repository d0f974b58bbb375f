//! `cwmpd::config`: the shipped default file and every validation rule.

mod common;

use common::real_uci::RealUci;
use cwmpd::backend::uci::{parse::parse_package, write, Package};
use cwmpd::config::{Config, ConnectionRequest, LogLevel};
use std::path::{Path, PathBuf};

fn shipped_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("files/etc/config/cwmp")
}

fn shipped() -> Package {
    let path = shipped_path();
    parse_package("cwmp", &std::fs::read(&path).unwrap(), &path).unwrap()
}

#[test]
fn shipped_file_gives_documented_defaults() {
    let cfg = Config::from_package(&shipped()).unwrap();
    assert_eq!(cfg, Config::default());
    assert!(cfg.cwmp.enable);
    assert_eq!(cfg.cwmp.log_level, LogLevel::Info);
    assert_eq!(cfg.acs.url, None);
    assert!(cfg.acs.verify);
    assert_eq!(cfg.cpe.port, 7547);
    assert!(cfg.cpe.periodic_inform);
    assert_eq!(cfg.cpe.periodic_interval, 600);
    assert_eq!(cfg.cpe.timeout, 30);
    assert_eq!(cfg.cpe.retry_min_wait, 5);
    assert_eq!(cfg.cpe.retry_multiplier, 2000);
    assert!(cfg.cpe.download && cfg.cpe.upload && !cfg.cpe.backup);
    assert_eq!(cfg.cpe.connection_request, ConnectionRequest::Auto);
    assert_eq!(cfg.stun.port, 3478);
    assert_eq!((cfg.stun.min_keepalive, cfg.stun.max_keepalive), (20, 60));
    // An empty package gives the same defaults.
    assert_eq!(
        Config::from_package(&Package::new("cwmp")).unwrap(),
        Config::default()
    );
}

/// Every option of DESIGN.md is present in the shipped file.
#[test]
fn shipped_file_lists_every_option() {
    let pkg = shipped();
    let expected: &[(&str, &[&str])] = &[
        ("cwmp", &["enable", "log_level"]),
        (
            "acs",
            &[
                "url",
                "username",
                "password",
                "default_url",
                "default_username",
                "default_password",
                "dhcp_discovery",
                "ca_file",
                "verify",
                "client_cert",
                "client_key",
            ],
        ),
        (
            "cpe",
            &[
                "username",
                "password",
                "url",
                "interface",
                "port",
                "path",
                "provisioning_code",
                "periodic_inform",
                "periodic_interval",
                "periodic_time",
                "schedule_time",
                "timeout",
                "max_retries",
                "retry_min_wait",
                "retry_multiplier",
                "download",
                "upload",
                "backup",
                "backup_delay",
                "ipv6",
            ],
        ),
        (
            "stun",
            &[
                "enable",
                "server",
                "port",
                "username",
                "password",
                "min_keepalive",
                "max_keepalive",
            ],
        ),
    ];
    let text = std::fs::read_to_string(shipped_path()).unwrap();
    for (section, options) in expected {
        assert!(pkg.section(section).is_some(), "section {section}");
        for o in *options {
            assert!(
                text.contains(&format!("option {o} ")),
                "cwmp.{section}.{o} missing from the shipped file"
            );
        }
    }
}

#[test]
fn real_uci_reads_the_shipped_file_like_we_do() {
    let uci = RealUci::locate();
    let dir = shipped_path().parent().unwrap().to_path_buf();
    let save = std::env::temp_dir().join(format!("cwmpd-cfg-save-{}", std::process::id()));
    std::fs::create_dir_all(&save).unwrap();
    assert_eq!(
        uci.ok(&dir, &save, &["show", "cwmp"]),
        write::show(&shipped(), true)
    );
    assert_eq!(uci.ok(&dir, &save, &["get", "cwmp.cpe.port"]), "7547\n");
    let _ = std::fs::remove_dir_all(&save);
}

/// Shipped file with one option changed.
fn with(section: &str, option: &str, value: &str) -> Package {
    let mut pkg = shipped();
    pkg.set_option(section, option, value).unwrap();
    pkg
}

fn errors_of(pkg: &Package) -> Vec<String> {
    match Config::from_package(pkg) {
        Ok(_) => Vec::new(),
        Err(e) => e.0.iter().map(|e| e.to_string()).collect(),
    }
}

#[test]
fn each_bad_value_names_its_option() {
    let cases: &[(&str, &str, &str)] = &[
        ("cwmp", "enable", "maybe"),
        ("cwmp", "log_level", "loud"),
        ("acs", "url", "ftp://acs/"),
        ("acs", "url", "acs.example.com"),
        ("acs", "url", "http://"),
        ("acs", "default_url", "https:///x"),
        ("acs", "password", &"p".repeat(127)),
        ("acs", "username", &"u".repeat(257)),
        ("acs", "ca_file", "relative.pem"),
        ("acs", "verify", "2"),
        ("cpe", "url", "http://cpe.example.com:7547/"),
        ("cpe", "url", "https://192.0.2.1/"),
        ("cpe", "url", "http://192.0.2.1:7547"),
        ("cpe", "url", "http://192.0.2.1:99999/"),
        (
            "cpe",
            "url",
            &format!("http://192.0.2.1/{}", "a".repeat(250)),
        ),
        ("cpe", "password", &"x".repeat(127)),
        ("cpe", "interface", "wan 1"),
        ("cpe", "port", "-1"),
        ("cpe", "port", "65536"),
        ("cpe", "path", "cwmp"),
        ("cpe", "provisioning_code", &"c".repeat(65)),
        ("cpe", "periodic_interval", "0"),
        ("cpe", "periodic_interval", "ten"),
        ("cpe", "periodic_time", "tomorrow"),
        ("cpe", "schedule_time", "2024-13"),
        ("cpe", "timeout", "-1"),
        ("cpe", "max_retries", "-3"),
        ("cpe", "retry_min_wait", "0"),
        ("cpe", "retry_multiplier", "999"),
        ("cpe", "backup_delay", "x"),
        ("stun", "port", "abc"),
        ("stun", "max_keepalive", "-2"),
    ];
    for (section, option, value) in cases {
        let errs = errors_of(&with(section, option, value));
        let name = format!("cwmp.{section}.{option}: ");
        assert!(
            errs.len() == 1 && errs[0].starts_with(&name),
            "{section}.{option}={value:?}: {errs:?}"
        );
    }
}

#[test]
fn good_values_are_accepted() {
    let pkg = {
        let mut p = shipped();
        p.set_option("acs", "url", "https://acs.example.net:7547/cwmp")
            .unwrap();
        p.set_option("acs", "password", &"p".repeat(126)).unwrap();
        p.set_option("cpe", "url", "http://[2001:db8::1]:7547/")
            .unwrap();
        p.set_option("cpe", "periodic_time", "2024-01-31T02:00:00+01:00")
            .unwrap();
        p.set_option("cpe", "max_retries", "3").unwrap();
        p.set_option("cwmp", "log_level", "debug").unwrap();
        p.set_option("stun", "max_keepalive", "-1").unwrap();
        p
    };
    let cfg = Config::from_package(&pkg).unwrap();
    assert_eq!(
        cfg.acs.url.as_deref(),
        Some("https://acs.example.net:7547/cwmp")
    );
    assert_eq!(
        cfg.cpe.connection_request,
        ConnectionRequest::Url("http://[2001:db8::1]:7547/".into())
    );
    assert_eq!(cfg.cpe.max_retries, Some(3));
    assert_eq!(cfg.stun.max_keepalive, -1);
    assert_eq!(cfg.cwmp.log_level, LogLevel::Debug);
}

#[test]
fn all_errors_are_collected_and_exclusions_name_both() {
    let mut pkg = shipped();
    pkg.set_option("cpe", "url", "http://192.0.2.1/").unwrap();
    pkg.set_option("cpe", "interface", "wan").unwrap();
    pkg.set_option("acs", "url", "gopher://x/").unwrap();
    pkg.set_option("cpe", "port", "x").unwrap();
    pkg.add_list("cwmp", "enable", "1").unwrap();
    let errs = errors_of(&pkg);
    assert_eq!(errs.len(), 4, "{errs:?}");
    assert!(errs
        .iter()
        .any(|e| e.starts_with("cwmp.cpe.url and cwmp.cpe.interface: ")));
    assert!(errs.iter().any(|e| e.starts_with("cwmp.acs.url: ")));
    assert!(errs.iter().any(|e| e.starts_with("cwmp.cpe.port: ")));
    assert!(errs.iter().any(|e| e.starts_with("cwmp.cwmp.enable: ")));
}
