//! The policy/value network on real environment observations (CPU).

use std::sync::{Arc, Mutex, MutexGuard};

use env::{EnvConfig, PlacementEnv, SoftPlacement};
use gnn::batch::{build, StepView};
use gnn::model::{dist, load, save, ModelConfig, PolicyValueNet, MASKED_LOGIT};
use netlists::generate::{generate, GenConfig};
use placer::cost::{CostOverrides, CostParams};
use tch::{nn, Device, Kind, Tensor};

/// libtorch's random generator is global and tests run in parallel threads: a test that seeds
/// it and then draws from it (initialisation, sampling) holds this lock throughout.
static TORCH_RNG: Mutex<()> = Mutex::new(());

fn seeded(seed: i64) -> MutexGuard<'static, ()> {
    let guard = TORCH_RNG.lock().unwrap_or_else(|e| e.into_inner());
    tch::manual_seed(seed);
    guard
}

fn env_for(seed: u64, grid: usize) -> PlacementEnv {
    let cfg = GenConfig {
        seed,
        hard_macros: 6,
        soft_macros: 8,
        ports: 6,
        nets: 60,
        grid: (12, 10),
        ..Default::default()
    };
    let (nl, pl) = generate(&cfg).unwrap();
    let params = CostParams::resolve(&nl, None, &CostOverrides::default()).unwrap();
    let cfg = EnvConfig {
        max_grid: grid,
        soft_placement: SoftPlacement::KeepInitial,
        ..Default::default()
    };
    PlacementEnv::new(Arc::new(nl), pl, params, cfg).unwrap()
}

#[test]
fn forward_on_a_padded_batch_of_two_netlists() {
    let _rng = seeded(3);
    let (a, b) = (env_for(1, 32), env_for(2, 32));
    let vs = nn::VarStore::new(Device::Cpu);
    let net = PolicyValueNet::new(&vs.root(), ModelConfig { grid: 32, ..Default::default() });
    let steps =
        [StepView::of(a.graph(), a.observation()), StepView::of(b.graph(), b.observation())];
    let batch = build(&steps, Device::Cpu);
    let (logp, value) = net.forward(&batch);
    assert_eq!(logp.size(), vec![2, 32 * 32]);
    assert_eq!(value.size(), vec![2]);
    // Masked entries get the mask value; legal ones are finite log-probabilities.
    let lp: Vec<f32> = Vec::<f32>::try_from(logp.get(0)).unwrap();
    for (i, &ok) in a.observation().mask.iter().enumerate() {
        if ok {
            assert!(lp[i].is_finite() && lp[i] < 0.0 && lp[i] > -20.0);
        } else {
            assert!((lp[i] as f64 - MASKED_LOGIT).abs() <= 1.0, "{}", lp[i]);
        }
    }
    // Padding does not change a graph's outputs: a alone gives the same as a in the batch.
    let alone = build(&steps[..1], Device::Cpu);
    let (lp1, v1) = net.forward(&alone);
    let d = f64::try_from((lp1.get(0) - logp.get(0)).abs().max()).unwrap();
    let dv = f64::try_from((v1.get(0) - value.get(0)).abs()).unwrap();
    assert!(d < 1e-4 && dv < 1e-5, "padding changed outputs: {d} {dv}");
}

#[test]
fn sampling_never_picks_an_illegal_action() {
    let _rng = seeded(11);
    let mut e = env_for(3, 32);
    let vs = nn::VarStore::new(Device::Cpu);
    let net = PolicyValueNet::new(&vs.root(), ModelConfig { grid: 32, ..Default::default() });
    // Play whole episodes by sampling; env.step rejects any illegal action.
    for _ in 0..3 {
        e.reset();
        while !e.is_done() {
            let batch = build(&[StepView::of(e.graph(), e.observation())], Device::Cpu);
            let (logp, _) = tch::no_grad(|| net.forward(&batch));
            let many = dist::log_softmax(&logp).exp().multinomial(200, true);
            let acts: Vec<i64> = Vec::<i64>::try_from(many.get(0)).unwrap();
            for a in &acts {
                assert!(e.observation().mask[*a as usize], "sampled masked action {a}");
            }
            e.step(acts[0] as usize).unwrap();
        }
    }
}

#[test]
fn distribution_helpers_are_consistent() {
    let logits = Tensor::from_slice(&[0.0f32, 1.0, MASKED_LOGIT as f32, 2.0]).view([1, 4]);
    let ent = f64::try_from(dist::entropy(&logits).get(0)).unwrap();
    // Entropy of softmax(0,1,2) over three legal actions.
    let p: Vec<f64> =
        [0.0f64, 1.0, 2.0].iter().map(|x| x.exp() / (1.0 + 1f64.exp() + 2f64.exp())).collect();
    let h: f64 = -p.iter().map(|q| q * q.ln()).sum::<f64>();
    assert!((ent - h).abs() < 1e-5, "{ent} vs {h}");
    let lp = f64::try_from(dist::log_prob(&logits, &Tensor::from_slice(&[3i64])).get(0)).unwrap();
    assert!((lp - p[2].ln()).abs() < 1e-5);
    assert_eq!(i64::try_from(dist::greedy(&logits).get(0)).unwrap(), 3);
}

