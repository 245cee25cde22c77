//! Challenges 6b and 6c, totally available transactions on every node: one
//! node passes both (read uncommitted, then read committed, with
//! partitions and `--availability total`).
//!
//! **Local and atomic.** A node runs each `txn` against its own store
//! ([`super::execute`]: reads see the transaction's own earlier writes,
//! nothing is applied meanwhile), then applies the effects in one step and
//! answers `txn_ok` at once. It never waits for a peer, so a partition
//! costs no availability.
//!
//! **Only final write-sets travel.** What a transaction leaves is its last
//! write per key (and its appends), stamped with the node's hybrid clock.
//! Every period each node sends each peer one `sync` carrying every
//! write-set that peer has not acknowledged, plus its own acknowledgement
//! of the peer's; the receiver applies new write-sets in the sender's
//! order, each as a unit, and skips the ones it has. A `sync` goes out
//! when there are write-sets the peer was never sent, an acknowledgement
//! is owed, or sets stayed unacknowledged for two periods (the peer
//! acknowledges with its next tick, at most a period later): so nothing is
//! lost to a partition, the tail of a burst costs one `sync` each way, and
//! an idle cluster is silent.
//!
//! **Replicas converge.** Registers are last-writer-wins by [`Stamp`]
//! (clock, node index); list elements are ordered by (stamp, position in
//! the transaction). The merge is commutative and idempotent, so every
//! replica holding the same write-sets holds the same store. The clock is
//! hybrid: `max(clock + 1, µs since start)` for every local write-set,
//! raised to every stamp received. So a transaction that read a version
//! writes with a higher stamp than it, and its write wins the merge: the
//! merge order agrees with the version order the checker infers (a
//! transaction that read `x = 1` and wrote `x = 2` has `1 < 2`).
//!
//! **Why read committed.** A read returns the final write of a transaction
//! that was applied whole (no G1a: nothing is ever aborted; no G1b: no
//! intermediate write leaves its transaction). Every dependency the checker
//! can draw — T2 read T1's write (wr), T2 read a version and overwrote it
//! (ww, by the inference above) — points from a transaction executed
//! earlier in real time to one executed later, on whichever node: a
//! write-set can only be read after it was made. A cycle of such edges
//! (G0, G1c) would go back in time, so there is none. For the same reason
//! process and realtime edges close no cycle either (a worker always talks
//! to the same node, whose store only moves forward): strong-session and
//! even strong read committed hold, and, since write-sets are applied whole
//! and LWW only ever replaces a version by a later one, monotonic atomic
//! view too (see one write of a transaction, and you see all of them or
//! newer). What does not hold: two nodes both read `x = 1` and both write
//! `x` before hearing of each other — a lost update (allowed by read
//! committed, forbidden from repeatable read up); so no snapshot isolation
//! nor serializability with 2+ nodes. On one node this is strictly
//! serializable, like [`super::single`].
//!
//! **Lists on several nodes.** An append from a peer may sort before
//! elements a node already showed (its stamp is lower), so reads of one key
//! on two nodes need not be prefixes of each other: `txn-list-append` with
//! 2+ nodes reports `incompatible-order`. No totally available design can
//! avoid that while a transaction reads its own appends: two nodes
//! appending to one key during a partition each show their own element
//! right after the common prefix. (One node: fine.)

use super::{execute, key_id, MicroOp, Response};
use glomers_node::{Ctx, Error, Node, Request};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

/// Client requests plus the one node-to-node message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Msg {
    Txn { txn: Vec<MicroOp> },
    Sync(Sync),
}

/// The sender's write-sets from number `from` on (those the receiver has
/// not acknowledged), and how many of the receiver's write-sets the sender
/// has applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sync {
    pub from: u64,
    pub sets: Vec<WriteSet>,
    pub ack: u64,
}

/// One transaction's effects as they travel: its clock reading, the final
/// value of every key it wrote (`[k, v]`), and its appends in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteSet {
    pub ts: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub w: Vec<(Value, Value)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub a: Vec<(Value, Value)>,
}

/// Who wins a key: the later clock reading, then the higher node index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stamp {
    pub ts: u64,
    pub node: u32,
}

/// A register's value and the stamp of the write-set that wrote it.
#[derive(Debug, Clone, PartialEq)]
struct Register {
    value: Value,
    stamp: Stamp,
}

/// One node's replica: registers by last writer, lists by (stamp, position).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Store {
    registers: BTreeMap<String, Register>,
    lists: BTreeMap<String, BTreeMap<(Stamp, u32), Value>>,
}

impl Store {
    /// The current value of a key id: the register, else the list, else
    /// `null`.
    pub fn read(&self, id: &str) -> Value {
        if let Some(r) = self.registers.get(id) {
            return r.value.clone();
        }
        match self.lists.get(id) {
            Some(items) => Value::Array(items.values().cloned().collect()),
            None => Value::Null,
        }
    }

