//! `chipfloor place NETLIST [--plc INIT] --method random|greedy|sa ...`: place the hard
//! macros, then the soft macros, optionally refine with coordinate descent, evaluate, and
//! write `placement.plc` (with a cost header), `placement.svg`, `placement.png` and
//! `report.json`.

use std::path::{Path, PathBuf};

use netlists::plc;
use placer::cost::{CostOverrides, CostParams, CostReport};
use placer::pipeline::{self, Method, PipelineConfig};
use placer::place::PlaceError;
use placer::render::{render_png, render_svg, Heatmap, RenderOptions};
use serde_json::{json, Value};

use super::eval::CostArgs;
use crate::progress::Bar;
use crate::report::{
    costs_json, design_name, legality_json, legality_line, params_json, stages_json, stages_line,
    weights_with,
};
use crate::{input, outln, CmdResult, Failure};

/// Arguments of `chipfloor place`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Netlist: `.pb.txt`, `.pb.txt.gz`, or a Bookshelf `.aux`.
    netlist: PathBuf,
    /// Initial placement (`.plc`): positions of ports, fixed macros and soft macros, the
    /// starting point of methods that refine one, and cost parameters from its header.
    #[arg(long)]
    plc: Option<PathBuf>,
    /// Also write the placement as a DEF (hard macros as COMPONENTS, PLACED or FIXED, ports as
    /// PINS; 1000 database units per micron; die = the canvas). See `chipfloor convert`.
    #[arg(long, value_name = "FILE")]
    def_out: Option<PathBuf>,
    /// Placement method: random, greedy, sa, or rl (a trained policy, see --checkpoint).
    #[arg(long, default_value = "greedy")]
    method: String,
    /// The policy of `--method rl`: a model file, checkpoint folder or `chipfloor train` run
    /// directory. `--time-budget` then fine-tunes on this netlist first (else zero-shot).
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    /// Wall-clock budget in seconds for the method (and again for coordinate descent).
    #[arg(long, value_name = "SECS")]
    time_budget: Option<f64>,
    /// The one seed every random choice derives from.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output folder (default `runs/DESIGN-METHOD-seedN`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Place the soft macros with the force-directed placer after the method (default).
    #[arg(long, overrides_with = "no_fd")]
    fd: bool,
    /// Leave the soft macros where the initial placement has them.
    #[arg(long = "no-fd", overrides_with = "fd")]
    no_fd: bool,
    /// Refine with coordinate descent after the method.
    #[arg(long)]
    cd: bool,
    #[command(flatten)]
    sa: SaArgs,
    /// Write the placement even when it is illegal (the report says so).
    #[arg(long)]
    allow_illegal: bool,
    /// Accept an initial `.plc` that has no line for some nodes.
    #[arg(long)]
    allow_partial_plc: bool,
    /// Heat map under the macros in the pictures.
    #[arg(long, value_parser = ["none", "density", "congestion"], default_value = "none")]
    heatmap: String,
    /// Side of the pictures in pixels.
    #[arg(long, default_value_t = 1000)]
    size: u32,
    #[command(flatten)]
    cost: CostArgs,
}

