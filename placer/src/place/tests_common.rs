//! Test helpers shared by the placement methods' unit tests.

use netlists::generate::{generate, GenConfig};
use netlists::{Netlist, NodeKind, Placement};

use super::{Occupancy, Rect};
use crate::cost::{CostOverrides, CostParams};

/// A small generated netlist (12 hard macros, 24 soft macros, 16 ports, 200 nets, 1000 µm
/// canvas, 16 × 16 grid), its initial placement and its parameters.
pub(crate) fn small_generated(seed: u64) -> (Netlist, Placement, CostParams) {
    small_generated_on(seed, (16, 16))
}

/// [`small_generated`] on another placement grid.
pub(crate) fn small_generated_on(seed: u64, grid: (u32, u32)) -> (Netlist, Placement, CostParams) {
    let cfg = GenConfig {
        seed,
        hard_macros: 12,
        soft_macros: 24,
        ports: 16,
        nets: 200,
        grid,
        ..Default::default()
    };
    let (nl, pl) = generate(&cfg).unwrap();
    let p = CostParams::resolve(&nl, None, &CostOverrides::default()).unwrap();
    (nl, pl, p)
}

/// A netlist of hard macros `M0, M1, …` of the given sizes (no pins, no nets).
pub(crate) fn hard_macros(sizes: &[(f64, f64)]) -> Netlist {
    let mut b = netlists::NetlistBuilder::new();
    for (k, &(w, h)) in sizes.iter().enumerate() {
        b.push(netlists::NodeSpec {
            name: format!("M{k}"),
            kind: Some(NodeKind::HardMacro),
            width: w,
            height: h,
            ..Default::default()
        });
    }
    b.build().unwrap()
}

/// Asserts that `pl` is complete and legal and that only movable hard macros moved: every
/// hard macro placed, the legality report clean, no hard macro on a blocking blockage, and
/// ports, soft macros, pins and fixed nodes exactly as in `init`.
pub(crate) fn assert_complete_and_legal(
    nl: &Netlist,
    init: &Placement,
    pl: &Placement,
    p: &CostParams,
) {
    let rep = crate::legality::check(nl, pl, p.canvas_width, p.canvas_height);
    assert!(rep.is_legal(), "illegal placement: {rep:?}");
    let blk = Occupancy::new(nl, p.canvas_width, p.canvas_height, &nl.header.blockages);
    for id in nl.ids() {
        let i = id.index();
        if nl.kind(id) == NodeKind::HardMacro {
            assert!(pl.placed[i], "hard macro {} not placed", nl.name(id));
            let r = Rect::centred(pl.x[i], pl.y[i], nl.width[i], nl.height[i]);
            assert!(!blk.overlaps(&r, None, None), "{} on a blockage", nl.name(id));
        }
        if nl.kind(id) != NodeKind::HardMacro || init.fixed[i] {
            assert_eq!((pl.x[i], pl.y[i]), (init.x[i], init.y[i]), "{} moved", nl.name(id));
            assert_eq!(pl.fixed[i], init.fixed[i]);
        }
        if init.fixed[i] {
            assert_eq!(pl.orientation[i], init.orientation[i]);
        }
    }
}
