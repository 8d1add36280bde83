//! Locating the shared, read-only reference data (`shared/` beside the workspace root).
//!
//! Tests that need it call [`shared_dir`] (or [`require_shared`]): the directory named by the
//! environment variable `CHIPFLOOR_SHARED`, else the `shared` directory beside the workspace
//! root (`/work/main` → `/work/shared`). When the data is missing, tests skip with a printed
//! note, except under CI (env var `CI` set), where they fail.

use std::path::PathBuf;

/// The shared reference-data directory, if it exists: `$CHIPFLOOR_SHARED`, else
/// `<workspace>/../shared`, found from this crate's manifest directory.
pub fn shared_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHIPFLOOR_SHARED") {
        let p = PathBuf::from(p);
        return p.is_dir().then_some(p);
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // <workspace>/netlists → <workspace>/../shared; also tolerate a deeper crate layout.
    [manifest.join("../../shared"), manifest.join("../../../shared"), manifest.join("../shared")]
        .into_iter()
        .find(|p| p.is_dir())
        .map(|p| p.canonicalize().unwrap_or(p))
}

/// [`shared_dir`] joined with `rel`, for tests: `Some(path)` when the file exists; otherwise
/// prints a skip note and returns `None`, or panics when the env var `CI` is set (so CI fails
/// instead of silently skipping).
#[track_caller]
pub fn require_shared(rel: &str) -> Option<PathBuf> {
    let found = shared_dir().map(|d| d.join(rel)).filter(|p| p.exists());
    if found.is_none() {
        let msg = format!(
            "shared test data `{rel}` not found (set CHIPFLOOR_SHARED or place `shared/` beside the workspace)"
        );
        assert!(std::env::var_os("CI").is_none(), "{msg}");
        eprintln!("note: skipping: {msg}");
    }
    found
}
