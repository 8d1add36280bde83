//! chipfloor's netlist data model and file formats.
//!
//! - [`model`]: nodes, nets, placements (flat arrays, typed ids).
//! - [`error`]: diagnostics with file and line.
//! - [`pb_txt`]: Circuit Training `.pb.txt` netlists (reader and writer).
//! - [`plc`]: Circuit Training `.plc` placements (reader, applier and writer).
//! - [`generate`]: seeded synthetic netlists.
//! - [`bookshelf`]: Bookshelf (ICCAD04 / ISPD2005) designs (reader and writer).
//! - [`lef`]: LEF libraries (reader: sites, macros, pin offsets).
//! - [`def`]: DEF floorplans (reader, import by names, DEF and OpenROAD Tcl export).
//! - [`cluster`]: clustering a flat netlist's standard cells into soft macros.
//! - [`testdata`]: locating the shared reference data for tests.
#![warn(missing_docs)]

pub mod bookshelf;
pub mod cluster;
pub mod def;
pub mod error;
pub mod generate;
mod header;
pub mod lef;
pub mod model;
pub mod pb_txt;
pub mod plc;
pub mod testdata;

pub use error::{Error, ParseError, Result};
pub use model::{
    AttrValue, Blockage, NetId, Netlist, NetlistBuilder, NetlistHeader, Nets, NodeCounts, NodeId,
    NodeKind, NodeSpec, Orientation, Placement,
};
pub use testdata::shared_dir;
