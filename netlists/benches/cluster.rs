//! Clustering benchmark (no criterion): clusters the flat ariane133 (88k standard cells) with
//! the default configuration and prints the time, the cluster count, the size spread and the
//! cut; compares with the clustered ariane133 shipped in `shared/`. Peak memory: run it under
//! `/usr/bin/time -v` (maximum resident set size).
//!
//! Run: `cargo bench -p netlists --bench cluster` (`BENCH_CLUSTERS` sets the cluster count,
//! default 500; `BENCH_SEED` the seed, default 1; `BENCH_NETLIST` another flat netlist).

use std::path::PathBuf;
use std::time::Instant;

use netlists::cluster::{cluster, ClusterConfig};
use netlists::{pb_txt, shared_dir, NodeKind};

fn main() {
    let env = |k: &str| std::env::var(k).ok();
    let flat = match env("BENCH_NETLIST") {
        Some(p) => PathBuf::from(p),
        None => {
            let Some(shared) = shared_dir() else {
                println!("shared data not found; set CHIPFLOOR_SHARED");
                return;
            };
            shared.join("benchmarks/ariane133_ng45_flat/netlist.pb.txt.gz")
        }
    };
    let cfg = ClusterConfig {
        clusters: env("BENCH_CLUSTERS").and_then(|s| s.parse().ok()).unwrap_or(500),
        seed: env("BENCH_SEED").and_then(|s| s.parse().ok()).unwrap_or(1),
        ..Default::default()
    };
    let t = Instant::now();
    let nl = if flat.to_string_lossy().ends_with(".aux") {
        netlists::bookshelf::read(&flat)
    } else {
        pb_txt::read(&flat)
    }
    .expect("flat netlist parses");
    let read_s = t.elapsed().as_secs_f64();
    let c = nl.counts();
    println!(
        "{}: {} std cells, {} hard macros, {} ports, {} nets (read {:.2} s)",
        flat.display(),
        c.std_cells,
        c.hard_macros,
        c.ports,
        nl.nets.len(),
        read_s
    );
    let t = Instant::now();
    let out = cluster(&nl, &cfg).expect("clustering succeeds");
    let s = &out.stats;
    println!(
        "cluster: {:.2} s (partition {:.2} s), {} clusters (asked {}, {} split by the break-up), grid {}x{}{}, canvas {:.3}x{:.3}",
        t.elapsed().as_secs_f64(),
        s.partition_s,
        s.clusters,
        cfg.clusters,
        s.broken_up,
        s.grid.0,
        s.grid.1,
        if s.grid_auto { " (auto)" } else { "" },
        s.canvas.0,
        s.canvas.1
    );
    println!(
        "cells per cluster min/median/max {}/{}/{}; cell area um^2 min/median/max {:.1}/{:.1}/{:.1}",
        s.cells.0, s.cells.1, s.cells.2, s.area.0, s.area.1, s.area.2
    );
    println!(
        "hyperedges {}, cut {} ({:.1} %), high-fanout nets ignored {}, port groups {}, clustered nets {}",
        s.hyperedges,
        s.cut_nets,
        100.0 * s.cut_nets as f64 / s.hyperedges.max(1) as f64,
        s.ignored_nets,
        s.port_groups,
        s.clustered_nets
    );
    println!(
        "cluster bbox (larger side, flat placement) median {:.1} um, max {:.1} um; {} clusters over CT's break-up limit sqrt(W*H/16) = {:.1} um",
        s.spread.0,
        s.spread.1,
        s.spread.2,
        (s.canvas.0 * s.canvas.1 / 16.0).sqrt()
    );
    let t = Instant::now();
    let text = pb_txt::to_string(&out.netlist, Some(&out.placement));
    println!(
        "clustered .pb.txt: {} bytes, written in {:.2} s",
        text.len(),
        t.elapsed().as_secs_f64()
    );
    if let Some(shared) = shared_dir() {
        let reference = shared.join("benchmarks/ariane133_ng45/netlist.pb.txt.gz");
        if env("BENCH_NETLIST").is_none() && reference.exists() {
            let r = pb_txt::read(&reference).expect("clustered ariane133 parses");
            let soft = r.soft_macros();
            let mut areas: Vec<f64> = soft.iter().map(|&m| r.area(m)).collect();
            areas.sort_by(f64::total_cmp);
            let ratio = r.soft_macro_area_bloating_ratio.unwrap_or(1.0);
            println!(
                "reference (CT/TILOS clustered ariane133): {} soft macros, {} nets; cell area um^2 min/median/max {:.1}/{:.1}/{:.1}",
                soft.len(),
                r.nets.len(),
                areas[0] / ratio,
                areas[areas.len() / 2] / ratio,
                areas[areas.len() - 1] / ratio
            );
            let ours = out.netlist.of_kind(NodeKind::SoftMacroPin).len();
            let theirs = r.of_kind(NodeKind::SoftMacroPin).len();
            println!("soft-macro pins: ours {ours}, reference {theirs}");
        }
    }
}
