//! Differential tests of `cwmpd::backend::uci` against the real libuci CLI.

mod common;

use common::real_uci::RealUci;
use cwmpd::backend::uci::delta::Change;
use cwmpd::backend::uci::{parse, write, Store, Transaction, UciError};
use std::fs;
use std::path::{Path, PathBuf};

struct Dirs {
    _tmp: TempDir,
    root: PathBuf,
    conf: PathBuf,
    save: PathBuf,
}

/// A throwaway directory (no tempfile crate needed).
struct TempDir(PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn dirs(tag: &str) -> Dirs {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let root = std::env::temp_dir().join(format!(
        "cwmpd-uci-{}-{}-{}",
        tag,
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = fs::remove_dir_all(&root);
    let conf = root.join("etc/config");
    let save = root.join("tmp/.uci");
    fs::create_dir_all(&conf).unwrap();
    fs::create_dir_all(&save).unwrap();
    Dirs {
        _tmp: TempDir(root.clone()),
        root,
        conf,
        save,
    }
}

fn fixtures() -> Vec<(String, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/uci");
    let mut v: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().into_string().unwrap(), e.path())
        })
        .collect();
    v.sort();
    assert!(v.len() >= 5, "fixture corpus missing");
    v
}

/// (d) every fixture: our `show` rendering equals `uci show`, in both the
/// `@type[i]` and the `-X` (generated names, (c)) forms, and our export equals
/// `uci export`.
#[test]
fn fixtures_read_like_libuci() {
    let uci = RealUci::locate();
    for (name, path) in fixtures() {
        let d = dirs("fx");
        fs::copy(&path, d.conf.join(&name)).unwrap();
        let ours = Store::new(&d.root).load(&name).unwrap();
        assert_eq!(
            write::show(&ours, true),
            uci.ok(&d.conf, &d.save, &["show", &name]),
            "show {name}"
        );
        assert_eq!(
            write::show(&ours, false),
            uci.ok(&d.conf, &d.save, &["-X", "show", &name]),
            "show -X {name}"
        );
        assert_eq!(
            write::export(&ours, true, false),
            uci.ok(&d.conf, &d.save, &["export", &name]),
            "export {name}"
        );
        assert_eq!(
            write::export(&ours, true, true),
            uci.ok(&d.conf, &d.save, &["-n", "export", &name]),
            "export -n {name}"
        );
    }
}

/// (a) files we write are read back identically by libuci.
#[test]
fn libuci_reads_what_we_write() {
    let uci = RealUci::locate();
    for (name, path) in fixtures() {
        let d = dirs("wr");
        let text = fs::read(&path).unwrap();
        let pkg = parse::parse_package(&name, &text, &path).unwrap();
        fs::write(d.conf.join(&name), write::file_content(&pkg)).unwrap();
        assert_eq!(
            uci.ok(&d.conf, &d.save, &["-X", "show", &name]),
            write::show(&pkg, false),
            "{name}"
        );
    }
}

/// Malformed files: both refuse them, and our error names file and line.
#[test]
fn malformed_files_are_rejected_by_both() {
    let uci = RealUci::locate();
    let cases: &[(&str, usize)] = &[
        ("option a b\n", 1),
        ("config t\n\toption a 'unterminated\n", 3),
        ("config t\n\toption a b c\n", 2),
        ("config t\nbogus x\n", 2),
        ("config t 'bad-name'\n", 1),
        ("config t n\nconfig u n\n", 2),
        ("config t\n\toption 'a.b' c\n", 2),
        ("config t n\nconfig t n\nconfig t n\n\toption a b\n", 4),
    ];
    for (text, line) in cases {
        let d = dirs("bad");
        let path = d.conf.join("bad");
        fs::write(&path, text).unwrap();
        let real = uci.run(&d.conf, &d.save, &["show", "bad"]);
        assert!(!real.status.success(), "libuci accepted {text:?}");
        match Store::new(&d.root).load("bad") {
            Err(UciError::Parse { file, line: l, .. }) => {
                assert_eq!(file, path);
                assert!(l >= 1 && l <= *line, "{text:?}: line {l}");
            }
            other => panic!("{text:?}: expected parse error, got {other:?}"),
        }
    }
}

