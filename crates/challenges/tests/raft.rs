//! The Raft lin-kv node driven in-process through the runtime on a small
//! simulated network (`common`): one leader per term, a new election when
//! the leader is cut off, Log Matching, committed entries never lost across
//! leader changes under random partitions (several seeds), definite errors
//! only for operations that never happened, answers never late, a
//! single-client sequence with register semantics through leader and
//! follower alike.

mod common;

use common::raft::Invariants;
use common::{Net, MS};
use glomers_challenges::raft::{Config, Raft};
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn cluster(n: usize, seed: u64) -> Net<Raft> {
    Net::new(n, seed, || Raft::new(Config::default()))
}

fn leaders(net: &Net<Raft>) -> Vec<usize> {
    (0..net.nodes.len())
        .filter(|i| net.nodes[*i].node().is_leader())
        .collect()
}

/// Runs until some node leads (at most 5 s) and returns it.
fn elect(net: &mut Net<Raft>) -> usize {
    for _ in 0..500 {
        net.run(10);
        let top = net.nodes.iter().map(|n| n.node().term()).max().unwrap_or(0);
        let current: Vec<usize> = leaders(net)
            .into_iter()
            .filter(|i| net.nodes[*i].node().term() == top)
            .collect();
        if let [leader] = current[..] {
            return leader;
        }
    }
    panic!("no leader after 5 s");
}

/// Sends `body` to node `i`, runs until it is answered (at most 2 s) and
/// returns the answer.
fn call(net: &mut Net<Raft>, i: usize, body: Value) -> Value {
    let id = net.client(i, body);
    for _ in 0..200 {
        if let Some(answer) = net.answer(id) {
            return answer.clone();
        }
        net.run(10);
    }
    panic!("no answer from n{i}");
}

#[test]
fn one_node_elects_itself_and_answers_at_once() {
    let mut net = cluster(1, 7);
    elect(&mut net);
    assert_eq!(net.peer_msgs, 0);
    let id = net.client(0, json!({"type": "write", "key": 1, "value": 5}));
    assert_eq!(
        net.answer(id).expect("answered in the same step")["type"],
        "write_ok"
    );
    assert_eq!(
        call(&mut net, 0, json!({"type": "read", "key": 1}))["value"],
        5
    );
}

#[test]
fn without_a_known_leader_requests_fail_definitely() {
    let mut net = cluster(3, 1);
    let answer = call(&mut net, 1, json!({"type": "read", "key": 0}));
    assert_eq!(answer["type"], "error");
    assert_eq!(answer["code"], 11, "{answer}");
}

#[test]
fn a_single_client_sees_register_semantics_through_leader_and_followers() {
    for seed in 1..=3 {
        let mut net = cluster(5, seed);
        let leader = elect(&mut net);
        net.run(200); // every follower hears of the leader
        let follower = (leader + 1) % 5;
        let other = (leader + 2) % 5;
        let steps = [
            (follower, json!({"type": "read", "key": 3}), json!(20)),
            (
                other,
                json!({"type": "cas", "key": 3, "from": 0, "to": 1}),
                json!(20),
            ),
            (
                leader,
                json!({"type": "write", "key": 3, "value": 0}),
                json!("write_ok"),
            ),
            (follower, json!({"type": "read", "key": 3}), json!(0)),
            (
                other,
                json!({"type": "cas", "key": 3, "from": 0, "to": 4}),
                json!("cas_ok"),
            ),
            (
                leader,
                json!({"type": "cas", "key": 3, "from": 0, "to": 2}),
                json!(22),
            ),
            (
                follower,
                json!({"type": "write", "key": 4, "value": 9}),
                json!("write_ok"),
            ),
            (leader, json!({"type": "read", "key": 3}), json!(4)),
            (other, json!({"type": "read", "key": 4}), json!(9)),
        ];
        for (node, body, expected) in steps {
            let answer = call(&mut net, node, body.clone());
            let got = match answer["type"].as_str() {
                Some("error") => answer["code"].clone(),
                Some("read_ok") => answer["value"].clone(),
                other => json!(other),
            };
            assert_eq!(got, expected, "{body} at n{node} (leader n{leader})");
        }
    }
}

