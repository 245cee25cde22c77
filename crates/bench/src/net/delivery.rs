//! When a consumer hands a message over: Maelstrom's delivery timing.
//!
//! Maelstrom's consumer thread (`maelstrom.net/recv!`) takes the queue head,
//! computes `dt = deadline - now` in milliseconds and calls
//! `Thread/sleep (long dt)`: the sleep is truncated to whole milliseconds,
//! so a message is handed over up to 1 ms *before* its deadline. Then the
//! JVM adds its own wake-up delays: the consumer waking from `poll` when a
//! message arrives, and oversleeping. Measured on real Maelstrom (3d
//! command, 25 nodes, 100 ms), node-to-node delays are 99.0–100.1 ms for
//! ~88 % of messages, with a tail to a few ms late — not the exact 100 ms of
//! an ideal network. A timing-sensitive node sends measurably more messages
//! under that spread (docs/bench.md).
//!
//! The truncation is Maelstrom's code, so it always applies. The wake-ups
//! depend on the machine; [`Jitter::Maelstrom`] (the default) draws them
//! from a distribution fitted to real Maelstrom runs, [`Jitter::None`] turns
//! them off for an idealised network. Jepsen's interpreter also wakes late
//! before each operation, which is why Maelstrom issues fewer operations
//! than `--rate` promises (~3 % at rate 100, ~11 % at rate 1000); the runner
//! draws that lateness too ([`Jitter::interpreter_lateness`]).

use crate::rng::Rng;

const MS: u64 = 1_000_000;

/// Wake-up delays of Maelstrom's consumer threads (`--jitter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Jitter {
    /// Draw wake-up delays as measured on real Maelstrom.
    #[default]
    Maelstrom,
    /// No wake-up delays: a consumer acts at the very instant it could.
    None,
}

impl Jitter {
    /// The flag value naming this model (`--jitter NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Jitter::Maelstrom => "maelstrom",
            Jitter::None => "none",
        }
    }

    /// One thread wake-up delay, in nanoseconds: usually ~0.15 ms, and one
    /// time in ten a longer stall (scheduling, GC) of ~1.3 ms on average.
    pub fn wake_up(self, rng: &mut Rng) -> u64 {
        match self {
            Jitter::None => 0,
            Jitter::Maelstrom => {
                let exp = |rng: &mut Rng, mean_ns: f64| -(1.0 - rng.unit()).ln() * mean_ns;
                let mut ns = exp(rng, 0.15 * MS as f64);
                if rng.unit() < 0.1 {
                    ns += exp(rng, 1.3 * MS as f64);
                }
                ns as u64
            }
        }
    }

    /// How late Jepsen's interpreter issues an operation it waited `wait_ns`
    /// for: ~0.1 ms of wake-up plus 1.8 % of the wait, plus the workload's
    /// own generator work (`generator_ns`, a mean; see
    /// `Workload::generator_cost_ns`). Fitted to real Maelstrom's mean gap
    /// between invocations: 10.28 ms at `--rate 100` (3d and counter
    /// commands), 1.117 ms at `--rate 1000` (unique-ids).
    pub fn interpreter_lateness(self, rng: &mut Rng, wait_ns: u64, generator_ns: u64) -> u64 {
        match self {
            Jitter::None => 0,
            Jitter::Maelstrom => {
                let exp = |rng: &mut Rng, mean_ns: f64| -(1.0 - rng.unit()).ln() * mean_ns;
                let wake = exp(rng, 0.1 * MS as f64);
                let generator = if generator_ns > 0 {
                    exp(rng, generator_ns as f64)
                } else {
                    0.0
                };
                (wake + generator) as u64 + wait_ns / 1000 * 18
            }
        }
    }

    /// When a consumer that took a message off its queue at `taken` hands
    /// it over: an `idle` consumer (blocked on an empty queue) first wakes
    /// up — a busy one finds the message at once — then it sleeps the whole
    /// milliseconds left until `deadline` (if any), wakes again, delivers.
    pub fn hand_over(self, rng: &mut Rng, taken: u64, deadline: u64, idle: bool) -> u64 {
        let awake = if idle {
            taken.saturating_add(self.wake_up(rng))
        } else {
            taken
        };
        if deadline <= awake {
            return awake;
        }
        let sleep = (deadline - awake) / MS * MS;
        if sleep == 0 {
            return awake;
        }
        awake + sleep + self.wake_up(rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleeps_are_truncated_to_whole_milliseconds() {
        let mut rng = Rng::new(1);
        let j = Jitter::None;
        // Taken the instant it was sent: the full 100 ms.
        assert_eq!(j.hand_over(&mut rng, 0, 100 * MS, true), 100 * MS);
        // Taken 0.3 ms later (behind another message): 99 ms of sleep, so
        // it is handed over 0.7 ms early.
        assert_eq!(
            j.hand_over(&mut rng, 300_000, 100 * MS, false),
            300_000 + 99 * MS
        );
        // Less than a millisecond left: no sleep at all.
        assert_eq!(
            j.hand_over(&mut rng, 99_500_000, 100 * MS, false),
            99_500_000
        );
        // Already due.
        assert_eq!(j.hand_over(&mut rng, 120 * MS, 100 * MS, false), 120 * MS);
        // A busy consumer finds a due message at once, even with jitter.
        let m = Jitter::Maelstrom;
        assert_eq!(m.hand_over(&mut rng, 120 * MS, 100 * MS, false), 120 * MS);
    }

    #[test]
    fn interpreter_lateness_matches_the_measured_gaps() {
        let mut rng = Rng::new(3);
        let mean_gap = |mean_ms: f64, rng: &mut Rng| {
            let n = 20_000;
            let total: f64 = (0..n)
                .map(|_| {
                    let wait = (rng.unit() * 2.0 * mean_ms * MS as f64) as u64;
                    (wait + Jitter::Maelstrom.interpreter_lateness(rng, wait, 0)) as f64
                })
                .sum();
            total / n as f64 / MS as f64
        };
        let at_100 = mean_gap(10.0, &mut rng);
        let at_1000 = mean_gap(1.0, &mut rng);
        assert!((at_100 - 10.28).abs() < 0.1, "rate 100: {at_100}");
        assert!((at_1000 - 1.117).abs() < 0.02, "rate 1000: {at_1000}");
        assert_eq!(Jitter::None.interpreter_lateness(&mut rng, 5 * MS, MS), 0);
    }

    #[test]
    fn maelstrom_jitter_matches_the_measured_spread() {
        let mut rng = Rng::new(7);
        let mut delays: Vec<f64> = (0..20_000)
            .map(|_| Jitter::Maelstrom.hand_over(&mut rng, 0, 100 * MS, true) as f64 / MS as f64)
            .collect();
        delays.sort_by(f64::total_cmp);
        let q = |p: f64| delays[(p * delays.len() as f64) as usize];
        // An idle consumer wakes from poll, sleeps 99 whole ms, wakes again.
        assert!(q(0.0) >= 99.0 && q(0.5) < 99.6, "p50 {}", q(0.5));
        assert!(q(0.99) > 100.5, "a tail: p99 {}", q(0.99));
    }
}
