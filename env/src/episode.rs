//! One placement episode (`CIRCUIT_TRAINING.md` §4.1-4.7).
//!
//! An episode places the movable hard macros one per step, largest first, each at the centre of
//! the grid cell its action names. The action space is the model's fixed `G × G` grid
//! (G = 128 by default): the real `cols × rows` grid sits in its middle, with
//! `(G − rows) / 2` padding rows before it and `(G − cols) / 2` padding columns before it
//! (integer division; the rest after), exactly as Circuit Training pads. Padding cells are always
//! masked. Grids larger than `G` are rejected.
//!
//! Reward: 0 on every step but the last; at the end the soft macros are placed (force-directed
//! placer, or kept where they were) and the reward is `−proxy(weights)`. When no legal cell is
//! left for the next macro, the episode ends early with `infeasible_reward` (−4.0, as CT).

use std::sync::Arc;

use netlists::{Netlist, NodeId, NodeKind, Placement};
use placer::cost::{CostBreakdown, CostError, CostModel, CostParams, CostWeights, EvalScratch};
use placer::place::fd::{place_soft_macros, FdConfig};
use placer::place::{cell_mask, macro_order, Occupancy, PlacementGrid};

use crate::graph::{GraphLimits, StaticGraph};
use crate::wire::WireTables;

/// How soft macros are placed at the end of an episode.
#[derive(Clone, Debug, PartialEq)]
pub enum SoftPlacement {
    /// Keep their positions from the initial placement.
    KeepInitial,
    /// Run the force-directed placer with the hard macros fixed.
    ForceDirected(FdConfig),
}

/// Environment settings.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvConfig {
    /// Side of the model's action grid (CT `max_grid_size`, 128).
    pub max_grid: usize,
    /// Weights of the proxy whose negative is the reward (`env.cost_weights`; CT's default
    /// 1/1/0.5).
    pub cost_weights: CostWeights,
    /// Reward of an episode that runs out of legal cells (CT: −4.0).
    pub infeasible_reward: f64,
    /// Soft-macro placement at the end of an episode.
    pub soft_placement: SoftPlacement,
    /// Normalisers of the metadata features.
    pub limits: GraphLimits,
    /// Compute [`Observation::wire`] (the wirelength map of the macro to place; not part of
    /// Circuit Training's observation, see [`crate::wire`]).
    pub wire_map: bool,
}

impl Default for EnvConfig {
    fn default() -> Self {
        EnvConfig {
            max_grid: 128,
            cost_weights: CostWeights::new(1.0, 0.5, 0.5),
            infeasible_reward: -4.0,
            soft_placement: SoftPlacement::ForceDirected(FdConfig::default()),
            limits: GraphLimits::default(),
            wire_map: true,
        }
    }
}

/// Why an environment could not be built or stepped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EnvError {
    /// The grid does not fit in the action grid.
    #[error(
        "placement grid {cols}x{rows} does not fit the model's {max_grid}x{max_grid} action grid"
    )]
    GridTooLarge {
        /// Grid columns.
        cols: u32,
        /// Grid rows.
        rows: u32,
        /// Action grid side.
        max_grid: usize,
    },
    /// The netlist has no movable hard macro.
    #[error("the netlist has no movable hard macro to place")]
    NothingToPlace,
    /// The action is masked (illegal) or out of range.
    #[error("action {0} is masked (illegal) or out of range")]
    IllegalAction(usize),
    /// `step` after the episode ended.
    #[error("step called after the episode ended")]
    EpisodeDone,
    /// Cost evaluation failed.
    #[error(transparent)]
    Cost(#[from] CostError),
}

