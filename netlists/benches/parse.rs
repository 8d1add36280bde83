//! Parse-time benchmark (no criterion): times `pb_txt::read` of the ariane133 netlists and
//! `plc::read` of its `initial.plc`, printing min / median over repeated runs.
//!
//! Run: `cargo bench -p netlists --bench parse` (reads `shared/` via `CHIPFLOOR_SHARED` or
//! beside the workspace; `BENCH_RUNS` sets the run count, default 20).

use std::path::Path;
use std::time::{Duration, Instant};

use netlists::{pb_txt, plc, shared_dir};

fn time<T>(label: &str, runs: usize, mut f: impl FnMut() -> T) {
    let mut ts: Vec<Duration> = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let r = f();
        ts.push(t.elapsed());
        drop(std::hint::black_box(r));
    }
    ts.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{label:<48} runs {runs:>3}  min {:>8.2} ms  median {:>8.2} ms  max {:>8.2} ms",
        ms(ts[0]),
        ms(ts[ts.len() / 2]),
        ms(ts[ts.len() - 1])
    );
}

fn main() {
    let Some(shared) = shared_dir() else {
        println!("shared data not found; set CHIPFLOOR_SHARED");
        return;
    };
    let runs: usize =
        std::env::var("BENCH_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(20).max(1);
    let clustered = shared.join("benchmarks/ariane133_ng45/netlist.pb.txt.gz");
    let flat = shared.join("benchmarks/ariane133_ng45_flat/netlist.pb.txt.gz");
    let nl = pb_txt::read(&clustered).expect("ariane133 parses");
    println!("ariane133_ng45: {} nodes, {} nets", nl.len(), nl.nets.len());
    time("pb_txt::read ariane133_ng45 (gz, 11 MB text)", runs, || {
        pb_txt::read(&clustered).map(|n| n.len())
    });
    let text = pb_txt::to_string(&nl, None);
    time("pb_txt::parse_str ariane133_ng45 (in memory)", runs, || {
        pb_txt::parse_str(&text, Path::new("mem")).map(|n| n.len())
    });
    time("pb_txt::to_string ariane133_ng45", runs, || pb_txt::to_string(&nl, None).len());
    let plc_path = shared.join("benchmarks/ariane133_ng45/initial.plc");
    time("plc::read ariane133 initial.plc", runs, || plc::read(&plc_path).map(|p| p.entries.len()));
    if flat.exists() {
        let flat_runs = (runs / 4).max(1);
        time("pb_txt::read ariane133_ng45_flat (gz, 63 MB text)", flat_runs, || {
            pb_txt::read(&flat).map(|n| n.len())
        });
    }
    let ibm = shared.join("benchmarks/ibm01_bookshelf/ibm01.aux");
    if ibm.exists() {
        time("bookshelf::read ibm01", runs, || netlists::bookshelf::read(&ibm).map(|n| n.len()));
    }
}
