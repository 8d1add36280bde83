//! The chipfloor job server: floorplanning jobs over HTTP (axum on tokio), kept in SQLite,
//! with live progress over server-sent events and a web viewer.
//!
//! - [`db`]: the job table (WAL, every state change committed before it is acknowledged).
//! - [`jobs`]: inputs, options, running one job through `placer::pipeline`, result files.
//! - [`api`]: the routes, bearer-token auth, JSON errors, the SSE stream, the web page.
//! - [`openapi`]: the OpenAPI description served at `/v1/openapi.json`.
//!
//! Threads: the async workers only route requests. Database calls and input checks run on
//! tokio's blocking pool; placements run on blocking threads too, at most `workers` at a time
//! (a semaphore), each with a cancel flag the pipeline polls.
//!
//! Data directory: `jobs.db` (+ WAL files) and `jobs/<id>/` with `input/` (the uploads) and
//! the result files, each written atomically before the row says `succeeded`. On start, jobs
//! left `running` by a crash are queued again (or cancelled when a client had asked so).

pub mod api;
pub mod db;
pub mod jobs;
pub mod openapi;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use placer::place::{Progress, ProgressSink};
use serde_json::{json, Value};
use tokio::sync::{broadcast, Notify, Semaphore};

use db::{Db, JobRow, JobState};
use jobs::{JobOptions, JobSpec, NetlistFiles, RunError};

/// Server settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to listen on (port 0 picks a free port).
    pub addr: SocketAddr,
    /// Where the database and the job files live.
    pub data_dir: PathBuf,
    /// Bearer token required on `/v1/*` (except the OpenAPI document) when set.
    pub token: Option<String>,
    /// Placements running at the same time.
    pub workers: usize,
    /// Largest request body of a submission, in bytes.
    pub max_upload_bytes: usize,
    /// Largest time budget of a job, in seconds.
    pub max_budget_s: f64,
    /// Folder of the trained policies that `rl` jobs may name (`options.checkpoint`); `None`
    /// refuses `rl` jobs.
    pub checkpoints_dir: Option<PathBuf>,
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// A progress or state event of one job, broadcast to the SSE streams.
#[derive(Clone, Debug)]
pub struct JobEvent {
    /// The job.
    pub id: String,
    /// `progress` or `state`.
    pub kind: &'static str,
    /// The payload.
    pub data: Value,
}

/// What a running job reports (kept in memory; the database keeps states and results).
#[derive(Clone, Debug, Default)]
pub struct LiveProgress {
    /// Current stage (`greedy`, `sa`, `fd`, `cd`).
    pub stage: String,
    /// Fraction of the stage done.
    pub fraction: f64,
    /// Best proxy so far at the method's weights.
    pub best_cost: Option<f64>,
    /// Moves evaluated.
    pub moves: u64,
    /// (seconds since the start, best cost) points, at most [`CURVE_POINTS`].
    pub curve: Vec<[f64; 2]>,
}

/// Most points kept of a job's cost curve (older ones are thinned out).
pub const CURVE_POINTS: usize = 1000;

/// A running job: its cancel flag and progress.
#[derive(Debug, Default)]
pub struct LiveJob {
    /// Polled by the pipeline.
    pub cancel: Arc<AtomicBool>,
    /// Set when a client cancelled it (as opposed to a server shutdown).
    pub user_cancel: AtomicBool,
    /// The latest progress.
    pub progress: Mutex<LiveProgress>,
    /// The latest picture of the placement so far (SVG), served as `live.svg`.
    pub picture: Mutex<Option<Arc<str>>>,
    /// Pictures so far.
    pub pictures: AtomicU64,
}

impl LiveJob {
    /// A copy of the progress.
    pub fn snapshot(&self) -> LiveProgress {
        self.progress.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Shared server state.
pub struct AppState {
    /// Settings.
    pub cfg: Config,
    /// The job table.
    pub db: Db,
    /// Running jobs by id. Lock order: `live`, then the database.
    pub live: Mutex<HashMap<String, Arc<LiveJob>>>,
    /// Job events for the SSE streams.
    pub events: broadcast::Sender<JobEvent>,
    /// Wakes the dispatcher when a job is queued.
    pub wake: Notify,
    /// One permit per worker.
    pub permits: Arc<Semaphore>,
    /// Set on shutdown: running jobs stop and stay `running` in the database (requeued at
    /// the next start).
    pub shutting_down: AtomicBool,
    id_counter: AtomicU64,
}

impl AppState {
    /// The folder of job `id`.
    pub fn job_dir(&self, id: &str) -> PathBuf {
        self.cfg.data_dir.join("jobs").join(id)
    }

    /// A new job id: 16 hex digits from the clock, the process and a counter, mixed.
    pub fn new_id(&self) -> String {
        let n = self.id_counter.fetch_add(1, Ordering::Relaxed);
        let t = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        let mut z =
            t ^ (u64::from(std::process::id()) << 32) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        format!("{:016x}", z ^ (z >> 31))
    }

    /// The live entry of a running job.
    pub fn live_job(&self, id: &str) -> Option<Arc<LiveJob>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner()).get(id).cloned()
    }

