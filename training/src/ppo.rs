//! The PPO loss (`CIRCUIT_TRAINING.md` §6.2), the learning-rate schedule (§6.3) and the
//! minibatch plan.
//!
//! Per minibatch:
//! 1. advantages `A = R − V_old` are normalised: `(A − mean) / (std + 1e-8)` (population std,
//!    as `tf.nn.moments`);
//! 2. `ρ = exp(logπ − logπ_old)`;
//! 3. policy loss `−mean(min(ρA, clip(ρ, 1 − ε, 1 + ε)·A))`;
//! 4. value loss `mean((R − V)²)`, weighted by `value_coef` (0.5);
//! 5. entropy bonus `−entropy_coef · mean(H)` (0.01).
//!
//! `total = policy + value_coef·value − entropy_coef·entropy`. No KL terms
//! ([`crate::config::KlMode::Off`]).

use tch::{Kind, Tensor};

use crate::config::PpoConfig;

/// Per-step inputs of the loss, all `[B]`.
#[derive(Debug)]
pub struct LossInputs<'a> {
    /// `log π(a|s)` under the current parameters.
    pub new_logp: &'a Tensor,
    /// `log π_old(a|s)` recorded at collection.
    pub old_logp: &'a Tensor,
    /// Raw advantages `R − V_old` (normalised inside).
    pub advantages: &'a Tensor,
    /// Returns `R`.
    pub returns: &'a Tensor,
    /// Value predictions under the current parameters.
    pub values: &'a Tensor,
    /// Entropy of the current policy at each step.
    pub entropy: &'a Tensor,
}

/// The loss and its parts (scalar tensors; `total` carries the graph).
#[derive(Debug)]
pub struct LossTerms {
    /// `policy + value_coef·value − entropy_coef·entropy`.
    pub total: Tensor,
    /// Clipped surrogate loss.
    pub policy: Tensor,
    /// `mean((R − V)²)` (before `value_coef`).
    pub value: Tensor,
    /// `mean(H)` (before `entropy_coef`).
    pub entropy: Tensor,
    /// Approximate KL(old‖new), `mean((ρ − 1) − log ρ)` (the k3 estimator; ≥ 0).
    pub approx_kl: Tensor,
    /// Fraction of steps with `|ρ − 1| > ε`.
    pub clip_fraction: Tensor,
}

/// `(a − mean) / (std + 1e-8)` with the population standard deviation.
pub fn normalize_advantages(a: &Tensor) -> Tensor {
    let centred = a - a.mean(Kind::Float);
    let std = centred.square().mean(Kind::Float).sqrt();
    centred / (std + 1e-8)
}

/// The PPO loss for one minibatch.
pub fn ppo_loss(x: &LossInputs<'_>, cfg: &PpoConfig) -> LossTerms {
    let adv = normalize_advantages(x.advantages).detach();
    let log_ratio = x.new_logp - x.old_logp;
    let ratio = log_ratio.exp();
    let surr1 = &ratio * &adv;
    let surr2 = ratio.clamp(1.0 - cfg.clip, 1.0 + cfg.clip) * &adv;
    let policy = -surr1.minimum(&surr2).mean(Kind::Float);
    let value = (x.returns - x.values).square().mean(Kind::Float);
    let entropy = x.entropy.mean(Kind::Float);
    let total = &policy + &value * cfg.value_coef - &entropy * cfg.entropy_coef;
    let (approx_kl, clip_fraction) = tch::no_grad(|| {
        let kl = ((&ratio - 1.0) - &log_ratio).mean(Kind::Float);
        let clipped = (&ratio - 1.0).abs().gt(cfg.clip).to_kind(Kind::Float).mean(Kind::Float);
        (kl, clipped)
    });
    LossTerms { total, policy, value, entropy, approx_kl, clip_fraction }
}

/// Keras `CosineDecay(initial, decay_steps, α)`: `initial · ((1 − α)·½(1 + cos(π·min(s, d)/d)) + α)`.
/// With `decay_steps = 0` the rate is `initial` throughout.
pub fn cosine_lr(initial: f64, final_fraction: f64, decay_steps: u64, step: u64) -> f64 {
    if decay_steps == 0 {
        return initial;
    }
    let s = step.min(decay_steps) as f64 / decay_steps as f64;
    let cos = 0.5 * (1.0 + (std::f64::consts::PI * s).cos());
    initial * ((1.0 - final_fraction) * cos + final_fraction)
}

/// Splits `n` shuffled steps into minibatches: `max(1, n / minibatch)` chunks of nearly equal
/// size (each at least `minibatch` steps when `n ≥ minibatch`), so no step is dropped and no
/// minibatch is tiny. CT drops the remainder instead (`drop_remainder`); with the small
/// iterations a CPU run uses, that would waste data or leave no update at all.
pub fn minibatch_sizes(n: usize, minibatch: usize) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let k = (n / minibatch.max(1)).max(1);
    (0..k).map(|i| n / k + usize::from(i < n % k)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minibatches_cover_every_step() {
        assert_eq!(minibatch_sizes(0, 128), Vec::<usize>::new());
        assert_eq!(minibatch_sizes(10, 128), vec![10]);
        assert_eq!(minibatch_sizes(300, 128), vec![150, 150]);
        assert_eq!(minibatch_sizes(257, 128), vec![129, 128]);
        assert_eq!(minibatch_sizes(384, 128), vec![128, 128, 128]);
    }

    #[test]
    fn cosine_schedule_ends_at_the_final_fraction() {
        assert!((cosine_lr(4e-4, 0.1, 100, 0) - 4e-4).abs() < 1e-15);
        assert!((cosine_lr(4e-4, 0.1, 100, 50) - 4e-4 * 0.55).abs() < 1e-15);
        assert!((cosine_lr(4e-4, 0.1, 100, 100) - 4e-5).abs() < 1e-15);
        assert!((cosine_lr(4e-4, 0.1, 100, 1000) - 4e-5).abs() < 1e-15);
        assert_eq!(cosine_lr(1.0, 0.1, 0, 7), 1.0);
    }
}
