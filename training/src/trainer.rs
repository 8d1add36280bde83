//! The training loop: collect → PPO update → (evaluate) → metrics line → checkpoint.
//!
//! A [`Trainer`] holds one environment per episode slot (`episodes_per_iteration` of them,
//! split evenly over the netlists: CT-style pretraining with one shared model), the network,
//! the optimiser and two random streams (action sampling, minibatch order). Everything that
//! influences the next iteration is in the checkpoint, so [`Trainer::resume`] continues
//! exactly: with the same seed, device and thread count, a resumed run's metrics equal an
//! uninterrupted run's except for the `timing` object.
//!
//! Determinism notes: model initialisation uses libtorch's global generator, seeded from the
//! run seed under a process-wide lock (libtorch has one generator per process); all later
//! randomness is ours (ChaCha8). CPU kernels are deterministic for a fixed thread count; CUDA
//! kernels (scatter-add in the graph convolution) need not be, so GPU runs are repeatable only
//! up to floating-point noise.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use env::{PlacementEnv, VecEnv};
use gnn::batch::{build, StepView};
use gnn::model::dist;
use gnn::{ModelConfig, PolicyValueNet};
use netlists::{plc, Netlist, Placement};
use placer::cost::{CostBreakdown, CostParams, CostWeights};
use rand::seq::SliceRandom;
use serde_json::{json, Map, Value};
use tch::{nn, Device, Kind, Tensor};

use crate::adam::{Adam, AdamConfig};
use crate::checkpoint::{self, CheckpointState, NetlistEntry, Totals, STATE_FORMAT};
use crate::config::TrainConfig;
use crate::metrics;
use crate::ppo::{cosine_lr, minibatch_sizes, ppo_loss, LossInputs};
use crate::rollout::{collect, greedy_episodes, unpack_mask, EpisodeRecord, Rollout};
use crate::seed::{self, Stream};
use crate::TrainError;

/// libtorch has one global generator: model initialisation (seed + draw) holds this lock.
static TORCH_INIT: Mutex<()> = Mutex::new(());

/// A netlist to train on.
#[derive(Clone, Debug)]
pub struct TrainNetlist {
    /// Name (unique in the run; used in metrics and file names).
    pub name: String,
    /// Where it came from (recorded in checkpoints; a resumed run must be given the same).
    pub source: Value,
    /// The netlist.
    pub netlist: Arc<Netlist>,
    /// Initial placement: ports, fixed macros and the soft macros' starting positions.
    pub init: Placement,
    /// Cost parameters.
    pub params: CostParams,
}

/// When [`Trainer::run`] stops.
#[derive(Clone, Copy, Debug, Default)]
pub struct StopCondition {
    /// Stop after the iteration during which this much time (in this session) has passed.
    pub time_limit: Option<std::time::Duration>,
    /// Stop after the iteration during which this process has used this much CPU time (all
    /// threads, in this session; see [`process_cpu_time`]): a budget that a busy machine
    /// does not shrink.
    pub cpu_time_limit: Option<std::time::Duration>,
}

impl StopCondition {
    fn reached(&self, start: Instant, cpu_start: Option<std::time::Duration>) -> bool {
        let wall = self.time_limit.is_some_and(|l| start.elapsed() >= l);
        let cpu = match (self.cpu_time_limit, cpu_start, process_cpu_time()) {
            (Some(l), Some(c0), Some(c)) => c.saturating_sub(c0) >= l,
            _ => false,
        };
        wall || cpu
    }
}

pub use placer::place::process_cpu_time;

/// The three cost components and HPWL (means, or one placement's).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Costs {
    /// Wirelength cost.
    pub wirelength_cost: f64,
    /// Density cost.
    pub density_cost: f64,
    /// Congestion cost.
    pub congestion_cost: f64,
    /// Weighted HPWL (µm).
    pub hpwl_um: f64,
}

