//! The learning curve of a run (`metrics.jsonl`) as a PNG: axes with tick labels and three
//! lines against the iteration:
//! - blue: the mean proxy of the iteration's feasible training episodes;
//! - green: the proxy of the iteration's best training episode;
//! - red, with dots: the greedy-policy proxy (mean over netlists) at each evaluation.
//!
//! The proxy is taken at explicit weights (default 1/0.5/0.5, the default reward weights), and the title
//! names them (`PROXY_COST.md` §11).

use serde_json::Value;

use crate::TrainError;

/// Picture settings.
#[derive(Clone, Debug)]
pub struct PlotOptions {
    /// Metrics key of the plotted proxy, e.g. `proxy[wl=1,den=1,cong=0.5]`.
    pub proxy_key: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// A title line above the plot (the proxy key is appended).
    pub title: String,
}

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions {
            proxy_key: "proxy[wl=1,den=0.5,cong=0.5]".into(),
            width: 900,
            height: 520,
            title: String::new(),
        }
    }
}

type Series = Vec<(f64, f64)>;

/// The three series: (mean, best, greedy eval) as (iteration, proxy) points.
pub fn series(lines: &[Value], key: &str) -> (Series, Series, Series) {
    let (mut mean, mut best, mut eval) = (Vec::new(), Vec::new(), Vec::new());
    for v in lines {
        let Some(it) = v.get("iteration").and_then(Value::as_f64) else { continue };
        if let Some(y) = v.get(key).and_then(Value::as_f64) {
            mean.push((it, y));
        }
        if let Some(y) = v.get("best_episode").and_then(|b| b.get(key)).and_then(Value::as_f64) {
            best.push((it, y));
        }
        if let Some(evs) = v.get("eval").and_then(Value::as_array) {
            // Group by policy iteration; mean over the netlists evaluated.
            let mut groups: Vec<(f64, f64, usize)> = Vec::new();
            for e in evs {
                let (Some(pi), Some(y)) = (
                    e.get("policy_iteration").and_then(Value::as_f64),
                    e.get("costs").and_then(|c| c.get(key)).and_then(Value::as_f64),
                ) else {
                    continue;
                };
                match groups.iter_mut().find(|g| g.0 == pi) {
                    Some(g) => {
                        g.1 += y;
                        g.2 += 1;
                    }
                    None => groups.push((pi, y, 1)),
                }
            }
            eval.extend(groups.into_iter().map(|(pi, s, n)| (pi, s / n as f64)));
        }
    }
    (mean, best, eval)
}

struct Canvas {
    w: i64,
    h: i64,
    px: Vec<u8>,
}

impl Canvas {
    fn set(&mut self, x: i64, y: i64, c: [u8; 3]) {
        if x >= 0 && y >= 0 && x < self.w && y < self.h {
            let o = ((y * self.w + x) * 3) as usize;
            self.px[o..o + 3].copy_from_slice(&c);
        }
    }
    fn rect(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, c: [u8; 3]) {
        for y in y0..y1 {
            for x in x0..x1 {
                self.set(x, y, c);
            }
        }
    }
    /// A line `thick` pixels wide (Bresenham, with a square brush).
    fn line(&mut self, (x0, y0): (i64, i64), (x1, y1): (i64, i64), c: [u8; 3], thick: i64) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut err) = (x0, y0, dx + dy);
        let r = thick / 2;
        loop {
            self.rect(x - r, y - r, x - r + thick, y - r + thick, c);
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }
    fn text(&mut self, s: &str, x: i64, y: i64, c: [u8; 3]) {
        for (i, ch) in s.chars().enumerate() {
            let code = ch as usize;
            let glyph =
                font8x8::legacy::BASIC_LEGACY[if code < 128 { code } else { b'?' as usize }];
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..8 {
                    if bits >> col & 1 == 1 {
                        self.set(x + i as i64 * 8 + col, y + row as i64, c);
                    }
                }
            }
        }
    }
}

