//! `chipfloor`: reinforcement-learning chip macro placement, the command-line tool.
//!
//! Exit codes: 0 success, 2 bad input (unreadable or malformed files, bad arguments),
//! 1 any other failure.

mod commands;
mod input;
mod progress;
mod report;

use std::io::Write;
use std::process::ExitCode;

/// `writeln!` into a `String` (the command's stdout, printed by `main`).
macro_rules! outln {
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}
pub(crate) use outln;

use clap::{Parser, Subcommand};

/// chipfloor: macro placement in the line of Circuit Training (AlphaChip).
#[derive(Parser, Debug)]
#[command(name = "chipfloor", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Summarise a netlist: node counts, canvas, grid, area, nets, fan-out.
    Info(commands::info::Args),
    /// Evaluate a placement: wirelength, density and congestion costs, proxy, legality.
    Eval(commands::eval::Args),
    /// Run the main job on a built-in default design (the shared ariane133 benchmark when it is
    /// present, else a generated netlist).
    Demo(commands::demo::Args),
    /// Place the macros (random, greedy or sa; then force-directed soft macros and optional
    /// coordinate descent) and write placement.plc, pictures and report.json.
    Place(commands::place::Args),
    /// Draw a placement as SVG or PNG, optionally over a density or congestion heat map.
    Render(commands::render::Args),
    /// Run several methods on several designs and write report.md, report.html, report.json.
    Compare(commands::compare::Args),
    /// Train the RL policy with PPO (one netlist, a folder of netlists, or generated ones);
    /// --resume continues a run exactly, --init-from fine-tunes a checkpoint.
    Train(commands::train::Args),
    /// Convert between .pb.txt, Bookshelf, DEF (+LEF) and OpenROAD Tcl (positions from a .plc
    /// or a DEF matched by names).
    Convert(commands::convert::Args),
    /// Write seeded synthetic netlists (.pb.txt + .plc).
    Generate(commands::generate::Args),
    /// Cluster a flat netlist's standard cells into soft macros: writes netlist.pb.txt and
    /// initial.plc (--score PLC: costs and macro-only HPWL of a placement).
    Cluster(commands::cluster::Args),
    /// Draw the learning curve of a training run (metrics.jsonl) as a PNG.
    PlotMetrics(commands::train::PlotArgs),
    /// Run the HTTP job server (the sibling executable chipfloor-serve, built by
    /// `cargo build --release -p service`; `chipfloor serve --help` lists its options).
    Serve(commands::serve::Args),
}

/// An error with the exit code it maps to.
#[derive(Debug)]
pub(crate) struct Failure {
    code: u8,
    error: anyhow::Error,
}

impl Failure {
    /// Bad input (exit code 2).
    pub(crate) fn input(error: impl Into<anyhow::Error>) -> Self {
        Failure { code: 2, error: error.into() }
    }
    /// Anything else (exit code 1).
    pub(crate) fn other(error: impl Into<anyhow::Error>) -> Self {
        Failure { code: 1, error: error.into() }
    }
}

pub(crate) type CmdResult = Result<(), Failure>;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let mut out = String::new();
    let result = match cli.command {
        Command::Info(a) => commands::info::run(a, &mut out),
        Command::Eval(a) => commands::eval::run(a, &mut out),
        Command::Demo(a) => commands::demo::run(a, &mut out),
        Command::Place(a) => commands::place::run(a, &mut out),
        Command::Render(a) => commands::render::run(a, &mut out),
        Command::Compare(a) => commands::compare::run(a, &mut out),
        Command::Train(a) => commands::train::run(a, &mut out),
        Command::Convert(a) => commands::convert::run(a, &mut out),
        Command::Generate(a) => commands::generate::run(a, &mut out),
        Command::Cluster(a) => commands::cluster::run(a, &mut out),
        Command::PlotMetrics(a) => commands::train::plot(a, &mut out),
        Command::Serve(a) => commands::serve::run(a, &mut out),
    };
    // Print what the command produced (also when it failed part-way); a closed pipe
    // (`chipfloor ... | head`) is not an error.
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("chipfloor: error: writing to stdout: {e}");
            return ExitCode::from(1);
        }
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("chipfloor: error: {}", f.error);
            ExitCode::from(f.code)
        }
    }
}
