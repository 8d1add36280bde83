//! Clustering ("grouping") of a flat netlist's standard cells into soft macros, in the line of
//! Circuit Training's grouping (`CIRCUIT_TRAINING.md` §7).
//!
//! [`cluster`] turns a flat netlist (standard cells, hard macros, ports; `.pb.txt` with
//! `STDCELL` nodes or Bookshelf) into a clustered one that the rest of chipfloor places:
//!
//! 1. **Canvas and grid.** The canvas is the flat netlist's (header `FP bbox`/`Width`), else
//!    [`ClusterConfig::canvas`], else a square of side `sqrt(A / 0.6)` with `A` = hard-macro
//!    area + bloated standard-cell area (Google's default rule). The grid is
//!    [`ClusterConfig::grid`] or [`grid::choose_grid`] (automatic, documented there).
//! 2. **Hypergraph.** Vertices: the standard cells (weight = area) plus one zero-weight
//!    *anchor* vertex per hard macro (all its pins) and per port group (ports bucketed by the
//!    nearest canvas side, sorted along it, a new group where the gap exceeds one grid-cell
//!    width or height, as CT's fixed groups do, or where the group would span more than one
//!    grid cell). Edges: every net with at most
//!    [`ClusterConfig::high_fanout`] sinks (larger nets are ignored, CT's 500-sink rule), over
//!    its distinct vertices, weight = net weight; edges with no standard cell or with fewer
//!    than two vertices are dropped. Anchors are free, zero-weight vertices: cells that talk
//!    to the same macro or port group are pulled into one cluster, so a cluster is near the
//!    macros and ports it talks to once the placer pulls it there.
//! 3. **Partition** into [`ClusterConfig::clusters`] parts with [`partition::partition`]
//!    (multilevel recursive bisection, FM refinement, area balance
//!    [`ClusterConfig::imbalance`]). Empty parts are dropped and the rest renumbered `0..n`
//!    in part order.
//!    3b. **Break-up** (CT's `breakup`, when the flat input has positions and
//!    [`ClusterConfig::breakup`]): a cluster whose cells' bounding box is wider or taller than
//!    `L = sqrt(W·H/16)` is split into 2-D buckets of side `L` centred on its area-weighted
//!    centroid; buckets with fewer than a quarter of the average cluster's cell count join the
//!    nearest larger bucket of the same cluster (by bucket centre; all of them join the largest
//!    when none is larger). The bucket with the most cells keeps the cluster id, the others
//!    get new ids after the last one. CT's later merge of small clusters into neighbouring
//!    ones is not done.
//! 4. **Clustered netlist** (CT's writer, §7 step 7): cluster `g` becomes soft macro
//!    `Grp_<g>` with area `Σ cell area / U`, **square**: `w = h = sqrt(area)`; the bloating
//!    ratio `1/U` is recorded in `__metadata__`. `U` is [`ClusterConfig::utilization`] when
//!    given, else CT's `cell_area_utilization` default 0.5 raised, when the bloated cells
//!    would not fit, to `min(1, A_cells / (W·H − A_hard))` (so the soft macros cover at most
//!    the canvas area the hard macros leave free; ibm01 gets 0.65, ariane133 keeps 0.5).
//!    Pins: one `Grp_<g>/Pinput` that every net reaching the cluster from outside targets;
//!    for nets driven from inside the cluster, one `Grp_<g>/Poutput_single_<k>` per distinct
//!    single external target (weight = Σ weights of the collapsed nets) and one
//!    `Grp_<g>/Poutput_multi_<k>` per distinct set of several external targets (weight = Σ
//!    weights). Nets internal to one cluster and ignored high-fanout nets are dropped; nets
//!    driven by ports and hard-macro pins keep their driver and weight, with cluster sinks
//!    replaced by the clusters' input pins (deduplicated). Ports, hard macros and their pins
//!    are copied unchanged, in their original order, before the soft macros.
//! 5. **Initial placement.** Ports fixed where they are, hard macros at their flat positions;
//!    a soft macro at the area-weighted centroid of its cells when the flat input has
//!    positions (its standard cells are not all at one point), else at the mean position of
//!    the hard macros and ports it shares nets with, else at the canvas centre; clamped so it
//!    lies inside the canvas.
//!
//! Same netlist + same [`ClusterConfig`] → the same clusters, byte for byte.

