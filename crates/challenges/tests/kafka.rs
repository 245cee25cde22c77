//! The kafka nodes driven in-process through the runtime. 5a: plain log
//! semantics. 5c: offsets unique, polls never past the watermark and always
//! a contiguous run of the final log, realtime order (a send that begins
//! after another was acknowledged, or after a poll ended, lands above it),
//! identical logs everywhere once quiet, silence when idle, resends after
//! loss, no answer after giving up. 5b: against a tiny fake `lin-kv`.

use glomers_challenges::kafka::leader::{Config, Kafka};
use glomers_challenges::kafka::single::KafkaSingle;
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

/// Sends `body` from client `c1` and returns the reply body.
fn ask<N: Node>(rt: &mut Runtime<N>, id: &str, body: Value, at: Duration) -> Value {
    let line = json!({"src": "c1", "dest": id, "body": body});
    rt.handle_line(&line.to_string(), at);
    let out = lines(rt);
    assert_eq!(out.len(), 1, "{out:?}");
    out[0]["body"].clone()
}

#[test]
fn single_node_log_numbers_each_key_from_zero_and_polls_from_an_offset() {
    let mut rt = Runtime::new(KafkaSingle::default(), 1);
    init(&mut rt, "n0", &["n0".to_string()]);
    let t = Duration::ZERO;
    let send = |rt: &mut Runtime<KafkaSingle>, key: &str, msg: u64| {
        ask(
            rt,
            "n0",
            json!({"type": "send", "msg_id": 2, "key": key, "msg": msg}),
            t,
        )["offset"]
            .clone()
    };
    assert_eq!(send(&mut rt, "a", 10), 0);
    assert_eq!(send(&mut rt, "a", 11), 1);
    assert_eq!(send(&mut rt, "b", 20), 0);
    assert_eq!(send(&mut rt, "a", 12), 2);
    let polled = ask(
        &mut rt,
        "n0",
        json!({"type": "poll", "msg_id": 3, "offsets": {"a": 1, "b": 1, "c": 0}}),
        t,
    );
    assert_eq!(polled["type"], "poll_ok");
    assert_eq!(polled["msgs"], json!({"a": [[1, 11], [2, 12]]}));
    let commit = json!({"type": "commit_offsets", "msg_id": 4, "offsets": {"a": 2, "b": 0}});
    assert_eq!(ask(&mut rt, "n0", commit, t)["type"], "commit_offsets_ok");
    let back = json!({"type": "commit_offsets", "msg_id": 5, "offsets": {"a": 1}});
    ask(&mut rt, "n0", back, t);
    let listed = ask(
        &mut rt,
        "n0",
        json!({"type": "list_committed_offsets", "msg_id": 6, "keys": ["a", "b", "z"]}),
        t,
    );
    assert_eq!(listed["offsets"], json!({"a": 2, "b": 0}));
}

/// A little network for 5c nodes: random latency (so reordering), an
/// on/off partition between all nodes, and a log of every event in order.
struct Net {
    nodes: Vec<Runtime<Kafka>>,
    ids: Vec<String>,
    now: Duration,
    /// Events happen one at a time; `seq` orders them (realtime).
    seq: u64,
    queue: BinaryHeap<Reverse<(Duration, u64, usize, String)>>,
    rng: u64,
    max_latency_ms: u64,
    cut: bool,
    /// Client-bound bodies by the request they answer, with the event
    /// that produced them.
    replies: HashMap<u64, (u64, Value)>,
    /// When each client request was answered.
    replied_at: HashMap<u64, Duration>,
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
                let mut rt = Runtime::new(Kafka::new(config.clone()), seed);
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
            replies: HashMap::new(),
            replied_at: HashMap::new(),
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

    /// Routes what node `i` wrote.
    fn collect(&mut self, i: usize) {
        for msg in lines(&mut self.nodes[i]) {
            let dest = msg["dest"].as_str().unwrap_or_default().to_string();
            if let Some(d) = self.ids.iter().position(|id| *id == dest) {
                self.peer_msgs.push((self.now, msg.clone()));
                if !self.cut {
                    let at = self.now + MS * self.random(self.max_latency_ms + 1) as u32;
                    let tie = self.random(u64::MAX);
                    self.queue.push(Reverse((at, tie, d, msg.to_string())));
                }
            } else {
                let id = msg["body"]["in_reply_to"].as_u64().unwrap_or_default();
                let first = self.replies.insert(id, (self.seq, msg["body"].clone()));
                assert!(first.is_none(), "answered twice: {msg}");
                self.replied_at.insert(id, self.now);
            }
        }
    }

