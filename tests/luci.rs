//! luci-app-cwmp: the settings form covers every option of the shipped
//! /etc/config/cwmp with the agent's own limits, the translation template
//! holds exactly the views' strings, and both views work when rendered in
//! headless Chromium.
//!
//! The real LuCI runtime is not available offline, so the views run on our
//! stand-in (luci-app-cwmp/tests/harness/luci-harness.js), which implements
//! the subset of LuCI's view/form/rpc/uci/ui/poll/widgets API they use and
//! mocks ubus (`uci get/set/delete`, `cwmp status/inform`). Chromium is a
//! required tool: without it these tests fail, they never skip.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cwmpd::backend::uci::{parse::parse_package, Package, Value};
use cwmpd::config::{Config, ConnectionRequest};
use serde_json::{json, Value as Json};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn app() -> PathBuf {
    root().join("luci-app-cwmp")
}

fn view_source(name: &str) -> String {
    let path = app().join(format!("htdocs/luci-static/resources/view/cwmp/{name}.js"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn shipped() -> Package {
    let path = root().join("files/etc/config/cwmp");
    parse_package("cwmp", &std::fs::read(&path).unwrap(), &path).unwrap()
}

/// `(section, option)` of every option in a package, in file order.
fn options_of(pkg: &Package) -> Vec<(String, String)> {
    pkg.sections
        .iter()
        .flat_map(|s| s.options.iter().map(|(o, _)| (s.name.clone(), o.clone())))
        .collect()
}

// ---------------------------------------------------------------------------
// settings.js read as text

/// One form field: where it is and how it is checked.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Field {
    class: String,
    datatype: Option<String>,
    validate: Option<String>,
    password: bool,
}

/// The quoted strings of a call's argument list, e.g. `('acs', form.Value, 'url'`.
fn quoted(s: &str) -> Vec<String> {
    s.split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Every `s.option(...)` / `s.taboption(...)` of settings.js, keyed by
/// `(section, option)`, with the `o.datatype` / `o.validate` / `o.password`
/// assignments that follow it.
fn settings_fields() -> BTreeMap<(String, String), Field> {
    let src = view_source("settings");
    let mut fields = BTreeMap::new();
    let mut section = String::new();
    let mut current: Option<(String, String)> = None;
    for line in src.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("s = m.section(form.NamedSection,") {
            section = quoted(rest).first().cloned().unwrap_or_default();
        } else if let Some(rest) = line
            .strip_prefix("o = s.option(")
            .or_else(|| line.strip_prefix("o = s.taboption("))
        {
            let q = quoted(rest);
            let tab = line.starts_with("o = s.taboption(");
            let name = q.get(usize::from(tab)).cloned().expect("option name");
            let class = rest
                .split(',')
                .nth(usize::from(tab))
                .unwrap()
                .trim()
                .to_string();
            let key = (section.clone(), name);
            assert!(
                !fields.contains_key(&key),
                "{key:?} declared twice in settings.js"
            );
            fields.insert(
                key.clone(),
                Field {
                    class,
                    ..Field::default()
                },
            );
            current = Some(key);
        } else if let Some(key) = &current {
            let f = fields.get_mut(key).unwrap();
            if let Some(v) = line.strip_prefix("o.datatype = ") {
                f.datatype = quoted(v).first().cloned();
            } else if let Some(v) = line.strip_prefix("o.validate = ") {
                f.validate = Some(v.trim_end_matches(';').to_string());
            } else if line == "o.password = true;" {
                f.password = true;
            }
        }
    }
    fields
}

/// The check each option must have: the rule src/config.rs applies to it.
fn agent_rule(section: &str, option: &str) -> &'static str {
    match (section, option) {
        ("cwmp", "enable") | ("stun", "enable") => "flag",
        ("cwmp", "log_level") => "list",
        ("acs", "dhcp_discovery" | "verify") => "flag",
        ("cpe", "periodic_inform" | "download" | "upload" | "backup" | "ipv6") => "flag",
        ("acs", "url" | "default_url") => "validate acsUrl",
        (_, "username" | "default_username") => "validate text(MAX_USERNAME)",
        (_, "password" | "default_password") => "validate text(MAX_PASSWORD)",
        ("acs", "ca_file") => "validate absolutePath",
        ("acs", "client_cert") => "validate tlsPair('client_key')",
        ("acs", "client_key") => "validate tlsPair('client_cert')",
        ("cpe", "url") => "validate cpeUrl",
        ("cpe", "interface") => "validate interfaceName",
        ("cpe", "port") => "datatype and(uinteger,range(0,65535))",
        ("cpe", "path") => "validate requestPath",
        ("cpe", "provisioning_code") => "validate text(MAX_PROVISIONING_CODE)",
        ("cpe", "periodic_interval") => "validate number(1, U32_MAX)",
        ("cpe", "periodic_time" | "schedule_time") => "validate dateTime",
        ("cpe", "timeout") => "validate number(1, 3600)",
        ("cpe", "max_retries" | "backup_delay") => "validate number(0, U32_MAX)",
        ("cpe", "retry_min_wait") => "validate number(1, 65535)",
        ("cpe", "retry_multiplier") => "validate number(1000, 65535)",
        // Empty is valid: the agent then uses the ACS host (TR-181).
        ("stun", "server") => "validate text(MAX_URL)",
        ("stun", "port") => "datatype and(uinteger,range(1,65535))",
        ("stun", "min_keepalive") => "validate number(0, U32_MAX)",
        ("stun", "max_keepalive") => "validate maxKeepalive",
        _ => "unknown",
    }
}

fn describe(f: &Field) -> String {
    match (&f.datatype, &f.validate, f.class.as_str()) {
        (Some(d), None, _) => format!("datatype {d}"),
        (None, Some(v), _) => format!("validate {v}"),
        (None, None, "form.Flag") => "flag".into(),
        (None, None, "form.ListValue") => "list".into(),
        _ => format!("{f:?}"),
    }
}

/// Every option the shipped file declares. libuci ignores `option x ''`
/// lines (so does our parser), yet the file lists every option that way to
/// document it: give the empty ones a value, then read them with the parser.
fn declared_options() -> BTreeSet<(String, String)> {
    let path = root().join("files/etc/config/cwmp");
    let text = std::fs::read_to_string(&path).unwrap();
    let filled: String = text
        .lines()
        .map(|l| match l.strip_suffix(" ''") {
            Some(head) if l.trim_start().starts_with("option ") => format!("{head} 'x'\n"),
            _ => format!("{l}\n"),
        })
        .collect();
    let pkg = parse_package("cwmp", filled.as_bytes(), &path).unwrap();
    options_of(&pkg).into_iter().collect()
}

#[test]
fn settings_form_has_exactly_the_shipped_options_with_the_agents_checks() {
    let fields = settings_fields();
    assert!(options_of(&shipped()).len() < declared_options().len());
    let shipped = declared_options();
    // `_`-prefixed fields are form-only (LuCI convention), never stored.
    let in_form: BTreeSet<(String, String)> = fields
        .keys()
        .filter(|(_, o)| !o.starts_with('_'))
        .cloned()
        .collect();
    let missing: Vec<_> = shipped.difference(&in_form).collect();
    let extra: Vec<_> = in_form.difference(&shipped).collect();
    assert!(missing.is_empty(), "options without a field: {missing:?}");
    assert!(extra.is_empty(), "fields for no shipped option: {extra:?}");
    assert_eq!(
        shipped.len(),
        40,
        "the shipped file changed; review the form"
    );

    for (section, option) in &shipped {
        let f = &fields[&(section.clone(), option.clone())];
        let want = agent_rule(section, option);
        assert_ne!(
            want, "unknown",
            "no agent rule listed for {section}.{option}"
        );
        assert_eq!(describe(f), want, "{section}.{option}");
        let secret = option.ends_with("password");
        assert_eq!(f.password, secret, "{section}.{option}: password masking");
    }
    // The limits behind the names are config.rs's.
    let src = view_source("settings");
    for limit in [
        "const MAX_URL = 256;",
        "const MAX_PASSWORD = 126;",
        "const MAX_USERNAME = 256;",
        "const MAX_PROVISIONING_CODE = 64;",
        "const U32_MAX = 4294967295;",
    ] {
        assert!(src.contains(limit), "settings.js lacks {limit}");
    }
    assert_eq!(
        fields[&("cpe".into(), "interface".into())].class,
        "widgets.NetworkSelect"
    );
}

// ---------------------------------------------------------------------------
// translation template

/// Unescaped contents of every `_('...')` in a JS source.
fn js_strings(src: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = src;
    while let Some(i) = rest.find("_('") {
        let body = &rest[i + 3..];
        let mut s = String::new();
        let mut chars = body.char_indices();
        let mut end = body.len();
        while let Some((j, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        s.push(n);
                    }
                }
                '\'' => {
                    end = j + 1;
                    break;
                }
                c => s.push(c),
            }
        }
        out.insert(s);
        rest = &body[end..];
    }
    out
}

