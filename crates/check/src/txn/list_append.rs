//! Elle 0.2.2's list-append checker (`elle.list-append/check`): the version
//! order of each key recovered from the longest read (every read must be a
//! prefix of it, else `incompatible-order`), the ww / wr / rw dependencies
//! it implies, and the anomalies found without cycles: `G1a` (a read of an
//! element a failed transaction appended), `G1b` (a read ending in an
//! element its writer appended to again), `internal`, `future-read`,
//! `dirty-update`, `duplicate-elements`, `incompatible-order`,
//! `lost-update`.
//!
//! As in Elle, the graph covers `ok` and `info` transactions (an `info`
//! transaction's appends may be read; its `nil` reads say nothing), an
//! append never read is placed after the key's last observed element, and
//! the initial state is the empty list (`nil` and `[]` alike).

use super::mops::{Mops, F};
use super::{
    order_step, pair, unknown, unreadable, ClientOps, Found, FxMap, FxSet, StepWhy, Wanted, NONE,
};
use crate::exact::cmp_values;
use crate::graph::{Dep, DepGraph};
use crate::history::{History, OpType};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// `::init`: the element "before" a key's first append.
const INIT: u32 = NONE;

/// One micro-op.
#[derive(Debug, Clone, Copy)]
struct Mop {
    append: bool,
    key: u32,
    /// The appended element (appends only).
    elem: u32,
    /// The list read (reads only): None for `nil`, else a range of the
    /// store's lists.
    read: Option<(u32, u32)>,
    /// Position in its transaction.
    at: u32,
}

struct La<'h> {
    ops: ClientOps<'h>,
    mops: Vec<Mop>,
    /// Each op's range of `mops`.
    txn: Vec<(u32, u32)>,
    /// Keys, elements and read lists, interned.
    store: &'h Mops,
}

/// Checks a list-append history; see the module doc.
pub fn check(history: &History, models: &[String]) -> Value {
    check_compacted(history, &Mops::lists().of(history), models)
}

/// Checks a list-append history whose micro-ops `store` holds (the
/// history's values may have been taken into it as it was read).
pub fn check_compacted(history: &History, store: &Mops, models: &[String]) -> Value {
    let wanted = match Wanted::new(models) {
        Ok(w) => w,
        Err(e) => return unknown(e),
    };
    match La::parse(history, store).and_then(|la| la.analyse(&wanted)) {
        Ok(v) => v,
        Err(e) => unknown(e),
    }
}

fn possible(t: OpType) -> bool {
    matches!(t, OpType::Ok | OpType::Info)
}

/// A range of the store's lists: one read's list.
type Range = (u32, u32);

/// A key's version order.
#[derive(Default)]
struct Orders {
    /// Per key, its elements in append order (from the longest read).
    vals: FxMap<u32, Vec<u32>>,
    /// (key, element) → position in that order.
    pos: FxMap<u64, u32>,
    /// Incompatible reads: (key, shorter read, longer read) as ranges.
    incompatible: Vec<(u32, Range, Range)>,
}

