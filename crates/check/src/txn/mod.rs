//! The transactional checkers of `txn-list-append` and `txn-rw-register`,
//! computed as Maelstrom 0.2.4 computes them: Elle 0.2.2's
//! `elle.list-append/check` and `elle.rw-register/check` (through Jepsen
//! 0.3.7's `jepsen.tests.cycle.append` / `.wr`), with Maelstrom's options
//! (`--consistency-models`; for rw-register `:wfr-keys? true`) and, for
//! rw-register, Maelstrom's wrapper (`maelstrom.workload.txn-rw-register/
//! checker`: `:cycle-search-timeout` dropped, valid iff no anomaly type is
//! left, so `empty-transaction-graph` makes it false).
//!
//! This module owns what both share: the client operations of the history
//! and their pairing (keys and values are interned by [`mops::Interner`]), the
//! dependency graph's real-time and process edges (added only when the
//! models need them, as `elle.txn/additional-graphs` decides), the search
//! of each strongly connected component ([`cycles`]), Elle's result map
//! (`elle.txn/result-map`: only anomalies the models prohibit, plus the
//! "unknown" markers, are reported; `:not`/`:also-not` come from every
//! anomaly found) and the rendering of witnesses, each with an
//! `explanation` in words. [`list_append`] and [`rw_register`] own their
//! version orders, edges and non-cycle anomalies; [`models`] the model
//! hierarchy.
//!
//! Where Elle throws (malformed micro-ops, an unknown model, a value two
//! operations claim to have written, …) Maelstrom's checker reports
//! `{:valid? :unknown :error …}`, and so do we. Where Elle's output depends
//! on hash-map order (which of two equally long reads is the version order,
//! the order of witnesses), ours is deterministic: history order.

pub mod bfs;
pub mod cycles;
pub mod list_append;
pub mod models;
pub mod mops;
pub mod rw_register;

use crate::graph::{Dep, DepGraph, Deps, RealtimeEvent, Step};
use crate::history::{History, Op, OpType, Process};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Checks a `txn-list-append` history against the consistency models (as
/// `TestOptions::consistency_models` holds them).
pub fn check_list_append(history: &History, models: &[String]) -> Value {
    list_append::check(history, models)
}

/// Checks a `txn-rw-register` history against the consistency models, with
/// Maelstrom's wrapper applied.
pub fn check_rw_register(history: &History, models: &[String]) -> Value {
    rw_register::check(history, models)
}

/// Absent id / position.
pub(crate) const NONE: u32 = u32::MAX;

pub(crate) use crate::fx::{FxMap, FxSet};

/// Two u32 ids as one map key.
pub(crate) fn pair(a: u32, b: u32) -> u64 {
    ((a as u64) << 32) | b as u64
}

pub(crate) static NULL: Value = Value::Null;

/// Why Elle cannot read `op`: its value is not a list of micro-ops, or
/// one micro-op's function is none of `fs` (`why` says what Elle throws).
pub(crate) fn unreadable(op: &Op, fs: &[&str], why: &str) -> String {
    let Value::Array(mops) = &op.value else {
        return format!(
            "op {} has value {}, not a list of micro-ops; Elle cannot read it and its checker \
             throws, so the result is :valid? :unknown",
            op.index, op.value
        );
    };
    let raw = mops
        .iter()
        .find(|m| {
            !m.get(0)
                .and_then(Value::as_str)
                .is_some_and(|f| fs.contains(&f))
        })
        .unwrap_or(&NULL);
    format!(
        "op {} has micro-op {raw}, {why}, so the result is :valid? :unknown",
        op.index
    )
}

/// The history's client operations (Elle's `h/client-ops`), in order, with
/// each invocation paired to its completion by process, as Jepsen pairs
/// them.
pub(crate) struct ClientOps<'h> {
    pub ops: Vec<&'h Op>,
    /// The other half of each op (invocation ↔ completion), or NONE.
    pub partner: Vec<u32>,
    /// Where the values taken from the ops as they were read are kept.
    store: Option<&'h mops::Mops>,
}