/// msgids of a .pot file (single-line msgids; the header's empty one dropped).
fn pot_msgids(pot: &str) -> BTreeSet<String> {
    pot.lines()
        .filter_map(|l| l.strip_prefix("msgid \""))
        .map(|l| {
            l.trim_end_matches('"')
                .replace("\\\"", "\"")
                .replace("\\\\", "\\")
        })
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn pot_template_holds_exactly_the_views_strings() {
    let mut used = js_strings(&view_source("settings"));
    used.extend(js_strings(&view_source("status")));
    assert!(used.contains("Inform now") && used.contains("ACS URL"));
    let pot = std::fs::read_to_string(app().join("po/templates/cwmp.pot")).unwrap();
    let listed = pot_msgids(&pot);
    let missing: Vec<_> = used.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&used).collect();
    assert!(
        missing.is_empty(),
        "strings missing from cwmp.pot: {missing:?}"
    );
    assert!(stale.is_empty(), "cwmp.pot strings no view uses: {stale:?}");
}

#[test]
fn extractor_reads_escaped_quotes() {
    let s = js_strings(r"x(_('a \'b\' c'), _('%d of %s'));");
    assert_eq!(
        s,
        BTreeSet::from(["a 'b' c".to_string(), "%d of %s".to_string()])
    );
}

