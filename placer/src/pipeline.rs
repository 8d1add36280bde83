//! The placement pipeline shared by `chipfloor place`, `chipfloor compare` and the service:
//! **method → force-directed soft macros → optional coordinate descent → evaluate**.
//!
//! 1. When the method starts from the given placement ([`Method::starts_from_init`]) and that
//!    placement is illegal, it is legalised first ([`legalize`](fn@legalize)).
//! 2. The method places the hard macros ([`Method::Random`], [`Method::Greedy`],
//!    [`Method::Sa`]) within the time budget.
//! 3. Force-directed placement of the soft macros ([`PipelineConfig::fd`], on by default),
//!    as Circuit Training does after its agent has placed the hard macros, with the
//!    [`gentle_fd`] schedule and, separately, Circuit Training's own schedule from the canvas
//!    centre, keeping the better ([`best_fd`]; simulated annealing runs the gentle one itself).
//!    Only Circuit Training's runs when soft macros of the start are unplaced.
//! 4. Optional coordinate descent ([`PipelineConfig::cd`]) with its own time budget (the
//!    same number of seconds as the method's), with the force-directed refresh of the soft
//!    macros between epochs when step 3 is on (`CdConfig::fd_between_epochs`).
//! 5. A full evaluation and the legality report.
//!
//! One seed drives everything: each stage gets a seed derived from [`PipelineConfig::seed`]
//! ([`stage_seed`]). With the same seed and no time limit hit, the result is identical run to
//! run (the methods are deterministic; simulated annealing also depends on its number of
//! chains, [`SaConfig::threads`], and runs [`DEFAULT_SA_ITERATIONS`] moves per chain without
//! a time budget; a time budget that cuts a method short makes the result depend on the
//! machine's speed).

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use netlists::{Netlist, Placement};

use crate::cost::{CostBreakdown, CostModel, CostParams, EvalScratch};
use crate::legality::{check_with, LegalityOptions, LegalityReport};
use crate::place::fd::{place_soft_macros, spread_if_better, FdConfig, FdStats};
use crate::place::sa::{place_sa, FdMode, SaConfig};
use crate::place::{
    coordinate_descent, legalize, place_greedy, place_random, Budget, CdConfig, GreedyConfig,
    LegalizeStats, PlaceError, Progress, ProgressSink,
};

/// A placement method of the pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// Uniformly random legal cells ([`place_random`]).
    Random,
    /// Greedy least-added-wirelength cells ([`place_greedy`]).
    Greedy,
    /// Simulated annealing ([`place_sa`]).
    Sa,
}

impl Method {
    /// Every method, in the order reports list them.
    pub const ALL: [Method; 3] = [Method::Random, Method::Greedy, Method::Sa];

