//! Workloads: each module keeps one workload's rules together — its
//! generator, how its client phrases requests and reads replies, and its
//! checker. The run loop (`crate::runner`) is shared by all of them.

pub mod broadcast;
pub mod counter;
pub mod echo;
pub mod kafka;
pub mod keys;
pub mod lin_kv;
pub mod topology;
pub mod txn;
pub mod unique_ids;

use crate::client::{self, ErrorPolicy, Schema};
use crate::opts::TestOptions;
use crate::rng::Rng;
use glomers_check::history::Completion;
use glomers_check::Model;
use serde_json::{Map, Value};

/// One operation a worker will perform.
#[derive(Debug, Clone, PartialEq)]
pub struct OpSpec {
    pub f: &'static str,
    pub value: Value,
    pub is_final: bool,
    /// Extra fields of Jepsen's op map (see [`glomers_check::history::Op::extra`]).
    pub extra: Map<String, Value>,
}

impl OpSpec {
    pub fn new(f: &'static str, value: Value) -> Self {
        Self {
            f,
            value,
            is_final: false,
            extra: Map::new(),
        }
    }

    /// The same operation with an extra field.
    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.into(), value);
        self
    }
}

/// How one kind of operation travels: its response schema and error policy.
#[derive(Debug, Clone, Copy)]
pub struct RpcSpec {
    pub response: Schema,
    pub errors: ErrorPolicy,
}

/// What a worker's client does next within one operation: most operations
/// are one request and its reply, but a client may chain requests (kafka's
/// poll commits what it read) or complete without any (kafka's crash).
#[derive(Debug, Clone)]
pub enum Step {
    /// Send this request (without `msg_id`) and wait for its reply.
    Rpc(Map<String, Value>, RpcSpec),
    /// The operation is over.
    Complete(Completion),
}

/// How the request in flight ended: a reply that met its schema, or the
/// completion Maelstrom's client records for an error, timeout or
/// malformed reply.
pub type Outcome<'a> = Result<&'a Map<String, Value>, Completion>;

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

    /// Mean time Jepsen's generator spends per operation beyond the plain
    /// stagger's, in nanoseconds: the interpreter issues each op that much
    /// later (with `--jitter maelstrom`). Measured on real Maelstrom as the
    /// mean gap between invocations at rate 1000 with idle workers.
    fn generator_cost_ns(&self) -> u64 {
        0
    }

    /// The request each node's setup client sends before the main phase.
    fn setup_request(&self, _node: &str) -> Option<(Map<String, Value>, Schema)> {
        None
    }

    /// Whether the run ends with a heal, a recovery pause and final operations.
    fn has_final_phase(&self) -> bool {
        false
    }

    /// The next main-phase operation, for `worker`, due at `now` (ns).
    fn next_op(&mut self, rng: &mut Rng, worker: usize, _process: u64, now: u64) -> OpSpec;

    /// The final-phase operations of one worker.
    fn final_ops(&mut self, _worker: usize) -> Vec<OpSpec> {
        Vec::new()
    }

    /// Once `worker`'s final operations are done: another one and how long
    /// after the last one completed it is due, or `None` when the worker is
    /// finished (kafka polls until it has caught up).
    fn more_final_ops(&mut self, _rng: &mut Rng, _worker: usize) -> Option<(OpSpec, u64)> {
        None
    }

    /// How long the final phase may issue operations, in nanoseconds.
    fn final_phase_limit(&self) -> Option<u64> {
        None
    }

    /// The client of `process` starts `op`. By default: one request.
    fn begin(&mut self, _process: u64, op: &OpSpec) -> Step {
        Step::Rpc(self.request(op), self.rpc(op.f))
    }

    /// The request in flight for `op` ended with `outcome`. By default the
    /// operation completes with [`Workload::ok_value`] or the failure.
    fn on_reply(&mut self, _process: u64, op: &OpSpec, outcome: Outcome) -> Step {
        Step::Complete(match outcome {
            Ok(reply) => client::ok(self.ok_value(op, reply)),
            Err(failed) => failed,
        })
    }

    /// The request body (without `msg_id`) for a one-request operation.
    fn request(&self, _op: &OpSpec) -> Map<String, Value> {
        Map::new()
    }

    /// The schema and error policy of a one-request operation.
    fn rpc(&self, f: &str) -> RpcSpec;

    /// The checker of this workload's histories.
    fn model(&self) -> Model;

    /// The history value of a successful (schema-valid) reply.
    fn ok_value(&self, _op: &OpSpec, reply: &Map<String, Value>) -> Value {
        Value::Object(reply.clone())
    }
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
        "kafka" => Ok(Box::new(kafka::Kafka::new(opts))),
        "lin-kv" => Ok(Box::new(lin_kv::LinKv::new(opts)?)),
        "txn-list-append" => Ok(Box::new(txn::Txn::new(txn::Kind::ListAppend, opts))),
        "txn-rw-register" => Ok(Box::new(txn::Txn::new(txn::Kind::RwRegister, opts))),
        "unique-ids" => Ok(Box::new(unique_ids::UniqueIds)),
        other if ALL.contains(&other) => Err(format!(
            "workload {other} is a Maelstrom workload glomers does not run yet"
        )),
        other => Err(glomers_check::model::unknown_name("workload", other, ALL)),
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
