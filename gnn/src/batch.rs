//! Turning `env` observations into a padded [`GraphBatch`].

use env::{GraphNodeType, Observation, StaticGraph};
use tch::{Device, Kind, Tensor};

use crate::model::{GraphBatch, NODE_FEATURES};

/// The parts of one step the model needs (the static graph is shared by all steps of a
/// netlist).
#[derive(Clone, Copy, Debug)]
pub struct StepView<'a> {
    /// The netlist's static graph.
    pub graph: &'a StaticGraph,
    /// Node x / (W + H).
    pub locations_x: &'a [f32],
    /// Node y / (W + H).
    pub locations_y: &'a [f32],
    /// 1 for placed nodes.
    pub is_node_placed: &'a [f32],
    /// Graph node to place.
    pub current_node: usize,
    /// Legal actions (`G²`).
    pub mask: &'a [bool],
    /// Wirelength map (`G²` bytes, `0..=255`; empty: none).
    pub wire: &'a [u8],
}

impl<'a> StepView<'a> {
    /// A view of an environment observation.
    pub fn of(graph: &'a StaticGraph, o: &'a Observation) -> StepView<'a> {
        StepView {
            graph,
            locations_x: &o.locations_x,
            locations_y: &o.locations_y,
            is_node_placed: &o.is_node_placed,
            current_node: o.current_node,
            mask: &o.mask,
            wire: &o.wire,
        }
    }
}

/// Pads and stacks steps into tensors on `device`. All masks must have the same length.
pub fn build(steps: &[StepView<'_>], device: Device) -> GraphBatch {
    let b = steps.len();
    let n = steps.iter().map(|s| s.graph.num_nodes()).max().unwrap_or(1).max(1);
    let e = steps.iter().map(|s| s.graph.num_edges()).max().unwrap_or(1).max(1);
    let a = steps.first().map_or(0, |s| s.mask.len());
    let f = NODE_FEATURES as usize;
    let mut nodes = vec![0f32; b * n * f];
    let mut live = vec![0f32; b * n];
    let mut ei = vec![0i64; b * e];
    let mut ej = vec![0i64; b * e];
    let mut ew = vec![0f32; b * e];
    let mut meta = vec![0f32; b * 12];
    let mut cur = vec![0i64; b];
    let mut mask = vec![false; b * a];
    let mut wire = vec![0f32; b * a];
    for (k, s) in steps.iter().enumerate() {
        let g = s.graph;
        for v in 0..g.num_nodes() {
            let o = (k * n + v) * f;
            let t = g.node_types[v];
            nodes[o] = s.locations_x[v];
            nodes[o + 1] = s.locations_y[v];
            nodes[o + 2] = g.macros_w[v];
            nodes[o + 3] = g.macros_h[v];
            nodes[o + 4] = (t == GraphNodeType::HardMacro) as u8 as f32;
            nodes[o + 5] = (t == GraphNodeType::SoftMacro) as u8 as f32;
            nodes[o + 6] = (t == GraphNodeType::PortCluster) as u8 as f32;
            nodes[o + 7] = s.is_node_placed[v];
            live[k * n + v] = 1.0;
        }
        for j in 0..g.num_edges() {
            ei[k * e + j] = g.edge_i[j] as i64;
            ej[k * e + j] = g.edge_j[j] as i64;
            ew[k * e + j] = g.edge_w[j];
        }
        meta[k * 12..k * 12 + 12].copy_from_slice(&g.metadata);
        cur[k] = s.current_node as i64;
        mask[k * a..k * a + s.mask.len().min(a)].copy_from_slice(&s.mask[..s.mask.len().min(a)]);
        for (w, &q) in wire[k * a..(k + 1) * a].iter_mut().zip(s.wire) {
            *w = f32::from(q) / 255.0;
        }
    }
    let (b, n, e, a) = (b as i64, n as i64, e as i64, a as i64);
    GraphBatch {
        nodes: Tensor::from_slice(&nodes).view([b, n, NODE_FEATURES]).to(device),
        node_live: Tensor::from_slice(&live).view([b, n]).to(device),
        edge_i: Tensor::from_slice(&ei).view([b, e]).to(device),
        edge_j: Tensor::from_slice(&ej).view([b, e]).to(device),
        edge_w: Tensor::from_slice(&ew).view([b, e]).to(device),
        metadata: Tensor::from_slice(&meta).view([b, 12]).to(device),
        current: Tensor::from_slice(&cur).to(device),
        mask: Tensor::from_slice(&mask).view([b, a]).to_kind(Kind::Bool).to(device),
        wire: Tensor::from_slice(&wire).view([b, a]).to(device),
    }
}
