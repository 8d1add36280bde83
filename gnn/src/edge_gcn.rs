//! The edge-centric graph convolution of Circuit Training (`CIRCUIT_TRAINING.md` §5.2-5.3).
//!
//! For each layer ℓ with edge MLP `f_ℓ = ReLU(Dense(2d+1 → d))`:
//! `e_ij = [h_i, h_j, w_ij]`, `e_ji = [h_j, h_i, w_ij]` (zeroed where `w_ij = 0`),
//! `h_e = (f(e_ij) + f(e_ji)) / 2`; every node sums `h_e` over its incident edges (both
//! endpoints), divides by its degree + 1e-6, and adds the result to its state (residual).

use tch::nn::{self, Module};
use tch::{Kind, Tensor};

/// Sizes of the encoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EdgeGcnConfig {
    /// Node-feature width of the input.
    pub node_features: i64,
    /// Hidden width (`gcn_node_dim`, 8 in CT).
    pub hidden: i64,
    /// Number of graph-convolution layers (3 in CT).
    pub layers: usize,
}

impl Default for EdgeGcnConfig {
    fn default() -> Self {
        EdgeGcnConfig { node_features: 8, hidden: 8, layers: 3 }
    }
}

/// Node encoder plus a stack of edge-centric convolutions.
#[derive(Debug)]
pub struct EdgeGcn {
    encoder: nn::Linear,
    edge_mlps: Vec<nn::Linear>,
    hidden: i64,
}

impl EdgeGcn {
    /// Creates the layers under `path`.
    pub fn new(path: &nn::Path, cfg: EdgeGcnConfig) -> Self {
        let encoder =
            nn::linear(path / "node_encoder", cfg.node_features, cfg.hidden, Default::default());
        let edge_mlps = (0..cfg.layers)
            .map(|l| {
                nn::linear(
                    path / format!("edge_mlp_{l}"),
                    2 * cfg.hidden + 1,
                    cfg.hidden,
                    Default::default(),
                )
            })
            .collect();
        EdgeGcn { encoder, edge_mlps, hidden: cfg.hidden }
    }

    /// Runs the encoder.
    ///
    /// - `x`: node features `[B, N, F]` (f32);
    /// - `edge_i`, `edge_j`: edge endpoints `[B, E]` (i64);
    /// - `edge_w`: edge weights `[B, E]` (f32; 0 marks padding).
    ///
    /// Returns the node states `[B, N, hidden]` and the last layer's edge states `[B, E, hidden]`
    /// (zero on padded edges).
    pub fn forward(
        &self,
        x: &Tensor,
        edge_i: &Tensor,
        edge_j: &Tensor,
        edge_w: &Tensor,
    ) -> (Tensor, Tensor) {
        let live = edge_w.ne(0.0).to_kind(Kind::Float).unsqueeze(-1);
        self.forward_masked(x, edge_i, edge_j, edge_w, &live)
    }

