//! Challenge 5b, the log kept in `lin-kv`: correct for any number of nodes
//! (each is stateless but for a cache), at the price of a `lin-kv` round
//! trip or more per operation.
//!
//! * Every message has its own key, `log:<key>:<offset>`. A send *claims*
//!   the next slot with one create-only CAS (`from: null`,
//!   `create_if_not_exists`): on a missing key it creates it holding the
//!   message, on a taken one it fails with 22 and the send tries the next
//!   slot. Claim and write are one atomic step, so a slot is never claimed
//!   without its message, and a claim only succeeds on the lowest free slot
//!   (a sender starts from a slot it saw taken and steps up one at a time):
//!   every key's slots are always a dense prefix 0, 1, 2, … This is why no
//!   per-key counter is used: with a counter CAS then a separate write, a
//!   send whose write never lands (a timeout, a crash) leaves a hole that
//!   stalls every poll of the key for good, and polls must hold back slots
//!   counted but not yet written.
//! * A poll reads slots upward from the requested offset and stops at the
//!   first missing one. Slots never change once claimed, so every slot seen
//!   is cached and never read again; the one miss per key is the price of
//!   freshness. Realtime order holds: a send that begins after a poll ended
//!   can only claim a slot that was free when the poll looked, so above
//!   everything the poll returned.
//! * Committed offsets live under `committed:<key>` and only grow (read,
//!   then CAS to the larger value, retried on 22).
//! * A `lin-kv` timeout on a claim is answered with `crash` (indefinite):
//!   the claim may have landed, which is harmless since a claimed slot
//!   always holds its message.
//!
//! Each request is one async task answered with [`Ctx::respond`]: a send
//! is a loop over slots, a poll or commit joins one scan or raise per key.
//! (The callback version needed a hand-made join over `Rc<RefCell<…>>`.)
//!
//! Cost (messages to and from `lin-kv`, see `docs/05-kafka.md`): a send is 2
//! plus 2 per slot another node claimed since this node last looked at the
//! key; a poll is 2 per requested key plus 2 per message not yet cached;
//! a commit is 2–4 per key; a list is 2 per key.

use super::{Logs, Polled};
use glomers_node::workloads::kafka::{Request as KafkaRequest, Response};
use glomers_node::{join_all, Ctx, Error, Handle, IfMissing, Kv, KvError, Node, Request};
use serde_json::Value;
use std::collections::BTreeMap;

const LIN_KV: Kv = Kv::lin();

fn slot_key(key: &str, offset: u64) -> String {
    // Injective: the offset is the digits after the last `:`.
    format!("log:{key}:{offset}")
}

fn commit_key(key: &str) -> String {
    format!("committed:{key}")
}

#[derive(Debug, Default)]
pub struct KafkaLinKv {
    /// Slots seen claimed (read, or claimed by us): they never change.
    known: Logs,
}

type Node5b = Handle<KafkaLinKv>;

/// Puts `msg` in the lowest free slot of `key` from `offset` on.
async fn send(h: Node5b, key: String, msg: Value, mut offset: u64) -> Result<Response, Error> {
    let kv = LIN_KV.on(&h);
    loop {
        let claim = kv.cas(slot_key(&key, offset), Value::Null, &msg, IfMissing::Create);
        match claim.await {
            Ok(()) => {
                h.with(|node, _| node.known.insert(&key, offset, msg));
                return Ok(Response::SendOk { offset });
            }
            Err(KvError::PreconditionFailed(_)) => offset += 1,
            Err(e) => {
                h.log(format!("claiming {key}/{offset} failed: {e}"));
                return Err(Error::crash(format!("lin-kv: {e}")));
            }
        }
    }
}

