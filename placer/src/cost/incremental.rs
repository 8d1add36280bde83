//! [`IncrementalCost`]: the proxy cost under moves, orientation changes and swaps, without
//! full recomputation, with transactional rollback for simulated annealing.
//!
//! State kept between moves:
//! - per slot (net endpoint): position and grid cell;
//! - per net: `w · HPWL` and whether congestion routes it (skip-net rule); the total is the
//!   in-order sum of per-block sums (32 nets a block) recomputed for dirty blocks only, so the
//!   wirelength is a pure function of the current positions (no drift);
//! - per cell: density occupancy (with a count of positive contributions, so a cell that
//!   loses its last macro is exactly 0 again, as the tiny-grid rule of §8 needs), routing
//!   demand as difference arrays (exact for integer net weights), and macro allocation.
//!
//! A move removes the old contributions of the moved nodes (density, allocation) and of the
//! nets touching them (routing, only when a pin changed cell), updates positions, and adds
//! the new contributions. The top-k selections run when a component is read. Occupancy and
//! allocation sums are updated by subtraction and addition, which can leave rounding residues
//! of about 1e-16 relative; [`IncrementalCost::resync`] recomputes everything exactly.

use netlists::{Netlist, NodeId, Orientation, Placement};

use super::full::EvalScratch;
use super::grid::{self, RouteSink};
use super::model::{CostModel, Marks, Role};
use super::{CostBreakdown, CostError, CostParams, CostWeights};

/// Nets per wirelength block.
const BLOCK: usize = 32;

// Offsets of the arrays inside the flat cell array (each `n` cells long).
const OCC: usize = 0;
const VDIFF: usize = 1;
const HDIFF: usize = 2;
const VM: usize = 3;
const HM: usize = 4;

/// The proxy cost of a placement that changes one or two nodes at a time.
///
/// ```ignore
/// let mut inc = IncrementalCost::new(&nl, &pl, &params)?;
/// inc.begin();
/// inc.move_node(id, x, y)?;
/// let c = inc.cost();
/// if accept(c) { inc.commit() } else { inc.rollback() }
/// ```
///
/// Outside a transaction, changes are permanent. Between [`begin`](Self::begin) and
/// [`commit`](Self::commit) / [`rollback`](Self::rollback), every change is logged (first
/// touch of each cell, net and node) and rollback restores the exact previous state, bit for
/// bit, including the cached costs.
#[derive(Clone, Debug)]
pub struct IncrementalCost {
    m: CostModel,
    st: State,
}

#[derive(Clone, Debug)]
struct State {
    n: usize,
    x: Vec<f64>,
    y: Vec<f64>,
    o: Vec<Orientation>,
    px: Vec<f64>,
    py: Vec<f64>,
    cr: Vec<i32>,
    cc: Vec<i32>,
    net_wl: Vec<f64>,
    net_routed: Vec<bool>,
    skipped: usize,
    block_sum: Vec<f64>,
    block_dirty: Vec<bool>,
    dirty_blocks: Vec<u32>,
    /// `[occ | vdiff | hdiff | vm | hm]`, `n` cells each.
    cells: Vec<f64>,
    /// Non-zero contributions present in each entry of `cells`; an entry whose count drops
    /// to 0 is reset to exactly 0 (no rounding residue survives the removal of everything).
    cnt: Vec<u32>,
    // Transaction log.
    in_tx: bool,
    epoch: u32,
    cell_epoch: Vec<u32>,
    cell_log: Vec<(u32, f64, u32)>,
    net_epoch: Vec<u32>,
    net_log: Vec<(u32, f64, bool)>,
    node_epoch: Vec<u32>,
    node_log: Vec<(u32, f64, f64, Orientation)>,
    tx_skipped: usize,
    tx_cache: Cache,
    // Scratch.
    g: Vec<grid::Cell>,
    marks: Marks,
    net_mark: Vec<u32>,
    net_stamp: u32,
    affected: Vec<u32>,
    reroute: Vec<u32>,
    slot_stamp: Vec<u32>,
    slot_stamp_now: u32,
    new_slots: Vec<(u32, f64, f64, i32, i32)>,
    tmp: Vec<f64>,
    cand: Vec<f64>,
    den_hint: f64,
    cong_hint: f64,
    cache: Cache,
}

