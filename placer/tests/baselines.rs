//! The placement methods without learning (random, greedy, legalisation, coordinate descent)
//! on the shared reference data: the `macro_tiles_10x10` mask oracle, legalisation of
//! Ariane133's `initial.plc`, and agreement of every method's `.plc` output with the
//! reference evaluator `shared/tools/refcost.py`.

use std::path::{Path, PathBuf};
use std::process::Command;

use netlists::plc::{self, PlcHeader};
use netlists::testdata::require_shared;
use netlists::{pb_txt, Netlist, NetlistBuilder, NodeId, NodeKind, NodeSpec, Placement};
use placer::cost::{evaluate, CostOverrides, CostParams};
use placer::place::{
    cell_mask, coordinate_descent, legalize, place_greedy, place_random, Budget, CdConfig,
    GreedyConfig, NoProgress, Occupancy, PlaceError, PlacementGrid, Rect,
};
use serde_json::Value;

/// Netlist, its netlist-attribute placement, and the placement and parameters of a `.plc`.
fn load_golden(
    netlist: &str,
    plc_rel: &str,
) -> Option<(Netlist, Placement, Placement, CostParams)> {
    let np = require_shared(&format!("golden/netlists/{netlist}/netlist.pb.txt"))?;
    let pp = require_shared(&format!("golden/cases/{plc_rel}"))?;
    let nl = pb_txt::read(&np).unwrap();
    let attrs = nl.initial_placement();
    let pf = plc::read(&pp).unwrap();
    let mut pl = nl.initial_placement();
    pf.apply(&nl, &mut pl, &pp).unwrap();
    let p = CostParams::resolve(&nl, Some(&pf.header), &CostOverrides::default()).unwrap();
    Some((nl, attrs, pl, p))
}

fn assert_legal_complete(nl: &Netlist, pl: &Placement, p: &CostParams, what: &str) {
    let rep = placer::legality::check(nl, pl, p.canvas_width, p.canvas_height);
    assert!(rep.is_legal(), "{what}: {rep:?}");
    for m in nl.hard_macros() {
        assert!(pl.placed[m.index()], "{what}: {} not placed", nl.name(m));
    }
}

#[test]
fn macro_tiles_mask_oracle() {
    // CIRCUIT_TRAINING.md §2.6: with the 1200² canvas and 20 × 20 grid (60 µm cells), a 50 × 50
    // macro is masked on exactly the 10 × 10 block of cells covered by the tile array at
    // [10, 600]². The case with that canvas and grid is `ct_macro_tiles_10x10__initial`; the
    // tile array is the netlist's own coordinates.
    let Some(gj) = require_shared("golden/golden.json") else { return };
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&gj).unwrap()).unwrap();
    let case = cases
        .iter()
        .find(|c| {
            let s = &c["settings"];
            c["netlist_name"] == "ct_macro_tiles_10x10"
                && s["canvas_width"] == 1200.0
                && s["grid_cols"] == 20
                && s["grid_rows"] == 20
                && c["variant"] == "initial"
        })
        .expect("ct_macro_tiles_10x10 case with a 1200² canvas and a 20 × 20 grid");
    let plc_rel = Path::new(case["plc"].as_str().unwrap()).file_name().unwrap().to_str().unwrap();
    let Some((nl, attrs, _, p)) = load_golden("ct_macro_tiles_10x10", plc_rel) else { return };
    assert_eq!((p.canvas_width, p.canvas_height, p.cols, p.rows), (1200.0, 1200.0, 20, 20));
    let grid = PlacementGrid::new(&p);
    let hard = nl.hard_macros();
    assert_eq!(hard.len(), 100);
    let occ = Occupancy::from_placement(&nl, &attrs, p.canvas_width, p.canvas_height);
    let block = |cell: usize| {
        let (r, c) = grid.row_col(cell);
        r < 10 && c < 10
    };
    // Any 50 × 50 macro against all 100 tiles.
    for cell in 0..grid.len() {
        let (x, y) = grid.centre(cell);
        let blocked = occ.overlaps(&Rect::centred(x, y, 50.0, 50.0), None, None);
        assert_eq!(blocked, block(cell), "cell {cell}");
    }
    // cell_mask of one tile with the 99 others placed: the block minus the tile's own cell.
    let m = NodeId(0);
    assert_eq!(nl.name(m), "M_R0_C0");
    let mut occ = occ.clone();
    occ.remove(m);
    let mut mask = Vec::new();
    cell_mask(&nl, m, &grid, &occ, &mut mask);
    let own = grid.cell_of(attrs.x[0], attrs.y[0]);
    assert_eq!(own, 0);
    for (cell, &ok) in mask.iter().enumerate() {
        assert_eq!(!ok, block(cell) && cell != own, "cell {cell}");
    }
    assert_eq!(mask.iter().filter(|&&ok| !ok).count(), 99);
}