impl<'h> ClientOps<'h> {
    pub fn new(history: &'h History) -> Self {
        let ops: Vec<&Op> = history
            .ops()
            .iter()
            .filter(|o| o.is_workload_op())
            .collect();
        let mut partner = vec![NONE; ops.len()];
        let mut open: HashMap<u64, usize> = HashMap::new();
        for (p, op) in ops.iter().enumerate() {
            let Process::Client(proc_) = op.process else {
                continue;
            };
            if op.typ == OpType::Invoke {
                open.insert(proc_, p);
            } else if let Some(i) = open.remove(&proc_) {
                partner[i] = p as u32;
                partner[p] = i as u32;
            }
        }
        Self {
            ops,
            partner,
            store: None,
        }
    }

    /// The same ops, their values (where taken) kept in `store`.
    pub fn with_store(self, store: &'h mops::Mops) -> Self {
        Self {
            store: Some(store),
            ..self
        }
    }

    /// Op `p` whole, its value rebuilt if it was taken into the store.
    pub fn op(&self, p: usize) -> std::borrow::Cow<'h, Op> {
        let op = self.ops[p];
        match self.store.and_then(|s| s.op_value(op)) {
            Some(value) => std::borrow::Cow::Owned(Op {
                value,
                ..op.clone()
            }),
            None => std::borrow::Cow::Borrowed(op),
        }
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn typ(&self, p: usize) -> OpType {
        self.ops[p].typ
    }

    /// The invocation of a completion (or the op itself if it has none),
    /// as [`op`](Self::op) gives it.
    pub fn invocation(&self, p: usize) -> std::borrow::Cow<'h, Op> {
        let i = self.partner[p];
        if i != NONE && self.ops[p].typ != OpType::Invoke {
            self.op(i as usize)
        } else {
            self.op(p)
        }
    }

    /// Elle's `realtime-graph`: every `ok` completion precedes the
    /// completion of every operation invoked after it (transitive
    /// reduction); failed and indeterminate ops are only ever targets.
    pub fn add_realtime(&self, g: &mut DepGraph) -> usize {
        let events = (0..self.ops.len()).filter_map(|p| match self.ops[p].typ {
            OpType::Invoke if self.partner[p] != NONE => Some(RealtimeEvent::Invoke {
                completion: self.partner[p] as usize,
                ok: self.ops[self.partner[p] as usize].typ == OpType::Ok,
            }),
            OpType::Ok => Some(RealtimeEvent::Ok(p)),
            _ => None,
        });
        g.add_realtime(events)
    }

    /// Elle's `process-graph`: each process's `ok` operations in order.
    pub fn add_process(&self, g: &mut DepGraph) -> usize {
        g.add_process_order((0..self.ops.len()).filter_map(|p| {
            let op = self.ops[p];
            match (op.typ, op.process) {
                (OpType::Ok, Process::Client(proc_)) => Some((proc_, p)),
                _ => None,
            }
        }))
    }

    pub fn op_json(&self, p: usize) -> Value {
        serde_json::to_value(&*self.op(p)).unwrap_or(Value::Null)
    }
}

/// Which extra graph `elle.txn/additional-graphs` adds for these
/// reportable anomaly types: real-time order if any `-realtime` cycle type
/// is reportable, else process order if any `-process` one is.
pub(crate) fn extra_graph(reportable: &BTreeSet<String>) -> Option<Dep> {
    let cycle_type = |t: &str| {
        ["G0", "G1c", "G-single", "G-nonadjacent", "G2"]
            .iter()
            .any(|b| t.starts_with(b))
    };
    if reportable
        .iter()
        .any(|t| cycle_type(t) && t.contains("-realtime"))
    {
        Some(Dep::Realtime)
    } else if reportable
        .iter()
        .any(|t| cycle_type(t) && t.contains("-process"))
    {
        Some(Dep::Process)
    } else {
        None
    }
}

/// The anomaly types that would fail the check, and those worth reporting
/// (`prohibited-anomaly-types`, `reportable-anomaly-types`).
pub(crate) struct Wanted {
    pub prohibited: BTreeSet<String>,
    pub reportable: BTreeSet<String>,
}

pub(crate) const UNKNOWN_TYPES: [&str; 2] = ["empty-transaction-graph", "cycle-search-timeout"];

impl Wanted {
    pub fn new(models: &[String]) -> Result<Self, String> {
        let prohibited = models::anomalies_prohibited_by(models)?;
        let mut reportable = prohibited.clone();
        reportable.extend(UNKNOWN_TYPES.iter().map(|s| s.to_string()));
        Ok(Self {
            prohibited,
            reportable,
        })
    }
}