const BASE: &str = "config acs 'acs'\n\toption url 'http://a/'\n\tlist ntp 'n1'\n\nconfig host\n\toption name 'h1'\n\nconfig host\n\toption name 'h2'\n\nconfig other 'o'\n\toption x '1'\n";

/// (b) changes made with the real CLI, staged (savedir deltas) and then
/// committed, read by us exactly as `uci show` prints them.
#[test]
fn we_read_libuci_changes() {
    let uci = RealUci::locate();
    let d = dirs("chg");
    fs::write(d.conf.join("pkg"), BASE).unwrap();
    let cmds: &[&[&str]] = &[
        &["set", "pkg.acs.url=https://b/it's"],
        &["add_list", "pkg.acs.ntp=n2"],
        &["add_list", "pkg.acs.ntp=n 3"],
        &["del_list", "pkg.acs.ntp=n1"],
        &["add", "pkg", "host"],
        &["set", "pkg.@host[-1].name=new host"],
        &["set", "pkg.new=thing"],
        &["set", "pkg.new.v=1"],
        &["rename", "pkg.@host[0]=first"],
        &["rename", "pkg.o.x=y"],
        &["reorder", "pkg.o=0"],
        &["delete", "pkg.@host[1]"],
        &["set", "pkg.acs.extra=e"],
        &["set", "pkg.acs.url=changed"],
        &["add_list", "pkg.first.name=listed"],
        &["delete", "pkg.acs.ntp=0"],
        &["set", "pkg.new.v="],
    ];
    let store = Store::new(&d.root);
    for cmd in cmds {
        uci.ok(&d.conf, &d.save, cmd);
        let ours = store.load("pkg").unwrap();
        assert_eq!(
            write::show(&ours, true),
            uci.ok(&d.conf, &d.save, &["show", "pkg"]),
            "after {cmd:?}"
        );
        assert_eq!(
            write::show(&ours, false),
            uci.ok(&d.conf, &d.save, &["-X", "show", "pkg"]),
            "-X after {cmd:?}"
        );
    }
    uci.ok(&d.conf, &d.save, &["commit", "pkg"]);
    let ours = store.load("pkg").unwrap();
    assert_eq!(
        write::show(&ours, true),
        uci.ok(&d.conf, &d.save, &["show", "pkg"])
    );
    assert!(store.changes("pkg").unwrap().is_empty());
}

/// Our staged deltas and our commits are read by libuci as we read them.
#[test]
fn libuci_reads_our_deltas_and_commits() {
    let uci = RealUci::locate();
    let d = dirs("ours");
    fs::write(d.conf.join("pkg"), BASE).unwrap();
    let store = Store::new(&d.root);
    let mut pkg = store.load("pkg").unwrap();
    let name = pkg.add_section("host").unwrap();
    let changes = vec![
        Change::SetOption {
            section: "acs".into(),
            option: "url".into(),
            value: "it's \"quoted\"\nnext".into(),
        },
        Change::AddSection {
            section: name.clone(),
            stype: "host".into(),
        },
        Change::ListAdd {
            section: name.clone(),
            option: "l".into(),
            value: "a b".into(),
        },
        Change::DeleteOption {
            section: "o".into(),
            option: "x".into(),
        },
        Change::RenameSection {
            section: "o".into(),
            new_name: "renamed".into(),
        },
        Change::Reorder {
            section: "renamed".into(),
            position: 1,
        },
    ];
    store.stage("pkg", &changes).unwrap();
    let ours = store.load("pkg").unwrap();
    assert_eq!(
        write::show(&ours, false),
        uci.ok(&d.conf, &d.save, &["-X", "show", "pkg"])
    );
    store.commit("pkg").unwrap();
    assert!(store.changes("pkg").unwrap().is_empty());
    let after = store.load("pkg").unwrap();
    assert_eq!(write::show(&after, true), write::show(&ours, true));
    assert_eq!(
        write::show(&after, true),
        uci.ok(&d.conf, &d.save, &["show", "pkg"])
    );
    // A revert of one section leaves the others staged.
    store
        .stage(
            "pkg",
            &[
                Change::SetOption {
                    section: "acs".into(),
                    option: "url".into(),
                    value: "x".into(),
                },
                Change::SetOption {
                    section: "renamed".into(),
                    option: "k".into(),
                    value: "v".into(),
                },
            ],
        )
        .unwrap();
    store.revert("pkg", Some("acs"), None).unwrap();
    assert_eq!(
        uci.ok(&d.conf, &d.save, &["changes", "pkg"]),
        "pkg.renamed.k='v'\n"
    );
}

