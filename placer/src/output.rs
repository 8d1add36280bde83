//! `.plc` output with a full cost header (`CIRCUIT_TRAINING.md` §2.3, `PROXY_COST.md` §4.2,
//! §11).
//!
//! [`plc_header`] fills every parameter field of the header (canvas, grid, routes per
//! micron, macro routing allocation, smoothing), so `chipfloor eval`, `refcost.py` and
//! TILOS / the 2026 challenge evaluate the written file with the parameters chipfloor used
//! (Circuit Training's Python takes canvas, grid and blockages from it but keeps its own
//! routing and smoothing defaults, `PROXY_COST.md` §4.2), plus the three costs and
//! HPWL as Google's writer reports them, the node counts, the block name, the netlist's
//! blockages, and notes: both standard proxies with explicit weights, the parameters the
//! header has no field for (`oob`, `square_soft_macros`), the chipfloor version and whatever
//! the caller adds (method, seed, ...).

use netlists::plc::PlcHeader;
use netlists::{Netlist, NodeKind};

use serde_json::{json, Map, Value};

use crate::cost::{CostBreakdown, CostParams, CostWeights};
use crate::legality::LegalityReport;
use crate::pipeline::StageReport;

/// The chipfloor version written into headers.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Keys [`plc_header`] refuses in `extra` notes, because a reader would take them for fields.
const RESERVED: [&str; 20] = [
    "Columns",
    "Rows",
    "Width",
    "Height",
    "Routes per micron",
    "Routes used by macros",
    "Smoothing factor",
    "Overlap threshold",
    "Congestion Columns",
    "Congestion Rows",
    "Block",
    "Project",
    "Area",
    "Wirelength",
    "Wirelength cost",
    "Congestion cost",
    "Density cost",
    "Fake net cost",
    "Blockage",
    "node_index",
];

/// Circuit Training's overlap threshold, written for completeness (it has no effect on the
/// cost).
pub const OVERLAP_THRESHOLD: f64 = 0.004;

/// The header of a `.plc` written by chipfloor for a placement of `nl` with costs `costs`
/// computed under `params`.
///
/// `extra` pairs are written as `# key : value` notes after the standard fields, e.g.
/// `[("Method", "sa".into()), ("Seed", "1".into())]`; line breaks in them become spaces, and
/// keys that a reader would take for a header field (`Width`, `Block`, ...) get an `x-`
/// prefix so they cannot change how the file is read.
pub fn plc_header(
    nl: &Netlist,
    params: &CostParams,
    costs: &CostBreakdown,
    extra: &[(&str, String)],
) -> PlcHeader {
    let area: f64 = nl
        .ids()
        .filter(|&i| nl.kind(i).is_macro() || nl.kind(i) == NodeKind::StdCell)
        .map(|i| nl.area(i))
        .sum();
    let mut notes = vec![format!(" Written by : chipfloor {VERSION}")];
    for w in CostWeights::STANDARD {
        notes.push(format!(" {w} : {}", costs.proxy(w)));
    }
    notes.push(format!(" HPWL um : {}", costs.hpwl));
    notes.push(format!(" Out-of-grid rule : {}", params.oob));
    notes.push(format!(" Square soft macros : {}", params.square_soft_macros));
    if costs.congestion_nets_skipped_oob > 0 {
        notes.push(format!(
            " Nets skipped in congestion (pins outside the grid) : {}",
            costs.congestion_nets_skipped_oob
        ));
    }
    for (k, v) in extra {
        let clean = |s: &str| s.replace(['\n', '\r'], " ");
        let key = clean(k.trim());
        let reserved =
            RESERVED.iter().any(|r| key.len() >= r.len() && key[..r.len()].eq_ignore_ascii_case(r))
                || key.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-');
        let key = if reserved { format!("x-{key}") } else { key };
        notes.push(format!(" {key} : {}", clean(v)));
    }
    PlcHeader {
        columns: Some(params.cols),
        rows: Some(params.rows),
        width: Some(params.canvas_width),
        height: Some(params.canvas_height),
        hroutes_per_micron: Some(params.hroutes_per_micron),
        vroutes_per_micron: Some(params.vroutes_per_micron),
        hrouting_alloc: Some(params.hrouting_alloc),
        vrouting_alloc: Some(params.vrouting_alloc),
        smoothing_factor: Some(params.smooth_range as f64),
        overlap_threshold: Some(OVERLAP_THRESHOLD),
        congestion_columns: None,
        congestion_rows: None,
        block: nl.header.block.clone().filter(|b| !b.trim().is_empty()),
        project: Some("chipfloor".into()),
        area: Some(area),
        wirelength: Some(costs.hpwl),
        wirelength_cost: Some(costs.wirelength_cost),
        congestion_cost: Some(costs.congestion_cost),
        density_cost: Some(costs.density_cost),
        fake_net_cost: None,
        node_counts: PlcHeader::node_counts_of(nl),
        blockages: nl.header.blockages.clone(),
        comments: Vec::new(),
        notes,
    }
}

