//! Collecting episodes with the current policy.
//!
//! Every step, the observations of the environments still running go through the network in
//! one batch (`no_grad`); the log-probabilities come back to the CPU and each environment's
//! action is drawn **in Rust** from a seeded `ChaCha8Rng`, considering only the cells its mask
//! allows (a masked action can never be drawn; `env.step` rejects one anyway). Sampling on the
//! CPU with our own generator makes runs reproducible on any device and resumable (the
//! generator's position is checkpointed).
//!
//! What each step stores ([`StepRecord`]) is what the update needs to rebuild the model input:
//! the dynamic observation (locations, placed flags, current node, the mask as a bitset), the
//! action, and the log-probability and value at collection time. When an episode ends its
//! reward becomes the return of all its steps (γ = 1, reward only at the end). Infeasible
//! episodes are kept (shorter, reward −4).

use env::{EpisodeInfo, PlacementEnv, StaticGraph, VecEnv};
use gnn::batch::{build, StepView};
use gnn::model::dist;
use gnn::PolicyValueNet;
use placer::cost::CostBreakdown;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use tch::{Device, Tensor};

use crate::TrainError;

/// One collected step.
#[derive(Clone, Debug, PartialEq)]
pub struct StepRecord {
    /// Index of the netlist (in the trainer's list).
    pub netlist: u32,
    /// Node x / (W + H).
    pub locations_x: Vec<f32>,
    /// Node y / (W + H).
    pub locations_y: Vec<f32>,
    /// 1 for placed nodes.
    pub is_node_placed: Vec<f32>,
    /// Graph node placed at this step.
    pub current_node: u32,
    /// The legal actions (`G²` bits, [`pack_mask`]).
    pub mask: Vec<u64>,
    /// The wirelength map (`G²` bytes; empty when the model does not use it).
    pub wire: Vec<u8>,
    /// The action taken.
    pub action: u32,
    /// `log π_old(action)`.
    pub old_logp: f32,
    /// `V_old(s)`.
    pub old_value: f32,
    /// The return (the episode's reward).
    pub ret: f32,
}

impl StepRecord {
    /// A model input view of this step (`mask` must be [`unpack_mask`] of `self.mask`).
    pub fn view<'a>(&'a self, graph: &'a StaticGraph, mask: &'a [bool]) -> StepView<'a> {
        StepView {
            graph,
            locations_x: &self.locations_x,
            locations_y: &self.locations_y,
            is_node_placed: &self.is_node_placed,
            current_node: self.current_node as usize,
            mask,
            wire: &self.wire,
        }
    }
}

/// How one episode ended.
#[derive(Clone, Debug, PartialEq)]
pub struct EpisodeRecord {
    /// Index of the netlist.
    pub netlist: usize,
    /// The reward.
    pub reward: f64,
    /// The episode ran out of legal cells.
    pub infeasible: bool,
    /// Steps taken.
    pub steps: usize,
    /// Costs of the final placement (feasible episodes).
    pub costs: Option<CostBreakdown>,
}

impl EpisodeRecord {
    fn of(netlist: usize, info: &EpisodeInfo) -> EpisodeRecord {
        EpisodeRecord {
            netlist,
            reward: info.reward,
            infeasible: info.infeasible,
            steps: info.steps,
            costs: info.costs,
        }
    }
}

/// One iteration's data.
#[derive(Clone, Debug, Default)]
pub struct Rollout {
    /// Steps, episode after episode in environment order.
    pub steps: Vec<StepRecord>,
    /// Episodes in environment order.
    pub episodes: Vec<EpisodeRecord>,
}

/// Packs a mask into 64-bit words.
pub fn pack_mask(mask: &[bool]) -> Vec<u64> {
    let mut w = vec![0u64; mask.len().div_ceil(64)];
    for (i, _) in mask.iter().enumerate().filter(|(_, &b)| b) {
        w[i / 64] |= 1 << (i % 64);
    }
    w
}

/// Unpacks [`pack_mask`] into `len` booleans.
pub fn unpack_mask(words: &[u64], len: usize) -> Vec<bool> {
    (0..len).map(|i| words.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)).collect()
}

