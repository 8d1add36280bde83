//! Cost-engine timings on Ariane133-NG45 (`legalized.plc`, parameters from its header):
//! full evaluation, one random hard-macro move + cost read (committed), move + cost read +
//! rollback, and swap + cost read + rollback. Plain `std::time`; prints min / median / mean.
//!
//! Run: `cargo bench -p placer --bench cost` (set `CHIPFLOOR_SHARED` if `shared/` is not
//! beside the workspace).

use std::hint::black_box;
use std::time::{Duration, Instant};

use netlists::{pb_txt, plc, shared_dir, NetlistBuilder, NodeId, NodeKind, NodeSpec};
use placer::cost::{
    CostModel, CostOverrides, CostParams, CostWeights, EvalScratch, IncrementalCost,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn stats(name: &str, per_item: &mut [Duration], unit: &str) {
    per_item.sort();
    let n = per_item.len();
    let f = |d: Duration| match unit {
        "us" => format!("{:9.3} us", d.as_secs_f64() * 1e6),
        _ => format!("{:9.3} ms", d.as_secs_f64() * 1e3),
    };
    let mean = per_item.iter().sum::<Duration>() / n as u32;
    println!(
        "{name:<44} min {}  median {}  mean {}  (n={n})",
        f(per_item[0]),
        f(per_item[n / 2]),
        f(mean)
    );
}

/// Position of macro `i`.
type Layout = dyn Fn(usize, &mut ChaCha8Rng) -> (f64, f64);

/// Legality check on 10,000 synthetic 10 x 10 hard macros: a legal 100 x 100 array, a random
/// placement (many overlaps) and the sweep's worst case (all in one column).
fn legality_10k() {
    let n = 10_000usize;
    let mut b = NetlistBuilder::new();
    for i in 0..n {
        b.push(NodeSpec {
            name: format!("M{i}"),
            kind: Some(NodeKind::HardMacro),
            width: 10.0,
            height: 10.0,
            ..Default::default()
        });
    }
    let nl = b.build().unwrap();
    let mut pl = nl.initial_placement();
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let layouts: [(&str, Box<Layout>); 3] = [
        (
            "legal array",
            Box::new(|i, _| (5.0 + 10.0 * (i % 100) as f64, 5.0 + 10.0 * (i / 100) as f64)),
        ),
        ("random", Box::new(|_, r| (r.gen_range(5.0..995.0), r.gen_range(5.0..995.0)))),
        ("one column", Box::new(|i, _| (500.0, 5.0 + (i as f64) * 0.1))),
    ];
    for (name, f) in layouts {
        for i in 0..n {
            (pl.x[i], pl.y[i]) = f(i, &mut rng);
        }
        let mut v = Vec::new();
        let mut pairs = 0;
        for _ in 0..5 {
            let t = Instant::now();
            pairs = black_box(placer::legality::check(&nl, &pl, 1000.0, 1000.0))
                .hard_macro_overlap_pairs;
            v.push(t.elapsed());
        }
        stats(&format!("legality 10k macros, {name} ({pairs} pairs)"), &mut v, "ms");
    }
}

fn main() {
    legality_10k();
    let Some(dir) = shared_dir().map(|d| d.join("benchmarks/ariane133_ng45")) else {
        eprintln!("shared/ not found (set CHIPFLOOR_SHARED); nothing to benchmark");
        return;
    };
    let t = Instant::now();
    let nl = pb_txt::read(&dir.join("netlist.pb.txt.gz")).expect("netlist");
    let plc_path = dir.join("legalized.plc");
    let pf = plc::read(&plc_path).expect("plc");
    let mut pl = nl.initial_placement();
    pf.apply(&nl, &mut pl, &plc_path).expect("apply");
    let p = CostParams::resolve(&nl, Some(&pf.header), &CostOverrides::default()).expect("params");
    println!(
        "ariane133_ng45 legalized.plc read in {:.1} ms; params {p}",
        t.elapsed().as_secs_f64() * 1e3
    );

    // Model construction.
    let mut v = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        black_box(CostModel::new(&nl, &p).unwrap());
        v.push(t.elapsed());
    }
    stats("CostModel::new", &mut v, "ms");

    // Full evaluation.
    let model = CostModel::new(&nl, &p).unwrap();
    let mut scratch = EvalScratch::default();
    let c = model.evaluate(&pl, &mut scratch).unwrap();
    println!("{}", placer::CostReport::new(&c, &p));
    let mut v = Vec::new();
    for _ in 0..500 {
        let t = Instant::now();
        black_box(model.evaluate(black_box(&pl), &mut scratch).unwrap());
        v.push(t.elapsed());
    }
    stats("full evaluation (CostModel::evaluate)", &mut v, "ms");

    // Incremental: random hard-macro moves inside the canvas.
    let hard: Vec<NodeId> = nl.hard_macros();
    let (cw, ch) = (p.canvas_width, p.canvas_height);
    let t = Instant::now();
    let mut inc = IncrementalCost::new(&nl, &pl, &p).unwrap();
    println!("IncrementalCost::new {:.3} ms", t.elapsed().as_secs_f64() * 1e3);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let target = |rng: &mut ChaCha8Rng| {
        let m = hard[rng.gen_range(0..hard.len())];
        let (w, h) = (nl.width[m.index()], nl.height[m.index()]);
        let x = rng.gen_range(w / 2.0..=(cw - w / 2.0).max(w / 2.0));
        let y = rng.gen_range(h / 2.0..=(ch - h / 2.0).max(h / 2.0));
        (m, x, y)
    };
    let batch = 1000;
    let batches = 150;
    let w = CostWeights::CT_DEFAULT;

    let mut v = Vec::new();
    let mut acc = 0.0;
    for _ in 0..batches {
        let moves: Vec<_> = (0..batch).map(|_| target(&mut rng)).collect();
        let t = Instant::now();
        for &(m, x, y) in &moves {
            inc.move_node(m, x, y).unwrap();
            acc += inc.proxy(w);
        }
        v.push(t.elapsed() / batch);
    }
    black_box(acc);
    stats("hard-macro move + cost read (committed)", &mut v, "us");

    let mut v = Vec::new();
    for _ in 0..batches {
        let moves: Vec<_> = (0..batch).map(|_| target(&mut rng)).collect();
        let t = Instant::now();
        for &(m, x, y) in &moves {
            inc.begin();
            inc.move_node(m, x, y).unwrap();
            acc += inc.proxy(w);
            inc.rollback();
        }
        v.push(t.elapsed() / batch);
    }
    black_box(acc);
    stats("hard-macro move + cost read + rollback", &mut v, "us");

    let mut v = Vec::new();
    for _ in 0..batches {
        let pairs: Vec<_> = (0..batch)
            .map(|_| (hard[rng.gen_range(0..hard.len())], hard[rng.gen_range(0..hard.len())]))
            .collect();
        let t = Instant::now();
        for &(a, b) in &pairs {
            inc.begin();
            inc.swap(a, b).unwrap();
            acc += inc.proxy(w);
            inc.rollback();
        }
        v.push(t.elapsed() / batch);
    }
    black_box(acc);
    stats("hard-macro swap + cost read + rollback", &mut v, "us");

    // Small moves (a few µm): pins mostly stay in their cells.
    let mut v = Vec::new();
    for _ in 0..batches {
        let moves: Vec<_> = (0..batch)
            .map(|_| {
                let m = hard[rng.gen_range(0..hard.len())];
                let (x, y) = inc.position(m);
                (m, x + rng.gen_range(-5.0..5.0), y + rng.gen_range(-5.0..5.0))
            })
            .collect();
        let t = Instant::now();
        for &(m, x, y) in &moves {
            inc.begin();
            inc.move_node(m, x, y).unwrap();
            acc += inc.proxy(w);
            inc.rollback();
        }
        v.push(t.elapsed() / batch);
    }
    black_box(acc);
    stats("small hard-macro move + cost + rollback", &mut v, "us");

    // Correctness: incremental against a full evaluation after all those moves.
    let a = inc.cost();
    let f = inc.full_cost().unwrap();
    let rel = |x: f64, y: f64| (x - y).abs() / x.abs().max(y.abs()).max(1e-300);
    println!(
        "check after {} committed moves: rel diff wl {:.2e} den {:.2e} cong {:.2e}",
        batch * batches,
        rel(a.wirelength_cost, f.wirelength_cost),
        rel(a.density_cost, f.density_cost),
        rel(a.congestion_cost, f.congestion_cost)
    );
    assert!(rel(a.wirelength_cost, f.wirelength_cost) <= 1e-9);
    assert!(rel(a.density_cost, f.density_cost) <= 1e-9);
    assert!(rel(a.congestion_cost, f.congestion_cost) <= 1e-9);
}
