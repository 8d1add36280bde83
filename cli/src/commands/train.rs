//! `chipfloor train`: PPO training on one netlist, a folder of netlists (pretraining), or
//! generated netlists; `--resume` continues a run exactly from its newest checkpoint;
//! `--init-from` fine-tunes a trained checkpoint. Also `chipfloor plot-metrics`, the learning
//! curve of a run, and the `rl` method of `chipfloor place`.
//!
//! Progress goes to stderr (a bar on a terminal, else one line per iteration); stdout gets a
//! summary at the end. Metrics: `RUN_DIR/metrics.jsonl`; checkpoints:
//! `RUN_DIR/checkpoints/iter_NNNNNN/`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use netlists::generate::generate;
use placer::cost::{CostOverrides, CostParams, CostWeights};
use serde_json::{json, Value};
use training::trainer::Costs;
use training::{
    checkpoint, IterationMetrics, SoftMode, StopCondition, TrainConfig, TrainError, TrainNetlist,
    Trainer,
};

use super::generate::{gen_from_json, gen_to_json, parse_grid, GenArgs};
use crate::{input, outln, CmdResult, Failure};

/// Arguments of `chipfloor train`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Netlist (`.pb.txt`, `.pb.txt.gz`) or a folder of them (each `X.pb.txt[.gz]` with an
    /// optional `X.plc` beside it): several netlists pretrain one shared policy. Not needed
    /// with `--generated`, nor with `--resume` (the run's netlists are reloaded).
    netlist: Option<PathBuf>,
    /// Initial placement (`.plc`) of a single netlist: ports, fixed macros, soft-macro start
    /// positions and cost parameters from its header.
    #[arg(long)]
    plc: Option<PathBuf>,
    /// Train on N generated netlists (seeds `--gen-seed` + i; see `chipfloor generate`).
    #[arg(long, value_name = "N")]
    generated: Option<usize>,
    /// Seed of the first generated netlist (default: `--seed`).
    #[arg(long)]
    gen_seed: Option<u64>,
    /// Placement grid of generated netlists, COLSxROWS (default 16x16).
    #[arg(long, value_name = "COLSxROWS")]
    gen_grid: Option<String>,
    #[command(flatten)]
    gen: GenArgs,
    /// Iterations (collect + update) of the run; on resume, the new total.
    #[arg(long)]
    iterations: Option<u64>,
    /// Stop after the iteration during which this many seconds have passed.
    #[arg(long, value_name = "SECS")]
    time_limit: Option<f64>,
    /// Stop after the iteration during which this process has used this many CPU seconds
    /// (all threads): a training budget that other jobs on the machine do not shrink.
    #[arg(long, value_name = "SECS")]
    cpu_time_limit: Option<f64>,
    /// Episodes collected per iteration (default 16), split evenly over the netlists.
    #[arg(long)]
    episodes_per_iter: Option<usize>,
    /// The one seed every random choice derives from (default 1).
    #[arg(long)]
    seed: Option<u64>,
    /// Run directory (default `runs/train-DESIGN-seedN`).
    #[arg(long)]
    run_dir: Option<PathBuf>,
    /// Continue the run in `--run-dir` from its newest complete checkpoint.
    #[arg(long)]
    resume: bool,
    /// Start from a trained checkpoint (model file, checkpoint folder or run directory):
    /// fine-tuning. The model sizes come from it.
    #[arg(long, value_name = "CHECKPOINT")]
    init_from: Option<PathBuf>,
    /// With `--init-from`: start with a fresh optimiser instead of the checkpoint's.
    #[arg(long)]
    fresh_optimizer: bool,
    /// Device: auto, cpu, cuda or cuda:N.
    #[arg(long, default_value = "auto")]
    device: String,
    /// libtorch CPU threads (default: libtorch's choice).
    #[arg(long)]
    threads: Option<usize>,
    /// Side of the model's action grid (default 128; a multiple of 16 at least the netlists'
    /// grid; smaller is much faster for tiny netlists).
    #[arg(long)]
    grid: Option<i64>,
    /// Soft macros at the end of each episode: fd (force-directed, default) or keep.
    #[arg(long, value_parser = ["fd", "keep"])]
    soft: Option<String>,
    /// Greedy-policy evaluation every N iterations (default 10; 0 never).
    #[arg(long)]
    eval_every: Option<u64>,
    /// Checkpoint every N iterations (default 1; the last is always written).
    #[arg(long)]
    checkpoint_every: Option<u64>,
    /// Checkpoints kept (default 3).
    #[arg(long)]
    keep_checkpoints: Option<usize>,
    /// Minibatch size in steps (default 128).
    #[arg(long)]
    minibatch: Option<usize>,
    /// PPO epochs per iteration (default 4).
    #[arg(long)]
    epochs: Option<usize>,
    /// Initial learning rate (default 4e-4; cosine decay to 0.1x over the run).
    #[arg(long)]
    lr: Option<f64>,
    /// Weight of the entropy bonus in the PPO loss (default 0.01).
    #[arg(long)]
    entropy_coef: Option<f64>,
    /// A model without the wirelength-map bias on its policy logits (Circuit Training's
    /// policy; see `gnn::model`).
    #[arg(long)]
    no_wire_map: bool,
    /// Reward weights `WL,DEN,CONG`: the reward is minus the proxy at these weights (default
    /// 1,0.5,0.5).
    #[arg(long, value_name = "WL,DEN,CONG")]
    reward_weights: Option<String>,
    /// No progress bar (one line per iteration on stderr instead).
    #[arg(long)]
    no_progress: bool,
}

