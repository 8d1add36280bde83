//! `chipfloor compare --methods random,greedy,sa NETLIST[:PLC]... --out DIR`: every method on
//! every design (plus the given placement as `reference`), through the same pipeline as
//! `chipfloor place`, reported as `report.md`, `report.html` (tables and pictures) and
//! `report.json`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use netlists::{plc, NodeCounts};
use placer::cost::{CostBreakdown, CostParams, CostWeights};
use placer::legality::{check_with, LegalityOptions, LegalityReport};
use placer::pipeline::{self, Method, PipelineConfig, StageReport};
use placer::render::{render_svg, Heatmap, RenderOptions};
use serde_json::{json, Value};

use super::eval::CostArgs;
use super::place::{check_budget, parse_method, write_file, SaArgs};
use crate::progress::Bar;
use crate::report::{
    costs_json, design_name, legality_json, params_json, stages_json, weights_with,
};
use crate::{input, outln, CmdResult, Failure};

/// Arguments of `chipfloor compare`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Designs: `NETLIST` or `NETLIST:PLC` (the `.plc` is the starting point, the source of
    /// the cost parameters, and is reported as `reference`).
    #[arg(required = true, value_name = "NETLIST[:PLC]")]
    designs: Vec<String>,
    /// Comma-separated methods (default: every available one).
    #[arg(long)]
    methods: Option<String>,
    /// Folder with `DESIGN.plc` reference placements, for designs given without `:PLC`.
    #[arg(long)]
    plc_dir: Option<PathBuf>,
    /// Wall-clock budget in seconds per method (and again for coordinate descent).
    #[arg(long, value_name = "SECS")]
    time_budget: Option<f64>,
    /// The one seed every random choice derives from.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
    /// Place the soft macros with the force-directed placer after each method (default).
    #[arg(long, overrides_with = "no_fd")]
    fd: bool,
    /// Leave the soft macros where the initial placement has them.
    #[arg(long = "no-fd", overrides_with = "fd")]
    no_fd: bool,
    /// Refine every method's result with coordinate descent.
    #[arg(long)]
    cd: bool,
    #[command(flatten)]
    sa: SaArgs,
    /// Heat map under the macros in the pictures.
    #[arg(long, value_parser = ["none", "density", "congestion"], default_value = "none")]
    heatmap: String,
    /// Side of the pictures in pixels.
    #[arg(long, default_value_t = 640)]
    size: u32,
    #[command(flatten)]
    cost: CostArgs,
}

/// One row of a design's table.
struct Entry {
    /// `reference` or the method's name.
    label: String,
    costs: Option<CostBreakdown>,
    legality: Option<LegalityReport>,
    runtime_s: Option<f64>,
    stages: Vec<StageReport>,
    error: Option<String>,
    svg: Option<String>,
    files: Vec<(&'static str, PathBuf)>,
}

impl Entry {
    fn new(label: &str) -> Entry {
        Entry {
            label: label.into(),
            costs: None,
            legality: None,
            runtime_s: None,
            stages: Vec::new(),
            error: None,
            svg: None,
            files: Vec::new(),
        }
    }
    fn legal(&self) -> bool {
        self.legality.as_ref().is_some_and(|l| l.is_legal())
    }
    fn proxy(&self, w: CostWeights) -> Option<f64> {
        self.costs.map(|c| c.proxy(w))
    }
}

struct Design {
    name: String,
    netlist: PathBuf,
    plc: Option<PathBuf>,
    params: CostParams,
    counts: NodeCounts,
    entries: Vec<Entry>,
}

impl Design {
    /// Index of the legal entry with the lowest proxy at 1/0.5/0.5.
    fn best(&self) -> Option<usize> {
        let w = CostWeights::GOOGLE_INTERNAL;
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.legal() && e.proxy(w).is_some_and(f64::is_finite))
            .min_by(|a, b| {
                a.1.proxy(w)
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.1.proxy(w).unwrap_or(f64::INFINITY))
            })
            .map(|(i, _)| i)
    }
}

/// `NETLIST:PLC` (when the part after the last `:` ends in `.plc`) or `NETLIST`.
fn split_design(s: &str) -> (PathBuf, Option<PathBuf>) {
    if let Some((a, b)) = s.rsplit_once(':') {
        if !a.is_empty() && b.to_ascii_lowercase().ends_with(".plc") {
            return (PathBuf::from(a), Some(PathBuf::from(b)));
        }
    }
    (PathBuf::from(s), None)
}

