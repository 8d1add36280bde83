use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::generate::{generate_flat, FlatGenConfig};

/// A hypergraph with planted structure: `n` unit-weight vertices on a line, edges of 2–4
/// pins among nearby vertices (mostly) or random ones.
fn planted(n: usize, edges: usize, seed: u64) -> Hypergraph {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let es: Vec<(Vec<u32>, f64)> = (0..edges)
        .map(|_| {
            let a = rng.gen_range(0..n);
            let size = rng.gen_range(2..=4);
            let pins = (0..size)
                .map(|_| {
                    if rng.gen::<f64>() < 0.9 {
                        (a + rng.gen_range(0..20)).min(n - 1) as u32
                    } else {
                        rng.gen_range(0..n) as u32
                    }
                })
                .collect();
            (pins, 1.0)
        })
        .collect();
    Hypergraph::new(vec![1.0; n], es)
}

fn part_weights(h: &Hypergraph, part: &[u32], k: usize) -> Vec<f64> {
    let mut w = vec![0.0; k];
    for (v, &p) in part.iter().enumerate() {
        w[p as usize] += h.vwgt[v];
    }
    w
}

#[test]
fn partition_is_complete_balanced_and_deterministic() {
    let h = planted(3000, 6000, 7);
    let k = 24;
    let part = partition(&h, k, 0.1, 3);
    assert_eq!(part.len(), h.vertices());
    assert!(part.iter().all(|&p| (p as usize) < k));
    let w = part_weights(&h, &part, k);
    let avg = h.total_weight() / k as f64;
    let max = w.iter().copied().fold(0.0, f64::max);
    assert!(max <= 1.1 * avg + 1.0, "largest part {max} vs average {avg}");
    assert!(w.iter().all(|&x| x > 0.0), "every part is used: {w:?}");
    assert_eq!(partition(&h, k, 0.1, 3), part, "same seed, same parts");
    assert_ne!(partition(&h, k, 0.1, 4), part, "another seed explores another partition");
}

#[test]
fn partition_cuts_far_less_than_a_random_balanced_assignment() {
    let h = planted(2000, 5000, 11);
    let k = 16;
    let part = partition(&h, k, 0.1, 1);
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut order: Vec<usize> = (0..h.vertices()).collect();
    order.shuffle(&mut rng);
    let mut random = vec![0u32; h.vertices()];
    for (i, &v) in order.iter().enumerate() {
        random[v] = (i * k / h.vertices()) as u32;
    }
    let (ours, theirs) = (h.cut(&part), h.cut(&random));
    assert!(ours < 0.5 * theirs, "cut {ours} vs random {theirs}");
}

#[test]
fn bisection_respects_uneven_targets() {
    let h = planted(999, 2000, 2);
    let side = partition::bisect(&h, 1.0 / 3.0, 0.02, 9);
    let w0 = side.iter().filter(|&&s| s == 0).count() as f64;
    // Each side weighs at most (1 + eps) times its target.
    assert!(w0 <= 333.0 * 1.02 && 999.0 - w0 <= 666.0 * 1.02, "side 0 weighs {w0}");
    assert!(w0 >= 300.0, "side 0 weighs {w0}");
}

fn flat(cells: usize, clock: usize) -> (Netlist, Placement) {
    generate_flat(&FlatGenConfig { std_cells: cells, clock_sinks: clock, ..Default::default() })
        .unwrap()
}

#[test]
fn clustering_assigns_every_cell_once_and_bloats_areas() {
    let (nl, _) = flat(2000, 0);
    let cfg = ClusterConfig { clusters: 20, ..Default::default() };
    let c = cluster(&nl, &cfg).unwrap();
    let out = &c.netlist;
    assert_eq!(c.stats.clusters, 20);
    assert_eq!(out.counts().soft_macros, 20);
    let mut area = [0.0; 20];
    let mut count = [0usize; 20];
    for id in nl.ids() {
        match (nl.kind(id), c.assignment[id.index()]) {
            (NodeKind::StdCell, Some(g)) => {
                area[g as usize] += nl.area(id);
                count[g as usize] += 1;
            }
            (NodeKind::StdCell, None) => panic!("cell {id} unassigned"),
            (_, a) => assert_eq!(a, None),
        }
    }
    assert_eq!(count.iter().sum::<usize>(), 2000);
    assert_eq!(c.stats.cells.0, *count.iter().min().unwrap());
    let avg = area.iter().sum::<f64>() / 20.0;
    for (g, &a) in area.iter().enumerate() {
        let m = out.find(&format!("Grp_{g}")).unwrap();
        let (w, h) = (out.width[m.index()], out.height[m.index()]);
        assert_eq!(w, h, "soft macros are square");
        assert!((w * h - a / 0.5).abs() < 1e-6 * w * h, "bloated area of Grp_{g}");
        assert!(a <= 1.1 * avg + 2.0 * 1.4, "cluster {g} area {} vs avg {avg}", a);
        // Inside the canvas.
        let (x, y) = (c.placement.x[m.index()], c.placement.y[m.index()]);
        assert!(x - w / 2.0 >= -1e-9 && x + w / 2.0 <= 400.0 + 1e-9);
        assert!(y - h / 2.0 >= -1e-9 && y + h / 2.0 <= 400.0 + 1e-9);
    }
    assert_eq!(out.soft_macro_area_bloating_ratio, Some(2.0));
    // Hard macros, their pins and the ports are kept with their names and geometry.
    for id in nl.ids().filter(|&i| nl.kind(i) != NodeKind::StdCell) {
        let o = out.find(nl.name(id)).unwrap();
        assert_eq!(out.kind(o), nl.kind(id));
        assert_eq!(out.pin_offset[o.index()], nl.pin_offset[id.index()]);
        assert_eq!(
            (out.width[o.index()], out.x[o.index()]),
            (nl.width[id.index()], nl.x[id.index()])
        );
    }
    assert!(out.of_kind(NodeKind::StdCell).is_empty());
    let (cols, rows) = c.stats.grid;
    assert!(c.stats.grid_auto && (500..=4096).contains(&(cols * rows)));
    assert!(c.stats.from_positions);
}

