//! Simulated-annealing tests on small generated netlists (fast in debug builds).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use netlists::{Netlist, NetlistBuilder, NodeKind, NodeSpec, Placement};

use super::*;
use crate::cost::CostParams;
use crate::place::NoProgress;

fn small(seed: u64) -> (Netlist, Placement, CostParams) {
    crate::place::tests_common::small_generated_on(seed, (12, 12))
}

fn cfg(iterations: u64, threads: usize) -> SaConfig {
    SaConfig {
        iterations: Some(iterations),
        threads,
        sync_rounds: 3,
        polish_radius: 1,
        ..SaConfig::default()
    }
}

fn stat(out: &PlaceOutcome, k: &str) -> f64 {
    out.stats.iter().find(|s| s.0 == k).map_or(f64::NAN, |s| s.1)
}

/// Every hard macro placed, legal (inside, no overlaps), fixed nodes and ports unmoved,
/// orientations within their family.
fn assert_legal(nl: &Netlist, init: &Placement, pl: &Placement, p: &CostParams) {
    let rep = crate::legality::check(nl, pl, p.canvas_width, p.canvas_height);
    assert!(rep.is_legal(), "{rep:?}");
    for id in nl.ids() {
        let i = id.index();
        match nl.kind(id) {
            NodeKind::HardMacro => {
                assert!(pl.placed[i] || init.fixed[i]);
                assert!(init.orientation[i].family().contains(&pl.orientation[i]));
                if init.fixed[i] {
                    assert_eq!((pl.x[i], pl.y[i]), (init.x[i], init.y[i]));
                    assert_eq!(pl.orientation[i], init.orientation[i]);
                }
            }
            NodeKind::Port => assert_eq!((pl.x[i], pl.y[i]), (init.x[i], init.y[i])),
            _ => {}
        }
        assert_eq!(pl.fixed[i], init.fixed[i]);
    }
}

#[test]
fn output_is_legal_and_fixed_macros_stay() {
    for seed in 1..4 {
        let (nl, mut init, p) = small(seed);
        // Fix one hard macro at a legal spot.
        let h = nl.hard_macros();
        let f = h[seed as usize].index();
        init.x[f] = nl.width[f] / 2.0;
        init.y[f] = nl.height[f] / 2.0;
        init.fixed[f] = true;
        let out =
            place_sa(&nl, &init, &p, &cfg(3000, 2), seed, &Budget::default(), &NoProgress).unwrap();
        assert_legal(&nl, &init, &out.placement, &p);
        // FD placed the soft macros (unplaced in the generated placement) inside the canvas.
        for s in nl.soft_macros() {
            let i = s.index();
            assert!(out.placement.placed[i]);
            let (hw, hh) = (nl.width[i] / 2.0, nl.height[i] / 2.0);
            assert!(out.placement.x[i] >= hw - 1e-9 && out.placement.x[i] <= 1000.0 - hw + 1e-9);
            assert!(out.placement.y[i] >= hh - 1e-9 && out.placement.y[i] <= 1000.0 - hh + 1e-9);
        }
        assert!(stat(&out, "evaluated") > 0.0);
        assert_eq!(stat(&out, "threads"), 2.0);
        assert_eq!(stat(&out, "moves"), 6000.0);
        // The reported proxy is the placement's.
        let c = crate::cost::evaluate(&nl, &out.placement, &p).unwrap();
        let w = SaConfig::default().weights;
        assert!((c.proxy(w) - stat(&out, "best_proxy")).abs() < 1e-9);
    }
}

#[test]
fn same_seed_iterations_and_threads_give_the_same_placement() {
    let (nl, init, p) = small(5);
    for fd in [FdMode::After, FdMode::Every(700)] {
        let c = SaConfig { fd, ..cfg(2000, 2) };
        let a = place_sa(&nl, &init, &p, &c, 9, &Budget::default(), &NoProgress).unwrap();
        let b = place_sa(&nl, &init, &p, &c, 9, &Budget::default(), &NoProgress).unwrap();
        assert_eq!(a.placement, b.placement);
        assert_eq!(stat(&a, "accepted"), stat(&b, "accepted"));
        // Another seed explores differently.
        let d = place_sa(&nl, &init, &p, &c, 10, &Budget::default(), &NoProgress).unwrap();
        assert_ne!(a.placement, d.placement);
    }
}

