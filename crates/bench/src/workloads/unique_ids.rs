//! The `unique-ids` workload: endless `generate` requests; the checker fails
//! the run if any id was acknowledged twice, and reports the id range.

use super::{body, OpSpec, RpcSpec, Workload};
use crate::client::{ErrorPolicy, FieldType, Schema};
use crate::rng::Rng;
use glomers_check::Model;
use serde_json::{Map, Value};

pub struct UniqueIds;

impl Workload for UniqueIds {
    fn model(&self) -> Model {
        Model::UniqueIds
    }

    fn reusable_client(&self) -> bool {
        true
    }

    fn next_op(&mut self, _rng: &mut Rng, _worker: usize, _process: u64, _now: u64) -> OpSpec {
        OpSpec::new("generate", Value::Null)
    }

    fn request(&self, _op: &OpSpec) -> Map<String, Value> {
        body("generate", [])
    }

    fn rpc(&self, _f: &str) -> RpcSpec {
        RpcSpec {
            response: Schema {
                kind: "generate_ok",
                fields: &[("id", FieldType::Any)],
            },
            errors: ErrorPolicy::ByCode,
        }
    }

    fn ok_value(&self, _op: &OpSpec, reply: &Map<String, Value>) -> Value {
        reply.get("id").cloned().unwrap_or(Value::Null)
    }
}
