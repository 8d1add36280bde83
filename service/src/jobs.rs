//! What a job is and how it runs: the uploaded inputs (checked at submission), the options,
//! the placement through [`placer::pipeline::run`], and the result files written the way
//! `chipfloor place` writes them (`placement.plc` with the cost header, `placement.svg`,
//! `placement.png`, `report.json`).
//!
//! Everything here is blocking and runs on blocking threads.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use netlists::{plc, Netlist, Placement};
use placer::cost::{CostOverrides, CostParams, CostWeights};
use placer::output::{costs_json, legality_json, params_json, stages_json};
use placer::pipeline::{self, Method, PipelineConfig};
use placer::place::ProgressSink;
use placer::render::{render_png, render_svg, Heatmap, RenderOptions};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// The result files of a succeeded job, as served under `/v1/jobs/{id}/`.
pub const ARTEFACTS: [(&str, &str); 4] = [
    ("placement.plc", "text/plain; charset=utf-8"),
    ("placement.svg", "image/svg+xml"),
    ("placement.png", "image/png"),
    ("report.json", "application/json"),
];

/// The picture of the starting placement, written when a job starts (shown while it runs).
pub const START_PICTURE: &str = "start.svg";

/// The picture of the placement so far while a job runs (kept in memory, not a file).
pub const LIVE_PICTURE: &str = "live.svg";

/// Receives a running job's progress and the pictures of its placement so far.
pub trait JobSink: ProgressSink {
    /// The latest picture (SVG) of the placement so far: simulated annealing's best at most
    /// about once a second, and the placement after each pipeline stage.
    fn picture(&self, svg: String);
}

/// Passes progress on and turns placement snapshots into pictures for a [`JobSink`].
struct Pictures<'a> {
    sink: &'a dyn JobSink,
    nl: &'a Netlist,
    params: &'a CostParams,
    opts: RenderOptions,
}

impl ProgressSink for Pictures<'_> {
    fn report(&self, p: &placer::place::Progress) {
        self.sink.report(p);
    }
    fn wants_placement(&self) -> bool {
        true
    }
    fn placement(&self, pl: &Placement) {
        if let Ok(svg) = render_svg(self.nl, pl, self.params, &self.opts) {
            self.sink.picture(svg);
        }
    }
}

/// Options of a job (the `options` form field, a JSON object).
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobOptions {
    /// Force-directed soft macros after the method (default true).
    pub fd: bool,
    /// Coordinate descent after the method (default false).
    pub cd: bool,
    /// Simulated annealing: moves per chain.
    pub iterations: Option<u64>,
    /// Simulated annealing: parallel chains (default 1, so the result does not depend on the
    /// server's core count).
    pub threads: usize,
    /// Write the placement even when it is illegal.
    pub allow_illegal: bool,
    /// Accept an initial `.plc` without a line for some nodes.
    pub allow_partial_plc: bool,
    /// Heat map under the macros in the pictures: none, density, congestion.
    pub heatmap: String,
    /// Side of the pictures in pixels.
    pub size: u32,
    /// Method `rl`: the policy, a model file, checkpoint folder or training run directory
    /// named relative to the server's `--checkpoints-dir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
}

impl Default for JobOptions {
    fn default() -> Self {
        JobOptions {
            fd: true,
            cd: false,
            iterations: None,
            threads: 1,
            allow_illegal: false,
            allow_partial_plc: false,
            heatmap: "none".into(),
            size: 1000,
            checkpoint: None,
        }
    }
}

impl JobOptions {
    /// Parses and checks the `options` field.
    pub fn parse(text: &str) -> Result<JobOptions, String> {
        let o: JobOptions = if text.trim().is_empty() {
            JobOptions::default()
        } else {
            serde_json::from_str(text).map_err(|e| {
                format!(
                    "options: {e} (expected a JSON object with keys fd, cd, iterations, threads, \
                     allow_illegal, allow_partial_plc, heatmap, size, checkpoint)"
                )
            })?
        };
        if Heatmap::parse(&o.heatmap).is_none() {
            return Err(format!(
                "options.heatmap: `{}` is not one of none, density, congestion",
                o.heatmap
            ));
        }
        if o.threads == 0 || o.threads > 64 {
            return Err(format!("options.threads must lie in 1..=64, got {}", o.threads));
        }
        if o.iterations == Some(0) {
            return Err("options.iterations must be at least 1".into());
        }
        Ok(o)
    }
}

