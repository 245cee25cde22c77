//! [`Ctx`], a node's only window on the world: who it is, what time it is,
//! and the effects it may request — replies, sends, RPCs with timeouts,
//! timers, async tasks, random numbers and logs. Effects are queued as
//! [`Output`] for whichever driver runs the node (real stdio or a simulation).

use crate::error::Error;
use crate::origin::Origin;
use crate::protocol::{to_payload, Body, Envelope, Payload};
use crate::task::LocalTask;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::rc::Weak;
use std::time::Duration;

/// Something the node wants done by its driver.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// One JSON message, to be written to stdout as one line.
    Line(String),
    /// A diagnostic, for stderr.
    Log(String),
}

/// Handle on an outstanding RPC, to cancel it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RpcId(pub u64);

/// Handle on a timer, to cancel it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId(u64);

/// A reply to one of our RPCs.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub src: String,
    pub body: Body,
}

impl Reply {
    /// Decodes the reply payload into a typed value.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, RpcError> {
        self.body
            .decode()
            .map_err(|e| RpcError::Malformed(format!("{e} in reply {:?}", self.body.payload)))
    }
}

/// Why an RPC did not produce a successful reply.
#[derive(Debug, Clone, PartialEq)]
pub enum RpcError {
    /// No reply within the timeout; the request may or may not have happened.
    Timeout,
    /// The peer answered with an `error` body.
    Remote(Error),
    /// The reply could not be decoded as expected.
    Malformed(String),
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Timeout => write!(f, "rpc timed out"),
            Self::Remote(e) => write!(f, "{e}"),
            Self::Malformed(m) => write!(f, "malformed reply: {m}"),
        }
    }
}

/// What a callback may return: nothing, or a `Result` so that `?` works
/// inside it. An `Err` is logged (to stderr); to answer a client with it,
/// use [`Ctx::reply_result`] or an async task ([`Ctx::respond`]).
pub trait Outcome {
    fn settle<N>(self, ctx: &mut Ctx<N>);
}

impl Outcome for () {
    fn settle<N>(self, _: &mut Ctx<N>) {}
}

impl<E: std::fmt::Display> Outcome for Result<(), E> {
    fn settle<N>(self, ctx: &mut Ctx<N>) {
        if let Err(e) = self {
            ctx.log(format!("callback failed: {e}"));
        }
    }
}

impl std::error::Error for RpcError {}

impl From<RpcError> for Error {
    /// The error to answer a client with: a remote error passes through;
    /// a timeout or an unreadable reply is indefinite (the request may
    /// have taken effect).
    fn from(e: RpcError) -> Self {
        match e {
            RpcError::Timeout => Error::new(crate::ErrorCode::Timeout, e.to_string()),
            RpcError::Remote(error) => error,
            RpcError::Malformed(_) => Error::crash(e.to_string()),
        }
    }
}

pub(crate) type RpcCallback<N> = Box<dyn FnOnce(&mut N, &mut Ctx<N>, Result<Reply, RpcError>)>;
type OnceCallback<N> = Box<dyn FnOnce(&mut N, &mut Ctx<N>)>;
type RepeatCallback<N> = Box<dyn FnMut(&mut N, &mut Ctx<N>)>;

pub(crate) struct PendingRpc<N> {
    pub(crate) deadline: Duration,
    pub(crate) callback: RpcCallback<N>,
}

pub(crate) enum TimerAction<N> {
    Once(OnceCallback<N>),
    Every(Duration, RepeatCallback<N>),
}

pub(crate) struct Timer<N> {
    pub(crate) due: Duration,
    /// Taken out while the callback runs, so the callback may cancel itself.
    pub(crate) action: Option<TimerAction<N>>,
}

/// What a deadline-heap entry refers to. Entries are removed lazily: one is
/// stale when its RPC was answered/cancelled or its timer moved or was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Due {
    Rpc(u64),
    Timer(TimerId),
}