/// Options of simulated annealing shared by `place` and `compare`.
#[derive(clap::Args, Debug, Default)]
pub(crate) struct SaArgs {
    /// Simulated annealing: moves per chain (default 200000 when there is no --time-budget).
    /// With the same --seed and --threads and no time budget cutting it short, the result is
    /// reproducible.
    #[arg(long, value_name = "N")]
    iterations: Option<u64>,
    /// Simulated annealing: parallel chains (default: one per core).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

impl SaArgs {
    /// Sets the simulated-annealing options of `cfg`.
    pub(crate) fn apply(&self, cfg: &mut PipelineConfig) {
        if let Some(n) = self.iterations {
            cfg.sa.iterations = Some(n);
        }
        if let Some(t) = self.threads {
            cfg.sa.threads = t;
        }
    }
}

/// Parses a method name; unknown names are bad input (exit 2) listing the methods.
pub(crate) fn parse_method(s: &str) -> Result<Method, Failure> {
    let m = Method::parse(s).ok_or_else(|| {
        Failure::input(anyhow::anyhow!("unknown method `{s}`; methods: {}", Method::names()))
    })?;
    if !m.available() {
        let avail: Vec<&str> =
            Method::ALL.iter().filter(|m| m.available()).map(|m| m.as_str()).collect();
        return Err(Failure::input(anyhow::anyhow!(
            "method `{s}` is not available in this build; available: {}",
            avail.join(", ")
        )));
    }
    Ok(m)
}

/// Checks a time budget (finite, >= 0).
pub(crate) fn check_budget(b: Option<f64>) -> Result<(), Failure> {
    match b {
        Some(v) if !(v.is_finite() && v >= 0.0) => Err(Failure::input(anyhow::anyhow!(
            "--time-budget {v}: expected a number of seconds >= 0"
        ))),
        _ => Ok(()),
    }
}

/// Maps a pipeline error: bad parameters or configuration are bad input (exit 2); a method
/// that cannot place the macros is a failure (exit 1).
pub(crate) fn place_failure(e: PlaceError) -> Failure {
    match e {
        PlaceError::NoLegalCell { .. } => Failure::other(e),
        _ => Failure::input(e),
    }
}

/// Writes `bytes` to `path` (exit 1 on failure, naming the file).
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    std::fs::write(path, bytes)
        .map_err(|e| Failure::other(anyhow::anyhow!("writing {}: {e}", path.display())))
}

