//! `chipfloor eval NETLIST PLC`.

use std::path::PathBuf;

use placer::cost::{CostOverrides, CostParams, CostReport, CostWeights, OobRule};
use placer::legality;
use serde_json::json;

use super::Format;
use crate::{input, outln, CmdResult, Failure};

/// Arguments of `chipfloor eval`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Netlist: `.pb.txt`, `.pb.txt.gz`, or a Bookshelf `.aux`.
    netlist: PathBuf,
    /// Placement (`.plc`). Without it, the netlist's own coordinates are evaluated.
    plc: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    #[command(flatten)]
    cost: CostArgs,
    /// Accept a `.plc` that has no line for some nodes (they keep their netlist coordinates).
    #[arg(long)]
    allow_partial_plc: bool,
}

/// Cost-parameter overrides shared by the commands that evaluate costs. Each one set wins over
/// the `.plc` header, which wins over the netlist header, which wins over the defaults.
#[derive(clap::Args, Debug, Default)]
pub(crate) struct CostArgs {
    /// Canvas width and height in um.
    #[arg(long, num_args = 2, value_names = ["W", "H"])]
    canvas: Option<Vec<f64>>,
    /// Grid columns and rows.
    #[arg(long, num_args = 2, value_names = ["COLS", "ROWS"])]
    grid: Option<Vec<u32>>,
    /// Routes per micron, horizontal and vertical.
    #[arg(long, num_args = 2, value_names = ["RH", "RV"])]
    routes: Option<Vec<f64>>,
    /// Macro routing allocation, horizontal and vertical.
    #[arg(long, num_args = 2, value_names = ["AH", "AV"])]
    alloc: Option<Vec<f64>>,
    /// Congestion smoothing range (floored to an integer).
    #[arg(long)]
    smooth: Option<f64>,
    /// Make soft macros square (same area) before evaluating, as Circuit Training's env does.
    #[arg(long)]
    square_soft_macros: bool,
    /// What congestion does with a net that has a pin outside the grid.
    #[arg(long, value_parser = ["skip-net", "clamp"])]
    oob: Option<String>,
    /// Extra proxy weights `WL,DEN,CONG` reported besides 1/0.5/0.5 and 1/1/0.5.
    #[arg(long, value_name = "WL,DEN,CONG")]
    weights: Option<String>,
}

impl CostArgs {
    pub(crate) fn overrides(&self) -> CostOverrides {
        let pair = |v: &Option<Vec<f64>>| v.as_ref().map(|v| (v[0], v[1]));
        CostOverrides {
            canvas: pair(&self.canvas),
            grid: self.grid.as_ref().map(|v| (v[0], v[1])),
            routes_per_micron: pair(&self.routes),
            routing_alloc: pair(&self.alloc),
            smooth_range: self.smooth,
            square_soft_macros: self.square_soft_macros.then_some(true),
            oob: self.oob.as_deref().map(|s| {
                if s == "clamp" {
                    OobRule::Clamp
                } else {
                    OobRule::SkipNet
                }
            }),
        }
    }

    pub(crate) fn extra_weights(&self) -> Result<Option<CostWeights>, Failure> {
        self.weights.as_deref().map(|s| parse_weights("--weights", s)).transpose()
    }
}

/// The value `s` of option `flag`, `WL,DEN,CONG`: three finite non-negative numbers.
pub(crate) fn parse_weights(flag: &str, s: &str) -> Result<CostWeights, Failure> {
    let v: Vec<f64> =
        s.split(',').map(|t| t.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| {
            Failure::input(anyhow::anyhow!("{flag} {s}: expected three numbers WL,DEN,CONG"))
        })?;
    if v.len() != 3 || v.iter().any(|x| !x.is_finite() || *x < 0.0) {
        return Err(Failure::input(anyhow::anyhow!(
            "{flag} {s}: expected three non-negative numbers WL,DEN,CONG"
        )));
    }
    Ok(CostWeights::new(v[0], v[1], v[2]))
}

fn weights_key(w: CostWeights) -> String {
    format!("proxy[wl={},den={},cong={}]", w.wl, w.den, w.cong)
}