// ---------------------------------------------------------------------------
// Chromium

fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            let p = dir.join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!("headless Chromium not found in PATH: install the Debian package `chromium` (.ci/deps does)");
}

fn work_dir(name: &str) -> PathBuf {
    let d = root()
        .join("target/luci-harness")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs Chromium on `page` with extra arguments; its stdout.
fn run_chromium(page: &Path, profile: &Path, budget_ms: u32, extra: &[String]) -> String {
    let mut cmd = Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .arg(format!("--virtual-time-budget={budget_ms}"))
    .args(extra)
    .arg(format!("file://{}", page.display()))
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start chromium");
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish within 120 s on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Writes the harness page for one scenario.
fn harness_page(dir: &Path, scenario: &Json) -> PathBuf {
    let harness = app().join("tests/harness");
    // `</` cannot end the inline script early once escaped.
    let data = scenario.to_string().replace("</", "<\\/");
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\">\
         <link rel=\"stylesheet\" href=\"file://{css}\"></head><body>\
         <div id=\"harness-banner\">Test harness: our stand-in for the LuCI runtime, not LuCI.</div>\
         <div id=\"notifications\"></div><div id=\"maincontent\"></div>\
         <pre id=\"harness-result\"></pre>\
         <script>window.HARNESS = {data};</script>\
         <script src=\"file://{js}\"></script></body></html>",
        css = harness.join("harness.css").display(),
        js = harness.join("luci-harness.js").display(),
    );
    let page = dir.join("page.html");
    std::fs::write(&page, html).unwrap();
    page
}

fn html_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// Renders the scenario, runs its steps; the harness's JSON result.
fn run_harness(name: &str, scenario: &Json, budget_ms: u32) -> Json {
    let dir = work_dir(name);
    let page = harness_page(&dir, scenario);
    let dom = run_chromium(
        &page,
        &dir.join("profile"),
        budget_ms,
        &["--dump-dom".into()],
    );
    let start = dom
        .find("<pre id=\"harness-result\">")
        .unwrap_or_else(|| panic!("no harness result in DOM:\n{dom}"));
    let body = &dom[start + "<pre id=\"harness-result\">".len()..];
    let end = body.find("</pre>").unwrap();
    let text = html_unescape(&body[..end]);
    assert!(
        !text.is_empty(),
        "harness did not finish in {budget_ms} ms of virtual time"
    );
    let result: Json = serde_json::from_str(&text).unwrap();
    assert_eq!(result["errors"], json!([]), "script errors in the page");
    // Kept only when something above failed: the page and browser profile.
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Renders the scenario again and keeps a screenshot as a test artifact.
fn screenshot(name: &str, scenario: &Json, budget_ms: u32, height: u32) -> PathBuf {
    let dir = work_dir(&format!("{name}-shot"));
    let page = harness_page(&dir, scenario);
    let shots = root().join("target/luci-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let png = shots.join(format!("{name}.png"));
    let _ = std::fs::remove_file(&png);
    run_chromium(
        &page,
        &dir.join("profile"),
        budget_ms,
        &[
            format!("--screenshot={}", png.display()),
            format!("--window-size=1100,{height}"),
        ],
    );
    let bytes = std::fs::read(&png).expect("screenshot written");
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000);
    let _ = std::fs::remove_dir_all(&dir);
    png
}

/// `uci get {config}` reply values (openwrt-reference §7.1 shape).
fn uci_values(pkg: &Package) -> Json {
    let mut out = serde_json::Map::new();
    for (i, s) in pkg.sections.iter().enumerate() {
        let mut sec = serde_json::Map::new();
        sec.insert(".anonymous".into(), json!(s.anonymous));
        sec.insert(".type".into(), json!(s.stype));
        sec.insert(".name".into(), json!(s.name));
        sec.insert(".index".into(), json!(i));
        for (o, v) in &s.options {
            let v = match v {
                Value::Single(v) => json!(v),
                Value::List(l) => json!(l),
            };
            sec.insert(o.clone(), v);
        }
        out.insert(s.name.clone(), Json::Object(sec));
    }
    Json::Object(out)
}

fn network() -> Json {
    json!({
        "loopback": {".type": "interface", ".name": "loopback", "proto": "static"},
        "lan": {".type": "interface", ".name": "lan", "proto": "static"},
        "wan": {".type": "interface", ".name": "wan", "proto": "dhcp"},
        "wan6": {".type": "interface", ".name": "wan6", "proto": "dhcpv6"},
    })
}

fn settings_scenario(pkg: &Package, steps: Json) -> Json {
    json!({
        "view": "settings",
        "source": view_source("settings"),
        "uci": {"cwmp": uci_values(pkg), "network": network()},
        "steps": steps,
    })
}

fn set(field: &str, value: &str) -> Json {
    json!({"set": field, "value": value})
}

/// Applies the `uci set` / `uci delete` calls the harness recorded.
fn apply_changes(pkg: &mut Package, changes: &Json) {
    for c in changes.as_array().unwrap() {
        assert_eq!(c["config"], "cwmp");
        let section = c["section"].as_str().unwrap();
        match c["method"].as_str().unwrap() {
            "set" => {
                for (o, v) in c["values"].as_object().unwrap() {
                    pkg.set_option(section, o, v.as_str().unwrap()).unwrap();
                }
            }
            "delete" => {
                for o in c["options"].as_array().unwrap() {
                    pkg.delete_option(section, o.as_str().unwrap()).unwrap();
                }
            }
            m => panic!("unexpected uci method {m}"),
        }
    }
}

fn field_value(pkg: &Package, key: &str) -> String {
    let (s, o) = key.split_once('.').unwrap();
    pkg.get_str(s, o).unwrap_or("").to_string()
}

// ---------------------------------------------------------------------------
// settings view

#[test]
fn settings_view_loads_validates_and_saves() {
    let mut pkg = shipped();
    pkg.set_option("acs", "url", "https://acs.example.net/cwmp")
        .unwrap();
    pkg.set_option("acs", "username", "cpe-0001").unwrap();
    pkg.set_option("cpe", "interface", "wan").unwrap();
    let before = Config::from_package(&pkg).unwrap();

    let steps = json!([
        {"read_value": "acs.url"},
        {"read_value": "acs.username"},
        {"read_value": "cpe._cr_mode"},
        {"read_value": "cpe.interface"},
        {"visible": "cpe.url"},
        set("acs.url", "ftp://acs.example.net/"),
        set("cpe.port", "70000"),
        {"save": true},
        set("acs.url", "https://acs2.example.net:7547/cwmp"),
        set("cpe.port", "7548"),
        set("cpe._cr_mode", "url"),
        {"visible": "cpe.interface"},
        set("cpe.url", "http://192.0.2.10:7548/"),
        set("cpe.periodic_interval", "300"),
        {"save": true},
    ]);
    let r = run_harness("settings", &settings_scenario(&pkg, steps), 10_000);
    let s = r["steps"].as_array().unwrap();

    // Loaded from `uci get cwmp`.
    assert_eq!(s[0]["value"], "https://acs.example.net/cwmp");
    assert_eq!(s[1]["value"], "cpe-0001");
    assert_eq!(s[2]["value"], "interface");
    assert_eq!(s[3]["value"], "wan");
    assert_eq!(s[4]["visible"], false, "url hidden while interface is used");
    let calls = r["calls"].as_array().unwrap();
    assert!(calls.contains(&json!({"object": "uci", "method": "get", "args": {"config": "cwmp"}})));

    // Bad URL and bad port are shown and block saving.
    assert_eq!(s[5]["error"], "Must start with http:// or https://");
    assert_eq!(
        s[6]["error"],
        "Invalid value (expecting and(uinteger,range(0,65535)))"
    );
    assert_eq!(s[7]["save"], "refused");
    assert!(s[7]["message"]
        .as_str()
        .unwrap()
        .contains("cbid.cwmp.acs.url"));
    assert!(s[7]["message"]
        .as_str()
        .unwrap()
        .contains("cbid.cwmp.cpe.port"));

    // Fixed: no message; switching to a fixed URL hides the interface.
    for i in [8, 9, 10, 12, 13] {
        assert_eq!(s[i]["error"], Json::Null, "step {i}: {}", s[i]);
    }
    assert_eq!(s[11]["visible"], false);
    assert_eq!(s[14]["save"], "ok");
    let changes = &s[14]["changes"];
    let sets: Vec<&Json> = changes
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["method"] == "set")
        .collect();
    assert_eq!(
        sets,
        vec![
            &json!({"method": "set", "config": "cwmp", "section": "acs",
                    "values": {"url": "https://acs2.example.net:7547/cwmp"}}),
            &json!({"method": "set", "config": "cwmp", "section": "cpe",
                    "values": {"port": "7548", "url": "http://192.0.2.10:7548/",
                               "periodic_interval": "300"}}),
        ]
    );
    // The interface, hidden by the switch to a fixed URL, is removed (the
    // agent refuses both at once). Empty options never reach `uci get`.
    let deletes: Vec<&Json> = changes
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["method"] == "delete")
        .collect();
    assert_eq!(
        deletes,
        vec![
            &json!({"method": "delete", "config": "cwmp", "section": "cpe",
                     "options": ["interface"]})
        ]
    );

    // What the agent reads after these changes.
    let mut after_pkg = pkg.clone();
    apply_changes(&mut after_pkg, changes);
    let after = Config::from_package(&after_pkg).expect("agent accepts what the form saved");
    let mut want = before.clone();
    want.acs.url = Some("https://acs2.example.net:7547/cwmp".into());
    want.cpe.port = 7548;
    want.cpe.connection_request = ConnectionRequest::Url("http://192.0.2.10:7548/".into());
    want.cpe.periodic_interval = 300;
    assert_eq!(after, want);

    let png = screenshot(
        "settings-invalid",
        &settings_scenario(
            &pkg,
            json!([
                set("acs.url", "ftp://acs.example.net/"),
                set("cpe.port", "70000")
            ]),
        ),
        3_000,
        1800,
    );
    eprintln!("screenshot: {}", png.display());
}