impl Costs {
    /// The components of a cost evaluation.
    pub fn of(c: &CostBreakdown) -> Costs {
        Costs {
            wirelength_cost: c.wirelength_cost,
            density_cost: c.density_cost,
            congestion_cost: c.congestion_cost,
            hpwl_um: c.hpwl,
        }
    }
    /// The mean of several (None when empty).
    pub fn mean<'a>(it: impl IntoIterator<Item = &'a CostBreakdown>) -> Option<Costs> {
        let mut s =
            Costs { wirelength_cost: 0.0, density_cost: 0.0, congestion_cost: 0.0, hpwl_um: 0.0 };
        let mut n = 0usize;
        for c in it {
            s.wirelength_cost += c.wirelength_cost;
            s.density_cost += c.density_cost;
            s.congestion_cost += c.congestion_cost;
            s.hpwl_um += c.hpwl;
            n += 1;
        }
        (n > 0).then(|| {
            let k = n as f64;
            Costs {
                wirelength_cost: s.wirelength_cost / k,
                density_cost: s.density_cost / k,
                congestion_cost: s.congestion_cost / k,
                hpwl_um: s.hpwl_um / k,
            }
        })
    }
    /// `w.wl·wl + w.den·den + w.cong·cong`.
    pub fn proxy(&self, w: CostWeights) -> f64 {
        w.wl * self.wirelength_cost + w.den * self.density_cost + w.cong * self.congestion_cost
    }
    /// The components, HPWL and the proxy at both standard weights (and at `extra` when it is
    /// not one of them), with explicit keys.
    pub fn json(&self, extra: Option<CostWeights>) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("wirelength_cost".into(), json!(self.wirelength_cost));
        m.insert("density_cost".into(), json!(self.density_cost));
        m.insert("congestion_cost".into(), json!(self.congestion_cost));
        m.insert("hpwl_um".into(), json!(self.hpwl_um));
        for w in CostWeights::STANDARD.into_iter().chain(extra) {
            m.insert(w.to_string(), json!(self.proxy(w)));
        }
        m
    }
}

fn costs_or_null(c: &Option<Costs>, extra: CostWeights) -> Value {
    match c {
        Some(c) => Value::Object(c.json(Some(extra))),
        None => Value::Null,
    }
}

/// A greedy-policy evaluation of one netlist.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalRecord {
    /// Updates the evaluated weights had seen, in iterations (0: the untrained policy).
    pub policy_iteration: u64,
    /// Netlist name.
    pub netlist: String,
    /// Reward of the greedy episode.
    pub reward: f64,
    /// The greedy episode ran out of legal cells.
    pub infeasible: bool,
    /// Macros placed.
    pub steps: usize,
    /// Costs of the greedy placement (after the soft-macro placement), when feasible.
    pub costs: Option<Costs>,
}

/// Per-netlist statistics of an iteration (pretraining).
#[derive(Clone, Debug, PartialEq)]
pub struct NetlistStats {
    /// Netlist name.
    pub netlist: String,
    /// Episodes.
    pub episodes: usize,
    /// Infeasible episodes.
    pub infeasible: usize,
    /// Mean reward.
    pub reward_mean: f64,
    /// Mean costs of the feasible episodes.
    pub costs: Option<Costs>,
}

/// Wall-clock measurements of an iteration.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Timing {
    /// Collecting episodes.
    pub rollout_s: f64,
    /// PPO update.
    pub update_s: f64,
    /// Greedy evaluation.
    pub eval_s: f64,
    /// The whole iteration (without its checkpoint, written after the metrics line).
    pub iteration_s: f64,
    /// Training time of the run so far.
    pub wall_s: f64,
}

/// What one iteration did (one line of `metrics.jsonl`).
#[derive(Clone, Debug, PartialEq)]
pub struct IterationMetrics {
    /// Iteration number (from 1).
    pub iteration: u64,
    /// Environment steps collected.
    pub env_steps: u64,
    /// Environment steps of the run so far.
    pub total_env_steps: u64,
    /// Episodes collected.
    pub episodes: usize,
    /// Episodes of the run so far.
    pub total_episodes: u64,
    /// Episodes that ran out of legal cells.
    pub infeasible: usize,
    /// Mean episode reward.
    pub reward_mean: f64,
    /// Lowest episode reward.
    pub reward_min: f64,
    /// Highest episode reward.
    pub reward_max: f64,
    /// Mean costs of the feasible episodes.
    pub costs: Option<Costs>,
    /// Costs of the feasible episode with the highest reward.
    pub best_episode: Option<Costs>,
    /// Mean total loss over the updates.
    pub loss_total: f64,
    /// Mean clipped-surrogate loss.
    pub loss_policy: f64,
    /// Mean value loss `mean((R − V)²)`.
    pub loss_value: f64,
    /// Mean policy entropy.
    pub entropy: f64,
    /// Mean approximate KL(old‖new).
    pub approx_kl: f64,
    /// Mean fraction of clipped ratios.
    pub clip_fraction: f64,
    /// Mean global gradient norm before clipping.
    pub grad_norm: f64,
    /// Learning rate of the iteration's last update.
    pub lr: f64,
    /// Gradient updates.
    pub ppo_updates: u64,
    /// Gradient updates of the run so far.
    pub total_ppo_updates: u64,
    /// Per-netlist statistics (when there are several netlists).
    pub per_netlist: Vec<NetlistStats>,
    /// Greedy evaluations done in this iteration.
    pub eval: Vec<EvalRecord>,
    /// Reward weights.
    pub reward_weights: CostWeights,
    /// Wall-clock measurements.
    pub timing: Timing,
}

