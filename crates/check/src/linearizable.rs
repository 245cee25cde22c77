//! The `lin-kv` workload's checker: per key (independent, as Jepsen's
//! `independent/checker` splits `[key value]` tuples), linearizability of a
//! compare-and-set register starting at `null` (Knossos's `cas-register`),
//! plus the per-key `timeline`. The search is Wing–Gong–Lowe's with
//! Porcupine's memoisation of (linearized set, register state), bounded by
//! [`Limits`] so that a hard history yields `unknown` instead of hanging.
//! A failing key reports the completed operation no order can get past, the
//! operations concurrent with it, the states the register could be in, and a
//! sentence saying why; [`timeline_svg`] draws that window.
//!
//! Ops that never completed ok (info, or no completion) may take effect at
//! any later time or never; they are tried by kind (interchangeable once
//! invoked) and only when no ok op can go next, and a configuration that has
//! used more of them than a visited one with the same state and ok ops is
//! subsumed. Valid histories check in linear time in practice (a 60 s × 1000
//! ops/s history: ~60 ms). A violation late in a history with hundreds of
//! info ops on its key can still exhaust the limits, since which of them
//! took effect before it is genuinely combinatorial: the key is then
//! `unknown`, with the op the search was stuck at as `op`.

use crate::history::{History, Op, OpType, Process};
use crate::svg::{cut, escape, open_svg, LIGHT_BLUE, ORANGE, PINK};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;
use std::time::{Duration, Instant};

/// Bounds on one key's search; exceeding either makes that key `unknown`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_time: Duration,
    /// Memoised (linearized set, state) configurations.
    pub max_states: usize,
    /// Approximate bytes those configurations take: each holds a bit per
    /// op that never completed ok, so histories with thousands of info ops
    /// hit this before `max_states`.
    pub max_memo_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_time: Duration::from_secs(10),
            max_states: 10_000_000,
            max_memo_bytes: 1 << 30,
        }
    }
}

/// Per memoised configuration beyond its words: the allocation's and the
/// hash table slot's overhead, roughly.
const MEMO_OVERHEAD: usize = 40;

/// Most count vectors kept per (state, linearized ok ops).
const MEMO_LIST_MAX: usize = 16;

/// Checks every key's subhistory; the result has Jepsen's independent
/// checker's shape: `{valid?, results: {key: {linearizable, timeline,
/// valid?}}, failures: [keys whose valid? is false]}`.
pub fn check(history: &History, limits: Limits) -> Value {
    let mut results = Map::new();
    let mut failures = Vec::new();
    let mut any_false = false;
    let mut any_unknown = false;
    for (key, ops) in split_by_key(history) {
        let lin = analyse(&ops, limits).to_value(history, &ops, &key);
        let valid = lin["valid?"].clone();
        match &valid {
            Value::Bool(true) => {}
            Value::Bool(false) => {
                any_false = true;
                failures.push(key.clone());
            }
            // Clojure's :unknown is truthy, so Jepsen leaves such keys out
            // of :failures; they still make the verdict unknown.
            _ => any_unknown = true,
        }
        results.insert(
            key_name(&key),
            json!({"linearizable": lin, "timeline": {"valid?": true}, "valid?": valid}),
        );
    }
    let valid = if any_false {
        json!(false)
    } else if any_unknown {
        json!("unknown")
    } else {
        json!(true)
    };
    json!({"valid?": valid, "results": results, "failures": failures})
}

/// The key a plain register's operations are filed under.
pub const REGISTER_KEY: &str = "register";

/// A plain register's history (Knossos's `cas-register`: `read`, `write v`,
/// `cas [from to]`, values without keys) as a one-key lin-kv history.
pub fn as_one_key(history: &History) -> History {
    let mut keyed = History::default();
    for op in history.ops() {
        let mut op = op.clone();
        if op.is_workload_op() && matches!(op.f.as_str(), "read" | "write" | "cas") {
            op.value = json!([REGISTER_KEY, op.value]);
        }
        keyed.push(op);
    }
    keyed
}

/// Checks one register, as Knossos's `cas-register` model does (a read of
/// `nil` constrains nothing). The result has lin-kv's shape, with the one
/// key [`REGISTER_KEY`].
pub fn check_register(history: &History, limits: Limits) -> Value {
    check(&as_one_key(history), limits)
}

/// An SVG of `key`'s failing window: one lane per process, one bar per
/// operation with its value, the operation that cannot be linearized in pink.
/// A key that is linearizable (or unknown, or absent) gets a one-line note.
pub fn timeline_svg(history: &History, key: &Value) -> String {
    let Some((_, ops)) = split_by_key(history).into_iter().find(|(k, _)| k == key) else {
        return note_svg(&format!("no operations on key {}", key_name(key)));
    };
    match analyse(&ops, Limits::default()) {
        Outcome::Invalid(f) => window_svg(history, &ops, key, &f),
        Outcome::Valid { .. } => note_svg(&format!("key {} is linearizable", key_name(key))),
        Outcome::Unknown(cause, _) => note_svg(&format!("key {}: {cause}", key_name(key))),
    }
}

// ---------------------------------------------------------------------------
// Per-key operations

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Read(u32),
    Write(u32),
    Cas(u32, u32),
}

/// One operation of a key as the search sees it. Values are interned; id 0
/// is `null`.
#[derive(Debug, Clone)]
struct KOp {
    kind: Kind,
    /// History indices of the invocation and the completion (None if it
    /// never completed).
    invoke: usize,
    complete: Option<usize>,
    /// True if it completed ok; otherwise it may take effect any time after
    /// its invocation, or never.
    ok: bool,
}

struct KeyOps {
    ops: Vec<KOp>,
    values: Vec<Value>,
    /// `read_ok`s of `null`, always consistent and so left out of the search.
    null_reads: usize,
}

impl KeyOps {
    fn value(&self, id: u32) -> &Value {
        self.values.get(id as usize).unwrap_or(&Value::Null)
    }
}