/// A thrown analysis: Maelstrom's checker reports `:valid? :unknown`.
pub(crate) fn unknown(error: String) -> Value {
    json!({"valid?": "unknown", "error": error})
}

/// Runs the per-component cycle search over the whole graph.
pub(crate) fn search_cycles(g: &DepGraph, explain: &[Dep]) -> Vec<cycles::Found> {
    let all = Deps::of(&[Dep::Ww, Dep::Wr, Dep::Rw, Dep::Process, Dep::Realtime]);
    g.cycles_components(all)
        .iter()
        .flat_map(|c| cycles::search_component(g, c, explain))
        .collect()
}

/// A witness, rendered only if its type is reported.
pub(crate) type Render<'a> = Box<dyn Fn() -> Value + 'a>;

/// Every anomaly found, by type, before Elle's `result-map` filters them.
#[derive(Default)]
pub(crate) struct Found<'a> {
    pub by_type: BTreeMap<String, Vec<Render<'a>>>,
}

impl<'a> Found<'a> {
    pub fn add(&mut self, typ: &str, render: Render<'a>) {
        self.by_type
            .entry(typ.to_string())
            .or_default()
            .push(render);
    }

    /// Every cycle anomaly of `g` (steps explained in the order `explain`
    /// tries the dependency kinds, as the checker's Elle counterpart does),
    /// each witness rendered with `why`.
    pub fn add_cycles<W>(&mut self, g: &DepGraph, explain: &[Dep], ops: &'a ClientOps, why: W)
    where
        W: Fn(usize, usize, Dep) -> StepWhy + Copy + 'a,
    {
        for f in search_cycles(g, explain) {
            let typ = f.type_name();
            match f {
                cycles::Found::Cycle { name, steps } => self.add(
                    &typ,
                    Box::new(move || render_cycle(ops, &name, &steps, &why)),
                ),
                cycles::Found::Exists {
                    model,
                    subgraph,
                    scc,
                } => self.add(
                    &typ,
                    Box::new(move || render_exists(ops, model, subgraph, &scc)),
                ),
            }
        }
    }

    /// `elle.txn/result-map` over these anomalies.
    pub fn result(self, wanted: &Wanted) -> Value {
        let found: Vec<&str> = self.by_type.keys().map(String::as_str).collect();
        let bad = found.iter().any(|t| wanted.prohibited.contains(*t));
        let mut reportable: Vec<&str> = found
            .iter()
            .copied()
            .filter(|t| wanted.reportable.contains(*t))
            .collect();
        // remove-redundant-cycle-exists: a cycle-exists marker adds nothing
        // once another anomaly rules its model out.
        let others: Vec<&str> = reportable
            .iter()
            .copied()
            .filter(|t| !t.ends_with("-cycle-exists"))
            .collect();
        let ruled_out = models::impossible_models(others);
        reportable.retain(|t| match t.strip_suffix("-cycle-exists") {
            Some(model) => !ruled_out.contains(model),
            None => true,
        });
        if reportable.is_empty() {
            return json!({"valid?": true});
        }
        let (not, also_not) = models::friendly_boundary(found.iter().copied());
        let mut anomalies = Map::new();
        for t in &reportable {
            let list: Vec<Value> = self.by_type[*t].iter().map(|r| r()).collect();
            let value = if *t == "empty-transaction-graph" {
                json!(true)
            } else {
                Value::Array(list)
            };
            anomalies.insert(t.to_string(), value);
        }
        json!({
            "valid?": if bad { json!(false) } else { json!("unknown") },
            "anomaly-types": reportable,
            "anomalies": anomalies,
            "not": not,
            "also-not": also_not,
        })
    }
}

/// Values printed the way Elle prints them in explanations (`pr-str` of
/// EDN): numbers as written, `nil`, vectors with spaces.
pub(crate) fn edn(v: &Value) -> String {
    match v {
        Value::Null => "nil".into(),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(edn).collect();
            format!("[{}]", inner.join(" "))
        }
        other => other.to_string(),
    }
}

