//! Circuit Training's coordinate descent (`CIRCUIT_TRAINING.md` §4.8), a local search that
//! refines any legal placement of the hard macros.
//!
//! Per epoch (at most [`CdConfig::epochs`]):
//! 1. the movable hard macros are visited in a random order (seeded ChaCha8, reshuffled each
//!    epoch);
//! 2. each macro is lifted and every legal cell within Manhattan radius `k` of its current
//!    cell ([`CdConfig::search_radius`] cells; grown by [`CdConfig::radius_step`] until at
//!    least one legal cell exists) is tried with each orientation of its family (current one
//!    first), by an [`IncrementalCost`] move inside a transaction that is rolled back; the
//!    macro goes to the candidate with the lowest proxy at [`CdConfig::weights`] if that is
//!    lower than where it is (by more than a 1e-12 relative margin, so rounding noise never
//!    moves a macro); otherwise it stays, even off-grid;
//! 3. after the epoch the soft macros are optionally re-placed: force-directed placement
//!    ([`CdConfig::fd_between_epochs`], run with `use_current_loc = true` and
//!    `move_macros = false` as Circuit Training does), then the user hook
//!    [`CdConfig::soft_refresh`]; if the cost is then higher than at the start of the epoch,
//!    the epoch is reverted and CD stops;
//! 4. CD stops when the epoch's relative improvement is below
//!    [`CdConfig::min_rel_improvement`].
//!
//! The input is first made legal with [`legalize`] (a no-op on a legal placement), so CD can
//! follow any method or an imported `.plc`. The result is never worse than the (legalised)
//! input at the optimisation weights: the final full evaluation is compared with the initial
//! one and the input is restored if rounding ever made it worse. Legal cells follow the
//! [`cell_mask`](super::cell_mask) rule. Soft macros are not searched (Circuit Training also
//! tries soft macros over cells; not implemented here).

use std::sync::Arc;
use std::time::{Duration, Instant};

use netlists::{Netlist, NodeId, NodeKind, Orientation, Placement};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::fd::{place_soft_macros, FdConfig};
use super::legalize::{legalize, LegalizeStats};
use super::{
    check_placement_len, Budget, Deadline, Occupancy, PlaceError, PlacementGrid, Progress,
    ProgressSink, Rect,
};
use crate::cost::{CostModel, CostParams, CostWeights, EvalScratch, IncrementalCost};

/// Relative margin a candidate must beat the current cost by to be taken.
const IMPROVE_REL: f64 = 1e-12;

/// A soft-macro re-placement run between epochs (it may move soft macros only; the hard
/// macros must be left where they are).
pub type SoftRefresh =
    Arc<dyn Fn(&Netlist, &mut Placement, &CostParams) -> Result<(), PlaceError> + Send + Sync>;

/// Options of [`coordinate_descent`]; the defaults are Circuit Training's.
#[derive(Clone)]
pub struct CdConfig {
    /// Maximum number of epochs (default 2).
    pub epochs: usize,
    /// Initial search radius in grid cells, Manhattan (default 5).
    pub search_radius: u32,
    /// Radius increment when no legal cell lies within the radius (default 5).
    pub radius_step: u32,
    /// Try the four orientations of each macro's family (default true).
    pub try_orientations: bool,
    /// Proxy weights optimised (default 1 / 0.5 / 0.5).
    pub weights: CostWeights,
    /// Stop when an epoch improves the cost by less than this fraction (default 1e-3).
    pub min_rel_improvement: f64,
    /// Force-directed re-placement of the soft macros after each epoch (default none).
    /// `use_current_loc` is forced to true and `move_macros` to false (hard macros stay).
    pub fd_between_epochs: Option<FdConfig>,
    /// Any other soft-macro re-placement after each epoch, run after the FD one (default
    /// none).
    pub soft_refresh: Option<SoftRefresh>,
}

impl Default for CdConfig {
    fn default() -> Self {
        CdConfig {
            epochs: 2,
            search_radius: 5,
            radius_step: 5,
            try_orientations: true,
            weights: CostWeights::GOOGLE_INTERNAL,
            min_rel_improvement: 1e-3,
            fd_between_epochs: None,
            soft_refresh: None,
        }
    }
}

