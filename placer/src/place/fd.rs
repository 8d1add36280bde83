//! Force-directed placement of soft macros (standard-cell clusters), following
//! `CIRCUIT_TRAINING.md` §8 (Circuit Training's `fd_placement_schedule`, as reimplemented by
//! TILOS in `CodeElements/FDPlacement`).
//!
//! Algorithm, per stage `s` (three stages by default), `num_steps[s]` iterations of:
//! 1. **Attraction** (star model): for every net and every sink, `d = sink_pin − driver_pin`;
//!    when `d ≠ 0`, `F = w · attract · d` (times `io_factor` when either end is a port) is added
//!    to the driver's owner and subtracted from the sink's owner. Only movable owners move.
//! 2. **Repulsion**: every pair of macros (hard and soft, movable or not) whose boxes overlap by
//!    more than `min_dist` on both axes pushes apart with `F = repel · max_move · u`, `u` the
//!    unit vector between the centres (coincident centres: the fixed diagonal `(−1, −1)/√2`).
//! 3. **Normalisation per axis**: `fx /= max |fx|`, `fy /= max |fy|` over the movable nodes;
//!    the displacement is `f · max_move`, `max_move = move_distance_factor · max(W, H) /
//!    num_steps`.
//! 4. **Move**, per axis; a move that would take the box outside the canvas is cancelled.
//!
//! Attraction is skipped in a stage when `attract / repel ≤ skip_ratio`, repulsion when
//! `repel / attract ≤ skip_ratio` (the C++ version's rule, `skip_ratio = 1e-4`); a stage whose
//! factors are both 0 is skipped. With the Circuit Training defaults this makes stage 1 pure
//! attraction and stages 2-3 pure repulsion.
//!
//! Choices where TILOS's FD and Circuit Training's closed binary may differ (documented, all
//! deterministic):
//! - Out-of-canvas moves are cancelled **per axis** (the Python version's rule; the C++ one
//!   cancels the whole move). A node whose box is already outside on an axis may still move
//!   on it when the move reduces the excess. At the end, a soft macro whose box fits in the
//!   canvas but lies partly outside (possible only with `use_current_loc`) is clamped inside.
//! - A repulsion-only iteration that finds no overlapping pair changes nothing, so the rest
//!   of that stage is skipped (same result, less time).
//! - Box sizes are the netlist sizes (squared soft macros when the cost parameters ask for
//!   `square_soft_macros`, as the density cost does). Standard cells and ports neither move
//!   nor repel.
//! - Fixed nodes (`Placement::fixed`) never move, even soft macros.
//!
//! Repulsion pairs come from a sweep over the boxes sorted by left edge (insertion sort,
//! since the order changes little between iterations), so an iteration costs
//! `O(n + pairs whose x-ranges overlap)` instead of `O(n²)`.

use std::time::{Duration, Instant};

use netlists::{Netlist, NodeKind, Placement};

use crate::cost::{CostError, CostModel, CostParams, CostWeights, EvalScratch};

/// Parameters of the force-directed placer; the defaults are Circuit Training's Ariane
/// settings (`CIRCUIT_TRAINING.md` §8, ARIANE.md table).
#[derive(Clone, Debug, PartialEq)]
pub struct FdConfig {
    /// Iterations per stage.
    pub num_steps: [u32; 3],
    /// Attraction multiplier for connections with a port at either end.
    pub io_factor: f64,
    /// Per stage: `max_move = factor · max(W, H) / num_steps`.
    pub move_distance_factors: [f64; 3],
    /// Per-stage attraction factor.
    pub attract_factor: [f64; 3],
    /// Per-stage repulsion factor.
    pub repel_factor: [f64; 3],
    /// Start from the current soft-macro positions (`true`) or put every movable node at the
    /// canvas centre first (`false`, Circuit Training's default).
    pub use_current_loc: bool,
    /// Also move the (non-fixed) hard macros.
    pub move_macros: bool,
    /// Boxes repel only when they overlap by more than this on both axes (µm).
    pub min_dist: f64,
    /// Attraction is skipped when `attract / repel ≤ skip_ratio`, repulsion when
    /// `repel / attract ≤ skip_ratio`.
    pub skip_ratio: f64,
}

