//! Tests of the kafka checker: hand-written histories for each anomaly,
//! the truncation of error lists, and where Maelstrom's checker throws.

use super::*;
use crate::history::Completion;
use std::collections::HashMap;

const MS: u64 = 1_000_000;

/// Hand-written histories: ops by process, times in ms.
#[derive(Default)]
struct B {
    h: History,
    open: HashMap<u64, usize>,
}

impl B {
    fn inv(&mut self, p: u64, ms: u64, f: &str, value: Value) -> &mut Self {
        let i = self.h.invoke(ms * MS, Process::Client(p), f, value, false);
        self.open.insert(p, i);
        self
    }

    /// Completes p's open op; a null value keeps the invocation's.
    fn done(
        &mut self,
        p: u64,
        ms: u64,
        typ: OpType,
        value: Value,
        error: Option<&str>,
    ) -> &mut Self {
        let i = self.open.remove(&p).expect("an open op");
        let value = if value.is_null() {
            self.h.ops()[i].value.clone()
        } else {
            value
        };
        self.h.complete(
            ms * MS,
            i,
            Completion {
                typ,
                value,
                error: error.map(|e| json!(e)),
                exception: None,
            },
        );
        self
    }

    fn ok(&mut self, p: u64, ms: u64, value: Value) -> &mut Self {
        self.done(p, ms, OpType::Ok, value, None)
    }

    /// A whole ok send of `msg` to `k`, acknowledged at `offset`.
    fn send(&mut self, p: u64, ms: (u64, u64), k: &str, msg: i64, offset: i64) -> &mut Self {
        self.inv(p, ms.0, "send", json!([["send", k, msg]])).ok(
            p,
            ms.1,
            json!([["send", k, [offset, msg]]]),
        )
    }

    /// A whole ok poll returning `reads`.
    fn poll(&mut self, p: u64, ms: (u64, u64), reads: Value) -> &mut Self {
        self.inv(p, ms.0, "poll", json!([["poll"]]))
            .ok(p, ms.1, json!([["poll", reads]]))
    }

    fn assign(&mut self, p: u64, ms: (u64, u64), keys: &[&str]) -> &mut Self {
        self.inv(p, ms.0, "assign", json!(keys))
            .ok(p, ms.1, Value::Null)
    }

    fn check(&self) -> Value {
        check(&self.h)
    }
}

fn types(r: &Value) -> Vec<&str> {
    r["error-types"]
        .as_array()
        .expect("error-types")
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

fn errs<'a>(r: &'a Value, t: &str) -> &'a Vec<Value> {
    r[t]["errs"]
        .as_array()
        .unwrap_or_else(|| panic!("{t} in {r:#}"))
}

#[test]
fn a_valid_history_and_its_worst_realtime_lag() {
    let mut b = B::default();
    b.assign(0, (0, 1), &["a"])
        .send(1, (1, 3), "a", 1, 0)
        // Offset 1 is never seen: a gap in raw offsets is fine.
        .send(1, (4, 5), "a", 2, 2)
        .poll(0, (6, 7), json!({"a": [[0, 1], [2, 2]]}))
        // An indeterminate send nobody polled is not unseen.
        .inv(1, 8, "send", json!([["send", "a", 3]]))
        .done(1, 9, OpType::Info, Value::Null, Some("net-timeout"))
        // The assign drops "a"; re-added, it may start anywhere.
        .assign(0, (10, 11), &["b"])
        .assign(0, (12, 13), &["a", "b"])
        .poll(0, (14, 15), json!({"a": [[2, 2]]}))
        .assign(2, (20, 21), &["a"])
        // A consumer behind the log: offset 0 was superseded at 5 ms
        // (the ack of offset 2), and it polled at 30 ms: lag 25 ms.
        .poll(2, (30, 31), json!({"a": [[0, 1]]}));
    let r = b.check();
    assert_eq!(r["valid?"], true, "{r:#}");
    assert_eq!(types(&r), Vec::<&str>::new());
    assert_eq!(r["bad-error-types"], json!([]));
    assert_eq!(r["info-txn-causes"], json!(["net-timeout"]));
    assert_eq!(
        r["worst-realtime-lag"],
        json!({"time": 0.03, "process": 2, "key": "a", "lag": 0.025})
    );
}