/// A job's method: one of the placer's, or `rl` (a trained policy, through the training crate).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobMethod {
    /// `random`, `greedy`, `sa`: [`placer::pipeline::run`].
    Placer(Method),
    /// `rl`: [`training::policy::place_with_policy_cfg`] with `options.checkpoint`.
    Rl,
}

impl JobMethod {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobMethod::Placer(m) => m.as_str(),
            JobMethod::Rl => "rl",
        }
    }
}

/// Parses a method name: the placer's methods and `rl`.
pub fn parse_method(s: &str) -> Result<JobMethod, String> {
    if s.trim().eq_ignore_ascii_case("rl") {
        return Ok(JobMethod::Rl);
    }
    let m = Method::parse(s)
        .ok_or_else(|| format!("unknown method `{s}`; methods: {}, rl", Method::names()))?;
    if !m.available() {
        return Err(format!("method `{s}` is not available in this build"));
    }
    Ok(JobMethod::Placer(m))
}

/// The policy named `name` (`options.checkpoint`) inside the server's checkpoints folder
/// `dir`: a model file, checkpoint folder or training run directory. Refuses absolute names,
/// `..`, anything that resolves (symbolic links followed) outside `dir`, and names that hold
/// no model. Errors are messages for the client.
pub fn resolve_checkpoint(dir: Option<&Path>, name: &str) -> Result<PathBuf, String> {
    use std::path::Component;
    let dir = dir.ok_or_else(|| {
        "method rl is not enabled on this server: it was started without --checkpoints-dir"
            .to_string()
    })?;
    let rel = Path::new(name);
    if name.trim().is_empty()
        || !rel.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(format!(
            "options.checkpoint `{name}`: give a run or checkpoint folder relative to the server's checkpoints folder (no absolute path, no `..`)"
        ));
    }
    let missing = || format!("options.checkpoint `{name}`: no such checkpoint on this server");
    let root = dir.canonicalize().map_err(|e| format!("the server's checkpoints folder: {e}"))?;
    let path = root.join(rel).canonicalize().map_err(|_| missing())?;
    if !path.starts_with(&root) {
        return Err(format!(
            "options.checkpoint `{name}` lies outside the server's checkpoints folder"
        ));
    }
    training::checkpoint::resolve_model(&path).map_err(|_| {
        format!("{}: not a model file, checkpoint folder or run directory", missing())
    })?;
    Ok(path)
}

/// Keeps an uploaded file name safe as a file name: its last path component, with characters
/// other than letters, digits, `.`, `-` and `_` replaced by `_`.
pub fn safe_file_name(name: &str) -> Result<String, String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let s: String = last
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .collect();
    if s.is_empty() || s.starts_with('.') || s.len() > 120 {
        return Err(format!(
            "file name `{name}` is not usable: give a name like design.pb.txt (at most 120 characters, not starting with a dot)"
        ));
    }
    Ok(s)
}

/// The kind of netlist a set of uploaded files forms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetlistFiles {
    /// One or more Circuit Training `.pb.txt` files (plain or gzip), read in order.
    PbTxt(Vec<String>),
    /// A Bookshelf set; the `.aux` (given or written by the server) names the others.
    Bookshelf {
        /// The `.aux` file.
        aux: String,
        /// All files, the `.aux` included.
        files: Vec<String>,
    },
}

