//! The nodes `glomers test --sim` can run by name: `--bin` names a binary,
//! and its file name picks the in-process equivalent — our solutions and the
//! runtime-based faulty fixtures. To simulate a node of your own, call
//! [`super::run_sim`] with a factory building it (see `docs/simulation.md`).

use glomers_bench::sim::{boxed, SimNode};
use glomers_challenges::broadcast::{profile::Profile, Broadcast};
use glomers_challenges::kafka::leader::{Config as KafkaConfig, Kafka};
use glomers_challenges::kafka::{lin_kv::KafkaLinKv, single::KafkaSingle};
use glomers_challenges::lin_kv_proxy::LinKvProxy;
use glomers_challenges::raft::{Config as RaftConfig, Raft};
use glomers_challenges::txn::replicated::{Config as TxnConfig, Txn};
use glomers_challenges::txn::single::TxnSingle;
use glomers_challenges::{counter::Counter, echo::Echo, unique_ids::UniqueIds};
use glomers_fixtures::kafka::{FlawedKafka, KafkaFlaws, LocalAckKafka};
use glomers_fixtures::lease::{LeaseKv, Trust};
use glomers_fixtures::nodes::{
    AlteredEcho, BigIntIds, BroadcastFlaws, Chatter, CollidingIds, FlawedBroadcast,
};
use glomers_fixtures::txn::{DeferredReadsTxn, DivergentAppend, FlawedTxn, TxnFlaws};
use serde_json::json;
use std::path::Path;
use std::time::Duration;

/// Builds one node from its seed.
pub type Constructor = fn(u64) -> Box<dyn SimNode>;

fn flawed(flaws: BroadcastFlaws, seed: u64) -> Box<dyn SimNode> {
    boxed(FlawedBroadcast::new(flaws), seed)
}

fn flawed_kafka(flaws: KafkaFlaws, seed: u64) -> Box<dyn SimNode> {
    boxed(FlawedKafka::new(flaws), seed)
}

fn flawed_txn(flaws: TxnFlaws, seed: u64) -> Box<dyn SimNode> {
    boxed(FlawedTxn::new(flaws), seed)
}

/// Every node the CLI can simulate, by binary name.
pub const NODES: &[(&str, Constructor)] = &[
    ("echo", |seed| boxed(Echo, seed)),
    ("unique-ids", |seed| boxed(UniqueIds::default(), seed)),
    ("broadcast", |seed| {
        boxed(Broadcast::new(Profile::from_env()), seed)
    }),
    ("counter", |seed| boxed(Counter::default(), seed)),
    ("kafka-single", |seed| boxed(KafkaSingle::default(), seed)),
    ("kafka-lin-kv", |seed| boxed(KafkaLinKv::default(), seed)),
    ("kafka", |seed| {
        boxed(Kafka::new(KafkaConfig::from_env()), seed)
    }),
    ("txn-single", |seed| boxed(TxnSingle::default(), seed)),
    ("txn", |seed| boxed(Txn::new(TxnConfig::from_env()), seed)),
    ("raft", |seed| {
        boxed(Raft::new(RaftConfig::from_env()), seed)
    }),
    ("lin-kv-proxy", |seed| boxed(LinKvProxy::default(), seed)),
    ("faulty-echo-altered", |seed| boxed(AlteredEcho, seed)),
    ("faulty-ids-collide", |seed| {
        boxed(CollidingIds::default(), seed)
    }),
    ("bigint-ids", |seed| boxed(BigIntIds::default(), seed)),
    ("faulty-chatter", |seed| boxed(Chatter, seed)),
    ("faulty-broadcast-no-retry", |seed| {
        flawed(BroadcastFlaws::default(), seed)
    }),
    ("faulty-broadcast-drops", |seed| {
        flawed(
            BroadcastFlaws {
                drop_every: 5,
                phantom: None,
            },
            seed,
        )
    }),
    ("faulty-broadcast-phantom", |seed| {
        flawed(
            BroadcastFlaws {
                drop_every: 0,
                phantom: Some(json!(999_999_999)),
            },
            seed,
        )
    }),
    ("faulty-kafka-independent-offsets", |seed| {
        flawed_kafka(KafkaFlaws::independent_offsets(), seed)
    }),
    ("faulty-kafka-poll-skip", |seed| {
        flawed_kafka(KafkaFlaws::poll_skip(7), seed)
    }),
    ("faulty-kafka-unseen", |seed| {
        flawed_kafka(KafkaFlaws::unseen(10), seed)
    }),
    ("faulty-kafka-g1a", |seed| {
        flawed_kafka(KafkaFlaws::g1a(10), seed)
    }),
    ("faulty-kafka-local-ack", |seed| {
        boxed(LocalAckKafka::new(Duration::from_millis(50)), seed)
    }),
    ("faulty-lin-kv-stale-read", |seed| {
        boxed(glomers_fixtures::raft::stale_read(), seed)
    }),
    ("faulty-raft-figure8", |seed| {
        boxed(glomers_fixtures::raft::figure8(), seed)
    }),
    ("faulty-lin-kv-lost-write", |seed| {
        boxed(glomers_fixtures::raft::lost_write(5), seed)
    }),
    ("faulty-lin-kv-lease-by-timer", |seed| {
        boxed(LeaseKv::new(Trust::Timer), seed)
    }),
    ("faulty-lin-kv-lease-by-clock", |seed| {
        boxed(LeaseKv::new(Trust::Clock), seed)
    }),
    ("faulty-txn-dirty-read", |seed| {
        flawed_txn(TxnFlaws::dirty_read(5), seed)
    }),
    ("faulty-txn-intermediate-read", |seed| {
        flawed_txn(TxnFlaws::intermediate_read(), seed)
    }),
    ("faulty-txn-lost-update", |seed| {
        flawed_txn(TxnFlaws::lost_update(2), seed)
    }),
    ("faulty-txn-g1c", |seed| {
        boxed(DeferredReadsTxn::new(Duration::from_millis(10)), seed)
    }),
    ("faulty-txn-g0", |seed| {
        boxed(DivergentAppend::new(Duration::from_millis(50)), seed)
    }),
];

/// The constructor for a node name.
pub fn lookup(name: &str) -> Option<Constructor> {
    NODES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

/// The constructor for a `--bin` path, chosen by its file name.
pub fn for_bin(bin: &Path) -> Result<Constructor, String> {
    let name = bin.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    lookup(name).ok_or_else(|| {
        let known: Vec<&str> = NODES.iter().map(|(n, _)| *n).collect();
        format!(
            "--sim runs nodes in-process and knows only: {}. Got --bin {} (to simulate your own node, call glomers_bench::sim::run_sim from Rust; see docs/simulation.md)",
            known.join(", "),
            bin.display()
        )
    })
}