fn input_err(msg: String) -> Failure {
    Failure::input(anyhow::anyhow!(msg))
}

/// Exit 2 for bad settings, files or run directories; 1 for failures while training.
pub(crate) fn train_failure(e: TrainError) -> Failure {
    if e.is_input_error() {
        Failure::input(e)
    } else {
        Failure::other(e)
    }
}

/// `gen_3.pb.txt.gz` → `gen_3`.
fn stem(p: &Path) -> String {
    let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let name = name.strip_suffix(".txt").unwrap_or(name);
    name.strip_suffix(".pb").unwrap_or(name).to_string()
}

fn canonical(p: &Path) -> Result<PathBuf, Failure> {
    std::fs::canonicalize(p).map_err(|e| input_err(format!("{}: {e}", p.display())))
}

/// A netlist file (and optional `.plc`) as a training netlist.
fn file_netlist(netlist: &Path, plc: Option<&Path>) -> Result<TrainNetlist, Failure> {
    let netlist = canonical(netlist)?;
    let plc = plc.map(canonical).transpose()?;
    let nl = input::load_netlist(&netlist)?;
    let (init, header) = match &plc {
        Some(p) => {
            let lp = input::load_placement(&nl, p, false)?;
            (lp.placement, Some(lp.header))
        }
        None => (nl.initial_placement(), None),
    };
    let params = CostParams::resolve(&nl, header.as_ref(), &CostOverrides::default())
        .map_err(Failure::input)?;
    Ok(TrainNetlist {
        name: crate::report::design_name(&netlist, &nl),
        source: json!({"kind": "file", "netlist": netlist, "plc": plc}),
        netlist: Arc::new(nl),
        init,
        params,
    })
}

fn generated_netlist(
    name: String,
    cfg: &netlists::generate::GenConfig,
) -> Result<TrainNetlist, Failure> {
    let (nl, init) = generate(cfg).map_err(|e| input_err(format!("generated netlist: {e}")))?;
    let params =
        CostParams::resolve(&nl, None, &CostOverrides::default()).map_err(Failure::input)?;
    Ok(TrainNetlist { name, source: gen_to_json(cfg), netlist: Arc::new(nl), init, params })
}

/// The netlists the arguments name (`None` when they name none).
fn netlists_from_args(args: &Args, seed: u64) -> Result<Option<Vec<TrainNetlist>>, Failure> {
    match (&args.netlist, args.generated) {
        (Some(_), Some(_)) => {
            Err(input_err("give either a netlist (or folder) or --generated N, not both".into()))
        }
        (None, Some(0)) => Err(input_err("--generated 0: nothing to train on".into())),
        (None, Some(n)) => {
            let grid = args.gen_grid.as_deref().map(parse_grid).transpose()?;
            let base = args.gen_seed.unwrap_or(seed);
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let cfg = args.gen.config(base + i as u64, grid)?;
                out.push(generated_netlist(format!("gen_{i}"), &cfg)?);
            }
            Ok(Some(out))
        }
        (Some(p), None) if p.is_dir() => {
            if args.plc.is_some() {
                return Err(input_err(format!(
                    "--plc applies to a single netlist; {} is a folder (put X.plc beside X.pb.txt)",
                    p.display()
                )));
            }
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| input_err(format!("{}: {e}", p.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    let n = f.to_string_lossy();
                    n.ends_with(".pb.txt") || n.ends_with(".pb.txt.gz")
                })
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(input_err(format!(
                    "{}: no .pb.txt or .pb.txt.gz netlist in this folder",
                    p.display()
                )));
            }
            let mut out = Vec::with_capacity(files.len());
            for f in &files {
                let plc = p.join(format!("{}.plc", stem(f)));
                out.push(file_netlist(f, plc.is_file().then_some(plc.as_path()))?);
            }
            Ok(Some(out))
        }
        (Some(p), None) => {
            if !p.exists() {
                return Err(input_err(format!("{}: no such file or directory", p.display())));
            }
            Ok(Some(vec![file_netlist(p, args.plc.as_deref())?]))
        }
        (None, None) => Ok(None),
    }
}

