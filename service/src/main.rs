//! `chipfloor-serve`: the job server (also run as `chipfloor serve ...`).
//!
//! Prints `chipfloor-serve: listening on http://ADDR` once it accepts connections (with
//! `--addr 127.0.0.1:0` the port is the one the system picked). Exit codes: 0 after a clean
//! shutdown (Ctrl-C, SIGTERM), 2 for bad arguments, 1 for other failures.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// chipfloor job server: placement jobs over HTTP, kept in SQLite, with a web viewer at /.
#[derive(Parser, Debug)]
#[command(name = "chipfloor serve", version, about)]
struct Args {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Folder of the database (jobs.db) and the job files (created when missing).
    #[arg(long)]
    data_dir: PathBuf,
    /// Require `Authorization: Bearer TOKEN` on the API (default: $CHIPFLOOR_TOKEN if set).
    #[arg(long, env = "CHIPFLOOR_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Placements running at the same time (default: the number of cores).
    #[arg(long)]
    workers: Option<usize>,
    /// Largest submission body in MiB.
    #[arg(long, default_value_t = 64.0)]
    max_upload_mb: f64,
    /// Largest time budget of a job in seconds.
    #[arg(long, default_value_t = 3600.0)]
    max_budget: f64,
    /// Folder of trained policies (`chipfloor train` run directories, checkpoint folders or
    /// model files) that `rl` jobs name with `options.checkpoint` (relative to it). Without
    /// it `rl` jobs are refused.
    #[arg(long, value_name = "DIR")]
    checkpoints_dir: Option<PathBuf>,
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let limits_ok = args.max_upload_mb.is_finite()
        && args.max_upload_mb > 0.0
        && args.max_budget.is_finite()
        && args.max_budget >= 0.0;
    if !limits_ok || args.workers == Some(0) || args.token.as_deref() == Some("") {
        eprintln!(
            "chipfloor-serve: error: --max-upload-mb must be > 0, --max-budget >= 0, --workers >= 1, --token non-empty"
        );
        return ExitCode::from(2);
    }
    let workers =
        args.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let cfg = service::Config {
        addr: args.addr,
        data_dir: args.data_dir,
        token: args.token,
        workers,
        max_upload_bytes: (args.max_upload_mb * 1024.0 * 1024.0) as usize,
        max_budget_s: args.max_budget,
        checkpoints_dir: args.checkpoints_dir,
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("chipfloor-serve: error: starting the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let res = rt.block_on(service::serve(
        cfg,
        move |addr| {
            let mut out = std::io::stdout().lock();
            let _ =
                writeln!(out, "chipfloor-serve: listening on http://{addr} ({workers} workers)");
            let _ = out.flush();
        },
        shutdown_signal(),
    ));
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chipfloor-serve: error: {e:#}");
            ExitCode::from(1)
        }
    }
}