/// Draws an action from normalised log-probabilities `logp` (one row, `G²`), only among the
/// cells `mask` allows, with weights `exp(logp)`. Returns the action and its log-probability;
/// `None` when no cell is legal or the legal weights are all zero or not finite.
pub fn sample_action(logp: &[f32], mask: &[bool], rng: &mut ChaCha8Rng) -> Option<(usize, f32)> {
    let mut total = 0.0f64;
    for (a, &ok) in mask.iter().enumerate() {
        if ok {
            total += f64::from(logp[a]).exp();
        }
    }
    if !(total.is_finite() && total > 0.0) {
        return None;
    }
    let u = rng.gen::<f64>() * total;
    let mut acc = 0.0f64;
    let mut last = None;
    for (a, &ok) in mask.iter().enumerate() {
        if ok {
            acc += f64::from(logp[a]).exp();
            last = Some(a);
            if u < acc {
                return Some((a, logp[a]));
            }
        }
    }
    // Rounding left u at the very top: the last legal cell.
    last.map(|a| (a, logp[a]))
}

/// The most likely legal action (ties: the lowest index).
pub fn greedy_action(logp: &[f32], mask: &[bool]) -> Option<(usize, f32)> {
    let mut best: Option<(usize, f32)> = None;
    for (a, &ok) in mask.iter().enumerate() {
        if ok && best.is_none_or(|(_, l)| logp[a] > l) {
            best = Some((a, logp[a]));
        }
    }
    best
}

