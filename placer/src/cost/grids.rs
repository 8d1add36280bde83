//! Per-cell grids behind the density and congestion costs, for heat maps and debugging
//! ([`CostModel::grids`]).

use netlists::Placement;

use super::full::EvalScratch;
use super::model::CostModel;
use super::{CostBreakdown, CostError};

/// The per-cell quantities behind the density and congestion costs of one placement
/// (`PROXY_COST.md` §8, §9), and the costs themselves.
///
/// Every grid is row-major with `rows · cols` entries: index `r · cols + c`, row 0 at `y = 0`
/// (the layout of `shared/golden/cases/*.grids.json`).
#[derive(Clone, Debug, PartialEq)]
pub struct CostGrids {
    /// Grid columns `C`.
    pub cols: usize,
    /// Grid rows `R`.
    pub rows: usize,
    /// Cell density: covered macro (and standard-cell) area over the cell area (§8).
    pub density: Vec<f64>,
    /// Vertical congestion after smoothing and macro allocation, `V' + Vm` (§9.8).
    pub v: Vec<f64>,
    /// Horizontal congestion after smoothing and macro allocation, `H' + Hm` (§9.8).
    pub h: Vec<f64>,
    /// Vertical net demand, normalised and smoothed (`V'`, §9.6).
    pub v_net: Vec<f64>,
    /// Horizontal net demand, normalised and smoothed (`H'`, §9.6).
    pub h_net: Vec<f64>,
    /// Vertical macro routing allocation, normalised (`Vm`, §9.7).
    pub v_macro: Vec<f64>,
    /// Horizontal macro routing allocation, normalised (`Hm`, §9.7).
    pub h_macro: Vec<f64>,
    /// The three cost components of the same placement.
    pub costs: CostBreakdown,
}

impl CostGrids {
    /// Per-cell congestion `max(V, H)`: the larger of the two directions, the quantity whose
    /// top 5 % (over both directions) the congestion cost averages.
    pub fn congestion(&self) -> Vec<f64> {
        self.v.iter().zip(&self.h).map(|(v, h)| v.max(*h)).collect()
    }

    /// Value at row `r`, column `c` of one of the grids.
    pub fn at(&self, grid: &[f64], r: usize, c: usize) -> f64 {
        grid[r * self.cols + c]
    }
}

