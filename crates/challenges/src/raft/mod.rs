//! Raft for `lin-kv`: a linearizable key-value store replicated on every
//! node, with no service behind it.
//!
//! * [`log`] — the replicated log and its two safety rules (the
//!   `prev_index`/`prev_term` consistency check, truncation only on a
//!   conflict).
//! * [`election`] — terms, votes and roles: randomized election timeouts
//!   from the seeded [`Ctx::random_u64`], one vote per term, votes only for
//!   a candidate whose log is at least as up to date.
//! * [`replication`] — the leader's AppendEntries, one batch per follower
//!   per heartbeat, and the commit rule: an index is committed once a
//!   majority holds it *and* its entry is from the leader's current term
//!   (Figure 8 of the Raft paper: counting replicas of an older term's entry
//!   can commit something a later leader overwrites).
//! * [`state_machine`] — registers with read/write/cas, applied in log order.
//!
//! **Clients.** Every operation, reads included, goes through the log and
//! is answered by the node that received it once its entry is committed and
//! applied: the log order is the linearization order. A follower forwards
//! its clients' requests to the leader it knows and relays the answer; with
//! no leader known, or none heard from for three heartbeats, it answers 11
//! (temporarily unavailable, definite: nothing was appended). A leader that
//! has not heard from a majority within an election timeout also answers 11
//! and steps down (check-quorum): it could not commit anyway, and a definite
//! error now beats an indefinite one later (Knossos pays for every
//! indefinite write). A node that appended a client's entry keeps the client
//! waiting through leadership changes: if the entry at that index commits
//! with the term it was appended in, it *is* that entry (Log Matching), and
//! if another term's entry commits there, the operation is definitely lost
//! (error 11).
//!
//! **Never late.** Maelstrom's lin-kv client gives up after
//! max(10 × latency, 1 s), and a reply to a client that already gave up
//! makes Maelstrom stop reading the node. So every client request carries a
//! deadline (`give_up`, 700 ms by default): past it the node answers an
//! indefinite error (0, timeout) at the next heartbeat and never anything
//! else; a forwarding node's RPC to the leader times out at the same
//! deadline, and the runtime drops the leader's late answer.

pub mod election;
pub mod log;
pub mod replication;
pub mod state_machine;

use election::Role;
use glomers_node::{Ctx, Error, ErrorCode, Node, Request, RpcError};
use log::{Entry, Log};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use state_machine::{Op, StateMachine};
use std::collections::BTreeMap;
use std::time::Duration;

/// Client requests plus Raft's four messages (all fire-and-forget: each
/// answer is a message of its own carrying the sender's term).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Msg {
    Read {
        key: Value,
    },
    Write {
        key: Value,
        value: Value,
    },
    Cas {
        key: Value,
        from: Value,
        to: Value,
    },
    RequestVote {
        term: u64,
        last_log_index: u64,
        last_log_term: u64,
    },
    Vote {
        term: u64,
        granted: bool,
    },
    AppendEntries {
        term: u64,
        prev_log_index: u64,
        prev_log_term: u64,
        entries: Vec<Entry>,
        leader_commit: u64,
    },
    /// The answer to AppendEntries: on success `index` is the last index the
    /// follower now shares with the leader, on failure where to retry.
    Appended {
        term: u64,
        success: bool,
        index: u64,
    },
}

/// Deliberate bugs, all off by default: they exist so that
/// `crates/fixtures` can build broken variants of this exact node and prove
/// the bench catches them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Flaws {
    /// Followers answer reads from their own state machine (stale reads).
    pub stale_follower_reads: bool,
    /// The leader commits any entry a majority holds, whatever its term
    /// (breaks the Figure 8 rule), and, believing it needs none, appends no
    /// no-op on election: otherwise the no-op would travel in the same
    /// batch as the older entries and the flaw could never bite.
    pub commit_old_terms: bool,
    /// The leader acknowledges every k-th write at once and never appends
    /// it (0: off).
    pub lose_write_every: u64,
}

/// Timing; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The leader sends one AppendEntries per follower per heartbeat.
    pub heartbeat: Duration,
    /// Election timeouts are uniform in `[election, 2 × election)`.
    pub election: Duration,
    /// How long a client request may wait before an indefinite error.
    pub give_up: Duration,
    /// Most entries in one AppendEntries.
    pub max_batch: usize,
    pub flaws: Flaws,
}

