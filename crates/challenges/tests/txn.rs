//! The txn nodes driven in-process through the runtime. 6a: micro-op
//! semantics (reads see the transaction's earlier writes, `null` for
//! unknown keys, lists for appends). 6b/6c: every `txn` answered at once
//! (also cut off), final write-sets replicated in one batch per peer per
//! period, resent after loss, silence when idle, identical replicas once
//! quiet, and every read a final write of a transaction executed before.

use glomers_challenges::txn::replicated::{Config, Txn};
use glomers_challenges::txn::single::TxnSingle;
use glomers_node::{Node, Output, Runtime};
use serde_json::{json, Value};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::time::Duration;

const MS: Duration = Duration::from_millis(1);

fn init<N: Node>(rt: &mut Runtime<N>, id: &str, ids: &[String]) {
    let init = json!({"src": "c0", "dest": id, "body": {"type": "init", "msg_id": 1,
        "node_id": id, "node_ids": ids}});
    rt.handle_line(&init.to_string(), Duration::ZERO);
    rt.drain_output().for_each(drop); // init_ok
}

fn lines<N: Node>(rt: &mut Runtime<N>) -> Vec<Value> {
    rt.drain_output()
        .filter_map(|o| match o {
            Output::Line(l) => serde_json::from_str(&l).ok(),
            Output::Log(_) => None,
        })
        .collect()
}

/// Sends a `txn` from client `c1` and returns the reply body.
fn txn<N: Node>(rt: &mut Runtime<N>, id: &str, ops: Value) -> Value {
    let line = json!({"src": "c1", "dest": id, "body": {"type": "txn", "msg_id": 2, "txn": ops}});
    rt.handle_line(&line.to_string(), Duration::ZERO);
    let out = lines(rt);
    assert_eq!(out.len(), 1, "{out:?}");
    out[0]["body"].clone()
}

/// 6a's semantics, for any node run alone.
fn single_node_semantics<N: Node>(node: N) {
    let mut rt = Runtime::new(node, 1);
    init(&mut rt, "n0", &["n0".to_string()]);
    let ops = json!([
        ["r", 1, null],
        ["w", 1, 5],
        ["r", 1, null],
        ["w", 1, 6],
        ["r", 1, null],
        ["r", 2, null]
    ]);
    let reply = txn(&mut rt, "n0", ops);
    assert_eq!(reply["type"], "txn_ok");
    assert_eq!(reply["in_reply_to"], 2);
    assert_eq!(
        reply["txn"],
        json!([
            ["r", 1, null],
            ["w", 1, 5],
            ["r", 1, 5],
            ["w", 1, 6],
            ["r", 1, 6],
            ["r", 2, null]
        ])
    );
    let later = txn(&mut rt, "n0", json!([["r", 2, null], ["r", 1, null]]));
    assert_eq!(later["txn"], json!([["r", 2, null], ["r", 1, 6]]));
    // txn-list-append: reads return the whole list, null when missing.
    let ops = json!([
        ["r", 3, null],
        ["append", 3, 1],
        ["r", 3, null],
        ["append", 3, 2]
    ]);
    let reply = txn(&mut rt, "n0", ops);
    assert_eq!(
        reply["txn"],
        json!([
            ["r", 3, null],
            ["append", 3, 1],
            ["r", 3, [1]],
            ["append", 3, 2]
        ])
    );
    let later = txn(&mut rt, "n0", json!([["append", 3, 3], ["r", 3, null]]));
    assert_eq!(later["txn"], json!([["append", 3, 3], ["r", 3, [1, 2, 3]]]));
    // An unknown micro-op is refused with a definite error.
    let refused = txn(&mut rt, "n0", json!([["cas", 1, 2]]));
    assert_eq!(
        (refused["type"].clone(), refused["code"].clone()),
        (json!("error"), json!(12))
    );
}

#[test]
fn single_node_reads_see_earlier_writes_and_null_for_unknown_keys() {
    single_node_semantics(TxnSingle::default());
}

