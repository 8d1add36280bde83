//! Runs every case of `shared/golden/golden.json` through the cost engine and the legality
//! report, and checks parameter resolution from `.plc` headers (`PROXY_COST.md` §14).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use netlists::testdata::{require_shared, shared_dir};
use netlists::{pb_txt, plc, Netlist, Placement};
use placer::cost::{CostModel, CostOverrides, CostParams, CostWeights, EvalScratch, OobRule};
use placer::legality::{check_with, LegalityOptions};
use serde_json::Value;

fn load(
    golden: &Path,
    case: &Value,
    cache: &mut BTreeMap<String, Netlist>,
) -> (Netlist, Placement, Option<plc::PlcFile>) {
    let np = case["netlist"].as_str().unwrap().to_string();
    let nl =
        cache.entry(np.clone()).or_insert_with(|| pb_txt::read(&golden.join(&np)).unwrap()).clone();
    let mut pl = nl.initial_placement();
    let pf = case["plc"].as_str().map(|p| {
        let path = golden.join(p);
        let pf = plc::read(&path).unwrap();
        pf.apply(&nl, &mut pl, &path).unwrap();
        pf
    });
    (nl, pl, pf)
}

fn params_of(s: &Value) -> CostParams {
    let f = |k: &str| s[k].as_f64().unwrap();
    let oob = match s["oob"].as_str().unwrap_or("skipnet") {
        "skipnet" => OobRule::SkipNet,
        "clamp" => OobRule::Clamp,
        o => panic!("unsupported oob rule {o}"),
    };
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
        oob,
    }
}

fn rel_close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300) || a == b
}

#[test]
fn golden_cases() {
    let Some(gj) = require_shared("golden/golden.json") else { return };
    let golden = gj.parent().unwrap().to_path_buf();
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&gj).unwrap()).unwrap();
    assert_eq!(cases.len(), 185);
    let mut cache = BTreeMap::new();
    let mut failures: Vec<(String, String)> = Vec::new();
    let mut scratch = EvalScratch::default();
    for case in &cases {
        let name = case["case"].as_str().unwrap().to_string();
        let s = &case["settings"];
        assert_eq!(s["flavor"].as_str(), Some("google"), "{name}: only the google flavour exists");
        let (nl, pl, _) = load(&golden, case, &mut cache);
        let p = params_of(s);
        // Resolution with every field overridden must give the same parameters.
        let ov = CostOverrides {
            canvas: Some((p.canvas_width, p.canvas_height)),
            grid: Some((p.cols, p.rows)),
            routes_per_micron: Some((p.hroutes_per_micron, p.vroutes_per_micron)),
            routing_alloc: Some((p.hrouting_alloc, p.vrouting_alloc)),
            smooth_range: Some(s["smooth_range"].as_f64().unwrap()),
            square_soft_macros: Some(p.square_soft_macros),
            oob: Some(p.oob),
        };
        assert_eq!(CostParams::resolve(&nl, None, &ov).unwrap(), p, "{name}");
        let model = CostModel::new(&nl, &p).unwrap();
        let c = model.evaluate(&pl, &mut scratch).unwrap();
        let leg = check_with(
            &nl,
            &pl,
            p.canvas_width,
            p.canvas_height,
            &LegalityOptions { square_soft_macros: p.square_soft_macros, ..Default::default() },
        );
        let e = &case["expected"];
        let ef = |k: &str| e[k].as_f64().unwrap();
        let eu = |k: &str| e[k].as_u64().unwrap() as usize;
        let mut errs: Vec<String> = Vec::new();
        for (k, got) in [
            ("wirelength_cost", c.wirelength_cost),
            ("density_cost", c.density_cost),
            ("congestion_cost", c.congestion_cost),
        ] {
            if (got - ef(k)).abs() > 1e-9 || got.is_nan() {
                errs.push(format!("{k} {got:.15} != {:.15}", ef(k)));
            }
        }
        if !rel_close(c.hpwl, ef("wirelength"), 1e-9) {
            errs.push(format!("wirelength {} != {}", c.hpwl, ef("wirelength")));
        }
        if !rel_close(c.proxy(CostWeights::GOOGLE_INTERNAL), ef("proxy_cost"), 1e-9) {
            errs.push(format!(
                "proxy {} != {}",
                c.proxy(CostWeights::GOOGLE_INTERNAL),
                ef("proxy_cost")
            ));
        }
        if c.net_weight_sum != ef("net_weight_sum") {
            errs.push(format!("net_weight_sum {} != {}", c.net_weight_sum, ef("net_weight_sum")));
        }
        if c.nets != eu("nets") {
            errs.push(format!("nets {} != {}", c.nets, eu("nets")));
        }
        for (k, got) in [
            ("congestion_nets_skipped_oob", c.congestion_nets_skipped_oob),
            ("hard_macro_overlap_pairs", leg.hard_macro_overlap_pairs),
            ("hard_macros_outside_canvas", leg.hard_macros_outside_canvas),
            ("soft_macros_outside_canvas", leg.soft_macros_outside_canvas),
        ] {
            if got != eu(k) {
                errs.push(format!("{k} {got} != {}", eu(k)));
            }
        }
        if !rel_close(leg.hard_macro_overlap_area, ef("hard_macro_overlap_area"), 1e-9) {
            errs.push(format!(
                "hard_macro_overlap_area {} != {}",
                leg.hard_macro_overlap_area,
                ef("hard_macro_overlap_area")
            ));
        }
        if !errs.is_empty() {
            let flags: Vec<&str> =
                case["flags"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
            failures.push((format!("{name} [{}]", flags.join(",")), errs.join("; ")));
        }
    }
    if !failures.is_empty() {
        eprintln!("{} of {} golden cases fail:", failures.len(), cases.len());
        eprintln!("{:<60} | problems", "case [flags]");
        for (n, e) in &failures {
            eprintln!("{n:<60} | {e}");
        }
        panic!("{} of {} golden cases fail", failures.len(), cases.len());
    }
    eprintln!("{}/{} golden cases pass", cases.len(), cases.len());
}

