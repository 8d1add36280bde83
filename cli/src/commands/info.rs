//! `chipfloor info NETLIST`.

use std::path::PathBuf;

use netlists::{NetId, Netlist};
use placer::cost::{CostOverrides, CostParams};
use serde_json::json;

use super::Format;
use crate::{input, outln, CmdResult, Failure};

/// Arguments of `chipfloor info`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Netlist: `.pb.txt`, `.pb.txt.gz`, or a Bookshelf `.aux`.
    netlist: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// Fan-out statistics: sinks per net.
struct FanoutStats {
    min: usize,
    max: usize,
    mean: f64,
    median: usize,
    p95: usize,
}

fn fanout_stats(nl: &Netlist) -> Option<FanoutStats> {
    let mut f: Vec<usize> =
        (0..nl.nets.len() as u32).map(|n| nl.nets.sinks_of(NetId(n)).len()).collect();
    if f.is_empty() {
        return None;
    }
    f.sort_unstable();
    let mean = f.iter().sum::<usize>() as f64 / f.len() as f64;
    let pick = |q: f64| f[((f.len() - 1) as f64 * q).round() as usize];
    Some(FanoutStats { min: f[0], max: f[f.len() - 1], mean, median: pick(0.5), p95: pick(0.95) })
}

pub(crate) fn run(args: Args, out: &mut String) -> CmdResult {
    let nl = input::load_netlist(&args.netlist)?;
    let c = nl.counts();
    // Canvas and grid as the cost engine would resolve them without a .plc.
    let params =
        CostParams::resolve(&nl, None, &CostOverrides::default()).map_err(Failure::input)?;
    let canvas_source =
        if nl.header.canvas.is_some() { "netlist header" } else { "default sqrt(area/0.6)" };
    let grid_source = if nl.header.grid.is_some() { "netlist header" } else { "default" };
    let pins: usize = nl.nets.len() + nl.nets.sinks.len();
    let hard_area: f64 = nl.hard_macros().iter().map(|&m| nl.area(m)).fold(0.0, |a, b| a + b);
    let soft_area: f64 = nl.soft_macros().iter().map(|&m| nl.area(m)).fold(0.0, |a, b| a + b);
    let std_area: f64 =
        nl.of_kind(netlists::NodeKind::StdCell).iter().map(|&m| nl.area(m)).fold(0.0, |a, b| a + b);
    let canvas_area = params.canvas_width * params.canvas_height;
    let fo = fanout_stats(&nl);
    let weighted = nl.nets.weight.iter().filter(|&&w| w != 1.0).count();
    match args.format {
        Format::Json => {
            let doc = json!({
                "netlist": args.netlist,
                "nodes": nl.len(),
                "ports": c.ports,
                "hard_macros": c.hard_macros,
                "hard_macro_pins": c.hard_macro_pins,
                "soft_macros": c.soft_macros,
                "soft_macro_pins": c.soft_macro_pins,
                "std_cells": c.std_cells,
                "nets": nl.nets.len(),
                "net_weight_sum": nl.nets.weight_sum(),
                "weighted_nets": weighted,
                "net_pins": pins,
                "canvas": { "width": params.canvas_width, "height": params.canvas_height, "source": canvas_source },
                "grid": { "cols": params.cols, "rows": params.rows, "source": grid_source },
                "area": { "hard_macros": hard_area, "soft_macros": soft_area, "std_cells": std_area,
                          "total_macro": nl.total_macro_area(), "canvas": canvas_area,
                          "utilization": (hard_area + soft_area + std_area) / canvas_area },
                "fanout": fo.as_ref().map(|f| json!({"min": f.min, "max": f.max, "mean": f.mean, "median": f.median, "p95": f.p95})),
                "block": nl.header.block,
                "blockages": nl.header.blockages.len(),
                "soft_macro_area_bloating_ratio": nl.soft_macro_area_bloating_ratio,
            });
            outln!(out, "{}", serde_json::to_string_pretty(&doc).map_err(Failure::other)?);
        }
        Format::Text => {
            outln!(out, "netlist      {}", args.netlist.display());
            if let Some(b) = &nl.header.block {
                outln!(out, "block        {b}");
            }
            outln!(out, "nodes        {} indexed", nl.len());
            outln!(out, "ports        {}", c.ports);
            outln!(out, "hard macros  {} ({} pins)", c.hard_macros, c.hard_macro_pins);
            outln!(out, "soft macros  {} ({} pins)", c.soft_macros, c.soft_macro_pins);
            outln!(out, "std cells    {}", c.std_cells);
            outln!(
                out,
                "nets         {} (weight sum {}, {} weighted), {} net pins",
                nl.nets.len(),
                nl.nets.weight_sum(),
                weighted,
                pins
            );
            if let Some(f) = &fo {
                outln!(
                    out,
                    "fan-out      min {} median {} mean {:.2} p95 {} max {}",
                    f.min,
                    f.median,
                    f.mean,
                    f.p95,
                    f.max
                );
            }
            outln!(
                out,
                "canvas       {} x {} um ({canvas_source})",
                params.canvas_width,
                params.canvas_height
            );
            outln!(
                out,
                "grid         {} cols x {} rows ({grid_source}), cell {:.3} x {:.3} um",
                params.cols,
                params.rows,
                params.cell_width(),
                params.cell_height()
            );
            outln!(out,
                "area         hard {:.1}  soft {:.1}  std {:.1}  canvas {:.1} um^2 (utilization {:.1}%)",
                hard_area,
                soft_area,
                std_area,
                canvas_area,
                100.0 * (hard_area + soft_area + std_area) / canvas_area
            );
            if !nl.header.blockages.is_empty() {
                outln!(out, "blockages    {}", nl.header.blockages.len());
            }
        }
    }
    Ok(())
}
