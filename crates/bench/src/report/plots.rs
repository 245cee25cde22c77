//! The performance plots Maelstrom's `:perf` checker draws with gnuplot
//! (Jepsen's `jepsen.checker.perf`), here as standalone SVG:
//! `latency-raw.svg` (every completed client operation: invocation time
//! against latency, log scale), `latency-quantiles.svg` (latency quantiles
//! 0.5, 0.95, 0.99 and 1 per time window and `f`) and `rate.svg` (completions
//! per second per time window, `f` and outcome). All three shade the periods
//! when the nemesis was active, from a nemesis `start-…` op to the next
//! `stop-…` op. Nemesis operations themselves are not plotted. Windows are
//! Jepsen's (30 s for quantiles, 10 s for rate) on long runs and narrower on
//! short ones (at least 10 and 20 windows); the raw scatter keeps about
//! 20 000 points, sampled evenly, and says so. No scripts, no external assets.
//!
//! Drawn by hand on purpose: a port of the drawing half to plotters' SVG
//! backend (tried 2026-12) gave the same pictures but saved only 57 of 825
//! lines, made the files 2–6× larger (one element per marker and dash: the
//! 20 000-point scatter went from 0.49 to 2.24 MB), and lost the hover
//! titles (plotters emits no `<title>`).

use super::{cut, escape};
use glomers_check::history::{History, OpType, Process};
use std::collections::BTreeMap;
use std::fmt::Write;

/// At most about this many points in the raw latency scatter; larger
/// histories are sampled evenly within each (f, outcome) series.
const MAX_POINTS: usize = 20_000;
/// Latencies below this (in ms) are drawn at it: a log scale has no 0.
const LATENCY_FLOOR_MS: f64 = 0.01;
/// The latency quantiles plotted, as Jepsen's.
const QUANTILES: [f64; 4] = [0.5, 0.95, 0.99, 1.0];
/// Candidate window widths in seconds, narrowest first.
const WINDOWS_S: [f64; 8] = [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0];
/// Jepsen's fixed quantile window; used once a run is long enough to have
/// [`QUANTILE_MIN_WINDOWS`] of them, narrower windows before that.
const QUANTILE_WINDOW_MAX_S: f64 = 30.0;
const QUANTILE_MIN_WINDOWS: f64 = 10.0;
/// Jepsen's fixed rate window, likewise.
const RATE_WINDOW_MAX_S: f64 = 10.0;
const RATE_MIN_WINDOWS: f64 = 20.0;

/// Image width in pixels.
const WIDTH: f64 = 1000.0;
/// The plot area.
const PLOT_LEFT: f64 = 72.0;
const PLOT_RIGHT: f64 = 770.0;
const PLOT_TOP: f64 = 40.0;
const PLOT_HEIGHT: f64 = 300.0;
/// Data keeps this far from the frame, so points on an axis's limit show.
const INSET: f64 = 6.0;
/// Space below the plot area for tick labels and the axis label.
const BOTTOM: f64 = 52.0;
/// Height of a line of notes, below the axis label.
const NOTE_ROW: f64 = 14.0;
/// The legend, right of the plot area.
const LEGEND_X: f64 = 790.0;
const LEGEND_ROW: f64 = 16.0;
const LEGEND_MAX_CHARS: usize = 26;
/// Line dash patterns by `f` (cycling), so series of one colour that differ
/// only in `f` stay apart.
const DASHES: [&str; 4] = ["", "6 3", "2 2", "9 3 2 3"];
/// Marker half-size in pixels.
const MARKER_R: f64 = 2.5;
/// Most ticks on the time axis.
const X_TICKS: f64 = 10.0;
/// Most ticks on a linear y axis.
const Y_TICKS: f64 = 6.0;

