//! JSON pieces shared by the commands that report costs (`PROXY_COST.md` §11: the three
//! components and HPWL, the proxy at both standard weight conventions with explicit weights,
//! and the parameters).

use std::path::Path;

use netlists::Netlist;
use placer::cost::{CostBreakdown, CostParams, CostWeights};
use placer::legality::LegalityReport;
use placer::pipeline::StageReport;
use serde_json::{json, Map, Value};

/// The two standard conventions, then `extra` unless it is one of them.
pub(crate) fn weights_with(extra: Option<CostWeights>) -> Vec<CostWeights> {
    let mut w = CostWeights::STANDARD.to_vec();
    if let Some(e) = extra {
        if !w.contains(&e) {
            w.push(e);
        }
    }
    w
}

/// `proxy[wl=1,den=0.5,cong=0.5]`.
pub(crate) fn weights_key(w: CostWeights) -> String {
    w.to_string()
}

/// The costs as `eval --format json` reports them: components, `hpwl_um`, net counts and a
/// `proxy` object keyed by explicit weights.
pub(crate) fn costs_json(c: &CostBreakdown, weights: &[CostWeights]) -> Map<String, Value> {
    let proxies: Map<String, Value> =
        weights.iter().map(|&w| (weights_key(w), json!(c.proxy(w)))).collect();
    let v = json!({
        "wirelength_cost": c.wirelength_cost,
        "density_cost": c.density_cost,
        "congestion_cost": c.congestion_cost,
        "hpwl_um": c.hpwl,
        "net_weight_sum": c.net_weight_sum,
        "nets": c.nets,
        "congestion_nets_skipped_oob": c.congestion_nets_skipped_oob,
        "proxy": proxies,
        "unvalidated": c.has_std_cells,
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The parameters, with the keys of `eval --format json`.
pub(crate) fn params_json(p: &CostParams) -> Value {
    json!({
        "canvas_width": p.canvas_width,
        "canvas_height": p.canvas_height,
        "grid_cols": p.cols,
        "grid_rows": p.rows,
        "hroutes_per_micron": p.hroutes_per_micron,
        "vroutes_per_micron": p.vroutes_per_micron,
        "hrouting_alloc": p.hrouting_alloc,
        "vrouting_alloc": p.vrouting_alloc,
        "smooth_range": p.smooth_range,
        "oob": p.oob.as_str(),
        "square_soft_macros": p.square_soft_macros,
    })
}

/// The legality report, with the keys of `eval --format json`.
pub(crate) fn legality_json(l: &LegalityReport) -> Value {
    json!({
        "legal": l.is_legal(),
        "hard_macro_overlap_pairs": l.hard_macro_overlap_pairs,
        "hard_macro_overlap_area": l.hard_macro_overlap_area,
        "hard_macros_outside_canvas": l.hard_macros_outside_canvas,
        "soft_macros_outside_canvas": l.soft_macros_outside_canvas,
    })
}

/// One line: `LEGAL` or `ILLEGAL: ...`, with the counts.
pub(crate) fn legality_line(l: &LegalityReport) -> String {
    format!(
        "{}: {} overlapping hard-macro pairs (area {:.3} um^2), {} hard and {} soft macros outside the canvas",
        if l.is_legal() { "LEGAL" } else { "ILLEGAL" },
        l.hard_macro_overlap_pairs,
        l.hard_macro_overlap_area,
        l.hard_macros_outside_canvas,
        l.soft_macros_outside_canvas
    )
}

/// Stage reports as JSON objects `{name, seconds, stats: {..}}`.
pub(crate) fn stages_json(stages: &[StageReport]) -> Value {
    Value::Array(
        stages
            .iter()
            .map(|s| {
                let stats: Map<String, Value> =
                    s.stats.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
                json!({ "name": s.name, "seconds": s.seconds, "stats": stats })
            })
            .collect(),
    )
}

/// Stage reports on one line: `greedy 0.12 s (macros 133, ...); cd 1.50 s (...)`.
pub(crate) fn stages_line(stages: &[StageReport]) -> String {
    stages
        .iter()
        .map(|s| {
            let stats: Vec<String> = s
                .stats
                .iter()
                .map(|(k, v)| {
                    if v.fract() == 0.0 && v.abs() < 1e15 {
                        format!("{k} {v:.0}")
                    } else {
                        format!("{k} {v:.4}")
                    }
                })
                .collect();
            if stats.is_empty() {
                format!("{} {:.2} s", s.name, s.seconds)
            } else {
                format!("{} {:.2} s ({})", s.name, s.seconds, stats.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A short design name: the netlist's file name without `.pb.txt[.gz]` / `.aux`, or its
/// folder's name when the file is called `netlist.*` (as in the benchmark layout).
pub(crate) fn design_name(path: &Path, nl: &Netlist) -> String {
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let first = file.split(',').next().unwrap_or("").to_string();
    let mut stem = first.as_str();
    for ext in [".gz", ".txt", ".pb", ".aux"] {
        stem = stem.strip_suffix(ext).unwrap_or(stem);
    }
    let stem = if stem.is_empty() || stem == "netlist" {
        path.parent()
            .and_then(|p| p.file_name())
            .map(|f| f.to_string_lossy().into_owned())
            .or_else(|| nl.header.block.clone())
            .unwrap_or_else(|| "design".into())
    } else {
        stem.to_string()
    };
    // Safe as a folder name.
    stem.chars()
        .map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' })
        .collect()
}
