//! Grid placement of hard macros with Circuit Training semantics, shared by every placement
//! method (random, greedy, simulated annealing, coordinate descent, the RL environment).
//!
//! - [`PlacementGrid`]: the placement grid's geometry; a macro placed in a cell sits at the
//!   cell centre `((c + 0.5)·gw, (r + 0.5)·gh)`, cell index `r·cols + c`, row 0 at the bottom.
//! - [`Occupancy`]: the rectangles of placed or fixed hard macros and of blocking blockages,
//!   bucketed for fast "does this rectangle overlap anything?" queries.
//! - [`macro_order`]: hard macros to place, largest area first (ties by index), fixed ones
//!   excluded (CT `descending_size_macro_first`).
//! - [`Budget`], [`Progress`], [`ProgressSink`], [`PlaceOutcome`]: the interface every method
//!   shares, so the CLI, `compare` and the service drive them the same way.
//!
//! Legality (the chipfloor rule of `CIRCUIT_TRAINING.md` §4.4): a hard macro must lie fully
//! inside the canvas, must not overlap a placed or fixed hard macro (touching edges allowed,
//! overlaps up to [`OVERLAP_EPS`] µm per axis ignored), and must not overlap a blockage of rate
//! ≥ [`BLOCKING_RATE`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use netlists::{Blockage, Netlist, NodeId, NodeKind, Placement};

use crate::cost::CostParams;

pub mod cd;
pub mod fd;
pub mod greedy;
pub mod legalize;
pub mod random;
pub mod sa;
#[cfg(test)]
mod tests_common;

pub use cd::{coordinate_descent, CdConfig, CdStats, SoftRefresh};
pub use greedy::{macro_nets, node_nets, pins_box, place_greedy, GreedyConfig, MacroNet};
pub use legalize::{legalize, LegalizeStats};
pub use random::place_random;

/// Overlap tolerance in µm per axis: two rectangles overlap only when both their overlap
/// extents exceed this (so touching edges and float noise do not count). Same value as the
/// legality report's.
pub const OVERLAP_EPS: f64 = 1e-6;

/// Blockages with a rate at least this high forbid hard macros.
pub const BLOCKING_RATE: f64 = 0.99;

/// An axis-aligned rectangle `[x0, x1] × [y0, y1]` in µm.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    /// Left.
    pub x0: f64,
    /// Bottom.
    pub y0: f64,
    /// Right.
    pub x1: f64,
    /// Top.
    pub y1: f64,
}

impl Rect {
    /// The rectangle of a `w × h` box centred at `(x, y)`.
    #[inline]
    pub fn centred(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect { x0: x - w / 2.0, y0: y - h / 2.0, x1: x + w / 2.0, y1: y + h / 2.0 }
    }
    /// True when both overlap extents exceed [`OVERLAP_EPS`].
    #[inline]
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x1.min(o.x1) - self.x0.max(o.x0) > OVERLAP_EPS
            && self.y1.min(o.y1) - self.y0.max(o.y0) > OVERLAP_EPS
    }
    /// Overlap area (0 when disjoint).
    #[inline]
    pub fn overlap_area(&self, o: &Rect) -> f64 {
        let dx = self.x1.min(o.x1) - self.x0.max(o.x0);
        let dy = self.y1.min(o.y1) - self.y0.max(o.y0);
        if dx > 0.0 && dy > 0.0 {
            dx * dy
        } else {
            0.0
        }
    }
    /// True when the rectangle lies inside `[0, w] × [0, h]` (up to [`OVERLAP_EPS`]).
    #[inline]
    pub fn inside_canvas(&self, w: f64, h: f64) -> bool {
        self.x0 >= -OVERLAP_EPS
            && self.y0 >= -OVERLAP_EPS
            && self.x1 <= w + OVERLAP_EPS
            && self.y1 <= h + OVERLAP_EPS
    }
}

/// The placement grid's geometry.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlacementGrid {
    /// Canvas width in µm.
    pub width: f64,
    /// Canvas height in µm.
    pub height: f64,
    /// Columns.
    pub cols: u32,
    /// Rows.
    pub rows: u32,
    /// Cell width `W / cols`.
    pub cell_w: f64,
    /// Cell height `H / rows`.
    pub cell_h: f64,
}