/// `key`'s run from `offset` on: cached slots, then reads until the first
/// missing slot. A failed read ends the run, which is still a prefix.
async fn scan(h: Node5b, key: String, mut offset: u64) -> Vec<(u64, Value)> {
    let kv = LIN_KV.on(&h);
    let mut run = Vec::new();
    loop {
        let msg = match h.with(|node, _| node.known.get(&key, offset).cloned()) {
            Some(msg) => msg,
            None => match kv.read::<Value>(slot_key(&key, offset)).await {
                Ok(msg) => {
                    h.with(|node, _| node.known.insert(&key, offset, msg.clone()));
                    msg
                }
                Err(KvError::KeyDoesNotExist) => return run,
                Err(e) => {
                    h.log(format!("reading {key}/{offset} failed: {e}"));
                    return run;
                }
            },
        };
        run.push((offset, msg));
        offset += 1;
    }
}

async fn poll(h: Node5b, offsets: BTreeMap<String, u64>) -> Result<Response, Error> {
    let scans = offsets
        .iter()
        .map(|(key, &from)| scan(h.clone(), key.clone(), from));
    let runs = join_all(scans).await;
    let msgs: Polled = offsets
        .into_keys()
        .zip(runs)
        .filter(|(_, run)| !run.is_empty())
        .collect();
    Ok(Response::PollOk { msgs })
}

/// Raises `key`'s committed offset to at least `offset`.
async fn raise(h: Node5b, key: String, offset: u64) -> Result<(), KvError> {
    let kv = LIN_KV.on(&h);
    loop {
        let from = match kv.read::<u64>(commit_key(&key)).await {
            Ok(current) if current >= offset => return Ok(()),
            Ok(current) => Value::from(current),
            Err(KvError::KeyDoesNotExist) => Value::Null,
            Err(e) => return Err(e),
        };
        match kv
            .cas(commit_key(&key), from, offset, IfMissing::Create)
            .await
        {
            // Someone else moved it: look again.
            Err(KvError::PreconditionFailed(_)) => continue,
            done => return done,
        }
    }
}

async fn commit(h: Node5b, offsets: BTreeMap<String, u64>) -> Result<Response, Error> {
    let raises = offsets
        .iter()
        .map(|(key, &offset)| raise(h.clone(), key.clone(), offset));
    let results = join_all(raises).await;
    all_answered(&h, offsets.keys(), &results)?;
    Ok(Response::CommitOffsetsOk)
}

async fn list(h: Node5b, keys: Vec<String>) -> Result<Response, Error> {
    let kv = LIN_KV.on(&h);
    let reads = join_all(keys.iter().map(|key| kv.read::<u64>(commit_key(key)))).await;
    all_answered(&h, &keys, &reads)?;
    let offsets = keys
        .into_iter()
        .zip(reads)
        .filter_map(|(key, read)| Some((key, read.ok()?)))
        .collect();
    Ok(Response::ListCommittedOffsetsOk { offsets })
}

/// Logs each key whose call failed (a missing key is no failure) and turns
/// any failure into the indefinite `crash`.
fn all_answered<'a, T>(
    h: &Node5b,
    keys: impl IntoIterator<Item = &'a String>,
    results: &[Result<T, KvError>],
) -> Result<(), Error> {
    let mut failed = false;
    for (key, result) in keys.into_iter().zip(results) {
        if let Err(e) = result {
            if *e != KvError::KeyDoesNotExist {
                h.log(format!("lin-kv call for {key} failed: {e}"));
                failed = true;
            }
        }
    }
    match failed {
        true => Err(Error::crash("lin-kv did not answer")),
        false => Ok(()),
    }
}

impl Node for KafkaLinKv {
    type Msg = KafkaRequest;

    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<KafkaRequest>) -> Result<(), Error> {
        let h = ctx.handle();
        match &req.body {
            KafkaRequest::Send { key, msg } => {
                // The lowest slot not known to be taken; taken ones fail fast.
                let first = self.known.last_offset(key).map_or(0, |o| o + 1);
                ctx.respond(&req, send(h, key.clone(), msg.clone(), first));
            }
            KafkaRequest::Poll { offsets } => ctx.respond(&req, poll(h, offsets.clone())),
            KafkaRequest::CommitOffsets { offsets } => {
                ctx.respond(&req, commit(h, offsets.clone()))
            }
            KafkaRequest::ListCommittedOffsets { keys } => ctx.respond(&req, list(h, keys.clone())),
        }
        Ok(())
    }
}