#[test]
fn the_replicated_node_alone_behaves_the_same_and_sends_nothing() {
    single_node_semantics(Txn::new(Config::default()));
    let mut rt = Runtime::new(Txn::new(Config::default()), 1);
    init(&mut rt, "n0", &["n0".to_string()]);
    txn(&mut rt, "n0", json!([["w", 1, 1]]));
    rt.handle_timeouts(Duration::from_secs(10));
    assert!(lines(&mut rt).is_empty());
    assert_eq!(rt.next_deadline(), None, "no timer without peers");
    assert_eq!(rt.node().unacknowledged(), 0);
}

/// A little network for `txn` nodes: random latency (so reordering), an
/// on/off cut between all nodes, one-shot drops, and a record of every
/// node-to-node message.
struct Net {
    nodes: Vec<Runtime<Txn>>,
    ids: Vec<String>,
    now: Duration,
    /// Events happen one at a time; `seq` orders them.
    seq: u64,
    queue: BinaryHeap<Reverse<(Duration, u64, usize, String)>>,
    rng: u64,
    max_latency_ms: u64,
    cut: bool,
    /// Drop the next this many node-to-node messages.
    drop_next: usize,
    /// Node-to-node messages: when sent, and the message.
    peer_msgs: Vec<(Duration, Value)>,
    next_msg_id: u64,
}

impl Net {
    fn new(n: usize, config: Config, seed: u64) -> Self {
        let ids: Vec<String> = (0..n).map(|i| format!("n{i}")).collect();
        let nodes = ids
            .iter()
            .map(|id| {
                let mut rt = Runtime::new(Txn::new(config.clone()), seed);
                init(&mut rt, id, &ids);
                rt
            })
            .collect();
        Self {
            nodes,
            ids,
            now: Duration::ZERO,
            seq: 0,
            queue: BinaryHeap::new(),
            rng: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            max_latency_ms: 5,
            cut: false,
            drop_next: 0,
            peer_msgs: Vec::new(),
            next_msg_id: 100,
        }
    }

    fn random(&mut self, below: u64) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng % below.max(1)
    }

    /// Routes what node `i` wrote; returns what it wrote to clients.
    fn collect(&mut self, i: usize) -> Vec<Value> {
        let mut to_clients = Vec::new();
        for msg in lines(&mut self.nodes[i]) {
            let dest = msg["dest"].as_str().unwrap_or_default().to_string();
            let Some(d) = self.ids.iter().position(|id| *id == dest) else {
                to_clients.push(msg["body"].clone());
                continue;
            };
            self.peer_msgs.push((self.now, msg.clone()));
            if self.drop_next > 0 {
                self.drop_next -= 1;
            } else if !self.cut {
                let at = self.now + MS * self.random(self.max_latency_ms + 1) as u32;
                let tie = self.random(u64::MAX);
                self.queue.push(Reverse((at, tie, d, msg.to_string())));
            }
        }
        to_clients
    }

    /// A `txn` to node `i`, which must answer it at once: returns the
    /// reply body and the event it happened at.
    fn txn(&mut self, i: usize, ops: Value) -> (Value, u64) {
        self.next_msg_id += 1;
        self.seq += 1;
        let body = json!({"type": "txn", "msg_id": self.next_msg_id, "txn": ops});
        let line = json!({"src": "c1", "dest": self.ids[i], "body": body});
        self.nodes[i].handle_line(&line.to_string(), self.now);
        let out = self.collect(i);
        assert_eq!(out.len(), 1, "answered at once, once: {out:?}");
        assert_eq!(out[0]["in_reply_to"], self.next_msg_id);
        (out[0].clone(), self.seq)
    }

    /// Advances time by `ms`, one millisecond at a time.
    fn run(&mut self, ms: u64) {
        for _ in 0..ms {
            self.now += MS;
            while self
                .queue
                .peek()
                .is_some_and(|Reverse((at, ..))| *at <= self.now)
            {
                let Some(Reverse((_, _, d, line))) = self.queue.pop() else {
                    break;
                };
                self.seq += 1;
                self.nodes[d].handle_line(&line, self.now);
                assert!(self.collect(d).is_empty(), "nothing for clients");
            }
            for i in 0..self.nodes.len() {
                self.seq += 1;
                self.nodes[i].handle_timeouts(self.now);
                assert!(self.collect(i).is_empty(), "nothing for clients");
            }
        }
    }

    fn syncs(&self) -> Vec<&Value> {
        self.peer_msgs.iter().map(|(_, m)| m).collect()
    }

    fn peer_msgs_since(&self, t: Duration) -> usize {
        self.peer_msgs.iter().filter(|(at, _)| *at >= t).count()
    }

    fn read(&mut self, i: usize, key: u64) -> Value {
        self.txn(i, json!([["r", key, null]])).0["txn"][0][2].clone()
    }
}