impl PlacementGrid {
    /// The grid of a set of cost parameters.
    pub fn new(p: &CostParams) -> PlacementGrid {
        PlacementGrid {
            width: p.canvas_width,
            height: p.canvas_height,
            cols: p.cols,
            rows: p.rows,
            cell_w: p.canvas_width / p.cols as f64,
            cell_h: p.canvas_height / p.rows as f64,
        }
    }
    /// Number of cells.
    #[inline]
    pub fn len(&self) -> usize {
        self.cols as usize * self.rows as usize
    }
    /// True for an empty grid.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Cell index of `(row, col)`.
    #[inline]
    pub fn index(&self, row: u32, col: u32) -> usize {
        row as usize * self.cols as usize + col as usize
    }
    /// `(row, col)` of a cell index.
    #[inline]
    pub fn row_col(&self, cell: usize) -> (u32, u32) {
        ((cell / self.cols as usize) as u32, (cell % self.cols as usize) as u32)
    }
    /// Centre of a cell (where a macro placed there sits).
    #[inline]
    pub fn centre(&self, cell: usize) -> (f64, f64) {
        let (r, c) = self.row_col(cell);
        ((c as f64 + 0.5) * self.cell_w, (r as f64 + 0.5) * self.cell_h)
    }
    /// The cell containing `(x, y)`, clamped into the grid (`floor(x / gw)` as the cost does).
    #[inline]
    pub fn cell_of(&self, x: f64, y: f64) -> usize {
        let c = ((x / self.cell_w).floor().max(0.0) as u32).min(self.cols - 1);
        let r = ((y / self.cell_h).floor().max(0.0) as u32).min(self.rows - 1);
        self.index(r, c)
    }
}

/// Rectangles of placed/fixed hard macros and blocking blockages, in a bucket grid.
#[derive(Clone, Debug)]
pub struct Occupancy {
    bx: usize,
    by: usize,
    bw: f64,
    bh: f64,
    buckets: Vec<Vec<u32>>,
    /// Rectangle of each slot (slots: hard macros by node id, then blockages).
    rects: Vec<Option<Rect>>,
    n_nodes: usize,
}

impl Occupancy {
    /// An empty index over a canvas, with blocking blockages (rate ≥ [`BLOCKING_RATE`]).
    pub fn new(nl: &Netlist, width: f64, height: f64, blockages: &[Blockage]) -> Occupancy {
        let n_hard = nl.kinds.iter().filter(|k| **k == NodeKind::HardMacro).count().max(1);
        // About one bucket per hard macro, at least 8 × 8.
        let side = ((n_hard as f64).sqrt().ceil() as usize).clamp(8, 256);
        let mut o = Occupancy {
            bx: side,
            by: side,
            bw: (width / side as f64).max(f64::MIN_POSITIVE),
            bh: (height / side as f64).max(f64::MIN_POSITIVE),
            buckets: vec![Vec::new(); side * side],
            rects: vec![None; nl.len()],
            n_nodes: nl.len(),
        };
        for b in blockages.iter().filter(|b| b.rate >= BLOCKING_RATE) {
            let slot = o.rects.len();
            o.rects.push(None);
            o.set_slot(slot, Some(Rect { x0: b.min_x, y0: b.min_y, x1: b.max_x, y1: b.max_y }));
        }
        o
    }

    /// An index holding every hard macro of `pl` whose `placed` or `fixed` flag is set.
    pub fn from_placement(nl: &Netlist, pl: &Placement, width: f64, height: f64) -> Occupancy {
        let mut o = Occupancy::new(nl, width, height, &nl.header.blockages);
        for id in nl.ids() {
            let i = id.index();
            if nl.kinds[i] == NodeKind::HardMacro && (pl.placed[i] || pl.fixed[i]) {
                o.insert(nl, id, pl.x[i], pl.y[i]);
            }
        }
        o
    }

    fn bucket_range(&self, r: &Rect) -> (usize, usize, usize, usize) {
        let clampx = |v: f64| ((v / self.bw).floor().max(0.0) as usize).min(self.bx - 1);
        let clampy = |v: f64| ((v / self.bh).floor().max(0.0) as usize).min(self.by - 1);
        (clampx(r.x0), clampx(r.x1), clampy(r.y0), clampy(r.y1))
    }

    fn set_slot(&mut self, slot: usize, rect: Option<Rect>) {
        if let Some(old) = self.rects[slot] {
            let (x0, x1, y0, y1) = self.bucket_range(&old);
            for by in y0..=y1 {
                for bx in x0..=x1 {
                    let b = &mut self.buckets[by * self.bx + bx];
                    if let Some(p) = b.iter().position(|&s| s as usize == slot) {
                        b.swap_remove(p);
                    }
                }
            }
        }
        self.rects[slot] = rect;
        if let Some(new) = rect {
            let (x0, x1, y0, y1) = self.bucket_range(&new);
            for by in y0..=y1 {
                for bx in x0..=x1 {
                    self.buckets[by * self.bx + bx].push(slot as u32);
                }
            }
        }
    }

