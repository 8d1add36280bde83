//! The netlist data model shared by every chipfloor crate.
//!
//! Layout: flat arrays indexed by [`NodeId`] (struct of arrays), and nets in compressed
//! sparse row form (driver, weight, and a slice of sinks per net). Node ids are the
//! Circuit Training node indices: every node of the `.pb.txt` in file order except
//! `__metadata__`, so the same number appears in `.plc` files.
//!
//! The netlist is immutable after construction; positions live in [`Placement`].

use std::collections::HashMap;
use std::fmt;

/// Index of a node: its Circuit Training index (file order, `__metadata__` excluded).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The id as a `usize` array index.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Index of a net (nets are numbered by their driver's position in file order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NetId(pub u32);

impl NetId {
    /// The id as a `usize` array index.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a node is, after the hard/soft rule (`PROXY_COST.md` §2.3) has been applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// An I/O port (dimensionless).
    Port,
    /// A hard macro (SRAM, IP block): placed by the policy or a baseline.
    HardMacro,
    /// A soft macro: a cluster of standard cells (name starts with `Grp_`).
    SoftMacro,
    /// A pin of a hard macro, with an offset from the macro centre.
    HardMacroPin,
    /// A pin of a soft macro (sits at the soft macro's centre).
    SoftMacroPin,
    /// A standard cell of a flat netlist.
    StdCell,
}

impl NodeKind {
    /// True for hard and soft macros.
    pub fn is_macro(self) -> bool {
        matches!(self, NodeKind::HardMacro | NodeKind::SoftMacro)
    }
    /// True for hard and soft macro pins.
    pub fn is_pin(self) -> bool {
        matches!(self, NodeKind::HardMacroPin | NodeKind::SoftMacroPin)
    }
    /// True for nodes that have a line in a `.plc` body (ports, macros and standard cells).
    pub fn is_placeable(self) -> bool {
        !self.is_pin()
    }
    /// The canonical (upper-case) `.pb.txt` type string.
    pub fn type_str(self) -> &'static str {
        match self {
            NodeKind::Port => "PORT",
            NodeKind::HardMacro | NodeKind::SoftMacro => "MACRO",
            NodeKind::HardMacroPin | NodeKind::SoftMacroPin => "MACRO_PIN",
            NodeKind::StdCell => "STDCELL",
        }
    }
}

/// Macro orientation (`PROXY_COST.md` §6). The footprint is never swapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Orientation {
    /// North (R0).
    #[default]
    N,
    /// Flipped north (MY).
    FN,
    /// South (R180).
    S,
    /// Flipped south (MX).
    FS,
    /// East (R270).
    E,
    /// Flipped east (MX90).
    FE,
    /// West (R90).
    W,
    /// Flipped west (MY90).
    FW,
}

impl Orientation {
    /// All eight orientations.
    pub const ALL: [Orientation; 8] = [
        Orientation::N,
        Orientation::FN,
        Orientation::S,
        Orientation::FS,
        Orientation::E,
        Orientation::FE,
        Orientation::W,
        Orientation::FW,
    ];

    /// Parses `N FN S FS E FE W FW` and the LEF/DEF aliases (`R0`, `MY`, `R180`, `MX`, ...).
    pub fn parse(s: &str) -> Option<Orientation> {
        Some(match s {
            "N" | "R0" => Orientation::N,
            "FN" | "MY" => Orientation::FN,
            "S" | "R180" => Orientation::S,
            "FS" | "MX" => Orientation::FS,
            "E" | "R270" => Orientation::E,
            "FE" | "MX90" | "MYR90" => Orientation::FE,
            "W" | "R90" => Orientation::W,
            "FW" | "MY90" | "MXR90" => Orientation::FW,
            _ => return None,
        })
    }

