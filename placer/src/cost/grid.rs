//! Grid kernels shared by the full and the incremental evaluators: cell lookup, density
//! footprints, macro routing allocation, net routing (`PROXY_COST.md` §8, §9) and the top-k
//! reductions.
//!
//! Every expression keeps the form that `PROXY_COST.md` §1 and §13 prescribe (`gw = W / C`,
//! then `floor(x / gw)`; cell edges as `c · gw` and `(c + 1) · gw`), so values that sit exactly
//! on a grid line land in the same cell as in the reference evaluator.

/// Partial-overlap tolerance of the macro routing allocation (µm, absolute; §9.7).
pub(crate) const PARTIAL_TOL: f64 = 1e-5;

/// `floor(v) as i64` without a libm call: equal to it for every `v` (saturating beyond the
/// `i64` range, 0 for NaN).
#[inline(always)]
pub(crate) fn floor_i64(v: f64) -> i64 {
    let t = v as i64;
    if (t as f64) > v {
        t.saturating_sub(1)
    } else {
        t
    }
}

/// The placement grid.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Grid {
    /// Columns.
    pub(crate) cols: usize,
    /// Rows.
    pub(crate) rows: usize,
    /// Cell width `W / C`.
    pub(crate) gw: f64,
    /// Cell height `H / R`.
    pub(crate) gh: f64,
}

/// A clamped, non-empty cell range of a rectangle: rows `bl_r..=ur_r`, columns `bl_c..=ur_c`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CellRange {
    pub(crate) bl_r: usize,
    pub(crate) bl_c: usize,
    pub(crate) ur_r: usize,
    pub(crate) ur_c: usize,
}

impl Grid {
    /// Number of cells.
    #[inline]
    pub(crate) fn n(&self) -> usize {
        self.cols * self.rows
    }

    /// `cell_of(x, y) = (floor(y / gh), floor(x / gw))`, unclamped (saturating for huge values).
    #[inline]
    pub(crate) fn cell_of(&self, x: f64, y: f64) -> (i64, i64) {
        (floor_i64(y / self.gh), floor_i64(x / self.gw))
    }

    /// True when a cell lies in the grid.
    #[inline]
    pub(crate) fn inside(&self, r: i64, c: i64) -> bool {
        r >= 0 && c >= 0 && (r as u64) < self.rows as u64 && (c as u64) < self.cols as u64
    }

    /// Clamps a cell into the grid.
    #[inline]
    pub(crate) fn clamp(&self, r: i64, c: i64) -> (i64, i64) {
        (r.clamp(0, self.rows as i64 - 1), c.clamp(0, self.cols as i64 - 1))
    }

    /// The clamped cell range of the rectangle of centre `(x, y)` and size `w × h` (§8 steps
    /// 3-5), or `None` when the rectangle is skipped or the range is empty.
    #[inline]
    pub(crate) fn cell_range(&self, x: f64, y: f64, w: f64, h: f64) -> Option<CellRange> {
        let ur_r = floor_i64((y + h / 2.0) / self.gh);
        let ur_c = floor_i64((x + w / 2.0) / self.gw);
        if ur_r < 0 || ur_c < 0 {
            return None;
        }
        let bl_r = floor_i64((y - h / 2.0) / self.gh).max(0);
        let bl_c = floor_i64((x - w / 2.0) / self.gw).max(0);
        let ur_r = ur_r.min(self.rows as i64 - 1);
        let ur_c = ur_c.min(self.cols as i64 - 1);
        if bl_r > ur_r || bl_c > ur_c {
            return None;
        }
        Some(CellRange {
            bl_r: bl_r as usize,
            bl_c: bl_c as usize,
            ur_r: ur_r as usize,
            ur_c: ur_c as usize,
        })
    }

    /// Calls `f(cell, area)` for every cell of the clamped range of a rectangle, with the area
    /// of its overlap with the cell (§8 step 6: counted when both extents are `>= 0`).
    #[inline]
    pub(crate) fn for_density(
        &self,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        mut f: impl FnMut(usize, f64),
    ) {
        let Some(rg) = self.cell_range(x, y, w, h) else { return };
        let (xmin, xmax, ymin, ymax) = (x - w / 2.0, x + w / 2.0, y - h / 2.0, y + h / 2.0);
        let (gw, gh) = (self.gw, self.gh);
        for r in rg.bl_r..=rg.ur_r {
            let rf = r as f64;
            let dy = ((rf + 1.0) * gh).min(ymax) - (rf * gh).max(ymin);
            for c in rg.bl_c..=rg.ur_c {
                let cf = c as f64;
                let dx = ((cf + 1.0) * gw).min(xmax) - (cf * gw).max(xmin);
                if dx >= 0.0 && dy >= 0.0 {
                    f(r * self.cols + c, dx * dy);
                }
            }
        }
    }

