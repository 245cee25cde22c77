//! The executor behind async nodes: a single-threaded run queue of boxed
//! futures owned by the [`crate::Runtime`]. No threads, no clock, no I/O —
//! a task only ever waits on what the runtime itself delivers (an RPC reply,
//! a timer, another task), so the runtime polls tasks right after each event
//! and a seed replays byte for byte. Tasks are polled in the order they
//! were woken (first spawned, first polled), and a task woken twice before
//! its turn is polled once.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Wake, Waker};

/// A task as the executor holds it.
pub(crate) type LocalTask = Pin<Box<dyn Future<Output = ()>>>;

/// Where a task lives: its slab slot, and which occupant of the slot it is
/// (a slot is reused once its task finishes; a stale wake-up must not poll
/// the newcomer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TaskKey {
    slot: usize,
    generation: u64,
}

/// Task keys woken and not yet polled, in wake order.
type Ready = Arc<Mutex<VecDeque<TaskKey>>>;

/// Wakes one task by queueing its key, once until it is polled. `Waker`
/// must be `Send + Sync`, hence the atomics although only one thread ever
/// touches them.
struct TaskWaker {
    key: TaskKey,
    queued: AtomicBool,
    ready: Ready,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::Relaxed) {
            // A poisoned lock only means a waker panicked mid-push; the
            // queue is still a valid queue.
            let mut ready = self.ready.lock().unwrap_or_else(PoisonError::into_inner);
            ready.push_back(self.key);
        }
    }
}

struct Live {
    task: LocalTask,
    waker: Arc<TaskWaker>,
    generation: u64,
}

/// The tasks of one runtime.
#[derive(Default)]
pub(crate) struct Tasks {
    slots: Vec<Option<Live>>,
    free: Vec<usize>,
    generation: u64,
    live: usize,
    ready: Ready,
}

impl Tasks {
    /// Adds a task, ready for its first poll.
    pub(crate) fn add(&mut self, task: LocalTask) {
        self.generation += 1;
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            self.slots.len() - 1
        });
        let key = TaskKey {
            slot,
            generation: self.generation,
        };
        let waker = Arc::new(TaskWaker {
            key,
            queued: AtomicBool::new(false),
            ready: self.ready.clone(),
        });
        waker.wake_by_ref();
        self.slots[slot] = Some(Live {
            task,
            waker,
            generation: self.generation,
        });
        self.live += 1;
    }

    /// Polls the task woken longest ago, if any; returns whether there was
    /// one. A finished task is dropped, and with it whatever it still waited
    /// for (its RPCs and timers are cancelled by their futures' `Drop`).
    pub(crate) fn poll_next(&mut self) -> bool {
        let next = self
            .ready
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front();
        let Some(key) = next else {
            return false;
        };
        let slot = &mut self.slots[key.slot];
        // Woken after it finished (its slot empty or reused): nothing to do.
        if slot.as_ref().map(|live| live.generation) != Some(key.generation) {
            return true;
        }
        // Out of the slab while it runs: a panic drops it, and it may spawn.
        let Some(mut live) = slot.take() else {
            return true;
        };
        live.waker.queued.store(false, Ordering::Relaxed);
        let waker = Waker::from(live.waker.clone());
        if live
            .task
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
        {
            self.slots[key.slot] = Some(live);
        } else {
            self.free.push(key.slot);
            self.live -= 1;
        }
        true
    }

    /// Tasks not finished yet.
    pub(crate) fn len(&self) -> usize {
        self.live
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
        let mut polls = 0;
        while tasks.poll_next() {
            polls += 1;
        }
        assert_eq!(*log.borrow(), ["a1", "b1", "a2", "b2"]);
        assert_eq!((tasks.len(), polls), (0, 4));
    }

    #[test]
    fn a_stale_wake_up_does_not_poll_the_task_reusing_the_slot() {
        let mut tasks = Tasks::default();
        let stale: Rc<RefCell<Option<Waker>>> = Rc::default();
        let keep = stale.clone();
        tasks.add(Box::pin(std::future::poll_fn(move |cx| {
            *keep.borrow_mut() = Some(cx.waker().clone());
            Poll::Ready(())
        })));
        while tasks.poll_next() {}
        let polled = Rc::new(RefCell::new(0));
        let count = polled.clone();
        tasks.add(Box::pin(std::future::poll_fn(move |_| {
            *count.borrow_mut() += 1;
            Poll::<()>::Pending
        })));
        while tasks.poll_next() {}
        stale.borrow_mut().take().expect("kept").wake();
        while tasks.poll_next() {}
        assert_eq!(
            *polled.borrow(),
            1,
            "the newcomer was polled once, at its start"
        );
    }
}