    /// The Circuit Training name (`N`, `FN`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Orientation::N => "N",
            Orientation::FN => "FN",
            Orientation::S => "S",
            Orientation::FS => "FS",
            Orientation::E => "E",
            Orientation::FE => "FE",
            Orientation::W => "W",
            Orientation::FW => "FW",
        }
    }

    /// Transforms an orientation-N pin offset into this orientation (`PROXY_COST.md` §6).
    #[inline]
    pub fn transform(self, dx: f64, dy: f64) -> (f64, f64) {
        match self {
            Orientation::N => (dx, dy),
            Orientation::FN => (-dx, dy),
            Orientation::S => (-dx, -dy),
            Orientation::FS => (dx, -dy),
            Orientation::E => (dy, -dx),
            Orientation::FE => (-dy, -dx),
            Orientation::W => (-dy, dx),
            Orientation::FW => (dy, dx),
        }
    }

    /// The four orientations a macro in this orientation may take (no 90° changes).
    pub fn family(self) -> [Orientation; 4] {
        use Orientation::*;
        match self {
            N | FN | S | FS => [N, FN, S, FS],
            E | FE | W | FW => [E, FE, W, FW],
        }
    }
}

impl fmt::Display for Orientation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `.pb.txt` attribute value, kept for attributes the model does not interpret (so a
/// read-write round trip keeps them).
#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue {
    /// `placeholder: "..."`.
    Str(String),
    /// `f: ...`.
    F(f64),
    /// `i: ...`.
    I(i64),
}

/// A rectangular blockage `minx miny maxx maxy rate` (stored; no effect on the costs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Blockage {
    /// Lower-left x in µm.
    pub min_x: f64,
    /// Lower-left y in µm.
    pub min_y: f64,
    /// Upper-right x in µm.
    pub max_x: f64,
    /// Upper-right y in µm.
    pub max_y: f64,
    /// Blockage rate (0.99: no cells; 0.1: spacing; 1.0: cut-out).
    pub rate: f64,
}

/// Canvas and grid information read from a netlist's leading `#` comments (`PROXY_COST.md` §4.3).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NetlistHeader {
    /// Canvas width and height in µm (`FP bbox` or `Width : W Height : H`).
    pub canvas: Option<(f64, f64)>,
    /// Grid columns and rows.
    pub grid: Option<(u32, u32)>,
    /// Block name.
    pub block: Option<String>,
    /// Blockages declared in the header.
    pub blockages: Vec<Blockage>,
    /// Every leading comment line, verbatim (without the leading `#`), for round trips.
    pub comments: Vec<String>,
}

/// Nets in compressed sparse row form. Net `i` has driver `driver[i]`, weight `weight[i]` and
/// sinks `sinks[sink_start[i]..sink_start[i + 1]]` (file order, duplicates kept).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Nets {
    /// Driving node of each net (a port, macro pin or standard cell).
    pub driver: Vec<NodeId>,
    /// Net weight (`PROXY_COST.md` §2.5): the driver pin's `weight`, 1 for ports.
    pub weight: Vec<f64>,
    /// Offsets into `sinks`; length is `len() + 1`.
    pub sink_start: Vec<u32>,
    /// Sink nodes of all nets, concatenated.
    pub sinks: Vec<NodeId>,
}

impl Nets {
    /// Number of nets.
    pub fn len(&self) -> usize {
        self.driver.len()
    }
    /// True when there are no nets.
    pub fn is_empty(&self) -> bool {
        self.driver.is_empty()
    }
    /// Sinks of net `n`.
    pub fn sinks_of(&self, n: NetId) -> &[NodeId] {
        let i = n.index();
        &self.sinks[self.sink_start[i] as usize..self.sink_start[i + 1] as usize]
    }
    /// Appends a net.
    pub fn push(&mut self, driver: NodeId, weight: f64, sinks: &[NodeId]) {
        if self.sink_start.is_empty() {
            self.sink_start.push(0);
        }
        self.driver.push(driver);
        self.weight.push(weight);
        self.sinks.extend_from_slice(sinks);
        self.sink_start.push(self.sinks.len() as u32);
    }
    /// Number of net connections: drivers plus sink entries (duplicates counted), i.e. the
    /// Bookshelf `NumPins` of a design read by [`crate::bookshelf`].
    pub fn pin_count(&self) -> usize {
        self.driver.len() + self.sinks.len()
    }
    /// Sum of net weights (`N_net` of `PROXY_COST.md` §2.6, before the 0 → 1 rule).
    pub fn weight_sum(&self) -> f64 {
        self.weight.iter().sum()
    }
}