    /// Overlap extents of a rectangle with cell `(r, c)` for the routing allocation: both
    /// `(0, 0)` unless both are strictly positive (§9.7 step 2).
    #[inline]
    fn alloc_ext(
        &self,
        r: usize,
        c: usize,
        xmin: f64,
        xmax: f64,
        ymin: f64,
        ymax: f64,
    ) -> (f64, f64) {
        let (rf, cf) = (r as f64, c as f64);
        let dx = xmax.min((cf + 1.0) * self.gw) - xmin.max(cf * self.gw);
        let dy = ymax.min((rf + 1.0) * self.gh) - ymin.max(rf * self.gh);
        if dx > 0.0 && dy > 0.0 {
            (dx, dy)
        } else {
            (0.0, 0.0)
        }
    }

    /// Macro routing allocation of a hard macro (§9.7, unnormalised): calls `f(cell, dv, dh)`
    /// with `dv = dx · av` and `dh = dy · ah` for every cell of the range, then the
    /// partial-overlap corrections as negative contributions, in the reference order.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn for_alloc(
        &self,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        ah: f64,
        av: f64,
        mut f: impl FnMut(usize, f64, f64),
    ) {
        let Some(rg) = self.cell_range(x, y, w, h) else { return };
        let (xmin, xmax, ymin, ymax) = (x - w / 2.0, x + w / 2.0, y - h / 2.0, y + h / 2.0);
        let (mut part_v, mut part_h) = (false, false);
        let multi_r = rg.ur_r != rg.bl_r;
        let multi_c = rg.ur_c != rg.bl_c;
        for r in rg.bl_r..=rg.ur_r {
            for c in rg.bl_c..=rg.ur_c {
                let (dx, dy) = self.alloc_ext(r, c, xmin, xmax, ymin, ymax);
                if multi_r && (r == rg.bl_r || r == rg.ur_r) && (dy - self.gh).abs() > PARTIAL_TOL {
                    part_v = true;
                }
                if multi_c && (c == rg.bl_c || c == rg.ur_c) && (dx - self.gw).abs() > PARTIAL_TOL {
                    part_h = true;
                }
                f(r * self.cols + c, dx * av, dy * ah);
            }
        }
        if part_v {
            let r = rg.ur_r;
            for c in rg.bl_c..=rg.ur_c {
                let (dx, _) = self.alloc_ext(r, c, xmin, xmax, ymin, ymax);
                f(r * self.cols + c, -(dx * av), 0.0);
            }
        }
        if part_h {
            let c = rg.ur_c;
            for r in rg.bl_r..=rg.ur_r {
                let (_, dy) = self.alloc_ext(r, c, xmin, xmax, ymin, ymax);
                f(r * self.cols + c, 0.0, -(dy * ah));
            }
        }
    }
}

/// Receives the routing demand of nets as half-open runs (§9). Implementations keep
/// difference arrays: a horizontal run on row `r` over columns `[c0, c1)` adds `w` at
/// `(r, c0)` and `-w` at `(r, c1)` of the H difference array (prefix sums along rows), and a
/// vertical run on column `c` over rows `[r0, r1)` adds `w` at `(r0, c)` and `-w` at `(r1, c)`
/// of the V difference array (prefix sums along columns). With integer weights this is exact.
pub(crate) trait RouteSink {
    /// Adds `w` at flat index `i` of the H difference array.
    fn h(&mut self, i: usize, w: f64);
    /// Adds `w` at flat index `i` of the V difference array.
    fn v(&mut self, i: usize, w: f64);
    /// Adds `w` at `(r, c)` of the H difference array (default: flat index `r · cols + c`).
    #[inline(always)]
    fn h_at(&mut self, cols: usize, r: usize, c: usize, w: f64) {
        self.h(r * cols + c, w);
    }
    /// Adds `w` at `(r, c)` of the V difference array (default: flat index `r · cols + c`).
    #[inline(always)]
    fn v_at(&mut self, cols: usize, r: usize, c: usize, w: f64) {
        self.v(r * cols + c, w);
    }
}

