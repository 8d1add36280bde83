//! [`IncrementalCost`]: the proxy cost under moves, orientation changes and swaps, without
//! full recomputation, with transactional rollback for simulated annealing.
//!
//! State kept between moves:
//! - per slot (net endpoint): position and flat grid cell (`OUT` outside the grid under the
//!   skip-net rule, the clamped cell under the clamp rule);
//! - per net: `w · HPWL` and whether congestion routes it (skip-net rule); the total is the
//!   sum of per-block sums (32 nets a block, each summed in four fixed lanes) recomputed for
//!   dirty blocks only, so the wirelength is a pure function of the current positions (no
//!   drift);
//! - per cell: density occupancy and macro allocation, with a count of non-zero
//!   contributions (a cell that loses its last contribution is exactly 0 again, as the
//!   tiny-grid density rule of §8 needs); routing demand as difference arrays, V row-major
//!   and H column-major (so both prefix sums run across contiguous memory).
//!
//! A move scans each net touching the moved nodes once: it recomputes the net's `w · HPWL`
//! from the new pin positions and, when a pin changed cell, the net's distinct cells before
//! and after. Star-routed nets (more than 3 cells) whose source cell did not change only
//! re-route the sink cells that left or joined the net; other nets are removed and re-added
//! whole. Density and allocation footprints of the moved nodes are removed and re-added.
//!
//! Transactions: the first change of each node, net and density/allocation cell is logged;
//! the routing difference arrays are saved in chunks of 16 entries on first touch. Rollback
//! restores everything bit for bit.
//!
//! Early rejection (simulated annealing): [`IncrementalCost::refresh_bound`] takes the `m`
//! largest congestion values of the current state as a set `S`; the sum of the values in `S`
//! never exceeds the top-`m` sum of any later state, and it follows every routing and
//! allocation change at the cost of a multiply-add, so `(Σ_S) / m` is a lower bound of the
//! congestion cost. Inside a transaction with a bound, a move updates density at once but
//! defers the rest: its nets' new wirelengths and skip flags are computed, not yet written
//! (only their sum's change is kept), the nets whose pins changed cell wait for their routes,
//! and the removal of those routes is already counted in the bound through each net's cached
//! share of `Σ_S` (additions only add; a share computed for a route that a rollback restores
//! survives the rollback). [`IncrementalCost::proxy_below`] returns `None` when the
//! wirelength (the written sum plus the change, exact up to rounding far below its margin)
//! and density plus that bound exceed the caller's limit: a rejected move then rolls back
//! without ever writing a net or routing. Otherwise it writes the nets, routes, tries the
//! bound again, and reads the congestion. Any other read or change settles the move first.
//!
//! Reads: top-k sums use the previous `k`-th largest value as a threshold (one vectorisable
//! pass when the `k`-th value is unchanged, a selection over the candidates otherwise), and
//! sum in fixed lanes, so every read is a pure function of the state. The density read takes
//! its candidates from a bit mask of the cells at or above the last threshold, kept current
//! by the footprint updates and rollback (rebuilt when the threshold moves); the congestion
//! read recomputes the prefix sums two lines per pass (vectorised). Occupancy, allocation
//! and routing sums are updated by subtraction and addition, which can leave rounding
//! residues of about 1e-16 relative (none for the integer net weights of clustered
//! netlists); [`IncrementalCost::resync`] recomputes everything. Results agree with a full
//! evaluation to about 1e-15 relative.

use netlists::{Netlist, NodeId, Orientation, Placement};

use super::full::EvalScratch;
use super::grid::{self, Cell, RouteSink};
use super::model::{CostModel, Role};
use super::{CostBreakdown, CostError, CostParams, CostWeights, OobRule};

/// Nets per wirelength block.
const BLOCK: usize = 32;

/// Difference-array entries per copy-on-write chunk (log2).
const CHUNK_SHIFT: usize = 4;
const CHUNK: usize = 1 << CHUNK_SHIFT;

/// Relative slack of [`IncrementalCost::proxy_below`]: the bound and the congestion read
/// add the same values in different orders (rounding about 1e-16 relative per addition).
const BOUND_MARGIN: f64 = 1e-9;

/// Slot cell outside the grid (skip-net rule).
const OUT: u32 = u32::MAX;

// Offsets of the arrays inside the counted cell array (each `n` cells long).
const OCC: usize = 0;
const VM: usize = 1;
/// Horizontal allocation, column-major (`c · rows + r`).
const HMT: usize = 2;

/// The proxy cost of a placement that changes one or a few nodes at a time.
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
/// [`commit`](Self::commit) / [`rollback`](Self::rollback), every change is logged and
/// rollback restores the exact previous state, bit for bit, including the cached costs.
#[derive(Clone, Debug)]
pub struct IncrementalCost {
    m: CostModel,
    st: State,
}

#[derive(Clone, Debug)]
struct State {
    /// Grid cells, rows, columns.
    n: usize,
    rows: usize,
    cols: usize,
    /// Row-major cell index → column-major index.
    tr: Vec<u32>,
    /// Flat cell → `(row, col)`.
    rc: Vec<Cell>,
    x: Vec<f64>,
    y: Vec<f64>,
    o: Vec<Orientation>,
    /// Per slot: position, cell and move stamp, packed (one cache line per visit).
    sl: Vec<Slot>,
    net_wl: Vec<f64>,
    net_routed: Vec<bool>,
    skipped: usize,
    block_sum: Vec<f64>,
    block_dirty: Vec<bool>,
    dirty_blocks: Vec<u32>,
    block_epoch: Vec<u32>,
    block_log: Vec<(u32, f64, bool)>,
    /// `[occ | vm | hm (column-major)]`, `n` cells each, with contribution counts.
    cells: Vec<f64>,
    cnt: Vec<u32>,
    /// `[vdiff (row-major) | hdiff (column-major)]`, `n` cells each, then zeros up to a
    /// whole number of chunks.
    dif: Vec<f64>,
    // Transaction log.
    in_tx: bool,
    epoch: u32,
    cell_epoch: Vec<u32>,
    cell_log: Vec<(u32, f64, u32)>,
    chunk_epoch: Vec<u32>,
    chunk_ids: Vec<u32>,
    chunk_save: Vec<f64>,
    net_epoch: Vec<u32>,
    /// `(net, w · HPWL, routed, (bound share, its version))` before the first change.
    net_log: Vec<(u32, f64, bool, (f64, u32))>,
    node_epoch: Vec<u32>,
    node_log: Vec<(u32, f64, f64, Orientation)>,
    /// The slots of each node in `node_log`, in the same order (whole ranges, stamps unused).
    slot_log: Vec<Slot>,
    tx_skipped: usize,
    tx_cache: Cache,
    /// Congestion lower bound ([`IncrementalCost::refresh_bound`]): `bound_valid` while
    /// every change since the last refresh went into `lb_acc`.
    bound: CongBound,
    tx_lb: f64,
    /// Per net: what its current route adds to the bound's sum (`Σ w · ws` over its
    /// difference-array entries) and the bound version it is valid for.
    ovl: Vec<(f64, u32)>,
    /// Routing deferred by the last move ([`IncrementalCost::finish_routing`]): the nets
    /// whose pins changed cell, with their routed flag before the move; the moved nodes,
    /// whose slots still hold their old positions and cells; the move's slot stamp.
    pending: bool,
    pend: Vec<(u32, bool)>,
    pend_nodes: Vec<u32>,
    pend_now: u32,
    /// Bound change of the deferred routing's removals: `-Σ o` over the routed nets of
    /// `pend` (the additions only add).
    acc_rm: f64,
    /// A deferred move's nets before they are written ([`State::settle`]; empty once
    /// written): per net its new `w · HPWL`, whether all its pins are in the grid and whether
    /// a pin changed cell; `dry_dwl` is the change of `Σ w · HPWL` they make.
    dry: Vec<(u32, f64, bool, bool)>,
    dry_dwl: f64,
    // Scratch.
    /// Per cell: the stamp of the last net scan that found it among the net's cells before
    /// (`[0]`) and after (`[1]`) the move.
    marks: Vec<[u32; 2]>,
    mark_stamp: u32,
    /// Distinct flat cells of one net before and after a move, written by index (as long
    /// as the largest net: a net has at most as many distinct cells as slots).
    g_old: Vec<u32>,
    g_new: Vec<u32>,
    /// Distinct cells of one net as `(row, column)`, for routing.
    g_cells: Vec<Cell>,
    net_mark: Vec<u32>,
    net_stamp: u32,
    affected: Vec<u32>,
    slot_stamp_now: u32,
    /// New position and cell of the slots stamped by the current move.
    sn: Vec<SlotNew>,
    changes: Vec<(usize, f64, f64, Orientation)>,
    lbuf: Vec<f64>,
    acc: Vec<f64>,
    tmp: Vec<f64>,
    tmp2: Vec<f64>,
    cand: Vec<f64>,
    den_bracket: grid::Bracket,
    /// Bit `i`: `occ[i] >= den_mask_lo` (valid unless `den_mask_lo` is NaN), so a density
    /// read gathers the candidates of the bracket without scanning every cell.
    den_mask: Vec<u64>,
    den_mask_lo: f64,
    cong_bracket: grid::Bracket,
    cache: Cache,
}

/// A slot's position, flat cell and the stamp of the last move that moved it.
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    x: f64,
    y: f64,
    cell: u32,
    stamp: u32,
}

/// A moved slot's new position and cell.
#[derive(Clone, Copy, Debug, Default)]
struct SlotNew {
    x: f64,
    y: f64,
    cell: u32,
}

/// `w · HPWL` of net `k` from the slot positions.
fn net_wl(m: &CostModel, k: usize, sl: &[Slot]) -> f64 {
    let slots = m.net(k);
    let Some((&first, rest)) = slots.split_first() else { return 0.0 };
    let f = sl[first as usize];
    let (mut x0, mut x1, mut y0, mut y1) = (f.x, f.x, f.y, f.y);
    for &s in rest {
        let p = sl[s as usize];
        x0 = if p.x < x0 { p.x } else { x0 };
        x1 = if p.x > x1 { p.x } else { x1 };
        y0 = if p.y < y0 { p.y } else { y0 };
        y1 = if p.y > y1 { p.y } else { y1 };
    }
    m.net_weight[k] * ((x1 - x0) + (y1 - y0))
}

