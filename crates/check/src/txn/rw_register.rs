//! Elle 0.2.2's rw-register checker (`elle.rw-register/check`) with the
//! options Maelstrom 0.2.4 passes (`:wfr-keys? true`; not
//! `:sequential-keys?` nor `:linearizable-keys?`), wrapped as Maelstrom
//! wraps it. Each committed transaction's *external* reads (a key's first
//! micro-op is a read) and *external* writes (its last write of a key)
//! relate it to others: wr when one read what another wrote (a value
//! written by exactly one `ok` transaction), and ww / rw from the version
//! order, which is known only from (a) `nil` preceding every value and
//! (b) "writes follow reads": a transaction that read v1 and wrote v2 of a
//! key orders v1 < v2 (dropped entirely if it makes some key's versions
//! cyclic: `cyclic-versions`). Only `ok` transactions take part (Elle's
//! `ext-index` skips `info` ones, so their writes relate nothing).
//! Non-cycle anomalies: `internal`, `G1a`, `G1b`, `lost-update`.

use super::mops::{Mops, F};
use super::{
    order_step, pair, unknown, unreadable, ClientOps, Found, FxMap, FxSet, StepWhy, Wanted, NONE,
};
use crate::exact::cmp_values;
use crate::graph::{Dep, DepGraph, Deps};
use crate::history::{History, OpType};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy)]
struct Mop {
    read: bool,
    key: u32,
    val: u32,
    at: u32,
}

/// An external read or write: (key, value).
#[derive(Debug, Clone, Copy)]
struct Ext {
    key: u32,
    val: u32,
}

struct Rw<'h> {
    ops: ClientOps<'h>,
    mops: Vec<Mop>,
    txn: Vec<(u32, u32)>,
    ext_r: Vec<Ext>,
    ext_w: Vec<Ext>,
    /// Each op's ranges of `ext_r` and `ext_w`.
    ext: Vec<(u32, u32, u32, u32)>,
    /// Keys and values, interned.
    store: &'h Mops,
    /// The value id of `nil`.
    nil: u32,
}

/// Checks an rw-register history and applies Maelstrom's wrapper.
pub fn check(history: &History, models: &[String]) -> Value {
    check_compacted(history, &Mops::registers().of(history), models)
}

/// Checks an rw-register history whose micro-ops `store` holds (the
/// history's values may have been taken into it as it was read).
pub fn check_compacted(history: &History, store: &Mops, models: &[String]) -> Value {
    let wanted = match Wanted::new(models) {
        Ok(w) => w,
        Err(e) => return unknown(e),
    };
    let elle = match Rw::parse(history, store).and_then(|rw| rw.analyse(&wanted)) {
        Ok(v) => v,
        Err(e) => return unknown(e),
    };
    wrap(elle)
}

/// `maelstrom.workload.txn-rw-register/checker`: drop
/// `:cycle-search-timeout`, valid iff no anomaly type remains.
fn wrap(mut elle: Value) -> Value {
    let types: Vec<Value> = elle["anomaly-types"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|t| t.as_str() != Some("cycle-search-timeout"))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let mut anomalies = elle.get("anomalies").cloned().unwrap_or(Value::Null);
    if let Some(m) = anomalies.as_object_mut() {
        m.remove("cycle-search-timeout");
    }
    elle["valid?"] = json!(types.is_empty());
    elle["anomaly-types"] = Value::Array(types);
    elle["anomalies"] = anomalies;
    elle
}

/// The class Clojure gives a JSON key once parsed, for `assert-type-sanity`.
fn class(v: &Value) -> &'static str {
    match v {
        Value::Null => "nil",
        Value::Bool(_) => "Boolean",
        Value::Number(n) => {
            let t = n.as_str();
            if t.contains(['.', 'e', 'E']) {
                "Double"
            } else if t.parse::<i64>().is_ok() {
                "Long"
            } else {
                "BigInteger"
            }
        }
        Value::String(_) => "String",
        Value::Array(_) => "PersistentVector",
        Value::Object(_) => "PersistentMap",
    }
}

impl<'h> Rw<'h> {
    fn mop_json(&self, m: &Mop) -> Value {
        let f = if m.read { "r" } else { "w" };
        json!([f, self.key(m.key), self.val(m.val)])
    }