fn parse_methods(s: Option<&str>) -> Result<Vec<Method>, Failure> {
    let Some(s) = s else {
        return Ok(Method::ALL.into_iter().filter(|m| m.available()).collect());
    };
    let mut v = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let m = parse_method(part)?;
        if !v.contains(&m) {
            v.push(m);
        }
    }
    if v.is_empty() {
        return Err(Failure::input(anyhow::anyhow!(
            "--methods {s}: no method given; methods: {}",
            Method::names()
        )));
    }
    Ok(v)
}

pub(crate) fn run(args: Args, out: &mut String) -> CmdResult {
    let methods = parse_methods(args.methods.as_deref())?;
    check_budget(args.time_budget)?;
    let extra = args.cost.extra_weights()?;
    let weights = weights_with(extra);
    let fd = !args.no_fd;
    let heatmap = Heatmap::parse(&args.heatmap).unwrap_or_default();
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Failure::other(anyhow::anyhow!("creating {}: {e}", args.out.display())))?;

    // Load everything first, so that bad input fails before any long work.
    let mut loaded = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for spec in &args.designs {
        let (np, mut pp) = split_design(spec);
        let nl = input::load_netlist(&np)?;
        let mut name = design_name(&np, &nl);
        if pp.is_none() {
            if let Some(d) = &args.plc_dir {
                let cand = d.join(format!("{name}.plc"));
                if cand.is_file() {
                    pp = Some(cand);
                }
            }
        }
        let (init, header) = match &pp {
            Some(p) => {
                let lp = input::load_placement(&nl, p, false)?;
                (lp.placement, Some(lp.header))
            }
            None => (nl.initial_placement(), None),
        };
        let params = CostParams::resolve(&nl, header.as_ref(), &args.cost.overrides())
            .map_err(|e| Failure::input(anyhow::anyhow!("{}: {e}", np.display())))?;
        let base = name.clone();
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{base}-{k}");
            k += 1;
        }
        names.push(name.clone());
        loaded.push((name, np, pp, nl, init, params));
    }

    let mut designs = Vec::new();
    let mut failures = 0usize;
    for (name, np, pp, nl, init, params) in loaded {
        let ddir = args.out.join(&name);
        std::fs::create_dir_all(&ddir)
            .map_err(|e| Failure::other(anyhow::anyhow!("creating {}: {e}", ddir.display())))?;
        let ropts = |label: &str| RenderOptions {
            heatmap,
            size_px: args.size,
            title: Some(format!("{name}  {label}")),
        };
        let mut entries = Vec::new();
        if let Some(p) = &pp {
            let mut e = Entry::new("reference");
            let t = std::time::Instant::now();
            match placer::cost::evaluate(&nl, &init, &params) {
                Ok(c) => e.costs = Some(c),
                Err(err) => e.error = Some(err.to_string()),
            }
            e.runtime_s = Some(t.elapsed().as_secs_f64());
            e.legality = Some(check_with(
                &nl,
                &init,
                params.canvas_width,
                params.canvas_height,
                &LegalityOptions {
                    square_soft_macros: params.square_soft_macros,
                    ..Default::default()
                },
            ));
            e.files.push(("plc", p.clone()));
            if let Ok(svg) = render_svg(&nl, &init, &params, &ropts("reference")) {
                let f = ddir.join("reference.svg");
                write_file(&f, svg.as_bytes())?;
                e.files.push(("svg", f));
                e.svg = Some(svg);
            }
            entries.push(e);
        }
        for &m in &methods {
            let mut e = Entry::new(m.as_str());
            let mut cfg = PipelineConfig {
                method: m,
                seed: args.seed,
                time_budget: args.time_budget,
                fd,
                cd: args.cd,
                ..Default::default()
            };
            args.sa.apply(&mut cfg);
            let bar = Bar::new(&format!("{name} {m}"), args.time_budget);
            let res = pipeline::run(&nl, &init, &params, &cfg, &bar);
            bar.finish();
            match res {
                Ok(r) => {
                    e.costs = Some(r.costs);
                    e.runtime_s = Some(r.seconds);
                    e.stages = r.stages;
                    let legal_note =
                        if r.legality.is_legal() { "LEGAL" } else { "ILLEGAL" }.to_string();
                    let notes: Vec<(&str, String)> = vec![
                        ("Source input file(s)", np.display().to_string()),
                        (
                            "Initial placement",
                            pp.as_ref()
                                .map_or("netlist coordinates".into(), |p| p.display().to_string()),
                        ),
                        ("Method", m.to_string()),
                        ("Seed", args.seed.to_string()),
                        (
                            "Time budget s",
                            args.time_budget.map_or("none".into(), |b| b.to_string()),
                        ),
                        ("Force-directed soft macros", if fd { "on" } else { "off" }.into()),
                        ("Coordinate descent", if args.cd { "on" } else { "off" }.into()),
                        ("Legality", legal_note),
                    ];
                    let h = placer::output::plc_header(&nl, &params, &r.costs, &notes);
                    let f = ddir.join(format!("{m}.plc"));
                    write_file(&f, plc::to_string(&nl, &r.placement, &h).as_bytes())?;
                    e.files.push(("plc", f));
                    match render_svg(&nl, &r.placement, &params, &ropts(m.as_str())) {
                        Ok(svg) => {
                            let f = ddir.join(format!("{m}.svg"));
                            write_file(&f, svg.as_bytes())?;
                            e.files.push(("svg", f));
                            e.svg = Some(svg);
                        }
                        Err(err) => e.error = Some(format!("picture: {err}")),
                    }
                    e.legality = Some(r.legality);
                }
                Err(err) => {
                    failures += 1;
                    eprintln!("chipfloor: error: {name} {m}: {err}");
                    e.error = Some(err.to_string());
                }
            }
            entries.push(e);
        }
        designs.push(Design { name, netlist: np, plc: pp, params, counts: nl.counts(), entries });
    }

    let meta = Meta {
        seed: args.seed,
        time_budget: args.time_budget,
        methods: methods.clone(),
        fd,
        cd: args.cd,
        weights: weights.clone(),
    };
    let json_path = args.out.join("report.json");
    let md_path = args.out.join("report.md");
    let html_path = args.out.join("report.html");
    let doc = report_json(&meta, &designs, &args.out);
    let text = serde_json::to_string_pretty(&doc).map_err(Failure::other)?;
    write_file(&json_path, format!("{text}\n").as_bytes())?;
    write_file(&md_path, report_md(&meta, &designs, &args.out).as_bytes())?;
    write_file(&html_path, report_html(&meta, &designs, &args.out).as_bytes())?;

    text_summary(out, &meta, &designs);
    outln!(
        out,
        "wrote    {} ({}, {})",
        html_path.display(),
        md_path.display(),
        json_path.display()
    );
    if failures > 0 {
        return Err(Failure::other(anyhow::anyhow!(
            "{failures} method run(s) failed (see the reports)"
        )));
    }
    Ok(())
}