impl std::fmt::Debug for CdConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CdConfig")
            .field("epochs", &self.epochs)
            .field("search_radius", &self.search_radius)
            .field("radius_step", &self.radius_step)
            .field("try_orientations", &self.try_orientations)
            .field("weights", &self.weights)
            .field("min_rel_improvement", &self.min_rel_improvement)
            .field("fd_between_epochs", &self.fd_between_epochs)
            .field("soft_refresh", &self.soft_refresh.as_ref().map(|_| "<fn>"))
            .finish()
    }
}

/// What [`coordinate_descent`] did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CdStats {
    /// Epochs run (including a reverted one).
    pub epochs_run: usize,
    /// Epochs reverted because the cost got worse.
    pub epochs_reverted: usize,
    /// Candidate (cell, orientation) evaluations.
    pub candidates_evaluated: u64,
    /// Macro relocations or re-orientations accepted.
    pub macros_moved: u64,
    /// Proxy at the optimisation weights after legalisation, before CD.
    pub initial_cost: f64,
    /// Proxy at the optimisation weights of the result.
    pub final_cost: f64,
    /// What the initial legalisation did (`moved == 0` for a legal input).
    pub legalized: LegalizeStats,
    /// The budget ran out (or the run was cancelled) before CD converged.
    pub stopped_by_budget: bool,
    /// Wall-clock time.
    pub elapsed: Duration,
}

/// Runs coordinate descent on `pl` in place (see the module docs).
///
/// Errors: those of [`legalize`] for an input that cannot be made legal, those of the soft
/// refresh, [`PlaceError::Cost`] for invalid parameters, [`PlaceError::Config`] for a bad
/// configuration or a placement that does not match the netlist.
pub fn coordinate_descent(
    nl: &Netlist,
    pl: &mut Placement,
    params: &CostParams,
    cfg: &CdConfig,
    seed: u64,
    budget: &Budget,
    progress: &dyn ProgressSink,
) -> Result<CdStats, PlaceError> {
    let deadline = budget.start();
    params.validate()?;
    check_placement_len(nl, pl)?;
    if !(cfg.min_rel_improvement.is_finite()) {
        return Err(PlaceError::Config("min_rel_improvement must be finite".into()));
    }
    let w = cfg.weights;
    if ![w.wl, w.den, w.cong].iter().all(|v| v.is_finite()) {
        return Err(PlaceError::Config(format!("weights must be finite, got {w}")));
    }
    let mut stats = CdStats { legalized: legalize(nl, pl, params)?, ..Default::default() };
    let model = CostModel::new(nl, params)?;
    let mut scratch = EvalScratch::default();
    let start_pl = pl.clone();
    let initial_full = model.evaluate(pl, &mut scratch)?.proxy(w);
    stats.initial_cost = initial_full;
    let grid = PlacementGrid::new(params);
    let movable: Vec<NodeId> =
        nl.ids().filter(|&i| nl.kind(i) == NodeKind::HardMacro && !pl.fixed[i.index()]).collect();
    let mut inc = IncrementalCost::from_model(model.clone(), pl)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut last_report = Instant::now();
    let mut cells: Vec<usize> = Vec::new();

    for epoch in 0..cfg.epochs {
        if deadline.expired() {
            stats.stopped_by_budget = true;
            break;
        }
        stats.epochs_run += 1;
        let snapshot = pl.clone();
        let before = inc.proxy(w);
        let mut order = movable.clone();
        order.shuffle(&mut rng);
        let mut occ = Occupancy::from_placement(nl, pl, grid.width, grid.height);
        for (step, &m) in order.iter().enumerate() {
            if deadline.expired() {
                stats.stopped_by_budget = true;
                break;
            }
            let i = m.index();
            occ.remove(m);
            let (x0, y0, o0) = (pl.x[i], pl.y[i], pl.orientation[i]);
            let (w_m, h_m) = (nl.width[i], nl.height[i]);
            legal_cells_near(&grid, &occ, m, w_m, h_m, x0, y0, cfg, &mut cells);
            let orients: Vec<Orientation> = if cfg.try_orientations {
                std::iter::once(o0).chain(o0.family().into_iter().filter(|&o| o != o0)).collect()
            } else {
                vec![o0]
            };
            let cur = inc.proxy(w);
            let mut best = (cur, x0, y0, o0);
            for &cell in &cells {
                let (x, y) = grid.centre(cell);
                for &o in &orients {
                    if (x, y, o) == (x0, y0, o0) {
                        continue;
                    }
                    inc.begin();
                    inc.move_and_orient(m, x, y, o)?;
                    let v = inc.proxy(w);
                    inc.rollback();
                    stats.candidates_evaluated += 1;
                    if v < best.0 - IMPROVE_REL * best.0.abs() {
                        best = (v, x, y, o);
                    }
                }
            }
            let (_, x, y, o) = best;
            if (x, y, o) != (x0, y0, o0) {
                inc.move_and_orient(m, x, y, o)?;
                (pl.x[i], pl.y[i], pl.orientation[i]) = (x, y, o);
                stats.macros_moved += 1;
            }
            occ.insert(nl, m, pl.x[i], pl.y[i]);
            if last_report.elapsed() >= Duration::from_millis(100) {
                last_report = Instant::now();
                let frac =
                    (epoch as f64 + (step + 1) as f64 / order.len() as f64) / cfg.epochs as f64;
                report(progress, &deadline, frac, inc.proxy(w), stats.candidates_evaluated);
            }
        }
        if let Some(fd) = &cfg.fd_between_epochs {
            let fd = FdConfig { use_current_loc: true, move_macros: false, ..fd.clone() };
            place_soft_macros(nl, pl, params, &fd);
        }
        if let Some(refresh) = &cfg.soft_refresh {
            refresh(nl, pl, params)?;
        }
        if cfg.fd_between_epochs.is_some() || cfg.soft_refresh.is_some() {
            inc = IncrementalCost::from_model(model.clone(), pl)?;
        }
        let after = inc.proxy(w);
        if after > before {
            *pl = snapshot;
            stats.epochs_reverted += 1;
            break;
        }
        if stats.stopped_by_budget || before - after < cfg.min_rel_improvement * before.abs() {
            break;
        }
    }
    let mut final_full = model.evaluate(pl, &mut scratch)?.proxy(w);
    if final_full > initial_full {
        // Rounding (or a refresh) made it worse overall: give back the input.
        *pl = start_pl;
        final_full = initial_full;
    }
    stats.final_cost = final_full;
    stats.elapsed = deadline.elapsed();
    report(progress, &deadline, 1.0, final_full, stats.candidates_evaluated);
    Ok(stats)
}

