//! The HTTP routes: jobs (submit, list, get, cancel, events, result files), the OpenAPI
//! document, the web page; bearer-token auth; errors as `{"error": message, "status": code}`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method as HttpMethod, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use placer::cost::CostWeights;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;

use crate::db::{CancelOutcome, JobRow, JobState};
use crate::jobs::{self, JobOptions, NetlistFiles, ARTEFACTS, LIVE_PICTURE, START_PICTURE};
use crate::{now_ms, remove_quietly, AppState};

/// Every route (method, path), as the OpenAPI document lists them.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/"),
    ("get", "/v1/openapi.json"),
    ("post", "/v1/jobs"),
    ("get", "/v1/jobs"),
    ("get", "/v1/jobs/{id}"),
    ("delete", "/v1/jobs/{id}"),
    ("get", "/v1/jobs/{id}/events"),
    ("get", "/v1/jobs/{id}/placement.plc"),
    ("get", "/v1/jobs/{id}/placement.svg"),
    ("get", "/v1/jobs/{id}/placement.png"),
    ("get", "/v1/jobs/{id}/report.json"),
    ("get", "/v1/jobs/{id}/start.svg"),
    ("get", "/v1/jobs/{id}/live.svg"),
];

/// An error answer: a status and a one-line message, sent as JSON.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into() }
    }
    fn bad(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    fn internal(message: impl std::fmt::Display) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, format!("internal error: {message}"))
    }
    fn not_found(id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, format!("no job with id `{id}`"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r =
            (self.status, Json(json!({ "error": self.message, "status": self.status.as_u16() })))
                .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::internal(format!("database: {e}"))
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// Runs blocking work (database, files, parsing) off the async workers.
async fn blocking<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> ApiResult<R> {
    tokio::task::spawn_blocking(f).await.map_err(ApiError::internal)
}

/// The router of the whole server.
pub fn router(st: Arc<AppState>) -> Router {
    let mut v1 = Router::new()
        .route("/v1/jobs", get(list).post(submit))
        .route("/v1/jobs/{id}", get(get_job).delete(cancel))
        .route("/v1/jobs/{id}/events", get(events))
        .route(&format!("/v1/jobs/{{id}}/{LIVE_PICTURE}"), get(live_picture));
    for name in ARTEFACTS.iter().map(|a| a.0).chain([START_PICTURE]) {
        v1 = v1.route(
            &format!("/v1/jobs/{{id}}/{name}"),
            get(move |s: State<Arc<AppState>>, p: Path<String>| file(s, p, name)),
        );
    }
    let v1 = v1.route_layer(middleware::from_fn_with_state(st.clone(), auth));
    Router::new()
        .route("/", get(|| async { Html(include_str!("web/index.html")) }))
        .route("/v1/openapi.json", get(|| async { Json(crate::openapi::document()) }))
        .merge(v1)
        .fallback(|m: HttpMethod, u: Uri| async move {
            ApiError::new(StatusCode::NOT_FOUND, format!("no route {m} {}", u.path()))
        })
        .method_not_allowed_fallback(|m: HttpMethod, u: Uri| async move {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("method {m} is not allowed on {}", u.path()),
            )
        })
        .layer(DefaultBodyLimit::max(st.cfg.max_upload_bytes))
        .with_state(st)
}

// ---------------------------------------------------------------------------------------------
// Auth

/// Compares without stopping at the first difference (the time does not tell how much of a
/// guess was right; the length of the token may still show).
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn given_token(headers: &HeaderMap, uri: &Uri) -> Option<String> {
    if let Some(v) = headers.get(header::AUTHORIZATION) {
        let v = v.to_str().unwrap_or("");
        let t = v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")).unwrap_or("");
        return Some(t.trim().to_string());
    }
    // For links the browser follows itself (downloads, pictures, EventSource).
    uri.query()?.split('&').find_map(|kv| kv.strip_prefix("access_token=")).map(percent_decode)
}

async fn auth(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if let Some(token) = &st.cfg.token {
        let err = match given_token(req.headers(), req.uri()) {
            None => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "missing bearer token: send `Authorization: Bearer <token>` (or `?access_token=<token>` on links)",
            ),
            Some(t) if !same_secret(t.as_bytes(), token.as_bytes()) => {
                ApiError::new(StatusCode::UNAUTHORIZED, "invalid bearer token")
            }
            Some(_) => return next.run(req).await,
        };
        drain(req.into_body(), st.cfg.max_upload_bytes).await;
        return err.into_response();
    }
    next.run(req).await
}

