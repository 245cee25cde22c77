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
//! Cost (messages to and from `lin-kv`, see `docs/05-kafka.md`): a send is 2
//! plus 2 per slot another node claimed since this node last looked at the
//! key; a poll is 2 per requested key plus 2 per message not yet cached;
//! a commit is 2–4 per key; a list is 2 per key.

use super::{Logs, Polled};
use glomers_node::workloads::kafka::{Request as KafkaRequest, Response};
use glomers_node::{Ctx, Error, Kv, KvError, Node, Request};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

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

/// A client request answered once several `lin-kv` calls are done.
struct Join<T> {
    req: Request<()>,
    waiting: usize,
    acc: T,
    failed: bool,
}

type Shared<T> = Rc<RefCell<Join<T>>>;

/// What is needed to answer `req` later.
fn origin(req: &Request<KafkaRequest>) -> Request<()> {
    Request {
        src: req.src.clone(),
        msg_id: req.msg_id,
        body: (),
    }
}

fn join<T>(req: &Request<KafkaRequest>, waiting: usize, acc: T) -> Shared<T> {
    Rc::new(RefCell::new(Join {
        req: origin(req),
        waiting,
        acc,
        failed: false,
    }))
}

/// Counts one call of `job` done; when it was the last, answers with `reply`.
fn done<N, T>(ctx: &mut Ctx<N>, job: &Shared<T>, reply: impl FnOnce(T) -> Response)
where
    T: Default,
{
    let mut j = job.borrow_mut();
    j.waiting -= 1;
    if j.waiting > 0 {
        return;
    }
    if j.failed {
        ctx.reply_error(&j.req, Error::crash("lin-kv did not answer"));
    } else {
        let acc = std::mem::take(&mut j.acc);
        ctx.reply(&j.req, reply(acc));
    }
}

impl KafkaLinKv {
    /// Tries to put `msg` in slot `offset` of `key`, stepping up past taken slots.
    fn claim(
        &mut self,
        ctx: &mut Ctx<Self>,
        req: Request<()>,
        key: String,
        msg: Value,
        offset: u64,
    ) {
        let slot = slot_key(&key, offset);
        LIN_KV.cas(
            ctx,
            slot,
            Value::Null,
            msg.clone(),
            true,
            move |node: &mut Self, ctx, result| match result {
                Ok(()) => {
                    node.known.insert(&key, offset, msg);
                    ctx.reply(&req, Response::SendOk { offset });
                }
                Err(KvError::PreconditionFailed(_)) => node.claim(ctx, req, key, msg, offset + 1),
                Err(e) => {
                    ctx.log(format!("claiming {key}/{offset} failed: {e}"));
                    ctx.reply_error(&req, Error::crash(format!("lin-kv: {e}")));
                }
            },
        );
    }

    /// Collects `key`'s run from `offset` on: cached slots first, then reads
    /// until the first missing slot.
    fn scan(&mut self, ctx: &mut Ctx<Self>, job: Shared<Polled>, key: String, mut offset: u64) {
        while let Some(msg) = self.known.get(&key, offset) {
            push(&job, &key, offset, msg.clone());
            offset += 1;
        }
        LIN_KV.read(
            ctx,
            slot_key(&key, offset),
            move |node: &mut Self, ctx, result: Result<Value, KvError>| match result {
                Ok(msg) => {
                    node.known.insert(&key, offset, msg.clone());
                    push(&job, &key, offset, msg);
                    node.scan(ctx, job, key, offset + 1);
                }
                Err(KvError::KeyDoesNotExist) => done(ctx, &job, |msgs| Response::PollOk { msgs }),
                Err(e) => {
                    // The run so far is still a contiguous prefix: answer with it.
                    ctx.log(format!("reading {key}/{offset} failed: {e}"));
                    done(ctx, &job, |msgs| Response::PollOk { msgs });
                }
            },
        );
    }