    /// Places (or moves) hard macro `id` at centre `(x, y)`.
    pub fn insert(&mut self, nl: &Netlist, id: NodeId, x: f64, y: f64) {
        let i = id.index();
        self.set_slot(i, Some(Rect::centred(x, y, nl.width[i], nl.height[i])));
    }

    /// Removes hard macro `id` (no-op when absent).
    pub fn remove(&mut self, id: NodeId) {
        self.set_slot(id.index(), None);
    }

    /// True when `id` is in the index.
    pub fn contains(&self, id: NodeId) -> bool {
        self.rects.get(id.index()).is_some_and(|r| r.is_some())
    }

    /// True when `rect` overlaps a macro in the index (other than `ignore`, and `ignore2`) or a
    /// blocking blockage.
    pub fn overlaps(&self, rect: &Rect, ignore: Option<NodeId>, ignore2: Option<NodeId>) -> bool {
        let skip = |s: usize| {
            Some(s) == ignore.map(|i| i.index()) || Some(s) == ignore2.map(|i| i.index())
        };
        let (x0, x1, y0, y1) = self.bucket_range(rect);
        for by in y0..=y1 {
            for bx in x0..=x1 {
                for &s in &self.buckets[by * self.bx + bx] {
                    let s = s as usize;
                    if skip(s) {
                        continue;
                    }
                    if let Some(r) = &self.rects[s] {
                        if r.overlaps(rect) {
                            return true;
                        }
                    }
                }
            }
        }
        false
    }

    /// Number of node slots (the netlist's node count).
    pub fn num_nodes(&self) -> usize {
        self.n_nodes
    }
}

/// Legal-cell mask of hard macro `id` on `grid`: `mask[cell]` is true when the macro, centred
/// on that cell, lies inside the canvas and overlaps nothing in `occ` (itself excluded).
pub fn cell_mask(
    nl: &Netlist,
    id: NodeId,
    grid: &PlacementGrid,
    occ: &Occupancy,
    mask: &mut Vec<bool>,
) {
    let (w, h) = (nl.width[id.index()], nl.height[id.index()]);
    mask.clear();
    mask.resize(grid.len(), false);
    for (cell, m) in mask.iter_mut().enumerate() {
        let (x, y) = grid.centre(cell);
        let r = Rect::centred(x, y, w, h);
        *m = r.inside_canvas(grid.width, grid.height) && !occ.overlaps(&r, Some(id), None);
    }
}

/// Hard macros to place, largest area first, ties by ascending index; fixed macros excluded
/// (Circuit Training `descending_size_macro_first`).
pub fn macro_order(nl: &Netlist, pl: &Placement) -> Vec<NodeId> {
    let mut v: Vec<NodeId> =
        nl.ids().filter(|&i| nl.kind(i) == NodeKind::HardMacro && !pl.fixed[i.index()]).collect();
    v.sort_by(|&a, &b| nl.area(b).total_cmp(&nl.area(a)).then(a.cmp(&b)));
    v
}

/// When to stop: a wall-clock budget and/or a cancel flag (set from another thread).
#[derive(Clone, Debug, Default)]
pub struct Budget {
    /// Wall-clock time allowed.
    pub time: Option<Duration>,
    /// Set to true to stop as soon as possible (the best result so far is returned).
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Budget {
    /// A budget of `secs` seconds.
    pub fn seconds(secs: f64) -> Budget {
        Budget { time: Some(Duration::from_secs_f64(secs.max(0.0))), cancel: None }
    }
    /// A started clock for this budget.
    pub fn start(&self) -> Deadline {
        Deadline { start: Instant::now(), time: self.time, cancel: self.cancel.clone() }
    }
}

/// CPU time (user + system, all threads) this process has used, from `/proc/self/stat`
/// (`None` where that file is unavailable).
pub fn process_cpu_time() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (in parentheses): utime is the 12th, stime the 13th,
    // in clock ticks of 1/100 s on Linux.
    let rest = s.rsplit(')').next()?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// A running [`Budget`].
#[derive(Clone, Debug)]
pub struct Deadline {
    start: Instant,
    time: Option<Duration>,
    cancel: Option<Arc<AtomicBool>>,
}

impl Deadline {
    /// True when time is up or the run was cancelled.
    pub fn expired(&self) -> bool {
        self.cancelled() || self.time.is_some_and(|t| self.start.elapsed() >= t)
    }
    /// True when the run was cancelled.
    pub fn cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed))
    }
    /// Time since the start.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }
    /// Fraction of the time budget used, in `[0, 1]` (0 without a time budget).
    pub fn fraction(&self) -> f64 {
        match self.time {
            Some(t) if !t.is_zero() => {
                (self.start.elapsed().as_secs_f64() / t.as_secs_f64()).min(1.0)
            }
            Some(_) => 1.0,
            None => 0.0,
        }
    }
}

