//! Force-directed placer tests on small generated and hand-built netlists.

use netlists::generate::{generate, GenConfig};
use netlists::{Netlist, NetlistBuilder, NodeId, NodeKind, NodeSpec, Placement};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::cost::{CostOverrides, CostParams};

fn small(seed: u64) -> (Netlist, Placement, CostParams) {
    let cfg = GenConfig {
        seed,
        hard_macros: 10,
        soft_macros: 40,
        ports: 12,
        nets: 250,
        grid: (12, 12),
        ..Default::default()
    };
    let (nl, mut pl) = generate(&cfg).unwrap();
    // Hard macros on a coarse lattice (FD does not care about their legality).
    for (k, id) in nl.hard_macros().into_iter().enumerate() {
        pl.x[id.index()] = 100.0 + 200.0 * (k % 5) as f64;
        pl.y[id.index()] = 150.0 + 600.0 * (k / 5) as f64;
        pl.placed[id.index()] = true;
    }
    let p = CostParams::resolve(&nl, None, &CostOverrides::default()).unwrap();
    (nl, pl, p)
}

fn inside(nl: &Netlist, pl: &Placement, p: &CostParams, id: NodeId) -> bool {
    let i = id.index();
    let (hw, hh) = (nl.width[i] / 2.0, nl.height[i] / 2.0);
    pl.x[i] - hw >= -1e-9
        && pl.y[i] - hh >= -1e-9
        && pl.x[i] + hw <= p.canvas_width + 1e-9
        && pl.y[i] + hh <= p.canvas_height + 1e-9
}

#[test]
fn soft_macros_end_inside_the_canvas_and_nothing_else_moves() {
    for seed in 1..4 {
        let (nl, pl0, p) = small(seed);
        for use_current_loc in [false, true] {
            let mut pl = pl0.clone();
            if use_current_loc {
                // Scatter the soft macros, some of them outside the canvas.
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                for id in nl.soft_macros() {
                    pl.x[id.index()] = rng.gen_range(-200.0..1200.0);
                    pl.y[id.index()] = rng.gen_range(-200.0..1200.0);
                }
            }
            let before = pl.clone();
            let cfg = FdConfig { use_current_loc, ..Default::default() };
            let st = place_soft_macros(&nl, &mut pl, &p, &cfg);
            assert_eq!(st.movable, 40);
            assert!(st.steps > 0);
            for id in nl.ids() {
                let i = id.index();
                match nl.kind(id) {
                    NodeKind::SoftMacro => {
                        assert!(inside(&nl, &pl, &p, id), "{} outside", nl.name(id));
                        assert!(pl.placed[i]);
                    }
                    _ => {
                        assert_eq!((pl.x[i], pl.y[i]), (before.x[i], before.y[i]));
                        assert_eq!(pl.placed[i], before.placed[i]);
                    }
                }
            }
        }
    }
}

#[test]
fn deterministic() {
    let (nl, pl0, p) = small(7);
    for use_current_loc in [false, true] {
        let cfg = FdConfig { use_current_loc, ..Default::default() };
        let mut a = pl0.clone();
        let mut b = pl0.clone();
        let sa = place_soft_macros(&nl, &mut a, &p, &cfg);
        let sb = place_soft_macros(&nl, &mut b, &p, &cfg);
        assert_eq!(a, b);
        assert_eq!(sa.repulsion_pairs, sb.repulsion_pairs);
    }
}

#[test]
fn fixed_soft_macros_and_hard_macros_stay_unless_move_macros() {
    let (nl, mut pl, p) = small(3);
    let soft = nl.soft_macros();
    pl.fixed[soft[0].index()] = true;
    let before = pl.clone();
    place_soft_macros(&nl, &mut pl, &p, &FdConfig::default());
    let i = soft[0].index();
    assert_eq!((pl.x[i], pl.y[i]), (before.x[i], before.y[i]));
    // With move_macros, non-fixed hard macros move too (they start at the centre).
    let mut q = before.clone();
    let h = nl.hard_macros();
    q.fixed[h[0].index()] = true;
    let st =
        place_soft_macros(&nl, &mut q, &p, &FdConfig { move_macros: true, ..Default::default() });
    assert_eq!(st.movable, 39 + 9);
    assert_eq!(
        (q.x[h[0].index()], q.y[h[0].index()]),
        (before.x[h[0].index()], before.y[h[0].index()])
    );
    assert!(h[1..]
        .iter()
        .any(|m| (q.x[m.index()], q.y[m.index()]) != (before.x[m.index()], before.y[m.index()])));
}

