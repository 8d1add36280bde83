//! Cost parameters, their resolution from files and overrides (`PROXY_COST.md` §4.4, §5), and
//! the proxy weights (§11).

use std::fmt;

use netlists::plc::PlcHeader;
use netlists::{Netlist, NodeKind};

use super::CostError;

/// Google binary default routes per micron, horizontal (§5).
pub const DEFAULT_HROUTES_PER_MICRON: f64 = 57.031;
/// Google binary default routes per micron, vertical (§5).
pub const DEFAULT_VROUTES_PER_MICRON: f64 = 56.818;
/// Google binary default macro routing allocation, horizontal (§5).
pub const DEFAULT_HROUTING_ALLOC: f64 = 39.583;
/// Google binary default macro routing allocation, vertical (§5).
pub const DEFAULT_VROUTING_ALLOC: f64 = 30.303;
/// Default grid columns and rows (§5).
pub const DEFAULT_GRID: (u32, u32) = (10, 10);
/// Target utilisation of the default square canvas: side `sqrt(A / 0.6)` (§5).
pub const DEFAULT_UTILIZATION: f64 = 0.6;
/// Largest grid (columns × rows) [`CostParams::validate`] accepts.
pub const MAX_GRID_CELLS: u64 = 1 << 22;

/// What congestion does with a net that has a pin outside the grid (`PROXY_COST.md` §10).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OobRule {
    /// Skip the whole net in congestion (Google binary; the default).
    #[default]
    SkipNet,
    /// Clamp each pin's cell into the grid (2026 challenge evaluator).
    Clamp,
}

impl OobRule {
    /// `skip-net` or `clamp`.
    pub fn as_str(self) -> &'static str {
        match self {
            OobRule::SkipNet => "skip-net",
            OobRule::Clamp => "clamp",
        }
    }
}

impl fmt::Display for OobRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything the three cost components depend on besides the netlist and the placement.
///
/// [`Default`] holds the Google binary defaults (grid 10 × 10, routes 57.031 / 56.818,
/// allocation 39.583 / 30.303, smoothing 0, non-square soft macros, skip-net) and a **zero
/// canvas**, which [`validate`](Self::validate) rejects: the default canvas depends on the
/// netlist, so use [`resolve`](Self::resolve) (or set the canvas).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CostParams {
    /// Canvas width `W` in µm.
    pub canvas_width: f64,
    /// Canvas height `H` in µm.
    pub canvas_height: f64,
    /// Grid columns `C`.
    pub cols: u32,
    /// Grid rows `R`.
    pub rows: u32,
    /// Horizontal routes per micron `rh`.
    pub hroutes_per_micron: f64,
    /// Vertical routes per micron `rv`.
    pub vroutes_per_micron: f64,
    /// Horizontal macro routing allocation `ah`.
    pub hrouting_alloc: f64,
    /// Vertical macro routing allocation `av`.
    pub vrouting_alloc: f64,
    /// Congestion smoothing range `k` (already floored).
    pub smooth_range: u32,
    /// Replace each soft macro by a square of the same area and centre (§3.1).
    pub square_soft_macros: bool,
    /// Out-of-grid rule for congestion (§10).
    pub oob: OobRule,
}

impl Default for CostParams {
    fn default() -> Self {
        CostParams {
            canvas_width: 0.0,
            canvas_height: 0.0,
            cols: DEFAULT_GRID.0,
            rows: DEFAULT_GRID.1,
            hroutes_per_micron: DEFAULT_HROUTES_PER_MICRON,
            vroutes_per_micron: DEFAULT_VROUTES_PER_MICRON,
            hrouting_alloc: DEFAULT_HROUTING_ALLOC,
            vrouting_alloc: DEFAULT_VROUTING_ALLOC,
            smooth_range: 0,
            square_soft_macros: false,
            oob: OobRule::SkipNet,
        }
    }
}

/// Explicit parameter values (CLI, config, test settings); each one that is set wins over
/// every file (§4.4 step 1).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CostOverrides {
    /// Canvas `(W, H)`.
    pub canvas: Option<(f64, f64)>,
    /// Grid `(C, R)`.
    pub grid: Option<(u32, u32)>,
    /// Routes per micron `(rh, rv)`.
    pub routes_per_micron: Option<(f64, f64)>,
    /// Macro routing allocation `(ah, av)`.
    pub routing_alloc: Option<(f64, f64)>,
    /// Smoothing range (floored).
    pub smooth_range: Option<f64>,
    /// Square soft macros.
    pub square_soft_macros: Option<bool>,
    /// Out-of-grid rule.
    pub oob: Option<OobRule>,
}

