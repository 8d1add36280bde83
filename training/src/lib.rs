//! chipfloor's PPO training (`CIRCUIT_TRAINING.md` §6): rollouts, the PPO update, an Adam
//! optimiser whose state is saved, checkpoints with exact resume, metrics, pretraining over
//! several netlists, fine-tuning and zero-shot placement with a trained policy.
//!
//! - [`config`]: [`TrainConfig`] / [`PpoConfig`] with Circuit Training's defaults.
//! - [`rollout`]: batched policy forward, seeded action sampling in Rust, step records.
//! - [`ppo`]: the clipped PPO loss, the cosine learning-rate schedule, minibatch plan.
//! - [`adam`]: Adam on tensors (saveable), global-norm gradient clipping.
//! - [`trainer`]: the training loop ([`Trainer`]), one JSON line of metrics per iteration,
//!   checkpoints every iteration, greedy-policy evaluation.
//! - [`checkpoint`], [`metrics`]: the run directory's files (atomic writes, resume).
//! - [`policy`]: zero-shot placement with a checkpoint and [`place_with_policy`] (optional
//!   fine-tuning within a time budget).
//! - [`plot`]: the learning-curve picture of a run.
//! - [`seed`]: named random streams derived from the one seed.
//!
//! Owns: PPO, rollout workers, the on-policy buffer, checkpoints, metrics. Must not: parse
//! command-line arguments, set up logging subscribers. Depends on `netlists`, `placer`, `env`
//! and `gnn`; nothing but `cli` and `service` depends on it.
#![warn(missing_docs)]

pub mod adam;
pub mod checkpoint;
pub mod config;
pub mod metrics;
pub mod plot;
pub mod policy;
pub mod ppo;
pub mod rollout;
pub mod seed;
pub mod trainer;

use std::path::{Path, PathBuf};

pub use config::{KlMode, ModelSpec, PpoConfig, SoftMode, TrainConfig};
pub use policy::{
    place_rl, place_with_policy, PolicyPlaceConfig, PolicyPlacement, RlPlaceConfig, RlPlaceError,
};
pub use tch::Device;
pub use trainer::{IterationMetrics, StopCondition, TrainNetlist, Trainer};

/// Parses a `--device` value: `auto` (CUDA when libtorch sees a GPU, else the CPU), `cpu`,
/// `cuda` or `cuda:N`.
pub fn parse_device(s: &str) -> Result<Device, String> {
    gnn::parse_device(s)
}

/// Sets the number of threads libtorch uses for CPU kernels (results are repeatable for a
/// fixed count).
pub fn set_threads(n: usize) {
    tch::set_num_threads(n.clamp(1, i32::MAX as usize) as i32);
}

/// Why training, resuming or placing with a policy failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// An invalid setting (the message names it).
    #[error("invalid training configuration: {0}")]
    Config(String),
    /// The environment of a netlist could not be built or stepped.
    #[error("netlist {netlist}: {source}")]
    Env {
        /// Netlist name.
        netlist: String,
        /// The environment's error.
        source: env::EnvError,
    },
    /// A policy found no legal cell to choose (the environment should have ended the episode).
    #[error("netlist {netlist}: no legal action at step {step}")]
    NoLegalAction {
        /// Netlist name.
        netlist: String,
        /// Step of the episode.
        step: usize,
    },
    /// A greedy rollout ran out of legal cells (no complete placement).
    #[error("netlist {netlist}: the greedy policy rollout ran out of legal cells after {steps} of {total} macros")]
    Infeasible {
        /// Netlist name.
        netlist: String,
        /// Macros placed.
        steps: usize,
        /// Macros to place.
        total: usize,
    },
    /// A file operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// libtorch failed reading or writing a file.
    #[error("{}: {message}", path.display())]
    Torch {
        /// The file.
        path: PathBuf,
        /// libtorch's message.
        message: String,
    },
    /// A checkpoint is missing parts or does not match the run.
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    /// `--resume` found no complete checkpoint.
    #[error("no complete checkpoint in {} (nothing to resume; start a fresh run)", .0.display())]
    NoCheckpoint(PathBuf),
    /// A fresh run was asked to write into a run directory that already has checkpoints.
    #[error("{} already holds a run with checkpoints; resume it (--resume) or choose another run directory", .0.display())]
    RunDirInUse(PathBuf),
    /// The netlists given to a resumed run differ from the ones it was started with.
    #[error("the netlists differ from the run's: {0}")]
    NetlistMismatch(String),
}

impl TrainError {
    /// An IO error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> TrainError {
        TrainError::Io { path: path.to_path_buf(), source }
    }
    /// A libtorch error on `path`.
    pub fn torch(path: &Path, e: impl std::fmt::Display) -> TrainError {
        TrainError::Torch { path: path.to_path_buf(), message: e.to_string() }
    }
    /// True when the error comes from what the user gave (settings, files, run directory),
    /// as opposed to a failure while running.
    pub fn is_input_error(&self) -> bool {
        matches!(
            self,
            TrainError::Config(_)
                | TrainError::Io { .. }
                | TrainError::Torch { .. }
                | TrainError::Checkpoint(_)
                | TrainError::NoCheckpoint(_)
                | TrainError::RunDirInUse(_)
                | TrainError::NetlistMismatch(_)
        ) || matches!(
            self,
            TrainError::Env {
                source: env::EnvError::GridTooLarge { .. } | env::EnvError::NothingToPlace,
                ..
            }
        )
    }
}