/// One deadline-heap entry, ordered by instant (then as before by what it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Deadline {
    at: Duration,
    due: Due,
    /// The timeout pass current when it was armed: it may only fire in a
    /// later pass, so a zero delay re-armed from its own callback cannot keep
    /// a pass going forever.
    armed: u64,
}

/// The node's context. See the module docs.
pub struct Ctx<N> {
    pub(crate) id: String,
    pub(crate) node_ids: Vec<String>,
    pub(crate) now: Duration,
    next_msg_id: u64,
    next_timer_id: u64,
    rng_state: u64,
    pub(crate) outbox: VecDeque<Output>,
    pub(crate) pending: HashMap<u64, PendingRpc<N>>,
    pub(crate) timers: HashMap<TimerId, Timer<N>>,
    deadlines: BinaryHeap<Reverse<Deadline>>,
    /// Number of timeout passes begun so far.
    pass: u64,
    /// Tasks spawned since the runtime last collected them.
    pub(crate) spawned: Vec<LocalTask>,
    /// The runtime this context lives in, for [`Ctx::handle`].
    pub(crate) core: Weak<RefCell<Core<N>>>,
}

impl<N> Ctx<N> {
    pub(crate) fn new(seed: u64, core: Weak<RefCell<Core<N>>>) -> Self {
        Self {
            id: String::new(),
            node_ids: Vec::new(),
            now: Duration::ZERO,
            next_msg_id: 1,
            next_timer_id: 1,
            rng_state: seed,
            outbox: VecDeque::new(),
            pending: HashMap::new(),
            timers: HashMap::new(),
            deadlines: BinaryHeap::new(),
            pass: 0,
            spawned: Vec::new(),
            core,
        }
    }

    /// This node's id (`n0`, …); empty before `init`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Every server node id in the cluster, this one included, in test order.
    pub fn node_ids(&self) -> &[String] {
        &self.node_ids
    }

    /// The other server nodes.
    pub fn peers(&self) -> impl Iterator<Item = &String> {
        self.node_ids.iter().filter(move |n| **n != self.id)
    }

    /// Time since the node started, as given by the driver for the event
    /// being handled (a message, or a timeout pass). A timer or RPC timeout
    /// handled late sees this current time, not its deadline, and every delay
    /// and timeout is counted from it.
    pub fn now(&self) -> Duration {
        self.now
    }