/// The dynamic part of an observation (the static graph is [`PlacementEnv::graph`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Observation {
    /// Graph-node centre x / (W + H) (CT divides both axes by W + H).
    pub locations_x: Vec<f32>,
    /// Graph-node centre y / (W + H).
    pub locations_y: Vec<f32>,
    /// 1 for fixed macros, port clusters and macros placed so far.
    pub is_node_placed: Vec<f32>,
    /// Graph node of the macro to place now (0 once done).
    pub current_node: usize,
    /// Legal actions over the padded `G × G` grid, row-major (`r·G + c`).
    pub mask: Vec<bool>,
    /// The wirelength map of the macro to place over the padded grid (`0..=255` over the
    /// legal cells, 0 elsewhere; [`crate::wire`]); empty when [`EnvConfig::wire_map`] is off
    /// or the episode is done.
    pub wire: Vec<u8>,
}

/// What the end of an episode reports.
#[derive(Clone, Debug, PartialEq)]
pub struct EpisodeInfo {
    /// The costs of the final placement (absent for infeasible episodes).
    pub costs: Option<CostBreakdown>,
    /// The reward given.
    pub reward: f64,
    /// The episode ran out of legal cells.
    pub infeasible: bool,
    /// Steps taken.
    pub steps: usize,
}

/// The result of one step.
#[derive(Clone, Debug, PartialEq)]
pub struct StepResult {
    /// Reward of this step (non-zero only at the end).
    pub reward: f64,
    /// The episode ended.
    pub done: bool,
    /// Set when `done`.
    pub info: Option<EpisodeInfo>,
}

/// A reinforcement-learning environment for one netlist.
#[derive(Clone, Debug)]
pub struct PlacementEnv {
    nl: Arc<Netlist>,
    model: Arc<CostModel>,
    graph: Arc<StaticGraph>,
    params: CostParams,
    grid: PlacementGrid,
    cfg: EnvConfig,
    init: Placement,
    occ_init: Occupancy,
    order: Vec<NodeId>,
    pad_rows: usize,
    pad_cols: usize,
    // Episode state.
    pl: Placement,
    occ: Occupancy,
    step: usize,
    done: bool,
    obs: Observation,
    cells: Vec<bool>,
    scratch: EvalScratch,
    wire: Option<Arc<WireTables>>,
    wire_scratch: (Vec<f64>, Vec<f64>),
}

impl PlacementEnv {
    /// Builds an environment. `init` gives ports, fixed macros and the soft macros' starting
    /// positions; every movable hard macro is placed by the episode.
    pub fn new(
        nl: Arc<Netlist>,
        init: Placement,
        params: CostParams,
        cfg: EnvConfig,
    ) -> Result<Self, EnvError> {
        if params.cols as usize > cfg.max_grid || params.rows as usize > cfg.max_grid {
            return Err(EnvError::GridTooLarge {
                cols: params.cols,
                rows: params.rows,
                max_grid: cfg.max_grid,
            });
        }
        let model = Arc::new(CostModel::new(&nl, &params)?);
        let graph = Arc::new(StaticGraph::new(&nl, &init, &params, cfg.limits, cfg.max_grid));
        Self::with_shared(nl, model, graph, init, params, cfg)
    }

    /// Builds an environment sharing an already-built cost model and graph (for vectors of
    /// environments over the same netlist).
    pub fn with_shared(
        nl: Arc<Netlist>,
        model: Arc<CostModel>,
        graph: Arc<StaticGraph>,
        init: Placement,
        params: CostParams,
        cfg: EnvConfig,
    ) -> Result<Self, EnvError> {
        let grid = PlacementGrid::new(&params);
        let order = macro_order(&nl, &init);
        if order.is_empty() {
            return Err(EnvError::NothingToPlace);
        }
        let mut occ_init =
            Occupancy::new(&nl, params.canvas_width, params.canvas_height, &nl.header.blockages);
        for id in nl.ids() {
            if nl.kind(id) == NodeKind::HardMacro && init.fixed[id.index()] {
                occ_init.insert(&nl, id, init.x[id.index()], init.y[id.index()]);
            }
        }
        let g = cfg.max_grid;
        let wire = cfg.wire_map.then(|| Arc::new(WireTables::new(&nl, &init, &grid, &order)));
        let mut env = PlacementEnv {
            pad_rows: (g - params.rows as usize) / 2,
            pad_cols: (g - params.cols as usize) / 2,
            occ: occ_init.clone(),
            pl: init.clone(),
            nl,
            model,
            graph,
            params,
            grid,
            cfg,
            init,
            occ_init,
            order,
            step: 0,
            done: false,
            obs: Observation::default(),
            cells: Vec::new(),
            scratch: EvalScratch::default(),
            wire,
            wire_scratch: (Vec::new(), Vec::new()),
        };
        env.reset();
        Ok(env)
    }

