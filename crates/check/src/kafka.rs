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

impl<'h> Analysis<'h> {
    fn key_id(&mut self, name: Cow<'h, str>) -> u32 {
        if let Some(&id) = self.key_ids.get(name.as_ref()) {
            return id;
        }
        let id = self.keys.len() as u32;
        self.keys.push(name.clone());
        self.key_ids.insert(name, id);
        self.logs.push(KeyLog::default());
        self.key_ok_read.push(false);
        id
    }

    /// A key as Jepsen holds it: the string, or another value's JSON text.
    fn key_of(&mut self, v: &'h Value) -> u32 {
        match v {
            Value::String(s) => self.key_id(Cow::Borrowed(s.as_str())),
            other => self.key_id(Cow::Owned(other.to_string())),
        }
    }

    fn msg_id(&mut self, v: &'h Value) -> u32 {
        if let Some(i) = v.as_i64() {
            if let Some(&id) = self.int_msgs.get(&i) {
                return id;
            }
            let id = self.msgs.len() as u32;
            self.msgs.push(v);
            self.int_msgs.insert(i, id);
            return id;
        }
        let text = v.to_string();
        if let Some(&id) = self.other_msgs.get(&text) {
            return id;
        }
        let id = self.msgs.len() as u32;
        self.msgs.push(v);
        self.other_msgs.insert(text, id);
        id
    }

    fn kv_id(&mut self, key: u32, msg: &'h Value) -> u32 {
        let msg = self.msg_id(msg);
        let packed = (key as u64) << 32 | msg as u64;
        if let Some(&id) = self.kv_ids.get(&packed) {
            return id;
        }
        let id = self.kv_key.len() as u32;
        self.kv_key.push(key);
        self.kv_msg.push(msg);
        self.kv_ids.insert(packed, id);
        id
    }

    fn parse(history: &'h History) -> Self {
        let ops: Vec<&Op> = history
            .ops()
            .iter()
            .filter(|o| o.is_workload_op())
            .collect();
        let mut a = Analysis {
            info: Vec::with_capacity(ops.len()),
            ops,
            writes: Vec::new(),
            read_keys: Vec::new(),
            pairs: Vec::new(),
            keys: Vec::new(),
            key_ids: FxMap::default(),
            msgs: Vec::new(),
            int_msgs: FxMap::default(),
            other_msgs: FxMap::default(),
            kv_ids: FxMap::default(),
            kv_key: Vec::new(),
            kv_msg: Vec::new(),
            ok_read: Vec::new(),
            ok_sent: Vec::new(),
            failed: Vec::new(),
            writer: Vec::new(),
            first_reader: Vec::new(),
            by_value: Vec::new(),
            first_idx: Vec::new(),
            last_idx: Vec::new(),
            key_ok_read: Vec::new(),
            logs: Vec::new(),
            slots: Vec::new(),
            members: Vec::new(),
            picks: Vec::new(),
        };
        // Pair invocations and completions by process, as jepsen.history does.
        let mut open: FxMap<u64, u32> = FxMap::default();
        let ops = std::mem::take(&mut a.ops);
        for (pos, op) in ops.iter().enumerate() {
            let f = F::of(&op.f);
            let process = match op.process {
                Process::Client(p) => Some(p),
                Process::Nemesis => None,
            };
            let mut partner = NONE;
            if let Some(p) = process {
                if op.typ == OpType::Invoke {
                    open.insert(p, pos as u32);
                } else if let Some(inv) = open.remove(&p) {
                    partner = inv;
                    a.info[inv as usize].partner = pos as u32;
                }
            }
            let w0 = a.writes.len() as u32;
            if matches!(f, F::Send | F::Txn) {
                a.parse_writes(&op.value);
            }
            let r0 = a.read_keys.len() as u32;
            if matches!(f, F::Poll | F::Txn) {
                a.parse_reads(&op.value);
            }
            if f == F::Assign {
                // The lag tracks assigned keys even if nothing touches them.
                for k in op.value.as_array().map(Vec::as_slice).unwrap_or(&[]) {
                    a.key_of(k);
                }
            }
            a.info.push(OpInfo {
                f,
                typ: op.typ,
                process,
                partner,
                writes: (w0, a.writes.len() as u32),
                reads: (r0, a.read_keys.len() as u32),
            });
        }
        a.ops = ops;
        a
    }

    /// `op-writes`: every `[send k v]` micro-op.
    fn parse_writes(&mut self, value: &'h Value) {
        let Some(mops) = value.as_array() else { return };
        for mop in mops {
            let Some(mop) = mop.as_array() else { continue };
            if mop.first().and_then(Value::as_str) != Some("send") {
                continue;
            }
            let key = self.key_of(mop.get(1).unwrap_or(&NULL));
            let v = mop.get(2).unwrap_or(&NULL);
            let (offset, msg) = match v.as_array() {
                Some(pair) => (
                    pair.first().and_then(Value::as_i64),
                    pair.get(1).unwrap_or(&NULL),
                ),
                None => (None, v),
            };
            let kv = self.kv_id(key, msg);
            self.writes.push(Write { key, kv, offset });
        }
    }

    /// `op-reads`: every `[poll {k [[offset msg] …]}]` micro-op, merged per
    /// key in order of first appearance. A key with an empty list is read.
    fn parse_reads(&mut self, value: &'h Value) {
        let Some(mops) = value.as_array() else { return };
        let polls: Vec<&Map<String, Value>> = mops
            .iter()
            .filter_map(Value::as_array)
            .filter(|m| m.len() >= 2 && m[0].as_str() == Some("poll"))
            .filter_map(|m| m[1].as_object())
            .collect();
        let single = polls.len() == 1;
        let first_key = self.read_keys.len();
        for poll in polls {
            for (k, pairs) in poll {
                let key = self.key_id(Cow::Borrowed(k.as_str()));
                let start = self.pairs.len() as u32;
                for pair in pairs.as_array().map(Vec::as_slice).unwrap_or(&[]) {
                    let Some(pair) = pair.as_array() else {
                        continue;
                    };
                    let offset = pair.first().and_then(Value::as_i64);
                    let kv = self.kv_id(key, pair.get(1).unwrap_or(&NULL));
                    self.pairs.push(Pair { kv, offset });
                }
                let end = self.pairs.len() as u32;
                self.read_keys.push(ReadKey { key, start, end });
            }
        }
        if !single {
            self.merge_read_keys(first_key);
        }
    }

    /// Merges repeated keys among `read_keys[from..]` (several poll
    /// micro-ops in one op), keeping first-appearance order.
    fn merge_read_keys(&mut self, from: usize) {
        let entries: Vec<ReadKey> = self.read_keys.drain(from..).collect();
        let mut order: Vec<u32> = Vec::new();
        let mut by_key: FxMap<u32, Vec<Pair>> = FxMap::default();
        for e in &entries {
            let list = by_key.entry(e.key).or_insert_with(|| {
                order.push(e.key);
                Vec::new()
            });
            list.extend_from_slice(&self.pairs[e.start as usize..e.end as usize]);
        }
        for key in order {
            let start = self.pairs.len() as u32;
            if let Some(list) = by_key.remove(&key) {
                self.pairs.extend(list);
            }
            let end = self.pairs.len() as u32;
            self.read_keys.push(ReadKey { key, start, end });
        }
    }

    fn op_writes(&self, pos: usize) -> &[Write] {
        let (a, b) = self.info[pos].writes;
        &self.writes[a as usize..b as usize]
    }

    fn op_reads(&self, pos: usize) -> &[ReadKey] {
        let (a, b) = self.info[pos].reads;
        &self.read_keys[a as usize..b as usize]
    }

    fn read_pairs(&self, r: &ReadKey) -> &[Pair] {
        &self.pairs[r.start as usize..r.end as usize]
    }

    /// `op-writes` grouped by key, keys in order of first appearance.
    fn writes_by_key(&self, pos: usize) -> Vec<(u32, Vec<u32>)> {
        let mut out: Vec<(u32, Vec<u32>)> = Vec::new();
        for w in self.op_writes(pos) {
            match out.iter_mut().find(|(k, _)| *k == w.key) {
                Some((_, kvs)) => kvs.push(w.kv),
                None => out.push((w.key, vec![w.kv])),
            }
        }
        out
    }

