//! Workloads: each module keeps one workload's rules together — its
//! generator, how its client phrases requests and reads replies, and its
//! checker. The run loop (`crate::runner`) is shared by all of them.

pub mod broadcast;
pub mod counter;
pub mod echo;
pub mod topology;
pub mod unique_ids;

use crate::client::{ErrorPolicy, Schema};
use crate::history::History;
use crate::opts::TestOptions;
use crate::rng::Rng;
use serde_json::{Map, Value};

/// One operation a worker will perform.
#[derive(Debug, Clone, PartialEq)]
pub struct OpSpec {
    pub f: &'static str,
    pub value: Value,
    pub is_final: bool,
}

impl OpSpec {
    pub fn new(f: &'static str, value: Value) -> Self {
        Self {
            f,
            value,
            is_final: false,
        }
    }
}

/// How one kind of operation travels: its response schema and error policy.
#[derive(Debug, Clone, Copy)]
pub struct RpcSpec {
    pub response: Schema,
    pub errors: ErrorPolicy,
}

pub trait Workload {
    /// Whether a client survives an indeterminate result (else it is replaced
    /// by a new client id at the worker's next operation).
    fn reusable_client(&self) -> bool {
        false
    }

    /// Client RPC timeout, milliseconds.
    fn rpc_timeout_ms(&self, _opts: &TestOptions) -> u64 {
        5_000
    }

    /// The request each node's setup client sends before the main phase.
    fn setup_request(&self, _node: &str) -> Option<(Map<String, Value>, Schema)> {
        None
    }

    /// Whether the run ends with a heal, a recovery pause and final operations.
    fn has_final_phase(&self) -> bool {
        false
    }

    /// The next main-phase operation, for `worker`.
    fn next_op(&mut self, rng: &mut Rng, worker: usize) -> OpSpec;

    /// The final-phase operations of one worker.
    fn final_ops(&mut self, _worker: usize) -> Vec<OpSpec> {
        Vec::new()
    }

    /// The request body (without `msg_id`) for an operation.
    fn request(&self, op: &OpSpec) -> Map<String, Value>;

    fn rpc(&self, f: &str) -> RpcSpec;

    /// The history value of a successful (schema-valid) reply.
    fn ok_value(&self, op: &OpSpec, reply: &Map<String, Value>) -> Value;

    /// The workload checker's result map (with `valid?`).
    fn check(&self, history: &History, opts: &TestOptions) -> Value;
}

/// Names accepted by `-w`, as Maelstrom lists them.
pub const ALL: &[&str] = &[
    "broadcast",
    "echo",
    "g-counter",
    "g-set",
    "kafka",
    "lin-kv",
    "pn-counter",
    "txn-list-append",
    "txn-rw-register",
    "unique-ids",
];

/// Builds the workload `name`, or says why it cannot.
pub fn build(name: &str, opts: &TestOptions) -> Result<Box<dyn Workload>, String> {
    match name {
        "broadcast" => Ok(Box::new(broadcast::SetWorkload::broadcast(opts))),
        "g-set" => Ok(Box::new(broadcast::SetWorkload::g_set())),
        "g-counter" => Ok(Box::new(counter::Counter::grow_only())),
        "pn-counter" => Ok(Box::new(counter::Counter::pn())),
        "echo" => Ok(Box::new(echo::Echo)),
        "unique-ids" => Ok(Box::new(unique_ids::UniqueIds)),
        other if ALL.contains(&other) => Err(format!(
            "workload {other} is a Maelstrom workload glomers does not run yet"
        )),
        other => Err(format!(
            "unknown workload {other}; expected one of {}",
            ALL.join(" ")
        )),
    }
}

/// A request body `{"type": kind, ..fields}`.
pub fn body(
    kind: &str,
    fields: impl IntoIterator<Item = (&'static str, Value)>,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), Value::from(kind));
    for (k, v) in fields {
        m.insert(k.into(), v);
    }
    m
}
