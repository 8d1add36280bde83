//! Circuit Training placement files (`*.plc`): reader, applier and writer
//! (`PROXY_COST.md` §4.1-4.2, `CIRCUIT_TRAINING.md` §2.3).
//!
//! - Header: the leading `#` lines (before the first body line). Field lines have the form
//!   `# Key : value [Key2 : value2]`; we match keys (case-insensitively), never spacing, and
//!   read value tokens `[0-9A-Za-z.+-]+`. Every header line is also kept verbatim in
//!   [`PlcHeader::comments`]. `#` lines after the body started are ignored.
//! - Body: `index x y orientation fixed` per line, orientation one of `N FN S FS E FE W FW`
//!   (plus the LEF/DEF aliases of [`Orientation::parse`]) or `-`, fixed `0` or `1`. Lines for
//!   the same index twice: the later one wins when applied.
//! - [`PlcFile::apply`] sets x, y, orientation (unless `-`), fixed and placed; an index out of
//!   range or naming a macro pin is an error; placeable nodes with no line are returned.
//! - The writer emits the header fields that are present in CT order, then
//!   [`PlcHeader::notes`], then one body line per port (`-`), macro (hard: its orientation;
//!   soft: `N`) and standard cell (its orientation), in index order. Coordinates use Rust's
//!   shortest round-trip `{}` form.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use crate::error::{Error, Result};
use crate::header;
use crate::model::{Blockage, Netlist, NodeId, NodeKind, Orientation, Placement};

/// The `.plc` header fields (`None` / empty when absent).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlcHeader {
    /// `Columns : C`.
    pub columns: Option<u32>,
    /// `Rows : R`.
    pub rows: Option<u32>,
    /// `Width : W` (canvas width, µm).
    pub width: Option<f64>,
    /// `Height : H` (canvas height, µm).
    pub height: Option<f64>,
    /// `Routes per micron, hor : h`.
    pub hroutes_per_micron: Option<f64>,
    /// `Routes per micron, ... ver : v`.
    pub vroutes_per_micron: Option<f64>,
    /// `Routes used by macros, hor : h`.
    pub hrouting_alloc: Option<f64>,
    /// `Routes used by macros, ... ver : v`.
    pub vrouting_alloc: Option<f64>,
    /// `Smoothing factor : k`, as written (the cost engine floors it).
    pub smoothing_factor: Option<f64>,
    /// `Overlap threshold : t`.
    pub overlap_threshold: Option<f64>,
    /// `Congestion Columns : c` (CT HEAD writer).
    pub congestion_columns: Option<u32>,
    /// `Congestion Rows : r` (CT HEAD writer).
    pub congestion_rows: Option<u32>,
    /// `Block : name`.
    pub block: Option<String>,
    /// `Project : name`.
    pub project: Option<String>,
    /// `Area : A` or `Area (stdcell+macros) : A` (informational).
    pub area: Option<f64>,
    /// `Wirelength : WL` as reported by the writer of the file.
    pub wirelength: Option<f64>,
    /// `Wirelength cost : c` as reported.
    pub wirelength_cost: Option<f64>,
    /// `Congestion cost : c` as reported.
    pub congestion_cost: Option<f64>,
    /// `Density cost : c` as reported.
    pub density_cost: Option<f64>,
    /// `Fake net cost : c` as reported.
    pub fake_net_cost: Option<f64>,
    /// Node counts in file order, e.g. `("HARD_MACROs", 133)` (keys `HARD_MACROs`,
    /// `HARD_MACRO_PINs`, `MACROs`, `MACRO_PINs`, `PORTs`, `SOFT_MACROs`, `SOFT_MACRO_PINs`,
    /// `STDCELLs`).
    pub node_counts: Vec<(String, u64)>,
    /// `Blockage : minx miny maxx maxy rate` lines.
    pub blockages: Vec<Blockage>,
    /// Every header line as read, verbatim without the leading `#` (reader only; the writer
    /// does not emit these, see [`PlcHeader::notes`]).
    pub comments: Vec<String>,
    /// Free comment lines (without `#`) the writer emits after the fields, e.g.
    /// `" Train step : 1234"`. The reader leaves this empty.
    pub notes: Vec<String>,
}

/// The node-count keys in CT order.
pub const NODE_COUNT_KEYS: [&str; 8] = [
    "HARD_MACROs",
    "HARD_MACRO_PINs",
    "MACROs",
    "MACRO_PINs",
    "PORTs",
    "SOFT_MACROs",
    "SOFT_MACRO_PINs",
    "STDCELLs",
];

