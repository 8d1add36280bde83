//! The training loop on tiny generated netlists (CPU, model grid 32): checkpoints, exact
//! resume, pretraining over two netlists, fine-tuning and zero-shot placement.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use env::PlacementEnv;
use gnn::batch::{build, StepView};
use netlists::generate::{generate, GenConfig};
use placer::cost::{CostOverrides, CostParams};
use placer::legality;
use serde_json::{json, Value};
use tch::Device;
use training::config::{ModelSpec, PpoConfig, SoftMode, TrainConfig};
use training::policy::{load_policy, place_with_policy_cfg, PolicyPlaceConfig};
use training::{checkpoint, metrics, TrainError, TrainNetlist, Trainer};

fn tiny(seed: u64) -> TrainNetlist {
    let g = GenConfig {
        seed,
        hard_macros: 5,
        soft_macros: 8,
        ports: 6,
        nets: 60,
        grid: (10, 10),
        ..Default::default()
    };
    let (nl, init) = generate(&g).unwrap();
    let params = CostParams::resolve(&nl, None, &CostOverrides::default()).unwrap();
    TrainNetlist {
        name: format!("gen{seed}"),
        source: json!({"generated": seed}),
        netlist: Arc::new(nl),
        init,
        params,
    }
}

fn cfg(iterations: u64) -> TrainConfig {
    TrainConfig {
        seed: 7,
        iterations,
        ppo: PpoConfig { episodes_per_iteration: 4, minibatch: 8, epochs: 2, ..Default::default() },
        model: ModelSpec { hidden: 8, gcn_layers: 2, grid: 32, ..ModelSpec::default() },
        soft: SoftMode::Keep,
        eval_every: 2,
        ..Default::default()
    }
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("chipfloor-training-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// The metrics lines without their wall-clock part.
fn lines_without_timing(run: &Path) -> Vec<Value> {
    metrics::read(&metrics::path(run))
        .unwrap()
        .into_iter()
        .map(|mut v| {
            v.as_object_mut().unwrap().remove("timing");
            v
        })
        .collect()
}

fn single_thread() {
    tch::set_num_threads(1);
}

#[test]
fn resume_after_a_kill_continues_exactly() {
    single_thread();
    let (a, b) = (scratch("uninterrupted"), scratch("resumed"));
    let mut t = Trainer::new(cfg(3), vec![tiny(1)], Device::Cpu, Some(&a)).unwrap();
    t.run(Default::default(), |_| {}).unwrap();
    drop(t);

    let mut t = Trainer::new(cfg(3), vec![tiny(1)], Device::Cpu, Some(&b)).unwrap();
    t.iterate().unwrap();
    t.iterate().unwrap();
    drop(t); // "killed" after iteration 2's checkpoint
             // A metrics line written after the last checkpoint, a half-written line and a half-written
             // checkpoint, as a kill can leave them.
    let mp = metrics::path(&b);
    let mut text = std::fs::read_to_string(&mp).unwrap();
    let line3 = text.lines().nth(1).unwrap().replace("\"iteration\":2", "\"iteration\":3");
    text.push_str(&format!("{line3}\n"));
    text.push_str("{\"iteration\":4,\"env_ste");
    std::fs::write(&mp, text).unwrap();
    std::fs::create_dir_all(checkpoint::checkpoints_dir(&b).join(".tmp-iter_000003")).unwrap();

    let mut t = Trainer::resume(&b, vec![tiny(1)], Device::Cpu, None).unwrap();
    assert_eq!(t.iteration(), 2);
    assert_eq!(metrics::read(&mp).unwrap().len(), 2);
    t.run(Default::default(), |_| {}).unwrap();
    assert_eq!(t.iteration(), 3);

    let (la, lb) = (lines_without_timing(&a), lines_without_timing(&b));
    assert_eq!(la.len(), 3);
    assert_eq!(la, lb, "resumed metrics differ");
    // The iteration-3 line carries the final greedy evaluation, iteration 1 the untrained one.
    assert_eq!(la[0]["eval"][0]["policy_iteration"], json!(0));
    assert_eq!(la[2]["eval"][0]["policy_iteration"], json!(3));
    for k in [
        "proxy[wl=1,den=0.5,cong=0.5]",
        "proxy[wl=1,den=1,cong=0.5]",
        "wirelength_cost",
        "entropy",
        "approx_kl",
    ] {
        assert!(la[2].get(k).is_some(), "missing {k}");
    }
    // Same weights at the end.
    let (wa, wb) = (
        std::fs::read(checkpoint::latest(&a).unwrap().unwrap().join("model.safetensors")).unwrap(),
        std::fs::read(checkpoint::latest(&b).unwrap().unwrap().join("model.safetensors")).unwrap(),
    );
    assert!(wa == wb, "final weights differ");
    // The best greedy evaluation's policy is kept in RUN/best, the same in both runs.
    let evals: Vec<(u64, f64)> = la
        .iter()
        .flat_map(|l| l["eval"].as_array().cloned().unwrap_or_default())
        .map(|e| (e["policy_iteration"].as_u64().unwrap(), e["greedy_reward"].as_f64().unwrap()))
        .collect();
    let best = evals.iter().fold(evals[0], |b, &e| if e.1 > b.1 { e } else { b });
    for run in [&a, &b] {
        let info: Value = serde_json::from_str(
            &std::fs::read_to_string(checkpoint::best_dir(run).join("eval.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(info["iteration"], json!(best.0), "{evals:?}");
        assert_eq!(info["mean_reward"].as_f64().unwrap(), best.1);
        let m = checkpoint::best_dir(run).join("model.safetensors");
        assert!(gnn::model::load(&m, Device::Cpu).is_ok());
    }
    assert!(
        std::fs::read(checkpoint::best_dir(&a).join("model.safetensors")).unwrap()
            == std::fs::read(checkpoint::best_dir(&b).join("model.safetensors")).unwrap()
    );
    // Only the newest checkpoints are kept, no temporary folder is left.
    let names: Vec<u64> = checkpoint::list(&b).unwrap().into_iter().map(|(i, _)| i).collect();
    assert_eq!(names, vec![1, 2, 3]);
    assert!(!checkpoint::checkpoints_dir(&b).join(".tmp-iter_000003").exists());
    // A fresh run refuses a directory with checkpoints; resume refuses other netlists.
    assert!(matches!(
        Trainer::new(cfg(3), vec![tiny(1)], Device::Cpu, Some(&b)),
        Err(TrainError::RunDirInUse(_))
    ));
    assert!(matches!(
        Trainer::resume(&b, vec![tiny(2)], Device::Cpu, None),
        Err(TrainError::NetlistMismatch(_))
    ));
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn checkpoint_round_trip_gives_identical_outputs() {
    single_thread();
    let d = scratch("roundtrip");
    let mut t = Trainer::new(cfg(1), vec![tiny(3)], Device::Cpu, Some(&d)).unwrap();
    t.iterate().unwrap();
    let (_vs, net) = load_policy(&d, Device::Cpu).unwrap();
    let n = tiny(3);
    let env = PlacementEnv::new(n.netlist, n.init, n.params, t.config().env_config()).unwrap();
    let batch = build(&[StepView::of(env.graph(), env.observation())], Device::Cpu);
    let (la, va) = t.net().forward(&batch);
    let (lb, vb) = net.forward(&batch);
    assert!(bool::try_from(la.eq_tensor(&lb).all()).unwrap());
    assert!(bool::try_from(va.eq_tensor(&vb).all()).unwrap());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn pretraining_splits_episodes_over_netlists_and_fine_tuning_places_legally() {
    single_thread();
    let d = scratch("pretrain");
    let mut c = cfg(2);
    c.ppo.episodes_per_iteration = 5;
    let mut t = Trainer::new(c, vec![tiny(4), tiny(5)], Device::Cpu, Some(&d)).unwrap();
    let ms = t.run(Default::default(), |_| {}).unwrap();
    let m = &ms[1];
    assert_eq!(m.episodes, 5);
    let eps: Vec<usize> = m.per_netlist.iter().map(|s| s.episodes).collect();
    assert_eq!(eps, vec![3, 2]);
    assert_eq!(m.eval.len(), 2);
    assert!(d.join("eval/gen4.plc").is_file());
    assert!(m.env_steps > 0 && m.ppo_updates > 0 && m.lr > 0.0);

    // Zero-shot and fine-tuned placement of a third netlist with the pretrained checkpoint.
    let n = tiny(6);
    let pc = PolicyPlaceConfig {
        device: Device::Cpu,
        soft: SoftMode::Keep,
        episodes_per_iteration: 2,
        ..Default::default()
    };
    let zero = place_with_policy_cfg(&d, n.netlist.clone(), n.init.clone(), n.params, &pc).unwrap();
    assert_eq!(zero.finetune_iterations, 0);
    let pc = PolicyPlaceConfig {
        finetune_budget: Some(Duration::from_millis(300)),
        fresh_optimizer: false,
        ..pc
    };
    let tuned = place_with_policy_cfg(&d, n.netlist.clone(), n.init, n.params, &pc).unwrap();
    assert!(tuned.finetune_iterations >= 1);
    assert!(tuned.reward >= zero.reward, "the best of zero-shot and fine-tuned is returned");
    for p in [&zero.placement, &tuned.placement] {
        let l = legality::check(&n.netlist, p, n.params.canvas_width, n.params.canvas_height);
        assert!(l.is_legal(), "{l:?}");
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn bad_settings_are_reported() {
    let mut c = cfg(1);
    c.ppo.kl_mode = training::KlMode::TfAgentsDefault;
    assert!(matches!(
        Trainer::new(c, vec![tiny(1)], Device::Cpu, None),
        Err(TrainError::Config(_))
    ));
    let mut c = cfg(1);
    c.model.grid = 16; // grid 10x10 fits, but make the netlist's grid too large instead
    let mut n = tiny(1);
    n.params.cols = 20;
    n.params.rows = 20;
    let e = Trainer::new(c, vec![n], Device::Cpu, None).unwrap_err();
    assert!(e.is_input_error(), "{e}");
    assert!(matches!(
        Trainer::resume(Path::new("/nonexistent/run"), vec![tiny(1)], Device::Cpu, None),
        Err(TrainError::NoCheckpoint(_))
    ));
}
