//! The `echo` workload: `echo` requests carrying "Please echo N"; the checker
//! demands every `ok`/`fail` reply carried back exactly what was sent.

use super::{body, OpSpec, RpcSpec, Workload};
use crate::client::{ErrorPolicy, FieldType, Schema};
use crate::rng::Rng;
use glomers_check::Model;
use serde_json::{json, Map, Value};

pub struct Echo;

impl Workload for Echo {
    fn model(&self) -> Model {
        Model::Echo
    }

    fn next_op(&mut self, rng: &mut Rng, _worker: usize, _process: u64, _now: u64) -> OpSpec {
        OpSpec::new("echo", json!(format!("Please echo {}", rng.below(128))))
    }

    fn request(&self, op: &OpSpec) -> Map<String, Value> {
        body("echo", [("echo", op.value.clone())])
    }

    fn rpc(&self, _f: &str) -> RpcSpec {
        RpcSpec {
            response: Schema {
                kind: "echo_ok",
                fields: &[("echo", FieldType::Any)],
            },
            errors: ErrorPolicy::ByCode,
        }
    }

    /// Maelstrom keeps the whole reply body as the op's value.
    fn ok_value(&self, _op: &OpSpec, reply: &Map<String, Value>) -> Value {
        Value::Object(reply.clone())
    }
}
