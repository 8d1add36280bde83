//! Circuit Training's policy/value network (`CIRCUIT_TRAINING.md` §5), in libtorch.
//!
//! - metadata encoder `ReLU(Dense(12 → h))`;
//! - node encoder + edge-centric GCN ([`EdgeGcn`]);
//! - readout (`h_meta`, mean/var/max/min of the last edge states, attention from the current
//!   macro over all nodes, the current macro's state) = `7h` values (56 for h = 8);
//! - value head `Dense 32 → ReLU → Dense 8 → ReLU → Dense 1`;
//! - policy head: `Dense(7h → (G/16)²·32)`, reshape to `32 × G/16 × G/16`, four stride-2
//!   transposed convolutions (16, 8, 4, 2 channels; TF "same": `padding = 0`, keep the first
//!   `2n` rows and columns) and a stride-1 one to 1 channel, giving `G²` logits, row-major.
//!   Masked cells get the logit `−2³² + 1` and the log-probabilities are a log-softmax over
//!   the legal cells.
//!
//! Deliberate departures from CT (`CIRCUIT_TRAINING.md` §11.3): padded edges and padded nodes
//! are masked out of the aggregation, the edge statistics and the attention, so a graph's
//! outputs do not depend on how much padding its batch needed; and the policy head's
//! activations are leaky ReLUs by default ([`ModelConfig::head_leak`], `0` restores CT's);
//! and the policy is a softmax over the legal cells, where CT takes `log(softmax + 1e-6)`
//! over every cell and masks afterwards. With CT's floor, legal cells whose probability falls
//! far below `1e-6` all get the same log-probability: the entropy bonus can then raise the
//! entropy of the renormalised legal distribution by moving probability onto illegal cells,
//! and on small CPU batches it did (entropy up to `ln(#legal cells)`, approximate KL exactly
//! 0, a frozen greedy policy). Greedy (arg-max) actions are the same either way.

use std::path::Path;

use tch::nn::{self, Module};
use tch::{Device, Kind, Tensor};

use crate::edge_gcn::{EdgeGcn, EdgeGcnConfig};

/// Number of per-node input features: loc_x, loc_y, macro_w, macro_h, is_hard, is_soft,
/// is_port_cluster, is_placed.
pub const NODE_FEATURES: i64 = 8;
/// Number of metadata scalars.
pub const METADATA: i64 = 12;

/// Model sizes. Defaults are Circuit Training's, except [`head_leak`](Self::head_leak).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModelConfig {
    /// Hidden width (`gcn_node_dim`).
    pub hidden: i64,
    /// Graph-convolution layers.
    pub gcn_layers: usize,
    /// Side of the action grid (`max_grid_size`); a multiple of 16.
    pub grid: i64,
    /// Negative slope of the policy head's activations (leaky ReLU; 0 is Circuit Training's
    /// plain ReLU). Default [`DEFAULT_HEAD_LEAK`]; `.cfg` files without the key (older
    /// checkpoints) load with 0.
    pub head_leak: f64,
    /// Add the environment's wirelength map (`env::wire`) to the policy logits, scaled by a
    /// learned state-dependent gain that starts at 0 (so an untrained network ignores it). Not
    /// in Circuit Training. `.cfg` files without the key (older checkpoints) load with `false`.
    pub wire_map: bool,
}

/// Logit range the wirelength map spans at gain 1 (the map is `0..=1` over the legal cells).
pub const WIRE_SCALE: f64 = 10.0;

/// Default negative slope of the policy head's activations.
///
/// With Circuit Training's plain ReLUs, the narrow end of the deconvolution stack (4 and 2
/// channels) dies on small CPU batches: on a generated 24-macro netlist, PPO with 16 episodes
/// per iteration at learning rate 1e-3 or 2e-3 drove the approximate KL to exactly 0 within
/// 80 iterations, the entropy to `ln(#legal cells)` and the greedy policy to a constant; at
/// 4e-4 the entropy still crept up to within 0.3 of that. A leaky slope keeps gradients
/// flowing through the head.
pub const DEFAULT_HEAD_LEAK: f64 = 0.01;

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            hidden: 8,
            gcn_layers: 3,
            grid: 128,
            head_leak: DEFAULT_HEAD_LEAK,
            wire_map: true,
        }
    }
}