/// A progress report from a running method.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    /// Method and stage, e.g. `"sa"`, `"fd"`.
    pub stage: String,
    /// Fraction done in `[0, 1]`.
    pub fraction: f64,
    /// Best proxy so far at the method's optimisation weights (NaN when unknown).
    pub best_cost: f64,
    /// Moves (or steps) evaluated so far.
    pub moves: u64,
    /// Moves per second so far.
    pub moves_per_sec: f64,
    /// Time since the start.
    pub elapsed: Duration,
}

/// Receives progress reports (the CLI draws a bar, the service streams events).
pub trait ProgressSink: Sync {
    /// Called now and then (at most a few times per second) by a running method.
    fn report(&self, p: &Progress);

    /// True when the sink wants snapshots of the placement ([`placement`](Self::placement)).
    /// Methods copy a placement for it only when this is true (default false).
    fn wants_placement(&self) -> bool {
        false
    }

    /// A snapshot of the placement so far (the best one, for methods that keep a best): called
    /// only when [`wants_placement`](Self::wants_placement) is true, by simulated annealing on
    /// a new best at most about once per second, and by the pipeline after each stage. Hard
    /// macros not placed yet keep their start position.
    fn placement(&self, _pl: &Placement) {}
}

/// A sink that ignores everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn report(&self, _: &Progress) {}
}

/// What a placement method returns.
#[derive(Clone, Debug)]
pub struct PlaceOutcome {
    /// The placement (every hard macro placed and legal, unless `legal` says otherwise).
    pub placement: Placement,
    /// Method-specific statistics, e.g. `("moves", 1.2e6)`, `("accepted", 3.4e5)`.
    pub stats: Vec<(String, f64)>,
}

