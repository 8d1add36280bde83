//! Legalisation of an imported placement: remove hard-macro overlaps and hard macros outside
//! the canvas by moving as few macros as possible, each as little as possible.
//!
//! # Algorithm
//!
//! 1. **Obstacles**: blocking blockages (rate ≥ [`BLOCKING_RATE`]) and
//!    fixed hard macros. Fixed macros never move; if they overlap each other or leave the
//!    canvas, no legal result exists and [`legalize`] fails with [`PlaceError::Config`].
//! 2. **Which macros stay**: a movable hard macro is *valid* when it is placed, its
//!    coordinates are finite, it lies inside the canvas and it overlaps no obstacle. Every
//!    valid macro that overlaps no other valid macro stays, exactly where it is (off-grid
//!    positions are kept; nothing is snapped to cell centres). Among the valid macros that do
//!    overlap, a minimum-degree greedy picks a large conflict-free subset to keep: repeatedly
//!    keep the macro with the fewest remaining conflicts (ties: larger area, then lower
//!    index) and mark its conflicting neighbours for moving. This is the classic greedy for a
//!    maximum independent set and moves fewer macros than "largest first" when one macro
//!    overlaps several others.
//! 3. **Moving**: the other macros, largest area first (ties by index), each go to the legal
//!    position nearest (Manhattan distance) to where they were, given everything kept or
//!    moved before. The search is exact: the nearest point of the free region lies on
//!    `X × Y`, where `X` holds the original x clamped into the canvas, the two canvas-edge
//!    positions and the positions touching the left or right edge of every obstacle (`x0 −
//!    w/2`, `x1 + w/2`), and `Y` likewise. The candidates are visited in increasing distance
//!    (a heap over `X` and `Y` sorted by distance; ties by smaller `|dx|` index, then `|dy|`
//!    index) and the first legal one wins. Legal means: inside the canvas and no overlap
//!    beyond [`OVERLAP_EPS`] with any obstacle or placed hard macro
//!    (touching edges allowed), the rule of [`cell_mask`](super::cell_mask).
//!
//! Ports, soft macros and standard cells are never moved; orientations are kept.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use netlists::{Netlist, NodeId, NodeKind, Placement};

use super::{check_placement_len, Occupancy, PlaceError, Rect, BLOCKING_RATE, OVERLAP_EPS};
use crate::cost::CostParams;

/// What [`legalize`] did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LegalizeStats {
    /// Number of hard macros moved (or placed, for ones that were not placed).
    pub moved: usize,
    /// Sum of the Manhattan displacements of the moved macros, µm.
    pub total_displacement: f64,
    /// Largest Manhattan displacement of one macro, µm.
    pub max_displacement: f64,
    /// The moved macros, in the order they were moved (largest first).
    pub moved_macros: Vec<NodeId>,
}