#[test]
fn annealing_improves_over_the_start() {
    let (nl, init, p) = small(2);
    let w = SaConfig::default().weights;
    // The start SA uses: spiral for the hard macros, FD for the unplaced soft macros.
    let mut start = init.clone();
    let grid = PlacementGrid::new(&p);
    start_placement(&nl, &mut start, &p, &grid, SaStart::Auto).unwrap();
    place_soft_macros(&nl, &mut start, &p, &FdConfig::default());
    let c0 = crate::cost::evaluate(&nl, &start, &p).unwrap().proxy(w);
    // Soft macros fixed where they are (FD never), no polish: the gain is annealing's.
    let c = SaConfig { fd: FdMode::Never, polish: false, ..cfg(4000, 1) };
    let out = place_sa(&nl, &start, &p, &c, 3, &Budget::default(), &NoProgress).unwrap();
    let c1 = crate::cost::evaluate(&nl, &out.placement, &p).unwrap().proxy(w);
    assert!(c1 < c0 - 0.01, "no improvement: {c0} -> {c1}");
    assert_legal(&nl, &start, &out.placement, &p);
    // Soft macros untouched with FD never.
    for s in nl.soft_macros() {
        let i = s.index();
        assert_eq!((out.placement.x[i], out.placement.y[i]), (start.x[i], start.y[i]));
    }
}

#[test]
fn given_legal_placement_is_the_start() {
    let (nl, init, p) = small(6);
    let mut start = init.clone();
    let grid = PlacementGrid::new(&p);
    start_placement(&nl, &mut start, &p, &grid, SaStart::Spiral).unwrap();
    // Zero moves, no FD, no polish: the output is the start itself.
    let c = SaConfig { fd: FdMode::Never, polish: false, ..cfg(0, 1) };
    let out = place_sa(&nl, &start, &p, &c, 1, &Budget::default(), &NoProgress).unwrap();
    assert_eq!(out.placement.x, start.x);
    assert_eq!(out.placement.y, start.y);
}

#[test]
fn cancel_stops_promptly() {
    let (nl, init, p) = small(7);
    let cancel = Arc::new(AtomicBool::new(false));
    let budget = Budget { time: Some(Duration::from_secs(120)), cancel: Some(cancel.clone()) };
    let c = SaConfig { threads: 2, ..SaConfig::default() };
    let t = Instant::now();
    let out = std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(200));
            cancel.store(true, Ordering::Relaxed);
        });
        place_sa(&nl, &init, &p, &c, 1, &budget, &NoProgress).unwrap()
    });
    assert!(t.elapsed() < Duration::from_secs(10), "took {:?}", t.elapsed());
    assert_legal(&nl, &init, &out.placement, &p);
}

#[test]
fn time_budget_is_respected_and_progress_reported() {
    struct Count(std::sync::Mutex<Vec<Progress>>);
    impl ProgressSink for Count {
        fn report(&self, p: &Progress) {
            self.0.lock().unwrap().push(p.clone());
        }
    }
    let (nl, init, p) = small(8);
    let sink = Count(Default::default());
    let t = Instant::now();
    let out =
        place_sa(&nl, &init, &p, &SaConfig::default(), 1, &Budget::seconds(1.0), &sink).unwrap();
    assert!(t.elapsed() < Duration::from_secs(5), "took {:?}", t.elapsed());
    assert!(stat(&out, "moves") > 0.0);
    let reports = sink.0.into_inner().unwrap();
    assert!(reports.len() >= 2, "{} reports", reports.len());
    assert!(reports.iter().all(|r| r.stage == "sa" && r.fraction <= 1.0));
    assert_eq!(reports.last().unwrap().fraction, 1.0);
}

#[test]
fn live_snapshots_are_legal_best_placements_at_most_once_a_second() {
    struct Snaps(std::sync::Mutex<Vec<(Instant, Placement)>>);
    impl ProgressSink for Snaps {
        fn report(&self, _: &Progress) {}
        fn wants_placement(&self) -> bool {
            true
        }
        fn placement(&self, pl: &Placement) {
            self.0.lock().unwrap().push((Instant::now(), pl.clone()));
        }
    }
    let (nl, init, p) = small(8);
    let sink = Snaps(Default::default());
    let c = SaConfig { threads: 2, ..SaConfig::default() };
    let t = Instant::now();
    let out = place_sa(&nl, &init, &p, &c, 1, &Budget::seconds(2.5), &sink).unwrap();
    let secs = t.elapsed().as_secs_f64();
    let snaps = sink.0.into_inner().unwrap();
    assert!(!snaps.is_empty(), "no snapshot in {secs:.1} s");
    assert!(snaps.len() as f64 <= secs + 1.0, "{} snapshots in {secs:.1} s", snaps.len());
    for w in snaps.windows(2) {
        assert!(w[1].0 - w[0].0 >= Duration::from_millis(900), "snapshots too close");
    }
    for (_, pl) in &snaps {
        assert_legal(&nl, &init, pl, &p);
    }
    assert_legal(&nl, &init, &out.placement, &p);
}