/// Parameter values read from a `.plc` header; every field optional. Build it from the
/// reader's header with `From`, or by hand.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HeaderSettings {
    /// Canvas width.
    pub width: Option<f64>,
    /// Canvas height.
    pub height: Option<f64>,
    /// Grid columns.
    pub columns: Option<u32>,
    /// Grid rows.
    pub rows: Option<u32>,
    /// Horizontal routes per micron.
    pub hroutes_per_micron: Option<f64>,
    /// Vertical routes per micron.
    pub vroutes_per_micron: Option<f64>,
    /// Horizontal macro routing allocation.
    pub hrouting_alloc: Option<f64>,
    /// Vertical macro routing allocation.
    pub vrouting_alloc: Option<f64>,
    /// Smoothing factor (floored when used).
    pub smoothing_factor: Option<f64>,
}

impl From<&PlcHeader> for HeaderSettings {
    fn from(h: &PlcHeader) -> Self {
        HeaderSettings {
            width: h.width,
            height: h.height,
            columns: h.columns,
            rows: h.rows,
            hroutes_per_micron: h.hroutes_per_micron,
            vroutes_per_micron: h.vroutes_per_micron,
            hrouting_alloc: h.hrouting_alloc,
            vrouting_alloc: h.vrouting_alloc,
            smoothing_factor: h.smoothing_factor,
        }
    }
}

impl CostParams {
    /// Resolves the parameters with the precedence of `PROXY_COST.md` §4.4: explicit override,
    /// then the `.plc` header, then the netlist header (canvas and grid only), then the
    /// defaults of §5 (canvas: a square of side `sqrt(A / 0.6)`, see [`default_canvas_side`]).
    /// Each field resolves on its own (a header with a width but no height takes the height
    /// from the next source).
    ///
    /// Errors when the result is unusable ([`validate`](Self::validate)), for example a
    /// netlist without macro area and no canvas anywhere.
    pub fn resolve(
        nl: &Netlist,
        plc_header: Option<&PlcHeader>,
        overrides: &CostOverrides,
    ) -> Result<CostParams, CostError> {
        let h = plc_header.map(HeaderSettings::from).unwrap_or_default();
        Self::resolve_settings(nl, &h, overrides)
    }

    /// [`resolve`](Self::resolve) with the `.plc` header given as [`HeaderSettings`].
    pub fn resolve_settings(
        nl: &Netlist,
        plc: &HeaderSettings,
        overrides: &CostOverrides,
    ) -> Result<CostParams, CostError> {
        let d = CostParams::default();
        let nh = &nl.header;
        let nl_canvas = nh.canvas;
        let width = overrides.canvas.map(|c| c.0).or(plc.width).or(nl_canvas.map(|c| c.0));
        let height = overrides.canvas.map(|c| c.1).or(plc.height).or(nl_canvas.map(|c| c.1));
        let (width, height) = match (width, height) {
            (Some(w), Some(h)) => (w, h),
            (w, h) => {
                let side = default_canvas_side(nl).ok_or_else(|| {
                    CostError::InvalidParams(
                        "no canvas size in the overrides, the .plc header or the netlist \
                         header, and the netlist has no macro area to derive the default \
                         canvas from"
                            .into(),
                    )
                })?;
                (w.unwrap_or(side), h.unwrap_or(side))
            }
        };
        let cols =
            overrides.grid.map(|g| g.0).or(plc.columns).or(nh.grid.map(|g| g.0)).unwrap_or(d.cols);
        let rows =
            overrides.grid.map(|g| g.1).or(plc.rows).or(nh.grid.map(|g| g.1)).unwrap_or(d.rows);
        let hr = overrides
            .routes_per_micron
            .map(|r| r.0)
            .or(plc.hroutes_per_micron)
            .unwrap_or(d.hroutes_per_micron);
        let vr = overrides
            .routes_per_micron
            .map(|r| r.1)
            .or(plc.vroutes_per_micron)
            .unwrap_or(d.vroutes_per_micron);
        let ha =
            overrides.routing_alloc.map(|r| r.0).or(plc.hrouting_alloc).unwrap_or(d.hrouting_alloc);
        let va =
            overrides.routing_alloc.map(|r| r.1).or(plc.vrouting_alloc).unwrap_or(d.vrouting_alloc);
        let smooth = overrides.smooth_range.or(plc.smoothing_factor);
        let smooth_range = match smooth {
            None => d.smooth_range,
            Some(s) if s.is_finite() && s >= 0.0 => s.floor().min(u32::MAX as f64) as u32,
            Some(s) => {
                return Err(CostError::InvalidParams(format!(
                    "smoothing range must be a finite number >= 0, got {s}"
                )))
            }
        };
        let p = CostParams {
            canvas_width: width,
            canvas_height: height,
            cols,
            rows,
            hroutes_per_micron: hr,
            vroutes_per_micron: vr,
            hrouting_alloc: ha,
            vrouting_alloc: va,
            smooth_range,
            square_soft_macros: overrides.square_soft_macros.unwrap_or(d.square_soft_macros),
            oob: overrides.oob.unwrap_or(d.oob),
        };
        p.validate()?;
        Ok(p)
    }

