//! The simulated nodes and the nemesis's process faults on them: where a
//! node is paused (its messages held, its timers stopped), killed and
//! started again (a fresh node from the factory: memory gone), and where its
//! clock is offset or skewed (the time it is told is `offset + rate·t`).
//! Everything is driven by the bench's virtual time, so a seed replays the
//! faults exactly.

use super::{node_seed, NodeFactory, SimNode};
use crate::runner::NodeControl;
use glomers_node::Output;
use std::time::Duration;

/// One node's place in the simulation.
struct Slot {
    node: Box<dyn SimNode>,
    /// Lines that arrived while it was paused, handled when it resumes.
    held: Vec<String>,
    /// Paused, or killed and not started again: it runs nothing.
    paused: bool,
    /// Offset (ns) and rate of the clock it sees.
    offset_ns: i64,
    rate: f64,
    /// How many times it was started (for its seed).
    incarnation: u64,
}

/// The simulated cluster.
pub(super) struct Nodes<'a> {
    make: NodeFactory<'a>,
    seed: u64,
    slots: Vec<Slot>,
}

impl<'a> Nodes<'a> {
    pub(super) fn new(count: usize, seed: u64, make: NodeFactory<'a>) -> Self {
        let slots = (0..count)
            .map(|i| Slot {
                node: make(i, node_seed(seed, i)),
                held: Vec::new(),
                paused: false,
                offset_ns: 0,
                rate: 1.0,
                incarnation: 0,
            })
            .collect();
        Self { make, seed, slots }
    }

    pub(super) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Hands node `i` a line at bench time `now`; returns false when the
    /// node is paused and the line waits.
    pub(super) fn deliver(&mut self, i: usize, line: String, now: u64) -> bool {
        let slot = &mut self.slots[i];
        if slot.paused {
            slot.held.push(line);
            return false;
        }
        let t = slot.sees(now);
        slot.node.handle_line(&line, t);
        true
    }

    /// The earliest bench time at which a running node has a timer due.
    pub(super) fn next_deadline(&mut self) -> Option<u64> {
        self.slots
            .iter_mut()
            .filter(|s| !s.paused)
            .filter_map(|s| {
                let d = s.node.next_deadline()?;
                Some(s.bench_time(d))
            })
            .min()
    }

    /// Fires node `i`'s timers if any is due at `now`; returns whether it did.
    pub(super) fn fire_due(&mut self, i: usize, now: u64) -> bool {
        let slot = &mut self.slots[i];
        if slot.paused {
            return false;
        }
        let Some(deadline) = slot.node.next_deadline() else {
            return false;
        };
        if slot.bench_time(deadline) > now {
            return false;
        }
        // Never short of the deadline by a rounding of the clock mapping.
        let t = slot.sees(now).max(deadline);
        slot.node.handle_timeouts(t);
        true
    }

    pub(super) fn take_output(&mut self, i: usize) -> Vec<Output> {
        self.slots[i].node.take_output()
    }

    /// Applies one nemesis control at `now`; returns the node whose output
    /// must be forwarded (a resumed node handles what it missed at once).
    pub(super) fn apply(&mut self, control: NodeControl, now: u64) -> Option<usize> {
        match control {
            NodeControl::Pause(i) => self.slots[i].paused = true,
            NodeControl::Resume(i) => {
                let slot = &mut self.slots[i];
                slot.paused = false;
                let t = slot.sees(now);
                for line in std::mem::take(&mut slot.held) {
                    slot.node.handle_line(&line, t);
                }
                // Timers that fell due while it was stopped fire now.
                slot.node.handle_timeouts(t);
                return Some(i);
            }
            // Dead until started again: no timers, nothing handled (the
            // network already drops what is sent to it).
            NodeControl::Kill(i) => {
                let slot = &mut self.slots[i];
                slot.held.clear();
                slot.paused = true;
            }
            NodeControl::Start(i) => {
                let slot = &mut self.slots[i];
                slot.incarnation += 1;
                let seed = node_seed(self.seed ^ slot.incarnation.rotate_left(17), i);
                slot.node = (self.make)(i, seed);
                slot.held.clear();
                slot.paused = false;
            }
            NodeControl::Clock {
                node,
                offset_ns,
                rate,
            } => {
                let slot = &mut self.slots[node];
                slot.offset_ns = offset_ns;
                slot.rate = rate;
            }
        }
        None
    }
}

impl Slot {
    /// The time the node sees at bench time `t` (never before zero).
    fn sees(&self, t: u64) -> Duration {
        if self.offset_ns == 0 && self.rate == 1.0 {
            return Duration::from_nanos(t);
        }
        let seen = self.offset_ns as f64 + self.rate * t as f64;
        Duration::from_nanos(seen.max(0.0) as u64)
    }

    /// The bench time at which the node's clock reads `d` ("never" stays never).
    fn bench_time(&self, d: Duration) -> u64 {
        let ns = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        if ns == u64::MAX || (self.offset_ns == 0 && self.rate == 1.0) {
            return ns;
        }
        let t = ((ns as f64 - self.offset_ns as f64) / self.rate).ceil();
        if t >= u64::MAX as f64 {
            u64::MAX
        } else {
            t.max(0.0) as u64
        }
    }
}
