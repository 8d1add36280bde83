//! Simulated annealing over the hard macros (`CIRCUIT_TRAINING.md` §9: SA-UCSD moves and
//! schedule, SA-GWTW move mix and parallel chains), with the soft macros placed by the
//! force-directed placer ([`super::fd`]).
//!
//! - **Positions.** A moved hard macro lands on a grid-cell centre (SA-UCSD); macros that
//!   start off-grid (e.g. from a legalised `.plc`) keep their position until moved. Every
//!   candidate that overlaps a placed or fixed hard macro (or a blocking blockage), or leaves
//!   the canvas, is rejected before the cost is read ([`Occupancy`]). Fixed macros never move.
//!   Off-grid positions were not used: density, allocation and routing are all counted per
//!   grid cell, so a position inside a cell changes the cost only through the pin bounding
//!   boxes and partial cell overlaps, and on-grid placements are what the RL placer and
//!   Circuit Training's legality checks produce (constraints → on-grid; pro: a small,
//!   discrete move set; con: abutting macros off-grid could pack tighter on grids whose
//!   cells are not multiples of the macro size).
//! - **Moves**, drawn with the configured probabilities: *swap* two macros, *shift* one to a
//!   neighbouring cell (left, right, down, up), *flip* one within its orientation family (N,
//!   FN, S, FS, or E, FE, W, FW), *move* one to a random cell, *shuffle* (4 macros take each
//!   other's positions, rotated by a random non-zero step).
//! - **Acceptance**: Metropolis on the incremental proxy ([`IncrementalCost`], one
//!   transaction per move, rolled back when rejected), `t = t_max · (t_min / t_max)^f`, `f` the
//!   fraction of the move budget (fixed [`SaConfig::iterations`]) or of the annealing time.
//!   The uniform draw `u` comes before the cost, so the cost above which the move is
//!   rejected (`cur − t · ln u`) is known first: [`IncrementalCost::proxy_below`] rejects on
//!   the exact wirelength and density plus a lower bound of the congestion when that already
//!   exceeds it, before the moved nets are routed. The decision is always the one the full
//!   cost would give; only the work differs.
//! - **Chains.** One independent chain per thread, seeded with `ChaCha8Rng` from `seed` and
//!   the chain index. At [`SaConfig::sync_rounds`] checkpoints every chain takes over the best
//!   state found so far by any chain ("go with the winners" with one winner); the best state
//!   wins at the end.
//! - **Soft macros.** [`FdMode`] says when the force-directed placer re-places them: never,
//!   once after annealing, or in every chain every `n` moves. The default FD schedule for SA
//!   starts from the current soft-macro positions with short moves ([`SaConfig::default`]
//!   explains why).
//! - **Finish.** After annealing: FD (unless [`FdMode::Never`]; with [`FdMode::Every`] the
//!   final FD run is undone when it makes the cost worse than the annealing best, whose soft
//!   macros FD already placed), then a greedy polish of the
//!   hard macros (every legal cell within a small radius, every orientation of the family;
//!   best improvement first) until no move improves or the time is up.
//!
//! **Determinism.** With [`SaConfig::iterations`] set and no time budget, the result depends
//! only on the inputs, the seed and the number of threads (chains): each chain makes a fixed
//! number of moves per round, rounds end at fixed move counts, and the chain that wins a
//! checkpoint is chosen by cost with ties to the lower index. With a time budget, the number
//! of moves each chain makes depends on the machine and its load, so the result is best
//! effort and not reproducible; cancellation likewise.
//!
//! **Speed** (Ariane133, one core of the 2-core Xeon CI machine, `cargo bench -p placer
//! --bench sa`): a single-macro move with cost read and rollback takes about 4.5 µs, a swap
//! about 6.8 µs (`SA_MICRO=1`, the immediate path without early rejection); a shuffle moves
//! four macros. In the annealing loop 83 % of the evaluated moves are rejected on the
//! congestion bound (73 % before any of their nets is written or routed), and one chain
//! evaluates about 2.3·10⁵ moves per CPU-second with the default move mix
//! (`SA_THREADS=1 ... -- 20`: 235,164 and 224,503; 136,550 before bound shares survived
//! rollbacks and net updates waited for the bound; 110,173 before the bound); two chains over
//! 10 minutes: 254,791 per CPU-second, FD included. Moves rejected before the cost (illegal
//! positions) come on top (about 350k attempted per CPU-second).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use netlists::{Netlist, NodeId, NodeKind, Orientation, Placement};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::fd::{place_soft_macros, spread_if_better, FdConfig};
use super::{
    macro_order, Budget, Deadline, Occupancy, PlaceError, PlaceOutcome, PlacementGrid, Progress,
    ProgressSink, Rect,
};
use crate::cost::{CostParams, CostWeights, IncrementalCost};

/// When the force-directed placer re-places the soft macros.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FdMode {
    /// Never: soft macros keep their starting positions.
    Never,
    /// Once, on the best placement after annealing.
    After,
    /// In every chain every `n` moves (attempted moves), and after annealing.
    Every(u64),
}

/// Where annealing starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaStart {
    /// The given placement when every hard macro is placed (or fixed) and legal; otherwise
    /// [`SaStart::Spiral`].
    Auto,
    /// Movable hard macros, largest first, each on the first legal cell of a spiral from the
    /// boundary inward (SA-UCSD's spiral start).
    Spiral,
}

