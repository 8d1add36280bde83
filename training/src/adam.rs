//! Adam on plain tensors, with a state that can be saved and restored exactly (tch's built-in
//! optimisers cannot save theirs), and global-norm gradient clipping.
//!
//! The update is TensorFlow/Keras's Adam (CT trains with `tf.keras.optimizers.Adam`), where ε
//! is Kingma & Ba's ε̂ (applied to `√v` without bias correction):
//!
//! ```text
//! t   ← t + 1
//! m   ← β₁·m + (1 − β₁)·g
//! v   ← β₂·v + (1 − β₂)·g²
//! lr_t = lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ)
//! p   ← p − lr_t · m / (√v + ε)
//! ```
//!
//! Parameters are the var store's trainable variables sorted by name, so the order (and the
//! saved names) do not depend on construction order.

use std::path::Path;

use tch::{nn, Device, Kind, Tensor};

use crate::TrainError;

/// Adam's constants.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamConfig {
    /// β₁.
    pub beta1: f64,
    /// β₂.
    pub beta2: f64,
    /// ε (ε̂).
    pub eps: f64,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig { beta1: 0.9, beta2: 0.999, eps: 1e-5 }
    }
}

/// The optimiser: first and second moments per parameter and the step count.
#[derive(Debug)]
pub struct Adam {
    cfg: AdamConfig,
    names: Vec<String>,
    params: Vec<Tensor>,
    m: Vec<Tensor>,
    v: Vec<Tensor>,
    step: u64,
}

/// Name of the step counter in the saved file.
const STEP_KEY: &str = "__adam_step__";

impl Adam {
    /// An optimiser over the trainable variables of `vs`, with zero moments.
    pub fn new(vs: &nn::VarStore, cfg: AdamConfig) -> Adam {
        let mut named: Vec<(String, Tensor)> =
            vs.variables().into_iter().filter(|(_, t)| t.requires_grad()).collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        let (names, params): (Vec<String>, Vec<Tensor>) = named.into_iter().unzip();
        let m = params.iter().map(|p| p.zeros_like().detach()).collect();
        let v = params.iter().map(|p| p.zeros_like().detach()).collect();
        Adam { cfg, names, params, m, v, step: 0 }
    }

    /// Updates taken so far.
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// The parameters, in update order (sorted by name).
    pub fn params(&self) -> &[Tensor] {
        &self.params
    }

    /// Zeroes the parameters' gradients.
    pub fn zero_grad(&mut self) {
        for p in &mut self.params {
            p.zero_grad();
        }
    }

    /// The global L2 norm of the gradients; when it exceeds `max_norm`, every gradient is
    /// scaled by `max_norm / norm` (TF `clip_by_global_norm`). Returns the norm before
    /// clipping.
    pub fn clip_grad_norm(&mut self, max_norm: f64) -> f64 {
        let grads: Vec<Tensor> =
            self.params.iter().map(|p| p.grad()).filter(|g| g.defined()).collect();
        if grads.is_empty() {
            return 0.0;
        }
        let total = tch::no_grad(|| {
            let sq: Vec<Tensor> =
                grads.iter().map(|g| g.pow_tensor_scalar(2).sum(Kind::Double)).collect();
            Tensor::stack(&sq, 0).sum(Kind::Double).sqrt().double_value(&[])
        });
        if total.is_finite() && total > max_norm {
            let scale = max_norm / total;
            tch::no_grad(|| {
                for g in &grads {
                    let _ = g.shallow_clone().f_mul_scalar_(scale);
                }
            });
        }
        total
    }

    /// One update with learning rate `lr` from the current gradients (parameters without a
    /// gradient are left alone but still count the step).
    pub fn step(&mut self, lr: f64) {
        self.step += 1;
        let t = self.step as f64;
        let AdamConfig { beta1: b1, beta2: b2, eps } = self.cfg;
        let lr_t = lr * (1.0 - b2.powf(t)).sqrt() / (1.0 - b1.powf(t));
        tch::no_grad(|| {
            for ((p, m), v) in self.params.iter().zip(&mut self.m).zip(&mut self.v) {
                let g = p.grad();
                if !g.defined() {
                    continue;
                }
                *m = &*m * b1 + &g * (1.0 - b1);
                *v = &*v * b2 + g.square() * (1.0 - b2);
                let upd = &*m / (v.sqrt() + eps) * lr_t;
                let _ = p.shallow_clone().f_sub_(&upd);
            }
        });
    }

    /// Saves the moments and the step count (safetensors: `m/<name>`, `v/<name>`, and
    /// `__adam_step__`).
    pub fn save(&self, path: &Path) -> Result<(), TrainError> {
        let mut named: Vec<(String, Tensor)> = Vec::with_capacity(2 * self.names.len() + 1);
        for (i, n) in self.names.iter().enumerate() {
            named.push((format!("m/{n}"), self.m[i].to_device(Device::Cpu)));
            named.push((format!("v/{n}"), self.v[i].to_device(Device::Cpu)));
        }
        named.push((STEP_KEY.into(), Tensor::from_slice(&[self.step as i64])));
        Tensor::write_safetensors(&named, path).map_err(|e| TrainError::torch(path, e))
    }

    /// Restores a state written by [`save`](Self::save) for the same parameters.
    pub fn load(&mut self, path: &Path) -> Result<(), TrainError> {
        let named = Tensor::read_safetensors(path).map_err(|e| TrainError::torch(path, e))?;
        let find = |k: &str| named.iter().find(|(n, _)| n == k).map(|(_, t)| t);
        let bad = |m: String| TrainError::Checkpoint(format!("{}: {m}", path.display()));
        for (i, n) in self.names.iter().enumerate() {
            for (key, dst) in
                [(format!("m/{n}"), &mut self.m[i]), (format!("v/{n}"), &mut self.v[i])]
            {
                let src =
                    find(&key).ok_or_else(|| bad(format!("missing optimiser tensor `{key}`")))?;
                if src.size() != dst.size() {
                    return Err(bad(format!(
                        "optimiser tensor `{key}` has shape {:?}, expected {:?}",
                        src.size(),
                        dst.size()
                    )));
                }
                *dst = src.to_kind(dst.kind()).to_device(dst.device());
            }
        }
        let step = find(STEP_KEY).ok_or_else(|| bad("missing the optimiser step count".into()))?;
        self.step = step.int64_value(&[0]).max(0) as u64;
        Ok(())
    }
}
