//! A vector of environments stepped in parallel with rayon.

use rayon::prelude::*;

use crate::episode::{EnvError, Observation, PlacementEnv, StepResult};

/// Several environments (same or different netlists) stepped together.
#[derive(Clone, Debug)]
pub struct VecEnv {
    /// The environments.
    pub envs: Vec<PlacementEnv>,
}

impl VecEnv {
    /// Wraps environments.
    pub fn new(envs: Vec<PlacementEnv>) -> VecEnv {
        VecEnv { envs }
    }
    /// Number of environments.
    pub fn len(&self) -> usize {
        self.envs.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.envs.is_empty()
    }
    /// Resets every environment.
    pub fn reset_all(&mut self) {
        self.envs.par_iter_mut().for_each(|e| {
            e.reset();
        });
    }
    /// Steps environment `k` with `actions[k]`, in parallel; environments that are already
    /// done are skipped (their entry is `None`).
    pub fn step(&mut self, actions: &[usize]) -> Vec<Option<Result<StepResult, EnvError>>> {
        self.envs
            .par_iter_mut()
            .zip(actions.par_iter())
            .map(|(e, &a)| if e.is_done() { None } else { Some(e.step(a)) })
            .collect()
    }
    /// The observations of all environments.
    pub fn observations(&self) -> Vec<&Observation> {
        self.envs.iter().map(|e| e.observation()).collect()
    }
    /// True when every environment is done.
    pub fn all_done(&self) -> bool {
        self.envs.iter().all(|e| e.is_done())
    }
}
