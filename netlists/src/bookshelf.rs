//! Bookshelf placement benchmarks (ICCAD04 / ISPD2005 style): `.aux`, `.nodes`, `.nets`,
//! `.pl`, `.scl`, `.wts` (reader, and a writer: [`to_files`], [`write`](fn@write)).
//!
//! # Mapping into the Circuit Training model
//!
//! - **Terminals** (`terminal` / `terminal_NI` in `.nodes`) become `PORT`s at the centre of
//!   their `.pl` rectangle. Ports are dimensionless in CT, so the Bookshelf size is kept as
//!   extra attributes `bookshelf_width` / `bookshelf_height`, and a `.pl` orientation as the
//!   extra attribute `orientation`.
//! - **Movable nodes taller than one row** (the smallest `Height` of the `.scl` rows) become
//!   hard `MACRO`s, with one `MACRO_PIN` per net connection, named `<macro>/p<k>` (k counts
//!   the macro's connections in `.nets` order) and placed right after their macro in index
//!   order. The pin offset is the `.nets` offset (Bookshelf offsets are from the node centre,
//!   as in CT).
//! - **Other movable nodes** become `STDCELL`s; their pins collapse onto the cell (offsets
//!   ignored).
//! - **Positions**: `.pl` gives lower-left corners; the model stores centres, `x + w/2`,
//!   `y + h/2` (for E/FE/W/FW the Bookshelf footprint is rotated, so the centre is
//!   `x + h/2`, `y + w/2`; CT itself never swaps footprints). Orientation comes from the
//!   `.pl` (`N` when absent). `/FIXED` and `/FIXED_NI` are kept as the extra attribute
//!   `bookshelf_fixed`. Nodes without a `.pl` line sit with their lower-left corner at the
//!   origin.
//! - **Canvas**: the bounding box of the `.scl` rows (`header.canvas`). CT's canvas is
//!   `[0, W] × [0, H]`, so when the rows do not start at (0, 0) every coordinate is shifted
//!   by the rows' lower-left corner `(x0, y0)`, and the offset is recorded in the header
//!   comment ` Bookshelf origin : x0 y0` (see [`origin`]). Units stay Bookshelf units (no
//!   scaling). Without a `.scl` there is no canvas, and the row height used for the macro
//!   rule is the most common height of the movable nodes.
//! - **Nets**: the driver is the first pin with direction `O`, else the first pin; the other
//!   pins are sinks, in file order. Nets with fewer than two pins are dropped (they carry no
//!   wirelength and CT cannot express them; [`read`] reports none for ibm01). Net weight: a
//!   `.wts` line naming a net (`NetDegree : d <name>`) sets it; default 1. ICCAD04 `.wts`
//!   files list *node* weights (ibm01: node areas); lines naming nodes are ignored. Nets are
//!   ordered by driver index (stable), as a `.pb.txt` reader would number them.
//! - A standard cell or port may drive several nets; the model keeps them all, and the
//!   `.pb.txt` writer stores the extra ones with its extension attributes
//!   ([`crate::pb_txt`]). For the primary (first) net of each driver whose weight is not 1,
//!   the driver's `weight` is set so the `.pb.txt` form keeps it.
//!
//! # Counting (what the ibm01 acceptance test checks)
//!
//! - *nodes* = Bookshelf nodes = ports + hard macros + standard cells (macro pins are extra
//!   model nodes and are not counted);
//! - *movable* = non-terminal nodes; *macros* = hard macros;
//! - *nets* = `nl.nets.len()`; *pins* = [`Nets::pin_count`] = driver + sinks summed over
//!   nets = the number of net connections in `.nets` (`NumPins`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::{
    AttrValue, Netlist, NetlistBuilder, Nets, NodeId, NodeKind, NodeSpec, Orientation, Placement,
};

/// Header comment key recording the Bookshelf origin (rows' lower-left corner).
pub const ORIGIN_KEY: &str = "Bookshelf origin";

/// The Bookshelf origin offset recorded in a netlist's header comments, if any: the
/// Bookshelf coordinates of the model's (0, 0).
pub fn origin(nl: &Netlist) -> Option<(f64, f64)> {
    crate::header::comment_point(&nl.header.comments, ORIGIN_KEY)
}

/// Reads a design from its `.aux` file (`RowBasedPlacement : a.nodes a.nets a.wts a.pl
/// a.scl`; paths relative to the `.aux` directory; `.nodes` and `.nets` are required).
pub fn read(aux: &Path) -> Result<Netlist> {
    let text = std::fs::read_to_string(aux).map_err(|e| Error::io(aux, e))?;
    let dir = aux.parent().unwrap_or(Path::new(""));
    let mut files: HashMap<&'static str, PathBuf> = HashMap::new();
    let mut found_line = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let Some((_, list)) = t.split_once(':') else {
            return Err(Error::parse(aux, i + 1, "expected `RowBasedPlacement : <files>`"));
        };
        found_line = true;
        for f in list.split_whitespace() {
            let ext = Path::new(f)
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            let key = match ext.as_str() {
                "nodes" => "nodes",
                "nets" => "nets",
                "pl" => "pl",
                "scl" => "scl",
                "wts" => "wts",
                _ => continue,
            };
            files.insert(key, dir.join(f));
        }
    }
    if !found_line {
        return Err(Error::parse(aux, 0, "no file list"));
    }
    let load = |k: &str, required: bool| -> Result<(String, PathBuf)> {
        match files.get(k) {
            Some(p) => Ok((std::fs::read_to_string(p).map_err(|e| Error::io(p, e))?, p.clone())),
            None if required => Err(Error::parse(aux, 0, format!("no .{k} file listed"))),
            None => Ok((String::new(), PathBuf::from(format!("<no .{k}>")))),
        }
    };
    let nodes = load("nodes", true)?;
    let nets = load("nets", true)?;
    let pl = load("pl", false)?;
    let scl = load("scl", false)?;
    let wts = load("wts", false)?;
    let block = aux.file_stem().map(|s| s.to_string_lossy().into_owned());
    parse_labeled(
        Part { text: &nodes.0, label: &nodes.1 },
        Part { text: &nets.0, label: &nets.1 },
        Part { text: &pl.0, label: &pl.1 },
        Part { text: &scl.0, label: &scl.1 },
        Part { text: &wts.0, label: &wts.1 },
        block,
    )
}