impl IterationMetrics {
    /// Environment steps per second of collection.
    pub fn env_steps_per_s(&self) -> f64 {
        self.env_steps as f64 / self.timing.rollout_s.max(1e-9)
    }
    /// Gradient updates per second of update time.
    pub fn ppo_updates_per_s(&self) -> f64 {
        self.ppo_updates as f64 / self.timing.update_s.max(1e-9)
    }
    /// Mean proxy of the feasible episodes at the reward weights.
    pub fn reward_proxy_mean(&self) -> Option<f64> {
        self.costs.map(|c| c.proxy(self.reward_weights))
    }

    /// The metrics line. Everything that depends on wall-clock time is inside `timing`.
    pub fn to_json(&self) -> Value {
        let w = self.reward_weights;
        let mut m = Map::new();
        m.insert("iteration".into(), json!(self.iteration));
        m.insert("env_steps".into(), json!(self.env_steps));
        m.insert("total_env_steps".into(), json!(self.total_env_steps));
        m.insert("episodes".into(), json!(self.episodes));
        m.insert("total_episodes".into(), json!(self.total_episodes));
        m.insert("infeasible_episodes".into(), json!(self.infeasible));
        m.insert("reward_weights".into(), json!(w.to_string()));
        m.insert("reward_mean".into(), json!(self.reward_mean));
        m.insert("reward_min".into(), json!(self.reward_min));
        m.insert("reward_max".into(), json!(self.reward_max));
        m.insert("costs_mean_of".into(), json!("feasible episodes"));
        match &self.costs {
            Some(c) => m.extend(c.json(Some(w))),
            None => {
                for k in ["wirelength_cost", "density_cost", "congestion_cost", "hpwl_um"] {
                    m.insert(k.into(), Value::Null);
                }
                for cw in CostWeights::STANDARD.into_iter().chain([w]) {
                    m.insert(cw.to_string(), Value::Null);
                }
            }
        }
        m.insert("best_episode".into(), costs_or_null(&self.best_episode, w));
        m.insert("loss_total".into(), json!(self.loss_total));
        m.insert("loss_policy".into(), json!(self.loss_policy));
        m.insert("loss_value".into(), json!(self.loss_value));
        m.insert("entropy".into(), json!(self.entropy));
        m.insert("approx_kl".into(), json!(self.approx_kl));
        m.insert("clip_fraction".into(), json!(self.clip_fraction));
        m.insert("grad_norm".into(), json!(self.grad_norm));
        m.insert("lr".into(), json!(self.lr));
        m.insert("ppo_updates".into(), json!(self.ppo_updates));
        m.insert("total_ppo_updates".into(), json!(self.total_ppo_updates));
        if !self.per_netlist.is_empty() {
            let v: Vec<Value> = self
                .per_netlist
                .iter()
                .map(|s| {
                    json!({
                        "netlist": s.netlist,
                        "episodes": s.episodes,
                        "infeasible_episodes": s.infeasible,
                        "reward_mean": s.reward_mean,
                        "costs": costs_or_null(&s.costs, w),
                    })
                })
                .collect();
            m.insert("per_netlist".into(), Value::Array(v));
        }
        if !self.eval.is_empty() {
            let v: Vec<Value> = self
                .eval
                .iter()
                .map(|e| {
                    json!({
                        "policy_iteration": e.policy_iteration,
                        "netlist": e.netlist,
                        "greedy_reward": e.reward,
                        "infeasible": e.infeasible,
                        "steps": e.steps,
                        "costs": costs_or_null(&e.costs, w),
                    })
                })
                .collect();
            m.insert("eval".into(), Value::Array(v));
        }
        let t = &self.timing;
        m.insert(
            "timing".into(),
            json!({
                "rollout_s": t.rollout_s,
                "update_s": t.update_s,
                "eval_s": t.eval_s,
                "iteration_s": t.iteration_s,
                "wall_s": t.wall_s,
                "env_steps_per_s": self.env_steps_per_s(),
                "ppo_updates_per_s": self.ppo_updates_per_s(),
            }),
        );
        Value::Object(m)
    }
}

/// Statistics of one PPO update phase.
#[derive(Clone, Copy, Debug, Default)]
struct UpdateStats {
    updates: u64,
    total: f64,
    policy: f64,
    value: f64,
    entropy: f64,
    kl: f64,
    clip_fraction: f64,
    grad_norm: f64,
    lr: f64,
}

/// The training state.
#[derive(Debug)]
pub struct Trainer {
    cfg: TrainConfig,
    names: Vec<String>,
    sources: Vec<Value>,
    protos: Vec<PlacementEnv>,
    venv: VecEnv,
    slot_netlist: Vec<usize>,
    device: Device,
    vs: nn::VarStore,
    net: PolicyValueNet,
    adam: Adam,
    collect_rng: Stream,
    shuffle_rng: Stream,
    iteration: u64,
    lr_step: u64,
    decay_steps: u64,
    totals: Totals,
    run_dir: Option<PathBuf>,
    session_start: Instant,
    wall_before: f64,
    best_eval: Option<(f64, u64)>,
}