    /// [`forward`](Self::forward) with the live-edge mask `[B, E, 1]` (1 real, 0 padding)
    /// given. Padded edges contribute nothing to states or degrees (CT lets them leak into
    /// node 0; chipfloor does not).
    pub fn forward_masked(
        &self,
        x: &Tensor,
        edge_i: &Tensor,
        edge_j: &Tensor,
        edge_w: &Tensor,
        live: &Tensor,
    ) -> (Tensor, Tensor) {
        let (b, n, _) = x.size3().expect("x must be [B, N, F]");
        let e = edge_i.size()[1];
        let d = self.hidden;
        let mut h = self.encoder.forward(x).relu();
        let w = edge_w.unsqueeze(-1); // [B, E, 1]
        let idx_i = edge_i.unsqueeze(-1).expand([b, e, d], false);
        let idx_j = edge_j.unsqueeze(-1).expand([b, e, d], false);
        let live_flat = live.squeeze_dim(-1);
        let degree = Tensor::zeros([b, n], (Kind::Float, x.device()))
            .scatter_add(1, edge_i, &live_flat)
            .scatter_add(1, edge_j, &live_flat)
            .unsqueeze(-1);
        let mut h_e = Tensor::zeros([b, e, d], (Kind::Float, x.device()));
        for f in &self.edge_mlps {
            let hi = h.gather(1, &idx_i, false);
            let hj = h.gather(1, &idx_j, false);
            let e_ij = Tensor::cat(&[&hi, &hj, &w], -1);
            let e_ji = Tensor::cat(&[&hj, &hi, &w], -1);
            h_e = (f.forward(&e_ij).relu() + f.forward(&e_ji).relu()) / 2.0 * live;
            let agg = Tensor::zeros([b, n, d], (Kind::Float, x.device()))
                .scatter_add(1, &idx_i, &h_e)
                .scatter_add(1, &idx_j, &h_e);
            h = agg / (&degree + 1e-6) + h;
        }
        (h, h_e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_device;
    use tch::{nn::OptimizerConfig, Device};

    fn toy_graph() -> (Tensor, Tensor, Tensor, Tensor) {
        // Two graphs of 4 nodes, 3 edges each (the last edge of graph 1 is padding).
        let x = Tensor::from_slice(&(0..32).map(|v| v as f32 / 32.0).collect::<Vec<_>>())
            .reshape([2, 4, 4]);
        let ei = Tensor::from_slice(&[0i64, 1, 2, 0, 1, 0]).reshape([2, 3]);
        let ej = Tensor::from_slice(&[1i64, 2, 3, 2, 3, 0]).reshape([2, 3]);
        let w = Tensor::from_slice(&[1.0f32, 2.0, 1.0, 0.5, 1.0, 0.0]).reshape([2, 3]);
        (x, ei, ej, w)
    }

    #[test]
    fn forward_and_backward_on_cpu() {
        tch::manual_seed(7);
        let vs = nn::VarStore::new(Device::Cpu);
        let gcn =
            EdgeGcn::new(&vs.root(), EdgeGcnConfig { node_features: 4, hidden: 8, layers: 3 });
        let (x, ei, ej, w) = toy_graph();
        let (h, h_e) = gcn.forward(&x, &ei, &ej, &w);
        assert_eq!(h.size(), vec![2, 4, 8]);
        assert_eq!(h_e.size(), vec![2, 3, 8]);
        assert!(bool::try_from(h.isfinite().all()).unwrap());

        // One optimisation step must change the output: gradients flow to every layer.
        let mut opt = nn::Adam::default().build(&vs, 1e-2).unwrap();
        let loss = h.pow_tensor_scalar(2).mean(Kind::Float);
        let before = f64::try_from(&loss).unwrap();
        opt.zero_grad();
        loss.backward();
        for (name, var) in vs.variables() {
            let g = var.grad();
            assert!(g.defined(), "no gradient for {name}");
            let norm = f64::try_from(g.norm()).unwrap();
            assert!(norm.is_finite() && norm > 0.0, "zero gradient for {name}");
        }
        opt.step();
        let (h2, _) = gcn.forward(&x, &ei, &ej, &w);
        let after = f64::try_from(h2.pow_tensor_scalar(2).mean(Kind::Float)).unwrap();
        assert!(after < before, "loss did not decrease: {before} -> {after}");
    }

    #[test]
    fn batch_entries_are_independent() {
        tch::manual_seed(1);
        let vs = nn::VarStore::new(Device::Cpu);
        let gcn =
            EdgeGcn::new(&vs.root(), EdgeGcnConfig { node_features: 4, hidden: 8, layers: 2 });
        let (x, ei, ej, w) = toy_graph();
        let (h, _) = gcn.forward(&x, &ei, &ej, &w);
        // Graph 0 evaluated alone gives the same states: batch entries are independent.
        let (h0, _) = gcn.forward(
            &x.narrow(0, 0, 1),
            &ei.narrow(0, 0, 1),
            &ej.narrow(0, 0, 1),
            &w.narrow(0, 0, 1),
        );
        let diff = f64::try_from((h.narrow(0, 0, 1) - h0).abs().max()).unwrap();
        assert!(diff < 1e-6, "batch entries interact: {diff}");
    }

    #[test]
    fn parse_device_names() {
        assert_eq!(parse_device("cpu").unwrap(), Device::Cpu);
        assert!(parse_device("tpu").is_err());
        let _ = parse_device("auto").unwrap();
    }
}