impl PlcHeader {
    /// The CT node counts of a netlist, in [`NODE_COUNT_KEYS`] order.
    pub fn node_counts_of(nl: &Netlist) -> Vec<(String, u64)> {
        let c = nl.counts();
        let v = [
            c.hard_macros,
            c.hard_macro_pins,
            c.hard_macros + c.soft_macros,
            c.hard_macro_pins + c.soft_macro_pins,
            c.ports,
            c.soft_macros,
            c.soft_macro_pins,
            c.std_cells,
        ];
        NODE_COUNT_KEYS.iter().zip(v).map(|(k, n)| (k.to_string(), n as u64)).collect()
    }

    /// The node counts that disagree with `nl`: `(key, in header, in netlist)`.
    pub fn count_mismatches(&self, nl: &Netlist) -> Vec<(String, u64, u64)> {
        let actual = Self::node_counts_of(nl);
        self.node_counts
            .iter()
            .filter_map(|(k, v)| {
                let a = actual.iter().find(|(ak, _)| ak == k)?.1;
                (a != *v).then(|| (k.clone(), *v, a))
            })
            .collect()
    }

    /// Applies one header line (without `#`); unknown lines are ignored.
    fn apply_line(&mut self, line: &str) -> std::result::Result<(), String> {
        use header::{is, num, uint, word};
        let p = header::pairs(line);
        let Some((k0, v0)) = p.first() else { return Ok(()) };
        let second = p.get(1);
        let get2 = |name: &str| second.filter(|(k, _)| is(k, name));
        if is(k0, "Columns") {
            self.columns = Some(uint(k0, v0)?);
            if let Some((k, v)) = get2("Rows") {
                self.rows = Some(uint(k, v)?);
            }
        } else if is(k0, "Rows") {
            self.rows = Some(uint(k0, v0)?);
        } else if is(k0, "Congestion Columns") {
            self.congestion_columns = Some(uint(k0, v0)?);
            if let Some((k, v)) = get2("Congestion Rows") {
                self.congestion_rows = Some(uint(k, v)?);
            }
        } else if is(k0, "Congestion Rows") {
            self.congestion_rows = Some(uint(k0, v0)?);
        } else if is(k0, "Width") {
            self.width = Some(num(k0, v0)?);
            if let Some((k, v)) = get2("Height") {
                self.height = Some(num(k, v)?);
            }
        } else if is(k0, "Height") {
            self.height = Some(num(k0, v0)?);
        } else if is(k0, "Routes per micron, hor") {
            self.hroutes_per_micron = Some(num(k0, v0)?);
            if let Some((k, v)) = get2("ver") {
                self.vroutes_per_micron = Some(num(k, v)?);
            }
        } else if is(k0, "Routes used by macros, hor") {
            self.hrouting_alloc = Some(num(k0, v0)?);
            if let Some((k, v)) = get2("ver") {
                self.vrouting_alloc = Some(num(k, v)?);
            }
        } else if is(k0, "Routes per micron, ver") {
            self.vroutes_per_micron = Some(num(k0, v0)?);
        } else if is(k0, "Routes used by macros, ver") {
            self.vrouting_alloc = Some(num(k0, v0)?);
        } else if is(k0, "Smoothing factor") {
            self.smoothing_factor = Some(num(k0, v0)?);
        } else if is(k0, "Overlap threshold") {
            self.overlap_threshold = Some(num(k0, v0)?);
        } else if is(k0, "Block") {
            self.block = Some(word(v0));
        } else if is(k0, "Project") {
            self.project = Some(word(v0));
        } else if is(k0, "Area") || is(k0, "Area (stdcell+macros)") {
            self.area = Some(num(k0, v0)?);
        } else if is(k0, "Wirelength") {
            self.wirelength = Some(num(k0, v0)?);
        } else if is(k0, "Wirelength cost") {
            self.wirelength_cost = Some(num(k0, v0)?);
        } else if is(k0, "Congestion cost") {
            self.congestion_cost = Some(num(k0, v0)?);
        } else if is(k0, "Density cost") {
            self.density_cost = Some(num(k0, v0)?);
        } else if is(k0, "Fake net cost") {
            self.fake_net_cost = Some(num(k0, v0)?);
        } else if is(k0, "Blockage") {
            self.blockages.push(header::blockage(v0)?);
        } else if let Some(key) = NODE_COUNT_KEYS.iter().find(|k| is(k0, k)) {
            let t = header::value_token(v0);
            let n = t.parse::<u64>().map_err(|_| {
                format!("header field `{k0}`: expected a count, found `{}`", v0.trim())
            })?;
            self.node_counts.push((key.to_string(), n));
        }
        Ok(())
    }
}

/// One body line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlcEntry {
    /// Node index (not yet checked against a netlist).
    pub node: NodeId,
    /// Centre x in µm.
    pub x: f64,
    /// Centre y in µm.
    pub y: f64,
    /// Orientation; `None` for `-`.
    pub orientation: Option<Orientation>,
    /// Fixed flag.
    pub fixed: bool,
    /// 1-based source line (0 for entries not read from a file).
    pub line: usize,
}