pub mod grid;
pub mod hypergraph;
pub mod partition;

use std::collections::BTreeMap;
use std::time::Instant;

use crate::model::{Netlist, NetlistBuilder, NetlistHeader, NodeId, NodeKind, NodeSpec, Placement};
use crate::plc::PlcHeader;

pub use grid::{choose_grid, GridChoice};
pub use hypergraph::Hypergraph;
pub use partition::partition;

/// Clustering parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterConfig {
    /// Number of clusters (CT `num_groups`; default 500).
    pub clusters: usize,
    /// Seed of every random choice.
    pub seed: u64,
    /// Cell-area utilisation `U` of a soft macro (soft area = cell area / U, `0 < U ≤ 1`);
    /// `None`: CT's 0.5, raised to fit the free canvas area (module docs).
    pub utilization: Option<f64>,
    /// Nets with more sinks than this are ignored (CT: 500).
    pub high_fanout: usize,
    /// Allowed area imbalance of the partition (0.1: a cluster's cell area is at most 1.1 ×
    /// the average, up to cell granularity).
    pub imbalance: f64,
    /// Grid (columns, rows); `None`: [`choose_grid`].
    pub grid: Option<(u32, u32)>,
    /// Canvas (width, height); `None`: the netlist's, else the default rule.
    pub canvas: Option<(f64, f64)>,
    /// CT's break-up of geometrically spread clusters (module docs, step 3b; default on, and
    /// only when the flat input has positions).
    pub breakup: bool,
    /// Hard macros and port groups take part in the partition as zero-area anchor vertices
    /// (default); `false`: the partition sees standard cells only.
    pub anchors: bool,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            clusters: 500,
            seed: 1,
            utilization: None,
            high_fanout: 500,
            imbalance: 0.1,
            grid: None,
            canvas: None,
            breakup: true,
            anchors: true,
        }
    }
}

/// What clustering produced, for reports.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClusterStats {
    /// Standard cells of the flat netlist.
    pub std_cells: usize,
    /// Non-empty clusters (soft macros).
    pub clusters: usize,
    /// Cells per cluster: min, median, max.
    pub cells: (usize, usize, usize),
    /// Standard-cell area per cluster (before bloating): min, median, max.
    pub area: (f64, f64, f64),
    /// Nets ignored for having more than `high_fanout` sinks.
    pub ignored_nets: usize,
    /// Hypergraph edges (nets with a standard cell, after the fan-out rule).
    pub hyperedges: usize,
    /// Hyperedges whose standard cells lie in more than one cluster.
    pub cut_nets: usize,
    /// Nets of the clustered netlist.
    pub clustered_nets: usize,
    /// Port groups used as anchors.
    pub port_groups: usize,
    /// Canvas used.
    pub canvas: (f64, f64),
    /// Grid used.
    pub grid: (u32, u32),
    /// Whether the grid was chosen automatically.
    pub grid_auto: bool,
    /// Whether soft macros start at their cells' centroid (the flat input had positions).
    pub from_positions: bool,
    /// Larger side of the clusters' cell bounding boxes in the flat placement: median, max,
    /// and the number of clusters over CT's break-up limit `sqrt(W·H/16)` (CT splits those;
    /// chipfloor only reports them). Meaningless when the flat input has no positions.
    pub spread: (f64, f64, usize),
    /// Clusters split by the geometric break-up (step 3b of the module docs).
    pub broken_up: usize,
    /// Utilisation `U` used (soft area = cell area / U).
    pub utilization: f64,
    /// Seconds spent partitioning.
    pub partition_s: f64,
    /// Seconds in total.
    pub total_s: f64,
}