/// Simulated-annealing parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct SaConfig {
    /// Relative probability of a swap of two macros.
    pub p_swap: f64,
    /// Relative probability of a shift to a neighbouring cell.
    pub p_shift: f64,
    /// Relative probability of a flip within the orientation family.
    pub p_flip: f64,
    /// Relative probability of a move to a random cell.
    pub p_move: f64,
    /// Relative probability of a shuffle of 4 macros.
    pub p_shuffle: f64,
    /// Initial temperature (in proxy units; proxy deltas of single moves are about 1e-4 to
    /// 1e-2 on Ariane133).
    pub t_max: f64,
    /// Final temperature.
    pub t_min: f64,
    /// Moves (attempted, including those rejected as illegal) per chain. `Some` makes the
    /// run deterministic when no time budget cuts it; `None` needs a time budget, and the
    /// schedule then follows the elapsed time.
    pub iterations: Option<u64>,
    /// Weights of the proxy being minimised.
    pub weights: CostWeights,
    /// When soft macros are re-placed.
    pub fd: FdMode,
    /// The force-directed placer's parameters when SA runs it.
    pub fd_config: FdConfig,
    /// Parallel chains (threads); 0 means one per available core.
    pub threads: usize,
    /// Checkpoints at which every chain takes over the best state so far (0: only at the
    /// end).
    pub sync_rounds: u32,
    /// Where to start.
    pub start: SaStart,
    /// Greedy polish of the hard macros after annealing and FD.
    pub polish: bool,
    /// Manhattan radius (in cells) of the polish search.
    pub polish_radius: u32,
    /// With a time budget: the fraction reserved for FD and polish at the end.
    pub finish_fraction: f64,
}

impl Default for SaConfig {
    /// SA-GWTW's move mix (0.24 / 0.24 / 0.04 / 0.24 / 0.24), `t_max = 1e-3`, `t_min = 1e-8`,
    /// weights 1 / 0.5 / 0.5, all cores, FD every 200 000 moves per chain and after
    /// annealing, with a gentle FD schedule.
    ///
    /// FD schedule: Circuit Training's factors and steps, but starting from the current
    /// soft-macro positions with move factors 0.02 (`max_move` = 0.29 µm per step on
    /// Ariane133). On Ariane133 `legalized.plc` (proxy[wl=1,den=0.5,cong=0.5] 0.685935 as
    /// given), CT's FD from the centre gives 0.914, CT's FD from the current positions 0.781,
    /// and move factors 0.01-0.05 from the current positions 0.686-0.690: a full-strength FD
    /// run undoes what SA optimised, a gentle one settles the soft macros around the moved
    /// hard macros. Re-placing the soft macros during annealing (every 2·10⁵ to 10⁶ moves)
    /// gave 0.668-0.673 after 60 s on 2 threads, against 0.674-0.676 with FD only after
    /// annealing; `t_max` between 1e-4 and 1e-2 made no measurable difference.
    fn default() -> Self {
        SaConfig {
            p_swap: 0.24,
            p_shift: 0.24,
            p_flip: 0.04,
            p_move: 0.24,
            p_shuffle: 0.24,
            t_max: 1e-3,
            t_min: 1e-8,
            iterations: None,
            weights: CostWeights { wl: 1.0, den: 0.5, cong: 0.5 },
            fd: FdMode::Every(200_000),
            fd_config: FdConfig {
                use_current_loc: true,
                move_distance_factors: [0.02, 0.02, 0.02],
                ..FdConfig::default()
            },
            threads: 0,
            sync_rounds: 10,
            start: SaStart::Auto,
            polish: true,
            polish_radius: 3,
            finish_fraction: 0.02,
        }
    }
}

impl SaConfig {
    /// Checks the parameters ([`PlaceError::Config`] names the offending field).
    pub fn validate(&self) -> Result<(), PlaceError> {
        let bad = |m: String| Err(PlaceError::Config(m));
        let ps = [self.p_swap, self.p_shift, self.p_flip, self.p_move, self.p_shuffle];
        if ps.iter().any(|p| !(p.is_finite() && *p >= 0.0)) || ps.iter().sum::<f64>() <= 0.0 {
            return bad(format!("move probabilities must be >= 0 with a positive sum: {ps:?}"));
        }
        if !(self.t_max.is_finite() && self.t_max > 0.0) {
            return bad(format!("t_max must be positive (got {})", self.t_max));
        }
        if !(self.t_min.is_finite() && self.t_min > 0.0 && self.t_min <= self.t_max) {
            return bad(format!("t_min must lie in (0, t_max] (got {})", self.t_min));
        }
        let w = self.weights;
        if [w.wl, w.den, w.cong].iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
            return bad(format!("cost weights must be finite and >= 0 (got {w:?})"));
        }
        if self.fd == FdMode::Every(0) {
            return bad("fd = Every(0): the period must be at least 1 move".into());
        }
        if !(0.0..1.0).contains(&self.finish_fraction) {
            return bad(format!(
                "finish_fraction must lie in [0, 1) (got {})",
                self.finish_fraction
            ));
        }
        Ok(())
    }

    fn n_threads(&self) -> usize {
        if self.threads > 0 {
            self.threads
        } else {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
        }
    }
}