/// Settings shared by every design of a report.
struct Meta {
    seed: u64,
    time_budget: Option<f64>,
    methods: Vec<Method>,
    fd: bool,
    cd: bool,
    weights: Vec<CostWeights>,
}

impl Meta {
    fn line(&self) -> String {
        format!(
            "chipfloor {} · seed {} · time budget {} per method · methods {} · force-directed soft macros {} · coordinate descent {}",
            placer::output::VERSION,
            self.seed,
            self.time_budget.map_or("none".into(), |b| format!("{b} s")),
            self.methods.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", "),
            if self.fd { "on" } else { "off" },
            if self.cd { "on" } else { "off" },
        )
    }
}

fn rel(path: &Path, base: &Path) -> String {
    path.strip_prefix(base).unwrap_or(path).display().to_string()
}

fn report_json(meta: &Meta, designs: &[Design], base: &Path) -> Value {
    let ds: Vec<Value> = designs
        .iter()
        .map(|d| {
            let best = d.best();
            let entries: Vec<Value> = d
                .entries
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let mut m = serde_json::Map::new();
                    m.insert("label".into(), json!(e.label));
                    m.insert("method".into(), json!(e.label));
                    if let Some(c) = &e.costs {
                        m.extend(costs_json(c, &meta.weights));
                    }
                    m.insert(
                        "legality".into(),
                        e.legality.as_ref().map_or(Value::Null, legality_json),
                    );
                    m.insert("runtime_s".into(), json!(e.runtime_s));
                    m.insert("stages".into(), stages_json(&e.stages));
                    m.insert("best".into(), json!(best == Some(i)));
                    m.insert("error".into(), json!(e.error));
                    let files: serde_json::Map<String, Value> =
                        e.files.iter().map(|(k, p)| (k.to_string(), json!(rel(p, base)))).collect();
                    m.insert("files".into(), Value::Object(files));
                    Value::Object(m)
                })
                .collect();
            json!({
                "name": d.name,
                "netlist": d.netlist,
                "plc": d.plc,
                "params": params_json(&d.params),
                "counts": {
                    "ports": d.counts.ports,
                    "hard_macros": d.counts.hard_macros,
                    "soft_macros": d.counts.soft_macros,
                },
                "best": best.map(|i| d.entries[i].label.clone()),
                "entries": entries,
            })
        })
        .collect();
    json!({
        "chipfloor_version": placer::output::VERSION,
        "seed": meta.seed,
        "time_budget_s": meta.time_budget,
        "methods": meta.methods.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
        "fd": meta.fd,
        "cd": meta.cd,
        "weights": meta.weights.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        "designs": ds,
    })
}

