//! Episode semantics: masks, action mapping, rewards, infeasibility, legality.

use std::sync::Arc;

use env::{EnvConfig, EnvError, PlacementEnv, SoftPlacement, VecEnv};
use netlists::generate::{generate, GenConfig};
use placer::cost::{evaluate, CostOverrides, CostParams};
use placer::legality;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn small_env(seed: u64, soft: SoftPlacement) -> PlacementEnv {
    let cfg = GenConfig {
        seed,
        hard_macros: 8,
        soft_macros: 10,
        ports: 8,
        nets: 80,
        ..Default::default()
    };
    let (nl, pl) = generate(&cfg).unwrap();
    let params = CostParams::resolve(&nl, None, &CostOverrides::default()).unwrap();
    PlacementEnv::new(
        Arc::new(nl),
        pl,
        params,
        EnvConfig { soft_placement: soft, ..Default::default() },
    )
    .unwrap()
}

/// Plays an episode with uniformly random legal actions.
fn play(env: &mut PlacementEnv, rng: &mut ChaCha8Rng) -> env::StepResult {
    env.reset();
    loop {
        let legal: Vec<usize> =
            env.observation().mask.iter().enumerate().filter(|(_, &b)| b).map(|(a, _)| a).collect();
        assert!(!legal.is_empty());
        let a = legal[rng.gen_range(0..legal.len())];
        let r = env.step(a).unwrap();
        if r.done {
            return r;
        }
        assert_eq!(r.reward, 0.0);
    }
}

#[test]
fn random_legal_episodes_end_legal_with_minus_proxy_reward() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for seed in 1..6 {
        let mut env = small_env(seed, SoftPlacement::KeepInitial);
        let r = play(&mut env, &mut rng);
        let info = r.info.unwrap();
        assert!(!info.infeasible);
        assert_eq!(info.steps, env.episode_len());
        let nl = env.netlist().clone();
        let p = env.params();
        let legal = legality::check(&nl, env.placement(), p.canvas_width, p.canvas_height);
        assert!(legal.is_legal(), "{legal:?}");
        let costs = evaluate(&nl, env.placement(), p).unwrap();
        assert_eq!(r.reward, -costs.proxy(env.config().cost_weights));
        // Every hard macro sits on a cell centre.
        for &m in env.order() {
            let (x, y) = (env.placement().x[m.index()], env.placement().y[m.index()]);
            let gw = p.canvas_width / p.cols as f64;
            let gh = p.canvas_height / p.rows as f64;
            assert!(((x / gw) - 0.5).fract().abs() < 1e-9 && ((y / gh) - 0.5).fract().abs() < 1e-9);
        }
        assert!(matches!(env.step(0), Err(EnvError::EpisodeDone)));
    }
}

#[test]
fn masked_actions_are_rejected_and_padding_is_never_legal() {
    let mut env = small_env(2, SoftPlacement::KeepInitial);
    let g = env.max_grid();
    let mask = env.observation().mask.clone();
    assert_eq!(mask.len(), g * g);
    for (a, &ok) in mask.iter().enumerate() {
        if ok {
            let cell = env.action_to_cell(a).expect("legal action names a cell");
            assert_eq!(env.cell_to_action(cell), a);
        }
    }
    assert!(!mask[0], "corner padding must be masked (grid 16x16 in 128x128)");
    let bad = mask.iter().position(|&b| !b).unwrap();
    assert_eq!(env.step(bad), Err(EnvError::IllegalAction(bad)));
    assert_eq!(env.step(g * g + 5), Err(EnvError::IllegalAction(g * g + 5)));
    // 16x16 grid in 128: 56 padding rows and columns before.
    assert_eq!(env.action_to_cell(56 * g + 56), Some(0));
    assert_eq!(env.action_to_cell(55 * g + 56), None);
}

#[test]
fn no_legal_cell_left_ends_the_episode_as_infeasible() {
    // Hard macros covering ~90% of the canvas on a coarse grid cannot all be placed on cell
    // centres.
    let cfg = GenConfig {
        seed: 3,
        hard_macros: 6,
        hard_utilization: 0.7,
        soft_utilization: 0.1,
        hard_area_spread: 1.0,
        max_aspect: 1.0,
        grid: (3, 3),
        ..Default::default()
    };
    let (nl, pl) = generate(&cfg).unwrap();
    let params = CostParams::resolve(&nl, None, &CostOverrides::default()).unwrap();
    let mut env = PlacementEnv::new(Arc::new(nl), pl, params, EnvConfig::default()).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let r = play(&mut env, &mut rng);
    let info = r.info.unwrap();
    assert!(info.infeasible, "{info:?}");
    assert_eq!(r.reward, -4.0);
    assert!(info.steps < env.episode_len());
    assert!(env.observation().mask.iter().all(|&b| !b));
}

#[test]
fn force_directed_soft_placement_at_the_end() {
    let mut env = small_env(4, SoftPlacement::ForceDirected(Default::default()));
    let before = env.placement().clone();
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let r = play(&mut env, &mut rng);
    assert!(r.done && !r.info.as_ref().unwrap().infeasible);
    let nl = env.netlist().clone();
    let moved = nl
        .soft_macros()
        .iter()
        .filter(|m| env.placement().x[m.index()] != before.x[m.index()])
        .count();
    assert!(moved > 0, "FD should move soft macros");
    let costs = evaluate(&nl, env.placement(), env.params()).unwrap();
    assert_eq!(r.reward, -costs.proxy(env.config().cost_weights));
}

