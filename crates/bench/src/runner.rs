//! The bench core: one test run as a state machine fed with node output and
//! the current time (sans-IO). It plays Maelstrom's part — init handshake,
//! setup, client workers pacing operations at `--rate`, the partition
//! nemesis, heal + recovery + final operations — routes every message through
//! the simulated [`Network`], and records the history. Drivers (real
//! processes today, an in-process simulation later) supply I/O and time.

use crate::client::{self, Schema};
use crate::history::{Completion, History, OpType, Process};
use crate::net::journal::NetMessage;
use crate::net::partition::{grudge_value, PartitionSpec};
use crate::net::{Delivery, Kind, Network};
use crate::opts::TestOptions;
use crate::rng::Rng;
use crate::services::{self, Service};
use crate::workloads::{OpSpec, Workload};
use serde_json::{json, Map, Value};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

const MS: u64 = 1_000_000;
const SEC: u64 = 1_000 * MS;
const INIT_TIMEOUT: u64 = 10 * SEC;
const SETUP_TIMEOUT: u64 = 5 * SEC;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Init,
    Setup,
    Main,
    Drain,
    Recovery,
    Final,
    Done,
}

/// Who is waiting on a client's outstanding request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Init(usize),
    Setup(usize),
    Worker(usize),
}

#[derive(Debug)]
struct Waiting {
    msg_id: u64,
    owner: Owner,
    deadline: u64,
}

/// A Maelstrom client: its own msg_id counter and at most one request in flight.
#[derive(Debug, Default)]
struct ClientConn {
    next_msg_id: u64,
    waiting: Option<Waiting>,
}

#[derive(Debug)]
struct InFlight {
    op: OpSpec,
    invoke_index: usize,
}

#[derive(Debug)]
struct Worker {
    node: usize,
    process: u64,
    client: Option<String>,
    /// A client abandoned after an indeterminate result, closed at the next op.
    stale_client: Option<String>,
    inflight: Option<InFlight>,
    final_ops: VecDeque<OpSpec>,
}

#[derive(Debug, Default)]
pub struct NodeState {
    pub name: String,
    /// Why we stopped reading this node's stdout, as Maelstrom would have.
    pub stdout_dead: Option<String>,
    pub initialized: bool,
    /// Exit status if the process ended on its own.
    pub exited: Option<String>,
}

#[derive(Debug)]
struct Nemesis {
    next_at: u64,
    partitioned: bool,
}

pub struct Runner {
    pub opts: TestOptions,
    workload: Box<dyn Workload>,
    rng: Rng,
    net: Network,
    services: Vec<Box<dyn Service>>,
    /// Randomness of the services (seq-kv staleness, lww-kv replicas).
    service_rng: Rng,
    history: History,
    nodes: Vec<NodeState>,
    clients: HashMap<String, ClientConn>,
    workers: Vec<Worker>,
    next_client: u64,
    phase: Phase,
    phase_until: u64,
    main_end: u64,
    next_op_at: u64,
    nemesis: Option<Nemesis>,
    to_nodes: Vec<(usize, Rc<NetMessage>)>,
    log: Vec<String>,
    abort: Option<String>,
    /// When the first main-phase operation was invoked (for start-up benchmarks).
    pub first_op_at: Option<u64>,
}

impl Runner {
    pub fn new(opts: TestOptions, workload: Box<dyn Workload>) -> Self {
        let mut rng = Rng::new(opts.seed);
        let mut net = Network::new(opts.latency, rng.fork());
        let nodes: Vec<NodeState> = opts
            .nodes
            .iter()
            .enumerate()
            .map(|(i, name)| {
                net.register(name, Kind::Node(i));
                NodeState {
                    name: name.clone(),
                    ..Default::default()
                }
            })
            .collect();
        let services = services::all();
        for (i, s) in services.iter().enumerate() {
            net.register(s.name(), Kind::Service(i));
        }
        let service_rng = rng.fork();
        let workers = (0..opts.concurrency)
            .map(|i| Worker {
                node: i % nodes.len().max(1),
                process: i as u64,
                client: None,
                stale_client: None,
                inflight: None,
                final_ops: VecDeque::new(),
            })
            .collect();
        Self {
            opts,
            workload,
            rng,
            net,
            services,
            service_rng,
            history: History::default(),
            nodes,
            clients: HashMap::new(),
            workers,
            next_client: 0,
            phase: Phase::Init,
            phase_until: 0,
            main_end: 0,
            next_op_at: 0,
            nemesis: None,
            to_nodes: Vec::new(),
            log: Vec::new(),
            abort: None,
            first_op_at: None,
        }
    }

