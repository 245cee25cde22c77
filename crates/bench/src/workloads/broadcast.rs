//! The `broadcast` workload (and its sibling `g-set`): the topology handed to
//! every node at setup, a 50/50 stream of unique-integer adds and reads, one
//! final read per worker after the heal and recovery pause, and the
//! `set-full` checker. The two workloads differ only in message names and
//! in how their clients treat errors, so both are this one type.

use super::{body, topology, OpSpec, RpcSpec, Workload};
use crate::client::{ErrorPolicy, FieldType, Schema};
use crate::opts::TestOptions;
use crate::rng::Rng;
use glomers_check::Model;
use serde_json::{json, Map, Value};

/// The per-workload names and rules.
struct Dialect {
    model: Model,
    add_f: &'static str,
    add_type: &'static str,
    add_field: &'static str,
    add_ok: Schema,
    read_ok: Schema,
    add_errors: ErrorPolicy,
    read_errors: ErrorPolicy,
    final_reads_are_marked: bool,
    sends_topology: bool,
}

const BROADCAST: Dialect = Dialect {
    model: Model::Broadcast,
    add_f: "broadcast",
    add_type: "broadcast",
    add_field: "message",
    add_ok: Schema {
        kind: "broadcast_ok",
        fields: &[],
    },
    read_ok: Schema {
        kind: "read_ok",
        fields: &[("messages", FieldType::List)],
    },
    add_errors: ErrorPolicy::ByCode,
    read_errors: ErrorPolicy::Idempotent,
    final_reads_are_marked: true,
    sends_topology: true,
};

const G_SET: Dialect = Dialect {
    model: Model::GSet,
    add_f: "add",
    add_type: "add",
    add_field: "element",
    add_ok: Schema {
        kind: "add_ok",
        fields: &[],
    },
    read_ok: Schema {
        kind: "read_ok",
        fields: &[("value", FieldType::List)],
    },
    add_errors: ErrorPolicy::Indeterminate,
    read_errors: ErrorPolicy::Indeterminate,
    final_reads_are_marked: false,
    sends_topology: false,
};

pub struct SetWorkload {
    dialect: &'static Dialect,
    topology: Map<String, Value>,
    next_value: u64,
}

impl SetWorkload {
    pub fn broadcast(opts: &TestOptions) -> Self {
        Self {
            dialect: &BROADCAST,
            topology: topology::build(&opts.topology, &opts.nodes),
            next_value: 0,
        }
    }

    pub fn g_set() -> Self {
        Self {
            dialect: &G_SET,
            topology: Map::new(),
            next_value: 0,
        }
    }
}

const TOPOLOGY_OK: Schema = Schema {
    kind: "topology_ok",
    fields: &[],
};

impl Workload for SetWorkload {
    fn model(&self) -> Model {
        self.dialect.model
    }

    fn setup_request(&self, _node: &str) -> Option<(Map<String, Value>, Schema)> {
        self.dialect.sends_topology.then(|| {
            (
                body(
                    "topology",
                    [("topology", Value::Object(self.topology.clone()))],
                ),
                TOPOLOGY_OK,
            )
        })
    }

    fn has_final_phase(&self) -> bool {
        true
    }

    fn next_op(&mut self, rng: &mut Rng, _worker: usize, _process: u64, _now: u64) -> OpSpec {
        if rng.below(2) == 0 {
            self.next_value += 1;
            OpSpec::new(self.dialect.add_f, json!(self.next_value - 1))
        } else {
            OpSpec::new("read", Value::Null)
        }
    }

    fn final_ops(&mut self, _worker: usize) -> Vec<OpSpec> {
        let mut read = OpSpec::new("read", Value::Null);
        read.is_final = self.dialect.final_reads_are_marked;
        vec![read]
    }

    fn request(&self, op: &OpSpec) -> Map<String, Value> {
        if op.f == "read" {
            body("read", [])
        } else {
            body(
                self.dialect.add_type,
                [(self.dialect.add_field, op.value.clone())],
            )
        }
    }

    fn rpc(&self, f: &str) -> RpcSpec {
        if f == "read" {
            RpcSpec {
                response: self.dialect.read_ok,
                errors: self.dialect.read_errors,
            }
        } else {
            RpcSpec {
                response: self.dialect.add_ok,
                errors: self.dialect.add_errors,
            }
        }
    }

    fn ok_value(&self, op: &OpSpec, reply: &Map<String, Value>) -> Value {
        if op.f == "read" {
            let field = self.dialect.read_ok.fields[0].0;
            match reply.get(field) {
                Some(Value::Array(items)) => Value::Array(items.clone()),
                _ => json!([]),
            }
        } else {
            op.value.clone()
        }
    }
}
