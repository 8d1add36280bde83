//! `chipfloor cluster FLAT_NETLIST [--clusters N] [--seed S] [--utilization U] --out DIR`:
//! clusters a flat netlist's standard cells into soft macros ([`netlists::cluster`]) and
//! writes `DIR/netlist.pb.txt` and `DIR/initial.plc` (header with the costs of the initial
//! placement and every parameter, as `place` writes it).
//!
//! `chipfloor cluster NETLIST --score PLC` instead evaluates a placement of a (clustered)
//! netlist: the three costs, both standard proxies and the macro-only HPWL
//! ([`netlists::cluster::macro_hpwl`]).

use std::path::PathBuf;
use std::time::Instant;

use netlists::cluster::{cluster, macro_hpwl, ClusterConfig};
use placer::cost::{evaluate, CostOverrides, CostParams, CostWeights};
use serde_json::json;

use super::Format;
use crate::commands::generate::parse_grid;
use crate::{input, outln, CmdResult, Failure};

/// Arguments of `chipfloor cluster`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Flat netlist: Circuit Training `.pb.txt` (plain or `.gz`) with STDCELL nodes, or
    /// Bookshelf `.aux`.
    netlist: PathBuf,
    /// Output folder (created): netlist.pb.txt and initial.plc.
    #[arg(long, required_unless_present = "score")]
    out: Option<PathBuf>,
    /// Number of clusters (soft macros).
    #[arg(long, default_value_t = 500)]
    clusters: usize,
    /// Seed of the partitioner.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Cell-area utilisation U of a soft macro: soft area = cell area / U (default: CT's 0.5,
    /// raised when the bloated cells would not fit beside the hard macros).
    #[arg(long)]
    utilization: Option<f64>,
    /// Allowed area imbalance between clusters (0.1: at most 1.1 x the average).
    #[arg(long, default_value_t = 0.1)]
    imbalance: f64,
    /// Nets with more sinks than this are ignored (CT: 500).
    #[arg(long, default_value_t = 500)]
    high_fanout: usize,
    /// Placement grid COLSxROWS (default: chosen automatically).
    #[arg(long, value_name = "COLSxROWS")]
    grid: Option<String>,
    /// Canvas width and height in um (default: the netlist's, else sqrt(area / 0.6) square).
    #[arg(long, num_args = 2, value_names = ["W", "H"])]
    canvas: Option<Vec<f64>>,
    /// Keep geometrically spread clusters whole (default: CT's break-up splits them).
    #[arg(long)]
    no_breakup: bool,
    /// Partition the standard cells alone (no hard-macro and port anchor vertices).
    #[arg(long)]
    no_anchors: bool,
    /// Evaluate this placement of NETLIST instead of clustering (costs and macro-only HPWL).
    #[arg(long, value_name = "PLC", conflicts_with = "out")]
    score: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub(crate) fn run(args: Args, out: &mut String) -> CmdResult {
    if let Some(plc) = &args.score {
        return score(&args, plc, out);
    }
    let Some(dir) = args.out.clone() else {
        return Err(Failure::input(anyhow::anyhow!("--out DIR is required")));
    };
    let t = Instant::now();
    let nl = input::load_netlist(&args.netlist)?;
    let read_s = t.elapsed().as_secs_f64();
    let cfg = ClusterConfig {
        clusters: args.clusters,
        seed: args.seed,
        utilization: args.utilization,
        high_fanout: args.high_fanout,
        imbalance: args.imbalance,
        grid: args.grid.as_deref().map(parse_grid).transpose()?,
        canvas: args.canvas.as_deref().map(|c| (c[0], c[1])),
        anchors: !args.no_anchors,
        breakup: !args.no_breakup,
    };
    let c = cluster(&nl, &cfg).map_err(|e| Failure::input(anyhow::anyhow!("{e}")))?;
    let params = CostParams::resolve(&c.netlist, Some(&c.plc_header), &CostOverrides::default())
        .map_err(Failure::other)?;
    let costs = evaluate(&c.netlist, &c.placement, &params).map_err(Failure::other)?;
    let s = &c.stats;
    let notes = [
        ("Clustered from", args.netlist.display().to_string()),
        ("Clusters", format!("{} (asked {}), seed {}", s.clusters, cfg.clusters, cfg.seed)),
        ("Cell area utilization", s.utilization.to_string()),
    ];
    let header = placer::output::plc_header(&c.netlist, &params, &costs, &notes);
    std::fs::create_dir_all(&dir)
        .map_err(|e| Failure::input(anyhow::anyhow!("creating {}: {e}", dir.display())))?;
    let pb = dir.join("netlist.pb.txt");
    let plc = dir.join("initial.plc");
    netlists::pb_txt::write(&c.netlist, Some(&c.placement), &pb).map_err(Failure::other)?;
    netlists::plc::write(&plc, &c.netlist, &c.placement, &header).map_err(Failure::other)?;
    let mhpwl = macro_hpwl(&c.netlist, &c.placement);
    let total_s = t.elapsed().as_secs_f64();
    match args.format {
        Format::Json => {
            let v = json!({
                "netlist": pb, "plc": plc,
                "std_cells": s.std_cells, "clusters": s.clusters,
                "cells_per_cluster": {"min": s.cells.0, "median": s.cells.1, "max": s.cells.2},
                "cell_area_per_cluster": {"min": s.area.0, "median": s.area.1, "max": s.area.2},
                "hyperedges": s.hyperedges, "cut_nets": s.cut_nets,
                "ignored_high_fanout_nets": s.ignored_nets, "clustered_nets": s.clustered_nets,
                "port_groups": s.port_groups, "broken_up": s.broken_up,
                "bbox_side": {"median": s.spread.0, "max": s.spread.1, "over_ct_breakup_limit": s.spread.2}, "utilization": s.utilization,
                "canvas": [s.canvas.0, s.canvas.1], "grid": [s.grid.0, s.grid.1],
                "grid_auto": s.grid_auto, "from_positions": s.from_positions,
                "read_s": read_s, "cluster_s": s.total_s, "partition_s": s.partition_s,
                "total_s": total_s,
                "initial": {
                    "wirelength_cost": costs.wirelength_cost,
                    "density_cost": costs.density_cost,
                    "congestion_cost": costs.congestion_cost,
                    "hpwl_um": costs.hpwl, "macro_hpwl_um": mhpwl,
                },
            });
            outln!(out, "{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        Format::Text => {
            outln!(out, "wrote {} + {}", pb.display(), plc.display());
            outln!(
                out,
                "clusters     {} (asked {}; {} split by the break-up) from {} std cells, seed {}",
                s.clusters,
                cfg.clusters,
                s.broken_up,
                s.std_cells,
                cfg.seed
            );
            outln!(
                out,
                "cells        min {} median {} max {} per cluster",
                s.cells.0,
                s.cells.1,
                s.cells.2
            );
            outln!(
                out,
                "cell area    min {:.1} median {:.1} max {:.1} um^2 per cluster (soft macro area x{})",
                s.area.0,
                s.area.1,
                s.area.2,
                1.0 / s.utilization
            );
            outln!(
                out,
                "nets         {} hyperedges, {} cut ({:.1}%), {} high-fanout ignored; clustered netlist {} nets",
                s.hyperedges,
                s.cut_nets,
                100.0 * s.cut_nets as f64 / s.hyperedges.max(1) as f64,
                s.ignored_nets,
                s.clustered_nets
            );
            outln!(
                out,
                "canvas       {} x {} um, grid {}x{}{}, soft macros start at {}",
                s.canvas.0,
                s.canvas.1,
                s.grid.0,
                s.grid.1,
                if s.grid_auto { " (auto)" } else { "" },
                if s.from_positions {
                    "their cells' centroid"
                } else {
                    "their neighbours' centroid"
                }
            );
            outln!(
                out,
                "initial      wirelength_cost {:.6}  density_cost {:.6}  congestion_cost {:.6}  hpwl_um {:.1}  macro_hpwl_um {:.1}",
                costs.wirelength_cost,
                costs.density_cost,
                costs.congestion_cost,
                costs.hpwl,
                mhpwl
            );
            outln!(
                out,
                "time         read {:.2} s, cluster {:.2} s (partition {:.2} s), total {:.2} s",
                read_s,
                s.total_s,
                s.partition_s,
                total_s
            );
        }
    }
    Ok(())
}

/// `--score PLC`: costs and macro-only HPWL of a placement.
fn score(args: &Args, plc: &std::path::Path, out: &mut String) -> CmdResult {
    let nl = input::load_netlist(&args.netlist)?;
    let lp = input::load_placement(&nl, plc, false)?;
    let params = CostParams::resolve(&nl, Some(&lp.header), &CostOverrides::default())
        .map_err(Failure::input)?;
    let costs = evaluate(&nl, &lp.placement, &params).map_err(Failure::input)?;
    let mhpwl = macro_hpwl(&nl, &lp.placement);
    let [a, b] = CostWeights::STANDARD;
    match args.format {
        Format::Json => {
            let v = json!({
                "wirelength_cost": costs.wirelength_cost,
                "density_cost": costs.density_cost,
                "congestion_cost": costs.congestion_cost,
                "proxy_1_0.5_0.5": costs.proxy(a),
                "proxy_1_1_0.5": costs.proxy(b),
                "hpwl_um": costs.hpwl,
                "macro_hpwl_um": mhpwl,
            });
            outln!(out, "{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        Format::Text => {
            outln!(
                out,
                "wirelength_cost {:.6}  density_cost {:.6}  congestion_cost {:.6}  hpwl_um {:.1}",
                costs.wirelength_cost,
                costs.density_cost,
                costs.congestion_cost,
                costs.hpwl
            );
            outln!(out, "{a} {:.6}   {b} {:.6}", costs.proxy(a), costs.proxy(b));
            outln!(out, "macro_hpwl_um {mhpwl:.1} (nets restricted to hard-macro pins and ports)");
        }
    }
    Ok(())
}