#[derive(Clone, Copy, Debug, Default)]
struct Cache {
    hpwl: Option<f64>,
    density: Option<f64>,
    congestion: Option<f64>,
}

/// Routing sink that adds (`sign = 1`) or removes (`sign = -1`) difference-array
/// contributions through the transaction log.
struct LogSink<'a> {
    st: &'a mut State,
    sign: i32,
}

impl RouteSink for LogSink<'_> {
    #[inline(always)]
    fn h(&mut self, i: usize, w: f64) {
        let j = HDIFF * self.st.n + i;
        self.st.contrib(j, w, self.sign);
    }
    #[inline(always)]
    fn v(&mut self, i: usize, w: f64) {
        let j = VDIFF * self.st.n + i;
        self.st.contrib(j, w, self.sign);
    }
}

/// Plain accumulation (same order as the full evaluation) with contribution counts.
struct InitSink<'a> {
    cells: &'a mut [f64],
    cnt: &'a mut [u32],
    n: usize,
}

impl InitSink<'_> {
    #[inline]
    fn add(&mut self, j: usize, v: f64) {
        if v != 0.0 {
            self.cells[j] += v;
            self.cnt[j] += 1;
        }
    }
}

impl RouteSink for InitSink<'_> {
    #[inline]
    fn h(&mut self, i: usize, w: f64) {
        self.add(HDIFF * self.n + i, w);
    }
    #[inline]
    fn v(&mut self, i: usize, w: f64) {
        self.add(VDIFF * self.n + i, w);
    }
}

impl State {
    /// Adds (`sign = 1`) or removes (`sign = -1`) contribution `v` of entry `j`. Removal
    /// must repeat the value that was added. Zero contributions are ignored.
    #[inline(always)]
    fn contrib(&mut self, j: usize, v: f64, sign: i32) {
        if v == 0.0 {
            return;
        }
        if self.in_tx && self.cell_epoch[j] != self.epoch {
            self.cell_epoch[j] = self.epoch;
            self.cell_log.push((j as u32, self.cells[j], self.cnt[j]));
        }
        let c = self.cnt[j].wrapping_add(sign as u32);
        self.cnt[j] = c;
        let nv = self.cells[j] + sign as f64 * v;
        self.cells[j] = if c == 0 { 0.0 } else { nv };
    }

    #[inline]
    fn log_net(&mut self, k: usize) {
        if self.in_tx && self.net_epoch[k] != self.epoch {
            self.net_epoch[k] = self.epoch;
            self.net_log.push((k as u32, self.net_wl[k], self.net_routed[k]));
        }
    }

    #[inline]
    fn log_node(&mut self, i: usize) {
        if self.in_tx && self.node_epoch[i] != self.epoch {
            self.node_epoch[i] = self.epoch;
            self.node_log.push((i as u32, self.x[i], self.y[i], self.o[i]));
        }
    }

    #[inline]
    fn mark_block(&mut self, k: usize) {
        let b = k / BLOCK;
        if !self.block_dirty[b] {
            self.block_dirty[b] = true;
            self.dirty_blocks.push(b as u32);
        }
    }