fn quick() -> Config {
    Config {
        period: MS * 100,
        max_batch: 4096,
    }
}

#[test]
fn local_txns_are_answered_at_once_and_replicated_in_one_batch_per_period() {
    let mut net = Net::new(2, quick(), 1);
    net.max_latency_ms = 0;
    for v in 1..=10 {
        let (reply, _) = net.txn(0, json!([["r", v, null], ["w", v, v]]));
        assert_eq!(reply["txn"], json!([["r", v, null], ["w", v, v]]));
        net.run(5);
    }
    // Read-only transactions leave nothing to replicate.
    net.txn(0, json!([["r", 1, null]]));
    assert_eq!(
        net.peer_msgs.len(),
        0,
        "nothing sent before the period ends"
    );
    assert_eq!(net.read(1, 1), Value::Null, "not replicated yet");
    net.run(51); // the tick at 100 ms, and its delivery
    let syncs = net.syncs();
    assert_eq!(syncs.len(), 1, "one sync for ten transactions: {syncs:?}");
    assert_eq!(syncs[0]["dest"], "n1");
    assert_eq!(syncs[0]["body"]["from"], 0);
    let sets = syncs[0]["body"]["sets"].as_array().expect("sets");
    assert_eq!(sets.len(), 10);
    assert_eq!(sets[3]["w"], json!([[4, 4]]));
    for v in 1..=10 {
        assert_eq!(net.read(1, v), json!(v));
    }
    // n1 acknowledges with its next tick, and then both are quiet.
    net.run(1_000);
    let syncs = net.syncs();
    assert_eq!(syncs.len(), 2, "{syncs:?}");
    assert_eq!(syncs[1]["dest"], "n0");
    assert_eq!(
        syncs[1]["body"],
        json!({"type": "sync", "from": 0, "sets": [], "ack": 10})
    );
    assert_eq!(net.nodes[0].node().unacknowledged(), 0);

    // Busy on both sides: one sync per direction per period, acks riding
    // along with the write-sets.
    let start = net.now;
    for t in 0..1_000u64 {
        let v = 100 + t;
        net.txn((t % 2) as usize, json!([["w", t % 7, v]]));
        net.run(1);
    }
    let sent = net.peer_msgs_since(start);
    assert!((19..=21).contains(&sent), "{sent} syncs in 10 periods");
}

#[test]
fn only_final_writes_leave_a_transaction() {
    let mut net = Net::new(2, quick(), 2);
    let ops = json!([
        ["w", 1, 1],
        ["r", 1, null],
        ["w", 1, 2],
        ["w", 2, 3],
        ["w", 2, 4],
        ["append", 5, 6],
        ["append", 5, 7]
    ]);
    let (reply, _) = net.txn(0, ops);
    assert_eq!(reply["txn"][1], json!(["r", 1, 1]));
    net.run(120);
    let syncs = net.syncs();
    assert_eq!(syncs.len(), 1);
    let sets = &syncs[0]["body"]["sets"];
    assert_eq!(sets[0]["w"], json!([[1, 2], [2, 4]]));
    assert_eq!(sets[0]["a"], json!([[5, 6], [5, 7]]));
    assert_eq!(net.read(1, 1), json!(2));
    assert_eq!(net.read(1, 2), json!(4));
    assert_eq!(net.read(1, 5), json!([6, 7]));
}

