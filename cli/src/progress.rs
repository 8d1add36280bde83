//! Progress bars on stderr for long work (placement methods), drawn only when stderr is a
//! terminal.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use placer::place::{Progress, ProgressSink};

/// Bar resolution: positions are fractions in thousandths.
const STEPS: u64 = 1000;

/// A [`ProgressSink`] drawing an `indicatif` bar: stage, fraction, best cost so far, moves
/// per second and time left. Hidden (draws nothing) when stderr is not a terminal.
pub(crate) struct Bar {
    pb: ProgressBar,
    budget: Option<f64>,
}

impl Bar {
    /// A bar labelled `prefix`; `budget` (seconds) gives the time left when known.
    pub(crate) fn new(prefix: &str, budget: Option<f64>) -> Bar {
        if !std::io::stderr().is_terminal() {
            return Bar { pb: ProgressBar::hidden(), budget };
        }
        let pb = ProgressBar::new(STEPS);
        let style = ProgressStyle::with_template(
            "{prefix:.bold} [{bar:30.cyan/blue}] {percent:>3}% {msg} [{elapsed_precise}]",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        pb.set_style(style);
        pb.set_prefix(prefix.to_string());
        pb.enable_steady_tick(Duration::from_millis(200));
        Bar { pb, budget }
    }

    /// Removes the bar.
    pub(crate) fn finish(&self) {
        self.pb.finish_and_clear();
    }
}

impl ProgressSink for Bar {
    fn report(&self, p: &Progress) {
        if self.pb.is_hidden() {
            return;
        }
        self.pb.set_position((p.fraction.clamp(0.0, 1.0) * STEPS as f64) as u64);
        let mut msg = p.stage.clone();
        if p.best_cost.is_finite() {
            msg.push_str(&format!("  cost {:.5}", p.best_cost));
        }
        if p.moves_per_sec > 0.0 {
            msg.push_str(&format!("  {:.0} moves/s", p.moves_per_sec));
        }
        let left = match self.budget {
            _ if p.fraction >= 1.0 => None,
            Some(b) => Some((b - p.elapsed.as_secs_f64()).max(0.0)),
            None if p.fraction > 0.01 && p.fraction < 1.0 => {
                Some(p.elapsed.as_secs_f64() * (1.0 - p.fraction) / p.fraction)
            }
            None => None,
        };
        if let Some(l) = left {
            msg.push_str(&format!("  {l:.1} s left"));
        }
        self.pb.set_message(msg);
    }
}