    /// `must-have-committed?`: ok, or info with a message some ok poll read.
    fn must_have_committed(&self, pos: usize) -> bool {
        match self.info[pos].typ {
            OpType::Ok => true,
            OpType::Info => self
                .op_writes(pos)
                .iter()
                .any(|w| self.ok_read[w.kv as usize]),
            _ => false,
        }
    }

    /// `op->max-offsets` of an `ok`/`info` op: per key, the highest offset
    /// it polled (-1 for an empty list) or sent (at least 0).
    fn max_offsets(&self, pos: usize, out: &mut Vec<(u32, i64)>) {
        out.clear();
        let info = self.info[pos];
        if !matches!(info.typ, OpType::Ok | OpType::Info) {
            return;
        }
        for r in self.op_reads(pos) {
            let max = self
                .read_pairs(r)
                .iter()
                .filter_map(|p| p.offset)
                .fold(-1, i64::max);
            out.push((r.key, max));
        }
        for w in self.op_writes(pos) {
            let Some(o) = w.offset else { continue };
            match out.iter_mut().find(|(k, _)| *k == w.key) {
                Some((_, m)) => *m = (*m).max(o.max(0)),
                None => out.push((w.key, o.max(0))),
            }
        }
    }

    /// Per-(key, msg) facts: who wrote and read each, by type.
    fn index(&mut self) {
        let n = self.kv_key.len();
        self.ok_read = vec![false; n];
        self.ok_sent = vec![false; n];
        self.failed = vec![false; n];
        self.writer = vec![NONE; n];
        self.first_reader = vec![NONE; n];
        for pos in 0..self.ops.len() {
            let info = self.info[pos];
            if info.typ == OpType::Invoke {
                continue;
            }
            let (w0, w1) = info.writes;
            for w in &self.writes[w0 as usize..w1 as usize] {
                let kv = w.kv as usize;
                self.writer[kv] = pos as u32;
                match info.typ {
                    OpType::Fail => self.failed[kv] = true,
                    OpType::Ok => self.ok_sent[kv] = true,
                    _ => {}
                }
            }
            let (r0, r1) = info.reads;
            for r in &self.read_keys[r0 as usize..r1 as usize] {
                if info.typ == OpType::Ok {
                    self.key_ok_read[r.key as usize] = true;
                }
                for p in &self.pairs[r.start as usize..r.end as usize] {
                    let kv = p.kv as usize;
                    if self.first_reader[kv] == NONE {
                        self.first_reader[kv] = pos as u32;
                    }
                    if info.typ == OpType::Ok {
                        self.ok_read[kv] = true;
                    }
                }
            }
        }
    }

    /// `version-orders`: each key's log (offset → messages) from every poll
    /// and from the sends that must have committed; negative offsets are
    /// dropped, holes skipped by the dense index.
    fn version_orders(&mut self) {
        let n = self.kv_key.len();
        // Most (key, msg) pairs sit at one offset: keep that one per pair and
        // list only the others, instead of sorting every occurrence.
        let mut primary = vec![i64::MIN; n];
        let mut others: Vec<(u32, i64)> = Vec::new();
        let mut note = |kv: u32, offset: Option<i64>| {
            let Some(o) = offset.filter(|o| *o >= 0) else {
                return;
            };
            let slot = &mut primary[kv as usize];
            if *slot == i64::MIN {
                *slot = o;
            } else if *slot != o {
                others.push((kv, o));
            }
        };
        for pos in 0..self.ops.len() {
            let info = self.info[pos];
            if !info.f.is_mop() {
                continue;
            }
            if self.must_have_committed(pos) {
                for w in self.op_writes(pos) {
                    note(w.kv, w.offset);
                }
            }
            for r in self.op_reads(pos) {
                for p in self.read_pairs(r) {
                    note(p.kv, p.offset);
                }
            }
        }
        let mut entries: Vec<(u32, i64, u32)> = primary
            .iter()
            .enumerate()
            .filter(|(_, o)| **o != i64::MIN)
            .map(|(kv, o)| (self.kv_key[kv], *o, kv as u32))
            .chain(
                others
                    .iter()
                    .map(|&(kv, o)| (self.kv_key[kv as usize], o, kv)),
            )
            .collect();
        entries.sort_unstable();
        entries.dedup();

        self.by_value = vec![NONE; n];
        self.first_idx = vec![NONE; n];
        self.last_idx = vec![NONE; n];
        let mut i = 0;
        while i < entries.len() {
            let key = entries[i].0;
            let slot0 = self.slots.len() as u32;
            let mut index = 0u32;
            while i < entries.len() && entries[i].0 == key {
                let offset = entries[i].1;
                let start = self.members.len() as u32;
                while i < entries.len() && entries[i].0 == key && entries[i].1 == offset {
                    self.members.push(entries[i].2);
                    i += 1;
                }
                let end = self.members.len() as u32;
                let slot = &mut self.members[start as usize..end as usize];
                if slot.len() > 1 {
                    let (msgs, kv_msg) = (&self.msgs, &self.kv_msg);
                    slot.sort_by(|x, y| {
                        cmp_values(
                            msgs[kv_msg[*x as usize] as usize],
                            msgs[kv_msg[*y as usize] as usize],
                        )
                    });
                }
                // `first` of the set: we pick the least message.
                let pick = self.members[start as usize];
                self.by_value[pick as usize] = index;
                for &kv in &self.members[start as usize..end as usize] {
                    let kv = kv as usize;
                    if self.first_idx[kv] == NONE {
                        self.first_idx[kv] = index;
                    }
                    self.last_idx[kv] = index;
                }
                self.slots.push(Slot { offset, start, end });
                self.picks.push(pick);
                index += 1;
            }
            self.logs[key as usize].slots = (slot0, self.slots.len() as u32);
        }
    }

    fn key_slots(&self, key: u32) -> &[Slot] {
        let (a, b) = self.logs[key as usize].slots;
        &self.slots[a as usize..b as usize]
    }

    fn slot_members(&self, s: &Slot) -> &[u32] {
        &self.members[s.start as usize..s.end as usize]
    }

    /// `by-index`: the message chosen at dense index `i` of `key`.
    fn by_index(&self, key: u32, i: u32) -> Option<u32> {
        let (a, b) = self.logs[key as usize].slots;
        let s = a + i;
        (s < b).then(|| self.picks[s as usize])
    }

    fn index_of(&self, kv: Option<u32>) -> Option<u32> {
        kv.map(|kv| self.by_value[kv as usize])
            .filter(|&i| i != NONE)
    }

    fn msg(&self, kv: u32) -> &'h Value {
        self.msgs[self.kv_msg[kv as usize] as usize]
    }

    fn msg_json(&self, kv: Option<u32>) -> Value {
        kv.map_or(Value::Null, |kv| self.msg(kv).clone())
    }

    fn key_name(&self, key: u32) -> &str {
        &self.keys[key as usize]
    }

    fn cmp_kv(&self, a: u32, b: u32) -> Ordering {
        cmp_values(self.msg(a), self.msg(b))
    }

    fn op_json(&self, pos: u32) -> Value {
        if pos == NONE {
            return Value::Null;
        }
        serde_json::to_value(self.ops[pos as usize]).unwrap_or(Value::Null)
    }

    /// Keys sorted by name, for deterministic reports.
    fn keys_by_name(&self) -> Vec<u32> {
        let mut keys: Vec<u32> = (0..self.keys.len() as u32).collect();
        keys.sort_by(|a, b| self.keys[*a as usize].cmp(&self.keys[*b as usize]));
        keys
    }
}

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