/// Renders the learning curve of `lines` (parsed `metrics.jsonl`) as PNG bytes.
pub fn learning_curve_png(lines: &[Value], opts: &PlotOptions) -> Result<Vec<u8>, TrainError> {
    let (mean, best, eval) = series(lines, &opts.proxy_key);
    let (w, h) = (i64::from(opts.width.max(200)), i64::from(opts.height.max(150)));
    let mut cv = Canvas { w, h, px: vec![255; (w * h * 3) as usize] };
    let (left, right, top, bottom) = (80i64, 20i64, 40i64, 50i64);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let all: Vec<(f64, f64)> = mean.iter().chain(&best).chain(&eval).copied().collect();
    let xmax = all.iter().map(|p| p.0).fold(1.0f64, f64::max);
    let (mut ymin, mut ymax) =
        all.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.1), b.max(p.1)));
    if !ymin.is_finite() {
        (ymin, ymax) = (0.0, 1.0);
    }
    let pad = ((ymax - ymin) * 0.05).max(1e-6);
    (ymin, ymax) = (ymin - pad, ymax + pad);
    let to_px = |(x, y): (f64, f64)| -> (i64, i64) {
        (
            left + (x / xmax * pw as f64).round() as i64,
            top + ((ymax - y) / (ymax - ymin) * ph as f64).round() as i64,
        )
    };
    let (black, grey) = ([0, 0, 0], [225, 225, 225]);
    for k in 0..=5 {
        let y = ymin + (ymax - ymin) * f64::from(k) / 5.0;
        let (_, py) = to_px((0.0, y));
        cv.line((left, py), (left + pw, py), grey, 1);
        cv.text(&format!("{y:.4}"), 4, py - 4, black);
        let x = xmax * f64::from(k) / 5.0;
        let (px, _) = to_px((x, ymin));
        cv.line((px, top), (px, top + ph), grey, 1);
        let label = format!("{}", x.round() as i64);
        cv.text(&label, px - 4 * label.len() as i64, top + ph + 8, black);
    }
    cv.line((left, top), (left, top + ph), black, 1);
    cv.line((left, top + ph), (left + pw, top + ph), black, 1);
    cv.text("iteration", left + pw / 2 - 36, top + ph + 26, black);
    let title = if opts.title.is_empty() {
        opts.proxy_key.clone()
    } else {
        format!("{}  {}", opts.title, opts.proxy_key)
    };
    cv.text(&title, left, 8, black);
    let colours = [
        ([40, 90, 220], "mean of training episodes"),
        ([40, 160, 60], "best training episode"),
        ([210, 40, 40], "greedy policy (eval)"),
    ];
    for (i, (s, (c, _))) in [&mean, &best, &eval].into_iter().zip(colours).enumerate() {
        for pair in s.windows(2) {
            cv.line(to_px(pair[0]), to_px(pair[1]), c, 2);
        }
        // Dots on the evaluations, and on any single-point series.
        if i == 2 || s.len() == 1 {
            for &p in s {
                let (x, y) = to_px(p);
                cv.rect(x - 3, y - 3, x + 4, y + 4, c);
            }
        }
    }
    let mut ly = 24;
    for (c, name) in colours {
        cv.rect(left + pw - 230, ly + 2, left + pw - 216, ly + 6, c);
        cv.text(name, left + pw - 210, ly, black);
        ly += 12;
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w as u32, h as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let err = |e: png::EncodingError| TrainError::Config(format!("png encoding: {e}"));
    let mut wr = enc.write_header().map_err(err)?;
    wr.write_image_data(&cv.px).map_err(err)?;
    wr.finish().map_err(err)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn series_and_png_from_metrics_lines() {
        let k = "proxy[wl=1,den=1,cong=0.5]";
        let lines = vec![
            json!({"iteration": 1, k: 1.0, "best_episode": {k: 0.8},
                   "eval": [{"policy_iteration": 0, "netlist": "a", "costs": {k: 1.2}},
                            {"policy_iteration": 0, "netlist": "b", "costs": {k: 1.0}}]}),
            json!({"iteration": 2, k: 0.9, "best_episode": {k: 0.7},
                   "eval": [{"policy_iteration": 2, "netlist": "a", "costs": {k: 0.75}},
                            {"policy_iteration": 2, "netlist": "b", "costs": null}]}),
        ];
        let (m, b, e) = series(&lines, k);
        assert_eq!(m, vec![(1.0, 1.0), (2.0, 0.9)]);
        assert_eq!(b, vec![(1.0, 0.8), (2.0, 0.7)]);
        assert_eq!(e, vec![(0.0, 1.1), (2.0, 0.75)]);
        let png = learning_curve_png(&lines, &PlotOptions::default()).unwrap();
        assert_eq!(&png[1..4], b"PNG");
        // An empty run still draws the axes.
        assert!(learning_curve_png(&[], &PlotOptions::default()).is_ok());
    }
}