    fn parse(history: &'h History, store: &'h Mops) -> Result<Self, String> {
        let ops = ClientOps::new(history).with_store(store);
        let mut rw = Rw {
            mops: Vec::with_capacity(store.len()),
            txn: Vec::with_capacity(ops.len()),
            ext_r: Vec::new(),
            ext_w: Vec::new(),
            ext: Vec::with_capacity(ops.len()),
            store,
            nil: store.vals.find(&super::NULL).unwrap_or(NONE),
            ops,
        };
        let mut key_class: Option<&'static str> = None;
        for p in 0..rw.ops.len() {
            let op = rw.ops.ops[p];
            let start = rw.mops.len() as u32;
            let mops = match store.of_op(op.index) {
                Some(m) if m.iter().all(|m| m.f != F::Append) => m,
                _ => {
                    return Err(unreadable(
                        &rw.ops.op(p),
                        &["r", "w"],
                        "neither a read nor a write: Elle's rw-register checker throws (no \
                         matching clause)",
                    ))
                }
            };
            for (at, m) in mops.iter().enumerate() {
                let k = store.keys.value(m.key);
                let c = class(k);
                if key_class.is_some_and(|kc| kc != c) {
                    return Err(format!(
                        "History includes a mix of different types for transaction keys \
                         ({} and {c}, op {}): Elle's assert-type-sanity fails, so the analysis \
                         dies and the result is :valid? :unknown",
                        key_class.unwrap_or(""),
                        op.index
                    ));
                }
                key_class = Some(c);
                rw.mops.push(Mop {
                    read: m.f == F::Read,
                    key: m.key,
                    val: m.val,
                    at: at as u32,
                });
            }
            let end = rw.mops.len() as u32;
            rw.txn.push((start, end));
            // jepsen.txn/ext-reads: a key's first micro-op, if a read;
            // ext-writes: a key's last write.
            let (rs, ws) = (rw.ext_r.len() as u32, rw.ext_w.len() as u32);
            let mut touched: Vec<u32> = Vec::new();
            for i in start..end {
                let m = rw.mops[i as usize];
                let e = Ext {
                    key: m.key,
                    val: m.val,
                };
                if m.read {
                    if !touched.contains(&m.key) {
                        rw.ext_r.push(e);
                    }
                } else if let Some(w) = rw.ext_w[ws as usize..].iter_mut().find(|w| w.key == m.key)
                {
                    *w = e;
                } else {
                    rw.ext_w.push(e);
                }
                if !touched.contains(&m.key) {
                    touched.push(m.key);
                }
            }
            rw.ext
                .push((rs, rw.ext_r.len() as u32, ws, rw.ext_w.len() as u32));
        }
        Ok(rw)
    }

    fn mops(&self, p: usize) -> &[Mop] {
        let (s, e) = self.txn[p];
        &self.mops[s as usize..e as usize]
    }

    fn ext_reads(&self, p: usize) -> &[Ext] {
        let (s, e, _, _) = self.ext[p];
        &self.ext_r[s as usize..e as usize]
    }

    fn ext_writes(&self, p: usize) -> &[Ext] {
        let (_, _, s, e) = self.ext[p];
        &self.ext_w[s as usize..e as usize]
    }

    fn key(&self, k: u32) -> &Value {
        self.store.keys.value(k)
    }

    fn val(&self, v: u32) -> &Value {
        self.store.vals.value(v)
    }

