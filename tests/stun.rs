//! STUN and UDP Connection Requests (TR-069 Annex G) end to end: the real
//! `cwmpd` binary on a scratch root, the scripted test ACS, and a small
//! classic (RFC 3489) STUN server written here on loopback UDP. The server
//! decodes requests with its own code (not the agent's codec), asks for
//! MESSAGE-INTEGRITY with a 401 and checks it, and answers MAPPED-ADDRESS
//! (or a fake public address, to play a NAT).

mod acs;

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use acs::http::Auth;
use acs::script::{AcsScript, Answer};
use acs::scripted::ScriptedAcs as TestAcs;
use cwmpd::cwmp::rpc::parameters::GetParameterValues;
use cwmpd::cwmp::{AcsRequest, CpeResponse};
use ring::hmac;

struct Root(PathBuf);

impl Drop for Root {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Agent(Child);

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn wait_for(what: &str, secs: u64, mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One Binding Request as the test server saw it.
#[derive(Debug, Clone)]
struct Seen {
    from: SocketAddr,
    crb: Option<Vec<u8>>,
    binding_change: bool,
    username: Option<Vec<u8>>,
    /// MESSAGE-INTEGRITY present; `Some(valid)`.
    integrity: Option<bool>,
}

#[derive(Default)]
struct StunState {
    seen: Vec<Seen>,
    /// Address to report instead of the real source (a NAT).
    fake_mapped: Option<SocketAddr>,
}

const STUN_USER: &str = "stunuser";
const STUN_PASS: &str = "stunpass";

/// RFC 3489 §11.2.8, written from the RFC: HMAC-SHA1 over the message up
/// to MESSAGE-INTEGRITY, zero-padded to a multiple of 64 bytes.
fn mi_3489(prefix: &[u8]) -> Vec<u8> {
    let mut text = prefix.to_vec();
    while text.len() % 64 != 0 {
        text.push(0);
    }
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, STUN_PASS.as_bytes());
    hmac::sign(&key, &text).as_ref().to_vec()
}

fn attr(out: &mut Vec<u8>, t: u16, v: &[u8]) {
    out.extend_from_slice(&t.to_be_bytes());
    out.extend_from_slice(&(v.len() as u16).to_be_bytes());
    out.extend_from_slice(v);
}

fn finish(mut out: Vec<u8>, with_mi: bool) -> Vec<u8> {
    if with_mi {
        let len = (out.len() - 20 + 24) as u16;
        out[2..4].copy_from_slice(&len.to_be_bytes());
        let mac = mi_3489(&out);
        attr(&mut out, 0x0008, &mac);
    }
    let len = (out.len() - 20) as u16;
    out[2..4].copy_from_slice(&len.to_be_bytes());
    out
}

/// Answers one request; records what it carried.
fn answer(req: &[u8], from: SocketAddr, state: &Mutex<StunState>) -> Option<Vec<u8>> {
    if req.len() < 20 || req[0..2] != [0, 1] {
        return None;
    }
    let len = u16::from_be_bytes([req[2], req[3]]) as usize;
    let msg = req.get(..20 + len)?;
    let mut seen = Seen {
        from,
        crb: None,
        binding_change: false,
        username: None,
        integrity: None,
    };
    let mut at = 20;
    while at + 4 <= msg.len() {
        let t = u16::from_be_bytes([msg[at], msg[at + 1]]);
        let l = u16::from_be_bytes([msg[at + 2], msg[at + 3]]) as usize;
        let v = msg.get(at + 4..at + 4 + l)?;
        match t {
            0xC001 => seen.crb = Some(v.to_vec()),
            0xC002 => seen.binding_change = true,
            0x0006 => seen.username = Some(v.to_vec()),
            0x0008 => seen.integrity = Some(mi_3489(&msg[..at]) == v),
            _ => {}
        }
        at += 4 + l;
    }
    let mut out = Vec::new();
    let tid = &msg[4..20];
    let with_mi = seen.integrity.is_some();
    let mut st = state.lock().unwrap();
    st.seen.push(seen.clone());
    if seen.integrity != Some(true) {
        // Error response 401 (class 4, number 1).
        out.extend_from_slice(&[0x01, 0x11, 0, 0]);
        out.extend_from_slice(tid);
        attr(&mut out, 0x0009, &[0, 0, 4, 1, b'A', b'u', b't', b'h']);
        return Some(finish(out, false));
    }
    let mapped = st.fake_mapped.unwrap_or(from);
    let SocketAddr::V4(m) = mapped else {
        return None;
    };
    out.extend_from_slice(&[0x01, 0x01, 0, 0]);
    out.extend_from_slice(tid);
    let mut v = vec![0, 1];
    v.extend_from_slice(&m.port().to_be_bytes());
    v.extend_from_slice(&m.ip().octets());
    attr(&mut out, 0x0001, &v);
    Some(finish(out, with_mi))
}

fn start_stun_server() -> (SocketAddr, Arc<Mutex<StunState>>) {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = sock.local_addr().unwrap();
    let state = Arc::new(Mutex::new(StunState::default()));
    let st = state.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while let Ok((n, from)) = sock.recv_from(&mut buf) {
            if let Some(reply) = answer(&buf[..n], from, &st) {
                let _ = sock.send_to(&reply, from);
            }
        }
    });
    (addr, state)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A UDP Connection Request as an ACS builds it (Annex G.2.1.4).
