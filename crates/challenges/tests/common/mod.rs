//! A small simulated network for driving several nodes in-process through
//! [`Runtime`]: random latency (so reordering), partitions as sets of cut
//! node pairs (checked when a message is sent and when it would arrive),
//! client requests from `c1`, and every client-bound reply recorded once.
//! Time jumps from event to event, so long runs stay cheap.

#![allow(dead_code)]

use glomers_node::{Node, Output, Runtime};
use serde_json::{json, Value};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};
use std::time::Duration;

pub const MS: Duration = Duration::from_millis(1);

pub fn init<N: Node>(rt: &mut Runtime<N>, id: &str, ids: &[String]) {
    let init = json!({"src": "c0", "dest": id, "body": {"type": "init", "msg_id": 1,
        "node_id": id, "node_ids": ids}});
    rt.handle_line(&init.to_string(), Duration::ZERO);
    rt.drain_output().for_each(drop); // init_ok
}

pub fn lines<N: Node>(rt: &mut Runtime<N>) -> Vec<Value> {
    rt.drain_output()
        .filter_map(|o| match o {
            Output::Line(l) => serde_json::from_str(&l).ok(),
            Output::Log(_) => None,
        })
        .collect()
}

/// A client's request and what became of it.
#[derive(Debug, Clone)]
pub struct Call {
    pub node: usize,
    pub body: Value,
    pub sent: Duration,
    pub answered: Option<(Duration, Value)>,
}

/// A message in flight: arrival time, random tie-break, from, to, the line.
type InFlight = Reverse<(Duration, u64, usize, usize, String)>;

pub struct Net<N: Node> {
    pub nodes: Vec<Runtime<N>>,
    pub ids: Vec<String>,
    pub now: Duration,
    queue: BinaryHeap<InFlight>,
    rng: u64,
    pub max_latency_ms: u64,
    /// Unordered pairs of node indexes that cannot talk.
    cut: BTreeSet<(usize, usize)>,
    /// Client requests by msg_id.
    pub calls: HashMap<u64, Call>,
    /// Node-to-node messages sent so far.
    pub peer_msgs: u64,
    next_msg_id: u64,
}