/// Anneals the hard macros of `init` (see the module docs) and returns the best placement:
/// every hard macro placed and legal, fixed nodes and ports untouched, soft macros re-placed
/// by FD unless [`FdMode::Never`].
///
/// `stats` holds `moves` (attempted), `evaluated` (moves decided on their cost), `accepted`,
/// `bound_rejected` (evaluated moves rejected on the congestion bound, without the congestion
/// read),
/// `moves_per_sec_per_thread` (evaluated moves per second per chain), `attempted_per_sec_per_thread`,
/// `threads`, `anneal_proxy` (best proxy at the end of annealing, before FD), `fd_runs`,
/// `fd_seconds`, `final_fd_kept` (1 when the final FD run was kept, 0 when it made the cost worse
/// than the annealing best and was undone), `polish_moves`, `seconds`, and the final `wirelength_cost`, `density_cost`,
/// `congestion_cost` and `best_proxy` (at [`SaConfig::weights`]).
///
/// Errors: invalid configuration or parameters, a placement that does not cover the netlist,
/// neither `iterations` nor a time budget, or no legal start ([`PlaceError::NoLegalCell`],
/// e.g. a hard macro larger than the canvas).
pub fn place_sa(
    nl: &Netlist,
    init: &Placement,
    params: &CostParams,
    cfg: &SaConfig,
    seed: u64,
    budget: &Budget,
    progress: &dyn ProgressSink,
) -> Result<PlaceOutcome, PlaceError> {
    let clock = budget.start();
    cfg.validate()?;
    params.validate()?;
    let n = nl.len();
    let lens = [init.x.len(), init.y.len(), init.orientation.len(), init.fixed.len()];
    if lens.iter().chain([&init.placed.len()]).any(|&l| l != n) {
        return Err(PlaceError::Config(format!(
            "placement arrays have lengths {lens:?}, the netlist has {n} nodes"
        )));
    }
    if cfg.iterations.is_none() && budget.time.is_none() {
        return Err(PlaceError::Config(
            "simulated annealing needs a move count (iterations) or a time budget".into(),
        ));
    }
    let grid = PlacementGrid::new(params);
    let threads = cfg.n_threads().max(1);
    let mut stats = Stats::default();

    // Start.
    let mut pl = init.clone();
    start_placement(nl, &mut pl, params, &grid, cfg.start)?;
    let soft_unplaced =
        nl.ids().any(|id| nl.kind(id) == NodeKind::SoftMacro && !init.placed[id.index()]);
    if soft_unplaced && cfg.fd != FdMode::Never {
        let fcfg = FdConfig { use_current_loc: false, ..FdConfig::default() };
        stats.fd(place_soft_macros(nl, &mut pl, params, &fcfg).elapsed);
    } else if cfg.fd != FdMode::Never && nl.ids().any(|id| nl.kind(id) == NodeKind::SoftMacro) {
        // Soft macros that start piled up (generated netlists, clusters at their centroids)
        // are not spread by the gentle schedule used during annealing: start from Circuit
        // Training's FD from the centre when that beats the given soft positions (on
        // Ariane133's expert placement it does not, and the start is kept).
        stats.fd(spread_if_better(nl, &mut pl, params, cfg.weights)?.0.elapsed);
    }
    let movable = macro_order(nl, &pl);

    // Annealing.
    let anneal_time = budget.time.map(|t| t.mul_f64(1.0 - cfg.finish_fraction));
    let template = pl.clone();
    let ctx = Ctx {
        nl,
        params,
        grid,
        cfg,
        movable: &movable,
        template: &template,
        clock: &clock,
        anneal_time,
    };
    let mut chains = Vec::with_capacity(threads);
    let base = IncrementalCost::new(nl, &pl, params)?;
    let base_occ = Occupancy::from_placement(nl, &pl, params.canvas_width, params.canvas_height);
    for c in 0..threads {
        chains.push(Chain::new(&ctx, base.clone(), base_occ.clone(), chain_seed(seed, c)));
    }
    let shared: Vec<Shared> = (0..threads).map(|_| Shared::default()).collect();
    let rounds = cfg.sync_rounds.max(1) as u64;
    let anneal_start = Instant::now();
    let mut rep = Reporter {
        last_report: anneal_start,
        snapshots: progress.wants_placement(),
        last_snapshot: None,
        best_sent: f64::INFINITY,
    };
    if !movable.is_empty() {
        for round in 1..=rounds {
            if clock.expired() {
                break;
            }
            let end = RoundEnd {
                moves: cfg.iterations.map(|it| it * round / rounds),
                frac: round as f64 / rounds as f64,
            };
            run_round(&ctx, &mut chains, &shared, end, progress, anneal_start, &mut rep);
            sync(&ctx, &mut chains, round == rounds)?;
        }
    }
    let anneal_secs = anneal_start.elapsed().as_secs_f64();
    for ch in &chains {
        stats.moves += ch.moves;
        stats.evaluated += ch.evaluated;
        stats.accepted += ch.accepted;
        stats.bound_rejected += ch.bound_rejected;
        stats.fd_runs += ch.fd_runs;
        stats.fd_time += ch.fd_time;
    }
    let best = chains
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.best.total_cmp(&b.1.best).then(a.0.cmp(&b.0)))
        .map(|(i, _)| i)
        .unwrap_or(0);
    let mut inc = chains.swap_remove(best).into_best(&ctx)?;
    drop(chains);
    let anneal_proxy = inc.proxy(cfg.weights);
    inc.write_placement(&mut pl)?;

    // Finish: FD, polish.
    let cancelled = clock.cancelled();
    let mut final_fd_kept = 0.0;
    if cfg.fd != FdMode::Never {
        let before = pl.clone();
        stats.fd(place_soft_macros(nl, &mut pl, params, &cfg.fd_config).elapsed);
        inc.reset(&pl)?;
        final_fd_kept = 1.0;
        // With FD during annealing, the soft macros of the annealing best were already placed
        // by FD; keep them when the final FD run makes the cost worse.
        if matches!(cfg.fd, FdMode::Every(_)) && inc.proxy(cfg.weights) > anneal_proxy {
            pl = before;
            inc.reset(&pl)?;
            final_fd_kept = 0.0;
        }
    }
    if cfg.polish && !cancelled && !movable.is_empty() {
        let mut occ = Occupancy::from_placement(nl, &pl, params.canvas_width, params.canvas_height);
        stats.polish_moves = polish(&ctx, &mut inc, &mut occ, &clock);
        inc.write_placement(&mut pl)?;
    }
    for &m in &movable {
        pl.placed[m.index()] = true;
    }
    let fin = inc.full_cost()?;
    let secs = clock.elapsed().as_secs_f64();
    let per_thread = |v: u64| v as f64 / anneal_secs.max(1e-9) / threads as f64;
    let out = vec![
        ("moves".to_string(), stats.moves as f64),
        ("evaluated".to_string(), stats.evaluated as f64),
        ("accepted".to_string(), stats.accepted as f64),
        ("bound_rejected".to_string(), stats.bound_rejected as f64),
        ("moves_per_sec_per_thread".to_string(), per_thread(stats.evaluated)),
        ("attempted_per_sec_per_thread".to_string(), per_thread(stats.moves)),
        ("threads".to_string(), threads as f64),
        ("anneal_proxy".to_string(), anneal_proxy),
        ("fd_runs".to_string(), stats.fd_runs as f64),
        ("fd_seconds".to_string(), stats.fd_time.as_secs_f64()),
        ("final_fd_kept".to_string(), final_fd_kept),
        ("polish_moves".to_string(), stats.polish_moves as f64),
        ("seconds".to_string(), secs),
        ("wirelength_cost".to_string(), fin.wirelength_cost),
        ("density_cost".to_string(), fin.density_cost),
        ("congestion_cost".to_string(), fin.congestion_cost),
        ("best_proxy".to_string(), fin.proxy(cfg.weights)),
    ];
    progress.report(&Progress {
        stage: "sa".into(),
        fraction: 1.0,
        best_cost: fin.proxy(cfg.weights),
        moves: stats.evaluated,
        moves_per_sec: stats.evaluated as f64 / anneal_secs.max(1e-9),
        elapsed: clock.elapsed(),
    });
    Ok(PlaceOutcome { placement: pl, stats: out })
}

