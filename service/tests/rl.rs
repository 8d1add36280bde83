//! `rl` jobs against the real server binary: a tiny policy trained here (CPU, a few seconds)
//! in the server's `--checkpoints-dir`, a zero-shot job that succeeds with a legal placement,
//! a fine-tuning job, cancelling one, and the checkpoint names that are refused.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use serde_json::{json, Value};

/// The tiny netlist of the training tests: 5 hard macros on a 10x10 grid.
fn tiny_netlist(seed: u64) -> (netlists::Netlist, netlists::Placement) {
    let g = netlists::generate::GenConfig {
        seed,
        hard_macros: 5,
        soft_macros: 8,
        ports: 6,
        nets: 60,
        grid: (10, 10),
        ..Default::default()
    };
    netlists::generate::generate(&g).unwrap()
}

/// Trains a 1-iteration policy (model grid 32, 4 episodes) into `run_dir`.
fn train_tiny(run_dir: &Path) {
    use training::config::{ModelSpec, PpoConfig, SoftMode, TrainConfig};
    let (nl, init) = tiny_netlist(1);
    let params =
        placer::cost::CostParams::resolve(&nl, None, &placer::cost::CostOverrides::default())
            .unwrap();
    let tn = training::TrainNetlist {
        name: "gen1".into(),
        source: json!({"generated": 1}),
        netlist: Arc::new(nl),
        init,
        params,
    };
    let cfg = TrainConfig {
        seed: 7,
        iterations: 1,
        ppo: PpoConfig { episodes_per_iteration: 4, minibatch: 8, epochs: 1, ..Default::default() },
        model: ModelSpec { hidden: 8, gcn_layers: 2, grid: 32, ..Default::default() },
        soft: SoftMode::Keep,
        eval_every: 0,
        ..Default::default()
    };
    let mut t =
        training::Trainer::new(cfg, vec![tn], training::Device::Cpu, Some(run_dir)).unwrap();
    t.run(Default::default(), |_| {}).unwrap();
}

fn error_of(r: reqwest::blocking::Response) -> (u16, String) {
    let st = r.status().as_u16();
    let v: Value = r.json().expect("a JSON error body");
    (st, v["error"].as_str().expect("error message").to_string())
}