impl<N: Node> Net<N> {
    pub fn new(n: usize, seed: u64, make: impl Fn() -> N) -> Self {
        let ids: Vec<String> = (0..n).map(|i| format!("n{i}")).collect();
        let nodes = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                // Each node its own seed, as the bench gives them.
                let mut rt = Runtime::new(make(), seed.wrapping_mul(31).wrapping_add(i as u64));
                init(&mut rt, id, &ids);
                rt
            })
            .collect();
        Self {
            nodes,
            ids,
            now: Duration::ZERO,
            queue: BinaryHeap::new(),
            rng: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            max_latency_ms: 5,
            cut: BTreeSet::new(),
            calls: HashMap::new(),
            peer_msgs: 0,
            next_msg_id: 100,
        }
    }

    pub fn random(&mut self, below: u64) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng % below.max(1)
    }

    fn is_cut(&self, a: usize, b: usize) -> bool {
        self.cut.contains(&(a.min(b), a.max(b)))
    }

    /// Splits the cluster: nodes in different groups cannot talk (a node in
    /// no group talks to nobody).
    pub fn partition(&mut self, groups: &[Vec<usize>]) {
        self.cut.clear();
        let group_of = |i: usize| groups.iter().position(|g| g.contains(&i));
        for a in 0..self.nodes.len() {
            for b in a + 1..self.nodes.len() {
                if group_of(a).is_none() || group_of(a) != group_of(b) {
                    self.cut.insert((a, b));
                }
            }
        }
    }

    pub fn isolate(&mut self, i: usize) {
        let rest: Vec<usize> = (0..self.nodes.len()).filter(|j| *j != i).collect();
        self.partition(&[vec![i], rest]);
    }

    pub fn heal(&mut self) {
        self.cut.clear();
    }

    /// Routes what node `i` wrote.
    fn collect(&mut self, i: usize) {
        for msg in lines(&mut self.nodes[i]) {
            let dest = msg["dest"].as_str().unwrap_or_default().to_string();
            if let Some(d) = self.ids.iter().position(|id| *id == dest) {
                self.peer_msgs += 1;
                if !self.is_cut(i, d) {
                    let at = self.now + MS * self.random(self.max_latency_ms + 1) as u32;
                    let tie = self.random(u64::MAX);
                    self.queue.push(Reverse((at, tie, i, d, msg.to_string())));
                }
            } else {
                let id = msg["body"]["in_reply_to"].as_u64().unwrap_or_default();
                let call = self
                    .calls
                    .get_mut(&id)
                    .expect("a reply to a request we sent");
                assert!(call.answered.is_none(), "answered twice: {msg}");
                call.answered = Some((self.now, msg["body"].clone()));
            }
        }
    }

    /// A client request to node `i`, delivered now; returns its msg_id.
    pub fn client(&mut self, i: usize, mut body: Value) -> u64 {
        self.next_msg_id += 1;
        let id = self.next_msg_id;
        body["msg_id"] = json!(id);
        let line = json!({"src": "c1", "dest": self.ids[i], "body": body});
        self.calls.insert(
            id,
            Call {
                node: i,
                body: body.clone(),
                sent: self.now,
                answered: None,
            },
        );
        self.nodes[i].handle_line(&line.to_string(), self.now);
        self.collect(i);
        id
    }

    /// The answer to request `msg_id`, if any yet.
    pub fn answer(&self, msg_id: u64) -> Option<&Value> {
        self.calls[&msg_id].answered.as_ref().map(|(_, body)| body)
    }

    /// Advances time by `ms`, event by event.
    pub fn run(&mut self, ms: u64) {
        let end = self.now + MS * ms as u32;
        loop {
            let next_msg = self.queue.peek().map(|Reverse((at, ..))| *at);
            let next_timer = self
                .nodes
                .iter_mut()
                .filter_map(|n| n.next_deadline())
                .min();
            let Some(next) = [next_msg, next_timer].into_iter().flatten().min() else {
                break;
            };
            if next > end {
                break;
            }
            self.now = self.now.max(next);
            while let Some(Reverse((at, _, from, to, _))) = self.queue.peek() {
                if *at > self.now {
                    break;
                }
                let (from, to) = (*from, *to);
                let Some(Reverse((_, _, _, _, line))) = self.queue.pop() else {
                    break;
                };
                if !self.is_cut(from, to) {
                    self.nodes[to].handle_line(&line, self.now);
                    self.collect(to);
                }
            }
            for i in 0..self.nodes.len() {
                if self.nodes[i].next_deadline().is_some_and(|d| d <= self.now) {
                    self.nodes[i].handle_timeouts(self.now);
                    self.collect(i);
                }
            }
        }
        self.now = end;
    }
}

/// Raft-specific checks, shared with the faulty Raft fixtures' tests.
pub mod raft {
    use super::Net;
    use glomers_challenges::raft::log::Entry;
    use glomers_challenges::raft::Raft;
    use std::collections::BTreeMap;

    /// Raft's safety invariants, checked between steps of a run: one
    /// leader per term, Log Matching, and committed entries never changing
    /// (whichever node reports them).
    #[derive(Default)]
    pub struct Invariants {
        /// The leader seen for each term.
        pub leader_of: BTreeMap<u64, usize>,
        /// Every entry any node ever reported committed, by index - 1.
        pub committed: Vec<Entry>,
    }

    impl Invariants {
        pub fn check(&mut self, net: &Net<Raft>) -> Result<(), String> {
            for (i, rt) in net.nodes.iter().enumerate() {
                let node = rt.node();
                if node.is_leader() {
                    let first = *self.leader_of.entry(node.term()).or_insert(i);
                    if first != i {
                        return Err(format!("n{first} and n{i} both lead term {}", node.term()));
                    }
                }
                let log = node.log().entries();
                let commit = (node.commit_index() as usize).min(log.len());
                for (k, entry) in log[..commit].iter().enumerate() {
                    match self.committed.get(k) {
                        Some(known) if known != entry => {
                            return Err(format!(
                                "n{i} holds {entry:?} at committed index {}, was {known:?}",
                                k + 1
                            ))
                        }
                        Some(_) => {}
                        None => self.committed.push(entry.clone()),
                    }
                }
            }
            for a in 0..net.nodes.len() {
                for b in a + 1..net.nodes.len() {
                    let (na, nb) = (net.nodes[a].node(), net.nodes[b].node());
                    let (la, lb) = (na.log().entries(), nb.log().entries());
                    let shared = la.len().min(lb.len());
                    if let Some(last) = (0..shared).rev().find(|k| la[*k].term == lb[*k].term) {
                        if la[..=last] != lb[..=last] {
                            return Err(format!("n{a} and n{b} diverge before index {}", last + 1));
                        }
                    }
                }
            }
            Ok(())
        }
    }
}
