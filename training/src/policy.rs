//! Placing a netlist with a trained policy: zero-shot (one greedy episode with a checkpoint's
//! weights) or after fine-tuning on the netlist within a time budget.
//!
//! A greedy episode picks the most likely legal cell for each hard macro in turn; the
//! environment then places the soft macros (force-directed by default) and evaluates the
//! result, so the returned costs are of the complete placement.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use env::PlacementEnv;
use gnn::PolicyValueNet;
use netlists::{Netlist, Placement};
use placer::cost::{CostBreakdown, CostParams, CostWeights};
use placer::pipeline::{cd_stage, finish, PipelineConfig, PipelineResult, StageReport};
use placer::place::{Budget, PlaceError, Progress, ProgressSink};
use serde_json::json;
use tch::Device;

use crate::checkpoint::resolve_model;
use crate::config::{ModelSpec, SoftMode, TrainConfig};
use crate::rollout::greedy_episodes;
use crate::trainer::{TrainNetlist, Trainer};
use crate::TrainError;

/// Settings of [`place_with_policy`] besides the checkpoint and the netlist.
#[derive(Clone, Debug)]
pub struct PolicyPlaceConfig {
    /// Fine-tune on the netlist for this long before the final greedy episode (`None`:
    /// zero-shot).
    pub finetune_budget: Option<Duration>,
    /// Where the network runs.
    pub device: Device,
    /// Seed of the fine-tuning run.
    pub seed: u64,
    /// Soft-macro placement at the end of episodes.
    pub soft: SoftMode,
    /// Episodes per fine-tuning iteration.
    pub episodes_per_iteration: usize,
    /// Fine-tune with a fresh optimiser (`true`) or the checkpoint's `adam.safetensors` when
    /// it has one.
    pub fresh_optimizer: bool,
    /// Fine-tuning learning rate (constant; default 3e-4).
    pub learning_rate: f64,
    /// Fine-tuning entropy bonus (default 0.02).
    pub entropy_coef: f64,
}

impl Default for PolicyPlaceConfig {
    fn default() -> Self {
        PolicyPlaceConfig {
            finetune_budget: None,
            device: gnn::default_device(),
            seed: 1,
            soft: SoftMode::Fd,
            episodes_per_iteration: 16,
            fresh_optimizer: true,
            // The settings of the documented fine-tuning experiment (`docs/learning`,
            // session 3: −17.4 % zero-shot → −21.8 % after 300 CPU-s); lr 1e-3 wobbled.
            learning_rate: 3e-4,
            entropy_coef: 0.02,
        }
    }
}

/// A placement produced by a policy.
#[derive(Clone, Debug)]
pub struct PolicyPlacement {
    /// The complete placement (hard macros from the policy, soft macros from the
    /// environment's soft placement).
    pub placement: Placement,
    /// Its costs.
    pub costs: CostBreakdown,
    /// The episode reward (`−proxy` at the reward weights, default 1/0.5/0.5).
    pub reward: f64,
    /// Fine-tuning iterations run (0 for zero-shot).
    pub finetune_iterations: u64,
    /// Iteration after which the returned placement's greedy episode was played (0: the
    /// checkpoint's weights).
    pub chosen_after_iteration: u64,
}

/// Loads a policy from a model file, a checkpoint folder or a run directory (its newest
/// checkpoint).
pub fn load_policy(
    path: &Path,
    device: Device,
) -> Result<(tch::nn::VarStore, PolicyValueNet), TrainError> {
    let model = resolve_model(path)?;
    gnn::model::load(&model, device).map_err(|e| TrainError::Checkpoint(e.to_string()))
}