/// Horizontal run on row `r`, columns `[min(a,b), max(a,b))`.
#[inline(always)]
fn h_run<S: RouteSink>(s: &mut S, cols: usize, r: usize, a: usize, b: usize, w: f64) {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    if lo < hi {
        s.h_at(cols, r, lo, w);
        s.h_at(cols, r, hi, -w);
    }
}

/// Vertical run on column `c`, rows `[min(a,b), max(a,b))`.
#[inline(always)]
fn v_run<S: RouteSink>(s: &mut S, cols: usize, c: usize, a: usize, b: usize, w: f64) {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    if lo < hi {
        s.v_at(cols, lo, c, w);
        s.v_at(cols, hi, c, -w);
    }
}

/// Two-cell L route (§9.2): along the source row, then along the sink column.
#[inline(always)]
pub(crate) fn route_two<S: RouteSink>(
    s: &mut S,
    cols: usize,
    src: (usize, usize),
    t: (usize, usize),
    w: f64,
) {
    h_run(s, cols, src.0, src.1, t.1, w);
    v_run(s, cols, t.1, src.0, t.0, w);
}

/// Sorts three cells by `key` (a sorting network: the same order as any sort, equal keys
/// being equal cells).
#[inline(always)]
fn sort3_by_key<K: Ord>(g: &mut [(usize, usize); 3], key: impl Fn((usize, usize)) -> K) {
    if key(g[1]) < key(g[0]) {
        g.swap(0, 1);
    }
    if key(g[2]) < key(g[1]) {
        g.swap(1, 2);
    }
    if key(g[1]) < key(g[0]) {
        g.swap(0, 1);
    }
}

/// Three-cell route (§9.3, cases a-d in this order). Cells are `(row, col)`.
#[inline]
fn route_three<S: RouteSink>(s: &mut S, cols: usize, cells: [(usize, usize); 3], w: f64) {
    let mut g = cells;
    sort3_by_key(&mut g, |(r, c)| (c, r));
    let [(r1, c1), (r2, c2), (r3, c3)] = g;
    if c1 < c2 && c2 < c3 && r1.min(r3) < r2 && r2 < r1.max(r3) {
        h_run(s, cols, r1, c1, c2, w);
        h_run(s, cols, r2, c2, c3, w);
        v_run(s, cols, c2, r1, r2, w);
        v_run(s, cols, c3, r2, r3, w);
    } else if c2 == c3 && c1 < c2 && r1 < r2.min(r3) {
        h_run(s, cols, r1, c1, c2, w);
        v_run(s, cols, c2, r1, r2.max(r3), w);
    } else if r2 == r3 {
        h_run(s, cols, r1, c1, c2, w);
        h_run(s, cols, r2, c2, c3, w);
        v_run(s, cols, c2, r1, r2, w);
    } else {
        let mut g = cells;
        sort3_by_key(&mut g, |x| x);
        let [(r1, c1), (r2, c2), (r3, c3)] = g;
        let cmin = c1.min(c2).min(c3);
        let cmax = c1.max(c2).max(c3);
        h_run(s, cols, r2, cmin, cmax, w);
        v_run(s, cols, c1, r1, r2, w);
        v_run(s, cols, c3, r2, r3, w);
    }
}

/// A grid cell `(row, column)` as stored for routing.
pub(crate) type Cell = (u32, u32);

/// Routes one net given its distinct cells, the source (driver) cell first (§9.1 step 5).
#[inline]
pub(crate) fn route_net<S: RouteSink>(s: &mut S, cols: usize, g: &[Cell], w: f64) {
    let rc = |(r, c): Cell| (r as usize, c as usize);
    match g.len() {
        0 | 1 => {}
        2 => route_two(s, cols, rc(g[0]), rc(g[1]), w),
        3 => route_three(s, cols, [rc(g[0]), rc(g[1]), rc(g[2])], w),
        _ => {
            let src = rc(g[0]);
            for &t in &g[1..] {
                route_two(s, cols, src, rc(t), w);
            }
        }
    }
}

