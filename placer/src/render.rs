//! Pictures of placements: SVG ([`render_svg`]) and PNG ([`render_png`]), pure Rust.
//!
//! Both draw the same scene, built once in pixel coordinates (y pointing down, the chip's
//! y axis pointing up):
//!
//! - a title line (the caller's title and the legality verdict), the three cost components
//!   with HPWL and both standard proxies exactly as [`CostReport`] prints them
//!   (`PROXY_COST.md` §11), and the parameters on two lines;
//! - the canvas, an optional heat map of the per-cell density or congestion
//!   ([`CostModel::grids`]) under everything else, light grid lines;
//! - soft macros (translucent), hard macros (filled; red when they overlap another hard macro
//!   or leave the canvas, grey when fixed) with an orientation marker, ports (dots);
//! - a legend (and the heat map's colour scale).
//!
//! **Orientation marker.** A dot in the corner that the macro's lower-left corner (in its
//! `N` frame) maps to, and a bar from that corner along the edge that the `N` frame's bottom
//! edge maps to: `N` lower-left corner, bar along the bottom going right; `FN` lower-right,
//! going left; `S` upper-right, along the top going left; `FS` upper-left, going right; `E`
//! upper-left, down the left edge; `W` lower-right, up the right edge; `FE` upper-right, down
//! the right edge; `FW` lower-left, up the left edge. All eight are distinct.
//!
//! The PNG rasteriser is small and exact enough for reports: anti-aliased rectangles
//! (coverage by area), supersampled circles, `font8x8` bitmap text scaled to whole pixels.

use std::fmt::Write as _;

use netlists::{Netlist, NodeKind, Orientation, Placement};

use crate::cost::{CostError, CostGrids, CostModel, CostParams, CostReport};
use crate::legality::{check_with, LegalityOptions, LegalityReport};

/// Smallest picture side [`RenderOptions::size_px`] is raised to.
pub const MIN_SIZE_PX: u32 = 200;
/// Largest picture side [`RenderOptions::size_px`] is lowered to.
pub const MAX_SIZE_PX: u32 = 8192;
/// Heat maps with more cells per side than this are max-pooled down to it.
const MAX_HEAT_SIDE: usize = 256;

/// What the heat map under the macros shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Heatmap {
    /// No heat map.
    #[default]
    None,
    /// Cell density (§8): covered area over cell area.
    Density,
    /// Cell congestion `max(V, H)` after smoothing and macro allocation (§9).
    Congestion,
}

impl Heatmap {
    /// `none`, `density` or `congestion`.
    pub fn as_str(self) -> &'static str {
        match self {
            Heatmap::None => "none",
            Heatmap::Density => "density",
            Heatmap::Congestion => "congestion",
        }
    }

    /// Parses [`as_str`](Self::as_str)'s names.
    pub fn parse(s: &str) -> Option<Heatmap> {
        match s {
            "none" => Some(Heatmap::None),
            "density" => Some(Heatmap::Density),
            "congestion" => Some(Heatmap::Congestion),
            _ => None,
        }
    }
}

/// Options of [`render_svg`] and [`render_png`].
#[derive(Clone, Debug, PartialEq)]
pub struct RenderOptions {
    /// Heat map under the macros.
    pub heatmap: Heatmap,
    /// Side of the (square) picture in pixels, clamped to
    /// [`MIN_SIZE_PX`]..=[`MAX_SIZE_PX`].
    pub size_px: u32,
    /// First line of the picture (design, method, ...); `"placement"` when absent.
    pub title: Option<String>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions { heatmap: Heatmap::None, size_px: 1000, title: None }
    }
}

impl RenderOptions {
    /// The picture side actually used.
    pub fn side(&self) -> u32 {
        self.size_px.clamp(MIN_SIZE_PX, MAX_SIZE_PX)
    }
}