/// Rebuilds a run's netlists from the sources its checkpoint recorded.
fn netlists_from_state(st: &checkpoint::CheckpointState) -> Result<Vec<TrainNetlist>, Failure> {
    st.netlists
        .iter()
        .map(|e| match e.source.get("kind").and_then(Value::as_str) {
            Some("file") => {
                let nl = e.source.get("netlist").and_then(Value::as_str).map(PathBuf::from);
                let plc = e.source.get("plc").and_then(Value::as_str).map(PathBuf::from);
                let nl = nl.ok_or_else(|| {
                    input_err(format!("checkpoint: netlist `{}` has no path", e.name))
                })?;
                let mut t = file_netlist(&nl, plc.as_deref())?;
                t.name = e.name.clone();
                Ok(t)
            }
            Some("generated") => {
                let cfg = gen_from_json(&e.source).ok_or_else(|| {
                    input_err(format!("checkpoint: bad generator settings for `{}`", e.name))
                })?;
                generated_netlist(e.name.clone(), &cfg)
            }
            _ => Err(input_err(format!(
                "checkpoint: unknown source of netlist `{}`: {}",
                e.name, e.source
            ))),
        })
        .collect()
}

/// A fresh run's configuration from the arguments.
fn fresh_config(args: &Args, seed: u64) -> Result<TrainConfig, Failure> {
    let mut c = TrainConfig { seed, ..TrainConfig::default() };
    if let Some(v) = args.iterations {
        c.iterations = v;
    }
    if let Some(v) = args.episodes_per_iter {
        c.ppo.episodes_per_iteration = v;
    }
    if let Some(v) = args.grid {
        c.model.grid = v;
    }
    if let Some(v) = &args.soft {
        c.soft = SoftMode::parse(v).unwrap_or_default();
    }
    if let Some(v) = args.eval_every {
        c.eval_every = v;
    }
    if let Some(v) = args.checkpoint_every {
        c.checkpoint_every = v;
    }
    if let Some(v) = args.keep_checkpoints {
        c.keep_checkpoints = v;
    }
    if let Some(v) = args.minibatch {
        c.ppo.minibatch = v;
    }
    if let Some(v) = args.epochs {
        c.ppo.epochs = v;
    }
    if let Some(v) = args.lr {
        c.ppo.learning_rate = v;
    }
    if let Some(v) = args.entropy_coef {
        c.ppo.entropy_coef = v;
    }
    if args.no_wire_map {
        c.model.wire_map = false;
    }
    if let Some(s) = &args.reward_weights {
        c.reward_weights = parse_reward_weights(s)?;
    }
    c.validate().map_err(train_failure)?;
    Ok(c)
}

/// `--reward-weights WL,DEN,CONG` as the config stores it.
fn parse_reward_weights(s: &str) -> Result<[f64; 3], Failure> {
    let w = super::eval::parse_weights("--reward-weights", s)?;
    Ok([w.wl, w.den, w.cong])
}

