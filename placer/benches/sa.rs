//! Simulated annealing on Ariane133-NG45 (`legalized.plc` start, parameters from its header):
//! force-directed placer timing, SA moves per second per core, and the final costs after FD
//! and polish. Plain `std::time`, no criterion.
//!
//! Run: `cargo bench -p placer --bench sa -- [SECONDS]` (default 20 s). Environment knobs (all
//! optional):
//! - `SA_SECS` seconds (same as the argument); `SA_ITERS` fixed moves per chain instead
//!   (deterministic; no time budget);
//! - `SA_THREADS` chains (default: all cores); `SA_SEED` (default 1);
//! - `SA_TMAX`, `SA_TMIN`; `SA_PROBS=swap,shift,flip,move,shuffle`; `SA_SYNC` rounds;
//! - `SA_FD=never|after|every:N`, `SA_FD_CUR=0|1` (FD from the current soft positions),
//!   `SA_FD_MF` (FD move-distance factor of all stages);
//! - `SA_START=legalized|initial|spiral`; `SA_POLISH=0|1`; `SA_POLISH_RADIUS`;
//! - `SA_OUT=/tmp/x.plc` writes the final placement.
//!
//! Set `CHIPFLOOR_SHARED` if `shared/` is not beside the workspace.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use netlists::{pb_txt, plc, shared_dir};
use placer::cost::{CostOverrides, CostParams, CostReport, CostWeights};
use placer::place::fd::{place_soft_macros, FdConfig};
use placer::place::sa::{place_sa, FdMode, SaConfig, SaStart};
use placer::place::{Budget, Progress, ProgressSink};

fn env<T: std::str::FromStr>(k: &str) -> Option<T> {
    std::env::var(k).ok().and_then(|v| v.parse().ok())
}

/// Prints a progress line about once a second.
struct Printer {
    last: Mutex<Instant>,
}

impl ProgressSink for Printer {
    fn report(&self, p: &Progress) {
        let mut last = self.last.lock().unwrap();
        if last.elapsed() >= Duration::from_secs(1) || p.fraction >= 1.0 {
            *last = Instant::now();
            eprintln!(
                "  [{:6.1} s] {:5.1} %  best proxy {:.6}  evaluated {:>11}  {:>9.0}/s",
                p.elapsed.as_secs_f64(),
                100.0 * p.fraction,
                p.best_cost,
                p.moves,
                p.moves_per_sec
            );
        }
    }
}