/// Parses a design from the texts of its files (an empty string stands for an absent
/// `.pl`, `.scl` or `.wts`). Errors are labelled `<design>.nodes` etc.; used by fuzzing
/// and tests.
pub fn parse_parts(nodes: &str, nets: &str, pl: &str, scl: &str, wts: &str) -> Result<Netlist> {
    parse_labeled(
        Part { text: nodes, label: Path::new("<design>.nodes") },
        Part { text: nets, label: Path::new("<design>.nets") },
        Part { text: pl, label: Path::new("<design>.pl") },
        Part { text: scl, label: Path::new("<design>.scl") },
        Part { text: wts, label: Path::new("<design>.wts") },
        None,
    )
}

#[derive(Clone, Copy)]
struct Part<'a> {
    text: &'a str,
    label: &'a Path,
}

/// Splits a line into words, with every `:` a word of its own.
fn words(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for w in line.split_whitespace() {
        let mut rest = w;
        while let Some(p) = rest.find(':') {
            if p > 0 {
                out.push(&rest[..p]);
            }
            out.push(":");
            rest = &rest[p + 1..];
        }
        if !rest.is_empty() {
            out.push(rest);
        }
    }
    out
}

/// Content lines `(1-based line, words)`: no blank lines, no `#` comments, no `UCLA` line.
fn content(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines().enumerate().filter_map(|(i, l)| {
        let l = match l.find('#') {
            Some(p) => &l[..p],
            None => l,
        };
        let w = words(l);
        match w.first() {
            None => None,
            Some(f) if f.eq_ignore_ascii_case("UCLA") => None,
            Some(_) => Some((i + 1, w)),
        }
    })
}

fn num(p: Part<'_>, line: usize, what: &str, s: &str) -> Result<f64> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(Error::parse(p.label, line, format!("{what} `{s}` is not a number"))),
    }
}

/// `Key : value` count lines such as `NumNodes : 12752`.
fn count_field(p: Part<'_>, line: usize, w: &[&str]) -> Result<Option<(String, usize)>> {
    if w.len() == 3 && w.get(1) == Some(&":") && w[0].starts_with("Num") {
        let v = w[2].parse::<usize>().map_err(|_| {
            Error::parse(p.label, line, format!("`{}` needs a count, found `{}`", w[0], w[2]))
        })?;
        return Ok(Some((w[0].to_ascii_lowercase(), v)));
    }
    Ok(None)
}

struct BsNode<'a> {
    name: &'a str,
    w: f64,
    h: f64,
    terminal: Option<&'a str>,
    line: usize,
}

fn parse_nodes(p: Part<'_>) -> Result<Vec<BsNode<'_>>> {
    let mut out = Vec::new();
    let mut declared = (None, None);
    for (line, w) in content(p.text) {
        if let Some((k, v)) = count_field(p, line, &w)? {
            match k.as_str() {
                "numnodes" => declared.0 = Some((v, line)),
                "numterminals" => declared.1 = Some((v, line)),
                _ => {}
            }
            continue;
        }
        let (name, ws, hs, term) = match w.as_slice() {
            [n, a, b] => (*n, *a, *b, None),
            [n, a, b, t]
                if t.eq_ignore_ascii_case("terminal") || t.eq_ignore_ascii_case("terminal_NI") =>
            {
                (*n, *a, *b, Some(*t))
            }
            _ => {
                return Err(Error::parse(
                    p.label,
                    line,
                    format!(
                        "expected `name width height [terminal|terminal_NI]`, found `{}`",
                        w.join(" ")
                    ),
                ))
            }
        };
        let wv = num(p, line, "width", ws)?;
        let hv = num(p, line, "height", hs)?;
        if wv < 0.0 || hv < 0.0 {
            return Err(Error::parse(
                p.label,
                line,
                format!("node \"{name}\" has a negative size"),
            ));
        }
        out.push(BsNode { name, w: wv, h: hv, terminal: term, line });
    }
    if let Some((n, line)) = declared.0 {
        if n != out.len() {
            return Err(Error::parse(
                p.label,
                line,
                format!("NumNodes is {n} but {} nodes are listed", out.len()),
            ));
        }
    }
    if let Some((n, line)) = declared.1 {
        let t = out.iter().filter(|x| x.terminal.is_some()).count();
        if n != t {
            return Err(Error::parse(
                p.label,
                line,
                format!("NumTerminals is {n} but {t} terminals are listed"),
            ));
        }
    }
    Ok(out)
}

struct BsPin {
    node: usize,
    dir: u8,
    offset: (f64, f64),
}

struct BsNet<'a> {
    name: Option<&'a str>,
    pins: Vec<BsPin>,
}

