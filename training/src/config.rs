//! Training configuration: PPO hyperparameters (`CIRCUIT_TRAINING.md` §6.1-6.3), the
//! environment and model settings, and the run's bookkeeping (checkpoints, evaluation).
//!
//! Every field is serialised into each checkpoint's `state.json`, so a resumed run continues
//! with exactly the configuration it started with.

use env::{EnvConfig, SoftPlacement};
use gnn::ModelConfig;
use placer::cost::CostWeights;
use placer::place::fd::FdConfig;
use serde::{Deserialize, Serialize};

use crate::TrainError;

/// Whether the KL terms tf-agents adds to the PPO loss are used (`CIRCUIT_TRAINING.md` §6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum KlMode {
    /// No KL penalty: clipped PPO only. This is what the published Ariane runs used
    /// (CT's ARIANE.md: "clipping PPO without KL penalty"), and chipfloor's default.
    #[default]
    Off,
    /// CT HEAD's inherited tf-agents defaults (adaptive β·KL plus a cutoff term).
    /// **Not implemented**: it needs the full old action distributions (G² floats per step);
    /// selecting it is a configuration error.
    TfAgentsDefault,
}

/// PPO hyperparameters. Defaults are Circuit Training's (§6.1-6.3) except
/// `episodes_per_iteration`, which is small so that CPU runs make progress.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PpoConfig {
    /// Importance-ratio clipping ε (`importance_ratio_clipping`, 0.2).
    pub clip: f64,
    /// Entropy regularisation coefficient (0.01).
    pub entropy_coef: f64,
    /// Value-loss coefficient (`value_pred_loss_coef`, 0.5); the value loss is
    /// `mean((R − V)²)`, so the loss adds `0.5 · mean((R − V)²)`.
    pub value_coef: f64,
    /// Global gradient-norm clipping (1.0).
    pub max_grad_norm: f64,
    /// Passes over each iteration's data (4).
    pub epochs: usize,
    /// Minibatch size in steps (`per_replica_batch_size`, 128).
    pub minibatch: usize,
    /// Episodes collected per iteration (CT: 256 at HEAD, 1024 in the Ariane runs; 16 here).
    pub episodes_per_iteration: usize,
    /// Initial learning rate (4e-4, the Ariane runs; CT HEAD uses 4e-3).
    pub learning_rate: f64,
    /// Final learning rate as a fraction of the initial one (Keras `CosineDecay` α, 0.1).
    pub lr_final_fraction: f64,
    /// Adam ε (1e-5).
    pub adam_eps: f64,
    /// Adam β₁ (0.9).
    pub adam_beta1: f64,
    /// Adam β₂ (0.999).
    pub adam_beta2: f64,
    /// Discount (1.0: the return of every step is the episode's final reward). Only 1.0 is
    /// supported.
    pub discount: f64,
    /// KL terms ([`KlMode::Off`] by default).
    pub kl_mode: KlMode,
}

impl Default for PpoConfig {
    fn default() -> Self {
        PpoConfig {
            clip: 0.2,
            entropy_coef: 0.01,
            value_coef: 0.5,
            max_grad_norm: 1.0,
            epochs: 4,
            minibatch: 128,
            episodes_per_iteration: 16,
            learning_rate: 4e-4,
            lr_final_fraction: 0.1,
            adam_eps: 1e-5,
            adam_beta1: 0.9,
            adam_beta2: 0.999,
            discount: 1.0,
            kl_mode: KlMode::Off,
        }
    }
}

/// How soft macros are placed at the end of every episode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SoftMode {
    /// Force-directed placer with its default (CT Ariane) schedule, as CT's `fd` mode.
    #[default]
    Fd,
    /// Keep the soft macros where the initial placement has them (fast; for tests and tiny
    /// experiments).
    Keep,
}

impl SoftMode {
    /// `fd` or `keep`.
    pub fn as_str(self) -> &'static str {
        match self {
            SoftMode::Fd => "fd",
            SoftMode::Keep => "keep",
        }
    }
    /// Parses [`as_str`](Self::as_str).
    pub fn parse(s: &str) -> Option<SoftMode> {
        match s {
            "fd" => Some(SoftMode::Fd),
            "keep" => Some(SoftMode::Keep),
            _ => None,
        }
    }
}

/// Model sizes (mirrors [`gnn::ModelConfig`], serialisable).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Hidden width (8).
    pub hidden: i64,
    /// Graph-convolution layers (3).
    pub gcn_layers: usize,
    /// Side of the action grid (128; a multiple of 16 at least as large as every netlist's
    /// grid).
    pub grid: i64,
    /// Negative slope of the policy head's activations ([`gnn::ModelConfig::head_leak`]);
    /// runs written before it existed load with 0 (plain ReLU).
    #[serde(default)]
    pub head_leak: f64,
    /// Policy logits biased by the environment's wirelength map
    /// ([`gnn::ModelConfig::wire_map`]); runs written before it existed load with `false`.
    #[serde(default)]
    pub wire_map: bool,
}

impl Default for ModelSpec {
    fn default() -> Self {
        ModelSpec::from(ModelConfig::default())
    }
}

