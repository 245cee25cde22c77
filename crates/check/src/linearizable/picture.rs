//! The failing window of a key as an SVG: a lane per process, a bar per
//! operation, the one that cannot be linearized in pink.

use super::*;

pub(super) const SVG_WIDTH: f64 = 960.0;
pub(super) const LANE_H: f64 = 30.0;
pub(super) const GUTTER: f64 = 110.0;
pub(super) const TOP: f64 = 44.0;

pub(super) fn note_svg(text: &str) -> String {
    let mut svg = String::new();
    open_svg(&mut svg, SVG_WIDTH, 40.0);
    let _ = writeln!(
        svg,
        "<text x=\"10\" y=\"25\" font-family=\"sans-serif\" font-size=\"14\">{}</text>\n</svg>",
        escape(text)
    );
    svg
}

pub(super) fn window_svg(history: &History, k: &KeyOps, key: &Value, f: &Failure) -> String {
    let ops = history.ops();
    let w = window(k, f.op);
    let time = |i: Option<usize>| i.and_then(|i| ops.get(i)).map(|o| o.time);
    let t0 = w
        .iter()
        .filter_map(|&i| time(Some(k.ops[i].invoke)))
        .min()
        .unwrap_or(0);
    let closed_end = w
        .iter()
        .filter_map(|&i| time(k.ops[i].complete).or(time(Some(k.ops[i].invoke))))
        .max()
        .unwrap_or(t0);
    // Open ops run past the last completion to the right edge.
    let t1 = closed_end + (closed_end - t0) / 5 + 1;
    let span = (t1 - t0) as f64;
    let plot_w = SVG_WIDTH - GUTTER - 20.0;
    let x = |t: u64| GUTTER + (t.saturating_sub(t0)) as f64 / span * plot_w;
    let process_of = |i: usize| ops.get(k.ops[i].invoke).map(|o| o.process);
    let mut lanes: Vec<Process> = w.iter().filter_map(|&i| process_of(i)).collect();
    lanes.sort_by_key(|p| match p {
        Process::Client(n) => (0, *n),
        Process::Nemesis => (1, 0),
    });
    lanes.dedup();
    let height = TOP + lanes.len() as f64 * LANE_H + 70.0;
    let mut svg = String::new();
    open_svg(&mut svg, SVG_WIDTH, height);
    let _ = writeln!(
        svg,
        "<style>text{{font-family:sans-serif;font-size:12px}}</style>\n\
         <text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">key {}: the {} cannot be \
         linearized ({} concurrent operation(s); times in ms)</text>",
        escape(&key_name(key)),
        escape(&describe(k, k.ops[f.op].kind)),
        w.len() - 1
    );
    for (lane, p) in lanes.iter().enumerate() {
        let y = TOP + lane as f64 * LANE_H;
        let name = match p {
            Process::Client(n) => format!("process {n}"),
            Process::Nemesis => "nemesis".into(),
        };
        let _ = writeln!(
            svg,
            "<line x1=\"{GUTTER}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#eee\"/>\
             <text x=\"10\" y=\"{:.1}\">{}</text>",
            y + LANE_H / 2.0,
            SVG_WIDTH - 10.0,
            y + LANE_H / 2.0,
            y + LANE_H / 2.0 + 4.0,
            escape(&name)
        );
    }
    for &i in &w {
        let o = &k.ops[i];
        let Some(lane) = process_of(i).and_then(|p| lanes.iter().position(|l| *l == p)) else {
            continue;
        };
        let y = TOP + lane as f64 * LANE_H + 4.0;
        let start = x(time(Some(o.invoke)).unwrap_or(t0));
        let end = if o.ok {
            x(time(o.complete).unwrap_or(t1))
        } else {
            x(t1)
        };
        let (fill, stroke) = if i == f.op {
            (PINK, "#000")
        } else if o.ok {
            (LIGHT_BLUE, "#555")
        } else {
            (ORANGE, "#555")
        };
        let dash = if o.ok {
            ""
        } else {
            " stroke-dasharray=\"4 3\""
        };
        let label = format!(
            "{}{}",
            describe(k, o.kind),
            if o.ok { "" } else { " (info)" }
        );
        let title = format!(
            "{label}: invoked {:.3} ms{}",
            time(Some(o.invoke)).unwrap_or(0) as f64 / 1e6,
            match time(o.complete) {
                Some(t) => format!(", completed {:.3} ms", t as f64 / 1e6),
                None => ", never completed".into(),
            }
        );
        let _ = writeln!(
            svg,
            "<g><title>{}</title><rect x=\"{start:.1}\" y=\"{y:.1}\" width=\"{:.1}\" \
             height=\"{:.1}\" rx=\"3\" fill=\"{fill}\" stroke=\"{stroke}\"{dash}/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
            escape(&title),
            (end - start).max(2.0),
            LANE_H - 8.0,
            start + 3.0,
            y + LANE_H / 2.0 + 1.0,
            escape(&cut(&label, 40))
        );
    }
    // Time axis: window start and end.
    let axis_y = TOP + lanes.len() as f64 * LANE_H + 14.0;
    let _ = writeln!(
        svg,
        "<text x=\"{GUTTER}\" y=\"{axis_y:.1}\">{:.3}</text>\
         <text x=\"{:.1}\" y=\"{axis_y:.1}\" text-anchor=\"end\">{:.3}</text>",
        t0 as f64 / 1e6,
        x(closed_end),
        closed_end as f64 / 1e6
    );
    let states: BTreeSet<String> = f.states.iter().map(|&s| k.value(s).to_string()).collect();
    let states: Vec<String> = states.into_iter().collect();
    let _ = writeln!(
        svg,
        "<text x=\"10\" y=\"{:.1}\">The register could hold {} when the pink operation had to take \
         effect; no order of the others makes it succeed.</text>\n</svg>",
        axis_y + 24.0,
        escape(&cut(&states.join(", "), 60))
    );
    svg
}
