//! `chipfloor convert INPUT [--plc P] [--def D] [--lef L ...] --to FORMAT --out PATH`.
//!
//! INPUT is a netlist (`.pb.txt`, `.pb.txt.gz`, Bookshelf `.aux`) or a DEF (`.def`, which then
//! needs its LEF files: the netlist is built from the DEF's components, pins and nets). The
//! placement is the netlist's own, then the `.plc` body, then the DEF positions (matched by
//! name). Output formats: `pbtxt` (netlist with positions), `bookshelf` (a directory, or a path
//! ending in `.aux`), `def` (macros as COMPONENTS, ports as PINS) and `tcl` (OpenROAD
//! `place_macro` commands).

use std::path::{Path, PathBuf};

use clap::ValueEnum;
use netlists::def::{self, DefExportOptions};
use netlists::lef::LefLibrary;
use netlists::{Netlist, Placement};

use crate::{input, outln, CmdResult, Failure};

/// Output format of `convert`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum To {
    /// Circuit Training `.pb.txt` (positions and orientations from the placement).
    Pbtxt,
    /// Bookshelf `.aux/.nodes/.nets/.pl/.scl/.wts`.
    Bookshelf,
    /// DEF: macros as COMPONENTS (PLACED/FIXED), ports as PINS.
    Def,
    /// OpenROAD Tcl script of `place_macro` commands.
    Tcl,
}

/// Arguments of `chipfloor convert`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Netlist (`.pb.txt`, `.pb.txt.gz`, `.aux`) or a DEF (`.def`, with `--lef`).
    input: PathBuf,
    /// Placement (`.plc`) applied to the netlist.
    #[arg(long)]
    plc: Option<PathBuf>,
    /// DEF whose component and pin positions are applied (matched by name).
    #[arg(long)]
    def: Option<PathBuf>,
    /// LEF files (technology, cells, macros); repeat or separate with commas.
    #[arg(long, value_delimiter = ',')]
    lef: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum)]
    to: To,
    /// Output path (a directory or `NAME.aux` for bookshelf).
    #[arg(long)]
    out: PathBuf,
    /// DEF database units per micron (default: the input DEF's, else 1000).
    #[arg(long)]
    dbu: Option<u32>,
    /// Write every macro `FIXED` (default: `FIXED` only for fixed macros, else `PLACED`).
    #[arg(long)]
    all_fixed: bool,
    /// DEF design name (default: the input DEF's, the netlist block name, or `chipfloor`).
    #[arg(long)]
    design: Option<String>,
    /// Layer of the pin shapes written for ports in a DEF (default: none, location only).
    #[arg(long)]
    pin_layer: Option<String>,
    /// Also write soft macros as DEF components / Tcl commands.
    #[arg(long)]
    soft_macros: bool,
}

/// LEF macro per hard macro by size: the one LEF block macro of the same size (±1e-3 µm).
fn models_by_size(nl: &Netlist, lef: &LefLibrary) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    for m in nl.hard_macros() {
        let (w, h) = (nl.width[m.index()], nl.height[m.index()]);
        let mut fits = lef.order.iter().filter_map(|n| lef.get(n)).filter(|lm| {
            lm.is_block() && (lm.size.0 - w).abs() <= 1e-3 && (lm.size.1 - h).abs() <= 1e-3
        });
        if let (Some(one), None) = (fits.next(), fits.next()) {
            out.insert(nl.name(m).to_string(), one.name.clone());
        }
    }
    out
}

fn first_names(v: &[String]) -> String {
    let mut s: Vec<&str> = v.iter().take(5).map(String::as_str).collect();
    if v.len() > 5 {
        s.push("...");
    }
    s.join(", ")
}