/// Transactions: read-your-writes, atomic multi-package commit, no partial
/// state on error, revert drops all.
#[test]
fn transaction_commit_and_revert() {
    let uci = RealUci::locate();
    let d = dirs("txn");
    fs::write(d.conf.join("a"), BASE).unwrap();
    fs::write(d.conf.join("b"), "config sec 's'\n\toption v '1'\n").unwrap();
    let store = Store::new(&d.root);

    let mut t = Transaction::new(&store);
    t.set_option("a", "acs", "url", "https://new/").unwrap();
    let anon = t.add_section("a", "host").unwrap();
    t.set_option("a", &anon, "name", "h3").unwrap();
    t.set_list("b", "s", "l", &["x", "y"]).unwrap();
    t.set_option("b", "s", "v", "2").unwrap();
    assert_eq!(
        t.package("a").unwrap().get_str("@host[-1]", "name"),
        Some("h3")
    );
    assert!(t.set_option("b", "missing", "v", "1").is_err());
    assert_eq!(t.touched(), vec!["a".to_string(), "b".to_string()]);
    // Nothing on disk yet.
    assert_eq!(fs::read_to_string(d.conf.join("a")).unwrap(), BASE);
    t.commit().unwrap();
    assert_eq!(
        uci.ok(&d.conf, &d.save, &["get", "a.acs.url"]),
        "https://new/\n"
    );
    assert_eq!(
        uci.ok(&d.conf, &d.save, &["get", "a.@host[-1].name"]),
        "h3\n"
    );
    assert_eq!(
        uci.ok(&d.conf, &d.save, &["show", "b.s"]),
        "b.s=sec\nb.s.l='x' 'y'\nb.s.v='2'\n"
    );

    // A change that no longer applies at commit time (section deleted
    // meanwhile) aborts the whole commit: package a stays untouched too.
    let a_before = fs::read_to_string(d.conf.join("a")).unwrap();
    let b_before = fs::read_to_string(d.conf.join("b")).unwrap();
    let mut t = Transaction::new(&store);
    t.set_option("a", "acs", "url", "https://never/").unwrap();
    t.set_option("b", "s", "v", "3").unwrap();
    uci.ok(&d.conf, &d.save, &["delete", "b.s"]);
    uci.ok(&d.conf, &d.save, &["commit", "b"]);
    let b_committed = fs::read_to_string(d.conf.join("b")).unwrap();
    assert_ne!(b_committed, b_before);
    assert!(t.commit().is_err());
    assert_eq!(fs::read_to_string(d.conf.join("a")).unwrap(), a_before);
    assert_eq!(fs::read_to_string(d.conf.join("b")).unwrap(), b_committed);
    let leftovers: Vec<_> = fs::read_dir(&d.conf)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");

    let mut t = Transaction::new(&store);
    t.set_option("a", "acs", "url", "dropped").unwrap();
    t.revert();
    assert_eq!(fs::read_to_string(d.conf.join("a")).unwrap(), a_before);
}

/// Commit keeps the file mode; `/var/run/uci/<pkg>` overrides the config dir.
#[test]
fn commit_keeps_mode_and_honours_override() {
    use std::os::unix::fs::PermissionsExt;
    let d = dirs("mode");
    let path = d.conf.join("m");
    fs::write(&path, "config t 's'\n").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let store = Store::new(&d.root);
    let mut t = Transaction::new(&store);
    t.set_option("m", "s", "o", "v").unwrap();
    t.commit().unwrap();
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o640
    );
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "\nconfig t 's'\n\toption o 'v'\n\n"
    );

    let over = d.root.join("var/run/uci");
    fs::create_dir_all(&over).unwrap();
    fs::write(over.join("m"), "config t 'runtime'\n").unwrap();
    assert!(store.load("m").unwrap().section("runtime").is_some());
    let mut t = Transaction::new(&store);
    t.set_option("m", "runtime", "o", "w").unwrap();
    t.commit().unwrap();
    assert!(fs::read_to_string(over.join("m"))
        .unwrap()
        .contains("option o 'w'"));
    assert!(!fs::read_to_string(&path).unwrap().contains("runtime"));
}