/// `Orientation::transform` as an optional swap, then sign flips of x and y (negation is
/// exactly a sign flip), to be decided once per node.
#[inline(always)]
fn orient_flips(o: Orientation) -> (bool, u64, u64) {
    const SIGN: u64 = 1 << 63;
    match o {
        Orientation::N => (false, 0, 0),
        Orientation::FN => (false, SIGN, 0),
        Orientation::S => (false, SIGN, SIGN),
        Orientation::FS => (false, 0, SIGN),
        Orientation::E => (true, 0, SIGN),
        Orientation::FE => (true, SIGN, SIGN),
        Orientation::W => (true, SIGN, 0),
        Orientation::FW => (true, 0, 0),
    }
}

/// `o.transform(dx, dy)` from `orient_flips(o)`, bit for bit.
#[inline(always)]
fn flip_offset((swap, fx, fy): (bool, u64, u64), dx: f64, dy: f64) -> (f64, f64) {
    let (dx, dy) = if swap { (dy, dx) } else { (dx, dy) };
    (f64::from_bits(dx.to_bits() ^ fx), f64::from_bits(dy.to_bits() ^ fy))
}

/// New positions and cells of the slots `r` of a node moving to `(x, y, o)`: the slots
/// that move get stamp `now` and their new position and cell in `sn`. Returns whether any
/// slot moved and whether any changed cell.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn stage_slots(
    m: &CostModel,
    r: std::ops::Range<usize>,
    x: f64,
    y: f64,
    o: Orientation,
    sl: &mut [Slot],
    sn: &mut [SlotNew],
    now: u32,
) -> (bool, bool) {
    let (mut moved, mut cell) = (false, false);
    let flips = orient_flips(o);
    let it = sl[r.clone()].iter_mut().zip(&mut sn[r.clone()]);
    for ((p, n), (&hard, &(dx, dy))) in it.zip(m.slot_hard[r.clone()].iter().zip(&m.slot_off[r])) {
        // As `CostModel::slot_pos`.
        let (sx, sy) = if hard {
            let (dx, dy) = flip_offset(flips, dx, dy);
            (x + dx, y + dy)
        } else {
            (x, y)
        };
        if sx.to_bits() == p.x.to_bits() && sy.to_bits() == p.y.to_bits() {
            continue;
        }
        moved = true;
        p.stamp = now;
        let c = IncrementalCost::flat_cell(m, sx, sy);
        *n = SlotNew { x: sx, y: sy, cell: c };
        cell |= c != p.cell;
    }
    (moved, cell)
}

/// A slot's position after the current move (`now`: the move's stamp).
#[inline(always)]
fn slot_pos_now(sl: &[Slot], sn: &[SlotNew], s: usize, now: u32) -> (f64, f64) {
    let p = &sl[s];
    if p.stamp == now {
        (sn[s].x, sn[s].y)
    } else {
        (p.x, p.y)
    }
}

/// `w · HPWL` of a net (`slots`, non-empty) after the current move, whether every pin is
/// in the grid after it and whether a pin changed cell. Kept out of line so the loop gets
/// registers of its own.
#[inline(never)]
fn scan_wl_ok(
    slots: &[u32],
    sl: &[Slot],
    sn: &[SlotNew],
    now: u32,
    weight: f64,
) -> (f64, bool, bool) {
    let sn = &sn[..sl.len()];
    let (mut x0, mut y0) = slot_pos_now(sl, sn, slots[0] as usize, now);
    let (mut x1, mut y1) = (x0, y0);
    let (mut ok, mut changed) = (true, false);
    for &s in slots {
        let s = s as usize;
        let p = sl[s];
        let (x, y, c) = if p.stamp == now {
            let n = sn[s];
            changed |= n.cell != p.cell;
            (n.x, n.y, n.cell)
        } else {
            (p.x, p.y, p.cell)
        };
        ok &= c != OUT;
        x0 = if x < x0 { x } else { x0 };
        x1 = if x > x1 { x } else { x1 };
        y0 = if y < y0 { y } else { y0 };
        y1 = if y > y1 { y } else { y1 };
    }
    (weight * ((x1 - x0) + (y1 - y0)), ok, changed)
}

/// Routing sink that only sums what the routes add to the congestion bound.
struct BoundSink<'a> {
    ws: &'a [f64],
    tr: &'a [u32],
    n: usize,
    rows: usize,
    sum: f64,
}

impl RouteSink for BoundSink<'_> {
    #[inline(always)]
    fn h(&mut self, i: usize, w: f64) {
        self.sum += w * self.ws[self.n + self.tr[i] as usize];
    }
    #[inline(always)]
    fn v(&mut self, i: usize, w: f64) {
        self.sum += w * self.ws[i];
    }
    #[inline(always)]
    fn h_at(&mut self, _cols: usize, r: usize, c: usize, w: f64) {
        self.sum += w * self.ws[self.n + c * self.rows + r];
    }
}

/// Result of [`scan_cells`].
struct NetScan {
    wl: f64,
    n_old: usize,
    n_new: usize,
    ok_new: bool,
    changed: bool,
}

/// One scan of a net (`slots`, non-empty) after the current move: `w · HPWL`, the distinct
/// flat cells before (`go[..n_old]`, pins outside the grid left out) and after
/// (`gn[..n_new]`) in first-seen order, whether every new cell is in the grid and whether
/// any pin changed cell. `marks` must not hold `stamp` on entry; `go` and `gn` must be at
/// least as long as the net. Kept out of line so the loop gets registers of its own.
/// Without `WL` the box is left out (`wl` is 0).
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn scan_cells<const WL: bool>(
    slots: &[u32],
    sl: &[Slot],
    sn: &[SlotNew],
    now: u32,
    weight: f64,
    marks: &mut [[u32; 2]],
    stamp: u32,
    go: &mut [u32],
    gn: &mut [u32],
) -> NetScan {
    // Equal lengths: one bounds check serves both arrays of a pair.
    let sn = &sn[..sl.len()];
    let gn = &mut gn[..go.len()];
    let (mut x0, mut y0) = slot_pos_now(sl, sn, slots[0] as usize, now);
    let (mut x1, mut y1) = (x0, y0);
    let (mut n_old, mut n_new) = (0usize, 0usize);
    let (mut ok_new, mut changed) = (true, false);
    for &s in slots {
        let s = s as usize;
        let p = sl[s];
        let co = p.cell;
        let (x, y) = if p.stamp != now {
            // Not moved: the same cell before and after.
            if co == OUT {
                ok_new = false;
            } else {
                let mk = &mut marks[co as usize];
                if mk[0] != stamp {
                    mk[0] = stamp;
                    go[n_old] = co;
                    n_old += 1;
                }
                if mk[1] != stamp {
                    mk[1] = stamp;
                    gn[n_new] = co;
                    n_new += 1;
                }
            }
            (p.x, p.y)
        } else {
            let n = sn[s];
            let cn = n.cell;
            changed |= cn != co;
            if co != OUT {
                let mk = &mut marks[co as usize][0];
                if *mk != stamp {
                    *mk = stamp;
                    go[n_old] = co;
                    n_old += 1;
                }
            }
            if cn == OUT {
                ok_new = false;
            } else {
                let mk = &mut marks[cn as usize][1];
                if *mk != stamp {
                    *mk = stamp;
                    gn[n_new] = cn;
                    n_new += 1;
                }
            }
            (n.x, n.y)
        };
        if WL {
            x0 = if x < x0 { x } else { x0 };
            x1 = if x > x1 { x } else { x1 };
            y0 = if y < y0 { y } else { y0 };
            y1 = if y > y1 { y } else { y1 };
        }
    }
    let wl = if WL { weight * ((x1 - x0) + (y1 - y0)) } else { 0.0 };
    NetScan { wl, n_old, n_new, ok_new, changed }
}

/// A lower bound of the congestion cost that follows every change at the cost of one
/// multiply-add per routing or allocation update. For a fixed set `S` of `m` congestion
/// values (the top `m` when the bound was refreshed), `Σ_{i∈S} value_i ≤` the sum of the
/// `m` largest values, in every later state; `Σ_S` is kept as `base + acc`, where `acc`
/// gathers each change times the number of `S` values it moves (`ws`: per difference-array
/// entry, the `S` values at or after it on its line, over the capacity; `wc`: per counted
/// cell, `1 / capacity` when its value is in `S`).
#[derive(Clone, Debug, Default)]
struct CongBound {
    valid: bool,
    /// Changes with every refresh (never 0 once refreshed).
    version: u32,
    ws: Vec<f64>,
    wc: Vec<f64>,
    base: f64,
    acc: f64,
}

#[derive(Clone, Copy, Debug, Default)]
struct Cache {
    hpwl: Option<f64>,
    density: Option<f64>,
    congestion: Option<f64>,
}

/// Routing sink writing the difference arrays (copy-on-write when `TX`: inside a
/// transaction).
struct DifSink<'a, const TX: bool> {
    st: &'a mut State,
}

impl<const TX: bool> RouteSink for DifSink<'_, TX> {
    #[inline(always)]
    fn h(&mut self, i: usize, w: f64) {
        let j = self.st.n + self.st.tr[i] as usize;
        self.st.dadd::<TX>(j, w);
    }
    #[inline(always)]
    fn v(&mut self, i: usize, w: f64) {
        self.st.dadd::<TX>(i, w);
    }
    #[inline(always)]
    fn h_at(&mut self, _cols: usize, r: usize, c: usize, w: f64) {
        let j = self.st.n + c * self.st.rows + r;
        self.st.dadd::<TX>(j, w);
    }
}

impl State {
    /// Empties every undo log (the end of a transaction, or a recomputation).
    fn clear_logs(&mut self) {
        self.block_log.clear();
        self.cell_log.clear();
        self.chunk_ids.clear();
        self.chunk_save.clear();
        self.net_log.clear();
        self.node_log.clear();
        self.slot_log.clear();
    }

