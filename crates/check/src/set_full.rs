//! The `set-full` checker (Jepsen's, as Maelstrom uses it for broadcast and
//! g-set): follows every added element through every later read and decides
//! whether it became *stable* (present in every read from some point on),
//! was *lost* (known to exist, then missing from a later read for good) or
//! was *never read*; measures how long after it became known reads could
//! still miss it (stable latency).

use crate::common::quantiles;
use crate::history::{History, Op, OpType, Process};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Per-element state while walking the history.
struct Element<'h> {
    value: &'h Value,
    /// The add's ok completion or the first ok read containing it, whichever first.
    known: Option<&'h Op>,
    /// Invocation of the latest ok read that contained it.
    last_present: Option<&'h Op>,
    /// Invocation of the latest ok read that did not.
    last_absent: Option<&'h Op>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Stable,
    Lost,
    NeverRead,
}

struct Verdict<'h> {
    element: &'h Value,
    outcome: Outcome,
    stable_latency: Option<u64>,
    lost_latency: Option<u64>,
    known: Option<&'h Op>,
    last_absent: Option<&'h Op>,
}

fn ns_to_ms(ns: i128) -> u64 {
    (ns.max(0) / 1_000_000) as u64
}

impl<'h> Element<'h> {
    fn verdict(&self) -> Verdict<'h> {
        let index = |o: Option<&Op>| o.map_or(-1, |o| o.index as i64);
        let (lp, la) = (index(self.last_present), index(self.last_absent));
        let stable = self.last_present.is_some() && la < lp;
        let lost = !stable
            && self.known.is_some()
            && self.last_absent.is_some()
            && lp < la
            && index(self.known) < la;
        let known_time = self.known.map_or(0, |k| k.time as i128);
        let stable_latency = stable.then(|| {
            let t = self.last_absent.map_or(0, |a| a.time as i128 + 1);
            ns_to_ms(t - known_time)
        });
        let lost_latency = lost.then(|| {
            let t = self.last_present.map_or(0, |p| p.time as i128 + 1);
            ns_to_ms(t - known_time)
        });
        Verdict {
            element: self.value,
            outcome: if stable {
                Outcome::Stable
            } else if lost {
                Outcome::Lost
            } else {
                Outcome::NeverRead
            },
            stable_latency,
            lost_latency,
            known: self.known,
            last_absent: self.last_absent,
        }
    }
}

/// Checks `add_f` (e.g. `broadcast` or `add`) and `read` operations.
pub fn check(history: &History, add_f: &str) -> Value {
    let mut elements: Vec<Element> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut read_invokes: HashMap<Process, &Op> = HashMap::new();
    let mut add_invokes: HashMap<Process, usize> = HashMap::new();
    for op in history.ops().iter().filter(|o| o.is_workload_op()) {
        match (op.f.as_str(), op.typ) {
            (f, OpType::Invoke) if f == add_f => {
                // As in Jepsen, (re-)invoking an add starts the element afresh.
                let fresh = Element {
                    value: &op.value,
                    known: None,
                    last_present: None,
                    last_absent: None,
                };
                let i = match by_key.get(&op.value.to_string()) {
                    Some(&i) => {
                        elements[i] = fresh;
                        i
                    }
                    None => {
                        by_key.insert(op.value.to_string(), elements.len());
                        elements.push(fresh);
                        elements.len() - 1
                    }
                };
                add_invokes.insert(op.process, i);
            }
            (f, OpType::Ok) if f == add_f => {
                if let Some(i) = add_invokes.remove(&op.process) {
                    elements[i].known.get_or_insert(op);
                }
            }
            (f, _) if f == add_f => {
                add_invokes.remove(&op.process);
            }
            ("read", OpType::Invoke) => {
                read_invokes.insert(op.process, op);
            }
            ("read", OpType::Ok) => {
                let Some(invoke) = read_invokes.remove(&op.process) else {
                    continue;
                };
                // Each read item is serialised once and looked up; elements
                // are then visited by index, with no per-element allocation.
                let mut seen = vec![false; elements.len()];
                if let Value::Array(items) = &op.value {
                    for item in items {
                        if let Some(&i) = by_key.get(&item.to_string()) {
                            seen[i] = true;
                        }
                    }
                }
                for (e, seen) in elements.iter_mut().zip(seen) {
                    if seen {
                        e.known.get_or_insert(op);
                        if e.last_present.is_none_or(|p| p.index < invoke.index) {
                            e.last_present = Some(invoke);
                        }
                    } else if e.last_absent.is_none_or(|a| a.index < invoke.index) {
                        e.last_absent = Some(invoke);
                    }
                }
            }
            ("read", _) => {
                read_invokes.remove(&op.process);
            }
            _ => {}
        }
    }
    summarize(elements.iter().map(Element::verdict).collect(), add_f)
}