impl<'h> Analysis<'h> {
    fn inconsistent_and_duplicates(&self, e: &mut Errors) {
        let mut count: FxMap<u32, usize> = FxMap::default();
        for key in self.keys_by_name() {
            let slots = self.key_slots(key);
            for (index, s) in slots.iter().enumerate() {
                let members = self.slot_members(s);
                if members.len() > 1 {
                    e.inconsistent
                        .push((key, s.offset, index as u32, members.to_vec()));
                }
            }
            // Duplicates: a message in more than one slot.
            count.clear();
            let mut dups: Vec<u32> = Vec::new();
            for s in slots {
                for &kv in self.slot_members(s) {
                    if self.first_idx[kv as usize] != self.last_idx[kv as usize] {
                        let c = count.entry(kv).or_insert(0);
                        if *c == 0 {
                            dups.push(kv);
                        }
                        *c += 1;
                    }
                }
            }
            for kv in dups {
                let offsets: Vec<i64> = slots
                    .iter()
                    .filter(|s| self.slot_members(s).contains(&kv))
                    .map(|s| s.offset)
                    .collect();
                e.duplicate.push((key, kv, offsets.len(), offsets));
            }
        }
    }

    fn lost_writes(&self, e: &mut Errors) -> Result<(), Thrown> {
        for key in self.keys_by_name() {
            if !self.key_ok_read[key as usize] {
                continue;
            }
            let slots = self.key_slots(key);
            let members = || {
                slots
                    .iter()
                    .flat_map(|s| self.slot_members(s).iter().copied())
            };
            let bound = members()
                .filter(|&kv| self.ok_read[kv as usize])
                .map(|kv| self.first_idx[kv as usize] as i64)
                .max()
                .unwrap_or(-1);
            if bound < 0 {
                return Err(format!(
                    "key {:?} was polled by ok polls, but never with a message at a known \
                     (non-negative integer) offset, e.g. only as empty lists. Jepsen's lost-write \
                     analysis (jepsen.tests.kafka/lost-write-cases) then evaluates \
                     (nth last-index->values -1), which throws IndexOutOfBoundsException: \
                     Maelstrom's kafka checker throws here too, and its result is :valid? :unknown",
                    self.key_name(key)
                ));
            }
            let bound = bound as u32;
            let mut must_read: Vec<u32> = members()
                .filter(|&kv| self.last_idx[kv as usize] <= bound)
                .collect();
            must_read.sort_by(|&a, &b| {
                self.last_idx[a as usize]
                    .cmp(&self.last_idx[b as usize])
                    .then_with(|| self.cmp_kv(a, b))
            });
            must_read.dedup();
            let max_read = must_read
                .iter()
                .copied()
                .filter(|&kv| self.last_idx[kv as usize] == bound)
                .min_by(|&a, &b| self.cmp_kv(a, b))
                .map_or(NONE, |kv| self.first_reader[kv as usize]);
            // Shared by the key's lost messages: serialize it once.
            let mut max_read_json: Option<Value> = None;
            for kv in must_read {
                if self.ok_read[kv as usize] {
                    continue;
                }
                let w = self.writer[kv as usize];
                if w == NONE {
                    return Err(format!(
                        "message {} of key {:?} is in the log (from a poll) but no send wrote it; \
                         Jepsen's lost-write analysis throws :no-writer-of here, so Maelstrom's \
                         kafka checker throws too and its result is :valid? :unknown",
                        self.msg(kv),
                        self.key_name(key)
                    ));
                }
                if !self.must_have_committed(w as usize) {
                    continue;
                }
                e.lost_write.push(obj([
                    ("key", json!(self.key_name(key))),
                    ("value", self.msg(kv).clone()),
                    ("index", json!(self.first_idx[kv as usize])),
                    ("max-read-index", json!(bound)),
                    ("writer", self.op_json(w)),
                    (
                        "max-read",
                        max_read_json
                            .get_or_insert_with(|| self.op_json(max_read))
                            .clone(),
                    ),
                ]));
            }
        }
        Ok(())
    }

    fn g1a_and_precommitted(&self, e: &mut Errors) {
        for pos in 0..self.ops.len() {
            let info = self.info[pos];
            if info.typ == OpType::Ok && matches!(info.f, F::Poll | F::Txn) {
                for r in self.op_reads(pos) {
                    for p in self.read_pairs(r) {
                        if self.failed[p.kv as usize] {
                            e.g1a.push(obj([
                                ("key", json!(self.key_name(r.key))),
                                ("value", self.msg(p.kv).clone()),
                                ("writer", self.op_json(self.writer[p.kv as usize])),
                                ("reader", self.op_json(pos as u32)),
                            ]));
                        }
                    }
                }
            }
            // An op that reads what it writes (only a txn does both).
            if info.f == F::Txn {
                for (key, kvs) in self.writes_by_key(pos) {
                    let read = self
                        .op_reads(pos)
                        .iter()
                        .filter(|r| r.key == key)
                        .flat_map(|r| self.read_pairs(r))
                        .map(|p| p.kv)
                        .filter(|kv| kvs.contains(kv))
                        .min_by(|&a, &b| self.cmp_kv(a, b));
                    if let Some(kv) = read {
                        e.precommitted.push(obj([
                            ("op", self.op_json(pos as u32)),
                            ("key", json!(self.key_name(key))),
                            ("value", self.msg(kv).clone()),
                        ]));
                        break;
                    }
                }
            }
        }
    }

    /// Consecutive messages within one op, by their dense indices.
    fn internal_step(
        &self,
        key: u32,
        prev: Option<u32>,
        kv: u32,
        op: u32,
        skips: &mut Vec<Internal>,
        nonmonotonic: &mut Vec<Internal>,
    ) {
        let (i1, i2) = (self.index_of(prev), self.index_of(Some(kv)));
        let (delta, span) = match (i1, i2) {
            (Some(a), Some(b)) => (b as i64 - a as i64, (a, b)),
            _ => (1, (0, 0)),
        };
        let err = Internal {
            key,
            values: (prev, kv),
            delta,
            span,
            op,
        };
        if delta > 1 {
            skips.push(err);
        } else if delta < 1 {
            nonmonotonic.push(err);
        }
    }

    fn internal(&self, e: &mut Errors) {
        for pos in 0..self.ops.len() {
            for r in self.op_reads(pos) {
                let mut prev = None;
                for p in self.read_pairs(r) {
                    self.internal_step(
                        r.key,
                        prev,
                        p.kv,
                        pos as u32,
                        &mut e.int_poll_skip,
                        &mut e.int_nonmonotonic_poll,
                    );
                    prev = Some(p.kv);
                }
            }
            let info = self.info[pos];
            if info.typ != OpType::Invoke && info.writes.1 - info.writes.0 > 1 {
                for (key, kvs) in self.writes_by_key(pos) {
                    for w in kvs.windows(2) {
                        self.internal_step(
                            key,
                            Some(w[0]),
                            w[1],
                            pos as u32,
                            &mut e.int_send_skip,
                            &mut e.int_nonmonotonic_send,
                        );
                    }
                }
            }
        }
    }