    /// Adds `w` to difference-array entry `j`, saving its chunk first when `TX` (which must
    /// equal `in_tx`).
    #[inline(always)]
    fn dadd<const TX: bool>(&mut self, j: usize, w: f64) {
        debug_assert!(TX == self.in_tx);
        if TX {
            let ch = j >> CHUNK_SHIFT;
            if self.chunk_epoch[ch] != self.epoch {
                self.save_chunk(ch);
            }
        }
        self.dif[j] += w;
        if self.bound.valid {
            self.bound.acc += w * self.bound.ws[j];
        }
    }

    #[cold]
    #[inline(never)]
    fn save_chunk(&mut self, ch: usize) {
        self.chunk_epoch[ch] = self.epoch;
        self.chunk_ids.push(ch as u32);
        let lo = ch << CHUNK_SHIFT;
        self.chunk_save.extend_from_slice(&self.dif[lo..lo + CHUNK]);
    }

    /// Adds (`sign = 1`) or removes (`sign = -1`) contribution `v` of counted entry `j`.
    /// Removal must repeat the value that was added. Zero contributions are ignored.
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
        let old = self.cells[j];
        let nv = if c == 0 { 0.0 } else { old + sign as f64 * v };
        self.cells[j] = nv;
        if self.bound.valid {
            self.bound.acc += (nv - old) * self.bound.wc[j];
        }
    }

    /// Logs net `k` on its first change in a transaction; returns whether it was logged
    /// now (its log entry is then the last one).
    #[inline]
    fn log_net(&mut self, k: usize) -> bool {
        if self.in_tx && self.net_epoch[k] != self.epoch {
            self.net_epoch[k] = self.epoch;
            self.net_log.push((k as u32, self.net_wl[k], self.net_routed[k], self.ovl[k]));
            return true;
        }
        false
    }

    /// Writes the nets of a deferred move (`dry`): logged, their new wirelength, their
    /// routed flag (the skipped count already follows), and the nets whose pins changed cell
    /// queued for routing with their flag before the move.
    fn settle(&mut self) {
        if self.dry.is_empty() {
            return;
        }
        let mut dry = std::mem::take(&mut self.dry);
        for &(k, wl, ok_new, changed) in &dry {
            let k = k as usize;
            self.log_net(k);
            if changed {
                self.pend.push((k as u32, self.net_routed[k]));
                self.net_routed[k] = ok_new;
            }
            self.net_wl[k] = wl;
            self.mark_block(k);
        }
        dry.clear();
        self.dry = dry;
        self.cache.hpwl = None;
    }

    /// Logs block `b`'s sum and dirty flag on its first change in a transaction.
    #[inline]
    fn log_block(&mut self, b: usize) {
        if self.in_tx && self.block_epoch[b] != self.epoch {
            self.block_epoch[b] = self.epoch;
            self.block_log.push((b as u32, self.block_sum[b], self.block_dirty[b]));
        }
    }

    #[inline]
    fn mark_block(&mut self, k: usize) {
        let b = k / BLOCK;
        // Logged even when already dirty: a read inside the transaction may clean it.
        self.log_block(b);
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
        m.grid.for_density(x, y, w, h, |cell, a| {
            self.contrib(OCC * n + cell, a, sign);
            self.den_bit(cell);
        });
        if role == Role::Hard {
            let (ah, av) = (m.params.hrouting_alloc, m.params.vrouting_alloc);
            m.grid.for_alloc(x, y, w, h, ah, av, |cell, dv, dh| {
                self.contrib(VM * n + cell, dv, sign);
                let t = self.tr[cell] as usize;
                self.contrib(HMT * n + t, dh, sign);
            });
            self.cache.congestion = None;
        }
        self.cache.density = None;
    }

    /// Refreshes the density mask bit of cell `i` (after its occupancy changed).
    #[inline(always)]
    fn den_bit(&mut self, i: usize) {
        let bit = 1u64 << (i & 63);
        let wd = &mut self.den_mask[i >> 6];
        if self.cells[OCC * self.n + i] >= self.den_mask_lo {
            *wd |= bit;
        } else {
            *wd &= !bit;
        }
    }

    /// The distinct cells of net `k` from its slots' cells (driver first) into `g`; `false`
    /// (and `g` incomplete) when a pin is outside the grid.
    fn current_cells(&mut self, m: &CostModel, k: usize, g: &mut Vec<Cell>) -> bool {
        let stamp = self.next_mark();
        g.clear();
        for &q in m.net(k) {
            let c = self.sl[q as usize].cell;
            if c == OUT {
                return false;
            }
            if self.marks[c as usize][0] != stamp {
                self.marks[c as usize][0] = stamp;
                g.push(self.rc[c as usize]);
            }
        }
        true
    }

    /// What net `k`'s current route (from the slots' cells, which must be the current
    /// ones, all in the grid) adds to the bound's sum; cached until the bound is refreshed
    /// or the net re-routed.
    fn net_overlap(&mut self, m: &CostModel, k: usize) -> f64 {
        if self.ovl[k].1 == self.bound.version {
            return self.ovl[k].0;
        }
        let mut g = std::mem::take(&mut self.g_cells);
        self.current_cells(m, k, &mut g);
        let mut sink =
            BoundSink { ws: &self.bound.ws, tr: &self.tr, n: self.n, rows: self.rows, sum: 0.0 };
        grid::route_net(&mut sink, self.cols, &g, m.net_route_w[k]);
        let v = sink.sum;
        self.g_cells = g;
        self.ovl[k] = (v, self.bound.version);
        v
    }

    /// Fresh stamp for the cell marks.
    #[inline]
    fn next_mark(&mut self) -> u32 {
        self.mark_stamp = self.mark_stamp.wrapping_add(1);
        if self.mark_stamp == 0 {
            self.marks.fill([0, 0]);
            self.mark_stamp = 1;
        }
        self.mark_stamp
    }

    /// Re-routes net `k` (see [`reroute_with`](Self::reroute_with)); its cached bound
    /// contribution follows.
    #[allow(clippy::too_many_arguments)]
    fn reroute(
        &mut self,
        m: &CostModel,
        k: usize,
        routed: bool,
        ok_new: bool,
        stamp: u32,
        g_old: &[u32],
        g_new: &[u32],
    ) {
        let before = self.bound.acc;
        let w = m.net_route_w[k];
        if self.in_tx {
            self.reroute_with::<true>(routed, w, ok_new, stamp, g_old, g_new);
        } else {
            self.reroute_with::<false>(routed, w, ok_new, stamp, g_old, g_new);
        }
        if self.ovl[k].1 == self.bound.version {
            self.ovl[k].0 += self.bound.acc - before;
        }
        self.cache.congestion = None;
    }

    /// Scans net `k` (its `slots`, non-empty) after the move stamped `now` ([`scan_cells`],
    /// with the box when `WL`) and re-routes it when a pin changed cell (`routed`: it was
    /// routed); the routed flag is left to the caller. `g_old` / `g_new`: scratch as long as
    /// the net.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn scan_reroute<const WL: bool>(
        &mut self,
        m: &CostModel,
        k: usize,
        slots: &[u32],
        now: u32,
        routed: bool,
        g_old: &mut [u32],
        g_new: &mut [u32],
    ) -> NetScan {
        let stamp = self.next_mark();
        let r = scan_cells::<WL>(
            slots,
            &self.sl,
            &self.sn,
            now,
            m.net_weight[k],
            &mut self.marks,
            stamp,
            g_old,
            g_new,
        );
        if r.changed {
            self.reroute(m, k, routed, r.ok_new, stamp, &g_old[..r.n_old], &g_new[..r.n_new]);
        }
        r
    }

    /// Sets net `k`'s routed flag (logged by the caller) and the skipped count.
    #[inline]
    fn set_routed(&mut self, k: usize, ok: bool) {
        let was = self.net_routed[k];
        self.net_routed[k] = ok;
        self.count_skipped(was, ok);
    }

    /// The skipped count after a net's routed flag goes from `was` to `now`.
    #[inline]
    fn count_skipped(&mut self, was: bool, now: bool) {
        if was != now {
            if now {
                self.skipped -= 1;
            } else {
                self.skipped += 1;
            }
        }
    }

    /// Re-routes a net (routing weight `w`) from its old distinct flat cells (`g_old`,
    /// `routed`: it was routed) to the new ones (`ok_new`: all pins in the grid), with the
    /// transaction flag constant. `marks[_][0]` / `[1]` hold `stamp` on the cells of each
    /// list.
    #[inline(always)]
    fn reroute_with<const TX: bool>(
        &mut self,
        routed: bool,
        w: f64,
        ok_new: bool,
        stamp: u32,
        g_old: &[u32],
        g_new: &[u32],
    ) {
        let cols = self.cols;
        if routed && ok_new && g_old.len() > 3 && g_new.len() > 3 && g_old[0] == g_new[0] {
            // Star route from an unchanged source: only the sinks that left or joined.
            let rc = |(r, c): Cell| (r as usize, c as usize);
            let src = rc(self.rc[g_old[0] as usize]);
            for &t in &g_old[1..] {
                if self.marks[t as usize][1] != stamp {
                    let t = rc(self.rc[t as usize]);
                    grid::route_two(&mut DifSink::<TX> { st: self }, cols, src, t, -w);
                }
            }
            for &t in &g_new[1..] {
                if self.marks[t as usize][0] != stamp {
                    let t = rc(self.rc[t as usize]);
                    grid::route_two(&mut DifSink::<TX> { st: self }, cols, src, t, w);
                }
            }
        } else {
            let mut gc = std::mem::take(&mut self.g_cells);
            if routed {
                gc.clear();
                gc.extend(g_old.iter().map(|&c| self.rc[c as usize]));
                grid::route_net(&mut DifSink::<TX> { st: self }, cols, &gc, -w);
            }
            if ok_new {
                gc.clear();
                gc.extend(g_new.iter().map(|&c| self.rc[c as usize]));
                grid::route_net(&mut DifSink::<TX> { st: self }, cols, &gc, w);
            }
            self.g_cells = gc;
        }
    }
}