fn parse_nets<'a>(p: Part<'a>, by_name: &HashMap<&str, usize>) -> Result<Vec<BsNet<'a>>> {
    let mut nets: Vec<BsNet<'a>> = Vec::new();
    let mut expect: Option<(usize, usize)> = None; // (degree, NetDegree line)
    let mut declared = (None, None);
    let check = |nets: &[BsNet<'_>], expect: Option<(usize, usize)>| -> Result<()> {
        if let (Some((d, line)), Some(last)) = (expect, nets.last()) {
            if last.pins.len() != d {
                return Err(Error::parse(
                    p.label,
                    line,
                    format!("NetDegree is {d} but the net lists {} pins", last.pins.len()),
                ));
            }
        }
        Ok(())
    };
    for (line, w) in content(p.text) {
        if let Some((k, v)) = count_field(p, line, &w)? {
            match k.as_str() {
                "numnets" => declared.0 = Some((v, line)),
                "numpins" => declared.1 = Some((v, line)),
                _ => {}
            }
            continue;
        }
        if w.first().is_some_and(|f| f.eq_ignore_ascii_case("NetDegree")) {
            check(&nets, expect)?;
            let (d, name) = match w.as_slice() {
                [_, ":", d] => (*d, None),
                [_, ":", d, n] => (*d, Some(*n)),
                _ => {
                    return Err(Error::parse(
                        p.label,
                        line,
                        format!("expected `NetDegree : d [name]`, found `{}`", w.join(" ")),
                    ))
                }
            };
            let d = d.parse::<usize>().map_err(|_| {
                Error::parse(p.label, line, format!("net degree `{d}` is not a count"))
            })?;
            nets.push(BsNet { name, pins: Vec::with_capacity(d.min(1 << 16)) });
            expect = Some((d, line));
            continue;
        }
        let Some(net) = nets.last_mut() else {
            return Err(Error::parse(
                p.label,
                line,
                format!("pin line `{}` before any `NetDegree`", w.join(" ")),
            ));
        };
        let (name, dir, off) = match w.as_slice() {
            [n] => (*n, "B", None),
            [n, d] if *d != ":" => (*n, *d, None),
            [n, ":", x, y] => (*n, "B", Some((*x, *y))),
            [n, d, ":", x, y] => (*n, *d, Some((*x, *y))),
            _ => {
                return Err(Error::parse(
                    p.label,
                    line,
                    format!(
                        "expected `node direction [: x_offset y_offset]`, found `{}`",
                        w.join(" ")
                    ),
                ))
            }
        };
        let dir = match dir.to_ascii_uppercase().as_str() {
            "I" => b'I',
            "O" => b'O',
            "B" => b'B',
            _ => {
                return Err(Error::parse(
                    p.label,
                    line,
                    format!("pin direction `{dir}` is not I, O or B"),
                ))
            }
        };
        let offset = match off {
            Some((x, y)) => (num(p, line, "pin x offset", x)?, num(p, line, "pin y offset", y)?),
            None => (0.0, 0.0),
        };
        let Some(&node) = by_name.get(name) else {
            return Err(Error::parse(
                p.label,
                line,
                format!("net pin names unknown node \"{name}\""),
            ));
        };
        net.pins.push(BsPin { node, dir, offset });
    }
    check(&nets, expect)?;
    if let Some((n, line)) = declared.0 {
        if n != nets.len() {
            return Err(Error::parse(
                p.label,
                line,
                format!("NumNets is {n} but {} nets are listed", nets.len()),
            ));
        }
    }
    if let Some((n, line)) = declared.1 {
        let t: usize = nets.iter().map(|x| x.pins.len()).sum();
        if n != t {
            return Err(Error::parse(
                p.label,
                line,
                format!("NumPins is {n} but {t} pins are listed"),
            ));
        }
    }
    Ok(nets)
}

struct BsPl<'a> {
    x: f64,
    y: f64,
    orient: Option<Orientation>,
    fixed: Option<&'a str>,
}

fn parse_pl<'a>(
    p: Part<'a>,
    by_name: &HashMap<&str, usize>,
    n: usize,
) -> Result<Vec<Option<BsPl<'a>>>> {
    let mut out: Vec<Option<BsPl<'a>>> = Vec::new();
    out.resize_with(n, || None);
    for (line, w) in content(p.text) {
        let (name, xs, ys, rest) = match w.as_slice() {
            [n, x, y, rest @ ..] => (*n, *x, *y, rest),
            _ => {
                return Err(Error::parse(
                    p.label,
                    line,
                    format!(
                        "expected `name x y [: orientation] [/FIXED]`, found `{}`",
                        w.join(" ")
                    ),
                ))
            }
        };
        let x = num(p, line, "x", xs)?;
        let y = num(p, line, "y", ys)?;
        let mut orient = None;
        let mut fixed = None;
        let mut it = rest.iter();
        while let Some(&t) = it.next() {
            if t == ":" {
                let Some(&o) = it.next() else {
                    return Err(Error::parse(p.label, line, "missing orientation after `:`"));
                };
                orient = Some(Orientation::parse(o).ok_or_else(|| {
                    Error::parse(p.label, line, format!("unknown orientation `{o}`"))
                })?);
            } else if t.eq_ignore_ascii_case("/FIXED") || t.eq_ignore_ascii_case("/FIXED_NI") {
                fixed = Some(t.trim_start_matches('/'));
            } else {
                return Err(Error::parse(
                    p.label,
                    line,
                    format!("unexpected `{t}` in placement line"),
                ));
            }
        }
        let Some(&i) = by_name.get(name) else {
            return Err(Error::parse(
                p.label,
                line,
                format!("placement of unknown node \"{name}\""),
            ));
        };
        if let Some(slot) = out.get_mut(i) {
            *slot = Some(BsPl { x, y, orient, fixed });
        }
    }
    Ok(out)
}

/// Rows' bounding box `(x0, y0, x1, y1)` and smallest row height.
type Rows = ((f64, f64, f64, f64), f64);