    /// Keys an `assign`'s value names (`select-keys` keeps only these).
    fn assigned_keys(&self, pos: usize) -> Vec<u32> {
        let names = self.ops[pos]
            .value
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        names
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => self.key_ids.get(s.as_str()).copied(),
                other => self.key_ids.get(other.to_string().as_str()).copied(),
            })
            .collect()
    }

    /// `poll-skip+nonmonotonic-cases` and `nonmonotonic-send-cases`: each
    /// process's polls (sends) must continue where its last one on that key
    /// left off, until an assign drops the key.
    fn per_process(&self, e: &mut Errors) {
        // process → key → (last op, its last message on that key)
        let mut last_reads: FxMap<u64, FxMap<u32, (u32, Option<u32>)>> = FxMap::default();
        let mut last_sends: FxMap<u64, FxMap<u32, (u32, Option<u32>)>> = FxMap::default();
        for pos in 0..self.ops.len() {
            let info = self.info[pos];
            let Some(process) = info.process else {
                continue;
            };
            match info.f {
                F::Assign => {
                    let done = matches!(info.typ, OpType::Ok | OpType::Info);
                    if done {
                        let keep: FxSet<u32> = self.assigned_keys(pos).into_iter().collect();
                        for map in [&mut last_reads, &mut last_sends] {
                            if let Some(m) = map.get_mut(&process) {
                                m.retain(|k, _| keep.contains(k));
                            }
                        }
                    }
                }
                F::Poll | F::Txn | F::Send => {
                    if info.f != F::Send {
                        let lr = last_reads.entry(process).or_default();
                        for r in self.op_reads(pos) {
                            let pairs = self.read_pairs(r);
                            let Some(&(last_op, v)) = lr.get(&r.key) else {
                                continue;
                            };
                            let v2 = pairs.first().map(|p| p.kv);
                            let (i, i2) = (self.index_of(v), self.index_of(v2));
                            let (delta, span) = match (i, i2) {
                                (Some(a), Some(b)) => (b as i64 - a as i64, (a, b)),
                                _ => (1, (0, 0)),
                            };
                            let err = External {
                                process,
                                key: r.key,
                                values: (v, v2),
                                delta,
                                span,
                                ops: (last_op, pos as u32),
                            };
                            if delta > 1 {
                                e.poll_skip.push(err);
                            } else if delta < 1 {
                                e.nonmonotonic_poll.push(err);
                            }
                        }
                        if info.typ == OpType::Ok {
                            for r in self.op_reads(pos) {
                                let last = self.read_pairs(r).last().map(|p| p.kv);
                                lr.insert(r.key, (pos as u32, last));
                            }
                        }
                    }
                    if info.f != F::Poll && matches!(info.typ, OpType::Ok | OpType::Info) {
                        let ls = last_sends.entry(process).or_default();
                        for (key, kvs) in self.writes_by_key(pos) {
                            if let Some(&(last_op, v)) = ls.get(&key) {
                                let v2 = kvs.first().copied();
                                if let (Some(i), Some(i2)) = (self.index_of(v), self.index_of(v2)) {
                                    let delta = i2 as i64 - i as i64;
                                    if delta < 1 {
                                        e.nonmonotonic_send.push(External {
                                            process,
                                            key,
                                            values: (v, v2),
                                            delta,
                                            span: (0, 0),
                                            ops: (last_op, pos as u32),
                                        });
                                    }
                                }
                            }
                            ls.insert(key, (pos as u32, kvs.last().copied()));
                        }
                    }
                }
                F::Other => {}
            }
        }
        // Jepsen walks processes in hash order; we walk them by number.
        for list in [
            &mut e.poll_skip,
            &mut e.nonmonotonic_poll,
            &mut e.nonmonotonic_send,
        ] {
            list.sort_by_key(|x| x.process);
        }
    }

    /// `unseen`: the last entry of Jepsen's series, over `ok` polls/sends.
    fn unseen(&self, e: &mut Errors) {
        let oks: Vec<usize> = (0..self.ops.len())
            .filter(|&p| self.info[p].typ == OpType::Ok && self.info[p].f.is_mop())
            .collect();
        let Some(&last) = oks.last() else { return };
        // A key first seen through the last op's reads (and not written by
        // it) is, for that one step, "unseen" with the messages just polled.
        let mut seen = vec![false; self.keys.len()];
        for &pos in &oks[..oks.len() - 1] {
            for w in self.op_writes(pos) {
                seen[w.key as usize] = true;
            }
            for r in self.op_reads(pos) {
                seen[r.key as usize] = true;
            }
        }
        let mut unseen: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
        let last_writes = self.op_writes(last);
        let mut quirk = vec![false; self.keys.len()];
        for r in self.op_reads(last) {
            if !seen[r.key as usize] && !last_writes.iter().any(|w| w.key == r.key) {
                quirk[r.key as usize] = true;
                let list = unseen.entry(self.key_name(r.key)).or_default();
                for p in self.read_pairs(r) {
                    list.push(p.kv);
                }
            }
        }
        for kv in 0..self.kv_key.len() {
            if self.ok_sent[kv] && !self.ok_read[kv] && !quirk[self.kv_key[kv] as usize] {
                unseen
                    .entry(self.key_name(self.kv_key[kv]))
                    .or_default()
                    .push(kv as u32);
            }
        }
        let mut counts = Map::new();
        let mut messages = Map::new();
        for (k, mut kvs) in unseen {
            kvs.sort_by(|&a, &b| self.cmp_kv(a, b));
            kvs.dedup();
            if kvs.is_empty() {
                continue;
            }
            counts.insert(k.to_string(), json!(kvs.len()));
            let shown: Vec<Value> = kvs
                .iter()
                .take(32)
                .map(|&kv| self.msg(kv).clone())
                .collect();
            messages.insert(k.to_string(), Value::Array(shown));
        }
        if !counts.is_empty() {
            e.unseen = Some(obj([
                ("time", json!(self.ops[last].time)),
                ("unseen", Value::Object(counts)),
                ("messages", Value::Object(messages)),
            ]));
        }
    }

    /// Elle's cycle search over write-read and real-time dependencies
    /// (`cycles!`): ww and rw edges are never built for Maelstrom.
    fn cycles(&self, e: &mut Errors) -> Result<(), Thrown> {
        if self.ops.is_empty() {
            return Ok(()); // `(when (:type (first history)))`
        }
        let mut vertex = vec![NONE; self.ops.len()];
        let mut vertex_op: Vec<u32> = Vec::new();
        for (pos, info) in self.info.iter().enumerate() {
            if info.typ != OpType::Invoke && info.f.is_mop() {
                vertex[pos] = vertex_op.len() as u32;
                vertex_op.push(pos as u32);
            }
        }
        let mut g = DepGraph::new(vertex_op.len());
        for (v, &pos) in vertex_op.iter().enumerate() {
            for r in self.op_reads(pos as usize) {
                for p in self.read_pairs(r) {
                    let w = self.writer[p.kv as usize];
                    if w == NONE {
                        return Err(format!(
                            "op {} polled message {} of key {:?}, which no send wrote; Elle's \
                             write-read graph (jepsen.tests.kafka/wr-graph) throws \
                             :no-writer-of-value here, so Maelstrom's kafka checker throws too \
                             and its result is :valid? :unknown",
                            self.ops[pos as usize].index,
                            self.msg(p.kv),
                            self.key_name(r.key)
                        ));
                    }
                    if w != pos {
                        g.add(vertex[w as usize] as usize, v, Dep::Wr);
                    }
                }
            }
        }
        let events = (0..self.ops.len()).filter_map(|pos| {
            let info = self.info[pos];
            if !info.f.is_mop() {
                return None;
            }
            match info.typ {
                OpType::Invoke if info.partner != NONE => Some(RealtimeEvent::Invoke {
                    completion: vertex[info.partner as usize] as usize,
                    ok: self.info[info.partner as usize].typ == OpType::Ok,
                }),
                OpType::Ok => Some(RealtimeEvent::Ok(vertex[pos] as usize)),
                _ => None,
            }
        });
        g.add_realtime(events);
        // Elle's test is `(= 0 (b/size graph))`, a count of vertices; its
        // graphs gain vertices only through links, so: no edge at all.
        if !g.has_edges() {
            e.empty_graph = true;
            return Ok(());
        }
        let shape = CycleShape::g1c(&[Dep::Realtime]);
        for component in g.cycles_components(Deps::of(&[Dep::Wr, Dep::Realtime])) {
            let mut scc: Vec<usize> = component
                .iter()
                .map(|&v| self.ops[vertex_op[v] as usize].index)
                .collect();
            scc.sort_unstable();
            e.cycle_exists.push(json!({
                "type": "strong-PL-2-cycle-exists",
                "not": "strong-read-committed",
                "subgraph": ["union", "ww", "wwp", "wr", "wrp", "realtime"],
                "scc-size": scc.len(),
                "scc": scc,
            }));
            let steps = if component.len() <= FULL_SEARCH_LIMIT {
                g.shortest_cycle(&component, shape)
            } else {
                g.shortest_cycle_through(component[0], &component, shape)
            };
            if let Some(steps) = steps {
                e.cycles
                    .push(steps.iter().map(|s| vertex_op[s.from]).collect());
            }
        }
        Ok(())
    }

    /// Elle's explanation of a cycle: each step is explained as a write-read
    /// dependency if the second op polled something the first sent (Elle's
    /// combined explainer asks the kafka graph first), else in real time.
    /// The step from `a` to `b`: what `b` polled that `a` sent, if anything.
    fn wr_step(&self, a: u32, b: u32) -> Option<(u32, u32)> {
        self.op_reads(b as usize).iter().find_map(|r| {
            self.read_pairs(r)
                .iter()
                .find(|p| self.writer[p.kv as usize] == a)
                .map(|p| (r.key, p.kv))
        })
    }

    /// Elle names a cycle by its explained steps; with only wr and realtime
    /// dependencies (each acyclic alone) it always has both.
    fn cycle_type(&self, ops: &[u32]) -> &'static str {
        let n = ops.len();
        let realtime = (0..n).any(|i| self.wr_step(ops[i], ops[(i + 1) % n]).is_none());
        if realtime {
            "G1c-realtime"
        } else {
            "G1c"
        }
    }

    fn explain_cycle(&self, ops: &[u32]) -> Value {
        let n = ops.len();
        let mut step_values = Vec::with_capacity(n);
        let mut lines = Vec::with_capacity(n);
        for i in 0..n {
            let (a, b) = (ops[i], ops[(i + 1) % n]);
            let (an, bn) = (format!("T{}", i + 1), format!("T{}", (i + 1) % n + 1));
            let (value, text) = match self.wr_step(a, b) {
                Some((key, kv)) => (
                    json!({"type": "wr", "key": self.key_name(key), "value": self.msg(kv),
                               "a-mop-index": mop_index(self.ops[a as usize], "send", self.key_name(key), self.msg(kv)),
                               "b-mop-index": mop_index(self.ops[b as usize], "poll", self.key_name(key), self.msg(kv))}),
                    format!(
                        "{an} sent {} to {:?} which was polled by {bn}",
                        self.msg(kv),
                        self.key_name(key)
                    ),
                ),
                None => {
                    let (a_op, b_inv) = (self.ops[a as usize], self.info[b as usize].partner);
                    let inv = (b_inv != NONE).then(|| self.ops[b_inv as usize]);
                    let when = match inv {
                        Some(inv) if inv.time > a_op.time => {
                            format!(" {:.3} seconds", (inv.time - a_op.time) as f64 / 1e9)
                        }
                        _ => " just".to_string(),
                    };
                    (
                        obj([
                            ("type", json!("realtime")),
                            ("a'", self.op_json(a)),
                            ("b", self.op_json(b_inv)),
                        ]),
                        format!(
                            "{an} completed at index {},{when} before the invocation of {bn}, at index {}",
                            a_op.index,
                            inv.map_or(0, |o| o.index)
                        ),
                    )
                }
            };
            step_values.push(value);
            lines.push(format!("{an} < {bn}, because {text}"));
        }
        let binding: Vec<String> = ops
            .iter()
            .enumerate()
            .map(|(i, &pos)| {
                let op = self.ops[pos as usize];
                let process = match op.process {
                    Process::Client(p) => p.to_string(),
                    Process::Nemesis => "nemesis".into(),
                };
                let what = serde_json::to_value(op.typ).unwrap_or(Value::Null);
                format!(
                    "  T{} = op {} ({} {} by process {process})",
                    i + 1,
                    op.index,
                    what.as_str().unwrap_or(""),
                    op.f
                )
            })
            .collect();
        let mut then = String::new();
        for (i, line) in lines.iter().enumerate() {
            if i + 1 == lines.len() {
                then.push_str(&format!("  - However, {line}: a contradiction!"));
            } else {
                then.push_str(&format!("  - {line}.\n"));
            }
        }
        let mut cycle: Vec<Value> = ops.iter().map(|&p| self.op_json(p)).collect();
        cycle.push(self.op_json(ops[0]));
        obj([
            ("type", json!(self.cycle_type(ops))),
            ("cycle", Value::Array(cycle)),
            ("steps", Value::Array(step_values)),
            (
                "explanation",
                json!(format!("Let:\n{}\n\nThen:\n{then}", binding.join("\n"))),
            ),
        ])
    }

    /// `realtime-lag` → `worst-realtime-lag`, in seconds.
    fn worst_realtime_lag(&self) -> Value {
        // expired[k]: breakpoints (max offset, time) of the step function
        // "time at which offset i of k was known to exist" (Jepsen's vector,
        // without allocating one slot per offset).
        let mut expired: Vec<Vec<(i64, u64)>> = vec![Vec::new(); self.keys.len()];
        let mut known = Vec::new();
        for pos in 0..self.ops.len() {
            if !self.info[pos].f.is_mop() {
                continue;
            }
            self.max_offsets(pos, &mut known);
            for &(k, o) in &known {
                let e = &mut expired[k as usize];
                if o > e.last().map_or(-1, |x| x.0) {
                    e.push((o, self.ops[pos].time));
                }
            }
        }
        let expired_at = |k: u32, i: i64| -> Option<u64> {
            let e = &expired[k as usize];
            let at = e.partition_point(|x| x.0 < i);
            e.get(at).map(|x| x.1)
        };
        #[derive(Default)]
        struct Offsets {
            order: Vec<(u32, i64)>,
            at: FxMap<u32, u32>,
        }
        let mut processes: FxMap<u64, Offsets> = FxMap::default();
        let mut worst: Option<(u64, u64, u32, u64)> = None;
        for pos in 0..self.ops.len() {
            let info = self.info[pos];
            let Some(process) = info.process else {
                continue;
            };
            if info.typ != OpType::Ok {
                continue;
            }
            match info.f {
                F::Assign if self.ops[pos].f == "assign" => {
                    let old = processes.remove(&process).unwrap_or_default();
                    let mut new = Offsets::default();
                    for k in self.assigned_keys(pos) {
                        if new.at.contains_key(&k) {
                            continue;
                        }
                        let o = old.at.get(&k).map_or(-1, |&i| old.order[i as usize].1);
                        new.at.insert(k, new.order.len() as u32);
                        new.order.push((k, o));
                    }
                    processes.insert(process, new);
                }
                F::Assign => {
                    processes.insert(process, Offsets::default());
                }
                F::Poll | F::Txn => {
                    let t0 = match info.partner {
                        NONE => continue,
                        inv => self.ops[inv as usize].time,
                    };
                    let offs = processes.entry(process).or_default();
                    self.max_offsets(pos, &mut known);
                    for &(k, o) in &known {
                        match offs.at.get(&k) {
                            Some(&i) => {
                                let slot = &mut offs.order[i as usize].1;
                                *slot = (*slot).max(o);
                            }
                            None => {
                                offs.at.insert(k, offs.order.len() as u32);
                                offs.order.push((k, o));
                            }
                        }
                    }
                    for &(k, o) in &offs.order {
                        let lag = o
                            .checked_add(1)
                            .and_then(|i| expired_at(k, i))
                            .map_or(0, |t| t0.saturating_sub(t));
                        if worst.is_none_or(|w| lag > w.3) {
                            worst = Some((t0, process, k, lag));
                        }
                    }
                }
                _ => {}
            }
        }
        match worst {
            Some((t, p, k, lag)) => json!({
                "time": t as f64 / 1e9,
                "process": p,
                "key": self.key_name(k),
                "lag": lag as f64 / 1e9,
            }),
            None => json!({"time": 0.0, "lag": 0.0}),
        }
    }

    /// `info-txn-causes`: distinct errors of indeterminate polls and sends.
    fn info_txn_causes(history: &History) -> Vec<Value> {
        let mut seen: HashSet<String> = HashSet::new();
        let mut out = Vec::new();
        for op in history.ops() {
            if op.typ == OpType::Info && F::of(&op.f).is_mop() {
                let e = op.error.clone().unwrap_or(Value::Null);
                if seen.insert(e.to_string()) {
                    out.push(e);
                }
            }
        }
        out
    }
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