fn split_by_key(history: &History) -> Vec<(Value, KeyOps)> {
    let mut by_key: Vec<(Value, KeyOps, HashMap<String, u32>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (inv, done) in history.pairs() {
        let Some([key, v]) = inv.value.as_array().map(Vec::as_slice) else {
            continue;
        };
        if !matches!(inv.f.as_str(), "read" | "write" | "cas") {
            continue;
        }
        let typ = done.map(|d| d.typ);
        // A fail definitely did not happen.
        if typ == Some(OpType::Fail) {
            continue;
        }
        let ok = typ == Some(OpType::Ok);
        let slot = *index.entry(key.to_string()).or_insert_with(|| {
            by_key.push((
                key.clone(),
                KeyOps {
                    ops: Vec::new(),
                    values: vec![Value::Null],
                    null_reads: 0,
                },
                HashMap::from([(Value::Null.to_string(), 0)]),
            ));
            by_key.len() - 1
        });
        let (_, k, interned) = &mut by_key[slot];
        let mut intern = |v: &Value| -> u32 {
            *interned.entry(v.to_string()).or_insert_with(|| {
                k.values.push(v.clone());
                (k.values.len() - 1) as u32
            })
        };
        let kind = match inv.f.as_str() {
            "read" => {
                // The read value is the completion's; an unfinished read
                // observed nothing and constrains nothing.
                let read = match done {
                    Some(d) if ok => d.value.as_array().and_then(|a| a.get(1)).cloned(),
                    _ => None,
                };
                match read {
                    Some(r) if !r.is_null() => Kind::Read(intern(&r)),
                    Some(_) => {
                        k.null_reads += 1;
                        continue;
                    }
                    None => continue,
                }
            }
            "write" => Kind::Write(intern(v)),
            _ => match v.as_array().map(Vec::as_slice) {
                Some([from, to]) => Kind::Cas(intern(from), intern(to)),
                _ => continue,
            },
        };
        k.ops.push(KOp {
            kind,
            invoke: inv.index,
            complete: done.map(|d| d.index),
            ok,
        });
    }
    let mut out: Vec<(Value, KeyOps)> = by_key.into_iter().map(|(k, o, _)| (k, o)).collect();
    out.sort_by(|a, b| key_order(&a.0, &b.0));
    out
}

/// Integer keys in numeric order, then the rest by their JSON text.
fn key_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a.as_i64(), b.as_i64()) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.to_string().cmp(&b.to_string()),
    }
}

fn key_name(key: &Value) -> String {
    match key.as_str() {
        Some(s) => s.to_string(),
        None => key.to_string(),
    }
}

/// Knossos's `cas-register` step: the next state, or why the op can't apply.
fn step(state: u32, kind: Kind) -> Result<u32, ()> {
    match kind {
        Kind::Read(v) if v == state => Ok(state),
        Kind::Read(_) => Err(()),
        Kind::Write(v) => Ok(v),
        Kind::Cas(from, to) if from == state => Ok(to),
        Kind::Cas(..) => Err(()),
    }
}

// ---------------------------------------------------------------------------
// The search

enum Outcome {
    Valid {
        states: usize,
    },
    Invalid(Failure),
    /// Why, and the op the search was stuck at furthest so far, if any.
    Unknown(String, Option<usize>),
}

/// Where the search got furthest: the op whose completion no order of the
/// ops before it could get past.
struct Failure {
    op: usize,
    /// Distinct register states (value ids) the search reached just before
    /// `op` had to take effect, at most [`MAX_CONFIGS`].
    states: Vec<u32>,
    /// The op linearized last in those configurations, latest first.
    last_op: Option<usize>,
    explored: usize,
}

const MAX_CONFIGS: usize = 10;

/// The doubly linked list of call/return entries WGL removes ops from.
struct Entries {
    next: Vec<usize>,
    prev: Vec<usize>,
    /// Per entry: its op, and for a call the entry of its return.
    op: Vec<usize>,
    ret_of: Vec<Option<usize>>,
}

impl Entries {
    /// Entry 0 is the head; the others in history order (of ok ops only).
    fn new(ops: &[KOp]) -> Self {
        let mut events: Vec<(usize, usize, bool)> = Vec::with_capacity(ops.len() * 2);
        for (i, o) in ops.iter().enumerate() {
            events.push((o.invoke, i, true));
            events.push((o.complete.unwrap_or(usize::MAX), i, false));
        }
        events.sort_by_key(|&(at, op, call)| (at, !call, op));
        let n = events.len() + 1;
        let mut e = Self {
            next: (1..=n).collect(),
            prev: (0..n).map(|i| i.wrapping_sub(1)).collect(),
            op: vec![usize::MAX; n],
            ret_of: vec![None; n],
        };
        e.next[n - 1] = usize::MAX;
        let mut call_entry = vec![0; ops.len()];
        for (k, &(_, op, call)) in events.iter().enumerate() {
            e.op[k + 1] = op;
            if call {
                call_entry[op] = k + 1;
            } else {
                e.ret_of[call_entry[op]] = Some(k + 1);
            }
        }
        e
    }

    fn unlink(&mut self, x: usize) {
        let (p, n) = (self.prev[x], self.next[x]);
        self.next[p] = n;
        if n != usize::MAX {
            self.prev[n] = p;
        }
    }

    fn relink(&mut self, x: usize) {
        let (p, n) = (self.prev[x], self.next[x]);
        self.next[p] = x;
        if n != usize::MAX {
            self.prev[n] = x;
        }
    }

    fn lift(&mut self, call: usize) {
        self.unlink(call);
        if let Some(r) = self.ret_of[call] {
            self.unlink(r);
        }
    }

    fn unlift(&mut self, call: usize) {
        if let Some(r) = self.ret_of[call] {
            self.relink(r);
        }
        self.relink(call);
    }
}

