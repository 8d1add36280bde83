//! Seeded synthetic netlists in the Circuit Training model (for demos, tests and pretraining).
//!
//! The generator draws every object (hard macros, soft macros, ports) a hidden "ideal" location
//! on the canvas; nets connect objects that are close in that hidden layout with probability
//! `locality`, and random objects otherwise. A good placer can therefore recover a low-cost
//! placement, and the gap between a random and a good placement is large.
//!
//! Shape of the output (what Circuit Training's grouping produces):
//! - hard macros (`MACRO`, names `M<i>`) of random size (area spread and aspect ratio
//!   configurable), each with pins at random offsets inside its footprint, one pin per net end;
//! - soft macros (`MACRO`, names `Grp_<i>`): one input pin `Grp_<i>/Pinput` that every net
//!   reaching the cluster targets, and one output pin per net it drives, with an integer weight
//!   (parallel wires) as CT grouping writes;
//! - ports (`PORT`) on the canvas boundary.
//!
//! The same [`GenConfig`] (seed included) always gives the same netlist.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::{
    AttrValue, Netlist, NetlistBuilder, NetlistHeader, NodeKind, NodeSpec, Placement,
};

/// Parameters of a generated netlist.
#[derive(Clone, Debug, PartialEq)]
pub struct GenConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// Number of hard macros.
    pub hard_macros: usize,
    /// Ratio between the largest and the smallest hard-macro area (≥ 1).
    pub hard_area_spread: f64,
    /// Largest aspect ratio (long side / short side) of a hard macro (≥ 1).
    pub max_aspect: f64,
    /// Fraction of the canvas area covered by hard macros.
    pub hard_utilization: f64,
    /// Number of soft macros (standard-cell clusters).
    pub soft_macros: usize,
    /// Fraction of the canvas area covered by soft macros.
    pub soft_utilization: f64,
    /// Number of ports.
    pub ports: usize,
    /// Number of nets.
    pub nets: usize,
    /// Largest number of sinks of a net.
    pub max_fanout: usize,
    /// Mean number of sinks of a net (geometric distribution, truncated at `max_fanout`).
    pub mean_fanout: f64,
    /// Probability that a sink is chosen among the driver's hidden-layout neighbours.
    pub locality: f64,
    /// Canvas side in µm (the canvas is square).
    pub canvas: f64,
    /// Placement grid (columns, rows).
    pub grid: (u32, u32),
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            seed: 1,
            hard_macros: 24,
            hard_area_spread: 4.0,
            max_aspect: 2.0,
            hard_utilization: 0.35,
            soft_macros: 64,
            soft_utilization: 0.25,
            ports: 32,
            nets: 600,
            max_fanout: 12,
            mean_fanout: 2.5,
            locality: 0.8,
            canvas: 1000.0,
            grid: (16, 16),
        }
    }
}

impl GenConfig {
    /// Checks the parameters; the message names the offending field.
    pub fn validate(&self) -> Result<(), String> {
        let frac = |v: f64| v.is_finite() && (0.0..=1.0).contains(&v);
        if self.hard_macros == 0 && self.soft_macros == 0 {
            return Err("at least one hard or soft macro is needed".into());
        }
        if !(self.hard_area_spread.is_finite() && self.hard_area_spread >= 1.0) {
            return Err(format!("hard_area_spread must be >= 1 (got {})", self.hard_area_spread));
        }
        if !(self.max_aspect.is_finite() && self.max_aspect >= 1.0) {
            return Err(format!("max_aspect must be >= 1 (got {})", self.max_aspect));
        }
        if !frac(self.hard_utilization) || !frac(self.soft_utilization) {
            return Err("utilizations must lie in [0, 1]".into());
        }
        if self.hard_utilization + self.soft_utilization > 0.95 {
            return Err("hard_utilization + soft_utilization must not exceed 0.95".into());
        }
        if !frac(self.locality) {
            return Err(format!("locality must lie in [0, 1] (got {})", self.locality));
        }
        if !(self.canvas.is_finite() && self.canvas > 0.0) {
            return Err(format!("canvas must be positive (got {})", self.canvas));
        }
        if self.grid.0 == 0 || self.grid.1 == 0 || self.grid.0 > 128 || self.grid.1 > 128 {
            return Err(format!(
                "grid must be between 1x1 and 128x128 (got {}x{})",
                self.grid.0, self.grid.1
            ));
        }
        if self.max_fanout == 0 || !(self.mean_fanout.is_finite() && self.mean_fanout >= 1.0) {
            return Err("max_fanout must be >= 1 and mean_fanout >= 1".into());
        }
        Ok(())
    }
}