pub(crate) fn run(args: Args, out: &mut String) -> CmdResult {
    let rl = args.method.trim().eq_ignore_ascii_case("rl");
    let method: &dyn std::fmt::Display = if rl { &"rl" } else { &parse_method(&args.method)? };
    let method_str = method.to_string();
    check_budget(args.time_budget)?;
    let extra = args.cost.extra_weights()?;
    let nl = input::load_netlist(&args.netlist)?;
    let (init, header) = match &args.plc {
        Some(p) => {
            let lp = input::load_placement(&nl, p, args.allow_partial_plc)?;
            if !lp.missing.is_empty() {
                eprintln!(
                    "chipfloor: warning: {} placeable nodes have no line in {} and keep their netlist coordinates",
                    lp.missing.len(),
                    p.display()
                );
            }
            (lp.placement, Some(lp.header))
        }
        None => (nl.initial_placement(), None),
    };
    let overrides: CostOverrides = args.cost.overrides();
    let params = CostParams::resolve(&nl, header.as_ref(), &overrides).map_err(Failure::input)?;
    let design = design_name(&args.netlist, &nl);
    let fd = !args.no_fd;
    let bar = Bar::new(&format!("{design} {method}"), args.time_budget);
    let res = if rl {
        let o = super::train::RlPlace {
            checkpoint: args.checkpoint.as_deref(),
            time_budget: args.time_budget,
            seed: args.seed,
            fd,
            cd: args.cd,
        };
        super::train::place_rl(&nl, &init, &params, &o, &bar)
    } else {
        let mut cfg = PipelineConfig {
            method: parse_method(&args.method)?,
            seed: args.seed,
            time_budget: args.time_budget,
            fd,
            cd: args.cd,
            ..Default::default()
        };
        args.sa.apply(&mut cfg);
        pipeline::run(&nl, &init, &params, &cfg, &bar).map_err(place_failure)
    };
    bar.finish();
    let res = res?;
    let legal = res.legality.is_legal();

    let weights = weights_with(extra);
    let mut report = CostReport::new(&res.costs, &params);
    if let Some(w) = extra {
        report = report.with_weights(w);
    }
    outln!(out, "design   {design} ({})", args.netlist.display());
    outln!(
        out,
        "method   {method}  seed {}  time budget {}  fd {}  cd {}",
        args.seed,
        args.time_budget.map_or("none".into(), |b| format!("{b} s")),
        if fd { "on" } else { "off" },
        if args.cd { "on" } else { "off" }
    );
    outln!(out, "{report}");
    outln!(out, "legality {}", legality_line(&res.legality));
    outln!(out, "stages   {}", stages_line(&res.stages));
    outln!(out, "runtime  {:.3} s", res.seconds);

    if !legal && !args.allow_illegal {
        return Err(Failure::other(anyhow::anyhow!(
            "REFUSING TO WRITE AN ILLEGAL PLACEMENT ({} overlapping hard-macro pairs, {} hard macros outside the canvas); nothing was written. Pass --allow-illegal to write it anyway",
            res.legality.hard_macro_overlap_pairs,
            res.legality.hard_macros_outside_canvas
        )));
    }

    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("runs/{design}-{method}-seed{}", args.seed)));
    std::fs::create_dir_all(&dir)
        .map_err(|e| Failure::other(anyhow::anyhow!("creating {}: {e}", dir.display())))?;
    let budget_note = args.time_budget.map_or("none".into(), |b| format!("{b}"));
    let legality_note = if legal {
        "LEGAL".to_string()
    } else {
        "ILLEGAL (written with --allow-illegal)".to_string()
    };
    let extra_notes: Vec<(&str, String)> = vec![
        ("Source input file(s)", args.netlist.display().to_string()),
        (
            "Initial placement",
            args.plc.as_ref().map_or("netlist coordinates".into(), |p| p.display().to_string()),
        ),
        ("Method", method.to_string()),
        ("Seed", args.seed.to_string()),
        ("Time budget s", budget_note),
        ("Force-directed soft macros", if fd { "on" } else { "off" }.into()),
        ("Coordinate descent", if args.cd { "on" } else { "off" }.into()),
        ("Legality", legality_note),
    ];
    let h = placer::output::plc_header(&nl, &params, &res.costs, &extra_notes);
    let plc_path = dir.join("placement.plc");
    write_file(&plc_path, plc::to_string(&nl, &res.placement, &h).as_bytes())?;
    if let Some(def_path) = &args.def_out {
        let opts = netlists::def::DefExportOptions {
            die_area: Some((params.canvas_width, params.canvas_height)),
            ..Default::default()
        };
        write_file(
            def_path,
            netlists::def::write_placement(&nl, &res.placement, &opts).as_bytes(),
        )?;
    }
    let ropts = RenderOptions {
        heatmap: Heatmap::parse(&args.heatmap).unwrap_or_default(),
        size_px: args.size,
        title: Some(format!("{design}  {method}  seed {}", args.seed)),
    };
    let svg_path = dir.join("placement.svg");
    let png_path = dir.join("placement.png");
    let svg = render_svg(&nl, &res.placement, &params, &ropts).map_err(Failure::other)?;
    write_file(&svg_path, svg.as_bytes())?;
    let png = render_png(&nl, &res.placement, &params, &ropts).map_err(Failure::other)?;
    write_file(&png_path, &png)?;

    let mut doc = serde_json::Map::new();
    doc.insert("chipfloor_version".into(), json!(placer::output::VERSION));
    doc.insert("design".into(), json!(design));
    doc.insert("netlist".into(), json!(args.netlist));
    doc.insert("init_plc".into(), json!(args.plc));
    doc.insert("method".into(), json!(method_str));
    doc.insert("checkpoint".into(), json!(args.checkpoint));
    doc.insert("seed".into(), json!(args.seed));
    doc.insert("time_budget_s".into(), json!(args.time_budget));
    doc.insert("fd".into(), json!(fd));
    doc.insert("cd".into(), json!(args.cd));
    doc.extend(costs_json(&res.costs, &weights));
    doc.insert("params".into(), params_json(&params));
    doc.insert("legality".into(), legality_json(&res.legality));
    doc.insert("allow_illegal".into(), json!(args.allow_illegal));
    doc.insert("written_illegal".into(), json!(!legal));
    doc.insert("runtime_s".into(), json!(res.seconds));
    doc.insert("stages".into(), stages_json(&res.stages));
    let mut files = json!({ "plc": plc_path, "svg": svg_path, "png": png_path });
    if let Some(d) = &args.def_out {
        files["def"] = json!(d);
    }
    doc.insert("files".into(), files);
    let report_path = dir.join("report.json");
    let text = serde_json::to_string_pretty(&Value::Object(doc)).map_err(Failure::other)?;
    write_file(&report_path, format!("{text}\n").as_bytes())?;
    if !legal {
        outln!(out, "WARNING: the placement is ILLEGAL and was written because of --allow-illegal");
        eprintln!("chipfloor: warning: wrote an ILLEGAL placement (--allow-illegal)");
    }
    outln!(
        out,
        "wrote    {} ({}, {}, {})",
        plc_path.display(),
        svg_path.display(),
        png_path.display(),
        report_path.display()
    );
    if let Some(def_path) = &args.def_out {
        outln!(out, "wrote    {} (DEF)", def_path.display());
    }
    Ok(())
}