impl<'h> La<'h> {
    fn parse(history: &'h History, store: &'h Mops) -> Result<Self, String> {
        let ops = ClientOps::new(history).with_store(store);
        let mut la = La {
            mops: Vec::with_capacity(store.len()),
            txn: Vec::with_capacity(ops.len()),
            store,
            ops,
        };
        let mut invoked: FxSet<u64> = FxSet::default();
        // About half the micro-ops are appends, half of those invoked.
        invoked.reserve(store.len() / 4);
        for p in 0..la.ops.len() {
            let op = la.ops.ops[p];
            let start = la.mops.len() as u32;
            let mops = match store.of_op(op.index) {
                Some(m) if m.iter().all(|m| m.f != F::Write) => m,
                _ => {
                    return Err(unreadable(
                        &la.ops.op(p),
                        &["append", "r"],
                        "neither a read nor an append: Elle's verify-mop-types throws \
                         :unexpected-txn-micro-op-types",
                    ))
                }
            };
            for (at, m) in mops.iter().enumerate() {
                let k = store.keys.value(m.key);
                let append = m.f == F::Append;
                if append {
                    if op.typ == OpType::Invoke && !invoked.insert(super::pair(m.key, m.val)) {
                        return Err(format!(
                            "value {} appended to key {k} multiple times (op {}): Elle's \
                             verify-unique-appends throws :duplicate-appends, so the result \
                             is :valid? :unknown",
                            store.vals.value(m.val),
                            op.index
                        ));
                    }
                } else if m.list.is_none() && possible(op.typ) {
                    let v = store.vals.value(m.val);
                    if !v.is_null() {
                        return Err(format!(
                            "op {} read key {k} = {v}, not a list; Elle's list-append checker \
                             throws on it, so the result is :valid? :unknown",
                            op.index
                        ));
                    }
                }
                la.mops.push(Mop {
                    append,
                    key: m.key,
                    elem: if append { m.val } else { NONE },
                    read: m.list,
                    at: at as u32,
                });
            }
            la.txn.push((start, la.mops.len() as u32));
        }
        Ok(la)
    }

    fn mops(&self, p: usize) -> &[Mop] {
        let (s, e) = self.txn[p];
        &self.mops[s as usize..e as usize]
    }

    fn list(&self, r: (u32, u32)) -> &[u32] {
        self.store.list(r)
    }

    /// The last element of a non-empty read.
    fn last(&self, r: (u32, u32)) -> u32 {
        self.store.list(r)[(r.1 - r.0) as usize - 1]
    }

    fn list_json(&self, r: Option<(u32, u32)>) -> Value {
        match r {
            None => Value::Null,
            Some(r) => Value::Array(
                self.list(r)
                    .iter()
                    .map(|&e| self.store.vals.value(e).clone())
                    .collect(),
            ),
        }
    }

