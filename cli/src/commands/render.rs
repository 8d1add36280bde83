//! `chipfloor render NETLIST PLC [--out FILE.svg|.png] [--heatmap density|congestion]`.

use std::path::PathBuf;

use placer::cost::{CostParams, CostReport};
use placer::render::{render_png, render_svg, Heatmap, RenderOptions};

use super::eval::CostArgs;
use super::place::write_file;
use crate::report::{design_name, legality_line};
use crate::{input, outln, CmdResult, Failure};

/// Arguments of `chipfloor render`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Netlist: `.pb.txt`, `.pb.txt.gz`, or a Bookshelf `.aux`.
    netlist: PathBuf,
    /// Placement (`.plc`).
    plc: PathBuf,
    /// Output file; `.svg` or `.png` picks the format (default `PLC-NAME.png` in the current
    /// folder).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Heat map under the macros.
    #[arg(long, value_parser = ["none", "density", "congestion"], default_value = "none")]
    heatmap: String,
    /// Side of the picture in pixels.
    #[arg(long, default_value_t = 1000)]
    size: u32,
    /// First line of the picture (default: design and placement file names).
    #[arg(long)]
    title: Option<String>,
    /// Accept a `.plc` that has no line for some nodes.
    #[arg(long)]
    allow_partial_plc: bool,
    #[command(flatten)]
    cost: CostArgs,
}

pub(crate) fn run(args: Args, out: &mut String) -> CmdResult {
    let stem = args
        .plc
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "placement".into());
    let path = args.out.clone().unwrap_or_else(|| PathBuf::from(format!("{stem}.png")));
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    let svg = match ext.as_deref() {
        Some("svg") => true,
        Some("png") => false,
        _ => {
            return Err(Failure::input(anyhow::anyhow!(
                "--out {}: the file name must end in .svg or .png",
                path.display()
            )))
        }
    };
    let nl = input::load_netlist(&args.netlist)?;
    let lp = input::load_placement(&nl, &args.plc, args.allow_partial_plc)?;
    let params = CostParams::resolve(&nl, Some(&lp.header), &args.cost.overrides())
        .map_err(Failure::input)?;
    let design = design_name(&args.netlist, &nl);
    let file = args.plc.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let opts = RenderOptions {
        heatmap: Heatmap::parse(&args.heatmap).unwrap_or_default(),
        size_px: args.size,
        title: Some(args.title.clone().unwrap_or_else(|| format!("{design}  {file}"))),
    };
    let bytes = if svg {
        render_svg(&nl, &lp.placement, &params, &opts).map_err(Failure::input)?.into_bytes()
    } else {
        render_png(&nl, &lp.placement, &params, &opts).map_err(Failure::input)?
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::other(anyhow::anyhow!("creating {}: {e}", dir.display())))?;
    }
    write_file(&path, &bytes)?;
    let costs = placer::cost::evaluate(&nl, &lp.placement, &params).map_err(Failure::input)?;
    let mut report = CostReport::new(&costs, &params);
    if let Some(w) = args.cost.extra_weights()? {
        report = report.with_weights(w);
    }
    let leg = placer::legality::check_with(
        &nl,
        &lp.placement,
        params.canvas_width,
        params.canvas_height,
        &placer::legality::LegalityOptions {
            square_soft_macros: params.square_soft_macros,
            ..Default::default()
        },
    );
    outln!(out, "{report}");
    outln!(out, "legality {}", legality_line(&leg));
    outln!(
        out,
        "wrote    {} ({} px, heat map {})",
        path.display(),
        opts.side(),
        opts.heatmap.as_str()
    );
    Ok(())
}
