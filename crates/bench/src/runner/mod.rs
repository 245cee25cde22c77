//! The bench core: one test run as a state machine fed with node output and
//! the current time (sans-IO). It plays Maelstrom's part — init handshake,
//! setup, client workers pacing operations at `--rate`, the partition
//! nemesis, heal + recovery + final operations — routes every message through
//! the simulated [`Network`], and records the history. Drivers (real
//! processes today, an in-process simulation later) supply I/O and time.

use crate::net::envelope::parse_envelope;
use crate::net::journal::{is_client_id, raw_body, NetMessage};
use crate::net::{Delivery, Kind, Network, SendError};
use crate::opts::TestOptions;
use crate::rng::Rng;
use crate::services::{self, Service};
use crate::workloads::{OpSpec, Workload};
use glomers_check::history::History;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

mod clients;
mod nemesis;

use clients::{ClientConn, Owner};
use nemesis::Nemesis;
pub use nemesis::NodeControl;

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

/// A snapshot of a run for progress displays.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub elapsed_s: f64,
    pub limit_s: u64,
    pub phase: Phase,
    pub ok: u64,
    pub fail: u64,
    pub info: u64,
    pub messages: u64,
    /// `None` without a nemesis, else whether the network is partitioned now.
    pub partitioned: Option<bool>,
}

#[derive(Debug)]
struct InFlight {
    op: OpSpec,
    invoke_index: usize,
    /// The request in flight, if the operation is waiting on one.
    rpc: Option<crate::workloads::RpcSpec>,
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
    /// A final operation scheduled for later: when it is due, and the op.
    final_pending: Option<(u64, OpSpec)>,
    /// When this worker's last final operation was due (spacing is measured
    /// from one to the next, as Jepsen's stagger does).
    final_last_due: u64,
    /// The workload has no more final operations for this worker.
    final_done: bool,
}

#[derive(Debug, Default)]
pub struct NodeState {
    pub name: String,
    /// Why we stopped reading this node's stdout, as Maelstrom would have.
    pub stdout_dead: Option<String>,
    pub initialized: bool,
    /// Exit status if the process ended on its own.
    pub exited: Option<String>,
    /// Client requests to this node that got no reply in time.
    pub timeouts: u64,
    /// Paused by the nemesis (SIGSTOP): it reads nothing until resumed.
    pub paused: bool,
    /// Killed by the nemesis: messages to it are lost until it starts again.
    pub down: bool,
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
    /// The final phase issues no operation due at or after this time.
    final_cutoff: Option<u64>,
    /// The cutoff came: no more final operations, for any worker.
    final_closed: bool,
    /// When the stagger schedules the next operation.
    next_op_at: u64,
    /// The scheduled operation found every worker busy and waits for one.
    op_waiting: bool,
    /// Jepsen's rotating thread index (over the workers and the nemesis).
    next_thread: usize,
    nemesis: Option<Nemesis>,
    /// What the nemesis asks the node drivers to do, in order.
    controls: Vec<NodeControl>,
    to_nodes: Vec<(usize, Rc<NetMessage>)>,
    log: Vec<String>,
    abort: Option<String>,
    /// When the first main-phase operation was invoked (for start-up benchmarks).
    pub first_op_at: Option<u64>,
}