impl Trainer {
    /// A fresh run. With `run_dir`, the folder is created (it must not hold checkpoints),
    /// `config.json` and the untrained checkpoint `iter_000000` are written, and
    /// `metrics.jsonl` is started empty.
    pub fn new(
        cfg: TrainConfig,
        netlists: Vec<TrainNetlist>,
        device: Device,
        run_dir: Option<&Path>,
    ) -> Result<Trainer, TrainError> {
        if let Some(d) = run_dir {
            if checkpoint::latest(d)?.is_some() {
                return Err(TrainError::RunDirInUse(d.to_path_buf()));
            }
        }
        let mut t = Trainer::build(cfg, netlists, device, run_dir)?;
        if let Some(d) = run_dir {
            std::fs::create_dir_all(d).map_err(|e| TrainError::io(d, e))?;
            checkpoint::clean_partial(d)?;
            let text = serde_json::to_string_pretty(&json!({
                "config": t.cfg,
                "netlists": t.netlist_entries(),
                "device": format!("{:?}", device),
            }))
            .map_err(|e| TrainError::Checkpoint(e.to_string()))?;
            checkpoint::write_atomic(&d.join("config.json"), format!("{text}\n").as_bytes())?;
            checkpoint::write_atomic(&metrics::path(d), b"")?;
            t.save_checkpoint()?;
        }
        Ok(t)
    }

    /// Resumes the run in `run_dir` from its newest complete checkpoint: the configuration,
    /// weights, optimiser state, random-stream positions and counters are restored, and
    /// `metrics.jsonl` is cut back to the checkpoint's iteration. `netlists` must be the ones
    /// the run was started with (same names and sources, same order). `iterations` extends
    /// (or shortens) the run; the cosine schedule is recomputed for the new length.
    pub fn resume(
        run_dir: &Path,
        netlists: Vec<TrainNetlist>,
        device: Device,
        iterations: Option<u64>,
    ) -> Result<Trainer, TrainError> {
        checkpoint::clean_partial(run_dir)?;
        let ck = checkpoint::latest(run_dir)?
            .ok_or_else(|| TrainError::NoCheckpoint(run_dir.to_path_buf()))?;
        let st = checkpoint::read_state(&ck)?;
        if st.netlists.len() != netlists.len() {
            return Err(TrainError::NetlistMismatch(format!(
                "the run has {} netlists, {} were given",
                st.netlists.len(),
                netlists.len()
            )));
        }
        for (a, b) in st.netlists.iter().zip(&netlists) {
            if a.name != b.name || a.source != b.source {
                return Err(TrainError::NetlistMismatch(format!(
                    "the run has `{}` ({}), given `{}` ({})",
                    a.name, a.source, b.name, b.source
                )));
            }
        }
        let mut cfg = st.config.clone();
        if let Some(n) = iterations {
            cfg.iterations = n;
        }
        let mut t = Trainer::build(cfg, netlists, device, Some(run_dir))?;
        t.load_model(&ck.join("model.safetensors"))?;
        t.adam.load(&ck.join("adam.safetensors"))?;
        t.collect_rng = Stream::restore(&st.collect_rng).map_err(TrainError::Checkpoint)?;
        t.shuffle_rng = Stream::restore(&st.shuffle_rng).map_err(TrainError::Checkpoint)?;
        t.iteration = st.iteration;
        t.lr_step = st.lr_step;
        t.totals = st.totals;
        t.wall_before = st.totals.wall_s;
        t.best_eval = st.best_eval;
        metrics::truncate(&metrics::path(run_dir), st.iteration)?;
        Ok(t)
    }

    /// The netlist entries recorded in checkpoints.
    fn netlist_entries(&self) -> Vec<NetlistEntry> {
        self.names
            .iter()
            .zip(&self.sources)
            .map(|(n, s)| NetlistEntry { name: n.clone(), source: s.clone() })
            .collect()
    }