impl Default for FdConfig {
    fn default() -> Self {
        FdConfig {
            num_steps: [100, 100, 100],
            io_factor: 1.0,
            move_distance_factors: [1.0, 1.0, 1.0],
            attract_factor: [100.0, 1e-3, 1e-5],
            repel_factor: [0.0, 1e6, 1e7],
            use_current_loc: false,
            move_macros: false,
            min_dist: 1e-4,
            skip_ratio: 1e-4,
        }
    }
}

/// What a force-directed pass did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FdStats {
    /// Nodes that were allowed to move.
    pub movable: usize,
    /// Iterations run (over all stages).
    pub steps: u64,
    /// Overlapping pairs that produced a repulsion force (over all iterations).
    pub repulsion_pairs: u64,
    /// Soft macros clamped into the canvas at the end.
    pub clamped: usize,
    /// Wall-clock time.
    pub elapsed: Duration,
}

/// A net endpoint: a movable object plus its pin offset, or (`obj == FIXED`) a fixed point
/// whose position is stored in `dx, dy`.
#[derive(Clone, Copy, Debug)]
struct End {
    /// Object index, or `u32::MAX` for a fixed point.
    obj: u32,
    dx: f64,
    dy: f64,
}

const FIXED: u32 = u32::MAX;

/// Places the soft macros (and the hard macros when `cfg.move_macros`) of `pl` with the
/// force-directed algorithm of the module docs, on the canvas of `params`. Fixed nodes, ports
/// and (by default) hard macros stay where they are. The moved nodes are marked placed.
///
/// Deterministic: the same inputs give the same placement. Never panics; a netlist without
/// soft macros or without nets is left unchanged, and so is a placement shorter than the
/// netlist.
pub fn place_soft_macros(
    nl: &Netlist,
    pl: &mut Placement,
    params: &CostParams,
    cfg: &FdConfig,
) -> FdStats {
    let start = Instant::now();
    let mut stats = FdStats::default();
    let n = nl.len();
    if pl.x.len() < n || pl.y.len() < n || pl.fixed.len() < n || pl.placed.len() < n {
        return stats;
    }
    let (cw, ch) = (params.canvas_width, params.canvas_height);
    if !(cw.is_finite() && ch.is_finite() && cw > 0.0 && ch > 0.0) {
        return stats;
    }
    let mut fd = Fd::new(nl, pl, params, cfg);
    stats.movable = fd.n_mov;
    if fd.n_mov == 0 {
        stats.elapsed = start.elapsed();
        return stats;
    }
    if !cfg.use_current_loc {
        for o in 0..fd.n_mov {
            fd.x[o] = cw / 2.0;
            fd.y[o] = ch / 2.0;
        }
    }
    for s in 0..3 {
        let steps = cfg.num_steps[s];
        let (att, rep) = (cfg.attract_factor[s], cfg.repel_factor[s]);
        if steps == 0 || (att == 0.0 && rep == 0.0) {
            continue;
        }
        let max_move = cfg.move_distance_factors[s] * cw.max(ch) / steps as f64;
        if !(max_move.is_finite() && max_move > 0.0) {
            continue;
        }
        let do_att = att > 0.0 && !(rep > 0.0 && att / rep <= cfg.skip_ratio);
        let do_rep = rep > 0.0 && !(att > 0.0 && rep / att <= cfg.skip_ratio);
        if !do_att && !do_rep {
            continue;
        }
        for _ in 0..steps {
            stats.steps += 1;
            fd.fx[..fd.n_mov].fill(0.0);
            fd.fy[..fd.n_mov].fill(0.0);
            if do_att {
                fd.attract(att);
            }
            let mut pairs = 0;
            if do_rep {
                pairs = fd.repel(rep * max_move, cfg.min_dist);
                stats.repulsion_pairs += pairs;
            }
            if !do_att && pairs == 0 {
                break;
            }
            fd.step(max_move);
        }
    }
    stats.clamped = fd.finish(nl, pl);
    stats.elapsed = start.elapsed();
    stats
}

