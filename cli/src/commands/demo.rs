//! `chipfloor demo`: the main job on a built-in default design.
//!
//! With the shared benchmarks present (`$CHIPFLOOR_SHARED`, `./shared`, `../shared`, or the
//! `shared` folder beside the source checkout), it places ariane133 NG45 (133 hard macros,
//! 782 soft macros) with simulated annealing for `--time-budget` seconds, starting from the
//! expert `legalized.plc`, and compares the result with that expert placement. Otherwise it
//! generates a netlist (seeded) and places it the same way. Outputs (`.plc`, pictures,
//! `report.json`) go to `--out` (default `runs/demo`).

use std::path::PathBuf;

use clap::Parser;
use netlists::generate::{generate, GenConfig};
use placer::cost::{CostOverrides, CostParams, CostReport};

use crate::{input, outln, CmdResult, Failure};

/// Arguments of `chipfloor demo`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Seed of the placement (and of the generated netlist when no benchmark is found).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Seconds of simulated annealing.
    #[arg(long, default_value_t = 60.0)]
    time_budget: f64,
    /// Use a generated netlist even when the shared benchmarks are present.
    #[arg(long)]
    generated: bool,
    /// Output folder.
    #[arg(long, default_value = "runs/demo")]
    out: PathBuf,
}

/// `chipfloor place` arguments parsed from words, so the demo runs exactly what a user would.
#[derive(Parser, Debug)]
struct PlaceWords {
    #[command(flatten)]
    args: super::place::Args,
}

/// Where the shared reference data is, if anywhere: `$CHIPFLOOR_SHARED` or the `shared`
/// folder beside the source checkout (`netlists::shared_dir`), else `./shared` or `../shared`
/// relative to the working directory.
fn shared_dir() -> Option<PathBuf> {
    netlists::shared_dir().or_else(|| {
        ["shared", "../shared"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.join("benchmarks").is_dir())
            .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
    })
}

pub(crate) fn run(args: Args, out: &mut String) -> CmdResult {
    if !(args.time_budget.is_finite() && args.time_budget >= 0.0) {
        return Err(Failure::input(anyhow::anyhow!(
            "--time-budget {}: expected seconds >= 0",
            args.time_budget
        )));
    }
    let bench = shared_dir().map(|s| s.join("benchmarks/ariane133_ng45"));
    let (netlist, plc) = match bench
        .filter(|b| b.join("netlist.pb.txt.gz").is_file() && !args.generated)
    {
        Some(dir) => {
            eprintln!("chipfloor demo: ariane133 NG45 from {}", dir.display());
            (dir.join("netlist.pb.txt.gz"), dir.join("legalized.plc"))
        }
        None => {
            let cfg = GenConfig { seed: args.seed, ..GenConfig::default() };
            eprintln!(
                "chipfloor demo: no shared benchmark found; generated netlist (seed {}, {} hard macros, {} soft macros)",
                cfg.seed, cfg.hard_macros, cfg.soft_macros
            );
            let (nl, pl) = generate(&cfg).map_err(|e| Failure::other(anyhow::anyhow!(e)))?;
            std::fs::create_dir_all(&args.out).map_err(|e| {
                Failure::other(anyhow::anyhow!("creating {}: {e}", args.out.display()))
            })?;
            let n = args.out.join("generated.pb.txt");
            let p = args.out.join("generated.plc");
            netlists::pb_txt::write(&nl, Some(&pl), &n).map_err(Failure::other)?;
            let params = CostParams::resolve(&nl, None, &CostOverrides::default())
                .map_err(Failure::input)?;
            let costs = placer::cost::evaluate(&nl, &pl, &params).map_err(Failure::input)?;
            let h = placer::output::plc_header(
                &nl,
                &params,
                &costs,
                &[("Source", "chipfloor demo generator".into())],
            );
            netlists::plc::write(&p, &nl, &pl, &h).map_err(Failure::other)?;
            (n, p)
        }
    };
    // The reference: the starting placement's costs.
    let nl = input::load_netlist(&netlist)?;
    let lp = input::load_placement(&nl, &plc, false)?;
    let params = CostParams::resolve(&nl, Some(&lp.header), &CostOverrides::default())
        .map_err(Failure::input)?;
    let reference = placer::cost::evaluate(&nl, &lp.placement, &params).map_err(Failure::input)?;
    outln!(out, "== starting placement {}", plc.display());
    outln!(out, "{}", CostReport::new(&reference, &params));
    outln!(out, "== simulated annealing, {} s, seed {}", args.time_budget, args.seed);
    let words: Vec<String> = vec![
        "place".into(),
        netlist.display().to_string(),
        "--plc".into(),
        plc.display().to_string(),
        "--method".into(),
        "sa".into(),
        "--time-budget".into(),
        args.time_budget.to_string(),
        "--seed".into(),
        args.seed.to_string(),
        "--out".into(),
        args.out.display().to_string(),
    ];
    let place = PlaceWords::try_parse_from(&words).map_err(Failure::other)?;
    super::place::run(place.args, out)
}