    /// Merges one write-set in: a register takes the write only if its
    /// stamp is later; list elements go where their stamp sorts.
    /// Re-applying a write-set changes nothing.
    pub fn apply(&mut self, stamp: Stamp, set: &WriteSet) {
        for (key, value) in &set.w {
            let id = key_id(key);
            match self.registers.get_mut(&id) {
                Some(r) if r.stamp >= stamp => {}
                Some(r) => {
                    r.value = value.clone();
                    r.stamp = stamp;
                }
                None => {
                    let value = value.clone();
                    self.registers.insert(id, Register { value, stamp });
                }
            }
        }
        for (i, (key, value)) in set.a.iter().enumerate() {
            let list = self.lists.entry(key_id(key)).or_default();
            list.insert((stamp, i as u32), value.clone());
        }
    }

    /// Every key id with its value, to compare replicas.
    pub fn snapshot(&self) -> BTreeMap<String, Value> {
        let mut all: BTreeMap<String, Value> = self
            .lists
            .keys()
            .map(|id| (id.clone(), self.read(id)))
            .collect();
        for (id, r) in &self.registers {
            all.insert(id.clone(), r.value.clone());
        }
        all
    }
}

/// Timing; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// At most one `sync` per peer per period.
    pub period: Duration,
    /// At most this many write-sets in one `sync` (the rest follow in the
    /// next periods): bounds a message after a long partition.
    pub max_batch: usize,
}

impl Default for Config {
    /// 100 ms: with traffic, one `sync` per direction per period, 20
    /// messages a second between two nodes (~0.02 per operation at the 6c
    /// rate). Replication lag costs nothing here: read committed asks for
    /// no recency.
    fn default() -> Self {
        Self {
            period: Duration::from_millis(100),
            max_batch: 4096,
        }
    }
}

impl Config {
    /// The defaults, with `GLOMERS_TXN_PERIOD_MS` overriding the period
    /// for experiments.
    pub fn from_env() -> Self {
        let period = std::env::var("GLOMERS_TXN_PERIOD_MS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|ms| *ms > 0)
            .map(Duration::from_millis);
        Self {
            period: period.unwrap_or(Self::default().period),
            ..Self::default()
        }
    }
}

/// What we know of one peer.
#[derive(Debug)]
struct Peer {
    id: String,
    index: u32,
    /// How many of our write-sets it has applied (its acknowledgement).
    acked: u64,
    /// How many of its write-sets we have applied.
    have: u64,
    /// It sent us write-sets since our last `sync`: acknowledge them.
    owes_ack: bool,
    /// Our write-sets numbered below this were sent to it at least once.
    sent: u64,
    last_sent: Option<Duration>,
}

#[derive(Debug)]
pub struct Txn {
    config: Config,
    store: Store,
    clock: u64,
    index: u32,
    peers: Vec<Peer>,
    /// Our write-sets not yet acknowledged by every peer; `log[0]` is
    /// number `base`.
    log: VecDeque<WriteSet>,
    base: u64,
}

impl Txn {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            store: Store::default(),
            clock: 0,
            index: 0,
            peers: Vec::new(),
            log: VecDeque::new(),
            base: 0,
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Our write-sets some peer has not acknowledged yet.
    pub fn unacknowledged(&self) -> usize {
        self.log.len()
    }

    /// Number our next write-set will get.
    fn end(&self) -> u64 {
        self.base + self.log.len() as u64
    }

    /// Runs one transaction and applies its effects; returns the filled-in
    /// micro-ops.
    fn run(&mut self, ctx: &Ctx<Self>, mut ops: Vec<MicroOp>) -> Vec<MicroOp> {
        let store = &self.store;
        let effects = execute(&mut ops, |id| store.read(id));
        if effects.is_empty() {
            return ops;
        }
        // Later than everything we have seen, so it wins every key it writes.
        let now = u64::try_from(ctx.now().as_micros()).unwrap_or(u64::MAX);
        self.clock = (self.clock + 1).max(now);
        let set = WriteSet {
            ts: self.clock,
            w: effects.writes.into_values().collect(),
            a: effects
                .appends
                .into_iter()
                .map(|(_, k, v)| (k, v))
                .collect(),
        };
        let stamp = Stamp {
            ts: set.ts,
            node: self.index,
        };
        self.store.apply(stamp, &set);
        if !self.peers.is_empty() {
            self.log.push_back(set);
        }
        ops
    }

    /// Takes a peer's `sync`: its acknowledgement, then its new write-sets
    /// in its order.
    fn on_sync(&mut self, ctx: &mut Ctx<Self>, src: &str, sync: Sync) {
        let end = self.end();
        let Some(peer) = self.peers.iter_mut().find(|p| p.id == src) else {
            return ctx.log(format!("sync from unknown node {src}"));
        };
        peer.acked = peer.acked.max(sync.ack.min(end));
        peer.owes_ack |= !sync.sets.is_empty();
        // We send from what the peer acknowledged, which never passes what
        // it holds, so no gap can come; refuse one rather than skip sets.
        if sync.from > peer.have {
            let have = peer.have;
            ctx.log(format!(
                "sync from {src} starts at {} past {have}",
                sync.from
            ));
        } else {
            let skip = (peer.have - sync.from) as usize;
            for set in sync.sets.iter().skip(skip) {
                self.clock = self.clock.max(set.ts);
                let stamp = Stamp {
                    ts: set.ts,
                    node: peer.index,
                };
                self.store.apply(stamp, set);
                peer.have += 1;
            }
        }
        let everyone = self.peers.iter().map(|p| p.acked).min().unwrap_or(end);
        while self.base < everyone && self.log.pop_front().is_some() {
            self.base += 1;
        }
    }