/// Why a method could not produce a placement.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlaceError {
    /// No legal cell is left for a hard macro.
    #[error("no legal cell left for hard macro {name} (index {id}, {w} x {h} um): {why}")]
    NoLegalCell {
        /// The macro.
        id: NodeId,
        /// Its name.
        name: String,
        /// Width.
        w: f64,
        /// Height.
        h: f64,
        /// Context (how many macros were placed, grid size).
        why: String,
    },
    /// The cost could not be evaluated.
    #[error(transparent)]
    Cost(#[from] crate::cost::CostError),
    /// Bad configuration.
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl PlaceError {
    /// [`PlaceError::NoLegalCell`] for hard macro `id` of `nl`, with context `why`.
    pub fn no_legal_cell(nl: &Netlist, id: NodeId, why: impl Into<String>) -> PlaceError {
        let i = id.index();
        PlaceError::NoLegalCell {
            id,
            name: nl.names.get(i).cloned().unwrap_or_default(),
            w: nl.width.get(i).copied().unwrap_or(f64::NAN),
            h: nl.height.get(i).copied().unwrap_or(f64::NAN),
            why: why.into(),
        }
    }
}

/// Checks that a placement has one entry per node of `nl` in every array
/// ([`PlaceError::Config`] otherwise), so the methods can index it freely.
pub fn check_placement_len(nl: &Netlist, pl: &Placement) -> Result<(), PlaceError> {
    let n = nl.len();
    let lens = [pl.x.len(), pl.y.len(), pl.orientation.len(), pl.fixed.len(), pl.placed.len()];
    if lens.iter().any(|&l| l != n) {
        return Err(PlaceError::Config(format!(
            "placement arrays have lengths {lens:?}, the netlist has {n} nodes"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlists::{NetlistBuilder, NodeSpec};

    fn two_macros() -> Netlist {
        tests_common::hard_macros(&[(30.0, 20.0), (50.0, 50.0), (50.0, 50.0)])
    }

    #[test]
    fn order_is_area_descending_ties_by_index() {
        let nl = two_macros();
        let pl = nl.initial_placement();
        assert_eq!(macro_order(&nl, &pl), vec![NodeId(1), NodeId(2), NodeId(0)]);
        let mut pl2 = pl.clone();
        pl2.fixed[1] = true;
        assert_eq!(macro_order(&nl, &pl2), vec![NodeId(2), NodeId(0)]);
    }

    #[test]
    fn mask_forbids_overlap_and_leaving_the_canvas() {
        let nl = two_macros();
        let p = CostParams {
            canvas_width: 200.0,
            canvas_height: 100.0,
            cols: 4,
            rows: 2,
            ..Default::default()
        };
        let grid = PlacementGrid::new(&p);
        let mut occ = Occupancy::new(&nl, 200.0, 100.0, &[]);
        let mut mask = Vec::new();
        cell_mask(&nl, NodeId(1), &grid, &occ, &mut mask);
        // 50 x 50 cells: a 50 x 50 macro fits in every cell.
        assert_eq!(mask, vec![true; 8]);
        occ.insert(&nl, NodeId(1), 25.0, 25.0); // cell 0
        cell_mask(&nl, NodeId(2), &grid, &occ, &mut mask);
        assert_eq!(mask, vec![false, true, true, true, true, true, true, true]);
        // Touching edges are allowed: cell 1 (centre 75, 25) touches the macro in cell 0.
        let big = Rect::centred(75.0, 25.0, 50.0, 50.0);
        assert!(!occ.overlaps(&big, None, None));
        // A macro larger than a cell leaves the canvas in edge cells.
        let mut b = NetlistBuilder::new();
        b.push(NodeSpec {
            name: "X".into(),
            kind: Some(NodeKind::HardMacro),
            width: 80.0,
            height: 40.0,
            ..Default::default()
        });
        let nl2 = b.build().unwrap();
        let occ2 = Occupancy::new(&nl2, 200.0, 100.0, &[]);
        cell_mask(&nl2, NodeId(0), &grid, &occ2, &mut mask);
        assert_eq!(mask, vec![false, true, true, false, false, true, true, false]);
        // A blocking blockage forbids the cells it covers; a low-rate one does not.
        let bl = [
            Blockage { min_x: 100.0, min_y: 0.0, max_x: 150.0, max_y: 50.0, rate: 1.0 },
            Blockage { min_x: 0.0, min_y: 50.0, max_x: 200.0, max_y: 100.0, rate: 0.1 },
        ];
        let occ3 = Occupancy::new(&nl, 200.0, 100.0, &bl);
        cell_mask(&nl, NodeId(1), &grid, &occ3, &mut mask);
        assert_eq!(mask, vec![true, true, false, true, true, true, true, true]);
    }

    #[test]
    fn occupancy_moves_and_removes() {
        let nl = two_macros();
        let mut occ = Occupancy::new(&nl, 200.0, 100.0, &[]);
        occ.insert(&nl, NodeId(1), 25.0, 25.0);
        let probe = Rect::centred(30.0, 30.0, 10.0, 10.0);
        assert!(occ.overlaps(&probe, None, None));
        assert!(!occ.overlaps(&probe, Some(NodeId(1)), None));
        occ.insert(&nl, NodeId(1), 175.0, 75.0);
        assert!(!occ.overlaps(&probe, None, None));
        assert!(occ.overlaps(&Rect::centred(170.0, 70.0, 4.0, 4.0), None, None));
        occ.remove(NodeId(1));
        assert!(!occ.contains(NodeId(1)));
        assert!(!occ.overlaps(&Rect::centred(170.0, 70.0, 4.0, 4.0), None, None));
    }

    #[test]
    fn grid_cells_and_deadline() {
        let p = CostParams {
            canvas_width: 100.0,
            canvas_height: 50.0,
            cols: 4,
            rows: 2,
            ..Default::default()
        };
        let g = PlacementGrid::new(&p);
        assert_eq!(g.centre(5), (37.5, 37.5));
        assert_eq!(g.cell_of(37.5, 37.5), 5);
        assert_eq!(g.cell_of(-5.0, 500.0), 4);
        let cancel = Arc::new(AtomicBool::new(false));
        let d = Budget { time: None, cancel: Some(cancel.clone()) }.start();
        assert!(!d.expired());
        cancel.store(true, Ordering::Relaxed);
        assert!(d.expired());
        assert!(Budget::seconds(0.0).start().expired());
    }
}
