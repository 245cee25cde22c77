//! [`Handle`], what async node code holds instead of `&mut Ctx`: cloneable,
//! `'static`, usable across `.await`s. Its awaitable effects — [`Rpc`],
//! [`Sleep`], [`Interval`], [`Timeout`] — are built on the callback API
//! ([`Ctx::rpc`], [`Ctx::after`]), so every ordering and timer guarantee of
//! the runtime holds for them too, and dropping one cancels what it waited
//! for. Node state is reached with [`Handle::with`], between awaits.

use crate::ctx::Core;
use crate::ctx::{Ctx, Reply, RpcError, RpcId, TimerId};
use crate::error::Error;
use crate::origin::Origin;
use crate::protocol::{to_payload, Payload};
use crate::runtime::next_tick;
use crate::task::LocalTask;
use serde::Serialize;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// Async access to a node's context and state. Get one from
/// [`Ctx::handle`]; clones are cheap and all refer to the same node.
pub struct Handle<N> {
    core: Weak<RefCell<Core<N>>>,
}

impl<N> Clone for Handle<N> {
    fn clone(&self) -> Self {
        Self {
            core: self.core.clone(),
        }
    }
}

impl<N> fmt::Debug for Handle<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Handle")
    }
}

impl<N: 'static> Handle<N> {
    pub(crate) fn new(core: Weak<RefCell<Core<N>>>) -> Self {
        Self { core }
    }

    /// Runs `f` on the node's state and context. This is how async code
    /// reads and changes the node between awaits; `f` cannot await, so no
    /// borrow is ever held across one.
    ///
    /// # Panics
    /// When called while the node is already borrowed — from inside another
    /// `with`, or synchronously from a handler or callback (use the `ctx`
    /// you were given there) — or after the runtime was dropped.
    pub fn with<R>(&self, f: impl FnOnce(&mut N, &mut Ctx<N>) -> R) -> R {
        let Some(core) = self.core.upgrade() else {
            panic!("Handle used after its node's runtime was dropped");
        };
        let Ok(mut core) = core.try_borrow_mut() else {
            panic!(
                "Handle::with called while the node is already borrowed: from inside \
                 another `with`, or from a handler or callback (use its `ctx` there)"
            );
        };
        let core = &mut *core;
        f(&mut core.node, &mut core.ctx)
    }

    /// [`Handle::with`] when the node is free, `None` otherwise: for `Drop`.
    fn try_with<R>(&self, f: impl FnOnce(&mut Ctx<N>) -> R) -> Option<R> {
        let core = self.core.upgrade()?;
        let mut core = core.try_borrow_mut().ok()?;
        Some(f(&mut core.ctx))
    }

    /// This node's id (empty before `init`).
    pub fn id(&self) -> String {
        self.with(|_, ctx| ctx.id().to_string())
    }

    /// Every server node id, this one included.
    pub fn node_ids(&self) -> Vec<String> {
        self.with(|_, ctx| ctx.node_ids().to_vec())
    }

    /// The other server nodes.
    pub fn peers(&self) -> Vec<String> {
        self.with(|_, ctx| ctx.peers().cloned().collect())
    }

    /// See [`Ctx::now`].
    pub fn now(&self) -> Duration {
        self.with(|_, ctx| ctx.now())
    }

    /// See [`Ctx::random_u64`].
    pub fn random_u64(&self) -> u64 {
        self.with(|_, ctx| ctx.random_u64())
    }

    /// See [`Ctx::log`].
    pub fn log(&self, text: impl Into<String>) {
        self.with(|_, ctx| ctx.log(text));
    }

    /// See [`Ctx::send`].
    pub fn send(&self, dest: &str, payload: impl Serialize) {
        self.with(|_, ctx| ctx.send(dest, payload));
    }

    /// See [`Ctx::reply`].
    pub fn reply(&self, req: &impl Origin, payload: impl Serialize) {
        self.with(|_, ctx| ctx.reply(req, payload));
    }

    /// See [`Ctx::reply_error`].
    pub fn reply_error(&self, req: &impl Origin, error: Error) {
        self.with(|_, ctx| ctx.reply_error(req, error));
    }

    /// See [`Ctx::spawn`].
    pub fn spawn<T: 'static>(&self, task: impl Future<Output = T> + 'static) -> JoinHandle<T> {
        self.with(|_, ctx| ctx.spawn(task))
    }

    /// Sends `payload` to `dest` as an RPC when first awaited, and resolves
    /// to the reply, or to [`RpcError::Timeout`] `timeout` later (a huge
    /// timeout such as [`Duration::MAX`] never fires). Dropping it before it
    /// resolves cancels the RPC: a reply that comes later is logged and
    /// dropped.
    pub fn rpc(&self, dest: &str, payload: impl Serialize, timeout: Duration) -> Rpc<N> {
        let payload = to_payload(&payload).map_err(|e| e.to_string());
        Rpc {
            handle: self.clone(),
            state: RpcState::Unsent {
                dest: dest.to_string(),
                payload,
                timeout,
            },
        }
    }

    /// Resolves `delay` after it is first awaited (see [`Ctx::after`] for
    /// when timers fire; [`Duration::MAX`] means never).
    pub fn sleep(&self, delay: Duration) -> Sleep<N> {
        Sleep::new(self.clone(), Wake::After(delay))
    }

    /// Resolves at instant `at` of [`Ctx::now`]'s clock (at once if past).
    pub fn sleep_until(&self, at: Duration) -> Sleep<N> {
        Sleep::new(self.clone(), Wake::At(at))
    }

    /// Ticks every `period` (at least 1 µs) on a fixed grid, like
    /// [`Ctx::every`]: the first tick one period after the first `tick()`.
    pub fn interval(&self, period: Duration) -> Interval<N> {
        Interval {
            handle: self.clone(),
            period: period.max(Duration::from_micros(1)),
            next: None,
        }
    }

    /// Runs `future` for at most `limit` (counted from the first poll);
    /// `Err(Elapsed)` if it did not finish, and then it is dropped
    /// (cancelling its RPCs and timers).
    pub fn timeout<F: Future>(&self, limit: Duration, future: F) -> Timeout<N, F> {
        Timeout {
            future: Box::pin(future),
            deadline: self.sleep(limit),
        }
    }
}