/// Sum of the `k` largest values of `v`, added in descending order (so the result depends
/// only on the multiset of values). Reorders `v`. `k` must be in `1..=v.len()`.
///
/// `hint` (optional) is a guess of the `k`-th largest value, typically the one of the previous
/// call; when at least `k` values are `>=` it, only those are searched. It is updated to the
/// new `k`-th largest value. The result does not depend on the hint.
pub(crate) fn top_sum(v: &mut [f64], k: usize, cand: &mut Vec<f64>, hint: Option<&mut f64>) -> f64 {
    debug_assert!(k >= 1 && k <= v.len());
    let desc = |a: &f64, b: &f64| b.total_cmp(a);
    let mut use_cand = false;
    if let Some(t) = hint.as_deref() {
        if *t != f64::NEG_INFINITY {
            cand.clear();
            cand.extend(v.iter().copied().filter(|x| x.total_cmp(t) != std::cmp::Ordering::Less));
            use_cand = cand.len() >= k;
        }
    }
    let sel: &mut [f64] = if use_cand { cand } else { v };
    if k < sel.len() {
        sel.select_nth_unstable_by(k - 1, desc);
    }
    let top = &mut sel[..k];
    top.sort_unstable_by(desc);
    if let Some(t) = hint {
        *t = top[k - 1];
    }
    top.iter().sum::<f64>()
}

/// A lower bound `lo` of the `k`-th largest value of an array that changes a little between
/// calls of [`top_sum_bracket`] (NaN: unknown).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Bracket {
    lo: f64,
}

impl Default for Bracket {
    fn default() -> Self {
        Bracket { lo: f64::NAN }
    }
}

/// Ranks kept below the `k`-th value when the bound is (re)set.
const BRACKET: usize = 8;

/// Key of `x` whose integer order is `f64::total_cmp`'s order.
#[inline(always)]
fn total_key(x: f64) -> i64 {
    let b = x.to_bits() as i64;
    b ^ ((((b >> 63) as u64) >> 1) as i64)
}

/// The `j`-th smallest value of `v` (0-based, `j < v.len()`, `j <= 4 · BRACKET`) in the
/// order of `f64::total_cmp` (so the same value as a selection with that order).
#[inline(never)]
fn kth_smallest(v: &[f64], j: usize) -> f64 {
    // The j + 1 smallest keys so far, ascending.
    let mut s = [0i64; 4 * BRACKET + 1];
    let l = j + 1;
    let (head, rest) = v.split_at(l);
    let s = &mut s[..l];
    for (i, &x) in head.iter().enumerate() {
        let kx = total_key(x);
        let mut p = i;
        while p > 0 && s[p - 1] > kx {
            s[p] = s[p - 1];
            p -= 1;
        }
        s[p] = kx;
    }
    let mut top = s[l - 1];
    for &x in rest {
        let kx = total_key(x);
        if kx < top {
            let mut p = l - 1;
            while p > 0 && s[p - 1] > kx {
                s[p] = s[p - 1];
                p -= 1;
            }
            s[p] = kx;
            top = s[l - 1];
        }
    }
    // The key map is its own inverse.
    f64::from_bits(total_key(f64::from_bits(top as u64)) as u64)
}

/// Sum of the `k` largest values of `v` (`k` in `1..=v.len()`), defined as
/// `Σ_{x > t} x + (k − #{x > t}) · t` with `t` the `k`-th largest value, where the values
/// `x > t` are added in index order in four lanes (by their position among those values): a
/// pure function of `v`, within rounding of [`top_sum`].
///
/// `b` holds a lower bound of `t` from the previous call and is updated. One scan collects
/// the values `≥ lo` (in index order); when there are at least `k` of them, `t` is selected
/// among those few. Otherwise (or without a bound) `t` is selected among all values. The
/// bound is then reset about `BRACKET` ranks below `t`. `e` and `w` are scratch.
pub(crate) fn top_sum_bracket(
    v: &[f64],
    k: usize,
    b: &mut Bracket,
    e: &mut Vec<f64>,
    w: &mut Vec<f64>,
) -> f64 {
    debug_assert!(k >= 1 && k <= v.len());
    // `e` only grows (no per-call zeroing); its first `m` entries are the candidates.
    let n = v.len();
    if e.len() < n + 1 {
        e.resize(n + 1, 0.0);
    }
    let mut m = n;
    let mut full = true;
    if !b.lo.is_nan() {
        // Branchless compaction of the values >= lo, in index order.
        let lo = b.lo;
        let buf = &mut e[..n + 1];
        m = 0;
        // Blocks of 16 with no candidate cost one short test each.
        let mut it = v.chunks_exact(16);
        for c in &mut it {
            if !c.iter().fold(false, |a, &x| a | (x >= lo)) {
                continue;
            }
            // m <= the block's start, so the 16 slots stay inside `buf`.
            let out = &mut buf[m..m + 16];
            let mut j = 0;
            for &x in c {
                out[j & 15] = x;
                j += (x >= lo) as usize;
            }
            m += j;
        }
        for &x in it.remainder() {
            buf[m] = x;
            m += (x >= lo) as usize;
        }
        full = m < k;
    }
    top_sum_bracket_finish(v, k, b, e, m, full, w)
}

