//! The scripted CWMP ACS served over HTTP(S): every POST goes to the
//! `AcsScript`; the HTTP server (`http.rs`) does authentication, TLS and
//! connection accounting. A session cookie is set as GenieACS does.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::http::{Auth, Options, Reply, Seen, TestAcs};
use super::script::AcsScript;

pub struct ScriptedAcs {
    pub server: TestAcs,
    pub script: Arc<Mutex<AcsScript>>,
    /// While set, POSTs are accepted and never answered (a hung ACS).
    pub stall: Arc<AtomicBool>,
    tls: bool,
}

fn answer(script: &Mutex<AcsScript>, stall: &AtomicBool, seen: &Seen, conn: usize) -> Reply {
    if stall.load(Ordering::SeqCst) {
        return Reply::new(204).delay(Duration::from_secs(3600));
    }
    let mut script = match script.lock() {
        Ok(s) => s,
        Err(_) => return Reply::new(500),
    };
    let answer = script.handle_post(&seen.body);
    if std::mem::take(&mut script.hang_now) {
        stall.store(true, Ordering::SeqCst);
    }
    match answer {
        Ok(Some(xml)) => {
            let mut r = Reply::new(200)
                .header("content-type", "text/xml; charset=\"utf-8\"")
                .body(&String::from_utf8_lossy(&xml));
            if !seen.headers.contains_key("cookie") {
                r = r.header("set-cookie", &format!("session={conn}; Path=/"));
            }
            r
        }
        Ok(None) => Reply::new(204),
        Err(e) => {
            script.transcript.push(format!("ACS error: {e}"));
            Reply::new(400).body(&e)
        }
    }
}

impl ScriptedAcs {
    pub async fn start(
        script: AcsScript,
        auth: Auth,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> ScriptedAcs {
        let script = Arc::new(Mutex::new(script));
        let stall = Arc::new(AtomicBool::new(false));
        let (s, st) = (script.clone(), stall.clone());
        let mut opts = Options::new(move |seen, conn| answer(&s, &st, seen, conn));
        opts.auth = auth;
        let is_tls = tls.is_some();
        opts.tls = tls;
        ScriptedAcs {
            server: TestAcs::start(opts).await,
            script,
            stall,
            tls: is_tls,
        }
    }

    pub fn url(&self) -> String {
        self.url_with_host("127.0.0.1")
    }

    /// The URL under another host name (TLS tests: the certificate's name).
    pub fn url_with_host(&self, host: &str) -> String {
        self.server
            .url(if self.tls { "https" } else { "http" }, host, "/acs")
    }

    pub fn transcript(&self) -> Vec<String> {
        self.script
            .lock()
            .map(|s| s.transcript.clone())
            .unwrap_or_default()
    }

    /// POSTs that passed authentication, with the Cookie header they carried.
    pub fn authorized_cookies(&self) -> Vec<Option<String>> {
        self.server
            .seen()
            .iter()
            .filter(|s| s.authorized && s.method == "POST")
            .map(|s| {
                s.headers
                    .get("cookie")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            })
            .collect()
    }
}
