//! The `txn-list-append` and `txn-rw-register` workloads: one RPC, `txn`,
//! carrying 1…`--max-txn-length` micro-operations over Elle's key stream —
//! reads (`["r", k, null]`) and appends (`["append", k, v]`) or writes
//! (`["w", k, v]`) of values unique per key. The client is Maelstrom's:
//! reusable, timeouts and indefinite errors `info`, definite ones `fail`,
//! and a reply whose micro-ops break the schema is malformed. The checkers
//! (Elle's, in `glomers_check::txn`) judge the history against
//! `--consistency-models`.

use super::keys::{KeyStream, MicroOp, DEFAULT_KEY_COUNT};
use super::{body, OpSpec, Outcome, RpcSpec, Step, Workload};
use crate::client::{self, ErrorPolicy, FieldType, Schema};
use crate::opts::TestOptions;
use crate::rng::Rng;
use glomers_check::Model;
use serde_json::{json, Map, Value};

const TXN_OK: Schema = Schema {
    kind: "txn_ok",
    fields: &[("txn", FieldType::List)],
};

/// Which of the two transactional workloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    ListAppend,
    RwRegister,
}

impl Kind {
    /// The micro-op name of a write.
    fn write(self) -> &'static str {
        match self {
            Kind::ListAppend => "append",
            Kind::RwRegister => "w",
        }
    }
}

pub struct Txn {
    kind: Kind,
    keys: KeyStream,
    max_len: u64,
}

impl Txn {
    pub fn new(kind: Kind, opts: &TestOptions) -> Self {
        Self {
            kind,
            keys: KeyStream::new(
                opts.key_count.unwrap_or(DEFAULT_KEY_COUNT),
                opts.max_writes_per_key,
            ),
            max_len: opts.max_txn_length.max(1),
        }
    }

    /// Why a reply's `txn` is not a list of `["r", k, v]` and writes of this
    /// workload, or `None` if it is. List-append reads must be lists (or
    /// null, which Maelstrom's schema lets through).
    fn malformed(&self, txn: &Value) -> Option<String> {
        let Some(mops) = txn.as_array() else {
            return Some(format!("txn must be a list of micro-ops: {txn}"));
        };
        mops.iter().find_map(|mop| {
            let ok = match mop.as_array().map(Vec::as_slice) {
                Some([f, _, v]) if f == "r" => {
                    self.kind == Kind::RwRegister || v.is_array() || v.is_null()
                }
                Some([f, _, _]) => f == self.kind.write(),
                _ => false,
            };
            (!ok).then(|| format!("bad micro-op {mop}"))
        })
    }
}

impl Workload for Txn {
    fn model(&self) -> Model {
        match self.kind {
            Kind::ListAppend => Model::TxnListAppend,
            Kind::RwRegister => Model::TxnRwRegister,
        }
    }

    fn reusable_client(&self) -> bool {
        true
    }

    /// Elle's transaction generator costs Jepsen's interpreter ~0.14 ms per
    /// op beyond echo's: real Maelstrom's mean gap between invocations at
    /// rate 1000 was 1.208 ms (6a) and 1.366 ms (6c) on an idle machine
    /// (echo: 1.117 ms); single runs vary by ±6 %.
    fn generator_cost_ns(&self) -> u64 {
        140_000
    }

    fn next_op(&mut self, rng: &mut Rng, _worker: usize, _process: u64, _now: u64) -> OpSpec {
        let len = 1 + rng.below(self.max_len);
        let mops: Vec<Value> = (0..len)
            .map(|_| match self.keys.next(rng) {
                MicroOp::Read(k) => json!(["r", k, null]),
                MicroOp::Write(k, v) => json!([self.kind.write(), k, v]),
            })
            .collect();
        OpSpec::new("txn", Value::Array(mops))
    }

    fn request(&self, op: &OpSpec) -> Map<String, Value> {
        body("txn", [("txn", op.value.clone())])
    }

    fn rpc(&self, _f: &str) -> RpcSpec {
        RpcSpec {
            response: TXN_OK,
            errors: ErrorPolicy::ByCode,
        }
    }

    fn on_reply(&mut self, _process: u64, _op: &OpSpec, outcome: Outcome) -> Step {
        Step::Complete(match outcome {
            Ok(reply) => {
                let txn = reply.get("txn").cloned().unwrap_or(Value::Null);
                match self.malformed(&txn) {
                    Some(problem) => client::malformed_completion(ErrorPolicy::ByCode, problem),
                    None => client::ok(txn),
                }
            }
            Err(failed) => failed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transactions_draw_unique_writes_of_the_workloads_kind() {
        let mut o = TestOptions::new("txn-list-append", "x", 1);
        o.max_txn_length = 3;
        let mut w = Txn::new(Kind::ListAppend, &o);
        let mut rng = Rng::new(5);
        let mut seen = std::collections::HashSet::new();
        let mut lengths = std::collections::BTreeSet::new();
        for _ in 0..2_000 {
            let op = w.next_op(&mut rng, 0, 0, 0);
            let mops = op.value.as_array().expect("a list").clone();
            lengths.insert(mops.len());
            for m in mops {
                match m[0].as_str() {
                    Some("r") => assert!(m[2].is_null()),
                    Some("append") => assert!(seen.insert((m[1].clone(), m[2].clone())), "{m}"),
                    other => panic!("unexpected micro-op {other:?}"),
                }
            }
        }
        assert_eq!(lengths, [1, 2, 3].into());
    }

    #[test]
    fn replies_must_hold_well_formed_micro_ops() {
        let o = TestOptions::new("txn-rw-register", "x", 1);
        let rw = Txn::new(Kind::RwRegister, &o);
        assert_eq!(rw.malformed(&json!([["r", 1, 5], ["w", 2, 3]])), None);
        assert!(rw.malformed(&json!([["append", 1, 5]])).is_some());
        assert!(rw.malformed(&json!([["r", 1]])).is_some());
        let la = Txn::new(Kind::ListAppend, &o);
        assert_eq!(
            la.malformed(&json!([["r", 1, null], ["r", 2, [1, 2]]])),
            None
        );
        assert!(la.malformed(&json!([["r", 1, 5]])).is_some());
    }
}