#[test]
fn rl_jobs_with_a_server_side_checkpoint() {
    let dir = temp_dir("rl");
    let ckdir = dir.join("checkpoints");
    let t0 = std::time::Instant::now();
    train_tiny(&ckdir.join("run1"));
    eprintln!("tiny policy trained in {:.1} s", t0.elapsed().as_secs_f64());
    let (nl, pl) = tiny_netlist(2);
    let text = netlists::pb_txt::to_string(&nl, Some(&pl));
    let c = client();

    // Without --checkpoints-dir, rl is refused.
    {
        let s = Server::start(&dir.join("data0"), &[]);
        let (st, msg) = error_of(submit(
            &c,
            &s,
            &[("netlist", "d.pb.txt", text.clone().into_bytes())],
            &[("method", "rl"), ("options", r#"{"checkpoint": "run1"}"#)],
            None,
        ));
        assert_eq!(st, 400, "{msg}");
        assert!(msg.contains("--checkpoints-dir"), "{msg}");
    }

    let ck = ckdir.to_str().unwrap();
    let s = Server::start(&dir.join("data"), &["--workers", "1", "--checkpoints-dir", ck]);
    let nlf = || vec![("netlist", "d.pb.txt", text.clone().into_bytes())];

    // Bad checkpoint names: 400 with the reason.
    let outside = dir.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, ckdir.join("escape")).unwrap();
    let abs = format!(r#"{{"checkpoint": "{}"}}"#, ckdir.join("run1").display());
    for (method, options, want) in [
        ("rl", "{}", "needs options.checkpoint"),
        ("rl", r#"{"checkpoint": "../checkpoints/run1"}"#, "no absolute path, no `..`"),
        ("rl", r#"{"checkpoint": "run1/../run1"}"#, "no absolute path, no `..`"),
        ("rl", abs.as_str(), "no absolute path, no `..`"),
        ("rl", r#"{"checkpoint": "nope"}"#, "no such checkpoint"),
        ("rl", r#"{"checkpoint": ""}"#, "needs options.checkpoint"),
        ("rl", r#"{"checkpoint": "escape"}"#, "outside the server's checkpoints folder"),
        ("sa", r#"{"checkpoint": "run1"}"#, "only for method rl"),
    ] {
        let (st, msg) =
            error_of(submit(&c, &s, &nlf(), &[("method", method), ("options", options)], None));
        assert_eq!(st, 400, "{options}: {msg}");
        assert!(msg.contains(want), "{options}: {msg}");
    }
    // A folder inside that holds no model.
    std::fs::create_dir_all(ckdir.join("empty")).unwrap();
    let (st, msg) = error_of(submit(
        &c,
        &s,
        &nlf(),
        &[("method", "rl"), ("options", r#"{"checkpoint": "empty"}"#)],
        None,
    ));
    assert_eq!((st, msg.contains("not a model file")), (400, true), "{msg}");

    // Zero-shot (no budget, and budget 0): succeeds with a legal placement, files as the
    // other methods write them.
    for budget in [None, Some("0")] {
        let mut fields =
            vec![("method", "rl"), ("seed", "3"), ("options", r#"{"checkpoint": "run1"}"#)];
        if let Some(b) = budget {
            fields.push(("time_budget", b));
        }
        let id = submit_ok(&c, &s, &text, &fields, None);
        let v = wait_final(&c, &s, &id, None, Duration::from_secs(60));
        assert_eq!(v["state"], "succeeded", "{v}");
        assert_eq!(v["method"], "rl");
        check_result(&c, &s, &id, &text, None);
        let report: Value =
            serde_json::from_slice(&download(&c, &s, &id, "report.json", None)).unwrap();
        assert_eq!(report["method"], "rl");
        assert_eq!(report["checkpoint"], "run1");
        assert_eq!(report["legality"]["legal"], true, "{report}");
        assert_eq!(report["stages"][0]["name"], "rl", "{report}");
        assert_eq!(report["stages"][0]["stats"]["finetune_iterations"], 0.0, "{report}");
        // Independent check of the placement's legality.
        let plc = String::from_utf8(download(&c, &s, &id, "placement.plc", None)).unwrap();
        let file = netlists::plc::parse_str(&plc, Path::new("p.plc")).unwrap();
        let mut got = nl.initial_placement();
        file.apply_strict(&nl, &mut got, Path::new("p.plc")).unwrap();
        let params = placer::cost::CostParams::resolve(
            &nl,
            Some(&file.header),
            &placer::cost::CostOverrides::default(),
        )
        .unwrap();
        let l = placer::legality::check(&nl, &got, params.canvas_width, params.canvas_height);
        assert!(l.is_legal(), "{l:?}");
    }

    // Fine-tuning for a second: at least one iteration.
    let id = submit_ok(
        &c,
        &s,
        &text,
        &[("method", "rl"), ("time_budget", "1"), ("options", r#"{"checkpoint": "run1"}"#)],
        None,
    );
    let v = wait_final(&c, &s, &id, None, Duration::from_secs(60));
    assert_eq!(v["state"], "succeeded", "{v}");
    let report: Value =
        serde_json::from_slice(&download(&c, &s, &id, "report.json", None)).unwrap();
    assert!(
        report["stages"][0]["stats"]["finetune_iterations"].as_f64().unwrap() >= 1.0,
        "{report}"
    );

    // Cancelling a fine-tuning job: it ends `cancelled` (when fine-tuning returns), no files.
    let id = submit_ok(
        &c,
        &s,
        &text,
        &[("method", "rl"), ("time_budget", "2"), ("options", r#"{"checkpoint": "run1"}"#)],
        None,
    );
    wait_for(&c, &s, &id, None, "running", |v| v["state"] == "running");
    let r = c.delete(s.at(&format!("/v1/jobs/{id}"))).send().unwrap();
    assert_eq!(r.status().as_u16(), 202);
    let v = wait_final(&c, &s, &id, None, Duration::from_secs(60));
    assert_eq!(v["state"], "cancelled", "{v}");
    let (st, _) = get_json(&c, &s.at(&format!("/v1/jobs/{id}/placement.plc")), None);
    assert_eq!(st, 409, "no result for a cancelled job");
}