    fn oks(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.ops.len()).filter(|&p| self.ops.typ(p) == OpType::Ok)
    }

    fn analyse(&self, wanted: &Wanted) -> Result<Value, String> {
        let n = self.ops.len();
        // ext-index over ok ops.
        let mut ext_w: FxMap<u64, Vec<u32>> = FxMap::default();
        let mut ext_r: FxMap<u64, Vec<u32>> = FxMap::default();
        for p in self.oks() {
            for e in self.ext_writes(p) {
                ext_w.entry(pair(e.key, e.val)).or_default().push(p as u32);
            }
            for e in self.ext_reads(p) {
                ext_r.entry(pair(e.key, e.val)).or_default().push(p as u32);
            }
        }
        let mut g = DepGraph::new(n);
        // Elle's graph gains a vertex with any link, even to itself (later
        // unlinked): `empty-transaction-graph` means nothing was linked.
        let mut linked = false;
        // wr-graph: the one ok writer of each value read.
        let mut read_keys: Vec<&u64> = ext_r.keys().collect();
        read_keys.sort_unstable();
        for kv in read_keys {
            let writers = ext_w.get(kv).map_or(&[][..], Vec::as_slice);
            match writers {
                [] => {}
                [w] => {
                    for &r in &ext_r[kv] {
                        linked = true;
                        g.add(*w as usize, r as usize, Dep::Wr);
                    }
                }
                _ => {
                    return Err(format!(
                        "Key {} had value {} written by more than one op ({:?}): Elle's \
                         wr-graph throws, so the result is :valid? :unknown",
                        self.key((*kv >> 32) as u32),
                        self.val(*kv as u32),
                        writers
                            .iter()
                            .map(|&w| self.ops.ops[w as usize].index)
                            .collect::<Vec<_>>()
                    ))
                }
            }
        }
        // Version graphs: initial state, then writes-follow-reads.
        let mut versions: FxSet<(u32, u32, u32)> = FxSet::default();
        for p in 0..n {
            let typ = self.ops.typ(p);
            if !matches!(typ, OpType::Ok | OpType::Info) {
                continue;
            }
            let reads = if typ == OpType::Ok {
                self.ext_reads(p)
            } else {
                &[]
            };
            for e in self.ext_writes(p).iter().chain(reads) {
                if e.val != self.nil {
                    versions.insert((e.key, self.nil, e.val));
                }
            }
        }
        let mut wfr: Vec<(u32, u32, u32)> = Vec::new();
        for p in self.oks() {
            for r in self.ext_reads(p) {
                if r.val == self.nil {
                    continue;
                }
                if let Some(w) = self.ext_writes(p).iter().find(|w| w.key == r.key) {
                    wfr.push((r.key, r.val, w.val));
                }
            }
        }
        wfr.sort_unstable();
        wfr.dedup();
        let cyclic = self.cyclic_versions(&wfr);
        if cyclic.is_empty() {
            versions.extend(wfr.iter().copied());
        }
        // version-graphs->transaction-graph.
        let mut edges: Vec<&(u32, u32, u32)> = versions.iter().collect();
        edges.sort_unstable();
        let none: &[u32] = &[];
        for &&(k, v1, v2) in &edges {
            let w2 = ext_w.get(&pair(k, v2)).map_or(none, Vec::as_slice);
            if w2.is_empty() {
                continue;
            }
            let w1 = ext_w.get(&pair(k, v1)).map_or(none, Vec::as_slice);
            let r1 = ext_r.get(&pair(k, v1)).map_or(none, Vec::as_slice);
            for &b in w2 {
                for &a in w1 {
                    linked = true;
                    g.add(a as usize, b as usize, Dep::Ww);
                }
                for &a in r1 {
                    linked = true;
                    g.add(a as usize, b as usize, Dep::Rw);
                }
            }
        }
        match super::extra_graph(&wanted.reportable) {
            Some(Dep::Realtime) => linked |= self.ops.add_realtime(&mut g) > 0,
            Some(_) => linked |= self.ops.add_process(&mut g) > 0,
            None => {}
        }
        let ix = Ix { rw: self, versions };
        let mut found = Found::default();
        if !linked {
            found.add("empty-transaction-graph", Box::new(|| json!(true)));
        }
        for (k, scc) in cyclic {
            found.add(
                "cyclic-versions",
                Box::new(move || {
                    let values: Vec<&Value> = scc.iter().map(|&v| self.val(v)).collect();
                    json!({"key": self.key(k), "scc": values,
                           "sources": ["initial-state", "wfr-keys"],
                           "explanation": format!(
                               "The version order of key {} inferred from writes following \
                                reads within transactions is cyclic among values {}, so Elle \
                                drops that inference (writes-follow-reads) altogether.",
                               super::edn(self.key(k)),
                               super::edn(&Value::Array(values.iter().map(|v| (*v).clone()).collect())))})
                }),
            );
        }
        let ix = &ix;
        found.add_cycles(
            &g,
            &[Dep::Wr, Dep::Ww, Dep::Rw],
            &self.ops,
            move |a, b, d| ix.why(a, b, d),
        );
        self.internal(&mut found);
        self.g1a_g1b(&mut found);
        self.lost_update(&mut found);
        Ok(found.result(wanted))
    }

    /// Cycles among the writes-follow-reads version edges (the `nil` edges
    /// cannot close one): per key, each component's values, sorted.
    fn cyclic_versions(&self, wfr: &[(u32, u32, u32)]) -> Vec<(u32, Vec<u32>)> {
        let mut node: FxMap<u64, u32> = FxMap::default();
        let mut names: Vec<(u32, u32)> = Vec::new();
        let mut id = |k: u32, v: u32, names: &mut Vec<(u32, u32)>| {
            *node.entry(pair(k, v)).or_insert_with(|| {
                names.push((k, v));
                names.len() as u32 - 1
            })
        };
        let mut links: Vec<(u32, u32)> = Vec::new();
        for &(k, a, b) in wfr {
            let x = id(k, a, &mut names);
            let y = id(k, b, &mut names);
            links.push((x, y));
        }
        let mut g = DepGraph::new(names.len());
        for (x, y) in links {
            g.add(x as usize, y as usize, Dep::Ww);
        }
        let mut out: Vec<(u32, Vec<u32>)> = g
            .cycles_components(Deps::of(&[Dep::Ww]))
            .into_iter()
            .map(|c| {
                let k = names[c[0]].0;
                let mut vs: Vec<u32> = c.iter().map(|&i| names[i].1).collect();
                vs.sort_by(|&a, &b| cmp_values(self.val(a), self.val(b)));
                (k, vs)
            })
            .collect();
        out.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| cmp_values(self.val(a.1[0]), self.val(b.1[0])))
        });
        out
    }

    /// `internal-cases`: per ok transaction, the first read that disagrees
    /// with its own earlier (non-nil) read or write of the key.
    fn internal<'a>(&'a self, found: &mut Found<'a>) {
        for p in self.oks() {
            let mut state: Vec<(u32, u32)> = Vec::new();
            for m in self.mops(p) {
                let at = state.iter().position(|(k, _)| *k == m.key);
                if m.read {
                    if let Some(i) = at {
                        let s = state[i].1;
                        if truthy(self.val(s)) && s != m.val {
                            let m = *m;
                            found.add(
                                "internal",
                                Box::new(move || {
                                    json!({"op": self.ops.op_json(p), "mop": self.mop_json(&m),
                                           "expected": self.val(s),
                                           "explanation": format!(
                                               "Op {} read key {} = {}, but earlier in the same \
                                                transaction it read or wrote {} there.",
                                               self.ops.ops[p].index, super::edn(self.key(m.key)),
                                               super::edn(self.val(m.val)),
                                               super::edn(self.val(s)))})
                                }),
                            );
                            break;
                        }
                    }
                }
                match at {
                    Some(i) => state[i].1 = m.val,
                    None => state.push((m.key, m.val)),
                }
            }
        }
    }

    /// `g1a-cases` (ok reads of a value a failed transaction wrote) and
    /// `g1b-cases` (ok reads of a value its writer overwrote in the same
    /// transaction).
    fn g1a_g1b<'a>(&'a self, found: &mut Found<'a>) {
        let mut failed: FxMap<u64, u32> = FxMap::default();
        let mut im: FxMap<u64, u32> = FxMap::default();
        for p in 0..self.ops.len() {
            let fail = self.ops.typ(p) == OpType::Fail;
            let mut last: Vec<(u32, u32)> = Vec::new();
            for m in self.mops(p).iter().filter(|m| !m.read) {
                if fail {
                    failed.insert(pair(m.key, m.val), p as u32);
                }
                match last.iter_mut().find(|(k, _)| *k == m.key) {
                    Some((_, prev)) => {
                        if truthy(self.val(*prev)) {
                            im.insert(pair(m.key, *prev), p as u32);
                        }
                        *prev = m.val;
                    }
                    None => last.push((m.key, m.val)),
                }
            }
        }
        for (typ, index) in [("G1a", &failed), ("G1b", &im)] {
            if index.is_empty() {
                continue;
            }
            for p in self.oks() {
                for m in self.mops(p).iter().filter(|m| m.read) {
                    let Some(&w) = index.get(&pair(m.key, m.val)) else {
                        continue;
                    };
                    let (op, wr) = (self.ops.ops[p], self.ops.ops[w as usize]);
                    if typ == "G1b" && op.index == wr.index {
                        continue;
                    }
                    let m = *m;
                    found.add(
                        typ,
                        Box::new(move || {
                            let why = if typ == "G1a" {
                                format!(
                                    "op {}, a transaction that failed (an aborted read)",
                                    wr.index
                                )
                            } else {
                                format!(
                                    "op {}, which wrote the key again later in the same \
                                     transaction (an intermediate read)",
                                    wr.index
                                )
                            };
                            json!({"op": self.ops.op_json(p), "mop": self.mop_json(&m),
                                   "writer": self.ops.op_json(w as usize),
                                   "explanation": format!(
                                       "Op {} read key {} = {}, written by {why}.",
                                       op.index, super::edn(self.key(m.key)),
                                       super::edn(self.val(m.val)))})
                        }),
                    );
                }
            }
        }
    }

    /// `lost-update-cases`: committed transactions that read the same value
    /// of a key and then wrote it.
    fn lost_update<'a>(&'a self, found: &mut Found<'a>) {
        let mut txns: FxMap<u64, Vec<u32>> = FxMap::default();
        for p in self.oks() {
            let mut reads: Vec<(u32, u32)> = Vec::new();
            let mut writes: Vec<u32> = Vec::new();
            for m in self.mops(p) {
                let read = reads.iter().find(|(k, _)| *k == m.key).map(|r| r.1);
                if !m.read && !writes.contains(&m.key) {
                    if let Some(v) = read {
                        txns.entry(pair(m.key, v)).or_default().push(p as u32);
                        writes.push(m.key);
                    }
                } else if read.is_none() {
                    reads.push((m.key, m.val));
                }
            }
        }
        let mut cases: Vec<(u64, Vec<u32>)> =
            txns.into_iter().filter(|(_, t)| t.len() >= 2).collect();
        cases.sort_by_key(|c| c.1[0]);
        for (kv, t) in cases {
            let (k, v) = ((kv >> 32) as u32, kv as u32);
            found.add(
                "lost-update",
                Box::new(move || {
                    let indices: Vec<usize> =
                        t.iter().map(|&p| self.ops.ops[p as usize].index).collect();
                    json!({"key": self.key(k), "value": self.val(v),
                           "txns": t.iter().map(|&p| self.ops.op_json(p as usize)).collect::<Vec<_>>(),
                           "explanation": format!(
                               "Ops {indices:?} all read key {} = {} and then wrote it; each \
                                committed without seeing the others' writes (a lost update).",
                               super::edn(self.key(k)), super::edn(self.val(v)))})
                }),
            );
        }
    }
}