    fn build(
        cfg: TrainConfig,
        netlists: Vec<TrainNetlist>,
        device: Device,
        run_dir: Option<&Path>,
    ) -> Result<Trainer, TrainError> {
        cfg.validate()?;
        if netlists.is_empty() {
            return Err(TrainError::Config("no netlist to train on".into()));
        }
        let k = netlists.len();
        let e = cfg.ppo.episodes_per_iteration;
        if e < k {
            return Err(TrainError::Config(format!(
                "ppo.episodes_per_iteration ({e}) must be at least the number of netlists ({k})"
            )));
        }
        let mut names: Vec<String> = Vec::with_capacity(k);
        for n in &netlists {
            if names.contains(&n.name) {
                return Err(TrainError::Config(format!("two netlists are named `{}`", n.name)));
            }
            names.push(n.name.clone());
        }
        let env_cfg = cfg.env_config();
        let mut protos = Vec::with_capacity(k);
        let mut sources = Vec::with_capacity(k);
        for n in netlists {
            let env = PlacementEnv::new(n.netlist, n.init, n.params, env_cfg.clone())
                .map_err(|source| TrainError::Env { netlist: n.name.clone(), source })?;
            protos.push(env);
            sources.push(n.source);
        }
        // Episode slots split evenly: netlist i gets e/k (+1 for the first e%k).
        let slot_netlist: Vec<usize> =
            (0..k).flat_map(|i| std::iter::repeat_n(i, e / k + usize::from(i < e % k))).collect();
        let venv = VecEnv::new(slot_netlist.iter().map(|&i| protos[i].clone()).collect());
        let nominal_steps: usize = slot_netlist.iter().map(|&i| protos[i].episode_len()).sum();
        let per_iter =
            (cfg.ppo.epochs * minibatch_sizes(nominal_steps, cfg.ppo.minibatch).len()) as u64;
        let decay_steps = cfg.iterations.saturating_mul(per_iter);
        let (vs, net) = {
            let _guard = TORCH_INIT.lock().unwrap_or_else(|p| p.into_inner());
            tch::manual_seed(seed::derive(cfg.seed, "model") as i64);
            let vs = nn::VarStore::new(device);
            let net = PolicyValueNet::new(&vs.root(), ModelConfig::from(cfg.model));
            (vs, net)
        };
        let adam = Adam::new(
            &vs,
            AdamConfig {
                beta1: cfg.ppo.adam_beta1,
                beta2: cfg.ppo.adam_beta2,
                eps: cfg.ppo.adam_eps,
            },
        );
        Ok(Trainer {
            collect_rng: Stream::new(cfg.seed, "collect"),
            shuffle_rng: Stream::new(cfg.seed, "shuffle"),
            cfg,
            names,
            sources,
            protos,
            venv,
            slot_netlist,
            device,
            vs,
            net,
            adam,
            iteration: 0,
            lr_step: 0,
            decay_steps,
            totals: Totals::default(),
            run_dir: run_dir.map(Path::to_path_buf),
            session_start: Instant::now(),
            wall_before: 0.0,
            best_eval: None,
        })
    }

    /// Loads network weights saved by `gnn::model::save` (or a checkpoint's
    /// `model.safetensors`); the model sizes must match.
    pub fn load_model(&mut self, path: &Path) -> Result<(), TrainError> {
        let cfg_path = path.with_extension("cfg");
        if let Ok(text) = std::fs::read_to_string(&cfg_path) {
            let c = ModelConfig::from_line(text.trim())
                .map_err(|e| TrainError::Checkpoint(format!("{}: {e}", cfg_path.display())))?;
            if c != ModelConfig::from(self.cfg.model) {
                return Err(TrainError::Checkpoint(format!(
                    "{}: model sizes `{}` differ from the run's `{}`",
                    path.display(),
                    c.to_line(),
                    ModelConfig::from(self.cfg.model).to_line()
                )));
            }
        }
        self.vs.load(path).map_err(|e| TrainError::torch(path, e))
    }

    /// Loads the optimiser state of a checkpoint (`adam.safetensors`), e.g. to fine-tune with
    /// the pretraining run's moments.
    pub fn load_optimizer(&mut self, path: &Path) -> Result<(), TrainError> {
        self.adam.load(path)
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.cfg
    }
    /// Iterations completed.
    pub fn iteration(&self) -> u64 {
        self.iteration
    }
    /// The network.
    pub fn net(&self) -> &PolicyValueNet {
        &self.net
    }
    /// The network's variables.
    pub fn var_store(&self) -> &nn::VarStore {
        &self.vs
    }
    /// The device.
    pub fn device(&self) -> Device {
        self.device
    }
    /// Netlist names, in index order.
    pub fn netlist_names(&self) -> &[String] {
        &self.names
    }
    /// The run directory, if any.
    pub fn run_dir(&self) -> Option<&Path> {
        self.run_dir.as_deref()
    }
    /// Episode steps of netlist `i` (one per movable hard macro).
    pub fn episode_len(&self, i: usize) -> usize {
        self.protos[i].episode_len()
    }

    fn wall_s(&self) -> f64 {
        self.wall_before + self.session_start.elapsed().as_secs_f64()
    }

    /// Runs iterations until `cfg.iterations` are done or `stop` says so, calling `on_iter`
    /// after each. Returns the metrics of the iterations run.
    pub fn run(
        &mut self,
        stop: StopCondition,
        mut on_iter: impl FnMut(&IterationMetrics),
    ) -> Result<Vec<IterationMetrics>, TrainError> {
        let start = Instant::now();
        let cpu_start = process_cpu_time();
        if stop.cpu_time_limit.is_some() && cpu_start.is_none() {
            return Err(TrainError::Config(
                "a CPU-time limit needs /proc/self/stat, which this system lacks".into(),
            ));
        }
        let mut out = Vec::new();
        while self.iteration < self.cfg.iterations {
            let m = self.iterate_until(|| stop.reached(start, cpu_start))?;
            on_iter(&m);
            out.push(m);
            if stop.reached(start, cpu_start) {
                break;
            }
        }
        Ok(out)
    }

