//! Tests of the performance plots: points, quantile windows and rates
//! drawn from hand-written histories.

use super::*;
use glomers_check::history::build::history;
use glomers_check::history::Completion;
use serde_json::json;

/// Tags nest, no stray `<`, `>` or `&` in text or attribute values.
fn assert_well_formed(svg: &str) {
    assert!(svg.starts_with("<?xml"));
    let mut open: Vec<String> = Vec::new();
    let mut rest = svg;
    let plain = |s: &str| {
        assert!(!s.contains('>'), "stray '>' in {s:?}");
        for after in s.split('&').skip(1) {
            assert!(
                ["amp;", "lt;", "gt;", "quot;", "#39;"]
                    .iter()
                    .any(|e| after.starts_with(e)),
                "bare '&' in {s:?}"
            );
        }
    };
    while let Some(lt) = rest.find('<') {
        plain(&rest[..lt]);
        let gt = lt + rest[lt..].find('>').expect("tag never closed");
        let tag = &rest[lt + 1..gt];
        assert!(!tag.contains('<'), "'<' inside {tag:?}");
        assert_eq!(tag.matches('"').count() % 2, 0, "quotes in {tag:?}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop().as_deref(), Some(name), "close of {name}");
        } else if !tag.ends_with('/') && !tag.starts_with('?') {
            open.push(tag.split_whitespace().next().unwrap().to_string());
        }
        rest = &rest[gt + 1..];
    }
    assert!(rest.trim().is_empty(), "text after the root: {rest:?}");
    assert!(open.is_empty(), "never closed: {open:?}");
}

fn legend(svg: &str) -> Vec<&str> {
    svg.split("<text class=\"legend\"")
        .skip(1)
        .map(|piece| &piece[piece.find('>').unwrap() + 1..piece.find("</text>").unwrap()])
        .collect()
}

fn all(history: &History) -> [String; 3] {
    [
        latency_raw(history),
        latency_quantiles(history),
        rate(history),
    ]
}

fn nemesis_op(h: &mut History, t_ms: u64, f: &str) {
    let i = h.invoke(t_ms * 1_000_000, Process::Nemesis, f, json!(null), false);
    h.complete(
        t_ms * 1_000_000,
        i,
        Completion {
            typ: OpType::Info,
            value: json!(null),
            error: None,
            exception: None,
        },
    );
}

#[test]
fn empty_history_gives_valid_svgs() {
    for svg in all(&History::default()) {
        assert_well_formed(&svg);
        assert!(svg.contains("No completed client operations"));
        assert!(legend(&svg).is_empty());
        assert!(!svg.contains("<script"));
    }
}

#[test]
fn every_f_and_outcome_is_in_the_legend() {
    let h = history(&[
        (0, OpType::Invoke, "read", json!(null), 0),
        (1, OpType::Invoke, "write", json!(1), 100),
        (2, OpType::Invoke, "cas", json!([1, 2]), 200),
        (0, OpType::Ok, "read", json!(1), 300),
        (1, OpType::Info, "write", json!(1), 1_300),
        (2, OpType::Fail, "cas", json!([1, 2]), 1_400),
        (0, OpType::Invoke, "read", json!(null), 2_000),
        (0, OpType::Ok, "read", json!(1), 2_000),
        (3, OpType::Invoke, "read", json!(null), 2_500),
    ]);
    let [raw, quantiles, rate] = all(&h);
    for svg in [&raw, &quantiles, &rate] {
        assert_well_formed(svg);
        assert!(!svg.contains("No completed client operations"));
        assert!(!svg.contains("nemesis active"));
    }
    assert_eq!(legend(&raw), ["cas fail", "read ok", "write info"]);
    assert_eq!(legend(&rate), ["cas fail", "read ok", "write info"]);
    assert_eq!(
        legend(&quantiles),
        [
            "cas 0.5",
            "cas 0.95",
            "cas 0.99",
            "cas 1",
            "read 0.5",
            "read 0.95",
            "read 0.99",
            "read 1",
            "write 0.5",
            "write 0.95",
            "write 0.99",
            "write 1"
        ]
    );
    // Outcome colours; the zero-latency read is clamped to the floor.
    assert!(raw.contains(&format!(
        "<g stroke=\"{COLOR_FAIL}\"><title>cas fail: 1 points"
    )));
    assert!(raw.contains("1 latencies below 0.01 ms drawn at 0.01 ms"));
    assert!(raw.contains("1 invocations never completed (not shown)"));
    // Latencies of 0.01 to 1 200 ms: decades up to 10 000, labelled.
    assert!(raw.contains(">0.01</text>") && raw.contains(">10000</text>"));
}