    fn emit(&self, id: &str, kind: &'static str, data: Value) {
        // No receivers is fine.
        let _ = self.events.send(JobEvent { id: id.to_string(), kind, data });
    }

    /// Emits the `state` event of a job.
    pub fn emit_state(&self, job: &JobRow) {
        self.emit(&job.id, "state", api::job_json(self, job));
    }
}

/// Opens the data directory and the database, requeues interrupted jobs and returns the
/// state (the dispatcher is not started yet).
pub fn open(cfg: Config) -> anyhow::Result<Arc<AppState>> {
    let jobs = cfg.data_dir.join("jobs");
    std::fs::create_dir_all(&jobs)
        .map_err(|e| anyhow::anyhow!("creating {}: {e}", jobs.display()))?;
    // Submissions that died before they were recorded.
    if let Ok(rd) = std::fs::read_dir(&jobs) {
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().starts_with(".tmp-") {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let db_path = cfg.data_dir.join("jobs.db");
    let db =
        Db::open(&db_path).map_err(|e| anyhow::anyhow!("opening {}: {e}", db_path.display()))?;
    let (requeued, cancelled) = db.recover(now_ms())?;
    if requeued + cancelled > 0 {
        eprintln!(
            "chipfloor-serve: {requeued} interrupted jobs queued again, {cancelled} cancelled"
        );
    }
    let workers = cfg.workers.max(1);
    Ok(Arc::new(AppState {
        cfg,
        db,
        live: Mutex::new(HashMap::new()),
        events: broadcast::channel(4096).0,
        wake: Notify::new(),
        permits: Arc::new(Semaphore::new(workers)),
        shutting_down: AtomicBool::new(false),
        id_counter: AtomicU64::new(0),
    }))
}

/// Runs the server until `shutdown` resolves. `ready` gets the bound address.
pub async fn serve(
    cfg: Config,
    ready: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let st = tokio::task::spawn_blocking(move || open(cfg)).await??;
    let listener = tokio::net::TcpListener::bind(st.cfg.addr)
        .await
        .map_err(|e| anyhow::anyhow!("listening on {}: {e}", st.cfg.addr))?;
    ready(listener.local_addr()?);
    let dispatcher = tokio::spawn(dispatch(st.clone()));
    let app = api::router(st.clone());
    let s = st.clone();
    let shutdown = async move {
        shutdown.await;
        // Stop the running placements; they stay `running` and are queued again next time.
        s.shutting_down.store(true, Ordering::SeqCst);
        for j in s.live.lock().unwrap_or_else(|e| e.into_inner()).values() {
            j.cancel.store(true, Ordering::SeqCst);
        }
        s.wake.notify_one();
        // Ends the event streams, so the graceful shutdown does not wait on them.
        s.emit("*", "shutdown", Value::Null);
    };
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    let _ = dispatcher.await;
    // Wait for the workers to give their permits back.
    let n = st.cfg.workers.max(1) as u32;
    let _ = tokio::time::timeout(Duration::from_secs(30), st.permits.acquire_many(n)).await;
    Ok(())
}

/// Takes queued jobs, oldest first, whenever a worker permit is free.
async fn dispatch(st: Arc<AppState>) {
    loop {
        let Ok(permit) = st.permits.clone().acquire_owned().await else {
            return;
        };
        if st.shutting_down.load(Ordering::SeqCst) {
            return;
        }
        let s = st.clone();
        let claimed = tokio::task::spawn_blocking(move || claim(&s)).await;
        match claimed {
            Ok(Ok(Some((job, live)))) => {
                st.emit_state(&job);
                let s = st.clone();
                tokio::task::spawn_blocking(move || {
                    run_job(&s, job, live);
                    drop(permit);
                });
            }
            Ok(Ok(None)) => {
                drop(permit);
                // Woken by a submission; the timeout is a safety net.
                let _ = tokio::time::timeout(Duration::from_secs(5), st.wake.notified()).await;
            }
            Ok(Err(e)) => {
                eprintln!("chipfloor-serve: error: claiming a job: {e}");
                drop(permit);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => {
                eprintln!("chipfloor-serve: error: claiming a job: {e}");
                drop(permit);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Claims the next queued job and registers its live entry, under the `live` lock so that a
/// cancel request sees either a queued job or a running one with its flag.
fn claim(st: &AppState) -> rusqlite::Result<Option<(JobRow, Arc<LiveJob>)>> {
    let mut live = st.live.lock().unwrap_or_else(|e| e.into_inner());
    let Some(job) = st.db.claim_next(now_ms())? else {
        return Ok(None);
    };
    let l = Arc::new(LiveJob::default());
    live.insert(job.id.clone(), l.clone());
    Ok(Some((job, l)))
}

/// Feeds a job's progress to its live entry and the event stream.
struct Sink<'a> {
    st: &'a AppState,
    id: &'a str,
    live: &'a LiveJob,
    t0: Instant,
}

impl ProgressSink for Sink<'_> {
    fn report(&self, p: &Progress) {
        let t = self.t0.elapsed().as_secs_f64();
        let data = {
            let mut g = self.live.progress.lock().unwrap_or_else(|e| e.into_inner());
            g.stage.clone_from(&p.stage);
            g.fraction = p.fraction;
            g.moves = p.moves;
            if p.best_cost.is_finite() {
                g.best_cost = Some(p.best_cost);
                g.curve.push([t, p.best_cost]);
                if g.curve.len() > CURVE_POINTS {
                    // Keep every other point of the older half.
                    let half = g.curve.len() / 2;
                    let mut k = 0;
                    g.curve.retain(|_| {
                        k += 1;
                        k > half || k % 2 == 0
                    });
                }
            }
            json!({
                "stage": p.stage,
                "fraction": p.fraction,
                "best_cost": g.best_cost,
                "moves": p.moves,
                "moves_per_sec": p.moves_per_sec,
                "t": t,
            })
        };
        self.st.emit(self.id, "progress", data);
    }
}

impl jobs::JobSink for Sink<'_> {
    fn picture(&self, svg: String) {
        *self.live.picture.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::from(svg));
        let n = self.live.pictures.fetch_add(1, Ordering::Relaxed) + 1;
        let t = self.t0.elapsed().as_secs_f64();
        self.st.emit(self.id, "picture", json!({ "n": n, "t": t }));
    }
}

fn job_spec(cfg: &Config, job: &JobRow) -> Result<JobSpec, String> {
    let method = jobs::parse_method(&job.method)?;
    let options: JobOptions = serde_json::from_value(job.options.clone())
        .map_err(|e| format!("stored options are unreadable: {e}"))?;
    let checkpoint = match (method, &options.checkpoint) {
        (jobs::JobMethod::Rl, Some(c)) => {
            Some(jobs::resolve_checkpoint(cfg.checkpoints_dir.as_deref(), c)?)
        }
        (jobs::JobMethod::Rl, None) => return Err("method rl needs options.checkpoint".into()),
        _ => None,
    };
    let files = NetlistFiles::from_json(&job.netlist_files)
        .ok_or_else(|| "stored netlist file list is unreadable".to_string())?;
    Ok(JobSpec {
        id: job.id.clone(),
        method,
        seed: job.seed,
        time_budget_s: job.time_budget_s,
        options,
        files,
        plc_file: job.plc_file.clone(),
        design: job.design.clone(),
        checkpoint,
    })
}

/// Runs a claimed job to its final state (on a blocking thread).
fn run_job(st: &AppState, job: JobRow, live: Arc<LiveJob>) {
    let dir = st.job_dir(&job.id);
    let sink = Sink { st, id: &job.id, live: &live, t0: Instant::now() };
    let outcome = match job_spec(&st.cfg, &job) {
        Err(e) => Err(RunError::Failed(e)),
        Ok(spec) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            jobs::execute(&dir, &spec, live.cancel.clone(), &sink)
        }))
        .unwrap_or_else(|p| {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(RunError::Failed(format!("internal error (a bug): the placement panicked: {msg}")))
        }),
    };
    let shutdown =
        st.shutting_down.load(Ordering::SeqCst) && !live.user_cancel.load(Ordering::SeqCst);
    let mut map = st.live.lock().unwrap_or_else(|e| e.into_inner());
    map.remove(&job.id);
    if shutdown && outcome.is_err() {
        // Left `running`: queued again at the next start.
        return;
    }
    let (state, result, error) = match &outcome {
        Ok(v) => (JobState::Succeeded, Some(v), None),
        Err(RunError::Cancelled) => (JobState::Cancelled, None, None),
        Err(RunError::Failed(m)) => (JobState::Failed, None, Some(m.as_str())),
    };
    if let Err(e) = st.db.finish(&job.id, state, result, error, now_ms()) {
        eprintln!("chipfloor-serve: error: recording job {} as {}: {e}", job.id, state.as_str());
        return;
    }
    drop(map);
    match st.db.get(&job.id) {
        Ok(Some(row)) => st.emit_state(&row),
        _ => st.emit(&job.id, "state", json!({ "id": job.id, "state": state.as_str() })),
    }
}

/// Removes a folder, ignoring errors (clean-up after a refused submission).
pub(crate) fn remove_quietly(p: &Path) {
    let _ = std::fs::remove_dir_all(p);
}