impl Runner {
    pub fn new(opts: TestOptions, workload: Box<dyn Workload>) -> Self {
        let mut rng = Rng::new(opts.seed);
        let mut net = Network::new(opts.latency, opts.jitter, rng.fork());
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
                final_pending: None,
                final_last_due: 0,
                final_done: false,
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
            final_cutoff: None,
            final_closed: false,
            next_op_at: 0,
            op_waiting: false,
            next_thread: 0,
            nemesis: None,
            controls: Vec::new(),
            to_nodes: Vec::new(),
            log: Vec::new(),
            abort: None,
            first_op_at: None,
        }
    }

    /// Sends `init` to every node (each from its own short-lived client).
    pub fn start(&mut self, now: u64) {
        for i in 0..self.nodes.len() {
            self.send_init(now, i, Owner::Init(i));
        }
        self.phase = Phase::Init;
        self.flush(now);
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Where the run stands, for progress displays.
    pub fn status(&self, now: u64) -> Status {
        let (ok, fail, info) = self.history.outcome_counts();
        Status {
            // Time into the main phase (zero before it starts).
            elapsed_s: match self.main_end {
                0 => 0.0,
                end => {
                    let main_start = end.saturating_sub(self.opts.time_limit_s.saturating_mul(SEC));
                    now.saturating_sub(main_start) as f64 / SEC as f64
                }
            },
            limit_s: self.opts.time_limit_s,
            phase: self.phase,
            ok,
            fail,
            info,
            messages: self.net.journal().message_count(),
            partitioned: self.nemesis.as_ref().and_then(Nemesis::partitioned),
        }
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

    /// Streams the message journal to `path` as the run goes.
    pub fn journal_to(&mut self, path: &std::path::Path) -> Result<(), String> {
        let file = std::fs::File::create(path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        let sink = std::io::BufWriter::with_capacity(1 << 16, file);
        self.net.journal_mut().write_to(Box::new(sink));
        Ok(())
    }

    /// Flushes the streamed journal; an error says why the file is incomplete.
    pub fn flush_journal(&mut self) -> Result<(), String> {
        self.net.journal_mut().flush()
    }

    /// The longest a healthy run can take, whatever its nodes do: init and
    /// setup timeouts, the main phase, a client timeout to drain, and for
    /// workloads with a final phase the recovery plus a client timeout for
    /// the final operation (one per worker, all at once).
    pub fn longest_run(&self) -> u64 {
        let timeout = self.workload.rpc_timeout_ms(&self.opts).saturating_mul(MS);
        let main = self.opts.time_limit_s.saturating_mul(SEC);
        let last = if self.workload.has_final_phase() {
            let recovery = (self.opts.recovery_s * SEC as f64) as u64;
            // A capped final phase may start an op just before its cutoff,
            // and an op may chain two requests (kafka's poll and commit).
            let issuing = match self.workload.final_phase_limit() {
                Some(limit) => limit.saturating_add(timeout),
                None => 0,
            };
            recovery.saturating_add(issuing).saturating_add(timeout)
        } else {
            0
        };
        [INIT_TIMEOUT, SETUP_TIMEOUT, main, timeout, last]
            .into_iter()
            .fold(0, u64::saturating_add)
    }

    /// Set when the run cannot go on (setup failed); Maelstrom exits 255.
    pub fn abort_reason(&self) -> Option<&str> {
        self.abort.as_deref()
    }

    /// Ends the run in an error (the driver found it cannot go on).
    pub fn abort_with(&mut self, reason: String) {
        self.log.push(format!("The run is aborted: {reason}"));
        self.abort.get_or_insert(reason);
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
        // A killed process's last words, read after the nemesis killed it.
        if self.nodes[node].stdout_dead.is_some() || self.nodes[node].down {
            return;
        }
        let sent = parse_envelope(line).and_then(|(src, dest, body)| {
            let late = self.late_reply_expected() && is_client_id(&dest);
            match self.net.send(now, src, dest.clone(), body) {
                Ok(msg) => Ok(Some(msg)),
                // Under our own pause and kill faults a client may give up
                // on a stopped node, which answers once it runs again: a
                // late reply, dropped as a Jepsen client drops it, not a
                // misbehaving node (Maelstrom, without these faults, cuts a
                // node off for it).
                Err(SendError::InvalidDest(_)) if late => {
                    let name = &self.nodes[node].name;
                    self.log.push(format!(
                        "node {name} answered {dest} after that client gave up (late, after a nemesis fault): dropped"
                    ));
                    Ok(None)
                }
                Err(e) => Err(e.to_string()),
            }
        });
        match sent {
            Ok(Some(msg)) => {
                if self.opts.log_net_send {
                    self.log.push(format!(":send {}", msg.to_line()));
                }
            }
            Ok(None) => {}
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
        if self.nodes[node].down {
            return; // the nemesis killed it: no crash
        }
        let name = self.nodes[node].name.clone();
        self.log.push(format!("node {name} exited: {status}"));
        if self.phase == Phase::Init && !self.nodes[node].initialized {
            let ids: Vec<String> = self.nodes.iter().map(|n| format!("{:?}", n.name)).collect();
            let init = format!(
                r#"{{"src":"c0","dest":"{name}","body":{{"type":"init","msg_id":1,"node_id":"{name}","node_ids":[{}]}}}}"#,
                ids.join(",")
            );
            self.abort = Some(format!(
                "Node {name} crashed with {status} before answering init: its stderr is below; \
                 to see it fail by hand, run `echo '{init}' | {}`",
                self.opts.bin.display()
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
            Phase::Final => {
                if let Some(cutoff) = self.final_cutoff.filter(|_| !self.final_closed) {
                    consider(cutoff);
                }
                for w in &self.workers {
                    if let Some((due, _)) = &w.final_pending {
                        consider(*due);
                    }
                }
            }
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
        self.main_end = now.saturating_add(self.opts.time_limit_s.saturating_mul(SEC));
        self.next_op_at = now;
        self.nemesis = Nemesis::new(&self.opts, now);
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
        // Jepsen's `stagger` and interpreter: the next op is due a gap
        // uniform in [0, 2/rate) after this one went out, and the
        // interpreter thread wakes for it a little late (`--jitter`). An op
        // due while every worker is busy goes out when one frees, and the
        // next is drawn from then: a backlog is never caught up in a burst.
        // An op that found a free worker went out, as far as Jepsen's
        // schedule is concerned, when it was due: our own loop's lateness in
        // real time is not Jepsen's and must not add to the modelled one.
        while self.next_op_at <= now {
            let Some(w) = self.free_worker() else {
                self.op_waiting = true;
                break;
            };
            let process = self.workers[w].process;
            let op = self.workload.next_op(&mut self.rng, w, process, now);
            self.first_op_at.get_or_insert(now);
            self.invoke(now, w, op);
            self.thread_dispatched();
            let went_out = if std::mem::take(&mut self.op_waiting) {
                now
            } else {
                self.next_op_at
            };
            let gap = (self.rng.unit() * 2.0 * SEC as f64 / self.opts.rate) as u64;
            let late = self.opts.jitter.interpreter_lateness(
                &mut self.rng,
                gap,
                self.workload.generator_cost_ns(),
            );
            self.next_op_at = went_out.saturating_add(gap).saturating_add(late);
        }
    }

    /// The worker Jepsen 0.3.7's context hands the next operation: the first
    /// free thread at or after its rotating index (wrapping), which every
    /// dispatched operation advances by one over the workers plus the
    /// nemesis thread. So ops rotate evenly through workers, and worker 0
    /// also takes the nemesis thread's turn.
    fn free_worker(&self) -> Option<usize> {
        let n = self.workers.len();
        let free = |w: &usize| self.workers[*w].inflight.is_none();
        (self.next_thread.min(n)..n).chain(0..n).find(free)
    }

    /// A dispatched operation (a worker's or the nemesis's) moves the
    /// rotating index on.
    fn thread_dispatched(&mut self) {
        self.next_thread = (self.next_thread + 1) % (self.workers.len() + 1);
    }

    fn tick_drain(&mut self, now: u64) {
        if self.workers.iter().all(|w| w.inflight.is_none()) {
            self.end_main(now);
        }
    }

    fn end_main(&mut self, now: u64) {
        if !self.workload.has_final_phase() {
            self.heal_nodes(now);
            self.phase = Phase::Done;
            return;
        }
        self.heal_all(now);
        self.log.push("Waiting for recovery...".into());
        self.phase = Phase::Recovery;
        self.phase_until = now + (self.opts.recovery_s * SEC as f64) as u64;
    }

    fn begin_final(&mut self, now: u64) {
        self.phase = Phase::Final;
        self.final_cutoff = self
            .workload
            .final_phase_limit()
            .map(|limit| now.saturating_add(limit));
        for w in 0..self.workers.len() {
            self.workers[w].final_ops = self.workload.final_ops(w).into();
            self.workers[w].final_last_due = now;
        }
        self.continue_final(now);
    }

    /// Hands every free worker its next final operation when it is due. As
    /// in Jepsen's `time-limit`, the first operation due at or after the
    /// cutoff ends the phase for every worker; operations in flight finish.
    fn continue_final(&mut self, now: u64) {
        if self.final_cutoff.is_some_and(|c| now >= c) {
            self.final_closed = true;
        }
        for w in 0..self.workers.len() {
            // An op may complete the moment it starts (kafka's crash): the
            // worker then goes straight on to its next one.
            while !self.final_closed && self.workers[w].inflight.is_none() {
                let Some((due, op)) = self.next_final_op(now, w) else {
                    break;
                };
                if self.final_cutoff.is_some_and(|c| due >= c) {
                    self.final_closed = true;
                } else if due <= now {
                    self.workers[w].final_last_due = due;
                    self.invoke(now, w, op);
                } else {
                    self.workers[w].final_pending = Some((due, op));
                    break;
                }
            }
        }
        let finished = |w: &Worker| {
            w.inflight.is_none()
                && (self.final_closed
                    || (w.final_done && w.final_pending.is_none() && w.final_ops.is_empty()))
        };
        if self.workers.iter().all(finished) {
            self.phase = Phase::Done;
        }
    }

    /// The worker's next final operation and when it is due: one scheduled
    /// earlier, else its queue's next, else whatever the workload adds.
    fn next_final_op(&mut self, now: u64, w: usize) -> Option<(u64, OpSpec)> {
        let worker = &mut self.workers[w];
        if let Some(pending) = worker.final_pending.take() {
            return Some(pending);
        }
        if let Some(op) = worker.final_ops.pop_front() {
            return Some((now, op));
        }
        if worker.final_done {
            return None;
        }
        match self.workload.more_final_ops(&mut self.rng, w) {
            Some((op, gap)) => {
                let due = now.max(self.workers[w].final_last_due.saturating_add(gap));
                Some((due, op))
            }
            None => {
                self.workers[w].final_done = true;
                None
            }
        }
    }

    // --- routing (client traffic lives in clients.rs) ---

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
        let request = msg.body_map();
        let reply = self.services[service].handle(&msg.src, &request, &mut self.service_rng);
        match reply {
            Some(result) => {
                let body = raw_body(&services::reply_body(result, &request));
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

    /// The checker's extra files for the store, given the results map.
    pub fn artifacts(&self, results: &Value) -> Vec<(String, String)> {
        glomers_check::model::artifacts(self.workload.model(), &self.history, &results["workload"])
    }

    /// The results map: every checker, plus the combined verdict.
    pub fn results(&self) -> Value {
        let workload = glomers_check::check_workload(
            self.workload.model(),
            &self.history,
            &self.opts.check_options(),
        );
        let net = self.net.journal().stats(self.history.invocation_count());
        glomers_check::common::compose(&self.history, self.opts.availability, Some(net), workload)
    }
}

impl Runner {
    /// Whether our own process faults may leave clients that gave up on a
    /// node before it answered.
    fn late_reply_expected(&self) -> bool {
        let f = self.opts.nemesis_faults;
        f.pause || f.kill
    }

    /// `init` to node `i` from a fresh client, answered to `owner`.
    fn send_init(&mut self, now: u64, i: usize, owner: Owner) {
        let client = self.open_client();
        let body =
            json!({"type": "init", "node_id": self.nodes[i].name, "node_ids": self.opts.nodes});
        self.request(now, &client, i, as_map(body), owner, now + INIT_TIMEOUT);
    }
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

    /// Drives a runner against in-test echo nodes that answer the first echo
    /// only after `stall` and every other request at once; returns the history.
    fn echo_run(opts: TestOptions, stall: u64) -> History {
        let workload = crate::workloads::build("echo", &opts).expect("echo");
        let mut r = Runner::new(opts, workload);
        let mut now = 0;
        let mut held: Vec<(u64, usize, String)> = Vec::new();
        let mut stalled_once = false;
        r.start(now);
        while !r.is_done() {
            for (node, msg) in r.take_node_deliveries() {
                let reply_type = format!("{}_ok", msg.kind());
                let mut body = msg.body_map();
                body.insert("type".into(), reply_type.into());
                body.insert("in_reply_to".into(), body["msg_id"].clone());
                body.remove("msg_id");
                let line = json!({"src": msg.dest, "dest": msg.src, "body": body}).to_string();
                let at = if msg.kind() == "echo" && !stalled_once {
                    stalled_once = true;
                    now + stall
                } else {
                    now
                };
                held.push((at, node, line));
            }
            held.sort_by_key(|h| h.0);
            if held.first().is_some_and(|h| h.0 <= now) {
                let (_, node, line) = held.remove(0);
                r.on_node_line(node, &line, now);
                continue;
            }
            let next = [r.next_wakeup(), held.first().map(|h| h.0)]
                .into_iter()
                .flatten()
                .min()
                .expect("something left to happen");
            now = now.max(next);
            r.tick(now);
        }
        r.history().clone()
    }

    /// Jepsen 0.3.7's context: with every worker free, ops rotate through
    /// the workers, and worker 0 also takes the nemesis thread's turn.
    #[test]
    fn ops_rotate_through_workers_as_jepsen_hands_them_out() {
        let mut o = TestOptions::new("echo", "x", 4);
        o.rate = 50.0;
        o.time_limit_s = 2;
        let h = echo_run(o, 0);
        let processes: Vec<glomers_check::history::Process> = h
            .ops()
            .iter()
            .filter(|op| op.typ == glomers_check::history::OpType::Invoke)
            .take(15)
            .map(|op| op.process)
            .collect();
        let expected: Vec<glomers_check::history::Process> =
            [0, 1, 2, 3, 0, 0, 1, 2, 3, 0, 0, 1, 2, 3, 0]
                .into_iter()
                .map(glomers_check::history::Process::Client)
                .collect();
        assert_eq!(processes, expected);
    }

    #[test]
    fn pacing_does_not_catch_up_after_a_backlog() {
        let mut o = TestOptions::new("echo", "x", 1);
        o.concurrency = 1;
        o.rate = 100.0;
        o.time_limit_s = 3;
        o.seed = 7;
        let h = echo_run(o, SEC);
        let invokes: Vec<u64> = h
            .ops()
            .iter()
            .filter(|op| op.typ == glomers_check::history::OpType::Invoke)
            .map(|op| op.time)
            .collect();
        let first = invokes[0];
        // The one worker is stuck for 1 s; when it frees, ~100 ops are overdue.
        let burst = invokes
            .iter()
            .filter(|&&t| t >= first + SEC && t < first + SEC + 50 * MS)
            .count();
        assert!(
            burst <= 15,
            "{burst} operations within 50 ms of the backlog clearing"
        );
        // And the rate holds on average over the 2 s after it.
        let after = invokes.iter().filter(|&&t| t >= first + SEC).count();
        assert!(
            (150..=250).contains(&after),
            "{after} operations in the last 2 s"
        );
    }
}