/// Why a picture could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenderError {
    /// The costs (and grids) could not be evaluated: bad parameters or a placement that does
    /// not cover the netlist.
    #[error(transparent)]
    Cost(#[from] CostError),
    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

/// The placement as an SVG document (`side × side` pixels, see [`RenderOptions::side`]).
pub fn render_svg(
    nl: &Netlist,
    pl: &Placement,
    params: &CostParams,
    opts: &RenderOptions,
) -> Result<String, RenderError> {
    Ok(scene(nl, pl, params, opts)?.svg())
}

/// The placement as a PNG image (8-bit RGB, `side × side` pixels, see
/// [`RenderOptions::side`]).
pub fn render_png(
    nl: &Netlist,
    pl: &Placement,
    params: &CostParams,
    opts: &RenderOptions,
) -> Result<Vec<u8>, RenderError> {
    scene(nl, pl, params, opts)?.png()
}

// ---------------------------------------------------------------------------------------------
// Scene

#[derive(Clone, Copy, Debug, PartialEq)]
struct Rgb(u8, u8, u8);

impl Rgb {
    fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// A colour with an opacity in `[0, 1]`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Paint(Rgb, f64);

const WHITE: Rgb = Rgb(255, 255, 255);
const INK: Rgb = Rgb(34, 34, 34);
const MUTED: Rgb = Rgb(85, 85, 85);
const CANVAS_BG: Rgb = Rgb(248, 248, 246);
const GRID: Rgb = Rgb(190, 190, 190);
const SOFT: Rgb = Rgb(88, 150, 210);
const SOFT_EDGE: Rgb = Rgb(45, 100, 160);
const HARD: Rgb = Rgb(44, 72, 128);
const HARD_EDGE: Rgb = Rgb(18, 30, 60);
const FIXED: Rgb = Rgb(105, 105, 105);
const BAD: Rgb = Rgb(214, 39, 40);
const BAD_EDGE: Rgb = Rgb(110, 0, 0);
const PORT: Rgb = Rgb(232, 125, 10);
const GOOD: Rgb = Rgb(30, 130, 60);

/// Sequential colour map (yellow → orange → red → dark red), `t` in `[0, 1]`.
fn heat_colour(t: f64) -> Rgb {
    const STOPS: [(f64, Rgb); 5] = [
        (0.0, Rgb(255, 255, 204)),
        (0.25, Rgb(254, 217, 118)),
        (0.5, Rgb(253, 141, 60)),
        (0.75, Rgb(227, 26, 28)),
        (1.0, Rgb(128, 0, 38)),
    ];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    for w in STOPS.windows(2) {
        let ((t0, a), (t1, b)) = (w[0], w[1]);
        if t <= t1 {
            let f = (t - t0) / (t1 - t0);
            let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * f).round() as u8;
            return Rgb(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2));
        }
    }
    STOPS[4].1
}

/// A drawing primitive in pixel coordinates.
#[derive(Clone, Debug)]
enum Prim {
    /// `[x0, x1] × [y0, y1]`, optional fill and stroke `(paint, width)`, optional tooltip.
    Rect {
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
        fill: Option<Paint>,
        stroke: Option<(Paint, f64)>,
        tip: Option<String>,
    },
    /// Filled circle.
    Circle { cx: f64, cy: f64, r: f64, fill: Paint, tip: Option<String> },
    /// One line of text; `(x, y)` is the top-left corner, `size` the character cell
    /// (advance and height) in pixels.
    Text { x: f64, y: f64, size: f64, text: String, colour: Rgb, bold: bool },
}

/// A built picture.
struct Scene {
    side: u32,
    prims: Vec<Prim>,
    desc: String,
}

fn rect(x0: f64, y0: f64, x1: f64, y1: f64, fill: Paint) -> Prim {
    Prim::Rect {
        x0: x0.min(x1),
        y0: y0.min(y1),
        x1: x0.max(x1),
        y1: y0.max(y1),
        fill: Some(fill),
        stroke: None,
        tip: None,
    }
}

fn text(x: f64, y: f64, size: f64, s: impl Into<String>, colour: Rgb) -> Prim {
    Prim::Text { x, y, size, text: s.into(), colour, bold: false }
}

/// The corner (signs) and the edge direction of the orientation marker.
fn marker(o: Orientation) -> ((f64, f64), (f64, f64)) {
    let (cx, cy) = o.transform(-1.0, -1.0);
    let (dx, dy) = o.transform(1.0, 0.0);
    ((cx.signum(), cy.signum()), (dx, dy))
}

fn legality_line(leg: &LegalityReport) -> (String, Rgb) {
    let mut s = if leg.is_legal() {
        "LEGAL".to_string()
    } else {
        format!(
            "ILLEGAL: {} overlapping hard-macro pairs, {} hard macros outside",
            leg.hard_macro_overlap_pairs, leg.hard_macros_outside_canvas
        )
    };
    if leg.soft_macros_outside_canvas > 0 {
        let _ = write!(s, " ({} soft macros past the edge)", leg.soft_macros_outside_canvas);
    }
    (s, if leg.is_legal() { GOOD } else { BAD })
}

/// Heat values (max-pooled to at most [`MAX_HEAT_SIDE`] per side): `(cols, rows, values)`.
fn heat_values(g: &CostGrids, which: Heatmap) -> Option<(usize, usize, Vec<f64>)> {
    let v = match which {
        Heatmap::None => return None,
        Heatmap::Density => g.density.clone(),
        Heatmap::Congestion => g.congestion(),
    };
    let f = g.cols.max(g.rows).div_ceil(MAX_HEAT_SIDE).max(1);
    if f == 1 {
        return Some((g.cols, g.rows, v));
    }
    let (c2, r2) = (g.cols.div_ceil(f), g.rows.div_ceil(f));
    let mut out = vec![0.0f64; c2 * r2];
    for r in 0..g.rows {
        for c in 0..g.cols {
            let o = &mut out[(r / f) * c2 + c / f];
            *o = o.max(v[r * g.cols + c]);
        }
    }
    Some((c2, r2, out))
}

