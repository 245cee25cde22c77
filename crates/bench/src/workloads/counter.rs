//! The `g-counter` and `pn-counter` workloads: `add` with a small delta and
//! `read`, a final read per worker after the heal and recovery pause, and
//! the counter checker — every final read must equal the sum of the
//! acknowledged adds plus some subset of the indeterminate ones.

use super::{body, OpSpec, RpcSpec, Workload};
use crate::client::{ErrorPolicy, FieldType, Schema};
use crate::rng::Rng;
use glomers_check::Model;
use serde_json::{json, Map, Value};

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
    fn model(&self) -> Model {
        if self.grow_only {
            Model::GCounter
        } else {
            Model::PnCounter
        }
    }

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
}
