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
use placer::place::{macro_nets, node_nets, pins_box, MacroNet, PlacementGrid};

/// Per-netlist tables for wirelength maps.
#[derive(Clone, Debug)]
pub struct WireTables {
    /// Nets of each hard macro to place (indexed like the episode's macro order), with the
    /// pin-offset extent in the macro's orientation in `off[0]`.
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
            .map(|&m| macro_nets(nl, m, &[pl.orientation[m.index()]], &start, &list))
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
        for e in &self.macro_nets[step] {
            let b = pins_box(nl, pl, e.net as usize, |a| {
                a != macro_id
                    && (nl.kind(a) != NodeKind::HardMacro
                        || pl.fixed[a.index()]
                        || pl.placed[a.index()])
            });
            if b.0 > b.1 {
                continue;
            }
            let (ox0, ox1, oy0, oy1) = e.off[0];
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