fn ariane() -> Option<(PathBuf, Netlist)> {
    let p = require_shared("benchmarks/ariane133_ng45/netlist.pb.txt.gz")?;
    let nl = pb_txt::read(&p).unwrap();
    Some((p.parent().unwrap().to_path_buf(), nl))
}

/// Parameters from the `.plc` header alone; costs against the header values (6e-5) and the
/// §14 table (1e-9).
#[test]
fn ariane133_params_from_plc_header() {
    let Some((dir, nl)) = ariane() else { return };
    // (plc, oob, wl, den, cong)
    let cases = [
        ("legalized.plc", OobRule::SkipNet, 0.073568224, 0.498817906, 0.725914890),
        ("initial.plc", OobRule::SkipNet, 0.049722135, 0.606734846, 0.712776949),
        ("initial.plc", OobRule::Clamp, 0.049722135, 0.606734846, 0.715673449),
    ];
    for (name, oob, wl, den, cong) in cases {
        let path = dir.join(name);
        let pf = plc::read(&path).unwrap();
        let mut pl = nl.initial_placement();
        let missing = pf.apply(&nl, &mut pl, &path).unwrap();
        assert!(missing.is_empty());
        let ov = CostOverrides { oob: Some(oob), ..Default::default() };
        let p = CostParams::resolve(&nl, Some(&pf.header), &ov).unwrap();
        assert_eq!((p.canvas_width, p.canvas_height), (1433.406, 1433.406));
        assert_eq!((p.cols, p.rows), (24, 21));
        assert_eq!((p.hroutes_per_micron, p.vroutes_per_micron), (57.031, 56.818));
        assert_eq!((p.hrouting_alloc, p.vrouting_alloc), (39.583, 30.303));
        assert_eq!(p.smooth_range, 0);
        assert!(!p.square_soft_macros);
        let c = placer::evaluate(&nl, &pl, &p).unwrap();
        let h = &pf.header;
        if oob == OobRule::SkipNet {
            assert!((c.wirelength_cost - h.wirelength_cost.unwrap()).abs() <= 6e-5, "{name}");
            assert!((c.density_cost - h.density_cost.unwrap()).abs() <= 6e-5, "{name}");
            assert!((c.congestion_cost - h.congestion_cost.unwrap()).abs() <= 6e-5, "{name}");
            // Google's float32-like HPWL: within 1e-6 relative.
            assert!(
                rel_close(c.hpwl, h.wirelength.unwrap(), 1e-6),
                "{name} {} {:?}",
                c.hpwl,
                h.wirelength
            );
        }
        for (got, want, what) in [
            (c.wirelength_cost, wl, "wl"),
            (c.density_cost, den, "den"),
            (c.congestion_cost, cong, "cong"),
        ] {
            assert!((got - want).abs() <= 1e-9, "{name} {oob}: {what} {got} != {want}");
        }
        if name == "legalized.plc" {
            assert!((c.proxy(CostWeights::GOOGLE_INTERNAL) - 0.685934622).abs() <= 1e-9);
            assert!((c.proxy(CostWeights::CT_DEFAULT) - 0.935343575).abs() <= 1e-9);
            let rep = placer::CostReport::new(&c, &p).to_string();
            assert!(rep.contains("proxy[wl=1,den=0.5,cong=0.5] 0.685935"), "{rep}");
            assert!(rep.contains("proxy[wl=1,den=1,cong=0.5] 0.935344"), "{rep}");
            assert!(rep.contains("wirelength_cost 0.073568  density_cost 0.498818  congestion_cost 0.725915  hpwl_um 4763107.1"), "{rep}");
        }
        if name == "initial.plc" && oob == OobRule::Clamp {
            assert!((c.proxy(CostWeights::GOOGLE_INTERNAL) - 0.710926282).abs() <= 1e-9);
        }
    }
    // Soft macros squared (§14): density 0.498817803.
    let path = dir.join("legalized.plc");
    let pf = plc::read(&path).unwrap();
    let mut pl = nl.initial_placement();
    pf.apply(&nl, &mut pl, &path).unwrap();
    let ov = CostOverrides { square_soft_macros: Some(true), ..Default::default() };
    let p = CostParams::resolve(&nl, Some(&pf.header), &ov).unwrap();
    let c = placer::evaluate(&nl, &pl, &p).unwrap();
    assert!((c.density_cost - 0.498817803).abs() <= 1e-9, "{}", c.density_cost);
}