#[derive(Default)]
struct Stats {
    moves: u64,
    evaluated: u64,
    accepted: u64,
    bound_rejected: u64,
    fd_runs: u64,
    fd_time: Duration,
    polish_moves: u64,
}

impl Stats {
    fn fd(&mut self, t: Duration) {
        self.fd_runs += 1;
        self.fd_time += t;
    }
}

/// Seed of chain `c`: a SplitMix64 step of `seed` and `c` (independent streams).
fn chain_seed(seed: u64, c: usize) -> u64 {
    let mut z = seed ^ (c as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// What every chain shares (read-only).
struct Ctx<'a> {
    nl: &'a Netlist,
    params: &'a CostParams,
    grid: PlacementGrid,
    cfg: &'a SaConfig,
    movable: &'a [NodeId],
    /// The start placement (flags; positions of nodes SA never moves).
    template: &'a Placement,
    clock: &'a Deadline,
    /// Annealing time (the budget minus the finish reserve).
    anneal_time: Option<Duration>,
}

impl Ctx<'_> {
    /// Annealing time left over.
    fn anneal_over(&self) -> bool {
        self.clock.cancelled() || self.anneal_time.is_some_and(|t| self.clock.elapsed() >= t)
    }
}

/// Counters a chain publishes for progress reports.
#[derive(Default)]
struct Shared {
    moves: AtomicU64,
    evaluated: AtomicU64,
    best: AtomicU64,
    /// Set by the reporting thread when the sink wants a snapshot of this chain's best
    /// placement ([`ProgressSink::wants_placement`]); the chain then leaves it in `snapshot`.
    snapshot_wanted: AtomicBool,
    snapshot: Mutex<Option<Placement>>,
}

/// The reporting thread's state: when it last reported, and the live snapshots of the best
/// placement for the sink (at most one per [`SNAPSHOT_EVERY`], only after a new best).
struct Reporter {
    last_report: Instant,
    snapshots: bool,
    last_snapshot: Option<Instant>,
    best_sent: f64,
}

/// Congestion-bound slack (in congestion-cost units, which are of order 1) above which an
/// accepted move refreshes the bound. On Ariane133 (600 000 moves, one chain) refreshing
/// after every accepted move rejected 81 % of the evaluated moves on the bound, refreshing
/// above 1e-3 75 % with 14 times fewer refreshes (about 80 000 instructions each): the
/// same throughput within 3 %. With the default schedule (20 s, one chain) 3e-4, 1e-3 and
/// 3e-3 give the same throughput within 3 % (229k, 225k–235k, 230k evaluated moves per
/// CPU-second).
const BOUND_SLACK: f64 = 1e-3;

/// Least time between two live snapshots.
const SNAPSHOT_EVERY: Duration = Duration::from_secs(1);

/// End of a round: a move count (iterations mode) or a fraction of the annealing time.
#[derive(Clone, Copy)]
struct RoundEnd {
    moves: Option<u64>,
    frac: f64,
}

/// One annealing chain.
struct Chain {
    inc: IncrementalCost,
    occ: Occupancy,
    rng: ChaCha8Rng,
    cur: f64,
    best: f64,
    /// Best state: `(x, y, orientation)` of each movable macro, in `ctx.movable` order...
    best_state: Vec<(f64, f64, Orientation)>,
    /// ... and the placement its other nodes (soft macros) come from.
    best_soft: Arc<Placement>,
    /// The placement the current state's soft macros come from (the last FD, the start or
    /// the last checkpoint); its movable hard-macro entries are stale.
    soft: Arc<Placement>,
    moves: u64,
    evaluated: u64,
    accepted: u64,
    fd_runs: u64,
    fd_time: Duration,
    since_fd: u64,
    /// Moves rejected on the congestion bound (without the congestion read).
    bound_rejected: u64,
    scratch: Vec<(NodeId, f64, f64, Orientation)>,
}

impl Chain {
    fn new(ctx: &Ctx<'_>, mut inc: IncrementalCost, occ: Occupancy, seed: u64) -> Chain {
        let cur = inc.proxy(ctx.cfg.weights);
        inc.refresh_bound();
        let mut c = Chain {
            inc,
            occ,
            rng: ChaCha8Rng::seed_from_u64(seed),
            cur,
            best: cur,
            best_state: Vec::with_capacity(ctx.movable.len()),
            best_soft: Arc::new(ctx.template.clone()),
            soft: Arc::new(ctx.template.clone()),
            moves: 0,
            evaluated: 0,
            accepted: 0,
            fd_runs: 0,
            fd_time: Duration::ZERO,
            since_fd: 0,
            bound_rejected: 0,
            scratch: Vec::with_capacity(4),
        };
        c.save_best(ctx);
        c
    }