/// Outcome colours, as Jepsen's.
const COLOR_OK: &str = super::LIGHT_BLUE;
const COLOR_INFO: &str = super::ORANGE;
const COLOR_FAIL: &str = super::PINK;
/// Quantile colours, in the order of [`QUANTILES`] (1 red, like Jepsen).
const COLOR_QUANTILES: [&str; 4] = ["#377EB8", "#984EA3", "#FF7F00", "#E41A1C"];
const COLOR_NEMESIS: &str = "#FF0000";
const NEMESIS_OPACITY: f64 = 0.1;

const NS_PER_S: f64 = 1e9;
const NS_PER_MS: f64 = 1e6;

/// How a client operation completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Ok,
    Info,
    Fail,
}

impl Outcome {
    fn of(typ: OpType) -> Option<Self> {
        match typ {
            OpType::Ok => Some(Self::Ok),
            OpType::Info => Some(Self::Info),
            OpType::Fail => Some(Self::Fail),
            OpType::Invoke => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Info => "info",
            Self::Fail => "fail",
        }
    }

    fn color(self) -> &'static str {
        match self {
            Self::Ok => COLOR_OK,
            Self::Info => COLOR_INFO,
            Self::Fail => COLOR_FAIL,
        }
    }
}

/// A completed client operation.
#[derive(Debug, Clone, Copy)]
struct Sample {
    /// Index into [`Data::fs`].
    f: usize,
    outcome: Outcome,
    /// Invocation time in seconds.
    t: f64,
    latency_ms: f64,
}

/// What every plot needs from the history.
struct Data<'a> {
    /// The client `f`s, sorted; an `f`'s index picks its marker.
    fs: Vec<&'a str>,
    /// Completed client operations, in invocation order.
    samples: Vec<Sample>,
    /// Client invocations that never completed.
    open: usize,
    /// The time of the last op in the history, in seconds.
    end_s: f64,
    /// `[start, stop]` seconds when the nemesis was active.
    nemesis: Vec<(f64, f64)>,
}

impl<'a> Data<'a> {
    fn new(history: &'a History) -> Self {
        let pairs = history.pairs();
        let mut fs: Vec<&str> = pairs.iter().map(|(i, _)| i.f.as_str()).collect();
        fs.sort_unstable();
        fs.dedup();
        let mut samples = Vec::with_capacity(pairs.len());
        let mut open = 0;
        for (invoke, completion) in &pairs {
            let Some((c, outcome)) = completion.and_then(|c| Some((c, Outcome::of(c.typ)?))) else {
                open += 1;
                continue;
            };
            samples.push(Sample {
                f: fs.binary_search(&invoke.f.as_str()).unwrap_or(0),
                outcome,
                t: invoke.time as f64 / NS_PER_S,
                latency_ms: c.time.saturating_sub(invoke.time) as f64 / NS_PER_MS,
            });
        }
        let end_s = history.ops().iter().map(|o| o.time).max().unwrap_or(0) as f64 / NS_PER_S;
        Data {
            fs,
            samples,
            open,
            end_s,
            nemesis: nemesis_intervals(history, end_s),
        }
    }

    fn f_name(&self, f: usize) -> String {
        cut(self.fs[f], LEGEND_MAX_CHARS)
    }
}

/// When the nemesis was active: each fault from the op that begins it to
/// the op that ends it (or the end of the run), overlapping spans merged.
fn nemesis_intervals(history: &History, end_s: f64) -> Vec<(f64, f64)> {
    let mut spans = Vec::new();
    let mut since: std::collections::BTreeMap<&str, f64> = Default::default();
    for op in history.ops() {
        if op.process != Process::Nemesis {
            continue;
        }
        let Some((fault, begins)) = glomers_check::history::nemesis_edge(&op.f) else {
            continue;
        };
        let t = op.time as f64 / NS_PER_S;
        if begins {
            since.entry(fault).or_insert(t);
        } else if let Some(start) = since.remove(fault) {
            spans.push((start, t));
        }
    }
    spans.extend(since.into_values().map(|start| (start, end_s.max(start))));
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut merged: Vec<(f64, f64)> = Vec::new();
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// The widest candidate window of at most `max_s` that still gives a run of
/// `duration_s` at least `min_windows` windows (the narrowest otherwise).
fn window_s(duration_s: f64, min_windows: f64, max_s: f64) -> f64 {
    WINDOWS_S
        .iter()
        .copied()
        .rev()
        .find(|&w| w <= max_s && w * min_windows <= duration_s)
        .unwrap_or(WINDOWS_S[0])
}

/// The value at quantile `q` of `sorted`, Jepsen's way: index ⌊n·q⌋,
/// clamped to the last.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    sorted[((n as f64 * q).floor() as usize).min(n - 1)]
}