impl ModelConfig {
    /// One line `hidden=8 gcn_layers=3 grid=128 head_leak=0.01 wire_map=1`, stored next to
    /// saved weights.
    pub fn to_line(&self) -> String {
        format!(
            "hidden={} gcn_layers={} grid={} head_leak={} wire_map={}",
            self.hidden, self.gcn_layers, self.grid, self.head_leak, self.wire_map as u8
        )
    }
    /// Parses [`to_line`](Self::to_line).
    pub fn from_line(s: &str) -> Result<ModelConfig, String> {
        // Older files have no `head_leak` (their heads are plain ReLU) and no `wire_map`.
        let mut c = ModelConfig { head_leak: 0.0, wire_map: false, ..ModelConfig::default() };
        for tok in s.split_whitespace() {
            let (k, v) =
                tok.split_once('=').ok_or_else(|| format!("bad model config token `{tok}`"))?;
            let bad = || format!("bad number in model config token `{tok}`");
            match k {
                "hidden" => c.hidden = v.parse().map_err(|_| bad())?,
                "gcn_layers" => c.gcn_layers = v.parse().map_err(|_| bad())?,
                "grid" => c.grid = v.parse().map_err(|_| bad())?,
                "head_leak" => c.head_leak = v.parse().map_err(|_| bad())?,
                "wire_map" => {
                    c.wire_map = match v {
                        "0" => false,
                        "1" => true,
                        _ => return Err(bad()),
                    }
                }
                _ => return Err(format!("unknown model config key `{k}`")),
            }
        }
        c.validate()?;
        Ok(c)
    }
    /// Checks the sizes.
    pub fn validate(&self) -> Result<(), String> {
        if self.hidden < 1
            || self.gcn_layers == 0
            || self.grid < 16
            || self.grid % 16 != 0
            || !(0.0..1.0).contains(&self.head_leak)
        {
            return Err(format!(
                "invalid model config {}: need hidden >= 1, gcn_layers >= 1, grid a multiple of 16, head_leak in [0, 1)",
                self.to_line()
            ));
        }
        Ok(())
    }
}

/// A batch of observations as tensors (built by [`crate::batch`]).
#[derive(Debug)]
pub struct GraphBatch {
    /// `[B, N, 8]` node features.
    pub nodes: Tensor,
    /// `[B, N]` 1 for real nodes, 0 for padding.
    pub node_live: Tensor,
    /// `[B, E]` edge endpoints (i64).
    pub edge_i: Tensor,
    /// `[B, E]` edge endpoints (i64).
    pub edge_j: Tensor,
    /// `[B, E]` normalised edge weights (0 for padding).
    pub edge_w: Tensor,
    /// `[B, 12]` metadata.
    pub metadata: Tensor,
    /// `[B]` graph node of the macro to place (i64).
    pub current: Tensor,
    /// `[B, G²]` legal actions (bool).
    pub mask: Tensor,
    /// `[B, G²]` wirelength map, `0..=1` over the legal cells (zeros when the observations
    /// carry none).
    pub wire: Tensor,
}

/// The shared policy/value network.
#[derive(Debug)]
pub struct PolicyValueNet {
    cfg: ModelConfig,
    meta: nn::Linear,
    gcn: EdgeGcn,
    q: nn::Linear,
    k: nn::Linear,
    v: nn::Linear,
    value: nn::Sequential,
    policy_fc: nn::Linear,
    deconvs: Vec<nn::ConvTranspose2D>,
    last: nn::ConvTranspose2D,
    wire_gain: Option<nn::Linear>,
}

/// Log-probability given to masked actions (CT: `−2³² + 1`).
pub const MASKED_LOGIT: f64 = -4294967295.0;

