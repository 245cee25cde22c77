//! Challenge 5c, the efficient log: one node assigns every offset, the
//! others batch their clients' sends to it. No service, no message per
//! operation; about two messages per follower per period.
//!
//! **One sequencer.** The first node of `node_ids`, the *leader*, numbers
//! every message from one counter (its `clock`: offsets 0, 1, 2, … across
//! all keys, so each key's offsets are sparse but increasing). Its own
//! clients' sends are stored and acknowledged at once, and every offset it
//! holds is settled: its polls see everything.
//!
//! **Followers propose.** Every other node stores its clients' sends (and
//! commits) as numbered *proposals* and ships them to the leader in one `up`
//! per period at most (at once if none went out in the last period). The
//! leader answers every `up` at once with a `down`: the offsets it gave
//! those proposals, its new entries, and its frontier (its clock). The
//! follower acknowledges a client's send when its offset comes back. A
//! follower polls what it holds below the leader's last frontier: the
//! leader sends every entry a follower has not acknowledged, so below the
//! frontier nothing is missing, and nothing new will ever land there.
//!
//! **Why one sequencer.** The checker (Elle over write→read and realtime
//! edges) needs more than unique increasing offsets: a send that begins
//! after another send was acknowledged, or after a poll returned, must land
//! above it. Offsets given out by one counter in the order the requests
//! reach it satisfy that by construction. Nodes that number sends on their
//! own and acknowledge at once do not (`docs/05-kafka.md` shows the cycle,
//! and the `faulty-kafka-local-ack` fixture exhibits it); making them wait
//! to settle costs the same messages but stalls every node in a partition,
//! where this design keeps the leader fully available.
//!
//! **Reliability.** Both sides resend what the other has not acknowledged
//! (entries and proposals are numbered; acknowledgements ride on every
//! message), a resent proposal is recognised by its number and never
//! numbered twice, and the leader resends at most once a period. A follower
//! that cannot reach the leader answers a send it could not place within
//! `give_up` with an indefinite error (the proposal may still be placed
//! later): never late, because Maelstrom stops reading a node that answers a
//! client after the client gave up (5 s). An idle cluster is silent.

use super::{Committed, Logs};
use glomers_node::workloads::kafka::Response;
use glomers_node::{Ctx, Error, ErrorCode, Node, Request};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

/// Client requests plus the two node-to-node messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Msg {
    Send {
        key: String,
        msg: Value,
    },
    Poll {
        offsets: BTreeMap<String, u64>,
    },
    CommitOffsets {
        offsets: BTreeMap<String, u64>,
    },
    ListCommittedOffsets {
        keys: Vec<String>,
    },
    /// Follower → leader.
    Up(Up),
    /// Leader → follower.
    Down(Down),
}

/// A follower's proposals from number `from` on (those the leader has not
/// acknowledged), and how many of the leader's entries it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Up {
    pub from: u64,
    pub proposals: Vec<Proposal>,
    pub ack: u64,
}

/// The leader's entries from number `from` on (those the follower has not
/// acknowledged), its frontier (every offset below is settled), and how
/// many of the follower's proposals it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Down {
    pub from: u64,
    pub entries: Vec<Entry>,
    pub frontier: u64,
    pub ack: u64,
}

/// What a follower asks the leader to record. On the wire
/// `{"send": ["key", msg]}` or `{"commit": ["key", offset]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Proposal {
    Send(String, Value),
    Commit(String, u64),
}

/// One fact in the leader's log. On the wire `["key", offset, msg]`, with
/// the proposing node's index and proposal number appended for a message a
/// follower proposed, or `["key", committed offset]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Entry {
    Msg(String, u64, Value),
    Proposed(String, u64, Value, u64, u64),
    Commit(String, u64),
}

/// Timing; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// At most one `up` per follower, and one unprompted `down` per
    /// follower, per period.
    pub period: Duration,
    /// How long a follower's client send may wait for its offset before it
    /// is answered with an indefinite error (well under the 5 s client
    /// timeout).
    pub give_up: Duration,
}

impl Default for Config {
    /// 50 ms: ~40 messages a second between two busy nodes (0.04 per
    /// operation at 1000 operations a second); a follower's send waits ~25 ms.
    fn default() -> Self {
        Self {
            period: Duration::from_millis(50),
            give_up: Duration::from_secs(1),
        }
    }
}

