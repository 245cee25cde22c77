//! The operation history, Jepsen-style: every client operation appears as an
//! `invoke` and one completion (`ok`, `fail` or `info`); nemesis operations
//! use the process `nemesis`. Checkers read only this.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OpType {
    Invoke,
    Ok,
    Fail,
    Info,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Process {
    Client(u64),
    Nemesis,
}

impl Serialize for Process {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Client(p) => s.serialize_u64(*p),
            Self::Nemesis => s.serialize_str("nemesis"),
        }
    }
}

/// Which fault a nemesis operation begins or ends, by its `f` as Jepsen's
/// nemeses name them: `(fault, begins)`, e.g. `kill` → `("kill", true)`,
/// `start` → `("kill", false)`.
pub fn nemesis_edge(f: &str) -> Option<(&'static str, bool)> {
    Some(match f {
        "start-partition" => ("partition", true),
        "stop-partition" => ("partition", false),
        "pause" => ("pause", true),
        "resume" => ("pause", false),
        "kill" => ("kill", true),
        "start" => ("kill", false),
        "bump-clock" | "skew-clock" | "strobe-clock" => ("clock", true),
        "reset-clock" => ("clock", false),
        _ => return None,
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    pub index: usize,
    /// Nanoseconds since the test started.
    pub time: u64,
    pub typ: OpType,
    pub process: Process,
    pub f: String,
    pub value: Value,
    pub error: Option<Value>,
    pub exception: Option<String>,
    pub is_final: bool,
    /// Workload-specific fields Jepsen's op map carries beside the usual
    /// ones (kafka's `seek-to-beginning?`, `poll-ms`), kept on completion.
    pub extra: Map<String, Value>,
}

impl Op {
    /// An operation of the workload's workers, not of the nemesis (Jepsen
    /// calls both "clients"; here a client is a network id, see
    /// `net::journal::is_client_id`).
    pub fn is_workload_op(&self) -> bool {
        matches!(self.process, Process::Client(_))
    }
}

impl Serialize for Op {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("index", &self.index)?;
        m.serialize_entry("time", &self.time)?;
        m.serialize_entry("type", &self.typ)?;
        m.serialize_entry("process", &self.process)?;
        m.serialize_entry("f", &self.f)?;
        m.serialize_entry("value", &self.value)?;
        if let Some(e) = &self.error {
            m.serialize_entry("error", e)?;
        }
        if let Some(e) = &self.exception {
            m.serialize_entry("exception", e)?;
        }
        if self.is_final {
            m.serialize_entry("final?", &true)?;
        }
        for (k, v) in &self.extra {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// A completion awaiting its place in the history.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub typ: OpType,
    pub value: Value,
    pub error: Option<Value>,
    pub exception: Option<String>,
}

#[derive(Debug, Default, Clone)]
pub struct History {
    ops: Vec<Op>,
    /// Completions of workload operations so far: ok, fail, info.
    outcomes: [u64; 3],
}

impl History {
    /// Room for `n` more ops: growing a vector of millions of ops copies
    /// it into fresh pages each time.
    pub fn reserve(&mut self, n: usize) {
        self.ops.reserve(n);
    }

    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// Workload operations completed so far: (ok, fail, info).
    pub fn outcome_counts(&self) -> (u64, u64, u64) {
        let [ok, fail, info] = self.outcomes;
        (ok, fail, info)
    }

    /// Appends an op, assigning its index. Returns the index.
    pub fn push(&mut self, mut op: Op) -> usize {
        if op.is_workload_op() {
            match op.typ {
                OpType::Invoke => {}
                OpType::Ok => self.outcomes[0] += 1,
                OpType::Fail => self.outcomes[1] += 1,
                OpType::Info => self.outcomes[2] += 1,
            }
        }
        op.index = self.ops.len();
        self.ops.push(op);
        self.ops.len() - 1
    }

    pub fn invoke(
        &mut self,
        time: u64,
        process: Process,
        f: &str,
        value: Value,
        is_final: bool,
    ) -> usize {
        self.push(Op {
            index: 0,
            time,
            typ: OpType::Invoke,
            process,
            f: f.to_string(),
            value,
            error: None,
            exception: None,
            is_final,
            extra: Map::new(),
        })
    }

    /// Records an invocation that carries extra fields (kafka's
    /// `seek-to-beginning?`), which its completion keeps.
    pub fn invoke_with_extra(
        &mut self,
        time: u64,
        process: Process,
        f: &str,
        value: Value,
        is_final: bool,
        extra: Map<String, Value>,
    ) -> usize {
        let index = self.invoke(time, process, f, value, is_final);
        self.ops[index].extra = extra;
        index
    }

    /// Records the completion of the invocation at `invoke_index`. As in
    /// Jepsen, a completion is its invocation with a type added: a failed or
    /// indeterminate one keeps the invocation's value.
    pub fn complete(&mut self, time: u64, invoke_index: usize, c: Completion) -> usize {
        let invoke = &self.ops[invoke_index];
        let value = if c.typ != OpType::Ok && c.value.is_null() {
            invoke.value.clone()
        } else {
            c.value
        };
        let op = Op {
            index: 0,
            time,
            typ: c.typ,
            process: invoke.process,
            f: invoke.f.clone(),
            value,
            error: c.error,
            exception: c.exception,
            is_final: invoke.is_final,
            extra: invoke.extra.clone(),
        };
        self.push(op)
    }

    /// Pairs every client invocation with its completion (None if none came).
    pub fn pairs(&self) -> Vec<(&Op, Option<&Op>)> {
        pair(self.ops.iter().filter(|o| o.is_workload_op()))
    }

    /// Like [`History::pairs`], nemesis operations included.
    pub fn all_pairs(&self) -> Vec<(&Op, Option<&Op>)> {
        pair(self.ops.iter())
    }

    /// Client invocations (what msgs-per-op divides by).
    pub fn invocation_count(&self) -> u64 {
        self.ops
            .iter()
            .filter(|o| o.is_workload_op() && o.typ == OpType::Invoke)
            .count() as u64
    }
}

/// Pairs invocations with the next completion of the same process, in
/// invocation order.
fn pair<'a>(ops: impl Iterator<Item = &'a Op>) -> Vec<(&'a Op, Option<&'a Op>)> {
    let mut open: std::collections::HashMap<Process, usize> = Default::default();
    let mut pairs: Vec<(&Op, Option<&Op>)> = Vec::new();
    for op in ops {
        if op.typ == OpType::Invoke {
            open.insert(op.process, pairs.len());
            pairs.push((op, None));
        } else if let Some(i) = open.remove(&op.process) {
            pairs[i].1 = Some(op);
        }
    }
    pairs
}

/// Builders for hand-written histories (tests, examples).
pub mod build {
    use super::*;

    /// `(process, type, f, value, time_ms)` rows → a history.
    pub fn history(rows: &[(u64, OpType, &str, Value, u64)]) -> History {
        let ns: Vec<_> = rows
            .iter()
            .map(|(p, typ, f, value, ms)| (*p, *typ, *f, value.clone(), ms * 1_000_000))
            .collect();
        history_ns(&ns)
    }

    /// `(process, type, f, value, time_ns)` rows → a history, for tests whose
    /// figures depend on sub-millisecond times.
    pub fn history_ns(rows: &[(u64, OpType, &str, Value, u64)]) -> History {
        let mut h = History::default();
        for (p, typ, f, value, ns) in rows {
            h.push(Op {
                index: 0,
                time: *ns,
                typ: *typ,
                process: Process::Client(*p),
                f: f.to_string(),
                value: value.clone(),
                error: None,
                exception: None,
                is_final: false,
                extra: Map::new(),
            });
        }
        h
    }
}