/// Working state: objects are the macros taking part (movable ones first).
struct Fd {
    n_mov: usize,
    /// Node index of each object.
    node: Vec<u32>,
    x: Vec<f64>,
    y: Vec<f64>,
    /// Half sizes.
    hw: Vec<f64>,
    hh: Vec<f64>,
    fx: Vec<f64>,
    fy: Vec<f64>,
    /// Attraction edges `(a, b, k)`: force `k · (pos b − pos a)` on `a`, its opposite on `b`.
    edges: Vec<(End, End, f64)>,
    /// Sweep order of the objects (by left edge).
    order: Vec<u32>,
    cw: f64,
    ch: f64,
}

impl Fd {
    fn new(nl: &Netlist, pl: &Placement, params: &CostParams, cfg: &FdConfig) -> Fd {
        let n = nl.len();
        let movable = |i: usize| -> bool {
            !pl.fixed[i]
                && match nl.kinds[i] {
                    NodeKind::SoftMacro => true,
                    NodeKind::HardMacro => cfg.move_macros,
                    _ => false,
                }
        };
        // Objects: movable nodes first, then the other macros (they repel but stay).
        let mut node: Vec<u32> = (0..n as u32).filter(|&i| movable(i as usize)).collect();
        let n_mov = node.len();
        node.extend(
            (0..n as u32).filter(|&i| nl.kinds[i as usize].is_macro() && !movable(i as usize)),
        );
        let mut obj_of = vec![FIXED; n];
        for (o, &i) in node.iter().enumerate() {
            obj_of[i as usize] = o as u32;
        }
        let size = |i: usize| -> (f64, f64) {
            let (w, h) = (nl.width[i], nl.height[i]);
            let (w, h) = if params.square_soft_macros && nl.kinds[i] == NodeKind::SoftMacro {
                let s = (w * h).sqrt();
                (s, s)
            } else {
                (w, h)
            };
            (w.max(0.0) / 2.0, h.max(0.0) / 2.0)
        };
        let x: Vec<f64> = node.iter().map(|&i| pl.x[i as usize]).collect();
        let y: Vec<f64> = node.iter().map(|&i| pl.y[i as usize]).collect();
        let (hw, hh): (Vec<f64>, Vec<f64>) = node.iter().map(|&i| size(i as usize)).unzip();
        // Endpoints: movable owner + offset, or a fixed point.
        let end = |p: usize| -> Option<(End, bool)> {
            let kind = nl.kinds.get(p)?;
            let owner = match kind {
                NodeKind::HardMacroPin | NodeKind::SoftMacroPin => {
                    nl.owner.get(p).copied().flatten().map(|o| o.index()).filter(|&o| o < n)
                }
                _ => None,
            };
            let is_port = *kind == NodeKind::Port;
            match owner {
                Some(o) if obj_of[o] != FIXED && (obj_of[o] as usize) < n_mov => {
                    let (dx, dy) = if *kind == NodeKind::HardMacroPin {
                        let (dx, dy) = nl.pin_offset[p];
                        pl.orientation.get(o).copied().unwrap_or_default().transform(dx, dy)
                    } else {
                        (0.0, 0.0)
                    };
                    Some((End { obj: obj_of[o], dx, dy }, false))
                }
                _ => {
                    let (px, py) = if pl.orientation.len() >= n {
                        pl.pin_position(nl, netlists::NodeId(p as u32))
                    } else {
                        (pl.x[p], pl.y[p])
                    };
                    Some((End { obj: FIXED, dx: px, dy: py }, is_port))
                }
            }
        };
        let mut edges = Vec::new();
        let nets = &nl.nets;
        for k in 0..nets.len() {
            let (Some(&lo), Some(&hi)) = (nets.sink_start.get(k), nets.sink_start.get(k + 1))
            else {
                continue;
            };
            let Some(sinks) = nets.sinks.get(lo as usize..hi as usize) else { continue };
            let Some((a, a_port)) = nets.driver.get(k).and_then(|d| end(d.index())) else {
                continue;
            };
            let w = nets.weight.get(k).copied().unwrap_or(1.0);
            for s in sinks {
                let Some((b, b_port)) = end(s.index()) else { continue };
                if a.obj == FIXED && b.obj == FIXED {
                    continue;
                }
                if a.obj == b.obj {
                    continue; // forces on one owner cancel
                }
                let io = if a_port || b_port { cfg.io_factor } else { 1.0 };
                let k = w * io;
                if k != 0.0 && k.is_finite() {
                    edges.push((a, b, k));
                }
            }
        }
        let n_obj = node.len();
        let mut order: Vec<u32> = (0..n_obj as u32).collect();
        order.sort_by(|&a, &b| {
            (x[a as usize] - hw[a as usize]).total_cmp(&(x[b as usize] - hw[b as usize]))
        });
        Fd {
            n_mov,
            node,
            x,
            y,
            hw,
            hh,
            fx: vec![0.0; n_mov],
            fy: vec![0.0; n_mov],
            edges,
            order,
            cw: params.canvas_width,
            ch: params.canvas_height,
        }
    }