/// Per `f`: each window of width `dt` (by invocation time) that holds
/// operations, as (window middle, latency at each of [`QUANTILES`]).
fn quantile_points(data: &Data, dt: f64) -> BTreeMap<usize, Vec<(f64, [f64; 4])>> {
    let mut windows: BTreeMap<(usize, u64), Vec<f64>> = BTreeMap::new();
    for s in &data.samples {
        let w = (s.t / dt).floor() as u64;
        windows.entry((s.f, w)).or_default().push(s.latency_ms);
    }
    let mut out: BTreeMap<usize, Vec<(f64, [f64; 4])>> = BTreeMap::new();
    for ((f, w), mut latencies) in windows {
        latencies.sort_unstable_by(f64::total_cmp);
        let qs = QUANTILES.map(|q| quantile(&latencies, q));
        out.entry(f).or_default().push(((w as f64 + 0.5) * dt, qs));
    }
    out
}

/// Per (f, outcome) that completed at least once: completions per second in
/// each window of width `dt` (by completion time), at the window's middle.
/// As in Jepsen, windows run while their middle is within the run, so a
/// last window that would be mostly empty is left out.
fn rate_points(history: &History, fs: &[&str], dt: f64, end_s: f64) -> Vec<RateSeries> {
    let windows = ((end_s / dt - 0.5).floor() + 1.0).max(0.0) as usize;
    let mut counts: BTreeMap<(usize, Outcome), Vec<u64>> = BTreeMap::new();
    for op in history.ops() {
        let Some(outcome) = Outcome::of(op.typ) else {
            continue;
        };
        if !op.is_workload_op() {
            continue;
        }
        let Ok(f) = fs.binary_search(&op.f.as_str()) else {
            continue;
        };
        let slots = counts
            .entry((f, outcome))
            .or_insert_with(|| vec![0; windows]);
        let w = (op.time as f64 / NS_PER_S / dt).floor() as usize;
        if let Some(slot) = slots.get_mut(w) {
            *slot += 1;
        }
    }
    counts
        .into_iter()
        .map(|((f, outcome), slots)| RateSeries {
            f,
            outcome,
            points: slots
                .iter()
                .enumerate()
                .map(|(w, &n)| ((w as f64 + 0.5) * dt, n as f64 / dt))
                .collect(),
        })
        .collect()
}

struct RateSeries {
    f: usize,
    outcome: Outcome,
    points: Vec<(f64, f64)>,
}

/// Renders `latency-raw.svg`: one marker per completed client operation at
/// (invocation time, latency), colour by outcome, shape by `f`.
pub fn latency_raw(history: &History) -> String {
    let data = Data::new(history);
    let mut groups: BTreeMap<(usize, Outcome), Vec<(f64, f64)>> = BTreeMap::new();
    for s in &data.samples {
        groups
            .entry((s.f, s.outcome))
            .or_default()
            .push((s.t, s.latency_ms.max(LATENCY_FLOOR_MS)));
    }
    let total = data.samples.len();
    let series: Vec<Series> = groups
        .into_iter()
        .map(|((f, outcome), points)| {
            let shown = thin(&points, total);
            Series {
                label: format!("{} {}", data.f_name(f), outcome.name()),
                color: outcome.color(),
                marker: f,
                join: None,
                total: points.len(),
                points: shown,
            }
        })
        .collect();
    let drawn: usize = series.iter().map(|s| s.points.len()).sum();

    let mut notes = Vec::new();
    if drawn < total {
        notes.push(format!(
            "showing {drawn} of {total} operations, sampled evenly within each series"
        ));
    }
    latency_notes(&data, &mut notes);
    // Series with fewer points on top, as Jepsen draws them.
    let mut order: Vec<usize> = (0..series.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(series[i].points.len()));
    Chart {
        title: "Latency (raw)".to_string(),
        notes,
        y_label: "Latency (ms)",
        x_extent: data.end_s,
        y: Scale::log_for(series.iter().flat_map(|s| s.points.iter().map(|p| p.1))),
        nemesis: &data.nemesis,
        empty: total == 0,
    }
    .render(&series, &order)
}