/// The bound of `b` (NaN: none).
impl Bracket {
    pub(crate) fn lo(&self) -> f64 {
        self.lo
    }
}

/// [`top_sum_bracket`] from its candidates: `e[..m]` holds the values of `v` that are `>=`
/// the bound of `b`, in index order (`full`: fewer than `k` of them, or no bound). `e` must
/// be at least as long as `v`.
pub(crate) fn top_sum_bracket_finish(
    v: &[f64],
    k: usize,
    b: &mut Bracket,
    e: &mut [f64],
    mut m: usize,
    full: bool,
    w: &mut Vec<f64>,
) -> f64 {
    let n = v.len();
    if full {
        e[..n].copy_from_slice(v);
        m = n;
    }
    let e = &e[..m];
    let t = if !full && m - k <= 4 * BRACKET {
        // Few values below t: t is the (m − k + 1)-th smallest, found by insertion into
        // the m − k + 1 smallest so far; the bound stays (the window is not too wide, and a
        // thin one with fewer than BRACKET values below keeps the bound as well).
        kth_smallest(e, m - k)
    } else {
        w.clear();
        w.extend_from_slice(e);
        let desc = |a: &f64, b: &f64| b.total_cmp(a);
        let (_, t, below) = w.select_nth_unstable_by(k - 1, desc);
        let t = *t;
        // Reset the bound when the window below t is too thin or too wide (or after a full
        // selection); otherwise keep it.
        if full || below.len() < BRACKET / 2 || below.len() > 4 * BRACKET {
            if below.len() >= BRACKET {
                b.lo = *below.select_nth_unstable_by(BRACKET - 1, desc).1;
            } else if full {
                b.lo = f64::NEG_INFINITY;
            }
        }
        t
    };
    let mut s = [0.0f64; 4];
    let mut gt = 0usize;
    for &x in e.iter() {
        if x > t {
            s[gt & 3] += x;
            gt += 1;
        }
    }
    ((s[0] + s[1]) + (s[2] + s[3])) + (k - gt) as f64 * t
}

/// Density cost from cell occupancies (§8 steps 7-9). `scratch` is resized to the grid.
pub(crate) fn density_cost(
    occ: &[f64],
    grid: &Grid,
    scratch: &mut Vec<f64>,
    cand: &mut Vec<f64>,
    hint: Option<&mut f64>,
) -> f64 {
    let area = grid.gw * grid.gh;
    scratch.clear();
    scratch.extend(occ.iter().map(|&o| o / area));
    let n = scratch.len();
    if n == 0 {
        return 0.0;
    }
    if n >= 10 {
        let k = n / 10;
        0.5 * top_sum(scratch, k, cand, hint) / k as f64
    } else {
        scratch.retain(|&d| d != 0.0);
        if scratch.is_empty() {
            return 0.0;
        }
        scratch.sort_unstable_by(|a, b| b.total_cmp(a));
        0.5 * scratch.iter().sum::<f64>() / scratch.len() as f64
    }
}

/// Congestion inputs for [`congestion_cost`]: raw net-demand difference arrays and raw macro
/// allocations (all `R·C`, row-major).
pub(crate) struct CongestionRaw<'a> {
    /// V difference array (prefix sums along columns give the V net demand).
    pub(crate) vdiff: &'a [f64],
    /// H difference array (prefix sums along rows give the H net demand).
    pub(crate) hdiff: &'a [f64],
    /// Unnormalised vertical macro allocation.
    pub(crate) vm: &'a [f64],
    /// Unnormalised horizontal macro allocation.
    pub(crate) hm: &'a [f64],
}