/// Makes the hard macros of `pl` legal with the least movement (see the module docs).
///
/// Every hard macro of the result is placed (`placed = true`), inside the canvas and free of
/// hard-macro and blocking-blockage overlap. A placement that is already legal is left
/// unchanged (`moved == 0`).
///
/// Errors: [`PlaceError::NoLegalCell`] naming a macro for which no legal position is left
/// (the macros do not fit), [`PlaceError::Config`] when fixed hard macros overlap each other
/// or leave the canvas, or the placement does not match the netlist, [`PlaceError::Cost`] for
/// invalid parameters.
pub fn legalize(
    nl: &Netlist,
    pl: &mut Placement,
    params: &CostParams,
) -> Result<LegalizeStats, PlaceError> {
    params.validate()?;
    check_placement_len(nl, pl)?;
    let (cw, ch) = (params.canvas_width, params.canvas_height);
    let rect =
        |pl: &Placement, i: usize| Rect::centred(pl.x[i], pl.y[i], nl.width[i], nl.height[i]);

    // 1. Obstacles.
    let mut occ = Occupancy::new(nl, cw, ch, &nl.header.blockages);
    let mut obstacles: Vec<Rect> = nl
        .header
        .blockages
        .iter()
        .filter(|b| b.rate >= BLOCKING_RATE)
        .map(|b| Rect { x0: b.min_x, y0: b.min_y, x1: b.max_x, y1: b.max_y })
        .collect();
    let hard: Vec<NodeId> = nl.of_kind(NodeKind::HardMacro);
    let mut fixed_occ = Occupancy::new(nl, cw, ch, &[]);
    for &m in hard.iter().filter(|m| pl.fixed[m.index()]) {
        let i = m.index();
        let r = rect(pl, i);
        let finite = pl.x[i].is_finite() && pl.y[i].is_finite();
        if !finite || !r.inside_canvas(cw, ch) {
            return Err(PlaceError::Config(format!(
                "fixed hard macro {} (index {m}) lies outside the {cw} x {ch} canvas; \
                 legalisation does not move fixed macros",
                nl.name(m)
            )));
        }
        if fixed_occ.overlaps(&r, None, None) {
            return Err(PlaceError::Config(format!(
                "fixed hard macro {} (index {m}) overlaps another fixed hard macro; \
                 legalisation does not move fixed macros",
                nl.name(m)
            )));
        }
        fixed_occ.insert(nl, m, pl.x[i], pl.y[i]);
        occ.insert(nl, m, pl.x[i], pl.y[i]);
        obstacles.push(r);
        pl.placed[i] = true;
    }

    // 2. Valid movable macros and their conflicts.
    let movable: Vec<NodeId> = hard.iter().copied().filter(|m| !pl.fixed[m.index()]).collect();
    let valid: Vec<NodeId> = movable
        .iter()
        .copied()
        .filter(|&m| {
            let i = m.index();
            let r = rect(pl, i);
            pl.placed[i]
                && pl.x[i].is_finite()
                && pl.y[i].is_finite()
                && r.inside_canvas(cw, ch)
                && !occ.overlaps(&r, None, None)
        })
        .collect();
    let keep = keep_set(nl, pl, &valid);
    let mut keep_flag = vec![false; nl.len()];
    for &m in &keep {
        let i = m.index();
        keep_flag[i] = true;
        occ.insert(nl, m, pl.x[i], pl.y[i]);
        obstacles.push(rect(pl, i));
    }

    // 3. Move the rest, largest first.
    let mut to_move: Vec<NodeId> =
        movable.iter().copied().filter(|m| !keep_flag[m.index()]).collect();
    to_move.sort_by(|&a, &b| nl.area(b).total_cmp(&nl.area(a)).then(a.cmp(&b)));
    let mut stats = LegalizeStats::default();
    for (k, &m) in to_move.iter().enumerate() {
        let i = m.index();
        let (w, h) = (nl.width[i], nl.height[i]);
        let tx = if pl.x[i].is_finite() { pl.x[i] } else { cw / 2.0 };
        let ty = if pl.y[i].is_finite() { pl.y[i] } else { ch / 2.0 };
        let Some((x, y)) = nearest_legal(&occ, &obstacles, m, w, h, cw, ch, tx, ty) else {
            return Err(PlaceError::no_legal_cell(
                nl,
                m,
                format!(
                    "legalisation: {} macros kept, {k} of {} moved so far, no free position \
                     on the {cw} x {ch} canvas",
                    keep.len(),
                    to_move.len()
                ),
            ));
        };
        let d = (x - tx).abs() + (y - ty).abs();
        stats.moved += 1;
        stats.total_displacement += d;
        stats.max_displacement = stats.max_displacement.max(d);
        stats.moved_macros.push(m);
        pl.x[i] = x;
        pl.y[i] = y;
        pl.placed[i] = true;
        occ.insert(nl, m, x, y);
        obstacles.push(Rect::centred(x, y, w, h));
    }
    for &m in &keep {
        pl.placed[m.index()] = true;
    }
    Ok(stats)
}