/// A clustered design.
#[derive(Clone, Debug)]
pub struct Clustered {
    /// The clustered netlist.
    pub netlist: Netlist,
    /// Its initial placement.
    pub placement: Placement,
    /// The basic `.plc` header (canvas, grid, CT default routing values, notes).
    pub plc_header: PlcHeader,
    /// Cluster of every node of the flat netlist (`Some` for standard cells).
    pub assignment: Vec<Option<u32>>,
    /// Statistics.
    pub stats: ClusterStats,
}

/// Circuit Training's default routing values (`PROXY_COST.md`): routes per µm h/v,
/// macro routing allocation h/v.
const CT_ROUTES: (f64, f64, f64, f64) = (57.031, 56.818, 39.583, 30.303);

/// Where a net end lands in the clustered netlist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum End {
    /// A cluster (its input pin as a sink, an output pin as a driver).
    Group(u32),
    /// A port or hard-macro pin (flat node id).
    Node(u32),
}

/// Clusters a flat netlist (see the module docs).
pub fn cluster(nl: &Netlist, cfg: &ClusterConfig) -> Result<Clustered, String> {
    let t_start = Instant::now();
    if cfg.clusters == 0 {
        return Err("the number of clusters must be at least 1".into());
    }
    if let Some(u) = cfg.utilization {
        if !(u.is_finite() && u > 0.0 && u <= 1.0) {
            return Err(format!("utilization must lie in (0, 1] (got {u})"));
        }
    }
    let counts = nl.counts();
    if counts.soft_macros > 0 {
        return Err(format!(
            "the netlist already has {} soft macros; clustering needs a flat netlist",
            counts.soft_macros
        ));
    }
    if counts.std_cells == 0 {
        return Err("the netlist has no standard cells to cluster".into());
    }
    let cells: Vec<NodeId> = nl.of_kind(NodeKind::StdCell);
    let mut cell_index = vec![u32::MAX; nl.len()];
    for (i, &c) in cells.iter().enumerate() {
        cell_index[c.index()] = i as u32;
    }
    let cell_area: f64 = cells.iter().map(|&c| nl.area(c)).sum();
    let hard_area: f64 = nl.hard_macros().iter().map(|&m| nl.area(m)).sum();

    // 1. Canvas and grid.
    let canvas = match cfg.canvas.or(nl.header.canvas) {
        Some(c) => c,
        None => {
            let s = ((hard_area + cell_area / cfg.utilization.unwrap_or(0.5)) / 0.6).sqrt();
            (s, s)
        }
    };
    let free = canvas.0 * canvas.1 - hard_area;
    let util = match cfg.utilization {
        Some(u) => u,
        None if free > 0.0 && cell_area / 0.5 > free => (cell_area / free).min(1.0),
        None => 0.5,
    };
    let (grid, grid_auto) = match cfg.grid {
        Some(g) => (g, false),
        None => {
            let g = choose_grid(nl, canvas.0, canvas.1);
            ((g.cols, g.rows), true)
        }
    };

    // 2. Hypergraph: cells, then anchors (hard macros, port groups).
    let mut anchor_of = vec![u32::MAX; nl.len()];
    let mut next = cells.len() as u32;
    for m in nl.hard_macros() {
        anchor_of[m.index()] = next;
        next += 1;
    }
    let port_groups = port_groups(nl, canvas, grid);
    for g in &port_groups {
        for &p in g {
            anchor_of[p.index()] = next;
        }
        next += 1;
    }
    let vertex_of = |id: NodeId| -> Option<u32> {
        let i = id.index();
        match nl.kinds[i] {
            NodeKind::StdCell => Some(cell_index[i]),
            NodeKind::Port if cfg.anchors => Some(anchor_of[i]),
            NodeKind::HardMacroPin if cfg.anchors => nl.owner[i].map(|o| anchor_of[o.index()]),
            _ => None,
        }
    };
    let mut vwgt: Vec<f64> = cells.iter().map(|&c| nl.area(c)).collect();
    vwgt.resize(next as usize, 0.0);
    let nets = &nl.nets;
    let mut ignored_nets = 0;
    let mut edges = Vec::new();
    let ncells = cells.len() as u32;
    for n in 0..nets.len() {
        let sinks = nets.sinks_of(crate::NetId(n as u32));
        if sinks.len() > cfg.high_fanout {
            ignored_nets += 1;
            continue;
        }
        let mut e: Vec<u32> = std::iter::once(nets.driver[n])
            .chain(sinks.iter().copied())
            .filter_map(vertex_of)
            .collect();
        if e.iter().any(|&v| v < ncells) {
            e.sort_unstable();
            e.dedup();
            if e.len() >= 2 {
                edges.push((e, nets.weight[n]));
            }
        }
    }
    let h = Hypergraph::new(vwgt, edges);

    // 3. Partition.
    let t_part = Instant::now();
    let raw = partition(&h, cfg.clusters, cfg.imbalance, cfg.seed);
    let partition_s = t_part.elapsed().as_secs_f64();
    let mut renum = vec![u32::MAX; cfg.clusters.max(1)];
    let mut nclusters = 0u32;
    let mut used = vec![false; renum.len()];
    for &p in &raw[..cells.len()] {
        used[p as usize] = true;
    }
    for (p, u) in used.iter().enumerate() {
        if *u {
            renum[p] = nclusters;
            nclusters += 1;
        }
    }
    let mut group: Vec<u32> = raw[..cells.len()].iter().map(|&p| renum[p as usize]).collect();
    let (x0, y0) = (nl.x[cells[0].index()], nl.y[cells[0].index()]);
    let has_positions = cells.iter().any(|&c| nl.x[c.index()] != x0 || nl.y[c.index()] != y0);
    let broken_up = if cfg.breakup && has_positions {
        let limit = (canvas.0 * canvas.1 / 16.0).sqrt();
        breakup(nl, &cells, &mut group, &mut nclusters, limit)
    } else {
        0
    };
    let cut_nets = (0..h.edges())
        .filter(|&e| {
            let mut g = None;
            h.edge(e).iter().filter(|&&v| v < ncells).any(|&v| {
                let gv = group[v as usize];
                *g.get_or_insert(gv) != gv
            })
        })
        .count();

    // 4 + 5. Clustered netlist and placement.
    let built =
        build(nl, cfg, util, &cells, &group, nclusters as usize, canvas, grid, &cell_index)?;
    let mut per_cells = vec![0usize; nclusters as usize];
    let mut per_area = vec![0.0f64; nclusters as usize];
    for (i, &g) in group.iter().enumerate() {
        per_cells[g as usize] += 1;
        per_area[g as usize] += nl.area(cells[i]);
    }
    // Geometric spread in the flat placement: the larger side of each cluster's cell bbox.
    let mut bbox =
        vec![(f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY); per_cells.len()];
    for (i, &g) in group.iter().enumerate() {
        let (x, y) = (nl.x[cells[i].index()], nl.y[cells[i].index()]);
        let b = &mut bbox[g as usize];
        *b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
    }
    let mut side: Vec<f64> = bbox.iter().map(|b| (b.2 - b.0).max(b.3 - b.1)).collect();
    side.sort_by(f64::total_cmp);
    let limit = (canvas.0 * canvas.1 / 16.0).sqrt();
    let spread =
        (side[side.len() / 2], side[side.len() - 1], side.iter().filter(|&&s| s > limit).count());
    per_cells.sort_unstable();
    per_area.sort_by(f64::total_cmp);
    let mid = per_cells.len() / 2;
    let stats = ClusterStats {
        std_cells: cells.len(),
        clusters: nclusters as usize,
        cells: (per_cells[0], per_cells[mid], per_cells[per_cells.len() - 1]),
        area: (per_area[0], per_area[mid], per_area[per_area.len() - 1]),
        ignored_nets,
        hyperedges: h.edges(),
        cut_nets,
        clustered_nets: built.0.nets.len(),
        port_groups: port_groups.len(),
        canvas,
        grid,
        grid_auto,
        from_positions: built.2,
        spread,
        broken_up,
        utilization: util,
        partition_s,
        total_s: t_start.elapsed().as_secs_f64(),
    };
    let mut assignment = vec![None; nl.len()];
    for (i, &c) in cells.iter().enumerate() {
        assignment[c.index()] = Some(group[i]);
    }
    let plc_header = PlcHeader {
        columns: Some(grid.0),
        rows: Some(grid.1),
        width: Some(canvas.0),
        height: Some(canvas.1),
        hroutes_per_micron: Some(CT_ROUTES.0),
        vroutes_per_micron: Some(CT_ROUTES.1),
        hrouting_alloc: Some(CT_ROUTES.2),
        vrouting_alloc: Some(CT_ROUTES.3),
        smoothing_factor: Some(0.0),
        block: nl.header.block.clone(),
        notes: vec![format!(
            " Clustered by chipfloor : {} clusters of {} standard cells, seed {}, utilization {}",
            stats.clusters, stats.std_cells, cfg.seed, util
        )],
        ..Default::default()
    };
    Ok(Clustered { netlist: built.0, placement: built.1, plc_header, assignment, stats })
}