impl<'h> Analysis<'h> {
    fn render_internal(&self, x: &Internal, skip: bool) -> Value {
        let mut m = Map::new();
        m.insert("key".into(), json!(self.key_name(x.key)));
        m.insert(
            "values".into(),
            Value::Array(vec![
                self.msg_json(x.values.0),
                self.msg(x.values.1).clone(),
            ]),
        );
        m.insert("delta".into(), json!(x.delta));
        if skip {
            m.insert("skipped".into(), self.skipped(x.key, x.span));
        }
        m.insert("op".into(), self.op_json(x.op));
        Value::Object(m)
    }

    fn render_external(&self, x: &External, skip: bool) -> Value {
        let mut m = Map::new();
        m.insert("key".into(), json!(self.key_name(x.key)));
        if skip {
            m.insert("delta".into(), json!(x.delta));
            m.insert("skipped".into(), self.skipped(x.key, x.span));
        } else {
            m.insert(
                "values".into(),
                json!([self.msg_json(x.values.0), self.msg_json(x.values.1)]),
            );
            m.insert("delta".into(), json!(x.delta));
        }
        m.insert(
            "ops".into(),
            Value::Array(vec![self.op_json(x.ops.0), self.op_json(x.ops.1)]),
        );
        Value::Object(m)
    }

