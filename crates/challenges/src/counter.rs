//! Challenge 4, grow-only counter (also passes `pn-counter`): the counter
//! lives in `seq-kv`, one key per node, written only by its owner.
//!
//! * `add` is acknowledged at once and added to the node's own total in
//!   memory (Maelstrom never restarts nodes, so memory is durable here).
//! * Every sync the node writes `[total, sync number]` to its own key. The
//!   sync number makes every write change the store, and a write that
//!   changes `seq-kv` moves this node's view to the newest state; the reads
//!   of the other nodes' keys that follow can then not be older than that.
//!   A single-writer key needs no CAS: nobody else can overwrite it.
//! * `read` answers from memory: own total plus the others' last synced
//!   totals. Only final reads are checked, and they come 10 s after the last
//!   add, by when every node has synced its final total and read everyone
//!   else's after it.
//! * Syncs run every second while anything changes and back off to every
//!   4 s when nothing does, which keeps the run well under 0.3 messages per
//!   operation (each sync costs one write and one read per peer).
//! * The sync is one async task, a loop: write, read every peer at once,
//!   sleep. (The callback version needed a pending-reads counter and a
//!   `saw_change` flag in the node to know when the fan-out was done.)

use glomers_node::workloads::counter::{Request as CounterRequest, Response};
use glomers_node::{join_all, Ctx, Error, Handle, Kv, KvError, Node, Request};
use std::collections::BTreeMap;
use std::time::Duration;

/// Sync period while totals change.
const ACTIVE: Duration = Duration::from_secs(1);
/// Longest sync period when nothing changes.
const IDLE: Duration = Duration::from_secs(4);

#[derive(Debug, Default)]
pub struct Counter {
    total: i64,
    /// Other nodes' totals as last read from seq-kv.
    peers: BTreeMap<String, i64>,
}

impl Counter {
    /// The counter as this node knows it.
    pub fn value(&self) -> i64 {
        self.total + self.peers.values().sum::<i64>()
    }
}

/// Publishes this node's total and learns the others', for as long as the
/// node runs.
async fn sync_forever(h: Handle<Counter>) {
    let kv = Kv::seq().on(&h);
    let (mut period, mut synced_total) = (ACTIVE, 0);
    for sync in 1u64.. {
        h.sleep(period).await;
        let (own, total, peers) = h.with(|node, ctx| {
            let peers: Vec<String> = ctx.peers().cloned().collect();
            (ctx.id().to_string(), node.total, peers)
        });
        let mut changed = total != synced_total;
        synced_total = total;
        if let Err(e) = kv.write(own, (total, sync)).await {
            h.log(format!("sync write failed: {e}"));
            period = ACTIVE;
            continue;
        }
        let reads = join_all(peers.iter().map(|peer| kv.read::<(i64, u64)>(peer))).await;
        for (peer, read) in peers.into_iter().zip(reads) {
            match read {
                Ok((total, _)) => {
                    changed |= h.with(|node, _| node.peers.insert(peer, total) != Some(total));
                }
                // The peer has not synced yet: it counts as 0.
                Err(KvError::KeyDoesNotExist) => {}
                Err(e) => {
                    h.log(format!("reading {peer} failed: {e}"));
                    changed = true; // try again soon
                }
            }
        }
        period = if changed {
            ACTIVE
        } else {
            (period * 2).clamp(ACTIVE, IDLE)
        };
    }
}

impl Node for Counter {
    type Msg = CounterRequest;

    /// Syncing starts with the node, not with its first request: a node
    /// that gets no request before its final read must still have read its
    /// peers by then (a shrunk run, 1 s at rate 1, caught one reading 0). A
    /// sync that fails (say a service not up yet) is retried a second later.
    fn on_init(&mut self, ctx: &mut Ctx<Self>) {
        ctx.spawn(sync_forever(ctx.handle()));
    }

    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<CounterRequest>) -> Result<(), Error> {
        match req.body {
            CounterRequest::Add { delta } => {
                self.total += delta;
                ctx.reply(&req, Response::AddOk);
            }
            CounterRequest::Read => ctx.reply(
                &req,
                Response::ReadOk {
                    value: self.value(),
                },
            ),
        }
        Ok(())
    }
}
