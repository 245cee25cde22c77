//! Challenge 3, broadcast, with gossip: each peer has its own async task
//! that, every 100 ms, sends it the values it has not acknowledged yet. An
//! unanswered gossip is simply sent again at a later tick, so values cross
//! a partition once it heals.
//!
//! ```text
//! cargo build --example broadcast
//! glomers test -w broadcast --bin target/debug/examples/broadcast --node-count 5 \
//!     --time-limit 20 --rate 10 --nemesis partition
//! ```

use glomers_node::{Ctx, Error, Handle, Node, Request};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Client requests plus the gossip between nodes.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Msg {
    Broadcast { message: i64 },
    Read,
    Topology {},
    Gossip { values: Vec<i64> },
}

// The names are the wire's: every reply type ends in `_ok`.
#[allow(clippy::enum_variant_names)]
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Reply {
    BroadcastOk,
    ReadOk { messages: Vec<i64> },
    TopologyOk,
    GossipOk,
}

#[derive(Default)]
struct Broadcast {
    seen: BTreeSet<i64>,
    /// What each peer is known to have: it sent it, or acknowledged it.
    known: BTreeMap<String, BTreeSet<i64>>,
}

impl Broadcast {
    fn missing(&self, peer: &str) -> Vec<i64> {
        let known = self.known.get(peer);
        let lacks = |v: &&i64| !known.is_some_and(|k| k.contains(*v));
        self.seen.iter().filter(lacks).copied().collect()
    }
}

/// Keeps `peer` up to date for as long as the node runs.
async fn gossip_to(h: Handle<Broadcast>, peer: String) {
    let mut every = h.interval(Duration::from_millis(100));
    loop {
        every.tick().await;
        let values = h.with(|node, _| node.missing(&peer));
        if values.is_empty() {
            continue;
        }
        let gossip = Msg::Gossip {
            values: values.clone(),
        };
        if h.rpc(&peer, gossip, Duration::from_millis(400))
            .await
            .is_ok()
        {
            h.with(|node, _| node.known.entry(peer.clone()).or_default().extend(values));
        }
    }
}

impl Node for Broadcast {
    type Msg = Msg;

    fn on_init(&mut self, ctx: &mut Ctx<Self>) {
        let peers: Vec<String> = ctx.peers().cloned().collect();
        for peer in peers {
            ctx.spawn(gossip_to(ctx.handle(), peer));
        }
    }

    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Msg>) -> Result<(), Error> {
        match &req.body {
            Msg::Broadcast { message } => {
                self.seen.insert(*message);
                ctx.reply(&req, Reply::BroadcastOk);
            }
            Msg::Read => {
                let messages = self.seen.iter().copied().collect();
                ctx.reply(&req, Reply::ReadOk { messages });
            }
            Msg::Topology {} => ctx.reply(&req, Reply::TopologyOk),
            Msg::Gossip { values } => {
                self.seen.extend(values);
                let known = self.known.entry(req.src.clone()).or_default();
                known.extend(values);
                ctx.reply(&req, Reply::GossipOk);
            }
        }
        Ok(())
    }
}

fn main() {
    glomers_node::run(Broadcast::default());
}