/// Column headers of the tables (after `method`).
fn columns(meta: &Meta) -> Vec<String> {
    let mut c: Vec<String> = ["wirelength_cost", "density_cost", "congestion_cost", "hpwl_um"]
        .map(String::from)
        .to_vec();
    c.extend(meta.weights.iter().map(|w| w.to_string()));
    c.push("legal".into());
    c.push("runtime_s".into());
    c
}

/// Cell texts of an entry, matching [`columns`].
fn cells(meta: &Meta, e: &Entry) -> Vec<(String, Option<f64>)> {
    let num = |v: f64, p: usize| (format!("{v:.p$}"), Some(v));
    let mut v = Vec::new();
    match &e.costs {
        Some(c) => {
            v.push(num(c.wirelength_cost, 6));
            v.push(num(c.density_cost, 6));
            v.push(num(c.congestion_cost, 6));
            v.push(num(c.hpwl, 1));
            for w in &meta.weights {
                v.push(num(c.proxy(*w), 6));
            }
        }
        None => {
            for _ in 0..4 + meta.weights.len() {
                v.push(("–".into(), None));
            }
        }
    }
    v.push(match &e.legality {
        Some(l) if l.is_legal() => ("yes".into(), Some(1.0)),
        Some(l) => (
            format!(
                "NO ({} overlaps, {} outside)",
                l.hard_macro_overlap_pairs, l.hard_macros_outside_canvas
            ),
            Some(0.0),
        ),
        None => ("–".into(), None),
    });
    v.push(match e.runtime_s {
        Some(r) => num(r, 2),
        None => ("–".into(), None),
    });
    v
}

fn text_summary(out: &mut String, meta: &Meta, designs: &[Design]) {
    let w = CostWeights::GOOGLE_INTERNAL;
    let c = CostWeights::CT_DEFAULT;
    outln!(out, "{}", meta.line());
    for d in designs {
        let best = d.best();
        outln!(out, "\n{}  ({})", d.name, d.netlist.display());
        outln!(out, "params {}", d.params);
        outln!(
            out,
            "  {:<10} {:>15} {:>12} {:>15} {:>13} {:>29} {:>27} {:>6} {:>9}",
            "method",
            "wirelength_cost",
            "density_cost",
            "congestion_cost",
            "hpwl_um",
            w.to_string(),
            c.to_string(),
            "legal",
            "runtime_s"
        );
        for (i, e) in d.entries.iter().enumerate() {
            let mark = if best == Some(i) { "*" } else { " " };
            match (&e.costs, &e.error) {
                (Some(k), _) => outln!(
                    out,
                    "{mark} {:<10} {:>15.6} {:>12.6} {:>15.6} {:>13.1} {:>29.6} {:>27.6} {:>6} {:>9.2}",
                    e.label,
                    k.wirelength_cost,
                    k.density_cost,
                    k.congestion_cost,
                    k.hpwl,
                    k.proxy(w),
                    k.proxy(c),
                    if e.legal() { "yes" } else { "NO" },
                    e.runtime_s.unwrap_or(f64::NAN)
                ),
                (None, Some(err)) => outln!(out, "{mark} {:<10} error: {err}", e.label),
                (None, None) => outln!(out, "{mark} {:<10} -", e.label),
            }
        }
    }
    outln!(out, "\n* best legal entry by proxy[wl=1,den=0.5,cong=0.5]");
}