#[test]
fn clustered_nets_keep_every_external_connection_with_its_weight() {
    let (nl, _) = flat(1500, 0);
    let c = cluster(&nl, &ClusterConfig { clusters: 12, seed: 4, ..Default::default() }).unwrap();
    let out = &c.netlist;
    // Expected: one unit of weight per flat net that leaves its driver's cluster.
    let end = |id: NodeId| match c.assignment[id.index()] {
        Some(g) => (0u8, g),
        None => (1u8, id.0),
    };
    let mut expected = 0.0;
    for n in 0..nl.nets.len() {
        let d = end(nl.nets.driver[n]);
        if nl.nets.sinks_of(crate::NetId(n as u32)).iter().any(|&s| end(s) != d) {
            expected += nl.nets.weight[n];
        }
    }
    assert!(
        (out.nets.weight_sum() - expected).abs() < 1e-9,
        "{} vs {expected}",
        out.nets.weight_sum()
    );
    assert!(out.nets.len() < nl.nets.len());
    // Soft-macro pins: inputs are sinks only, outputs drive exactly one net with their weight.
    for p in out.of_kind(NodeKind::SoftMacroPin) {
        let name = out.name(p);
        assert!(out.name(out.owner[p.index()].unwrap()).starts_with("Grp_"));
        let drives: Vec<usize> = (0..out.nets.len()).filter(|&n| out.nets.driver[n] == p).collect();
        if name.ends_with("/Pinput") {
            assert!(drives.is_empty());
        } else {
            assert_eq!(drives.len(), 1, "{name}");
            assert_eq!(Some(out.nets.weight[drives[0]]), out.weight[p.index()]);
            let sinks = out.nets.sinks_of(crate::NetId(drives[0] as u32));
            assert!(sinks.iter().all(|&s| out.owner[s.index()] != out.owner[p.index()]));
            assert_eq!(name.contains("single"), sinks.len() == 1);
        }
    }
    // The .pb.txt form reads back to the same netlist.
    let text = crate::pb_txt::to_string(out, Some(&c.placement));
    let back = crate::pb_txt::parse_str(&text, std::path::Path::new("clustered")).unwrap();
    assert_eq!(back.nets, out.nets);
    assert_eq!(back.names, out.names);
    assert_eq!(back.header.canvas, out.header.canvas);
    assert_eq!(back.header.grid, out.header.grid);
    // Macro-only HPWL is the flat one (no high-fanout net here).
    let flat_pl = nl.initial_placement();
    let (a, b) = (macro_hpwl(&nl, &flat_pl), macro_hpwl(out, &c.placement));
    assert!(a > 0.0 && (a - b).abs() < 1e-6 * a, "{a} vs {b}");
}

#[test]
fn high_fanout_nets_are_ignored() {
    let (nl, _) = flat(1200, 600);
    let c = cluster(&nl, &ClusterConfig { clusters: 8, ..Default::default() }).unwrap();
    assert_eq!(c.stats.ignored_nets, 1);
    let p0 = c.netlist.find("P0").unwrap();
    assert!(!c.netlist.nets.driver.contains(&p0), "the 600-sink net of P0 is dropped");
    let c2 = cluster(&nl, &ClusterConfig { clusters: 8, high_fanout: 1000, ..Default::default() })
        .unwrap();
    assert_eq!(c2.stats.ignored_nets, 0);
    assert!(c2.netlist.nets.driver.contains(&c2.netlist.find("P0").unwrap()));
}

