//! Tests of the linearizability checker: sequential and concurrent
//! histories, indeterminate ops, the bounds, and the explanation.

use super::*;
use crate::history::build::history;
use OpType::{Fail, Info, Invoke, Ok as Done};

fn r(p: u64, k: i64, v: Value, at: u64, end: u64) -> [(u64, OpType, &'static str, Value, u64); 2] {
    [
        (p, Invoke, "read", json!([k, null]), at),
        (p, Done, "read", json!([k, v]), end),
    ]
}

fn valid(h: &History) -> Value {
    check(h, Limits::default())
}

#[test]
fn sequential_history_is_linearizable() {
    let mut rows = vec![
        (0, Invoke, "write", json!([0, 1]), 0),
        (0, Done, "write", json!([0, 1]), 1),
        (0, Invoke, "cas", json!([0, [1, 2]]), 2),
        (0, Done, "cas", json!([0, [1, 2]]), 3),
    ];
    rows.extend(r(1, 0, json!(2), 4, 5));
    let res = valid(&history(&rows));
    assert_eq!(res["valid?"], true, "{res:#}");
    assert_eq!(res["failures"], json!([]));
    assert_eq!(res["results"]["0"]["timeline"]["valid?"], true);
    assert_eq!(res["results"]["0"]["linearizable"]["valid?"], true);
}

#[test]
fn concurrent_ops_linearize_only_in_a_non_obvious_order() {
    // w1 [0,10], w2 [1,11] overlap; read 1 in [12,13] forces w2 before
    // w1, though w1 was invoked first; cas 1→3 then must follow both.
    let mut rows = vec![
        (0, Invoke, "write", json!([0, 1]), 0),
        (1, Invoke, "write", json!([0, 2]), 1),
        (2, Invoke, "cas", json!([0, [2, 5]]), 2),
        (0, Done, "write", json!([0, 1]), 10),
        (1, Done, "write", json!([0, 2]), 11),
    ];
    // The cas 2→5 is pending and fails; ignore. Stale-looking read of 1.
    rows.push((2, Fail, "cas", json!([0, [2, 5]]), 12));
    rows.extend(r(3, 0, json!(1), 12, 13));
    rows.push((4, Invoke, "cas", json!([0, [1, 3]]), 14));
    rows.push((4, Done, "cas", json!([0, [1, 3]]), 15));
    rows.extend(r(3, 0, json!(3), 16, 17));
    let res = valid(&history(&rows));
    assert_eq!(res["valid?"], true, "{res:#}");

    // A cas that succeeds only if it goes between two overlapping writes.
    let rows = vec![
        (0, Invoke, "write", json!([0, 1]), 0),
        (1, Invoke, "cas", json!([0, [1, 4]]), 1),
        (2, Invoke, "write", json!([0, 2]), 2),
        (0, Done, "write", json!([0, 1]), 10),
        (1, Done, "cas", json!([0, [1, 4]]), 10),
        (2, Done, "write", json!([0, 2]), 10),
        (3, Invoke, "read", json!([0, null]), 11),
        (3, Done, "read", json!([0, 2]), 12),
    ];
    assert_eq!(valid(&history(&rows))["valid?"], true);
}

#[test]
fn stale_read_after_completed_write_is_invalid() {
    let mut rows = vec![
        (0, Invoke, "write", json!([7, 1]), 0),
        (0, Done, "write", json!([7, 1]), 1),
        (0, Invoke, "write", json!([7, 2]), 2),
        (0, Done, "write", json!([7, 2]), 3),
    ];
    rows.extend(r(1, 7, json!(1), 4, 5));
    // A concurrent, unrelated key stays valid.
    rows.extend(r(2, 8, json!(null), 4, 5));
    let h = history(&rows);
    let res = valid(&h);
    assert_eq!(res["valid?"], false, "{res:#}");
    assert_eq!(res["failures"], json!([7]));
    assert_eq!(res["results"]["8"]["valid?"], true);
    let lin = &res["results"]["7"]["linearizable"];
    assert_eq!(lin["op"]["f"], "read");
    assert_eq!(lin["op"]["value"], 1);
    assert_eq!(lin["op"]["index"], 5);
    assert_eq!(lin["previous-ok"]["index"], 3);
    assert_eq!(lin["last-op"]["value"], 2);
    assert_eq!(lin["configs"][0]["model"]["value"], 2);
    assert_eq!(
        lin["final-paths"][0][0]["model"]["inconsistent"],
        "can't read 1 from register 2"
    );
    assert_eq!(lin["window"].as_array().map(Vec::len), Some(1));
    let why = lin["explanation"].as_str().unwrap_or("");
    assert!(why.contains("read 1") && why.contains("held 2"), "{why}");
    let svg = timeline_svg(&h, &json!(7), Keying::Tuples);
    assert!(svg.contains(PINK) && svg.contains("read 1") && svg.ends_with("</svg>\n"));
    assert!(timeline_svg(&h, &json!(8), Keying::Tuples).contains("is linearizable"));
}

#[test]
fn cas_from_a_value_that_cannot_be_current_is_invalid() {
    let rows = vec![
        (0, Invoke, "write", json!([0, 1]), 0),
        (0, Done, "write", json!([0, 1]), 1),
        (1, Invoke, "write", json!([0, 2]), 2),
        (2, Invoke, "cas", json!([0, [3, 4]]), 3),
        (2, Done, "cas", json!([0, [3, 4]]), 4),
        (1, Done, "write", json!([0, 2]), 5),
    ];
    let res = valid(&history(&rows));
    assert_eq!(res["valid?"], false);
    let lin = &res["results"]["0"]["linearizable"];
    assert_eq!(lin["op"]["f"], "cas");
    assert_eq!(lin["window"].as_array().map(Vec::len), Some(2));
    let paths = lin["final-paths"].to_string();
    assert!(paths.contains("can't CAS 1 from 3 to 4"), "{paths}");
    assert!(paths.contains("can't CAS 2 from 3 to 4"), "{paths}");
    let held = lin["configs"].as_array().map(|c| c.len());
    assert_eq!(held, Some(2), "the write may or may not precede the cas");
}

#[test]
fn info_write_may_take_effect_later() {
    let mut rows = vec![
        (0, Invoke, "write", json!([0, 1]), 0),
        (0, Done, "write", json!([0, 1]), 1),
        (1, Invoke, "write", json!([0, 3]), 2),
        (1, Info, "write", json!([0, 3]), 3),
    ];
    rows.extend(r(2, 0, json!(1), 10, 11));
    rows.extend(r(2, 0, json!(3), 20, 21));
    assert_eq!(valid(&history(&rows))["valid?"], true);
    // A write never completed at all is open to the end as well.
    let mut rows = vec![(1, Invoke, "write", json!([0, 3]), 2)];
    rows.extend(r(2, 0, json!(3), 20, 21));
    assert_eq!(valid(&history(&rows))["valid?"], true);
    // But it can't take effect before its invocation.
    let mut rows = r(2, 0, json!(3), 0, 1).to_vec();
    rows.extend([
        (1, Invoke, "write", json!([0, 3]), 2),
        (1, Info, "write", json!([0, 3]), 3),
    ]);
    assert_eq!(valid(&history(&rows))["valid?"], false);
}

#[test]
fn each_info_op_takes_effect_at_most_once() {
    // Reads of 2 on either side of an ok write of 1: two info writes of
    // 2 explain them, one does not.
    let with = |infos: u64| {
        let mut rows = Vec::new();
        for p in 0..infos {
            rows.push((10 + p, Invoke, "write", json!([0, 2]), 0));
            rows.push((10 + p, Info, "write", json!([0, 2]), 1));
        }
        rows.extend(r(1, 0, json!(2), 2, 3));
        rows.extend([
            (2, Invoke, "write", json!([0, 1]), 4),
            (2, Done, "write", json!([0, 1]), 5),
        ]);
        rows.extend(r(1, 0, json!(2), 6, 7));
        valid(&history(&rows))["valid?"].clone()
    };
    assert_eq!(with(1), false);
    assert_eq!(with(2), true);
    // An info cas takes effect only from its `from` value.
    let mut rows = vec![
        (0, Invoke, "cas", json!([0, [1, 3]]), 0),
        (0, Info, "cas", json!([0, [1, 3]]), 1),
    ];
    rows.extend(r(1, 0, json!(3), 2, 3));
    assert_eq!(valid(&history(&rows))["valid?"], false);
    rows.extend([
        (2, Invoke, "write", json!([0, 1]), 4),
        (2, Done, "write", json!([0, 1]), 5),
    ]);
    rows.drain(2..4);
    rows.extend(r(1, 0, json!(3), 6, 7));
    assert_eq!(valid(&history(&rows))["valid?"], true);
}

#[test]
fn failed_ops_must_not_take_effect() {
    let mut rows = vec![
        (0, Invoke, "write", json!([0, 1]), 0),
        (0, Done, "write", json!([0, 1]), 1),
        (1, Invoke, "cas", json!([0, [1, 2]]), 2),
        (1, Fail, "cas", json!([0, [1, 2]]), 3),
        (1, Invoke, "write", json!([0, 4]), 4),
        (1, Fail, "write", json!([0, 4]), 5),
    ];
    rows.extend(r(2, 0, json!(2), 6, 7));
    assert_eq!(valid(&history(&rows))["valid?"], false);
    let mut rows = rows[..6].to_vec();
    rows.extend(r(2, 0, json!(4), 6, 7));
    assert_eq!(valid(&history(&rows))["valid?"], false);
}

#[test]
fn null_reads_are_always_consistent() {
    // Knossos's cas-register accepts a read of nil in any state.
    let mut rows = vec![
        (0, Invoke, "write", json!([0, 1]), 0),
        (0, Done, "write", json!([0, 1]), 1),
    ];
    rows.extend(r(1, 0, json!(null), 2, 3));
    rows.extend(r(1, 0, json!(1), 4, 5));
    let res = valid(&history(&rows));
    assert_eq!(res["valid?"], true);
    assert_eq!(res["results"]["0"]["linearizable"]["null-reads"], 1);
    // The register starts at null: a cas from null is possible first.
    let rows = vec![
        (0, Invoke, "cas", json!([0, [null, 2]]), 0),
        (0, Done, "cas", json!([0, [null, 2]]), 1),
    ];
    assert_eq!(valid(&history(&rows))["valid?"], true);
}

#[test]
fn search_bound_gives_unknown() {
    // Many concurrent writes with a read no order can satisfy: the
    // search has to try every subset before giving up.
    let mut rows = Vec::new();
    for p in 0..12 {
        rows.push((p, Invoke, "write", json!([0, p]), 0));
    }
    rows.extend(r(99, 0, json!(100), 1, 2));
    let h = history(&rows);
    let tight = Limits {
        max_states: 50,
        ..Limits::default()
    };
    let res = check(&h, tight);
    assert_eq!(res["valid?"], "unknown", "{res:#}");
    assert_eq!(res["failures"], json!([]));
    let cause = res["results"]["0"]["linearizable"]["cause"]
        .as_str()
        .unwrap_or("");
    assert!(cause.contains("memoised states"), "{cause}");
    let quick = Limits {
        max_time: Duration::ZERO,
        ..Limits::default()
    };
    let res = check(&h, quick);
    assert!(res["valid?"] == "unknown" || res["valid?"] == false);
    let small = Limits {
        max_memo_bytes: 4096,
        ..Limits::default()
    };
    assert_eq!(check(&h, small)["valid?"], "unknown");
    assert_eq!(valid(&h)["valid?"], false);
}

#[test]
fn linearized_set_key_is_exact() {
    let mut l = Linearized::new(200);
    for i in [0, 1, 2, 70, 130] {
        l.set(i);
    }
    assert_eq!((l.low, l.high), (3, Some(130)));
    l.clear(1);
    assert_eq!((l.low, l.high), (1, Some(130)));
    l.clear(130);
    assert_eq!(l.high, Some(70));
    l.set(1);
    l.clear(70);
    assert_eq!((l.low, l.high), (3, None));
    assert_eq!(l.key(5)[0], 5 | 3 << 32);
    for i in 3..200 {
        l.set(i);
    }
    assert_eq!((l.low, l.high), (200, None));
    l.clear(0);
    assert_eq!((l.low, l.high), (0, Some(199)));
}
