//! DEF floorplans: reader, import onto a netlist by names, and export of a placement as DEF
//! or as an OpenROAD Tcl script.
//!
//! # Reading
//!
//! [`parse_str`] / [`read`] interpret `VERSION`, `DIVIDERCHAR`, `BUSBITCHARS`, `DESIGN`,
//! `UNITS DISTANCE MICRONS`, `DIEAREA` (rectangle, or polygon → bounding box), `ROW`,
//! `COMPONENTS` (`+ PLACED/FIXED/COVER ( x y ) orient`, `+ UNPLACED`, `+ SOURCE`; other
//! `+` options skipped), `PINS` (`+ NET`, `+ DIRECTION`, `+ USE`, `+ LAYER ... ( ) ( )`,
//! `+ PLACED/FIXED/COVER`), `NETS` (connections only; wiring skipped) and `BLOCKAGES`
//! (rectangles). `TRACKS`, `GCELLGRID`, `VIAS`, `SPECIALNETS`, `PROPERTYDEFINITIONS` and any
//! unknown statement (up to `;`) or section (up to `END <section>`) are skipped. A section
//! count that disagrees with its items, a missing `END DESIGN`, a bad number or an unknown
//! orientation is an error `file:line: problem`; the reader never panics.
//!
//! Names keep their DEF escapes in [`DefComponent::name`]; [`unescape`] removes them
//! (`sram_block\[0\]` → `sram_block[0]`), which is how Circuit Training netlists spell them.
//!
//! # Coordinates and orientation
//!
//! DEF locations are the lower-left corner of the *oriented* bounding box, in database units
//! (`UNITS DISTANCE MICRONS n`, default 1000 when absent). chipfloor stores centres in µm
//! relative to the die's lower-left corner. For orientations `E`, `W`, `FE`, `FW` the
//! footprint is rotated, so the centre is `ll + (h/2, w/2)` where `w × h` is the N-orientation
//! size (LEF `SIZE`, else the netlist's). Circuit Training never swaps footprints
//! (`PROXY_COST.md` §6); the centre is what both agree on, so it is what is converted. DEF and
//! chipfloor orientation names are the same (`N S E W FN FS FE FW`).
//!
//! # Export
//!
//! [`write_placement`] writes the hard macros (optionally soft macros) as `COMPONENTS`
//! with `+ PLACED` (movable) or `+ FIXED` (fixed in the placement, or all of them with
//! [`DefExportOptions::all_fixed`]), the lower-left corner rounded to the nearest database
//! unit, and the ports as `PINS`. Reading the file back gives every centre within half a
//! database unit of the written one, and exactly the same centre when the lower-left corner
//! was on the database-unit grid already. [`write_tcl`] writes OpenROAD
//! `place_macro -macro_name NAME -location {x y} -orientation R0|R90|...` commands
//! (location: lower-left corner in µm).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::lef::{tokenize, LefLibrary, Parser, Tok};
use crate::model::{Netlist, NodeId, NodeKind, Orientation, Placement};

/// Placement status of a component or pin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Status {
    /// No location (no status given, or `+ UNPLACED`).
    #[default]
    Unplaced,
    /// `+ PLACED`.
    Placed,
    /// `+ FIXED`.
    Fixed,
    /// `+ COVER`.
    Cover,
}

impl Status {
    /// The DEF keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Unplaced => "UNPLACED",
            Status::Placed => "PLACED",
            Status::Fixed => "FIXED",
            Status::Cover => "COVER",
        }
    }
}

/// A `COMPONENTS` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct DefComponent {
    /// Instance name as written (escapes kept).
    pub name: String,
    /// Master (LEF macro) name.
    pub model: String,
    /// Placement status.
    pub status: Status,
    /// Lower-left of the oriented bounding box in database units (`None` when unplaced).
    pub location: Option<(f64, f64)>,
    /// Orientation (`N` when unplaced).
    pub orientation: Orientation,
    /// `+ SOURCE`, if given.
    pub source: Option<String>,
    /// 1-based line of the entry.
    pub line: usize,
}

/// A `PINS` entry (an I/O pin of the design).
#[derive(Clone, Debug, PartialEq)]
pub struct DefPin {
    /// Pin name as written.
    pub name: String,
    /// `+ NET`, if given.
    pub net: Option<String>,
    /// `+ DIRECTION`, if given.
    pub direction: Option<String>,
    /// `+ USE`, if given.
    pub usage: Option<String>,
    /// `+ LAYER name ( x0 y0 ) ( x1 y1 )`: layer and rectangle relative to the location (DBU).
    pub layer: Option<(String, (f64, f64, f64, f64))>,
    /// Placement status.
    pub status: Status,
    /// Location in database units.
    pub location: Option<(f64, f64)>,
    /// Orientation of the pin shape.
    pub orientation: Orientation,
    /// 1-based line.
    pub line: usize,
}

impl DefPin {
    /// Centre of the pin in database units: the location plus the centre of its `LAYER`
    /// rectangle transformed by its orientation (the location alone without a rectangle).
    pub fn centre(&self) -> Option<(f64, f64)> {
        let (x, y) = self.location?;
        let (dx, dy) = match &self.layer {
            Some((_, (x0, y0, x1, y1))) => {
                self.orientation.transform((x0 + x1) / 2.0, (y0 + y1) / 2.0)
            }
            None => (0.0, 0.0),
        };
        Some((x + dx, y + dy))
    }
}

/// A `ROW`.
#[derive(Clone, Debug, PartialEq)]
pub struct DefRow {
    /// Row name.
    pub name: String,
    /// Site name.
    pub site: String,
    /// Origin in database units.
    pub origin: (f64, f64),
    /// Site orientation.
    pub orientation: Orientation,
    /// `DO n BY m` (1 × 1 when absent).
    pub count: (u64, u64),
    /// `STEP x y` (0 0 when absent).
    pub step: (f64, f64),
}

/// A `NETS` entry: its connections `(component, pin)`; component `PIN` means an I/O pin.
#[derive(Clone, Debug, PartialEq)]
pub struct DefNet {
    /// Net name.
    pub name: String,
    /// Connections in file order.
    pub connections: Vec<(String, String)>,
    /// 1-based line.
    pub line: usize,
}

/// A `BLOCKAGES` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct DefBlockage {
    /// `LAYER name` for a routing blockage; `None` for a placement blockage.
    pub layer: Option<String>,
    /// Rectangles `(x0, y0, x1, y1)` in database units.
    pub rects: Vec<(f64, f64, f64, f64)>,
    /// 1-based line.
    pub line: usize,
}

/// A parsed DEF file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DefDesign {
    /// File the design was read from (or the label given to [`parse_str`]).
    pub path: PathBuf,
    /// `VERSION`.
    pub version: Option<String>,
    /// `DIVIDERCHAR` (default `/`).
    pub divider: char,
    /// `BUSBITCHARS` (default `[]`).
    pub busbit: (char, char),
    /// `DESIGN` name.
    pub design: Option<String>,
    /// `UNITS DISTANCE MICRONS` (database units per µm; 1000 when absent).
    pub dbu: f64,
    /// `DIEAREA` bounding box in database units.
    pub die_area: Option<(f64, f64, f64, f64)>,
    /// Rows.
    pub rows: Vec<DefRow>,
    /// Components in file order.
    pub components: Vec<DefComponent>,
    /// I/O pins in file order.
    pub pins: Vec<DefPin>,
    /// Nets (connections only).
    pub nets: Vec<DefNet>,
    /// Blockages.
    pub blockages: Vec<DefBlockage>,
}