/// Footprints of a multi-node change that cancel: bit `j` of the first mask says change
/// `j`'s old footprint equals the new footprint of another change (same role, same
/// footprint size, new centre bit-equal to `j`'s old centre), bit `j` of the second that
/// change `j`'s new footprint is matched that way (each matched once). Only moved nodes are
/// matched; up to 32 changes (more: nothing cancels).
fn cancel_footprints(
    m: &CostModel,
    x: &[f64],
    y: &[f64],
    changes: &[(usize, f64, f64, Orientation)],
) -> (u32, u32) {
    let (mut out_kept, mut in_kept) = (0u32, 0u32);
    if changes.len() < 2 || changes.len() > 32 {
        return (0, 0);
    }
    let moved = |&(i, nx, ny, _): &(usize, f64, f64, Orientation)| {
        nx.to_bits() != x[i].to_bits() || ny.to_bits() != y[i].to_bits()
    };
    for (a, ca) in changes.iter().enumerate() {
        let i = ca.0;
        if !moved(ca) || !m.role[i].has_footprint() {
            continue;
        }
        let (fw, fh) = m.foot[i];
        for (b, cb) in changes.iter().enumerate() {
            let j = cb.0;
            if a == b || in_kept & (1 << b) != 0 || !moved(cb) || m.role[j] != m.role[i] {
                continue;
            }
            let (gw, gh) = m.foot[j];
            if gw.to_bits() == fw.to_bits()
                && gh.to_bits() == fh.to_bits()
                && cb.1.to_bits() == x[i].to_bits()
                && cb.2.to_bits() == y[i].to_bits()
            {
                out_kept |= 1 << a;
                in_kept |= 1 << b;
                break;
            }
        }
    }
    (out_kept, in_kept)
}

/// Running sums of the lines of `d` (each `acc.len()` long) into `out`:
/// `out[l][i] = (Σ_{l' ≤ l} d[l'][i] + m[l][i]) · inv`, the sums in line order starting
/// from 0. Equal-length slices per line, so the loop vectorises across `i`.
#[inline(never)]
fn prefix_lines(d: &[f64], m: &[f64], out: &mut [f64], acc: &mut [f64], inv: f64) {
    let w = acc.len();
    acc.fill(0.0);
    // Two lines per pass: `acc` is loaded and stored once per pair.
    let mut dp = d.chunks_exact(2 * w);
    let mut mp = m.chunks_exact(2 * w);
    let mut op = out.chunks_exact_mut(2 * w);
    for ((d, m), out) in (&mut dp).zip(&mut mp).zip(&mut op) {
        let (d0, d1) = d.split_at(w);
        let (m0, m1) = m.split_at(w);
        let (o0, o1) = out.split_at_mut(w);
        let (d0, d1, m0, m1, o0, o1) =
            (&d0[..w], &d1[..w], &m0[..w], &m1[..w], &mut o0[..w], &mut o1[..w]);
        for i in 0..w {
            let a = acc[i] + d0[i];
            o0[i] = (a + m0[i]) * inv;
            let a = a + d1[i];
            o1[i] = (a + m1[i]) * inv;
            acc[i] = a;
        }
    }
    let (d, m, out) = (dp.remainder(), mp.remainder(), op.into_remainder());
    for ((d, m), out) in d.chunks_exact(w).zip(m.chunks_exact(w)).zip(out.chunks_exact_mut(w)) {
        let (d, m, out) = (&d[..w], &m[..w], &mut out[..w]);
        for i in 0..w {
            acc[i] += d[i];
            out[i] = (acc[i] + m[i]) * inv;
        }
    }
}

/// The congestion values of the fast path into `st.lbuf`: `[V (row-major) | H
/// (column-major)]`, each `(demand + macro allocation) / capacity`. V sums down each column
/// (row-major rows), H along each row (column-major columns); both vectorise across the
/// inner index. Returns `(1 / V capacity, 1 / H capacity)`.
fn congestion_values(st: &mut State, m: &CostModel) -> (f64, f64) {
    let (n, rows, cols) = (st.n, st.rows, st.cols);
    let p = &m.params;
    let vcap = m.grid.gw * p.vroutes_per_micron;
    let hcap = m.grid.gh * p.hroutes_per_micron;
    let (iv, ih) = (1.0 / vcap, 1.0 / hcap);
    let (vd, hd) = st.dif[..2 * n].split_at(n);
    let vm = &st.cells[VM * n..(VM + 1) * n];
    let hm = &st.cells[HMT * n..(HMT + 1) * n];
    let (lv, lh) = st.lbuf.split_at_mut(n);
    prefix_lines(vd, vm, lv, &mut st.acc[..cols], iv);
    prefix_lines(hd, hm, lh, &mut st.acc[..rows], ih);
    (iv, ih)
}