    /// One iteration (the last of the run when it reaches `cfg.iterations`).
    pub fn iterate(&mut self) -> Result<IterationMetrics, TrainError> {
        self.iterate_until(|| false)
    }

    /// One iteration; `stopping()` (asked after the update) says whether the run ends after
    /// it, which makes it evaluate and checkpoint like a last iteration.
    fn iterate_until(
        &mut self,
        stopping: impl FnOnce() -> bool,
    ) -> Result<IterationMetrics, TrainError> {
        let t_iter = Instant::now();
        let mut eval = Vec::new();
        let mut eval_s = 0.0;
        if self.iteration == 0 && self.cfg.eval_every > 0 {
            let t = Instant::now();
            eval.extend(self.evaluate()?);
            eval_s += t.elapsed().as_secs_f64();
        }
        let t = Instant::now();
        let rollout = collect(
            &self.net,
            self.device,
            &mut self.venv,
            &self.slot_netlist,
            &self.names,
            &mut self.collect_rng.rng,
        )?;
        let rollout_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let up = self.update(&rollout)?;
        let update_s = t.elapsed().as_secs_f64();
        self.iteration += 1;
        let last = self.iteration >= self.cfg.iterations || stopping();
        if self.cfg.eval_every > 0 && (self.iteration % self.cfg.eval_every == 0 || last) {
            let t = Instant::now();
            eval.extend(self.evaluate()?);
            eval_s += t.elapsed().as_secs_f64();
        }
        let env_steps = rollout.steps.len() as u64;
        self.totals.env_steps += env_steps;
        self.totals.episodes += rollout.episodes.len() as u64;
        self.totals.ppo_updates += up.updates;
        let timing = Timing {
            rollout_s,
            update_s,
            eval_s,
            iteration_s: t_iter.elapsed().as_secs_f64(),
            wall_s: self.wall_s(),
        };
        let m = self.metrics(&rollout, &up, eval, timing);
        if let Some(d) = &self.run_dir {
            metrics::append(&metrics::path(d), &m.to_json())?;
        }
        if self.run_dir.is_some() && (self.iteration % self.cfg.checkpoint_every == 0 || last) {
            self.save_checkpoint()?;
        }
        Ok(m)
    }

