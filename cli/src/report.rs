//! Report pieces shared by the commands that report costs (`PROXY_COST.md` §11: the three
//! components and HPWL, the proxy at both standard weight conventions with explicit weights,
//! and the parameters). The JSON objects come from [`placer::output`], which the service's
//! `report.json` uses too.

use std::path::Path;

use netlists::Netlist;
use placer::cost::CostWeights;
use placer::legality::LegalityReport;
pub(crate) use placer::output::{costs_json, legality_json, params_json, stages_json};
use placer::pipeline::StageReport;

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