/// Reads and drops up to `cap` bytes of a request body that is refused, so that a client
/// still sending it reads the answer instead of a reset connection.
async fn drain(body: axum::body::Body, cap: usize) {
    let _ = axum::body::to_bytes(body, cap).await;
}

// ---------------------------------------------------------------------------------------------
// Job JSON

/// The job as the API shows it: the row, timings, live progress, result links.
pub fn job_json(st: &AppState, j: &JobRow) -> Value {
    job_json_with(st, j, false)
}

fn job_json_with(st: &AppState, j: &JobRow, with_curve: bool) -> Value {
    let now = now_ms();
    let secs = |a: i64, b: i64| (b - a).max(0) as f64 / 1000.0;
    let queued_s = secs(
        j.created_ms,
        j.started_ms.unwrap_or(if j.state == JobState::Queued {
            now
        } else {
            j.finished_ms.unwrap_or(now)
        }),
    );
    let run_s = j.started_ms.map(|s| secs(s, j.finished_ms.unwrap_or(now)));
    let live = if j.state == JobState::Running { st.live_job(&j.id) } else { None };
    let progress = live.as_ref().map(|l| l.snapshot());
    let key = CostWeights::GOOGLE_INTERNAL.to_string();
    let best_cost = match (&progress, &j.result) {
        (Some(p), _) => p.best_cost.map_or(Value::Null, |c| json!(c)),
        (None, Some(r)) => r.get("proxy").and_then(|p| p.get(&key)).cloned().unwrap_or(Value::Null),
        _ => Value::Null,
    };
    let base = format!("/v1/jobs/{}", j.id);
    let mut files = serde_json::Map::new();
    if j.state == JobState::Succeeded {
        for (name, _) in ARTEFACTS {
            files.insert(name.into(), json!(format!("{base}/{name}")));
        }
    }
    let mut v = json!({
        "id": j.id,
        "state": j.state.as_str(),
        "method": j.method,
        "seed": j.seed,
        "time_budget_s": j.time_budget_s,
        "options": j.options,
        "design": j.design,
        "netlist": j.netlist_files,
        "plc": j.plc_file,
        "created_ms": j.created_ms,
        "started_ms": j.started_ms,
        "finished_ms": j.finished_ms,
        "attempts": j.attempts,
        "cancel_requested": j.cancel_requested,
        "timings": { "queued_s": queued_s, "run_s": run_s },
        "progress": progress.as_ref().map(|p| json!({
            "stage": p.stage, "fraction": p.fraction, "moves": p.moves,
        })),
        "best_cost": best_cost,
        "best_cost_weights": key,
        "result": j.result,
        "error": j.error,
        "links": { "self": base, "events": format!("{base}/events"), "start_picture": format!("{base}/{START_PICTURE}"), "live_picture": format!("{base}/{LIVE_PICTURE}"), "files": files },
    });
    if with_curve {
        v["curve"] = json!(progress.map(|p| p.curve).unwrap_or_default());
    }
    v
}

async fn load_job(st: &Arc<AppState>, id: String) -> ApiResult<JobRow> {
    let s = st.clone();
    let (row, id) = blocking(move || (s.db.get(&id), id)).await?;
    row?.ok_or_else(|| ApiError::not_found(&id))
}

// ---------------------------------------------------------------------------------------------
// Handlers

async fn list(
    State(st): State<Arc<AppState>>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Value>> {
    let state = match q.get("state").map(String::as_str) {
        None | Some("") => None,
        Some(s) => Some(JobState::parse(s).ok_or_else(|| {
            ApiError::bad(format!(
                "unknown state `{s}`; states: queued, running, succeeded, failed, cancelled"
            ))
        })?),
    };
    let limit = match q.get("limit") {
        None => 100,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|&n| (1..=10_000).contains(&n))
            .ok_or_else(|| ApiError::bad(format!("limit `{l}`: expected 1..=10000")))?,
    };
    let s = st.clone();
    let (rows, counts) = blocking(move || (s.db.list(state, limit), s.db.counts())).await?;
    let jobs: Vec<Value> = rows?.iter().map(|j| job_json(&st, j)).collect();
    let counts: serde_json::Map<String, Value> =
        counts?.into_iter().map(|(k, n)| (k, json!(n))).collect();
    Ok(Json(json!({ "jobs": jobs, "counts": counts })))
}

