//! [`CostModel`]: a compact, immutable view of a netlist for fast cost evaluation, built once
//! per netlist and parameter set.
//!
//! Every net endpoint (port, macro pin, standard cell) becomes a *slot*: an anchor node (the
//! owner macro for pins, the node itself otherwise) plus an orientation-N offset (hard-macro
//! pins only; soft-macro pins sit at the centre, `PROXY_COST.md` §6). Slots are numbered in
//! (anchor, node) order, so the slots of one node are contiguous. Nets are flat arrays of slot
//! indices, driver first.

use netlists::{Netlist, NodeId, NodeKind, Orientation, Placement};

use super::grid::{Cell, Grid, RouteSink};
use super::{CostError, CostParams};

/// Per-node role in the cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Port: net endpoint at its own position.
    Port,
    /// Hard macro: density, routing allocation, pins with orientation-dependent offsets.
    Hard,
    /// Soft macro: density; pins at its centre.
    Soft,
    /// Standard cell: density, net endpoint at its own position (§2.7).
    Std,
    /// Macro pin: no state of its own.
    Pin,
}

impl Role {
    pub(crate) fn of(k: NodeKind) -> Role {
        match k {
            NodeKind::Port => Role::Port,
            NodeKind::HardMacro => Role::Hard,
            NodeKind::SoftMacro => Role::Soft,
            NodeKind::StdCell => Role::Std,
            NodeKind::HardMacroPin | NodeKind::SoftMacroPin => Role::Pin,
        }
    }
    /// Counts in density (hard and soft macros, standard cells).
    pub(crate) fn has_footprint(self) -> bool {
        matches!(self, Role::Hard | Role::Soft | Role::Std)
    }
}

/// Precomputed structure for evaluating the proxy cost of any placement of one netlist under
/// one [`CostParams`]. Build with [`CostModel::new`]; evaluate with
/// [`CostModel::evaluate`](CostModel::evaluate) (full) or wrap in
/// [`IncrementalCost`](super::IncrementalCost).
#[derive(Clone, Debug)]
pub struct CostModel {
    pub(crate) params: CostParams,
    pub(crate) grid: Grid,
    pub(crate) n_nodes: usize,
    pub(crate) role: Vec<Role>,
    /// Slots anchored at each node: `node_slot_start[i]..node_slot_start[i + 1]`.
    pub(crate) node_slot_start: Vec<u32>,
    /// Anchor node of each slot.
    pub(crate) slot_anchor: Vec<u32>,
    /// Orientation-N offset of each slot (zero unless a hard-macro pin).
    pub(crate) slot_off: Vec<(f64, f64)>,
    /// Whether the slot's offset is transformed by the anchor's orientation.
    pub(crate) slot_hard: Vec<bool>,
    /// Nets: `net_slots[net_start[n]..net_start[n + 1]]`, driver first.
    pub(crate) net_start: Vec<u32>,
    pub(crate) net_slots: Vec<u32>,
    /// Net weight `w` (wirelength).
    pub(crate) net_weight: Vec<f64>,
    /// Routing weight `ω` (§9.1 step 4).
    pub(crate) net_route_w: Vec<f64>,
    /// `Σ w` before the `0 → 1` rule.
    pub(crate) net_weight_sum: f64,
    /// `(W + H) · N_net`.
    pub(crate) wl_norm: f64,
    /// Distinct nets touching each node's slots: `node_nets[node_net_start[i]..]`.
    pub(crate) node_net_start: Vec<u32>,
    pub(crate) node_nets: Vec<u32>,
    /// Density objects in reference order: soft macros, hard macros, standard cells.
    pub(crate) dens_order: Vec<u32>,
    /// Hard macros, ascending.
    pub(crate) hard: Vec<u32>,
    /// Density / allocation footprint `(w, h)` of each node (soft macros squared if asked).
    pub(crate) foot: Vec<(f64, f64)>,
    /// The netlist has standard cells (report as unvalidated, §2.7).
    pub(crate) has_std_cells: bool,
}