/// Runs the network on `views` without gradients: normalised log-probabilities (row-major
/// `[B, G²]`) and values `[B]`, on the CPU.
pub fn policy_outputs(
    net: &PolicyValueNet,
    device: Device,
    views: &[StepView<'_>],
) -> (Vec<f32>, Vec<f32>) {
    let batch = build(views, device);
    tch::no_grad(|| {
        let (logp, value) = net.forward(&batch);
        let ls = dist::log_softmax(&logp).to_device(Device::Cpu).flatten(0, -1);
        let v = value.to_device(Device::Cpu);
        (to_vec(&ls), to_vec(&v))
    })
}

fn to_vec(t: &Tensor) -> Vec<f32> {
    Vec::<f32>::try_from(t.contiguous()).unwrap_or_default()
}

/// Plays one episode in every environment of `venv` (they are reset first), sampling actions
/// with `rng`. `slot_netlist[k]` is the netlist index of environment `k`.
pub fn collect(
    net: &PolicyValueNet,
    device: Device,
    venv: &mut VecEnv,
    slot_netlist: &[usize],
    names: &[String],
    rng: &mut ChaCha8Rng,
) -> Result<Rollout, TrainError> {
    let name = |k: usize| names.get(slot_netlist[k]).cloned().unwrap_or_default();
    venv.reset_all();
    let n = venv.len();
    let mut per_env: Vec<Vec<StepRecord>> = vec![Vec::new(); n];
    let mut ends: Vec<Option<EpisodeRecord>> = vec![None; n];
    let mut actions = vec![0usize; n];
    while !venv.all_done() {
        let active: Vec<usize> = (0..n).filter(|&k| !venv.envs[k].is_done()).collect();
        let views: Vec<StepView<'_>> = active
            .iter()
            .map(|&k| StepView::of(venv.envs[k].graph(), venv.envs[k].observation()))
            .collect();
        let (logp, values) = policy_outputs(net, device, &views);
        let a_len = venv.envs[active[0]].observation().mask.len();
        for (row, &k) in active.iter().enumerate() {
            let e = &venv.envs[k];
            let obs = e.observation();
            let lp = &logp[row * a_len..(row + 1) * a_len];
            let (a, l) = sample_action(lp, &obs.mask, rng).ok_or_else(|| {
                TrainError::NoLegalAction { netlist: name(k), step: e.steps_taken() }
            })?;
            actions[k] = a;
            per_env[k].push(StepRecord {
                netlist: slot_netlist[k] as u32,
                locations_x: obs.locations_x.clone(),
                locations_y: obs.locations_y.clone(),
                is_node_placed: obs.is_node_placed.clone(),
                current_node: obs.current_node as u32,
                mask: pack_mask(&obs.mask),
                wire: obs.wire.clone(),
                action: a as u32,
                old_logp: l,
                old_value: values[row],
                ret: 0.0,
            });
        }
        for (k, res) in venv.step(&actions).into_iter().enumerate() {
            let Some(res) = res else { continue };
            let r = res.map_err(|e| TrainError::Env { netlist: name(k), source: e })?;
            if let Some(info) = r.info.filter(|_| r.done) {
                ends[k] = Some(EpisodeRecord::of(slot_netlist[k], &info));
            }
        }
    }
    let mut out = Rollout::default();
    for (k, (mut steps, end)) in per_env.into_iter().zip(ends).enumerate() {
        let end = end.ok_or_else(|| TrainError::NoLegalAction { netlist: name(k), step: 0 })?;
        for s in &mut steps {
            s.ret = end.reward as f32;
        }
        out.steps.extend(steps);
        out.episodes.push(end);
    }
    Ok(out)
}

/// Plays one greedy episode (argmax over legal cells) in each environment, all in one batch.
/// Returns each episode's end; the environments keep the final placements.
pub fn greedy_episodes(
    net: &PolicyValueNet,
    device: Device,
    envs: &mut [PlacementEnv],
    netlist_of: &[usize],
    names: &[String],
) -> Result<Vec<EpisodeRecord>, TrainError> {
    let name = |k: usize| names.get(netlist_of[k]).cloned().unwrap_or_default();
    for e in envs.iter_mut() {
        e.reset();
    }
    let n = envs.len();
    let mut ends: Vec<Option<EpisodeRecord>> = vec![None; n];
    while envs.iter().any(|e| !e.is_done()) {
        let active: Vec<usize> = (0..n).filter(|&k| !envs[k].is_done()).collect();
        let views: Vec<StepView<'_>> =
            active.iter().map(|&k| StepView::of(envs[k].graph(), envs[k].observation())).collect();
        let (logp, _) = policy_outputs(net, device, &views);
        let a_len = envs[active[0]].observation().mask.len();
        let mut chosen = Vec::with_capacity(active.len());
        for (row, &k) in active.iter().enumerate() {
            let e = &envs[k];
            let (a, _) =
                greedy_action(&logp[row * a_len..(row + 1) * a_len], &e.observation().mask)
                    .ok_or_else(|| TrainError::NoLegalAction {
                        netlist: name(k),
                        step: e.steps_taken(),
                    })?;
            chosen.push(a);
        }
        for (&k, &a) in active.iter().zip(&chosen) {
            let r = envs[k].step(a).map_err(|e| TrainError::Env { netlist: name(k), source: e })?;
            if let Some(info) = r.info.filter(|_| r.done) {
                ends[k] = Some(EpisodeRecord::of(netlist_of[k], &info));
            }
        }
    }
    ends.into_iter()
        .enumerate()
        .map(|(k, e)| e.ok_or_else(|| TrainError::NoLegalAction { netlist: name(k), step: 0 }))
        .collect()
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn masks_round_trip_through_bitsets() {
        let m: Vec<bool> = (0..200).map(|i| i % 3 == 0 || i == 199).collect();
        assert_eq!(unpack_mask(&pack_mask(&m), m.len()), m);
    }

    #[test]
    fn sampling_follows_the_weights_and_never_picks_a_masked_cell() {
        let logp: Vec<f32> = [0.5f64, 0.2, 0.3, 0.0]
            .iter()
            .map(|p| if *p > 0.0 { p.ln() as f32 } else { 0.0 })
            .collect();
        // Cell 3 has the largest weight (exp 0 = 1) but is masked.
        let mask = [true, true, true, false];
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut counts = [0usize; 4];
        for _ in 0..20000 {
            let (a, l) = sample_action(&logp, &mask, &mut rng).unwrap();
            assert_eq!(l, logp[a]);
            counts[a] += 1;
        }
        assert_eq!(counts[3], 0);
        for (c, p) in counts.iter().zip([0.5, 0.2, 0.3]) {
            assert!((*c as f64 / 20000.0 - p).abs() < 0.02, "{counts:?}");
        }
        assert_eq!(greedy_action(&logp, &mask), Some((0, logp[0])));
        assert_eq!(sample_action(&logp, &[false; 4], &mut rng), None);
    }
}
