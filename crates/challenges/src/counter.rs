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

use glomers_node::workloads::counter::{Request as CounterRequest, Response};
use glomers_node::{Ctx, Error, Kv, KvError, Node, Request};
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
    syncs: u64,
    /// The state a sync started from, to tell whether anything changed.
    synced_total: i64,
    period: Duration,
    started: bool,
    /// Peer reads still outstanding in the current sync, and whether any changed.
    pending_reads: usize,
    saw_change: bool,
}

impl Counter {
    /// The counter as this node knows it.
    pub fn value(&self) -> i64 {
        self.total + self.peers.values().sum::<i64>()
    }

    fn sync(&mut self, ctx: &mut Ctx<Self>) {
        self.syncs += 1;
        self.saw_change = self.total != self.synced_total;
        self.synced_total = self.total;
        let own = ctx.id().to_string();
        Kv::seq().write(
            ctx,
            own,
            (self.total, self.syncs),
            |node: &mut Self, ctx, result| match result {
                Ok(()) => node.read_peers(ctx),
                Err(e) => {
                    ctx.log(format!("sync write failed: {e}"));
                    node.schedule(ctx, true);
                }
            },
        );
    }

    fn read_peers(&mut self, ctx: &mut Ctx<Self>) {
        let peers: Vec<String> = ctx.peers().cloned().collect();
        self.pending_reads = peers.len();
        if peers.is_empty() {
            return self.schedule(ctx, self.saw_change);
        }
        for peer in peers {
            let key = peer.clone();
            Kv::seq().read(
                ctx,
                key,
                move |node: &mut Self, ctx, result: Result<(i64, u64), KvError>| {
                    match result {
                        Ok((total, _)) => {
                            let old = node.peers.insert(peer, total);
                            node.saw_change |= old != Some(total);
                        }
                        // The peer has not synced yet: it counts as 0.
                        Err(KvError::KeyDoesNotExist) => {}
                        Err(e) => {
                            ctx.log(format!("reading {peer} failed: {e}"));
                            node.saw_change = true; // try again soon
                        }
                    }
                    node.pending_reads -= 1;
                    if node.pending_reads == 0 {
                        node.schedule(ctx, node.saw_change);
                    }
                },
            );
        }
    }

    fn schedule(&mut self, ctx: &mut Ctx<Self>, changed: bool) {
        self.period = if changed {
            ACTIVE
        } else {
            (self.period * 2).clamp(ACTIVE, IDLE)
        };
        ctx.after(self.period, |node: &mut Self, ctx| node.sync(ctx));
    }
}

impl Node for Counter {
    type Msg = CounterRequest;

    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<CounterRequest>) -> Result<(), Error> {
        // Services and peers may not be registered before the first request.
        if !self.started {
            self.started = true;
            self.period = ACTIVE;
            ctx.after(ACTIVE, |node: &mut Self, ctx| node.sync(ctx));
        }
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