#[test]
fn ariane_initial_plc_legalizes_by_moving_only_the_macros_outside() {
    let Some(dir) = require_shared("benchmarks/ariane133_ng45") else { return };
    let nl = pb_txt::read(&dir.join("netlist.pb.txt.gz")).unwrap();
    let path = dir.join("initial.plc");
    let pf = plc::read(&path).unwrap();
    let mut pl = nl.initial_placement();
    pf.apply(&nl, &mut pl, &path).unwrap();
    let p = CostParams::resolve(&nl, Some(&pf.header), &CostOverrides::default()).unwrap();
    let rep = placer::legality::check(&nl, &pl, p.canvas_width, p.canvas_height);
    assert_eq!(rep.hard_macros_outside_canvas, 18);
    assert_eq!(rep.hard_macro_overlap_pairs, 0);
    let outside: Vec<NodeId> =
        rep.outside.iter().copied().filter(|&i| nl.kind(i) == NodeKind::HardMacro).collect();
    let before = pl.clone();
    let s = legalize(&nl, &mut pl, &p).unwrap();
    assert_legal_complete(&nl, &pl, &p, "legalized initial.plc");
    let mut moved = s.moved_macros.clone();
    moved.sort();
    assert_eq!(moved, outside);
    for id in nl.ids() {
        let i = id.index();
        if !moved.contains(&id) {
            assert_eq!((pl.x[i], pl.y[i]), (before.x[i], before.y[i]), "{}", nl.name(id));
        }
        assert_eq!(pl.orientation[i], before.orientation[i]);
    }
    println!(
        "ariane initial.plc: moved {} macros, total displacement {:.3} um, max {:.3} um",
        s.moved, s.total_displacement, s.max_displacement
    );
    // Each moved macro travels at least to the canvas, and ends legal where it stopped.
    let (cw, ch) = (p.canvas_width, p.canvas_height);
    let mut lower = 0.0;
    for &m in &moved {
        let i = m.index();
        let (hw, hh) = (nl.width[i] / 2.0, nl.height[i] / 2.0);
        let d = (before.x[i] - before.x[i].clamp(hw, cw - hw)).abs()
            + (before.y[i] - before.y[i].clamp(hh, ch - hh)).abs();
        let got = (pl.x[i] - before.x[i]).abs() + (pl.y[i] - before.y[i]).abs();
        assert!(got >= d - 1e-9, "{}: {got} < {d}", nl.name(m));
        lower += d;
    }
    assert!(s.total_displacement >= lower - 1e-9 && s.total_displacement.is_finite());
    assert_eq!(s.moved, 18);
}

#[test]
fn methods_fail_clearly_when_the_macros_cannot_fit() {
    let mut b = NetlistBuilder::new();
    for k in 0..5 {
        b.push(NodeSpec {
            name: format!("BIG{k}"),
            kind: Some(NodeKind::HardMacro),
            width: 60.0,
            height: 60.0,
            ..Default::default()
        });
    }
    let nl = b.build().unwrap();
    let init = nl.initial_placement();
    let p = CostParams {
        canvas_width: 100.0,
        canvas_height: 100.0,
        cols: 5,
        rows: 5,
        ..Default::default()
    };
    let check = |e: PlaceError| {
        let msg = e.to_string();
        assert!(matches!(e, PlaceError::NoLegalCell { .. }), "{msg}");
        assert!(msg.contains("BIG"), "{msg}");
        assert!(msg.contains("no legal cell left"), "{msg}");
    };
    check(place_random(&nl, &init, &p, 1).unwrap_err());
    check(
        place_greedy(&nl, &init, &p, &GreedyConfig::default(), &Budget::default(), &NoProgress)
            .unwrap_err(),
    );
    check(legalize(&nl, &mut init.clone(), &p).unwrap_err());
    let cd = coordinate_descent(
        &nl,
        &mut init.clone(),
        &p,
        &CdConfig::default(),
        1,
        &Budget::default(),
        &NoProgress,
    );
    check(cd.unwrap_err());
}

/// Where `refcost.py` is, or `None` (skip, or panic under CI) when it or `python3` is missing.
fn refcost() -> Option<PathBuf> {
    let tool = require_shared("tools/refcost.py")?;
    let ok = Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "python3 is required under CI");
        eprintln!("note: skipping refcost comparison: python3 not found");
        return None;
    }
    Some(tool)
}