    /// A pseudo-random number from the driver-seeded generator (SplitMix64),
    /// so simulated runs stay reproducible.
    pub fn random_u64(&mut self) -> u64 {
        self.rng_state = self.rng_state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng_state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Writes a diagnostic line to the node's log (stderr).
    pub fn log(&mut self, text: impl Into<String>) {
        self.outbox.push_back(Output::Log(text.into()));
    }

    /// Answers `req` (a [`crate::Request`] or the owned [`crate::ReplyTo`]
    /// taken from one) with `payload`, a value serializing to an object
    /// with `type`.
    pub fn reply(&mut self, req: &impl Origin, payload: impl Serialize) {
        let (src, msg_id) = req.origin();
        self.emit(src, None, msg_id, &payload);
    }

    /// Answers `req` with an error body.
    pub fn reply_error(&mut self, req: &impl Origin, error: Error) {
        let (src, msg_id) = req.origin();
        self.emit(src, None, msg_id, &error);
    }

    /// Answers `req` with the payload, or with the error: what a callback
    /// that computed its answer with `?` hands over.
    pub fn reply_result<T: Serialize, E: Into<Error>>(
        &mut self,
        req: &impl Origin,
        result: Result<T, E>,
    ) {
        match result {
            Ok(payload) => self.reply(req, payload),
            Err(error) => self.reply_error(req, error.into()),
        }
    }

    /// Fire-and-forget: sends `payload` without a `msg_id`, expecting no reply.
    pub fn send(&mut self, dest: &str, payload: impl Serialize) {
        self.emit(dest, None, None, &payload);
    }

    /// Sends `payload` with a fresh `msg_id` and calls `then` exactly once: with
    /// the reply, or with [`RpcError::Timeout`] after `timeout` (in a timeout
    /// pass after the one that sent it, like [`Ctx::after`]; a huge timeout
    /// such as [`Duration::MAX`] means never time out). A reply arriving
    /// after that, or after [`Ctx::cancel_rpc`], is dropped with a log line
    /// and never reaches [`crate::Node::handle`]; nothing is kept once the
    /// RPC is settled or cancelled.
    pub fn rpc<O: Outcome>(
        &mut self,
        dest: &str,
        payload: impl Serialize,
        timeout: Duration,
        then: impl FnOnce(&mut N, &mut Ctx<N>, Result<Reply, RpcError>) -> O + 'static,
    ) -> RpcId {
        let payload = to_payload(&payload).map_err(|e| e.to_string());
        self.rpc_payload(dest, payload, timeout, then)
    }

    /// [`Ctx::rpc`] with the payload already built (or the reason it could
    /// not be: logged, and the RPC then times out like a lost one).
    pub(crate) fn rpc_payload<O: Outcome>(
        &mut self,
        dest: &str,
        payload: Result<Payload, String>,
        timeout: Duration,
        then: impl FnOnce(&mut N, &mut Ctx<N>, Result<Reply, RpcError>) -> O + 'static,
    ) -> RpcId {
        let msg_id = self.next_msg_id;
        self.next_msg_id += 1;
        // Saturating: a huge timeout (up to `Duration::MAX`) means never.
        let deadline = self.now.saturating_add(timeout);
        self.pending.insert(
            msg_id,
            PendingRpc {
                deadline,
                callback: Box::new(move |node, ctx, reply| then(node, ctx, reply).settle(ctx)),
            },
        );
        self.push_deadline(deadline, Due::Rpc(msg_id));
        match payload {
            Ok(payload) => self.emit_payload(dest, Some(msg_id), None, payload),
            Err(e) => self.log(format!("not sent to {dest}: {e}")),
        }
        RpcId(msg_id)
    }

    /// Forgets an outstanding RPC: its callback will never run. Returns
    /// whether it was still outstanding.
    pub fn cancel_rpc(&mut self, id: RpcId) -> bool {
        self.pending.remove(&id.0).is_some()
    }

    /// Number of RPCs still waiting for a reply.
    pub fn outstanding_rpcs(&self) -> usize {
        self.pending.len()
    }

    /// Runs `then` once, `delay` from now; a huge delay such as
    /// [`Duration::MAX`] means never. It fires in a timeout pass after
    /// the one that armed it, even when already due: a zero delay means "the
    /// next pass", so a timer re-armed from its own callback (with any delay)
    /// cannot keep a pass from ending.
    pub fn after<O: Outcome>(
        &mut self,
        delay: Duration,
        then: impl FnOnce(&mut N, &mut Ctx<N>) -> O + 'static,
    ) -> TimerId {
        let then = move |node: &mut N, ctx: &mut Ctx<N>| then(node, ctx).settle(ctx);
        self.add_timer(delay, TimerAction::Once(Box::new(then)))
    }

    /// Runs `tick` every `period` (at least 1 µs), first one `period` from
    /// now, until cancelled. Ticks stay on that grid (no drift); when a pass
    /// comes late, the timer ticks once and skips the grid instants it
    /// missed, rather than firing them back to back.
    pub fn every<O: Outcome>(
        &mut self,
        period: Duration,
        mut tick: impl FnMut(&mut N, &mut Ctx<N>) -> O + 'static,
    ) -> TimerId {
        let period = period.max(Duration::from_micros(1));
        let tick = move |node: &mut N, ctx: &mut Ctx<N>| tick(node, ctx).settle(ctx);
        self.add_timer(period, TimerAction::Every(period, Box::new(tick)))
    }

    /// Stops a timer; returns whether it was still active.
    pub fn cancel_timer(&mut self, id: TimerId) -> bool {
        self.timers.remove(&id).is_some()
    }

    fn add_timer(&mut self, delay: Duration, action: TimerAction<N>) -> TimerId {
        let id = TimerId(self.next_timer_id);
        self.next_timer_id += 1;
        // Saturating: a huge delay (up to `Duration::MAX`) means never.
        self.schedule_timer(id, self.now.saturating_add(delay), action);
        id
    }

    pub(crate) fn schedule_timer(&mut self, id: TimerId, due: Duration, action: TimerAction<N>) {
        self.timers.insert(
            id,
            Timer {
                due,
                action: Some(action),
            },
        );
        self.push_deadline(due, Due::Timer(id));
    }

    fn push_deadline(&mut self, at: Duration, due: Due) {
        let armed = self.pass;
        self.deadlines.push(Reverse(Deadline { at, due, armed }));
    }

    /// Drops stale heap heads and returns the earliest live deadline.
    pub(crate) fn next_deadline(&mut self) -> Option<Duration> {
        while let Some(Reverse(Deadline { at, due, .. })) = self.deadlines.peek().copied() {
            if self.is_live(at, due) {
                return Some(at);
            }
            self.deadlines.pop();
        }
        None
    }

    /// Starts a timeout pass: what is armed from now on waits for the next.
    pub(crate) fn begin_pass(&mut self) {
        self.pass += 1;
    }

    /// Pops the next live deadline due at `now` that was armed before this
    /// pass. Due ones armed during it are set aside in `deferred`, for
    /// [`Ctx::end_pass`] to put back.
    pub(crate) fn pop_due(&mut self, now: Duration, deferred: &mut Vec<Deadline>) -> Option<Due> {
        loop {
            let at = self.next_deadline()?;
            if at > now {
                return None;
            }
            let Reverse(entry) = self.deadlines.pop()?;
            if entry.armed < self.pass {
                return Some(entry.due);
            }
            deferred.push(entry);
        }
    }

    /// Ends a timeout pass: re-queues what [`Ctx::pop_due`] set aside.
    pub(crate) fn end_pass(&mut self, deferred: Vec<Deadline>) {
        self.deadlines.extend(deferred.into_iter().map(Reverse));
    }

    fn is_live(&self, at: Duration, due: Due) -> bool {
        match due {
            Due::Rpc(id) => self.pending.get(&id).is_some_and(|p| p.deadline == at),
            Due::Timer(id) => self.timers.get(&id).is_some_and(|t| t.due == at),
        }
    }

    pub(crate) fn emit(
        &mut self,
        dest: &str,
        msg_id: Option<u64>,
        in_reply_to: Option<u64>,
        payload: &impl Serialize,
    ) {
        match to_payload(payload) {
            Ok(payload) => self.emit_payload(dest, msg_id, in_reply_to, payload),
            Err(e) => self.log(format!("not sent to {dest}: {e}")),
        }
    }

    fn emit_payload(
        &mut self,
        dest: &str,
        msg_id: Option<u64>,
        in_reply_to: Option<u64>,
        mut payload: Payload,
    ) {
        // The correlation fields belong to the runtime: a payload carrying its
        // own (say a forwarded body) would otherwise duplicate them or put a
        // `null` on the wire.
        payload.remove("msg_id");
        payload.remove("in_reply_to");
        let envelope = Envelope {
            src: self.id.clone(),
            dest: dest.to_string(),
            body: Body {
                msg_id,
                in_reply_to,
                payload,
            },
        };
        match serde_json::to_string(&envelope) {
            Ok(line) => self.outbox.push_back(Output::Line(line)),
            Err(e) => self.log(format!("not sent to {dest}: {e}")),
        }
    }
}

/// The node and its context, shared with the node's async tasks through
/// [`crate::Handle`]: a task borrows them only inside [`crate::Handle::with`],
/// never across an `.await`, so no borrow is ever held while tasks run.
pub(crate) struct Core<N> {
    pub(crate) node: N,
    pub(crate) ctx: Ctx<N>,
    pub(crate) initialized: bool,
}