/// Two ports at the left and right edges; soft macros `A*` connected to the left port and to
/// each other, `B*` to the right port and to each other.
fn two_clusters() -> (Netlist, CostParams) {
    let mut b = NetlistBuilder::new();
    let port = |name: &str, x: f64, fanout: Vec<String>| NodeSpec {
        name: name.into(),
        kind: Some(NodeKind::Port),
        x,
        y: 500.0,
        fanout,
        ..Default::default()
    };
    b.push(port("L", 0.0, (0..4).map(|i| format!("Grp_A{i}/Pinput")).collect()));
    b.push(port("R", 1000.0, (0..4).map(|i| format!("Grp_B{i}/Pinput")).collect()));
    for c in ["A", "B"] {
        for i in 0..4 {
            let m = format!("Grp_{c}{i}");
            b.push(NodeSpec {
                name: m.clone(),
                kind: Some(NodeKind::SoftMacro),
                width: 20.0,
                height: 20.0,
                ..Default::default()
            });
            b.push(NodeSpec {
                name: format!("{m}/Pinput"),
                kind: Some(NodeKind::SoftMacroPin),
                owner: Some(m.clone()),
                ..Default::default()
            });
            b.push(NodeSpec {
                name: format!("{m}/Pout"),
                kind: Some(NodeKind::SoftMacroPin),
                owner: Some(m.clone()),
                fanout: vec![format!("Grp_{c}{}/Pinput", (i + 1) % 4)],
                weight: Some(2.0),
                ..Default::default()
            });
        }
    }
    let nl = b.build().unwrap();
    let p = CostParams {
        canvas_width: 1000.0,
        canvas_height: 1000.0,
        cols: 10,
        rows: 10,
        ..Default::default()
    };
    (nl, p)
}

#[test]
fn attraction_pulls_connected_clusters_together() {
    let (nl, p) = two_clusters();
    let mut pl = nl.initial_placement();
    // Scatter everything.
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for id in nl.soft_macros() {
        pl.x[id.index()] = rng.gen_range(100.0..900.0);
        pl.y[id.index()] = rng.gen_range(100.0..900.0);
    }
    let spread = |pl: &Placement, c: &str| {
        let ids: Vec<usize> = nl
            .soft_macros()
            .iter()
            .filter(|id| nl.name(**id).starts_with(&format!("Grp_{c}")))
            .map(|id| id.index())
            .collect();
        let mx = ids.iter().map(|&i| pl.x[i]).sum::<f64>() / ids.len() as f64;
        let my = ids.iter().map(|&i| pl.y[i]).sum::<f64>() / ids.len() as f64;
        let r = ids.iter().map(|&i| (pl.x[i] - mx).hypot(pl.y[i] - my)).fold(0.0, f64::max);
        (mx, r)
    };
    let (_, ra0) = spread(&pl, "A");
    let (_, rb0) = spread(&pl, "B");
    for use_current_loc in [false, true] {
        let mut q = pl.clone();
        place_soft_macros(&nl, &mut q, &p, &FdConfig { use_current_loc, ..Default::default() });
        let (ax, ra) = spread(&q, "A");
        let (bx, rb) = spread(&q, "B");
        assert!(ax < 250.0, "cluster A should sit near the left port: {ax}");
        assert!(bx > 750.0, "cluster B should sit near the right port: {bx}");
        assert!(ra < ra0 && ra < 100.0, "cluster A not pulled together: {ra0} -> {ra}");
        assert!(rb < rb0 && rb < 100.0, "cluster B not pulled together: {rb0} -> {rb}");
        // Repulsion leaves no two soft macros overlapping much.
        let s = nl.soft_macros();
        for (k, a) in s.iter().enumerate() {
            for b in &s[k + 1..] {
                let (i, j) = (a.index(), b.index());
                let ox = 20.0 - (q.x[i] - q.x[j]).abs();
                let oy = 20.0 - (q.y[i] - q.y[j]).abs();
                assert!(ox <= 10.0 || oy <= 10.0, "{} and {} overlap", nl.name(*a), nl.name(*b));
            }
        }
    }
}

