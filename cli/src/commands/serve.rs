//! `chipfloor serve ...`: runs the job server, the sibling executable `chipfloor-serve`
//! (crate `service`; the CLI does not link the server), with the same arguments, git-style.
//! See `chipfloor serve --help`.

use std::ffi::OsString;

use crate::{CmdResult, Failure};

/// Arguments of `chipfloor serve`: passed through to `chipfloor-serve` unchanged.
#[derive(clap::Args, Debug)]
#[command(disable_help_flag = true)]
pub(crate) struct Args {
    /// `--addr 127.0.0.1:8080 --data-dir DIR [--token TOKEN] [--workers N] ...`
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    args: Vec<OsString>,
}

pub(crate) fn run(args: Args, _out: &mut String) -> CmdResult {
    let exe = std::env::current_exe()
        .map_err(|e| Failure::other(anyhow::anyhow!("finding the chipfloor executable: {e}")))?;
    let name = format!("chipfloor-serve{}", std::env::consts::EXE_SUFFIX);
    let Some(server) = exe.parent().map(|d| d.join(&name)).filter(|p| p.is_file()) else {
        return Err(Failure::other(anyhow::anyhow!(
            "`chipfloor serve` runs {name}, which is not next to {}: build it with cargo build --release -p service",
            exe.display()
        )));
    };
    let mut cmd = std::process::Command::new(&server);
    cmd.args(&args.args);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Only returns on failure; on success the server replaces this process (signals and
        // the exit code are the server's own).
        let e = cmd.exec();
        Err(Failure::other(anyhow::anyhow!("running {}: {e}", server.display())))
    }
    #[cfg(not(unix))]
    {
        let status = cmd
            .status()
            .map_err(|e| Failure::other(anyhow::anyhow!("running {}: {e}", server.display())))?;
        std::process::exit(status.code().unwrap_or(1));
    }
}