async fn get_job(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let j = load_job(&st, id).await?;
    Ok(Json(job_json_with(&st, &j, true)))
}

async fn cancel(State(st): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult<Response> {
    let s = st.clone();
    let id2 = id.clone();
    let out = blocking(move || {
        let live = s.live.lock().unwrap_or_else(|e| e.into_inner());
        let out = s.db.request_cancel(&id2, now_ms())?;
        if out == CancelOutcome::Running {
            if let Some(l) = live.get(&id2) {
                l.user_cancel.store(true, Ordering::SeqCst);
                l.cancel.store(true, Ordering::SeqCst);
            }
        }
        drop(live);
        let row = s.db.get(&id2)?;
        Ok::<_, rusqlite::Error>((out, row))
    })
    .await??;
    let (out, row) = out;
    let row = row.ok_or_else(|| ApiError::not_found(&id))?;
    match out {
        CancelOutcome::NotFound => Err(ApiError::not_found(&id)),
        CancelOutcome::AlreadyFinal(s) => Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("job `{id}` is already {}; nothing to cancel", s.as_str()),
        )),
        CancelOutcome::Cancelled => {
            st.emit_state(&row);
            Ok((StatusCode::OK, Json(job_json(&st, &row))).into_response())
        }
        CancelOutcome::Running => {
            Ok((StatusCode::ACCEPTED, Json(job_json(&st, &row))).into_response())
        }
    }
}

async fn file(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    name: &'static str,
) -> ApiResult<Response> {
    let j = load_job(&st, id).await?;
    let is_result = ARTEFACTS.iter().any(|a| a.0 == name);
    if is_result && j.state != JobState::Succeeded {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "job `{}` is {}; {name} is available once it has succeeded",
                j.id,
                j.state.as_str()
            ),
        ));
    }
    let path = st.job_dir(&j.id).join(name);
    let bytes = blocking(move || std::fs::read(path)).await?.map_err(|_| {
        ApiError::new(StatusCode::NOT_FOUND, format!("job `{}` has no {name} (yet)", j.id))
    })?;
    let ctype = ARTEFACTS.iter().find(|a| a.0 == name).map_or("image/svg+xml", |a| a.1);
    Ok(([(header::CONTENT_TYPE, ctype), (header::CACHE_CONTROL, "no-store")], bytes)
        .into_response())
}

/// The picture of a running job's placement so far (404 when it is not running or has none
/// yet).
async fn live_picture(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let svg =
        st.live_job(&id).and_then(|l| l.picture.lock().unwrap_or_else(|e| e.into_inner()).clone());
    match svg {
        Some(svg) => Ok((
            [(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "no-store")],
            svg.to_string(),
        )
            .into_response()),
        None => {
            let j = load_job(&st, id).await?;
            Err(ApiError::new(
                StatusCode::NOT_FOUND,
                format!(
                    "job `{}` has no live picture: it is {}{}",
                    j.id,
                    j.state.as_str(),
                    if j.state == JobState::Running { " and has none yet" } else { "" }
                ),
            ))
        }
    }
}