/// Renders `latency-quantiles.svg`: per `f`, latency quantiles over windows
/// of invocation time, colour by quantile, shape by `f`.
pub fn latency_quantiles(history: &History) -> String {
    let data = Data::new(history);
    let dt = window_s(data.end_s, QUANTILE_MIN_WINDOWS, QUANTILE_WINDOW_MAX_S);
    let mut series = Vec::new();
    for (f, points) in quantile_points(&data, dt) {
        for (qi, q) in QUANTILES.iter().enumerate() {
            series.push(Series {
                label: format!("{} {q}", data.f_name(f)),
                color: COLOR_QUANTILES[qi],
                marker: f,
                join: Some(1.5 * dt),
                total: points.len(),
                points: points
                    .iter()
                    .map(|(t, qs)| (*t, qs[qi].max(LATENCY_FLOOR_MS)))
                    .collect(),
            });
        }
    }
    let mut notes = vec![format!(
        "quantiles 0.5, 0.95, 0.99, 1 of each {} window of invocation time",
        seconds(dt)
    )];
    latency_notes(&data, &mut notes);
    let x_extent = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .fold(data.end_s, f64::max);
    let order: Vec<usize> = (0..series.len()).collect();
    Chart {
        title: format!("Latency quantiles ({} windows)", seconds(dt)),
        notes,
        y_label: "Latency (ms)",
        x_extent,
        y: Scale::log_for(series.iter().flat_map(|s| s.points.iter().map(|p| p.1))),
        nemesis: &data.nemesis,
        empty: data.samples.is_empty(),
    }
    .render(&series, &order)
}

/// Renders `rate.svg`: completions per second over windows of completion
/// time, per `f` and outcome; colour by outcome, shape by `f`.
pub fn rate(history: &History) -> String {
    let data = Data::new(history);
    let dt = window_s(data.end_s, RATE_MIN_WINDOWS, RATE_WINDOW_MAX_S);
    let series: Vec<Series> = rate_points(history, &data.fs, dt, data.end_s)
        .into_iter()
        .map(|r| Series {
            label: format!("{} {}", data.f_name(r.f), r.outcome.name()),
            color: r.outcome.color(),
            marker: r.f,
            join: Some(f64::INFINITY),
            total: r.points.len(),
            points: r.points,
        })
        .collect();
    let max = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(0.0, f64::max);
    let order: Vec<usize> = (0..series.len()).collect();
    Chart {
        title: format!("Throughput ({} windows)", seconds(dt)),
        notes: vec![format!(
            "client completions per second in each {} window of completion time",
            seconds(dt)
        )],
        y_label: "Throughput (ops/s)",
        x_extent: data.end_s,
        y: Scale::linear_for(max),
        nemesis: &data.nemesis,
        empty: series.iter().all(|s| s.points.is_empty()),
    }
    .render(&series, &order)
}

/// Notes shared by the latency plots.
fn latency_notes(data: &Data, notes: &mut Vec<String>) {
    let clamped = data
        .samples
        .iter()
        .filter(|s| s.latency_ms < LATENCY_FLOOR_MS)
        .count();
    if clamped > 0 {
        notes.push(format!(
            "{clamped} latencies below {LATENCY_FLOOR_MS} ms drawn at {LATENCY_FLOOR_MS} ms"
        ));
    }
    if data.open > 0 {
        notes.push(format!(
            "{} invocations never completed (not shown)",
            data.open
        ));
    }
}