/// Sum of `v` in four fixed lanes (a pure function of `v`, faster than a serial sum).
#[inline]
fn lane_sum(v: &[f64]) -> f64 {
    let mut s = [0.0f64; 4];
    let mut it = v.chunks_exact(4);
    for c in &mut it {
        for j in 0..4 {
            s[j] += c[j];
        }
    }
    for (j, &x) in it.remainder().iter().enumerate() {
        s[j] += x;
    }
    (s[0] + s[1]) + (s[2] + s[3])
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
        let (rows, cols) = (m.grid.rows, m.grid.cols);
        let n = m.grid.n();
        let n_blocks = n_nets.div_ceil(BLOCK);
        let tr: Vec<u32> = (0..n).map(|i| ((i % cols) * rows + i / cols) as u32).collect();
        let rc: Vec<Cell> = (0..n).map(|i| ((i / cols) as u32, (i % cols) as u32)).collect();
        let n_chunks = (2 * n).div_ceil(CHUNK);
        let max_deg = (0..n_nets).map(|k| m.net(k).len()).max().unwrap_or(0);
        let st = State {
            n,
            rows,
            cols,
            tr,
            rc,
            x: pl.x[..n_nodes].to_vec(),
            y: pl.y[..n_nodes].to_vec(),
            o: pl.orientation[..n_nodes].to_vec(),
            sl: vec![Slot::default(); n_slots],
            net_wl: vec![0.0; n_nets],
            net_routed: vec![false; n_nets],
            skipped: 0,
            block_sum: vec![0.0; n_blocks],
            block_dirty: vec![false; n_blocks],
            dirty_blocks: Vec::new(),
            block_epoch: vec![0; n_blocks],
            block_log: Vec::new(),
            cells: vec![0.0; 3 * n],
            cnt: vec![0; 3 * n],
            // Padded to whole chunks (the tail stays 0).
            dif: vec![0.0; n_chunks * CHUNK],
            in_tx: false,
            epoch: 0,
            cell_epoch: vec![0; 3 * n],
            cell_log: Vec::new(),
            chunk_epoch: vec![0; n_chunks],
            chunk_ids: Vec::new(),
            chunk_save: Vec::new(),
            net_epoch: vec![0; n_nets],
            net_log: Vec::new(),
            node_epoch: vec![0; n_nodes],
            node_log: Vec::new(),
            slot_log: Vec::new(),
            tx_skipped: 0,
            tx_cache: Cache::default(),
            bound: CongBound {
                ws: vec![0.0; n_chunks * CHUNK],
                wc: vec![0.0; 3 * n],
                ..CongBound::default()
            },
            tx_lb: 0.0,
            ovl: vec![(0.0, 0); n_nets],
            pending: false,
            pend: Vec::new(),
            pend_nodes: Vec::new(),
            pend_now: 0,
            acc_rm: 0.0,
            dry: Vec::new(),
            dry_dwl: 0.0,
            marks: vec![[0, 0]; n],
            mark_stamp: 0,
            g_old: vec![0; max_deg],
            g_new: vec![0; max_deg],
            g_cells: Vec::with_capacity(max_deg),
            net_mark: vec![0; n_nets],
            net_stamp: 0,
            affected: Vec::new(),
            slot_stamp_now: 0,
            sn: vec![SlotNew::default(); n_slots],
            changes: Vec::new(),
            lbuf: vec![0.0; 2 * n],
            acc: vec![0.0; rows.max(cols)],
            tmp: Vec::new(),
            tmp2: Vec::new(),
            cand: Vec::new(),
            den_bracket: grid::Bracket::default(),
            den_mask: vec![0; n.div_ceil(64)],
            den_mask_lo: f64::NAN,
            cong_bracket: grid::Bracket::default(),
            cache: Cache::default(),
        };
        let mut s = IncrementalCost { m, st };
        s.resync();
        Ok(s)
    }

    /// Flat cell of a slot position (`OUT` outside the grid with the skip-net rule, the
    /// clamped cell with the clamp rule).
    #[inline(always)]
    fn flat_cell(m: &CostModel, x: f64, y: f64) -> u32 {
        let g = &m.grid;
        // Inside the grid exactly when 0 <= q < rows (floor(q) is then q truncated; NaN
        // fails every test): the common case without the saturating floor.
        let (qr, qc) = (y / g.gh, x / g.gw);
        if qr >= 0.0 && qc >= 0.0 && qr < g.rows as f64 && qc < g.cols as f64 {
            return (qr as usize * g.cols + qc as usize) as u32;
        }
        Self::flat_cell_edge(m, x, y)
    }

    /// [`flat_cell`](Self::flat_cell) for positions outside the grid.
    #[cold]
    #[inline(never)]
    fn flat_cell_edge(m: &CostModel, x: f64, y: f64) -> u32 {
        let g = &m.grid;
        let (r, c) = g.cell_of(x, y);
        if g.inside(r, c) {
            (r as usize * g.cols + c as usize) as u32
        } else if m.params.oob == OobRule::Clamp {
            let (r, c) = g.clamp(r, c);
            (r as usize * g.cols + c as usize) as u32
        } else {
            OUT
        }
    }

    /// Recomputes the whole state from the current positions (drops any open transaction's
    /// log, keeping its changes).
    pub fn resync(&mut self) {
        let m = &self.m;
        let st = &mut self.st;
        st.in_tx = false;
        st.clear_logs();
        st.bound.valid = false;
        st.pending = false;
        st.dry.clear();
        st.acc_rm = 0.0;
        for slot in 0..m.slot_anchor.len() {
            let a = m.slot_anchor[slot] as usize;
            let (x, y) = m.slot_pos(slot, st.x[a], st.y[a], st.o[a]);
            let sl = &mut st.sl[slot];
            (sl.x, sl.y, sl.cell) = (x, y, Self::flat_cell(m, x, y));
        }
        st.cells.fill(0.0);
        st.cnt.fill(0);
        st.den_mask_lo = f64::NAN;
        st.dif.fill(0.0);
        st.skipped = 0;
        let n = st.n;
        let cols = st.cols;
        let mut g = std::mem::take(&mut st.g_cells);
        for k in 0..m.num_nets() {
            st.net_wl[k] = net_wl(m, k, &st.sl);
            let ok = st.current_cells(m, k, &mut g);
            st.net_routed[k] = ok;
            if ok {
                grid::route_net(&mut DifSink::<false> { st }, cols, &g, m.net_route_w[k]);
            } else {
                st.skipped += 1;
            }
        }
        st.g_cells = g;
        for &i in &m.dens_order {
            let i = i as usize;
            let (w, h) = m.foot[i];
            m.grid.for_density(st.x[i], st.y[i], w, h, |cell, a| st.contrib(OCC * n + cell, a, 1));
        }
        let (ah, av) = (m.params.hrouting_alloc, m.params.vrouting_alloc);
        for &i in &m.hard {
            let i = i as usize;
            let (w, h) = m.foot[i];
            m.grid.for_alloc(st.x[i], st.y[i], w, h, ah, av, |cell, dv, dh| {
                st.contrib(VM * n + cell, dv, 1);
                let t = st.tr[cell] as usize;
                st.contrib(HMT * n + t, dh, 1);
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

    /// Moves several distinct nodes at once (centre and orientation each), e.g. a shuffle of
    /// a few macros. Errors ([`CostError::NotMovable`], [`CostError::NonFinitePosition`]) leave
    /// the state unchanged; a node listed twice is refused as not movable.
    pub fn move_many(
        &mut self,
        changes: &[(NodeId, f64, f64, Orientation)],
    ) -> Result<(), CostError> {
        let mut ch = std::mem::take(&mut self.st.changes);
        ch.clear();
        for (k, &(id, x, y, o)) in changes.iter().enumerate() {
            let i = match self.movable_to(id, x, y) {
                Ok(i) => i,
                Err(e) => {
                    self.st.changes = ch;
                    return Err(e);
                }
            };
            if changes[..k].iter().any(|c| c.0 == id) {
                self.st.changes = ch;
                return Err(CostError::NotMovable(id));
            }
            ch.push((i, x, y, o));
        }
        self.apply(&ch);
        self.st.changes = ch;
        Ok(())
    }

    /// Replaces every position and orientation by those of `pl` and recomputes the state
    /// (as [`new`](Self::new) would, without allocating); drops any open transaction's log.
    pub fn reset(&mut self, pl: &Placement) -> Result<(), CostError> {
        self.m.check_placement(pl)?;
        let n = self.m.n_nodes;
        self.st.x.copy_from_slice(&pl.x[..n]);
        self.st.y.copy_from_slice(&pl.y[..n]);
        self.st.o.copy_from_slice(&pl.orientation[..n]);
        self.resync();
        Ok(())
    }

    /// Applies new `(x, y, orientation)` to distinct nodes.
    fn apply(&mut self, changes: &[(usize, f64, f64, Orientation)]) {
        self.finish_routing();
        let m = &self.m;
        let st = &mut self.st;
        // Routing is deferred inside a transaction with a bound (the move may be rejected
        // on the bound alone, see `proxy_below`), done at the end otherwise.
        let defer = st.in_tx && st.bound.valid;
        st.pend.clear();
        st.acc_rm = 0.0;
        // New slot positions and cells.
        st.slot_stamp_now = st.slot_stamp_now.wrapping_add(1);
        if st.slot_stamp_now == 0 {
            st.sl.iter_mut().for_each(|s| s.stamp = 0);
            st.slot_stamp_now = 1;
        }
        let now = st.slot_stamp_now;
        let mut any_slot_moved = false;
        let mut any_cell_changed = false;
        for &(i, x, y, o) in changes {
            let log = st.in_tx && st.node_epoch[i] != st.epoch;
            if log {
                st.node_epoch[i] = st.epoch;
                st.node_log.push((i as u32, st.x[i], st.y[i], st.o[i]));
            }
            let r = m.slots_of(i);
            if log {
                st.slot_log.extend_from_slice(&st.sl[r.clone()]);
            }
            let (moved, cell) = stage_slots(m, r, x, y, o, &mut st.sl, &mut st.sn, now);
            any_slot_moved |= moved;
            any_cell_changed |= cell;
        }
        // Affected nets (distinct): new wirelength and, when a pin changed cell, routing.
        let mut affected = std::mem::take(&mut st.affected);
        affected.clear();
        if any_slot_moved {
            if changes.len() == 1 {
                affected.extend_from_slice(m.nets_of(changes[0].0));
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
                            affected.push(k);
                        }
                    }
                }
            }
            // Deferred: nothing is written yet. Each net's new wirelength, flags and (for the
            // nets whose pins changed cell) the bound share of its old route are gathered in
            // `dry`; `settle` writes them and queues the routing, unless the move is
            // rejected on the bound first. Otherwise one scan per net does everything.
            let mut g_old = std::mem::take(&mut st.g_old);
            let mut g_new = std::mem::take(&mut st.g_new);
            if defer {
                st.dry.clear();
                let mut dwl = 0.0;
                let mut any_changed = false;
                for &k in &affected {
                    let k = k as usize;
                    let slots = m.net(k);
                    let (wl, ok_new, changed) = if slots.is_empty() {
                        (0.0, true, false)
                    } else {
                        scan_wl_ok(slots, &st.sl, &st.sn, now, m.net_weight[k])
                    };
                    dwl += wl - st.net_wl[k];
                    if changed {
                        any_changed = true;
                        let routed = st.net_routed[k];
                        if routed {
                            st.acc_rm -= st.net_overlap(m, k);
                        }
                        // The skipped count now (a rollback restores it), the flag later.
                        st.count_skipped(routed, ok_new);
                    }
                    st.dry.push((k as u32, wl, ok_new, changed));
                }
                st.dry_dwl = dwl;
                if any_changed {
                    st.cache.congestion = None;
                }
            } else {
                for &k in &affected {
                    let k = k as usize;
                    let slots = m.net(k);
                    st.log_net(k);
                    if slots.is_empty() {
                        st.net_wl[k] = 0.0;
                        st.mark_block(k);
                        continue;
                    }
                    let wl = if any_cell_changed {
                        // One scan: bounding box, and the distinct cells before and after.
                        let routed = st.net_routed[k];
                        let r = st
                            .scan_reroute::<true>(m, k, slots, now, routed, &mut g_old, &mut g_new);
                        if r.changed {
                            st.set_routed(k, r.ok_new);
                        }
                        r.wl
                    } else {
                        scan_wl_ok(slots, &st.sl, &st.sn, now, m.net_weight[k]).0
                    };
                    st.net_wl[k] = wl;
                    st.mark_block(k);
                }
                if !affected.is_empty() {
                    st.cache.hpwl = None;
                }
            }
            st.g_old = g_old;
            st.g_new = g_new;
        }
        st.affected = affected;
        // Footprints out, node update, footprints in; slot update. A footprint that leaves
        // a position another moved node of the same role and size takes (a swap or shuffle
        // of equal macros) is neither removed nor added: the cells stay exactly as they are.
        let (out_kept, in_kept) = cancel_footprints(m, &st.x, &st.y, changes);
        for (j, &(i, x, y, _)) in changes.iter().enumerate() {
            let moved = x.to_bits() != st.x[i].to_bits() || y.to_bits() != st.y[i].to_bits();
            if moved && out_kept & (1 << j) == 0 {
                st.footprint(m, i, -1);
            }
        }
        for (j, &(i, x, y, o)) in changes.iter().enumerate() {
            let moved = x.to_bits() != st.x[i].to_bits() || y.to_bits() != st.y[i].to_bits();
            st.x[i] = x;
            st.y[i] = y;
            st.o[i] = o;
            if moved && in_kept & (1 << j) == 0 {
                st.footprint(m, i, 1);
            }
        }
        // The slots take their new positions once the routes are done.
        st.pend_nodes.clear();
        st.pend_nodes.extend(changes.iter().map(|c| c.0 as u32));
        st.pend_now = now;
        st.pending = true;
        if !defer {
            // Nothing left to route: only the slots.
            self.finish_routing();
        }
    }

    /// Routes the nets of the last move ([`State::pend`]) from their cells before and
    /// after it, and gives its slots their new positions and cells.
    fn finish_routing(&mut self) {
        let m = &self.m;
        let st = &mut self.st;
        st.settle();
        if !st.pending {
            return;
        }
        st.pending = false;
        let now = st.pend_now;
        let pend = std::mem::take(&mut st.pend);
        let mut g_old = std::mem::take(&mut st.g_old);
        let mut g_new = std::mem::take(&mut st.g_new);
        for &(k, routed) in &pend {
            let k = k as usize;
            st.scan_reroute::<false>(m, k, m.net(k), now, routed, &mut g_old, &mut g_new);
        }
        st.pend = pend;
        st.g_old = g_old;
        st.g_new = g_new;
        st.acc_rm = 0.0;
        for &i in &st.pend_nodes {
            let r = m.slots_of(i as usize);
            for (p, n) in st.sl[r.clone()].iter_mut().zip(&st.sn[r]) {
                if p.stamp == now {
                    (p.x, p.y, p.cell) = (n.x, n.y, n.cell);
                }
            }
        }
    }

    /// Starts a transaction (an open one is committed first).
    pub fn begin(&mut self) {
        self.finish_routing();
        let st = &mut self.st;
        st.clear_logs();
        st.epoch = st.epoch.wrapping_add(1);
        if st.epoch == 0 {
            st.block_epoch.fill(0);
            st.cell_epoch.fill(0);
            st.chunk_epoch.fill(0);
            st.net_epoch.fill(0);
            st.node_epoch.fill(0);
            st.epoch = 1;
        }
        st.in_tx = true;
        st.tx_skipped = st.skipped;
        st.tx_cache = st.cache;
        st.tx_lb = st.bound.acc;
    }

    /// Keeps the changes of the open transaction (no-op without one).
    pub fn commit(&mut self) {
        self.finish_routing();
        let st = &mut self.st;
        st.in_tx = false;
        st.clear_logs();
    }

    /// Undoes every change since [`begin`](Self::begin), restoring the exact previous state
    /// (no-op without an open transaction).
    pub fn rollback(&mut self) {
        if !self.st.in_tx {
            return;
        }
        let st = &mut self.st;
        // Deferred routing never happened; the slots still hold their old values, and the
        // nets of an unsettled move were never written (their cached bound shares are the
        // ones of their unchanged routes).
        st.pending = false;
        st.dry.clear();
        st.acc_rm = 0.0;
        let log = std::mem::take(&mut st.cell_log);
        for &(j, v, cnt) in &log {
            let j = j as usize;
            st.cells[j] = v;
            st.cnt[j] = cnt;
            if j < (OCC + 1) * st.n {
                st.den_bit(j - OCC * st.n);
            }
        }
        st.cell_log = log;
        for (k, &ch) in st.chunk_ids.iter().enumerate() {
            let lo = (ch as usize) << CHUNK_SHIFT;
            st.dif[lo..lo + CHUNK].copy_from_slice(&st.chunk_save[k * CHUNK..(k + 1) * CHUNK]);
        }
        for &(k, wl, routed, ov) in &st.net_log {
            let k = k as usize;
            st.net_wl[k] = wl;
            st.net_routed[k] = routed;
            st.ovl[k] = ov;
        }
        // Blocks: restore sums and dirty flags; the dirty list keeps the untouched entries.
        let epoch = st.epoch;
        let mut list = std::mem::take(&mut st.dirty_blocks);
        list.retain(|&b| st.block_epoch[b as usize] != epoch);
        for &(b, sum, dirty) in &st.block_log {
            st.block_sum[b as usize] = sum;
            st.block_dirty[b as usize] = dirty;
            if dirty {
                list.push(b);
            }
        }
        st.dirty_blocks = list;
        for &(i, x, y, o) in &st.node_log {
            let i = i as usize;
            (st.x[i], st.y[i], st.o[i]) = (x, y, o);
        }
        // Slot ranges of the logged nodes, in log order (stamps kept: they only ever
        // match the stamp of the move that set them).
        let mut saved = st.slot_log.as_slice();
        for &(i, ..) in &st.node_log {
            let r = self.m.slots_of(i as usize);
            let (now, rest) = saved.split_at(r.len());
            for (p, q) in st.sl[r].iter_mut().zip(now) {
                (p.x, p.y, p.cell) = (q.x, q.y, q.cell);
            }
            saved = rest;
        }
        st.skipped = st.tx_skipped;
        st.cache = st.tx_cache;
        st.bound.acc = st.tx_lb;
        self.commit();
    }

    /// True between [`begin`](Self::begin) and [`commit`](Self::commit) /
    /// [`rollback`](Self::rollback).
    pub fn in_transaction(&self) -> bool {
        self.st.in_tx
    }

    /// Raw weighted wirelength `Σ w · HPWL`.
    pub fn hpwl(&mut self) -> f64 {
        self.st.settle();
        self.hpwl_written()
    }

    /// `Σ w · HPWL` of the nets as written (without a deferred move's unsettled nets).
    fn hpwl_written(&mut self) -> f64 {
        let st = &mut self.st;
        if let Some(v) = st.cache.hpwl {
            return v;
        }
        let list = std::mem::take(&mut st.dirty_blocks);
        // Blocks recomputed here are not logged: those a transaction changed were logged by
        // `mark_block`, and the others stay valid after a rollback.
        for &b in &list {
            let b = b as usize;
            let lo = b * BLOCK;
            let hi = (lo + BLOCK).min(st.net_wl.len());
            st.block_sum[b] = lane_sum(&st.net_wl[lo..hi]);
            st.block_dirty[b] = false;
        }
        st.dirty_blocks = list;
        st.dirty_blocks.clear();
        let v = lane_sum(&st.block_sum);
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
        let occ = &st.cells[OCC * st.n..(OCC + 1) * st.n];
        let n = st.n;
        let v = if n >= 10 {
            let k = n / 10;
            let area = self.m.grid.gw * self.m.grid.gh;
            let lo = st.den_bracket.lo();
            let s = if lo.is_nan() {
                grid::top_sum_bracket(occ, k, &mut st.den_bracket, &mut st.tmp, &mut st.cand)
            } else {
                if st.den_mask_lo.to_bits() != lo.to_bits() {
                    // A new bound: every bit afresh.
                    st.den_mask.fill(0);
                    for (i, &x) in occ.iter().enumerate() {
                        st.den_mask[i >> 6] |= ((x >= lo) as u64) << (i & 63);
                    }
                    st.den_mask_lo = lo;
                }
                // The candidates (values >= lo) in index order, from the mask.
                if st.tmp.len() < n {
                    st.tmp.resize(n, 0.0);
                }
                let e = &mut st.tmp[..n];
                let mut m = 0;
                for (wi, &word) in st.den_mask.iter().enumerate() {
                    let mut b = word;
                    while b != 0 {
                        e[m] = occ[wi * 64 + b.trailing_zeros() as usize];
                        m += 1;
                        b &= b - 1;
                    }
                }
                grid::top_sum_bracket_finish(occ, k, &mut st.den_bracket, e, m, m < k, &mut st.cand)
            };
            0.5 * (s / area) / k as f64
        } else {
            grid::density_cost(occ, &self.m.grid, &mut st.tmp, &mut st.cand, None)
        };
        st.cache.density = Some(v);
        v
    }

    /// Congestion cost.
    pub fn congestion_cost(&mut self) -> f64 {
        self.finish_routing();
        let st = &mut self.st;
        if let Some(v) = st.cache.congestion {
            return v;
        }
        let n = st.n;
        let p = &self.m.params;
        let mm = (2 * n) / 20;
        let v = if p.smooth_range == 0 && mm >= 1 {
            congestion_values(st, &self.m);
            grid::top_sum_bracket(&st.lbuf, mm, &mut st.cong_bracket, &mut st.tmp, &mut st.cand)
                / mm as f64
        } else {
            // General path (smoothing, tiny grids): row-major copies, full kernel.
            let mut hd = std::mem::take(&mut st.tmp2);
            hd.clear();
            hd.resize(2 * n, 0.0);
            for i in 0..n {
                let t = st.tr[i] as usize;
                hd[i] = st.dif[n + t];
                hd[n + i] = st.cells[HMT * n + t];
            }
            let v = self.m.congestion_from(
                [&st.dif[..n], &hd[..n], &st.cells[VM * n..(VM + 1) * n], &hd[n..]],
                &mut st.tmp,
                &mut st.cand,
                None,
            );
            st.tmp2 = hd;
            v
        };
        st.cache.congestion = Some(v);
        v
    }

    /// Resets the congestion lower bound used by [`proxy_below`](Self::proxy_below) to the
    /// current state (its `S` becomes the current top values, so the bound equals the
    /// congestion cost up to rounding, and loosens as the state moves away). Outside a
    /// transaction; without effect on the costs. Grids with smoothing (or too few cells)
    /// get no bound.
    pub fn refresh_bound(&mut self) {
        self.finish_routing();
        let st = &mut self.st;
        let (n, rows, cols) = (st.n, st.rows, st.cols);
        let p = &self.m.params;
        let mm = (2 * n) / 20;
        st.bound.valid = false;
        if st.in_tx || p.smooth_range != 0 || mm < 1 {
            return;
        }
        let (iv, ih) = congestion_values(st, &self.m);
        // S: the mm largest values (ties by index), as a 0/1 mask in `tmp`.
        let v = &st.lbuf[..2 * n];
        st.cand.clear();
        st.cand.extend_from_slice(v);
        let (_, &mut t, _) = st.cand.select_nth_unstable_by(mm - 1, |a, b| b.total_cmp(a));
        st.tmp.clear();
        st.tmp.resize(2 * n, 0.0);
        let mut taken = 0;
        let mut base = 0.0;
        for (i, &x) in v.iter().enumerate() {
            if x.total_cmp(&t) == std::cmp::Ordering::Greater {
                st.tmp[i] = 1.0;
                taken += 1;
                base += x;
            }
        }
        for (i, &x) in v.iter().enumerate() {
            if taken == mm {
                break;
            }
            if x.total_cmp(&t) == std::cmp::Ordering::Equal {
                st.tmp[i] = 1.0;
                taken += 1;
                base += x;
            }
        }
        let b = &mut st.bound;
        // V (row-major): an entry at (r, c) moves the values of rows r.. of column c.
        for c in 0..cols {
            let mut k = 0.0;
            for r in (0..rows).rev() {
                let i = r * cols + c;
                k += st.tmp[i];
                b.ws[i] = k * iv;
                b.wc[VM * n + i] = st.tmp[i] * iv;
            }
        }
        // H (column-major): an entry at (r, c) moves the values of columns c.. of row r.
        for r in 0..rows {
            let mut k = 0.0;
            for c in (0..cols).rev() {
                let t = c * rows + r;
                k += st.tmp[n + t];
                b.ws[n + t] = k * ih;
                b.wc[HMT * n + t] = st.tmp[n + t] * ih;
            }
        }
        b.base = base;
        b.acc = 0.0;
        b.valid = true;
        // Every cached route contribution is stale.
        b.version = b.version.wrapping_add(1);
        if b.version == 0 {
            st.ovl.iter_mut().for_each(|o| o.1 = 0);
            b.version = 1;
        }
    }

    /// The weighted proxy, or `None` when it is certainly above `limit`: with a valid bound
    /// ([`refresh_bound`](Self::refresh_bound)) and a congestion cost not yet read, the
    /// wirelength and density costs are read and the congestion cost is replaced by its
    /// lower bound; when that sum exceeds `limit` by more than rounding can explain, the
    /// congestion read is skipped. With the last move's routing still deferred, the bound
    /// first counts only the removal of the old routes, and the routing is done only when
    /// that does not decide. `Some` carries exactly [`proxy`](Self::proxy)'s value.
    pub fn proxy_below(&mut self, w: CostWeights, limit: f64) -> Option<f64> {
        if self.st.pending && self.st.bound.valid && w.cong > 0.0 {
            // Routing deferred: the removals are known (`acc_rm`), the additions only add.
            // The nets of the move are not written yet: the wirelength is the written one
            // plus their change, which differs from the exact sum only by rounding (far
            // below the margin).
            let wl = if !self.st.dry.is_empty() {
                (self.hpwl_written() + self.st.dry_dwl) / self.m.wl_norm
            } else {
                self.wirelength_cost()
            };
            let rm = self.st.acc_rm;
            if self.bound_exceeds(w, limit, wl, rm) {
                return None;
            }
            self.finish_routing();
        }
        if self.st.bound.valid && w.cong > 0.0 && self.st.cache.congestion.is_none() {
            let wl = self.wirelength_cost();
            if self.bound_exceeds(w, limit, wl, 0.0) {
                return None;
            }
        }
        Some(self.proxy(w))
    }

    /// Whether the wirelength cost `wl` (exact up to rounding), the exact density cost and
    /// the congestion bound (its sum moved by `extra`) exceed `limit` by more than rounding
    /// can explain.
    #[inline(always)]
    fn bound_exceeds(&mut self, w: CostWeights, limit: f64, wl: f64, extra: f64) -> bool {
        let mut lo = 0.0;
        if w.wl != 0.0 {
            lo += w.wl * wl;
        }
        if w.den != 0.0 {
            lo += w.den * self.density_cost();
        }
        let mm = ((2 * self.st.n) / 20) as f64;
        let b = &self.st.bound;
        lo += w.cong * ((b.base + b.acc + extra) / mm);
        lo > limit + BOUND_MARGIN * (1.0 + limit.abs() + lo.abs())
    }

    /// The congestion lower bound of [`proxy_below`](Self::proxy_below) (`None` without a
    /// valid bound), for checks.
    pub fn congestion_bound(&self) -> Option<f64> {
        let b = &self.st.bound;
        b.valid.then(|| (b.base + b.acc) / ((2 * self.st.n) / 20) as f64)
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

#[cfg(test)]
mod tests {
    use netlists::generate::{generate, GenConfig};
    use netlists::{Netlist, Orientation, Placement};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::IncrementalCost;
    use crate::cost::grid;
    use crate::cost::{CostBreakdown, CostOverrides, CostParams, CostWeights};

    /// A generated netlist (8 ports; `hard` / `soft` macros, `nets` nets, a `grid` of
    /// columns × rows), its start placement and parameters.
    fn fixture(
        seed: u64,
        hard: usize,
        soft: usize,
        nets: usize,
        grid: (u32, u32),
    ) -> (Netlist, Placement, CostParams) {
        let cfg = GenConfig {
            seed,
            hard_macros: hard,
            soft_macros: soft,
            ports: 8,
            nets,
            grid,
            ..Default::default()
        };
        let (nl, pl) = generate(&cfg).unwrap();
        let p = CostParams::resolve(&nl, None, &CostOverrides::default()).unwrap();
        (nl, pl, p)
    }

    fn close(a: &CostBreakdown, b: &CostBreakdown) -> bool {
        let c = |x: f64, y: f64| x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs());
        c(a.hpwl, b.hpwl)
            && c(a.density_cost, b.density_cost)
            && c(a.congestion_cost, b.congestion_cost)
            && a.congestion_nets_skipped_oob == b.congestion_nets_skipped_oob
    }

    /// Sparse reads: changes outside transactions without a read (dirty state carried into
    /// the next transaction), reads inside transactions, rollbacks, commits.
    #[test]
    fn sparse_reads_and_rollbacks_match_full() {
        for seed in 0..12 {
            let (nl, pl, p) = fixture(seed, 8, 20, 400, (7, 9));
            let movable: Vec<_> = nl.macros();
            let mut inc = IncrementalCost::new(&nl, &pl, &p).unwrap();
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let pos =
                |rng: &mut ChaCha8Rng| (rng.gen_range(-50.0..1050.0), rng.gen_range(-50.0..1050.0));
            for step in 0..400 {
                let m = movable[rng.gen_range(0..movable.len())];
                let tx = rng.gen_bool(0.7);
                if tx {
                    inc.begin();
                }
                let before = if tx && rng.gen_bool(0.5) { Some(inc.cost()) } else { None };
                match rng.gen_range(0..4) {
                    0 => {
                        let b = movable[rng.gen_range(0..movable.len())];
                        inc.swap(m, b).unwrap();
                    }
                    1 => inc.set_orientation(m, Orientation::ALL[rng.gen_range(0..4)]).unwrap(),
                    _ => {
                        let (x, y) = pos(&mut rng);
                        inc.move_node(m, x, y).unwrap();
                    }
                }
                if rng.gen_bool(0.5) {
                    let c = inc.cost();
                    assert!(close(&c, &inc.full_cost().unwrap()), "seed {seed} step {step}");
                }
                if tx {
                    if rng.gen_bool(0.6) {
                        inc.rollback();
                        if let Some(b) = before {
                            assert_eq!(inc.cost(), b, "seed {seed} step {step}: rollback");
                        }
                    } else {
                        inc.commit();
                    }
                }
                if rng.gen_bool(0.3) {
                    let c = inc.cost();
                    assert!(close(&c, &inc.full_cost().unwrap()), "seed {seed} step {step}");
                }
            }
            let c = inc.cost();
            assert!(close(&c, &inc.full_cost().unwrap()), "seed {seed} end");
        }
    }

    /// Swaps and shuffles of macros of one size leave the density and allocation cells
    /// untouched (the footprints cancel; nothing is logged), and the costs still match a
    /// full evaluation, before and after rollbacks.
    #[test]
    fn equal_macro_permutations_keep_cells() {
        for seed in 0..4 {
            let (mut nl, mut pl) = generate(&GenConfig { seed, ..Default::default() }).unwrap();
            let hard = nl.hard_macros();
            for (j, &h) in hard.iter().enumerate() {
                (nl.width[h.index()], nl.height[h.index()]) = (60.0, 40.0);
                (pl.x[h.index()], pl.y[h.index()]) =
                    (45.0 + 70.0 * j as f64, 100.0 + 9.0 * j as f64);
            }
            let p = CostParams::resolve(&nl, None, &CostOverrides::default()).unwrap();
            let mut inc = IncrementalCost::new(&nl, &pl, &p).unwrap();
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            for step in 0..200 {
                let before = inc.cost();
                let cells = inc.st.cells.clone();
                inc.begin();
                let k = rng.gen_range(2..=4.min(hard.len()));
                let mut pick: Vec<_> = Vec::new();
                while pick.len() < k {
                    let m = hard[rng.gen_range(0..hard.len())];
                    if !pick.contains(&m) {
                        pick.push(m);
                    }
                }
                if k == 2 {
                    inc.swap(pick[0], pick[1]).unwrap();
                } else {
                    let ch: Vec<_> = (0..k)
                        .map(|j| {
                            let (x, y) = inc.position(pick[(j + 1) % k]);
                            (pick[j], x, y, inc.orientation(pick[j]))
                        })
                        .collect();
                    inc.move_many(&ch).unwrap();
                }
                assert!(inc.st.cell_log.is_empty(), "seed {seed} step {step}: cells logged");
                assert!(inc.st.cells.iter().zip(&cells).all(|(a, b)| a.to_bits() == b.to_bits()));
                assert!(close(&inc.cost(), &inc.full_cost().unwrap()), "seed {seed} step {step}");
                if rng.gen_bool(0.5) {
                    inc.rollback();
                    assert_eq!(inc.cost(), before, "seed {seed} step {step}: rollback");
                } else {
                    inc.commit();
                }
            }
            // A move to a free position still changes the cells.
            inc.begin();
            inc.move_node(hard[0], 3.0, 3.0).unwrap();
            assert!(!inc.st.cell_log.is_empty());
            assert!(close(&inc.cost(), &inc.full_cost().unwrap()));
        }
    }

    /// The congestion bound stays below the congestion cost through moves, swaps,
    /// rollbacks and commits, equals it right after a refresh, and `proxy_below` returns
    /// `None` only for costs above the limit and otherwise exactly `proxy`.
    #[test]
    fn congestion_bound_is_a_lower_bound() {
        let w = CostWeights { wl: 1.0, den: 0.5, cong: 0.5 };
        let (mut nones, mut deferred) = (0, 0);
        for seed in 0..6 {
            let (nl, pl, p) = fixture(seed, 10, 20, 300, (9, 11));
            let movable = nl.macros();
            let mut inc = IncrementalCost::new(&nl, &pl, &p).unwrap();
            assert_eq!(inc.congestion_bound(), None);
            inc.refresh_bound();
            let tight = |inc: &mut IncrementalCost| {
                let (b, c) = (inc.congestion_bound().unwrap(), inc.congestion_cost());
                assert!((b - c).abs() <= 1e-12 * c.max(1.0), "{b} vs {c}");
            };
            tight(&mut inc);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            for step in 0..300 {
                let cur = inc.proxy(w);
                inc.begin();
                // Sometimes two moves in one transaction (the second one's nets may have
                // been logged by the first).
                for _ in 0..if rng.gen_bool(0.2) { 2 } else { 1 } {
                    let m = movable[rng.gen_range(0..movable.len())];
                    if rng.gen_bool(0.3) {
                        let b = movable[rng.gen_range(0..movable.len())];
                        inc.swap(m, b).unwrap();
                    } else {
                        let (x, y) = (rng.gen_range(0.0..1000.0), rng.gen_range(0.0..1000.0));
                        inc.move_node(m, x, y).unwrap();
                    }
                }
                // With the routing deferred: the bound that counts only the removals.
                let b = &inc.st.bound;
                let mm = ((2 * inc.st.n) / 20) as f64;
                let lb_removals = inc.st.pending.then(|| (b.base + b.acc + inc.st.acc_rm) / mm);
                deferred += lb_removals.is_some() as usize;
                let limit = cur + rng.gen_range(-0.02..0.02);
                let got = inc.proxy_below(w, limit);
                let exact = inc.proxy(w);
                let c = inc.congestion_cost();
                if let Some(lb) = lb_removals {
                    assert!(lb <= c + 1e-12 * c.max(1.0), "seed {seed} step {step}: {lb} > {c}");
                }
                match got {
                    None => {
                        nones += 1;
                        assert!(exact > limit, "seed {seed} step {step}: {exact} <= {limit}");
                    }
                    Some(c) => assert_eq!(c.to_bits(), exact.to_bits()),
                }
                let lb = inc.congestion_bound().unwrap();
                let c = inc.congestion_cost();
                assert!(lb <= c + 1e-12 * c.max(1.0), "seed {seed} step {step}: {lb} > {c}");
                if rng.gen_bool(0.6) {
                    inc.rollback();
                } else {
                    inc.commit();
                    if rng.gen_bool(0.2) {
                        inc.refresh_bound();
                        tight(&mut inc);
                    }
                }
                // Every cached route share is the one of the net's current route.
                for k in 0..inc.m.num_nets() {
                    let cached = inc.st.ovl[k];
                    if cached.1 != inc.st.bound.version || !inc.st.net_routed[k] {
                        continue;
                    }
                    inc.st.ovl[k].1 = 0;
                    let fresh = inc.st.net_overlap(&inc.m, k);
                    let tol = 1e-12 * fresh.abs().max(1.0);
                    assert!((cached.0 - fresh).abs() <= tol, "seed {seed} step {step} net {k}");
                    inc.st.ovl[k] = cached;
                }
            }
            inc.resync();
            assert_eq!(inc.congestion_bound(), None);
        }
        assert!(nones > 100, "the bound decided only {nones} reads");
        assert!(deferred > 1000, "only {deferred} moves deferred their routing");
    }

    /// Deferred routing (a bound, inside transactions) gives the same costs as immediate
    /// routing through any mix of several moves per transaction, reads or none, commits and
    /// rollbacks, and rollbacks restore the exact state.
    #[test]
    fn deferred_routing_matches_immediate() {
        let w = CostWeights { wl: 1.0, den: 0.5, cong: 0.5 };
        for seed in 0..8 {
            let (nl, pl, p) = fixture(seed, 8, 20, 300, (8, 10));
            let movable = nl.macros();
            let mut a = IncrementalCost::new(&nl, &pl, &p).unwrap();
            let mut b = a.clone();
            a.refresh_bound();
            let mut rng = ChaCha8Rng::seed_from_u64(100 + seed);
            for step in 0..300 {
                let before = if rng.gen_bool(0.5) { Some(a.cost()) } else { None };
                a.begin();
                b.begin();
                for _ in 0..rng.gen_range(1..=3) {
                    let m = movable[rng.gen_range(0..movable.len())];
                    match rng.gen_range(0..4) {
                        0 => {
                            let o = movable[rng.gen_range(0..movable.len())];
                            a.swap(m, o).unwrap();
                            b.swap(m, o).unwrap();
                        }
                        1 => {
                            let o = Orientation::ALL[rng.gen_range(0..4)];
                            a.set_orientation(m, o).unwrap();
                            b.set_orientation(m, o).unwrap();
                        }
                        _ => {
                            let (x, y) =
                                (rng.gen_range(-50.0..1050.0), rng.gen_range(-50.0..1050.0));
                            a.move_node(m, x, y).unwrap();
                            b.move_node(m, x, y).unwrap();
                        }
                    }
                    if rng.gen_bool(0.3) {
                        let _ = a.proxy_below(w, rng.gen_range(0.0..2.0));
                    }
                    assert_eq!(a.position(m), b.position(m));
                }
                match rng.gen_range(0..3) {
                    0 => assert!(close(&a.cost(), &b.cost()), "seed {seed} step {step}"),
                    1 => {
                        let (ha, hb) = (a.hpwl(), b.hpwl());
                        assert!((ha - hb).abs() <= 1e-9 * ha.abs().max(1.0));
                    }
                    _ => {}
                }
                if rng.gen_bool(0.6) {
                    a.rollback();
                    b.rollback();
                    if let Some(c) = before {
                        assert_eq!(a.cost(), c, "seed {seed} step {step}: rollback");
                    }
                } else {
                    a.commit();
                    b.commit();
                    if rng.gen_bool(0.3) {
                        a.refresh_bound();
                    }
                }
                assert_eq!(a.congestion_nets_skipped_oob(), b.congestion_nets_skipped_oob());
            }
            assert!(close(&a.cost(), &b.cost()), "seed {seed} end");
            assert!(close(&a.cost(), &a.full_cost().unwrap()), "seed {seed} end (full)");
        }
    }

    /// Density reads through the candidate mask equal a from-scratch top-k of the same
    /// occupancies, bit for bit, across moves, rollbacks and bound changes.
    #[test]
    fn density_mask_reads_are_exact() {
        for seed in 0..6 {
            let (nl, pl, p) = fixture(seed, 10, 30, 300, (9, 11));
            let movable: Vec<_> = nl.macros();
            let mut inc = IncrementalCost::new(&nl, &pl, &p).unwrap();
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let (mut e, mut w) = (Vec::new(), Vec::new());
            for step in 0..300 {
                let m = movable[rng.gen_range(0..movable.len())];
                inc.begin();
                let (x, y) = (rng.gen_range(0.0..1000.0), rng.gen_range(0.0..1000.0));
                inc.move_node(m, x, y).unwrap();
                let n = inc.st.n;
                let occ = inc.st.cells[..n].to_vec();
                let k = n / 10;
                let area = inc.m.grid.gw * inc.m.grid.gh;
                let mut b = grid::Bracket::default();
                let s = grid::top_sum_bracket(&occ, k, &mut b, &mut e, &mut w);
                let want = 0.5 * (s / area) / k as f64;
                assert_eq!(inc.density_cost().to_bits(), want.to_bits(), "seed {seed} step {step}");
                if rng.gen_bool(0.7) {
                    inc.rollback();
                } else {
                    inc.commit();
                }
            }
        }
    }

    /// The fast in-grid test of `flat_cell` agrees with the general cell computation.
    #[test]
    fn flat_cell_fast_path_matches_general() {
        let (nl, pl) =
            generate(&GenConfig { seed: 2, grid: (7, 9), ..Default::default() }).unwrap();
        let p = CostParams::resolve(&nl, None, &CostOverrides::default()).unwrap();
        let inc = IncrementalCost::new(&nl, &pl, &p).unwrap();
        let m = &inc.m;
        let (gw, gh) = (m.grid.gw, m.grid.gh);
        let (cols, rows) = (m.grid.cols as f64, m.grid.rows as f64);
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut pts = vec![(0.0, 0.0), (-0.0, -0.0), (cols * gw, 0.0), (0.0, rows * gh)];
        for c in -1..=m.grid.cols as i64 + 1 {
            for r in -1..=m.grid.rows as i64 + 1 {
                let (x, y) = (c as f64 * gw, r as f64 * gh);
                pts.extend([(x, y), (x - 1e-9, y), (x, y - 1e-9), (x + 1e-9, y + 1e-9)]);
            }
        }
        for _ in 0..5000 {
            pts.push((rng.gen_range(-0.2..1.2) * cols * gw, rng.gen_range(-0.2..1.2) * rows * gh));
        }
        for (x, y) in pts {
            assert_eq!(
                IncrementalCost::flat_cell(m, x, y),
                IncrementalCost::flat_cell_edge(m, x, y),
                "({x}, {y})"
            );
        }
    }

    /// The swap-and-sign form of the orientations in `stage_slots` equals
    /// `Orientation::transform` bit for bit.
    #[test]
    fn stage_slots_transform_matches() {
        let vals = [0.0, -0.0, 1.5, -2.25, 1e-300, -7.0];
        for o in Orientation::ALL {
            for &dx in &vals {
                for &dy in &vals {
                    let (x, y) = (10.0, -0.0);
                    let (tx, ty) = o.transform(dx, dy);
                    let want = ((x + tx).to_bits(), (y + ty).to_bits());
                    let (gx, gy) = super::flip_offset(super::orient_flips(o), dx, dy);
                    let got = (x + gx, y + gy);
                    assert_eq!((got.0.to_bits(), got.1.to_bits()), want, "{o:?} {dx} {dy}");
                }
            }
        }
    }

    /// `move_many` equals the same moves one by one; a repeated node is refused.
    #[test]
    fn move_many_equals_single_moves() {
        let (nl, pl) = generate(&GenConfig { seed: 4, ..Default::default() }).unwrap();
        let p = CostParams::resolve(&nl, None, &CostOverrides::default()).unwrap();
        let hard = nl.hard_macros();
        let mut a = IncrementalCost::new(&nl, &pl, &p).unwrap();
        let mut b = a.clone();
        let ch: Vec<_> = (0..4)
            .map(|k| (hard[k], 100.0 + 150.0 * k as f64, 300.0, Orientation::ALL[k]))
            .collect();
        a.move_many(&ch).unwrap();
        for &(id, x, y, o) in &ch {
            b.move_and_orient(id, x, y, o).unwrap();
        }
        assert!(close(&a.cost(), &b.cost()));
        assert!(close(&a.cost(), &a.full_cost().unwrap()));
        let before = a.cost();
        let dup = [ch[0], ch[0]];
        assert!(a.move_many(&dup).is_err());
        assert_eq!(a.cost(), before);
    }
}