/// The legal cells (ascending index) within Manhattan radius `k` of the cell of `(x0, y0)`,
/// `k` starting at the configured radius and growing until one is found or the whole grid
/// is covered.
#[allow(clippy::too_many_arguments)]
fn legal_cells_near(
    grid: &PlacementGrid,
    occ: &Occupancy,
    m: NodeId,
    w: f64,
    h: f64,
    x0: f64,
    y0: f64,
    cfg: &CdConfig,
    out: &mut Vec<usize>,
) {
    let (rows, cols) = (grid.rows as i64, grid.cols as i64);
    let (r0, c0) = grid.row_col(grid.cell_of(x0, y0));
    let (r0, c0) = (r0 as i64, c0 as i64);
    let mut k = cfg.search_radius as i64;
    let max_k = rows + cols;
    loop {
        out.clear();
        for r in (r0 - k).max(0)..=(r0 + k).min(rows - 1) {
            let left = k - (r - r0).abs();
            for c in (c0 - left).max(0)..=(c0 + left).min(cols - 1) {
                let cell = grid.index(r as u32, c as u32);
                let (x, y) = grid.centre(cell);
                let rect = Rect::centred(x, y, w, h);
                if rect.inside_canvas(grid.width, grid.height)
                    && !occ.overlaps(&rect, Some(m), None)
                {
                    out.push(cell);
                }
            }
        }
        if !out.is_empty() || k >= max_k || cfg.radius_step == 0 {
            return;
        }
        k = (k + cfg.radius_step as i64).min(max_k);
    }
}

