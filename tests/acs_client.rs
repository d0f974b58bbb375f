//! The per-session ACS client against the test ACS on loopback.

mod acs;

use acs::http::{Auth, Options, Reply, TestAcs};
use bytes::Bytes;
use cwmpd::transport::acs_client::{AcsClientConfig, AcsSession, TransportError, MAX_REDIRECTS};
use cwmpd::transport::digest::Algorithm;
use std::time::Duration;

fn config(user: &str, pass: &str) -> AcsClientConfig {
    AcsClientConfig::new(user, pass, None)
}

const INFORM: &str = "<soap:Envelope>inform</soap:Envelope>";

#[tokio::test(flavor = "current_thread")]
async fn one_connection_for_the_whole_session_and_headers() {
    let acs = TestAcs::start(Options::new(|s, _| {
        if s.body.is_empty() {
            Reply::new(204)
        } else {
            Reply::new(200).body("<resp/>")
        }
    }))
    .await;
    let mut s = AcsSession::new(&acs.url("http", "127.0.0.1", "/acs"), config("", "")).unwrap();
    let r = s
        .post(Bytes::from_static(INFORM.as_bytes()), "")
        .await
        .unwrap();
    assert_eq!((r.status, &r.body[..]), (200, &b"<resp/>"[..]));
    assert!(!r.connection_closed);
    for _ in 0..3 {
        assert_eq!(
            s.post(Bytes::from_static(b"<x/>"), "")
                .await
                .unwrap()
                .status,
            200
        );
    }
    let r = s.post(Bytes::new(), "").await.unwrap();
    assert_eq!(r.status, 204);
    assert_eq!(acs.connections(), 1);
    assert_eq!(s.connections_opened(), 1);

    let seen = acs.seen();
    assert_eq!(seen.len(), 5);
    let first = &seen[0].headers;
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].path, "/acs");
    assert_eq!(first["content-type"], "text/xml; charset=\"utf-8\"");
    assert_eq!(first["soapaction"], "");
    assert_eq!(first["content-length"], INFORM.len().to_string().as_str());
    assert_eq!(seen[0].body, INFORM.as_bytes());
    // Empty POST: Content-Length 0, no Content-Type, no SOAPAction.
    let empty = &seen[4].headers;
    assert_eq!(empty["content-length"], "0");
    assert!(empty.get("content-type").is_none());
    assert!(empty.get("soapaction").is_none());
}

#[tokio::test(flavor = "current_thread")]
async fn cookies_are_echoed_for_the_session() {
    let acs = TestAcs::start(Options::new(|_, i| match i {
        0 => Reply::new(200)
            .header("set-cookie", "session=abc123; Path=/; HttpOnly")
            .header("set-cookie", "other=1"),
        1 => Reply::new(200).header("set-cookie", "other=; Max-Age=0"),
        _ => Reply::new(204),
    }))
    .await;
    let mut s = AcsSession::new(&acs.url("http", "127.0.0.1", "/"), config("", "")).unwrap();
    s.post(Bytes::from_static(b"a"), "").await.unwrap();
    s.post(Bytes::from_static(b"b"), "").await.unwrap();
    s.post(Bytes::new(), "").await.unwrap();
    let seen = acs.seen();
    assert!(seen[0].headers.get("cookie").is_none());
    assert_eq!(seen[1].headers["cookie"], "session=abc123; other=1");
    assert_eq!(seen[2].headers["cookie"], "session=abc123");
    // A new session starts without cookies.
    let mut s2 = AcsSession::new(&acs.url("http", "127.0.0.1", "/"), config("", "")).unwrap();
    s2.post(Bytes::new(), "").await.unwrap();
    assert!(acs.seen()[3].headers.get("cookie").is_none());
}