/// An op in an explanation's binding, as Elle's `pr-str` of the op map,
/// micro-op functions as keywords.
pub(crate) fn edn_op(op: &Op) -> String {
    let mops: Vec<String> = match &op.value {
        Value::Array(mops) => mops
            .iter()
            .map(|m| match m.as_array() {
                Some(parts) if !parts.is_empty() => {
                    let f = parts[0]
                        .as_str()
                        .map_or_else(|| edn(&parts[0]), |s| format!(":{s}"));
                    let rest: Vec<String> = parts[1..].iter().map(edn).collect();
                    format!("[{f} {}]", rest.join(" "))
                }
                _ => edn(m),
            })
            .collect(),
        other => vec![edn(other)],
    };
    let process = match op.process {
        Process::Client(p) => p.to_string(),
        Process::Nemesis => ":nemesis".into(),
    };
    let typ = serde_json::to_value(op.typ).unwrap_or(Value::Null);
    format!(
        "{{:index {}, :time {}, :type :{}, :process {process}, :f :{}, :value [{}]}}",
        op.index,
        op.time,
        typ.as_str().unwrap_or(""),
        op.f,
        mops.join(" ")
    )
}

/// Why b depends on a: the step's data and its sentence (with `{a}` and
/// `{b}` standing for the two transactions' names).
pub(crate) struct StepWhy {
    pub data: Value,
    pub text: String,
}

/// The real-time and process steps, the same for both checkers.
pub(crate) fn order_step(ops: &ClientOps, a: usize, b: usize, dep: Dep) -> StepWhy {
    // Elle's RealtimeExplainer / ProcessExplainer.
    let a_op = ops.ops[a];
    if dep == Dep::Process {
        let process = match a_op.process {
            Process::Client(p) => json!(p),
            Process::Nemesis => json!("nemesis"),
        };
        return StepWhy {
            data: json!({"type": "process", "process": process}),
            text: format!("process {process} executed {{a}} before {{b}}"),
        };
    }
    let inv = ops.invocation(b);
    let when = if inv.time > a_op.time {
        format!(" {:.3} seconds", (inv.time - a_op.time) as f64 / 1e9)
    } else {
        " just".into()
    };
    StepWhy {
        data: json!({"type": "realtime", "a'": ops.op_json(a),
                     "b": serde_json::to_value(&*inv).unwrap_or(Value::Null)}),
        text: format!(
            "{{a}} completed at index {},{when} before the invocation of {{b}}, at index {}",
            a_op.index, inv.index
        ),
    }
}

/// A cycle witness as Elle reports it (`{:type :cycle :steps}`), plus the
/// explanation Elle writes to `elle/<type>.txt`.
pub(crate) fn render_cycle(
    ops: &ClientOps,
    name: &str,
    steps: &[Step],
    why: &dyn Fn(usize, usize, Dep) -> StepWhy,
) -> Value {
    let n = steps.len();
    let mut cycle: Vec<Value> = steps.iter().map(|s| ops.op_json(s.from)).collect();
    if let Some(first) = steps.first() {
        cycle.push(ops.op_json(first.from));
    }
    let mut data = Vec::with_capacity(n);
    let mut lines = Vec::with_capacity(n);
    for (i, s) in steps.iter().enumerate() {
        let next = steps[(i + 1) % n].from;
        let w = why(s.from, next, s.dep);
        let (an, bn) = (format!("T{}", i + 1), format!("T{}", (i + 1) % n + 1));
        let text = w.text.replace("{a}", &an).replace("{b}", &bn);
        lines.push(format!("{an} < {bn}, because {text}"));
        data.push(w.data);
    }
    let binding: Vec<String> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| format!("  T{} = {}", i + 1, edn_op(&ops.op(s.from))))
        .collect();
    let mut then = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i + 1 == n {
            then.push_str(&format!("  - However, {line}: a contradiction!"));
        } else {
            then.push_str(&format!("  - {line}.\n"));
        }
    }
    json!({
        "type": name,
        "cycle": cycle,
        "steps": data,
        "explanation": format!("Let:\n{}\n\nThen:\n{then}", binding.join("\n")),
    })
}

/// A cycle-exists marker as Elle reports it.
pub(crate) fn render_exists(
    ops: &ClientOps,
    model: &str,
    subgraph: &[&str],
    scc: &[usize],
) -> Value {
    let shown: Vec<Value> = subgraph
        .iter()
        .map(|s| {
            if s.contains(' ') {
                json!(s.split(' ').collect::<Vec<_>>())
            } else {
                json!(s)
            }
        })
        .collect();
    let indices: Vec<usize> = scc.iter().map(|&v| ops.ops[v].index).collect();
    let not = models::friendly(model);
    json!({
        "type": format!("{model}-cycle-exists"),
        "not": not,
        "subgraph": shown,
        "scc-size": indices.len(),
        "scc": indices,
        "explanation": format!(
            "A cycle exists among these {} transactions (ops {indices:?}) in the subgraph \
             {subgraph:?}, which {not} must keep acyclic; no specific cycle anomaly was \
             named for it.",
            indices.len()
        ),
    })
}