    /// `(map by-index (range (inc i1) i2))`.
    fn skipped(&self, key: u32, (i1, i2): (u32, u32)) -> Value {
        Value::Array(
            (i1 + 1..i2)
                .map(|i| self.msg_json(self.by_index(key, i)))
                .collect(),
        )
    }

    fn result(&self, e: Errors, worst: Value, causes: Vec<Value>) -> Value {
        let mut errors: BTreeMap<&str, Value> = BTreeMap::new();
        let delta_internal: fn(&Internal) -> i64 = |x| x.delta;
        let delta_external: fn(&External) -> i64 = |x| x.delta;
        if !e.duplicate.is_empty() {
            errors.insert(
                "duplicate",
                condense(e.duplicate, Some(|d| d.2 as i64), Keep::First(32), |d| {
                    json!({"key": self.key_name(d.0), "value": self.msg(d.1),
                           "count": d.2, "offsets": d.3})
                }),
            );
        }
        if !e.int_poll_skip.is_empty() {
            errors.insert(
                "int-poll-skip",
                condense(e.int_poll_skip, Some(delta_internal), Keep::Last(8), |x| {
                    self.render_internal(&x, true)
                }),
            );
        }
        if !e.int_nonmonotonic_poll.is_empty() {
            errors.insert(
                "int-nonmonotonic-poll",
                condense(
                    e.int_nonmonotonic_poll,
                    Some(delta_internal),
                    Keep::First(8),
                    |x| self.render_internal(&x, false),
                ),
            );
        }
        if !e.int_nonmonotonic_send.is_empty() {
            errors.insert(
                "int-nonmonotonic-send",
                condense(
                    e.int_nonmonotonic_send,
                    Some(delta_internal),
                    Keep::First(8),
                    |x| self.render_internal(&x, false),
                ),
            );
        }
        if !e.int_send_skip.is_empty() {
            errors.insert(
                "int-send-skip",
                condense(e.int_send_skip, Some(delta_internal), Keep::Last(8), |x| {
                    self.render_internal(&x, true)
                }),
            );
        }
        if !e.inconsistent.is_empty() {
            errors.insert(
                "inconsistent-offsets",
                condense(
                    e.inconsistent,
                    Some(|x| x.3.len() as i64),
                    Keep::First(32),
                    |x| {
                        let values: Vec<Value> =
                            x.3.iter().map(|&kv| self.msg(kv).clone()).collect();
                        json!({"key": self.key_name(x.0), "offset": x.1, "index": x.2,
                               "values": values})
                    },
                ),
            );
        }
        for (name, list) in [
            ("precommitted-read", e.precommitted),
            ("G1a", e.g1a),
            ("lost-write", e.lost_write),
            ("strong-PL-2-cycle-exists", e.cycle_exists),
        ] {
            if !list.is_empty() {
                errors.insert(name, condense(list, None, Keep::All, |v| v));
            }
        }
        if !e.nonmonotonic_poll.is_empty() {
            errors.insert(
                "nonmonotonic-poll",
                condense(
                    e.nonmonotonic_poll,
                    Some(delta_external),
                    Keep::First(8),
                    |x| self.render_external(&x, false),
                ),
            );
        }
        if !e.nonmonotonic_send.is_empty() {
            errors.insert(
                "nonmonotonic-send",
                condense(
                    e.nonmonotonic_send,
                    Some(delta_external),
                    Keep::First(8),
                    |x| self.render_external(&x, false),
                ),
            );
        }
        if !e.poll_skip.is_empty() {
            errors.insert(
                "poll-skip",
                condense(e.poll_skip, Some(delta_external), Keep::Last(8), |x| {
                    self.render_external(&x, true)
                }),
            );
        }
        if let Some(unseen) = e.unseen {
            errors.insert("unseen", unseen);
        }
        // Cycles, grouped by the type their explanation gives them.
        let mut by_type: BTreeMap<&str, Vec<Vec<u32>>> = BTreeMap::new();
        for c in e.cycles {
            by_type.entry(self.cycle_type(&c)).or_default().push(c);
        }
        for (t, list) in by_type {
            errors.insert(
                t,
                condense(list, Some(|c| c.len() as i64), Keep::First(8), |c| {
                    self.explain_cycle(&c)
                }),
            );
        }
        if e.empty_graph {
            errors.insert("empty-transaction-graph", json!({"count": 1, "errs": true}));
        }
        let types: Vec<&str> = errors.keys().copied().collect();
        let bad: Vec<&str> = types
            .iter()
            .copied()
            .filter(|t| !ALLOWED.contains(t))
            .collect();
        let mut out = Map::new();
        out.insert("valid?".into(), json!(bad.is_empty()));
        out.insert("worst-realtime-lag".into(), worst);
        out.insert("bad-error-types".into(), json!(bad));
        out.insert("error-types".into(), json!(types));
        out.insert("info-txn-causes".into(), Value::Array(causes));
        for (k, v) in errors {
            out.insert(k.to_string(), v);
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Completion;
    use std::collections::HashMap;

    const MS: u64 = 1_000_000;

    /// Hand-written histories: ops by process, times in ms.
    #[derive(Default)]
    struct B {
        h: History,
        open: HashMap<u64, usize>,
    }

    impl B {
        fn inv(&mut self, p: u64, ms: u64, f: &str, value: Value) -> &mut Self {
            let i = self.h.invoke(ms * MS, Process::Client(p), f, value, false);
            self.open.insert(p, i);
            self
        }

        /// Completes p's open op; a null value keeps the invocation's.
        fn done(
            &mut self,
            p: u64,
            ms: u64,
            typ: OpType,
            value: Value,
            error: Option<&str>,
        ) -> &mut Self {
            let i = self.open.remove(&p).expect("an open op");
            let value = if value.is_null() {
                self.h.ops()[i].value.clone()
            } else {
                value
            };
            self.h.complete(
                ms * MS,
                i,
                Completion {
                    typ,
                    value,
                    error: error.map(|e| json!(e)),
                    exception: None,
                },
            );
            self
        }

        fn ok(&mut self, p: u64, ms: u64, value: Value) -> &mut Self {
            self.done(p, ms, OpType::Ok, value, None)
        }

        /// A whole ok send of `msg` to `k`, acknowledged at `offset`.
        fn send(&mut self, p: u64, ms: (u64, u64), k: &str, msg: i64, offset: i64) -> &mut Self {
            self.inv(p, ms.0, "send", json!([["send", k, msg]])).ok(
                p,
                ms.1,
                json!([["send", k, [offset, msg]]]),
            )
        }

        /// A whole ok poll returning `reads`.
        fn poll(&mut self, p: u64, ms: (u64, u64), reads: Value) -> &mut Self {
            self.inv(p, ms.0, "poll", json!([["poll"]]))
                .ok(p, ms.1, json!([["poll", reads]]))
        }

        fn assign(&mut self, p: u64, ms: (u64, u64), keys: &[&str]) -> &mut Self {
            self.inv(p, ms.0, "assign", json!(keys))
                .ok(p, ms.1, Value::Null)
        }

        fn check(&self) -> Value {
            check(&self.h)
        }
    }

    fn types(r: &Value) -> Vec<&str> {
        r["error-types"]
            .as_array()
            .expect("error-types")
            .iter()
            .filter_map(Value::as_str)
            .collect()
    }

    fn errs<'a>(r: &'a Value, t: &str) -> &'a Vec<Value> {
        r[t]["errs"]
            .as_array()
            .unwrap_or_else(|| panic!("{t} in {r:#}"))
    }

