//! Where messages are routed: the simulated network between nodes, clients
//! and services. It reproduces Maelstrom's delivery model exactly — one
//! deadline-ordered queue per destination drained by a single consumer that
//! checks the partition table when it takes a message off the queue, then
//! sleeps until the deadline (so a late-arriving message can be held behind
//! the current head), in whole milliseconds and with thread wake-ups
//! (`delivery.rs`). Time is passed in, so the same code runs in real time
//! and in simulation.

pub mod delivery;
pub mod envelope;
pub mod journal;
pub mod latency;
pub mod partition;

use crate::rng::Rng;
use delivery::Jitter;
use journal::{is_client_id, EventKind, Journal, NetMessage};
use latency::Latency;
use partition::Grudge;
use serde_json::value::RawValue;
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::rc::Rc;

/// What kind of participant an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Node(usize),
    Client,
    Service(usize),
}

/// A message handed to its destination.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub to: Kind,
    pub msg: Rc<NetMessage>,
}

/// Why the network refused a message (fatal to a node's output stream).
#[derive(Debug, Clone, PartialEq)]
pub enum SendError {
    InvalidSrc(String),
    InvalidDest(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidSrc(s) => write!(f, "Invalid source {s:?}: no such node, client or service"),
            Self::InvalidDest(d) => write!(
                f,
                "Invalid dest {d:?}: no such node, service, or open client (a client closes when its request times out)"
            ),
        }
    }
}

struct Queued {
    deadline: u64,
    seq: u64,
    msg: Rc<NetMessage>,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.seq) == (other.deadline, other.seq)
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.deadline, self.seq).cmp(&(other.deadline, other.seq))
    }
}

/// One destination's queue and its consumer.
struct Consumer {
    kind: Kind,
    queue: BinaryHeap<Reverse<Queued>>,
    /// The message the consumer took and is sleeping on, and when it will
    /// hand it over.
    current: Option<(Queued, u64)>,
}

pub struct Network {
    latency: Latency,
    rng: Rng,
    jitter: Jitter,
    /// Draws of the consumers' wake-ups, apart from the latency draws.
    jitter_rng: Rng,
    registered: HashMap<String, Kind>,
    consumers: Vec<Consumer>,
    consumer_of: HashMap<String, usize>,
    wakeups: BinaryHeap<Reverse<(u64, usize)>>,
    /// dest → srcs whose messages it drops.
    partitions: HashMap<String, HashSet<String>>,
    next_id: u64,
    seq: u64,
    journal: Journal,
    /// Nodes the kill nemesis took down.
    down: std::collections::HashSet<String>,
    delivered: Vec<Delivery>,
}

impl Network {
    pub fn new(latency: Latency, jitter: Jitter, mut rng: Rng) -> Self {
        Self {
            latency,
            jitter_rng: rng.fork(),
            rng,
            jitter,
            registered: HashMap::new(),
            consumers: Vec::new(),
            consumer_of: HashMap::new(),
            wakeups: BinaryHeap::new(),
            partitions: HashMap::new(),
            next_id: 0,
            seq: 0,
            journal: Journal::default(),
            down: Default::default(),
            delivered: Vec::new(),
        }
    }

    /// Adds a participant. Nodes and services get a queue; clients receive
    /// instantly (their latency is always zero and they are never partitioned).
    pub fn register(&mut self, id: &str, kind: Kind) {
        self.registered.insert(id.to_string(), kind);
        if kind != Kind::Client && !self.consumer_of.contains_key(id) {
            self.consumer_of
                .insert(id.to_string(), self.consumers.len());
            self.consumers.push(Consumer {
                kind,
                queue: BinaryHeap::new(),
                current: None,
            });
        }
    }

    /// Removes a participant (a closed client); later sends to it are refused.
    pub fn unregister(&mut self, id: &str) {
        self.registered.remove(id);
    }

    pub fn is_registered(&self, id: &str) -> bool {
        self.registered.contains_key(id)
    }