fn main() {
    let Some(dir) = shared_dir().map(|d| d.join("benchmarks/ariane133_ng45")) else {
        eprintln!("shared/ not found (set CHIPFLOOR_SHARED); nothing to benchmark");
        return;
    };
    let secs: f64 = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .or_else(|| env("SA_SECS"))
        .unwrap_or(20.0);
    let nl = pb_txt::read(&dir.join("netlist.pb.txt.gz")).expect("netlist");
    let start = std::env::var("SA_START").unwrap_or_else(|_| "legalized".into());
    let plc_name = if start == "initial" { "initial.plc" } else { "legalized.plc" };
    let plc_path = dir.join(plc_name);
    let pf = plc::read(&plc_path).expect("plc");
    let mut pl = nl.initial_placement();
    pf.apply(&nl, &mut pl, &plc_path).expect("apply");
    let p = CostParams::resolve(&nl, Some(&pf.header), &CostOverrides::default()).expect("params");
    let w = CostWeights { wl: 1.0, den: 0.5, cong: 0.5 };
    let c0 = placer::evaluate(&nl, &pl, &p).unwrap();
    println!("ariane133_ng45 {plc_name}: {}", CostReport::new(&c0, &p));

    if std::env::var("SA_MICRO").is_ok() {
        micro(&nl, &pl, &p);
        return;
    }
    // FD timing (CT defaults: every soft macro from the centre; and the SA default schedule).
    let sa_default = SaConfig::default();
    for (name, fcfg) in [
        ("FD, CT defaults (from the centre)", FdConfig::default()),
        ("FD, SA default (current positions)", sa_default.fd_config.clone()),
    ] {
        let mut best = Duration::MAX;
        let mut q = pl.clone();
        let mut st = None;
        for _ in 0..5 {
            q = pl.clone();
            let t = Instant::now();
            st = Some(place_soft_macros(&nl, &mut q, &p, &fcfg));
            best = best.min(t.elapsed());
        }
        let c = placer::evaluate(&nl, &q, &p).unwrap();
        println!(
            "{name}: {} soft macros in {:.1} ms (best of 5; {} repulsion pairs); wl {:.6} den {:.6} cong {:.6} proxy[wl=1,den=0.5,cong=0.5] {:.6}",
            st.as_ref().map_or(0, |s| s.movable),
            best.as_secs_f64() * 1e3,
            st.as_ref().map_or(0, |s| s.repulsion_pairs),
            c.wirelength_cost,
            c.density_cost,
            c.congestion_cost,
            c.proxy(w)
        );
    }

    // SA.
    let mut cfg = SaConfig::default();
    if let Some(v) = env("SA_TMAX") {
        cfg.t_max = v;
    }
    if let Some(v) = env("SA_TMIN") {
        cfg.t_min = v;
    }
    if let Some(v) = env("SA_THREADS") {
        cfg.threads = v;
    }
    if let Some(v) = env("SA_SYNC") {
        cfg.sync_rounds = v;
    }
    if let Some(v) = env::<u8>("SA_POLISH") {
        cfg.polish = v != 0;
    }
    if let Some(v) = env("SA_POLISH_RADIUS") {
        cfg.polish_radius = v;
    }
    if let Ok(v) = std::env::var("SA_PROBS") {
        let ps: Vec<f64> = v.split(',').filter_map(|x| x.parse().ok()).collect();
        if ps.len() == 5 {
            (cfg.p_swap, cfg.p_shift, cfg.p_flip, cfg.p_move, cfg.p_shuffle) =
                (ps[0], ps[1], ps[2], ps[3], ps[4]);
        }
    }
    if let Ok(v) = std::env::var("SA_FD") {
        cfg.fd = match v.as_str() {
            "never" => FdMode::Never,
            "after" => FdMode::After,
            s => {
                FdMode::Every(s.strip_prefix("every:").and_then(|n| n.parse().ok()).expect("SA_FD"))
            }
        };
    }
    if let Some(v) = env::<u8>("SA_FD_CUR") {
        cfg.fd_config.use_current_loc = v != 0;
    }
    if let Some(v) = env::<f64>("SA_FD_MF") {
        cfg.fd_config.move_distance_factors = [v; 3];
    }
    if start == "spiral" {
        cfg.start = SaStart::Spiral;
    }
    let iters: Option<u64> = env("SA_ITERS");
    cfg.iterations = iters;
    let budget = if iters.is_some() { Budget::default() } else { Budget::seconds(secs) };
    let seed: u64 = env("SA_SEED").unwrap_or(1);
    let budget_text = iters.map_or(format!("{secs} s"), |i| format!("{i} moves per chain"));
    println!(
        "SA: {} ({} threads), seed {seed}, start {start}, t_max {} t_min {}, moves {:?}, fd {:?} (use_current_loc {}, move factors {:?}), polish {} r{}, sync {}",
        iters.map_or(format!("{secs} s"), |i| format!("{i} moves per chain")),
        if cfg.threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            cfg.threads
        },
        cfg.t_max,
        cfg.t_min,
        [cfg.p_swap, cfg.p_shift, cfg.p_flip, cfg.p_move, cfg.p_shuffle],
        cfg.fd,
        cfg.fd_config.use_current_loc,
        cfg.fd_config.move_distance_factors,
        cfg.polish,
        cfg.polish_radius,
        cfg.sync_rounds,
    );
    let printer = Printer { last: Mutex::new(Instant::now()) };
    let t = Instant::now();
    let cpu0 = process_cpu_secs_or_nan();
    let out = place_sa(&nl, &pl, &p, &cfg, seed, &budget, &printer).expect("sa");
    let wall = t.elapsed().as_secs_f64();
    let cpu = process_cpu_secs_or_nan() - cpu0;
    let stat = |k: &str| out.stats.iter().find(|s| s.0 == k).map_or(f64::NAN, |s| s.1);
    println!(
        "SA done in {wall:.1} s: {} moves attempted, {} evaluated ({} of them rejected on the congestion bound), {} accepted; {:.0} evaluated/s per thread ({:.0} attempted/s per thread), {} threads",
        stat("moves"),
        stat("evaluated"),
        stat("bound_rejected"),
        stat("accepted"),
        stat("moves_per_sec_per_thread"),
        stat("attempted_per_sec_per_thread"),
        stat("threads")
    );
    println!(
        "  CPU time {cpu:.1} s over {wall:.1} s wall ({:.2} cores busy): {:.0} evaluated moves per CPU-second ({:.2} us each), {:.0} attempted per CPU-second",
        cpu / wall,
        stat("evaluated") / cpu,
        1e6 * cpu / stat("evaluated"),
        stat("moves") / cpu
    );
    println!(
        "  anneal best proxy {:.6}; fd runs {} ({:.2} s); polish moves {}",
        stat("anneal_proxy"),
        stat("fd_runs"),
        stat("fd_seconds"),
        stat("polish_moves")
    );
    let fin = placer::evaluate(&nl, &out.placement, &p).unwrap();
    println!("final: {}", CostReport::new(&fin, &p));
    println!(
        "final proxy[wl=1,den=0.5,cong=0.5] {:.6} vs legalized.plc 0.685935 ({:+.6})",
        fin.proxy(w),
        fin.proxy(w) - 0.685935
    );
    let rep = placer::legality::check(&nl, &out.placement, p.canvas_width, p.canvas_height);
    println!(
        "legal: {} (hard overlaps {}, hard outside {}, soft outside {})",
        rep.is_legal(),
        rep.hard_macro_overlap_pairs,
        rep.hard_macros_outside_canvas,
        rep.soft_macros_outside_canvas
    );
    if let Ok(path) = std::env::var("SA_OUT") {
        let extra = [
            ("Method", "sa (cargo bench -p placer --bench sa)".to_string()),
            ("Seed", seed.to_string()),
            ("Budget", budget_text.clone()),
        ];
        let header = placer::output::plc_header(&nl, &p, &fin, &extra);
        plc::write(std::path::Path::new(&path), &nl, &out.placement, &header).expect("write");
        println!("wrote {path}");
    }
}

