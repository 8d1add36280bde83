//! Multilevel recursive-bisection hypergraph partitioner (seeded, deterministic, single
//! thread).
//!
//! `k` parts come from recursive bisection: a hypergraph that must become `k` parts is split
//! into two halves of `⌊k/2⌋` and `⌈k/2⌉` parts whose weights are in that ratio, and each half
//! (the induced sub-hypergraph) is split again. Each bisection is multilevel:
//!
//! 1. **Coarsening**: heavy-edge matching in a seeded random vertex order. A vertex is matched
//!    with the unmatched neighbour of highest rating `Σ w_e / (|e| − 1)` over shared edges of
//!    at most [`RATE_EDGE_LIMIT`] pins, as long as the pair weighs at most twice the average
//!    weight of a vertex of the coarsest level. Contracted edges lose duplicate pins; edges
//!    left with one pin are dropped and parallel edges are merged (weights summed). Coarsening
//!    stops at [`COARSEST`] vertices or when a level shrinks by less than 5 %.
//! 2. **Initial bisection** of the coarsest hypergraph: [`INITIAL_TRIES`] seeded
//!    breadth-first growings of side 0 up to its target weight, each refined by FM; the
//!    smallest cut among balanced ones wins.
//! 3. **Uncoarsening**: the sides are projected level by level and refined by
//!    Fiduccia–Mattheyses passes (single-vertex moves in gain order, best prefix kept, a pass
//!    stops after [`FM_PATIENCE`] moves without improvement, at most [`FM_PASSES`] passes).
//!
//! **Balance.** With imbalance `ε`, each bisection uses `ε_b = (1 + ε)^(1/⌈log₂ k⌉) − 1`, so
//! side `s` weighs at most `(1 + ε_b)·t_s` (`t_s` its target) on the finest level, and every
//! part at most `(1 + ε)·W/k` as long as single vertices are small against that slack
//! (coarse levels allow one extra coarse-vertex weight of slack; the finest does not).
//!
//! Ties are broken by vertex index, every random choice comes from a `ChaCha8Rng` seeded from
//! the seed and the position in the recursion, so the same input and seed give the same parts.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::hypergraph::Hypergraph;

/// Coarsening stops at this many vertices.
pub const COARSEST: usize = 160;
/// Edges with more pins than this do not contribute to matching ratings.
pub const RATE_EDGE_LIMIT: usize = 64;
/// Initial bisections tried on the coarsest level.
pub const INITIAL_TRIES: usize = 8;
/// FM passes per level at most.
pub const FM_PASSES: usize = 4;
/// An FM pass stops after this many moves without a new best cut.
pub const FM_PATIENCE: usize = 250;

/// Partitions `h` into `k` parts (ids `0..k`; a part may be empty when `h` has fewer than `k`
/// vertices) with total imbalance `imbalance` (0.1: a part weighs at most 1.1 × average).
pub fn partition(h: &Hypergraph, k: usize, imbalance: f64, seed: u64) -> Vec<u32> {
    let k = k.max(1);
    let mut out = vec![0u32; h.vertices()];
    let depth = (k as f64).log2().ceil().max(1.0);
    let eps = (1.0 + imbalance.max(0.0)).powf(1.0 / depth) - 1.0;
    let ids: Vec<u32> = (0..h.vertices() as u32).collect();
    recurse(h, &ids, k, 0, seed, eps, &mut out);
    out
}

fn recurse(
    h: &Hypergraph,
    ids: &[u32],
    k: usize,
    first: u32,
    seed: u64,
    eps: f64,
    out: &mut [u32],
) {
    if k <= 1 || h.vertices() == 0 {
        for &v in ids {
            out[v as usize] = first;
        }
        return;
    }
    let k0 = k / 2;
    let side = bisect(h, k0 as f64 / k as f64, eps, mix(seed, first as u64, k as u64));
    for s in 0..2u8 {
        let keep: Vec<bool> = side.iter().map(|&x| x == s).collect();
        let (sub, local) = h.induced(&keep);
        let gids: Vec<u32> = local.iter().map(|&l| ids[l as usize]).collect();
        let (kk, f) = if s == 0 { (k0, first) } else { (k - k0, first + k0 as u32) };
        recurse(&sub, &gids, kk, f, seed, eps, out);
    }
}