fn truthy(v: &Value) -> bool {
    !matches!(v, Value::Null | Value::Bool(false))
}

struct Ix<'a, 'h> {
    rw: &'a Rw<'h>,
    versions: FxSet<(u32, u32, u32)>,
}

impl Ix<'_, '_> {
    /// `index-of` the first micro-op of `p` matching.
    fn mop_index(&self, p: usize, read: bool, key: u32, val: u32) -> Value {
        self.rw
            .mops(p)
            .iter()
            .find(|m| m.read == read && m.key == key && m.val == val)
            .map_or(Value::Null, |m| json!(m.at))
    }

    /// Elle's WR, then WW and RW explainers, then real time or process.
    fn why(&self, a: usize, b: usize, dep: Dep) -> StepWhy {
        let rw = self.rw;
        let e = |v: u32| super::edn(rw.val(v));
        let k = |k: u32| super::edn(rw.key(k));
        match dep {
            Dep::Wr => {
                for w in rw.ext_writes(a) {
                    if rw
                        .ext_reads(b)
                        .iter()
                        .any(|r| r.key == w.key && r.val == w.val)
                    {
                        return StepWhy {
                            data: json!({"type": "wr", "key": rw.key(w.key), "value": rw.val(w.val),
                                         "a-mop-index": self.mop_index(a, false, w.key, w.val),
                                         "b-mop-index": self.mop_index(b, true, w.key, w.val)}),
                            text: format!(
                                "{{a}} wrote {} = {}, which was read by {{b}}",
                                k(w.key),
                                e(w.val)
                            ),
                        };
                    }
                }
            }
            Dep::Ww | Dep::Rw => {
                let from = if dep == Dep::Ww {
                    rw.ext_writes(a)
                } else {
                    rw.ext_reads(a)
                };
                for x in from {
                    let Some(y) = rw.ext_writes(b).iter().find(|y| y.key == x.key) else {
                        continue;
                    };
                    if !self.versions.contains(&(x.key, x.val, y.val)) {
                        continue;
                    }
                    let (name, verb) = if dep == Dep::Ww {
                        ("ww", "set key")
                    } else {
                        ("rw", "read key")
                    };
                    let sep = if dep == Dep::Ww { " to " } else { " = " };
                    return StepWhy {
                        data: json!({"type": name, "key": rw.key(x.key), "value": rw.val(x.val),
                                     "value'": rw.val(y.val),
                                     "a-mop-index": self.mop_index(a, dep == Dep::Rw, x.key, x.val),
                                     "b-mop-index": self.mop_index(b, false, y.key, y.val)}),
                        text: format!(
                            "{{a}} {verb} {}{sep}{}, and {{b}} set it to {}, which came later in \
                             the version order",
                            k(x.key),
                            e(x.val),
                            e(y.val)
                        ),
                    };
                }
            }
            _ => return order_step(&rw.ops, a, b, dep),
        }
        StepWhy {
            data: json!({"type": dep.name()}),
            text: format!("{{a}} precedes {{b}} ({})", dep.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{concurrent, models, oks, serial, strs, taken, types, T};
    use super::*;
    use crate::history::build;
    use serde_json::json;
    use OpType::{Fail, Info, Ok};

    /// Checks `h` twice: whole, and with its values taken as `glomers
    /// check` takes them while reading; both must say exactly the same.
    fn check(h: &History, m: &[&str]) -> Value {
        let whole = super::check(h, &models(m));
        let (taken, mops) = taken(h, Mops::registers());
        assert_eq!(check_compacted(&taken, &mops, &models(m)), whole);
        whole
    }

    const VALID: fn() -> Value = || json!({"valid?": true, "anomaly-types": [], "anomalies": null});

    #[test]
    fn g1a_and_an_empty_graph_is_invalid_in_maelstrom() {
        let h = build::history(&[
            (0, Ok, "txn", json!([["r", "x", 1]]), 0),
            (1, Fail, "txn", json!([["w", "x", 1]]), 0),
        ]);
        let r = check(&h, &["read-committed"]);
        assert_eq!(r["valid?"], false);
        assert_eq!(types(&r), ["G1a", "empty-transaction-graph"]);
        assert_eq!(strs(&r, "not"), ["read-committed"]);
        assert_eq!(r["anomalies"]["G1a"][0]["mop"], json!(["r", "x", 1]));
        // Elle alone would say :unknown; Maelstrom's wrapper says false.
        let r = check(&h, &["read-uncommitted"]);
        assert_eq!(
            (r["valid?"].clone(), types(&r)),
            (json!(false), vec!["empty-transaction-graph".to_string()])
        );
        let r = check(&History::default(), &["strict-serializable"]);
        assert_eq!(r["valid?"], false);
    }

    #[test]
    fn g1b_is_fine_under_read_uncommitted_only() {
        let h = oks(&[
            json!([["w", "y", 5]]),
            json!([["w", "x", 1], ["w", "x", 2]]),
            json!([["r", "x", 1], ["r", "y", 5]]),
        ]);
        assert_eq!(check(&h, &["read-uncommitted"]), VALID());
        let r = check(&h, &["read-committed"]);
        assert_eq!(types(&r), ["G1b"]);
        assert_eq!(
            r["anomalies"]["G1b"][0]["writer"]["value"],
            json!([["w", "x", 1], ["w", "x", 2]])
        );
        // Its own intermediate write is fine.
        let h = oks(&[
            json!([["w", "x", 1], ["r", "x", 1], ["w", "x", 2]]),
            json!([["r", "x", 2]]),
        ]);
        assert_eq!(check(&h, &["read-committed"]), VALID());
    }

    #[test]
    fn g1c_circular_information_flow() {
        let h = oks(&[
            json!([["w", "x", 1], ["r", "y", 1]]),
            json!([["w", "y", 1], ["r", "x", 1]]),
        ]);
        assert_eq!(check(&h, &["read-uncommitted"]), VALID());
        let r = check(&h, &["read-committed"]);
        assert_eq!(types(&r), ["G1c"]);
        assert_eq!(strs(&r, "not"), ["read-committed"]);
        let c = &r["anomalies"]["G1c"][0];
        assert_eq!(
            c["steps"],
            json!([
                {"type": "wr", "key": "x", "value": 1, "a-mop-index": 0, "b-mop-index": 1},
                {"type": "wr", "key": "y", "value": 1, "a-mop-index": 0, "b-mop-index": 1}
            ])
        );
        assert!(c["explanation"]
            .as_str()
            .unwrap_or("")
            .contains("T1 < T2, because T1 wrote \"x\" = 1, which was read by T2."));
    }

    #[test]
    fn internal_consistency() {
        let h = oks(&[json!([["r", "x", 1], ["r", "x", 2]])]);
        let r = check(&h, &["serializable"]);
        assert_eq!(types(&r), ["empty-transaction-graph", "internal"]);
        assert_eq!(r["anomalies"]["internal"][0]["expected"], 1);
        assert_eq!(strs(&r, "not"), ["read-atomic"]);
        let h = oks(&[json!([
            ["r", "y", 2],
            ["w", "x", 2],
            ["r", "x", 2],
            ["w", "x", 1],
            ["r", "x", 1]
        ])]);
        assert!(!types(&check(&h, &["serializable"])).contains(&"internal".to_string()));
    }

    #[test]
    fn nil_precedes_every_value() {
        // Elle's "initial state": T1 read x = nil but y = 1 from T2, which
        // also wrote x = 2.
        let h = super::super::testing::history(&[
            T(0, Ok, json!([["r", "x", null], ["r", "y", 1]]), 0, 3),
            T(1, Ok, json!([["w", "y", 1], ["w", "x", 2]]), 1, 2),
        ]);
        let r = check(&h, &["serializable"]);
        assert_eq!(types(&r), ["G-single-item"]);
        assert_eq!(strs(&r, "not"), ["consistent-view", "repeatable-read"]);
        assert_eq!(
            r["anomalies"]["G-single-item"][0]["steps"],
            json!([
                {"type": "rw", "key": "x", "value": null, "value'": 2, "a-mop-index": 0, "b-mop-index": 1},
                {"type": "wr", "key": "y", "value": 1, "a-mop-index": 0, "b-mop-index": 1}
            ])
        );
    }

    #[test]
    fn writes_follow_reads_order_versions() {
        // T1 read y = 1 and wrote y = 2, so 1 < 2; T2 read T1's x but the
        // old y: G-single.
        let h = oks(&[
            json!([["r", "y", 1], ["w", "x", 1], ["w", "y", 2]]),
            json!([["r", "x", 1], ["r", "y", 1]]),
        ]);
        let r = check(&h, &["serializable"]);
        assert_eq!(types(&r), ["G-single-item"]);
        let steps = &r["anomalies"]["G-single-item"][0]["steps"];
        assert_eq!(
            steps[0],
            json!({"type": "rw", "key": "y", "value": 1, "value'": 2, "a-mop-index": 1, "b-mop-index": 2})
        );
    }

    #[test]
    fn write_skew_is_valid_under_snapshot_isolation_only() {
        let h = concurrent(&[
            (
                Ok,
                json!([["r", "x", null], ["r", "y", null], ["w", "x", 1]]),
            ),
            (
                Ok,
                json!([["r", "x", null], ["r", "y", null], ["w", "y", 1]]),
            ),
        ]);
        assert_eq!(check(&h, &["snapshot-isolation"]), VALID());
        let r = check(&h, &["serializable"]);
        assert_eq!(types(&r), ["G2-item"]);
        assert_eq!(strs(&r, "not"), ["repeatable-read"]);
    }

    #[test]
    fn lost_update_with_writes_follow_reads_is_also_g2_item() {
        let h = serial(&[
            (Ok, json!([["r", "x", 0], ["w", "x", 1]])),
            (Ok, json!([["r", "x", 0], ["w", "x", 2]])),
        ]);
        let r = check(&h, &["strict-serializable"]);
        assert_eq!(types(&r), ["G2-item", "lost-update"]);
        assert_eq!(strs(&r, "not"), ["cursor-stability", "update-atomic"]);
        assert_eq!(r["anomalies"]["lost-update"][0]["value"], 0);
        // Read committed prohibits neither.
        assert_eq!(check(&h, &["read-committed"]), VALID());
    }

    #[test]
    fn realtime_cycles_only_count_for_strict_serializability() {
        // A stale read: T2 began after T1's write completed, yet read nil.
        let h = serial(&[
            (Ok, json!([["w", "x", 1]])),
            (Ok, json!([["r", "x", null]])),
        ]);
        assert_eq!(check(&h, &["serializable"]), VALID());
        let r = check(&h, &["strict-serializable"]);
        assert_eq!(types(&r), ["G-single-item-realtime"]);
        assert_eq!(strs(&r, "not"), ["strong-snapshot-isolation"]);
    }

    #[test]
    fn cyclic_versions_drop_writes_follow_reads() {
        let h = oks(&[
            json!([["r", "x", 1], ["w", "x", 2]]),
            json!([["r", "x", 2], ["w", "x", 1]]),
        ]);
        let r = check(&h, &["read-uncommitted"]);
        assert_eq!(types(&r), ["cyclic-versions"]);
        assert_eq!(strs(&r, "not"), ["read-uncommitted"]);
        assert_eq!(r["anomalies"]["cyclic-versions"][0]["scc"], json!([1, 2]));
        let r = check(&h, &["read-committed"]);
        assert_eq!(types(&r), ["G1c", "cyclic-versions"]);
    }

    #[test]
    fn a_write_cycle_through_reads_is_explained_as_g1c() {
        // T1 and T2 each overwrote what the other wrote, and read it: the
        // ww cycle (PL-1) is explained by wr first, so Elle names it G1c and
        // read-uncommitted fails on the unexplained PL-1 cycle.
        let h = oks(&[
            json!([["r", "x", 10], ["w", "x", 11], ["w", "y", 20]]),
            json!([["r", "y", 20], ["w", "y", 21], ["w", "x", 10]]),
        ]);
        let r = check(&h, &["read-uncommitted"]);
        assert_eq!(types(&r), ["PL-1-cycle-exists"]);
        assert_eq!(
            r["anomalies"]["PL-1-cycle-exists"][0]["not"],
            "read-uncommitted"
        );
        // G1c does not rule read-uncommitted out, so the marker stays.
        let r = check(&h, &["read-committed"]);
        assert_eq!(types(&r), ["G1c", "PL-1-cycle-exists"]);
        assert_eq!(strs(&r, "not"), ["read-uncommitted"]);
    }

    #[test]
    fn info_writes_relate_nothing() {
        // T2 read T1's write, but T1 crashed: no wr edge (Elle indexes ok
        // transactions only), so no cycle.
        let h = concurrent(&[
            (Info, json!([["w", "x", 1], ["r", "y", null]])),
            (Ok, json!([["r", "x", 1], ["w", "y", 1]])),
        ]);
        assert_eq!(
            check(&h, &["serializable"])["anomaly-types"],
            json!(["empty-transaction-graph"])
        );
    }

    #[test]
    fn what_elle_cannot_analyse_is_unknown() {
        let h = oks(&[json!([["r", 1, null]]), json!([["w", "1", 2]])]);
        let r = check(&h, &["serializable"]);
        assert_eq!(r["valid?"], "unknown");
        assert!(r["error"]
            .as_str()
            .unwrap_or("")
            .contains("mix of different types"));
        let h = oks(&[json!([["append", "x", 1]])]);
        assert_eq!(check(&h, &["serializable"])["valid?"], "unknown");
        let h = oks(&[
            json!([["w", "x", 1]]),
            json!([["w", "x", 1]]),
            json!([["r", "x", 1]]),
        ]);
        assert_eq!(check(&h, &["serializable"])["valid?"], "unknown");
        assert_eq!(check(&h, &["serializable , nope"])["valid?"], "unknown");
    }
}