#[test]
fn nemesis_periods_are_shaded() {
    let mut h = history(&[
        (0, OpType::Invoke, "read", json!(null), 0),
        (0, OpType::Ok, "read", json!(1), 10_000),
    ]);
    nemesis_op(&mut h, 2_000, "start-partition");
    nemesis_op(&mut h, 5_000, "stop-partition");
    nemesis_op(&mut h, 7_000, "start-partition");
    // Never stopped: shaded to the end of the run (10 s).
    assert_eq!(nemesis_intervals(&h, 10.0), [(2.0, 5.0), (7.0, 10.0)]);
    for svg in all(&h) {
        assert_well_formed(&svg);
        assert_eq!(svg.matches("<title>nemesis active").count(), 2);
        assert_eq!(legend(&svg).last(), Some(&"nemesis active"));
        // Nemesis ops are not plotted.
        assert!(!svg.contains("partition"));
    }
}

#[test]
fn f_is_escaped() {
    let h = history(&[
        (0, OpType::Invoke, "<b>&f</b>", json!(null), 0),
        (0, OpType::Ok, "<b>&f</b>", json!(1), 5),
    ]);
    for svg in all(&h) {
        assert_well_formed(&svg);
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("&lt;b&gt;&amp;f&lt;/b&gt;"));
    }
}

#[test]
fn quantiles_and_rates_per_window() {
    // 10 reads invoked in the first second with latencies 1..=10 ms, one
    // read at 1.5 s taking 100 ms, and a failed write completing at 1.2 s.
    let mut rows = Vec::new();
    for i in 0..10u64 {
        rows.push((i, OpType::Invoke, "read", json!(null), i * 50));
        rows.push((i, OpType::Ok, "read", json!(1), i * 50 + i + 1));
    }
    rows.extend([
        (20, OpType::Invoke, "read", json!(null), 1_500),
        (20, OpType::Ok, "read", json!(1), 1_600),
        (21, OpType::Invoke, "write", json!(1), 1_100),
        (21, OpType::Fail, "write", json!(1), 1_200),
    ]);
    let h = history(&rows);
    let data = Data::new(&h);
    assert_eq!(data.fs, ["read", "write"]);
    assert_eq!(data.end_s, 1.6);

    let q = quantile_points(&data, 1.0);
    // read: window [0, 1) → ⌊10·q⌋: 0.5 → 6 ms, 0.95 and 0.99 → 10 ms.
    assert_eq!(q[&0], [(0.5, [6.0, 10.0, 10.0, 10.0]), (1.5, [100.0; 4])]);
    assert_eq!(q[&1], [(1.5, [100.0; 4])]);

    // Rates in 0.5 s windows by completion time; windows run while their
    // middle is within 1.6 s: 0.25, 0.75, 1.25 (1.75 is left out).
    let r = rate_points(&h, &data.fs, 0.5, data.end_s);
    assert_eq!(r.len(), 2);
    assert_eq!((r[0].f, r[0].outcome), (0, Outcome::Ok));
    assert_eq!(r[0].points, [(0.25, 20.0), (0.75, 0.0), (1.25, 0.0)]);
    assert_eq!((r[1].f, r[1].outcome), (1, Outcome::Fail));
    assert_eq!(r[1].points, [(0.25, 0.0), (0.75, 0.0), (1.25, 2.0)]);

    assert_eq!(quantile(&[1.0], 0.99), 1.0);
}