fn scene(
    nl: &Netlist,
    pl: &Placement,
    params: &CostParams,
    opts: &RenderOptions,
) -> Result<Scene, RenderError> {
    let model = CostModel::new(nl, params)?;
    let grids = model.grids(pl)?;
    let costs = grids.costs;
    let (cw, ch) = (params.canvas_width, params.canvas_height);
    let leg = check_with(
        nl,
        pl,
        cw,
        ch,
        &LegalityOptions { square_soft_macros: params.square_soft_macros, ..Default::default() },
    );
    let side = opts.side();
    let size = side as f64;
    let margin = (size * 0.025).max(8.0).round();
    let avail = size - 2.0 * margin;
    let mut prims = vec![rect(0.0, 0.0, size, size, Paint(WHITE, 1.0))];

    // Text block.
    let report = CostReport::new(&costs, params).to_string();
    let mut rl = report.lines();
    let l_costs = rl.next().unwrap_or_default().to_string();
    let l_proxy = rl.next().unwrap_or_default().to_string();
    let p = params;
    let l_par1 = format!(
        "canvas {}x{} um  grid {}x{}  routes_h/v {}/{}",
        p.canvas_width, p.canvas_height, p.cols, p.rows, p.hroutes_per_micron, p.vroutes_per_micron
    );
    let l_par2 = format!(
        "alloc_h/v {}/{}  smoothing {}  oob {}  square_soft_macros {}",
        p.hrouting_alloc, p.vrouting_alloc, p.smooth_range, p.oob, p.square_soft_macros
    );
    let title = opts.title.clone().unwrap_or_else(|| "placement".into());
    let (verdict, verdict_colour) = legality_line(&leg);
    let body = [&l_costs, &l_proxy, &l_par1, &l_par2];
    let chars = body.iter().map(|l| l.chars().count()).chain([verdict.chars().count()]).max();
    let chars = chars.unwrap_or(1).max(1) as f64;
    let ts = (avail / chars).floor().clamp(5.0, 16.0);
    // The verdict goes beside the title when both fit, else on a line of its own.
    let title_chars = title.chars().count() as f64;
    let verdict_chars = verdict.chars().count() as f64;
    let tts = (avail / title_chars.max(1.0)).floor().clamp(ts, (ts * 1.5).round());
    let beside = (title_chars + 2.0) * tts + verdict_chars * ts <= avail;
    let mut y = margin;
    prims.push(Prim::Text {
        x: margin,
        y,
        size: tts,
        text: title.clone(),
        colour: INK,
        bold: true,
    });
    if beside {
        let vx = margin + (title_chars + 2.0) * tts;
        prims.push(text(vx, y + (tts - ts).max(0.0), ts, verdict.clone(), verdict_colour));
        y += tts + ts * 0.7;
    } else {
        y += tts + ts * 0.5;
        prims.push(text(margin, y, ts, verdict.clone(), verdict_colour));
        y += ts * 1.5;
    }
    for (i, l) in body.iter().enumerate() {
        prims.push(text(margin, y, ts, l.as_str(), if i < 2 { INK } else { MUTED }));
        y += ts * 1.35;
    }
    let top = y + ts * 0.4;
    let legend_h = ts * 2.2;
    let bottom = size - margin - legend_h;

    // World box: the canvas and everything drawn, so that macros off the canvas stay
    // visible; capped at half a canvas beyond each edge (anything further is clipped).
    let footprint = |i: usize| -> Option<(f64, f64)> {
        let (w, h) = (nl.width[i], nl.height[i]);
        match nl.kinds[i] {
            NodeKind::HardMacro => Some((w, h)),
            NodeKind::SoftMacro if p.square_soft_macros => Some(((w * h).sqrt(), (w * h).sqrt())),
            NodeKind::SoftMacro => Some((w, h)),
            NodeKind::Port => Some((0.0, 0.0)),
            _ => None,
        }
    };
    let (mut wx0, mut wy0, mut wx1, mut wy1) = (0.0f64, 0.0f64, cw, ch);
    for i in 0..nl.len() {
        if let Some((w, h)) = footprint(i) {
            let (x, y) = (pl.x[i], pl.y[i]);
            if x.is_finite() && y.is_finite() && w.is_finite() && h.is_finite() {
                wx0 = wx0.min(x - w / 2.0);
                wx1 = wx1.max(x + w / 2.0);
                wy0 = wy0.min(y - h / 2.0);
                wy1 = wy1.max(y + h / 2.0);
            }
        }
    }
    let (wx0, wx1) = (wx0.max(-0.5 * cw), wx1.min(1.5 * cw));
    let (wy0, wy1) = (wy0.max(-0.5 * ch), wy1.min(1.5 * ch));
    let (aw, ah) = (avail, (bottom - top).max(10.0));
    let scale = (aw / (wx1 - wx0)).min(ah / (wy1 - wy0));
    let wox = margin + (aw - (wx1 - wx0) * scale) / 2.0;
    let woy = top + (ah - (wy1 - wy0) * scale) / 2.0;
    let px = |x: f64| wox + (x - wx0) * scale;
    let py = |y: f64| woy + (wy1 - y) * scale;
    let (ox, oy) = (px(0.0), py(ch));
    let (pw, ph) = (cw * scale, ch * scale);
    let (kx0, ky0, kx1, ky1) = (px(wx0), py(wy1), px(wx1), py(wy0));
    // A rectangle clipped to the world box, and whether it was clipped.
    let clip = |x0: f64, y0: f64, x1: f64, y1: f64| -> Option<(f64, f64, f64, f64, bool)> {
        let c = (x0.max(kx0), y0.max(ky0), x1.min(kx1), y1.min(ky1));
        (c.0 < c.2 && c.1 < c.3).then_some((c.0, c.1, c.2, c.3, c != (x0, y0, x1, y1)))
    };
    prims.push(rect(ox, oy, ox + pw, oy + ph, Paint(CANVAS_BG, 1.0)));

    // Heat map.
    let heat = heat_values(&grids, opts.heatmap);
    let mut heat_max = 0.0f64;
    if let Some((hc, hr, vals)) = &heat {
        heat_max = vals.iter().copied().filter(|v| v.is_finite()).fold(0.0, f64::max);
        let norm = if heat_max > 0.0 { heat_max } else { 1.0 };
        let (gw, gh) = (cw / *hc as f64, ch / *hr as f64);
        for r in 0..*hr {
            for c in 0..*hc {
                let v = vals[r * hc + c];
                if v > 0.0 && v.is_finite() {
                    prims.push(rect(
                        px(c as f64 * gw),
                        py((r + 1) as f64 * gh),
                        px((c + 1) as f64 * gw),
                        py(r as f64 * gh),
                        Paint(heat_colour(v / norm), 0.85),
                    ));
                }
            }
        }
    }

    // Grid lines (skipped when cells are under 3 px).
    let (cgw, cgh) = (pw / p.cols as f64, ph / p.rows as f64);
    if cgw >= 3.0 && cgh >= 3.0 {
        let lw = 1.0;
        let paint = Paint(GRID, if heat.is_some() { 0.55 } else { 0.8 });
        for c in 1..p.cols {
            let x = ox + c as f64 * cgw;
            prims.push(rect(x - lw / 2.0, oy, x + lw / 2.0, oy + ph, paint));
        }
        for r in 1..p.rows {
            let y = oy + r as f64 * cgh;
            prims.push(rect(ox, y - lw / 2.0, ox + pw, y + lw / 2.0, paint));
        }
    }

    // Macros: soft first (under), then hard.
    let mut bad = vec![false; nl.len()];
    for &(a, b, _) in &leg.overlapping {
        bad[a.index()] = true;
        bad[b.index()] = true;
    }
    for &o in &leg.outside {
        if nl.kinds[o.index()] == NodeKind::HardMacro {
            bad[o.index()] = true;
        }
    }
    let finite = |i: usize| pl.x[i].is_finite() && pl.y[i].is_finite();
    let soft_fill = if heat.is_some() { 0.10 } else { 0.16 };
    for id in nl.ids() {
        let i = id.index();
        if nl.kinds[i] != NodeKind::SoftMacro || !finite(i) {
            continue;
        }
        let (mut w, mut h) = (nl.width[i], nl.height[i]);
        if p.square_soft_macros {
            let s = (w * h).sqrt();
            (w, h) = (s, s);
        }
        let (x, y) = (pl.x[i], pl.y[i]);
        let Some((x0, y0, x1, y1, _)) =
            clip(px(x - w / 2.0), py(y + h / 2.0), px(x + w / 2.0), py(y - h / 2.0))
        else {
            continue;
        };
        prims.push(Prim::Rect {
            x0,
            y0,
            x1,
            y1,
            fill: Some(Paint(SOFT, soft_fill)),
            stroke: Some((Paint(SOFT_EDGE, 0.45), 0.6)),
            tip: Some(format!("{} (soft macro, {} x {} um)", nl.names[i], w, h)),
        });
    }
    let mut any_fixed = false;
    let hard_alpha = if heat.is_some() { 0.8 } else { 0.92 };
    for id in nl.ids() {
        let i = id.index();
        if nl.kinds[i] != NodeKind::HardMacro || !finite(i) {
            continue;
        }
        let (w, h) = (nl.width[i], nl.height[i]);
        let (x, y) = (pl.x[i], pl.y[i]);
        let o = pl.orientation[i];
        let fixed = pl.fixed.get(i).copied().unwrap_or(false);
        any_fixed |= fixed;
        let (fill, edge) = if bad[i] {
            (Paint(BAD, 0.85), BAD_EDGE)
        } else if fixed {
            (Paint(FIXED, 0.92), HARD_EDGE)
        } else {
            (Paint(HARD, hard_alpha), HARD_EDGE)
        };
        let Some((x0, y0, x1, y1, clipped)) =
            clip(px(x - w / 2.0), py(y + h / 2.0), px(x + w / 2.0), py(y - h / 2.0))
        else {
            continue;
        };
        let mut tip = format!("{} ({}, {} x {} um at {}, {})", nl.names[i], o.as_str(), w, h, x, y);
        if fixed {
            tip.push_str(", fixed");
        }
        if bad[i] {
            tip.push_str(", ILLEGAL");
        }
        prims.push(Prim::Rect {
            x0,
            y0,
            x1,
            y1,
            fill: Some(fill),
            stroke: Some((Paint(edge, 1.0), 0.8)),
            tip: Some(tip),
        });
        // Orientation marker.
        let m = (x1 - x0).min(y1 - y0);
        if m >= 5.0 && !clipped {
            let ((sx, sy), (dx, dy)) = marker(o);
            let r = (m * 0.09).clamp(1.0, 4.0);
            let th = (m * 0.06).clamp(1.0, 3.0);
            // Corner in pixels (pixel y grows downwards).
            let kx = if sx < 0.0 { x0 } else { x1 };
            let ky = if sy < 0.0 { y1 } else { y0 };
            let inx = -sx; // towards the inside, in pixels
            let iny = sy;
            let inset = th + 0.5;
            let paint = Paint(WHITE, 0.9);
            prims.push(Prim::Circle {
                cx: kx + inx * (inset + r + 0.5),
                cy: ky + iny * (inset + r + 0.5),
                r,
                fill: paint,
                tip: None,
            });
            let (bx, by) = (kx + inx * inset, ky + iny * inset);
            if dy == 0.0 {
                let len = (x1 - x0) * 0.4;
                prims.push(rect(bx, by, bx + dx * len, by + iny * th, paint));
            } else {
                let len = (y1 - y0) * 0.4;
                prims.push(rect(bx, by, bx + inx * th, by - dy * len, paint));
            }
        }
    }
    // Ports.
    let pr = (size / 350.0).clamp(1.2, 3.5);
    for id in nl.ids() {
        let i = id.index();
        let (cx, cy) = (px(pl.x[i]), py(pl.y[i]));
        if nl.kinds[i] == NodeKind::Port
            && finite(i)
            && (kx0..=kx1).contains(&cx)
            && (ky0..=ky1).contains(&cy)
        {
            prims.push(Prim::Circle {
                cx,
                cy,
                r: pr,
                fill: Paint(PORT, 0.95),
                tip: Some(format!("{} (port at {}, {})", nl.names[i], pl.x[i], pl.y[i])),
            });
        }
    }
    // Canvas outline.
    prims.push(Prim::Rect {
        x0: ox,
        y0: oy,
        x1: ox + pw,
        y1: oy + ph,
        fill: None,
        stroke: Some((Paint(INK, 1.0), 1.5)),
        tip: None,
    });

    // Legend, on one line (its text shrinks to fit).
    let mut items: Vec<(Option<(Paint, Rgb)>, &str)> =
        vec![(Some((Paint(HARD, 0.92), HARD_EDGE)), "hard macro (dot+bar: orientation)")];
    if any_fixed {
        items.push((Some((Paint(FIXED, 0.92), HARD_EDGE)), "fixed"));
    }
    items.push((Some((Paint(BAD, 0.85), BAD_EDGE)), "overlap/outside"));
    items.push((Some((Paint(SOFT, 0.3), SOFT_EDGE)), "soft macro"));
    items.push((None, "port"));
    let heat_label = match opts.heatmap {
        Heatmap::Density => "density",
        _ => "congestion max(V,H)",
    };
    let heat_hi = format!("{heat_max:.3}");
    // Width in units of the text size: swatch 1.2, gap 0.5, label, gap 1.5.
    let mut units: f64 = items.iter().map(|(_, l)| l.chars().count() as f64 + 3.2).sum();
    if heat.is_some() {
        units += heat_label.len() as f64 + 2.0 + 8.5 + heat_hi.len() as f64;
    }
    let lts = (avail / units).floor().clamp(5.0, ts);
    let sw = lts * 1.2;
    let ly = size - margin - sw;
    let mut lx = margin;
    for (swatch, label) in items {
        prims.push(match swatch {
            Some((fill, edge)) => Prim::Rect {
                x0: lx,
                y0: ly,
                x1: lx + sw,
                y1: ly + sw,
                fill: Some(fill),
                stroke: Some((Paint(edge, 1.0), 0.8)),
                tip: None,
            },
            None => Prim::Circle {
                cx: lx + sw / 2.0,
                cy: ly + sw / 2.0,
                r: pr.max(2.0),
                fill: Paint(PORT, 0.95),
                tip: None,
            },
        });
        prims.push(text(lx + sw + lts * 0.5, ly + (sw - lts) / 2.0, lts, label, MUTED));
        lx += sw + lts * (label.chars().count() as f64 + 2.0);
    }
    if heat.is_some() {
        prims.push(text(lx, ly + (sw - lts) / 2.0, lts, format!("{heat_label} 0"), MUTED));
        lx += lts * (heat_label.len() as f64 + 2.5);
        let steps = 24;
        let bw = lts * 8.0 / steps as f64;
        for k in 0..steps {
            let t = (k as f64 + 0.5) / steps as f64;
            let x = lx + k as f64 * bw;
            prims.push(rect(x, ly, x + bw + 0.01, ly + sw, Paint(heat_colour(t), 0.85)));
        }
        lx += lts * 8.5;
        prims.push(text(lx, ly + (sw - lts) / 2.0, lts, heat_hi, MUTED));
    }

    let desc = format!("{title} - {verdict}\n{l_costs}\n{l_proxy}\n{l_par1}\n{l_par2}");
    Ok(Scene { side, prims, desc })
}