/// Writes `pl` as a `.plc` with the parameters in its header, runs refcost on it with the
/// same settings, and compares the three costs with `placer::cost::evaluate` (1e-9).
fn check_against_refcost(
    tool: &Path,
    netlist: &Path,
    nl: &Netlist,
    pl: &Placement,
    p: &CostParams,
    name: &str,
) {
    assert!(!p.square_soft_macros && p.oob == placer::OobRule::SkipNet);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("baselines-{}-{name}.plc", std::process::id()));
    let header = PlcHeader {
        columns: Some(p.cols),
        rows: Some(p.rows),
        width: Some(p.canvas_width),
        height: Some(p.canvas_height),
        hroutes_per_micron: Some(p.hroutes_per_micron),
        vroutes_per_micron: Some(p.vroutes_per_micron),
        hrouting_alloc: Some(p.hrouting_alloc),
        vrouting_alloc: Some(p.vrouting_alloc),
        smoothing_factor: Some(p.smooth_range as f64),
        node_counts: PlcHeader::node_counts_of(nl),
        ..Default::default()
    };
    plc::write(&path, nl, pl, &header).unwrap();
    // What the file holds is what is compared (the writer prints shortest round-trip floats).
    let back = plc::read(&path).unwrap();
    let mut pl2 = nl.initial_placement();
    back.apply_strict(nl, &mut pl2, &path).unwrap();
    let ours = evaluate(nl, &pl2, p).unwrap();
    let d = |v: f64| format!("{v}");
    let out = Command::new("python3")
        .arg(tool)
        .arg(netlist)
        .arg(&path)
        .arg("--json")
        .args(["--canvas", &d(p.canvas_width), &d(p.canvas_height)])
        .args(["--grid", &p.cols.to_string(), &p.rows.to_string()])
        .args(["--routes", &d(p.hroutes_per_micron), &d(p.vroutes_per_micron)])
        .args(["--alloc", &d(p.hrouting_alloc), &d(p.vrouting_alloc)])
        .args(["--smooth", &p.smooth_range.to_string()])
        .args(["--oob", "skipnet"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}: refcost failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for (k, got) in [
        ("wirelength_cost", ours.wirelength_cost),
        ("density_cost", ours.density_cost),
        ("congestion_cost", ours.congestion_cost),
    ] {
        let r = v[k].as_f64().unwrap();
        assert!((got - r).abs() <= 1e-9, "{name}: {k} ours {got:.15} refcost {r:.15}");
    }
    let o = &v["overlap"];
    assert_eq!(o["hard_macro_overlap_pairs"], 0, "{name}");
    assert_eq!(o["hard_macros_outside_canvas"], 0, "{name}");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn every_method_agrees_with_refcost_on_small_golden_netlists() {
    let Some(tool) = refcost() else { return };
    // (netlist, a legal-or-not .plc to start from, CD settings small enough for debug builds)
    let cases = [
        ("ct_sample_clustered", "ct_sample_clustered__rand1.plc", 2usize, 5u32),
        ("ct_macro_tiles_10x10", "ct_macro_tiles_10x10__rand1.plc", 1, 2),
    ];
    for (netlist, plc_rel, epochs, radius) in cases {
        let Some((nl, _, imported, p)) = load_golden(netlist, plc_rel) else { return };
        let np = require_shared(&format!("golden/netlists/{netlist}/netlist.pb.txt")).unwrap();
        // Start from the plc's soft macros and ports; the methods place the hard macros.
        let init = imported.clone();
        let r = place_random(&nl, &init, &p, 42).unwrap().placement;
        assert_legal_complete(&nl, &r, &p, "random");
        check_against_refcost(&tool, &np, &nl, &r, &p, &format!("{netlist}-random"));
        let g =
            place_greedy(&nl, &init, &p, &GreedyConfig::default(), &Budget::default(), &NoProgress)
                .unwrap()
                .placement;
        assert_legal_complete(&nl, &g, &p, "greedy");
        check_against_refcost(&tool, &np, &nl, &g, &p, &format!("{netlist}-greedy"));
        let mut l = imported.clone();
        legalize(&nl, &mut l, &p).unwrap();
        assert_legal_complete(&nl, &l, &p, "legalize");
        check_against_refcost(&tool, &np, &nl, &l, &p, &format!("{netlist}-legalize"));
        let mut c = r.clone();
        let cfg = CdConfig { epochs, search_radius: radius, ..Default::default() };
        let s =
            coordinate_descent(&nl, &mut c, &p, &cfg, 5, &Budget::default(), &NoProgress).unwrap();
        assert!(s.final_cost <= s.initial_cost);
        assert_legal_complete(&nl, &c, &p, "cd");
        check_against_refcost(&tool, &np, &nl, &c, &p, &format!("{netlist}-cd"));
    }
}