    fn save_best(&mut self, ctx: &Ctx<'_>) {
        self.best = self.cur;
        if !Arc::ptr_eq(&self.best_soft, &self.soft) {
            self.best_soft = Arc::clone(&self.soft);
        }
        self.best_state.clear();
        for &m in ctx.movable {
            let (x, y) = self.inc.position(m);
            self.best_state.push((x, y, self.inc.orientation(m)));
        }
    }

    /// The chain's best state as a placement.
    fn best_placement(&self, ctx: &Ctx<'_>) -> Result<Placement, PlaceError> {
        let mut pl = (*self.best_soft).clone();
        for (&m, &(x, y, o)) in ctx.movable.iter().zip(&self.best_state) {
            let i = m.index();
            (pl.x[i], pl.y[i], pl.orientation[i]) = (x, y, o);
        }
        Ok(pl)
    }

    /// Loads a state (positions of every node), rebuilding occupancy.
    fn load(&mut self, ctx: &Ctx<'_>, pl: &Placement) -> Result<(), PlaceError> {
        self.inc.reset(pl)?;
        self.occ = Occupancy::from_placement(
            ctx.nl,
            pl,
            ctx.params.canvas_width,
            ctx.params.canvas_height,
        );
        self.cur = self.inc.proxy(ctx.cfg.weights);
        self.inc.refresh_bound();
        self.soft = Arc::new(pl.clone());
        self.save_best(ctx);
        Ok(())
    }

    fn into_best(mut self, ctx: &Ctx<'_>) -> Result<IncrementalCost, PlaceError> {
        let pl = self.best_placement(ctx)?;
        self.inc.reset(&pl)?;
        Ok(self.inc)
    }

    /// Temperature at schedule fraction `f`.
    #[inline]
    fn temperature(cfg: &SaConfig, f: f64) -> f64 {
        cfg.t_max * (cfg.t_min / cfg.t_max).powf(f.clamp(0.0, 1.0))
    }

    /// Runs moves until the round ends; publishes counters in `sh`.
    fn run(&mut self, ctx: &Ctx<'_>, end: RoundEnd, sh: &Shared) {
        let cfg = ctx.cfg;
        let ps = [cfg.p_swap, cfg.p_shift, cfg.p_flip, cfg.p_move, cfg.p_shuffle];
        let psum: f64 = ps.iter().sum();
        let mut cum = [0.0; 5];
        let mut acc = 0.0;
        for (c, p) in cum.iter_mut().zip(ps) {
            acc += p / psum;
            *c = acc;
        }
        let round_t = ctx.anneal_time.map(|t| t.mul_f64(end.frac));
        let mut t = Self::temperature(cfg, self.schedule_fraction(ctx));
        loop {
            if end.moves.is_some_and(|e| self.moves >= e) {
                break;
            }
            if self.moves & 31 == 0 {
                if ctx.clock.cancelled() {
                    break;
                }
                if let Some(rt) = round_t {
                    if ctx.clock.elapsed() >= rt || ctx.anneal_over() {
                        break;
                    }
                }
                if ctx.clock.expired() {
                    break;
                }
                t = Self::temperature(cfg, self.schedule_fraction(ctx));
                self.publish(sh);
                if sh.snapshot_wanted.load(Ordering::Relaxed) {
                    self.leave_snapshot(ctx, sh);
                }
            }
            self.moves += 1;
            let r: f64 = self.rng.gen();
            let kind = cum.iter().position(|&c| r < c).unwrap_or(4);
            self.one_move(ctx, kind, t);
            if let FdMode::Every(nfd) = cfg.fd {
                self.since_fd += 1;
                if self.since_fd >= nfd {
                    self.since_fd = 0;
                    self.run_fd(ctx);
                }
            }
        }
        self.publish(sh);
    }

    /// Leaves a copy of the best placement in `sh.snapshot` (asked for by the reporter).
    #[cold]
    fn leave_snapshot(&self, ctx: &Ctx<'_>, sh: &Shared) {
        sh.snapshot_wanted.store(false, Ordering::Relaxed);
        if let Ok(mut pl) = self.best_placement(ctx) {
            for &m in ctx.movable {
                pl.placed[m.index()] = true;
            }
            *sh.snapshot.lock().unwrap_or_else(|e| e.into_inner()) = Some(pl);
        }
    }

    fn publish(&self, sh: &Shared) {
        sh.moves.store(self.moves, Ordering::Relaxed);
        sh.evaluated.store(self.evaluated, Ordering::Relaxed);
        sh.best.store(self.best.to_bits(), Ordering::Relaxed);
    }

    /// Fraction of the schedule done.
    fn schedule_fraction(&self, ctx: &Ctx<'_>) -> f64 {
        match (ctx.cfg.iterations, ctx.anneal_time) {
            (Some(it), _) => self.moves as f64 / it.max(1) as f64,
            (None, Some(t)) => ctx.clock.elapsed().as_secs_f64() / t.as_secs_f64().max(1e-9),
            (None, None) => 1.0,
        }
    }

    /// Re-places the soft macros of the current state with FD. The best state is kept (with
    /// the soft positions it was found with) unless the result beats it.
    fn run_fd(&mut self, ctx: &Ctx<'_>) {
        let mut pl = (*self.soft).clone();
        if self.inc.write_placement(&mut pl).is_err() {
            return;
        }
        let st = place_soft_macros(ctx.nl, &mut pl, ctx.params, &ctx.cfg.fd_config);
        self.fd_runs += 1;
        self.fd_time += st.elapsed;
        if self.inc.reset(&pl).is_err() {
            return;
        }
        self.cur = self.inc.proxy(ctx.cfg.weights);
        self.inc.refresh_bound();
        self.soft = Arc::new(pl);
        if self.cur < self.best {
            self.save_best(ctx);
        }
    }