/// At most about `points.len() · MAX_POINTS / total` of `points` (at least
/// one), evenly spaced; all of them if `total` is within [`MAX_POINTS`].
fn thin(points: &[(f64, f64)], total: usize) -> Vec<(f64, f64)> {
    let n = points.len();
    if total <= MAX_POINTS || n == 0 {
        return points.to_vec();
    }
    let keep = (n * MAX_POINTS / total).clamp(1, n);
    (0..keep).map(|j| points[j * n / keep]).collect()
}

/// `2 s`, `0.5 s`.
fn seconds(s: f64) -> String {
    format!("{s} s")
}

/// One plotted series.
struct Series {
    /// Legend text (already cut; escaped when written).
    label: String,
    color: &'static str,
    /// Marker shape index.
    marker: usize,
    /// Consecutive points at most this many seconds apart are joined by a
    /// line (a gap breaks it); `None`: markers only.
    join: Option<f64>,
    /// Points before sampling, for the hover title.
    total: usize,
    points: Vec<(f64, f64)>,
}

/// The y axis.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scale {
    /// Powers of ten from `10^lo` to `10^hi`.
    Log { lo: i32, hi: i32 },
    /// From 0 to `max`, ticks every `step`.
    Linear { max: f64, step: f64 },
}

impl Scale {
    /// Whole decades around `values` (all at least the floor).
    fn log_for(values: impl Iterator<Item = f64>) -> Self {
        let (min, max) = values.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if max <= 0.0 {
            return Scale::Log { lo: 0, hi: 3 };
        }
        let lo = (min.max(LATENCY_FLOOR_MS).log10() + 1e-9).floor() as i32;
        let hi = ((max.log10() - 1e-9).ceil() as i32).max(lo + 1);
        Scale::Log { lo, hi }
    }

    /// From 0 to a round number at or above `max`.
    fn linear_for(max: f64) -> Self {
        let max = if max > 0.0 { max } else { 1.0 };
        let step = nice_step(max / Y_TICKS);
        Scale::Linear {
            max: (max / step - 1e-9).ceil() * step,
            step,
        }
    }

    fn y(&self, v: f64) -> f64 {
        let frac = match *self {
            Scale::Log { lo, hi } => {
                (v.max(LATENCY_FLOOR_MS).log10() - lo as f64) / (hi - lo) as f64
            }
            Scale::Linear { max, .. } => v / max,
        };
        PLOT_TOP + INSET + (PLOT_HEIGHT - 2.0 * INSET) * (1.0 - frac)
    }

    /// Labelled ticks (value, label) and unlabelled minor ticks.
    fn ticks(&self) -> (Vec<(f64, String)>, Vec<f64>) {
        match *self {
            Scale::Log { lo, hi } => {
                let major = (lo..=hi)
                    .map(|k| {
                        let v = 10f64.powi(k);
                        let label = if k < 0 {
                            format!("{v:.*}", (-k) as usize)
                        } else {
                            format!("{v:.0}")
                        };
                        (v, label)
                    })
                    .collect();
                let minor = (lo..hi)
                    .flat_map(|k| (2..10).map(move |m| m as f64 * 10f64.powi(k)))
                    .collect();
                (major, minor)
            }
            Scale::Linear { max, step } => (linear_ticks(max, step), Vec::new()),
        }
    }
}

/// The smallest of 1, 2, 5 × 10^k at or above `raw`.
fn nice_step(raw: f64) -> f64 {
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|&s| s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag)
}

/// Ticks 0, step, 2·step, … up to `max`, labelled with as many decimals as
/// the step needs.
fn linear_ticks(max: f64, step: f64) -> Vec<(f64, String)> {
    let decimals = ((-step.log10()) - 1e-9).ceil().max(0.0) as usize;
    let count = (max / step + 1e-9).floor() as usize;
    (0..=count)
        .map(|i| {
            let v = i as f64 * step;
            (v, format!("{v:.decimals$}"))
        })
        .collect()
}

