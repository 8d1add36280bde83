//! chipfloor's netlist data model and file formats.
//!
//! - [`model`]: nodes, nets, placements (flat arrays, typed ids).
//! - [`error`]: diagnostics with file and line.
#![warn(missing_docs)]

pub mod error;
pub mod model;

pub use error::{Error, ParseError, Result};
pub use model::{
    AttrValue, Blockage, NetId, Netlist, NetlistBuilder, NetlistHeader, Nets, NodeCounts, NodeId,
    NodeKind, NodeSpec, Orientation, Placement,
};