impl Default for Config {
    /// 50 ms heartbeats: 2 messages per follower per heartbeat, whatever
    /// the load; elections after 300–600 ms of silence (six missed
    /// heartbeats at least).
    fn default() -> Self {
        Self {
            heartbeat: Duration::from_millis(50),
            election: Duration::from_millis(300),
            give_up: Duration::from_millis(700),
            max_batch: 256,
            flaws: Flaws::default(),
        }
    }
}

impl Config {
    /// The defaults, with `GLOMERS_RAFT_HEARTBEAT_MS`,
    /// `GLOMERS_RAFT_ELECTION_MS` and `GLOMERS_RAFT_GIVE_UP_MS` overriding
    /// them for experiments.
    pub fn from_env() -> Self {
        let knob = |name: &str| {
            let ms = std::env::var(name).ok()?.parse::<u64>().ok()?;
            (ms > 0).then(|| Duration::from_millis(ms))
        };
        let d = Self::default();
        Self {
            heartbeat: knob("GLOMERS_RAFT_HEARTBEAT_MS").unwrap_or(d.heartbeat),
            election: knob("GLOMERS_RAFT_ELECTION_MS").unwrap_or(d.election),
            give_up: knob("GLOMERS_RAFT_GIVE_UP_MS").unwrap_or(d.give_up),
            ..d
        }
    }
}

/// A client waiting for the entry appended for it at some index.
#[derive(Debug)]
struct Pending {
    /// The term the entry was appended in: an entry committed at that index
    /// with another term is not ours.
    term: u64,
    client: Request<()>,
    deadline: Duration,
}

#[derive(Debug)]
pub struct Raft {
    config: Config,
    /// Current term and the vote cast in it (Maelstrom never restarts a
    /// node, so memory is stable storage here).
    term: u64,
    voted_for: Option<String>,
    role: Role,
    /// The leader of the current term, once heard from, and when last.
    leader: Option<String>,
    leader_heard: Duration,
    log: Log,
    commit_index: u64,
    applied: u64,
    state: StateMachine,
    election_deadline: Duration,
    pending: BTreeMap<u64, Pending>,
    writes: u64,
}