/// One greedy episode of `net` in `env` (reset first). Errors when it runs out of legal
/// cells.
pub fn greedy_placement(
    net: &PolicyValueNet,
    device: Device,
    env: &mut PlacementEnv,
    name: &str,
) -> Result<(Placement, CostBreakdown, f64), TrainError> {
    let names = [name.to_string()];
    let mut envs = [env.clone()];
    let end = greedy_episodes(net, device, &mut envs, &[0], &names)?.remove(0);
    *env = envs[0].clone();
    match end.costs {
        Some(c) if !end.infeasible => Ok((env.placement().clone(), c, end.reward)),
        _ => Err(TrainError::Infeasible {
            netlist: name.into(),
            steps: end.steps,
            total: env.episode_len(),
        }),
    }
}

/// Places `nl` with the policy at `checkpoint`, zero-shot or after fine-tuning for
/// `finetune_budget` (all other settings default: device `auto`, seed 1, force-directed soft
/// macros).
pub fn place_with_policy(
    checkpoint: &Path,
    nl: Arc<Netlist>,
    init: Placement,
    params: CostParams,
    finetune_budget: Option<Duration>,
) -> Result<PolicyPlacement, TrainError> {
    let cfg = PolicyPlaceConfig { finetune_budget, ..PolicyPlaceConfig::default() };
    place_with_policy_cfg(checkpoint, nl, init, params, &cfg)
}

/// [`place_with_policy`] with every setting. With fine-tuning, the greedy placement is taken
/// after every fine-tuning iteration and the best (highest reward) one is returned, the
/// zero-shot one included.
pub fn place_with_policy_cfg(
    checkpoint: &Path,
    nl: Arc<Netlist>,
    init: Placement,
    params: CostParams,
    cfg: &PolicyPlaceConfig,
) -> Result<PolicyPlacement, TrainError> {
    let model = resolve_model(checkpoint)?;
    let (_vs, net) =
        gnn::model::load(&model, cfg.device).map_err(|e| TrainError::Checkpoint(e.to_string()))?;
    let tcfg = TrainConfig {
        seed: cfg.seed,
        // Fine-tuning runs until the budget is spent: an effectively constant learning rate,
        // as CT's unbounded runs.
        iterations: u64::MAX,
        model: ModelSpec::from(net.config()),
        soft: cfg.soft,
        eval_every: 0,
        ppo: crate::config::PpoConfig {
            episodes_per_iteration: cfg.episodes_per_iteration,
            learning_rate: cfg.learning_rate,
            entropy_coef: cfg.entropy_coef,
            ..Default::default()
        },
        ..TrainConfig::default()
    };
    let name = "netlist".to_string();
    let mut env = PlacementEnv::new(nl.clone(), init.clone(), params, tcfg.env_config())
        .map_err(|source| TrainError::Env { netlist: name.clone(), source })?;
    let zero = greedy_placement(&net, cfg.device, &mut env, &name);
    let Some(budget) = cfg.finetune_budget else {
        let (placement, costs, reward) = zero?;
        return Ok(PolicyPlacement {
            placement,
            costs,
            reward,
            finetune_iterations: 0,
            chosen_after_iteration: 0,
        });
    };
    let start = Instant::now();
    let mut best: Option<PolicyPlacement> =
        zero.ok().map(|(placement, costs, reward)| PolicyPlacement {
            placement,
            costs,
            reward,
            finetune_iterations: 0,
            chosen_after_iteration: 0,
        });
    let tn = TrainNetlist {
        name: name.clone(),
        source: json!({"kind": "place_with_policy"}),
        netlist: nl,
        init,
        params,
    };
    let mut trainer = Trainer::new(tcfg, vec![tn], cfg.device, None)?;
    trainer.load_model(&model)?;
    let adam = model.with_file_name("adam.safetensors");
    if !cfg.fresh_optimizer && adam.is_file() {
        trainer.load_optimizer(&adam)?;
    }
    while start.elapsed() < budget {
        trainer.iterate()?;
        let it = trainer.iteration();
        if let Ok((p, end)) = trainer.greedy_placement(0) {
            if let Some(c) = end.costs.filter(|_| !end.infeasible) {
                if best.as_ref().is_none_or(|b| end.reward > b.reward) {
                    best = Some(PolicyPlacement {
                        placement: p,
                        costs: c,
                        reward: end.reward,
                        finetune_iterations: it,
                        chosen_after_iteration: it,
                    });
                }
            }
        }
    }
    let iterations = trainer.iteration();
    let mut best = best.ok_or_else(|| TrainError::Infeasible {
        netlist: name,
        steps: 0,
        total: trainer.episode_len(0),
    })?;
    best.finetune_iterations = iterations;
    Ok(best)
}