fn report(progress: &dyn ProgressSink, d: &Deadline, fraction: f64, cost: f64, moves: u64) {
    let el = d.elapsed();
    progress.report(&Progress {
        stage: "cd".into(),
        fraction: fraction.clamp(0.0, 1.0),
        best_cost: cost,
        moves,
        moves_per_sec: moves as f64 / el.as_secs_f64().max(1e-9),
        elapsed: el,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::evaluate;
    use crate::place::random::place_random;
    use crate::place::tests_common::{assert_complete_and_legal, small_generated};
    use crate::place::NoProgress;

    #[test]
    fn cd_never_worse_usually_better_legal_and_seeded() {
        let w = CostWeights::GOOGLE_INTERNAL;
        let mut improved = 0;
        for seed in 0..4 {
            let (nl, init, p) = small_generated(seed);
            let start = place_random(&nl, &init, &p, seed).unwrap().placement;
            let c0 = evaluate(&nl, &start, &p).unwrap().proxy(w);
            let mut a = start.clone();
            let cfg = CdConfig::default();
            let s = coordinate_descent(&nl, &mut a, &p, &cfg, 9, &Budget::default(), &NoProgress)
                .unwrap();
            assert_complete_and_legal(&nl, &init, &a, &p);
            let c1 = evaluate(&nl, &a, &p).unwrap().proxy(w);
            assert!(c1 <= c0, "seed {seed}: {c1} > {c0}");
            assert_eq!(s.final_cost, c1);
            assert!((s.initial_cost - c0).abs() <= 1e-12 * c0.abs());
            if c1 < c0 * (1.0 - 1e-3) {
                improved += 1;
            }
            let mut b = start.clone();
            coordinate_descent(&nl, &mut b, &p, &cfg, 9, &Budget::default(), &NoProgress).unwrap();
            assert_eq!(a, b);
        }
        assert!(improved >= 3, "CD improved only {improved} of 4 random placements");
    }

    #[test]
    fn cd_legalizes_an_illegal_input_first_and_respects_a_zero_budget() {
        let (nl, init, p) = small_generated(2);
        let mut pl = init.clone();
        // Everything stacked at the canvas centre.
        let s = coordinate_descent(
            &nl,
            &mut pl,
            &p,
            &CdConfig::default(),
            1,
            &Budget::seconds(0.0),
            &NoProgress,
        )
        .unwrap();
        assert!(s.legalized.moved > 0);
        assert!(s.stopped_by_budget);
        assert_eq!(s.candidates_evaluated, 0);
        assert_complete_and_legal(&nl, &init, &pl, &p);
    }

    #[test]
    fn fd_between_epochs_keeps_hard_macros_legal_and_never_worsens() {
        let (nl, init, p) = small_generated(6);
        let start = place_random(&nl, &init, &p, 6).unwrap().placement;
        let mut pl = start.clone();
        let cfg = CdConfig {
            fd_between_epochs: Some(FdConfig { num_steps: [20, 20, 20], ..Default::default() }),
            ..Default::default()
        };
        let s =
            coordinate_descent(&nl, &mut pl, &p, &cfg, 4, &Budget::default(), &NoProgress).unwrap();
        let rep = crate::legality::check(&nl, &pl, p.canvas_width, p.canvas_height);
        assert!(rep.is_legal(), "{rep:?}");
        assert!(s.final_cost <= s.initial_cost);
        let w = CostWeights::GOOGLE_INTERNAL;
        assert_eq!(evaluate(&nl, &pl, &p).unwrap().proxy(w), s.final_cost);
    }

    #[test]
    fn a_refresh_that_hurts_is_reverted() {
        let (nl, init, p) = small_generated(1);
        let start = place_random(&nl, &init, &p, 1).unwrap().placement;
        let mut pl = start.clone();
        // A "refresh" that throws every soft macro far off the canvas: much worse wirelength.
        let cfg = CdConfig {
            soft_refresh: Some(Arc::new(|nl: &Netlist, pl: &mut Placement, _: &CostParams| {
                for m in nl.soft_macros() {
                    (pl.x[m.index()], pl.y[m.index()]) = (-1e5, -1e5);
                }
                Ok(())
            })),
            ..Default::default()
        };
        let s =
            coordinate_descent(&nl, &mut pl, &p, &cfg, 3, &Budget::default(), &NoProgress).unwrap();
        assert_eq!(s.epochs_reverted, 1);
        assert_eq!(pl, start);
        assert!(s.final_cost <= s.initial_cost);
    }
}