    /// Routes a message sent at `now`. Returns the routed message.
    pub fn send(
        &mut self,
        now: u64,
        src: String,
        dest: String,
        body: Box<RawValue>,
    ) -> Result<Rc<NetMessage>, SendError> {
        if !self.registered.contains_key(&src) {
            return Err(SendError::InvalidSrc(src));
        }
        let Some(&kind) = self.registered.get(&dest) else {
            return Err(SendError::InvalidDest(dest));
        };
        let deadline = now + self.latency.draw(&mut self.rng, &src, &dest);
        let msg = Rc::new(NetMessage {
            id: self.next_id,
            src,
            dest,
            body,
        });
        self.next_id += 1;
        self.journal.record(now, EventKind::Send, msg.clone());
        if kind == Kind::Client {
            self.deliver(now, kind, msg.clone());
            return Ok(msg);
        }
        let idx = self.consumer_of[&msg.dest];
        self.seq += 1;
        self.consumers[idx].queue.push(Reverse(Queued {
            deadline,
            seq: self.seq,
            msg: msg.clone(),
        }));
        if self.consumers[idx].current.is_none() {
            // The consumer was blocked on its empty queue.
            self.take_next(idx, now, true);
        }
        Ok(msg)
    }

    /// Delivers everything due at `now`.
    pub fn advance(&mut self, now: u64) {
        while let Some(&Reverse((at, idx))) = self.wakeups.peek() {
            if at > now {
                break;
            }
            self.wakeups.pop();
            let consumer = &mut self.consumers[idx];
            if consumer.current.as_ref().is_some_and(|(_, due)| *due == at) {
                if let Some((q, _)) = consumer.current.take() {
                    let kind = consumer.kind;
                    self.deliver(at, kind, q.msg);
                }
                self.take_next(idx, now, false);
            }
        }
    }

    /// The consumer takes queue heads: drops partitioned ones, delivers those
    /// it can hand over at once, and sleeps on the first it cannot.
    fn take_next(&mut self, idx: usize, now: u64, mut idle: bool) {
        while let Some(Reverse(q)) = self.consumers[idx].queue.pop() {
            if self.is_cut(&q.msg.src, &q.msg.dest) {
                continue;
            }
            let kind = self.consumers[idx].kind;
            let due = self
                .jitter
                .hand_over(&mut self.jitter_rng, now, q.deadline, idle);
            idle = false;
            if due <= now {
                self.deliver(now, kind, q.msg);
                continue;
            }
            self.wakeups.push(Reverse((due, idx)));
            self.consumers[idx].current = Some((q, due));
            return;
        }
    }

    fn deliver(&mut self, now: u64, to: Kind, msg: Rc<NetMessage>) {
        self.journal.record(now, EventKind::Recv, msg.clone());
        self.delivered.push(Delivery { to, msg });
    }

    fn is_cut(&self, src: &str, dest: &str) -> bool {
        // A killed node's process is gone: whatever reaches it is lost.
        if self.down.contains(dest) {
            return true;
        }
        !is_client_id(src)
            && self
                .partitions
                .get(dest)
                .is_some_and(|srcs| srcs.contains(src))
    }

    /// Takes the messages delivered since the last call, in delivery order.
    pub fn take_deliveries(&mut self) -> Vec<Delivery> {
        std::mem::take(&mut self.delivered)
    }

    /// When the next queued message becomes due.
    pub fn next_wakeup(&self) -> Option<u64> {
        self.wakeups.peek().map(|Reverse((at, _))| *at)
    }

    /// Marks a node killed (its messages are dropped as they arrive, like
    /// a partition's) or started again.
    pub fn set_down(&mut self, node: &str, down: bool) {
        if down {
            self.down.insert(node.to_string());
        } else {
            self.down.remove(node);
        }
    }

    /// Installs a grudge (added to whatever is cut already).
    pub fn partition(&mut self, grudge: &Grudge) {
        for (dest, srcs) in grudge {
            self.partitions
                .entry(dest.clone())
                .or_default()
                .extend(srcs.iter().cloned());
        }
    }

    pub fn heal(&mut self) {
        self.partitions.clear();
    }

    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    pub fn journal_mut(&mut self) -> &mut Journal {
        &mut self.journal
    }
}

#[cfg(test)]
mod tests {
    use super::latency::LatencyDist;
    use super::*;
    use serde_json::{Map, Value};

    const MS: u64 = 1_000_000;

    fn net(latency_ms: u64) -> Network {
        let mut n = Network::new(
            Latency {
                mean_ms: latency_ms,
                dist: LatencyDist::Constant,
            },
            Jitter::None,
            Rng::new(1),
        );
        n.register("n0", Kind::Node(0));
        n.register("n1", Kind::Node(1));
        n.register("c1", Kind::Client);
        n
    }