impl From<ModelConfig> for ModelSpec {
    fn from(c: ModelConfig) -> Self {
        ModelSpec {
            hidden: c.hidden,
            gcn_layers: c.gcn_layers,
            grid: c.grid,
            head_leak: c.head_leak,
            wire_map: c.wire_map,
        }
    }
}

impl From<ModelSpec> for ModelConfig {
    fn from(s: ModelSpec) -> Self {
        ModelConfig {
            hidden: s.hidden,
            gcn_layers: s.gcn_layers,
            grid: s.grid,
            head_leak: s.head_leak,
            wire_map: s.wire_map,
        }
    }
}

/// Everything a training run is configured with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// The one seed every random stream derives from (model initialisation, action sampling,
    /// minibatch order).
    pub seed: u64,
    /// Iterations of the run (also sets the cosine learning-rate decay length).
    pub iterations: u64,
    /// PPO hyperparameters.
    pub ppo: PpoConfig,
    /// Model sizes.
    pub model: ModelSpec,
    /// Soft-macro placement at the end of every episode.
    pub soft: SoftMode,
    /// Reward weights `[wl, den, cong]` (`env.cost_weights`; default 1/0.5/0.5, the weights of Circuit Training's published
    /// Ariane results; CT's code defaults to 1/1/0.5); the reward
    /// is `−proxy` at these weights.
    pub reward_weights: [f64; 3],
    /// Reward of an episode that runs out of legal cells (CT: −4.0).
    pub infeasible_reward: f64,
    /// Greedy-policy evaluation every this many iterations (0: never; the last iteration of a
    /// run is always evaluated when this is non-zero).
    pub eval_every: u64,
    /// Checkpoint every this many iterations (the last iteration is always checkpointed).
    pub checkpoint_every: u64,
    /// Checkpoints kept (the newest ones).
    pub keep_checkpoints: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            seed: 1,
            iterations: 100,
            ppo: PpoConfig::default(),
            model: ModelSpec::default(),
            soft: SoftMode::Fd,
            reward_weights: [1.0, 0.5, 0.5],
            infeasible_reward: -4.0,
            eval_every: 10,
            checkpoint_every: 1,
            keep_checkpoints: 3,
        }
    }
}

impl TrainConfig {
    /// Checks the values; the message names the offending field.
    pub fn validate(&self) -> Result<(), TrainError> {
        let bad = |m: String| Err(TrainError::Config(m));
        let p = &self.ppo;
        if p.kl_mode == KlMode::TfAgentsDefault {
            return bad("ppo.kl_mode = tf_agents_default is not implemented; use off".into());
        }
        if p.discount != 1.0 {
            return bad(format!(
                "ppo.discount must be 1.0 (got {}); only CT's γ = 1 is supported",
                p.discount
            ));
        }
        let pos = |v: f64| v.is_finite() && v > 0.0;
        let nonneg = |v: f64| v.is_finite() && v >= 0.0;
        if !pos(p.clip) || !nonneg(p.entropy_coef) || !nonneg(p.value_coef) || !pos(p.max_grad_norm)
        {
            return bad(
                "ppo.clip and ppo.max_grad_norm must be > 0, the loss coefficients >= 0".into()
            );
        }
        if p.epochs == 0 || p.minibatch == 0 || p.episodes_per_iteration == 0 {
            return bad(
                "ppo.epochs, ppo.minibatch and ppo.episodes_per_iteration must be >= 1".into()
            );
        }
        if !pos(p.learning_rate) || !(0.0..=1.0).contains(&p.lr_final_fraction) || !pos(p.adam_eps)
        {
            return bad(
                "ppo.learning_rate and ppo.adam_eps must be > 0, lr_final_fraction in [0, 1]"
                    .into(),
            );
        }
        if !(0.0..1.0).contains(&p.adam_beta1) || !(0.0..1.0).contains(&p.adam_beta2) {
            return bad("ppo.adam_beta1 and ppo.adam_beta2 must lie in [0, 1)".into());
        }
        ModelConfig::from(self.model).validate().map_err(TrainError::Config)?;
        if !self.reward_weights.iter().all(|w| nonneg(*w)) || !self.infeasible_reward.is_finite() {
            return bad("reward_weights must be >= 0 and infeasible_reward finite".into());
        }
        if self.checkpoint_every == 0 || self.keep_checkpoints == 0 {
            return bad("checkpoint_every and keep_checkpoints must be >= 1".into());
        }
        Ok(())
    }

    /// The reward weights as [`CostWeights`].
    pub fn weights(&self) -> CostWeights {
        let [wl, den, cong] = self.reward_weights;
        CostWeights::new(wl, den, cong)
    }

    /// The environment configuration these settings give.
    pub fn env_config(&self) -> EnvConfig {
        EnvConfig {
            max_grid: self.model.grid as usize,
            cost_weights: self.weights(),
            infeasible_reward: self.infeasible_reward,
            soft_placement: match self.soft {
                SoftMode::Fd => SoftPlacement::ForceDirected(FdConfig::default()),
                SoftMode::Keep => SoftPlacement::KeepInitial,
            },
            wire_map: self.model.wire_map,
            ..EnvConfig::default()
        }
    }
}
