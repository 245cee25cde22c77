//! Maelstrom's clients inside the run: opening and closing client ids,
//! sending a request and waiting for the reply that matches its `msg_id`,
//! turning replies and timeouts into history completions, and replacing a
//! worker's client after an indeterminate result.

use super::{InFlight, Phase, Runner, MS};
use crate::client::{self, Schema};
use crate::net::journal::{raw_body, NetMessage};
use crate::net::Kind;
use crate::workloads::{OpSpec, Outcome, Step};
use glomers_check::history::{Completion, OpType, Process};
use serde_json::{json, Map, Value};

/// Who is waiting on a client's outstanding request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Owner {
    Init(usize),
    /// `init` to a node the kill nemesis started again.
    Restart(usize),
    Setup(usize),
    Worker(usize),
}

#[derive(Debug)]
pub(super) struct Waiting {
    pub(super) msg_id: u64,
    pub(super) owner: Owner,
    pub(super) deadline: u64,
}

/// A Maelstrom client: its own msg_id counter and at most one request in flight.
#[derive(Debug, Default)]
pub(super) struct ClientConn {
    pub(super) next_msg_id: u64,
    pub(super) waiting: Option<Waiting>,
}
impl Runner {
    pub(super) fn open_client(&mut self) -> String {
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

    pub(super) fn close_client(&mut self, id: &str) {
        self.net.unregister(id);
        self.clients.remove(id);
    }

    pub(super) fn request(
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
        if let Ok(msg) = self
            .net
            .send(now, client.to_string(), dest, raw_body(&body))
        {
            if self.opts.log_net_send {
                self.log.push(format!(":send {}", msg.to_line()));
            }
        }
    }

    pub(super) fn invoke(&mut self, now: u64, w: usize, op: OpSpec) {
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
        let process = self.workers[w].process;
        let invoke_index = self.history.invoke_with_extra(
            now,
            Process::Client(process),
            op.f,
            op.value.clone(),
            op.is_final,
            op.extra.clone(),
        );
        let step = self.workload.begin(process, &op);
        self.workers[w].inflight = Some(InFlight {
            op,
            invoke_index,
            rpc: None,
        });
        self.take_step(now, w, client, step);
    }

    /// Sends the operation's next request, or completes it.
    fn take_step(&mut self, now: u64, w: usize, client: String, step: Step) {
        match step {
            Step::Rpc(body, rpc) => {
                if let Some(inflight) = self.workers[w].inflight.as_mut() {
                    inflight.rpc = Some(rpc);
                }
                let deadline = now + self.workload.rpc_timeout_ms(&self.opts) * MS;
                let node = self.workers[w].node;
                self.request(now, &client, node, body, Owner::Worker(w), deadline);
            }
            Step::Complete(completion) => self.complete(now, w, completion),
        }
    }

    /// The worker's request ended (`outcome`): its workload says what next.
    fn continue_op(&mut self, now: u64, w: usize, client: String, outcome: Outcome) {
        let Some(inflight) = &self.workers[w].inflight else {
            return;
        };
        let op = inflight.op.clone();
        let step = self
            .workload
            .on_reply(self.workers[w].process, &op, outcome);
        self.take_step(now, w, client, step);
    }

    pub(super) fn complete(&mut self, now: u64, w: usize, completion: Completion) {
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
    pub(super) fn on_client_message(&mut self, now: u64, msg: &NetMessage) {
        let body = msg.body_map();
        let in_reply_to =
            body.get("in_reply_to")
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
        let is_error = body.get("type").and_then(Value::as_str) == Some("error");
        match waiting.owner {
            Owner::Init(node) => {
                let name = self.nodes[node].name.clone();
                if body.get("type").and_then(Value::as_str) == Some("init_ok") {
                    self.nodes[node].initialized = true;
                    self.close_client(&msg.dest);
                    if self.nodes.iter().all(|n| n.initialized) {
                        self.begin_setup(now);
                    }
                } else {
                    self.abort = Some(format!(
                        "Expected an init_ok message, but node {name} responded with {}",
                        Value::Object(body.clone())
                    ));
                }
            }
            Owner::Restart(node) => {
                self.close_client(&msg.dest);
                let name = &self.nodes[node].name;
                let kind = body.get("type").and_then(Value::as_str).unwrap_or("");
                if kind != "init_ok" {
                    self.log.push(format!(
                        "WARNING: node {name}, started again, answered its init with {}",
                        Value::Object(body.clone())
                    ));
                }
            }
            Owner::Setup(node) => {
                let name = self.nodes[node].name.clone();
                let schema: Option<Schema> = self.workload.setup_request(&name).map(|(_, s)| s);
                let problem = if is_error {
                    Some(format!("error reply {}", Value::Object(body.clone())))
                } else {
                    schema.and_then(|s| s.validate(&body).err())
                };
                if let Some(problem) = problem {
                    self.abort = Some(format!("Setup of node {name} failed: {problem}"));
                } else if self.phase == Phase::Setup && self.setup_done() {
                    self.begin_main(now);
                }
            }
            Owner::Worker(w) => {
                let Some(rpc) = self.workers[w].inflight.as_ref().and_then(|f| f.rpc) else {
                    return;
                };
                let outcome = if is_error {
                    Err(client::error_completion(rpc.errors, &body))
                } else {
                    match rpc.response.validate(&body) {
                        Ok(()) => Ok(&body),
                        Err(problem) => Err(client::malformed_completion(rpc.errors, problem)),
                    }
                };
                self.continue_op(now, w, msg.dest.clone(), outcome);
                // Phases move on the moment their last op completes: no
                // later wake-up may be coming to do it.
                match self.phase {
                    Phase::Drain => self.tick_drain(now),
                    Phase::Final => self.continue_final(now),
                    _ => {}
                }
            }
        }
    }

    pub(super) fn setup_done(&self) -> bool {
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
    pub(super) fn expire(&mut self, now: u64) {
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
                Owner::Restart(node) => {
                    self.close_client(&id);
                    self.log.push(format!(
                        "WARNING: node {}, started again, did not answer its init",
                        self.nodes[node].name
                    ));
                }
                Owner::Worker(w) => {
                    let policy = self.workers[w]
                        .inflight
                        .as_ref()
                        .and_then(|f| f.rpc)
                        .map(|rpc| rpc.errors);
                    if let Some(policy) = policy {
                        let node = self.workers[w].node;
                        self.nodes[node].timeouts += 1;
                        let timed_out = client::timeout_completion(policy);
                        self.continue_op(now, w, id, Err(timed_out));
                    }
                }
            }
        }
        if self.phase == Phase::Final {
            self.continue_final(now);
        }
    }
}