async fn events(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>>> {
    // Subscribe first, so that no event between the snapshot and the stream is lost.
    let rx = st.events.subscribe();
    let j = load_job(&st, id).await?;
    let first = Event::default().event("snapshot").data(job_json_with(&st, &j, true).to_string());
    let done = j.state.is_final();
    let id = j.id;
    let stream = futures_util::stream::unfold(
        (Some(first), done, rx, id),
        |(first, done, mut rx, id)| async move {
            if let Some(ev) = first {
                return Some((Ok(ev), (None, done, rx, id)));
            }
            if done {
                return None;
            }
            loop {
                match rx.recv().await {
                    Ok(e) if e.id == id => {
                        let fin = e.kind == "state"
                            && e.data
                                .get("state")
                                .and_then(Value::as_str)
                                .and_then(JobState::parse)
                                .is_some_and(JobState::is_final);
                        let ev = Event::default().event(e.kind).data(e.data.to_string());
                        return Some((Ok(ev), (None, fin, rx, id)));
                    }
                    Ok(e) if e.id == "*" => return None, // server shutdown
                    Ok(_) | Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return None,
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

// ---------------------------------------------------------------------------------------------
// Submission

fn multipart_error(st: &AppState, e: MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(st)
    } else {
        ApiError::bad(format!("malformed multipart/form-data body: {}", e.body_text()))
    }
}

fn too_large(st: &AppState) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "upload too large: the limit is {} bytes (server option --max-upload-mb)",
            st.cfg.max_upload_bytes
        ),
    )
}

struct Upload {
    netlist: Vec<(String, Bytes)>,
    plc: Option<(String, Bytes)>,
    method: Option<String>,
    time_budget: Option<String>,
    seed: Option<String>,
    options: Option<String>,
}

async fn read_upload(st: &AppState, mp: &mut Multipart) -> ApiResult<Upload> {
    let mut u = Upload {
        netlist: Vec::new(),
        plc: None,
        method: None,
        time_budget: None,
        seed: None,
        options: None,
    };
    while let Some(field) = mp.next_field().await.map_err(|e| multipart_error(st, e))? {
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        match name.as_str() {
            "netlist" | "plc" => {
                let data = field.bytes().await.map_err(|e| multipart_error(st, e))?;
                let Some(fname) = file_name.filter(|f| !f.is_empty()) else {
                    if data.is_empty() {
                        continue; // an empty file input of a browser form
                    }
                    return Err(ApiError::bad(format!(
                        "form field `{name}` must be a file upload with a file name"
                    )));
                };
                let fname = jobs::safe_file_name(&fname).map_err(ApiError::bad)?;
                if name == "plc" {
                    if u.plc.is_some() {
                        return Err(ApiError::bad("only one `plc` file may be sent"));
                    }
                    u.plc = Some((fname, data));
                } else {
                    u.netlist.push((fname, data));
                }
            }
            "method" | "time_budget" | "seed" | "options" => {
                let text = field.text().await.map_err(|e| multipart_error(st, e))?;
                let text = text.trim().to_string();
                let slot = match name.as_str() {
                    "method" => &mut u.method,
                    "time_budget" => &mut u.time_budget,
                    "seed" => &mut u.seed,
                    _ => &mut u.options,
                };
                if !text.is_empty() {
                    *slot = Some(text);
                }
            }
            other => {
                return Err(ApiError::bad(format!(
                    "unknown form field `{other}`; fields: netlist, plc, method, time_budget, seed, options"
                )))
            }
        }
    }
    Ok(u)
}

async fn submit(
    State(st): State<Arc<AppState>>,
    req: Request,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > st.cfg.max_upload_bytes as u64) {
        // Read (a bounded amount of) what the client is sending, then answer.
        drain(req.into_body(), st.cfg.max_upload_bytes.saturating_mul(4)).await;
        return Err(too_large(&st));
    }
    let mp: Result<Multipart, MultipartRejection> = Multipart::from_request(req, &st).await;
    let mut mp = mp.map_err(|e| {
        ApiError::bad(format!(
            "expected a multipart/form-data body with fields netlist, plc, method, time_budget, seed, options: {}",
            e.body_text()
        ))
    })?;
    let u = match read_upload(&st, &mut mp).await {
        Ok(u) => u,
        Err(e) => {
            // Read the rest (bounded by the body limit) so the client gets the answer.
            while let Ok(Some(mut f)) = mp.next_field().await {
                while let Ok(Some(_)) = f.chunk().await {}
            }
            return Err(e);
        }
    };

    let method_name = u.method.unwrap_or_else(|| "greedy".into());
    let method = jobs::parse_method(&method_name).map_err(ApiError::bad)?;
    let seed = match &u.seed {
        None => 1,
        Some(s) => s
            .parse::<u64>()
            .map_err(|_| ApiError::bad(format!("seed `{s}`: expected an integer 0..=2^64-1")))?,
    };
    let time_budget_s = match &u.time_budget {
        None => None,
        Some(s) => {
            let b =
                s.parse::<f64>().ok().filter(|b| b.is_finite() && *b >= 0.0).ok_or_else(|| {
                    ApiError::bad(format!("time_budget `{s}`: expected a number of seconds >= 0"))
                })?;
            if b > st.cfg.max_budget_s {
                return Err(ApiError::bad(format!(
                    "time_budget {b} s is over this server's limit of {} s (--max-budget)",
                    st.cfg.max_budget_s
                )));
            }
            Some(b)
        }
    };
    let options = JobOptions::parse(u.options.as_deref().unwrap_or("")).map_err(ApiError::bad)?;
    match (method, &options.checkpoint) {
        (jobs::JobMethod::Rl, c) => {
            // The checkpoint is a name inside the server's folder, checked here (a cheap
            // look-up) so that a bad one is a 400 at submission.
            let c = c.as_deref().unwrap_or("");
            if st.cfg.checkpoints_dir.is_some() && c.is_empty() {
                return Err(ApiError::bad(
                    "method rl needs options.checkpoint: a run or checkpoint folder inside the server's checkpoints folder",
                ));
            }
            jobs::resolve_checkpoint(st.cfg.checkpoints_dir.as_deref(), c)
                .map_err(ApiError::bad)?;
        }
        (_, Some(_)) => {
            return Err(ApiError::bad("options.checkpoint is only for method rl"));
        }
        (_, None) => {}
    }
    let names: Vec<String> = u.netlist.iter().map(|f| f.0.clone()).collect();
    let mut seen = std::collections::BTreeSet::new();
    for n in names.iter().chain(u.plc.iter().map(|p| &p.0)) {
        if !seen.insert(n.clone()) {
            return Err(ApiError::bad(format!("file name `{n}` is sent twice")));
        }
    }
    let (files, aux) = NetlistFiles::classify(&names).map_err(ApiError::bad)?;

    let id = st.new_id();
    let s = st.clone();
    let row = JobRow {
        id: id.clone(),
        state: JobState::Queued,
        method: method.as_str().into(),
        seed,
        time_budget_s,
        options: serde_json::to_value(&options).map_err(ApiError::internal)?,
        design: files.design(),
        netlist_files: files.to_json(),
        plc_file: u.plc.as_ref().map(|p| p.0.clone()),
        created_ms: now_ms(),
        started_ms: None,
        finished_ms: None,
        attempts: 0,
        cancel_requested: false,
        result: None,
        error: None,
    };
    let row = blocking(move || {
        store_inputs(&s, row, &files, u.netlist, aux, u.plc, options.allow_partial_plc)
    })
    .await??;
    st.wake.notify_one();
    st.emit_state(&row);
    Ok((StatusCode::ACCEPTED, Json(job_json(&st, &row))))
}

/// Writes the uploads to a temporary folder, reads them (422 with `file:line: problem` when
/// they are malformed), moves the folder to `jobs/<id>` and records the job.
fn store_inputs(
    st: &AppState,
    row: JobRow,
    files: &NetlistFiles,
    netlist: Vec<(String, Bytes)>,
    aux: Option<(String, String)>,
    plc: Option<(String, Bytes)>,
    allow_partial_plc: bool,
) -> ApiResult<JobRow> {
    let jobs_dir = st.cfg.data_dir.join("jobs");
    let tmp = jobs_dir.join(format!(".tmp-{}", row.id));
    let input = tmp.join("input");
    let result = (|| {
        std::fs::create_dir_all(&input).map_err(ApiError::internal)?;
        let aux = aux.map(|(n, t)| (n, Bytes::from(t)));
        for (name, data) in netlist.iter().chain(aux.iter()).chain(plc.iter()) {
            std::fs::write(input.join(name), data).map_err(ApiError::internal)?;
        }
        jobs::load_inputs(&input, files, plc.as_ref().map(|p| p.0.as_str()), allow_partial_plc)
            .map_err(|m| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, m))?;
        let dst = jobs_dir.join(&row.id);
        std::fs::rename(&tmp, &dst).map_err(ApiError::internal)?;
        if let Err(e) = st.db.insert(&row) {
            remove_quietly(&dst);
            return Err(e.into());
        }
        Ok(row)
    })();
    if result.is_err() {
        remove_quietly(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_tokens() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"abcd"));
        assert!(!same_secret(b"", b"a"));
        assert_eq!(percent_decode("a%2Fb+c%zz%4"), "a/b c%zz%4");
        let uri: Uri = "/v1/jobs?x=1&access_token=t%20k".parse().unwrap();
        assert_eq!(given_token(&HeaderMap::new(), &uri).as_deref(), Some("t k"));
    }
}