/// The costs as `chipfloor eval --format json`, `place`'s and the service's `report.json` give
/// them: the three components, `hpwl_um`, net counts, `unvalidated` and a `proxy` object keyed
/// by explicit weights (`proxy[wl=1,den=0.5,cong=0.5]`, one entry per `weights`).
pub fn costs_json(c: &CostBreakdown, weights: &[CostWeights]) -> Map<String, Value> {
    let proxies: Map<String, Value> =
        weights.iter().map(|&w| (w.to_string(), json!(c.proxy(w)))).collect();
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

/// The cost parameters as a JSON object (the keys of `eval --format json` and `report.json`).
pub fn params_json(p: &CostParams) -> Value {
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

/// The legality report as a JSON object (the keys of `eval --format json` and `report.json`).
pub fn legality_json(l: &LegalityReport) -> Value {
    json!({
        "legal": l.is_legal(),
        "hard_macro_overlap_pairs": l.hard_macro_overlap_pairs,
        "hard_macro_overlap_area": l.hard_macro_overlap_area,
        "hard_macros_outside_canvas": l.hard_macros_outside_canvas,
        "soft_macros_outside_canvas": l.soft_macros_outside_canvas,
    })
}

/// Pipeline stage reports as a JSON array of `{name, seconds, stats: {..}}`.
pub fn stages_json(stages: &[StageReport]) -> Value {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::{evaluate, CostOverrides, CostParams, OobRule};
    use netlists::generate::{generate, GenConfig};
    use netlists::plc;

    #[test]
    fn header_reads_back_to_the_same_parameters_and_costs() {
        let (nl, pl) = generate(&GenConfig { seed: 3, ..GenConfig::default() }).unwrap();
        let ov = CostOverrides {
            grid: Some((7, 5)),
            smooth_range: Some(2.0),
            routes_per_micron: Some((10.5, 11.25)),
            routing_alloc: Some((3.0, 4.0)),
            oob: Some(OobRule::Clamp),
            ..Default::default()
        };
        let params = CostParams::resolve(&nl, None, &ov).unwrap();
        let costs = evaluate(&nl, &pl, &params).unwrap();
        let h = plc_header(
            &nl,
            &params,
            &costs,
            &[("Method", "sa".into()), ("Seed", "7".into()), ("Width", "1\n2".into())],
        );
        let text = plc::to_string(&nl, &pl, &h);
        assert!(text.contains("# Method : sa\n"), "{text}");
        assert!(text.contains("# x-Width : 1 2\n"), "{text}");
        assert!(text.contains("# proxy[wl=1,den=0.5,cong=0.5] : "), "{text}");
        assert!(text.contains("# proxy[wl=1,den=1,cong=0.5] : "), "{text}");
        let back = plc::parse_str(&text, std::path::Path::new("x.plc")).unwrap();
        // oob is not a header field: it stays an explicit setting.
        let again = CostParams::resolve(
            &nl,
            Some(&back.header),
            &CostOverrides { oob: Some(OobRule::Clamp), ..Default::default() },
        )
        .unwrap();
        assert_eq!(again, params);
        assert_eq!(back.header.wirelength_cost, Some(costs.wirelength_cost));
        assert_eq!(back.header.density_cost, Some(costs.density_cost));
        assert_eq!(back.header.congestion_cost, Some(costs.congestion_cost));
        assert_eq!(back.header.wirelength, Some(costs.hpwl));
        assert!(back.header.count_mismatches(&nl).is_empty());
        let mut pl2 = nl.initial_placement();
        back.apply_strict(&nl, &mut pl2, std::path::Path::new("x.plc")).unwrap();
        assert_eq!(evaluate(&nl, &pl2, &again).unwrap(), costs);
    }

    #[test]
    fn json_pieces_have_the_report_keys() {
        let (nl, pl) = generate(&GenConfig { seed: 3, ..GenConfig::default() }).unwrap();
        let params = CostParams::resolve(&nl, None, &CostOverrides::default()).unwrap();
        let costs = evaluate(&nl, &pl, &params).unwrap();
        let c = costs_json(&costs, &CostWeights::STANDARD);
        let keys: Vec<&str> = c.keys().map(String::as_str).collect();
        for k in ["wirelength_cost", "density_cost", "congestion_cost", "hpwl_um", "proxy"] {
            assert!(keys.contains(&k), "{keys:?}");
        }
        let w = CostWeights::STANDARD[0];
        assert_eq!(c["proxy"][w.to_string()].as_f64(), Some(costs.proxy(w)));
        assert_eq!(c["proxy"].as_object().unwrap().len(), CostWeights::STANDARD.len());
        let p = params_json(&params);
        assert_eq!(p["grid_cols"].as_u64(), Some(params.cols as u64));
        assert_eq!(p["oob"], params.oob.as_str());
        let l = legality_json(&crate::legality::check(
            &nl,
            &pl,
            params.canvas_width,
            params.canvas_height,
        ));
        assert!(l["legal"].is_boolean());
        let st = vec![StageReport {
            name: "sa".into(),
            seconds: 0.5,
            stats: vec![("moves".into(), 10.0)],
        }];
        assert_eq!(
            stages_json(&st),
            json!([{ "name": "sa", "seconds": 0.5, "stats": { "moves": 10.0 } }])
        );
    }
}