impl PolicyValueNet {
    /// Creates the network's variables under `path`.
    pub fn new(path: &nn::Path, cfg: ModelConfig) -> PolicyValueNet {
        let h = cfg.hidden;
        let lin = |name: &str, i: i64, o: i64| nn::linear(path / name, i, o, Default::default());
        let meta = lin("meta", METADATA, h);
        let gcn = EdgeGcn::new(
            &(path / "gcn"),
            EdgeGcnConfig { node_features: NODE_FEATURES, hidden: h, layers: cfg.gcn_layers },
        );
        let (q, k, v) = (lin("q", h, h), lin("k", h, h), lin("v", h, h));
        let r = 7 * h;
        let value = nn::seq()
            .add(lin("value_0", r, 32))
            .add_fn(|x| x.relu())
            .add(lin("value_1", 32, 8))
            .add_fn(|x| x.relu())
            .add(lin("value_2", 8, 1));
        let side = cfg.grid / 16;
        let policy_fc = lin("policy_fc", r, side * side * 32);
        let chans = [32, 16, 8, 4, 2];
        let deconvs = (0..4)
            .map(|l| {
                nn::conv_transpose2d(
                    path / format!("deconv_{l}"),
                    chans[l],
                    chans[l + 1],
                    3,
                    nn::ConvTransposeConfig { stride: 2, padding: 0, ..Default::default() },
                )
            })
            .collect();
        let last = nn::conv_transpose2d(
            path / "deconv_out",
            2,
            1,
            3,
            nn::ConvTransposeConfig { stride: 1, padding: 1, ..Default::default() },
        );
        // Created last and zero-initialised: the other variables draw the same random
        // initial values with or without it, and an untrained network ignores the map.
        let wire_gain = cfg.wire_map.then(|| {
            let zero = nn::LinearConfig {
                ws_init: nn::Init::Const(0.0),
                bs_init: Some(nn::Init::Const(0.0)),
                bias: true,
            };
            nn::linear(path / "wire_gain", r, 1, zero)
        });
        PolicyValueNet { cfg, meta, gcn, q, k, v, value, policy_fc, deconvs, last, wire_gain }
    }

    /// The model sizes.
    pub fn config(&self) -> ModelConfig {
        self.cfg
    }

    /// Runs the network: masked log-probabilities `[B, G²]` and values `[B]`.
    pub fn forward(&self, b: &GraphBatch) -> (Tensor, Tensor) {
        let h = self.cfg.hidden;
        let h_meta = self.meta.forward(&b.metadata).relu();
        let live_e = b.edge_w.ne(0.0).to_kind(Kind::Float).unsqueeze(-1); // [B,E,1]
        let (h_nodes, h_e) =
            self.gcn.forward_masked(&b.nodes, &b.edge_i, &b.edge_j, &b.edge_w, &live_e);
        // Edge statistics over live edges.
        let n_e = live_e.sum_dim_intlist([1i64].as_slice(), false, Kind::Float).clamp_min(1.0); // [B,1]
        let mean = (&h_e * &live_e).sum_dim_intlist([1i64].as_slice(), false, Kind::Float) / &n_e;
        let diff = (&h_e - mean.unsqueeze(1)) * &live_e;
        let var =
            diff.pow_tensor_scalar(2).sum_dim_intlist([1i64].as_slice(), false, Kind::Float) / &n_e;
        let big = 1e9;
        let max = (&h_e + (&live_e - 1.0) * big).amax([1i64].as_slice(), false);
        let min = (&h_e - (&live_e - 1.0) * big).amin([1i64].as_slice(), false);
        // A graph without edges gives 0 statistics instead of ±1e9.
        let any_e = live_e.amax([1i64].as_slice(), false); // [B,1]
        let max = max * &any_e;
        let min = min * &any_e;
        // Attention from the current macro over live nodes.
        let idx = b.current.view([-1, 1, 1]).expand([-1, 1, h], false);
        let h_cur = h_nodes.gather(1, &idx, false).squeeze_dim(1); // [B,h]
        let q = self.q.forward(&h_cur).unsqueeze(1); // [B,1,h]
        let k = self.k.forward(&h_nodes); // [B,N,h]
        let v = self.v.forward(&h_nodes);
        let scores = (&q * &k).sum_dim_intlist([-1i64].as_slice(), false, Kind::Float); // [B,N]
        let scores = scores.masked_fill(&b.node_live.eq(0.0), -1e9);
        let att = scores.softmax(-1, Kind::Float).unsqueeze(-1); // [B,N,1]
        let attended = (att * v).sum_dim_intlist([1i64].as_slice(), false, Kind::Float);
        let readout = Tensor::cat(&[&h_meta, &mean, &var, &max, &min, &attended, &h_cur], -1); // [B,7h]
        let value = self.value.forward(&readout).squeeze_dim(-1);
        let logits = self.policy_logits(&readout);
        // Larger wirelength, lower logit, in proportion to the learned gain.
        let logits = match &self.wire_gain {
            Some(g) => logits - g.forward(&readout) * (&b.wire * WIRE_SCALE),
            None => logits,
        };
        // Softmax over the legal cells only (see the module notes: no `+ 1e-6` floor).
        let logp =
            logits.masked_fill(&b.mask.logical_not(), MASKED_LOGIT).log_softmax(-1, Kind::Float);
        (logp, value)
    }