    /// Rect of macro `m` centred at `(x, y)`, if inside the canvas.
    #[inline]
    fn rect_in(ctx: &Ctx<'_>, m: NodeId, x: f64, y: f64) -> Option<Rect> {
        let i = m.index();
        let r = Rect::centred(x, y, ctx.nl.width[i], ctx.nl.height[i]);
        r.inside_canvas(ctx.grid.width, ctx.grid.height).then_some(r)
    }

    /// Metropolis on the open transaction: commit or roll back. Returns whether accepted.
    ///
    /// The uniform draw `u` comes first, so the cost above which the move is rejected,
    /// `cur − t · ln u`, is known before the cost is read: [`IncrementalCost::proxy_below`]
    /// then skips the congestion read when a lower bound of the cost already exceeds it.
    /// Every decision is the one the full cost gives.
    #[inline]
    fn decide(&mut self, ctx: &Ctx<'_>, t: f64) -> bool {
        self.evaluated += 1;
        let u: f64 = self.rng.gen();
        let limit = self.cur - t * u.ln();
        let ok = match self.inc.proxy_below(ctx.cfg.weights, limit) {
            None => {
                self.bound_rejected += 1;
                false
            }
            Some(c) => {
                let d = c - self.cur;
                let ok = d <= 0.0 || u < (-d / t).exp();
                if ok {
                    self.inc.commit();
                    // Refresh the bound when it has become loose (it is exact right after).
                    if self
                        .inc
                        .congestion_bound()
                        .is_none_or(|lb| self.inc.congestion_cost() - lb > BOUND_SLACK)
                    {
                        self.inc.refresh_bound();
                    }
                    self.cur = c;
                    self.accepted += 1;
                    if c < self.best {
                        self.save_best(ctx);
                    }
                }
                ok
            }
        };
        if !ok {
            self.inc.rollback();
        }
        ok
    }

    fn one_move(&mut self, ctx: &Ctx<'_>, kind: usize, t: f64) {
        let mv = ctx.movable;
        let nm = mv.len();
        match kind {
            // Swap.
            0 => {
                if nm < 2 {
                    return;
                }
                let a = mv[self.rng.gen_range(0..nm)];
                let mut b = mv[self.rng.gen_range(0..nm - 1)];
                if b == a {
                    b = mv[nm - 1];
                }
                let (ax, ay) = self.inc.position(a);
                let (bx, by) = self.inc.position(b);
                let (Some(ra), Some(rb)) =
                    (Self::rect_in(ctx, a, bx, by), Self::rect_in(ctx, b, ax, ay))
                else {
                    return;
                };
                let same = ctx.nl.width[a.index()] == ctx.nl.width[b.index()]
                    && ctx.nl.height[a.index()] == ctx.nl.height[b.index()];
                if !same
                    && (ra.overlaps(&rb)
                        || self.occ.overlaps(&ra, Some(a), Some(b))
                        || self.occ.overlaps(&rb, Some(a), Some(b)))
                {
                    return;
                }
                self.inc.begin();
                if self.inc.swap(a, b).is_err() {
                    self.inc.rollback();
                    return;
                }
                if self.decide(ctx, t) {
                    self.occ.insert(ctx.nl, a, bx, by);
                    self.occ.insert(ctx.nl, b, ax, ay);
                }
            }
            // Shift to a neighbouring cell; move to a random cell.
            1 | 3 => {
                let m = mv[self.rng.gen_range(0..nm)];
                let (x, y) = self.inc.position(m);
                let (nx, ny) = if kind == 1 {
                    let (r, c) = ctx.grid.row_col(ctx.grid.cell_of(x, y));
                    let (r, c) = (r as i64, c as i64);
                    let (r, c) = match self.rng.gen_range(0..4) {
                        0 => (r, c - 1),
                        1 => (r, c + 1),
                        2 => (r - 1, c),
                        _ => (r + 1, c),
                    };
                    if r < 0 || c < 0 || r >= ctx.grid.rows as i64 || c >= ctx.grid.cols as i64 {
                        return;
                    }
                    ctx.grid.centre(ctx.grid.index(r as u32, c as u32))
                } else {
                    ctx.grid.centre(self.rng.gen_range(0..ctx.grid.len()))
                };
                let Some(r) = Self::rect_in(ctx, m, nx, ny) else { return };
                if self.occ.overlaps(&r, Some(m), None) {
                    return;
                }
                self.inc.begin();
                if self.inc.move_node(m, nx, ny).is_err() {
                    self.inc.rollback();
                    return;
                }
                if self.decide(ctx, t) {
                    self.occ.insert(ctx.nl, m, nx, ny);
                }
            }
            // Flip within the family.
            2 => {
                let m = mv[self.rng.gen_range(0..nm)];
                let o = self.inc.orientation(m);
                let fam = o.family();
                let k = self.rng.gen_range(0..3);
                let no = fam.iter().copied().filter(|&f| f != o).nth(k).unwrap_or(o);
                if no == o {
                    return;
                }
                self.inc.begin();
                if self.inc.set_orientation(m, no).is_err() {
                    self.inc.rollback();
                    return;
                }
                self.decide(ctx, t);
            }
            // Shuffle: 4 distinct macros (fewer when fewer are movable) take each other's
            // positions, rotated by a random non-zero step (never the identity).
            _ => {
                let k = nm.min(4);
                if k < 2 {
                    return;
                }
                let mut pick = [NodeId(0); 4];
                let mut got = 0;
                while got < k {
                    let m = mv[self.rng.gen_range(0..nm)];
                    if !pick[..got].contains(&m) {
                        pick[got] = m;
                        got += 1;
                    }
                }
                let pick = &pick[..k];
                // Random cyclic shift by 1..k of the positions (never the identity).
                let s = self.rng.gen_range(1..k);
                self.scratch.clear();
                for (j, &m) in pick.iter().enumerate() {
                    let from = pick[(j + s) % k];
                    let (x, y) = self.inc.position(from);
                    self.scratch.push((m, x, y, self.inc.orientation(m)));
                }
                let mut rects = [Rect { x0: 0.0, y0: 0.0, x1: 0.0, y1: 0.0 }; 4];
                for (j, &(m, x, y, _)) in self.scratch.iter().enumerate() {
                    let Some(r) = Self::rect_in(ctx, m, x, y) else { return };
                    rects[j] = r;
                }
                let all_same = pick.iter().all(|m| {
                    ctx.nl.width[m.index()] == ctx.nl.width[pick[0].index()]
                        && ctx.nl.height[m.index()] == ctx.nl.height[pick[0].index()]
                });
                if !all_same {
                    for &m in pick {
                        self.occ.remove(m);
                    }
                    let mut ok = true;
                    'outer: for j in 0..k {
                        if self.occ.overlaps(&rects[j], None, None) {
                            ok = false;
                            break;
                        }
                        for q in j + 1..k {
                            if rects[j].overlaps(&rects[q]) {
                                ok = false;
                                break 'outer;
                            }
                        }
                    }
                    for &m in pick {
                        let (x, y) = self.inc.position(m);
                        self.occ.insert(ctx.nl, m, x, y);
                    }
                    if !ok {
                        return;
                    }
                }
                self.inc.begin();
                let changes = std::mem::take(&mut self.scratch);
                let res = self.inc.move_many(&changes);
                if res.is_err() {
                    self.inc.rollback();
                } else if self.decide(ctx, t) {
                    for &(m, x, y, _) in &changes {
                        self.occ.insert(ctx.nl, m, x, y);
                    }
                }
                self.scratch = changes;
            }
        }
    }
}