    fn key(&self, k: u32) -> &'h Value {
        self.store.keys.value(k)
    }

    fn elem(&self, e: u32) -> Value {
        if e == INIT {
            Value::Null
        } else {
            self.store.vals.value(e).clone()
        }
    }

    /// `sorted-values` + `append-index` over the ops of these types: each
    /// key's distinct non-empty reads by length must each be a prefix of the
    /// next; the longest gives the order. A key never read but appended once
    /// has the order `[x]`.
    fn orders(&self, include: impl Fn(OpType) -> bool) -> Orders {
        let mut reads: FxMap<u32, Vec<(u32, u32)>> = FxMap::default();
        let mut seen: FxSet<(u32, &[u32])> = FxSet::default();
        let mut appends: FxMap<u32, (u32, u32)> = FxMap::default();
        for p in 0..self.ops.len() {
            if !include(self.ops.typ(p)) {
                continue;
            }
            for m in self.mops(p) {
                if m.append {
                    let e = appends.entry(m.key).or_insert((0, m.elem));
                    e.0 += 1;
                } else if let Some(r) = m.read {
                    if r.1 > r.0 && seen.insert((m.key, self.list(r))) {
                        reads.entry(m.key).or_default().push(r);
                    }
                }
            }
        }
        let mut o = Orders::default();
        for (&k, values) in &mut reads {
            values.sort_by_key(|r| r.1 - r.0); // stable: first seen first
            if let Some(w) = values
                .windows(2)
                .find(|w| !self.list(w[1]).starts_with(self.list(w[0])))
            {
                o.incompatible.push((k, w[0], w[1]));
            }
            if let Some(&longest) = values.last() {
                let mut order = Vec::new();
                let mut dup: FxSet<u32> = FxSet::default();
                for &e in self.list(longest) {
                    if dup.insert(e) {
                        order.push(e);
                    }
                }
                o.vals.insert(k, order);
            }
        }
        for (&k, &(count, elem)) in &appends {
            if count == 1 && !o.vals.contains_key(&k) {
                o.vals.insert(k, vec![elem]);
            }
        }
        o.pos.reserve(o.vals.values().map(Vec::len).sum());
        for (&k, order) in &o.vals {
            for (i, &e) in order.iter().enumerate() {
                o.pos.insert(pair(k, e), i as u32);
            }
        }
        o.incompatible.sort_by_key(|x| x.0);
        o
    }

    /// `previously-appended-element`: the element before this append in
    /// the key's order; for an append never read, the last one observed.
    fn prev(o: &Orders, k: u32, e: u32) -> u32 {
        match o.pos.get(&pair(k, e)) {
            Some(&0) => INIT,
            Some(&i) => o.vals.get(&k).map_or(INIT, |v| v[i as usize - 1]),
            None => o
                .vals
                .get(&k)
                .and_then(|v| v.last().copied())
                .unwrap_or(INIT),
        }
    }

    fn analyse(&self, wanted: &Wanted) -> Result<Value, String> {
        let n = self.ops.len();
        let orders = self.orders(possible);
        // write-index / read-index over ok and info ops.
        let mut writer: FxMap<u64, u32> = FxMap::default();
        let mut readers: FxMap<u64, Vec<u32>> = FxMap::default();
        writer.reserve(self.mops.len() / 4);
        readers.reserve(self.mops.len() / 4);
        for p in 0..n {
            let typ = self.ops.typ(p);
            if !possible(typ) {
                continue;
            }
            for m in self.mops(p) {
                if m.append {
                    writer.insert(pair(m.key, m.elem), p as u32);
                } else {
                    let last = match m.read {
                        Some(r) if r.1 > r.0 => self.last(r),
                        Some(_) => INIT,
                        None if typ == OpType::Info => continue,
                        None => INIT,
                    };
                    let rs = readers.entry(pair(m.key, last)).or_default();
                    if rs.last() != Some(&(p as u32)) {
                        rs.push(p as u32);
                    }
                }
            }
        }
        let ix = Ix {
            la: self,
            orders,
            writer,
            readers,
        };
        let mut g = DepGraph::new(n);
        for p in 0..n {
            if !possible(self.ops.typ(p)) {
                continue;
            }
            for m in self.mops(p) {
                if m.append {
                    let prev = Self::prev(&ix.orders, m.key, m.elem);
                    if prev != INIT {
                        if let Some(&w) = ix.writer.get(&pair(m.key, prev)) {
                            g.add(w as usize, p, Dep::Ww);
                        }
                    }
                    for &r in ix
                        .readers
                        .get(&pair(m.key, prev))
                        .map_or(&[][..], Vec::as_slice)
                    {
                        g.add(r as usize, p, Dep::Rw);
                    }
                } else if let Some(r) = m.read.filter(|r| r.1 > r.0) {
                    let last = self.last(r);
                    if let Some(&w) = ix.writer.get(&pair(m.key, last)) {
                        g.add(w as usize, p, Dep::Wr);
                    }
                }
            }
        }
        match super::extra_graph(&wanted.reportable) {
            Some(Dep::Realtime) => {
                self.ops.add_realtime(&mut g);
            }
            Some(_) => {
                self.ops.add_process(&mut g);
            }
            None => {}
        }
        let mut found = Found::default();
        // Elle tests `(= 0 (b/size graph))`: no vertex, i.e. nothing linked
        // (list-append never links an op to itself).
        if !g.has_edges() {
            found.add("empty-transaction-graph", Box::new(|| json!(true)));
        }
        let ix = &ix;
        found.add_cycles(
            &g,
            &[Dep::Ww, Dep::Wr, Dep::Rw],
            &self.ops,
            move |a, b, d| ix.why(a, b, d),
        );
        self.g1a(&mut found);
        self.g1b(&mut found);
        self.internal(&mut found);
        self.dirty_update(&mut found)?;
        self.duplicates(&mut found);
        for &(k, a, b) in &ix.orders.incompatible {
            found.add(
                "incompatible-order",
                Box::new(move || {
                    let (a, b) = (self.list_json(Some(a)), self.list_json(Some(b)));
                    json!({"key": self.key(k), "values": [a, b],
                           "explanation": format!(
                               "Reads of key {} returned {} and {}; neither is a prefix of the \
                                other, so no single order of appends explains both.",
                               super::edn(self.key(k)), super::edn(&a), super::edn(&b))})
                }),
            );
        }
        self.lost_update(&mut found);
        Ok(found.result(wanted))
    }

    fn mop_json(&self, m: &Mop) -> Value {
        let (f, v) = if m.append {
            ("append", self.store.vals.value(m.elem).clone())
        } else {
            ("r", self.list_json(m.read))
        };
        json!([f, self.key(m.key), v])
    }

    /// `g1a-cases`: ok reads of elements failed transactions appended.
    fn g1a<'a>(&'a self, found: &mut Found<'a>) {
        let mut failed: FxMap<u64, u32> = FxMap::default();
        for p in 0..self.ops.len() {
            if self.ops.typ(p) == OpType::Fail {
                for m in self.mops(p).iter().filter(|m| m.append) {
                    failed.insert(pair(m.key, m.elem), p as u32);
                }
            }
        }
        if failed.is_empty() {
            return;
        }
        for p in (0..self.ops.len()).filter(|&p| self.ops.typ(p) == OpType::Ok) {
            for m in self.mops(p) {
                let Some(r) = m.read else { continue };
                for &e in self.list(r) {
                    if let Some(&w) = failed.get(&pair(m.key, e)) {
                        let m = *m;
                        found.add(
                            "G1a",
                            Box::new(move || {
                                let (op, wr) = (&self.ops.ops[p], &self.ops.ops[w as usize]);
                                json!({"op": self.ops.op_json(p), "mop": self.mop_json(&m),
                                       "writer": self.ops.op_json(w as usize),
                                       "element": self.store.vals.value(e),
                                       "explanation": format!(
                                           "Op {} read key {} = {}, which contains {}, appended \
                                            by op {}, a transaction that failed (an aborted read).",
                                           op.index, super::edn(self.key(m.key)),
                                           super::edn(&self.list_json(m.read)),
                                           super::edn(self.store.vals.value(e)), wr.index)})
                            }),
                        );
                    }
                }
            }
        }
    }

    /// `g1b-cases`: ok reads ending in an element whose writer appended to
    /// the key again afterwards (an intermediate state).
    fn g1b<'a>(&'a self, found: &mut Found<'a>) {
        let mut im: FxMap<u64, u32> = FxMap::default();
        for p in 0..self.ops.len() {
            let mut last: Vec<(u32, u32)> = Vec::new();
            for m in self.mops(p).iter().filter(|m| m.append) {
                match last.iter_mut().find(|(k, _)| *k == m.key) {
                    Some((_, prev)) => {
                        // Elle's `if-let` skips a previous element of nil or false.
                        if truthy(self.store.vals.value(*prev)) {
                            im.insert(pair(m.key, *prev), p as u32);
                        }
                        *prev = m.elem;
                    }
                    None => last.push((m.key, m.elem)),
                }
            }
        }
        if im.is_empty() {
            return;
        }
        for p in (0..self.ops.len()).filter(|&p| self.ops.typ(p) == OpType::Ok) {
            for m in self.mops(p) {
                let Some(r) = m.read.filter(|r| r.1 > r.0) else {
                    continue;
                };
                let e = self.last(r);
                let Some(&w) = im.get(&pair(m.key, e)) else {
                    continue;
                };
                if self.ops.ops[w as usize].index == self.ops.ops[p].index {
                    continue;
                }
                let m = *m;
                found.add(
                    "G1b",
                    Box::new(move || {
                        let (op, wr) = (&self.ops.ops[p], &self.ops.ops[w as usize]);
                        json!({"op": self.ops.op_json(p), "mop": self.mop_json(&m),
                               "writer": self.ops.op_json(w as usize),
                               "element": self.store.vals.value(e),
                               "explanation": format!(
                                   "Op {} read key {} = {}, ending in {}, which op {} appended \
                                    and then appended to key {} again: an intermediate state \
                                    (an intermediate read).",
                                   op.index, super::edn(self.key(m.key)),
                                   super::edn(&self.list_json(m.read)),
                                   super::edn(self.store.vals.value(e)), wr.index,
                                   super::edn(self.key(m.key)))})
                    }),
                );
            }
        }
    }

    /// `internal-cases`: per ok transaction, the first read inconsistent
    /// with its own earlier reads and appends (`internal`), and the first
    /// append of an element it had already read (`future-read`).
    fn internal<'a>(&'a self, found: &mut Found<'a>) {
        #[derive(Clone)]
        enum State {
            /// Read as `nil`.
            Nil,
            /// The whole list.
            Known(Vec<u32>),
            /// An unknown prefix, then these.
            Suffix(Vec<u32>),
        }
        for p in (0..self.ops.len()).filter(|&p| self.ops.typ(p) == OpType::Ok) {
            let mops = self.mops(p);
            let mut state: Vec<(u32, State)> = Vec::new();
            for m in mops {
                let at = state.iter().position(|(k, _)| *k == m.key);
                if m.append {
                    let next = match at.map(|i| &state[i].1) {
                        None => State::Suffix(vec![m.elem]),
                        Some(State::Nil) => State::Known(vec![m.elem]),
                        Some(State::Known(l)) => State::Known([l.as_slice(), &[m.elem]].concat()),
                        Some(State::Suffix(s)) => State::Suffix([s.as_slice(), &[m.elem]].concat()),
                    };
                    match at {
                        Some(i) => state[i].1 = next,
                        None => state.push((m.key, next)),
                    }
                    continue;
                }
                let read: Option<&[u32]> = m.read.map(|r| self.list(r));
                let got = read.unwrap_or(&[]);
                let expected = match at.map(|i| &state[i].1) {
                    Some(State::Known(l)) if read != Some(l.as_slice()) => {
                        Some(State::Known(l.clone()))
                    }
                    Some(State::Suffix(s)) if got.len() < s.len() || !got.ends_with(s) => {
                        Some(State::Suffix(s.clone()))
                    }
                    _ => None,
                };
                if let Some(expected) = expected {
                    let m = *m;
                    found.add(
                        "internal",
                        Box::new(move || {
                            let exp: Vec<Value> = match &expected {
                                State::Known(l) => l.iter().map(|&e| self.elem(e)).collect(),
                                State::Suffix(s) => std::iter::once(json!("..."))
                                    .chain(s.iter().map(|&e| self.elem(e)))
                                    .collect(),
                                State::Nil => Vec::new(),
                            };
                            let exp = Value::Array(exp);
                            json!({"op": self.ops.op_json(p), "mop": self.mop_json(&m),
                                   "expected": exp,
                                   "explanation": format!(
                                       "Op {} read key {} = {}, but its own earlier reads and \
                                        appends of that key in the same transaction say it \
                                        must be {} (\"...\" is a prefix it did not see).",
                                       self.ops.ops[p].index, super::edn(self.key(m.key)),
                                       super::edn(&self.list_json(m.read)), super::edn(&exp))})
                        }),
                    );
                    break;
                }
                let next = match read {
                    None => State::Nil,
                    Some(l) => State::Known(l.to_vec()),
                };
                match at {
                    Some(i) => state[i].1 = next,
                    None => state.push((m.key, next)),
                }
            }
            // future-read: an append of an element an earlier read returned.
            let mut seen: Vec<(u32, u32, Mop)> = Vec::new();
            for m in mops {
                if m.append {
                    if let Some(&(_, _, read)) =
                        seen.iter().find(|(k, e, _)| *k == m.key && *e == m.elem)
                    {
                        let e = m.elem;
                        found.add(
                            "future-read",
                            Box::new(move || {
                                json!({"op": self.ops.op_json(p), "mop": self.mop_json(&read),
                                       "element": self.store.vals.value(e),
                                       "explanation": format!(
                                           "Op {} read key {} = {}, which contains {}, an \
                                            element the same transaction appends only later.",
                                           self.ops.ops[p].index, super::edn(self.key(read.key)),
                                           super::edn(&self.list_json(read.read)),
                                           super::edn(self.store.vals.value(e)))})
                            }),
                        );
                        break;
                    }
                } else if let Some(r) = m.read {
                    for &e in self.list(r) {
                        if !seen.iter().any(|(k, x, _)| *k == m.key && *x == e) {
                            seen.push((m.key, e, *m));
                        }
                    }
                }
            }
        }
    }

    /// `dirty-update-cases`: in a key's order (from every client op's
    /// reads), a committed append following a failed one. Elle asserts that
    /// some completed op appended every element of that order; where none
    /// did, its checker dies (an AssertionError).
    fn dirty_update<'a>(&'a self, found: &mut Found<'a>) -> Result<(), String> {
        let orders = self.orders(|_| true);
        let mut writer: FxMap<u64, u32> = FxMap::default();
        for p in 0..self.ops.len() {
            if self.ops.typ(p) != OpType::Invoke {
                for m in self.mops(p).iter().filter(|m| m.append) {
                    writer.insert(pair(m.key, m.elem), p as u32);
                }
            }
        }
        let mut keys: Vec<&u32> = orders.vals.keys().collect();
        keys.sort_unstable();
        for &k in keys {
            // (type of t1, t1, the values since t1)
            let mut t1: (OpType, u32) = (OpType::Ok, NONE);
            let mut vs: Vec<u32> = Vec::new();
            for &v in &orders.vals[&k] {
                vs.push(v);
                let Some(&t2) = writer.get(&pair(k, v)) else {
                    return Err(format!(
                        "no completed operation appended {} to key {}, yet a read returned it: \
                         Elle's dirty-update-cases asserts a writer exists, so Maelstrom's \
                         checker dies and the result is :valid? :unknown",
                        self.store.vals.value(v),
                        self.key(k)
                    ));
                };
                let t2t = self.ops.typ(t2 as usize);
                match (t1.0, t2t) {
                    (OpType::Fail, OpType::Ok) => {
                        let (first, values, k2) = (t1.1, std::mem::take(&mut vs), k);
                        found.add(
                            "dirty-update",
                            Box::new(move || {
                                let values: Vec<Value> =
                                    values.iter().map(|&e| self.elem(e)).collect();
                                let values = Value::Array(values);
                                json!({"key": self.key(k2), "values": values,
                                       "txns": [self.ops.op_json(first as usize), "...",
                                                self.ops.op_json(t2 as usize)],
                                       "explanation": format!(
                                           "In key {}'s order {}, op {} (which failed) appended \
                                            first, and op {} (which committed) appended after \
                                            it: a dirty update.",
                                           super::edn(self.key(k2)), super::edn(&values),
                                           self.ops.ops[first as usize].index,
                                           self.ops.ops[t2 as usize].index)})
                            }),
                        );
                        t1 = (t2t, t2);
                        vs = vec![v];
                    }
                    (_, OpType::Ok) | (OpType::Ok | OpType::Info, OpType::Fail) => {
                        t1 = (t2t, t2);
                        vs = vec![v];
                    }
                    _ => {} // t2 info, or both failed: keep t1 and the range.
                }
            }
        }
        Ok(())
    }

    /// `duplicates`: reads (by ok or info ops) with an element twice.
    fn duplicates<'a>(&'a self, found: &mut Found<'a>) {
        for p in (0..self.ops.len()).filter(|&p| possible(self.ops.typ(p))) {
            for m in self.mops(p) {
                let Some(r) = m.read else { continue };
                let mut sorted = self.list(r).to_vec();
                sorted.sort_unstable();
                if !sorted.windows(2).any(|w| w[0] == w[1]) {
                    continue;
                }
                let m = *m;
                found.add(
                    "duplicate-elements",
                    Box::new(move || {
                        let mut counts: BTreeMap<u32, u32> = BTreeMap::new();
                        for &e in self.list(r) {
                            *counts.entry(e).or_default() += 1;
                        }
                        let mut dups: Vec<(&Value, u32)> = counts
                            .into_iter()
                            .filter(|&(_, c)| c > 1)
                            .map(|(e, c)| (self.store.vals.value(e), c))
                            .collect();
                        dups.sort_by(|a, b| cmp_values(a.0, b.0));
                        let text: Vec<String> = dups
                            .iter()
                            .map(|(e, c)| format!("{} appears {c} times", super::edn(e)))
                            .collect();
                        let map: serde_json::Map<String, Value> = dups
                            .iter()
                            .map(|(e, c)| (super::edn(e), json!(c)))
                            .collect();
                        json!({"op": self.ops.op_json(p), "mop": self.mop_json(&m),
                               "duplicates": map,
                               "explanation": format!(
                                   "Op {} read key {} = {}, in which {}; every element is \
                                    appended once.",
                                   self.ops.ops[p].index, super::edn(self.key(m.key)),
                                   super::edn(&self.list_json(m.read)), text.join(", "))})
                    }),
                );
            }
        }
    }

    /// `lost-update-cases`: committed transactions that read the same
    /// value of a key and then appended to it.
    fn lost_update<'a>(&'a self, found: &mut Found<'a>) {
        let mut txns: FxMap<(u32, Option<&[u32]>), Vec<u32>> = FxMap::default();
        for p in (0..self.ops.len()).filter(|&p| self.ops.typ(p) == OpType::Ok) {
            let mut reads: Vec<(u32, Option<&[u32]>)> = Vec::new();
            let mut writes: Vec<u32> = Vec::new();
            for m in self.mops(p) {
                let read = reads.iter().find(|(k, _)| *k == m.key).map(|r| r.1);
                if m.append && !writes.contains(&m.key) {
                    if let Some(v) = read {
                        txns.entry((m.key, v)).or_default().push(p as u32);
                        writes.push(m.key);
                    }
                } else if read.is_none() {
                    reads.push((m.key, m.read.map(|r| self.list(r))));
                }
            }
        }
        let mut cases: Vec<(u32, Vec<u32>)> = txns
            .into_iter()
            .filter(|(_, t)| t.len() >= 2)
            .map(|((k, _), t)| (k, t))
            .collect();
        cases.sort_by_key(|c| c.1[0]);
        for (k, t) in cases {
            found.add(
                "lost-update",
                Box::new(move || {
                    // The value all of them read, from the first one's read.
                    let value = self
                        .mops(t[0] as usize)
                        .iter()
                        .find(|m| m.key == k && !m.append)
                        .map_or(Value::Null, |m| self.list_json(m.read));
                    let indices: Vec<usize> =
                        t.iter().map(|&p| self.ops.ops[p as usize].index).collect();
                    json!({"key": self.key(k), "value": value,
                           "txns": t.iter().map(|&p| self.ops.op_json(p as usize)).collect::<Vec<_>>(),
                           "explanation": format!(
                               "Ops {indices:?} all read key {} = {} and then appended to it; \
                                each committed without seeing the others' appends (a lost \
                                update).",
                               super::edn(self.key(k)), super::edn(&value))})
                }),
            );
        }
    }
}

