//! [`Runtime`], the sans-IO core that runs a [`Node`]: it is fed input lines
//! and the current time, and yields [`Output`]s and its next deadline. It
//! answers `init`, routes replies to waiting RPCs, fires timers, decodes
//! requests, turns handler errors into `error` replies, and after every
//! event runs the node's async tasks (on its own executor) until they wait
//! again. The stdio driver and the bench's simulation both drive this same
//! state machine.

use crate::ctx::{Core, Ctx, Due, Output, Reply, RpcError, TimerAction};
use crate::error::Error;
use crate::protocol::{parse_line, Envelope, Init, InitOk};
use crate::task::Tasks;
use crate::{Node, Request};
use std::cell::{Ref, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

/// A node plus its context and tasks, driven by events.
pub struct Runtime<N: Node> {
    core: Rc<RefCell<Core<N>>>,
    tasks: Tasks,
    /// The outbox drained last, swapped back in empty: outputs are handed
    /// over without a fresh allocation per event.
    spare: VecDeque<Output>,
}

impl<N: Node> Runtime<N> {
    /// `seed` feeds [`Ctx::random_u64`].
    pub fn new(node: N, seed: u64) -> Self {
        let core = Rc::new_cyclic(|core| {
            RefCell::new(Core {
                node,
                ctx: Ctx::new(seed, core.clone()),
                initialized: false,
            })
        });
        Self {
            core,
            tasks: Tasks::default(),
            spare: VecDeque::new(),
        }
    }

    pub fn node(&self) -> Ref<'_, N> {
        Ref::map(self.core.borrow(), |core| &core.node)
    }

    pub fn ctx(&self) -> Ref<'_, Ctx<N>> {
        Ref::map(self.core.borrow(), |core| &core.ctx)
    }

    /// Async tasks spawned and not finished yet.
    pub fn pending_tasks(&self) -> usize {
        self.tasks.len()
    }

    /// Handles one raw input line. A line that is not a valid message is
    /// reported in the log, with the line, and otherwise ignored.
    pub fn handle_line(&mut self, line: &str, now: Duration) {
        self.core.borrow_mut().handle_line(line, now);
        self.run_tasks();
    }

    /// Handles one parsed message. A reply (a body with `in_reply_to`) goes to
    /// the RPC waiting for it; one that no RPC waits for (it timed out, was
    /// cancelled or never existed) is dropped with a log line and never
    /// reaches [`Node::handle`], which only sees requests.
    pub fn handle_message(&mut self, msg: Envelope, now: Duration) {
        self.core.borrow_mut().handle_message(msg, now);
        self.run_tasks();
    }

    /// Fires every RPC timeout and timer due at `now`, in deadline order.
    /// Every callback sees [`Ctx::now`] = `now`, not its own deadline: when
    /// the driver calls this late, what a callback starts (a retry, the next
    /// timer) is still timed from the real current time, so a fresh RPC gets
    /// its whole timeout instead of expiring in the pass that sent it.
    ///
    /// Only what was armed before this pass fires in it; what a callback arms
    /// waits for the next pass even if already due (see [`Ctx::after`]), so
    /// every pass ends. A driver calls this again while
    /// [`Runtime::next_deadline`] is not after `now`.
    pub fn handle_timeouts(&mut self, now: Duration) {
        self.core.borrow_mut().handle_timeouts(now);
        self.run_tasks();
    }

    /// The earliest instant at which [`Runtime::handle_timeouts`] has work.
    pub fn next_deadline(&mut self) -> Option<Duration> {
        self.core.borrow_mut().ctx.next_deadline()
    }

    /// Takes the next queued output.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.core.borrow_mut().ctx.outbox.pop_front()
    }

    /// Takes every queued output.
    pub fn drain_output(&mut self) -> impl Iterator<Item = Output> + '_ {
        self.spare.clear();
        std::mem::swap(&mut self.core.borrow_mut().ctx.outbox, &mut self.spare);
        self.spare.drain(..)
    }

    /// Polls every task that can make progress, oldest wake-up first, until
    /// all of them wait again. Tasks spawned meanwhile join the queue after
    /// the tasks already in it. No borrow of the core is held here: a task
    /// takes one inside [`crate::Handle::with`] and gives it back before
    /// its next `.await`.
    fn run_tasks(&mut self) {
        loop {
            let spawned = std::mem::take(&mut self.core.borrow_mut().ctx.spawned);
            for task in spawned {
                self.tasks.add(task);
            }
            if !self.tasks.poll_next() && self.core.borrow().ctx.spawned.is_empty() {
                return;
            }
        }
    }
}

