//! The static netlist graph the policy sees (`CIRCUIT_TRAINING.md` §4.5).
//!
//! Graph nodes are all macros (hard and soft) in ascending node index, then the **port
//! clusters**: all ports in the same placement-grid cell form one node, in ascending cell
//! order, positioned at the canvas corner (corner cells), the midpoint of the cell's outer edge
//! (edge cells) or the cell centre (interior cells).
//!
//! Edges: one undirected edge per pair of graph nodes that share connections. For every net
//! (driver `d`, weight `w`) and every sink `s` whose graph nodes differ, the pair
//! `(g(d), g(s))` gains `w` (star model; a soft-macro pin weight counts as that many wires, so
//! 100 parallel connections give weight 100). A pin maps to its owner macro, a port to its
//! cluster. Standard cells (flat netlists) are not graph nodes: cluster a flat netlist first;
//! their connections are ignored here.

use std::collections::BTreeMap;

use netlists::{Netlist, NodeId, NodeKind, Placement};
use placer::cost::CostParams;
use placer::place::PlacementGrid;

/// Type code of a graph node (CT `node_types`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum GraphNodeType {
    /// Hard macro (1).
    HardMacro = 1,
    /// Soft macro (2).
    SoftMacro = 2,
    /// Port cluster (3).
    PortCluster = 3,
}

/// Normalisers of the metadata features (CT `max_num_nodes`, `max_num_edges`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GraphLimits {
    /// `max_num_nodes` (CT default 5000).
    pub max_nodes: usize,
    /// `max_num_edges` (CT default 70000).
    pub max_edges: usize,
}

impl Default for GraphLimits {
    fn default() -> Self {
        GraphLimits { max_nodes: 5000, max_edges: 70000 }
    }
}

/// Number of metadata scalars ([`StaticGraph::metadata`]).
pub const METADATA_LEN: usize = 12;

/// Per-netlist constant features.
#[derive(Clone, Debug, PartialEq)]
pub struct StaticGraph {
    /// Node id of each macro graph node (the first `num_macros()` graph nodes).
    pub macro_nodes: Vec<NodeId>,
    /// Ports of each port cluster, and the cluster's position (µm).
    pub port_clusters: Vec<(Vec<NodeId>, f64, f64)>,
    /// Type of every graph node.
    pub node_types: Vec<GraphNodeType>,
    /// Hard-macro width / (W + H); 0 for soft macros and port clusters.
    pub macros_w: Vec<f32>,
    /// Hard-macro height / (W + H); 0 for soft macros and port clusters.
    pub macros_h: Vec<f32>,
    /// Edge endpoints (`i < j`), sorted.
    pub edge_i: Vec<u32>,
    /// Edge endpoints (`i < j`).
    pub edge_j: Vec<u32>,
    /// Edge weight divided by (mean weight + 1e-6).
    pub edge_w: Vec<f32>,
    /// Raw edge weights (connection counts).
    pub edge_w_raw: Vec<f64>,
    /// The 12 metadata scalars in CT order: normalized_num_edges, normalized_num_hard_macros,
    /// normalized_num_soft_macros, normalized_num_port_clusters, total_horizontal_routes_k,
    /// total_vertical_routes_k, total_macro_horizontal_routes_k,
    /// total_macro_vertical_routes_k, grid_cols, grid_rows, canvas_width, canvas_height.
    pub metadata: [f32; METADATA_LEN],
    /// Graph node of every netlist node (`u32::MAX` for nodes outside the graph).
    pub graph_index: Vec<u32>,
}