    /// Density and (hard macros) allocation contributions of node `i` at its current
    /// position, added or removed.
    fn footprint(&mut self, m: &CostModel, i: usize, sign: i32) {
        let role = m.role[i];
        if !role.has_footprint() {
            return;
        }
        let (w, h) = m.foot[i];
        let (x, y) = (self.x[i], self.y[i]);
        let n = self.n;
        m.grid.for_density(x, y, w, h, |cell, a| self.contrib(OCC * n + cell, a, sign));
        if role == Role::Hard {
            let (ah, av) = (m.params.hrouting_alloc, m.params.vrouting_alloc);
            m.grid.for_alloc(x, y, w, h, ah, av, |cell, dv, dh| {
                self.contrib(VM * n + cell, dv, sign);
                self.contrib(HM * n + cell, dh, sign);
            });
        }
        self.cache.density = None;
        if role == Role::Hard {
            self.cache.congestion = None;
        }
    }

    /// Removes (`sign = -1`) or adds (`sign = 1`) the routing of net `k` from the current
    /// slot cells; on adding, also updates the skip flag and count.
    fn route_net(&mut self, m: &CostModel, k: usize, sign: i32) {
        let mut g = std::mem::take(&mut self.g);
        if sign < 0 {
            if self.net_routed[k] {
                let ok = m.net_cells(k, &self.cr, &self.cc, &mut g, &mut self.marks);
                debug_assert!(ok);
                m.route(k, &g, 1.0, &mut LogSink { st: self, sign: -1 });
            }
        } else {
            let ok = m.net_cells(k, &self.cr, &self.cc, &mut g, &mut self.marks);
            if ok {
                m.route(k, &g, 1.0, &mut LogSink { st: self, sign: 1 });
            }
            if ok != self.net_routed[k] {
                self.log_net(k);
                self.net_routed[k] = ok;
                if ok {
                    self.skipped -= 1;
                } else {
                    self.skipped += 1;
                }
            }
        }
        self.g = g;
    }
}

impl IncrementalCost {
    /// Builds the model and the state for a placement.
    pub fn new(nl: &Netlist, pl: &Placement, params: &CostParams) -> Result<Self, CostError> {
        Self::from_model(CostModel::new(nl, params)?, pl)
    }

    /// Builds the state for a placement from an existing model.
    pub fn from_model(m: CostModel, pl: &Placement) -> Result<Self, CostError> {
        m.check_placement(pl)?;
        let n_nodes = m.n_nodes;
        let n_slots = m.slot_anchor.len();
        let n_nets = m.num_nets();
        let n = m.grid.n();
        let n_blocks = n_nets.div_ceil(BLOCK);
        let st = State {
            n,
            x: pl.x[..n_nodes].to_vec(),
            y: pl.y[..n_nodes].to_vec(),
            o: pl.orientation[..n_nodes].to_vec(),
            px: vec![0.0; n_slots],
            py: vec![0.0; n_slots],
            cr: vec![0; n_slots],
            cc: vec![0; n_slots],
            net_wl: vec![0.0; n_nets],
            net_routed: vec![false; n_nets],
            skipped: 0,
            block_sum: vec![0.0; n_blocks],
            block_dirty: vec![false; n_blocks],
            dirty_blocks: Vec::new(),
            cells: vec![0.0; 5 * n],
            cnt: vec![0; 5 * n],
            in_tx: false,
            epoch: 0,
            cell_epoch: vec![0; 5 * n],
            cell_log: Vec::new(),
            net_epoch: vec![0; n_nets],
            net_log: Vec::new(),
            node_epoch: vec![0; n_nodes],
            node_log: Vec::new(),
            tx_skipped: 0,
            tx_cache: Cache::default(),
            g: Vec::new(),
            marks: Marks::new(n),
            net_mark: vec![0; n_nets],
            net_stamp: 0,
            affected: Vec::new(),
            reroute: Vec::new(),
            slot_stamp: vec![0; n_slots],
            slot_stamp_now: 0,
            new_slots: Vec::new(),
            tmp: Vec::new(),
            cand: Vec::new(),
            den_hint: f64::NEG_INFINITY,
            cong_hint: f64::NEG_INFINITY,
            cache: Cache::default(),
        };
        let mut s = IncrementalCost { m, st };
        s.resync();
        Ok(s)
    }