/// A parsed `.plc` file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlcFile {
    /// Header fields.
    pub header: PlcHeader,
    /// Body lines in file order.
    pub entries: Vec<PlcEntry>,
}

/// Reads a `.plc` file (plain or gzip).
pub fn read(path: &Path) -> Result<PlcFile> {
    let text = crate::pb_txt::read_text(path)?;
    parse_str(&text, path)
}

/// Parses `.plc` text; `label` names the source in error messages.
pub fn parse_str(text: &str, label: &Path) -> Result<PlcFile> {
    let mut pf = PlcFile::default();
    let mut in_header = true;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        if let Some(c) = raw.trim_start().strip_prefix('#') {
            if in_header {
                let c = c.trim_end_matches('\r');
                pf.header.apply_line(c).map_err(|m| Error::parse(label, line_no, m))?;
                pf.header.comments.push(c.to_string());
            }
            continue;
        }
        in_header = false;
        let e = parse_body_line(t, line_no).map_err(|m| Error::parse(label, line_no, m))?;
        pf.entries.push(e);
    }
    Ok(pf)
}

fn parse_body_line(t: &str, line: usize) -> std::result::Result<PlcEntry, String> {
    let mut it = t.split_whitespace();
    let f: [Option<&str>; 6] = std::array::from_fn(|_| it.next());
    let [Some(idx), Some(x), Some(y), Some(o), Some(fx), None] = f else {
        let n = t.split_whitespace().count();
        return Err(format!("expected 5 fields `index x y orientation fixed`, found {n}"));
    };
    let node = idx
        .parse::<u32>()
        .map_err(|_| format!("node index `{idx}` is not a non-negative integer"))?;
    let coord = |s: &str, what: &str| -> std::result::Result<f64, String> {
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(format!("{what} `{s}` is not a finite number")),
        }
    };
    let x = coord(x, "x")?;
    let y = coord(y, "y")?;
    let orientation = if o == "-" {
        None
    } else {
        Some(Orientation::parse(o).ok_or_else(|| {
            format!("unknown orientation `{o}` (expected N, FN, S, FS, E, FE, W, FW or -)")
        })?)
    };
    let fixed = match fx {
        "0" => false,
        "1" => true,
        _ => return Err(format!("fixed flag `{fx}` must be 0 or 1")),
    };
    Ok(PlcEntry { node: NodeId(node), x, y, orientation, fixed, line })
}

impl PlcFile {
    /// Applies the body to `pl`: sets x, y, orientation (unless `-`), fixed, and placed.
    /// An index out of range or naming a macro pin is an error naming `path` and the line.
    /// Returns the placeable nodes (ports, macros, standard cells) that had no line,
    /// ascending; callers decide whether that is acceptable.
    pub fn apply(&self, nl: &Netlist, pl: &mut Placement, path: &Path) -> Result<Vec<NodeId>> {
        let n = nl.len();
        if [pl.x.len(), pl.y.len(), pl.orientation.len(), pl.fixed.len(), pl.placed.len()]
            .iter()
            .any(|&l| l != n)
        {
            return Err(Error::parse(
                path,
                0,
                format!("placement does not match the netlist ({} nodes)", n),
            ));
        }
        let mut seen = vec![false; n];
        for e in &self.entries {
            let i = e.node.index();
            let Some(&kind) = nl.kinds.get(i) else {
                return Err(Error::parse(
                    path,
                    e.line,
                    format!("node index {} out of range (the netlist has {} nodes)", e.node, n),
                ));
            };
            if kind.is_pin() {
                return Err(Error::parse(
                    path,
                    e.line,
                    format!(
                        "node index {} (\"{}\") is a macro pin; .plc lines are for ports, macros and standard cells",
                        e.node,
                        nl.name(e.node)
                    ),
                ));
            }
            pl.x[i] = e.x;
            pl.y[i] = e.y;
            if let Some(o) = e.orientation {
                pl.orientation[i] = o;
            }
            pl.fixed[i] = e.fixed;
            pl.placed[i] = true;
            seen[i] = true;
        }
        Ok(nl.ids().filter(|&id| nl.kind(id).is_placeable() && !seen[id.index()]).collect())
    }

    /// [`PlcFile::apply`], and an error `file: N nodes have no line (first: index I "name")`
    /// when any placeable node has no line.
    pub fn apply_strict(&self, nl: &Netlist, pl: &mut Placement, path: &Path) -> Result<()> {
        let missing = self.apply(nl, pl, path)?;
        if let Some(&first) = missing.first() {
            return Err(Error::parse(
                path,
                0,
                format!(
                    "{} nodes have no line (first: index {} \"{}\")",
                    missing.len(),
                    first,
                    nl.name(first)
                ),
            ));
        }
        Ok(())
    }
}

