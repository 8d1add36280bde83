//! Placement baselines on Ariane133-NG45 (133 hard macros, 24 × 21 grid), parameters from
//! `legalized.plc`'s header, soft macros and ports where `legalized.plc` has them: time and
//! costs of random placement, greedy placement, legalisation of `initial.plc`, and coordinate
//! descent after greedy. Plain `std::time`.
//!
//! Run: `cargo bench -p placer --bench baselines` (set `CHIPFLOOR_SHARED` if `shared/` is
//! not beside the workspace).

use std::time::{Duration, Instant};

use netlists::{pb_txt, plc, shared_dir, Netlist, Placement};
use placer::cost::{evaluate, CostBreakdown, CostOverrides, CostParams, CostWeights};
use placer::place::{
    coordinate_descent, legalize, place_greedy, place_random, Budget, CdConfig, GreedyConfig,
    NoProgress,
};

fn line(name: &str, c: &CostBreakdown) {
    println!(
        "  {name:<28} wl {:.6}  den {:.6}  cong {:.6}  proxy[1,.5,.5] {:.6}  proxy[1,1,.5] {:.6}  hpwl {:.1}",
        c.wirelength_cost,
        c.density_cost,
        c.congestion_cost,
        c.proxy(CostWeights::GOOGLE_INTERNAL),
        c.proxy(CostWeights::CT_DEFAULT),
        c.hpwl
    );
}

fn times(name: &str, v: &mut [Duration]) {
    v.sort();
    let n = v.len();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mean = v.iter().sum::<Duration>() / n as u32;
    println!(
        "{name:<30} min {:9.3} ms  median {:9.3} ms  mean {:9.3} ms  (n={n})",
        ms(v[0]),
        ms(v[n / 2]),
        ms(mean)
    );
}

fn read(nl: &Netlist, path: &std::path::Path) -> (Placement, plc::PlcFile) {
    let pf = plc::read(path).expect("plc");
    let mut pl = nl.initial_placement();
    pf.apply(nl, &mut pl, path).expect("apply");
    (pl, pf)
}

fn main() {
    let Some(dir) = shared_dir().map(|d| d.join("benchmarks/ariane133_ng45")) else {
        eprintln!("shared/ not found (set CHIPFLOOR_SHARED); nothing to benchmark");
        return;
    };
    let nl = pb_txt::read(&dir.join("netlist.pb.txt.gz")).expect("netlist");
    let (legal, pf) = read(&nl, &dir.join("legalized.plc"));
    let p = CostParams::resolve(&nl, Some(&pf.header), &CostOverrides::default()).expect("params");
    println!("ariane133_ng45, params {p}");
    println!("reference:");
    line("legalized.plc", &evaluate(&nl, &legal, &p).unwrap());

    // Random.
    let mut v = Vec::new();
    let mut sum = [0.0; 4];
    let seeds = 20u64;
    let mut first = None;
    for seed in 0..seeds {
        let t = Instant::now();
        let out = place_random(&nl, &legal, &p, seed).expect("random");
        v.push(t.elapsed());
        let c = evaluate(&nl, &out.placement, &p).unwrap();
        for (s, x) in sum.iter_mut().zip([
            c.wirelength_cost,
            c.density_cost,
            c.congestion_cost,
            c.proxy(CostWeights::GOOGLE_INTERNAL),
        ]) {
            *s += x / seeds as f64;
        }
        first.get_or_insert(c);
    }
    times("place_random", &mut v);
    line("random seed 0", &first.unwrap());
    println!(
        "  random mean of {seeds} seeds      wl {:.6}  den {:.6}  cong {:.6}  proxy[1,.5,.5] {:.6}",
        sum[0], sum[1], sum[2], sum[3]
    );

    // Greedy.
    let cfg = GreedyConfig::default();
    let mut v = Vec::new();
    let mut greedy = None;
    for _ in 0..20 {
        let t = Instant::now();
        let out = place_greedy(&nl, &legal, &p, &cfg, &Budget::default(), &NoProgress).unwrap();
        v.push(t.elapsed());
        greedy = Some(out);
    }
    times("place_greedy (orientations)", &mut v);
    let greedy = greedy.unwrap();
    line("greedy", &evaluate(&nl, &greedy.placement, &p).unwrap());
    let cfg_n = GreedyConfig { try_orientations: false };
    let mut v = Vec::new();
    let mut g2 = None;
    for _ in 0..20 {
        let t = Instant::now();
        g2 = Some(place_greedy(&nl, &legal, &p, &cfg_n, &Budget::default(), &NoProgress).unwrap());
        v.push(t.elapsed());
    }
    times("place_greedy (N only)", &mut v);
    line("greedy, no orientations", &evaluate(&nl, &g2.unwrap().placement, &p).unwrap());

    // Legalisation of initial.plc.
    let (initial, _) = read(&nl, &dir.join("initial.plc"));
    let mut v = Vec::new();
    let mut res = None;
    for _ in 0..20 {
        let mut pl = initial.clone();
        let t = Instant::now();
        let s = legalize(&nl, &mut pl, &p).unwrap();
        v.push(t.elapsed());
        res = Some((s, pl));
    }
    times("legalize(initial.plc)", &mut v);
    let (s, pl) = res.unwrap();
    println!(
        "  moved {} macros, displacement total {:.1} um, max {:.1} um",
        s.moved, s.total_displacement, s.max_displacement
    );
    line("initial.plc (illegal)", &evaluate(&nl, &initial, &p).unwrap());
    line("initial.plc legalized", &evaluate(&nl, &pl, &p).unwrap());

    // Coordinate descent after greedy, and on legalized.plc.
    for (name, start) in [("greedy", &greedy.placement), ("legalized.plc", &legal)] {
        let mut pl = start.clone();
        let t = Instant::now();
        let s = coordinate_descent(
            &nl,
            &mut pl,
            &p,
            &CdConfig::default(),
            123,
            &Budget::default(),
            &NoProgress,
        )
        .unwrap();
        let el = t.elapsed();
        println!(
            "coordinate_descent after {name}: {:.3} s, {} epochs ({} reverted), {} candidates ({:.1} us each), {} moves, proxy[1,.5,.5] {:.6} -> {:.6}",
            el.as_secs_f64(),
            s.epochs_run,
            s.epochs_reverted,
            s.candidates_evaluated,
            el.as_secs_f64() * 1e6 / s.candidates_evaluated.max(1) as f64,
            s.macros_moved,
            s.initial_cost,
            s.final_cost
        );
        line(&format!("{name} + cd"), &evaluate(&nl, &pl, &p).unwrap());
    }
}