/// An object nets attach to.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Obj {
    Hard(usize),
    Soft(usize),
    Port(usize),
}

/// Generates a netlist and its initial placement (ports on the boundary and fixed; macros at
/// the canvas centre, unplaced, as a placer expects them).
pub fn generate(cfg: &GenConfig) -> Result<(Netlist, Placement), String> {
    cfg.validate()?;
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let side = cfg.canvas;
    let canvas_area = side * side;

    // Hard-macro sizes: log-uniform areas scaled to the target utilisation, random aspect.
    let raw: Vec<f64> =
        (0..cfg.hard_macros).map(|_| cfg.hard_area_spread.powf(rng.gen::<f64>())).collect();
    let raw_sum: f64 = raw.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let mut hard_sizes = Vec::with_capacity(cfg.hard_macros);
    for r in &raw {
        let area = r / raw_sum * cfg.hard_utilization * canvas_area;
        let aspect = cfg.max_aspect.powf(rng.gen::<f64>() * 2.0 - 1.0);
        let w = (area * aspect).sqrt().min(side * 0.9);
        let h = (area / w).min(side * 0.9);
        hard_sizes.push((round3(w), round3(h)));
    }
    let soft_area = if cfg.soft_macros > 0 {
        cfg.soft_utilization * canvas_area / cfg.soft_macros as f64
    } else {
        0.0
    };
    let soft_side = round3(soft_area.sqrt());

    // Hidden layout: every object gets an ideal location.
    let mut objs: Vec<(Obj, f64, f64)> = Vec::new();
    for i in 0..cfg.hard_macros {
        objs.push((Obj::Hard(i), rng.gen::<f64>() * side, rng.gen::<f64>() * side));
    }
    for i in 0..cfg.soft_macros {
        objs.push((Obj::Soft(i), rng.gen::<f64>() * side, rng.gen::<f64>() * side));
    }
    let mut port_pos = Vec::with_capacity(cfg.ports);
    for i in 0..cfg.ports {
        // Ports sit just inside the boundary: a pin exactly on the top or right edge maps
        // outside the grid and would drop its net from congestion (PROXY_COST.md §10).
        let t = rng.gen::<f64>() * side;
        let edge = side - 0.01;
        let (x, y, s) = match rng.gen_range(0..4) {
            0 => (0.0, t, "LEFT"),
            1 => (edge, t, "RIGHT"),
            2 => (t, 0.0, "BOTTOM"),
            _ => (t, edge, "TOP"),
        };
        port_pos.push((round3(x), round3(y), s));
        objs.push((Obj::Port(i), x, y));
    }
    // Neighbour lists in the hidden layout (k nearest, k = 8).
    let k = 8.min(objs.len().saturating_sub(1));
    let neighbours: Vec<Vec<usize>> = (0..objs.len())
        .map(|i| {
            let mut d: Vec<(f64, usize)> = (0..objs.len())
                .filter(|&j| j != i)
                .map(|j| ((objs[i].1 - objs[j].1).powi(2) + (objs[i].2 - objs[j].2).powi(2), j))
                .collect();
            d.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            d.into_iter().take(k).map(|(_, j)| j).collect()
        })
        .collect();

    // Nets as lists of object indices: driver first.
    let p_stop = 1.0 / cfg.mean_fanout;
    let mut nets: Vec<Vec<usize>> = Vec::with_capacity(cfg.nets);
    let mut port_used = vec![false; cfg.ports];
    for _ in 0..cfg.nets {
        let mut driver = rng.gen_range(0..objs.len());
        // A port drives at most one net (it is a single node); retry a few times.
        for _ in 0..8 {
            match objs[driver].0 {
                Obj::Port(p) if port_used[p] => driver = rng.gen_range(0..objs.len()),
                _ => break,
            }
        }
        if let Obj::Port(p) = objs[driver].0 {
            if port_used[p] {
                continue;
            }
            port_used[p] = true;
        }
        let mut fanout = 1;
        while fanout < cfg.max_fanout && rng.gen::<f64>() > p_stop {
            fanout += 1;
        }
        let mut members = vec![driver];
        for _ in 0..fanout {
            let cand = if !neighbours[driver].is_empty() && rng.gen::<f64>() < cfg.locality {
                *neighbours[driver].choose(&mut rng).unwrap_or(&driver)
            } else {
                rng.gen_range(0..objs.len())
            };
            if !members.contains(&cand) {
                members.push(cand);
            }
        }
        if members.len() >= 2 {
            nets.push(members);
        }
    }

    // Emit nodes: ports, then each hard macro with its pins, then each soft macro with its pins.
    // Pins are created per net end; names are assigned first so fan-outs can refer to them.
    let mut hard_pins: Vec<HardPins> = vec![Vec::new(); cfg.hard_macros];
    let mut soft_out: Vec<Vec<(String, f64, Vec<String>)>> = vec![Vec::new(); cfg.soft_macros];
    let mut soft_has_input = vec![false; cfg.soft_macros];
    let mut port_fanout: Vec<Vec<String>> = vec![Vec::new(); cfg.ports];
    let sink_name = |o: Obj,
                     hard_pins: &mut [HardPins],
                     soft_has_input: &mut [bool],
                     rng: &mut ChaCha8Rng|
     -> String {
        match o {
            Obj::Hard(i) => {
                let (w, h) = hard_sizes[i];
                let name = format!("M{i}/P{}", hard_pins[i].len());
                let off =
                    (round3((rng.gen::<f64>() - 0.5) * w), round3((rng.gen::<f64>() - 0.5) * h));
                hard_pins[i].push((name.clone(), off, Vec::new()));
                name
            }
            Obj::Soft(i) => {
                soft_has_input[i] = true;
                format!("Grp_{i}/Pinput")
            }
            Obj::Port(i) => format!("P{i}"),
        }
    };
    for members in &nets {
        let sinks: Vec<String> = members[1..]
            .iter()
            .map(|&m| sink_name(objs[m].0, &mut hard_pins, &mut soft_has_input, &mut rng))
            .collect();
        match objs[members[0]].0 {
            Obj::Hard(i) => {
                let (w, h) = hard_sizes[i];
                let name = format!("M{i}/P{}", hard_pins[i].len());
                let off =
                    (round3((rng.gen::<f64>() - 0.5) * w), round3((rng.gen::<f64>() - 0.5) * h));
                hard_pins[i].push((name, off, sinks));
            }
            Obj::Soft(i) => {
                let name = format!("Grp_{i}/Poutput_single_{}", soft_out[i].len());
                let weight = rng.gen_range(1..=4) as f64;
                soft_out[i].push((name, weight, sinks));
            }
            Obj::Port(i) => port_fanout[i] = sinks,
        }
    }

    let mut b = NetlistBuilder::new();
    let (cols, rows) = cfg.grid;
    b.header = NetlistHeader {
        canvas: Some((side, side)),
        grid: Some((cols, rows)),
        block: Some(format!("generated_s{}", cfg.seed)),
        blockages: Vec::new(),
        comments: vec![
            format!(
                " Generated by chipfloor (seed {}): {} hard, {} soft macros, {} ports",
                cfg.seed, cfg.hard_macros, cfg.soft_macros, cfg.ports
            ),
            format!(" Width : {side}  Height : {side}"),
            format!(" Columns : {cols}  Rows : {rows}"),
            format!(" Block : generated_s{}", cfg.seed),
        ],
    };
    for (i, fanout) in port_fanout.into_iter().enumerate() {
        let (x, y, s) = port_pos[i];
        b.push(NodeSpec {
            name: format!("P{i}"),
            kind: Some(NodeKind::Port),
            x,
            y,
            fanout,
            extra_attrs: vec![("side".into(), AttrValue::Str(s.into()))],
            ..Default::default()
        });
    }
    let centre = side / 2.0;
    for (i, pins) in hard_pins.into_iter().enumerate() {
        let (w, h) = hard_sizes[i];
        push_hard_macro(&mut b, format!("M{i}"), (w, h, centre, centre), pins);
    }
    for (i, outs) in soft_out.into_iter().enumerate() {
        b.push(NodeSpec {
            name: format!("Grp_{i}"),
            kind: Some(NodeKind::SoftMacro),
            width: soft_side,
            height: soft_side,
            x: centre,
            y: centre,
            ..Default::default()
        });
        if soft_has_input[i] {
            b.push(NodeSpec {
                name: format!("Grp_{i}/Pinput"),
                kind: Some(NodeKind::SoftMacroPin),
                owner: Some(format!("Grp_{i}")),
                ..Default::default()
            });
        }
        for (name, weight, fanout) in outs {
            b.push(NodeSpec {
                name,
                kind: Some(NodeKind::SoftMacroPin),
                owner: Some(format!("Grp_{i}")),
                weight: Some(weight),
                fanout,
                ..Default::default()
            });
        }
    }
    let nl = b
        .build()
        .map_err(|e| format!("generator produced an inconsistent netlist: {}", e.message))?;
    let mut pl = nl.initial_placement();
    for id in nl.ids() {
        match nl.kind(id) {
            NodeKind::Port => pl.fixed[id.index()] = true,
            NodeKind::HardMacro | NodeKind::SoftMacro => pl.placed[id.index()] = false,
            _ => {}
        }
    }
    Ok((nl, pl))
}