    fn metrics(
        &self,
        r: &Rollout,
        up: &UpdateStats,
        eval: Vec<EvalRecord>,
        timing: Timing,
    ) -> IterationMetrics {
        let rewards: Vec<f64> = r.episodes.iter().map(|e| e.reward).collect();
        let n = rewards.len().max(1) as f64;
        let feasible = |eps: &[&EpisodeRecord]| {
            Costs::mean(eps.iter().filter_map(|e| e.costs.as_ref()).collect::<Vec<_>>())
        };
        let all: Vec<&EpisodeRecord> = r.episodes.iter().collect();
        let best_episode = r
            .episodes
            .iter()
            .filter(|e| e.costs.is_some())
            .max_by(|a, b| a.reward.total_cmp(&b.reward))
            .and_then(|e| e.costs.as_ref().map(Costs::of));
        let per_netlist = if self.names.len() > 1 {
            (0..self.names.len())
                .map(|i| {
                    let eps: Vec<&EpisodeRecord> =
                        r.episodes.iter().filter(|e| e.netlist == i).collect();
                    NetlistStats {
                        netlist: self.names[i].clone(),
                        episodes: eps.len(),
                        infeasible: eps.iter().filter(|e| e.infeasible).count(),
                        reward_mean: eps.iter().map(|e| e.reward).sum::<f64>()
                            / eps.len().max(1) as f64,
                        costs: feasible(&eps),
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        IterationMetrics {
            iteration: self.iteration,
            env_steps: r.steps.len() as u64,
            total_env_steps: self.totals.env_steps,
            episodes: r.episodes.len(),
            total_episodes: self.totals.episodes,
            infeasible: r.episodes.iter().filter(|e| e.infeasible).count(),
            reward_mean: rewards.iter().sum::<f64>() / n,
            reward_min: rewards.iter().copied().fold(f64::INFINITY, f64::min),
            reward_max: rewards.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            costs: feasible(&all),
            best_episode,
            loss_total: up.total,
            loss_policy: up.policy,
            loss_value: up.value,
            entropy: up.entropy,
            approx_kl: up.kl,
            clip_fraction: up.clip_fraction,
            grad_norm: up.grad_norm,
            lr: up.lr,
            ppo_updates: up.updates,
            total_ppo_updates: self.totals.ppo_updates,
            per_netlist,
            eval,
            reward_weights: self.cfg.weights(),
            timing,
        }
    }

    /// The PPO update over `epochs` passes of shuffled minibatches.
    fn update(&mut self, r: &Rollout) -> Result<UpdateStats, TrainError> {
        let n = r.steps.len();
        let sizes = minibatch_sizes(n, self.cfg.ppo.minibatch);
        let mut st = UpdateStats::default();
        let mut idx: Vec<usize> = (0..n).collect();
        for _ in 0..self.cfg.ppo.epochs {
            idx.sort_unstable();
            idx.shuffle(&mut self.shuffle_rng.rng);
            let mut off = 0;
            for &sz in &sizes {
                self.minibatch(r, &idx[off..off + sz], &mut st);
                off += sz;
            }
        }
        if st.updates > 0 {
            let k = st.updates as f64;
            st.total /= k;
            st.policy /= k;
            st.value /= k;
            st.entropy /= k;
            st.kl /= k;
            st.clip_fraction /= k;
            st.grad_norm /= k;
        }
        Ok(st)
    }

    fn minibatch(&mut self, r: &Rollout, chunk: &[usize], st: &mut UpdateStats) {
        let a_len = (self.cfg.model.grid * self.cfg.model.grid) as usize;
        let masks: Vec<Vec<bool>> =
            chunk.iter().map(|&i| unpack_mask(&r.steps[i].mask, a_len)).collect();
        let views: Vec<StepView<'_>> = chunk
            .iter()
            .zip(&masks)
            .map(|(&i, m)| {
                let s = &r.steps[i];
                s.view(self.protos[s.netlist as usize].graph(), m)
            })
            .collect();
        let batch = build(&views, self.device);
        let f32s = |f: &dyn Fn(usize) -> f32| {
            Tensor::from_slice(&chunk.iter().map(|&i| f(i)).collect::<Vec<f32>>())
                .to_device(self.device)
        };
        let actions = Tensor::from_slice(
            &chunk.iter().map(|&i| i64::from(r.steps[i].action)).collect::<Vec<i64>>(),
        )
        .to_device(self.device);
        let old_logp = f32s(&|i| r.steps[i].old_logp);
        let returns = f32s(&|i| r.steps[i].ret);
        let advantages = f32s(&|i| r.steps[i].ret - r.steps[i].old_value);
        let (logp, values) = self.net.forward(&batch);
        let ls = dist::log_softmax(&logp);
        let new_logp = ls.gather(1, &actions.unsqueeze(1), false).squeeze_dim(1);
        let entropy = -(ls.exp() * &ls).sum_dim_intlist([-1i64].as_slice(), false, Kind::Float);
        let terms = ppo_loss(
            &LossInputs {
                new_logp: &new_logp,
                old_logp: &old_logp,
                advantages: &advantages,
                returns: &returns,
                values: &values,
                entropy: &entropy,
            },
            &self.cfg.ppo,
        );
        self.adam.zero_grad();
        terms.total.backward();
        let gn = self.adam.clip_grad_norm(self.cfg.ppo.max_grad_norm);
        let p = &self.cfg.ppo;
        let lr = cosine_lr(p.learning_rate, p.lr_final_fraction, self.decay_steps, self.lr_step);
        self.adam.step(lr);
        self.lr_step += 1;
        st.updates += 1;
        st.total += terms.total.double_value(&[]);
        st.policy += terms.policy.double_value(&[]);
        st.value += terms.value.double_value(&[]);
        st.entropy += terms.entropy.double_value(&[]);
        st.kl += terms.approx_kl.double_value(&[]);
        st.clip_fraction += terms.clip_fraction.double_value(&[]);
        st.grad_norm += gn;
        st.lr = lr;
    }

    /// Greedy-policy episodes, one per netlist; each greedy placement is written to
    /// `RUN_DIR/eval/<netlist>.plc` when there is a run directory.
    pub fn evaluate(&mut self) -> Result<Vec<EvalRecord>, TrainError> {
        let mut envs: Vec<PlacementEnv> = self.protos.clone();
        let idx: Vec<usize> = (0..envs.len()).collect();
        let ends = greedy_episodes(&self.net, self.device, &mut envs, &idx, &self.names)?;
        let mut out = Vec::with_capacity(ends.len());
        for (i, (e, env)) in ends.iter().zip(&envs).enumerate() {
            if let (Some(d), Some(c)) = (&self.run_dir, &e.costs) {
                let dir = d.join("eval");
                std::fs::create_dir_all(&dir).map_err(|err| TrainError::io(&dir, err))?;
                let notes = [
                    ("Method", "rl (greedy policy)".to_string()),
                    ("Policy iteration", self.iteration.to_string()),
                    ("Reward weights", self.cfg.weights().to_string()),
                ];
                let h = placer::output::plc_header(env.netlist(), env.params(), c, &notes);
                let text = plc::to_string(env.netlist(), env.placement(), &h);
                checkpoint::write_atomic(
                    &dir.join(format!("{}.plc", self.names[i])),
                    text.as_bytes(),
                )?;
            }
            out.push(EvalRecord {
                policy_iteration: self.iteration,
                netlist: self.names[i].clone(),
                reward: e.reward,
                infeasible: e.infeasible,
                steps: e.steps,
                costs: e.costs.as_ref().map(Costs::of),
            });
        }
        self.keep_if_best(&out)?;
        Ok(out)
    }

    /// The best greedy evaluation so far: `(mean reward over the netlists, iteration)`.
    pub fn best_eval(&self) -> Option<(f64, u64)> {
        self.best_eval
    }

    /// After an evaluation: when every netlist was feasible and the mean reward beats the best
    /// so far, the weights go to `RUN_DIR/best` (written beside it, then renamed over it).
    fn keep_if_best(&mut self, evals: &[EvalRecord]) -> Result<(), TrainError> {
        if evals.is_empty() || evals.iter().any(|e| e.infeasible) {
            return Ok(());
        }
        let mean = evals.iter().map(|e| e.reward).sum::<f64>() / evals.len() as f64;
        if self.best_eval.is_some_and(|(b, _)| mean <= b) {
            return Ok(());
        }
        self.best_eval = Some((mean, self.iteration));
        let Some(d) = self.run_dir.clone() else { return Ok(()) };
        let best = checkpoint::best_dir(&d);
        let tmp = d.join("best.partial");
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| TrainError::io(&tmp, e))?;
        }
        std::fs::create_dir_all(&tmp).map_err(|e| TrainError::io(&tmp, e))?;
        let model = tmp.join("model.safetensors");
        gnn::model::save(&self.vs, ModelConfig::from(self.cfg.model), &model)
            .map_err(|e| TrainError::torch(&model, e))?;
        let info = json!({
            "iteration": self.iteration,
            "mean_reward": mean,
            "reward_weights": self.cfg.weights().to_string(),
            "eval": evals.iter().map(|e| json!({
                "netlist": e.netlist,
                "reward": e.reward,
                "costs": e.costs.as_ref().map(|c| Value::Object(c.json(None))),
            })).collect::<Vec<_>>(),
        });
        let text = serde_json::to_string_pretty(&info)
            .map_err(|e| TrainError::Checkpoint(e.to_string()))?;
        let ep = tmp.join("eval.json");
        std::fs::write(&ep, format!("{text}\n")).map_err(|e| TrainError::io(&ep, e))?;
        checkpoint::sync_path(&model)?;
        // Old best aside, new best in, old removed: a kill leaves `best` or `best.old`.
        let old = d.join("best.old");
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(|e| TrainError::io(&old, e))?;
        }
        if best.exists() {
            std::fs::rename(&best, &old).map_err(|e| TrainError::io(&best, e))?;
        }
        std::fs::rename(&tmp, &best).map_err(|e| TrainError::io(&best, e))?;
        checkpoint::sync_path(&d)?;
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(|e| TrainError::io(&old, e))?;
        }
        Ok(())
    }