impl Config {
    /// The defaults, with `GLOMERS_KAFKA_PERIOD_MS` and
    /// `GLOMERS_KAFKA_GIVE_UP_MS` overriding them for experiments.
    pub fn from_env() -> Self {
        let knob = |name: &str| {
            let ms = std::env::var(name).ok()?.parse::<u64>().ok()?;
            (ms > 0).then(|| Duration::from_millis(ms))
        };
        let defaults = Self::default();
        Self {
            period: knob("GLOMERS_KAFKA_PERIOD_MS").unwrap_or(defaults.period),
            give_up: knob("GLOMERS_KAFKA_GIVE_UP_MS").unwrap_or(defaults.give_up),
        }
    }
}

/// A numbered queue of what one side still has to get acknowledged:
/// `items[0]` is number `base`.
#[derive(Debug)]
struct Outbox<T> {
    items: VecDeque<T>,
    base: u64,
}

impl<T: Clone> Outbox<T> {
    fn new() -> Self {
        Self {
            items: VecDeque::new(),
            base: 0,
        }
    }

    /// Number the next item will get.
    fn end(&self) -> u64 {
        self.base + self.items.len() as u64
    }

    fn push(&mut self, item: T) {
        self.items.push_back(item);
    }

    /// Everything from number `from` on.
    fn since(&self, from: u64) -> Vec<T> {
        let skip = from.saturating_sub(self.base) as usize;
        self.items.iter().skip(skip).cloned().collect()
    }

    /// Forgets everything numbered below `upto`.
    fn trim(&mut self, upto: u64) {
        while self.base < upto && self.items.pop_front().is_some() {
            self.base += 1;
        }
    }
}

/// The leader's view of one follower.
#[derive(Debug)]
struct Follower {
    id: String,
    /// How many of our entries it holds (its acknowledgement).
    acked: u64,
    /// How many of its proposals we hold.
    have: u64,
    last_sent: Option<Duration>,
    /// When its last `up` arrived: a follower that keeps sending them gets
    /// our news in the answers, so the tick leaves it alone.
    last_heard: Option<Duration>,
}

/// The leader's half.
#[derive(Debug)]
struct Leader {
    /// Offset of the next message.
    clock: u64,
    followers: Vec<Follower>,
    log: Outbox<Entry>,
}

/// A client send waiting for its offset.
#[derive(Debug)]
struct Waiting {
    deadline: Duration,
    req: Request<()>,
}

/// A follower's half.
#[derive(Debug)]
struct Follow {
    leader: String,
    index: u64,
    /// The leader's latest frontier: offsets below are settled.
    frontier: u64,
    proposals: Outbox<Proposal>,
    /// How many of our proposals the leader holds.
    leader_has: u64,
    /// How many of the leader's entries we hold.
    have: u64,
    /// Client sends by proposal number.
    waiting: BTreeMap<u64, Waiting>,
    /// Entries received since our last `up`: acknowledge them.
    owes_ack: bool,
    last_up: Option<Duration>,
}

#[derive(Debug)]
enum Role {
    Leader(Leader),
    Follower(Follow),
}

#[derive(Debug)]
pub struct Kafka {
    config: Config,
    logs: Logs,
    committed: Committed,
    role: Role,
}

impl Leader {
    /// Numbers and stores a message; returns its offset.
    fn place(
        &mut self,
        logs: &mut Logs,
        key: String,
        msg: Value,
        origin: Option<(u64, u64)>,
    ) -> u64 {
        let offset = self.clock;
        self.clock += 1;
        logs.insert(&key, offset, msg.clone());
        if !self.followers.is_empty() {
            self.log.push(match origin {
                Some((node, number)) => Entry::Proposed(key, offset, msg, node, number),
                None => Entry::Msg(key, offset, msg),
            });
        }
        offset
    }

    fn commit(&mut self, committed: &mut Committed, key: String, offset: u64) {
        if committed.commit(&key, offset) && !self.followers.is_empty() {
            self.log.push(Entry::Commit(key, offset));
        }
    }

    /// Sends follower `i` everything it has not acknowledged.
    fn send_down(&mut self, ctx: &mut Ctx<Kafka>, i: usize) {
        let f = &mut self.followers[i];
        let down = Down {
            from: f.acked,
            entries: self.log.since(f.acked),
            frontier: self.clock,
            ack: f.have,
        };
        f.last_sent = Some(ctx.now());
        ctx.send(&f.id, Msg::Down(down));
    }

    /// Resends to every follower that lacks entries and heard nothing for a period.
    fn tick(&mut self, ctx: &mut Ctx<Kafka>, period: Duration) {
        for i in 0..self.followers.len() {
            let f = &self.followers[i];
            // An active follower sends an `up` every period and gets our news
            // in the answer; only one silent for two periods needs a push.
            let now = ctx.now();
            let quiet = f.last_sent.is_none_or(|t| a_period_since(now, t, period))
                && f.last_heard
                    .is_none_or(|t| a_period_since(now, t, 2 * period));
            if f.acked < self.log.end() && quiet {
                self.send_down(ctx, i);
            }
        }
    }