impl<N: Node> Core<N> {
    fn handle_line(&mut self, line: &str, now: Duration) {
        if line.trim().is_empty() {
            return;
        }
        match parse_line(line) {
            Ok(envelope) => self.handle_message(envelope, now),
            Err(e) => self
                .ctx
                .log(format!("ignoring malformed input line ({e}): {line}")),
        }
    }

    fn handle_message(&mut self, msg: Envelope, now: Duration) {
        self.advance(now);
        let kind = msg.body.kind().to_string();
        if let Some(pending) = msg
            .body
            .in_reply_to
            .and_then(|id| self.ctx.pending.remove(&id))
        {
            let result = if kind == "error" {
                match msg.body.decode::<Error>() {
                    Ok(e) => Err(RpcError::Remote(e)),
                    Err(e) => Err(RpcError::Malformed(e.to_string())),
                }
            } else {
                Ok(Reply {
                    src: msg.src,
                    body: msg.body,
                })
            };
            return (pending.callback)(&mut self.node, &mut self.ctx, result);
        }
        if kind == "init" {
            // The runtime's own message; its `in_reply_to`, if any, means nothing.
            return self.handle_init(msg);
        }
        if let Some(id) = msg.body.in_reply_to {
            // Its RPC already settled (with `Timeout`) or was cancelled: its
            // callback ran or never will, and a reply is no request.
            return self.ctx.log(format!(
                "dropping late reply {kind} from {} to msg {id}: no RPC waits for it",
                msg.src
            ));
        }
        // A bare `error` is still a reply of sorts: never answer it.
        let is_reply = kind == "error";
        let request = Request {
            src: msg.src,
            msg_id: msg.body.msg_id,
            body: (),
        };
        if !self.initialized {
            // Our id is not known yet; answer as the id the message was sent to.
            return self.refuse_as(
                &msg.dest,
                &request,
                is_reply,
                Error::unavailable("node not initialised yet"),
            );
        }
        match serde_json::from_value::<N::Msg>(serde_json::Value::Object(msg.body.payload)) {
            Ok(body) => {
                let request = Request {
                    src: request.src,
                    msg_id: request.msg_id,
                    body,
                };
                let (src, msg_id) = (request.src.clone(), request.msg_id);
                if let Err(error) = self.node.handle(&mut self.ctx, request) {
                    let origin = Request {
                        src,
                        msg_id,
                        body: (),
                    };
                    // Never answer a reply, even one the node accepted.
                    self.refuse(&origin, is_reply, error);
                }
            }
            Err(e) if is_reply => self.ctx.log(format!(
                "dropping unexpected {kind} from {}: {e}",
                request.src
            )),
            Err(e) => {
                let error = if Self::is_unsupported_type(&kind) {
                    Error::not_supported(format!("unsupported message type {kind:?}"))
                } else {
                    Error::malformed(format!("bad {kind} request: {e}"))
                };
                self.refuse(&request, false, error);
            }
        }
    }

    /// Whether `kind` is not a message type `N::Msg` knows. Decoding a body
    /// holding nothing but its `type` fails with "unknown variant" only for
    /// an unknown tag (a known one fails on missing fields at most), whereas
    /// the full body may fail that way because of a bad enum-typed field.
    fn is_unsupported_type(kind: &str) -> bool {
        if kind.is_empty() {
            return true;
        }
        let mut only_type = serde_json::Map::new();
        only_type.insert("type".into(), serde_json::Value::String(kind.into()));
        match serde_json::from_value::<N::Msg>(serde_json::Value::Object(only_type)) {
            Ok(_) => false,
            Err(e) => e.to_string().contains("unknown variant"),
        }
    }

    fn handle_timeouts(&mut self, now: Duration) {
        self.advance(now);
        self.ctx.begin_pass();
        let mut deferred = Vec::new();
        while let Some(due) = self.ctx.pop_due(now, &mut deferred) {
            match due {
                Due::Rpc(id) => {
                    if let Some(pending) = self.ctx.pending.remove(&id) {
                        (pending.callback)(&mut self.node, &mut self.ctx, Err(RpcError::Timeout));
                    }
                }
                Due::Timer(id) => self.fire_timer(id),
            }
        }
        self.ctx.end_pass(deferred);
    }

    fn advance(&mut self, now: Duration) {
        self.ctx.now = self.ctx.now.max(now);
    }