pub(crate) fn run(args: Args, out: &mut String) -> CmdResult {
    let nl = input::load_netlist(&args.netlist)?;
    let extra = args.cost.extra_weights()?;
    let (placement, header, missing) = match &args.plc {
        Some(p) => {
            let lp = input::load_placement(&nl, p, args.allow_partial_plc)?;
            (lp.placement, Some(lp.header), lp.missing)
        }
        None => (nl.initial_placement(), None, Vec::new()),
    };
    let params = CostParams::resolve(&nl, header.as_ref(), &args.cost.overrides())
        .map_err(Failure::input)?;
    let costs = placer::cost::evaluate(&nl, &placement, &params).map_err(Failure::input)?;
    let legal = legality::check_with(
        &nl,
        &placement,
        params.canvas_width,
        params.canvas_height,
        &legality::LegalityOptions {
            square_soft_macros: params.square_soft_macros,
            ..Default::default()
        },
    );

    let mut warnings: Vec<String> = Vec::new();
    if !missing.is_empty() {
        warnings.push(format!(
            "{} placeable nodes have no line in the .plc and keep their netlist coordinates",
            missing.len()
        ));
    }
    if let Some(h) = &header {
        for (kind, in_header, in_netlist) in h.count_mismatches(&nl) {
            warnings.push(format!(
                "the .plc header says {in_header} {kind}, the netlist has {in_netlist}"
            ));
        }
    }
    if legal.soft_macros_outside_canvas > 0 {
        warnings.push(format!(
            "{} soft macros extend past the canvas (allowed; their area outside is not counted in density)",
            legal.soft_macros_outside_canvas
        ));
    }
    if costs.has_std_cells {
        warnings.push(
            "the netlist has standard cells: their cost rule is unvalidated (PROXY_COST.md 2.7)"
                .into(),
        );
    }

    let mut weights: Vec<CostWeights> = CostWeights::STANDARD.to_vec();
    if let Some(w) = extra {
        if !weights.contains(&w) {
            weights.push(w);
        }
    }
    match args.format {
        Format::Json => {
            let proxies: serde_json::Map<String, serde_json::Value> =
                weights.iter().map(|&w| (weights_key(w), json!(costs.proxy(w)))).collect();
            let doc = json!({
                "netlist": args.netlist,
                "plc": args.plc,
                "wirelength_cost": costs.wirelength_cost,
                "density_cost": costs.density_cost,
                "congestion_cost": costs.congestion_cost,
                "hpwl_um": costs.hpwl,
                "net_weight_sum": costs.net_weight_sum,
                "nets": costs.nets,
                "congestion_nets_skipped_oob": costs.congestion_nets_skipped_oob,
                "proxy": proxies,
                "params": {
                    "canvas_width": params.canvas_width,
                    "canvas_height": params.canvas_height,
                    "grid_cols": params.cols,
                    "grid_rows": params.rows,
                    "hroutes_per_micron": params.hroutes_per_micron,
                    "vroutes_per_micron": params.vroutes_per_micron,
                    "hrouting_alloc": params.hrouting_alloc,
                    "vrouting_alloc": params.vrouting_alloc,
                    "smooth_range": params.smooth_range,
                    "oob": params.oob.as_str(),
                    "square_soft_macros": params.square_soft_macros,
                },
                "legality": {
                    "legal": legal.is_legal(),
                    "hard_macro_overlap_pairs": legal.hard_macro_overlap_pairs,
                    "hard_macro_overlap_area": legal.hard_macro_overlap_area,
                    "hard_macros_outside_canvas": legal.hard_macros_outside_canvas,
                    "soft_macros_outside_canvas": legal.soft_macros_outside_canvas,
                },
                "unvalidated": costs.has_std_cells,
                "warnings": warnings,
            });
            outln!(out, "{}", serde_json::to_string_pretty(&doc).map_err(Failure::other)?);
        }
        Format::Text => {
            let mut report = CostReport::new(&costs, &params);
            if let Some(w) = extra {
                report = report.with_weights(w);
            }
            outln!(out, "{report}");
            outln!(out,
                "legality {}: {} overlapping hard-macro pairs (area {:.3} um^2), {} hard and {} soft macros outside the canvas",
                if legal.is_legal() { "LEGAL" } else { "ILLEGAL" },
                legal.hard_macro_overlap_pairs,
                legal.hard_macro_overlap_area,
                legal.hard_macros_outside_canvas,
                legal.soft_macros_outside_canvas
            );
            for w in &warnings {
                eprintln!("chipfloor: warning: {w}");
            }
        }
    }
    Ok(())
}