impl NetlistFiles {
    /// Classifies uploaded netlist file names: any `.nodes` makes it Bookshelf (needing
    /// `.nodes` and `.nets`; an `.aux` is written when none is given), else `.pb.txt`.
    /// Returns the kind and, for Bookshelf without an `.aux`, the `.aux` text to write.
    pub fn classify(names: &[String]) -> Result<(NetlistFiles, Option<(String, String)>), String> {
        if names.is_empty() {
            return Err("no netlist: send the netlist file(s) as form field `netlist` (a .pb.txt, .pb.txt.gz, or the Bookshelf .nodes/.nets/.pl/.scl/.wts files)".into());
        }
        let has = |ext: &str| names.iter().find(|n| n.to_ascii_lowercase().ends_with(ext));
        if let Some(nodes) = has(".nodes") {
            if has(".nets").is_none() {
                return Err("Bookshelf netlist: a .nets file is needed beside the .nodes".into());
            }
            if let Some(aux) = has(".aux") {
                return Ok((
                    NetlistFiles::Bookshelf { aux: aux.clone(), files: names.to_vec() },
                    None,
                ));
            }
            let stem = nodes[..nodes.len() - ".nodes".len()].to_string();
            let aux = format!("{stem}.aux");
            if names.contains(&aux) {
                return Err(format!("file name {aux} is taken"));
            }
            let listed: Vec<&str> = names.iter().map(String::as_str).collect();
            let text = format!("RowBasedPlacement : {}\n", listed.join(" "));
            let mut files = names.to_vec();
            files.push(aux.clone());
            return Ok((NetlistFiles::Bookshelf { aux: aux.clone(), files }, Some((aux, text))));
        }
        if has(".aux").is_some() || has(".nets").is_some() {
            return Err("Bookshelf netlist: a .nodes file is needed".into());
        }
        Ok((NetlistFiles::PbTxt(names.to_vec()), None))
    }

    /// The stored form: a JSON array of the file names (Bookshelf: the `.aux` first).
    pub fn to_json(&self) -> Value {
        match self {
            NetlistFiles::PbTxt(v) => json!({ "format": "pb_txt", "files": v }),
            NetlistFiles::Bookshelf { aux, files } => {
                json!({ "format": "bookshelf", "aux": aux, "files": files })
            }
        }
    }

    /// Back from [`to_json`](Self::to_json).
    pub fn from_json(v: &Value) -> Option<NetlistFiles> {
        let files: Vec<String> = v
            .get("files")?
            .as_array()?
            .iter()
            .filter_map(|f| f.as_str().map(String::from))
            .collect();
        match v.get("format")?.as_str()? {
            "pb_txt" => Some(NetlistFiles::PbTxt(files)),
            "bookshelf" => {
                Some(NetlistFiles::Bookshelf { aux: v.get("aux")?.as_str()?.to_string(), files })
            }
            _ => None,
        }
    }

    /// The design name: the first file's name without `.gz`, `.txt`, `.pb`, `.aux`.
    pub fn design(&self) -> String {
        let first = match self {
            NetlistFiles::PbTxt(v) => v.first().cloned().unwrap_or_default(),
            NetlistFiles::Bookshelf { aux, .. } => aux.clone(),
        };
        let mut stem = first.as_str();
        for ext in [".gz", ".txt", ".pb", ".aux"] {
            stem = stem.strip_suffix(ext).unwrap_or(stem);
        }
        if stem.is_empty() {
            "design".into()
        } else {
            stem.to_string()
        }
    }
}

/// A netlist error as the client sees it: `file:line: problem`, with the file's name only
/// (not the server's path).
pub fn input_error(e: &netlists::Error) -> String {
    let name = |p: &Path| {
        p.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| p.display().to_string())
    };
    match e {
        netlists::Error::Parse(pe) if pe.line > 0 => {
            format!("{}:{}: {}", name(&pe.path), pe.line, pe.message)
        }
        netlists::Error::Parse(pe) => format!("{}: {}", name(&pe.path), pe.message),
        netlists::Error::Io { path, source } => format!("{}: {source}", name(path)),
    }
}

/// The inputs of a job read from its `input/` folder.
pub struct Inputs {
    /// The netlist.
    pub netlist: Netlist,
    /// The starting placement (the `.plc` applied, or the netlist's coordinates).
    pub init: Placement,
    /// The cost parameters (netlist header, then `.plc` header).
    pub params: CostParams,
}

