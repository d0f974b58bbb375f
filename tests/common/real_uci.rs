//! The real libuci `uci` CLI, as built by the `libuci-sys` dev-dependency's
//! build script (cmake leaves it in `target/<profile>/build/libuci-sys-*/out/bin`).
//! Tests fail, never skip, when it cannot be found.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct RealUci {
    bin: PathBuf,
    libdir: PathBuf,
}

impl RealUci {
    pub fn locate() -> RealUci {
        let exe = std::env::current_exe().expect("test executable path");
        // target/<profile>/deps/<test> -> target/<profile>/build
        let build = exe
            .parent()
            .and_then(Path::parent)
            .map(|p| p.join("build"))
            .expect("target dir");
        let mut found = None;
        if let Ok(entries) = std::fs::read_dir(&build) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                let out = e.path().join("out");
                if name.starts_with("libuci-sys-") && out.join("bin/uci").is_file() {
                    found = Some(out);
                }
            }
        }
        let out = found.unwrap_or_else(|| {
            panic!(
                "real `uci` binary not found under {}/libuci-sys-*/out/bin; \
                 the libuci-sys dev-dependency must build (needs cmake, libjson-c-dev, libclang-dev)",
                build.display()
            )
        });
        RealUci {
            bin: out.join("bin/uci"),
            libdir: out.join("lib"),
        }
    }

    /// Run `uci -c <confdir> -t <savedir> <args>`; stdin optional.
    pub fn run(&self, confdir: &Path, savedir: &Path, args: &[&str]) -> Output {
        let out = Command::new(&self.bin)
            .env("LD_LIBRARY_PATH", &self.libdir)
            .arg("-c")
            .arg(confdir)
            .arg("-t")
            .arg(savedir)
            .args(args)
            .output()
            .expect("run real uci");
        out
    }

    /// Like [`run`] but panics on failure; returns stdout.
    pub fn ok(&self, confdir: &Path, savedir: &Path, args: &[&str]) -> String {
        let out = self.run(confdir, savedir, args);
        assert!(
            out.status.success(),
            "uci {:?} failed: {}",
            args,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf8 output")
    }
}
