//! The job table in SQLite (`DATA_DIR/jobs.db`, WAL mode, `synchronous = FULL`): every state
//! change is committed before the server acknowledges it.
//!
//! The connection sits behind a mutex; callers run these functions on blocking threads
//! (`spawn_blocking`), never on the async workers.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::Value;

/// A job's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for a worker.
    Queued,
    /// A worker is placing it.
    Running,
    /// Finished; the result files are complete.
    Succeeded,
    /// Finished with an error (message in `error`).
    Failed,
    /// Cancelled by a client.
    Cancelled,
}

impl JobState {
    /// Every state.
    pub const ALL: [JobState; 5] = [
        JobState::Queued,
        JobState::Running,
        JobState::Succeeded,
        JobState::Failed,
        JobState::Cancelled,
    ];

    /// `queued`, `running`, `succeeded`, `failed`, `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    /// Parses [`as_str`](Self::as_str)'s names.
    pub fn parse(s: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// True for succeeded, failed and cancelled.
    pub fn is_final(self) -> bool {
        matches!(self, JobState::Succeeded | JobState::Failed | JobState::Cancelled)
    }
}

/// One row of the job table.
#[derive(Clone, Debug)]
pub struct JobRow {
    /// The job id (16 hex digits).
    pub id: String,
    /// Its state.
    pub state: JobState,
    /// `random`, `greedy` or `sa`.
    pub method: String,
    /// The seed every random choice derives from.
    pub seed: u64,
    /// Wall-clock budget of the method in seconds.
    pub time_budget_s: Option<f64>,
    /// The job options (JSON object, see `jobs::JobOptions`).
    pub options: Value,
    /// Short design name (from the netlist file name).
    pub design: String,
    /// Netlist file names under `input/` (JSON array), in order.
    pub netlist_files: Value,
    /// The initial `.plc` under `input/`, if any.
    pub plc_file: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub created_ms: i64,
    /// When the latest attempt started.
    pub started_ms: Option<i64>,
    /// When it reached a final state.
    pub finished_ms: Option<i64>,
    /// How many times a worker has started it (more than 1 after a restart).
    pub attempts: i64,
    /// A client asked to cancel it.
    pub cancel_requested: bool,
    /// Summary of the result (costs, legality, runtime) when succeeded.
    pub result: Option<Value>,
    /// Why it failed.
    pub error: Option<String>,
}

/// The database handle (cheap to clone).
#[derive(Clone)]
pub struct Db(Arc<Mutex<Connection>>);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    method TEXT NOT NULL,
    seed INTEGER NOT NULL,
    time_budget_s REAL,
    options TEXT NOT NULL,
    design TEXT NOT NULL,
    netlist_files TEXT NOT NULL,
    plc_file TEXT,
    created_ms INTEGER NOT NULL,
    started_ms INTEGER,
    finished_ms INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    result TEXT,
    error TEXT
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, seq);
";

const COLUMNS: &str = "id, state, method, seed, time_budget_s, options, design, netlist_files, \
    plc_file, created_ms, started_ms, finished_ms, attempts, cancel_requested, result, error";

fn json_col(s: Option<String>) -> Option<Value> {
    s.and_then(|t| serde_json::from_str(&t).ok())
}

fn row_to_job(r: &Row<'_>) -> rusqlite::Result<JobRow> {
    let state: String = r.get(1)?;
    Ok(JobRow {
        id: r.get(0)?,
        // An unknown state can only come from a hand-edited database; treat it as failed.
        state: JobState::parse(&state).unwrap_or(JobState::Failed),
        method: r.get(2)?,
        seed: r.get::<_, i64>(3)? as u64,
        time_budget_s: r.get(4)?,
        options: json_col(r.get(5)?).unwrap_or(Value::Null),
        design: r.get(6)?,
        netlist_files: json_col(r.get(7)?).unwrap_or(Value::Null),
        plc_file: r.get(8)?,
        created_ms: r.get(9)?,
        started_ms: r.get(10)?,
        finished_ms: r.get(11)?,
        attempts: r.get(12)?,
        cancel_requested: r.get::<_, i64>(13)? != 0,
        result: json_col(r.get(14)?),
        error: r.get(15)?,
    })
}