impl<N> Ctx<N> {
    /// A handle for async code: what [`Ctx`] offers, usable across
    /// `.await`s (see [`Handle`]).
    pub fn handle(&self) -> Handle<N>
    where
        N: 'static,
    {
        Handle::new(self.core.clone())
    }

    /// Starts an async task. It first runs right after the handler, callback
    /// or task that spawned it returns, before the runtime takes its next
    /// event, and from then on whenever what it awaits is ready. Awaiting the
    /// returned [`JoinHandle`] gives its output; dropping it lets the task
    /// run on (as in tokio); [`JoinHandle::abort`] stops it.
    pub fn spawn<T: 'static>(&mut self, task: impl Future<Output = T> + 'static) -> JoinHandle<T> {
        let (task, join) = crate::handle::joinable(task);
        self.spawned.push(task);
        join
    }

    /// Answers `req` with what the async `answer` returns, once it is done:
    /// its `Ok` payload, or its `Err` as an `error` body, so `?` inside
    /// `answer` sends the error to the client.
    pub fn respond<T: Serialize, E: Into<Error>>(
        &mut self,
        req: &impl Origin,
        answer: impl Future<Output = Result<T, E>> + 'static,
    ) where
        N: 'static,
    {
        let to = req.reply_to();
        let handle = self.handle();
        self.spawned.push(Box::pin(async move {
            let result = answer.await;
            handle.with(|_, ctx| ctx.reply_result(&to, result));
        }));
    }
}

/// A value filled in by a runtime callback, and the task waiting for it.
struct Slot<T> {
    value: Option<T>,
    waker: Option<Waker>,
    /// Its future was dropped but the callback could not be cancelled.
    abandoned: bool,
}

type SharedSlot<T> = Rc<RefCell<Slot<T>>>;

fn slot<T>() -> SharedSlot<T> {
    Rc::new(RefCell::new(Slot {
        value: None,
        waker: None,
        abandoned: false,
    }))
}

