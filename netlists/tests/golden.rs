//! Reads every golden netlist and `.plc` of `shared/golden` and the ariane133 benchmark.

use std::path::{Path, PathBuf};

use netlists::testdata::require_shared;
use netlists::{pb_txt, plc, NodeKind};

fn netlist_path(dir: &Path) -> PathBuf {
    let plain = dir.join("netlist.pb.txt");
    if plain.exists() {
        plain
    } else {
        dir.join("netlist.pb.txt.gz")
    }
}

fn golden_netlists(golden: &Path) -> Vec<(String, PathBuf)> {
    let mut v: Vec<(String, PathBuf)> = std::fs::read_dir(golden.join("netlists"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), netlist_path(&p)))
        .collect();
    v.sort();
    v
}

#[test]
fn ariane133_counts() {
    let Some(p) = require_shared("benchmarks/ariane133_ng45/netlist.pb.txt.gz") else { return };
    let nl = pb_txt::read(&p).unwrap();
    assert_eq!(nl.len(), 19_887);
    let c = nl.counts();
    assert_eq!((c.hard_macros, c.hard_macro_pins), (133, 7_847));
    assert_eq!((c.soft_macros, c.soft_macro_pins), (782, 10_630));
    assert_eq!(c.ports, 495);
    assert_eq!(c.std_cells, 0);
    assert_eq!(nl.nets.len(), 12_422);
    assert_eq!(nl.nets.weight_sum(), 22_584.0);
    assert_eq!(nl.nets.sinks.len(), 32_092);
    assert_eq!(nl.soft_macro_area_bloating_ratio, Some(2.0));
    let by_driver = |k: NodeKind| nl.nets.driver.iter().filter(|d| nl.kind(**d) == k).count();
    assert_eq!(by_driver(NodeKind::SoftMacroPin), 9_848);
    assert_eq!(by_driver(NodeKind::HardMacroPin), 2_084);
    assert_eq!(by_driver(NodeKind::Port), 490);
    let s = nl
        .hard_macros()
        .iter()
        .filter(|m| nl.orientation[m.index()] == netlists::Orientation::S)
        .count();
    assert_eq!(s, 19);

    for name in ["initial.plc", "legalized.plc"] {
        let pp = p.with_file_name(name);
        let pf = plc::read(&pp).unwrap();
        assert_eq!(pf.header.columns, Some(24));
        assert_eq!(pf.header.rows, Some(21));
        assert_eq!(pf.header.width, Some(1433.406));
        assert_eq!(pf.header.hroutes_per_micron, Some(57.031));
        assert_eq!(pf.header.vroutes_per_micron, Some(56.818));
        assert_eq!(pf.header.hrouting_alloc, Some(39.583));
        assert_eq!(pf.header.vrouting_alloc, Some(30.303));
        assert_eq!(pf.header.smoothing_factor, Some(0.0));
        assert!(
            pf.header.count_mismatches(&nl).is_empty(),
            "{:?}",
            pf.header.count_mismatches(&nl)
        );
        let mut pl = nl.initial_placement();
        pf.apply_strict(&nl, &mut pl, &pp).unwrap();
        assert_eq!(pf.entries.len(), 495 + 915);
    }
    let pf = plc::read(&p.with_file_name("initial.plc")).unwrap();
    assert_eq!(pf.header.wirelength, Some(3219216.090));
    assert_eq!(pf.header.congestion_cost, Some(0.7128));
    assert_eq!(pf.header.density_cost, Some(0.6067));
}

#[test]
fn every_golden_netlist_and_plc_loads() {
    let Some(golden) = require_shared("golden") else { return };
    let nets = golden_netlists(&golden);
    assert!(nets.len() >= 20);
    let mut plcs: Vec<PathBuf> = std::fs::read_dir(golden.join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "plc"))
        .collect();
    plcs.sort();
    assert!(plcs.len() >= 150);
    let mut applied = 0;
    for (name, path) in &nets {
        let nl = pb_txt::read(path).unwrap_or_else(|e| panic!("{e}"));
        assert!(!nl.is_empty(), "{name}");
        for pp in plcs.iter().filter(|p| {
            p.file_name().unwrap().to_string_lossy().split("__").next() == Some(name.as_str())
        }) {
            let pf = plc::read(pp).unwrap_or_else(|e| panic!("{e}"));
            let mut pl = nl.initial_placement();
            let missing = pf.apply(&nl, &mut pl, pp).unwrap_or_else(|e| panic!("{e}"));
            if pf.entries.is_empty() {
                // CT's simple_with_coords initial.plc has a header only.
                assert_eq!(missing.len(), nl.ids().filter(|i| nl.kind(*i).is_placeable()).count());
                applied += 1;
                continue;
            }
            // CT .plc bodies list ports and macros; standard cells keep their netlist position.
            let not_std = missing.iter().filter(|m| nl.kind(**m) != NodeKind::StdCell).count();
            assert_eq!(not_std, 0, "{}: {} ports/macros missing", pp.display(), not_std);
            assert!(pf.header.columns.is_some() && pf.header.width.is_some(), "{}", pp.display());
            applied += 1;
        }
    }
    assert_eq!(applied, plcs.len(), "every .plc belongs to a netlist");
}