impl DefDesign {
    /// The die area in µm `(x0, y0, x1, y1)`.
    pub fn die_area_um(&self) -> Option<(f64, f64, f64, f64)> {
        self.die_area.map(|(a, b, c, d)| (a / self.dbu, b / self.dbu, c / self.dbu, d / self.dbu))
    }
    /// Checks that every component's model is a macro of `lef`; the first one that is not is
    /// an error at its line.
    pub fn check_models(&self, lef: &LefLibrary) -> Result<()> {
        for c in &self.components {
            if lef.get(&c.model).is_none() {
                return Err(Error::parse(
                    &self.path,
                    c.line,
                    format!(
                        "component {} uses macro `{}`, which no LEF file defines",
                        c.name, c.model
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Header comment key recording the DEF coordinates (µm) of chipfloor's (0, 0): the die's
/// lower-left corner, when it is not at the origin (` DEF origin : x0 y0`).
pub const ORIGIN_KEY: &str = "DEF origin";

/// The DEF origin recorded in a netlist's header comments ([`ORIGIN_KEY`]), if any; pass it
/// as [`DefExportOptions::origin`] to write DEF coordinates back where they came from.
pub fn origin(nl: &Netlist) -> Option<(f64, f64)> {
    crate::header::comment_point(&nl.header.comments, ORIGIN_KEY)
}

/// Sets (or removes, for (0, 0)) the [`ORIGIN_KEY`] header comment of a netlist.
pub fn set_origin(nl: &mut Netlist, origin: (f64, f64)) {
    crate::header::set_comment_point(&mut nl.header.comments, ORIGIN_KEY, origin);
}

/// Removes DEF escapes: a backslash makes the next character literal (`a\[0\]` → `a[0]`).
pub fn unescape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut esc = false;
    for c in name.chars() {
        if esc {
            out.push(c);
            esc = false;
        } else if c == '\\' {
            esc = true;
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes a component (instance) name for DEF: `[`, `]`, `\`, `;`, `(`, `)`, `*`, `#`, `"`
/// and `-`/`+` at the start get a backslash; whitespace becomes `_`. `/` (the hierarchy
/// divider) is kept. This is how Innovus and OpenROAD write generate-block indices
/// (`sram_block\[0\]`).
pub fn escape(name: &str) -> String {
    escape_with(name, true)
}

/// Escapes an I/O pin name for DEF: bus brackets stay (`data[3]` is bit 3 of `data`); other
/// special characters are escaped as in [`escape`].
fn escape_pin(name: &str) -> String {
    escape_with(name, false)
}

/// [`escape`], with `[` and `]` escaped only when `brackets` is set.
fn escape_with(name: &str, brackets: bool) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        match c {
            '[' | ']' if !brackets => out.push(c),
            '[' | ']' | '\\' | ';' | '(' | ')' | '*' | '"' => {
                out.push('\\');
                out.push(c);
            }
            '#' | '-' | '+' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_whitespace() => out.push('_'),
            c => out.push(c),
        }
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

/// Reads a DEF file.
pub fn read(path: &Path) -> Result<DefDesign> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_str(&String::from_utf8_lossy(&bytes), path)
}

/// Parses DEF text (`label` names it in errors).
pub fn parse_str(text: &str, label: &Path) -> Result<DefDesign> {
    let toks = tokenize(text, label, true)?;
    let mut p = Parser::new(toks, label);
    let mut d = DefDesign {
        path: label.to_path_buf(),
        divider: '/',
        busbit: ('[', ']'),
        dbu: 1000.0,
        ..Default::default()
    };
    loop {
        let Some(t) = p.next_opt() else {
            return Err(p.err(p.line(), "missing `END DESIGN`"));
        };
        if t.quoted {
            return Err(p.err(t.line, format!("unexpected string \"{}\"", t.text)));
        }
        let kw = t.text.to_ascii_uppercase();
        match kw.as_str() {
            "END" => {
                let n = p.next("`DESIGN`")?;
                if n.text.eq_ignore_ascii_case("DESIGN") {
                    return Ok(d);
                }
                return Err(p.err(n.line, format!("unexpected `END {}`", n.text)));
            }
            "VERSION" => {
                d.version = p.rest_of_statement("VERSION")?.into_iter().next();
            }
            "DIVIDERCHAR" => {
                let s = p.rest_of_statement("DIVIDERCHAR")?;
                d.divider = s
                    .first()
                    .and_then(|s| s.chars().next())
                    .ok_or_else(|| p.err(t.line, "DIVIDERCHAR needs a character"))?;
            }
            "BUSBITCHARS" => {
                let s = p.rest_of_statement("BUSBITCHARS")?;
                let mut c = s.first().map(|s| s.chars()).into_iter().flatten();
                match (c.next(), c.next()) {
                    (Some(a), Some(b)) => d.busbit = (a, b),
                    _ => return Err(p.err(t.line, "BUSBITCHARS needs two characters")),
                }
            }
            "DESIGN" => {
                let s = p.rest_of_statement("DESIGN")?;
                d.design = s.into_iter().next();
            }
            "UNITS" => {
                p.expect("DISTANCE")?;
                p.expect("MICRONS")?;
                let v = p.num("UNITS DISTANCE MICRONS")?;
                if v <= 0.0 {
                    return Err(p.err(p.line(), "UNITS DISTANCE MICRONS must be positive"));
                }
                d.dbu = v;
                p.expect(";")?;
            }
            "DIEAREA" => {
                let mut bb: Option<(f64, f64, f64, f64)> = None;
                let mut n = 0;
                while !p.peek_is(";") {
                    let (x, y) = point(&mut p, "DIEAREA")?;
                    bb = Some(match bb {
                        None => (x, y, x, y),
                        Some((a, b, c, e)) => (a.min(x), b.min(y), c.max(x), e.max(y)),
                    });
                    n += 1;
                }
                p.expect(";")?;
                if n < 2 {
                    return Err(p.err(t.line, "DIEAREA needs at least two points"));
                }
                d.die_area = bb;
            }
            "ROW" => d.rows.push(parse_row(&mut p)?),
            "COMPONENTS" => parse_section(&mut p, "COMPONENTS", t.line, |p, line| {
                d.components.push(parse_component(p, line)?);
                Ok(())
            })?,
            "PINS" => parse_section(&mut p, "PINS", t.line, |p, line| {
                d.pins.push(parse_pin(p, line)?);
                Ok(())
            })?,
            "NETS" => parse_section(&mut p, "NETS", t.line, |p, line| {
                d.nets.push(parse_net(p, line)?);
                Ok(())
            })?,
            "BLOCKAGES" => parse_section(&mut p, "BLOCKAGES", t.line, |p, line| {
                d.blockages.push(parse_blockage(p, line)?);
                Ok(())
            })?,
            "VIAS"
            | "SPECIALNETS"
            | "NONDEFAULTRULES"
            | "REGIONS"
            | "GROUPS"
            | "SCANCHAINS"
            | "FILLS"
            | "STYLES"
            | "PROPERTYDEFINITIONS"
            | "PINPROPERTIES"
            | "SLOTS" => {
                p.skip_block(&kw, &kw)?;
            }
            "BEGINEXT" => p.skip_ext(t.line)?,
            ";" => {}
            _ => p.skip_statement(&format!("`{}` statement", t.text))?,
        }
    }
}

/// `( x y )`; `*` (same as previous) is not accepted here.
fn point(p: &mut Parser<'_>, what: &str) -> Result<(f64, f64)> {
    p.expect("(")?;
    let x = p.num(&format!("{what} x"))?;
    let y = p.num(&format!("{what} y"))?;
    p.expect(")")?;
    Ok((x, y))
}

fn orientation(p: &mut Parser<'_>) -> Result<Orientation> {
    let t = p.next("orientation")?;
    Orientation::parse(&t.text.to_ascii_uppercase())
        .ok_or_else(|| p.err(t.line, format!("unknown orientation `{}`", t.text)))
}

/// `<KW> n ; - item ... ; ... END <KW>`, checking the count.
fn parse_section(
    p: &mut Parser<'_>,
    kw: &str,
    line: usize,
    mut item: impl FnMut(&mut Parser<'_>, usize) -> Result<()>,
) -> Result<()> {
    let n = p.num(&format!("{kw} count"))?;
    p.expect(";")?;
    let mut count = 0u64;
    loop {
        let t = p.next(&format!("`- item` or `END {kw}` (section at line {line})"))?;
        if t.text == "-" && !t.quoted {
            item(p, t.line)?;
            count += 1;
        } else if t.text.eq_ignore_ascii_case("END") && !t.quoted {
            let e = p.next(kw)?;
            if !e.text.eq_ignore_ascii_case(kw) {
                return Err(p.err(e.line, format!("expected `END {kw}`, found `END {}`", e.text)));
            }
            break;
        } else {
            return Err(p.err(
                t.line,
                format!("expected `- item` or `END {kw}` in {kw}, found `{}`", t.text),
            ));
        }
    }
    if n != count as f64 {
        return Err(p.err(line, format!("{kw} declares {n} items but lists {count}")));
    }
    Ok(())
}

/// Skips an option's arguments: up to (not including) the next `+` or `;`.
fn skip_option(p: &mut Parser<'_>, line: usize) -> Result<()> {
    loop {
        match p.peek() {
            Some(t) if !t.quoted && (t.text == "+" || t.text == ";") => return Ok(()),
            Some(_) => {
                p.next("option")?;
            }
            None => return Err(p.err(line, "entry is not terminated by `;`")),
        }
    }
}

fn status_kw(t: &Tok) -> Option<Status> {
    if t.quoted {
        return None;
    }
    match t.text.to_ascii_uppercase().as_str() {
        "PLACED" => Some(Status::Placed),
        "FIXED" => Some(Status::Fixed),
        "COVER" => Some(Status::Cover),
        "UNPLACED" => Some(Status::Unplaced),
        _ => None,
    }
}

fn parse_component(p: &mut Parser<'_>, line: usize) -> Result<DefComponent> {
    let name = p.next("component name")?.text;
    let model = p.next("component model")?;
    if model.text == ";" || model.text == "+" {
        return Err(p.err(model.line, format!("component {name} has no model")));
    }
    let mut c = DefComponent {
        name,
        model: model.text,
        status: Status::Unplaced,
        location: None,
        orientation: Orientation::N,
        source: None,
        line,
    };
    loop {
        let t = p.next("`+` or `;`")?;
        if t.quoted {
            return Err(p.err(t.line, format!("unexpected \"{}\" in component {}", t.text, c.name)));
        }
        match t.text.as_str() {
            ";" => return Ok(c),
            "+" => {
                let o = p.next("component option")?;
                if let Some(s) = status_kw(&o) {
                    c.status = s;
                    if s != Status::Unplaced {
                        c.location = Some(point(p, "component location")?);
                        c.orientation = orientation(p)?;
                    } else {
                        skip_option(p, line)?;
                    }
                } else if o.text.eq_ignore_ascii_case("SOURCE") {
                    c.source = Some(p.next("SOURCE")?.text);
                } else {
                    skip_option(p, line)?;
                }
            }
            other => {
                return Err(p.err(
                    t.line,
                    format!("unexpected `{other}` in component {} (expected `+` or `;`)", c.name),
                ))
            }
        }
    }
}

fn parse_pin(p: &mut Parser<'_>, line: usize) -> Result<DefPin> {
    let name = p.next("pin name")?.text;
    let mut pin = DefPin {
        name,
        net: None,
        direction: None,
        usage: None,
        layer: None,
        status: Status::Unplaced,
        location: None,
        orientation: Orientation::N,
        line,
    };
    loop {
        let t = p.next("`+` or `;`")?;
        if t.quoted {
            return Err(p.err(t.line, format!("unexpected \"{}\" in pin {}", t.text, pin.name)));
        }
        match t.text.as_str() {
            ";" => return Ok(pin),
            "+" => {
                let o = p.next("pin option")?;
                let ok = o.text.to_ascii_uppercase();
                if let Some(s) = status_kw(&o) {
                    if s == Status::Unplaced {
                        skip_option(p, line)?;
                    } else if pin.location.is_none() {
                        pin.status = s;
                        pin.location = Some(point(p, "pin location")?);
                        pin.orientation = orientation(p)?;
                    } else {
                        // A later PORT's location: keep the first.
                        skip_option(p, line)?;
                    }
                } else {
                    match ok.as_str() {
                        "NET" => pin.net = Some(p.next("NET name")?.text),
                        "DIRECTION" => pin.direction = Some(p.next("DIRECTION")?.text),
                        "USE" => pin.usage = Some(p.next("USE")?.text),
                        "LAYER" => {
                            let layer = p.next("LAYER name")?.text;
                            // Optional MASK n / SPACING n / DESIGNRULEWIDTH n.
                            while !p.peek_is("(") {
                                let k = p.next("`(`")?;
                                if k.text == "+" || k.text == ";" {
                                    return Err(p.err(
                                        k.line,
                                        format!("pin {} LAYER has no rectangle", pin.name),
                                    ));
                                }
                                p.num(&format!("{} value", k.text))?;
                            }
                            let (x0, y0) = point(p, "pin LAYER")?;
                            let (x1, y1) = point(p, "pin LAYER")?;
                            if pin.layer.is_none() {
                                pin.layer =
                                    Some((layer, (x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1))));
                            }
                        }
                        _ => skip_option(p, line)?,
                    }
                }
            }
            other => {
                return Err(p.err(
                    t.line,
                    format!("unexpected `{other}` in pin {} (expected `+` or `;`)", pin.name),
                ))
            }
        }
    }
}

fn parse_net(p: &mut Parser<'_>, line: usize) -> Result<DefNet> {
    let name = p.next("net name")?.text;
    let mut net = DefNet { name, connections: Vec::new(), line };
    loop {
        let t = p.next("`(`, `+` or `;`")?;
        if t.quoted {
            continue;
        }
        match t.text.as_str() {
            ";" => return Ok(net),
            "(" => {
                let comp = p.next("connection component")?.text;
                let pin = p.next("connection pin")?.text;
                // `( comp pin + SYNTHESIZED )`.
                loop {
                    let x = p.next("`)`")?;
                    if x.text == ")" && !x.quoted {
                        break;
                    }
                    if x.text == ";" && !x.quoted {
                        return Err(p.err(
                            x.line,
                            format!("net {}: connection is not closed by `)`", net.name),
                        ));
                    }
                }
                net.connections.push((comp, pin));
            }
            "+" => {
                // Options (wiring, USE, ...) run to the end of the entry.
                p.skip_statement(&format!("net {}", net.name))?;
                return Ok(net);
            }
            "MUSTJOIN" => {}
            other => {
                return Err(p.err(t.line, format!("unexpected `{other}` in net {}", net.name)));
            }
        }
    }
}

fn parse_blockage(p: &mut Parser<'_>, line: usize) -> Result<DefBlockage> {
    let kind = p.next("`PLACEMENT` or `LAYER`")?;
    let layer = if kind.text.eq_ignore_ascii_case("LAYER") {
        Some(p.next("LAYER name")?.text)
    } else if kind.text.eq_ignore_ascii_case("PLACEMENT") {
        None
    } else {
        return Err(
            p.err(kind.line, format!("expected `PLACEMENT` or `LAYER`, found `{}`", kind.text))
        );
    };
    let mut b = DefBlockage { layer, rects: Vec::new(), line };
    loop {
        let t = p.next("`;`")?;
        if t.quoted {
            continue;
        }
        if t.text == ";" {
            return Ok(b);
        }
        if t.text.eq_ignore_ascii_case("RECT") {
            let (x0, y0) = point(p, "RECT")?;
            let (x1, y1) = point(p, "RECT")?;
            b.rects.push((x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)));
        }
    }
}

fn parse_row(p: &mut Parser<'_>) -> Result<DefRow> {
    let name = p.next("ROW name")?.text;
    let site = p.next("ROW site")?.text;
    let x = p.num("ROW x")?;
    let y = p.num("ROW y")?;
    let orientation = orientation(p)?;
    let mut row =
        DefRow { name, site, origin: (x, y), orientation, count: (1, 1), step: (0.0, 0.0) };
    if p.peek_is("DO") {
        p.next("DO")?;
        let nx = p.num("ROW DO count")?;
        p.expect("BY")?;
        let ny = p.num("ROW BY count")?;
        if nx < 0.0 || ny < 0.0 || nx.fract() != 0.0 || ny.fract() != 0.0 {
            return Err(p.err(p.line(), "ROW DO/BY counts must be whole numbers"));
        }
        row.count = (nx as u64, ny as u64);
        if p.peek_is("STEP") {
            p.next("STEP")?;
            row.step = (p.num("ROW STEP x")?, p.num("ROW STEP y")?);
        }
    }
    p.skip_statement("ROW")?;
    Ok(row)
}

// ---------------------------------------------------------------------------------------
// Import: a DEF (and LEF) onto a netlist.

/// The result of matching a DEF to a netlist by names.
#[derive(Clone, Debug)]
pub struct DefImport {
    /// The netlist's initial placement with every matched node moved to its DEF position.
    pub placement: Placement,
    /// Die area in µm relative to its own lower-left corner: `(width, height)`.
    pub canvas: Option<(f64, f64)>,
    /// Die lower-left corner in µm (chipfloor coordinate = DEF µm − origin).
    pub origin: (f64, f64),
    /// Database units per µm of the DEF.
    pub dbu: f64,
    /// Matched components by netlist kind: hard macros, soft macros, standard cells.
    pub matched_hard_macros: usize,
    /// Matched soft macros.
    pub matched_soft_macros: usize,
    /// Matched standard cells.
    pub matched_std_cells: usize,
    /// Matched DEF pins (netlist ports).
    pub matched_ports: usize,
    /// DEF components with no netlist macro or cell of that name (unescaped names).
    pub unmatched_components: Vec<String>,
    /// DEF pins with no netlist port of that name.
    pub unmatched_pins: Vec<String>,
    /// Netlist hard macros no DEF component names.
    pub missing_hard_macros: Vec<NodeId>,
    /// Matched components without a location (`UNPLACED`); they keep their netlist position.
    pub unplaced: Vec<NodeId>,
    /// LEF macro name of each matched node (netlist node name → model).
    pub models: HashMap<String, String>,
    /// Matched macros whose LEF `SIZE` differs from the netlist size by more than 1e-3 µm:
    /// `(node, lef size)`. The DEF location is converted with the LEF size.
    pub size_mismatches: Vec<(NodeId, (f64, f64))>,
}

/// The key a name is matched under: escapes removed, the DEF divider replaced by `/`.
fn match_key(name: &str, divider: char) -> String {
    let u = unescape(name);
    if divider == '/' {
        u
    } else {
        u.replace(divider, "/")
    }
}

/// Matches the DEF's components to the netlist's macros and standard cells, and its pins to
/// the netlist's ports, by name (escapes removed, hierarchy divider mapped to `/`; a netlist
/// name that itself contains backslashes is matched without them too).
///
/// With a LEF library, every component's model must be defined (else an error at the
/// component's line), and the LEF `SIZE` is used to turn the lower-left corner into a centre.
/// It is an error when the DEF has components or pins and none of them matches.
pub fn import(nl: &Netlist, def: &DefDesign, lef: Option<&LefLibrary>) -> Result<DefImport> {
    import_onto(nl, def, lef, nl.initial_placement())
}

/// [`import`] starting from `base` (e.g. a `.plc` placement) instead of the netlist's own
/// positions: nodes the DEF does not place keep their `base` position.
pub fn import_onto(
    nl: &Netlist,
    def: &DefDesign,
    lef: Option<&LefLibrary>,
    base: Placement,
) -> Result<DefImport> {
    if let Some(lib) = lef {
        def.check_models(lib)?;
    }
    let dbu = def.dbu;
    let origin = def.die_area.map_or((0.0, 0.0), |(x0, y0, _, _)| (x0 / dbu, y0 / dbu));
    let canvas = def.die_area.map(|(x0, y0, x1, y1)| ((x1 - x0) / dbu, (y1 - y0) / dbu));
    let mut index: HashMap<String, NodeId> = HashMap::new();
    for id in nl.ids() {
        if nl.kind(id).is_pin() {
            continue;
        }
        let name = nl.name(id);
        index.insert(name.to_string(), id);
        if name.contains('\\') {
            index.entry(unescape(name)).or_insert(id);
        }
    }
    let mut out = DefImport {
        placement: base,
        canvas,
        origin,
        dbu,
        matched_hard_macros: 0,
        matched_soft_macros: 0,
        matched_std_cells: 0,
        matched_ports: 0,
        unmatched_components: Vec::new(),
        unmatched_pins: Vec::new(),
        missing_hard_macros: Vec::new(),
        unplaced: Vec::new(),
        models: HashMap::new(),
        size_mismatches: Vec::new(),
    };
    let mut seen = vec![false; nl.len()];
    for c in &def.components {
        let key = match_key(&c.name, def.divider);
        let id = index.get(&key).copied().filter(|&i| {
            matches!(nl.kind(i), NodeKind::HardMacro | NodeKind::SoftMacro | NodeKind::StdCell)
        });
        let Some(id) = id else {
            out.unmatched_components.push(key);
            continue;
        };
        let i = id.index();
        if seen[i] {
            return Err(Error::parse(&def.path, c.line, format!("component {key} appears twice")));
        }
        seen[i] = true;
        match nl.kind(id) {
            NodeKind::HardMacro => out.matched_hard_macros += 1,
            NodeKind::SoftMacro => out.matched_soft_macros += 1,
            _ => out.matched_std_cells += 1,
        }
        out.models.insert(nl.name(id).to_string(), c.model.clone());
        let mut size = (nl.width[i], nl.height[i]);
        if let Some(m) = lef.and_then(|l| l.get(&c.model)) {
            if (m.size.0 - size.0).abs() > 1e-3 || (m.size.1 - size.1).abs() > 1e-3 {
                out.size_mismatches.push((id, m.size));
            }
            size = m.size;
        }
        let Some((lx, ly)) = c.location else {
            out.unplaced.push(id);
            out.placement.placed[i] = false;
            continue;
        };
        let (cx, cy) = centre_from_lower_left(lx / dbu, ly / dbu, size, c.orientation);
        out.placement.x[i] = cx - origin.0;
        out.placement.y[i] = cy - origin.1;
        out.placement.orientation[i] = c.orientation;
        out.placement.fixed[i] = matches!(c.status, Status::Fixed | Status::Cover);
        out.placement.placed[i] = true;
    }
    for pin in &def.pins {
        let key = match_key(&pin.name, def.divider);
        let Some(id) = index.get(&key).copied().filter(|&i| nl.kind(i) == NodeKind::Port) else {
            out.unmatched_pins.push(key);
            continue;
        };
        out.matched_ports += 1;
        let i = id.index();
        if let Some((x, y)) = pin.centre() {
            out.placement.x[i] = x / dbu - origin.0;
            out.placement.y[i] = y / dbu - origin.1;
            out.placement.fixed[i] = matches!(pin.status, Status::Fixed | Status::Cover);
        }
    }
    out.missing_hard_macros = nl.hard_macros().into_iter().filter(|m| !seen[m.index()]).collect();
    let matched = out.matched_hard_macros
        + out.matched_soft_macros
        + out.matched_std_cells
        + out.matched_ports;
    if matched == 0 && (!def.components.is_empty() || !def.pins.is_empty()) {
        let first_def = def
            .components
            .first()
            .map(|c| unescape(&c.name))
            .or_else(|| def.pins.first().map(|p| unescape(&p.name)))
            .unwrap_or_default();
        let first_nl =
            nl.hard_macros().first().map(|&m| nl.name(m).to_string()).unwrap_or_default();
        return Err(Error::parse(
            &def.path,
            0,
            format!(
                "no DEF component or pin matches a netlist node by name (DEF has \"{first_def}\", the netlist \"{first_nl}\")"
            ),
        ));
    }
    Ok(out)
}

/// Builds a Circuit Training netlist from a DEF and its LEF library alone.
///
/// Components whose LEF macro is a block ([`crate::lef::LefMacro::is_block`]) become hard
/// macros with one `MACRO_PIN` per LEF signal pin (`<instance>/<pin>`, offset from the LEF
/// shapes; `POWER`/`GROUND` pins skipped); other components become standard cells. DEF pins
/// become ports. Each DEF net becomes one net: the driver is the first connection that is an
/// `INPUT` design pin or an `OUTPUT` LEF pin (else the first connection), the others are sinks;
/// nets with fewer than two connections are dropped. Positions come from the DEF (centres,
/// relative to the die's lower-left corner); the canvas is the die area. Names lose their DEF
/// escapes. Errors: a component whose macro no LEF defines, a net naming an unknown component
/// or pin, duplicate names.
pub fn to_netlist(def: &DefDesign, lef: &LefLibrary) -> Result<Netlist> {
    use crate::model::{NetlistBuilder, NodeSpec};
    def.check_models(lef)?;
    let dbu = def.dbu;
    let (ox, oy) = def.die_area.map_or((0.0, 0.0), |(x0, y0, _, _)| (x0 / dbu, y0 / dbu));
    let mut b = NetlistBuilder::new();
    // (component name as written) -> (node id, LEF macro)
    let mut comp: HashMap<&str, (NodeId, &crate::lef::LefMacro)> = HashMap::new();
    let mut pin_node: HashMap<(NodeId, &str), NodeId> = HashMap::new();
    let mut drives: HashMap<NodeId, bool> = HashMap::new();
    for c in &def.components {
        let Some(m) = lef.get(&c.model) else { continue };
        let name = match_key(&c.name, def.divider);
        let (x, y) = match c.location {
            Some((lx, ly)) => {
                let (cx, cy) = centre_from_lower_left(lx / dbu, ly / dbu, m.size, c.orientation);
                (cx - ox, cy - oy)
            }
            None => (0.0, 0.0),
        };
        let kind = if m.is_block() { NodeKind::HardMacro } else { NodeKind::StdCell };
        let id = b.push(NodeSpec {
            name: name.clone(),
            kind: Some(kind),
            width: m.size.0,
            height: m.size.1,
            x,
            y,
            orientation: c.orientation,
            line: c.line,
            ..Default::default()
        });
        if comp.insert(c.name.as_str(), (id, m)).is_some() {
            return Err(Error::parse(&def.path, c.line, format!("duplicate component {name}")));
        }
        if kind == NodeKind::HardMacro {
            for p in &m.pins {
                let usage = p.usage.as_deref().unwrap_or("SIGNAL").to_ascii_uppercase();
                if usage == "POWER" || usage == "GROUND" {
                    continue;
                }
                let pid = b.push(NodeSpec {
                    name: format!("{name}/{}", p.name),
                    kind: Some(NodeKind::HardMacroPin),
                    owner: Some(name.clone()),
                    offset: p.offset.unwrap_or((0.0, 0.0)),
                    line: c.line,
                    ..Default::default()
                });
                pin_node.insert((id, p.name.as_str()), pid);
            }
        }
    }
    let mut ports: HashMap<&str, NodeId> = HashMap::new();
    for p in &def.pins {
        let (x, y) = p.centre().map_or((0.0, 0.0), |(x, y)| (x / dbu - ox, y / dbu - oy));
        let id = b.push(NodeSpec {
            name: match_key(&p.name, def.divider),
            kind: Some(NodeKind::Port),
            x,
            y,
            line: p.line,
            ..Default::default()
        });
        ports.insert(p.name.as_str(), id);
        let input = p.direction.as_deref().is_some_and(|d| d.eq_ignore_ascii_case("INPUT"));
        drives.insert(id, input);
    }
    let mut nets: Vec<(NodeId, Vec<NodeId>)> = Vec::new();
    for n in &def.nets {
        let mut ends: Vec<NodeId> = Vec::with_capacity(n.connections.len());
        let mut outs: Vec<bool> = Vec::with_capacity(n.connections.len());
        for (c, pin) in &n.connections {
            let is_output = |m: &crate::lef::LefMacro| {
                m.pin(pin)
                    .and_then(|p| p.direction.as_deref())
                    .is_some_and(|d| d.eq_ignore_ascii_case("OUTPUT"))
            };
            let end = if c == "*" {
                continue;
            } else if c.eq_ignore_ascii_case("PIN") {
                ports.get(pin.as_str()).map(|&id| (id, drives.get(&id).copied().unwrap_or(false)))
            } else {
                match comp.get(c.as_str()) {
                    Some(&(id, m)) if m.is_block() => {
                        pin_node.get(&(id, pin.as_str())).map(|&p| (p, is_output(m)))
                    }
                    Some(&(id, m)) => Some((id, is_output(m))),
                    None => None,
                }
            };
            let Some((id, out)) = end else {
                return Err(Error::parse(
                    &def.path,
                    n.line,
                    format!(
                        "net {} connects ( {c} {pin} ), which the DEF/LEF do not define",
                        n.name
                    ),
                ));
            };
            ends.push(id);
            outs.push(out);
        }
        if ends.len() < 2 {
            continue;
        }
        let d = outs.iter().position(|&o| o).unwrap_or(0);
        let driver = ends[d];
        let sinks: Vec<NodeId> =
            ends.iter().enumerate().filter(|&(k, _)| k != d).map(|(_, &v)| v).collect();
        nets.push((driver, sinks));
    }
    if let Some((x0, y0, x1, y1)) = def.die_area {
        let (w, h) = ((x1 - x0) / dbu, (y1 - y0) / dbu);
        b.header.canvas = Some((w, h));
        b.header.comments.push(format!(" FP bbox: {{0 0}} {{{w} {h}}}"));
    }
    if let Some(d) = &def.design {
        b.header.comments.push(format!(" Block : {d}"));
        b.header.block = Some(d.clone());
    }
    let mut nl = b.build().map_err(|e| Error::parse(&def.path, e.line, e.message))?;
    set_origin(&mut nl, (ox, oy));
    nets.sort_by_key(|n| n.0); // stable: file order within a driver
    let mut out = crate::model::Nets::default();
    out.sink_start.push(0);
    for (d, sinks) in &nets {
        out.push(*d, 1.0, sinks);
    }
    nl.nets = out;
    Ok(nl)
}

/// Oriented footprint `(width, height)` of an N-orientation `size`.
fn oriented(size: (f64, f64), o: Orientation) -> (f64, f64) {
    match o {
        Orientation::E | Orientation::W | Orientation::FE | Orientation::FW => (size.1, size.0),
        _ => size,
    }
}

/// Centre (µm) of a macro of N-orientation `size` whose oriented bounding box has its
/// lower-left corner at `(x, y)` (µm).
pub fn centre_from_lower_left(x: f64, y: f64, size: (f64, f64), o: Orientation) -> (f64, f64) {
    let (w, h) = oriented(size, o);
    (x + w / 2.0, y + h / 2.0)
}

/// Lower-left corner (µm) of the oriented bounding box of a macro centred at `(x, y)`.
pub fn lower_left_from_centre(x: f64, y: f64, size: (f64, f64), o: Orientation) -> (f64, f64) {
    let (w, h) = oriented(size, o);
    (x - w / 2.0, y - h / 2.0)
}

// ---------------------------------------------------------------------------------------
// Export.

/// Options of [`write_placement`] and [`write_tcl`].
#[derive(Clone, Debug)]
pub struct DefExportOptions {
    /// `DESIGN` name (default: the netlist header's block name, else `chipfloor`).
    pub design: Option<String>,
    /// Database units per µm (`UNITS DISTANCE MICRONS`); 1000 by default. Use the DEF's own
    /// units when the placement came from one.
    pub dbu: u32,
    /// Write every macro `+ FIXED` (a macro-placement hand-off); otherwise macros fixed in the
    /// placement are `FIXED` and the others `PLACED`.
    pub all_fixed: bool,
    /// Also write soft macros as components (they are not real instances; off by default).
    pub soft_macros: bool,
    /// Write the ports as `PINS` (on by default).
    pub ports: bool,
    /// Layer of the pin shapes written for ports (`+ LAYER name ( -a -a ) ( a a )` with
    /// `a` = 0.07 µm); without one, pins get only a location.
    pub pin_layer: Option<String>,
    /// Die area `(width, height)` in µm (default: the netlist canvas; else the bounding box
    /// of the written objects).
    pub die_area: Option<(f64, f64)>,
    /// DEF coordinates of chipfloor's (0, 0), in µm (from [`DefImport::origin`]).
    pub origin: (f64, f64),
    /// Component model (LEF macro) per netlist node name, e.g. [`DefImport::models`]. Nodes
    /// without an entry use their `ref_name` attribute, else [`Self::default_model`].
    pub models: HashMap<String, String>,
    /// Model of components without one (default `chipfloor_macro`).
    pub default_model: String,
}

impl Default for DefExportOptions {
    fn default() -> Self {
        DefExportOptions {
            design: None,
            dbu: 1000,
            all_fixed: false,
            soft_macros: false,
            ports: true,
            pin_layer: None,
            die_area: None,
            origin: (0.0, 0.0),
            models: HashMap::new(),
            default_model: "chipfloor_macro".into(),
        }
    }
}

/// The nodes written as components, ascending id.
fn exported_macros(nl: &Netlist, opts: &DefExportOptions) -> Vec<NodeId> {
    nl.ids()
        .filter(|&i| match nl.kind(i) {
            NodeKind::HardMacro => true,
            NodeKind::SoftMacro => opts.soft_macros,
            _ => false,
        })
        .collect()
}

fn model_of(nl: &Netlist, id: NodeId, opts: &DefExportOptions) -> String {
    if let Some(m) = opts.models.get(nl.name(id)) {
        return m.clone();
    }
    let attr = nl.extra_attrs[id.index()].iter().find_map(|(k, v)| match v {
        crate::model::AttrValue::Str(s) if k == "ref_name" => Some(s.clone()),
        _ => None,
    });
    attr.unwrap_or_else(|| opts.default_model.clone())
}

/// Rounds µm to database units.
fn to_dbu(v: f64, dbu: f64) -> i64 {
    (v * dbu).round() as i64
}

/// Writes a placement as a DEF (version 5.8): `DESIGN`, `UNITS`, `DIEAREA`, the macros as
/// `COMPONENTS` and the ports as `PINS`. Lower-left corners are rounded to the nearest
/// database unit (see the module documentation for the round-trip guarantee).
pub fn write_placement(nl: &Netlist, pl: &Placement, opts: &DefExportOptions) -> String {
    let dbu = f64::from(opts.dbu.max(1));
    let (ox, oy) = opts.origin;
    let macros = exported_macros(nl, opts);
    let ports: Vec<NodeId> = if opts.ports { nl.ports() } else { Vec::new() };
    let die = opts.die_area.or(nl.header.canvas).unwrap_or_else(|| {
        let mut w: f64 = 0.0;
        let mut h: f64 = 0.0;
        for &m in &macros {
            let i = m.index();
            let (fw, fh) = oriented((nl.width[i], nl.height[i]), pl.orientation[i]);
            w = w.max(pl.x[i] + fw / 2.0);
            h = h.max(pl.y[i] + fh / 2.0);
        }
        for &p in &ports {
            w = w.max(pl.x[p.index()]);
            h = h.max(pl.y[p.index()]);
        }
        (w, h)
    });
    let design = opts
        .design
        .clone()
        .or_else(|| nl.header.block.clone())
        .unwrap_or_else(|| "chipfloor".into());
    let mut s = String::new();
    let _ = writeln!(s, "# Written by chipfloor: macro placement (lower-left corners, DEF units)");
    let _ = writeln!(s, "VERSION 5.8 ;");
    let _ = writeln!(s, "DIVIDERCHAR \"/\" ;");
    let _ = writeln!(s, "BUSBITCHARS \"[]\" ;");
    let _ = writeln!(s, "DESIGN {} ;", escape(&design));
    let _ = writeln!(s, "UNITS DISTANCE MICRONS {} ;", opts.dbu.max(1));
    let _ = writeln!(
        s,
        "DIEAREA ( {} {} ) ( {} {} ) ;\n",
        to_dbu(ox, dbu),
        to_dbu(oy, dbu),
        to_dbu(ox + die.0, dbu),
        to_dbu(oy + die.1, dbu)
    );
    let _ = writeln!(s, "COMPONENTS {} ;", macros.len());
    for &m in &macros {
        let i = m.index();
        let _ = write!(s, "- {} {}", escape(nl.name(m)), escape(&model_of(nl, m, opts)));
        if pl.placed[i] {
            let o = pl.orientation[i];
            let (lx, ly) = lower_left_from_centre(pl.x[i], pl.y[i], (nl.width[i], nl.height[i]), o);
            let status = if opts.all_fixed || pl.fixed[i] { "FIXED" } else { "PLACED" };
            let _ = write!(
                s,
                " + {status} ( {} {} ) {}",
                to_dbu(lx + ox, dbu),
                to_dbu(ly + oy, dbu),
                o.as_str()
            );
        } else {
            let _ = write!(s, " + UNPLACED");
        }
        let _ = writeln!(s, " ;");
    }
    let _ = writeln!(s, "END COMPONENTS\n");
    if opts.ports {
        let _ = writeln!(s, "PINS {} ;", ports.len());
        let driving: std::collections::HashSet<NodeId> = nl.nets.driver.iter().copied().collect();
        for &p in &ports {
            let i = p.index();
            let name = escape_pin(nl.name(p));
            let dir = if driving.contains(&p) { "INPUT" } else { "OUTPUT" };
            let _ = write!(s, "- {name} + NET {name} + DIRECTION {dir} + USE SIGNAL");
            if let Some(layer) = &opts.pin_layer {
                let a = to_dbu(0.07, dbu);
                let _ = write!(s, "\n  + LAYER {layer} ( {} {} ) ( {a} {a} )", -a, -a);
            }
            let status = if opts.all_fixed || pl.fixed[i] { "FIXED" } else { "PLACED" };
            let _ = writeln!(
                s,
                "\n  + {status} ( {} {} ) N ;",
                to_dbu(pl.x[i] + ox, dbu),
                to_dbu(pl.y[i] + oy, dbu)
            );
        }
        let _ = writeln!(s, "END PINS\n");
    }
    let _ = writeln!(s, "END DESIGN");
    s
}

/// The OpenROAD (OpenDB) name of an orientation: N R0, S R180, W R90, E R270, FN MY,
/// FS MX, FE MYR90, FW MXR90.
pub fn openroad_orientation(o: Orientation) -> &'static str {
    match o {
        Orientation::N => "R0",
        Orientation::S => "R180",
        Orientation::W => "R90",
        Orientation::E => "R270",
        Orientation::FN => "MY",
        Orientation::FS => "MX",
        Orientation::FE => "MYR90",
        Orientation::FW => "MXR90",
    }
}

/// Writes an OpenROAD Tcl script placing the macros: one
/// `place_macro -macro_name {NAME} -location {x y} -orientation R0` per placed hard macro
/// (soft macros with [`DefExportOptions::soft_macros`]), location = lower-left corner of the
/// oriented bounding box in µm (DEF coordinates, database-unit resolution), names escaped as
/// in DEF (OpenDB keeps `\[`), and, after each, the instance set to `FIXED` with `-exact`
/// semantics left to OpenROAD. Run it after `read_def`/`read_db` of the floorplan.
pub fn write_tcl(nl: &Netlist, pl: &Placement, opts: &DefExportOptions) -> String {
    let dbu = f64::from(opts.dbu.max(1));
    let (ox, oy) = opts.origin;
    let mut s = String::new();
    let _ = writeln!(s, "# Written by chipfloor: macro placement for OpenROAD.");
    let _ = writeln!(
        s,
        "# Source after loading the floorplan (read_def / read_db):  source <this file>"
    );
    let _ = writeln!(s, "# place_macro: -location is the lower-left corner in microns.");
    let mut n = 0;
    for m in exported_macros(nl, opts) {
        let i = m.index();
        if !pl.placed[i] {
            let _ = writeln!(s, "# unplaced: {}", escape(nl.name(m)));
            continue;
        }
        let o = pl.orientation[i];
        let (lx, ly) = lower_left_from_centre(pl.x[i], pl.y[i], (nl.width[i], nl.height[i]), o);
        let x = to_dbu(lx + ox, dbu) as f64 / dbu;
        let y = to_dbu(ly + oy, dbu) as f64 / dbu;
        let _ = writeln!(
            s,
            "place_macro -macro_name {{{}}} -location {{{x} {y}}} -orientation {}",
            escape(nl.name(m)),
            openroad_orientation(o)
        );
        n += 1;
    }
    let _ = writeln!(s, "# {n} macros placed");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NetId, NodeSpec};
    use crate::NetlistBuilder;

    const DEF: &str = "VERSION 5.8 ;\nDIVIDERCHAR \"/\" ;\nBUSBITCHARS \"[]\" ;\nDESIGN top ;\n\
UNITS DISTANCE MICRONS 1000 ;\nPROPERTYDEFINITIONS\n  DESIGN x REAL 1.0 ;\nEND PROPERTYDEFINITIONS\n\
DIEAREA ( 0 0 ) ( 100000 0 ) ( 100000 80000 ) ( 0 80000 ) ;\n\
ROW r0 core 0 0 N DO 100 BY 1 STEP 190 0 ;\nTRACKS X 0 DO 10 STEP 100 LAYER m1 ;\n\
COMPONENTS 3 ;\n- a/m\\[0\\] ram + PLACED ( 1000 2000 ) N ;\n- b ram + FIXED ( 50000 10000 ) E\n  + HALO 1 1 1 1 + SOURCE DIST ;\n- c INV ;\nEND COMPONENTS\n\
PINS 2 ;\n- in + NET in + DIRECTION INPUT + USE SIGNAL\n  + LAYER m3 ( -70 0 ) ( 70 140 )\n  + FIXED ( 0 40000 ) E ;\n- out + NET out + PLACED ( 100000 500 ) N ;\nEND PINS\n\
BLOCKAGES 1 ;\n- PLACEMENT RECT ( 0 0 ) ( 10 10 ) ;\nEND BLOCKAGES\n\
SPECIALNETS 1 ;\n- VDD ( * VDD ) + USE POWER ;\nEND SPECIALNETS\n\
NETS 1 ;\n- n1 ( PIN in ) ( a/m\\[0\\] A ) ( b D + SYNTHESIZED )\n  + ROUTED m1 ( 0 0 ) ( 10 * ) ;\nEND NETS\nEND DESIGN\n";

    fn parse(s: &str) -> Result<DefDesign> {
        parse_str(s, Path::new("t.def"))
    }

    #[test]
    fn reads_the_sections() {
        let d = parse(DEF).unwrap();
        assert_eq!(d.design.as_deref(), Some("top"));
        assert_eq!(d.dbu, 1000.0);
        assert_eq!(d.die_area, Some((0.0, 0.0, 100000.0, 80000.0)));
        assert_eq!(d.rows.len(), 1);
        assert_eq!(d.rows[0].count, (100, 1));
        assert_eq!(d.components.len(), 3);
        let b = &d.components[1];
        assert_eq!(
            (b.status, b.location, b.orientation),
            (Status::Fixed, Some((50000.0, 10000.0)), Orientation::E)
        );
        assert_eq!(b.source.as_deref(), Some("DIST"));
        assert_eq!(d.components[2].status, Status::Unplaced);
        assert_eq!(unescape(&d.components[0].name), "a/m[0]");
        assert_eq!(d.pins[0].centre(), Some((70.0, 40000.0)));
        assert_eq!(d.pins[1].centre(), Some((100000.0, 500.0)));
        assert_eq!(d.blockages[0].rects, vec![(0.0, 0.0, 10.0, 10.0)]);
        assert_eq!(d.nets[0].connections.len(), 3);
        assert_eq!(d.nets[0].connections[2], ("b".to_string(), "D".to_string()));
    }

    #[test]
    fn malformed_def_reports_file_and_line() {
        let base = "DESIGN t ;\n";
        let cases: Vec<(String, &str)> = vec![
            (format!("{base}COMPONENTS 1 ;\n- a ram + PLACED ( 1 2 ) Q ;\nEND COMPONENTS\nEND DESIGN\n"), "t.def:3: unknown orientation `Q`"),
            (format!("{base}COMPONENTS 1 ;\n- a ram + PLACED ( 1 x ) N ;\nEND COMPONENTS\nEND DESIGN\n"), "t.def:3: component location y `x` is not a number"),
            (format!("{base}COMPONENTS 2 ;\n- a ram ;\nEND COMPONENTS\nEND DESIGN\n"), "t.def:2: COMPONENTS declares 2 items but lists 1"),
            (format!("{base}COMPONENTS 1 ;\n- a ram ;\n"), "t.def:3: unexpected end of file: expected `- item` or `END COMPONENTS` (section at line 2)"),
            (format!("{base}COMPONENTS 1 ;\n- a ram ;\nEND COMPONENTS\n"), "t.def:4: missing `END DESIGN`"),
            (format!("{base}COMPONENTS 1 ;\n- a ram + PLACED 1 2 ) N ;\nEND COMPONENTS\nEND DESIGN\n"), "t.def:3: expected `(`, found `1`"),
            (format!("{base}COMPONENTS 1 ;\n- a ram junk ;\nEND COMPONENTS\nEND DESIGN\n"), "t.def:3: unexpected `junk` in component a (expected `+` or `;`)"),
            (format!("{base}UNITS DISTANCE MICRONS 0 ;\nEND DESIGN\n"), "t.def:2: UNITS DISTANCE MICRONS must be positive"),
            (format!("{base}DIEAREA ( 0 0 ) ;\nEND DESIGN\n"), "t.def:2: DIEAREA needs at least two points"),
            (format!("{base}PINS 1 ;\n- p + LAYER m1 ( 0 0 ) ( 1 ;\nEND PINS\nEND DESIGN\n"), "t.def:3: pin LAYER y `;` is not a number"),
            (format!("{base}COMPONENTS 1 ;\n- a ram ;\nEND PINS\nEND DESIGN\n"), "t.def:4: expected `END COMPONENTS`, found `END PINS`"),
            (format!("{base}END NETS\n"), "t.def:2: unexpected `END NETS`"),
            (format!("{base}SPECIALNETS 1 ;\n- VDD ;\n"), "t.def:2: SPECIALNETS has no `END SPECIALNETS`"),
            ("VERSION 5.8\n".to_string(), "t.def:1: VERSION is not terminated by `;`"),
        ];
        for (text, want) in &cases {
            let e = parse(text).unwrap_err().to_string();
            assert_eq!(&e, want, "for {text:?}");
        }
    }

    #[test]
    fn truncations_never_panic() {
        for cut in 0..DEF.len() {
            if DEF.is_char_boundary(cut) {
                let _ = parse(&DEF[..cut]);
            }
        }
    }

    /// Two hard macros (with pins), a soft macro, two ports, and nets.
    fn netlist() -> Netlist {
        let mut b = NetlistBuilder::new();
        let mac = |name: &str, kind, w, h| NodeSpec {
            name: name.into(),
            kind: Some(kind),
            width: w,
            height: h,
            ..Default::default()
        };
        b.push(NodeSpec {
            name: "in".into(),
            kind: Some(NodeKind::Port),
            fanout: vec!["a/m[0]/A".into()],
            ..Default::default()
        });
        b.push(mac("a/m[0]", NodeKind::HardMacro, 10.0, 20.0));
        b.push(NodeSpec {
            name: "a/m[0]/A".into(),
            kind: Some(NodeKind::HardMacroPin),
            owner: Some("a/m[0]".into()),
            offset: (1.0, 2.0),
            ..Default::default()
        });
        b.push(NodeSpec {
            name: "a/m[0]/Q".into(),
            kind: Some(NodeKind::HardMacroPin),
            owner: Some("a/m[0]".into()),
            fanout: vec!["out".into()],
            ..Default::default()
        });
        b.push(mac("b", NodeKind::HardMacro, 7.5, 3.25));
        b.push(mac("Grp_1", NodeKind::SoftMacro, 5.0, 5.0));
        b.push(NodeSpec { name: "out".into(), kind: Some(NodeKind::Port), ..Default::default() });
        b.header.canvas = Some((100.0, 80.0));
        b.build().unwrap()
    }

    #[test]
    fn import_matches_names_and_converts_lower_left_to_centres() {
        let nl = netlist();
        let d = parse(DEF).unwrap();
        let lef = crate::lef::parse_str(
            "MACRO ram\n SIZE 10 BY 20 ;\nEND ram\nMACRO INV\n CLASS CORE ;\n SIZE 1 BY 1 ;\nEND INV\n",
            Path::new("t.lef"),
        )
        .unwrap();
        let imp = import(&nl, &d, Some(&lef)).unwrap();
        assert_eq!((imp.matched_hard_macros, imp.matched_ports), (2, 2));
        assert_eq!(imp.unmatched_components, vec!["c".to_string()]);
        assert_eq!(imp.canvas, Some((100.0, 80.0)));
        let a = nl.find("a/m[0]").unwrap().index();
        assert_eq!((imp.placement.x[a], imp.placement.y[a]), (1.0 + 5.0, 2.0 + 10.0));
        // b: E, LEF size 10 × 20 (netlist says 7.5 × 3.25: reported), oriented 20 × 10.
        let b = nl.find("b").unwrap();
        assert_eq!((imp.placement.x[b.index()], imp.placement.y[b.index()]), (60.0, 15.0));
        assert_eq!(imp.placement.orientation[b.index()], Orientation::E);
        assert!(imp.placement.fixed[b.index()]);
        assert_eq!(imp.size_mismatches, vec![(b, (10.0, 20.0))]);
        let p = nl.find("in").unwrap().index();
        assert_eq!((imp.placement.x[p], imp.placement.y[p]), (0.07, 40.0));
        assert_eq!(imp.models["b"], "ram");

        // A component whose model no LEF defines.
        let lef2 =
            crate::lef::parse_str("MACRO ram\n SIZE 10 BY 20 ;\nEND ram\n", Path::new("t.lef"))
                .unwrap();
        let e = import(&nl, &d, Some(&lef2)).unwrap_err().to_string();
        assert_eq!(e, "t.def:16: component c uses macro `INV`, which no LEF file defines");

        // Nothing matches.
        let other =
            parse("DESIGN x ;\nCOMPONENTS 1 ;\n- zz ram ;\nEND COMPONENTS\nEND DESIGN\n").unwrap();
        let e = import(&nl, &other, None).unwrap_err().to_string();
        assert!(e.starts_with("t.def: no DEF component or pin matches"), "{e}");
    }

    #[test]
    fn export_then_import_gives_the_same_positions_and_orientations() {
        let nl = netlist();
        let mut pl = nl.initial_placement();
        let dbu = 2000u32;
        let cases = [
            ("a/m[0]", 12.3456789, 40.987654321, Orientation::FS, false),
            ("b", 63.14159, 17.7777, Orientation::FW, true),
            ("Grp_1", 50.0, 50.0, Orientation::N, false),
        ];
        for (name, x, y, o, fixed) in cases {
            let i = nl.find(name).unwrap().index();
            pl.x[i] = x;
            pl.y[i] = y;
            pl.orientation[i] = o;
            pl.fixed[i] = fixed;
        }
        for (name, x, y) in [("in", 0.0, 33.3333), ("out", 100.0, 1.23456)] {
            let i = nl.find(name).unwrap().index();
            pl.x[i] = x;
            pl.y[i] = y;
        }
        // Snap to the database-unit grid: lower-left corners (macros) and centres (ports).
        let d = f64::from(dbu);
        for id in nl.ids() {
            let i = id.index();
            match nl.kind(id) {
                NodeKind::HardMacro | NodeKind::SoftMacro => {
                    let s = (nl.width[i], nl.height[i]);
                    let (lx, ly) = lower_left_from_centre(pl.x[i], pl.y[i], s, pl.orientation[i]);
                    let (cx, cy) = centre_from_lower_left(
                        (lx * d).round() / d,
                        (ly * d).round() / d,
                        s,
                        pl.orientation[i],
                    );
                    pl.x[i] = cx;
                    pl.y[i] = cy;
                }
                NodeKind::Port => {
                    pl.x[i] = (pl.x[i] * d).round() / d;
                    pl.y[i] = (pl.y[i] * d).round() / d;
                }
                _ => {}
            }
        }
        for all_fixed in [false, true] {
            let opts = DefExportOptions {
                dbu,
                all_fixed,
                pin_layer: Some("metal3".into()),
                soft_macros: true,
                ..Default::default()
            };
            let text = write_placement(&nl, &pl, &opts);
            let back = parse(&text).unwrap();
            assert_eq!(back.dbu, d);
            assert_eq!(back.components.len(), 3);
            let imp = import(&nl, &back, None).unwrap();
            assert_eq!(
                (imp.matched_hard_macros, imp.matched_soft_macros, imp.matched_ports),
                (2, 1, 2)
            );
            assert!(imp.unmatched_components.is_empty() && imp.unmatched_pins.is_empty());
            for id in nl.ids().filter(|&i| nl.kind(i).is_placeable()) {
                let i = id.index();
                let (x, y) = (imp.placement.x[i], imp.placement.y[i]);
                assert!(
                    (x - pl.x[i]).abs() < 1e-9 && (y - pl.y[i]).abs() < 1e-9,
                    "{}: ({x}, {y}) vs ({}, {})",
                    nl.name(id),
                    pl.x[i],
                    pl.y[i]
                );
                // Same database-unit lower-left corner.
                if nl.kind(id).is_macro() {
                    let s = (nl.width[i], nl.height[i]);
                    let a = lower_left_from_centre(x, y, s, pl.orientation[i]);
                    let b = lower_left_from_centre(pl.x[i], pl.y[i], s, pl.orientation[i]);
                    assert_eq!(
                        ((a.0 * d).round(), (a.1 * d).round()),
                        ((b.0 * d).round(), (b.1 * d).round())
                    );
                }
                assert_eq!(imp.placement.orientation[i], pl.orientation[i], "{}", nl.name(id));
                assert_eq!(imp.placement.fixed[i], all_fixed || pl.fixed[i], "{}", nl.name(id));
            }
        }
        // Unsnapped positions come back within half a database unit.
        let mut pl2 = pl.clone();
        let a = nl.find("a/m[0]").unwrap().index();
        pl2.x[a] += 0.123456 / d;
        let back =
            parse(&write_placement(&nl, &pl2, &DefExportOptions { dbu, ..Default::default() }))
                .unwrap();
        let imp = import(&nl, &back, None).unwrap();
        assert!((imp.placement.x[a] - pl2.x[a]).abs() <= 0.5 / d + 1e-12);
    }

    #[test]
    fn tcl_uses_openroad_orientations_and_lower_left_microns() {
        let nl = netlist();
        let mut pl = nl.initial_placement();
        let b = nl.find("b").unwrap().index();
        pl.x[b] = 20.0;
        pl.y[b] = 30.0;
        pl.orientation[b] = Orientation::E;
        let t = write_tcl(&nl, &pl, &DefExportOptions::default());
        // E: oriented footprint 3.25 × 7.5.
        assert!(
            t.contains("place_macro -macro_name {b} -location {18.375 26.25} -orientation R270"),
            "{t}"
        );
        assert!(t.contains("-macro_name {a/m\\[0\\]}"), "{t}");
        assert!(t.contains("# 2 macros placed"));
    }

    #[test]
    fn ariane133_def_and_lef_import_onto_the_ct_netlist() {
        let (Some(defdir), Some(nlp)) = (
            crate::testdata::require_shared("benchmarks/ariane133_ng45_def"),
            crate::testdata::require_shared("benchmarks/ariane133_ng45/netlist.pb.txt.gz"),
        ) else {
            return;
        };
        let nl = crate::pb_txt::read(&nlp).unwrap();
        let lefdir = defdir.join("lef");
        let lef = crate::lef::read_many(&[
            lefdir.join("NangateOpenCellLibrary.tech.lef"),
            lefdir.join("NangateOpenCellLibrary.macro.mod.lef"),
            lefdir.join("fakeram45_256x16.lef"),
        ])
        .unwrap();
        let ram = lef.get("fakeram45_256x16").unwrap();
        assert!(ram.is_block());
        assert_eq!(ram.size, (57.57, 133.0));
        // Every hard-macro pin offset of the netlist is the LEF pin's offset (the centre of
        // its shapes from the macro centre) under one orientation per macro. The netlist
        // stores the offsets as transformed by some earlier placement: N for 41 macros, FN
        // for 28, FS for 45 (all labelled N) and S for the 19 labelled S; unrelated to the
        // orientations in ariane133_fp_placed_macros.def.
        let mut checked = 0;
        let mut untransformed = 0;
        for m in nl.hard_macros() {
            let mut fits: Vec<Orientation> = Orientation::ALL.to_vec();
            for &pin in nl.pins_of(m) {
                let pname = &nl.name(pin)[nl.name(m).len() + 1..];
                let lp = ram.pin(pname).unwrap_or_else(|| panic!("LEF has no pin {pname}"));
                let (dx, dy) = lp.offset.unwrap();
                let (ex, ey) = nl.pin_offset[pin.index()];
                fits.retain(|o| {
                    let (tx, ty) = o.transform(dx, dy);
                    (tx - ex).abs() < 1e-6 && (ty - ey).abs() < 1e-6
                });
                checked += 1;
            }
            assert_eq!(fits.len(), 1, "{}: {fits:?}", nl.name(m));
            untransformed += usize::from(fits[0] == Orientation::N);
        }
        assert_eq!(untransformed, 41);
        assert!(checked > 1000, "{checked}");

        let placed = read(&defdir.join("ariane133_fp_placed_macros.def")).unwrap();
        assert_eq!(placed.dbu, 2000.0);
        assert_eq!(placed.components.len(), 133);
        let imp = import(&nl, &placed, Some(&lef)).unwrap();
        assert_eq!(imp.matched_hard_macros, 133);
        assert!(imp.missing_hard_macros.is_empty() && imp.unmatched_components.is_empty());
        assert!(imp.size_mismatches.is_empty());
        assert_eq!(imp.matched_ports, nl.ports().len());
        assert_eq!(placed.pins.len(), 495);
        assert!(imp.unplaced.is_empty());
        // The die is 1357.36 × 1356.88 µm; the netlist canvas (from its .plc) is larger.
        assert_eq!(imp.canvas, Some((1357.36, 1356.88)));
        let clk = nl.find("clk_i").unwrap().index();
        assert!((imp.placement.x[clk] - 0.035).abs() < 1e-9, "{}", imp.placement.x[clk]);
        // Macros sit inside the die, and the DEF round trip at its own units is exact.
        let opts = DefExportOptions {
            dbu: 2000,
            models: imp.models.clone(),
            all_fixed: false,
            ..Default::default()
        };
        let back =
            parse_str(&write_placement(&nl, &imp.placement, &opts), Path::new("back.def")).unwrap();
        assert_eq!(back.components.len(), 133);
        for c in &placed.components {
            let b = back.components.iter().find(|b| b.name == c.name).unwrap();
            assert_eq!(
                (&b.model, b.status, b.location, b.orientation),
                (&c.model, c.status, c.location, c.orientation)
            );
        }

        // DEF + LEF alone: the same macros, ports and macro pins as the CT netlist (no nets:
        // the floorplan DEF has none).
        let built = to_netlist(&placed, &lef).unwrap();
        let (c, e) = (built.counts(), nl.counts());
        assert_eq!((c.hard_macros, c.ports, c.hard_macro_pins), (133, e.ports, e.hard_macro_pins));
        assert_eq!(built.nets.len(), 0);

        let fp = read(&defdir.join("ariane133_fp.def")).unwrap();
        let imp = import(&nl, &fp, Some(&lef)).unwrap();
        assert_eq!((imp.matched_hard_macros, imp.unplaced.len()), (133, 133));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// Random byte edits of a valid DEF and LEF never panic (errors are fine).
        #[test]
        fn mutations_never_panic(
            edits in proptest::collection::vec((0usize..4096, 0u8..=255, 0u8..3), 1..8),
        ) {
            for base in [DEF, crate::lef::tests::LEF] {
                let mut bytes = base.as_bytes().to_vec();
                for &(at, b, op) in &edits {
                    let at = at % (bytes.len() + 1);
                    match op {
                        0 if at < bytes.len() => bytes[at] = b,
                        1 => bytes.insert(at, b),
                        _ if at < bytes.len() => { bytes.remove(at); }
                        _ => {}
                    }
                }
                let text = String::from_utf8_lossy(&bytes);
                if let Ok(d) = parse(&text) {
                    let nl = netlist();
                    if let Ok(imp) = import(&nl, &d, None) {
                        let _ = write_placement(&nl, &imp.placement, &DefExportOptions::default());
                    }
                }
                let _ = crate::lef::parse_str(&text, Path::new("t.lef"));
            }
        }
    }

    #[test]
    fn def_and_lef_alone_build_a_netlist() {
        let d = parse(DEF).unwrap();
        let lef = crate::lef::parse_str(
            "MACRO ram\n CLASS BLOCK ;\n SIZE 10 BY 20 ;\n PIN A\n DIRECTION INPUT ;\n PORT\n RECT 0 0 1 1 ;\n END\n END A\n PIN D\n DIRECTION OUTPUT ;\n PORT\n RECT 9 19 10 20 ;\n END\n END D\n PIN VDD\n USE POWER ;\n END VDD\nEND ram\nMACRO INV\n CLASS CORE ;\n SIZE 1 BY 1 ;\nEND INV\n",
            Path::new("t.lef"),
        )
        .unwrap();
        let nl = to_netlist(&d, &lef).unwrap();
        let c = nl.counts();
        assert_eq!((c.hard_macros, c.hard_macro_pins, c.std_cells, c.ports), (2, 4, 1, 2));
        assert_eq!(nl.header.canvas, Some((100.0, 80.0)));
        let a = nl.find("a/m[0]").unwrap().index();
        assert_eq!((nl.x[a], nl.y[a]), (6.0, 12.0));
        assert_eq!(nl.pin_offset[nl.find("a/m[0]/D").unwrap().index()], (4.5, 9.5));
        assert_eq!(nl.nets.len(), 1);
        assert_eq!(nl.nets.driver[0], nl.find("in").unwrap());
        let sinks: Vec<&str> = nl.nets.sinks_of(NetId(0)).iter().map(|&s| nl.name(s)).collect();
        assert_eq!(sinks, vec!["a/m[0]/A", "b/D"]);
        // The built netlist imports its own DEF exactly.
        let imp = import(&nl, &d, Some(&lef)).unwrap();
        assert_eq!((imp.matched_hard_macros, imp.matched_std_cells, imp.matched_ports), (2, 1, 2));
        assert_eq!(imp.placement.x, nl.x);
        // A net naming an unknown pin.
        let bad = parse(&DEF.replace("( b D + SYNTHESIZED )", "( b Z )")).unwrap();
        let e = to_netlist(&bad, &lef).unwrap_err().to_string();
        assert_eq!(e, "t.def:31: net n1 connects ( b Z ), which the DEF/LEF do not define");
    }

    #[test]
    fn die_origin_is_recorded_and_restored() {
        let text = "DESIGN o ;\nUNITS DISTANCE MICRONS 100 ;\nDIEAREA ( 1000 2000 ) ( 11000 12000 ) ;\nCOMPONENTS 1 ;\n- m ram + FIXED ( 3000 4000 ) S ;\nEND COMPONENTS\nEND DESIGN\n";
        let d = parse(text).unwrap();
        let lef = crate::lef::parse_str(
            "MACRO ram\n CLASS BLOCK ;\n SIZE 5 BY 6 ;\nEND ram\n",
            Path::new("t.lef"),
        )
        .unwrap();
        let nl = to_netlist(&d, &lef).unwrap();
        let m = nl.find("m").unwrap().index();
        assert_eq!((nl.x[m], nl.y[m]), (30.0 + 2.5 - 10.0, 40.0 + 3.0 - 20.0));
        assert_eq!(nl.header.canvas, Some((100.0, 100.0)));
        // Through .pb.txt and back, the origin survives and the DEF comes out the same.
        let pb = crate::pb_txt::to_string(&nl, None);
        let nl2 = crate::pb_txt::parse_str(&pb, Path::new("o.pb.txt")).unwrap();
        assert_eq!(origin(&nl2), Some((10.0, 20.0)));
        let opts = DefExportOptions {
            dbu: 100,
            origin: origin(&nl2).unwrap(),
            models: HashMap::from([("m".to_string(), "ram".to_string())]),
            ..Default::default()
        };
        let back = parse(&write_placement(&nl2, &nl2.initial_placement(), &opts)).unwrap();
        assert_eq!(back.die_area, d.die_area);
        assert_eq!(back.components[0].location, Some((3000.0, 4000.0)));
        assert_eq!(back.components[0].orientation, Orientation::S);
        let mut nl3 = nl2.clone();
        set_origin(&mut nl3, (0.0, 0.0));
        assert_eq!(origin(&nl3), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Any placement of the macros (all eight orientations, several DEF units), snapped to
        /// the database-unit grid, comes back from DEF with the same centres, orientations and
        /// fixed flags; unsnapped, within half a database unit.
        #[test]
        fn any_placement_round_trips(
            pos in proptest::collection::vec((0.0f64..100.0, 0.0f64..80.0, 0usize..8, proptest::bool::ANY), 3),
            dbu in proptest::sample::select(vec![1u32, 100, 1000, 2000, 4000]),
        ) {
            let nl = netlist();
            let mut pl = nl.initial_placement();
            let d = f64::from(dbu);
            let macros = nl.macros();
            let mut exact = pl.clone();
            for (&m, &(x, y, o, fixed)) in macros.iter().zip(&pos) {
                let i = m.index();
                let o = Orientation::ALL[o];
                let s = (nl.width[i], nl.height[i]);
                pl.x[i] = x;
                pl.y[i] = y;
                pl.orientation[i] = o;
                pl.fixed[i] = fixed;
                let (lx, ly) = lower_left_from_centre(x, y, s, o);
                let (cx, cy) = centre_from_lower_left((lx * d).round() / d, (ly * d).round() / d, s, o);
                exact.x[i] = cx;
                exact.y[i] = cy;
                exact.orientation[i] = o;
                exact.fixed[i] = fixed;
            }
            let opts = DefExportOptions { dbu, soft_macros: true, ..Default::default() };
            for (input, tol) in [(&exact, 1e-9), (&pl, 0.5 / d + 1e-9)] {
                let back = parse(&write_placement(&nl, input, &opts)).unwrap();
                let imp = import(&nl, &back, None).unwrap();
                for &m in &macros {
                    let i = m.index();
                    proptest::prop_assert!((imp.placement.x[i] - input.x[i]).abs() <= tol);
                    proptest::prop_assert!((imp.placement.y[i] - input.y[i]).abs() <= tol);
                    proptest::prop_assert_eq!(imp.placement.orientation[i], input.orientation[i]);
                    proptest::prop_assert_eq!(imp.placement.fixed[i], input.fixed[i]);
                }
            }
        }
    }

    #[test]
    fn escaping_round_trips() {
        for n in ["a/b[0].c", "x\\y", "-lead", "sp ace", "p(1)"] {
            let e = escape(n);
            assert_eq!(unescape(&e), n.replace(' ', "_"), "{n} -> {e}");
        }
    }
}
