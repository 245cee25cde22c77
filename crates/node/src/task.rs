//! The executor behind async nodes: a single-threaded run queue of boxed
//! futures owned by the [`crate::Runtime`]. No threads, no clock, no I/O —
//! a task only ever waits on what the runtime itself delivers (an RPC reply,
//! a timer, another task), so the runtime polls tasks right after each event
//! and a seed replays byte for byte. Tasks are polled in the order they
//! were woken (first spawned, first polled), and a task woken twice before
//! its turn is polled once.

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Wake, Waker};

/// A task as the executor holds it.
pub(crate) type LocalTask = Pin<Box<dyn Future<Output = ()>>>;

/// Task ids woken and not yet polled, in wake order, each once.
#[derive(Default)]
struct ReadyQueue {
    order: VecDeque<u64>,
    queued: HashSet<u64>,
}

type Ready = Arc<Mutex<ReadyQueue>>;

fn push(ready: &Ready, id: u64) {
    // A poisoned lock only means a waker panicked mid-push; the queue is
    // still a valid queue.
    let mut queue = ready.lock().unwrap_or_else(PoisonError::into_inner);
    if queue.queued.insert(id) {
        queue.order.push_back(id);
    }
}

/// Wakes one task by queueing its id. `Waker` must be `Send + Sync`, hence
/// the `Arc<Mutex<…>>` although only one thread ever touches it.
struct TaskWaker {
    id: u64,
    ready: Ready,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        push(&self.ready, self.id);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        push(&self.ready, self.id);
    }
}

/// The tasks of one runtime.
#[derive(Default)]
pub(crate) struct Tasks {
    live: HashMap<u64, (LocalTask, Waker)>,
    next_id: u64,
    ready: Ready,
}

impl Tasks {
    /// Adds a task, ready for its first poll.
    pub(crate) fn add(&mut self, task: LocalTask) {
        let id = self.next_id;
        self.next_id += 1;
        let waker = Waker::from(Arc::new(TaskWaker {
            id,
            ready: self.ready.clone(),
        }));
        self.live.insert(id, (task, waker));
        push(&self.ready, id);
    }

    /// Polls the task woken longest ago, if any; returns whether there was
    /// one. A finished task is dropped, and with it whatever it still waited
    /// for (its RPCs and timers are cancelled by their futures' `Drop`).
    pub(crate) fn poll_next(&mut self) -> bool {
        let next = {
            let mut queue = self.ready.lock().unwrap_or_else(PoisonError::into_inner);
            let next = queue.order.pop_front();
            if let Some(id) = next {
                queue.queued.remove(&id);
            }
            next
        };
        let Some(id) = next else {
            return false;
        };
        // Woken after it finished: nothing to do.
        let Some((mut task, waker)) = self.live.remove(&id) else {
            return true;
        };
        // Out of the map while it runs: a panic drops it, and it may spawn.
        if task
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
        {
            self.live.insert(id, (task, waker));
        }
        true
    }

    /// Tasks not finished yet.
    pub(crate) fn len(&self) -> usize {
        self.live.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::task::Poll;

    /// Pending on its first poll (waking itself), done on its second.
    struct YieldOnce(bool);

    impl Future for YieldOnce {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                return Poll::Ready(());
            }
            self.0 = true;
            cx.waker().wake_by_ref();
            cx.waker().wake_by_ref(); // twice: still polled once
            Poll::Pending
        }
    }

    #[test]
    fn tasks_run_in_wake_order_and_finish() {
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut tasks = Tasks::default();
        for name in ["a", "b"] {
            let log = log.clone();
            tasks.add(Box::pin(async move {
                log.borrow_mut().push(format!("{name}1"));
                YieldOnce(false).await;
                log.borrow_mut().push(format!("{name}2"));
            }));
        }
        while tasks.poll_next() {}
        assert_eq!(*log.borrow(), ["a1", "b1", "a2", "b2"]);
        assert_eq!(tasks.len(), 0);
    }
}