#[test]
fn worst_lag_counts_every_tracked_key_and_ties_keep_the_first() {
    let mut b = B::default();
    b.assign(0, (0, 1), &["x", "a"])
        .poll(0, (2, 3), json!({}))
        .send(1, (4, 5), "a", 1, 0)
        // Polls nothing, yet "a" (assigned, at -1) lags: 10 − 5 ms.
        .poll(0, (10, 11), json!({}))
        .poll(0, (12, 13), json!({"a": [[0, 1]]}));
    let r = b.check();
    assert_eq!(
        r["worst-realtime-lag"],
        json!({"time": 0.01, "process": 0, "key": "a", "lag": 0.005})
    );
    // No poll at all: Jepsen's default.
    let mut b = B::default();
    b.send(0, (0, 1), "a", 1, 0);
    assert_eq!(
        b.check()["worst-realtime-lag"],
        json!({"time": 0.0, "lag": 0.0})
    );
    // All lags 0: the first measured one, key "x" assigned first.
    let mut b = B::default();
    b.assign(0, (0, 1), &["x", "a"]).poll(0, (2, 3), json!({}));
    assert_eq!(
        b.check()["worst-realtime-lag"],
        json!({"time": 0.002, "process": 0, "key": "x", "lag": 0.0})
    );
}

#[test]
fn inconsistent_offsets() {
    let mut b = B::default();
    b.send(0, (0, 1), "a", 2, 0)
        .send(1, (2, 3), "a", 1, 0)
        .send(1, (4, 5), "a", 3, 1);
    let r = b.check();
    assert_eq!(r["valid?"], false);
    assert!(types(&r).contains(&"inconsistent-offsets"));
    assert_eq!(
        errs(&r, "inconsistent-offsets"),
        &vec![json!({"key": "a", "offset": 0, "index": 0, "values": [1, 2]})]
    );
    assert_eq!(r["inconsistent-offsets"]["count"], 1);
}

#[test]
fn duplicates() {
    let mut b = B::default();
    b.send(0, (0, 1), "a", 1, 0)
        .send(0, (2, 3), "a", 2, 2)
        .poll(1, (4, 5), json!({"a": [[0, 1], [1, 1], [2, 2]]}));
    let r = b.check();
    assert_eq!(
        errs(&r, "duplicate"),
        &vec![json!({"key": "a", "value": 1, "count": 2, "offsets": [0, 1]})]
    );
    // The repeat is also a non-monotonic step within the poll.
    let nm = errs(&r, "int-nonmonotonic-poll");
    assert_eq!(nm[0]["values"], json!([1, 1]));
    assert_eq!(nm[0]["delta"], 0);
    assert_eq!(types(&r), vec!["duplicate", "int-nonmonotonic-poll"]);
}

#[test]
fn lost_write_and_internal_skip() {
    let mut b = B::default();
    b.send(0, (0, 1), "a", 1, 0)
        .send(0, (2, 3), "a", 2, 1)
        .send(0, (4, 5), "a", 3, 2)
        .poll(1, (6, 7), json!({"a": [[0, 1], [2, 3]]}));
    let r = b.check();
    assert_eq!(
        types(&r),
        vec!["int-poll-skip", "lost-write", "unseen"],
        "{r:#}"
    );
    let ops = b.h.ops();
    let lost = errs(&r, "lost-write");
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0]["key"], "a");
    assert_eq!(lost[0]["value"], 2);
    assert_eq!(lost[0]["index"], 1);
    assert_eq!(lost[0]["max-read-index"], 2);
    assert_eq!(lost[0]["writer"], serde_json::to_value(&ops[3]).unwrap());
    assert_eq!(lost[0]["max-read"], serde_json::to_value(&ops[7]).unwrap());
    let skip = &errs(&r, "int-poll-skip")[0];
    assert_eq!(skip["values"], json!([1, 3]));
    assert_eq!(skip["delta"], 2);
    assert_eq!(skip["skipped"], json!([2]));
    assert_eq!(skip["op"]["index"], 7);
    assert_eq!(r["unseen"]["unseen"], json!({"a": 1}));
}