    /// Raises `key`'s committed offset to at least `offset`.
    fn raise(&mut self, ctx: &mut Ctx<Self>, job: Shared<()>, key: String, offset: u64) {
        LIN_KV.read(
            ctx,
            commit_key(&key),
            move |_: &mut Self, ctx, result: Result<u64, KvError>| {
                let from = match result {
                    Ok(current) if current >= offset => {
                        return done(ctx, &job, |()| Response::CommitOffsetsOk)
                    }
                    Ok(current) => Value::from(current),
                    Err(KvError::KeyDoesNotExist) => Value::Null,
                    Err(e) => return fail(ctx, &job, &key, e, |()| Response::CommitOffsetsOk),
                };
                LIN_KV.cas(
                    ctx,
                    commit_key(&key),
                    from,
                    offset,
                    true,
                    move |node: &mut Self, ctx, result| match result {
                        Ok(()) => done(ctx, &job, |()| Response::CommitOffsetsOk),
                        // Someone else moved it: look again.
                        Err(KvError::PreconditionFailed(_)) => node.raise(ctx, job, key, offset),
                        Err(e) => fail(ctx, &job, &key, e, |()| Response::CommitOffsetsOk),
                    },
                );
            },
        );
    }
}

fn push(job: &Shared<Polled>, key: &str, offset: u64, msg: Value) {
    let mut j = job.borrow_mut();
    j.acc
        .entry(key.to_string())
        .or_default()
        .push((offset, msg));
}

fn fail<N, T: Default>(
    ctx: &mut Ctx<N>,
    job: &Shared<T>,
    key: &str,
    e: KvError,
    reply: impl FnOnce(T) -> Response,
) {
    ctx.log(format!("lin-kv call for {key} failed: {e}"));
    job.borrow_mut().failed = true;
    done(ctx, job, reply);
}

impl Node for KafkaLinKv {
    type Msg = KafkaRequest;

    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<KafkaRequest>) -> Result<(), Error> {
        match &req.body {
            KafkaRequest::Send { key, msg } => {
                // The lowest slot not known to be taken; taken ones fail fast.
                let first = self.known.last_offset(key).map_or(0, |o| o + 1);
                self.claim(ctx, origin(&req), key.clone(), msg.clone(), first);
            }
            KafkaRequest::Poll { offsets } => {
                if offsets.is_empty() {
                    ctx.reply(
                        &req,
                        Response::PollOk {
                            msgs: BTreeMap::new(),
                        },
                    );
                    return Ok(());
                }
                let job = join(&req, offsets.len(), Polled::new());
                for (key, &from) in offsets {
                    self.scan(ctx, job.clone(), key.clone(), from);
                }
            }
            KafkaRequest::CommitOffsets { offsets } => {
                if offsets.is_empty() {
                    ctx.reply(&req, Response::CommitOffsetsOk);
                    return Ok(());
                }
                let job = join(&req, offsets.len(), ());
                for (key, &offset) in offsets {
                    self.raise(ctx, job.clone(), key.clone(), offset);
                }
            }
            KafkaRequest::ListCommittedOffsets { keys } => {
                if keys.is_empty() {
                    let offsets = BTreeMap::new();
                    ctx.reply(&req, Response::ListCommittedOffsetsOk { offsets });
                    return Ok(());
                }
                let job = join(&req, keys.len(), BTreeMap::new());
                for key in keys {
                    let (job, key) = (job.clone(), key.clone());
                    LIN_KV.read(
                        ctx,
                        commit_key(&key),
                        move |_: &mut Self, ctx, result: Result<u64, KvError>| {
                            let reply = |offsets| Response::ListCommittedOffsetsOk { offsets };
                            match result {
                                Ok(offset) => {
                                    job.borrow_mut().acc.insert(key, offset);
                                    done(ctx, &job, reply);
                                }
                                Err(KvError::KeyDoesNotExist) => done(ctx, &job, reply),
                                Err(e) => fail(ctx, &job, &key, e, reply),
                            }
                        },
                    );
                }
            }
        }
        Ok(())
    }
}