    /// Recomputes the whole state from the current positions (drops any open transaction's
    /// log, keeping its changes). The result equals a full evaluation bit for bit except for
    /// the block-wise wirelength sum.
    pub fn resync(&mut self) {
        let m = &self.m;
        let st = &mut self.st;
        st.in_tx = false;
        st.cell_log.clear();
        st.net_log.clear();
        st.node_log.clear();
        for slot in 0..m.slot_anchor.len() {
            let a = m.slot_anchor[slot] as usize;
            let (x, y) = m.slot_pos(slot, st.x[a], st.y[a], st.o[a]);
            let (r, c) = m.slot_cell(x, y);
            (st.px[slot], st.py[slot], st.cr[slot], st.cc[slot]) = (x, y, r, c);
        }
        st.cells.fill(0.0);
        st.cnt.fill(0);
        st.skipped = 0;
        let n = st.n;
        let mut g = std::mem::take(&mut st.g);
        for k in 0..m.num_nets() {
            st.net_wl[k] = m.net_wl(k, &st.px, &st.py);
            let ok = m.net_cells(k, &st.cr, &st.cc, &mut g, &mut st.marks);
            st.net_routed[k] = ok;
            if ok {
                let mut sink = InitSink { cells: &mut st.cells, cnt: &mut st.cnt, n };
                m.route(k, &g, 1.0, &mut sink);
            } else {
                st.skipped += 1;
            }
        }
        st.g = g;
        for &i in &m.dens_order {
            let i = i as usize;
            let (w, h) = m.foot[i];
            let mut sink = InitSink { cells: &mut st.cells, cnt: &mut st.cnt, n };
            m.grid.for_density(st.x[i], st.y[i], w, h, |cell, a| sink.add(OCC * n + cell, a));
        }
        let (ah, av) = (m.params.hrouting_alloc, m.params.vrouting_alloc);
        for &i in &m.hard {
            let i = i as usize;
            let (w, h) = m.foot[i];
            let mut sink = InitSink { cells: &mut st.cells, cnt: &mut st.cnt, n };
            m.grid.for_alloc(st.x[i], st.y[i], w, h, ah, av, |cell, dv, dh| {
                sink.add(VM * n + cell, dv);
                sink.add(HM * n + cell, dh);
            });
        }
        for b in 0..st.block_sum.len() {
            st.block_dirty[b] = true;
        }
        st.dirty_blocks = (0..st.block_sum.len() as u32).collect();
        st.cache = Cache::default();
    }

    /// The cost model.
    pub fn model(&self) -> &CostModel {
        &self.m
    }

    /// The parameters.
    pub fn params(&self) -> &CostParams {
        &self.m.params
    }

    /// Current centre of a node (pins: their own unused entries).
    pub fn position(&self, id: NodeId) -> (f64, f64) {
        (self.st.x[id.index()], self.st.y[id.index()])
    }

    /// Current orientation of a node.
    pub fn orientation(&self, id: NodeId) -> Orientation {
        self.st.o[id.index()]
    }

    /// Writes the current positions and orientations into `pl` (fixed and placed flags are
    /// left alone). Errors when `pl` is shorter than the netlist.
    pub fn write_placement(&self, pl: &mut Placement) -> Result<(), CostError> {
        self.m.check_placement(pl)?;
        let n = self.m.n_nodes;
        pl.x[..n].copy_from_slice(&self.st.x);
        pl.y[..n].copy_from_slice(&self.st.y);
        pl.orientation[..n].copy_from_slice(&self.st.o);
        Ok(())
    }

    fn movable(&self, id: NodeId) -> Result<usize, CostError> {
        let i = id.index();
        if i >= self.m.n_nodes || self.m.role[i] == Role::Pin {
            return Err(CostError::NotMovable(id));
        }
        Ok(i)
    }