#[test]
fn unseen_messages() {
    let mut b = B::default();
    b.send(0, (0, 1), "b", 5, 0)
        .send(0, (2, 3), "a", 1, 0)
        .send(0, (4, 5), "a", 2, 1)
        .poll(1, (6, 7), json!({"a": [[0, 1]]}));
    let r = b.check();
    assert_eq!(
        r["unseen"],
        json!({"time": 7_000_000, "unseen": {"a": 1, "b": 1},
               "messages": {"a": [2], "b": [5]}})
    );
    assert!(r["unseen"].get("count").is_none(), "not wrapped");
}

#[test]
fn unseen_counts_a_key_first_seen_in_the_last_poll() {
    // Jepsen's quirk: "b" enters the polled map before the sent one, so
    // for that last step its polled messages count as unseen.
    let mut b = B::default();
    b.send(0, (0, 1), "a", 1, 0)
        .inv(2, 2, "send", json!([["send", "b", 5]]))
        .done(2, 3, OpType::Info, Value::Null, Some("net-timeout"))
        .poll(1, (4, 5), json!({"a": [[0, 1]], "b": [[0, 5]]}));
    let r = b.check();
    assert_eq!(r["unseen"]["unseen"], json!({"b": 1}), "{r:#}");
    // One more op and the quirk is gone.
    b.poll(1, (6, 7), json!({}));
    assert!(b.check().get("unseen").is_none());
}

#[test]
fn poll_skip() {
    let mut b = B::default();
    b.send(0, (0, 1), "a", 1, 0)
        .send(0, (2, 3), "a", 2, 1)
        .send(0, (4, 5), "a", 3, 2)
        .assign(1, (6, 7), &["a"])
        .poll(1, (8, 9), json!({"a": [[0, 1]]}))
        .poll(1, (10, 11), json!({"a": [[2, 3]]}))
        .poll(2, (12, 13), json!({"a": [[1, 2]]}));
    let r = b.check();
    assert_eq!(types(&r), vec!["poll-skip"], "{r:#}");
    let e = &errs(&r, "poll-skip")[0];
    assert_eq!(e["key"], "a");
    assert_eq!(e["delta"], 2);
    assert_eq!(e["skipped"], json!([2]));
    assert!(e.get("values").is_none());
    assert_eq!(e["ops"][0]["index"], 9);
    assert_eq!(e["ops"][1]["index"], 11);
}

#[test]
fn nonmonotonic_poll() {
    let mut b = B::default();
    b.send(0, (0, 1), "a", 1, 0)
        .send(0, (2, 3), "a", 2, 1)
        .poll(1, (4, 5), json!({"a": [[0, 1], [1, 2]]}))
        .poll(1, (6, 7), json!({"a": [[1, 2]]}));
    let r = b.check();
    assert_eq!(types(&r), vec!["nonmonotonic-poll"], "{r:#}");
    let e = &errs(&r, "nonmonotonic-poll")[0];
    assert_eq!(e["values"], json!([2, 2]));
    assert_eq!(e["delta"], 0);
    assert_eq!(e["ops"][1]["index"], 7);
}

