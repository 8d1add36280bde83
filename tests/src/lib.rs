//! Helpers for the end-to-end tests of the `chipfloor` binary (in `tests/tests/`).
//!
//! The binary is taken from the same target directory and profile as the running test
//! (`cargo test --workspace` builds it); when it is missing, it is built with cargo first.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// Path of the `chipfloor` binary, built on first use if needed.
pub fn chipfloor_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().expect("test executable path");
        // target/<profile>/deps/<test> -> target/<profile>
        let profile_dir =
            exe.parent().and_then(Path::parent).expect("target profile dir").to_path_buf();
        let bin = profile_dir.join("chipfloor");
        let release = profile_dir.file_name().is_some_and(|n| n == "release");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "-p", "chipfloor"]);
        if release {
            cmd.arg("--release");
        }
        // Always ask cargo: it is a no-op when the binary is up to date.
        let status = cmd.current_dir(env!("CARGO_MANIFEST_DIR")).status().expect("run cargo build");
        assert!(status.success(), "cargo build -p chipfloor failed");
        assert!(bin.is_file(), "{} was not built", bin.display());
        bin
    })
}

/// A `chipfloor` command.
pub fn chipfloor() -> Command {
    Command::new(chipfloor_bin())
}

/// Runs `chipfloor` with `args` and returns its output.
pub fn run(args: &[&str]) -> Output {
    chipfloor().args(args).output().expect("run chipfloor")
}

/// The shared reference data (`$CHIPFLOOR_SHARED`, else `shared` beside the workspace root).
/// `None` (with a note) when absent outside CI; panics under CI, where it must be present.
pub fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("CHIPFLOOR_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    if dir.join("golden/golden.json").is_file() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!("shared reference data missing at {} (set CHIPFLOOR_SHARED)", dir.display());
    }
    eprintln!("note: shared reference data not found at {}; test skipped", dir.display());
    None
}

/// A fresh scratch directory under the target directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/e2e-scratch")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