    /// A client request to node `i`; returns its msg_id and the event number.
    fn client(&mut self, i: usize, mut body: Value) -> (u64, u64) {
        self.next_msg_id += 1;
        body["msg_id"] = json!(self.next_msg_id);
        self.seq += 1;
        let line = json!({"src": "c1", "dest": self.ids[i], "body": body});
        self.nodes[i].handle_line(&line.to_string(), self.now);
        self.collect(i);
        (self.next_msg_id, self.seq)
    }

    /// The reply to request `msg_id`, if any yet, with the event that sent it.
    fn reply(&self, msg_id: u64) -> Option<&(u64, Value)> {
        self.replies.get(&msg_id)
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
                self.collect(d);
            }
            for i in 0..self.nodes.len() {
                self.seq += 1;
                self.nodes[i].handle_timeouts(self.now);
                self.collect(i);
            }
        }
    }

    /// Node `i`'s whole visible log, polled from offset 0 for `keys`.
    fn full_poll(&mut self, i: usize, keys: &[&str]) -> Value {
        let offsets: BTreeMap<&str, u64> = keys.iter().map(|k| (*k, 0)).collect();
        let (id, _) = self.client(i, json!({"type": "poll", "offsets": offsets}));
        self.reply(id).expect("polls answer at once").1["msgs"].clone()
    }

    fn peer_msgs_since(&self, t: Duration) -> usize {
        self.peer_msgs.iter().filter(|(at, _)| *at >= t).count()
    }
}

fn quick() -> Config {
    Config {
        period: MS * 50,
        give_up: MS * 1_000,
    }
}

#[test]
fn a_lone_node_acknowledges_at_once_and_sends_nothing() {
    let mut net = Net::new(1, quick(), 1);
    let mut last = None;
    for m in 0..5 {
        let (id, _) = net.client(0, json!({"type": "send", "key": "k", "msg": m}));
        let offset = net.reply(id).expect("answered at once").1["offset"].as_u64();
        assert!(offset > last, "{offset:?} after {last:?}");
        last = offset;
    }
    net.run(500);
    assert_eq!(net.peer_msgs.len(), 0);
    assert_eq!(
        net.full_poll(0, &["k"])["k"].as_array().map(Vec::len),
        Some(5)
    );
}

#[test]
fn the_leader_answers_at_once_and_a_follower_once_its_offset_comes_back() {
    let mut net = Net::new(2, quick(), 2);
    net.max_latency_ms = 0;
    let (own, _) = net.client(0, json!({"type": "send", "key": "k", "msg": 1}));
    assert_eq!(net.reply(own).expect("at once").1["offset"], 0);
    // A follower's send goes up at once (nothing went up this period) and
    // is answered when the leader's `down` brings its offset.
    let (theirs, _) = net.client(1, json!({"type": "send", "key": "k", "msg": 2}));
    assert!(net.reply(theirs).is_none());
    assert_eq!(net.peer_msgs.len(), 1, "one up");
    net.run(2);
    assert_eq!(net.reply(theirs).expect("placed").1["offset"], 1);
    assert_eq!(net.peer_msgs.len(), 2, "and one down");
    // The down carried the leader's log too: the follower shows both.
    assert_eq!(net.full_poll(1, &["k"]), json!({"k": [[0, 1], [1, 2]]}));
    // The next sends within the period wait for the next up, and leave together.
    let (a, _) = net.client(1, json!({"type": "send", "key": "k", "msg": 3}));
    let (b, _) = net.client(1, json!({"type": "send", "key": "j", "msg": 4}));
    net.run(40);
    assert!(net.reply(a).is_none() && net.reply(b).is_none());
    net.run(20);
    assert!(net.reply(a).is_some() && net.reply(b).is_some());
    let ups: Vec<&Value> = net
        .peer_msgs
        .iter()
        .map(|(_, m)| m)
        .filter(|m| m["body"]["type"] == "up")
        .collect();
    assert_eq!(ups.len(), 2, "{ups:?}");
    assert_eq!(
        ups[1]["body"]["proposals"],
        json!([{"send": ["k", 3]}, {"send": ["j", 4]}])
    );
}