/// A netlist: nodes (struct of arrays indexed by [`NodeId`]), nets, header.
///
/// Build one with [`NetlistBuilder`] (the format readers do) so the derived indices stay
/// consistent. `PartialEq` compares every field (used by the format round-trip tests).
#[derive(Clone, Debug, PartialEq)]
pub struct Netlist {
    /// Node names.
    pub names: Vec<String>,
    /// Node kinds.
    pub kinds: Vec<NodeKind>,
    /// Width in µm (macros and standard cells; 0 for ports and pins).
    pub width: Vec<f64>,
    /// Height in µm (macros and standard cells; 0 for ports and pins).
    pub height: Vec<f64>,
    /// Centre x from the netlist attributes (ports, macros, standard cells; pins: 0).
    pub x: Vec<f64>,
    /// Centre y from the netlist attributes.
    pub y: Vec<f64>,
    /// Orientation from the netlist (`N` when absent).
    pub orientation: Vec<Orientation>,
    /// Owner macro of each pin (`None` for other nodes).
    pub owner: Vec<Option<NodeId>>,
    /// Pin offset from the owner's centre in orientation N (`x_offset`, `y_offset`).
    pub pin_offset: Vec<(f64, f64)>,
    /// The node's `weight` attribute, if it has one.
    pub weight: Vec<Option<f64>>,
    /// Attributes the model does not interpret (`side`, `ref_name`, pin `x`/`y`, ...), in file
    /// order, kept for round trips.
    pub extra_attrs: Vec<Vec<(String, AttrValue)>>,
    /// Nets.
    pub nets: Nets,
    /// Leading-comment header.
    pub header: NetlistHeader,
    /// `soft_macro_area_bloating_ratio` from a `__metadata__` node, if present.
    pub soft_macro_area_bloating_ratio: Option<f64>,
    /// Derived: pins of each macro, CSR over node ids (`pins_start[m]..pins_start[m + 1]`).
    pub pins_start: Vec<u32>,
    /// Derived: pin ids grouped by owner.
    pub pins: Vec<NodeId>,
    /// Derived: name → id.
    pub by_name: HashMap<String, NodeId>,
}

impl Netlist {
    /// Number of nodes (indexed ones; `__metadata__` excluded).
    pub fn len(&self) -> usize {
        self.names.len()
    }
    /// True when the netlist has no nodes.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
    /// All node ids.
    pub fn ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.len() as u32).map(NodeId)
    }
    /// Kind of a node.
    pub fn kind(&self, id: NodeId) -> NodeKind {
        self.kinds[id.index()]
    }
    /// Name of a node.
    pub fn name(&self, id: NodeId) -> &str {
        &self.names[id.index()]
    }
    /// Looks a node up by name.
    pub fn find(&self, name: &str) -> Option<NodeId> {
        self.by_name.get(name).copied()
    }
    /// Ids of all nodes of one kind, ascending.
    pub fn of_kind(&self, kind: NodeKind) -> Vec<NodeId> {
        self.ids().filter(|&i| self.kind(i) == kind).collect()
    }
    /// Hard and soft macros, ascending index (CT `get_macro_indices`).
    pub fn macros(&self) -> Vec<NodeId> {
        self.ids().filter(|&i| self.kind(i).is_macro()).collect()
    }
    /// Hard macros, ascending index.
    pub fn hard_macros(&self) -> Vec<NodeId> {
        self.of_kind(NodeKind::HardMacro)
    }
    /// Soft macros, ascending index.
    pub fn soft_macros(&self) -> Vec<NodeId> {
        self.of_kind(NodeKind::SoftMacro)
    }
    /// Ports, ascending index.
    pub fn ports(&self) -> Vec<NodeId> {
        self.of_kind(NodeKind::Port)
    }
    /// Pins of a macro (empty for other nodes).
    pub fn pins_of(&self, m: NodeId) -> &[NodeId] {
        let i = m.index();
        &self.pins[self.pins_start[i] as usize..self.pins_start[i + 1] as usize]
    }
    /// Area of a node (width × height).
    pub fn area(&self, id: NodeId) -> f64 {
        self.width[id.index()] * self.height[id.index()]
    }
    /// Total area of hard and soft macros (`PROXY_COST.md` §2.8).
    pub fn total_macro_area(&self) -> f64 {
        self.ids().filter(|&i| self.kind(i).is_macro()).map(|i| self.area(i)).sum()
    }
    /// Counts of each kind.
    pub fn counts(&self) -> NodeCounts {
        let mut c = NodeCounts::default();
        for &k in &self.kinds {
            match k {
                NodeKind::Port => c.ports += 1,
                NodeKind::HardMacro => c.hard_macros += 1,
                NodeKind::SoftMacro => c.soft_macros += 1,
                NodeKind::HardMacroPin => c.hard_macro_pins += 1,
                NodeKind::SoftMacroPin => c.soft_macro_pins += 1,
                NodeKind::StdCell => c.std_cells += 1,
            }
        }
        c
    }
    /// The placement given by the netlist's own attributes (positions, orientations);
    /// nothing fixed, macros and ports marked placed.
    pub fn initial_placement(&self) -> Placement {
        Placement {
            x: self.x.clone(),
            y: self.y.clone(),
            orientation: self.orientation.clone(),
            fixed: vec![false; self.len()],
            placed: self.kinds.iter().map(|k| k.is_placeable()).collect(),
        }
    }
}