/// CT's break-up (module docs, step 3b); returns the number of clusters split.
fn breakup(nl: &Netlist, cells: &[NodeId], group: &mut [u32], k: &mut u32, limit: f64) -> usize {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); *k as usize];
    for (i, &g) in group.iter().enumerate() {
        members[g as usize].push(i);
    }
    let min_cells = (cells.len() / (*k as usize).max(1) / 4).max(1);
    let pos = |i: usize| (nl.x[cells[i].index()], nl.y[cells[i].index()]);
    let mut split = 0;
    for list in &members {
        let (mut x0, mut y0, mut x1, mut y1) =
            (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
        let (mut ax, mut ay, mut aw) = (0.0, 0.0, 0.0);
        for &i in list {
            let (x, y) = pos(i);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            let a = nl.area(cells[i]).max(1e-12);
            (ax, ay, aw) = (ax + a * x, ay + a * y, aw + a);
        }
        if (x1 - x0).max(y1 - y0) <= limit {
            continue;
        }
        let (cx, cy) = (ax / aw, ay / aw);
        let key = |i: usize| {
            let (x, y) = pos(i);
            (((x - cx) / limit + 0.5).floor() as i64, ((y - cy) / limit + 0.5).floor() as i64)
        };
        let mut buckets: BTreeMap<(i64, i64), Vec<usize>> = BTreeMap::new();
        for &i in list {
            buckets.entry(key(i)).or_default().push(i);
        }
        if buckets.len() < 2 {
            continue;
        }
        // Tiny buckets join the nearest big bucket (or the largest when none is big).
        let big: Vec<(i64, i64)> =
            buckets.iter().filter(|(_, v)| v.len() >= min_cells).map(|(b, _)| *b).collect();
        let largest = *buckets
            .iter()
            .max_by(|a, b| a.1.len().cmp(&b.1.len()).then(b.0.cmp(a.0)))
            .map(|(b, _)| b)
            .unwrap_or(&(0, 0));
        let keys: Vec<(i64, i64)> = buckets.keys().copied().collect();
        for b in keys {
            if buckets[&b].len() >= min_cells {
                continue;
            }
            let target = big
                .iter()
                .min_by_key(|t| ((t.0 - b.0).abs() + (t.1 - b.1).abs(), **t))
                .copied()
                .unwrap_or(largest);
            if target != b {
                let moved = buckets.remove(&b).unwrap_or_default();
                buckets.entry(target).or_default().extend(moved);
            }
        }
        if buckets.len() < 2 {
            continue;
        }
        let keep = *buckets
            .iter()
            .max_by(|a, b| a.1.len().cmp(&b.1.len()).then(b.0.cmp(a.0)))
            .map(|(b, _)| b)
            .unwrap_or(&(0, 0));
        for (b, list) in &buckets {
            if *b == keep {
                continue;
            }
            for &i in list {
                group[i] = *k;
            }
            *k += 1;
        }
        split += 1;
    }
    split
}

