//! The wirelength map of an observation: for the macro to place, the weighted HPWL its nets
//! would have with the macro at each grid cell (a "wire mask", after MaskPlace, Lai et al.,
//! NeurIPS 2022). Not part of Circuit Training's observation: the policy may use it as an
//! extra input (`gnn`'s `wire_map` option), which makes wirelength-aware placements much
//! cheaper to learn than through the graph encoder alone.
//!
//! What counts is what the greedy baseline counts (`placer::place::greedy`): the pins of
//! ports, soft macros and standard cells at their current positions, of fixed hard macros and
//! of hard macros placed so far; pins of hard macros not yet placed are ignored. The cost
//! separates into a column part and a row part (`cost(r, c) = FX(c) + FY(r)`), so one map
//! takes `O(nets · (pins + rows + cols))`. Nets with no counted pin besides the macro's own
//! add a constant and are left out.
//!
//! The map is normalised over the legal cells to `0..=255` (0: the least wirelength among the
//! legal cells, 255: the most) and stored as bytes over the padded action grid; illegal and
//! padding cells hold 0.

use netlists::{Netlist, NodeId, NodeKind, Placement};
use placer::place::{node_nets, PlacementGrid};

/// One net of a macro: its id, weight and the extent of the macro's own pins on it
/// `(x0, x1, y0, y1)` relative to the macro centre, in the macro's orientation.
#[derive(Clone, Debug)]
struct MacroNet {
    net: u32,
    w: f64,
    off: (f64, f64, f64, f64),
}

/// Per-netlist tables for wirelength maps.
#[derive(Clone, Debug)]
pub struct WireTables {
    /// Nets of each hard macro to place (indexed like the episode's macro order).
    macro_nets: Vec<Vec<MacroNet>>,
    col_x: Vec<f64>,
    row_y: Vec<f64>,
}

impl WireTables {
    /// Tables for the macros of `order`, in the orientations of `pl`.
    pub fn new(nl: &Netlist, pl: &Placement, grid: &PlacementGrid, order: &[NodeId]) -> Self {
        let (start, list) = node_nets(nl);
        let macro_nets = order
            .iter()
            .map(|&m| {
                let o = pl.orientation[m.index()];
                let mut pairs: Vec<(u32, (f64, f64))> = Vec::new();
                for &pin in nl.pins_of(m) {
                    let i = pin.index();
                    let off = if nl.kind(pin) == NodeKind::HardMacroPin {
                        let (dx, dy) = nl.pin_offset[i];
                        o.transform(dx, dy)
                    } else {
                        (0.0, 0.0)
                    };
                    for &k in &list[start[i] as usize..start[i + 1] as usize] {
                        pairs.push((k, off));
                    }
                }
                pairs.sort_unstable_by_key(|p| p.0);
                let mut out: Vec<MacroNet> = Vec::new();
                for (k, (tx, ty)) in pairs {
                    if out.last().is_none_or(|l| l.net != k) {
                        out.push(MacroNet {
                            net: k,
                            w: nl.nets.weight[k as usize],
                            off: (
                                f64::INFINITY,
                                f64::NEG_INFINITY,
                                f64::INFINITY,
                                f64::NEG_INFINITY,
                            ),
                        });
                    }
                    let b = &mut out.last_mut().expect("pushed above").off;
                    *b = (b.0.min(tx), b.1.max(tx), b.2.min(ty), b.3.max(ty));
                }
                out
            })
            .collect();
        let cols = grid.cols as usize;
        let col_x = (0..cols).map(|c| grid.centre(c).0).collect();
        let row_y = (0..grid.rows as usize).map(|r| grid.centre(r * cols).1).collect();
        WireTables { macro_nets, col_x, row_y }
    }

    /// Fills `out` (`G²` bytes, row-major over the padded action grid) with the normalised map
    /// of the `step`-th macro, over the legal `cells` (`cols · rows`, row-major) of the real
    /// grid placed at `(pad_rows, pad_cols)`. `fx` and `fy` are scratch.
    #[allow(clippy::too_many_arguments)]
    pub fn fill(
        &self,
        nl: &Netlist,
        pl: &Placement,
        step: usize,
        macro_id: NodeId,
        cells: &[bool],
        (g, pad_rows, pad_cols): (usize, usize, usize),
        scratch: &mut (Vec<f64>, Vec<f64>),
        out: &mut Vec<u8>,
    ) {
        out.clear();
        out.resize(g * g, 0);
        let (fx, fy) = scratch;
        let (cols, rows) = (self.col_x.len(), self.row_y.len());
        fx.clear();
        fx.resize(cols, 0.0);
        fy.clear();
        fy.resize(rows, 0.0);
        let nets = &nl.nets;
        for e in &self.macro_nets[step] {
            let k = e.net as usize;
            let sinks = &nets.sinks[nets.sink_start[k] as usize..nets.sink_start[k + 1] as usize];
            let mut b = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
            for j in std::iter::once(nets.driver[k]).chain(sinks.iter().copied()) {
                let anchor = nl.owner[j.index()].unwrap_or(j);
                let a = anchor.index();
                let counted = anchor != macro_id
                    && (nl.kind(anchor) != NodeKind::HardMacro || pl.fixed[a] || pl.placed[a]);
                if !counted {
                    continue;
                }
                let (x, y) = pl.pin_position(nl, j);
                b = (b.0.min(x), b.1.max(x), b.2.min(y), b.3.max(y));
            }
            if b.0 > b.1 {
                continue;
            }
            let (ox0, ox1, oy0, oy1) = e.off;
            for (f, &x) in fx.iter_mut().zip(&self.col_x) {
                *f += e.w * (b.1.max(x + ox1) - b.0.min(x + ox0));
            }
            for (f, &y) in fy.iter_mut().zip(&self.row_y) {
                *f += e.w * (b.3.max(y + oy1) - b.2.min(y + oy0));
            }
        }
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for (cell, _) in cells.iter().enumerate().filter(|(_, &ok)| ok) {
            let v = fx[cell % cols] + fy[cell / cols];
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if hi <= lo {
            return;
        }
        let scale = 255.0 / (hi - lo);
        for (cell, _) in cells.iter().enumerate().filter(|(_, &ok)| ok) {
            let (r, c) = (cell / cols, cell % cols);
            let v = fx[c] + fy[r];
            out[(r + pad_rows) * g + c + pad_cols] =
                ((v - lo) * scale).round().clamp(0.0, 255.0) as u8;
        }
        debug_assert_eq!(cells.len(), rows * cols);
    }
}