pub(crate) fn run(args: Args, out: &mut String) -> CmdResult {
    let lef = if args.lef.is_empty() {
        None
    } else {
        Some(netlists::lef::read_many(&args.lef).map_err(Failure::input)?)
    };
    let is_def = args.input.extension().is_some_and(|e| e.eq_ignore_ascii_case("def"));
    let mut opts = DefExportOptions::default();
    let mut def_dbu: Option<f64> = None;
    let (mut nl, mut pl): (Netlist, Placement) = if is_def {
        let Some(lib) = lef.as_ref() else {
            return Err(Failure::input(anyhow::anyhow!(
                "{}: a DEF input needs its LEF files (--lef)",
                args.input.display()
            )));
        };
        let d = def::read(&args.input).map_err(Failure::input)?;
        let nl = def::to_netlist(&d, lib).map_err(Failure::input)?;
        let c = nl.counts();
        outln!(
            out,
            "built from {}: {} hard macros, {} hard-macro pins, {} standard cells, {} ports, {} nets",
            args.input.display(),
            c.hard_macros,
            c.hard_macro_pins,
            c.std_cells,
            c.ports,
            nl.nets.len()
        );
        let imp = def::import(&nl, &d, Some(lib)).map_err(Failure::input)?;
        opts.origin = imp.origin;
        opts.models = imp.models;
        opts.design = d.design.clone();
        def_dbu = Some(d.dbu);
        let pl = imp.placement;
        (nl, pl)
    } else {
        let nl = input::load_netlist(&args.input)?;
        let pl = nl.initial_placement();
        (nl, pl)
    };
    if !is_def {
        opts.origin = def::origin(&nl).unwrap_or((0.0, 0.0));
    }
    if let Some(plc) = &args.plc {
        let loaded = input::load_placement(&nl, plc, true)?;
        if !loaded.missing.is_empty() {
            outln!(out, "note: {} nodes have no line in {}", loaded.missing.len(), plc.display());
        }
        // The .plc's canvas and grid become the netlist's when it has none (the DEF die area,
        // and the header of a written .pb.txt).
        if nl.header.canvas.is_none() {
            if let (Some(w), Some(h)) = (loaded.header.width, loaded.header.height) {
                nl.header.canvas = Some((w, h));
            }
        }
        if nl.header.grid.is_none() {
            if let (Some(c), Some(r)) = (loaded.header.columns, loaded.header.rows) {
                nl.header.grid = Some((c, r));
            }
        }
        pl = loaded.placement;
    }
    if let Some(lib) = lef.as_ref() {
        for (k, v) in models_by_size(&nl, lib) {
            opts.models.entry(k).or_insert(v);
        }
    }
    if let Some(dpath) = &args.def {
        let d = def::read(dpath).map_err(Failure::input)?;
        let imp = def::import_onto(&nl, &d, lef.as_ref(), pl).map_err(Failure::input)?;
        outln!(
            out,
            "matched {}: {} of {} hard macros, {} soft macros, {} standard cells, {} of {} ports",
            dpath.display(),
            imp.matched_hard_macros,
            nl.counts().hard_macros,
            imp.matched_soft_macros,
            imp.matched_std_cells,
            imp.matched_ports,
            nl.counts().ports
        );
        if !imp.unmatched_components.is_empty() {
            outln!(
                out,
                "  {} DEF components not in the netlist: {}",
                imp.unmatched_components.len(),
                first_names(&imp.unmatched_components)
            );
        }
        if !imp.unmatched_pins.is_empty() {
            outln!(
                out,
                "  {} DEF pins not in the netlist: {}",
                imp.unmatched_pins.len(),
                first_names(&imp.unmatched_pins)
            );
        }
        if !imp.missing_hard_macros.is_empty() {
            let names: Vec<String> =
                imp.missing_hard_macros.iter().map(|&m| nl.name(m).to_string()).collect();
            outln!(
                out,
                "  {} netlist hard macros not in the DEF (kept in place): {}",
                names.len(),
                first_names(&names)
            );
        }
        if !imp.unplaced.is_empty() {
            outln!(out, "  {} matched components are UNPLACED in the DEF", imp.unplaced.len());
        }
        if !imp.size_mismatches.is_empty() {
            outln!(
                out,
                "  warning: {} macros differ in size from their LEF macro (the LEF size converts DEF corners)",
                imp.size_mismatches.len()
            );
        }
        if let Some((w, h)) = imp.canvas {
            match nl.header.canvas {
                Some((nw, nh)) if (nw - w).abs() > 1e-6 || (nh - h).abs() > 1e-6 => outln!(
                    out,
                    "  die area {w} x {h} um differs from the netlist canvas {nw} x {nh} um"
                ),
                Some(_) => {}
                None => {
                    nl.header.canvas = Some((w, h));
                    outln!(out, "  canvas set to the die area {w} x {h} um");
                }
            }
        }
        def::set_origin(&mut nl, imp.origin);
        for (k, v) in imp.models {
            opts.models.insert(k, v);
        }
        opts.origin = imp.origin;
        opts.design = opts.design.or(d.design.clone());
        def_dbu = Some(d.dbu);
        pl = imp.placement;
    }
    opts.dbu = match (args.dbu, def_dbu) {
        (Some(v), _) => v,
        (None, Some(v)) if v.fract() == 0.0 && v >= 1.0 && v <= f64::from(u32::MAX) => v as u32,
        _ => 1000,
    };
    opts.all_fixed = args.all_fixed;
    if args.design.is_some() {
        opts.design = args.design.clone();
    }
    opts.pin_layer = args.pin_layer.clone();
    opts.soft_macros = args.soft_macros;
    write_output(&args, &nl, &pl, &opts, out)
}

fn write_text(path: &Path, text: &str) -> CmdResult {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::other(anyhow::anyhow!("{}: {e}", dir.display())))?;
    }
    std::fs::write(path, text)
        .map_err(|e| Failure::other(anyhow::anyhow!("{}: {e}", path.display())))
}

fn write_output(
    args: &Args,
    nl: &Netlist,
    pl: &Placement,
    opts: &DefExportOptions,
    out: &mut String,
) -> CmdResult {
    let hard = nl.counts().hard_macros;
    match args.to {
        To::Pbtxt => {
            netlists::pb_txt::write(nl, Some(pl), &args.out).map_err(Failure::other)?;
            outln!(
                out,
                "wrote {} ({} nodes, {} nets)",
                args.out.display(),
                nl.len(),
                nl.nets.len()
            );
        }
        To::Bookshelf => {
            let s = args.out.to_string_lossy();
            let (dir, name) = if s.ends_with(".aux") {
                let dir = args.out.parent().map(Path::to_path_buf).unwrap_or_default();
                let name = args.out.file_stem().map(|n| n.to_string_lossy().into_owned());
                (dir, name)
            } else {
                (args.out.clone(), None)
            };
            let name =
                name.or_else(|| nl.header.block.clone()).unwrap_or_else(|| "design".to_string());
            let aux = netlists::bookshelf::write(nl, pl, &dir, &name).map_err(Failure::other)?;
            outln!(out, "wrote {} (+ .nodes .nets .pl .scl .wts)", aux.display());
        }
        To::Def => {
            write_text(&args.out, &def::write_placement(nl, pl, opts))?;
            let n = if opts.soft_macros { nl.macros().len() } else { hard };
            outln!(
                out,
                "wrote {} ({n} components, {} pins, {} DBU per micron)",
                args.out.display(),
                if opts.ports { nl.ports().len() } else { 0 },
                opts.dbu
            );
        }
        To::Tcl => {
            write_text(&args.out, &def::write_tcl(nl, pl, opts))?;
            outln!(
                out,
                "wrote {} (OpenROAD place_macro for {hard} hard macros)",
                args.out.display()
            );
        }
    }
    Ok(())
}
