//! The run directory and its checkpoints.
//!
//! ```text
//! RUN_DIR/
//!   config.json                 the run's configuration (for people; state.json is authoritative)
//!   metrics.jsonl               one JSON line per iteration (see crate::metrics)
//!   eval/<netlist>.plc          the latest greedy-policy placement of each netlist
//!   checkpoints/
//!     latest                    the name of the newest complete checkpoint
//!     iter_000012/
//!       model.safetensors       network weights          model.cfg   model sizes
//!       adam.safetensors        optimiser moments + step state.json  everything else
//! ```
//!
//! A checkpoint is written into `checkpoints/.tmp-iter_NNNNNN/`, every file is fsynced, then
//! the folder is renamed to `iter_NNNNNN` (atomic) and the folder fsynced; then `latest` is
//! replaced the same way. A process killed at any point leaves either the previous or the new
//! checkpoint complete, never a half-written one under an `iter_` name. Only the newest
//! `keep` checkpoints are kept.

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::{ModelSpec, TrainConfig};
use crate::seed::StreamState;
use crate::TrainError;

/// The version of `state.json`'s layout.
pub const STATE_FORMAT: u32 = 1;

/// A netlist of the run, as recorded in `state.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetlistEntry {
    /// Name (unique in the run).
    pub name: String,
    /// Where it came from, as the caller described it (paths, or a generator configuration).
    pub source: serde_json::Value,
}

/// Running totals of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Environment steps collected.
    pub env_steps: u64,
    /// Episodes collected.
    pub episodes: u64,
    /// Gradient updates taken.
    pub ppo_updates: u64,
    /// Seconds spent training (summed over sessions; time between a kill and the resume,
    /// and the lost work, are not counted).
    pub wall_s: f64,
}

/// Everything of a checkpoint besides the tensors (`state.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckpointState {
    /// [`STATE_FORMAT`].
    pub format: u32,
    /// Iterations completed.
    pub iteration: u64,
    /// Learning-rate schedule position (gradient updates taken).
    pub lr_step: u64,
    /// Running totals.
    pub totals: Totals,
    /// The action-sampling stream.
    pub collect_rng: StreamState,
    /// The minibatch-order stream.
    pub shuffle_rng: StreamState,
    /// The run's configuration.
    pub config: TrainConfig,
    /// The run's netlists, in index order.
    pub netlists: Vec<NetlistEntry>,
    /// The best greedy evaluation so far (mean reward over the netlists, every one feasible)
    /// and its iteration: the policy saved in `RUN_DIR/best` ([`best_dir`]). Absent before the
    /// first evaluation and in checkpoints written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_eval: Option<(f64, u64)>,
}

/// `RUN_DIR/best`: the policy of the best greedy evaluation (`model.safetensors`,
/// `model.cfg`, `eval.json`).
pub fn best_dir(run_dir: &Path) -> PathBuf {
    run_dir.join("best")
}

/// `iter_000012`.
pub fn dir_name(iteration: u64) -> String {
    format!("iter_{iteration:06}")
}

/// `RUN_DIR/checkpoints`.
pub fn checkpoints_dir(run_dir: &Path) -> PathBuf {
    run_dir.join("checkpoints")
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> TrainError + '_ {
    move |e| TrainError::io(path, e)
}

/// fsyncs a file or a directory.
pub fn sync_path(path: &Path) -> Result<(), TrainError> {
    File::open(path).and_then(|f| f.sync_all()).map_err(io(path))
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, fsync, rename, fsync of
/// the folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), TrainError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".tmp-{name}"));
    std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
    sync_path(&tmp)?;
    std::fs::rename(&tmp, path).map_err(io(path))?;
    sync_path(dir)
}

/// Writes checkpoint `iteration`: `fill` writes the files into the folder it is given; then
/// the folder is published atomically, `latest` updated, and older checkpoints beyond `keep`
/// removed. Returns the checkpoint folder.
pub fn write_checkpoint(
    run_dir: &Path,
    iteration: u64,
    keep: usize,
    fill: impl FnOnce(&Path) -> Result<(), TrainError>,
) -> Result<PathBuf, TrainError> {
    let ck = checkpoints_dir(run_dir);
    std::fs::create_dir_all(&ck).map_err(io(&ck))?;
    let name = dir_name(iteration);
    let tmp = ck.join(format!(".tmp-{name}"));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    std::fs::create_dir_all(&tmp).map_err(io(&tmp))?;
    fill(&tmp)?;
    for entry in std::fs::read_dir(&tmp).map_err(io(&tmp))? {
        let p = entry.map_err(io(&tmp))?.path();
        sync_path(&p)?;
    }
    sync_path(&tmp)?;
    let dst = ck.join(&name);
    if dst.exists() {
        // A checkpoint of the same iteration from a run that was killed after publishing it
        // and then resumed from an older one: replace it.
        std::fs::remove_dir_all(&dst).map_err(io(&dst))?;
    }
    std::fs::rename(&tmp, &dst).map_err(io(&dst))?;
    sync_path(&ck)?;
    write_atomic(&ck.join("latest"), format!("{name}\n").as_bytes())?;
    prune(&ck, keep)?;
    Ok(dst)
}

