//! The key stream Elle's generators draw from, shared by `kafka` and the
//! `txn-*` workloads: `--key-count` active keys with an exponential bias,
//! each written at most `--max-writes-per-key` times (values 1, 2, …), then
//! retired and replaced by a fresh key in the same slot. So every
//! (key, value) pair is unique, which is what lets the checkers tell who
//! wrote what.

use crate::rng::Rng;
use std::collections::HashMap;

/// Elle's default active key count (Maelstrom's `--key-count` has none).
pub const DEFAULT_KEY_COUNT: u64 = 10;

/// One micro-operation drawn from the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MicroOp {
    /// A read of a key.
    Read(u64),
    /// A write (append, send) of the key's next unique value.
    Write(u64, u64),
}

impl MicroOp {
    pub fn key(self) -> u64 {
        match self {
            MicroOp::Read(k) | MicroOp::Write(k, _) => k,
        }
    }
}

#[derive(Debug, Clone)]
pub struct KeyStream {
    active: Vec<u64>,
    next_value: HashMap<u64, u64>,
    max_writes: u64,
}

impl KeyStream {
    pub fn new(key_count: u64, max_writes_per_key: u64) -> Self {
        Self {
            active: (0..key_count.max(1)).collect(),
            next_value: HashMap::new(),
            max_writes: max_writes_per_key.max(1),
        }
    }

    /// Draws a read or a write with equal odds. The i-th active slot is
    /// 2^i times as likely as the first (Elle's `log_b(U + b) − 1`, b = 2),
    /// so with 10 keys the last slot takes about half the traffic. A write
    /// that finds its key exhausted retires it and draws again.
    pub fn next(&mut self, rng: &mut Rng) -> MicroOp {
        loop {
            let write = rng.below(2) == 1;
            let slot = self.slot(rng);
            let key = self.active[slot];
            if !write {
                return MicroOp::Read(key);
            }
            let value = self.next_value.get(&key).copied().unwrap_or(1);
            if value > self.max_writes {
                let fresh = self.active.iter().max().map_or(0, |m| m + 1);
                self.active[slot] = fresh;
                self.next_value.remove(&key);
                continue;
            }
            self.next_value.insert(key, value + 1);
            return MicroOp::Write(key, value);
        }
    }

    fn slot(&self, rng: &mut Rng) -> usize {
        let n = self.active.len();
        let scale = 2.0 * ((n as f64).exp2() - 1.0);
        let i = ((rng.unit() * scale + 2.0).log2() - 1.0).floor();
        (i.max(0.0) as usize).min(n - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_slots_are_exponentially_hotter() {
        let mut keys = KeyStream::new(10, u64::MAX);
        let mut rng = Rng::new(3);
        let mut counts = [0u32; 10];
        for _ in 0..100_000 {
            counts[keys.next(&mut rng).key() as usize] += 1;
        }
        // P(slot 9) = 512/1023 ≈ 0.50, P(slot 8) ≈ 0.25, P(slot 0) ≈ 0.001.
        assert!((48_000..52_000).contains(&counts[9]), "{counts:?}");
        assert!((23_500..26_500).contains(&counts[8]), "{counts:?}");
        assert!(counts[0] < 300, "{counts:?}");
    }

    #[test]
    fn keys_retire_after_their_last_write_and_values_are_unique() {
        let mut keys = KeyStream::new(2, 3);
        let mut rng = Rng::new(9);
        let mut seen = std::collections::HashSet::new();
        let mut max_key = 0;
        for _ in 0..1_000 {
            if let MicroOp::Write(k, v) = keys.next(&mut rng) {
                assert!((1..=3).contains(&v), "value {v}");
                assert!(seen.insert((k, v)), "({k}, {v}) written twice");
                max_key = max_key.max(k);
            }
        }
        // Each key takes three writes, so ~500 writes went through ~160 keys.
        assert!(max_key > 100, "only {max_key} keys used");
    }
}