/// The linearized ok ops, kept so their memo key stays small: ok ops are
/// numbered in invocation order, so all ops below `low` are linearized and
/// only the words from `low` to the highest linearized op vary. (Ops that
/// never completed ok are counted per kind instead: see [`analyse`].)
struct Linearized {
    ok_bits: Vec<u64>,
    n_ok: usize,
    low: usize,
    /// Highest linearized ok op, if any at or above `low`.
    high: Option<usize>,
}

impl Linearized {
    fn new(n_ok: usize) -> Self {
        Self {
            ok_bits: vec![0; n_ok.div_ceil(64)],
            n_ok,
            low: 0,
            high: None,
        }
    }

    fn get(&self, i: usize) -> bool {
        self.ok_bits[i / 64] >> (i % 64) & 1 == 1
    }

    fn set(&mut self, op: usize) {
        if op >= self.n_ok {
            return;
        }
        self.ok_bits[op / 64] |= 1 << (op % 64);
        if self.high.is_none_or(|h| op > h) {
            self.high = Some(op);
        }
        while self.low < self.n_ok && self.get(self.low) {
            self.low += 1;
        }
        if self.high.is_some_and(|h| h < self.low) {
            self.high = None;
        }
    }

    fn clear(&mut self, op: usize) {
        if op >= self.n_ok {
            return;
        }
        self.ok_bits[op / 64] &= !(1 << (op % 64));
        if op < self.low {
            // Everything from op to the old low was linearized: the old
            // low - 1 (or op itself) is now the highest above the new low.
            if self.high.is_none() && self.low - 1 > op {
                self.high = Some(self.low - 1);
            }
            self.low = op;
        } else if self.high == Some(op) {
            let mut h = op;
            self.high = loop {
                if h <= self.low {
                    break None;
                }
                h -= 1;
                if self.get(h) {
                    break Some(h);
                }
            };
        }
    }

    /// (state, linearized ok ops) as a compact, exact memo key.
    fn key(&self, state: u32) -> Box<[u64]> {
        let words = match self.high {
            Some(h) => &self.ok_bits[self.low / 64..=h / 64],
            None => &[][..],
        };
        let mut k = Vec::with_capacity(2 + words.len());
        k.push(state as u64 | (self.low as u64) << 32);
        k.push(words.len() as u64);
        k.extend_from_slice(words);
        k.into_boxed_slice()
    }
}

/// Memoised configurations: per (state, linearized ok ops), the vectors of
/// how many ops of each kind that never completed ok were linearized.
///
/// Such ops of the same kind are interchangeable once invoked, and two
/// configurations with the same linearized ok ops can invoke the same ones,
/// so counts are exact where Porcupine keeps a bit per op. And a count
/// vector at or above a visited one is subsumed by it: those ops may also
/// never take effect, so whatever the configuration with more of them left
/// can do is a superset. Without that, each of a few hundred info ops doubles
/// the configurations to revisit when a late op fails.
#[derive(Default)]
struct Memo {
    map: super::fx::FxMap<Box<[u64]>, Vec<Box<[u32]>>>,
    states: usize,
    bytes: usize,
}

impl Memo {
    /// Records the configuration; false if it was visited or subsumed.
    fn visit(&mut self, key: Box<[u64]>, used: &[u32]) -> bool {
        let key_bytes = key.len() * 8;
        let fresh = !self.map.contains_key(&key);
        let list = self.map.entry(key).or_default();
        let covers = |seen: &[u32], other: &[u32]| seen.iter().zip(other).all(|(a, b)| a <= b);
        if list.iter().any(|seen| covers(seen, used)) {
            return false;
        }
        let before = list.len();
        list.retain(|seen| !covers(used, seen));
        // Forgetting a visited configuration only costs a revisit, and
        // long lists would make every lookup slow: keep the latest few.
        if list.len() >= MEMO_LIST_MAX {
            list.remove(0);
        }
        let removed = before - list.len();
        self.states = self.states + 1 - removed;
        self.bytes -= removed * (used.len() * 4 + MEMO_OVERHEAD);
        list.push(used.into());
        self.bytes += used.len() * 4 + MEMO_OVERHEAD + if fresh { key_bytes } else { 0 };
        true
    }
}