    fn body(i: i64) -> Box<RawValue> {
        let mut m = Map::new();
        m.insert("i".into(), i.into());
        journal::raw_body(&m)
    }

    #[test]
    fn constant_latency_is_fifo_and_clients_are_instant() {
        let mut n = net(100);
        n.send(0, "n0".into(), "n1".into(), body(1))
            .expect("registered");
        n.send(10 * MS, "n0".into(), "n1".into(), body(2))
            .expect("registered");
        n.send(20 * MS, "n1".into(), "c1".into(), body(3))
            .expect("registered");
        assert_eq!(n.take_deliveries().len(), 1, "client reply is instant");
        n.advance(99 * MS);
        assert!(n.take_deliveries().is_empty());
        n.advance(100 * MS);
        let d = n.take_deliveries();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].msg.body_map()["i"], 1);
        assert_eq!(n.next_wakeup(), Some(110 * MS));
    }

    #[test]
    fn head_of_line_blocking_holds_client_requests_behind_the_head() {
        let mut n = net(100);
        n.send(0, "n0".into(), "n1".into(), body(1))
            .expect("registered");
        // A client request with zero latency waits until the head is delivered.
        n.send(MS, "c1".into(), "n1".into(), body(2))
            .expect("registered");
        assert!(n.take_deliveries().is_empty());
        n.advance(100 * MS);
        let order: Vec<_> = n
            .take_deliveries()
            .iter()
            .map(|d| d.msg.body_map()["i"].clone())
            .collect();
        assert_eq!(order, vec![Value::from(1), Value::from(2)]);
    }

    #[test]
    fn partition_is_checked_when_the_consumer_takes_the_message() {
        let mut n = net(100);
        // Taken at send time (idle consumer), so a later partition does not drop it.
        n.send(0, "n0".into(), "n1".into(), body(1))
            .expect("registered");
        let grudge: Grudge = [("n1".to_string(), ["n0".to_string()].into())].into();
        n.partition(&grudge);
        n.send(MS, "n0".into(), "n1".into(), body(2))
            .expect("registered");
        n.send(MS, "c1".into(), "n1".into(), body(3))
            .expect("registered");
        n.advance(200 * MS);
        let got: Vec<_> = n
            .take_deliveries()
            .iter()
            .map(|d| d.msg.body_map()["i"].clone())
            .collect();
        assert_eq!(got, vec![Value::from(1), Value::from(3)]);
        let stats = n.journal().stats(1);
        assert_eq!(stats["servers"]["send-count"], 2);
        assert_eq!(stats["servers"]["recv-count"], 1);
        n.heal();
        n.send(300 * MS, "n0".into(), "n1".into(), body(4))
            .expect("registered");
        n.advance(400 * MS);
        assert_eq!(n.take_deliveries().len(), 1);
    }

    #[test]
    fn numbers_reach_their_destination_exactly_as_sent() {
        let mut n = net(0);
        let line = r#"{"src":"n0","dest":"n1","body":{"big":100000000000000000000000001,"f":1.10,"e":1e400,"neg":-0.0,"type":"x"}}"#;
        let (src, dest, body) = envelope::parse_envelope(line).expect("valid");
        n.send(0, src, dest, body).expect("registered");
        n.advance(0);
        let d = n.take_deliveries();
        // The body is forwarded as the node wrote it.
        assert_eq!(
            d[0].msg.to_line(),
            r#"{"id":0,"src":"n0","dest":"n1","body":{"big":100000000000000000000000001,"f":1.10,"e":1e400,"neg":-0.0,"type":"x"}}"#
        );
    }

    #[test]
    fn unknown_or_closed_ids_are_refused() {
        let mut n = net(0);
        assert_eq!(
            n.send(0, "n0".into(), "c9".into(), body(1)).err(),
            Some(SendError::InvalidDest("c9".into()))
        );
        n.unregister("c1");
        assert!(n.send(0, "n0".into(), "c1".into(), body(1)).is_err());
        assert_eq!(
            n.send(0, "zz".into(), "n0".into(), body(1)).err(),
            Some(SendError::InvalidSrc("zz".into()))
        );
    }
}