#[test]
fn degenerate_inputs_do_not_panic() {
    // No soft macros, no nets.
    let mut b = NetlistBuilder::new();
    b.push(NodeSpec {
        name: "M".into(),
        kind: Some(NodeKind::HardMacro),
        width: 10.0,
        height: 10.0,
        ..Default::default()
    });
    let nl = b.build().unwrap();
    let p = CostParams {
        canvas_width: 100.0,
        canvas_height: 100.0,
        cols: 2,
        rows: 2,
        ..Default::default()
    };
    let mut pl = nl.initial_placement();
    let st = place_soft_macros(&nl, &mut pl, &p, &FdConfig::default());
    assert_eq!(st.movable, 0);
    assert_eq!(pl, nl.initial_placement());
    // A soft macro larger than the canvas, no nets: centred, no panic.
    let mut b = NetlistBuilder::new();
    b.push(NodeSpec {
        name: "Grp_big".into(),
        kind: Some(NodeKind::SoftMacro),
        width: 500.0,
        height: 50.0,
        ..Default::default()
    });
    b.push(NodeSpec {
        name: "Grp_small".into(),
        kind: Some(NodeKind::SoftMacro),
        width: 5.0,
        height: 5.0,
        ..Default::default()
    });
    let nl = b.build().unwrap();
    for use_current_loc in [false, true] {
        let mut pl = nl.initial_placement();
        let st = place_soft_macros(
            &nl,
            &mut pl,
            &p,
            &FdConfig { use_current_loc, ..Default::default() },
        );
        assert_eq!(st.movable, 2);
        assert_eq!(pl.x[0], 50.0);
        assert!(pl.x.iter().chain(&pl.y).all(|v| v.is_finite()));
    }
    // Invalid canvas or short placement: nothing happens.
    let mut pl = nl.initial_placement();
    let bad = CostParams { canvas_width: f64::NAN, ..p };
    assert_eq!(place_soft_macros(&nl, &mut pl, &bad, &FdConfig::default()).steps, 0);
    let mut short = Placement { x: vec![], ..nl.initial_placement() };
    assert_eq!(place_soft_macros(&nl, &mut short, &p, &FdConfig::default()).steps, 0);
    // Empty netlist.
    let nl = NetlistBuilder::new().build().unwrap();
    let mut pl = nl.initial_placement();
    assert_eq!(place_soft_macros(&nl, &mut pl, &p, &FdConfig::default()).movable, 0);
}

/// The sweep finds exactly the pairs (and forces) of the naive all-pairs loop.
#[test]
fn repulsion_sweep_matches_all_pairs() {
    let (nl, pl0, p) = small(11);
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for _ in 0..20 {
        let mut pl = pl0.clone();
        for id in nl.soft_macros() {
            // Clumps, exact coincidences and touching boxes.
            let (x, y) = match rng.gen_range(0..4) {
                0 => (500.0, 500.0),
                1 => (rng.gen_range(0..10) as f64 * 25.0, rng.gen_range(0..10) as f64 * 25.0),
                _ => (rng.gen_range(0.0..1000.0), rng.gen_range(0.0..1000.0)),
            };
            pl.x[id.index()] = x;
            pl.y[id.index()] = y;
        }
        let mut fd = Fd::new(&nl, &pl, &p, &FdConfig::default());
        fd.fx.fill(0.0);
        fd.fy.fill(0.0);
        let pairs = fd.repel(3.0, 1e-4);
        // Naive.
        let n = fd.node.len();
        let (mut fx, mut fy) = (vec![0.0; fd.n_mov], vec![0.0; fd.n_mov]);
        let mut naive = 0;
        for a in 0..n {
            for b in a + 1..n {
                if a >= fd.n_mov && b >= fd.n_mov {
                    continue;
                }
                let ox = (fd.x[a] + fd.hw[a]).min(fd.x[b] + fd.hw[b])
                    - (fd.x[a] - fd.hw[a]).max(fd.x[b] - fd.hw[b]);
                let oy = (fd.y[a] + fd.hh[a]).min(fd.y[b] + fd.hh[b])
                    - (fd.y[a] - fd.hh[a]).max(fd.y[b] - fd.hh[b]);
                if ox <= 1e-4 || oy <= 1e-4 {
                    continue;
                }
                naive += 1;
                let (dx, dy) = (fd.x[a] - fd.x[b], fd.y[a] - fd.y[b]);
                let d = dx.hypot(dy);
                let (ux, uy) = if d > 0.0 {
                    (dx / d, dy / d)
                } else {
                    (-std::f64::consts::FRAC_1_SQRT_2, -std::f64::consts::FRAC_1_SQRT_2)
                };
                if a < fd.n_mov {
                    fx[a] += 3.0 * ux;
                    fy[a] += 3.0 * uy;
                }
                if b < fd.n_mov {
                    fx[b] -= 3.0 * ux;
                    fy[b] -= 3.0 * uy;
                }
            }
        }
        assert_eq!(pairs, naive);
        for o in 0..fd.n_mov {
            assert!((fd.fx[o] - fx[o]).abs() <= 1e-9 * (1.0 + fx[o].abs()), "fx {o}");
            assert!((fd.fy[o] - fy[o]).abs() <= 1e-9 * (1.0 + fy[o].abs()), "fy {o}");
        }
    }
}