/// One plot: axes, nemesis shading, series, legend.
struct Chart<'a> {
    title: String,
    /// Small grey lines under the plot.
    notes: Vec<String>,
    y_label: &'static str,
    /// The time axis covers at least 0 to this, in seconds.
    x_extent: f64,
    y: Scale,
    nemesis: &'a [(f64, f64)],
    /// Nothing to plot: say so inside the axes.
    empty: bool,
}

impl Chart<'_> {
    /// The document; `order` is the drawing order of `series` (later on top),
    /// the legend lists them as given.
    fn render(&self, series: &[Series], order: &[usize]) -> String {
        let points: usize = series.iter().map(|s| s.points.len()).sum();
        let mut svg = String::with_capacity(8192 + points * 40);

        let x_extent = if self.x_extent > 0.0 {
            self.x_extent
        } else {
            1.0
        };
        let x_step = nice_step(x_extent / X_TICKS);
        // Up to the next fifth of a tick step, so the axis does not run on
        // far past the data.
        let x_max = (x_extent / x_step * 5.0 - 1e-9).ceil() * x_step / 5.0;
        let x_of = |t: f64| PLOT_LEFT + INSET + t / x_max * (PLOT_RIGHT - PLOT_LEFT - 2.0 * INSET);
        let plot_bottom = PLOT_TOP + PLOT_HEIGHT;

        let legend_rows = series.len() + usize::from(!self.nemesis.is_empty());
        let height = (plot_bottom + BOTTOM + self.notes.len() as f64 * NOTE_ROW)
            .max(PLOT_TOP + (legend_rows as f64 + 1.0) * LEGEND_ROW);
        header(&mut svg, height);

        let _ = writeln!(
            svg,
            "<text class=\"title\" x=\"{:.1}\" y=\"22\">{}</text>",
            (PLOT_LEFT + PLOT_RIGHT) / 2.0,
            escape(&self.title)
        );
        for (i, note) in self.notes.iter().enumerate() {
            let _ = writeln!(
                svg,
                "<text class=\"note\" x=\"{PLOT_LEFT:.1}\" y=\"{:.1}\">{}</text>",
                plot_bottom + BOTTOM + (i as f64 + 0.5) * NOTE_ROW,
                escape(note)
            );
        }

        // Nemesis shading, under everything else.
        svg.push_str("<g class=\"nemesis\" clip-path=\"url(#plot)\">\n");
        for &(start, stop) in self.nemesis {
            let (x1, x2) = (x_of(start), x_of(stop));
            let _ = writeln!(
                svg,
                "<rect x=\"{x1:.1}\" y=\"{PLOT_TOP:.1}\" width=\"{:.1}\" height=\"{PLOT_HEIGHT:.1}\">\
                 <title>nemesis active {start:.3}\u{2013}{stop:.3} s</title></rect>",
                (x2 - x1).max(1.0)
            );
        }
        svg.push_str("</g>\n");

        // Grid, ticks and tick labels.
        svg.push_str("<g class=\"axes\">\n");
        for (t, label) in linear_ticks(x_max, x_step) {
            let x = x_of(t);
            let _ = writeln!(
                svg,
                "<line class=\"grid\" x1=\"{x:.1}\" y1=\"{PLOT_TOP:.1}\" x2=\"{x:.1}\" y2=\"{plot_bottom:.1}\"/>\
                 <line x1=\"{x:.1}\" y1=\"{plot_bottom:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\"/>\
                 <text class=\"xtick\" x=\"{x:.1}\" y=\"{:.1}\">{label}</text>",
                plot_bottom + 5.0,
                plot_bottom + 17.0
            );
        }
        let (major, minor) = self.y.ticks();
        for (v, label) in major {
            let y = self.y.y(v);
            let _ = writeln!(
                svg,
                "<line class=\"grid\" x1=\"{PLOT_LEFT:.1}\" y1=\"{y:.1}\" x2=\"{PLOT_RIGHT:.1}\" y2=\"{y:.1}\"/>\
                 <line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{PLOT_LEFT:.1}\" y2=\"{y:.1}\"/>\
                 <text class=\"ytick\" x=\"{:.1}\" y=\"{:.1}\">{label}</text>",
                PLOT_LEFT - 5.0,
                PLOT_LEFT - 8.0,
                y + 4.0
            );
        }
        for v in minor {
            let y = self.y.y(v);
            let _ = writeln!(
                svg,
                "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{PLOT_LEFT:.1}\" y2=\"{y:.1}\"/>",
                PLOT_LEFT - 3.0
            );
        }
        let _ = writeln!(
            svg,
            "<rect class=\"frame\" x=\"{PLOT_LEFT:.1}\" y=\"{PLOT_TOP:.1}\" width=\"{:.1}\" height=\"{PLOT_HEIGHT:.1}\"/>",
            PLOT_RIGHT - PLOT_LEFT
        );
        let _ = writeln!(
            svg,
            "<text class=\"xlabel\" x=\"{:.1}\" y=\"{:.1}\">Time (s)</text>",
            (PLOT_LEFT + PLOT_RIGHT) / 2.0,
            plot_bottom + 40.0
        );
        let ymid = PLOT_TOP + PLOT_HEIGHT / 2.0;
        let _ = writeln!(
            svg,
            "<text class=\"ylabel\" x=\"18\" y=\"{ymid:.1}\" transform=\"rotate(-90 18 {ymid:.1})\">{}</text>",
            self.y_label
        );
        svg.push_str("</g>\n");

        if self.empty {
            let _ = writeln!(
                svg,
                "<text class=\"empty\" x=\"{:.1}\" y=\"{ymid:.1}\">No completed client operations</text>",
                (PLOT_LEFT + PLOT_RIGHT) / 2.0
            );
        }

        // Series.
        svg.push_str("<g class=\"series\" clip-path=\"url(#plot)\">\n");
        for &i in order {
            let s = &series[i];
            let _ = write!(
                svg,
                "<g stroke=\"{}\"><title>{}: {} points</title>",
                s.color,
                escape(&s.label),
                s.total
            );
            if let Some(gap) = s.join.filter(|_| s.points.len() > 1) {
                let _ = write!(svg, "<path class=\"line\"{} d=\"", dash(s.marker));
                let mut prev: Option<f64> = None;
                for &(t, v) in &s.points {
                    let cmd = if prev.is_some_and(|p| t - p <= gap) {
                        'L'
                    } else {
                        'M'
                    };
                    let _ = write!(svg, "{cmd}{:.1},{:.1}", x_of(t), self.y.y(v));
                    prev = Some(t);
                }
                svg.push_str("\"/>");
            }
            svg.push_str("<path d=\"");
            for &(t, v) in &s.points {
                marker(&mut svg, s.marker, x_of(t), self.y.y(v));
            }
            svg.push_str("\"/></g>\n");
        }
        svg.push_str("</g>\n");

        // Legend.
        svg.push_str("<g class=\"legend\">\n");
        let mut row_y = PLOT_TOP + LEGEND_ROW / 2.0;
        for s in series {
            let _ = write!(svg, "<g stroke=\"{}\">", s.color);
            if s.join.is_some() {
                let _ = write!(
                    svg,
                    "<line{} x1=\"{LEGEND_X:.1}\" y1=\"{row_y:.1}\" x2=\"{:.1}\" y2=\"{row_y:.1}\"/>",
                    dash(s.marker),
                    LEGEND_X + 24.0
                );
            }
            svg.push_str("<path d=\"");
            marker(&mut svg, s.marker, LEGEND_X + 12.0, row_y);
            let _ = writeln!(
                svg,
                "\"/></g><text class=\"legend\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                LEGEND_X + 32.0,
                row_y + 4.0,
                escape(&s.label)
            );
            row_y += LEGEND_ROW;
        }
        if !self.nemesis.is_empty() {
            let _ = writeln!(
                svg,
                "<rect class=\"swatch\" x=\"{LEGEND_X:.1}\" y=\"{:.1}\" width=\"24\" height=\"10\"/>\
                 <text class=\"legend\" x=\"{:.1}\" y=\"{:.1}\">nemesis active</text>",
                row_y - 5.0,
                LEGEND_X + 32.0,
                row_y + 4.0
            );
        }
        svg.push_str("</g>\n</svg>\n");
        svg
    }
}