    fn fire_timer(&mut self, id: crate::TimerId) {
        let Some(timer) = self.ctx.timers.get_mut(&id) else {
            return;
        };
        let due = timer.due;
        let Some(action) = timer.action.take() else {
            return;
        };
        match action {
            TimerAction::Once(callback) => {
                self.ctx.timers.remove(&id);
                callback(&mut self.node, &mut self.ctx);
            }
            TimerAction::Every(period, mut tick) => {
                tick(&mut self.node, &mut self.ctx);
                // Still registered unless the tick cancelled it.
                if self.ctx.timers.contains_key(&id) {
                    let next = next_tick(due, period, self.ctx.now);
                    self.ctx
                        .schedule_timer(id, next, TimerAction::Every(period, tick));
                }
            }
        }
    }

    fn handle_init(&mut self, msg: Envelope) {
        let dest = msg.dest;
        let request = Request {
            src: msg.src,
            msg_id: msg.body.msg_id,
            body: (),
        };
        match msg.body.decode::<Init>() {
            Ok(init) if self.initialized => {
                self.ctx.log(format!(
                    "init received again ({init:?}); keeping the first one"
                ));
                self.answer_init(&request);
            }
            Ok(init) => {
                self.ctx.id = init.node_id;
                self.ctx.node_ids = init.node_ids;
                self.initialized = true;
                self.answer_init(&request);
                self.node.on_init(&mut self.ctx);
            }
            Err(e) => {
                // A reply no RPC waits for is never answered, not even here.
                let is_reply = msg.body.in_reply_to.is_some();
                let error = Error::malformed(format!("bad init: {e}"));
                if self.initialized {
                    self.refuse(&request, is_reply, error);
                } else {
                    self.refuse_as(&dest, &request, is_reply, error);
                }
            }
        }
    }

    /// Sends `init_ok`, if the `init` carried a `msg_id` to answer.
    fn answer_init(&mut self, request: &Request<()>) {
        if request.msg_id.is_some() {
            self.ctx.reply(request, InitOk {});
        } else {
            self.ctx.log(format!(
                "init from {} has no msg_id; not answering",
                request.src
            ));
        }
    }

    /// Answers a request with `error`, unless it was itself a reply (answering
    /// those could make two nodes bounce errors forever) or carried no `msg_id`.
    fn refuse(&mut self, request: &Request<()>, is_reply: bool, error: Error) {
        if is_reply || request.msg_id.is_none() {
            self.ctx.log(format!(
                "not answering {} with {error}: it expects no reply",
                request.src
            ));
        } else {
            self.ctx.reply_error(request, error);
        }
    }

    /// [`Self::refuse`] before `init`, when our own id is still unknown:
    /// answers from `own_id`, the id the request was addressed to (an empty
    /// `src` would make Maelstrom stop reading our output).
    fn refuse_as(&mut self, own_id: &str, request: &Request<()>, is_reply: bool, error: Error) {
        let id = std::mem::replace(&mut self.ctx.id, own_id.to_string());
        self.refuse(request, is_reply, error);
        self.ctx.id = id;
    }
}

/// The first instant of a periodic timer's grid (`due + k·period`, k ≥ 1)
/// after `now`: the schedule never drifts, and ticks missed by a late pass
/// are skipped rather than fired back to back at the same instant.
pub(crate) fn next_tick(due: Duration, period: Duration, now: Duration) -> Duration {
    let next = due.saturating_add(period);
    if next > now {
        return next;
    }
    // `period` is at least 1 µs (see `Ctx::every`), so this divides safely.
    let behind = (now - due).as_nanos() % period.as_nanos();
    now.saturating_add(period - nanos(behind))
}

/// `ns` nanoseconds, saturating at [`Duration::MAX`].
fn nanos(ns: u128) -> Duration {
    const PER_SEC: u128 = 1_000_000_000;
    match u64::try_from(ns / PER_SEC) {
        Ok(secs) => Duration::new(secs, (ns % PER_SEC) as u32),
        Err(_) => Duration::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::next_tick;
    use std::time::Duration;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn next_tick_keeps_the_grid_skips_missed_instants_and_saturates() {
        assert_eq!(next_tick(ms(100), ms(100), ms(100)), ms(200));
        assert_eq!(next_tick(ms(100), ms(100), ms(150)), ms(200));
        assert_eq!(next_tick(ms(100), ms(100), ms(200)), ms(300));
        assert_eq!(next_tick(ms(100), ms(100), ms(1_050)), ms(1_100));
        let max = Duration::MAX;
        assert_eq!(next_tick(ms(5), max, ms(10)), max);
        assert_eq!(next_tick(max, ms(1), max), max);
        assert_eq!(next_tick(ms(0), max, max), max);
    }
}