#[test]
fn an_idle_cluster_goes_quiet() {
    let mut net = Net::new(2, quick(), 3);
    for m in 0..20 {
        net.client(
            (m % 2) as usize,
            json!({"type": "send", "key": "k", "msg": m}),
        );
        let commit = json!({"type": "commit_offsets", "offsets": {"k": m}});
        net.client(((m + 1) % 2) as usize, commit);
        net.run(7);
    }
    net.run(300);
    let quiet_from = net.now;
    net.run(2_000);
    assert_eq!(
        net.peer_msgs_since(quiet_from),
        0,
        "{:?}",
        net.peer_msgs.last()
    );
    // Commits reached every node, whichever took them.
    for i in 0..2 {
        let (id, _) = net.client(i, json!({"type": "list_committed_offsets", "keys": ["k"]}));
        assert_eq!(
            net.reply(id).expect("answered").1["offsets"],
            json!({"k": 19})
        );
    }
}

#[test]
fn lost_messages_are_resent_and_a_cut_off_follower_gives_up_in_time() {
    let mut net = Net::new(2, quick(), 4);
    net.cut = true;
    // The leader stays available; the follower cannot place its send.
    let (a, _) = net.client(0, json!({"type": "send", "key": "k", "msg": 1}));
    assert_eq!(
        net.reply(a).expect("leader answers at once").1["type"],
        "send_ok"
    );
    let (b, _) = net.client(1, json!({"type": "send", "key": "k", "msg": 2}));
    net.run(1_500);
    let (given_up, body) = net.reply(b).expect("answered within give_up").clone();
    assert_eq!(
        (body["type"].clone(), body["code"].clone()),
        (json!("error"), json!(0))
    );
    assert!(given_up > 0);
    let sent = |net: &Net, kind: &str| {
        net.peer_msgs
            .iter()
            .filter(|(_, m)| m["body"]["type"] == kind)
            .map(|(_, m)| m.clone())
            .collect::<Vec<Value>>()
    };
    let (downs, ups) = (sent(&net, "down"), sent(&net, "up"));
    assert!(
        (25..=31).contains(&downs.len()),
        "a down every period: {}",
        downs.len()
    );
    assert!(
        (25..=31).contains(&ups.len()),
        "an up every period: {}",
        ups.len()
    );
    assert!(downs
        .iter()
        .all(|d| d["body"]["entries"] == json!([["k", 0, 1]])));
    assert!(ups
        .iter()
        .all(|u| u["body"]["proposals"] == json!([{"send": ["k", 2]}])));
    // The follower shows nothing it cannot vouch for.
    assert_eq!(net.full_poll(1, &["k"]), json!({}));
    net.cut = false;
    net.run(300);
    // The given-up message is logged after all (the error was indefinite),
    // once, and its client is not answered again (the net would panic).
    let logs = net.full_poll(0, &["k"]);
    assert_eq!(logs, json!({"k": [[0, 1], [1, 2]]}));
    assert_eq!(logs, net.full_poll(1, &["k"]));
    assert_eq!(net.nodes[1].node().unplaced(), 0);
}