fn analyse(k: &KeyOps, limits: Limits) -> Outcome {
    // Ok ops first, in invocation order, then the open ones.
    let mut order: Vec<usize> = (0..k.ops.len()).collect();
    order.sort_by_key(|&i| (!k.ops[i].ok, k.ops[i].invoke));
    let ops: Vec<KOp> = order.iter().map(|&i| k.ops[i].clone()).collect();
    let n_ok = ops.iter().filter(|o| o.ok).count();
    // Only ok ops are in the entry list. The others are tried by kind, and
    // only once no ok op can go next: with hundreds of info writes, each
    // always applicable, trying them first would take effect eagerly and
    // revisit every subset when a late op fails.
    let mut entries = Entries::new(&ops[..n_ok]);
    let mut lin = Linearized::new(n_ok);
    let mut kinds: Vec<Kind> = Vec::new();
    // Per kind: its ops' (invocation index, op), in invocation order.
    let mut open: Vec<Vec<(usize, usize)>> = Vec::new();
    for (i, o) in ops.iter().enumerate().skip(n_ok) {
        let kind = match kinds.iter().position(|&x| x == o.kind) {
            Some(x) => x,
            None => {
                kinds.push(o.kind);
                open.push(Vec::new());
                kinds.len() - 1
            }
        };
        open[kind].push((o.invoke, i));
    }
    let mut used = vec![0u32; kinds.len()];
    let mut memo = Memo::default();
    memo.visit(lin.key(0), &used);
    struct Frame {
        /// The call entry linearized, or for an open op the return entry
        /// it was tried at.
        entry: usize,
        open_kind: Option<usize>,
        op: usize,
        prev: u32,
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut state = 0u32;
    let mut best: Option<Failure> = None;
    let mut best_entry = 0;
    let started = Instant::now();
    let mut steps = 0u64;
    let mut entry = entries.next[0];
    let mut kind_from = 0;
    let over_limit = |memo: &Memo| {
        (memo.states > limits.max_states || memo.bytes > limits.max_memo_bytes).then(|| {
            format!(
                "search exceeded the limit of {} memoised states or {} MiB of them \
                 ({} states, {} MiB, after {:.1} s)",
                limits.max_states,
                limits.max_memo_bytes >> 20,
                memo.states,
                memo.bytes >> 20,
                started.elapsed().as_secs_f64()
            )
        })
    };
    // Ops that never completed ok may be left out, so the search is over
    // once every ok op is linearized.
    let mut ok_left = n_ok;
    while ok_left > 0 && entry != usize::MAX {
        steps += 1;
        if steps.is_multiple_of(4096) && started.elapsed() > limits.max_time {
            let cause = format!(
                "search exceeded the time limit of {:.1} s after {} memoised states",
                limits.max_time.as_secs_f64(),
                memo.states
            );
            return Outcome::Unknown(cause, best.map(|f| f.op));
        }
        let op = entries.op[entry];
        if entries.ret_of[entry].is_some() {
            // A call: try to linearize its op here.
            if let Ok(next) = step(state, ops[op].kind) {
                lin.set(op);
                if memo.visit(lin.key(next), &used) {
                    if let Some(cause) = over_limit(&memo) {
                        return Outcome::Unknown(cause, best.map(|f| f.op));
                    }
                    stack.push(Frame {
                        entry,
                        open_kind: None,
                        op,
                        prev: state,
                    });
                    state = next;
                    entries.lift(entry);
                    ok_left -= 1;
                    entry = entries.next[0];
                    kind_from = 0;
                    continue;
                }
                lin.clear(op);
            }
            entry = entries.next[entry];
            continue;
        }
        // A return whose op is not linearized: every op returned before it
        // is; remember the furthest such point.
        if entry > best_entry {
            best_entry = entry;
            best = Some(Failure {
                op: order[op],
                states: Vec::new(),
                last_op: None,
                explored: 0,
            });
        }
        if entry == best_entry {
            if let Some(f) = best.as_mut() {
                if f.states.len() < MAX_CONFIGS && !f.states.contains(&state) {
                    f.states.push(state);
                }
                if let Some(top) = stack.last() {
                    let top = order[top.op];
                    let later = |a: usize| k.ops[a].complete.unwrap_or(usize::MAX);
                    if f.last_op.is_none_or(|l| later(top) > later(l)) {
                        f.last_op = Some(top);
                    }
                }
            }
        }
        // Then an op invoked before it that never completed ok, if any
        // leads somewhere new.
        let ret_at = ops[op].complete.unwrap_or(usize::MAX);
        let pick = (kind_from..kinds.len()).find_map(|kind| {
            let invoked = open[kind].partition_point(|&(at, _)| at < ret_at);
            let u = used[kind] as usize;
            let next = step(state, kinds[kind]).ok().filter(|_| invoked > u)?;
            used[kind] += 1;
            if memo.visit(lin.key(next), &used) {
                return Some((kind, open[kind][u].1, next));
            }
            used[kind] -= 1;
            None
        });
        if let Some((kind, op, next)) = pick {
            if let Some(cause) = over_limit(&memo) {
                return Outcome::Unknown(cause, best.map(|f| f.op));
            }
            stack.push(Frame {
                entry,
                open_kind: Some(kind),
                op,
                prev: state,
            });
            state = next;
            entry = entries.next[0];
            kind_from = 0;
            continue;
        }
        // Nothing left here: backtrack.
        let Some(frame) = stack.pop() else {
            let mut f = best.unwrap_or(Failure {
                op: order[op],
                states: vec![state],
                last_op: None,
                explored: 0,
            });
            f.explored = memo.states;
            return Outcome::Invalid(f);
        };
        state = frame.prev;
        match frame.open_kind {
            Some(kind) => {
                used[kind] -= 1;
                entry = frame.entry;
                kind_from = kind + 1;
            }
            None => {
                lin.clear(frame.op);
                ok_left += 1;
                entries.unlift(frame.entry);
                entry = entries.next[frame.entry];
                kind_from = 0;
            }
        }
    }
    Outcome::Valid {
        states: memo.states,
    }
}

// ---------------------------------------------------------------------------
// Reporting

impl Outcome {
    fn to_value(&self, history: &History, k: &KeyOps, key: &Value) -> Value {
        let base = |valid: Value| {
            json!({"valid?": valid, "analyzer": "wgl", "op-count": k.ops.len(),
                   "null-reads": k.null_reads})
        };
        match self {
            Outcome::Valid { states } => {
                let mut v = base(json!(true));
                v["states"] = json!(states);
                v
            }
            Outcome::Unknown(cause, furthest) => {
                let mut v = base(json!("unknown"));
                v["cause"] = json!(cause);
                // Not a verdict: where the search was backtracking from.
                if let Some(op) = furthest {
                    v["op"] = render_op(history.ops(), k, *op);
                }
                v
            }
            Outcome::Invalid(f) => {
                let mut v = base(json!(false));
                let ops = history.ops();
                let render = |i: usize| render_op(ops, k, i);
                let window = window(k, f.op);
                let pending: Vec<Value> = window
                    .iter()
                    .filter(|&&i| i != f.op)
                    .map(|&i| render(i))
                    .collect();
                let last_op = f.last_op.map(render).unwrap_or(Value::Null);
                v["op"] = render(f.op);
                v["previous-ok"] = previous_ok(k, f.op).map_or(Value::Null, render);
                v["last-op"] = last_op.clone();
                v["configs"] = f
                    .states
                    .iter()
                    .map(|&s| {
                        json!({"model": {"value": k.value(s)}, "last-op": last_op,
                               "pending": pending})
                    })
                    .collect();
                v["final-paths"] = final_paths(k, f, &window, render);
                v["window"] = window.iter().map(|&i| render(i)).collect();
                v["explanation"] = json!(explain(history, k, key, f, window.len() - 1));
                v["states"] = json!(f.explored);
                v
            }
        }
    }
}

/// The failing op and the ops whose intervals overlap it (the ones that
/// could be ordered either side of it), in invocation order.
fn window(k: &KeyOps, op: usize) -> Vec<usize> {
    let end = |o: &KOp| if o.ok { o.complete } else { None };
    let f = &k.ops[op];
    let f_end = end(f).unwrap_or(usize::MAX);
    let mut w: Vec<usize> = (0..k.ops.len())
        .filter(|&i| {
            let o = &k.ops[i];
            i == op || (o.invoke < f_end && end(o).is_none_or(|e| e > f.invoke))
        })
        .collect();
    w.sort_by_key(|&i| k.ops[i].invoke);
    w
}

/// The last ok completion in the history before the failing op's (what
/// Knossos calls `previous-ok`).
fn previous_ok(k: &KeyOps, op: usize) -> Option<usize> {
    let end = k.ops[op].complete?;
    (0..k.ops.len())
        .filter(|&i| k.ops[i].ok && k.ops[i].complete.is_some_and(|c| c < end))
        .max_by_key(|&i| k.ops[i].complete)
}

/// The op as Knossos renders it: the completion (or the invocation if it
/// never completed) with the key taken out of its value.
fn render_op(ops: &[Op], k: &KeyOps, i: usize) -> Value {
    let o = &k.ops[i];
    let shown = o.complete.or(Some(o.invoke)).and_then(|x| ops.get(x));
    let Some(op) = shown else {
        return Value::Null;
    };
    let value = match o.kind {
        Kind::Read(v) => k.value(v).clone(),
        Kind::Write(v) => k.value(v).clone(),
        Kind::Cas(a, b) => json!([k.value(a), k.value(b)]),
    };
    let process = match op.process {
        Process::Client(p) => json!(p),
        Process::Nemesis => json!("nemesis"),
    };
    json!({"process": process, "type": op.typ, "f": op.f, "value": value,
           "index": op.index, "time": op.time})
}

fn model_after(k: &KeyOps, state: u32, kind: Kind) -> Result<u32, String> {
    step(state, kind).map_err(|()| match kind {
        Kind::Read(v) => format!("can't read {} from register {}", k.value(v), k.value(state)),
        Kind::Cas(a, b) => format!(
            "can't CAS {} from {} to {}",
            k.value(state),
            k.value(a),
            k.value(b)
        ),
        Kind::Write(_) => String::new(),
    })
}

/// Knossos-like final paths: from each state the search reached, the
/// failing op directly, or after one concurrent op, ending inconsistent.
fn final_paths(
    k: &KeyOps,
    f: &Failure,
    window: &[usize],
    render: impl Fn(usize) -> Value,
) -> Value {
    let model = |r: Result<u32, String>| match r {
        Ok(s) => json!({"value": k.value(s)}),
        Err(msg) => json!({"inconsistent": msg}),
    };
    let kind = k.ops[f.op].kind;
    let mut paths = Vec::new();
    for &s in &f.states {
        if let Err(e) = model_after(k, s, kind) {
            paths.push(json!([{"op": render(f.op), "model": model(Err(e))}]));
        }
        for &p in window.iter().filter(|&&p| p != f.op) {
            if let Ok(s2) = step(s, k.ops[p].kind) {
                if let Err(e) = model_after(k, s2, kind) {
                    paths.push(json!([{"op": render(p), "model": model(Ok(s2))},
                                      {"op": render(f.op), "model": model(Err(e))}]));
                }
            }
        }
    }
    paths.truncate(MAX_CONFIGS);
    Value::Array(paths)
}

fn describe(k: &KeyOps, kind: Kind) -> String {
    match kind {
        Kind::Read(v) => format!("read {}", k.value(v)),
        Kind::Write(v) => format!("write {}", k.value(v)),
        Kind::Cas(a, b) => format!("cas {} → {}", k.value(a), k.value(b)),
    }
}

fn explain(history: &History, k: &KeyOps, key: &Value, f: &Failure, concurrent: usize) -> String {
    let o = &k.ops[f.op];
    let ms = |i: Option<usize>| {
        i.and_then(|i| history.ops().get(i))
            .map_or("?".to_string(), |op| format!("{:.3}", op.time as f64 / 1e6))
    };
    let process = history
        .ops()
        .get(o.invoke)
        .map_or("?".to_string(), |op| match op.process {
            Process::Client(p) => p.to_string(),
            Process::Nemesis => "nemesis".into(),
        });
    let states: BTreeSet<String> = f.states.iter().map(|&s| k.value(s).to_string()).collect();
    let states: Vec<String> = states.into_iter().collect();
    let needed = match o.kind {
        Kind::Read(v) | Kind::Cas(v, _) => k.value(v).to_string(),
        Kind::Write(_) => "anything".into(),
    };
    format!(
        "On key {}, the ok {} by process {} (invoked at {} ms, completed at {} ms) cannot be \
         linearized: after every order of the operations that completed before it was invoked \
         ({} memoised configurations explored), the register held {} when it could take effect, \
         and no order of the {} operation(s) concurrent with it makes it hold {}.",
        key_name(key),
        describe(k, o.kind),
        process,
        ms(Some(o.invoke)),
        ms(o.complete),
        f.explored,
        match states.len() {
            0 => "no reachable value".to_string(),
            1 => states[0].clone(),
            _ => format!("one of {}", states.join(", ")),
        },
        concurrent,
        needed
    )
}

// ---------------------------------------------------------------------------
// SVG

const SVG_WIDTH: f64 = 960.0;
const LANE_H: f64 = 30.0;
const GUTTER: f64 = 110.0;
const TOP: f64 = 44.0;

fn note_svg(text: &str) -> String {
    let mut svg = String::new();
    open_svg(&mut svg, SVG_WIDTH, 40.0);
    let _ = writeln!(
        svg,
        "<text x=\"10\" y=\"25\" font-family=\"sans-serif\" font-size=\"14\">{}</text>\n</svg>",
        escape(text)
    );
    svg
}

fn window_svg(history: &History, k: &KeyOps, key: &Value, f: &Failure) -> String {
    let ops = history.ops();
    let w = window(k, f.op);
    let time = |i: Option<usize>| i.and_then(|i| ops.get(i)).map(|o| o.time);
    let t0 = w
        .iter()
        .filter_map(|&i| time(Some(k.ops[i].invoke)))
        .min()
        .unwrap_or(0);
    let closed_end = w
        .iter()
        .filter_map(|&i| time(k.ops[i].complete).or(time(Some(k.ops[i].invoke))))
        .max()
        .unwrap_or(t0);
    // Open ops run past the last completion to the right edge.
    let t1 = closed_end + (closed_end - t0) / 5 + 1;
    let span = (t1 - t0) as f64;
    let plot_w = SVG_WIDTH - GUTTER - 20.0;
    let x = |t: u64| GUTTER + (t.saturating_sub(t0)) as f64 / span * plot_w;
    let process_of = |i: usize| ops.get(k.ops[i].invoke).map(|o| o.process);
    let mut lanes: Vec<Process> = w.iter().filter_map(|&i| process_of(i)).collect();
    lanes.sort_by_key(|p| match p {
        Process::Client(n) => (0, *n),
        Process::Nemesis => (1, 0),
    });
    lanes.dedup();
    let height = TOP + lanes.len() as f64 * LANE_H + 70.0;
    let mut svg = String::new();
    open_svg(&mut svg, SVG_WIDTH, height);
    let _ = writeln!(
        svg,
        "<style>text{{font-family:sans-serif;font-size:12px}}</style>\n\
         <text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">key {}: the {} cannot be \
         linearized ({} concurrent operation(s); times in ms)</text>",
        escape(&key_name(key)),
        escape(&describe(k, k.ops[f.op].kind)),
        w.len() - 1
    );
    for (lane, p) in lanes.iter().enumerate() {
        let y = TOP + lane as f64 * LANE_H;
        let name = match p {
            Process::Client(n) => format!("process {n}"),
            Process::Nemesis => "nemesis".into(),
        };
        let _ = writeln!(
            svg,
            "<line x1=\"{GUTTER}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#eee\"/>\
             <text x=\"10\" y=\"{:.1}\">{}</text>",
            y + LANE_H / 2.0,
            SVG_WIDTH - 10.0,
            y + LANE_H / 2.0,
            y + LANE_H / 2.0 + 4.0,
            escape(&name)
        );
    }
    for &i in &w {
        let o = &k.ops[i];
        let Some(lane) = process_of(i).and_then(|p| lanes.iter().position(|l| *l == p)) else {
            continue;
        };
        let y = TOP + lane as f64 * LANE_H + 4.0;
        let start = x(time(Some(o.invoke)).unwrap_or(t0));
        let end = if o.ok {
            x(time(o.complete).unwrap_or(t1))
        } else {
            x(t1)
        };
        let (fill, stroke) = if i == f.op {
            (PINK, "#000")
        } else if o.ok {
            (LIGHT_BLUE, "#555")
        } else {
            (ORANGE, "#555")
        };
        let dash = if o.ok {
            ""
        } else {
            " stroke-dasharray=\"4 3\""
        };
        let label = format!(
            "{}{}",
            describe(k, o.kind),
            if o.ok { "" } else { " (info)" }
        );
        let title = format!(
            "{label}: invoked {:.3} ms{}",
            time(Some(o.invoke)).unwrap_or(0) as f64 / 1e6,
            match time(o.complete) {
                Some(t) => format!(", completed {:.3} ms", t as f64 / 1e6),
                None => ", never completed".into(),
            }
        );
        let _ = writeln!(
            svg,
            "<g><title>{}</title><rect x=\"{start:.1}\" y=\"{y:.1}\" width=\"{:.1}\" \
             height=\"{:.1}\" rx=\"3\" fill=\"{fill}\" stroke=\"{stroke}\"{dash}/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
            escape(&title),
            (end - start).max(2.0),
            LANE_H - 8.0,
            start + 3.0,
            y + LANE_H / 2.0 + 1.0,
            escape(&cut(&label, 40))
        );
    }
    // Time axis: window start and end.
    let axis_y = TOP + lanes.len() as f64 * LANE_H + 14.0;
    let _ = writeln!(
        svg,
        "<text x=\"{GUTTER}\" y=\"{axis_y:.1}\">{:.3}</text>\
         <text x=\"{:.1}\" y=\"{axis_y:.1}\" text-anchor=\"end\">{:.3}</text>",
        t0 as f64 / 1e6,
        x(closed_end),
        closed_end as f64 / 1e6
    );
    let states: BTreeSet<String> = f.states.iter().map(|&s| k.value(s).to_string()).collect();
    let states: Vec<String> = states.into_iter().collect();
    let _ = writeln!(
        svg,
        "<text x=\"10\" y=\"{:.1}\">The register could hold {} when the pink operation had to take \
         effect; no order of the others makes it succeed.</text>\n</svg>",
        axis_y + 24.0,
        escape(&cut(&states.join(", "), 60))
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::build::history;
    use OpType::{Fail, Info, Invoke, Ok as Done};

    fn r(
        p: u64,
        k: i64,
        v: Value,
        at: u64,
        end: u64,
    ) -> [(u64, OpType, &'static str, Value, u64); 2] {
        [
            (p, Invoke, "read", json!([k, null]), at),
            (p, Done, "read", json!([k, v]), end),
        ]
    }

    fn valid(h: &History) -> Value {
        check(h, Limits::default())
    }

    #[test]
    fn sequential_history_is_linearizable() {
        let mut rows = vec![
            (0, Invoke, "write", json!([0, 1]), 0),
            (0, Done, "write", json!([0, 1]), 1),
            (0, Invoke, "cas", json!([0, [1, 2]]), 2),
            (0, Done, "cas", json!([0, [1, 2]]), 3),
        ];
        rows.extend(r(1, 0, json!(2), 4, 5));
        let res = valid(&history(&rows));
        assert_eq!(res["valid?"], true, "{res:#}");
        assert_eq!(res["failures"], json!([]));
        assert_eq!(res["results"]["0"]["timeline"]["valid?"], true);
        assert_eq!(res["results"]["0"]["linearizable"]["valid?"], true);
    }

    #[test]
    fn concurrent_ops_linearize_only_in_a_non_obvious_order() {
        // w1 [0,10], w2 [1,11] overlap; read 1 in [12,13] forces w2 before
        // w1, though w1 was invoked first; cas 1→3 then must follow both.
        let mut rows = vec![
            (0, Invoke, "write", json!([0, 1]), 0),
            (1, Invoke, "write", json!([0, 2]), 1),
            (2, Invoke, "cas", json!([0, [2, 5]]), 2),
            (0, Done, "write", json!([0, 1]), 10),
            (1, Done, "write", json!([0, 2]), 11),
        ];
        // The cas 2→5 is pending and fails; ignore. Stale-looking read of 1.
        rows.push((2, Fail, "cas", json!([0, [2, 5]]), 12));
        rows.extend(r(3, 0, json!(1), 12, 13));
        rows.push((4, Invoke, "cas", json!([0, [1, 3]]), 14));
        rows.push((4, Done, "cas", json!([0, [1, 3]]), 15));
        rows.extend(r(3, 0, json!(3), 16, 17));
        let res = valid(&history(&rows));
        assert_eq!(res["valid?"], true, "{res:#}");

        // A cas that succeeds only if it goes between two overlapping writes.
        let rows = vec![
            (0, Invoke, "write", json!([0, 1]), 0),
            (1, Invoke, "cas", json!([0, [1, 4]]), 1),
            (2, Invoke, "write", json!([0, 2]), 2),
            (0, Done, "write", json!([0, 1]), 10),
            (1, Done, "cas", json!([0, [1, 4]]), 10),
            (2, Done, "write", json!([0, 2]), 10),
            (3, Invoke, "read", json!([0, null]), 11),
            (3, Done, "read", json!([0, 2]), 12),
        ];
        assert_eq!(valid(&history(&rows))["valid?"], true);
    }

    #[test]
    fn stale_read_after_completed_write_is_invalid() {
        let mut rows = vec![
            (0, Invoke, "write", json!([7, 1]), 0),
            (0, Done, "write", json!([7, 1]), 1),
            (0, Invoke, "write", json!([7, 2]), 2),
            (0, Done, "write", json!([7, 2]), 3),
        ];
        rows.extend(r(1, 7, json!(1), 4, 5));
        // A concurrent, unrelated key stays valid.
        rows.extend(r(2, 8, json!(null), 4, 5));
        let h = history(&rows);
        let res = valid(&h);
        assert_eq!(res["valid?"], false, "{res:#}");
        assert_eq!(res["failures"], json!([7]));
        assert_eq!(res["results"]["8"]["valid?"], true);
        let lin = &res["results"]["7"]["linearizable"];
        assert_eq!(lin["op"]["f"], "read");
        assert_eq!(lin["op"]["value"], 1);
        assert_eq!(lin["op"]["index"], 5);
        assert_eq!(lin["previous-ok"]["index"], 3);
        assert_eq!(lin["last-op"]["value"], 2);
        assert_eq!(lin["configs"][0]["model"]["value"], 2);
        assert_eq!(
            lin["final-paths"][0][0]["model"]["inconsistent"],
            "can't read 1 from register 2"
        );
        assert_eq!(lin["window"].as_array().map(Vec::len), Some(1));
        let why = lin["explanation"].as_str().unwrap_or("");
        assert!(why.contains("read 1") && why.contains("held 2"), "{why}");
        let svg = timeline_svg(&h, &json!(7));
        assert!(svg.contains(PINK) && svg.contains("read 1") && svg.ends_with("</svg>\n"));
        assert!(timeline_svg(&h, &json!(8)).contains("is linearizable"));
    }

    #[test]
    fn cas_from_a_value_that_cannot_be_current_is_invalid() {
        let rows = vec![
            (0, Invoke, "write", json!([0, 1]), 0),
            (0, Done, "write", json!([0, 1]), 1),
            (1, Invoke, "write", json!([0, 2]), 2),
            (2, Invoke, "cas", json!([0, [3, 4]]), 3),
            (2, Done, "cas", json!([0, [3, 4]]), 4),
            (1, Done, "write", json!([0, 2]), 5),
        ];
        let res = valid(&history(&rows));
        assert_eq!(res["valid?"], false);
        let lin = &res["results"]["0"]["linearizable"];
        assert_eq!(lin["op"]["f"], "cas");
        assert_eq!(lin["window"].as_array().map(Vec::len), Some(2));
        let paths = lin["final-paths"].to_string();
        assert!(paths.contains("can't CAS 1 from 3 to 4"), "{paths}");
        assert!(paths.contains("can't CAS 2 from 3 to 4"), "{paths}");
        let held = lin["configs"].as_array().map(|c| c.len());
        assert_eq!(held, Some(2), "the write may or may not precede the cas");
    }

    #[test]
    fn info_write_may_take_effect_later() {
        let mut rows = vec![
            (0, Invoke, "write", json!([0, 1]), 0),
            (0, Done, "write", json!([0, 1]), 1),
            (1, Invoke, "write", json!([0, 3]), 2),
            (1, Info, "write", json!([0, 3]), 3),
        ];
        rows.extend(r(2, 0, json!(1), 10, 11));
        rows.extend(r(2, 0, json!(3), 20, 21));
        assert_eq!(valid(&history(&rows))["valid?"], true);
        // A write never completed at all is open to the end as well.
        let mut rows = vec![(1, Invoke, "write", json!([0, 3]), 2)];
        rows.extend(r(2, 0, json!(3), 20, 21));
        assert_eq!(valid(&history(&rows))["valid?"], true);
        // But it can't take effect before its invocation.
        let mut rows = r(2, 0, json!(3), 0, 1).to_vec();
        rows.extend([
            (1, Invoke, "write", json!([0, 3]), 2),
            (1, Info, "write", json!([0, 3]), 3),
        ]);
        assert_eq!(valid(&history(&rows))["valid?"], false);
    }

    #[test]
    fn each_info_op_takes_effect_at_most_once() {
        // Reads of 2 on either side of an ok write of 1: two info writes of
        // 2 explain them, one does not.
        let with = |infos: u64| {
            let mut rows = Vec::new();
            for p in 0..infos {
                rows.push((10 + p, Invoke, "write", json!([0, 2]), 0));
                rows.push((10 + p, Info, "write", json!([0, 2]), 1));
            }
            rows.extend(r(1, 0, json!(2), 2, 3));
            rows.extend([
                (2, Invoke, "write", json!([0, 1]), 4),
                (2, Done, "write", json!([0, 1]), 5),
            ]);
            rows.extend(r(1, 0, json!(2), 6, 7));
            valid(&history(&rows))["valid?"].clone()
        };
        assert_eq!(with(1), false);
        assert_eq!(with(2), true);
        // An info cas takes effect only from its `from` value.
        let mut rows = vec![
            (0, Invoke, "cas", json!([0, [1, 3]]), 0),
            (0, Info, "cas", json!([0, [1, 3]]), 1),
        ];
        rows.extend(r(1, 0, json!(3), 2, 3));
        assert_eq!(valid(&history(&rows))["valid?"], false);
        rows.extend([
            (2, Invoke, "write", json!([0, 1]), 4),
            (2, Done, "write", json!([0, 1]), 5),
        ]);
        rows.drain(2..4);
        rows.extend(r(1, 0, json!(3), 6, 7));
        assert_eq!(valid(&history(&rows))["valid?"], true);
    }

    #[test]
    fn failed_ops_must_not_take_effect() {
        let mut rows = vec![
            (0, Invoke, "write", json!([0, 1]), 0),
            (0, Done, "write", json!([0, 1]), 1),
            (1, Invoke, "cas", json!([0, [1, 2]]), 2),
            (1, Fail, "cas", json!([0, [1, 2]]), 3),
            (1, Invoke, "write", json!([0, 4]), 4),
            (1, Fail, "write", json!([0, 4]), 5),
        ];
        rows.extend(r(2, 0, json!(2), 6, 7));
        assert_eq!(valid(&history(&rows))["valid?"], false);
        let mut rows = rows[..6].to_vec();
        rows.extend(r(2, 0, json!(4), 6, 7));
        assert_eq!(valid(&history(&rows))["valid?"], false);
    }

    #[test]
    fn null_reads_are_always_consistent() {
        // Knossos's cas-register accepts a read of nil in any state.
        let mut rows = vec![
            (0, Invoke, "write", json!([0, 1]), 0),
            (0, Done, "write", json!([0, 1]), 1),
        ];
        rows.extend(r(1, 0, json!(null), 2, 3));
        rows.extend(r(1, 0, json!(1), 4, 5));
        let res = valid(&history(&rows));
        assert_eq!(res["valid?"], true);
        assert_eq!(res["results"]["0"]["linearizable"]["null-reads"], 1);
        // The register starts at null: a cas from null is possible first.
        let rows = vec![
            (0, Invoke, "cas", json!([0, [null, 2]]), 0),
            (0, Done, "cas", json!([0, [null, 2]]), 1),
        ];
        assert_eq!(valid(&history(&rows))["valid?"], true);
    }

    #[test]
    fn search_bound_gives_unknown() {
        // Many concurrent writes with a read no order can satisfy: the
        // search has to try every subset before giving up.
        let mut rows = Vec::new();
        for p in 0..12 {
            rows.push((p, Invoke, "write", json!([0, p]), 0));
        }
        rows.extend(r(99, 0, json!(100), 1, 2));
        let h = history(&rows);
        let tight = Limits {
            max_states: 50,
            ..Limits::default()
        };
        let res = check(&h, tight);
        assert_eq!(res["valid?"], "unknown", "{res:#}");
        assert_eq!(res["failures"], json!([]));
        let cause = res["results"]["0"]["linearizable"]["cause"]
            .as_str()
            .unwrap_or("");
        assert!(cause.contains("memoised states"), "{cause}");
        let quick = Limits {
            max_time: Duration::ZERO,
            ..Limits::default()
        };
        let res = check(&h, quick);
        assert!(res["valid?"] == "unknown" || res["valid?"] == false);
        let small = Limits {
            max_memo_bytes: 4096,
            ..Limits::default()
        };
        assert_eq!(check(&h, small)["valid?"], "unknown");
        assert_eq!(valid(&h)["valid?"], false);
    }

    #[test]
    fn linearized_set_key_is_exact() {
        let mut l = Linearized::new(200);
        for i in [0, 1, 2, 70, 130] {
            l.set(i);
        }
        assert_eq!((l.low, l.high), (3, Some(130)));
        l.clear(1);
        assert_eq!((l.low, l.high), (1, Some(130)));
        l.clear(130);
        assert_eq!(l.high, Some(70));
        l.set(1);
        l.clear(70);
        assert_eq!((l.low, l.high), (3, None));
        assert_eq!(l.key(5)[0], 5 | 3 << 32);
        for i in 3..200 {
            l.set(i);
        }
        assert_eq!((l.low, l.high), (200, None));
        l.clear(0);
        assert_eq!((l.low, l.high), (0, Some(199)));
    }
}
