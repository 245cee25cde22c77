//! The operation timeline (`timeline.html`, like Jepsen's
//! `jepsen.checker.timeline`): renders the history as a standalone HTML page
//! with one column per process (clients in numeric order, nemesis last), time
//! running downward, and one box per invocation spanning from its invocation
//! to its completion, coloured by outcome (`ok`, `info`, `fail`). Invocations
//! that never completed are drawn as `info` boxes open to the end of the run.
//! Inline CSS only: no JavaScript, no external assets.

use super::{cut, escape};
use glomers_check::history::{History, Op, OpType, Process};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt::Write;

/// At most this many invocations (the earliest) are drawn.
const MAX_OPS: usize = 10_000;
/// Least vertical pixels per millisecond of test time (a 30 s run is at
/// least 30 000 px tall). Dense histories get more: see [`px_per_ms`].
const MIN_PX_PER_MS: f64 = 1.0;
/// Most vertical pixels per millisecond.
const MAX_PX_PER_MS: f64 = 100.0;
/// The scale is lowered again (not below the least) if the time axis would
/// get taller than this.
const MAX_AXIS_HEIGHT: f64 = 250_000.0;
/// Minimum box height in pixels, so instantaneous ops stay visible.
const MIN_HEIGHT: f64 = 16.0;
/// Width of one process column in pixels.
const COL_WIDTH: f64 = 100.0;
/// Horizontal gap between boxes of neighbouring columns.
const COL_GAP: f64 = 4.0;
/// Width of the time axis on the left.
const GUTTER: f64 = 64.0;
/// Space above time 0 and below the last op.
const PAD: f64 = 8.0;
/// Time ticks (light line and label) are at least this many pixels apart.
const TICK_MIN_PX: f64 = 80.0;
/// Characters of a value shown inside a box.
const BOX_VALUE_MAX_CHARS: usize = 120;
/// Characters of a value shown in a box's hover title.
const TITLE_VALUE_MAX_CHARS: usize = 2_000;

const NS_PER_MS: f64 = 1_000_000.0;

/// Renders `history` as an HTML document.
pub fn render(history: &History) -> String {
    let mut pairs = history.all_pairs();
    let total = pairs.len();
    pairs.truncate(MAX_OPS);
    let truncated = total > pairs.len();

    // Time horizon: where open-ended ops stop and the page ends. When ops are
    // left out, only the drawn part of the run counts.
    let horizon = if truncated {
        pairs
            .iter()
            .map(|(i, c)| c.map_or(i.time, |c| c.time.max(i.time)))
            .max()
            .unwrap_or(0)
    } else {
        history.ops().iter().map(|o| o.time).max().unwrap_or(0)
    };

    let scale = px_per_ms(&pairs, horizon);
    let y_of = |time_ns: u64| y_of(time_ns, scale);
    let processes = columns(&pairs);
    let column: HashMap<Process, usize> =
        processes.iter().enumerate().map(|(i, p)| (*p, i)).collect();
    let width = GUTTER + processes.len().max(1) as f64 * COL_WIDTH;
    let height = y_of(horizon) + MIN_HEIGHT + PAD;

    let mut html = String::with_capacity(8192 + pairs.len() * 400);
    header(&mut html);

    let _ = writeln!(
        html,
        "<p class=\"summary\">{} invocations by {} processes over {:.3} s, \
         drawn at {scale:.2} px per ms; hover a box for details.</p>",
        total,
        processes.len(),
        horizon as f64 / 1e9
    );
    if truncated {
        let _ = writeln!(
            html,
            "<p class=\"truncated\">Showing only the first {} of {} invocations \
             (up to {:.3} s); the rest of the history is not drawn.</p>",
            pairs.len(),
            total,
            horizon as f64 / 1e9
        );
    }

    // Column headings, kept in view while scrolling.
    let _ = writeln!(html, "<div class=\"head\" style=\"width:{width:.0}px\">");
    for (i, p) in processes.iter().enumerate() {
        let _ = writeln!(
            html,
            "<div style=\"left:{:.0}px\">{}</div>",
            column_x(i) - COL_GAP / 2.0,
            process_name(*p)
        );
    }
    html.push_str("</div>\n");

    let _ = writeln!(
        html,
        "<div class=\"ops\" style=\"width:{width:.0}px;height:{height:.0}px\">"
    );
    let horizon_ms = horizon / 1_000_000;
    for ms in (0..=horizon_ms).step_by(tick_ms(scale) as usize) {
        let class = if ms % 1000 == 0 { "tick s" } else { "tick" };
        let _ = writeln!(
            html,
            "<div class=\"{class}\" style=\"top:{:.0}px\"><span>{ms} ms</span></div>",
            y_of(ms * 1_000_000)
        );
    }
    for (invoke, completion) in &pairs {
        op_box(
            &mut html,
            column[&invoke.process],
            invoke,
            *completion,
            horizon,
            scale,
        );
    }
    if truncated {
        let _ = writeln!(
            html,
            "<div class=\"more\" style=\"top:{:.0}px\">Additional operations not shown</div>",
            height - PAD
        );
    }
    html.push_str("</div>\n</body>\n</html>\n");
    html
}