/// On resume, settings given again must equal the run's.
fn check_same(args: &Args, c: &TrainConfig) -> Result<(), Failure> {
    let mut diffs = Vec::new();
    let mut cmp = |flag: &str, given: Option<String>, run: String| {
        if let Some(g) = given.filter(|g| *g != run) {
            diffs.push(format!("{flag} {g} (the run has {run})"));
        }
    };
    cmp("--seed", args.seed.map(|v| v.to_string()), c.seed.to_string());
    cmp(
        "--episodes-per-iter",
        args.episodes_per_iter.map(|v| v.to_string()),
        c.ppo.episodes_per_iteration.to_string(),
    );
    cmp("--grid", args.grid.map(|v| v.to_string()), c.model.grid.to_string());
    cmp("--soft", args.soft.clone(), c.soft.as_str().to_string());
    cmp("--eval-every", args.eval_every.map(|v| v.to_string()), c.eval_every.to_string());
    cmp(
        "--checkpoint-every",
        args.checkpoint_every.map(|v| v.to_string()),
        c.checkpoint_every.to_string(),
    );
    cmp(
        "--keep-checkpoints",
        args.keep_checkpoints.map(|v| v.to_string()),
        c.keep_checkpoints.to_string(),
    );
    cmp("--minibatch", args.minibatch.map(|v| v.to_string()), c.ppo.minibatch.to_string());
    cmp("--epochs", args.epochs.map(|v| v.to_string()), c.ppo.epochs.to_string());
    cmp("--lr", args.lr.map(|v| v.to_string()), c.ppo.learning_rate.to_string());
    cmp("--entropy-coef", args.entropy_coef.map(|v| v.to_string()), c.ppo.entropy_coef.to_string());
    if args.no_wire_map && c.model.wire_map {
        diffs.push("--no-wire-map (the run's model uses the wirelength map)".to_string());
    }
    if let Some(s) = &args.reward_weights {
        let given = parse_reward_weights(s)?;
        if given != c.reward_weights {
            diffs.push(format!("--reward-weights {s} (the run has {:?})", c.reward_weights));
        }
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(input_err(format!(
            "a resumed run keeps its configuration; these differ: {}",
            diffs.join(", ")
        )))
    }
}

fn costs_line(c: &Costs) -> String {
    let mut s = format!(
        "wirelength_cost {:.6}  density_cost {:.6}  congestion_cost {:.6}  hpwl_um {:.1}",
        c.wirelength_cost, c.density_cost, c.congestion_cost, c.hpwl_um
    );
    for w in CostWeights::STANDARD {
        s.push_str(&format!("  {w} {:.6}", c.proxy(w)));
    }
    s
}

/// One progress line of an iteration.
fn progress_line(m: &IterationMetrics, total: u64) -> String {
    let mut s = format!(
        "iter {}/{}  reward {:.4} (min {:.4} max {:.4})",
        m.iteration, total, m.reward_mean, m.reward_min, m.reward_max
    );
    if let Some(p) = m.reward_proxy_mean() {
        s.push_str(&format!("  {} {:.4}", m.reward_weights, p));
    }
    s.push_str(&format!(
        "  infeasible {}/{}  entropy {:.3}  kl {:.4}  {:.0} env steps/s  {:.1} updates/s",
        m.infeasible,
        m.episodes,
        m.entropy,
        m.approx_kl,
        m.env_steps_per_s(),
        m.ppo_updates_per_s()
    ));
    let evals: Vec<String> = m
        .eval
        .iter()
        .filter(|e| e.policy_iteration == m.iteration)
        .map(|e| match &e.costs {
            Some(c) => format!("{} {:.4}", e.netlist, c.proxy(m.reward_weights)),
            None => format!("{} infeasible", e.netlist),
        })
        .collect();
    if !evals.is_empty() {
        s.push_str(&format!("  greedy: {}", evals.join(", ")));
    }
    s
}

