//! Greedy wirelength placement: every movable hard macro, in [`macro_order`], to the legal
//! cell (and orientation) that adds the least weighted HPWL.
//!
//! # What counts
//!
//! When macro `m` is placed, the cost of a candidate `(cell, orientation)` is
//! `Σ_nets w · HPWL(net)` over the nets `m`'s pins touch, where each net's bounding box holds
//! `m`'s own pins at the candidate (offsets transformed by the orientation) and the pins of
//! every *present* node:
//! - hard macros already placed by this run, and fixed hard macros;
//! - ports, soft macros (their pins sit at the soft macro's centre) and standard cells, at
//!   their positions in the initial placement, whether or not they are flagged placed (soft
//!   macros are standard-cell clusters that a later step re-places; their initial positions
//!   are the best estimate of where their cells are);
//!
//! and **ignores the pins of hard macros not yet placed** (their position is unknown). A net
//! with no present pin besides `m`'s contributes the span of `m`'s own pins, which depends on
//! the orientation only. The reported `hpwl_increase` is the sum over macros of the chosen
//! cost minus the nets' HPWL without `m`.
//!
//! # Speed
//!
//! For one macro the cost separates into an x part and a y part:
//! `cost(col, row, o) = FX(col, o) + FY(row, o)` with
//! `FX(col, o) = Σ w · (max(Bx1, x + ox1(o)) − min(Bx0, x + ox0(o)))`, where `[Bx0, Bx1]` is
//! the x-extent of the net's present pins without `m` and `[ox0, ox1]` the x-extent of `m`'s
//! pin offsets on that net in orientation `o`. The tables take `O((cols + rows) · nets · 4)`
//! per macro; each cell then costs `O(1)`, and the legal cells come from [`cell_mask`].
//!
//! Ties go to the lowest cell index, then to the macro's current orientation, then to the
//! family order (`N FN S FS` or `E FE W FW`).

use std::time::Instant;

use netlists::{Netlist, NodeId, NodeKind, Orientation, Placement};

use super::{
    cell_mask, check_placement_len, macro_order, Budget, Occupancy, PlaceError, PlaceOutcome,
    PlacementGrid, Progress, ProgressSink,
};
use crate::cost::CostParams;

/// Relative difference below which two candidate costs are a tie.
const TIE_REL: f64 = 1e-12;

/// Options of [`place_greedy`].
#[derive(Clone, Debug, PartialEq)]
pub struct GreedyConfig {
    /// Also try the other three orientations of each macro's family (same footprint).
    /// Default true.
    pub try_orientations: bool,
}

impl Default for GreedyConfig {
    fn default() -> Self {
        GreedyConfig { try_orientations: true }
    }
}

/// One net touching a macro: its weight, its id, and the extent of the macro's pins on it in
/// each candidate orientation, `(ox0, ox1, oy0, oy1)` relative to the macro's centre.
#[derive(Clone, Debug)]
pub struct MacroNet {
    /// Net id.
    pub net: u32,
    /// Net weight.
    pub w: f64,
    /// Pin-offset extent per orientation of [`macro_nets`]' `orients` (unused entries infinite).
    pub off: [(f64, f64, f64, f64); 4],
}