impl StaticGraph {
    /// Builds the graph of a netlist with ports at their positions in `pl`.
    ///
    /// `max_grid` is the model's action grid side (`grid_cols`/`grid_rows` features are
    /// divided by it).
    pub fn new(
        nl: &Netlist,
        pl: &Placement,
        params: &CostParams,
        limits: GraphLimits,
        max_grid: usize,
    ) -> StaticGraph {
        let grid = PlacementGrid::new(params);
        let (w, h) = (params.canvas_width, params.canvas_height);
        let norm = w + h;
        let mut graph_index = vec![u32::MAX; nl.len()];
        let mut macro_nodes = Vec::new();
        let mut node_types = Vec::new();
        let mut macros_w = Vec::new();
        let mut macros_h = Vec::new();
        for id in nl.ids() {
            let k = nl.kind(id);
            if k.is_macro() {
                graph_index[id.index()] = macro_nodes.len() as u32;
                macro_nodes.push(id);
                let hard = k == NodeKind::HardMacro;
                node_types.push(if hard {
                    GraphNodeType::HardMacro
                } else {
                    GraphNodeType::SoftMacro
                });
                macros_w.push(if hard { (nl.width[id.index()] / norm) as f32 } else { 0.0 });
                macros_h.push(if hard { (nl.height[id.index()] / norm) as f32 } else { 0.0 });
            }
        }
        // Port clusters by grid cell.
        let mut by_cell: BTreeMap<usize, Vec<NodeId>> = BTreeMap::new();
        for p in nl.ports() {
            by_cell.entry(grid.cell_of(pl.x[p.index()], pl.y[p.index()])).or_default().push(p);
        }
        let mut port_clusters = Vec::with_capacity(by_cell.len());
        for (cell, ports) in by_cell {
            let g = (macro_nodes.len() + port_clusters.len()) as u32;
            for p in &ports {
                graph_index[p.index()] = g;
            }
            let (x, y) = port_cluster_position(&grid, cell);
            port_clusters.push((ports, x, y));
            node_types.push(GraphNodeType::PortCluster);
            macros_w.push(0.0);
            macros_h.push(0.0);
        }
        for id in nl.ids() {
            if let Some(o) = nl.owner[id.index()] {
                graph_index[id.index()] = graph_index[o.index()];
            }
        }
        // Edges.
        let mut adj: BTreeMap<(u32, u32), f64> = BTreeMap::new();
        for n in 0..nl.nets.len() {
            let d = graph_index[nl.nets.driver[n].index()];
            if d == u32::MAX {
                continue;
            }
            let wt = nl.nets.weight[n];
            for s in nl.nets.sinks_of(netlists::NetId(n as u32)) {
                let g = graph_index[s.index()];
                if g == u32::MAX || g == d {
                    continue;
                }
                *adj.entry((d.min(g), d.max(g))).or_default() += wt;
            }
        }
        let edge_w_raw: Vec<f64> = adj.values().copied().collect();
        let total: f64 = edge_w_raw.iter().sum();
        let mean = if edge_w_raw.is_empty() { 0.0 } else { total / edge_w_raw.len() as f64 };
        let edge_i = adj.keys().map(|k| k.0).collect();
        let edge_j = adj.keys().map(|k| k.1).collect();
        let edge_w = edge_w_raw.iter().map(|w| (w / (mean + 1e-6)) as f32).collect();
        let count = |t: GraphNodeType| node_types.iter().filter(|&&x| x == t).count() as f32;
        let nmax = limits.max_nodes as f32;
        let g = max_grid as f32;
        let metadata = [
            (total / limits.max_edges as f64) as f32,
            count(GraphNodeType::HardMacro) / nmax,
            count(GraphNodeType::SoftMacro) / nmax,
            count(GraphNodeType::PortCluster) / nmax,
            (params.hroutes_per_micron * h / 1000.0) as f32,
            (params.vroutes_per_micron * w / 1000.0) as f32,
            (params.hrouting_alloc * h / 1000.0) as f32,
            // CT uses the horizontal allocation here (a known bug, CIRCUIT_TRAINING.md §11.2);
            // chipfloor uses the vertical one.
            (params.vrouting_alloc * w / 1000.0) as f32,
            params.cols as f32 / g,
            params.rows as f32 / g,
            (w / norm) as f32,
            (h / norm) as f32,
        ];
        StaticGraph {
            macro_nodes,
            port_clusters,
            node_types,
            macros_w,
            macros_h,
            edge_i,
            edge_j,
            edge_w,
            edge_w_raw,
            metadata,
            graph_index,
        }
    }

    /// Number of graph nodes.
    pub fn num_nodes(&self) -> usize {
        self.node_types.len()
    }
    /// Number of macro graph nodes (hard and soft).
    pub fn num_macros(&self) -> usize {
        self.macro_nodes.len()
    }
    /// Number of edges.
    pub fn num_edges(&self) -> usize {
        self.edge_i.len()
    }
}

/// Where a port cluster sits: corner cells at the canvas corner, edge cells at the midpoint of
/// the cell's outer edge, interior cells at the cell centre.
fn port_cluster_position(grid: &PlacementGrid, cell: usize) -> (f64, f64) {
    let (r, c) = grid.row_col(cell);
    let (cx, cy) = grid.centre(cell);
    let left = c == 0;
    let right = c + 1 == grid.cols;
    let bottom = r == 0;
    let top = r + 1 == grid.rows;
    let x = if left {
        0.0
    } else if right {
        grid.width
    } else {
        cx
    };
    let y = if bottom {
        0.0
    } else if top {
        grid.height
    } else {
        cy
    };
    match (left || right, bottom || top) {
        (true, true) => (x, y),
        (true, false) => (x, cy),
        (false, true) => (cx, y),
        (false, false) => (cx, cy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlists::generate::{generate, GenConfig};
    use placer::cost::{CostOverrides, CostParams};

    #[test]
    fn graph_of_a_generated_netlist() {
        let (nl, pl) = generate(&GenConfig {
            hard_macros: 6,
            soft_macros: 5,
            ports: 8,
            nets: 60,
            ..Default::default()
        })
        .unwrap();
        let params = CostParams::resolve(&nl, None, &CostOverrides::default()).unwrap();
        let g = StaticGraph::new(&nl, &pl, &params, GraphLimits::default(), 128);
        assert_eq!(g.num_macros(), 11);
        assert!(g.num_nodes() > 11 && g.num_nodes() <= 11 + 8);
        assert!(g.num_edges() > 0);
        for k in 0..g.num_edges() {
            assert!(g.edge_i[k] < g.edge_j[k]);
            assert!((g.edge_j[k] as usize) < g.num_nodes());
            assert!(g.edge_w_raw[k] > 0.0);
        }
        let mean: f32 = g.edge_w.iter().sum::<f32>() / g.num_edges() as f32;
        assert!((mean - 1.0).abs() < 1e-3);
        // Every port and pin maps into the graph.
        for id in nl.ids() {
            assert!(g.graph_index[id.index()] != u32::MAX, "{}", nl.name(id));
        }
        assert_eq!(g.metadata[8], 16.0 / 128.0);
    }

    #[test]
    fn port_cluster_positions() {
        let p = CostParams {
            canvas_width: 40.0,
            canvas_height: 30.0,
            cols: 4,
            rows: 3,
            ..Default::default()
        };
        let grid = PlacementGrid::new(&p);
        assert_eq!(port_cluster_position(&grid, 0), (0.0, 0.0));
        assert_eq!(port_cluster_position(&grid, 11), (40.0, 30.0));
        assert_eq!(port_cluster_position(&grid, 1), (15.0, 0.0));
        assert_eq!(port_cluster_position(&grid, 4), (0.0, 15.0));
        assert_eq!(port_cluster_position(&grid, 5), (15.0, 15.0));
    }
}