    /// Takes a follower's new proposals, and answers.
    fn on_up(
        &mut self,
        ctx: &mut Ctx<Kafka>,
        logs: &mut Logs,
        committed: &mut Committed,
        src: &str,
        up: Up,
    ) {
        let Some(i) = self.followers.iter().position(|f| f.id == src) else {
            return ctx.log(format!("up from unknown node {src}"));
        };
        let end = self.log.end();
        let f = &mut self.followers[i];
        f.last_heard = Some(ctx.now());
        f.acked = f.acked.max(up.ack.min(end));
        let everyone = self.followers.iter().map(|f| f.acked).min().unwrap_or(end);
        self.log.trim(everyone);
        let origin = ctx
            .node_ids()
            .iter()
            .position(|n| n == src)
            .unwrap_or_default() as u64;
        let answer = !up.proposals.is_empty();
        // A resent `up` starts at or before what we hold: skip the known,
        // so no proposal is numbered twice.
        let have = self.followers[i].have;
        if up.from <= have {
            for proposal in up.proposals.into_iter().skip((have - up.from) as usize) {
                let number = self.followers[i].have;
                self.followers[i].have += 1;
                match proposal {
                    Proposal::Send(key, msg) => {
                        self.place(logs, key, msg, Some((origin, number)));
                    }
                    Proposal::Commit(key, offset) => self.commit(committed, key, offset),
                }
            }
        }
        // Answer proposals (even resent ones: our last answer was lost) at
        // once; otherwise only when the follower lacks entries.
        if answer || self.followers[i].acked < self.log.end() {
            self.send_down(ctx, i);
        }
    }
}

impl Follow {
    /// Stores the leader's new entries; answers the sends that got their offsets.
    fn on_down(
        &mut self,
        ctx: &mut Ctx<Kafka>,
        logs: &mut Logs,
        committed: &mut Committed,
        src: &str,
        down: Down,
    ) {
        if src != self.leader {
            return ctx.log(format!("down from {src}, who does not lead"));
        }
        self.owes_ack |= !down.entries.is_empty();
        let end = self.proposals.end();
        self.leader_has = self.leader_has.max(down.ack.min(end));
        self.proposals.trim(self.leader_has);
        // Never past a gap: the frontier vouches only for entries below it.
        // (The leader resends from what we acknowledged, so none comes.)
        if down.from > self.have {
            return ctx.log(format!("down from {} skips past {}", down.from, self.have));
        }
        for entry in down
            .entries
            .into_iter()
            .skip((self.have - down.from) as usize)
        {
            self.have += 1;
            match entry {
                Entry::Msg(key, offset, msg) => {
                    logs.insert(&key, offset, msg);
                }
                Entry::Proposed(key, offset, msg, node, number) => {
                    logs.insert(&key, offset, msg);
                    // Gone if we gave up on it: then it must stay unanswered.
                    let ours = (node == self.index).then(|| self.waiting.remove(&number));
                    if let Some(Some(w)) = ours {
                        ctx.reply(&w.req, Response::SendOk { offset });
                    }
                }
                Entry::Commit(key, offset) => {
                    committed.commit(&key, offset);
                }
            }
        }
        self.frontier = self.frontier.max(down.frontier);
    }

    /// Sends the unacknowledged proposals (and our acknowledgement), at
    /// most once a period.
    fn maybe_up(&mut self, ctx: &mut Ctx<Kafka>, period: Duration) {
        let news = self.owes_ack || self.leader_has < self.proposals.end();
        let allowed = self
            .last_up
            .is_none_or(|t| a_period_since(ctx.now(), t, period));
        if news && allowed {
            let up = Up {
                from: self.leader_has,
                proposals: self.proposals.since(self.leader_has),
                ack: self.have,
            };
            self.owes_ack = false;
            self.last_up = Some(ctx.now());
            ctx.send(&self.leader, Msg::Up(up));
        }
    }

    /// Answers sends that waited too long with an indefinite error.
    fn give_up(&mut self, ctx: &mut Ctx<Kafka>) {
        // Proposal numbers grow with arrival time, so deadlines are in order.
        while let Some(entry) = self.waiting.first_entry() {
            if entry.get().deadline > ctx.now() {
                break;
            }
            let w = entry.remove();
            let text = "no offset from the leader in time; the message may still be logged";
            ctx.reply_error(&w.req, Error::new(ErrorCode::Timeout, text));
        }
    }
}