/// Single-macro moves to random cell centres, shifts by one cell, and swaps: begin, move,
/// cost read, rollback (no legality check). Prints µs per move.
fn micro(nl: &netlists::Netlist, pl: &netlists::Placement, p: &CostParams) {
    use placer::cost::IncrementalCost;
    use placer::place::PlacementGrid;
    use rand::{Rng, SeedableRng};
    let w = CostWeights { wl: 1.0, den: 0.5, cong: 0.5 };
    let g = PlacementGrid::new(p);
    let hard = nl.hard_macros();
    let mut inc = IncrementalCost::new(nl, pl, p).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let n: usize = env("SA_MICRO_N").unwrap_or(200_000);
    let mut acc = 0.0;
    for kind in ["random cell", "shift one cell", "swap"] {
        let t = Instant::now();
        let c0 = thread_cpu_ns();
        for _ in 0..n {
            let m = hard[rng.gen_range(0..hard.len())];
            inc.begin();
            match kind {
                "random cell" => {
                    let (x, y) = g.centre(rng.gen_range(0..g.len()));
                    inc.move_node(m, x, y).unwrap();
                }
                "shift one cell" => {
                    let (x, y) = inc.position(m);
                    let (r, c) = g.row_col(g.cell_of(x, y));
                    let c = if c + 1 < g.cols { c + 1 } else { c - 1 };
                    let (x, y) = g.centre(g.index(r, c));
                    inc.move_node(m, x, y).unwrap();
                }
                _ => {
                    let b = hard[rng.gen_range(0..hard.len())];
                    inc.swap(m, b).unwrap();
                }
            }
            acc += inc.proxy(w);
            inc.rollback();
        }
        let us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
        let cpu = (thread_cpu_ns() - c0) as f64 * 1e-3 / n as f64;
        println!("micro {kind:16}: {us:.3} us wall, {cpu:.3} us CPU per move + cost + rollback");
    }
    std::hint::black_box(acc);
}

/// CPU time of this thread in ns (`/proc/thread-self/schedstat`; 0 where unavailable).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// CPU time of this process (all threads) in seconds (NaN where unavailable).
fn process_cpu_secs_or_nan() -> f64 {
    placer::place::process_cpu_time().map_or(f64::NAN, |d| d.as_secs_f64())
}
