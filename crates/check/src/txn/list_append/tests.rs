//! Tests of the list-append checker: each anomaly on a hand-written
//! history, under each consistency model, as Elle names it.

use super::super::testing::{concurrent, models, oks, serial, strs, taken, types, T};
use super::*;
use crate::history::build;
use serde_json::json;
use OpType::{Fail, Info, Ok};

/// Checks `h` twice: whole, and with its values taken as `glomers check`
/// takes them while reading; both must say exactly the same.
fn check(h: &History, m: &[&str]) -> Value {
    let whole = super::check(h, &models(m));
    let (taken, mops) = taken(h, Mops::lists());
    assert_eq!(check_compacted(&taken, &mops, &models(m)), whole);
    whole
}

#[test]
fn g0_write_cycle() {
    // x => t1, t2; y => t2, t1 (Elle's checker-test "G0").
    let h = oks(&[
        json!([["append", "x", 1], ["append", "y", 1]]),
        json!([["append", "x", 2], ["append", "y", 2]]),
        json!([["r", "x", [1, 2]], ["r", "y", [2, 1]]]),
    ]);
    let r = check(&h, &["read-uncommitted"]);
    assert_eq!(r["valid?"], false);
    assert_eq!(types(&r), ["G0"]);
    assert_eq!(strs(&r, "not"), ["read-uncommitted"]);
    let g0 = &r["anomalies"]["G0"][0];
    assert_eq!(g0["type"], "G0");
    assert_eq!(g0["cycle"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        g0["steps"],
        json!([
            {"type": "ww", "key": "x", "value": 1, "value'": 2, "a-mop-index": 0, "b-mop-index": 0},
            {"type": "ww", "key": "y", "value": 2, "value'": 1, "a-mop-index": 1, "b-mop-index": 1}
        ])
    );
    let text = g0["explanation"].as_str().unwrap_or("");
    assert!(
        text.contains("T2 appended 2 after T1 appended 1 to \"x\"")
            && text.contains("However, T2 < T1")
            && text.contains("a contradiction!"),
        "{text}"
    );
}

#[test]
fn g1a_aborted_read() {
    let h = build::history(&[
        (0, Fail, "txn", json!([["append", "x", 1]]), 0),
        (1, Ok, "txn", json!([["r", "x", [1]]]), 1),
    ]);
    // Read-uncommitted doesn't prohibit it, but the boundary knows.
    let r = check(&h, &["read-uncommitted"]);
    assert_eq!(r["valid?"], "unknown");
    assert_eq!(types(&r), ["empty-transaction-graph"]);
    assert_eq!(strs(&r, "not"), ["read-committed"]);
    let r = check(&h, &["read-committed"]);
    assert_eq!(r["valid?"], false);
    assert_eq!(types(&r), ["G1a", "empty-transaction-graph"]);
    let g1a = &r["anomalies"]["G1a"][0];
    assert_eq!(g1a["element"], 1);
    assert_eq!(g1a["mop"], json!(["r", "x", [1]]));
    assert_eq!(g1a["writer"]["type"], "fail");
}

#[test]
fn g1b_intermediate_read_is_fine_under_read_uncommitted_only() {
    let h = serial(&[
        (Ok, json!([["append", "x", 1], ["append", "x", 2]])),
        (Ok, json!([["r", "x", [1]]])),
    ]);
    assert_eq!(check(&h, &["read-uncommitted"]), json!({"valid?": true}));
    let r = check(&h, &["read-committed"]);
    assert_eq!(
        (r["valid?"].clone(), types(&r)),
        (json!(false), vec!["G1b".to_string()])
    );
    // Strict serializability also sees the G-single: rx1 observed ax1
    // but not ax2 (Elle's checker-test "G1b").
    let r = check(&h, &["strict-serializable"]);
    assert_eq!(types(&r), ["G-single-item", "G1b"]);
    assert_eq!(strs(&r, "not"), ["read-committed"]);
    assert_eq!(
        r["anomalies"]["G-single-item"][0]["steps"],
        json!([
            {"type": "rw", "key": "x", "value": 1, "value'": 2, "a-mop-index": 0, "b-mop-index": 1},
            {"type": "wr", "key": "x", "value": 1, "a-mop-index": 0, "b-mop-index": 0}
        ])
    );
}

#[test]
fn g1c_circular_information_flow() {
    let h = oks(&[
        json!([["append", "x", 1], ["r", "y", [1]]]),
        json!([["append", "x", 2], ["append", "y", 1]]),
        json!([["r", "x", [1, 2]], ["r", "y", [1]]]),
    ]);
    assert_eq!(check(&h, &["read-uncommitted"]), json!({"valid?": true}));
    let r = check(&h, &["read-committed"]);
    assert_eq!(types(&r), ["G1c"]);
    assert_eq!(strs(&r, "not"), ["read-committed"]);
    let steps = &r["anomalies"]["G1c"][0]["steps"];
    let kinds: Vec<&str> = steps
        .as_array()
        .map(|s| s.iter().filter_map(|x| x["type"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds.len(), 2);
    assert!(kinds.contains(&"wr") && kinds.contains(&"ww"));
}

#[test]
fn g_single_read_skew() {
    let h = oks(&[
        json!([["append", "x", 1], ["append", "y", 1]]),
        json!([["append", "x", 2], ["r", "y", null]]),
        json!([["r", "x", [1, 2]]]),
    ]);
    assert_eq!(check(&h, &["read-committed"]), json!({"valid?": true}));
    let r = check(&h, &["serializable"]);
    assert_eq!(types(&r), ["G-single-item"]);
    assert_eq!(strs(&r, "not"), ["consistent-view", "repeatable-read"]);
    let text = r["anomalies"]["G-single-item"][0]["explanation"]
        .as_str()
        .unwrap_or("");
    assert!(
        text.contains("observed the initial (nil) state of \"y\""),
        "{text}"
    );
    // Snapshot isolation prohibits G-single too.
    assert_eq!(
        types(&check(&h, &["snapshot-isolation"])),
        ["G-single-item"]
    );
}

#[test]
fn g2_item_write_skew_is_valid_under_snapshot_isolation_only() {
    let h = oks(&[
        json!([["append", "x", 1], ["r", "y", null]]),
        json!([["append", "y", 1], ["r", "x", null]]),
    ]);
    assert_eq!(check(&h, &["read-committed"]), json!({"valid?": true}));
    assert_eq!(check(&h, &["snapshot-isolation"]), json!({"valid?": true}));
    for m in ["serializable", "repeatable-read"] {
        let r = check(&h, &[m]);
        assert_eq!(r["valid?"], false, "{m}");
        assert_eq!(types(&r), ["G2-item"], "{m}");
        assert_eq!(strs(&r, "not"), ["repeatable-read"], "{m}");
        let steps = &r["anomalies"]["G2-item"][0]["steps"];
        assert_eq!(steps[0]["type"], "rw");
        assert_eq!(steps[0]["value"], Value::Null, "the initial state");
        assert_eq!(steps[1]["type"], "rw");
    }
}

#[test]
fn realtime_cycles_only_count_for_strict_serializability() {
    // T1 anti-depends on T2, but T1 began after T2 completed (Elle's
    // "Strong SI violation").
    let h = serial(&[
        (Ok, json!([["append", "x", 1]])),
        (Ok, json!([["append", "x", 2]])),
        (Ok, json!([["r", "x", [1]]])),
        (Ok, json!([["r", "x", [1, 2]]])),
    ]);
    assert_eq!(check(&h, &["serializable"]), json!({"valid?": true}));
    let r = check(&h, &["strict-serializable"]);
    assert_eq!(types(&r), ["G-single-item-realtime"]);
    assert_eq!(strs(&r, "not"), ["strong-snapshot-isolation"]);
    assert_eq!(strs(&r, "also-not"), ["strong-serializable"]);
    let c = &r["anomalies"]["G-single-item-realtime"][0];
    assert_eq!(c["steps"][0]["type"], "rw");
    assert_eq!(c["steps"][1]["type"], "realtime");
    assert_eq!(c["steps"][1]["b"]["type"], "invoke");
    let text = c["explanation"].as_str().unwrap_or("");
    assert!(
        text.contains("seconds before the invocation of T1"),
        "{text}"
    );
    // A read of the future: wr one way, real time the other.
    let h = serial(&[
        (Ok, json!([["r", "x", [1]]])),
        (Ok, json!([["append", "x", 1]])),
    ]);
    assert_eq!(check(&h, &["serializable"]), json!({"valid?": true}));
    let r = check(&h, &["strict-serializable"]);
    assert_eq!(types(&r), ["G1c-realtime"]);
    assert_eq!(strs(&r, "not"), ["strong-read-committed"]);
}

#[test]
fn process_order_for_strong_session_models() {
    // Process 1 appends 2 and then fails to read it (Elle's "Strong
    // Session SI violation").
    let h = super::super::testing::history(&[
        T(0, Ok, json!([["append", "x", 1]]), 0, 1),
        T(1, Ok, json!([["append", "x", 2]]), 2, 3),
        T(1, Ok, json!([["r", "x", [1]]]), 4, 5),
        T(2, Ok, json!([["r", "x", [1, 2]]]), 6, 7),
    ]);
    assert_eq!(check(&h, &["serializable"]), json!({"valid?": true}));
    let r = check(&h, &["strong-session-snapshot-isolation"]);
    assert_eq!(types(&r), ["G-single-item-process"]);
    assert_eq!(strs(&r, "not"), ["strong-session-snapshot-isolation"]);
    assert_eq!(
        r["anomalies"]["G-single-item-process"][0]["steps"][1],
        json!({"type": "process", "process": 1})
    );
}

#[test]
fn g_nonadjacent() {
    let h = serial(&[
        (Ok, json!([["append", "x", 1]])),
        (Ok, json!([["r", "x", [1]], ["r", "y", null]])),
        (Ok, json!([["append", "y", 1]])),
        (Ok, json!([["r", "y", [1]], ["r", "x", null]])),
    ]);
    let r = check(&h, &["strict-serializable"]);
    assert_eq!(types(&r), ["G-nonadjacent-item"]);
    assert_eq!(strs(&r, "not"), ["repeatable-read", "snapshot-isolation"]);
    assert_eq!(
        r["anomalies"]["G-nonadjacent-item"][0]["steps"]
            .as_array()
            .map(Vec::len),
        Some(4)
    );
    // rw rw wr rw wr: two rw edges are adjacent, so not G-nonadjacent.
    let h = serial(&[
        (Ok, json!([["r", "x", [5]], ["append", "y", 1]])),
        (Ok, json!([["r", "y", null], ["append", "z", 2]])),
        (Ok, json!([["r", "z", null], ["append", "t", 3]])),
        (Ok, json!([["r", "t", [3]], ["append", "u", 4]])),
        (Ok, json!([["r", "u", null], ["append", "x", 5]])),
    ]);
    assert_eq!(check(&h, &["snapshot-isolation"]), json!({"valid?": true}));
}

#[test]
fn lost_update() {
    let h = serial(&[
        (Ok, json!([["append", "x", 0]])),
        (Ok, json!([["r", "x", [0]], ["append", "x", 1]])),
        (Ok, json!([["r", "x", [0]], ["append", "x", 2]])),
    ]);
    let r = check(&h, &["strict-serializable"]);
    assert_eq!(types(&r), ["G2-item", "lost-update"]);
    assert_eq!(strs(&r, "not"), ["cursor-stability", "update-atomic"]);
    let lu = &r["anomalies"]["lost-update"][0];
    assert_eq!(lu["key"], "x");
    assert_eq!(lu["value"], json!([0]));
    assert_eq!(lu["txns"].as_array().map(Vec::len), Some(2));
    // One transaction writing over its read twice is fine.
    let h = serial(&[
        (
            Ok,
            json!([["r", "x", null], ["append", "x", 1], ["append", "x", 2]]),
        ),
        (Ok, json!([["r", "x", [1, 2]]])),
    ]);
    assert_eq!(check(&h, &["strict-serializable"]), json!({"valid?": true}));
}

#[test]
fn internal_and_future_reads() {
    let h = oks(&[
        json!([["append", "x", 1], ["append", "x", 2], ["append", "x", 4]]),
        json!([["append", "x", 3], ["r", "x", [1, 2, 3, 4]]]),
    ]);
    let r = check(&h, &["serializable"]);
    assert!(types(&r).contains(&"internal".to_string()), "{r}");
    assert!(types(&r).contains(&"G0".to_string()), "{r}");
    assert_eq!(r["anomalies"]["internal"][0]["expected"], json!(["...", 3]));
    // Read, append, read again: the second read must include the append.
    let h = oks(&[
        json!([["append", "x", 1], ["append", "x", 2]]),
        json!([["r", "x", [1, 2]], ["append", "x", 3], ["r", "x", [1, 2]]]),
    ]);
    let r = check(&h, &["read-atomic"]);
    assert_eq!(r["anomalies"]["internal"][0]["expected"], json!([1, 2, 3]));
    // Read-committed doesn't prohibit internal.
    assert_eq!(check(&h, &["read-committed"]), json!({"valid?": true}));
    let h = serial(&[(Ok, json!([["r", "x", [1]], ["append", "x", 1]]))]);
    let r = check(&h, &["read-committed"]);
    assert_eq!(types(&r), ["empty-transaction-graph", "future-read"]);
    assert_eq!(r["anomalies"]["future-read"][0]["element"], 1);
}

#[test]
fn duplicates_incompatible_orders_and_dirty_updates() {
    let h = oks(&[
        json!([["append", "x", 1], ["r", "y", [1]]]),
        json!([["append", "x", 2], ["append", "y", 1]]),
        json!([["r", "x", [1, 2, 1]]]),
    ]);
    let r = check(&h, &["read-committed"]);
    assert_eq!(types(&r), ["G1c", "duplicate-elements"]);
    assert_eq!(strs(&r, "not"), ["read-uncommitted"]);
    assert_eq!(
        r["anomalies"]["duplicate-elements"][0]["duplicates"],
        json!({"1": 2})
    );

    let h = oks(&[
        json!([["append", "x", 1], ["r", "y", [1]]]),
        json!([["append", "x", 2]]),
        json!([["append", "x", 3], ["append", "y", 1]]),
        json!([["r", "x", [1, 3]]]),
        json!([["r", "x", [1, 2, 3]]]),
    ]);
    let r = check(&h, &["read-committed"]);
    assert_eq!(types(&r), ["G1c", "incompatible-order"]);
    assert_eq!(
        r["anomalies"]["incompatible-order"][0]["values"],
        json!([[1, 3], [1, 2, 3]])
    );

    let h = build::history(&[
        (0, Fail, "txn", json!([["append", "x", 1]]), 0),
        (1, Info, "txn", json!([["append", "x", 2]]), 0),
        (2, Ok, "txn", json!([["append", "x", 3]]), 0),
        (3, Ok, "txn", json!([["r", "x", [1, 2, 3]]]), 0),
    ]);
    let r = check(&h, &["read-committed"]);
    assert_eq!(types(&r), ["G1a", "dirty-update"]);
    let du = &r["anomalies"]["dirty-update"][0];
    assert_eq!(du["values"], json!([1, 2, 3]));
    assert_eq!(du["txns"][1], "...");
    assert_eq!(du["txns"][0]["type"], "fail");
}

#[test]
fn info_appends_can_be_read_and_their_reads_say_nothing() {
    // T1 crashed, but T2 read its append of x; T3's read orders T2's
    // append of y before T1's: a G1c through an info transaction.
    let h = concurrent(&[
        (
            Info,
            json!([["append", "y", 2], ["append", "x", 1], ["r", "z", null]]),
        ),
        (Ok, json!([["r", "x", [1]], ["append", "y", 1]])),
        (Ok, json!([["r", "y", [1, 2]]])),
        (Ok, json!([["append", "z", 1]])),
    ]);
    let h2 = h;
    let r = check(&h2, &["read-committed"]);
    assert_eq!(types(&r), ["G1c"]);
    // The info op's nil read of z is no anti-dependency on T4.
    let r = check(&h2, &["serializable"]);
    assert_eq!(types(&r), ["G1c"]);
}

#[test]
fn what_elle_cannot_analyse_is_unknown() {
    let h = serial(&[(Ok, json!([["r", "x", [1]]]))]);
    let r = check(&h, &["read-committed,serializable"]);
    assert_eq!(r["valid?"], "unknown");
    assert!(r["error"]
        .as_str()
        .unwrap_or("")
        .contains("Unknown consistency model"));
    let h = serial(&[(Ok, json!([["w", "x", 1]]))]);
    assert_eq!(check(&h, &["serializable"])["valid?"], "unknown");
    let h = serial(&[
        (Ok, json!([["append", "x", 1]])),
        (Ok, json!([["append", "x", 1]])),
    ]);
    assert_eq!(check(&h, &["serializable"])["valid?"], "unknown");
    // A read of an element nobody appended: Elle's dirty-update asserts.
    let h = serial(&[(Ok, json!([["r", "x", [7]]]))]);
    assert_eq!(check(&h, &["serializable"])["valid?"], "unknown");
    let h = serial(&[(Ok, json!([["r", "x", 3]]))]);
    assert_eq!(check(&h, &["serializable"])["valid?"], "unknown");
    // An empty history has an empty transaction graph.
    let r = check(&History::default(), &["strict-serializable"]);
    assert_eq!(r["valid?"], "unknown");
    assert_eq!(types(&r), ["empty-transaction-graph"]);
    assert_eq!(r["anomalies"]["empty-transaction-graph"], true);
}

#[test]
fn unobserved_writes_follow_the_last_observed_element() {
    // Elle's unobserved-write-test: w3 is never read.
    let h = super::super::testing::history(&[
        T(0, Ok, json!([["append", "x", 1], ["append", "y", 1]]), 0, 5),
        T(1, Ok, json!([["append", "x", 2], ["append", "y", 2]]), 1, 6),
        T(2, Ok, json!([["append", "x", 3], ["append", "y", 3]]), 2, 7),
        T(3, Ok, json!([["r", "x", [1, 2]]]), 3, 8),
        T(4, Ok, json!([["r", "y", [2]]]), 4, 9),
    ]);
    let r = check(&h, &["serializable"]);
    assert_eq!(types(&r), ["G-single-item", "G0"]);
    assert_eq!(strs(&r, "not"), ["read-uncommitted"]);
}