    /// Checks that the parameters can be evaluated: canvas width and height finite and
    /// `> 0`, grid at least 1 × 1 and at most [`MAX_GRID_CELLS`] cells, routes per micron
    /// finite and `> 0`, allocations finite.
    pub fn validate(&self) -> Result<(), CostError> {
        let bad = |m: String| Err(CostError::InvalidParams(m));
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if !positive(self.canvas_width) || !positive(self.canvas_height) {
            return bad(format!(
                "canvas must be finite and > 0, got {} x {}",
                self.canvas_width, self.canvas_height
            ));
        }
        if self.cols == 0 || self.rows == 0 || self.cols as u64 * self.rows as u64 > MAX_GRID_CELLS
        {
            return bad(format!(
                "grid must have between 1 and {MAX_GRID_CELLS} cells, got {} x {}",
                self.cols, self.rows
            ));
        }
        if !positive(self.hroutes_per_micron) || !positive(self.vroutes_per_micron) {
            return bad(format!(
                "routes per micron must be finite and > 0, got {} / {}",
                self.hroutes_per_micron, self.vroutes_per_micron
            ));
        }
        if !self.hrouting_alloc.is_finite() || !self.vrouting_alloc.is_finite() {
            return bad(format!(
                "macro routing allocation must be finite, got {} / {}",
                self.hrouting_alloc, self.vrouting_alloc
            ));
        }
        Ok(())
    }

    /// Grid cell width `W / C`.
    pub fn cell_width(&self) -> f64 {
        self.canvas_width / self.cols as f64
    }

    /// Grid cell height `H / R`.
    pub fn cell_height(&self) -> f64 {
        self.canvas_height / self.rows as f64
    }
}

/// Side of the default square canvas, `sqrt(A / 0.6)` (§5), or `None` when the area is not
/// positive and finite.
///
/// `A` is the total `width × height` of hard macros, soft macros **and standard cells**,
/// before any soft-macro squaring. `PROXY_COST.md` §2.8 lists macros only; the reference
/// evaluator (`refcost.py`, whose `total_area` the golden set records) also counts standard
/// cells, and the two agree on every clustered netlist (which has none).
pub fn default_canvas_side(nl: &Netlist) -> Option<f64> {
    let a: f64 = nl
        .ids()
        .filter(|&i| nl.kind(i).is_macro() || nl.kind(i) == NodeKind::StdCell)
        .map(|i| nl.area(i))
        .sum();
    let side = (a / DEFAULT_UTILIZATION).sqrt();
    (a > 0.0 && side.is_finite() && side > 0.0).then_some(side)
}

impl fmt::Display for CostParams {
    /// `canvas 1433.406x1433.406 grid 24x21 routes h/v 57.031/56.818 alloc h/v 39.583/30.303
    /// smoothing 0 oob skip-net square_soft_macros false`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "canvas {}x{} grid {}x{} routes_h/v {}/{} alloc_h/v {}/{} smoothing {} oob {} square_soft_macros {}",
            self.canvas_width,
            self.canvas_height,
            self.cols,
            self.rows,
            self.hroutes_per_micron,
            self.vroutes_per_micron,
            self.hrouting_alloc,
            self.vrouting_alloc,
            self.smooth_range,
            self.oob,
            self.square_soft_macros
        )
    }
}

/// Proxy weights `(w_wl, w_den, w_cong)` (`PROXY_COST.md` §11).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CostWeights {
    /// Wirelength weight.
    pub wl: f64,
    /// Density weight.
    pub den: f64,
    /// Congestion weight.
    pub cong: f64,
}

impl CostWeights {
    /// "Google internal" 1 / 0.5 / 0.5: TILOS, ISPD'23 and the 2026 challenge.
    pub const GOOGLE_INTERNAL: CostWeights = CostWeights { wl: 1.0, den: 0.5, cong: 0.5 };
    /// Circuit Training code default 1 / 1 / 0.5 (also the training reward default).
    pub const CT_DEFAULT: CostWeights = CostWeights { wl: 1.0, den: 1.0, cong: 0.5 };
    /// Nature paper 1 / 0.1 / 0.1.
    pub const NATURE: CostWeights = CostWeights { wl: 1.0, den: 0.1, cong: 0.1 };
    /// The two conventions every report shows (§11).
    pub const STANDARD: [CostWeights; 2] = [CostWeights::GOOGLE_INTERNAL, CostWeights::CT_DEFAULT];

    /// New weights.
    pub fn new(wl: f64, den: f64, cong: f64) -> Self {
        CostWeights { wl, den, cong }
    }
}

impl fmt::Display for CostWeights {
    /// `proxy[wl=1,den=0.5,cong=0.5]`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "proxy[wl={},den={},cong={}]", self.wl, self.den, self.cong)
    }
}