/// Writes a `.plc` file for `pl` (see the module docs for the layout).
pub fn write(path: &Path, nl: &Netlist, pl: &Placement, header: &PlcHeader) -> Result<()> {
    let text = to_string(nl, pl, header);
    let io = |e| Error::io(path, e);
    let mut f = std::fs::File::create(path).map_err(io)?;
    f.write_all(text.as_bytes()).map_err(io)?;
    f.flush().map_err(io)
}

/// Renders a `.plc` file: header fields present in `header` (CT order), `header.notes`,
/// then the body.
pub fn to_string(nl: &Netlist, pl: &Placement, h: &PlcHeader) -> String {
    let mut out = String::with_capacity(64 * nl.len().min(1 << 20) + 2048);
    let o = &mut out;
    o.push_str("# Placement file for Circuit Training\n");
    match (h.columns, h.rows) {
        (Some(c), Some(r)) => {
            let _ = writeln!(o, "# Columns : {c}  Rows : {r}");
        }
        (Some(c), None) => {
            let _ = writeln!(o, "# Columns : {c}");
        }
        (None, Some(r)) => {
            let _ = writeln!(o, "# Rows : {r}");
        }
        (None, None) => {}
    }
    match (h.congestion_columns, h.congestion_rows) {
        (Some(c), Some(r)) => {
            let _ = writeln!(o, "# Congestion Columns : {c}  Congestion Rows : {r}");
        }
        (Some(c), None) => {
            let _ = writeln!(o, "# Congestion Columns : {c}");
        }
        (None, Some(r)) => {
            let _ = writeln!(o, "# Congestion Rows : {r}");
        }
        (None, None) => {}
    }
    match (h.width, h.height) {
        (Some(w), Some(hh)) => {
            let _ = writeln!(o, "# Width : {w}  Height : {hh}");
        }
        (Some(w), None) => {
            let _ = writeln!(o, "# Width : {w}");
        }
        (None, Some(hh)) => {
            let _ = writeln!(o, "# Height : {hh}");
        }
        (None, None) => {}
    }
    let mut f = |key: &str, v: Option<f64>| {
        if let Some(v) = v {
            let _ = writeln!(o, "# {key} : {v}");
        }
    };
    f("Area", h.area);
    f("Wirelength", h.wirelength);
    f("Wirelength cost", h.wirelength_cost);
    f("Congestion cost", h.congestion_cost);
    f("Density cost", h.density_cost);
    f("Fake net cost", h.fake_net_cost);
    if let Some(p) = &h.project {
        let _ = writeln!(o, "# Project : {p}");
    }
    if let Some(b) = &h.block {
        let _ = writeln!(o, "# Block : {b}");
    }
    let pair = |o: &mut String, key: &str, a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => {
            let _ = writeln!(o, "# {key}, hor : {a}  ver : {b}");
        }
        (Some(a), None) => {
            let _ = writeln!(o, "# {key}, hor : {a}");
        }
        (None, Some(b)) => {
            let _ = writeln!(o, "# {key}, ver : {b}");
        }
        (None, None) => {}
    };
    pair(o, "Routes per micron", h.hroutes_per_micron, h.vroutes_per_micron);
    pair(o, "Routes used by macros", h.hrouting_alloc, h.vrouting_alloc);
    if let Some(s) = h.smoothing_factor {
        let _ = writeln!(o, "# Smoothing factor : {s}");
    }
    if let Some(t) = h.overlap_threshold {
        let _ = writeln!(o, "# Overlap threshold : {t}");
    }
    for b in &h.blockages {
        let _ =
            writeln!(o, "# Blockage : {} {} {} {} {}", b.min_x, b.min_y, b.max_x, b.max_y, b.rate);
    }
    if !h.node_counts.is_empty() {
        o.push_str("# Counts of node types:\n");
        for (k, v) in &h.node_counts {
            let _ = writeln!(o, "# {k:<15} : {v:>9}");
        }
    }
    for n in &h.notes {
        o.push('#');
        o.push_str(n);
        o.push('\n');
    }
    o.push_str("# node_index x y orientation fixed\n");
    for id in nl.ids() {
        let i = id.index();
        let kind = nl.kinds[i];
        if !kind.is_placeable() {
            continue;
        }
        let orient = match kind {
            NodeKind::Port => "-",
            NodeKind::SoftMacro => "N",
            _ => pl.orientation.get(i).copied().unwrap_or_default().as_str(),
        };
        let x = pl.x.get(i).copied().unwrap_or(nl.x[i]);
        let y = pl.y.get(i).copied().unwrap_or(nl.y[i]);
        let fixed = u8::from(pl.fixed.get(i).copied().unwrap_or(false));
        let _ = writeln!(o, "{i} {x} {y} {orient} {fixed}");
    }
    out
}

#[cfg(test)]
mod tests;