impl CostModel {
    /// Evaluates a placement and returns the per-cell density and congestion grids with the
    /// costs. Allocates; use [`evaluate`](CostModel::evaluate) in loops.
    ///
    /// Errors only when the placement has fewer entries than the netlist has nodes.
    pub fn grids(&self, pl: &Placement) -> Result<CostGrids, CostError> {
        let mut s = EvalScratch::default();
        let costs = self.evaluate(pl, &mut s)?;
        let [occ, vdiff, hdiff, vm, hm] = s.raw();
        let g = &self.grid;
        let (cols, rows) = (g.cols, g.rows);
        let n = cols * rows;
        let area = g.gw * g.gh;
        let vcap = g.gw * self.params.vroutes_per_micron;
        let hcap = g.gh * self.params.hroutes_per_micron;
        let density: Vec<f64> = occ.iter().map(|&o| o / area).collect();
        // Net demand: prefix sums of the difference arrays (V down each column, H along each
        // row), normalised (§9.5).
        let mut vn = vec![0.0; n];
        let mut hn = vec![0.0; n];
        for c in 0..cols {
            let mut acc = 0.0;
            for r in 0..rows {
                acc += vdiff[r * cols + c];
                vn[r * cols + c] = acc / vcap;
            }
        }
        for r in 0..rows {
            let mut acc = 0.0;
            for c in 0..cols {
                acc += hdiff[r * cols + c];
                hn[r * cols + c] = acc / hcap;
            }
        }
        // Smoothing (§9.6): V along the row, H along the column.
        let k = self.params.smooth_range as usize;
        let (v_net, h_net) = if k == 0 {
            (vn, hn)
        } else {
            let mut sv = vec![0.0; n];
            let mut sh = vec![0.0; n];
            for r in 0..rows {
                for c in 0..cols {
                    let lo = c.saturating_sub(k);
                    let hi = c.saturating_add(k).min(cols - 1);
                    let val = vn[r * cols + c] / (hi - lo + 1) as f64;
                    for p in lo..=hi {
                        sv[r * cols + p] += val;
                    }
                    let lo = r.saturating_sub(k);
                    let hi = r.saturating_add(k).min(rows - 1);
                    let val = hn[r * cols + c] / (hi - lo + 1) as f64;
                    for p in lo..=hi {
                        sh[p * cols + c] += val;
                    }
                }
            }
            (sv, sh)
        };
        let v_macro: Vec<f64> = vm.iter().map(|&x| x / vcap).collect();
        let h_macro: Vec<f64> = hm.iter().map(|&x| x / hcap).collect();
        let v = v_net.iter().zip(&v_macro).map(|(a, b)| a + b).collect();
        let h = h_net.iter().zip(&h_macro).map(|(a, b)| a + b).collect();
        Ok(CostGrids { cols, rows, density, v, h, v_net, h_net, v_macro, h_macro, costs })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use netlists::testdata::require_shared;
    use netlists::{pb_txt, plc};
    use serde_json::Value;

    use crate::cost::{CostModel, CostParams, OobRule};

    fn params_of(s: &Value) -> CostParams {
        let f = |k: &str| s[k].as_f64().unwrap();
        CostParams {
            canvas_width: f("canvas_width"),
            canvas_height: f("canvas_height"),
            cols: f("grid_cols") as u32,
            rows: f("grid_rows") as u32,
            hroutes_per_micron: f("hroutes_per_micron"),
            vroutes_per_micron: f("vroutes_per_micron"),
            hrouting_alloc: f("hrouting_alloc"),
            vrouting_alloc: f("vrouting_alloc"),
            smooth_range: f("smooth_range").floor() as u32,
            square_soft_macros: s["square_soft_macros"].as_bool().unwrap(),
            oob: if s["oob"].as_str() == Some("clamp") { OobRule::Clamp } else { OobRule::SkipNet },
        }
    }

    /// Top-k mean as the reference defines it, from the grids.
    fn top_mean(v: &[f64], k: usize) -> f64 {
        let mut s = v.to_vec();
        s.sort_by(|a, b| b.total_cmp(a));
        s[..k].iter().sum::<f64>() / k as f64
    }

    /// The grids equal the reference evaluator's (`*.grids.json`) on golden cases that cover
    /// smoothing, clamping, squaring, odd grids and blockages, and the costs recomputed from
    /// them equal the engine's.
    #[test]
    fn grids_match_the_golden_cases() {
        let Some(gj) = require_shared("golden/golden.json") else { return };
        let golden = gj.parent().unwrap().to_path_buf();
        let cases: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(&gj).unwrap()).unwrap();
        let wanted = [
            "ct_macro_tiles_10x10__smooth4",
            "ct_macro_tiles_10x10__grid25x23",
            "ct_sample_clustered__initial",
            "ct_sample_clustered__square",
            "ct_simple_grouped_with_coords__smooth4",
            "ct_simple_grouped_with_coords_with_blockage__rand1",
            "ariane133_ng45__smooth2",
            "ariane133_ng45__initial",
        ];
        let mut cache = BTreeMap::new();
        let mut checked = 0;
        for case in cases.iter().filter(|c| wanted.contains(&c["case"].as_str().unwrap())) {
            let name = case["case"].as_str().unwrap();
            let Some(gpath) = case["grids"].as_str() else { continue };
            let np = case["netlist"].as_str().unwrap().to_string();
            let nl = cache
                .entry(np.clone())
                .or_insert_with(|| pb_txt::read(&golden.join(&np)).unwrap())
                .clone();
            let mut pl = nl.initial_placement();
            if let Some(p) = case["plc"].as_str() {
                let path = golden.join(p);
                plc::read(&path).unwrap().apply(&nl, &mut pl, &path).unwrap();
            }
            let p = params_of(&case["settings"]);
            let g = CostModel::new(&nl, &p).unwrap().grids(&pl).unwrap();
            let want: Value =
                serde_json::from_str(&std::fs::read_to_string(golden.join(gpath)).unwrap())
                    .unwrap();
            for (key, got) in [
                ("density", &g.density),
                ("V", &g.v),
                ("H", &g.h),
                ("V_macro", &g.v_macro),
                ("H_macro", &g.h_macro),
            ] {
                let w: Vec<f64> =
                    want[key].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
                assert_eq!(w.len(), got.len(), "{name} {key}");
                for (i, (a, b)) in got.iter().zip(&w).enumerate() {
                    assert!(
                        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
                        "{name} {key}[{i}]: {a} != {b}"
                    );
                }
            }
            // Costs from the grids (§8, §9.8) equal the engine's.
            let n = g.cols * g.rows;
            if n >= 10 {
                let d = 0.5 * top_mean(&g.density, n / 10);
                assert!((d - g.costs.density_cost).abs() < 1e-12, "{name} density");
            }
            let mut l = g.v.clone();
            l.extend_from_slice(&g.h);
            let m = 2 * n / 20;
            let c =
                if m == 0 { l.iter().copied().fold(f64::MIN, f64::max) } else { top_mean(&l, m) };
            assert!((c - g.costs.congestion_cost).abs() < 1e-12, "{name} congestion");
            assert_eq!(g.congestion().len(), n);
            checked += 1;
        }
        assert!(checked >= 6, "only {checked} golden grid cases found");
    }
}