/// Runs one round on every chain in parallel, reporting progress from this thread.
fn run_round(
    ctx: &Ctx<'_>,
    chains: &mut [Chain],
    shared: &[Shared],
    end: RoundEnd,
    progress: &dyn ProgressSink,
    anneal_start: Instant,
    rep: &mut Reporter,
) {
    std::thread::scope(|s| {
        let handles: Vec<_> = chains
            .iter_mut()
            .zip(shared)
            .map(|(ch, sh)| s.spawn(move || ch.run(ctx, end, sh)))
            .collect();
        while !handles.iter().all(|h| h.is_finished()) {
            std::thread::sleep(Duration::from_millis(10));
            if rep.last_report.elapsed() >= Duration::from_millis(250) {
                rep.last_report = Instant::now();
                let evaluated: u64 =
                    shared.iter().map(|s| s.evaluated.load(Ordering::Relaxed)).sum();
                let best = shared
                    .iter()
                    .map(|s| f64::from_bits(s.best.load(Ordering::Relaxed)))
                    .fold(f64::INFINITY, f64::min);
                let fraction = match (ctx.cfg.iterations, ctx.anneal_time) {
                    (Some(it), _) => {
                        let done: u64 =
                            shared.iter().map(|s| s.moves.load(Ordering::Relaxed)).sum();
                        (done as f64 / (it as f64 * shared.len() as f64)).min(1.0)
                    }
                    (None, Some(t)) => {
                        (ctx.clock.elapsed().as_secs_f64() / t.as_secs_f64()).min(1.0)
                    }
                    _ => 0.0,
                };
                progress.report(&Progress {
                    stage: "sa".into(),
                    fraction,
                    best_cost: best,
                    moves: evaluated,
                    moves_per_sec: evaluated as f64
                        / anneal_start.elapsed().as_secs_f64().max(1e-9),
                    elapsed: ctx.clock.elapsed(),
                });
                if rep.snapshots {
                    live_snapshot(shared, progress, best, rep);
                }
            }
        }
        for h in handles {
            let _ = h.join();
        }
    });
}

/// Hands a snapshot a chain has left to the sink, and asks the best chain for one when the
/// best improved and the last one is at least [`SNAPSHOT_EVERY`] old.
fn live_snapshot(shared: &[Shared], progress: &dyn ProgressSink, best: f64, s: &mut Reporter) {
    for sh in shared {
        let pl = sh.snapshot.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(pl) = pl {
            progress.placement(&pl);
        }
    }
    if best < s.best_sent && s.last_snapshot.is_none_or(|t| t.elapsed() >= SNAPSHOT_EVERY) {
        let chain = shared
            .iter()
            .enumerate()
            .min_by(|a, b| {
                let f = |x: &Shared| f64::from_bits(x.best.load(Ordering::Relaxed));
                f(a.1).total_cmp(&f(b.1))
            })
            .map(|(i, _)| i);
        if let Some(i) = chain {
            shared[i].snapshot_wanted.store(true, Ordering::Relaxed);
            s.best_sent = best;
            s.last_snapshot = Some(Instant::now());
        }
    }
}

/// Every chain takes over the best state of any chain (lowest best cost, ties by chain
/// index). On the last round nothing is copied.
fn sync(ctx: &Ctx<'_>, chains: &mut [Chain], last: bool) -> Result<(), PlaceError> {
    if last || chains.len() < 2 {
        return Ok(());
    }
    let Some(w) = chains
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.best.total_cmp(&b.1.best).then(a.0.cmp(&b.0)))
        .map(|(i, _)| i)
    else {
        return Ok(());
    };
    let pl = chains[w].best_placement(ctx)?;
    for ch in chains.iter_mut() {
        ch.load(ctx, &pl)?;
    }
    Ok(())
}