/// SplitMix64-style mixing of the seed with the recursion position.
fn mix(seed: u64, a: u64, b: u64) -> u64 {
    let mut z =
        seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Splits `h` into sides 0 and 1, side 0 targeting `frac0` of the weight.
pub fn bisect(h: &Hypergraph, frac0: f64, eps: f64, seed: u64) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let total = h.total_weight();
    let target = [total * frac0, total * (1.0 - frac0)];
    let strict = [target[0] * (1.0 + eps), target[1] * (1.0 + eps)];
    let cap = (2.0 * total / COARSEST as f64).max(f64::MIN_POSITIVE);
    let mut levels: Vec<(Hypergraph, Vec<u32>)> = Vec::new();
    loop {
        let cur = levels.last().map_or(h, |l| &l.0);
        if cur.vertices() <= COARSEST {
            break;
        }
        let (map, nc) = matching(cur, cap, &mut rng);
        if nc as f64 > 0.95 * cur.vertices() as f64 {
            break;
        }
        let coarse = contract(cur, &map, nc);
        levels.push((coarse, map));
    }
    let slack = |g: &Hypergraph, finest: bool| -> [f64; 2] {
        if finest {
            strict
        } else {
            let m = g.vwgt.iter().copied().fold(0.0, f64::max);
            [strict[0] + m, strict[1] + m]
        }
    };
    let coarsest = levels.last().map_or(h, |l| &l.0);
    let mut part = initial(coarsest, target[0], slack(coarsest, levels.is_empty()), &mut rng);
    for i in (0..levels.len()).rev() {
        let finer = if i == 0 { h } else { &levels[i - 1].0 };
        part = levels[i].1.iter().map(|&c| part[c as usize]).collect();
        fm(finer, &mut part, slack(finer, i == 0));
    }
    part
}

/// Heavy-edge matching; returns the fine → coarse map and the number of coarse vertices.
fn matching(h: &Hypergraph, cap: f64, rng: &mut ChaCha8Rng) -> (Vec<u32>, usize) {
    let n = h.vertices();
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.shuffle(rng);
    const NONE: u32 = u32::MAX;
    let mut mate = vec![NONE; n];
    let mut rating = vec![-1.0f64; n];
    let mut touched: Vec<u32> = Vec::new();
    for &v in &order {
        let v = v as usize;
        if mate[v] != NONE {
            continue;
        }
        for &e in h.incident(v) {
            let pins = h.edge(e as usize);
            if pins.len() > RATE_EDGE_LIMIT {
                continue;
            }
            let r = h.ewgt[e as usize] / (pins.len() - 1) as f64;
            for &u in pins {
                let u = u as usize;
                if u == v || mate[u] != NONE {
                    continue;
                }
                if rating[u] < 0.0 {
                    rating[u] = 0.0;
                    touched.push(u as u32);
                }
                rating[u] += r;
            }
        }
        let mut best: Option<(f64, u32)> = None;
        for &u in &touched {
            let r = rating[u as usize];
            if h.vwgt[v] + h.vwgt[u as usize] <= cap
                && best.is_none_or(|(br, bu)| r > br || (r == br && u < bu))
            {
                best = Some((r, u));
            }
            rating[u as usize] = -1.0;
        }
        touched.clear();
        match best {
            Some((_, u)) => {
                mate[v] = u;
                mate[u as usize] = v as u32;
            }
            None => mate[v] = v as u32,
        }
    }
    let mut map = vec![NONE; n];
    let mut nc = 0u32;
    for v in 0..n {
        if map[v] != NONE {
            continue;
        }
        map[v] = nc;
        let m = mate[v] as usize;
        if m != v && m < n {
            map[m] = nc;
        }
        nc += 1;
    }
    (map, nc as usize)
}

