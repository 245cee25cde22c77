//! The replicated log: entries numbered from 1, each with the term of the
//! leader that created it. Index 0 is the empty prefix (term 0), so the
//! consistency check needs no special case for the first entry.
//!
//! Two properties carry Raft's safety and both live here: an append only
//! lands after an entry matching `(prev_index, prev_term)` (so logs that
//! agree on an entry agree on everything before it — Log Matching), and a
//! follower only truncates on a real conflict (a stale or reordered
//! AppendEntries carrying a prefix of what it already has must not cut
//! entries off, some of which may be committed).

use super::state_machine::Op;
use serde::{Deserialize, Serialize};

/// One log entry; `op` is `None` for the no-op a new leader appends to
/// commit its predecessors' entries (it may only count replicas of entries
/// from its own term).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub term: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<Op>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Log {
    entries: Vec<Entry>,
}

impl Log {
    pub fn last_index(&self) -> u64 {
        self.entries.len() as u64
    }

    pub fn last_term(&self) -> u64 {
        self.entries.last().map_or(0, |e| e.term)
    }

    /// The term at `index`: 0 for index 0, `None` past the end.
    pub fn term_at(&self, index: u64) -> Option<u64> {
        match index {
            0 => Some(0),
            i => self.get(i).map(|e| e.term),
        }
    }

    pub fn get(&self, index: u64) -> Option<&Entry> {
        let i = usize::try_from(index.checked_sub(1)?).ok()?;
        self.entries.get(i)
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Appends at the end; returns the new entry's index.
    pub fn push(&mut self, entry: Entry) -> u64 {
        self.entries.push(entry);
        self.last_index()
    }

    /// Up to `max` entries from `index` on.
    pub fn slice(&self, index: u64, max: usize) -> &[Entry] {
        let start = (index.max(1) - 1) as usize;
        let start = start.min(self.entries.len());
        let end = self.entries.len().min(start + max);
        &self.entries[start..end]
    }

    /// The consistency check: do we hold the leader's entry at `prev_index`?
    pub fn matches(&self, prev_index: u64, prev_term: u64) -> bool {
        self.term_at(prev_index) == Some(prev_term)
    }

    /// Where a leader should retry after a failed check at `prev_index`:
    /// past our end, or the first index of the conflicting term (skipping a
    /// whole term per round trip instead of one entry).
    pub fn retry_hint(&self, prev_index: u64) -> u64 {
        let Some(term) = self.term_at(prev_index) else {
            return self.last_index() + 1;
        };
        let mut index = prev_index;
        while index > 1 && self.term_at(index - 1) == Some(term) {
            index -= 1;
        }
        index.max(1)
    }

    /// Merges `entries` after `prev_index` (the check has passed). Existing
    /// entries with the same term are the same entries (Log Matching) and
    /// are kept, along with whatever follows them; the first conflicting
    /// one is cut off with everything after it. Returns the index of the
    /// last entry the message covered: what the follower now provably
    /// shares with the leader.
    pub fn merge(&mut self, prev_index: u64, entries: &[Entry]) -> u64 {
        for (k, entry) in entries.iter().enumerate() {
            let index = prev_index + 1 + k as u64;
            match self.term_at(index) {
                Some(term) if term == entry.term => {}
                Some(_) => {
                    self.entries.truncate((index - 1) as usize);
                    self.entries.extend_from_slice(&entries[k..]);
                    break;
                }
                None => {
                    self.entries.extend_from_slice(&entries[k..]);
                    break;
                }
            }
        }
        prev_index + entries.len() as u64
    }

    /// Election restriction: is a candidate whose log ends at
    /// `(last_index, last_term)` at least as up to date as we are?
    pub fn candidate_up_to_date(&self, last_index: u64, last_term: u64) -> bool {
        (last_term, last_index) >= (self.last_term(), self.last_index())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(terms: &[u64]) -> Log {
        let mut log = Log::default();
        for &term in terms {
            log.push(Entry { term, op: None });
        }
        log
    }

    fn entries(terms: &[u64]) -> Vec<Entry> {
        log(terms).entries
    }

    #[test]
    fn merge_keeps_matching_entries_and_cuts_only_on_conflict() {
        let mut l = log(&[1, 1, 2, 2]);
        // A stale message carrying a prefix must not truncate.
        assert_eq!(l.merge(1, &entries(&[1])), 2);
        assert_eq!(l.last_index(), 4);
        // A conflict at index 3 replaces the tail.
        assert_eq!(l.merge(2, &entries(&[3])), 3);
        assert_eq!(l, log(&[1, 1, 3]));
        assert_eq!(l.merge(3, &entries(&[3, 3])), 5);
        assert_eq!(l, log(&[1, 1, 3, 3, 3]));
    }

    #[test]
    fn consistency_check_and_retry_hint() {
        let l = log(&[1, 1, 2, 2, 2]);
        assert!(l.matches(0, 0));
        assert!(l.matches(4, 2));
        assert!(!l.matches(4, 3));
        assert!(!l.matches(6, 2));
        assert_eq!(l.retry_hint(9), 6);
        assert_eq!(l.retry_hint(5), 3);
        assert_eq!(l.retry_hint(2), 1);
        assert_eq!(l.slice(4, 10).len(), 2);
        assert_eq!(l.slice(7, 10).len(), 0);
    }

    #[test]
    fn up_to_date_compares_last_term_then_length() {
        let l = log(&[1, 2]);
        assert!(l.candidate_up_to_date(1, 3));
        assert!(l.candidate_up_to_date(2, 2));
        assert!(!l.candidate_up_to_date(5, 1));
        assert!(!l.candidate_up_to_date(1, 2));
    }
}