fn parse_scl(p: Part<'_>) -> Result<Option<Rows>> {
    #[derive(Default)]
    struct Row {
        y: Option<f64>,
        h: Option<f64>,
        spacing: Option<f64>,
        width: Option<f64>,
        origin: Option<f64>,
        sites: Option<f64>,
        line: usize,
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut cur: Option<Row> = None;
    let mut declared = None;
    for (line, w) in content(p.text) {
        let key = w.first().map(|s| s.to_ascii_lowercase()).unwrap_or_default();
        match key.as_str() {
            "numrows" => {
                declared = count_field(p, line, &w)?.map(|x| (x.1, line));
                if declared.is_none() {
                    return Err(Error::parse(p.label, line, "expected `NumRows : n`"));
                }
            }
            "corerow" => {
                if cur.is_some() {
                    return Err(Error::parse(
                        p.label,
                        line,
                        "`CoreRow` inside a row (missing `End`)",
                    ));
                }
                cur = Some(Row { line, ..Default::default() });
            }
            "end" => {
                let Some(r) = cur.take() else {
                    return Err(Error::parse(p.label, line, "`End` without `CoreRow`"));
                };
                rows.push(r);
            }
            _ => {
                let Some(r) = cur.as_mut() else {
                    return Err(Error::parse(
                        p.label,
                        line,
                        format!("unexpected `{}` outside a row", w.join(" ")),
                    ));
                };
                // `Key : value [Key : value]`.
                let mut i = 0;
                while i < w.len() {
                    let (Some(k), Some(&":"), Some(v)) = (w.get(i), w.get(i + 1), w.get(i + 2))
                    else {
                        return Err(Error::parse(
                            p.label,
                            line,
                            format!("expected `Key : value`, found `{}`", w.join(" ")),
                        ));
                    };
                    let k = k.to_ascii_lowercase();
                    let field = match k.as_str() {
                        "coordinate" => Some(&mut r.y),
                        "height" => Some(&mut r.h),
                        "sitewidth" => Some(&mut r.width),
                        "sitespacing" => Some(&mut r.spacing),
                        "subroworigin" => Some(&mut r.origin),
                        "numsites" => Some(&mut r.sites),
                        _ => None, // Siteorient, Sitesymmetry
                    };
                    if let Some(f) = field {
                        *f = Some(num(p, line, &k, v)?);
                    }
                    i += 3;
                }
            }
        }
    }
    if let Some(r) = cur {
        return Err(Error::parse(p.label, r.line, "row not closed with `End`"));
    }
    if let Some((n, line)) = declared {
        if n != rows.len() {
            return Err(Error::parse(
                p.label,
                line,
                format!("NumRows is {n} but {} rows are listed", rows.len()),
            ));
        }
    }
    let mut bbox = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    let mut row_h = f64::INFINITY;
    for r in &rows {
        let (Some(y), Some(h), Some(x0), Some(n)) = (r.y, r.h, r.origin, r.sites) else {
            return Err(Error::parse(
                p.label,
                r.line,
                "row needs `Coordinate`, `Height`, `SubrowOrigin` and `NumSites`",
            ));
        };
        let step = r.spacing.or(r.width).unwrap_or(1.0);
        bbox.0 = bbox.0.min(x0);
        bbox.1 = bbox.1.min(y);
        bbox.2 = bbox.2.max(x0 + n * step);
        bbox.3 = bbox.3.max(y + h);
        row_h = row_h.min(h);
    }
    Ok((!rows.is_empty()).then_some((bbox, row_h)))
}

fn parse_wts<'a>(p: Part<'a>) -> Result<Vec<(&'a str, f64, usize)>> {
    let mut out = Vec::new();
    for (line, w) in content(p.text) {
        if count_field(p, line, &w)?.is_some() {
            continue;
        }
        let [name, v] = w.as_slice() else {
            return Err(Error::parse(
                p.label,
                line,
                format!("expected `name weight`, found `{}`", w.join(" ")),
            ));
        };
        out.push((*name, num(p, line, "weight", v)?, line));
    }
    Ok(out)
}