    /// Starts a new episode: unplaces every movable hard macro, restores the initial features.
    pub fn reset(&mut self) -> &Observation {
        self.pl = self.init.clone();
        for &m in &self.order {
            self.pl.placed[m.index()] = false;
        }
        self.occ = self.occ_init.clone();
        self.step = 0;
        self.done = false;
        let norm = (self.params.canvas_width + self.params.canvas_height) as f32;
        let n = self.graph.num_nodes();
        let (cx, cy) =
            ((self.params.canvas_width / 2.0) as f32, (self.params.canvas_height / 2.0) as f32);
        self.obs.locations_x = vec![0.0; n];
        self.obs.locations_y = vec![0.0; n];
        self.obs.is_node_placed = vec![0.0; n];
        for (g, &id) in self.graph.macro_nodes.iter().enumerate() {
            let i = id.index();
            let fixed_or_soft = self.init.fixed[i] || self.nl.kind(id) == NodeKind::SoftMacro;
            let (x, y) = if fixed_or_soft {
                (self.init.x[i] as f32, self.init.y[i] as f32)
            } else {
                (cx, cy)
            };
            self.obs.locations_x[g] = x / norm;
            self.obs.locations_y[g] = y / norm;
            self.obs.is_node_placed[g] = if self.init.fixed[i] { 1.0 } else { 0.0 };
        }
        let m = self.graph.num_macros();
        for (k, (_, x, y)) in self.graph.port_clusters.iter().enumerate() {
            self.obs.locations_x[m + k] = *x as f32 / norm;
            self.obs.locations_y[m + k] = *y as f32 / norm;
            self.obs.is_node_placed[m + k] = 1.0;
        }
        self.update_mask();
        &self.obs
    }

    fn update_mask(&mut self) {
        let g = self.cfg.max_grid;
        self.obs.mask.clear();
        self.obs.mask.resize(g * g, false);
        self.obs.wire.clear();
        if self.done {
            self.obs.current_node = 0;
            return;
        }
        let id = self.order[self.step];
        self.obs.current_node = self.graph.graph_index[id.index()] as usize;
        cell_mask(&self.nl, id, &self.grid, &self.occ, &mut self.cells);
        for (cell, &ok) in self.cells.iter().enumerate() {
            if ok {
                let (r, c) = self.grid.row_col(cell);
                self.obs.mask[(r as usize + self.pad_rows) * g + c as usize + self.pad_cols] = true;
            }
        }
        if let Some(w) = &self.wire {
            w.fill(
                &self.nl,
                &self.pl,
                self.step,
                id,
                &self.cells,
                (g, self.pad_rows, self.pad_cols),
                &mut self.wire_scratch,
                &mut self.obs.wire,
            );
        }
    }

    /// The grid cell of a padded action, if it names one.
    pub fn action_to_cell(&self, action: usize) -> Option<usize> {
        let g = self.cfg.max_grid;
        let (r, c) = (action / g, action % g);
        let r = r.checked_sub(self.pad_rows)?;
        let c = c.checked_sub(self.pad_cols)?;
        (r < self.grid.rows as usize && c < self.grid.cols as usize && action < g * g)
            .then(|| self.grid.index(r as u32, c as u32))
    }