pub(crate) fn run(args: Args, out: &mut String) -> CmdResult {
    let device = training::parse_device(&args.device).map_err(input_err)?;
    if let Some(n) = args.threads {
        training::set_threads(n);
    }
    let time_limit = match args.time_limit {
        Some(v) if !(v.is_finite() && v >= 0.0) => {
            return Err(input_err(format!("--time-limit {v}: expected a number of seconds >= 0")))
        }
        v => v.map(Duration::from_secs_f64),
    };
    let cpu_time_limit = match args.cpu_time_limit {
        Some(v) if !(v.is_finite() && v >= 0.0) => {
            return Err(input_err(format!(
                "--cpu-time-limit {v}: expected a number of seconds >= 0"
            )))
        }
        v => v.map(Duration::from_secs_f64),
    };
    let mut trainer = if args.resume {
        if args.init_from.is_some() {
            return Err(input_err(
                "--init-from starts a new run; it cannot be combined with --resume".into(),
            ));
        }
        let run_dir =
            args.run_dir.clone().ok_or_else(|| input_err("--resume needs --run-dir".into()))?;
        let ck = checkpoint::latest(&run_dir)
            .map_err(train_failure)?
            .ok_or_else(|| train_failure(TrainError::NoCheckpoint(run_dir.clone())))?;
        let st = checkpoint::read_state(&ck).map_err(train_failure)?;
        check_same(&args, &st.config)?;
        let netlists = match netlists_from_args(&args, st.config.seed)? {
            Some(n) => n,
            None => netlists_from_state(&st)?,
        };
        eprintln!("chipfloor train: resuming {} from {}", run_dir.display(), ck.display());
        Trainer::resume(&run_dir, netlists, device, args.iterations).map_err(train_failure)?
    } else {
        let seed = args.seed.unwrap_or(1);
        let netlists = netlists_from_args(&args, seed)?.ok_or_else(|| {
            input_err(
                "nothing to train on: give a netlist, a folder of netlists, or --generated N"
                    .into(),
            )
        })?;
        let mut cfg = fresh_config(&args, seed)?;
        let init_model = match &args.init_from {
            Some(p) => {
                let model = checkpoint::resolve_model(p).map_err(train_failure)?;
                let spec = checkpoint::model_spec(&model).map_err(train_failure)?;
                if args.grid.is_some_and(|g| g != spec.grid) {
                    return Err(input_err(format!(
                        "--grid {} differs from the checkpoint's model grid {}",
                        args.grid.unwrap_or_default(),
                        spec.grid
                    )));
                }
                cfg.model = spec;
                Some(model)
            }
            None => None,
        };
        let run_dir = args.run_dir.clone().unwrap_or_else(|| {
            let design = if netlists.len() == 1 {
                netlists[0].name.clone()
            } else {
                format!("{}netlists", netlists.len())
            };
            PathBuf::from(format!("runs/train-{design}-seed{seed}"))
        });
        let mut t = Trainer::new(cfg, netlists, device, Some(&run_dir)).map_err(train_failure)?;
        if let Some(model) = init_model {
            t.load_model(&model).map_err(train_failure)?;
            let adam = model.with_file_name("adam.safetensors");
            if !args.fresh_optimizer && adam.is_file() {
                t.load_optimizer(&adam).map_err(train_failure)?;
            }
            // Iteration 0 is the starting point: the loaded weights.
            t.save_checkpoint().map_err(train_failure)?;
            eprintln!("chipfloor train: fine-tuning from {}", model.display());
        }
        t
    };
    let total = trainer.config().iterations;
    let run_dir = trainer.run_dir().map(Path::to_path_buf).unwrap_or_default();
    let names = trainer.netlist_names().join(", ");
    eprintln!(
        "chipfloor train: {} ({}), run dir {}, device {:?}, grid {}, {} episodes/iteration, iterations {}..{}",
        names,
        (0..trainer.netlist_names().len()).map(|i| format!("{} macros", trainer.episode_len(i))).collect::<Vec<_>>().join(", "),
        run_dir.display(),
        trainer.device(),
        trainer.config().model.grid,
        trainer.config().ppo.episodes_per_iteration,
        trainer.iteration() + 1,
        total
    );
    let bar = (!args.no_progress && std::io::stderr().is_terminal()).then(|| {
        let pb = ProgressBar::new(total.min(u64::MAX / 2));
        pb.set_style(
            ProgressStyle::with_template(
                "train [{bar:30.cyan/blue}] {pos}/{len} {msg} [{elapsed_precise}]",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        pb.set_position(trainer.iteration());
        pb
    });
    let ms = trainer
        .run(StopCondition { time_limit, cpu_time_limit }, |m| match &bar {
            Some(pb) => {
                pb.set_position(m.iteration);
                pb.set_message(progress_line(m, total));
                if !m.eval.is_empty() {
                    pb.println(progress_line(m, total));
                }
            }
            None => eprintln!("{}", progress_line(m, total)),
        })
        .map_err(train_failure)?;
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    let Some(last) = ms.last() else {
        outln!(
            out,
            "run      {} already has {} of {} iterations; nothing to do",
            run_dir.display(),
            trainer.iteration(),
            total
        );
        return Ok(());
    };
    outln!(out, "run      {}", run_dir.display());
    outln!(out, "netlists {names}");
    outln!(
        out,
        "done     iteration {} of {}  ({} this session, {:.1} s; {} env steps, {} updates in the last iteration)",
        last.iteration,
        total,
        ms.len(),
        ms.iter().map(|m| m.timing.iteration_s).sum::<f64>(),
        last.env_steps,
        last.ppo_updates
    );
    outln!(
        out,
        "last     reward mean {:.6} (reward = -{}; infeasible {}/{})",
        last.reward_mean,
        last.reward_weights,
        last.infeasible,
        last.episodes
    );
    if let Some(c) = &last.costs {
        outln!(out, "episodes mean {}", costs_line(c));
    }
    for e in ms.iter().flat_map(|m| &m.eval).filter(|e| e.policy_iteration == last.iteration) {
        match &e.costs {
            Some(c) => outln!(out, "greedy   {}  {}", e.netlist, costs_line(c)),
            None => outln!(
                out,
                "greedy   {}  infeasible (ran out of legal cells after {} macros)",
                e.netlist,
                e.steps
            ),
        }
    }
    if let Ok(Some(ck)) = checkpoint::latest(&run_dir) {
        outln!(out, "checkpoint {}", ck.display());
    }
    if let Some((reward, it)) = trainer.best_eval() {
        outln!(
            out,
            "best     greedy evaluation at iteration {it} (mean reward {reward:.6}): {}",
            checkpoint::best_dir(&run_dir).display()
        );
    }
    outln!(out, "metrics  {}", training::metrics::path(&run_dir).display());
    Ok(())
}

/// Arguments of `chipfloor plot-metrics`.
#[derive(clap::Args, Debug)]
pub(crate) struct PlotArgs {
    /// Run directory (or its `metrics.jsonl`).
    run_dir: PathBuf,
    /// Output PNG (default `RUN_DIR/learning_curve.png`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Proxy plotted: google (1/0.5/0.5, the default reward weights) or ct (1/1/0.5).
    #[arg(long, value_parser = ["ct", "google"], default_value = "google")]
    proxy: String,
    /// Title shown above the plot.
    #[arg(long, default_value = "")]
    title: String,
}

pub(crate) fn plot(args: PlotArgs, out: &mut String) -> CmdResult {
    let (file, dir) = if args.run_dir.is_dir() {
        (training::metrics::path(&args.run_dir), args.run_dir.clone())
    } else {
        (args.run_dir.clone(), args.run_dir.parent().map(Path::to_path_buf).unwrap_or_default())
    };
    if !file.is_file() {
        return Err(input_err(format!("{}: no such metrics file", file.display())));
    }
    let lines = training::metrics::read(&file).map_err(train_failure)?;
    if lines.is_empty() {
        eprintln!(
            "chipfloor plot-metrics: warning: {} has no complete line; drawing empty axes",
            file.display()
        );
    }
    let w =
        if args.proxy == "google" { CostWeights::GOOGLE_INTERNAL } else { CostWeights::CT_DEFAULT };
    let opts = training::plot::PlotOptions {
        proxy_key: w.to_string(),
        title: args.title,
        ..Default::default()
    };
    let png = training::plot::learning_curve_png(&lines, &opts).map_err(train_failure)?;
    let dst = args.out.unwrap_or_else(|| dir.join("learning_curve.png"));
    std::fs::write(&dst, png)
        .map_err(|e| Failure::other(anyhow::anyhow!("writing {}: {e}", dst.display())))?;
    outln!(out, "wrote    {} ({} iterations, {w})", dst.display(), lines.len());
    Ok(())
}

/// Settings of `chipfloor place --method rl`.
pub(crate) struct RlPlace<'a> {
    /// The policy: a model file, checkpoint folder or run directory.
    pub(crate) checkpoint: Option<&'a Path>,
    /// Fine-tuning budget in seconds (`None`: zero-shot), and again for coordinate descent.
    pub(crate) time_budget: Option<f64>,
    /// Seed of fine-tuning and coordinate descent.
    pub(crate) seed: u64,
    /// Force-directed soft macros at the end of episodes (else kept where they are).
    pub(crate) fd: bool,
    /// Coordinate descent after the policy.
    pub(crate) cd: bool,
}

/// `place --method rl` ([`training::place_rl`]), with its errors mapped to exit codes.
pub(crate) fn place_rl(
    nl: &netlists::Netlist,
    init: &netlists::Placement,
    params: &CostParams,
    o: &RlPlace<'_>,
    progress: &dyn placer::place::ProgressSink,
) -> Result<placer::pipeline::PipelineResult, Failure> {
    let ck = o.checkpoint.ok_or_else(|| {
        input_err("--method rl needs --checkpoint (a model file, checkpoint folder or training run directory)".into())
    })?;
    let cfg = training::RlPlaceConfig {
        checkpoint: ck,
        time_budget: o.time_budget.map(Duration::from_secs_f64),
        seed: o.seed,
        fd: o.fd,
        cd: o.cd,
        cancel: None,
    };
    training::place_rl(nl, init, params, &cfg, progress).map_err(|e| match e {
        training::RlPlaceError::Policy(e) => train_failure(e),
        e => Failure::other(e),
    })
}
