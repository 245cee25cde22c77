//! The `kafka` workload's checker, computed as Maelstrom 0.2.4 computes it:
//! `jepsen.tests.kafka/checker` of Jepsen 0.3.7 with Elle 0.2.2's cycle
//! search, on the history's client operations. It owns the version order
//! inferred from offsets, every per-offset and per-process analysis
//! (inconsistent offsets, duplicates, lost writes, aborted reads (G1a),
//! skipped and non-monotonic polls and sends, unseen messages), the
//! write-read + real-time dependency cycles, the worst real-time lag, and the
//! result map with Jepsen's truncation of each error list.
//!
//! Speed: messages and (key, message) pairs are interned to dense ids up
//! front, so every analysis is a pass over flat arrays; error lists are kept
//! as small records and only the ones that survive truncation are rendered.
//!
//! Where Maelstrom's checker throws, the result is `{"valid?": "unknown",
//! "error": …}`, as `checker/compose` reports a checker that threw. Reading
//! `lost-write-cases` (kafka.clj ~1044-1142) settles the case of a key that
//! `ok` polls only ever returned as empty lists: the key is in
//! `(:ok reads-by-type)` with an empty set of values, so
//! `bound = (reduce max -1 (keep value->first-index vs))` is -1, and
//! `max-read` evaluates `(nth last-index->values bound)`: a plain `nth` on a
//! vector (no default, no guard), which throws IndexOutOfBoundsException for
//! -1. The `let` is eager, and the lazy result is fully realised inside
//! `check` (`count` when condensing), so the whole kafka result is
//! `:unknown`. The same happens when polled messages of a key all lack a
//! usable offset. The other throw is a polled message that no send wrote
//! (`:no-writer-of-value` in `wr-graph`).
//!
//! Where Jepsen's order is a hash map's (which key's errors come first,
//! which message `first` picks from a set), this checker is deterministic:
//! keys by name, messages by value, processes by number.
//!
//! [`parse`] reads the history into interned ids and infers the version
//! order; [`anomalies`] runs every analysis into small error records;
//! [`result`] renders the ones that survive Jepsen's truncation.

mod anomalies;
mod parse;
mod result;

use super::graph::{CycleShape, Dep, DepGraph, Deps, RealtimeEvent};
use crate::exact::cmp_values;
use crate::history::{History, Op, OpType, Process};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};

/// Absent id / index.
const NONE: u32 = u32::MAX;

/// A JSON `null` to point at for absent messages.
static NULL: Value = Value::Null;

/// Error types Jepsen allows for Maelstrom's options (`:sub-via #{:assign}`,
/// no `:ww-deps`): `allowed-error-types`.
const ALLOWED: [&str; 6] = [
    "int-send-skip",
    "G0",
    "G0-process",
    "G0-realtime",
    "PL-1-cycle-exists",
    "strong-PL-1-cycle-exists",
];

/// Components larger than this are searched for a cycle from their lowest
/// vertex only: searching from every vertex is quadratic, and a broken node
/// can put thousands of ops in one component. Smaller ones get the shortest
/// cycle overall. (Elle returns the first cycle its search finds, after at
/// most 1 s per component.)
const FULL_SEARCH_LIMIT: usize = 1000;

use crate::fx::{FxMap, FxSet};

/// What an operation does, by its `f`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum F {
    Poll,
    Send,
    Txn,
    /// `assign` or `subscribe`: both restrict a process's keys.
    Assign,
    Other,
}

impl F {
    fn of(f: &str) -> Self {
        match f {
            "poll" => F::Poll,
            "send" => F::Send,
            "txn" => F::Txn,
            "assign" | "subscribe" => F::Assign,
            _ => F::Other,
        }
    }

    /// `f ∈ {poll, send, txn}`: the ops the cycle search and most passes see.
    fn is_mop(self) -> bool {
        matches!(self, F::Poll | F::Send | F::Txn)
    }
}

/// One `send` micro-op (`op-writes`): the message is the second element of
/// an `[offset msg]` value, or the raw value.
#[derive(Debug, Clone, Copy)]
struct Write {
    key: u32,
    kv: u32,
    /// The offset, when the value was `[offset msg]` with an integer offset.
    offset: Option<i64>,
}

/// The pairs one op read for one key (`op-reads`, merged over its polls).
#[derive(Debug, Clone, Copy)]
struct ReadKey {
    key: u32,
    start: u32,
    end: u32,
}

/// One `[offset msg]` pair a poll returned.
#[derive(Debug, Clone, Copy)]
struct Pair {
    kv: u32,
    offset: Option<i64>,
}

#[derive(Debug, Clone, Copy)]
struct OpInfo {
    f: F,
    typ: OpType,
    process: Option<u64>,
    /// The other half of the op: the invocation of a completion, the
    /// completion of an invocation (positions in `ops`).
    partner: u32,
    writes: (u32, u32),
    reads: (u32, u32),
}

/// One key's log: its occupied offsets in order. Slot `i` is dense index `i`.
#[derive(Debug, Default)]
struct KeyLog {
    /// Ranges into `Analysis::slots`.
    slots: (u32, u32),
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    offset: i64,
    /// Range into `Analysis::members`: the (key, msg) pairs seen at this
    /// offset, sorted by message.
    start: u32,
    end: u32,
}