/// Fills `slot` and wakes its task; gives the value back if nobody waits
/// for it any more.
fn fill<T>(slot: &SharedSlot<T>, value: T) -> Result<(), T> {
    let mut slot = slot.borrow_mut();
    if slot.abandoned {
        return Err(value);
    }
    slot.value = Some(value);
    if let Some(waker) = slot.waker.take() {
        waker.wake();
    }
    Ok(())
}

/// Takes the value if it came, else registers the task to be woken.
fn take<T>(slot: &SharedSlot<T>, cx: &Context<'_>) -> Option<T> {
    let mut slot = slot.borrow_mut();
    let value = slot.value.take();
    if value.is_none() {
        slot.waker = Some(cx.waker().clone());
    }
    value
}

/// An RPC in flight; see [`Handle::rpc`].
pub struct Rpc<N: 'static> {
    handle: Handle<N>,
    state: RpcState,
}

type RpcResult = Result<Reply, RpcError>;

enum RpcState {
    Unsent {
        dest: String,
        payload: Result<Payload, String>,
        timeout: Duration,
    },
    Sent {
        id: RpcId,
        slot: SharedSlot<RpcResult>,
    },
    Done,
}

impl<N: 'static> Future for Rpc<N> {
    type Output = RpcResult;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RpcResult> {
        let this = self.get_mut();
        if let RpcState::Unsent { .. } = this.state {
            let RpcState::Unsent {
                dest,
                payload,
                timeout,
            } = std::mem::replace(&mut this.state, RpcState::Done)
            else {
                unreachable!("checked just above");
            };
            if let Err(e) = &payload {
                let text = format!("request to {dest} not sent: {e}");
                return Poll::Ready(Err(RpcError::Malformed(text)));
            }
            let slot = slot();
            let answer = slot.clone();
            let id = this.handle.with(|_, ctx| {
                ctx.rpc_payload(&dest, payload, timeout, move |_, ctx, result| {
                    if let Err(Ok(reply)) = fill(&answer, result) {
                        let src = reply.src;
                        ctx.log(format!("dropping reply from {src}: its future was dropped"));
                    }
                })
            });
            this.state = RpcState::Sent { id, slot };
        }
        match &this.state {
            RpcState::Sent { slot, .. } => match take(slot, cx) {
                Some(result) => {
                    this.state = RpcState::Done;
                    Poll::Ready(result)
                }
                None => Poll::Pending,
            },
            _ => panic!("Rpc polled after it resolved"),
        }
    }
}

impl<N: 'static> Drop for Rpc<N> {
    fn drop(&mut self) {
        if let RpcState::Sent { id, slot } = &self.state {
            let id = *id;
            if slot.borrow().value.is_none()
                && self.handle.try_with(|ctx| ctx.cancel_rpc(id)).is_none()
            {
                slot.borrow_mut().abandoned = true;
            }
        }
    }
}

enum Wake {
    After(Duration),
    At(Duration),
}

/// A timer; see [`Handle::sleep`].
pub struct Sleep<N: 'static> {
    handle: Handle<N>,
    wake: Option<Wake>,
    armed: Option<(TimerId, SharedSlot<()>)>,
}

impl<N: 'static> Sleep<N> {
    fn new(handle: Handle<N>, wake: Wake) -> Self {
        Self {
            handle,
            wake: Some(wake),
            armed: None,
        }
    }
}

impl<N: 'static> Future for Sleep<N> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if let Some(wake) = this.wake.take() {
            let slot = slot();
            let answer = slot.clone();
            let id = this.handle.with(|_, ctx| {
                let delay = match wake {
                    Wake::After(delay) => delay,
                    Wake::At(at) => at.saturating_sub(ctx.now()),
                };
                ctx.after(delay, move |_, _| {
                    let _ = fill(&answer, ());
                })
            });
            this.armed = Some((id, slot));
        }
        match &this.armed {
            Some((_, slot)) => match take(slot, cx) {
                Some(()) => {
                    this.armed = None;
                    Poll::Ready(())
                }
                None => Poll::Pending,
            },
            None => Poll::Ready(()),
        }
    }
}