/// Random client traffic on `n` nodes with random latency (so batches
/// overtake each other) and a partition in the middle; checks every
/// property the kafka checker relies on.
fn random_run(n: usize, seed: u64) {
    let mut net = Net::new(n, quick(), seed);
    let keys = ["a", "b", "c"];
    // msg_id → (node, key, msg, event it was received at, time)
    let mut sends: HashMap<u64, (usize, String, u64, u64, Duration)> = HashMap::new();
    // (event, node, requested offsets, returned msgs, watermark)
    let mut polls = Vec::new();
    let mut next_msg = 0;
    for t in 0..3_000u64 {
        net.cut = (1_000..2_500).contains(&t);
        for _ in 0..net.random(3) {
            let node = net.random(n as u64) as usize;
            if net.random(2) == 0 {
                next_msg += 1;
                let key = keys[net.random(3) as usize];
                let (id, at) =
                    net.client(node, json!({"type": "send", "key": key, "msg": next_msg}));
                sends.insert(id, (node, key.to_string(), next_msg, at, net.now));
            } else {
                // Mostly near the settled end, now and then from the start.
                let settled = net.nodes[node].node().watermark();
                let from: BTreeMap<&str, u64> = keys
                    .iter()
                    .map(|k| match net.random(20) {
                        0 => (*k, 0),
                        _ => (*k, settled.saturating_sub(net.random(30))),
                    })
                    .collect();
                let (id, at) = net.client(node, json!({"type": "poll", "offsets": from}));
                let (_, reply) = net.reply(id).expect("polls answer at once").clone();
                let watermark = net.nodes[node].node().watermark();
                polls.push((at, node, from, reply["msgs"].clone(), watermark));
            }
        }
        net.run(1);
    }
    net.cut = false;
    net.run(2_000);
    let tail: Vec<_> = net.peer_msgs.iter().rev().take(6).collect();
    assert_eq!(
        net.peer_msgs_since(net.now - MS * 1_500),
        0,
        "quiet at the end: {tail:#?}"
    );

    // Every send was answered in time: placed, or given up on (only while
    // cut off); offsets are unique.
    let mut acked: HashMap<u64, (u64, u64)> = HashMap::new(); // msg_id → (offset, event)
    let mut given_up = 0;
    for (id, (_, _, _, _, received)) in &sends {
        let (at, body) = net.reply(*id).expect("every send is answered").clone();
        let waited = net.replied_at[id] - *received;
        assert!(waited <= MS * 1_050, "answered after {waited:?}");
        if body["type"] == "error" {
            assert_eq!(body["code"], 0, "indefinite");
            given_up += 1;
            continue;
        }
        assert_eq!(body["type"], "send_ok");
        acked.insert(*id, (body["offset"].as_u64().expect("an offset"), at));
    }
    assert!(given_up < sends.len() / 4, "{given_up} of {}", sends.len());
    let mut offsets: Vec<u64> = acked.values().map(|(o, _)| *o).collect();
    offsets.sort_unstable();
    offsets.dedup();
    assert_eq!(offsets.len(), acked.len(), "offsets are unique");

    // Once quiet, every node shows the same, complete log.
    let final_log = net.full_poll(0, &keys);
    for i in 1..n {
        assert_eq!(net.full_poll(i, &keys), final_log, "node {i} differs");
    }
    let total: usize = keys
        .iter()
        .map(|k| final_log[k].as_array().map_or(0, Vec::len))
        .sum();
    // Given-up sends were logged after all (resent until placed), once.
    assert_eq!(total, sends.len());
    let by_key: HashMap<&str, Vec<(u64, Value)>> = keys
        .iter()
        .map(|k| {
            let pairs = final_log[k].as_array().cloned().unwrap_or_default();
            let pairs = pairs
                .iter()
                .map(|p| (p[0].as_u64().unwrap_or(u64::MAX), p[1].clone()))
                .collect();
            (*k, pairs)
        })
        .collect();
    for (id, (_, key, msg, _, _)) in sends.iter().filter(|(id, _)| acked.contains_key(id)) {
        let log = &by_key[key.as_str()];
        let at = log.partition_point(|(o, _)| *o < acked[id].0);
        assert_eq!(log.get(at), Some(&(acked[id].0, json!(msg))));
    }

    // Realtime: a send received after another's acknowledgement is above it.
    let mut by_ack: Vec<(u64, u64)> = acked.values().map(|(o, at)| (*at, *o)).collect();
    by_ack.sort_unstable();
    let highest_acked: Vec<u64> = by_ack
        .iter()
        .scan(0, |high, (_, o)| {
            *high = (*high).max(*o);
            Some(*high)
        })
        .collect();
    // (event received, offset) by event, and the lowest offset from each on.
    let mut by_receipt: Vec<(u64, u64)> = sends
        .iter()
        .filter_map(|(id, (_, _, _, received, _))| Some((*received, acked.get(id)?.0)))
        .collect();
    by_receipt.sort_unstable();
    let mut lowest_after = vec![u64::MAX; by_receipt.len() + 1];
    for i in (0..by_receipt.len()).rev() {
        lowest_after[i] = lowest_after[i + 1].min(by_receipt[i].1);
    }
    for (received, offset) in &by_receipt {
        let before = by_ack.partition_point(|(at, _)| at < received);
        if before > 0 {
            let high = highest_acked[before - 1];
            assert!(
                high < *offset,
                "a send at {offset} lands below an earlier ack ({high})"
            );
        }
    }

    let returned: usize = polls
        .iter()
        .flat_map(|(_, _, _, msgs, _)| msgs.as_object().into_iter().flatten())
        .map(|(_, run)| run.as_array().map_or(0, Vec::len))
        .sum();
    assert!(returned > sends.len(), "polls return little: {returned}");
    for (at, _, from, msgs, watermark) in &polls {
        for (key, run) in msgs.as_object().into_iter().flatten() {
            let run: Vec<(u64, Value)> = run
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| (p[0].as_u64().unwrap_or(u64::MAX), p[1].clone()))
                .collect();
            // Never past the watermark; a contiguous run of the final log
            // from the first offset at or after the requested one.
            assert!(run.iter().all(|(o, _)| o < watermark));
            let log = &by_key[key.as_str()];
            let start = log.partition_point(|(o, _)| *o < from[key.as_str()]);
            assert_eq!(&log[start..start + run.len()], &run[..], "poll of {key}");
        }
        // Realtime: sends received after the poll land at or above its watermark.
        let after = by_receipt.partition_point(|(received, _)| received <= at);
        assert!(lowest_after[after] >= *watermark);
    }
}

