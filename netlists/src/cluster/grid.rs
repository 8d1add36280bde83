//! Automatic placement-grid choice for a clustered netlist (a simplification of Circuit
//! Training's `grid_size_selection.py`, `CIRCUIT_TRAINING.md` §7 step 3).
//!
//! Rule: candidates are `cols, rows ∈ [10, 128)` with `500 ≤ cols·rows ≤ 4096` and a cell
//! aspect ratio (long side / short side of `W/cols × H/rows`) of at most 1.5. A candidate is
//! feasible when the hard macros, largest area first, can each be put at the centre of some
//! grid cell (scanned row-major from the lower left) inside the canvas without overlapping
//! the ones already put (CT's greedy feasibility test). Among feasible candidates whose cell
//! count is within 5 % of the smallest feasible count, the one with the cell aspect closest
//! to 1 wins (ties: fewer cells, then fewer columns). CT's finer metric (empty cells, packing
//! waste) is not computed. When no candidate is feasible, the smallest-count candidate with
//! the best aspect is returned and `feasible` is false.

use crate::model::{Netlist, NodeKind};

/// The chosen grid.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GridChoice {
    /// Columns.
    pub cols: u32,
    /// Rows.
    pub rows: u32,
    /// Whether the greedy macro packing succeeded on it.
    pub feasible: bool,
}

/// Chooses the grid for canvas `w × h` and the netlist's hard macros (see the module docs).
pub fn choose_grid(nl: &Netlist, w: f64, h: f64) -> GridChoice {
    let mut sizes: Vec<(f64, f64)> = nl
        .ids()
        .filter(|&i| nl.kind(i) == NodeKind::HardMacro)
        .map(|i| (nl.width[i.index()], nl.height[i.index()]))
        .collect();
    sizes.sort_by(|a, b| (b.0 * b.1).total_cmp(&(a.0 * a.1)));
    let mut cands: Vec<(u32, u32, f64)> = Vec::new();
    for cols in 10u32..128 {
        for rows in 10u32..128 {
            let n = cols * rows;
            if !(500..=4096).contains(&n) {
                continue;
            }
            let (cw, ch) = (w / cols as f64, h / rows as f64);
            let aspect = cw.max(ch) / cw.min(ch);
            if aspect <= 1.5 {
                cands.push((cols, rows, aspect));
            }
        }
    }
    cands.sort_by(|a, b| {
        (a.0 * a.1).cmp(&(b.0 * b.1)).then(a.2.total_cmp(&b.2)).then(a.0.cmp(&b.0))
    });
    let Some(&first) = cands.first() else {
        return GridChoice { cols: 10, rows: 10, feasible: false };
    };
    let mut min_feasible: Option<u32> = None;
    let mut best: Option<(u32, u32, f64)> = None;
    for &(c, r, a) in &cands {
        if let Some(m) = min_feasible {
            if (c * r) as f64 > m as f64 * 1.05 {
                break;
            }
        }
        if !packs(&sizes, w, h, c, r) {
            continue;
        }
        min_feasible.get_or_insert(c * r);
        let better = best.is_none_or(|(bc, br, ba)| {
            a < ba - 1e-12 || ((a - ba).abs() <= 1e-12 && (c * r, c) < (bc * br, bc))
        });
        if better {
            best = Some((c, r, a));
        }
    }
    match best {
        Some((cols, rows, _)) => GridChoice { cols, rows, feasible: true },
        None => GridChoice { cols: first.0, rows: first.1, feasible: false },
    }
}

/// Greedy packing of macros (largest first) at grid-cell centres.
fn packs(sizes: &[(f64, f64)], w: f64, h: f64, cols: u32, rows: u32) -> bool {
    let (cw, ch) = (w / cols as f64, h / rows as f64);
    let mut placed: Vec<(f64, f64, f64, f64)> = Vec::with_capacity(sizes.len());
    const TOL: f64 = 1e-6;
    'macros: for &(mw, mh) in sizes {
        for r in 0..rows {
            for c in 0..cols {
                let (x, y) = ((c as f64 + 0.5) * cw, (r as f64 + 0.5) * ch);
                let (x0, y0, x1, y1) = (x - mw / 2.0, y - mh / 2.0, x + mw / 2.0, y + mh / 2.0);
                if x0 < -TOL || y0 < -TOL || x1 > w + TOL || y1 > h + TOL {
                    continue;
                }
                let clash = placed.iter().any(|&(a0, b0, a1, b1)| {
                    x0 < a1 - TOL && a0 < x1 - TOL && y0 < b1 - TOL && b0 < y1 - TOL
                });
                if !clash {
                    placed.push((x0, y0, x1, y1));
                    continue 'macros;
                }
            }
        }
        return false;
    }
    true
}