#[test]
fn an_empty_list_resets_the_chain() {
    let mut b = B::default();
    b.send(0, (0, 1), "a", 1, 0)
        .send(0, (2, 3), "a", 2, 1)
        .poll(1, (4, 5), json!({"a": [[0, 1], [1, 2]]}))
        .poll(1, (6, 7), json!({"a": []}))
        .poll(1, (8, 9), json!({"a": [[0, 1]]}));
    assert_eq!(types(&b.check()), Vec::<&str>::new());
}

#[test]
fn int_nonmonotonic_poll() {
    let mut b = B::default();
    b.send(0, (0, 1), "a", 1, 0)
        .send(0, (2, 3), "a", 2, 1)
        .poll(1, (4, 5), json!({"a": [[1, 2], [0, 1]]}));
    let r = b.check();
    assert_eq!(types(&r), vec!["int-nonmonotonic-poll"], "{r:#}");
    let e = &errs(&r, "int-nonmonotonic-poll")[0];
    assert_eq!(e["values"], json!([2, 1]));
    assert_eq!(e["delta"], -1);
    assert_eq!(e["key"], "a");
}

#[test]
fn nonmonotonic_send() {
    let mut b = B::default();
    b.send(0, (0, 1), "a", 1, 1)
        .send(0, (2, 3), "a", 2, 0)
        .poll(1, (4, 5), json!({"a": [[0, 2], [1, 1]]}));
    let r = b.check();
    assert_eq!(types(&r), vec!["nonmonotonic-send"], "{r:#}");
    let e = &errs(&r, "nonmonotonic-send")[0];
    assert_eq!(e["values"], json!([1, 2]));
    assert_eq!(e["delta"], -1);
    assert_eq!(e["ops"][0]["index"], 1);
    assert_eq!(e["ops"][1]["index"], 3);
}

#[test]
fn g1a_aborted_read() {
    let mut b = B::default();
    b.inv(0, 0, "send", json!([["send", "a", 7]]))
        .done(0, 1, OpType::Fail, Value::Null, None)
        .poll(1, (2, 3), json!({"a": [[0, 7]]}));
    let r = b.check();
    // "a" first shows up through the poll (the failed send is not an ok
    // op), so Jepsen's unseen pass counts it for that step.
    assert_eq!(types(&r), vec!["G1a", "unseen"], "{r:#}");
    let e = &errs(&r, "G1a")[0];
    assert_eq!(e["key"], "a");
    assert_eq!(e["value"], 7);
    assert_eq!(e["writer"]["type"], "fail");
    assert_eq!(e["reader"]["index"], 3);
    // Fail/info completions are not causes: only info ones are.
    assert_eq!(r["info-txn-causes"], json!([]));
}

#[test]
fn reading_the_future_is_g1c_realtime() {
    let mut b = B::default();
    b.poll(0, (0, 1), json!({"a": [[0, 5]]}))
        .send(1, (2, 3), "a", 5, 0);
    let r = b.check();
    assert_eq!(r["valid?"], false);
    assert_eq!(
        types(&r),
        vec!["G1c-realtime", "strong-PL-2-cycle-exists"],
        "{r:#}"
    );
    assert_eq!(
        r["bad-error-types"],
        json!(["G1c-realtime", "strong-PL-2-cycle-exists"])
    );
    let ops = b.h.ops();
    let op = |i: usize| serde_json::to_value(&ops[i]).unwrap();
    let c = &errs(&r, "G1c-realtime")[0];
    assert_eq!(c["type"], "G1c-realtime");
    assert_eq!(c["cycle"], json!([op(1), op(3), op(1)]));
    assert_eq!(
        c["steps"],
        json!([
            {"type": "realtime", "a'": op(1), "b": op(2)},
            {"type": "wr", "key": "a", "value": 5, "a-mop-index": 0, "b-mop-index": 0},
        ])
    );
    let text = c["explanation"].as_str().unwrap();
    assert!(text.contains("T1 < T2, because T1 completed at index 1, 0.001 seconds before the invocation of T2, at index 2"), "{text}");
    assert!(
        text.contains(
            "However, T2 < T1, because T2 sent 5 to \"a\" which was polled by T1: a contradiction!"
        ),
        "{text}"
    );
    assert_eq!(
        errs(&r, "strong-PL-2-cycle-exists"),
        &vec![
            json!({"type": "strong-PL-2-cycle-exists", "not": "strong-read-committed",
                     "subgraph": ["union", "ww", "wwp", "wr", "wrp", "realtime"],
                     "scc-size": 2, "scc": [1, 3]})
        ]
    );
}