/// Node → nets it is a member of (driver or sink), CSR: the nets of node `i` are
/// `list[start[i]..start[i + 1]]`, ascending and distinct. Returns `(start, list)`.
pub fn node_nets(nl: &Netlist) -> (Vec<u32>, Vec<u32>) {
    let n = nl.len();
    let nets = &nl.nets;
    let member = |k: usize| {
        let s = &nets.sinks[nets.sink_start[k] as usize..nets.sink_start[k + 1] as usize];
        std::iter::once(nets.driver[k]).chain(s.iter().copied())
    };
    let mut start = vec![0u32; n + 1];
    let mut last = vec![u32::MAX; n];
    for k in 0..nets.len() {
        for m in member(k) {
            let i = m.index();
            if i < n && last[i] != k as u32 {
                last[i] = k as u32;
                start[i + 1] += 1;
            }
        }
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut list = vec![0u32; start[n] as usize];
    let mut fill: Vec<u32> = start[..n].to_vec();
    last.fill(u32::MAX);
    for k in 0..nets.len() {
        for m in member(k) {
            let i = m.index();
            if i < n && last[i] != k as u32 {
                last[i] = k as u32;
                list[fill[i] as usize] = k as u32;
                fill[i] += 1;
            }
        }
    }
    (start, list)
}

/// The candidate orientations of a macro currently in orientation `o`: `o` first, then the
/// rest of its family in family order (or `o` alone).
fn orientations(o: Orientation, all: bool) -> Vec<Orientation> {
    let mut v = vec![o];
    if all {
        v.extend(o.family().into_iter().filter(|&f| f != o));
    }
    v
}

/// The nets of macro `m` with its pin-offset extents per orientation (at most 4), ascending
/// net id; `start`/`list` come from [`node_nets`].
pub fn macro_nets(
    nl: &Netlist,
    m: NodeId,
    orients: &[Orientation],
    start: &[u32],
    list: &[u32],
) -> Vec<MacroNet> {
    // (net, pin) pairs of m, sorted by net.
    let mut pairs: Vec<(u32, NodeId)> = Vec::new();
    for &pin in nl.pins_of(m) {
        let i = pin.index();
        for &k in &list[start[i] as usize..start[i + 1] as usize] {
            pairs.push((k, pin));
        }
    }
    pairs.sort_unstable();
    let mut out: Vec<MacroNet> = Vec::new();
    for &(k, pin) in &pairs {
        if out.last().is_none_or(|l| l.net != k) {
            out.push(MacroNet {
                net: k,
                w: nl.nets.weight[k as usize],
                off: [(f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY); 4],
            });
        }
        let e = out.last_mut().expect("pushed above");
        let (dx, dy) = if nl.kind(pin) == NodeKind::HardMacroPin {
            nl.pin_offset[pin.index()]
        } else {
            (0.0, 0.0)
        };
        for (j, o) in orients.iter().enumerate() {
            let (tx, ty) = o.transform(dx, dy);
            let b = &mut e.off[j];
            *b = (b.0.min(tx), b.1.max(tx), b.2.min(ty), b.3.max(ty));
        }
    }
    out
}

/// Bounding box `(x0, x1, y0, y1)` of the pins of net `k` whose anchor node (the owner of a
/// macro pin, else the node itself) passes `counted`; empty (`x0 > x1`) when none does.
pub fn pins_box(
    nl: &Netlist,
    pl: &Placement,
    k: usize,
    counted: impl Fn(NodeId) -> bool,
) -> (f64, f64, f64, f64) {
    let nets = &nl.nets;
    let s = &nets.sinks[nets.sink_start[k] as usize..nets.sink_start[k + 1] as usize];
    let mut b = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for j in std::iter::once(nets.driver[k]).chain(s.iter().copied()) {
        if !counted(nl.owner[j.index()].unwrap_or(j)) {
            continue;
        }
        let (x, y) = pl.pin_position(nl, j);
        b = (b.0.min(x), b.1.max(x), b.2.min(y), b.3.max(y));
    }
    b
}

/// Places every movable hard macro at the legal cell and orientation with the least added
/// weighted HPWL (see the module docs for what counts and for the ties).
///
/// When the budget runs out (or is cancelled) before the end, the remaining macros go to
/// their first legal cell (lowest index) in their current orientation, so the result is
/// still complete and legal; the `truncated` stat counts them.
///
/// Errors: [`PlaceError::NoLegalCell`] naming the first macro with no legal cell left,
/// [`PlaceError::Cost`] for invalid parameters, [`PlaceError::Config`] for a placement that
/// does not match the netlist.
///
/// Stats: `macros`, `cells_evaluated` (cell × orientation candidates), `hpwl_increase`
/// (µm, weighted, see the module docs), `truncated`, `seconds`.
pub fn place_greedy(
    nl: &Netlist,
    init: &Placement,
    params: &CostParams,
    cfg: &GreedyConfig,
    budget: &Budget,
    progress: &dyn ProgressSink,
) -> Result<PlaceOutcome, PlaceError> {
    params.validate()?;
    check_placement_len(nl, init)?;
    let deadline = budget.start();
    let grid = PlacementGrid::new(params);
    let mut pl = init.clone();
    let order = macro_order(nl, &pl);
    for &m in &order {
        pl.placed[m.index()] = false;
    }
    let mut occ = Occupancy::from_placement(nl, &pl, grid.width, grid.height);
    // present[i]: node i's pins count in the bounding boxes.
    let mut present: Vec<bool> = nl
        .ids()
        .map(|id| match nl.kind(id) {
            NodeKind::HardMacro => pl.fixed[id.index()],
            _ => true,
        })
        .collect();
    let (start, list) = node_nets(nl);
    let cols = grid.cols as usize;
    let rows = grid.rows as usize;
    let col_x: Vec<f64> = (0..cols).map(|c| grid.centre(c).0).collect();
    let row_y: Vec<f64> = (0..rows).map(|r| grid.centre(r * cols).1).collect();

    let mut mask = Vec::new();
    let mut fx: Vec<f64> = Vec::new();
    let mut fy: Vec<f64> = Vec::new();
    let mut boxes: Vec<(f64, f64, f64, f64)> = Vec::new();
    let mut evaluated = 0u64;
    let mut increase = 0.0;
    let mut truncated = 0usize;
    let mut last_report = Instant::now();

    for (step, &m) in order.iter().enumerate() {
        let mi = m.index();
        cell_mask(nl, m, &grid, &occ, &mut mask);
        let Some(first_legal) = mask.iter().position(|&b| b) else {
            return Err(PlaceError::no_legal_cell(
                nl,
                m,
                format!(
                    "greedy placement: {step} of {} macros placed on the {}x{} grid",
                    order.len(),
                    grid.cols,
                    grid.rows
                ),
            ));
        };
        let cur = pl.orientation[mi];
        let (cell, orient) = if deadline.expired() {
            truncated += 1;
            (first_legal, cur)
        } else {
            let orients = orientations(cur, cfg.try_orientations);
            let no = orients.len();
            let mnets = macro_nets(nl, m, &orients, &start, &list);
            // Extent of the present pins of each net, without m's own pins.
            boxes.clear();
            let mut before = 0.0;
            for e in &mnets {
                let k = e.net as usize;
                let b = pins_box(nl, &pl, k, |a| a != m && present[a.index()]);
                if b.0 <= b.1 {
                    before += e.w * ((b.1 - b.0) + (b.3 - b.2));
                }
                boxes.push(b);
            }
            // Separable tables FX[c·no + o], FY[r·no + o].
            fx.clear();
            fx.resize(cols * no, 0.0);
            fy.clear();
            fy.resize(rows * no, 0.0);
            for (e, b) in mnets.iter().zip(&boxes) {
                for o in 0..no {
                    let (ox0, ox1, oy0, oy1) = e.off[o];
                    for (c, &x) in col_x.iter().enumerate() {
                        fx[c * no + o] += e.w * (b.1.max(x + ox1) - b.0.min(x + ox0));
                    }
                    for (r, &y) in row_y.iter().enumerate() {
                        fy[r * no + o] += e.w * (b.3.max(y + oy1) - b.2.min(y + oy0));
                    }
                }
            }
            let mut best = (f64::INFINITY, first_legal, 0usize);
            for (cell, _) in mask.iter().enumerate().filter(|(_, &ok)| ok) {
                let (r, c) = (cell / cols, cell % cols);
                for o in 0..no {
                    let v = fx[c * no + o] + fy[r * no + o];
                    // Costs equal up to rounding (the tables sum in a different order than a
                    // direct evaluation) are ties.
                    if better(v, best.0) {
                        best = (v, cell, o);
                    }
                }
                evaluated += no as u64;
            }
            if best.0.is_finite() {
                increase += best.0 - before;
            }
            (best.1, orients[best.2])
        };
        let (x, y) = grid.centre(cell);
        pl.x[mi] = x;
        pl.y[mi] = y;
        pl.orientation[mi] = orient;
        pl.placed[mi] = true;
        present[mi] = true;
        occ.insert(nl, m, x, y);
        if last_report.elapsed().as_millis() >= 100 {
            last_report = Instant::now();
            report(progress, &deadline, (step + 1) as f64 / order.len() as f64, evaluated);
        }
    }
    report(progress, &deadline, 1.0, evaluated);
    Ok(PlaceOutcome {
        placement: pl,
        stats: vec![
            ("macros".into(), order.len() as f64),
            ("cells_evaluated".into(), evaluated as f64),
            ("hpwl_increase".into(), increase),
            ("truncated".into(), truncated as f64),
            ("seconds".into(), deadline.elapsed().as_secs_f64()),
        ],
    })
}

/// True when `v` beats `best` by more than the tie margin (any finite `v` beats infinity).
#[inline]
fn better(v: f64, best: f64) -> bool {
    if best.is_finite() {
        v < best - TIE_REL * best.abs().max(1.0)
    } else {
        v < best
    }
}

fn report(progress: &dyn ProgressSink, d: &super::Deadline, fraction: f64, moves: u64) {
    let el = d.elapsed();
    progress.report(&Progress {
        stage: "greedy".into(),
        fraction,
        best_cost: f64::NAN,
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
    fn greedy_is_legal_deterministic_and_beats_random() {
        for seed in [1, 2, 3] {
            let (nl, init, p) = small_generated(seed);
            let cfg = GreedyConfig::default();
            let g = place_greedy(&nl, &init, &p, &cfg, &Budget::default(), &NoProgress).unwrap();
            assert_complete_and_legal(&nl, &init, &g.placement, &p);
            let g2 = place_greedy(&nl, &init, &p, &cfg, &Budget::default(), &NoProgress).unwrap();
            assert_eq!(g.placement, g2.placement);
            let gw = evaluate(&nl, &g.placement, &p).unwrap().wirelength_cost;
            let mut rw = 0.0;
            for s in 0..5 {
                let r = place_random(&nl, &init, &p, s).unwrap();
                rw += evaluate(&nl, &r.placement, &p).unwrap().wirelength_cost / 5.0;
            }
            assert!(gw < rw, "seed {seed}: greedy wl {gw} vs random mean {rw}");
        }
    }

    #[test]
    fn separable_tables_match_direct_hpwl() {
        // The greedy choice for the first macro equals the direct minimum over cells and
        // orientations of Σ w·HPWL of its nets (other hard macros unplaced, ignored).
        let (nl, init, p) = small_generated(5);
        let cfg = GreedyConfig::default();
        let order = macro_order(&nl, &init);
        let m = order[0];
        let grid = PlacementGrid::new(&p);
        let mut occ = Occupancy::new(&nl, grid.width, grid.height, &nl.header.blockages);
        occ.remove(m);
        let mut mask = Vec::new();
        cell_mask(&nl, m, &grid, &occ, &mut mask);
        let (start, list) = node_nets(&nl);
        let orients = orientations(init.orientation[m.index()], true);
        let mnets = macro_nets(&nl, m, &orients, &start, &list);
        let mut pl = init.clone();
        let mut all: Vec<(f64, usize, Orientation)> = Vec::new();
        for cell in (0..grid.len()).filter(|&c| mask[c]) {
            for &o in &orients {
                (pl.x[m.index()], pl.y[m.index()]) = grid.centre(cell);
                pl.orientation[m.index()] = o;
                let mut tot = 0.0;
                for e in &mnets {
                    let k = e.net as usize;
                    let s = nl.nets.sinks_of(netlists::NetId(k as u32));
                    let mut b =
                        (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
                    for j in std::iter::once(nl.nets.driver[k]).chain(s.iter().copied()) {
                        let a = nl.owner[j.index()].unwrap_or(j);
                        if nl.kind(a) == NodeKind::HardMacro && a != m {
                            continue;
                        }
                        let (x, y) = pl.pin_position(&nl, j);
                        b = (b.0.min(x), b.1.max(x), b.2.min(y), b.3.max(y));
                    }
                    tot += e.w * ((b.1 - b.0) + (b.3 - b.2));
                }
                all.push((tot, cell, o));
            }
        }
        let min = all.iter().map(|a| a.0).fold(f64::INFINITY, f64::min);
        let best = all.iter().find(|a| a.0 <= min + 1e-9 * min.abs().max(1.0)).unwrap();
        let g = place_greedy(&nl, &init, &p, &cfg, &Budget::default(), &NoProgress).unwrap();
        let got = (g.placement.x[m.index()], g.placement.y[m.index()]);
        assert_eq!(got, grid.centre(best.1));
        assert_eq!(g.placement.orientation[m.index()], best.2);
    }

    #[test]
    fn expired_budget_still_gives_a_complete_legal_placement() {
        let (nl, init, p) = small_generated(4);
        let g = place_greedy(
            &nl,
            &init,
            &p,
            &GreedyConfig::default(),
            &Budget::seconds(0.0),
            &NoProgress,
        )
        .unwrap();
        assert_complete_and_legal(&nl, &init, &g.placement, &p);
        let n = g.stats.iter().find(|s| s.0 == "truncated").unwrap().1;
        assert_eq!(n, macro_order(&nl, &init).len() as f64);
    }
}