#[test]
fn a_cut_off_leader_is_replaced_and_its_clients_are_told_in_time() {
    let mut net = cluster(5, 11);
    let mut inv = Invariants::default();
    let old = elect(&mut net);
    let old_term = net.nodes[old].node().term();
    net.isolate(old);
    let stuck = net.client(old, json!({"type": "write", "key": 1, "value": 1}));
    let mut new = None;
    for _ in 0..300 {
        net.run(10);
        inv.check(&net).unwrap();
        new = leaders(&net).into_iter().find(|i| *i != old);
        if new.is_some() {
            break;
        }
    }
    let new = new.expect("the majority elects a new leader");
    assert!(net.nodes[new].node().term() > old_term);
    // The old leader lost its quorum: it refuses at once, definitely.
    let refused = call(
        &mut net,
        old,
        json!({"type": "write", "key": 1, "value": 3}),
    );
    assert_eq!(refused["code"], 11, "{refused}");
    assert!(
        !net.nodes[old].node().is_leader(),
        "check-quorum stepped it down"
    );
    // The new leader serves.
    let follower = (0..5).find(|i| *i != old && *i != new).unwrap();
    let answer = call(
        &mut net,
        follower,
        json!({"type": "write", "key": 1, "value": 2}),
    );
    assert_eq!(answer["type"], "write_ok");
    net.run(1_000);
    let (at, answer) = net.calls[&stuck].answered.clone().expect("answered");
    assert_eq!(answer["code"], 0, "indefinite: {answer}");
    assert!(at - net.calls[&stuck].sent <= MS * 760, "late: {at:?}");
    // Healed, the old leader follows and catches up; its write never
    // committed, so the register holds 2.
    net.heal();
    net.run(2_000);
    inv.check(&net).unwrap();
    assert_eq!(leaders(&net).len(), 1);
    assert!(!net.nodes[old].node().is_leader() || net.nodes[old].node().term() > old_term);
    assert_eq!(
        call(&mut net, old, json!({"type": "read", "key": 1}))["value"],
        2
    );
}

/// Random partitions, latency and client writes with unique values at
/// random nodes for `secs` seconds, then quiet: every invariant holds
/// throughout, acknowledged writes are in the committed log, definitely
/// failed ones are not, nobody is answered late, and once healed every
/// node holds the same log and state.
fn chaos(n: usize, seed: u64, secs: u64) {
    let mut net = cluster(n, seed);
    net.max_latency_ms = 10;
    let mut inv = Invariants::default();
    let mut writes = Vec::new();
    let mut value = 0u64;
    for step in 0..secs * 50 {
        if step % 50 == 0 {
            // A new partition (or none) every second.
            match net.random(3) {
                0 => net.heal(),
                _ => {
                    let mut groups = vec![Vec::new(), Vec::new()];
                    for i in 0..n {
                        let g = net.random(2) as usize;
                        groups[g].push(i);
                    }
                    net.partition(&groups);
                }
            }
        }
        for _ in 0..net.random(3) {
            value += 1;
            let node = net.random(n as u64) as usize;
            let body = json!({"type": "write", "key": value % 3, "value": value});
            writes.push((value, net.client(node, body)));
        }
        net.run(20);
        inv.check(&net).unwrap();
    }
    net.heal();
    net.run(3_000);
    inv.check(&net).unwrap();
    let in_log: BTreeSet<u64> = inv
        .committed
        .iter()
        .filter_map(|e| serde_json::to_value(&e.op).ok())
        .filter_map(|op| op["value"].as_u64())
        .collect();
    let (mut ok, mut definite, mut indefinite) = (0, 0, 0);
    for (value, id) in writes {
        let call = &net.calls[&id];
        let (at, answer) = call.answered.clone().expect("every request is answered");
        assert!(at - call.sent <= MS * 760, "answered late: {answer}");
        match (answer["type"].as_str(), answer["code"].as_i64()) {
            (Some("write_ok"), _) => {
                ok += 1;
                assert!(in_log.contains(&value), "acknowledged write {value} lost");
            }
            (_, Some(11)) => {
                definite += 1;
                assert!(!in_log.contains(&value), "failed write {value} happened");
            }
            (_, Some(0)) => indefinite += 1,
            _ => panic!("unexpected answer {answer}"),
        }
    }
    assert!(ok > 0, "no write ever succeeded");
    eprintln!("seed {seed}: {ok} ok, {definite} definite, {indefinite} indefinite errors");
    // Quiet and healed: one leader, identical logs, all committed, same state.
    assert_eq!(leaders(&net).len(), 1);
    let first = net.nodes[0].node();
    for rt in &net.nodes {
        assert_eq!(rt.node().log(), first.log());
        assert_eq!(rt.node().commit_index(), first.log().last_index());
        assert_eq!(rt.node().state(), first.state());
    }
}

#[test]
fn three_nodes_under_random_partitions() {
    for seed in 1..=4 {
        chaos(3, seed, 15);
    }
}

#[test]
fn five_nodes_under_random_partitions() {
    for seed in 1..=4 {
        chaos(5, seed, 15);
    }
}

#[test]
fn an_idle_cluster_costs_two_messages_per_follower_per_heartbeat() {
    let mut net = cluster(5, 3);
    elect(&mut net);
    net.run(1_000);
    let before = net.peer_msgs;
    net.run(1_000);
    let per_second = net.peer_msgs - before;
    // 4 followers × 2 messages × 20 heartbeats.
    assert!((150..=170).contains(&per_second), "{per_second}");
}