    /// The greedy placement of netlist `i` with the current weights, and its episode.
    pub fn greedy_placement(&mut self, i: usize) -> Result<(Placement, EpisodeRecord), TrainError> {
        let mut envs = vec![self.protos[i].clone()];
        let end = greedy_episodes(&self.net, self.device, &mut envs, &[i], &self.names)?.remove(0);
        Ok((envs[0].placement().clone(), end))
    }

    /// Writes checkpoint `iter_<iteration>` (see [`crate::checkpoint`]).
    pub fn save_checkpoint(&mut self) -> Result<PathBuf, TrainError> {
        let Some(d) = self.run_dir.clone() else {
            return Err(TrainError::Config("no run directory to write checkpoints to".into()));
        };
        let mut totals = self.totals;
        totals.wall_s = self.wall_s();
        let state = CheckpointState {
            format: STATE_FORMAT,
            iteration: self.iteration,
            lr_step: self.lr_step,
            totals,
            collect_rng: self.collect_rng.state(),
            shuffle_rng: self.shuffle_rng.state(),
            config: self.cfg.clone(),
            netlists: self.netlist_entries(),
            best_eval: self.best_eval,
        };
        let text = serde_json::to_string_pretty(&state)
            .map_err(|e| TrainError::Checkpoint(e.to_string()))?;
        checkpoint::write_checkpoint(&d, self.iteration, self.cfg.keep_checkpoints, |dir| {
            let model = dir.join("model.safetensors");
            gnn::model::save(&self.vs, ModelConfig::from(self.cfg.model), &model)
                .map_err(|e| TrainError::torch(&model, e))?;
            self.adam.save(&dir.join("adam.safetensors"))?;
            let sp = dir.join("state.json");
            std::fs::write(&sp, format!("{text}\n")).map_err(|e| TrainError::io(&sp, e))
        })
    }
}
