//! `RUN_DIR/metrics.jsonl`: one JSON object per line, one line per iteration, in order.
//!
//! A line is appended with a single `write` and fsynced before the iteration's checkpoint is
//! written. On resume the file is cut back to the lines of iterations the checkpoint covers
//! (a line cut short by a kill, or lines of iterations after the checkpoint, are dropped), so
//! it always has exactly one line per completed iteration.
//!
//! Keys (see [`crate::trainer::IterationMetrics::to_json`]): `iteration`, `env_steps`,
//! `episodes`, rewards, the mean cost components of the feasible episodes and the proxy at
//! explicit weights (`proxy[wl=1,den=0.5,cong=0.5]`, `proxy[wl=1,den=1,cong=0.5]`), losses,
//! `approx_kl`, `clip_fraction`, `grad_norm`, `lr`, optional `eval` and `per_netlist`, and a
//! `timing` object holding everything that depends on wall-clock time (so two runs can be
//! compared line by line without it).

use std::io::Write;
use std::path::Path;

use serde_json::Value;

use crate::checkpoint::write_atomic;
use crate::TrainError;

/// `RUN_DIR/metrics.jsonl`.
pub fn path(run_dir: &Path) -> std::path::PathBuf {
    run_dir.join("metrics.jsonl")
}

/// Appends one line (a single write of the line and its newline, then fsync).
pub fn append(file: &Path, line: &Value) -> Result<(), TrainError> {
    let mut text =
        serde_json::to_string(line).map_err(|e| TrainError::Checkpoint(e.to_string()))?;
    text.push('\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .map_err(|e| TrainError::io(file, e))?;
    f.write_all(text.as_bytes()).map_err(|e| TrainError::io(file, e))?;
    f.sync_data().map_err(|e| TrainError::io(file, e))
}

/// The complete lines of the file, parsed (a last line without its newline, or a line that is
/// not a JSON object, ends the list).
pub fn read(file: &Path) -> Result<Vec<Value>, TrainError> {
    Ok(read_lines(file)?.into_iter().map(|(_, v)| v).collect())
}

/// Like [`read`], with each line's text.
fn read_lines(file: &Path) -> Result<Vec<(String, Value)>, TrainError> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(TrainError::io(file, e)),
    };
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(nl) = rest.find('\n') {
        let line = &rest[..nl];
        rest = &rest[nl + 1..];
        match serde_json::from_str::<Value>(line) {
            Ok(v) if v.is_object() => out.push((line.to_string(), v)),
            _ => break,
        }
    }
    Ok(out)
}

/// Keeps the complete lines whose `iteration` is at most `max_iteration` and increasing
/// (stopping at the first that is not), rewriting the file atomically (the kept lines
/// byte for byte). Returns how many lines were kept.
pub fn truncate(file: &Path, max_iteration: u64) -> Result<usize, TrainError> {
    let mut kept = String::new();
    let mut n = 0usize;
    let mut prev = 0u64;
    for (line, v) in read_lines(file)? {
        let Some(it) = v.get("iteration").and_then(Value::as_u64) else { break };
        if it > max_iteration || it <= prev {
            break;
        }
        prev = it;
        kept.push_str(&line);
        kept.push('\n');
        n += 1;
    }
    write_atomic(file, kept.as_bytes())?;
    Ok(n)
}
