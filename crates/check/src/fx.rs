//! A small, fast hasher (FxHash) for the checkers' maps, which are keyed by
//! interned integer ids and short strings: std's SipHash is made to resist
//! hostile keys and costs several times more on the millions of lookups a
//! large history needs.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub struct Fx(u64);

impl Fx {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        // A product's low bits depend only on the word's low bits, and
        // hashbrown picks buckets by the low bits: fold the high half in, or
        // (key, element) pairs that share an element all collide.
        self.0 ^ (self.0 >> 32)
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let mut w = [0u8; 8];
        let rest = chunks.remainder();
        w[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56));
    }
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64)
    }
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64)
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i)
    }
    fn write_i64(&mut self, i: i64) {
        self.add(i as u64)
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64)
    }
}

pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;
pub type FxSet<K> = HashSet<K, BuildHasherDefault<Fx>>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::Hash;

    /// Pairs packed as `a << 32 | b` that share `b` must not share buckets.
    #[test]
    fn packed_pairs_spread_over_the_low_bits() {
        let buckets: HashSet<u64> = (0..1024u64)
            .map(|a| {
                let mut h = Fx::default();
                ((a << 32) | 7).hash(&mut h);
                h.finish() & 1023
            })
            .collect();
        assert!(buckets.len() > 500, "{} distinct buckets", buckets.len());
    }
}