impl<N: 'static> Drop for Sleep<N> {
    fn drop(&mut self) {
        if let Some((id, slot)) = &self.armed {
            let id = *id;
            if self.handle.try_with(|ctx| ctx.cancel_timer(id)).is_none() {
                slot.borrow_mut().abandoned = true;
            }
        }
    }
}

/// A periodic tick on a fixed grid; see [`Handle::interval`].
pub struct Interval<N: 'static> {
    handle: Handle<N>,
    period: Duration,
    next: Option<Duration>,
}

impl<N: 'static> Interval<N> {
    /// Waits for the next grid instant. After a late wake-up the missed
    /// instants are skipped, not fired back to back (as [`Ctx::every`]).
    pub async fn tick(&mut self) {
        let now = self.handle.now();
        let at = *self.next.get_or_insert(now.saturating_add(self.period));
        self.handle.sleep_until(at).await;
        self.next = Some(next_tick(at, self.period, self.handle.now()));
    }
}

/// [`Handle::timeout`]'s future.
pub struct Timeout<N: 'static, F: Future> {
    future: Pin<Box<F>>,
    deadline: Sleep<N>,
}

/// The limit of a [`Handle::timeout`] passed first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed;

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for Error {
    /// Indefinite: what was cut short may still have taken effect.
    fn from(_: Elapsed) -> Self {
        Error::new(crate::ErrorCode::Timeout, "deadline elapsed")
    }
}

impl<N: 'static, F: Future> Future for Timeout<N, F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Poll::Ready(value) = this.future.as_mut().poll(cx) {
            return Poll::Ready(Ok(value));
        }
        Pin::new(&mut this.deadline).poll(cx).map(|()| Err(Elapsed))
    }
}

/// What a spawned task and its [`JoinHandle`] share.
struct JoinState<T> {
    output: Option<T>,
    finished: bool,
    aborted: bool,
    joiner: Option<Waker>,
    task: Option<Waker>,
}

/// Owns a spawned task's output. Awaiting it gives `Some(output)`, or
/// `None` if the task was aborted; dropping it detaches the task, which
/// runs on.
pub struct JoinHandle<T> {
    state: Rc<RefCell<JoinState<T>>>,
}

impl<T> JoinHandle<T> {
    /// Stops the task at its next turn: it is dropped with everything it
    /// awaited (RPCs and timers cancelled) and never polled again.
    pub fn abort(&self) {
        let mut state = self.state.borrow_mut();
        state.aborted = true;
        if let Some(waker) = state.task.take() {
            waker.wake();
        }
    }

    /// Whether the task has finished (or was stopped by [`Self::abort`]).
    pub fn is_finished(&self) -> bool {
        self.state.borrow().finished
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut state = self.state.borrow_mut();
        if state.finished {
            return Poll::Ready(state.output.take());
        }
        state.joiner = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// A spawned future wrapped to report to its [`JoinHandle`].
struct Joinable<T> {
    future: Option<Pin<Box<dyn Future<Output = T>>>>,
    state: Rc<RefCell<JoinState<T>>>,
}

impl<T> Future for Joinable<T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let aborted = this.state.borrow().aborted;
        let output = match &mut this.future {
            Some(future) if !aborted => match future.as_mut().poll(cx) {
                Poll::Ready(output) => Some(output),
                Poll::Pending => {
                    this.state.borrow_mut().task = Some(cx.waker().clone());
                    return Poll::Pending;
                }
            },
            _ => None,
        };
        // Dropped before the state is borrowed: its `Drop`s may run code.
        this.future = None;
        let mut state = this.state.borrow_mut();
        state.output = output;
        state.finished = true;
        if let Some(joiner) = state.joiner.take() {
            joiner.wake();
        }
        Poll::Ready(())
    }
}

/// `future` as a task, and the handle on its output.
pub(crate) fn joinable<T: 'static>(
    future: impl Future<Output = T> + 'static,
) -> (LocalTask, JoinHandle<T>) {
    let state = Rc::new(RefCell::new(JoinState {
        output: None,
        finished: false,
        aborted: false,
        joiner: None,
        task: None,
    }));
    let task = Joinable {
        future: Some(Box::pin(future)),
        state: state.clone(),
    };
    (Box::pin(task), JoinHandle { state })
}