#[test]
fn a_lost_sync_is_resent_until_acknowledged_and_partitions_block_nothing() {
    let mut net = Net::new(2, quick(), 3);
    net.max_latency_ms = 0;
    net.txn(0, json!([["w", 1, 1]]));
    net.drop_next = 1;
    net.run(105);
    assert_eq!(net.peer_msgs.len(), 1, "sent and lost");
    assert_eq!(net.read(1, 1), Value::Null);
    net.run(100);
    assert_eq!(net.peer_msgs.len(), 1, "the ack may still come");
    net.run(100);
    assert_eq!(net.peer_msgs.len(), 2, "resent two periods later");
    assert_eq!(
        net.syncs()[1]["body"]["sets"],
        net.syncs()[0]["body"]["sets"]
    );
    assert_eq!(net.read(1, 1), json!(1));
    net.run(500);
    assert_eq!(net.nodes[0].node().unacknowledged(), 0);
    let quiet = net.now;
    net.run(1_000);
    assert_eq!(net.peer_msgs_since(quiet), 0);

    // Cut off, both sides keep answering (Net::txn asserts it) and write
    // the same key; resends go out every other period; after the heal the
    // later stamp wins on both.
    net.cut = true;
    net.txn(1, json!([["r", 1, null], ["w", 1, 2]]));
    net.run(10);
    net.txn(0, json!([["r", 1, null], ["w", 1, 3]]));
    let cut_at = net.now;
    net.run(1_000);
    let during = net.peer_msgs_since(cut_at);
    assert!((9..=12).contains(&during), "{during} resends");
    assert_eq!((net.read(0, 1), net.read(1, 1)), (json!(3), json!(2)));
    net.cut = false;
    net.run(300);
    assert_eq!((net.read(0, 1), net.read(1, 1)), (json!(3), json!(3)));
    net.run(300);
    let quiet = net.now;
    net.run(1_000);
    assert_eq!(net.peer_msgs_since(quiet), 0);
    assert_eq!(net.nodes[1].node().unacknowledged(), 0);
}

#[test]
fn a_long_backlog_goes_out_in_bounded_batches() {
    let config = Config {
        period: MS * 100,
        max_batch: 3,
    };
    let mut net = Net::new(2, config, 4);
    net.cut = true;
    for v in 0..7 {
        net.txn(0, json!([["w", v, v]]));
    }
    net.run(250);
    net.cut = false;
    net.run(1_000);
    let to_n1: Vec<usize> = net
        .syncs()
        .iter()
        .filter(|m| m["dest"] == "n1")
        .map(|m| m["body"]["sets"].as_array().map_or(0, Vec::len))
        .collect();
    assert!(to_n1.iter().all(|n| *n <= 3), "{to_n1:?}");
    for v in 0..7 {
        assert_eq!(net.read(1, v), json!(v));
    }
    assert_eq!(net.nodes[0].node().unacknowledged(), 0);
}

/// What the test knows of one answered transaction.
struct Done {
    at: u64,
    /// First read of each key before the transaction wrote it.
    ext_reads: Vec<(u64, Value)>,
    /// Last value written to each register key.
    final_writes: BTreeMap<u64, Value>,
}