    /// `random`, `greedy`, `sa`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Random => "random",
            Method::Greedy => "greedy",
            Method::Sa => "sa",
        }
    }

    /// Parses [`as_str`](Self::as_str)'s names (case-insensitive).
    pub fn parse(s: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// The names of every method, comma-separated (for error messages).
    pub fn names() -> String {
        Method::ALL.map(Method::as_str).join(", ")
    }

    /// True when the method refines the given placement of the hard macros (which must then
    /// be legal), false when it places them from scratch.
    pub fn starts_from_init(self) -> bool {
        matches!(self, Method::Sa)
    }

    /// True when the method is implemented in this build (all of them are; kept so that
    /// callers need not change when a method is added before it is implemented).
    pub fn available(self) -> bool {
        true
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Options of [`run`].
#[derive(Clone, Debug)]
pub struct PipelineConfig {
    /// The placement method.
    pub method: Method,
    /// The one seed every stage derives its own from.
    pub seed: u64,
    /// Wall-clock budget of the method in seconds (and again of coordinate descent);
    /// `None` runs each to completion.
    pub time_budget: Option<f64>,
    /// Place the soft macros with the force-directed placer after the method (default true;
    /// simulated annealing runs it itself, [`SaConfig::fd`]).
    pub fd: bool,
    /// Run coordinate descent after the method and the soft macros (default false).
    pub cd: bool,
    /// Options of the greedy method.
    pub greedy: GreedyConfig,
    /// Options of the force-directed soft-macro placement after random and greedy placement
    /// (default: [`gentle_fd`]). When some soft macro of the start is unplaced, Circuit
    /// Training's schedule from the canvas centre runs instead.
    pub fd_config: FdConfig,
    /// Options of simulated annealing. Without a time budget and without
    /// [`SaConfig::iterations`], the pipeline sets `iterations` to [`DEFAULT_SA_ITERATIONS`];
    /// with `fd` off it sets [`SaConfig::fd`] to [`FdMode::Never`].
    pub sa: SaConfig,
    /// Options of coordinate descent (when `fd` is on and `fd_between_epochs` is unset, the
    /// pipeline sets it to `fd_config`, as Circuit Training refreshes the soft macros between
    /// epochs).
    pub cd_config: CdConfig,
    /// Set to true from another thread to stop the running stage early (the best result so
    /// far is kept).
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            method: Method::Greedy,
            seed: 1,
            time_budget: None,
            fd: true,
            cd: false,
            greedy: GreedyConfig::default(),
            fd_config: gentle_fd(),
            sa: SaConfig::default(),
            cd_config: CdConfig::default(),
            cancel: None,
        }
    }
}

/// Moves per chain of simulated annealing when neither a time budget nor
/// [`SaConfig::iterations`] is given.
pub const DEFAULT_SA_ITERATIONS: u64 = 200_000;

/// The force-directed schedule the pipeline uses after random and greedy placement (and
/// simulated annealing uses after annealing): Circuit Training's factors and steps, starting
/// from the current soft-macro positions with move factors 0.05, so the soft macros settle
/// around the new hard-macro positions instead of being re-spread from the centre.
///
/// Measured on Ariane133 from `legalized.plc` (proxy 1/0.5/0.5, seed 1): greedy without FD
/// 0.8196, with Circuit Training's FD from the centre 1.0094, with this schedule 0.8042.
pub fn gentle_fd() -> FdConfig {
    FdConfig { use_current_loc: true, move_distance_factors: [0.05; 3], ..FdConfig::default() }
}

/// Force-directed soft macros from the current positions with `gentle` and, separately, with
/// Circuit Training's schedule from the canvas centre; keeps the result with the lower proxy
/// (weights 1/0.5/0.5; the gentle one on a tie) and returns its statistics and whether
/// Circuit Training's schedule won.
///
/// The gentle schedule keeps soft macros that were already well placed (an expert `.plc`);
/// it cannot spread soft macros that start piled up (generated netlists, clusters placed at
/// a centroid), which Circuit Training's schedule does. Measured with `chipfloor place
/// --method greedy` on a generated 24-macro netlist whose `.plc` piles the soft macros up:
/// density 1.53 with the gentle schedule alone.
pub fn best_fd(
    nl: &Netlist,
    pl: &mut Placement,
    params: &CostParams,
    gentle: &FdConfig,
) -> Result<(FdStats, bool), PlaceError> {
    let s_gentle = place_soft_macros(nl, pl, params, gentle);
    let w = crate::cost::CostWeights::new(1.0, 0.5, 0.5);
    let (s_ct, ct_won) = spread_if_better(nl, pl, params, w)?;
    Ok(if ct_won { (s_ct, true) } else { (s_gentle, false) })
}