    fn policy_logits(&self, readout: &Tensor) -> Tensor {
        let bsz = readout.size()[0];
        let side = self.cfg.grid / 16;
        let leak = self.cfg.head_leak;
        let act = |x: Tensor| if leak == 0.0 { x.relu() } else { x.maximum(&(&x * leak)) };
        let mut x = act(self.policy_fc.forward(readout)).view([bsz, 32, side, side]);
        let mut n = side;
        for d in &self.deconvs {
            // TF "same" for k3 s2: full output is 2n+1; keep the first 2n rows and columns.
            x = act(d.forward(&x).narrow(2, 0, 2 * n).narrow(3, 0, 2 * n));
            n *= 2;
        }
        self.last.forward(&x).view([bsz, self.cfg.grid * self.cfg.grid])
    }
}

/// Masked categorical helpers over `[B, G²]` log-probabilities.
pub mod dist {
    use tch::{Kind, Tensor};

    /// Renormalised log-probabilities over the legal actions (masked ones stay hugely negative).
    pub fn log_softmax(logp: &Tensor) -> Tensor {
        logp.log_softmax(-1, Kind::Float)
    }
    /// Log-probability of `actions` `[B]` (i64).
    pub fn log_prob(logp: &Tensor, actions: &Tensor) -> Tensor {
        log_softmax(logp).gather(1, &actions.unsqueeze(1), false).squeeze_dim(1)
    }
    /// Entropy of each row.
    pub fn entropy(logp: &Tensor) -> Tensor {
        let l = log_softmax(logp);
        -(l.exp() * &l).sum_dim_intlist([-1i64].as_slice(), false, Kind::Float)
    }
    /// Samples one action per row (masked actions have probability ~e^-4e9 = 0).
    pub fn sample(logp: &Tensor) -> Tensor {
        log_softmax(logp).exp().multinomial(1, true).squeeze_dim(1)
    }
    /// The most likely action of each row.
    pub fn greedy(logp: &Tensor) -> Tensor {
        logp.argmax(-1, false)
    }
}

/// Saves the variables (safetensors) and the config (a `.cfg` text file beside them).
pub fn save(vs: &nn::VarStore, cfg: ModelConfig, path: &Path) -> Result<(), String> {
    vs.save(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let cfg_path = path.with_extension("cfg");
    std::fs::write(&cfg_path, cfg.to_line() + "\n")
        .map_err(|e| format!("{}: {e}", cfg_path.display()))
}

/// Loads a network saved with [`save`] onto `device`.
pub fn load(path: &Path, device: Device) -> Result<(nn::VarStore, PolicyValueNet), String> {
    let cfg_path = path.with_extension("cfg");
    let text =
        std::fs::read_to_string(&cfg_path).map_err(|e| format!("{}: {e}", cfg_path.display()))?;
    let cfg =
        ModelConfig::from_line(text.trim()).map_err(|e| format!("{}: {e}", cfg_path.display()))?;
    let mut vs = nn::VarStore::new(device);
    let net = PolicyValueNet::new(&vs.root(), cfg);
    vs.load(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((vs, net))
}
