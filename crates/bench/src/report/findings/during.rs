//! Which faults were in effect while a finding's operations ran: the one
//! helper the explainers of unique ids, counters, kafka, lin-kv and txn use to
//! tie their evidence to the nemesis — "n2 killed at 4.213 s, started at
//! 6.020 s" between the write acknowledged and the read that missed it.

use super::Run;
use crate::report::faults::Faults;
use serde_json::Value;
use std::collections::HashMap;

/// At most this many faults are named in one sentence.
const NAMED: usize = 5;

/// A run's faults, and when each completed operation was invoked.
pub struct During {
    faults: Faults,
    /// Completion index → its invocation's time.
    invoked: HashMap<u64, u64>,
}

impl During {
    /// None when the run had no faults: there is nothing to relate.
    pub fn of(run: &Run) -> Option<Self> {
        let faults = Faults::of_json(run.history());
        if faults.is_empty() {
            return None;
        }
        let mut invoked = HashMap::new();
        let mut pending: HashMap<String, u64> = HashMap::new();
        for op in run.history() {
            let (Some(index), Some(time)) = (op["index"].as_u64(), op["time"].as_u64()) else {
                continue;
            };
            let process = op["process"].to_string();
            if op["type"] == "invoke" {
                pending.insert(process, time);
            } else if let Some(t) = pending.remove(&process) {
                invoked.insert(index, t);
            }
        }
        Some(Self { faults, invoked })
    }

    /// A sentence naming the faults in effect from the first invocation to
    /// the last completion of the operations in `witnesses` (op maps with
    /// an `index` and a `time`, at any depth). `since_start` stretches the
    /// window back to the run's start, for a result built up all run long
    /// (a counter's total). With no operation found: the whole run.
    pub fn sentence(&self, witnesses: &[&Value], what: &str, since_start: bool) -> Option<String> {
        let mut ops = Vec::new();
        for w in witnesses {
            collect_ops(w, &mut ops);
        }
        let from = ops
            .iter()
            .map(|&(index, time)| self.invoked.get(&index).copied().unwrap_or(time))
            .min();
        let until = ops.iter().map(|&(_, time)| time).max();
        let (from, until, what) = match (from, until) {
            (Some(f), Some(u)) => (if since_start { 0 } else { f }, u, what),
            _ => (0, u64::MAX, "the run"),
        };
        self.faults.during(from, until, what, NAMED)
    }
}

/// Every `(index, time)` of an op map in `v`, however deep, but for
/// indeterminate (`info`) ones: never ended, they are concurrent with all
/// that follows and would stretch the window back to their invocation.
fn collect_ops(v: &Value, out: &mut Vec<(u64, u64)>) {
    match v {
        Value::Object(m) => {
            if let (Some(i), Some(t)) = (
                m.get("index").and_then(Value::as_u64),
                m.get("time").and_then(Value::as_u64),
            ) {
                if m.get("type").and_then(Value::as_str) != Some("info") {
                    out.push((i, t));
                }
            }
            m.values().for_each(|x| collect_ops(x, out));
        }
        Value::Array(items) => items.iter().for_each(|x| collect_ops(x, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const S: u64 = 1_000_000_000;

    fn during() -> During {
        let ops = [
            (2 * S, "kill", json!({"n2": "killed"})),
            (4 * S, "start", json!({"n2": "started"})),
            (6 * S, "pause", json!({"n1": "paused"})),
            (7 * S, "resume", json!({"n1": "resumed"})),
        ];
        During {
            faults: Faults::from_ops(ops.iter().map(|(t, f, v)| (*t, *f, v))),
            // Op 11 (completed at 5 s) was invoked at 1 s.
            invoked: [(11, S)].into_iter().collect(),
        }
    }

    #[test]
    fn the_window_runs_from_the_first_invocation_to_the_last_completion() {
        let d = during();
        let w = json!({"writer": {"index": 11, "time": 5 * S}, "reader": [{"index": 20, "time": 5 * S + 1}]});
        let s = d
            .sentence(&[&w], "these operations", false)
            .expect("faults");
        assert_eq!(
            s,
            "Faults in effect during these operations (1.000\u{2013}5.000 s): n2 killed at 2.000 s, \
             started at 4.000 s."
        );
        // Without the invocation, the window would miss the kill.
        let w = json!({"index": 30, "time": 5 * S});
        let s = d.sentence(&[&w], "this read", false).expect("faults");
        assert!(
            s.starts_with("No fault was in effect during this read"),
            "{s}"
        );
        let s = d.sentence(&[&w], "this read", true).expect("faults");
        assert!(s.contains("n2 killed") && !s.contains("n1 paused"), "{s}");
        // An indeterminate op does not widen the window.
        let w = json!([{"index": 30, "time": 5 * S}, {"index": 2, "time": S / 2, "type": "info"}]);
        let s = d.sentence(&[&w], "this read", false).expect("faults");
        assert!(
            s.starts_with("No fault was in effect during this read (5.000"),
            "{s}"
        );
        // No op at all: the whole run.
        let s = d
            .sentence(&[&json!({"count": 3})], "x", false)
            .expect("faults");
        assert!(s.contains("the run") && s.contains("n1 paused"), "{s}");
    }
}