fn summarize(verdicts: Vec<Verdict>, add_f: &str) -> Value {
    let pick = |outcome: Outcome| -> Vec<&Verdict> {
        let mut v: Vec<&Verdict> = verdicts.iter().filter(|v| v.outcome == outcome).collect();
        v.sort_by(|a, b| compare_values(a.element, b.element));
        v
    };
    let elements =
        |vs: &[&Verdict]| -> Vec<Value> { vs.iter().map(|v| v.element.clone()).collect() };
    let stable = pick(Outcome::Stable);
    let lost = pick(Outcome::Lost);
    let never_read = pick(Outcome::NeverRead);
    let stale: Vec<&Verdict> = stable
        .iter()
        .copied()
        .filter(|v| v.stable_latency.unwrap_or(0) > 0)
        .collect();
    // Jepsen: stable sort by latency over element order, then reversed, so
    // ties come out in descending element order.
    let mut worst: Vec<&Verdict> = stale.clone();
    worst.sort_by_key(|v| v.stable_latency);
    worst.reverse();
    worst.truncate(8);
    // Maelstrom hands set-full the history with the workload's add op
    // renamed `add` (broadcast's `broadcast`), so the ops it shows say `add`.
    let op_json = |o: Option<&Op>| {
        o.map_or(Value::Null, |o| {
            let mut v = serde_json::to_value(o).unwrap_or(Value::Null);
            if o.f == add_f {
                v["f"] = json!("add");
            }
            v
        })
    };
    let worst_stale: Vec<Value> = worst
        .iter()
        .map(|v| {
            json!({"element": v.element, "outcome": "stable",
                   "stable-latency": v.stable_latency, "lost-latency": v.lost_latency,
                   "known": op_json(v.known), "last-absent": op_json(v.last_absent)})
        })
        .collect();
    let latencies = |vs: &[&Verdict], f: fn(&Verdict) -> Option<u64>| {
        let mut l: Vec<u64> = vs.iter().filter_map(|v| f(v)).collect();
        l.sort_unstable();
        quantiles(&l, |x| json!(x))
    };
    let valid = if !lost.is_empty() {
        json!(false)
    } else if stable.is_empty() {
        json!("unknown")
    } else {
        json!(true)
    };
    let mut result = Map::new();
    result.insert("valid?".into(), valid);
    result.insert("attempt-count".into(), json!(verdicts.len()));
    result.insert("stable-count".into(), json!(stable.len()));
    result.insert("lost-count".into(), json!(lost.len()));
    result.insert("lost".into(), json!(elements(&lost)));
    result.insert("never-read-count".into(), json!(never_read.len()));
    result.insert("never-read".into(), json!(elements(&never_read)));
    result.insert("stale-count".into(), json!(stale.len()));
    result.insert("stale".into(), json!(elements(&stale)));
    result.insert("worst-stale".into(), json!(worst_stale));
    if !stable.is_empty() {
        result.insert(
            "stable-latencies".into(),
            latencies(&stable, |v| v.stable_latency),
        );
    }
    if !lost.is_empty() {
        result.insert(
            "lost-latencies".into(),
            latencies(&lost, |v| v.lost_latency),
        );
    }
    // Maelstrom's duplicate detection never fires (a comparison bug); reads are sets.
    result.insert("duplicated-count".into(), json!(0));
    result.insert("duplicated".into(), json!({}));
    Value::Object(result)
}