    fn movable_to(&self, id: NodeId, x: f64, y: f64) -> Result<usize, CostError> {
        let i = self.movable(id)?;
        if !x.is_finite() || !y.is_finite() {
            return Err(CostError::NonFinitePosition(id));
        }
        Ok(i)
    }

    /// Moves a node's centre to `(x, y)`. Macros, ports and standard cells move; macro pins
    /// follow their owner and cannot be moved ([`CostError::NotMovable`]); non-finite
    /// coordinates are refused ([`CostError::NonFinitePosition`]). Any position outside the
    /// canvas is accepted and costed by the rules of `PROXY_COST.md` §10.
    pub fn move_node(&mut self, id: NodeId, x: f64, y: f64) -> Result<(), CostError> {
        let i = self.movable_to(id, x, y)?;
        let o = self.st.o[i];
        self.apply(&[(i, x, y, o)]);
        Ok(())
    }

    /// Sets a node's orientation (changes the cost only for hard macros with pins).
    pub fn set_orientation(&mut self, id: NodeId, o: Orientation) -> Result<(), CostError> {
        let i = self.movable(id)?;
        let (x, y) = (self.st.x[i], self.st.y[i]);
        self.apply(&[(i, x, y, o)]);
        Ok(())
    }

    /// Moves a node and sets its orientation in one step.
    pub fn move_and_orient(
        &mut self,
        id: NodeId,
        x: f64,
        y: f64,
        o: Orientation,
    ) -> Result<(), CostError> {
        let i = self.movable_to(id, x, y)?;
        self.apply(&[(i, x, y, o)]);
        Ok(())
    }

    /// Exchanges the centres of two nodes (orientations stay with their nodes).
    pub fn swap(&mut self, a: NodeId, b: NodeId) -> Result<(), CostError> {
        let i = self.movable(a)?;
        let j = self.movable(b)?;
        if i == j {
            return Ok(());
        }
        let st = &self.st;
        let ci = (i, st.x[j], st.y[j], st.o[i]);
        let cj = (j, st.x[i], st.y[i], st.o[j]);
        self.apply(&[ci, cj]);
        Ok(())
    }

