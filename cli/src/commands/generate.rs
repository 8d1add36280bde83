//! `chipfloor generate --out DIR --count N --seed S [...]`: seeded synthetic netlists, each
//! written as `gen_<i>.pb.txt` plus `gen_<i>.plc` (initial placement with a cost header).
//! Netlist `i` uses seed `S + i`, the same netlists `chipfloor train --generated N --seed S`
//! trains on.

use std::path::PathBuf;

use netlists::generate::{generate, GenConfig};
use placer::cost::{evaluate, CostOverrides, CostParams};
use serde_json::{json, Value};

use crate::{outln, CmdResult, Failure};

/// Generator settings shared by `generate` and `train --generated`.
#[derive(clap::Args, Debug, Clone, Default)]
pub(crate) struct GenArgs {
    /// Hard macros per generated netlist (default 24).
    #[arg(long)]
    hard_macros: Option<usize>,
    /// Soft macros (standard-cell clusters) per generated netlist (default 64).
    #[arg(long)]
    soft_macros: Option<usize>,
    /// Ports per generated netlist (default 32).
    #[arg(long)]
    ports: Option<usize>,
    /// Nets per generated netlist (default 600).
    #[arg(long)]
    nets: Option<usize>,
    /// Canvas side of generated netlists in um (default 1000).
    #[arg(long, value_name = "UM")]
    canvas_side: Option<f64>,
    /// Fraction of the canvas covered by hard macros (default 0.35).
    #[arg(long)]
    hard_utilization: Option<f64>,
}

/// Parses `COLSxROWS` (e.g. `16x16`).
pub(crate) fn parse_grid(s: &str) -> Result<(u32, u32), Failure> {
    let bad = || Failure::input(anyhow::anyhow!("grid `{s}`: expected COLSxROWS, e.g. 16x16"));
    let (c, r) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    Ok((c.trim().parse().map_err(|_| bad())?, r.trim().parse().map_err(|_| bad())?))
}

impl GenArgs {
    /// The generator configuration of netlist seed `seed` (defaults for unset fields).
    pub(crate) fn config(&self, seed: u64, grid: Option<(u32, u32)>) -> Result<GenConfig, Failure> {
        let d = GenConfig::default();
        let cfg = GenConfig {
            seed,
            hard_macros: self.hard_macros.unwrap_or(d.hard_macros),
            soft_macros: self.soft_macros.unwrap_or(d.soft_macros),
            ports: self.ports.unwrap_or(d.ports),
            nets: self.nets.unwrap_or(d.nets),
            canvas: self.canvas_side.unwrap_or(d.canvas),
            hard_utilization: self.hard_utilization.unwrap_or(d.hard_utilization),
            grid: grid.unwrap_or(d.grid),
            ..d
        };
        cfg.validate().map_err(|e| Failure::input(anyhow::anyhow!("generated netlist: {e}")))?;
        Ok(cfg)
    }
}

/// A generator configuration as JSON (recorded in training checkpoints).
pub(crate) fn gen_to_json(c: &GenConfig) -> Value {
    json!({
        "kind": "generated",
        "seed": c.seed,
        "hard_macros": c.hard_macros,
        "hard_area_spread": c.hard_area_spread,
        "max_aspect": c.max_aspect,
        "hard_utilization": c.hard_utilization,
        "soft_macros": c.soft_macros,
        "soft_utilization": c.soft_utilization,
        "ports": c.ports,
        "nets": c.nets,
        "max_fanout": c.max_fanout,
        "mean_fanout": c.mean_fanout,
        "locality": c.locality,
        "canvas": c.canvas,
        "grid": [c.grid.0, c.grid.1],
    })
}

/// Reads [`gen_to_json`] back.
pub(crate) fn gen_from_json(v: &Value) -> Option<GenConfig> {
    let f = |k: &str| v.get(k).and_then(Value::as_f64);
    let u = |k: &str| v.get(k).and_then(Value::as_u64);
    let grid = v.get("grid")?.as_array()?;
    Some(GenConfig {
        seed: u("seed")?,
        hard_macros: u("hard_macros")? as usize,
        hard_area_spread: f("hard_area_spread")?,
        max_aspect: f("max_aspect")?,
        hard_utilization: f("hard_utilization")?,
        soft_macros: u("soft_macros")? as usize,
        soft_utilization: f("soft_utilization")?,
        ports: u("ports")? as usize,
        nets: u("nets")? as usize,
        max_fanout: u("max_fanout")? as usize,
        mean_fanout: f("mean_fanout")?,
        locality: f("locality")?,
        canvas: f("canvas")?,
        grid: (grid.first()?.as_u64()? as u32, grid.get(1)?.as_u64()? as u32),
    })
}

/// Arguments of `chipfloor generate`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Output folder (created).
    #[arg(long)]
    out: PathBuf,
    /// Number of netlists.
    #[arg(long, default_value_t = 1)]
    count: usize,
    /// Seed of netlist 0 (netlist i uses seed + i).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Placement grid of the generated netlists, COLSxROWS (default 16x16).
    #[arg(long, value_name = "COLSxROWS")]
    grid: Option<String>,
    #[command(flatten)]
    gen: GenArgs,
}

pub(crate) fn run(args: Args, out: &mut String) -> CmdResult {
    let grid = args.grid.as_deref().map(parse_grid).transpose()?;
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Failure::input(anyhow::anyhow!("creating {}: {e}", args.out.display())))?;
    for i in 0..args.count {
        let cfg = args.gen.config(args.seed + i as u64, grid)?;
        let (nl, pl) = generate(&cfg).map_err(|e| Failure::input(anyhow::anyhow!(e)))?;
        let params =
            CostParams::resolve(&nl, None, &CostOverrides::default()).map_err(Failure::other)?;
        let costs = evaluate(&nl, &pl, &params).map_err(Failure::other)?;
        let notes = [
            ("Generated seed", cfg.seed.to_string()),
            (
                "Note",
                "initial placement of a generated netlist (hard macros unplaced at the centre)"
                    .to_string(),
            ),
        ];
        let header = placer::output::plc_header(&nl, &params, &costs, &notes);
        let pb = args.out.join(format!("gen_{i}.pb.txt"));
        let plc = args.out.join(format!("gen_{i}.plc"));
        netlists::pb_txt::write(&nl, Some(&pl), &pb).map_err(Failure::other)?;
        netlists::plc::write(&plc, &nl, &pl, &header).map_err(Failure::other)?;
        let c = nl.counts();
        outln!(
            out,
            "wrote {} + {} (seed {}, {} hard macros, {} soft macros, {} ports, grid {}x{})",
            pb.display(),
            plc.display(),
            cfg.seed,
            c.hard_macros,
            c.soft_macros,
            c.ports,
            params.cols,
            params.rows
        );
    }
    Ok(())
}
