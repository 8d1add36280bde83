//! Loading netlists and placements from the paths users give.

use std::path::{Path, PathBuf};

use netlists::{plc, Netlist, NodeId, Placement};

use crate::Failure;

/// Reads a netlist: Bookshelf when the path ends in `.aux`, else Circuit Training `.pb.txt`
/// (plain or gzip). A comma-separated list of `.pb.txt` files is read as one netlist.
pub(crate) fn load_netlist(path: &Path) -> Result<Netlist, Failure> {
    let s = path.to_string_lossy();
    let nl = if s.ends_with(".aux") {
        netlists::bookshelf::read(path)
    } else if s.contains(',') {
        let parts: Vec<PathBuf> = s.split(',').map(PathBuf::from).collect();
        netlists::pb_txt::read_many(&parts)
    } else {
        netlists::pb_txt::read(path)
    };
    nl.map_err(Failure::input)
}

/// A placement file applied to a netlist.
pub(crate) struct LoadedPlacement {
    /// Positions after the `.plc` body was applied.
    pub placement: Placement,
    /// The file's header.
    pub header: plc::PlcHeader,
    /// Placeable nodes the file has no line for (kept at their netlist coordinates).
    pub missing: Vec<NodeId>,
}

/// Reads a `.plc` and applies it to the netlist's initial placement. Missing nodes are an
/// error unless `allow_partial` is set.
pub(crate) fn load_placement(
    nl: &Netlist,
    path: &Path,
    allow_partial: bool,
) -> Result<LoadedPlacement, Failure> {
    let file = plc::read(path).map_err(Failure::input)?;
    let mut placement = nl.initial_placement();
    let missing = if allow_partial {
        file.apply(nl, &mut placement, path).map_err(Failure::input)?
    } else {
        file.apply_strict(nl, &mut placement, path).map_err(Failure::input)?;
        Vec::new()
    };
    Ok(LoadedPlacement { placement, header: file.header, missing })
}