fn report_md(meta: &Meta, designs: &[Design], base: &Path) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# chipfloor compare\n\n{}\n", meta.line());
    let _ = writeln!(
        o,
        "Costs per `PROXY_COST.md` §11: the three components, HPWL, and the proxy at explicit \
         weights. **Bold**: the best legal entry of each design by `proxy[wl=1,den=0.5,cong=0.5]`.\n"
    );
    let cols = columns(meta);
    for d in designs {
        let best = d.best();
        let _ = writeln!(o, "## {}\n", d.name);
        let _ = writeln!(
            o,
            "netlist `{}`{} · {} ports, {} hard macros, {} soft macros\n",
            d.netlist.display(),
            d.plc.as_ref().map_or(String::new(), |p| format!(" · reference `{}`", p.display())),
            d.counts.ports,
            d.counts.hard_macros,
            d.counts.soft_macros
        );
        let _ = writeln!(o, "params `{}`\n", d.params);
        let _ = writeln!(o, "| method | {} |", cols.join(" | "));
        let _ = writeln!(o, "|---|{}", "---:|".repeat(cols.len()));
        for (i, e) in d.entries.iter().enumerate() {
            let b = best == Some(i);
            let cell = |s: &str| if b { format!("**{s}**") } else { s.to_string() };
            let mut row: Vec<String> = vec![cell(&e.label)];
            row.extend(cells(meta, e).iter().map(|(s, _)| cell(s)));
            let _ = writeln!(o, "| {} |", row.join(" | "));
            if let Some(err) = &e.error {
                let _ = writeln!(o, "\n> {}: {}\n", e.label, err.replace('\n', " "));
            }
        }
        let _ = writeln!(o);
        let pics: Vec<String> = d
            .entries
            .iter()
            .filter_map(|e| {
                e.files
                    .iter()
                    .find(|(k, _)| *k == "svg")
                    .map(|(_, p)| format!("![{}]({})", e.label, rel(p, base)))
            })
            .collect();
        if !pics.is_empty() {
            let _ = writeln!(o, "{}\n", pics.join(" "));
        }
    }
    o
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const STYLE: &str = r#"
:root { --ink:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#f6f8fa; --best:#dafbe1; --bad:#cf222e; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; color: var(--ink); background: #fff; }
header { padding: 20px 32px 12px; border-bottom: 1px solid var(--line); background: var(--bg); }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 2px 0; color: var(--muted); }
main { padding: 8px 32px 40px; }
section { margin-top: 28px; }
h2 { font-size: 18px; margin: 0 0 4px; }
.meta { color: var(--muted); margin: 2px 0; font-size: 13px; }
code, .mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
table { border-collapse: collapse; margin: 12px 0 16px; font-size: 13px; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { background: var(--bg); font-weight: 600; cursor: pointer; user-select: none; position: sticky; top: 0; }
th::after { content: " \2195"; color: #aab; font-weight: 400; }
th[data-dir="asc"]::after { content: " \25B2"; color: var(--ink); }
th[data-dir="desc"]::after { content: " \25BC"; color: var(--ink); }
td { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
tr.best td { background: var(--best); font-weight: 600; }
tr:hover td { background: #eef4ff; }
td.bad { color: var(--bad); font-weight: 600; }
.badge { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 9px; background: #1a7f37; color: #fff; font-size: 11px; font-family: sans-serif; }
.err { color: var(--bad); font-size: 12.5px; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 16px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; background: #fff; }
figure.best { border-color: #1a7f37; box-shadow: 0 0 0 2px #1a7f3744; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 12.5px; color: var(--muted); padding-top: 6px; }
figcaption a { color: #0969da; text-decoration: none; }
footer { padding: 16px 32px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); }
"#;

const SCRIPT: &str = r#"
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, i) {
    th.addEventListener('click', function () {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var asc = th.getAttribute('data-dir') !== 'asc';
      table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('data-dir'); });
      th.setAttribute('data-dir', asc ? 'asc' : 'desc');
      rows.sort(function (a, b) {
        var x = a.cells[i].getAttribute('data-v'), y = b.cells[i].getAttribute('data-v');
        var c;
        if (x !== null && y !== null) { c = parseFloat(x) - parseFloat(y); }
        else if (x !== null) { c = -1; } else if (y !== null) { c = 1; }
        else { c = a.cells[i].textContent.localeCompare(b.cells[i].textContent); }
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"#;

fn report_html(meta: &Meta, designs: &[Design], base: &Path) -> String {
    let mut o = String::with_capacity(1 << 20);
    let _ = writeln!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>chipfloor compare: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        html_escape(&designs.iter().map(|d| d.name.as_str()).collect::<Vec<_>>().join(", "))
    );
    let _ = writeln!(
        o,
        "<header><h1>chipfloor compare</h1><p>{}</p><p>Costs per PROXY_COST.md §11: the three components, HPWL, and the proxy at explicit weights. Highlighted: the best legal entry of each design by <code>proxy[wl=1,den=0.5,cong=0.5]</code>. Click a column to sort.</p></header>\n<main>",
        html_escape(&meta.line())
    );
    let cols = columns(meta);
    for d in designs {
        let best = d.best();
        let _ = writeln!(o, "<section>\n<h2>{}</h2>", html_escape(&d.name));
        let _ = writeln!(
            o,
            "<p class=\"meta\">netlist <code>{}</code>{} · {} ports, {} hard macros, {} soft macros</p>",
            html_escape(&d.netlist.display().to_string()),
            d.plc.as_ref().map_or(String::new(), |p| format!(
                " · reference <code>{}</code>",
                html_escape(&p.display().to_string())
            )),
            d.counts.ports,
            d.counts.hard_macros,
            d.counts.soft_macros
        );
        let _ =
            writeln!(o, "<p class=\"meta mono\">params {}</p>", html_escape(&d.params.to_string()));
        let _ = writeln!(o, "<table class=\"sortable\">\n<thead><tr><th>method</th>");
        for c in &cols {
            let _ = write!(o, "<th>{}</th>", html_escape(c));
        }
        let _ = writeln!(o, "</tr></thead>\n<tbody>");
        for (i, e) in d.entries.iter().enumerate() {
            let b = best == Some(i);
            let _ = write!(
                o,
                "<tr{}><td>{}{}</td>",
                if b { " class=\"best\"" } else { "" },
                html_escape(&e.label),
                if b { "<span class=\"badge\">best</span>" } else { "" }
            );
            let cs = cells(meta, e);
            let last_legal = cs.len() - 2;
            for (k, (s, v)) in cs.iter().enumerate() {
                let bad = k == last_legal && v == &Some(0.0);
                let _ = write!(
                    o,
                    "<td{}{}>{}</td>",
                    v.map_or(String::new(), |v| format!(" data-v=\"{v}\"")),
                    if bad { " class=\"bad\"" } else { "" },
                    html_escape(s)
                );
            }
            let _ = writeln!(o, "</tr>");
        }
        let _ = writeln!(o, "</tbody>\n</table>");
        for e in d.entries.iter().filter(|e| e.error.is_some()) {
            let _ = writeln!(
                o,
                "<p class=\"err\">{}: {}</p>",
                html_escape(&e.label),
                html_escape(e.error.as_deref().unwrap_or(""))
            );
        }
        let _ = writeln!(o, "<div class=\"gallery\">");
        for (i, e) in d.entries.iter().enumerate() {
            let Some(svg) = &e.svg else { continue };
            let cap = match &e.costs {
                Some(c) => format!(
                    "{} · {} {:.6} · {} {:.6} · {}",
                    e.label,
                    CostWeights::GOOGLE_INTERNAL,
                    c.proxy(CostWeights::GOOGLE_INTERNAL),
                    CostWeights::CT_DEFAULT,
                    c.proxy(CostWeights::CT_DEFAULT),
                    if e.legal() { "legal" } else { "ILLEGAL" }
                ),
                None => e.label.clone(),
            };
            let links: Vec<String> = e
                .files
                .iter()
                .filter(|(_, p)| p.starts_with(base))
                .map(|(k, p)| format!(" · <a href=\"{}\">{k}</a>", html_escape(&rel(p, base))))
                .collect();
            let _ = writeln!(
                o,
                "<figure{}>\n{}<figcaption>{}{}</figcaption>\n</figure>",
                if best == Some(i) { " class=\"best\"" } else { "" },
                svg.trim_end(),
                html_escape(&cap),
                links.join("")
            );
        }
        let _ = writeln!(o, "</div>\n</section>");
    }
    let _ = writeln!(
        o,
        "</main>\n<footer>Generated by chipfloor {}.</footer>\n<script>{SCRIPT}</script>\n</body>\n</html>",
        placer::output::VERSION
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn design_specs_split_on_the_plc_suffix() {
        assert_eq!(split_design("a.pb.txt"), (PathBuf::from("a.pb.txt"), None));
        assert_eq!(
            split_design("dir/a.pb.txt.gz:dir/x.plc"),
            (PathBuf::from("dir/a.pb.txt.gz"), Some(PathBuf::from("dir/x.plc")))
        );
        assert_eq!(split_design("c:weird.pb.txt"), (PathBuf::from("c:weird.pb.txt"), None));
    }
}