/// The complete checkpoints (folders `iter_NNNNNN` with a `state.json`), oldest first.
pub fn list(run_dir: &Path) -> Result<Vec<(u64, PathBuf)>, TrainError> {
    let ck = checkpoints_dir(run_dir);
    if !ck.is_dir() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&ck).map_err(io(&ck))? {
        let p = entry.map_err(io(&ck))?.path();
        let Some(n) = p.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_prefix("iter_"))
        else {
            continue;
        };
        if let Ok(i) = n.parse::<u64>() {
            if p.join("state.json").is_file() {
                out.push((i, p));
            }
        }
    }
    out.sort();
    Ok(out)
}

fn prune(ck: &Path, keep: usize) -> Result<(), TrainError> {
    let run_dir = ck.parent().unwrap_or(Path::new("."));
    let all = list(run_dir)?;
    for (_, p) in all.iter().take(all.len().saturating_sub(keep)) {
        std::fs::remove_dir_all(p).map_err(io(p))?;
    }
    Ok(())
}

/// Removes leftovers of interrupted writes (`.tmp-*` in the checkpoints folder).
pub fn clean_partial(run_dir: &Path) -> Result<(), TrainError> {
    let ck = checkpoints_dir(run_dir);
    if !ck.is_dir() {
        return Ok(());
    }
    for entry in std::fs::read_dir(&ck).map_err(io(&ck))? {
        let p = entry.map_err(io(&ck))?.path();
        if p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(".tmp-")) {
            if p.is_dir() {
                std::fs::remove_dir_all(&p).map_err(io(&p))?;
            } else {
                std::fs::remove_file(&p).map_err(io(&p))?;
            }
        }
    }
    Ok(())
}

/// The newest complete checkpoint: the one `latest` names when it is complete, else the
/// highest-numbered complete one.
pub fn latest(run_dir: &Path) -> Result<Option<PathBuf>, TrainError> {
    let ck = checkpoints_dir(run_dir);
    if let Ok(name) = std::fs::read_to_string(ck.join("latest")) {
        let p = ck.join(name.trim());
        if !name.trim().is_empty() && p.join("state.json").is_file() && read_state(&p).is_ok() {
            return Ok(Some(p));
        }
    }
    Ok(list(run_dir)?.pop().map(|(_, p)| p))
}

/// Reads a checkpoint's `state.json`.
pub fn read_state(ckpt: &Path) -> Result<CheckpointState, TrainError> {
    let p = ckpt.join("state.json");
    let text = std::fs::read_to_string(&p).map_err(io(&p))?;
    let st: CheckpointState = serde_json::from_str(&text)
        .map_err(|e| TrainError::Checkpoint(format!("{}: {e}", p.display())))?;
    if st.format != STATE_FORMAT {
        return Err(TrainError::Checkpoint(format!(
            "{}: state format {} (this build reads {STATE_FORMAT})",
            p.display(),
            st.format
        )));
    }
    Ok(st)
}

/// Where a model file is, given a model file, a checkpoint folder, a `checkpoints` folder or
/// a run directory (the latter two: the newest checkpoint).
pub fn resolve_model(path: &Path) -> Result<PathBuf, TrainError> {
    let not_found = || {
        TrainError::Checkpoint(format!(
            "{}: not a model file, checkpoint folder or run directory (no model.safetensors found)",
            path.display()
        ))
    };
    if path.is_file() {
        return Ok(path.to_path_buf());
    }
    if !path.is_dir() {
        return Err(TrainError::io(
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory"),
        ));
    }
    if path.join("model.safetensors").is_file() {
        return Ok(path.join("model.safetensors"));
    }
    let run_dir = if path.join("latest").is_file() {
        path.parent().unwrap_or(path).to_path_buf()
    } else {
        path.to_path_buf()
    };
    let ck = latest(&run_dir)?.ok_or_else(not_found)?;
    let m = ck.join("model.safetensors");
    if m.is_file() {
        Ok(m)
    } else {
        Err(not_found())
    }
}

/// The model sizes saved beside a model file (`model.cfg`).
pub fn model_spec(model: &Path) -> Result<ModelSpec, TrainError> {
    let p = model.with_extension("cfg");
    let text = std::fs::read_to_string(&p).map_err(io(&p))?;
    let c = gnn::ModelConfig::from_line(text.trim())
        .map_err(|e| TrainError::Checkpoint(format!("{}: {e}", p.display())))?;
    Ok(ModelSpec::from(c))
}