/// Number of nodes of each kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeCounts {
    /// Ports.
    pub ports: usize,
    /// Hard macros.
    pub hard_macros: usize,
    /// Soft macros.
    pub soft_macros: usize,
    /// Hard-macro pins.
    pub hard_macro_pins: usize,
    /// Soft-macro pins.
    pub soft_macro_pins: usize,
    /// Standard cells.
    pub std_cells: usize,
}

/// Positions of every node (indexed by [`NodeId`]; entries of pins are unused: pin
/// positions derive from their owner, `PROXY_COST.md` §6).
#[derive(Clone, Debug, PartialEq)]
pub struct Placement {
    /// Centre x in µm.
    pub x: Vec<f64>,
    /// Centre y in µm.
    pub y: Vec<f64>,
    /// Orientation (meaningful for hard macros only).
    pub orientation: Vec<Orientation>,
    /// Fixed flag (`.plc` column 5).
    pub fixed: Vec<bool>,
    /// Placed flag.
    pub placed: Vec<bool>,
}

impl Placement {
    /// Position of a pin or node: a hard-macro pin at its owner's centre plus its offset
    /// transformed by the owner's current orientation; a soft-macro pin at its owner's centre;
    /// anything else at its own position.
    #[inline]
    pub fn pin_position(&self, nl: &Netlist, id: NodeId) -> (f64, f64) {
        let i = id.index();
        match (nl.kinds[i], nl.owner[i]) {
            (NodeKind::HardMacroPin, Some(o)) => {
                let (dx, dy) = nl.pin_offset[i];
                let (dx, dy) = self.orientation[o.index()].transform(dx, dy);
                (self.x[o.index()] + dx, self.y[o.index()] + dy)
            }
            (NodeKind::SoftMacroPin, Some(o)) => (self.x[o.index()], self.y[o.index()]),
            _ => (self.x[i], self.y[i]),
        }
    }
}

/// Raw node description handed to [`NetlistBuilder`] by the format readers.
#[derive(Clone, Debug, Default)]
pub struct NodeSpec {
    /// Unique name.
    pub name: String,
    /// Kind (hard/soft already decided for macros; pins may be given as either pin kind:
    /// the builder fixes pin kinds from their owners).
    pub kind: Option<NodeKind>,
    /// Width (macros, standard cells).
    pub width: f64,
    /// Height (macros, standard cells).
    pub height: f64,
    /// Centre x.
    pub x: f64,
    /// Centre y.
    pub y: f64,
    /// Orientation.
    pub orientation: Orientation,
    /// Owner macro name (pins).
    pub owner: Option<String>,
    /// Offset from the owner's centre in orientation N (pins).
    pub offset: (f64, f64),
    /// `weight` attribute.
    pub weight: Option<f64>,
    /// Names of the nodes this node drives (its `input` entries), in order.
    pub fanout: Vec<String>,
    /// Uninterpreted attributes.
    pub extra_attrs: Vec<(String, AttrValue)>,
    /// Source line, for diagnostics (1-based; 0 when unknown).
    pub line: usize,
}