async fn auth_session(auth: Auth, scheme_prefix: &str) {
    let mut opts = Options::new(|_, _| Reply::new(200).body("ok"));
    opts.auth = auth;
    let acs = TestAcs::start(opts).await;
    let mut s = AcsSession::new(
        &acs.url("http", "127.0.0.1", "/acs"),
        config("cpe-1", "p@ss"),
    )
    .unwrap();
    for _ in 0..3 {
        let r = s.post(Bytes::from_static(b"<x/>"), "").await.unwrap();
        assert_eq!(&r.body[..], b"ok");
    }
    let seen = acs.seen();
    // First try unauthenticated, then pre-emptive credentials every time.
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert!(!seen[0].authorized);
    assert!(seen[1..].iter().all(|r| r.authorized));
    for r in &seen[1..] {
        let a = r.headers["authorization"].to_str().unwrap();
        assert!(a.starts_with(scheme_prefix), "{a}");
        assert_eq!(r.body, &b"<x/>"[..], "body re-sent after 401");
    }
    assert_eq!(acs.connections(), 1);
    // Wrong password: AuthFailed, not a loop.
    let mut bad = AcsSession::new(
        &acs.url("http", "127.0.0.1", "/acs"),
        config("cpe-1", "nope"),
    )
    .unwrap();
    assert!(matches!(
        bad.post(Bytes::from_static(b"x"), "").await,
        Err(TransportError::AuthFailed)
    ));
    // No credentials at all.
    let mut none = AcsSession::new(&acs.url("http", "127.0.0.1", "/acs"), config("", "")).unwrap();
    assert!(matches!(
        none.post(Bytes::from_static(b"x"), "").await,
        Err(TransportError::AuthRequired)
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn basic_auth() {
    auth_session(
        Auth::Basic {
            user: "cpe-1".into(),
            pass: "p@ss".into(),
        },
        "Basic ",
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn digest_md5_auth() {
    auth_session(
        Auth::Digest {
            user: "cpe-1".into(),
            pass: "p@ss".into(),
            algorithms: vec![Algorithm::Md5],
        },
        "Digest ",
    )
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn digest_sha256_auth_preferred_over_md5() {
    let mut opts = Options::new(|_, _| Reply::new(200));
    opts.auth = Auth::Digest {
        user: "u".into(),
        pass: "p".into(),
        algorithms: vec![Algorithm::Md5, Algorithm::Sha256],
    };
    let acs = TestAcs::start(opts).await;
    let mut s = AcsSession::new(&acs.url("http", "127.0.0.1", "/acs"), config("u", "p")).unwrap();
    s.post(Bytes::from_static(b"a"), "").await.unwrap();
    s.post(Bytes::from_static(b"b"), "").await.unwrap();
    let seen = acs.seen();
    let a1 = seen[1].headers["authorization"].to_str().unwrap();
    let a2 = seen[2].headers["authorization"].to_str().unwrap();
    assert!(
        a1.contains("algorithm=SHA-256") && a1.contains("nc=00000001"),
        "{a1}"
    );
    assert!(a2.contains("nc=00000002"), "{a2}");
    assert!(seen[2].authorized);
}

#[tokio::test(flavor = "current_thread")]
async fn reconnects_after_server_closes() {
    // Digest + cookie so we see both survive the reconnection.
    let mut opts = Options::new(|_, i| {
        if i == 1 {
            Reply::new(200).header("set-cookie", "s=1")
        } else {
            Reply::new(200)
        }
    });
    opts.auth = Auth::Digest {
        user: "u".into(),
        pass: "p".into(),
        algorithms: vec![Algorithm::Sha256],
    };
    opts.drop_after = Some(Duration::from_millis(300));
    let acs = TestAcs::start(opts).await;
    let mut s = AcsSession::new(&acs.url("http", "127.0.0.1", "/acs"), config("u", "p")).unwrap();
    s.post(Bytes::from_static(b"a"), "").await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let r = s.post(Bytes::from_static(b"b"), "").await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(acs.connections(), 2);
    let seen = acs.seen();
    let last = seen.last().unwrap();
    assert_eq!(last.conn, 2);
    assert!(last.authorized, "credentials re-sent on the new connection");
    assert_eq!(last.headers["cookie"], "s=1");
}

#[tokio::test(flavor = "current_thread")]
async fn connection_close_header_reconnects_next_time() {
    let acs = TestAcs::start(Options::new(|_, _| {
        Reply::new(200).header("connection", "close")
    }))
    .await;
    let mut s = AcsSession::new(&acs.url("http", "127.0.0.1", "/"), config("", "")).unwrap();
    assert!(
        s.post(Bytes::from_static(b"a"), "")
            .await
            .unwrap()
            .connection_closed
    );
    assert!(
        s.post(Bytes::from_static(b"b"), "")
            .await
            .unwrap()
            .connection_closed
    );
    assert_eq!(acs.connections(), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn redirects_are_followed_and_kept_for_the_session() {
    let target = TestAcs::start(Options::new(|_, _| Reply::new(200).body("here"))).await;
    let new_url = target.url("http", "127.0.0.1", "/real");
    let first = TestAcs::start(Options::new(move |s, _| {
        if s.path == "/start" {
            Reply::new(302).header("location", "/moved")
        } else {
            Reply::new(307).header("location", &new_url)
        }
    }))
    .await;
    let mut s = AcsSession::new(&first.url("http", "127.0.0.1", "/start"), config("", "")).unwrap();
    let r = s.post(Bytes::from_static(b"<inform/>"), "").await.unwrap();
    assert_eq!(&r.body[..], b"here");
    assert_eq!(s.url(), target.url("http", "127.0.0.1", "/real"));
    s.post(Bytes::new(), "").await.unwrap();
    // The rest of the session goes straight to the new URL.
    assert_eq!(first.seen().len(), 2);
    let t = target.seen();
    assert_eq!(t.len(), 2);
    assert_eq!(t[0].body, &b"<inform/>"[..], "307 re-sends the body");
}

#[tokio::test(flavor = "current_thread")]
async fn redirect_loop_stops_after_max() {
    let acs = TestAcs::start(Options::new(|_, _| {
        Reply::new(307).header("location", "/again")
    }))
    .await;
    let mut s = AcsSession::new(&acs.url("http", "127.0.0.1", "/"), config("", "")).unwrap();
    assert!(matches!(
        s.post(Bytes::from_static(b"x"), "").await,
        Err(TransportError::Redirect(_))
    ));
    assert_eq!(acs.seen().len() as u32, MAX_REDIRECTS + 1);
}

#[tokio::test(flavor = "current_thread")]
async fn http_errors_are_typed() {
    for code in [400u16, 503, 500, 404] {
        let acs = TestAcs::start(Options::new(move |_, _| Reply::new(code).body("no"))).await;
        let mut s = AcsSession::new(&acs.url("http", "127.0.0.1", "/"), config("", "")).unwrap();
        match s.post(Bytes::from_static(b"x"), "").await {
            Err(TransportError::Status { status, body }) => {
                assert_eq!(status, code);
                assert_eq!(&body[..], b"no");
            }
            other => panic!("{code}: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn slow_server_times_out() {
    let acs = TestAcs::start(Options::new(|_, _| {
        Reply::new(200).delay(Duration::from_secs(5))
    }))
    .await;
    let mut c = config("", "");
    c.timeout = Duration::from_millis(300);
    let mut s = AcsSession::new(&acs.url("http", "127.0.0.1", "/"), c).unwrap();
    assert!(matches!(
        s.post(Bytes::from_static(b"x"), "").await,
        Err(TransportError::Timeout)
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn oversized_body_is_refused() {
    let acs = TestAcs::start(Options::new(|_, _| {
        Reply::new(200).body(&"x".repeat(10_000))
    }))
    .await;
    let mut c = config("", "");
    c.max_body = 1000;
    let mut s = AcsSession::new(&acs.url("http", "127.0.0.1", "/"), c).unwrap();
    assert!(matches!(
        s.post(Bytes::from_static(b"x"), "").await,
        Err(TransportError::BodyTooLarge)
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn bad_urls_and_refused_connections() {
    assert!(matches!(
        AcsSession::new("ftp://x/", config("", "")),
        Err(TransportError::InvalidUrl(_))
    ));
    assert!(matches!(
        AcsSession::new("https://x/", config("", "")),
        Err(TransportError::NoTlsConfig)
    ));
    // A port nobody listens on (bind then drop to get one).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut s = AcsSession::new(&format!("http://127.0.0.1:{port}/"), config("", "")).unwrap();
    assert!(matches!(
        s.post(Bytes::new(), "").await,
        Err(TransportError::Connect(_))
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn stale_nonce_is_answered_again() {
    let mut opts = Options::new(|_, _| Reply::new(200));
    opts.auth = Auth::DigestShortLived {
        user: "u".into(),
        pass: "p".into(),
    };
    let acs = TestAcs::start(opts).await;
    let mut s = AcsSession::new(&acs.url("http", "127.0.0.1", "/acs"), config("u", "p")).unwrap();
    s.post(Bytes::from_static(b"a"), "").await.unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    // The pre-emptive answer uses an expired nonce: 401 stale=true, then a
    // fresh answer succeeds without failing the session.
    assert_eq!(
        s.post(Bytes::from_static(b"b"), "").await.unwrap().status,
        200
    );
    let seen = acs.seen();
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert!(!seen[2].authorized && seen[3].authorized);
}