#[cfg(test)]
pub(crate) mod testing {
    //! Hand-written histories: `T` rows become an invocation and a
    //! completion each, in the order given.
    use crate::history::{History, Op, OpType, Process};
    use serde_json::{Map, Value};

    /// One transaction: process, completion type, the completed micro-ops
    /// (reads filled in), invoke and completion times in ms.
    pub struct T(pub u64, pub OpType, pub Value, pub u64, pub u64);

    fn push(h: &mut History, p: u64, typ: OpType, value: Value, ms: u64) {
        h.push(Op {
            index: 0,
            time: ms * 1_000_000,
            typ,
            process: Process::Client(p),
            f: "txn".into(),
            value,
            error: None,
            exception: None,
            is_final: false,
            extra: Map::new(),
        });
    }

    /// The invocation's value: reads blanked.
    pub fn invocation(value: &Value) -> Value {
        match value {
            Value::Array(mops) => Value::Array(
                mops.iter()
                    .map(|m| match m.as_array() {
                        Some(p) if p.first().and_then(Value::as_str) == Some("r") => {
                            let mut p = p.clone();
                            if p.len() > 2 {
                                p[2] = Value::Null;
                            }
                            Value::Array(p)
                        }
                        _ => m.clone(),
                    })
                    .collect(),
            ),
            v => v.clone(),
        }
    }

    /// Sequential or overlapping transactions: invocations and completions
    /// interleaved by time (invocations first on ties).
    pub fn history(txns: &[T]) -> History {
        let mut events: Vec<(u64, u8, usize)> = Vec::new();
        for (i, t) in txns.iter().enumerate() {
            events.push((t.3, 0, i));
            events.push((t.4, 1, i));
        }
        events.sort();
        let mut h = History::default();
        for (ms, kind, i) in events {
            let t = &txns[i];
            if kind == 0 {
                push(&mut h, t.0, OpType::Invoke, invocation(&t.2), ms);
            } else {
                let value = if t.1 == OpType::Ok {
                    t.2.clone()
                } else {
                    invocation(&t.2)
                };
                push(&mut h, t.0, t.1, value, ms);
            }
        }
        h
    }

    /// Completed transactions only, no invocations (as Elle's tests write
    /// them): no real-time order.
    pub fn oks(txns: &[Value]) -> History {
        let mut h = History::default();
        for v in txns {
            push(&mut h, 0, OpType::Ok, v.clone(), 0);
        }
        h
    }

    /// Transactions one after another in real time, each on its own process.
    pub fn serial(txns: &[(OpType, Value)]) -> History {
        let rows: Vec<T> = txns
            .iter()
            .enumerate()
            .map(|(i, (typ, v))| T(i as u64, *typ, v.clone(), 10 * i as u64, 10 * i as u64 + 5))
            .collect();
        history(&rows)
    }

    /// Transactions all concurrent (no real-time order), each on its own
    /// process, completing in the order given.
    pub fn concurrent(txns: &[(OpType, Value)]) -> History {
        let rows: Vec<T> = txns
            .iter()
            .enumerate()
            .map(|(i, (typ, v))| T(i as u64, *typ, v.clone(), 0, 100 + i as u64))
            .collect();
        history(&rows)
    }

    /// `h` with its values taken into `mops` as `glomers check` takes them
    /// while reading: every op compacted, values rebuilt only to be shown.
    pub fn taken(h: &History, mut mops: super::mops::Mops) -> (History, super::mops::Mops) {
        let mut taken = History::default();
        for op in h.ops() {
            let mut op = op.clone();
            mops.take(&mut op);
            taken.push(op);
        }
        (taken, mops)
    }

    pub fn models(m: &[&str]) -> Vec<String> {
        m.iter().map(|s| s.to_string()).collect()
    }

    pub fn types(r: &Value) -> Vec<String> {
        r["anomaly-types"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn strs(r: &Value, key: &str) -> Vec<String> {
        r[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}