#[test]
fn vector_of_envs_steps_in_parallel_like_sequential() {
    let envs: Vec<_> = (1..5).map(|s| small_env(s, SoftPlacement::KeepInitial)).collect();
    let mut seq = envs.clone();
    let mut vec = VecEnv::new(envs);
    while !vec.all_done() {
        // The first legal action of each env.
        let actions: Vec<usize> = vec
            .observations()
            .iter()
            .map(|o| o.mask.iter().position(|&b| b).unwrap_or(0))
            .collect();
        let res = vec.step(&actions);
        for (k, r) in res.into_iter().enumerate() {
            if let Some(r) = r {
                assert_eq!(r.unwrap(), seq[k].step(actions[k]).unwrap());
            }
        }
    }
    for (k, e) in vec.envs.iter().enumerate() {
        assert_eq!(e.placement(), seq[k].placement());
    }
}

#[test]
fn observation_features_follow_ct_conventions() {
    let env = small_env(6, SoftPlacement::KeepInitial);
    let o = env.observation();
    let g = env.graph();
    assert_eq!(o.locations_x.len(), g.num_nodes());
    // Port clusters are placed from the start; unplaced hard macros are not.
    for (k, t) in g.node_types.iter().enumerate() {
        match t {
            env::GraphNodeType::PortCluster => assert_eq!(o.is_node_placed[k], 1.0),
            env::GraphNodeType::HardMacro => assert_eq!(o.is_node_placed[k], 0.0),
            env::GraphNodeType::SoftMacro => {}
        }
    }
    let first = env.order()[0];
    assert_eq!(o.current_node, g.graph_index[first.index()] as usize);
}

/// The wirelength map orders the legal cells as a direct computation does: for the macro to
/// place, `Σ w · HPWL` over its nets with its pins at the cell (orientation kept) and the pins
/// of ports, soft macros, fixed and already placed hard macros; 0 at the best legal cell, 255
/// at the worst, 0 on illegal cells.
#[test]
fn wire_map_orders_legal_cells_by_direct_hpwl() {
    use netlists::NodeKind;
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    for seed in 1..4 {
        let mut env = small_env(seed, SoftPlacement::KeepInitial);
        env.reset();
        let g = env.max_grid();
        for _ in 0..env.episode_len() {
            let obs = env.observation().clone();
            assert_eq!(obs.wire.len(), g * g);
            let nl = env.netlist().clone();
            let m = env.order()[env.steps_taken()];
            let legal: Vec<usize> =
                obs.mask.iter().enumerate().filter(|(_, &b)| b).map(|(a, _)| a).collect();
            for (a, &ok) in obs.mask.iter().enumerate() {
                if !ok {
                    assert_eq!(obs.wire[a], 0, "illegal cell {a} has a wire value");
                }
            }
            // Direct: the macro's nets, its pins at the candidate centre.
            let direct = |a: usize| -> f64 {
                let mut pl = env.placement().clone();
                let (x, y) = env.grid().centre(env.action_to_cell(a).unwrap());
                pl.x[m.index()] = x;
                pl.y[m.index()] = y;
                let mut total = 0.0;
                for k in 0..nl.nets.len() {
                    let s = &nl.nets.sinks
                        [nl.nets.sink_start[k] as usize..nl.nets.sink_start[k + 1] as usize];
                    let pins: Vec<_> =
                        std::iter::once(nl.nets.driver[k]).chain(s.iter().copied()).collect();
                    let anchor = |j: netlists::NodeId| nl.owner[j.index()].unwrap_or(j);
                    if !pins.iter().any(|&j| anchor(j) == m) {
                        continue;
                    }
                    let counted: Vec<_> = pins
                        .iter()
                        .filter(|&&j| {
                            let a = anchor(j);
                            a == m
                                || nl.kind(a) != NodeKind::HardMacro
                                || pl.fixed[a.index()]
                                || pl.placed[a.index()]
                        })
                        .map(|&j| pl.pin_position(&nl, j))
                        .collect();
                    let (x0, x1) = counted
                        .iter()
                        .fold((f64::MAX, f64::MIN), |b, p| (b.0.min(p.0), b.1.max(p.0)));
                    let (y0, y1) = counted
                        .iter()
                        .fold((f64::MAX, f64::MIN), |b, p| (b.0.min(p.1), b.1.max(p.1)));
                    total += nl.nets.weight[k] * ((x1 - x0) + (y1 - y0));
                }
                total
            };
            let d: Vec<f64> = legal.iter().map(|&a| direct(a)).collect();
            let (lo, hi) = d.iter().fold((f64::MAX, f64::MIN), |b, &v| (b.0.min(v), b.1.max(v)));
            for (&a, &v) in legal.iter().zip(&d) {
                let want = if hi > lo { ((v - lo) / (hi - lo) * 255.0).round() as i32 } else { 0 };
                assert!(
                    (obs.wire[a] as i32 - want).abs() <= 1,
                    "seed {seed} cell {a}: map {} direct {want}",
                    obs.wire[a]
                );
            }
            let a = legal[rng.gen_range(0..legal.len())];
            if env.step(a).unwrap().done {
                break;
            }
        }
    }
}
