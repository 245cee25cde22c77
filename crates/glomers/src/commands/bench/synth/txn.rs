//! A realistic, valid (strict-serializable) transactional history for
//! `glomers bench` and the checkers' tests: 10 worker threads against one
//! in-memory database that runs each transaction atomically at an instant
//! between its invocation and its completion, with Elle's key stream
//! (10 active keys, later slots exponentially hotter, 16 writes per key,
//! then a fresh key) and Maelstrom's transaction shape (1–4 micro-ops, reads
//! and writes equally likely). About 2 % of transactions fail (never
//! applied) and 2 % time out (`info`, applied half the time, and the worker
//! moves to a new process, as Maelstrom's workers do).

use glomers_bench::rng::Rng;
use glomers_bench::workloads::keys::{KeyStream, MicroOp};
use glomers_check::history::{Completion, History, OpType, Process};
use serde_json::{json, Value};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

const THREADS: u64 = 10;
const MS: u64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Complete,
    Exec,
    Invoke,
}

struct Pending {
    invoke: usize,
    mops: Vec<MicroOp>,
    outcome: OpType,
    applies: bool,
    done: Value,
}

/// `txns` transactions (list-append or rw-register), deterministic in `seed`.
pub fn synthetic_txn_history(txns: usize, seed: u64, list_append: bool) -> History {
    let mut rng = Rng::new(seed);
    let mut keys = KeyStream::new(10, 16);
    let mut h = History::default();
    let mut lists: HashMap<u64, Vec<u64>> = HashMap::new();
    let mut regs: HashMap<u64, u64> = HashMap::new();
    let mut process: Vec<u64> = (0..THREADS).collect();
    let mut pending: Vec<Option<Pending>> = (0..THREADS).map(|_| None).collect();
    let mut events: BinaryHeap<Reverse<(u64, Event, u64)>> = BinaryHeap::new();
    for t in 0..THREADS {
        events.push(Reverse((rng.below(MS), Event::Invoke, t)));
    }
    let write = if list_append { "append" } else { "w" };
    let mut issued = 0;
    while let Some(Reverse((now, event, t))) = events.pop() {
        let slot = t as usize;
        match event {
            Event::Invoke => {
                if issued >= txns {
                    continue;
                }
                issued += 1;
                let len = rng.range_inclusive(1, 4);
                let mops: Vec<MicroOp> = (0..len).map(|_| keys.next(&mut rng)).collect();
                let value: Vec<Value> = mops
                    .iter()
                    .map(|m| match *m {
                        MicroOp::Read(k) => json!(["r", k, null]),
                        MicroOp::Write(k, v) => json!([write, k, v]),
                    })
                    .collect();
                let invoke = h.invoke(
                    now,
                    Process::Client(process[slot]),
                    "txn",
                    Value::Array(value),
                    false,
                );
                let latency = MS + rng.below(9 * MS);
                let exec = now + 1 + rng.below(latency - 1);
                let outcome = match rng.below(100) {
                    0 | 1 => OpType::Fail,
                    2 | 3 => OpType::Info,
                    _ => OpType::Ok,
                };
                let applies = match outcome {
                    OpType::Ok => true,
                    OpType::Info => rng.below(2) == 0,
                    _ => false,
                };
                pending[slot] = Some(Pending {
                    invoke,
                    mops,
                    outcome,
                    applies,
                    done: Value::Null,
                });
                events.push(Reverse((exec, Event::Exec, t)));
                events.push(Reverse((now + latency, Event::Complete, t)));
            }
            Event::Exec => {
                let Some(p) = pending[slot].as_mut() else {
                    continue;
                };
                if !p.applies {
                    continue;
                }
                let mut done = Vec::with_capacity(p.mops.len());
                for m in &p.mops {
                    match *m {
                        MicroOp::Read(k) if list_append => {
                            done.push(json!(["r", k, lists.get(&k)]));
                        }
                        MicroOp::Read(k) => done.push(json!(["r", k, regs.get(&k)])),
                        MicroOp::Write(k, v) => {
                            if list_append {
                                lists.entry(k).or_default().push(v);
                            } else {
                                regs.insert(k, v);
                            }
                            done.push(json!([write, k, v]));
                        }
                    }
                }
                p.done = Value::Array(done);
            }
            Event::Complete => {
                let Some(p) = pending[slot].take() else {
                    continue;
                };
                let (value, error) = match p.outcome {
                    OpType::Ok => (p.done, None),
                    OpType::Fail => (Value::Null, Some(json!(30))),
                    _ => (Value::Null, None),
                };
                h.complete(
                    now,
                    p.invoke,
                    Completion {
                        typ: p.outcome,
                        value,
                        error,
                        exception: None,
                    },
                );
                if p.outcome == OpType::Info {
                    process[slot] += THREADS;
                }
                events.push(Reverse((now + rng.below(2 * MS), Event::Invoke, t)));
            }
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use glomers_check::txn::{check_list_append, check_rw_register};

    fn strict() -> Vec<String> {
        vec!["strict-serializable".to_string()]
    }

    #[test]
    fn list_append_histories_are_valid_and_a_broken_copy_is_caught() {
        for seed in 1..4 {
            let h = synthetic_txn_history(3000, seed, true);
            assert_eq!(h.invocation_count(), 3000);
            let r = check_list_append(&h, &strict());
            assert_eq!(r, json!({"valid?": true}), "seed {seed}");
        }
        // And a broken copy is caught: drop element 1 from every read.
        let mut h = synthetic_txn_history(3000, 9, true);
        let mut broken = History::default();
        for op in h.ops() {
            let mut op = op.clone();
            if let Value::Array(mops) = &mut op.value {
                for m in mops.iter_mut() {
                    if let Some(Value::Array(l)) = m.get_mut(2) {
                        l.retain(|e| e != &json!(1));
                    }
                }
            }
            broken.push(op);
        }
        h = broken;
        assert_eq!(check_list_append(&h, &strict())["valid?"], false);
    }

    #[test]
    fn rw_register_histories_are_valid() {
        for seed in 1..4 {
            let h = synthetic_txn_history(3000, seed, false);
            let r = check_rw_register(&h, &strict());
            assert_eq!(r["valid?"], true, "seed {seed}");
            assert_eq!(r["anomaly-types"], json!([]), "seed {seed}");
        }
    }
}