impl CostModel {
    /// Builds the model. Errors when `params` fails [`CostParams::validate`].
    pub fn new(nl: &Netlist, params: &CostParams) -> Result<CostModel, CostError> {
        params.validate()?;
        let n = nl.len();
        let grid = Grid {
            cols: params.cols as usize,
            rows: params.rows as usize,
            gw: params.canvas_width / params.cols as f64,
            gh: params.canvas_height / params.rows as f64,
        };
        check_netlist(nl)?;
        let role: Vec<Role> = nl.kinds.iter().map(|&k| Role::of(k)).collect();
        let anchor_of = |i: usize| -> usize {
            match (role[i], nl.owner.get(i).copied().flatten()) {
                (Role::Pin, Some(o)) if o.index() < n => o.index(),
                _ => i,
            }
        };
        let nets = &nl.nets;
        let n_nets = nets.len();
        // Which nodes are net endpoints.
        let mut is_member = vec![false; n];
        fn member<'a>(
            nets: &netlists::Nets,
            k: usize,
            sinks: &'a [NodeId],
        ) -> impl Iterator<Item = NodeId> + 'a {
            std::iter::once(nets.driver[k]).chain(sinks.iter().copied())
        }
        for k in 0..n_nets {
            for m in member(nets, k, net_sinks(nl, k)) {
                if m.index() < n {
                    is_member[m.index()] = true;
                } else {
                    return Err(CostError::BadNetlist(format!(
                        "net {k} names node {m}, but the netlist has {n} nodes"
                    )));
                }
            }
        }
        // Slots in (anchor, node) order: counting sort by anchor.
        let mut node_slot_start = vec![0u32; n + 1];
        for i in 0..n {
            if is_member[i] {
                node_slot_start[anchor_of(i) + 1] += 1;
            }
        }
        for i in 0..n {
            node_slot_start[i + 1] += node_slot_start[i];
        }
        let n_slots = node_slot_start[n] as usize;
        let mut fill: Vec<u32> = node_slot_start[..n].to_vec();
        let mut slot_of = vec![u32::MAX; n];
        let mut slot_anchor = vec![0u32; n_slots];
        let mut slot_off = vec![(0.0, 0.0); n_slots];
        let mut slot_hard = vec![false; n_slots];
        for i in 0..n {
            if !is_member[i] {
                continue;
            }
            let a = anchor_of(i);
            let s = fill[a] as usize;
            fill[a] += 1;
            slot_of[i] = s as u32;
            slot_anchor[s] = a as u32;
            if nl.kinds[i] == NodeKind::HardMacroPin && a != i {
                slot_off[s] = nl.pin_offset[i];
                slot_hard[s] = true;
            }
        }
        // Nets as slot lists.
        let mut net_start = Vec::with_capacity(n_nets + 1);
        let mut net_slots = Vec::with_capacity(nets.sinks.len() + n_nets);
        let mut net_weight = Vec::with_capacity(n_nets);
        let mut net_route_w = Vec::with_capacity(n_nets);
        net_start.push(0u32);
        for k in 0..n_nets {
            for m in member(nets, k, net_sinks(nl, k)) {
                net_slots.push(slot_of[m.index()]);
            }
            net_start.push(net_slots.len() as u32);
            let w = nets.weight[k];
            net_weight.push(w);
            let d = nets.driver[k].index();
            net_route_w.push(if role[d] != Role::Port && w > 1.0 { w } else { 1.0 });
        }
        let net_weight_sum: f64 = net_weight.iter().sum();
        let nc = if net_weight_sum == 0.0 { 1.0 } else { net_weight_sum };
        let wl_norm = (params.canvas_width + params.canvas_height) * nc;
        // Distinct nets per anchor node.
        let mut node_net_start = vec![0u32; n + 1];
        let mut last = vec![u32::MAX; n];
        for k in 0..n_nets {
            for &s in &net_slots[net_start[k] as usize..net_start[k + 1] as usize] {
                let a = slot_anchor[s as usize] as usize;
                if last[a] != k as u32 {
                    last[a] = k as u32;
                    node_net_start[a + 1] += 1;
                }
            }
        }
        for i in 0..n {
            node_net_start[i + 1] += node_net_start[i];
        }
        let mut node_nets = vec![0u32; node_net_start[n] as usize];
        let mut fill: Vec<u32> = node_net_start[..n].to_vec();
        last.fill(u32::MAX);
        for k in 0..n_nets {
            for &s in &net_slots[net_start[k] as usize..net_start[k + 1] as usize] {
                let a = slot_anchor[s as usize] as usize;
                if last[a] != k as u32 {
                    last[a] = k as u32;
                    node_nets[fill[a] as usize] = k as u32;
                    fill[a] += 1;
                }
            }
        }
        // Density objects and footprints.
        let mut foot = vec![(0.0, 0.0); n];
        let mut dens_order = Vec::new();
        let mut hard = Vec::new();
        for pass in [Role::Soft, Role::Hard, Role::Std] {
            dens_order.extend((0..n as u32).filter(|&i| role[i as usize] == pass));
        }
        for i in 0..n {
            let (w, h) = (nl.width[i], nl.height[i]);
            foot[i] = match role[i] {
                Role::Soft if params.square_soft_macros => {
                    let s = (w * h).sqrt();
                    (s, s)
                }
                Role::Hard | Role::Soft | Role::Std => (w, h),
                _ => (0.0, 0.0),
            };
            if role[i] == Role::Hard {
                hard.push(i as u32);
            }
        }
        let has_std_cells = role.contains(&Role::Std);
        Ok(CostModel {
            params: *params,
            grid,
            n_nodes: n,
            role,
            node_slot_start,
            slot_anchor,
            slot_off,
            slot_hard,
            net_start,
            net_slots,
            net_weight,
            net_route_w,
            net_weight_sum,
            wl_norm,
            node_net_start,
            node_nets,
            dens_order,
            hard,
            foot,
            has_std_cells,
        })
    }

    /// The parameters this model evaluates with.
    pub fn params(&self) -> &CostParams {
        &self.params
    }

    /// Number of nodes of the netlist.
    pub fn num_nodes(&self) -> usize {
        self.n_nodes
    }

    /// Number of nets.
    pub fn num_nets(&self) -> usize {
        self.net_weight.len()
    }

    /// `Σ w` over all nets (before the `0 → 1` rule of §2.6).
    pub fn net_weight_sum(&self) -> f64 {
        self.net_weight_sum
    }

    /// True when the netlist contains standard cells: the cost rule for them (§2.7) is
    /// unvalidated and reports must say so.
    pub fn has_std_cells(&self) -> bool {
        self.has_std_cells
    }

    /// Checks that a placement covers every node.
    pub(crate) fn check_placement(&self, pl: &Placement) -> Result<(), CostError> {
        let n = self.n_nodes;
        if pl.x.len() < n || pl.y.len() < n || pl.orientation.len() < n {
            return Err(CostError::PlacementMismatch {
                nodes: n,
                placement: pl.x.len().min(pl.y.len()).min(pl.orientation.len()),
            });
        }
        Ok(())
    }

    /// Slots of node `i`.
    #[inline]
    pub(crate) fn slots_of(&self, i: usize) -> std::ops::Range<usize> {
        self.node_slot_start[i] as usize..self.node_slot_start[i + 1] as usize
    }

    /// Slots of net `k`.
    #[inline]
    pub(crate) fn net(&self, k: usize) -> &[u32] {
        &self.net_slots[self.net_start[k] as usize..self.net_start[k + 1] as usize]
    }

    /// Distinct nets touching node `i`.
    #[inline]
    pub(crate) fn nets_of(&self, i: usize) -> &[u32] {
        &self.node_nets[self.node_net_start[i] as usize..self.node_net_start[i + 1] as usize]
    }

    /// Position of slot `s` given its anchor's centre and orientation (§6).
    #[inline]
    pub(crate) fn slot_pos(&self, s: usize, x: f64, y: f64, o: Orientation) -> (f64, f64) {
        if self.slot_hard[s] {
            let (dx, dy) = self.slot_off[s];
            let (dx, dy) = o.transform(dx, dy);
            (x + dx, y + dy)
        } else {
            (x, y)
        }
    }

    /// Cell of a position, as stored per slot (`i32`, saturating).
    #[inline]
    pub(crate) fn slot_cell(&self, x: f64, y: f64) -> (i32, i32) {
        let (r, c) = self.grid.cell_of(x, y);
        (
            r.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
            c.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
        )
    }

    /// Net HPWL times weight, `w · ((max x − min x) + (max y − min y))` (§7).
    #[inline]
    pub(crate) fn net_wl(&self, k: usize, px: &[f64], py: &[f64]) -> f64 {
        let slots = self.net(k);
        let Some((&first, rest)) = slots.split_first() else { return 0.0 };
        let (mut x0, mut y0) = (px[first as usize], py[first as usize]);
        let (mut x1, mut y1) = (x0, y0);
        for &s in rest {
            let (x, y) = (px[s as usize], py[s as usize]);
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        self.net_weight[k] * ((x1 - x0) + (y1 - y0))
    }

    /// Collects the distinct cells of net `k` (flat indices, driver cell first) into `g`,
    /// applying the out-of-grid rule. Returns false when the net is skipped (skip-net rule).
    #[inline]
    pub(crate) fn net_cells(
        &self,
        k: usize,
        cr: &[i32],
        cc: &[i32],
        g: &mut Vec<Cell>,
        marks: &mut Marks,
    ) -> bool {
        g.clear();
        let grid = &self.grid;
        let clamp = self.params.oob == super::OobRule::Clamp;
        let stamp = marks.next();
        for &s in self.net(k) {
            let (mut r, mut c) = (cr[s as usize] as i64, cc[s as usize] as i64);
            if clamp {
                (r, c) = grid.clamp(r, c);
            } else if !grid.inside(r, c) {
                return false;
            }
            let f = r as usize * grid.cols + c as usize;
            if marks.mark[f] != stamp {
                marks.mark[f] = stamp;
                g.push((r as u32, c as u32));
            }
        }
        true
    }

    /// Routes net `k` (whose distinct cells are `g`) with sign `sign` (+1 add, −1 remove).
    #[inline]
    pub(crate) fn route<S: RouteSink>(&self, k: usize, g: &[Cell], sign: f64, sink: &mut S) {
        super::grid::route_net(sink, self.grid.cols, g, sign * self.net_route_w[k]);
    }
}