/// Contracts `h` by `map`; parallel edges are merged.
fn contract(h: &Hypergraph, map: &[u32], nc: usize) -> Hypergraph {
    let mut vwgt = vec![0.0; nc];
    for (v, &c) in map.iter().enumerate() {
        vwgt[c as usize] += h.vwgt[v];
    }
    let mut eptr = vec![0u32];
    let mut pins: Vec<u32> = Vec::with_capacity(h.pins.len());
    let mut ewgt = Vec::new();
    let mut keys: Vec<(u64, u32)> = Vec::new();
    for e in 0..h.edges() {
        let start = pins.len();
        pins.extend(h.edge(e).iter().map(|&p| map[p as usize]));
        pins[start..].sort_unstable();
        let mut w = start;
        for r in start..pins.len() {
            if r == start || pins[r] != pins[w - 1] {
                pins[w] = pins[r];
                w += 1;
            }
        }
        pins.truncate(w);
        if w - start < 2 {
            pins.truncate(start);
            continue;
        }
        let mut hash = 0xcbf2_9ce4_8422_2325u64;
        for &p in &pins[start..] {
            hash = (hash ^ p as u64).wrapping_mul(0x100_0000_01b3);
        }
        keys.push((hash, ewgt.len() as u32));
        eptr.push(pins.len() as u32);
        ewgt.push(h.ewgt[e]);
    }
    // Merge parallel edges: group by hash, compare pins exactly, keep the first occurrence.
    keys.sort_unstable();
    let mut alias: Vec<u32> = (0..ewgt.len() as u32).collect();
    let mut i = 0;
    while i < keys.len() {
        let mut j = i + 1;
        while j < keys.len() && keys[j].0 == keys[i].0 {
            j += 1;
        }
        for a in i..j {
            let ea = keys[a].1 as usize;
            if alias[ea] as usize != ea {
                continue;
            }
            for key in &keys[a + 1..j] {
                let eb = key.1 as usize;
                if alias[eb] as usize == eb
                    && pins[eptr[ea] as usize..eptr[ea + 1] as usize]
                        == pins[eptr[eb] as usize..eptr[eb + 1] as usize]
                {
                    alias[eb] = ea as u32;
                }
            }
        }
        i = j;
    }
    if alias.iter().enumerate().all(|(e, &a)| a as usize == e) {
        return Hypergraph::from_csr(vwgt, ewgt, eptr, pins);
    }
    let mut merged_w = ewgt.clone();
    for (e, &a) in alias.iter().enumerate() {
        if a as usize != e {
            merged_w[a as usize] += ewgt[e];
        }
    }
    let mut neptr = vec![0u32];
    let mut npins = Vec::with_capacity(pins.len());
    let mut nw = Vec::new();
    for (e, &a) in alias.iter().enumerate() {
        if a as usize == e {
            npins.extend_from_slice(&pins[eptr[e] as usize..eptr[e + 1] as usize]);
            neptr.push(npins.len() as u32);
            nw.push(merged_w[e]);
        }
    }
    Hypergraph::from_csr(vwgt, nw, neptr, npins)
}

/// Initial bisection of a small hypergraph: best of several grown-and-refined tries.
fn initial(h: &Hypergraph, t0: f64, max: [f64; 2], rng: &mut ChaCha8Rng) -> Vec<u8> {
    let n = h.vertices();
    let mut best: Option<(bool, f64, Vec<u8>)> = None;
    for _ in 0..INITIAL_TRIES {
        let mut part = vec![1u8; n];
        let mut w0 = 0.0;
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.shuffle(rng);
        let mut next_seed = 0;
        let mut queue = VecDeque::new();
        let mut queued = vec![false; n];
        while w0 < t0 {
            let v = match queue.pop_front() {
                Some(v) => v,
                None => {
                    while next_seed < n && queued[order[next_seed] as usize] {
                        next_seed += 1;
                    }
                    if next_seed >= n {
                        break;
                    }
                    let v = order[next_seed] as usize;
                    queued[v] = true;
                    v
                }
            };
            if w0 + h.vwgt[v] > max[0] && w0 > 0.0 {
                continue;
            }
            part[v] = 0;
            w0 += h.vwgt[v];
            for &e in h.incident(v) {
                for &u in h.edge(e as usize) {
                    if !queued[u as usize] {
                        queued[u as usize] = true;
                        queue.push_back(u as usize);
                    }
                }
            }
        }
        // Coin-flip a little: a random vertex order already varies the tries.
        let _ = rng.gen::<u32>();
        fm(h, &mut part, max);
        let cut = cut2(h, &part);
        let pw = weights(h, &part);
        let ok = pw[0] <= max[0] + 1e-9 && pw[1] <= max[1] + 1e-9;
        let better = match &best {
            None => true,
            Some((bok, bcut, _)) => (ok && !bok) || (ok == *bok && cut < *bcut),
        };
        if better {
            best = Some((ok, cut, part));
        }
    }
    best.map(|b| b.2).unwrap_or_default()
}

fn weights(h: &Hypergraph, part: &[u8]) -> [f64; 2] {
    let mut pw = [0.0; 2];
    for (v, &s) in part.iter().enumerate() {
        pw[s as usize] += h.vwgt[v];
    }
    pw
}

fn cut2(h: &Hypergraph, part: &[u8]) -> f64 {
    (0..h.edges())
        .filter(|&e| {
            let p = h.edge(e);
            p.iter().any(|&v| part[v as usize] != part[p[0] as usize])
        })
        .map(|e| h.ewgt[e])
        .sum()
}