fn parse_labeled(
    nodes_p: Part<'_>,
    nets_p: Part<'_>,
    pl_p: Part<'_>,
    scl_p: Part<'_>,
    wts_p: Part<'_>,
    block: Option<String>,
) -> Result<Netlist> {
    let nodes = parse_nodes(nodes_p)?;
    let mut by_name: HashMap<&str, usize> = HashMap::with_capacity(nodes.len());
    for (i, n) in nodes.iter().enumerate() {
        if by_name.insert(n.name, i).is_some() {
            return Err(Error::parse(
                nodes_p.label,
                n.line,
                format!("duplicate node name \"{}\"", n.name),
            ));
        }
    }
    let nets = parse_nets(nets_p, &by_name)?;
    let pl = parse_pl(pl_p, &by_name, nodes.len())?;
    let scl = parse_scl(scl_p)?;
    let wts = parse_wts(wts_p)?;

    let row_h = match scl {
        Some((_, h)) => h,
        None => {
            // Most common movable height.
            let mut hist: HashMap<u64, usize> = HashMap::new();
            for n in nodes.iter().filter(|n| n.terminal.is_none()) {
                *hist.entry(n.h.to_bits()).or_default() += 1;
            }
            hist.into_iter()
                .max_by_key(|&(h, c)| (c, std::cmp::Reverse(h)))
                .map_or(0.0, |(h, _)| f64::from_bits(h))
        }
    };
    let (x0, y0) = scl.map_or((0.0, 0.0), |(b, _)| (b.0, b.1));

    // Kinds and connection lists of hard macros.
    let kinds: Vec<NodeKind> = nodes
        .iter()
        .map(|n| {
            if n.terminal.is_some() {
                NodeKind::Port
            } else if n.h > row_h {
                NodeKind::HardMacro
            } else {
                NodeKind::StdCell
            }
        })
        .collect();
    let mut macro_pins: Vec<Vec<(usize, usize)>> = vec![Vec::new(); nodes.len()]; // (net, pin)
    for (ni, net) in nets.iter().enumerate() {
        for (pi, pin) in net.pins.iter().enumerate() {
            if kinds.get(pin.node) == Some(&NodeKind::HardMacro) {
                if let Some(v) = macro_pins.get_mut(pin.node) {
                    v.push((ni, pi));
                }
            }
        }
    }

    // Node ids: nodes in .nodes order, each hard macro followed by its pins.
    let mut node_id = vec![NodeId(0); nodes.len()];
    let mut pin_id: HashMap<(usize, usize), NodeId> = HashMap::new();
    let mut b = NetlistBuilder::new();
    for (i, n) in nodes.iter().enumerate() {
        let kind = kinds[i];
        let place = pl.get(i).and_then(Option::as_ref);
        let (llx, lly) = place.map_or((0.0, 0.0), |q| (q.x, q.y));
        let orient = place.and_then(|q| q.orient);
        let rotated = matches!(
            orient,
            Some(Orientation::E | Orientation::FE | Orientation::W | Orientation::FW)
        );
        let (fw, fh) = if rotated { (n.h, n.w) } else { (n.w, n.h) };
        let mut spec = NodeSpec {
            name: n.name.to_string(),
            kind: Some(kind),
            x: llx + fw / 2.0 - x0,
            y: lly + fh / 2.0 - y0,
            line: n.line,
            ..Default::default()
        };
        if kind == NodeKind::Port {
            spec.extra_attrs.push(("bookshelf_width".into(), AttrValue::F(n.w)));
            spec.extra_attrs.push(("bookshelf_height".into(), AttrValue::F(n.h)));
            if let Some(o) = orient {
                spec.extra_attrs.push(("orientation".into(), AttrValue::Str(o.as_str().into())));
            }
        } else {
            spec.width = n.w;
            spec.height = n.h;
            spec.orientation = orient.unwrap_or_default();
        }
        if let Some(t) = n.terminal.filter(|t| t.eq_ignore_ascii_case("terminal_NI")) {
            spec.extra_attrs.push(("bookshelf_terminal".into(), AttrValue::Str(t.into())));
        }
        if let Some(f) = place.and_then(|q| q.fixed) {
            spec.extra_attrs.push(("bookshelf_fixed".into(), AttrValue::Str(f.into())));
        }
        node_id[i] = b.push(spec);
        if kind == NodeKind::HardMacro {
            for (k, &(ni, pi)) in macro_pins[i].iter().enumerate() {
                let offset =
                    nets.get(ni).and_then(|net| net.pins.get(pi)).map_or((0.0, 0.0), |p| p.offset);
                let id = b.push(NodeSpec {
                    name: format!("{}/p{k}", n.name),
                    kind: Some(NodeKind::HardMacroPin),
                    owner: Some(n.name.to_string()),
                    offset,
                    line: n.line,
                    ..Default::default()
                });
                pin_id.insert((ni, pi), id);
            }
        }
    }
    b.header.canvas = scl.map(|(bb, _)| (bb.2 - bb.0, bb.3 - bb.1));
    if let Some((w, h)) = b.header.canvas {
        b.header.comments.push(format!(" FP bbox: {{0 0}} {{{w} {h}}}"));
    }
    crate::header::set_comment_point(&mut b.header.comments, ORIGIN_KEY, (x0, y0));
    if let Some(bl) = block {
        b.header.comments.push(format!(" Block : {bl}"));
        b.header.block = Some(bl);
    }

    // Net weights from .wts lines that name nets.
    let mut net_w: HashMap<&str, f64> = HashMap::new();
    for (name, w, _) in &wts {
        net_w.insert(name, *w);
    }
    let endpoint = |ni: usize, pi: usize, node: usize| -> NodeId {
        pin_id
            .get(&(ni, pi))
            .copied()
            .unwrap_or_else(|| node_id.get(node).copied().unwrap_or(NodeId(0)))
    };
    let mut built: Vec<(NodeId, f64, Vec<NodeId>)> = Vec::with_capacity(nets.len());
    for (ni, net) in nets.iter().enumerate() {
        if net.pins.len() < 2 {
            continue;
        }
        let d = net.pins.iter().position(|p| p.dir == b'O').unwrap_or(0);
        let mut driver = NodeId(0);
        let mut sinks = Vec::with_capacity(net.pins.len() - 1);
        for (pi, p) in net.pins.iter().enumerate() {
            let id = endpoint(ni, pi, p.node);
            if pi == d {
                driver = id;
            } else {
                sinks.push(id);
            }
        }
        let w = net.name.and_then(|n| net_w.get(n).copied()).unwrap_or(1.0);
        built.push((driver, w, sinks));
    }
    built.sort_by_key(|n| n.0); // stable: file order within a driver

    let mut nl = b.build().map_err(|e| Error::parse(nodes_p.label, e.line, e.message))?;
    let mut out = Nets::default();
    out.sink_start.push(0);
    let mut prev: Option<NodeId> = None;
    for (d, w, sinks) in &built {
        if prev != Some(*d) && *w != 1.0 {
            if let Some(slot) = nl.weight.get_mut(d.index()) {
                *slot = Some(*w);
            }
        }
        prev = Some(*d);
        out.push(*d, *w, sinks);
    }
    nl.nets = out;
    Ok(nl)
}

/// The texts of a Bookshelf design written by [`to_files`].
#[derive(Clone, Debug, PartialEq)]
pub struct BookshelfFiles {
    /// Design name (file stem).
    pub name: String,
    /// `.aux` text.
    pub aux: String,
    /// `.nodes` text.
    pub nodes: String,
    /// `.nets` text.
    pub nets: String,
    /// `.pl` text.
    pub pl: String,
    /// `.scl` text.
    pub scl: String,
    /// `.wts` text.
    pub wts: String,
}

fn attr_f(nl: &Netlist, id: NodeId, key: &str) -> Option<f64> {
    nl.extra_attrs[id.index()].iter().find_map(|(k, v)| match v {
        AttrValue::F(f) if k == key => Some(*f),
        _ => None,
    })
}

fn attr_s<'a>(nl: &'a Netlist, id: NodeId, key: &str) -> Option<&'a str> {
    nl.extra_attrs[id.index()].iter().find_map(|(k, v)| match v {
        AttrValue::Str(s) if k == key => Some(s.as_str()),
        _ => None,
    })
}