/// The parsed history and the version order.
struct Analysis<'h> {
    ops: Vec<&'h Op>,
    info: Vec<OpInfo>,
    writes: Vec<Write>,
    read_keys: Vec<ReadKey>,
    pairs: Vec<Pair>,
    keys: Vec<Cow<'h, str>>,
    key_ids: FxMap<Cow<'h, str>, u32>,
    msgs: Vec<&'h Value>,
    int_msgs: FxMap<i64, u32>,
    other_msgs: FxMap<String, u32>,
    kv_ids: FxMap<u64, u32>,
    kv_key: Vec<u32>,
    kv_msg: Vec<u32>,
    // Per (key, msg):
    /// Read by an `ok` poll (`(:ok reads-by-type)`).
    ok_read: Vec<bool>,
    /// Written by an `ok` send (the `:unseen` pass's sent set).
    ok_sent: Vec<bool>,
    /// Written by a `fail` send (`(:fail writes-by-type)`).
    failed: Vec<bool>,
    /// The last non-invoke send of it (`writer-of`).
    writer: Vec<u32>,
    /// The first non-invoke op that read it (`(first (readers-of k v))`).
    first_reader: Vec<u32>,
    /// Dense index of the last slot whose chosen message it is (`by-value`).
    by_value: Vec<u32>,
    first_idx: Vec<u32>,
    last_idx: Vec<u32>,
    /// Keys present in some `ok` poll, even as an empty list.
    key_ok_read: Vec<bool>,
    logs: Vec<KeyLog>,
    slots: Vec<Slot>,
    members: Vec<u32>,
    /// Per slot, the message chosen for the dense order (`by-index`).
    picks: Vec<u32>,
}

/// A thrown analysis: Maelstrom's checker would report `:unknown`.
type Thrown = String;

/// The error lists, as small records; rendered after truncation.
#[derive(Default)]
struct Errors {
    inconsistent: Vec<(u32, i64, u32, Vec<u32>)>,
    duplicate: Vec<(u32, u32, usize, Vec<i64>)>,
    lost_write: Vec<Value>,
    g1a: Vec<Value>,
    precommitted: Vec<Value>,
    int_poll_skip: Vec<Internal>,
    int_nonmonotonic_poll: Vec<Internal>,
    int_send_skip: Vec<Internal>,
    int_nonmonotonic_send: Vec<Internal>,
    poll_skip: Vec<External>,
    nonmonotonic_poll: Vec<External>,
    nonmonotonic_send: Vec<External>,
    unseen: Option<Value>,
    /// Each cycle's ops (positions), rendered only if kept.
    cycles: Vec<Vec<u32>>,
    cycle_exists: Vec<Value>,
    empty_graph: bool,
}

/// A skip or non-monotonic pair within one op.
struct Internal {
    key: u32,
    values: (Option<u32>, u32),
    delta: i64,
    /// Dense indices around the skipped region.
    span: (u32, u32),
    op: u32,
}

/// A skip or non-monotonic step between two ops of one process.
struct External {
    process: u64,
    key: u32,
    values: (Option<u32>, Option<u32>),
    delta: i64,
    span: (u32, u32),
    ops: (u32, u32),
}

/// A JSON object from owned values. (`json!` would serialize each embedded
/// `Value` again: a deep copy of every op it holds.)
fn obj<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

/// Elle's `mop-index`: which micro-op of `op` sent (polled) `msg` on `key`.
fn mop_index(op: &Op, f: &str, key: &str, msg: &Value) -> Value {
    let Some(mops) = op.value.as_array() else {
        return Value::Null;
    };
    for (i, mop) in mops.iter().enumerate() {
        let Some(m) = mop.as_array() else { continue };
        if m.first().and_then(Value::as_str) != Some(f) {
            continue;
        }
        let hit = match f {
            "send" => {
                m.get(1).and_then(Value::as_str) == Some(key)
                    && match m.get(2) {
                        Some(Value::Array(pair)) => pair.get(1) == Some(msg),
                        other => other == Some(msg),
                    }
            }
            _ => m
                .get(1)
                .and_then(|reads| reads.get(key))
                .and_then(Value::as_array)
                .is_some_and(|pairs| pairs.iter().any(|p| p.get(1) == Some(msg))),
        };
        if hit {
            return json!(i);
        }
    }
    Value::Null
}

/// Checks a kafka history; returns the workload's result map.
pub fn check(history: &History) -> Value {
    let mut a = Analysis::parse(history);
    a.index();
    a.version_orders();
    let mut e = Errors::default();
    if let Err(error) = a.lost_writes(&mut e).and_then(|()| a.cycles(&mut e)) {
        return json!({"valid?": "unknown", "error": error});
    }
    a.inconsistent_and_duplicates(&mut e);
    a.g1a_and_precommitted(&mut e);
    a.internal(&mut e);
    a.per_process(&mut e);
    a.unseen(&mut e);
    let worst = a.worst_realtime_lag();
    a.result(e, worst, Analysis::info_txn_causes(history))
}

/// How Jepsen's `condense-error` cuts a list after a stable sort.
enum Keep {
    All,
    First(usize),
    Last(usize),
}

/// Jepsen's `{:count n :errs …}`; consumes the list (untruncated ones can
/// hold thousands of embedded ops: never copy them).
fn condense<T>(
    mut errs: Vec<T>,
    sort_key: Option<fn(&T) -> i64>,
    keep: Keep,
    render: impl Fn(T) -> Value,
) -> Value {
    let count = errs.len();
    if let Some(key) = sort_key {
        errs.sort_by_key(key);
    }
    let range = match keep {
        Keep::All => 0..count,
        Keep::First(n) => 0..n.min(count),
        Keep::Last(n) => count.saturating_sub(n)..count,
    };
    let shown: Vec<Value> = errs.drain(range).map(render).collect();
    obj([("count", json!(count)), ("errs", Value::Array(shown))])
}

#[cfg(test)]
mod tests;