/// A heap entry: gain, then the smaller vertex first.
#[derive(PartialEq)]
struct Entry(f64, u32);
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then_with(|| other.1.cmp(&self.1))
    }
}

struct Fm<'a> {
    h: &'a Hypergraph,
    cnt: Vec<[u32; 2]>,
    pw: [f64; 2],
}

impl Fm<'_> {
    #[inline]
    fn gain(&self, part: &[u8], v: usize) -> f64 {
        let from = part[v] as usize;
        let to = 1 - from;
        let mut g = 0.0;
        for &e in self.h.incident(v) {
            let c = self.cnt[e as usize];
            if c[from] == 1 {
                g += self.h.ewgt[e as usize];
            }
            if c[to] == 0 {
                g -= self.h.ewgt[e as usize];
            }
        }
        g
    }
    fn apply(&mut self, part: &mut [u8], v: usize) {
        let from = part[v] as usize;
        let to = 1 - from;
        part[v] = to as u8;
        self.pw[from] -= self.h.vwgt[v];
        self.pw[to] += self.h.vwgt[v];
        for &e in self.h.incident(v) {
            let c = &mut self.cnt[e as usize];
            c[from] -= 1;
            c[to] += 1;
        }
    }
}

/// FM refinement of a bisection under the side weight limits `max`.
fn fm(h: &Hypergraph, part: &mut [u8], max: [f64; 2]) {
    let n = h.vertices();
    let mut st = Fm { h, cnt: vec![[0u32; 2]; h.edges()], pw: weights(h, part) };
    for e in 0..h.edges() {
        for &p in h.edge(e) {
            st.cnt[e][part[p as usize] as usize] += 1;
        }
    }
    // Rebalance when a side is over its limit: move its best-gain vertices out.
    for s in 0..2 {
        if st.pw[s] <= max[s] {
            continue;
        }
        let mut cand: Vec<(f64, u32)> = (0..n)
            .filter(|&v| part[v] as usize == s && h.vwgt[v] > 0.0)
            .map(|v| (st.gain(part, v), v as u32))
            .collect();
        cand.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, v) in cand {
            if st.pw[s] <= max[s] {
                break;
            }
            if st.pw[1 - s] + h.vwgt[v as usize] <= max[1 - s] {
                st.apply(part, v as usize);
            }
        }
    }
    let mut locked = vec![false; n];
    let mut stamp = vec![0u32; n];
    let mut moves: Vec<u32> = Vec::new();
    for pass in 0..FM_PASSES {
        locked.iter_mut().for_each(|l| *l = false);
        moves.clear();
        let mut heap = BinaryHeap::new();
        for v in 0..n {
            let boundary = h.incident(v).iter().any(|&e| {
                let c = st.cnt[e as usize];
                c[0] > 0 && c[1] > 0
            });
            if boundary {
                heap.push(Entry(st.gain(part, v), v as u32));
            }
        }
        let (mut cum, mut best, mut best_len, mut since) = (0.0f64, 0.0f64, 0usize, 0usize);
        let tick = pass as u32 * n as u32; // stamps distinct per move across passes
        let mut move_no = 0u32;
        while let Some(Entry(g, v)) = heap.pop() {
            let v = v as usize;
            if locked[v] {
                continue;
            }
            let cg = st.gain(part, v);
            if (cg - g).abs() > 1e-9 {
                continue;
            }
            let from = part[v] as usize;
            let to = 1 - from;
            if st.pw[to] + h.vwgt[v] > max[to] {
                continue;
            }
            locked[v] = true;
            st.apply(part, v);
            cum += g;
            moves.push(v as u32);
            move_no += 1;
            let mark = tick.wrapping_add(move_no);
            for &e in h.incident(v) {
                let c = st.cnt[e as usize];
                // Gains of other pins change only when the edge's counts cross 0/1/2.
                if c[to] <= 2 || c[from] <= 1 {
                    for &u in h.edge(e as usize) {
                        let u = u as usize;
                        if !locked[u] && stamp[u] != mark {
                            stamp[u] = mark;
                            heap.push(Entry(st.gain(part, u), u as u32));
                        }
                    }
                }
            }
            if cum > best + 1e-12 {
                best = cum;
                best_len = moves.len();
                since = 0;
            } else {
                since += 1;
                if since > FM_PATIENCE {
                    break;
                }
            }
        }
        for &v in moves[best_len..].iter().rev() {
            st.apply(part, v as usize);
        }
        if best <= 1e-12 {
            break;
        }
    }
}