use crate::exact::cmp_values as compare_values;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::build::{history, history_ns};

    const MS: u64 = 1_000_000;

    type Row = (u64, OpType, &'static str, Value, u64);

    fn row(p: u64, typ: OpType, f: &'static str, value: Value, ns: u64) -> Row {
        (p, typ, f, value, ns)
    }

    /// Sorts rows by time (stably) before building, for histories generated
    /// element by element.
    fn timeline(mut rows: Vec<Row>) -> History {
        rows.sort_by_key(|r| r.4);
        history_ns(&rows)
    }

    fn op_json(h: &History, index: usize) -> Value {
        serde_json::to_value(&h.ops()[index]).unwrap()
    }

    fn quantiles_json(q: [u64; 5]) -> Value {
        json!({"0": q[0], "0.5": q[1], "0.95": q[2], "0.99": q[3], "1": q[4]})
    }

    #[test]
    fn stable_without_absent_read_has_zero_latency() {
        let h = history(&[
            (0, OpType::Invoke, "add", json!(1), 0),
            (0, OpType::Ok, "add", json!(1), 1),
            (1, OpType::Invoke, "read", Value::Null, 2),
            (1, OpType::Ok, "read", json!([1]), 3),
        ]);
        assert_eq!(
            check(&h, "add"),
            json!({
                "valid?": true,
                "attempt-count": 1,
                "stable-count": 1,
                "lost-count": 0,
                "lost": [],
                "never-read-count": 0,
                "never-read": [],
                "stale-count": 0,
                "stale": [],
                "worst-stale": [],
                "stable-latencies": quantiles_json([0; 5]),
                "duplicated-count": 0,
                "duplicated": {},
            })
        );
    }

    #[test]
    fn stale_latency_adds_one_ns_to_last_absent_and_floors_to_ms() {
        use OpType::*;
        let h = history_ns(&[
            row(0, Invoke, "add", json!(1), 0),                 // 0
            row(0, Ok, "add", json!(1), MS),                    // 1: known(1)
            row(1, Invoke, "read", Value::Null, 1_100_000),     // 2
            row(0, Invoke, "add", json!(2), 1_200_000),         // 3
            row(0, Ok, "add", json!(2), 1_300_000),             // 4: known(2)
            row(1, Ok, "read", json!([]), 1_400_000),           // 5
            row(0, Invoke, "add", json!(3), 1_500_000),         // 6
            row(0, Ok, "add", json!(3), 1_600_000),             // 7
            row(1, Invoke, "read", Value::Null, 3_999_999),     // 8: last-absent of 1, 2, 4
            row(2, Invoke, "add", json!(4), 4_000_000),         // 9
            row(1, Ok, "read", json!([3]), 4_100_000),          // 10
            row(2, Ok, "add", json!(4), 4_200_000),             // 11: known(4)
            row(1, Invoke, "read", Value::Null, 5 * MS),        // 12
            row(1, Ok, "read", json!([4, 3, 2, 1]), 5_100_000), // 13
        ]);
        let r = check(&h, "add");
        // 1: 3_999_999 + 1 − 1_000_000 = 3_000_000 ns → 3 ms (2 without the +1 ns).
        // 2: 4_000_000 − 1_300_000 = 2_700_000 ns → 2 ms (floored).
        // 3: never absent after its add → 0.
        // 4: absent only in a read invoked before it was known → max(0, −200_000) = 0.
        assert_eq!(r["valid?"], true);
        assert_eq!(r["stable-count"], 4);
        assert_eq!(r["stale-count"], 2);
        assert_eq!(r["stale"], json!([1, 2]));
        assert_eq!(
            r["worst-stale"],
            json!([
                {"element": 1, "outcome": "stable", "stable-latency": 3, "lost-latency": null,
                 "known": op_json(&h, 1), "last-absent": op_json(&h, 8)},
                {"element": 2, "outcome": "stable", "stable-latency": 2, "lost-latency": null,
                 "known": op_json(&h, 4), "last-absent": op_json(&h, 8)},
            ])
        );
        // Sorted latencies [0, 0, 2, 3].
        assert_eq!(r["stable-latencies"], quantiles_json([0, 2, 3, 3, 3]));
        assert!(r.get("lost-latencies").is_none());
    }

    #[test]
    fn worst_stale_is_by_descending_latency_ties_by_descending_element_capped_at_8() {
        use OpType::*;
        let latencies_ms: [(u64, u64); 10] = [
            (1, 5),
            (2, 20),
            (3, 20),
            (4, 1),
            (5, 30),
            (6, 7),
            (7, 20),
            (8, 2),
            (9, 9),
            (10, 3),
        ];
        let absent_read = 100 * MS - 1;
        let mut rows = Vec::new();
        for (e, lat) in latencies_ms {
            // Known `lat` ms + e µs before the absent read's invocation + 1 ns.
            let known = 100 * MS - lat * MS - e * 1_000;
            rows.push(row(100 + e, Invoke, "add", json!(e), known - 10_000));
            rows.push(row(100 + e, Ok, "add", json!(e), known));
        }
        // 11 is present in every read: latency 0, not stale.
        rows.push(row(111, Invoke, "add", json!(11), 50 * MS));
        rows.push(row(111, Ok, "add", json!(11), 50 * MS + 1_000));
        rows.push(row(1, Invoke, "read", Value::Null, absent_read));
        rows.push(row(1, Ok, "read", json!([11]), 101 * MS));
        rows.push(row(1, Invoke, "read", Value::Null, 200 * MS));
        rows.push(row(
            1,
            Ok,
            "read",
            json!((1..=11).collect::<Vec<_>>()),
            201 * MS,
        ));
        let h = timeline(rows);
        let r = check(&h, "add");
        assert_eq!(r["valid?"], true);
        assert_eq!(r["stable-count"], 11);
        assert_eq!(r["stale-count"], 10);
        assert_eq!(r["stale"], json!((1..=10).collect::<Vec<_>>()));
        let worst = r["worst-stale"].as_array().unwrap();
        let pairs: Vec<(u64, u64)> = worst
            .iter()
            .map(|w| {
                (
                    w["element"].as_u64().unwrap(),
                    w["stable-latency"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            pairs,
            [
                (5, 30),
                (7, 20),
                (3, 20),
                (2, 20),
                (9, 9),
                (6, 7),
                (1, 5),
                (10, 3)
            ]
        );
        for w in worst {
            assert_eq!(w["outcome"], "stable");
            assert_eq!(w["lost-latency"], Value::Null);
            assert_eq!(w["last-absent"]["time"], absent_read);
            assert_eq!(w["last-absent"]["type"], "invoke");
            assert_eq!(w["known"]["type"], "ok");
            assert_eq!(w["known"]["f"], "add");
            assert_eq!(w["known"]["value"], w["element"]);
        }
        // Sorted [0, 1, 2, 3, 5, 7, 9, 20, 20, 20, 30], n = 11.
        assert_eq!(r["stable-latencies"], quantiles_json([0, 7, 30, 30, 30]));
    }

    #[test]
    fn stable_latency_quantiles_use_floor_of_n_times_p() {
        use OpType::*;
        let n = 101u64;
        let mut rows = Vec::new();
        let read_at = 1000 * MS - 1;
        for e in 0..n {
            // A permutation of 0, 3, …, 300 ms, so the checker has to sort.
            let lat = (e * 37 % n) * 3;
            let known = read_at + 1 - lat * MS;
            rows.push(row(1000 + e, Invoke, "add", json!(e), known - 1_000));
            rows.push(row(1000 + e, Ok, "add", json!(e), known));
        }
        rows.push(row(1, Invoke, "read", Value::Null, read_at));
        rows.push(row(1, Ok, "read", json!([]), 1001 * MS));
        rows.push(row(1, Invoke, "read", Value::Null, 2000 * MS));
        rows.push(row(
            1,
            Ok,
            "read",
            json!((0..n).collect::<Vec<_>>()),
            2001 * MS,
        ));
        let r = check(&timeline(rows), "add");
        assert_eq!(r["stable-count"], 101);
        assert_eq!(r["stale-count"], 100);
        // Indices min(100, floor(101·p)): 0, 50, 95, 99, 100.
        assert_eq!(
            r["stable-latencies"],
            quantiles_json([0, 150, 285, 297, 300])
        );
        let worst: Vec<&Value> = r["worst-stale"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| &w["stable-latency"])
            .collect();
        assert_eq!(worst, [300, 297, 294, 291, 288, 285, 282, 279]);
    }

    #[test]
    fn lost_elements_and_lost_latency() {
        use OpType::*;
        let h = history_ns(&[
            row(0, Invoke, "add", json!(10), 0),
            row(2, Invoke, "add", json!(5), 100_000),
            row(2, Ok, "add", json!(5), 500_000), // known(5)
            row(0, Ok, "add", json!(10), MS),     // known(10)
            row(0, Invoke, "add", json!(2), 1_100_000),
            row(0, Ok, "add", json!(2), 1_200_000),
            row(1, Invoke, "read", Value::Null, 2_999_999), // last-present(10)
            row(1, Ok, "read", json!([10, 2, 5]), 3_100_000),
            row(0, Invoke, "add", json!(3), 3_200_000),
            row(0, Ok, "add", json!(3), 3_300_000), // known(3), never present
            row(1, Invoke, "read", Value::Null, 4 * MS),
            row(1, Ok, "read", json!([2]), 4_100_000),
            row(1, Invoke, "read", Value::Null, 5 * MS), // last-present(5)
            row(1, Ok, "read", json!([2, 5]), 5_100_000),
            row(1, Invoke, "read", Value::Null, 6 * MS),
            row(1, Ok, "read", json!([2]), 6_500_000),
        ]);
        // 10: 2_999_999 + 1 − 1_000_000 = 2_000_000 → 2 ms (1 without the +1 ns).
        // 5: 5_000_000 + 1 − 500_000 = 4_500_001 → 4 ms.
        // 3: never present → 0.
        assert_eq!(
            check(&h, "add"),
            json!({
                "valid?": false,
                "attempt-count": 4,
                "stable-count": 1,
                "lost-count": 3,
                "lost": [3, 5, 10],
                "never-read-count": 0,
                "never-read": [],
                "stale-count": 0,
                "stale": [],
                "worst-stale": [],
                "stable-latencies": quantiles_json([0; 5]),
                "lost-latencies": quantiles_json([0, 2, 4, 4, 4]),
                "duplicated-count": 0,
                "duplicated": {},
            })
        );
    }

    #[test]
    fn never_read_and_unacknowledged_adds() {
        use OpType::*;
        let h = history_ns(&[
            row(0, Invoke, "add", json!(2), 0),
            row(0, Info, "add", Value::Null, MS), // never acknowledged
            row(1, Invoke, "add", json!(3), MS),
            row(1, Fail, "add", json!(3), 1_500_000), // failed, never seen: not lost
            row(2, Invoke, "read", Value::Null, 2 * MS),
            row(2, Ok, "read", json!([]), 3 * MS),
            row(2, Invoke, "read", Value::Null, 4 * MS),
            row(2, Ok, "read", json!([2]), 5 * MS), // 7: known(2)
            row(2, Invoke, "read", Value::Null, 7_500_000), // 8: last-absent(2)
            row(2, Ok, "read", json!([]), 8 * MS),
            row(2, Invoke, "read", Value::Null, 9 * MS),
            row(2, Ok, "read", json!([2]), 10 * MS),
            // 6's only later read began before 6 was known: never read, not lost.
            row(5, Invoke, "read", Value::Null, 10_500_000),
            row(6, Invoke, "add", json!(6), 10_600_000),
            row(6, Ok, "add", json!(6), 10_700_000),
            row(5, Ok, "read", json!([2]), 10_800_000),
            // Acknowledged, but no read follows.
            row(3, Invoke, "add", json!(1), 11 * MS),
            row(3, Ok, "add", json!(1), 12 * MS),
            // Never completed.
            row(4, Invoke, "add", json!(4), 13 * MS),
        ]);
        let r = check(&h, "add");
        assert_eq!(r["valid?"], true);
        assert_eq!(r["attempt-count"], 5);
        assert_eq!(r["stable-count"], 1);
        assert_eq!(r["lost-count"], 0);
        assert_eq!(r["never-read-count"], 4);
        assert_eq!(r["never-read"], json!([1, 3, 4, 6]));
        // known(2) is the first ok read containing it: 7_500_000 + 1 − 5_000_000 → 2 ms.
        assert_eq!(r["stale"], json!([2]));
        assert_eq!(
            r["worst-stale"],
            json!([{"element": 2, "outcome": "stable", "stable-latency": 2,
                    "lost-latency": null, "known": op_json(&h, 7),
                    "last-absent": op_json(&h, 8)}])
        );
        assert_eq!(r["worst-stale"][0]["known"]["f"], "read");
        assert_eq!(r["stable-latencies"], quantiles_json([2; 5]));
        assert!(r.get("lost-latencies").is_none());
    }

    #[test]
    fn ignored_reads() {
        use OpType::*;
        let h = history(&[
            // Completed before the add was invoked; 99 was never added.
            (1, Invoke, "read", Value::Null, 0),
            (1, Ok, "read", json!([1, 99]), 1),
            (0, Invoke, "add", json!(1), 2),
            (0, Ok, "add", json!(1), 3),
            // Reads that did not complete ok count neither way.
            (1, Invoke, "read", Value::Null, 4),
            (1, Fail, "read", json!([1]), 5),
            (1, Invoke, "read", Value::Null, 6),
            (1, Info, "read", json!([1]), 7),
            (2, Invoke, "read", Value::Null, 8),
            (2, Fail, "read", json!([]), 9),
            (2, Invoke, "read", Value::Null, 10),
            (2, Info, "read", json!([99]), 11),
        ]);
        assert_eq!(
            check(&h, "add"),
            json!({
                "valid?": "unknown",
                "attempt-count": 1,
                "stable-count": 0,
                "lost-count": 0,
                "lost": [],
                "never-read-count": 1,
                "never-read": [1],
                "stale-count": 0,
                "stale": [],
                "worst-stale": [],
                "duplicated-count": 0,
                "duplicated": {},
            })
        );
    }

    #[test]
    fn read_completed_after_the_add_invocation_counts() {
        // Reads are processed at their completion: one invoked before the add
        // but completing after its invocation updates the element.
        use OpType::*;
        let h = history(&[
            (1, Invoke, "read", Value::Null, 0),
            (0, Invoke, "add", json!(1), 1),
            (1, Ok, "read", json!([1]), 2),
            (0, Info, "add", Value::Null, 3),
        ]);
        let r = check(&h, "add");
        assert_eq!(r["valid?"], true);
        assert_eq!(r["stable-count"], 1);
        assert_eq!(r["stable-latencies"], quantiles_json([0; 5]));
    }

    #[test]
    fn valid_is_unknown_without_stable_elements() {
        let empty = check(&History::default(), "add");
        assert_eq!(empty["valid?"], "unknown");
        assert_eq!(empty["attempt-count"], 0);
        assert!(empty.get("stable-latencies").is_none());
        let unread = history(&[
            (0, OpType::Invoke, "add", json!(1), 0),
            (0, OpType::Ok, "add", json!(1), 1),
        ]);
        assert_eq!(check(&unread, "add")["valid?"], "unknown");
    }

    #[test]
    fn re_adding_an_element_starts_it_afresh() {
        // As in Jepsen, a new add invocation of an element replaces its state.
        use OpType::*;
        let h = history(&[
            (0, Invoke, "add", json!(1), 0),
            (0, Ok, "add", json!(1), 1),
            (1, Invoke, "read", Value::Null, 2),
            (1, Ok, "read", json!([1]), 3),
            (0, Invoke, "add", json!(1), 4),
            (0, Ok, "add", json!(1), 5),
        ]);
        let r = check(&h, "add");
        assert_eq!(r["attempt-count"], 1);
        assert_eq!(r["never-read"], json!([1]));
        assert_eq!(r["valid?"], "unknown");
    }

    #[test]
    fn add_f_selects_the_workload_operation() {
        use OpType::*;
        let broadcast = history(&[
            (0, Invoke, "broadcast", json!(7), 0),
            (0, Ok, "broadcast", json!(7), 1),
            (1, Invoke, "read", Value::Null, 2),
            (1, Ok, "read", json!([7]), 3),
        ]);
        let g_set = history(&[
            (0, Invoke, "add", json!(7), 0),
            (0, Ok, "add", json!(7), 1),
            (1, Invoke, "read", Value::Null, 2),
            (1, Ok, "read", json!([7]), 3),
        ]);
        for (h, f, other) in [
            (&broadcast, "broadcast", "add"),
            (&g_set, "add", "broadcast"),
        ] {
            let r = check(h, f);
            assert_eq!(r["valid?"], true, "{f}");
            assert_eq!(r["attempt-count"], 1, "{f}");
            assert_eq!(r["stable-count"], 1, "{f}");
            let r = check(h, other);
            assert_eq!(r["valid?"], "unknown", "{f} checked as {other}");
            assert_eq!(r["attempt-count"], 0, "{f} checked as {other}");
        }
    }

    #[test]
    fn a_broadcast_shows_its_ops_as_add_like_maelstrom() {
        use OpType::*;
        // 7 is acknowledged at 1 ms, missed by a read at 2 ms, seen at 5 ms:
        // stale, and its known op is the broadcast's completion.
        let h = history(&[
            (0, Invoke, "broadcast", json!(7), 0),
            (0, Ok, "broadcast", json!(7), 1),
            (1, Invoke, "read", Value::Null, 2),
            (1, Ok, "read", json!([]), 3),
            (1, Invoke, "read", Value::Null, 5),
            (1, Ok, "read", json!([7]), 6),
        ]);
        let r = check(&h, "broadcast");
        assert_eq!(r["stale-count"], 1, "{r}");
        assert_eq!(r["worst-stale"][0]["known"]["f"], "add");
        assert_eq!(r["worst-stale"][0]["known"]["value"], 7);
    }
}