impl Raft {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            term: 0,
            voted_for: None,
            role: Role::Follower,
            leader: None,
            leader_heard: Duration::ZERO,
            log: Log::default(),
            commit_index: 0,
            applied: 0,
            state: StateMachine::default(),
            election_deadline: Duration::ZERO,
            pending: BTreeMap::new(),
            writes: 0,
        }
    }

    pub fn term(&self) -> u64 {
        self.term
    }
    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader { .. })
    }
    /// The leader this node knows for its current term.
    pub fn leader(&self) -> Option<&str> {
        self.leader.as_deref()
    }
    pub fn log(&self) -> &Log {
        &self.log
    }
    pub fn commit_index(&self) -> u64 {
        self.commit_index
    }
    pub fn state(&self) -> &StateMachine {
        &self.state
    }

    fn majority(ctx: &Ctx<Self>) -> usize {
        ctx.node_ids().len() / 2 + 1
    }

    /// Every heartbeat: expire clients past their deadline; as leader,
    /// replicate, or step down if no majority answered for an election
    /// timeout (check-quorum).
    fn tick(&mut self, ctx: &mut Ctx<Self>) {
        let now = ctx.now();
        let expired: Vec<u64> = self
            .pending
            .iter()
            .filter(|(_, p)| p.deadline <= now)
            .map(|(i, _)| *i)
            .collect();
        for index in expired {
            if let Some(p) = self.pending.remove(&index) {
                let text = format!("entry {index} not committed in time");
                ctx.reply_error(&p.client, Error::new(ErrorCode::Timeout, text));
            }
        }
        if self.is_leader() {
            if !self.has_quorum(ctx) {
                ctx.log(format!("term {}: no quorum, stepping down", self.term));
                self.step_down(ctx, self.term);
                self.leader = None;
                return;
            }
            self.broadcast_append(ctx);
        }
    }

    fn client(&mut self, ctx: &mut Ctx<Self>, client: Request<()>, op: Op) {
        if self.is_leader() && !self.has_quorum(ctx) {
            return ctx.reply_error(&client, Error::unavailable("leader without quorum"));
        }
        if self.is_leader() {
            if self.config.flaws.lose_write_every > 0 && matches!(op, Op::Write { .. }) {
                self.writes += 1;
                if self
                    .writes
                    .is_multiple_of(self.config.flaws.lose_write_every)
                {
                    return ctx.reply(&client, glomers_node::kv::KvResponse::WriteOk);
                }
            }
            let index = self.log.push(Entry {
                term: self.term,
                op: Some(op),
            });
            let deadline = ctx.now() + self.config.give_up;
            let term = self.term;
            self.pending.insert(
                index,
                Pending {
                    term,
                    client,
                    deadline,
                },
            );
            // A lone node is its own majority.
            return self.advance_commit(ctx);
        }
        if self.config.flaws.stale_follower_reads {
            if let Op::Read { key } = &op {
                return match self.state.read(key) {
                    Ok(answer) => ctx.reply(&client, answer),
                    Err(e) => ctx.reply_error(&client, e),
                };
            }
        }
        // Only a client's request is forwarded: two nodes that each think
        // the other leads must not bounce a request between them.
        // A leader silent for three heartbeats is probably cut off from us:
        // forwarding would likely end in an indefinite timeout.
        let fresh = ctx.now() <= self.leader_heard + self.config.heartbeat * 3;
        match self.leader.clone() {
            Some(leader) if client.from_client() && fresh && leader != ctx.id() => {
                self.forward(ctx, client, &leader, op)
            }
            _ => ctx.reply_error(&client, Error::unavailable("no known leader")),
        }
    }

    /// Proxies `op` to `leader` and relays its answer, whatever it is; the
    /// RPC times out at the client's deadline, after which nothing is sent.
    fn forward(&mut self, ctx: &mut Ctx<Self>, client: Request<()>, leader: &str, op: Op) {
        ctx.rpc(
            leader,
            op,
            self.config.give_up,
            move |_: &mut Self, ctx, result| match result {
                Ok(reply) => ctx.reply(&client, reply.body.payload),
                Err(RpcError::Remote(e)) => ctx.reply_error(&client, e),
                Err(RpcError::Timeout) => ctx.reply_error(
                    &client,
                    Error::new(ErrorCode::Timeout, "leader did not answer in time"),
                ),
                Err(RpcError::Malformed(m)) => ctx.reply_error(&client, Error::crash(m)),
            },
        );
    }

    /// Applies newly committed entries in order, answering whoever waits
    /// on them.
    fn apply_committed(&mut self, ctx: &mut Ctx<Self>) {
        while self.applied < self.commit_index {
            self.applied += 1;
            let Some(entry) = self.log.get(self.applied) else {
                break;
            };
            let (term, op) = (entry.term, entry.op.clone());
            let result = op.map(|op| self.state.apply(&op));
            let Some(p) = self.pending.remove(&self.applied) else {
                continue;
            };
            if ctx.now() > p.deadline {
                // The client is being told (or was told) it timed out.
                continue;
            }
            match result {
                _ if p.term != term => ctx.reply_error(
                    &p.client,
                    Error::unavailable("another leader's entry took its place"),
                ),
                Some(Ok(answer)) => ctx.reply(&p.client, answer),
                Some(Err(e)) => ctx.reply_error(&p.client, e),
                None => {}
            }
        }
    }
}

impl Node for Raft {
    type Msg = Msg;

    fn on_init(&mut self, ctx: &mut Ctx<Self>) {
        self.reset_election_timer(ctx);
        let first = self.election_deadline - ctx.now();
        ctx.after(first, |node: &mut Self, ctx| node.election_timer(ctx));
        ctx.every(self.config.heartbeat, |node: &mut Self, ctx| node.tick(ctx));
    }

    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Msg>) -> Result<(), Error> {
        let src = req.src.clone();
        let client = Request {
            src: req.src,
            msg_id: req.msg_id,
            body: (),
        };
        match req.body {
            Msg::Read { key } => self.client(ctx, client, Op::Read { key }),
            Msg::Write { key, value } => self.client(ctx, client, Op::Write { key, value }),
            Msg::Cas { key, from, to } => self.client(ctx, client, Op::Cas { key, from, to }),
            Msg::RequestVote {
                term,
                last_log_index,
                last_log_term,
            } => self.on_request_vote(ctx, &src, term, last_log_index, last_log_term),
            Msg::Vote { term, granted } => self.on_vote(ctx, &src, term, granted),
            Msg::AppendEntries {
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
            } => self.on_append(
                ctx,
                &src,
                term,
                prev_log_index,
                prev_log_term,
                &entries,
                leader_commit,
            ),
            Msg::Appended {
                term,
                success,
                index,
            } => self.on_appended(ctx, &src, term, success, index),
        }
        Ok(())
    }
}
