//! `chipfloor demo`: the main job on a built-in default design.
//!
//! With the shared benchmarks present (`$CHIPFLOOR_SHARED`, `./shared`, `../shared`, or the
//! `shared` folder beside the source checkout), it evaluates ariane133 NG45 (133 hard macros,
//! 782 soft macros) at its expert `legalized.plc`; otherwise it generates a netlist (seeded)
//! and evaluates its initial placement. Later versions place the design as well.

use std::path::{Path, PathBuf};

use netlists::generate::{generate, GenConfig};
use placer::cost::{CostOverrides, CostParams, CostReport};
use placer::legality;

use crate::{input, outln, CmdResult, Failure};

/// Arguments of `chipfloor demo`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Seed of the generated netlist (used when no shared benchmark is found).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Use a generated netlist even when the shared benchmarks are present.
    #[arg(long)]
    generated: bool,
}

/// Where the shared reference data is, if anywhere.
fn shared_dir() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("CHIPFLOOR_SHARED") {
        return Some(PathBuf::from(p)).filter(|p| p.is_dir());
    }
    let here = ["shared", "../shared"].into_iter().map(PathBuf::from);
    let beside_source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared");
    here.chain(std::iter::once(beside_source)).find(|p| p.join("benchmarks").is_dir())
}

pub(crate) fn run(args: Args, out: &mut String) -> CmdResult {
    let bench = shared_dir().map(|s| s.join("benchmarks/ariane133_ng45"));
    match bench.filter(|b| b.join("netlist.pb.txt.gz").is_file() && !args.generated) {
        Some(dir) => {
            let netlist = dir.join("netlist.pb.txt.gz");
            let plc = dir.join("legalized.plc");
            eprintln!("chipfloor demo: ariane133 NG45 from {}", dir.display());
            let nl = input::load_netlist(&netlist)?;
            let lp = input::load_placement(&nl, &plc, false)?;
            report(
                out,
                &nl,
                &lp.placement,
                Some(&lp.header),
                &format!("{} (expert legalized.plc)", netlist.display()),
            )
        }
        None => {
            let cfg = GenConfig { seed: args.seed, ..GenConfig::default() };
            eprintln!(
                "chipfloor demo: no shared benchmark found; generated netlist (seed {}, {} hard macros, {} soft macros)",
                cfg.seed, cfg.hard_macros, cfg.soft_macros
            );
            let (nl, pl) = generate(&cfg).map_err(|e| Failure::other(anyhow::anyhow!(e)))?;
            report(out, &nl, &pl, None, "generated netlist (all macros at the canvas centre)")
        }
    }
}

fn report(
    out: &mut String,
    nl: &netlists::Netlist,
    pl: &netlists::Placement,
    header: Option<&netlists::plc::PlcHeader>,
    what: &str,
) -> CmdResult {
    let c = nl.counts();
    outln!(out, "design       {what}");
    outln!(
        out,
        "nodes        {} ports, {} hard macros, {} soft macros, {} nets",
        c.ports,
        c.hard_macros,
        c.soft_macros,
        nl.nets.len()
    );
    let params =
        CostParams::resolve(nl, header, &CostOverrides::default()).map_err(Failure::input)?;
    let t = std::time::Instant::now();
    let costs = placer::cost::evaluate(nl, pl, &params).map_err(Failure::input)?;
    let dt = t.elapsed();
    outln!(out, "{}", CostReport::new(&costs, &params));
    let legal = legality::check(nl, pl, params.canvas_width, params.canvas_height);
    outln!(
        out,
        "legality     {} ({} overlapping hard-macro pairs, {} hard macros outside the canvas)",
        if legal.is_legal() { "LEGAL" } else { "ILLEGAL" },
        legal.hard_macro_overlap_pairs,
        legal.hard_macros_outside_canvas
    );
    outln!(
        out,
        "evaluated in {:.3} ms (one full evaluation, including model set-up)",
        dt.as_secs_f64() * 1e3
    );
    Ok(())
}
