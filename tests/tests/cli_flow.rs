//! The flat-netlist flow end to end: a generated flat netlist (standard cells, hard macros,
//! ports, one high-fanout net) → `chipfloor cluster` → `chipfloor place --method sa` → a legal
//! placement with its costs, scored with `cluster --score` (macro-only HPWL) → `chipfloor
//! convert --to def` (skipped with a note when the build has no `convert`); and the same
//! clustering twice gives the same files.

use std::path::Path;
use std::process::Output;

use e2e::{run, scratch, stderr, stdout};
use netlists::generate::{generate_flat, FlatGenConfig};
use serde_json::Value;

fn ok(o: &Output, what: &str) {
    assert!(o.status.success(), "{what} failed: {}\n{}", stdout(o), stderr(o));
}

fn json_out(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("bad JSON ({e}): {}", stdout(o)))
}

/// `chipfloor convert NETLIST --plc PLC --to def --out DEF`, which must succeed.
fn to_def(netlist: &Path, plc: &Path, def: &Path) -> Output {
    let o = run(&["convert", s(netlist), "--plc", s(plc), "--to", "def", "--out", s(def)]);
    ok(&o, "convert --to def");
    o
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn flat_netlist_clusters_places_and_scores() {
    let dir = scratch("flow");
    let cfg = FlatGenConfig { std_cells: 3000, clock_sinks: 600, ..Default::default() };
    let (nl, pl) = generate_flat(&cfg).unwrap();
    let flat = dir.join("flat.pb.txt");
    netlists::pb_txt::write(&nl, Some(&pl), &flat).unwrap();

    // Cluster (twice: same seed, same files).
    let cl = dir.join("clustered");
    let o = run(&["cluster", s(&flat), "--clusters", "40", "--out", s(&cl), "--format", "json"]);
    ok(&o, "cluster");
    let j = json_out(&o);
    assert_eq!(j["clusters"], 40);
    assert_eq!(j["std_cells"], 3000);
    assert_eq!(j["ignored_high_fanout_nets"], 1, "the 600-sink net is ignored");
    assert!(j["cut_nets"].as_u64().unwrap() < j["hyperedges"].as_u64().unwrap() / 2);
    let netlist = cl.join("netlist.pb.txt");
    let initial = cl.join("initial.plc");
    let again = dir.join("again");
    ok(&run(&["cluster", s(&flat), "--clusters", "40", "--out", s(&again)]), "cluster again");
    assert_eq!(
        std::fs::read(&netlist).unwrap(),
        std::fs::read(again.join("netlist.pb.txt")).unwrap(),
        "same seed, same clustered netlist"
    );
    let clustered = netlists::pb_txt::read(&netlist).unwrap();
    let c = clustered.counts();
    assert_eq!((c.soft_macros, c.hard_macros, c.ports, c.std_cells), (40, 8, 24, 0));

    // `eval` reads the clustered files back and reproduces the costs `cluster` reported.
    let o = run(&["eval", s(&netlist), s(&initial), "--format", "json"]);
    ok(&o, "eval initial.plc");
    let ev = json_out(&o);
    for k in ["wirelength_cost", "density_cost", "congestion_cost", "hpwl_um"] {
        let (a, b) = (ev[k].as_f64().unwrap(), j["initial"][k].as_f64().unwrap());
        assert!((a - b).abs() <= 1e-9 * a.abs().max(1.0), "{k}: eval {a}, cluster {b}");
    }
    assert_eq!(ev["params"]["grid_cols"], j["grid"][0]);

    // Simulated annealing from it: legal, with its costs.
    let sa = dir.join("sa");
    let o = run(&[
        "place",
        s(&netlist),
        "--plc",
        s(&initial),
        "--method",
        "sa",
        "--time-budget",
        "2",
        "--out",
        s(&sa),
    ]);
    ok(&o, "place --method sa");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(sa.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["legality"]["legal"], true, "{report}");
    for k in ["wirelength_cost", "density_cost", "congestion_cost"] {
        let v = report[k].as_f64().unwrap_or(f64::NAN);
        assert!(v.is_finite() && v >= 0.0, "{k} = {v}");
    }

    // Score it: the costs match the report, and the macro-only HPWL is positive.
    let o =
        run(&["cluster", s(&netlist), "--score", s(&sa.join("placement.plc")), "--format", "json"]);
    ok(&o, "cluster --score");
    let sc = json_out(&o);
    let rel = |a: &Value, b: &Value| {
        let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
        (a - b).abs() <= 1e-6 * a.abs().max(1.0)
    };
    assert!(rel(&sc["wirelength_cost"], &report["wirelength_cost"]), "{sc} vs {report}");
    assert!(rel(&sc["density_cost"], &report["density_cost"]), "{sc} vs {report}");
    assert!(sc["macro_hpwl_um"].as_f64().unwrap() > 0.0);

    // Back to the physical flow: the placed macros as DEF.
    let def = dir.join("placed.def");
    to_def(&netlist, &sa.join("placement.plc"), &def);
    let text = std::fs::read_to_string(&def).unwrap();
    assert!(text.contains("COMPONENTS 8 ;"), "{text}");
    assert!(text.matches("+ PLACED").count() + text.matches("+ FIXED").count() >= 8);
    for m in 0..8 {
        assert!(text.contains(&format!("- M{m} ")), "M{m} missing from the DEF");
    }
}

#[test]
fn cluster_rejects_a_clustered_netlist() {
    let dir = scratch("flow-bad");
    let (nl, pl) = netlists::generate::generate(&Default::default()).unwrap();
    let p = dir.join("soft.pb.txt");
    netlists::pb_txt::write(&nl, Some(&pl), &p).unwrap();
    let o = run(&["cluster", s(&p), "--out", s(&dir.join("out"))]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("soft macros"), "{}", stderr(&o));
}

/// The whole flow on the flat ariane133 (88k standard cells): cluster, 60 s of simulated
/// annealing, scores, DEF. A benchmark, not a CI test:
/// `cargo test --release -p e2e --test cli_flow -- --ignored --nocapture`.
#[test]
#[ignore = "benchmark: about 75 s"]
fn ariane133_flat_flow_benchmark() {
    let Some(shared) = e2e::shared() else { return };
    let flat = shared.join("benchmarks/ariane133_ng45_flat/netlist.pb.txt.gz");
    let dir = scratch("flow-ariane");
    let cl = dir.join("clustered");
    let t = std::time::Instant::now();
    let o = run(&["cluster", s(&flat), "--out", s(&cl)]);
    ok(&o, "cluster");
    println!("cluster ({:.1} s wall):\n{}", t.elapsed().as_secs_f64(), stdout(&o));
    let netlist = cl.join("netlist.pb.txt");
    let sa = dir.join("sa");
    let t = std::time::Instant::now();
    let o = run(&[
        "place",
        s(&netlist),
        "--plc",
        s(&cl.join("initial.plc")),
        "--method",
        "sa",
        "--time-budget",
        "60",
        "--out",
        s(&sa),
    ]);
    ok(&o, "place --method sa");
    println!("place sa ({:.1} s wall):\n{}", t.elapsed().as_secs_f64(), stdout(&o));
    let o = run(&["cluster", s(&netlist), "--score", s(&sa.join("placement.plc"))]);
    ok(&o, "cluster --score");
    println!("score:\n{}", stdout(&o));
    let def = dir.join("placed.def");
    let o = to_def(&netlist, &sa.join("placement.plc"), &def);
    println!("{}", stdout(&o));
    assert!(std::fs::read_to_string(&def).unwrap().contains("COMPONENTS 133 ;"));
}
