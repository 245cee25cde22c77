//! The `echo` workload: `echo` requests carrying "Please echo N"; the checker
//! demands every `ok`/`fail` reply carried back exactly what was sent.

use super::{body, OpSpec, RpcSpec, Workload};
use crate::client::{ErrorPolicy, FieldType, Schema};
use crate::history::{History, OpType};
use crate::opts::TestOptions;
use crate::rng::Rng;
use serde_json::{json, Map, Value};

pub struct Echo;

impl Workload for Echo {
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

    fn check(&self, history: &History, _opts: &TestOptions) -> Value {
        let errors: Vec<Value> = history
            .pairs()
            .into_iter()
            .filter_map(|(invoke, done)| {
                let done = done.filter(|d| matches!(d.typ, OpType::Ok | OpType::Fail))?;
                let echoed = done.value.get("echo");
                (echoed != Some(&invoke.value)).then(|| {
                    json!([
                        "Expected a message with :echo",
                        invoke.value,
                        "But received",
                        done.value
                    ])
                })
            })
            .collect();
        json!({"valid?": errors.is_empty(), "errors": errors})
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::build::history;

    #[test]
    fn altered_or_failed_echo_is_an_error_and_info_is_ignored() {
        let opts = TestOptions::new("echo", "x", 1);
        let good = history(&[
            (0, OpType::Invoke, "echo", json!("Please echo 1"), 0),
            (
                0,
                OpType::Ok,
                "echo",
                json!({"type":"echo_ok","echo":"Please echo 1","in_reply_to":1}),
                1,
            ),
            (0, OpType::Invoke, "echo", json!("Please echo 2"), 2),
            (0, OpType::Info, "echo", Value::Null, 3),
        ]);
        assert_eq!(Echo.check(&good, &opts)["valid?"], true);
        let bad = history(&[
            (0, OpType::Invoke, "echo", json!("Please echo 1"), 0),
            (
                0,
                OpType::Ok,
                "echo",
                json!({"type":"echo_ok","echo":"Please echo 7"}),
                1,
            ),
            (1, OpType::Invoke, "echo", json!("Please echo 2"), 0),
            (1, OpType::Fail, "echo", Value::Null, 1),
        ]);
        let result = Echo.check(&bad, &opts);
        assert_eq!(result["valid?"], false);
        assert_eq!(result["errors"].as_array().map(Vec::len), Some(2));
    }
}
