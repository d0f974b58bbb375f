//! Every message kind the CPE emits, encoded by our codec, must be valid
//! against the official BBF XSD (cwmp-1-4.xsd for the cwmp-1-2 namespace),
//! checked with ../shared/spec/validate.sh (xmllint + xsltproc, offline).
//! The samples land in target/cwmp-samples/<MessageKind>.xml for inspection.
//! Missing tools are a failure, not a skip.

mod common;

use cwmpd::cwmp::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const VALIDATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/spec/validate.sh");

fn require_tools() {
    for tool in ["xmllint", "xsltproc"] {
        let ok = Command::new(tool)
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(
            ok,
            "{tool} is required (Debian: apt-get install libxml2-utils xsltproc)"
        );
    }
    assert!(Path::new(VALIDATE).exists(), "{VALIDATE} is missing");
}

fn write_all(dir: &Path, msgs: &[(String, Envelope)], version: CwmpVersion) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    msgs.iter()
        .map(|(kind, msg)| {
            let path = dir.join(format!("{kind}.xml"));
            std::fs::write(&path, encode(msg, version)).unwrap();
            path
        })
        .collect()
}

/// Validate each file; report every failing one.
fn validate(files: &[PathBuf]) {
    let mut failed = Vec::new();
    for f in files {
        let out = Command::new("sh")
            .arg(VALIDATE)
            .arg(f)
            .output()
            .expect("run validate.sh");
        if !out.status.success() {
            failed.push(format!(
                "{}:\n{}",
                f.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "XSD validation failed:\n{}",
        failed.join("\n")
    );
}

fn owned(v: Vec<(&'static str, Envelope)>) -> Vec<(String, Envelope)> {
    v.into_iter().map(|(k, e)| (k.to_string(), e)).collect()
}

#[test]
fn cpe_messages_are_valid_against_cwmp_1_4_xsd() {
    require_tools();
    let mut msgs = owned(common::cpe_messages());
    msgs.extend(common::single_event_informs());
    let dir = common::samples_dir();
    let files = write_all(&dir, &msgs, CwmpVersion::V1_2);
    // One file per kind the CPE emits.
    for kind in [
        "Inform",
        "Inform-M_Download",
        "Inform-M_Reboot",
        "Inform-M_ScheduleInform",
        "Inform-X_00D09E_vendor",
        "TransferComplete",
        "AutonomousTransferComplete",
        "RequestDownload",
        "DUStateChangeComplete",
        "AutonomousDUStateChangeComplete",
        "Kicked",
        "GetRPCMethods",
        "GetParameterValuesResponse",
        "SetParameterValuesFault",
        "Fault",
    ] {
        assert!(
            dir.join(format!("{kind}.xml")).exists(),
            "{kind}.xml not written"
        );
    }
    validate(&files);
}

#[test]
fn acs_messages_are_valid_in_the_1_2_namespace() {
    require_tools();
    let msgs = owned(common::acs_messages());
    let files = write_all(
        &common::samples_dir().join("acs-1-2"),
        &msgs,
        CwmpVersion::V1_2,
    );
    validate(&files);
}

#[test]
fn acs_messages_are_valid_against_cwmp_1_0_xsd() {
    require_tools();
    // The RPCs that exist in CWMP 1.0 (ScheduleDownload, CancelTransfer,
    // ChangeDUState ... came later).
    let keep = [
        "GetRPCMethods",
        "SetParameterValues",
        "GetParameterValues",
        "GetParameterNames",
        "SetParameterAttributes",
        "GetParameterAttributes",
        "AddObject",
        "DeleteObject",
        "Reboot",
        "Download",
        "Upload",
        "FactoryReset",
        "ScheduleInform",
        "GetQueuedTransfers",
        "SetVouchers",
        "GetOptions",
        "InformResponse",
        "TransferCompleteResponse",
        "RequestDownloadResponse",
        "KickedResponse",
    ];
    let msgs: Vec<_> = owned(common::acs_messages())
        .into_iter()
        .filter(|(k, _)| keep.contains(&k.as_str()))
        .map(|(k, mut e)| {
            // CWMP 1.0 had no version headers.
            e.header.use_cwmp_version = None;
            (k, e)
        })
        .collect();
    assert_eq!(msgs.len(), keep.len());
    let files = write_all(
        &common::samples_dir().join("acs-1-0"),
        &msgs,
        CwmpVersion::V1_0,
    );
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(text.contains("urn:dslforum-org:cwmp-1-0"));
    }
    validate(&files);
}

#[test]
fn committed_fixtures_are_valid() {
    require_tools();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cwmp");
    let mut files = Vec::new();
    for sub in ["acs", "cpe"] {
        for e in std::fs::read_dir(root.join(sub)).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    assert!(files.len() > 40);
    validate(&files);
}
