//! Random placement: every movable hard macro, in [`macro_order`], to a uniformly random legal
//! cell of its [`cell_mask`] (the baseline every other method must beat).
//!
//! Semantics (those of a Circuit Training episode with a uniform policy): all movable hard
//! macros start unplaced; fixed hard macros and blocking blockages are obstacles from the
//! start; each macro in turn goes to the centre of a cell drawn uniformly among the cells that
//! are legal given the macros already placed, keeping its orientation. Ports, soft macros and
//! fixed nodes are left exactly as in the initial placement.

use netlists::{Netlist, Placement};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{
    cell_mask, check_placement_len, macro_order, Occupancy, PlaceError, PlaceOutcome, PlacementGrid,
};
use crate::cost::CostParams;

/// Places every movable hard macro at a uniformly random legal cell (seeded, ChaCha8).
///
/// Returns [`PlaceError::NoLegalCell`] naming the first macro for which no legal cell is left
/// (the order is [`macro_order`], largest first, so this means the macros do not fit on the
/// grid), [`PlaceError::Cost`] for invalid parameters and [`PlaceError::Config`] for a
/// placement that does not match the netlist.
///
/// Stats: `macros` (placed), `legal_cells_mean` (mean number of legal cells per step).
pub fn place_random(
    nl: &Netlist,
    init: &Placement,
    params: &CostParams,
    seed: u64,
) -> Result<PlaceOutcome, PlaceError> {
    params.validate()?;
    check_placement_len(nl, init)?;
    let grid = PlacementGrid::new(params);
    let mut pl = init.clone();
    let order = macro_order(nl, &pl);
    for &m in &order {
        pl.placed[m.index()] = false;
    }
    let mut occ = Occupancy::from_placement(nl, &pl, grid.width, grid.height);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut mask = Vec::new();
    let mut legal: Vec<usize> = Vec::new();
    let mut legal_sum = 0usize;
    for (k, &m) in order.iter().enumerate() {
        cell_mask(nl, m, &grid, &occ, &mut mask);
        legal.clear();
        legal.extend(mask.iter().enumerate().filter(|(_, &ok)| ok).map(|(c, _)| c));
        if legal.is_empty() {
            return Err(PlaceError::no_legal_cell(
                nl,
                m,
                format!(
                    "random placement: {k} of {} macros placed on the {}x{} grid",
                    order.len(),
                    grid.cols,
                    grid.rows
                ),
            ));
        }
        legal_sum += legal.len();
        let cell = legal[rng.gen_range(0..legal.len())];
        let (x, y) = grid.centre(cell);
        let i = m.index();
        pl.x[i] = x;
        pl.y[i] = y;
        pl.placed[i] = true;
        occ.insert(nl, m, x, y);
    }
    let n = order.len();
    Ok(PlaceOutcome {
        placement: pl,
        stats: vec![
            ("macros".into(), n as f64),
            ("legal_cells_mean".into(), if n > 0 { legal_sum as f64 / n as f64 } else { 0.0 }),
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::place::tests_common::{assert_complete_and_legal, small_generated};

    #[test]
    fn random_is_legal_complete_and_seeded() {
        let (nl, init, p) = small_generated(3);
        let a = place_random(&nl, &init, &p, 7).unwrap();
        assert_complete_and_legal(&nl, &init, &a.placement, &p);
        let b = place_random(&nl, &init, &p, 7).unwrap();
        assert_eq!(a.placement, b.placement);
        let c = place_random(&nl, &init, &p, 8).unwrap();
        assert_ne!(a.placement, c.placement);
    }
}