    #[inline]
    fn pos(&self, e: &End) -> (f64, f64) {
        if e.obj == FIXED {
            (e.dx, e.dy)
        } else {
            let o = e.obj as usize;
            (self.x[o] + e.dx, self.y[o] + e.dy)
        }
    }

    fn attract(&mut self, factor: f64) {
        let n_mov = self.n_mov as u32;
        for &(a, b, k) in &self.edges {
            let (ax, ay) = self.pos(&a);
            let (bx, by) = self.pos(&b);
            let (dx, dy) = (bx - ax, by - ay);
            if dx == 0.0 && dy == 0.0 {
                continue;
            }
            let kk = k * factor;
            let (fx, fy) = (kk * dx, kk * dy);
            if a.obj < n_mov {
                self.fx[a.obj as usize] += fx;
                self.fy[a.obj as usize] += fy;
            }
            if b.obj < n_mov {
                self.fx[b.obj as usize] -= fx;
                self.fy[b.obj as usize] -= fy;
            }
        }
    }

    /// Adds the repulsion forces of every overlapping pair; returns the number of pairs.
    fn repel(&mut self, mag: f64, min_dist: f64) -> u64 {
        // Insertion sort by left edge (ties by object index): the order changes little.
        let (x, hw) = (&self.x, &self.hw);
        let key = |o: u32| (x[o as usize] - hw[o as usize], o);
        let ord = &mut self.order;
        for i in 1..ord.len() {
            let cur = ord[i];
            let kc = key(cur);
            let mut j = i;
            while j > 0 {
                let kp = key(ord[j - 1]);
                if kp.0.total_cmp(&kc.0).then(kp.1.cmp(&kc.1)).is_gt() {
                    ord[j] = ord[j - 1];
                    j -= 1;
                } else {
                    break;
                }
            }
            ord[j] = cur;
        }
        let n_mov = self.n_mov as u32;
        let diag = -std::f64::consts::FRAC_1_SQRT_2;
        let mut pairs = 0;
        for (ii, &a) in self.order.iter().enumerate() {
            let ai = a as usize;
            let (ax, ay, ahw, ahh) = (self.x[ai], self.y[ai], self.hw[ai], self.hh[ai]);
            let ax1 = ax + ahw;
            let ax0 = ax - ahw;
            for &b in &self.order[ii + 1..] {
                let bi = b as usize;
                let bx0 = self.x[bi] - self.hw[bi];
                if bx0 >= ax1 - min_dist {
                    break;
                }
                if a >= n_mov && b >= n_mov {
                    continue;
                }
                let (bx, by, bhw, bhh) = (self.x[bi], self.y[bi], self.hw[bi], self.hh[bi]);
                let ox = ax1.min(bx + bhw) - ax0.max(bx0);
                let oy = (ay + ahh).min(by + bhh) - (ay - ahh).max(by - bhh);
                if ox <= min_dist || oy <= min_dist {
                    continue;
                }
                pairs += 1;
                // Canonical pair order (lower object index first), so the force does not
                // depend on the sweep order.
                let (p, q) = if a < b { (ai, bi) } else { (bi, ai) };
                let (dx, dy) = (self.x[p] - self.x[q], self.y[p] - self.y[q]);
                let d = (dx * dx + dy * dy).sqrt();
                let (ux, uy) = if d > 0.0 { (dx / d, dy / d) } else { (diag, diag) };
                let (fx, fy) = (mag * ux, mag * uy);
                if (p as u32) < n_mov {
                    self.fx[p] += fx;
                    self.fy[p] += fy;
                }
                if (q as u32) < n_mov {
                    self.fx[q] -= fx;
                    self.fy[q] -= fy;
                }
            }
        }
        pairs
    }