/// The processes in column order: clients by number, then the nemesis.
fn columns(pairs: &[(&Op, Option<&Op>)]) -> Vec<Process> {
    let mut processes: Vec<Process> = pairs.iter().map(|(i, _)| i.process).collect();
    processes.sort_unstable_by_key(|p| match p {
        Process::Client(n) => (0, *n),
        Process::Nemesis => (1, 0),
    });
    processes.dedup();
    processes
}

fn process_name(p: Process) -> String {
    match p {
        Process::Client(n) => n.to_string(),
        Process::Nemesis => "nemesis".to_string(),
    }
}

fn column_x(index: usize) -> f64 {
    GUTTER + index as f64 * COL_WIDTH + COL_GAP / 2.0
}

/// The vertical scale: at least [`MIN_PX_PER_MS`], raised so that the median
/// gap between consecutive invocations of one process spans a box of
/// [`MIN_HEIGHT`] (a dense history would otherwise be a pile of overlapping
/// boxes), but keeping the time axis within [`MAX_AXIS_HEIGHT`].
fn px_per_ms(pairs: &[(&Op, Option<&Op>)], horizon: u64) -> f64 {
    let mut last: HashMap<Process, u64> = HashMap::new();
    let mut gaps: Vec<u64> = Vec::with_capacity(pairs.len());
    for (invoke, _) in pairs {
        if let Some(prev) = last.insert(invoke.process, invoke.time) {
            gaps.push(invoke.time.saturating_sub(prev));
        }
    }
    let mut scale = MIN_PX_PER_MS;
    if !gaps.is_empty() {
        let mid = gaps.len() / 2;
        let median_ms = *gaps.select_nth_unstable(mid).1 as f64 / NS_PER_MS;
        scale = (MIN_HEIGHT / median_ms.max(1e-3)).clamp(MIN_PX_PER_MS, MAX_PX_PER_MS);
    }
    let horizon_ms = horizon as f64 / NS_PER_MS;
    if horizon_ms * scale > MAX_AXIS_HEIGHT {
        scale = (MAX_AXIS_HEIGHT / horizon_ms).max(MIN_PX_PER_MS);
    }
    scale
}

/// The tick interval: the smallest of 1, 2, 5, 10, 20, 50, … ms that puts
/// ticks at least [`TICK_MIN_PX`] apart.
fn tick_ms(px_per_ms: f64) -> u64 {
    let mut decade = 1;
    loop {
        for m in [1, 2, 5] {
            if (m * decade) as f64 * px_per_ms >= TICK_MIN_PX {
                return m * decade;
            }
        }
        decade *= 10;
    }
}

fn y_of(time_ns: u64, px_per_ms: f64) -> f64 {
    PAD + time_ns as f64 / NS_PER_MS * px_per_ms
}