#[test]
fn two_nodes_under_random_traffic_latency_and_a_partition() {
    for seed in 1..=3 {
        random_run(2, seed);
    }
}

#[test]
fn three_nodes_under_random_traffic_latency_and_a_partition() {
    for seed in 11..=12 {
        random_run(3, seed);
    }
}

#[test]
fn ups_and_downs_round_trip_as_json() {
    use glomers_challenges::kafka::leader::{Down, Entry, Msg, Proposal, Up};
    let down = Msg::Down(Down {
        from: 3,
        entries: vec![
            Entry::Msg("k".into(), 40, json!({"any": [1, 2.5]})),
            Entry::Proposed("k".into(), 41, json!(7), 1, 9),
            Entry::Commit("k".into(), 7),
        ],
        frontier: 42,
        ack: 2,
    });
    let text = serde_json::to_value(&down).expect("serializes");
    let entries = json!([["k", 40, {"any": [1, 2.5]}], ["k", 41, 7, 1, 9], ["k", 7]]);
    assert_eq!(text["entries"], entries);
    assert_eq!(serde_json::from_value::<Msg>(text).expect("parses"), down);
    let up = Msg::Up(Up {
        from: 0,
        proposals: vec![
            Proposal::Send("k".into(), json!(5)),
            Proposal::Commit("k".into(), 5),
        ],
        ack: 1,
    });
    let text = serde_json::to_value(&up).expect("serializes");
    assert_eq!(
        text["proposals"],
        json!([{"send": ["k", 5]}, {"commit": ["k", 5]}])
    );
    assert_eq!(serde_json::from_value::<Msg>(text).expect("parses"), up);
}