    /// Applies new `(x, y, orientation)` to distinct nodes.
    fn apply(&mut self, changes: &[(usize, f64, f64, Orientation)]) {
        let m = &self.m;
        let st = &mut self.st;
        // New slot positions and cells; did any pin change cell?
        st.new_slots.clear();
        let mut cells_changed = false;
        let mut any_slot_moved = false;
        st.slot_stamp_now = st.slot_stamp_now.wrapping_add(1);
        if st.slot_stamp_now == 0 {
            st.slot_stamp.fill(0);
            st.slot_stamp_now = 1;
        }
        for &(i, x, y, o) in changes {
            for slot in m.slots_of(i) {
                let (sx, sy) = m.slot_pos(slot, x, y, o);
                let (r, c) = m.slot_cell(sx, sy);
                if r != st.cr[slot] || c != st.cc[slot] {
                    cells_changed = true;
                    st.slot_stamp[slot] = st.slot_stamp_now;
                }
                any_slot_moved |=
                    sx.to_bits() != st.px[slot].to_bits() || sy.to_bits() != st.py[slot].to_bits();
                st.new_slots.push((slot as u32, sx, sy, r, c));
            }
        }
        // Affected nets (distinct).
        st.affected.clear();
        if any_slot_moved {
            if changes.len() == 1 {
                st.affected.extend_from_slice(m.nets_of(changes[0].0));
            } else {
                st.net_stamp = st.net_stamp.wrapping_add(1);
                if st.net_stamp == 0 {
                    st.net_mark.fill(0);
                    st.net_stamp = 1;
                }
                for &(i, ..) in changes {
                    for &k in m.nets_of(i) {
                        if st.net_mark[k as usize] != st.net_stamp {
                            st.net_mark[k as usize] = st.net_stamp;
                            st.affected.push(k);
                        }
                    }
                }
            }
        }
        let affected = std::mem::take(&mut st.affected);
        // Nets with a pin that changed cell: their routing changes.
        let mut reroute = std::mem::take(&mut st.reroute);
        reroute.clear();
        if cells_changed {
            let now = st.slot_stamp_now;
            reroute.extend(
                affected.iter().copied().filter(|&k| {
                    m.net(k as usize).iter().any(|&s| st.slot_stamp[s as usize] == now)
                }),
            );
            for &k in &reroute {
                st.route_net(m, k as usize, -1);
            }
        }
        // Footprints out, state update, footprints in.
        for &(i, x, y, _) in changes {
            if x.to_bits() != st.x[i].to_bits() || y.to_bits() != st.y[i].to_bits() {
                st.footprint(m, i, -1);
            }
        }
        for &(i, x, y, o) in changes {
            st.log_node(i);
            let moved = x.to_bits() != st.x[i].to_bits() || y.to_bits() != st.y[i].to_bits();
            st.x[i] = x;
            st.y[i] = y;
            st.o[i] = o;
            if moved {
                st.footprint(m, i, 1);
            }
        }
        for &(slot, sx, sy, r, c) in &st.new_slots {
            let s = slot as usize;
            (st.px[s], st.py[s], st.cr[s], st.cc[s]) = (sx, sy, r, c);
        }
        for &k in &reroute {
            st.route_net(m, k as usize, 1);
        }
        if !reroute.is_empty() {
            st.cache.congestion = None;
        }
        st.reroute = reroute;
        for &k in &affected {
            let k = k as usize;
            st.log_net(k);
            st.net_wl[k] = m.net_wl(k, &st.px, &st.py);
            st.mark_block(k);
        }
        if !affected.is_empty() {
            st.cache.hpwl = None;
        }
        st.affected = affected;
    }

    /// Starts a transaction (an open one is committed first).
    pub fn begin(&mut self) {
        let st = &mut self.st;
        st.cell_log.clear();
        st.net_log.clear();
        st.node_log.clear();
        st.epoch = st.epoch.wrapping_add(1);
        if st.epoch == 0 {
            st.cell_epoch.fill(0);
            st.net_epoch.fill(0);
            st.node_epoch.fill(0);
            st.epoch = 1;
        }
        st.in_tx = true;
        st.tx_skipped = st.skipped;
        st.tx_cache = st.cache;
    }

    /// Keeps the changes of the open transaction (no-op without one).
    pub fn commit(&mut self) {
        let st = &mut self.st;
        st.in_tx = false;
        st.cell_log.clear();
        st.net_log.clear();
        st.node_log.clear();
    }

    /// Undoes every change since [`begin`](Self::begin), restoring the exact previous state
    /// (no-op without an open transaction).
    pub fn rollback(&mut self) {
        if !self.st.in_tx {
            return;
        }
        let m = &self.m;
        let st = &mut self.st;
        for &(j, v, cnt) in &st.cell_log {
            let j = j as usize;
            st.cells[j] = v;
            st.cnt[j] = cnt;
        }
        let net_log = std::mem::take(&mut st.net_log);
        for &(k, wl, routed) in &net_log {
            let k = k as usize;
            st.net_wl[k] = wl;
            st.net_routed[k] = routed;
            st.mark_block(k);
        }
        st.net_log = net_log;
        for &(i, x, y, o) in &st.node_log {
            let i = i as usize;
            (st.x[i], st.y[i], st.o[i]) = (x, y, o);
            for slot in m.slots_of(i) {
                let (sx, sy) = m.slot_pos(slot, x, y, o);
                let (r, c) = m.slot_cell(sx, sy);
                (st.px[slot], st.py[slot], st.cr[slot], st.cc[slot]) = (sx, sy, r, c);
            }
        }
        st.skipped = st.tx_skipped;
        st.cache = st.tx_cache;
        self.commit();
    }