/// The valid macros that stay: every one without conflicts, then a minimum-degree greedy
/// over the conflicting ones. Returned ascending.
fn keep_set(nl: &Netlist, pl: &Placement, valid: &[NodeId]) -> Vec<NodeId> {
    let n = valid.len();
    let rects: Vec<Rect> = valid
        .iter()
        .map(|m| {
            let i = m.index();
            Rect::centred(pl.x[i], pl.y[i], nl.width[i], nl.height[i])
        })
        .collect();
    // Conflict lists by a sweep over x0.
    let mut by_x: Vec<usize> = (0..n).collect();
    by_x.sort_by(|&a, &b| rects[a].x0.total_cmp(&rects[b].x0).then(a.cmp(&b)));
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (ai, &a) in by_x.iter().enumerate() {
        for &b in &by_x[ai + 1..] {
            if rects[b].x0 >= rects[a].x1 - OVERLAP_EPS {
                break;
            }
            if rects[a].overlaps(&rects[b]) {
                adj[a].push(b);
                adj[b].push(a);
            }
        }
    }
    let mut deg: Vec<usize> = adj.iter().map(|v| v.len()).collect();
    // 0: undecided, 1: keep, 2: move.
    let mut state = vec![0u8; n];
    for v in 0..n {
        if deg[v] == 0 {
            state[v] = 1;
        }
    }
    loop {
        let pick = (0..n).filter(|&v| state[v] == 0).min_by(|&a, &b| {
            deg[a]
                .cmp(&deg[b])
                .then(nl.area(valid[b]).total_cmp(&nl.area(valid[a])))
                .then(valid[a].cmp(&valid[b]))
        });
        let Some(v) = pick else { break };
        state[v] = 1;
        for &u in &adj[v] {
            if state[u] == 0 {
                state[u] = 2;
                for &t in &adj[u] {
                    if state[t] == 0 {
                        deg[t] -= 1;
                    }
                }
            }
        }
    }
    let mut keep: Vec<NodeId> = (0..n).filter(|&v| state[v] == 1).map(|v| valid[v]).collect();
    keep.sort();
    keep
}

/// Candidate coordinates along one axis for a box of half-size `half` on `[0, len]`: the
/// target clamped into range, the two canvas edges and the positions touching each obstacle's
/// low and high edge, in range, sorted by distance to `t` (ties: smaller coordinate), distinct.
fn axis_candidates(
    t: f64,
    half: f64,
    len: f64,
    edges: impl Iterator<Item = (f64, f64)>,
) -> Vec<f64> {
    let (lo, hi) = (half, len - half);
    if lo > hi + OVERLAP_EPS {
        return Vec::new();
    }
    let hi = hi.max(lo);
    let mut v = vec![t.clamp(lo, hi), lo, hi];
    for (a, b) in edges {
        for c in [a - half, b + half] {
            if c >= lo - OVERLAP_EPS && c <= hi + OVERLAP_EPS {
                v.push(c.clamp(lo, hi));
            }
        }
    }
    v.sort_by(|a, b| (a - t).abs().total_cmp(&(b - t).abs()).then(a.total_cmp(b)));
    v.dedup();
    v
}

/// The legal centre nearest (Manhattan) to `(tx, ty)` for macro `m` (`w × h`), or `None`.
#[allow(clippy::too_many_arguments)]
fn nearest_legal(
    occ: &Occupancy,
    obstacles: &[Rect],
    m: NodeId,
    w: f64,
    h: f64,
    cw: f64,
    ch: f64,
    tx: f64,
    ty: f64,
) -> Option<(f64, f64)> {
    let xs = axis_candidates(tx, w / 2.0, cw, obstacles.iter().map(|r| (r.x0, r.x1)));
    let ys = axis_candidates(ty, h / 2.0, ch, obstacles.iter().map(|r| (r.y0, r.y1)));
    if xs.is_empty() || ys.is_empty() {
        return None;
    }
    let dx: Vec<f64> = xs.iter().map(|x| (x - tx).abs()).collect();
    let dy: Vec<f64> = ys.iter().map(|y| (y - ty).abs()).collect();
    // Best-first over (i, j): start with (i, 0) for every i; popping (i, j) pushes (i, j + 1).
    let mut heap: BinaryHeap<Reverse<(OrdF64, usize, usize)>> =
        (0..xs.len()).map(|i| Reverse((OrdF64(dx[i] + dy[0]), i, 0))).collect();
    while let Some(Reverse((_, i, j))) = heap.pop() {
        let r = Rect::centred(xs[i], ys[j], w, h);
        if r.inside_canvas(cw, ch) && !occ.overlaps(&r, Some(m), None) {
            return Some((xs[i], ys[j]));
        }
        if j + 1 < ys.len() {
            heap.push(Reverse((OrdF64(dx[i] + dy[j + 1]), i, j + 1)));
        }
    }
    None
}

/// `f64` with a total order (for the heap).
#[derive(Clone, Copy, Debug, PartialEq)]
struct OrdF64(f64);

impl Eq for OrdF64 {}

impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for OrdF64 {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::place::tests_common::{assert_complete_and_legal, small_generated};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn params(w: f64, h: f64) -> CostParams {
        CostParams { canvas_width: w, canvas_height: h, cols: 4, rows: 4, ..Default::default() }
    }

    fn macros(sizes: &[(f64, f64)]) -> Netlist {
        crate::place::tests_common::hard_macros(sizes)
    }

    #[test]
    fn legal_placement_is_untouched_even_off_grid() {
        let nl = macros(&[(10.0, 10.0), (20.0, 10.0)]);
        let mut pl = nl.initial_placement();
        (pl.x[0], pl.y[0]) = (13.37, 17.1);
        (pl.x[1], pl.y[1]) = (28.37, 12.0); // touches M0's right edge
        let before = pl.clone();
        let s = legalize(&nl, &mut pl, &params(100.0, 100.0)).unwrap();
        assert_eq!(s.moved, 0);
        assert_eq!(pl, before);
    }

    #[test]
    fn one_overlap_moves_one_macro_to_the_nearest_spot() {
        // M0 30x30 at (50, 50); M1 10x10 at (60, 50) overlaps it: M1 (smaller, same degree)
        // moves right to touch M0: x = 65 + 5 = 70, displacement 10.
        let nl = macros(&[(30.0, 30.0), (10.0, 10.0)]);
        let mut pl = nl.initial_placement();
        (pl.x[0], pl.y[0]) = (50.0, 50.0);
        (pl.x[1], pl.y[1]) = (60.0, 50.0);
        let s = legalize(&nl, &mut pl, &params(100.0, 100.0)).unwrap();
        assert_eq!(s.moved_macros, vec![NodeId(1)]);
        assert_eq!((pl.x[0], pl.y[0]), (50.0, 50.0));
        assert_eq!((pl.x[1], pl.y[1]), (70.0, 50.0));
        assert!((s.total_displacement - 10.0).abs() < 1e-12);
    }

    #[test]
    fn hub_overlapping_two_is_the_one_moved() {
        // M0 (largest) overlaps M1 and M2, which do not overlap each other: moving M0 alone
        // is the fewest moves.
        let nl = macros(&[(30.0, 30.0), (20.0, 20.0), (20.0, 20.0)]);
        let mut pl = nl.initial_placement();
        (pl.x[0], pl.y[0]) = (50.0, 50.0);
        (pl.x[1], pl.y[1]) = (35.0, 50.0);
        (pl.x[2], pl.y[2]) = (65.0, 50.0);
        let s = legalize(&nl, &mut pl, &params(200.0, 200.0)).unwrap();
        assert_eq!(s.moved_macros, vec![NodeId(0)]);
        assert!(crate::legality::check(&nl, &pl, 200.0, 200.0).is_legal());
    }

    #[test]
    fn outside_and_unplaced_macros_come_in() {
        let nl = macros(&[(10.0, 10.0), (10.0, 10.0)]);
        let mut pl = nl.initial_placement();
        (pl.x[0], pl.y[0]) = (-20.0, 50.0);
        (pl.x[1], pl.y[1]) = (f64::NAN, 3.0);
        pl.placed[1] = false;
        let s = legalize(&nl, &mut pl, &params(100.0, 100.0)).unwrap();
        assert_eq!(s.moved, 2);
        assert_eq!((pl.x[0], pl.y[0]), (5.0, 50.0));
        assert!(pl.placed[1]);
        assert!(crate::legality::check(&nl, &pl, 100.0, 100.0).is_legal());
    }

    #[test]
    fn too_many_macros_is_no_legal_cell() {
        let nl = macros(&[(60.0, 60.0), (60.0, 60.0)]);
        let mut pl = nl.initial_placement();
        let e = legalize(&nl, &mut pl, &params(100.0, 100.0)).unwrap_err();
        assert!(matches!(e, PlaceError::NoLegalCell { .. }), "{e}");
        let nl = macros(&[(160.0, 10.0)]);
        let mut pl = nl.initial_placement();
        let e = legalize(&nl, &mut pl, &params(100.0, 100.0)).unwrap_err();
        assert!(e.to_string().contains("M0"), "{e}");
    }

    #[test]
    fn fixed_macros_stay_and_conflicting_fixed_ones_are_an_error() {
        let nl = macros(&[(20.0, 20.0), (20.0, 20.0)]);
        let mut pl = nl.initial_placement();
        (pl.x[0], pl.y[0]) = (50.0, 50.0);
        (pl.x[1], pl.y[1]) = (55.0, 50.0);
        pl.fixed[1] = true;
        let s = legalize(&nl, &mut pl, &params(100.0, 100.0)).unwrap();
        assert_eq!(s.moved_macros, vec![NodeId(0)]);
        assert_eq!((pl.x[1], pl.y[1]), (55.0, 50.0));
        assert_eq!((pl.x[0], pl.y[0]), (35.0, 50.0));
        pl.fixed[0] = true;
        pl.x[0] = 50.0;
        assert!(matches!(
            legalize(&nl, &mut pl, &params(100.0, 100.0)),
            Err(PlaceError::Config(_))
        ));
    }

    /// Brute force: the nearest legal point on a fine lattice is never closer than what
    /// `nearest_legal` finds.
    #[test]
    fn nearest_is_exact_against_a_lattice() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for _ in 0..20 {
            let n = 6;
            let sizes: Vec<(f64, f64)> =
                (0..n).map(|_| (rng.gen_range(5.0..30.0), rng.gen_range(5.0..30.0))).collect();
            let nl = macros(&sizes);
            let mut pl = nl.initial_placement();
            for i in 0..n {
                pl.x[i] = rng.gen_range(0.0..100.0);
                pl.y[i] = rng.gen_range(0.0..100.0);
            }
            let orig = pl.clone();
            let p = params(100.0, 100.0);
            let s = match legalize(&nl, &mut pl, &p) {
                Ok(s) => s,
                Err(PlaceError::NoLegalCell { .. }) => continue,
                Err(e) => panic!("{e}"),
            };
            assert!(crate::legality::check(&nl, &pl, 100.0, 100.0).is_legal());
            // Re-check the last moved macro against the final obstacles on a 0.5 µm lattice.
            let Some(&m) = s.moved_macros.last() else { continue };
            let i = m.index();
            let mut occ = Occupancy::new(&nl, 100.0, 100.0, &[]);
            for j in (0..n).filter(|&j| j != i) {
                occ.insert(&nl, NodeId(j as u32), pl.x[j], pl.y[j]);
            }
            let (tx, ty) = (orig.x[i], orig.y[i]);
            let got = (pl.x[i] - tx).abs() + (pl.y[i] - ty).abs();
            let (w, h) = sizes[i];
            let mut best = f64::INFINITY;
            for a in 0..=200 {
                for b in 0..=200 {
                    let (x, y) = (a as f64 * 0.5, b as f64 * 0.5);
                    let r = Rect::centred(x, y, w, h);
                    if r.inside_canvas(100.0, 100.0) && !occ.overlaps(&r, None, None) {
                        best = best.min((x - tx).abs() + (y - ty).abs());
                    }
                }
            }
            assert!(got <= best + 1e-9, "found {got}, lattice has {best}");
        }
    }

    #[test]
    fn random_overlapping_inputs_become_legal_with_only_needed_moves() {
        for seed in 0..4 {
            let (nl, init, p) = small_generated(seed);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut pl = init.clone();
            for m in nl.hard_macros() {
                let i = m.index();
                pl.x[i] = rng.gen_range(-50.0..p.canvas_width + 50.0);
                pl.y[i] = rng.gen_range(-50.0..p.canvas_height + 50.0);
                pl.placed[i] = true;
            }
            let before = pl.clone();
            let s = legalize(&nl, &mut pl, &p).unwrap();
            assert_complete_and_legal(&nl, &init, &pl, &p);
            for m in nl.hard_macros() {
                let i = m.index();
                let moved = (pl.x[i], pl.y[i]) != (before.x[i], before.y[i]);
                assert_eq!(moved, s.moved_macros.contains(&m));
                if moved {
                    // Only macros that were illegal in the input move.
                    let r = Rect::centred(before.x[i], before.y[i], nl.width[i], nl.height[i]);
                    let conflicted = !r.inside_canvas(p.canvas_width, p.canvas_height)
                        || nl.hard_macros().iter().any(|&o| {
                            o != m
                                && Rect::centred(
                                    before.x[o.index()],
                                    before.y[o.index()],
                                    nl.width[o.index()],
                                    nl.height[o.index()],
                                )
                                .overlaps(&r)
                        });
                    assert!(conflicted, "{} moved without need", nl.name(m));
                }
            }
            // Idempotent.
            let again = legalize(&nl, &mut pl.clone(), &p).unwrap();
            assert_eq!(again.moved, 0);
        }
    }
}