    /// Normalises the forces per axis and moves the movable objects (per-axis cancel rule).
    fn step(&mut self, max_move: f64) {
        let m = self.n_mov;
        let mx = self.fx[..m].iter().fold(0.0f64, |a, &f| a.max(f.abs()));
        let my = self.fy[..m].iter().fold(0.0f64, |a, &f| a.max(f.abs()));
        let sx = if mx > 0.0 && mx.is_finite() { max_move / mx } else { 0.0 };
        let sy = if my > 0.0 && my.is_finite() { max_move / my } else { 0.0 };
        for o in 0..m {
            if sx != 0.0 {
                self.x[o] = axis_move(self.x[o], self.fx[o] * sx, self.hw[o], self.cw);
            }
            if sy != 0.0 {
                self.y[o] = axis_move(self.y[o], self.fy[o] * sy, self.hh[o], self.ch);
            }
        }
    }

    /// Writes the positions back, clamps soft macros into the canvas, marks them placed.
    fn finish(&self, nl: &Netlist, pl: &mut Placement) -> usize {
        let mut clamped = 0;
        for o in 0..self.n_mov {
            let i = self.node[o] as usize;
            let (mut x, mut y) = (self.x[o], self.y[o]);
            let (hw, hh) = (self.hw[o], self.hh[o]);
            if nl.kinds[i] == NodeKind::SoftMacro {
                let cx = clamp_axis(x, hw, self.cw);
                let cy = clamp_axis(y, hh, self.ch);
                if cx != x || cy != y {
                    clamped += 1;
                }
                (x, y) = (cx, cy);
            }
            pl.x[i] = x;
            pl.y[i] = y;
            pl.placed[i] = true;
        }
        clamped
    }
}

/// How far the interval `[c − h, c + h]` sticks out of `[0, len]`.
#[inline]
fn excess(c: f64, h: f64, len: f64) -> f64 {
    (h - c).max(0.0) + (c + h - len).max(0.0)
}

/// One axis of a move: taken unless it takes the box outside `[0, len]` (or further out).
#[inline]
fn axis_move(c: f64, d: f64, h: f64, len: f64) -> f64 {
    if d == 0.0 || !d.is_finite() {
        return c;
    }
    let nc = c + d;
    let e = excess(nc, h, len);
    if e == 0.0 || e < excess(c, h, len) {
        nc
    } else {
        c
    }
}

/// Clamps a centre so the interval fits in `[0, len]` (centred when it cannot fit).
#[inline]
fn clamp_axis(c: f64, h: f64, len: f64) -> f64 {
    if 2.0 * h >= len {
        len / 2.0
    } else {
        c.clamp(h, len - h)
    }
}

/// Runs Circuit Training's schedule (every movable soft macro from the canvas centre, the
/// [`FdConfig::default`]) on a copy of `pl` and takes the copy when its proxy at `w` is lower
/// than `pl`'s (a tie keeps `pl`). Returns that run's statistics and whether it was taken.
///
/// The result of the schedule does not depend on the movable soft macros' current positions,
/// so it spreads soft macros that start piled up (generated netlists, clusters at their
/// centroids), which a schedule from the current positions cannot.
pub fn spread_if_better(
    nl: &Netlist,
    pl: &mut Placement,
    params: &CostParams,
    w: CostWeights,
) -> Result<(FdStats, bool), CostError> {
    let model = CostModel::new(nl, params)?;
    let mut scratch = EvalScratch::default();
    let mut spread = pl.clone();
    let s = place_soft_macros(nl, &mut spread, params, &FdConfig::default());
    let better = model.evaluate(&spread, &mut scratch)?.proxy(w)
        < model.evaluate(pl, &mut scratch)?.proxy(w);
    if better {
        *pl = spread;
    }
    Ok((s, better))
}

#[cfg(test)]
mod tests;