#[test]
fn quantile_lines_break_at_empty_windows() {
    // Reads each second for 10 s, then one at 40 s: 2 s windows, the
    // first five joined, the last alone.
    let mut rows = Vec::new();
    for (p, s) in (0..10u64).chain([40]).enumerate() {
        rows.push((p as u64, OpType::Invoke, "read", json!(null), s * 1_000));
        rows.push((p as u64, OpType::Ok, "read", json!(1), s * 1_000 + 1));
    }
    let svg = latency_quantiles(&history(&rows));
    assert_well_formed(&svg);
    assert!(svg.contains("Latency quantiles (2 s windows)"));
    let lines: Vec<&str> = svg.split("<path class=\"line\"").skip(1).collect();
    assert_eq!(lines.len(), QUANTILES.len());
    for line in lines {
        let d = &line[line.find("d=\"").unwrap() + 3..];
        let d = &d[..d.find('"').unwrap()];
        assert_eq!((d.matches('M').count(), d.matches('L').count()), (2, 4));
    }
}

#[test]
fn windows_shrink_for_short_runs() {
    // Jepsen's 30 s and 10 s windows for long runs.
    assert_eq!(
        window_s(3600.0, QUANTILE_MIN_WINDOWS, QUANTILE_WINDOW_MAX_S),
        30.0
    );
    assert_eq!(window_s(3600.0, RATE_MIN_WINDOWS, RATE_WINDOW_MAX_S), 10.0);
    assert_eq!(
        window_s(25.0, QUANTILE_MIN_WINDOWS, QUANTILE_WINDOW_MAX_S),
        2.0
    );
    assert_eq!(window_s(25.0, RATE_MIN_WINDOWS, RATE_WINDOW_MAX_S), 1.0);
    assert_eq!(window_s(0.0, RATE_MIN_WINDOWS, RATE_WINDOW_MAX_S), 0.1);
}

#[test]
fn axes_are_round() {
    assert_eq!(nice_step(2.3), 5.0);
    assert_eq!(nice_step(0.1), 0.1);
    assert_eq!(nice_step(11.0), 20.0);
    assert_eq!(
        Scale::linear_for(47.0),
        Scale::Linear {
            max: 50.0,
            step: 10.0
        }
    );
    assert_eq!(
        linear_ticks(1.0, 0.2)
            .into_iter()
            .map(|t| t.1)
            .collect::<Vec<_>>(),
        ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]
    );
    assert_eq!(
        Scale::log_for([0.5, 120.0].into_iter()),
        Scale::Log { lo: -1, hi: 3 }
    );
    assert_eq!(
        Scale::log_for([10.0].into_iter()),
        Scale::Log { lo: 1, hi: 2 }
    );
}

#[test]
fn raw_scatter_is_capped() {
    // 30 000 ok reads and 3 failed writes: both series keep points.
    let mut h = History::default();
    let done = |typ| Completion {
        typ,
        value: json!(null),
        error: None,
        exception: None,
    };
    for i in 0..30_000u64 {
        let inv = h.invoke(
            i * 1_000_000,
            Process::Client(i % 5),
            "read",
            json!(null),
            false,
        );
        h.complete(i * 1_000_000 + 3_000_000, inv, done(OpType::Ok));
    }
    for i in 0..3u64 {
        let inv = h.invoke(
            i * 1_000_000_000,
            Process::Client(9),
            "write",
            json!(1),
            false,
        );
        h.complete(i * 1_000_000_000 + 1, inv, done(OpType::Fail));
    }
    let svg = latency_raw(&h);
    assert_well_formed(&svg);
    let markers = svg.matches('M').count() - legend(&svg).len();
    assert!(markers <= MAX_POINTS + 2, "{markers} markers");
    assert!(markers >= MAX_POINTS - 2, "{markers} markers");
    assert!(svg.contains(&format!(
        "showing {markers} of 30003 operations, sampled evenly"
    )));
    assert!(svg.contains("write fail: 3 points"));
    assert!(svg.len() < 1_000_000, "{} bytes", svg.len());
}