impl Kafka {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            logs: Logs::default(),
            committed: Committed::default(),
            role: Role::Leader(Leader {
                clock: 0,
                followers: Vec::new(),
                log: Outbox::new(),
            }),
        }
    }

    /// Offsets below this are settled: polls show them.
    pub fn watermark(&self) -> u64 {
        match &self.role {
            Role::Leader(l) => l.clock,
            Role::Follower(f) => f.frontier,
        }
    }

    /// Client sends waiting for their offset (followers only).
    pub fn unplaced(&self) -> usize {
        match &self.role {
            Role::Leader(_) => 0,
            Role::Follower(f) => f.waiting.len(),
        }
    }

    pub fn logs(&self) -> &Logs {
        &self.logs
    }

    fn tick(&mut self, ctx: &mut Ctx<Self>) {
        let period = self.config.period;
        match &mut self.role {
            Role::Leader(l) => l.tick(ctx, period),
            Role::Follower(f) => {
                f.give_up(ctx);
                f.maybe_up(ctx, period);
            }
        }
    }
}

impl Node for Kafka {
    type Msg = Msg;

    fn on_init(&mut self, ctx: &mut Ctx<Self>) {
        let ids = ctx.node_ids();
        let leader = ids.first().cloned().unwrap_or_default();
        let index = ids.iter().position(|n| n == ctx.id()).unwrap_or(0) as u64;
        if index == 0 {
            let followers = ctx
                .peers()
                .map(|id| Follower {
                    id: id.clone(),
                    acked: 0,
                    have: 0,
                    last_sent: None,
                    last_heard: None,
                })
                .collect();
            self.role = Role::Leader(Leader {
                clock: 0,
                followers,
                log: Outbox::new(),
            });
        } else {
            self.role = Role::Follower(Follow {
                leader,
                index,
                frontier: 0,
                proposals: Outbox::new(),
                leader_has: 0,
                have: 0,
                waiting: BTreeMap::new(),
                owes_ack: false,
                last_up: None,
            });
        }
        if ids.len() > 1 {
            ctx.every(self.config.period, |node: &mut Self, ctx| node.tick(ctx));
        }
    }

    fn handle(&mut self, ctx: &mut Ctx<Self>, req: Request<Msg>) -> Result<(), Error> {
        let origin = Request {
            src: req.src.clone(),
            msg_id: req.msg_id,
            body: (),
        };
        match req.body {
            Msg::Send { key, msg } => match &mut self.role {
                Role::Leader(l) => {
                    let offset = l.place(&mut self.logs, key, msg, None);
                    ctx.reply(&origin, Response::SendOk { offset });
                }
                Role::Follower(f) => {
                    let number = f.proposals.end();
                    f.proposals.push(Proposal::Send(key, msg));
                    let deadline = ctx.now() + self.config.give_up;
                    let w = Waiting {
                        deadline,
                        req: origin,
                    };
                    f.waiting.insert(number, w);
                    f.maybe_up(ctx, self.config.period);
                }
            },
            Msg::Poll { offsets } => {
                let msgs = self.logs.poll(&offsets, self.watermark());
                ctx.reply(&origin, Response::PollOk { msgs });
            }
            Msg::CommitOffsets { offsets } => {
                for (key, offset) in offsets {
                    match &mut self.role {
                        Role::Leader(l) => l.commit(&mut self.committed, key, offset),
                        Role::Follower(f) => {
                            if self.committed.commit(&key, offset) {
                                f.proposals.push(Proposal::Commit(key, offset));
                            }
                        }
                    }
                }
                ctx.reply(&origin, Response::CommitOffsetsOk);
                if let Role::Follower(f) = &mut self.role {
                    f.maybe_up(ctx, self.config.period);
                }
            }
            Msg::ListCommittedOffsets { keys } => {
                let offsets = self.committed.list(&keys);
                ctx.reply(&origin, Response::ListCommittedOffsetsOk { offsets });
            }
            Msg::Up(up) => match &mut self.role {
                Role::Leader(l) => l.on_up(ctx, &mut self.logs, &mut self.committed, &req.src, up),
                Role::Follower(_) => ctx.log(format!("up from {}, but this node follows", req.src)),
            },
            Msg::Down(down) => match &mut self.role {
                Role::Follower(f) => {
                    f.on_down(ctx, &mut self.logs, &mut self.committed, &req.src, down)
                }
                Role::Leader(_) => ctx.log(format!("down from {}, but this node leads", req.src)),
            },
        }
        Ok(())
    }
}

/// Whether a period has passed since `then`, give or take a tenth: a
/// periodic timer fires a little early or late against the clock, and a
/// strict test would skip every other tick on a real machine (halving the
/// rate and making real runs differ from simulated ones).
fn a_period_since(now: Duration, then: Duration, period: Duration) -> bool {
    now.saturating_sub(then) + period / 10 >= period
}