    /// True between [`begin`](Self::begin) and [`commit`](Self::commit) /
    /// [`rollback`](Self::rollback).
    pub fn in_transaction(&self) -> bool {
        self.st.in_tx
    }

    /// Raw weighted wirelength `Σ w · HPWL`.
    pub fn hpwl(&mut self) -> f64 {
        let st = &mut self.st;
        if let Some(v) = st.cache.hpwl {
            return v;
        }
        for &b in &st.dirty_blocks {
            let b = b as usize;
            let lo = b * BLOCK;
            let hi = (lo + BLOCK).min(st.net_wl.len());
            st.block_sum[b] = st.net_wl[lo..hi].iter().sum();
            st.block_dirty[b] = false;
        }
        st.dirty_blocks.clear();
        let v = st.block_sum.iter().sum();
        st.cache.hpwl = Some(v);
        v
    }

    /// Wirelength cost.
    pub fn wirelength_cost(&mut self) -> f64 {
        self.hpwl() / self.m.wl_norm
    }

    /// Density cost.
    pub fn density_cost(&mut self) -> f64 {
        let st = &mut self.st;
        if let Some(v) = st.cache.density {
            return v;
        }
        let v = grid::density_cost(
            &st.cells[OCC * st.n..(OCC + 1) * st.n],
            &self.m.grid,
            &mut st.tmp,
            &mut st.cand,
            Some(&mut st.den_hint),
        );
        st.cache.density = Some(v);
        v
    }

    /// Congestion cost.
    pub fn congestion_cost(&mut self) -> f64 {
        let st = &mut self.st;
        if let Some(v) = st.cache.congestion {
            return v;
        }
        let n = st.n;
        let c = &st.cells;
        let v = self.m.congestion_from(
            [
                &c[VDIFF * n..(VDIFF + 1) * n],
                &c[HDIFF * n..(HDIFF + 1) * n],
                &c[VM * n..(VM + 1) * n],
                &c[HM * n..(HM + 1) * n],
            ],
            &mut st.tmp,
            &mut st.cand,
            Some(&mut st.cong_hint),
        );
        st.cache.congestion = Some(v);
        v
    }

    /// Nets currently skipped in congestion (skip-net rule).
    pub fn congestion_nets_skipped_oob(&self) -> usize {
        self.st.skipped
    }

    /// The weighted proxy; components with weight 0 are not evaluated.
    pub fn proxy(&mut self, w: CostWeights) -> f64 {
        let mut p = 0.0;
        if w.wl != 0.0 {
            p += w.wl * self.wirelength_cost();
        }
        if w.den != 0.0 {
            p += w.den * self.density_cost();
        }
        if w.cong != 0.0 {
            p += w.cong * self.congestion_cost();
        }
        p
    }

    /// All components (cached where nothing changed).
    pub fn cost(&mut self) -> CostBreakdown {
        let hpwl = self.hpwl();
        CostBreakdown {
            hpwl,
            net_weight_sum: self.m.net_weight_sum,
            nets: self.m.num_nets(),
            wirelength_cost: hpwl / self.m.wl_norm,
            density_cost: self.density_cost(),
            congestion_cost: self.congestion_cost(),
            congestion_nets_skipped_oob: self.st.skipped,
            has_std_cells: self.m.has_std_cells,
        }
    }

    /// A full evaluation of the current placement (for checks), independent of the
    /// incremental state.
    pub fn full_cost(&self) -> Result<CostBreakdown, CostError> {
        let pl = Placement {
            x: self.st.x.clone(),
            y: self.st.y.clone(),
            orientation: self.st.o.clone(),
            fixed: vec![false; self.m.n_nodes],
            placed: vec![true; self.m.n_nodes],
        };
        self.m.evaluate(&pl, &mut EvalScratch::default())
    }
}
