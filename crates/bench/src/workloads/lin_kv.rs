//! The `lin-kv` workload as Maelstrom 0.2.4 runs it (Jepsen's
//! `linearizable-register` test with Maelstrom's client): independent keys
//! 0, 1, 2, …; the workers split into groups of 2N consecutive threads
//! (N = node count), each group on one key at a time — its first N threads
//! only `read`, the others `write` (one time in three) or `cas` (two in
//! three), values uniform in 0…4. A group moves on to the next unused key
//! once more than 20 distinct processes would have touched its key (only
//! client crashes, i.e. indeterminate results, bring new processes). Values
//! in the history are Jepsen's independent tuples `[key, value]`. The
//! checker (per key, a compare-and-set register) is
//! `glomers_check::linearizable`.

use super::{body, OpSpec, Outcome, RpcSpec, Step, Workload};
use crate::client::{self, ErrorPolicy, FieldType, Schema};
use crate::opts::TestOptions;
use crate::rng::Rng;
use glomers_check::Model;
use serde_json::{json, Map, Value};
use std::collections::HashSet;

/// Jepsen's `process-limit`: distinct processes per key.
const PROCESS_LIMIT: usize = 20;

const READ_OK: Schema = Schema {
    kind: "read_ok",
    fields: &[("value", FieldType::Any)],
};
const WRITE_OK: Schema = Schema {
    kind: "write_ok",
    fields: &[],
};
const CAS_OK: Schema = Schema {
    kind: "cas_ok",
    fields: &[],
};

/// One group of 2N threads and the key it works on.
#[derive(Debug, Default)]
struct Group {
    key: u64,
    processes: HashSet<u64>,
}

pub struct LinKv {
    nodes: usize,
    groups: Vec<Group>,
    next_key: u64,
    timeout_ms: u64,
}

impl LinKv {
    /// The workload, or Jepsen's complaint when `--concurrency` is not a
    /// multiple of 2N.
    pub fn new(opts: &TestOptions) -> Result<Self, String> {
        let n = opts.nodes.len().max(1);
        let group = 2 * n;
        if opts.concurrency == 0 || !opts.concurrency.is_multiple_of(group) {
            return Err(format!(
                "With {n} nodes, lin-kv runs each key with {group} threads concurrently \
                 ({n} readers, {n} writers), but --concurrency is {}. Consider raising or \
                 lowering the test's :concurrency to a multiple of {group} (e.g. --concurrency 2n).",
                opts.concurrency
            ));
        }
        let groups = opts.concurrency / group;
        Ok(Self {
            nodes: n,
            groups: (0..groups as u64)
                .map(|key| Group {
                    key,
                    processes: HashSet::new(),
                })
                .collect(),
            next_key: groups as u64,
            timeout_ms: (10 * opts.latency.mean_ms).max(1000),
        })
    }

    /// The key `process` (of `worker`'s group) works on now: a process new to
    /// a key already touched by the limit's worth moves the group on.
    fn key_for(&mut self, worker: usize, process: u64) -> u64 {
        let group = &mut self.groups[worker / (2 * self.nodes)];
        if !group.processes.contains(&process) && group.processes.len() >= PROCESS_LIMIT {
            group.key = self.next_key;
            group.processes.clear();
            self.next_key += 1;
        }
        group.processes.insert(process);
        group.key
    }
}

impl Workload for LinKv {
    fn model(&self) -> Model {
        Model::LinKv
    }

    fn reusable_client(&self) -> bool {
        true
    }

    fn rpc_timeout_ms(&self, _opts: &TestOptions) -> u64 {
        self.timeout_ms
    }

    fn next_op(&mut self, rng: &mut Rng, worker: usize, process: u64, _now: u64) -> OpSpec {
        let key = self.key_for(worker, process);
        let reader = worker % (2 * self.nodes) < self.nodes;
        if reader {
            return OpSpec::new("read", json!([key, null]));
        }
        match rng.below(3) {
            0 => OpSpec::new("write", json!([key, rng.below(5)])),
            _ => OpSpec::new("cas", json!([key, [rng.below(5), rng.below(5)]])),
        }
    }

    fn request(&self, op: &OpSpec) -> Map<String, Value> {
        let key = op.value[0].clone();
        let v = &op.value[1];
        match op.f {
            "read" => body("read", [("key", key)]),
            "write" => body("write", [("key", key), ("value", v.clone())]),
            _ => body(
                "cas",
                [("key", key), ("from", v[0].clone()), ("to", v[1].clone())],
            ),
        }
    }

    fn rpc(&self, f: &str) -> RpcSpec {
        let (response, errors) = match f {
            // Reads change nothing: any error or timeout is a failure.
            "read" => (READ_OK, ErrorPolicy::Idempotent),
            "write" => (WRITE_OK, ErrorPolicy::ByCode),
            _ => (CAS_OK, ErrorPolicy::ByCode),
        };
        RpcSpec { response, errors }
    }

    fn on_reply(&mut self, _process: u64, op: &OpSpec, outcome: Outcome) -> Step {
        Step::Complete(match outcome {
            Ok(reply) if op.f == "read" => {
                let value = reply.get("value").cloned().unwrap_or(Value::Null);
                client::ok(json!([op.value[0], value]))
            }
            Ok(_) => client::ok(op.value.clone()),
            Err(failed) => failed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(nodes: usize, concurrency: usize) -> TestOptions {
        let mut o = TestOptions::new("lin-kv", "x", nodes);
        o.concurrency = concurrency;
        o
    }

    #[test]
    fn concurrency_must_be_a_multiple_of_two_n() {
        assert!(LinKv::new(&opts(3, 6)).is_ok());
        assert!(LinKv::new(&opts(3, 12)).is_ok());
        let err = LinKv::new(&opts(3, 5)).err().unwrap_or_default();
        assert!(err.contains("multiple of 6"), "{err}");
    }

    #[test]
    fn readers_read_writers_write_or_cas_one_key_per_group() {
        let mut w = LinKv::new(&opts(2, 8)).expect("valid");
        let mut rng = Rng::new(1);
        let mut kinds = std::collections::BTreeMap::new();
        for i in 0..400u64 {
            let worker = (i % 8) as usize;
            let op = w.next_op(&mut rng, worker, worker as u64, 0);
            let group = worker / 4;
            assert_eq!(
                op.value[0],
                json!(group),
                "group {group} works on key {group}"
            );
            let role = if worker % 4 < 2 { "reader" } else { "writer" };
            *kinds.entry((role, op.f)).or_insert(0) += 1;
        }
        assert_eq!(kinds.get(&("reader", "read")), Some(&200));
        let writes = kinds[&("writer", "write")];
        let cas = kinds[&("writer", "cas")];
        assert!(
            (50..90).contains(&writes) && cas == 200 - writes,
            "{kinds:?}"
        );
    }

    #[test]
    fn a_group_moves_on_after_twenty_processes() {
        let mut w = LinKv::new(&opts(1, 2)).expect("valid");
        let mut rng = Rng::new(1);
        // Worker 0's client crashes again and again: processes 0, 2, 4, …
        let keys: Vec<u64> = (0..25u64)
            .map(|i| {
                w.next_op(&mut rng, 0, 2 * i, 0).value[0]
                    .as_u64()
                    .unwrap_or(99)
            })
            .collect();
        assert!(keys[..20].iter().all(|&k| k == 0), "{keys:?}");
        assert!(keys[20..].iter().all(|&k| k == 1), "{keys:?}");
    }
}