    #[test]
    fn a_valid_history_and_its_worst_realtime_lag() {
        let mut b = B::default();
        b.assign(0, (0, 1), &["a"])
            .send(1, (1, 3), "a", 1, 0)
            // Offset 1 is never seen: a gap in raw offsets is fine.
            .send(1, (4, 5), "a", 2, 2)
            .poll(0, (6, 7), json!({"a": [[0, 1], [2, 2]]}))
            // An indeterminate send nobody polled is not unseen.
            .inv(1, 8, "send", json!([["send", "a", 3]]))
            .done(1, 9, OpType::Info, Value::Null, Some("net-timeout"))
            // The assign drops "a"; re-added, it may start anywhere.
            .assign(0, (10, 11), &["b"])
            .assign(0, (12, 13), &["a", "b"])
            .poll(0, (14, 15), json!({"a": [[2, 2]]}))
            .assign(2, (20, 21), &["a"])
            // A consumer behind the log: offset 0 was superseded at 5 ms
            // (the ack of offset 2), and it polled at 30 ms: lag 25 ms.
            .poll(2, (30, 31), json!({"a": [[0, 1]]}));
        let r = b.check();
        assert_eq!(r["valid?"], true, "{r:#}");
        assert_eq!(types(&r), Vec::<&str>::new());
        assert_eq!(r["bad-error-types"], json!([]));
        assert_eq!(r["info-txn-causes"], json!(["net-timeout"]));
        assert_eq!(
            r["worst-realtime-lag"],
            json!({"time": 0.03, "process": 2, "key": "a", "lag": 0.025})
        );
    }

    #[test]
    fn worst_lag_counts_every_tracked_key_and_ties_keep_the_first() {
        let mut b = B::default();
        b.assign(0, (0, 1), &["x", "a"])
            .poll(0, (2, 3), json!({}))
            .send(1, (4, 5), "a", 1, 0)
            // Polls nothing, yet "a" (assigned, at -1) lags: 10 − 5 ms.
            .poll(0, (10, 11), json!({}))
            .poll(0, (12, 13), json!({"a": [[0, 1]]}));
        let r = b.check();
        assert_eq!(
            r["worst-realtime-lag"],
            json!({"time": 0.01, "process": 0, "key": "a", "lag": 0.005})
        );
        // No poll at all: Jepsen's default.
        let mut b = B::default();
        b.send(0, (0, 1), "a", 1, 0);
        assert_eq!(
            b.check()["worst-realtime-lag"],
            json!({"time": 0.0, "lag": 0.0})
        );
        // All lags 0: the first measured one, key "x" assigned first.
        let mut b = B::default();
        b.assign(0, (0, 1), &["x", "a"]).poll(0, (2, 3), json!({}));
        assert_eq!(
            b.check()["worst-realtime-lag"],
            json!({"time": 0.002, "process": 0, "key": "x", "lag": 0.0})
        );
    }

    #[test]
    fn inconsistent_offsets() {
        let mut b = B::default();
        b.send(0, (0, 1), "a", 2, 0)
            .send(1, (2, 3), "a", 1, 0)
            .send(1, (4, 5), "a", 3, 1);
        let r = b.check();
        assert_eq!(r["valid?"], false);
        assert!(types(&r).contains(&"inconsistent-offsets"));
        assert_eq!(
            errs(&r, "inconsistent-offsets"),
            &vec![json!({"key": "a", "offset": 0, "index": 0, "values": [1, 2]})]
        );
        assert_eq!(r["inconsistent-offsets"]["count"], 1);
    }

    #[test]
    fn duplicates() {
        let mut b = B::default();
        b.send(0, (0, 1), "a", 1, 0)
            .send(0, (2, 3), "a", 2, 2)
            .poll(1, (4, 5), json!({"a": [[0, 1], [1, 1], [2, 2]]}));
        let r = b.check();
        assert_eq!(
            errs(&r, "duplicate"),
            &vec![json!({"key": "a", "value": 1, "count": 2, "offsets": [0, 1]})]
        );
        // The repeat is also a non-monotonic step within the poll.
        let nm = errs(&r, "int-nonmonotonic-poll");
        assert_eq!(nm[0]["values"], json!([1, 1]));
        assert_eq!(nm[0]["delta"], 0);
        assert_eq!(types(&r), vec!["duplicate", "int-nonmonotonic-poll"]);
    }

    #[test]
    fn lost_write_and_internal_skip() {
        let mut b = B::default();
        b.send(0, (0, 1), "a", 1, 0)
            .send(0, (2, 3), "a", 2, 1)
            .send(0, (4, 5), "a", 3, 2)
            .poll(1, (6, 7), json!({"a": [[0, 1], [2, 3]]}));
        let r = b.check();
        assert_eq!(
            types(&r),
            vec!["int-poll-skip", "lost-write", "unseen"],
            "{r:#}"
        );
        let ops = b.h.ops();
        let lost = errs(&r, "lost-write");
        assert_eq!(lost.len(), 1);
        assert_eq!(lost[0]["key"], "a");
        assert_eq!(lost[0]["value"], 2);
        assert_eq!(lost[0]["index"], 1);
        assert_eq!(lost[0]["max-read-index"], 2);
        assert_eq!(lost[0]["writer"], serde_json::to_value(&ops[3]).unwrap());
        assert_eq!(lost[0]["max-read"], serde_json::to_value(&ops[7]).unwrap());
        let skip = &errs(&r, "int-poll-skip")[0];
        assert_eq!(skip["values"], json!([1, 3]));
        assert_eq!(skip["delta"], 2);
        assert_eq!(skip["skipped"], json!([2]));
        assert_eq!(skip["op"]["index"], 7);
        assert_eq!(r["unseen"]["unseen"], json!({"a": 1}));
    }

    #[test]
    fn unseen_messages() {
        let mut b = B::default();
        b.send(0, (0, 1), "b", 5, 0)
            .send(0, (2, 3), "a", 1, 0)
            .send(0, (4, 5), "a", 2, 1)
            .poll(1, (6, 7), json!({"a": [[0, 1]]}));
        let r = b.check();
        assert_eq!(
            r["unseen"],
            json!({"time": 7_000_000, "unseen": {"a": 1, "b": 1},
                   "messages": {"a": [2], "b": [5]}})
        );
        assert!(r["unseen"].get("count").is_none(), "not wrapped");
    }

    #[test]
    fn unseen_counts_a_key_first_seen_in_the_last_poll() {
        // Jepsen's quirk: "b" enters the polled map before the sent one, so
        // for that last step its polled messages count as unseen.
        let mut b = B::default();
        b.send(0, (0, 1), "a", 1, 0)
            .inv(2, 2, "send", json!([["send", "b", 5]]))
            .done(2, 3, OpType::Info, Value::Null, Some("net-timeout"))
            .poll(1, (4, 5), json!({"a": [[0, 1]], "b": [[0, 5]]}));
        let r = b.check();
        assert_eq!(r["unseen"]["unseen"], json!({"b": 1}), "{r:#}");
        // One more op and the quirk is gone.
        b.poll(1, (6, 7), json!({}));
        assert!(b.check().get("unseen").is_none());
    }

    #[test]
    fn poll_skip() {
        let mut b = B::default();
        b.send(0, (0, 1), "a", 1, 0)
            .send(0, (2, 3), "a", 2, 1)
            .send(0, (4, 5), "a", 3, 2)
            .assign(1, (6, 7), &["a"])
            .poll(1, (8, 9), json!({"a": [[0, 1]]}))
            .poll(1, (10, 11), json!({"a": [[2, 3]]}))
            .poll(2, (12, 13), json!({"a": [[1, 2]]}));
        let r = b.check();
        assert_eq!(types(&r), vec!["poll-skip"], "{r:#}");
        let e = &errs(&r, "poll-skip")[0];
        assert_eq!(e["key"], "a");
        assert_eq!(e["delta"], 2);
        assert_eq!(e["skipped"], json!([2]));
        assert!(e.get("values").is_none());
        assert_eq!(e["ops"][0]["index"], 9);
        assert_eq!(e["ops"][1]["index"], 11);
    }

