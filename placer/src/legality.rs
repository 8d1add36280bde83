//! Legality report: hard-macro overlaps and macros outside the canvas (not part of the proxy
//! cost).
//!
//! Semantics (those of the reference evaluator `shared/tools/refcost.py`, which the golden
//! set records):
//! - a macro's rectangle is `[x − w/2, x + w/2] × [y − h/2, y + h/2]` with its netlist size
//!   (soft macros squared only when asked, see [`LegalityOptions`]);
//! - two **hard** macros overlap when their intersection has both extents `> eps`
//!   (`eps = 1e-6` µm), so touching or abutting macros, even with float rounding on the shared
//!   edge, do not count; soft macros never count as overlapping;
//! - a macro is outside the canvas when its rectangle leaves `[0, W] × [0, H]` by more than
//!   `eps` on any side; a port is outside when its point does.
//!
//! Overlaps are found with a sweep over the rectangles sorted by left edge, so the cost is
//! `O(n log n + pairs whose x-ranges overlap)`.

use netlists::{Netlist, NodeId, NodeKind, Placement};

/// Tolerance of the overlap and outside tests, in µm.
pub const OVERLAP_EPS: f64 = 1e-6;

/// Options of [`check_with`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LegalityOptions {
    /// Tolerance in µm (default [`OVERLAP_EPS`]).
    pub eps: f64,
    /// Use squared soft macros (`sqrt(w·h)` sides) for the outside test, as the cost does
    /// with `square_soft_macros`.
    pub square_soft_macros: bool,
}

impl Default for LegalityOptions {
    fn default() -> Self {
        LegalityOptions { eps: OVERLAP_EPS, square_soft_macros: false }
    }
}

/// Overlaps and out-of-canvas nodes of a placement.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LegalityReport {
    /// Number of overlapping hard-macro pairs.
    pub hard_macro_overlap_pairs: usize,
    /// Total overlap area of those pairs, µm².
    pub hard_macro_overlap_area: f64,
    /// Largest overlap area of one pair, µm².
    pub hard_macro_max_pair_overlap_area: f64,
    /// Hard macros outside the canvas.
    pub hard_macros_outside_canvas: usize,
    /// Soft macros outside the canvas.
    pub soft_macros_outside_canvas: usize,
    /// Ports outside the canvas.
    pub ports_outside_canvas: usize,
    /// Overlapping hard-macro pairs `(a, b, area)` with `a < b`, in sweep order.
    pub overlapping: Vec<(NodeId, NodeId, f64)>,
    /// Hard macros, then soft macros, then ports outside the canvas, each ascending.
    pub outside: Vec<NodeId>,
}

impl LegalityReport {
    /// True when no hard macros overlap and no hard macro lies outside the canvas: the
    /// legality chipfloor guarantees for every placement it writes. Soft macros (standard-cell
    /// clusters) sticking out of the canvas are reported but do not make a placement illegal;
    /// Circuit Training's own legalised ariane133 placement has 39 of them.
    pub fn is_legal(&self) -> bool {
        self.hard_macro_overlap_pairs == 0 && self.hard_macros_outside_canvas == 0
    }
}

/// Checks a placement on a `canvas_w × canvas_h` canvas with the default options.
///
/// Nodes beyond the end of a placement shorter than the netlist are skipped.
pub fn check(nl: &Netlist, pl: &Placement, canvas_w: f64, canvas_h: f64) -> LegalityReport {
    check_with(nl, pl, canvas_w, canvas_h, &LegalityOptions::default())
}

/// [`check`] with explicit options.
pub fn check_with(
    nl: &Netlist,
    pl: &Placement,
    canvas_w: f64,
    canvas_h: f64,
    opt: &LegalityOptions,
) -> LegalityReport {
    let eps = opt.eps;
    let n = nl.len().min(pl.x.len()).min(pl.y.len()).min(nl.width.len()).min(nl.height.len());
    let mut rep = LegalityReport::default();
    let rect = |i: usize| -> (f64, f64, f64, f64) {
        let (x, y) = (pl.x[i], pl.y[i]);
        let (mut w, mut h) = (nl.width[i], nl.height[i]);
        if opt.square_soft_macros && nl.kinds[i] == NodeKind::SoftMacro {
            let s = (w * h).sqrt();
            (w, h) = (s, s);
        }
        (x - w / 2.0, x + w / 2.0, y - h / 2.0, y + h / 2.0)
    };
    // Overlaps: sweep over hard macros sorted by (x0, x1, y0, y1, id).
    let mut rects: Vec<(f64, f64, f64, f64, u32)> = (0..n)
        .filter(|&i| nl.kinds[i] == NodeKind::HardMacro)
        .map(|i| {
            let (x0, x1, y0, y1) = rect(i);
            (x0, x1, y0, y1, i as u32)
        })
        .collect();
    rects.sort_unstable_by(|a, b| {
        a.0.total_cmp(&b.0)
            .then(a.1.total_cmp(&b.1))
            .then(a.2.total_cmp(&b.2))
            .then(a.3.total_cmp(&b.3))
            .then(a.4.cmp(&b.4))
    });
    for (ai, a) in rects.iter().enumerate() {
        let (ax0, ax1, ay0, ay1, ia) = *a;
        for b in &rects[ai + 1..] {
            let (bx0, bx1, by0, by1, ib) = *b;
            if bx0 >= ax1 - eps {
                break;
            }
            let ox = ax1.min(bx1) - ax0.max(bx0);
            let oy = ay1.min(by1) - ay0.max(by0);
            if ox > eps && oy > eps {
                let area = ox * oy;
                rep.hard_macro_overlap_pairs += 1;
                rep.hard_macro_overlap_area += area;
                rep.hard_macro_max_pair_overlap_area =
                    rep.hard_macro_max_pair_overlap_area.max(area);
                let (p, q) = if ia < ib { (ia, ib) } else { (ib, ia) };
                rep.overlapping.push((NodeId(p), NodeId(q), area));
            }
        }
    }
    // Outside the canvas.
    let out_rect = |i: usize| {
        let (x0, x1, y0, y1) = rect(i);
        x0 < -eps || y0 < -eps || x1 > canvas_w + eps || y1 > canvas_h + eps
    };
    for kind in [NodeKind::HardMacro, NodeKind::SoftMacro] {
        for i in 0..n {
            if nl.kinds[i] == kind && out_rect(i) {
                rep.outside.push(NodeId(i as u32));
                if kind == NodeKind::HardMacro {
                    rep.hard_macros_outside_canvas += 1;
                } else {
                    rep.soft_macros_outside_canvas += 1;
                }
            }
        }
    }
    for i in 0..n {
        if nl.kinds[i] == NodeKind::Port {
            let (x, y) = (pl.x[i], pl.y[i]);
            let inside = -eps <= x && x <= canvas_w + eps && -eps <= y && y <= canvas_h + eps;
            if !inside {
                rep.ports_outside_canvas += 1;
                rep.outside.push(NodeId(i as u32));
            }
        }
    }
    rep
}
