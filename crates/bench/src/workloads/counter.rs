//! The `g-counter` and `pn-counter` workloads: `add` with a small delta and
//! `read`, a final read per worker after the heal and recovery pause, and
//! the counter checker — every final read must equal the sum of the
//! acknowledged adds plus some subset of the indeterminate ones.

use super::{body, OpSpec, RpcSpec, Workload};
use crate::client::{ErrorPolicy, FieldType, Schema};
use crate::history::{History, OpType, Process};
use crate::opts::TestOptions;
use crate::rng::Rng;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

pub struct Counter {
    /// g-counter: negative adds are dropped from the pn-counter stream.
    grow_only: bool,
}

impl Counter {
    pub fn grow_only() -> Self {
        Self { grow_only: true }
    }
    pub fn pn() -> Self {
        Self { grow_only: false }
    }
}

impl Workload for Counter {
    fn has_final_phase(&self) -> bool {
        true
    }

    fn next_op(&mut self, rng: &mut Rng, _worker: usize, _process: u64, _now: u64) -> OpSpec {
        loop {
            if rng.below(2) == 0 {
                return OpSpec::new("read", Value::Null);
            }
            let delta = rng.range_inclusive(-5, 4);
            if !(self.grow_only && delta < 0) {
                return OpSpec::new("add", json!(delta));
            }
        }
    }

    fn final_ops(&mut self, _worker: usize) -> Vec<OpSpec> {
        let mut read = OpSpec::new("read", Value::Null);
        read.is_final = true;
        vec![read]
    }

    fn request(&self, op: &OpSpec) -> Map<String, Value> {
        match op.f {
            "add" => body("add", [("delta", op.value.clone())]),
            _ => body("read", []),
        }
    }

    fn rpc(&self, f: &str) -> RpcSpec {
        let response = match f {
            "add" => Schema {
                kind: "add_ok",
                fields: &[],
            },
            _ => Schema {
                kind: "read_ok",
                fields: &[("value", FieldType::Int)],
            },
        };
        RpcSpec {
            response,
            errors: ErrorPolicy::Indeterminate,
        }
    }

    fn ok_value(&self, op: &OpSpec, reply: &Map<String, Value>) -> Value {
        match op.f {
            "add" => op.value.clone(),
            _ => reply.get("value").cloned().unwrap_or(Value::Null),
        }
    }

    fn check(&self, history: &History, _opts: &TestOptions) -> Value {
        check(history)
    }
}

/// A set of integers as sorted, disjoint, non-adjacent inclusive intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct Intervals(Vec<(i64, i64)>);

impl Intervals {
    pub fn single(x: i64) -> Self {
        Self(vec![(x, x)])
    }

    /// `self ∪ (self + d)`: an indeterminate add of `d` may or may not have happened.
    pub fn maybe_add(&self, d: i64) -> Self {
        let mut all: Vec<(i64, i64)> = self
            .0
            .iter()
            .copied()
            .chain(self.0.iter().map(|&(lo, hi)| (lo + d, hi + d)))
            .collect();
        all.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(all.len());
        for (lo, hi) in all {
            match merged.last_mut() {
                Some(last) if lo <= last.1 + 1 => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        Self(merged)
    }

    pub fn contains(&self, x: i64) -> bool {
        self.0.iter().any(|&(lo, hi)| lo <= x && x <= hi)
    }

    pub fn to_value(&self) -> Value {
        json!(self
            .0
            .iter()
            .map(|&(lo, hi)| json!([lo, hi]))
            .collect::<Vec<_>>())
    }
}

/// The counter checker (workloads.md §5).
pub fn check(history: &History) -> Value {
    let mut invoked_delta: HashMap<Process, i64> = HashMap::new();
    let mut sum = 0i64;
    let mut indeterminate = Vec::new();
    let mut final_reads = Vec::new();
    for op in history.ops().iter().filter(|o| o.is_workload_op()) {
        match (op.f.as_str(), op.typ) {
            ("add", OpType::Invoke) => {
                invoked_delta.insert(op.process, op.value.as_i64().unwrap_or(0));
            }
            ("add", OpType::Ok) => sum += invoked_delta.remove(&op.process).unwrap_or(0),
            ("add", OpType::Info) => indeterminate.extend(invoked_delta.remove(&op.process)),
            ("add", _) => {
                invoked_delta.remove(&op.process);
            }
            ("read", OpType::Ok) if op.is_final => final_reads.push(op),
            _ => {}
        }
    }
    let acceptable = indeterminate
        .iter()
        .fold(Intervals::single(sum), |a, &d| a.maybe_add(d));
    let errors: Vec<Value> = final_reads
        .iter()
        .filter(|r| !r.value.as_i64().is_some_and(|v| acceptable.contains(v)))
        .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
        .collect();
    json!({
        "valid?": errors.is_empty(),
        "errors": if errors.is_empty() { Value::Null } else { json!(errors) },
        "final-reads": final_reads.iter().map(|r| r.value.clone()).collect::<Vec<_>>(),
        "acceptable": acceptable.to_value(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::build::history;
    use crate::history::Op;

    fn final_read(h: &mut History, process: u64, value: i64) {
        h.push(Op {
            index: 0,
            time: 0,
            typ: OpType::Invoke,
            process: Process::Client(process),
            f: "read".into(),
            value: Value::Null,
            error: None,
            exception: None,
            is_final: true,
            extra: Map::new(),
        });
        h.push(Op {
            index: 0,
            time: 0,
            typ: OpType::Ok,
            process: Process::Client(process),
            f: "read".into(),
            value: json!(value),
            error: None,
            exception: None,
            is_final: true,
            extra: Map::new(),
        });
    }

    #[test]
    fn intervals_merge() {
        let a = Intervals::single(10).maybe_add(3).maybe_add(1);
        assert_eq!(a.0, vec![(10, 11), (13, 14)]);
        assert!(a.contains(14) && !a.contains(12));
        let b = Intervals::single(0).maybe_add(-2).maybe_add(1);
        assert_eq!(b.0, vec![(-2, 1)]);
    }

    #[test]
    fn final_reads_must_be_acceptable() {
        let rows = [
            (0, OpType::Invoke, "add", json!(3), 0),
            (0, OpType::Ok, "add", json!(3), 1),
            (1, OpType::Invoke, "add", json!(4), 0),
            (1, OpType::Info, "add", Value::Null, 1),
            (2, OpType::Invoke, "add", json!(2), 0),
            (2, OpType::Fail, "add", Value::Null, 1),
            (0, OpType::Invoke, "read", Value::Null, 2),
            (0, OpType::Ok, "read", json!(100), 3), // not final: unchecked
        ];
        let mut h = history(&rows);
        final_read(&mut h, 5, 3);
        final_read(&mut h, 6, 7);
        let ok = check(&h);
        assert_eq!(ok["valid?"], true, "{ok}");
        assert_eq!(ok["acceptable"], json!([[3, 3], [7, 7]]));
        assert_eq!(ok["final-reads"], json!([3, 7]));
        let mut bad = history(&rows);
        final_read(&mut bad, 5, 5); // the failed add of 2 must not count
        let result = check(&bad);
        assert_eq!(result["valid?"], false);
        assert_eq!(result["errors"].as_array().map(Vec::len), Some(1));
    }
}
