//! Load test: C concurrent clients submit N small greedy jobs (generated netlists) to a
//! server on loopback, wait for all of them, and check that none is lost or duplicated;
//! prints p50/p95/max API latency per request kind.
//!
//! ```text
//! cargo run --release -p service --example load -- [--clients 20] [--jobs 200] [--workers N] [--url URL]
//! ```
//! Without `--url` it starts the server in this process on 127.0.0.1:0 with a fresh data
//! directory (the clients still talk HTTP over loopback).

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::multipart;
use serde_json::Value;
use tokio::sync::Mutex;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let clients: usize = arg("--clients").map_or(Ok(20), |s| s.parse())?;
    let jobs: usize = arg("--jobs").map_or(Ok(200), |s| s.parse())?;
    let workers: usize = arg("--workers").map_or_else(
        || Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
        |s| s.parse(),
    )?;
    let mut own_dir = None;
    let url = match arg("--url") {
        Some(u) => u,
        None => {
            let dir = std::env::temp_dir().join(format!("chipfloor-load-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let cfg = service::Config {
                addr: "127.0.0.1:0".parse()?,
                data_dir: dir.clone(),
                token: None,
                workers,
                max_upload_bytes: 64 << 20,
                max_budget_s: 60.0,
                checkpoints_dir: None,
            };
            let (tx, rx) = tokio::sync::oneshot::channel();
            tokio::spawn(async move {
                let r = service::serve(
                    cfg,
                    move |a| {
                        let _ = tx.send(a);
                    },
                    std::future::pending(),
                )
                .await;
                if let Err(e) = r {
                    eprintln!("server: {e}");
                }
            });
            let addr = rx.await?;
            own_dir = Some(dir.clone());
            println!(
                "server: in-process on http://{addr}, {workers} workers, data {}",
                dir.display()
            );
            format!("http://{addr}")
        }
    };

    // Small generated netlists (a few distinct ones; each job gets its own seed).
    let netlists: Vec<String> = (0..10)
        .map(|i| {
            let cfg = netlists::generate::GenConfig {
                seed: 100 + i,
                hard_macros: 8,
                soft_macros: 16,
                ports: 8,
                nets: 120,
                ..Default::default()
            };
            let (nl, pl) = netlists::generate::generate(&cfg).map_err(anyhow::Error::msg)?;
            Ok(netlists::pb_txt::to_string(&nl, Some(&pl)))
        })
        .collect::<anyhow::Result<_>>()?;
    let netlists = Arc::new(netlists);
    let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?;
    let submit_lat = Arc::new(Mutex::new(Vec::new()));
    let poll_lat = Arc::new(Mutex::new(Vec::new()));
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (http, url, nls) = (http.clone(), url.clone(), netlists.clone());
        let (sl, pl) = (submit_lat.clone(), poll_lat.clone());
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            // Client c submits jobs c, c + clients, ...
            for j in (c..jobs).step_by(clients) {
                let form = multipart::Form::new()
                    .part(
                        "netlist",
                        multipart::Part::bytes(nls[j % nls.len()].clone().into_bytes())
                            .file_name(format!("load{j}.pb.txt")),
                    )
                    .text("method", "greedy")
                    .text("seed", j.to_string());
                let t = Instant::now();
                let r = http.post(format!("{url}/v1/jobs")).multipart(form).send().await?;
                let st = r.status();
                let v: Value = r.json().await?;
                sl.lock().await.push(t.elapsed().as_secs_f64() * 1e3);
                anyhow::ensure!(st.as_u16() == 202, "submit {j}: {st} {v}");
                ids.push(v["id"].as_str().unwrap_or_default().to_string());
            }
            // Then poll each of its jobs until final.
            let mut states = Vec::new();
            for id in &ids {
                loop {
                    let t = Instant::now();
                    let r = http.get(format!("{url}/v1/jobs/{id}")).send().await?;
                    let v: Value = r.json().await?;
                    pl.lock().await.push(t.elapsed().as_secs_f64() * 1e3);
                    let s = v["state"].as_str().unwrap_or("").to_string();
                    if matches!(s.as_str(), "succeeded" | "failed" | "cancelled") {
                        states.push(s);
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
            Ok::<_, anyhow::Error>((ids, states))
        }));
    }
    let mut all_ids = Vec::new();
    let mut succeeded = 0;
    for t in tasks {
        let (ids, states) = t.await??;
        succeeded += states.iter().filter(|s| *s == "succeeded").count();
        all_ids.extend(ids);
    }
    let wall = t0.elapsed().as_secs_f64();
    // The server's own list must hold exactly the submitted ids.
    let t = Instant::now();
    let list: Value = http.get(format!("{url}/v1/jobs?limit=10000")).send().await?.json().await?;
    let list_ms = t.elapsed().as_secs_f64() * 1e3;
    let mut listed: Vec<String> = list["jobs"]
        .as_array()
        .map(|a| a.iter().filter_map(|j| j["id"].as_str().map(String::from)).collect())
        .unwrap_or_default();
    listed.sort();
    let mut submitted = all_ids.clone();
    submitted.sort();
    let unique = {
        let mut u = submitted.clone();
        u.dedup();
        u.len()
    };
    let mut s = submit_lat.lock().await.clone();
    let mut p = poll_lat.lock().await.clone();
    println!("clients {clients}, jobs submitted {} (unique ids {unique}), succeeded {succeeded}, listed by the server {}, wall {wall:.2} s ({:.1} jobs/s)", submitted.len(), listed.len(), submitted.len() as f64 / wall);
    println!(
        "POST /v1/jobs      n={:5}  p50 {:7.2} ms  p95 {:7.2} ms  max {:7.2} ms",
        s.len(),
        pct(&mut s, 0.5),
        pct(&mut s, 0.95),
        pct(&mut s, 1.0)
    );
    println!(
        "GET /v1/jobs/{{id}}  n={:5}  p50 {:7.2} ms  p95 {:7.2} ms  max {:7.2} ms",
        p.len(),
        pct(&mut p, 0.5),
        pct(&mut p, 0.95),
        pct(&mut p, 1.0)
    );
    println!("GET /v1/jobs (all)  {list_ms:.2} ms, counts {}", list["counts"]);
    let ok = submitted.len() == jobs && unique == jobs && succeeded == jobs && listed == submitted;
    println!("{}", if ok { "OK: none lost, none duplicated, all succeeded" } else { "FAILED" });
    if let Some(d) = own_dir {
        let _ = std::fs::remove_dir_all(d);
    }
    anyhow::ensure!(ok, "jobs lost, duplicated or not succeeded");
    Ok(())
}