/// Random transactions on `n` nodes with random latency and a partition in
/// the middle: every `txn` answered at once, every read a final write of a
/// transaction executed earlier (so no G1a, no G1b, and every wr and
/// inferred ww edge points forward: no G0, no G1c), identical replicas
/// once quiet, and about one sync per direction per period.
fn random_run(n: usize, seed: u64) {
    let mut net = Net::new(n, quick(), seed);
    let mut done = Vec::new();
    let mut next_value = 0u64;
    let mut appended: BTreeMap<u64, usize> = BTreeMap::new();
    for t in 0..4_000u64 {
        net.cut = (1_500..3_000).contains(&t);
        for _ in 0..net.random(3) {
            let node = net.random(n as u64) as usize;
            let len = 1 + net.random(4);
            let mut ops = Vec::new();
            for _ in 0..len {
                // Registers on keys 0–5, lists on keys 10–11.
                let key = net.random(6);
                ops.push(match net.random(5) {
                    0 | 1 => json!(["r", key, null]),
                    2 | 3 => {
                        next_value += 1;
                        json!(["w", key, next_value])
                    }
                    _ => {
                        next_value += 1;
                        let list = 10 + key % 2;
                        *appended.entry(list).or_default() += 1;
                        json!(["append", list, next_value])
                    }
                });
            }
            let (reply, at) = net.txn(node, Value::Array(ops));
            assert_eq!(reply["type"], "txn_ok");
            let mut ext_reads = Vec::new();
            let mut final_writes = BTreeMap::new();
            for op in reply["txn"].as_array().into_iter().flatten() {
                let key = op[1].as_u64().expect("integer key");
                match op[0].as_str() {
                    Some("r") if key < 10 && !final_writes.contains_key(&key) => {
                        ext_reads.push((key, op[2].clone()));
                    }
                    Some("r") => {}
                    Some("w") => {
                        final_writes.insert(key, op[2].clone());
                    }
                    _ => {}
                }
            }
            done.push(Done {
                at,
                ext_reads,
                final_writes,
            });
        }
        net.run(1);
    }
    net.cut = false;
    net.run(1_000);
    let quiet = net.now;
    net.run(2_000);
    assert_eq!(net.peer_msgs_since(quiet), 0, "quiet at the end");

    // Every external read returns null or the final write of a transaction
    // answered before it.
    let mut writer: HashMap<(u64, Value), u64> = HashMap::new();
    for d in &done {
        for (k, v) in &d.final_writes {
            writer.insert((*k, v.clone()), d.at);
        }
    }
    let mut non_null = 0;
    for d in &done {
        for (k, v) in &d.ext_reads {
            if v.is_null() {
                continue;
            }
            let at = writer.get(&(*k, v.clone()));
            assert!(
                at.is_some_and(|at| *at < d.at),
                "read {k} = {v} is no earlier final write"
            );
            non_null += 1;
        }
    }
    assert!(non_null > 500, "{non_null} non-null reads");

    // Identical replicas, holding every append once.
    let stores: Vec<_> = net
        .nodes
        .iter()
        .map(|rt| rt.node().store().snapshot())
        .collect();
    for (i, s) in stores.iter().enumerate().skip(1) {
        assert_eq!(*s, stores[0], "node {i} differs");
    }
    for (list, count) in appended {
        let items = stores[0][&list.to_string()].as_array().map_or(0, Vec::len);
        assert_eq!(items, count, "list {list}");
    }
    for rt in &net.nodes {
        assert_eq!(rt.node().unacknowledged(), 0);
    }
    // One sync per direction per period at most, and nearly that while busy.
    let directions = (n * (n - 1)) as f64;
    let periods = net.now.as_millis() as f64 / 100.0;
    let per_period = net.peer_msgs.len() as f64 / periods / directions;
    assert!(
        (0.5..=1.0).contains(&per_period),
        "{per_period} syncs per direction per period"
    );
}

#[test]
fn two_nodes_converge_under_random_traffic_latency_and_a_partition() {
    for seed in 1..=3 {
        random_run(2, seed);
    }
}

#[test]
fn three_nodes_converge_under_random_traffic_latency_and_a_partition() {
    random_run(3, 11);
}

/// 6c's load (2 nodes, ~1000 transactions a second; 10 s here, partitions
/// coming and going): the server messages per operation Maelstrom reports
/// stay under the 0.05 goal, every `txn` is answered at once, and the
/// replicas agree at the end.
#[test]
fn the_6c_load_costs_under_a_twentieth_of_a_message_per_operation() {
    let mut net = Net::new(2, Config::default(), 6);
    let mut ops = 0u64;
    let mut value = 0u64;
    for t in 0..10_000u64 {
        net.cut = (t / 2_500) % 2 == 1;
        for _ in 0..net.random(3) {
            let node = net.random(2) as usize;
            let mut txn = Vec::new();
            for _ in 0..1 + net.random(4) {
                let key = net.random(10);
                txn.push(if net.random(2) == 0 {
                    json!(["r", key, null])
                } else {
                    value += 1;
                    json!(["w", key, value])
                });
            }
            net.txn(node, Value::Array(txn));
            ops += 1;
        }
        net.run(1);
    }
    net.cut = false;
    net.run(1_000);
    let per_op = net.peer_msgs.len() as f64 / ops as f64;
    assert!(per_op <= 0.025, "{per_op} msgs/op over {ops} ops");
    let a = net.nodes[0].node().store().snapshot();
    assert_eq!(a, net.nodes[1].node().store().snapshot());
}