/// One validation case: assignments applied together to the shipped values.
struct Case(Vec<(&'static str, String)>);

fn c(pairs: &[(&'static str, &str)]) -> Case {
    Case(pairs.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

const LONG_HOST: &str = "http://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example/";

fn cases() -> Vec<Case> {
    vec![
        c(&[("acs.url", "https://acs.example.net:7547/cwmp")]),
        c(&[("acs.url", "http://user@acs.example.net/")]),
        c(&[("acs.url", "ftp://acs.example.net/")]),
        c(&[("acs.url", "http://")]),
        c(&[("acs.url", "http://:8080/")]),
        c(&[("acs.url", "http://acs example/")]),
        c(&[("acs.url", LONG_HOST)]),
        c(&[("acs.default_url", "https://fallback.example/")]),
        c(&[("acs.default_url", "acs.example")]),
        c(&[("acs.username", "a\tb")]),
        c(&[("acs.username", &"u".repeat(256))]),
        c(&[("acs.default_username", &"u".repeat(257))]),
        c(&[("acs.password", &"p".repeat(126))]),
        c(&[("acs.password", &"p".repeat(127))]),
        c(&[("cpe.password", &"\u{e9}".repeat(126))]),
        c(&[("stun.password", &"p".repeat(127))]),
        c(&[("cpe.username", "cr\u{7f}user")]),
        c(&[("acs.password", "p\u{e4}ssw\u{f6}rd")]),
        c(&[("acs.ca_file", "/etc/ssl/certs/ca.pem")]),
        c(&[("acs.ca_file", "certs/ca.pem")]),
        c(&[("acs.client_cert", "/etc/cwmp/cert.pem")]),
        c(&[
            ("acs.client_cert", "/etc/cwmp/cert.pem"),
            ("acs.client_key", "/etc/cwmp/key.pem"),
        ]),
        c(&[("acs.client_key", "key.pem")]),
        c(&[
            ("cpe._cr_mode", "url"),
            ("cpe.url", "http://192.0.2.1:7547/"),
        ]),
        c(&[
            ("cpe._cr_mode", "url"),
            ("cpe.url", "http://[2001:db8::1]:7547/x"),
        ]),
        c(&[
            ("cpe._cr_mode", "url"),
            ("cpe.url", "http://[::ffff:192.0.2.1]/"),
        ]),
        c(&[("cpe._cr_mode", "url"), ("cpe.url", "http://cpe.example/")]),
        c(&[("cpe._cr_mode", "url"), ("cpe.url", "https://192.0.2.1/")]),
        c(&[("cpe._cr_mode", "url"), ("cpe.url", "http://192.0.2.1")]),
        c(&[("cpe._cr_mode", "url"), ("cpe.url", "http://192.0.2.1:0/")]),
        c(&[
            ("cpe._cr_mode", "url"),
            ("cpe.url", "http://192.0.2.1:65536/"),
        ]),
        c(&[("cpe._cr_mode", "url"), ("cpe.url", "http://01.2.3.4/")]),
        c(&[
            ("cpe._cr_mode", "url"),
            ("cpe.url", "http://[2001:db8::g]/"),
        ]),
        c(&[("cpe._cr_mode", "interface"), ("cpe.interface", "wan")]),
        c(&[("cpe.port", "0")]),
        c(&[("cpe.port", "65535")]),
        c(&[("cpe.port", "65536")]),
        c(&[("cpe.port", "-1")]),
        c(&[("cpe.port", "http")]),
        c(&[("cpe.path", "/cwmp-4f2a")]),
        c(&[("cpe.path", "cwmp")]),
        c(&[("cpe.path", "/a b")]),
        c(&[(
            "cpe.provisioning_code",
            "1234567890123456789012345678901234567890123456789012345678901234",
        )]),
        c(&[(
            "cpe.provisioning_code",
            "12345678901234567890123456789012345678901234567890123456789012345",
        )]),
        c(&[("cpe.periodic_interval", "1")]),
        c(&[("cpe.periodic_interval", "0")]),
        c(&[("cpe.periodic_interval", "4294967295")]),
        c(&[("cpe.periodic_interval", "4294967296")]),
        c(&[("cpe.periodic_interval", "1.5")]),
        c(&[("cpe.periodic_time", "2024-01-01T03:00:00Z")]),
        c(&[("cpe.periodic_time", "2024-01-01T03:00:00.25+01:00")]),
        c(&[("cpe.periodic_time", "2024-01-01 03:00:00")]),
        c(&[("cpe.schedule_time", "2024-06-30T12:00:00")]),
        c(&[("cpe.schedule_time", "tomorrow")]),
        c(&[("cpe.timeout", "3600")]),
        c(&[("cpe.timeout", "3601")]),
        c(&[("cpe.timeout", "0")]),
        c(&[("cpe.max_retries", "0")]),
        c(&[("cpe.max_retries", "-1")]),
        c(&[("cpe.retry_min_wait", "1")]),
        c(&[("cpe.retry_min_wait", "0")]),
        c(&[("cpe.retry_min_wait", "65536")]),
        c(&[("cpe.retry_multiplier", "1000")]),
        c(&[("cpe.retry_multiplier", "999")]),
        c(&[("cpe.backup_delay", "30")]),
        c(&[("cpe.backup_delay", "soon")]),
        c(&[("stun.enable", "1")]),
        c(&[("stun.enable", "1"), ("stun.server", "stun.example.net")]),
        c(&[("stun.port", "0")]),
        c(&[("stun.port", "1")]),
        c(&[("stun.max_keepalive", "-1")]),
        c(&[("stun.max_keepalive", "-2")]),
        c(&[("stun.max_keepalive", "10")]),
        c(&[("stun.min_keepalive", "100")]),
        c(&[("stun.min_keepalive", "100"), ("stun.max_keepalive", "-1")]),
    ]
}

/// Each case judged by the form (in Chromium) and by the agent's own
/// reader (`Config::from_package` on the shipped file with the same
/// values): both must accept or both refuse.
#[test]
fn settings_form_accepts_exactly_what_the_agent_accepts() {
    let base = shipped();
    let mut steps = Vec::new();
    let cases = cases();
    for case in &cases {
        for (k, v) in &case.0 {
            steps.push(set(k, v));
        }
        steps.push(json!({"errors": true}));
        // Back to the shipped values before the next case.
        for (k, _) in case.0.iter().rev() {
            let original = if k.ends_with("_cr_mode") {
                "auto".to_string()
            } else {
                field_value(&base, k)
            };
            steps.push(set(k, &original));
        }
    }
    let r = run_harness(
        "validation",
        &settings_scenario(&base, Json::Array(steps)),
        20_000,
    );
    let verdicts: Vec<&Json> = r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s.get("errors").is_some())
        .collect();
    assert_eq!(verdicts.len(), cases.len());
    let mut mismatches = Vec::new();
    for (case, verdict) in cases.iter().zip(verdicts) {
        let mut pkg = base.clone();
        for (k, v) in &case.0 {
            if let Some((s, o)) = k.split_once('.').filter(|(_, o)| !o.starts_with('_')) {
                pkg.set_option(s, o, v).unwrap();
            }
        }
        let agent_ok = Config::from_package(&pkg).is_ok();
        let form_errors = verdict["errors"].as_array().unwrap();
        if agent_ok != form_errors.is_empty() {
            mismatches.push(format!(
                "{:?}: agent {}, form {:?}",
                case.0,
                if agent_ok { "accepts" } else { "refuses" },
                form_errors
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

// ---------------------------------------------------------------------------
// status view

fn status_reply(n: u64) -> Json {
    json!({
        "enabled": true,
        "acs_url": "https://acs.example.net/cwmp",
        "acs_url_origin": "dhcp",
        "connection_request_url": "http://192.0.2.10:7547/9f1c2e",
        "last_session": {
            "start": 1_763_700_000,
            "end": 1_763_700_004,
            "result": if n == 0 { "failed" } else { "success" },
            "fault": if n == 0 { "8005 Retry request" } else { "" },
        },
        "next_periodic_inform": 1_763_700_600,
        "retry_count": if n == 0 { 2 } else { 0 },
        "pending_events": if n == 0 { json!(["1 BOOT", "4 VALUE CHANGE"]) } else { json!([]) },
        "counters": {"sessions_ok": 7 + n, "sessions_failed": 2},
        "transfers": if n == 0 {
            json!([
                {"command_key": "fw-1", "kind": "download",
                 "file_type": "1 Firmware Upgrade Image",
                 "url": "https://files.example.net/fw.bin", "state": "running", "bytes": 4096},
                {"command_key": "log-1", "kind": "upload", "file_type": "2 Vendor Log File",
                 "url": "https://files.example.net/up", "state": "completed",
                 "fault_code": 9011, "fault_string": "server said 500"},
            ])
        } else {
            json!([])
        },
        "last_transfer": {"command_key": "log-1", "fault_code": 9011,
                          "fault_string": "server said 500", "time": 1_763_700_002},
    })
}

fn status_scenario() -> Json {
    json!({
        "view": "status",
        "source": view_source("status"),
        "status": [status_reply(0), status_reply(1)],
        "steps": [
            {"read": "#cwmp-status"},
            {"wait": 6000},
            {"read": "#cwmp-status"},
            {"click": "#cwmp-inform-now"},
            {"read": "#notifications"},
        ],
    })
}

#[test]
fn status_view_shows_the_reply_polls_and_informs() {
    let r = run_harness("status", &status_scenario(), 10_000);
    let s = r["steps"].as_array().unwrap();
    let first = s[0]["text"].as_str().unwrap();
    for want in [
        "https://acs.example.net/cwmp (DHCP option 43)",
        "2025-11-21T04:40:00Z",
        "2025-11-21T04:40:04Z",
        "failed: 8005 Retry request",
        "2025-11-21T04:50:00Z",
        "1 BOOT, 4 VALUE CHANGE",
        "http://192.0.2.10:7547/9f1c2e",
        "7 successful, 2 failed",
        "fw-1 download (1 Firmware Upgrade Image): running, 4096 bytes so far; \
         log-1 upload (2 Vendor Log File): completed with fault 9011, awaiting the ACS acknowledgement",
        "log-1: fault 9011 at 2025-11-21T04:40:02Z",
    ] {
        assert!(first.contains(want), "{want:?} not in {first:?}");
    }
    let polled = s[2]["text"].as_str().unwrap();
    assert!(polled.contains("success") && !polled.contains("failed: 8005"));
    assert!(polled.contains("8 successful, 2 failed"), "{polled}");
    assert!(!polled.contains("fw-1"), "the finished queue: {polled}");
    assert!(r["polls"].as_u64().unwrap() >= 1);
    assert_eq!(s[4]["text"], "Session requested.");

    let calls = r["calls"].as_array().unwrap();
    let informs: Vec<&Json> = calls.iter().filter(|c| c["method"] == "inform").collect();
    assert_eq!(
        informs,
        vec![&json!({"object": "cwmp", "method": "inform",
                     "args": {"event": "6 CONNECTION REQUEST"}})]
    );
    // Only what the ACL file grants.
    for c in calls {
        assert_eq!(c["object"], "cwmp", "{c}");
        assert!(c["method"] == "status" || c["method"] == "inform", "{c}");
    }

    let png = screenshot("status", &status_scenario(), 10_000, 700);
    eprintln!("screenshot: {}", png.display());
}

#[test]
fn status_view_says_when_the_agent_does_not_answer() {
    let scenario = json!({
        "view": "status",
        "source": view_source("status"),
        "status": [],
        "inform_status": 9,
        "steps": [
            {"read": "#cwmp-status"},
            {"click": "#cwmp-inform-now"},
            {"read": "#notifications"},
        ],
    });
    let r = run_harness("status-down", &scenario, 3_000);
    let s = r["steps"].as_array().unwrap();
    assert_eq!(
        s[0]["text"],
        "The agent does not answer (ubus status 4): is cwmpd running?"
    );
    assert_eq!(
        s[2]["text"],
        "The agent did not accept the request (ubus status 9)."
    );
}

// ---------------------------------------------------------------------------
// packaging files

#[test]
fn menu_and_acl_grant_exactly_what_the_views_use() {
    let menu: Json = serde_json::from_str(
        &std::fs::read_to_string(app().join("root/usr/share/luci/menu.d/luci-app-cwmp.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(menu["admin/services/cwmp"]["title"], "TR-069");
    assert_eq!(
        menu["admin/services/cwmp"]["depends"]["acl"],
        json!(["luci-app-cwmp"])
    );
    for view in ["settings", "status"] {
        let node = &menu[format!("admin/services/cwmp/{view}")];
        assert_eq!(node["action"]["path"], format!("cwmp/{view}"));
        assert!(app()
            .join(format!("htdocs/luci-static/resources/view/cwmp/{view}.js"))
            .is_file());
    }
    let acl: Json = serde_json::from_str(
        &std::fs::read_to_string(app().join("root/usr/share/rpcd/acl.d/luci-app-cwmp.json"))
            .unwrap(),
    )
    .unwrap();
    let a = &acl["luci-app-cwmp"];
    assert_eq!(a["read"]["ubus"], json!({"cwmp": ["status"]}));
    assert_eq!(a["read"]["uci"], json!(["cwmp"]));
    assert_eq!(a["write"]["ubus"], json!({"cwmp": ["inform"]}));
    assert_eq!(a["write"]["uci"], json!(["cwmp"]));
    assert_eq!(a.as_object().unwrap().len(), 3);

    let mk = std::fs::read_to_string(app().join("Makefile")).unwrap();
    for line in [
        "LUCI_DEPENDS:=+luci-base +cwmpd",
        "LUCI_PKGARCH:=all",
        "include $(TOPDIR)/feeds/luci/luci.mk",
    ] {
        assert!(mk.lines().any(|l| l == line), "Makefile lacks {line}");
    }
}