/// 5b against a tiny linearizable KV (read / cas with create_if_not_exists),
/// with random delays: two nodes, random sends, polls and commits; every
/// send lands once, in a dense per-key log, above everything acknowledged
/// or polled before it began.
#[test]
fn lin_kv_log_is_dense_and_in_realtime_order() {
    use glomers_challenges::kafka::lin_kv::KafkaLinKv;
    let ids = vec!["n0".to_string(), "n1".to_string()];
    let mut nodes: Vec<Runtime<KafkaLinKv>> = ids
        .iter()
        .map(|id| {
            let mut rt = Runtime::new(KafkaLinKv::default(), 1);
            init(&mut rt, id, &ids);
            rt
        })
        .collect();
    let mut kv: HashMap<String, Value> = HashMap::new();
    // (due ms, tie, node, line to deliver to it)
    let mut queue: BinaryHeap<Reverse<(u64, u64, usize, String)>> = BinaryHeap::new();
    let mut rng = 7u64;
    let mut random = move |below: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % below
    };
    let mut seq = 0u64;
    let mut replies: HashMap<u64, (u64, Value)> = HashMap::new();
    // What the fake lin-kv does with one request, at once (so linearizable).
    let serve = |kv: &mut HashMap<String, Value>, body: &Value| -> Value {
        let key = body["key"].to_string();
        match body["type"].as_str() {
            Some("read") => match kv.get(&key) {
                Some(v) => json!({"type": "read_ok", "value": v}),
                None => json!({"type": "error", "code": 20}),
            },
            Some("cas") => match kv.get(&key) {
                None if body["create_if_not_exists"] == true => {
                    kv.insert(key, body["to"].clone());
                    json!({"type": "cas_ok"})
                }
                None => json!({"type": "error", "code": 20}),
                Some(v) if *v == body["from"] => {
                    kv.insert(key, body["to"].clone());
                    json!({"type": "cas_ok"})
                }
                Some(_) => json!({"type": "error", "code": 22}),
            },
            other => panic!("unexpected kv request {other:?}"),
        }
    };
    let keys = ["a", "b"];
    let mut sends: HashMap<u64, (String, u64, u64)> = HashMap::new(); // id → key, msg, received
    let mut polls = Vec::new(); // (id, offsets asked, event asked)
    let (mut commits, mut committed) = (Vec::new(), BTreeMap::new());
    let mut next_id = 100;
    for t in 0..4_000u64 {
        // Deliver what is due: KV requests are served when they arrive.
        while queue.peek().is_some_and(|Reverse((at, ..))| *at <= t) {
            let Some(Reverse((_, _, node, line))) = queue.pop() else {
                break;
            };
            seq += 1;
            nodes[node].handle_line(&line, MS * t as u32);
            for out in lines(&mut nodes[node]) {
                if out["dest"] == "lin-kv" {
                    let mut body = serve(&mut kv, &out["body"]);
                    body["in_reply_to"] = out["body"]["msg_id"].clone();
                    let reply = json!({"src": "lin-kv", "dest": out["src"], "body": body});
                    queue.push(Reverse((
                        t + random(4),
                        random(u64::MAX),
                        node,
                        reply.to_string(),
                    )));
                } else {
                    let id = out["body"]["in_reply_to"].as_u64().unwrap_or_default();
                    replies.insert(id, (seq, out["body"].clone()));
                }
            }
        }
        if t < 3_000 && random(3) == 0 {
            next_id += 1;
            let node = random(2) as usize;
            let key = keys[random(2) as usize];
            let body = match random(3) {
                0 => {
                    let offsets: BTreeMap<&str, u64> =
                        keys.iter().map(|k| (*k, random(40))).collect();
                    polls.push((next_id, offsets.clone(), seq + 1));
                    json!({"type": "poll", "msg_id": next_id, "offsets": offsets})
                }
                1 => {
                    let offset = random(40);
                    let high = committed.entry(key).or_insert(0);
                    *high = offset.max(*high);
                    commits.push(next_id);
                    json!({"type": "commit_offsets", "msg_id": next_id, "offsets": {key: offset}})
                }
                _ => {
                    sends.insert(next_id, (key.to_string(), next_id, seq + 1));
                    json!({"type": "send", "msg_id": next_id, "key": key, "msg": next_id})
                }
            };
            let line = json!({"src": "c1", "dest": ids[node], "body": body});
            queue.push(Reverse((t, 0, node, line.to_string())));
        }
    }
    // Every send landed once; each key's offsets are exactly 0, 1, 2, …
    let mut per_key: BTreeMap<String, Vec<(u64, u64, u64)>> = BTreeMap::new(); // offset, msg, acked
    for (id, (key, msg, _)) in &sends {
        let (at, body) = replies.get(id).expect("every send answered").clone();
        let offset = body["offset"].as_u64().expect("send_ok");
        assert_eq!(
            kv[&json!(format!("log:{key}:{offset}")).to_string()],
            json!(msg)
        );
        per_key
            .entry(key.clone())
            .or_default()
            .push((offset, *msg, at));
    }
    for (key, log) in &mut per_key {
        log.sort_unstable();
        let dense: Vec<u64> = (0..log.len() as u64).collect();
        assert_eq!(log.iter().map(|e| e.0).collect::<Vec<_>>(), dense, "{key}");
        // Realtime: a send that began after another was acknowledged is above it.
        for (offset, msg, _) in log.iter() {
            let received = sends[msg].2;
            for (earlier, _, acked) in log.iter() {
                if *acked < received {
                    assert!(
                        earlier < offset,
                        "{key}: {offset} below acknowledged {earlier}"
                    );
                }
            }
        }
    }
    // Polls: a contiguous run of the final log from the requested offset;
    // every send that began after the poll ended is above what it returned.
    for (id, asked, _) in &polls {
        let (ended, body) = replies.get(id).expect("every poll answered").clone();
        for (key, run) in body["msgs"].as_object().into_iter().flatten() {
            let log = &per_key[key];
            let from = asked[key.as_str()] as usize;
            let want: Vec<Value> = log[from..from + run.as_array().map_or(0, Vec::len)]
                .iter()
                .map(|(o, m, _)| json!([o, m]))
                .collect();
            assert_eq!(run.as_array(), Some(&want), "poll {id} of {key}");
            let top = want.last().and_then(|p| p[0].as_u64());
            for (offset, msg, _) in log {
                if sends[msg].2 > ended {
                    assert!(
                        Some(*offset) > top,
                        "{key}: {offset} after a poll that saw {top:?}"
                    );
                }
            }
        }
    }
    // Committed offsets: the highest ever committed, per key.
    for id in &commits {
        assert_eq!(replies[id].1["type"], "commit_offsets_ok");
    }
    for (key, high) in committed {
        assert_eq!(
            kv[&json!(format!("committed:{key}")).to_string()],
            json!(high)
        );
    }
}
