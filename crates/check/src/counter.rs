//! The counter checker (`g-counter`, `pn-counter`; Maelstrom's
//! workloads.md §5): every final read must equal the sum of the
//! acknowledged adds plus some subset of the indeterminate ones.

use crate::history::{History, OpType, Process};
use serde_json::{json, Value};
use std::collections::HashMap;

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

/// Jepsen's `counter` checker, for plain counter histories: each `ok` read
/// must lie between the sum of the adds that completed `ok` before it was
/// invoked and the sum of the adds invoked (and not failed) by the time it
/// completed. Reads are reported as `[lower, value, upper]`.
pub fn check_bounds(history: &History) -> Value {
    let failed: std::collections::HashSet<usize> = history
        .pairs()
        .into_iter()
        .filter_map(|(inv, done)| done.filter(|d| d.typ == OpType::Fail).map(|_| inv.index))
        .collect();
    let mut read_value: HashMap<usize, &Value> = HashMap::new();
    for (inv, done) in history.pairs() {
        if let Some(done) = done.filter(|d| d.typ == OpType::Ok) {
            read_value.insert(inv.index, &done.value);
        }
    }
    let (mut lower, mut upper) = (0i64, 0i64);
    let mut pending: HashMap<Process, (i64, Value)> = HashMap::new();
    let mut adds: HashMap<Process, i64> = HashMap::new();
    let mut reads = Vec::new();
    let mut errors = Vec::new();
    for op in history.ops().iter().filter(|o| o.is_workload_op()) {
        if op.typ == OpType::Invoke && failed.contains(&op.index) {
            continue;
        }
        match (op.typ, op.f.as_str()) {
            (OpType::Invoke, "read") => {
                let value = read_value
                    .get(&op.index)
                    .map_or(Value::Null, |v| (*v).clone());
                pending.insert(op.process, (lower, value));
            }
            (OpType::Ok, "read") => {
                if let Some((low, value)) = pending.remove(&op.process) {
                    let within = value.as_i64().is_some_and(|v| low <= v && v <= upper);
                    let read = json!([low, value, upper]);
                    if !within {
                        errors.push(read.clone());
                    }
                    reads.push(read);
                }
            }
            (OpType::Invoke, "add") => {
                let delta = op.value.as_i64().unwrap_or(0);
                adds.insert(op.process, delta);
                upper += delta;
            }
            (OpType::Ok, "add") => lower += adds.remove(&op.process).unwrap_or(0),
            _ => {}
        }
    }
    json!({"valid?": errors.is_empty(), "reads": reads, "errors": errors})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::build::history;
    use crate::history::Op;
    use serde_json::Map;

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

    #[test]
    fn jepsen_counter_bounds_every_read() {
        let rows = [
            (0, OpType::Invoke, "add", json!(2), 0),
            (0, OpType::Ok, "add", json!(2), 1),
            (1, OpType::Invoke, "add", json!(5), 2),
            (2, OpType::Invoke, "read", Value::Null, 3),
            (2, OpType::Ok, "read", json!(7), 4), // the info add may have landed
            (1, OpType::Info, "add", json!(5), 5),
            (3, OpType::Invoke, "add", json!(9), 6),
            (3, OpType::Fail, "add", json!(9), 7), // never counts
            (2, OpType::Invoke, "read", Value::Null, 8),
            (2, OpType::Ok, "read", json!(2), 9),
        ];
        let ok = check_bounds(&history(&rows));
        assert_eq!(ok["valid?"], true, "{ok}");
        assert_eq!(ok["reads"], json!([[2, 7, 7], [2, 2, 7]]));
        let mut bad = rows.to_vec();
        bad[9].3 = json!(11); // past every add, the failed one included
        let r = check_bounds(&history(&bad));
        assert_eq!(r["valid?"], false);
        assert_eq!(r["errors"], json!([[2, 11, 7]]));
        bad[9].3 = json!(1); // below the add known done before it began
        assert_eq!(check_bounds(&history(&bad))["errors"], json!([[2, 1, 7]]));
    }
}
