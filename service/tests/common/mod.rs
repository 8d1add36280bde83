//! Helpers of the service tests: run the real `chipfloor-serve` binary on a free port, make
//! netlists, submit jobs, wait for them.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::blocking::{multipart, Client, Response};
use serde_json::Value;

/// A running server; killed (SIGKILL) when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
    pub data_dir: PathBuf,
}

impl Server {
    /// Starts `chipfloor-serve --addr 127.0.0.1:0 --data-dir DIR ARGS...` and waits for its
    /// "listening on" line.
    pub fn start(data_dir: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_chipfloor-serve"))
            .args(["--addr", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start chipfloor-serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("read the listening line");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .to_string();
        Server { child, url, data_dir: data_dir.to_path_buf() }
    }

    /// kill -9.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A fresh temporary folder.
pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "chipfloor-service-{tag}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A small generated netlist as `.pb.txt` text.
pub fn small_netlist(seed: u64) -> String {
    let cfg = netlists::generate::GenConfig {
        seed,
        hard_macros: 8,
        soft_macros: 16,
        ports: 8,
        nets: 120,
        ..Default::default()
    };
    let (nl, pl) = netlists::generate::generate(&cfg).unwrap();
    netlists::pb_txt::to_string(&nl, Some(&pl))
}

pub fn client() -> Client {
    Client::builder().timeout(Duration::from_secs(60)).build().unwrap()
}

/// POSTs a job: `files` as (field, file name, bytes), `fields` as (name, value).
pub fn submit(
    c: &Client,
    s: &Server,
    files: &[(&str, &str, Vec<u8>)],
    fields: &[(&str, &str)],
    token: Option<&str>,
) -> Response {
    let mut form = multipart::Form::new();
    for (field, name, bytes) in files {
        form = form.part(
            field.to_string(),
            multipart::Part::bytes(bytes.clone()).file_name(name.to_string()),
        );
    }
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let mut rq = c.post(s.at("/v1/jobs")).multipart(form);
    if let Some(t) = token {
        rq = rq.bearer_auth(t);
    }
    rq.send().expect("POST /v1/jobs")
}

/// Submits a job that must be accepted; returns its id.
pub fn submit_ok(
    c: &Client,
    s: &Server,
    netlist: &str,
    fields: &[(&str, &str)],
    token: Option<&str>,
) -> String {
    let r =
        submit(c, s, &[("netlist", "design.pb.txt", netlist.as_bytes().to_vec())], fields, token);
    let status = r.status().as_u16();
    let v: Value = r.json().unwrap();
    assert_eq!(status, 202, "{v}");
    v["id"].as_str().unwrap().to_string()
}

pub fn get_json(c: &Client, url: &str, token: Option<&str>) -> (u16, Value) {
    let mut rq = c.get(url);
    if let Some(t) = token {
        rq = rq.bearer_auth(t);
    }
    let r = rq.send().expect("GET");
    let st = r.status().as_u16();
    (st, r.json().unwrap_or(Value::Null))
}

/// Polls a job until it reaches a final state.
pub fn wait_final(
    c: &Client,
    s: &Server,
    id: &str,
    token: Option<&str>,
    timeout: Duration,
) -> Value {
    let t0 = Instant::now();
    loop {
        let (st, v) = get_json(c, &s.at(&format!("/v1/jobs/{id}")), token);
        assert_eq!(st, 200, "{v}");
        if matches!(v["state"].as_str(), Some("succeeded" | "failed" | "cancelled")) {
            return v;
        }
        assert!(t0.elapsed() < timeout, "job {id} not final after {timeout:?}: {v}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Polls a job until `pred` holds.
pub fn wait_for(
    c: &Client,
    s: &Server,
    id: &str,
    token: Option<&str>,
    what: &str,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    let t0 = Instant::now();
    loop {
        let (_, v) = get_json(c, &s.at(&format!("/v1/jobs/{id}")), token);
        if pred(&v) {
            return v;
        }
        assert!(t0.elapsed() < Duration::from_secs(30), "job {id}: {what} not reached: {v}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Downloads a result file.
pub fn download(c: &Client, s: &Server, id: &str, name: &str, token: Option<&str>) -> Vec<u8> {
    let mut rq = c.get(s.at(&format!("/v1/jobs/{id}/{name}")));
    if let Some(t) = token {
        rq = rq.bearer_auth(t);
    }
    let r = rq.send().unwrap();
    assert_eq!(r.status().as_u16(), 200, "{name} of {id}");
    r.bytes().unwrap().to_vec()
}

/// Checks a succeeded job's files: the `.plc` parses and applies to the netlist, and the
/// costs recomputed from it match `report.json` (and the job's summary).
pub fn check_result(c: &Client, s: &Server, id: &str, netlist: &str, token: Option<&str>) {
    let plc_text = String::from_utf8(download(c, s, id, "placement.plc", token)).unwrap();
    let report: Value = serde_json::from_slice(&download(c, s, id, "report.json", token)).unwrap();
    let nl = netlists::pb_txt::parse_str(netlist, Path::new("design.pb.txt")).unwrap();
    let file = netlists::plc::parse_str(&plc_text, Path::new("placement.plc")).unwrap();
    let mut pl = nl.initial_placement();
    file.apply_strict(&nl, &mut pl, Path::new("placement.plc")).unwrap();
    let params = placer::cost::CostParams::resolve(
        &nl,
        Some(&file.header),
        &placer::cost::CostOverrides::default(),
    )
    .unwrap();
    let costs = placer::cost::evaluate(&nl, &pl, &params).unwrap();
    for (key, got) in [
        ("wirelength_cost", costs.wirelength_cost),
        ("density_cost", costs.density_cost),
        ("congestion_cost", costs.congestion_cost),
    ] {
        let want = report[key].as_f64().unwrap_or_else(|| panic!("{key} in {report}"));
        assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{id} {key}: plc {got} vs report {want}"
        );
    }
    assert_eq!(report["legality"]["legal"], true);
    assert_eq!(report["job_id"], id);
    let png = download(c, s, id, "placement.png", token);
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let svg = String::from_utf8(download(c, s, id, "placement.svg", token)).unwrap();
    assert!(svg.contains("<svg"), "svg");
}