    /// Sends `init` to every node (each from its own short-lived client).
    pub fn start(&mut self, now: u64) {
        for i in 0..self.nodes.len() {
            let client = self.open_client();
            let body =
                json!({"type": "init", "node_id": self.nodes[i].name, "node_ids": self.opts.nodes});
            self.request(
                now,
                &client,
                i,
                as_map(body),
                Owner::Init(i),
                now + INIT_TIMEOUT,
            );
        }
        self.phase = Phase::Init;
        self.flush(now);
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    pub fn nodes(&self) -> &[NodeState] {
        &self.nodes
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    pub fn network(&self) -> &Network {
        &self.net
    }

    /// Set when the run cannot go on (setup failed); Maelstrom exits 255.
    pub fn abort_reason(&self) -> Option<&str> {
        self.abort.as_deref()
    }

    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done || self.abort.is_some()
    }

    /// Lines for the console, in order.
    pub fn take_log(&mut self) -> Vec<String> {
        std::mem::take(&mut self.log)
    }

    /// Messages to write to node stdins, in delivery order.
    pub fn take_node_deliveries(&mut self) -> Vec<(usize, Rc<NetMessage>)> {
        std::mem::take(&mut self.to_nodes)
    }

    /// One line a node printed on stdout at `now`.
    pub fn on_node_line(&mut self, node: usize, line: &str, now: u64) {
        if self.nodes[node].stdout_dead.is_some() {
            return;
        }
        match parse_envelope(line).and_then(|(src, dest, body)| {
            self.net
                .send(now, src, dest, body)
                .map_err(|e| e.to_string())
        }) {
            Ok(msg) => {
                if self.opts.log_net_send {
                    self.log.push(format!(":send {}", msg.to_line()));
                }
            }
            Err(problem) => {
                let name = self.nodes[node].name.clone();
                self.log.push(format!(
                    "WARNING: node {name} printed a line Maelstrom cannot route: {problem}\n  line: {line}\n  Maelstrom stops reading a node's stdout after such a line; so do we: every later message from {name} is lost."
                ));
                self.nodes[node].stdout_dead = Some(format!("{problem}; line: {line}"));
            }
        }
        self.flush(now);
    }

    /// The node's process ended on its own.
    pub fn on_node_exit(&mut self, node: usize, status: String, now: u64) {
        let name = self.nodes[node].name.clone();
        self.log.push(format!("node {name} exited: {status}"));
        if self.phase == Phase::Init && !self.nodes[node].initialized {
            self.abort = Some(format!(
                "Node {name} crashed with {status} before answering init"
            ));
        }
        self.nodes[node].exited = Some(status);
        self.flush(now);
    }

    /// The earliest time at which [`Runner::tick`] has something to do.
    pub fn next_wakeup(&self) -> Option<u64> {
        let mut at = self.net.next_wakeup();
        let mut consider = |t: u64| at = Some(at.map_or(t, |a| a.min(t)));
        for conn in self.clients.values() {
            if let Some(w) = &conn.waiting {
                consider(w.deadline);
            }
        }
        match self.phase {
            Phase::Main => {
                consider(self.main_end);
                if self.opts.rate > 0.0 && self.workers.iter().any(|w| w.inflight.is_none()) {
                    consider(self.next_op_at);
                }
                if let Some(n) = &self.nemesis {
                    consider(n.next_at);
                }
            }
            Phase::Recovery => consider(self.phase_until),
            _ => {}
        }
        at
    }

    /// Advances the run to `now`: deliveries, timeouts, operations, phases.
    pub fn tick(&mut self, now: u64) {
        self.flush(now);
        self.expire(now);
        if self.abort.is_some() {
            return;
        }
        match self.phase {
            Phase::Main => self.main_phase(now),
            Phase::Drain => self.tick_drain(now),
            Phase::Recovery if now >= self.phase_until => self.begin_final(now),
            Phase::Final => self.continue_final(now),
            _ => {}
        }
        self.flush(now);
    }

    // --- phases ---

    fn begin_setup(&mut self, now: u64) {
        self.phase = Phase::Setup;
        let mut any = false;
        for i in 0..self.nodes.len() {
            let client = self.open_client();
            if let Some((body, _)) = self.workload.setup_request(&self.nodes[i].name) {
                self.request(now, &client, i, body, Owner::Setup(i), now + SETUP_TIMEOUT);
                any = true;
            }
        }
        if !any {
            self.begin_main(now);
        }
    }

    fn begin_main(&mut self, now: u64) {
        self.phase = Phase::Main;
        self.main_end = now + self.opts.time_limit_s * SEC;
        self.next_op_at = now;
        if self.opts.nemesis_partition {
            self.nemesis = Some(Nemesis {
                next_at: now,
                partitioned: false,
            });
        }
        self.log.push(format!(
            "Running {} for {} s at rate {} with {} workers",
            self.opts.workload, self.opts.time_limit_s, self.opts.rate, self.opts.concurrency
        ));
        self.main_phase(now);
    }

    fn main_phase(&mut self, now: u64) {
        if now >= self.main_end {
            self.phase = Phase::Drain;
            self.tick_drain(now);
            return;
        }
        self.run_nemesis(now);
        if self.opts.rate <= 0.0 {
            return;
        }
        while self.next_op_at <= now {
            let free: Vec<usize> = (0..self.workers.len())
                .filter(|&w| self.workers[w].inflight.is_none())
                .collect();
            let Some(&w) = self.rng.pick(&free) else {
                break;
            };
            let op = self.workload.next_op(&mut self.rng, w);
            self.first_op_at.get_or_insert(now);
            self.invoke(now, w, op);
            let gap = self.rng.unit() * 2.0 * SEC as f64 / self.opts.rate;
            self.next_op_at += gap as u64;
        }
    }

    fn tick_drain(&mut self, now: u64) {
        if self.workers.iter().all(|w| w.inflight.is_none()) {
            self.end_main(now);
        }
    }

    fn end_main(&mut self, now: u64) {
        if !self.workload.has_final_phase() {
            self.phase = Phase::Done;
            return;
        }
        if self.opts.nemesis_partition {
            self.nemesis_op(now, "stop-partition", json!(null), json!("network-healed"));
            self.net.heal();
        }
        self.log.push("Waiting for recovery...".into());
        self.phase = Phase::Recovery;
        self.phase_until = now + (self.opts.recovery_s * SEC as f64) as u64;
    }

    fn begin_final(&mut self, now: u64) {
        self.phase = Phase::Final;
        for w in 0..self.workers.len() {
            self.workers[w].final_ops = self.workload.final_ops(w).into();
        }
        self.continue_final(now);
    }

    fn continue_final(&mut self, now: u64) {
        for w in 0..self.workers.len() {
            if self.workers[w].inflight.is_none() {
                if let Some(op) = self.workers[w].final_ops.pop_front() {
                    self.invoke(now, w, op);
                }
            }
        }
        if self
            .workers
            .iter()
            .all(|w| w.inflight.is_none() && w.final_ops.is_empty())
        {
            self.phase = Phase::Done;
        }
    }

    fn run_nemesis(&mut self, now: u64) {
        let Some(n) = &self.nemesis else { return };
        if n.next_at > now {
            return;
        }
        let partitioned = n.partitioned;
        if partitioned {
            self.nemesis_op(now, "stop-partition", json!(null), json!("network-healed"));
            self.net.heal();
        } else {
            let spec = PartitionSpec::ALL[self.rng.below(4) as usize];
            let grudge = spec.grudge(&self.opts.nodes, &mut self.rng);
            self.net.partition(&grudge);
            self.nemesis_op(
                now,
                "start-partition",
                json!(spec.name()),
                grudge_value(&grudge),
            );
        }
        let gap = self.rng.unit() * 2.0 * self.opts.nemesis_interval_s * SEC as f64;
        if let Some(n) = &mut self.nemesis {
            n.partitioned = !partitioned;
            n.next_at = now + gap as u64;
        }
    }

    fn nemesis_op(&mut self, now: u64, f: &str, value: Value, done: Value) {
        let i = self.history.invoke(now, Process::Nemesis, f, value, false);
        self.history.complete(
            now,
            i,
            Completion {
                typ: OpType::Info,
                value: done.clone(),
                error: None,
                exception: None,
            },
        );
        self.log.push(format!("nemesis {f}: {done}"));
    }

    // --- clients and operations ---

    fn open_client(&mut self) -> String {
        let id = format!("c{}", self.next_client);
        self.next_client += 1;
        self.net.register(&id, Kind::Client);
        self.clients.insert(
            id.clone(),
            ClientConn {
                next_msg_id: 1,
                waiting: None,
            },
        );
        id
    }

    fn close_client(&mut self, id: &str) {
        self.net.unregister(id);
        self.clients.remove(id);
    }

    fn request(
        &mut self,
        now: u64,
        client: &str,
        node: usize,
        mut body: Map<String, Value>,
        owner: Owner,
        deadline: u64,
    ) {
        let Some(conn) = self.clients.get_mut(client) else {
            return;
        };
        let msg_id = conn.next_msg_id;
        conn.next_msg_id += 1;
        conn.waiting = Some(Waiting {
            msg_id,
            owner,
            deadline,
        });
        body.insert("msg_id".into(), json!(msg_id));
        let dest = self.nodes[node].name.clone();
        if let Ok(msg) = self.net.send(now, client.to_string(), dest, body) {
            if self.opts.log_net_send {
                self.log.push(format!(":send {}", msg.to_line()));
            }
        }
    }

    fn invoke(&mut self, now: u64, w: usize, op: OpSpec) {
        if let Some(stale) = self.workers[w].stale_client.take() {
            self.close_client(&stale);
        }
        let client = match self.workers[w].client.clone() {
            Some(c) => c,
            None => {
                let c = self.open_client();
                self.workers[w].client = Some(c.clone());
                c
            }
        };
        let process = Process::Client(self.workers[w].process);
        let invoke_index = self
            .history
            .invoke(now, process, op.f, op.value.clone(), op.is_final);
        let body = self.workload.request(&op);
        let deadline = now + self.workload.rpc_timeout_ms(&self.opts) * MS;
        let node = self.workers[w].node;
        self.workers[w].inflight = Some(InFlight { op, invoke_index });
        self.request(now, &client, node, body, Owner::Worker(w), deadline);
    }

    fn complete(&mut self, now: u64, w: usize, completion: Completion) {
        let Some(inflight) = self.workers[w].inflight.take() else {
            return;
        };
        let indeterminate = completion.typ == OpType::Info;
        self.history
            .complete(now, inflight.invoke_index, completion);
        if indeterminate {
            let worker = &mut self.workers[w];
            worker.process += self.opts.concurrency as u64;
            if !self.workload.reusable_client() {
                worker.stale_client = worker.client.take();
            }
        }
    }

    /// A message reached a client: match it with the outstanding request.
    fn on_client_message(&mut self, now: u64, msg: &NetMessage) {
        let in_reply_to =
            msg.body
                .get("in_reply_to")
                .and_then(|v| if v.is_u64() { v.as_u64() } else { None });
        let Some(conn) = self.clients.get_mut(&msg.dest) else {
            return;
        };
        let matches = conn
            .waiting
            .as_ref()
            .is_some_and(|w| Some(w.msg_id) == in_reply_to);
        if !matches {
            return; // late, duplicate or unsolicited: Maelstrom discards it
        }
        let Some(waiting) = conn.waiting.take() else {
            return;
        };
        let is_error = msg.body.get("type").and_then(Value::as_str) == Some("error");
        match waiting.owner {
            Owner::Init(node) => {
                let name = self.nodes[node].name.clone();
                if msg.body.get("type").and_then(Value::as_str) == Some("init_ok") {
                    self.nodes[node].initialized = true;
                    self.close_client(&msg.dest);
                    if self.nodes.iter().all(|n| n.initialized) {
                        self.begin_setup(now);
                    }
                } else {
                    self.abort = Some(format!(
                        "Expected an init_ok message, but node {name} responded with {}",
                        Value::Object(msg.body.clone())
                    ));
                }
            }
            Owner::Setup(node) => {
                let name = self.nodes[node].name.clone();
                let schema: Option<Schema> = self.workload.setup_request(&name).map(|(_, s)| s);
                let problem = if is_error {
                    Some(format!("error reply {}", Value::Object(msg.body.clone())))
                } else {
                    schema.and_then(|s| s.validate(&msg.body).err())
                };
                if let Some(problem) = problem {
                    self.abort = Some(format!("Setup of node {name} failed: {problem}"));
                } else if self.phase == Phase::Setup && self.setup_done() {
                    self.begin_main(now);
                }
            }
            Owner::Worker(w) => {
                let Some(inflight) = &self.workers[w].inflight else {
                    return;
                };
                let rpc = self.workload.rpc(inflight.op.f);
                let completion = if is_error {
                    client::error_completion(rpc.errors, &msg.body)
                } else {
                    match rpc.response.validate(&msg.body) {
                        Ok(()) => client::ok(self.workload.ok_value(&inflight.op, &msg.body)),
                        Err(problem) => client::malformed_completion(rpc.errors, problem),
                    }
                };
                self.complete(now, w, completion);
                if self.phase == Phase::Final {
                    self.continue_final(now);
                }
            }
        }
    }

    fn setup_done(&self) -> bool {
        self.clients.values().all(|c| {
            !matches!(
                c.waiting,
                Some(Waiting {
                    owner: Owner::Setup(_),
                    ..
                })
            )
        })
    }

    /// Times out every request whose deadline has passed.
    fn expire(&mut self, now: u64) {
        let mut expired: Vec<(String, Owner)> = self
            .clients
            .iter()
            .filter_map(|(id, c)| {
                c.waiting
                    .as_ref()
                    .filter(|w| w.deadline <= now)
                    .map(|w| (id.clone(), w.owner))
            })
            .collect();
        // A fixed order, so that simulated runs are reproducible.
        expired.sort_by(|a, b| (a.0.len(), &a.0).cmp(&(b.0.len(), &b.0)));
        for (id, owner) in expired {
            if let Some(conn) = self.clients.get_mut(&id) {
                conn.waiting = None;
            }
            match owner {
                Owner::Init(node) => {
                    self.abort = Some(format!(
                        "Expected node {} to respond to an init message, but node did not respond.",
                        self.nodes[node].name
                    ));
                }
                Owner::Setup(node) => {
                    self.abort = Some(format!(
                        "Setup of node {} failed: no reply within 5 s",
                        self.nodes[node].name
                    ));
                }
                Owner::Worker(w) => {
                    let policy = self.workers[w]
                        .inflight
                        .as_ref()
                        .map(|f| self.workload.rpc(f.op.f).errors);
                    if let Some(policy) = policy {
                        self.complete(now, w, client::timeout_completion(policy));
                    }
                }
            }
        }
        if self.phase == Phase::Final {
            self.continue_final(now);
        }
    }

    /// Routes everything the network delivered by `now`.
    fn flush(&mut self, now: u64) {
        loop {
            self.net.advance(now);
            let deliveries: Vec<Delivery> = self.net.take_deliveries();
            if deliveries.is_empty() {
                break;
            }
            for d in deliveries {
                if self.opts.log_net_recv {
                    self.log.push(format!(":recv {}", d.msg.to_line()));
                }
                match d.to {
                    Kind::Node(i) => self.to_nodes.push((i, d.msg)),
                    Kind::Client => self.on_client_message(now, &d.msg),
                    Kind::Service(i) => self.on_service_message(now, i, &d.msg),
                }
            }
        }
    }

    /// A service handles a request and replies through the network.
    fn on_service_message(&mut self, now: u64, service: usize, msg: &NetMessage) {
        let reply = self.services[service].handle(&msg.src, &msg.body, &mut self.service_rng);
        match reply {
            Some(result) => {
                let body = services::reply_body(result, &msg.body);
                let name = self.services[service].name().to_string();
                // The requester may be a client that closed meanwhile; Maelstrom's
                // service thread then fails that one reply and carries on.
                if let Ok(sent) = self.net.send(now, name, msg.src.clone(), body) {
                    if self.opts.log_net_send {
                        self.log.push(format!(":send {}", sent.to_line()));
                    }
                }
            }
            None => self.log.push(format!(
                "Error in service worker! {} cannot handle {} (no reply sent)",
                self.services[service].name(),
                msg.to_line()
            )),
        }
    }

    /// The results map: every checker, plus the combined verdict.
    pub fn results(&self) -> Value {
        let workload = self.workload.check(&self.history, &self.opts);
        let net = self.net.journal().stats(self.history.invocation_count());
        crate::checkers::compose(&self.history, &self.opts, net, workload)
    }
}

/// Validates a node's output line against Maelstrom's closed envelope schema:
/// a JSON object with string `src` and `dest`, an object (or null) `body`,
/// an optional integer `id`, and nothing else.
pub fn parse_envelope(line: &str) -> Result<(String, String, Map<String, Value>), String> {
    let value: Value =
        serde_json::from_str(line).map_err(|e| format!("not well-formed JSON ({e})"))?;
    let Value::Object(mut top) = value else {
        return Err("not a JSON object".into());
    };
    for key in top.keys() {
        if !matches!(key.as_str(), "src" | "dest" | "body" | "id") {
            return Err(format!(
                "malformed network message: unexpected top-level key {key:?}"
            ));
        }
    }
    if let Some(id) = top.get("id") {
        if !(id.is_u64() || id.is_i64()) {
            return Err(format!(
                "malformed network message: id must be an integer, got {id}"
            ));
        }
    }
    let field = |top: &mut Map<String, Value>, k: &str| match top.remove(k) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!(
            "malformed network message: {k} must be a string, got {other}"
        )),
        None => Err(format!("malformed network message: missing {k}")),
    };
    let src = field(&mut top, "src")?;
    let dest = field(&mut top, "dest")?;
    let body = match top.remove("body") {
        Some(Value::Object(b)) => b,
        Some(Value::Null) => Map::new(),
        Some(other) => {
            return Err(format!(
                "malformed network message: body must be an object, got {other}"
            ))
        }
        None => return Err("malformed network message: missing body".into()),
    };
    Ok((src, dest, body))
}

fn as_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_schema_is_closed() {
        assert!(parse_envelope(r#"{"src":"n0","dest":"c1","body":{"type":"x"}}"#).is_ok());
        assert!(parse_envelope(r#"{"id":3,"src":"n0","dest":"c1","body":null}"#).is_ok());
        for bad in [
            "hello",
            "",
            "[1]",
            r#"{"src":"n0","dest":"c1"}"#,
            r#"{"src":"n0","dest":"c1","body":{},"extra":1}"#,
            r#"{"src":"n0","dest":"c1","body":{},"id":null}"#,
            r#"{"src":1,"dest":"c1","body":{}}"#,
            r#"{"src":"n0","dest":"c1","body":"x"}"#,
        ] {
            assert!(parse_envelope(bad).is_err(), "{bad}");
        }
    }
}