/// Settings of [`place_rl`].
#[derive(Clone, Debug)]
pub struct RlPlaceConfig<'a> {
    /// The policy: a model file, checkpoint folder or run directory.
    pub checkpoint: &'a Path,
    /// Fine-tuning budget (`None`: zero-shot), and again the budget of coordinate descent.
    pub time_budget: Option<Duration>,
    /// Seed of fine-tuning and coordinate descent.
    pub seed: u64,
    /// Force-directed soft macros at the end of episodes (else kept where they are).
    pub fd: bool,
    /// Coordinate descent after the policy.
    pub cd: bool,
    /// Checked after the policy (fine-tuning itself cannot be interrupted) and by coordinate
    /// descent.
    pub cancel: Option<Arc<AtomicBool>>,
}

/// Why [`place_rl`] gave no placement.
#[derive(Debug, thiserror::Error)]
pub enum RlPlaceError {
    /// Loading, fine-tuning or running the policy failed.
    #[error(transparent)]
    Policy(TrainError),
    /// Coordinate descent or the evaluation after the policy failed.
    #[error(transparent)]
    Place(#[from] PlaceError),
    /// The cancel flag was set.
    #[error("cancelled")]
    Cancelled,
}

/// The `rl` method in the pipeline's result form: a greedy episode of a trained policy
/// (zero-shot, or after fine-tuning for the time budget), optional coordinate descent, then
/// evaluation and legality. Reports the `rl` stage to `progress` at its start and end.
pub fn place_rl(
    nl: &Netlist,
    init: &Placement,
    params: &CostParams,
    o: &RlPlaceConfig<'_>,
    progress: &dyn ProgressSink,
) -> Result<PipelineResult, RlPlaceError> {
    let t0 = Instant::now();
    let report = |fraction: f64, best_cost: f64| {
        progress.report(&Progress {
            stage: "rl".into(),
            fraction,
            best_cost,
            moves: 0,
            moves_per_sec: 0.0,
            elapsed: t0.elapsed(),
        });
    };
    let cancelled = || o.cancel.as_ref().is_some_and(|c| c.load(Ordering::SeqCst));
    report(0.0, f64::NAN);
    let cfg = PolicyPlaceConfig {
        finetune_budget: o.time_budget,
        seed: o.seed,
        soft: if o.fd { SoftMode::Fd } else { SoftMode::Keep },
        ..Default::default()
    };
    let r = place_with_policy_cfg(o.checkpoint, Arc::new(nl.clone()), init.clone(), *params, &cfg)
        .map_err(RlPlaceError::Policy)?;
    report(1.0, r.costs.proxy(CostWeights::STANDARD[0]));
    let mut stages = vec![StageReport {
        name: "rl".into(),
        seconds: t0.elapsed().as_secs_f64(),
        stats: vec![
            ("finetune_iterations".into(), r.finetune_iterations as f64),
            ("chosen_after_iteration".into(), r.chosen_after_iteration as f64),
            ("reward".into(), r.reward),
            ("soft_macros_fd".into(), f64::from(u8::from(o.fd))),
        ],
    }];
    if cancelled() {
        return Err(RlPlaceError::Cancelled);
    }
    let mut pl = r.placement;
    if o.cd {
        let budget = Budget { time: o.time_budget, cancel: o.cancel.clone() };
        let cd_cfg = PipelineConfig::default().cd_config;
        let seed = crate::seed::derive(o.seed, "cd");
        stages.push(cd_stage(nl, &mut pl, params, &cd_cfg, seed, &budget, progress)?);
    }
    Ok(finish(nl, pl, params, stages, t0)?)
}