    /// The padded action of a grid cell.
    pub fn cell_to_action(&self, cell: usize) -> usize {
        let (r, c) = self.grid.row_col(cell);
        (r as usize + self.pad_rows) * self.cfg.max_grid + c as usize + self.pad_cols
    }

    /// Places the current macro at the cell `action` names.
    pub fn step(&mut self, action: usize) -> Result<StepResult, EnvError> {
        if self.done {
            return Err(EnvError::EpisodeDone);
        }
        if !self.obs.mask.get(action).copied().unwrap_or(false) {
            return Err(EnvError::IllegalAction(action));
        }
        let cell = self.action_to_cell(action).ok_or(EnvError::IllegalAction(action))?;
        let id = self.order[self.step];
        let (x, y) = self.grid.centre(cell);
        let i = id.index();
        self.pl.x[i] = x;
        self.pl.y[i] = y;
        self.pl.placed[i] = true;
        self.occ.insert(&self.nl, id, x, y);
        let g = self.graph.graph_index[i] as usize;
        let norm = (self.params.canvas_width + self.params.canvas_height) as f32;
        self.obs.locations_x[g] = x as f32 / norm;
        self.obs.locations_y[g] = y as f32 / norm;
        self.obs.is_node_placed[g] = 1.0;
        self.step += 1;
        if self.step == self.order.len() {
            self.done = true;
            self.update_mask();
            if let SoftPlacement::ForceDirected(fd) = &self.cfg.soft_placement {
                place_soft_macros(&self.nl, &mut self.pl, &self.params, fd);
            }
            let costs = self.model.evaluate(&self.pl, &mut self.scratch)?;
            let reward = -costs.proxy(self.cfg.cost_weights);
            return Ok(StepResult {
                reward,
                done: true,
                info: Some(EpisodeInfo {
                    costs: Some(costs),
                    reward,
                    infeasible: false,
                    steps: self.step,
                }),
            });
        }
        self.update_mask();
        if !self.obs.mask.iter().any(|&b| b) {
            self.done = true;
            let reward = self.cfg.infeasible_reward;
            self.obs.mask.iter_mut().for_each(|b| *b = false);
            return Ok(StepResult {
                reward,
                done: true,
                info: Some(EpisodeInfo { costs: None, reward, infeasible: true, steps: self.step }),
            });
        }
        Ok(StepResult { reward: 0.0, done: false, info: None })
    }

    /// The current observation.
    pub fn observation(&self) -> &Observation {
        &self.obs
    }
    /// The static graph.
    pub fn graph(&self) -> &Arc<StaticGraph> {
        &self.graph
    }
    /// The shared cost model.
    pub fn cost_model(&self) -> &Arc<CostModel> {
        &self.model
    }
    /// The netlist.
    pub fn netlist(&self) -> &Arc<Netlist> {
        &self.nl
    }
    /// The current placement (complete once a feasible episode is done).
    pub fn placement(&self) -> &Placement {
        &self.pl
    }
    /// The cost parameters.
    pub fn params(&self) -> &CostParams {
        &self.params
    }
    /// The configuration.
    pub fn config(&self) -> &EnvConfig {
        &self.cfg
    }
    /// Hard macros in placement order (one per step).
    pub fn order(&self) -> &[NodeId] {
        &self.order
    }
    /// Steps of a full episode.
    pub fn episode_len(&self) -> usize {
        self.order.len()
    }
    /// Steps taken in this episode.
    pub fn steps_taken(&self) -> usize {
        self.step
    }
    /// True once the episode ended.
    pub fn is_done(&self) -> bool {
        self.done
    }
    /// The placement grid.
    pub fn grid(&self) -> &PlacementGrid {
        &self.grid
    }
    /// Side of the action grid.
    pub fn max_grid(&self) -> usize {
        self.cfg.max_grid
    }
}