/// Pins of one hard macro: name, offset, fan-out.
type HardPins = Vec<(String, (f64, f64), Vec<String>)>;

/// Pushes hard macro `name` (`(w, h, x, y)`, orientation N) and its pins.
fn push_hard_macro(
    b: &mut NetlistBuilder,
    name: String,
    (w, h, x, y): (f64, f64, f64, f64),
    pins: HardPins,
) {
    b.push(NodeSpec {
        name: name.clone(),
        kind: Some(NodeKind::HardMacro),
        width: w,
        height: h,
        x,
        y,
        ..Default::default()
    });
    for (pin, offset, fanout) in pins {
        b.push(NodeSpec {
            name: pin,
            kind: Some(NodeKind::HardMacroPin),
            owner: Some(name.clone()),
            offset,
            fanout,
            ..Default::default()
        });
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Parameters of a generated *flat* netlist (standard cells, hard macros, ports), the input
/// of [`crate::cluster`].
#[derive(Clone, Debug, PartialEq)]
pub struct FlatGenConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// Number of standard cells.
    pub std_cells: usize,
    /// Number of hard macros.
    pub hard_macros: usize,
    /// Pins per hard macro (each drives or receives one net).
    pub pins_per_macro: usize,
    /// Number of ports.
    pub ports: usize,
    /// Canvas side in µm (square canvas).
    pub canvas: f64,
    /// Fraction of the canvas covered by hard macros.
    pub hard_utilization: f64,
    /// Mean number of sinks of a standard cell's net (geometric, at most 16).
    pub mean_fanout: f64,
    /// Probability that a sink is a standard cell near the driver.
    pub locality: f64,
    /// Sinks of one extra high-fanout ("clock") net driven by port `P0` (0: none).
    pub clock_sinks: usize,
}

impl Default for FlatGenConfig {
    fn default() -> Self {
        FlatGenConfig {
            seed: 1,
            std_cells: 3000,
            hard_macros: 8,
            pins_per_macro: 12,
            ports: 24,
            canvas: 400.0,
            hard_utilization: 0.3,
            mean_fanout: 2.5,
            locality: 0.9,
            clock_sinks: 0,
        }
    }
}

/// Generates a flat netlist: standard cells `C<i>` (`STDCELL`, widths 0.4–2 µm, height
/// 1.4 µm) at random positions (as if roughly placed), hard macros `M<i>` with
/// `pins_per_macro` pins (even ones drive a net to cells near the macro, every other one of them
/// also to pin `P1` of the next macro; odd ones are sinks of a nearby cell's net), ports `P<i>`
/// on the boundary (each drives a net to cells near it, every third one also to a macro's `P1`;
/// pin `P1` needs `pins_per_macro ≥ 2`), one net per
/// standard cell whose sinks are cells near the driver with probability `locality`, and an
/// optional high-fanout net from `P0`. Returns the netlist and its placement (ports fixed).
pub fn generate_flat(cfg: &FlatGenConfig) -> Result<(Netlist, Placement), String> {
    if cfg.std_cells < 2 {
        return Err("at least two standard cells are needed".into());
    }
    if !(cfg.canvas.is_finite() && cfg.canvas > 0.0) {
        return Err(format!("canvas must be positive (got {})", cfg.canvas));
    }
    if !(0.0..=0.9).contains(&cfg.hard_utilization) || !(0.0..=1.0).contains(&cfg.locality) {
        return Err("hard_utilization must lie in [0, 0.9] and locality in [0, 1]".into());
    }
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let side = cfg.canvas;
    let n = cfg.std_cells;
    let cell_pos: Vec<(f64, f64)> = (0..n)
        .map(|_| (round3(rng.gen::<f64>() * side), round3(rng.gen::<f64>() * side)))
        .collect();
    let cell_w: Vec<f64> = (0..n).map(|_| round3(0.4 + 1.6 * rng.gen::<f64>())).collect();
    // Buckets for "cells near a point".
    let g = ((n as f64 / 8.0).sqrt().ceil() as usize).max(1);
    let bucket_of = |x: f64, y: f64| -> usize {
        let bx = ((x / side * g as f64) as usize).min(g - 1);
        let by = ((y / side * g as f64) as usize).min(g - 1);
        by * g + bx
    };
    let mut buckets: Vec<Vec<usize>> = vec![Vec::new(); g * g];
    for (i, &(x, y)) in cell_pos.iter().enumerate() {
        buckets[bucket_of(x, y)].push(i);
    }
    let near = |x: f64, y: f64, rng: &mut ChaCha8Rng| -> usize {
        let b = bucket_of(x, y);
        let (bx, by) = ((b % g) as i64, (b / g) as i64);
        for r in 0..g as i64 {
            let mut pool: Vec<usize> = Vec::new();
            for dy in -r..=r {
                for dx in -r..=r {
                    let (cx, cy) = (bx + dx, by + dy);
                    if cx >= 0 && cy >= 0 && (cx as usize) < g && (cy as usize) < g {
                        pool.extend_from_slice(&buckets[cy as usize * g + cx as usize]);
                    }
                }
            }
            if !pool.is_empty() {
                return pool[rng.gen_range(0..pool.len())];
            }
        }
        rng.gen_range(0..n)
    };
    let geometric = |rng: &mut ChaCha8Rng| -> usize {
        let p_stop = 1.0 / cfg.mean_fanout.max(1.0);
        let mut f = 1;
        while f < 16 && rng.gen::<f64>() > p_stop {
            f += 1;
        }
        f
    };
    // Hard macros: equal areas, random aspect in [0.5, 2], random centres inside the canvas.
    let area = if cfg.hard_macros > 0 {
        cfg.hard_utilization * side * side / cfg.hard_macros as f64
    } else {
        0.0
    };
    let mut macros = Vec::with_capacity(cfg.hard_macros);
    for _ in 0..cfg.hard_macros {
        let aspect = 2f64.powf(rng.gen::<f64>() * 2.0 - 1.0);
        let w = round3((area * aspect).sqrt().min(side * 0.9));
        let h = round3((area / w.max(1e-9)).min(side * 0.9));
        let x = round3(w / 2.0 + rng.gen::<f64>() * (side - w));
        let y = round3(h / 2.0 + rng.gen::<f64>() * (side - h));
        macros.push((w, h, x, y));
    }
    let edge = side - 0.01;
    let ports: Vec<(f64, f64, &str)> = (0..cfg.ports)
        .map(|_| {
            let t = round3(rng.gen::<f64>() * side);
            match rng.gen_range(0..4) {
                0 => (0.0, t, "LEFT"),
                1 => (edge, t, "RIGHT"),
                2 => (t, 0.0, "BOTTOM"),
                _ => (t, edge, "TOP"),
            }
        })
        .collect();
    // Cell nets.
    let cname = |i: usize| format!("C{i}");
    let mut cell_fanout: Vec<Vec<String>> = Vec::with_capacity(n);
    for (i, &(x, y)) in cell_pos.iter().enumerate() {
        let mut sinks: Vec<String> = Vec::new();
        for _ in 0..geometric(&mut rng) {
            let t = if rng.gen::<f64>() < cfg.locality {
                near(x, y, &mut rng)
            } else {
                rng.gen_range(0..n)
            };
            let s = cname(t);
            if t != i && !sinks.contains(&s) {
                sinks.push(s);
            }
        }
        cell_fanout.push(sinks);
    }
    // Macro pins.
    let mut macro_pins: Vec<HardPins> = Vec::new();
    for (m, &(w, h, x, y)) in macros.iter().enumerate() {
        let mut pins = Vec::new();
        for k in 0..cfg.pins_per_macro {
            let name = format!("M{m}/P{k}");
            let off = (round3((rng.gen::<f64>() - 0.5) * w), round3((rng.gen::<f64>() - 0.5) * h));
            let (px, py) = (x + off.0, y + off.1);
            let mut fanout = Vec::new();
            if k % 2 == 0 {
                for _ in 0..rng.gen_range(1..=4) {
                    let s = cname(near(px, py, &mut rng));
                    if !fanout.contains(&s) {
                        fanout.push(s);
                    }
                }
                // Every other driving pin also reaches the next macro (macro-to-macro nets).
                if k % 4 == 2 && cfg.hard_macros > 1 {
                    fanout.push(format!("M{}/P1", (m + 1) % cfg.hard_macros));
                }
            } else {
                let c = near(px, py, &mut rng);
                cell_fanout[c].push(name.clone());
            }
            pins.push((name, off, fanout));
        }
        macro_pins.push(pins);
    }
    let mut b = NetlistBuilder::new();
    b.header = NetlistHeader {
        canvas: Some((side, side)),
        grid: None,
        block: Some(format!("flat_s{}", cfg.seed)),
        blockages: Vec::new(),
        comments: vec![
            format!(
                " Generated flat netlist by chipfloor (seed {}): {} std cells, {} hard macros, {} ports",
                cfg.seed, n, cfg.hard_macros, cfg.ports
            ),
            format!(" FP bbox: {{0 0}} {{{side} {side}}}"),
            format!(" Block : flat_s{}", cfg.seed),
        ],
    };
    for (i, &(x, y, s)) in ports.iter().enumerate() {
        let mut fanout = Vec::new();
        for _ in 0..rng.gen_range(1..=3) {
            let c = cname(near(x, y, &mut rng));
            if !fanout.contains(&c) {
                fanout.push(c);
            }
        }
        // Every third port also reaches a macro (macro-to-port nets).
        if i % 3 == 1 && cfg.hard_macros > 0 && cfg.pins_per_macro > 1 {
            fanout.push(format!("M{}/P1", i % cfg.hard_macros));
        }
        if i == 0 && cfg.clock_sinks > 0 {
            fanout = (0..cfg.clock_sinks.min(n))
                .map(|k| cname(k * n / cfg.clock_sinks.min(n)))
                .collect();
        }
        b.push(NodeSpec {
            name: format!("P{i}"),
            kind: Some(NodeKind::Port),
            x,
            y,
            fanout,
            extra_attrs: vec![("side".into(), AttrValue::Str(s.into()))],
            ..Default::default()
        });
    }
    for (m, pins) in macro_pins.into_iter().enumerate() {
        push_hard_macro(&mut b, format!("M{m}"), macros[m], pins);
    }
    for (i, fanout) in cell_fanout.into_iter().enumerate() {
        b.push(NodeSpec {
            name: cname(i),
            kind: Some(NodeKind::StdCell),
            width: cell_w[i],
            height: 1.4,
            x: cell_pos[i].0,
            y: cell_pos[i].1,
            fanout,
            ..Default::default()
        });
    }
    let nl = b
        .build()
        .map_err(|e| format!("flat generator produced an inconsistent netlist: {}", e.message))?;
    let mut pl = nl.initial_placement();
    for p in nl.ports() {
        pl.fixed[p.index()] = true;
    }
    Ok((nl, pl))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_netlist_and_different_seed_differs() {
        let cfg = GenConfig::default();
        let (a, pa) = generate(&cfg).unwrap();
        let (b, pb) = generate(&cfg).unwrap();
        assert_eq!(a.names, b.names);
        assert_eq!(a.nets, b.nets);
        assert_eq!(a.pin_offset, b.pin_offset);
        assert_eq!(pa, pb);
        let (c, _) = generate(&GenConfig { seed: 2, ..cfg }).unwrap();
        assert!(a.nets != c.nets || a.width != c.width);
    }

    #[test]
    fn counts_and_areas_follow_the_config() {
        let cfg = GenConfig { hard_macros: 20, soft_macros: 30, ports: 10, ..Default::default() };
        let (nl, pl) = generate(&cfg).unwrap();
        let c = nl.counts();
        assert_eq!(c.hard_macros, 20);
        assert_eq!(c.soft_macros, 30);
        assert_eq!(c.ports, 10);
        let hard: f64 = nl.hard_macros().iter().map(|&m| nl.area(m)).sum();
        assert!(
            (hard / 1e6 - cfg.hard_utilization).abs() < 0.01,
            "hard utilisation {}",
            hard / 1e6
        );
        assert!(nl.nets.len() > cfg.nets / 2);
        // Every hard-macro pin lies inside its macro's footprint.
        for p in nl.of_kind(NodeKind::HardMacroPin) {
            let o = nl.owner[p.index()].unwrap();
            let (dx, dy) = nl.pin_offset[p.index()];
            assert!(dx.abs() <= nl.width[o.index()] / 2.0 + 1e-9);
            assert!(dy.abs() <= nl.height[o.index()] / 2.0 + 1e-9);
        }
        // Ports are fixed and on the boundary.
        for p in nl.ports() {
            assert!(pl.fixed[p.index()]);
            let (x, y) = (pl.x[p.index()], pl.y[p.index()]);
            assert!(x == 0.0 || y == 0.0 || x == 999.99 || y == 999.99);
        }
    }

    #[test]
    fn bad_config_is_rejected() {
        assert!(generate(&GenConfig { locality: 2.0, ..Default::default() }).is_err());
        assert!(
            generate(&GenConfig { hard_macros: 0, soft_macros: 0, ..Default::default() }).is_err()
        );
        assert!(generate(&GenConfig { grid: (0, 4), ..Default::default() }).is_err());
    }

    #[test]
    fn flat_generator_is_seeded_and_flat() {
        let cfg = FlatGenConfig { std_cells: 500, clock_sinks: 0, ..Default::default() };
        let (a, _) = generate_flat(&cfg).unwrap();
        let (b, _) = generate_flat(&cfg).unwrap();
        assert_eq!(a, b);
        let c = a.counts();
        assert_eq!((c.std_cells, c.hard_macros, c.ports, c.soft_macros), (500, 8, 24, 0));
        assert_eq!(c.hard_macro_pins, 8 * 12);
        assert!(a.nets.len() > 400);
        let (d, _) = generate_flat(&FlatGenConfig { seed: 2, ..cfg }).unwrap();
        assert_ne!(a.nets, d.nets);
        // Round trip through the .pb.txt writer and reader.
        let text = crate::pb_txt::to_string(&a, None);
        let back = crate::pb_txt::parse_str(&text, std::path::Path::new("flat")).unwrap();
        assert_eq!(back.nets, a.nets);
        assert_eq!(back.counts(), a.counts());
    }
}