fn udp_request(ts: i64, id: &str, user: &str, password: &str) -> Vec<u8> {
    let cn = "XTGRWIPC6D3IPXS3";
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, password.as_bytes());
    let sig: String = hmac::sign(&key, format!("{ts}{id}{user}{cn}").as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    format!(
        "GET http://127.0.0.1?ts={ts}&id={id}&un={user}&cn={cn}&sig={sig} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    )
    .into_bytes()
}

fn gpv() -> AcsRequest {
    AcsRequest::GetParameterValues(GetParameterValues {
        parameter_names: vec![
            "Device.ManagementServer.UDPConnectionRequestAddress".into(),
            "Device.ManagementServer.NATDetected".into(),
            "Device.ManagementServer.STUNEnable".into(),
            "Device.ManagementServer.STUNServerPort".into(),
        ],
    })
}

fn active_notification() -> AcsRequest {
    acs::script::set_notification(
        "Device.ManagementServer.UDPConnectionRequestAddress",
        cwmpd::cwmp::rpc::attributes::Notification::ACTIVE,
    )
}

fn last_gpv(acs: &TestAcs) -> Vec<(String, String)> {
    let s = acs.script.lock().unwrap();
    let Some(r) = s.answers.iter().rev().find_map(|a| match a {
        (_, Answer::Response(CpeResponse::GetParameterValues(r))) => Some(r),
        _ => None,
    }) else {
        panic!("no GPV answer: {:?}", s.transcript)
    };
    r.parameter_list
        .iter()
        .map(|p| {
            let short = p.name.rsplit('.').next().unwrap_or_default().to_string();
            (short, p.value.clone())
        })
        .collect()
}

/// The session's SOAP messages against the official BBF XSDs
/// (../shared/spec/validate.sh: xmllint + xsltproc).
fn validate_wire(messages: &[Vec<u8>]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/cwmp-e2e/stun");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/spec/validate.sh");
    for (i, m) in messages.iter().enumerate() {
        let file = dir.join(format!("{i:02}.xml"));
        std::fs::write(&file, m).unwrap();
        let out = Command::new("sh").arg(script).arg(&file).output().unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn informs(acs: &TestAcs) -> usize {
    acs.script.lock().unwrap().informs.len()
}

fn write_config(root: &Path, acs_url: &str, stun: SocketAddr, enable: bool, user: &str) {
    let text = format!(
        "config cwmp 'cwmp'\n\toption enable '1'\n\toption log_level 'debug'\n\n\
         config acs 'acs'\n\toption url '{acs_url}'\n\n\
         config cpe 'cpe'\n\toption username 'acs'\n\toption password 'crpass'\n\toption port '0'\n\
         \toption periodic_inform '0'\n\n\
         config stun 'stun'\n\toption enable '{}'\n\toption server '{}'\n\toption port '{}'\n\
         \toption username '{user}'\n\toption password '{STUN_PASS}'\n\
         \toption min_keepalive '1'\n\toption max_keepalive '1'\n",
        u8::from(enable),
        stun.ip(),
        stun.port()
    );
    std::fs::write(root.join("etc/config/cwmp"), text).unwrap();
}

#[tokio::test]
async fn stun_binding_and_udp_connection_requests() {
    let root = Root(std::env::temp_dir().join(format!("cwmpd-stun-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&root.0);
    std::fs::create_dir_all(root.0.join("etc/config")).unwrap();
    let (stun_addr, stun) = start_stun_server();
    let acs = TestAcs::start(AcsScript::new(), Auth::None, None).await;
    write_config(&root.0, &acs.url(), stun_addr, true, STUN_USER);
    let log = root.0.join("agent.log");
    let agent = Agent(
        Command::new(env!("CARGO_BIN_EXE_cwmpd"))
            .arg("--root")
            .arg(&root.0)
            .arg("run")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start cwmpd"),
    );
    let dump = || std::fs::read_to_string(&log).unwrap_or_default();

    // The binding: first request without MESSAGE-INTEGRITY (the server has
    // not asked yet) → 401 → the same with a valid one.
    wait_for("an authenticated Binding Request", 20, || {
        stun.lock()
            .unwrap()
            .seen
            .iter()
            .any(|s| s.integrity == Some(true))
    })
    .await;
    let (first, agent_udp) = {
        let st = stun.lock().unwrap();
        let s = &st.seen;
        assert_eq!(s[0].integrity, None, "{s:?}");
        for seen in s.iter() {
            assert_eq!(seen.crb.as_deref(), Some(&b"dslforum.org/TR-111 "[..]));
            assert_eq!(seen.username.as_deref(), Some(STUN_USER.as_bytes()));
            assert_ne!(seen.integrity, Some(false), "bad MESSAGE-INTEGRITY: {s:?}");
        }
        assert!(s[0].binding_change && s[1].binding_change, "{s:?}");
        (s[0].clone(), s[0].from)
    };
    assert_eq!(first.from.ip().to_string(), "127.0.0.1");
    wait_for("first session", 20, || {
        acs.script.lock().unwrap().sessions_completed >= 1
    })
    .await;

    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    // Wrong signature, wrong user: ignored.
    udp.send_to(&udp_request(unix_now(), "1", "acs", "wrong"), agent_udp)
        .unwrap();
    udp.send_to(
        &udp_request(unix_now(), "2", "mallory", "crpass"),
        agent_udp,
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        informs(&acs),
        1,
        "session after a forged request:\n{}",
        dump()
    );

    // A valid one: a session with 6 CONNECTION REQUEST, where the learnt
    // address is readable; the ACS asks for active notification on it.
    acs.script
        .lock()
        .unwrap()
        .push(gpv())
        .push(active_notification());
    let good = udp_request(unix_now(), "3", "acs", "crpass");
    udp.send_to(&good, agent_udp).unwrap();
    wait_for("UDP CR session", 20, || {
        acs.script.lock().unwrap().sessions_completed >= 2
    })
    .await;
    assert_eq!(
        acs.script.lock().unwrap().event_codes(1),
        ["6 CONNECTION REQUEST"]
    );
    let values = last_gpv(&acs);
    let expect = |n: &str, v: &str| (n.to_string(), v.to_string());
    assert!(
        values.contains(&expect(
            "UDPConnectionRequestAddress",
            &agent_udp.to_string()
        )),
        "{values:?}"
    );
    assert!(
        values.contains(&expect("NATDetected", "false")),
        "{values:?}"
    );
    assert!(values.contains(&expect("STUNEnable", "true")), "{values:?}");
    assert!(
        values.contains(&expect("STUNServerPort", &stun_addr.port().to_string())),
        "{values:?}"
    );

    // The same datagram again (an ACS repeat, or a replay): no session.
    udp.send_to(&good, agent_udp).unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(informs(&acs), 2, "replayed request acted on:\n{}", dump());

    // Behind a "NAT": the server reports another address; the agent sends
    // BINDING-CHANGE at once and reports the new address with NATDetected.
    let public: SocketAddr = "203.0.113.9:40001".parse().unwrap();
    let before = stun.lock().unwrap().seen.len();
    stun.lock().unwrap().fake_mapped = Some(public);
    wait_for("BINDING-CHANGE after the mapping moved", 10, || {
        let st = stun.lock().unwrap();
        // The keep-alive that learns the new address has no BINDING-CHANGE;
        // the request right after it has.
        st.seen[before..]
            .windows(2)
            .any(|w| !w[0].binding_change && w[1].binding_change)
    })
    .await;
    // The ACS hears of it: 4 VALUE CHANGE with the new address.
    wait_for("value-change session", 20, || {
        acs.script.lock().unwrap().sessions_completed >= 3
    })
    .await;
    {
        let s = acs.script.lock().unwrap();
        assert!(s.event_codes(2).contains(&"4 VALUE CHANGE".to_string()));
        assert!(
            s.informs[2].parameter_list.iter().any(|p| p.name
                == "Device.ManagementServer.UDPConnectionRequestAddress"
                && p.value == public.to_string()),
            "{:?}",
            s.informs[2].parameter_list
        );
    }
    acs.script.lock().unwrap().push(gpv());
    udp.send_to(&udp_request(unix_now(), "4", "acs", "crpass"), agent_udp)
        .unwrap();
    wait_for("second UDP CR session", 20, || {
        acs.script.lock().unwrap().sessions_completed >= 4
    })
    .await;
    assert_eq!(
        acs.script.lock().unwrap().event_codes(3),
        ["6 CONNECTION REQUEST"]
    );
    let values = last_gpv(&acs);
    assert!(
        values.contains(&expect("UDPConnectionRequestAddress", "203.0.113.9:40001")),
        "{values:?}"
    );
    assert!(
        values.contains(&expect("NATDetected", "true")),
        "{values:?}"
    );

    // Reload (SIGHUP) with another STUN username: the task restarts with it.
    let hup = || {
        let ok = Command::new("kill")
            .args(["-HUP", &agent.0.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    };
    write_config(&root.0, &acs.url(), stun_addr, true, "other");
    hup();
    wait_for("requests with the new username", 10, || {
        let st = stun.lock().unwrap();
        // RFC 3489 §11.2.6: USERNAME is a multiple of 4 bytes (zero-padded).
        st.seen.last().and_then(|s| s.username.clone()).as_deref() == Some(&b"other\0\0\0"[..])
    })
    .await;
    // STUN off: no more Binding Requests, UDP Connection Requests unheard.
    write_config(&root.0, &acs.url(), stun_addr, false, "other");
    hup();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let count = stun.lock().unwrap().seen.len();
    let sessions = informs(&acs);
    udp.send_to(&udp_request(unix_now(), "5", "acs", "crpass"), agent_udp)
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(stun.lock().unwrap().seen.len(), count, "STUN still running");
    // (The address going empty may be reported as a value change.)
    let s = acs.script.lock().unwrap();
    for n in sessions..s.informs.len() {
        assert!(
            !s.event_codes(n)
                .contains(&"6 CONNECTION REQUEST".to_string()),
            "UDP CR heard with STUN off:\n{}",
            dump()
        );
    }
    drop(s);

    validate_wire(&acs.script.lock().unwrap().wire);
    let text = dump();
    assert!(text.contains("ignored: wrong signature"), "{text}");
    assert!(text.contains("ignored: wrong username"), "{text}");
    assert!(
        text.contains("ignored: repeated or older message"),
        "{text}"
    );
}

/// A free UDP port pair (p, p+1) on loopback, as far as can be told.
fn free_port_pair() -> u16 {
    for _ in 0..50 {
        let a = UdpSocket::bind("127.0.0.1:0").unwrap();
        let p = a.local_addr().unwrap().port();
        if p < 65535 && UdpSocket::bind(("127.0.0.1", p + 1)).is_ok() {
            return p;
        }
    }
    panic!("no free UDP port pair");
}

struct Stund(Child);

impl Drop for Stund {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Against a STUN server nobody here wrote: Vovida's classic RFC 3489
/// `stund` (Debian package stun-server, installed by .ci/deps). It must
/// accept our Binding Requests (TR-111 attributes included) and the agent
/// must read its answer: on loopback, no NAT.
#[tokio::test]
async fn binds_against_the_vovida_stund_server() {
    let port = free_port_pair();
    // /usr/sbin may not be on a CI user's PATH.
    let exe = ["/usr/sbin/stund", "/usr/bin/stund"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or("stund");
    let stund = std::process::Command::new(exe)
        .args(["-h", "127.0.0.1", "-a", "127.0.0.2"])
        .args(["-p", &port.to_string(), "-o", &(port + 1).to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(stund) = stund else {
        panic!("stund not found: apt-get install stun-server (.ci/deps)");
    };
    let _stund = Stund(stund);
    let root = Root(std::env::temp_dir().join(format!("cwmpd-stund-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&root.0);
    std::fs::create_dir_all(root.0.join("etc/config")).unwrap();
    let acs = TestAcs::start(AcsScript::new(), Auth::None, None).await;
    let server: SocketAddr = ([127, 0, 0, 1], port).into();
    // No STUN username: stund does not ask for MESSAGE-INTEGRITY.
    write_config(&root.0, &acs.url(), server, true, "");
    let log = root.0.join("agent.log");
    let _agent = Agent(
        Command::new(env!("CARGO_BIN_EXE_cwmpd"))
            .arg("--root")
            .arg(&root.0)
            .arg("run")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start cwmpd"),
    );
    let dump = || std::fs::read_to_string(&log).unwrap_or_default();
    wait_for("a binding learnt from stund", 20, || {
        dump().contains("STUN: UDP Connection Request address 127.0.0.1:")
    })
    .await;
    let text = dump();
    let line = text
        .lines()
        .find(|l| l.contains("STUN: UDP Connection Request address"))
        .unwrap();
    assert!(line.ends_with("(NAT detected: false)"), "{text}");
    // The address learnt is where UDP Connection Requests are heard.
    let addr: SocketAddr = line
        .split("address ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    wait_for("first session", 20, || {
        acs.script.lock().unwrap().sessions_completed >= 1
    })
    .await;
    acs.script.lock().unwrap().push(gpv());
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.send_to(&udp_request(unix_now(), "1", "acs", "crpass"), addr)
        .unwrap();
    wait_for("UDP CR session", 20, || {
        acs.script.lock().unwrap().sessions_completed >= 2
    })
    .await;
    let values = last_gpv(&acs);
    assert!(
        values.contains(&("UDPConnectionRequestAddress".to_string(), addr.to_string())),
        "{values:?}"
    );
    assert!(!text.contains("STUN server answered error"), "{text}");
}