#[test]
fn netlist_headers() {
    let Some(golden) = require_shared("golden/netlists") else { return };
    let nl =
        pb_txt::read(&golden.join("ct_simple_grouped_with_coords_with_blockage/netlist.pb.txt"))
            .unwrap();
    assert_eq!(nl.header.canvas, Some((500.0, 500.0)));
    assert_eq!(nl.header.blockages.len(), 2);
    assert_eq!(nl.header.blockages[1].min_x, 490.0);
    assert_eq!(nl.header.blockages[1].rate, 1.0);
    assert_eq!(nl.header.comments[0], " FP bbox: {0 0} {500 500}");
    let nl = pb_txt::read(&golden.join("ct_toy_macro_stdcell/netlist.pb.txt")).unwrap();
    assert_eq!(nl.header.canvas, Some((200.0, 100.0)));
    assert_eq!(nl.counts().std_cells, 12);
}

#[test]
fn golden_netlists_round_trip() {
    let Some(golden) = require_shared("golden") else { return };
    let mut paths: Vec<PathBuf> = golden_netlists(&golden).into_iter().map(|x| x.1).collect();
    if let Some(flat) = require_shared("benchmarks/ariane133_ng45_flat/netlist.pb.txt.gz") {
        if std::env::var_os("RUN_SLOW_TESTS").is_some() {
            paths.push(flat);
        }
    }
    for p in paths {
        let a = pb_txt::read(&p).unwrap();
        let text = pb_txt::to_string(&a, None);
        let b = pb_txt::parse_str(&text, Path::new("<roundtrip>"))
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(a == b, "{}: round trip changed the netlist", p.display());
        assert_eq!(pb_txt::to_string(&b, None), text, "{}: writer not idempotent", p.display());
    }
}

#[test]
fn ariane133_plc_and_netlist_round_trip() {
    let Some(p) = require_shared("benchmarks/ariane133_ng45/netlist.pb.txt.gz") else { return };
    let nl = pb_txt::read(&p).unwrap();
    let pp = p.with_file_name("legalized.plc");
    let pf = plc::read(&pp).unwrap();
    let mut pl = nl.initial_placement();
    pf.apply_strict(&nl, &mut pl, &pp).unwrap();
    // .plc: write and read back.
    let mut h = pf.header.clone();
    h.node_counts = plc::PlcHeader::node_counts_of(&nl);
    let text = plc::to_string(&nl, &pl, &h);
    let back = plc::parse_str(&text, Path::new("back.plc")).unwrap();
    let mut h2 = back.header.clone();
    h2.comments = h.comments.clone();
    assert_eq!(h2, h);
    let mut pl2 = nl.initial_placement();
    back.apply_strict(&nl, &mut pl2, Path::new("back.plc")).unwrap();
    assert_eq!(pl2, pl);
    // .pb.txt with the placement baked in, then gz on disk.
    let dir = std::env::temp_dir().join(format!("chipfloor-golden-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("placed.pb.txt.gz");
    pb_txt::write(&nl, Some(&pl), &out).unwrap();
    let placed = pb_txt::read(&out).unwrap();
    for m in nl.ids().filter(|i| nl.kind(*i).is_placeable()) {
        let i = m.index();
        assert_eq!((placed.x[i], placed.y[i]), (pl.x[i], pl.y[i]));
        if nl.kind(m).is_macro() {
            assert_eq!(placed.orientation[i], pl.orientation[i]);
        }
    }
    assert_eq!(placed.nets, nl.nets);
    std::fs::remove_dir_all(&dir).ok();
}