/// Appends marker `shape` (cycling through seven hollow shapes, like
/// gnuplot's open point types) centred at (x, y) to a path's `d`.
fn marker(d: &mut String, shape: usize, x: f64, y: f64) {
    let r = MARKER_R;
    let _ = match shape % 7 {
        0 => write!(
            d,
            "M{:.1},{:.1}h{}v{}h-{}z",
            x - r,
            y - r,
            2.0 * r,
            2.0 * r,
            2.0 * r
        ),
        1 => write!(
            d,
            "M{:.1},{y:.1}a{r},{r} 0 1 0 {},0a{r},{r} 0 1 0 -{},0",
            x - r,
            2.0 * r,
            2.0 * r
        ),
        2 => write!(d, "M{x:.1},{:.1}l{r},{}h-{}z", y - r, 1.8 * r, 2.0 * r),
        3 => write!(d, "M{x:.1},{:.1}l{r},-{}h-{}z", y + r, 1.8 * r, 2.0 * r),
        4 => write!(d, "M{x:.1},{:.1}l{r},{r}l-{r},{r}l-{r},-{r}z", y - r),
        5 => write!(
            d,
            "M{:.1},{:.1}l{},{}m0,-{}l-{},{}",
            x - r,
            y - r,
            2.0 * r,
            2.0 * r,
            2.0 * r,
            2.0 * r,
            2.0 * r
        ),
        _ => write!(
            d,
            "M{:.1},{y:.1}h{}M{x:.1},{:.1}v{}",
            x - r,
            2.0 * r,
            y - r,
            2.0 * r
        ),
    };
}