// ---------------------------------------------------------------------------------------------
// SVG

/// Escapes text for XML content and attribute values.
fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // Characters XML 1.0 forbids.
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// A coordinate with two decimals, finite (non-finite values become 0).
fn num(v: f64) -> String {
    let v = if v.is_finite() { v.clamp(-1e9, 1e9) } else { 0.0 };
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".into()
    } else {
        s.to_string()
    }
}

fn opacity(a: f64) -> String {
    format!("{:.3}", a.clamp(0.0, 1.0)).trim_end_matches('0').trim_end_matches('.').to_string()
}

impl Scene {
    fn svg(&self) -> String {
        let n = self.side;
        let mut o = String::with_capacity(200 * self.prims.len() + 1024);
        let _ = writeln!(
            o,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{n}" height="{n}" viewBox="0 0 {n} {n}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace">"#
        );
        let _ = writeln!(o, "<desc>{}</desc>", xml_escape(&self.desc));
        for p in &self.prims {
            match p {
                Prim::Rect { x0, y0, x1, y1, fill, stroke, tip } => {
                    let _ = write!(
                        o,
                        r#"<rect x="{}" y="{}" width="{}" height="{}""#,
                        num(*x0),
                        num(*y0),
                        num(x1 - x0),
                        num(y1 - y0)
                    );
                    match fill {
                        Some(Paint(c, a)) => {
                            let _ = write!(o, r#" fill="{}""#, c.hex());
                            if *a < 1.0 {
                                let _ = write!(o, r#" fill-opacity="{}""#, opacity(*a));
                            }
                        }
                        None => o.push_str(r#" fill="none""#),
                    }
                    if let Some((Paint(c, a), w)) = stroke {
                        let _ = write!(o, r#" stroke="{}" stroke-width="{}""#, c.hex(), num(*w));
                        if *a < 1.0 {
                            let _ = write!(o, r#" stroke-opacity="{}""#, opacity(*a));
                        }
                    }
                    match tip {
                        Some(t) => {
                            let _ = writeln!(o, "><title>{}</title></rect>", xml_escape(t));
                        }
                        None => o.push_str("/>\n"),
                    }
                }
                Prim::Circle { cx, cy, r, fill: Paint(c, a), tip } => {
                    let _ = write!(
                        o,
                        r#"<circle cx="{}" cy="{}" r="{}" fill="{}""#,
                        num(*cx),
                        num(*cy),
                        num(*r),
                        c.hex()
                    );
                    if *a < 1.0 {
                        let _ = write!(o, r#" fill-opacity="{}""#, opacity(*a));
                    }
                    match tip {
                        Some(t) => {
                            let _ = writeln!(o, "><title>{}</title></circle>", xml_escape(t));
                        }
                        None => o.push_str("/>\n"),
                    }
                }
                Prim::Text { x, y, size, text, colour, bold } => {
                    let len = text.chars().count() as f64 * size;
                    let _ = writeln!(
                        o,
                        r#"<text x="{}" y="{}" font-size="{}" fill="{}"{} textLength="{}" lengthAdjust="spacing" xml:space="preserve">{}</text>"#,
                        num(*x),
                        num(y + size * 0.85),
                        num(size * 1.2),
                        colour.hex(),
                        if *bold { r#" font-weight="bold""# } else { "" },
                        num(len.max(1.0)),
                        xml_escape(text)
                    );
                }
            }
        }
        o.push_str("</svg>\n");
        o
    }

    fn png(&self) -> Result<Vec<u8>, RenderError> {
        let mut r = Raster::new(self.side as usize);
        for p in &self.prims {
            match p {
                Prim::Rect { x0, y0, x1, y1, fill, stroke, .. } => {
                    if let Some(Paint(c, a)) = fill {
                        r.fill_rect(*x0, *y0, *x1, *y1, *c, *a);
                    }
                    if let Some((Paint(c, a), w)) = stroke {
                        let h = w / 2.0;
                        r.fill_rect(x0 - h, y0 - h, x1 + h, y0 + h, *c, *a);
                        r.fill_rect(x0 - h, y1 - h, x1 + h, y1 + h, *c, *a);
                        if y1 - y0 > 2.0 * h {
                            r.fill_rect(x0 - h, y0 + h, x0 + h, y1 - h, *c, *a);
                            r.fill_rect(x1 - h, y0 + h, x1 + h, y1 - h, *c, *a);
                        }
                    }
                }
                Prim::Circle { cx, cy, r: rad, fill: Paint(c, a), .. } => {
                    r.fill_circle(*cx, *cy, *rad, *c, *a);
                }
                Prim::Text { x, y, size, text, colour, bold } => {
                    r.text(*x, *y, *size, text, *colour);
                    if *bold {
                        r.text(*x + (size / 12.0).max(1.0).round(), *y, *size, text, *colour);
                    }
                }
            }
        }
        r.encode()
    }
}

// ---------------------------------------------------------------------------------------------
// Raster

/// A square RGB canvas with "over" compositing.
struct Raster {
    n: usize,
    px: Vec<[f32; 3]>,
}

impl Raster {
    fn new(n: usize) -> Raster {
        Raster { n, px: vec![[1.0; 3]; n * n] }
    }

    #[inline]
    fn blend(&mut self, x: usize, y: usize, c: Rgb, a: f32) {
        let p = &mut self.px[y * self.n + x];
        let src = [c.0 as f32 / 255.0, c.1 as f32 / 255.0, c.2 as f32 / 255.0];
        for k in 0..3 {
            p[k] += (src[k] - p[k]) * a;
        }
    }

    /// Fills `[x0, x1] × [y0, y1]` with coverage-weighted opacity (anti-aliased edges).
    fn fill_rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, c: Rgb, a: f64) {
        let nf = self.n as f64;
        if !(x0.is_finite() && y0.is_finite() && x1.is_finite() && y1.is_finite()) {
            return;
        }
        let (x0, x1) = (x0.max(0.0), x1.min(nf));
        let (y0, y1) = (y0.max(0.0), y1.min(nf));
        if x1 <= x0 || y1 <= y0 {
            return;
        }
        let (cx0, cx1) = (x0.floor() as usize, (x1.ceil() as usize).min(self.n));
        let (cy0, cy1) = (y0.floor() as usize, (y1.ceil() as usize).min(self.n));
        for yy in cy0..cy1 {
            let fy = (y1.min(yy as f64 + 1.0) - y0.max(yy as f64)).clamp(0.0, 1.0);
            for xx in cx0..cx1 {
                let fx = (x1.min(xx as f64 + 1.0) - x0.max(xx as f64)).clamp(0.0, 1.0);
                let cov = (fx * fy * a) as f32;
                if cov > 0.0 {
                    self.blend(xx, yy, c, cov);
                }
            }
        }
    }

    /// Fills a circle, 4 × 4 supersampled.
    fn fill_circle(&mut self, cx: f64, cy: f64, r: f64, c: Rgb, a: f64) {
        if !(cx.is_finite() && cy.is_finite() && r.is_finite()) || r <= 0.0 {
            return;
        }
        let nf = self.n as f64;
        let (x0, x1) = ((cx - r).floor().max(0.0), (cx + r).ceil().min(nf));
        let (y0, y1) = ((cy - r).floor().max(0.0), (cy + r).ceil().min(nf));
        if x1 <= x0 || y1 <= y0 {
            return;
        }
        let r2 = r * r;
        for yy in y0 as usize..y1 as usize {
            for xx in x0 as usize..x1 as usize {
                let mut hits = 0;
                for sy in 0..4 {
                    for sx in 0..4 {
                        let dx = xx as f64 + (sx as f64 + 0.5) / 4.0 - cx;
                        let dy = yy as f64 + (sy as f64 + 0.5) / 4.0 - cy;
                        if dx * dx + dy * dy <= r2 {
                            hits += 1;
                        }
                    }
                }
                if hits > 0 {
                    self.blend(xx, yy, c, (a * hits as f64 / 16.0) as f32);
                }
            }
        }
    }

    /// Draws `s` with the 8 × 8 bitmap font scaled to a `size`-pixel cell, glyph pixels
    /// snapped to whole pixels (crisp at any size).
    fn text(&mut self, x: f64, y: f64, size: f64, s: &str, c: Rgb) {
        let k = size / 8.0;
        let snap = |v: f64| v.round();
        for (i, ch) in s.chars().enumerate() {
            let code = ch as u32;
            let glyph = if code < 128 {
                font8x8::legacy::BASIC_LEGACY[code as usize]
            } else {
                font8x8::legacy::BASIC_LEGACY[b'?' as usize]
            };
            let gx = x + i as f64 * size;
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..8 {
                    if bits >> col & 1 == 1 {
                        let x0 = snap(gx + col as f64 * k);
                        let x1 = snap(gx + (col + 1) as f64 * k).max(x0 + 1.0);
                        let y0 = snap(y + row as f64 * k);
                        let y1 = snap(y + (row + 1) as f64 * k).max(y0 + 1.0);
                        self.fill_rect(x0, y0, x1, y1, c, 1.0);
                    }
                }
            }
        }
    }

    fn encode(&self) -> Result<Vec<u8>, RenderError> {
        let mut data = Vec::with_capacity(self.n * self.n * 3);
        for p in &self.px {
            for v in p {
                data.push((v.clamp(0.0, 1.0) * 255.0).round() as u8);
            }
        }
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, self.n as u32, self.n as u32);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let err = |e: png::EncodingError| RenderError::Png(e.to_string());
        let mut w = enc.write_header().map_err(err)?;
        w.write_image_data(&data).map_err(err)?;
        w.finish().map_err(err)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::{CostOverrides, CostParams};
    use netlists::generate::{generate, GenConfig};
    use netlists::NodeId;

    /// Checks that every `<tag ...>` has its `</tag>` (or is self-closing), properly nested.
    fn balanced(svg: &str) -> Result<usize, String> {
        let mut stack: Vec<String> = Vec::new();
        let mut count = 0;
        let mut rest = svg;
        while let Some(p) = rest.find('<') {
            let after = &rest[p + 1..];
            let end = after.find('>').ok_or("unterminated tag")?;
            let tag = &after[..end];
            rest = &after[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                let open = stack.pop().ok_or(format!("</{name}> without opening"))?;
                if open != name.trim() {
                    return Err(format!("<{open}> closed by </{name}>"));
                }
            } else if !tag.ends_with('/') {
                let name = tag.split_whitespace().next().unwrap_or("").to_string();
                stack.push(name);
                count += 1;
            } else {
                count += 1;
            }
            if tag.contains('<') {
                return Err(format!("'<' inside tag {tag}"));
            }
        }
        if !stack.is_empty() {
            return Err(format!("unclosed: {stack:?}"));
        }
        Ok(count)
    }

    fn small() -> (Netlist, Placement, CostParams) {
        let (nl, pl) = generate(&GenConfig { seed: 5, ..GenConfig::default() }).unwrap();
        let p = CostParams::resolve(&nl, None, &CostOverrides::default()).unwrap();
        (nl, pl, p)
    }

    #[test]
    fn svg_is_balanced_and_png_decodes_with_the_right_size() {
        let (nl, mut pl, p) = small();
        // Two hard macros on top of each other: drawn red.
        let hard = nl.hard_macros();
        let (a, b) = (hard[0].index(), hard[1].index());
        pl.x[b] = pl.x[a];
        pl.y[b] = pl.y[a];
        pl.orientation[a] = Orientation::FS;
        for heatmap in [Heatmap::None, Heatmap::Density, Heatmap::Congestion] {
            let opts =
                RenderOptions { heatmap, size_px: 640, title: Some("test <&> \"design\"".into()) };
            let svg = render_svg(&nl, &pl, &p, &opts).unwrap();
            assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
            balanced(&svg).unwrap();
            assert!(svg.contains("test &lt;&amp;&gt; &quot;design&quot;"));
            assert!(svg.contains("proxy[wl=1,den=0.5,cong=0.5]"));
            assert!(svg.contains("proxy[wl=1,den=1,cong=0.5]"));
            assert!(svg.contains("wirelength_cost"));
            assert!(svg.contains(&BAD.hex()), "overlapping macros are drawn red");
            assert!(svg.contains("ILLEGAL"));
            let png_bytes = render_png(&nl, &pl, &p, &opts).unwrap();
            let dec = png::Decoder::new(std::io::Cursor::new(png_bytes));
            let mut reader = dec.read_info().unwrap();
            let mut buf = vec![0; reader.output_buffer_size().unwrap()];
            let info = reader.next_frame(&mut buf).unwrap();
            assert_eq!((info.width, info.height), (640, 640));
            // Not blank: some red, some dark pixels.
            let px: Vec<&[u8]> = buf[..info.buffer_size()].chunks(3).collect();
            assert!(px.iter().any(|c| c[0] > 180 && c[1] < 80 && c[2] < 80), "no red pixel");
            assert!(px.iter().any(|c| c[0] < 60 && c[1] < 60 && c[2] < 60), "no dark pixel");
        }
    }

    #[test]
    fn sizes_are_clamped_and_bad_input_is_an_error() {
        let (nl, pl, p) = small();
        let opts = RenderOptions { size_px: 1, ..Default::default() };
        let bytes = render_png(&nl, &pl, &p, &opts).unwrap();
        let info = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
        assert_eq!(info.info().width, MIN_SIZE_PX);
        let mut short = pl.clone();
        short.x.truncate(1);
        assert!(matches!(render_svg(&nl, &short, &p, &opts), Err(RenderError::Cost(_))));
        let bad = CostParams { canvas_width: 0.0, ..p };
        assert!(render_png(&nl, &pl, &bad, &opts).is_err());
        // Non-finite coordinates are skipped, not a panic.
        let mut nan = pl.clone();
        let h = nl.hard_macros()[0].index();
        nan.x[h] = f64::NAN;
        nan.y[NodeId(0).index()] = f64::INFINITY;
        assert!(render_svg(&nl, &nan, &p, &opts).is_ok());
        assert!(render_png(&nl, &nan, &p, &opts).is_ok());
    }

    #[test]
    fn orientation_markers_are_distinct() {
        let mut seen = Vec::new();
        for o in Orientation::ALL {
            let m = marker(o);
            assert!(!seen.contains(&m), "{o:?}");
            seen.push(m);
        }
        assert_eq!(marker(Orientation::N), ((-1.0, -1.0), (1.0, 0.0)));
    }

    #[test]
    fn heat_colour_ends() {
        assert_eq!(heat_colour(0.0), Rgb(255, 255, 204));
        assert_eq!(heat_colour(1.0), Rgb(128, 0, 38));
        assert_eq!(heat_colour(f64::NAN), heat_colour(0.0));
        assert_eq!(heat_colour(7.0), heat_colour(1.0));
    }
}