/// CT's golden test (`plc_client_test.py`): `macro_tiles_10x10` netlist only, Google defaults.
#[test]
fn macro_tiles_10x10_google_defaults() {
    let Some(dir) = shared_dir() else {
        assert!(std::env::var_os("CI").is_none(), "shared data missing");
        return;
    };
    let path = dir.join("golden/netlists/ct_macro_tiles_10x10/netlist.pb.txt");
    if !path.exists() {
        assert!(std::env::var_os("CI").is_none(), "{} missing", path.display());
        eprintln!("note: skipping: {} missing", path.display());
        return;
    }
    let nl = pb_txt::read(&path).unwrap();
    let p = CostParams::resolve(&nl, None, &CostOverrides::default()).unwrap();
    assert!((p.canvas_width - 645.4972243679028).abs() < 1e-9);
    assert_eq!((p.cols, p.rows), (10, 10));
    let c = placer::evaluate(&nl, &nl.initial_placement(), &p).unwrap();
    assert!((c.hpwl - 5400.0).abs() < 1e-9);
    assert_eq!(c.nets, 540);
    assert!((c.wirelength_cost - 0.007745966692414834).abs() <= 1e-12, "{}", c.wirelength_cost);
    assert!((c.density_cost - 0.3570806661517036).abs() <= 1e-12, "{}", c.density_cost);
    assert!((c.congestion_cost - 1.124405186246434).abs() <= 1e-12, "{}", c.congestion_cost);
    // CT HEAD routing instead of the Google defaults does not match the golden value.
    let ov = CostOverrides {
        routes_per_micron: Some((70.33, 74.51)),
        routing_alloc: Some((51.79, 51.79)),
        ..Default::default()
    };
    let p2 = CostParams::resolve(&nl, None, &ov).unwrap();
    let c2 = placer::evaluate(&nl, &nl.initial_placement(), &p2).unwrap();
    assert!((c2.congestion_cost - 1.2216090323105853).abs() <= 1e-12, "{}", c2.congestion_cost);
}
