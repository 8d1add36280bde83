//! The PPO loss terms and the Adam optimiser against hand computations.

use tch::{nn, Device, Kind, Tensor};
use training::adam::{Adam, AdamConfig};
use training::config::PpoConfig;
use training::ppo::{normalize_advantages, ppo_loss, LossInputs};

fn t(v: &[f32]) -> Tensor {
    Tensor::from_slice(v)
}

fn scalar(x: &Tensor) -> f64 {
    x.double_value(&[])
}

#[track_caller]
fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} vs {b}");
}

#[test]
fn loss_terms_match_a_hand_computation() {
    // ρ = (1.5, 0.5); raw advantages (1, −1) normalise to (1, −1) (mean 0, population std 1).
    let new_logp = t(&[1.5f32.ln(), 0.5f32.ln()]);
    let old_logp = t(&[0.0, 0.0]);
    let adv = t(&[1.0, -1.0]);
    let returns = t(&[1.0, 2.0]);
    let values = t(&[0.5, 1.0]);
    let entropy = t(&[1.0, 2.0]);
    let cfg = PpoConfig::default();
    let l = ppo_loss(
        &LossInputs {
            new_logp: &new_logp,
            old_logp: &old_logp,
            advantages: &adv,
            returns: &returns,
            values: &values,
            entropy: &entropy,
        },
        &cfg,
    );
    // min(ρA, clip(ρ)A) = (min(1.5, 1.2), min(−0.5, −0.8)) = (1.2, −0.8): policy −mean = −0.2.
    close(scalar(&l.policy), -0.2, 1e-6);
    // mean((R − V)²) = (0.25 + 1) / 2.
    close(scalar(&l.value), 0.625, 1e-6);
    close(scalar(&l.entropy), 1.5, 1e-6);
    close(scalar(&l.total), -0.2 + 0.5 * 0.625 - 0.01 * 1.5, 1e-6);
    let kl = ((0.5 - 1.5f64.ln()) + (-0.5 - 0.5f64.ln())) / 2.0;
    close(scalar(&l.approx_kl), kl, 1e-6);
    close(scalar(&l.clip_fraction), 1.0, 0.0);
}

#[test]
fn policy_gradient_flows_only_through_unclipped_ratios() {
    // ρ = (1.1, 0.9) lie inside [0.8, 1.2]: d(−mean(ρA))/d logπ = −ρA/2 = (−0.55, 0.45).
    let new_logp = t(&[1.1f32.ln(), 0.9f32.ln()]).set_requires_grad(true);
    let zeros = t(&[0.0, 0.0]);
    let adv = t(&[1.0, -1.0]);
    let cfg = PpoConfig { value_coef: 0.0, entropy_coef: 0.0, ..Default::default() };
    let x = LossInputs {
        new_logp: &new_logp,
        old_logp: &zeros,
        advantages: &adv,
        returns: &zeros,
        values: &zeros,
        entropy: &zeros,
    };
    ppo_loss(&x, &cfg).total.backward();
    let g = Vec::<f32>::try_from(new_logp.grad()).unwrap();
    close(f64::from(g[0]), -0.55, 1e-5);
    close(f64::from(g[1]), 0.45, 1e-5);
    // ρ = (1.5, 0.5) are clipped on the side that matters: no gradient at all.
    let new_logp = t(&[1.5f32.ln(), 0.5f32.ln()]).set_requires_grad(true);
    let x = LossInputs { new_logp: &new_logp, ..x };
    ppo_loss(&x, &cfg).total.backward();
    let g = Vec::<f32>::try_from(new_logp.grad()).unwrap();
    assert_eq!(g, vec![0.0, 0.0]);
    assert_eq!(scalar(&ppo_loss(&x, &cfg).clip_fraction), 1.0);
}