    #[test]
    fn nonmonotonic_poll() {
        let mut b = B::default();
        b.send(0, (0, 1), "a", 1, 0)
            .send(0, (2, 3), "a", 2, 1)
            .poll(1, (4, 5), json!({"a": [[0, 1], [1, 2]]}))
            .poll(1, (6, 7), json!({"a": [[1, 2]]}));
        let r = b.check();
        assert_eq!(types(&r), vec!["nonmonotonic-poll"], "{r:#}");
        let e = &errs(&r, "nonmonotonic-poll")[0];
        assert_eq!(e["values"], json!([2, 2]));
        assert_eq!(e["delta"], 0);
        assert_eq!(e["ops"][1]["index"], 7);
    }

    #[test]
    fn an_empty_list_resets_the_chain() {
        let mut b = B::default();
        b.send(0, (0, 1), "a", 1, 0)
            .send(0, (2, 3), "a", 2, 1)
            .poll(1, (4, 5), json!({"a": [[0, 1], [1, 2]]}))
            .poll(1, (6, 7), json!({"a": []}))
            .poll(1, (8, 9), json!({"a": [[0, 1]]}));
        assert_eq!(types(&b.check()), Vec::<&str>::new());
    }

    #[test]
    fn int_nonmonotonic_poll() {
        let mut b = B::default();
        b.send(0, (0, 1), "a", 1, 0)
            .send(0, (2, 3), "a", 2, 1)
            .poll(1, (4, 5), json!({"a": [[1, 2], [0, 1]]}));
        let r = b.check();
        assert_eq!(types(&r), vec!["int-nonmonotonic-poll"], "{r:#}");
        let e = &errs(&r, "int-nonmonotonic-poll")[0];
        assert_eq!(e["values"], json!([2, 1]));
        assert_eq!(e["delta"], -1);
        assert_eq!(e["key"], "a");
    }

    #[test]
    fn nonmonotonic_send() {
        let mut b = B::default();
        b.send(0, (0, 1), "a", 1, 1)
            .send(0, (2, 3), "a", 2, 0)
            .poll(1, (4, 5), json!({"a": [[0, 2], [1, 1]]}));
        let r = b.check();
        assert_eq!(types(&r), vec!["nonmonotonic-send"], "{r:#}");
        let e = &errs(&r, "nonmonotonic-send")[0];
        assert_eq!(e["values"], json!([1, 2]));
        assert_eq!(e["delta"], -1);
        assert_eq!(e["ops"][0]["index"], 1);
        assert_eq!(e["ops"][1]["index"], 3);
    }

    #[test]
    fn g1a_aborted_read() {
        let mut b = B::default();
        b.inv(0, 0, "send", json!([["send", "a", 7]]))
            .done(0, 1, OpType::Fail, Value::Null, None)
            .poll(1, (2, 3), json!({"a": [[0, 7]]}));
        let r = b.check();
        // "a" first shows up through the poll (the failed send is not an ok
        // op), so Jepsen's unseen pass counts it for that step.
        assert_eq!(types(&r), vec!["G1a", "unseen"], "{r:#}");
        let e = &errs(&r, "G1a")[0];
        assert_eq!(e["key"], "a");
        assert_eq!(e["value"], 7);
        assert_eq!(e["writer"]["type"], "fail");
        assert_eq!(e["reader"]["index"], 3);
        // Fail/info completions are not causes: only info ones are.
        assert_eq!(r["info-txn-causes"], json!([]));
    }

    #[test]
    fn reading_the_future_is_g1c_realtime() {
        let mut b = B::default();
        b.poll(0, (0, 1), json!({"a": [[0, 5]]}))
            .send(1, (2, 3), "a", 5, 0);
        let r = b.check();
        assert_eq!(r["valid?"], false);
        assert_eq!(
            types(&r),
            vec!["G1c-realtime", "strong-PL-2-cycle-exists"],
            "{r:#}"
        );
        assert_eq!(
            r["bad-error-types"],
            json!(["G1c-realtime", "strong-PL-2-cycle-exists"])
        );
        let ops = b.h.ops();
        let op = |i: usize| serde_json::to_value(&ops[i]).unwrap();
        let c = &errs(&r, "G1c-realtime")[0];
        assert_eq!(c["type"], "G1c-realtime");
        assert_eq!(c["cycle"], json!([op(1), op(3), op(1)]));
        assert_eq!(
            c["steps"],
            json!([
                {"type": "realtime", "a'": op(1), "b": op(2)},
                {"type": "wr", "key": "a", "value": 5, "a-mop-index": 0, "b-mop-index": 0},
            ])
        );
        let text = c["explanation"].as_str().unwrap();
        assert!(text.contains("T1 < T2, because T1 completed at index 1, 0.001 seconds before the invocation of T2, at index 2"), "{text}");
        assert!(text.contains("However, T2 < T1, because T2 sent 5 to \"a\" which was polled by T1: a contradiction!"), "{text}");
        assert_eq!(
            errs(&r, "strong-PL-2-cycle-exists"),
            &vec![
                json!({"type": "strong-PL-2-cycle-exists", "not": "strong-read-committed",
                         "subgraph": ["union", "ww", "wwp", "wr", "wrp", "realtime"],
                         "scc-size": 2, "scc": [1, 3]})
            ]
        );
    }

    #[test]
    fn an_empty_transaction_graph_is_bad() {
        let mut b = B::default();
        b.poll(0, (0, 1), json!({}));
        let r = b.check();
        assert_eq!(types(&r), vec!["empty-transaction-graph"]);
        assert_eq!(
            r["empty-transaction-graph"],
            json!({"count": 1, "errs": true})
        );
        assert_eq!(r["valid?"], false);
        // No client op at all: Jepsen skips the cycle search.
        let r = check(&History::default());
        assert_eq!(r["valid?"], true);
        assert_eq!(types(&r), Vec::<&str>::new());
    }

    #[test]
    fn where_maelstrom_throws_the_verdict_is_unknown() {
        // A key only ever polled as an empty list: (nth … -1) throws.
        let mut b = B::default();
        b.send(0, (0, 1), "a", 1, 0)
            .poll(1, (2, 3), json!({"a": [[0, 1]], "b": []}));
        let r = b.check();
        assert_eq!(r["valid?"], "unknown");
        let error = r["error"].as_str().unwrap();
        assert!(error.contains("\"b\"") && error.contains("nth"), "{error}");
        // A polled message nobody sent.
        let mut b = B::default();
        b.send(0, (0, 1), "a", 1, 0)
            .poll(1, (2, 3), json!({"a": [[0, 1], [1, 9]]}));
        let r = b.check();
        assert_eq!(r["valid?"], "unknown");
        assert!(
            r["error"].as_str().unwrap().contains("no send wrote"),
            "{r}"
        );
    }

    #[test]
    fn an_internal_send_skip_is_allowed() {
        let mut b = B::default();
        b.inv(0, 0, "send", json!([["send", "a", 1], ["send", "a", 3]]))
            .ok(0, 1, json!([["send", "a", [0, 1]], ["send", "a", [2, 3]]]))
            .send(1, (2, 3), "a", 2, 1)
            .poll(2, (4, 5), json!({"a": [[0, 1], [1, 2], [2, 3]]}));
        let r = b.check();
        assert_eq!(types(&r), vec!["int-send-skip"], "{r:#}");
        assert_eq!(r["bad-error-types"], json!([]));
        assert_eq!(r["valid?"], true);
        assert_eq!(errs(&r, "int-send-skip")[0]["skipped"], json!([2]));
    }

    #[test]
    fn truncation_keeps_the_largest_skips() {
        let mut b = B::default();
        for i in 0..40 {
            b.send(0, (2 * i, 2 * i + 1), "a", i as i64, i as i64);
        }
        // Skips of 2, 3, …, 11 within one poll each.
        for (n, d) in (2..12).enumerate() {
            let t = 100 + 2 * n as u64;
            b.poll(1, (t, t + 1), json!({"a": [[0, 0], [d, d]]}));
        }
        b.poll(
            2,
            (200, 201),
            json!({"a": (0..40).map(|i| json!([i, i])).collect::<Vec<_>>()}),
        );
        let r = b.check();
        assert_eq!(r["int-poll-skip"]["count"], 10);
        let deltas: Vec<i64> = errs(&r, "int-poll-skip")
            .iter()
            .map(|e| e["delta"].as_i64().unwrap())
            .collect();
        assert_eq!(deltas, vec![4, 5, 6, 7, 8, 9, 10, 11]);
    }
}