#[test]
fn degenerate_netlists_and_bad_configs() {
    let p = CostParams {
        canvas_width: 100.0,
        canvas_height: 100.0,
        cols: 4,
        rows: 4,
        ..Default::default()
    };
    let run = |nl: &Netlist, c: &SaConfig| {
        place_sa(nl, &nl.initial_placement(), &p, c, 1, &Budget::default(), &NoProgress)
    };
    let mac = |name: &str, kind, w: f64, h: f64| NodeSpec {
        name: name.into(),
        kind: Some(kind),
        width: w,
        height: h,
        ..Default::default()
    };
    // Empty netlist; only soft macros; one hard macro; no nets anywhere.
    let empty = NetlistBuilder::new().build().unwrap();
    assert!(run(&empty, &cfg(100, 2)).is_ok());
    let mut b = NetlistBuilder::new();
    b.push(mac("Grp_a", NodeKind::SoftMacro, 10.0, 10.0));
    let soft_only = b.build().unwrap();
    let out = run(&soft_only, &cfg(100, 2)).unwrap();
    assert!(out.placement.placed[0]);
    let mut b = NetlistBuilder::new();
    b.push(mac("M", NodeKind::HardMacro, 20.0, 20.0));
    let one = b.build().unwrap();
    let out = run(&one, &cfg(500, 2)).unwrap();
    assert!(crate::legality::check(&one, &out.placement, 100.0, 100.0).is_legal());
    // A macro larger than the canvas: no legal cell.
    let mut b = NetlistBuilder::new();
    b.push(mac("Big", NodeKind::HardMacro, 150.0, 20.0));
    let big = b.build().unwrap();
    assert!(matches!(run(&big, &cfg(100, 1)), Err(PlaceError::NoLegalCell { .. })));
    // More macros than fit: no legal cell.
    let mut b = NetlistBuilder::new();
    for i in 0..17 {
        b.push(mac(&format!("M{i}"), NodeKind::HardMacro, 25.0, 25.0));
    }
    let crowded = b.build().unwrap();
    assert!(matches!(run(&crowded, &cfg(100, 1)), Err(PlaceError::NoLegalCell { .. })));
    // Bad configurations.
    let no_stop = SaConfig { iterations: None, ..SaConfig::default() };
    assert!(matches!(run(&one, &no_stop), Err(PlaceError::Config(_))));
    let bad_t = SaConfig { t_min: 2.0, t_max: 1.0, ..cfg(10, 1) };
    assert!(matches!(run(&one, &bad_t), Err(PlaceError::Config(_))));
    let bad_p = SaConfig { p_swap: -1.0, ..cfg(10, 1) };
    assert!(matches!(run(&one, &bad_p), Err(PlaceError::Config(_))));
    let zero_fd = SaConfig { fd: FdMode::Every(0), ..cfg(10, 1) };
    assert!(matches!(run(&one, &zero_fd), Err(PlaceError::Config(_))));
    // A short placement.
    let short = Placement { x: vec![], ..one.initial_placement() };
    assert!(place_sa(&one, &short, &p, &cfg(10, 1), 1, &Budget::default(), &NoProgress).is_err());
    // Invalid parameters.
    let bad = CostParams { cols: 0, ..p };
    assert!(place_sa(
        &one,
        &one.initial_placement(),
        &bad,
        &cfg(10, 1),
        1,
        &Budget::default(),
        &NoProgress
    )
    .is_err());
}

#[test]
fn spiral_visits_every_cell_once_boundary_first() {
    for (c, r) in [(1, 1), (1, 5), (5, 1), (4, 4), (5, 3), (24, 21)] {
        let s = spiral(c, r);
        let mut seen = vec![false; c * r];
        for &i in &s {
            assert!(!seen[i], "{c}x{r}: cell {i} twice");
            seen[i] = true;
        }
        assert!(seen.iter().all(|&v| v), "{c}x{r}: missing cells");
        // The first 2(c + r) - 4 cells (or all) are on the boundary.
        let ring = if c > 1 && r > 1 { 2 * (c + r) - 4 } else { c * r };
        for &i in &s[..ring] {
            let (row, col) = (i / c, i % c);
            assert!(row == 0 || col == 0 || row == r - 1 || col == c - 1, "{c}x{r}: {i}");
        }
    }
}

#[test]
fn chain_seeds_differ() {
    let s: Vec<u64> = (0..16).map(|c| chain_seed(7, c)).collect();
    for i in 0..s.len() {
        for j in i + 1..s.len() {
            assert_ne!(s[i], s[j]);
        }
    }
    assert_ne!(chain_seed(7, 0), chain_seed(8, 0));
}