#[test]
fn advantages_are_normalised_with_the_population_std() {
    let a = normalize_advantages(&t(&[1.0, 2.0, 3.0, 6.0]));
    let v = Vec::<f32>::try_from(a).unwrap();
    let (mean, std) = (3.0f64, (14.0f64 / 4.0).sqrt());
    for (x, raw) in v.iter().zip([1.0, 2.0, 3.0, 6.0]) {
        close(f64::from(*x), (raw - mean) / (std + 1e-8), 1e-6);
    }
    // A single step (std 0) gives 0, not NaN.
    assert_eq!(Vec::<f32>::try_from(normalize_advantages(&t(&[5.0]))).unwrap(), vec![0.0]);
}

/// Keras Adam on one scalar parameter with a constant gradient, by hand.
fn adam_by_hand(p0: f64, g: f64, lr: f64, steps: usize, c: AdamConfig) -> f64 {
    let (mut p, mut m, mut v) = (p0, 0.0, 0.0);
    for t in 1..=steps {
        m = c.beta1 * m + (1.0 - c.beta1) * g;
        v = c.beta2 * v + (1.0 - c.beta2) * g * g;
        let lr_t = lr * (1.0 - c.beta2.powi(t as i32)).sqrt() / (1.0 - c.beta1.powi(t as i32));
        p -= lr_t * m / (v.sqrt() + c.eps);
    }
    p
}

fn store(values: &[f32]) -> (nn::VarStore, Tensor) {
    let vs = nn::VarStore::new(Device::Cpu);
    let p = vs.root().var_copy("p", &t(values));
    (vs, p)
}

fn step_with(adam: &mut Adam, p: &Tensor, grad: &[f32], lr: f64) {
    adam.zero_grad();
    (p * t(grad)).sum(Kind::Float).backward();
    adam.step(lr);
}

#[test]
fn adam_matches_the_hand_computation_and_restores_exactly() {
    let c = AdamConfig::default();
    let (vs, p) = store(&[1.0, -2.0]);
    let mut adam = Adam::new(&vs, c);
    let grad = [0.5f32, -1.0];
    for _ in 0..3 {
        step_with(&mut adam, &p, &grad, 0.1);
    }
    let got = Vec::<f32>::try_from(&p).unwrap();
    close(f64::from(got[0]), adam_by_hand(1.0, 0.5, 0.1, 3, c), 1e-6);
    close(f64::from(got[1]), adam_by_hand(-2.0, -1.0, 0.1, 3, c), 1e-6);
    assert_eq!(adam.steps(), 3);

    // Save, restore into a fresh optimiser over a copy of the parameters, continue both.
    let dir = std::env::temp_dir().join(format!("chipfloor-adam-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("adam.safetensors");
    adam.save(&path).unwrap();
    let (vs2, p2) = store(&got);
    let mut adam2 = Adam::new(&vs2, c);
    adam2.load(&path).unwrap();
    assert_eq!(adam2.steps(), 3);
    for _ in 0..2 {
        step_with(&mut adam, &p, &[0.3, 0.7], 0.05);
        step_with(&mut adam2, &p2, &[0.3, 0.7], 0.05);
    }
    assert_eq!(Vec::<f32>::try_from(&p).unwrap(), Vec::<f32>::try_from(&p2).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn global_norm_clipping_scales_all_gradients() {
    let vs = nn::VarStore::new(Device::Cpu);
    let a = vs.root().var_copy("a", &t(&[0.0]));
    let b = vs.root().var_copy("b", &t(&[0.0]));
    let mut adam = Adam::new(&vs, AdamConfig::default());
    adam.zero_grad();
    (&a * 3.0 + &b * 4.0).sum(Kind::Float).backward();
    let n = adam.clip_grad_norm(1.0);
    close(n, 5.0, 1e-6);
    close(a.grad().double_value(&[0]), 0.6, 1e-6);
    close(b.grad().double_value(&[0]), 0.8, 1e-6);
    // Below the limit nothing changes.
    adam.zero_grad();
    (&a * 0.3).sum(Kind::Float).backward();
    close(adam.clip_grad_norm(1.0), 0.3, 1e-6);
    close(a.grad().double_value(&[0]), 0.3, 1e-6);
}