/// Greedy polish: for each movable macro, the best (cell within `polish_radius`,
/// orientation in the family) by proxy; repeated while anything improves and time is left.
fn polish(ctx: &Ctx<'_>, inc: &mut IncrementalCost, occ: &mut Occupancy, clock: &Deadline) -> u64 {
    let w = ctx.cfg.weights;
    let g = &ctx.grid;
    let rad = ctx.cfg.polish_radius as i64;
    let mut cur = inc.proxy(w);
    let mut moves = 0;
    for _pass in 0..100 {
        let mut improved = false;
        for &m in ctx.movable {
            if clock.expired() {
                return moves;
            }
            let (x, y) = inc.position(m);
            let o = inc.orientation(m);
            let (r0, c0) = g.row_col(g.cell_of(x, y));
            let (r0, c0) = (r0 as i64, c0 as i64);
            let mut best = (cur, x, y, o);
            for dr in -rad..=rad {
                let rem = rad - dr.abs();
                for dc in -rem..=rem {
                    let (r, c) = (r0 + dr, c0 + dc);
                    if r < 0 || c < 0 || r >= g.rows as i64 || c >= g.cols as i64 {
                        continue;
                    }
                    let (nx, ny) = if dr == 0 && dc == 0 {
                        (x, y)
                    } else {
                        g.centre(g.index(r as u32, c as u32))
                    };
                    let Some(rect) = Chain::rect_in(ctx, m, nx, ny) else { continue };
                    if (dr != 0 || dc != 0) && occ.overlaps(&rect, Some(m), None) {
                        continue;
                    }
                    for no in o.family() {
                        if dr == 0 && dc == 0 && no == o {
                            continue;
                        }
                        inc.begin();
                        if inc.move_and_orient(m, nx, ny, no).is_ok() {
                            let c = inc.proxy(w);
                            if c < best.0 - 1e-12 {
                                best = (c, nx, ny, no);
                            }
                        }
                        inc.rollback();
                    }
                }
            }
            if best.0 < cur && inc.move_and_orient(m, best.1, best.2, best.3).is_ok() {
                occ.insert(ctx.nl, m, best.1, best.2);
                cur = inc.proxy(w);
                moves += 1;
                improved = true;
            }
        }
        if !improved {
            break;
        }
    }
    moves
}

/// Makes `pl` a legal, complete start for the hard macros (see [`SaStart`]).
fn start_placement(
    nl: &Netlist,
    pl: &mut Placement,
    params: &CostParams,
    grid: &PlacementGrid,
    mode: SaStart,
) -> Result<(), PlaceError> {
    let (cw, ch) = (params.canvas_width, params.canvas_height);
    let hard: Vec<NodeId> = nl.hard_macros();
    if mode == SaStart::Auto {
        let complete = hard.iter().all(|&m| pl.placed[m.index()] || pl.fixed[m.index()]);
        if complete && is_legal(nl, pl, cw, ch, &hard) {
            return Ok(());
        }
    }
    let order = macro_order(nl, pl);
    let mut occ = Occupancy::new(nl, cw, ch, &nl.header.blockages);
    for &m in &hard {
        if pl.fixed[m.index()] {
            occ.insert(nl, m, pl.x[m.index()], pl.y[m.index()]);
        }
    }
    let cells = spiral(grid.cols as usize, grid.rows as usize);
    for (k, &m) in order.iter().enumerate() {
        let i = m.index();
        let (w, h) = (nl.width[i], nl.height[i]);
        let found = cells.iter().map(|&c| grid.centre(c)).find(|&(x, y)| {
            let r = Rect::centred(x, y, w, h);
            r.inside_canvas(cw, ch) && !occ.overlaps(&r, Some(m), None)
        });
        let Some((x, y)) = found else {
            return Err(PlaceError::NoLegalCell {
                id: m,
                name: nl.names.get(i).cloned().unwrap_or_default(),
                w,
                h,
                why: format!(
                    "spiral start: {k} of {} movable hard macros placed on a {}x{} grid",
                    order.len(),
                    grid.cols,
                    grid.rows
                ),
            });
        };
        pl.x[i] = x;
        pl.y[i] = y;
        pl.placed[i] = true;
        occ.insert(nl, m, x, y);
    }
    Ok(())
}

/// Hard macros inside the canvas, not overlapping each other or a blocking blockage.
fn is_legal(nl: &Netlist, pl: &Placement, cw: f64, ch: f64, hard: &[NodeId]) -> bool {
    if !crate::legality::check(nl, pl, cw, ch).is_legal() {
        return false;
    }
    let blk = Occupancy::new(nl, cw, ch, &nl.header.blockages);
    hard.iter().all(|&m| {
        let i = m.index();
        !blk.overlaps(&Rect::centred(pl.x[i], pl.y[i], nl.width[i], nl.height[i]), None, None)
    })
}

/// Cells of a `cols × rows` grid in spiral order: the outer ring (bottom row left to right,
/// right column upward, top row right to left, left column downward), then the next ring
/// inward, and so on.
fn spiral(cols: usize, rows: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(cols * rows);
    let (mut c0, mut r0) = (0i64, 0i64);
    let (mut c1, mut r1) = (cols as i64 - 1, rows as i64 - 1);
    let idx = |r: i64, c: i64| r as usize * cols + c as usize;
    while c0 <= c1 && r0 <= r1 {
        for c in c0..=c1 {
            out.push(idx(r0, c));
        }
        for r in r0 + 1..=r1 {
            out.push(idx(r, c1));
        }
        if r1 > r0 {
            for c in (c0..c1).rev() {
                out.push(idx(r1, c));
            }
        }
        if c1 > c0 {
            for r in (r0 + 1..r1).rev() {
                out.push(idx(r, c0));
            }
        }
        c0 += 1;
        r0 += 1;
        c1 -= 1;
        r1 -= 1;
    }
    out
}

#[cfg(test)]
mod tests;