/// Reads the netlist and the optional `.plc` under `input_dir`. Errors are messages for the
/// client (`file:line: problem`).
pub fn load_inputs(
    input_dir: &Path,
    files: &NetlistFiles,
    plc_file: Option<&str>,
    allow_partial_plc: bool,
) -> Result<Inputs, String> {
    let nl = match files {
        NetlistFiles::PbTxt(v) if v.len() == 1 => netlists::pb_txt::read(&input_dir.join(&v[0])),
        NetlistFiles::PbTxt(v) => {
            let paths: Vec<PathBuf> = v.iter().map(|f| input_dir.join(f)).collect();
            netlists::pb_txt::read_many(&paths)
        }
        NetlistFiles::Bookshelf { aux, .. } => netlists::bookshelf::read(&input_dir.join(aux)),
    }
    .map_err(|e| input_error(&e))?;
    let (init, header) = match plc_file {
        Some(f) => {
            let path = input_dir.join(f);
            let file = plc::read(&path).map_err(|e| input_error(&e))?;
            let mut pl = nl.initial_placement();
            if allow_partial_plc {
                file.apply(&nl, &mut pl, &path).map_err(|e| input_error(&e))?;
            } else {
                file.apply_strict(&nl, &mut pl, &path).map_err(|e| input_error(&e))?;
            }
            (pl, Some(file.header))
        }
        None => (nl.initial_placement(), None),
    };
    let params = CostParams::resolve(&nl, header.as_ref(), &CostOverrides::default())
        .map_err(|e| format!("cost parameters: {e}"))?;
    Ok(Inputs { netlist: nl, init, params })
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, synced, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let name = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// What a job needs to run (from its database row).
pub struct JobSpec {
    /// The job id.
    pub id: String,
    /// Method.
    pub method: JobMethod,
    /// Seed.
    pub seed: u64,
    /// Time budget in seconds.
    pub time_budget_s: Option<f64>,
    /// Options.
    pub options: JobOptions,
    /// Netlist files.
    pub files: NetlistFiles,
    /// The `.plc`, if any.
    pub plc_file: Option<String>,
    /// Design name.
    pub design: String,
    /// Method `rl`: the policy's path on the server (from `options.checkpoint`).
    pub checkpoint: Option<PathBuf>,
}

/// How a run ended, other than with a result.
#[derive(Debug)]
pub enum RunError {
    /// The cancel flag was set.
    Cancelled,
    /// The job failed (message for the client).
    Failed(String),
}

/// Runs a job in `job_dir` (inputs under `input/`) and writes the result files there, each
/// atomically, `report.json` last. Returns the summary stored in the database.
pub fn execute(
    job_dir: &Path,
    spec: &JobSpec,
    cancel: Arc<AtomicBool>,
    sink: &dyn JobSink,
) -> Result<Value, RunError> {
    use std::sync::atomic::Ordering;
    let io = |what: &str, e: &dyn std::fmt::Display| RunError::Failed(format!("{what}: {e}"));
    let inp = load_inputs(
        &job_dir.join("input"),
        &spec.files,
        spec.plc_file.as_deref(),
        spec.options.allow_partial_plc,
    )
    .map_err(RunError::Failed)?;
    let (nl, params) = (&inp.netlist, &inp.params);
    let ropts = |title: String| RenderOptions {
        heatmap: Heatmap::parse(&spec.options.heatmap).unwrap_or_default(),
        size_px: spec.options.size,
        title: Some(title),
    };
    // The starting picture, for the live view.
    if let Ok(svg) = render_svg(nl, &inp.init, params, &ropts(format!("{}  start", spec.design))) {
        let _ = write_atomic(&job_dir.join(START_PICTURE), svg.as_bytes());
    }
    let live = Pictures {
        sink,
        nl,
        params,
        opts: ropts(format!("{}  {}  so far", spec.design, spec.method.as_str())),
    };
    let progress: &dyn ProgressSink = &live;
    let res = match spec.method {
        JobMethod::Placer(method) => {
            let mut cfg = PipelineConfig {
                method,
                seed: spec.seed,
                time_budget: spec.time_budget_s,
                fd: spec.options.fd,
                cd: spec.options.cd,
                cancel: Some(cancel.clone()),
                ..Default::default()
            };
            cfg.sa.iterations = spec.options.iterations;
            cfg.sa.threads = spec.options.threads;
            pipeline::run(nl, &inp.init, params, &cfg, progress)
                .map_err(|e| RunError::Failed(format!("placement failed: {e}")))?
        }
        JobMethod::Rl => {
            if cancel.load(Ordering::SeqCst) {
                return Err(RunError::Cancelled);
            }
            let ck = spec
                .checkpoint
                .as_deref()
                .ok_or_else(|| RunError::Failed("method rl needs options.checkpoint".into()))?;
            run_rl(nl, &inp.init, params, ck, spec, &cancel, progress)?
        }
    };
    if cancel.load(Ordering::SeqCst) {
        return Err(RunError::Cancelled);
    }
    let legal = res.legality.is_legal();
    if !legal && !spec.options.allow_illegal {
        return Err(RunError::Failed(format!(
            "the placement is ILLEGAL ({} overlapping hard-macro pairs, {} hard macros outside the canvas); nothing was written. Set options.allow_illegal to keep it anyway",
            res.legality.hard_macro_overlap_pairs, res.legality.hard_macros_outside_canvas
        )));
    }

    let method = spec.method.as_str();
    let title = format!("{}  {method}  seed {}", spec.design, spec.seed);
    let svg = render_svg(nl, &res.placement, params, &ropts(title.clone()))
        .map_err(|e| io("rendering", &e))?;
    let png =
        render_png(nl, &res.placement, params, &ropts(title)).map_err(|e| io("rendering", &e))?;
    let netlist_names = match &spec.files {
        NetlistFiles::PbTxt(v) => v.join(","),
        NetlistFiles::Bookshelf { aux, .. } => aux.clone(),
    };
    let notes: Vec<(&str, String)> = vec![
        ("Source input file(s)", netlist_names.clone()),
        (
            "Initial placement",
            spec.plc_file.clone().unwrap_or_else(|| "netlist coordinates".into()),
        ),
        ("Method", method.into()),
        ("Seed", spec.seed.to_string()),
        ("Checkpoint", spec.options.checkpoint.clone().unwrap_or_else(|| "none".into())),
        ("Time budget s", spec.time_budget_s.map_or("none".into(), |b| format!("{b}"))),
        ("Force-directed soft macros", if spec.options.fd { "on" } else { "off" }.into()),
        ("Coordinate descent", if spec.options.cd { "on" } else { "off" }.into()),
        (
            "Legality",
            if legal { "LEGAL".into() } else { "ILLEGAL (written with allow_illegal)".into() },
        ),
        ("Job", spec.id.clone()),
    ];
    let h = placer::output::plc_header(nl, params, &res.costs, &notes);
    let plc_text = plc::to_string(nl, &res.placement, &h);

    let costs = costs_json(&res.costs, &CostWeights::STANDARD);
    let mut doc = Map::new();
    doc.insert("chipfloor_version".into(), json!(placer::output::VERSION));
    doc.insert("job_id".into(), json!(spec.id));
    doc.insert("design".into(), json!(spec.design));
    doc.insert("netlist".into(), json!(netlist_names));
    doc.insert("init_plc".into(), json!(spec.plc_file));
    doc.insert("method".into(), json!(method));
    doc.insert("checkpoint".into(), json!(spec.options.checkpoint));
    doc.insert("seed".into(), json!(spec.seed));
    doc.insert("time_budget_s".into(), json!(spec.time_budget_s));
    doc.insert("fd".into(), json!(spec.options.fd));
    doc.insert("cd".into(), json!(spec.options.cd));
    doc.extend(costs.clone());
    doc.insert("params".into(), params_json(params));
    doc.insert("legality".into(), legality_json(&res.legality));
    doc.insert("allow_illegal".into(), json!(spec.options.allow_illegal));
    doc.insert("written_illegal".into(), json!(!legal));
    doc.insert("runtime_s".into(), json!(res.seconds));
    doc.insert("stages".into(), stages_json(&res.stages));
    doc.insert(
        "files".into(),
        json!({ "plc": "placement.plc", "svg": "placement.svg", "png": "placement.png" }),
    );
    let report = serde_json::to_string_pretty(&Value::Object(doc)).map_err(|e| io("report", &e))?;

    let w = |name: &str, bytes: &[u8]| {
        write_atomic(&job_dir.join(name), bytes).map_err(|e| io(&format!("writing {name}"), &e))
    };
    w("placement.svg", svg.as_bytes())?;
    w("placement.png", &png)?;
    w("placement.plc", plc_text.as_bytes())?;
    w("report.json", format!("{report}\n").as_bytes())?;

    let mut summary = costs;
    summary.insert("legality".into(), legality_json(&res.legality));
    summary.insert("runtime_s".into(), json!(res.seconds));
    Ok(Value::Object(summary))
}

/// Method `rl`: the policy at `checkpoint`, zero-shot (no time budget, or 0) or fine-tuned
/// on the netlist for the time budget, then optional coordinate descent (the same budget),
/// evaluated as [`pipeline::run`] evaluates. Fine-tuning cannot be stopped mid-way: a cancel
/// takes effect when it returns (at most the time budget later), before coordinate descent.
fn run_rl(
    nl: &Netlist,
    init: &Placement,
    params: &CostParams,
    checkpoint: &Path,
    spec: &JobSpec,
    cancel: &Arc<AtomicBool>,
    progress: &dyn ProgressSink,
) -> Result<pipeline::PipelineResult, RunError> {
    let cfg = training::RlPlaceConfig {
        checkpoint,
        time_budget: spec
            .time_budget_s
            .filter(|&b| b > 0.0)
            .map(std::time::Duration::from_secs_f64),
        seed: spec.seed,
        fd: spec.options.fd,
        cd: spec.options.cd,
        cancel: Some(cancel.clone()),
    };
    training::place_rl(nl, init, params, &cfg, progress).map_err(|e| match e {
        training::RlPlaceError::Policy(e) => {
            RunError::Failed(format!("placement with the policy failed: {e}"))
        }
        training::RlPlaceError::Place(e) => RunError::Failed(format!("placement failed: {e}")),
        training::RlPlaceError::Cancelled => RunError::Cancelled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_netlist_files() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let (k, aux) = NetlistFiles::classify(&s(&["a.pb.txt.gz"])).unwrap();
        assert_eq!(k, NetlistFiles::PbTxt(s(&["a.pb.txt.gz"])));
        assert!(aux.is_none());
        assert_eq!(k.design(), "a");
        let (k, aux) = NetlistFiles::classify(&s(&["d.nodes", "d.nets", "d.pl"])).unwrap();
        assert_eq!(
            aux.unwrap(),
            ("d.aux".into(), "RowBasedPlacement : d.nodes d.nets d.pl\n".into())
        );
        assert_eq!(NetlistFiles::from_json(&k.to_json()), Some(k.clone()));
        assert_eq!(k.design(), "d");
        assert!(NetlistFiles::classify(&s(&["d.nodes"])).unwrap_err().contains(".nets"));
        assert!(NetlistFiles::classify(&s(&["d.nets"])).unwrap_err().contains(".nodes"));
        assert!(NetlistFiles::classify(&[]).unwrap_err().contains("`netlist`"));
    }

    #[test]
    fn names_methods_options() {
        assert_eq!(safe_file_name("../../etc/x y.pb.txt").unwrap(), "x_y.pb.txt");
        assert!(safe_file_name("..").is_err());
        assert!(safe_file_name("").is_err());
        assert_eq!(parse_method("SA").unwrap(), JobMethod::Placer(Method::Sa));
        assert_eq!(parse_method("rl").unwrap(), JobMethod::Rl);
        assert!(parse_method("annealing").unwrap_err().contains("unknown method"));
        assert_eq!(JobOptions::parse("").unwrap().threads, 1);
        assert!(JobOptions::parse(r#"{"cd": true}"#).unwrap().cd);
        assert!(JobOptions::parse(r#"{"bogus": 1}"#).unwrap_err().contains("bogus"));
        assert!(JobOptions::parse(r#"{"heatmap": "x"}"#).is_err());
        assert!(JobOptions::parse(r#"{"threads": 0}"#).is_err());
    }
}