/// The seed of one stage, derived from the pipeline seed (SplitMix64 of `seed` and the stage
/// number), so stages do not share random streams.
pub fn stage_seed(seed: u64, stage: u64) -> u64 {
    let mut z = seed ^ stage.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// What one stage did.
#[derive(Clone, Debug, PartialEq)]
pub struct StageReport {
    /// `legalize-init`, the method's name, `fd` or `cd`.
    pub name: String,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Stage statistics, e.g. `("moves", 1.2e6)`.
    pub stats: Vec<(String, f64)>,
}

/// What [`run`] returns.
#[derive(Clone, Debug)]
pub struct PipelineResult {
    /// The final placement.
    pub placement: Placement,
    /// Its costs under the pipeline's parameters.
    pub costs: CostBreakdown,
    /// Its legality.
    pub legality: LegalityReport,
    /// The stages in the order they ran.
    pub stages: Vec<StageReport>,
    /// Wall-clock seconds of the whole pipeline (evaluation included).
    pub seconds: f64,
}

impl PipelineResult {
    /// The report of stage `name`, if it ran.
    pub fn stage(&self, name: &str) -> Option<&StageReport> {
        self.stages.iter().find(|s| s.name == name)
    }
}

fn budget(cfg: &PipelineConfig) -> Budget {
    Budget {
        time: cfg.time_budget.map(|s| Duration::from_secs_f64(s.max(0.0))),
        cancel: cfg.cancel.clone(),
    }
}

fn legalize_stats(s: &LegalizeStats) -> Vec<(String, f64)> {
    vec![
        ("moved".into(), s.moved as f64),
        ("total_displacement_um".into(), s.total_displacement),
        ("max_displacement_um".into(), s.max_displacement),
    ]
}

fn fd_stats(s: &FdStats) -> Vec<(String, f64)> {
    vec![
        ("movable".into(), s.movable as f64),
        ("steps".into(), s.steps as f64),
        ("repulsion_pairs".into(), s.repulsion_pairs as f64),
        ("clamped".into(), s.clamped as f64),
    ]
}

fn stage_done(progress: &dyn ProgressSink, name: &str, t: Instant) {
    progress.report(&Progress {
        stage: name.into(),
        fraction: 1.0,
        best_cost: f64::NAN,
        moves: 0,
        moves_per_sec: 0.0,
        elapsed: t.elapsed(),
    });
}

/// Runs the pipeline on `init` (see the module docs) and evaluates the result.
///
/// Errors: [`PlaceError::Config`] for a method not available in this build, an invalid time
/// budget or a placement that does not match the netlist; the errors of the stages
/// ([`PlaceError::NoLegalCell`] when the macros do not fit, [`PlaceError::Cost`] for invalid
/// parameters).
pub fn run(
    nl: &Netlist,
    init: &Placement,
    params: &CostParams,
    cfg: &PipelineConfig,
    progress: &dyn ProgressSink,
) -> Result<PipelineResult, PlaceError> {
    let t0 = Instant::now();
    params.validate()?;
    crate::place::check_placement_len(nl, init)?;
    if let Some(b) = cfg.time_budget {
        if !(b.is_finite() && b >= 0.0) {
            return Err(PlaceError::Config(format!(
                "time budget must be a finite number of seconds >= 0, got {b}"
            )));
        }
    }
    if !cfg.method.available() {
        return Err(PlaceError::Config(format!(
            "method `{}` is not available in this build (available: {})",
            cfg.method,
            Method::ALL
                .iter()
                .filter(|m| m.available())
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let legality_opts =
        LegalityOptions { square_soft_macros: params.square_soft_macros, ..Default::default() };
    let mut stages = Vec::new();
    let mut start = init.clone();

    // 1. Legalise an illegal start for methods that refine it.
    if cfg.method.starts_from_init()
        && !check_with(nl, &start, params.canvas_width, params.canvas_height, &legality_opts)
            .is_legal()
    {
        let t = Instant::now();
        let s = legalize(nl, &mut start, params)?;
        stages.push(StageReport {
            name: "legalize-init".into(),
            seconds: t.elapsed().as_secs_f64(),
            stats: legalize_stats(&s),
        });
    }

    // 2. The method.
    let t = Instant::now();
    let seed = stage_seed(cfg.seed, 1);
    let outcome = match cfg.method {
        Method::Random => place_random(nl, &start, params, seed)?,
        Method::Greedy => place_greedy(nl, &start, params, &cfg.greedy, &budget(cfg), progress)?,
        Method::Sa => {
            let mut sa = cfg.sa.clone();
            if !cfg.fd {
                sa.fd = FdMode::Never;
            }
            if cfg.time_budget.is_none() && sa.iterations.is_none() {
                sa.iterations = Some(DEFAULT_SA_ITERATIONS);
            }
            place_sa(nl, &start, params, &sa, seed, &budget(cfg), progress)?
        }
    };
    stage_done(progress, cfg.method.as_str(), t);
    stages.push(StageReport {
        name: cfg.method.as_str().into(),
        seconds: t.elapsed().as_secs_f64(),
        stats: outcome.stats,
    });
    let mut pl = outcome.placement;
    if progress.wants_placement() {
        progress.placement(&pl);
    }

    // 3. Force-directed soft macros (simulated annealing has placed them already).
    if cfg.fd && cfg.method != Method::Sa {
        let t = Instant::now();
        let soft_unplaced = nl
            .ids()
            .any(|id| nl.kind(id) == netlists::NodeKind::SoftMacro && !start.placed[id.index()]);
        let (s, ct_won) = if soft_unplaced {
            (place_soft_macros(nl, &mut pl, params, &FdConfig::default()), true)
        } else {
            best_fd(nl, &mut pl, params, &cfg.fd_config)?
        };
        stage_done(progress, "fd", t);
        if progress.wants_placement() {
            progress.placement(&pl);
        }
        stages.push(StageReport {
            name: "fd".into(),
            seconds: t.elapsed().as_secs_f64(),
            stats: {
                let mut v = fd_stats(&s);
                v.push(("ct_schedule".into(), f64::from(u8::from(ct_won))));
                v
            },
        });
    }

    // 4. Coordinate descent.
    if cfg.cd {
        let mut cd_config = cfg.cd_config.clone();
        if cfg.fd && cd_config.fd_between_epochs.is_none() {
            cd_config.fd_between_epochs = Some(cfg.fd_config.clone());
        }
        let seed = stage_seed(cfg.seed, 3);
        stages.push(cd_stage(nl, &mut pl, params, &cd_config, seed, &budget(cfg), progress)?);
    }

    // 5. Evaluate.
    finish(nl, pl, params, stages, t0)
}

/// Coordinate descent on `pl` as a pipeline stage (the `cd` report with its statistics).
pub fn cd_stage(
    nl: &Netlist,
    pl: &mut Placement,
    params: &CostParams,
    cd_config: &CdConfig,
    seed: u64,
    budget: &Budget,
    progress: &dyn ProgressSink,
) -> Result<StageReport, PlaceError> {
    let t = Instant::now();
    let s = coordinate_descent(nl, pl, params, cd_config, seed, budget, progress)?;
    Ok(StageReport {
        name: "cd".into(),
        seconds: t.elapsed().as_secs_f64(),
        stats: vec![
            ("epochs_run".into(), s.epochs_run as f64),
            ("epochs_reverted".into(), s.epochs_reverted as f64),
            ("candidates_evaluated".into(), s.candidates_evaluated as f64),
            ("macros_moved".into(), s.macros_moved as f64),
            ("initial_cost".into(), s.initial_cost),
            ("final_cost".into(), s.final_cost),
            ("legalized_moved".into(), s.legalized.moved as f64),
            ("stopped_by_budget".into(), f64::from(u8::from(s.stopped_by_budget))),
        ],
    })
}

/// The pipeline's result for a final placement: its costs and legality, the stages, and
/// the time since `t0`.
pub fn finish(
    nl: &Netlist,
    pl: Placement,
    params: &CostParams,
    stages: Vec<StageReport>,
    t0: Instant,
) -> Result<PipelineResult, PlaceError> {
    let model = CostModel::new(nl, params)?;
    let costs = model.evaluate(&pl, &mut EvalScratch::default())?;
    let opts =
        LegalityOptions { square_soft_macros: params.square_soft_macros, ..Default::default() };
    let legality = check_with(nl, &pl, params.canvas_width, params.canvas_height, &opts);
    Ok(PipelineResult {
        placement: pl,
        costs,
        legality,
        stages,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::CostOverrides;
    use crate::place::NoProgress;
    use netlists::generate::{generate, GenConfig};

    fn small() -> (Netlist, Placement, CostParams) {
        let (nl, pl) = generate(&GenConfig { seed: 11, ..GenConfig::default() }).unwrap();
        let p = CostParams::resolve(&nl, None, &CostOverrides::default()).unwrap();
        (nl, pl, p)
    }

    #[test]
    fn best_fd_keeps_the_better_schedule() {
        let (nl, init, p) = small();
        let model = CostModel::new(&nl, &p).unwrap();
        let w = crate::cost::CostWeights::new(1.0, 0.5, 0.5);
        let cost =
            |pl: &Placement| model.evaluate(pl, &mut EvalScratch::default()).unwrap().proxy(w);
        let mut gentle = init.clone();
        place_soft_macros(&nl, &mut gentle, &p, &gentle_fd());
        let mut ct = init.clone();
        place_soft_macros(
            &nl,
            &mut ct,
            &p,
            &FdConfig { use_current_loc: false, ..FdConfig::default() },
        );
        let mut best = init.clone();
        let (_, ct_won) = best_fd(&nl, &mut best, &p, &gentle_fd()).unwrap();
        let b = cost(&best);
        assert_eq!(b, cost(&gentle).min(cost(&ct)));
        assert_eq!(ct_won, cost(&ct) < cost(&gentle));
        assert_eq!(best, if ct_won { ct } else { gentle });
    }

    #[test]
    fn methods_parse_and_list() {
        for m in Method::ALL {
            assert_eq!(Method::parse(m.as_str()), Some(m));
            assert_eq!(Method::parse(&m.as_str().to_uppercase()), Some(m));
        }
        assert_eq!(Method::parse("rl"), None);
        assert_eq!(Method::names(), "random, greedy, sa");
        assert_ne!(stage_seed(1, 1), stage_seed(1, 2));
        assert_ne!(stage_seed(1, 1), stage_seed(2, 1));
    }

    #[test]
    fn every_available_method_gives_a_legal_deterministic_placement() {
        let (nl, init, p) = small();
        for m in Method::ALL.into_iter().filter(|m| m.available()) {
            for cd in [false, true] {
                let mut cfg = PipelineConfig { method: m, seed: 5, cd, ..Default::default() };
                cfg.sa.iterations = Some(3_000);
                cfg.sa.threads = 2;
                let a = run(&nl, &init, &p, &cfg, &NoProgress).unwrap();
                assert!(a.legality.is_legal(), "{m} cd={cd}: {:?}", a.legality);
                assert_eq!(a.costs, crate::cost::evaluate(&nl, &a.placement, &p).unwrap());
                assert!(a.stage(m.as_str()).is_some());
                assert_eq!(a.stage("cd").is_some(), cd);
                assert_eq!(a.stage("fd").is_some(), m != Method::Sa);
                let b = run(&nl, &init, &p, &cfg, &NoProgress).unwrap();
                assert_eq!(a.placement, b.placement, "{m} cd={cd} is not deterministic");
            }
        }
    }

    #[test]
    fn bad_configuration_is_an_error() {
        let (nl, init, p) = small();
        let cfg = PipelineConfig { time_budget: Some(f64::NAN), ..Default::default() };
        assert!(matches!(run(&nl, &init, &p, &cfg, &NoProgress), Err(PlaceError::Config(_))));
        let mut short = init.clone();
        short.x.pop();
        let cfg = PipelineConfig::default();
        assert!(run(&nl, &short, &p, &cfg, &NoProgress).is_err());
    }
}