/// One invocation's box with its hover title.
fn op_box(
    html: &mut String,
    col: usize,
    invoke: &Op,
    completion: Option<&Op>,
    horizon: u64,
    px_per_ms: f64,
) {
    let start = invoke.time;
    let end = completion.map_or(horizon, |c| c.time).max(start);
    let (class, typ) = match completion.map(|c| c.typ) {
        Some(OpType::Ok) => ("ok", "ok"),
        Some(OpType::Fail) => ("fail", "fail"),
        Some(OpType::Info) | Some(OpType::Invoke) => ("info", "info"),
        None => ("info open", "no completion"),
    };
    let top = y_of(start, px_per_ms);
    let box_height = (y_of(end, px_per_ms) - top).max(MIN_HEIGHT);

    let value = json(&invoke.value);
    let result = completion
        .filter(|c| c.value != invoke.value)
        .map(|c| json(&c.value));
    let error = completion.and_then(|c| {
        let mut parts: Vec<String> = Vec::new();
        if let Some(e) = &c.error {
            parts.push(json(e));
        }
        if let Some(e) = &c.exception {
            parts.push(e.clone());
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    });

    // Hover title: one field per line.
    let mut title = format!(
        "Process: {}\nType: {typ}\nF: {}\nValue: {}",
        process_name(invoke.process),
        invoke.f,
        cut(&value, TITLE_VALUE_MAX_CHARS)
    );
    if let Some(r) = &result {
        let _ = write!(title, "\nResult: {}", cut(r, TITLE_VALUE_MAX_CHARS));
    }
    if let Some(e) = &error {
        let _ = write!(title, "\nError: {}", cut(e, TITLE_VALUE_MAX_CHARS));
    }
    let _ = write!(title, "\nStart: {} ms", ms(start));
    match completion {
        Some(c) => {
            let _ = write!(
                title,
                "\nEnd: {} ms\nLatency: {} ms",
                ms(c.time),
                ms(c.time.saturating_sub(start))
            );
        }
        None => title.push_str("\nEnd: never\nLatency: unknown"),
    }

    let mut text = format!(
        "{} {}",
        escape(&invoke.f),
        escape(&cut(&value, BOX_VALUE_MAX_CHARS))
    );
    if let Some(r) = &result {
        let _ = write!(text, "<br>{}", escape(&cut(r, BOX_VALUE_MAX_CHARS)));
    }
    if let Some(e) = &error {
        let _ = write!(text, "<br>{}", escape(&cut(e, BOX_VALUE_MAX_CHARS)));
    }

    let _ = writeln!(
        html,
        "<div class=\"op {class}\" style=\"left:{:.0}px;top:{top:.1}px;height:{box_height:.1}px\" \
         title=\"{}\">{text}</div>",
        column_x(col),
        escape(&title).replace('\n', "&#10;"),
    );
}

fn json(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Milliseconds with three decimals.
fn ms(ns: u64) -> String {
    format!("{:.3}", ns as f64 / NS_PER_MS)
}

fn header(html: &mut String) {
    html.push_str(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>Timeline</title>\n",
    );
    let _ = writeln!(
        html,
        "<style>\n\
         body {{ margin: 0; font-family: sans-serif; font-size: 11px; background: #FFFFFF; color: #222222; }}\n\
         h1 {{ font-size: 16px; margin: 8px; }}\n\
         .summary {{ margin: 0 8px 8px; color: #555555; }}\n\
         .truncated {{ margin: 0 8px 8px; padding: 4px 8px; background: #FFF3CD; \
         border: 1px solid #FFA500; font-weight: bold; display: inline-block; }}\n\
         .head {{ position: sticky; top: 0; z-index: 100; height: 20px; background: #FFFFFF; \
         border-bottom: 1px solid #BBBBBB; }}\n\
         .head div {{ position: absolute; top: 0; width: {COL_WIDTH:.0}px; line-height: 20px; \
         text-align: center; font-weight: bold; color: #555555; }}\n\
         .ops {{ position: relative; }}\n\
         .tick {{ position: absolute; left: 0; right: 0; border-top: 1px solid #F2F2F2; }}\n\
         .tick.s {{ border-top-color: #CCCCCC; }}\n\
         .tick span {{ position: absolute; left: 4px; top: 1px; font-size: 9px; color: #999999; \
         background: #FFFFFF; }}\n\
         .op {{ position: absolute; width: {:.0}px; box-sizing: border-box; padding: 1px 3px; \
         overflow: hidden; white-space: nowrap; text-overflow: ellipsis; font-size: 10px; \
         line-height: 13px; border-radius: 2px; \
         box-shadow: 0 1px 2px rgba(0, 0, 0, 0.3); }}\n\
         .op:hover {{ z-index: 50; box-shadow: 0 3px 8px rgba(0, 0, 0, 0.45); }}\n\
         .op.ok {{ background: #B3D9FF; }}\n\
         .op.info {{ background: #FFD699; }}\n\
         .op.fail {{ background: #FFC7E3; }}\n\
         .op.open {{ border-bottom: 3px dashed #CC7A00; \
         background: linear-gradient(#FFD699, #FFF3E0); }}\n\
         .more {{ position: absolute; left: 0; right: 0; border-top: 2px solid #FFA500; \
         color: #CC7A00; font-weight: bold; text-align: center; }}\n\
         </style>\n</head>\n<body>\n<h1>Timeline</h1>",
        COL_WIDTH - COL_GAP
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use glomers_check::history::build::history;
    use glomers_check::history::Completion;
    use serde_json::json;

    /// The `class` attributes of the op boxes, in document order.
    fn box_classes(html: &str) -> Vec<&str> {
        html.split("<div class=\"op ")
            .skip(1)
            .map(|piece| &piece[..piece.find('"').unwrap()])
            .collect()
    }

    /// The column headings, in order.
    fn headings(html: &str) -> Vec<&str> {
        let head = &html[html.find("<div class=\"head\"").unwrap()..];
        let head = &head[..head.find("</div>\n</div>").unwrap() + 6];
        head.split("<div style=\"left:")
            .skip(1)
            .map(|piece| {
                let start = piece.find("px\">").unwrap() + 4;
                &piece[start..piece.find("</div>").unwrap()]
            })
            .collect()
    }

    /// `(top, height)` of the `n`th box.
    fn geometry(html: &str, n: usize) -> (f64, f64) {
        let piece = html.split("<div class=\"op ").nth(n + 1).unwrap();
        let num = |key: &str| -> f64 {
            let rest = &piece[piece.find(key).unwrap() + key.len()..];
            rest[..rest.find("px").unwrap()].parse().unwrap()
        };
        (num("top:"), num("height:"))
    }

    #[test]
    fn empty_history_is_a_page() {
        let html = render(&History::default());
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.trim_end().ends_with("</html>"));
        assert!(box_classes(&html).is_empty());
        assert!(!html.contains("class=\"truncated\""));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn untrusted_text_is_escaped() {
        let evil = "<script>alert('x&y')</script>\"";
        let h = history(&[
            (0, OpType::Invoke, "echo", json!(evil), 0),
            (0, OpType::Ok, "echo", json!({ "echo": evil }), 5),
            (1, OpType::Invoke, "<b>f</b>", json!(1), 1),
            (1, OpType::Fail, "<b>f</b>", json!(1), 2),
        ]);
        let html = render(&h);
        assert!(!html.contains("<script"), "unescaped script tag");
        assert!(!html.contains("<b>"), "unescaped f");
        assert!(html.contains("&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;"));
        assert!(html.contains("&lt;b&gt;f&lt;/b&gt;"));
        // Every title attribute stays one attribute: no raw quote inside.
        for piece in html.split("title=\"").skip(1) {
            let value = &piece[..piece.find('"').unwrap()];
            assert!(!value.contains('<') && !value.contains('>'));
            assert!(piece[value.len()..].starts_with("\">"));
        }
    }

    #[test]
    fn one_box_per_completed_invocation_with_its_outcome() {
        let h = history(&[
            (0, OpType::Invoke, "read", json!(null), 0),
            (1, OpType::Invoke, "write", json!(3), 1),
            (2, OpType::Invoke, "cas", json!([1, 2]), 2),
            (0, OpType::Ok, "read", json!(3), 10),
            (1, OpType::Info, "write", json!(3), 20),
            (2, OpType::Fail, "cas", json!([1, 2]), 30),
            (0, OpType::Invoke, "read", json!(null), 40),
            (0, OpType::Ok, "read", json!(4), 100),
        ]);
        let html = render(&h);
        assert_eq!(box_classes(&html), ["ok", "info", "fail", "ok"]);
        // The last read spans 40..100 ms.
        let (top, height) = geometry(&html, 3);
        assert!(
            html.contains("drawn at 1.00 px per ms"),
            "sparse: least scale"
        );
        assert_eq!(top, y_of(40_000_000, 1.0));
        assert_eq!(height, 60.0);
        // A short op still gets the minimum height.
        assert_eq!(geometry(&html, 0).1, MIN_HEIGHT);
        assert!(html.contains("Latency: 60.000 ms"));
        assert!(html.contains("read null<br>4</div>"));
        assert_eq!(headings(&html), ["0", "1", "2"]);
    }

    #[test]
    fn op_without_completion_is_open_ended() {
        let h = history(&[
            (0, OpType::Invoke, "read", json!(null), 10),
            (1, OpType::Invoke, "write", json!(1), 20),
            (1, OpType::Ok, "write", json!(1), 500),
        ]);
        let html = render(&h);
        assert_eq!(box_classes(&html), ["info open", "ok"]);
        let (top, height) = geometry(&html, 0);
        assert_eq!(top, y_of(10_000_000, 1.0));
        assert_eq!(top + height, y_of(500_000_000, 1.0), "runs to the end");
        assert!(html.contains("End: never"));
    }

    #[test]
    fn nemesis_column_is_last_and_clients_numeric() {
        let mut h = History::default();
        let info = |value| Completion {
            typ: OpType::Info,
            value,
            error: None,
            exception: None,
        };
        let n = h.invoke(
            0,
            Process::Nemesis,
            "start-partition",
            json!("majority"),
            false,
        );
        h.complete(0, n, info(json!({"n0": ["n1"]})));
        for p in [10, 2, 1] {
            let i = h.invoke(1_000_000, Process::Client(p), "echo", json!("hi"), false);
            h.complete(
                2_000_000,
                i,
                Completion {
                    typ: OpType::Ok,
                    value: json!("hi"),
                    error: None,
                    exception: None,
                },
            );
        }
        let html = render(&h);
        assert_eq!(headings(&html), ["1", "2", "10", "nemesis"]);
        // The nemesis box sits in the last column.
        let piece = html.split("<div class=\"op ").nth(1).unwrap();
        assert!(piece.starts_with("info\""));
        assert!(piece.contains(&format!("left:{:.0}px", column_x(3))));
    }

    #[test]
    fn dense_history_is_stretched_within_limits() {
        // One process invoking every 2 ms: 8 px per ms, boxes just touch.
        let rows: Vec<_> = (0..100)
            .flat_map(|i| {
                [
                    (0, OpType::Invoke, "generate", json!(null), 2 * i),
                    (0, OpType::Ok, "generate", json!(i), 2 * i + 1),
                ]
            })
            .collect();
        let html = render(&history(&rows));
        assert!(html.contains("drawn at 8.00 px per ms"));
        let (top0, height0) = geometry(&html, 0);
        let (top1, _) = geometry(&html, 1);
        assert_eq!((top1 - top0, height0), (MIN_HEIGHT, MIN_HEIGHT));
        assert_eq!(tick_ms(8.0), 10);
        assert_eq!(tick_ms(1.0), 100);

        // Tiny gaps over a long run: the axis height caps the scale.
        let h = history(&[
            (0, OpType::Invoke, "a", json!(null), 0),
            (0, OpType::Invoke, "a", json!(null), 0),
            (0, OpType::Invoke, "a", json!(null), 0),
            (0, OpType::Invoke, "a", json!(null), 1_000),
        ]);
        let pairs = h.all_pairs();
        assert_eq!(px_per_ms(&pairs, 1_000_000_000), MAX_PX_PER_MS);
        assert_eq!(px_per_ms(&pairs, 10_000_000_000), 25.0);
        assert_eq!(px_per_ms(&pairs, 1_000_000_000_000), MIN_PX_PER_MS);
    }

    #[test]
    fn truncation_is_noted() {
        let rows: Vec<_> = (0..MAX_OPS as u64 + 5)
            .flat_map(|i| {
                [
                    (i % 4, OpType::Invoke, "generate", json!(null), i),
                    (i % 4, OpType::Ok, "generate", json!(i), i + 1),
                ]
            })
            .collect();
        let html = render(&history(&rows));
        assert_eq!(box_classes(&html).len(), MAX_OPS);
        assert!(html.contains(&format!(
            "Showing only the first {MAX_OPS} of {} invocations",
            MAX_OPS + 5
        )));
        assert!(html.contains("Additional operations not shown"));

        let small = render(&history(&rows[..20]));
        assert_eq!(box_classes(&small).len(), 10);
        assert!(!small.contains("class=\"truncated\""));
    }
}