#[test]
fn checkpoint_round_trip_gives_identical_outputs() {
    let _rng = seeded(5);
    let e = env_for(4, 32);
    let cfg = ModelConfig { grid: 32, hidden: 8, gcn_layers: 2, ..Default::default() };
    let vs = nn::VarStore::new(Device::Cpu);
    let net = PolicyValueNet::new(&vs.root(), cfg);
    let dir = std::env::temp_dir().join(format!("chipfloor-gnn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("policy.safetensors");
    save(&vs, cfg, &path).unwrap();
    let (_vs2, net2) = load(&path, Device::Cpu).unwrap();
    assert_eq!(net2.config(), cfg);
    let batch = build(&[StepView::of(e.graph(), e.observation())], Device::Cpu);
    let (a, va) = net.forward(&batch);
    let (b, vb) = net2.forward(&batch);
    assert!(bool::try_from(a.eq_tensor(&b).all()).unwrap());
    assert!(bool::try_from(va.eq_tensor(&vb).all()).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn default_model_has_ct_parameter_count() {
    let _rng = TORCH_RNG.lock().unwrap_or_else(|e| e.into_inner()); // initialisation draws
    let vs = nn::VarStore::new(Device::Cpu);
    let _net = PolicyValueNet::new(&vs.root(), ModelConfig::default());
    let n: i64 = vs.trainable_variables().iter().map(|t| t.numel() as i64).sum();
    // CIRCUIT_TRAINING.md §5.6: about 125.8 k parameters.
    assert!((125_000..=126_500).contains(&n), "{n} parameters");
    let _ = Kind::Float;
}

#[test]
fn config_line_round_trips_and_old_lines_mean_plain_relu() {
    let c = ModelConfig { grid: 32, head_leak: 0.05, ..Default::default() };
    assert_eq!(ModelConfig::from_line(&c.to_line()).unwrap(), c);
    // A line written before head_leak existed: Circuit Training's plain ReLU.
    let old = ModelConfig::from_line("hidden=8 gcn_layers=3 grid=128").unwrap();
    assert_eq!(old.head_leak, 0.0);
    assert_eq!(ModelConfig::default().head_leak, gnn::model::DEFAULT_HEAD_LEAK);
    assert!(ModelConfig::from_line("hidden=8 gcn_layers=3 grid=128 head_leak=1.5").is_err());
    assert!(ModelConfig::from_line("hidden=8 gcn_layers=3 grid=128 head_leak=x").is_err());
}

/// The wirelength map: an untrained network ignores it (zero gain; the other variables are
/// initialised as without it), and with gain `g` the legal log-probabilities shift by
/// `−g · WIRE_SCALE · wire` up to a constant.
#[test]
fn wire_map_bias_starts_at_zero_and_shifts_logits_by_the_map() {
    let e = env_for(5, 32);
    let obs = e.observation();
    assert!(obs.wire.iter().any(|&q| q > 0), "the map should not be flat");
    let batch = build(&[StepView::of(e.graph(), obs)], Device::Cpu);
    let _rng = TORCH_RNG.lock().unwrap_or_else(|e| e.into_inner());
    let mk = |wire_map: bool| {
        tch::manual_seed(17);
        let vs = nn::VarStore::new(Device::Cpu);
        let net = PolicyValueNet::new(
            &vs.root(),
            ModelConfig { grid: 32, wire_map, ..Default::default() },
        );
        (vs, net)
    };
    let (_vs0, plain) = mk(false);
    let (vs1, wired) = mk(true);
    let (l0, v0) = plain.forward(&batch);
    let (l1, v1) = wired.forward(&batch);
    assert!(bool::try_from(l0.eq_tensor(&l1).all()).unwrap(), "untrained outputs differ");
    assert!(bool::try_from(v0.eq_tensor(&v1).all()).unwrap());
    let g = 0.5;
    tch::no_grad(|| {
        let vars = vs1.variables();
        let _ = vars["wire_gain.bias"].shallow_clone().fill_(g);
    });
    let (l2, _) = wired.forward(&batch);
    let a: Vec<f32> = Vec::<f32>::try_from(l0.get(0)).unwrap();
    let b: Vec<f32> = Vec::<f32>::try_from(l2.get(0)).unwrap();
    let legal: Vec<usize> =
        obs.mask.iter().enumerate().filter(|(_, &ok)| ok).map(|(i, _)| i).collect();
    let shift = |i: usize| {
        (b[i] - a[i]) as f64 + g * gnn::model::WIRE_SCALE * f64::from(obs.wire[i]) / 255.0
    };
    let c = shift(legal[0]);
    for &i in &legal {
        assert!((shift(i) - c).abs() < 1e-4, "cell {i}: {} vs {c}", shift(i));
    }
    // Old config lines have no wire map.
    assert!(
        !ModelConfig::from_line("hidden=8 gcn_layers=3 grid=128 head_leak=0.01").unwrap().wire_map
    );
    let w = ModelConfig { grid: 32, wire_map: true, ..Default::default() };
    assert_eq!(ModelConfig::from_line(&w.to_line()).unwrap(), w);
}