/// A problem found while assembling a netlist: the line it refers to (0 if unknown) and a
/// message. Readers attach the file name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    /// 1-based source line, 0 when unknown.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Assembles a [`Netlist`] from node specs: resolves names, owners and nets, and derives the
/// indices. Used by every reader so they share one set of rules.
#[derive(Debug, Default)]
pub struct NetlistBuilder {
    specs: Vec<NodeSpec>,
    /// Header to attach.
    pub header: NetlistHeader,
    /// `__metadata__` bloating ratio to attach.
    pub soft_macro_area_bloating_ratio: Option<f64>,
}

impl NetlistBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a node (its id is the number of nodes added before it).
    pub fn push(&mut self, spec: NodeSpec) -> NodeId {
        self.specs.push(spec);
        NodeId(self.specs.len() as u32 - 1)
    }
    /// Number of nodes added so far.
    pub fn len(&self) -> usize {
        self.specs.len()
    }
    /// True when no node was added.
    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// Resolves names and builds the netlist.
    ///
    /// Rules (`PROXY_COST.md` §2): every node needs a kind; names are unique; a pin's owner
    /// must be a macro; a pin's kind follows its owner (hard/soft); every port, pin or
    /// standard cell with a non-empty fan-out drives one net whose sinks are its fan-out,
    /// which must name ports, pins or standard cells; net weight is the driver's `weight`
    /// (default 1), and 1 for ports.
    pub fn build(self) -> Result<Netlist, BuildError> {
        let n = self.specs.len();
        let mut by_name: HashMap<String, NodeId> = HashMap::with_capacity(n);
        for (i, s) in self.specs.iter().enumerate() {
            if s.kind.is_none() {
                return Err(BuildError {
                    line: s.line,
                    message: format!("node \"{}\" has no type", s.name),
                });
            }
            if by_name.insert(s.name.clone(), NodeId(i as u32)).is_some() {
                return Err(BuildError {
                    line: s.line,
                    message: format!("duplicate node name \"{}\"", s.name),
                });
            }
        }
        let mut kinds: Vec<NodeKind> =
            self.specs.iter().map(|s| s.kind.unwrap_or(NodeKind::Port)).collect();
        let mut owner = vec![None; n];
        for (i, s) in self.specs.iter().enumerate() {
            if !kinds[i].is_pin() {
                continue;
            }
            let Some(oname) = &s.owner else {
                return Err(BuildError {
                    line: s.line,
                    message: format!("macro pin \"{}\" has no macro_name", s.name),
                });
            };
            let Some(&o) = by_name.get(oname) else {
                return Err(BuildError {
                    line: s.line,
                    message: format!("macro pin \"{}\" names unknown macro \"{}\"", s.name, oname),
                });
            };
            kinds[i] = match kinds[o.index()] {
                NodeKind::HardMacro => NodeKind::HardMacroPin,
                NodeKind::SoftMacro => NodeKind::SoftMacroPin,
                _ => {
                    return Err(BuildError {
                        line: s.line,
                        message: format!(
                            "macro pin \"{}\" names \"{}\", which is not a macro",
                            s.name, oname
                        ),
                    })
                }
            };
            owner[i] = Some(o);
        }
        let mut nets = Nets::default();
        nets.sink_start.push(0);
        let mut sinks = Vec::new();
        for (i, s) in self.specs.iter().enumerate() {
            if s.fanout.is_empty() || kinds[i].is_macro() {
                continue;
            }
            sinks.clear();
            for t in &s.fanout {
                let Some(&tid) = by_name.get(t) else {
                    return Err(BuildError {
                        line: s.line,
                        message: format!(
                            "node \"{}\" has input \"{}\", which is not a node",
                            s.name, t
                        ),
                    });
                };
                if kinds[tid.index()].is_macro() {
                    return Err(BuildError {
                        line: s.line,
                        message: format!(
                            "node \"{}\" has input \"{}\", which is a macro (nets connect pins, ports and standard cells)",
                            s.name, t
                        ),
                    });
                }
                sinks.push(tid);
            }
            let w = if kinds[i] == NodeKind::Port { 1.0 } else { s.weight.unwrap_or(1.0) };
            nets.push(NodeId(i as u32), w, &sinks);
        }
        // Pins grouped by owner (CSR over all node ids).
        let mut count = vec![0u32; n + 1];
        for o in owner.iter().flatten() {
            count[o.index() + 1] += 1;
        }
        for i in 0..n {
            count[i + 1] += count[i];
        }
        let pins_start = count.clone();
        let mut fill = count;
        let mut pins = vec![NodeId(0); pins_start[n] as usize];
        for (i, o) in owner.iter().enumerate() {
            if let Some(o) = o {
                pins[fill[o.index()] as usize] = NodeId(i as u32);
                fill[o.index()] += 1;
            }
        }
        let mut nl = Netlist {
            names: Vec::with_capacity(n),
            kinds,
            width: Vec::with_capacity(n),
            height: Vec::with_capacity(n),
            x: Vec::with_capacity(n),
            y: Vec::with_capacity(n),
            orientation: Vec::with_capacity(n),
            owner,
            pin_offset: Vec::with_capacity(n),
            weight: Vec::with_capacity(n),
            extra_attrs: Vec::with_capacity(n),
            nets,
            header: self.header,
            soft_macro_area_bloating_ratio: self.soft_macro_area_bloating_ratio,
            pins_start,
            pins,
            by_name,
        };
        for s in self.specs {
            nl.names.push(s.name);
            nl.width.push(s.width);
            nl.height.push(s.height);
            nl.x.push(s.x);
            nl.y.push(s.y);
            nl.orientation.push(s.orientation);
            nl.pin_offset.push(s.offset);
            nl.weight.push(s.weight);
            nl.extra_attrs.push(s.extra_attrs);
        }
        Ok(nl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, kind: NodeKind) -> NodeSpec {
        NodeSpec { name: name.into(), kind: Some(kind), ..Default::default() }
    }

    #[test]
    fn builder_resolves_pins_and_nets() {
        let mut b = NetlistBuilder::new();
        let mut p = spec("in0", NodeKind::Port);
        p.fanout = vec!["M0/A".into(), "Grp_1/I".into(), "M0/A".into()];
        b.push(p);
        let mut m = spec("M0", NodeKind::HardMacro);
        m.width = 30.0;
        m.height = 20.0;
        b.push(m);
        let mut pa = spec("M0/A", NodeKind::HardMacroPin);
        pa.owner = Some("M0".into());
        pa.offset = (-14.0, 3.0);
        pa.weight = Some(3.0);
        pa.fanout = vec!["in0".into()];
        b.push(pa);
        b.push(spec("Grp_1", NodeKind::SoftMacro));
        let mut pi = spec("Grp_1/I", NodeKind::HardMacroPin);
        pi.owner = Some("Grp_1".into());
        b.push(pi);
        let nl = b.build().unwrap();
        assert_eq!(nl.kind(NodeId(4)), NodeKind::SoftMacroPin);
        assert_eq!(nl.nets.len(), 2);
        assert_eq!(nl.nets.sinks_of(NetId(0)), &[NodeId(2), NodeId(4), NodeId(2)]);
        assert_eq!(nl.nets.weight, vec![1.0, 3.0]);
        assert_eq!(nl.pins_of(NodeId(1)), &[NodeId(2)]);
        assert_eq!(nl.pins_of(NodeId(3)), &[NodeId(4)]);
        let pl = nl.initial_placement();
        let mut pl2 = pl.clone();
        pl2.x[1] = 100.0;
        pl2.orientation[1] = Orientation::S;
        assert_eq!(pl2.pin_position(&nl, NodeId(2)), (114.0, -3.0));
    }

    #[test]
    fn builder_rejects_dangling_input() {
        let mut b = NetlistBuilder::new();
        let mut p = spec("in0", NodeKind::Port);
        p.fanout = vec!["nope".into()];
        p.line = 7;
        b.push(p);
        let e = b.build().unwrap_err();
        assert_eq!(e.line, 7);
        assert!(e.message.contains("nope"));
    }

    #[test]
    fn orientation_transforms_are_consistent() {
        for o in Orientation::ALL {
            assert_eq!(Orientation::parse(o.as_str()), Some(o));
            let (a, b) = o.transform(3.0, 5.0);
            assert!((a.abs() - 3.0).abs() < 1e-12 || (a.abs() - 5.0).abs() < 1e-12);
            assert!((a * a + b * b - 34.0).abs() < 1e-12);
        }
        assert_eq!(Orientation::parse("MX90"), Some(Orientation::FE));
    }
}