/// Sinks of net `k` (the CSR was checked by [`check_netlist`]).
fn net_sinks(nl: &Netlist, k: usize) -> &[NodeId] {
    let n = &nl.nets;
    &n.sinks[n.sink_start[k] as usize..n.sink_start[k + 1] as usize]
}

/// Checks the array lengths and the net CSR of a netlist, so that building a model never
/// panics on a hand-assembled netlist.
fn check_netlist(nl: &Netlist) -> Result<(), CostError> {
    let n = nl.kinds.len();
    let bad = |m: String| Err(CostError::BadNetlist(m));
    if [nl.width.len(), nl.height.len(), nl.owner.len(), nl.pin_offset.len()]
        .iter()
        .any(|&l| l != n)
    {
        return bad(format!("node arrays of unequal length ({n} kinds)"));
    }
    let nets = &nl.nets;
    let k = nets.driver.len();
    if nets.weight.len() != k || (k > 0 && nets.sink_start.len() != k + 1) {
        return bad(format!(
            "net arrays of unequal length ({k} drivers, {} weights, {} sink offsets)",
            nets.weight.len(),
            nets.sink_start.len()
        ));
    }
    let mut prev = 0u32;
    for &s in nets.sink_start.iter().take(k + 1) {
        if s < prev || s as usize > nets.sinks.len() {
            return bad("net sink offsets are not ascending within the sink array".into());
        }
        prev = s;
    }
    Ok(())
}

/// Per-cell stamps for deduplicating the cells of a net in O(pins).
#[derive(Clone, Debug, Default)]
pub(crate) struct Marks {
    pub(crate) mark: Vec<u32>,
    stamp: u32,
}

impl Marks {
    pub(crate) fn new(n: usize) -> Self {
        Marks { mark: vec![0; n], stamp: 0 }
    }
    /// A fresh stamp (resets the marks on wrap-around).
    #[inline]
    pub(crate) fn next(&mut self) -> u32 {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.mark.fill(0);
            self.stamp = 1;
        }
        self.stamp
    }
}
