//! chipfloor's reinforcement-learning environment (no tensors: observations are plain arrays).
//!
//! - [`graph`]: the static netlist graph and metadata features the policy sees.
//! - [`episode`]: one placement episode: macro order, padded action grid, masks, reward.
//! - [`vec_env`]: environments stepped in parallel.
//! - [`wire`]: the wirelength map of the macro to place (an optional observation part).
//!
//! The semantics follow `shared/docs/CIRCUIT_TRAINING.md` §4; placement, masks and costs come
//! from the `placer` crate, so the RL method and the baselines share one definition of
//! legality and cost.
#![warn(missing_docs)]

pub mod episode;
pub mod graph;
pub mod vec_env;
pub mod wire;

pub use episode::{
    EnvConfig, EnvError, EpisodeInfo, Observation, PlacementEnv, SoftPlacement, StepResult,
};
pub use graph::{GraphLimits, GraphNodeType, StaticGraph, METADATA_LEN};
pub use vec_env::VecEnv;