/// Congestion cost (§9.5, §9.6, §9.8). `scratch` holds `4·R·C + C` values afterwards.
#[allow(clippy::too_many_arguments)]
pub(crate) fn congestion_cost(
    raw: &CongestionRaw<'_>,
    grid: &Grid,
    rh: f64,
    rv: f64,
    k: usize,
    scratch: &mut Vec<f64>,
    cand: &mut Vec<f64>,
    hint: Option<&mut f64>,
) -> f64 {
    let (cols, rows) = (grid.cols, grid.rows);
    let n = cols * rows;
    if n == 0 {
        return 0.0;
    }
    let vcap = grid.gw * rv;
    let hcap = grid.gh * rh;
    scratch.clear();
    scratch.resize(4 * n + cols, 0.0);
    let (l, rest) = scratch.split_at_mut(2 * n);
    let (vn, rest) = rest.split_at_mut(n);
    let (hn, acc) = rest.split_at_mut(n);
    // Net demand from the difference arrays (prefix sums down each column, along each row),
    // normalised (§9.5).
    for r in 0..rows {
        let row = r * cols..(r + 1) * cols;
        for ((a, &d), out) in acc.iter_mut().zip(&raw.vdiff[row.clone()]).zip(&mut vn[row]) {
            *a += d;
            *out = *a / vcap;
        }
    }
    for r in 0..rows {
        let mut acc = 0.0;
        for c in 0..cols {
            acc += raw.hdiff[r * cols + c];
            hn[r * cols + c] = acc / hcap;
        }
    }
    // Smoothing (§9.6) into l[..n] (V) and l[n..] (H), then add the macro allocation.
    let (lv, lh) = l.split_at_mut(n);
    if k == 0 {
        lv.copy_from_slice(vn);
        lh.copy_from_slice(hn);
    } else {
        lv.fill(0.0);
        lh.fill(0.0);
        for r in 0..rows {
            for c in 0..cols {
                let lo = c.saturating_sub(k);
                let hi = c.saturating_add(k).min(cols - 1);
                let v = vn[r * cols + c] / (hi - lo + 1) as f64;
                for p in lo..=hi {
                    lv[r * cols + p] += v;
                }
            }
        }
        for r in 0..rows {
            for c in 0..cols {
                let lo = r.saturating_sub(k);
                let hi = r.saturating_add(k).min(rows - 1);
                let v = hn[r * cols + c] / (hi - lo + 1) as f64;
                for p in lo..=hi {
                    lh[p * cols + c] += v;
                }
            }
        }
    }
    for i in 0..n {
        lv[i] += raw.vm[i] / vcap;
        lh[i] += raw.hm[i] / hcap;
    }
    let m = (2 * n) / 20;
    let l = &mut scratch[..2 * n];
    if m == 0 {
        l.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    } else {
        top_sum(l, m, cand, hint) / m as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn floor_i64_matches_floor() {
        let vals = [
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.0,
            -1.0,
            2.999999,
            -2.000001,
            1e18,
            -1e18,
            1e300,
            -1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            9.223372036854776e18,
            -9.223372036854776e18,
        ];
        for v in vals {
            assert_eq!(floor_i64(v), v.floor() as i64, "{v}");
        }
        assert_eq!(floor_i64(f64::NAN), 0);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..10_000 {
            let v: f64 = rng.gen_range(-1e6..1e6) / rng.gen_range(0.001..100.0);
            assert_eq!(floor_i64(v), v.floor() as i64, "{v}");
        }
    }

    /// Dense grids built from the difference arrays.
    struct Dense {
        vdiff: Vec<f64>,
        hdiff: Vec<f64>,
    }
    impl RouteSink for Dense {
        fn h(&mut self, i: usize, w: f64) {
            self.hdiff[i] += w;
        }
        fn v(&mut self, i: usize, w: f64) {
            self.vdiff[i] += w;
        }
    }
    fn dense(cols: usize, rows: usize, g: &[(usize, usize)]) -> (Vec<f64>, Vec<f64>) {
        let n = cols * rows;
        let mut d = Dense { vdiff: vec![0.0; n], hdiff: vec![0.0; n] };
        let cells: Vec<Cell> = g.iter().map(|&(r, c)| (r as u32, c as u32)).collect();
        route_net(&mut d, cols, &cells, 1.0);
        let (mut v, mut h) = (vec![0.0; n], vec![0.0; n]);
        for c in 0..cols {
            let mut a = 0.0;
            for r in 0..rows {
                a += d.vdiff[r * cols + c];
                v[r * cols + c] = a;
            }
        }
        for r in 0..rows {
            let mut a = 0.0;
            for c in 0..cols {
                a += d.hdiff[r * cols + c];
                h[r * cols + c] = a;
            }
        }
        (v, h)
    }

    /// The literal loops of PROXY_COST.md §9.2-9.4 (as in the reference evaluator).
    fn literal(cols: usize, rows: usize, g: &[(usize, usize)]) -> (Vec<f64>, Vec<f64>) {
        let n = cols * rows;
        let (mut v, mut h) = (vec![0.0; n], vec![0.0; n]);
        let two = |v: &mut Vec<f64>, h: &mut Vec<f64>, s: (usize, usize), t: (usize, usize)| {
            for c in s.1.min(t.1)..s.1.max(t.1) {
                h[s.0 * cols + c] += 1.0;
            }
            for r in s.0.min(t.0)..s.0.max(t.0) {
                v[r * cols + t.1] += 1.0;
            }
        };
        match g.len() {
            2 => two(&mut v, &mut h, g[0], g[1]),
            3 => {
                let mut s = [g[0], g[1], g[2]];
                s.sort_by_key(|&(r, c)| (c, r));
                let [(r1, c1), (r2, c2), (r3, c3)] = s;
                let mut hr =
                    |r: usize, a: usize, b: usize| (a..b).for_each(|c| h[r * cols + c] += 1.0);
                if c1 < c2 && c2 < c3 && r1.min(r3) < r2 && r2 < r1.max(r3) {
                    hr(r1, c1, c2);
                    hr(r2, c2, c3);
                    (r1.min(r2)..r1.max(r2)).for_each(|r| v[r * cols + c2] += 1.0);
                    (r2.min(r3)..r2.max(r3)).for_each(|r| v[r * cols + c3] += 1.0);
                } else if c2 == c3 && c1 < c2 && r1 < r2.min(r3) {
                    hr(r1, c1, c2);
                    (r1..r2.max(r3)).for_each(|r| v[r * cols + c2] += 1.0);
                } else if r2 == r3 {
                    hr(r1, c1, c2);
                    hr(r2, c2, c3);
                    (r1.min(r2)..r1.max(r2)).for_each(|r| v[r * cols + c2] += 1.0);
                } else {
                    let mut s = [g[0], g[1], g[2]];
                    s.sort();
                    let [(r1, c1), (r2, c2), (r3, c3)] = s;
                    hr(r2, c1.min(c2).min(c3), c1.max(c2).max(c3));
                    (r1..r2).for_each(|r| v[r * cols + c1] += 1.0);
                    (r2..r3).for_each(|r| v[r * cols + c3] += 1.0);
                }
            }
            _ => {
                for &t in &g[1..] {
                    two(&mut v, &mut h, g[0], t);
                }
            }
        }
        (v, h)
    }

    #[test]
    fn two_cell_example_of_the_spec() {
        // s = (1, 0), t = (3, 2): H[1,0], H[1,1], V[1,2], V[2,2].
        let (cols, rows) = (4, 5);
        let (v, h) = dense(cols, rows, &[(1, 0), (3, 2)]);
        let nz = |a: &[f64]| {
            a.iter()
                .enumerate()
                .filter(|(_, &x)| x != 0.0)
                .map(|(i, _)| (i / cols, i % cols))
                .collect::<Vec<_>>()
        };
        assert_eq!(nz(&h), vec![(1, 0), (1, 1)]);
        assert_eq!(nz(&v), vec![(1, 2), (2, 2)]);
    }

    #[test]
    fn difference_arrays_equal_the_literal_routes() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for _ in 0..20_000 {
            let cols = rng.gen_range(1..7);
            let rows = rng.gen_range(1..7);
            let k = rng.gen_range(2..=6).min(cols * rows);
            let mut g: Vec<(usize, usize)> = Vec::new();
            while g.len() < k {
                let c = (rng.gen_range(0..rows), rng.gen_range(0..cols));
                if !g.contains(&c) {
                    g.push(c);
                }
            }
            assert_eq!(dense(cols, rows, &g), literal(cols, rows, &g), "{cols}x{rows} {g:?}");
        }
    }

    #[test]
    fn top_sum_does_not_depend_on_the_hint() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut cand = Vec::new();
        for _ in 0..2_000 {
            let n = rng.gen_range(1..200);
            let v: Vec<f64> = (0..n)
                .map(|_| if rng.gen_bool(0.3) { 0.0 } else { rng.gen_range(0.0..3.0) })
                .collect();
            let k = rng.gen_range(1..=n);
            let want = top_sum(&mut v.clone(), k, &mut cand, None);
            let mut hint =
                if rng.gen_bool(0.2) { f64::NEG_INFINITY } else { rng.gen_range(-1.0..4.0) };
            assert_eq!(top_sum(&mut v.clone(), k, &mut cand, Some(&mut hint)), want);
            let mut sorted = v.clone();
            sorted.sort_by(|a, b| b.total_cmp(a));
            assert_eq!(hint, sorted[k - 1]);
            assert_eq!(want, sorted[..k].iter().sum::<f64>());
        }
    }

    #[test]
    fn top_sum_bracket_matches_top_sum() {
        let mut rng = ChaCha8Rng::seed_from_u64(19);
        let (mut e, mut w) = (Vec::new(), Vec::new());
        for _ in 0..300 {
            // An array that changes a few entries at a time, as under annealing moves.
            let n = rng.gen_range(1..300);
            let k = rng.gen_range(1..=n);
            let mut v: Vec<f64> = (0..n).map(|_| rng.gen_range(0.0..3.0)).collect();
            let mut br = Bracket::default();
            for _ in 0..50 {
                for _ in 0..rng.gen_range(0..5) {
                    let i = rng.gen_range(0..n);
                    v[i] = match rng.gen_range(0..4) {
                        0 => 0.0,
                        1 => rng.gen_range(0..4) as f64,
                        _ => rng.gen_range(0.0..3.0),
                    };
                }
                if rng.gen_bool(0.05) {
                    br = Bracket { lo: rng.gen_range(-1.0..4.0) };
                }
                let want = top_sum(&mut v.clone(), k, &mut w, None);
                let got = top_sum_bracket(&v, k, &mut br, &mut e, &mut w);
                assert!((got - want).abs() <= 1e-12 * want.abs().max(1.0), "{got} vs {want}");
                // Pure: the same with a fresh bracket, bit for bit.
                let fresh = top_sum_bracket(&v, k, &mut Bracket::default(), &mut e, &mut w);
                assert_eq!(fresh.to_bits(), got.to_bits());
            }
        }
    }

    #[test]
    fn sort3_matches_sort() {
        let cells = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0)];
        for a in cells {
            for b in cells {
                for c in cells {
                    let mut g = [a, b, c];
                    let mut want = g;
                    sort3_by_key(&mut g, |(r, c)| (c, r));
                    want.sort_unstable_by_key(|&(r, c)| (c, r));
                    assert_eq!(g, want);
                    let mut g = [a, b, c];
                    let mut want = g;
                    sort3_by_key(&mut g, |x| x);
                    want.sort_unstable();
                    assert_eq!(g, want);
                }
            }
        }
    }

    #[test]
    fn kth_smallest_matches_total_order_sort() {
        let mut rng = ChaCha8Rng::seed_from_u64(23);
        for _ in 0..2000 {
            let n = rng.gen_range(1..80);
            let v: Vec<f64> = (0..n)
                .map(|_| match rng.gen_range(0..5) {
                    0 => 0.0,
                    1 => -0.0,
                    2 => rng.gen_range(-2..3) as f64,
                    _ => rng.gen_range(-3.0..3.0),
                })
                .collect();
            let j = rng.gen_range(0..n.min(4 * BRACKET + 1));
            let mut s = v.clone();
            s.sort_unstable_by(|a, b| a.total_cmp(b));
            assert_eq!(kth_smallest(&v, j).to_bits(), s[j].to_bits());
        }
    }

    #[test]
    fn allocation_partial_overlap_correction() {
        // 10 x 10 cells of 10 x 10; a 20 x 20 macro aligned on cells: no correction.
        let g = Grid { cols: 10, rows: 10, gw: 10.0, gh: 10.0 };
        let mut got = Vec::new();
        g.for_alloc(20.0, 20.0, 20.0, 20.0, 1.0, 1.0, |c, dv, dh| got.push((c, dv, dh)));
        // Range rows 1..=3, cols 1..=3: the far corner lands on the next cell with zero
        // overlap, so that row and column count as partial; their removed contribution is 0.
        let sum_v: f64 = got.iter().map(|x| x.1).sum();
        let sum_h: f64 = got.iter().map(|x| x.2).sum();
        assert_eq!(sum_v, 40.0);
        assert_eq!(sum_h, 40.0);
        // [5, 25] x [10, 30]: the left and right columns are partial (dx = 5), so the right
        // column's H allocation (2 cells x 10) is removed: 60 - 20.
        got.clear();
        g.for_alloc(15.0, 20.0, 20.0, 20.0, 1.0, 1.0, |c, dv, dh| got.push((c, dv, dh)));
        assert_eq!(got.iter().map(|x| x.1).sum::<f64>(), 40.0);
        assert_eq!(got.iter().map(|x| x.2).sum::<f64>(), 40.0);
        assert_eq!(got.iter().filter(|x| x.2 < 0.0).count(), 2);
        // Centred inside one cell: one cell, dx * av and dy * ah.
        got.clear();
        g.for_alloc(55.0, 55.0, 4.0, 6.0, 2.0, 3.0, |c, dv, dh| got.push((c, dv, dh)));
        assert_eq!(got, vec![(55, 12.0, 12.0)]);
    }
}