    /// Sends one `sync` (everything unacknowledged, and our
    /// acknowledgement) to every peer that has write-sets it was never
    /// sent, is owed an acknowledgement, or left some unacknowledged for
    /// two periods.
    fn tick(&mut self, ctx: &mut Ctx<Self>) {
        let end = self.end();
        let resend_after = self.config.period * 2;
        for peer in &mut self.peers {
            let news = peer.sent < end;
            let overdue = peer.acked < end
                && peer
                    .last_sent
                    .is_none_or(|t| ctx.now().saturating_sub(t) >= resend_after);
            if !(news || overdue || peer.owes_ack) {
                continue;
            }
            let skip = (peer.acked - self.base) as usize;
            let sets = self
                .log
                .iter()
                .skip(skip)
                .take(self.config.max_batch)
                .cloned()
                .collect();
            let sync = Sync {
                from: peer.acked,
                sets,
                ack: peer.have,
            };
            peer.sent = peer.sent.max(peer.acked + sync.sets.len() as u64);
            peer.last_sent = Some(ctx.now());
            peer.owes_ack = false;
            ctx.send(&peer.id, Msg::Sync(sync));
        }
    }
}

impl Node for Txn {
    type Msg = Msg;

    fn on_init(&mut self, ctx: &mut Ctx<Self>) {
        let ids = ctx.node_ids();
        let index_of = |id: &str| ids.iter().position(|n| n == id).unwrap_or(0) as u32;
        self.index = index_of(ctx.id());
        self.peers = ctx
            .peers()
            .map(|id| Peer {
                id: id.clone(),
                index: index_of(id),
                acked: 0,
                have: 0,
                owes_ack: false,
                sent: 0,
                last_sent: None,
            })
            .collect();
        if !self.peers.is_empty() {
            ctx.every(self.config.period, |node: &mut Self, ctx| node.tick(ctx));
        }
    }

    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Msg>) -> Result<(), Error> {
        match &req.body {
            Msg::Txn { txn } => {
                let txn = self.run(ctx, txn.clone());
                ctx.reply(&req, Response::TxnOk { txn });
            }
            Msg::Sync(sync) => self.on_sync(ctx, &req.src, sync.clone()),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(ts: u64, w: &[(u64, u64)], a: &[(u64, u64)]) -> WriteSet {
        let pairs = |p: &[(u64, u64)]| p.iter().map(|(k, v)| (json!(k), json!(v))).collect();
        WriteSet {
            ts,
            w: pairs(w),
            a: pairs(a),
        }
    }

    #[test]
    fn the_merge_converges_whatever_the_order_and_ignores_repeats() {
        let sets = [
            (
                Stamp { ts: 5, node: 0 },
                set(5, &[(1, 10), (2, 20)], &[(9, 1)]),
            ),
            (
                Stamp { ts: 5, node: 1 },
                set(5, &[(1, 11)], &[(9, 2), (9, 3)]),
            ),
            (
                Stamp { ts: 3, node: 1 },
                set(3, &[(2, 21), (3, 30)], &[(9, 4)]),
            ),
        ];
        let orders: [&[usize]; 3] = [&[0, 1, 2], &[2, 1, 0], &[1, 2, 0, 1]];
        let mut results = Vec::new();
        for order in orders {
            let mut store = Store::default();
            for &i in order {
                store.apply(sets[i].0, &sets[i].1);
            }
            results.push(store.snapshot());
        }
        let want = BTreeMap::from([
            ("1".to_string(), json!(11)),
            ("2".to_string(), json!(20)),
            ("3".to_string(), json!(30)),
            ("9".to_string(), json!([4, 1, 2, 3])),
        ]);
        assert!(results.iter().all(|r| *r == want), "{results:?}");
        assert_eq!(Store::default().read("1"), Value::Null);
    }

    #[test]
    fn syncs_round_trip_as_json() {
        let sync = Msg::Sync(Sync {
            from: 2,
            sets: vec![set(7, &[(1, 2)], &[]), set(8, &[], &[(3, 4)])],
            ack: 5,
        });
        let text = serde_json::to_value(&sync).expect("serializes");
        assert_eq!(
            text,
            json!({"type": "sync", "from": 2, "ack": 5,
                "sets": [{"ts": 7, "w": [[1, 2]]}, {"ts": 8, "a": [[3, 4]]}]})
        );
        assert_eq!(serde_json::from_value::<Msg>(text).expect("parses"), sync);
    }
}