#[test]
fn an_empty_transaction_graph_is_bad() {
    let mut b = B::default();
    b.poll(0, (0, 1), json!({}));
    let r = b.check();
    assert_eq!(types(&r), vec!["empty-transaction-graph"]);
    assert_eq!(
        r["empty-transaction-graph"],
        json!({"count": 1, "errs": true})
    );
    assert_eq!(r["valid?"], false);
    // No client op at all: Jepsen skips the cycle search.
    let r = check(&History::default());
    assert_eq!(r["valid?"], true);
    assert_eq!(types(&r), Vec::<&str>::new());
}

#[test]
fn where_maelstrom_throws_the_verdict_is_unknown() {
    // A key only ever polled as an empty list: (nth … -1) throws.
    let mut b = B::default();
    b.send(0, (0, 1), "a", 1, 0)
        .poll(1, (2, 3), json!({"a": [[0, 1]], "b": []}));
    let r = b.check();
    assert_eq!(r["valid?"], "unknown");
    let error = r["error"].as_str().unwrap();
    assert!(error.contains("\"b\"") && error.contains("nth"), "{error}");
    // A polled message nobody sent.
    let mut b = B::default();
    b.send(0, (0, 1), "a", 1, 0)
        .poll(1, (2, 3), json!({"a": [[0, 1], [1, 9]]}));
    let r = b.check();
    assert_eq!(r["valid?"], "unknown");
    assert!(
        r["error"].as_str().unwrap().contains("no send wrote"),
        "{r}"
    );
}

#[test]
fn an_internal_send_skip_is_allowed() {
    let mut b = B::default();
    b.inv(0, 0, "send", json!([["send", "a", 1], ["send", "a", 3]]))
        .ok(0, 1, json!([["send", "a", [0, 1]], ["send", "a", [2, 3]]]))
        .send(1, (2, 3), "a", 2, 1)
        .poll(2, (4, 5), json!({"a": [[0, 1], [1, 2], [2, 3]]}));
    let r = b.check();
    assert_eq!(types(&r), vec!["int-send-skip"], "{r:#}");
    assert_eq!(r["bad-error-types"], json!([]));
    assert_eq!(r["valid?"], true);
    assert_eq!(errs(&r, "int-send-skip")[0]["skipped"], json!([2]));
}

#[test]
fn truncation_keeps_the_largest_skips() {
    let mut b = B::default();
    for i in 0..40 {
        b.send(0, (2 * i, 2 * i + 1), "a", i as i64, i as i64);
    }
    // Skips of 2, 3, …, 11 within one poll each.
    for (n, d) in (2..12).enumerate() {
        let t = 100 + 2 * n as u64;
        b.poll(1, (t, t + 1), json!({"a": [[0, 0], [d, d]]}));
    }
    b.poll(
        2,
        (200, 201),
        json!({"a": (0..40).map(|i| json!([i, i])).collect::<Vec<_>>()}),
    );
    let r = b.check();
    assert_eq!(r["int-poll-skip"]["count"], 10);
    let deltas: Vec<i64> = errs(&r, "int-poll-skip")
        .iter()
        .map(|e| e["delta"].as_i64().unwrap())
        .collect();
    assert_eq!(deltas, vec![4, 5, 6, 7, 8, 9, 10, 11]);
}
