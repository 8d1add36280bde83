//! Times the policy/value network on one generated netlist: a no-grad forward of a rollout
//! batch and a forward + backward of a PPO minibatch.
//!
//! `cargo run --release -p training --example bench_model -- [GRID] [MINIBATCH] [ROLLOUT_BATCH] [THREADS]`
//! (defaults 128 128 16 1).

use std::sync::Arc;
use std::time::Instant;

use env::PlacementEnv;
use gnn::batch::{build, StepView};
use gnn::model::dist;
use gnn::{ModelConfig, PolicyValueNet};
use netlists::generate::{generate, GenConfig};
use placer::cost::{CostOverrides, CostParams};
use tch::{nn, Device, Kind};
use training::config::{SoftMode, TrainConfig};

fn arg(i: usize, d: i64) -> i64 {
    std::env::args().nth(i).and_then(|s| s.parse().ok()).unwrap_or(d)
}

#[allow(clippy::print_stdout)]
fn main() {
    let (grid, mb, rb, threads) =
        (arg(1, 128), arg(2, 128) as usize, arg(3, 16) as usize, arg(4, 1));
    tch::set_num_threads(threads as i32);
    let (nl, init) = generate(&GenConfig::default()).expect("generate");
    let params = CostParams::resolve(&nl, None, &CostOverrides::default()).expect("params");
    let mut tc = TrainConfig { soft: SoftMode::Keep, ..TrainConfig::default() };
    tc.model.grid = grid;
    let env = PlacementEnv::new(Arc::new(nl), init, params, tc.env_config()).expect("env");
    let vs = nn::VarStore::new(Device::Cpu);
    let net = PolicyValueNet::new(&vs.root(), ModelConfig { grid, ..Default::default() });
    let view = StepView::of(env.graph(), env.observation());
    let time = |n: usize, f: &mut dyn FnMut()| {
        f();
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        t.elapsed().as_secs_f64() / n as f64
    };
    let views = vec![view; rb];
    let fwd = time(5, &mut || {
        let b = build(&views, Device::Cpu);
        let _ = tch::no_grad(|| net.forward(&b));
    });
    let views = vec![view; mb];
    let upd = time(3, &mut || {
        let b = build(&views, Device::Cpu);
        let (logp, v) = net.forward(&b);
        let ls = dist::log_softmax(&logp);
        let loss = -(ls.exp() * &ls).sum(Kind::Float) + v.sum(Kind::Float);
        loss.backward();
    });
    println!(
        "grid {grid} nodes {} edges {} threads {threads}: rollout forward B={rb} {:.1} ms, minibatch forward+backward B={mb} {:.1} ms",
        env.graph().num_nodes(),
        env.graph().num_edges(),
        fwd * 1e3,
        upd * 1e3
    );
}