/// Ports bucketed per nearest canvas side, sorted along it (node order for equal
/// coordinates), split where the gap to the previous port or the span of the group exceeds
/// one grid cell.
fn port_groups(nl: &Netlist, canvas: (f64, f64), grid: (u32, u32)) -> Vec<Vec<NodeId>> {
    let (w, h) = canvas;
    let (cw, ch) = (w / grid.0 as f64, h / grid.1 as f64);
    let mut sides: [Vec<(f64, NodeId)>; 4] = Default::default();
    for p in nl.ports() {
        let (x, y) = (nl.x[p.index()], nl.y[p.index()]);
        let d = [x, w - x, y, h - y];
        let mut s = 0;
        for k in 1..4 {
            if d[k] < d[s] {
                s = k;
            }
        }
        let along = if s < 2 { y } else { x };
        sides[s].push((along, p));
    }
    let mut groups = Vec::new();
    for (s, list) in sides.iter_mut().enumerate() {
        list.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let gap = if s < 2 { ch } else { cw };
        let mut cur: Vec<NodeId> = Vec::new();
        let (mut first, mut last) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        for &(a, p) in list.iter() {
            if !cur.is_empty() && (a - last > gap || a - first > gap) {
                groups.push(std::mem::take(&mut cur));
            }
            if cur.is_empty() {
                first = a;
            }
            cur.push(p);
            last = a;
        }
        if !cur.is_empty() {
            groups.push(cur);
        }
    }
    groups
}