/// Writes a netlist and placement as Bookshelf texts (the inverse of [`read`] as far as the
/// format allows).
///
/// - Nodes: ports become `terminal`s (size from `bookshelf_width`/`bookshelf_height`, else
///   0 × 0; `terminal_NI` kept), macros and standard cells movable nodes. Macro pins are not
///   nodes: each net connection names the pin's owner with the pin's orientation-N offset
///   (soft-macro pins: offset 0).
/// - Nets: `NetDegree : d n<k>`, the driver `O`, the sinks `I`; weights other than 1 go to
///   the `.wts` file by net name.
/// - `.pl`: lower-left corners of the oriented footprint (as [`read`] expects), the
///   orientation, `/FIXED` for nodes fixed in the placement or read as fixed.
/// - `.scl`: rows covering the canvas (netlist header, else the bounding box of the nodes),
///   shifted back by the recorded [`origin`]. The row height is the smallest standard-cell
///   height rounded up so that whole rows fill the canvas, or, without standard cells, below
///   half the smallest macro height, so [`read`] classifies nodes as they were.
///
/// Not kept: soft macros read back as hard macros (Bookshelf has no such notion), and macro
/// pins are renamed `<macro>/p<k>`; names must not contain whitespace or `:`.
pub fn to_files(nl: &Netlist, pl: &Placement, name: &str) -> BookshelfFiles {
    use std::fmt::Write as _;
    let (x0, y0) = origin(nl).unwrap_or((0.0, 0.0));
    let nodes: Vec<NodeId> = nl.ids().filter(|&i| nl.kind(i).is_placeable()).collect();
    let size = |id: NodeId| -> (f64, f64) {
        if nl.kind(id) == NodeKind::Port {
            (
                attr_f(nl, id, "bookshelf_width").unwrap_or(0.0),
                attr_f(nl, id, "bookshelf_height").unwrap_or(0.0),
            )
        } else {
            (nl.width[id.index()], nl.height[id.index()])
        }
    };
    let mut out = BookshelfFiles {
        name: name.to_string(),
        aux: format!(
            "RowBasedPlacement : {name}.nodes {name}.nets {name}.wts {name}.pl {name}.scl\n"
        ),
        nodes: String::new(),
        nets: String::new(),
        pl: String::new(),
        scl: String::new(),
        wts: String::new(),
    };
    // .nodes
    let terminals = nodes.iter().filter(|&&i| nl.kind(i) == NodeKind::Port).count();
    let _ = writeln!(out.nodes, "UCLA nodes 1.0\n# Written by chipfloor\n");
    let _ = writeln!(out.nodes, "NumNodes : {}\nNumTerminals : {terminals}\n", nodes.len());
    for &id in &nodes {
        let (w, h) = size(id);
        let _ = write!(out.nodes, "  {} {w} {h}", nl.name(id));
        if nl.kind(id) == NodeKind::Port {
            let t = attr_s(nl, id, "bookshelf_terminal").unwrap_or("terminal");
            let _ = write!(out.nodes, " {t}");
        }
        out.nodes.push('\n');
    }
    // .nets and .wts
    let endpoint = |id: NodeId| -> (NodeId, (f64, f64)) {
        match (nl.kind(id), nl.owner[id.index()]) {
            (NodeKind::HardMacroPin, Some(o)) => (o, nl.pin_offset[id.index()]),
            (NodeKind::SoftMacroPin, Some(o)) => (o, (0.0, 0.0)),
            _ => (id, (0.0, 0.0)),
        }
    };
    let _ = writeln!(out.nets, "UCLA nets 1.0\n# Written by chipfloor\n");
    let _ = writeln!(out.nets, "NumNets : {}\nNumPins : {}\n", nl.nets.len(), nl.nets.pin_count());
    let _ = writeln!(out.wts, "UCLA wts 1.0\n# Written by chipfloor: net weights other than 1\n");
    for n in 0..nl.nets.len() {
        let net = crate::model::NetId(n as u32);
        let sinks = nl.nets.sinks_of(net);
        let _ = writeln!(out.nets, "NetDegree : {} n{n}", sinks.len() + 1);
        let driver = nl.nets.driver[n];
        for (k, &p) in std::iter::once(&driver).chain(sinks).enumerate() {
            let (node, (dx, dy)) = endpoint(p);
            let dir = if k == 0 { 'O' } else { 'I' };
            let _ = writeln!(out.nets, "  {} {dir} : {dx} {dy}", nl.name(node));
        }
        let w = nl.nets.weight[n];
        if w != 1.0 {
            let _ = writeln!(out.wts, "  n{n} {w}");
        }
    }
    // .pl
    let _ = writeln!(out.pl, "UCLA pl 1.0\n# Written by chipfloor\n");
    for &id in &nodes {
        let i = id.index();
        let (w, h) = size(id);
        let o = if nl.kind(id) == NodeKind::Port { Orientation::N } else { pl.orientation[i] };
        let rotated =
            matches!(o, Orientation::E | Orientation::FE | Orientation::W | Orientation::FW);
        let (fw, fh) = if rotated { (h, w) } else { (w, h) };
        let _ = write!(
            out.pl,
            "{} {} {} : {}",
            nl.name(id),
            pl.x[i] - fw / 2.0 + x0,
            pl.y[i] - fh / 2.0 + y0,
            o.as_str()
        );
        let fixed = attr_s(nl, id, "bookshelf_fixed")
            .map(str::to_string)
            .or_else(|| pl.fixed[i].then(|| "FIXED".to_string()));
        if let Some(f) = fixed {
            let _ = write!(out.pl, " /{f}");
        }
        out.pl.push('\n');
    }
    // .scl
    let (cw, ch) = nl.header.canvas.unwrap_or_else(|| {
        let mut w: f64 = 0.0;
        let mut h: f64 = 0.0;
        for &id in &nodes {
            let (sw, sh) = size(id);
            w = w.max(pl.x[id.index()] + sw.max(sh) / 2.0);
            h = h.max(pl.y[id.index()] + sw.max(sh) / 2.0);
        }
        (w.max(1.0), h.max(1.0))
    });
    let cells: Vec<f64> = nl
        .of_kind(NodeKind::StdCell)
        .iter()
        .map(|&c| nl.height[c.index()])
        .filter(|&h| h > 0.0)
        .collect();
    let macro_min = nl
        .macros()
        .iter()
        .map(|&m| nl.height[m.index()])
        .filter(|&h| h > 0.0)
        .fold(f64::INFINITY, f64::min);
    let rows = if let Some(h0) = cells.iter().copied().reduce(f64::min) {
        (ch / h0).floor().max(1.0)
    } else {
        let h0 = if macro_min.is_finite() { macro_min / 2.0 } else { 1.0 };
        (ch / h0).ceil().max(1.0)
    };
    let rh = ch / rows;
    let n = rows as u64;
    let _ = writeln!(out.scl, "UCLA scl 1.0\n# Written by chipfloor\n\nNumRows : {n}\n");
    for k in 0..n {
        let _ = writeln!(
            out.scl,
            "CoreRow Horizontal\n  Coordinate : {}\n  Height : {rh}\n  Sitewidth : 1\n  Sitespacing : 1\n  Siteorient : N\n  Sitesymmetry : Y\n  SubrowOrigin : {x0} NumSites : {cw}\nEnd",
            y0 + k as f64 * rh
        );
    }
    out
}