fn truthy(v: &Value) -> bool {
    !matches!(v, Value::Null | Value::Bool(false))
}

/// The indices a cycle's steps are explained from.
struct Ix<'a, 'h> {
    la: &'a La<'h>,
    orders: Orders,
    writer: FxMap<u64, u32>,
    readers: FxMap<u64, Vec<u32>>,
}

impl Ix<'_, '_> {
    /// The first micro-op of `p` matching.
    fn mop_index(&self, p: usize, f: impl Fn(&Mop) -> bool) -> Value {
        self.la
            .mops(p)
            .iter()
            .find(|m| f(m))
            .map_or(Value::Null, |m| json!(m.at))
    }

    /// Elle's WW, WR and RW explainers (tried in that order), then real
    /// time or process.
    fn why(&self, a: usize, b: usize, dep: Dep) -> StepWhy {
        let la = self.la;
        let k = |k: u32| super::edn(la.key(k));
        match dep {
            Dep::Ww => {
                for m in la.mops(b).iter().filter(|m| m.append) {
                    let prev = La::prev(&self.orders, m.key, m.elem);
                    if prev != INIT && self.writer.get(&pair(m.key, prev)) == Some(&(a as u32)) {
                        return StepWhy {
                            data: json!({"type": "ww", "key": la.key(m.key),
                                         "value": la.elem(prev), "value'": la.elem(m.elem),
                                         "a-mop-index": self.mop_index(a, |x| x.append && x.key == m.key && x.elem == prev),
                                         "b-mop-index": m.at}),
                            text: format!(
                                "{{b}} appended {} after {{a}} appended {} to {}",
                                super::edn(&la.elem(m.elem)),
                                super::edn(&la.elem(prev)),
                                k(m.key)
                            ),
                        };
                    }
                }
            }
            Dep::Wr => {
                for m in la.mops(b).iter().filter(|m| !m.append) {
                    let Some(r) = m.read.filter(|r| r.1 > r.0) else {
                        continue;
                    };
                    let last = la.last(r);
                    if self.writer.get(&pair(m.key, last)) == Some(&(a as u32)) {
                        return StepWhy {
                            data: json!({"type": "wr", "key": la.key(m.key), "value": la.elem(last),
                                         "a-mop-index": self.mop_index(a, |x| x.append && x.key == m.key && x.elem == last),
                                         "b-mop-index": m.at}),
                            text: format!(
                                "{{b}} observed {{a}}'s append of {} to key {}",
                                super::edn(&la.elem(last)),
                                k(m.key)
                            ),
                        };
                    }
                }
            }
            Dep::Rw => {
                for m in la.mops(b).iter().filter(|m| m.append) {
                    let prev = La::prev(&self.orders, m.key, m.elem);
                    let rs = self.readers.get(&pair(m.key, prev));
                    if !rs.is_some_and(|rs| rs.contains(&(a as u32))) {
                        continue;
                    }
                    let a_mop = self.mop_index(a, |x| {
                        !x.append
                            && x.key == m.key
                            && match x.read.filter(|r| r.1 > r.0) {
                                None => prev == INIT,
                                Some(r) => la.last(r) == prev,
                            }
                    });
                    let text = if prev == INIT {
                        format!(
                            "{{a}} observed the initial (nil) state of {}, which {{b}} created by appending {}",
                            k(m.key),
                            super::edn(&la.elem(m.elem))
                        )
                    } else {
                        format!(
                            "{{a}} did not observe {{b}}'s append of {} to {}",
                            super::edn(&la.elem(m.elem)),
                            k(m.key)
                        )
                    };
                    return StepWhy {
                        data: json!({"type": "rw", "key": la.key(m.key), "value": la.elem(prev),
                                     "value'": la.elem(m.elem), "a-mop-index": a_mop,
                                     "b-mop-index": m.at}),
                        text,
                    };
                }
            }
            _ => return order_step(&la.ops, a, b, dep),
        }
        StepWhy {
            data: json!({"type": dep.name()}),
            text: format!("{{a}} precedes {{b}} ({})", dep.name()),
        }
    }
}

#[cfg(test)]
mod tests;
