//! Full (from scratch) evaluation of the proxy cost components.

use netlists::Placement;

use super::grid::{self, CongestionRaw, RouteSink};
use super::model::{CostModel, Marks};
use super::{CostBreakdown, CostError};

/// Reusable buffers for [`CostModel::evaluate`]; evaluation allocates nothing once these
/// have grown to the netlist's size.
#[derive(Clone, Debug, Default)]
pub struct EvalScratch {
    px: Vec<f64>,
    py: Vec<f64>,
    cr: Vec<i32>,
    cc: Vec<i32>,
    g: Vec<grid::Cell>,
    marks: Marks,
    occ: Vec<f64>,
    vdiff: Vec<f64>,
    hdiff: Vec<f64>,
    vm: Vec<f64>,
    hm: Vec<f64>,
    tmp: Vec<f64>,
    cand: Vec<f64>,
}

impl EvalScratch {
    /// The raw per-cell arrays of the last [`CostModel::evaluate`] call: occupied area,
    /// V and H net-demand difference arrays, and the unnormalised V and H macro allocations
    /// (all row-major `R·C`).
    pub(crate) fn raw(&self) -> [&[f64]; 5] {
        [&self.occ, &self.vdiff, &self.hdiff, &self.vm, &self.hm]
    }
}

/// Difference-array sink for the full evaluation.
pub(crate) struct DiffSink<'a> {
    pub(crate) vdiff: &'a mut [f64],
    pub(crate) hdiff: &'a mut [f64],
}

impl RouteSink for DiffSink<'_> {
    #[inline]
    fn h(&mut self, i: usize, w: f64) {
        self.hdiff[i] += w;
    }
    #[inline]
    fn v(&mut self, i: usize, w: f64) {
        self.vdiff[i] += w;
    }
}

impl CostModel {
    /// Evaluates all three components of a placement from scratch.
    ///
    /// Errors only when the placement has fewer entries than the netlist has nodes.
    pub fn evaluate(
        &self,
        pl: &Placement,
        scratch: &mut EvalScratch,
    ) -> Result<CostBreakdown, CostError> {
        self.check_placement(pl)?;
        let n_slots = self.slot_anchor.len();
        let n_cells = self.grid.n();
        let s = scratch;
        s.px.resize(n_slots, 0.0);
        s.py.resize(n_slots, 0.0);
        s.cr.resize(n_slots, 0);
        s.cc.resize(n_slots, 0);
        if s.marks.mark.len() != n_cells {
            s.marks = Marks::new(n_cells);
        }
        // Pin positions and cells.
        for slot in 0..n_slots {
            let a = self.slot_anchor[slot] as usize;
            let (x, y) = self.slot_pos(slot, pl.x[a], pl.y[a], pl.orientation[a]);
            s.px[slot] = x;
            s.py[slot] = y;
            let (r, c) = self.slot_cell(x, y);
            s.cr[slot] = r;
            s.cc[slot] = c;
        }
        // Wirelength and routing demand, net by net in driver order.
        for v in [&mut s.vdiff, &mut s.hdiff, &mut s.occ, &mut s.vm, &mut s.hm] {
            v.clear();
            v.resize(n_cells, 0.0);
        }
        let mut wl = 0.0;
        let mut skipped = 0usize;
        let mut sink = DiffSink { vdiff: &mut s.vdiff, hdiff: &mut s.hdiff };
        for k in 0..self.num_nets() {
            wl += self.net_wl(k, &s.px, &s.py);
            if self.net_cells(k, &s.cr, &s.cc, &mut s.g, &mut s.marks) {
                self.route(k, &s.g, 1.0, &mut sink);
            } else {
                skipped += 1;
            }
        }
        // Density.
        for &i in &self.dens_order {
            let i = i as usize;
            let (w, h) = self.foot[i];
            let occ = &mut s.occ;
            self.grid.for_density(pl.x[i], pl.y[i], w, h, |cell, a| occ[cell] += a);
        }
        // Macro routing allocation.
        let (ah, av) = (self.params.hrouting_alloc, self.params.vrouting_alloc);
        for &i in &self.hard {
            let i = i as usize;
            let (w, h) = self.foot[i];
            let (vm, hm) = (&mut s.vm, &mut s.hm);
            self.grid.for_alloc(pl.x[i], pl.y[i], w, h, ah, av, |cell, dv, dh| {
                vm[cell] += dv;
                hm[cell] += dh;
            });
        }
        let density_cost = grid::density_cost(&s.occ, &self.grid, &mut s.tmp, &mut s.cand, None);
        let congestion_cost =
            self.congestion_from([&s.vdiff, &s.hdiff, &s.vm, &s.hm], &mut s.tmp, &mut s.cand, None);
        Ok(CostBreakdown {
            hpwl: wl,
            net_weight_sum: self.net_weight_sum,
            nets: self.num_nets(),
            wirelength_cost: wl / self.wl_norm,
            density_cost,
            congestion_cost,
            congestion_nets_skipped_oob: skipped,
            has_std_cells: self.has_std_cells,
        })
    }

    /// Congestion cost from raw arrays.
    #[inline]
    pub(crate) fn congestion_from(
        &self,
        [vdiff, hdiff, vm, hm]: [&[f64]; 4],
        tmp: &mut Vec<f64>,
        cand: &mut Vec<f64>,
        hint: Option<&mut f64>,
    ) -> f64 {
        grid::congestion_cost(
            &CongestionRaw { vdiff, hdiff, vm, hm },
            &self.grid,
            self.params.hroutes_per_micron,
            self.params.vroutes_per_micron,
            self.params.smooth_range as usize,
            tmp,
            cand,
            hint,
        )
    }
}