/// Builds the clustered netlist and its placement; the flag says whether cell positions
/// were used.
#[allow(clippy::too_many_arguments)]
fn build(
    nl: &Netlist,
    cfg: &ClusterConfig,
    util: f64,
    cells: &[NodeId],
    group: &[u32],
    k: usize,
    canvas: (f64, f64),
    grid: (u32, u32),
    cell_index: &[u32],
) -> Result<(Netlist, Placement, bool), String> {
    let end_of = |id: NodeId| -> Option<End> {
        let i = id.index();
        match nl.kinds[i] {
            NodeKind::StdCell => Some(End::Group(group[cell_index[i] as usize])),
            NodeKind::Port | NodeKind::HardMacroPin => Some(End::Node(i as u32)),
            _ => None,
        }
    };
    // Collapse nets.
    let mut single: BTreeMap<(u32, End), f64> = BTreeMap::new();
    let mut multi: BTreeMap<(u32, Vec<End>), f64> = BTreeMap::new();
    let mut node_nets: Vec<(u32, Vec<End>, f64)> = Vec::new();
    let mut has_input = vec![false; k];
    let nets = &nl.nets;
    for n in 0..nets.len() {
        let sinks = nets.sinks_of(crate::NetId(n as u32));
        if sinks.len() > cfg.high_fanout {
            continue;
        }
        let Some(d) = end_of(nets.driver[n]) else { continue };
        let mut s: Vec<End> = sinks.iter().filter_map(|&t| end_of(t)).filter(|&t| t != d).collect();
        s.sort_unstable();
        s.dedup();
        if s.is_empty() {
            continue;
        }
        for t in &s {
            if let End::Group(g) = t {
                has_input[*g as usize] = true;
            }
        }
        let w = nets.weight[n];
        match d {
            End::Group(g) if s.len() == 1 => *single.entry((g, s[0])).or_insert(0.0) += w,
            End::Group(g) => *multi.entry((g, s)).or_insert(0.0) += w,
            End::Node(i) => node_nets.push((i, s, w)),
        }
    }
    // Cluster geometry.
    let mut area = vec![0.0f64; k];
    let mut sx = vec![0.0f64; k];
    let mut sy = vec![0.0f64; k];
    let mut cnt = vec![0usize; k];
    let (x0, y0) = (nl.x[cells[0].index()], nl.y[cells[0].index()]);
    let from_positions = cells.iter().any(|&c| nl.x[c.index()] != x0 || nl.y[c.index()] != y0);
    for (i, &c) in cells.iter().enumerate() {
        let g = group[i] as usize;
        let a = nl.area(c);
        area[g] += a;
        cnt[g] += 1;
        sx[g] += nl.x[c.index()] * a;
        sy[g] += nl.y[c.index()] * a;
    }
    let mut centre: Vec<(f64, f64)> = vec![(canvas.0 / 2.0, canvas.1 / 2.0); k];
    if from_positions {
        let mut mx = vec![0.0f64; k];
        let mut my = vec![0.0f64; k];
        for (i, &c) in cells.iter().enumerate() {
            mx[group[i] as usize] += nl.x[c.index()];
            my[group[i] as usize] += nl.y[c.index()];
        }
        for g in 0..k {
            centre[g] = if area[g] > 0.0 {
                (sx[g] / area[g], sy[g] / area[g])
            } else {
                (mx[g] / cnt[g] as f64, my[g] / cnt[g] as f64)
            };
        }
    } else {
        // Mean position of the ports and hard macros a cluster shares nets with.
        let pos = |i: u32| -> (f64, f64) {
            let i = i as usize;
            let o = nl.owner[i].map_or(i, |o| o.index());
            (nl.x[o], nl.y[o])
        };
        let mut acc = vec![(0.0f64, 0.0f64, 0usize); k];
        let mut add = |g: u32, p: (f64, f64)| {
            let a = &mut acc[g as usize];
            a.0 += p.0;
            a.1 += p.1;
            a.2 += 1;
        };
        for (g, t) in single.keys() {
            if let End::Node(i) = t {
                add(*g, pos(*i));
            }
        }
        for (g, ts) in multi.keys() {
            for t in ts {
                if let End::Node(i) = t {
                    add(*g, pos(*i));
                }
            }
        }
        for (i, ts, _) in &node_nets {
            for t in ts {
                if let End::Group(g) = t {
                    add(*g, pos(*i));
                }
            }
        }
        for g in 0..k {
            if acc[g].2 > 0 {
                centre[g] = (acc[g].0 / acc[g].2 as f64, acc[g].1 / acc[g].2 as f64);
            }
        }
    }
    // Nodes: every non-cell node in order, then the clusters.
    let mut b = NetlistBuilder::new();
    let mut new_id = vec![u32::MAX; nl.len()];
    for id in nl.ids() {
        let i = id.index();
        if nl.kinds[i] == NodeKind::StdCell {
            continue;
        }
        new_id[i] = b.len() as u32;
        b.push(NodeSpec {
            name: nl.names[i].clone(),
            kind: Some(nl.kinds[i]),
            width: nl.width[i],
            height: nl.height[i],
            x: nl.x[i],
            y: nl.y[i],
            orientation: nl.orientation[i],
            owner: nl.owner[i].map(|o| nl.names[o.index()].clone()),
            offset: nl.pin_offset[i],
            weight: nl.weight[i],
            extra_attrs: nl.extra_attrs[i].clone(),
            ..Default::default()
        });
    }
    let soft_first = b.len();
    let mut input_pin = vec![u32::MAX; k];
    let mut soft_ids = vec![0u32; k];
    let mut outputs: Vec<Vec<(String, f64, Vec<End>)>> = vec![Vec::new(); k];
    for ((g, t), w) in &single {
        let name = format!("Grp_{g}/Poutput_single_{}", outputs[*g as usize].len());
        outputs[*g as usize].push((name, *w, vec![*t]));
    }
    let mut multi_count = vec![0usize; k];
    for ((g, ts), w) in &multi {
        let name = format!("Grp_{g}/Poutput_multi_{}", multi_count[*g as usize]);
        multi_count[*g as usize] += 1;
        outputs[*g as usize].push((name, *w, ts.clone()));
    }
    let mut driver_nets: Vec<(u32, Vec<End>, f64)> = Vec::new();
    for g in 0..k {
        let side = (area[g] / util).sqrt().max(1e-3);
        let (cx, cy) = centre[g];
        let clamp = |v: f64, lim: f64| {
            if lim >= side {
                v.clamp(side / 2.0, lim - side / 2.0)
            } else {
                lim / 2.0
            }
        };
        let name = format!("Grp_{g}");
        soft_ids[g] = b.len() as u32;
        b.push(NodeSpec {
            name: name.clone(),
            kind: Some(NodeKind::SoftMacro),
            width: side,
            height: side,
            x: clamp(cx, canvas.0),
            y: clamp(cy, canvas.1),
            ..Default::default()
        });
        if has_input[g] {
            input_pin[g] = b.len() as u32;
            b.push(NodeSpec {
                name: format!("{name}/Pinput"),
                kind: Some(NodeKind::SoftMacroPin),
                owner: Some(name.clone()),
                ..Default::default()
            });
        }
        for (pin, w, ts) in std::mem::take(&mut outputs[g]) {
            driver_nets.push((b.len() as u32, ts, w));
            b.push(NodeSpec {
                name: pin,
                kind: Some(NodeKind::SoftMacroPin),
                owner: Some(name.clone()),
                weight: Some(w),
                ..Default::default()
            });
        }
    }
    let _ = soft_first;
    for (i, ts, w) in node_nets {
        driver_nets.push((new_id[i as usize], ts, w));
    }
    driver_nets.sort_by_key(|d| d.0);
    b.header = NetlistHeader {
        canvas: Some(canvas),
        grid: Some(grid),
        block: nl.header.block.clone(),
        blockages: nl.header.blockages.clone(),
        comments: Vec::new(),
    };
    b.soft_macro_area_bloating_ratio = Some(1.0 / util);
    let mut out =
        b.build().map_err(|e| format!("clustered netlist is inconsistent: {}", e.message))?;
    out.header.comments = vec![
        format!(
            " Clustered by chipfloor: {} soft macros from {} standard cells (seed {}, utilization {})",
            k,
            cells.len(),
            cfg.seed,
            util
        ),
        format!(" FP bbox: {{0 0}} {{{} {}}}", canvas.0, canvas.1),
        format!(" Columns : {}  Rows : {}", grid.0, grid.1),
    ];
    if let Some(bn) = &nl.header.block {
        out.header.comments.push(format!(" Block : {bn}"));
    }
    let mut nets_out = crate::Nets::default();
    nets_out.sink_start.push(0);
    let mut buf = Vec::new();
    for (d, ts, w) in driver_nets {
        buf.clear();
        buf.extend(ts.iter().map(|t| match *t {
            End::Group(g) => NodeId(input_pin[g as usize]),
            End::Node(i) => NodeId(new_id[i as usize]),
        }));
        nets_out.push(NodeId(d), w, &buf);
    }
    out.nets = nets_out;
    let mut pl = out.initial_placement();
    for id in out.ids() {
        if out.kind(id) == NodeKind::Port {
            pl.fixed[id.index()] = true;
        }
    }
    Ok((out, pl, from_positions))
}

/// Macro-only HPWL: `Σ w · HPWL` over the nets of `nl` restricted to hard-macro pins and
/// ports (pin positions from `pl`; nets with fewer than two such pins contribute 0). On a
/// netlist clustered by [`cluster`] this equals the same sum over the flat netlist's nets
/// (high-fanout nets excluded): collapsing nets into soft-macro pins keeps every net's set of
/// hard-macro pins and ports and sums weights of identical ones.
pub fn macro_hpwl(nl: &Netlist, pl: &Placement) -> f64 {
    let nets = &nl.nets;
    let mut total = 0.0;
    for n in 0..nets.len() {
        let (mut x0, mut y0, mut x1, mut y1) =
            (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
        let mut count = 0;
        for id in std::iter::once(nets.driver[n])
            .chain(nets.sinks_of(crate::NetId(n as u32)).iter().copied())
        {
            if !matches!(nl.kind(id), NodeKind::HardMacroPin | NodeKind::Port) {
                continue;
            }
            let (x, y) = pl.pin_position(nl, id);
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
            count += 1;
        }
        if count >= 2 {
            total += nets.weight[n] * ((x1 - x0) + (y1 - y0));
        }
    }
    total
}

#[cfg(test)]
mod tests;