/// The dash attribute of lines of the series with marker `shape`.
fn dash(shape: usize) -> String {
    match DASHES[shape % DASHES.len()] {
        "" => String::new(),
        d => format!(" stroke-dasharray=\"{d}\""),
    }
}

fn header(svg: &mut String, height: f64) {
    super::open_svg(svg, WIDTH, height);
    let _ = writeln!(
        svg,
        "<style>\
         text {{ font-family: sans-serif; font-size: 11px; fill: #222222; }}\
         .title {{ font-size: 15px; font-weight: bold; text-anchor: middle; }}\
         .note {{ font-size: 10px; fill: #666666; }}\
         .xtick, .xlabel, .empty {{ text-anchor: middle; }}\
         .ytick {{ text-anchor: end; }}\
         .ylabel {{ text-anchor: middle; }}\
         .empty {{ fill: #999999; font-size: 14px; }}\
         .axes line {{ stroke: #444444; stroke-width: 1; }}\
         .axes line.grid {{ stroke: #E6E6E6; }}\
         .frame {{ fill: none; stroke: #444444; stroke-width: 1; }}\
         .nemesis rect, .swatch {{ fill: {COLOR_NEMESIS}; fill-opacity: {NEMESIS_OPACITY}; }}\
         .series g, .legend g {{ fill: none; stroke-width: 1.2; }}\
         .series .line {{ stroke-width: 1; stroke-opacity: 0.8; }}\
         </style>"
    );
    let _ = writeln!(
        svg,
        "<defs><clipPath id=\"plot\"><rect x=\"{PLOT_LEFT:.1}\" y=\"{PLOT_TOP:.1}\" \
         width=\"{:.1}\" height=\"{PLOT_HEIGHT:.1}\"/></clipPath></defs>",
        PLOT_RIGHT - PLOT_LEFT
    );
    svg.push_str("<rect width=\"100%\" height=\"100%\" fill=\"#FFFFFF\"/>\n");
}

#[cfg(test)]
mod tests;