/// What [`Db::request_cancel`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelOutcome {
    /// The job was queued and is now cancelled.
    Cancelled,
    /// The job is running; the request is recorded and the worker must stop it.
    Running,
    /// The job was already final (its state).
    AlreadyFinal(JobState),
    /// No such job.
    NotFound,
}

impl Db {
    /// Opens (creating) the database at `path`, in WAL mode with full synchronisation.
    pub fn open(path: &Path) -> rusqlite::Result<Db> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Db(Arc::new(Mutex::new(conn))))
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (statements are
        // atomic), so a poisoned lock is still usable.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// After a restart: jobs that were running are queued again, except those a client had
    /// asked to cancel, which become cancelled. Returns (requeued, cancelled).
    pub fn recover(&self, now_ms: i64) -> rusqlite::Result<(usize, usize)> {
        let mut c = self.conn();
        let tx = c.transaction()?;
        let cancelled = tx.execute(
            "UPDATE jobs SET state = 'cancelled', finished_ms = ?1 \
             WHERE state = 'running' AND cancel_requested != 0",
            params![now_ms],
        )?;
        let requeued = tx.execute(
            "UPDATE jobs SET state = 'queued', started_ms = NULL WHERE state = 'running'",
            [],
        )?;
        tx.commit()?;
        Ok((requeued, cancelled))
    }

    /// Inserts a new queued job.
    pub fn insert(&self, j: &JobRow) -> rusqlite::Result<()> {
        self.conn().execute(
            "INSERT INTO jobs (id, state, method, seed, time_budget_s, options, design, \
             netlist_files, plc_file, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                j.id,
                j.state.as_str(),
                j.method,
                j.seed as i64,
                j.time_budget_s,
                j.options.to_string(),
                j.design,
                j.netlist_files.to_string(),
                j.plc_file,
                j.created_ms
            ],
        )?;
        Ok(())
    }

    /// One job.
    pub fn get(&self, id: &str) -> rusqlite::Result<Option<JobRow>> {
        self.conn()
            .query_row(&format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"), [id], row_to_job)
            .optional()
    }

    /// Jobs, newest first, optionally of one state.
    pub fn list(&self, state: Option<JobState>, limit: usize) -> rusqlite::Result<Vec<JobRow>> {
        let c = self.conn();
        let limit = limit as i64;
        match state {
            Some(s) => {
                let mut st = c.prepare(&format!(
                    "SELECT {COLUMNS} FROM jobs WHERE state = ?1 ORDER BY seq DESC LIMIT ?2"
                ))?;
                let rows = st.query_map(params![s.as_str(), limit], row_to_job)?;
                rows.collect()
            }
            None => {
                let mut st =
                    c.prepare(&format!("SELECT {COLUMNS} FROM jobs ORDER BY seq DESC LIMIT ?1"))?;
                let rows = st.query_map(params![limit], row_to_job)?;
                rows.collect()
            }
        }
    }

    /// Number of jobs per state.
    pub fn counts(&self) -> rusqlite::Result<Vec<(String, i64)>> {
        let c = self.conn();
        let mut st = c.prepare("SELECT state, COUNT(*) FROM jobs GROUP BY state ORDER BY state")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect()
    }

    /// Takes the oldest queued job and marks it running.
    pub fn claim_next(&self, now_ms: i64) -> rusqlite::Result<Option<JobRow>> {
        let mut c = self.conn();
        let tx = c.transaction()?;
        let id: Option<String> = tx
            .query_row("SELECT id FROM jobs WHERE state = 'queued' ORDER BY seq LIMIT 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(id) = id else {
            return Ok(None);
        };
        tx.execute(
            "UPDATE jobs SET state = 'running', started_ms = ?2, attempts = attempts + 1 \
             WHERE id = ?1",
            params![id, now_ms],
        )?;
        let job =
            tx.query_row(&format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"), [&id], row_to_job)?;
        tx.commit()?;
        Ok(Some(job))
    }

    /// Records the final state of a running job.
    pub fn finish(
        &self,
        id: &str,
        state: JobState,
        result: Option<&Value>,
        error: Option<&str>,
        now_ms: i64,
    ) -> rusqlite::Result<()> {
        self.conn().execute(
            "UPDATE jobs SET state = ?2, result = ?3, error = ?4, finished_ms = ?5 WHERE id = ?1",
            params![id, state.as_str(), result.map(|v| v.to_string()), error, now_ms],
        )?;
        Ok(())
    }

    /// A client asks to cancel a job: a queued one is cancelled at once, a running one is
    /// marked (the worker stops it; a restart cancels it instead of requeueing it).
    pub fn request_cancel(&self, id: &str, now_ms: i64) -> rusqlite::Result<CancelOutcome> {
        let mut c = self.conn();
        let tx = c.transaction()?;
        let state: Option<String> =
            tx.query_row("SELECT state FROM jobs WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        let out = match state.as_deref().and_then(JobState::parse) {
            None => CancelOutcome::NotFound,
            Some(JobState::Queued) => {
                tx.execute(
                    "UPDATE jobs SET state = 'cancelled', cancel_requested = 1, finished_ms = ?2 \
                     WHERE id = ?1",
                    params![id, now_ms],
                )?;
                CancelOutcome::Cancelled
            }
            Some(JobState::Running) => {
                tx.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ?1", [id])?;
                CancelOutcome::Running
            }
            Some(s) => CancelOutcome::AlreadyFinal(s),
        };
        tx.commit()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn job(id: &str) -> JobRow {
        JobRow {
            id: id.into(),
            state: JobState::Queued,
            method: "greedy".into(),
            seed: u64::MAX,
            time_budget_s: Some(1.5),
            options: json!({}),
            design: "d".into(),
            netlist_files: json!(["d.pb.txt"]),
            plc_file: None,
            created_ms: 1,
            started_ms: None,
            finished_ms: None,
            attempts: 0,
            cancel_requested: false,
            result: None,
            error: None,
        }
    }

    #[test]
    fn claim_finish_recover_and_cancel() {
        let dir = std::env::temp_dir().join(format!("cf-db-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = Db::open(&dir.join("jobs.db")).unwrap();
        for id in ["a", "b", "c", "d"] {
            db.insert(&job(id)).unwrap();
        }
        // Oldest first; the seed round-trips as u64.
        let a = db.claim_next(10).unwrap().unwrap();
        assert_eq!(
            (a.id.as_str(), a.state, a.attempts, a.seed),
            ("a", JobState::Running, 1, u64::MAX)
        );
        db.finish("a", JobState::Succeeded, Some(&json!({"x": 1})), None, 20).unwrap();
        let b = db.claim_next(30).unwrap().unwrap();
        assert_eq!(b.id, "b");
        assert_eq!(db.request_cancel("c", 31).unwrap(), CancelOutcome::Cancelled);
        assert_eq!(db.request_cancel("b", 31).unwrap(), CancelOutcome::Running);
        assert_eq!(
            db.request_cancel("a", 31).unwrap(),
            CancelOutcome::AlreadyFinal(JobState::Succeeded)
        );
        assert_eq!(db.request_cancel("zz", 31).unwrap(), CancelOutcome::NotFound);
        let d = db.claim_next(40).unwrap().unwrap();
        assert_eq!(d.id, "d");
        assert!(db.claim_next(41).unwrap().is_none());
        // "Crash": b (cancel requested) becomes cancelled, d is queued again.
        drop(db);
        let db = Db::open(&dir.join("jobs.db")).unwrap();
        assert_eq!(db.recover(50).unwrap(), (1, 1));
        assert_eq!(db.get("b").unwrap().unwrap().state, JobState::Cancelled);
        let d = db.get("d").unwrap().unwrap();
        assert_eq!((d.state, d.started_ms), (JobState::Queued, None));
        assert_eq!(db.claim_next(60).unwrap().unwrap().attempts, 2);
        assert_eq!(db.get("a").unwrap().unwrap().result, Some(json!({"x": 1})));
        assert_eq!(db.list(None, 10).unwrap().len(), 4);
        assert_eq!(db.list(Some(JobState::Cancelled), 10).unwrap().len(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
