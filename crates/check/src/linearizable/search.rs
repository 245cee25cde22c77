//! The search of one key's operations for a linearization: Wing and
//! Gong's backtracking with Lowe's memoisation of (linearized set, state)
//! configurations, bounded in time and memory.

use super::*;

pub(super) enum Outcome {
    Valid {
        states: usize,
    },
    Invalid(Failure),
    /// Why, and the op the search was stuck at furthest so far, if any.
    Unknown(String, Option<usize>),
}

/// Where the search got furthest: the op whose completion no order of the
/// ops before it could get past.
pub(super) struct Failure {
    pub(super) op: usize,
    /// Distinct register states (value ids) the search reached just before
    /// `op` had to take effect, at most [`MAX_CONFIGS`].
    pub(super) states: Vec<u32>,
    /// The op linearized last in those configurations, latest first.
    pub(super) last_op: Option<usize>,
    pub(super) explored: usize,
}

pub(super) const MAX_CONFIGS: usize = 10;

/// The doubly linked list of call/return entries WGL removes ops from.
pub(super) struct Entries {
    pub(super) next: Vec<usize>,
    pub(super) prev: Vec<usize>,
    /// Per entry: its op, and for a call the entry of its return.
    pub(super) op: Vec<usize>,
    pub(super) ret_of: Vec<Option<usize>>,
}

impl Entries {
    /// Entry 0 is the head; the others in history order (of ok ops only).
    pub(super) fn new(ops: &[KOp]) -> Self {
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

    pub(super) fn unlink(&mut self, x: usize) {
        let (p, n) = (self.prev[x], self.next[x]);
        self.next[p] = n;
        if n != usize::MAX {
            self.prev[n] = p;
        }
    }

    pub(super) fn relink(&mut self, x: usize) {
        let (p, n) = (self.prev[x], self.next[x]);
        self.next[p] = x;
        if n != usize::MAX {
            self.prev[n] = x;
        }
    }

    pub(super) fn lift(&mut self, call: usize) {
        self.unlink(call);
        if let Some(r) = self.ret_of[call] {
            self.unlink(r);
        }
    }

    pub(super) fn unlift(&mut self, call: usize) {
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
pub(super) struct Linearized {
    pub(super) ok_bits: Vec<u64>,
    pub(super) n_ok: usize,
    pub(super) low: usize,
    /// Highest linearized ok op, if any at or above `low`.
    pub(super) high: Option<usize>,
}

impl Linearized {
    pub(super) fn new(n_ok: usize) -> Self {
        Self {
            ok_bits: vec![0; n_ok.div_ceil(64)],
            n_ok,
            low: 0,
            high: None,
        }
    }

    pub(super) fn get(&self, i: usize) -> bool {
        self.ok_bits[i / 64] >> (i % 64) & 1 == 1
    }

    pub(super) fn set(&mut self, op: usize) {
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

    pub(super) fn clear(&mut self, op: usize) {
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
    pub(super) fn key(&self, state: u32) -> Box<[u64]> {
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
pub(super) struct Memo {
    pub(super) map: crate::fx::FxMap<Box<[u64]>, Vec<Box<[u32]>>>,
    pub(super) states: usize,
    pub(super) bytes: usize,
}

impl Memo {
    /// Records the configuration; false if it was visited or subsumed.
    pub(super) fn visit(&mut self, key: Box<[u64]>, used: &[u32]) -> bool {
        let key_bytes = key.len() * 8 + MEMO_KEY_OVERHEAD;
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

pub(super) fn analyse(k: &KeyOps, limits: Limits) -> Outcome {
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
