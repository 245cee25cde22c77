//! Challenge 5 (5a–5c), a Kafka-style log: per key an append-only log where
//! `send` assigns each message a unique offset, increasing in send order,
//! and `poll` returns a contiguous run of it from a requested offset.
//!
//! Three nodes, one per step (see `docs/05-kafka.md`):
//! - [`single`] (5a): one node, a `Vec` per key, everything in memory;
//! - [`lin_kv`] (5b): every message in its own `lin-kv` slot, claimed with
//!   one create-only CAS; correct for any node count, not cheap;
//! - [`leader`] (5c): the first node numbers every message; the others send
//!   it their clients' messages in one batch per period and learn the
//!   offsets from its answer, which also replicates its log.
//!
//! What the checker demands of all three (Maelstrom's kafka checker is Elle
//! over write→read and realtime edges): a poll's run must be a contiguous
//! piece of the key's final order (no later message may land below it, no
//! message may be skipped), and an acknowledged send must be ordered after
//! every send acknowledged, and everything any poll returned, before it
//! began. Unique offsets increasing on each node are not enough for the
//! second rule.

pub mod leader;
pub mod lin_kv;
pub mod single;

use serde_json::Value;
use std::collections::BTreeMap;

/// What a `poll_ok` carries: per key, `[offset, message]` pairs.
pub type Polled = BTreeMap<String, Vec<(u64, Value)>>;

/// Every key's messages by offset. Offsets may be sparse (5c's are).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Logs {
    keys: BTreeMap<String, BTreeMap<u64, Value>>,
}

impl Logs {
    /// Stores `msg` at `offset`; false (and nothing changes) if that offset
    /// of `key` is taken already.
    pub fn insert(&mut self, key: &str, offset: u64, msg: Value) -> bool {
        let log = self.keys.entry(key.to_string()).or_default();
        match log.entry(offset) {
            std::collections::btree_map::Entry::Occupied(_) => false,
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(msg);
                true
            }
        }
    }

    /// The message at `offset` of `key`, if stored.
    pub fn get(&self, key: &str, offset: u64) -> Option<&Value> {
        self.keys.get(key)?.get(&offset)
    }

    /// The highest offset stored for `key`.
    pub fn last_offset(&self, key: &str) -> Option<u64> {
        self.keys.get(key)?.keys().next_back().copied()
    }

    /// Per requested key, every stored message from the requested offset up
    /// to (not including) `below`; keys with nothing are left out. No cap per
    /// key: the workload writes at most `--max-writes-per-key` (16) messages
    /// per key, and one long run is what lets a consumer catch up in one poll.
    pub fn poll(&self, offsets: &BTreeMap<String, u64>, below: u64) -> Polled {
        offsets
            .iter()
            .filter_map(|(key, &from)| {
                let log = self.keys.get(key)?;
                let run: Vec<(u64, Value)> = log
                    .range(from..below.max(from))
                    .map(|(o, m)| (*o, m.clone()))
                    .collect();
                (!run.is_empty()).then(|| (key.clone(), run))
            })
            .collect()
    }

    /// Number of messages stored, all keys together.
    pub fn len(&self) -> usize {
        self.keys.values().map(BTreeMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Committed offsets: per key the highest one any client committed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Committed {
    offsets: BTreeMap<String, u64>,
}

impl Committed {
    /// Records `offset` for `key`; true if it raised the key's offset.
    pub fn commit(&mut self, key: &str, offset: u64) -> bool {
        match self.offsets.get_mut(key) {
            Some(old) if *old >= offset => false,
            Some(old) => {
                *old = offset;
                true
            }
            None => {
                self.offsets.insert(key.to_string(), offset);
                true
            }
        }
    }

    /// The committed offsets of `keys`; keys never committed are left out.
    pub fn list(&self, keys: &[String]) -> BTreeMap<String, u64> {
        keys.iter()
            .filter_map(|k| Some((k.clone(), *self.offsets.get(k)?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn poll_returns_a_run_from_the_first_offset_at_or_after_the_request_below_the_bound() {
        let mut logs = Logs::default();
        for (o, m) in [(2, 20), (5, 50), (9, 90)] {
            assert!(logs.insert("k", o, json!(m)));
        }
        assert!(!logs.insert("k", 5, json!(51)), "an offset is taken once");
        let req = BTreeMap::from([("k".to_string(), 3), ("none".to_string(), 0)]);
        let got = logs.poll(&req, 9);
        assert_eq!(got, BTreeMap::from([("k".into(), vec![(5, json!(50))])]));
        assert!(logs.poll(&req, 0).is_empty());
    }

    #[test]
    fn commits_only_move_forward() {
        let mut c = Committed::default();
        assert!(c.commit("a", 3));
        assert!(!c.commit("a", 2));
        assert!(c.commit("a", 4));
        let keys = vec!["a".to_string(), "b".to_string()];
        assert_eq!(c.list(&keys), BTreeMap::from([("a".to_string(), 4)]));
    }
}