#[test]
fn clustering_is_deterministic_and_rejects_bad_input() {
    let (nl, _) = flat(800, 0);
    let cfg = ClusterConfig { clusters: 10, seed: 9, ..Default::default() };
    let a = cluster(&nl, &cfg).unwrap();
    let b = cluster(&nl, &cfg).unwrap();
    assert_eq!(a.assignment, b.assignment);
    assert_eq!(a.netlist, b.netlist);
    assert_eq!(a.placement, b.placement);
    // Without anchors the partition sees standard cells only: fewer hyperedges, all cells kept.
    let na = cluster(&nl, &ClusterConfig { anchors: false, ..cfg.clone() }).unwrap();
    assert!(na.stats.hyperedges < a.stats.hyperedges);
    assert_eq!(na.assignment.iter().flatten().count(), 800);
    assert!(cluster(&nl, &ClusterConfig { clusters: 0, ..Default::default() }).is_err());
    assert!(cluster(&nl, &ClusterConfig { utilization: Some(0.0), ..Default::default() }).is_err());
    let (soft, _) = crate::generate::generate(&Default::default()).unwrap();
    assert!(cluster(&soft, &ClusterConfig::default()).is_err());
}

#[test]
fn soft_macros_start_near_their_neighbours_without_positions() {
    let (mut nl, _) = flat(600, 0);
    for c in nl.of_kind(NodeKind::StdCell) {
        nl.x[c.index()] = 0.0;
        nl.y[c.index()] = 0.0;
    }
    let c = cluster(&nl, &ClusterConfig { clusters: 6, ..Default::default() }).unwrap();
    assert!(!c.stats.from_positions);
    // Not all at the origin: each sits at the mean of the macros and ports it talks to.
    let xs: Vec<f64> = c.netlist.soft_macros().iter().map(|m| c.placement.x[m.index()]).collect();
    assert!(xs.iter().any(|&x| (x - xs[0]).abs() > 1.0), "{xs:?}");
}

#[test]
fn grid_choice_fits_the_macros() {
    let (nl, _) = flat(100, 0);
    let g = choose_grid(&nl, 400.0, 400.0);
    assert!(g.feasible);
    let (cw, ch) = (400.0 / g.cols as f64, 400.0 / g.rows as f64);
    assert!(cw.max(ch) / cw.min(ch) <= 1.5);
    assert!((500..=4096).contains(&(g.cols * g.rows)));
}

#[test]
fn ports_group_by_side_and_gap() {
    let mut b = crate::NetlistBuilder::new();
    // Left side: 0, 10, 20 (one group: within one cell of 100), 500 (new group: gap);
    // bottom side: 300, 350 (one group); right side: 50.
    for (i, &(x, y)) in [
        (0.0, 0.0),
        (0.0, 10.0),
        (0.0, 20.0),
        (0.0, 500.0),
        (300.0, 0.5),
        (350.0, 0.5),
        (999.0, 50.0),
    ]
    .iter()
    .enumerate()
    {
        b.push(crate::NodeSpec {
            name: format!("p{i}"),
            kind: Some(NodeKind::Port),
            x,
            y,
            ..Default::default()
        });
    }
    let nl = b.build().unwrap();
    let groups = port_groups(&nl, (1000.0, 1000.0), (10, 10));
    let names: Vec<Vec<&str>> =
        groups.iter().map(|g| g.iter().map(|&p| nl.name(p)).collect()).collect();
    assert_eq!(names, vec![vec!["p0", "p1", "p2"], vec!["p3"], vec!["p6"], vec!["p4", "p5"]]);
}

#[test]
fn breakup_splits_a_cluster_made_of_two_far_lumps() {
    let mut b = crate::NetlistBuilder::new();
    // Cells 0..40: group 0, half near (10, 10), half near (390, 390) (one outlier cell at
    // (200, 10) that joins the nearest lump); cells 40..80: group 1, all near (200, 200).
    let mut group = Vec::new();
    for i in 0..80 {
        let (x, y) = match i {
            0 => (200.0, 10.0),
            1..=19 => (10.0 + i as f64 * 0.1, 10.0),
            20..=39 => (390.0 - i as f64 * 0.1, 390.0),
            _ => (200.0 + (i % 7) as f64, 200.0),
        };
        group.push(if i < 40 { 0 } else { 1 });
        b.push(crate::NodeSpec {
            name: format!("c{i}"),
            kind: Some(NodeKind::StdCell),
            width: 1.0,
            height: 1.0,
            x,
            y,
            ..Default::default()
        });
    }
    let nl = b.build().unwrap();
    let cells = nl.of_kind(NodeKind::StdCell);
    let mut k = 2;
    assert_eq!(breakup(&nl, &cells, &mut group, &mut k, 100.0), 1);
    assert_eq!(k, 3);
    assert!(group[1..20].iter().all(|&g| g == group[1]));
    assert!(group[20..40].iter().all(|&g| g == group[20]));
    assert_ne!(group[1], group[20]);
    assert!(group[40..].iter().all(|&g| g == 1), "a compact cluster is left alone");
    assert_eq!(group[0], group[1], "the outlier joins the nearest lump");
}
