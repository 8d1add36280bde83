//! chipfloor placer crate: the exact Circuit Training proxy cost (full and incremental) and
//! the legality report.
//!
//! - [`cost`]: wirelength, density and congestion exactly as `shared/docs/PROXY_COST.md`
//!   defines them, a full evaluator ([`cost::evaluate`], [`cost::CostModel`]) and an
//!   incremental one for annealing ([`cost::IncrementalCost`]).
//! - [`legality`]: hard-macro overlaps and macros outside the canvas.
//! - [`place`]: grid placement shared by every method: geometry, occupancy, masks, macro
//!   order, budgets and progress.
//! - [`pipeline`]: method → force-directed soft macros → optional coordinate descent →
//!   evaluation, shared by the CLI's `place` and `compare` and the service.
//! - [`render`]: SVG and PNG pictures of placements, with optional density or congestion
//!   heat maps.
//! - [`output`]: `.plc` headers carrying the costs and the parameters they were computed with.
#![warn(missing_docs)]

pub mod cost;
pub mod legality;
pub mod output;
pub mod pipeline;
pub mod place;
pub mod render;

pub use cost::{
    evaluate, CostBreakdown, CostError, CostModel, CostOverrides, CostParams, CostReport,
    CostWeights, IncrementalCost, OobRule,
};
pub use legality::{check, LegalityReport};
