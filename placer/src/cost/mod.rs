//! The Circuit Training proxy cost, exactly as `shared/docs/PROXY_COST.md` defines it (Google
//! binary behaviour): wirelength, density and congestion.
//!
//! - [`CostParams`] and [`CostParams::resolve`]: parameters and their precedence (§4.4, §5).
//! - [`evaluate`] / [`CostModel`]: full evaluation (build the model once per netlist and
//!   parameter set, then [`CostModel::evaluate`] allocates nothing).
//! - [`IncrementalCost`]: moves, flips and swaps with transactional rollback, reading the cost
//!   without a full recomputation.
//! - [`CostReport`]: the mandatory report format of §11.
//!
//! Everything is computed in `f64` with the expression forms of §1 and §13; per-net terms are
//! accumulated in driver order. Net routing demand is kept in difference arrays (exact for the
//! integer net weights of clustered netlists). Nothing here is parallel, so results do not
//! depend on the thread count.

mod full;
mod grid;
mod grids;
mod incremental;
mod model;
mod params;

use std::fmt;

use netlists::{Netlist, Placement};

pub use full::EvalScratch;
pub use grids::CostGrids;
pub use incremental::IncrementalCost;
pub use model::CostModel;
pub use params::{
    default_canvas_side, CostOverrides, CostParams, CostWeights, HeaderSettings, OobRule,
    DEFAULT_GRID, DEFAULT_HROUTES_PER_MICRON, DEFAULT_HROUTING_ALLOC, DEFAULT_UTILIZATION,
    DEFAULT_VROUTES_PER_MICRON, DEFAULT_VROUTING_ALLOC, MAX_GRID_CELLS,
};

/// Why a cost could not be evaluated, or a move could not be applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CostError {
    /// The parameters cannot be evaluated (zero canvas, empty grid, zero routing capacity, ...).
    #[error("invalid cost parameters: {0}")]
    InvalidParams(String),
    /// The netlist's arrays are inconsistent (only possible for hand-assembled netlists).
    #[error("inconsistent netlist: {0}")]
    BadNetlist(String),
    /// The placement has fewer entries than the netlist has nodes.
    #[error("placement has {placement} entries, the netlist has {nodes} nodes")]
    PlacementMismatch {
        /// Nodes in the netlist.
        nodes: usize,
        /// Entries in the placement.
        placement: usize,
    },
    /// The node cannot be moved: it is a macro pin (pins follow their owner) or out of range.
    #[error("node {0} is not movable (a macro pin, or out of range)")]
    NotMovable(netlists::NodeId),
    /// A move to a non-finite position (NaN or infinite coordinate).
    #[error("node {0}: position must be finite")]
    NonFinitePosition(netlists::NodeId),
}

/// The three cost components of one placement, with the quantities behind them.
///
/// There is deliberately no bare "proxy" field: use [`proxy`](Self::proxy) with explicit
/// weights, and print with [`CostReport`] (§11).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CostBreakdown {
    /// Raw weighted wirelength `Σ w · HPWL` in µm.
    pub hpwl: f64,
    /// `Σ w` over all nets (`N_net` of §2.6, before the `0 → 1` rule).
    pub net_weight_sum: f64,
    /// Number of nets.
    pub nets: usize,
    /// `hpwl / ((W + H) · N_net)`.
    pub wirelength_cost: f64,
    /// Density cost (§8; includes its built-in 0.5 factor).
    pub density_cost: f64,
    /// Congestion cost (§9).
    pub congestion_cost: f64,
    /// Nets left out of congestion because a pin lies outside the grid (skip-net rule; 0 with
    /// clamp).
    pub congestion_nets_skipped_oob: usize,
    /// The netlist has standard cells, whose cost rule is unvalidated (§2.7).
    pub has_std_cells: bool,
}

impl CostBreakdown {
    /// `w.wl · wirelength_cost + w.den · density_cost + w.cong · congestion_cost`.
    pub fn proxy(&self, w: CostWeights) -> f64 {
        w.wl * self.wirelength_cost + w.den * self.density_cost + w.cong * self.congestion_cost
    }
}

/// Evaluates the three components of a placement from scratch (builds a [`CostModel`]; reuse
/// one when evaluating many placements of the same netlist).
///
/// Errors when the parameters fail [`CostParams::validate`] (zero canvas, empty grid, ...) or
/// the placement does not cover the netlist. Any netlist the readers accept evaluates,
/// including ones without nets or macros.
pub fn evaluate(nl: &Netlist, pl: &Placement, p: &CostParams) -> Result<CostBreakdown, CostError> {
    CostModel::new(nl, p)?.evaluate(pl, &mut EvalScratch::default())
}

/// A cost report in the mandatory format of `PROXY_COST.md` §11: the three components and
/// the HPWL, the proxy at both standard weight conventions (plus any extra weights), and the
/// parameters used.
///
/// ```text
/// wirelength_cost 0.073568  density_cost 0.498818  congestion_cost 0.725915  hpwl_um 4763107.1
/// proxy[wl=1,den=0.5,cong=0.5] 0.685935   proxy[wl=1,den=1,cong=0.5] 0.935344
/// params canvas 1433.406x1433.406 grid 24x21 routes_h/v 57.031/56.818 ...
/// ```
#[derive(Clone, Debug)]
pub struct CostReport<'a> {
    /// The costs.
    pub costs: &'a CostBreakdown,
    /// The parameters they were computed with.
    pub params: &'a CostParams,
    /// Weights shown besides the two standard conventions.
    pub extra_weights: Vec<CostWeights>,
    /// Decimal places of the costs and proxies (HPWL gets one decimal).
    pub precision: usize,
}

impl<'a> CostReport<'a> {
    /// A report with the two standard conventions and 6 decimals.
    pub fn new(costs: &'a CostBreakdown, params: &'a CostParams) -> Self {
        CostReport { costs, params, extra_weights: Vec::new(), precision: 6 }
    }

    /// Adds user-configured weights (skipped when equal to a standard convention).
    pub fn with_weights(mut self, w: CostWeights) -> Self {
        if !CostWeights::STANDARD.contains(&w) && !self.extra_weights.contains(&w) {
            self.extra_weights.push(w);
        }
        self
    }

    /// Sets the number of decimals.
    pub fn with_precision(mut self, p: usize) -> Self {
        self.precision = p;
        self
    }
}

impl fmt::Display for CostReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.costs;
        let p = self.precision;
        writeln!(
            f,
            "wirelength_cost {:.p$}  density_cost {:.p$}  congestion_cost {:.p$}  hpwl_um {:.1}",
            c.wirelength_cost, c.density_cost, c.congestion_cost, c.hpwl
        )?;
        let mut first = true;
        for w in CostWeights::STANDARD.iter().chain(&self.extra_weights) {
            if !first {
                f.write_str("   ")?;
            }
            first = false;
            write!(f, "{w} {:.p$}", c.proxy(*w))?;
        }
        writeln!(f)?;
        write!(f, "params {}", self.params)?;
        if c.congestion_nets_skipped_oob > 0 {
            write!(
                f,
                "\nnote: {} nets skipped in congestion (pins outside the grid)",
                c.congestion_nets_skipped_oob
            )?;
        }
        if c.has_std_cells {
            write!(f, "\nnote: UNVALIDATED: the netlist has standard cells (PROXY_COST.md §2.7)")?;
        }
        Ok(())
    }
}
