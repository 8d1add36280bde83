//! End to end in headless Chromium: the web page at `/` submits a job through its form (file
//! input, method, budget, token), follows it live over server-sent events (cost curve), and
//! shows the finished picture and the downloads.
//!
//! Drives Chromium over the DevTools protocol (a WebSocket; no chromedriver needed). Needs
//! `chromium` (Debian package; `scripts/setup.sh` installs it) or `$CHROMIUM`: without it
//! the test fails when `CI` is set and is skipped with a loud note otherwise.

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

const TOKEN: &str = "browser-token";

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

struct Browser {
    child: Child,
    profile: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Starts headless Chromium and returns it with its browser DevTools WebSocket URL.
fn launch(bin: &PathBuf) -> (Browser, String) {
    let profile = temp_dir("chromium-profile");
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("about:blank")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(i) = line.find("ws://") {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(line[i..].trim().to_string());
                }
            }
        }
    });
    let browser = Browser { child, profile };
    let ws = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("Chromium did not print its DevTools address within 60 s");
    (browser, ws)
}

struct Cdp {
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    session: Option<String>,
}

impl Cdp {
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = &self.session {
            msg["sessionId"] = json!(s);
        }
        self.ws.send(Message::text(msg.to_string())).expect("send to Chromium");
        loop {
            let m = self.ws.read().expect("read from Chromium");
            let Message::Text(t) = m else { continue };
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            if v["id"].as_u64() == Some(id) {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
        }
    }

    /// Evaluates a JavaScript expression in the page and returns its value.
    fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": expr, "returnByValue": true, "awaitPromise": true }),
        );
        assert!(r.get("exceptionDetails").is_none(), "{expr}: {r}");
        r["result"]["value"].clone()
    }
}

#[test]
fn web_page_submits_and_shows_a_finished_job() {
    let Some(bin) = find_chromium() else {
        let msg = "CHROMIUM NOT FOUND: the browser test needs `chromium` (apt-get install chromium) or $CHROMIUM";
        if std::env::var_os("CI").is_some() {
            panic!("{msg}");
        }
        eprintln!("\n!!!!! SKIPPED web_page_submits_and_shows_a_finished_job: {msg} !!!!!\n");
        return;
    };
    let dir = temp_dir("browser");
    let s = Server::start(&dir, &["--token", TOKEN, "--workers", "1"]);
    let (_browser, ws_url) = launch(&bin);
    let (ws, _) = tungstenite::connect(ws_url.as_str()).expect("connect to Chromium DevTools");
    let mut cdp = Cdp { ws, next_id: 0, session: None };
    let target = cdp.call("Target.createTarget", json!({ "url": s.at("/") }));
    let attached = cdp
        .call("Target.attachToTarget", json!({ "targetId": target["targetId"], "flatten": true }));
    cdp.session = Some(attached["sessionId"].as_str().unwrap().to_string());

    let t0 = Instant::now();
    while cdp.eval("document.readyState === 'complete' && !!document.querySelector('#submit-form')")
        != json!(true)
    {
        assert!(t0.elapsed() < Duration::from_secs(30), "the page did not load");
        std::thread::sleep(Duration::from_millis(100));
    }

    // Fill the form like a user: token, a netlist file, SA with a 2 s budget; submit.
    let netlist = small_netlist(21);
    let submit_js = format!(
        r#"(() => {{
            const tok = document.querySelector('#token');
            tok.value = {token}; tok.dispatchEvent(new Event('change'));
            const dt = new DataTransfer();
            dt.items.add(new File([{netlist}], 'webdesign.pb.txt', {{ type: 'text/plain' }}));
            document.querySelector('#netlist').files = dt.files;
            document.querySelector('#method').value = 'sa';
            document.querySelector('#time_budget').value = '2';
            document.querySelector('#seed').value = '3';
            document.querySelector('#submit').click();
            return true;
        }})()"#,
        token = json!(TOKEN),
        netlist = json!(netlist),
    );
    assert_eq!(cdp.eval(&submit_js), json!(true));

    let probe = r#"JSON.stringify({
        msg: document.querySelector('#submit-msg').textContent,
        id: document.querySelector('#submit-msg').dataset.jobId || null,
        state: document.querySelector('#live-state').textContent,
        points: +document.querySelector('#curve').dataset.points,
        events: +document.querySelector('#curve').dataset.events,
        picture: document.querySelector('#picture').complete ? document.querySelector('#picture').naturalWidth : 0,
        pictureSrc: document.querySelector('#picture').getAttribute('src') || '',
        live: document.querySelector('#picture').dataset.live || null,
        downloads: [...document.querySelectorAll('#downloads a.download')].map(a => a.textContent),
        rows: [...document.querySelectorAll('tr.job')].map(r => r.dataset.state),
    })"#;
    let t0 = Instant::now();
    let mut seen_running_curve = false;
    let mut seen_live_picture = false;
    let last = loop {
        let v: Value = serde_json::from_str(cdp.eval(probe).as_str().unwrap()).unwrap();
        assert!(!v["msg"].as_str().unwrap().contains("rror"), "submit failed: {v}");
        if v["state"] == "running" && v["points"].as_u64() > Some(0) {
            seen_running_curve = true;
        }
        if v["pictureSrc"].as_str().unwrap().contains("live.svg") {
            seen_live_picture = true;
        }
        if v["state"] == "succeeded"
            && v["picture"].as_u64() > Some(0)
            && v["pictureSrc"].as_str().unwrap().contains("placement.svg")
            && v["rows"].as_array().unwrap().iter().any(|r| r == "succeeded")
        {
            break v;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the page never showed the job finished: {v}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    eprintln!("browser view at the end: {last}");
    assert!(seen_running_curve, "the cost curve never grew while the job ran: {last}");
    assert!(
        seen_live_picture && last["live"].is_string(),
        "the page never showed the live picture (picture events): {last}"
    );
    assert!(last["events"].as_u64() > Some(0), "no progress events reached the page: {last}");
    assert_eq!(
        last["downloads"],
        json!(["placement.plc", "placement.png", "placement.svg", "report.json"]),
        "{last}"
    );
    // The job the page submitted is the server's, and its result is whole.
    let id = last["id"].as_str().expect("job id on the page").to_string();
    let c = client();
    let v = wait_final(&c, &s, &id, Some(TOKEN), Duration::from_secs(5));
    assert_eq!(
        (v["state"].as_str(), v["method"].as_str(), v["seed"].as_u64()),
        (Some("succeeded"), Some("sa"), Some(3))
    );
    check_result(&c, &s, &id, &netlist, Some(TOKEN));
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}