/// Writes [`to_files`] into `dir` as `<name>.aux` etc. and returns the `.aux` path.
pub fn write(nl: &Netlist, pl: &Placement, dir: &Path, name: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let f = to_files(nl, pl, name);
    for (ext, text) in [
        ("nodes", &f.nodes),
        ("nets", &f.nets),
        ("pl", &f.pl),
        ("scl", &f.scl),
        ("wts", &f.wts),
        ("aux", &f.aux),
    ] {
        let p = dir.join(format!("{name}.{ext}"));
        std::fs::write(&p, text).map_err(|e| Error::io(&p, e))?;
    }
    Ok(dir.join(format!("{name}.aux")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODES: &str = "UCLA nodes 1.0\n# c\nNumNodes : 4\nNumTerminals : 1\n  a 2 1\n  b 2 1\n  M 10 4\n  p 1 1 terminal\n";
    const NETS: &str = "UCLA nets 1.0\nNumNets : 2\nNumPins : 5\nNetDegree : 3 n0\n a I\n M O : 1.5 -1\n p I\nNetDegree : 2\n b B\n M I : -2 0.5\n";
    const PL: &str = "UCLA pl 1.0\na 0 0 : N\nb 4 0 : N\nM 10 0 : N\np 30 0 : FS /FIXED\n";
    const SCL: &str = "UCLA scl 1.0\nNumRows : 2\nCoreRow Horizontal\n Coordinate : 0\n Height : 1\n Sitewidth : 1\n Sitespacing : 1\n SubrowOrigin : 0 NumSites : 20\nEnd\nCoreRow Horizontal\n Coordinate : 1\n Height : 1\n SubrowOrigin : 0 Numsites : 20\nEnd\n";
    const WTS: &str = "UCLA wts 1.0\n n0 3\n a 5\n";

    #[test]
    fn tiny_design_maps_to_ct_model() {
        let nl = parse_parts(NODES, NETS, PL, SCL, WTS).unwrap();
        let c = nl.counts();
        assert_eq!((c.ports, c.hard_macros, c.std_cells, c.hard_macro_pins), (1, 1, 2, 2));
        assert_eq!(nl.header.canvas, Some((20.0, 2.0)));
        let m = nl.find("M").unwrap();
        assert_eq!((nl.x[m.index()], nl.y[m.index()]), (15.0, 2.0));
        let p0 = nl.find("M/p0").unwrap();
        assert_eq!(nl.pin_offset[p0.index()], (1.5, -1.0));
        assert_eq!(nl.nets.len(), 2);
        assert_eq!(nl.nets.pin_count(), 5);
        // Net n0 is driven by the macro's O pin, weight 3 from .wts.
        assert_eq!(nl.nets.driver[0], nl.find("b").unwrap());
        assert_eq!(nl.nets.driver[1], p0);
        assert_eq!(nl.nets.weight[1], 3.0);
        assert_eq!(nl.weight[p0.index()], Some(3.0));
        let p = nl.find("p").unwrap();
        assert_eq!((nl.x[p.index()], nl.y[p.index()]), (30.5, 0.5));
        assert!(nl.extra_attrs[p.index()].iter().any(|(k, _)| k == "bookshelf_fixed"));
    }

    #[test]
    fn malformed_lines_report_file_and_line() {
        let e = parse_parts("NumNodes : 1\n a 2 x\n", "", "", "", "").unwrap_err().to_string();
        assert_eq!(e, "<design>.nodes:2: height `x` is not a number");
        let e =
            parse_parts(NODES, "NetDegree : 2\n a I\n zz I\n", "", "", "").unwrap_err().to_string();
        assert_eq!(e, "<design>.nets:3: net pin names unknown node \"zz\"");
        let e =
            parse_parts(NODES, "NetDegree : 3\n a I\n b I\n", "", "", "").unwrap_err().to_string();
        assert_eq!(e, "<design>.nets:1: NetDegree is 3 but the net lists 2 pins");
        let e = parse_parts(NODES, " a I\n", "", "", "").unwrap_err().to_string();
        assert_eq!(e, "<design>.nets:1: pin line `a I` before any `NetDegree`");
        let e = parse_parts(NODES, NETS, "a 0 0 : Q\n", "", "").unwrap_err().to_string();
        assert_eq!(e, "<design>.pl:1: unknown orientation `Q`");
        let e = parse_parts(NODES, NETS, "", "CoreRow Horizontal\n Coordinate : 0\n", "")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "<design>.scl:1: row not closed with `End`");
        let e = parse_parts(NODES, NETS, "", "", "a\n").unwrap_err().to_string();
        assert_eq!(e, "<design>.wts:1: expected `name weight`, found `a`");
        let e = parse_parts("NumNodes : 2\n a 1 1\n", "", "", "", "").unwrap_err().to_string();
        assert_eq!(e, "<design>.nodes:1: NumNodes is 2 but 1 nodes are listed");
        let e = parse_parts(" a 1 1\n a 1 1\n", "", "", "", "").unwrap_err().to_string();
        assert_eq!(e, "<design>.nodes:2: duplicate node name \"a\"");
        let e = parse_parts(" a 1 1 pad\n", "", "", "", "").unwrap_err().to_string();
        assert!(e.starts_with("<design>.nodes:1: expected `name width height"), "{e}");
    }

    #[test]
    fn origin_offset_is_shifted_and_recorded() {
        let scl = "CoreRow Horizontal\n Coordinate : 100\n Height : 1\n SubrowOrigin : 50 NumSites : 20\nEnd\n";
        let nl = parse_parts(NODES, NETS, PL, scl, "").unwrap();
        assert_eq!(origin(&nl), Some((50.0, 100.0)));
        let a = nl.find("a").unwrap();
        assert_eq!((nl.x[a.index()], nl.y[a.index()]), (1.0 - 50.0, 0.5 - 100.0));
        assert_eq!(nl.header.canvas, Some((20.0, 1.0)));
    }
    /// Nets as sorted `(driver, sinks, weight)` with every endpoint named by its owner and
    /// offset (macro pins are renamed by a round trip).
    fn net_signature(nl: &Netlist) -> Vec<(String, Vec<String>, u64)> {
        let key = |id: NodeId| match nl.owner[id.index()] {
            Some(o) => format!("{}@{:?}", nl.name(o), nl.pin_offset[id.index()]),
            None => nl.name(id).to_string(),
        };
        let mut v: Vec<_> = (0..nl.nets.len())
            .map(|n| {
                let net = crate::model::NetId(n as u32);
                let mut sinks: Vec<String> =
                    nl.nets.sinks_of(net).iter().map(|&s| key(s)).collect();
                sinks.sort();
                (key(nl.nets.driver[n]), sinks, nl.nets.weight[n].to_bits())
            })
            .collect();
        v.sort();
        v
    }

    fn assert_same_placeable(a: &Netlist, pa: &Placement, b: &Netlist) {
        let pb = b.initial_placement();
        for id in a.ids().filter(|&i| a.kind(i).is_placeable()) {
            let i = id.index();
            let name = a.name(id);
            let j = b.find(name).unwrap_or_else(|| panic!("{name} lost")).index();
            let kind = match a.kinds[i] {
                NodeKind::SoftMacro => NodeKind::HardMacro,
                k => k,
            };
            assert_eq!(b.kinds[j], kind, "{name}");
            if kind != NodeKind::Port {
                assert_eq!((b.width[j], b.height[j]), (a.width[i], a.height[i]), "{name}");
                assert_eq!(pb.orientation[j], pa.orientation[i], "{name}");
            }
            assert!(
                (pb.x[j] - pa.x[i]).abs() < 1e-9 && (pb.y[j] - pa.y[i]).abs() < 1e-9,
                "{name}: ({}, {}) vs ({}, {})",
                pb.x[j],
                pb.y[j],
                pa.x[i],
                pa.y[i]
            );
        }
    }

    #[test]
    fn written_design_reads_back() {
        // Bookshelf -> Bookshelf: the same model.
        let nl = parse_parts(NODES, NETS, PL, SCL, WTS).unwrap();
        let f = to_files(&nl, &nl.initial_placement(), "t");
        let back = parse_parts(&f.nodes, &f.nets, &f.pl, &f.scl, &f.wts).unwrap();
        assert_same_placeable(&nl, &nl.initial_placement(), &back);
        assert!(net_signature(&back) == net_signature(&nl));
        assert_eq!(back.header.canvas, nl.header.canvas);

        // A generated CT netlist (hard and soft macros, ports) with rotated macros.
        let (nl, mut pl) =
            crate::generate::generate(&crate::generate::GenConfig::default()).unwrap();
        for (k, m) in nl.hard_macros().into_iter().enumerate() {
            pl.orientation[m.index()] = Orientation::ALL[k % 8];
        }
        let f = to_files(&nl, &pl, "g");
        let back = parse_parts(&f.nodes, &f.nets, &f.pl, &f.scl, &f.wts).unwrap();
        assert_same_placeable(&nl, &pl, &back);
        assert_eq!(back.nets.len(), nl.nets.len());
        assert_eq!(back.nets.pin_count(), nl.nets.pin_count());
        // Soft-macro pins collapse onto their macro (offset 0); compare by owner and offset.
        assert!(net_signature(&back) == net_signature(&nl));
        let (w, h) = nl.header.canvas.unwrap();
        let (bw, bh) = back.header.canvas.unwrap();
        assert!((bw - w).abs() < 1e-9 && (bh - h).abs() < 1e-9);
        // Net weights and hard-macro pin offsets survive (pins renamed <macro>/p<k>).
        let mut wa = nl.nets.weight.clone();
        let mut wb = back.nets.weight.clone();
        wa.sort_by(f64::total_cmp);
        wb.sort_by(f64::total_cmp);
        assert_eq!(wa, wb);
    }

    #[test]
    fn ibm01_round_trips_through_the_writer() {
        let Some(aux) = crate::testdata::require_shared("benchmarks/ibm01_bookshelf/ibm01.aux")
        else {
            return;
        };
        let nl = read(&aux).unwrap();
        let dir = std::env::temp_dir().join(format!("chipfloor-bs-{}", std::process::id()));
        let aux2 = write(&nl, &nl.initial_placement(), &dir, "ibm01").unwrap();
        let back = read(&aux2).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_same_placeable(&nl, &nl.initial_placement(), &back);
        assert!(back.counts() == nl.counts());
        assert!(back.nets.len() == nl.nets.len() && back.nets.pin_count() == nl.nets.pin_count());
        assert!(net_signature(&back) == net_signature(&nl));
        assert_eq!(back.header.canvas, nl.header.canvas);
    }
}
